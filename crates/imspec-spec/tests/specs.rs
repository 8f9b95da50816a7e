//! The real specs: they load clean, stay self-contained, carry every code and field of their
//! seed page, and their examples satisfy them (after errata, with the broken originals still
//! failing so a fixed page is noticed).

use std::path::{Path, PathBuf};

use imspec_spec::check::example_problem;
use imspec_spec::decode::Spanned;
use imspec_spec::{Api, ExampleRole, SpecSet, load_dir, render_all};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn specs() -> SpecSet {
    let loaded = load_dir(&root().join("specs"));
    assert!(loaded.diagnostics.is_empty(), "specs/ is not clean:\n{}", render_all(&loaded.diagnostics));
    loaded.set
}

#[test]
fn every_spec_loads_without_a_diagnostic() {
    let set = specs();
    let ids: Vec<String> = set.apis().iter().map(Api::id).collect();
    let (vendors, apis) = spec_files(&root().join("specs"));
    assert_eq!(ids, apis, "one API per `<vendor>/<api>.yaml`");
    assert_eq!(set.vendors.len(), vendors);
}

/// The vendor files and the API ids of a spec directory, by its file names.
fn spec_files(dir: &Path) -> (usize, Vec<String>) {
    let mut vendors = 0;
    let mut apis = Vec::new();
    for vendor in std::fs::read_dir(dir).expect("specs dir").flatten().filter(|e| e.path().is_dir()) {
        for file in std::fs::read_dir(vendor.path()).expect("vendor dir").flatten() {
            let name = file.file_name().to_string_lossy().into_owned();
            match name.strip_suffix(".yaml") {
                Some("vendor") => vendors += 1,
                Some(api) => apis.push(format!("{}/{api}", vendor.file_name().to_string_lossy())),
                None => {}
            }
        }
    }
    apis.sort();
    (vendors, apis)
}

#[test]
fn specs_lint_the_same_when_copied_elsewhere() {
    let copy = std::env::temp_dir().join(format!("imspec-specs-copy-{}", std::process::id()));
    copy_dir(&root().join("specs"), &copy);
    let loaded = load_dir(&copy);
    let _ = std::fs::remove_dir_all(&copy);
    assert!(loaded.diagnostics.is_empty(), "{}", render_all(&loaded.diagnostics));
    assert_eq!(loaded.set.apis().len(), spec_files(&root().join("specs")).1.len());
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy dir");
    for entry in std::fs::read_dir(from).expect("read specs dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy spec");
        }
    }
}

#[test]
fn every_example_satisfies_its_spec_and_every_erratum_still_applies() {
    let set = specs();
    let mut checked = 0;
    for api in set.apis() {
        for (name, ex) in api.spec.examples.iter() {
            let original = example_problem(api, ex.role.value, &ex.body);
            match &ex.erratum {
                None => assert!(original.is_none(), "{} example {}: {}", api.id(), name.value, render(original)),
                Some(erratum) => {
                    assert!(original.is_some(), "{} example {}: the page's text passes now", api.id(), name.value);
                    let corrected = example_problem(api, ex.role.value, &erratum.corrected);
                    assert!(corrected.is_none(), "{} example {}: {}", api.id(), name.value, render(corrected));
                }
            }
            checked += 1;
        }
    }
    // Every API carries its page's examples (at least a request and its answer).
    assert!(checked >= 2 * set.apis().len(), "{checked} examples for {} APIs", set.apis().len());
}

fn render(problem: Option<imspec_spec::Diagnostic>) -> String {
    problem.map(|d| d.render()).unwrap_or_default()
}

/// The errata providers.md lists are recorded as data, on the right examples.
#[test]
fn the_known_vendor_errata_are_recorded() {
    let set = specs();
    let with_errata = |id: &str| -> Vec<String> {
        let api = set.api(id).expect("api");
        api.spec.examples.iter().filter(|(_, e)| e.erratum.is_some()).map(|(k, _)| k.value.to_string()).collect()
    };
    // Invalid JSON in all three friend_import request examples.
    assert_eq!(with_errata("tencent_im/friend_import").len(), 3);
    // `// ...` comments in friend_add's full and batch request examples.
    assert_eq!(with_errata("tencent_im/friend_add").len(), 2);
    // ZEGO's request mixes `Key` and `key`.
    assert_eq!(with_errata("zego_zim/add_friends").len(), 1);
    let zego = set.api("zego_zim/add_friends").expect("zego");
    let (_, request) = zego.spec.examples.iter().find(|(_, e)| e.erratum.is_some()).expect("erratum");
    assert!(request.body.value.contains("\"key\""));
    assert!(!request.erratum.as_ref().expect("erratum").corrected.value.contains("\"key\""));
}

