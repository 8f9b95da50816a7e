//! The import as a library: a whole friend graph into a vendor — every edge journaled,
//! resumable after a crash, reconciled where an answer was lost, verified, repaired and undone
//! on request, and bound to the service that gave its answers. `imspec import` is one face of
//! it; any async program can run it:
//!
//! ```no_run
//! # async fn demo(config: imspec_runtime::Config) -> Result<(), imspec_import::ImportError> {
//! let api = imspec::api("zego_zim/add_friends").expect("in the registry");
//! let cancel = tokio_util::sync::CancellationToken::new();
//! let summary = imspec_import::Import::new(api, imspec_import::Graph::file("graph.jsonl"))
//!     .endpoint("http://127.0.0.1:8080")
//!     .credentials(config)
//!     .margin(0.02)
//!     .register(true)
//!     .verify(true)
//!     .run(cancel)
//!     .await?;
//! assert!(summary.succeeded, "{}", summary.to_json());
//! # Ok(()) }
//! ```
//!
//! The run: identify the service (its endpoint and, for an emulator, its instance) → load the
//! graph into the journal (validating each line) or reopen the journal made against that
//! service → reconcile edges whose answer was lost (the vendor's check API, else its list API)
//! → send again what a transport failure kept from the service → register the users → check
//! first → send the pending edges, grouped by requester and chunked to the batch maximum, many
//! requesters in flight under one pacer → verify (repair: send what the service does not hold,
//! verify again) → the [`Summary`]. An undo runs the same phases with the vendor's remove API
//! over what the import created (`undo.rs`). Every phase walks the journal a page at a time
//! with many calls in flight, and cancelling the token ends it gracefully (what is in flight
//! finishes and is recorded; nothing new is sent; a rerun goes on).

mod input;
mod journal;
mod lock;
mod phases;
mod progress;
mod register;
mod service;
mod shape;
mod summary;
mod undo;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use imspec::runtime::{ApiEntry, ClientOptions, Config, Pacing, VendorClient};
use imspec_runtime::{Direction, Operation, Outcome};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use input::Format;
use journal::{Fingerprint, Journal, Loaded, Row, Settled, Shared, Word};
use phases::{Asker, Mark, Notes, Phase};
pub use progress::{Counts, Event, Observer};
use service::Service;
use shape::Fixed;
pub use summary::{CheckedFirst, PhaseTime, Reconciled, Repaired, Summary, Verified};

/// Why an import could not run (or stopped): unreadable input, config or journal, a journal
/// made for another run, a service that cannot be reached. Outcomes of edges are never errors:
/// they are in the [`Summary`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError(pub String);

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ImportError {}

/// Lines validated per handoff to the journal during the load, and handoffs queued at most.
const LOAD_BATCH: usize = 1024;
const LOAD_BATCHES: usize = 4;

/// A re-readable source of graph lines held by the program.
type Lines = Arc<dyn Fn() -> Box<dyn Iterator<Item = Map<String, Value>> + Send> + Send + Sync>;

/// The friend graph: a file (JSONL, or CSV with a header row), or lines a program holds — one
/// JSON object per edge, keyed as a JSONL file's lines are.
#[derive(Clone)]
pub struct Graph(Source);

#[derive(Clone)]
enum Source {
    File { path: PathBuf, format: Option<Format> },
    Lines(Lines),
}

impl std::fmt::Debug for Graph {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Source::File { path, format } => {
                f.debug_struct("Graph").field("path", path).field("format", format).finish()
            }
            Source::Lines(_) => f.write_str("Graph(lines)"),
        }
    }
}

impl Graph {
    /// A graph file; its format by extension (`.csv`; anything else is JSONL).
    pub fn file(path: impl Into<PathBuf>) -> Graph {
        Graph(Source::File { path: path.into(), format: None })
    }

    /// A graph file in `format`, whatever its extension.
    pub fn file_as(path: impl Into<PathBuf>, format: Format) -> Graph {
        Graph(Source::File { path: path.into(), format: Some(format) })
    }

