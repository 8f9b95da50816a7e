//! What generated code tells the runtime about an API: the facts of its spec, as constants.

use crate::code::Code;

/// What one rate-limit bucket covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateScope {
    /// One bucket per API per app (AppID / SDKAppID / App Key).
    App,
}

/// A documented call rate: N calls per second, read as a token bucket of capacity N refilled at
/// N per second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: u32,
    pub scope: RateScope,
    /// The vendor raises it on request.
    pub raisable: bool,
    /// What the service answers for a call over the limit.
    pub answer: Code,
    /// The bucket this API draws from: its own id, or a budget several APIs share.
    pub budget: &'static str,
    /// After a call over the limit, the service refuses every call of the budget for this
    /// many seconds; the client's pacer then holds them all back as long.
    pub penalty_seconds: Option<u64>,
}

/// What an API does to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// Adds relations (import, add).
    Add,
    /// Removes relations.
    Remove,
    /// Checks relations, per target.
    Check,
    /// Lists a user's friends, paged.
    List,
    /// Registers users.
    Register,
    /// Checks that users are registered.
    CheckUsers,
}

/// Where a request carries a value: a path or query parameter, or a body field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Carrier {
    Param(&'static str),
    Field(&'static str),
}

/// How a list is paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paging {
    /// Where the request carries the position; `None` for a list read in one answer.
    pub cursor: Option<Carrier>,
    /// Where the request carries the page size.
    pub page_size: Option<Carrier>,
    /// Response path of the page's entries.
    pub items: &'static [&'static str],
    /// Each entry's friend-id field; `None` when the entries are ids.
    pub item_id: Option<&'static str>,
    /// The entry field holding the stored fields as `{key, value}` pairs: (field, key, value).
    pub fields: Option<(&'static str, &'static str, &'static str)>,
    /// Response path of the next position.
    pub next: Option<&'static [&'static str]>,
    /// A response path and the value (as JSON text) that says the list is complete; without
    /// it, a missing, null, empty or zero next position does.
    pub complete: Option<(&'static [&'static str], &'static str)>,
}

impl Paging {
    /// The next position an answer gives, unless the list is complete.
    pub fn next_position(&self, body: &serde_json::Value) -> Option<serde_json::Value> {
        if let Some((path, value)) = self.complete {
            let want = serde_json::from_str::<serde_json::Value>(value).ok();
            if want.is_some() && crate::json::at(body, path) == want.as_ref() {
                return None;
            }
        }
        let next = crate::json::at(body, self.next?)?;
        let done = match next {
            serde_json::Value::Null => true,
            serde_json::Value::String(s) => s.is_empty(),
            serde_json::Value::Number(n) => n.as_i64() == Some(0),
            _ => false,
        };
        (!done).then(|| next.clone())
    }

    /// A friend's stored fields as an entry carries them, by wire name: its key/value pairs,
    /// or its fields but the id.
    pub fn fields_of(&self, entry: &serde_json::Value) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        match (self.fields, entry) {
            (Some((list, key, value)), _) => {
                for pair in entry.get(list).and_then(serde_json::Value::as_array).map(Vec::as_slice).unwrap_or_default()
                {
                    if let (Some(k), Some(v)) = (pair.get(key).and_then(serde_json::Value::as_str), pair.get(value)) {
                        out.insert(k.to_owned(), v.clone());
                    }
                }
            }
            (None, serde_json::Value::Object(obj)) => {
                out.extend(
                    obj.iter().filter(|(k, _)| Some(k.as_str()) != self.item_id).map(|(k, v)| (k.clone(), v.clone())),
                );
            }
            (None, _) => {}
        }
        serde_json::Value::Object(out)
    }

    /// An entry as the service answers it: the id, and the stored fields (as pairs, where the
    /// spec says so).
    pub fn entry(&self, id: &str, fields: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
        let Some(id_field) = self.item_id else { return serde_json::Value::from(id) };
        let mut entry = serde_json::Map::new();
        entry.insert(id_field.to_owned(), serde_json::Value::from(id));
        match self.fields {
            Some((list, key, value)) => {
                let pairs = fields.iter().map(|(k, v)| serde_json::json!({ key: k, value: v })).collect();
                entry.insert(list.to_owned(), serde_json::Value::Array(pairs));
            }
            None => entry.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone()))),
        }
        serde_json::Value::Object(entry)
    }

    /// The entries of a page: each friend's id and the entry (for its fields).
    pub fn entries<'v>(&self, body: &'v serde_json::Value) -> Vec<(String, &'v serde_json::Value)> {
        let list = crate::json::at(body, self.items).and_then(serde_json::Value::as_array);
        list.map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter_map(|entry| {
                let id = match self.item_id {
                    Some(field) => entry.get(field)?,
                    None => entry,
                };
                Some((crate::json::id_text(id)?, entry))
            })
            .collect()
    }
}

