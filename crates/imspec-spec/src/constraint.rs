//! Constraints: the rules a value must keep, each kind declared here once — its YAML key and
//! companions, the types it fits, whether a raised limit applies, its rule as the other layers
//! read it (`Rule`), its words in the reference and the limit drift compares.

use std::collections::HashMap;

use serde_json::Value as Json;

use crate::decode::{Cx, Scalar, Spanned};
use crate::diag::Diagnostic;
use crate::primitives::{Code, LenUnit, Note, SourceRef, TypeExpr};
use crate::spec_struct;

spec_struct! {
    /// One rule a value must keep: exactly one kind key (`max_len`, `prefix`, ...) plus the code
    /// the service answers when it is broken.
    pub struct Constraint {
        /// Longest allowed string, in `unit`.
        "max_len" optional max_len: u64,
        /// Shortest allowed string, in `unit`.
        "min_len" optional min_len: u64,
        /// Most items an array may hold.
        "max_items" optional max_items: u64,
        /// Fewest items an array may hold.
        "min_items" optional min_items: u64,
        /// The only values allowed.
        "one_of" optional one_of: Vec<Scalar>,
        /// Text the string must start with.
        "prefix" optional prefix: String,
        /// With `prefix`: longest allowed text after the prefix, in `unit`.
        "rest_max_len" optional rest_max_len: u64,
        /// Name of a declared charset every character must belong to.
        "charset" optional charset: Spanned<String>,
        /// Items of the array must be distinct (by `by`, for arrays of objects).
        "unique" optional unique: bool,
        /// With `unique`: the item field compared.
        "by" optional by: Spanned<String>,
        /// A `$.`-path (wire names) of another field this one must differ from.
        "not_equal" optional not_equal: Spanned<String>,
        /// `now`: the timestamp may not lie in the future.
        "not_after" optional not_after: Spanned<String>,
        /// Longest allowed sum of the lengths of the `of` fields over all items, in `unit`.
        "max_total_len" optional max_total_len: u64,
        /// With `max_total_len`: the item fields summed.
        "of" optional of: Vec<Spanned<String>>,
        /// Smallest allowed integer.
        "min" optional min: i64,
        /// Largest allowed integer.
        "max" optional max: i64,
        /// Unit of a length limit.
        "unit" optional unit: Spanned<LenUnit>,
        /// What the service answers when the rule is broken.
        "code" required code: Spanned<Code>,
        /// The vendor raises this limit on request.
        "raisable" default raisable: bool,
        /// The vendor raises this limit on request, up to this value.
        "raisable_to" optional raisable_to: u64,
        "source" optional source: SourceRef,
        "notes" default notes: Vec<Note>,
    }
}

/// What a kind of constraint applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fits {
    /// Strings (a string enum and a string-or-integer included).
    Strings,
    /// Arrays.
    Arrays,
    /// Integers.
    Integers,
    /// Integer timestamps, whose field says their unit.
    Timestamps,
    /// Any scalar.
    Scalars,
}

/// Whether a kind measures a length, so needs a `unit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitUse {
    /// Always.
    Always,
    /// Only together with this companion key.
    With(&'static str),
    /// Never: a `unit` on it means nothing.
    Never,
}

/// One kind of constraint: its YAML key and what the checker knows of it.
#[derive(Debug, PartialEq, Eq)]
pub struct Kind {
    /// The key that names the kind in a constraint.
    pub key: &'static str,
    /// What it applies to.
    pub fits: Fits,
    /// Whether it needs a `unit`.
    pub unit: UnitUse,
    /// Keys that mean something only on this kind.
    pub companions: &'static [&'static str],
    /// Those of the companions it cannot do without.
    pub needs: &'static [&'static str],
}

pub const MAX_LEN: Kind =
    Kind { key: "max_len", fits: Fits::Strings, unit: UnitUse::Always, companions: &[], needs: &[] };
pub const MIN_LEN: Kind =
    Kind { key: "min_len", fits: Fits::Strings, unit: UnitUse::Always, companions: &[], needs: &[] };
