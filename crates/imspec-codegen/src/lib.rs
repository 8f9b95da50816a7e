//! imspec's generator: the spec model is lowered to an IR ([`ir`]), and the IR emitted as
//! tokens ([`emit`]). A pure library — it does no I/O beyond what it is handed — used by the
//! proc-macro and by `cargo xtask codegen`.

pub mod emit;
pub mod ir;

use proc_macro2::TokenStream;

use imspec_spec::SpecSet;

/// The content of one vendor's module: its shared types and host table, and one module per
/// API with types, error enum, limits and validators.
pub fn vendor_module(set: &SpecSet, vendor_id: &str) -> Result<TokenStream, String> {
    let ir = ir::lower_vendor(set, vendor_id)?;
    Ok(emit::vendor(&ir))
}

/// The same code, pretty-printed (for snapshots and review).
pub fn vendor_module_pretty(set: &SpecSet, vendor_id: &str) -> Result<String, String> {
    let tokens = vendor_module(set, vendor_id)?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(prettyplease::unparse(&file))
}
