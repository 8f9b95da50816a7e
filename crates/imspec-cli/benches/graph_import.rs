//! `imspec import` against `imspec emulator` (separate processes, loopback), printing tables:
//!
//! 1. Throughput with 50 ms of added latency and the documented rate limits: 100,000 edges
//!    over 2,000 requesters into ZEGO (`add_friends`, 20 per call, 20 calls/s) and Easemob
//!    (`contacts_import`, 10 per call, 100 calls/s), and 10,000 edges over 200 requesters into
//!    NetEase (`friend_add`, no batch: one edge a call, 100 calls/s), at pacing margins 2% and
//!    10%, as edges/s, as `floor_s / elapsed_s` (the floor: the fewest calls the graph needs at
//!    the rate) and as the calls the emulator answered over the limit.
//! 2. With rate limits off (emulator and client): the import process's peak memory at 100,000
//!    and 1,000,000 edges (and at 1,000,000 with `--register --verify`), and the wall time of the 1,000,000-edge import with the journal on
//!    disk, in memory (`--no-journal`), and recording nothing while sending (the hidden
//!    `--bench-skip-writes`): the journal's cost.
//!
//! 4. Scale, rate limits off: 100,000, 1,000,000 and 10,000,000 edges into ZEGO at 100 per
//!    requester — wall time, edges/s, the import's peak memory, the journal's size on disk, and
//!    the emulator's resident memory holding the graph (bytes per held edge).
//!
//! 3. Every phase as concurrent as the send: 200,000 edges over 5,000 requesters into ZEGO with
//!    `--register --verify`, documented rates, 20 ms latency and 5% retryable item faults; each
//!    phase's wall time against its floor (the calls it needs at its API's documented rate).
//!
//! `cargo bench -p imspec-cli --bench graph_import` (about 35 minutes: the documented rates
//! bound parts 1 and 3). `IMSPEC_BENCH_SCALE=0.1` runs every graph at a tenth of its size;
//! `IMSPEC_BENCH_PART=1`, `2`, `3` or `4` runs one part; `IMSPEC_BENCH_ROUNDS` (default 5) sets how
//! many times each 1M-edge variant of part 2 runs (the medians are reported).

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_imspec")
}

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench-graphs");
    std::fs::create_dir_all(&d).expect("bench dir");
    d
}

struct Emulator {
    child: Child,
    url: String,
    config: PathBuf,
}

impl Emulator {
    fn start(emulator_lines: &str) -> Emulator {
        let base = include_str!("../../imspec-emulator/default.toml").split("[emulator]").next().unwrap_or_default();
        let config = dir().join(format!("emulator-{}.toml", std::process::id()));
        std::fs::write(&config, format!("{base}\n[emulator]\n{emulator_lines}\n")).expect("config");
        let mut child = Command::new(bin())
            .args(["emulator", "--listen", "127.0.0.1:0", "--config"])
            .arg(&config)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("emulator");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
        let url = line.trim().strip_prefix("listening on ").expect("listening").to_owned();
        Emulator { child, url, config }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.config);
    }
}

/// `requesters` requesters with `edges / requesters` targets each, interleaved (not sorted).
fn graph(name: &str, requester: &str, target: &str, edges: usize, requesters: usize) -> PathBuf {
    let path = dir().join(format!("{name}-{edges}.jsonl"));
    if path.exists() {
        return path;
    }
    let per = edges / requesters;
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("graph"));
    for t in 0..per {
        for r in 0..requesters {
            writeln!(out, "{}", json!({ requester: format!("{name}r{r}"), target: format!("{name}f{r}x{t}") }))
                .expect("write");
        }
    }
    out.flush().expect("flush");
    path
}

struct Measured {
    summary: Value,
    wall_s: f64,
    peak_kib: u64,
    /// The journal's size on disk at the end (with its write-ahead log).
    journal_bytes: u64,
}

