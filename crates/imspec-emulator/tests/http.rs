//! The emulator over real HTTP on loopback, driven by an independent client: every doc example,
//! each kind of bad credential, the documented limits, rate-limit bursts, re-adds, registration,
//! faults and the control API. Expected codes are the vendors' documented answers.

mod common;

use common::*;
use serde_json::{Value, json};

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
            let body = example_json(api, ex);
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
                let doc = example_json(api, doc);
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
    // Every response example the pages pair with a request was compared.
    let paired = set.apis().iter().flat_map(|a| a.spec.examples.iter()).filter(|(_, r)| r.answers.is_some()).count();
    assert!(paired > 0, "the pages pair no response with a request");
    assert_eq!(answered, paired, "doc answers compared");
}

#[tokio::test]
async fn a_doc_example_is_stored_with_every_field_it_carried() {
    let h = start("").await;
    // The page's fullest request (2.6.2 完整形式), as its spec's erratum corrects it.
    let set = specs();
    let api = set.api("tencent_im/friend_import").expect("friend_import's spec");
    let body = example_json(api, api.spec.examples.get("request_full").expect("the full example"));
    let (_, answer) = h.call("tencent_im/friend_import", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], 0, "{answer}");
    let (from, to) = (body["From_Account"].as_str().expect("a requester"), &body["AddFriendItem"][0]["To_Account"]);
    let stored = h.get(&format!("/_emulator/friends/tencent_im/{from}")).await;
    let mut expected = body["AddFriendItem"][0].clone();
    expected.as_object_mut().expect("object").remove("To_Account");
    assert_eq!(stored, json!({"user": from, "friends": [{"id": to, "fields": expected}]}));
    // friend_import is one-way.
    assert_eq!(h.friends("tencent_im", to.as_str().expect("a target")).await, Vec::<String>::new());
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
            (answer["ActionStatus"].clone(), answer["ErrorCode"].clone())
        }
    };
    let r = refusals("tencent_im");
    assert_eq!(call(tencent_query(ADMIN, &usersig("admin"))).await, (json!("OK"), json!(0)));
    let fail = |fact: &Option<imspec_runtime::Code>, what: &str| (json!("FAIL"), code(fact, what));
    assert_eq!(call(tencent_query(ADMIN, "not-a-usersig")).await, fail(&r.undecodable, "an undecodable UserSig"));
    assert_eq!(call(tencent_query(ADMIN, &usersig("expired"))).await, fail(&r.expired, "an expired UserSig"));
    assert_eq!(call(tencent_query(ADMIN, &usersig("wrong_key"))).await, fail(&r.bad_signature, "a bad signature"));
    let mismatch = fail(&r.identifier_mismatch, "another identifier's UserSig");
    assert_eq!(call(tencent_query(ADMIN, &usersig("alice"))).await, mismatch);
    assert_eq!(call(tencent_query(ADMIN, &usersig("other_app"))).await, fail(&r.app_mismatch, "another app's UserSig"));
    assert_eq!(call(tencent_query("alice", &usersig("alice"))).await, fail(&r.not_admin, "a non-administrator"));
    let unknown_app = tencent_query(ADMIN, &usersig("admin")).replace(&SDKAPPID.to_string(), "1400000009");
    assert_eq!(call(unknown_app).await, fail(&r.unknown_app, "an unknown app"));
    let missing = |role: &str| fail(&r.missing(role).cloned(), role);
    let no_sig = format!("sdkappid={SDKAPPID}&identifier={ADMIN}&random=1&contenttype=json");
    assert_eq!(call(no_sig).await, missing("signature"));
    let no_app = format!("identifier={ADMIN}&usersig={}&random=1&contenttype=json", usersig("admin"));
    assert_eq!(call(no_app).await, missing("app_id"));
    // Nothing refused was stored.
    assert_eq!(h.friends("tencent_im", "a").await, ["b"]);
    assert_eq!(h.stats("tencent_im/friend_add").await, json!({"calls": 10, "rate_limited": 0, "rejected": 9}));
}

