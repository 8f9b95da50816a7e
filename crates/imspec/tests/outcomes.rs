//! One outcome per sent item, read from each vendor's own answer — the page's response
//! examples first, then the documented variants (partial and total failure, already friends,
//! pending, rate limited).

mod common;

use imspec::runtime::outcome::{self, ItemOutcome, Outcome};
use imspec::runtime::{ApiInfo, Code, ErrorClass};
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
    common::example_json(api.spec.examples.get(name).expect("example"))
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
            row("id2", Outcome::Failed, Some("30006")),
            row("id3", Outcome::Failed, Some("30002"))
        ]
    );
    // A user sent twice takes one entry each, in order.
    let twice = json!({"ActionStatus":"OK","ErrorCode":0,"ResultItem":[
        {"To_Account":"a","ResultCode":0,"ResultInfo":""},{"To_Account":"a","ResultCode":30001,"ResultInfo":"x"}]});
    assert_eq!(
        read(&INFO, true, &twice, &["a", "a"]),
        vec![row("a", Outcome::Added, None), row("a", Outcome::Failed, Some("30001"))]
    );
    // 30539 is "pending approval": a success of another kind.
    let pending = json!({"ActionStatus":"OK","ErrorCode":0,"ResultItem":[{"To_Account":"id1","ResultCode":30539,"ResultInfo":""}]});
    assert_eq!(read(&INFO, true, &pending, &["id1"]), vec![row("id1", Outcome::Pending, Some("30539"))]);
    // A failed request fails every item with its code.
    let limited = json!({"ActionStatus":"FAIL","ErrorCode":60007,"ErrorInfo":"rate limited"});
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
    use imspec::zego_zim::add_friends::INFO;
    let body = page_response("zego_zim/add_friends", "response");
    assert_eq!(
        read(&INFO, true, &body, &["usera1", "usera2"]),
        vec![row("usera1", Outcome::Added, None), row("usera2", Outcome::Failed, Some("660800022"))]
    );
    // Already friends is a success.
    let again = json!({"Code":0,"Message":"success","RequestId":"1","ErrorList":[{"UserId":"a","SubCode":660800027}]});
    assert_eq!(read(&INFO, true, &again, &["a", "b"])[0], row("a", Outcome::AlreadyFriends, Some("660800027")));
    // The table's `UserID` spelling and a numeric id are read too.
    let spelled = json!({"Code":0,"Message":"success","RequestId":"4","ErrorList":[{"UserID":"b","SubCode":660800028},{"UserId":7,"SubCode":660800028}]});
    assert_eq!(
        read(&INFO, true, &spelled, &["a", "b", "7"]),
        vec![
            row("a", Outcome::Added, None),
            row("b", Outcome::Failed, Some("660800028")),
            row("7", Outcome::Failed, Some("660800028"))
        ]
    );
    // A failure that names no item we sent: the unlisted items are not claimed as added.
    let stray = json!({"Code":0,"Message":"success","RequestId":"5","ErrorList":[{"SubCode":660800028}]});
    assert_eq!(read(&INFO, true, &stray, &["a"]), vec![row("a", Outcome::Failed, None)]);
    // Code ≠ 0 with an empty list: the whole call failed.
    let total = json!({"Code":660300005,"Message":"qps","RequestId":"2","ErrorList":[]});
    assert_eq!(
        read(&INFO, true, &total, &["a", "b"]),
        vec![row("a", Outcome::Failed, Some("660300005")), row("b", Outcome::Failed, Some("660300005"))]
    );
    // Code ≠ 0 with a list: listed items carry their own code, the rest the call's.
    let all = json!({"Code":660800025,"Message":"none registered","RequestId":"3","ErrorList":[{"UserId":"a","SubCode":660700015}]});
    assert_eq!(
        read(&INFO, true, &all, &["a", "b"]),
        vec![row("a", Outcome::Failed, Some("660700015")), row("b", Outcome::Failed, Some("660800025"))]
    );
}

#[test]
fn easemob_example_lists_and_error_bodies() {
    use imspec::easemob::contacts_import::INFO;
    let body = page_response("easemob/contacts_import", "response");
    assert_eq!(
        read(&INFO, true, &body, &["username1", "username2", "username3"]),
        vec![
            row("username1", Outcome::Added, None),
            row("username2", Outcome::Added, None),
            row("username3", Outcome::Added, None)
        ]
    );
    let mixed =
        json!({"status":"ok","data":{"success":["a"],"UnKnowFailed":["b"],"NotExistFailed":["c"],"maxLimitFailed":[]}});
    let out = outcome::read(&INFO, true, &mixed, &["a", "b", "c"], imspec::runtime::Direction::OneWay);
    assert_eq!(out[1].class, Some(ErrorClass::Retryable));
    assert_eq!(out[2].outcome, Outcome::Failed);
    // Listed as both succeeded and failed: failed, which a retry can only confirm.
    let both =
        json!({"status":"ok","data":{"success":["a"],"UnKnowFailed":["a"],"NotExistFailed":[],"maxLimitFailed":[]}});
    assert_eq!(read(&INFO, true, &both, &["a"]), vec![row("a", Outcome::Failed, Some("UnKnowFailed"))]);
    // HTTP 429 with Easemob's error body: every item failed, rate limited.
    let limited = json!({"error":"reach_limit","exception":"x","timestamp":1,"duration":0,"error_description":"This request has reached api limit"});
    let out = outcome::read(&INFO, false, &limited, &["a"], imspec::runtime::Direction::OneWay);
    assert_eq!(
        (out[0].outcome, out[0].class, out[0].code.clone()),
        (Outcome::Failed, Some(ErrorClass::RateLimited), Some(Code::from("reach_limit")))
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
