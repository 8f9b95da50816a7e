//! `imspec` — the operators' command line.
//!
//! - `imspec apis`: load and check the specs embedded at build time (or `--specs DIR`) and
//!   summarize every API.
//! - `imspec validate <api> [FILE|-] [--param NAME=VALUE]... [--json]`: check a request as the
//!   vendor would. Exit 0 valid, 1 not, 2 when the input cannot be read or is not JSON.
//! - `imspec send <api> [FILE|-] [--param NAME=VALUE]... [--config FILE] [--endpoint URL]`:
//!   send one request with the client and print one outcome per item; an embedded emulator
//!   serves it when no endpoint is given. Exit 0 when every item succeeded, 1 otherwise.
//! - `imspec emulator [--config FILE] [--listen ADDR]`: serve every API locally; the first line
//!   printed is `listening on http://ADDR`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod config;
mod import;
mod send;
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
        #[arg(help = api_help())]
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
    /// Send one request body with the client (validation, chunking, pacing, retries) and print
    /// `{"calls", "items": [{"user", "outcome", "code"}]}`, one item per input item. Without
    /// --endpoint an embedded emulator serves it. Exit 0 when every item succeeded, 1
    /// otherwise (a request refused by validation included), 2 for unreadable input or config.
    /// `RUST_LOG=debug` shows retries, waits and refused answers on standard error.
    Send {
        #[arg(help = api_help())]
        api: String,
        /// The request body (JSON); `-` or nothing reads standard input.
        file: Option<PathBuf>,
        /// A path or query parameter, e.g. `--param username=alice` (repeatable).
        #[arg(long = "param", value_name = "NAME=VALUE")]
        params: Vec<String>,
        /// Credentials (TOML); the built-in demo file when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Base URL of the service (e.g. the emulator's `http://127.0.0.1:8080`).
        #[arg(long)]
        endpoint: Option<String>,
    },
    /// Import a whole friend graph (JSONL or CSV, one edge per line, keys as wire names) with an
    /// add API: every edge journaled in SQLite as its outcome becomes known, so that a rerun
    /// after a crash resumes (lost answers reconciled with the vendor's check or list API);
    /// --verify / --repair prove what the service holds, --undo takes back what it created.
    /// Prints one JSON summary; exit 0 when every edge succeeded, 1 otherwise, 2 for unreadable
    /// input, config or journal (one made for another file, API, app, parameters or service).
    Import(import::Args),
    /// Serve every API on one port at the vendors' own paths (Easemob's /token included), with
    /// the control API under /_emulator/. The first line printed is `listening on http://ADDR`.
    Emulator {
        /// Credentials and `[emulator]` settings (TOML); the built-in demo file when absent.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address to listen on; overrides the file's `listen` (default 127.0.0.1:8080).
        #[arg(long)]
        listen: Option<String>,
        /// Print one line per request on standard error (method, path, status, time).
        #[arg(long)]
        log_requests: bool,
    },
}

/// The API ids, from the generated registry.
fn api_help() -> String {
    let ids: Vec<&str> = imspec::apis().iter().map(|a| a.info.id).collect();
    format!("API id: {}", ids.join(", "))
}

/// Logs to standard error, filtered by `RUST_LOG` (warnings only by default).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::builder()
        .with_default_directive(tracing_subscriber::filter::LevelFilter::WARN.into())
        .from_env_lossy();
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The emulator's first line comes before any log line: it starts logging once it has it.
    if !matches!(cli.command, Command::Emulator { .. }) {
        init_logging();
    }
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
        Command::Send { api, file, params, config, endpoint } => {
            match send::run(&api, file.as_deref(), &params, config.as_deref(), endpoint.as_deref()) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(validate::InputError(message)) => {
                    eprintln!("error: {message}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Emulator { config, listen, log_requests } => {
            let config = match config::load(config.as_deref()) {
                Ok(c) if log_requests => c.with_emulator("log_requests", true),
                Ok(c) => c,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let emulator = match imspec_emulator::Emulator::new(&config) {
                Ok(e) => e,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let addr = listen.or(config.listen.clone()).unwrap_or_else(|| "127.0.0.1:8080".to_owned());
            let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
                Ok(r) => r,
                Err(e) => {
                    eprintln!("error: cannot start the async runtime: {e}");
                    return ExitCode::FAILURE;
                }
            };
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::bind(&addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("error: cannot listen on {addr}: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                let bound = match listener.local_addr() {
                    Ok(bound) => bound,
                    Err(e) => {
                        eprintln!("error: {e}");
                        return ExitCode::FAILURE;
                    }
                };
                println!("listening on http://{bound}");
                use std::io::Write as _;
                let _ = std::io::stdout().flush();
                init_logging();
                if !bound.ip().is_loopback() {
                    eprintln!(
                        "warning: listening on {bound}, reachable from other machines: the emulator's demo \
                         credentials and its control API (/_emulator/) are open to them"
                    );
                }
                match emulator.serve(listener).await {
                    Ok(()) => ExitCode::SUCCESS,
                    Err(e) => {
                        eprintln!("error: {e}");
                        ExitCode::FAILURE
                    }
                }
            })
        }
        Command::Import(args) => match import::run(&args) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(validate::InputError(message)) => {
                eprintln!("error: {message}");
                ExitCode::from(2)
            }
        },
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
