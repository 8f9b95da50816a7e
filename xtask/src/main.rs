//! `cargo xtask` — maintainer tasks.
//!
//! - `cargo xtask lint [DIR]`: load and check every spec under DIR (default `specs/`), print
//!   every diagnostic, exit 1 on any error.
//! - `cargo xtask codegen [--check]`: regenerate every derived artifact; with `--check`, write
//!   nothing and fail when one is stale.
//!
//! Kept light on purpose: its only dependency is the spec crate.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod codegen;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["lint"] => lint(&project_root().join("specs"), "specs"),
        ["lint", dir] => lint(Path::new(dir), dir),
        ["codegen"] => codegen::run(&project_root(), codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&project_root(), codegen::Mode::Check),
        _ => {
            eprintln!(
                "usage:\n  cargo xtask lint [DIR]          check every spec under DIR (default specs/)\n  \
                 cargo xtask codegen [--check]   regenerate derived artifacts (or fail if stale)"
            );
            ExitCode::from(2)
        }
    }
}

/// The workspace root: xtask lives one level below it.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."))
}

fn lint(dir: &Path, shown_as: &str) -> ExitCode {
    let loaded = imspec_spec::load_dir_as(dir, shown_as.trim_end_matches('/'));
    eprint!("{}", imspec_spec::render_all(&loaded.diagnostics));
    if loaded.has_errors() {
        return ExitCode::FAILURE;
    }
    let apis = loaded.set.apis();
    println!("{shown_as}: {} vendor file(s), {} API(s), no errors", loaded.set.vendors.len(), apis.len());
    ExitCode::SUCCESS
}
