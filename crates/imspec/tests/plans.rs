//! Planning with the generated validators: invalid items are filtered (strict), the rest is
//! chunked to the documented or raised maximum — 45 Easemob usernames make 5 calls, 100 ZEGO
//! friends make 5 — and a broken request-level field sends nothing.

mod common;

use imspec::runtime::plan::plan;
use imspec::runtime::{Policy, Violations};
use serde_json::{Value, json};

fn zego(n: usize) -> Value {
    let infos: Vec<Value> = (0..n).map(|i| json!({ "UserId": format!("u{i}") })).collect();
    json!({ "FromUserId": "owner", "FriendInfos": infos })
}

fn violations_zego(body: &Value, limits: &imspec::zego_zim::add_friends::Limits) -> Vec<imspec::runtime::Violation> {
    let mut v = Violations::new();
    imspec::zego_zim::add_friends::validate_json(body, limits, &mut v);
    v.into_vec()
}

#[test]
fn batches_are_chunked_to_the_documented_maximum() {
    use imspec::zego_zim::add_friends::Limits;
    let body = zego(100);
    let p = plan(batch(), batch().max_items, Policy::Strict, &body, &violations_zego(&body, &Limits::DOCUMENTED));
    assert_eq!(p.chunks.iter().map(|c| c.users.len()).collect::<Vec<_>>(), [20; 5]);
    assert!(p.invalid.is_empty() && p.request_violations.is_empty());
    assert_eq!(p.chunks[4].users[19], "u99");
    assert_eq!(p.chunks[0].body["FromUserId"], "owner");

    let easemob = json!({ "usernames": (0..45).map(|i| format!("n{i}")).collect::<Vec<_>>() });
    let b = imspec::easemob::contacts_import::INFO.batch.as_ref().expect("a batch");
    let p = plan(b, b.max_items, Policy::Strict, &easemob, &[]);
    assert_eq!(p.chunks.iter().map(|c| c.users.len()).collect::<Vec<_>>(), [10, 10, 10, 10, 5]);

    // Raised to 50 by the vendor: 2 calls.
    let raised = Limits { friend_infos_max_items: 50, ..Limits::DOCUMENTED };
    let p = plan(batch(), Some(raised.friend_infos_max_items), Policy::Strict, &body, &violations_zego(&body, &raised));
    assert_eq!(p.chunks.len(), 2);
}

#[test]
fn invalid_items_are_filtered_and_the_rest_is_sent() {
    use imspec::zego_zim::add_friends::Limits;
    let mut body = zego(3);
    body["FriendInfos"][1]["UserId"] = json!("owner"); // adding oneself
    let (longest, _) = common::max_len("zego_zim/add_friends", "FriendInfo", "Wording");
    body["FriendInfos"][2]["Wording"] = json!("好".repeat(longest + 1));
    let v = violations_zego(&body, &Limits::DOCUMENTED);
    let p = plan(batch(), batch().max_items, Policy::Strict, &body, &v);
    assert_eq!(p.chunks.len(), 1);
    assert_eq!(p.chunks[0].users, ["u0"]);
    assert_eq!(p.invalid.iter().map(|x| (x.index, x.user.as_str())).collect::<Vec<_>>(), [(1, "owner"), (2, "u2")]);
    let not_self = common::rule_code("zego_zim/add_friends", "FriendInfo", "UserId", |r| {
        matches!(r, imspec_spec::Rule::NotEqual(_))
    });
    assert_eq!(p.invalid[0].violations[0].code.to_json(), not_self);

    // Warn sends everything; the violations stay reported by validation.
    let p = plan(batch(), batch().max_items, Policy::Warn, &body, &v);
    assert_eq!(p.chunks[0].users, ["u0", "owner", "u2"]);
}

#[test]
fn a_broken_request_level_field_sends_nothing() {
    use imspec::zego_zim::add_friends::Limits;
    let mut body = zego(3);
    body["FromUserId"] = json!("bad user id with spaces");
    let p = plan(batch(), batch().max_items, Policy::Strict, &body, &violations_zego(&body, &Limits::DOCUMENTED));
    assert!(p.chunks.is_empty());
    assert_eq!(p.invalid.len(), 3);
    assert_eq!(p.request_violations[0].path, "$.FromUserId");
}

/// ZEGO add_friends' batch.
fn batch() -> &'static imspec::runtime::Batch {
    imspec::zego_zim::add_friends::INFO.batch.as_ref().expect("a batch")
}
