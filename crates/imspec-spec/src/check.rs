//! Semantic checks over decoded specs: references resolve, names make valid and distinct Rust
//! identifiers, constraints fit their fields and name codes of the table, examples satisfy their
//! spec. Every problem is reported; nothing stops at the first.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use crate::constraint::{Around, Fits};
use crate::decode::{Cx, Map, Scalar, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::instance::{self, Options, UnknownFields};
use crate::model::*;
use crate::names::{ident_problem, pascal_case, snake_case, type_name_problem};
use crate::{Api, SpecSet};

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

/// The names a file can resolve: its own and, for an API, its vendor's.
struct Scope<'a> {
    types: Vec<&'a Map<TypeDef>>,
    /// An API's file resolves codes through `Api::error`; a vendor file, its own table.
    api: Option<Api<'a>>,
    vendor_errors: &'a Map<ErrorEntry>,
    charsets: Vec<&'a Map<Charset>>,
    sources: Vec<&'a Map<SourceDef>>,
    /// The request root type, for `not_equal` paths.
    request: Option<&'a str>,
}

impl<'a> Scope<'a> {
    fn vendor(v: &'a VendorSpec) -> Self {
        Scope {
            types: vec![&v.types],
            api: None,
            vendor_errors: &v.errors,
            charsets: vec![&v.charsets],
            sources: vec![&v.sources],
            request: None,
        }
    }

    fn api(api: Api<'a>) -> Self {
        Scope {
            types: vec![&api.spec.types, &api.vendor.types],
            api: Some(api),
            vendor_errors: &api.vendor.errors,
            charsets: vec![&api.spec.charsets, &api.vendor.charsets],
            sources: vec![&api.spec.sources, &api.vendor.sources],
            request: Some(&api.spec.request.value),
        }
    }

    fn type_def(&self, name: &str) -> Option<&'a TypeDef> {
        self.types.iter().find_map(|m| m.get(name))
    }

    fn type_names(&self) -> Vec<String> {
        self.types.iter().flat_map(|m| m.keys()).collect()
    }

    /// A code's entry, the API's own first (`Api::error`).
    fn error(&self, code: &Code) -> Option<&'a ErrorEntry> {
        match self.api {
            Some(api) => api.error(code),
            None => self.vendor_errors.get(&code.to_string()),
        }
    }

    fn has_code(&self, code: &Code) -> bool {
        self.error(code).is_some()
    }

    fn code_names(&self) -> Vec<String> {
        let own = self.api.map(|api| api.spec.errors.keys().collect::<Vec<_>>()).unwrap_or_default();
        own.into_iter().chain(self.vendor_errors.keys()).collect()
    }

    /// The fields of an object type reached by `ty`, or of its array element.
    fn object_fields(&self, ty: &TypeExpr) -> Option<&'a Map<Field>> {
        match ty {
            TypeExpr::Named(n) => self.type_def(n)?.fields.as_ref(),
            TypeExpr::Array(inner) => self.object_fields(inner),
            _ => None,
        }
    }

    /// Whether `ty` ends in a scalar (string, integer, boolean, string_or_integer, or string enum).
    fn is_scalar(&self, ty: &TypeExpr) -> bool {
        match ty {
            TypeExpr::String | TypeExpr::Integer | TypeExpr::Boolean | TypeExpr::StringOrInteger => true,
            TypeExpr::Named(n) => self.type_def(n).is_some_and(|d| d.variants.is_some()),
            TypeExpr::Json | TypeExpr::Array(_) => false,
        }
    }

    fn is_stringy(&self, ty: &TypeExpr) -> bool {
        matches!(ty, TypeExpr::String | TypeExpr::StringOrInteger)
    }

    fn check_code(&self, code: &Spanned<Code>, what: &str, cx: &mut Cx) {
        if !self.has_code(&code.value) {
            let d =
                Diagnostic::error(&code.loc, format!("{what} names code `{}`, which no error table lists", code.value));
            let names = self.code_names();
            cx.push(d.suggest(
                &code.value.to_string(),
                names.iter().map(String::as_str),
                format!("add `{}` to `errors` (in the API or vendor file), or fix the code", code.value),
            ));
        }
    }

    fn check_type_ref(&self, ty: &Spanned<TypeExpr>, cx: &mut Cx) {
        let mut t = &ty.value;
        while let TypeExpr::Array(inner) = t {
            t = inner;
        }
        let TypeExpr::Named(name) = t else { return };
        match self.type_def(name) {
            None => {
                let d = Diagnostic::error(&ty.loc, format!("unknown type `{name}`"));
                let names = self.type_names();
                cx.push(d.suggest(
                    name,
                    names.iter().map(String::as_str),
                    "declare it under `types`, or use a primitive: string, integer, boolean, string_or_integer, json",
                ));
            }
            Some(def) if def.items.is_some() => cx.push(
                Diagnostic::error(&ty.loc, format!("`{name}` is a list type, which only a request body can be"))
                    .help(format!("use `array<{}>`", def.items.as_ref().map_or("…", |i| i.value.as_str()))),
            ),
            Some(_) => {}
        }
    }

    /// The element type of a list type (`items`), when `name` is one.
    fn list_items(&self, name: &str) -> Option<&'a Spanned<String>> {
        self.type_def(name)?.items.as_ref()
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
    check_operation(spec, cx);
    check_paging(&scope, spec, cx);
    if let Some(code) = spec.users.as_ref().and_then(|u| u.already_registered.as_ref()) {
        scope.check_code(code, "`users.already_registered`", cx);
        check_class(&scope, code, ErrorClass::AlreadyDone, cx);
    }
    check_envelope(&scope, api, cx);
    check_examples(api, cx);
    check_unused_types(&scope, api, cx);
}

