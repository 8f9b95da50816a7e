//! Four `imspec send` processes of one ZEGO app (different requesters, 400 friends each)
//! against one emulator at the documented rate: with `[pacing] redis_url` the emulator answers
//! none of their calls "rate limited"; without it, it does (so the test can fail); with Redis
//! stopped mid-run every process warns once and still accounts for every item. Counts only:
//! they hold however the processes are scheduled.

mod common;

#[path = "../../../tests/support/redis.rs"]
mod redis_server;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use common::Emulator;
use redis_server::RedisServer;
use serde_json::{Value, json};

const API: &str = "zego_zim/add_friends";
const SENDS: usize = 4;
const FRIENDS: usize = 400;

fn tmpdir() -> &'static Path {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
}

/// The demo credentials plus `extra`, written to a file of this test's own.
fn config_file(name: &str, extra: &str) -> PathBuf {
    let path = tmpdir().join(format!("shared-pacing-{name}-{}.toml", std::process::id()));
    std::fs::write(&path, format!("{}\n{extra}", imspec_emulator::DEFAULT_CONFIG)).expect("write config");
    path
}

fn body(send: usize) -> String {
    let infos: Vec<Value> = (0..FRIENDS).map(|i| json!({"UserId": format!("f{send}_{i}")})).collect();
    json!({"FromUserId": format!("sender{send}"), "FriendInfos": infos}).to_string()
}

fn spawn_send(url: &str, config: &Path, send: usize) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
        .args(["send", API, "-", "--endpoint", url, "--config"])
        .arg(config)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run imspec send");
    child.stdin.take().expect("stdin").write_all(body(send).as_bytes()).expect("write body");
    child
}

/// The emulator's counts for the API (`GET /_emulator/stats`).
fn stats(url: &str) -> Value {
    let addr = url.strip_prefix("http://").expect("http url");
    let mut s = TcpStream::connect(addr).expect("connect to the emulator");
    write!(s, "GET /_emulator/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("ask");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    let (_, body) = answer.split_once("\r\n\r\n").expect("a body");
    serde_json::from_str::<Value>(body).expect("stats JSON")[API].clone()
}

/// Every send printed one outcome per friend, in order.
fn assert_accounted(outputs: &[Output]) {
    for (send, o) in outputs.iter().enumerate() {
        let out: Value = serde_json::from_slice(&o.stdout)
            .unwrap_or_else(|e| panic!("send {send}: {e}: {}", String::from_utf8_lossy(&o.stderr)));
        let users: Vec<&str> =
            out["items"].as_array().expect("items").iter().filter_map(|i| i["user"].as_str()).collect();
        let expected: Vec<String> = (0..FRIENDS).map(|i| format!("f{send}_{i}")).collect();
        assert_eq!(users, expected, "send {send}");
    }
}

fn run(extra: &str, name: &str) -> (Value, Vec<Output>) {
    let emulator = Emulator::start();
    let url = emulator.url().expect("listening").to_owned();
    let config = config_file(name, extra);
    let children: Vec<Child> = (0..SENDS).map(|s| spawn_send(&url, &config, s)).collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().expect("send ends")).collect();
    (stats(&url), outputs)
}

#[test]
fn four_sends_sharing_redis_draw_no_rate_limited_answer() {
    let redis = RedisServer::start(tmpdir());
    let (stats, outputs) = run(&format!("[pacing]\nredis_url = \"{}\"\n", redis.url()), "shared");
    for o in &outputs {
        assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
        assert!(o.stderr.is_empty(), "no warning: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert_accounted(&outputs);
    assert_eq!(stats["rate_limited"], 0, "{stats}");
    assert_eq!(stats["calls"], SENDS * FRIENDS / 20, "no call needed a retry: {stats}");
}

#[test]
fn four_sends_without_redis_are_rate_limited() {
    let (stats, outputs) = run("", "alone");
    assert_accounted(&outputs);
    assert!(stats["rate_limited"].as_u64().unwrap_or(0) > 0, "each paces to the whole rate: {stats}");
}

#[test]
fn redis_stopped_mid_run_warns_and_every_item_is_accounted_for() {
    let mut redis = RedisServer::start(tmpdir());
    let emulator = Emulator::start();
    let url = emulator.url().expect("listening").to_owned();
    let config = config_file("stopped", &format!("[pacing]\nredis_url = \"{}\"\n", redis.url()));
    let children: Vec<Child> = (0..SENDS).map(|s| spawn_send(&url, &config, s)).collect();
    // A few calls in, Redis goes away.
    while stats(&url)["calls"].as_u64().unwrap_or(0) < 5 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    redis.stop();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().expect("send ends")).collect();
    assert_accounted(&outputs);
    let mut warnings = 0;
    for o in &outputs {
        let stderr = String::from_utf8_lossy(&o.stderr);
        // A send whose every slot was taken before Redis went has nothing to warn about.
        let warned = stderr.matches("cannot use Redis").count();
        assert!(warned <= 1, "at most one warning per process: {stderr}");
        warnings += warned;
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(o.status.code().is_some_and(|c| c <= 1), "{stderr}");
    }
    assert!(warnings >= 1, "the sends that still had calls to pace said Redis was lost");
}
