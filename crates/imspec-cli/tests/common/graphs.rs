//! Imports over real HTTP, as an operator runs them: graphs of each vendor's shape with
//! invalid lines, the `imspec import` process, its report, and what the emulator holds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::http;

/// How one vendor's add API takes an edge.
pub struct Shape {
    pub api: &'static str,
    pub vendor: &'static str,
    pub requester: &'static str,
    /// The key of the target.
    pub target: &'static str,
    /// A field every item needs besides the target, with a valid value.
    pub extra: Option<(&'static str, &'static str)>,
    /// Flags every import into it takes (a request-level field the add requires).
    pub fixed: &'static [&'static str],
}

pub const ZEGO: Shape = Shape {
    api: "zego_zim/add_friends",
    vendor: "zego_zim",
    requester: "FromUserId",
    target: "UserId",
    extra: None,
    fixed: &[],
};
pub const TENCENT: Shape = Shape {
    api: "tencent_im/friend_import",
    vendor: "tencent_im",
    requester: "From_Account",
    target: "To_Account",
    extra: Some(("AddSource", "AddSource_Type_Web")),
    fixed: &[],
};
/// No batch: one friend a call, named by a body field.
pub const NETEASE: Shape = Shape {
    api: "netease_yunxin/friend_add",
    vendor: "netease_yunxin",
    requester: "accid",
    target: "faccid",
    extra: None,
    fixed: &["--param", "type=1"],
};
pub const EASEMOB: Shape = Shape {
    api: "easemob/contacts_import",
    vendor: "easemob",
    requester: "username",
    target: "usernames",
    extra: None,
    fixed: &[],
};

/// A graph file and what it should come to.
pub struct Graph {
    pub path: PathBuf,
    pub lines: u64,
    /// Requester → its valid targets.
    pub valid: BTreeMap<String, BTreeSet<String>>,
    pub invalid: BTreeSet<u64>,
}

/// `requesters` requesters with 1..=`most` edges each (a fixed pseudo-random spread), in an
/// order that is not sorted by requester; every 97th line is invalid in one of three ways
/// (not JSON, no target, a target that is not a string).
pub fn graph(dir: &Path, name: &str, shape: &Shape, requesters: usize, most: usize) -> Graph {
    let mut edges = Vec::new();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for r in 0..requesters {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let n = 1 + (x as usize % most);
        for t in 0..n {
            edges.push((format!("r{r}"), format!("f{r}x{t}")));
        }
    }
    // Interleave requesters: the file is not grouped.
    let half = edges.len() / 2;
    let (a, b) = edges.split_at(half);
    let mixed: Vec<&(String, String)> =
        a.iter().zip(b).flat_map(|(p, q)| [p, q]).chain(b.iter().skip(a.len())).collect();
    let mut text = String::new();
    let mut valid: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut invalid = BTreeSet::new();
    let mut line = 0u64;
    for (i, (r, t)) in mixed.iter().enumerate() {
        line += 1;
        if i % 97 == 50 {
            invalid.insert(line);
            let bad = match i % 3 {
                0 => "{not json".to_owned(),
                1 => edge(shape, r, None).to_string(),
                _ => edge(shape, r, Some(json!(12))).to_string(),
            };
            text.push_str(&bad);
        } else {
            valid.entry(r.clone()).or_default().insert(t.clone());
            text.push_str(&edge(shape, r, Some(json!(t))).to_string());
        }
        text.push('\n');
    }
    let path = dir.join(format!("{name}.jsonl"));
    std::fs::write(&path, text).expect("graph");
    Graph { path, lines: line, valid, invalid }
}

