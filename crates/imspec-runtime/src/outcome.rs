//! One outcome per input item, read from whichever shape the vendor answers in — as the spec's
//! `envelope` and `results` describe it, never by vendor-specific code.

use serde_json::Value;

use crate::api::{Envelope, Results};
use crate::code::{Code, ErrorClass};

/// What became of one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
        ItemOutcome { user: user.to_owned(), outcome, code: Some(code), class }
    };
    let added = |user: &str| ItemOutcome { user: user.to_owned(), outcome: Outcome::Added, code: None, class: None };
    let unknown = |user: &str| ItemOutcome { user: user.to_owned(), outcome: Outcome::Failed, code: None, class: None };

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

    match results {
        Results::PerItem { list, id, code, ok } => {
            if request_failed {
                return all_failed(request_code);
            }
            let items = at(body, list).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            sent.iter()
                .map(|u| match items.iter().find(|i| i.get(*id).and_then(Value::as_str) == Some(u)) {
                    Some(item) => match item.get(*code).and_then(code_of) {
                        Some(c) if &c == ok => added(u),
                        Some(c) => of_code(u, c),
                        None => unknown(u),
                    },
                    None => unknown(u),
                })
                .collect()
        }
        Results::FailuresOnly { list, id, code } => {
            let failures = at(body, list).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            // ZEGO: a failed request with an empty list failed as a whole; otherwise listed items
            // carry their own code and the others share the request's outcome.
            if request_failed && failures.is_empty() {
                return all_failed(request_code);
            }
            sent.iter()
                .map(|u| match failures.iter().find(|i| i.get(*id).and_then(Value::as_str) == Some(u)) {
                    Some(item) => match item.get(*code).and_then(code_of) {
                        Some(c) => of_code(u, c),
                        None => unknown(u),
                    },
                    None if request_failed => match &request_code {
                        Some(c) => of_code(u, c.clone()),
                        None => unknown(u),
                    },
                    None => added(u),
                })
                .collect()
        }
        Results::IdLists { lists } => {
            if request_failed {
                return all_failed(request_code);
            }
            sent.iter()
                .map(|u| {
                    let listed = lists.iter().find(|(path, _)| {
                        at(body, path)
                            .and_then(Value::as_array)
                            .is_some_and(|ids| ids.iter().any(|i| i.as_str() == Some(u)))
                    });
                    match listed {
                        Some((_, None)) => added(u),
                        Some((_, Some(c))) => of_code(u, c.clone()),
                        None => unknown(u),
                    }
                })
                .collect()
        }
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
