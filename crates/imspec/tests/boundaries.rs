//! Boundary cases for every constraint of every spec, generated from the specs themselves: at
//! the limit passes, one over fails with the constraint's code at the field's path. A new
//! constraint in a spec is tested here without new test code.
//!
//! Each case is checked three ways, which must agree: the generated JSON validator, the
//! generated typed validator (when the body decodes), and the spec interpreter in imspec-spec.
//! Schema cases (a missing required field, a wrong type, a value outside an enum) are generated
//! the same way.

mod common;

use std::collections::BTreeSet;

use common::{Generated, all, example_json, specs, summary};
use imspec_spec::decode::Scalar;
use imspec_spec::instance::{self, CharsetMatcher, Options, UnknownFields};
use imspec_spec::{Api, Code, ExampleRole, Field, LenUnit, ROOT_BATCH, Rule, TimeUnit, TypeDef, TypeExpr};
use serde_json::{Value, json};

const NOW_MS: i64 = 1_800_000_000_000;

#[derive(Debug, Clone)]
enum Seg {
    Key(String),
    Index(usize),
}

fn path_text(segs: &[Seg]) -> String {
    let mut s = String::from("$");
    for seg in segs {
        match seg {
            Seg::Key(k) => s.push_str(&format!(".{k}")),
            Seg::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    s
}

fn get_mut<'v>(v: &'v mut Value, segs: &[Seg]) -> Option<&'v mut Value> {
    segs.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get_mut(k.as_str()),
        Seg::Index(i) => v.get_mut(*i),
    })
}

fn get<'v>(v: &'v Value, segs: &[Seg]) -> Option<&'v Value> {
    segs.iter().try_fold(v, |v, seg| match seg {
        Seg::Key(k) => v.get(k.as_str()),
        Seg::Index(i) => v.get(*i),
    })
}

fn set(body: &Value, segs: &[Seg], value: Value) -> Value {
    let mut body = body.clone();
    if let Some(slot) = get_mut(&mut body, segs) {
        *slot = value;
    }
    body
}

/// What a case expects: `None` = valid; `Some((path, code))` = that violation among those reported.
struct Case {
    what: String,
    body: Value,
    expect: Option<(String, String)>,
}

struct Gen<'a> {
    api: Api<'a>,
    cases: Vec<Case>,
    covered: usize,
}

impl<'a> Gen<'a> {
    fn pass(&mut self, what: String, body: Value) {
        self.cases.push(Case { what, body, expect: None });
    }

    fn fail(&mut self, what: String, body: Value, path: String, code: &Code) {
        self.cases.push(Case { what, body, expect: Some((path, code.to_string())) });
    }

    fn fields(&self, type_name: &str) -> Vec<(String, &'a Field)> {
        self.api
            .type_def(type_name)
            .and_then(|d| d.fields.as_ref())
            .map(|m| m.iter().map(|(k, f)| (k.value.to_string(), f)).collect())
            .unwrap_or_default()
    }

    /// A value of `ty` that keeps the field's own rules.
    fn synth(&self, ty: &TypeExpr, field: Option<&Field>) -> Value {
        let rules: Vec<Rule> =
            field.map(|f| f.constraints.iter().filter_map(|c| c.rule()).collect()).unwrap_or_default();
        match ty {
            TypeExpr::String | TypeExpr::StringOrInteger => {
                for r in &rules {
                    match r {
                        Rule::OneOf(vs) => return vs[0].to_json(),
                        Rule::Prefix { prefix, .. } => return json!(format!("{prefix}a")),
                        _ => {}
                    }
                }
                json!("a")
            }
            TypeExpr::Integer => {
                match rules.iter().find_map(|r| if let Rule::OneOf(v) = r { Some(v[0].to_json()) } else { None }) {
                    Some(v) => v,
                    None => json!(1),
                }
            }
            TypeExpr::Boolean => json!(false),
            TypeExpr::Json => json!({}),
            TypeExpr::Array(inner) => json!([self.synth(inner, None)]),
            TypeExpr::Named(n) => match self.api.type_def(n) {
                Some(def) if def.variants.is_some() => {
                    let first = def.variants.as_ref().and_then(|v| v.keys().next()).unwrap_or_default();
                    match def.is_integer_enum() {
                        true => json!(first.parse::<i64>().expect("an integer enum's keys are integers")),
                        false => json!(first),
                    }
                }
                _ => {
                    let mut obj = serde_json::Map::new();
                    for (wire, f) in self.fields(n) {
                        if f.required {
                            obj.insert(wire, self.synth(&f.ty.value, Some(f)));
                        }
                    }
                    Value::Object(obj)
                }
            },
        }
    }

