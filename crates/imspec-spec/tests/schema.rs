//! `specs/schema.json` is what editors validate specs with: an independent JSON Schema
//! validator (Python's `jsonschema`, Draft 2020-12) accepts every real spec and rejects the
//! planted mistakes the loader rejects.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use imspec_spec::SourceFile;

#[path = "../../../tests/support/python.rs"]
mod python;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every YAML file under `dir`, as JSON, keyed by its path.
fn as_json(dir: &Path) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                let text = std::fs::read_to_string(&p).expect("spec");
                let file = Arc::new(SourceFile { name: p.display().to_string(), text });
                let mut diags = Vec::new();
                if let Some(node) = imspec_spec::yaml::parse(&file, &mut diags) {
                    out.insert(p.strip_prefix(dir).unwrap_or(&p).display().to_string(), node.to_json());
                }
            }
        }
    }
    out
}

/// `{file: [error, ...]}` from the JSON Schema validator.
fn schema_errors(docs: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    let schema = std::fs::read_to_string(root().join("specs/schema.json")).expect("specs/schema.json");
    let input = serde_json::json!({ "schema": serde_json::from_str::<serde_json::Value>(&schema).expect("schema is JSON"), "docs": docs });
    let script = "import json, sys, jsonschema\n\
        data = json.load(sys.stdin)\n\
        v = jsonschema.Draft202012Validator(data['schema'])\n\
        jsonschema.Draft202012Validator.check_schema(data['schema'])\n\
        print(json.dumps({k: sorted(e.message for e in v.iter_errors(d)) for k, d in data['docs'].items()}))";
    let out = python::run(
        Path::new(env!("CARGO_TARGET_TMPDIR")),
        "jsonschema",
        "jsonschema",
        script,
        Some(input.to_string().as_bytes()),
    );
    serde_json::from_str(&out).expect("validator output")
}

#[test]
fn every_spec_is_valid_against_the_generated_schema() {
    let docs = as_json(&root().join("specs"));
    let files = std::fs::read_dir(root().join("specs"))
        .expect("specs dir")
        .flatten()
        .filter(|e| e.path().is_dir())
        .flat_map(|v| std::fs::read_dir(v.path()).expect("vendor dir").flatten())
        .filter(|f| f.path().extension().is_some_and(|e| e == "yaml"))
        .count();
    assert_eq!(docs.len(), files, "every spec file is checked");
    let errors = schema_errors(&docs);
    for (file, errs) in errors.as_object().expect("object") {
        assert_eq!(errs, &serde_json::json!([]), "{file} breaks specs/schema.json");
    }
}

#[test]
fn the_schema_rejects_planted_mistakes() {
    let docs = as_json(&root().join("tests/specs-bad/syntax/acme"));
    let errors = schema_errors(&docs);
    let vendor = errors["vendor.yaml"].as_array().expect("errors of vendor.yaml");
    assert!(!vendor.is_empty(), "an unknown key and a misspelt class pass the schema: {errors}");
    let docs = as_json(&root().join("tests/specs-bad/constraints/acme"));
    let errors = schema_errors(&docs);
    assert!(!errors["add.yaml"].as_array().expect("errors").is_empty(), "a two-kind constraint passes the schema");
}
