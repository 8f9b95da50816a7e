//! Four `imspec send` processes of one ZEGO app against one emulator with 50 ms of added
//! latency and the documented rate, with and without `[pacing] redis_url`: total time,
//! rate-limited answers, and the fraction of the app-wide bound reached (calls the emulator
//! took, per second, over the documented rate). Then the 4 × 400 run, timed.
//!
//! `cargo bench -p imspec-cli --bench shared_pacing` (about two minutes; prints a table).

#[path = "../../../tests/support/redis.rs"]
mod redis_server;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const API: &str = "zego_zim/add_friends";
const SENDS: usize = 4;

struct Emulator(Child, String);

impl Emulator {
    fn start(config: &Path) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
            .args(["emulator", "--listen", "127.0.0.1:0", "--config"])
            .arg(config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run imspec emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let url = line.trim().strip_prefix("listening on ").expect("listening").to_owned();
        Emulator(child, url)
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn stats(url: &str) -> Value {
    let addr = url.strip_prefix("http://").expect("http url");
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET /_emulator/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("ask");
    let mut answer = String::new();
    s.read_to_string(&mut answer).expect("answer");
    let (_, body) = answer.split_once("\r\n\r\n").expect("body");
    serde_json::from_str::<Value>(body).expect("json")[API].clone()
}

struct Run {
    elapsed: Duration,
    calls: u64,
    limited: u64,
    added: usize,
}

fn run(dir: &Path, friends: usize, redis: Option<&str>, latency_ms: u64) -> Run {
    let pacing = redis.map(|url| format!("[pacing]\nredis_url = \"{url}\"\n")).unwrap_or_default();
    let demo = imspec_emulator::DEFAULT_CONFIG.split("[emulator]").next().unwrap_or_default();
    let config: PathBuf = dir.join(format!("bench-{}-{friends}.toml", redis.is_some()));
    std::fs::write(&config, format!("{demo}\n{pacing}\n[emulator]\nlatency_ms = {latency_ms}\n")).expect("config");
    let emulator = Emulator::start(&config);
    let started = Instant::now();
    let children: Vec<Child> = (0..SENDS)
        .map(|s| {
            let infos: Vec<Value> = (0..friends).map(|i| json!({"UserId": format!("b{s}_{i}")})).collect();
            let body = json!({"FromUserId": format!("bencher{s}"), "FriendInfos": infos}).to_string();
            let mut child = Command::new(env!("CARGO_BIN_EXE_imspec"))
                .args(["send", API, "-", "--endpoint", &emulator.1, "--config"])
                .arg(&config)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("send");
            child.stdin.take().expect("stdin").write_all(body.as_bytes()).expect("body");
            child
        })
        .collect();
    let mut added = 0;
    for child in children {
        let out = child.wait_with_output().expect("send ends");
        let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        added += json["items"].as_array().map_or(0, |i| i.iter().filter(|x| x["outcome"] == "added").count());
    }
    let elapsed = started.elapsed();
    let s = stats(&emulator.1);
    Run { elapsed, calls: s["calls"].as_u64().unwrap_or(0), limited: s["rate_limited"].as_u64().unwrap_or(0), added }
}

fn main() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(dir).expect("tmpdir");
    let per_second = imspec::api(API).expect("api").info.rate_limit.per_second;
    let redis = redis_server::RedisServer::start(dir);
    println!("{SENDS} `imspec send` processes of one ZEGO app, documented rate {per_second} calls/s, 50 ms latency");
    println!("| friends/process | pacing | all four done | calls | rate-limited | added | fraction of bound |");
    println!("|---|---|---|---|---|---|---|");
    for (friends, latency) in [(2000, 50), (400, 50), (400, 0)] {
        for shared in [true, false] {
            let url = redis.url();
            let r = run(dir, friends, shared.then_some(url.as_str()), latency);
            let accepted = r.calls - r.limited;
            let fraction = accepted as f64 / r.elapsed.as_secs_f64() / f64::from(per_second);
            println!(
                "| {friends} ({latency} ms) | {} | {:.2} s | {} | {} | {}/{} | {:.1}% |",
                if shared { "Redis" } else { "in-process" },
                r.elapsed.as_secs_f64(),
                r.calls,
                r.limited,
                r.added,
                friends * SENDS,
                fraction * 100.0
            );
        }
    }
}
