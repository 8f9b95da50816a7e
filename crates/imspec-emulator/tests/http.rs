//! The emulator over real HTTP on loopback, driven by an independent client: every doc example,
//! each kind of bad credential, the documented limits, rate-limit bursts, re-adds, registration,
//! faults and the control API. Expected codes are the vendors' documented answers.

mod common;

use common::*;
use serde_json::{Value, json};

fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

/// The shape of a JSON value: object keys (recursively), array element shapes, scalar kinds.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(items) => match items.first() {
            Some(first) => json!([shape(first)]),
            None => json!([]),
        },
        Value::String(_) => json!("string"),
        Value::Number(_) => json!("number"),
        Value::Bool(_) => json!("bool"),
        Value::Null => json!("null"),
    }
}

/// Whether `ours` has the doc's shape: the same keys everywhere, the same kinds of values; an
/// empty array in either matches any array. Top-level keys in `optional` (lists the page sends
/// only when non-empty) may be absent from ours.
fn same_shape(doc: &Value, ours: &Value, optional: &[String]) -> bool {
    match (doc, ours) {
        (Value::Object(a), Value::Object(b)) => {
            b.keys().all(|k| a.contains_key(k))
                && a.iter().all(|(k, v)| match b.get(k) {
                    Some(w) => same_shape(v, w, &[]),
                    None => optional.contains(k),
                })
        }
        (Value::Array(a), Value::Array(b)) => a.is_empty() || b.is_empty() || same_shape(&a[0], &b[0], &[]),
        (a, b) => a == b,
    }
}

/// Whether every key of `ours` is in the doc, with a value of the same shape (arrays: their
/// first elements; an empty array matches any).
fn part_of(ours: &Value, doc: &Value) -> bool {
    match (ours, doc) {
        (Value::Object(a), Value::Object(b)) => a.iter().all(|(k, v)| b.get(k).is_some_and(|w| part_of(v, w))),
        (Value::Array(a), Value::Array(b)) => a.is_empty() || b.is_empty() || part_of(&a[0], &b[0]),
        (a, b) => a == b,
    }
}

#[tokio::test]
async fn every_doc_example_request_gets_an_answer_of_the_docs_shape() {
    let h = start("").await;
    let set = specs();
    let mut answered = 0;
    for api in set.apis() {
        let id = api.id();
        for (name, ex) in api.spec.examples.iter() {
            if ex.role.value != imspec_spec::ExampleRole::Request {
                continue;
            }
            let text = ex.erratum.as_ref().map(|e| &e.corrected.value).unwrap_or(&ex.body.value);
            let body: Value = serde_json::from_str(text).expect("corrected examples are JSON");
            let params: Vec<(String, String)> =
                ex.params.iter().map(|(k, v)| (k.value.to_string(), v.to_string())).collect();
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let (status, answer) = h.call_with(&id, &body, &params).await;
            assert_eq!(status, 200, "{id} `{}`: {answer}", name.value);
            // The doc's answer to this request, when the page shows one.
            let doc = api
                .spec
                .examples
                .iter()
                .find(|(_, r)| r.answers.as_ref().is_some_and(|a| a.value == name.value.to_string()));
            if let Some((_, doc)) = doc {
                let text = doc.erratum.as_ref().map(|e| &e.corrected.value).unwrap_or(&doc.body.value);
                let doc: Value = serde_json::from_str(text).expect("response examples are JSON");
                let optional: Vec<String> = api
                    .spec
                    .results
                    .iter()
                    .flat_map(|r| r.per_item.iter())
                    .flat_map(|p| [&p.failed_ids, &p.invalid_ids])
                    .flatten()
                    .filter(|l| !l.always)
                    .map(|l| l.field.value.clone())
                    .collect();
                // The add APIs answer every documented field. The other operations answer every
                // field they carry as documented, but not the echoes of stored user profiles
                // and of the request (uuid, created, nickname, uri, organization) the emulator
                // does not keep: for them, ours may be a part of the doc's shape.
                let whole = api.spec.operation.value == imspec_spec::Operation::Add;
                assert!(
                    if whole {
                        same_shape(&shape(&doc), &shape(&answer), &optional)
                    } else {
                        part_of(&shape(&answer), &shape(&doc))
                    },
                    "{id} `{}`: the answer's shape differs from the doc's\ndoc:  {}\nours: {}",
                    name.value,
                    shape(&doc),
                    shape(&answer)
                );
                answered += 1;
            }
        }
    }
    assert!(answered >= 6, "only {answered} doc answers compared");
}

