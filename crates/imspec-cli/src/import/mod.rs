//! `imspec import <api> GRAPH`: a whole friend graph into a vendor — every edge journaled,
//! resumable after a crash, reconciled where an answer was lost, verified, repaired and undone
//! on request, and bound to the service that gave its answers.
//!
//! The run: identify the service (its endpoint and, for an emulator, its instance) → load the
//! graph into the journal (validating each line) or reopen the journal made against that
//! service → reconcile edges whose answer was lost (the vendor's check API, else its list API)
//! → send again what a transport failure kept from the service → `--register` the users →
//! `--check-first` → send the pending edges, grouped by requester and chunked to the batch
//! maximum, many requesters in flight under one pacer → `--verify` (`--repair`: send what the
//! service does not hold, verify again) → the report and the JSON summary. `--undo` runs the
//! same phases with the vendor's remove API over what the import created (`undo.rs`). Every
//! phase walks the journal a page at a time with many calls in flight, and Ctrl-C ends it
//! gracefully (what is in flight finishes and is recorded; nothing new is sent).

mod input;
mod journal;
mod lock;
mod phases;
mod progress;
mod register;
mod service;
mod shape;
mod undo;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use imspec::runtime::{ApiEntry, ClientOptions, Pacing, VendorClient};
use imspec_runtime::{Direction, Operation, Outcome};
use serde_json::{Value, json};

use crate::validate::{InputError, find};
use journal::{Fingerprint, Journal, Loaded, Row, Settled, Shared};
use phases::{Asker, Mark, Notes, Phase};
use service::Service;
use shape::Fixed;

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

/// How the run ended: exit 0 (every edge succeeded), 1 (some did not), or 2 (unreadable input,
/// config or journal — the error says which).
pub enum Ended {
    AllSucceeded,
    SomeFailed,
}

/// Lines validated per handoff to the journal during the load, and handoffs queued at most.
const LOAD_BATCH: usize = 1024;
const LOAD_BATCHES: usize = 4;

/// Set by the first Ctrl-C: the run takes no new work, finishes the calls in flight, records
/// their outcomes and reports (a second Ctrl-C exits at once, as a kill would).
static STOP: AtomicBool = AtomicBool::new(false);

fn stopped() -> bool {
    STOP.load(Ordering::Relaxed)
}

/// Where the journal is, and the service it is bound to.
struct Target {
    journal: PathBuf,
    service: Service,
    /// The embedded emulator's journal lives in a directory removed at exit.
    temporary: Option<tempfile::TempDir>,
}

