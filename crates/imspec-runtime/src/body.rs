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

    /// The JSON of a received body, or why it cannot be read. A form's value becomes what
    /// its field's type reads it as; a value that does not read so (`type=x` for an integer)
    /// stays text, for the validators to refuse with the vendor's code. A name given twice
    /// keeps its first value.
    pub fn decode(&self, body: &[u8]) -> Result<Value, String> {
        match self {
            BodyEncoding::Json => serde_json::from_slice(body).map_err(|_| "request body is not JSON".to_owned()),
            BodyEncoding::Form { fields } => {
                if std::str::from_utf8(body).is_err() {
                    return Err("request body is not UTF-8 form data".to_owned());
                }
                let mut json = Map::new();
                for (name, text) in form_urlencoded::parse(body) {
                    if json.contains_key(name.as_ref()) {
                        continue;
                    }
                    let ty = fields.iter().find(|(n, _)| *n == name).map(|(_, t)| *t);
                    let value = match ty {
                        Some(ParamType::Integer) => {
                            text.parse::<i64>().map_or_else(|_| Value::from(text.as_ref()), Value::from)
                        }
                        Some(ParamType::Boolean) => {
                            text.parse::<bool>().map_or_else(|_| Value::from(text.as_ref()), Value::from)
                        }
                        Some(ParamType::String) | None => Value::from(text.as_ref()),
                    };
                    json.insert(name.into_owned(), value);
                }
                Ok(Value::Object(json))
            }
        }
    }
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
        assert!(FORM.decode(b"accid=\xff").is_err());
        assert_eq!(BodyEncoding::Json.decode(b"{").map_err(|e| e.contains("JSON")), Err(true));
    }
}