#[tokio::test]
async fn a_doc_example_is_stored_with_every_field_it_carried() {
    let h = start("").await;
    let body = json!({
        "From_Account": "id",
        "AddFriendItem": [{
            "To_Account": "id1", "Remark": "remark1", "RemarkTime": 1466218016,
            "GroupName": ["friends"], "AddSource": "AddSource_Type_XXXXXXXX", "AddWording": "I'm Test1",
            "AddTime": 1466218016, "CustomItem": [{"Tag": "Tag_SNS_Custom_Test", "Value": "Test"}]
        }]
    });
    let (_, answer) = h.call("tencent_im/friend_import", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 0, "{answer}");
    let stored = h.get("/_emulator/friends/tencent_im/id").await;
    let mut expected = body["AddFriendItem"][0].clone();
    expected.as_object_mut().expect("object").remove("To_Account");
    assert_eq!(stored, json!({"user": "id", "friends": [{"id": "id1", "fields": expected}]}));
    // friend_import is one-way.
    assert_eq!(h.friends("tencent_im", "id1").await, Vec::<String>::new());
}

#[tokio::test]
async fn friend_add_follows_add_type() {
    let h = start("").await;
    let both = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web", "Remark": "bee"}]});
    h.call("tencent_im/friend_add", &both, None).await;
    assert_eq!(h.friends("tencent_im", "a").await, ["b"]);
    assert_eq!(h.friends("tencent_im", "b").await, ["a"]);
    let single = json!({"From_Account": "c", "AddType": "Add_Type_Single", "AddFriendItem": [{"To_Account": "d", "AddSource": "AddSource_Type_Web"}]});
    h.call("tencent_im/friend_add", &single, None).await;
    assert_eq!(h.friends("tencent_im", "c").await, ["d"]);
    assert_eq!(h.friends("tencent_im", "d").await, Vec::<String>::new());
    let stored = h.get("/_emulator/friends/tencent_im/a").await;
    assert_eq!(stored["friends"][0]["fields"], json!({"AddSource": "AddSource_Type_Web", "Remark": "bee"}));
}

#[tokio::test]
async fn tencent_credentials_are_checked_as_tencent_does() {
    let h = start("").await;
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web"}]})
        .to_string();
    let call = |query: String| {
        let h = &h;
        let body = body.clone();
        async move {
            let (status, answer) = h.post(&format!("/v4/sns/friend_add?{query}"), &[], &body).await;
            assert_eq!(status, 200, "Tencent answers HTTP 200: {answer}");
            (answer["ActionStatus"].clone(), answer["ErrorCode"].as_i64().unwrap_or(-1))
        }
    };
    assert_eq!(call(tencent_query(ADMIN, &usersig("admin"))).await, (json!("OK"), 0));
    let fail = json!("FAIL");
    assert_eq!(call(tencent_query(ADMIN, "not-a-usersig")).await, (fail.clone(), 70003));
    assert_eq!(call(tencent_query(ADMIN, &usersig("expired"))).await, (fail.clone(), 70001));
    assert_eq!(call(tencent_query(ADMIN, &usersig("wrong_key"))).await, (fail.clone(), 70009));
    assert_eq!(call(tencent_query(ADMIN, &usersig("alice"))).await, (fail.clone(), 70013));
    assert_eq!(call(tencent_query(ADMIN, &usersig("other_app"))).await, (fail.clone(), 70014));
    assert_eq!(call(tencent_query("alice", &usersig("alice"))).await, (fail.clone(), 60010));
    let unknown_app = tencent_query(ADMIN, &usersig("admin")).replace(&SDKAPPID.to_string(), "1400000009");
    assert_eq!(call(unknown_app).await, (fail.clone(), 70020));
    let no_sig = format!("sdkappid={SDKAPPID}&identifier={ADMIN}&random=1&contenttype=json");
    assert_eq!(call(no_sig).await, (fail.clone(), 60004));
    let no_app = format!("identifier={ADMIN}&usersig={}&random=1&contenttype=json", usersig("admin"));
    assert_eq!(call(no_app).await, (fail, 60012));
    // Nothing refused was stored.
    assert_eq!(h.friends("tencent_im", "a").await, ["b"]);
    assert_eq!(h.stats("tencent_im/friend_add").await, json!({"calls": 10, "rate_limited": 0, "rejected": 9}));
}

