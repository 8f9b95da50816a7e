//! The auth schemes a vendor's `auth.scheme` may name: one row each, saying what its `params`
//! hold and which credential roles its `refusals.missing` may name. Decoding, the lint, the
//! JSON Schema and the IR read this table and nothing else; the runtime implements each scheme
//! under the same name (`imspec-runtime/src/auth/<scheme>.rs`, found by its registry), reading
//! the same parameter keys.

use serde_json::{Value as Json, json};

use crate::decode::{Cx, Decode, Map, Scalar, SchemaGen, Spanned};
use crate::diag::{Diagnostic, one_of_list};
use crate::yaml::{Node, Value};

/// What a parameter's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A text (a wire name, a path template, a fixed value).
    Text,
    /// A non-negative integer.
    Count,
    /// A mapping of names to fixed values (query parameters every call carries).
    Pairs,
    /// The name of an object type of the vendor's `types` (a token request or answer body).
    ObjectType,
}

/// One parameter of a scheme.
#[derive(Debug, Clone, Copy)]
pub struct ParamDef {
    pub key: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    pub doc: &'static str,
}

/// One scheme: its name in specs, its parameters and its credential roles.
#[derive(Debug, Clone, Copy)]
pub struct SchemeDef {
    pub name: &'static str,
    pub doc: &'static str,
    pub params: &'static [ParamDef],
    /// The roles `refusals.missing` may name.
    pub roles: &'static [&'static str],
}

const fn p(key: &'static str, kind: ParamKind, doc: &'static str) -> ParamDef {
    ParamDef { key, kind, required: true, doc }
}

const fn optional(key: &'static str, kind: ParamKind, doc: &'static str) -> ParamDef {
    ParamDef { key, kind, required: false, doc }
}

use ParamKind::{Count, ObjectType, Pairs, Text};

/// Every scheme the runtime implements.
pub const SCHEMES: &[SchemeDef] = &[
    SchemeDef {
        name: "tencent_usersig",
        doc: "Tencent TLSSigAPIv2 UserSig in the query string.",
        params: &[
            p("app_id_param", Text, "Query parameter carrying the SDKAppID."),
            p("identifier_param", Text, "Query parameter carrying the admin identifier."),
            p("signature_param", Text, "Query parameter carrying the UserSig."),
            p("nonce_param", Text, "Query parameter carrying the per-call random number."),
            p("nonce_max", Count, "Largest value the nonce may take."),
            optional("fixed_query", Pairs, "Query parameters every call carries unchanged."),
            p("default_validity_seconds", Count, "UserSig validity when none is configured, in seconds."),
        ],
        roles: &["app_id", "identifier", "signature", "nonce"],
    },
    SchemeDef {
        name: "easemob_app_token",
        doc: "Easemob app token (client credentials) as a bearer header.",
        params: &[
            p("token_path", Text, "Path template of the token endpoint."),
            p("grant_type", Text, "`grant_type` value for client credentials."),
            p("token_request", ObjectType, "Type of the token request body (in the vendor's `types`)."),
            p("token_response", ObjectType, "Type of the token response body (in the vendor's `types`)."),
            p("header", Text, "Header carrying the token."),
            p("header_prefix", Text, "Text before the token in that header."),
            optional("token_rate_limit_per_second", Count, "Rate limit of the token endpoint."),
        ],
        roles: &["token"],
    },
    SchemeDef {
        name: "zego_md5",
        doc: "ZEGO md5 signature over AppId, nonce, secret and timestamp in the query string.",
        params: &[
            p("app_id_param", Text, "Query parameter carrying the AppId."),
            p("nonce_param", Text, "Query parameter carrying the signature nonce."),
            p("timestamp_param", Text, "Query parameter carrying the Unix timestamp."),
            p("version_param", Text, "Query parameter carrying the signature version."),
            p("signature_param", Text, "Query parameter carrying the signature."),
            p("version", Text, "Value of the version parameter."),
            p("max_skew_seconds", Count, "Largest accepted clock difference, in seconds."),
        ],
        roles: &["app_id", "nonce", "timestamp", "version", "signature"],
    },
    SchemeDef {
        name: "netease_checksum",
        doc: "NetEase Yunxin SHA1 checksum over secret, nonce and time, in four request headers.",
        params: &[
            p("app_key_header", Text, "Header carrying the AppKey."),
            p("nonce_header", Text, "Header carrying the per-call nonce."),
            p("time_header", Text, "Header carrying the current Unix time in seconds, as text."),
            p("checksum_header", Text, "Header carrying the checksum."),
            p("nonce_max_len", Count, "Longest nonce accepted, in characters."),
            p("max_skew_seconds", Count, "Largest accepted clock difference, in seconds."),
        ],
        roles: &["app_key", "nonce", "timestamp", "signature"],
    },
];

