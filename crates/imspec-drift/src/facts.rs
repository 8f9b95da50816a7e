//! The facts a page's tables hold: which table lists fields (a name and a type column) and
//! which lists error codes (a code column), read row by row. Column roles come from the header
//! words of the vendors' pages, in Chinese and English.

use imspec_spec::Code;

use crate::page::{Row, Table};
use crate::spec::TypeKind;

/// A table of fields: which column says what.
#[derive(Debug, Clone)]
pub struct FieldTable<'p> {
    pub table: &'p Table,
    name: usize,
    ty: usize,
    required: Option<usize>,
    description: Option<usize>,
}

/// One row of a field table.
#[derive(Debug, Clone)]
pub struct FieldRow {
    /// The line of the name.
    pub line: usize,
    pub type_line: usize,
    pub required_line: usize,
    pub description_line: usize,
    /// The line of the next row (where the description ends at the latest).
    pub next_line: usize,
    /// The name's parts (`data.success` → `data`, `success`), the field's own last.
    pub segs: Vec<String>,
    /// How deep the name is drawn: the spaces and tree marks before it (`└UserId` is 1,
    /// `&nbsp;&nbsp;&nbsp;&nbsp;└Key` is 5); 0 in a flat table.
    pub indent: usize,
    pub type_text: String,
    pub kind: Option<(TypeKind, Option<TypeKind>)>,
    pub required: Option<bool>,
    pub description: String,
}

impl FieldRow {
    pub fn leaf(&self) -> &str {
        self.segs.last().map_or("", String::as_str)
    }
}

/// A table of error codes, with the columns that may hold the code.
#[derive(Debug, Clone)]
pub struct CodeTable<'p> {
    pub table: &'p Table,
    /// Candidate code columns, the likeliest header first.
    columns: Vec<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Name,
    Type,
    Required,
    Description,
    /// A code column; the number ranks the header word (lower is likelier).
    Code(usize),
}

const CODE_WORDS: &[&str] = &["错误码", "返回码", "错误代码", "error code", "code", "错误类型", "error", "状态码"];

fn role(header: &str) -> Option<Role> {
    let h = header.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if has(&["类型", "type"]) && !has(&["错误类型", "error type"]) {
        return Some(Role::Type);
    }
    if has(&["必填", "必选", "必需", "必须", "是否", "属性", "required", "mandatory", "optional"]) {
        return Some(Role::Required);
    }
    if let Some(rank) = CODE_WORDS.iter().position(|w| h.contains(w))
        && !has(&["message", "description", "提示", "信息"])
    {
        return Some(Role::Code(rank));
    }
    if has(&[
        "说明",
        "描述",
        "含义",
        "备注",
        "原因",
        "建议",
        "提示",
        "description",
        "remark",
        "meaning",
        "message",
        "note",
    ]) {
        return Some(Role::Description);
    }
    if has(&["字段", "参数", "名称", "名字", "field", "parameter", "name", "param", "key"]) {
        return Some(Role::Name);
    }
    None
}

/// Reads a table as a field table, when it has a type column and a name column (the first
/// column when no header names one).
pub fn field_table(table: &Table) -> Option<FieldTable<'_>> {
    let roles: Vec<Option<Role>> = table.header.iter().map(|h| role(h)).collect();
    let find = |r: Role| roles.iter().position(|x| *x == Some(r));
    let ty = find(Role::Type)?;
    let name = find(Role::Name).or((ty != 0).then_some(0))?;
    Some(FieldTable { table, name, ty, required: find(Role::Required), description: find(Role::Description) })
}

/// Reads a table as an error-code table: not a field table, with a code column.
pub fn code_table(table: &Table) -> Option<CodeTable<'_>> {
    if field_table(table).is_some() {
        return None;
    }
    let mut columns: Vec<(usize, usize)> = table
        .header
        .iter()
        .enumerate()
        .filter_map(|(i, h)| match role(h) {
            Some(Role::Code(rank)) => Some((rank, i)),
            _ => None,
        })
        .collect();
    columns.sort();
    (!columns.is_empty()).then(|| CodeTable { table, columns: columns.into_iter().map(|(_, i)| i).collect() })
}

