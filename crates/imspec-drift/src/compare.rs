//! The comparison: the page's facts, within the API's section, against the spec's.

use serde_json::{Value as Json, json};

use imspec_spec::Code;

use crate::facts::{self, CodeTable, FieldRow, FieldTable};
use crate::page::{Block, Page};
use crate::report::{Difference, Kind, Missing, Report};
use crate::section::{self, Region};
use crate::spec::{Entry, SpecView, Tree, TypeKind};
use crate::text::{self, Stated, Unit};

/// Compares a page with an API's spec.
pub fn compare(view: &SpecView<'_>, page: &Page) -> Report {
    let region = section::region(page, &view.api);
    let mut cx = Cx { view, report: Report { api: view.api.id(), differences: Vec::new(), missing: Vec::new() } };
    let field_tables: Vec<FieldTable<'_>> =
        page.tables.iter().filter(|t| region.contains(t.line)).filter_map(facts::field_table).collect();
    let code_tables: Vec<CodeTable<'_>> =
        page.tables.iter().filter(|t| region.contains(t.line)).filter_map(facts::code_table).collect();

    // Each field table goes to the body whose field names it shares most (at least half its rows).
    let (mut request, mut response) = (Vec::new(), Vec::new());
    for ft in field_tables {
        let rows = ft.rows();
        let hits = |tree: &Tree<'_>| rows.iter().filter(|r| !candidates(tree, r).is_empty()).count();
        let (req, resp) = (hits(&view.request), hits(&view.response));
        let best = req.max(resp);
        if best == 0 || best * 2 < rows.len() {
            continue;
        }
        if req >= resp { request.push((ft, rows)) } else { response.push((ft, rows)) }
    }

    let mut batch_seen: Vec<(u64, usize)> = Vec::new();
    cx.fields(page, "request", &view.request, &request, true, &mut batch_seen);
    cx.fields(page, "response", &view.response, &response, false, &mut batch_seen);

    let prose: Vec<&Block> = page.prose.iter().filter(|b| region.contains(b.line())).collect();
    for block in &prose {
        for s in text::limits(&block.text) {
            if s.unit == Unit::Items && s.per_call {
                batch_seen.push((s.value, block.line_at(s.offset)));
            }
        }
    }
    cx.batch(&batch_seen);
    cx.rate(page, &prose, region, &code_tables);
    cx.codes(&code_tables);

    let r = &mut cx.report;
    r.differences.sort_by(|a, b| (a.line, a.kind, &a.what).cmp(&(b.line, b.kind, &b.what)));
    r.differences.dedup();
    cx.report
}

struct Cx<'v, 'a> {
    view: &'v SpecView<'a>,
    report: Report,
}

/// The entries a row may be: by wire name or alias (exactly, else ignoring case), narrowed by a
/// dotted prefix the row gives (`data.success`).
fn candidates<'t, 'a>(tree: &'t Tree<'a>, row: &FieldRow) -> Vec<(usize, &'t Entry<'a>)> {
    let by = |exact: bool| -> Vec<(usize, &'t Entry<'a>)> {
        tree.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.names.iter().any(|n| if exact { n == row.leaf() } else { n.eq_ignore_ascii_case(row.leaf()) })
            })
            .filter(|(_, e)| {
                row.segs.len() < 2 || {
                    let tail = &e.segs[e.segs.len().saturating_sub(row.segs.len())..];
                    tail.len() == row.segs.len() && tail.iter().zip(&row.segs).all(|(a, b)| a.eq_ignore_ascii_case(b))
                }
            })
            .collect()
    };
    let exact = by(true);
    if exact.is_empty() { by(false) } else { exact }
}

fn diff(kind: Kind, what: &str, spec: Json, page: Json, line: usize) -> Difference {
    Difference { kind, what: what.to_owned(), spec, page, line }
}

fn limit_json(value: u64, unit: Unit) -> Json {
    json!(format!("{value} {}", unit.as_str()))
}

impl Cx<'_, '_> {
    fn missing(&mut self, part: &str, why: String) {
        self.report.missing.push(Missing { part: part.to_owned(), why });
    }

    fn push(&mut self, d: Difference) {
        self.report.differences.push(d);
    }

