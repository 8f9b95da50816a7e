//! `imspec import <api> GRAPH`: a whole friend graph into a vendor — every edge journaled,
//! resumable after a crash, reconciled where an answer was lost, verified on request.
//!
//! The run: load the graph into the journal (validating each line) → reconcile edges whose
//! answer was lost (the vendor's check API, else its list API) → send again what a transport
//! failure kept from the service → `--register` the users → send the pending edges, grouped
//! by requester and chunked to the batch maximum, many requesters in flight under one pacer →
//! `--verify` → the report and the JSON summary. Every phase walks the journal a page at a
//! time, and Ctrl-C ends it gracefully (what is in flight finishes and is recorded).

mod input;
mod journal;
mod progress;
mod shape;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use imspec::runtime::{ApiEntry, ClientOptions, Pacing, VendorClient};
use imspec_runtime::{Operation, Outcome, RelationWord};
use serde_json::{Value, json};

use crate::validate::{InputError, find};
use journal::{Edges, Fingerprint, Journal, KnownUser, Loaded, Row, Settled, Shared, Write};
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
    /// The journal (SQLite); default GRAPH.journal.
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
    /// Check every added edge afterwards and report what the service does not hold.
    #[arg(long)]
    pub verify: bool,
    /// Validate every line and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Start over: discard the journal.
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

/// Pending edges read from the journal, and marked dispatched, at a time while sending:
/// memory stays flat, and a kill leaves at most about this many edges (plus the calls queued
/// to the senders) to reconcile. Some of those may never have been sent; the service is asked
/// about each, and one it holds is reported `added`, as any reconciled edge it holds is.
const PAGE: usize = 1024;

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
    let fixed = Fixed::parse(entry, &args.params).map_err(InputError)?;
    let format = input::Format::of(&args.graph, args.format.as_deref()).map_err(InputError)?;
    let config = crate::config::load(args.config.as_deref()).map_err(|e| InputError(e.to_string()))?;
    let section = config.vendor(entry.info.vendor.id).map_err(|e| InputError(e.to_string()))?;
    let credentials = section.credentials(&entry.info.vendor.auth).map_err(|e| InputError(e.to_string()))?;
    let fingerprint = Fingerprint {
        input: input::digest(&args.graph).map_err(InputError)?,
        api: entry.info.id.to_owned(),
        app: imspec_runtime::ratelimit::shared::app_identity(entry, &credentials, &section.texts()),
        params: fixed.canonical(),
    };
    let journal_path = args.journal.clone().unwrap_or_else(|| {
        let mut p = args.graph.clone().into_os_string();
        p.push(".journal");
        PathBuf::from(p)
    });
    if args.restart && !args.no_journal {
        // Only a journal is discarded: another file at that path is refused, never removed.
        drop(Journal::probe(&journal_path)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", journal_path.display()));
        }
    }
    let existing = if args.no_journal { None } else { Journal::open_existing(&journal_path)? };
    let journal = match existing {
        Some(journal) => {
            if let Err(differs) = journal.check_fingerprint(&fingerprint) {
                return Err(InputError(format!(
                    "journal {} was made for another run: its {} differ{} (rerun with --restart to start over, or give --journal another file)",
                    journal_path.display(),
                    differs.join(", "),
                    if differs.len() == 1 { "s" } else { "" }
                )));
            }
            journal
        }
        None => load(&journal_path, args.no_journal, entry, &fixed, &args.graph, format, &fingerprint)?,
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let (base, _embedded) = crate::send::endpoint(&config, args.endpoint.as_deref()).await?;
        let mut options = ClientOptions::default();
        options.pacing =
            Pacing { margin: args.margin.unwrap_or(options.pacing.margin), unpaced: args.unpaced, ..options.pacing };
        let client = VendorClient::at(entry.info.vendor, &config, &base, options)
            .map_err(|e| InputError(format!("--endpoint: {e}")))?;
        let journal = Arc::new(Shared::new(journal, args.bench_skip_writes));
        tokio::spawn(async {
            if tokio::signal::ctrl_c().await.is_ok() {
                STOP.store(true, Ordering::Relaxed);
                eprintln!(
                    "interrupted: finishing the calls in flight and recording their outcomes \
                     (Ctrl-C again stops at once; a rerun goes on either way)"
                );
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(130);
                }
            }
        });
        let started = Instant::now();
        let mut notes = Notes::default();
        if !args.dry_run {
            import(entry, &fixed, &client, &journal, args, &mut notes).await?;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let journal = journal.lock();
        finish(entry, &journal, &client, args, elapsed, notes)
    })
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
            let row = Row { line, requester, user, item: String::new() };
            let settled =
                Settled { outcome: Outcome::Invalid.as_str().to_owned(), code: Some(code), reason: Some(reason) };
            Ok(Loaded { row, settled: Some(settled), registration: None })
        };
        let record = match record {
            Ok(r) => r,
            Err(why) => return invalid(String::new(), String::new(), why, schema_code.clone()),
        };
        let requester = key.and_then(|k| record.get(k)).map(text).unwrap_or_default();
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
                Ok(Loaded { row: Row { line, requester, user, item: item.to_string() }, settled: None, registration })
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