/// One line of a graph: the requester, the target (when given) and the shape's extra field.
pub fn edge(shape: &Shape, requester: &str, target: Option<Value>) -> Value {
    let mut line = json!({ shape.requester: requester });
    if let Some(t) = target {
        line[shape.target] = t;
    }
    if let Some((k, v)) = shape.extra {
        line[k] = json!(v);
    }
    line
}

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("imspec-import-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The demo config with these `[emulator]` lines changed (`key = value` replaces the default's
/// line for `key`, or is added; a `[table]` is appended).
pub fn config(dir: &Path, edits: &[&str]) -> String {
    let mut text = include_str!("../../../imspec-emulator/default.toml").to_owned();
    for edit in edits {
        if edit.starts_with('[') {
            text.push_str(&format!("\n{edit}\n"));
            continue;
        }
        let key = edit.split('=').next().unwrap_or_default().trim();
        let start = text.find(&format!("\n{key} ")).map(|i| i + 1);
        match start {
            Some(s) => {
                let end = text[s..].find('\n').map_or(text.len(), |e| s + e);
                text.replace_range(s..end, edit);
            }
            None => {
                let at = text.find("[emulator]\n").expect("an [emulator] section") + "[emulator]\n".len();
                text.insert_str(at, &format!("{edit}\n"));
            }
        }
    }
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("config");
    path.to_string_lossy().into_owned()
}

pub struct Run {
    pub code: i32,
    pub summary: Value,
    pub stderr: String,
}

/// An import running in the background (to be killed).
pub fn spawn_import(url: &str, config: &str, api: &str, graph: &Path, extra: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(["import", api])
        .arg(graph)
        .args(["--endpoint", url, "--config", config])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("run imspec import")
}

pub fn import(url: &str, config: &str, api: &str, graph: &Path, extra: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(["import", api])
        .arg(graph)
        .args(["--endpoint", url, "--config", config])
        .args(extra)
        .env_remove("RUST_LOG")
        .output()
        .expect("run imspec import");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let summary = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    Run { code: out.status.code().unwrap_or(-1), summary, stderr }
}

/// The report file's lines, by line number; panics when a line is named twice.
pub fn report(path: &Path) -> BTreeMap<u64, Value> {
    let text = std::fs::read_to_string(path).expect("report");
    let mut out = BTreeMap::new();
    for l in text.lines() {
        let v: Value = serde_json::from_str(l).expect("a JSON line");
        let n = v["line"].as_u64().expect("line");
        assert!(out.insert(n, v).is_none(), "line {n} reported twice");
    }
    out
}

/// What the emulator holds for each requester of the graph.
pub fn held(url: &str, vendor: &str, g: &Graph) -> BTreeMap<String, BTreeSet<String>> {
    g.valid
        .keys()
        .map(|r| {
            let (_, v) = http(url, "GET", &format!("/_emulator/friends/{vendor}/{r}"), "");
            let ids =
                v["friends"].as_array().map(|f| f.iter().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect());
            (r.clone(), ids.unwrap_or_default())
        })
        .filter(|(_, s): &(String, BTreeSet<String>)| !s.is_empty())
        .collect()
}

pub fn calls(url: &str, api: &str) -> u64 {
    let (_, stats) = http(url, "GET", "/_emulator/stats", "");
    stats[api]["calls"].as_u64().unwrap_or_else(|| panic!("no call count for {api} in {stats}"))
}

/// The end every import of `g` must reach: each line reported once, the invalid ones
/// `invalid` with a code, the others added, and the service holding exactly the valid edges.
pub fn assert_imported(url: &str, shape: &Shape, g: &Graph, report_path: &Path) {
    let rows = report(report_path);
    assert_eq!(rows.keys().copied().collect::<Vec<_>>(), (1..=g.lines).collect::<Vec<_>>(), "every line once");
    for (n, row) in &rows {
        if g.invalid.contains(n) {
            assert_eq!(row["outcome"], "invalid", "line {n}: {row}");
            assert!(row["code"].is_string(), "line {n} names the vendor's code: {row}");
        } else {
            assert_eq!(row["outcome"], "added", "line {n}: {row}");
        }
    }
    assert_eq!(held(url, shape.vendor, g), g.valid, "{}: the service holds exactly the valid edges", shape.api);
}
