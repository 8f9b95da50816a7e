//! A vendor page as drift reads it: headings, tables (Markdown and HTML, each row with its
//! line), running text and code, all with 1-based line numbers of the page.
//!
//! Markdown is read by pulldown-cmark; an HTML `<table>` (ZEGO nests them in Markdown) is read
//! by scraper (html5ever). Neither format is tokenized by hand: this module only walks the
//! parsers' output and maps byte offsets to lines.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use scraper::{ElementRef, Html, Node, Selector};

/// A page, read.
#[derive(Debug, Default)]
pub struct Page {
    pub headings: Vec<Heading>,
    pub tables: Vec<Table>,
    /// Running text: paragraphs, list items, headings, HTML outside tables.
    pub prose: Vec<Block>,
    /// Code blocks and inline code spans.
    pub code: Vec<Block>,
    /// The number of lines of the page.
    pub last_line: usize,
    /// The page's lines, to place a number stated in a cell that spans several.
    lines: Vec<String>,
}

/// A Markdown heading.
#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    pub title: String,
    pub line: usize,
}

/// A table: its header cells and its body rows.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Line of the header row.
    pub line: usize,
    pub header: Vec<String>,
    pub rows: Vec<Row>,
    /// The page ends inside the table (the page was cut short).
    pub truncated: bool,
}

/// One body row of a table.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line of its first cell.
    pub line: usize,
    pub cells: Vec<String>,
    /// The line where each cell starts (an HTML row spans several lines).
    pub cell_lines: Vec<usize>,
}

impl Row {
    fn new(line: usize) -> Row {
        Row { line, cells: Vec::new(), cell_lines: Vec::new() }
    }

    /// The line where a cell starts.
    pub fn cell_line(&self, i: usize) -> usize {
        self.cell_lines.get(i).copied().unwrap_or(self.line)
    }
}

/// A run of text with the page line of each part of it.
#[derive(Debug, Clone, Default)]
pub struct Block {
    pub text: String,
    /// `(byte offset in text, page line)`, in order.
    spans: Vec<(usize, usize)>,
}

impl Block {
    fn new(text: &str, line: usize) -> Block {
        let mut b = Block::default();
        b.push(text, line);
        b
    }

    fn push(&mut self, text: &str, line: usize) {
        self.spans.push((self.text.len(), line));
        self.text.push_str(text);
    }

    /// The page line of a byte offset of the text.
    pub fn line_at(&self, offset: usize) -> usize {
        self.spans.iter().take_while(|(o, _)| *o <= offset).last().or(self.spans.first()).map_or(0, |(_, l)| *l)
    }

    /// The line where the block starts.
    pub fn line(&self) -> usize {
        self.spans.first().map_or(0, |(_, l)| *l)
    }
}

