//! `imspec validate` as a user runs it: exit codes, one line per violation, the JSON shape.

mod common;

use common::{batch, field_rule, imspec, info, max_len, rule_code};
use imspec_spec::Rule;
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
    let file = "examples/requests/zego_add_friends_broken.json";
    let o = imspec(&["validate", "zego_zim/add_friends", file], None);
    assert_eq!(o.status.code(), Some(1));
    // Each rule's limit and code as the spec gives them; the lengths as the file has them.
    let api = "zego_zim/add_friends";
    let not_self = rule_code(api, "FriendInfo", "UserId", |r| matches!(r, Rule::NotEqual(_)));
    let (longest, too_long) = max_len(api, "FriendInfo", "Wording");
    let (keys, bad_key) = field_rule(api, "FriendAttribute", "Key", |r| match r {
        Rule::OneOf(values) => {
            Some(values.iter().map(|v| v.to_json().as_str().unwrap_or_default().to_owned()).collect::<Vec<_>>())
        }
        _ => None,
    });
    let missing = info(api).schema_error_code.to_json();
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(file));
    let body: serde_json::Value = serde_json::from_str(&text.expect("the example file")).expect("JSON");
    let wording = body["FriendInfos"][1]["Wording"].as_str().expect("a Wording").chars().count();
    assert_eq!(
        stdout(&o),
        format!(
            "$.FriendInfos[1].UserId: must differ from $.FromUserId [{not_self}]\n\
             $.FriendInfos[1].Wording: is {wording} chars long; at most {longest} chars allowed [{too_long}]\n\
             $.FriendInfos[1].Attributes[0].Key: `k9` is not one of {} [{bad_key}]\n\
             $.FriendInfos[1].Attributes[1].Key: is required [{missing}]\n",
            keys.join(", ")
        )
    );
}

#[test]
fn json_output_names_the_code_as_the_vendor_answers_it() {
    // One username more than a call may carry.
    let (max, over) = batch("easemob/contacts_import");
    let usernames: Vec<String> = (1..=max + 1).map(|i| i.to_string()).collect();
    let o = imspec(
        &["validate", "easemob/contacts_import", "-", "--param", "isSendNotice=maybe", "--json"],
        Some(&serde_json::json!({ "usernames": usernames }).to_string()),
    );
    assert_eq!(o.status.code(), Some(1));
    let out: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    let schema = info("easemob/contacts_import").schema_error_code.to_json();
    assert_eq!(
        out,
        serde_json::json!({
            "valid": false,
            "violations": [
                { "path": "$.usernames", "code": over, "message": format!("holds {} items; at most {max} per call", max + 1) },
                { "path": "params.username", "code": schema, "message": "is required" },
                { "path": "params.isSendNotice", "code": schema, "message": "expected `true` or `false`, found `maybe`" },
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
    let flag = rule_code("tencent_im/friend_add", "FriendAddRequest", "ForceAddFlags", |r| matches!(r, Rule::OneOf(_)));
    assert!(flag.is_number(), "Tencent's codes are numbers: {flag}");
    assert_eq!(out["violations"][0]["code"], flag);
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
fn the_apis_summary_lists_every_api_of_the_registry() {
    let o = imspec(&["apis"], None);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(!imspec::apis().is_empty());
    for api in imspec::apis() {
        assert!(out.contains(api.info.id), "{}: {out}", api.info.id);
    }
}
