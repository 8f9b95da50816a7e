// Large, full batches of each API, shared by the benchmark and the allocation test.

use imspec::easemob::contacts_import::ImportContactsRequest;
use imspec::runtime::StringOrInt;
use imspec::tencent_im::friend_add::{AddFriendItem, FriendAddRequest};
use imspec::tencent_im::friend_import::{CustomItem, FriendImportRequest, ImportFriendItem};
use imspec::zego_zim::add_friends::{AddFriendsRequest, FriendAttribute, FriendInfo};

/// ZEGO: the documented maximum of 20 items, every field set, 5 attributes each.
pub fn zego(n: usize) -> AddFriendsRequest {
    AddFriendsRequest {
        from_user_id: "zego_user".into(),
        friend_infos: (0..n)
            .map(|i| FriendInfo {
                user_id: format!("user_{i:04}"),
                wording: Some("你好，我们在活动上见过，加个好友吧！".into()),
                friend_alias: Some(format!("同事 {i}")),
                friend_time: Some(1_700_000_000_000 + i as i64),
                attributes: Some(
                    (0..5).map(|k| FriendAttribute { key: format!("k{k}"), value: format!("value-{k}-{i}") }).collect(),
                ),
            })
            .collect(),
    }
}

/// Easemob: the documented maximum of 10 usernames.
pub fn easemob(n: usize) -> ImportContactsRequest {
    ImportContactsRequest { usernames: (0..n).map(|i| format!("username_{i:04}")).collect() }
}

/// Tencent friend_import: its page states no maximum; 1000 full items.
pub fn friend_import(n: usize) -> FriendImportRequest {
    FriendImportRequest {
        from_account: "administrator_account".into(),
        add_friend_item: (0..n)
            .map(|i| ImportFriendItem {
                to_account: format!("account_{i:05}"),
                remark: Some(format!("备注 remark {i}")),
                remark_time: Some(1_420_000_001),
                group_name: Some(vec!["朋友".into(), "同事".into()]),
                add_source: "AddSource_Type_Android".into(),
                add_wording: Some("I'm Test, 很高兴认识你".into()),
                add_time: Some(1_420_000_001),
                custom_item: Some(vec![
                    CustomItem {
                        tag: Some("Tag_SNS_Custom_Level".into()),
                        value: Some(StringOrInt::Str("Test".into())),
                    },
                    CustomItem { tag: Some("Tag_SNS_Custom_Score".into()), value: Some(StringOrInt::Int(i as i64)) },
                ]),
            })
            .collect(),
    }
}

/// Tencent friend_add: no documented maximum either; 1000 full items.
pub fn friend_add(n: usize) -> FriendAddRequest {
    FriendAddRequest {
        from_account: "administrator_account".into(),
        add_friend_item: (0..n)
            .map(|i| AddFriendItem {
                to_account: format!("account_{i:05}"),
                remark: Some(format!("备注 remark {i}")),
                group_name: Some("同学".into()),
                add_source: "AddSource_Type_Android".into(),
                add_wording: Some("I'm Test, 很高兴认识你".into()),
            })
            .collect(),
        add_type: None,
        force_add_flags: Some(1),
    }
}