#[tokio::test]
async fn zego_credentials_are_checked_as_zego_does() {
    let h = start("").await;
    let next = std::sync::atomic::AtomicU32::new(0);
    let code_of = |query: String| {
        // A new friend each time, so that only the credentials decide the answer.
        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": format!("b{n}")}]}).to_string();
        let h = &h;
        async move {
            let (status, answer) = h.post(&format!("/?{query}"), &[], &body).await;
            assert_eq!(status, 200, "{answer}");
            answer["Code"].clone()
        }
    };
    let r = refusals("zego_zim");
    // The window a timestamp may be off by (the spec's `zego_md5` parameter).
    let auth = info("zego_zim/add_friends").vendor.auth;
    let skew = auth.count("max_skew_seconds").expect("ZEGO signs with md5") as i64;
    let now = unix_now();
    assert_eq!(code_of(zego_query_at(now)).await, 0);
    let expired = code(&r.expired, "a timestamp outside the window");
    assert_eq!(code_of(zego_query_at(now - skew - 1)).await, expired, "older than the window");
    assert_eq!(code_of(zego_query_at(now + skew + 1)).await, expired, "ahead of the window");
    assert_eq!(code_of(zego_query_at(now - skew + 10)).await, 0, "within the window");
    let good = zego_query_at(now);
    let sig = good.rsplit("Signature=").next().unwrap_or_default().to_owned();
    let bad_signature = code(&r.bad_signature, "a bad signature");
    assert_eq!(code_of(good.replace(&sig, &"0".repeat(32))).await, bad_signature);
    let other_secret = zego_signature(ZEGO_APP, "n", "another secret", now);
    let forged = format!(
        "Action=AddFriends&AppId={ZEGO_APP}&SignatureNonce=n&Timestamp={now}&SignatureVersion=2.0&Signature={other_secret}"
    );
    assert_eq!(code_of(forged).await, bad_signature);
    // Each missing public parameter has its own documented code.
    assert!(!r.missing.is_empty());
    for (role, expected) in r.missing {
        // Each credential role is carried by the query parameter the spec's `<role>_param` names.
        let param = auth.text(&format!("{role}_param")).unwrap_or_else(|e| panic!("ZEGO's signature: {e}"));
        let query: Vec<&str> = good.split('&').filter(|p| !p.starts_with(&format!("{param}="))).collect();
        assert_eq!(code_of(query.join("&")).await, expected.to_json(), "without {param}");
    }
    let unsupported = code(&r.unsupported_version, "another signature version");
    assert_eq!(code_of(good.replace("SignatureVersion=2.0", "SignatureVersion=1.0")).await, unsupported);
    let bad_timestamp = code(&r.bad_timestamp, "a timestamp that is no number");
    assert_eq!(code_of(good.replace(&format!("Timestamp={now}"), "Timestamp=soon")).await, bad_timestamp);
    let unknown_app = code(&r.unknown_app, "an unknown app");
    assert_eq!(code_of(good.replace(&format!("AppId={ZEGO_APP}"), "AppId=99")).await, unknown_app);
}

