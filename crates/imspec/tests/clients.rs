//! The generated clients against the emulator over real HTTP: every documented request shape,
//! chunking, pacing, faults (nothing lost, nothing doubled), wrong credentials (fail fast), the
//! app-token cache, and no secret in logs.

mod emulated;

use emulated::{config, emulator, quick};
use imspec::runtime::{ClientOptions, Config, Outcome, RetryPolicy};
use imspec::{easemob, tencent_im, zego_zim};
use serde_json::{Value, json};
use std::time::Duration;

fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

#[tokio::test]
async fn every_documented_request_shape_is_imported_through_the_typed_clients() {
    let s = emulator("").await;
    let cfg = s.config();
    let tencent = tencent_im::Client::new(&cfg).expect("client");
    let easemob = easemob::Client::new(&cfg).expect("client");
    let zego = zego_zim::Client::new(&cfg).expect("client");
    let set = specs();
    let mut sent = 0;
    // The add APIs, through their typed clients (the other operations have tests of their own).
    for api in set.apis().into_iter().filter(|a| a.spec.operation.value == imspec_spec::Operation::Add) {
        for (name, ex) in api.spec.examples.iter().filter(|(_, e)| e.role.value == imspec_spec::ExampleRole::Request) {
            // A request travels in its API's encoding (a form, for NetEase).
            let text = ex.erratum.as_ref().map(|e| &e.corrected.value).unwrap_or(&ex.body.value);
            let encoding = imspec::api(&api.id()).expect("in the registry").info.body;
            let body: Value = encoding.decode(text.trim().as_bytes()).expect("the example reads in its encoding");
            let (users, requester, vendor): (Vec<String>, String, &str) = match api.id().as_str() {
                "tencent_im/friend_import" | "tencent_im/friend_add" => {
                    let (ok, users, typed) = if api.id() == "tencent_im/friend_import" {
                        let request = serde_json::from_value(body.clone()).expect("typed");
                        let o = tencent.friend_import(&request).await.expect("sent");
                        (o.all_succeeded(), o.items.iter().map(|i| i.user.clone()).collect(), o.responses.len())
                    } else {
                        let request = serde_json::from_value(body.clone()).expect("typed");
                        let o = tencent.friend_add(&request).await.expect("sent");
                        (o.all_succeeded(), o.items.iter().map(|i| i.user.clone()).collect(), o.responses.len())
                    };
                    assert!(ok, "{} `{}`", api.id(), name.value);
                    assert!(typed > 0, "typed responses are kept");
                    (users, body["From_Account"].as_str().unwrap_or_default().to_owned(), "tencent_im")
                }
                "easemob/contacts_import" => {
                    let username =
                        ex.params.iter().find(|(k, _)| k.value.to_string() == "username").map(|(_, v)| v.to_string());
                    let params = easemob::contacts_import::Params {
                        username: username.clone().unwrap_or_default(),
                        is_send_notice: None,
                    };
                    let request = serde_json::from_value(body.clone()).expect("typed");
                    let outcomes = easemob.contacts_import(&params, &request).await.expect("sent");
                    assert!(outcomes.all_succeeded(), "{:?}", outcomes.items);
                    (outcomes.items.iter().map(|i| i.user.clone()).collect(), username.unwrap_or_default(), "easemob")
                }
                "zego_zim/add_friends" => {
                    let request = serde_json::from_value(body.clone()).expect("typed");
                    let outcomes = zego.add_friends(&request).await.expect("sent");
                    assert!(outcomes.all_succeeded(), "{:?}", outcomes.items);
                    (
                        outcomes.items.iter().map(|i| i.user.clone()).collect(),
                        body["FromUserId"].as_str().unwrap_or_default().to_owned(),
                        "zego_zim",
                    )
                }
                other => {
                    // An add API with no typed call above yet: through the registry's entry.
                    let entry = imspec::api(other).expect("in the registry");
                    let params: Vec<(String, String)> =
                        ex.params.iter().map(|(k, v)| (k.value.to_string(), v.to_string())).collect();
                    let client = imspec::runtime::VendorClient::new(entry.info.vendor, &cfg, ClientOptions::default())
                        .expect("client");
                    let report = client.send(entry, &body, &params).await.expect("sent");
                    assert!(report.all_succeeded(), "{other} `{}`: {:?}", name.value, report.items);
                    let requester = match entry.info.relation.as_ref().map(|r| r.requester) {
                        Some(imspec::runtime::Requester::Field(f)) => body[f].as_str().unwrap_or_default().to_owned(),
                        Some(imspec::runtime::Requester::Param(p)) => {
                            params.iter().find(|(k, _)| k == p).map(|(_, v)| v.clone()).unwrap_or_default()
                        }
                        None => panic!("{other}: an add names its requester"),
                    };
                    (report.items.iter().map(|i| i.user.clone()).collect(), requester, entry.info.vendor.id)
                }
            };
            let held = s.friends(vendor, &requester).await;
            for u in users {
                assert!(held.contains(&u), "{} `{}`: {u} not held by {requester}: {held:?}", api.id(), name.value);
            }
            sent += 1;
        }
    }
    assert!(sent >= 7, "{sent} examples sent");
}

