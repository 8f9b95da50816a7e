//! `imspec` — the operators' command line.
//!
//! For now: `imspec apis` loads and checks the specs embedded at build time (or a directory
//! given with `--specs`) and prints a summary of every API.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod summary;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/specs.rs"));
}

#[derive(Debug, Parser)]
#[command(name = "imspec", version, about = "Typed, validated IM vendor APIs from declarative specs")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and check the specs, then summarize every API: endpoint, auth, batch, rate limit,
    /// fields, constraints, error codes by class, examples and errata.
    Apis {
        /// Read specs from this directory instead of the ones built into the binary.
        #[arg(long)]
        specs: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Apis { specs } => {
            let loaded = match &specs {
                Some(dir) => imspec_spec::load_dir(dir),
                None => {
                    let sources: Vec<(String, String)> =
                        embedded::SPECS.iter().map(|(p, t)| ((*p).to_owned(), (*t).to_owned())).collect();
                    imspec_spec::load_sources("specs", &sources)
                }
            };
            eprint!("{}", imspec_spec::render_all(&loaded.diagnostics));
            if loaded.has_errors() {
                return ExitCode::FAILURE;
            }
            print!("{}", summary::render(&loaded.set));
            ExitCode::SUCCESS
        }
    }
}