    /// Lines a program holds, each one edge as a JSONL line would be. `lines` is called once
    /// to fingerprint the graph and once more to load it, so a resumed import can tell it is
    /// the same graph; line numbers in the report count from 1.
    pub fn lines<I>(lines: impl Fn() -> I + Send + Sync + 'static) -> Graph
    where
        I: IntoIterator<Item = Map<String, Value>>,
        I::IntoIter: Send + 'static,
    {
        Graph(Source::Lines(Arc::new(move || Box::new(lines().into_iter()))))
    }

    /// How the graph is named in messages.
    fn name(&self) -> String {
        match &self.0 {
            Source::File { path, .. } => path.display().to_string(),
            Source::Lines(_) => "the graph".to_owned(),
        }
    }

    fn format(&self) -> Format {
        match &self.0 {
            Source::File { path, format } => format.unwrap_or_else(|| Format::of(path)),
            Source::Lines(_) => Format::Jsonl,
        }
    }

    /// The SHA-256 of the graph, for the journal's fingerprint: of a file's bytes, of the
    /// lines' JSON text.
    fn digest(&self) -> Result<String, ImportError> {
        match &self.0 {
            Source::File { path, .. } => input::digest(path).map_err(ImportError),
            Source::Lines(lines) => Ok(input::digest_lines(lines())),
        }
    }

    fn records(&self) -> Result<(input::Records, Format), ImportError> {
        let format = self.format();
        let records = match &self.0 {
            Source::File { path, .. } => input::records(path, format).map_err(ImportError)?,
            Source::Lines(lines) => Box::new(lines().zip(1u64..).map(|(line, n)| (n, Ok(line)))),
        };
        Ok((records, format))
    }
}

/// Where the journal is kept.
#[derive(Debug, Clone, Default)]
enum JournalAt {
    /// Beside a graph file: `GRAPH.journal`.
    #[default]
    BesideGraph,
    Path(PathBuf),
    /// In a temporary directory removed when the run ends: for a service that lives only as
    /// long as the run (an embedded emulator), whose answers no rerun could trust.
    Temporary,
}

/// What a run is asked besides its API, graph, endpoint and credentials.
#[derive(Debug, Clone)]
struct Options {
    journal: JournalAt,
    in_memory: bool,
    report: Option<PathBuf>,
    params: Vec<String>,
    register: bool,
    verify: bool,
    repair: bool,
    check_first: bool,
    undo: bool,
    force: bool,
    dry_run: bool,
    restart: bool,
    margin: Option<f64>,
    concurrency: usize,
    unpaced: bool,
    skip_writes: bool,
    observer: Observer,
}

/// An import to run: built with the methods below, run with [`Import::run`].
#[derive(Debug, Clone)]
#[must_use = "an import does nothing until it is run"]
pub struct Import {
    entry: &'static ApiEntry,
    graph: Graph,
    endpoint: Option<String>,
    config: Option<Config>,
    options: Options,
}

impl Import {
    /// An import of `graph` with `api`, an add API of the registry (`imspec::api(id)`).
    pub fn new(api: &'static ApiEntry, graph: Graph) -> Import {
        Import {
            entry: api,
            graph,
            endpoint: None,
            config: None,
            options: Options {
                journal: JournalAt::default(),
                in_memory: false,
                report: None,
                params: Vec::new(),
                register: false,
                verify: false,
                repair: false,
                check_first: false,
                undo: false,
                force: false,
                dry_run: false,
                restart: false,
                margin: None,
                concurrency: 32,
                unpaced: false,
                skip_writes: false,
                observer: Observer::default(),
            },
        }
    }

    /// The service's base URL (required).
    pub fn endpoint(mut self, url: impl Into<String>) -> Import {
        self.endpoint = Some(url.into());
        self
    }

    /// The credentials and settings (required): the vendor's section signs the calls.
    pub fn credentials(mut self, config: Config) -> Import {
        self.config = Some(config);
        self
    }

    /// The journal (SQLite); `GRAPH.journal` beside a graph file by default. A graph of lines
    /// needs one named (or [`Import::temporary_journal`]).
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Import {
        self.options.journal = JournalAt::Path(path.into());
        self
    }

    /// A journal in a temporary directory, gone when the run ends: for a service that lives
    /// only as long as the run. No rerun resumes it.
    pub fn temporary_journal(mut self) -> Import {
        self.options.journal = JournalAt::Temporary;
        self
    }