#[tokio::test]
async fn batches_are_chunked_to_the_documented_maximum() {
    let s = emulator("[emulator]\nrate_limits = \"off\"\n").await;
    let cfg = s.config();
    let easemob = easemob::Client::new(&cfg).expect("client");
    let usernames: Vec<String> = (0..45).map(|i| format!("e{i}")).collect();
    let params = easemob::contacts_import::Params { username: "importer".into(), is_send_notice: Some(false) };
    let request = easemob::contacts_import::ImportContactsRequest { usernames: usernames.clone() };
    let out = easemob.contacts_import(&params, &request).await.expect("sent");
    assert_eq!(out.calls, 5, "45 usernames, 10 per call");
    assert!(out.items.iter().all(|i| i.outcome == Outcome::Added));
    assert_eq!(s.stats("easemob/contacts_import").await["calls"], 5, "token fetches are not API calls");
    assert_eq!(easemob.runtime().token_fetches(), 1, "one token for all five concurrent calls");
    let mut held = s.friends("easemob", "importer").await;
    held.sort();
    let mut expected = usernames;
    expected.sort();
    assert_eq!(held, expected);

    let zego = zego_zim::Client::new(&cfg).expect("client");
    let friends: Vec<zego_zim::add_friends::FriendInfo> = (0..100)
        .map(|i| zego_zim::add_friends::FriendInfo {
            user_id: format!("z{i}"),
            wording: None,
            friend_alias: None,
            friend_time: None,
            attributes: None,
        })
        .collect();
    let request = zego_zim::add_friends::AddFriendsRequest { from_user_id: "zz".into(), friend_infos: friends };
    let out = zego.add_friends(&request).await.expect("sent");
    let max = zego_zim::add_friends::INFO.batch.as_ref().and_then(|b| b.max_items).expect("a batch limit");
    assert_eq!(out.calls, 100u64.div_ceil(max), "100 friends, at the documented most per call");
    assert_eq!(s.friends("zego_zim", "zz").await.len(), 100);
}

#[tokio::test]
async fn invalid_items_are_reported_and_the_valid_ones_still_sent() {
    let s = emulator("").await;
    let zego = zego_zim::Client::new(&s.config()).expect("client");
    let body =
        json!({"FromUserId": "me", "FriendInfos": [{"UserId": "ok"}, {"UserId": "me"}, {"UserId": "x".repeat(40)}]});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    let outcomes: Vec<(&str, Outcome)> = report.items.iter().map(|i| (i.user.as_str(), i.outcome)).collect();
    assert_eq!(outcomes, [("ok", Outcome::Added), ("me", Outcome::Invalid), (&*"x".repeat(40), Outcome::Invalid)]);
    assert_eq!(report.calls, 1);
    assert_eq!(s.friends("zego_zim", "me").await, ["ok"]);
    // A request-level violation sends nothing.
    let body = json!({"FromUserId": "m".repeat(33), "FriendInfos": [{"UserId": "ok"}]});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!((report.calls, report.items[0].outcome), (0, Outcome::Invalid));
}