/// The scheme named `name`.
pub fn scheme(name: &str) -> Option<&'static SchemeDef> {
    SCHEMES.iter().find(|s| s.name == name)
}

/// A parameter's value, as its kind reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Text(String),
    Count(u64),
    Pairs(Vec<(String, String)>),
}

impl ParamValue {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            ParamValue::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// A scheme's parameters, decoded by its row: each known key once, every required one present.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub entries: Vec<(&'static ParamDef, Spanned<ParamValue>)>,
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&Spanned<ParamValue>> {
        self.entries.iter().find(|(d, _)| d.key == key).map(|(_, v)| v)
    }

    /// Decodes `node` as the parameters of `scheme`, reporting every unknown, missing or
    /// ill-typed one.
    pub fn decode(scheme: &'static SchemeDef, node: &Node, cx: &mut Cx) -> Option<Params> {
        let keys = || scheme.params.iter().map(|d| d.key);
        let Value::Map(entries) = &node.value else {
            cx.push(
                Diagnostic::error(&node.loc, format!("expected a mapping (the params of `{}`)", scheme.name))
                    .help(format!("its keys: {}", one_of_list(keys()))),
            );
            return None;
        };
        let mut out = Params::default();
        let mut ok = true;
        for (k, v) in entries {
            let Some(text) = k.key_text() else { continue };
            let Some(def) = scheme.params.iter().find(|d| d.key == text) else {
                let d = Diagnostic::error(&k.loc, format!("unknown key `{text}` in the params of `{}`", scheme.name));
                cx.push(d.suggest(&text, keys(), format!("its keys: {}", one_of_list(keys()))));
                ok = false;
                continue;
            };
            let value = match def.kind {
                Text | ObjectType => String::decode(v, cx).map(ParamValue::Text),
                Count => u64::decode(v, cx).map(ParamValue::Count),
                Pairs => Map::<Scalar>::decode(v, cx)
                    .map(|m| ParamValue::Pairs(m.iter().map(|(k, v)| (k.value.to_string(), v.to_string())).collect())),
            };
            match value {
                Some(value) => out.entries.push((def, Spanned { value, loc: v.loc.clone() })),
                None => ok = false,
            }
        }
        for def in scheme.params.iter().filter(|d| d.required && out.get(d.key).is_none()) {
            cx.push(
                Diagnostic::error(&node.loc, format!("missing key `{}` in the params of `{}`", def.key, scheme.name))
                    .help(format!("add `{}: ...` ({})", def.key, def.doc)),
            );
            ok = false;
        }
        ok.then_some(out)
    }

    /// The JSON Schema of `scheme`'s parameters.
    pub fn schema(scheme: &SchemeDef, _: &mut SchemaGen) -> Json {
        let properties: serde_json::Map<String, Json> = scheme
            .params
            .iter()
            .map(|d| {
                let ty = match d.kind {
                    Text | ObjectType => json!({ "type": ["string", "number", "boolean"] }),
                    Count => json!({ "type": "integer", "minimum": 0 }),
                    Pairs => json!({ "type": "object", "additionalProperties": { "type": ["string", "integer", "boolean"] } }),
                };
                let mut ty = ty;
                ty["description"] = Json::String(d.doc.to_owned());
                (d.key.to_owned(), ty)
            })
            .collect();
        let required: Vec<&str> = scheme.params.iter().filter(|d| d.required).map(|d| d.key).collect();
        json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
    }
}
