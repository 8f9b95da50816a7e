//! One outcome per input item, read from whichever shape the vendor answers in — as the spec's
//! `envelope` and `results` describe it, never by vendor-specific code.

use std::collections::{HashMap, VecDeque};

use serde_json::Value;

use crate::api::{ApiInfo, Operation, Results};
use crate::code::{Code, ErrorClass};
use crate::json::{at, id_text};
use crate::service::{Direction, RelationWord};

/// What became of one item: the operation's success words, and the ways any item can end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    Added,
    /// The vendor says the two were friends already (a success).
    AlreadyFriends,
    /// Accepted, awaiting the other side (a success of another kind).
    Pending,
    /// A remove took the friend away.
    Removed,
    /// A remove found no such friend (a success: the friend is gone either way).
    NotFriends,
    /// A register created the user.
    Registered,
    /// A register found the user already there (a success).
    AlreadyRegistered,
    /// A check answered; the item carries the relation or the registration.
    Checked,
    Failed,
    /// Rejected locally by validation and not sent.
    Invalid,
    /// Never sent (an earlier failure stopped the batch).
    NotAttempted,
    /// An attempt may have been applied (its answer was lost) and no later attempt answered
    /// definitively: the service may or may not hold the item.
    Unknown,
    /// Verified afterwards, the service does not hold what an answer said it did (an import's
    /// `--verify`; the answer is kept beside it).
    NotHeld,
    /// A friend request was declined as asked (a success: nothing is held).
    Declined,
}

impl Outcome {
    /// Every outcome.
    pub const ALL: [Outcome; 14] = [
        Outcome::Added,
        Outcome::AlreadyFriends,
        Outcome::Pending,
        Outcome::Removed,
        Outcome::NotFriends,
        Outcome::Registered,
        Outcome::AlreadyRegistered,
        Outcome::Checked,
        Outcome::Failed,
        Outcome::Invalid,
        Outcome::NotAttempted,
        Outcome::Unknown,
        Outcome::NotHeld,
        Outcome::Declined,
    ];

    /// The outcome a word names (as [`Outcome::as_str`] prints it).
    pub fn from_word(word: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.as_str() == word)
    }

    /// The word the command line prints.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Added => "added",
            Outcome::AlreadyFriends => "already_friends",
            Outcome::Pending => "pending",
            Outcome::Removed => "removed",
            Outcome::NotFriends => "not_friends",
            Outcome::Registered => "registered",
            Outcome::AlreadyRegistered => "already_registered",
            Outcome::Checked => "checked",
            Outcome::Failed => "failed",
            Outcome::Invalid => "invalid",
            Outcome::NotAttempted => "not_attempted",
            Outcome::Unknown => "unknown",
            Outcome::NotHeld => "not_held",
            Outcome::Declined => "declined",
        }
    }

    /// The operation's success words.
    pub fn is_success(self) -> bool {
        matches!(
            self,
            Outcome::Added
                | Outcome::AlreadyFriends
                | Outcome::Pending
                | Outcome::Removed
                | Outcome::NotFriends
                | Outcome::Registered
                | Outcome::AlreadyRegistered
                | Outcome::Checked
                | Outcome::Declined
        )
    }

    /// What success means for an operation.
    pub fn done(operation: Operation) -> Outcome {
        match operation {
            Operation::Add => Outcome::Added,
            Operation::Remove => Outcome::Removed,
            Operation::Register => Outcome::Registered,
            Operation::Check | Operation::CheckUsers | Operation::List => Outcome::Checked,
        }
    }

    /// The outcome of an item when a request carrying it may have been applied without our
    /// knowing (its answer was lost after it was sent): a failure, or no attempt since, says
    /// nothing of that request, so the item's fate is `unknown` — never `failed`. The one
    /// statement of the rule: the client's retries, the import's journal and its report use it.
    pub fn given_maybe_applied(self) -> Outcome {
        match self {
            Outcome::Failed | Outcome::NotAttempted => Outcome::Unknown,
            other => other,
        }
    }

    /// What an "already done" code means for an operation (`None`: nothing, a failure).
    pub fn already(operation: Operation) -> Option<Outcome> {
        match operation {
            Operation::Add => Some(Outcome::AlreadyFriends),
            Operation::Remove => Some(Outcome::NotFriends),
            Operation::Register => Some(Outcome::AlreadyRegistered),
            Operation::Check | Operation::CheckUsers | Operation::List => None,
        }
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
    /// A relation check's answer.
    pub relation: Option<RelationWord>,
    /// A user check's answer.
    pub registered: Option<bool>,
}

impl ItemOutcome {
    /// An outcome without a code or a reason.
    pub fn new(user: impl Into<String>, outcome: Outcome) -> Self {
        ItemOutcome {
            user: user.into(),
            outcome,
            code: None,
            class: None,
            reason: None,
            relation: None,
            registered: None,
        }
    }
}

