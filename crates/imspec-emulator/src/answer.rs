//! Answers in each vendor's own shape, composed from the spec's `envelope`, `results` and
//! answer facts — never from vendor-specific code.

use std::time::Instant;

use crate::ops::Answered;
use imspec_runtime::{ApiInfo, Code, Fill, Results};
use serde_json::{Map, Value};

/// An HTTP answer: status and JSON body (or text for a gateway error).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Body,
    /// Do the work, then drop the connection instead of answering.
    pub drop: bool,
}

#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Text(&'static str),
}

impl Reply {
    pub fn json(status: u16, body: Value) -> Reply {
        Reply { status, body: Body::Json(body), drop: false }
    }
}

/// What an answer's `fill` keywords resolve to.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub method: &'a str,
    pub started: Instant,
    pub request_id: u64,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

fn fill(obj: &mut Map<String, Value>, fills: &[(&str, Fill)], cx: &Context<'_>, error_name: Option<&str>) {
    for (field, f) in fills {
        let value = match f {
            Fill::NowMs => Value::from(now_ms()),
            Fill::ElapsedMs => Value::from(u64::try_from(cx.started.elapsed().as_millis()).unwrap_or(u64::MAX)),
            Fill::Method => Value::from(cx.method.to_ascii_lowercase()),
            Fill::ErrorName => match error_name {
                Some(name) => Value::from(name),
                None => continue,
            },
            Fill::Str(s) => Value::from(*s),
            Fill::Int(i) => Value::from(*i),
            Fill::Bool(b) => Value::from(*b),
        };
        obj.insert((*field).to_owned(), value);
    }
}

/// The text an answer gives for a code: the vendor's own error text, else its meaning.
pub fn message_of(info: &ApiInfo, code: &Code) -> String {
    match info.error(code) {
        Some(row) => row.message.unwrap_or(row.meaning).to_owned(),
        None => String::new(),
    }
}

/// The answer to a call that failed as a whole.
pub fn failure(info: &ApiInfo, code: &Code, message: Option<String>, cx: &Context<'_>) -> Reply {
    let vendor = info.vendor;
    let row = info.error(code);
    let message = message.unwrap_or_else(|| message_of(info, code));
    let mut obj = Map::new();
    if vendor.answer.error_body {
        obj.insert(info.envelope.code.to_owned(), code.to_json());
        fill(&mut obj, vendor.answer.fill, cx, row.map(|r| r.name));
        obj.insert(info.envelope.message.to_owned(), Value::from(message));
        return Reply::json(row.and_then(|r| r.http_status).unwrap_or(400), Value::Object(obj));
    }
    envelope(&mut obj, info, code, message, false, cx, row.map(|r| r.name));
    Reply::json(200, Value::Object(obj))
}

fn envelope(
    obj: &mut Map<String, Value>,
    info: &ApiInfo,
    code: &Code,
    message: String,
    ok: bool,
    cx: &Context<'_>,
    error_name: Option<&str>,
) {
    let answer = &info.vendor.answer;
    if let Some(status) = &answer.status {
        obj.insert(status.field.to_owned(), Value::from(if ok { status.ok } else { status.fail }));
    }
    obj.insert(info.envelope.code.to_owned(), code.to_json());
    if !(ok && answer.message_on_failure_only) {
        obj.insert(info.envelope.message.to_owned(), Value::from(message));
    }
    if let Some(field) = answer.request_id {
        obj.insert(field.to_owned(), Value::from(cx.request_id.to_string()));
    }
    fill(obj, answer.fill, cx, error_name);
}

/// Sets `value` at a dotted path of wire names, creating objects on the way.
fn set_path(obj: &mut Map<String, Value>, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else { return };
    let mut here = obj;
    for key in parents {
        let next = here.entry((*key).to_owned()).or_insert_with(|| Value::Object(Map::new()));
        if !next.is_object() {
            *next = Value::Object(Map::new());
        }
        let Value::Object(map) = next else { return };
        here = map;
    }
    here.insert((*last).to_owned(), value);
}