    /// Rows against the fields of one body: added, removed, type, required, and (request only)
    /// limits stated in descriptions. Counts stated for a call go to `batch`.
    fn fields(
        &mut self,
        page: &Page,
        part: &str,
        tree: &Tree<'_>,
        tables: &[(FieldTable<'_>, Vec<FieldRow>)],
        request: bool,
        batch: &mut Vec<(u64, usize)>,
    ) {
        let expected = tree.entries.iter().filter(|e| e.expected).count();
        if tables.is_empty() {
            if expected > 0 {
                self.missing(part, format!("the page has no {part} field table"));
            }
            return;
        }
        let batch_path = self.view.batch.as_ref().map(|(p, _)| p.clone());
        let mut used = vec![false; tree.entries.len()];
        let mut seen_at: Vec<Option<usize>> = vec![None; tree.entries.len()];
        for (ft, rows) in tables {
            // The rows matched so far: entry and indent.
            let mut previous: Vec<(usize, usize)> = Vec::new();
            for row in rows {
                let cands = candidates(tree, row);
                let prev_entries: Vec<usize> = previous.iter().map(|(e, _)| *e).collect();
                let pick = choose(tree, &cands, &prev_entries, &used);
                let Some(i) = pick else {
                    let parent = added_parent(tree, row, &previous);
                    let what = format!("{parent}.{}", row.leaf());
                    self.push(diff(Kind::FieldAdded, &what, Json::Null, json!(row.type_text), row.line));
                    continue;
                };
                used[i] = true;
                seen_at[i].get_or_insert(row.line);
                previous.push((i, row.indent));
                let entry = &tree.entries[i];
                if !entry.on_page {
                    continue;
                }
                if let Some(kind) = row.kind
                    && !facts::type_agrees((entry.kind, entry.element), kind)
                {
                    let spec = json!(entry.field.ty.value.to_string());
                    self.push(diff(Kind::FieldType, &entry.path, spec, json!(row.type_text), row.type_line));
                }
                if ft.has_required()
                    && let Some(req) = row.required
                    && req != entry.field.required
                {
                    self.push(diff(
                        Kind::FieldRequired,
                        &entry.path,
                        json!(entry.field.required),
                        json!(req),
                        row.line,
                    ));
                }
                if request {
                    let stated = text::limits(&row.description);
                    let is_batch = batch_path.as_deref() == Some(entry.path.as_str());
                    let mut own = Vec::new();
                    for s in stated {
                        let line = page.line_of_number(row.description_line, row.next_line, s.value);
                        if s.unit == Unit::Items && (s.per_call || is_batch) {
                            batch.push((s.value, line));
                        } else {
                            own.push((s, line));
                        }
                    }
                    self.limits(entry, &own, row.description_line);
                }
            }
        }
        if tables.iter().any(|(ft, _)| ft.table.truncated) {
            self.missing(part, format!("the {part} field table is cut short"));
            return;
        }
        let table_line = tables[0].0.table.line;
        for (i, entry) in tree.entries.iter().enumerate().filter(|(i, e)| e.expected && !used[*i]) {
            let line = where_gone(&seen_at, i, table_line);
            self.push(diff(Kind::FieldRemoved, &entry.path, json!(entry.field.ty.value.to_string()), Json::Null, line));
        }
    }

    /// Limits a row's description states against the field's: equal ones agree; one of the page
    /// with the unit of a spec limit from the page changes it; a spec limit the old description
    /// stated and the new one does not is gone; a limit the spec takes from another page is not
    /// compared.
    fn limits(&mut self, entry: &Entry<'_>, page: &[(Stated, usize)], line: usize) {
        let agrees = |v: u64, u: Unit| {
            entry.limits.iter().any(|l| l.value == v && l.unit == u) || entry.doc_limits.contains(&(v, u))
        };
        let mut spec_left: Vec<(u64, Unit)> = entry
            .limits
            .iter()
            .filter(|l| l.on_page && !page.iter().any(|(s, _)| s.value == l.value && s.unit == l.unit))
            .map(|l| (l.value, l.unit))
            .collect();
        spec_left.dedup();
        for (s, at) in page.iter().filter(|(s, _)| !agrees(s.value, s.unit)) {
            // The same unit first; else a length in the other unit ("256 字符" now "256 字节").
            let is_len = |u: Unit| u != Unit::Items;
            let k = spec_left
                .iter()
                .position(|(_, u)| *u == s.unit)
                .or_else(|| spec_left.iter().position(|(_, u)| is_len(*u) && is_len(s.unit)));
            if let Some(k) = k {
                let (v, u) = spec_left.remove(k);
                self.push(diff(Kind::Limit, &entry.path, limit_json(v, u), limit_json(s.value, s.unit), *at));
            } else if !entry.limits.iter().any(|l| !l.on_page && l.unit == s.unit) {
                self.push(diff(Kind::Limit, &entry.path, Json::Null, limit_json(s.value, s.unit), *at));
            }
        }
        for (v, u) in spec_left.into_iter().filter(|l| entry.doc_limits.contains(l)) {
            self.push(diff(Kind::Limit, &entry.path, limit_json(v, u), Json::Null, line));
        }
    }

    /// The batch maximum: every value the page states for one call that differs from the spec's.
    fn batch(&mut self, seen: &[(u64, usize)]) {
        let Some((_, spec)) = self.view.batch.clone() else { return };
        if seen.is_empty() {
            if spec.is_some() {
                self.missing("batch_max", "the page states no maximum per call".to_owned());
            }
            return;
        }
        let mut reported: Vec<u64> = Vec::new();
        for &(value, line) in seen {
            if Some(value) != spec && !reported.contains(&value) {
                reported.push(value);
                self.push(diff(Kind::BatchMax, "batch.max_items", json!(spec), json!(value), line));
            }
        }
    }

    /// The rate: every value stated in the section's text or tables (error tables aside).
    fn rate(&mut self, page: &Page, prose: &[&Block], region: Region, code_tables: &[CodeTable<'_>]) {
        let Some(spec) = self.view.rate else { return };
        let mut seen: Vec<(u64, usize)> = Vec::new();
        for block in prose {
            seen.extend(text::rates(&block.text).into_iter().map(|(v, at)| (v, block.line_at(at))));
        }
        for table in page.tables.iter().filter(|t| region.contains(t.line)) {
            if code_tables.iter().any(|c| std::ptr::eq(c.table, table)) {
                continue;
            }
            for row in &table.rows {
                seen.extend(row.cells.iter().flat_map(|c| text::rates(c)).map(|(v, _)| (v, row.line)));
            }
        }
        seen.sort_by_key(|(_, line)| *line);
        if seen.is_empty() {
            self.missing("rate_limit", "the page states no call rate".to_owned());
            return;
        }
        let mut reported: Vec<u64> = Vec::new();
        for (value, line) in seen {
            if value != spec && !reported.contains(&value) {
                reported.push(value);
                self.push(diff(Kind::RateLimit, "rate_limit", json!(spec), json!(value), line));
            }
        }
    }

    /// The API's own error table: codes added and removed. Codes the spec has from another
    /// source, or in the vendor's shared table, are not the table's.
    fn codes(&mut self, tables: &[CodeTable<'_>]) {
        let codes = &self.view.codes;
        if tables.is_empty() {
            if !codes.expected.is_empty() {
                self.missing("errors", "the page has no error code table".to_owned());
            }
            return;
        }
        let mut on_page: Vec<(Code, usize)> = Vec::new();
        for t in tables {
            for (code, line) in t.codes(&codes.known) {
                if !on_page.iter().any(|(c, _)| *c == code) {
                    on_page.push((code, line));
                }
            }
        }
        for (code, line) in &on_page {
            if !codes.known.contains(code) {
                self.push(diff(Kind::CodeAdded, &format!("errors.{code}"), Json::Null, code.to_json(), *line));
            }
        }
        if tables.iter().any(|t| t.table.truncated) {
            self.missing("errors", "the error code table is cut short".to_owned());
            return;
        }
        let seen_at: Vec<Option<usize>> =
            codes.expected.iter().map(|c| on_page.iter().find(|(p, _)| p == c).map(|(_, l)| *l)).collect();
        for (i, code) in codes.expected.iter().enumerate().filter(|(i, _)| seen_at[*i].is_none()) {
            let line = where_gone(&seen_at, i, tables[0].table.line);
            self.push(diff(Kind::CodeRemoved, &format!("errors.{code}"), code.to_json(), Json::Null, line));
        }
    }
}

/// The line where a row is gone from: that of the next row the page still has (in the spec's
/// order), else just after the last one it has, else the table's header.
fn where_gone(seen_at: &[Option<usize>], i: usize, table_line: usize) -> usize {
    seen_at[i + 1..]
        .iter()
        .flatten()
        .next()
        .copied()
        .or_else(|| seen_at[..i].iter().flatten().next_back().map(|l| l + 1))
        .unwrap_or(table_line)
}

/// Which of a row's candidates it is: one not taken yet, preferring a child or a sibling of the
/// rows just above it (`To_Account` under `AddFriendItem`).
fn choose(tree: &Tree<'_>, cands: &[(usize, &Entry<'_>)], previous: &[usize], used: &[bool]) -> Option<usize> {
    let free: Vec<(usize, &Entry<'_>)> = cands.iter().copied().filter(|(i, _)| !used[*i]).collect();
    let pool = if free.is_empty() { cands.to_vec() } else { free };
    if pool.len() > 1 {
        for &p in previous.iter().rev() {
            let prev = &tree.entries[p];
            let near = |e: &Entry<'_>| {
                e.parent == prev.path || e.parent == format!("{}[]", prev.path) || e.parent == prev.parent
            };
            if let Some((i, _)) = pool.iter().find(|(_, e)| near(e)) {
                return Some(*i);
            }
        }
    }
    pool.first().map(|(i, _)| *i)
}

/// Where an added row sits: under the row above when drawn deeper than it, beside the last row
/// drawn as deep otherwise (a flat table: beside the row above).
fn added_parent(tree: &Tree<'_>, row: &FieldRow, previous: &[(usize, usize)]) -> String {
    if row.segs.len() > 1 {
        return format!("$.{}", row.segs[..row.segs.len() - 1].join("."));
    }
    let Some(&(prev, prev_indent)) = previous.last() else { return "$".to_owned() };
    let prev = &tree.entries[prev];
    if row.indent > prev_indent && matches!(prev.kind, TypeKind::Array | TypeKind::Object) {
        return if prev.kind == TypeKind::Array { format!("{}[]", prev.path) } else { prev.path.clone() };
    }
    previous
        .iter()
        .rev()
        .find(|(_, indent)| *indent <= row.indent)
        .map_or_else(|| "$".to_owned(), |(i, _)| tree.entries[*i].parent.clone())
}
