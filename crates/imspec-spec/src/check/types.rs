//! Types, their fields and constraints, and the endpoint with its parameters.

use std::collections::{BTreeMap, BTreeSet};

use crate::constraint::{Around, Fits};
use crate::decode::{Cx, Map, Scalar, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::model::*;
use crate::names::{ident_problem, pascal_case, snake_case, type_name_problem};

use super::scope::*;

pub(crate) fn check_types(scope: &Scope<'_>, types: &Map<TypeDef>, cx: &mut Cx) {
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
                .help("an object type has `fields`; an enum has `enum`; a list body has `items`"),
            );
        }
        if let Some(wire) = &def.wire
            && def.variants.is_none()
        {
            cx.push(
                Diagnostic::error(&wire.loc, format!("only an enum type has `wire`; `{name_text}` has no `enum`"))
                    .help("remove `wire`, or list the values under `enum`"),
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
            let integer = def.is_integer_enum();
            for (wire, v) in variants.iter() {
                if integer && wire.value.to_string().parse::<i64>().is_err() {
                    cx.push(
                        Diagnostic::error(
                            &wire.loc,
                            format!("`{}` is not an integer, but the enum's `wire` is `integer`", wire.value),
                        )
                        .help("key each value by the integer the page gives it, e.g. `0: { rust_name: Both }`"),
                    );
                    continue;
                }
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

pub(crate) fn check_fields(scope: &Scope<'_>, type_name: &str, fields: &Map<Field>, cx: &mut Cx) {
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

pub(crate) fn check_constraint(scope: &Scope<'_>, field: &Field, ty: &TypeExpr, c: &Constraint, cx: &mut Cx) {
    scope.check_code(&c.code, "this constraint", cx);
    c.lint(&ConstraintScope { scope, field, ty }, cx);
}

/// What a constraint's lint sees of the spec around it: the field and its type.
pub(crate) struct ConstraintScope<'s, 'a> {
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

pub(crate) fn check_endpoint(scope: &Scope<'_>, ep: &Endpoint, cx: &mut Cx) {
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
