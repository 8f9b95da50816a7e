//! `imspec import` tells the truth across runs, over real HTTP: a journal is trusted only
//! against the service that gave its answers (the embedded emulator's journal is temporary; a
//! restarted or reset emulator, or another endpoint, is refused), verification turns what the
//! service lacks into `not_held`, `--repair` sends it again, and `--undo` removes exactly what
//! the import created — resumable after SIGKILL — for each vendor. Then the operator's edges:
//! two imports on one journal, duplicate lines, a byte order mark, CSV line numbers, numeric ids.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use common::graphs::{
    EASEMOB, Graph, NETEASE, Shape, TENCENT, ZEGO, assert_imported, calls, config, edge, graph, held, import, report,
    scratch, spawn_import,
};
use common::{Emulator, http, imspec, relation, send};
use serde_json::{Value, json};

fn path(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The README's main job, run twice in a row: each run has its own embedded emulator, so each
/// journals into a temporary file and both give the same summary, report and exit code.
#[test]
fn the_main_job_twice_gives_the_same_answer() {
    let dir = scratch("main-job");
    let graph = "examples/graphs/zego_friends.jsonl";
    let run = |n: u32| {
        let report = dir.join(format!("report{n}.jsonl"));
        let out = imspec(
            &["import", "zego_zim/add_friends", graph, "--register", "--verify", "--report", path(&report)],
            None,
        );
        let summary: Value = serde_json::from_slice(&out.stdout).expect("a JSON summary");
        (out.status.code(), summary, std::fs::read_to_string(&report).expect("a report"))
    };
    let (code, first, report) = run(1);
    assert_eq!(code, Some(1), "two invalid lines: {first}");
    assert_eq!(first["outcomes"], json!({"added": 474, "invalid": 2}), "{first}");
    assert_eq!(first["verified"], json!({"checked": 474, "not_held": 0}), "{first}");
    assert!(first.get("journal").is_none(), "the journal is temporary: {first}");
    let (code2, second, report2) = run(2);
    assert_eq!(code2, code);
    for key in ["edges", "outcomes", "calls", "verified", "registered", "floor_s"] {
        assert_eq!(second[key], first[key], "{key}: {second} vs {first}");
    }
    assert_eq!(report2, report, "the same report");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    assert!(!root.join(format!("{graph}.journal")).exists(), "no journal is left beside the graph");
    // A journal for a service that lives only as long as the run is refused, saying why.
    let out = imspec(&["import", "zego_zim/add_friends", graph, "--journal", path(&dir.join("j"))], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("embedded emulator") && stderr.contains("--endpoint"), "{stderr}");
}

/// A free loopback address (to restart an emulator on the same one).
fn free_addr() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").to_string()
}

/// Import; restart the emulator on the same address: the rerun is refused, naming the restart;
/// `--restart` imports again. A reset is a restart too, and another endpoint is another service.
#[test]
fn a_journal_is_trusted_only_against_its_service() {
    let shape = &ZEGO;
    let dir = scratch("service");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let addr = free_addr();
    let emulator = Emulator::start_at(&addr, &["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 20, 8);
    let report_path = dir.join("report.jsonl");
    let args = ["--report", path(&report_path)];
    assert_eq!(import(&url, &config, shape.api, &g.path, &args).code, 1);
    let journal = format!("{}.journal", g.path.display());

    drop(emulator);
    let _restarted = Emulator::start_at(&addr, &["--config", &config]);
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&journal), "names the journal: {}", run.stderr);
    assert!(run.stderr.contains("its service differs: emulator instance"), "{}", run.stderr);
    assert!(run.stderr.contains("was restarted or reset") && run.stderr.contains("--restart"), "{}", run.stderr);
    assert_eq!(calls(&url, shape.api), 0, "nothing was sent");
    let run = import(&url, &config, shape.api, &g.path, &[&args[..], &["--restart"]].concat());
    assert_eq!(run.code, 1, "the invalid lines: {} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);

    http(&url, "POST", "/_emulator/reset", "");
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 2, "a reset service holds nothing of what the journal says: {}", run.stderr);
    assert!(run.stderr.contains("was restarted or reset"), "{}", run.stderr);

    let other = Emulator::start_with(&["--config", &config]);
    let other_url = other.url().expect("listening").to_owned();
    let run = import(&other_url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("it was made against {url} (now {other_url})")), "{}", run.stderr);
}