/// What the run did besides the edges: reconciliation, registration, verification.
#[derive(Default)]
struct Notes {
    reconciled: BTreeMap<&'static str, u64>,
    /// Edges checked, edges the service does not hold, and whether every one was checked.
    verified: Option<(u64, u64, bool)>,
    reconcile_calls: u64,
    /// Edges sent in this run.
    sent: u64,
}

async fn import(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    journal: &Arc<Shared>,
    args: &Args,
    notes: &mut Notes,
) -> Result<(), InputError> {
    // Reconciling clears the dispatched mark a crash left; then what a transport failure kept
    // from the service is pending again (sent, not checked).
    reconcile(entry, client, journal, notes).await?;
    journal.lock().retry_transport_failures()?;
    if args.register && !stopped() && !journal.lock().flag("registered")? {
        register(entry, client, journal).await?;
        if !stopped() {
            journal.lock().set_meta("registered", "1")?;
        }
    }
    // Send; then what came back `unknown` is reconciled and, where the service does not hold
    // it, sent again — a few rounds at most.
    for _ in 0..ROUNDS {
        if stopped() {
            break;
        }
        notes.sent += send_pending(entry, fixed, client, journal, args.concurrency.max(1)).await?;
        if reconcile(entry, client, journal, notes).await? == 0 {
            break;
        }
    }
    if args.verify && !stopped() {
        notes.verified = Some(verify(entry, client, journal).await?);
    }
    Ok(())
}

/// Asks the service about every edge that succeeded, a page at a time, and records what it
/// holds; returns (edges checked, edges it does not hold, whether every one was checked).
async fn verify(
    entry: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
) -> Result<(u64, u64, bool), InputError> {
    let done = Edges::Settled(vec![Outcome::done(Operation::Add).as_str(), Outcome::AlreadyFriends.as_str()]);
    let (mut checked, mut missing) = (0, 0);
    let complete = ask_by_page(entry, client, journal, &done, |page, found| {
        // Interrupted, the rows not asked about are left unmarked.
        let marks: Vec<(journal::Key, bool)> = page
            .iter()
            .zip(&found)
            .filter(|(_, h)| h.is_some() || !stopped())
            .map(|(r, h)| (r.key(), *h == Some(true)))
            .collect();
        checked += marks.len() as u64;
        missing += marks.iter().filter(|(_, h)| !h).count() as u64;
        Ok(journal.lock().held(&marks)?)
    })
    .await?;
    Ok((checked, missing, complete))
}

/// Send-and-reconcile rounds in one run.
const ROUNDS: usize = 3;