/// A process's resident memory now (VmRSS), KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .map(|v| v.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

/// Empties the emulator (`POST /_emulator/reset`): every run starts from the same service.
fn reset(url: &str) {
    let answer = control(url, "POST", "reset");
    assert!(answer.starts_with("HTTP/1.1 200"), "reset: {answer}");
}

/// The emulator's counts by API (`GET /_emulator/stats`).
fn stats(url: &str) -> Value {
    let answer = control(url, "GET", "stats");
    answer.split_once("\r\n\r\n").and_then(|(_, body)| serde_json::from_str(body).ok()).unwrap_or(Value::Null)
}

/// One call of the emulator's control API; the whole HTTP answer.
fn control(url: &str, method: &str, path: &str) -> String {
    use std::io::Read as _;
    let addr = url.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).expect("connect");
    write!(s, "{method} /_emulator/{path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        .expect("a control call");
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer
}

fn import(api: &str, graph: &Path, url: &str, extra: &[&str]) -> Measured {
    reset(url);
    let journal = PathBuf::from(format!("{}.bench-journal", graph.display()));
    let started = Instant::now();
    let mut child = Command::new(bin())
        .args(["import", api])
        .arg(graph)
        .args(["--endpoint", url, "--restart", "--journal"])
        .arg(&journal)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("import");
    let status = PathBuf::from(format!("/proc/{}/status", child.id()));
    let mut peak = 0;
    while child.try_wait().expect("wait").is_none() {
        if let Ok(text) = std::fs::read_to_string(&status)
            && let Some(kib) = text.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak = peak.max(kib.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let wall_s = started.elapsed().as_secs_f64();
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        use std::io::Read as _;
        let _ = out.read_to_string(&mut stdout);
    }
    let mut journal_bytes = 0;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", journal.display());
        journal_bytes += std::fs::metadata(&file).map_or(0, |m| m.len());
        let _ = std::fs::remove_file(file);
    }
    Measured { summary: serde_json::from_str(&stdout).unwrap_or(Value::Null), wall_s, peak_kib: peak, journal_bytes }
}

