//! Typed decoding of [`Node`] trees that reports *every* problem, and the JSON Schema of the
//! same types — both from one declaration per type ([`spec_struct!`], [`spec_enum!`]), so the
//! format, its checks and its schema cannot drift apart.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::diag::{Diagnostic, Loc, one_of_list};
use crate::yaml::{Node, Value};

/// Collects diagnostics while decoding.
#[derive(Debug, Default)]
pub struct Cx {
    pub diags: Vec<Diagnostic>,
    /// Every `source:` reference decoded, checked once the file's `sources` are known.
    pub source_refs: Vec<Cited>,
}

/// Where a `source:` reference names a source.
#[derive(Debug, Clone)]
pub struct Cited {
    /// The source's id.
    pub id: String,
    pub loc: Loc,
}

impl Cx {
    pub fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn expected(&mut self, node: &Node, what: &str) {
        self.push(Diagnostic::error(&node.loc, format!("expected {what}, found {}", node.describe())));
    }
}

/// Builds the `$defs` of the JSON Schema as types register themselves.
#[derive(Debug, Default)]
pub struct SchemaGen {
    pub defs: BTreeMap<String, Json>,
}

impl SchemaGen {
    /// A `$ref` to `name`, building its definition the first time.
    pub fn reference(&mut self, name: &str, build: impl FnOnce(&mut SchemaGen) -> Json) -> Json {
        if !self.defs.contains_key(name) {
            // Insert a placeholder first so recursive types terminate.
            self.defs.insert(name.to_owned(), Json::Null);
            let def = build(self);
            self.defs.insert(name.to_owned(), def);
        }
        json!({ "$ref": format!("#/$defs/{name}") })
    }
}

/// A type that can be read from a spec node, and described as JSON Schema.
pub trait Decode: Sized {
    /// Decodes `node`, pushing a diagnostic for every problem. `None` when the value is unusable.
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self>;
    fn schema(sg: &mut SchemaGen) -> Json;
}

impl Decode for String {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Str(s, _) => Some(s.clone()),
            // A plain `2.0` or `OK` may resolve to a number or bool; where a string is expected the
            // author meant its text.
            Value::Int(_) | Value::Float(_) | Value::Bool(_) => node.key_text(),
            _ => {
                cx.expected(node, "a string");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": ["string", "number", "boolean"] })
    }
}

impl Decode for bool {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                cx.expected(node, "`true` or `false`");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": "boolean" })
    }
}

impl Decode for u64 {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.value {
            Value::Int(i) if i >= 0 => Some(i as u64),
            Value::Int(_) => {
                cx.push(Diagnostic::error(&node.loc, "expected a non-negative integer, found a negative one"));
                None
            }
            _ => {
                cx.expected(node, "a non-negative integer");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": "integer", "minimum": 0 })
    }
}

impl Decode for i64 {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match node.value {
            Value::Int(i) => Some(i),
            _ => {
                cx.expected(node, "an integer");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": "integer" })
    }
}

/// A scalar as written: used for `one_of` values, defaults and example params.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar {
    Str(String),
    Int(i64),
    Bool(bool),
}

impl Scalar {
    pub fn to_json(&self) -> Json {
        match self {
            Scalar::Str(s) => Json::String(s.clone()),
            Scalar::Int(i) => Json::from(*i),
            Scalar::Bool(b) => Json::Bool(*b),
        }
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scalar::Str(s) => f.write_str(s),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Decode for Scalar {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        match &node.value {
            Value::Str(s, _) => Some(Scalar::Str(s.clone())),
            Value::Int(i) => Some(Scalar::Int(*i)),
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            _ => {
                cx.expected(node, "a string, integer or boolean");
                None
            }
        }
    }
    fn schema(_: &mut SchemaGen) -> Json {
        json!({ "type": ["string", "integer", "boolean"] })
    }
}

/// A value together with where it was written.
#[derive(Debug, Clone)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Loc,
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: Decode> Decode for Spanned<T> {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        T::decode(node, cx).map(|value| Spanned { value, loc: node.loc.clone() })
    }
    fn schema(sg: &mut SchemaGen) -> Json {
        T::schema(sg)
    }
}

impl<T: Decode> Decode for Vec<T> {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        let Value::Seq(items) = &node.value else {
            cx.expected(node, "a sequence");
            return None;
        };
        // An element that fails is reported and left out, so the rest is still checked.
        Some(items.iter().filter_map(|n| T::decode(n, cx)).collect())
    }
    fn schema(sg: &mut SchemaGen) -> Json {
        json!({ "type": "array", "items": T::schema(sg) })
    }
}

