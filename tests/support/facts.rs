//! The vendor facts tests expect, read from the registry (the generated constants) and the spec
//! set, so that a spec edit moves the tests with it. Included by path (`#[path]`) into the tests
//! of each crate that needs it.
#![allow(dead_code)]

use imspec::runtime::{ApiInfo, Code, ErrorClass, Refusals, Relation};
use serde_json::Value;

/// The generated facts of an API, by id.
pub fn info(api: &str) -> &'static ApiInfo {
    imspec::api(api).unwrap_or_else(|| panic!("no API {api} in the registry")).info
}

/// What a vendor's service answers for each way a credential fails.
pub fn refusals(vendor: &str) -> &'static Refusals {
    let entry = imspec::apis().into_iter().find(|a| a.info.vendor.id == vendor);
    &entry.unwrap_or_else(|| panic!("no API of {vendor} in the registry")).info.vendor.refusals
}

/// A code the spec gives, as the vendor writes it in JSON; `what` names the fact when it gives none.
pub fn code(fact: &Option<Code>, what: &str) -> Value {
    fact.as_ref().unwrap_or_else(|| panic!("the spec gives no code for {what}")).to_json()
}

/// An API's documented batch: the most items per call and the code for one more.
pub fn batch(api: &str) -> (usize, Value) {
    let batch = info(api).batch.as_ref().unwrap_or_else(|| panic!("{api} has no batch"));
    let max = batch.max_items.unwrap_or_else(|| panic!("{api} documents no batch limit"));
    (usize::try_from(max).expect("a batch limit fits in usize"), code(&batch.code, &format!("{api}'s batch limit")))
}

/// An API's documented rate, in calls per second, and what a call over it is answered.
pub fn rate(api: &str) -> (usize, Value) {
    let limit = &info(api).rate_limit;
    (limit.per_second as usize, limit.answer.to_json())
}

/// The codes of an API's own table in `class`.
pub fn own_codes(api: &str, class: ErrorClass) -> Vec<Value> {
    info(api).errors.iter().filter(|r| r.class == class).map(|r| r.code.to_json()).collect()
}

/// The spec set, loaded from `specs/` and checked.
pub fn specs() -> imspec_spec::SpecSet {
    let loaded = imspec_spec::load_dir(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../specs"));
    assert!(!loaded.has_errors(), "{}", imspec_spec::render_all(&loaded.diagnostics));
    loaded.set
}

/// The first rule `pick` takes among a field's constraints in an API's spec, and its code.
pub fn field_rule<T>(api: &str, ty: &str, field: &str, pick: impl Fn(&imspec_spec::Rule) -> Option<T>) -> (T, Value) {
    let set = specs();
    let spec = set.api(api).unwrap_or_else(|| panic!("no spec of {api}"));
    let def = spec.type_def(ty).unwrap_or_else(|| panic!("{api} has no type {ty}"));
    let fields = def.fields.as_ref().unwrap_or_else(|| panic!("{api}'s {ty} has no fields"));
    let (_, f) = fields
        .iter()
        .find(|(k, _)| k.value.to_string() == field)
        .unwrap_or_else(|| panic!("{api}'s {ty} has no {field}"));
    f.constraints
        .iter()
        .find_map(|c| Some((pick(&c.rule()?)?, c.code.value.to_json())))
        .unwrap_or_else(|| panic!("{api}'s {ty}.{field} has no such constraint"))
}

/// The longest a string field may be, in its unit, and the code for one more.
pub fn max_len(api: &str, ty: &str, field: &str) -> (usize, Value) {
    let (max, code) = field_rule(api, ty, field, |r| match r {
        imspec_spec::Rule::MaxLen { max, .. } => Some(*max),
        _ => None,
    });
    (usize::try_from(max).expect("a length fits in usize"), code)
}

/// The JSON of a page example of `api`, as its spec's erratum corrects it when it has one: a
/// request decoded from the API's body encoding (a form, for NetEase), an answer from JSON.
pub fn example_json(api: imspec_spec::Api<'_>, ex: &imspec_spec::Example) -> Value {
    let text = ex.erratum.as_ref().map(|e| &e.corrected.value).unwrap_or(&ex.body.value);
    let body = match ex.role.value {
        imspec_spec::ExampleRole::Request => info(&api.id()).body,
        imspec_spec::ExampleRole::Response => imspec::runtime::BodyEncoding::Json,
    };
    body.decode(text.trim().as_bytes()).expect("lint guarantees the (corrected) example reads in its encoding")
}

/// Who an API's calls are about and what the service answers about users.
pub fn relation(api: &str) -> &'static Relation {
    info(api).relation.as_ref().unwrap_or_else(|| panic!("{api} names no relation"))
}

/// The field a request chooses its direction with, and its value for `direction` (a number
/// where the vendor's value is one).
pub fn direction_value(api: &str, direction: imspec::runtime::Direction) -> (&'static str, Value) {
    let (field, values) = relation(api).direction_field.unwrap_or_else(|| panic!("{api} has no direction field"));
    let (value, _) = values.iter().find(|(_, d)| *d == direction).unwrap_or_else(|| panic!("{api}: no {direction:?}"));
    (field, serde_json::from_str(value).unwrap_or_else(|_| Value::from(*value)))
}

/// The code of the first of a field's constraints that `is` takes.
pub fn rule_code(api: &str, ty: &str, field: &str, is: impl Fn(&imspec_spec::Rule) -> bool) -> Value {
    field_rule(api, ty, field, |r| is(r).then_some(())).1
}
