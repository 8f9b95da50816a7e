//! One outcome per input item, read from whichever shape the vendor answers in — as the spec's
//! `envelope` and `results` describe it, never by vendor-specific code.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::api::{Envelope, Results};
use crate::code::{Code, ErrorClass};

/// What became of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    Added,
    /// The vendor says the two were friends already (a success).
    AlreadyFriends,
    /// Accepted, awaiting the other side (a success of another kind).
    Pending,
    Failed,
    /// Rejected locally by validation and not sent.
    Invalid,
    /// Never sent (an earlier failure stopped the batch).
    NotAttempted,
    /// An attempt may have been applied (its answer was lost) and no later attempt answered
    /// definitively: the service may or may not hold the item.
    Unknown,
}

impl Outcome {
    /// The word the command line prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::AlreadyFriends => "already_friends",
            Outcome::Pending => "pending",
            Outcome::Failed => "failed",
            Outcome::Invalid => "invalid",
            Outcome::NotAttempted => "not_attempted",
            Outcome::Unknown => "unknown",
        }
    }

    /// Added, already friends or pending.
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Added | Outcome::AlreadyFriends | Outcome::Pending)
    }
}

/// The outcome of one item, with the vendor's code when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOutcome {
    pub user: String,
    pub outcome: Outcome,
    pub code: Option<Code>,
    /// The class the spec gives the code (`None` for success or an unlisted code).
    pub class: Option<ErrorClass>,
    /// Why no answer settled the item, when the transport is to blame (connection refused,
    /// timed out, HTTP 502): one line, never a secret.
    pub reason: Option<String>,
}

impl ItemOutcome {
    /// An outcome without a code or a reason.
    pub fn new(user: impl Into<String>, outcome: Outcome) -> Self {
        ItemOutcome { user: user.into(), outcome, code: None, class: None, reason: None }
    }
}

/// Reads a response to a call that carried `sent` (the items' target ids, in order) into one
/// outcome per sent item. `http_ok` is whether the HTTP status was 200; `classify` gives a
/// code's class from the API's error table.
pub fn read(
    envelope: &Envelope,
    results: &Results,
    http_ok: bool,
    body: &Value,
    sent: &[&str],
    classify: impl Fn(&Code) -> Option<ErrorClass>,
) -> Vec<ItemOutcome> {
    let of_code = |user: &str, code: Code| {
        let class = classify(&code);
        let outcome = match class {
            Some(ErrorClass::AlreadyDone) => Outcome::AlreadyFriends,
            Some(ErrorClass::Pending) => Outcome::Pending,
            _ => Outcome::Failed,
        };
        ItemOutcome { user: user.to_owned(), outcome, code: Some(code), class, reason: None }
    };
    let added = |user: &str| ItemOutcome::new(user, Outcome::Added);
    // No code for the item: the answer does not account for it. Retried as a transport
    // failure would be (a re-add is answered as done).
    let unknown = |user: &str| ItemOutcome::new(user, Outcome::Failed);

    // The request as a whole: a non-200 status, or an envelope code other than success.
    let request_code = body.get(envelope.code).and_then(code_of);
    let request_failed = match (&envelope.ok, &request_code) {
        (_, _) if !http_ok => true,
        (Some(ok), Some(code)) => code != ok,
        (Some(_), None) => true,
        (None, _) => false,
    };
    let all_failed = |code: Option<Code>| -> Vec<ItemOutcome> {
        sent.iter()
            .map(|u| match &code {
                Some(c) => of_code(u, c.clone()),
                None => unknown(u),
            })
            .collect()
    };

    // Each entry of the answer serves one sent item: a user sent twice takes the first two
    // entries for it, in order. Ids compare as text (a string, or a number's digits).
    let entries = |list: &[&str], ids: &[&str], code: &str| -> Pool {
        let mut pool = Pool::default();
        for i in at(body, list).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            pool.put(ids.iter().find_map(|k| i.get(*k)).and_then(id_text), i.get(code).and_then(code_of));
        }
        pool
    };
    let take = |pool: &mut Pool, user: &str| pool.take(user);

    match results {
        Results::PerItem { list, ids, code, ok } => {
            if request_failed {
                return all_failed(request_code);
            }
            let mut pool = entries(list, ids, code);
            sent.iter()
                .map(|u| match take(&mut pool, u) {
                    Some(Some(c)) if &c == ok => added(u),
                    Some(Some(c)) => of_code(u, c),
                    Some(None) | None => unknown(u),
                })
                .collect()
        }
        Results::FailuresOnly { list, ids, code } => {
            let mut pool = entries(list, ids, code);
            // ZEGO: a failed request with an empty list failed as a whole; otherwise listed items
            // carry their own code and the others share the request's outcome.
            if request_failed && pool.is_empty() {
                return all_failed(request_code);
            }
            let out: Vec<ItemOutcome> = sent
                .iter()
                .map(|u| match take(&mut pool, u) {
                    Some(Some(c)) => of_code(u, c),
                    Some(None) => unknown(u),
                    None if request_failed => match &request_code {
                        Some(c) => of_code(u, c.clone()),
                        None => unknown(u),
                    },
                    None => added(u),
                })
                .collect();
            // A failure we could not attribute (no readable id, or an id never sent) means an
            // unlisted item may have failed: report those as failed, never as added.
            if pool.is_empty() {
                out
            } else {
                out.into_iter()
                    .map(
                        |o| if o.outcome == Outcome::Added { ItemOutcome { outcome: Outcome::Failed, ..o } } else { o },
                    )
                    .collect()
            }
        }
        Results::IdLists { lists } => {
            if request_failed {
                return all_failed(request_code);
            }
            // Failure lists first: an id listed as both failed and succeeded counts as failed,
            // which a retry can only confirm.
            let mut pool = Pool::default();
            for failures_first in [true, false] {
                for (path, list_code) in lists.iter().filter(|(_, c)| c.is_some() == failures_first) {
                    let ids = at(body, path).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
                    for i in ids {
                        pool.put(id_text(i), list_code.clone());
                    }
                }
            }
            sent.iter()
                .map(|u| match take(&mut pool, u) {
                    Some(None) => added(u),
                    Some(Some(c)) => of_code(u, c),
                    None => unknown(u),
                })
                .collect()
        }
    }
}

/// The entries of an answer, by id, each serving one sent item in order: linear however
/// many items and entries there are.
#[derive(Default)]
struct Pool {
    by_id: HashMap<String, VecDeque<Option<Code>>>,
    /// Entries not yet taken, those without a readable id included.
    left: usize,
}

impl Pool {
    fn put(&mut self, id: Option<String>, code: Option<Code>) {
        self.left += 1;
        if let Some(id) = id {
            self.by_id.entry(id).or_default().push_back(code);
        }
    }

    fn take(&mut self, user: &str) -> Option<Option<Code>> {
        let code = self.by_id.get_mut(user)?.pop_front()?;
        self.left -= 1;
        Some(code)
    }

    fn is_empty(&self) -> bool {
        self.left == 0
    }
}

/// An id as text: a string, or a number's digits.
fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn at<'v>(body: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(body, |v, k| v.get(*k))
}

fn code_of(v: &Value) -> Option<Code> {
    match v {
        Value::Number(n) => n.as_i64().map(Code::Int),
        Value::String(s) => Some(Code::Str(s.clone().into())),
        _ => None,
    }
}