    /// Walks every field reachable from `type_name` at `segs` in `base`, adding its cases.
    fn walk(&mut self, base: &mut Value, type_name: &str, segs: &[Seg]) {
        for (wire, field) in self.fields(type_name) {
            let mut here = segs.to_vec();
            here.push(Seg::Key(wire.clone()));
            if get(base, &here).is_none() {
                let v = self.synth(&field.ty.value, Some(field));
                if let Some(Value::Object(obj)) = get_mut(base, segs) {
                    obj.insert(wire.clone(), v);
                }
            }
            self.field_cases(base, field, &here);
        }
    }

    /// The cases of one field at `here` (the body itself for a list body), and of what it holds.
    fn field_cases(&mut self, base: &mut Value, field: &Field, here: &[Seg]) {
        let here = here.to_vec();
        {
            self.schema_cases(base, field, &here);
            for c in &field.constraints {
                if let Some(rule) = c.rule() {
                    self.rule_cases(base, field, &field.ty.value, &rule, &c.code.value, &here);
                    self.covered += 1;
                }
            }
            if let Some(el) = field.ty.value.element() {
                let mut first = here.clone();
                first.push(Seg::Index(0));
                for c in &field.items {
                    if let Some(rule) = c.rule() {
                        self.rule_cases(base, field, el, &rule, &c.code.value, &first);
                        self.covered += 1;
                    }
                }
                if let TypeExpr::Named(n) = el
                    && self.api.type_def(n).is_some_and(|d| d.fields.is_some())
                {
                    self.walk(base, n, &first);
                }
            } else if let TypeExpr::Named(n) = &field.ty.value
                && self.api.type_def(n).is_some_and(|d| d.fields.is_some())
            {
                self.walk(base, n, &here);
            }
        }
    }

    fn schema_cases(&mut self, base: &Value, field: &Field, here: &[Seg]) {
        let code = self.api.spec.schema_error_code.value.clone();
        let path = path_text(here);
        if field.required && !here.is_empty() {
            let mut body = base.clone();
            let (parent, last) = here.split_at(here.len() - 1);
            if let (Some(Value::Object(obj)), [Seg::Key(k)]) = (get_mut(&mut body, parent), last) {
                obj.remove(k);
            }
            self.fail(format!("{path} missing"), body, path.clone(), &code);
        }
        let api = self.api;
        let integer_enum = |n: &str| api.type_def(n).is_some_and(|d| d.is_integer_enum());
        let wrong = match &field.ty.value {
            TypeExpr::Named(n) if integer_enum(n) => json!("12"),
            TypeExpr::String | TypeExpr::Named(_) => json!(12),
            TypeExpr::Integer | TypeExpr::Boolean | TypeExpr::StringOrInteger | TypeExpr::Array(_) => json!({"x": 1}),
            TypeExpr::Json => return,
        };
        self.fail(format!("{path} of the wrong type"), set(base, here, wrong), path.clone(), &code);
        if let TypeExpr::Named(n) = &field.ty.value
            && self.api.type_def(n).is_some_and(|d| d.variants.is_some())
        {
            let outside = match integer_enum(n) {
                // One past the largest listed value is listed by none.
                true => json!(
                    api.type_def(n)
                        .and_then(|d| d.variants.as_ref())
                        .map_or(0, |v| { v.keys().filter_map(|k| k.parse::<i64>().ok()).max().unwrap_or(0) + 1 })
                ),
                false => json!("Not_A_Listed_Value"),
            };
            self.fail(format!("{path} outside the enum"), set(base, here, outside), path, &code);
        }
    }