pub const MAX_ITEMS: Kind =
    Kind { key: "max_items", fits: Fits::Arrays, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const MIN_ITEMS: Kind =
    Kind { key: "min_items", fits: Fits::Arrays, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const ONE_OF: Kind = Kind { key: "one_of", fits: Fits::Scalars, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const PREFIX: Kind = Kind {
    key: "prefix",
    fits: Fits::Strings,
    unit: UnitUse::With("rest_max_len"),
    companions: &["rest_max_len"],
    needs: &[],
};
pub const CHARSET: Kind =
    Kind { key: "charset", fits: Fits::Strings, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const UNIQUE: Kind =
    Kind { key: "unique", fits: Fits::Arrays, unit: UnitUse::Never, companions: &["by"], needs: &[] };
pub const NOT_EQUAL: Kind =
    Kind { key: "not_equal", fits: Fits::Scalars, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const NOT_AFTER: Kind =
    Kind { key: "not_after", fits: Fits::Timestamps, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const MAX_TOTAL_LEN: Kind =
    Kind { key: "max_total_len", fits: Fits::Arrays, unit: UnitUse::Always, companions: &["of"], needs: &["of"] };
pub const MIN: Kind = Kind { key: "min", fits: Fits::Integers, unit: UnitUse::Never, companions: &[], needs: &[] };
pub const MAX: Kind = Kind { key: "max", fits: Fits::Integers, unit: UnitUse::Never, companions: &[], needs: &[] };

impl Fits {
    /// What the kind applies to, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Fits::Strings => "strings",
            Fits::Arrays => "arrays",
            Fits::Integers => "integers",
            Fits::Timestamps => "integer timestamps",
            Fits::Scalars => "scalars",
        }
    }
}

/// What a constraint's lint asks of the spec around it (the checker's scope, the field).
pub trait Around {
    /// The type of the value constrained.
    fn ty(&self) -> &TypeExpr;
    /// Whether that type is one the kind applies to.
    fn fits(&self, fits: Fits) -> bool;
    /// Whether the field says the unit of its timestamps.
    fn has_time_unit(&self) -> bool;
    /// The charsets declared.
    fn charsets(&self) -> Vec<String>;
    /// For an array of objects: its items' fields, each with whether it holds text.
    fn item_fields(&self) -> Option<Vec<(String, bool)>>;
    /// Reports a value that is not of the field's type.
    fn check_value(&self, value: &Spanned<Scalar>, cx: &mut Cx);
    /// Reports a `$.`-path that does not lead to a scalar of the request.
    fn check_path(&self, path: &Spanned<String>, cx: &mut Cx);
}

/// Every kind, in the order diagnostics list them.
pub const KINDS: &[&Kind] = &[
    &MAX_LEN,
    &MIN_LEN,
    &MAX_ITEMS,
    &MIN_ITEMS,
    &ONE_OF,
    &PREFIX,
    &CHARSET,
    &UNIQUE,
    &NOT_EQUAL,
    &NOT_AFTER,
    &MAX_TOTAL_LEN,
    &MIN,
    &MAX,
];

/// A constraint's rule, once its kind is known.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    MaxLen { max: u64, unit: LenUnit },
    MinLen { min: u64, unit: LenUnit },
    MaxItems(u64),
    MinItems(u64),
    OneOf(Vec<Scalar>),
    Prefix { prefix: String, rest_max_len: Option<(u64, LenUnit)> },
    Charset(String),
    Unique { by: Option<String> },
    NotEqual(String),
    NotAfterNow,
    MaxTotalLen { max: u64, unit: LenUnit, of: Vec<String> },
    Min(i64),
    Max(i64),
}

/// What an upper limit counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// A length, in this unit.
    Len(LenUnit),
    /// Items of an array.
    Items,
}

impl Rule {
    /// The rule's kind.
    pub fn kind(&self) -> &'static Kind {
        match self {
            Rule::MaxLen { .. } => &MAX_LEN,
            Rule::MinLen { .. } => &MIN_LEN,
            Rule::MaxItems(_) => &MAX_ITEMS,
            Rule::MinItems(_) => &MIN_ITEMS,
            Rule::OneOf(_) => &ONE_OF,
            Rule::Prefix { .. } => &PREFIX,
            Rule::Charset(_) => &CHARSET,
            Rule::Unique { .. } => &UNIQUE,
            Rule::NotEqual(_) => &NOT_EQUAL,
            Rule::NotAfterNow => &NOT_AFTER,
            Rule::MaxTotalLen { .. } => &MAX_TOTAL_LEN,
            Rule::Min(_) => &MIN,
            Rule::Max(_) => &MAX,
        }
    }

    /// The documented limit a vendor's raise replaces: the generated check of these kinds
    /// reads the client's (possibly raised) limit, every other kind its documented value, so
    /// only these may be `raisable`.
    pub fn raisable_limit(&self) -> Option<u64> {
        match self {
            Rule::MaxLen { max, .. } | Rule::MaxItems(max) | Rule::MaxTotalLen { max, .. } => Some(*max),
            Rule::MinLen { .. }
            | Rule::MinItems(_)
            | Rule::OneOf(_)
            | Rule::Prefix { .. }
            | Rule::Charset(_)
            | Rule::Unique { .. }
            | Rule::NotEqual(_)
            | Rule::NotAfterNow
            | Rule::Min(_)
            | Rule::Max(_) => None,
        }
    }

    /// The upper limit the rule puts on a length or a count, as a page would state it (what
    /// drift compares with the page's text).
    pub fn upper_limit(&self) -> Option<(u64, Measure)> {
        match self {
            Rule::MaxLen { max, unit } | Rule::MaxTotalLen { max, unit, .. } => Some((*max, Measure::Len(*unit))),
            Rule::Prefix { rest_max_len: Some((max, unit)), .. } => Some((*max, Measure::Len(*unit))),
            Rule::MaxItems(max) => Some((*max, Measure::Items)),
            Rule::Prefix { rest_max_len: None, .. }
            | Rule::MinLen { .. }
            | Rule::MinItems(_)
            | Rule::OneOf(_)
            | Rule::Charset(_)
            | Rule::Unique { .. }
            | Rule::NotEqual(_)
            | Rule::NotAfterNow
            | Rule::Min(_)
            | Rule::Max(_) => None,
        }
    }

    /// The rule in words, for the reference: `≤ 8 bytes`, `one of `0`, `1``.
    pub fn describe(&self) -> String {
        match self {
            Rule::MaxLen { max, unit } => format!("≤ {max} {unit}"),
            Rule::MinLen { min, unit } => format!("≥ {min} {unit}"),
            Rule::MaxItems(n) => format!("≤ {n} items"),
            Rule::MinItems(n) => format!("≥ {n} items"),
            Rule::OneOf(vs) => {
                format!("one of {}", vs.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", "))
            }
            Rule::Prefix { prefix, rest_max_len: Some((n, unit)) } => format!("`{prefix}` + ≤ {n} {unit}"),
            Rule::Prefix { prefix, rest_max_len: None } => format!("starts with `{prefix}`"),
            Rule::Charset(name) => format!("charset `{name}`"),
            Rule::Unique { by: Some(by) } => format!("`{by}` unique"),
            Rule::Unique { by: None } => "unique".into(),
            Rule::NotEqual(p) => format!("≠ `{p}`"),
            Rule::NotAfterNow => "not in the future".into(),
            Rule::MaxTotalLen { max, unit, of } => format!("Σ {} ≤ {max} {unit}", of.join("+")),
            Rule::Min(n) => format!("≥ {n}"),
            Rule::Max(n) => format!("≤ {n}"),
        }
    }
}