/// Byte offsets to 1-based lines.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        Lines(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }
    fn of(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

/// What the Markdown walker is inside of.
#[derive(Default)]
struct Walk {
    table: Option<Table>,
    row: Option<Row>,
    cell: Option<String>,
    in_head: bool,
    code: Option<Block>,
    prose: Option<Block>,
    heading: Option<(u8, usize)>,
}

impl Page {
    /// Reads a page (Markdown, possibly with HTML tables in it).
    pub fn read(text: &str) -> Page {
        let lines = Lines::new(text);
        let mut page =
            Page { last_line: lines.0.len(), lines: text.lines().map(str::to_owned).collect(), ..Page::default() };
        let mut w = Walk::default();
        // HTML tables already read, as byte ranges: events inside them are skipped.
        let mut html_tables: Vec<Range<usize>> = Vec::new();
        for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
            if html_tables.iter().any(|r| r.contains(&range.start)) {
                continue;
            }
            let line = lines.of(range.start);
            match event {
                Event::Start(Tag::Table(_)) => w.table = Some(Table { line, ..Table::default() }),
                Event::End(TagEnd::Table) => {
                    if let Some(mut table) = w.table.take() {
                        table.truncated = markdown_table_cut(text, &range);
                        merge_wrapped_rows(&mut table);
                        page.tables.push(table);
                    }
                }
                Event::Start(Tag::TableHead) => {
                    w.in_head = true;
                    w.row = Some(Row::new(line));
                }
                Event::Start(Tag::TableRow) => w.row = Some(Row::new(line)),
                Event::End(TagEnd::TableHead | TagEnd::TableRow) => {
                    if let (Some(row), Some(table)) = (w.row.take(), w.table.as_mut()) {
                        if std::mem::take(&mut w.in_head) {
                            table.header = row.cells;
                        } else {
                            table.rows.push(row);
                        }
                    }
                }
                Event::Start(Tag::TableCell) => w.cell = Some(String::new()),
                Event::End(TagEnd::TableCell) => {
                    if let (Some(cell), Some(row)) = (w.cell.take(), w.row.as_mut()) {
                        row.cells.push(tidy(&cell));
                        row.cell_lines.push(row.line);
                    }
                }
                Event::Start(Tag::CodeBlock(_)) => w.code = Some(Block::default()),
                Event::End(TagEnd::CodeBlock) => page.code.extend(w.code.take()),
                Event::Start(Tag::Heading { level, .. }) => {
                    flush(&mut w, &mut page);
                    w.heading = Some((level as u8, line));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let (Some((level, line)), Some(block)) = (w.heading.take(), w.prose.as_ref()) {
                        page.headings.push(Heading { level, title: tidy(&block.text), line });
                    }
                    flush(&mut w, &mut page);
                }
                Event::Start(Tag::Paragraph | Tag::Item | Tag::BlockQuote(_) | Tag::List(_) | Tag::HtmlBlock)
                | Event::End(
                    TagEnd::Paragraph | TagEnd::Item | TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::HtmlBlock,
                ) => flush(&mut w, &mut page),
                Event::Text(t) => add_text(&mut w, &t, line),
                Event::Code(t) => {
                    if w.cell.is_none() {
                        page.code.push(Block::new(&t, line));
                    }
                    add_text(&mut w, &t, line);
                }
                Event::Html(t) | Event::InlineHtml(t) => {
                    if let Some(span) = html_table_span(text, &range) {
                        flush(&mut w, &mut page);
                        page.tables.extend(read_html_tables(
                            &text[span.clone()],
                            span.start,
                            &lines,
                            span.end == text.len(),
                        ));
                        html_tables.push(span);
                    } else {
                        add_text(&mut w, &strip_tags(&t), line);
                    }
                }
                Event::SoftBreak | Event::HardBreak => add_text(&mut w, "\n", line),
                _ => {}
            }
        }
        flush(&mut w, &mut page);
        page.tables.sort_by_key(|t| t.line);
        for table in page.tables.iter_mut().filter(|t| t.truncated) {
            // The last row of a table cut short may itself be cut.
            table.rows.pop();
        }
        page
    }

    /// The line, from `from` on (a cell's first line) and before `before`, that states `value`
    /// as a number of its own; `from` when none does.
    pub fn line_of_number(&self, from: usize, before: usize, value: u64) -> usize {
        let digits = value.to_string();
        (from..before.max(from + 1))
            .find(|&l| {
                self.lines.get(l.wrapping_sub(1)).is_some_and(|text| {
                    let text = text.replace(',', "");
                    text.match_indices(&digits).any(|(i, _)| {
                        let before_ok = !text[..i].ends_with(|c: char| c.is_ascii_alphanumeric());
                        let after_ok = !text[i + digits.len()..].starts_with(|c: char| c.is_ascii_digit());
                        before_ok && after_ok
                    })
                })
            })
            .unwrap_or(from)
    }
}

fn add_text(w: &mut Walk, text: &str, line: usize) {
    if let Some(cell) = w.cell.as_mut() {
        cell.push_str(text);
    } else if let Some(code) = w.code.as_mut() {
        code.push(text, line);
    } else if w.table.is_none() {
        w.prose.get_or_insert_with(Block::default).push(text, line);
    }
}