fn check_types(scope: &Scope<'_>, types: &Map<TypeDef>, cx: &mut Cx) {
    for (name, def) in types.iter() {
        let name_text = name.value.to_string();
        if let Some(p) = type_name_problem(&name_text) {
            cx.push(
                Diagnostic::error(&name.loc, format!("type name: {p}"))
                    .help("type names are PascalCase, e.g. `FriendInfo`"),
            );
        }
        if [def.fields.is_some(), def.variants.is_some(), def.items.is_some()].iter().filter(|x| **x).count() != 1 {
            cx.push(
                Diagnostic::error(
                    &def.loc,
                    format!("type `{name_text}` needs exactly one of `fields`, `enum` or `items`"),
                )
                .help("an object type has `fields`; a string enum has `enum`; a list body has `items`"),
            );
        }
        if let Some(items) = &def.items
            && scope.type_def(&items.value).and_then(|d| d.fields.as_ref()).is_none()
        {
            let names = scope.type_names();
            let d = Diagnostic::error(&items.loc, format!("`{}` is not an object type", items.value));
            cx.push(d.suggest(&items.value, names.iter().map(String::as_str), "list the items of an object type"));
        }
        match def.list_field() {
            Some(field) => {
                for c in &field.constraints {
                    check_constraint(scope, &field, &field.ty.value, c, cx);
                }
            }
            None if !def.constraints.is_empty() => cx.push(
                Diagnostic::error(&def.constraints[0].loc, "only a list type (`items`) has type-level `constraints`")
                    .help("put the rules on a field"),
            ),
            None => {}
        }
        if let Some(variants) = &def.variants {
            let mut rust: BTreeMap<String, Loc> = BTreeMap::new();
            for (wire, v) in variants.iter() {
                let rust_name = v
                    .rust_name
                    .as_ref()
                    .map(|r| r.value.clone())
                    .unwrap_or_else(|| pascal_case(&wire.value.to_string()));
                let loc = v.rust_name.as_ref().map(|r| r.loc.clone()).unwrap_or_else(|| wire.loc.clone());
                if let Some(p) = type_name_problem(&rust_name) {
                    cx.push(
                        Diagnostic::error(&loc, format!("enum value `{}` makes no Rust variant: {p}", wire.value))
                            .help("set `rust_name`"),
                    );
                } else if rust_name == "Unknown" {
                    cx.push(
                        Diagnostic::error(&loc, "`Unknown` is reserved for values the spec does not list")
                            .help("set another `rust_name`"),
                    );
                } else if let Some(first) = rust.insert(rust_name.clone(), loc.clone()) {
                    cx.push(
                        Diagnostic::error(
                            &loc,
                            format!("enum value `{}` collides with another as Rust variant `{rust_name}`", wire.value),
                        )
                        .note(format!("the other is at {}", first.position()))
                        .help("set `rust_name` on one of them"),
                    );
                }
            }
            if let Some(default) = &def.default
                && variants.get(&default.value).is_none()
            {
                let keys: Vec<String> = variants.keys().collect();
                cx.push(
                    Diagnostic::error(&default.loc, format!("default `{}` is not a value of this enum", default.value))
                        .help(format!("values: {}", keys.join(", "))),
                );
            }
        } else if let Some(default) = &def.default {
            cx.push(
                Diagnostic::error(&default.loc, "only an enum type has a type-level `default`")
                    .help("put `default` on the field"),
            );
        }
        if let Some(fields) = &def.fields {
            check_fields(scope, &name_text, fields, cx);
        }
    }
}

fn check_fields(scope: &Scope<'_>, type_name: &str, fields: &Map<Field>, cx: &mut Cx) {
    let mut rust: BTreeMap<String, Loc> = BTreeMap::new();
    let mut wire: BTreeMap<String, Loc> = BTreeMap::new();
    for (key, field) in fields.iter() {
        let wire_name = key.value.to_string();
        let rust_name = field.rust_name.as_ref().map(|r| r.value.clone()).unwrap_or_else(|| snake_case(&wire_name));
        let rust_loc = field.rust_name.as_ref().map(|r| r.loc.clone()).unwrap_or_else(|| key.loc.clone());
        if let Some(p) = ident_problem(&rust_name) {
            cx.push(
                Diagnostic::error(&rust_loc, format!("field `{wire_name}` makes no Rust field name: {p}"))
                    .help("set `rust_name`"),
            );
        } else if let Some(first) = rust.insert(rust_name.clone(), rust_loc.clone()) {
            cx.push(
                Diagnostic::error(
                    &rust_loc,
                    format!("field `{wire_name}` of `{type_name}` collides with another as Rust field `{rust_name}`"),
                )
                .note(format!("the other is at {}", first.position()))
                .help("set `rust_name` on one of them"),
            );
        }
        for name in std::iter::once((wire_name.clone(), key.loc.clone()))
            .chain(field.aliases.iter().map(|a| (a.value.clone(), a.loc.clone())))
        {
            if let Some(first) = wire.insert(name.0.clone(), name.1.clone()) {
                cx.push(
                    Diagnostic::error(&name.1, format!("wire name `{}` is used twice in `{type_name}`", name.0))
                        .note(format!("first at {}", first.position())),
                );
            }
        }
        scope.check_type_ref(&field.ty, cx);
        if let Some(unit) = &field.unit
            && field.ty.value != TypeExpr::Integer
        {
            cx.push(
                Diagnostic::error(&unit.loc, "`unit` is for integer timestamps")
                    .help("remove it, or make the field `integer`"),
            );
        }
        if let Some(default) = &field.default {
            check_scalar_fits(scope, &field.ty.value, default, cx);
        }
        for c in &field.constraints {
            check_constraint(scope, field, &field.ty.value, c, cx);
        }
        if !field.items.is_empty() {
            match field.ty.value.element() {
                Some(el) if scope.is_scalar(el) => {
                    let el = el.clone();
                    for c in &field.items {
                        check_constraint(scope, field, &el, c, cx);
                    }
                }
                _ => cx.push(
                    Diagnostic::error(&field.items[0].loc, "`items` constrains the elements of an array of scalars")
                        .help("put element rules on the element type's fields, or use `constraints`"),
                ),
            }
        }
    }
}

