//! A vendor and its APIs lowered: hosts, auth, answers, relation, paging, batch, results.

use std::collections::BTreeSet;

use imspec_spec::decode::{Map, Scalar};
use imspec_spec::names::snake_case;
use imspec_spec::{Api, ApiSpec, Code, Rule, SpecSet, TypeExpr, VendorSpec};

use super::types::*;
use super::*;

/// Lowers one vendor of a checked spec set. Errors name what could not be lowered; they do not
/// happen for a set that loaded without errors.
pub fn lower_vendor(set: &SpecSet, vendor_id: &str) -> Result<VendorIr, String> {
    let vendor = set.vendor(vendor_id).ok_or_else(|| format!("no vendor `{vendor_id}` in the specs"))?;
    let apis: Vec<Api<'_>> = set.apis().into_iter().filter(|a| a.vendor.id.value == vendor_id).collect();
    // A vendor enum reachable from any response keeps unknown values.
    let mut response_side = BTreeSet::new();
    let mut request_side = BTreeSet::new();
    for api in &apis {
        reach(*api, &api.spec.response.value, &mut response_side);
        reach(*api, &api.spec.request.value, &mut request_side);
    }
    let mut types = Vec::new();
    for (name, def) in vendor.types.iter() {
        let name = name.value.to_string();
        let open = response_side.contains(&name);
        let mut t = lower_type(&name, def, open, |n| resolve_vendor(vendor, n))?;
        t.request_only = request_side.contains(&name) && !open;
        types.push(t);
    }
    let hosts = vendor
        .hosts
        .as_ref()
        .map(|h| h.regions.iter().map(|(k, r)| (k.value.to_string(), r.host.value.clone())).collect())
        .unwrap_or_default();
    let default_host = vendor.hosts.as_ref().and_then(|h| {
        let d = h.default.as_ref()?;
        Some(h.regions.get(&d.value)?.host.value.clone())
    });
    let r = &vendor.auth.refusals;
    let refusals_missing = r.missing.iter().map(|(role, c)| (role.value.to_string(), c.value.clone())).collect();
    let refusals = r.named().into_iter().map(|(k, c)| (k, c.map(|c| c.value.clone()))).collect();
    let env = &vendor.envelope;
    let answer = VendorAnswerIr {
        status: env.status.as_ref().map(|s| (s.field.value.clone(), s.ok.clone(), s.fail.clone())),
        request_id: env.request_id.as_ref().map(|r| r.value.clone()),
        message_on_failure_only: env.message_on_failure_only,
        unreadable: env.unreadable.as_ref().map(|c| c.value.clone()),
        error_body: env.error_body.is_some(),
        fill: fills(&env.fill),
    };
    Ok(VendorIr {
        id: vendor.id.value.clone(),
        title: vendor.title.clone(),
        types,
        hosts,
        default_host,
        auth: lower_auth(vendor),
        refusals_missing,
        refusals,
        answer,
        errors: error_table(&vendor.errors),
        apis: apis.into_iter().map(lower_api).collect::<Result<_, _>>()?,
    })
}