    fn filler(field: &Field, unit: LenUnit, api: Api<'_>) -> char {
        // Count characters with a multi-byte one, so bytes and chars give different answers —
        // unless a charset on the field forbids it.
        let charset_forbids = field.constraints.iter().any(|c| {
            matches!(c.rule(), Some(Rule::Charset(ref n)) if api.charset(n).is_some_and(|s| !CharsetMatcher::new(s).contains('好')))
        });
        if unit == LenUnit::Chars && !charset_forbids { '好' } else { 'a' }
    }

    #[allow(clippy::too_many_arguments)]
    fn rule_cases(&mut self, base: &Value, field: &Field, ty: &TypeExpr, rule: &Rule, code: &Code, here: &[Seg]) {
        let path = path_text(here);
        let api = self.api;
        let prefix_of = |f: &Field| {
            f.constraints
                .iter()
                .find_map(|c| if let Some(Rule::Prefix { prefix, .. }) = c.rule() { Some(prefix) } else { None })
        };
        match rule {
            Rule::MaxLen { max, unit } => {
                let ch = Self::filler(field, *unit, api);
                let prefix = prefix_of(field).unwrap_or_default();
                let room = *max as usize - instance::measure(&prefix, *unit) as usize;
                let at: String = prefix.clone() + &ch.to_string().repeat(room);
                let over = at.clone() + &ch.to_string();
                self.pass(format!("{path} at {max} {unit}"), set(base, here, json!(at)));
                self.fail(format!("{path} at {} {unit}", max + 1), set(base, here, json!(over)), path, code);
            }
            Rule::MinLen { min, unit } => {
                let ch = Self::filler(field, *unit, api);
                self.pass(
                    format!("{path} at {min} {unit}"),
                    set(base, here, json!(ch.to_string().repeat(*min as usize))),
                );
                if *min > 0 {
                    let under = ch.to_string().repeat(*min as usize - 1);
                    self.fail(format!("{path} at {} {unit}", min - 1), set(base, here, json!(under)), path, code);
                }
            }
            Rule::Prefix { prefix, rest_max_len } => {
                self.fail(format!("{path} without `{prefix}`"), set(base, here, json!("a")), path.clone(), code);
                if let Some((max, unit)) = rest_max_len {
                    let ch = Self::filler(field, *unit, api).to_string();
                    let at = format!("{prefix}{}", ch.repeat(*max as usize));
                    let over = format!("{prefix}{}", ch.repeat(*max as usize + 1));
                    self.pass(format!("{path} `{prefix}` + {max} {unit}"), set(base, here, json!(at)));
                    self.fail(
                        format!("{path} `{prefix}` + {} {unit}", max + 1),
                        set(base, here, json!(over)),
                        path,
                        code,
                    );
                }
            }
            Rule::OneOf(values) => {
                for v in values {
                    self.pass(format!("{path} = {v}"), set(base, here, v.to_json()));
                }
                let outsider = match values.first() {
                    Some(Scalar::Int(_)) => json!(
                        values
                            .iter()
                            .filter_map(|v| if let Scalar::Int(i) = v { Some(*i) } else { None })
                            .max()
                            .unwrap_or(0)
                            + 1
                    ),
                    _ => json!("zz_not_listed"),
                };
                self.fail(format!("{path} = {outsider}"), set(base, here, outsider), path, code);
            }
            Rule::Charset(name) => {
                let Some(set_def) = api.charset(name) else { return };
                let matcher = CharsetMatcher::new(set_def);
                let mut samples: Vec<char> = set_def.chars.chars().collect();
                samples.extend(
                    set_def.ranges.iter().filter_map(|r| instance::parse_range(&r.value)).flat_map(|(lo, hi)| [lo, hi]),
                );
                for c in samples {
                    self.pass(format!("{path} with `{c}`"), set(base, here, json!(format!("a{c}"))));
                }
                if let Some(bad) = [' ', '*', '/', '好', 'é', '\u{7f}'].into_iter().find(|c| !matcher.contains(*c)) {
                    self.fail(format!("{path} with `{bad}`"), set(base, here, json!(format!("a{bad}"))), path, code);
                }
            }
            Rule::NotEqual(other) => {
                let other_segs: Vec<Seg> =
                    other.trim_start_matches("$.").split('.').map(|k| Seg::Key(k.into())).collect();
                if let Some(v) = get(base, &other_segs).cloned() {
                    self.fail(format!("{path} = {other}"), set(base, here, v), path, code);
                }
            }
            Rule::NotAfterNow => {
                let now = match field.unit.as_ref().map(|u| u.value) {
                    Some(TimeUnit::Seconds) => NOW_MS / 1000,
                    _ => NOW_MS,
                };
                self.pass(format!("{path} = now"), set(base, here, json!(now)));
                self.fail(format!("{path} = now + 1"), set(base, here, json!(now + 1)), path, code);
            }
            Rule::Min(min) => {
                self.pass(format!("{path} = {min}"), set(base, here, json!(min)));
                self.fail(format!("{path} = {}", min - 1), set(base, here, json!(min - 1)), path, code);
            }
            Rule::Max(max) => {
                self.pass(format!("{path} = {max}"), set(base, here, json!(max)));
                self.fail(format!("{path} = {}", max + 1), set(base, here, json!(max + 1)), path, code);
            }
            Rule::MaxItems(max) => {
                let el = ty.element().cloned().unwrap_or(TypeExpr::String);
                let at = self.distinct_items(base, here, &el, *max as usize);
                let over = self.distinct_items(base, here, &el, *max as usize + 1);
                self.pass(format!("{path} with {max} items"), set(base, here, at));
                self.fail(format!("{path} with {} items", max + 1), set(base, here, over), path, code);
            }
            Rule::MinItems(min) => {
                let el = ty.element().cloned().unwrap_or(TypeExpr::String);
                self.pass(
                    format!("{path} with {min} items"),
                    set(base, here, self.distinct_items(base, here, &el, *min as usize)),
                );
                if *min > 0 {
                    let under = self.distinct_items(base, here, &el, *min as usize - 1);
                    self.fail(format!("{path} with {} items", min - 1), set(base, here, under), path, code);
                }
            }
            Rule::Unique { by } => {
                let el = ty.element().cloned().unwrap_or(TypeExpr::String);
                let distinct = self.distinct_items(base, here, &el, 2);
                let first = distinct.get(0).cloned().unwrap_or(Value::Null);
                let repeated = json!([first.clone(), first]);
                self.pass(format!("{path} with distinct items"), set(base, here, distinct));
                let at = match by {
                    Some(b) => format!("{path}[1].{b}"),
                    None => format!("{path}[1]"),
                };
                self.fail(format!("{path} with a repeated item"), set(base, here, repeated), at, code);
            }
            Rule::MaxTotalLen { max, unit, of } => {
                let el = ty.element().cloned().unwrap_or(TypeExpr::String);
                let TypeExpr::Named(item_type) = &el else { return };
                let item_fields = self.fields(item_type);
                // Fill the last summed field that has no rules of its own.
                let Some(target) = of
                    .iter()
                    .rev()
                    .find(|name| item_fields.iter().any(|(w, f)| w == *name && f.constraints.is_empty()))
                else {
                    return;
                };
                let mut item = get(base, here).and_then(|a| a.get(0)).cloned().unwrap_or_else(|| self.synth(&el, None));
                let others: u64 = of
                    .iter()
                    .filter(|n| *n != target)
                    .filter_map(|n| item.get(n.as_str()).and_then(Value::as_str))
                    .map(|s| instance::measure(s, *unit))
                    .sum();
                let ch = if *unit == LenUnit::Chars { '好' } else { 'a' };
                let room = (*max - others) as usize;
                item[target.as_str()] = json!(ch.to_string().repeat(room));
                self.pass(format!("{path} totalling {max} {unit}"), set(base, here, json!([item.clone()])));
                item[target.as_str()] = json!(ch.to_string().repeat(room + 1));
                self.fail(format!("{path} totalling {} {unit}", max + 1), set(base, here, json!([item])), path, code);
            }
        }
    }

