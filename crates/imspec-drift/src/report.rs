//! What drift found, and its two renderings: one line per difference for people, and JSON.

use serde_json::{Value as Json, json};

/// The kind of a difference, as DESIGN names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    RateLimit,
    BatchMax,
    FieldAdded,
    FieldRemoved,
    FieldType,
    FieldRequired,
    Limit,
    CodeAdded,
    CodeRemoved,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RateLimit => "rate_limit",
            Kind::BatchMax => "batch_max",
            Kind::FieldAdded => "field_added",
            Kind::FieldRemoved => "field_removed",
            Kind::FieldType => "field_type",
            Kind::FieldRequired => "field_required",
            Kind::Limit => "limit",
            Kind::CodeAdded => "code_added",
            Kind::CodeRemoved => "code_removed",
        }
    }
}

/// One fact on which the page and the spec disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub kind: Kind,
    /// The spec path: `$.AddFriendItem[].Remark`, `rate_limit`, `errors.<code>`.
    pub what: String,
    /// The spec's value; `null` when the spec has none.
    pub spec: Json,
    /// The page's value; `null` when the page has none.
    pub page: Json,
    /// The page line that says it (for a removal: the line of the table it is gone from).
    pub line: usize,
}

/// A part of the spec's source page that this page does not have: nothing in it is compared.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing {
    /// The part, by the spec's name for it: `errors`, `request`, `response`, `rate_limit`, `batch_max`.
    pub part: String,
    /// Why, in a few words.
    pub why: String,
}

/// Every difference between a page and an API's spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub api: String,
    /// In page order.
    pub differences: Vec<Difference>,
    pub missing: Vec<Missing>,
}

impl Report {
    /// Nothing differs and nothing is missing.
    pub fn is_clean(&self) -> bool {
        self.differences.is_empty() && self.missing.is_empty()
    }

    /// `<kind>: <what>: spec <value> -> page <value> (PAGE:line)`, one line per difference, then
    /// one `missing: <part>: <why>` line per missing part.
    pub fn render(&self, page_name: &str) -> String {
        let mut out = String::new();
        for d in &self.differences {
            out.push_str(&format!(
                "{}: {}: spec {} -> page {} ({page_name}:{})\n",
                d.kind.as_str(),
                d.what,
                human(&d.spec),
                human(&d.page),
                d.line
            ));
        }
        for m in &self.missing {
            out.push_str(&format!("missing: {}: {}\n", m.part, m.why));
        }
        out
    }

    /// `{"api": "...", "differences": [{"kind", "what", "spec", "page", "line"}], "missing": ["..."]}`.
    pub fn to_json(&self) -> Json {
        json!({
            "api": self.api,
            "differences": self.differences.iter().map(|d| json!({
                "kind": d.kind.as_str(),
                "what": d.what,
                "spec": d.spec,
                "page": d.page,
                "line": d.line,
            })).collect::<Vec<_>>(),
            "missing": self.missing.iter().map(|m| m.part.clone()).collect::<Vec<_>>(),
        })
    }
}

fn human(value: &Json) -> String {
    match value {
        Json::Null => "none".to_owned(),
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