impl Constraint {
    /// Each kind key present, with its rule when its companions are complete.
    fn found(&self) -> Vec<(&'static Kind, Option<Rule>)> {
        let unit = self.unit.as_ref().map(|u| u.value);
        let text = |s: &Option<Spanned<String>>| s.as_ref().map(|s| s.value.clone());
        let mut found = Vec::new();
        if let Some(max) = self.max_len {
            found.push((&MAX_LEN, unit.map(|unit| Rule::MaxLen { max, unit })));
        }
        if let Some(min) = self.min_len {
            found.push((&MIN_LEN, unit.map(|unit| Rule::MinLen { min, unit })));
        }
        if let Some(max) = self.max_items {
            found.push((&MAX_ITEMS, Some(Rule::MaxItems(max))));
        }
        if let Some(min) = self.min_items {
            found.push((&MIN_ITEMS, Some(Rule::MinItems(min))));
        }
        if let Some(values) = &self.one_of {
            found.push((&ONE_OF, Some(Rule::OneOf(values.clone()))));
        }
        if let Some(prefix) = &self.prefix {
            let rule = match self.rest_max_len {
                Some(n) => unit.map(|unit| Rule::Prefix { prefix: prefix.clone(), rest_max_len: Some((n, unit)) }),
                None => Some(Rule::Prefix { prefix: prefix.clone(), rest_max_len: None }),
            };
            found.push((&PREFIX, rule));
        }
        if let Some(name) = text(&self.charset) {
            found.push((&CHARSET, Some(Rule::Charset(name))));
        }
        if self.unique.is_some() {
            found.push((&UNIQUE, Some(Rule::Unique { by: text(&self.by) })));
        }
        if let Some(path) = text(&self.not_equal) {
            found.push((&NOT_EQUAL, Some(Rule::NotEqual(path))));
        }
        if self.not_after.is_some() {
            found.push((&NOT_AFTER, Some(Rule::NotAfterNow)));
        }
        if let Some(max) = self.max_total_len {
            let of = self.of.as_ref().map(|of| of.iter().map(|s| s.value.clone()).collect());
            found.push((&MAX_TOTAL_LEN, unit.zip(of).map(|(unit, of)| Rule::MaxTotalLen { max, unit, of })));
        }
        if let Some(min) = self.min {
            found.push((&MIN, Some(Rule::Min(min))));
        }
        if let Some(max) = self.max {
            found.push((&MAX, Some(Rule::Max(max))));
        }
        found
    }

