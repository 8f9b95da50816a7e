//! The seed pages against their specs: each seed shows nothing; a copy of a seed with one
//! planted edit (made here, from the seed's text) shows exactly that edit, on its line; a page
//! cut short reports the part missing; newer versions of the Tencent pages show what changed.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use imspec_drift::{Kind, Report};
use imspec_spec::Loaded;

// The APIs whose seeds the planted edits below are made in; each seed is found from its spec.
const FRIEND_IMPORT: &str = "tencent_im/friend_import";
const FRIEND_ADD: &str = "tencent_im/friend_add";
const CONTACTS_IMPORT: &str = "easemob/contacts_import";
const ADD_FRIENDS: &str = "zego_zim/add_friends";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

static SPECS: LazyLock<Loaded> = LazyLock::new(|| imspec_spec::load_dir_as(&root().join("specs"), "specs"));

fn run(api: &str, page: &str) -> Report {
    assert!(!SPECS.has_errors());
    let api = SPECS.set.api(api).expect("api");
    imspec_drift::drift(api, page)
}

/// The file under `seeds/` an API's spec cites as a source, if it cites one.
fn seed_file(api: imspec_spec::Api<'_>) -> Option<String> {
    api.spec.sources.iter().find_map(|(_, s)| s.file.as_deref()?.strip_prefix("seeds/").map(str::to_owned))
}

/// The text of the seed an API's spec transcribes.
fn seed(api: &str) -> String {
    assert!(!SPECS.has_errors());
    let file = seed_file(SPECS.set.api(api).expect("api")).unwrap_or_else(|| panic!("{api} cites no seed"));
    std::fs::read_to_string(root().join("seeds").join(file)).expect("seed")
}

/// The spec of an API.
fn spec(api: &str) -> imspec_spec::Api<'static> {
    SPECS.set.api(api).expect("api")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pages").join(name)).expect("fixture")
}

/// The seed with `from` replaced once by `to` (which must be there).
fn edit(api: &str, from: &str, to: &str) -> String {
    let text = seed(api);
    assert_eq!(text.matches(from).count(), 1, "`{from}` is not once in {api}'s seed");
    text.replacen(from, to, 1)
}

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1).unwrap_or_else(|| panic!("no `{needle}`"))
}

fn found(report: &Report) -> Vec<(Kind, String, usize)> {
    report.differences.iter().map(|d| (d.kind, d.what.clone(), d.line)).collect()
}

#[test]
fn each_seed_against_its_spec_shows_nothing() {
    assert!(!SPECS.has_errors());
    let mut compared = Vec::new();
    for api in SPECS.set.apis() {
        let Some(file) = seed_file(api) else { continue };
        let report = run(&api.id(), &seed(&api.id()));
        assert!(report.is_clean(), "{}:\n{}", api.id(), report.render(&file));
        compared.push(file);
    }
    // Every seed on disk is some spec's source.
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join("seeds"))
        .expect("seeds")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".txt"))
        .collect();
    on_disk.sort();
    compared.sort();
    assert_eq!(compared, on_disk);
}

#[test]
fn a_changed_rate() {
    // The seed states the spec's rate; the copy states another.
    let rate = spec(FRIEND_IMPORT).spec.rate_limit.per_second.value;
    let page = edit(FRIEND_IMPORT, &format!("{rate}次/秒"), &format!("{}次/秒", rate + 50));
    let report = run(FRIEND_IMPORT, &page);
    let line = line_of(&page, &format!("{}次/秒", rate + 50));
    assert_eq!(found(&report), [(Kind::RateLimit, "rate_limit".into(), line)]);
    assert_eq!(
        (report.differences[0].spec.clone(), report.differences[0].page.clone()),
        (rate.into(), (rate + 50).into())
    );
    assert!(report.missing.is_empty());

    let rate = spec(ADD_FRIENDS).spec.rate_limit.per_second.value;
    let more = format!("调用频率限制：{} 次/秒", rate + 10);
    let page = edit(ADD_FRIENDS, &format!("调用频率限制：{rate} 次/秒"), &more);
    assert_eq!(found(&run(ADD_FRIENDS, &page)), [(Kind::RateLimit, "rate_limit".into(), line_of(&page, &more))]);
}

