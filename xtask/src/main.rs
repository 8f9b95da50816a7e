//! `cargo xtask` — maintainer tasks.
//!
//! - `cargo xtask lint [DIR]`: load and check every spec under DIR (default `specs/`), print
//!   every diagnostic, exit 1 on any error.
//! - `cargo xtask codegen [--check]`: regenerate every derived artifact; with `--check`, write
//!   nothing and fail when one is stale.
//! - `cargo xtask drift <api id> PAGE [--json]`: compare a newer version of a vendor page (a file,
//!   Markdown or HTML) with the API's spec; one line per difference (or JSON), exit 0 when
//!   nothing differs (a missing part, such as an excerpt cut before its error table, is listed
//!   but is no difference), 1 when something does, 2 when PAGE cannot be read.
//!
//! - `cargo xtask size [--build]`: generated lines per vendor and per API; with `--build`, the
//!   build time of `imspec` with every feature (from scratch, alone, after touching a spec).
//!
//! Kept light on purpose: it parses arguments and calls the spec, codegen and drift crates.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

mod codegen;
mod size;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["lint"] => lint(&project_root().join("specs"), "specs"),
        ["lint", dir] => lint(Path::new(dir), dir),
        ["codegen"] => codegen::run(&project_root(), codegen::Mode::Write),
        ["codegen", "--check"] => codegen::run(&project_root(), codegen::Mode::Check),
        ["size"] => size::run(&project_root(), false),
        ["size", "--build"] => size::run(&project_root(), true),
        ["drift", api, page] => drift(api, page, false),
        ["drift", api, page, "--json"] | ["drift", "--json", api, page] | ["drift", api, "--json", page] => {
            drift(api, page, true)
        }
        _ => {
            eprintln!(
                "usage:\n  cargo xtask lint [DIR]          check every spec under DIR (default specs/)\n  \
                 cargo xtask codegen [--check]   regenerate derived artifacts (or fail if stale)\n  \
                 cargo xtask drift <api id> PAGE [--json]   what changed on a vendor page against its spec\n  \
                 cargo xtask size [--build]      generated lines per vendor and API (and build times)"
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

fn drift(api_id: &str, page: &str, json: bool) -> ExitCode {
    let text = match std::fs::read(page).map(String::from_utf8) {
        Ok(Ok(text)) => text,
        Ok(Err(_)) => {
            eprintln!("error: {page} is not UTF-8 text");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot read {page}: {e}");
            return ExitCode::from(2);
        }
    };
    let loaded = imspec_spec::load_dir_as(&project_root().join("specs"), "specs");
    let Some(api) = loaded.set.api(api_id) else {
        eprint!("{}", imspec_spec::render_all(&loaded.diagnostics));
        let known: Vec<String> = loaded.set.apis().iter().map(|a| a.id()).collect();
        eprintln!("error: no API `{api_id}` in specs/ (known: {})", known.join(", "));
        return ExitCode::from(2);
    };
    let report = imspec_drift::drift(api, &text);
    if json {
        println!("{:#}", report.to_json());
    } else {
        print!("{}", report.render(page));
        eprintln!("{api_id}: {} difference(s), {} missing part(s)", report.differences.len(), report.missing.len());
    }
    // DESIGN: exit 1 when something differs; a part the page lacks is listed, not a difference.
    if report.differences.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