    /// The kinds present.
    pub fn kinds(&self) -> Vec<&'static Kind> {
        self.found().into_iter().map(|(k, _)| k).collect()
    }

    /// The companion keys present (`by`, `of`, `rest_max_len`), each with the kind it goes with.
    pub fn companions(&self) -> Vec<(&'static str, &'static Kind)> {
        let present =
            [("by", self.by.is_some()), ("of", self.of.is_some()), ("rest_max_len", self.rest_max_len.is_some())];
        present
            .into_iter()
            .filter(|(_, p)| *p)
            .filter_map(|(key, _)| {
                KINDS.iter().copied().find(|k| k.companions.contains(&key)).map(|owner| (key, owner))
            })
            .collect()
    }

    /// The rule, when the constraint is well formed (exactly one kind, its companions present).
    /// The checker reports why when it is not.
    pub fn rule(&self) -> Option<Rule> {
        let mut found = self.found();
        if found.len() != 1 {
            return None;
        }
        found.pop().and_then(|(_, rule)| rule)
    }

    /// The constraint in words, e.g. `≤ 8 bytes → 1` for a `max_len` of 8 bytes with code 1.
    pub fn describe(&self) -> String {
        let raise = match (self.raisable_to, self.raisable) {
            (Some(to), _) => format!(" (raisable to {to})"),
            (None, true) => " (raisable)".into(),
            _ => String::new(),
        };
        let rule = self.rule().map_or_else(|| "(malformed)".to_owned(), |r| r.describe());
        format!("{rule}{raise} → {}", self.code.value)
    }
}

