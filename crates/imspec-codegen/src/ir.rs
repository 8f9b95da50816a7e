//! The IR: a vendor and its APIs lowered from the spec model into what the emitter needs —
//! Rust names chosen, types resolved to where they live, enums marked open or closed, error
//! tables kept apart (the API's own, the vendor's shared), raisable limits named. Nothing is
//! emitted from raw spec structs.

use std::collections::BTreeSet;

use imspec_spec::decode::{Map, Scalar};
use imspec_spec::names::{ident_problem, pascal_case, snake_case};
use imspec_spec::{
    Api, ApiSpec, Code, Constraint, ErrorClass, Field, LenUnit, ROOT_BATCH, Rule, SpecSet, TimeUnit, TypeDef, TypeExpr,
    VendorSpec,
};

/// A vendor: its shared types and hosts, and every API.
#[derive(Debug, Clone)]
pub struct VendorIr {
    pub id: String,
    pub title: String,
    pub types: Vec<TypeIr>,
    pub hosts: Vec<(String, String)>,
    pub default_host: Option<String>,
    pub auth: AuthIr,
    /// `refusals`: credential role → code, then each other refusal by its runtime field name.
    pub refusals_missing: Vec<(String, Code)>,
    pub refusals: Vec<(&'static str, Option<Code>)>,
    pub answer: VendorAnswerIr,
    /// The vendor's shared error table.
    pub errors: Vec<ErrorIr>,
    pub apis: Vec<ApiIr>,
}

/// A signer by its scheme's name and its parameters, as the runtime's `AuthInfo` takes them.
#[derive(Debug, Clone)]
pub struct AuthIr {
    pub scheme: &'static str,
    pub params: Vec<(&'static str, AuthParamIr)>,
}

/// One auth parameter's value: the runtime's `AuthParam`.
#[derive(Debug, Clone)]
pub enum AuthParamIr {
    Text(String),
    Count(u64),
    Pairs(Vec<(String, String)>),
}

/// A field's value in an answer.
#[derive(Debug, Clone)]
pub enum FillIr {
    /// A runtime `Fill` variant without data.
    Keyword(&'static str),
    Str(String),
    Int(i64),
    Bool(bool),
}

#[derive(Debug, Clone)]
pub struct VendorAnswerIr {
    pub status: Option<(String, String, String)>,
    pub request_id: Option<String>,
    pub unreadable: Option<Code>,
    pub error_body: bool,
    pub fill: Vec<(String, FillIr)>,
}

#[derive(Debug, Clone)]
pub struct IdListIr {
    pub field: String,
    pub always: bool,
    pub classes: Vec<ErrorClass>,
}

#[derive(Debug, Clone)]
pub struct ApiAnswerIr {
    pub item_message: Option<String>,
    pub failed_ids: Option<IdListIr>,
    pub invalid_ids: Option<IdListIr>,
    /// `None`: the envelope says success whatever the items; else the map of item codes to
    /// the call's code when every item failed.
    pub all_failed: Option<Vec<(Code, Code)>>,
    pub fill: Vec<(String, FillIr)>,
}

#[derive(Debug, Clone)]
pub struct RelationIr {
    /// `Field` or `Param`, and its name.
    pub requester: (&'static str, String),
    pub both: bool,
    pub direction_field: Option<(String, Vec<(String, bool)>)>,
    pub unknown_user: Option<Code>,
    pub unknown_requester: Option<Code>,
    pub already_friends: Option<Code>,
    pub pending: Option<Code>,
    /// The field and its value as JSON text.
    pub force: Option<(String, String)>,
    pub target_param: Option<String>,
    pub not_friends: Option<Code>,
    /// Each vendor value, its mode (`true`: two-way) and its word (`None`, `Outgoing`, ...).
    pub check_values: Vec<(String, bool, &'static str)>,
}

/// How a list is paged.
#[derive(Debug, Clone)]
pub struct PagingIr {
    /// `Param` or `Field`, and its name.
    pub cursor: Option<(&'static str, String)>,
    pub page_size: Option<(&'static str, String)>,
    pub items: Vec<String>,
    pub item_id: Option<String>,
    /// The entries' key/value pair list: its field, key and value.
    pub fields: Option<(String, String, String)>,
    pub next: Option<Vec<String>>,
    /// The path and the value as JSON text.
    pub complete: Option<(Vec<String>, String)>,
}

#[derive(Debug, Clone)]
pub struct StateLimitIr {
    pub max: Option<u64>,
    pub code: Code,
    pub field: Option<String>,
    pub full_code: Option<Code>,
}

/// One API, ready to emit.
#[derive(Debug, Clone)]
pub struct ApiIr {
    /// `vendor/api`.
    pub id: String,
    pub module: String,
    pub doc: Vec<String>,
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    /// Calls per second (the runtime's width; lint refuses a rate that does not fit).
    pub rate_per_second: u32,
    /// The runtime's `RateScope` variant.
    pub rate_scope: &'static str,
    pub rate_raisable: bool,
    pub rate_answer: Code,
    /// The vendor envelope: code field, message field, success value.
    pub envelope: (String, String, Option<Code>),
    /// The runtime's `Operation` variant.
    pub operation: &'static str,
    /// The rate bucket: a shared budget's name, or the API's id.
    pub budget: String,
    pub results: Option<ResultsIr>,
    /// The class of an item a successful answer leaves out.
    pub unlisted: Option<ErrorClass>,
    pub paging: Option<PagingIr>,
    pub already_registered: Option<Code>,
    pub batch: Option<BatchIr>,
    pub request: String,
    pub response: String,
    pub schema_code: Code,
    pub types: Vec<TypeIr>,
    /// The API's own error table (the vendor's shared one is `VendorIr::errors`).
    pub errors: Vec<ErrorIr>,
    pub charsets: Vec<CharsetIr>,
    /// Request-side object types (validated), API's and vendor's.
    pub checked: Vec<CheckedType>,
    /// Limits the vendor raises on request: adjustable at run time.
    pub limits: Vec<LimitIr>,
    pub params: Vec<ParamIr>,
    pub answer: ApiAnswerIr,
    pub relation: Option<RelationIr>,
    /// By the runtime's `StateLimits` field name, every one of them.
    pub state: Vec<(&'static str, Option<StateLimitIr>)>,
}

/// Where a successful response reports each item (paths split into wire names).
#[derive(Debug, Clone)]
pub enum ResultsIr {
    PerItem {
        list: Vec<String>,
        ids: Vec<String>,
        code: String,
        ok: Code,
        relation: Option<String>,
        registered: Option<(String, Vec<(String, bool)>)>,
        failures: Option<Vec<String>>,
    },
    FailuresOnly {
        list: Vec<String>,
        /// Empty when the list holds bare ids.
        ids: Vec<String>,
        code: Option<String>,
        /// A bare-id list's class of failure.
        class: Option<ErrorClass>,
    },
    IdLists {
        lists: Vec<(Vec<String>, Option<Code>)>,
    },
}

/// A path or query parameter.
#[derive(Debug, Clone)]
pub struct ParamIr {
    pub name: String,
    pub in_path: bool,
    /// `String`, `Integer` or `Boolean`.
    pub ty: &'static str,
    pub required: bool,
    pub bind: Option<String>,
    pub default: Option<String>,
    pub doc: Option<String>,
    /// An integer parameter's bounds and the code each answers.
    pub min: Option<(i64, Code)>,
    pub max: Option<(i64, Code)>,
}

#[derive(Debug, Clone)]
pub struct BatchIr {
    pub field: String,
    /// The request body is itself the batch (`field: $`).
    pub root: bool,
    pub item_id: Option<String>,
    pub max_items: Option<u64>,
    pub raisable_to: Option<u64>,
    pub raisable: bool,
    pub code: Option<Code>,
    /// The `Limits` field holding the (raisable) maximum.
    pub limit_field: Option<String>,
}

/// Where a named type lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    Api,
    Vendor,
}

/// A resolved type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Str,
    Int,
    Bool,
    StrOrInt,
    Json,
    Array(Box<Ty>),
    Struct(String, Home),
    Enum(String, Home),
}

impl Ty {
    pub fn element(&self) -> Option<&Ty> {
        match self {
            Ty::Array(inner) => Some(inner),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct TypeIr {
    pub name: String,
    pub doc: Vec<String>,
    pub kind: TypeKind,
    /// Reached from a request only: decoding refuses `null` in optional fields.
    pub request_only: bool,
}

#[derive(Debug, Clone)]
pub enum TypeKind {
    Struct {
        fields: Vec<FieldIr>,
    },
    /// A list body: a JSON array of one object type (the request is the batch).
    List {
        /// The list as the field it amounts to (`array<Item>`, with the list's rules).
        field: FieldIr,
    },
    /// A string enum; `open` ones (response side) keep unknown values.
    Enum {
        variants: Vec<VariantIr>,
        default: Option<String>,
        open: bool,
    },
}

#[derive(Debug, Clone)]
pub struct VariantIr {
    pub wire: String,
    pub rust: String,
    pub doc: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FieldIr {
    pub wire: String,
    pub rust: String,
    pub ty: Ty,
    pub required: bool,
    pub doc: Vec<String>,
    pub aliases: Vec<String>,
    pub sensitive: bool,
    pub unit: Option<TimeUnit>,
    pub constraints: Vec<CheckIr>,
    pub items: Vec<CheckIr>,
}

/// A constraint, resolved.
#[derive(Debug, Clone)]
pub struct CheckIr {
    pub rule: Rule,
    pub code: Code,
    /// The `Limits` field when the vendor raises this limit on request.
    pub limit_field: Option<String>,
    /// For `not_equal`: the Rust field names along the path from the request root.
    pub other_rust: Vec<(String, bool)>,
}

#[derive(Debug, Clone)]
pub struct ErrorIr {
    pub code: Code,
    pub name: String,
    pub class: ErrorClass,
    pub meaning: String,
    pub advice: Option<String>,
    pub message: Option<String>,
    pub http_status: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct CharsetIr {
    pub name: String,
    pub ranges: Vec<(char, char)>,
    pub chars: String,
}

#[derive(Debug, Clone)]
pub struct CheckedType {
    pub name: String,
    pub home: Home,
}

#[derive(Debug, Clone)]
pub struct LimitIr {
    pub field: String,
    pub documented: u64,
    pub raisable_to: Option<u64>,
    pub doc: String,
}

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

fn resolve_vendor(vendor: &VendorSpec, name: &str) -> Option<(Home, bool)> {
    let def = vendor.types.get(name)?;
    Some((Home::Vendor, def.variants.is_some()))
}

fn resolve(api: Api<'_>, name: &str) -> Option<(Home, bool)> {
    if let Some(def) = api.spec.types.get(name) {
        return Some((Home::Api, def.variants.is_some()));
    }
    resolve_vendor(api.vendor, name)
}

/// Every type name reachable from `root`.
fn reach(api: Api<'_>, root: &str, out: &mut BTreeSet<String>) {
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

fn innermost_name(t: &TypeExpr) -> Option<&str> {
    match t {
        TypeExpr::Array(inner) => innermost_name(inner),
        TypeExpr::Named(n) => Some(n),
        _ => None,
    }
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
            let (home, is_enum) = resolve(api, n)?;
            (!is_enum).then(|| CheckedType { name: n.clone(), home })
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
        content_type: spec.endpoint.content_type.clone(),
        rate_per_second: u32::try_from(spec.rate_limit.per_second.value).map_err(|_| {
            format!("{}: rate_limit.per_second {} does not fit u32", api.id(), spec.rate_limit.per_second.value)
        })?,
        rate_scope: rate_scope_variant(spec.rate_limit.scope),
        rate_raisable: spec.rate_limit.raisable,
        rate_answer: spec.rate_limit.answer.value.clone(),
        envelope,
        operation: operation_variant(spec.operation.value),
        budget: spec.rate_limit.budget.as_ref().map_or_else(|| api.id(), |b| b.value.clone()),
        results,
        unlisted: r.and_then(|r| r.unlisted.as_ref()).map(|c| c.value),
        paging,
        already_registered: spec.users.as_ref().and_then(|u| u.already_registered.as_ref()).map(|c| c.value.clone()),
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
    let word = |w: &imspec_spec::RelationWord| match w {
        imspec_spec::RelationWord::None => "None",
        imspec_spec::RelationWord::Outgoing => "Outgoing",
        imspec_spec::RelationWord::Incoming => "Incoming",
        imspec_spec::RelationWord::Both => "Both",
    };
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
        target_param: rel.target_param.as_ref().map(|t| t.value.clone()),
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

/// Gives each raisable constraint of a field a `Limits` field.
fn name_limits(type_name: &str, f: &mut FieldIr, limits: &mut Vec<LimitIr>) {
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

fn scalar_pairs(map: &Map<Scalar>) -> Vec<(String, String)> {
    map.iter().map(|(k, v)| (k.value.to_string(), v.to_string())).collect()
}

fn scalar_code(s: &Scalar) -> Option<Code> {
    Code::from_scalar(s)
}

fn lower_type(
    name: &str,
    def: &TypeDef,
    open: bool,
    resolve: impl Fn(&str) -> Option<(Home, bool)>,
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
            kind: TypeKind::Enum { variants, default, open },
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

fn lower_field(wire: &str, f: &Field, resolve: &impl Fn(&str) -> Option<(Home, bool)>) -> Result<FieldIr, String> {
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

fn lower_check(c: &Constraint) -> Result<CheckIr, String> {
    let rule = c.rule().ok_or_else(|| format!("malformed constraint at {}", c.loc.position()))?;
    // `limit_field` carries the raise marker until the field's limits are named.
    let raisable =
        (c.raisable || c.raisable_to.is_some()).then(|| c.raisable_to.map(|n| n.to_string()).unwrap_or_default());
    Ok(CheckIr { rule, code: c.code.value.clone(), limit_field: raisable, other_rust: Vec::new() })
}

fn lower_ty(t: &TypeExpr, resolve: &impl Fn(&str) -> Option<(Home, bool)>) -> Result<Ty, String> {
    Ok(match t {
        TypeExpr::String => Ty::Str,
        TypeExpr::Integer => Ty::Int,
        TypeExpr::Boolean => Ty::Bool,
        TypeExpr::StringOrInteger => Ty::StrOrInt,
        TypeExpr::Json => Ty::Json,
        TypeExpr::Array(inner) => Ty::Array(Box::new(lower_ty(inner, resolve)?)),
        TypeExpr::Named(n) => match resolve(n) {
            Some((home, true)) => Ty::Enum(n.clone(), home),
            Some((home, false)) => Ty::Struct(n.clone(), home),
            None => return Err(format!("unknown type `{n}`")),
        },
    })
}

/// `$.A.B` -> the Rust field names along the path, each with whether it is required.
fn request_path(api: Api<'_>, path: &str) -> Result<Vec<(String, bool)>, String> {
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

fn check_ident(name: &str) -> Result<(), String> {
    match ident_problem(name) {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// The runtime's `RateScope` variant of a spec's scope.
fn rate_scope_variant(scope: imspec_spec::RateScope) -> &'static str {
    match scope {
        imspec_spec::RateScope::App => "App",
    }
}

/// The unit of a length rule, for emitters.
pub fn len_unit(u: LenUnit) -> &'static str {
    match u {
        LenUnit::Bytes => "Bytes",
        LenUnit::Chars => "Chars",
    }
}