    /// Keep the journal in memory: no resume (measures the journal's cost).
    pub fn in_memory_journal(mut self, on: bool) -> Import {
        self.options.in_memory = on;
        self
    }

    /// Write one JSON line per input edge here: line, requester, user, outcome, code.
    pub fn report(mut self, path: impl Into<PathBuf>) -> Import {
        self.options.report = Some(path.into());
        self
    }

    /// A path/query parameter or a request-level body field for every call (`AddType`).
    pub fn param(mut self, name: &str, value: &str) -> Import {
        self.options.params.push(format!("{name}={value}"));
        self
    }

    /// `NAME=VALUE` parameters, as [`Import::param`] takes them one at a time.
    pub fn params(mut self, given: impl IntoIterator<Item = String>) -> Import {
        self.options.params.extend(given);
        self
    }

    /// Register every requester and target first (already registered is fine). Fields the
    /// register API requires besides the id (Easemob's `password`) come from the requester's
    /// lines (a key of that name), else are generated and listed in `JOURNAL.users.jsonl`.
    pub fn register(mut self, on: bool) -> Import {
        self.options.register = on;
        self
    }

    /// Check every added edge afterwards: one the service does not hold is `not_held`.
    pub fn verify(mut self, on: bool) -> Import {
        self.options.verify = on;
        self
    }

    /// Verify, send again every edge the service does not hold, and verify again.
    pub fn repair(mut self, on: bool) -> Import {
        self.options.repair = on;
        self
    }

    /// Before sending, ask the service which edges it holds already: those are
    /// `already_friends` and not sent, so the journal knows what the import created.
    pub fn check_first(mut self, on: bool) -> Import {
        self.options.check_first = on;
        self
    }

    /// Remove exactly the relations this journal's import created, with the vendor's remove
    /// API (journaled in `JOURNAL.undo`, resumable); with verify, check none is held after.
    pub fn undo(mut self, on: bool) -> Import {
        self.options.undo = on;
        self
    }

    /// With undo: remove every edge recorded `added`, even where the journal cannot tell
    /// whether the service held it before the import.
    pub fn force(mut self, on: bool) -> Import {
        self.options.force = on;
        self
    }

    /// Validate every line and send nothing.
    pub fn dry_run(mut self, on: bool) -> Import {
        self.options.dry_run = on;
        self
    }

    /// Start over: discard the journal (with undo: the undo's journal).
    pub fn restart(mut self, on: bool) -> Import {
        self.options.restart = on;
        self
    }

    /// Fraction of the documented rate kept in reserve (the runtime's default when not given).
    pub fn margin(mut self, margin: f64) -> Import {
        self.options.margin = Some(margin);
        self
    }

    /// Calls in flight at once (default 32; pacing still bounds the rate).
    pub fn concurrency(mut self, calls: usize) -> Import {
        self.options.concurrency = calls.max(1);
        self
    }

    /// Told what the import is doing, as [`Event`]s.
    pub fn on_event(mut self, observer: impl Fn(&Event) + Send + Sync + 'static) -> Import {
        self.options.observer = Observer::new(observer);
        self
    }

    /// Benchmarks only, against an emulator with rate limits off: no pacing at all.
    #[doc(hidden)]
    pub fn unpaced(mut self, on: bool) -> Import {
        self.options.unpaced = on;
        self
    }

    /// Benchmarks only: record no outcome while sending (the journal's cost, measured).
    #[doc(hidden)]
    pub fn skip_writes_for_benchmarks(mut self, on: bool) -> Import {
        self.options.skip_writes = on;
        self
    }

    /// Checks what needs neither the service nor the graph: that the API adds friends (in
    /// batches, or one a call), that the options go together, the parameters and — once credentials are given —
    /// that they hold what the vendor's auth needs. [`Import::run`] checks the same first; a
    /// caller checks earlier to refuse a wrong request before starting what the import needs.
    pub fn check(&self) -> Result<(), ImportError> {
        self.checked().map(|_| ())
    }