#[tokio::test]
async fn zego_credentials_are_checked_as_zego_does() {
    let h = start("").await;
    let next = std::sync::atomic::AtomicU32::new(0);
    let code = |query: String| {
        // A new friend each time, so that only the credentials decide the answer.
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": format!("b{n}")}]}).to_string();
        let h = &h;
        async move {
            let (status, answer) = h.post(&format!("/?{query}"), &[], &body).await;
            assert_eq!(status, 200, "{answer}");
            answer["Code"].as_i64().unwrap_or(-1)
        }
    };
    let now = unix_now();
    assert_eq!(code(zego_query_at(now)).await, 0);
    assert_eq!(code(zego_query_at(now - 601)).await, 100000004, "more than 10 minutes old");
    assert_eq!(code(zego_query_at(now + 601)).await, 100000004, "more than 10 minutes ahead");
    assert_eq!(code(zego_query_at(now - 590)).await, 0, "within the window");
    let good = zego_query_at(now);
    let sig = good.rsplit("Signature=").next().unwrap_or_default().to_owned();
    assert_eq!(code(good.replace(&sig, &"0".repeat(32))).await, 100000005);
    let other_secret = zego_signature(ZEGO_APP, "n", "another secret", now);
    let forged = format!(
        "Action=AddFriends&AppId={ZEGO_APP}&SignatureNonce=n&Timestamp={now}&SignatureVersion=2.0&Signature={other_secret}"
    );
    assert_eq!(code(forged).await, 100000005);
    // Each missing public parameter has its own documented code.
    for (param, expected) in [
        ("AppId", 100000001),
        ("SignatureNonce", 100000008),
        ("Timestamp", 100000002),
        ("SignatureVersion", 100000013),
        ("Signature", 100000009),
    ] {
        let query: Vec<&str> = good.split('&').filter(|p| !p.starts_with(&format!("{param}="))).collect();
        assert_eq!(code(query.join("&")).await, expected, "without {param}");
    }
    assert_eq!(code(good.replace("SignatureVersion=2.0", "SignatureVersion=1.0")).await, 100000014);
    assert_eq!(code(good.replace(&format!("Timestamp={now}"), "Timestamp=soon")).await, 100000003);
    assert_eq!(code(good.replace(&format!("AppId={ZEGO_APP}"), "AppId=99")).await, 100000001);
}

#[tokio::test]
async fn easemob_tokens_are_issued_and_checked() {
    let h = start("").await;
    let token_path = format!("/{ORG}/{APP}/token");
    let ask = |secret: &str, ttl: Option<Value>| {
        let mut body = json!({"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": secret});
        if let Some(ttl) = ttl {
            body["ttl"] = ttl;
        }
        body.to_string()
    };
    let (status, wrong) = h.post(&token_path, &[], &ask("nope", None)).await;
    assert_eq!((status, wrong["error"].as_str()), (400, Some("invalid_grant")), "{wrong}");
    for key in ["exception", "timestamp", "duration", "error_description"] {
        assert!(wrong.get(key).is_some(), "Easemob's error body carries `{key}`: {wrong}");
    }
    let (status, granted) = h.post(&token_path, &[], &ask(CLIENT_SECRET, Some(json!("1024000")))).await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["expires_in"], 1024000, "the page's examples send ttl as a string");
    assert!(granted["application"].is_string());
    let token = granted["access_token"].as_str().expect("token").to_owned();

    let path = format!("/{ORG}/{APP}/users/u1/contacts/import");
    let body = json!({"usernames": ["u2"]}).to_string();
    let call = |auth: Option<String>| {
        let (h, path, body) = (&h, path.clone(), body.clone());
        async move {
            let headers: Vec<(&str, &str)> = auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
            let (status, answer) = h.post(&path, &headers, &body).await;
            (status, answer["error"].as_str().unwrap_or("").to_owned())
        }
    };
    assert_eq!(call(Some(format!("Bearer {token}"))).await, (200, String::new()));
    assert_eq!(call(None).await, (401, "unauthorized".into()));
    // Forged: well-formed, but never issued (the last hex digit changed).
    let last = token.chars().last().unwrap_or('0');
    let forged = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
    assert_eq!(call(Some(format!("Bearer {forged}"))).await, (401, "unauthorized".into()), "forged");
    assert_eq!(call(Some("Bearer not a token".into())).await, (401, "auth_bad_access_token".into()));

    let (_, short) = h.post(&token_path, &[], &ask(CLIENT_SECRET, Some(json!(1)))).await;
    let short = short["access_token"].as_str().expect("token").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(call(Some(format!("Bearer {short}"))).await, (401, "unauthorized".into()), "expired");

    let (status, other) = h.post(&format!("/other-org/{APP}/token"), &[], &ask(CLIENT_SECRET, None)).await;
    assert_eq!((status, other["error"].as_str()), (404, Some("organization_application_not_found")));
    // Token fetches are not API calls.
    assert_eq!(h.stats("easemob/contacts_import").await["calls"], 5);
}

