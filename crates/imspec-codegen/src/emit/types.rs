//! The spec's types as Rust: structs with their constructors and builders, string enums, list
//! bodies.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::*;

use super::tokens::*;

pub(crate) fn type_def(t: &TypeIr, _siblings: &[TypeIr], _vendor: &[TypeIr]) -> TokenStream {
    match &t.kind {
        TypeKind::Struct { fields } => struct_def(t, fields),
        TypeKind::Enum { variants, default, open } => enum_def(t, variants, default.as_deref(), *open),
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

pub(crate) fn enum_def(t: &TypeIr, variants: &[VariantIr], default: Option<&str>, open: bool) -> TokenStream {
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
