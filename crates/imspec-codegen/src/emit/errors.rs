//! Error tables and enums: a vendor's shared codes (`VendorError`), each API's own (`ErrorCode`).

use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};

use crate::ir::*;

use super::tokens::*;

pub(crate) fn error_rows(errors: &[ErrorIr]) -> TokenStream {
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

/// An error code's variant, documented from its entry.
pub(crate) fn error_variant(e: &ErrorIr) -> TokenStream {
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
pub(crate) fn row_arms(enum_name: &Ident, errors: &[ErrorIr]) -> Vec<TokenStream> {
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
pub(crate) fn vendor_errors(v: &VendorIr) -> TokenStream {
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
pub(crate) fn error_enum(a: &ApiIr) -> TokenStream {
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
