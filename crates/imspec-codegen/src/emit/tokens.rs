//! Small pieces every part of the generated code is made of: identifiers, docs, literals, codes
//! and type names.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

use imspec_spec::names::KEYWORDS;
use imspec_spec::{Code, ErrorClass};

use crate::ir::*;

/// A Rust identifier; keywords become raw identifiers (`r#type`).
pub(crate) fn ident(name: &str) -> Ident {
    if KEYWORDS.contains(&name) { Ident::new_raw(name, Span::call_site()) } else { Ident::new(name, Span::call_site()) }
}

pub(crate) fn docs(lines: &[String]) -> TokenStream {
    let lines = lines.iter().map(|l| {
        let l = if l.is_empty() { String::new() } else { format!(" {l}") };
        quote!(#[doc = #l])
    });
    quote!(#(#lines)*)
}

pub(crate) fn code_tokens(code: &Code) -> TokenStream {
    match code {
        Code::Int(i) => {
            let lit = Literal::i64_suffixed(*i);
            quote!(::imspec_runtime::Code::Int(#lit))
        }
        Code::Str(s) => quote!(::imspec_runtime::Code::Str(::std::borrow::Cow::Borrowed(#s))),
    }
}

/// `Some(value)` or `None`, fully qualified.
pub(crate) fn option(value: Option<impl quote::ToTokens>) -> TokenStream {
    match value {
        Some(v) => quote!(::std::option::Option::Some(#v)),
        None => quote!(::std::option::Option::None),
    }
}

pub(crate) fn u64_lit(n: u64) -> Literal {
    Literal::u64_suffixed(n)
}

/// The Rust type of a field value.
pub(crate) fn rust_ty(ty: &Ty) -> TokenStream {
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
        Ty::Struct(n, home) | Ty::Enum(n, home, _) => named(n, *home),
    }
}

pub(crate) fn named(name: &str, home: Home) -> TokenStream {
    let id = ident(name);
    match home {
        Home::Api => quote!(#id),
        Home::Vendor => quote!(super::#id),
    }
}

pub(crate) fn class_tokens(c: ErrorClass) -> TokenStream {
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

pub(crate) fn unit_tokens(u: imspec_spec::LenUnit) -> TokenStream {
    let u = format_ident!("{}", len_unit(u));
    quote!(::imspec_runtime::LenUnit::#u)
}