#[tokio::test]
async fn a_thousand_friend_import_is_paced_below_the_rate_limit() {
    let s = emulator("").await; // the documented rate limits
    let zego = zego_zim::Client::new(&s.config()).expect("client");
    let info = &zego_zim::add_friends::INFO;
    let max = info.batch.as_ref().and_then(|b| b.max_items).expect("a batch limit");
    let friends: Vec<Value> = (0..1000).map(|i| json!({"UserId": format!("p{i}")})).collect();
    let body = json!({"FromUserId": "pacer", "FriendInfos": friends});
    let started = std::time::Instant::now();
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    let elapsed = started.elapsed();
    let calls = 1000u64.div_ceil(max);
    assert_eq!(report.calls, calls);
    assert!(report.all_succeeded());
    let stats = s.stats("zego_zim/add_friends").await;
    assert_eq!(stats, json!({"calls": calls, "rate_limited": 0, "rejected": 0}), "not one rate-limit rejection");
    // The calls past the first burst go at the paced rate: at least (calls - burst) / rate seconds.
    let (rate, burst) = imspec::runtime::Pacing::default().quota(&info.rate_limit);
    let floor = Duration::from_secs_f64((calls - u64::from(burst)) as f64 / rate);
    assert!(elapsed + Duration::from_millis(100) >= floor, "paced: {elapsed:?} (at least {floor:?})");
    assert_eq!(s.friends("zego_zim", "pacer").await.len(), 1000);
}

/// Imports under faults; every item ends with exactly one outcome, all succeed, and the emulator
/// holds exactly the friends sent.
#[tokio::test]
async fn under_faults_nothing_is_lost_and_nothing_doubled() {
    let s = emulator(
        "[emulator]\nrate_limits = \"off\"\n[emulator.faults]\nseed = 11\nhttp_error_rate = 0.15\ndrop_after_apply_rate = 0.15\nitem_error_rate = 0.15\n",
    )
    .await;
    let cfg = config(&s.url, "");
    // A budget deep enough that every item gets through these fault rates (the run is seeded,
    // so it repeats); what is checked is that nothing is lost or doubled on the way.
    let options = ClientOptions { retry: RetryPolicy { max_attempts: 20, ..quick().retry }, ..quick() };
    let tencent = tencent_im::Client::with_options(&cfg, options.clone()).expect("client");
    let easemob = easemob::Client::with_options(&cfg, options.clone()).expect("client");
    let zego = zego_zim::Client::with_options(&cfg, options).expect("client");

    let users: Vec<String> = (0..300).map(|i| format!("f{i}")).collect();
    let items: Vec<Value> =
        users.iter().map(|u| json!({"To_Account": u, "AddSource": "AddSource_Type_Test"})).collect();
    let report = tencent
        .runtime()
        .send(&tencent_im::friend_add::ENTRY, &json!({"From_Account": "t", "AddFriendItem": items}), &[])
        .await
        .expect("sent");
    check(&report, &users, 1);
    let mut held = s.friends("tencent_im", "t").await;
    held.sort();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(held, expected, "Tencent holds exactly the friends sent");

    let users: Vec<String> = (0..200).map(|i| format!("u{i}")).collect();
    let report = easemob
        .runtime()
        .send(&easemob::contacts_import::ENTRY, &json!({"usernames": users}), &[("username".into(), "e".into())])
        .await
        .expect("sent");
    check(&report, &users, 20);
    let mut held = s.friends("easemob", "e").await;
    held.sort();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(held, expected, "Easemob holds exactly the friends sent");

    let users: Vec<String> = (0..200).map(|i| format!("z{i}")).collect();
    let items: Vec<Value> = users.iter().map(|u| json!({"UserId": u})).collect();
    let report = zego
        .runtime()
        .send(&zego_zim::add_friends::ENTRY, &json!({"FromUserId": "z", "FriendInfos": items}), &[])
        .await
        .expect("sent");
    check(&report, &users, 10);
    // A retry after a dropped connection finds the work done (ZEGO says already friends): the
    // dropped attempt did it, so the item is this call's own — `added`, never `already_friends`.
    let after_drop = |i: &&imspec::runtime::ItemOutcome| i.reason.as_deref().is_some_and(|r| r.contains("was applied"));
    assert!(report.items.iter().filter(after_drop).count() > 0, "some retry re-added after a drop");
    assert!(report.items.iter().filter(after_drop).all(|i| i.outcome == Outcome::Added));
    assert!(!report.items.iter().any(|i| i.outcome == Outcome::AlreadyFriends), "every friend was new");
    assert_eq!(s.friends("zego_zim", "z").await.len(), 200);

    /// `chunks`: the calls a run without faults makes.
    fn check(report: &imspec::runtime::Report, users: &[String], chunks: u64) {
        let got: Vec<&str> = report.items.iter().map(|i| i.user.as_str()).collect();
        assert_eq!(got, users.iter().map(String::as_str).collect::<Vec<_>>(), "one outcome per item, in order");
        let failed: Vec<_> = report.items.iter().filter(|i| !i.outcome.is_success()).collect();
        assert!(failed.is_empty(), "{failed:?}");
        assert!(report.calls > chunks, "faults forced retries ({} calls for {chunks} chunks)", report.calls);
    }
}

