//! The spec's side of the comparison, read through the model: the request and response fields
//! with their `$.`-paths, limits and provenance, the API's own error table, the rate and the
//! batch maximum. A fact whose `source` names another page than the spec's own is marked so,
//! and is never compared with the page.

use imspec_spec::constraint::Measure;
use imspec_spec::{Api, Code, ErrorOrigin, Field, LenUnit, SourceRef, TypeExpr};

use crate::text::{self, Unit};

/// What a type is, as far as a page's type column can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeKind {
    String,
    Integer,
    Boolean,
    StringOrInteger,
    Array,
    Object,
    /// Any JSON value (`json`).
    Any,
}

/// A limit the spec holds on a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecLimit {
    pub value: u64,
    pub unit: Unit,
    /// Taken from the spec's own page (else from another source: not compared).
    pub on_page: bool,
}

/// A field of the request or response body.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    /// `$.AddFriendItem[].Remark`.
    pub path: String,
    /// The wire names of the fields on the way, this one last.
    pub segs: Vec<String>,
    /// The path of the object holding it (`$` for the root).
    pub parent: String,
    /// The wire name, then the aliases.
    pub names: Vec<String>,
    pub field: &'a Field,
    pub kind: TypeKind,
    /// For arrays: the kind of the elements.
    pub element: Option<TypeKind>,
    /// From the spec's page, and from the section of the page the tree's other fields come
    /// from: a page row is expected for it (a field taken from an example is not).
    pub expected: bool,
    /// The field itself comes from the spec's page.
    pub on_page: bool,
    pub limits: Vec<SpecLimit>,
    /// Limits the field's `doc` (the page's old description) states.
    pub doc_limits: Vec<(u64, Unit)>,
    /// The section of the spec's page the field comes from.
    section: Option<String>,
}

/// The fields of the request or of the response, depth first.
#[derive(Debug, Clone, Default)]
pub struct Tree<'a> {
    pub entries: Vec<Entry<'a>>,
}

/// The API's own error table.
#[derive(Debug, Clone, Default)]
pub struct Codes {
    /// Codes of the API's table from the spec's page, in the section most of them come from.
    pub expected: Vec<Code>,
    /// Every code the spec knows, the API's and the vendor's shared ones.
    pub known: Vec<Code>,
}

/// The spec, as drift compares it.
#[derive(Debug)]
pub struct SpecView<'a> {
    pub api: Api<'a>,
    pub request: Tree<'a>,
    pub response: Tree<'a>,
    pub codes: Codes,
    /// The rate, when the spec takes it from its page.
    pub rate: Option<u64>,
    /// The batch field's path, and the spec's maximum — when the spec takes the batch from its page.
    pub batch: Option<(String, Option<u64>)>,
}