/// Reads a response to a call of `info` that carried `sent` (the items' target ids, in order)
/// into one outcome per sent item. `http_ok` is whether the HTTP status was 200; `mode` is the
/// direction (or check mode) the request asked for.
pub fn read(info: &ApiInfo, http_ok: bool, body: &Value, sent: &[&str], mode: Direction) -> Vec<ItemOutcome> {
    let envelope = &info.envelope;
    let of_code = |user: &str, code: Code| {
        let class = info.class(&code);
        let outcome = match class {
            Some(ErrorClass::AlreadyDone) => Outcome::already(info.operation).unwrap_or(Outcome::Failed),
            Some(ErrorClass::Pending) if info.operation == Operation::Add => Outcome::Pending,
            _ => Outcome::Failed,
        };
        ItemOutcome { code: Some(code), class, ..ItemOutcome::new(user, outcome) }
    };
    let done = |user: &str| ItemOutcome::new(user, Outcome::done(info.operation));
    // No code for the item: the answer does not account for it. Retried as a transport
    // failure would be (a re-add is answered as done).
    let unknown = |user: &str| ItemOutcome::new(user, Outcome::Failed);
    // What an item a successful answer leaves out came to.
    let unlisted = |user: &str| match info.unlisted {
        Some(ErrorClass::AlreadyDone) => match Outcome::already(info.operation) {
            Some(o) => ItemOutcome::new(user, o),
            None => unknown(user),
        },
        _ => unknown(user),
    };

    // The request as a whole: a non-200 status, or an envelope code other than success.
    let request_code = body.get(envelope.code).and_then(code_of);
    let request_failed = match (&envelope.ok, &request_code) {
        (_, _) if !http_ok => true,
        (Some(ok), Some(code)) => code != ok,
        (Some(_), None) => true,
        (None, _) => false,
    };
    // An item the failed call's code speaks for (the call's, or none).
    let of_call = |user: &str| match &request_code {
        Some(c) => of_code(user, c.clone()),
        None => unknown(user),
    };
    let all_failed = || -> Vec<ItemOutcome> { sent.iter().map(|u| of_call(u)).collect() };

    // Each entry of the answer serves one sent item: a user sent twice takes the first two
    // entries for it, in order. Ids compare as text (a string, or a number's digits).
    let entries = |list: &[&str], ids: &[&str], code: Option<&str>, extra: Option<&str>| -> Pool {
        let mut pool = Pool::default();
        for i in at(body, list).and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let entry = Entry {
                code: code.and_then(|c| i.get(c)).and_then(code_of),
                extra: extra.and_then(|f| i.get(f)).and_then(id_text),
            };
            // A list of objects names the id field; a list of bare ids is the ids.
            let id = if ids.is_empty() { id_text(i) } else { ids.iter().find_map(|k| i.get(*k)).and_then(id_text) };
            pool.put(id, entry);
        }
        pool
    };

    let Some(results) = &info.results else {
        // The envelope alone says how the call's items went.
        return if request_failed { all_failed() } else { sent.iter().map(|u| done(u)).collect() };
    };
    match results {
        Results::PerItem { list, ids, code, ok, relation, registered, failures } => {
            let extra = relation.or(registered.map(|(field, _)| field));
            let mut pool = entries(list, ids, Some(code), extra);
            if let Some(failures) = failures {
                // Two lists: `list` holds the successes (no code), `failures` the rest.
                for entry in pool.by_id.values_mut().flatten() {
                    entry.code.get_or_insert_with(|| ok.clone());
                }
                let failed = entries(failures, ids, Some(code), extra);
                // With nothing listed, a failed call failed as a whole.
                if request_failed && failed.is_empty() && pool.is_empty() {
                    return all_failed();
                }
                pool.absorb(failed);
            } else if request_failed && pool.is_empty() {
                // A failed call that lists nothing failed as a whole; one that lists its items
                // (every item failed, and the envelope says so) is read item by item.
                return all_failed();
            }
            sent.iter()
                .map(|u| match pool.take(u) {
                    Some(Entry { code: Some(c), extra }) if &c == ok => {
                        let mut o = done(u);
                        if relation.is_some() {
                            o.relation = extra.as_deref().and_then(|v| info.relation.as_ref()?.word_of(v, mode));
                            if o.relation.is_none() {
                                o.outcome = Outcome::Failed;
                                o.reason = Some(format!("unreadable relation value {extra:?}"));
                            }
                        }
                        if let Some((_, values)) = registered {
                            o.registered =
                                extra.as_deref().and_then(|v| values.iter().find(|(k, _)| *k == v).map(|(_, r)| *r));
                            if o.registered.is_none() {
                                o.outcome = Outcome::Failed;
                                o.reason = Some(format!("unreadable registration value {extra:?}"));
                            }
                        }
                        o
                    }
                    Some(Entry { code: Some(c), .. }) => of_code(u, c),
                    Some(Entry { code: None, .. }) => unknown(u),
                    None if request_failed => of_call(u),
                    None => unlisted(u),
                })
                .collect()
        }
        Results::FailuresOnly { list, ids, code, class } => {
            let mut pool = entries(list, ids, *code, None);
            // ZEGO: a failed request with an empty list failed as a whole; otherwise listed items
            // carry their own code and the others share the request's outcome.
            if request_failed && pool.is_empty() {
                return all_failed();
            }
            let out: Vec<ItemOutcome> = sent
                .iter()
                .map(|u| match pool.take(u) {
                    Some(Entry { code: Some(c), .. }) => of_code(u, c),
                    // Listed without a code: a failure of the class the spec reads.
                    Some(Entry { code: None, .. }) => match class {
                        Some(class) => ItemOutcome {
                            class: Some(*class),
                            reason: Some("listed as failed, without a code".to_owned()),
                            ..ItemOutcome::new(*u, Outcome::Failed)
                        },
                        None => unknown(u),
                    },
                    None if request_failed => of_call(u),
                    None => done(u),
                })
                .collect();
            // A failure we could not attribute (no readable id, or an id never sent) means an
            // unlisted item may have failed: report those as failed, never as done.
            if pool.is_empty() {
                out
            } else {
                out.into_iter()
                    .map(|o| if o.outcome.is_success() { ItemOutcome { outcome: Outcome::Failed, ..o } } else { o })
                    .collect()
            }
        }
        Results::Single { item, ids, relation, absent } => {
            if request_failed {
                return all_failed();
            }
            // Only no item (or `null`) is the absent one; an item that is not an object is
            // unreadable, never "no relation".
            let found = at(body, item).filter(|v| !v.is_null());
            sent.iter()
                .map(|u| {
                    let mut o = done(u);
                    let Some(field) = relation else { return o };
                    o.relation = match found {
                        // The item must be about the target sent, where it names one.
                        Some(entry)
                            if ids.iter().find_map(|k| entry.get(*k)).and_then(id_text).is_some_and(|id| id != *u) =>
                        {
                            None
                        }
                        Some(entry) => entry
                            .get(*field)
                            .map(crate::json::text)
                            .and_then(|v| info.relation.as_ref()?.word_of(&v, mode)),
                        None => *absent,
                    };
                    if o.relation.is_none() {
                        o.outcome = Outcome::Failed;
                        o.reason = Some(format!("unreadable relation in {found:?}"));
                    }
                    o
                })
                .collect()
        }
        Results::IdLists { lists } => {
            if request_failed {
                return all_failed();
            }
            // Failure lists first: an id listed as both failed and succeeded counts as failed,
            // which a retry can only confirm.
            let mut pool = Pool::default();
            for failures_first in [true, false] {
                for (path, list_code) in lists.iter().filter(|(_, c)| c.is_some() == failures_first) {
                    for i in ids_at(body, path) {
                        pool.put(id_text(i), Entry { code: list_code.clone(), extra: None });
                    }
                }
            }
            sent.iter()
                .map(|u| match pool.take(u) {
                    Some(Entry { code: None, .. }) => done(u),
                    Some(Entry { code: Some(c), .. }) => of_code(u, c),
                    None => unlisted(u),
                })
                .collect()
        }
    }
}

