//! `imspec validate <api> [FILE|-] [--param NAME=VALUE]... [--json]`: checks a request as the
//! vendor would, with the generated validators.

use std::io::Read as _;
use std::path::Path;

use imspec::runtime::{ApiEntry, Violations};
use serde_json::json;

/// Violations listed at most; the others are counted.
const SHOWN: usize = 1000;

/// Why the input could not even be checked (exit 2).
#[derive(Debug)]
pub struct InputError(pub String);

/// Runs the check; `Ok(valid)` decides exit 0 or 1.
pub fn run(api_id: &str, file: Option<&Path>, params: &[String], as_json: bool) -> Result<bool, InputError> {
    let entry = find(api_id)?;
    let params = parse_params(entry, params)?;
    let body = read_body(file)?;
    // A huge, badly broken body is reported by its first violations and a count of the rest.
    let mut v = Violations::new().bounded(SHOWN);
    (entry.validate_json)(&body, &mut v);
    entry.validate_params(&params, &mut v);
    let omitted = v.dropped();
    let violations = v.into_vec();
    let valid = violations.is_empty();
    if as_json {
        let list: Vec<serde_json::Value> = violations
            .iter()
            .map(|x| json!({ "path": x.path, "code": x.code.to_json(), "message": x.message }))
            .collect();
        let mut out = json!({ "valid": valid, "violations": list });
        if omitted > 0 {
            out["omitted"] = json!(omitted);
        }
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
    } else {
        for x in &violations {
            println!("{x}");
        }
        if omitted > 0 {
            println!("... and {omitted} more violations");
        }
        if valid {
            eprintln!("valid {api_id} request");
        }
    }
    Ok(valid)
}

/// The request body in `file` (or standard input), as JSON.
pub fn read_body(file: Option<&Path>) -> Result<serde_json::Value, InputError> {
    parse_body(&read_input(file)?, file)
}

/// A request body read from `file` (or standard input), as JSON.
pub fn parse_body(text: &str, file: Option<&Path>) -> Result<serde_json::Value, InputError> {
    serde_json::from_str(text).map_err(|e| {
        let source = match file {
            Some(p) if p != Path::new("-") => p.display().to_string(),
            _ => "standard input".into(),
        };
        InputError(format!("{source} is not JSON: {e}"))
    })
}

pub fn find(api_id: &str) -> Result<&'static ApiEntry, InputError> {
    imspec::api(api_id).ok_or_else(|| {
        let ids: Vec<&str> = imspec::apis().iter().map(|a| a.info.id).collect();
        InputError(format!("unknown API `{api_id}`; the APIs are: {}", ids.join(", ")))
    })
}

pub fn parse_params(entry: &ApiEntry, params: &[String]) -> Result<Vec<(String, String)>, InputError> {
    params
        .iter()
        .map(|p| {
            let (name, value) =
                p.split_once('=').ok_or_else(|| InputError(format!("--param `{p}` is not NAME=VALUE")))?;
            if !entry.params.iter().any(|q| q.name == name) {
                let known: Vec<&str> = entry.params.iter().map(|q| q.name).collect();
                let known = if known.is_empty() { "none".to_owned() } else { known.join(", ") };
                return Err(InputError(format!(
                    "`{}` takes no parameter `{name}` (its parameters: {known})",
                    entry.info.id
                )));
            }
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

pub fn read_input(file: Option<&Path>) -> Result<String, InputError> {
    match file {
        Some(path) if path != Path::new("-") => {
            std::fs::read_to_string(path).map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))
        }
        _ => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|e| InputError(format!("cannot read standard input: {e}")))?;
            Ok(text)
        }
    }
}
