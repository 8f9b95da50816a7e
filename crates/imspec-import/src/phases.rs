//! The phases that talk to the service, shared by an import and its undo: send what is
//! pending, reconcile what was lost, check first, verify. Each runs many calls at once under
//! the client's one pacer per API and app, retries included, and walks the journal a page at a
//! time, so memory stays flat at any size.
//!
//! A phase sends one API (the add API for an import, the remove API for an undo) towards a
//! goal — the service holds each edge, or holds none — and asks the vendor's check API (else
//! its list API) whether the goal holds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt as _;
use imspec::runtime::{ApiEntry, VendorClient};
use imspec_runtime::{Direction, Operation, Outcome, RelationWord};
use serde_json::Value;

use super::journal::{Edges, Key, Row, Settled, Shared, Write};
use super::shape::{self, Fixed};
use crate::ImportError;
use crate::progress::{Observer, Progress};

/// Pending edges read from the journal, and marked dispatched, at a time while sending:
/// memory stays flat, and a kill leaves at most about this many edges (plus the calls queued
/// to the senders) to reconcile. Some of those may never have been sent; the service is asked
/// about each, and one it holds is reported `added`, as any reconciled edge it holds is.
pub const PAGE: usize = 1024;

/// Edges of one requester asked about in one go at most (its check calls, or one listing).
const GROUP: usize = 4 * PAGE;

/// Send-and-reconcile rounds in one run.
const ROUNDS: usize = 3;

/// One API sent towards one goal, with what the phases share.
pub struct Phase<'a> {
    /// The API sent: the add API of an import, the remove API of an undo.
    pub entry: &'static ApiEntry,
    pub fixed: &'a Fixed,
    pub client: &'a VendorClient,
    pub journal: &'a Arc<Shared>,
    /// Calls in flight at once.
    pub workers: usize,
    /// How the service is asked whether it holds an edge.
    pub asker: Asker,
    /// Told how sending goes.
    pub observer: &'a Observer,
}

/// What the phases did besides sending.
#[derive(Default)]
pub struct Notes {
    pub reconciled: std::collections::BTreeMap<&'static str, u64>,
    pub reconcile_calls: u64,
    /// Edges checked, edges not as the goal wants them, and whether every one was checked.
    pub verified: Option<(u64, u64, bool)>,
    /// `--check-first`: edges asked about, edges already held, calls.
    pub checked_first: Option<(u64, u64, u64)>,
    /// `--repair`: edges sent again.
    pub repaired: Option<u64>,
    /// Edges handed to the senders.
    pub sent: u64,
    /// Each phase that ran: its name, wall time, calls (retries included) and floor (the
    /// fewest calls it needs, at its API's documented rate).
    pub phases: Vec<(&'static str, f64, u64, f64)>,
}

/// The start of a phase, to time it and count its calls.
pub struct Mark(std::time::Instant, u64);

impl Mark {
    pub fn start(client: &VendorClient) -> Mark {
        Mark(std::time::Instant::now(), client.calls())
    }
}

impl Notes {
    /// Records a phase begun at `mark` whose floor is `floor_s`.
    pub fn phase(&mut self, name: &'static str, mark: Mark, client: &VendorClient, floor_s: f64) {
        self.phases.push((name, mark.0.elapsed().as_secs_f64(), client.calls() - mark.1, floor_s));
    }
}

/// The time `calls` calls of `api` take at its documented rate.
pub fn floor_s(api: &ApiEntry, calls: u64) -> f64 {
    calls as f64 / f64::from(api.info.rate_limit.per_second.max(1))
}

impl Phase<'_> {
    /// Whether the goal is that the service holds each edge (an add) or none (a remove).
    fn wants_held(&self) -> bool {
        self.entry.info.operation != Operation::Remove
    }

    /// Reconcile what a crash left, resend transport failures, then send and reconcile the
    /// `unknown` answers, a few rounds at most.
    pub async fn send_all(&self, notes: &mut Notes) -> Result<(), ImportError> {
        let retryable = self.retryable_codes();
        for _ in 0..ROUNDS {
            if self.client.is_cancelled() {
                break;
            }
            // Items refused with a retryable code are gathered here from every chunk into
            // full calls (the client does not retry them within their chunk).
            self.journal.lock().requeue_codes(&retryable)?;
            notes.sent += self.send_pending().await?;
            let again = self.reconcile(notes).await?;
            if again == 0 && self.journal.lock().count_codes(&retryable)? == 0 {
                break;
            }
        }
        Ok(())
    }

