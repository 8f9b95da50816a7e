//! What a service does with a call, as the specs say: how it authenticates, what it answers and
//! what it stores. Generated code fills these from the specs; the emulator serves from them and
//! the clients sign from them. No vendor's names or codes are written here.

use crate::code::{Code, ErrorClass};

/// What every API of a vendor shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorInfo {
    pub id: &'static str,
    /// Documented hosts by region name.
    pub hosts: &'static [(&'static str, &'static str)],
    /// The host used when none is configured; `None` when every app has its own.
    pub default_host: Option<&'static str>,
    pub auth: AuthInfo,
    /// What the service answers for each credential failure (with the `service` feature).
    #[cfg(feature = "service")]
    pub refusals: Refusals,
    /// The shape of every answer (with the `service` feature).
    #[cfg(feature = "service")]
    pub answer: VendorAnswer,
    /// The vendor's shared error table: the codes every API of the vendor answers. An API's
    /// own entry for the same code overrides it (`ApiInfo::error_at`).
    pub errors: &'static [ErrorRow],
}

impl VendorInfo {
    /// The host of a documented region.
    pub fn region(&self, name: &str) -> Option<&'static str> {
        self.hosts.iter().find(|(n, _)| *n == name).map(|(_, h)| *h)
    }
}

/// How calls authenticate: the scheme's name (found in [`crate::auth::SCHEMES`]) and the
/// spec's parameters of it, which the scheme reads by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthInfo {
    pub scheme: &'static str,
    pub params: &'static [(&'static str, AuthParam)],
}

/// One auth parameter's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthParam {
    Text(&'static str),
    Count(u64),
    Pairs(&'static [(&'static str, &'static str)]),
}

impl AuthInfo {
    fn param(&self, key: &str) -> Option<AuthParam> {
        self.params.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
    }

    fn wrong(&self, key: &str, kind: &str) -> String {
        match self.param(key) {
            None => format!("the spec gives no parameter `{key}`"),
            Some(_) => format!("the spec's parameter `{key}` is not {kind}"),
        }
    }

    /// A text parameter.
    pub fn text(&self, key: &str) -> Result<&'static str, String> {
        match self.param(key) {
            Some(AuthParam::Text(t)) => Ok(t),
            _ => Err(self.wrong(key, "a text")),
        }
    }

    /// A count parameter.
    pub fn count(&self, key: &str) -> Result<u64, String> {
        match self.param(key) {
            Some(AuthParam::Count(n)) => Ok(n),
            _ => Err(self.wrong(key, "a number")),
        }
    }

    /// A mapping parameter; empty when absent.
    pub fn pairs(&self, key: &str) -> Result<&'static [(&'static str, &'static str)], String> {
        match self.param(key) {
            Some(AuthParam::Pairs(p)) => Ok(p),
            None => Ok(&[]),
            Some(_) => Err(self.wrong(key, "a mapping")),
        }
    }
}

/// What the service answers for each way a credential fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusals {
    /// By credential role: `app_id`, `identifier`, `signature`, `nonce`, `timestamp`, `version`, `token`.
    pub missing: &'static [(&'static str, Code)],
    pub undecodable: Option<Code>,
    pub unknown_app: Option<Code>,
    pub app_mismatch: Option<Code>,
    pub identifier_mismatch: Option<Code>,
    pub not_admin: Option<Code>,
    pub expired: Option<Code>,
    pub bad_timestamp: Option<Code>,
    pub unsupported_version: Option<Code>,
    pub bad_signature: Option<Code>,
    pub bad_credentials: Option<Code>,
}

impl Refusals {
    /// The code for a missing credential of `role`.
    pub fn missing(&self, role: &str) -> Option<&Code> {
        self.missing.iter().find(|(r, _)| *r == role).map(|(_, c)| c)
    }
}

/// One row of an error table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    pub code: Code,
    pub name: &'static str,
    pub class: ErrorClass,
    pub meaning: &'static str,
    /// The vendor's handling advice, when the page gives it.
    pub advice: Option<&'static str>,
    /// The vendor's error text, when the page gives it.
    pub message: Option<&'static str>,
    /// The HTTP status the code comes with, for vendors that answer errors with a status.
    pub http_status: Option<u16>,
}