/// The answer to a call whose items were each handled: each item's target id, its code
/// (`None`: done), what a check answers for it, and whether the answer lists it. `Err` carries
/// a code no result list of the spec can hold.
pub fn success(info: &ApiInfo, results: &[Answered], cx: &Context<'_>) -> Result<Reply, Code> {
    let answer = &info.answer;
    let mut obj = Map::new();
    let ok_code = info.envelope.ok.clone();
    let item_message = |code: &Option<Code>| code.as_ref().map(|c| message_of(info, c)).unwrap_or_default();
    let listed: Vec<&Answered> = results.iter().filter(|r| r.listed).collect();
    // The envelope's code: success, unless every item failed and the spec says the envelope
    // then carries a failure — the items' common code (or the call code paired with it), else
    // the first item's. Items of a success class (already friends, pending) did not fail.
    let failed = |c: &Option<Code>| c.as_ref().is_some_and(|c| !info.class(c).is_some_and(|k| k.is_success()));
    let top = match answer.all_failed {
        Some(map) if !results.is_empty() && results.iter().all(|r| failed(&r.code)) => {
            let first = results.iter().find_map(|r| r.code.clone());
            let common = first.as_ref().filter(|f| results.iter().all(|r| r.code.as_ref() == Some(*f)));
            let mapped = common.and_then(|c| map.iter().find(|(from, _)| from == c).map(|(_, to)| to));
            mapped.cloned().or(first)
        }
        _ => ok_code.clone(),
    };
    let set_envelope = |obj: &mut Map<String, Value>| {
        if let Some(top) = &top {
            let ok = Some(top) == ok_code.as_ref();
            let message = if ok { String::new() } else { message_of(info, top) };
            let name = if ok { None } else { info.error(top).map(|r| r.name) };
            envelope(obj, info, top, message, ok, cx, name);
        }
    };
    let Some(shape) = &info.results else {
        // The envelope alone says how the call's item went.
        if let Some(code) = results.iter().find_map(|r| r.code.clone()) {
            return Err(code);
        }
        if let Some(ok) = &ok_code {
            envelope(&mut obj, info, ok, String::new(), true, cx, None);
        }
        fill(&mut obj, answer.fill, cx, None);
        return Ok(Reply::json(200, Value::Object(obj)));
    };
    match shape {
        Results::PerItem { list, ids, code, ok, relation, registered, failures } => {
            let extra_field = relation.or(registered.map(|(field, _)| field));
            // With a second list for failures, successes carry no code and go in `list`.
            let entry = |r: &Answered, with_code: bool| {
                let mut e = Map::new();
                e.insert(ids[0].to_owned(), Value::from(r.user.as_str()));
                if let (Some(field), Some(value)) = (extra_field, &r.extra) {
                    e.insert(field.to_owned(), value.clone());
                }
                if with_code {
                    e.insert((*code).to_owned(), r.code.as_ref().unwrap_or(ok).to_json());
                    if let Some(m) = answer.item_message {
                        e.insert(m.to_owned(), Value::from(item_message(&r.code)));
                    }
                }
                Value::Object(e)
            };
            match failures {
                Some(failures) => {
                    let (failed, done): (Vec<&&Answered>, Vec<&&Answered>) =
                        listed.iter().partition(|r| r.code.as_ref().is_some_and(|c| c != ok));
                    set_path(&mut obj, list, Value::Array(done.iter().map(|r| entry(r, false)).collect()));
                    set_path(&mut obj, failures, Value::Array(failed.iter().map(|r| entry(r, true)).collect()));
                }
                None => set_path(&mut obj, list, Value::Array(listed.iter().map(|r| entry(r, true)).collect())),
            }
            let mut invalid = Vec::new();
            let mut failed = Vec::new();
            for r in &listed {
                let Some(c) = &r.code else { continue };
                let class = info.class(c);
                if answer.invalid_ids.as_ref().is_some_and(|l| l.takes(class)) {
                    invalid.push(Value::from(r.user.as_str()));
                } else if answer.failed_ids.as_ref().is_some_and(|l| l.takes(class)) {
                    failed.push(Value::from(r.user.as_str()));
                }
            }
            for (list, ids) in [(&answer.failed_ids, failed), (&answer.invalid_ids, invalid)] {
                if let Some(list) = list
                    && (list.always || !ids.is_empty())
                {
                    obj.insert(list.field.to_owned(), Value::Array(ids));
                }
            }
            set_envelope(&mut obj);
        }
        Results::FailuresOnly { list, ids, code, .. } => {
            let failures: Vec<&&Answered> = listed.iter().filter(|r| r.code.is_some()).collect();
            set_envelope(&mut obj);
            let entries: Vec<Value> = failures
                .iter()
                .map(|r| {
                    // A list of bare ids carries only the id.
                    let (Some(id), Some(code)) = (ids.first(), code) else { return Value::from(r.user.as_str()) };
                    let mut e = Map::new();
                    e.insert((*id).to_owned(), Value::from(r.user.as_str()));
                    e.insert((*code).to_owned(), r.code.as_ref().map(Code::to_json).unwrap_or(Value::Null));
                    if let Some(m) = answer.item_message {
                        e.insert(m.to_owned(), Value::from(item_message(&r.code)));
                    }
                    Value::Object(e)
                })
                .collect();
            set_path(&mut obj, list, Value::Array(entries));
        }
        Results::Single { item, ids, relation, .. } => {
            // A failed item fails the call: its code is the envelope's.
            if let Some(code) = results.iter().find_map(|r| r.code.clone()) {
                return Err(code);
            }
            // The item, unless a check found no relation (`absent`).
            if let Some(r) = listed.first()
                && (relation.is_none() || r.extra.is_some())
            {
                let mut e = Map::new();
                e.insert(ids[0].to_owned(), Value::from(r.user.as_str()));
                if let (Some(field), Some(value)) = (relation, &r.extra) {
                    e.insert((*field).to_owned(), value.clone());
                }
                set_path(&mut obj, item, Value::Object(e));
            }
            set_envelope(&mut obj);
        }
        Results::IdLists { lists } => {
            if let Some(r) = listed.iter().find(|r| !lists.iter().any(|(_, code)| *code == r.code)) {
                return Err(r.code.clone().unwrap_or_else(|| info.schema_error_code.clone()));
            }
            fill(&mut obj, answer.fill, cx, None);
            for (path, code) in *lists {
                let users = listed.iter().filter(|r| r.code == *code).map(|r| r.user.as_str());
                set_ids(&mut obj, path, users);
            }
            return Ok(Reply::json(200, Value::Object(obj)));
        }
    }
    fill(&mut obj, answer.fill, cx, None);
    Ok(Reply::json(200, Value::Object(obj)))
}