#[tokio::test]
async fn wrong_credentials_fail_fast_with_the_vendor_code() {
    let s = emulator("").await;
    let bad = |find: &str, replace: &str| {
        let text = imspec_emulator::DEFAULT_CONFIG.replace(find, replace);
        let base = text.split("[emulator]").next().unwrap_or_default().to_owned();
        Config::parse(&base, "bad.toml").expect("config")
    };
    let zego_cfg = bad("imspec0demo0zego0server0secret00", "wrong-secret");
    let zego = zego_zim::Client::new(&zego_cfg).expect("client").with_base_url(&s.url).expect("url");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 1, "no retry storm");
    assert_eq!(report.items[0].outcome, Outcome::Failed);
    assert_eq!(report.items[0].code, zego_zim::VENDOR.refusals.bad_signature, "a bad signature");

    let tencent_cfg = bad("imspec-demo-tencent-secret-key", "wrong-key");
    let tencent = tencent_im::Client::new(&tencent_cfg).expect("client").with_base_url(&s.url).expect("url");
    let body = json!({"From_Account": "a", "AddFriendItem": [{"To_Account": "b", "AddSource": "AddSource_Type_X"}]});
    let report = tencent.runtime().send(&tencent_im::friend_add::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 1);
    assert_eq!(report.items[0].code, tencent_im::VENDOR.refusals.bad_signature, "a bad signature");

    let easemob_cfg = {
        let mut c = bad("imspec-demo-client-secret", "wrong-secret");
        c.vendors.retain(|k, _| k == "easemob");
        c
    };
    let easemob = config_with_url(&easemob_cfg, &s.url);
    let report = easemob
        .runtime()
        .send(&easemob::contacts_import::ENTRY, &json!({"usernames": ["b"]}), &[("username".into(), "a".into())])
        .await
        .expect("sent");
    assert_eq!(report.calls, 0, "the token fetch failed; no API call was made");
    assert_eq!(report.items[0].code.as_ref().map(ToString::to_string).as_deref(), Some("invalid_grant"), "{report:?}");
    assert_eq!(easemob.runtime().token_fetches(), 1, "fetched once, not retried");
    assert_eq!(s.stats("zego_zim/add_friends").await["calls"], 1);

    fn config_with_url(cfg: &Config, url: &str) -> easemob::Client {
        let text = format!(
            "[easemob]\nbase_url = \"{url}\"\norg = \"demo-org\"\napp = \"demo-app\"\nclient_id = \"imspec-demo-client-id\"\nclient_secret = \"wrong-secret\"\n"
        );
        let _ = cfg;
        easemob::Client::new(&Config::parse(&text, "bad.toml").expect("config")).expect("client")
    }
}