fn scale() -> f64 {
    std::env::var("IMSPEC_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

fn part(n: u8) -> bool {
    std::env::var("IMSPEC_BENCH_PART").map_or(true, |p| p == n.to_string())
}

fn main() {
    let s = scale();
    let n = |x: f64| ((x * s) as usize).max(1);
    if part(4) {
        println!("## Scale: rate limits off, ZEGO add_friends, 100 edges per requester");
        println!(
            "| edges | requesters | wall_s | edges/s | import peak RSS (MiB) | journal (MiB) | emulator RSS (MiB) | bytes/edge held |"
        );
        println!("|---|---|---|---|---|---|---|---|");
        let emulator = Emulator::start("latency_ms = 0\nrate_limits = \"off\"");
        let idle = rss_kib(emulator.child.id());
        for edges in [100_000.0, 1_000_000.0, 10_000_000.0] {
            let g = graph("scale", "FromUserId", "UserId", n(edges), n(edges / 100.0));
            let m = import("zego_zim/add_friends", &g, &emulator.url, &["--unpaced"]);
            let held = rss_kib(emulator.child.id());
            let count = m.summary["edges"].as_u64().unwrap_or(0);
            println!(
                "| {count} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {:.1} | {:.0} |",
                n(edges / 100.0),
                m.wall_s,
                count as f64 / m.wall_s.max(1e-9),
                m.peak_kib as f64 / 1024.0,
                m.journal_bytes as f64 / (1024.0 * 1024.0),
                held as f64 / 1024.0,
                (held.saturating_sub(idle) * 1024) as f64 / count.max(1) as f64,
            );
        }
    }
    if part(1) {
        println!("## Throughput: 50 ms latency, documented rate limits");
        println!(
            "| vendor | edges | requesters | margin | elapsed_s | floor_s | floor/elapsed | edges/s | calls | over the limit |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|");
        let emulator = Emulator::start("latency_ms = 50\nrate_limits = \"documented\"");
        /// A vendor's add API, the keys of its graph, the graph's size and the flags it needs.
        struct Run(&'static str, &'static str, &'static str, &'static str, f64, f64, &'static [&'static str]);
        let vendors = [
            Run("zego", "zego_zim/add_friends", "FromUserId", "UserId", 100_000.0, 2_000.0, &[]),
            Run("easemob", "easemob/contacts_import", "username", "usernames", 100_000.0, 2_000.0, &[]),
            Run("netease", "netease_yunxin/friend_add", "accid", "faccid", 10_000.0, 200.0, &["--param", "type=1"]),
        ];
        for Run(vendor, api, requester, target, edges, requesters, args) in vendors {
            let g = graph(vendor, requester, target, n(edges), n(requesters));
            for margin in ["0.02", "0.10"] {
                let mut extra = vec!["--margin", margin];
                extra.extend_from_slice(args);
                let m = import(api, &g, &emulator.url, &extra);
                let over = stats(&emulator.url)[api]["rate_limited"].as_u64().unwrap_or(0);
                let (elapsed, floor) =
                    (m.summary["elapsed_s"].as_f64().unwrap_or(0.0), m.summary["floor_s"].as_f64().unwrap_or(0.0));
                println!(
                    "| {vendor} | {} | {} | {margin} | {elapsed:.2} | {floor:.2} | {:.1}% | {:.1} | {} | {over} |",
                    m.summary["edges"],
                    n(requesters),
                    100.0 * floor / elapsed.max(1e-9),
                    m.summary["edges_per_s"].as_f64().unwrap_or(0.0),
                    m.summary["calls"],
                );
            }
        }
    }
    if part(2) {
        println!("\n## Rate limits off: peak memory and the journal's cost (ZEGO add_friends)");
        println!("| edges | requesters | journal | wall_s, median (runs) | peak RSS (MiB) | calls |");
        println!("|---|---|---|---|---|---|");
        let emulator = Emulator::start("latency_ms = 0\nrate_limits = \"off\"");
        // The 1M runs alternate and repeat (medians): one run's wall time moves by a second or
        // more on a shared 2-core machine.
        // The first and the last run once: memory, at 100k, and at 1M with every phase (register
        // about 1M users, add, verify every edge).
        let variants: [(&str, f64, f64, &[&str]); 5] = [
            ("file", 100_000.0, 2_000.0, &[]),
            ("file", 1_000_000.0, 20_000.0, &[]),
            ("memory", 1_000_000.0, 20_000.0, &["--no-journal"]),
            ("no writes", 1_000_000.0, 20_000.0, &["--bench-skip-writes"]),
            ("file, --register --verify", 1_000_000.0, 20_000.0, &["--register", "--verify"]),
        ];
        let once = |i: usize| i == 0 || i == variants.len() - 1;
        let mut runs: Vec<Vec<Measured>> = variants.iter().map(|_| Vec::new()).collect();
        let rounds = std::env::var("IMSPEC_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(5usize).max(1);
        for round in 0..rounds {
            for (i, (_, edges, requesters, extra)) in variants.iter().enumerate() {
                if round > 0 && once(i) {
                    continue;
                }
                let g = graph("mem", "FromUserId", "UserId", n(*edges), n(*requesters));
                let args: Vec<&str> = ["--unpaced"].iter().chain(extra.iter()).copied().collect();
                runs[i].push(import("zego_zim/add_friends", &g, &emulator.url, &args));
            }
        }
        // The fastest run of each variant too: on a shared machine, the run least disturbed
        // by others is the steadiest estimate of what the variant itself costs.
        let fastest: Vec<f64> =
            runs.iter().map(|ms| ms.iter().map(|m| m.wall_s).fold(f64::INFINITY, f64::min)).collect();
        // The runs alternate, so run i of each variant saw much the same machine: the median
        // of the paired differences (file journal minus the other, over the file journal) is
        // the estimate least moved by what else the machine was doing.
        let paired = |other: usize| -> f64 {
            let mut d: Vec<f64> =
                runs[1].iter().zip(&runs[other]).map(|(f, o)| 100.0 * (f.wall_s - o.wall_s) / f.wall_s).collect();
            d.sort_by(f64::total_cmp);
            d.get(d.len() / 2).copied().unwrap_or(0.0)
        };
        let (paired_none, paired_memory) = (paired(3), paired(2));
        let median = |ms: &mut Vec<Measured>| -> Measured {
            ms.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
            ms.remove(ms.len() / 2)
        };
        let all: Vec<String> = runs
            .iter()
            .map(|ms| ms.iter().map(|m| format!("{:.2}", m.wall_s)).collect::<Vec<_>>().join(" / "))
            .collect();
        let rows: Vec<Measured> = runs.iter_mut().map(median).collect();
        for (((journal, _, requesters, _), m), walls) in variants.iter().zip(&rows).zip(&all) {
            println!(
                "| {} | {} | {journal} | {:.2} ({walls}) | {:.1} | {} |",
                m.summary["edges"],
                n(*requesters),
                m.wall_s,
                m.peak_kib as f64 / 1024.0,
                m.summary["calls"]
            );
        }
        if let [small, big, memory, none, whole] = &rows[..] {
            println!(
                "\npeak memory 1M / 100k: {:.2}x ({:.2}x with --register --verify); at 1M (medians of {rounds}) the journal costs {:.1}% of the wall time \
                 against recording nothing while sending, {:.1}% against keeping it in memory \
                 ({:.2} s with the file journal, {:.2} s in memory, {:.2} s recording nothing while sending); \
                 fastest runs: {:.1}% and {:.1}% ({:.2} s, {:.2} s, {:.2} s); \
                 median of the paired differences: {paired_none:.1}% and {paired_memory:.1}%",
                big.peak_kib as f64 / small.peak_kib.max(1) as f64,
                whole.peak_kib as f64 / small.peak_kib.max(1) as f64,
                100.0 * (big.wall_s - none.wall_s) / big.wall_s,
                100.0 * (big.wall_s - memory.wall_s) / big.wall_s,
                big.wall_s,
                memory.wall_s,
                none.wall_s,
                100.0 * (fastest[1] - fastest[3]) / fastest[1],
                100.0 * (fastest[1] - fastest[2]) / fastest[1],
                fastest[1],
                fastest[2],
                fastest[3]
            );
        }
    }
    if part(3) {
        println!(
            "\n## Every phase at the rate: ZEGO, --register --verify, documented rates, 20 ms latency, 5% item faults"
        );
        println!("| phase | elapsed_s | floor_s | elapsed / floor | calls |");
        println!("|---|---|---|---|---|");
        let emulator = Emulator::start(
            "latency_ms = 20\nrate_limits = \"documented\"\n[emulator.faults]\nseed = 5\nitem_error_rate = 0.05",
        );
        let g = graph("phases", "FromUserId", "UserId", n(200_000.0), n(5_000.0));
        let m = import("zego_zim/add_friends", &g, &emulator.url, &["--register", "--verify"]);
        let phases = m.summary["phases"].as_object().cloned().unwrap_or_default();
        for (name, p) in &phases {
            let (elapsed, floor) = (p["elapsed_s"].as_f64().unwrap_or(0.0), p["floor_s"].as_f64().unwrap_or(0.0));
            println!("| {name} | {elapsed:.2} | {floor:.2} | {:.2}x | {} |", elapsed / floor.max(1e-9), p["calls"]);
        }
        println!(
            "\n{} edges, outcomes {}, verified {}, wall {:.1} s",
            m.summary["edges"], m.summary["outcomes"], m.summary["verified"], m.wall_s
        );
    }
}
