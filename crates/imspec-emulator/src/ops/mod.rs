//! What each operation does to the service, one file per operation: what the spec's
//! `operation` names decides which runs. Each takes the checked call and the vendor's graph and
//! says what became of every item (or of the whole call).

mod add;
mod check;
mod list;
mod remove;
mod users;

use std::collections::HashMap;

use imspec_runtime::{ApiInfo, Code, Direction, Operation};
use serde_json::{Map, Value};

use crate::faults::Decision;
use crate::state::{Graph, Limits};

/// A call that passed the checks every operation shares (rate, credentials, validation).
pub(crate) struct Call<'a> {
    pub info: &'static ApiInfo,
    pub json: &'a Value,
    /// The user the call is about (`From_Account`, `username`); empty when it names none.
    pub requester: String,
    /// Each item's target id and the item as sent (a bare id for a path parameter's target).
    pub items: Vec<(String, Value)>,
    /// The first validation code of each invalid item, by index.
    pub item_codes: HashMap<usize, Code>,
    pub fault: &'a Decision,
    /// The API's own retryable per-item codes (fault injection).
    pub retryable: &'a [Code],
    pub auto_register: bool,
    pub limits: Limits<'a>,
    /// The caller's path and query parameters.
    pub params: &'a [(String, String)],
    /// The API's declared parameters.
    pub declared: &'static [imspec_runtime::ParamInfo],
    pub direction: Direction,
}

/// What became of one item.
pub(crate) struct Answered {
    pub user: String,
    /// `None`: done.
    pub code: Option<Code>,
    /// What a check answers for it (the vendor's relation or registration value).
    pub extra: Option<Value>,
    /// Whether the answer lists it (a remove of a non-friend may be left out).
    pub listed: bool,
}

impl Answered {
    fn new(user: &str, code: Option<Code>) -> Self {
        Answered { user: user.to_owned(), code, extra: None, listed: true }
    }
}

/// What an operation came to.
pub(crate) enum Done {
    /// One answer per item.
    Items(Vec<Answered>),
    /// A page of a list: the answer's fields by response path.
    Page(Vec<(&'static [&'static str], Value)>),
}

/// Runs the call's operation; `Err` refuses the whole call with a code.
pub(crate) fn run(call: &Call<'_>, graph: &mut Graph) -> Result<Done, Code> {
    let relation = call.info.relation.as_ref();
    // The requester must exist, unless any id is registered on first use.
    if let Some(rel) = relation
        && !graph.is_registered(&call.requester)
    {
        if call.auto_register {
            graph.register(&call.requester);
        } else {
            return Err(rel.unknown_requester.clone().unwrap_or_else(|| call.info.schema_error_code.clone()));
        }
    }
    match call.info.operation {
        Operation::Add => add::run(call, graph).map(Done::Items),
        Operation::Remove => Ok(Done::Items(remove::run(call, graph))),
        Operation::Check => Ok(Done::Items(check::run(call, graph))),
        Operation::List => Ok(Done::Page(list::run(call, graph))),
        Operation::Register => Ok(Done::Items(users::register(call, graph))),
        Operation::CheckUsers => Ok(Done::Items(users::check(call, graph))),
        // An operation this emulator does not know yet refuses the call.
        _ => Err(call.info.schema_error_code.clone()),
    }
}

/// What every operation answers for item `i` before doing anything: its validation code, an
/// injected retryable code, or — when ids must be registered first — the unknown-user code.
fn refused(call: &Call<'_>, i: usize, target: &str, graph: &Graph) -> Option<Code> {
    if let Some(code) = call.item_codes.get(&i) {
        return Some(code.clone());
    }
    if let Some(code) = call.fault.item_code(i, call.retryable) {
        return Some(code);
    }
    let unknown = call.info.relation.as_ref().and_then(|r| r.unknown_user.clone());
    (!graph.is_registered(target) && !call.auto_register && call.info.operation != Operation::Register)
        .then(|| unknown.unwrap_or_else(|| call.info.schema_error_code.clone()))
}

/// Each item's answer: what every operation answers first ([`refused`]), else `op`'s.
fn per_item(
    call: &Call<'_>,
    graph: &mut Graph,
    mut op: impl FnMut(&str, &Value, &mut Graph) -> Answered,
) -> Vec<Answered> {
    call.items
        .iter()
        .enumerate()
        .map(|(i, (target, item))| match refused(call, i, target, graph) {
            Some(code) => Answered::new(target, Some(code)),
            None => op(target, item, graph),
        })
        .collect()
}

/// The stored fields of an item: every field but its id.
fn fields_of(item: &Value, id_field: Option<&str>) -> Map<String, Value> {
    match (item, id_field) {
        (Value::Object(obj), Some(id)) => {
            obj.iter().filter(|(k, _)| k.as_str() != id).map(|(k, v)| (k.clone(), v.clone())).collect()
        }
        _ => Map::new(),
    }
}
