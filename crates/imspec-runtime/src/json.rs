//! Reading a vendor's JSON answer: the value at a path of wire names, an id as text.

use serde_json::Value;

/// An id as text: a string, or a number's digits.
pub(crate) fn id_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A value as text: a string as itself, a number's digits, anything else its JSON.
pub(crate) fn text(v: &Value) -> String {
    id_text(v).unwrap_or_else(|| v.to_string())
}

/// The value at a path of wire names from the root.
pub(crate) fn at<'v>(body: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(body, |v, k| v.get(*k))
}