/// NetEase signs with four headers. A call whose CheckSum the test's own oracle made from the
/// page's formula is accepted; a wrong secret, a CurTime outside the window, a bad CurTime or
/// a missing header is refused with the code the spec records.
#[tokio::test]
async fn netease_checksums_are_checked_as_netease_does() {
    let h = start("").await;
    let api = info("netease_yunxin/friend_add");
    let auth = api.vendor.auth;
    let header = |role: &str| auth.text(&format!("{role}_header")).unwrap_or_else(|e| panic!("NetEase's headers: {e}"));
    let skew = auth.count("max_skew_seconds").expect("a window") as i64;
    let r = refusals("netease_yunxin");
    let now = unix_now();
    // (secret, CurTime) of each call, and the headers it leaves out. The times are a minute
    // inside or outside the window, so the oracle's and the calls' own time cannot move one
    // across its edge on a busy machine.
    let margin = 60;
    let calls: [(&str, i64, &str); 6] = [
        (NETEASE_SECRET, now, ""),
        (NETEASE_SECRET, now - skew + margin, ""),
        ("another secret", now, ""),
        (NETEASE_SECRET, now - skew - margin, ""),
        (NETEASE_SECRET, now + skew + margin, ""),
        (NETEASE_SECRET, now, "nonce"),
    ];
    let nonces: Vec<String> = (0..calls.len()).map(|i| format!("nonce{i}")).collect();
    let sums = netease_checksums(
        &calls.iter().zip(&nonces).map(|((secret, t, _), n)| (*secret, n.as_str(), *t)).collect::<Vec<_>>(),
    );
    let mut codes = Vec::new();
    for (i, ((_, cur_time, without), sum)) in calls.iter().zip(&sums).enumerate() {
        let cur_time = cur_time.to_string();
        let all = [
            (header("app_key"), NETEASE_KEY, "app_key"),
            (header("nonce"), nonces[i].as_str(), "nonce"),
            (header("time"), cur_time.as_str(), "time"),
            (header("checksum"), sum.as_str(), "checksum"),
        ];
        let headers: Vec<(&str, &str)> =
            all.iter().filter(|(_, _, r)| r != without).map(|(h, v, _)| (*h, *v)).collect();
        // A new friend each time, so that only the credentials decide the answer.
        let body = format!("accid=a&faccid=b{i}&type=1");
        let (status, answer) = h.post_as(api.path, api.content_type, &headers, &body).await;
        assert_eq!(status, 200, "{answer}");
        codes.push(answer[api.envelope.code].clone());
    }
    let ok = api.envelope.ok.as_ref().expect("a success code").to_json();
    let expired = code(&r.expired, "a CurTime outside the window");
    let bad = code(&r.bad_signature, "a bad CheckSum");
    let missing = code(&r.missing.iter().find(|(role, _)| *role == "nonce").map(|(_, c)| c.clone()), "no nonce");
    assert_eq!(codes, [ok.clone(), ok, bad, expired.clone(), expired, missing]);
    // A CurTime that is no number.
    let sum = &netease_checksums(&[(NETEASE_SECRET, "n", 0)])[0];
    let headers =
        [(header("app_key"), NETEASE_KEY), (header("nonce"), "n"), (header("time"), "soon"), (header("checksum"), sum)];
    let (_, answer) = h.post_as(api.path, api.content_type, &headers, "accid=a&faccid=c&type=1").await;
    assert_eq!(answer[api.envelope.code], code(&r.bad_timestamp, "a CurTime that is no number"));
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
    let r = refusals("easemob");
    let (status, wrong) = h.post(&token_path, &[], &ask("nope", None)).await;
    assert_eq!((status, &wrong["error"]), (400, &code(&r.bad_credentials, "a wrong secret")), "{wrong}");
    for key in ["exception", "timestamp", "duration", "error_description"] {
        assert!(wrong.get(key).is_some(), "Easemob's error body carries `{key}`: {wrong}");
    }
    // Any ttl, sent as a string the way the token page's examples send theirs (the note in
    // specs/easemob/vendor.yaml quotes one).
    let ttl = 1_024_000;
    let (status, granted) = h.post(&token_path, &[], &ask(CLIENT_SECRET, Some(json!(ttl.to_string())))).await;
    assert_eq!(status, 200, "{granted}");
    assert_eq!(granted["expires_in"], ttl, "a ttl sent as a string is read");
    assert!(granted["application"].is_string());
    let token = granted["access_token"].as_str().expect("token").to_owned();

    let path = format!("/{ORG}/{APP}/users/u1/contacts/import");
    let body = json!({"usernames": ["u2"]}).to_string();
    let call = |auth: Option<String>| {
        let (h, path, body) = (&h, path.clone(), body.clone());
        async move {
            let headers: Vec<(&str, &str)> = auth.as_deref().map(|a| vec![("Authorization", a)]).unwrap_or_default();
            let (status, answer) = h.post(&path, &headers, &body).await;
            (status, answer["error"].clone())
        }
    };
    assert_eq!(call(Some(format!("Bearer {token}"))).await, (200, Value::Null));
    let missing = r.missing("token").map(imspec_runtime::Code::to_json).expect("a code for no token");
    assert_eq!(call(None).await, (401, missing));
    // Forged: well-formed, but never issued (the last hex digit changed).
    let last = token.chars().last().unwrap_or('0');
    let forged = format!("{}{}", &token[..token.len() - 1], if last == '0' { '1' } else { '0' });
    let bad_signature = code(&r.bad_signature, "a token never issued");
    assert_eq!(call(Some(format!("Bearer {forged}"))).await, (401, bad_signature), "forged");
    let undecodable = code(&r.undecodable, "a token that is none");
    assert_eq!(call(Some("Bearer not a token".into())).await, (401, undecodable));

    let (_, short) = h.post(&token_path, &[], &ask(CLIENT_SECRET, Some(json!(1)))).await;
    let short = short["access_token"].as_str().expect("token").to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(call(Some(format!("Bearer {short}"))).await, (401, code(&r.expired, "an expired token")), "expired");

    let (status, other) = h.post(&format!("/other-org/{APP}/token"), &[], &ask(CLIENT_SECRET, None)).await;
    assert_eq!((status, &other["error"]), (404, &code(&r.unknown_app, "an unknown org or app")));
    // Token fetches are not API calls.
    assert_eq!(h.stats("easemob/contacts_import").await["calls"], 5);
}

