//! Types, fields and constraints lowered: Rust names chosen, named types resolved to where
//! they live, raisable limits named.

use std::collections::BTreeSet;

use imspec_spec::names::{ident_problem, pascal_case, snake_case};
use imspec_spec::{Api, Constraint, Field, ROOT_BATCH, TypeDef, TypeExpr, VendorSpec};

use super::*;

/// Where a named type lives, and how its values travel when it is an enum (`None`: an object).
pub(super) type Resolved = Option<(Home, Option<Wire>)>;

pub(super) fn wire_of(def: &TypeDef) -> Option<Wire> {
    def.variants.as_ref()?;
    Some(if def.is_integer_enum() { Wire::Int } else { Wire::Str })
}

pub(super) fn resolve_vendor(vendor: &VendorSpec, name: &str) -> Resolved {
    let def = vendor.types.get(name)?;
    Some((Home::Vendor, wire_of(def)))
}

pub(super) fn resolve(api: Api<'_>, name: &str) -> Resolved {
    if let Some(def) = api.spec.types.get(name) {
        return Some((Home::Api, wire_of(def)));
    }
    resolve_vendor(api.vendor, name)
}

/// Every type name reachable from `root`.
pub(super) fn reach(api: Api<'_>, root: &str, out: &mut BTreeSet<String>) {
    if !out.insert(root.to_owned()) {
        return;
    }
    let Some(def) = api.type_def(root) else { return };
    if let Some(items) = &def.items {
        reach(api, &items.value, out);
    }
    let Some(fields) = def.fields.as_ref() else { return };
    for (_, f) in fields.iter() {
        if let Some(n) = innermost_name(&f.ty.value) {
            reach(api, n, out);
        }
    }
}

pub(super) fn innermost_name(t: &TypeExpr) -> Option<&str> {
    match t {
        TypeExpr::Array(inner) => innermost_name(inner),
        TypeExpr::Named(n) => Some(n),
        _ => None,
    }
}

/// Gives each raisable constraint of a field a `Limits` field.
pub(super) fn name_limits(type_name: &str, f: &mut FieldIr, limits: &mut Vec<LimitIr>) {
    for c in f.constraints.iter_mut().chain(f.items.iter_mut()) {
        let Some(raisable_to) = c.limit_field.take().map(|t| t.parse::<u64>().ok()) else { continue };
        // Lint lets `raisable` only on a kind whose check reads a raised limit.
        let Some(documented) = c.rule.raisable_limit() else { continue };
        let kind = c.rule.kind().key;
        let field = format!("{}_{}_{kind}", snake_case(type_name), f.rust.trim_start_matches("r#"));
        limits.push(LimitIr {
            field: field.clone(),
            documented,
            raisable_to,
            doc: format!("`{}` of `{type_name}.{}`: the vendor raises it on request.", kind, f.wire),
        });
        c.limit_field = Some(field);
    }
}