#[tokio::test]
async fn documented_limits_get_their_documented_codes() {
    let h = start("[emulator.friend_limits]\ntencent_im = 2\neasemob = 2\nzego_zim = 2\n").await;
    // ZEGO: more than 20 friends in one call.
    let many: Vec<Value> = (0..21).map(|i| json!({"UserId": format!("u{i}")})).collect();
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": many}), None).await;
    assert_eq!(answer["Code"], 660800019, "{answer}");
    // ZEGO: a long Wording fails its item only; the valid item is added.
    let items = json!([{"UserId": "ok1"}, {"UserId": "w", "Wording": "字".repeat(257)}]);
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": items}), None).await;
    assert_eq!(answer["Code"], 0);
    assert_eq!(answer["ErrorList"], json!([{"UserId": "w", "SubCode": 660800021}]));
    // ZEGO: the friend limit (2 here) fails the third friend.
    let items = json!([{"UserId": "ok2"}, {"UserId": "ok3"}]);
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": items}), None).await;
    assert_eq!(answer["ErrorList"], json!([{"UserId": "ok3", "SubCode": 660800028}]), "{answer}");
    assert_eq!(h.friends("zego_zim", "z").await, ["ok1", "ok2"]);

    // friend_import: over the friend limit per item; the groups limit (32) per item.
    let items: Vec<Value> =
        (0..3).map(|i| json!({"To_Account": format!("t{i}"), "AddSource": "AddSource_Type_Web"})).collect();
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "f", "AddFriendItem": items}), None).await;
    let codes: Vec<&Value> = answer["ResultItem"].as_array().expect("items").iter().map(|r| &r["ResultCode"]).collect();
    assert_eq!(codes, [&json!(0), &json!(0), &json!(30812)]);
    assert_eq!(answer["Fail_Account"], json!(["t2"]));
    assert_eq!(answer["Invalid_Account"], json!([]));
    let groups: Vec<String> = (0..33).map(|i| format!("g{i}")).collect();
    let item = json!({"To_Account": "t9", "GroupName": groups, "AddSource": "AddSource_Type_Web"});
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "g", "AddFriendItem": [item]}), None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 30813, "{answer}");
    assert_eq!(answer["Fail_Account"], json!(["t9"]));
    // A malformed item is refused as invalid, not failed.
    let item = json!({"To_Account": "t8", "AddSource": "NotAPrefix"});
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "g", "AddFriendItem": [item]}), None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 30801, "{answer}");
    assert_eq!((&answer["Invalid_Account"], &answer["Fail_Account"]), (&json!(["t8"]), &json!([])));

    // friend_add: the peer's friend limit.
    for who in ["p1", "p2"] {
        let b = json!({"From_Account": who, "AddFriendItem": [{"To_Account": "popular", "AddSource": "AddSource_Type_Web"}]});
        h.call("tencent_im/friend_add", &b, None).await;
    }
    let b =
        json!({"From_Account": "p3", "AddFriendItem": [{"To_Account": "popular", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &b, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 30014, "{answer}");
    assert_eq!(answer["Fail_Account"], json!(["popular"]));

    // Easemob: over the limit during an import is maxLimitFailed; already full is 403 exceed_limit.
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["e1", "e2", "e3"]}), Some("e")).await;
    assert_eq!(answer["data"]["success"], json!(["e1", "e2"]), "{answer}");
    assert_eq!(answer["data"]["maxLimitFailed"], json!(["e3"]));
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["e4"]}), Some("e")).await;
    assert_eq!((status, answer["error"].as_str()), (403, Some("exceed_limit")), "{answer}");
    let many: Vec<String> = (0..11).map(|i| format!("x{i}")).collect();
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": many}), Some("x")).await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("illegal_argument")), "{answer}");
}

