//! Checks a JSON value against a spec type and its constraints, interpreting the spec directly.
//!
//! The linter uses it to prove the doc examples satisfy their specs; generated validators are
//! tested against it, so the two implementations check each other.

use serde_json::Value as Json;

use crate::Api;
use crate::constraint::Instance;
use crate::model::{Charset, Code, Constraint, Field, TimeUnit, TypeExpr};

/// One broken rule in a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// JSON path of the offending value, e.g. `$.Items[0].Id`.
    pub path: String,
    /// What the vendor answers for it.
    pub code: Code,
    /// The rule's name: a constraint kind, `batch`, or a schema rule (`required`, `type`, `enum`, `unknown_field`).
    pub rule: &'static str,
    pub message: String,
}

/// What to do with object keys the spec does not declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownFields {
    /// Report them (used for doc examples: a field the spec misses is a transcription bug).
    Reject,
    /// Ignore them, as the vendors do.
    Ignore,
}

/// How to validate.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// "Now", in Unix milliseconds, for `not_after: now`.
    pub now_ms: i64,
    pub unknown_fields: UnknownFields,
}

impl Options {
    pub fn now(unknown_fields: UnknownFields) -> Options {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(i64::MAX);
        Options { now_ms, unknown_fields }
    }
}

/// Validates a request body of `api`: its type, every constraint, and the batch maximum.
pub fn validate_request(api: Api<'_>, body: &Json, opts: Options) -> Vec<Violation> {
    let mut v =
        Validator { api, root: body, opts, out: Vec::new(), schema_code: api.spec.schema_error_code.value.clone() };
    v.check_named(&api.spec.request.value, body, "$");
    if let Some(batch) = &api.spec.batch
        && let (Some(max), Some(code)) = (batch.max_items, &batch.code)
        && let Some(Json::Array(items)) = if batch.is_root() { Some(body) } else { body.get(&batch.field.value) }
        && items.len() as u64 > max
    {
        v.out.push(Violation {
            path: if batch.is_root() { "$".to_owned() } else { format!("$.{}", batch.field.value) },
            code: code.value.clone(),
            rule: "batch",
            message: format!("holds {} items; at most {max} per call", items.len()),
        });
    }
    v.out
}

/// Validates a response body of `api` against its response type.
pub fn validate_response(api: Api<'_>, body: &Json, opts: Options) -> Vec<Violation> {
    let mut v =
        Validator { api, root: body, opts, out: Vec::new(), schema_code: api.spec.schema_error_code.value.clone() };
    v.check_named(&api.spec.response.value, body, "$");
    v.out
}

struct Validator<'a> {
    api: Api<'a>,
    root: &'a Json,
    opts: Options,
    out: Vec<Violation>,
    schema_code: Code,
}

