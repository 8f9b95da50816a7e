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

/// A maintainer's edit of one limit in YAML changes the generated code, with no Rust edit.
#[test]
fn a_spec_edit_changes_the_generated_code() {
    let (mut sources, problems) = imspec_spec::read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(problems.is_empty(), "{problems:?}");
    let generate = |sources: &[(String, String)]| {
        let loaded = imspec_spec::load_sources("specs", sources);
        assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
        imspec_codegen::vendor_module_pretty(&loaded.set, "tencent_im").expect("generates")
    };
    let before = generate(&sources);
    let (_, text) = sources.iter_mut().find(|(n, _)| n == "tencent_im/friend_add.yaml").expect("friend_add");
    assert!(text.contains("max_len: 96"), "the Remark limit is written `max_len: 96`");
    *text = text.replacen("max_len: 96", "max_len: 97", 1);
    let after = generate(&sources);
    assert!(before.contains("96u64") && after.contains("97u64") && before != after);
}