    /// `n` copies of the array's first item, made distinct in every field the array must keep
    /// unique (and in the batch id): enumerated values where the field has them, else suffixes.
    fn distinct_items(&self, base: &Value, here: &[Seg], el: &TypeExpr, n: usize) -> Value {
        let first = get(base, here).and_then(|a| a.get(0)).cloned().unwrap_or_else(|| self.synth(el, None));
        let TypeExpr::Named(item_type) = el else {
            return Value::Array((0..n).map(|i| json!(format!("u{i}"))).collect());
        };
        // The array's field name; `$` for the body itself (a list body).
        let array_field = match here.iter().rev().find_map(|s| if let Seg::Key(k) = s { Some(k.clone()) } else { None })
        {
            None if here.is_empty() => Some(ROOT_BATCH.to_owned()),
            other => other,
        };
        let mut keys: BTreeSet<String> = BTreeSet::new();
        if let Some(batch) = &self.api.spec.batch
            && array_field.as_deref() == Some(batch.field.value.as_str())
        {
            keys.extend(batch.item_id.as_ref().map(|i| i.value.clone()));
        }
        let list = self.api.type_def(&self.api.spec.request.value).and_then(TypeDef::list_field);
        for c in list.iter().filter(|_| here.is_empty()).flat_map(|l| &l.constraints) {
            if let Some(Rule::Unique { by: Some(b) }) = c.rule() {
                keys.insert(b);
            }
        }
        for (_, def) in self.api.spec.types.iter() {
            for (wire, f) in def.fields.iter().flat_map(|m| m.iter()) {
                if Some(wire.value.to_string()) == array_field {
                    for c in &f.constraints {
                        if let Some(Rule::Unique { by: Some(b) }) = c.rule() {
                            keys.insert(b);
                        }
                    }
                }
            }
        }
        let item_fields = self.fields(item_type);
        Value::Array(
            (0..n)
                .map(|i| {
                    let mut item = first.clone();
                    for key in &keys {
                        let field = item_fields.iter().find(|(w, _)| w == key).map(|(_, f)| *f);
                        let enumerated = field.and_then(|f| {
                            f.constraints
                                .iter()
                                .find_map(|c| if let Some(Rule::OneOf(v)) = c.rule() { Some(v) } else { None })
                        });
                        item[key.as_str()] = match enumerated {
                            Some(values) => values[i % values.len()].to_json(),
                            None => json!(format!("u{i}")),
                        };
                    }
                    item
                })
                .collect(),
        )
    }
}