#[tokio::test]
async fn documented_limits_get_their_documented_codes() {
    let h = start("[emulator.friend_limits]\ntencent_im = 2\neasemob = 2\nzego_zim = 2\n").await;
    // ZEGO: one friend more than a call may carry.
    let (max, over) = batch("zego_zim/add_friends");
    let many: Vec<Value> = (0..=max).map(|i| json!({"UserId": format!("u{i}")})).collect();
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": many}), None).await;
    assert_eq!(answer["Code"], over, "{answer}");
    // ZEGO: a long Wording fails its item only; the valid item is added.
    let (longest, too_long) = max_len("zego_zim/add_friends", "FriendInfo", "Wording");
    let items = json!([{"UserId": "ok1"}, {"UserId": "w", "Wording": "字".repeat(longest + 1)}]);
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": items}), None).await;
    assert_eq!(answer["Code"], 0);
    assert_eq!(answer["ErrorList"], json!([{"UserId": "w", "SubCode": too_long}]));
    // ZEGO: the friend limit (2 here) fails the third friend.
    let full = |api: &str| info(api).state.friends_per_user.as_ref().expect("a friend limit").code.to_json();
    let items = json!([{"UserId": "ok2"}, {"UserId": "ok3"}]);
    let (_, answer) = h.call("zego_zim/add_friends", &json!({"FromUserId": "z", "FriendInfos": items}), None).await;
    assert_eq!(answer["ErrorList"], json!([{"UserId": "ok3", "SubCode": full("zego_zim/add_friends")}]), "{answer}");
    assert_eq!(h.friends("zego_zim", "z").await, ["ok1", "ok2"]);

    // friend_import: over the friend limit per item; the groups limit per item.
    let import = info("tencent_im/friend_import");
    let items: Vec<Value> =
        (0..3).map(|i| json!({"To_Account": format!("t{i}"), "AddSource": "AddSource_Type_Web"})).collect();
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "f", "AddFriendItem": items}), None).await;
    let codes: Vec<&Value> = answer["ResultItem"].as_array().expect("items").iter().map(|r| &r["ResultCode"]).collect();
    assert_eq!(codes, [&json!(0), &json!(0), &full("tencent_im/friend_import")]);
    assert_eq!(answer["Fail_Account"], json!(["t2"]));
    assert_eq!(answer["Invalid_Account"], json!([]));
    let groups_limit = import.state.groups_per_user.as_ref().expect("a groups limit");
    let most = groups_limit.max.expect("the groups limit's value");
    let groups: Vec<String> = (0..=most).map(|i| format!("g{i}")).collect();
    let item = json!({"To_Account": "t9", "GroupName": groups, "AddSource": "AddSource_Type_Web"});
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "g", "AddFriendItem": [item]}), None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], groups_limit.code.to_json(), "{answer}");
    assert_eq!(answer["Fail_Account"], json!(["t9"]));
    // A malformed item is refused as invalid, not failed.
    let malformed = rule_code("tencent_im/friend_import", "ImportFriendItem", "AddSource", |r| {
        matches!(r, imspec_spec::Rule::Prefix { .. })
    });
    let item = json!({"To_Account": "t8", "AddSource": "NotAPrefix"});
    let (_, answer) =
        h.call("tencent_im/friend_import", &json!({"From_Account": "g", "AddFriendItem": [item]}), None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], malformed, "{answer}");
    assert_eq!((&answer["Invalid_Account"], &answer["Fail_Account"]), (&json!(["t8"]), &json!([])));

    // friend_add: the peer's friend limit.
    for who in ["p1", "p2"] {
        let b = json!({"From_Account": who, "AddFriendItem": [{"To_Account": "popular", "AddSource": "AddSource_Type_Web"}]});
        h.call("tencent_im/friend_add", &b, None).await;
    }
    let b =
        json!({"From_Account": "p3", "AddFriendItem": [{"To_Account": "popular", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &b, None).await;
    let peer_full = info("tencent_im/friend_add").state.peer_friends_per_user.as_ref().expect("a peer friend limit");
    assert_eq!(answer["ResultItem"][0]["ResultCode"], peer_full.code.to_json(), "{answer}");
    assert_eq!(answer["Fail_Account"], json!(["popular"]));

    // Easemob: over the limit during an import is its list of the limit's code (maxLimitFailed);
    // already full is 403 with the limit's whole-call code (exceed_limit).
    let limit = info("easemob/contacts_import").state.friends_per_user.as_ref().expect("a friend limit");
    let listed = limit.code.to_string();
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["e1", "e2", "e3"]}), Some("e")).await;
    assert_eq!(answer["data"]["success"], json!(["e1", "e2"]), "{answer}");
    assert_eq!(answer["data"][listed.as_str()], json!(["e3"]));
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["e4"]}), Some("e")).await;
    assert_eq!((status, &answer["error"]), (403, &code(&limit.full_code, "a full contact list")), "{answer}");
    let (max, over) = batch("easemob/contacts_import");
    let many: Vec<String> = (0..=max).map(|i| format!("x{i}")).collect();
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": many}), Some("x")).await;
    assert_eq!((status, &answer["error"]), (400, &over), "{answer}");
}