/// Edges removed behind the import's back (with `imspec send` of the remove API) are exactly
/// what `--verify` reports `not_held`, keeping their answer; a rerun's report agrees; `--repair`
/// sends them again and ends with all held; a repair of a complete import only checks.
#[test]
fn verify_sees_what_was_removed_and_repair_restores_it() {
    let shape = &TENCENT;
    let dir = scratch("repair");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 30, 8);
    let report_path = dir.join("report.jsonl");
    let args = ["--report", path(&report_path)];
    assert_eq!(import(&url, &config, shape.api, &g.path, &args).code, 1);
    // Three edges go, removed one way as friend_import added them.
    let rows = report(&report_path);
    let gone: Vec<(u64, String, String)> = rows
        .iter()
        .filter(|(_, r)| r["outcome"] == "added")
        .step_by(7)
        .take(3)
        .map(|(n, r)| {
            (*n, r["requester"].as_str().unwrap_or("").to_owned(), r["user"].as_str().unwrap_or("").to_owned())
        })
        .collect();
    for (_, r, t) in &gone {
        let body = json!({"From_Account": r, "To_Account": [t], "DeleteType": "Delete_Type_Single"});
        let (code, out) = send(&url, &config, "tencent_im/friend_delete", &[], &body.to_string());
        assert_eq!(code, 0, "{out}");
    }
    let run = import(&url, &config, shape.api, &g.path, &[&args[..], &["--verify"]].concat());
    assert_eq!(run.code, 1, "{}", run.summary);
    assert_eq!(run.summary["outcomes"]["not_held"], 3, "{}", run.summary);
    assert_eq!(run.summary["verified"]["not_held"], 3, "{}", run.summary);
    let not_held = |rows: &BTreeMap<u64, Value>| -> Vec<u64> {
        rows.iter().filter(|(_, r)| r["outcome"] == "not_held").map(|(n, _)| *n).collect()
    };
    let rows = report(&report_path);
    assert_eq!(not_held(&rows), gone.iter().map(|(n, _, _)| *n).collect::<Vec<_>>());
    assert!(gone.iter().all(|(n, _, _)| rows[n]["answered"] == "added" && rows[n]["held"] == false), "{rows:?}");
    // The journal remembers what verification found.
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!((run.code, run.summary["outcomes"]["not_held"].as_u64()), (1, Some(3)), "{}", run.summary);

    let adds = calls(&url, shape.api);
    let run = import(&url, &config, shape.api, &g.path, &[&args[..], &["--repair"]].concat());
    assert_eq!(run.code, 1, "only the invalid lines fail now: {} {}", run.summary, run.stderr);
    assert_eq!(run.summary["repaired"]["sent_again"], 3, "{}", run.summary);
    assert_eq!(run.summary["verified"]["not_held"], 0, "{}", run.summary);
    let requesters = gone.iter().map(|(_, r, _)| r).collect::<BTreeSet<_>>().len() as u64;
    assert_eq!(calls(&url, shape.api), adds + requesters, "the three edges sent again, a call per requester");
    assert_imported(&url, shape, &g, &report_path);
    let run = import(&url, &config, shape.api, &g.path, &[&args[..], &["--repair"]].concat());
    assert_eq!((run.code, run.summary["sent"].as_u64()), (1, Some(0)), "{}", run.summary);
    assert_eq!(calls(&url, shape.api), adds + requesters, "a repair of a complete import sends nothing but checks");
}