/// Sets a list of ids at a path; a segment `list[]` makes the ids a field of objects in it
/// (`entities[].username`).
fn set_ids<'u>(obj: &mut Map<String, Value>, path: &[&str], users: impl Iterator<Item = &'u str>) {
    match path.iter().position(|seg| seg.ends_with("[]")) {
        Some(at) => {
            let list = path[at].trim_end_matches("[]");
            let inner = &path[at + 1..];
            let entries: Vec<Value> = users
                .map(|u| {
                    let mut entry = Map::new();
                    set_path(&mut entry, inner, Value::from(u));
                    Value::Object(entry)
                })
                .collect();
            let mut outer: Vec<&str> = path[..at].to_vec();
            outer.push(list);
            set_path(obj, &outer, Value::Array(entries));
        }
        None => set_path(obj, path, Value::Array(users.map(Value::from).collect())),
    }
}

/// The answer to one page of a list: the envelope of a success, then each field at its path.
pub fn page(info: &ApiInfo, fields: &[(&'static [&'static str], Value)], cx: &Context<'_>) -> Reply {
    let mut obj = Map::new();
    if let Some(ok) = &info.envelope.ok {
        envelope(&mut obj, info, ok, String::new(), true, cx, None);
    }
    fill(&mut obj, info.answer.fill, cx, None);
    for (path, value) in fields {
        set_path(&mut obj, path, value.clone());
    }
    Reply::json(200, Value::Object(obj))
}
