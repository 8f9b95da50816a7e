//! The thin proc-macro: read a vendor's spec files, hand them to `imspec-codegen`, and turn
//! every spec diagnostic into a compile error whose text points into the YAML
//! (`file:line:col`, YAML path, help). Generation logic lives in the codegen crate.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::LitStr;

/// Expands the content of one vendor's module from `<dir>/vendor.yaml` and `<dir>/*.yaml`,
/// where `dir` is relative to the invoking crate's `CARGO_MANIFEST_DIR`.
///
/// ```ignore
/// pub mod zego_zim { imspec_macros::vendor!("specs/zego_zim"); }
/// ```
#[proc_macro]
pub fn vendor(input: TokenStream) -> TokenStream {
    let lit = match syn::parse::<LitStr>(input) {
        Ok(l) => l,
        Err(e) => return e.to_compile_error().into(),
    };
    match expand(&lit) {
        Ok(tokens) => tokens.into(),
        Err(messages) => {
            // One compile error per spec diagnostic, all at once. Spans can only point at Rust
            // tokens, so each message carries its YAML `file:line:col`.
            let mut errors = messages.into_iter().map(|m| syn::Error::new(lit.span(), m));
            let mut all = errors.next().unwrap_or_else(|| syn::Error::new(lit.span(), "spec error"));
            for e in errors {
                all.combine(e);
            }
            all.to_compile_error().into()
        }
    }
}

fn expand(lit: &LitStr) -> Result<proc_macro2::TokenStream, Vec<String>> {
    expand_inner(lit).map_err(|e| match e {
        Failure::One(m) => vec![m],
        Failure::Many(ms) => ms,
    })
}

enum Failure {
    One(String),
    Many(Vec<String>),
}

impl From<String> for Failure {
    fn from(m: String) -> Self {
        Failure::One(m)
    }
}

fn expand_inner(lit: &LitStr) -> Result<proc_macro2::TokenStream, Failure> {
    // trybuild compiles UI tests in a scratch crate; its test names the real crate dir here.
    let manifest = std::env::var("IMSPEC_MANIFEST_DIR_OVERRIDE")
        .or_else(|_| std::env::var("CARGO_MANIFEST_DIR"))
        .map_err(|_| "CARGO_MANIFEST_DIR is not set".to_owned())?;
    let dir = Path::new(&manifest).join(lit.value());
    let vendor_id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| format!("`{}` does not name a vendor directory", lit.value()))?;
    std::fs::metadata(&dir).map_err(|e| {
        format!("cannot read spec directory `{}` (relative to the crate's Cargo.toml): {e}", lit.value())
    })?;
    let (read, problems) = imspec_spec::read_sources(&dir);
    if !problems.is_empty() {
        return Err(Failure::Many(problems.iter().map(|d| d.render().trim_end().to_owned()).collect()));
    }
    let files: Vec<PathBuf> = read.iter().map(|(rel, _)| dir.join(rel)).collect();
    let sources: Vec<(String, String)> =
        read.into_iter().map(|(rel, text)| (format!("{vendor_id}/{rel}"), text)).collect();
    let display_root = lit.value();
    let display_root = display_root.trim_end_matches('/').trim_end_matches(&vendor_id).trim_end_matches('/');
    let loaded = imspec_spec::load_sources(display_root, &sources);
    if loaded.has_errors() {
        return Err(Failure::Many(
            loaded
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    let text = d.render();
                    text.strip_prefix("error: ").unwrap_or(&text).trim_end().to_owned()
                })
                .collect(),
        ));
    }
    let body = imspec_codegen::vendor_module(&loaded.set, &vendor_id)?;
    // Naming each file in `include_str!` makes cargo rebuild the crate when a spec changes.
    let includes = files.iter().map(|p| {
        let p = p.display().to_string();
        quote!(
            const _: &str = include_str!(#p);
        )
    });
    Ok(quote! {
        #(#includes)*
        #body
    })
}
