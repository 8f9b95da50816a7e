//! How a request body travels, as its spec's `content_type` names it (the spec crate's
//! `body::ENCODINGS`): a JSON document, or form pairs whose values are all text. The client
//! encodes with [`BodyEncoding::encode`] and the emulator decodes with
//! [`BodyEncoding::decode`], so both follow the spec; the validators see the same JSON either
//! way.

use serde_json::{Map, Value};

use crate::api::ParamType;

/// A request body's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyEncoding {
    Json,
    /// `name=value&...`, UTF-8, percent-encoded. The request type's fields and their types
    /// turn the texts back into JSON values (`type=1` is the integer 1 where `type` is one).
    Form {
        fields: &'static [(&'static str, ParamType)],
    },
}

impl BodyEncoding {
    /// The body of a call, from its JSON. A form carries a string as itself, a number or a
    /// boolean as its JSON text, and leaves `null` out (the lint lets a form API declare only
    /// scalar fields, so nothing else reaches it).
    pub fn encode(&self, body: &Value) -> String {
        match self {
            BodyEncoding::Json => body.to_string(),
            BodyEncoding::Form { .. } => {
                let mut form = form_urlencoded::Serializer::new(String::new());
                if let Value::Object(fields) = body {
                    for (name, value) in fields {
                        match value {
                            Value::Null => {}
                            Value::String(s) => {
                                form.append_pair(name, s);
                            }
                            other => {
                                form.append_pair(name, &other.to_string());
                            }
                        }
                    }
                }
                form.finish()
            }
        }
    }

    /// The JSON of a received body, or why it cannot be read. A form is read strictly (`+` a
    /// space, `%XX` a byte, every name and value UTF-8: a bad escape or bytes that are no text
    /// make the body unreadable, never a replacement character). A value becomes what its
    /// field's type reads it as; a value that does not read so (`type=x`, or `+1`, for an
    /// integer) stays text, for the validators to refuse with the vendor's code. A name given
    /// twice keeps its first value.
    pub fn decode(&self, body: &[u8]) -> Result<Value, String> {
        match self {
            BodyEncoding::Json => serde_json::from_slice(body).map_err(|_| "request body is not JSON".to_owned()),
            BodyEncoding::Form { fields } => {
                let mut json = Map::new();
                for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
                    let (name, text) = match pair.iter().position(|b| *b == b'=') {
                        Some(at) => (&pair[..at], &pair[at + 1..]),
                        None => (pair, &b""[..]),
                    };
                    let (name, text) = (component(name)?, component(text)?);
                    if json.contains_key(&name) {
                        continue;
                    }
                    let ty = fields.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
                    let value = match ty {
                        Some(ParamType::Integer) => {
                            integer(&text).map_or_else(|| Value::from(text.as_str()), Value::from)
                        }
                        Some(ParamType::Boolean) => {
                            text.parse::<bool>().map_or_else(|_| Value::from(text.as_str()), Value::from)
                        }
                        Some(ParamType::String) | None => Value::from(text),
                    };
                    json.insert(name, value);
                }
                Ok(Value::Object(json))
            }
        }
    }
}

/// An integer written as one: digits, perhaps after a minus sign (not `+1`, not ` 1`).
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// One name or value of a form, decoded strictly: `+` is a space, `%XX` the byte of two hex
/// digits, and the bytes must be UTF-8.
fn component(raw: &[u8]) -> Result<String, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while let Some(&b) = raw.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = raw.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit));
                let byte = hex.and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
                out.push(byte.ok_or_else(|| format!("request body: a bad escape at byte {i} of a form field"))?);
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "request body: a form field is not UTF-8 text".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FORM: BodyEncoding = BodyEncoding::Form {
        fields: &[("accid", ParamType::String), ("type", ParamType::Integer), ("mute", ParamType::Boolean)],
    };

    #[test]
    fn a_form_round_trips_through_its_field_types() {
        let body = json!({"accid": "zhang san&co", "type": 1, "mute": true, "msg": "我是xx", "gone": null});
        let text = FORM.encode(&body);
        assert_eq!(text, "accid=zhang+san%26co&type=1&mute=true&msg=%E6%88%91%E6%98%AFxx");
        assert_eq!(
            FORM.decode(text.as_bytes()),
            Ok(json!({"accid": "zhang san&co", "type": 1, "mute": true, "msg": "我是xx"}))
        );
    }

    #[test]
    fn a_value_its_type_cannot_read_stays_text_for_the_validators() {
        assert_eq!(FORM.decode(b"type=x&accid=12&type=2"), Ok(json!({"type": "x", "accid": "12"})));
        // `+` is a space in a form; a plus sign travels as `%2B`, and `+1` is no integer here.
        assert_eq!(FORM.decode(b"type=%2B1&&mute"), Ok(json!({"type": "+1", "mute": ""})));
        assert_eq!(FORM.decode(b"accid=zhang+san"), Ok(json!({"accid": "zhang san"})));
        assert!(FORM.decode(b"accid=\xff").is_err());
        // No escape is read loosely: a byte that is no text, a bad or cut escape.
        for bad in [&b"accid=b%ff"[..], b"accid=%zz", b"accid=b%", b"accid=%4", b"%e6%88=1"] {
            assert!(FORM.decode(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(BodyEncoding::Json.decode(b"{").map_err(|e| e.contains("JSON")), Err(true));
    }
}