fn lower_api(api: Api<'_>) -> Result<ApiIr, String> {
    let spec: &ApiSpec = api.spec;
    let mut response_side = BTreeSet::new();
    reach(api, &spec.response.value, &mut response_side);
    let mut request_side = BTreeSet::new();
    reach(api, &spec.request.value, &mut request_side);

    let mut limits = Vec::new();
    let mut types = Vec::new();
    for (name, def) in spec.types.iter() {
        let name = name.value.to_string();
        let mut t = lower_type(&name, def, response_side.contains(&name), |n| resolve(api, n))?;
        t.request_only = request_side.contains(&name) && !response_side.contains(&name);
        if let TypeKind::Struct { fields } = &mut t.kind {
            for f in fields.iter_mut() {
                name_limits(&name, f, &mut limits);
            }
        }
        types.push(t);
    }
    // Validators reach into the request through `not_equal` paths, resolved to Rust names.
    for t in &mut types {
        if let TypeKind::Struct { fields } = &mut t.kind {
            for f in fields.iter_mut() {
                for c in f.constraints.iter_mut().chain(f.items.iter_mut()) {
                    if let Rule::NotEqual(path) = &c.rule {
                        c.other_rust = request_path(api, path)?;
                    }
                }
            }
        }
    }
    let checked = request_side
        .iter()
        .filter_map(|n| {
            let (home, wire) = resolve(api, n)?;
            wire.is_none().then(|| CheckedType { name: n.clone(), home })
        })
        .collect();

    let batch_limit = match spec.batch.as_ref().map(|b| (b, b.max_items, b.raisable || b.raisable_to.is_some())) {
        Some((b, Some(max), true)) => {
            let stem = if b.is_root() { "items".to_owned() } else { snake_case(&b.field.value) };
            let field = format!("{stem}_max_items");
            limits.push(LimitIr {
                field: field.clone(),
                documented: max,
                raisable_to: b.raisable_to,
                doc: format!("Most items of `{}` per call.", b.field.value),
            });
            Some(field)
        }
        _ => None,
    };

    // The API's own table only: the vendor's is emitted once, and the runtime's
    // `ApiInfo::error_at` decides which of the two a code's row is in.
    let errors = error_table(&spec.errors);

    let mut charsets = Vec::new();
    for table in [&spec.charsets, &api.vendor.charsets] {
        for (name, set) in table.iter() {
            let name = name.value.to_string();
            if charsets.iter().any(|c: &CharsetIr| c.name == name) {
                continue;
            }
            let ranges = set.ranges.iter().filter_map(|r| imspec_spec::instance::parse_range(&r.value)).collect();
            charsets.push(CharsetIr { name, ranges, chars: set.chars.clone() });
        }
    }

    let params = spec
        .endpoint
        .params
        .iter()
        .map(|(name, p)| {
            // An integer parameter's bounds; lint refuses every other parameter constraint.
            let (mut min, mut max) = (None, None);
            for c in &p.constraints {
                match c.rule() {
                    Some(imspec_spec::Rule::Min(n)) => min = Some((n, c.code.value.clone())),
                    Some(imspec_spec::Rule::Max(n)) => max = Some((n, c.code.value.clone())),
                    _ => return Err(format!("parameter `{}`: only `min` and `max` are generated", name.value)),
                }
            }
            let ty = match &p.ty.value {
                TypeExpr::Integer => "Integer",
                TypeExpr::Boolean => "Boolean",
                _ => "String",
            };
            Ok(ParamIr {
                name: name.value.to_string(),
                in_path: p.location.value == imspec_spec::ParamIn::Path,
                ty,
                required: p.required,
                bind: p.bind.as_ref().map(|b| b.value.clone()),
                default: p.default.as_ref().map(|d| d.value.to_string()),
                doc: p.doc.clone(),
                min,
                max,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;

    let split = |p: &str| p.split('.').map(str::to_owned).collect::<Vec<_>>();
    let r = spec.results.as_ref();
    let per_item = r.and_then(|r| r.per_item.as_ref());
    let failures_only = r.and_then(|r| r.failures_only.as_ref());
    // The id field's wire name and its aliases, from the listed items' type.
    let ids = |list: &str, id: &str| -> Vec<String> {
        let mut ty = TypeExpr::Named(spec.response.value.clone());
        for key in list.split('.') {
            let next = match &ty {
                TypeExpr::Named(n) => api.type_def(n).and_then(|d| d.fields.as_ref()).and_then(|f| f.get(key)),
                _ => None,
            };
            match next {
                Some(f) => ty = f.ty.value.element().cloned().unwrap_or_else(|| f.ty.value.clone()),
                None => break,
            }
        }
        let aliases = match &ty {
            TypeExpr::Named(n) => api
                .type_def(n)
                .and_then(|d| d.fields.as_ref())
                .and_then(|f| f.get(id))
                .map(|f| f.aliases.iter().map(|a| a.value.clone()).collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        std::iter::once(id.to_owned()).chain(aliases).collect()
    };
    let results = if r.is_none() {
        None
    } else if let Some(p) = per_item {
        let ok = Code::from_scalar(&p.ok).ok_or("`results.per_item.ok` is not a code")?;
        Some(ResultsIr::PerItem {
            list: split(&p.list.value),
            ids: ids(&p.list.value, &p.id.value),
            code: p.code.value.clone(),
            ok,
            relation: p.relation.as_ref().map(|f| f.value.clone()),
            registered: p
                .registered
                .as_ref()
                .map(|r| (r.field.value.clone(), r.values.iter().map(|(k, v)| (k.value.to_string(), *v)).collect())),
            failures: p.failures.as_ref().map(|f| split(&f.value)),
        })
    } else if let Some(f) = failures_only {
        Some(ResultsIr::FailuresOnly {
            list: split(&f.list.value),
            ids: f.id.as_ref().map(|id| ids(&f.list.value, &id.value)).unwrap_or_default(),
            code: f.code.as_ref().map(|c| c.value.clone()),
            class: f.class.as_ref().map(|c| c.value),
        })
    } else if let Some(s) = r.and_then(|r| r.single.as_ref()) {
        Some(ResultsIr::Single {
            item: split(&s.item.value),
            ids: ids(&s.item.value, &s.id.value),
            relation: s.relation.as_ref().map(|f| f.value.clone()),
            absent: s.absent.as_ref().map(|a| relation_word_variant(&a.value)),
        })
    } else if let Some(lists) = r.and_then(|r| r.id_lists.as_ref()) {
        Some(ResultsIr::IdLists {
            lists: lists
                .iter()
                .map(|(path, outcome)| {
                    let code = (outcome.value != "ok").then(|| Code::Str(outcome.value.clone()));
                    (split(&path.value.to_string()), code)
                })
                .collect(),
        })
    } else {
        return Err(format!("`{}` has no `results` shape", api.id()));
    };
    let answer = ApiAnswerIr {
        item_message: per_item
            .and_then(|p| p.message.as_ref())
            .or_else(|| failures_only.and_then(|f| f.message.as_ref()))
            .map(|m| m.value.clone()),
        failed_ids: per_item.and_then(|p| p.failed_ids.as_ref()).map(id_list),
        invalid_ids: per_item.and_then(|p| p.invalid_ids.as_ref()).map(id_list),
        all_failed: per_item
            .and_then(|p| p.all_failed.as_ref())
            .or_else(|| failures_only.and_then(|f| f.all_failed.as_ref()))
            .map(|a| a.map.iter().filter_map(|(k, v)| Some((Code::from_scalar(&k.value)?, v.value.clone()))).collect()),
        fill: r.map(|r| fills(&r.fill)).unwrap_or_default(),
    };
    let both = |d: &imspec_spec::Direction| *d == imspec_spec::Direction::Both;
    let relation = match &spec.relation {
        None => None,
        Some(rel) => Some(lower_relation(api, rel)?),
    };
    let carrier = |c: &imspec_spec::Carrier| match (&c.param, &c.field) {
        (Some(p), _) => ("Param", p.value.clone()),
        (None, Some(f)) => ("Field", f.value.clone()),
        (None, None) => ("Param", String::new()),
    };
    let paging = spec.paging.as_ref().map(|p| PagingIr {
        cursor: p.cursor.as_ref().map(carrier),
        fields: p.fields.as_ref().map(|f| (f.list.value.clone(), f.key.value.clone(), f.value.value.clone())),
        page_size: p.page_size.as_ref().map(carrier),
        items: split(&p.items.value),
        item_id: p.item_id.as_ref().map(|i| i.value.clone()),
        next: p.next.as_ref().map(|n| split(&n.value)),
        complete: p.complete.as_ref().map(|c| (split(&c.field.value), c.value.to_json().to_string())),
    });
    let _ = both;
    let state = spec
        .state_limits
        .as_ref()
        .map(|l| l.named().map(|(name, limit)| (name, limit.map(lower_state_limit))).to_vec())
        // Without `state_limits` every limit is absent (the constant names each one: `Default`
        // is not callable in a constant).
        .unwrap_or_else(|| imspec_spec::StateLimits::KEYS.iter().map(|k| (*k, None)).collect());
    let env = &api.vendor.envelope;
    let envelope = (env.code.value.clone(), env.message.value.clone(), env.ok.as_ref().and_then(Code::from_scalar));

    let mut doc = vec![format!("{} — `{}`", spec.title, api.id())];
    if let Some(summary) = &spec.summary {
        doc.push(String::new());
        doc.push(summary.clone());
    }
    doc.push(String::new());
    for (id, s) in spec.sources.iter() {
        let r#where = s.url.clone().or_else(|| s.file.clone()).unwrap_or_default();
        doc.push(
            format!("- Source `{}`: {} {}", id.value, s.title.as_deref().unwrap_or(""), r#where).trim_end().to_owned(),
        );
    }

    Ok(ApiIr {
        id: api.id(),
        module: spec.id.value.clone(),
        doc,
        method: spec.endpoint.method.value.to_string(),
        path: spec.endpoint.path.value.clone(),
        query: scalar_pairs(&spec.endpoint.query),
        headers: scalar_pairs(&spec.endpoint.headers),
        content_type: spec.endpoint.content_type.value.clone(),
        form: form_fields(api, &types)?,
        rate_per_second: u32::try_from(spec.rate_limit.per_second.value).map_err(|_| {
            format!("{}: rate_limit.per_second {} does not fit u32", api.id(), spec.rate_limit.per_second.value)
        })?,
        rate_scope: rate_scope_variant(spec.rate_limit.scope),
        rate_raisable: spec.rate_limit.raisable,
        rate_penalty_seconds: spec.rate_limit.penalty_seconds.as_ref().map(|p| p.value),
        rate_answer: spec.rate_limit.answer.value.clone(),
        envelope,
        operation: operation_variant(spec.operation.value),
        budget: spec.rate_limit.budget.as_ref().map_or_else(|| api.id(), |b| b.value.clone()),
        results,
        unlisted: r.and_then(|r| r.unlisted.as_ref()).map(|c| c.value),
        paging,
        already_registered: spec.users.as_ref().and_then(|u| u.already_registered.as_ref()).map(|c| c.value.clone()),
        target: {
            let rel = spec.relation.as_ref();
            let param = rel.and_then(|r| r.target_param.as_ref()).map(|p| ("Param", p.value.clone()));
            let field = rel
                .and_then(|r| r.target_field.as_ref())
                .or_else(|| spec.users.as_ref().and_then(|u| u.user_field.as_ref()))
                .map(|f| ("Field", f.value.clone()));
            param.or(field)
        },
        batch: spec.batch.as_ref().map(|b| BatchIr {
            field: b.field.value.clone(),
            root: b.is_root(),
            item_id: b.item_id.as_ref().map(|i| i.value.clone()),
            max_items: b.max_items,
            raisable_to: b.raisable_to,
            raisable: b.raisable || b.raisable_to.is_some(),
            code: b.code.as_ref().map(|c| c.value.clone()),
            limit_field: batch_limit,
        }),
        request: spec.request.value.clone(),
        response: spec.response.value.clone(),
        schema_code: spec.schema_error_code.value.clone(),
        types,
        errors,
        charsets,
        checked,
        limits,
        params,
        answer,
        relation,
        state,
    })
}

/// The runtime's `Operation` variant of a spec's operation.
fn operation_variant(op: imspec_spec::Operation) -> &'static str {
    use imspec_spec::Operation::*;
    match op {
        Add => "Add",
        Remove => "Remove",
        Check => "Check",
        List => "List",
        Register => "Register",
        CheckUsers => "CheckUsers",
    }
}

fn lower_relation(api: Api<'_>, rel: &imspec_spec::Relation) -> Result<RelationIr, String> {
    let requester = match (&rel.requester_field, &rel.requester_param) {
        (Some(f), _) => ("Field", f.value.clone()),
        (None, Some(p)) => ("Param", p.value.clone()),
        (None, None) => return Err(format!("`{}` names no requester", api.id())),
    };
    let both = |d: &imspec_spec::Direction| *d == imspec_spec::Direction::Both;
    let word = relation_word_variant;
    let check_values = rel
        .check_values
        .iter()
        .flat_map(|cv| {
            let one = cv.one_way.iter().map(move |(k, w)| (k.value.to_string(), false, word(w)));
            one.chain(cv.both.iter().map(move |(k, w)| (k.value.to_string(), true, word(w))))
        })
        .collect();
    Ok(RelationIr {
        requester,
        both: rel.direction.as_ref().is_some_and(both),
        direction_field: rel.direction_field.as_ref().map(|df| {
            (df.field.value.clone(), df.values.iter().map(|(k, d)| (k.value.to_string(), both(d))).collect())
        }),
        unknown_user: rel.unknown_user.as_ref().map(|c| c.value.clone()),
        unknown_requester: rel.unknown_requester.as_ref().map(|c| c.value.clone()),
        already_friends: rel.already_friends.as_ref().map(|c| c.value.clone()),
        pending: rel.pending.as_ref().map(|c| c.value.clone()),
        force: rel.force.as_ref().map(|f| (f.field.value.clone(), f.value.to_json().to_string())),
        request_flow: rel.request_flow.as_ref().map(|f| {
            let text = |v: &Scalar| v.to_json().to_string();
            (f.field.value.clone(), [text(&f.request), text(&f.accept), text(&f.decline)], f.no_request.value.clone())
        }),
        not_friends: rel.not_friends.as_ref().map(|c| c.value.clone()),
        check_values,
    })
}

fn lower_state_limit(limit: &imspec_spec::StateLimit) -> StateLimitIr {
    StateLimitIr {
        max: limit.max,
        code: limit.code.value.clone(),
        field: limit.field.as_ref().map(|f| f.value.clone()),
        full_code: limit.full_code.as_ref().map(|c| c.value.clone()),
    }
}

fn error_table(table: &Map<imspec_spec::ErrorEntry>) -> Vec<ErrorIr> {
    table
        .iter()
        .filter_map(|(code, e)| {
            Some(ErrorIr {
                code: scalar_code(&code.value)?,
                name: e.name.value.clone(),
                class: e.class.value,
                meaning: e.meaning.clone(),
                advice: e.advice.clone(),
                message: e.message.clone(),
                http_status: e.http_status,
            })
        })
        .collect()
}

fn id_list(l: &imspec_spec::IdList) -> IdListIr {
    IdListIr { field: l.field.value.clone(), always: l.always, classes: l.classes.iter().map(|c| c.value).collect() }
}

fn fills(map: &Map<imspec_spec::decode::Spanned<Scalar>>) -> Vec<(String, FillIr)> {
    map.iter()
        .map(|(k, v)| {
            let fill = match &v.value {
                Scalar::Str(s) => match s.as_str() {
                    "$now_ms" => FillIr::Keyword("NowMs"),
                    "$elapsed_ms" => FillIr::Keyword("ElapsedMs"),
                    "$method" => FillIr::Keyword("Method"),
                    "$error_name" => FillIr::Keyword("ErrorName"),
                    _ => FillIr::Str(s.clone()),
                },
                Scalar::Int(i) => FillIr::Int(*i),
                Scalar::Bool(b) => FillIr::Bool(*b),
            };
            (k.value.to_string(), fill)
        })
        .collect()
}

fn lower_auth(vendor: &VendorSpec) -> AuthIr {
    use imspec_spec::auth::ParamValue;
    let params = vendor
        .auth
        .params
        .entries
        .iter()
        .map(|(def, value)| {
            let value = match &value.value {
                ParamValue::Text(t) => AuthParamIr::Text(t.clone()),
                ParamValue::Count(n) => AuthParamIr::Count(*n),
                ParamValue::Pairs(pairs) => AuthParamIr::Pairs(pairs.clone()),
            };
            (def.key, value)
        })
        .collect();
    AuthIr { scheme: vendor.auth.scheme.value.name, params }
}

fn scalar_pairs(map: &Map<Scalar>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.value.to_string(), v.to_string())).collect()
}

fn scalar_code(s: &Scalar) -> Option<Code> {
    Code::from_scalar(s)
}

/// The runtime's `RateScope` variant of a spec's scope.
fn rate_scope_variant(scope: imspec_spec::RateScope) -> &'static str {
    match scope {
        imspec_spec::RateScope::App => "App",
    }
}

/// A form-encoded API's request fields and how each value is read back from its text; `None`
/// for a JSON body (the encoding by the spec crate's `body::ENCODINGS`, which the lint checked).
fn form_fields(api: Api<'_>, types: &[TypeIr]) -> Result<Option<Vec<(String, &'static str)>>, String> {
    if imspec_spec::body::encoding(&api.spec.endpoint.content_type.value) != Some(imspec_spec::body::Encoding::Form) {
        return Ok(None);
    }
    let request = &api.spec.request.value;
    let Some(TypeKind::Struct { fields }) = types.iter().find(|t| &t.name == request).map(|t| &t.kind) else {
        return Err(format!("{}: a form-encoded request `{request}` is an object type of the API", api.id()));
    };
    let read_as = |ty: &Ty| match ty {
        Ty::Int | Ty::Enum(_, _, Wire::Int) => Ok("Integer"),
        Ty::Bool => Ok("Boolean"),
        Ty::Str | Ty::StrOrInt | Ty::Enum(..) => Ok("String"),
        other => Err(format!("{}: a form-encoded field is a scalar, not {other:?}", api.id())),
    };
    fields.iter().map(|f| Ok((f.wire.clone(), read_as(&f.ty)?))).collect::<Result<Vec<_>, String>>().map(Some)
}

/// The runtime's `RelationWord` variant of a spec's relation word.
fn relation_word_variant(w: &imspec_spec::RelationWord) -> &'static str {
    match w {
        imspec_spec::RelationWord::None => "None",
        imspec_spec::RelationWord::Outgoing => "Outgoing",
        imspec_spec::RelationWord::Incoming => "Incoming",
        imspec_spec::RelationWord::Both => "Both",
    }
}
