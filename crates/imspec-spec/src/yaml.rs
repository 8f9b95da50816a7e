//! YAML text -> a tree of [`Node`]s, each knowing its file, line, column and YAML path.
//!
//! Built on `saphyr-parser`'s event stream rather than a serde deserializer: serde stops at the
//! first error and forgets positions, while a spec linter must report every problem at its place.

use std::sync::Arc;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

use crate::diag::{Diagnostic, Loc, SourceFile};

/// A YAML value with its location.
#[derive(Debug, Clone)]
pub struct Node {
    pub value: Value,
    pub loc: Loc,
}

/// A YAML value, with plain scalars resolved by the YAML 1.2 core schema.
#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string, and whether it was written as a block scalar (`|` / `>`), whose content starts
    /// on the line after the node's position.
    Str(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, in the words a diagnostic uses ("a mapping", "an integer").
    pub fn describe(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(..) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }

    /// The scalar's text as a mapping key is compared (`12` and `"12"` differ in kind, not text).
    pub fn key_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s, _) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Null => Some("null".into()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

impl Node {
    /// The node as JSON (keys as their text): what a JSON Schema validator sees of a spec.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s, _) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => {
                J::Object(entries.iter().map(|(k, v)| (k.key_text().unwrap_or_default(), v.to_json())).collect())
            }
        }
    }
}

/// Parses one file. Returns the root node, or `None` when the YAML is broken beyond repair
/// (the diagnostics then say where).
pub fn parse(file: &Arc<SourceFile>, diags: &mut Vec<Diagnostic>) -> Option<Node> {
    let mut builder = Builder { file: file.clone(), events: Parser::new_from_str(&file.text), diags };
    builder.document()
}

struct Builder<'a, 'd> {
    file: Arc<SourceFile>,
    events: Parser<'a, saphyr_parser::StrInput<'a>>,
    diags: &'d mut Vec<Diagnostic>,
}

/// Parsing stops at the first syntax error: the event stream cannot resume after one.
struct Stop;

