//! `imspec send` as a user runs it: outcome JSON naming every input item once, exit codes,
//! `--param`, the embedded emulator, and `--endpoint` against a running one.

mod common;

use common::{Emulator, imspec, rule_code};
use std::process::Output;

use serde_json::{Value, json};

fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

#[test]
fn the_readme_example_is_sent_to_the_embedded_emulator() {
    let o = imspec(&["send", "zego_zim/add_friends", "examples/requests/zego_add_friends_valid.json"], None);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        json_out(&o),
        json!({"calls": 1, "items": [{"user": "usera1", "outcome": "added"}, {"user": "usera2", "outcome": "added"}]})
    );
}

#[test]
fn invalid_items_are_named_and_the_exit_code_is_1() {
    let body = json!({"FromUserId": "me", "FriendInfos": [{"UserId": "ok"}, {"UserId": "me"}]}).to_string();
    let o = imspec(&["send", "zego_zim/add_friends", "-"], Some(&body));
    assert_eq!(o.status.code(), Some(1));
    let not_self =
        rule_code("zego_zim/add_friends", "FriendInfo", "UserId", |r| matches!(r, imspec_spec::Rule::NotEqual(_)));
    assert_eq!(
        json_out(&o),
        json!({"calls": 1, "items": [
            {"user": "ok", "outcome": "added"},
            {"user": "me", "outcome": "invalid", "code": not_self}
        ]})
    );
}

#[test]
fn easemob_takes_its_username_as_a_param_and_is_chunked() {
    let names: Vec<String> = (0..45).map(|i| format!("n{i}")).collect();
    let body = json!({ "usernames": names }).to_string();
    let o = imspec(&["send", "easemob/contacts_import", "--param", "username=alice"], Some(&body));
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let out = json_out(&o);
    assert_eq!(out["calls"], 5, "45 usernames at 10 per call; the token fetch is not a call");
    assert_eq!(out["items"].as_array().map(Vec::len), Some(45));
    // Without the username the request itself is invalid: nothing is sent.
    let o = imspec(&["send", "easemob/contacts_import"], Some(&body));
    assert_eq!(o.status.code(), Some(1));
    let out = json_out(&o);
    assert_eq!(out["calls"], 0);
    assert!(
        out["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|x| x["outcome"] == "invalid" && x["code"] == "illegal_argument"))
    );
}

#[test]
fn unreadable_input_or_config_exits_2() {
    let o = imspec(&["send", "zego_zim/add_friends", "-"], Some("{not json"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("standard input is not JSON"));
    let o = imspec(&["send", "zego_zim/add_friends", "--config", "no/such/file.toml", "-"], Some("{}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read no/such/file.toml"));
    let o = imspec(&["send", "zego_zim/add_friends", "--endpoint", "not a url", "-"], Some("{}"));
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn an_endpoint_is_used_instead_of_the_embedded_emulator() {
    let emulator = Emulator::start();
    let url = emulator.url().unwrap_or_default().to_owned();
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Cli"}]})
        .to_string();
    let o = imspec(&["send", "tencent_im/friend_add", "--endpoint", &url], Some(&body));
    let again = imspec(&["send", "tencent_im/friend_add", "--endpoint", &url], Some(&body));
    drop(emulator);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(json_out(&o), json!({"calls": 1, "items": [{"user": "b", "outcome": "added"}]}));
    // The same emulator kept the friend: a re-add is a success (Tencent documents no code for it).
    assert_eq!(json_out(&again)["items"][0]["outcome"], "added");
}

#[test]
fn a_request_refused_by_validation_exits_1_and_says_why() {
    for (body, why) in [
        ("{}", "$.FriendInfos: is required"),
        ("[]", "$: expected an object"),
        ("null", "$: expected an object"),
        (r#"{"FromUserId": "a"}"#, "$.FriendInfos: is required"),
        (r#"{"FromUserId": "a", "FriendInfos": []}"#, "no items in `FriendInfos`"),
    ] {
        let o = imspec(&["send", "zego_zim/add_friends", "-"], Some(body));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{body}: {stderr}");
        assert!(stderr.contains(why) && stderr.contains("nothing was sent"), "{body}: {stderr}");
        assert_eq!(json_out(&o), json!({"calls": 0, "items": []}), "{body}");
    }
    // An empty path parameter would name another resource: refused, not sent.
    let o = imspec(&["send", "easemob/contacts_import", "--param", "username=", "-"], Some(r#"{"usernames": ["b"]}"#));
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("params.username: must not be empty"));
}

#[test]
fn rust_log_shows_the_retries_and_a_lost_connection_its_reason() {
    // The embedded emulator answers the first attempt of this body with a 502 (seeded).
    let config = std::env::temp_dir().join(format!("imspec-send-faults-{}.toml", std::process::id()));
    let demo = include_str!("../../imspec-emulator/default.toml");
    std::fs::write(&config, format!("{demo}\n[emulator.faults]\nseed = 1\nhttp_error_rate = 0.5\n")).expect("config");
    let config = config.to_string_lossy().into_owned();
    let args = ["send", "zego_zim/add_friends", "examples/requests/zego_add_friends_valid.json", "--config", &config];
    let o = common::imspec_env(&args, None, &[("RUST_LOG", "debug")]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("HTTP 502 from the service") && stderr.contains("retrying"), "{stderr}");
    // Without RUST_LOG nothing is logged.
    let quiet = common::imspec_env(&args, None, &[]);
    assert_eq!(String::from_utf8_lossy(&quiet.stderr), "");

    // Nothing listens on this port: the items fail, and stderr says why in one line.
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("port").port();
    let url = format!("http://127.0.0.1:{port}");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}, {"UserId": "c"}]}).to_string();
    let o = common::imspec_env(&["send", "zego_zim/add_friends", "--endpoint", &url, "-"], Some(&body), &[]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr.starts_with("2 items failed: ") && stderr.contains("refused"), "{stderr}");
}

#[test]
fn an_unknown_section_or_key_of_the_config_is_an_error_with_the_nearest_name() {
    let demo = imspec_emulator::DEFAULT_CONFIG;
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    for (name, extra, says) in [
        (
            "section",
            "[pacingg]\nredis_url = \"redis://127.0.0.1:1\"\n",
            "unknown section `[pacingg]`; did you mean `[pacing]`?",
        ),
        (
            "pacing-key",
            "[pacing]\nredis_ur = \"redis://127.0.0.1:1\"\n",
            "[pacing] unknown key `redis_ur`; did you mean `redis_url`?",
        ),
        ("pacing-type", "[pacing]\nredis_url = 6379\n", "[pacing] `redis_url` must be a string"),
        ("pacing-url", "[pacing]\nredis_url = \"http://x\"\n", "[pacing] `redis_url`: `http://x` is not a Redis URL"),
    ] {
        let path = dir.join(format!("closed-{name}.toml"));
        std::fs::write(&path, format!("{demo}\n{extra}")).expect("write");
        let path = path.to_string_lossy().into_owned();
        let o = imspec(
            &["send", "zego_zim/add_friends", "--config", &path, "examples/requests/zego_add_friends_valid.json"],
            None,
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(&path) && stderr.contains(says), "{name}: {stderr}");
    }
    // A misspelt key of a vendor's section.
    let path = dir.join("closed-vendor.toml");
    std::fs::write(&path, demo.replace("server_secret =", "server_secrte =")).expect("write");
    let path = path.to_string_lossy().into_owned();
    let o = imspec(&["emulator", "--config", &path, "--listen", "127.0.0.1:0"], None);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("[zego_zim] unknown key `server_secrte`; did you mean `server_secret`?"), "{stderr}");
}