#[tokio::test]
async fn rate_limit_bursts_get_each_vendors_rate_limit_answer() {
    // A frozen clock: the buckets refill only when the test advances it, so the counts below
    // are exact however the machine schedules the burst.
    let h = start("[emulator]\nfrozen_clock = true\n").await;
    // ZEGO allows 20 calls/s: a burst of 30 gets exactly 20 through.
    let body = json!({"FromUserId": "r", "FriendInfos": [{"UserId": "s"}]});
    let calls = (0..30).map(|_| h.call("zego_zim/add_friends", &body, None));
    let answers = futures_util::future::join_all(calls).await;
    let limited = answers.iter().filter(|(_, a)| a["Code"] == 660300005).count();
    let through = answers.iter().filter(|(_, a)| a["Code"] == 0 || a["Code"] == 660800027).count();
    assert_eq!((through, limited), (20, 10), "{answers:?}");
    assert_eq!(h.stats("zego_zim/add_friends").await["rate_limited"], 10);
    // Half a second refills half the bucket.
    let (status, _) = h.post("/_emulator/clock", &[], r#"{"advance_ms": 500}"#).await;
    assert_eq!(status, 200);
    let answers = futures_util::future::join_all((0..30).map(|_| h.call("zego_zim/add_friends", &body, None))).await;
    assert_eq!(answers.iter().filter(|(_, a)| a["Code"] == 660300005).count(), 20, "10 of 30 after 500 ms");

    // Easemob: HTTP 429 reach_limit past 100 calls/s.
    let token = h.token().await;
    let auth = format!("Bearer {token}");
    let path = format!("/{ORG}/{APP}/users/r/contacts/import");
    let body = json!({"usernames": ["s"]}).to_string();
    let headers = [("Authorization", auth.as_str())];
    let calls = (0..130).map(|_| h.post(&path, &headers, &body));
    let answers = futures_util::future::join_all(calls).await;
    let limited: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 429).map(|(_, a)| a).collect();
    assert_eq!(limited.len(), 30, "30 of 130 limited");
    assert!(limited.iter().all(|a| a["error"] == "reach_limit"));

    // Tencent: 60007 past 200 calls/s (friend_add).
    let body = json!({"From_Account": "r", "AddFriendItem": [{"To_Account": "s", "AddSource": "AddSource_Type_Web"}]});
    let calls = (0..240).map(|_| h.call("tencent_im/friend_add", &body, None));
    let answers = futures_util::future::join_all(calls).await;
    let limited = answers.iter().filter(|(_, a)| a["ErrorCode"] == 60007).count();
    assert_eq!(limited, 40, "40 of 240 limited");
}

#[tokio::test]
async fn rate_limits_can_be_switched_off() {
    let h = start("[emulator]\nrate_limits = \"off\"\n").await;
    let body = json!({"FromUserId": "r", "FriendInfos": [{"UserId": "s"}]});
    let answers = futures_util::future::join_all((0..60).map(|_| h.call("zego_zim/add_friends", &body, None))).await;
    assert!(answers.iter().all(|(_, a)| a["Code"] != 660300005));
    assert_eq!(h.stats("zego_zim/add_friends").await["rate_limited"], 0);
}

#[tokio::test]
async fn re_adds_are_answered_as_each_page_documents() {
    let h = start("").await;
    // ZEGO documents an already-friends code.
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    h.call("zego_zim/add_friends", &body, None).await;
    let (_, again) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(again["ErrorList"], json!([{"UserId": "b", "SubCode": 660800027}]));
    // Tencent documents none: a re-add succeeds and nothing is doubled.
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web"}]});
    h.call("tencent_im/friend_import", &body, None).await;
    let (_, again) = h.call("tencent_im/friend_import", &body, None).await;
    assert_eq!(again["ResultItem"][0]["ResultCode"], 0);
    assert_eq!(h.friends("tencent_im", "a").await, ["b"]);
    // Easemob: success again.
    h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("a")).await;
    let (_, again) = h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("a")).await;
    assert_eq!(again["data"]["success"], json!(["b"]));
    assert_eq!(h.friends("easemob", "a").await, ["b"]);
    assert_eq!(h.friends("easemob", "b").await, ["a"], "Easemob contacts are mutual");
}

