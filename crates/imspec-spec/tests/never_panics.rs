//! Whatever the input, the loader reports and returns: it never panics.

use std::path::Path;

use proptest::prelude::*;

fn real_specs() -> Vec<(String, String)> {
    let (sources, problems) = imspec_spec::read_sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(problems.is_empty(), "{problems:?}");
    sources
}

/// Text rich in what YAML gives meaning to.
fn yamlish() -> impl Strategy<Value = String> {
    let atoms = prop::sample::select(vec![
        "kind: ",
        "api",
        "vendor",
        "\n",
        "  ",
        "- ",
        ": ",
        "{",
        "}",
        "[",
        "]",
        ",",
        "\"",
        "'",
        "|",
        ">",
        "&a ",
        "*a",
        "!t ",
        "#",
        "---\n",
        "...\n",
        "~",
        "null",
        "true",
        "12",
        "-3",
        "0x1F",
        "1.5",
        "types",
        "fields",
        "type",
        "array<",
        ">",
        "constraints",
        "max_len",
        "code",
        "errors",
        "examples",
        "body",
        "\t",
        "é",
        "§",
        "\\",
    ]);
    prop::collection::vec(atoms, 0..80).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_yamlish_text_never_panics(text in yamlish()) {
        let loaded = imspec_spec::load_sources("fuzz", &[("acme/add.yaml".into(), text)]);
        let _ = imspec_spec::render_all(&loaded.diagnostics);
    }

    #[test]
    fn arbitrary_bytes_never_panic(text in ".{0,400}") {
        let loaded = imspec_spec::load_sources("fuzz", &[("acme/vendor.yaml".into(), text)]);
        let _ = imspec_spec::render_all(&loaded.diagnostics);
    }

    /// Real specs with a slice cut out and something spliced in: near-valid input reaches the
    /// semantic checks and the example validator, where panics would hide.
    #[test]
    fn mutated_real_specs_never_panic(
        which in 0usize..7,
        cut_at in 0.0f64..1.0,
        cut_len in 0usize..200,
        splice in yamlish(),
    ) {
        let mut files = real_specs();
        let which = which % files.len();
        let text = &files[which].1;
        let chars: Vec<char> = text.chars().collect();
        let at = ((chars.len() as f64) * cut_at) as usize;
        let end = (at + cut_len).min(chars.len());
        let mutated: String = chars[..at].iter().chain(splice.chars().collect::<Vec<_>>().iter()).chain(chars[end..].iter()).collect();
        files[which].1 = mutated;
        let loaded = imspec_spec::load_sources("fuzz", &files);
        let _ = imspec_spec::render_all(&loaded.diagnostics);
    }
}
