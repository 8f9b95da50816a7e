//! Check relations: read both friend lists, answer each target with the vendor's value for
//! what the requester and the target hold, in the mode the request asks for. Changes nothing.

use imspec_runtime::RelationWord;
use serde_json::Value;

use super::{Answered, Call, per_item};
use crate::state::Graph;

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Vec<Answered> {
    let Some(rel) = call.info.relation.as_ref() else { return Vec::new() };
    let requester = call.requester.as_str();
    per_item(call, graph, |target, _, graph| {
        let word = RelationWord::of(graph.has(requester, target), graph.has(target, requester), call.direction);
        let value = rel.value_of(word, call.direction).map(vendor_value);
        Answered { extra: value, ..Answered::new(target, None) }
    })
}

/// A spec value as the vendor sends it: an integer where it reads as one (ZEGO's 1..6), a
/// boolean where it reads as one (NetEase's `bidirection`).
pub(super) fn vendor_value(text: &str) -> Value {
    match (text.parse::<i64>(), text.parse::<bool>()) {
        (Ok(n), _) => Value::from(n),
        (_, Ok(b)) => Value::from(b),
        _ => Value::from(text),
    }
}