impl Constraint {
    /// Everything wrong with the constraint where it stands (its code aside): its kind, its
    /// companions and unit, the type it is on, a raise it cannot take, its own parameters.
    pub fn lint(&self, around: &dyn Around, cx: &mut Cx) {
        let kinds = self.kinds();
        let kind = match kinds[..] {
            [kind] => kind,
            [] => {
                let keys: Vec<&str> = KINDS.iter().map(|k| k.key).collect();
                cx.push(
                    Diagnostic::error(&self.loc, "a constraint needs a kind")
                        .help(format!("use exactly one of: {}", keys.join(", "))),
                );
                return;
            }
            _ => {
                let keys: Vec<&str> = kinds.iter().map(|k| k.key).collect();
                cx.push(
                    Diagnostic::error(
                        &self.loc,
                        format!("a constraint has exactly one kind, found {}", keys.join(", ")),
                    )
                    .help("split it into one constraint per kind"),
                );
                return;
            }
        };
        let key = kind.key;
        let companions = self.companions();
        let needs_unit = match kind.unit {
            UnitUse::Always => true,
            UnitUse::With(companion) => companions.iter().any(|(k, _)| *k == companion),
            UnitUse::Never => false,
        };
        match (&self.unit, needs_unit) {
            (None, true) => cx.push(
                Diagnostic::error(&self.loc, format!("`{key}` needs a `unit`"))
                    .help("say what is counted: `unit: bytes` (UTF-8 bytes) or `unit: chars` (characters)"),
            ),
            (Some(u), false) => {
                cx.push(Diagnostic::error(&u.loc, format!("`unit` has no meaning on `{key}`")).help("remove it"))
            }
            _ => {}
        }
        for (companion, owner) in &companions {
            if *owner != kind {
                cx.push(Diagnostic::error(&self.loc, format!("`{companion}` goes with `{}`", owner.key)));
            }
        }
        for needed in kind.needs {
            if !companions.iter().any(|(k, _)| k == needed) {
                cx.push(Diagnostic::error(&self.loc, format!("`{key}` needs `{needed}`")));
            }
        }
        if !around.fits(kind.fits) {
            cx.push(
                Diagnostic::error(
                    &self.loc,
                    format!("`{key}` applies to {}, but the field is `{}`", kind.fits.describe(), around.ty()),
                )
                .help("move the rule to a field of the right type, or use `items` for array elements"),
            );
        }
        let Some(rule) = self.rule() else { return };
        if self.raisable || self.raisable_to.is_some() {
            match rule.raisable_limit() {
                None => cx.push(
                    Diagnostic::error(&self.loc, format!("`{key}` is not raisable: its check always uses the documented value"))
                        .help("a vendor raises an upper limit (`max_len`, `max_items`, `max_total_len`); remove `raisable` here"),
                ),
                Some(limit) => {
                    if let Some(to) = self.raisable_to
                        && to <= limit
                    {
                        cx.push(Diagnostic::error(
                            &self.loc,
                            format!("`raisable_to: {to}` does not raise the limit of {limit}"),
                        ));
                    }
                }
            }
        }
        self.lint_parameters(&rule, around, cx);
    }

