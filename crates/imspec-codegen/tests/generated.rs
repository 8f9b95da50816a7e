//! The same freshness check as `cargo xtask codegen --check`, as a plain test: a stale
//! generated file fails `cargo test` too.

use std::path::Path;

#[test]
fn generated_files_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let artifacts = match imspec_codegen::artifacts(&root.join("specs")) {
        Ok(a) => a,
        Err(d) => panic!("specs do not load:\n{}", imspec_spec::render_all(&d)),
    };
    let stale: Vec<&str> = artifacts
        .iter()
        .filter(|a| std::fs::read_to_string(root.join(&a.path)).ok().as_deref() != Some(a.contents.as_str()))
        .map(|a| a.path.as_str())
        .collect();
    assert!(stale.is_empty(), "stale generated files: {stale:?}; run `cargo xtask codegen` and commit the result");
}

#[test]
fn generating_twice_gives_identical_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let a = imspec_codegen::artifacts(&root.join("specs")).expect("specs load");
    let b = imspec_codegen::artifacts(&root.join("specs")).expect("specs load");
    assert_eq!(a, b);
}

/// The schema names every key the loader accepts at the top of an API file, and closes it.
#[test]
fn the_schema_describes_the_format() {
    let schema = imspec_spec::json_schema();
    let api = &schema["$defs"]["ApiSpec"];
    assert_eq!(api["additionalProperties"], false);
    for key in ["kind", "endpoint", "types", "batch", "rate_limit", "results", "errors", "examples"] {
        assert!(api["properties"].get(key).is_some(), "ApiSpec lacks `{key}`");
    }
    let constraint = &schema["$defs"]["Constraint"];
    assert_eq!(constraint["oneOf"].as_array().map(Vec::len), Some(imspec_spec::constraint::KINDS.len()));
}