/// A reader holding a seed page next to its spec finds nothing missing: every code of the page's
/// error table and every field of its field tables is in the spec.
#[test]
fn every_code_and_field_of_each_seed_page_is_in_its_spec() {
    let set = specs();
    // pins each seed's table sizes (seeds/000_… to 003_…): the codes in its error table and the
    // rows of its field tables, so that a table read short is noticed.
    let sizes = [
        ("000_f40b817d19dc639d.txt", 17, 22),
        ("001_08c38fb0787eb343.txt", 18, 22),
        ("002_d5c9c8a45b1a35b5.txt", 4, 13),
        ("003_1c4dfcfb89ee9064.txt", 16, 15),
    ];
    let mut read = Vec::new();
    // Each API whose spec cites a seed, against that seed.
    for api in set.apis() {
        let id = api.id();
        let cited = api.spec.sources.iter().find_map(|(_, s)| s.file.as_deref()?.strip_prefix("seeds/"));
        let Some(seed) = cited else { continue };
        let page = std::fs::read_to_string(root().join("seeds").join(seed)).expect("seed page");
        let (codes, fields) = seed_tables(&page);
        if let Some((_, code_count, field_count)) = sizes.iter().find(|(file, _, _)| *file == seed) {
            assert_eq!(
                (codes.len(), fields.len()),
                (*code_count, *field_count),
                "{seed}: tables read as {codes:?} {fields:?}"
            );
        }
        read.push(seed.to_owned());
        for code in &codes {
            let parsed = match code.parse::<i64>() {
                Ok(i) => imspec_spec::Code::Int(i),
                Err(_) => imspec_spec::Code::Str(code.clone()),
            };
            assert!(api.error(&parsed).is_some(), "{id}: code {code} of {seed} is not in the spec");
        }
        let known = wire_names(api);
        for field in &fields {
            assert!(known.iter().any(|k| k == field), "{id}: field `{field}` of {seed} is not in the spec");
        }
    }
    // Every seed with pinned sizes was read.
    for (file, _, _) in sizes {
        assert!(read.iter().any(|r| r == file), "no spec cites {file}");
    }
}

/// Codes and field names from the page's tables (Markdown pipes or HTML cells).
fn seed_tables(page: &str) -> (Vec<String>, Vec<String>) {
    let mut codes = Vec::new();
    let mut fields = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut row_opened = false;
    for line in page.lines() {
        let t = line.trim();
        if t.starts_with('|') {
            let row: Vec<String> = t.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect();
            cells.push(row.join("\u{1}"));
        } else if let Some(cell) = t.strip_prefix("<td>").and_then(|c| c.strip_suffix("</td>")) {
            // Only an HTML row's first cell names a field or a code.
            if row_opened {
                cells.push(cell.to_owned());
            }
        }
        row_opened = t.starts_with("<tr");
    }
    for row in cells {
        let first = row.split('\u{1}').next().unwrap_or("").trim().to_owned();
        let first = first.trim_matches('`').replace("&nbsp;", "");
        let first = first.trim_start_matches('└').trim();
        let first = first.trim_start_matches('└').trim();
        if first.len() >= 5 && first.bytes().all(|b| b.is_ascii_digit()) {
            codes.push(first.to_owned());
        } else if let Some(status) = row.split('\u{1}').nth(1) {
            // Easemob's table: HTTP status, then the `error` string.
            if first.len() == 3 && first.bytes().all(|b| b.is_ascii_digit()) && !status.trim().is_empty() {
                codes.push(status.trim().to_owned());
                continue;
            }
        }
        let is_field = !first.is_empty()
            && first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            && first.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && !["host", "Content", "Accept", "Authorization"].contains(&first);
        if is_field && !first.starts_with("v4") {
            fields.push(first.to_owned());
        }
    }
    (codes, fields)
}

/// Every wire name the API's spec knows: fields and aliases of its types, params, headers,
/// the vendor's auth query parameters.
fn wire_names(api: Api<'_>) -> Vec<String> {
    let mut names = Vec::new();
    for types in [&api.spec.types, &api.vendor.types] {
        for (_, def) in types.iter() {
            for (k, f) in def.fields.iter().flat_map(|m| m.iter()) {
                names.push(k.value.to_string());
                names.extend(f.aliases.iter().map(|a| a.value.clone()));
            }
        }
    }
    names.extend(api.spec.endpoint.params.keys());
    names.extend(api.spec.endpoint.headers.keys());
    // Dotted response paths (`data.success`) as Easemob's table writes them.
    if let Some(lists) = api.spec.results.as_ref().and_then(|r| r.id_lists.as_ref()) {
        names.extend(lists.keys());
    }
    names.push("data".into());
    // The auth parameters that name a query parameter (`*_param`: `sdkappid`, `usersig`, …).
    names.extend(
        api.vendor
            .auth
            .params
            .entries
            .iter()
            .filter(|(d, _)| d.key.ends_with("_param"))
            .filter_map(|(_, v)| v.as_text().map(str::to_owned)),
    );
    names
}

#[test]
fn an_example_with_broken_json_points_at_its_line_in_the_yaml() {
    let set = specs();
    let api = set.api("tencent_im/friend_import").expect("api");
    let (_, ex) = api.spec.examples.iter().find(|(_, e)| e.erratum.is_some()).expect("erratum");
    let d = example_problem(api, ExampleRole::Request, &ex.body).expect("broken on the page");
    let loc = d.loc.expect("located");
    let line = loc.file.text.lines().nth(loc.line - 1).expect("line");
    // The JSON error is at the closing brace after the trailing comma, inside the block scalar.
    assert!(line.trim_start().starts_with('}'), "points at {line:?} ({})", loc.position());
    let _: &Spanned<String> = &ex.body;
}
