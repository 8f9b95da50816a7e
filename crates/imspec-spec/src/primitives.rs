//! What every part of a spec uses: vendor codes, references to the pages, notes, type
//! expressions and units.

use serde_json::{Value as Json, json};

use crate::decode::{Cited, Cx, Decode, Scalar, SchemaGen};
use crate::diag::{Diagnostic, Loc};
use crate::yaml::{Node, Value};
use crate::{spec_enum, spec_struct};

spec_struct! {
    /// Something the data cannot say: a newer page's value, an ambiguity, a decision.
    pub struct Note {
        /// The note, in the words of whoever wrote it.
        "text" required text: String,
        /// Where it comes from (`<source id>` or `<source id> §<section>`).
        "source" optional source: SourceRef,
    }
}

/// A reference to a source: `seed` or `seed §2.7`.
#[derive(Debug, Clone)]
pub struct SourceRef {
    pub id: String,
    pub section: Option<String>,
    pub loc: Loc,
}

impl Decode for SourceRef {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        let text = String::decode(node, cx)?;
        let (id, section) = match text.split_once('§') {
            Some((id, section)) => (id.trim().to_owned(), Some(section.trim().to_owned())),
            None => (text.trim().to_owned(), None),
        };
        if id.is_empty() {
            cx.push(
                Diagnostic::error(&node.loc, "a source reference names a source")
                    .help("write `<source id>` or `<source id> §<section>`"),
            );
            return None;
        }
        let r = SourceRef { id, section, loc: node.loc.clone() };
        cx.source_refs.push(Cited { id: r.id.clone(), loc: r.loc.clone() });
        Some(r)
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": "string", "pattern": "^[^§]+(§.+)?$",
                "description": "`<source id>` or `<source id> §<section>`" })
    }
}

impl std::fmt::Display for SourceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.section {
            Some(s) => write!(f, "{} §{}", self.id, s),
            None => f.write_str(&self.id),
        }
    }
}

/// A type expression: `string`, `integer`, `boolean`, `string_or_integer`, `json`,
/// `array<T>` or the name of a declared type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    String,
    Integer,
    Boolean,
    StringOrInteger,
    Json,
    Array(Box<TypeExpr>),
    Named(String),
}

impl TypeExpr {
    /// The primitive type names.
    pub const PRIMITIVES: &'static [&'static str] = &["string", "integer", "boolean", "string_or_integer", "json"];

    pub fn parse(text: &str) -> Result<TypeExpr, String> {
        let text = text.trim();
        if let Some(inner) = text.strip_prefix("array<") {
            let inner = inner.strip_suffix('>').ok_or_else(|| format!("`{text}` is missing its closing `>`"))?;
            return Ok(TypeExpr::Array(Box::new(TypeExpr::parse(inner)?)));
        }
        Ok(match text {
            "string" => TypeExpr::String,
            "integer" => TypeExpr::Integer,
            "boolean" => TypeExpr::Boolean,
            "string_or_integer" => TypeExpr::StringOrInteger,
            "json" => TypeExpr::Json,
            name if is_type_name(name) => TypeExpr::Named(name.to_owned()),
            other => {
                return Err(format!(
                    "`{other}` is not a type: expected one of {}, `array<T>` or a declared type name (PascalCase)",
                    crate::diag::one_of_list(Self::PRIMITIVES.iter().copied())
                ));
            }
        })
    }

    /// The element type, for arrays.
    pub fn element(&self) -> Option<&TypeExpr> {
        match self {
            TypeExpr::Array(inner) => Some(inner),
            _ => None,
        }
    }
}

/// A declared type name: PascalCase ASCII letters and digits.
pub fn is_type_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase()) && name.chars().all(|c| c.is_ascii_alphanumeric())
}

impl std::fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TypeExpr::String => f.write_str("string"),
            TypeExpr::Integer => f.write_str("integer"),
            TypeExpr::Boolean => f.write_str("boolean"),
            TypeExpr::StringOrInteger => f.write_str("string_or_integer"),
            TypeExpr::Json => f.write_str("json"),
            TypeExpr::Array(inner) => write!(f, "array<{inner}>"),
            TypeExpr::Named(n) => f.write_str(n),
        }
    }
}

impl Decode for TypeExpr {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        let text = String::decode(node, cx)?;
        TypeExpr::parse(&text).map_err(|e| cx.push(Diagnostic::error(&node.loc, e))).ok()
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({
            "type": "string",
            "description": "string | integer | boolean | string_or_integer | json | array<T> | TypeName",
            "pattern": "^(array<)*(string|integer|boolean|string_or_integer|json|[A-Z][A-Za-z0-9]*)>*$",
        })
    }
}

spec_enum! {
    /// Unit of a length limit.
    pub enum LenUnit {
        /// UTF-8 bytes.
        "bytes" => Bytes,
        /// Unicode scalar values.
        "chars" => Chars,
    }
}

spec_enum! {
    /// Unit of an integer timestamp.
    pub enum TimeUnit {
        /// Milliseconds since the Unix epoch.
        "ms" => Millis,
        /// Seconds since the Unix epoch.
        "s" => Seconds,
    }
}

/// A vendor code: an integer (Tencent, ZEGO) or a string (Easemob's `error`, result lists).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    Int(i64),
    Str(String),
}

impl Code {
    pub fn from_scalar(s: &Scalar) -> Option<Code> {
        match s {
            Scalar::Int(i) => Some(Code::Int(*i)),
            Scalar::Str(s) => Some(Code::Str(s.clone())),
            Scalar::Bool(_) => None,
        }
    }

    pub fn to_json(&self) -> Json {
        match self {
            Code::Int(i) => Json::from(*i),
            Code::Str(s) => Json::String(s.clone()),
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Code::Int(i) => write!(f, "{i}"),
            Code::Str(s) => f.write_str(s),
        }
    }
}

impl Decode for Code {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Int(i) => Some(Code::Int(*i)),
            Value::Str(s, _) => Some(Code::Str(s.clone())),
            _ => {
                cx.push(Diagnostic::error(
                    &node.loc,
                    format!("expected a vendor code (integer or string), found {}", node.describe()),
                ));
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": ["integer", "string"], "description": "A vendor code from the error table." })
    }
}
