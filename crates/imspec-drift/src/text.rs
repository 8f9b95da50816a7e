//! What a sentence of a page states: a call rate ("100次/秒", "200 calls/s"), a length with its
//! unit ("长度上限为 32 字节", "最长不超过8字节", "at most 256 characters") or a count
//! ("一次最多可导入 10 个", "单次请求最多支持100个", "上限 5 个"). The words are the pages'
//! vocabulary, not facts of an API: the values come from the page.

use std::sync::LazyLock;

use regex::Regex;

/// The unit of a stated limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Unit {
    Bytes,
    Chars,
    /// A number of items (array elements, friends in a call).
    Items,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Bytes => "bytes",
            Unit::Chars => "chars",
            Unit::Items => "items",
        }
    }
}

/// A limit stated in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stated {
    pub value: u64,
    pub unit: Unit,
    /// The sentence speaks of one call ("一次", "单次请求", "per request"): a batch maximum.
    pub per_call: bool,
    /// Byte offset of the number in the text.
    pub offset: usize,
}

static RATE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(\d[\d,]*)\s*(?:次\s*(?:/|每)\s*秒|次\s*/\s*s\b|(?:calls?|requests?|times?|queries)\s*(?:/\s*s(?:ec(?:ond)?)?\b|per\s+second)|qps\b)",
    )
});
static RATE_PER_SECOND_FIRST: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?:每秒|per\s+second)\D{0,8}?(\d[\d,]*)\s*(?:次|calls?|requests?|times)"));
static RATE_BARE: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)(\d[\d,]*)\s*/\s*(?:秒|s|sec|second)\b"));
static RATE_WORD: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)频率|frequency|rate"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| re(r"\d[\d,]*\d|\d"));
static UNIT_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\s*(?:(个字节|字节|bytes?\b|B\b)|(个字符|个汉字|字符|汉字|characters?\b|chars?\b)|(次\s*/|次每|calls?\b|requests?\b|times?\b|%|ms\b|毫秒|秒|分钟|天|位|年|月|日)|(个|名|条|人|items?\b|friends?\b|users?\b|accounts?\b|elements?\b|entries\b|ids?\b|objects?\b)?)",
    )
});
static LIMIT_WORD_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:最多|至多|上限|不超过|不能超过|不得超过|不可超过|最长|最大|up to|at most|maximum(?: of)?|max\.?|no more than|not (?:more than|exceed))[^\d。；;，,.!?\n]{0,8}$",
    )
});
static PER_CALL: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)每次|单次|一次|批量|每批|每个请求|单个请求|per (?:request|call|batch)|(?:a single|one|each|every|a) (?:request|call)|at (?:a time|once)",
    )
});

fn re(pattern: &str) -> Regex {
    // The patterns are constants checked by the tests; a bad one matches nothing.
    Regex::new(pattern).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
}

fn number(text: &str) -> Option<u64> {
    text.replace(',', "").parse().ok()
}

/// Every call rate stated in a text, with the byte offset of its number.
pub fn rates(text: &str) -> Vec<(u64, usize)> {
    let mut out: Vec<(u64, usize)> = RATE
        .captures_iter(text)
        .chain(RATE_PER_SECOND_FIRST.captures_iter(text))
        .filter_map(|c| c.get(1))
        .chain(
            // "200/s" is a rate only in a sentence about the call rate.
            RATE_BARE
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .filter(|m| RATE_WORD.is_match(sentence(text, m.start()))),
        )
        .filter(|m| !preceded_by_word_char(text, m.start()))
        .filter_map(|m| Some((number(m.as_str())?, m.start())))
        .collect();
    out.sort_by_key(|(_, at)| *at);
    out.dedup_by_key(|(_, at)| *at);
    out
}

