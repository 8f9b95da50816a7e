//! How an API's request carries a requester and a batch of items — or its one target, where it
//! has no batch — read from its spec's facts (`relation.requester`, `batch`, `relation.target`),
//! so that one edge, a chunk of edges, a check of targets and a registration of users are
//! built the same way for every vendor.

use imspec::runtime::ApiEntry;
use imspec_runtime::{Carrier, Operation, Requester, Violations};
use serde_json::{Map, Value};

/// A request-level value from `--param`: a path or query parameter of the API, or a body field
/// (`AddType`), applied to every call.
#[derive(Debug, Clone, Default)]
pub struct Fixed {
    pub params: Vec<(String, String)>,
    pub fields: Map<String, Value>,
}

impl Fixed {
    /// `NAME=VALUE`s: a declared parameter stays a parameter; anything else is a body field,
    /// its value JSON when it reads as JSON (`1`, `true`), else text.
    pub fn parse(entry: &ApiEntry, given: &[String]) -> Result<Fixed, String> {
        let mut fixed = Fixed::default();
        for p in given {
            let (name, value) = p.split_once('=').ok_or_else(|| format!("--param `{p}` is not NAME=VALUE"))?;
            if entry.params.iter().any(|q| q.name == name) {
                fixed.params.push((name.to_owned(), value.to_owned()));
            } else {
                let v = serde_json::from_str::<Value>(value)
                    .ok()
                    .filter(|v| !v.is_object() && !v.is_array())
                    .unwrap_or_else(|| Value::from(value));
                fixed.fields.insert(name.to_owned(), v);
            }
        }
        Ok(fixed)
    }

    /// These values and an edge's own request-level fields (a JSON object's text; empty: none).
    pub fn with_fields(&self, own: &str) -> Fixed {
        let mut fixed = self.clone();
        if let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(own) {
            fixed.fields.extend(fields);
        }
        fixed
    }

    /// A canonical text of the values, for the journal's fingerprint.
    pub fn canonical(&self) -> String {
        let mut params = self.params.clone();
        params.sort();
        format!("{params:?}|{}", Value::Object(self.fields.clone()))
    }
}

/// The key of a graph line naming the requester: the spec's requester field or path parameter.
pub fn requester_key(entry: &ApiEntry) -> Option<&'static str> {
    entry.info.relation.as_ref().map(|r| match r.requester {
        Requester::Field(f) | Requester::Param(f) => f,
    })
}

/// One call's request: the fixed values, the requester, and the items in the batch.
pub fn request(
    entry: &ApiEntry,
    fixed: &Fixed,
    requester: Option<&str>,
    items: Vec<Value>,
) -> (Value, Vec<(String, String)>) {
    let mut params = fixed.params.clone();
    let mut body = Map::new();
    for (k, v) in &fixed.fields {
        body.insert(k.clone(), v.clone());
    }
    if let (Some(rel), Some(who)) = (entry.info.relation.as_ref(), requester) {
        match rel.requester {
            Requester::Field(f) => {
                body.insert(f.to_owned(), Value::from(who));
            }
            Requester::Param(p) => params.push((p.to_owned(), who.to_owned())),
        }
    }
    match (&entry.info.batch, entry.info.target) {
        (Some(batch), _) => return (batch.with_items(&Value::Object(body), items), params),
        // One target a call, named in the path (a DELETE of one friend).
        (None, Some(Carrier::Param(target))) => {
            if let Some(item) = items.first() {
                params.push((target.to_owned(), item.as_str().map_or_else(|| item.to_string(), str::to_owned)));
            }
        }
        // One target a call, a body field beside the item's other fields (NetEase's `faccid`).
        (None, Some(Carrier::Field(_))) => {
            if let Some(Value::Object(item)) = items.into_iter().next() {
                body.extend(item);
            }
        }
        (None, None) => {}
    }
    (Value::Object(body), params)
}