#[tokio::test]
async fn rate_limit_bursts_get_each_vendors_rate_limit_answer() {
    // A frozen clock: the buckets refill only when the test advances it, so the counts below
    // are exact however the machine schedules the burst.
    let h = start("[emulator]\nfrozen_clock = true\n").await;
    // A burst of the documented rate and half again gets exactly the rate through.
    let burst = |rate: usize| rate + rate / 2;
    // ZEGO: a friend added again is answered as already friends, and went through.
    let (per_second, limited_code) = rate("zego_zim/add_friends");
    let again = code(&relation("zego_zim/add_friends").already_friends, "a re-add");
    let body = json!({"FromUserId": "r", "FriendInfos": [{"UserId": "s"}]});
    let calls = (0..burst(per_second)).map(|_| h.call("zego_zim/add_friends", &body, None));
    let answers = futures_util::future::join_all(calls).await;
    let limited = answers.iter().filter(|(_, a)| a["Code"] == limited_code).count();
    let through = answers.iter().filter(|(_, a)| a["Code"] == 0 || a["Code"] == again).count();
    assert_eq!((through, limited), (per_second, burst(per_second) - per_second), "{answers:?}");
    assert_eq!(h.stats("zego_zim/add_friends").await["rate_limited"], burst(per_second) - per_second);
    // Half a second refills half the bucket.
    let (status, _) = h.post("/_emulator/clock", &[], r#"{"advance_ms": 500}"#).await;
    assert_eq!(status, 200);
    let answers =
        futures_util::future::join_all((0..burst(per_second)).map(|_| h.call("zego_zim/add_friends", &body, None)))
            .await;
    let limited = answers.iter().filter(|(_, a)| a["Code"] == limited_code).count();
    assert_eq!(limited, burst(per_second) - per_second / 2, "half the rate through after 500 ms");

    // Easemob: HTTP 429 with the rate's code past the documented rate.
    let (per_second, limited_code) = rate("easemob/contacts_import");
    let token = h.token().await;
    let auth = format!("Bearer {token}");
    let path = format!("/{ORG}/{APP}/users/r/contacts/import");
    let body = json!({"usernames": ["s"]}).to_string();
    let headers = [("Authorization", auth.as_str())];
    let calls = (0..burst(per_second)).map(|_| h.post(&path, &headers, &body));
    let answers = futures_util::future::join_all(calls).await;
    let limited: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 429).map(|(_, a)| a).collect();
    assert_eq!(limited.len(), burst(per_second) - per_second, "all but the rate limited");
    assert!(limited.iter().all(|a| a["error"] == limited_code));

    // Tencent: the rate's code past the documented rate (friend_add).
    let (per_second, limited_code) = rate("tencent_im/friend_add");
    let body = json!({"From_Account": "r", "AddFriendItem": [{"To_Account": "s", "AddSource": "AddSource_Type_Web"}]});
    let calls = (0..burst(per_second)).map(|_| h.call("tencent_im/friend_add", &body, None));
    let answers = futures_util::future::join_all(calls).await;
    let limited = answers.iter().filter(|(_, a)| a["ErrorCode"] == limited_code).count();
    assert_eq!(limited, burst(per_second) - per_second, "all but the rate limited");
}

