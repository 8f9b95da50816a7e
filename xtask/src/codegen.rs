//! Derived artifacts: each is regenerated in memory and compared with the file on disk.

use std::path::Path;
use std::process::ExitCode;

/// Write stale files, or only report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Write,
    Check,
}

pub fn run(root: &Path, mode: Mode) -> ExitCode {
    let artifacts = match imspec_codegen::artifacts(&root.join("specs")) {
        Ok(a) => a,
        Err(diagnostics) => {
            eprint!("{}", imspec_spec::render_all(&diagnostics));
            eprintln!("error: the specs do not load cleanly; fix them first (`cargo xtask lint`)");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for artifact in &artifacts {
        let path = root.join(&artifact.path);
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        if current == artifact.contents {
            continue;
        }
        match mode {
            Mode::Check => stale.push(artifact.path.clone()),
            Mode::Write => {
                if let Some(dir) = path.parent()
                    && let Err(e) = std::fs::create_dir_all(dir)
                {
                    eprintln!("error: cannot create {}: {e}", dir.display());
                    return ExitCode::FAILURE;
                }
                if let Err(e) = std::fs::write(&path, &artifact.contents) {
                    eprintln!("error: cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
                println!("updated {}", artifact.path);
            }
        }
    }
    if stale.is_empty() {
        if mode == Mode::Check {
            println!("{} generated file(s) up to date", artifacts.len());
        }
        return ExitCode::SUCCESS;
    }
    eprintln!("error: generated files are stale:");
    for path in &stale {
        eprintln!("  {path}");
    }
    eprintln!("run `cargo xtask codegen` and commit the result");
    ExitCode::FAILURE
}
