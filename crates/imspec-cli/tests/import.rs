//! `imspec import` over real HTTP against `imspec emulator`, as an operator runs it: a graph
//! with invalid lines into each vendor (register, import, verify), imports killed with SIGKILL
//! and resumed, faults, a journal of another file, a dry run.
//!
//! The graphs' keys are the wire names a user writes (`FromUserId`, `UserId`, ...). Targets
//! (`f…`) are never requesters (`r…`), so a requester's friend list is exactly its valid
//! targets, whichever way the vendor adds.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use common::Emulator;
use common::graphs::{
    EASEMOB, NETEASE, TENCENT, ZEGO, assert_imported, calls, config, edge, graph, import, report, scratch, spawn_import,
};
use serde_json::{Value, json};

/// Register, import and verify into each vendor, from nothing (the emulator registers no one
/// by itself): the report names every line once, the service holds exactly the valid edges,
/// exit 1 because of the invalid lines.
#[test]
fn each_vendor_registers_imports_and_verifies_a_graph() {
    for (shape, requesters) in [(&TENCENT, 200), (&EASEMOB, 200), (&ZEGO, 200)] {
        let dir = scratch(shape.vendor);
        let config = config(&dir, &["auto_register = false", "rate_limits = \"off\""]);
        let emulator = Emulator::start_with(&["--config", &config]);
        let url = emulator.url().expect("listening").to_owned();
        let g = graph(&dir, "graph", shape, requesters, 15);
        assert!(g.lines > 1000 && !g.invalid.is_empty(), "a graph of thousands of edges, some invalid");
        let report_path = dir.join("report.jsonl");
        let run = import(
            &url,
            &config,
            shape.api,
            &g.path,
            &["--register", "--verify", "--report", report_path.to_str().expect("a UTF-8 path")],
        );
        assert_eq!(run.code, 1, "{}: invalid lines make exit 1: {} {}", shape.api, run.summary, run.stderr);
        assert_imported(&url, shape, &g, &report_path);
        let s = &run.summary;
        assert_eq!(s["edges"], g.lines, "{s}");
        assert_eq!(s["outcomes"]["invalid"], g.invalid.len(), "{s}");
        assert_eq!(s["verified"]["not_held"], 0, "{s}");
        assert!(s["registered"]["registered"].as_u64().is_some_and(|n| n > 0), "{s}");
        assert!(s["floor_s"].as_f64().is_some_and(|f| f > 0.0), "{s}");
        // The users the vendor requires a generated value for (Easemob's password) are kept.
        let users = PathBuf::from(format!("{}.journal.users.jsonl", g.path.display()));
        assert_eq!(users.exists(), shape.vendor == "easemob", "{}", users.display());
    }
}