#[tokio::test]
async fn rate_limits_can_be_switched_off() {
    let h = start("[emulator]\nrate_limits = \"off\"\n").await;
    let (per_second, limited_code) = rate("zego_zim/add_friends");
    let body = json!({"FromUserId": "r", "FriendInfos": [{"UserId": "s"}]});
    let calls = (0..3 * per_second).map(|_| h.call("zego_zim/add_friends", &body, None));
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(|(_, a)| a["Code"] != limited_code));
    assert_eq!(h.stats("zego_zim/add_friends").await["rate_limited"], 0);
}

#[tokio::test]
async fn re_adds_are_answered_as_each_page_documents() {
    let h = start("").await;
    // ZEGO documents an already-friends code.
    let already = code(&relation("zego_zim/add_friends").already_friends, "a re-add");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    h.call("zego_zim/add_friends", &body, None).await;
    let (_, again) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(again["ErrorList"], json!([{"UserId": "b", "SubCode": already}]));
    // Tencent documents none: a re-add succeeds and nothing is doubled.
    assert_eq!(relation("tencent_im/friend_import").already_friends, None);
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_Web"}]});
    h.call("tencent_im/friend_import", &body, None).await;
    let (_, again) = h.call("tencent_im/friend_import", &body, None).await;
    assert_eq!(again["ResultItem"][0]["ResultCode"], 0);
    assert_eq!(h.friends("tencent_im", "a").await, ["b"]);
    // Easemob: success again.
    assert_eq!(relation("easemob/contacts_import").already_friends, None);
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
    let zego = relation("zego_zim/add_friends");
    let unknown = zego.unknown_user.as_ref().expect("a code for an unknown user");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}, {"UserId": "ghost"}]});
    let (_, answer) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(answer["Code"], 0, "partial success: {answer}");
    assert_eq!(answer["ErrorList"], json!([{"UserId": "ghost", "SubCode": unknown.to_json()}]));
    // When every item fails with the same code, the call's code is the one the spec pairs with it.
    let all_failed =
        info("zego_zim/add_friends").answer.all_failed.into_iter().flatten().find(|(item, _)| item == unknown);
    let (_, none_registered) = all_failed.expect("a call code for no target registered");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "ghost"}, {"UserId": "ghost2"}]});
    let (_, answer) = h.call("zego_zim/add_friends", &body, None).await;
    assert_eq!(answer["Code"], none_registered.to_json(), "no target registered: {answer}");
    assert_eq!(answer["ErrorList"].as_array().map(Vec::len), Some(2));
    let body = json!({"FromUserId": "nobody", "FriendInfos": [{"UserId": "a"}]});
    let unknown_requester = code(&zego.unknown_requester, "an unknown requester");
    assert_eq!(h.call("zego_zim/add_friends", &body, None).await.1["Code"], unknown_requester);

    let body =
        json!({"From_Account": "nobody", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    let add = relation("tencent_im/friend_add");
    let unknown_requester = code(&add.unknown_requester, "an unknown requester");
    assert_eq!((answer["ActionStatus"].as_str(), &answer["ErrorCode"]), (Some("FAIL"), &unknown_requester));
    h.post("/_emulator/users/tencent_im", &[], &json!({"users": ["a"]}).to_string()).await;
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_add", &body, None).await;
    assert_eq!(answer["ResultItem"][0]["ResultCode"], code(&add.unknown_user, "an unknown user"), "{answer}");
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "x", "AddSource": "AddSource_Type_Web"}]});
    let (_, answer) = h.call("tencent_im/friend_import", &body, None).await;
    let unknown = code(&relation("tencent_im/friend_import").unknown_user, "an unknown user");
    assert_eq!(answer["ResultItem"][0]["ResultCode"], unknown, "{answer}");

    // Easemob lists unknown users under their code's list.
    let contacts = relation("easemob/contacts_import");
    let unknown = contacts.unknown_user.as_ref().expect("a code for an unknown user").to_string();
    h.post("/_emulator/users/easemob", &[], &json!({"users": ["a", "b"]}).to_string()).await;
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b", "ghost"]}), Some("a")).await;
    assert_eq!(answer["data"]["success"], json!(["b"]));
    assert_eq!(answer["data"][unknown.as_str()], json!(["ghost"]));
    let (status, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("nobody")).await;
    assert_eq!((status, &answer["error"]), (404, &code(&contacts.unknown_requester, "an unknown requester")));
}

