//! The imspec spec format: a YAML loader that keeps the file, line, column and path of every
//! node, the spec model, and semantic checks that report **every** problem in one pass.
//!
//! ```no_run
//! let loaded = imspec_spec::load_dir(std::path::Path::new("specs"));
//! eprint!("{}", imspec_spec::render_all(&loaded.diagnostics));
//! for api in loaded.set.apis() {
//!     println!("{} — {}", api.id(), api.spec.title);
//! }
//! ```

pub mod auth;
pub mod body;
pub mod check;
pub mod constraint;
pub mod decode;
pub mod diag;
pub mod instance;
pub mod model;
pub mod names;
pub mod primitives;
pub mod reference;
pub mod yaml;

use std::path::Path;
use std::sync::Arc;

pub use diag::{Diagnostic, Loc, Severity, SourceFile, render_all};
pub use model::*;

use decode::Cx;

/// Every spec file of a directory, decoded. Files that failed to decode are absent; their
/// diagnostics say why.
#[derive(Debug, Default)]
pub struct SpecSet {
    pub vendors: Vec<VendorSpec>,
    pub apis: Vec<ApiSpec>,
}

/// Which table an API's error entry is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorOrigin {
    /// The API's own `errors`.
    Api,
    /// The vendor's shared `errors` (`vendor.yaml`).
    Vendor,
}

/// An API together with its vendor: what generators and validators need.
#[derive(Debug, Clone, Copy)]
pub struct Api<'a> {
    pub spec: &'a ApiSpec,
    pub vendor: &'a VendorSpec,
}

impl SpecSet {
    pub fn vendor(&self, id: &str) -> Option<&VendorSpec> {
        self.vendors.iter().find(|v| v.id.value == id)
    }

    /// Every API whose vendor file is present, in `vendor/api` order.
    pub fn apis(&self) -> Vec<Api<'_>> {
        let mut apis: Vec<Api<'_>> =
            self.apis.iter().filter_map(|spec| Some(Api { spec, vendor: self.vendor(&spec.vendor.value)? })).collect();
        apis.sort_by_key(|a| a.id());
        apis
    }

    /// An API by its id, `vendor/api`.
    pub fn api(&self, id: &str) -> Option<Api<'_>> {
        self.apis().into_iter().find(|a| a.id() == id)
    }
}

impl<'a> Api<'a> {
    /// `vendor/api`, the id used by the CLI and the emulator.
    pub fn id(&self) -> String {
        format!("{}/{}", self.vendor.id.value, self.spec.id.value)
    }

    /// A type declared by the API or, failing that, by its vendor.
    pub fn type_def(&self, name: &str) -> Option<&'a TypeDef> {
        self.spec.types.get(name).or_else(|| self.vendor.types.get(name))
    }

    /// The error table entry of a code: the API's own, else its vendor's shared one. This is
    /// the spec side's one statement of "an API's entry overrides its vendor's entry for the
    /// same code"; the generated code's is `ApiInfo::error_at` (imspec-runtime), over the same
    /// two tables, and a test of the `imspec` crate holds the two to agree.
    pub fn error(&self, code: &Code) -> Option<&'a ErrorEntry> {
        let key = code.to_string();
        self.spec.errors.get(&key).or_else(|| self.vendor.errors.get(&key))
    }

    /// Every code the API can answer, once, with the entry [`Api::error`] gives it and where
    /// that entry is: the API's own table in its order, then the vendor's codes it does not
    /// override.
    pub fn errors(&self) -> Vec<(Code, &'a ErrorEntry, ErrorOrigin)> {
        let own = self.spec.errors.iter().map(|(k, e)| (k, e, ErrorOrigin::Api));
        own.chain(self.vendor.errors.iter().map(|(k, e)| (k, e, ErrorOrigin::Vendor)))
            .filter_map(|(key, entry, origin)| {
                let code = Code::from_scalar(&key.value)?;
                self.error(&code).is_some_and(|e| std::ptr::eq(e, entry)).then_some((code, entry, origin))
            })
            .collect()
    }

    /// A charset declared by the API or its vendor.
    pub fn charset(&self, name: &str) -> Option<&'a Charset> {
        self.spec.charsets.get(name).or_else(|| self.vendor.charsets.get(name))
    }

    /// A source declared by the API or its vendor.
    pub fn source(&self, id: &str) -> Option<&'a SourceDef> {
        self.spec.sources.get(id).or_else(|| self.vendor.sources.get(id))
    }
}

