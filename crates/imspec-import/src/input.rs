//! The graph file: JSONL (one object per line) or CSV (a header row), read as a stream of
//! edges with the 1-based number of the physical line each starts on (a CSV's header is line
//! 1, as the CSV reader's own messages count), hashed as it is read. A UTF-8 byte order mark
//! at the start is skipped.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// A graph file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A header row naming the keys, then one edge per row.
    Csv,
}

impl Format {
    /// By extension: `.csv`, else JSONL.
    pub fn of(path: &Path) -> Format {
        if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) { Format::Csv } else { Format::Jsonl }
    }

    /// By name: `jsonl` (or `json`) or `csv`.
    pub fn named(name: &str) -> Result<Format, String> {
        match name {
            "jsonl" | "json" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            other => Err(format!("--format `{other}`: expected jsonl or csv")),
        }
    }
}

/// One line of the graph: its keys and values, or why it could not be read.
pub type Record = Result<Map<String, Value>, String>;

/// The graph's records, each with its line number.
pub type Records = Box<dyn Iterator<Item = (u64, Record)> + Send>;

/// The SHA-256 of the file's bytes, hex.
pub fn digest(path: &Path) -> Result<String, String> {
    let mut file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// The SHA-256 of lines a program holds, as the JSONL text they would be, hex.
pub fn digest_lines(lines: impl Iterator<Item = Map<String, Value>>) -> String {
    let mut hasher = Sha256::new();
    for line in lines {
        hasher.update(Value::Object(line).to_string().as_bytes());
        hasher.update(b"\n");
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every record of the file with its line number, streamed.
pub fn records(path: &Path, format: Format) -> Result<Records, String> {
    let file = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut reader = BufReader::new(file);
    // A byte order mark (editors on Windows write one) is not part of the first line.
    if reader.fill_buf().map_err(|e| format!("cannot read {}: {e}", path.display()))?.starts_with(BOM) {
        reader.consume(BOM.len());
    }
    Ok(match format {
        Format::Jsonl => Box::new(
            reader
                .lines()
                .enumerate()
                .map(|(i, line)| (i as u64 + 1, line))
                .filter(|(_, line)| !line.as_ref().is_ok_and(|l| l.trim().is_empty()))
                .map(|(n, line)| {
                    let record = match line {
                        Err(e) => Err(format!("unreadable line: {e}")),
                        Ok(text) => match serde_json::from_str::<Value>(&text) {
                            Ok(Value::Object(map)) => Ok(map),
                            Ok(other) => Err(format!("a line is one JSON object, found {}", kind(&other))),
                            Err(e) => Err(format!("not JSON: {e}")),
                        },
                    };
                    (n, record)
                }),
        ),
        Format::Csv => {
            let mut csv = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
            let headers = match csv.headers() {
                Ok(h) => h.clone(),
                Err(e) => return Err(format!("{}: no CSV header row: {e}", path.display())),
            };
            let mut next_line = 2;
            Box::new(csv.into_records().map(move |record| {
                // The physical line the record starts on (a quoted cell may span several).
                let n = match &record {
                    Ok(r) => r.position().map_or(next_line, |p| p.line()),
                    Err(e) => e.position().map_or(next_line, |p| p.line()),
                };
                next_line = n + 1;
                let record = record.map_err(|e| format!("unreadable CSV row: {e}")).map(|r| {
                    headers
                        .iter()
                        .zip(r.iter())
                        .filter(|(_, v)| !v.is_empty())
                        .map(|(k, v)| (k.to_owned(), Value::from(v)))
                        .collect()
                });
                (n, record)
            }))
        }
    })
}

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A CSV record's cells that read as integers or booleans, typed: the spec's integer fields
/// (ZEGO's `FriendTime`) then validate. Tried only when the cells as text do not.
pub fn typed_cells(record: &Map<String, Value>) -> Map<String, Value> {
    record
        .iter()
        .map(|(k, v)| {
            let typed = match v.as_str() {
                Some(s) => match s.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) if s == "true" || s == "false" => Value::from(s == "true"),
                    Err(_) => v.clone(),
                },
                None => v.clone(),
            };
            (k.clone(), typed)
        })
        .collect()
}

pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