/// One entry of an answer: its code, and a field a check reads (relation, registration).
struct Entry {
    code: Option<Code>,
    extra: Option<String>,
}

/// The ids at a path whose segments may step into each object of an array (`entities[]`).
fn ids_at<'v>(body: &'v Value, path: &[&str]) -> Vec<&'v Value> {
    let mut here = vec![body];
    for seg in path {
        here = match seg.strip_suffix("[]") {
            Some(list) => here.into_iter().filter_map(|v| v.get(list)?.as_array()).flatten().collect(),
            None => here.into_iter().filter_map(|v| v.get(*seg)).collect(),
        };
    }
    // A path without `[]` names an array of ids itself.
    if !path.iter().any(|seg| seg.ends_with("[]")) {
        here = here.into_iter().flat_map(|v| v.as_array().map(Vec::as_slice).unwrap_or_default()).collect();
    }
    here
}

/// The entries of an answer, by id, each serving one sent item in order: linear however
/// many items and entries there are.
#[derive(Default)]
struct Pool {
    by_id: HashMap<String, VecDeque<Entry>>,
    /// Entries not yet taken, those without a readable id included.
    left: usize,
}

impl Pool {
    fn put(&mut self, id: Option<String>, entry: Entry) {
        self.left += 1;
        if let Some(id) = id {
            self.by_id.entry(id).or_default().push_back(entry);
        }
    }

    fn take(&mut self, user: &str) -> Option<Entry> {
        let code = self.by_id.get_mut(user)?.pop_front()?;
        self.left -= 1;
        Some(code)
    }

    fn is_empty(&self) -> bool {
        self.left == 0
    }

    /// Takes in another pool's entries, after this one's.
    fn absorb(&mut self, other: Pool) {
        self.left += other.left;
        for (id, entries) in other.by_id {
            self.by_id.entry(id).or_default().extend(entries);
        }
    }
}

pub(crate) fn code_of(v: &Value) -> Option<Code> {
    match v {
        Value::Number(n) => n.as_i64().map(Code::Int),
        Value::String(s) => Some(Code::Str(s.clone().into())),
        _ => None,
    }
}