impl<'a> Builder<'a, '_> {
    fn loc(&self, span: &Span, path: &str) -> Loc {
        let start = span.start;
        let len = if span.end.line() == start.line() { span.end.col().saturating_sub(start.col()) } else { 1 };
        Loc { file: self.file.clone(), line: start.line(), col: start.col() + 1, len, path: Arc::from(path) }
    }

    fn next(&mut self) -> Result<(Event<'a>, Span), Stop> {
        match self.events.next() {
            Some(Ok(ev)) => Ok(ev),
            Some(Err(e)) => {
                let m = e.marker();
                let loc =
                    Loc { file: self.file.clone(), line: m.line(), col: m.col() + 1, len: 1, path: Arc::from("") };
                self.diags.push(
                    Diagnostic::error(&loc, format!("broken YAML: {}", e.info()))
                        .help("fix the YAML syntax; nothing after this point in the file was read"),
                );
                Err(Stop)
            }
            None => {
                let loc = self.end_loc();
                self.diags.push(Diagnostic::error(&loc, "broken YAML: unexpected end of input"));
                Err(Stop)
            }
        }
    }

    fn end_loc(&self) -> Loc {
        let lines = self.file.text.lines().count().max(1);
        Loc { file: self.file.clone(), line: lines, col: 1, len: 1, path: Arc::from("") }
    }

    fn document(&mut self) -> Option<Node> {
        let mut root = None;
        let mut docs = 0usize;
        loop {
            let (ev, span) = self.next().ok()?;
            match ev {
                Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
                Event::StreamEnd => break,
                Event::DocumentStart(_) => {
                    docs += 1;
                    let (ev, span) = self.next().ok()?;
                    if matches!(ev, Event::DocumentEnd) {
                        continue;
                    }
                    let node = self.node(ev, span, "").ok()?;
                    if docs > 1 {
                        self.diags.push(
                            Diagnostic::error(&node.loc, "a spec file holds one YAML document")
                                .help("move this document to a file of its own"),
                        );
                    } else {
                        root = Some(node);
                    }
                }
                other => {
                    // The parser always wraps content in a document; anything else is a bug upstream,
                    // reported rather than trusted.
                    let loc = self.loc(&span, "");
                    self.diags.push(Diagnostic::error(&loc, format!("unexpected YAML event {other:?}")));
                    return None;
                }
            }
        }
        if root.is_none() {
            let loc = self.end_loc();
            self.diags.push(
                Diagnostic::error(&loc, "the file is empty; a spec's top level is a mapping")
                    .help("start with `kind: api` or `kind: vendor`"),
            );
        }
        root
    }

    fn node(&mut self, ev: Event<'a>, span: Span, path: &str) -> Result<Node, Stop> {
        let loc = self.loc(&span, path);
        match ev {
            Event::Scalar(text, style, _anchor, tag) => {
                if let Some(tag) = tag {
                    self.diags.push(
                        Diagnostic::error(&loc, format!("YAML tags (`{tag}`) are not used in specs"))
                            .help("remove the tag; write the value plainly or quote it"),
                    );
                }
                let value = match style {
                    ScalarStyle::Plain => resolve_plain(&text),
                    ScalarStyle::Literal | ScalarStyle::Folded => Value::Str(text.into_owned(), true),
                    _ => Value::Str(text.into_owned(), false),
                };
                Ok(Node { value, loc })
            }
            Event::SequenceStart(_anchor, tag) => {
                self.reject_tag(&loc, tag.map(|t| t.to_string()));
                let mut items = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::SequenceEnd) {
                        break;
                    }
                    let child = format!("{path}[{}]", items.len());
                    items.push(self.node(ev, span, &child)?);
                }
                Ok(Node { value: Value::Seq(items), loc })
            }
            Event::MappingStart(_anchor, tag) => {
                self.reject_tag(&loc, tag.map(|t| t.to_string()));
                let mut entries: Vec<(Node, Node)> = Vec::new();
                loop {
                    let (ev, span) = self.next()?;
                    if matches!(ev, Event::MappingEnd) {
                        break;
                    }
                    let key = self.node(ev, span, path)?;
                    let key_text = key.key_text();
                    let child = match &key_text {
                        Some(k) if path.is_empty() => k.clone(),
                        Some(k) => format!("{path}.{k}"),
                        None => format!("{path}.?"),
                    };
                    let (ev, span) = self.next()?;
                    let mut value = self.node(ev, span, &child)?;
                    let mut key = key;
                    key.loc.path = Arc::from(child.as_str());
                    value.loc.path = Arc::from(child.as_str());
                    match &key_text {
                        None => self.diags.push(
                            Diagnostic::error(&key.loc, "a mapping key must be a scalar")
                                .help("use a string or integer key"),
                        ),
                        Some(k) => {
                            if let Some((first, _)) =
                                entries.iter().find(|(e, _)| e.key_text().as_deref() == Some(k.as_str()))
                            {
                                self.diags.push(
                                    Diagnostic::error(&key.loc, format!("duplicate key `{k}`"))
                                        .note(format!("first defined at {}", first.loc.position()))
                                        .help("a key appears once per mapping; merge or rename one of them"),
                                );
                                continue;
                            }
                        }
                    }
                    entries.push((key, value));
                }
                Ok(Node { value: Value::Map(entries), loc })
            }
            Event::Alias(_) => {
                self.diags.push(
                    Diagnostic::error(&loc, "YAML aliases (`*name`) are not used in specs")
                        .help("write the value out; shared facts belong in the vendor file"),
                );
                Ok(Node { value: Value::Null, loc })
            }
            other => {
                self.diags.push(Diagnostic::error(&loc, format!("unexpected YAML event {other:?}")));
                Err(Stop)
            }
        }
    }

    fn reject_tag(&mut self, loc: &Loc, tag: Option<String>) {
        if let Some(tag) = tag {
            self.diags.push(
                Diagnostic::error(loc, format!("YAML tags (`{tag}`) are not used in specs")).help("remove the tag"),
            );
        }
    }
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let looks_float = digits.bytes().next().is_some_and(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if looks_float && let Ok(f) = text.parse::<f64>() {
        return Value::Float(f);
    }
    Value::Str(text.to_owned(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> (Option<Node>, Vec<Diagnostic>) {
        let file = Arc::new(SourceFile { name: "t.yaml".into(), text: text.into() });
        let mut diags = Vec::new();
        let node = parse(&file, &mut diags);
        (node, diags)
    }

    #[test]
    fn scalars_resolve_by_the_core_schema() {
        let (node, diags) = parse_str("a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: k0\n");
        assert!(diags.is_empty(), "{diags:?}");
        let Value::Map(entries) = node.expect("root").value else { panic!("not a map") };
        let kinds: Vec<&str> = entries.iter().map(|(_, v)| v.describe()).collect();
        assert_eq!(kinds, ["an integer", "a string", "a boolean", "null", "a number", "a string"]);
    }

    #[test]
    fn positions_and_paths_are_kept() {
        let (node, _) = parse_str("types:\n  A:\n    fields: [x, y]\n");
        let Value::Map(top) = node.expect("root").value else { panic!() };
        let Value::Map(types) = &top[0].1.value else { panic!() };
        let Value::Map(a) = &types[0].1.value else { panic!() };
        let Value::Seq(items) = &a[0].1.value else { panic!() };
        assert_eq!((items[1].loc.line, items[1].loc.col), (3, 17));
        assert_eq!(&*items[1].loc.path, "types.A.fields[1]");
    }

    #[test]
    fn duplicate_keys_and_aliases_are_reported() {
        let (_, diags) = parse_str("a: &x 1\na: 2\nb: *x\n");
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert!(messages.contains(&"duplicate key `a`"), "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("aliases")), "{messages:?}");
    }

    #[test]
    fn broken_yaml_is_an_error_with_a_position() {
        let (node, diags) = parse_str("a: [1, 2\nb: 3\n");
        assert!(node.is_none());
        assert_eq!(diags.len(), 1);
        assert!(diags[0].message.starts_with("broken YAML"), "{}", diags[0].message);
    }
}
