//! Limits (raisable ones named) and the validators of typed values and of JSON, one check per
//! constraint.

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use imspec_spec::names::snake_case;
use imspec_spec::{Rule, TimeUnit};

use crate::ir::*;

use super::tokens::*;

pub(crate) fn limits(a: &ApiIr) -> TokenStream {
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
pub(crate) enum Source {
    Typed,
    Json,
}

pub(crate) struct Types<'a> {
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

pub(crate) fn check_fn(name: &str, source: Source) -> Ident {
    match source {
        Source::Typed => format_ident!("validate_{}", snake_case(name)),
        Source::Json => format_ident!("validate_{}_json", snake_case(name)),
    }
}

pub(crate) fn validators(a: &ApiIr, vendor_types: &[TypeIr]) -> TokenStream {
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
pub(crate) fn list_validators(a: &ApiIr, types: &Types<'_>, t: &CheckedType, f: &FieldIr) -> TokenStream {
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

pub(crate) fn batch_checks(a: &ApiIr, types: &Types<'_>) -> (TokenStream, TokenStream) {
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

pub(crate) fn field_check(a: &ApiIr, types: &Types<'_>, f: &FieldIr, source: Source) -> TokenStream {
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
pub(crate) fn value_check(
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
        Ty::Enum(name, home, wire) => match source {
            Source::Typed => quote!(),
            Source::Json => {
                let ty = named(name, *home);
                let (read, binding, on, listed, err) = match wire {
                    Wire::Str => {
                        (quote!(x.as_str()), quote!(s), On::Str, quote!(#ty::WIRE.join(", ")), type_error("a string"))
                    }
                    Wire::Int => (
                        quote!(x.as_i64()),
                        quote!(n),
                        On::Int,
                        quote!(#ty::WIRE.iter().map(::std::string::ToString::to_string).collect::<::std::vec::Vec<_>>().join(", ")),
                        type_error("an integer"),
                    ),
                };
                let checks: Vec<TokenStream> = constraints.iter().map(|c| rule_check(c, f, on, source)).collect();
                quote! {
                    match #read {
                        ::std::option::Option::Some(#binding) => {
                            if !#ty::WIRE.contains(&#binding) {
                                v.schema(&p, ::imspec_runtime::Rule::Enum, #schema_code,
                                    ::std::format!("`{}` is not one of {}", #binding, #listed));
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
pub(crate) fn limit_expr(limit_field: Option<&str>, documented: u64) -> TokenStream {
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

/// What a rule is checked on, as the generated code has it bound: a string `s`, an integer
/// `n`, or an array `items` whose elements are `el` (the value itself is `x` in each).
#[derive(Clone, Copy)]
pub(crate) enum On<'a> {
    Str,
    Int,
    Array { types: &'a Types<'a>, el: &'a Ty },
}

/// A rule's check, one arm per kind. The checker has already refused a kind on a value it does
/// not fit, so each arm uses the binding of its kind; a spec that slipped past it would make the
/// generated code fail to compile, never check nothing.
pub(crate) fn rule_check(c: &CheckIr, f: &FieldIr, on: On<'_>, source: Source) -> TokenStream {
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
pub(crate) fn unchecked(what: &str) -> TokenStream {
    let message = format!("imspec cannot check {what}");
    quote!(::core::compile_error!(#message))
}

pub(crate) fn not_equal(c: &CheckIr, path: &str, source: Source, code: &TokenStream) -> TokenStream {
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

pub(crate) fn item_field<'a>(types: &'a Types<'_>, el: &Ty, name: &str) -> Option<&'a FieldIr> {
    let Ty::Struct(type_name, home) = el else { return None };
    types.fields(type_name, *home)?.iter().find(|f| f.wire == name)
}
