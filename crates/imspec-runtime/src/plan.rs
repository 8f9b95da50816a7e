//! From one request body to the calls that carry it: items that break a rule are set aside as
//! `invalid` (strict policy) while the others are sent, and the batch is split into chunks no
//! larger than the documented (or raised) maximum. A violation of a request-level field makes
//! every item invalid and nothing is sent.

use serde_json::Value;

use crate::api::Batch;
use crate::validate::{Policy, Rule, Violation};

/// One call to make: its body and the items it carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub body: Value,
    /// Each item's target id, in order.
    pub users: Vec<String>,
    /// Each item's index in the original batch.
    pub indices: Vec<usize>,
}

/// An item not sent because it breaks a rule.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidItem {
    pub index: usize,
    pub user: String,
    pub violations: Vec<Violation>,
}

/// The calls to make, and what is not sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    pub chunks: Vec<Chunk>,
    pub invalid: Vec<InvalidItem>,
    /// Violations of the request itself (outside any item), reported once.
    pub request_violations: Vec<Violation>,
}

/// Plans the calls for `body`, given the violations its validation found. `max_items` is the
/// per-call maximum in force (the documented one, or a raised one); `None` sends one call.
pub fn plan(batch: &Batch, max_items: Option<u64>, policy: Policy, body: &Value, violations: &[Violation]) -> Plan {
    let items: &[Value] = batch.items(body).map(Vec::as_slice).unwrap_or_default();
    let user_of = |item: &Value| batch.user_of(item);
    // Which item a violation belongs to, if any. The batch-size rule is not an item's fault.
    let item_of = |v: &Violation| batch.item_index(&v.path);
    let mut plan = Plan::default();
    // Where each invalid item's entry is in `plan.invalid`: one lookup per violation.
    let mut entry_of: Vec<Option<usize>> = vec![None; items.len()];
    if policy == Policy::Strict {
        // Over-size batches are what chunking fixes; without a per-call maximum they stay errors.
        for v in violations.iter().filter(|v| !(v.rule == Rule::Batch && max_items.is_some())) {
            match item_of(v) {
                Some(i) if i < items.len() => match entry_of[i] {
                    Some(at) => plan.invalid[at].violations.push(v.clone()),
                    None => {
                        entry_of[i] = Some(plan.invalid.len());
                        plan.invalid.push(InvalidItem {
                            index: i,
                            user: user_of(&items[i]),
                            violations: vec![v.clone()],
                        });
                    }
                },
                _ => plan.request_violations.push(v.clone()),
            }
        }
        if !plan.request_violations.is_empty() {
            // The request itself is wrong: every item is invalid, nothing is sent.
            for (i, item) in items.iter().enumerate().filter(|(i, _)| entry_of[*i].is_none()) {
                plan.invalid.push(InvalidItem { index: i, user: user_of(item), violations: Vec::new() });
            }
            plan.invalid.sort_by_key(|x| x.index);
            return plan;
        }
        plan.invalid.sort_by_key(|x| x.index);
    }
    let valid: Vec<usize> = (0..items.len()).filter(|i| entry_of[*i].is_none()).collect();
    let size = max_items.map_or(valid.len().max(1), |m| usize::try_from(m).unwrap_or(usize::MAX).max(1));
    // Each chunk is the request without its batch array, plus its own items: clone that
    // template, not the whole batch, per chunk.
    let template = batch.with_items(body, Vec::new());
    for part in valid.chunks(size) {
        plan.chunks.push(Chunk {
            body: batch.with_items(&template, part.iter().map(|&i| items[i].clone()).collect()),
            users: part.iter().map(|&i| user_of(&items[i])).collect(),
            indices: part.to_vec(),
        });
    }
    plan
}

/// Plans the one call of an API whose one target is named by a path parameter: any violation
/// (of a parameter, or of the body) is the request's own, and nothing is sent (strict policy).
pub fn single(user: String, policy: Policy, body: &Value, violations: &[Violation]) -> Plan {
    if policy == Policy::Strict && !violations.is_empty() {
        return Plan {
            chunks: Vec::new(),
            invalid: vec![InvalidItem { index: 0, user, violations: Vec::new() }],
            request_violations: violations.to_vec(),
        };
    }
    Plan { chunks: vec![Chunk { body: body.clone(), users: vec![user], indices: vec![0] }], ..Plan::default() }
}