    /// What [`Import::check`] checks, and what it found: the fixed parameters and, with
    /// credentials, the app's identity (for the journal's fingerprint).
    fn checked(&self) -> Result<(Fixed, Option<String>), ImportError> {
        let entry = self.entry;
        if entry.info.operation != Operation::Add {
            let adds: Vec<&str> =
                imspec::apis().iter().filter(|a| a.info.operation == Operation::Add).map(|a| a.info.id).collect();
            return Err(ImportError(format!(
                "`{}` does not add friends; import into one of: {}",
                entry.info.id,
                adds.join(", ")
            )));
        }
        refuse_combinations(&self.options)?;
        let fixed = Fixed::parse(entry, &self.options.params).map_err(ImportError)?;
        let app = match &self.config {
            Some(config) => {
                let section = config.vendor(entry.info.vendor.id).map_err(|e| ImportError(e.to_string()))?;
                let credentials =
                    section.credentials(&entry.info.vendor.auth).map_err(|e| ImportError(e.to_string()))?;
                Some(credentials.app_identity(entry, &section.texts()))
            }
            None => None,
        };
        Ok((fixed, app))
    }

    /// Runs the import (or the undo) to its end, or until `cancel` is cancelled: then the
    /// calls in flight finish and are recorded, nothing new is sent, and the summary says
    /// `interrupted`; a rerun on the same journal goes on from there. Runs on the caller's
    /// tokio runtime (the journal's writes on a thread of their own).
    pub async fn run(self, cancel: CancellationToken) -> Result<Summary, ImportError> {
        let (fixed, app) = self.checked()?;
        let Import { entry, graph, endpoint, config, options: args } = self;
        let (Some(base), Some(config), Some(app)) = (endpoint, config, app) else {
            return Err(ImportError("an import needs an endpoint and credentials".to_owned()));
        };
        let target = target(&args, &graph, &base, &cancel).await?;
        let _lock = if args.in_memory { None } else { Some(lock::take(&target.journal)?) };
        let digest = {
            let graph = graph.clone();
            blocking(move || graph.digest()).await?
        };
        let fingerprint = Fingerprint {
            input: digest,
            api: entry.info.id.to_owned(),
            app,
            params: fixed.canonical(),
            service: target.service.endpoint.clone(),
            instance: target.service.instance.clone().unwrap_or_default(),
        };
        let mut options = ClientOptions::default();
        // The import gathers items refused with a retryable code into full calls of its own (a
        // pass per phase) instead of retrying them in calls of a few.
        options.retry.items = false;
        options.pacing =
            Pacing { margin: args.margin.unwrap_or(options.pacing.margin), unpaced: args.unpaced, ..options.pacing };
        options.cancel = cancel;
        let client = VendorClient::at(entry.info.vendor, &config, &base, options)
            .map_err(|e| ImportError(format!("--endpoint: {e}")))?;
        if args.undo {
            return undo::run(entry, &fixed, &client, &target.journal, &fingerprint, &args).await;
        }
        let journal = {
            let (path, args, fixed, graph, fingerprint) =
                (target.journal.clone(), args.clone(), fixed.clone(), graph.clone(), fingerprint.clone());
            blocking(move || open_or_load(&path, &args, entry, &fixed, &graph, &fingerprint)).await?
        };
        if journal.open_run()? {
            args.observer.emit(Event::Warning(format!(
                "journal {}: its write-ahead log is gone since a run that did not end cleanly: \
                 the outcomes recorded after its last checkpoint are lost, and those edges will be reconciled or sent again",
                target.journal.display()
            )));
        }
        let shared = Arc::new(Shared::new(journal, args.skip_writes));
        let started = Instant::now();
        let mut notes = Notes::default();
        if !args.dry_run {
            import(entry, &fixed, &client, &shared, &args, target.temporary.is_some(), &mut notes).await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let journal = Shared::into_journal(shared).map_err(ImportError)?;
        let summary = finish(entry, &journal, &client, &args, &graph, elapsed, &notes, target.temporary.is_some())?;
        journal.close_run()?;
        Ok(summary)
    }
}

/// Where the journal is, and the service it is bound to.
struct Target {
    journal: PathBuf,
    service: Service,
    /// A temporary journal lives in a directory removed when the run ends.
    temporary: Option<tempfile::TempDir>,
}

/// Options that do not go together.
fn refuse_combinations(args: &Options) -> Result<(), ImportError> {
    let given =
        |pairs: &[(bool, &'static str)]| pairs.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>();
    if args.undo {
        let other = given(&[
            (args.repair, "--repair"),
            (args.check_first, "--check-first"),
            (args.register, "--register"),
            (args.dry_run, "--dry-run"),
            (args.in_memory, "--no-journal"),
        ]);
        if !other.is_empty() {
            return Err(ImportError(format!("--undo does not go with {}", other.join(", "))));
        }
    } else if args.force {
        return Err(ImportError("--force goes with --undo only".to_owned()));
    }
    if args.dry_run && (args.repair || args.verify || args.check_first || args.register) {
        return Err(ImportError(
            "--dry-run sends nothing: it does not go with --register, --check-first, --verify or --repair".to_owned(),
        ));
    }
    Ok(())
}

/// The journal's path and the service it is bound to. A temporary journal (and a dry run's,
/// which sends nothing and keeps nothing) lives in a directory removed when the run ends. The
/// path is settled before the service is asked, and the asking ends when `cancel` is.
async fn target(args: &Options, graph: &Graph, base: &str, cancel: &CancellationToken) -> Result<Target, ImportError> {
    let path = match (&args.journal, &graph.0) {
        _ if args.dry_run => None,
        (JournalAt::Temporary, _) => None,
        (JournalAt::Path(p), _) => Some(p.clone()),
        (JournalAt::BesideGraph, Source::File { path, .. }) => {
            let mut p = path.clone().into_os_string();
            p.push(".journal");
            Some(PathBuf::from(p))
        }
        // A journal kept in memory needs no file: only the users' generated fields do.
        (JournalAt::BesideGraph, Source::Lines(_)) if args.in_memory => None,
        (JournalAt::BesideGraph, Source::Lines(_)) => {
            return Err(ImportError(
                "a graph of lines has no file to keep its journal beside: name a journal, or use a temporary one"
                    .to_owned(),
            ));
        }
    };
    let service = if args.dry_run {
        Service { endpoint: service::normalise(base)?, instance: None }
    } else {
        tokio::select! {
            service = service::identify(base) => service?,
            () = cancel.cancelled() => {
                return Err(ImportError("interrupted before anything was sent".to_owned()));
            }
        }
    };
    match path {
        Some(journal) => Ok(Target { journal, service, temporary: None }),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("imspec-import-")
                .tempdir()
                .map_err(|e| ImportError(format!("cannot make a temporary journal: {e}")))?;
            Ok(Target { journal: dir.path().join("graph.journal"), service, temporary: Some(dir) })
        }
    }
}

/// Runs `work` (reading or hashing the graph, loading the journal: seconds of disk and CPU
/// for a large graph) on a thread for blocking work, off the caller's async tasks.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ImportError> + Send + 'static,
) -> Result<T, ImportError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| ImportError(format!("the graph's reader stopped: {e}")))?
}