/// Edges whose answer was lost (dispatched and unanswered at a crash, or `unknown`): the
/// service is asked whether it holds them; held ones settle as added, the others go back to be
/// sent. Returns how many went back.
async fn reconcile(
    entry: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
    notes: &mut Notes,
) -> Result<u64, InputError> {
    let added = Settled { outcome: Outcome::done(Operation::Add).as_str().to_owned(), code: None, reason: None };
    let before = client.calls();
    let (mut held_count, mut again_count, mut any) = (0, 0, false);
    // Edges put back to be sent stay under the mark until it is cleared at the end, so a kill
    // in between only makes the next run ask about them again; the pages go on past them.
    let complete = ask_by_page(entry, client, journal, &Edges::Lost, |lost, found| {
        any = true;
        let (mut settle, mut again) = (Vec::new(), Vec::new());
        for (row, held) in lost.iter().zip(found) {
            match held {
                Some(true) => settle.push(row.key()),
                // Interrupted before it was asked about: it stays lost, for the rerun.
                None if stopped() => {}
                // Not held, or the check could not say: sending again is what settles it.
                _ => again.push(row.key()),
            }
        }
        (held_count, again_count) = (held_count + settle.len() as u64, again_count + again.len() as u64);
        Ok(journal.lock().reconciled(&settle, &added, &again)?)
    })
    .await?;
    notes.reconcile_calls += client.calls() - before;
    if any {
        *notes.reconciled.entry("held").or_default() += held_count;
        *notes.reconciled.entry("sent_again").or_default() += again_count;
    }
    // Interrupted, the edges not yet asked about need the mark: it stays for the rerun.
    if complete {
        journal.lock().clear_dispatched()?;
    }
    Ok(again_count)
}

/// Asks the service whether it holds the edges of `which`, a page at a time (a requester whose
/// edges run over two pages is listed once), handing each page and the answers to `record`.
/// Returns whether every page was asked about (false when interrupted).
async fn ask_by_page(
    entry: &'static ApiEntry,
    client: &VendorClient,
    journal: &Shared,
    which: &Edges,
    mut record: impl FnMut(&[Row], Vec<Option<bool>>) -> Result<(), InputError>,
) -> Result<bool, InputError> {
    let mut after = None;
    let mut listing = Listing::default();
    loop {
        if stopped() {
            return Ok(false);
        }
        let page = journal.lock().page(which, after.as_ref(), PAGE)?;
        let Some(last) = page.last() else { return Ok(true) };
        after = Some(last.key());
        let found = held(entry, client, &page, &mut listing).await;
        record(&page, found)?;
    }
}

/// Sends every pending edge: the journal streams them by requester; each requester's edges go
/// in chunks of the batch maximum; `workers` chunks are in flight at once, all under the
/// client's one pacer for this API and app. Each page of edges is marked dispatched (committed)
/// before any of it is sent; outcomes are recorded as they come; the mark is cleared once
/// every outcome of the round is committed.
async fn send_pending(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    journal: &Arc<Shared>,
    workers: usize,
) -> Result<u64, InputError> {
    let max = entry.max_items(&[]).map_or(usize::MAX, |m| usize::try_from(m).unwrap_or(usize::MAX)).max(1);
    let total = journal.lock().pending_count()?;
    let progress = progress::Progress::start(total);
    let (tx, rx) = tokio::sync::mpsc::channel::<Vec<Row>>(workers * 2);
    let rx = Arc::new(tokio::sync::Mutex::new(rx));
    let failure: Arc<Mutex<Option<String>>> = Arc::default();
    let sent = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..workers {
        let (rx, client, journal, fixed, progress, failure, sent) = (
            rx.clone(),
            client.clone(),
            journal.clone(),
            fixed.clone(),
            progress.clone(),
            failure.clone(),
            sent.clone(),
        );
        tasks.push(tokio::spawn(async move {
            loop {
                let chunk = { rx.lock().await.recv().await };
                // Interrupted: the chunks left in the queue are not sent (their edges stay pending).
                let Some(chunk) = chunk.filter(|_| !stopped()) else { break };
                sent.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                let settled = send_chunk(entry, &fixed, &client, &chunk, &progress).await;
                if let Err(e) = journal.record(Write::Settle(settled)).await {
                    *failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    break;
                }
            }
        }));
    }
    // Only the senders hold the receiver: when they have all stopped, the producer's send fails.
    drop(rx);
    let failed = || failure.lock().unwrap_or_else(|p| p.into_inner()).is_some();
    // The producer: pages of pending rows, keyed by (requester, line), chunked per requester.
    let produced = async {
        let mut after: Option<(String, u64)> = None;
        let mut chunk: Vec<Row> = Vec::new();
        while !failed() && !stopped() {
            let page = journal.lock().page(&Edges::Pending, after.as_ref(), PAGE)?;
            let Some(last) = page.last() else { break };
            after = Some(last.key());
            journal.commit(Write::Dispatched(after.clone())).await.map_err(InputError)?;
            for row in page {
                let full = chunk.first().is_some_and(|c| c.requester != row.requester) || chunk.len() == max;
                if full && tx.send(std::mem::take(&mut chunk)).await.is_err() {
                    return Ok(());
                }
                chunk.push(row);
            }
        }
        if !chunk.is_empty() && !failed() && !stopped() {
            let _ = tx.send(chunk).await;
        }
        Ok::<(), InputError>(())
    }
    .await;
    drop(tx);
    for t in tasks {
        if let Err(e) = t.await {
            // A sender that died took its chunk's outcome with it: the mark must stay.
            failure.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert(format!("a sender stopped: {e}"));
        }
    }
    progress.finish();
    produced?;
    if let Some(e) = failure.lock().unwrap_or_else(|p| p.into_inner()).take() {
        return Err(InputError(e));
    }
    // Every outcome is committed before the mark goes (the queue is in order).
    journal.commit(Write::Dispatched(None)).await.map_err(InputError)?;
    Ok(sent.load(Ordering::Relaxed))
}