#[tokio::test]
async fn without_auto_registration_unknown_users_get_the_documented_answers() {
    let h = start("[emulator]\nauto_register = false\n").await;
    let (status, _) = h.post("/_emulator/users/zego_zim", &[], &json!({"users": ["a", "b"]}).to_string()).await;
    assert_eq!(status, 200);
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}, {"UserId": "ghost"}]});
    let (_, answer) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(answer["Code"], 0, "partial success: {answer}");
    assert_eq!(answer["ErrorList"], json!([{"UserId": "ghost", "SubCode": 660700015}]));
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "ghost"}, {"UserId": "ghost2"}]});
    let (_, answer) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(answer["Code"], 660800025, "no target registered: {answer}");
    assert_eq!(answer["ErrorList"].as_array().map(Vec::len), Some(2));
    let body = json!({"FromUserId": "nobody", "FriendInfos": [{"UserId": "a"}]});
    assert_eq!(h.call("zego_zim/add_friends", &body, None).await.1["Code"], 660500002);

    let body =
        json!({"From_Account": "nobody", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    assert_eq!((answer["ActionStatus"].as_str(), answer["ErrorCode"].as_i64()), (Some("FAIL"), Some(30003)));
    h.post("/_emulator/users/tencent_im", &[], &json!({"users": ["a"]}).to_string()).await;
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 30003, "{answer}");
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_import", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 70107, "{answer}");

    h.post("/_emulator/users/easemob", &[], &json!({"users": ["a", "b"]}).to_string()).await;
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b", "ghost"]}), Some("a")).await;
    assert_eq!(answer["data"]["success"], json!(["b"]));
    assert_eq!(answer["data"]["NotExistFailed"], json!(["ghost"]));
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("nobody")).await;
    assert_eq!((status, answer["error"].as_str()), (404, Some("service_resource_not_found")));
}

#[tokio::test]
async fn bodies_that_are_not_json_get_the_vendors_parse_error() {
    let h = start("").await;
    let q = tencent_query(ADMIN, &usersig("admin"));
    let (_, answer) = h.post(&format!("/v4/sns/friend_add?{q}"), &[], "{not json").await;
    assert_eq!(answer["ErrorCode"], 60003);
    let token = h.token().await;
    let auth = format!("Bearer {token}");
    let (status, answer) =
        h.post(&format!("/{ORG}/{APP}/users/u/contacts/import"), &[("Authorization", &auth)], "[").await;
    assert_eq!((status, answer["error"].as_str()), (400, Some("json_parse")));
    let (_, answer) = h.post(&format!("/?{}", zego_query_at(unix_now())), &[], "nope").await;
    assert_eq!(answer["Code"], 660000002);
}

#[tokio::test]
async fn faults_are_injected_on_api_calls_only() {
    let h = start("[emulator.faults]\nseed = 7\nhttp_error_rate = 1.0\n").await;
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    let (status, _) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(status, 502);
    assert!(h.friends("zego_zim", "a").await.is_empty(), "a 502 does no work");
    h.token().await; // the token endpoint is never faulted (this asserts 200)

    let h = start("[emulator.faults]\nseed = 7\ndrop_after_apply_rate = 1.0\n").await;
    let resp = h.http.post(format!("{}/?{}", h.url, zego_query_at(unix_now()))).body(body.to_string()).send().await;
    let broken = match resp {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(broken, "the connection drops");
    assert_eq!(h.friends("zego_zim", "a").await, ["b"], "the work was done");

    let h = start("[emulator.faults]\nseed = 7\nitem_error_rate = 1.0\n").await;
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    let code = answer["ResultItem"][0]["ResultCode"].as_i64();
    assert!(matches!(code, Some(30006..=30008)), "friend_add's retryable codes: {answer}");
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("a")).await;
    assert_eq!(answer["data"]["UnKnowFailed"], json!(["b"]));
    // ZEGO documents no retryable item code: nothing to inject.
    let (_, answer) =
        h.call("zego_zim/add_friends", &json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]}), None).await;
    assert_eq!(answer["ErrorList"], json!([]));
}

