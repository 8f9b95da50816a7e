//! Client throughput against the emulator with 50 ms of added latency and the documented rate
//! limits: 10,000 ZEGO friends over 5 users (a ZEGO user holds at most 3000) and 10,000
//! Easemob contacts over 10 users, as friends/s and as a fraction of each bound (rate × batch:
//! ZEGO 20 calls/s × 20, Easemob 100 calls/s × 10), at the 2% and the default 10% pacing
//! margin, and for a naive sequential loop over the generated types.
//!
//! `cargo bench -p imspec --bench import` (about three minutes; prints a table).

use std::time::{Duration, Instant};

use imspec::runtime::{ClientOptions, Config, Pacing};
use imspec::{easemob, zego_zim};

const FRIENDS: usize = 10_000;

fn config(url: &str) -> Config {
    let base = imspec_emulator::DEFAULT_CONFIG.split("[emulator]").next().unwrap_or_default();
    let text = base
        .replace("[easemob]\n", &format!("[easemob]\nbase_url = \"{url}\"\n"))
        .replace("[zego_zim]\n", &format!("[zego_zim]\nbase_url = \"{url}\"\n"));
    Config::parse(&text, "bench").expect("config")
}

async fn emulator() -> imspec_emulator::Running {
    let text = format!(
        "{}\n[emulator]\nlatency_ms = 50\n",
        imspec_emulator::DEFAULT_CONFIG.split("[emulator]").next().unwrap_or_default()
    );
    let config = Config::parse(&text, "bench").expect("config");
    imspec_emulator::Emulator::new(&config).expect("emulator").spawn("127.0.0.1:0").await.expect("bind")
}

fn options(margin: f64) -> ClientOptions {
    ClientOptions { pacing: Pacing { margin, max_burst: None, unpaced: false }, ..ClientOptions::default() }
}

fn zego_request(user: usize, from: usize, to: usize) -> zego_zim::add_friends::AddFriendsRequest {
    zego_zim::add_friends::AddFriendsRequest {
        from_user_id: format!("zu{user}"),
        friend_infos: (from..to)
            .map(|i| zego_zim::add_friends::FriendInfo {
                user_id: format!("zf{i}"),
                wording: None,
                friend_alias: None,
                friend_time: None,
                attributes: None,
            })
            .collect(),
    }
}

/// The client: each user's whole list in one call of the method; users concurrently.
async fn zego_client(margin: f64) -> (Duration, u64, usize, u64) {
    let running = emulator().await;
    let client = zego_zim::Client::with_options(&config(&running.url()), options(margin)).expect("client");
    let users = 5;
    let per = FRIENDS / users;
    let started = Instant::now();
    let runs = (0..users).map(|u| {
        let client = client.clone();
        async move { client.add_friends(&zego_request(u, u * per, (u + 1) * per)).await.expect("sent") }
    });
    let outs = futures_util::future::join_all(runs).await;
    let elapsed = started.elapsed();
    let added = outs.iter().flat_map(|o| &o.items).filter(|i| i.outcome.is_success()).count();
    let limited = rate_limited(&running.url(), "zego_zim/add_friends").await;
    (elapsed, outs.iter().map(|o| o.calls).sum(), added, limited)
}

/// Naive: one call per batch of 20, one after another, with the generated types and client.
async fn zego_naive() -> (Duration, u64, usize, u64) {
    let running = emulator().await;
    let client = zego_zim::Client::new(&config(&running.url())).expect("client");
    let started = Instant::now();
    let (mut calls, mut added) = (0, 0);
    for start in (0..FRIENDS).step_by(20) {
        let out = client.add_friends(&zego_request(start / 2000, start, start + 20)).await.expect("sent");
        calls += out.calls;
        added += out.items.iter().filter(|i| i.outcome.is_success()).count();
    }
    let elapsed = started.elapsed();
    (elapsed, calls, added, rate_limited(&running.url(), "zego_zim/add_friends").await)
}

fn easemob_request(from: usize, to: usize) -> easemob::contacts_import::ImportContactsRequest {
    easemob::contacts_import::ImportContactsRequest { usernames: (from..to).map(|i| format!("ef{i}")).collect() }
}

fn params(user: usize) -> easemob::contacts_import::Params {
    easemob::contacts_import::Params { username: format!("eu{user}"), is_send_notice: None }
}

async fn easemob_client(margin: f64) -> (Duration, u64, usize, u64) {
    let running = emulator().await;
    let client = easemob::Client::with_options(&config(&running.url()), options(margin)).expect("client");
    let users = 10;
    let per = FRIENDS / users;
    let started = Instant::now();
    let runs = (0..users).map(|u| {
        let client = client.clone();
        async move { client.contacts_import(&params(u), &easemob_request(u * per, (u + 1) * per)).await.expect("sent") }
    });
    let outs = futures_util::future::join_all(runs).await;
    let elapsed = started.elapsed();
    let added = outs.iter().flat_map(|o| &o.items).filter(|i| i.outcome.is_success()).count();
    let limited = rate_limited(&running.url(), "easemob/contacts_import").await;
    (elapsed, outs.iter().map(|o| o.calls).sum(), added, limited)
}

async fn easemob_naive() -> (Duration, u64, usize, u64) {
    let running = emulator().await;
    let client = easemob::Client::new(&config(&running.url())).expect("client");
    let started = Instant::now();
    let (mut calls, mut added) = (0, 0);
    for start in (0..FRIENDS).step_by(10) {
        let out =
            client.contacts_import(&params(start / 1000), &easemob_request(start, start + 10)).await.expect("sent");
        calls += out.calls;
        added += out.items.iter().filter(|i| i.outcome.is_success()).count();
    }
    let elapsed = started.elapsed();
    (elapsed, calls, added, rate_limited(&running.url(), "easemob/contacts_import").await)
}

/// The emulator's count of rate-limited answers for an API.
async fn rate_limited(url: &str, api: &str) -> u64 {
    let stats: serde_json::Value =
        reqwest::get(format!("{url}/_emulator/stats")).await.expect("stats").json().await.expect("json");
    stats[api]["rate_limited"].as_u64().unwrap_or(0)
}

fn row(name: &str, bound: f64, (elapsed, calls, added, limited): (Duration, u64, usize, u64)) {
    let rate = added as f64 / elapsed.as_secs_f64();
    println!(
        "| {name:<36} | {added:>6} | {calls:>5} | {limited:>3} | {:>7.2} s | {rate:>7.1} | {:>5.1}% |",
        elapsed.as_secs_f64(),
        100.0 * rate / bound
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing else: run only for bench.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        println!(
            "| run (50 ms latency, documented limits) | friends | calls | rate-limited | time | friends/s | of bound |"
        );
        println!("|---|---|---|---|---|---|---|");
        let zego_bound = 20.0 * 20.0;
        let easemob_bound = 100.0 * 10.0;
        row("ZEGO client, margin 2%", zego_bound, zego_client(0.02).await);
        row("ZEGO client, margin 10% (default)", zego_bound, zego_client(0.10).await);
        row("ZEGO naive sequential loop", zego_bound, zego_naive().await);
        row("Easemob client, margin 2%", easemob_bound, easemob_client(0.02).await);
        row("Easemob client, margin 10% (default)", easemob_bound, easemob_client(0.10).await);
        row("Easemob naive sequential loop", easemob_bound, easemob_naive().await);
    });
}
