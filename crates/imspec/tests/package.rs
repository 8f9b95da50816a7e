//! The published crate carries the specs it expands (through the `specs` symlink).

#[test]
fn cargo_package_includes_every_spec() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["package", "-p", "imspec", "--list", "--allow-dirty", "--offline"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run cargo package");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed = String::from_utf8_lossy(&out.stdout);
    let (specs, _) = imspec_spec::read_sources(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs"));
    assert_eq!(specs.len(), 7);
    for (rel, _) in specs {
        let rel = format!("specs/{rel}");
        assert!(listed.lines().any(|l| l == rel), "{rel} is not packaged:\n{listed}");
    }
}
