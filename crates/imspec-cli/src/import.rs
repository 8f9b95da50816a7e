//! `imspec import <api> GRAPH`: the command line of `imspec-import`. It reads the flags,
//! starts an embedded emulator when no endpoint is given, turns Ctrl-C into the import's
//! cancellation, draws progress (a bar on a terminal, a plain line every few seconds
//! otherwise), prints the summary and maps the result to an exit code.

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use imspec_import::{Counts, Event, Format, Graph, Import, Summary};

use crate::validate::{InputError, find};

/// What `imspec import` was asked.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[arg(help = crate::api_help())]
    pub api: String,
    /// The graph: JSONL, or CSV with a header row (by extension, or --format).
    pub graph: PathBuf,
    /// `jsonl` or `csv`.
    #[arg(long)]
    pub format: Option<String>,
    /// The journal (SQLite); default GRAPH.journal. Not with the embedded emulator, whose
    /// journal is temporary (the service lives only as long as the run).
    #[arg(long)]
    pub journal: Option<PathBuf>,
    /// Write one JSON line per input edge: line, requester, user, outcome, code.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Credentials (TOML); the built-in demo file when absent.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Base URL of the service; an embedded emulator when absent.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// A path/query parameter or a request-level body field for every call (`AddType=...`).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Register every requester and target first (already registered is fine). Fields the
    /// register API requires besides the id (Easemob's `password`) come from the requester's
    /// lines (a column of that name), else are generated and listed in JOURNAL.users.jsonl.
    #[arg(long)]
    pub register: bool,
    /// Check every added edge afterwards: one the service does not hold is `not_held`.
    #[arg(long)]
    pub verify: bool,
    /// Verify, send again every edge the service does not hold, and verify again.
    #[arg(long)]
    pub repair: bool,
    /// Before sending, ask the service which edges it holds already: those are
    /// `already_friends` and not sent, so the journal knows what the import created.
    #[arg(long)]
    pub check_first: bool,
    /// Remove exactly the relations this journal's import created, with the vendor's remove
    /// API (journaled in JOURNAL.undo, resumable); with --verify, check none is held after.
    #[arg(long)]
    pub undo: bool,
    /// With --undo: remove every edge recorded `added`, even where the journal cannot tell
    /// whether the service held it before the import.
    #[arg(long)]
    pub force: bool,
    /// Validate every line and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Start over: discard the journal (with --undo: the undo's journal).
    #[arg(long)]
    pub restart: bool,
    /// Fraction of the documented rate kept in reserve (default 0.10).
    #[arg(long)]
    pub margin: Option<f64>,
    /// Calls in flight at once (pacing still bounds the rate).
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Keep the journal in memory (no resume; measures the journal's cost).
    #[arg(long)]
    pub no_journal: bool,
    /// Benchmarks only, against an emulator with rate limits off: no pacing at all.
    #[arg(long, hide = true)]
    pub unpaced: bool,
    /// Benchmarks only: record no outcome while sending (the journal's cost, measured).
    #[arg(long, hide = true)]
    pub bench_skip_writes: bool,
}