#[tokio::test]
async fn faults_repeat_for_the_same_seed_and_bodies() {
    async fn run(seed: u64) -> Vec<u16> {
        let h = start(&format!(
            "[emulator]\nrate_limits = \"off\"\n[emulator.faults]\nseed = {seed}\nhttp_error_rate = 0.5\n"
        ))
        .await;
        let mut statuses = Vec::new();
        for i in 0..8 {
            let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": format!("b{}", i % 3)}]});
            statuses.push(h.call("zego_zim/add_friends", &body, None).await.0);
        }
        statuses
    }
    let first = run(7).await;
    assert_eq!(first, run(7).await);
    assert!(first.contains(&502) && first.contains(&200), "{first:?}");
    assert_ne!(first, run(8).await);
}

#[tokio::test]
async fn the_control_api_resets_and_reports() {
    let h = start("").await;
    h.call(
        "zego_zim/add_friends",
        &json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b", "FriendAlias": "bee"}]}),
        None,
    )
    .await;
    let stored = h.get("/_emulator/friends/zego_zim/a").await;
    assert_eq!(stored, json!({"user": "a", "friends": [{"id": "b", "fields": {"FriendAlias": "bee"}}]}));
    assert_eq!(h.stats("zego_zim/add_friends").await, json!({"calls": 1, "rate_limited": 0, "rejected": 0}));
    let instance = h.get("/_emulator/instance").await["instance"].as_str().expect("an instance id").to_owned();
    assert_eq!(instance.len(), 32, "128 random bits: {instance}");
    assert_eq!(h.get("/_emulator/instance").await["instance"], instance.as_str(), "stable while it lives");
    assert_ne!(start("").await.get("/_emulator/instance").await["instance"], instance.as_str(), "another start");
    let (status, answer) = h.post("/_emulator/reset", &[], "").await;
    assert_eq!(status, 200);
    let after = h.get("/_emulator/instance").await["instance"].clone();
    assert_eq!(answer["instance"], after, "the reset answers the new id");
    assert_ne!(after, instance.as_str(), "a reset service is another instance: what it held is gone");
    assert!(h.friends("zego_zim", "a").await.is_empty());
    assert_eq!(h.stats("zego_zim/add_friends").await["calls"], 0);
    let (status, answer) = h.post("/_emulator/users/nowhere", &[], "{}").await;
    assert_eq!(status, 404, "{answer}");
}

#[tokio::test]
async fn per_api_rate_overrides_and_added_latency() {
    let h = start(
        "[emulator]\nlatency_ms = 120\nfrozen_clock = true\n[emulator.rate_limits]\n\"zego_zim/add_friends\" = 2\n",
    )
    .await;
    let started = std::time::Instant::now();
    let answers = futures_util::future::join_all((0..5).map(|i| {
        let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": format!("b{i}")}]});
        let h = &h;
        async move { h.call("zego_zim/add_friends", &body, None).await }
    }))
    .await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(120), "the latency is added");
    let limited = answers.iter().filter(|(_, a)| a["Code"] == 660300005).count();
    // A bucket of 2 (the clock is frozen: no refill during the burst): 3 of 5 are refused.
    assert_eq!(limited, 3, "{answers:?}");
    // Other APIs keep their documented rate.
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web"}]});
    let answers = futures_util::future::join_all((0..5).map(|_| h.call("tencent_im/friend_add", &body, None))).await;
    assert!(answers.iter().all(|(_, a)| a["ErrorCode"] == 0));
    // An override naming no API is a configuration error.
    let bad = imspec_emulator::Emulator::new(&config("[emulator.rate_limits]\n\"zego_zim/add_friend\" = 2\n"));
    assert!(bad.expect_err("unknown API").to_string().contains("no API `zego_zim/add_friend`"));
}

#[tokio::test]
async fn a_target_who_confirms_gets_a_pending_request_unless_forced() {
    let h = start("").await;
    let (status, _) =
        h.post("/_emulator/users/tencent_im", &[], &json!({"users": ["shy"], "confirm": true}).to_string()).await;
    assert_eq!(status, 200);
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "shy", "AddSource": "AddSource_Type_Web", "AddWording": "hi"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 30539, "{answer}");
    assert!(answer.get("Fail_Account").is_none(), "pending is a success of another kind: {answer}");
    let held = h.get("/_emulator/friends/tencent_im/a").await;
    assert_eq!(held["friends"], json!([]));
    assert_eq!(
        held["pending"],
        json!([{"id": "shy", "fields": {"AddSource": "AddSource_Type_Web", "AddWording": "hi"}}])
    );
    // The administrator's ForceAddFlags = 1 adds without confirmation.
    let mut forced = body.clone();
    forced["ForceAddFlags"] = json!(1);
    let (_, answer) = h.call("tencent_im/friend_add", &forced, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 0, "{answer}");
    assert_eq!(h.friends("tencent_im", "a").await, ["shy"]);
}