fn check_scalar_fits(scope: &Scope<'_>, ty: &TypeExpr, value: &Spanned<Scalar>, cx: &mut Cx) {
    let fits = match (ty, &value.value) {
        (TypeExpr::String, Scalar::Str(_))
        | (TypeExpr::Integer, Scalar::Int(_))
        | (TypeExpr::Boolean, Scalar::Bool(_)) => true,
        (TypeExpr::StringOrInteger, Scalar::Str(_) | Scalar::Int(_)) => true,
        (TypeExpr::Named(n), Scalar::Str(s)) => {
            scope.type_def(n).and_then(|d| d.variants.as_ref()).is_some_and(|v| v.get(s).is_some())
        }
        _ => false,
    };
    if !fits {
        cx.push(Diagnostic::error(&value.loc, format!("`{}` is not a value of type `{ty}`", value.value)));
    }
}

fn check_constraint(scope: &Scope<'_>, field: &Field, ty: &TypeExpr, c: &Constraint, cx: &mut Cx) {
    scope.check_code(&c.code, "this constraint", cx);
    c.lint(&ConstraintScope { scope, field, ty }, cx);
}

/// What a constraint's lint sees of the spec around it: the field and its type.
struct ConstraintScope<'s, 'a> {
    scope: &'s Scope<'a>,
    field: &'s Field,
    ty: &'s TypeExpr,
}

impl Around for ConstraintScope<'_, '_> {
    fn ty(&self) -> &TypeExpr {
        self.ty
    }

    fn fits(&self, fits: Fits) -> bool {
        let (scope, ty) = (self.scope, self.ty);
        match fits {
            Fits::Strings => scope.is_stringy(ty),
            Fits::Arrays => ty.element().is_some(),
            Fits::Integers | Fits::Timestamps => *ty == TypeExpr::Integer,
            Fits::Scalars => scope.is_scalar(ty),
        }
    }

    fn has_time_unit(&self) -> bool {
        self.field.unit.is_some()
    }

    fn charsets(&self) -> Vec<String> {
        self.scope.charsets.iter().flat_map(|m| m.keys()).collect()
    }

    fn item_fields(&self) -> Option<Vec<(String, bool)>> {
        let fields = self.scope.object_fields(self.ty)?;
        Some(fields.iter().map(|(name, f)| (name.value.to_string(), self.scope.is_stringy(&f.ty.value))).collect())
    }

    fn check_value(&self, value: &Spanned<Scalar>, cx: &mut Cx) {
        check_scalar_fits(self.scope, self.ty, value, cx);
    }

    fn check_path(&self, path: &Spanned<String>, cx: &mut Cx) {
        check_request_path(self.scope, path, cx);
    }
}

/// What a call does when the request leaves out its direction field: `direction:` must say so
/// for an optional field, and agree with what the field's `default:` means.
fn check_default_direction(rel: &Relation, df: &DirectionField, field: &Field, cx: &mut Cx) {
    let name = &df.field.value;
    match (&rel.direction, &field.default) {
        (None, _) if !field.required => cx.push(
            Diagnostic::error(&df.field.loc, format!("`{name}` is optional, and nothing says the direction of a request without it"))
                .help("write `relation.direction`: what the page says a request without it does (what its `default` means, when it has one)"),
        ),
        (Some(direction), Some(default)) => {
            if let Some(meant) = df.values.get(&default.value.to_string())
                && meant != direction
            {
                cx.push(
                    Diagnostic::error(
                        &default.loc,
                        format!(
                            "`{name}` defaults to `{}`, which means `{}`, but `relation.direction` says `{}`",
                            default.value,
                            meant,
                            direction
                        ),
                    )
                    .help("a request without the field does one thing: make the two agree"),
                );
            }
        }
        _ => {}
    }
}

/// The codes an `all_failed` rule pairs are codes of the tables.
fn check_all_failed(scope: &Scope<'_>, a: &AllFailed, cx: &mut Cx) {
    for (from, to) in a.map.iter() {
        match Code::from_scalar(&from.value) {
            Some(code) => scope.check_code(&Spanned { value: code, loc: from.loc.clone() }, "`all_failed`", cx),
            None => cx.push(Diagnostic::error(&from.loc, "`all_failed` is keyed by vendor codes")),
        }
        scope.check_code(to, "`all_failed`", cx);
    }
}

