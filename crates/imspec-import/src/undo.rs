//! `--undo`: removes exactly the relations an import created, with the vendor's remove API —
//! found in the registry by operation, its direction chosen from the specs' relation data —
//! journaled in `<journal>.undo` and resumable like the import itself (the same phases run it,
//! towards the goal that the service holds none of them).
//!
//! What the import created, per edge: the directions its add made (one way, or both, by the
//! add API's direction and `--param`), less those the service held before (what
//! `--check-first` found). An edge answered `already_friends` was there before — unless the
//! add is two-way and the reverse edge of the same import was `added`: that add created this
//! one too, so it is undone with it. A direction created only on the target's side is removed
//! one way from the target's side.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use imspec::runtime::{ApiEntry, VendorClient};
use imspec_runtime::{Direction, Operation, Outcome, RelationWord};
use serde_json::json;

use crate::journal::{DoneEdge, Fingerprint, Journal, Loaded, Row, Settled, Shared};
use crate::phases::{Asker, Notes, Phase};
use crate::shape::{self, Fixed};
use crate::summary::{self, Summary};
use crate::{ImportError, Options, add_direction, lock, refuse_other};

pub async fn run(
    entry: &'static ApiEntry,
    fixed: &Fixed,
    client: &VendorClient,
    import_path: &Path,
    fingerprint: &Fingerprint,
    args: &Options,
) -> Result<Summary, ImportError> {
    let Some(import) = Journal::open_existing(import_path)? else {
        return Err(ImportError(format!(
            "--undo: there is no import journal at {}: nothing to undo",
            import_path.display()
        )));
    };
    // An undo against another service than the import's is refused as a rerun is.
    refuse_other(&import, fingerprint)?;
    let unsettled = import.unsettled()?;
    if unsettled > 0 {
        return Err(ImportError(format!(
            "--undo: {unsettled} edges of the import in {} have no final answer yet (pending or unknown); \
             rerun the import to settle them, then undo",
            import_path.display()
        )));
    }
    let Some(remove) = shape::sibling(entry, Operation::Remove, |a| a.info.relation.is_some()) else {
        return Err(ImportError(format!("--undo: {} has no remove API", entry.info.vendor.id)));
    };
    let tells = entry.info.relation.as_ref().is_some_and(|r| r.already_friends.is_some());
    if !tells && !args.force {
        let unchecked = import.added_unchecked()?;
        if unchecked > 0 {
            return Err(ImportError(format!(
                "--undo: journal {} cannot tell which of its {unchecked} `added` edges the import created: {} answers \
                 success for a friend the service held already, and the import did not ask first. Undo would remove \
                 friends the service held before the import. Import with --check-first to know, or give --force to \
                 remove every edge recorded `added`",
                import_path.display(),
                entry.info.id
            )));
        }
    }
    let direction = add_direction(entry, fixed);
    let undo_path = PathBuf::from(format!("{}.undo", import_path.display()));
    let _lock = lock::take(&undo_path)?;
    let undo_fingerprint = Fingerprint { api: remove.info.id.to_owned(), ..fingerprint.clone() };
    if args.restart {
        drop(Journal::probe(&undo_path)?);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", undo_path.display()));
        }
    }
    let mut kept = 0u64;
    let journal = match Journal::open_existing(&undo_path)? {
        Some(journal) => {
            refuse_other(&journal, &undo_fingerprint)?;
            kept = journal.meta_number("kept")?;
            journal
        }
        None => {
            let journal = import.each_done(|done| {
                let rows = done.filter_map(|edge| match edge {
                    Err(e) => Some(Err(e)),
                    Ok(edge) => {
                        let row = removal(remove, direction, &edge);
                        kept += u64::from(row.is_none());
                        row.map(Ok)
                    }
                });
                Journal::create(&undo_path, false, &undo_fingerprint, rows)
            })??;
            journal.set_meta("kept", &kept.to_string())?;
            journal
        }
    };
    drop(import);
    journal.open_run()?;
    let shared = Arc::new(Shared::new(journal, false));
    let started = Instant::now();
    let mut notes = Notes::default();
    let none = Fixed::default();
    let phase = Phase {
        entry: remove,
        fixed: &none,
        client,
        journal: &shared,
        workers: args.concurrency.max(1),
        asker: Asker::of(remove, Direction::OneWay),
        observer: &args.observer,
    };
    phase.reconcile(&mut notes).await?;
    shared.lock().retry_transport_failures()?;
    phase.send_all(&mut notes).await?;
    if args.verify && !client.is_cancelled() {
        notes.verified = Some(phase.verify().await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let journal = Shared::into_journal(shared).map_err(ImportError)?;
    let ended = finish(&journal, client, args, elapsed, &notes, kept)?;
    journal.close_run()?;
    Ok(ended)
}

/// The removal that takes back what the import created with `edge`, as an edge of the undo's
/// journal: its requester and target (the target's side where only that direction was
/// created) and the remove API's direction field. `None`: the import created nothing there.
fn removal(remove: &'static ApiEntry, added: Direction, edge: &DoneEdge) -> Option<Loaded> {
    let both = added == Direction::Both;
    let (before_out, before_in) = match edge.pre.as_deref().and_then(word) {
        Some(RelationWord::Both) => (true, true),
        Some(RelationWord::Outgoing) => (true, false),
        Some(RelationWord::Incoming) => (false, true),
        _ => (false, false),
    };
    let (out, inc) = if edge.outcome == Outcome::Added.into() {
        (!before_out, both && !before_in)
    } else if both && edge.reverse_added {
        // The reverse line's add created this relation too: it is the import's own.
        (true, true)
    } else {
        (false, false)
    };
    let (requester, user, direction) = match (out, inc) {
        (true, true) => (&edge.requester, &edge.user, Direction::Both),
        (true, false) => (&edge.requester, &edge.user, Direction::OneWay),
        (false, true) => (&edge.user, &edge.requester, Direction::OneWay),
        (false, false) => return None,
    };
    let item = shape::bare_item(remove, user).to_string();
    let (fixed, settled) = match fields_for(remove, direction) {
        Some(fixed) => (fixed, None),
        None => {
            let why = format!(
                "{} cannot remove {} only; the import created this relation {}",
                remove.info.id,
                words(direction),
                words(direction)
            );
            (String::new(), Some(Settled { outcome: Outcome::Failed.into(), code: None, reason: Some(why) }))
        }
    };
    let row = Row { line: edge.line, requester: requester.clone(), user: user.clone(), item, fixed };
    Some(Loaded { row, settled, registration: None })
}

/// The remove API's request fields that remove in `direction`: its direction field's value
/// for it, nothing when the API removes that way anyway; `None` when it cannot.
fn fields_for(remove: &ApiEntry, direction: Direction) -> Option<String> {
    let relation = remove.info.relation.as_ref()?;
    match relation.direction_field {
        Some((field, values)) => {
            let (value, _) = values.iter().find(|(_, d)| *d == direction)?;
            Some(json!({ field: shape::wire_value(value) }).to_string())
        }
        None => (relation.direction == direction).then(String::new),
    }
}

fn words(direction: Direction) -> &'static str {
    match direction {
        Direction::OneWay => "one way",
        Direction::Both => "both ways",
    }
}

fn word(text: &str) -> Option<RelationWord> {
    [RelationWord::None, RelationWord::Outgoing, RelationWord::Incoming, RelationWord::Both]
        .into_iter()
        .find(|w| w.as_str() == text)
}

/// The undo's report (one line per relation it set out to remove) and summary: it succeeded
/// when every one is gone (`removed`, `not_friends`) and, verified, none is held.
fn finish(
    journal: &Journal,
    client: &VendorClient,
    args: &Options,
    elapsed: f64,
    notes: &Notes,
    kept: u64,
) -> Result<Summary, ImportError> {
    let (edges, outcomes, all_ok) = summary::tally(journal, args.report.as_deref(), false, |r| r.held != Some(true))?;
    let calls = client.calls();
    let mut summary = Summary::counted(edges, outcomes, calls, journal.add_calls(calls)?);
    summary.undo = true;
    summary.kept = Some(kept);
    summary.journal = Some(journal.path.clone());
    summary.add_notes(notes, elapsed, client.is_cancelled());
    summary.succeeded = all_ok && !client.is_cancelled();
    Ok(summary)
}