/// An add API without a batch (NetEase's, one friend a call, its `type` given as a parameter
/// as Tencent's `AddType` is): registered one user a call, imported one edge a call, and
/// verified one relation a call, from nothing — every valid edge held, the invalid lines
/// `invalid` with the vendor's code, exit 1.
#[test]
fn an_api_without_a_batch_imports_one_edge_a_call() {
    let shape = &NETEASE;
    let dir = scratch(shape.vendor);
    let config = config(&dir, &["auto_register = false", "rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 60, 9);
    assert!(g.lines > 200 && !g.invalid.is_empty(), "a few hundred edges, some invalid");
    let report_path = dir.join("report.jsonl");
    let report_arg = report_path.to_str().expect("a UTF-8 path");
    let run = import(
        &url,
        &config,
        shape.api,
        &g.path,
        &[shape.fixed, &["--register", "--verify", "--report", report_arg]].concat(),
    );
    assert_eq!(run.code, 1, "invalid lines make exit 1: {} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);
    let s = &run.summary;
    let valid: u64 = g.valid.values().map(|t| t.len() as u64).sum();
    assert_eq!(s["outcomes"]["added"], valid, "{s}");
    assert_eq!(s["verified"]["not_held"], 0, "{s}");
    assert_eq!(calls(&url, shape.api), valid, "one call per valid edge");
    assert!(s["registered"]["registered"].as_u64().is_some_and(|n| n > 0), "{s}");
    let register = imspec::apis()
        .into_iter()
        .find(|a| a.info.vendor.id == shape.vendor && a.info.operation == imspec::runtime::Operation::Register)
        .expect("a register API");
    assert_eq!(calls(&url, register.info.id), s["registered"]["registered"].as_u64().unwrap_or(0), "one user a call");
}

/// Against the documented limits, an import one edge a call keeps under the rate: no call is
/// answered over the limit (whose answer would block the API for seconds). Paced at half the
/// rate, so that however late the machine delivers a burst of calls the service's bucket
/// holds them (the bench measures the 2% margin: 98% of the floor, no call over the limit).
#[test]
fn an_import_one_edge_a_call_draws_no_rate_limited_answer() {
    let shape = &NETEASE;
    let dir = scratch("netease-paced");
    let config = config(&dir, &[]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 30, 8);
    let run = import(&url, &config, shape.api, &g.path, &[shape.fixed, &["--margin", "0.5"]].concat());
    assert_eq!(run.code, 1, "only the invalid lines fail: {} {}", run.summary, run.stderr);
    let (_, stats) = common::http(&url, "GET", "/_emulator/stats", "");
    assert_eq!(stats[shape.api]["rate_limited"], 0, "{stats}");
    let valid: u64 = g.valid.values().map(|t| t.len() as u64).sum();
    assert_eq!(run.summary["outcomes"]["added"], valid, "{}", run.summary);
}

/// Killed with SIGKILL at three moments and rerun each time, the import ends as a clean one
/// does; the add calls over all runs are at most a clean run's plus those in flight at each
/// kill (reconciliation asks the check API, counted apart).
#[test]
fn an_import_killed_three_times_resumes_to_the_same_end() {
    let shape = &ZEGO;
    let dir = scratch("killed");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 40"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 60, 40);
    let report_path = dir.join("report.jsonl");
    let concurrency = 4;
    let args = ["--concurrency", "4", "--report", report_path.to_str().expect("a UTF-8 path")];
    // The calls of a clean run: one requester per call, 20 per call (the documented maximum).
    let clean: u64 = g.valid.values().map(|t| (t.len() as u64).div_ceil(20)).sum();
    let mut kills = 0;
    for wait_ms in [700, 1500, 2300] {
        let mut child = spawn_import(&url, &config, shape.api, &g.path, &args);
        std::thread::sleep(Duration::from_millis(wait_ms));
        if child.try_wait().expect("status").is_none() {
            child.kill().expect("SIGKILL");
            kills += 1;
        }
        let _ = child.wait();
    }
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 1, "the invalid lines: {} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);
    let adds = calls(&url, shape.api);
    assert!(adds <= clean + kills * concurrency, "{adds} add calls; a clean run makes {clean}, {kills} kills");
    // A rerun of a finished import sends nothing.
    let again = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!((again.code, again.summary["sent"].as_u64()), (1, Some(0)), "{}", again.summary);
    assert_eq!(calls(&url, shape.api), adds);
}

/// NetEase checks one relation a call: the lost answers of an import killed mid-way are
/// reconciled one check a call, and the import ends with exactly the valid edges.
#[test]
fn a_killed_import_one_edge_a_call_is_reconciled_one_check_a_call() {
    let shape = &NETEASE;
    let dir = scratch("killed-netease");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 40"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 40, 8);
    let report_path = dir.join("report.jsonl");
    let args = [shape.fixed, &["--concurrency", "4", "--report", report_path.to_str().expect("a UTF-8 path")]].concat();
    let valid: u64 = g.valid.values().map(|t| t.len() as u64).sum();
    for wait_ms in [500, 1200] {
        let mut child = spawn_import(&url, &config, shape.api, &g.path, &args);
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill();
        let _ = child.wait();
    }
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 1, "{} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);
    // At most one add per edge, plus the few in flight at each kill.
    assert!(calls(&url, shape.api) <= valid + 2 * 4, "{} add calls for {valid} edges", calls(&url, shape.api));
}

/// Easemob has no check API: lost answers are reconciled with its list API.
#[test]
fn a_killed_easemob_import_is_reconciled_by_listing() {
    let shape = &EASEMOB;
    let dir = scratch("killed-easemob");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 60"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 40, 30);
    let report_path = dir.join("report.jsonl");
    let args = ["--concurrency", "4", "--report", report_path.to_str().expect("a UTF-8 path")];
    let mut child = spawn_import(&url, &config, shape.api, &g.path, &args);
    std::thread::sleep(Duration::from_millis(900));
    let _ = child.kill();
    let _ = child.wait();
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 1, "{} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);
}

/// 502s, answers dropped after the work is done, and retryable item codes: the client retries,
/// the lost answers are reconciled, and the import still ends with exactly the valid edges.
#[test]
fn faults_end_in_the_same_graph() {
    let shape = &TENCENT;
    let dir = scratch("faults");
    let config = config(
        &dir,
        &[
            "rate_limits = \"off\"",
            "[emulator.faults]\nseed = 11\nhttp_error_rate = 0.15\ndrop_after_apply_rate = 0.15\nitem_error_rate = 0.05",
        ],
    );
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 60, 15);
    let report_path = dir.join("report.jsonl");
    let run = import(&url, &config, shape.api, &g.path, &["--report", report_path.to_str().expect("a UTF-8 path")]);
    assert_eq!(run.code, 1, "{} {}", run.summary, run.stderr);
    assert_imported(&url, shape, &g, &report_path);
}

/// A journal made for another file is refused with exit 2, naming the journal and what
/// differs; `--restart` starts over.
#[test]
fn a_journal_of_another_file_is_refused() {
    let shape = &ZEGO;
    let dir = scratch("mismatch");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 10, 5);
    let journal = dir.join("j.sqlite");
    let j = ["--journal", journal.to_str().expect("a UTF-8 path")];
    assert_ne!(import(&url, &config, shape.api, &g.path, &j).code, 2);
    let mut text = std::fs::read_to_string(&g.path).expect("graph");
    text.push_str(&json!({shape.requester: "r1", shape.target: "late"}).to_string());
    text.push('\n');
    std::fs::write(&g.path, text).expect("graph");
    let run = import(&url, &config, shape.api, &g.path, &j);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(journal.to_str().expect("a UTF-8 path")) && run.stderr.contains("input file differs"),
        "{}",
        run.stderr
    );
    // Another API with the same journal: refused too.
    let run = import(&url, &config, "zego_zim/add_friends", &g.path, &[&j[..], &["--param", "x=1"]].concat());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let run = import(&url, &config, shape.api, &g.path, &[&j[..], &["--restart"]].concat());
    assert_ne!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.summary["edges"], g.lines + 1, "{}", run.summary);
}

