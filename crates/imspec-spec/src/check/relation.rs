//! What an API does to the service: its relation, its operation's needs, and its paging.

use crate::decode::{Cx, Map, Spanned};
use crate::diag::{Diagnostic, Loc};
use crate::model::*;

use super::answers::*;
use super::scope::*;

/// What a call does when the request leaves out its direction field: `direction:` must say so
/// for an optional field, and agree with what the field's `default:` means.
pub(crate) fn check_default_direction(rel: &Relation, df: &DirectionField, field: &Field, cx: &mut Cx) {
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

pub(crate) fn check_relation(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
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
    if let Some(field) = &rel.target_field {
        check_body_id(spec, request, field, "the call's one target", cx);
        if rel.requester_field.as_ref().is_some_and(|r| r.value == field.value) {
            cx.push(Diagnostic::error(
                &field.loc,
                format!("`{}` names both the requester and the target", field.value),
            ));
        }
    }
    if let Some(df) = &rel.direction_field {
        // An enum's values (string or integer), or an integer field's `one_of` values.
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
                    .help("an enum type, or an integer field with a `one_of` constraint"),
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
    if let Some(flow) = &rel.request_flow {
        check_request_field(request, &flow.field, cx);
        scope.check_code(&flow.no_request, "`relation.request_flow.no_request`", cx);
        let values = [&flow.request, &flow.accept, &flow.decline];
        if values.iter().enumerate().any(|(i, v)| values[..i].contains(v)) {
            cx.push(
                Diagnostic::error(
                    &flow.field.loc,
                    "a request flow's `request`, `accept` and `decline` are three values",
                )
                .help("give each step the field's value the page names for it"),
            );
        }
    }
    if let Some(code) = &rel.already_friends {
        check_class(scope, code, ErrorClass::AlreadyDone, cx);
    }
}

/// Each operation has the parts it needs and none that it cannot use: what codegen, the
/// client and the emulator refuse is refused here first, at its place in the YAML.
pub(crate) fn check_operation(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
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
    // The one target of a call without a batch: a path parameter or a body field.
    let target = rel.and_then(|r| {
        r.target_param
            .as_ref()
            .map(|t| (t, "relation.target_param"))
            .or_else(|| r.target_field.as_ref().map(|t| (t, "relation.target_field")))
    });
    let both_targets = rel.and_then(|r| r.target_param.as_ref().and(r.target_field.as_ref()));
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
        Add | Remove | Check => match (&spec.batch, target) {
            (None, None) => need(
                cx,
                "batch",
                "the array of targets, or `relation.target_param` (a path parameter) or `relation.target_field` \
                 (a body field) for one target a call",
            ),
            (Some(b), Some((_, what))) => cx.push(
                Diagnostic::error(&b.loc, format!("targets come from `batch` or from `{what}`, not both"))
                    .help("keep the one the page uses"),
            ),
            (None, Some(_)) => {
                if let Some(field) = both_targets {
                    cx.push(
                        Diagnostic::error(
                            &field.loc,
                            "a call's one target is a path parameter or a body field, not both",
                        )
                        .help("keep `target_param` or `target_field`, the one the page uses"),
                    );
                }
            }
            (Some(_), None) => {}
        },
        Register => {
            let user_field = spec.users.as_ref().and_then(|u| u.user_field.as_ref());
            match (&spec.batch, user_field) {
                (None, None) => need(cx, "batch", "the array of users, or `users.user_field` for one user a call"),
                (Some(b), Some(_)) => cx.push(
                    Diagnostic::error(&b.loc, "users come from `batch` or from `users.user_field`, not both")
                        .help("keep the one the page uses"),
                ),
                (None, Some(field)) => check_body_id(
                    spec,
                    scope.object_fields(&TypeExpr::Named(spec.request.value.clone())),
                    field,
                    "the call's one user",
                    cx,
                ),
                (Some(_), None) => {}
            }
        }
        CheckUsers => {
            if spec.batch.is_none() {
                need(cx, "batch", "the array of users");
            }
        }
        List => {
            if let Some(b) = &spec.batch {
                refuse(cx, &b.loc, "batch");
            }
            if let Some((t, what)) = target {
                refuse(cx, &t.loc, what);
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
            (r.request_flow.as_ref().map(|f| &f.field.loc), "relation.request_flow", op == Add),
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
    let single = spec.results.as_ref().and_then(|r| r.single.as_ref());
    match op {
        List => {
            if let Some(r) = &spec.results {
                refuse(cx, &r.loc, "results");
            }
            if spec.paging.is_none() {
                need(cx, "paging", "where the request carries the position and the answer the entries");
            }
        }
        Check
            if per_item.and_then(|p| p.relation.as_ref()).is_none()
                && single.and_then(|s| s.relation.as_ref()).is_none() =>
        {
            need(
                cx,
                "results.per_item.relation",
                "the item field carrying the relation value (`results.single.relation` for one item)",
            )
        }
        CheckUsers if per_item.and_then(|p| p.registered.as_ref()).is_none() => {
            need(cx, "results.per_item.registered", "the item field saying whether the user is registered")
        }
        _ => {}
    }
    if let Some(s) = single
        && op != Check
    {
        for (f, what) in [
            (s.relation.as_ref().map(|f| &f.loc), "results.single.relation"),
            (s.absent.as_ref().map(|a| &a.loc), "results.single.absent"),
        ] {
            if let Some(loc) = f {
                refuse(cx, loc, what);
            }
        }
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
pub(crate) fn check_carrier(scope: &Scope<'_>, spec: &ApiSpec, c: &Carrier, what: &str, cx: &mut Cx) {
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

pub(crate) fn check_paging(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
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

/// A body field naming a call's one target or user (`relation.target_field`,
/// `users.user_field`): a required string of the request, in a body the method sends.
fn check_body_id(spec: &ApiSpec, request: Option<&Map<Field>>, field: &Spanned<String>, what: &str, cx: &mut Cx) {
    check_request_field(request, field, cx);
    if let Some(f) = request.and_then(|fields| fields.get(&field.value))
        && (!f.required || f.ty.value != TypeExpr::String)
    {
        cx.push(
            Diagnostic::error(&field.loc, format!("`{}` is {what}: a required string field", field.value))
                .help("without it a call names no one; mark it `required: true`, `type: string`"),
        );
    }
    if matches!(spec.endpoint.method.value, HttpMethod::Get | HttpMethod::Delete) {
        cx.push(
            Diagnostic::error(
                &field.loc,
                format!("a {} call carries no body for `{}`", spec.endpoint.method.value, field.value),
            )
            .help("name the one target in the path (`relation.target_param`)"),
        );
    }
}
