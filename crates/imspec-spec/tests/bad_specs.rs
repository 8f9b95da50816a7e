//! Deliberately broken spec trees (`tests/specs-bad/<case>/`): what a maintainer sees, exactly.

use std::path::Path;

use imspec_spec::{load_dir_as, render_all};

fn lint(case: &str) -> imspec_spec::Loaded {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs-bad").join(case);
    load_dir_as(&dir, &format!("tests/specs-bad/{case}"))
}

macro_rules! bad_case {
    ($name:ident) => {
        #[test]
        fn $name() {
            let loaded = lint(stringify!($name));
            assert!(loaded.has_errors(), "a broken spec must not lint clean");
            insta::assert_snapshot!(stringify!($name), render_all(&loaded.diagnostics));
        }
    };
}

bad_case!(syntax);
bad_case!(references);
bad_case!(constraints);
bad_case!(names);
bad_case!(examples);
bad_case!(lists);

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

#[test]
fn every_case_directory_has_a_test() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/specs-bad");
    let mut cases: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/specs-bad")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    cases.sort();
    assert_eq!(cases, ["constraints", "examples", "lists", "names", "references", "syntax"]);
}