impl Validator<'_> {
    fn schema(&mut self, path: &str, rule: &'static str, message: String) {
        self.out.push(Violation { path: path.to_owned(), code: self.schema_code.clone(), rule, message });
    }

    fn check_named(&mut self, name: &str, value: &Json, path: &str) {
        let Some(def) = self.api.type_def(name) else {
            self.schema(path, "type", format!("the spec declares no type `{name}`"));
            return;
        };
        if let Some(variants) = &def.variants {
            let (text, expected) = match def.is_integer_enum() {
                true => (value.as_i64().map(|n| n.to_string()), "an integer"),
                false => (value.as_str().map(str::to_owned), "a string"),
            };
            match text {
                Some(s) if variants.get(&s).is_some() => {}
                Some(s) => {
                    let allowed: Vec<String> = variants.keys().collect();
                    self.schema(path, "enum", format!("`{s}` is not one of {}", allowed.join(", ")));
                }
                None => self.schema(path, "type", format!("expected {expected} ({name}), found {}", kind(value))),
            }
            return;
        }
        if let Some(field) = def.list_field() {
            return self.check_field(&field, value, path);
        }
        let Some(fields) = &def.fields else { return };
        let Json::Object(object) = value else {
            self.schema(path, "type", format!("expected an object ({name}), found {}", kind(value)));
            return;
        };
        for (key, field) in fields.iter() {
            let wire = key.value.to_string();
            let found = object.get(&wire).or_else(|| field.aliases.iter().find_map(|a| object.get(&a.value)));
            let child = format!("{path}.{wire}");
            match found {
                None if field.required => self.schema(&child, "required", "is required".into()),
                None => {}
                Some(v) => self.check_field(field, v, &child),
            }
        }
        if self.opts.unknown_fields == UnknownFields::Reject {
            for key in object.keys() {
                let declared = fields
                    .iter()
                    .any(|(k, f)| k.value.to_string() == *key || f.aliases.iter().any(|a| a.value == *key));
                if !declared {
                    let hint =
                        crate::diag::did_you_mean(key, fields.keys().collect::<Vec<_>>().iter().map(String::as_str))
                            .map(|h| format!("; {h}"))
                            .unwrap_or_default();
                    self.schema(&format!("{path}.{key}"), "unknown_field", format!("is not a field of {name}{hint}"));
                }
            }
        }
    }

    fn check_field(&mut self, field: &Field, value: &Json, path: &str) {
        if !self.check_type(&field.ty.value, value, path, &field.items, field) {
            return;
        }
        for c in &field.constraints {
            self.check_constraint(c, field, value, path);
        }
    }

    /// Checks the shape; returns whether constraints can be evaluated on the value.
    fn check_type(&mut self, ty: &TypeExpr, value: &Json, path: &str, items: &[Constraint], field: &Field) -> bool {
        let ok = match ty {
            TypeExpr::String => value.is_string(),
            TypeExpr::Integer => value.is_i64() || value.is_u64(),
            TypeExpr::Boolean => value.is_boolean(),
            TypeExpr::StringOrInteger => value.is_string() || value.is_i64() || value.is_u64(),
            TypeExpr::Json => true,
            TypeExpr::Array(inner) => {
                let Json::Array(elements) = value else {
                    self.schema(path, "type", format!("expected an array, found {}", kind(value)));
                    return false;
                };
                for (i, e) in elements.iter().enumerate() {
                    let child = format!("{path}[{i}]");
                    if self.check_type(inner, e, &child, &[], field) {
                        for c in items {
                            self.check_constraint(c, field, e, &child);
                        }
                    }
                }
                return true;
            }
            TypeExpr::Named(name) => {
                let before = self.out.len();
                self.check_named(name, value, path);
                return self.out.len() == before;
            }
        };
        if !ok {
            self.schema(path, "type", format!("expected {}, found {}", expected(ty), kind(value)));
        }
        ok
    }

    fn check_constraint(&mut self, c: &Constraint, field: &Field, value: &Json, path: &str) {
        let Some(rule) = c.rule() else { return };
        let now = match field.unit.as_ref().map(|u| u.value) {
            Some(TimeUnit::Seconds) => self.opts.now_ms / 1000,
            Some(TimeUnit::Millis) | None => self.opts.now_ms,
        };
        let at = At { validator: self, path, sensitive: field.sensitive, now };
        let mut found = Vec::new();
        rule.violations(value, &at, &mut |path, message| found.push((path, message)));
        let code = c.code.value.clone();
        let rule = rule.kind().key;
        self.out.extend(found.into_iter().map(|(path, message)| Violation { path, code: code.clone(), rule, message }));
    }
}

/// A value being checked, as a rule sees it.
struct At<'v, 'a> {
    validator: &'v Validator<'a>,
    path: &'v str,
    sensitive: bool,
    now: i64,
}

impl Instance for At<'_, '_> {
    fn path(&self) -> &str {
        self.path
    }
    fn resolve(&self, path: &str) -> Option<&Json> {
        resolve(self.validator.root, path)
    }
    fn sensitive(&self) -> bool {
        self.sensitive
    }
    fn now(&self) -> i64 {
        self.now
    }
    fn charset(&self, name: &str) -> Option<Box<dyn Fn(char) -> bool + '_>> {
        let set = CharsetMatcher::new(self.validator.api.charset(name)?);
        Some(Box::new(move |c| set.contains(c)))
    }
}

pub use crate::constraint::measure;

/// Membership test for a declared charset.
#[derive(Debug)]
pub struct CharsetMatcher {
    ranges: Vec<(char, char)>,
    chars: Vec<char>,
}

impl CharsetMatcher {
    pub fn new(set: &Charset) -> CharsetMatcher {
        let ranges = set.ranges.iter().filter_map(|r| parse_range(&r.value)).collect();
        CharsetMatcher { ranges, chars: set.chars.chars().collect() }
    }

    pub fn contains(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) || self.chars.contains(&c)
    }
}

/// `a-z` -> ('a', 'z'); `None` unless it is exactly one character, a dash, one character.
pub fn parse_range(text: &str) -> Option<(char, char)> {
    let mut cs = text.chars();
    let (lo, dash, hi) = (cs.next()?, cs.next()?, cs.next()?);
    (dash == '-' && cs.next().is_none() && lo <= hi).then_some((lo, hi))
}

/// Follows a `$.A.B` path of wire names from the root.
pub fn resolve<'j>(root: &'j Json, path: &str) -> Option<&'j Json> {
    let rest = path.strip_prefix("$.")?;
    rest.split('.').try_fold(root, |v, key| v.get(key))
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

fn expected(ty: &TypeExpr) -> &'static str {
    match ty {
        TypeExpr::String => "a string",
        TypeExpr::Integer => "an integer",
        TypeExpr::Boolean => "a boolean",
        TypeExpr::StringOrInteger => "a string or an integer",
        TypeExpr::Json => "any JSON value",
        TypeExpr::Array(_) => "an array",
        TypeExpr::Named(_) => "an object",
    }
}