/// A mapping with keys chosen by the author (type names, field names, codes), order kept.
#[derive(Debug, Clone)]
pub struct Map<V> {
    pub entries: Vec<(Spanned<Scalar>, V)>,
}

impl<V> Default for Map<V> {
    fn default() -> Self {
        Map { entries: Vec::new() }
    }
}

impl<V> Map<V> {
    pub fn iter(&self) -> impl Iterator<Item = (&Spanned<Scalar>, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k.value.to_string() == key).map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = String> + '_ {
        self.entries.iter().map(|(k, _)| k.value.to_string())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<V: Decode> Decode for Map<V> {
    fn decode(node: &Node, cx: &mut Cx) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            cx.expected(node, "a mapping");
            return None;
        };
        // An entry that fails is reported and left out, so the rest is still checked.
        let mut out = Vec::new();
        for (k, v) in entries {
            let key = Spanned::<Scalar>::decode(k, cx);
            let value = V::decode(v, cx);
            if let (Some(k), Some(v)) = (key, value) {
                out.push((k, v));
            }
        }
        Some(Map { entries: out })
    }
    fn schema(sg: &mut SchemaGen) -> Json {
        json!({ "type": "object", "additionalProperties": V::schema(sg) })
    }
}

/// A closed mapping being decoded as a struct: unknown keys were already reported.
#[derive(Debug)]
pub struct Fields<'n> {
    node: &'n Node,
    entries: &'n [(Node, Node)],
    type_name: &'static str,
}

impl<'n> Fields<'n> {
    /// Opens `node` as a closed mapping with the given keys, reporting each unknown key with a
    /// "did you mean" or the list of allowed keys.
    pub fn open(node: &'n Node, cx: &mut Cx, type_name: &'static str, keys: &[&str]) -> Option<Self> {
        let Value::Map(entries) = &node.value else {
            cx.push(
                Diagnostic::error(&node.loc, format!("expected a mapping ({type_name}), found {}", node.describe()))
                    .help(format!("allowed keys: {}", one_of_list(keys.iter().copied()))),
            );
            return None;
        };
        for (k, _) in entries {
            let Some(text) = k.key_text() else { continue };
            if !keys.contains(&text.as_str()) {
                let d = Diagnostic::error(&k.loc, format!("unknown key `{text}` in {type_name}"));
                cx.push(d.suggest(
                    &text,
                    keys.iter().copied(),
                    format!("allowed keys: {}", one_of_list(keys.iter().copied())),
                ));
            }
        }
        Some(Fields { node, entries, type_name })
    }

    pub fn node(&self, key: &str) -> Option<&'n Node> {
        self.entries.iter().find(|(k, _)| k.key_text().as_deref() == Some(key)).map(|(_, v)| v)
    }

    /// A required key: missing is an error. Outer `None` = unusable.
    pub fn required<T: Decode>(&self, cx: &mut Cx, key: &str) -> Option<T> {
        match self.node(key) {
            Some(n) => T::decode(n, cx),
            None => {
                cx.push(
                    Diagnostic::error(&self.node.loc, format!("missing key `{key}` in {}", self.type_name))
                        .help(format!("add `{key}: ...`")),
                );
                None
            }
        }
    }

    /// An optional key: `None` inside when absent. When present but unusable it is reported and
    /// treated as absent, so the enclosing value is still checked (the error fails the lint).
    pub fn optional<T: Decode>(&self, cx: &mut Cx, key: &str) -> Option<Option<T>> {
        Some(self.node(key).and_then(|n| T::decode(n, cx)))
    }

    /// A key with a default value when absent.
    pub fn default<T: Decode + Default>(&self, cx: &mut Cx, key: &str) -> Option<T> {
        self.optional(cx, key).map(Option::unwrap_or_default)
    }
}