#[test]
fn a_deleted_code_row() {
    // The line of a removal is where the row was: the next row now stands there.
    // pins seeds/000_f40b817d19dc639d.txt: its error table's row for 30805
    let row = "| 30805 | 好友导入获取组信息和序列号元数据错误，请再次尝试或联系技术客服。    | \n";
    let page = edit(FRIEND_IMPORT, row, "");
    let report = run(FRIEND_IMPORT, &page);
    assert_eq!(
        found(&report),
        [(Kind::CodeRemoved, "errors.30805".into(), line_of(&seed(FRIEND_IMPORT), "| 30805 |"))]
    );

    let text = seed(ADD_FRIENDS);
    // pins seeds/003_1c4dfcfb89ee9064.txt: its row for 660800021, followed by the row for 660800022
    let row = "<tr>\n<td>660800021</td>\n<td>`FriendAlias` 或 `Wording` 超过长度上限。</td>\n<td>请缩减相关字段的内容长度。</td>\n</tr>\n";
    let page = edit(ADD_FRIENDS, row, "");
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::CodeRemoved, "errors.660800021".into(), line_of(&page, "<td>660800022</td>"))]);
    assert_eq!(line_of(&page, "<td>660800022</td>"), line_of(&text, "<td>660800021</td>"));

    // pins seeds/002_d5c9c8a45b1a35b5.txt: its row for exceed_limit, after the row for illegal_argument
    let row = "| 403     | exceed_limit   | Inviter's contact max count.";
    let text = seed(CONTACTS_IMPORT);
    let page: String = text.lines().filter(|l| !l.starts_with(row)).map(|l| format!("{l}\n")).collect();
    let report = run(CONTACTS_IMPORT, &page);
    assert_eq!(
        found(&report),
        [(Kind::CodeRemoved, "errors.exceed_limit".into(), line_of(&page, "illegal_argument") + 1)]
    );
}

#[test]
fn an_added_code_row() {
    // pins seeds/001_08c38fb0787eb343.txt: its error table has a row for 30540 and none for 30541
    let page = edit(FRIEND_ADD, "| 30540  |", "| 30541  | 新的错误码 |\n| 30540  |");
    let report = run(FRIEND_ADD, &page);
    assert_eq!(found(&report), [(Kind::CodeAdded, "errors.30541".into(), line_of(&page, "30541"))]);
}

#[test]
fn an_added_field_row() {
    // A row in ZEGO's HTML table, drawn as a child of FriendInfos.
    let row = "<tr data-row-level=\"4-5\">\n<td>└FriendAlias</td>";
    let added = "<tr data-row-level=\"4-9\">\n<td>└Remark</td>\n<td>String</td>\n<td>否</td>\n<td>备注。</td>\n</tr>\n";
    let page = edit(ADD_FRIENDS, row, &format!("{added}{row}"));
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::FieldAdded, "$.FriendInfos[].Remark".into(), line_of(&page, "└Remark"))]);

    // A row in Tencent's Markdown response table.
    let page = edit(
        FRIEND_IMPORT,
        "| ErrorDisplay | String  |",
        "| ErrorTime | Integer | 时间。 |\n| ErrorDisplay | String  |",
    );
    let report = run(FRIEND_IMPORT, &page);
    assert_eq!(found(&report), [(Kind::FieldAdded, "$.ErrorTime".into(), line_of(&page, "ErrorTime"))]);
    assert_eq!(report.differences[0].page, "Integer");
}

#[test]
fn a_removed_response_field_row() {
    let page = edit(FRIEND_IMPORT, "| Invalid_Account | Array | 返回处理失败的用户列表。  |\n", "");
    let report = run(FRIEND_IMPORT, &page);
    assert_eq!(
        found(&report),
        [(Kind::FieldRemoved, "$.Invalid_Account".into(), line_of(&seed(FRIEND_IMPORT), "| Invalid_Account"))]
    );
}

#[test]
fn a_changed_type_and_required() {
    let page = edit(FRIEND_ADD, "|To_Account|String|必填|", "|To_Account|String|选填|");
    let report = run(FRIEND_ADD, &page);
    assert_eq!(
        found(&report),
        [(Kind::FieldRequired, "$.AddFriendItem[].To_Account".into(), line_of(&page, "|To_Account|"))]
    );

    let page = edit(ADD_FRIENDS, "<td>└FriendTime</td>\n<td>Number</td>", "<td>└FriendTime</td>\n<td>String</td>");
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(
        found(&report),
        [(Kind::FieldType, "$.FriendInfos[].FriendTime".into(), line_of(&page, "└FriendTime") + 1)]
    );

    // pins seeds/003_1c4dfcfb89ee9064.txt: at most 5 attributes (上限 5 个), of 1024 bytes in all
    let page = edit(ADD_FRIENDS, "好友属性，上限 5 个。", "好友属性，上限 8 个。");
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::Limit, "$.FriendInfos[].Attributes".into(), line_of(&page, "上限 8 个"))]);
    let page = edit(ADD_FRIENDS, "总长度上限为 1024 字节", "总长度上限为 2048 字节");
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::Limit, "$.FriendInfos[].Attributes".into(), line_of(&page, "2048 字节"))]);
}

