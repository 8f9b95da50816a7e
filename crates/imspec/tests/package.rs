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
    // Every vendor file and every API of the registry has its spec file.
    let vendors: std::collections::BTreeSet<&str> = imspec::apis().iter().map(|a| a.info.vendor.id).collect();
    assert_eq!(
        specs.len(),
        vendors.len() + imspec::apis().len(),
        "{:?}",
        specs.iter().map(|(r, _)| r).collect::<Vec<_>>()
    );
    for (rel, _) in specs {
        let rel = format!("specs/{rel}");
        assert!(listed.lines().any(|l| l == rel), "{rel} is not packaged:\n{listed}");
    }
}
