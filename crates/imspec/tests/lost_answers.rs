//! What the client says when it cannot know: an attempt whose answer was lost after the work may
//! have been done leaves the item `unknown` unless a later attempt settles it — never `failed`
//! while the service holds it. Also: a transport failure carries its reason, and a batch with no
//! documented maximum on the seed page is chunked to the newer page's.

mod emulated;

use std::collections::HashSet;

use emulated::{config, emulator, quick};
use imspec::runtime::{ClientOptions, Outcome, Report, RetryPolicy, VendorClient};
use imspec::{tencent_im, zego_zim};
use serde_json::{Value, json};

/// Heavy faults, few attempts: many items run out of retries after a dropped answer.
const FAULTS: &str = "[emulator]\nrate_limits = \"off\"\n[emulator.faults]\nseed = 7\nhttp_error_rate = 0.5\ndrop_after_apply_rate = 0.3\nitem_error_rate = 0.3\n";

fn few_attempts() -> ClientOptions {
    ClientOptions { retry: RetryPolicy { max_attempts: 3, ..quick().retry }, ..quick() }
}

/// Every input item once, in order; nothing the service holds is `failed`, nothing it lacks
/// is a success; returns how many ended `unknown`.
fn check_against(report: &Report, users: &[String], held: &HashSet<String>) -> usize {
    let got: Vec<&str> = report.items.iter().map(|i| i.user.as_str()).collect();
    assert_eq!(got, users.iter().map(String::as_str).collect::<Vec<_>>(), "one outcome per item, in order");
    for item in &report.items {
        match item.outcome {
            o if o.is_success() => assert!(held.contains(&item.user), "{item:?} reported a success the service lacks"),
            Outcome::Failed => assert!(!held.contains(&item.user), "{item:?} is held, yet reported failed"),
            Outcome::Unknown => {}
            other => panic!("{item:?}: unexpected {other:?}"),
        }
    }
    report.items.iter().filter(|i| i.outcome == Outcome::Unknown).count()
}

#[tokio::test]
async fn under_heavy_faults_no_item_the_service_holds_is_reported_failed() {
    let s = emulator(FAULTS).await;
    let cfg = config(&s.url, "");
    let mut unknown = 0;

    let tencent = tencent_im::Client::with_options(&cfg, few_attempts()).expect("client");
    let users: Vec<String> = (0..500).map(|i| format!("t{i}")).collect();
    let items: Vec<Value> =
        users.iter().map(|u| json!({"To_Account": u, "AddSource": "AddSource_Type_Test"})).collect();
    let body = json!({"From_Account": "ta", "AddFriendItem": items});
    // friend_import in chunks small enough that the faults hit many calls.
    let report = send_in_chunks(tencent.runtime(), &tencent_im::friend_import::ENTRY, &body, 25).await;
    let held: HashSet<String> = s.friends("tencent_im", "ta").await.into_iter().collect();
    unknown += check_against(&report, &users, &held);

    let zego = zego_zim::Client::with_options(&cfg, few_attempts()).expect("client");
    let users: Vec<String> = (0..500).map(|i| format!("z{i}")).collect();
    let items: Vec<Value> = users.iter().map(|u| json!({"UserId": u})).collect();
    let body = json!({"FromUserId": "za", "FriendInfos": items});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    let held: HashSet<String> = s.friends("zego_zim", "za").await.into_iter().collect();
    unknown += check_against(&report, &users, &held);

    // The faults are seeded: this run does leave items whose answers were lost for good, so
    // the check above is not vacuous.
    assert!(unknown > 0, "no item ended unknown; the faults did not bite");
}

/// Sends `body` as separate requests of `size` items each and joins the reports in order.
async fn send_in_chunks(
    client: &VendorClient,
    entry: &'static imspec::runtime::ApiEntry,
    body: &Value,
    size: usize,
) -> Report {
    let field = entry.info.batch.as_ref().expect("a batch").field;
    let items = body[field].as_array().cloned().unwrap_or_default();
    let mut all = Report::default();
    for part in items.chunks(size) {
        let mut b = body.clone();
        b[field] = Value::Array(part.to_vec());
        let r = client.send(entry, &b, &[]).await.expect("sent");
        all.calls += r.calls;
        all.items.extend(r.items);
    }
    all
}

#[tokio::test]
async fn a_hundred_thousand_friend_import_items_go_out_in_chunks_of_the_newer_pages_maximum() {
    // The documented friends-per-user limit is lifted: this is about chunking, not about it.
    let s = emulator("[emulator]\nrate_limits = \"off\"\n[emulator.friend_limits]\ntencent_im = 1000000\n").await;
    let cfg = config(&s.url, "");
    let max =
        tencent_im::friend_import::INFO.batch.as_ref().and_then(|b| b.max_items).expect("a maximum per call") as usize;
    let n = 100 * max;
    let items: Vec<Value> =
        (0..n).map(|i| json!({"To_Account": format!("f{i}"), "AddSource": "AddSource_Type_Bulk"})).collect();
    let body = json!({"From_Account": "big", "AddFriendItem": items});
    let client = tencent_im::Client::new(&cfg).expect("client");
    let report = client.runtime().send(&tencent_im::friend_import::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 100, "{n} items in calls of at most {max}: {:?}", report.rejected.first());
    let not_added: Vec<_> = report.items.iter().filter(|i| i.outcome != Outcome::Added).take(3).collect();
    assert!(not_added.is_empty(), "{not_added:?}");
    assert_eq!(report.items.len(), n);
}

#[tokio::test]
async fn a_closed_port_fails_with_its_reason_and_is_never_unknown() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a port").port();
    let cfg = config(&format!("http://127.0.0.1:{port}"), "");
    let client = zego_zim::Client::with_options(&cfg, few_attempts()).expect("client");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    let report = client.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    let item = &report.items[0];
    // Nothing was ever connected, so nothing can have been applied: failed, not unknown.
    assert_eq!(item.outcome, Outcome::Failed);
    let reason = item.reason.as_deref().unwrap_or_default().to_lowercase();
    assert!(reason.contains("connect") && reason.contains("refused"), "reason: {reason}");
}

#[tokio::test]
async fn a_server_answering_502_leaves_the_items_unknown_with_the_reason() {
    // Answers 502 to everything, after reading the request: the work behind it may be done.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 << 10];
                let _ = conn.read(&mut buf).await;
                let _ = conn
                    .write_all(
                        b"HTTP/1.1 502 Bad Gateway\r\ncontent-length: 11\r\nconnection: close\r\n\r\nBad Gateway",
                    )
                    .await;
            });
        }
    });
    let client = zego_zim::Client::with_options(&config(&url, ""), few_attempts()).expect("client");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}, {"UserId": "c"}]});
    let report = client.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 3, "every attempt was made");
    for item in &report.items {
        assert_eq!(item.outcome, Outcome::Unknown, "{item:?}");
        assert_eq!(item.reason.as_deref(), Some("HTTP 502 from the service"));
    }
}
