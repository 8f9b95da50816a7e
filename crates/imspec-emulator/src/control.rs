//! The control API (`/_emulator/...`): what tests and people see of the service's state. It is
//! never subject to faults or rate limits.

use std::sync::atomic::Ordering;

use axum::http::Method;
use serde_json::{Map, Value, json};

use crate::Inner;
use crate::answer::Reply;
use crate::lock;

pub fn handle(em: &Inner, method: &Method, rest: &str, body: &[u8]) -> Reply {
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["friends", vendor, user]) => {
            let user = crate::percent_decode(user, false);
            let Some(v) = em.vendors.iter().find(|v| v.info.id == *vendor) else { return no_vendor(em, vendor) };
            let graph = lock(&v.graph);
            let list = |relations: Vec<(&str, Map<String, Value>)>| -> Vec<Value> {
                relations.into_iter().map(|(id, fields)| json!({ "id": id, "fields": fields })).collect()
            };
            let mut out = json!({ "user": user, "friends": list(graph.friends(&user, 0..usize::MAX)) });
            // Requests awaiting the other side's confirmation, when there are any.
            if let Some(pending) = graph.pending(&user) {
                out["pending"] = Value::Array(list(pending));
            }
            Reply::json(200, out)
        }
        ("GET", ["stats"]) => {
            let mut out = Map::new();
            for api in &em.apis {
                out.insert(api.entry.info.id.to_owned(), api.stats.json());
            }
            if let Some(v) = em.vendors.iter().find(|v| v.verifier.token_path().is_some()) {
                out.insert(format!("{}/token", v.info.id), em.token_stats.json());
            }
            Reply::json(200, Value::Object(out))
        }
        ("GET", ["users", vendor]) => {
            let Some(v) = em.vendors.iter().find(|v| v.info.id == *vendor) else { return no_vendor(em, vendor) };
            Reply::json(200, json!({ "users": lock(&v.graph).users() }))
        }
        ("POST", ["users", vendor]) => {
            let Some(v) = em.vendors.iter().find(|v| v.info.id == *vendor) else { return no_vendor(em, vendor) };
            let request = serde_json::from_slice::<Value>(body).ok();
            let users = request.as_ref().and_then(|b| {
                b.get("users")?.as_array()?.iter().map(|u| u.as_str().map(str::to_owned)).collect::<Option<Vec<_>>>()
            });
            let Some(users) = users else {
                return Reply::json(400, json!({ "error": "expected {\"users\": [\"id\", ...], \"confirm\": false}" }));
            };
            // `confirm: true`: these users confirm every friend request (where the API documents
            // a pending answer, such requests are held as pending).
            let confirm = request.as_ref().and_then(|b| b.get("confirm")).and_then(Value::as_bool).unwrap_or(false);
            let mut graph = lock(&v.graph);
            for u in &users {
                graph.register(u);
                if confirm {
                    graph.confirm_requests(u);
                }
            }
            Reply::json(200, json!({ "registered": users.len() }))
        }
        ("GET", ["instance"]) => Reply::json(200, json!({ "instance": *lock(&em.instance) })),
        ("POST", ["clock"]) => {
            let advance = serde_json::from_slice::<Value>(body).ok().and_then(|b| b.get("advance_ms")?.as_u64());
            let Some(ms) = advance else {
                return Reply::json(400, json!({ "error": "expected {\"advance_ms\": <milliseconds>}" }));
            };
            em.advanced_ns.fetch_add(ms.saturating_mul(1_000_000), Ordering::Relaxed);
            Reply::json(200, json!({ "rate_limit_clock_ms": em.now_ns() / 1_000_000 }))
        }
        ("POST", ["reset"]) => {
            for v in &em.vendors {
                *lock(&v.graph) = Default::default();
            }
            for api in &em.apis {
                api.stats.reset();
                *lock(&api.bucket) = crate::bucket(api.rate, api.entry.info);
            }
            em.token_stats.reset();
            for v in &em.vendors {
                v.verifier.clear();
            }
            lock(&em.seen).clear();
            em.request_ids.store(0, Ordering::Relaxed);
            // Everything the service held is gone: it is another instance now.
            let instance = crate::instance_id();
            *lock(&em.instance) = instance.clone();
            Reply::json(200, json!({ "reset": true, "instance": instance }))
        }
        _ => Reply::json(
            404,
            json!({ "error": "unknown control call", "known": [
                "GET /_emulator/friends/{vendor}/{user}", "GET /_emulator/instance", "GET /_emulator/stats", "GET /_emulator/users/{vendor}",
                "POST /_emulator/users/{vendor}", "POST /_emulator/clock", "POST /_emulator/reset"] }),
        ),
    }
}

fn no_vendor(em: &Inner, vendor: &str) -> Reply {
    let known: Vec<&str> = em.vendors.iter().map(|v| v.info.id).collect();
    Reply::json(404, json!({ "error": format!("no vendor `{vendor}`"), "known": known }))
}