/// Runs the import and prints its summary; `Ok(true)` when it did all it was asked (exit 0),
/// `Ok(false)` when some edge did not succeed or it was interrupted (exit 1).
pub fn run(args: &Args) -> Result<bool, InputError> {
    let entry = find(&args.api)?;
    // What is wrong with the request is told before what is wrong with its files, and both
    // before anything starts: the API, the options, the parameters, the format, the config.
    let format = args.format.as_deref().map(Format::named).transpose();
    let graph = match format {
        Ok(Some(format)) => Graph::file_as(&args.graph, format),
        _ => Graph::file(&args.graph),
    };
    let drawing = Drawing::new();
    let mut import = Import::new(entry, graph)
        .params(args.params.iter().cloned())
        .register(args.register)
        .verify(args.verify)
        .repair(args.repair)
        .check_first(args.check_first)
        .undo(args.undo)
        .force(args.force)
        .dry_run(args.dry_run)
        .restart(args.restart)
        .concurrency(args.concurrency)
        .in_memory_journal(args.no_journal)
        .unpaced(args.unpaced)
        .skip_writes_for_benchmarks(args.bench_skip_writes)
        .on_event(move |event| drawing.draw(event));
    import.check().map_err(|e| InputError(e.0))?;
    format.map_err(InputError)?;
    let config = crate::config::load(args.config.as_deref()).map_err(|e| InputError(e.to_string()))?;
    import = import.credentials(config.clone());
    import.check().map_err(|e| InputError(e.0))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the async runtime: {e}")))?;
    let (base, embedded) = runtime.block_on(crate::send::endpoint(&config, args.endpoint.as_deref()))?;
    if embedded.is_some() && args.journal.is_some() {
        return Err(InputError(
            "--journal keeps answers for a rerun, but the embedded emulator lives only as long as this run: \
             no rerun could trust them. Run `imspec emulator` and give --endpoint URL to keep a journal"
                .to_owned(),
        ));
    }
    if embedded.is_some() && args.undo {
        return Err(InputError(
            "--undo removes what an import created in a service, but the embedded emulator of that import is gone \
             with its run; give --endpoint URL of the service the import was made against"
                .to_owned(),
        ));
    }
    import = import.endpoint(base);
    if let Some(margin) = args.margin {
        import = import.margin(margin);
    }
    if let Some(report) = &args.report {
        import = import.report(report);
    }
    import = match (&args.journal, embedded.is_some()) {
        (Some(journal), _) => import.journal(journal),
        (None, true) => import.temporary_journal(),
        (None, false) => import,
    };
    let cancel = tokio_util::sync::CancellationToken::new();
    let on_interrupt = cancel.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
            eprintln!(
                "interrupted: finishing the calls in flight and recording their outcomes; nothing new is sent \
                 (Ctrl-C again stops at once; a rerun goes on either way)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let summary: Summary = runtime.block_on(import.run(cancel)).map_err(|e| InputError(e.0))?;
    println!("{}", summary.to_json());
    drop(embedded);
    Ok(summary.succeeded)
}

/// Progress on standard error: a bar on a terminal (edges done / total, edges/s, ETA,
/// failures), a new one for each round of sending; otherwise a plain line every few seconds
/// while sending, answers or not. Warnings and notices as lines.
struct Drawing {
    terminal: bool,
    round: Arc<Mutex<Round>>,
}

/// The round of sending being drawn.
#[derive(Default)]
struct Round {
    bar: Option<indicatif::ProgressBar>,
    /// The counts so far and when sending began; `None` between rounds.
    counts: Option<(Counts, Instant)>,
    /// Which round this is: a plain-line ticker stops when its round has ended.
    number: u64,
}

/// Seconds between plain lines.
const EVERY: Duration = Duration::from_secs(5);

impl Drawing {
    fn new() -> Drawing {
        Drawing { terminal: std::io::stderr().is_terminal(), round: Arc::default() }
    }

    fn draw(&self, event: &Event) {
        let mut round = self.round.lock().unwrap_or_else(|p| p.into_inner());
        match event {
            Event::Warning(w) => eprintln!("warning: {w}"),
            Event::Notice(n) => eprintln!("{n}"),
            Event::Sending { total } => {
                round.number += 1;
                round.counts =
                    Some((Counts { done: 0, total: *total, failed: 0, elapsed: Duration::ZERO }, Instant::now()));
                if self.terminal {
                    round.bar = Some(bar(*total));
                } else if *total > 0 {
                    tokio::spawn(tick(Arc::downgrade(&self.round), round.number));
                }
            }
            Event::Progress(c) => {
                if let Some(bar) = &round.bar {
                    bar.set_position(c.done);
                    if c.failed > 0 {
                        bar.set_message(format!("{} not added", c.failed));
                    }
                }
                if let Some((counts, _)) = &mut round.counts {
                    *counts = *c;
                }
            }
            Event::Sent(_) => {
                if let Some(bar) = round.bar.take() {
                    bar.finish_and_clear();
                }
                round.counts = None;
            }
            _ => {}
        }
    }
}

fn bar(total: u64) -> indicatif::ProgressBar {
    let style = indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} edges  {per_sec}  ETA {eta}  {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    indicatif::ProgressBar::new(total).with_style(style)
}

/// Prints round `number`'s plain line every few seconds until it ends.
async fn tick(round: Weak<Mutex<Round>>, number: u64) {
    loop {
        tokio::time::sleep(EVERY).await;
        let Some(round) = round.upgrade() else { return };
        let round = round.lock().unwrap_or_else(|p| p.into_inner());
        let Some((counts, started)) = round.counts.filter(|_| round.number == number) else { return };
        eprintln!("{}", line(&Counts { elapsed: started.elapsed(), ..counts }));
    }
}

fn line(c: &Counts) -> String {
    let eta = c.eta().map_or_else(|| "?".to_owned(), |d| format!("{:.0} s", d.as_secs_f64()));
    format!("import: {}/{} edges, {:.1} edges/s, ETA {eta}, {} not added", c.done, c.total, c.rate(), c.failed)
}