/// One call; returns its edges' outcomes.
async fn send_chunk(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    chunk: &[Row],
    progress: &progress::Progress,
) -> Vec<(journal::Key, Settled)> {
    let items: Vec<Value> = chunk.iter().map(|r| serde_json::from_str(&r.item).unwrap_or(Value::Null)).collect();
    let requester = shape::requester_key(entry).map(|_| chunk[0].requester.as_str());
    let (body, params) = shape::request(entry, fixed, requester, items);
    let all = |outcome: Outcome, code: Option<String>, reason: String| {
        vec![Settled { outcome: outcome.as_str().to_owned(), code, reason: Some(reason) }; chunk.len()]
    };
    let outcomes: Vec<Settled> = match client.send(entry, &body, &params).await {
        Ok(report) if report.items.len() == chunk.len() => report
            .items
            .iter()
            .map(|o| {
                let reason = o.reason.clone().or_else(|| {
                    (o.outcome == Outcome::Invalid)
                        .then(|| report.violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))
                });
                Settled { outcome: o.outcome.as_str().to_owned(), code: o.code.as_ref().map(|c| c.to_string()), reason }
            })
            .collect(),
        // The request itself was refused before sending: nothing of it was applied.
        Ok(report) if !report.rejected.is_empty() => {
            let why = report.rejected.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; ");
            all(Outcome::Invalid, report.rejected.first().map(|v| v.code.to_string()), why)
        }
        // An answer that does not account for the chunk: it may have been applied.
        Ok(_) => all(Outcome::Unknown, None, "the answer does not account for every item".into()),
        Err(e) => all(Outcome::Failed, None, e.to_string()),
    };
    let failed = outcomes.iter().filter(|s| !Outcome::from_word(&s.outcome).is_some_and(Outcome::is_success)).count();
    progress.advance(chunk.len() as u64, failed as u64);
    chunk.iter().map(Row::key).zip(outcomes).collect()
}

/// The friends of the last requester listed (list APIs only): a requester whose edges run
/// over two pages is listed once, not once per page.
#[derive(Default)]
struct Listing {
    requester: String,
    friends: std::collections::HashSet<String>,
}

