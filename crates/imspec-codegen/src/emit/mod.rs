//! IR -> tokens. Generated code is fully qualified (`::std::...`, `::imspec_runtime::...`) so a
//! user's imports cannot break it, and documented from the spec. A vendor module and each API's
//! facts (`ApiInfo`, the client) are here; the parts they are made of live beside:
//! `tokens` (identifiers, literals, docs), `types` (structs, enums, list bodies and their
//! builders), `errors` (the error tables and enums) and `validate` (limits and validators).

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use imspec_spec::Code;
use imspec_spec::names::snake_case;

use crate::ir::*;

mod errors;
mod tokens;
mod types;
mod validate;

use errors::*;
use tokens::*;
use types::*;
use validate::*;

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
    let message_on_failure_only = a.message_on_failure_only;
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
                message_on_failure_only: #message_on_failure_only,
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
    let request_flow = option(r.request_flow.as_ref().map(|(field, [request, accept, decline], no_request)| {
        let no_request = code_tokens(no_request);
        quote! {
            ::imspec_runtime::RequestFlow {
                field: #field,
                request: #request,
                accept: #accept,
                decline: #decline,
                no_request: #no_request,
            }
        }
    }));
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
            request_flow: #request_flow,
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
    let all_failed = option(an.all_failed.as_ref().map(|map| {
        let pairs = map.iter().map(|(from, to)| {
            let (from, to) = (code_tokens(from), code_tokens(to));
            quote!((#from, #to))
        });
        quote!(&[#(#pairs),*])
    }));
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
            all_failed: #all_failed,
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
    let body = match &a.form {
        None => quote!(::imspec_runtime::BodyEncoding::Json),
        Some(fields) => {
            let fields = fields.iter().map(|(name, ty)| {
                let ty = format_ident!("{}", ty);
                quote!((#name, ::imspec_runtime::ParamType::#ty))
            });
            quote!(::imspec_runtime::BodyEncoding::Form { fields: &[#(#fields),*] })
        }
    };
    let headers = a.headers.iter().map(|(k, v)| quote!((#k, #v)));
    let per_second = Literal::u32_suffixed(a.rate_per_second);
    let scope = format_ident!("{}", a.rate_scope);
    let rate_raisable = a.rate_raisable;
    let rate_penalty = option(a.rate_penalty_seconds.map(u64_lit));
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
    let target = option(a.target.as_ref().map(|(kind, name)| {
        let kind = format_ident!("{}", kind);
        quote!(::imspec_runtime::Carrier::#kind(#name))
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
        ResultsIr::Single { item, ids, relation, absent } => {
            let relation = option(relation.as_ref());
            let absent = option(absent.map(|w| {
                let w = format_ident!("{}", w);
                quote!(::imspec_runtime::RelationWord::#w)
            }));
            quote! {
                ::imspec_runtime::Results::Single { item: &[#(#item),*], ids: &[#(#ids),*], relation: #relation, absent: #absent }
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
            body: #body,
            rate_limit: ::imspec_runtime::RateLimit {
                per_second: #per_second,
                scope: ::imspec_runtime::RateScope::#scope,
                raisable: #rate_raisable,
                answer: #rate_answer,
                penalty_seconds: #rate_penalty,
                budget: #budget,
            },
            operation: ::imspec_runtime::Operation::#operation,
            batch: #batch,
            target: #target,
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
