//! Properties of the generated code. The code itself is kept once, as the golden
//! `docs/generated/<vendor>.rs` that `cargo xtask codegen` writes and `tests/generated.rs` (like
//! `cargo xtask codegen --check`) holds fresh; the imspec crate compiles the same expansion.

use std::path::Path;

fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

#[test]
fn generating_twice_gives_identical_tokens() {
    let set = specs();
    for vendor in &set.vendors {
        let vendor = vendor.id.value.as_str();
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

/// Each vendor's shared error table is emitted once: a shared code has one row in the
/// generated code, plus one in each API whose own table lists the same code (its override).
#[test]
fn a_shared_code_has_one_row_per_vendor() {
    let set = specs();
    for vendor in &set.vendors {
        let code = imspec_codegen::vendor_module_pretty(&set, &vendor.id.value).expect("generates");
        // The code of every generated row, as printed (without spaces and commas, which the
        // printer moves when it wraps).
        let bare = |s: &str| s.chars().filter(|c| !c.is_whitespace() && *c != ',').collect::<String>();
        let rows: Vec<String> = code
            .split("::imspec_runtime::ErrorRow {")
            .skip(1)
            .filter_map(|row| Some(bare(row.split_once("name:")?.0.trim().strip_prefix("code:")?)))
            .collect();
        assert!(!rows.is_empty(), "{}: no row found", vendor.id.value);
        let apis: Vec<_> = set.apis().into_iter().filter(|a| a.vendor.id.value == vendor.id.value).collect();
        for (key, _) in vendor.errors.iter() {
            let printed = match imspec_spec::Code::from_scalar(&key.value).expect("a code") {
                imspec_spec::Code::Int(i) => format!("::imspec_runtime::Code::Int({i}i64)"),
                imspec_spec::Code::Str(s) => {
                    format!("::imspec_runtime::Code::Str(::std::borrow::Cow::Borrowed({s:?}))")
                }
            };
            let overrides = apis.iter().filter(|a| a.spec.errors.get(&key.value.to_string()).is_some()).count();
            let found = rows.iter().filter(|r| **r == printed).count();
            assert_eq!(found, 1 + overrides, "{}: code {} ({printed})", vendor.id.value, key.value);
        }
    }
}