impl FieldTable<'_> {
    /// Whether the table says which fields are required.
    pub fn has_required(&self) -> bool {
        self.required.is_some()
    }

    pub fn rows(&self) -> Vec<FieldRow> {
        let rows = &self.table.rows;
        rows.iter()
            .enumerate()
            .filter_map(|(i, row)| self.row(row, rows.get(i + 1).map_or(row.line + 20, |next| next.line)))
            .collect()
    }

    fn row(&self, row: &Row, next_line: usize) -> Option<FieldRow> {
        let cell = |i: usize| row.cells.get(i).map(String::as_str).unwrap_or("");
        let raw = cell(self.name);
        let trimmed = raw.trim_start_matches(|c: char| c.is_whitespace() || "└├│─┗┣┃-—·•↳>".contains(c));
        let indent = raw.chars().count() - trimmed.chars().count();
        let name: String = trimmed
            .chars()
            .filter(|c| !"`*".contains(*c))
            .take_while(|c| !c.is_whitespace() && !"（(：:".contains(*c))
            .collect();
        let segs: Vec<String> = name
            .split('.')
            .map(|s| s.trim_end_matches("[]").trim_end_matches("[0]").to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if segs.is_empty() {
            return None;
        }
        let type_text = cell(self.ty).replace('`', "");
        Some(FieldRow {
            line: row.cell_line(self.name),
            type_line: row.cell_line(self.ty),
            required_line: self.required.map_or(row.line, |i| row.cell_line(i)),
            description_line: self.description.map_or(row.line, |i| row.cell_line(i)),
            next_line,
            segs,
            indent,
            kind: type_kind(&type_text),
            type_text,
            required: self.required.and_then(|i| required(cell(i))),
            description: self.description.map(|i| cell(i).to_owned()).unwrap_or_default(),
        })
    }
}

impl CodeTable<'_> {
    /// The codes of the table with their lines, read from the column holding the most codes the
    /// spec knows (the likeliest header when none does).
    pub fn codes(&self, known: &[Code]) -> Vec<(Code, usize)> {
        let read = |col: usize| -> Vec<(Code, usize)> {
            self.table.rows.iter().filter_map(|r| Some((parse_code(r.cells.get(col)?)?, r.line))).collect()
        };
        let mut best: Option<(usize, Vec<(Code, usize)>)> = None;
        for &col in &self.columns {
            let codes = read(col);
            let hits = codes.iter().filter(|(c, _)| known.contains(c)).count();
            if best.as_ref().is_none_or(|(h, _)| hits > *h) {
                best = Some((hits, codes));
            }
        }
        best.map(|(_, c)| c).unwrap_or_default()
    }
}

/// A code cell: an integer, or an identifier (Easemob's `illegal_argument`).
fn parse_code(cell: &str) -> Option<Code> {
    let text = cell.trim().trim_matches('`').trim();
    if let Ok(i) = text.parse::<i64>() {
        return Some(Code::Int(i));
    }
    let ident = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    ident.then(|| Code::Str(text.to_owned()))
}

fn required(cell: &str) -> Option<bool> {
    let c = cell.trim().to_lowercase();
    let c = c.as_str();
    if ["必填", "是", "必选", "必需", "必须", "yes", "y", "required", "mandatory", "true"].contains(&c) {
        Some(true)
    } else if ["选填", "否", "可选", "非必填", "no", "n", "optional", "false"].contains(&c) {
        Some(false)
    } else {
        None
    }
}