#[tokio::test]
async fn a_refused_app_token_is_fetched_again_once() {
    let s = emulator("").await;
    let easemob = easemob::Client::new(&s.config()).expect("client");
    let params = easemob::contacts_import::Params { username: "a".into(), is_send_notice: None };
    let request = easemob::contacts_import::ImportContactsRequest { usernames: vec!["b".into()] };
    assert!(easemob.contacts_import(&params, &request).await.expect("sent").all_succeeded());
    // The service forgets its tokens (a restart): the cached one is refused with a 401.
    let reset = s.http.post(format!("{}/_emulator/reset", s.url)).send().await.expect("reset");
    assert_eq!(reset.status(), 200);
    let out = easemob.contacts_import(&params, &request).await.expect("sent");
    assert!(out.all_succeeded(), "{:?}", out.items);
    assert_eq!(out.calls, 2, "the refused call and its repeat");
    assert_eq!(easemob.runtime().token_fetches(), 2);
}

#[tokio::test]
async fn concurrent_calls_share_one_token_fetch() {
    let s = emulator("[emulator]\nrate_limits = \"off\"\n").await;
    let easemob = easemob::Client::new(&s.config()).expect("client");
    let calls = (0..20).map(|i| {
        let c = easemob.clone();
        async move {
            let params = easemob::contacts_import::Params { username: format!("u{i}"), is_send_notice: None };
            let request = easemob::contacts_import::ImportContactsRequest { usernames: vec!["x".into()] };
            c.contacts_import(&params, &request).await.expect("sent").all_succeeded()
        }
    });
    assert!(futures_util::future::join_all(calls).await.into_iter().all(|ok| ok));
    assert_eq!(easemob.runtime().token_fetches(), 1);
    assert_eq!(s.stats("easemob/token").await["calls"], 1);
}

#[tokio::test]
async fn a_client_is_configured_in_code_and_regions_name_documented_hosts() {
    let s = emulator("").await;
    let base = Config::default().with("zego_zim", "app_id", 12345).with(
        "zego_zim",
        "server_secret",
        "imspec0demo0zego0server0secret00",
    );
    // The documented default host, a documented region, and an undocumented one.
    let default = zego_zim::Client::new(&base).expect("client");
    assert!(format!("{default:?}").contains("https://zim-api.zego.im/"), "{default:?}");
    let singapore = zego_zim::Client::new(&base.clone().with("zego_zim", "region", "singapore")).expect("client");
    assert!(format!("{singapore:?}").contains("https://zim-api-sgp.zego.im/"), "{singapore:?}");
    let err = zego_zim::Client::new(&base.clone().with("zego_zim", "region", "mars")).expect_err("no such region");
    assert!(err.to_string().contains("no region `mars`; documented: unified, shanghai"), "{err}");
    // Easemob gives each app its own host: without a base URL there is none to use.
    let easemob_cfg = Config::default().with("easemob", "client_id", "i").with("easemob", "client_secret", "s");
    let err = easemob::Client::new(&easemob_cfg).expect_err("no host");
    assert!(err.to_string().contains("needs `base_url`"), "{err}");
    // A custom base URL reaches the emulator.
    let local = zego_zim::Client::new(&base.with("zego_zim", "base_url", s.url.as_str())).expect("client");
    let request = zego_zim::add_friends::AddFriendsRequest {
        from_user_id: "code".into(),
        friend_infos: vec![zego_zim::add_friends::FriendInfo {
            user_id: "configured".into(),
            wording: None,
            friend_alias: None,
            friend_time: None,
            attributes: None,
        }],
    };
    assert!(local.add_friends(&request).await.expect("sent").all_succeeded());
    assert_eq!(s.friends("zego_zim", "code").await, ["configured"]);
}

