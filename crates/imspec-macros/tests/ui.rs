//! What a user sees when a spec is broken: compile errors whose text points into the YAML.

#[test]
#[allow(unsafe_code)] // the one exception to the workspace's `deny(unsafe_code)`
fn ui() {
    // trybuild builds in a scratch crate; the macro resolves spec paths against this instead.
    // SAFETY: set before trybuild spawns cargo, in a test binary with this single test, so no
    // other thread reads the environment concurrently.
    unsafe { std::env::set_var("IMSPEC_MANIFEST_DIR_OVERRIDE", env!("CARGO_MANIFEST_DIR")) };
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
