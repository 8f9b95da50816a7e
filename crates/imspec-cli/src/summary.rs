//! A terminal summary of every API in a spec set.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use imspec_spec::decode::Map;
use imspec_spec::{Api, ErrorClass, Field, SpecSet, TypeExpr};

pub fn render(set: &SpecSet) -> String {
    let mut out = String::new();
    let apis = set.apis();
    let _ = writeln!(out, "{} APIs from {} vendors, specs checked clean\n", apis.len(), set.vendors.len());
    for api in apis {
        api_summary(&mut out, api);
    }
    out
}

fn api_summary(out: &mut String, api: Api<'_>) {
    let spec = api.spec;
    let ep = &spec.endpoint;
    let query: Vec<String> = ep.query.iter().map(|(k, v)| format!("{}={v}", k.value)).collect();
    let query = if query.is_empty() { String::new() } else { format!("?{}", query.join("&")) };
    let _ = writeln!(out, "{}  {} ({})", api.id(), spec.title, api.vendor.title);
    let _ = writeln!(out, "  endpoint    {} {}{query}", ep.method.value, ep.path.value);
    let hosts = api.vendor.hosts.as_ref().and_then(|h| {
        h.default.as_ref().and_then(|d| h.regions.get(&d.value)).map(|r| (r.host.value.clone(), h.regions.len()))
    });
    match hosts {
        Some((host, n)) => {
            let _ = writeln!(out, "  hosts       {host} (default; {n} regions)");
        }
        None => {
            let _ = writeln!(out, "  hosts       per app (configure a base URL)");
        }
    }
    let _ = writeln!(out, "  auth        {}", api.vendor.auth.scheme.name);
    let rl = &spec.rate_limit;
    let _ = writeln!(
        out,
        "  rate limit  {}/s per {}{}",
        rl.per_second.value,
        rl.scope,
        if rl.raisable { " (raisable)" } else { "" }
    );
    let _ = writeln!(out, "  operation   {}", spec.operation.value);
    if let Some(b) = &spec.batch {
        let max = match (b.max_items, b.raisable_to) {
            (Some(m), Some(to)) => format!("≤ {m} per call (raisable to {to})"),
            (Some(m), None) => format!("≤ {m} per call"),
            (None, _) => "no documented maximum".into(),
        };
        let code = b.code.as_ref().map(|c| format!(", code {}", c.value)).unwrap_or_default();
        let _ = writeln!(out, "  batch       {} {max}{code}", b.field.value);
    }

    let mut constraints = Vec::new();
    let mut fields = 0;
    walk(api, &spec.request.value, "$", &mut Vec::new(), &mut |path, f| {
        fields += 1;
        for c in f.constraints.iter().chain(&f.items) {
            constraints.push(format!("{path}: {}", c.describe()));
        }
    });
    let _ = writeln!(out, "  request     {} ({fields} fields, {} constraints)", spec.request.value, constraints.len());
    for c in &constraints {
        let _ = writeln!(out, "                {c}");
    }
    // Each code once, with the entry that applies to this API.
    let errors = api.errors();
    let codes = errors.len();
    let mut by_class: BTreeMap<ErrorClass, usize> = BTreeMap::new();
    for (_, e, _) in &errors {
        *by_class.entry(e.class.value).or_default() += 1;
    }
    let classes: Vec<String> = by_class.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let _ = writeln!(out, "  errors      {codes} codes ({}; {} API-specific)", classes.join(", "), spec.errors.len());
    let errata = spec.examples.iter().filter(|(_, e)| e.erratum.is_some()).count();
    let _ = writeln!(out, "  examples    {} from the page, {errata} with errata\n", spec.examples.len());
}

/// Visits every field reachable from `type_name`, with its JSON path.
fn walk<'a>(api: Api<'a>, type_name: &str, path: &str, seen: &mut Vec<String>, visit: &mut dyn FnMut(&str, &'a Field)) {
    let Some(def) = api.type_def(type_name) else { return };
    if let Some(items) = &def.items {
        return walk(api, &items.value, &format!("{path}[]"), seen, visit);
    }
    let Some(fields) = def.fields.as_ref() else { return };
    if seen.iter().any(|s| s == type_name) {
        return;
    }
    seen.push(type_name.to_owned());
    for (key, f) in Map::iter(fields) {
        let mut child = format!("{path}.{}", key.value);
        visit(&child, f);
        let mut t = &f.ty.value;
        while let TypeExpr::Array(inner) = t {
            t = inner;
            child.push_str("[]");
        }
        if let TypeExpr::Named(n) = t {
            walk(api, n, &child, seen, visit);
        }
    }
    seen.pop();
}