/// The chunked dimension of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// Wire name of the array field of the request root.
    pub field: &'static str,
    /// Field of each item naming the target user; `None` when the items are ids.
    pub item_id: Option<&'static str>,
    /// Documented maximum per call; `None` when the page states none.
    pub max_items: Option<u64>,
    /// How far the vendor raises `max_items` on request, when the page says.
    pub raisable_to: Option<u64>,
    /// The vendor raises it on request (perhaps without saying how far).
    pub raisable: bool,
    /// What the service answers when `max_items` is exceeded.
    pub code: Option<Code>,
    /// The raisable limit (in [`ApiEntry::limits`]) holding `max_items`, when it is raisable.
    pub limit: Option<&'static str>,
}

impl Batch {
    /// `field` when the request body is itself the batch array.
    pub const ROOT: &'static str = "$";

    /// Whether the request body is itself the batch array.
    pub fn is_root(&self) -> bool {
        self.field == Self::ROOT
    }

    /// The batch items of a request body, if it carries an array where the batch is.
    pub fn items<'a>(&self, body: &'a serde_json::Value) -> Option<&'a Vec<serde_json::Value>> {
        if self.is_root() { body.as_array() } else { body.get(self.field)?.as_array() }
    }

    /// `body` with its batch items replaced by `items`.
    pub fn with_items(&self, body: &serde_json::Value, items: Vec<serde_json::Value>) -> serde_json::Value {
        if self.is_root() {
            return serde_json::Value::Array(items);
        }
        let mut out = body.clone();
        if let Some(obj) = out.as_object_mut() {
            obj.insert(self.field.to_owned(), serde_json::Value::Array(items));
        }
        out
    }

    /// Where the batch is in a request, as text: `` `Items` `` or "the request body".
    pub fn describe(&self) -> String {
        if self.is_root() { "the request body".to_owned() } else { format!("`{}`", self.field) }
    }

    /// The target id of an item, as text (`""` when it has none).
    pub fn user_of(&self, item: &serde_json::Value) -> String {
        id_text(match self.item_id {
            Some(field) => item.get(field),
            None => Some(item),
        })
    }

    /// The index of the item a JSON path (`$.Items[3].Id`) points into, if it points into one.
    pub fn item_index(&self, path: &str) -> Option<usize> {
        let rest = path.strip_prefix('$')?;
        let rest = if self.is_root() { rest } else { rest.strip_prefix('.')?.strip_prefix(self.field)? };
        let rest = rest.strip_prefix('[')?;
        let (index, _) = rest.split_once(']')?;
        index.parse().ok()
    }
}