/// A field's value in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fill {
    /// The time of the answer, in Unix milliseconds.
    NowMs,
    /// The time spent on the call, in milliseconds.
    ElapsedMs,
    /// The request method, in lower case.
    Method,
    /// The error table's name of the answered code.
    ErrorName,
    Str(&'static str),
    Int(i64),
    Bool(bool),
}

/// A field restating success or failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusField {
    pub field: &'static str,
    pub ok: &'static str,
    pub fail: &'static str,
}

/// How every answer of a vendor is shaped, besides the envelope's code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VendorAnswer {
    pub status: Option<StatusField>,
    pub request_id: Option<&'static str>,
    /// A success carries no message field.
    pub message_on_failure_only: bool,
    /// The code for a body that is not JSON; the API's schema code when `None`.
    pub unreadable: Option<Code>,
    /// Failures come as non-200 statuses with an error body (Easemob), not in a 200 envelope.
    pub error_body: bool,
    pub fill: &'static [(&'static str, Fill)],
}

/// A list of the ids of failed items in a per-item answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdList {
    pub field: &'static str,
    /// Sent even when empty.
    pub always: bool,
    /// Failures of these classes; every failure (not pending or already done) when empty.
    pub classes: &'static [ErrorClass],
}

impl IdList {
    /// Whether a failure of this class is listed. Codes of a success class (pending, already
    /// done) are not failures and are listed only when `classes` names their class.
    pub fn takes(&self, class: Option<ErrorClass>) -> bool {
        match class {
            Some(c) if self.classes.contains(&c) => true,
            Some(c) if c.is_success() => false,
            _ => self.classes.is_empty(),
        }
    }
}

/// How an API's successful answer is shaped, besides where its results live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiAnswer {
    /// Field of each per-item entry carrying a message.
    pub item_message: Option<&'static str>,
    pub failed_ids: Option<IdList>,
    pub invalid_ids: Option<IdList>,
    /// When every item failed, the envelope carries a failure: the items' common code, or
    /// the call code this map pairs with it, else the first item's code. `None`: the envelope
    /// says success whatever its items say.
    pub all_failed: Option<&'static [(Code, Code)]>,
    pub fill: &'static [(&'static str, Fill)],
}

/// Who adds friends in a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requester {
    /// A field of the request body.
    Field(&'static str),
    /// A path parameter.
    Param(&'static str),
}

/// How a call links the two users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    OneWay,
    Both,
}

/// Who adds whom, and what the service answers about users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    pub requester: Requester,
    pub direction: Direction,
    /// A request field whose value chooses the direction.
    pub direction_field: Option<(&'static str, &'static [(&'static str, Direction)])>,
    pub unknown_user: Option<Code>,
    pub unknown_requester: Option<Code>,
    /// `None`: a re-add succeeds.
    pub already_friends: Option<Code>,
    /// Per-item code when the target must confirm first (the request is held as pending).
    pub pending: Option<Code>,
    /// A request field and the value (as JSON text) that adds without confirmation.
    pub force: Option<(&'static str, &'static str)>,
    /// A request field whose values run a friend request instead of adding at once.
    pub request_flow: Option<RequestFlow>,
    /// Remove: per-item code for a target that is not a friend.
    pub not_friends: Option<Code>,
    /// Check: each vendor relation value, the mode it answers in, and what it means.
    pub check_values: &'static [(&'static str, Direction, RelationWord)],
}

/// What a checked relation is, from the requester's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RelationWord {
    /// Neither list holds the other (one-way: the requester's list lacks the target).
    None,
    /// The requester's list holds the target.
    Outgoing,
    /// The target's list holds the requester, not the reverse.
    Incoming,
    /// Each list holds the other.
    Both,
}

