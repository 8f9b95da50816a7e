//! One outcome per sent item, read from each vendor's own answer — the page's response
//! examples first, then the documented variants (partial and total failure, already friends,
//! pending, rate limited).

mod common;

use imspec::runtime::outcome::{self, ItemOutcome, Outcome};
use imspec::runtime::{ApiInfo, ErrorClass, VendorCode};
use serde_json::{Value, json};

fn read(info: &ApiInfo, http_ok: bool, body: &Value, sent: &[&str]) -> Vec<(String, Outcome, Option<String>)> {
    outcome::read(info, http_ok, body, sent, imspec::runtime::Direction::OneWay)
        .into_iter()
        .map(|ItemOutcome { user, outcome, code, .. }| (user, outcome, code.map(|c| c.to_string())))
        .collect()
}

fn page_response(api: &str, name: &str) -> Value {
    let set = common::specs();
    let api = set.api(api).expect("api");
    common::example_json(api, api.spec.examples.get(name).expect("example"))
}

fn row(user: &str, outcome: Outcome, code: Option<&str>) -> (String, Outcome, Option<String>) {
    (user.to_owned(), outcome, code.map(str::to_owned))
}

#[test]
fn tencent_friend_add_batch_example() {
    use imspec::tencent_im::friend_add::INFO;
    let body = page_response("tencent_im/friend_add", "response_batch");
    assert_eq!(
        read(&INFO, true, &body, &["id1", "id2", "id3"]),
        vec![
            row("id1", Outcome::Added, None),
            // pins seeds/001_08c38fb0787eb343.txt: its batch answer fails id2 with 30006 and id3 with 30002
            row("id2", Outcome::Failed, Some("30006")),
            row("id3", Outcome::Failed, Some("30002"))
        ]
    );
    // A user sent twice takes one entry each, in order.
    let bad = &INFO.schema_error_code;
    let twice = json!({"ActionStatus":"OK","ErrorCode":0,"ResultItem":[
        {"To_Account":"a","ResultCode":0,"ResultInfo":""},{"To_Account":"a","ResultCode":bad.to_json(),"ResultInfo":"x"}]});
    assert_eq!(
        read(&INFO, true, &twice, &["a", "a"]),
        vec![row("a", Outcome::Added, None), row("a", Outcome::Failed, Some(bad.to_string().as_str()))]
    );
    // Pending approval is a success of another kind.
    let pending = INFO.relation.as_ref().and_then(|r| r.pending.as_ref()).expect("a pending code");
    let answer = json!({"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":"id1","ResultCode":pending.to_json(),"ResultInfo":""}]});
    assert_eq!(
        read(&INFO, true, &answer, &["id1"]),
        vec![row("id1", Outcome::Pending, Some(pending.to_string().as_str()))]
    );
    // A failed request fails every item with its code.
    let limited =
        json!({"ActionStatus":"FAIL","ErrorCode":INFO.rate_limit.answer.to_json(),"ErrorInfo":"rate limited"});
    assert_eq!(
        outcome::read(&INFO, true, &limited, &["id1"], imspec::runtime::Direction::OneWay)[0].class,
        Some(ErrorClass::RateLimited)
    );
}

#[test]
fn tencent_friend_import_batch_example() {
    use imspec::tencent_im::friend_import::INFO;
    let body = page_response("tencent_im/friend_import", "response_batch");
    let out = read(&INFO, true, &body, &["id1", "id2", "id3", "id4"]);
    assert_eq!(out[..3].iter().map(|r| r.1).collect::<Vec<_>>(), [Outcome::Added; 3]);
    // An item the answer does not mention is not silently counted as added.
    assert_eq!(out[3], row("id4", Outcome::Failed, None));
}

#[test]
fn zego_example_and_its_code_semantics() {
    use imspec::zego_zim::add_friends::{ErrorCode, INFO};
    let body = page_response("zego_zim/add_friends", "response");
    assert_eq!(
        read(&INFO, true, &body, &["usera1", "usera2"]),
        // pins seeds/003_1c4dfcfb89ee9064.txt: its answer fails usera2 with SubCode 660800022
        vec![row("usera1", Outcome::Added, None), row("usera2", Outcome::Failed, Some("660800022"))]
    );
    // Already friends is a success.
    let already = INFO.relation.as_ref().and_then(|r| r.already_friends.as_ref()).expect("an already-friends code");
    let again =
        json!({"Code":0,"Message":"success","RequestId":"1","ErrorList":[{"UserId":"a","SubCode":already.to_json()}]});
    assert_eq!(
        read(&INFO, true, &again, &["a", "b"])[0],
        row("a", Outcome::AlreadyFriends, Some(already.to_string().as_str()))
    );
    // The table's `UserID` spelling and a numeric id are read too.
    let full = ErrorCode::FriendLimitReached.code();
    let (full_json, full) = (full.to_json(), full.to_string());
    let spelled = json!({"Code":0,"Message":"success","RequestId":"4","ErrorList":[{"UserID":"b","SubCode":full_json},{"UserId":7,"SubCode":full_json}]});
    assert_eq!(
        read(&INFO, true, &spelled, &["a", "b", "7"]),
        vec![
            row("a", Outcome::Added, None),
            row("b", Outcome::Failed, Some(full.as_str())),
            row("7", Outcome::Failed, Some(full.as_str()))
        ]
    );
    // A failure that names no item we sent: the unlisted items are not claimed as added.
    let stray = json!({"Code":0,"Message":"success","RequestId":"5","ErrorList":[{"SubCode":full_json}]});
    assert_eq!(read(&INFO, true, &stray, &["a"]), vec![row("a", Outcome::Failed, None)]);
    // Code ≠ 0 with an empty list: the whole call failed.
    let qps = &INFO.rate_limit.answer;
    let total = json!({"Code":qps.to_json(),"Message":"qps","RequestId":"2","ErrorList":[]});
    let qps = qps.to_string();
    assert_eq!(
        read(&INFO, true, &total, &["a", "b"]),
        vec![row("a", Outcome::Failed, Some(qps.as_str())), row("b", Outcome::Failed, Some(qps.as_str()))]
    );
    // Code ≠ 0 with a list: listed items carry their own code, the rest the call's.
    let (none, unknown) = (ErrorCode::NoTargetRegistered.code(), ErrorCode::UserNotRegistered.code());
    let all = json!({"Code":none.to_json(),"Message":"none registered","RequestId":"3","ErrorList":[{"UserId":"a","SubCode":unknown.to_json()}]});
    assert_eq!(
        read(&INFO, true, &all, &["a", "b"]),
        vec![
            row("a", Outcome::Failed, Some(unknown.to_string().as_str())),
            row("b", Outcome::Failed, Some(none.to_string().as_str()))
        ]
    );
}