pub fn run(args: &Args) -> Result<Ended, InputError> {
    let entry = find(&args.api)?;
    if entry.info.operation != Operation::Add || entry.info.batch.is_none() {
        let adds: Vec<&str> = imspec::apis()
            .iter()
            .filter(|a| a.info.operation == Operation::Add && a.info.batch.is_some())
            .map(|a| a.info.id)
            .collect();
        return Err(InputError(format!(
            "`{}` does not add friends in batches; import into one of: {}",
            args.api,
            adds.join(", ")
        )));
    }
    refuse_combinations(args)?;
    let fixed = Fixed::parse(entry, &args.params).map_err(InputError)?;
    let format = input::Format::of(&args.graph, args.format.as_deref()).map_err(InputError)?;
    let config = crate::config::load(args.config.as_deref()).map_err(|e| InputError(e.to_string()))?;
    let section = config.vendor(entry.info.vendor.id).map_err(|e| InputError(e.to_string()))?;
    let credentials = section.credentials(&entry.info.vendor.auth).map_err(|e| InputError(e.to_string()))?;
    let app = credentials.app_identity(entry, &section.texts());

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the async runtime: {e}")))?;
    let (base, embedded) = runtime.block_on(crate::send::endpoint(&config, args.endpoint.as_deref()))?;
    let target = target(args, &base, embedded.is_some(), &runtime)?;
    let _lock = if args.no_journal { None } else { Some(lock::take(&target.journal)?) };
    let fingerprint = Fingerprint {
        input: input::digest(&args.graph).map_err(InputError)?,
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
    let cancel = options.cancel.clone();
    let client = VendorClient::at(entry.info.vendor, &config, &base, options)
        .map_err(|e| InputError(format!("--endpoint: {e}")))?;
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            STOP.store(true, Ordering::Relaxed);
            cancel.cancel();
            eprintln!(
                "interrupted: finishing the calls in flight and recording their outcomes; nothing new is sent \
                 (Ctrl-C again stops at once; a rerun goes on either way)"
            );
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    if args.undo {
        return runtime.block_on(undo::run(entry, &fixed, &client, &target.journal, &fingerprint, args));
    }
    let journal = open_or_load(&target.journal, args, entry, &fixed, format, &fingerprint)?;
    if journal.open_run()? {
        eprintln!(
            "warning: journal {}: its write-ahead log is gone since a run that did not end cleanly: \
             the outcomes recorded after its last checkpoint are lost, and those edges will be reconciled or sent again",
            target.journal.display()
        );
    }
    let ended = runtime.block_on(async {
        let shared = Arc::new(Shared::new(journal, args.bench_skip_writes));
        let started = Instant::now();
        let mut notes = Notes::default();
        if !args.dry_run {
            import(entry, &fixed, &client, &shared, args, &mut notes).await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let journal = Shared::into_journal(shared).map_err(InputError)?;
        let ended = finish(entry, &journal, &client, args, elapsed, notes, target.temporary.is_some())?;
        journal.close_run()?;
        Ok::<_, InputError>(ended)
    })?;
    drop(embedded);
    Ok(ended)
}

/// Flags that do not go together.
fn refuse_combinations(args: &Args) -> Result<(), InputError> {
    let given =
        |pairs: &[(bool, &'static str)]| pairs.iter().filter(|(on, _)| *on).map(|(_, n)| *n).collect::<Vec<_>>();
    if args.undo {
        let other = given(&[
            (args.repair, "--repair"),
            (args.check_first, "--check-first"),
            (args.register, "--register"),
            (args.dry_run, "--dry-run"),
            (args.no_journal, "--no-journal"),
        ]);
        if !other.is_empty() {
            return Err(InputError(format!("--undo does not go with {}", other.join(", "))));
        }
    } else if args.force {
        return Err(InputError("--force goes with --undo only".to_owned()));
    }
    if args.dry_run && (args.repair || args.verify || args.check_first || args.register) {
        return Err(InputError(
            "--dry-run sends nothing: it does not go with --register, --check-first, --verify or --repair".to_owned(),
        ));
    }
    Ok(())
}

/// The journal's path and the service it is bound to. The embedded emulator lives only as long
/// as this process, so its journal is temporary: a rerun starts from nothing, as the service
/// does. A dry run sends nothing and keeps nothing.
fn target(args: &Args, base: &str, embedded: bool, runtime: &tokio::runtime::Runtime) -> Result<Target, InputError> {
    if embedded && args.journal.is_some() {
        return Err(InputError(
            "--journal keeps answers for a rerun, but the embedded emulator lives only as long as this run: \
             no rerun could trust them. Run `imspec emulator` and give --endpoint URL to keep a journal"
                .to_owned(),
        ));
    }
    if embedded && args.undo {
        return Err(InputError(
            "--undo removes what an import created in a service, but the embedded emulator of that import is gone \
             with its run; give --endpoint URL of the service the import was made against"
                .to_owned(),
        ));
    }
    let service = if args.dry_run {
        Service { endpoint: service::normalise(base)?, instance: None }
    } else {
        runtime.block_on(service::identify(base))?
    };
    if embedded || args.dry_run {
        let dir = tempfile::Builder::new()
            .prefix("imspec-import-")
            .tempdir()
            .map_err(|e| InputError(format!("cannot make a temporary journal: {e}")))?;
        return Ok(Target { journal: dir.path().join("graph.journal"), service, temporary: Some(dir) });
    }
    let journal = args.journal.clone().unwrap_or_else(|| {
        let mut p = args.graph.clone().into_os_string();
        p.push(".journal");
        PathBuf::from(p)
    });
    Ok(Target { journal, service, temporary: None })
}

/// The journal made for this run (same input, API, app, parameters and service), or a new
/// one loaded from the graph; one made for another run is refused, naming what differs.
fn open_or_load(
    path: &Path,
    args: &Args,
    entry: &'static ApiEntry,
    fixed: &Fixed,
    format: input::Format,
    fingerprint: &Fingerprint,
) -> Result<Journal, InputError> {
    if args.restart && !args.no_journal {
        // Only a journal is discarded: another file at that path is refused, never removed.
        drop(Journal::probe(path)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    let existing = if args.no_journal { None } else { Journal::open_existing(path)? };
    match existing {
        Some(journal) => {
            refuse_other(&journal, fingerprint)?;
            Ok(journal)
        }
        None => load(path, args.no_journal, entry, fixed, &args.graph, format, fingerprint),
    }
}

/// Refuses a journal made for another run, naming each part that differs (the service in
/// words: another endpoint, or an emulator restarted or reset since).
fn refuse_other(journal: &Journal, fingerprint: &Fingerprint) -> Result<(), InputError> {
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
    Err(InputError(format!(
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
    graph: &Path,
    format: input::Format,
    fingerprint: &Fingerprint,
) -> Result<Journal, InputError> {
    let records = input::records(graph, format).map_err(InputError)?;
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
            let settled =
                Settled { outcome: Outcome::Invalid.as_str().to_owned(), code: Some(code), reason: Some(reason) };
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
            let user = entry.info.batch.as_ref().map(|b| b.user_of(&item)).unwrap_or_default();
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
    args: &Args,
    notes: &mut Notes,
) -> Result<(), InputError> {
    let direction = add_direction(entry, fixed);
    let phase =
        Phase { entry, fixed, client, journal, workers: args.concurrency.max(1), asker: Asker::of(entry, direction) };
    // Reconciling clears the dispatched mark a crash left; then what a transport failure kept
    // from the service is pending again (sent, not checked).
    phase.reconcile(notes).await?;
    journal.lock().retry_transport_failures()?;
    if args.register && !stopped() && !journal.lock().flag("registered")? {
        let mark = Mark::start(client);
        let (listed, list) = register::register(entry, client, journal, phase.workers).await?;
        if let Some(reg) = shape::register_api(entry) {
            let max = reg.max_items(&[]).unwrap_or(u64::MAX).max(1);
            notes.phase("register", mark, client, phases::floor_s(reg, journal.lock().user_count()?.div_ceil(max)));
        }
        if listed > 0 && args.endpoint.is_some() {
            eprintln!("{listed} registered users' generated fields are in {}", list.display());
        }
        if !stopped() {
            journal.lock().set_meta("registered", "1")?;
        }
    }
    if args.check_first && !stopped() {
        if !phase.asker.can_ask() {
            return Err(InputError(format!("--check-first: {} has no check or list API to ask", entry.info.vendor.id)));
        }
        let (mark, floor) = (Mark::start(client), phase.asker.floor_s(journal, &journal::Edges::Unchecked)?);
        phase.check_first(direction, notes).await?;
        notes.phase("check_first", mark, client, floor);
    }
    let (mark, floor) = (Mark::start(client), send_floor_s(entry, journal)?);
    phase.send_all(notes).await?;
    notes.phase("send", mark, client, floor);
    if (args.verify || args.repair) && !stopped() {
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
        [Some(Outcome::done(op)), Outcome::already(op)].into_iter().flatten().map(Outcome::as_str).collect(),
    )
}

/// The fewest seconds sending what is pending takes at the documented rate (a call carries
/// one requester, up to the batch maximum).
fn send_floor_s(entry: &ApiEntry, journal: &Shared) -> Result<f64, InputError> {
    let max = entry.max_items(&[]).unwrap_or(u64::MAX).max(1);
    let mut calls = 0;
    journal.lock().sizes_of(&journal::Edges::Pending, |n| calls += n.div_ceil(max))?;
    Ok(phases::floor_s(entry, calls))
}

/// The direction the import adds in: the add API's direction field as `--param` sets it, else
/// the API's own.
fn add_direction(entry: &ApiEntry, fixed: &Fixed) -> Direction {
    entry.info.relation.as_ref().map_or(Direction::OneWay, |r| r.direction_of(&Value::Object(fixed.fields.clone())))
}

/// The report file (written beside its place and renamed into it, so a full disk never leaves
/// a truncated report), the JSON summary, and the exit decision.
fn finish(
    entry: &'static ApiEntry,
    journal: &Journal,
    client: &VendorClient,
    args: &Args,
    elapsed: f64,
    notes: Notes,
    temporary: bool,
) -> Result<Ended, InputError> {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut edges = 0u64;
    let mut all_ok = true;
    let mut report = args.report.as_deref().map(ReportFile::create).transpose()?;
    journal.report(report.is_some(), true, |r| {
        edges += 1;
        *outcomes.entry(r.outcome.clone()).or_default() += 1;
        all_ok &= line_succeeded(&r.outcome) && r.held != Some(false);
        if let Some(out) = report.as_mut() {
            out.line(&r, None);
        }
    })?;
    if let Some(out) = report {
        out.commit()?;
    }
    if edges == 0 {
        eprintln!("warning: {} holds no edge: nothing to import", args.graph.display());
    }
    // The floor: the fewest calls this graph needs (one requester per call), at the rate.
    let max = entry.max_items(&[]).unwrap_or(u64::MAX).max(1);
    let mut fewest = 0u64;
    journal.requester_sizes(|n| fewest += n.div_ceil(max))?;
    let floor_s = fewest as f64 / f64::from(entry.info.rate_limit.per_second.max(1));
    let calls = client.calls();
    let mut summary = json!({
        "edges": edges,
        "outcomes": outcomes,
        "calls": calls,
        "calls_total": journal.add_calls(calls)?,
        "elapsed_s": round3(elapsed),
        "sent": notes.sent,
        "edges_per_s": round3(if elapsed > 0.0 { notes.sent as f64 / elapsed } else { 0.0 }),
        "floor_s": round3(floor_s),
    });
    if !temporary {
        summary["journal"] = Value::from(journal.path.display().to_string());
    }
    notes_into(&mut summary, &notes, "not_held");
    if args.register {
        let users: BTreeMap<String, u64> = journal.user_outcomes()?.into_iter().collect();
        summary["registered"] = json!(users);
    }
    if args.dry_run {
        summary["dry_run"] = Value::from(true);
    }
    println!("{summary}");
    let dry_ok = args.dry_run && !outcomes.contains_key(Outcome::Invalid.as_str());
    // An interrupted run did not do all it was asked (sending, --verify): never exit 0.
    Ok(if ((all_ok && !args.dry_run) || dry_ok) && !stopped() { Ended::AllSucceeded } else { Ended::SomeFailed })
}

/// Whether a report line's outcome is a success: the operations' success words, and a line
/// that repeats an earlier line's edge (that line stands for both).
fn line_succeeded(outcome: &str) -> bool {
    outcome == journal::DUPLICATE || Outcome::from_word(outcome).is_some_and(Outcome::is_success)
}

/// What the phases did, into the summary; `mismatch` names the verified edges that are not as
/// the goal wants them (`not_held` for an import, `still_held` for an undo).
fn notes_into(summary: &mut Value, notes: &Notes, mismatch: &str) {
    if !notes.reconciled.is_empty() {
        summary["reconciled"] = json!({"edges": notes.reconciled, "calls": notes.reconcile_calls});
    }
    if let Some((checked, held, calls)) = notes.checked_first {
        summary["check_first"] = json!({"checked": checked, "held": held, "calls": calls});
    }
    if let Some((checked, missing, complete)) = notes.verified {
        summary["verified"] = json!({"checked": checked, mismatch: missing});
        if !complete {
            summary["verified"]["complete"] = Value::from(false);
        }
    }
    if !notes.phases.is_empty() {
        let phases: serde_json::Map<String, Value> = notes
            .phases
            .iter()
            .map(|(name, elapsed, calls, floor)| {
                ((*name).to_owned(), json!({"elapsed_s": round3(*elapsed), "calls": calls, "floor_s": round3(*floor)}))
            })
            .collect();
        summary["phases"] = Value::Object(phases);
    }
    if let Some(again) = notes.repaired {
        summary["repaired"] = json!({"sent_again": again});
    }
    if stopped() {
        summary["interrupted"] = Value::from(true);
    }
}

/// The `--report` file: written to a side file, renamed into place once complete.
struct ReportFile {
    path: PathBuf,
    side: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    error: Option<std::io::Error>,
}

impl ReportFile {
    fn create(path: &Path) -> Result<ReportFile, InputError> {
        let side = PathBuf::from(format!("{}.partial", path.display()));
        let file = std::fs::File::create(&side).map_err(|e| InputError(format!("--report {}: {e}", side.display())))?;
        Ok(ReportFile { path: path.to_owned(), side, out: std::io::BufWriter::new(file), error: None })
    }

    /// One line: `line`, `requester`, `user`, `outcome` and, when known, `code`, `reason`,
    /// `held` and `answered` (the answer of an edge the service does not hold).
    fn line(&mut self, r: &journal::ReportRow, extra: Option<(&str, Value)>) {
        use std::io::Write as _;
        let mut line = json!({"line": r.line, "requester": r.requester, "user": r.user, "outcome": r.outcome});
        if let Some(c) = &r.code {
            line["code"] = Value::from(c.as_str());
        }
        if let Some(why) = &r.reason {
            line["reason"] = Value::from(why.as_str());
        }
        if let Some(h) = r.held {
            line["held"] = Value::from(h);
        }
        if let Some(a) = &r.answered {
            line["answered"] = Value::from(a.as_str());
        }
        if let Some((k, v)) = extra {
            line[k] = v;
        }
        if self.error.is_none()
            && let Err(e) = writeln!(self.out, "{line}")
        {
            self.error = Some(e);
        }
    }

    fn commit(mut self) -> Result<(), InputError> {
        use std::io::Write as _;
        let failed = |e: std::io::Error| {
            let _ = std::fs::remove_file(&self.side);
            InputError(format!(
                "--report {}: {e} (the journal keeps every outcome; rerun to write it)",
                self.path.display()
            ))
        };
        if let Some(e) = self.error.take().or_else(|| self.out.flush().err()) {
            return Err(failed(e));
        }
        if let Err(e) = self.out.get_ref().sync_data() {
            return Err(failed(e));
        }
        std::fs::rename(&self.side, &self.path).map_err(failed)
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
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