/// Every array of the base cut to its first item: mutations at `[0]` then never collide with
/// siblings by accident.
fn first_items_only(v: &mut Value) {
    match v {
        Value::Array(items) => {
            items.truncate(1);
            items.iter_mut().for_each(first_items_only);
        }
        Value::Object(obj) => obj.values_mut().for_each(first_items_only),
        _ => {}
    }
}

/// The base of an API's cases: its fullest request example, or — for an API whose page shows
/// none — the least request its spec allows (every required field, each at a valid value).
fn base_request(api: Api<'_>) -> Value {
    let best = api
        .spec
        .examples
        .iter()
        .filter(|(_, e)| e.role.value == ExampleRole::Request)
        .map(|(_, e)| example_json(api, e))
        .max_by_key(|v| v.to_string().len());
    let mut best = best.unwrap_or_else(|| least(api, &TypeExpr::Named(api.spec.request.value.clone())));
    first_items_only(&mut best);
    best
}

/// The least valid value of `ty`: an object of its required fields, the first value an enum
/// or a `one_of` allows, the least integer a `min` allows, a one-character string.
fn least(api: Api<'_>, ty: &TypeExpr) -> Value {
    let one_of = |field: &Field| {
        field.constraints.iter().find_map(|c| match c.rule() {
            Some(Rule::OneOf(values)) => values.first().map(Scalar::to_json),
            Some(Rule::Min(n)) => Some(json!(n)),
            _ => None,
        })
    };
    match ty {
        TypeExpr::String | TypeExpr::StringOrInteger => json!("a"),
        TypeExpr::Integer => json!(1),
        TypeExpr::Boolean => json!(true),
        TypeExpr::Json => json!({}),
        TypeExpr::Array(inner) => json!([least(api, inner)]),
        TypeExpr::Named(name) => {
            let def = api.type_def(name).unwrap_or_else(|| panic!("{}: no type {name}", api.id()));
            if let Some((value, _)) = def.variants.as_ref().and_then(|v| v.entries.first()) {
                return value.value.to_json();
            }
            let fields = def.fields.iter().flat_map(|f| f.iter()).filter(|(_, f)| f.required);
            Value::Object(
                fields
                    .map(|(name, f)| (name.value.to_string(), one_of(f).unwrap_or_else(|| least(api, &f.ty.value))))
                    .collect(),
            )
        }
    }
}

