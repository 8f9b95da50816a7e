//! The doc examples: each must satisfy its spec, and a problem points at the line in the example.

use serde_json::Value as Json;

use crate::Api;
use crate::decode::{Cx, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::instance::{self, Options, UnknownFields};
use crate::model::*;

pub(crate) fn check_examples(api: Api<'_>, cx: &mut Cx) {
    let spec = api.spec;
    for (name, ex) in spec.examples.iter() {
        let name = name.value.to_string();
        if let Some(answers) = &ex.answers {
            let target = spec.examples.get(&answers.value);
            if ex.role.value != ExampleRole::Response {
                cx.push(Diagnostic::error(&answers.loc, "only a response example answers a request"));
            } else if target.is_none_or(|t| t.role.value != ExampleRole::Request) {
                let keys: Vec<String> = spec.examples.keys().collect();
                let d = Diagnostic::error(
                    &answers.loc,
                    format!("`{}` is not a request example of this API", answers.value),
                );
                cx.push(d.suggest(
                    &answers.value,
                    keys.iter().map(String::as_str),
                    format!("examples: {}", keys.join(", ")),
                ));
            }
        }
        for (param, _) in ex.params.iter() {
            if spec.endpoint.params.get(&param.value.to_string()).is_none() {
                cx.push(Diagnostic::error(&param.loc, format!("`{}` is not a parameter of the endpoint", param.value)));
            }
        }
        let original = example_problem(api, ex.role.value, &ex.body);
        match (&ex.erratum, original) {
            (None, None) => {}
            (None, Some(problem)) => cx.push(problem.note(format!("example `{name}` does not satisfy its spec")).help(
                "fix the transcription, or, if the page itself is wrong, add an `erratum` with the problem and the corrected text",
            )),
            (Some(erratum), original) => {
                if original.is_none() {
                    cx.push(
                        Diagnostic::error(&erratum.loc, format!("the erratum of example `{name}` is stale: the page's text now passes"))
                            .help("the vendor fixed the page (or the spec changed): remove the erratum"),
                    );
                }
                if let Some(problem) = example_problem(api, ex.role.value, &erratum.corrected) {
                    cx.push(problem.note(format!("the corrected text of example `{name}` does not satisfy its spec")));
                }
            }
        }
    }
}

/// Parses an example's text and validates it: `None` when it satisfies the spec, else a
/// diagnostic at the offending line listing every violation.
pub fn example_problem(api: Api<'_>, role: ExampleRole, text: &Spanned<String>) -> Option<Diagnostic> {
    // A request travels in the endpoint's encoding; every answer is JSON.
    let form = role == ExampleRole::Request
        && crate::body::encoding(&api.spec.endpoint.content_type.value) == Some(crate::body::Encoding::Form);
    let value: Json = if form {
        form_json(api, text.value.trim())
    } else {
        match serde_json::from_str(&text.value) {
            Ok(v) => v,
            Err(e) => {
                let loc = text_loc(text, e.line(), e.column());
                return Some(Diagnostic::error(&loc, format!("not valid JSON: {e}")));
            }
        }
    };
    let opts = Options::now(UnknownFields::Reject);
    let violations = match role {
        ExampleRole::Request => instance::validate_request(api, &value, opts),
        ExampleRole::Response => instance::validate_response(api, &value, opts),
    };
    if violations.is_empty() {
        return None;
    }
    let count = match violations.len() {
        1 => "1 violation".to_owned(),
        n => format!("{n} violations"),
    };
    let mut d = Diagnostic::error(&text.loc, format!("the example does not satisfy its spec ({count})"));
    for v in &violations {
        d = d.note(format!("{}: {} [{}]", v.path, v.message, v.code));
    }
    Some(d)
}

/// The YAML position of line/column `line`:`col` (1-based) inside a block scalar.
pub(crate) fn text_loc(text: &Spanned<String>, line: usize, col: usize) -> Loc {
    let mut loc = text.loc.clone();
    // The parser places a block scalar at its first content line.
    let file_lines: Vec<&str> = loc.file.text.lines().collect();
    let target = loc.line + line.saturating_sub(1);
    if let Some(content_line) = file_lines.get(target - 1) {
        let indent = content_line.chars().count() - content_line.trim_start().chars().count();
        loc.line = target;
        loc.col = indent + col.max(1);
        loc.len = 1;
    }
    loc
}

/// A form-encoded request example as the JSON the validators read: each value as its request
/// field's type reads it (an integer or an integer enum from its digits, a boolean from
/// `true`/`false`), else as text — so a value its field cannot take is reported as wrong.
fn form_json(api: Api<'_>, text: &str) -> Json {
    let fields = api.type_def(&api.spec.request.value).and_then(|d| d.fields.as_ref());
    let mut out = serde_json::Map::new();
    for (name, value) in form_urlencoded::parse(text.as_bytes()) {
        let ty = fields.and_then(|f| f.get(name.as_ref())).map(|f| &f.ty.value);
        let integer = match ty {
            Some(TypeExpr::Integer) => true,
            Some(TypeExpr::Named(n)) => api.type_def(n).is_some_and(TypeDef::is_integer_enum),
            _ => false,
        };
        let read = match ty {
            _ if integer => value.parse::<i64>().ok().map(Json::from),
            Some(TypeExpr::Boolean) => value.parse::<bool>().ok().map(Json::from),
            _ => None,
        };
        out.entry(name.into_owned()).or_insert_with(|| read.unwrap_or_else(|| Json::from(value.as_ref())));
    }
    Json::Object(out)
}
