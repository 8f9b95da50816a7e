// Running an independent oracle written in Python from a Rust test. Packages missing from the
// machine are installed from PyPI under cargo's tmpdir for tests, so a fresh machine needs
// nothing but `python3` with pip. Shared by test files through `#[path]`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `script` with `python3`, making `module` importable (installing `package` if needed),
/// feeding `stdin`; returns stdout, panicking with stderr on failure.
pub fn run(tmpdir: &Path, module: &str, package: &str, script: &str, stdin: Option<&[u8]>) -> String {
    let path = ensure(tmpdir, module, package);
    let mut c = Command::new("python3");
    c.args(["-c", script]);
    if let Some(p) = &path {
        c.env("PYTHONPATH", p);
    }
    let out = match stdin {
        None => c.output(),
        Some(input) => {
            use std::io::Write as _;
            c.stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            let mut child = c.spawn().expect("run python3");
            let _ = child.stdin.take().expect("stdin").write_all(input);
            child.wait_with_output()
        }
    }
    .expect("run python3");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// `None` when `module` imports as installed; else the directory it was installed into.
fn ensure(tmpdir: &Path, module: &str, package: &str) -> Option<PathBuf> {
    let imports = |path: Option<&PathBuf>| {
        let mut c = Command::new("python3");
        c.args(["-c", &format!("import {module}")]);
        if let Some(p) = path {
            c.env("PYTHONPATH", p);
        }
        c.output().map(|o| o.status.success()).unwrap_or(false)
    };
    if imports(None) {
        return None;
    }
    let dir = tmpdir.join(format!("py-{package}"));
    if !imports(Some(&dir)) {
        let out = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&dir)
            .arg(package)
            .output()
            .expect("python3 with pip is needed for this oracle");
        assert!(out.status.success(), "pip install {package} failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    Some(dir)
}