#[tokio::test]
async fn bodies_that_are_not_json_get_the_vendors_parse_error() {
    let h = start("").await;
    let q = tencent_query(ADMIN, &usersig("admin"));
    // The vendor's code for a body that is no JSON, else the API's schema code.
    let unreadable = |api: &str| {
        let info = info(api);
        info.vendor.answer.unreadable.as_ref().unwrap_or(&info.schema_error_code).to_json()
    };
    let (_, answer) = h.post(&format!("/v4/sns/friend_add?{q}"), &[], "{not json").await;
    assert_eq!(answer["ErrorCode"], unreadable("tencent_im/friend_add"));
    let token = h.token().await;
    let auth = format!("Bearer {token}");
    let (status, answer) =
        h.post(&format!("/{ORG}/{APP}/users/u/contacts/import"), &[("Authorization", &auth)], "[").await;
    assert_eq!((status, &answer["error"]), (400, &unreadable("easemob/contacts_import")));
    let (_, answer) = h.post(&format!("/?{}", zego_query_at(unix_now())), &[], "nope").await;
    assert_eq!(answer["Code"], unreadable("zego_zim/add_friends"));
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
    let retryable = own_codes("tencent_im/friend_add", imspec_runtime::ErrorClass::Retryable);
    assert!(retryable.contains(&answer["ResultItem"][0]["ResultCode"]), "friend_add's retryable codes: {answer}");
    let (_, answer) = h.call("easemob/contacts_import", &json!({"usernames": ["b"]}), Some("a")).await;
    let retryable = own_codes("easemob/contacts_import", imspec_runtime::ErrorClass::Retryable);
    let [list] = retryable.as_slice() else { panic!("one retryable list: {retryable:?}") };
    assert_eq!(answer["data"][list.as_str().expect("a list name")], json!(["b"]));
    // ZEGO documents no retryable item code: nothing to inject.
    assert_eq!(own_codes("zego_zim/add_friends", imspec_runtime::ErrorClass::Retryable), Vec::<Value>::new());
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
    let (_, limited_code) = rate("zego_zim/add_friends");
    let limited = answers.iter().filter(|(_, a)| a["Code"] == limited_code).count();
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
    let add = relation("tencent_im/friend_add");
    assert_eq!(answer["ResultItem"][0]["ResultCode"], code(&add.pending, "a pending request"), "{answer}");
    assert!(answer.get("Fail_Account").is_none(), "pending is a success of another kind: {answer}");
    let held = h.get("/_emulator/friends/tencent_im/a").await;
    assert_eq!(held["friends"], json!([]));
    assert_eq!(
        held["pending"],
        json!([{"id": "shy", "fields": {"AddSource": "AddSource_Type_Web", "AddWording": "hi"}}])
    );
    // The administrator's force flag (ForceAddFlags = 1) adds without confirmation.
    let (flag, value) = add.force.expect("a force flag");
    let mut forced = body.clone();
    forced[flag] = serde_json::from_str(value).expect("the flag's value is JSON");
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
    assert_eq!(answer["Code"], batch("zego_zim/add_friends").1, "{answer}");
    assert!(h.friends("zego_zim", "r").await.is_empty());
}

