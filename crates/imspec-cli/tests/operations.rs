//! Every operation through `imspec send` only, against one `imspec emulator` that registers
//! nobody on first use: register users, add friends, check relations both ways, list a user's
//! friends page by page, remove a friend twice; NetEase's one-a-call APIs and friend request.

mod common;

use common::{Emulator, http, items, no_auto_register_config as config, send};
use serde_json::{Value, json};

fn row(user: &str, outcome: &str, extra: Value) -> (String, String, Value) {
    (user.to_owned(), outcome.to_owned(), extra)
}

#[test]
fn register_check_list_and_remove_through_send_only() {
    let config = config();
    let emulator = Emulator::start_with(&["--config", &config]);
    let url = emulator.url().expect("listening").to_owned();

    // ZEGO: register, see them listed, register again.
    let body = json!({"UserInfo": [{"UserId": "za"}, {"UserId": "zb"}]}).to_string();
    let (code, out) = send(&url, &config, "zego_zim/register_users", &[], &body);
    assert_eq!(
        (code, items(&out)),
        (0, vec![row("za", "registered", Value::Null), row("zb", "registered", Value::Null)])
    );
    assert_eq!(http(&url, "GET", "/_emulator/users/zego_zim", "").1, json!({"users": ["za", "zb"]}));
    let (code, out) =
        send(&url, &config, "zego_zim/register_users", &[], &json!({"UserInfo": [{"UserId": "za"}]}).to_string());
    assert_eq!(code, 0, "already registered is a success");
    assert_eq!(items(&out)[0].1, "already_registered");
    // Not registered: adding a friend of an unknown user fails with the documented code.
    let (code, out) = send(
        &url,
        &config,
        "zego_zim/add_friends",
        &[],
        &json!({"FromUserId": "za", "FriendInfos": [{"UserId": "ghost"}]}).to_string(),
    );
    assert_eq!((code, items(&out)[0].1.as_str()), (1, "failed"));

    // Tencent: a two-way and a one-way friend, checked in both modes, from both sides.
    http(&url, "POST", "/_emulator/users/tencent_im", r#"{"users": ["a", "b", "c", "d"]}"#);
    for (to, add_type) in [("b", "Add_Type_Both"), ("c", "Add_Type_Single")] {
        let body = json!({"From_Account": "a", "AddType": add_type, "AddFriendItem": [{"To_Account": to, "AddSource": "AddSource_Type_Test"}]});
        assert_eq!(send(&url, &config, "tencent_im/friend_add", &[], &body.to_string()).0, 0);
    }
    let check = |from: &str, to: &[&str], mode: &str| {
        let body = json!({"From_Account": from, "To_Account": to, "CheckType": mode}).to_string();
        let (code, out) = send(&url, &config, "tencent_im/friend_check", &[], &body);
        assert_eq!(code, 0, "{out}");
        items(&out).into_iter().map(|(u, o, r)| (u, o, r.as_str().unwrap_or("").to_owned())).collect::<Vec<_>>()
    };
    let r = |u: &str, relation: &str| (u.to_owned(), "checked".to_owned(), relation.to_owned());
    assert_eq!(
        check("a", &["b", "c", "d"], "CheckResult_Type_Both"),
        [r("b", "both"), r("c", "outgoing"), r("d", "none")]
    );
    assert_eq!(check("c", &["a"], "CheckResult_Type_Both"), [r("a", "incoming")]);
    // A one-way check sees only the requester's own list.
    assert_eq!(
        check("a", &["b", "c", "d"], "CheckResult_Type_Single"),
        [r("b", "outgoing"), r("c", "outgoing"), r("d", "none")]
    );
    assert_eq!(check("c", &["a"], "CheckResult_Type_Single"), [r("a", "none")]);

    // Easemob: ten friends, listed three per page.
    let users: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    let mut all = users.clone();
    all.push("owner".into());
    http(&url, "POST", "/_emulator/users/easemob", &json!({"users": all}).to_string());
    let (code, _) = send(
        &url,
        &config,
        "easemob/contacts_import",
        &["--param", "username=owner"],
        &json!({"usernames": users}).to_string(),
    );
    assert_eq!(code, 0);
    let (code, out) =
        send(&url, &config, "easemob/contacts_list", &["--param", "username=owner", "--param", "limit=3"], "");
    assert_eq!(code, 0, "{out}");
    // One call a page at least; a retry on a loaded machine adds one (see migration.rs).
    let calls = out["calls"].as_u64().unwrap_or(0);
    assert!((4..=12).contains(&calls), "10 friends, 3 per page: {calls} calls");
    assert_eq!(out["user"], "owner");
    let listed: Vec<&str> =
        out["friends"].as_array().expect("friends").iter().filter_map(|f| f["id"].as_str()).collect();
    assert_eq!(listed, users.iter().map(String::as_str).collect::<Vec<_>>(), "every friend once, in order");

    // Remove a friend: gone from both lists; a second removal finds no friend.
    let remove = ["--param", "owner_username=owner", "--param", "friend_username=f3"];
    let (code, out) = send(&url, &config, "easemob/contact_remove", &remove, "");
    assert_eq!((code, items(&out)), (0, vec![row("f3", "removed", Value::Null)]));
    let held = http(&url, "GET", "/_emulator/friends/easemob/owner", "").1;
    assert!(!held["friends"].as_array().expect("friends").iter().any(|f| f["id"] == "f3"), "{held}");
    assert_eq!(http(&url, "GET", "/_emulator/friends/easemob/f3", "").1["friends"], json!([]));
    let (code, out) = send(&url, &config, "easemob/contact_remove", &remove, "");
    assert_eq!((code, items(&out)), (0, vec![row("f3", "not_friends", Value::Null)]), "never `added`");
    // A user who does not exist is a failure with the documented code.
    let ghost = ["--param", "owner_username=owner", "--param", "friend_username=ghost"];
    let (code, out) = send(&url, &config, "easemob/contact_remove", &ghost, "");
    assert_eq!((code, items(&out)), (1, vec![row("ghost", "failed", json!("service_resource_not_found"))]));

    // NetEase, one user or friend a call in form bodies: register, check, add directly, list,
    // a friend request asked and accepted, remove.
    let ne = |api: &str, body: Value| {
        let (code, out) = send(&url, &config, &format!("netease_yunxin/{api}"), &[], &body.to_string());
        (code, items(&out))
    };
    for user in ["na", "nb", "nc"] {
        assert_eq!(ne("user_create", json!({"accid": user})), (0, vec![row(user, "registered", Value::Null)]));
    }
    let check = |to: &str| ne("friend_get_by_accid", json!({"accid": "na", "faccid": to}));
    assert_eq!(check("nb"), (0, vec![row("nb", "checked", json!("none"))]));
    assert_eq!(
        ne("friend_add", json!({"accid": "na", "faccid": "nb", "type": 1})),
        (0, vec![row("nb", "added", Value::Null)])
    );
    assert_eq!(check("nb"), (0, vec![row("nb", "checked", json!("both"))]));
    let (code, out) =
        send(&url, &config, "netease_yunxin/friend_get", &[], &json!({"accid": "na", "updatetime": 0}).to_string());
    assert_eq!((code, &out["friends"][0]["id"]), (0, &json!("nb")), "{out}");
    assert_eq!(
        ne("friend_add", json!({"accid": "na", "faccid": "nc", "type": 2})),
        (0, vec![row("nc", "pending", Value::Null)])
    );
    assert_eq!(check("nc"), (0, vec![row("nc", "checked", json!("none"))]), "a request holds nothing");
    assert_eq!(
        ne("friend_add", json!({"accid": "nc", "faccid": "na", "type": 3})),
        (0, vec![row("na", "added", Value::Null)])
    );
    assert_eq!(check("nc"), (0, vec![row("nc", "checked", json!("both"))]));
    assert_eq!(
        ne("friend_delete", json!({"accid": "na", "faccid": "nb"})),
        (0, vec![row("nb", "removed", Value::Null)])
    );
    assert_eq!(check("nb").1[0].2, json!("none"));
    // Unknown users get the code the spec records.
    let (code, out) = ne("friend_add", json!({"accid": "na", "faccid": "ghost", "type": 1}));
    assert_eq!((code, out[0].1.as_str()), (1, "failed"), "{out:?}");
    drop(emulator);
}
