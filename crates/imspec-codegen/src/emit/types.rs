//! The spec's types as Rust: structs with their constructors and builders, enums (string or integer), list
//! bodies.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::*;

use super::tokens::*;

pub(crate) fn type_def(t: &TypeIr, _siblings: &[TypeIr], _vendor: &[TypeIr]) -> TokenStream {
    match &t.kind {
        TypeKind::Struct { fields } => struct_def(t, fields),
        TypeKind::Enum { variants, default, open, wire } => enum_def(t, variants, default.as_deref(), *open, *wire),
        TypeKind::List { field } => list_def(t, &field.ty),
    }
}

/// A list body: a newtype over the items, serialized as a bare JSON array.
pub(crate) fn list_def(t: &TypeIr, list: &Ty) -> TokenStream {
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

pub(crate) fn struct_def(t: &TypeIr, fields: &[FieldIr]) -> TokenStream {
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
pub(crate) fn builders(type_name: &str, fields: &[FieldIr]) -> TokenStream {
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

pub(crate) fn enum_def(
    t: &TypeIr,
    variants: &[VariantIr],
    default: Option<&str>,
    open: bool,
    wire: Wire,
) -> TokenStream {
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
    // Each variant's wire value as a literal: a string, or an integer the spec check parsed.
    let literals: Vec<TokenStream> = variants
        .iter()
        .map(|v| match wire {
            Wire::Str => {
                let text = &v.wire;
                quote!(#text)
            }
            Wire::Int => match v.wire.parse::<i64>() {
                Ok(n) => quote!(#n),
                Err(_) => {
                    let msg = format!("enum value `{}` of `{}` is not an integer", v.wire, t.name);
                    quote!(::std::compile_error!(#msg))
                }
            },
        })
        .collect();
    let to_wire = variants.iter().zip(&literals).map(|(v, lit)| {
        let rust = ident(&v.rust);
        quote!(#name::#rust => #lit,)
    });
    let from_wire = variants.iter().zip(&literals).map(|(v, lit)| {
        let rust = ident(&v.rust);
        quote!(#lit => #name::#rust,)
    });
    // What differs by wire: the value's Rust type, its accessor, and how serde reads and writes it.
    let (value_ty, wire_ty, accessor, accessor_doc, unknown_ty, unknown_back, display, serialize, read) = match wire {
        Wire::Str => (
            quote!(&str),
            quote!(&'static str),
            format_ident!("as_str"),
            " The value as written on the wire.",
            quote!(::std::string::String),
            quote!(s.as_str()),
            quote!(f.write_str(self.as_str())),
            quote!(s.serialize_str(self.as_str())),
            quote!(::std::string::String),
        ),
        Wire::Int => (
            quote!(i64),
            quote!(i64),
            format_ident!("as_i64"),
            " The integer the wire carries.",
            quote!(i64),
            quote!(*s),
            quote!(::std::write!(f, "{}", self.as_i64())),
            quote!(s.serialize_i64(self.as_i64())),
            quote!(i64),
        ),
    };
    let (to_owned, by_ref, unexpected) = match wire {
        Wire::Str => (
            quote!(other.to_owned()),
            quote!(&s),
            quote!(<D::Error as ::imspec_runtime::__private::serde::de::Error>::unknown_variant(&s, #name::WIRE)),
        ),
        Wire::Int => {
            let expected =
                format!("one of {}", variants.iter().map(|v| v.wire.as_str()).collect::<Vec<_>>().join(", "));
            (
                quote!(other),
                quote!(s),
                quote!(<D::Error as ::imspec_runtime::__private::serde::de::Error>::invalid_value(
                    ::imspec_runtime::__private::serde::de::Unexpected::Signed(s), &#expected)),
            )
        }
    };
    let copy = quote!(::std::marker::Copy,);
    let (unknown_variant, unknown_to_wire, from_wire_fn, derive_copy) = if open {
        (
            quote! {
                /// A value this spec does not list.
                Unknown(#unknown_ty),
            },
            quote!(#name::Unknown(s) => #unknown_back,),
            quote! {
                /// The value for a wire value; unlisted ones become `Unknown`.
                pub fn from_wire(s: #value_ty) -> Self {
                    match s { #(#from_wire)* other => #name::Unknown(#to_owned) }
                }
            },
            if wire == Wire::Int { copy } else { quote!() },
        )
    } else {
        (
            quote!(),
            quote!(),
            quote! {
                /// The value for a wire value, if the spec lists it.
                pub fn from_wire(s: #value_ty) -> ::std::option::Option<Self> {
                    ::std::option::Option::Some(match s { #(#from_wire)* _ => return ::std::option::Option::None })
                }
            },
            copy,
        )
    };
    let deserialize_body = if open {
        quote!(::std::result::Result::Ok(#name::from_wire(#by_ref)))
    } else {
        quote!(#name::from_wire(#by_ref).ok_or_else(|| #unexpected))
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
            pub const WIRE: &'static [#wire_ty] = &[#(#literals),*];

            #[doc = #accessor_doc]
            pub fn #accessor(&self) -> #value_ty {
                match self { #(#to_wire)* #unknown_to_wire }
            }

            #from_wire_fn
        }

        #default_impl

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                #display
            }
        }

        impl ::imspec_runtime::__private::serde::Serialize for #name {
            fn serialize<S: ::imspec_runtime::__private::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                #serialize
            }
        }

        impl<'de> ::imspec_runtime::__private::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::imspec_runtime::__private::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let s = <#read as ::imspec_runtime::__private::serde::Deserialize>::deserialize(d)?;
                #deserialize_body
            }
        }
    }
}
