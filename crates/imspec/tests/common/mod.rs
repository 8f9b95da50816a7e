//! What the tests need to reach the generated code of an API by its id.

#![allow(dead_code)]

use imspec::runtime::{Violation, Violations};
use serde_json::Value;

#[path = "../../../../tests/support/facts.rs"]
mod facts;
// Not every test file reads a fact.
#[allow(unused_imports)]
pub use facts::*;

/// The generated pieces of one API, type-erased so tests can iterate over APIs.
pub struct Generated {
    pub id: &'static str,
    /// `validate_json` at the documented limits.
    pub validate_json_into: fn(&Value, &mut Violations),
    /// Decode into the typed request, validate it, at a fixed "now"; `Err` when it does not decode.
    pub validate_typed: fn(&Value, i64) -> Result<Vec<Violation>, String>,
    /// Decode and re-encode a request.
    pub request_roundtrip: fn(&Value) -> Result<Value, String>,
    /// Decode and re-encode a response.
    pub response_roundtrip: fn(&Value) -> Result<Value, String>,
}

impl Generated {
    /// `validate_json` at the documented limits, at a fixed "now".
    pub fn validate_json(&self, value: &Value, now_ms: i64) -> Vec<Violation> {
        let mut v = Violations::at(now_ms);
        (self.validate_json_into)(value, &mut v);
        v.into_vec()
    }
}

/// Every API of the registry, with what its generated code does.
pub fn all() -> Vec<Generated> {
    imspec::apis()
        .into_iter()
        .map(|entry| Generated {
            id: entry.info.id,
            validate_json_into: entry.validate_json,
            validate_typed: entry.typed.validate_at,
            request_roundtrip: entry.typed.request_roundtrip,
            response_roundtrip: entry.typed.response_roundtrip,
        })
        .collect()
}

/// A JSON path `$.A[0].B` of a violation, with its code, as the tests compare them.
pub fn summary(v: &[Violation]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.iter().map(|x| (x.path.clone(), x.code.to_string())).collect();
    out.sort();
    out
}