/// Whether the service holds each edge (the requester's list holds the target), asked of the
/// vendor's check API, else its list API; `None` where neither could say.
async fn held(entry: &'static ApiEntry, client: &VendorClient, rows: &[Row], last: &mut Listing) -> Vec<Option<bool>> {
    let check = shape::sibling(entry, Operation::Check, |a| a.info.relation.is_some() && a.info.batch.is_some())
        .map(|check| (check, check_fixed(check)));
    let list = shape::sibling(entry, Operation::List, |a| a.info.relation.is_some());
    let mut out = vec![None; rows.len()];
    // Rows come sorted by requester: one group per requester.
    let mut start = 0;
    // Interrupted, the groups not yet asked about stay `None`.
    while start < rows.len() && !stopped() {
        let end = start + rows[start..].iter().take_while(|r| r.requester == rows[start].requester).count();
        let group = &rows[start..end];
        let requester = group[0].requester.as_str();
        if let Some((check, check_fixed)) = &check {
            let items: Vec<Value> = group.iter().map(|r| shape::bare_item(check, &r.user)).collect();
            let (body, params) = shape::request(check, check_fixed, Some(requester), items);
            if let Ok(report) = client.send(check, &body, &params).await {
                for (i, o) in report.items.iter().enumerate().take(group.len()) {
                    out[start + i] = o.relation.map(|r| matches!(r, RelationWord::Outgoing | RelationWord::Both));
                }
            }
        } else if let Some(list) = list {
            if last.requester != requester {
                let (body, params) = shape::request(list, &Fixed::default(), Some(requester), Vec::new());
                *last = Listing::default();
                if let Ok(report) = client.send(list, &body, &params).await
                    && let Some(listing) = report.listing.filter(|l| l.complete)
                {
                    *last = Listing {
                        requester: requester.to_owned(),
                        friends: listing.friends.into_iter().map(|(id, _)| id).collect(),
                    };
                }
            }
            if last.requester == requester {
                for (i, r) in group.iter().enumerate() {
                    out[start + i] = Some(last.friends.contains(&r.user));
                }
            }
        }
        start = end;
    }
    out
}

/// A check request's required mode: the first value of its direction field, when it has one.
fn check_fixed(check: &ApiEntry) -> Fixed {
    let mut fixed = Fixed::default();
    if let Some((field, values)) = check.info.relation.as_ref().and_then(|r| r.direction_field)
        && let Some((value, _)) = values.first()
    {
        let v = serde_json::from_str::<Value>(value).unwrap_or_else(|_| Value::from(*value));
        fixed.fields.insert(field.to_owned(), v);
    }
    fixed
}

