//! The part of a page that documents one API. A page may document several (Easemob's user
//! relationship page, a ZEGO page per module): the API's section is the largest heading section
//! around the page's own request line (`POST https://…/contacts/import`, a URL alone in code such
//! as `https://zim-api.zego.im/?Action=AddFriends`) that names no other API.

use std::sync::LazyLock;

use imspec_spec::Api;
use regex::Regex;

use crate::page::Page;

/// A range of page lines, `start..end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub start: usize,
    pub end: usize,
}

impl Region {
    pub fn contains(&self, line: usize) -> bool {
        (self.start..self.end).contains(&line)
    }
}

/// A request line found in the page's code: method (when given), path and query.
#[derive(Debug, Clone, PartialEq)]
struct Mention {
    method: Option<String>,
    path: String,
    query: Vec<(String, String)>,
}

static METHOD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(GET|POST|PUT|DELETE|PATCH)\b").unwrap_or_else(|_| unreachable!()));
static TARGET: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(https?://[^\s'"`<>]+|/[^\s'"`<>]*)"#).unwrap_or_else(|_| unreachable!()));

/// The request line a line of code states, if any: a URL alone on the line, or a method
/// followed by a URL or a path.
fn mention(line: &str) -> Option<Mention> {
    let line = line.trim().trim_matches(|c| c == '`' || c == '\'' || c == '"');
    let (method, target) = if line.starts_with("http://") || line.starts_with("https://") {
        if line.contains(char::is_whitespace) {
            return None;
        }
        (None, line)
    } else {
        let m = METHOD.find(line)?;
        let target = TARGET.find(&line[m.end()..])?;
        (Some(m.as_str().to_owned()), target.as_str())
    };
    let target = target.trim_end_matches(['\'', '"', '\\', ')', ',']);
    let rest = match target.split_once("://") {
        Some((_, after)) => after.find(['/', '?']).map_or("/", |i| &after[i..]),
        None => target,
    };
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let query =
        query.split('&').filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned()))).collect();
    Some(Mention { method, path: path.to_owned(), query })
}

/// Whether a request line is this API's: same method (when the line gives one), the same path
/// (a `{param}` of the spec matches any segment), the spec's fixed query parameters present.
fn is_api(m: &Mention, api: &Api<'_>) -> bool {
    let ep = &api.spec.endpoint;
    if m.method.as_deref().is_some_and(|meth| !meth.eq_ignore_ascii_case(ep.method.value.as_str())) {
        return false;
    }
    let segs = |p: &str| -> Vec<String> { p.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect() };
    let (want, got) = (segs(&ep.path.value), segs(&m.path));
    if want.len() != got.len() || want.iter().zip(&got).any(|(w, g)| !(w.starts_with('{') || w == g)) {
        return false;
    }
    ep.query.iter().all(|(k, v)| m.query.iter().any(|(qk, qv)| *qk == k.value.to_string() && *qv == v.to_string()))
}

/// The lines of the page that document the API: the whole page unless it also names another API.
pub fn region(page: &Page, api: &Api<'_>) -> Region {
    let whole = Region { start: 1, end: page.last_line + 1 };
    let mut mine = Vec::new();
    let mut others = Vec::new();
    for block in &page.code {
        let mut at = 0;
        for line in block.text.split('\n') {
            if let Some(m) = mention(line) {
                let l = block.line_at(at);
                if is_api(&m, api) { mine.push(l) } else { others.push(l) }
            }
            at += line.len() + 1;
        }
    }
    let Some(&first) = mine.first() else { return whole };
    if others.is_empty() {
        return whole;
    }
    let hs = &page.headings;
    let Some(mut i) = hs.iter().rposition(|h| h.line <= first) else { return whole };
    let section = |i: usize| -> Region {
        let end = hs[i + 1..].iter().find(|h| h.level <= hs[i].level).map_or(whole.end, |h| h.line);
        Region { start: hs[i].line, end }
    };
    let clean = |r: Region| !others.iter().any(|&l| r.contains(l));
    let mut best = section(i);
    loop {
        let Some(parent) = hs[..i].iter().rposition(|h| h.level < hs[i].level) else {
            return if clean(whole) { whole } else { best };
        };
        let r = section(parent);
        if !clean(r) {
            return best;
        }
        best = r;
        i = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_in_code() {
        let m = mention("POST https://{host}/{org_name}/{app_name}/users/{username}/contacts/import").expect("mention");
        assert_eq!(m.method.as_deref(), Some("POST"));
        assert_eq!(m.path, "/{org_name}/{app_name}/users/{username}/contacts/import");
        let m = mention("https://zim-api.zego.im/?Action=AddFriends").expect("mention");
        assert_eq!((m.path.as_str(), m.query.clone()), ("/", vec![("Action".into(), "AddFriends".into())]));
        let m = mention("curl -X DELETE 'https://XXXX/a/b/users/u1' \\").expect("mention");
        assert_eq!((m.method.as_deref(), m.path.as_str()), (Some("DELETE"), "/a/b/users/u1"));
        assert!(mention("\"uri\": \"https://a1.easemob.com/org/app/users\",").is_none());
        assert!(mention("./TimRestApiGear.php sns friend_import (account_id) (receiver)").is_none());
    }
}