fn batch_cases(g: &mut Gen<'_>, base: &Value) {
    let Some(b) = &g.api.spec.batch else { return };
    let (Some(max), Some(code)) = (b.max_items, &b.code) else { return };
    let root = g.api.type_def(&g.api.spec.request.value);
    let (here, el) = match root.and_then(TypeDef::list_field) {
        Some(list) => (Vec::new(), list.ty.value.element().cloned()),
        None => (
            vec![Seg::Key(b.field.value.clone())],
            root.and_then(|d| d.fields.as_ref())
                .and_then(|f| f.get(&b.field.value))
                .and_then(|f| f.ty.value.element().cloned()),
        ),
    };
    let el = el.unwrap_or(TypeExpr::String);
    let at = g.distinct_items(base, &here, &el, max as usize);
    let over = g.distinct_items(base, &here, &el, max as usize + 1);
    g.pass(format!("batch of {max}"), set(base, &here, at));
    g.fail(format!("batch of {}", max + 1), set(base, &here, over), path_text(&here), code);
}

fn check(g: &Generated, api: Api<'_>, case: &Case) -> Result<(), String> {
    let from_json = g.validate_json(&case.body, NOW_MS);
    let interpreted =
        instance::validate_request(api, &case.body, Options { now_ms: NOW_MS, unknown_fields: UnknownFields::Ignore });
    let interpreted: Vec<(String, String)> = {
        let mut v: Vec<(String, String)> = interpreted.iter().map(|x| (x.path.clone(), x.code.to_string())).collect();
        v.sort();
        v
    };
    let json_summary = summary(&from_json);
    if json_summary != interpreted {
        return Err(format!("generated {json_summary:?} but the spec interpreter says {interpreted:?}"));
    }
    if let Ok(typed) = (g.validate_typed)(&case.body, NOW_MS) {
        // Schema problems cannot survive decoding; every other violation must match.
        let typed = summary(&typed);
        if typed != json_summary {
            return Err(format!("typed validator {typed:?} but JSON validator {json_summary:?}"));
        }
    }
    match &case.expect {
        None if json_summary.is_empty() => Ok(()),
        None => Err(format!("expected valid, got {json_summary:?}")),
        Some(want) if json_summary.contains(want) => Ok(()),
        Some(want) => Err(format!("expected {want:?} among {json_summary:?}")),
    }
}

