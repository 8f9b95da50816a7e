//! Several clients of one app in one process, each with its own connection to a real Redis,
//! share the app's documented rate: the emulator rate-limits none of their calls. Without Redis
//! the same run is rate-limited (so these tests can fail), and a Redis lost mid-run leaves every
//! item accounted for. Counts only, never durations: they hold however the work is scheduled.

mod emulated;

#[path = "../../../tests/support/redis.rs"]
mod redis_server;

use imspec::runtime::ClientOptions;
use imspec::zego_zim::{self, add_friends::AddFriendsRequest, add_friends::FriendInfo};
use imspec_runtime::ratelimit::budget_key;
use redis_server::RedisServer;

const API: &str = "zego_zim/add_friends";
const CLIENTS: usize = 4;
const FRIENDS: usize = 200; // 10 full calls per client

fn request(client: usize) -> AddFriendsRequest {
    AddFriendsRequest {
        from_user_id: format!("sharer{client}"),
        friend_infos: (0..FRIENDS)
            .map(|i| FriendInfo {
                user_id: format!("f{client}_{i}"),
                wording: None,
                friend_alias: None,
                friend_time: None,
                attributes: None,
            })
            .collect(),
    }
}

/// `CLIENTS` clients of the demo ZEGO app (each built from the config, so each has its own
/// pacer and Redis connection) sending at once; returns the reports.
async fn send_all(s: &emulated::Setup, pacing: &str) -> Vec<imspec::runtime::Report> {
    let config = emulated::config(&s.url, pacing);
    let runs = (0..CLIENTS).map(|c| {
        let client = zego_zim::Client::with_options(&config, ClientOptions::default()).expect("client");
        async move { client.add_friends(&request(c)).await.expect("sent") }
    });
    futures_util::future::join_all(runs).await.into_iter().map(|o| o.raw).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_of_one_app_share_its_rate_through_redis() {
    let redis = RedisServer::start(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    let s = emulated::emulator("").await;
    let reports = send_all(&s, &format!("[pacing]\nredis_url = \"{}\"\n", redis.url())).await;
    let stats = s.stats(API).await;
    assert_eq!(stats["rate_limited"], 0, "one bucket for the app, so the vendor's never rejects: {stats}");
    assert_eq!(stats["calls"], (CLIENTS * FRIENDS / 20) as u64, "no retries were needed: {stats}");
    for r in &reports {
        assert_eq!(r.items.len(), FRIENDS);
        assert!(r.all_succeeded());
    }
    // The bucket is keyed by vendor, app (the config's app id) and budget.
    let api = imspec::api(API).expect("api");
    let key = format!("imspec:pace:zego_zim:12345:{}", budget_key(api.info));
    assert_eq!(redis.command(&["EXISTS", &key]), ":1\r\n", "{key}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_redis_the_same_clients_are_rate_limited() {
    let s = emulated::emulator("").await;
    let reports = send_all(&s, "").await;
    let stats = s.stats(API).await;
    // Four pacers each at 90% of the app's rate (and each with its own burst) exceed it.
    assert!(stats["rate_limited"].as_u64().unwrap_or(0) > 0, "{stats}");
    assert!(reports.iter().all(|r| r.items.len() == FRIENDS));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_lost_mid_run_leaves_every_item_accounted_for() {
    let mut redis = RedisServer::start(std::path::Path::new(env!("CARGO_TARGET_TMPDIR")));
    let s = emulated::emulator("").await;
    let pacing = format!("[pacing]\nredis_url = \"{}\"\n", redis.url());
    let sends = send_all(&s, &pacing);
    let stop = async {
        // Once calls are flowing through Redis, take it away.
        while s.stats(API).await["calls"].as_u64().unwrap_or(0) < 5 {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        redis.stop();
    };
    let (reports, ()) = tokio::join!(sends, stop);
    let stats = s.stats(API).await;
    let calls: u64 = reports.iter().map(|r| r.calls).sum();
    assert_eq!(stats["calls"], calls, "every call is counted by its client: {stats}");
    for (c, r) in reports.iter().enumerate() {
        let users: Vec<&str> = r.items.iter().map(|i| i.user.as_str()).collect();
        let expected: Vec<String> = (0..FRIENDS).map(|i| format!("f{c}_{i}")).collect();
        assert_eq!(users, expected, "one outcome per item, in order");
        assert!(
            r.all_succeeded(),
            "rate-limited calls are retried as usual: {:?}",
            r.items.iter().find(|i| !i.outcome.is_success())
        );
    }
}