/// Registers every user of the graph with the vendor's register API, batched at its maximum.
/// Fields its items require besides the id (Easemob's `password`) come from the requester's
/// lines of the graph (kept in the journal at load), else are generated and kept in the
/// journal before they are sent; once a call is answered, its generated items are appended,
/// with their outcomes, to `<journal>.users.jsonl` (owner-only; never rewritten, so `--restart`
/// loses no password an earlier run registered).
async fn register(entry: &'static ApiEntry, client: &VendorClient, journal: &Shared) -> Result<(), InputError> {
    let Some(reg) = shape::register_api(entry) else {
        return Err(InputError(format!("--register: {} has no register API", entry.info.vendor.id)));
    };
    let fields = shape::required_fields(reg);
    let max = reg.max_items(&[]).map_or(PAGE, |m| usize::try_from(m).unwrap_or(PAGE)).max(1);
    journal.lock().list_users()?;
    let list_path = PathBuf::from(format!("{}.users.jsonl", journal.lock().path.display()));
    let mut listed = 0usize;
    let mut after: Option<String> = None;
    while !stopped() {
        let page = journal.lock().users_page(after.as_deref(), max)?;
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        // Generated items not yet in the operator's list: (item, outcome, user).
        let mut to_list: Vec<(Value, String, &str)> = Vec::new();
        // A user registered in an earlier run (or there already) is not registered again; one
        // whose registration failed or went unanswered is.
        let (answered, to_send): (Vec<&KnownUser>, Vec<&KnownUser>) = page
            .iter()
            .partition(|u| u.outcome.as_deref().and_then(Outcome::from_word).is_some_and(Outcome::is_success));
        for u in answered.into_iter().filter(|u| u.generated && !u.listed) {
            if let Ok(item) = serde_json::from_str::<Value>(&u.fields) {
                to_list.push((item, u.outcome.clone().unwrap_or_default(), &u.id));
            }
        }
        if !to_send.is_empty() {
            let mut items = Vec::with_capacity(to_send.len());
            let mut generated = Vec::new();
            // Whether each item's fields were generated (now or in an earlier run).
            let mut made = Vec::with_capacity(to_send.len());
            for u in &to_send {
                let (item, fresh) = match serde_json::from_str::<Value>(&u.fields) {
                    Ok(item) => (item, u.generated),
                    Err(_) if fields.is_empty() => (shape::bare_item(reg, &u.id), false),
                    Err(_) => {
                        let item =
                            generated_item(reg, &u.id, &fields).map_err(|e| InputError(format!("--register: {e}")))?;
                        generated.push((u.id.as_str(), item.to_string()));
                        (item, true)
                    }
                };
                items.push(item);
                made.push(fresh);
            }
            // Generated fields are kept before they are sent: a rerun sends the same ones.
            journal.lock().save_generated(&generated)?;
            let ids: Vec<&str> = to_send.iter().map(|u| u.id.as_str()).collect();
            let (body, params) = shape::request(reg, &Fixed::default(), None, items.clone());
            let report = client.send(reg, &body, &params).await.map_err(|e| InputError(format!("--register: {e}")))?;
            refused(&report, &ids)?;
            let outcomes: Vec<(&str, &str)> =
                ids.iter().zip(&report.items).map(|(u, o)| (*u, o.outcome.as_str())).collect();
            journal.lock().registered(&outcomes)?;
            for (i, ((u, item), made)) in to_send.iter().zip(items).zip(made).enumerate() {
                if made && !u.listed {
                    let outcome = report.items.get(i).map_or("not_attempted", |o| o.outcome.as_str());
                    to_list.push((item, outcome.to_owned(), &u.id));
                }
            }
        }
        if !to_list.is_empty() {
            let lines: String = to_list
                .iter()
                .filter_map(|(item, outcome, _)| {
                    let mut item = item.clone();
                    item.as_object_mut()?.insert("outcome".to_owned(), Value::from(outcome.as_str()));
                    Some(format!("{item}\n"))
                })
                .collect();
            append_private(&list_path, &lines).map_err(|e| {
                InputError(format!("--register: {}: {e} (the journal keeps the generated fields)", list_path.display()))
            })?;
            let ids: Vec<&str> = to_list.iter().map(|(_, _, id)| *id).collect();
            journal.lock().mark_listed(&ids)?;
            listed += ids.len();
        }
    }
    if listed > 0 {
        eprintln!("{listed} registered users' generated fields are in {}", list_path.display());
    }
    Ok(())
}

/// The register API refused items (they came from the graph: generated values are valid):
/// the import stops before adding anything, naming the users.
fn refused(report: &imspec::runtime::Report, part: &[&str]) -> Result<(), InputError> {
    let invalid: Vec<usize> =
        report.items.iter().enumerate().filter(|(_, o)| o.outcome == Outcome::Invalid).map(|(i, _)| i).collect();
    let mut why: Vec<String> = report
        .rejected
        .iter()
        .chain(report.violations.iter().filter(|v| item_index(&v.path).is_some_and(|i| invalid.contains(&i))))
        .map(|v| match item_index(&v.path).and_then(|i| part.get(i)) {
            Some(user) => format!("user `{user}`: {v}"),
            None => v.to_string(),
        })
        .collect();
    if why.is_empty() && !invalid.is_empty() {
        why = invalid.iter().filter_map(|i| part.get(*i)).map(|u| format!("user `{u}`: refused as invalid")).collect();
    }
    if why.is_empty() {
        return Ok(());
    }
    Err(InputError(format!("--register: the register API refuses: {}", why.join("; "))))
}

/// Appends `text` to `path`, creating it readable by its owner only (it holds passwords).
fn append_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// The index of the batch item a violation's path points into (`$[3].password` → 3).
fn item_index(path: &str) -> Option<usize> {
    let (_, rest) = path.split_once('[')?;
    rest.split_once(']')?.0.parse().ok()
}

