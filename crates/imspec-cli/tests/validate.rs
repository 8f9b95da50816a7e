//! `imspec validate` as a user runs it: exit codes, one line per violation, the JSON shape.

mod common;

use common::imspec;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn a_valid_request_exits_0() {
    let o = imspec(&["validate", "zego_zim/add_friends", "examples/requests/zego_add_friends_valid.json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(stdout(&o), "");
}

#[test]
fn an_invalid_request_prints_one_line_per_violation_and_exits_1() {
    let o = imspec(&["validate", "zego_zim/add_friends", "examples/requests/zego_add_friends_broken.json"], None);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        "$.FriendInfos[1].UserId: must differ from $.FromUserId [660800020]\n\
         $.FriendInfos[1].Wording: is 257 chars long; at most 256 chars allowed [660800021]\n\
         $.FriendInfos[1].Attributes[0].Key: `k9` is not one of k0, k1, k2, k3, k4 [660800023]\n\
         $.FriendInfos[1].Attributes[1].Key: is required [660000002]\n"
    );
}

#[test]
fn json_output_names_the_code_as_the_vendor_answers_it() {
    let o = imspec(
        &["validate", "easemob/contacts_import", "-", "--param", "isSendNotice=maybe", "--json"],
        Some(r#"{"usernames": ["1","2","3","4","5","6","7","8","9","10","11"]}"#),
    );
    assert_eq!(o.status.code(), Some(1));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(
        out,
        serde_json::json!({
            "valid": false,
            "violations": [
                { "path": "$.usernames", "code": "illegal_argument", "message": "holds 11 items; at most 10 per call" },
                { "path": "params.username", "code": "illegal_argument", "message": "is required" },
                { "path": "params.isSendNotice", "code": "illegal_argument", "message": "expected `true` or `false`, found `maybe`" },
            ]
        })
    );
    let o = imspec(
        &["validate", "tencent_im/friend_add", "--json"],
        Some(
            r#"{"From_Account":"id","AddFriendItem":[{"To_Account":"id1","AddSource":"AddSource_Type_Android"}],"ForceAddFlags":2}"#,
        ),
    );
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(out["violations"][0]["code"], serde_json::json!(30001));
    assert_eq!(out["violations"][0]["path"], "$.ForceAddFlags");
}

#[test]
fn unreadable_or_non_json_input_exits_2_with_a_clear_message() {
    let o = imspec(&["validate", "tencent_im/friend_add"], Some("{ not json"));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.starts_with("error: standard input is not JSON: "), "{err}");

    let o = imspec(&["validate", "tencent_im/friend_add", "no/such/file.json"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.json"));

    let o = imspec(&["validate", "acme/nothing", "-"], Some("{}"));
    assert_eq!(o.status.code(), Some(2));
    let ids: Vec<&str> = imspec::apis().iter().map(|a| a.info.id).collect();
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!("the APIs are: {}", ids.join(", "))));

    let o = imspec(&["validate", "zego_zim/add_friends", "--param", "username=x"], Some("{}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("takes no parameter `username`"));
}

#[test]
fn the_apis_summary_lists_the_four_apis() {
    let o = imspec(&["apis"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    for id in ["easemob/contacts_import", "tencent_im/friend_add", "tencent_im/friend_import", "zego_zim/add_friends"] {
        assert!(out.contains(id), "{out}");
    }
}
