//! What an import (or an undo) did, as a value: the [`Summary`] a run returns — its JSON form
//! is what `imspec import` prints — and the per-edge report file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Value, json};

use crate::ImportError;
use crate::journal::{self, ReportRow};
use crate::phases::Notes;

/// What a run did. `succeeded` says whether it did all it was asked: every edge succeeded
/// (for an undo: every relation is gone), nothing verified is not as the goal wants it, and
/// the run was not cancelled. The JSON form ([`Summary::to_json`]) leaves out what did not
/// happen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// An undo's summary.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub undo: bool,
    /// Input edges (an undo: the relations it set out to remove).
    pub edges: u64,
    /// Edges by outcome word (`added`, `already_friends`, `invalid`, `duplicate`, …).
    pub outcomes: BTreeMap<String, u64>,
    /// An undo: edges the import did not create, so left alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<u64>,
    /// Calls this run made (retries included).
    pub calls: u64,
    /// Calls every run on this journal made.
    pub calls_total: u64,
    pub elapsed_s: f64,
    /// Edges handed to the senders in this run.
    pub sent: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges_per_s: Option<f64>,
    /// The fewest seconds the graph needs at the documented rate (one requester per call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor_s: Option<f64>,
    /// The journal, unless it was temporary.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "display_path")]
    pub journal: Option<PathBuf>,
    /// Edges whose answer was lost, settled by asking the service.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconciled: Option<Reconciled>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_first: Option<CheckedFirst>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verified: Option<Verified>,
    /// Each phase that ran, in order.
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "phases_by_name")]
    pub phases: Vec<PhaseTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repaired: Option<Repaired>,
    /// Cancelled: calls in flight finished and were recorded, nothing new was sent.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// With registration: users by outcome word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered: Option<BTreeMap<String, u64>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
    #[serde(skip)]
    pub succeeded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reconciled {
    /// Edges by what the service answered about them.
    pub edges: BTreeMap<String, u64>,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedFirst {
    pub checked: u64,
    /// Held before the import: `already_friends`, not sent.
    pub held: u64,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verified {
    pub checked: u64,
    /// An import: edges the service does not hold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_held: Option<u64>,
    /// An undo: relations the service still holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub still_held: Option<u64>,
    /// Whether every edge was checked (not when cancelled midway).
    #[serde(skip_serializing_if = "is_true")]
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseTime {
    #[serde(skip)]
    pub name: &'static str,
    pub elapsed_s: f64,
    /// Calls, retries included.
    pub calls: u64,
    /// The fewest seconds the phase's calls take at its API's documented rate.
    pub floor_s: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Repaired {
    pub sent_again: u64,
}

impl Summary {
    /// The summary as `imspec import` prints it.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A summary of what a run counted, before the phases' notes are added.
    pub(crate) fn counted(edges: u64, outcomes: BTreeMap<String, u64>, calls: u64, calls_total: u64) -> Summary {
        Summary {
            undo: false,
            edges,
            outcomes,
            kept: None,
            calls,
            calls_total,
            elapsed_s: 0.0,
            sent: 0,
            edges_per_s: None,
            floor_s: None,
            journal: None,
            reconciled: None,
            check_first: None,
            verified: None,
            phases: Vec::new(),
            repaired: None,
            interrupted: false,
            registered: None,
            dry_run: false,
            succeeded: false,
        }
    }

    /// What the phases did; `undo` names a verified mismatch `still_held` instead of `not_held`.
    pub(crate) fn add_notes(&mut self, notes: &Notes, elapsed: f64, interrupted: bool) {
        self.elapsed_s = round3(elapsed);
        self.sent = notes.sent;
        if !notes.reconciled.is_empty() {
            let edges = notes.reconciled.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
            self.reconciled = Some(Reconciled { edges, calls: notes.reconcile_calls });
        }
        self.check_first = notes.checked_first.map(|(checked, held, calls)| CheckedFirst { checked, held, calls });
        self.verified = notes.verified.map(|(checked, missing, complete)| {
            let (not_held, still_held) = if self.undo { (None, Some(missing)) } else { (Some(missing), None) };
            Verified { checked, not_held, still_held, complete }
        });
        self.phases = notes
            .phases
            .iter()
            .map(|(name, elapsed, calls, floor)| PhaseTime {
                name,
                elapsed_s: round3(*elapsed),
                calls: *calls,
                floor_s: round3(*floor),
            })
            .collect();
        self.repaired = notes.repaired.map(|sent_again| Repaired { sent_again });
        self.interrupted = interrupted;
    }
}

fn is_true(b: &bool) -> bool {
    *b
}

fn display_path<S: serde::Serializer>(path: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    match path {
        Some(p) => s.serialize_str(&p.display().to_string()),
        None => s.serialize_none(),
    }
}

fn phases_by_name<S: serde::Serializer>(phases: &[PhaseTime], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(phases.iter().map(|p| (p.name, p)))
}

/// Walks the journal's report: counts the outcomes, writes the report file when asked (beside
/// its place, renamed into it, so a full disk never leaves a truncated report), and says
/// whether every line satisfies `ok`.
pub(crate) fn tally(
    journal: &journal::Journal,
    report: Option<&Path>,
    import: bool,
    ok: impl Fn(&ReportRow) -> bool,
) -> Result<(u64, BTreeMap<String, u64>, bool), ImportError> {
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let (mut edges, mut all_ok) = (0u64, true);
    let mut file = report.map(ReportFile::create).transpose()?;
    journal.report(file.is_some(), import, |r| {
        edges += 1;
        *outcomes.entry(r.outcome.as_str().to_owned()).or_default() += 1;
        all_ok &= r.outcome.succeeded() && ok(&r);
        if let Some(out) = file.as_mut() {
            out.line(&r);
        }
    })?;
    if let Some(out) = file {
        out.commit()?;
    }
    Ok((edges, outcomes, all_ok))
}

/// The report file: written to a side file, renamed into place once complete.
struct ReportFile {
    path: PathBuf,
    side: PathBuf,
    out: std::io::BufWriter<std::fs::File>,
    error: Option<std::io::Error>,
}

impl ReportFile {
    fn create(path: &Path) -> Result<ReportFile, ImportError> {
        let side = PathBuf::from(format!("{}.partial", path.display()));
        let file =
            std::fs::File::create(&side).map_err(|e| ImportError(format!("--report {}: {e}", side.display())))?;
        Ok(ReportFile { path: path.to_owned(), side, out: std::io::BufWriter::new(file), error: None })
    }

    /// One line: `line`, `requester`, `user`, `outcome` and, when known, `code`, `reason`,
    /// `held` and `answered` (the answer of an edge the service does not hold).
    fn line(&mut self, r: &ReportRow) {
        use std::io::Write as _;
        let mut line = json!({"line": r.line, "requester": r.requester, "user": r.user, "outcome": r.outcome.as_str()});
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
        if self.error.is_none()
            && let Err(e) = writeln!(self.out, "{line}")
        {
            self.error = Some(e);
        }
    }

    fn commit(mut self) -> Result<(), ImportError> {
        use std::io::Write as _;
        let failed = |e: std::io::Error| {
            let _ = std::fs::remove_file(&self.side);
            ImportError(format!(
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

pub(crate) fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
