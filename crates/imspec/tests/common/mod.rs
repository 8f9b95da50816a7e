//! What the tests need to reach the generated code of an API by its id.

#![allow(dead_code)]

use std::path::Path;

use imspec::runtime::{Violation, Violations};
use serde_json::Value;

pub fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

/// The generated pieces of one API, type-erased so tests can iterate over APIs.
pub struct Generated {
    pub id: &'static str,
    /// `validate_json` at the documented limits, at a fixed "now".
    pub validate_json: fn(&Value, i64) -> Vec<Violation>,
    /// Decode into the typed request, validate it, at a fixed "now"; `Err` when it does not decode.
    pub validate_typed: fn(&Value, i64) -> Result<Vec<Violation>, String>,
    /// Decode and re-encode a request.
    pub request_roundtrip: fn(&Value) -> Result<Value, String>,
    /// Decode and re-encode a response.
    pub response_roundtrip: fn(&Value) -> Result<Value, String>,
}

macro_rules! generated {
    ($($id:literal => $module:path),* $(,)?) => {
        pub fn all() -> Vec<Generated> {
            vec![$({
                use $module as m;
                Generated {
                    id: $id,
                    validate_json: |value, now| {
                        let mut v = Violations::at(now);
                        m::validate_json(value, &m::Limits::DOCUMENTED, &mut v);
                        v.into_vec()
                    },
                    validate_typed: |value, now| {
                        let request: m::Request = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
                        let mut v = Violations::at(now);
                        request.validate_with(&m::Limits::DOCUMENTED, &mut v);
                        Ok(v.into_vec())
                    },
                    request_roundtrip: |value| {
                        let request: m::Request = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
                        serde_json::to_value(&request).map_err(|e| e.to_string())
                    },
                    response_roundtrip: |value| {
                        let response: m::Response = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
                        serde_json::to_value(&response).map_err(|e| e.to_string())
                    },
                }
            }),*]
        }
    };
}

generated! {
    "easemob/contacts_import" => imspec::easemob::contacts_import,
    "tencent_im/friend_add" => imspec::tencent_im::friend_add,
    "tencent_im/friend_import" => imspec::tencent_im::friend_import,
    "zego_zim/add_friends" => imspec::zego_zim::add_friends,
}

/// The JSON text of an example as the page has it, or corrected when an erratum says so.
pub fn example_json(ex: &imspec_spec::Example) -> Value {
    let text = ex.erratum.as_ref().map(|e| &e.corrected.value).unwrap_or(&ex.body.value);
    serde_json::from_str(text).expect("lint guarantees the (corrected) example is JSON")
}

/// A JSON path `$.A[0].B` of a violation, with its code, as the tests compare them.
pub fn summary(v: &[Violation]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = v.iter().map(|x| (x.path.clone(), x.code.to_string())).collect();
    out.sort();
    out
}