/// A `$.A.B` path must lead through the request's object types to a scalar.
fn check_request_path(scope: &Scope<'_>, path: &Spanned<String>, cx: &mut Cx) {
    let Some(rest) = path.value.strip_prefix("$.") else {
        cx.push(
            Diagnostic::error(&path.loc, format!("`{}` is not a `$.`-path", path.value)).help("write e.g. `$.Owner`"),
        );
        return;
    };
    let Some(root) = scope.request else {
        cx.push(Diagnostic::error(&path.loc, "`not_equal` is only meaningful in an API's request types"));
        return;
    };
    let mut ty = TypeExpr::Named(root.to_owned());
    for key in rest.split('.') {
        let Some(fields) = (match &ty {
            TypeExpr::Named(n) => scope.type_def(n).and_then(|d| d.fields.as_ref()),
            _ => None,
        }) else {
            cx.push(Diagnostic::error(&path.loc, format!("`{}` does not lead through objects", path.value)));
            return;
        };
        match fields.get(key) {
            Some(f) => ty = f.ty.value.clone(),
            None => {
                let keys: Vec<String> = fields.keys().collect();
                let d = Diagnostic::error(&path.loc, format!("`{key}` in `{}` is not a field", path.value));
                cx.push(d.suggest(key, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
                return;
            }
        }
    }
    if !scope.is_scalar(&ty) {
        cx.push(Diagnostic::error(&path.loc, format!("`{}` is not a scalar field", path.value)));
    }
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

fn check_endpoint(scope: &Scope<'_>, ep: &Endpoint, cx: &mut Cx) {
    if !ep.path.value.starts_with('/') {
        cx.push(Diagnostic::error(&ep.path.loc, "a path template starts with `/`"));
    }
    let mut in_path = BTreeSet::new();
    let mut rest = ep.path.value.as_str();
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            cx.push(Diagnostic::error(&ep.path.loc, "unclosed `{` in the path template"));
            break;
        };
        in_path.insert(rest[open + 1..open + close].to_owned());
        rest = &rest[open + close + 1..];
    }
    for (name, p) in ep.params.iter() {
        let name = name.value.to_string();
        let is_path = p.location.value == ParamIn::Path;
        if is_path && !in_path.contains(&name) {
            cx.push(Diagnostic::error(
                &p.location.loc,
                format!("path parameter `{name}` does not appear in `{}`", ep.path.value),
            ));
        }
        if !scope.is_scalar(&p.ty.value) {
            cx.push(Diagnostic::error(&p.ty.loc, "a path or query parameter is a scalar"));
        }
        if let Some(default) = &p.default {
            check_scalar_fits(scope, &p.ty.value, default, cx);
        }
        let as_field = param_as_field(p);
        for c in &p.constraints {
            check_constraint(scope, &as_field, &p.ty.value, c, cx);
            // What the generated parameter checks enforce: an integer's bounds.
            if c.rule().is_some_and(|r| !matches!(r, Rule::Min(_) | Rule::Max(_))) {
                cx.push(
                    Diagnostic::error(&c.loc, "a parameter takes only `min` and `max` constraints")
                        .help("state other limits in the parameter's `doc`, or as a note"),
                );
            }
        }
    }
    for name in in_path {
        if !ep.params.iter().any(|(k, p)| k.value.to_string() == name && p.location.value == ParamIn::Path) {
            cx.push(
                Diagnostic::error(&ep.path.loc, format!("path segment `{{{name}}}` has no parameter"))
                    .help(format!("declare `{name}: {{ in: path, type: string, required: true }}` under `params`")),
            );
        }
    }
}

/// A parameter seen as a field, so that field rules (constraints, validation) apply to it unchanged.
pub fn param_as_field(p: &Param) -> Field {
    Field {
        loc: p.loc.clone(),
        ty: p.ty.clone(),
        required: p.required,
        doc: p.doc.clone(),
        rust_name: None,
        aliases: Vec::new(),
        unit: None,
        default: p.default.clone(),
        sensitive: false,
        constraints: p.constraints.clone(),
        items: Vec::new(),
        source: p.source.clone(),
        notes: Vec::new(),
    }
}

fn check_batch(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let Some(b) = &spec.batch else { return };
    let element = if b.is_root() {
        match scope.list_items(&spec.request.value) {
            Some(items) => TypeExpr::Named(items.value.clone()),
            None => {
                cx.push(
                    Diagnostic::error(&b.field.loc, format!("the request body `{}` is not a list", spec.request.value))
                        .help(format!("`{ROOT_BATCH}` names a body declared with `items`; else name an array field")),
                );
                return;
            }
        }
    } else {
        let root = scope.type_def(&spec.request.value).and_then(|d| d.fields.as_ref());
        let Some(root) = root else { return };
        let Some(field) = root.get(&b.field.value) else {
            let keys: Vec<String> = root.keys().collect();
            let d = Diagnostic::error(
                &b.field.loc,
                format!("`{}` is not a field of `{}`", b.field.value, spec.request.value),
            );
            cx.push(d.suggest(&b.field.value, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
            return;
        };
        let Some(element) = field.ty.value.element() else {
            cx.push(Diagnostic::error(&b.field.loc, format!("the batch field `{}` is not an array", b.field.value)));
            return;
        };
        element.clone()
    };
    match (&b.item_id, scope.object_fields(&element)) {
        (Some(id), Some(fields)) => {
            if fields.get(&id.value).is_none_or(|f| !scope.is_scalar(&f.ty.value)) {
                cx.push(Diagnostic::error(&id.loc, format!("`{}` is not a scalar field of the batch items", id.value)));
            }
        }
        (None, Some(_)) => cx.push(Diagnostic::error(
            &b.loc,
            "the batch items are objects: say which field names the user with `item_id`",
        )),
        (Some(id), None) => cx.push(Diagnostic::error(&id.loc, "the batch items are ids themselves: remove `item_id`")),
        (None, None) => {}
    }
    match (&b.max_items, &b.code) {
        (Some(_), None) => {
            cx.push(Diagnostic::error(&b.loc, "`max_items` needs the `code` the service answers when it is exceeded"))
        }
        (_, Some(code)) => scope.check_code(code, "the batch", cx),
        _ => {}
    }
    if let (Some(max), Some(to)) = (b.max_items, b.raisable_to)
        && to <= max
    {
        cx.push(Diagnostic::error(&b.loc, format!("`raisable_to: {to}` does not raise `max_items: {max}`")));
    }
    if b.max_items == Some(0) {
        cx.push(Diagnostic::error(&b.loc, "`max_items: 0` allows no item"));
    }
}

/// The type reached by a dotted path of wire names from the response root.
fn response_path<'a>(scope: &Scope<'a>, root: &str, path: &Spanned<String>, cx: &mut Cx) -> Option<TypeExpr> {
    let mut ty = TypeExpr::Named(root.to_owned());
    for key in path.value.split('.') {
        let fields = match &ty {
            TypeExpr::Named(n) => scope.type_def(n).and_then(|d| d.fields.as_ref()),
            _ => None,
        }?;
        match fields.get(key) {
            Some(f) => ty = f.ty.value.clone(),
            None => {
                let keys: Vec<String> = fields.keys().collect();
                let d = Diagnostic::error(&path.loc, format!("`{key}` in `{}` is not a response field", path.value));
                cx.push(d.suggest(key, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
                return None;
            }
        }
    }
    Some(ty)
}

fn check_results(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let Some(r) = &spec.results else { return };
    let shapes = [r.per_item.is_some(), r.failures_only.is_some(), r.id_lists.is_some()].iter().filter(|x| **x).count();
    if shapes != 1 {
        cx.push(
            Diagnostic::error(&r.loc, format!("`results` has exactly one shape, found {shapes}"))
                .help("use one of `per_item`, `failures_only`, `id_lists`"),
        );
    }
    let root = spec.response.value.as_str();
    let item_fields = |list: &Spanned<String>, cx: &mut Cx| -> Option<&Map<Field>> {
        let ty = response_path(scope, root, list, cx)?;
        match ty.element() {
            Some(el) => scope.object_fields(el),
            None => {
                cx.push(Diagnostic::error(&list.loc, format!("`{}` is not an array", list.value)));
                None
            }
        }
    };
    let check_in = |fields: &Map<Field>, names: &[&Spanned<String>], cx: &mut Cx| {
        for n in names {
            if fields.get(&n.value).is_none() {
                let keys: Vec<String> = fields.keys().collect();
                cx.push(
                    Diagnostic::error(&n.loc, format!("`{}` is not a field of the listed items", n.value))
                        .help(format!("fields: {}", keys.join(", "))),
                );
            }
        }
    };
    if let Some(a) = r.per_item.as_ref().and_then(|p| p.all_failed.as_ref()) {
        check_all_failed(scope, a, cx);
    }
    if let Some(p) = &r.per_item
        && let Some(fields) = item_fields(&p.list, cx)
    {
        let mut names = vec![&p.id];
        names.extend(p.relation.as_ref());
        names.extend(p.registered.as_ref().map(|r| &r.field));
        match &p.failures {
            // Successes and failures in two lists: the code and the message are the failures'.
            Some(failures) => {
                check_in(fields, &names, cx);
                if let Some(failed) = item_fields(failures, cx) {
                    let mut names = vec![&p.id, &p.code];
                    names.extend(p.message.as_ref());
                    check_in(failed, &names, cx);
                }
            }
            None => {
                names.push(&p.code);
                names.extend(p.message.as_ref());
                check_in(fields, &names, cx);
            }
        }
    }
    if let Some(p) = &r.failures_only {
        // `None`: the path is reported already; `Some(None)`: not an array.
        let element = response_path(scope, root, &p.list, cx).map(|ty| ty.element().cloned());
        match (element, &p.id, &p.code, &p.class) {
            (None, _, _, _) => {}
            (Some(None), _, _, _) => {
                cx.push(Diagnostic::error(&p.list.loc, format!("`{}` is not an array", p.list.value)))
            }
            (Some(Some(el)), id, code, class) => match (el, id, code, class) {
                // Bare ids: no id or code field, and the spec says what their failure is.
                (el, None, None, Some(_)) if scope.is_scalar(&el) => {}
                (el, _, _, _) if scope.is_scalar(&el) => cx.push(
                    Diagnostic::error(&p.list.loc, format!("`{}` holds bare ids", p.list.value))
                        .help("give `class` (what a listed failure is) and no `id` or `code`"),
                ),
                (_, Some(id), Some(code), None) => {
                    if let Some(fields) = item_fields(&p.list, cx) {
                        let mut names = vec![id, code];
                        names.extend(p.message.as_ref());
                        check_in(fields, &names, cx);
                    }
                }
                _ => cx.push(
                    Diagnostic::error(&p.list.loc, format!("`{}` holds objects", p.list.value))
                        .help("name their `id` and `code` fields (and no `class`)"),
                ),
            },
        }
        if let Some(a) = &p.all_failed {
            check_all_failed(scope, a, cx);
        }
    }
    if let Some(lists) = &r.id_lists {
        for (path, outcome) in lists.iter() {
            let path = Spanned { value: path.value.to_string(), loc: path.loc.clone() };
            // `entities[].username`: the ids are a field of each object of an array.
            let ids_ok = match path.value.split_once("[].") {
                Some((list, field)) => {
                    let list = Spanned { value: list.to_owned(), loc: path.loc.clone() };
                    response_path(scope, root, &list, cx).map(|ty| {
                        ty.element()
                            .and_then(|el| scope.object_fields(el))
                            .and_then(|fields| fields.get(field))
                            .is_some_and(|f| scope.is_scalar(&f.ty.value))
                    })
                }
                None => {
                    response_path(scope, root, &path, cx).map(|ty| ty == TypeExpr::Array(Box::new(TypeExpr::String)))
                }
            };
            if ids_ok == Some(false) {
                cx.push(Diagnostic::error(
                    &path.loc,
                    format!("`{}` is not an array of ids (array<string>, or `list[].field` of scalars)", path.value),
                ));
            }
            if outcome.value != "ok" {
                let code = Spanned { value: Code::Str(outcome.value.clone()), loc: outcome.loc.clone() };
                scope.check_code(&code, "this result list", cx);
            }
        }
    }
    if let Some(class) = &r.unlisted
        && !UNLISTED.contains(&class.value)
    {
        let words: Vec<&str> = UNLISTED.iter().map(|c| c.as_str()).collect();
        cx.push(
            Diagnostic::error(&class.loc, format!("an unlisted item cannot be `{}`", class.value))
                .help(format!("use {}", words.join(", "))),
        );
    }
}

/// The classes `results.unlisted` may give an item a successful answer leaves out.
const UNLISTED: &[ErrorClass] = &[ErrorClass::AlreadyDone];

/// The keywords a `fill` value may name; any other value is sent as it is.
pub const FILL_KEYWORDS: &[&str] = &["$now_ms", "$elapsed_ms", "$method", "$error_name"];

fn check_fill(fill: &Map<Spanned<Scalar>>, fields: Option<&Map<Field>>, cx: &mut Cx) {
    for (name, value) in fill.iter() {
        if let Scalar::Str(text) = &value.value
            && text.starts_with('$')
            && !FILL_KEYWORDS.contains(&text.as_str())
        {
            let d = Diagnostic::error(&value.loc, format!("`{text}` is not a fill keyword"));
            cx.push(d.suggest(text, FILL_KEYWORDS.iter().copied(), format!("use one of {}", FILL_KEYWORDS.join(", "))));
        }
        if let Some(fields) = fields
            && fields.get(&name.value.to_string()).is_none()
        {
            let keys: Vec<String> = fields.keys().collect();
            let d = Diagnostic::error(&name.loc, format!("`{}` is not a field of the answer", name.value));
            cx.push(d.suggest(
                &name.value.to_string(),
                keys.iter().map(String::as_str),
                "declare it in the answer's type",
            ));
        }
    }
}

fn check_relation(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let Some(rel) = &spec.relation else { return };
    let request = scope.object_fields(&TypeExpr::Named(spec.request.value.clone()));
    match (&rel.requester_field, &rel.requester_param) {
        (Some(field), None) => check_request_field(request, field, cx),
        (None, Some(param)) => check_param(spec, param, cx),
        _ => cx.push(
            Diagnostic::error(&rel.loc, "a relation names its requester exactly once")
                .help("use `requester_field` (a request field) or `requester_param` (a path parameter)"),
        ),
    }
    if let Some(param) = &rel.target_param {
        check_param(spec, param, cx);
    }
    if let Some(df) = &rel.direction_field {
        // A string enum's values, or an integer field's `one_of` values.
        let values: Option<Vec<String>> =
            request.and_then(|fields| fields.get(&df.field.value)).and_then(|f| match &f.ty.value {
                TypeExpr::Named(n) => scope.type_def(n)?.variants.as_ref().map(|v| v.keys().collect()),
                TypeExpr::Integer => f.constraints.iter().find_map(|c| match c.rule() {
                    Some(Rule::OneOf(values)) => Some(values.iter().map(|v| v.to_string()).collect()),
                    _ => None,
                }),
                _ => None,
            });
        if let Some(field) = request.and_then(|fields| fields.get(&df.field.value)) {
            check_default_direction(rel, df, field, cx);
        }
        match values {
            None => cx.push(
                Diagnostic::error(&df.field.loc, format!("`{}` is not an enum field of the request", df.field.value))
                    .help("a string enum type, or an integer field with a `one_of` constraint"),
            ),
            Some(values) => {
                for v in &values {
                    if df.values.get(v).is_none() {
                        cx.push(Diagnostic::error(&df.field.loc, format!("`values` does not say what `{v}` means")));
                    }
                }
                for (k, _) in df.values.iter() {
                    if !values.contains(&k.value.to_string()) {
                        cx.push(Diagnostic::error(
                            &k.loc,
                            format!("`{}` is not a value of `{}`", k.value, df.field.value),
                        ));
                    }
                }
            }
        }
    }
    for code in [&rel.unknown_user, &rel.unknown_requester, &rel.already_friends, &rel.pending, &rel.not_friends]
        .into_iter()
        .flatten()
    {
        scope.check_code(code, "the relation", cx);
    }
    if let Some(code) = &rel.not_friends {
        check_class(scope, code, ErrorClass::AlreadyDone, cx);
    }
    if let Some(code) = &rel.pending {
        check_class(scope, code, ErrorClass::Pending, cx);
    }
    if let Some(force) = &rel.force {
        check_request_field(request, &force.field, cx);
    }
    if let Some(code) = &rel.already_friends {
        check_class(scope, code, ErrorClass::AlreadyDone, cx);
    }
}

/// Each operation has the parts it needs and none that it cannot use: what codegen, the
/// client and the emulator refuse is refused here first, at its place in the YAML.
fn check_operation(spec: &ApiSpec, cx: &mut Cx) {
    use Operation::*;
    let op = spec.operation.value;
    let at = &spec.operation.loc;
    let need = |cx: &mut Cx, what: &str, why: &str| {
        cx.push(Diagnostic::error(at, format!("operation `{op}` needs `{what}`")).help(why.to_owned()));
    };
    let refuse = |cx: &mut Cx, loc: &Loc, what: &str| {
        cx.push(
            Diagnostic::error(loc, format!("`{what}` has no meaning for operation `{op}`"))
                .help("remove it, or say what the API does with `operation`"),
        );
    };
    let rel = spec.relation.as_ref();
    let target_param = rel.and_then(|r| r.target_param.as_ref());
    // Who the call is about, and the targets.
    match op {
        Add | Remove | Check | List => {
            if rel.is_none() {
                need(cx, "relation", "name the requester (`requester_field` or `requester_param`)");
            }
        }
        Register | CheckUsers => {
            if let Some(r) = rel {
                refuse(cx, &r.loc, "relation");
            }
        }
    }
    match op {
        Add | Remove | Check => match (&spec.batch, target_param) {
            (None, None) => {
                need(cx, "batch", "the array of targets, or `relation.target_param` for one target in the path")
            }
            (Some(b), Some(_)) => cx.push(
                Diagnostic::error(&b.loc, "targets come from `batch` or from `relation.target_param`, not both")
                    .help("keep the one the page uses"),
            ),
            _ => {}
        },
        Register | CheckUsers => {
            if spec.batch.is_none() {
                need(cx, "batch", "the array of users");
            }
        }
        List => {
            if let Some(b) = &spec.batch {
                refuse(cx, &b.loc, "batch");
            }
            if let Some(t) = target_param {
                refuse(cx, &t.loc, "relation.target_param");
            }
        }
    }
    if matches!(op, Add | Remove | Check) && rel.is_some_and(|r| r.direction.is_none() && r.direction_field.is_none()) {
        need(cx, "relation.direction", "`one_way` or `both` (or a `direction_field` that chooses)");
    }
    if let Some(r) = rel {
        for (loc, what, ok) in [
            (r.already_friends.as_ref().map(|c| &c.loc), "relation.already_friends", op == Add),
            (r.pending.as_ref().map(|c| &c.loc), "relation.pending", op == Add),
            (r.force.as_ref().map(|f| &f.field.loc), "relation.force", op == Add),
            (r.not_friends.as_ref().map(|c| &c.loc), "relation.not_friends", op == Remove),
            (r.check_values.as_ref().map(|c| &c.loc), "relation.check_values", op == Check),
        ] {
            if let Some(loc) = loc
                && !ok
            {
                refuse(cx, loc, what);
            }
        }
        if op == Check && r.check_values.is_none() {
            need(cx, "relation.check_values", "the vendor's relation values in each mode");
        }
    }
    // How outcomes are read.
    let per_item = spec.results.as_ref().and_then(|r| r.per_item.as_ref());
    match op {
        List => {
            if let Some(r) = &spec.results {
                refuse(cx, &r.loc, "results");
            }
            if spec.paging.is_none() {
                need(cx, "paging", "where the request carries the position and the answer the entries");
            }
        }
        Check if per_item.and_then(|p| p.relation.as_ref()).is_none() => {
            need(cx, "results.per_item.relation", "the item field carrying the relation value")
        }
        CheckUsers if per_item.and_then(|p| p.registered.as_ref()).is_none() => {
            need(cx, "results.per_item.registered", "the item field saying whether the user is registered")
        }
        _ => {}
    }
    if let Some(p) = per_item {
        if let Some(f) = &p.relation
            && op != Check
        {
            refuse(cx, &f.loc, "results.per_item.relation");
        }
        if let Some(f) = &p.registered
            && op != CheckUsers
        {
            refuse(cx, &f.field.loc, "results.per_item.registered");
        }
    }
    if let Some(p) = &spec.paging
        && op != List
    {
        refuse(cx, &p.loc, "paging");
    }
    if let Some(u) = &spec.users
        && op != Register
    {
        refuse(cx, &u.loc, "users");
    }
    if let Some(l) = &spec.state_limits
        && op != Add
    {
        refuse(cx, &l.loc, "state_limits");
    }
}

/// Where the request carries a value of the paging: a declared parameter or a request field.
fn check_carrier(scope: &Scope<'_>, spec: &ApiSpec, c: &Carrier, what: &str, cx: &mut Cx) {
    match (&c.param, &c.field) {
        (Some(param), None) => check_param(spec, param, cx),
        (None, Some(field)) => {
            check_request_field(scope.object_fields(&TypeExpr::Named(spec.request.value.clone())), field, cx)
        }
        _ => cx.push(
            Diagnostic::error(&c.loc, format!("`{what}` names exactly one of `param` and `field`"))
                .help("`{ param: cursor }` for a path or query parameter, `{ field: StartIndex }` for a body field"),
        ),
    }
}

fn check_paging(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let Some(p) = &spec.paging else { return };
    match (&p.cursor, &p.next) {
        (Some(cursor), _) => check_carrier(scope, spec, cursor, "paging.cursor", cx),
        (None, Some(next)) => cx.push(
            Diagnostic::error(&next.loc, "a next position needs `paging.cursor` to send it back")
                .help("say where the request carries the position, or remove `next` for a list read in one answer"),
        ),
        (None, None) => {}
    }
    if let Some(size) = &p.page_size {
        check_carrier(scope, spec, size, "paging.page_size", cx);
    }
    let root = spec.response.value.as_str();
    if let Some(ty) = response_path(scope, root, &p.items, cx) {
        match (ty.element(), &p.item_id) {
            (None, _) => cx.push(Diagnostic::error(&p.items.loc, format!("`{}` is not an array", p.items.value))),
            (Some(el), Some(id)) => {
                let fields = scope.object_fields(el);
                if fields.and_then(|f| f.get(&id.value)).is_none_or(|f| !scope.is_scalar(&f.ty.value)) {
                    cx.push(Diagnostic::error(&id.loc, format!("`{}` is not a scalar field of the entries", id.value)));
                }
                if let Some(pairs) = &p.fields {
                    let pair = fields
                        .and_then(|f| f.get(&pairs.list.value))
                        .and_then(|f| f.ty.value.element().and_then(|el| scope.object_fields(el)));
                    match pair {
                        None => cx.push(Diagnostic::error(
                            &pairs.list.loc,
                            format!("`{}` is not an array of objects in the entries", pairs.list.value),
                        )),
                        Some(pair) => {
                            for name in [&pairs.key, &pairs.value] {
                                if pair.get(&name.value).is_none() {
                                    let d = Diagnostic::error(
                                        &name.loc,
                                        format!("`{}` is not a field of the pairs", name.value),
                                    );
                                    cx.push(d);
                                }
                            }
                        }
                    }
                }
            }
            (Some(el), None) => {
                if !scope.is_scalar(el) {
                    cx.push(
                        Diagnostic::error(&p.items.loc, "the entries are objects: say which field is the friend's id")
                            .help("add `item_id`"),
                    );
                }
            }
        }
    }
    if let Some(next) = &p.next {
        response_path(scope, root, next, cx);
    }
    if let Some(c) = &p.complete {
        response_path(scope, root, &c.field, cx);
    }
}

/// A name the spec uses as a path or query parameter must be declared under `endpoint.params`.
fn check_param(spec: &ApiSpec, param: &Spanned<String>, cx: &mut Cx) {
    if spec.endpoint.params.get(&param.value).is_none() {
        let keys: Vec<String> = spec.endpoint.params.keys().collect();
        let d = Diagnostic::error(&param.loc, format!("`{}` is not a parameter of the endpoint", param.value));
        cx.push(d.suggest(&param.value, keys.iter().map(String::as_str), "declare it under `endpoint.params`"));
    }
}

/// A name the spec uses as a request field must be one (`request`: the request's fields, when
/// its type resolved).
fn check_request_field(request: Option<&Map<Field>>, field: &Spanned<String>, cx: &mut Cx) {
    if let Some(fields) = request
        && fields.get(&field.value).is_none()
    {
        let keys: Vec<String> = fields.keys().collect();
        let d = Diagnostic::error(&field.loc, format!("`{}` is not a field of the request", field.value));
        cx.push(d.suggest(&field.value, keys.iter().map(String::as_str), format!("fields: {}", keys.join(", "))));
    }
}

/// A code the vocabulary gives a meaning must have the matching class in the error table.
fn check_class(scope: &Scope<'_>, code: &Spanned<Code>, class: ErrorClass, cx: &mut Cx) {
    if let Some(e) = scope.error(&code.value)
        && e.class.value != class
    {
        cx.push(Diagnostic::error(
            &code.loc,
            format!("code {} is classed `{}`, not `{class}`", code.value, e.class.value),
        ));
    }
}

fn check_envelope(scope: &Scope<'_>, api: Api<'_>, cx: &mut Cx) {
    let env = &api.vendor.envelope;
    if let Some(code) = &env.unreadable {
        scope.check_code(code, "`envelope.unreadable`", cx);
    }
    let response = scope.type_def(&api.spec.response.value).and_then(|d| d.fields.as_ref());
    if let Some(results) = &api.spec.results {
        check_fill(&results.fill, response, cx);
    }
    let error_body = env.error_body.as_ref().and_then(|b| scope.type_def(&b.value)).and_then(|d| d.fields.as_ref());
    check_fill(&env.fill, error_body.or(response), cx);
    if env.ok.is_none() {
        return; // HTTP status carries success; the envelope lives in `error_body`.
    }
    let Some(fields) = response else { return };
    let mut named = vec![&env.code, &env.message];
    named.extend(env.status.as_ref().map(|s| &s.field));
    named.extend(env.request_id.as_ref());
    if let Some(p) = api.spec.results.as_ref().and_then(|r| r.per_item.as_ref()) {
        named.extend([&p.failed_ids, &p.invalid_ids].into_iter().flatten().map(|l| &l.field));
    }
    for f in named {
        if fields.get(&f.value).is_none() {
            cx.push(
                Diagnostic::error(
                    &api.spec.response.loc,
                    format!("the response type lacks the vendor's envelope field `{}`", f.value),
                )
                .note(format!("the vendor's `envelope` names it at {}", f.loc.position())),
            );
        }
    }
}

fn check_examples(api: Api<'_>, cx: &mut Cx) {
    let spec = api.spec;
    for (name, ex) in spec.examples.iter() {
        let name = name.value.to_string();
        if let Some(answers) = &ex.answers {
            let target = spec.examples.get(&answers.value);
            if ex.role.value != ExampleRole::Response {
                cx.push(Diagnostic::error(&answers.loc, "only a response example answers a request"));
            } else if target.is_none_or(|t| t.role.value != ExampleRole::Request) {
                let keys: Vec<String> = spec.examples.keys().collect();
                let d = Diagnostic::error(
                    &answers.loc,
                    format!("`{}` is not a request example of this API", answers.value),
                );
                cx.push(d.suggest(
                    &answers.value,
                    keys.iter().map(String::as_str),
                    format!("examples: {}", keys.join(", ")),
                ));
            }
        }
        for (param, _) in ex.params.iter() {
            if spec.endpoint.params.get(&param.value.to_string()).is_none() {
                cx.push(Diagnostic::error(&param.loc, format!("`{}` is not a parameter of the endpoint", param.value)));
            }
        }
        let original = example_problem(api, ex.role.value, &ex.body);
        match (&ex.erratum, original) {
            (None, None) => {}
            (None, Some(problem)) => cx.push(problem.note(format!("example `{name}` does not satisfy its spec")).help(
                "fix the transcription, or, if the page itself is wrong, add an `erratum` with the problem and the corrected text",
            )),
            (Some(erratum), original) => {
                if original.is_none() {
                    cx.push(
                        Diagnostic::error(&erratum.loc, format!("the erratum of example `{name}` is stale: the page's text now passes"))
                            .help("the vendor fixed the page (or the spec changed): remove the erratum"),
                    );
                }
                if let Some(problem) = example_problem(api, ex.role.value, &erratum.corrected) {
                    cx.push(problem.note(format!("the corrected text of example `{name}` does not satisfy its spec")));
                }
            }
        }
    }
}

/// Parses an example's text and validates it: `None` when it satisfies the spec, else a
/// diagnostic at the offending line listing every violation.
pub fn example_problem(api: Api<'_>, role: ExampleRole, text: &Spanned<String>) -> Option<Diagnostic> {
    let value: Json = match serde_json::from_str(&text.value) {
        Ok(v) => v,
        Err(e) => {
            let loc = text_loc(text, e.line(), e.column());
            return Some(Diagnostic::error(&loc, format!("not valid JSON: {e}")));
        }
    };
    let opts = Options::now(UnknownFields::Reject);
    let violations = match role {
        ExampleRole::Request => instance::validate_request(api, &value, opts),
        ExampleRole::Response => instance::validate_response(api, &value, opts),
    };
    if violations.is_empty() {
        return None;
    }
    let count = match violations.len() {
        1 => "1 violation".to_owned(),
        n => format!("{n} violations"),
    };
    let mut d = Diagnostic::error(&text.loc, format!("the example does not satisfy its spec ({count})"));
    for v in &violations {
        d = d.note(format!("{}: {} [{}]", v.path, v.message, v.code));
    }
    Some(d)
}

/// The YAML position of line/column `line`:`col` (1-based) inside a block scalar.
fn text_loc(text: &Spanned<String>, line: usize, col: usize) -> Loc {
    let mut loc = text.loc.clone();
    // The parser places a block scalar at its first content line.
    let file_lines: Vec<&str> = loc.file.text.lines().collect();
    let target = loc.line + line.saturating_sub(1);
    if let Some(content_line) = file_lines.get(target - 1) {
        let indent = content_line.chars().count() - content_line.trim_start().chars().count();
        loc.line = target;
        loc.col = indent + col.max(1);
        loc.len = 1;
    }
    loc
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