/// What a page's type cell says: `String`, `Integer`/`Number`/`Long`, `Array of Object`,
/// `String/Integer`, `JSON`…; `None` when it is not a type word.
pub fn type_kind(text: &str) -> Option<(TypeKind, Option<TypeKind>)> {
    let t = text.trim().to_lowercase();
    if t.is_empty() {
        return None;
    }
    for sep in ["/", "|", "或", " or "] {
        if let Some((a, b)) = t.split_once(sep) {
            let (a, b) = (type_kind(a)?.0, type_kind(b)?.0);
            return match (a, b) {
                (TypeKind::String, TypeKind::Integer) | (TypeKind::Integer, TypeKind::String) => {
                    Some((TypeKind::StringOrInteger, None))
                }
                _ if a == b => Some((a, None)),
                _ => None,
            };
        }
    }
    if let Some(inner) = t.strip_suffix("[]") {
        return Some((TypeKind::Array, type_kind(inner).map(|k| k.0)));
    }
    for head in ["array", "list", "数组"] {
        if let Some(rest) = t.strip_prefix(head) {
            let inner = rest.trim().trim_start_matches("of").trim().trim_matches(['<', '>', '(', ')', ' ']);
            return Some((TypeKind::Array, type_kind(inner).map(|k| k.0)));
        }
    }
    let kind = match t.as_str() {
        "string" | "str" | "字符串" | "text" => TypeKind::String,
        "integer" | "int" | "int32" | "int64" | "uint32" | "uint64" | "long" | "number" | "整数" | "整型" | "数字"
        | "数值" => TypeKind::Integer,
        "boolean" | "bool" | "布尔" | "布尔值" => TypeKind::Boolean,
        "object" | "json" | "map" | "dict" | "对象" | "jsonobject" | "json object" => TypeKind::Object,
        _ => return None,
    };
    Some((kind, None))
}

/// Whether a page's type agrees with the spec's.
pub fn type_agrees(spec: (TypeKind, Option<TypeKind>), page: (TypeKind, Option<TypeKind>)) -> bool {
    let same = |s: TypeKind, p: TypeKind| s == p || s == TypeKind::Any;
    match (spec, page) {
        ((TypeKind::Array, Some(se)), (TypeKind::Array, Some(pe))) => same(se, pe),
        ((s, _), (p, _)) => same(s, p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::Page;

    #[test]
    fn type_words() {
        assert_eq!(type_kind("String"), Some((TypeKind::String, None)));
        assert_eq!(type_kind("Number"), Some((TypeKind::Integer, None)));
        assert_eq!(type_kind("Long"), Some((TypeKind::Integer, None)));
        assert_eq!(type_kind("String/Integer"), Some((TypeKind::StringOrInteger, None)));
        assert_eq!(type_kind("Array of Object"), Some((TypeKind::Array, Some(TypeKind::Object))));
        assert_eq!(type_kind("Array"), Some((TypeKind::Array, None)));
        assert_eq!(type_kind("JSON"), Some((TypeKind::Object, None)));
        assert_eq!(type_kind("请求接口"), None);
    }

    #[test]
    fn field_and_code_tables_by_their_headers() {
        let page = Page::read(
            "| 字段 | 类型 | 属性 | 说明 |\n|---|---|---|---|\n| `From_Account` | String | 必填 | x |\n| └To | Array of Object | 选填 | y |\n\n\
             | 错误码 | 含义说明 |\n|---|---|\n| 40001 | a |\n\n\
             | HTTP 状态码 | 错误类型 | 错误提示 |\n|---|---|---|\n| 400 | illegal_argument | m |\n\n\
             | 参数 | 说明 |\n|---|---|\n| sdkappid | x |\n",
        );
        let ft = field_table(&page.tables[0]).expect("field table");
        let rows = ft.rows();
        assert_eq!(rows[0].segs, ["From_Account"]);
        assert_eq!(rows[0].required, Some(true));
        assert_eq!((rows[0].indent, rows[1].indent), (0, 1));
        assert_eq!(rows[1].kind, Some((TypeKind::Array, Some(TypeKind::Object))));
        assert!(code_table(&page.tables[0]).is_none());
        let ct = code_table(&page.tables[1]).expect("code table");
        assert_eq!(ct.codes(&[]), [(Code::Int(40001), 8)]);
        let ct = code_table(&page.tables[2]).expect("code table");
        assert_eq!(ct.codes(&[Code::Str("illegal_argument".into())]), [(Code::Str("illegal_argument".into()), 12)]);
        assert!(field_table(&page.tables[3]).is_none() && code_table(&page.tables[3]).is_none());
    }
}