/// Declares a spec struct: the Rust type, its closed-mapping decoder and its JSON Schema.
///
/// Each field is `"wire key" mode name: Type,` where mode is `required`, `optional` (the field
/// becomes `Option<Type>`) or `default` (absent means `Type::default()`).
#[macro_export]
macro_rules! spec_struct {
    (
        $(#[doc = $sdoc:literal])*
        pub struct $name:ident {
            $(
                $(#[doc = $fdoc:literal])*
                $key:literal $mode:ident $field:ident : $ty:ty,
            )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            /// Where the mapping is.
            pub loc: $crate::diag::Loc,
            $(
                $(#[doc = $fdoc])*
                pub $field: $crate::spec_struct!(@ty $mode $ty),
            )*
        }

        impl $crate::decode::Decode for $name {
            fn decode(node: &$crate::yaml::Node, cx: &mut $crate::decode::Cx) -> Option<Self> {
                let fields = $crate::decode::Fields::open(node, cx, stringify!($name), &[$($key),*])?;
                $( let $field = $crate::spec_struct!(@get $mode fields cx $key $ty); )*
                Some($name { loc: node.loc.clone(), $( $field: $field?, )* })
            }

            fn schema(sg: &mut $crate::decode::SchemaGen) -> serde_json::Value {
                sg.reference(stringify!($name), |sg| {
                    let mut properties = serde_json::Map::new();
                    let mut required: Vec<&str> = Vec::new();
                    $(
                        let mut prop = <$ty as $crate::decode::Decode>::schema(sg);
                        let doc = $crate::decode::join_doc(&[$($fdoc),*]);
                        if !doc.is_empty() {
                            prop = serde_json::json!({ "allOf": [prop], "description": doc });
                        }
                        properties.insert($key.to_owned(), prop);
                        if $crate::spec_struct!(@is_required $mode) {
                            required.push($key);
                        }
                    )*
                    serde_json::json!({
                        "type": "object",
                        "description": $crate::decode::join_doc(&[$($sdoc),*]),
                        "properties": properties,
                        "required": required,
                        "additionalProperties": false,
                    })
                })
            }
        }
    };
    (@ty required $ty:ty) => { $ty };
    (@ty optional $ty:ty) => { Option<$ty> };
    (@ty default $ty:ty) => { $ty };
    (@get required $f:ident $cx:ident $key:literal $ty:ty) => { $f.required::<$ty>($cx, $key) };
    (@get optional $f:ident $cx:ident $key:literal $ty:ty) => { $f.optional::<$ty>($cx, $key) };
    (@get default $f:ident $cx:ident $key:literal $ty:ty) => { $f.default::<$ty>($cx, $key) };
    (@is_required required) => { true };
    (@is_required $other:ident) => { false };
}

/// Declares a closed set of words: the Rust enum, its decoder (with "did you mean") and schema.
#[macro_export]
macro_rules! spec_enum {
    (
        $(#[doc = $sdoc:literal])*
        pub enum $name:ident {
            $( $(#[doc = $vdoc:literal])* $word:literal => $variant:ident, )*
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[doc = $vdoc])* $variant, )*
        }

        impl $name {
            /// Every word, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The word as written in a spec.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $word, )* }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::decode::Decode for $name {
            fn decode(node: &$crate::yaml::Node, cx: &mut $crate::decode::Cx) -> Option<Self> {
                let words = [$($word),*];
                let text = <String as $crate::decode::Decode>::decode(node, cx)?;
                match text.as_str() {
                    $( $word => Some($name::$variant), )*
                    _ => {
                        let d = $crate::diag::Diagnostic::error(
                            &node.loc,
                            format!("`{text}` is not a valid {}", stringify!($name)),
                        );
                        let d = match $crate::diag::did_you_mean(&text, words) {
                            Some(hint) => d.help(format!("{hint} (expected one of {})", $crate::diag::one_of_list(words))),
                            None => d.help(format!("expected one of {}", $crate::diag::one_of_list(words))),
                        };
                        cx.push(d);
                        None
                    }
                }
            }

            fn schema(sg: &mut $crate::decode::SchemaGen) -> serde_json::Value {
                sg.reference(stringify!($name), |_| {
                    let one_of: Vec<serde_json::Value> = vec![$(
                        serde_json::json!({ "const": $word, "description": $crate::decode::join_doc(&[$($vdoc),*]) })
                    ),*];
                    serde_json::json!({
                        "description": $crate::decode::join_doc(&[$($sdoc),*]),
                        "oneOf": one_of,
                    })
                })
            }
        }
    };
}

/// Joins `///` doc lines into one description.
pub fn join_doc(lines: &[&str]) -> String {
    lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ").trim().to_owned()
}