    /// The codes of the API's table (its own and its vendor's) that a retry may fix.
    fn retryable_codes(&self) -> Vec<String> {
        let info = self.entry.info;
        info.errors
            .iter()
            .chain(info.vendor.errors)
            .map(|row| &row.code)
            .filter(|code| info.class(code).is_some_and(imspec_runtime::ErrorClass::is_retryable))
            .map(ToString::to_string)
            .collect()
    }

    /// Edges whose answer was lost (dispatched and unanswered at a crash, or `unknown`): the
    /// service is asked; where the goal holds they settle as done (`added`, `removed`), the
    /// others go back to be sent. Returns how many went back.
    pub async fn reconcile(&self, notes: &mut Notes) -> Result<u64, ImportError> {
        let done = Settled { outcome: Outcome::done(self.entry.info.operation).into(), code: None, reason: None };
        let before = self.client.calls();
        let (mut held_count, mut again_count, mut any) = (0, 0, false);
        let wants = self.wants_held();
        // Edges put back to be sent stay under the mark until it is cleared at the end, so a
        // kill in between only makes the next run ask about them again; the pages go on past.
        let complete = self
            .ask(&Edges::Lost, |lost, found| {
                any = true;
                let (mut settle, mut again) = (Vec::new(), Vec::new());
                for (row, word) in lost.iter().zip(found) {
                    match word.map(held) {
                        Some(h) if h == wants => settle.push(row.key()),
                        // Interrupted before it was asked about: it stays lost, for the rerun.
                        None if self.client.is_cancelled() => {}
                        // Not as wanted, or the service could not say: sending again settles it.
                        _ => again.push(row.key()),
                    }
                }
                (held_count, again_count) = (held_count + settle.len() as u64, again_count + again.len() as u64);
                Ok(self.journal.lock().reconciled(&settle, &done, &again)?)
            })
            .await?;
        notes.reconcile_calls += self.client.calls() - before;
        if any {
            *notes.reconciled.entry(if wants { "held" } else { "gone" }).or_default() += held_count;
            *notes.reconciled.entry("sent_again").or_default() += again_count;
        }
        // Interrupted, the edges not yet asked about need the mark: it stays for the rerun.
        if complete {
            self.journal.lock().clear_dispatched()?;
        }
        Ok(again_count)
    }