/// A per-item answer whose envelope carries a failure because every item failed: each item is
/// read with its own code, not the call's.
#[test]
fn a_failed_call_that_lists_its_items_is_read_item_by_item() {
    use imspec::zego_zim::check_friends::INFO;
    let ok = INFO.envelope.ok.clone().expect("a success value");
    // Two failure codes of the API's table: one for the listed item, one for the call.
    let mut failures = INFO.errors.iter().map(|r| r.code.clone()).filter(|c| *c != ok);
    let (item, call) = (failures.next().expect("a code").to_json(), failures.next().expect("another").to_json());
    let body = json!({"Code": call, "Message": "failed", "RequestId": "1", "Successes": [],
        "Fails": [{"UserId": "x", "SubCode": item}]});
    let (item, call) = (item.to_string(), call.to_string());
    assert_eq!(
        read(&INFO, true, &body, &["x", "y"]),
        vec![row("x", Outcome::Failed, Some(item.as_str())), row("y", Outcome::Failed, Some(call.as_str()))]
    );
}

#[test]
fn easemob_example_lists_and_error_bodies() {
    use imspec::easemob::contacts_import::{ErrorCode, INFO};
    let body = page_response("easemob/contacts_import", "response");
    assert_eq!(
        read(&INFO, true, &body, &["username1", "username2", "username3"]),
        vec![
            row("username1", Outcome::Added, None),
            row("username2", Outcome::Added, None),
            row("username3", Outcome::Added, None)
        ]
    );
    // Each failure list is named by its code.
    let (unknown, missing, full) =
        (ErrorCode::UnknownFailed.code(), ErrorCode::NotExistFailed.code(), ErrorCode::MaxLimitFailed.code());
    let (unknown, missing, full) = (unknown.to_string(), missing.to_string(), full.to_string());
    let lists = |success: &[&str], unknown_ids: &[&str], missing_ids: &[&str]| {
        let mut data = json!({"success": success});
        data[unknown.as_str()] = json!(unknown_ids);
        data[missing.as_str()] = json!(missing_ids);
        data[full.as_str()] = json!([]);
        json!({"status": "ok", "data": data})
    };
    let mixed = lists(&["a"], &["b"], &["c"]);
    let out = outcome::read(&INFO, true, &mixed, &["a", "b", "c"], imspec::runtime::Direction::OneWay);
    assert_eq!(out[1].class, Some(ErrorClass::Retryable));
    assert_eq!(out[2].outcome, Outcome::Failed);
    // Listed as both succeeded and failed: failed, which a retry can only confirm.
    let both = lists(&["a"], &["a"], &[]);
    assert_eq!(read(&INFO, true, &both, &["a"]), vec![row("a", Outcome::Failed, Some(unknown.as_str()))]);
    // HTTP 429 with Easemob's error body: every item failed, rate limited.
    let limited = json!({"error":INFO.rate_limit.answer.to_json(),"exception":"x","timestamp":1,"duration":0,"error_description":"This request has reached api limit"});
    let out = outcome::read(&INFO, false, &limited, &["a"], imspec::runtime::Direction::OneWay);
    assert_eq!(
        (out[0].outcome, out[0].class, out[0].code.clone()),
        (Outcome::Failed, Some(ErrorClass::RateLimited), Some(INFO.rate_limit.answer.clone()))
    );
}

#[test]
fn tencent_multiaccount_import_reads_its_failed_accounts_as_failed() {
    use imspec::tencent_im::multiaccount_import::INFO;
    // The page's answer to five accounts: test3 and test4 failed, without codes.
    let body = page_response("tencent_im/multiaccount_import", "response");
    let out = outcome::read(
        &INFO,
        true,
        &body,
        &["test1", "test2", "test3", "test4", "test5"],
        imspec::runtime::Direction::OneWay,
    );
    let words: Vec<(&str, Outcome)> = out.iter().map(|o| (o.user.as_str(), o.outcome)).collect();
    assert_eq!(
        words,
        [
            ("test1", Outcome::Registered),
            ("test2", Outcome::Registered),
            ("test3", Outcome::Failed),
            ("test4", Outcome::Failed),
            ("test5", Outcome::Registered)
        ]
    );
    // A listed failure is an answer (retried as its class says), not a lost one.
    assert_eq!(out[2].class, Some(ErrorClass::Retryable));
}