/// An API's endpoint and the facts the runtime needs to call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiInfo {
    /// `vendor/api`.
    pub id: &'static str,
    pub method: &'static str,
    /// Path template; `{name}` segments are path parameters.
    pub path: &'static str,
    /// Fixed query parameters.
    pub query: &'static [(&'static str, &'static str)],
    /// Fixed headers.
    pub headers: &'static [(&'static str, &'static str)],
    pub content_type: &'static str,
    /// How the request body travels (from `content_type`).
    pub body: crate::BodyEncoding,
    pub rate_limit: RateLimit,
    /// What the API does; decides the outcome words and what the emulator does.
    pub operation: Operation,
    /// The chunked array of targets or users; `None` when the call names one target in its
    /// path, or lists.
    pub batch: Option<Batch>,
    /// Where a call without a batch names its one target or user: a path parameter (a DELETE
    /// of one friend) or a body field (NetEase's `faccid`, or the `accid` it registers).
    pub target: Option<Carrier>,
    /// The code schema problems (missing field, wrong type, bad enum value) answer.
    pub schema_error_code: Code,
    /// How every response of the vendor says how it went.
    pub envelope: Envelope,
    /// Where a successful response reports each item; `None`: the envelope says how the one
    /// item went.
    pub results: Option<Results>,
    /// What an item a successful answer does not list came to (`AlreadyDone`: for a remove,
    /// not a friend); `None`: an unlisted item has no answer.
    pub unlisted: Option<crate::ErrorClass>,
    /// How a list is paged.
    pub paging: Option<Paging>,
    /// Register: the per-item code for a user registered already.
    pub already_registered: Option<Code>,
    /// What the API's vendor shares: auth, hosts, answer shape, shared codes.
    pub vendor: &'static crate::VendorInfo,
    /// The API's own error table; the codes its vendor shares are in `vendor.errors`.
    pub errors: &'static [crate::ErrorRow],
    /// How the service answers (the emulator's; with the `service` feature).
    #[cfg(feature = "service")]
    pub answer: crate::ApiAnswer,
    /// Whose relations a call is about (add / remove / check / list).
    pub relation: Option<crate::Relation>,
    /// Limits on what the service holds (the emulator's; with the `service` feature).
    #[cfg(feature = "service")]
    pub state: crate::StateLimits,
}

/// Where a code's row is: the API's own table or its vendor's shared one, at an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorAt {
    /// A row of the API's own `errors`.
    Api(usize),
    /// A row of the vendor's shared `vendor.errors`.
    Vendor(usize),
}

impl ApiInfo {
    /// Where the row of a code is. The runtime's one place of the rule "an API's entry
    /// overrides its vendor's entry for the same code" (the spec side's is `Api::error` of
    /// imspec-spec): the client, the emulator and the generated error enums look codes up here.
    pub fn error_at(&self, code: &Code) -> Option<ErrorAt> {
        match self.errors.iter().position(|e| &e.code == code) {
            Some(i) => Some(ErrorAt::Api(i)),
            None => self.vendor.errors.iter().position(|e| &e.code == code).map(ErrorAt::Vendor),
        }
    }

    /// The one target a call without a batch names, as text (`""` when it names none): its
    /// path parameter's value, or its body field's.
    pub fn single_target(&self, body: &serde_json::Value, params: &[(String, String)]) -> String {
        match self.target {
            Some(Carrier::Param(name)) => param_value(params, name),
            Some(Carrier::Field(name)) => id_text(body.get(name)),
            None => String::new(),
        }
    }

    /// The field that names an item's target: a batch item's id field, or the body field of a
    /// call's one target; `None` when items are bare ids or the target is in the path.
    pub fn target_field(&self) -> Option<&'static str> {
        match (&self.batch, self.target) {
            (Some(batch), _) => batch.item_id,
            (None, Some(Carrier::Field(name))) => Some(name),
            (None, _) => None,
        }
    }

    /// The target id an item names, as text (`""` when it has none): its target field's value,
    /// or the item itself where items are bare ids.
    pub fn user_of(&self, item: &serde_json::Value) -> String {
        match (&self.batch, self.target) {
            (Some(batch), _) => batch.user_of(item),
            (None, Some(Carrier::Field(field))) => id_text(item.get(field)),
            (None, _) => id_text(Some(item)),
        }
    }

    /// The row of a code: the API's own, else the vendor's.
    pub fn error(&self, code: &Code) -> Option<&'static crate::ErrorRow> {
        match self.error_at(code)? {
            ErrorAt::Api(i) => self.errors.get(i),
            ErrorAt::Vendor(i) => self.vendor.errors.get(i),
        }
    }

    /// The class of a code, when the table lists it.
    pub fn class(&self, code: &Code) -> Option<crate::ErrorClass> {
        self.error(code).map(|e| e.class)
    }
}

