//! Diagnostics: where in which spec, what is wrong, and how to fix it — rendered like rustc.

use std::fmt::{self, Write as _};
use std::sync::Arc;

/// A loaded spec file's text, kept so diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as the user gave it (relative to the spec directory's parent when loaded from a dir).
    pub name: String,
    /// The file's full text.
    pub text: String,
}

/// A position in a spec file: 1-based line and column (in characters), the YAML path of the
/// node, and how many characters to underline.
#[derive(Clone)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub line: usize,
    pub col: usize,
    pub len: usize,
    /// The node's YAML path, e.g. `types.FriendInfo.fields.UserId.constraints[0]`.
    pub path: Arc<str>,
}

impl fmt::Debug for Loc {
    // The file text is not worth printing; where the node is, is.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{} ({})", self.file.name, self.line, self.col, self.path)
    }
}

impl Loc {
    /// `file:line:col`, the form editors and terminals turn into links.
    pub fn position(&self) -> String {
        format!("{}:{}:{}", self.file.name, self.line, self.col)
    }

    /// The same place with a different YAML path (for a child not present in the file).
    pub fn with_path(&self, path: impl Into<Arc<str>>) -> Loc {
        Loc { path: path.into(), ..self.clone() }
    }
}

/// How bad a diagnostic is. Errors fail `cargo xtask lint`; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a spec.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// Absent only for problems with no file to point at (an empty spec directory).
    pub loc: Option<Loc>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(loc: &Loc, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            loc: Some(loc.clone()),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn warning(loc: &Loc, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(loc, message) }
    }

    /// A diagnostic about the spec set as a whole, with no position.
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), loc: None, help: None, notes: Vec::new() }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Help that says "did you mean `x`?" when one of `candidates` is close to `got`, and
    /// `otherwise` when none is.
    pub fn suggest<'a>(
        self,
        got: &str,
        candidates: impl IntoIterator<Item = &'a str>,
        otherwise: impl Into<String>,
    ) -> Self {
        match did_you_mean(got, candidates) {
            Some(hint) => self.help(hint),
            None => self.help(otherwise),
        }
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders like rustc: severity and message, `--> file:line:col`, the quoted line with a
    /// caret underline, the YAML path, then notes and help.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{level}: {}", self.message);
        if let Some(loc) = &self.loc {
            let line_text = loc.file.text.lines().nth(loc.line.saturating_sub(1)).unwrap_or("");
            let gutter = loc.line.to_string().len();
            let pad = " ".repeat(gutter);
            let _ = writeln!(out, "{pad}--> {}", loc.position());
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", loc.line, line_text.replace('\t', " "));
            let indent = " ".repeat(loc.col.saturating_sub(1));
            let width = loc.len.max(1);
            let _ = writeln!(out, "{pad} | {indent}{}", "^".repeat(width));
            if !loc.path.is_empty() {
                let _ = writeln!(out, "{pad} = at: {}", loc.path);
            }
        }
        let pad = match &self.loc {
            Some(loc) => " ".repeat(loc.line.to_string().len()),
            None => String::new(),
        };
        for note in &self.notes {
            let _ = writeln!(out, "{pad} = note: {note}");
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "{pad} = help: {help}");
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

/// Renders many diagnostics, separated by blank lines, with a rustc-like summary line.
pub fn render_all(diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        out.push_str(&d.render());
        out.push('\n');
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    match (errors, warnings) {
        (0, 0) => {}
        (0, w) => {
            let _ = writeln!(out, "warning: {w} warning{}", plural(w));
        }
        (e, 0) => {
            let _ = writeln!(out, "error: {e} error{}", plural(e));
        }
        (e, w) => {
            let _ = writeln!(out, "error: {e} error{}; {w} warning{}", plural(e), plural(w));
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "did you mean `x`?" for a misspelt name, when one candidate is close enough.
pub fn did_you_mean<'a>(got: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let lower = got.to_lowercase();
    // Numeric codes share long prefixes, which prefix-weighted similarity overrates: for them,
    // only a typo or two away counts as close.
    let numeric = !got.is_empty() && got.bytes().all(|b| b.is_ascii_digit());
    candidates
        .into_iter()
        .filter_map(|c| {
            let score = if numeric {
                let d = strsim::levenshtein(got, c);
                (d <= 1).then_some(1.0 - d as f64 / 10.0)?
            } else {
                strsim::jaro_winkler(&lower, &c.to_lowercase())
            };
            (score >= 0.8).then_some((score, c))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| format!("did you mean `{c}`?"))
}

/// "expected one of `a`, `b`, `c`" — the full list, for small closed sets.
pub fn one_of_list<'a>(candidates: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    items.join(", ")
}