pub(super) fn lower_type(
    name: &str,
    def: &TypeDef,
    open: bool,
    resolve: impl Fn(&str) -> Resolved,
) -> Result<TypeIr, String> {
    let mut doc = Vec::new();
    if let Some(d) = &def.doc {
        doc.extend(d.lines().map(str::to_owned));
    }
    if let Some(src) = &def.source {
        if !doc.is_empty() {
            doc.push(String::new());
        }
        doc.push(format!("Source: {src}"));
    }
    if let Some(variants) = &def.variants {
        let variants = variants
            .iter()
            .map(|(wire, v)| {
                let wire = wire.value.to_string();
                let rust = v.rust_name.as_ref().map(|r| r.value.clone()).unwrap_or_else(|| pascal_case(&wire));
                check_ident(&rust)?;
                Ok(VariantIr { wire, rust, doc: v.doc.iter().flat_map(|d| d.lines().map(str::to_owned)).collect() })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let default = def.default.as_ref().map(|d| d.value.clone());
        return Ok(TypeIr {
            name: name.to_owned(),
            doc,
            kind: TypeKind::Enum { variants, default, open, wire: wire_of(def).unwrap_or(Wire::Str) },
            request_only: false,
        });
    }
    if let Some(field) = def.list_field() {
        let field = lower_field(ROOT_BATCH, &field, &resolve)?;
        return Ok(TypeIr { name: name.to_owned(), doc, kind: TypeKind::List { field }, request_only: false });
    }
    let fields = def.fields.as_ref().ok_or_else(|| format!("type `{name}` has neither fields, enum nor items"))?;
    let fields = fields
        .iter()
        .map(|(wire, f)| lower_field(&wire.value.to_string(), f, &resolve))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(TypeIr { name: name.to_owned(), doc, kind: TypeKind::Struct { fields }, request_only: false })
}

pub(super) fn lower_field(wire: &str, f: &Field, resolve: &impl Fn(&str) -> Resolved) -> Result<FieldIr, String> {
    let rust = f.rust_name.as_ref().map(|r| r.value.clone()).unwrap_or_else(|| snake_case(wire));
    check_ident(&rust)?;
    let ty = lower_ty(&f.ty.value, resolve)?;
    let mut doc: Vec<String> = f.doc.iter().flat_map(|d| d.lines().map(str::to_owned)).collect();
    let limits: Vec<String> = f
        .constraints
        .iter()
        .map(imspec_spec::Constraint::describe)
        .chain(f.items.iter().map(|c| format!("each item: {}", c.describe())))
        .collect();
    if !limits.is_empty() {
        doc.push(String::new());
        doc.push(format!("Limits: {}.", limits.join("; ")));
    }
    if let Some(d) = &f.default {
        doc.push(String::new());
        doc.push(format!("Default (when absent): `{}`.", d.value));
    }
    Ok(FieldIr {
        wire: wire.to_owned(),
        rust,
        ty,
        required: f.required,
        doc,
        aliases: f.aliases.iter().map(|a| a.value.clone()).collect(),
        sensitive: f.sensitive,
        unit: f.unit.as_ref().map(|u| u.value),
        constraints: f.constraints.iter().map(lower_check).collect::<Result<_, _>>()?,
        items: f.items.iter().map(lower_check).collect::<Result<_, _>>()?,
    })
}

pub(super) fn lower_check(c: &Constraint) -> Result<CheckIr, String> {
    let rule = c.rule().ok_or_else(|| format!("malformed constraint at {}", c.loc.position()))?;
    // `limit_field` carries the raise marker until the field's limits are named.
    let raisable =
        (c.raisable || c.raisable_to.is_some()).then(|| c.raisable_to.map(|n| n.to_string()).unwrap_or_default());
    Ok(CheckIr { rule, code: c.code.value.clone(), limit_field: raisable, other_rust: Vec::new() })
}

pub(super) fn lower_ty(t: &TypeExpr, resolve: &impl Fn(&str) -> Resolved) -> Result<Ty, String> {
    Ok(match t {
        TypeExpr::String => Ty::Str,
        TypeExpr::Integer => Ty::Int,
        TypeExpr::Boolean => Ty::Bool,
        TypeExpr::StringOrInteger => Ty::StrOrInt,
        TypeExpr::Json => Ty::Json,
        TypeExpr::Array(inner) => Ty::Array(Box::new(lower_ty(inner, resolve)?)),
        TypeExpr::Named(n) => match resolve(n) {
            Some((home, Some(wire))) => Ty::Enum(n.clone(), home, wire),
            Some((home, None)) => Ty::Struct(n.clone(), home),
            None => return Err(format!("unknown type `{n}`")),
        },
    })
}

/// `$.A.B` -> the Rust field names along the path, each with whether it is required.
pub(super) fn request_path(api: Api<'_>, path: &str) -> Result<Vec<(String, bool)>, String> {
    let rest = path.strip_prefix("$.").ok_or_else(|| format!("`{path}` is not a `$.`-path"))?;
    let mut ty = api.spec.request.value.clone();
    let mut out = Vec::new();
    for key in rest.split('.') {
        let fields =
            api.type_def(&ty).and_then(|d| d.fields.as_ref()).ok_or_else(|| format!("`{path}` leaves the objects"))?;
        let f = fields.get(key).ok_or_else(|| format!("`{key}` of `{path}` is not a field"))?;
        out.push((f.rust_name.as_ref().map(|r| r.value.clone()).unwrap_or_else(|| snake_case(key)), f.required));
        if let TypeExpr::Named(n) = &f.ty.value {
            ty = n.clone();
        }
    }
    Ok(out)
}

pub(super) fn check_ident(name: &str) -> Result<(), String> {
    match ident_problem(name) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}