    /// What each kind checks of its own parameters.
    fn lint_parameters(&self, rule: &Rule, around: &dyn Around, cx: &mut Cx) {
        match rule {
            Rule::NotAfterNow => {
                if around.fits(Fits::Timestamps) && !around.has_time_unit() {
                    cx.push(
                        Diagnostic::error(&self.loc, "`not_after` needs the field's `unit` (`ms` or `s`)")
                            .help("add `unit: ms` or `unit: s` to the field"),
                    );
                }
                if let Some(v) = &self.not_after
                    && v.value != "now"
                {
                    cx.push(
                        Diagnostic::error(&v.loc, format!("`not_after: {}` is not understood", v.value))
                            .help("write `not_after: now`"),
                    );
                }
            }
            Rule::Charset(_) => {
                let names = around.charsets();
                if let Some(name) = &self.charset
                    && !names.contains(&name.value)
                {
                    let d = Diagnostic::error(&name.loc, format!("unknown charset `{}`", name.value));
                    cx.push(d.suggest(&name.value, names.iter().map(String::as_str), "declare it under `charsets`"));
                }
            }
            Rule::Unique { .. } => {
                match (&self.by, around.item_fields()) {
                    (Some(by), Some(fields)) if !fields.iter().any(|(f, _)| *f == by.value) => {
                        let keys: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
                        let d = Diagnostic::error(&by.loc, format!("`{}` is not a field of the items", by.value));
                        cx.push(d.suggest(&by.value, keys.iter().copied(), format!("fields: {}", keys.join(", "))));
                    }
                    (None, Some(_)) => {
                        cx.push(Diagnostic::error(&self.loc, "`unique` on an array of objects needs `by: <field>`"))
                    }
                    (Some(by), None) => cx.push(Diagnostic::error(&by.loc, "`by` needs an array of objects")),
                    _ => {}
                }
                if self.unique == Some(false) {
                    cx.push(
                        Diagnostic::warning(&self.loc, "`unique: false` checks nothing").help("remove the constraint"),
                    );
                }
            }
            Rule::MaxTotalLen { .. } => match around.item_fields() {
                Some(fields) => {
                    for f in self.of.iter().flatten() {
                        match fields.iter().find(|(name, _)| *name == f.value) {
                            None => {
                                cx.push(Diagnostic::error(&f.loc, format!("`{}` is not a field of the items", f.value)))
                            }
                            Some((_, false)) => {
                                cx.push(Diagnostic::error(&f.loc, format!("`{}` is not a string field", f.value)))
                            }
                            Some((_, true)) => {}
                        }
                    }
                }
                None => cx.push(Diagnostic::error(&self.loc, "`max_total_len` sums fields of an array of objects")),
            },
            Rule::OneOf(values) => {
                for v in values {
                    around.check_value(&Spanned { value: v.clone(), loc: self.loc.clone() }, cx);
                }
            }
            Rule::NotEqual(_) => {
                if let Some(path) = &self.not_equal {
                    around.check_path(path, cx);
                }
            }
            Rule::MaxLen { .. }
            | Rule::MinLen { .. }
            | Rule::MaxItems(_)
            | Rule::MinItems(_)
            | Rule::Prefix { .. }
            | Rule::Min(_)
            | Rule::Max(_) => {}
        }
    }
}

/// A value a rule is checked on: where it is, and what the rule may ask of the request around it.
pub trait Instance {
    /// The value's JSON path, e.g. `$.Items[0].Id`.
    fn path(&self) -> &str;
    /// The value at a `$.`-path of the request.
    fn resolve(&self, path: &str) -> Option<&Json>;
    /// Whether the value is never shown in messages.
    fn sensitive(&self) -> bool;
    /// "Now", in the unit of the field's timestamps.
    fn now(&self) -> i64;
    /// Membership in the named charset, when it is declared.
    fn charset(&self, name: &str) -> Option<Box<dyn Fn(char) -> bool + '_>>;
}