/// The vendor's response envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Wire field carrying the vendor code.
    pub code: &'static str,
    /// Wire field carrying the message.
    pub message: &'static str,
    /// The code's success value; `None` when HTTP 200 alone means success.
    pub ok: Option<Code>,
}

/// Where a successful response reports each item (paths are wire names from the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Results {
    /// Every item listed with its code (Tencent `ResultItem`).
    /// `ids`: the id field's wire name and its other spellings. `relation`: a check's field
    /// carrying the relation value; `registered`: a user check's field and what each value
    /// says.
    PerItem {
        list: &'static [&'static str],
        ids: &'static [&'static str],
        code: &'static str,
        ok: Code,
        relation: Option<&'static str>,
        registered: Option<(&'static str, &'static [(&'static str, bool)])>,
        /// A second list of the failed items with their codes; `list` then holds successes.
        failures: Option<&'static [&'static str]>,
    },
    /// Only failures listed; absent items succeeded (ZEGO `ErrorList`).
    /// `ids` is empty and `code` `None` when the list holds bare ids; `class` is then what a
    /// listed failure is.
    FailuresOnly {
        list: &'static [&'static str],
        ids: &'static [&'static str],
        code: Option<&'static str>,
        class: Option<crate::ErrorClass>,
    },
    /// Lists of ids, each meaning success (`None`) or a code (Easemob `data.*`).
    IdLists { lists: &'static [(&'static [&'static str], Option<Code>)] },
    /// The one item of a call without a batch, as an object at `item` (NetEase `friend`):
    /// `ids` its target field and that field's other spellings; `relation` a check's field
    /// carrying the relation value, `absent` what a successful answer without the item means.
    Single {
        item: &'static [&'static str],
        ids: &'static [&'static str],
        relation: Option<&'static str>,
        absent: Option<crate::RelationWord>,
    },
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    Path,
    Query,
}

/// The type of a path or query parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    String,
    Integer,
    Boolean,
}

/// A path or query parameter of an API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamInfo {
    pub name: &'static str,
    pub location: ParamIn,
    pub ty: ParamType,
    pub required: bool,
    /// Filled from this key of the vendor's config instead of by the caller.
    pub bind: Option<&'static str>,
    /// Value the service assumes when absent.
    pub default: Option<&'static str>,
    /// An integer parameter's least value and the code the service answers below it.
    pub min: Option<(i64, Code)>,
    /// An integer parameter's greatest value and the code the service answers above it.
    pub max: Option<(i64, Code)>,
}

/// A limit the vendor raises for an app on request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitInfo {
    /// Its name (the field of the API's generated `Limits`).
    pub name: &'static str,
    pub documented: u64,
    /// How far the vendor raises it, when the page says.
    pub raisable_to: Option<u64>,
}

/// Limits raised for an app, by name: `(name, value)`.
pub type Raised = [(String, u64)];

/// An API as the command line and the emulator reach it, by id.
#[derive(Debug, Clone, Copy)]
pub struct ApiEntry {
    pub info: &'static ApiInfo,
    pub params: &'static [ParamInfo],
    /// Validates a JSON request body at the documented limits.
    pub validate_json: fn(&serde_json::Value, &mut crate::Violations),
    /// The limits the vendor raises on request.
    pub limits: &'static [LimitInfo],
    /// Validates a JSON request body with some limits raised (checked by [`ApiEntry::check_raised`]).
    pub validate_json_raised: fn(&serde_json::Value, &Raised, &mut crate::Violations),
    /// The API's typed request and response, reached by id.
    pub typed: TypedFns,
}

