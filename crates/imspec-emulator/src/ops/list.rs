//! List: one page of a user's friends in the order they were added, from the position the
//! request gives, as many as its page size asks (all of them when it names none), with the
//! next position while more remain and the completeness flag when the spec has one.

use imspec_runtime::Carrier;
use serde_json::Value;

use super::Call;
use crate::state::Graph;

pub(super) fn run(call: &Call<'_>, graph: &mut Graph) -> Vec<(&'static [&'static str], Value)> {
    let Some(paging) = &call.info.paging else { return Vec::new() };
    let given = |carrier: &Carrier| -> Option<String> {
        match carrier {
            Carrier::Param(name) => call.params.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone()),
            Carrier::Field(name) => call.json.get(*name).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
        }
    };
    // Without a page size in the request, the service's documented default (a parameter's
    // `default`), else the whole list.
    let default_size = |carrier: &Carrier| match carrier {
        Carrier::Param(name) => call.declared.iter().find(|p| p.name == *name)?.default?.parse().ok(),
        Carrier::Field(_) => None,
    };
    let start: usize = paging.cursor.as_ref().and_then(given).and_then(|c| c.parse().ok()).unwrap_or(0);
    let size: Option<usize> = paging
        .page_size
        .as_ref()
        .and_then(|c| given(c).and_then(|s| s.parse().ok()).or_else(|| default_size(c)))
        .filter(|n| *n > 0);
    let held = graph.count(&call.requester);
    let end = size.map_or(held, |n| start.saturating_add(n).min(held));
    let page = graph.friends(&call.requester, start..end);
    let entries: Vec<Value> = page.iter().map(|(id, fields)| paging.entry(id, fields)).collect();
    let more = end < held;
    let mut out: Vec<(&'static [&'static str], Value)> = vec![(paging.items, Value::Array(entries))];
    if let Some(next) = paging.next {
        // The position travels as the cursor did: text for a parameter, a number in a body.
        let position = match paging.cursor {
            Some(Carrier::Field(_)) => Value::from(end),
            _ => Value::from(end.to_string()),
        };
        if more {
            out.push((next, position));
        }
    }
    if let Some((path, value)) = paging.complete {
        let done = serde_json::from_str::<Value>(value).unwrap_or(Value::Null);
        let not_done = match &done {
            Value::Number(n) if n.as_i64() == Some(1) => Value::from(0),
            Value::Bool(b) => Value::from(!b),
            _ => Value::Null,
        };
        out.push((path, if more { not_done } else { done }));
    }
    out
}