#[tokio::test]
async fn an_answer_without_a_code_to_a_wrong_url_is_final_not_retried() {
    let s = emulator("").await;
    // A base URL with a path prefix the service does not know: 404 with no vendor code.
    let wrong = format!("{}/prefix", s.url);
    let zego = zego_zim::Client::new(&config(&wrong, "")).expect("client");
    let body = json!({"FromUserId": "a", "FriendInfos": [{"UserId": "b"}]});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 1, "a 404 is not retried");
    assert_eq!(report.items[0].outcome, Outcome::Failed);
}

#[tokio::test]
async fn a_limit_the_vendor_raised_is_used_by_the_client_and_the_emulator() {
    // As far as the vendor raises the batch.
    let to = zego_zim::add_friends::INFO.batch.as_ref().and_then(|b| b.raisable_to).expect("how far it is raised");
    let s =
        emulator(&format!("[emulator.raised_limits.\"zego_zim/add_friends\"]\nfriend_infos_max_items = {to}\n")).await;
    let raised = |n: u64| ClientOptions {
        raised_limits: [("zego_zim/add_friends".to_owned(), vec![("friend_infos_max_items".to_owned(), n)])].into(),
        ..ClientOptions::default()
    };
    let zego = zego_zim::Client::with_options(&s.config(), raised(to)).expect("client");
    let friends: Vec<Value> = (0..100).map(|i| json!({"UserId": format!("r{i}")})).collect();
    let body = json!({"FromUserId": "raised", "FriendInfos": friends});
    let report = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect("sent");
    assert_eq!(report.calls, 100u64.div_ceil(to), "100 friends at the raised most per call");
    assert!(report.all_succeeded(), "{:?}", report.items.iter().find(|i| !i.outcome.is_success()));
    assert_eq!(s.friends("zego_zim", "raised").await.len(), 100);
    // Beyond what the vendor grants, or a limit the API does not have: refused before sending.
    let too_far = zego_zim::Client::with_options(&s.config(), raised(to + 1)).expect("client");
    let err = too_far.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]).await.expect_err("refused");
    let refused = format!("friend_infos_max_items = {} is above {to}", to + 1);
    assert!(err.to_string().contains(&refused), "{err}");
    assert_eq!(too_far.runtime().calls(), 0);
}

#[tokio::test]
async fn a_request_awaiting_confirmation_is_pending() {
    let s = emulator("").await;
    let register = json!({"users": ["shy"], "confirm": true}).to_string();
    let resp =
        s.http.post(format!("{}/_emulator/users/tencent_im", s.url)).body(register).send().await.expect("register");
    assert_eq!(resp.status(), 200);
    let tencent = tencent_im::Client::new(&s.config()).expect("client");
    let body = json!({"From_Account": "a", "AddFriendItem": [
        {"To_Account": "shy", "AddSource": "AddSource_Type_Web"},
        {"To_Account": "open", "AddSource": "AddSource_Type_Web"}
    ]});
    let request = serde_json::from_value(body).expect("typed");
    let out = tencent.friend_add(&request).await.expect("sent");
    let outcomes: Vec<(&str, Outcome)> = out.items.iter().map(|i| (i.user.as_str(), i.outcome)).collect();
    assert_eq!(outcomes, [("shy", Outcome::Pending), ("open", Outcome::Added)]);
    assert_eq!(out.items[0].error, Some(tencent_im::friend_add::ErrorCode::PendingApproval));
    assert!(out.all_succeeded(), "pending is a success of another kind");
    assert_eq!(out.calls, 1, "not retried");
}

