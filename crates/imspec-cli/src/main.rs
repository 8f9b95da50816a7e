//! `imspec` — the operators' command line.
//!
//! - `imspec apis`: load and check the specs embedded at build time (or `--specs DIR`) and
//!   summarize every API.
//! - `imspec validate <api> [FILE|-] [--param NAME=VALUE]... [--json]`: check a request as the
//!   vendor would. Exit 0 valid, 1 not, 2 when the input cannot be read or is not JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod summary;
mod validate;

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
    /// Check a request body (and its path/query parameters) as the vendor would: one line per
    /// violation, `<json path>: <message> [<vendor code>]`. Exit 0 when valid, 1 when not.
    Validate {
        /// API id: `tencent_im/friend_import`, `tencent_im/friend_add`, `easemob/contacts_import`,
        /// `zego_zim/add_friends`.
        api: String,
        /// The request body (JSON); `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// A path or query parameter, e.g. `--param username=alice` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Print `{"valid": bool, "violations": [{"path", "code", "message"}]}`.
        #[arg(long)]
        json: bool,
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
        Command::Validate { api, file, params, json } => match validate::run(&api, file.as_deref(), &params, json) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(validate::InputError(message)) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
    }
}