impl Rule {
    /// Reports, as (JSON path, message), each way `value` breaks the rule: how the spec itself
    /// reads it, which the generated validators are tested against.
    pub fn violations(&self, value: &Json, at: &dyn Instance, report: &mut dyn FnMut(String, String)) {
        match *self {
            Rule::MaxLen { max, unit } => {
                if let Some(s) = value.as_str() {
                    let n = measure(s, unit);
                    if n > max {
                        report(at.path().to_owned(), format!("is {n} {unit} long; at most {max} {unit} allowed"));
                    }
                }
            }
            Rule::MinLen { min, unit } => {
                if let Some(s) = value.as_str() {
                    let n = measure(s, unit);
                    if n < min {
                        report(at.path().to_owned(), format!("is {n} {unit} long; at least {min} {unit} required"));
                    }
                }
            }
            Rule::MaxItems(max) => {
                if let Some(a) = value.as_array()
                    && a.len() as u64 > max
                {
                    report(at.path().to_owned(), format!("holds {} items; at most {max} allowed", a.len()));
                }
            }
            Rule::MinItems(min) => {
                if let Some(a) = value.as_array()
                    && (a.len() as u64) < min
                {
                    report(at.path().to_owned(), format!("holds {} items; at least {min} required", a.len()));
                }
            }
            Rule::OneOf(ref allowed) => {
                if !allowed.iter().any(|a| scalar_eq(a, value)) {
                    let list: Vec<String> = allowed.iter().map(|a| a.to_string()).collect();
                    let shown = if at.sensitive() { "the value".to_owned() } else { format!("`{}`", show(value)) };
                    report(at.path().to_owned(), format!("{shown} is not one of {}", list.join(", ")));
                }
            }
            Rule::Prefix { ref prefix, rest_max_len } => {
                if let Some(s) = value.as_str() {
                    match s.strip_prefix(prefix.as_str()) {
                        None => report(at.path().to_owned(), format!("must start with `{prefix}`")),
                        Some(rest) => {
                            if let Some((max, unit)) = rest_max_len {
                                let n = measure(rest, unit);
                                if n > max {
                                    report(
                                        at.path().to_owned(),
                                        format!("has {n} {unit} after `{prefix}`; at most {max} {unit} allowed"),
                                    );
                                }
                            }
                        }
                    }
                }
            }
            Rule::Charset(ref name) => {
                if let (Some(s), Some(set)) = (value.as_str(), at.charset(name))
                    && let Some((i, bad)) = s.chars().enumerate().find(|(_, ch)| !set(*ch))
                {
                    let what = if at.sensitive() { "a character".to_owned() } else { format!("`{bad}`") };
                    report(
                        at.path().to_owned(),
                        format!("contains {what} (at character {i}) outside the `{name}` charset"),
                    );
                }
            }
            Rule::Unique { ref by } => {
                if let Some(items) = value.as_array() {
                    let mut seen: HashMap<String, usize> = HashMap::new();
                    for (i, item) in items.iter().enumerate() {
                        let key = match &by {
                            Some(by) => item.get(by),
                            None => Some(item),
                        };
                        let Some(key) = key else { continue };
                        if let Some(first) = seen.insert(key.to_string(), i) {
                            let (p, what) = match &by {
                                Some(by) => (format!("{}[{i}].{by}", at.path()), format!("`{by}`")),
                                None => (format!("{}[{i}]", at.path()), "value".to_owned()),
                            };
                            report(p, format!("repeats the {what} of item {first}"));
                            seen.insert(key.to_string(), first);
                        }
                    }
                }
            }
            Rule::NotEqual(ref other) => {
                if let Some(o) = at.resolve(other)
                    && o == value
                {
                    report(at.path().to_owned(), format!("must differ from {other}"));
                }
            }
            Rule::NotAfterNow => {
                if let Some(t) = value.as_i64()
                    && t > at.now()
                {
                    report(at.path().to_owned(), format!("{t} lies in the future (now is {})", at.now()));
                }
            }
            Rule::MaxTotalLen { max, unit, ref of } => {
                if let Some(items) = value.as_array() {
                    let total: u64 = items
                        .iter()
                        .flat_map(|item| of.iter().filter_map(move |f| item.get(f)?.as_str()))
                        .map(|s| measure(s, unit))
                        .sum();
                    if total > max {
                        report(
                            at.path().to_owned(),
                            format!("{} total {total} {unit}; at most {max} {unit} allowed", of.join(" + ")),
                        );
                    }
                }
            }
            Rule::Min(min) => {
                if let Some(n) = value.as_i64()
                    && n < min
                {
                    report(at.path().to_owned(), format!("is {n}; at least {min} required"));
                }
            }
            Rule::Max(max) => {
                if let Some(n) = value.as_i64()
                    && n > max
                {
                    report(at.path().to_owned(), format!("is {n}; at most {max} allowed"));
                }
            }
        }
    }
}

/// Length of `s` in `unit`: UTF-8 bytes or Unicode scalar values.
pub fn measure(s: &str, unit: LenUnit) -> u64 {
    match unit {
        LenUnit::Bytes => s.len() as u64,
        LenUnit::Chars => s.chars().count() as u64,
    }
}

fn scalar_eq(a: &Scalar, v: &Json) -> bool {
    match (a, v) {
        (Scalar::Str(s), Json::String(t)) => s == t,
        (Scalar::Int(i), Json::Number(n)) => n.as_i64() == Some(*i),
        (Scalar::Bool(b), Json::Bool(c)) => b == c,
        _ => false,
    }
}

fn show(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
