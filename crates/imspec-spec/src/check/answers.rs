//! What an API answers: its batch, its result lists, the envelope and what it fills in.

use crate::Api;
use crate::decode::{Cx, Map, Scalar, Spanned};
use crate::diag::Diagnostic;
use crate::model::*;

use super::scope::*;

/// The codes an `all_failed` rule pairs are codes of the tables.
pub(crate) fn check_all_failed(scope: &Scope<'_>, a: &AllFailed, cx: &mut Cx) {
    for (from, to) in a.map.iter() {
        match Code::from_scalar(&from.value) {
            Some(code) => scope.check_code(&Spanned { value: code, loc: from.loc.clone() }, "`all_failed`", cx),
            None => cx.push(Diagnostic::error(&from.loc, "`all_failed` is keyed by vendor codes")),
        }
        scope.check_code(to, "`all_failed`", cx);
    }
}

pub(crate) fn check_batch(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
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
pub(crate) fn response_path<'a>(
    scope: &Scope<'a>,
    root: &str,
    path: &Spanned<String>,
    cx: &mut Cx,
) -> Option<TypeExpr> {
    match scope.follow(root, &path.value, path, "a response field", cx) {
        Followed::To(ty) => Some(ty),
        Followed::ThroughScalar | Followed::Unknown => None,
    }
}

pub(crate) fn check_results(scope: &Scope<'_>, spec: &ApiSpec, cx: &mut Cx) {
    let Some(r) = &spec.results else { return };
    let shapes = [r.per_item.is_some(), r.failures_only.is_some(), r.id_lists.is_some(), r.single.is_some()]
        .iter()
        .filter(|x| **x)
        .count();
    if shapes != 1 {
        cx.push(
            Diagnostic::error(&r.loc, format!("`results` has exactly one shape, found {shapes}"))
                .help("use one of `per_item`, `failures_only`, `id_lists`, `single`"),
        );
    }
    if let Some(s) = &r.single {
        if let Some(b) = &spec.batch {
            cx.push(
                Diagnostic::error(&s.item.loc, "`results.single` reads the one item of a call without a batch")
                    .note(format!("this API chunks `{}`", b.field.value))
                    .help("read a batch's items with `per_item`, `failures_only` or `id_lists`"),
            );
        }
        if let Some(ty) = response_path(scope, spec.response.value.as_str(), &s.item, cx) {
            match scope.object_fields(&ty) {
                Some(fields) if ty.element().is_none() => {
                    for n in [Some(&s.id), s.relation.as_ref()].into_iter().flatten() {
                        if fields.get(&n.value).is_none() {
                            let keys: Vec<String> = fields.keys().collect();
                            cx.push(
                                Diagnostic::error(&n.loc, format!("`{}` is not a field of the item", n.value))
                                    .help(format!("fields: {}", keys.join(", "))),
                            );
                        }
                    }
                }
                _ => cx.push(Diagnostic::error(&s.item.loc, format!("`{}` is not an object", s.item.value))),
            }
        }
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
pub(crate) const UNLISTED: &[ErrorClass] = &[ErrorClass::AlreadyDone];

/// The keywords a `fill` value may name; any other value is sent as it is.
pub const FILL_KEYWORDS: &[&str] = &["$now_ms", "$elapsed_ms", "$method", "$error_name"];

pub(crate) fn check_fill(fill: &Map<Spanned<Scalar>>, fields: Option<&Map<Field>>, cx: &mut Cx) {
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

pub(crate) fn check_envelope(scope: &Scope<'_>, api: Api<'_>, cx: &mut Cx) {
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
