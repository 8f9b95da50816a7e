//! Value types the specs name that Rust lacks.

use serde::{Deserialize, Serialize};

/// A value the vendor accepts as a string or an integer (Tencent's custom-field `Value`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum StringOrInt {
    Str(String),
    Int(i64),
}

impl StringOrInt {
    /// The string form, when it is a string (length limits apply to it).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            StringOrInt::Str(s) => Some(s),
            StringOrInt::Int(_) => None,
        }
    }
}

impl From<&str> for StringOrInt {
    fn from(s: &str) -> Self {
        StringOrInt::Str(s.to_owned())
    }
}

impl From<i64> for StringOrInt {
    fn from(i: i64) -> Self {
        StringOrInt::Int(i)
    }
}

/// For optional request fields: absent means `None`, but an explicit `null` is refused, as the
/// vendors' own validation treats it as a value of the wrong type.
pub fn deserialize_present<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

/// Decodes `value` as a `T` and encodes it again (a typed round trip).
pub fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
    value: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let typed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&typed).map_err(|e| e.to_string())
}