/// The journal made for this run (same input, API, app, parameters and service), or a new
/// one loaded from the graph; one made for another run is refused, naming what differs.
fn open_or_load(
    path: &Path,
    args: &Options,
    entry: &'static ApiEntry,
    fixed: &Fixed,
    graph: &Graph,
    fingerprint: &Fingerprint,
) -> Result<Journal, ImportError> {
    if args.restart && !args.in_memory {
        // Only a journal is discarded: another file at that path is refused, never removed.
        drop(Journal::probe(path)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let existing = if args.in_memory { None } else { Journal::open_existing(path)? };
    match existing {
        Some(journal) => {
            refuse_other(&journal, fingerprint)?;
            Ok(journal)
        }
        None => load(path, args.in_memory, entry, fixed, graph, fingerprint),
    }
}

/// Refuses a journal made for another run, naming each part that differs (the service in
/// words: another endpoint, or an emulator restarted or reset since).
fn refuse_other(journal: &Journal, fingerprint: &Fingerprint) -> Result<(), ImportError> {
    let Err(differs) = journal.check_fingerprint(fingerprint) else { return Ok(()) };
    let mut why: Vec<String> = Vec::new();
    let service_differs = differs.iter().any(|d| d.part == "service" || d.part == "emulator instance");
    for d in differs.iter().filter(|d| d.part != "service" && d.part != "emulator instance") {
        why.push(format!("its {} differs", d.part));
    }
    if service_differs {
        let then = Service {
            endpoint: journal.fingerprint("service")?,
            instance: Some(journal.fingerprint("emulator instance")?).filter(|i| !i.is_empty()),
        };
        let now = Service {
            endpoint: fingerprint.service.clone(),
            instance: Some(fingerprint.instance.clone()).filter(|i| !i.is_empty()),
        };
        why.push(service::differs(&then, &now));
    }
    Err(ImportError(format!(
        "journal {} was made for another run: {} (rerun with --restart to start over, or give --journal another file)",
        journal.path.display(),
        why.join("; ")
    )))
}

/// Loads the graph into a new journal: each line validated as a one-edge request; invalid
/// lines settle as `invalid` with the vendor's code and are never sent.
fn load(
    path: &Path,
    in_memory: bool,
    entry: &'static ApiEntry,
    fixed: &Fixed,
    graph: &Graph,
    fingerprint: &Fingerprint,
) -> Result<Journal, ImportError> {
    let (records, format) = graph.records()?;
    let key = shape::requester_key(entry);
    let schema_code = entry.info.schema_error_code.to_string();
    // Columns naming what the vendor's register item requires besides the id (Easemob's
    // `password`) carry the requester's registration: kept for `--register`, never sent in an
    // add item.
    let register = shape::register_api(entry).map(|reg| (reg, shape::required_fields(reg)));
    let exclude: Vec<String> =
        key.map(str::to_owned).into_iter().chain(register.iter().flat_map(|(_, f)| f.iter().cloned())).collect();
    let rows = records.map(move |(line, record)| {
        let invalid = |requester: String, user: String, reason: String, code: String| {
            let row = Row { line, requester, user, item: String::new(), fixed: String::new() };
            let settled = Settled { outcome: Outcome::Invalid.into(), code: Some(code), reason: Some(reason) };
            Ok(Loaded { row, settled: Some(settled), registration: None })
        };
        let record = match record {
            Ok(r) => r,
            Err(why) => return invalid(String::new(), String::new(), why, schema_code.clone()),
        };
        let requester = key.and_then(|k| record.get(k)).map(text).unwrap_or_default();
        // An id is a string: a number there is refused, never turned into text silently.
        if let Some((k, v)) = key.and_then(|k| record.get(k).map(|v| (k, v))).filter(|(_, v)| !v.is_string()) {
            let why = format!("`{k}` is {}, not a string: ids are strings (write \"{}\")", input::kind(v), text(v));
            return invalid(requester, String::new(), why, schema_code.clone());
        }
        let attempt = |record: &serde_json::Map<String, Value>| {
            let item = shape::item_of(entry, record, &exclude)?;
            shape::overrides_nothing(entry, fixed, &item)?;
            let user = entry.info.user_of(&item);
            let (body, params) = shape::request(entry, fixed, key.map(|_| requester.as_str()), vec![item.clone()]);
            Ok::<_, String>((item, user, shape::violations(entry, &body, &params)))
        };
        let mut outcome = attempt(&record);
        if format == input::Format::Csv && outcome.as_ref().is_ok_and(|(_, _, v)| !v.is_empty()) {
            let typed = attempt(&input::typed_cells(&record));
            if typed.as_ref().is_ok_and(|(_, _, v)| v.is_empty()) {
                outcome = typed;
            }
        }
        match outcome {
            Err(why) => invalid(requester, String::new(), why, schema_code.clone()),
            Ok((_, user, _)) if key.is_some_and(|k| !record.contains_key(k)) => {
                let why = format!("the line has no `{}`", key.unwrap_or_default());
                invalid(requester, user, why, schema_code.clone())
            }
            Ok((_, user, v)) if !v.is_empty() => {
                let why = v.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("; ");
                invalid(requester, user, why, v[0].code.to_string())
            }
            Ok((item, user, _)) => {
                let registration = register.as_ref().and_then(|(reg, fields)| {
                    let mut reg_item = shape::bare_item(reg, &requester);
                    let obj = reg_item.as_object_mut()?;
                    for f in fields {
                        obj.insert(f.clone(), record.get(f)?.clone());
                    }
                    Some(reg_item.to_string())
                });
                let row = Row { line, requester, user, item: item.to_string(), fixed: String::new() };
                Ok(Loaded { row, settled: None, registration })
            }
        }
    });
    // Lines are read and validated on a thread of their own while the journal takes them in
    // (two cores, two halves of the work).
    pipelined(rows, |lines| Ok(Journal::create(path, in_memory, fingerprint, lines)?))
}

/// Runs `rows` on a thread of its own, handing them over in batches (few handoffs; a bounded
/// channel, so memory stays flat) to `take` on this one. The producer says when it is done:
/// when it dies instead, `take` gets an error as its last item (a load fails, never leaves a
/// journal without the rest of the file); when `take` stops early, the producer stops too.
fn pipelined<T: Send, R>(
    rows: impl Iterator<Item = Result<T, String>> + Send,
    take: impl FnOnce(&mut dyn Iterator<Item = Result<T, String>>) -> R,
) -> R {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Option<Vec<Result<T, String>>>>(LOAD_BATCHES);
        scope.spawn(move || {
            let mut batch = Vec::with_capacity(LOAD_BATCH);
            for row in rows {
                batch.push(row);
                if batch.len() == LOAD_BATCH
                    && tx.send(Some(std::mem::replace(&mut batch, Vec::with_capacity(LOAD_BATCH)))).is_err()
                {
                    return;
                }
            }
            if tx.send(Some(batch)).is_ok() {
                let _ = tx.send(None);
            }
        });
        let ended = std::cell::Cell::new(false);
        let mut items = rx
            .iter()
            .map_while(|batch| {
                ended.set(batch.is_none());
                batch
            })
            .flatten()
            .chain(std::iter::from_fn(|| {
                (!ended.replace(true)).then(|| Err("the reader of the graph stopped".to_owned()))
            }));
        take(&mut items)
    })
}

