//! Hostile sizes: validation time as a ZEGO body grows from 20,000 to 160,000 items (linear is
//! 8× from the first to the last), and how long the emulator's control API takes to answer
//! while two authenticated 500 KB bodies are being validated.
//!
//! `cargo bench -p imspec --bench hostile` (a few seconds; prints two tables).

use std::time::{Duration, Instant};

use imspec::runtime::Violations;
use imspec::zego_zim::add_friends;
use secrecy::SecretString;
use serde_json::{Value, json};

/// A body of `n` items: ids repeat (every item is compared), a few break other rules.
fn body(n: usize) -> Value {
    let items: Vec<Value> = (0..n)
        .map(|i| match i % 97 {
            0 => json!({"UserId": "x".repeat(40), "Wording": "w"}),
            _ => json!({"UserId": format!("user{}", i % (n / 2).max(1)), "FriendAlias": "alias"}),
        })
        .collect();
    json!({"FromUserId": "bench", "FriendInfos": items})
}

/// The best of three runs of `imspec validate`'s check (violations bounded as the CLI bounds them).
fn validate_time(value: &Value) -> (Duration, usize) {
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let mut v = Violations::new().bounded(1000);
        add_friends::validate_json_documented(value, &mut v);
        best = best.min(started.elapsed());
        found = v.len() + v.dropped();
    }
    (best, found)
}

fn main() {
    println!("| ZEGO items | validate | violations | × the 20,000 time |");
    println!("|---|---|---|---|");
    let mut first = None;
    for n in [20_000, 40_000, 80_000, 160_000] {
        let value = body(n);
        let (t, found) = validate_time(&value);
        let base = *first.get_or_insert(t);
        println!("| {n} | {:.1} ms | {found} | {:.1}× |", t.as_secs_f64() * 1e3, t.as_secs_f64() / base.as_secs_f64());
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    runtime.block_on(control_latency());
}

/// Two 500 KB ZEGO bodies in flight, the control API polled meanwhile: its slowest answer.
async fn control_latency() {
    imspec::runtime::client::install_tls_provider();
    let config = imspec::runtime::Config::parse(imspec_emulator::DEFAULT_CONFIG, "default.toml").expect("config");
    let running = imspec_emulator::Emulator::new(&config).expect("emulator").spawn("127.0.0.1:0").await.expect("bind");
    let url = running.url();
    let http = reqwest::Client::new();
    let section = config.vendor("zego_zim").expect("zego section");
    let app_id: u32 = section.text("app_id").expect("app_id").parse().expect("app id");
    let secret = SecretString::from(section.text("server_secret").expect("secret"));
    let mut big = body(11_000).to_string();
    big.truncate(big.len().min(500 << 10));
    // Still JSON: cut at an item boundary and close the array.
    let cut = big.rfind("},").unwrap_or(big.len() - 1);
    big = format!("{}}}]}}", &big[..cut]);
    let sizes = big.len();
    let send = |nonce: &str| {
        let ts = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        let sig = imspec::runtime::auth::zego_md5::signature(app_id, nonce, &secret, ts);
        let url = format!(
            "{url}/?Action=AddFriends&AppId={app_id}&SignatureNonce={nonce}&Timestamp={ts}&SignatureVersion=2.0&Signature={sig}"
        );
        http.post(url).body(big.clone()).send()
    };
    let heavy = futures_util::future::join(send("0123456789abcdef"), send("fedcba9876543210"));
    let poll = async {
        let mut slowest = Duration::ZERO;
        for _ in 0..50 {
            let started = Instant::now();
            let _ = http.get(format!("{url}/_emulator/stats")).send().await.and_then(|r| r.error_for_status());
            slowest = slowest.max(started.elapsed());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        slowest
    };
    let ((a, b), slowest) = futures_util::future::join(heavy, poll).await;
    let status = |r: reqwest::Result<reqwest::Response>| r.map(|r| r.status().as_u16()).unwrap_or(0);
    println!();
    println!("| two bodies of | their answers | slowest control API answer meanwhile |");
    println!("|---|---|---|");
    println!("| {} KB | HTTP {} and {} | {:.1} ms |", sizes >> 10, status(a), status(b), slowest.as_secs_f64() * 1e3);
}
