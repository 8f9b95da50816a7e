//! The generated code of every vendor, pretty-printed: each spec change shows its code diff in
//! review. The imspec crate compiles the same expansion.

use std::path::Path;

fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

#[test]
fn generated_code_per_vendor() {
    let set = specs();
    for vendor in ["easemob", "tencent_im", "zego_zim"] {
        let code = imspec_codegen::vendor_module_pretty(&set, vendor).expect("generates");
        insta::assert_snapshot!(vendor, code);
    }
}

#[test]
fn generating_twice_gives_identical_tokens() {
    let set = specs();
    for vendor in ["easemob", "tencent_im", "zego_zim"] {
        let a = imspec_codegen::vendor_module(&set, vendor).expect("generates").to_string();
        let b = imspec_codegen::vendor_module(&set, vendor).expect("generates").to_string();
        assert_eq!(a, b, "{vendor}");
    }
}