fn text(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// The import's phases against the service.
async fn import(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    journal: &Arc<Shared>,
    args: &Options,
    temporary: bool,
    notes: &mut Notes,
) -> Result<(), ImportError> {
    let direction = add_direction(entry, fixed);
    let observer = &args.observer;
    let phase = Phase {
        entry,
        fixed,
        client,
        journal,
        workers: args.concurrency.max(1),
        asker: Asker::of(entry, direction),
        observer,
    };
    let stopped = || client.is_cancelled();
    // Reconciling clears the dispatched mark a crash left; then what a transport failure kept
    // from the service is pending again (sent, not checked).
    phase.reconcile(notes).await?;
    journal.lock().retry_transport_failures()?;
    if args.register && !stopped() && !journal.lock().flag("registered")? {
        observer.emit(Event::Phase("register"));
        let mark = Mark::start(client);
        let (listed, list) = register::register(entry, client, journal, phase.workers).await?;
        if let Some(reg) = shape::register_api(entry) {
            let max = reg.per_call(&[]);
            notes.phase("register", mark, client, phases::floor_s(reg, journal.lock().user_count()?.div_ceil(max)));
        }
        if listed > 0 && !temporary {
            observer
                .emit(Event::Notice(format!("{listed} registered users' generated fields are in {}", list.display())));
        }
        if !stopped() {
            journal.lock().set_meta("registered", "1")?;
        }
    }
    if args.check_first && !stopped() {
        if !phase.asker.can_ask() {
            return Err(ImportError(format!(
                "--check-first: {} has no check or list API to ask",
                entry.info.vendor.id
            )));
        }
        observer.emit(Event::Phase("check_first"));
        let (mark, floor) = (Mark::start(client), phase.asker.floor_s(journal, &journal::Edges::Unchecked)?);
        phase.check_first(direction, notes).await?;
        notes.phase("check_first", mark, client, floor);
    }
    observer.emit(Event::Phase("send"));
    let (mark, floor) = (Mark::start(client), send_floor_s(entry, journal)?);
    phase.send_all(notes).await?;
    notes.phase("send", mark, client, floor);
    if (args.verify || args.repair) && !stopped() {
        observer.emit(Event::Phase("verify"));
        let (mark, floor) = (Mark::start(client), phase.asker.floor_s(journal, &verified_edges(entry))?);
        notes.verified = Some(phase.verify().await?);
        notes.phase("verify", mark, client, floor);
        if args.repair && !stopped() {
            let again = journal.lock().requeue_not_held()?;
            notes.repaired = Some(again);
            if again > 0 {
                phase.send_all(notes).await?;
                if !stopped() {
                    notes.verified = Some(phase.verify().await?);
                }
            }
        }
    }
    Ok(())
}

/// The edges verification asks about: those answered as done.
fn verified_edges(entry: &ApiEntry) -> journal::Edges {
    let op = entry.info.operation;
    journal::Edges::Settled(
        [Some(Outcome::done(op)), Outcome::already(op)].into_iter().flatten().map(Word::from).collect(),
    )
}

/// The fewest seconds sending what is pending takes at the documented rate (a call carries
/// one requester, up to the batch maximum).
fn send_floor_s(entry: &ApiEntry, journal: &Shared) -> Result<f64, ImportError> {
    let max = entry.per_call(&[]);
    let mut calls = 0;
    journal.lock().sizes_of(&journal::Edges::Pending, |n| calls += n.div_ceil(max))?;
    Ok(phases::floor_s(entry, calls))
}

/// The direction the import adds in: the add API's direction field as `--param` sets it, else
/// the API's own.
fn add_direction(entry: &ApiEntry, fixed: &Fixed) -> Direction {
    entry.info.relation.as_ref().map_or(Direction::OneWay, |r| r.direction_of(&Value::Object(fixed.fields.clone())))
}

/// The report file and the summary.
#[allow(clippy::too_many_arguments)]
fn finish(
    entry: &'static ApiEntry,
    journal: &Journal,
    client: &VendorClient,
    args: &Options,
    graph: &Graph,
    elapsed: f64,
    notes: &Notes,
    temporary: bool,
) -> Result<Summary, ImportError> {
    let (edges, outcomes, all_ok) = summary::tally(journal, args.report.as_deref(), true, |r| r.held != Some(false))?;
    if edges == 0 {
        args.observer.emit(Event::Warning(format!("{} holds no edge: nothing to import", graph.name())));
    }
    // The floor: the fewest calls this graph needs (one requester per call), at the rate.
    let max = entry.per_call(&[]);
    let mut fewest = 0u64;
    journal.requester_sizes(|n| fewest += n.div_ceil(max))?;
    let floor_s = fewest as f64 / f64::from(entry.info.rate_limit.per_second.max(1));
    let calls = client.calls();
    let dry_ok = args.dry_run && !outcomes.contains_key(Outcome::Invalid.as_str());
    let mut summary = Summary::counted(edges, outcomes, calls, journal.add_calls(calls)?);
    summary.add_notes(notes, elapsed, client.is_cancelled());
    summary.edges_per_s = Some(summary::round3(if elapsed > 0.0 { notes.sent as f64 / elapsed } else { 0.0 }));
    summary.floor_s = Some(summary::round3(floor_s));
    if !temporary {
        summary.journal = Some(journal.path.clone());
    }
    if args.register {
        summary.registered = Some(journal.user_outcomes()?.into_iter().collect());
    }
    summary.dry_run = args.dry_run;
    // A cancelled run did not do all it was asked (sending, verifying): it never succeeded.
    summary.succeeded = ((all_ok && !args.dry_run) || dry_ok) && !client.is_cancelled();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn a_pipeline_hands_over_every_item_in_order() {
        let got: Vec<Result<usize, String>> = pipelined((0..5000).map(Ok), |items| items.collect());
        assert_eq!(got, (0..5000).map(Ok).collect::<Vec<_>>());
    }

    #[test]
    fn a_producer_that_dies_ends_the_items_with_an_error() {
        let seen = Mutex::new(Vec::new());
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let rows = (0..5000).map(|i| if i == 3000 { panic!("a bug in validation") } else { Ok(i) });
            pipelined(rows, |items| seen.lock().expect("lock").extend(items));
        }));
        assert!(outcome.is_err(), "the producer's panic is not swallowed");
        let seen = seen.into_inner().expect("lock");
        assert_eq!(seen.last(), Some(&Err("the reader of the graph stopped".to_owned())));
        assert!(seen.len() <= 3001, "{}", seen.len());
    }
}