/// A check whose every target fails is answered with a failure in the envelope, as the spec's
/// `all_failed` says (pins pages/zego_zim/check_friends.md: 如果…全部目标用户的好友关系都检查失败，
/// Code 会返回相关返回码), and the items are still listed with their own codes.
#[tokio::test]
async fn a_call_whose_every_item_fails_says_so_in_its_envelope() {
    let h = start("[emulator]\nauto_register = false\n").await;
    h.post("/_emulator/users/zego_zim", &[], &json!({"users": ["a", "b"]}).to_string()).await;
    let check = info("zego_zim/check_friends");
    assert!(check.answer.all_failed.is_some(), "the spec states the rule");
    let ok = check.envelope.ok.clone().expect("ZEGO's Code has a success value").to_json();
    let body = json!({"FromUserId": "a", "UserIds": ["ghost", "ghost2"], "CheckType": 0});
    let (_, answer) = h.call("zego_zim/check_friends", &body, None).await;
    let fails = answer["Fails"].as_array().expect("the failures are listed");
    assert_eq!(fails.len(), 2, "{answer}");
    assert_ne!(answer["Code"], ok, "{answer}");
    assert_eq!(answer["Code"], fails[0]["SubCode"], "the items' common code: {answer}");
    // One target that answers: the call succeeds, the other is listed as failed.
    let body = json!({"FromUserId": "a", "UserIds": ["b", "ghost"], "CheckType": 0});
    let (_, answer) = h.call("zego_zim/check_friends", &body, None).await;
    assert_eq!(answer["Code"], ok, "{answer}");
    assert_eq!(answer["Fails"].as_array().map(Vec::len), Some(1), "{answer}");
}