fn flush(w: &mut Walk, page: &mut Page) {
    if w.heading.is_some() {
        return;
    }
    if let Some(block) = w.prose.take()
        && !block.text.trim().is_empty()
    {
        page.prose.push(block);
    }
}

/// Collapses runs of spaces (non-breaking ones too) and trims each line.
pub fn tidy(text: &str) -> String {
    let lines: Vec<String> = text
        .replace('\u{a0}', " ")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect();
    lines.join("\n")
}

/// An inline tag that starts a new line of text (`<br>`, `<li>`, `<p>`) becomes a newline; any
/// other tag is dropped.
fn strip_tags(html: &str) -> String {
    let fragment = Html::parse_fragment(html);
    let mut out = String::new();
    if html.trim_start().starts_with("<br")
        || html.trim_start().starts_with("<li")
        || html.trim_start().starts_with("<p")
    {
        out.push('\n');
    }
    for node in fragment.root_element().descendants() {
        if let Node::Text(t) = node.value() {
            out.push_str(t);
        }
    }
    out
}

/// A Markdown table cut off by the end of the page: nothing follows it, and its last row does
/// not end with the `|` its header line ends with.
fn markdown_table_cut(text: &str, range: &Range<usize>) -> bool {
    if !text[range.end..].trim().is_empty() {
        return false;
    }
    let body = text[range.clone()].trim_end();
    let first = body.lines().next().unwrap_or("").trim_end();
    let last = body.lines().last().unwrap_or("").trim_end();
    let pipes = |l: &str| l.matches('|').count() - l.matches("\\|").count();
    !text.ends_with('\n') || (first.ends_with('|') && !last.ends_with('|')) || pipes(last) < pipes(first)
}

/// A row whose cells after the first are empty and whose first cell is not a name continues the
/// row above it (a description that wrapped onto the next line).
fn merge_wrapped_rows(table: &mut Table) {
    let mut rows: Vec<Row> = Vec::with_capacity(table.rows.len());
    for row in std::mem::take(&mut table.rows) {
        let rest_empty = row.cells.iter().skip(1).all(|c| c.is_empty());
        let first = row.cells.first().map(String::as_str).unwrap_or("");
        let name_like = !first.is_empty() && first.chars().all(|c| c.is_alphanumeric() || "_.-`[]".contains(c));
        match rows.last_mut() {
            Some(prev) if rest_empty && !name_like && row.cells.len() > 1 => {
                if let Some(last) = prev.cells.iter_mut().rev().find(|c| !c.is_empty()) {
                    last.push('\n');
                    last.push_str(first);
                }
            }
            _ => rows.push(row),
        }
    }
    table.rows = rows;
}