/// The result of loading: what decoded, and everything found wrong, in file order.
#[derive(Debug)]
pub struct Loaded {
    pub set: SpecSet,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Loads and checks every `*.yaml` under `dir`. File names in diagnostics are shown as
/// `<dir>/<relative path>`.
pub fn load_dir(dir: &Path) -> Loaded {
    let display = dir.display().to_string();
    load_dir_as(dir, display.trim_end_matches('/'))
}

/// Like [`load_dir`], showing file names under `display_root` instead of `dir` (for stable test output).
pub fn load_dir_as(dir: &Path, display_root: &str) -> Loaded {
    let (sources, mut diagnostics) = read_sources(dir);
    let mut loaded = load_sources(display_root, &sources);
    diagnostics.append(&mut loaded.diagnostics);
    loaded.diagnostics = diagnostics;
    loaded
}

/// Every `*.yaml` / `*.yml` under `dir`, as `(path relative to dir with '/', text)`, sorted by
/// path — the input of [`load_sources`]. Files or directories that cannot be read are reported.
pub fn read_sources(dir: &Path) -> (Vec<(String, String)>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut diagnostics = Vec::new();
    collect_yaml(dir, dir, &mut files, &mut diagnostics);
    files.sort();
    let sources = files
        .into_iter()
        .filter_map(|rel| {
            let path = dir.join(&rel);
            match std::fs::read_to_string(&path) {
                Ok(text) => Some((rel, text)),
                Err(e) => {
                    diagnostics.push(Diagnostic::global(format!("cannot read {}: {e}", path.display())));
                    None
                }
            }
        })
        .collect();
    (sources, diagnostics)
}

fn collect_yaml(root: &Path, dir: &Path, out: &mut Vec<String>, diags: &mut Vec<Diagnostic>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(Diagnostic::global(format!("cannot read directory {}: {e}", dir.display())));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_yaml(root, &path, out, diags);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            && let Ok(rel) = path.strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// Loads and checks specs given as `(path relative to the spec root, text)` — the form used for
/// specs embedded in a binary. `display_root` prefixes the paths in diagnostics.
pub fn load_sources(display_root: &str, sources: &[(String, String)]) -> Loaded {
    let mut cx = Cx::default();
    let mut set = SpecSet::default();
    if sources.is_empty() {
        cx.push(Diagnostic::global(format!("no spec files (*.yaml) found under {display_root}")));
    }
    for (rel, text) in sources {
        let name = if display_root.is_empty() { rel.clone() } else { format!("{display_root}/{rel}") };
        let file = Arc::new(SourceFile { name, text: text.clone() });
        let Some(root) = yaml::parse(&file, &mut cx.diags) else { continue };
        match SpecFile::decode(&root, &mut cx) {
            Some(SpecFile::Vendor(v)) => {
                check::file_identity(rel, &v.id, None, &mut cx);
                set.vendors.push(*v);
            }
            Some(SpecFile::Api(a)) => {
                check::file_identity(rel, &a.id, Some(&a.vendor), &mut cx);
                set.apis.push(*a);
            }
            None => {}
        }
    }
    check::check_set(&set, &mut cx);
    let mut diagnostics = cx.diags;
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| d.loc.as_ref().map(|l| (l.file.name.clone(), l.line, l.col));
        key(a).cmp(&key(b))
    });
    Loaded { set, diagnostics }
}