#[test]
fn every_constraint_of_every_spec_holds_at_its_boundary() {
    let set = specs();
    let mut report = Vec::new();
    let mut total = 0;
    for g in all() {
        let api = set.api(g.id).expect("api");
        let mut base = base_request(api);
        let mut cases_gen = Gen { api, cases: Vec::new(), covered: 0 };
        match api.type_def(&api.spec.request.value).and_then(TypeDef::list_field) {
            Some(list) => cases_gen.field_cases(&mut base, &list, &[]),
            None => cases_gen.walk(&mut base, &api.spec.request.value, &[]),
        }
        batch_cases(&mut cases_gen, &base);
        cases_gen.cases.insert(0, Case { what: "the base request".into(), body: base.clone(), expect: None });
        let declared: usize = count_constraints(api);
        assert_eq!(cases_gen.covered, declared, "{}: a constraint produced no case", g.id);
        for case in &cases_gen.cases {
            if let Err(e) = check(&g, api, case) {
                report.push(format!("{} — {}: {e}\n  body: {}", g.id, case.what, case.body));
            }
        }
        total += cases_gen.cases.len();
    }
    assert!(report.is_empty(), "{} of {total} boundary cases failed:\n{}", report.len(), report.join("\n"));
    assert!(total > 100, "only {total} cases generated");
    eprintln!("{total} boundary cases");
}

/// Constraints reachable from the request root (what the walk must cover).
fn count_constraints(api: Api<'_>) -> usize {
    fn visit(api: Api<'_>, name: &str, seen: &mut Vec<String>) -> usize {
        if seen.iter().any(|s| s == name) {
            return 0;
        }
        seen.push(name.to_owned());
        let Some(def) = api.type_def(name) else { return 0 };
        if let (Some(list), Some(items)) = (def.list_field(), &def.items) {
            return list.constraints.len() + visit(api, &items.value, seen);
        }
        let Some(fields) = def.fields.as_ref() else { return 0 };
        fields
            .iter()
            .map(|(_, f)| {
                let own = f.constraints.len() + if f.ty.value.element().is_some() { f.items.len() } else { 0 };
                let mut t = &f.ty.value;
                while let TypeExpr::Array(inner) = t {
                    t = inner;
                }
                own + match t {
                    TypeExpr::Named(n) => visit(api, n, seen),
                    _ => 0,
                }
            })
            .sum()
    }
    visit(api, &api.spec.request.value, &mut Vec::new())
}

/// Limits the vendor raises on request are honoured when raised, and refused beyond what the
/// vendor grants.
#[test]
fn a_raised_batch_limit_is_honoured() {
    use imspec::zego_zim::add_friends::{Limits, validate_json};
    let set = specs();
    let api = set.api("zego_zim/add_friends").expect("api");
    let batch = api.spec.batch.as_ref().expect("a batch");
    let raised_to = batch.raisable_to.expect("ZEGO documents how far the batch is raised");
    let base = base_request(api);
    let cases_gen = Gen { api, cases: Vec::new(), covered: 0 };
    let here = vec![Seg::Key(batch.field.value.clone())];
    let el = TypeExpr::Named("FriendInfo".into());
    let limits = Limits { friend_infos_max_items: raised_to, ..Limits::DOCUMENTED };
    assert_eq!(limits.check(), Ok(()));
    let run = |n: usize| {
        let body = set_items(&base, &here, cases_gen.distinct_items(&base, &here, &el, n));
        let mut v = imspec::runtime::Violations::at(NOW_MS);
        validate_json(&body, &limits, &mut v);
        summary(v.as_slice())
    };
    assert_eq!(run(raised_to as usize), vec![]);
    let over = batch.code.as_ref().expect("a code for one item too many").value.to_string();
    assert_eq!(run(raised_to as usize + 1), vec![(format!("$.{}", batch.field.value), over)]);
    let too_far = Limits { friend_infos_max_items: raised_to + 1, ..Limits::DOCUMENTED };
    assert!(too_far.check().is_err());
}

fn set_items(base: &Value, here: &[Seg], items: Value) -> Value {
    set(base, here, items)
}