/// The edges of `g` the service held before the import: a few valid ones, imported first from
/// a graph of their own.
fn hold_first(url: &str, config: &str, shape: &Shape, g: &Graph, dir: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut before: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut text = String::new();
    for (r, targets) in g.valid.iter().step_by(4) {
        let t = targets.iter().next().expect("a target");
        before.entry(r.clone()).or_default().insert(t.clone());
        text.push_str(&format!("{}\n", edge(shape, r, Some(json!(t)))));
    }
    let first = dir.join("before.jsonl");
    std::fs::write(&first, text).expect("graph");
    let run = import(url, config, shape.api, &first, shape.fixed);
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    before
}

/// `--undo` after an import where some edges were held before: exactly those stay, for each
/// vendor (Tencent and Easemob answer success for a friend already held, so their import asks
/// first; ZEGO says `already_friends` itself). The reverse line of a two-way add, answered
/// `already_friends` because the import had just made the relation, is undone with it.
#[test]
fn undo_removes_exactly_what_the_import_created() {
    for shape in [&TENCENT, &EASEMOB, &ZEGO, &NETEASE] {
        let dir = scratch(&format!("undo-{}", shape.vendor));
        let config = config(&dir, &["rate_limits = \"off\""]);
        let emulator = Emulator::start_with(&["--config", &config]);
        let url = emulator.url().expect("listening").to_owned();
        let mut g = graph(&dir, "graph", shape, 24, 6);
        let before = hold_first(&url, &config, shape, &g, &dir);
        // Reverse lines (target → requester) for some edges the import creates.
        let mut text = std::fs::read_to_string(&g.path).expect("graph");
        let reverse: Vec<(String, String)> = g
            .valid
            .iter()
            .skip(1)
            .step_by(5)
            .filter(|(r, _)| !before.contains_key(*r))
            .filter_map(|(r, t)| t.iter().last().map(|t| (t.clone(), r.clone())))
            .collect();
        for (t, r) in &reverse {
            text.push_str(&format!("{}\n", edge(shape, t, Some(json!(r)))));
        }
        std::fs::write(&g.path, text).expect("graph");
        g.lines += reverse.len() as u64;
        let report_path = dir.join("report.jsonl");
        // A vendor that answers success for a friend already held is asked first.
        let check_first = relation(shape.api).already_friends.is_none().then_some("--check-first");
        let args: Vec<&str> =
            shape.fixed.iter().copied().chain(["--report", path(&report_path)]).chain(check_first).collect();
        let run = import(&url, &config, shape.api, &g.path, &args);
        assert_eq!(run.code, 1, "{}: {} {}", shape.api, run.summary, run.stderr);
        let rows = report(&report_path);
        for (r, targets) in &before {
            let line = rows
                .values()
                .find(|x| x["requester"] == r.as_str() && targets.contains(x["user"].as_str().unwrap_or("")));
            assert_eq!(line.map(|l| &l["outcome"]), Some(&json!("already_friends")), "{}: {r}: {line:?}", shape.api);
        }
        if check_first.is_some() {
            assert!(run.summary["check_first"]["held"].as_u64() >= Some(before.len() as u64), "{}", run.summary);
        }

        let undo_report = dir.join("undo.jsonl");
        let undo = [shape.fixed, &["--undo", "--verify", "--report", path(&undo_report)]].concat();
        let run = import(&url, &config, shape.api, &g.path, &undo);
        assert_eq!(run.code, 0, "{}: {} {}", shape.api, run.summary, run.stderr);
        assert_eq!(run.summary["kept"], before.len(), "{}: the edges held before are kept: {}", shape.api, run.summary);
        assert_eq!(run.summary["verified"]["still_held"], 0, "{}", run.summary);
        assert_eq!(held(&url, shape.vendor, &g), before, "{}: exactly what was held before stays", shape.api);
        for (t, r) in &reverse {
            let (_, v) = http(&url, "GET", &format!("/_emulator/friends/{}/{t}", shape.vendor), "");
            let ids: Vec<&str> = v["friends"]
                .as_array()
                .map(|f| f.iter().filter_map(|x| x["id"].as_str()).collect())
                .unwrap_or_default();
            assert!(!ids.contains(&r.as_str()), "{}: {t} still holds {r}", shape.api);
        }
        let undone = report(&undo_report);
        assert!(
            undone.values().all(|l| matches!(l["outcome"].as_str(), Some("removed" | "not_friends"))),
            "{undone:?}"
        );
        // Undone again: nothing left to do.
        let run = import(&url, &config, shape.api, &g.path, &undo);
        assert_eq!((run.code, run.summary["sent"].as_u64()), (0, Some(0)), "{}", run.summary);
    }
}