/// A register item for `user`, with a generated value in each of `fields` (what the API
/// requires besides the id).
fn generated_item(reg: &ApiEntry, user: &str, fields: &[String]) -> Result<Value, String> {
    let mut item = shape::bare_item(reg, user);
    if let Some(obj) = item.as_object_mut() {
        for field in fields {
            let value =
                secret().map_err(|e| format!("cannot generate `{field}` for {user}: no OS randomness ({e})"))?;
            obj.insert(field.clone(), Value::from(value));
        }
    }
    Ok(item)
}

/// 16 random alphanumeric characters from the OS's generator (no fallback: a guessable
/// password is worse than none).
fn secret() -> Result<String, getrandom::Error> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    // Bytes at or above the largest multiple of the alphabet's size are drawn again: every
    // character equally likely.
    let limit = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut out = String::with_capacity(16);
    while out.len() < 16 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        out.extend(
            bytes
                .iter()
                .filter(|b| **b < limit)
                .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
                .take(16 - out.len()),
        );
    }
    Ok(out)
}

/// The report file, the JSON summary, and the exit decision.
fn finish(
    entry: &'static ApiEntry,
    journal: &Journal,
    client: &VendorClient,
    args: &Args,
    elapsed: f64,
    notes: Notes,
) -> Result<Ended, InputError> {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let mut edges = 0u64;
    let mut all_ok = true;
    let mut report = match &args.report {
        Some(p) => Some(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| InputError(format!("--report {}: {e}", p.display())))?,
        )),
        None => None,
    };
    let mut write_error = None;
    journal.report(report.is_some(), |r| {
        edges += 1;
        *outcomes.entry(r.outcome.clone()).or_default() += 1;
        let ok = Outcome::from_word(&r.outcome).is_some_and(|o| o.is_success()) && r.held != Some(false);
        all_ok &= ok;
        if let Some(out) = report.as_mut() {
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
            use std::io::Write as _;
            if let Err(e) = writeln!(out, "{line}") {
                write_error.get_or_insert(e);
            }
        }
    })?;
    if let Some(mut out) = report {
        use std::io::Write as _;
        if let Some(e) = write_error.or_else(|| out.flush().err()) {
            return Err(InputError(format!("--report: {e}")));
        }
    }
    // The floor: the fewest calls this graph needs (one requester per call), at the rate.
    let max = entry.max_items(&[]).unwrap_or(u64::MAX).max(1);
    let mut fewest = 0u64;
    journal.requester_sizes(|n| fewest += n.div_ceil(max))?;
    let floor_s = fewest as f64 / f64::from(entry.info.rate_limit.per_second.max(1));
    let mut summary = json!({
        "edges": edges,
        "outcomes": outcomes,
        "calls": client.calls(),
        "elapsed_s": round3(elapsed),
        "sent": notes.sent,
        "edges_per_s": round3(if elapsed > 0.0 { notes.sent as f64 / elapsed } else { 0.0 }),
        "floor_s": round3(floor_s),
        "journal": journal.path.display().to_string(),
    });
    if !notes.reconciled.is_empty() {
        summary["reconciled"] = json!({"edges": notes.reconciled, "calls": notes.reconcile_calls});
    }
    if args.register {
        let users: BTreeMap<String, u64> = journal.user_outcomes()?.into_iter().collect();
        summary["registered"] = json!(users);
    }
    if let Some((checked, missing, complete)) = notes.verified {
        summary["verified"] = json!({"checked": checked, "not_held": missing});
        if !complete {
            summary["verified"]["complete"] = Value::from(false);
        }
    }
    if stopped() {
        summary["interrupted"] = Value::from(true);
    }
    if args.dry_run {
        summary["dry_run"] = Value::from(true);
    }
    println!("{summary}");
    let dry_ok = args.dry_run && !outcomes.contains_key(Outcome::Invalid.as_str());
    // An interrupted run did not do all it was asked (sending, --verify): never exit 0.
    Ok(if ((all_ok && !args.dry_run) || dry_ok) && !stopped() { Ended::AllSucceeded } else { Ended::SomeFailed })
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

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