/// A value as the wire carries it: JSON where the spec's text reads as JSON (`0`, `true`),
/// else the text (an enum word).
pub fn wire_value(text: &str) -> Value {
    serde_json::from_str::<Value>(text).unwrap_or_else(|_| Value::from(text))
}

/// The batch item of a graph line: the value under the batch field's name where the batch is
/// a list of ids, else the line's other keys (every key but those in `exclude`: the requester's,
/// and the columns that carry the requester's registration).
pub fn item_of(entry: &ApiEntry, line: &Map<String, Value>, exclude: &[String]) -> Result<Value, String> {
    // Bare ids: under the batch field's name, or the path parameter naming the one target.
    let bare = match (&entry.info.batch, entry.info.target) {
        (Some(b), _) => Some(b.field),
        (None, Some(Carrier::Param(p))) => Some(p),
        (None, _) => None,
    };
    match entry.info.target_field() {
        None => {
            let field = bare.ok_or_else(|| format!("`{}` names no target", entry.info.id))?;
            line.get(field).cloned().ok_or_else(|| format!("the line has no `{field}`"))
        }
        Some(id) => {
            if !line.contains_key(id) {
                return Err(format!("the line has no `{id}`"));
            }
            let item: Map<String, Value> =
                line.iter().filter(|(k, _)| !exclude.contains(k)).map(|(k, v)| (k.clone(), v.clone())).collect();
            Ok(Value::Object(item))
        }
    }
}

/// Refuses an item whose fields would replace a request-level value (`--param type=1`) where
/// the item's fields sit beside them in the body root (a call without a batch): a line's own
/// `type` is not quietly sent instead of the one the journal was made with.
pub fn overrides_nothing(entry: &ApiEntry, fixed: &Fixed, item: &Value) -> Result<(), String> {
    if entry.info.batch.is_some() {
        return Ok(());
    }
    match item.as_object().and_then(|fields| fields.keys().find(|k| fixed.fields.contains_key(*k))) {
        Some(k) => Err(format!("`{k}` is given for every call by --param: a line does not give it again")),
        None => Ok(()),
    }
}

/// The first API of `entry`'s vendor that does `op` and passes `also`, from the registry.
pub fn sibling(entry: &ApiEntry, op: Operation, also: impl Fn(&ApiEntry) -> bool) -> Option<&'static ApiEntry> {
    imspec::apis().into_iter().find(|a| a.info.vendor.id == entry.info.vendor.id && a.info.operation == op && also(a))
}

/// The vendor's register API (a batch of users a call, or one), if it has one.
pub fn register_api(entry: &ApiEntry) -> Option<&'static ApiEntry> {
    sibling(entry, Operation::Register, |_| true)
}

/// The fields a register item requires besides the user's id (Easemob's `password`), found by
/// validating a bare item.
pub fn required_fields(reg: &ApiEntry) -> Vec<String> {
    let (body, params) = request(reg, &Fixed::default(), None, vec![bare_item(reg, "user")]);
    let mut fields: Vec<String> = violations(reg, &body, &params)
        .into_iter()
        .filter(|v| v.rule == imspec_runtime::Rule::Required)
        .filter_map(|v| v.path.rsplit('.').next().map(str::to_owned))
        .collect();
    fields.dedup();
    fields
}

/// The violations of a one-item request, as the API's validators find them.
pub fn violations(entry: &ApiEntry, body: &Value, params: &[(String, String)]) -> Vec<imspec_runtime::Violation> {
    let mut v = Violations::new().bounded(8);
    (entry.validate_json)(body, &mut v);
    entry.validate_params(params, &mut v);
    v.into_vec()
}

/// The item that names `user` in `entry`'s batch: the id itself, or an object with the id field.
pub fn bare_item(entry: &ApiEntry, user: &str) -> Value {
    match entry.info.target_field() {
        Some(id) => {
            let mut m = Map::new();
            m.insert(id.to_owned(), Value::from(user));
            Value::Object(m)
        }
        None => Value::from(user),
    }
}