impl RelationWord {
    pub fn as_str(self) -> &'static str {
        match self {
            RelationWord::None => "none",
            RelationWord::Outgoing => "outgoing",
            RelationWord::Incoming => "incoming",
            RelationWord::Both => "both",
        }
    }

    /// The relation of two users' lists, as a check in `mode` sees it (a one-way check cannot
    /// see the target's list).
    pub fn of(requester_has_target: bool, target_has_requester: bool, mode: Direction) -> RelationWord {
        match (requester_has_target, target_has_requester && mode == Direction::Both) {
            (true, true) => RelationWord::Both,
            (true, false) => RelationWord::Outgoing,
            (false, true) => RelationWord::Incoming,
            (false, false) => RelationWord::None,
        }
    }
}

/// The values (as JSON text) of one request field that run a friend request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFlow {
    pub field: &'static str,
    pub request: &'static str,
    pub accept: &'static str,
    pub decline: &'static str,
    /// What an accept or a decline with no request to answer is answered.
    pub no_request: Code,
}

/// The step of a friend request a call takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowStep {
    /// Asks the target; nothing is held until it accepts.
    Request,
    /// The one asked accepts the request of the one it names: they become friends.
    Accept,
    /// The one asked declines it: the request is gone, nothing is held.
    Decline,
}

impl FlowStep {
    /// What a call of this step that succeeded did.
    pub fn outcome(self) -> crate::Outcome {
        match self {
            FlowStep::Request => crate::Outcome::Pending,
            FlowStep::Accept => crate::Outcome::Added,
            FlowStep::Decline => crate::Outcome::Declined,
        }
    }
}

/// Whether a request's `field` holds the spec value written as JSON text `value`.
fn field_is(body: &serde_json::Value, field: &str, value: &str) -> bool {
    let want = serde_json::from_str::<serde_json::Value>(value).ok();
    body.get(field).is_some_and(|v| Some(v) == want.as_ref())
}

impl Relation {
    /// The step of a friend request this request takes; `None`: it adds at once.
    pub fn flow_step(&self, body: &serde_json::Value) -> Option<FlowStep> {
        let flow = self.request_flow.as_ref()?;
        [(flow.request, FlowStep::Request), (flow.accept, FlowStep::Accept), (flow.decline, FlowStep::Decline)]
            .into_iter()
            .find_map(|(value, step)| field_is(body, flow.field, value).then_some(step))
    }

    /// Whether a request asks to add without the target's confirmation.
    pub fn forced(&self, body: &serde_json::Value) -> bool {
        self.force.is_some_and(|(field, value)| field_is(body, field, value))
    }

    /// The direction (or check mode) a request asks for: its `direction_field`'s value, a
    /// string or an integer, else the default.
    pub fn direction_of(&self, body: &serde_json::Value) -> Direction {
        self.direction_field
            .and_then(|(field, values)| {
                let value = crate::json::id_text(body.get(field)?)?;
                values.iter().find(|(v, _)| *v == value).map(|(_, d)| *d)
            })
            .unwrap_or(self.direction)
    }

    /// What a checked relation value means in `mode` (any mode's meaning when the vendor
    /// answers a value of the other mode).
    pub fn word_of(&self, value: &str, mode: Direction) -> Option<RelationWord> {
        let find = |same: bool| {
            self.check_values.iter().find(|(v, m, _)| *v == value && (*m == mode) == same).map(|(_, _, w)| *w)
        };
        find(true).or_else(|| find(false))
    }

    /// The vendor's value for a relation in `mode`.
    pub fn value_of(&self, word: RelationWord, mode: Direction) -> Option<&'static str> {
        self.check_values.iter().find(|(_, m, w)| *m == mode && *w == word).map(|(v, _, _)| *v)
    }
}

/// A limit on what the service holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateLimit {
    /// `None` when the page names the limit but not its value.
    pub max: Option<u64>,
    pub code: Code,
    /// The item field whose distinct values are counted.
    pub field: Option<&'static str>,
    /// The whole call's answer when the requester is at the limit before it.
    pub full_code: Option<Code>,
}

/// Limits on what the service holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StateLimits {
    pub friends_per_user: Option<StateLimit>,
    pub peer_friends_per_user: Option<StateLimit>,
    pub groups_per_user: Option<StateLimit>,
    pub pending_per_user: Option<StateLimit>,
}
