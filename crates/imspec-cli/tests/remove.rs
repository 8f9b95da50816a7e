//! The batch remove APIs through `imspec send` only, against one `imspec emulator` that registers
//! nobody on first use: a one-way delete leaves the reverse relation held, a two-way delete
//! removes both, and a target that is not a friend is answered with the page's code and
//! reported `not_friends` (a success: exit 0).

mod common;

use std::sync::OnceLock;

use common::{Emulator, code, direction_value, http, items, no_auto_register_config, relation, send};
use imspec::runtime::Direction;
use serde_json::{Value, json};

/// One config file for every test of this file (it is named after the process).
fn config() -> &'static str {
    static CONFIG: OnceLock<String> = OnceLock::new();
    CONFIG.get_or_init(no_auto_register_config)
}

/// The ids `user`'s friend list holds, as the emulator's control API lists them.
fn friends(url: &str, vendor: &str, user: &str) -> Vec<String> {
    let (status, held) = http(url, "GET", &format!("/_emulator/friends/{vendor}/{user}"), "");
    assert_eq!(status, 200, "{held}");
    held["friends"].as_array().expect("friends").iter().filter_map(|f| f["id"].as_str().map(str::to_owned)).collect()
}

/// The code the API's spec names for a target that is not a friend, from the registry.
fn not_friends_code(api: &str) -> Value {
    code(&relation(api).not_friends, "a target that is not a friend")
}

/// `body` asking `api` for a remove in `direction`, with the value the spec names for it.
fn toward(api: &str, mut body: Value, direction: Direction) -> Value {
    let (field, value) = direction_value(api, direction);
    body[field] = value;
    body
}

fn row(user: &str, outcome: &str, extra: Value) -> (String, String, Value) {
    (user.to_owned(), outcome.to_owned(), extra)
}

#[test]
fn tencent_friend_delete_follows_delete_type() {
    const DELETE: &str = "tencent_im/friend_delete";
    let emulator = Emulator::start_with(&["--config", config()]);
    let url = emulator.url().expect("listening").to_owned();
    let send = |api: &str, body: Value| send(&url, config(), api, &[], &body.to_string());
    // pins pages/tencent_im/friend_delete.md: 31704 is not-friends (与请求删除的帐号之间不存在好友关系)
    let not_friends = not_friends_code("tencent_im/friend_delete");
    assert_eq!(not_friends, json!(31704));

    http(&url, "POST", "/_emulator/users/tencent_im", r#"{"users": ["a", "b", "c", "d"]}"#);
    let add = json!({"From_Account": "a", "AddType": "Add_Type_Both", "AddFriendItem": [
        {"To_Account": "b", "AddSource": "AddSource_Type_Test"},
        {"To_Account": "c", "AddSource": "AddSource_Type_Test"},
    ]});
    assert_eq!(send("tencent_im/friend_add", add).0, 0);
    assert_eq!(
        (friends(&url, "tencent_im", "b"), friends(&url, "tencent_im", "c")),
        (vec!["a".into()], vec!["a".into()])
    );

    // Delete_Type_Single: b leaves a's list, a stays in b's.
    let single = toward(DELETE, json!({"From_Account": "a", "To_Account": ["b"]}), Direction::OneWay);
    let (code, out) = send("tencent_im/friend_delete", single);
    assert_eq!((code, items(&out)), (0, vec![row("b", "removed", Value::Null)]), "{out}");
    assert_eq!(friends(&url, "tencent_im", "a"), ["c"]);
    assert_eq!(friends(&url, "tencent_im", "b"), ["a"], "the reverse direction is still held");

    // Delete_Type_Both: c leaves a's list and a leaves c's.
    let both = toward(DELETE, json!({"From_Account": "a", "To_Account": ["c"]}), Direction::Both);
    let (code, out) = send("tencent_im/friend_delete", both);
    assert_eq!((code, items(&out)), (0, vec![row("c", "removed", Value::Null)]), "{out}");
    assert_eq!(friends(&url, "tencent_im", "a"), Vec::<String>::new());
    assert_eq!(friends(&url, "tencent_im", "c"), Vec::<String>::new());

    // Deleting again, and deleting a registered user who never was a friend: not friends, a success.
    let again = toward(DELETE, json!({"From_Account": "a", "To_Account": ["b", "d"]}), Direction::OneWay);
    let (code, out) = send("tencent_im/friend_delete", again);
    assert_eq!(
        (code, items(&out)),
        (0, vec![row("b", "not_friends", not_friends.clone()), row("d", "not_friends", not_friends)]),
        "{out}"
    );
    assert_eq!(friends(&url, "tencent_im", "b"), ["a"], "a one-way delete never touches the reverse");
    drop(emulator);
}

#[test]
fn zego_delete_friends_follows_delete_type() {
    const DELETE: &str = "zego_zim/delete_friends";
    let emulator = Emulator::start_with(&["--config", config()]);
    let url = emulator.url().expect("listening").to_owned();
    let send = |api: &str, body: Value| send(&url, config(), api, &[], &body.to_string());
    // pins pages/zego_zim/delete_friends.md: 660800034 is not-friends (目标用户不是 `FromUserId` 的好友。)
    let not_friends = not_friends_code("zego_zim/delete_friends");
    assert_eq!(not_friends, json!(660800034));

    http(&url, "POST", "/_emulator/users/zego_zim", r#"{"users": ["za", "zb", "zc", "zd"]}"#);
    let add = json!({"FromUserId": "za", "FriendInfos": [{"UserId": "zb"}, {"UserId": "zc"}]});
    assert_eq!(send("zego_zim/add_friends", add).0, 0);
    assert_eq!(
        (friends(&url, "zego_zim", "zb"), friends(&url, "zego_zim", "zc")),
        (vec!["za".into()], vec!["za".into()])
    );

    // One-way (DeleteType 1, 单向删除): zb leaves za's list, za stays in zb's.
    let single = toward(DELETE, json!({"FromUserId": "za", "UserIds": ["zb"]}), Direction::OneWay);
    let (code, out) = send("zego_zim/delete_friends", single);
    assert_eq!((code, items(&out)), (0, vec![row("zb", "removed", Value::Null)]), "{out}");
    assert_eq!(friends(&url, "zego_zim", "za"), ["zc"]);
    assert_eq!(friends(&url, "zego_zim", "zb"), ["za"], "the reverse direction is still held");

    // Both ways (DeleteType 0, 双向删除): neither is the other's friend any more.
    let both = toward(DELETE, json!({"FromUserId": "za", "UserIds": ["zc"]}), Direction::Both);
    let (code, out) = send("zego_zim/delete_friends", both);
    assert_eq!((code, items(&out)), (0, vec![row("zc", "removed", Value::Null)]), "{out}");
    assert_eq!(friends(&url, "zego_zim", "za"), Vec::<String>::new());
    assert_eq!(friends(&url, "zego_zim", "zc"), Vec::<String>::new());

    // Deleting again, and deleting a registered user who never was a friend: not friends, a success.
    let again = toward(DELETE, json!({"FromUserId": "za", "UserIds": ["zb", "zd"]}), Direction::OneWay);
    let (code, out) = send("zego_zim/delete_friends", again);
    assert_eq!(
        (code, items(&out)),
        (0, vec![row("zb", "not_friends", not_friends.clone()), row("zd", "not_friends", not_friends)]),
        "{out}"
    );
    assert_eq!(friends(&url, "zego_zim", "zb"), ["za"], "a one-way delete never touches the reverse");
    drop(emulator);
}