/// Where an HTML table that starts in this HTML event ends: up to its matching `</table>`, or
/// the end of the page when it has none (a page cut short).
fn html_table_span(text: &str, range: &Range<usize>) -> Option<Range<usize>> {
    let event = &text[range.clone()];
    let start = range.start + find_ci(event, "<table")?;
    let mut depth = 0usize;
    let mut at = start;
    loop {
        let rest = &text[at..];
        let open = find_ci(rest, "<table");
        let close = find_ci(rest, "</table");
        match (open, close) {
            (Some(o), c) if c.is_none_or(|c| o < c) => {
                depth += 1;
                at += o + 6;
            }
            (_, Some(c)) => {
                depth -= 1;
                let end = at + c + rest[c..].find('>').map_or(rest.len() - c, |g| g + 1);
                if depth == 0 {
                    return Some(start..end);
                }
                at = end;
            }
            (_, None) => return Some(start..text.len()),
        }
    }
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

/// Every table of an HTML fragment (nested ones on their own), rows mapped to page lines: the
/// n-th `<tr` of the source is the n-th row element html5ever builds.
fn read_html_tables(html: &str, offset: usize, lines: &Lines, reaches_end: bool) -> Vec<Table> {
    let fragment = Html::parse_fragment(html);
    let (Ok(table_sel), Ok(tr_sel)) = (Selector::parse("table"), Selector::parse("tr")) else { return Vec::new() };
    let lower = html.to_ascii_lowercase();
    let tr_offsets: Vec<usize> = lower
        .match_indices("<tr")
        .filter(|(i, _)| lower[i + 3..].starts_with(|c: char| c == '>' || c.is_whitespace()))
        .map(|(i, _)| i)
        .collect();
    let all_rows: Vec<ElementRef<'_>> = fragment.select(&tr_sel).collect();
    let table_line = lines.of(offset);
    let row_line = |tr: &ElementRef<'_>| -> usize {
        if all_rows.len() != tr_offsets.len() {
            return table_line;
        }
        all_rows.iter().position(|r| r.id() == tr.id()).map_or(table_line, |i| lines.of(offset + tr_offsets[i]))
    };
    // Cells likewise: the n-th `<td`/`<th` of the source is the n-th cell element.
    let cell_offsets: Vec<usize> = lower
        .match_indices("<t")
        .filter(|(i, _)| {
            let rest = &lower[i + 2..];
            (rest.starts_with('d') || rest.starts_with('h'))
                && rest[1..].starts_with(|c: char| c == '>' || c.is_whitespace())
        })
        .map(|(i, _)| i)
        .collect();
    let all_cells: Vec<ElementRef<'_>> =
        Selector::parse("td, th").map(|s| fragment.select(&s).collect()).unwrap_or_default();
    let cell_line = |cell: &ElementRef<'_>, fallback: usize| -> usize {
        if all_cells.len() != cell_offsets.len() {
            return fallback;
        }
        all_cells.iter().position(|c| c.id() == cell.id()).map_or(fallback, |i| lines.of(offset + cell_offsets[i]))
    };
    let closed = !reaches_end || lower.contains("</table");
    let mut tables = Vec::new();
    for table in fragment.select(&table_sel) {
        let own_rows: Vec<ElementRef<'_>> = table
            .select(&tr_sel)
            .filter(|tr| {
                tr.ancestors().filter_map(ElementRef::wrap).find(|a| a.value().name() == "table") == Some(table)
            })
            .collect();
        let mut out = Table { line: table_line, truncated: !closed, ..Table::default() };
        for (i, tr) in own_rows.iter().enumerate() {
            let cells: Vec<ElementRef<'_>> = tr
                .children()
                .filter_map(ElementRef::wrap)
                .filter(|c| matches!(c.value().name(), "td" | "th"))
                .collect();
            let is_head = cells.iter().all(|c| c.value().name() == "th");
            let texts: Vec<String> = cells.iter().map(|c| tidy(&cell_text(*c))).collect();
            let line = row_line(tr);
            let cell_lines: Vec<usize> = cells.iter().map(|c| cell_line(c, line)).collect();
            if i == 0 && (is_head || out.header.is_empty()) {
                out.line = line;
                out.header = texts;
            } else {
                out.rows.push(Row { line: cell_lines.first().copied().unwrap_or(line), cells: texts, cell_lines });
            }
        }
        tables.push(out);
    }
    tables
}

