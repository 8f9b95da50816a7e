//! Semantic checks over decoded specs: references resolve, names make valid and distinct Rust
//! identifiers, constraints fit their fields and name codes of the table, examples satisfy their
//! spec. Every problem is reported; nothing stops at the first. This module checks a set and its
//! files, sources, charsets and error tables; the parts of an API are checked beside it:
//! `scope` (what a check may look up), `types` (types, fields, constraints, the endpoint),
//! `answers` (batch, results, envelope), `relation` (relation, operation, paging) and
//! `examples`.

use std::collections::{BTreeMap, BTreeSet};

use crate::decode::{Cx, Map, Scalar, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::instance;
use crate::model::*;
use crate::names::type_name_problem;
use crate::{Api, SpecSet};

mod answers;
mod examples;
mod relation;
mod scope;
mod types;

use answers::*;
pub use examples::example_problem;
use examples::*;
use relation::*;
use scope::*;
pub use types::param_as_field;
use types::*;

/// Checks that a file sits where its ids say: `<vendor>/vendor.yaml` or `<vendor>/<api>.yaml`.
pub(crate) fn file_identity(rel: &str, id: &Spanned<String>, vendor: Option<&Spanned<String>>, cx: &mut Cx) {
    let parts: Vec<&str> = rel.split('/').collect();
    let (dir, stem) = match parts.as_slice() {
        [dir, file] => (*dir, file.trim_end_matches(".yaml").trim_end_matches(".yml")),
        _ => {
            cx.push(
                Diagnostic::error(&id.loc, format!("`{rel}` is not at `<vendor>/<file>.yaml`"))
                    .help("put vendor files at `<vendor>/vendor.yaml` and API files at `<vendor>/<api>.yaml`"),
            );
            return;
        }
    };
    match vendor {
        None => {
            if stem != "vendor" {
                cx.push(
                    Diagnostic::error(&id.loc, format!("a vendor file is named `vendor.yaml`, not `{stem}.yaml`"))
                        .help(format!("move it to `{dir}/vendor.yaml`")),
                );
            }
            if id.value != dir {
                cx.push(
                    Diagnostic::error(&id.loc, format!("vendor id `{}` differs from its directory `{dir}`", id.value))
                        .help(format!("write `id: {dir}` or rename the directory")),
                );
            }
        }
        Some(vendor) => {
            if id.value != stem {
                cx.push(
                    Diagnostic::error(
                        &id.loc,
                        format!("API id `{}` differs from its file name `{stem}.yaml`", id.value),
                    )
                    .help(format!("write `id: {stem}` or rename the file")),
                );
            }
            if vendor.value != dir {
                cx.push(
                    Diagnostic::error(
                        &vendor.loc,
                        format!("vendor `{}` differs from the directory `{dir}`", vendor.value),
                    )
                    .help(format!("write `vendor: {dir}` or move the file")),
                );
            }
        }
    }
}

/// Checks the whole set: ids, then each vendor, then each API against its vendor.
pub(crate) fn check_set(set: &SpecSet, cx: &mut Cx) {
    let mut seen: BTreeMap<String, Loc> = BTreeMap::new();
    for v in &set.vendors {
        if let Some(first) = seen.insert(v.id.value.clone(), v.id.loc.clone()) {
            cx.push(
                Diagnostic::error(&v.id.loc, format!("vendor `{}` is declared twice", v.id.value))
                    .note(format!("first declared at {}", first.position())),
            );
        }
        check_vendor(v, cx);
    }
    check_budgets(set, cx);
    let vendor_ids: Vec<&str> = set.vendors.iter().map(|v| v.id.value.as_str()).collect();
    for a in &set.apis {
        match set.vendor(&a.vendor.value) {
            Some(vendor) => check_api(Api { spec: a, vendor }, cx),
            None => {
                let d = Diagnostic::error(&a.vendor.loc, format!("no vendor file for `{}`", a.vendor.value));
                cx.push(d.suggest(
                    &a.vendor.value,
                    vendor_ids.iter().copied(),
                    format!("add `{}/vendor.yaml`", a.vendor.value),
                ));
            }
        }
    }
}

fn check_sources(scope: &Scope<'_>, refs: &[crate::decode::Cited], file: &str, cx: &mut Cx) {
    for r in refs.iter().filter(|r| r.loc.file.name == file) {
        if !scope.sources.iter().any(|m| m.get(&r.id).is_some()) {
            let ids: Vec<String> = scope.sources.iter().flat_map(|m| m.keys()).collect();
            let d = Diagnostic::error(&r.loc, format!("unknown source `{}`", r.id));
            cx.push(d.suggest(
                &r.id,
                ids.iter().map(String::as_str),
                format!("declare it under `sources`, or use one of: {}", ids.join(", ")),
            ));
        }
    }
}

fn check_vendor(v: &VendorSpec, cx: &mut Cx) {
    let scope = Scope::vendor(v);
    let refs = std::mem::take(&mut cx.source_refs);
    check_sources(&scope, &refs, &v.loc.file.name, cx);
    cx.source_refs = refs;

    if let Some(hosts) = &v.hosts
        && let Some(default) = &hosts.default
        && hosts.regions.get(&default.value).is_none()
    {
        let keys: Vec<String> = hosts.regions.keys().collect();
        let d = Diagnostic::error(&default.loc, format!("default region `{}` is not among `regions`", default.value));
        cx.push(d.suggest(&default.value, keys.iter().map(String::as_str), format!("regions: {}", keys.join(", "))));
    }
    for (def, value) in &v.auth.params.entries {
        let Some(ty) = value.as_text().filter(|_| def.kind == crate::auth::ParamKind::ObjectType) else { continue };
        if v.types.get(ty).and_then(|d| d.fields.as_ref()).is_none() {
            cx.push(
                Diagnostic::error(&value.loc, format!("`{ty}` is not an object type of this vendor"))
                    .help("declare it under the vendor's `types`"),
            );
        }
    }
    if let Some(body) = &v.envelope.error_body {
        match v.types.get(&body.value).and_then(|d| d.fields.as_ref()) {
            None => cx.push(
                Diagnostic::error(&body.loc, format!("`{}` is not an object type of this vendor", body.value))
                    .help("declare it under the vendor's `types`"),
            ),
            Some(fields) => {
                for f in [&v.envelope.code, &v.envelope.message] {
                    if fields.get(&f.value).is_none() {
                        cx.push(Diagnostic::error(&f.loc, format!("`{}` is not a field of `{}`", f.value, body.value)));
                    }
                }
            }
        }
    }
    check_charsets(&v.charsets, cx);
    check_types(&scope, &v.types, cx);
    check_errors(&v.errors, &BTreeMap::new(), cx);
    let scheme = v.auth.scheme.value;
    let roles = scheme.roles;
    for (role, _) in v.auth.refusals.missing.iter() {
        let role_text = role.value.to_string();
        if !roles.contains(&role_text.as_str()) {
            let d = Diagnostic::error(&role.loc, format!("`{role_text}` is not a credential of `{}`", scheme.name));
            cx.push(d.suggest(&role_text, roles.iter().copied(), format!("its credentials: {}", roles.join(", "))));
        }
    }
    for (what, code) in v.auth.refusals.codes() {
        scope.check_code(code, &format!("the `{what}` refusal"), cx);
    }
}

fn check_charsets(charsets: &Map<Charset>, cx: &mut Cx) {
    for (_, set) in charsets.iter() {
        for r in &set.ranges {
            if instance::parse_range(&r.value).is_none() {
                cx.push(
                    Diagnostic::error(&r.loc, format!("`{}` is not a character range", r.value))
                        .help("write a range as `a-z`: first character, dash, last character"),
                );
            }
        }
    }
}

fn check_api(api: Api<'_>, cx: &mut Cx) {
    let scope = Scope::api(api);
    let spec = api.spec;
    let refs = std::mem::take(&mut cx.source_refs);
    check_sources(&scope, &refs, &spec.loc.file.name, cx);
    cx.source_refs = refs;

    for (name, _) in spec.types.iter() {
        if let Some(shadowed) = api.vendor.types.get(&name.value.to_string()) {
            cx.push(
                Diagnostic::error(&name.loc, format!("type `{}` is also declared by the vendor", name.value))
                    .note(format!("the vendor's is at {}", shadowed.loc.position()))
                    .help("rename one of them: both become Rust types of the same module"),
            );
        }
    }
    check_charsets(&spec.charsets, cx);
    check_types(&scope, &spec.types, cx);

    let vendor_names: BTreeMap<String, (String, Loc)> = api
        .vendor
        .errors
        .iter()
        .map(|(code, e)| (e.name.value.clone(), (code.value.to_string(), e.name.loc.clone())))
        .collect();
    check_errors(&spec.errors, &vendor_names, cx);
    scope.check_code(&spec.schema_error_code, "`schema_error_code`", cx);

    for root in [&spec.request, &spec.response] {
        let list = std::ptr::eq(root, &spec.request) && scope.list_items(&root.value).is_some();
        if !list && scope.type_def(&root.value).and_then(|d| d.fields.as_ref()).is_none() {
            let names = scope.type_names();
            let d = Diagnostic::error(&root.loc, format!("`{}` is not an object type", root.value));
            cx.push(d.suggest(&root.value, names.iter().map(String::as_str), "declare it under `types` with `fields`"));
        }
    }
    if scope.list_items(&spec.request.value).is_some() && !spec.batch.as_ref().is_some_and(Batch::is_root) {
        cx.push(
            Diagnostic::error(&spec.request.loc, format!("the request body `{}` is a list", spec.request.value))
                .help(format!("a list body is the batch: set `batch.field: {ROOT_BATCH}`")),
        );
    }
    check_endpoint(&scope, &spec.endpoint, cx);
    check_body(&scope, spec, cx);
    check_batch(&scope, spec, cx);
    scope.check_code(&spec.rate_limit.answer, "the rate-limit answer", cx);
    if let Some(e) = api.error(&spec.rate_limit.answer.value)
        && e.class.value != ErrorClass::RateLimited
    {
        cx.push(
            Diagnostic::error(
                &spec.rate_limit.answer.loc,
                format!("code {} is classed `{}`, not `rate_limited`", spec.rate_limit.answer.value, e.class.value),
            )
            .help("the answer to a call over the rate limit is a `rate_limited` code"),
        );
    }
    if spec.rate_limit.per_second.value == 0 {
        cx.push(Diagnostic::error(
            &spec.rate_limit.per_second.loc,
            "a rate limit of 0 calls per second allows no call",
        ));
    }
    if u32::try_from(spec.rate_limit.per_second.value).is_err() {
        cx.push(
            Diagnostic::error(
                &spec.rate_limit.per_second.loc,
                format!(
                    "a rate of {} calls per second does not fit the runtime's rate (at most {})",
                    spec.rate_limit.per_second.value,
                    u32::MAX
                ),
            )
            .help("no vendor documents such a rate: check the page's unit (per second, not per day)"),
        );
    }
    if let Some(p) = &spec.rate_limit.penalty_seconds
        && p.value > MAX_PENALTY_SECONDS
    {
        cx.push(
            Diagnostic::error(
                &p.loc,
                format!("a block of {} seconds after an over-limit answer is longer than a week", p.value),
            )
            .help("no vendor documents such a block: check the page's unit (seconds, not milliseconds)"),
        );
    }
    check_results(&scope, spec, cx);
    if let Some(limits) = &spec.state_limits {
        for limit in limits.named().into_iter().filter_map(|(_, l)| l) {
            scope.check_code(&limit.code, "this state limit", cx);
            if let Some(code) = &limit.full_code {
                scope.check_code(code, "this state limit", cx);
            }
            if let Some(field) = &limit.field {
                let item = scope.object_fields(&TypeExpr::Named(spec.request.value.clone())).and_then(|root| {
                    let batch = root.get(&spec.batch.as_ref()?.field.value)?;
                    scope.object_fields(batch.ty.value.element()?)
                });
                if item.is_some_and(|fields| fields.get(&field.value).is_none()) {
                    cx.push(Diagnostic::error(
                        &field.loc,
                        format!("`{}` is not a field of the batch items", field.value),
                    ));
                }
            }
        }
    }
    check_relation(&scope, spec, cx);
    check_operation(&scope, spec, cx);
    check_paging(&scope, spec, cx);
    if let Some(code) = spec.users.as_ref().and_then(|u| u.already_registered.as_ref()) {
        scope.check_code(code, "`users.already_registered`", cx);
        check_class(&scope, code, ErrorClass::AlreadyDone, cx);
    }
    check_envelope(&scope, api, cx);
    check_examples(api, cx);
    check_unused_types(&scope, api, cx);
}

fn check_errors(errors: &Map<ErrorEntry>, vendor_names: &BTreeMap<String, (String, Loc)>, cx: &mut Cx) {
    let mut names: BTreeMap<String, (String, Loc)> = BTreeMap::new();
    for (code, e) in errors.iter() {
        let code_text = code.value.to_string();
        if matches!(code.value, Scalar::Bool(_)) {
            cx.push(Diagnostic::error(&code.loc, "a code is an integer or a string").help("quote it"));
        }
        if let Some(p) = type_name_problem(&e.name.value) {
            cx.push(
                Diagnostic::error(&e.name.loc, format!("error name: {p}"))
                    .help("error names become enum variants, e.g. `AlreadyFriends`"),
            );
        }
        if e.name.value == "Unknown" {
            cx.push(
                Diagnostic::error(&e.name.loc, "`Unknown` is reserved for codes the table does not list")
                    .help("choose another name"),
            );
        }
        if e.name.value == "Vendor" {
            cx.push(
                Diagnostic::error(
                    &e.name.loc,
                    "`Vendor` is reserved: an API's `ErrorCode::Vendor` holds the vendor's shared codes",
                )
                .help("choose another name"),
            );
        }
        if let Some(status) = e.http_status
            && !(100..=599).contains(&status)
        {
            cx.push(Diagnostic::error(&e.loc, format!("HTTP status {status} does not exist")));
        }
        for (other_code, first) in [names.get(&e.name.value), vendor_names.get(&e.name.value)].into_iter().flatten() {
            if *other_code != code_text {
                cx.push(
                    Diagnostic::error(
                        &e.name.loc,
                        format!("error name `{}` is used by code {other_code} too", e.name.value),
                    )
                    .note(format!("the other is at {}", first.position()))
                    .help("a name means one code in the API's and its vendor's tables; make them distinct"),
                );
            }
        }
        names.insert(e.name.value.clone(), (code_text, e.name.loc.clone()));
    }
}

fn check_unused_types(scope: &Scope<'_>, api: Api<'_>, cx: &mut Cx) {
    let mut reached: BTreeSet<String> = BTreeSet::new();
    let mut todo: Vec<String> = vec![api.spec.request.value.clone(), api.spec.response.value.clone()];
    while let Some(name) = todo.pop() {
        if !reached.insert(name.clone()) {
            continue;
        }
        if let Some(items) = scope.list_items(&name) {
            todo.push(items.value.clone());
        }
        if let Some(fields) = scope.type_def(&name).and_then(|d| d.fields.as_ref()) {
            for (_, f) in fields.iter() {
                let mut t = &f.ty.value;
                while let TypeExpr::Array(inner) = t {
                    t = inner;
                }
                if let TypeExpr::Named(n) = t {
                    todo.push(n.clone());
                }
            }
        }
    }
    for (name, def) in api.spec.types.iter() {
        if !reached.contains(&name.value.to_string()) {
            cx.push(
                Diagnostic::warning(
                    &def.loc,
                    format!("type `{}` is not reachable from the request or response", name.value),
                )
                .help("remove it, or reference it from a field"),
            );
        }
    }
}

/// The endpoint's `content_type` names an encoding the runtime has, and a form-encoded body
/// is a flat object of scalar fields (each value travels as text).
fn check_body(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let ct = &spec.endpoint.content_type;
    match crate::body::encoding(&ct.value) {
        None => {
            let known: Vec<&str> = crate::body::ENCODINGS.iter().map(|(name, _)| *name).collect();
            cx.push(
                Diagnostic::error(&ct.loc, format!("`{}` is no body encoding this project has", ct.value))
                    .help(format!("one of: {}", known.join(", "))),
            );
        }
        Some(crate::body::Encoding::Json) => {}
        Some(crate::body::Encoding::Form) => {
            let Some(fields) = scope.type_def(&spec.request.value).and_then(|d| d.fields.as_ref()) else { return };
            for (name, field) in fields.iter() {
                if !scope.is_scalar(&field.ty.value) {
                    cx.push(
                        Diagnostic::error(
                            &field.ty.loc,
                            format!(
                                "`{}` is not a scalar, but a form-encoded body carries only text values",
                                name.value
                            ),
                        )
                        .note(format!("`endpoint.content_type` is `{}`", ct.value)),
                    );
                }
            }
        }
    }
}

/// The longest block after an over-limit answer a spec may state (the longest documented is a day).
const MAX_PENALTY_SECONDS: u64 = 7 * 86_400;

/// APIs that share a rate budget share one bucket: they state the same rate, scope and block.
fn check_budgets(set: &SpecSet, cx: &mut Cx) {
    let mut first: BTreeMap<(&str, &str), &ApiSpec> = BTreeMap::new();
    for a in &set.apis {
        let Some(budget) = &a.rate_limit.budget else { continue };
        let Some(other) = first.insert((a.vendor.value.as_str(), budget.value.as_str()), a) else { continue };
        let (mine, theirs) = (&a.rate_limit, &other.rate_limit);
        let penalty = |r: &RateLimit| r.penalty_seconds.as_ref().map(|p| p.value);
        if mine.per_second.value != theirs.per_second.value
            || mine.scope != theirs.scope
            || penalty(mine) != penalty(theirs)
        {
            cx.push(
                Diagnostic::error(&budget.loc, format!("budget `{}` is stated two ways", budget.value))
                    .note(format!("`{}` shares it at {}", other.id.value, other.rate_limit.per_second.loc.position()))
                    .help("APIs of one budget draw from one bucket: give them the same `per_second`, `scope` and `penalty_seconds`"),
            );
        }
        first.insert((a.vendor.value.as_str(), budget.value.as_str()), other);
    }
}