#[test]
fn a_changed_limit_in_a_description() {
    // pins seeds/003_1c4dfcfb89ee9064.txt: UserId is at most 32 bytes, Wording 256 chars
    let page = edit(ADD_FRIENDS, "长度上限为 32 字节", "长度上限为 64 字节");
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::Limit, "$.FriendInfos[].UserId".into(), line_of(&page, "64 字节"))]);
    assert_eq!(
        (report.differences[0].spec.clone(), report.differences[0].page.clone()),
        ("32 bytes".into(), "64 bytes".into())
    );

    let page = edit(
        ADD_FRIENDS,
        "长度上限为 256 字符。</td>\n</tr>\n<tr data-row-level=\"4-5\">",
        "长度上限为 256 字节。</td>\n</tr>\n<tr data-row-level=\"4-5\">",
    );
    let report = run(ADD_FRIENDS, &page);
    assert_eq!(found(&report), [(Kind::Limit, "$.FriendInfos[].Wording".into(), line_of(&page, "256 字节"))]);
    assert_eq!(
        (report.differences[0].spec.clone(), report.differences[0].page.clone()),
        ("256 chars".into(), "256 bytes".into())
    );

    // pins seeds/000_f40b817d19dc639d.txt: AddSource's custom part is at most 8 bytes
    let page = edit(FRIEND_IMPORT, "最长不超过8字节", "最长不超过16字节");
    let line = line_of(&page, "最长不超过16字节");
    assert_eq!(found(&run(FRIEND_IMPORT, &page)), [(Kind::Limit, "$.AddFriendItem[].AddSource".into(), line)]);
}

#[test]
fn a_changed_batch_maximum() {
    // The seed states the spec's batch maximum; the copy states twice as many.
    let max = spec(CONTACTS_IMPORT).spec.batch.as_ref().and_then(|b| b.max_items).expect("a batch maximum");
    let more = format!("- 支持批量导入好友，一次最多可导入 {} 个。", 2 * max);
    let page = edit(CONTACTS_IMPORT, &format!("- 支持批量导入好友，一次最多可导入 {max} 个。"), &more);
    let report = run(CONTACTS_IMPORT, &page);
    assert_eq!(found(&report), [(Kind::BatchMax, "batch.max_items".into(), line_of(&page, &more))]);
    assert_eq!(
        (report.differences[0].spec.clone(), report.differences[0].page.clone()),
        (max.into(), (2 * max).into())
    );
}

#[test]
fn a_page_cut_before_its_error_table_reports_it_missing() {
    let text = seed(FRIEND_IMPORT);
    let cut = &text[..text.find("### 2.10 错误码说明").expect("section")];
    let report = run(FRIEND_IMPORT, cut);
    assert!(report.differences.is_empty(), "{}", report.render("cut"));
    assert_eq!(report.missing.iter().map(|m| m.part.as_str()).collect::<Vec<_>>(), ["errors"]);
    assert_eq!(report.to_json()["missing"], serde_json::json!(["errors"]));

    let text = seed(ADD_FRIENDS);
    let cut = &text[..text.find("## 返回码").expect("section")];
    let report = run(ADD_FRIENDS, cut);
    assert!(report.differences.is_empty(), "{}", report.render("cut"));
    assert_eq!(report.missing.iter().map(|m| m.part.as_str()).collect::<Vec<_>>(), ["errors"]);
}

#[test]
fn a_page_cut_inside_its_error_table_removes_nothing() {
    let text = seed(FRIEND_IMPORT);
    let cut = &text[..text.find("好友导入获取组信息和序列号元数据错误").expect("row")];
    let report = run(FRIEND_IMPORT, cut);
    assert!(report.differences.is_empty(), "{}", report.render("cut"));
    assert_eq!(report.missing.iter().map(|m| m.part.as_str()).collect::<Vec<_>>(), ["errors"]);

    let text = seed(ADD_FRIENDS);
    // pins seeds/003_1c4dfcfb89ee9064.txt: 660800025 is a row in the middle of its error table
    let cut = &text[..text.find("<td>660800025</td>").expect("row")];
    let report = run(ADD_FRIENDS, cut);
    assert!(report.differences.is_empty(), "{}", report.render("cut"));
    assert_eq!(report.missing.iter().map(|m| m.part.as_str()).collect::<Vec<_>>(), ["errors"]);
}

#[test]
fn a_page_cut_inside_its_response_table() {
    let text = seed(FRIEND_IMPORT);
    let cut = &text[..text.find("| Fail_Account | Array |").expect("row") + 10];
    let report = run(FRIEND_IMPORT, cut);
    assert!(report.differences.is_empty(), "{}", report.render("cut"));
    assert_eq!(report.missing.iter().map(|m| m.part.as_str()).collect::<Vec<_>>(), ["response", "errors"]);
}

