//! IR -> tokens. Generated code is fully qualified (`::std::...`, `::imspec_runtime::...`) so a
//! user's imports cannot break it, and documented from the spec.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use imspec_spec::names::{KEYWORDS, snake_case};
use imspec_spec::{Code, ErrorClass, Rule, TimeUnit};

use crate::ir::*;

/// A Rust identifier; keywords become raw identifiers (`r#type`).
pub(crate) fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) { Ident::new_raw(name, Span::call_site()) } else { Ident::new(name, Span::call_site()) }
}

fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

fn code_tokens(code: &Code) -> TokenStream {
    match code {
        Code::Int(i) => {
            let lit = Literal::i64_suffixed(*i);
            quote!(::imspec_runtime::Code::Int(#lit))
        }
        Code::Str(s) => quote!(::imspec_runtime::Code::Str(::std::borrow::Cow::Borrowed(#s))),
    }
}

/// `Some(value)` or `None`, fully qualified.
fn option(value: Option<impl quote::ToTokens>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

fn u64_lit(n: u64) -> Literal {
    Literal::u64_suffixed(n)
}

/// The whole content of a vendor module.
pub fn vendor(v: &VendorIr) -> TokenStream {
    let id = &v.id;
    let hosts = v.hosts.iter().map(|(name, host)| quote!((#name, #host)));
    let default_host = option(v.default_host.as_ref());
    let types = v.types.iter().map(|t| type_def(t, &v.types, &[]));
    let apis = v.apis.iter().map(|a| api(a, &v.types));
    let entries = v.apis.iter().map(|a| {
        let m = ident(&a.module);
        quote!(&#m::ENTRY)
    });
    let title_doc = format!(" {}", v.title);
    let auth = auth_info(v);
    let missing = v.refusals_missing.iter().map(|(role, code)| {
        let code = code_tokens(code);
        quote!((#role, #code))
    });
    let refusal_fields = v.refusals.iter().map(|(name, code)| {
        let value = option(code.as_ref().map(code_tokens));
        let name = ident(name);
        quote!(#name: #value)
    });
    let a = &v.answer;
    let status = option(
        a.status
            .as_ref()
            .map(|(field, ok, fail)| quote!(::imspec_runtime::StatusField { field: #field, ok: #ok, fail: #fail })),
    );
    let request_id = option(a.request_id.as_ref());
    let unreadable = option(a.unreadable.as_ref().map(code_tokens));
    let error_body = a.error_body;
    let fill = fill_tokens(&a.fill);
    let errors = vendor_errors(v);
    let client = client(v);
    quote! {
        #[doc = #title_doc]
        pub const VENDOR_ID: &str = #id;
        /// Documented hosts by region name. A custom base URL is always allowed too.
        pub const HOSTS: &[(&str, &str)] = &[#(#hosts),*];
        /// The host used when no region or base URL is configured; `None` when every app has its own.
        pub const DEFAULT_HOST: ::std::option::Option<&str> = #default_host;
        /// How this vendor authenticates and answers, and its shared error table.
        pub const VENDOR: ::imspec_runtime::VendorInfo = ::imspec_runtime::VendorInfo {
            id: #id,
            hosts: HOSTS,
            default_host: DEFAULT_HOST,
            auth: #auth,
            #[cfg(feature = "service")]
            refusals: ::imspec_runtime::Refusals { missing: &[#(#missing),*], #(#refusal_fields),* },
            #[cfg(feature = "service")]
            answer: ::imspec_runtime::VendorAnswer {
                status: #status,
                request_id: #request_id,
                unreadable: #unreadable,
                error_body: #error_body,
                fill: #fill,
            },
            errors: ERRORS,
        };
        #errors
        #client
        /// Every API of this vendor, for callers that reach APIs by id (the command line, the emulator).
        pub static APIS: &[&::imspec_runtime::ApiEntry] = &[#(#entries),*];
        #(#types)*
        #(#apis)*
    }
}

fn auth_info(v: &VendorIr) -> TokenStream {
    let scheme = v.auth.scheme;
    let params = v.auth.params.iter().map(|(key, value)| {
        let value = match value {
            AuthParamIr::Text(t) => quote!(::imspec_runtime::AuthParam::Text(#t)),
            AuthParamIr::Count(n) => {
                let n = u64_lit(*n);
                quote!(::imspec_runtime::AuthParam::Count(#n))
            }
            AuthParamIr::Pairs(pairs) => {
                let pairs = pairs.iter().map(|(a, b)| quote!((#a, #b)));
                quote!(::imspec_runtime::AuthParam::Pairs(&[#(#pairs),*]))
            }
        };
        quote!((#key, #value))
    });
    quote! {
        ::imspec_runtime::AuthInfo { scheme: #scheme, params: &[#(#params),*] }
    }
}

fn fill_tokens(fill: &[(String, FillIr)]) -> TokenStream {
    let entries = fill.iter().map(|(field, f)| {
        let value = match f {
            FillIr::Keyword(k) => {
                let k = format_ident!("{}", k);
                quote!(::imspec_runtime::Fill::#k)
            }
            FillIr::Str(s) => quote!(::imspec_runtime::Fill::Str(#s)),
            FillIr::Int(i) => {
                let i = Literal::i64_suffixed(*i);
                quote!(::imspec_runtime::Fill::Int(#i))
            }
            FillIr::Bool(b) => quote!(::imspec_runtime::Fill::Bool(#b)),
        };
        quote!((#field, #value))
    });
    quote!(&[#(#entries),*])
}

fn error_rows(errors: &[ErrorIr]) -> TokenStream {
    let rows = errors.iter().map(|e| {
        let code = code_tokens(&e.code);
        let (name, meaning) = (&e.name, &e.meaning);
        let class = class_tokens(e.class);
        let message = option(e.message.as_ref());
        let status = option(e.http_status.map(|s| Literal::u16_suffixed(u16::try_from(s).unwrap_or(u16::MAX))));
        let advice = option(e.advice.as_ref());
        quote! {
            ::imspec_runtime::ErrorRow {
                code: #code, name: #name, class: #class, meaning: #meaning, advice: #advice, message: #message, http_status: #status,
            }
        }
    });
    quote!(&[#(#rows),*])
}

fn id_list_tokens(l: Option<&IdListIr>) -> TokenStream {
    option(l.map(|l| {
        let (field, always) = (&l.field, l.always);
        let classes = l.classes.iter().map(|c| class_tokens(*c));
        quote!(::imspec_runtime::IdList { field: #field, always: #always, classes: &[#(#classes),*] })
    }))
}

fn direction(both: bool) -> TokenStream {
    if both { quote!(::imspec_runtime::Direction::Both) } else { quote!(::imspec_runtime::Direction::OneWay) }
}

fn relation_tokens(r: &RelationIr) -> TokenStream {
    let requester = {
        let kind = format_ident!("{}", r.requester.0);
        let name = &r.requester.1;
        quote!(::imspec_runtime::Requester::#kind(#name))
    };
    let dir = direction(r.both);
    let direction_field = option(r.direction_field.as_ref().map(|(field, values)| {
        let values = values.iter().map(|(v, both)| {
            let d = direction(*both);
            quote!((#v, #d))
        });
        quote!((#field, &[#(#values),*]))
    }));
    let codes = [&r.unknown_user, &r.unknown_requester, &r.already_friends, &r.pending, &r.not_friends]
        .map(|c| option(c.as_ref().map(code_tokens)));
    let [unknown_user, unknown_requester, already_friends, pending, not_friends] = codes;
    let force = option(r.force.as_ref().map(|(field, value)| quote!((#field, #value))));
    let target_param = option(r.target_param.as_ref());
    let check_values = r.check_values.iter().map(|(value, both, word)| {
        let d = direction(*both);
        let w = format_ident!("{}", word);
        quote!((#value, #d, ::imspec_runtime::RelationWord::#w))
    });
    quote! {
        ::imspec_runtime::Relation {
            requester: #requester,
            direction: #dir,
            direction_field: #direction_field,
            unknown_user: #unknown_user,
            unknown_requester: #unknown_requester,
            already_friends: #already_friends,
            pending: #pending,
            force: #force,
            target_param: #target_param,
            not_friends: #not_friends,
            check_values: &[#(#check_values),*],
        }
    }
}

fn service_fields(a: &ApiIr) -> TokenStream {
    let an = &a.answer;
    let item_message = option(an.item_message.as_ref());
    let failed_ids = id_list_tokens(an.failed_ids.as_ref());
    let invalid_ids = id_list_tokens(an.invalid_ids.as_ref());
    let all_failed = an.all_failed.iter().map(|(from, to)| {
        let (from, to) = (code_tokens(from), code_tokens(to));
        quote!((#from, #to))
    });
    let fill = fill_tokens(&an.fill);
    let relation = option(a.relation.as_ref().map(relation_tokens));
    let limits = a.state.iter().map(|(name, limit)| {
        let limit = option(limit.as_ref().map(|l| {
            let max = option(l.max.map(u64_lit));
            let code = code_tokens(&l.code);
            let field = option(l.field.as_ref());
            let full_code = option(l.full_code.as_ref().map(code_tokens));
            quote!(::imspec_runtime::StateLimit { max: #max, code: #code, field: #field, full_code: #full_code })
        }));
        let name = ident(name);
        quote!(#name: #limit)
    });
    let state = quote!(::imspec_runtime::StateLimits { #(#limits),* });
    quote! {
        vendor: &super::VENDOR,
        errors: ERRORS,
        #[cfg(feature = "service")]
        answer: ::imspec_runtime::ApiAnswer {
            item_message: #item_message,
            failed_ids: #failed_ids,
            invalid_ids: #invalid_ids,
            all_failed: &[#(#all_failed),*],
            fill: #fill,
        },
        relation: #relation,
        #[cfg(feature = "service")]
        state: #state,
    }
}

/// The parameters the caller gives (not those bound to configuration), as a struct.
fn caller_params(a: &ApiIr) -> TokenStream {
    let given: Vec<&ParamIr> = a.params.iter().filter(|p| p.bind.is_none()).collect();
    if given.is_empty() {
        return TokenStream::new();
    }
    let fields = given.iter().map(|p| {
        let name = ident(&snake_case(&p.name));
        let ty = match p.ty {
            "Integer" => quote!(i64),
            "Boolean" => quote!(bool),
            _ => quote!(::std::string::String),
        };
        let ty = if p.required { ty } else { quote!(::std::option::Option<#ty>) };
        let mut doc = vec![p.doc.clone().unwrap_or_default()];
        doc.push(format!("`{}`, in the {}.", p.name, if p.in_path { "path" } else { "query" }));
        if let Some(d) = &p.default {
            doc.push(format!("The service assumes `{d}` when absent."));
        }
        let doc = docs(&doc);
        quote! { #doc pub #name: #ty }
    });
    let pairs = given.iter().map(|p| {
        let (name, wire) = (ident(&snake_case(&p.name)), &p.name);
        if p.required {
            quote! { out.push((::std::string::String::from(#wire), ::std::string::ToString::to_string(&self.#name))); }
        } else {
            quote! {
                if let ::std::option::Option::Some(value) = &self.#name {
                    out.push((::std::string::String::from(#wire), ::std::string::ToString::to_string(value)));
                }
            }
        }
    });
    quote! {
        /// The path and query parameters of this API that the caller gives.
        #[derive(Debug, Clone, PartialEq, Default)]
        pub struct Params { #(#fields,)* }
        impl Params {
            /// As `(name, value)` pairs, the way the runtime takes them.
            #[allow(clippy::vec_init_then_push)]
            pub fn to_pairs(&self) -> ::std::vec::Vec<(::std::string::String, ::std::string::String)> {
                let mut out = ::std::vec::Vec::new();
                #(#pairs)*
                out
            }
        }
    }
}

/// The vendor's client: one method per API.
fn client(v: &VendorIr) -> TokenStream {
    let methods = v.apis.iter().map(|a| {
        let m = ident(&a.module);
        let doc = docs(&a.doc);
        let has_params = a.params.iter().any(|p| p.bind.is_none());
        let (arg, pairs) = if has_params {
            (quote!(params: &#m::Params,), quote!(&params.to_pairs()))
        } else {
            (quote!(), quote!(&[]))
        };
        quote! {
            #doc
            ///
            /// Validates the request (invalid items are reported, the others sent), chunks it to
            /// the batch maximum, paces, signs and retries; one outcome per item.
            pub async fn #m(&self, #arg request: &#m::Request)
                -> ::std::result::Result<::imspec_runtime::Outcomes<#m::Response, #m::ErrorCode>, ::imspec_runtime::ClientError>
            {
                self.inner.send_typed(&#m::ENTRY, request, #pairs).await
            }
        }
    });
    let doc = format!(" A client of every API of {}: typed requests in, one typed outcome per item out.", v.title);
    quote! {
        static VENDOR_REF: &::imspec_runtime::VendorInfo = &VENDOR;

        #[doc = #doc]
        ///
        /// Clones share credentials, pacing and connections.
        #[derive(Debug, Clone)]
        pub struct Client {
            inner: ::imspec_runtime::VendorClient,
        }

        impl Client {
            /// A client configured from this vendor's section of the credentials file.
            pub fn new(config: &::imspec_runtime::Config) -> ::std::result::Result<Self, ::imspec_runtime::ClientError> {
                Self::with_options(config, ::std::default::Default::default())
            }

            /// The same, with pacing, retry, policy and timeout options.
            pub fn with_options(
                config: &::imspec_runtime::Config,
                options: ::imspec_runtime::ClientOptions,
            ) -> ::std::result::Result<Self, ::imspec_runtime::ClientError> {
                ::std::result::Result::Ok(Client { inner: ::imspec_runtime::VendorClient::new(VENDOR_REF, config, options)? })
            }

            /// The same client talking to another base URL (the emulator, a proxy).
            pub fn with_base_url(&self, base: &str) -> ::std::result::Result<Self, ::std::string::String> {
                ::std::result::Result::Ok(Client { inner: self.inner.with_base_url(base)? })
            }

            /// The runtime client underneath (call counts, token fetches, untyped sends).
            pub fn runtime(&self) -> &::imspec_runtime::VendorClient {
                &self.inner
            }

            #(#methods)*
        }
    }
}

fn api(a: &ApiIr, vendor_types: &[TypeIr]) -> TokenStream {
    let module = ident(&a.module);
    let doc = docs(&a.doc);
    let info = api_info(a);
    let types = a.types.iter().map(|t| type_def(t, &a.types, vendor_types));
    let errors = error_enum(a);
    let limits = limits(a);
    let charsets = a.charsets.iter().map(|c| {
        let name = format_ident!("CHARSET_{}", snake_case(&c.name).to_uppercase());
        let set_name = &c.name;
        let ranges = c.ranges.iter().map(|(lo, hi)| quote!((#lo, #hi)));
        let chars = &c.chars;
        quote! {
            const #name: ::imspec_runtime::Charset = {
                const RANGES: &[(char, char)] = &[#(#ranges),*];
                ::imspec_runtime::Charset {
                    name: #set_name,
                    ranges: RANGES,
                    chars: #chars,
                    ascii: ::imspec_runtime::Charset::ascii_table(RANGES, #chars),
                }
            };
        }
    });
    let validators = validators(a, vendor_types);
    quote! {
        #doc
        pub mod #module {
            #info
            #(#types)*
            #errors
            #limits
            #(#charsets)*
            #validators
        }
    }
}

fn api_info(a: &ApiIr) -> TokenStream {
    let (id, method, path, content_type) = (&a.id, &a.method, &a.path, &a.content_type);
    let query = a.query.iter().map(|(k, v)| quote!((#k, #v)));
    let headers = a.headers.iter().map(|(k, v)| quote!((#k, #v)));
    let per_second = Literal::u32_suffixed(a.rate_per_second);
    let scope = format_ident!("{}", a.rate_scope);
    let rate_raisable = a.rate_raisable;
    let rate_answer = code_tokens(&a.rate_answer);
    let batch = option(a.batch.as_ref().map(|b| {
        let b_field = &b.field;
        let field = if b.root { quote!(::imspec_runtime::Batch::ROOT) } else { quote!(#b_field) };
        let item_id = option(b.item_id.as_ref());
        let max_items = option(b.max_items.map(u64_lit));
        let raisable_to = option(b.raisable_to.map(u64_lit));
        let raisable = b.raisable;
        let code = option(b.code.as_ref().map(code_tokens));
        let limit = option(b.limit_field.as_ref());
        quote! {
            ::imspec_runtime::Batch {
                field: #field,
                item_id: #item_id,
                max_items: #max_items,
                raisable_to: #raisable_to,
                raisable: #raisable,
                code: #code,
                limit: #limit,
            }
        }
    }));
    let operation = format_ident!("{}", a.operation);
    let budget = &a.budget;
    let unlisted = option(a.unlisted.map(class_tokens));
    let already_registered = option(a.already_registered.as_ref().map(code_tokens));
    let paging = option(a.paging.as_ref().map(|p| {
        let carrier = |(kind, name): &(&'static str, String)| {
            let kind = format_ident!("{}", kind);
            quote!(::imspec_runtime::Carrier::#kind(#name))
        };
        let cursor = option(p.cursor.as_ref().map(carrier));
        let fields = option(p.fields.as_ref().map(|(list, key, value)| quote!((#list, #key, #value))));
        let page_size = option(p.page_size.as_ref().map(carrier));
        let items = &p.items;
        let item_id = option(p.item_id.as_ref());
        let next = option(p.next.as_ref().map(|n| quote!(&[#(#n),*])));
        let complete = option(p.complete.as_ref().map(|(path, value)| quote!((&[#(#path),*], #value))));
        quote! {
            ::imspec_runtime::Paging {
                cursor: #cursor,
                page_size: #page_size,
                items: &[#(#items),*],
                item_id: #item_id,
                fields: #fields,
                next: #next,
                complete: #complete,
            }
        }
    }));
    let schema_code = code_tokens(&a.schema_code);
    let request = ident(&a.request);
    let response = ident(&a.response);
    let (env_code, env_message, env_ok) =
        (&a.envelope.0, &a.envelope.1, option(a.envelope.2.as_ref().map(code_tokens)));
    let results = option(a.results.as_ref().map(|results| match results {
        ResultsIr::PerItem { list, ids, code, ok, relation, registered, failures } => {
            let ok = code_tokens(ok);
            let relation = option(relation.as_ref());
            let failures = option(failures.as_ref().map(|f| quote!(&[#(#f),*])));
            let registered = option(registered.as_ref().map(|(field, values)| {
                let values = values.iter().map(|(k, v)| quote!((#k, #v)));
                quote!((#field, &[#(#values),*]))
            }));
            quote! {
                ::imspec_runtime::Results::PerItem {
                    list: &[#(#list),*],
                    ids: &[#(#ids),*],
                    code: #code,
                    ok: #ok,
                    relation: #relation,
                    registered: #registered,
                    failures: #failures,
                }
            }
        }
        ResultsIr::FailuresOnly { list, ids, code, class } => {
            let code = option(code.as_ref());
            let class = option(class.map(class_tokens));
            quote! {
                ::imspec_runtime::Results::FailuresOnly { list: &[#(#list),*], ids: &[#(#ids),*], code: #code, class: #class }
            }
        }
        ResultsIr::IdLists { lists } => {
            let entries = lists.iter().map(|(path, code)| {
                let code = option(code.as_ref().map(code_tokens));
                quote!((&[#(#path),*], #code))
            });
            quote!(::imspec_runtime::Results::IdLists { lists: &[#(#entries),*] })
        }
    }));
    let service = service_fields(a);
    let caller_params = caller_params(a);
    let params = a.params.iter().map(|p| {
        let name = &p.name;
        let location = if p.in_path { quote!(Path) } else { quote!(Query) };
        let ty = format_ident!("{}", p.ty);
        let required = p.required;
        let bind = option(p.bind.as_ref());
        let default = option(p.default.as_ref());
        let bound = |b: &Option<(i64, Code)>| {
            option(b.as_ref().map(|(n, code)| {
                let (n, code) = (Literal::i64_suffixed(*n), code_tokens(code));
                quote!((#n, #code))
            }))
        };
        let (min, max) = (bound(&p.min), bound(&p.max));
        quote! {
            ::imspec_runtime::ParamInfo {
                name: #name,
                location: ::imspec_runtime::ParamIn::#location,
                ty: ::imspec_runtime::ParamType::#ty,
                required: #required,
                bind: #bind,
                default: #default,
                min: #min,
                max: #max,
            }
        }
    });
    quote! {
        /// The endpoint, rate limit and batch dimension of this API, from its spec.
        pub const INFO: ::imspec_runtime::ApiInfo = ::imspec_runtime::ApiInfo {
            id: #id,
            method: #method,
            path: #path,
            query: &[#(#query),*],
            headers: &[#(#headers),*],
            content_type: #content_type,
            rate_limit: ::imspec_runtime::RateLimit {
                per_second: #per_second,
                scope: ::imspec_runtime::RateScope::#scope,
                raisable: #rate_raisable,
                answer: #rate_answer,
                budget: #budget,
            },
            operation: ::imspec_runtime::Operation::#operation,
            batch: #batch,
            schema_error_code: #schema_code,
            envelope: ::imspec_runtime::Envelope { code: #env_code, message: #env_message, ok: #env_ok },
            results: #results,
            unlisted: #unlisted,
            paging: #paging,
            already_registered: #already_registered,
            #service
        };
        /// Path and query parameters of this API.
        pub const PARAMS: &[::imspec_runtime::ParamInfo] = &[#(#params),*];
        /// This API as the runtime client and the emulator reach it.
        pub static ENTRY: ::imspec_runtime::ApiEntry = ::imspec_runtime::ApiEntry {
            info: &INFO,
            params: PARAMS,
            validate_json: validate_json_documented,
            limits: LIMITS,
            validate_json_raised,
            typed: ::imspec_runtime::TypedFns {
                validate_at: |value, now_ms| {
                    let request: #request = ::imspec_runtime::__private::serde_json::from_value(value.clone())
                        .map_err(|e| ::std::string::ToString::to_string(&e))?;
                    let mut v = ::imspec_runtime::Violations::at(now_ms);
                    request.validate_with(&Limits::DOCUMENTED, &mut v);
                    ::std::result::Result::Ok(v.into_vec())
                },
                request_roundtrip: ::imspec_runtime::value::roundtrip::<#request>,
                response_roundtrip: ::imspec_runtime::value::roundtrip::<#response>,
            },
        };
        #caller_params
        /// The request body of this API.
        pub type Request = #request;
        /// The response body (HTTP 200) of this API.
        pub type Response = #response;
    }
}

/// The Rust type of a field value.
fn rust_ty(ty: &Ty) -> TokenStream {
    match ty {
        Ty::Str => quote!(::std::string::String),
        Ty::Int => quote!(i64),
        Ty::Bool => quote!(bool),
        Ty::StrOrInt => quote!(::imspec_runtime::StringOrInt),
        Ty::Json => quote!(::imspec_runtime::__private::serde_json::Value),
        Ty::Array(inner) => {
            let inner = rust_ty(inner);
            quote!(::std::vec::Vec<#inner>)
        }
        Ty::Struct(n, home) | Ty::Enum(n, home) => named(n, *home),
    }
}

fn named(name: &str, home: Home) -> TokenStream {
    let id = ident(name);
    match home {
        Home::Api => quote!(#id),
        Home::Vendor => quote!(super::#id),
    }
}

fn type_def(t: &TypeIr, _siblings: &[TypeIr], _vendor: &[TypeIr]) -> TokenStream {
    match &t.kind {
        TypeKind::Struct { fields } => struct_def(t, fields),
        TypeKind::Enum { variants, default, open } => enum_def(t, variants, default.as_deref(), *open),
        TypeKind::List { field } => list_def(t, &field.ty),
    }
}

/// A list body: a newtype over the items, serialized as a bare JSON array.
fn list_def(t: &TypeIr, list: &Ty) -> TokenStream {
    let name = ident(&t.name);
    let doc = docs(&t.doc);
    let Some(item) = list.element() else { return quote!() };
    let item = rust_ty(item);
    let new_doc = format!("A `{}` of these items.", t.name);
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::default::Default,
                 ::imspec_runtime::__private::serde::Serialize, ::imspec_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::imspec_runtime::__private::serde", transparent)]
        pub struct #name(pub ::std::vec::Vec<#item>);

        impl #name {
            #[doc = #new_doc]
            pub fn new(items: impl ::std::iter::IntoIterator<Item = #item>) -> Self {
                Self(items.into_iter().collect())
            }
        }

        impl ::std::convert::From<::std::vec::Vec<#item>> for #name {
            fn from(items: ::std::vec::Vec<#item>) -> Self {
                Self(items)
            }
        }

        impl ::std::iter::FromIterator<#item> for #name {
            fn from_iter<I: ::std::iter::IntoIterator<Item = #item>>(items: I) -> Self {
                Self(items.into_iter().collect())
            }
        }
    }
}

fn struct_def(t: &TypeIr, fields: &[FieldIr]) -> TokenStream {
    let name = ident(&t.name);
    let doc = docs(&t.doc);
    let sensitive = fields.iter().any(|f| f.sensitive);
    let field_defs = fields.iter().map(|f| {
        let rust = ident(&f.rust);
        let wire = &f.wire;
        let doc = docs(&f.doc);
        let ty = rust_ty(&f.ty);
        let aliases = f.aliases.iter().map(|a| quote!(alias = #a,));
        if f.required {
            quote! {
                #doc
                #[serde(rename = #wire, #(#aliases)*)]
                pub #rust: #ty,
            }
        } else if t.request_only {
            quote! {
                #doc
                #[serde(rename = #wire, #(#aliases)* default, skip_serializing_if = "::std::option::Option::is_none",
                        deserialize_with = "::imspec_runtime::deserialize_present")]
                pub #rust: ::std::option::Option<#ty>,
            }
        } else {
            quote! {
                #doc
                #[serde(rename = #wire, #(#aliases)* default, skip_serializing_if = "::std::option::Option::is_none")]
                pub #rust: ::std::option::Option<#ty>,
            }
        }
    });
    let derive_debug = if sensitive { quote!() } else { quote!(::std::fmt::Debug,) };
    let manual_debug = sensitive.then(|| {
        let name_str = &t.name;
        let entries = fields.iter().map(|f| {
            let rust = ident(&f.rust);
            let label = &f.rust;
            if f.sensitive { quote!(.field(#label, &"<redacted>")) } else { quote!(.field(#label, &self.#rust)) }
        });
        quote! {
            // Fields marked sensitive in the spec never reach `Debug` output.
            impl ::std::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                    f.debug_struct(#name_str) #(#entries)* .finish()
                }
            }
        }
    });
    let all_optional = fields.iter().all(|f| !f.required);
    let derive_default = (t.request_only && all_optional).then(|| quote!(::std::default::Default,));
    let builders = t.request_only.then(|| builders(&t.name, fields));
    quote! {
        #doc
        #[derive(#derive_debug ::std::clone::Clone, ::std::cmp::PartialEq, #derive_default
                 ::imspec_runtime::__private::serde::Serialize, ::imspec_runtime::__private::serde::Deserialize)]
        #[serde(crate = "::imspec_runtime::__private::serde")]
        pub struct #name {
            #(#field_defs)*
        }
        #manual_debug
        #builders
    }
}

/// A request type's constructor from its required fields, and a `with_*` setter per optional
/// field, so that callers never spell out `None`.
fn builders(type_name: &str, fields: &[FieldIr]) -> TokenStream {
    let name = ident(type_name);
    let required: Vec<&FieldIr> = fields.iter().filter(|f| f.required).collect();
    let params = required.iter().map(|f| {
        let (rust, ty) = (ident(&f.rust), rust_ty(&f.ty));
        quote!(#rust: impl ::std::convert::Into<#ty>)
    });
    let inits = fields.iter().map(|f| {
        let rust = ident(&f.rust);
        if f.required { quote!(#rust: #rust.into()) } else { quote!(#rust: ::std::option::Option::None) }
    });
    let new_doc = format!(
        "A `{type_name}` from its required fields{}; the optional ones start empty (set them with `with_*`).",
        if required.is_empty() { " (it has none)".to_owned() } else { String::new() }
    );
    let setters = fields.iter().filter(|f| !f.required).map(|f| {
        let (rust, ty) = (ident(&f.rust), rust_ty(&f.ty));
        let setter = format_ident!("with_{}", f.rust.trim_start_matches("r#"));
        let doc = format!("Sets `{}`.", f.wire);
        quote! {
            #[doc = #doc]
            #[must_use]
            pub fn #setter(mut self, value: impl ::std::convert::Into<#ty>) -> Self {
                self.#rust = ::std::option::Option::Some(value.into());
                self
            }
        }
    });
    quote! {
        impl #name {
            #[doc = #new_doc]
            #[allow(clippy::too_many_arguments)]
            #[must_use]
            pub fn new(#(#params),*) -> Self {
                #name { #(#inits),* }
            }
            #(#setters)*
        }
    }
}

fn enum_def(t: &TypeIr, variants: &[VariantIr], default: Option<&str>, open: bool) -> TokenStream {
    let name = ident(&t.name);
    let mut doc_lines = t.doc.clone();
    if open {
        doc_lines.push(String::new());
        doc_lines.push("A response value: one the spec does not list decodes as `Unknown`.".into());
    }
    let doc = docs(&doc_lines);
    let defs = variants.iter().map(|v| {
        let rust = ident(&v.rust);
        let mut lines = vec![format!("`{}`", v.wire)];
        if !v.doc.is_empty() {
            lines.push(String::new());
            lines.extend(v.doc.iter().cloned());
        }
        let doc = docs(&lines);
        quote!(#doc #rust,)
    });
    let wires: Vec<&String> = variants.iter().map(|v| &v.wire).collect();
    let to_str = variants.iter().map(|v| {
        let rust = ident(&v.rust);
        let wire = &v.wire;
        quote!(#name::#rust => #wire,)
    });
    let from_str = variants.iter().map(|v| {
        let rust = ident(&v.rust);
        let wire = &v.wire;
        quote!(#wire => #name::#rust,)
    });
    let (unknown_variant, unknown_to_str, from_wire, derive_copy) = if open {
        (
            quote! {
                /// A value this spec does not list.
                Unknown(::std::string::String),
            },
            quote!(#name::Unknown(s) => s.as_str(),),
            quote! {
                /// The value for a wire string; unlisted strings become `Unknown`.
                pub fn from_wire(s: &str) -> Self {
                    match s { #(#from_str)* other => #name::Unknown(other.to_owned()) }
                }
            },
            quote!(),
        )
    } else {
        (
            quote!(),
            quote!(),
            quote! {
                /// The value for a wire string, if the spec lists it.
                pub fn from_wire(s: &str) -> ::std::option::Option<Self> {
                    ::std::option::Option::Some(match s { #(#from_str)* _ => return ::std::option::Option::None })
                }
            },
            quote!(::std::marker::Copy,),
        )
    };
    let deserialize_body = if open {
        quote!(::std::result::Result::Ok(#name::from_wire(&s)))
    } else {
        quote! {
            #name::from_wire(&s).ok_or_else(|| {
                <D::Error as ::imspec_runtime::__private::serde::de::Error>::unknown_variant(&s, #name::WIRE)
            })
        }
    };
    let default_impl = default.and_then(|d| variants.iter().find(|v| v.wire == d)).map(|v| {
        let rust = ident(&v.rust);
        quote! {
            /// The value the service assumes when the field is absent.
            impl ::std::default::Default for #name {
                fn default() -> Self { #name::#rust }
            }
        }
    });
    quote! {
        #doc
        #[derive(::std::fmt::Debug, ::std::clone::Clone, #derive_copy ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        pub enum #name {
            #(#defs)*
            #unknown_variant
        }

        impl #name {
            /// Every value the spec lists, as written on the wire.
            pub const WIRE: &'static [&'static str] = &[#(#wires),*];

            /// The value as written on the wire.
            pub fn as_str(&self) -> &str {
                match self { #(#to_str)* #unknown_to_str }
            }

            #from_wire
        }

        #default_impl

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::imspec_runtime::__private::serde::Serialize for #name {
            fn serialize<S: ::imspec_runtime::__private::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::imspec_runtime::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::imspec_runtime::__private::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <::std::string::String as ::imspec_runtime::__private::serde::Deserialize>::deserialize(d)?;
                #deserialize_body
            }
        }
    }
}

fn class_tokens(c: ErrorClass) -> TokenStream {
    let v = match c {
        ErrorClass::CallerError => quote!(CallerError),
        ErrorClass::Auth => quote!(Auth),
        ErrorClass::RateLimited => quote!(RateLimited),
        ErrorClass::Retryable => quote!(Retryable),
        ErrorClass::Permanent => quote!(Permanent),
        ErrorClass::Pending => quote!(Pending),
        ErrorClass::AlreadyDone => quote!(AlreadyDone),
    };
    quote!(::imspec_runtime::ErrorClass::#v)
}

/// An error code's variant, documented from its entry.
fn error_variant(e: &ErrorIr) -> TokenStream {
    let name = ident(&e.name);
    let status = e.http_status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    let mut lines = vec![format!("`{}`{status} — {}", e.code, e.meaning.lines().next().unwrap_or(""))];
    lines.extend(e.meaning.lines().skip(1).map(str::to_owned));
    if let Some(advice) = &e.advice {
        lines.push(String::new());
        lines.push(format!("Advice: {advice}"));
    }
    lines.push(String::new());
    lines.push(format!("Class: `{}`.", e.class));
    let doc = docs(&lines);
    quote!(#doc #name,)
}

/// `Enum::Variant => &ERRORS[i],` for every row: a variant's row, by its place in the table.
fn row_arms(enum_name: &Ident, errors: &[ErrorIr]) -> Vec<TokenStream> {
    errors
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let (name, i) = (ident(&e.name), Literal::usize_unsuffixed(i));
            quote!(#enum_name::#name => &ERRORS[#i],)
        })
        .collect()
}

/// The vendor's shared error table, emitted once: its rows and `VendorError`, which every
/// API's `ErrorCode` wraps as `ErrorCode::Vendor`.
fn vendor_errors(v: &VendorIr) -> TokenStream {
    let rows = error_rows(&v.errors);
    let rows_doc =
        format!(" The codes every API of {} shares, from `vendor.yaml` ({} codes).", v.title, v.errors.len());
    let enum_name = format_ident!("VendorError");
    let variants = v.errors.iter().map(error_variant);
    let all = v.errors.iter().map(|e| {
        let name = ident(&e.name);
        quote!(VendorError::#name)
    });
    let arms = row_arms(&enum_name, &v.errors);
    quote! {
        #[doc = #rows_doc]
        pub const ERRORS: &[::imspec_runtime::ErrorRow] = #rows;

        /// A code every API of this vendor shares (a row of [`ERRORS`]). An API's `ErrorCode`
        /// holds it as `ErrorCode::Vendor`, unless the API's own table lists the same code.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        #[non_exhaustive]
        pub enum VendorError {
            #(#variants)*
        }

        impl VendorError {
            /// Every shared code, in the order of [`ERRORS`].
            pub const ALL: &'static [VendorError] = &[#(#all),*];

            /// The code's row: code, class, meaning, advice.
            pub fn row(self) -> &'static ::imspec_runtime::ErrorRow {
                match self {
                    #(#arms)*
                }
            }
        }

        impl ::std::fmt::Display for VendorError {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, "{} {}", self.row().code, self.row().meaning)
            }
        }
    }
}

/// The API's own error table and `ErrorCode`: its own codes, the vendor's shared ones as
/// `ErrorCode::Vendor`, and `Unknown`. Which table a code's row is in, `ApiInfo::error_at` decides.
fn error_enum(a: &ApiIr) -> TokenStream {
    let rows = error_rows(&a.errors);
    let enum_name = format_ident!("ErrorCode");
    let variants = a.errors.iter().map(error_variant);
    let own = a.errors.iter().map(|e| {
        let name = ident(&e.name);
        quote!(ErrorCode::#name)
    });
    let arms = row_arms(&enum_name, &a.errors);
    let doc = format!(
        " Every code this API can answer, for one `match`: its own error table ({} codes, [`ERRORS`]), the codes its vendor shares as `ErrorCode::Vendor` ([`super::VendorError`]), and `Unknown`.",
        a.errors.len()
    );
    quote! {
        /// This API's own error table (the codes its vendor shares are in `super::ERRORS`).
        pub const ERRORS: &[::imspec_runtime::ErrorRow] = #rows;

        #[doc = #doc]
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::hash::Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #(#variants)*
            /// A code every API of the vendor shares, and this API's own table does not list.
            Vendor(super::VendorError),
            /// A code the spec does not list.
            Unknown(::imspec_runtime::Code),
        }

        impl ErrorCode {
            /// The API's own codes, in the order of [`ERRORS`].
            const OWN: &'static [ErrorCode] = &[#(#own),*];
        }

        impl ::imspec_runtime::VendorCode for ErrorCode {
            fn from_code(code: &::imspec_runtime::Code) -> Self {
                match INFO.error_at(code) {
                    ::std::option::Option::Some(::imspec_runtime::ErrorAt::Api(i)) => ErrorCode::OWN[i].clone(),
                    ::std::option::Option::Some(::imspec_runtime::ErrorAt::Vendor(i)) => {
                        ErrorCode::Vendor(super::VendorError::ALL[i])
                    }
                    ::std::option::Option::None => ErrorCode::Unknown(code.clone()),
                }
            }

            fn row(&self) -> ::std::result::Result<&'static ::imspec_runtime::ErrorRow, &::imspec_runtime::Code> {
                ::std::result::Result::Ok(match self {
                    #(#arms)*
                    ErrorCode::Vendor(shared) => shared.row(),
                    ErrorCode::Unknown(code) => return ::std::result::Result::Err(code),
                })
            }
        }

        impl ::std::fmt::Display for ErrorCode {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                use ::imspec_runtime::VendorCode as _;
                write!(f, "{} {}", self.code(), self.meaning())
            }
        }
    }
}

fn limits(a: &ApiIr) -> TokenStream {
    let fields = a.limits.iter().map(|l| {
        let name = ident(&l.field);
        let mut lines = vec![l.doc.clone(), String::new(), format!("Documented: {}.", l.documented)];
        if let Some(to) = l.raisable_to {
            lines.push(format!("The vendor raises it on request up to {to}."));
        }
        let doc = docs(&lines);
        quote!(#doc pub #name: u64,)
    });
    let documented = a.limits.iter().map(|l| {
        let name = ident(&l.field);
        let n = u64_lit(l.documented);
        quote!(#name: #n,)
    });
    let checks = a.limits.iter().filter_map(|l| {
        let to = l.raisable_to?;
        let name = ident(&l.field);
        let label = &l.field;
        let to_lit = u64_lit(to);
        Some(quote! {
            if self.#name > #to_lit {
                return ::std::result::Result::Err(::std::format!("{} = {} is above {}, the most the vendor grants", #label, self.#name, #to_lit));
            }
        })
    });
    let infos = a.limits.iter().map(|l| {
        let (name, documented, to) = (&l.field, u64_lit(l.documented), option(l.raisable_to.map(u64_lit)));
        quote!(::imspec_runtime::LimitInfo { name: #name, documented: #documented, raisable_to: #to })
    });
    let raise = if a.limits.is_empty() {
        quote!(let _ = raised;)
    } else {
        let arms = a.limits.iter().map(|l| {
            let (label, name) = (&l.field, ident(&l.field));
            quote!(#label => limits.#name = *value,)
        });
        quote! {
            for (name, value) in raised {
                #[allow(clippy::single_match)]
                match name.as_str() {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    };
    quote! {
        /// The limits the vendor raises on request, by name, as the runtime lists them.
        pub const LIMITS: &[::imspec_runtime::LimitInfo] = &[#(#infos),*];

        /// Limits the vendor raises on request. Validation uses these instead of the documented
        /// values, so a client is not stopped by a limit the vendor has relaxed for this app.
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq)]
        pub struct Limits {
            #(#fields)*
        }

        impl Limits {
            /// The limits as the vendor's page documents them.
            pub const DOCUMENTED: Limits = Limits { #(#documented)* };

            /// Fails when a limit is raised beyond what the vendor says it grants.
            pub fn check(&self) -> ::std::result::Result<(), ::std::string::String> {
                #(#checks)*
                ::std::result::Result::Ok(())
            }

            /// The documented limits with the named ones raised; names not in [`LIMITS`] are
            /// ignored here (`ApiEntry::check_raised` refuses them).
            pub fn raised(raised: &::imspec_runtime::Raised) -> Limits {
                #[allow(unused_mut)]
                let mut limits = Limits::DOCUMENTED;
                #raise
                limits
            }
        }

        impl ::std::default::Default for Limits {
            fn default() -> Self {
                Limits::DOCUMENTED
            }
        }
    }
}

/// Where a validator reads values from: a typed struct, or raw JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Typed,
    Json,
}

struct Types<'a> {
    api: &'a [TypeIr],
    vendor: &'a [TypeIr],
}

impl Types<'_> {
    fn fields(&self, name: &str, home: Home) -> Option<&[FieldIr]> {
        self.get(name, home).and_then(|t| match &t.kind {
            TypeKind::Struct { fields } => Some(fields.as_slice()),
            TypeKind::Enum { .. } | TypeKind::List { .. } => None,
        })
    }

    /// A list body, as the field it amounts to.
    fn list_field(&self, name: &str, home: Home) -> Option<&FieldIr> {
        self.get(name, home).and_then(|t| match &t.kind {
            TypeKind::List { field } => Some(field),
            _ => None,
        })
    }

    fn get(&self, name: &str, home: Home) -> Option<&TypeIr> {
        let list = match home {
            Home::Api => self.api,
            Home::Vendor => self.vendor,
        };
        list.iter().find(|t| t.name == name)
    }
}

fn check_fn(name: &str, source: Source) -> Ident {
    match source {
        Source::Typed => format_ident!("validate_{}", snake_case(name)),
        Source::Json => format_ident!("validate_{}_json", snake_case(name)),
    }
}

fn validators(a: &ApiIr, vendor_types: &[TypeIr]) -> TokenStream {
    let types = Types { api: &a.types, vendor: vendor_types };
    let schema_code = code_tokens(&a.schema_code);
    let request = ident(&a.request);
    let mut fns = Vec::new();
    for t in &a.checked {
        if let Some(field) = types.list_field(&t.name, t.home) {
            fns.push(list_validators(a, &types, t, field));
            continue;
        }
        let Some(fields) = types.fields(&t.name, t.home) else { continue };
        let value_ty = named(&t.name, t.home);
        let typed_name = check_fn(&t.name, Source::Typed);
        let json_name = check_fn(&t.name, Source::Json);
        let typed_body = fields.iter().map(|f| field_check(a, &types, f, Source::Typed));
        let json_body = fields.iter().map(|f| field_check(a, &types, f, Source::Json));
        let type_name = &t.name;
        fns.push(quote! {
            #[allow(unused_variables)]
            fn #typed_name(value: &#value_ty, path: &::imspec_runtime::Path<'_>, root: &#request, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
                #(#typed_body)*
            }

            #[allow(unused_variables)]
            fn #json_name(value: &::imspec_runtime::__private::serde_json::Value, path: &::imspec_runtime::Path<'_>, root: &::imspec_runtime::__private::serde_json::Value, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
                let ::std::option::Option::Some(object) = value.as_object() else {
                    v.schema(path, ::imspec_runtime::Rule::Type, #schema_code,
                        ::std::format!("expected an object ({}), found {}", #type_name, ::imspec_runtime::json_kind(value)));
                    return;
                };
                #(#json_body)*
            }
        });
    }
    let root_typed = check_fn(&a.request, Source::Typed);
    let root_json = check_fn(&a.request, Source::Json);
    let (batch_typed, batch_json) = batch_checks(a, &types);
    quote! {
        #(#fns)*

        impl #request {
            /// Every violation of the spec's rules at the documented limits, each with its JSON
            /// path and the code the vendor would answer. Empty when the request is valid.
            pub fn validate(&self) -> ::std::vec::Vec<::imspec_runtime::Violation> {
                let mut v = ::imspec_runtime::Violations::new();
                self.validate_with(&Limits::DOCUMENTED, &mut v);
                v.into_vec()
            }

            /// Validates against `limits` (raised ones included) into `v`; allocates nothing
            /// when the request is valid.
            pub fn validate_with(&self, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
                #batch_typed
                #root_typed(self, &::imspec_runtime::Path::Root, self, limits, v);
            }
        }

        /// Validates a request body given as JSON: schema problems (missing fields, wrong
        /// types, values outside an enum) and every rule, all in one pass. The batch maximum
        /// comes first, so that a bounded [`::imspec_runtime::Violations`] always keeps it.
        pub fn validate_json(value: &::imspec_runtime::__private::serde_json::Value, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
            #batch_json
            #root_json(value, &::imspec_runtime::Path::Root, value, limits, v);
        }

        /// [`validate_json`] at the documented limits.
        pub fn validate_json_documented(value: &::imspec_runtime::__private::serde_json::Value, v: &mut ::imspec_runtime::Violations) {
            validate_json(value, &Limits::DOCUMENTED, v);
        }

        /// [`validate_json`] with the named limits raised (names as in [`LIMITS`]; others stay
        /// documented).
        pub fn validate_json_raised(
            value: &::imspec_runtime::__private::serde_json::Value,
            raised: &::imspec_runtime::Raised,
            v: &mut ::imspec_runtime::Violations,
        ) {
            validate_json(value, &Limits::raised(raised), v);
        }
    }
}

/// The validators of a list body: the checks of the field it amounts to, on the body itself.
fn list_validators(a: &ApiIr, types: &Types<'_>, t: &CheckedType, f: &FieldIr) -> TokenStream {
    let request = ident(&a.request);
    let value_ty = named(&t.name, t.home);
    let (typed_name, json_name) = (check_fn(&t.name, Source::Typed), check_fn(&t.name, Source::Json));
    let typed = value_check(a, types, f, &f.ty, &f.constraints, &f.items, Source::Typed);
    let json = value_check(a, types, f, &f.ty, &f.constraints, &f.items, Source::Json);
    quote! {
        #[allow(unused_variables)]
        fn #typed_name(value: &#value_ty, path: &::imspec_runtime::Path<'_>, root: &#request, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
            let (p, x) = (*path, &value.0);
            #typed
        }

        #[allow(unused_variables)]
        fn #json_name(value: &::imspec_runtime::__private::serde_json::Value, path: &::imspec_runtime::Path<'_>, root: &::imspec_runtime::__private::serde_json::Value, limits: &Limits, v: &mut ::imspec_runtime::Violations) {
            let (p, x) = (*path, value);
            #json
        }
    }
}

fn batch_checks(a: &ApiIr, types: &Types<'_>) -> (TokenStream, TokenStream) {
    let Some(b) = &a.batch else { return (quote!(), quote!()) };
    let (Some(max), Some(code)) = (b.max_items, &b.code) else { return (quote!(), quote!()) };
    let limit = limit_expr(b.limit_field.as_deref(), max);
    let code = code_tokens(code);
    if types.list_field(&a.request, Home::Api).is_some() {
        // The body is the batch.
        let typed = quote!(v.batch(&::imspec_runtime::Path::Root, self.0.len(), #limit, #code););
        let json = quote! {
            if let ::std::option::Option::Some(items) = value.as_array() {
                v.batch(&::imspec_runtime::Path::Root, items.len(), #limit, #code);
            }
        };
        return (typed, json);
    }
    let wire = &b.field;
    let field = types.fields(&a.request, Home::Api).and_then(|fs| fs.iter().find(|f| f.wire == *wire));
    let Some(field) = field else { return (quote!(), quote!()) };
    let rust = ident(&field.rust);
    let typed_len = if field.required {
        quote!(::std::option::Option::Some(self.#rust.len()))
    } else {
        quote!(self.#rust.as_ref().map(|x| x.len()))
    };
    let typed = quote! {
        if let ::std::option::Option::Some(n) = #typed_len {
            v.batch(&::imspec_runtime::Path::Root.field(#wire), n, #limit, #code);
        }
    };
    let json = quote! {
        if let ::std::option::Option::Some(items) = value.get(#wire).and_then(|x| x.as_array()) {
            v.batch(&::imspec_runtime::Path::Root.field(#wire), items.len(), #limit, #code);
        }
    };
    (typed, json)
}

fn field_check(a: &ApiIr, types: &Types<'_>, f: &FieldIr, source: Source) -> TokenStream {
    let wire = &f.wire;
    let schema_code = code_tokens(&a.schema_code);
    match source {
        Source::Typed => {
            let body = value_check(a, types, f, &f.ty, &f.constraints, &f.items, source);
            if body.is_empty() {
                return quote!();
            }
            let rust = ident(&f.rust);
            if f.required {
                quote! { { let p = path.field(#wire); let x = &value.#rust; #body } }
            } else {
                quote! { if let ::std::option::Option::Some(x) = &value.#rust { let p = path.field(#wire); #body } }
            }
        }
        Source::Json => {
            let body = value_check(a, types, f, &f.ty, &f.constraints, &f.items, source);
            let lookup = f
                .aliases
                .iter()
                .fold(quote!(object.get(#wire)), |acc, alias| quote!(#acc.or_else(|| object.get(#alias))));
            let missing = if f.required {
                quote!(v.schema(&p, ::imspec_runtime::Rule::Required, #schema_code, "is required"))
            } else {
                quote!()
            };
            quote! {
                {
                    let p = path.field(#wire);
                    match #lookup {
                        ::std::option::Option::None => { #missing }
                        ::std::option::Option::Some(x) => { #body }
                    }
                }
            }
        }
    }
}

/// Checks of one value `x` (typed: `&T`; JSON: `&Value`) at path `p`.
fn value_check(
    a: &ApiIr,
    types: &Types<'_>,
    f: &FieldIr,
    ty: &Ty,
    constraints: &[CheckIr],
    items: &[CheckIr],
    source: Source,
) -> TokenStream {
    let schema_code = code_tokens(&a.schema_code);
    let type_error = |what: &str| {
        let msg = format!("expected {what}, found {{}}");
        quote!(v.schema(&p, ::imspec_runtime::Rule::Type, #schema_code, ::std::format!(#msg, ::imspec_runtime::json_kind(x))))
    };
    match ty {
        Ty::Str => {
            let checks = constraints.iter().map(|c| rule_check(c, f, On::Str, source));
            let checks: Vec<TokenStream> = checks.collect();
            match source {
                Source::Typed if checks.is_empty() => quote!(),
                Source::Typed => quote! { let s: &str = x.as_str(); #(#checks)* },
                Source::Json => {
                    let err = type_error("a string");
                    quote! { match x.as_str() { ::std::option::Option::Some(s) => { #(#checks)* } ::std::option::Option::None => #err } }
                }
            }
        }
        Ty::Int => {
            let checks: Vec<TokenStream> = constraints.iter().map(|c| rule_check(c, f, On::Int, source)).collect();
            match source {
                Source::Typed if checks.is_empty() => quote!(),
                Source::Typed => quote! { let n: i64 = *x; #(#checks)* },
                Source::Json => {
                    let err = type_error("an integer");
                    quote! { match x.as_i64() { ::std::option::Option::Some(n) => { #(#checks)* } ::std::option::Option::None => #err } }
                }
            }
        }
        Ty::Bool => match source {
            Source::Typed => quote!(),
            Source::Json => {
                let err = type_error("a boolean");
                quote! { if !x.is_boolean() { #err } }
            }
        },
        Ty::StrOrInt => {
            let checks: Vec<TokenStream> = constraints.iter().map(|c| rule_check(c, f, On::Str, source)).collect();
            match source {
                Source::Typed if checks.is_empty() => quote!(),
                Source::Typed => quote! { if let ::std::option::Option::Some(s) = x.as_str() { #(#checks)* } },
                Source::Json => {
                    let err = type_error("a string or an integer");
                    quote! {
                        if let ::std::option::Option::Some(s) = x.as_str() { #(#checks)* }
                        else if x.as_i64().is_none() { #err }
                    }
                }
            }
        }
        Ty::Json => quote!(),
        Ty::Enum(name, home) => match source {
            Source::Typed => quote!(),
            Source::Json => {
                let ty = named(name, *home);
                let err = type_error("a string");
                let checks: Vec<TokenStream> = constraints.iter().map(|c| rule_check(c, f, On::Str, source)).collect();
                quote! {
                    match x.as_str() {
                        ::std::option::Option::Some(s) => {
                            if !#ty::WIRE.contains(&s) {
                                v.schema(&p, ::imspec_runtime::Rule::Enum, #schema_code,
                                    ::std::format!("`{}` is not one of {}", s, #ty::WIRE.join(", ")));
                            }
                            #(#checks)*
                        }
                        ::std::option::Option::None => #err
                    }
                }
            }
        },
        Ty::Struct(name, _) => {
            let func = check_fn(name, source);
            quote!(#func(x, &p, root, limits, v);)
        }
        Ty::Array(el) => {
            let array_checks: Vec<TokenStream> =
                constraints.iter().map(|c| rule_check(c, f, On::Array { types, el }, source)).collect();
            let element = {
                let inner = value_check(a, types, f, el, items, &[], source);
                (!inner.is_empty()).then(|| {
                    quote! {
                        for (i, x) in items.iter().enumerate() {
                            let p = p.index(i);
                            #inner
                        }
                    }
                })
            };
            if array_checks.is_empty() && element.is_none() && source == Source::Typed {
                return quote!();
            }
            match source {
                Source::Typed => quote! { let items = x.as_slice(); #(#array_checks)* #element },
                Source::Json => {
                    let err = type_error("an array");
                    quote! {
                        match x.as_array() {
                            ::std::option::Option::Some(items) => { #(#array_checks)* #element }
                            ::std::option::Option::None => #err
                        }
                    }
                }
            }
        }
    }
}

/// A limit as generated code reads it: the `Limits` field when the vendor raises it on
/// request, else the documented value.
fn limit_expr(limit_field: Option<&str>, documented: u64) -> TokenStream {
    match limit_field {
        Some(f) => {
            let f = ident(f);
            quote!(limits.#f)
        }
        None => {
            let n = u64_lit(documented);
            quote!(#n)
        }
    }
}

fn unit_tokens(u: imspec_spec::LenUnit) -> TokenStream {
    let u = format_ident!("{}", len_unit(u));
    quote!(::imspec_runtime::LenUnit::#u)
}

/// What a rule is checked on, as the generated code has it bound: a string `s`, an integer
/// `n`, or an array `items` whose elements are `el` (the value itself is `x` in each).
#[derive(Clone, Copy)]
enum On<'a> {
    Str,
    Int,
    Array { types: &'a Types<'a>, el: &'a Ty },
}

/// A rule's check, one arm per kind. The checker has already refused a kind on a value it does
/// not fit, so each arm uses the binding of its kind; a spec that slipped past it would make the
/// generated code fail to compile, never check nothing.
fn rule_check(c: &CheckIr, f: &FieldIr, on: On<'_>, source: Source) -> TokenStream {
    let code = code_tokens(&c.code);
    let sensitive = f.sensitive;
    match &c.rule {
        Rule::MaxLen { max, unit } => {
            let (limit, unit) = (limit_expr(c.limit_field.as_deref(), *max), unit_tokens(*unit));
            quote!(v.max_len(&p, s, #limit, #unit, #code);)
        }
        Rule::MinLen { min, unit } => {
            let (min, unit) = (u64_lit(*min), unit_tokens(*unit));
            quote!(v.min_len(&p, s, #min, #unit, #code);)
        }
        Rule::OneOf(values) => match on {
            On::Int => {
                let values = values.iter().filter_map(|v| match v {
                    imspec_spec::decode::Scalar::Int(i) => Some(Literal::i64_suffixed(*i)),
                    imspec_spec::decode::Scalar::Str(_) | imspec_spec::decode::Scalar::Bool(_) => None,
                });
                quote!(v.one_of_int(&p, n, &[#(#values),*], #code);)
            }
            On::Str | On::Array { .. } => {
                let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                // An inline `match` compiles to length-and-byte tests; the runtime records a miss.
                quote! {
                    match s {
                        #(#values)|* => {}
                        _ => v.one_of_str(&p, s, &[#(#values),*], #code, #sensitive),
                    }
                }
            }
        },
        Rule::Prefix { prefix, rest_max_len } => {
            let rest = option(rest_max_len.map(|(n, u)| {
                let (n, u) = (u64_lit(n), unit_tokens(u));
                quote!((#n, #u))
            }));
            quote!(v.prefix(&p, s, #prefix, #rest, #code);)
        }
        Rule::Charset(name) => {
            let set = format_ident!("CHARSET_{}", snake_case(name).to_uppercase());
            quote!(v.charset(&p, s, &#set, #code, #sensitive);)
        }
        Rule::NotEqual(path) => not_equal(c, path, source, &code),
        Rule::Min(min) => {
            let min = Literal::i64_suffixed(*min);
            quote!(v.min(&p, n, #min, #code);)
        }
        Rule::Max(max) => {
            let max = Literal::i64_suffixed(*max);
            quote!(v.max(&p, n, #max, #code);)
        }
        Rule::NotAfterNow => {
            let unit = match f.unit {
                Some(TimeUnit::Seconds) => quote!(::imspec_runtime::TimeUnit::Seconds),
                Some(TimeUnit::Millis) | None => quote!(::imspec_runtime::TimeUnit::Millis),
            };
            quote!(v.not_after_now(&p, n, #unit, #code);)
        }
        Rule::MaxItems(max) => {
            let limit = limit_expr(c.limit_field.as_deref(), *max);
            quote!(v.max_items(&p, items.len(), #limit, #code);)
        }
        Rule::MinItems(min) => {
            let min = u64_lit(*min);
            quote!(v.min_items(&p, items.len(), #min, #code);)
        }
        Rule::Unique { by } => {
            let keys = match (by, source, on) {
                (None, _, _) => quote!(items.iter().map(::std::option::Option::Some)),
                (Some(by), Source::Json, _) => quote!(items.iter().map(|i| i.get(#by))),
                (Some(by), Source::Typed, On::Array { types, el }) => match item_field(types, el, by) {
                    Some(field) => {
                        let rust = ident(&field.rust);
                        if field.required {
                            quote!(items.iter().map(|i| ::std::option::Option::Some(&i.#rust)))
                        } else {
                            quote!(items.iter().map(|i| i.#rust.as_ref()))
                        }
                    }
                    None => unchecked(&format!("`unique` by `{by}`, which is not a field of the items")),
                },
                (Some(by), Source::Typed, On::Str | On::Int) => {
                    unchecked(&format!("`unique` by `{by}` on a value that is not an array"))
                }
            };
            let by = option(by.as_ref());
            quote!(v.unique(&p, #keys, #by, #code);)
        }
        Rule::MaxTotalLen { max, unit, of } => {
            let limit = limit_expr(c.limit_field.as_deref(), *max);
            let unit = unit_tokens(*unit);
            let label = of.join(" + ");
            let parts: Vec<TokenStream> = of
                .iter()
                .map(|name| match (source, on) {
                    (Source::Json, _) => quote!(i.get(#name).and_then(|x| x.as_str())),
                    (Source::Typed, On::Array { types, el }) => match item_field(types, el, name) {
                        Some(field) => {
                            let rust = ident(&field.rust);
                            match (&field.ty, field.required) {
                                (Ty::StrOrInt, true) => quote!(i.#rust.as_str()),
                                (Ty::StrOrInt, false) => quote!(i.#rust.as_ref().and_then(|x| x.as_str())),
                                (_, true) => quote!(::std::option::Option::Some(i.#rust.as_str())),
                                (_, false) => quote!(i.#rust.as_deref()),
                            }
                        }
                        None => unchecked(&format!("`max_total_len` of `{name}`, which is not a field of the items")),
                    },
                    (Source::Typed, On::Str | On::Int) => {
                        unchecked(&format!("`max_total_len` of `{name}` on a value that is not an array"))
                    }
                })
                .collect();
            quote!(v.max_total_len(&p, items.iter().flat_map(|i| [#(#parts),*]).flatten(), #limit, #unit, #label, #code);)
        }
    }
}

/// Generated code that refuses to compile, saying which rule could not be checked: what a
/// spec the checker should have refused becomes, instead of a check that checks nothing.
fn unchecked(what: &str) -> TokenStream {
    let message = format!("imspec cannot check {what}");
    quote!(::core::compile_error!(#message))
}

fn not_equal(c: &CheckIr, path: &str, source: Source, code: &TokenStream) -> TokenStream {
    match source {
        Source::Typed => {
            let mut other = quote!(::std::option::Option::Some(root));
            for (seg, required) in &c.other_rust {
                let seg = ident(seg);
                other = if *required {
                    quote!(#other.map(|r| &r.#seg))
                } else {
                    quote!(#other.and_then(|r| r.#seg.as_ref()))
                };
            }
            quote!(v.not_equal(&p, x, #other, #path, #code);)
        }
        Source::Json => {
            let pointer = format!("/{}", path.trim_start_matches("$.").replace('.', "/"));
            quote!(v.not_equal(&p, x, root.pointer(#pointer), #path, #code);)
        }
    }
}

fn item_field<'a>(types: &'a Types<'_>, el: &Ty, name: &str) -> Option<&'a FieldIr> {
    let Ty::Struct(type_name, home) = el else { return None };
    types.fields(type_name, *home)?.iter().find(|f| f.wire == name)
}