fn preceded_by_word_char(text: &str, at: usize) -> bool {
    text[..at].chars().next_back().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Every length and count limit stated in a text. A length needs only its unit ("32 字节"); a
/// count needs a limit word before it ("最多 … 10 个", "上限为 20"), so that "为 0 时" or
/// "k0" state nothing.
pub fn limits(text: &str) -> Vec<Stated> {
    let mut out = Vec::new();
    for m in NUMBER.find_iter(text) {
        if preceded_by_word_char(text, m.start()) || text[m.end()..].starts_with(['.', '-', '~']) {
            continue;
        }
        let Some(value) = number(m.as_str()) else { continue };
        let Some(unit) = UNIT_AFTER.captures(&text[m.end()..]) else { continue };
        let kind = if unit.get(1).is_some() {
            Unit::Bytes
        } else if unit.get(2).is_some() {
            Unit::Chars
        } else if unit.get(3).is_some() {
            continue;
        } else {
            let before = &text[..m.start()];
            let window = before.char_indices().rev().nth(23).map_or(0, |(i, _)| i);
            if !LIMIT_WORD_BEFORE.is_match(&before[window..]) {
                continue;
            }
            Unit::Items
        };
        let per_call = kind == Unit::Items && PER_CALL.is_match(sentence(text, m.start()));
        out.push(Stated { value, unit: kind, per_call, offset: m.start() });
    }
    out
}

/// The sentence around a byte offset.
fn sentence(text: &str, at: usize) -> &str {
    let is_end = |c: char| "。；;！？!?\n".contains(c);
    let start = text[..at].rfind(is_end).map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8));
    let end = text[at..].find(is_end).map_or(text.len(), |i| at + i);
    &text[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lims(text: &str) -> Vec<(u64, Unit, bool)> {
        limits(text).into_iter().map(|s| (s.value, s.unit, s.per_call)).collect()
    }

    #[test]
    fn rates_in_several_spellings() {
        assert_eq!(rates("100次/秒。如需提升调用频率"), [(100, 0)]);
        assert_eq!(rates("调用频率限制：20 次/秒。").first().map(|r| r.0), Some(20));
        assert_eq!(rates("**调用频率上限**：100 次/秒/App Key").first().map(|r| r.0), Some(100));
        assert_eq!(rates("Maximum call frequency: 200 calls/second").first().map(|r| r.0), Some(200));
        assert_eq!(rates("up to 1,000 requests per second").first().map(|r| r.0), Some(1000));
        assert_eq!(rates("每秒最多 50 次").first().map(|r| r.0), Some(50));
        assert_eq!(rates("Maximum call frequency: 200/s.").first().map(|r| r.0), Some(200));
        assert!(rates("一次最多可导入 10 个").is_empty());
        assert!(rates("取值 32/s 之间").is_empty());
    }

    #[test]
    fn lengths_with_their_units() {
        assert_eq!(lims("目标用户 ID。长度上限为 32 字节。"), [(32, Unit::Bytes, false)]);
        assert_eq!(lims("XXXXXXXX为App自定义填写，最长不超过8字节"), [(8, Unit::Bytes, false)]);
        assert_eq!(lims("附言，长度上限为 256 字符。"), [(256, Unit::Chars, false)]);
        assert_eq!(lims("不能超过8个字节"), [(8, Unit::Bytes, false)]);
        assert_eq!(lims("at most 96 bytes"), [(96, Unit::Bytes, false)]);
        assert_eq!(lims("长度为 1-32 字节"), [(32, Unit::Bytes, false)]);
    }

    #[test]
    fn counts_need_a_limit_word() {
        assert_eq!(lims("好友的用户 ID，一次最多可导入 10 个。"), [(10, Unit::Items, true)]);
        assert_eq!(lims("单次请求最多支持100个"), [(100, Unit::Items, true)]);
        assert_eq!(lims("好友属性，上限 5 个。"), [(5, Unit::Items, false)]);
        assert_eq!(lims("好友结构体对象。默认上限为 20。"), [(20, Unit::Items, false)]);
        assert_eq!(lims("可为用户直接批量添加至多 20 名好友，无需对方同意。"), [(20, Unit::Items, true)]);
        assert_eq!(lims("Up to 1,000 friends can be imported in a single request."), [(1000, Unit::Items, true)]);
        assert!(lims("为 0 时，ZIM 服务端以当前时间为准。").is_empty());
        assert!(lims("取值仅能为 k0、k1、k2、k3、k4。").is_empty());
        assert!(lims("请输入随机的32位无符号整数，取值范围0 - 4294967295").is_empty());
        assert!(lims("调用频率限制：20 次/秒。").is_empty());
        assert!(lims("错误码 40801").is_empty());
    }
}