/// FNV-1a, as the emulator's first token scheme used it.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

#[tokio::test]
async fn tokens_cannot_be_forged_from_the_app_the_clock_or_a_counter() {
    let h = start("").await;
    let token = h.token().await;
    let other = h.token().await;
    // 48 hex digits of randomness each; two tokens share nothing but the prefix.
    assert_eq!((token.len(), &token[..4]), (4 + 48, "YWMt"));
    assert_ne!(token[4..20], other[4..20]);
    // The old scheme: YWMt + hex(fnv(app#org) XOR unix seconds) + hex(counter * a constant).
    // A forger who knows it, the app and the clock tries every nearby second and counter.
    let path = format!("/{ORG}/{APP}/users/r/contacts/import");
    let body = json!({"usernames": ["victim"]}).to_string();
    let now = common::unix_now();
    let mut statuses = std::collections::BTreeSet::new();
    for app in [format!("{APP}#{ORG}"), format!("{ORG}#{APP}")] {
        for second in now - 3..=now + 1 {
            for n in 0u64..8 {
                let forged = format!(
                    "YWMt{:016x}{:016x}",
                    fnv(app.as_bytes()) ^ second as u64,
                    n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
                );
                let (status, _) = h.post(&path, &[("Authorization", &format!("Bearer {forged}"))], &body).await;
                statuses.insert(status);
            }
        }
    }
    assert_eq!(statuses.into_iter().collect::<Vec<_>>(), [401], "every forged token is refused");
    assert!(h.friends("easemob", "r").await.is_empty(), "no forged call added a friend");
    // A real token with one digit of its secret part changed is refused too.
    let last = token.chars().last().unwrap_or('0');
    let forged = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
    let (status, _) = h.post(&path, &[("Authorization", &format!("Bearer {forged}"))], &body).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn the_control_api_answers_only_its_own_origin() {
    let h = start("").await;
    let port = h.url.rsplit(':').next().unwrap_or_default().to_owned();
    let evil = [("Origin", "http://evil.example")];
    let (status, answer) = h.post("/_emulator/reset", &evil, "").await;
    assert_eq!(status, 403, "a page elsewhere cannot reset it: {answer}");
    let rebound = format!("evil.example:{port}");
    let (status, _) = h.post("/_emulator/reset", &[("Host", &rebound)], "").await;
    assert_eq!(status, 403, "nor a rebound host name");
    let own = format!("http://localhost:{port}");
    let (status, _) = h.post("/_emulator/reset", &[("Origin", &own)], "").await;
    assert_eq!(status, 200, "its own origin may");
    let (status, _) = h.post("/_emulator/reset", &[], "").await;
    assert_eq!(status, 200, "and a client that sends no Origin");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let h = start("[emulator]\nheader_timeout_ms = 200\n").await;
    let addr = h.url.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"POST /_emulator/reset HTTP/1.1\r\nHost: x\r\n").await.expect("write");
    // The emulator closes the connection once its header timeout passes; the bound here only
    // keeps a broken build from hanging the suite.
    let mut buf = [0u8; 256];
    let bound = std::time::Duration::from_secs(30);
    let read = tokio::time::timeout(bound, slow.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(_)) | Ok(Err(_))), "still open after {bound:?}");
    // Meanwhile the emulator served others.
    assert_eq!(h.stats("zego_zim/add_friends").await["calls"], 0);
}

#[tokio::test]
async fn a_huge_body_is_answered_with_the_batch_code_first() {
    let h = start("").await;
    let friends: Vec<Value> = (0..20_000).map(|i| json!({"UserId": format!("u{}", i % 10_000)})).collect();
    let body = json!({"FromUserId": "r", "FriendInfos": friends});
    let (_, answer) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(answer["Code"], 660800019, "{answer}");
    assert!(h.friends("zego_zim", "r").await.is_empty());
}