/// Cancelled, a client makes no new call: a chunk waiting for the pacer is dropped, its items
/// `not_attempted` (nothing of them can have been applied), and the service saw no request.
#[tokio::test]
async fn a_cancelled_client_sends_nothing_new() {
    let s = emulator("").await;
    let options = quick();
    let cancel = options.cancel.clone();
    let zego = zego_zim::Client::with_options(&s.config(), options).expect("client");
    cancel.cancel();
    let items: Vec<Value> = (0..45).map(|i| json!({"UserId": format!("c{i}")})).collect();
    let report = zego
        .runtime()
        .send(&zego_zim::add_friends::ENTRY, &json!({"FromUserId": "z", "FriendInfos": items}), &[])
        .await
        .expect("a report");
    assert_eq!(report.calls, 0);
    assert!(report.items.iter().all(|i| i.outcome == Outcome::NotAttempted), "{:?}", report.items);
    assert_eq!(report.items.len(), 45, "one outcome per item still");
    assert_eq!(s.stats("zego_zim/add_friends").await["calls"], 0);
}

/// Cancelled while chunks wait for the pacer, the client sends none of them: the calls the
/// service saw are exactly the calls the report counts (each answered and read), and the
/// chunks that were waiting are `not_attempted`.
#[tokio::test]
async fn chunks_waiting_for_the_pacer_are_not_sent_once_cancelled() {
    let s = emulator("").await;
    let mut options = quick();
    // 2 calls a second after a burst of 1: 30 chunks would take 15 s.
    options.pacing = imspec::runtime::Pacing { margin: 0.9, max_burst: Some(1), unpaced: false };
    let cancel = options.cancel.clone();
    let zego = zego_zim::Client::with_options(&s.config(), options).expect("client");
    let items: Vec<Value> = (0..600).map(|i| json!({"UserId": format!("w{i}")})).collect();
    let body = json!({"FromUserId": "z", "FriendInfos": items});
    let send = zego.runtime().send(&zego_zim::add_friends::ENTRY, &body, &[]);
    let watch = async {
        while s.stats("zego_zim/add_friends").await["calls"].as_u64() < Some(1) {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        cancel.cancel();
    };
    let (report, ()) = tokio::join!(send, watch);
    let report = report.expect("a report");
    let seen = s.stats("zego_zim/add_friends").await["calls"].as_u64().unwrap_or(0);
    assert_eq!(report.calls, seen, "every call made was answered and counted");
    let max = zego_zim::add_friends::INFO.batch.as_ref().and_then(|b| b.max_items).expect("a batch limit");
    let chunks = 600u64.div_ceil(max);
    assert!(report.calls < chunks, "{} of {chunks} chunks sent", report.calls);
    let waiting = report.items.iter().filter(|i| i.outcome == Outcome::NotAttempted).count();
    assert_eq!(waiting as u64, 600 - max * report.calls, "the chunks that waited are not attempted");
    assert_eq!(s.friends("zego_zim", "z").await.len() as u64, max * report.calls);
}

/// An integer wire enum is a Rust enum: the typed call says `DeleteType::OneWay`, the wire
/// carries the page's integer, and a value the spec does not list cannot be decoded.
#[tokio::test]
async fn an_integer_wire_enum_is_typed_and_travels_as_its_integer() {
    use zego_zim::delete_friends::{DeleteFriendsRequest, DeleteType};
    let s = emulator("").await;
    let register = json!({"users": ["ea", "eb"]}).to_string();
    s.http.post(format!("{}/_emulator/users/zego_zim", s.url)).body(register).send().await.expect("register");
    let zego = zego_zim::Client::new(&s.config()).expect("client");
    let add = serde_json::from_value(json!({"FromUserId": "ea", "FriendInfos": [{"UserId": "eb"}]})).expect("typed");
    assert!(zego.add_friends(&add).await.expect("sent").all_succeeded());

    let request = DeleteFriendsRequest::new("ea", vec!["eb".to_owned()], DeleteType::OneWay);
    let wire = serde_json::to_value(&request).expect("serialize");
    let listed: Vec<Value> = DeleteType::WIRE.iter().map(|n| json!(n)).collect();
    assert!(listed.contains(&wire["DeleteType"]), "an integer of the spec's values: {wire}");
    assert_eq!(DeleteType::from_wire(DeleteType::OneWay.as_i64()), Some(DeleteType::OneWay));
    let out = zego.delete_friends(&request).await.expect("sent");
    assert_eq!(out.items.iter().map(|i| i.outcome).collect::<Vec<_>>(), [Outcome::Removed]);
    assert_eq!(s.friends("zego_zim", "ea").await, Vec::<String>::new());
    assert_eq!(s.friends("zego_zim", "eb").await, ["ea"], "one way leaves the reverse");

    let unlisted = DeleteType::WIRE.iter().max().expect("values") + 1;
    let err = serde_json::from_value::<DeleteType>(json!(unlisted)).expect_err("not a listed value");
    assert!(err.to_string().contains(&unlisted.to_string()), "{err}");
    assert!(serde_json::from_value::<DeleteType>(json!("1")).is_err(), "a string is not the integer");
}

/// A friend request run by a request field (NetEase's `type`): asking is a success that holds
/// nothing yet (`pending`); the one asked accepting makes both friends (`added`); declining
/// drops the request (`declined`, nothing held); an accept with nothing asked is refused with
/// the spec's code.
#[tokio::test]
async fn a_friend_request_is_held_until_accepted_or_declined() {
    use imspec::runtime::{Carrier, FlowStep, Requester, VendorClient};
    let s = emulator("").await;
    let cfg = s.config();
    let api = imspec::apis()
        .into_iter()
        .find(|a| a.info.relation.as_ref().is_some_and(|r| r.request_flow.is_some()))
        .expect("an add API that runs friend requests");
    let rel = api.info.relation.as_ref().expect("a relation");
    let flow = rel.request_flow.as_ref().expect("a flow");
    let (Requester::Field(requester), Some(Carrier::Field(target))) = (rel.requester, api.info.target) else {
        panic!("{}: requester and target in the body", api.info.id)
    };
    let vendor = api.info.vendor.id;
    let client = VendorClient::new(api.info.vendor, &cfg, ClientOptions::default()).expect("client");
    let step = |step: FlowStep| match step {
        FlowStep::Request => flow.request,
        FlowStep::Accept => flow.accept,
        FlowStep::Decline => flow.decline,
    };
    let call = |from: &'static str, to: &'static str, s: FlowStep| {
        let value: Value = serde_json::from_str(step(s)).expect("a JSON value");
        let body = json!({ requester: from, target: to, flow.field: value });
        let client = &client;
        async move { client.send(api, &body, &[]).await.expect("sent").items.remove(0) }
    };
    let asked = call("ann", "bob", FlowStep::Request).await;
    assert_eq!(asked.outcome, Outcome::Pending, "{asked:?}");
    assert!(!s.friends(vendor, "ann").await.contains(&"bob".to_owned()), "nothing held before an answer");
    let accepted = call("bob", "ann", FlowStep::Accept).await;
    assert_eq!(accepted.outcome, Outcome::Added, "{accepted:?}");
    assert!(s.friends(vendor, "ann").await.contains(&"bob".to_owned()));
    assert!(s.friends(vendor, "bob").await.contains(&"ann".to_owned()));

    assert_eq!(call("cid", "dan", FlowStep::Request).await.outcome, Outcome::Pending);
    let declined = call("dan", "cid", FlowStep::Decline).await;
    assert_eq!(declined.outcome, Outcome::Declined, "{declined:?}");
    assert!(s.friends(vendor, "cid").await.is_empty() && s.friends(vendor, "dan").await.is_empty());
    let nothing = call("dan", "cid", FlowStep::Accept).await;
    assert_eq!((nothing.outcome, nothing.code), (Outcome::Failed, Some(flow.no_request.clone())), "nothing asked");
}