/// An undo killed with SIGKILL twice and run again ends as an undo left alone does.
#[test]
fn an_undo_killed_twice_resumes_to_the_same_end() {
    let shape = &ZEGO;
    let dir = scratch("undo-killed");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 40"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 60, 30);
    let before = hold_first(&url, &config, shape, &g, &dir);
    assert_eq!(import(&url, &config, shape.api, &g.path, &["--concurrency", "8"]).code, 1);
    for wait_ms in [400, 900] {
        let mut child = spawn_import(&url, &config, shape.api, &g.path, &["--undo", "--concurrency", "2"]);
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let run = import(&url, &config, shape.api, &g.path, &["--undo", "--verify"]);
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    assert_eq!(held(&url, shape.vendor, &g), before);
}

/// Tencent's friend_import answers success for a friend already held: without `--check-first`
/// its journal cannot tell what it created, so `--undo` is refused unless `--force`.
#[test]
fn an_undo_that_cannot_tell_is_refused_unless_forced() {
    for shape in [&TENCENT, &EASEMOB] {
        let dir = scratch(&format!("undo-force-{}", shape.vendor));
        let config = config(&dir, &["rate_limits = \"off\""]);
        let emulator = Emulator::start_with(&["--config", &config]);
        let url = emulator.url().expect("listening").to_owned();
        let g = graph(&dir, "graph", shape, 10, 4);
        assert_ne!(import(&url, &config, shape.api, &g.path, &[]).code, 2);
        let run = import(&url, &config, shape.api, &g.path, &["--undo"]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("--check-first") && run.stderr.contains("--force"), "{}", run.stderr);
        let run = import(&url, &config, shape.api, &g.path, &["--undo", "--force"]);
        assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
        assert!(held(&url, shape.vendor, &g).is_empty(), "{}: every added edge removed", shape.api);
    }
}

/// Two imports on one journal: the second is refused at once, naming the first's process.
#[test]
fn a_journal_in_use_is_refused_naming_the_import_that_has_it() {
    let shape = &ZEGO;
    let dir = scratch("in-use");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 300"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 40, 10);
    let mut first = spawn_import(&url, &config, shape.api, &g.path, &["--concurrency", "1"]);
    // The first holds the lock from its start; wait until it has written its pid there.
    let lock = dir.join("graph.jsonl.journal.lock");
    let pid = first.id().to_string();
    while std::fs::read_to_string(&lock).unwrap_or_default() != pid {
        assert!(first.try_wait().expect("status").is_none(), "the first import ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    let run = import(&url, &config, shape.api, &g.path, &[]);
    let _ = first.kill();
    let _ = first.wait();
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&format!("is in use by another import (pid {pid})")), "{}", run.stderr);
}

/// What an operator's files hold besides edges: a byte order mark, a line repeating another,
/// a number where an id belongs, CSV lines counted as the file's physical lines, no edge at all.
#[test]
fn the_operators_files_are_read_as_written() {
    let shape = &ZEGO;
    let dir = scratch("operator");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let jsonl = dir.join("g.jsonl");
    std::fs::write(
        &jsonl,
        "\u{feff}{\"FromUserId\": \"a\", \"UserId\": \"b\"}\n{\"FromUserId\": \"a\", \"UserId\": \"c\"}\n\
         {\"FromUserId\": \"a\", \"UserId\": \"b\", \"FriendAlias\": \"again\"}\n{\"FromUserId\": 12, \"UserId\": \"d\"}\n",
    )
    .expect("graph");
    let report_path = dir.join("r.jsonl");
    let run = import(&url, &config, shape.api, &jsonl, &["--report", path(&report_path)]);
    let rows = report(&report_path);
    let outcome = |n: u64| rows[&n]["outcome"].as_str().unwrap_or("").to_owned();
    assert_eq!(outcome(1), "added", "the BOM is not part of line 1: {:?}", rows[&1]);
    assert_eq!((outcome(3), rows[&3]["reason"].as_str()), ("duplicate".to_owned(), Some("duplicate of line 1")));
    assert_eq!(outcome(4), "invalid");
    assert!(rows[&4]["reason"].as_str().is_some_and(|r| r.contains("not a string")), "{:?}", rows[&4]);
    assert_eq!(run.code, 1, "the numeric id: {}", run.summary);
    let first_calls = run.summary["calls"].as_u64().expect("calls");
    let again = import(&url, &config, shape.api, &jsonl, &[]);
    assert_eq!((again.summary["calls"].as_u64(), again.summary["calls_total"].as_u64()), (Some(0), Some(first_calls)));

    // CSV: the header is line 1; a quoted cell over two lines moves the next record's number.
    let csv = dir.join("g.csv");
    std::fs::write(&csv, "FromUserId,UserId,FriendAlias\nx,y,\"two\nlines\"\nx,z,\n").expect("csv");
    let csv_report = dir.join("c.jsonl");
    let run = import(&url, &config, shape.api, &csv, &["--report", path(&csv_report)]);
    assert_ne!(run.code, 2, "{} {}", run.summary, run.stderr);
    assert_eq!(report(&csv_report).keys().copied().collect::<Vec<_>>(), [2, 4]);

    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").expect("graph");
    let run = import(&url, &config, shape.api, &empty, &[]);
    assert!(run.stderr.contains("holds no edge"), "{}", run.stderr);
}

/// Tencent's friend_add adds both ways (`AddType=Add_Type_Both`); where the target held the
/// requester already (one way, found by `--check-first` in a two-way check), the import
/// created only the requester's side — and the undo removes that side alone.
#[test]
fn an_undo_of_a_two_way_add_removes_only_the_directions_it_created() {
    let shape = Shape { api: "tencent_im/friend_add", ..TENCENT };
    let dir = scratch("undo-friend-add");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let both = ["--param", "AddType=Add_Type_Both"];
    // Before: b holds a (one way); nothing between a and c.
    let before = dir.join("before.jsonl");
    std::fs::write(&before, format!("{}\n", edge(&shape, "b", Some(json!("a"))))).expect("graph");
    let run = import(&url, &config, shape.api, &before, &["--param", "AddType=Add_Type_Single"]);
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    let graph = dir.join("graph.jsonl");
    std::fs::write(
        &graph,
        format!("{}\n{}\n", edge(&shape, "a", Some(json!("b"))), edge(&shape, "a", Some(json!("c")))),
    )
    .expect("graph");
    let run = import(&url, &config, shape.api, &graph, &[&both[..], &["--check-first"]].concat());
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    let friends = |user: &str| -> BTreeSet<String> {
        let (_, v) = http(&url, "GET", &format!("/_emulator/friends/tencent_im/{user}"), "");
        v["friends"]
            .as_array()
            .map(|f| f.iter().filter_map(|x| x["id"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let set = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
    assert_eq!((friends("a"), friends("b"), friends("c")), (set(&["b", "c"]), set(&["a"]), set(&["a"])));
    let run = import(&url, &config, shape.api, &graph, &[&both[..], &["--undo", "--verify"]].concat());
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    assert_eq!((friends("a"), friends("b"), friends("c")), (set(&[]), set(&["a"]), set(&[])), "b's own side stays");
}
