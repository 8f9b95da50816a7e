//! Deliberately broken spec trees (`tests/specs-bad/<case>/`): what a maintainer sees, exactly.

use std::path::Path;

use imspec_spec::{load_dir_as, render_all};

fn lint(case: &str) -> imspec_spec::Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs-bad").join(case);
    load_dir_as(&dir, &format!("tests/specs-bad/{case}"))
}

/// Every case directory, each with its golden: a new case is a directory and its snapshot.
#[test]
fn each_broken_tree_reports_what_its_golden_shows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs-bad");
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/specs-bad")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "tests/specs-bad holds the cases");
    for case in &cases {
        let loaded = lint(case);
        assert!(loaded.has_errors(), "{case}: a broken spec must not lint clean");
        insta::assert_snapshot!(case.as_str(), render_all(&loaded.diagnostics));
    }
}

/// Planted mistakes in two files — broken YAML in one, an unknown key in another — come out
/// of one run, each with its file and line.
#[test]
fn mistakes_in_two_files_are_reported_in_one_run() {
    let loaded = lint("syntax");
    let at = |file: &str, message: &str| {
        loaded.diagnostics.iter().any(|d| {
            d.message.contains(message) && d.loc.as_ref().is_some_and(|l| l.file.name.ends_with(file) && l.line > 0)
        })
    };
    assert!(at("acme/add.yaml", "broken YAML"));
    assert!(at("acme/vendor.yaml", "unknown key `max_skew_secs`"));
}