    /// `--check-first`: asks the service, before anything is sent for them, which pending
    /// edges it already holds; those settle as `already` and are not sent, and every answer
    /// is kept (what `--undo` needs to tell what the import created).
    pub async fn check_first(&self, add_direction: Direction, notes: &mut Notes) -> Result<(), ImportError> {
        let already = Settled {
            outcome: Outcome::AlreadyFriends.into(),
            code: None,
            reason: Some("held before this import sent anything (--check-first)".to_owned()),
        };
        let before = self.client.calls();
        let (mut asked, mut found_held) = (0u64, 0u64);
        // Each pass asks what the last could not say, in full calls.
        for _ in 0..ROUNDS {
            let before = asked;
            let complete = self
                .ask(&Edges::Unchecked, |rows, found| {
                    let marks: Vec<(Key, &'static str, bool)> = rows
                        .iter()
                        .zip(found)
                        .filter_map(|(r, w)| w.map(|w| (r.key(), w.as_str(), covers(w, add_direction))))
                        .collect();
                    asked += marks.len() as u64;
                    found_held += marks.iter().filter(|(_, _, h)| *h).count() as u64;
                    Ok(self.journal.lock().checked_first(&marks, &already)?)
                })
                .await?;
            if !complete || asked == before || self.journal.lock().count(&Edges::Unchecked)? == 0 {
                break;
            }
        }
        notes.checked_first = Some((asked, found_held, self.client.calls() - before));
        Ok(())
    }

    /// Asks the service about every edge that succeeded, and records whether it holds each;
    /// returns (edges checked, edges not as the goal wants them, whether every one was checked).
    pub async fn verify(&self) -> Result<(u64, u64, bool), ImportError> {
        let wants = self.wants_held();
        let done = super::verified_edges(self.entry);
        // What an earlier verification found is asked again; each pass then asks only what the
        // last could not say (an item refused with a retryable code), in full calls.
        self.journal.lock().forget_held(&done)?;
        let unverified = Edges::Unverified(Box::new(done));
        let (mut checked, mut missing, mut complete) = (0, 0, false);
        for _ in 0..ROUNDS {
            let before = checked;
            complete = self
                .ask(&unverified, |page, found| {
                    // Interrupted, or not answered, the rows are left unmarked.
                    let marks: Vec<(Key, bool)> =
                        page.iter().zip(found).filter_map(|(r, w)| w.map(|w| (r.key(), held(w)))).collect();
                    checked += marks.len() as u64;
                    missing += marks.iter().filter(|(_, h)| *h != wants).count() as u64;
                    Ok(self.journal.lock().held(&marks)?)
                })
                .await?;
            if !complete || checked == before || self.journal.lock().count(&unverified)? == 0 {
                break;
            }
        }
        let complete = complete && self.journal.lock().count(&unverified)? == 0;
        Ok((checked, missing, complete))
    }

    /// Asks the service how it holds the edges of `which`, requester by requester, `workers`
    /// calls at once, handing each group and the answers to `record` as they come. Returns
    /// whether every edge was asked about (false when interrupted).
    async fn ask(
        &self,
        which: &Edges,
        mut record: impl FnMut(&[Row], &[Option<RelationWord>]) -> Result<(), ImportError>,
    ) -> Result<bool, ImportError> {
        let groups = std::pin::pin!(groups(self.journal, which, self.client));
        let mut answers = groups
            .map(|group| async move {
                let group = group?;
                let found = self.asker.relations(self.client, &group).await;
                Ok::<_, ImportError>((group, found))
            })
            .buffer_unordered(self.workers.max(1));
        while let Some(answer) = answers.next().await {
            let (group, found) = answer?;
            record(&group, &found)?;
        }
        Ok(!self.client.is_cancelled())
    }

    /// Sends every pending edge: the journal streams them by requester; each requester's edges
    /// go in chunks of the batch maximum; `workers` chunks are in flight at once, all under the
    /// client's one pacer for this API and app. Each page of edges is marked dispatched
    /// (committed) before any of it is sent; outcomes are recorded as they come; the mark is
    /// cleared once every outcome of the round is committed.
    pub async fn send_pending(&self) -> Result<u64, ImportError> {
        let (entry, client, journal, workers) = (self.entry, self.client, self.journal, self.workers.max(1));
        // Without a batch, a call carries one edge (its target in the path or a body field).
        let max = usize::try_from(entry.per_call(&[])).unwrap_or(usize::MAX);
        let total = journal.lock().pending_count()?;
        let progress = Progress::start(total, self.observer);
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
                self.fixed.clone(),
                progress.clone(),
                failure.clone(),
                sent.clone(),
            );
            tasks.push(tokio::spawn(async move {
                loop {
                    let chunk = { rx.lock().await.recv().await };
                    // Interrupted: the chunks left in the queue are not sent (their edges stay pending).
                    let Some(chunk) = chunk.filter(|_| !client.is_cancelled()) else { break };
                    let settled = send_chunk(entry, &fixed, &client, &chunk, &progress).await;
                    sent.fetch_add(settled.len() as u64, Ordering::Relaxed);
                    if settled.is_empty() {
                        continue;
                    }
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
            let mut after: Option<Key> = None;
            let mut chunk: Vec<Row> = Vec::new();
            while !failed() && !client.is_cancelled() {
                let page = journal.lock().page(&Edges::Pending, after.as_ref(), PAGE)?;
                let Some(last) = page.last() else { break };
                after = Some(last.key());
                journal.commit(Write::Dispatched(after.clone())).await.map_err(ImportError)?;
                for row in page {
                    let full = chunk.first().is_some_and(|c| c.requester != row.requester || c.fixed != row.fixed)
                        || chunk.len() == max;
                    if full && tx.send(std::mem::take(&mut chunk)).await.is_err() {
                        return Ok(());
                    }
                    chunk.push(row);
                }
            }
            if !chunk.is_empty() && !failed() && !client.is_cancelled() {
                let _ = tx.send(chunk).await;
            }
            Ok::<(), ImportError>(())
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
            return Err(ImportError(e));
        }
        // Every outcome is committed before the mark goes (the queue is in order).
        journal.commit(Write::Dispatched(None)).await.map_err(ImportError)?;
        Ok(sent.load(Ordering::Relaxed))
    }
}

/// Whether a relation word says the requester's list holds the target.
fn held(word: RelationWord) -> bool {
    matches!(word, RelationWord::Outgoing | RelationWord::Both)
}

/// Whether what the service already holds covers what an add in `direction` would create.
fn covers(word: RelationWord, direction: Direction) -> bool {
    match direction {
        Direction::OneWay => held(word),
        Direction::Both => word == RelationWord::Both,
    }
}

/// One call; returns its edges' outcomes. Interrupted before it was made (the client was
/// cancelled while it waited for the pacer), its edges are left pending: nothing is recorded.
async fn send_chunk(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    chunk: &[Row],
    progress: &Progress,
) -> Vec<(Key, Settled)> {
    let items: Vec<Value> = chunk.iter().map(|r| serde_json::from_str(&r.item).unwrap_or(Value::Null)).collect();
    let requester = shape::requester_key(entry).map(|_| chunk[0].requester.as_str());
    let own = fixed.with_fields(&chunk[0].fixed);
    let (body, params) = shape::request(entry, &own, requester, items);
    let all = |outcome: Outcome, code: Option<String>, reason: String| {
        vec![Settled { outcome: outcome.into(), code, reason: Some(reason) }; chunk.len()]
    };
    let outcomes: Vec<Settled> = match client.send(entry, &body, &params).await {
        Ok(report) if client.is_cancelled() && report.calls == 0 => return Vec::new(),
        Ok(report) if report.items.len() == chunk.len() => report
            .items
            .iter()
            .map(|o| {
                let reason = o.reason.clone().or_else(|| {
                    (o.outcome == Outcome::Invalid)
                        .then(|| report.violations.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; "))
                });
                Settled { outcome: o.outcome.into(), code: o.code.as_ref().map(|c| c.to_string()), reason }
            })
            .collect(),
        // The request itself was refused before sending: nothing of it was applied.
        Ok(report) if !report.rejected.is_empty() => {
            let why = report.rejected.iter().map(|v| v.to_string()).collect::<Vec<_>>().join("; ");
            all(Outcome::Invalid, report.rejected.first().map(|v| v.code.to_string()), why)
        }
        // An answer that does not account for the chunk: it may have been applied.
        Ok(_) => all(Outcome::Failed.given_maybe_applied(), None, "the answer does not account for every item".into()),
        Err(e) => all(Outcome::Failed, None, e.to_string()),
    };
    let failed = outcomes.iter().filter(|s| !s.outcome.succeeded()).count();
    progress.advance(chunk.len() as u64, failed as u64);
    chunk.iter().map(Row::key).zip(outcomes).collect()
}

/// The edges of `which`, one group per requester (a requester whose edges run over two pages
/// is one group, up to [`GROUP`] edges), read a page at a time.
fn groups<'a>(
    journal: &'a Shared,
    which: &'a Edges,
    client: &'a VendorClient,
) -> impl futures_util::Stream<Item = Result<Vec<Row>, ImportError>> + 'a {
    struct Walk {
        after: Option<Key>,
        carry: Vec<Row>,
        ready: std::collections::VecDeque<Vec<Row>>,
        done: bool,
    }
    let start = Walk { after: None, carry: Vec::new(), ready: Default::default(), done: false };
    futures_util::stream::unfold(start, move |mut walk| async move {
        loop {
            if let Some(group) = walk.ready.pop_front() {
                return Some((Ok(group), walk));
            }
            if walk.done || client.is_cancelled() {
                return None;
            }
            let page = match journal.lock().page(which, walk.after.as_ref(), PAGE) {
                Ok(page) => page,
                Err(e) => {
                    walk.done = true;
                    return Some((Err(e.into()), walk));
                }
            };
            match page.last() {
                Some(last) => walk.after = Some(last.key()),
                None => {
                    walk.done = true;
                    if !walk.carry.is_empty() {
                        walk.ready.push_back(std::mem::take(&mut walk.carry));
                    }
                    continue;
                }
            }
            for row in page {
                if walk.carry.first().is_some_and(|c| c.requester != row.requester) || walk.carry.len() >= GROUP {
                    walk.ready.push_back(std::mem::take(&mut walk.carry));
                }
                walk.carry.push(row);
            }
        }
    })
}

/// How the service is asked whether it holds edges: the vendor's check API (in a mode), else
/// its list API, found in the registry by operation.
pub struct Asker {
    check: Option<(&'static ApiEntry, Fixed, Direction)>,
    list: Option<&'static ApiEntry>,
}

impl Asker {
    /// The asker for `entry`'s vendor; a check in `mode` where the check API has that mode.
    pub fn of(entry: &ApiEntry, mode: Direction) -> Asker {
        let check = shape::sibling(entry, Operation::Check, |a| a.info.relation.is_some()).map(|check| {
            let (fixed, mode) = check_mode(check, mode);
            (check, fixed, mode)
        });
        let list = shape::sibling(entry, Operation::List, |a| a.info.relation.is_some());
        Asker { check, list }
    }

    /// Whether the service can be asked at all.
    pub fn can_ask(&self) -> bool {
        self.check.is_some() || self.list.is_some()
    }

    /// The fewest seconds asking about these requesters' edges takes at the documented rate:
    /// a check call per batch maximum of each requester's edges, or a listing per requester.
    pub fn floor_s(&self, journal: &Shared, which: &Edges) -> Result<f64, ImportError> {
        let (api, max) = match (&self.check, self.list) {
            (Some((check, _, _)), _) => (*check, check.per_call(&[])),
            (None, Some(list)) => (list, u64::MAX),
            (None, None) => return Ok(0.0),
        };
        let mut calls = 0;
        journal.lock().sizes_of(which, |n| calls += n.div_ceil(max))?;
        Ok(floor_s(api, calls))
    }

    /// How the service holds each edge of one requester's group, from the requester's side;
    /// `None` where it could not say.
    async fn relations(&self, client: &VendorClient, group: &[Row]) -> Vec<Option<RelationWord>> {
        let mut out = vec![None; group.len()];
        let Some(first) = group.first() else { return out };
        let requester = first.requester.as_str();
        if let Some((check, fixed, _)) = &self.check {
            // A call per batch maximum of targets (one each where the check has no batch).
            let per_call = usize::try_from(check.per_call(&[])).unwrap_or(usize::MAX);
            for (rows, slots) in group.chunks(per_call).zip(out.chunks_mut(per_call)) {
                let items: Vec<Value> = rows.iter().map(|r| shape::bare_item(check, &r.user)).collect();
                let (body, params) = shape::request(check, fixed, Some(requester), items);
                if let Ok(report) = client.send(check, &body, &params).await {
                    for (slot, o) in slots.iter_mut().zip(&report.items) {
                        *slot = o.relation;
                    }
                }
            }
        } else if let Some(list) = self.list {
            let (body, params) = shape::request(list, &Fixed::default(), Some(requester), Vec::new());
            if let Ok(report) = client.send(list, &body, &params).await
                && let Some(listing) = report.listing.filter(|l| l.complete)
            {
                // A list shows the requester's side; where the vendor's relations are mutual,
                // a listed friend is a friend both ways.
                let both = list.info.relation.as_ref().is_some_and(|r| r.direction == Direction::Both);
                let friends: std::collections::HashSet<String> =
                    listing.friends.into_iter().map(|(id, _)| id).collect();
                for (slot, r) in out.iter_mut().zip(group) {
                    *slot = Some(match (friends.contains(&r.user), both) {
                        (true, true) => RelationWord::Both,
                        (true, false) => RelationWord::Outgoing,
                        (false, _) => RelationWord::None,
                    });
                }
            }
        }
        out
    }
}

/// A check request's mode: the value of its direction field that checks in `mode`, else its
/// first value (a check API without a direction field checks in its own).
fn check_mode(check: &ApiEntry, mode: Direction) -> (Fixed, Direction) {
    let mut fixed = Fixed::default();
    let Some(relation) = check.info.relation.as_ref() else { return (fixed, mode) };
    let Some((field, values)) = relation.direction_field else { return (fixed, relation.direction) };
    let Some((value, chosen)) = values.iter().find(|(_, d)| *d == mode).or(values.first()) else {
        return (fixed, relation.direction);
    };
    fixed.fields.insert(field.to_owned(), shape::wire_value(value));
    (fixed, *chosen)
}