/// The text of a cell, with a newline where a block element (`<p>`, `<li>`, `<br>`) starts.
/// Tables nested in the cell are left to their own reading.
fn cell_text(cell: ElementRef<'_>) -> String {
    let mut out = String::new();
    for child in cell.children() {
        match child.value() {
            Node::Text(t) => out.push_str(t),
            Node::Element(e) => {
                if e.name() == "table" {
                    continue;
                }
                if matches!(e.name(), "br" | "p" | "li" | "div" | "ul" | "ol") {
                    out.push('\n');
                }
                if let Some(el) = ElementRef::wrap(child) {
                    out.push_str(&cell_text(el));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_table_rows_have_their_lines() {
        let page = Page::read(
            "# T\n\n| 字段 | 类型 | 说明 |\n|---|---|---|\n| A | String | 一 |\n| B | Integer | ok<br>x |\n",
        );
        assert_eq!(page.tables.len(), 1);
        let t = &page.tables[0];
        assert_eq!(t.header, ["字段", "类型", "说明"]);
        assert_eq!(t.line, 3);
        assert_eq!(t.rows[0].line, 5);
        assert_eq!(t.rows[1].cells, ["B", "Integer", "ok\nx"]);
        assert_eq!(t.rows[1].line, 6);
        assert!(!t.truncated);
    }

    #[test]
    fn a_wrapped_markdown_row_joins_the_row_above() {
        let page = Page::read(
            "| 字段 | 类型 | 说明 |\n|---|---|---|\n| A | String | first part\ncontinued here |\n| B | Integer | x |\n",
        );
        let t = &page.tables[0];
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[0].cells[2], "first part\ncontinued here");
        assert_eq!(t.rows[1].line, 5);
    }

    #[test]
    fn a_table_cut_by_the_end_of_the_page_is_truncated() {
        let page = Page::read("| 错误码 | 说明 |\n|---|---|\n| 1 | a |\n| 2 | b");
        assert!(page.tables[0].truncated);
        assert_eq!(page.tables[0].rows.len(), 1, "the cut row is dropped");
        let page = Page::read("| 错误码 | 说明 |\n|---|---|\n| 1 | a |\n| 2 | ");
        assert!(page.tables[0].truncated, "no newline at the end");
        let page = Page::read("| 错误码 | 说明 |\n|---|---|\n| 1 | a |\n");
        assert!(!page.tables[0].truncated);
    }

    #[test]
    fn html_tables_inside_markdown_with_blank_lines_in_cells() {
        let text = "## 请求参数\n\n<table>\n<tbody><tr>\n<th>参数</th>\n<th>类型</th>\n</tr>\n<tr>\n<td>A</td>\n<td>\n好友属性，上限 5 个。\n<Note title=\"说明\">\n\n<p>总长度上限为 1024 字节。</p>\n</Note>\n</td>\n</tr>\n<tr>\n<td>&nbsp;&nbsp;└B</td>\n<td>String</td>\n</tr>\n</tbody></table>\n\nafter 20 次/秒\n";
        let page = Page::read(text);
        assert_eq!(page.tables.len(), 1, "{:?}", page.tables);
        let t = &page.tables[0];
        assert_eq!(t.header, ["参数", "类型"]);
        assert_eq!(t.line, 4);
        assert_eq!(t.rows[0].line, 9);
        assert_eq!(t.rows[0].cell_line(1), 10);
        assert_eq!(page.line_of_number(10, 18, 1024), 14);
        assert!(t.rows[0].cells[1].contains("1024 字节"), "{:?}", t.rows[0]);
        assert_eq!(t.rows[1].cells[0], "└B");
        assert_eq!(t.rows[1].line, 19);
        assert!(page.prose.iter().any(|b| b.text.contains("20 次/秒") && b.line() == 24));
        assert!(!page.prose.iter().any(|b| b.text.contains("1024")));
    }

    #[test]
    fn an_html_table_without_its_end_is_truncated() {
        let page = Page::read("<table><tr><th>返回码</th></tr>\n<tr><td>1</td></tr>\n<tr><td>2");
        assert!(page.tables[0].truncated);
        assert_eq!(page.tables[0].rows.len(), 1);
    }

    #[test]
    fn headings_prose_and_code_keep_lines() {
        let page = Page::read(
            "## 2.3 最高调用频率\n\n100次/秒。\n\n```\nPOST https://x/v4/a\n```\n- 地址：`https://h/?Action=A`\n",
        );
        assert_eq!(page.headings[0].title, "2.3 最高调用频率");
        assert_eq!(page.headings[0].line, 1);
        assert_eq!(page.prose.iter().find(|b| b.text.contains("100")).map(Block::line), Some(3));
        assert_eq!(page.code[0].line(), 6);
        assert_eq!(page.code[1].text, "https://h/?Action=A");
        assert_eq!(page.code[1].line(), 8);
    }
}