#[test]
fn a_newer_friend_import_page() {
    let page = fixture("tencent_friend_import_newer.md");
    let report = run(FRIEND_IMPORT, &page);
    let has = |kind: Kind, what: &str| report.differences.iter().any(|d| d.kind == kind && d.what == what);
    assert!(has(Kind::RateLimit, "rate_limit"));
    // The spec already takes the batch maximum from this newer page (`source: newer_page`):
    // a fact from another source is not compared.
    assert!(!has(Kind::BatchMax, "batch.max_items"));
    assert!(has(Kind::FieldRemoved, "$.Invalid_Account"));
    // pins tests/pages/tencent_friend_import_newer.md: its table drops the seed's 30801–30813
    // and lists 30005–30011 instead
    for code in 30801..=30813 {
        assert!(has(Kind::CodeRemoved, &format!("errors.{code}")), "{code}");
    }
    for code in 30005..=30011 {
        assert!(has(Kind::CodeAdded, &format!("errors.{code}")), "{code}");
    }
    assert!(report.missing.is_empty());
    insta::assert_snapshot!("friend_import_newer", report.render("tencent_friend_import_newer.md"));
    insta::assert_snapshot!("friend_import_newer_json", format!("{:#}", report.to_json()));
}

#[test]
fn a_newer_friend_add_page_in_english() {
    let page = fixture("tencent_friend_add_intl.md");
    let report = run(FRIEND_ADD, &page);
    insta::assert_snapshot!("friend_add_intl", report.render("tencent_friend_add_intl.md"));
}

#[test]
fn every_planted_edit_at_once() {
    let mut page = seed(FRIEND_IMPORT);
    // pins seeds/000_f40b817d19dc639d.txt: 100次/秒, RemarkTime an optional Integer, a 30813 row
    for (from, to) in [
        ("100次/秒", "200次/秒"),
        ("| RemarkTime | Integer | 选填 |", "| RemarkTime | String | 必填 |"),
        // pins seeds/000_f40b817d19dc639d.txt: 30813 is its groups-full row (好友导入组满)
        ("| 30813 | 好友导入组满", "| 30814 | 好友导入组满"),
        ("| Invalid_Account | Array | 返回处理失败的用户列表。  |\n", ""),
    ] {
        page = page.replacen(from, to, 1);
    }
    insta::assert_snapshot!("friend_import_edited", run(FRIEND_IMPORT, &page).render("friend_import.md"));
}

#[test]
fn a_page_of_several_apis_is_read_in_the_apis_section() {
    // Easemob: a common part (shared parameter tables), the section of another API, then ours.
    let page = fixture("easemob_user_relationship.md");
    let report = run(CONTACTS_IMPORT, &page);
    assert!(report.is_clean(), "{}", report.render("easemob_user_relationship.md"));
    // pins tests/pages/easemob_user_relationship.md: contacts import at 100 次/秒/App Key
    let edited = page.replacen("100 次/秒/App Key", "50 次/秒/App Key", 1);
    let report = run(CONTACTS_IMPORT, &edited);
    assert_eq!(found(&report), [(Kind::RateLimit, "rate_limit".into(), line_of(&edited, "50 次/秒"))]);

    // ZEGO: another API's section first, with its own fields and return codes.
    let page = fixture("zego_two_apis.md");
    let report = run(ADD_FRIENDS, &page);
    assert!(report.is_clean(), "{}", report.render("zego_two_apis.md"));
    let ours = page.find("# 批量添加好友").expect("our section");
    // pins tests/pages/zego_two_apis.md: in our section the row for 660800027 precedes 660800028
    let edited = format!("{}{}", &page[..ours], page[ours..].replacen("<td>660800027</td>", "<td>660800099</td>", 1));
    let report = run(ADD_FRIENDS, &edited);
    assert_eq!(
        found(&report),
        [
            (Kind::CodeAdded, "errors.660800099".into(), line_of(&edited, "660800099")),
            (Kind::CodeRemoved, "errors.660800027".into(), line_of(&edited, "<td>660800028</td>")),
        ]
    );
}

#[test]
fn an_added_row_sits_where_it_is_drawn() {
    // Drawn under Attributes (indented like Key), after Value: a field of each attribute.
    let row = "<tr data-row-level=\"4-7-2\">\n<td>&nbsp;&nbsp;&nbsp;&nbsp;└Value</td>\n<td>String</td>\n<td>是</td>\n<td>好友属性的值。</td>\n</tr>\n";
    let added = "<tr data-row-level=\"4-7-3\">\n<td>&nbsp;&nbsp;&nbsp;&nbsp;└Scope</td>\n<td>String</td>\n<td>否</td>\n<td>范围。</td>\n</tr>\n";
    let page = edit(ADD_FRIENDS, row, &format!("{row}{added}"));
    assert_eq!(
        found(&run(ADD_FRIENDS, &page)),
        [(Kind::FieldAdded, "$.FriendInfos[].Attributes[].Scope".into(), line_of(&page, "└Scope"))]
    );
}