impl<'a> SpecView<'a> {
    pub fn new(api: Api<'a>) -> SpecView<'a> {
        let page = api.spec.source.as_ref().map(|s| s.id.clone());
        let on_page = |chain: &[Option<&SourceRef>]| -> bool {
            match (chain.iter().flatten().next(), &page) {
                (Some(s), Some(p)) => s.id == *p,
                _ => true,
            }
        };
        let top = api.spec.source.as_ref();
        let mut request = Tree::default();
        walk(&api, &api.spec.request.value, "$", &[], top, &page, &mut request, 0);
        let mut response = Tree::default();
        walk(&api, &api.spec.response.value, "$", &[], top, &page, &mut response, 0);

        let mut codes = Codes::default();
        let mut sections: Vec<(Code, Option<String>)> = Vec::new();
        for (code, entry, origin) in api.errors() {
            codes.known.push(code.clone());
            if origin == ErrorOrigin::Api && on_page(&[entry.source.as_ref(), top]) {
                sections.push((code, section(&[entry.source.as_ref(), top])));
            }
        }
        let main = majority(sections.iter().map(|(_, s)| s.clone()));
        codes.expected = sections.into_iter().filter(|(_, s)| Some(s) == main.as_ref()).map(|(c, _)| c).collect();

        let rl = &api.spec.rate_limit;
        let rate = on_page(&[rl.source.as_ref(), top]).then_some(rl.per_second.value);
        let batch = api.spec.batch.as_ref().and_then(|b| {
            let path = if b.is_root() { "$".to_owned() } else { format!("$.{}", b.field.value) };
            on_page(&[b.source.as_ref(), top]).then_some((path, b.max_items))
        });
        SpecView { api, request, response, codes, rate, batch }
    }
}

/// The section of the first source named on the way up.
fn section(chain: &[Option<&SourceRef>]) -> Option<String> {
    chain.iter().flatten().next().and_then(|s| s.section.clone())
}

/// The most frequent value (the first of equals).
fn majority<T: PartialEq + Clone>(items: impl Iterator<Item = T>) -> Option<T> {
    let mut counts: Vec<(T, usize)> = Vec::new();
    for item in items {
        match counts.iter_mut().find(|(i, _)| *i == item) {
            Some((_, n)) => *n += 1,
            None => counts.push((item, 1)),
        }
    }
    let best = counts.iter().map(|(_, n)| *n).max()?;
    counts.into_iter().find(|(_, n)| *n == best).map(|(i, _)| i)
}

#[allow(clippy::too_many_arguments)]
fn walk<'a>(
    api: &Api<'a>,
    type_name: &str,
    prefix: &str,
    segs: &[String],
    type_source: Option<&'a SourceRef>,
    page: &Option<String>,
    tree: &mut Tree<'a>,
    depth: usize,
) {
    let Some(def) = api.type_def(type_name) else { return };
    if depth > 8 {
        return;
    }
    if let Some(items) = &def.items {
        // A list body: its items' fields, as the page's body table lists them.
        let source = def.source.as_ref().or(type_source);
        walk(api, &items.value, &format!("{prefix}[]"), segs, source, page, tree, depth + 1);
        return;
    }
    let Some(fields) = def.fields.as_ref() else { return };
    let def_source = def.source.as_ref().or(type_source);
    let top = api.spec.source.as_ref();
    for (key, field) in fields.iter() {
        let name = key.value.to_string();
        let path = format!("{prefix}.{name}");
        let mut field_segs = segs.to_vec();
        field_segs.push(name.clone());
        let (kind, element) = kind_of(api, &field.ty.value);
        let field_source = field.source.as_ref().or(def_source);
        let on_page = |s: Option<&SourceRef>| match (s.or(field_source).or(top), page) {
            (Some(s), Some(p)) => s.id == *p,
            _ => true,
        };
        let mut limits = Vec::new();
        for c in &field.constraints {
            if let Some((value, measure)) = c.rule().and_then(|r| r.upper_limit()) {
                limits.push(SpecLimit { value, unit: measure.into_unit(), on_page: on_page(c.source.as_ref()) });
            }
        }
        for c in &field.items {
            if let Some((value, measure @ Measure::Len(_))) = c.rule().and_then(|r| r.upper_limit()) {
                limits.push(SpecLimit { value, unit: measure.into_unit(), on_page: on_page(c.source.as_ref()) });
            }
        }
        let doc_limits = field
            .doc
            .as_deref()
            .map(|d| text::limits(d).into_iter().filter(|s| !s.per_call).map(|s| (s.value, s.unit)).collect())
            .unwrap_or_default();
        let mut names = vec![name.clone()];
        names.extend(field.aliases.iter().map(|a| a.value.clone()));
        tree.entries.push(Entry {
            path: path.clone(),
            segs: field_segs.clone(),
            parent: prefix.to_owned(),
            names,
            field,
            kind,
            element,
            expected: on_page(None),
            on_page: on_page(None),
            section: section(&[field_source, top]),
            limits,
            doc_limits,
        });
        let inner = match &field.ty.value {
            TypeExpr::Named(t) => Some((t.clone(), path.clone())),
            TypeExpr::Array(e) => match e.as_ref() {
                TypeExpr::Named(t) => Some((t.clone(), format!("{path}[]"))),
                _ => None,
            },
            _ => None,
        };
        if let Some((t, inner_prefix)) = inner {
            walk(api, &t, &inner_prefix, &field_segs, def_source, page, tree, depth + 1);
        }
    }
    if depth == 0 {
        settle_sections(tree);
    }
}

/// A field is expected in the page's table only when it comes from the section most of the
/// tree's fields come from (Easemob's `duration` comes from the response example, not the table).
fn settle_sections(tree: &mut Tree<'_>) {
    let main = majority(tree.entries.iter().filter(|e| e.expected).map(|e| e.section.clone()));
    for entry in &mut tree.entries {
        entry.expected = entry.expected && Some(&entry.section) == main.as_ref();
    }
}

fn kind_of(api: &Api<'_>, ty: &TypeExpr) -> (TypeKind, Option<TypeKind>) {
    match ty {
        TypeExpr::String => (TypeKind::String, None),
        TypeExpr::Integer => (TypeKind::Integer, None),
        TypeExpr::Boolean => (TypeKind::Boolean, None),
        TypeExpr::StringOrInteger => (TypeKind::StringOrInteger, None),
        TypeExpr::Json => (TypeKind::Any, None),
        TypeExpr::Array(e) => (TypeKind::Array, Some(kind_of(api, e).0)),
        TypeExpr::Named(t) => match api.type_def(t) {
            Some(def) if def.variants.is_some() => (TypeKind::String, None),
            _ => (TypeKind::Object, None),
        },
    }
}

trait IntoUnit {
    fn into_unit(self) -> Unit;
}

impl IntoUnit for Measure {
    fn into_unit(self) -> Unit {
        match self {
            Measure::Len(LenUnit::Bytes) => Unit::Bytes,
            Measure::Len(LenUnit::Chars) => Unit::Chars,
            Measure::Items => Unit::Items,
        }
    }
}