/// A dry run validates every line (CSV here) and sends nothing.
#[test]
fn a_dry_run_of_a_csv_graph_sends_nothing() {
    let dir = scratch("dry");
    let config = config(&dir, &["rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let csv = dir.join("graph.csv");
    std::fs::write(&csv, "FromUserId,UserId,FriendTime\nr1,f1,1700000000\nr1,r1,\nr2,f2,\n").expect("csv");
    let report_path = dir.join("report.jsonl");
    let run =
        import(&url, &config, ZEGO.api, &csv, &["--dry-run", "--report", report_path.to_str().expect("a UTF-8 path")]);
    assert_eq!(run.code, 1, "the second line adds oneself: {} {}", run.summary, run.stderr);
    let rows = report(&report_path);
    let outcomes: Vec<&str> = rows.values().map(|r| r["outcome"].as_str().unwrap_or("")).collect();
    assert_eq!(outcomes, ["not_attempted", "invalid", "not_attempted"]);
    assert_eq!(calls(&url, ZEGO.api), 0);
}

/// Easemob requires a password to register a user. A requester's lines may carry it
/// (`password`, the register item's field): it is kept for that user's registration and never
/// sent in an add. Users without one get a generated password, listed for the operator. Lines
/// that disagree on a user's password, or a password the register API refuses, stop the
/// import with exit 2 before anything is added.
#[test]
fn registration_fields_come_from_the_graph_or_are_generated() {
    let shape = &EASEMOB;
    let dir = scratch("passwords");
    let config = config(&dir, &["auto_register = false", "rate_limits = \"off\""]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let write = |name: &str, lines: &[(&str, &str, Option<&str>)]| {
        let text: String = lines
            .iter()
            .map(|(r, t, password)| {
                let mut line = edge(shape, r, Some(json!(t)));
                if let Some(p) = password {
                    line["password"] = json!(p);
                }
                format!("{line}\n")
            })
            .collect();
        let path = dir.join(name);
        std::fs::write(&path, text).expect("graph");
        path
    };
    let given = write(
        "given.jsonl",
        &[
            ("r0", "f0", Some("pw-of-r0")),
            ("r1", "f1", Some("pw-of-r1")),
            ("r0", "f2", Some("pw-of-r0")),
            ("r2", "f3", None),
        ],
    );
    let run = import(&url, &config, shape.api, &given, &["--register", "--verify"]);
    assert_eq!(run.code, 0, "{} {}", run.summary, run.stderr);
    assert_eq!(run.summary["outcomes"], json!({"added": 4}), "{}", run.summary);
    assert_eq!(run.summary["verified"]["not_held"], 0, "{}", run.summary);
    let journal = PathBuf::from(format!("{}.journal", given.display()));
    let conn = rusqlite::Connection::open(&journal).expect("the journal");
    let users: BTreeMap<String, (Value, bool)> = conn
        .prepare("SELECT id, fields, generated FROM users")
        .expect("users")
        .query_map([], |r| {
            let fields: String = r.get(1)?;
            Ok((r.get(0)?, (serde_json::from_str(&fields).unwrap_or(Value::Null), r.get(2)?)))
        })
        .expect("users")
        .collect::<Result<_, _>>()
        .expect("users");
    assert_eq!(users["r0"], (json!({"username": "r0", "password": "pw-of-r0"}), false));
    assert_eq!(users["r1"], (json!({"username": "r1", "password": "pw-of-r1"}), false));
    let generated: BTreeSet<&str> = users.iter().filter(|(_, (_, g))| *g).map(|(u, _)| u.as_str()).collect();
    assert_eq!(generated, BTreeSet::from(["f0", "f1", "f2", "f3", "r2"]));
    assert!(users.values().all(|(v, _)| v["password"].as_str().is_some_and(|p| p.len() >= 8)), "{users:?}");
    // The operator's list holds the generated passwords, and only those, with the outcome of
    // their registration, readable by the owner alone (as is the journal).
    let list = PathBuf::from(format!("{}.users.jsonl", journal.display()));
    let listed: BTreeMap<String, Value> = std::fs::read_to_string(&list)
        .expect("users file")
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON line"))
        .map(|v| (v["username"].as_str().expect("a name").to_owned(), v))
        .collect();
    assert_eq!(listed.keys().map(String::as_str).collect::<BTreeSet<_>>(), generated);
    for (user, line) in &listed {
        assert_eq!(line["password"], users[user].0["password"], "{user}");
        assert_eq!(line["outcome"], "registered", "{user}");
    }
    #[cfg(unix)]
    for file in [&list, &journal] {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(file).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o077, 0, "{} is the owner's alone: {mode:o}", file.display());
    }
    // A rerun from scratch keeps what the list holds and appends what it registers anew.
    let before = std::fs::read_to_string(&list).expect("users file");
    let again = import(&url, &config, shape.api, &given, &["--register", "--restart"]);
    assert_eq!(again.code, 0, "{} {}", again.summary, again.stderr);
    let after = std::fs::read_to_string(&list).expect("users file");
    assert!(after.starts_with(&before) && after.len() > before.len(), "appended, never rewritten");
    assert!(after[before.len()..].lines().all(|l| l.contains("\"outcome\":\"already_registered\"")), "{after}");
    // A registration cut short (its end not recorded) goes on where it stopped: users already
    // answered are not registered again, nor listed again.
    let registrations = calls(&url, "easemob/users_register");
    rusqlite::Connection::open(&journal)
        .expect("the journal")
        .execute("DELETE FROM meta WHERE key = 'registered'", [])
        .expect("forget the registration's end");
    let resumed = import(&url, &config, shape.api, &given, &["--register"]);
    assert_eq!(
        (resumed.code, resumed.summary["sent"].as_u64()),
        (0, Some(0)),
        "{} {}",
        resumed.summary,
        resumed.stderr
    );
    assert_eq!(calls(&url, "easemob/users_register"), registrations);
    assert_eq!(std::fs::read_to_string(&list).expect("users file"), after);
    // A registration that failed is tried again (one call, for that user alone).
    let conn = rusqlite::Connection::open(&journal).expect("the journal");
    conn.execute_batch(
        "UPDATE users SET outcome = 'failed' WHERE id = 'r2'; DELETE FROM meta WHERE key = 'registered';",
    )
    .expect("a failed registration");
    drop(conn);
    let retried = import(&url, &config, shape.api, &given, &["--register"]);
    assert_eq!(retried.code, 0, "{} {}", retried.summary, retried.stderr);
    assert_eq!(calls(&url, "easemob/users_register"), registrations + 1);
    assert_eq!(retried.summary["registered"]["already_registered"], 7, "{}", retried.summary);
    let adds_before = calls(&url, shape.api);

    let conflicting =
        write("conflicting.jsonl", &[("r5", "f5", Some("one")), ("r6", "f6", None), ("r5", "f7", Some("two"))]);
    let run = import(&url, &config, shape.api, &conflicting, &["--register"]);
    assert_eq!(run.code, 2, "{} {}", run.summary, run.stderr);
    assert!(run.stderr.contains("lines 1 and 3 give user `r5` different registration fields"), "{}", run.stderr);
    assert!(!run.stderr.contains("one") && !run.stderr.contains("two"), "no password is printed: {}", run.stderr);
    assert!(!Path::new(&format!("{}.journal.loading", conflicting.display())).exists(), "no half-built journal");

    let too_long = "p".repeat(65);
    let refused = write("refused.jsonl", &[("r8", "f8", Some(&too_long))]);
    let run = import(&url, &config, shape.api, &refused, &["--register"]);
    assert_eq!(run.code, 2, "{} {}", run.summary, run.stderr);
    assert!(run.stderr.contains("user `r8`") && run.stderr.contains("password"), "{}", run.stderr);
    assert!(!run.stderr.contains(&too_long), "no password is printed: {}", run.stderr);
    assert_eq!(calls(&url, shape.api), adds_before, "nothing was added");
}

/// Ctrl-C (SIGINT) stops an import gracefully: no new call, the calls in flight finish and
/// their outcomes are recorded, the summary says `interrupted`, exit 1. The rerun has nothing
/// to reconcile and makes exactly the calls a clean run would have made in all.
#[test]
fn an_interrupted_import_records_its_calls_and_the_rerun_goes_on() {
    let shape = &ZEGO;
    let dir = scratch("interrupted");
    let config = config(&dir, &["rate_limits = \"off\"", "latency_ms = 40"]);
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();
    let g = graph(&dir, "graph", shape, 60, 40);
    let report_path = dir.join("report.jsonl");
    let args = ["--concurrency", "4", "--report", report_path.to_str().expect("a UTF-8 path")];
    let clean: u64 = g.valid.values().map(|t| (t.len() as u64).div_ceil(20)).sum();
    let child = Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(["import", shape.api])
        .arg(&g.path)
        .args(["--endpoint", &url, "--config", &config])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imspec import");
    std::thread::sleep(Duration::from_millis(800));
    let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).expect("a pid"));
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGINT);
    let out = child.wait_with_output().expect("the import ends");
    let summary: Value = serde_json::from_slice(&out.stdout).expect("a summary, interrupted or not");
    if summary["interrupted"] == true {
        assert_eq!(out.status.code(), Some(1), "{summary}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted: finishing the calls in flight"));
        assert!(summary["outcomes"]["not_attempted"].as_u64().is_some_and(|n| n > 0), "{summary}");
    }
    let run = import(&url, &config, shape.api, &g.path, &args);
    assert_eq!(run.code, 1, "the invalid lines: {} {}", run.summary, run.stderr);
    assert_eq!(run.summary.get("reconciled"), None, "nothing was lost: {}", run.summary);
    assert_imported(&url, shape, &g, &report_path);
    assert_eq!(calls(&url, shape.api), clean, "{summary} then {}", run.summary);
}