/// What the generated types of an API do with JSON, for callers that reach APIs by id (tests
/// that check every API of the registry, tools).
#[derive(Debug, Clone, Copy)]
pub struct TypedFns {
    /// Decodes a request body into the typed request and validates it at `now_ms` (Unix ms).
    pub validate_at: fn(&serde_json::Value, i64) -> Result<Vec<crate::Violation>, String>,
    /// Decodes a request body into the typed request and encodes it again.
    pub request_roundtrip: fn(&serde_json::Value) -> Result<serde_json::Value, String>,
    /// Decodes a response body into the typed response and encodes it again.
    pub response_roundtrip: fn(&serde_json::Value) -> Result<serde_json::Value, String>,
}

impl ApiEntry {
    /// Refuses a raised limit the API does not have, or one above what the vendor grants.
    pub fn check_raised(&self, raised: &Raised) -> Result<(), String> {
        for (name, value) in raised {
            let Some(limit) = self.limits.iter().find(|l| l.name == name) else {
                let known: Vec<&str> = self.limits.iter().map(|l| l.name).collect();
                let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(format!(
                    "`{}` has no raisable limit `{name}` (its raisable limits: {known})",
                    self.info.id
                ));
            };
            if let Some(to) = limit.raisable_to
                && *value > to
            {
                return Err(format!("{}: {name} = {value} is above {to}, the most the vendor grants", self.info.id));
            }
        }
        Ok(())
    }

    /// The most items per call with these limits raised.
    pub fn max_items(&self, raised: &Raised) -> Option<u64> {
        let batch = self.info.batch.as_ref()?;
        batch.limit.and_then(|l| raised.iter().rev().find(|(n, _)| n == l).map(|(_, v)| *v)).or(batch.max_items)
    }

    /// How many items one call carries at most: the batch maximum (unbounded where the page
    /// states none), or one for an API without a batch.
    pub fn per_call(&self, raised: &Raised) -> u64 {
        match &self.info.batch {
            Some(_) => self.max_items(raised).unwrap_or(u64::MAX).max(1),
            None => 1,
        }
    }

    /// Checks caller-supplied parameters: required ones present (those bound to config are
    /// not the caller's), values of the declared type. Unknown names are rejected by the caller.
    pub fn validate_params(&self, given: &[(String, String)], v: &mut crate::Violations) {
        for p in self.params {
            let value = given.iter().rev().find(|(n, _)| n == p.name).map(|(_, value)| value.as_str());
            let code = self.info.schema_error_code.clone();
            match value {
                None if p.required && p.bind.is_none() => {
                    v.param(p.name, crate::Rule::Required, code, "is required".to_owned());
                }
                None => {}
                // An empty path segment would name another resource (`/users//contacts`).
                Some("") if p.location == ParamIn::Path => {
                    v.param(p.name, crate::Rule::Required, code, "must not be empty (it is a path segment)".to_owned());
                }
                Some(value) => {
                    let ok = match p.ty {
                        ParamType::String => true,
                        ParamType::Integer => value.parse::<i64>().is_ok(),
                        ParamType::Boolean => matches!(value, "true" | "false"),
                    };
                    if let Ok(n) = value.parse::<i64>()
                        && p.ty == ParamType::Integer
                    {
                        if let Some((min, code)) = &p.min
                            && n < *min
                        {
                            v.param(p.name, crate::Rule::Min, code.clone(), format!("is {n}; at least {min} required"));
                        }
                        if let Some((max, code)) = &p.max
                            && n > *max
                        {
                            v.param(p.name, crate::Rule::Max, code.clone(), format!("is {n}; at most {max} allowed"));
                        }
                    }
                    if !ok {
                        let want = match p.ty {
                            ParamType::String => "a string",
                            ParamType::Integer => "an integer",
                            ParamType::Boolean => "`true` or `false`",
                        };
                        v.param(p.name, crate::Rule::Type, code, format!("expected {want}, found `{value}`"));
                    }
                }
            }
        }
    }
}

/// A user id as text: a string as itself, another value as its JSON (`""` when absent).
fn id_text(id: Option<&serde_json::Value>) -> String {
    id.map(crate::json::text).unwrap_or_default()
}

/// The last value given for parameter `name` (`""` when none is).
pub(crate) fn param_value(params: &[(String, String)], name: &str) -> String {
    params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}
