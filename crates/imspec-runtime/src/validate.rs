//! Validation primitives the generated validators call. They know rules, never vendors: every
//! limit, unit, code and field name arrives as an argument from generated code.
//!
//! Nothing here allocates unless a rule is broken: paths are built on the stack and rendered
//! only into a [`Violation`].

use std::fmt;
use std::hash::{Hash, Hasher};

use crate::code::Code;

/// A JSON path built on the stack while validators descend: `$.Items[3].Id`.
#[derive(Debug, Clone, Copy)]
pub enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'static str),
    Index(&'a Path<'a>, usize),
}

impl<'a> Path<'a> {
    pub fn field(&'a self, name: &'static str) -> Path<'a> {
        Path::Field(self, name)
    }

    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path::Index(self, i)
    }
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Root => f.write_str("$"),
            Path::Field(parent, name) => write!(f, "{parent}.{name}"),
            Path::Index(parent, i) => write!(f, "{parent}[{i}]"),
        }
    }
}

/// Unit of a length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LenUnit {
    /// UTF-8 bytes.
    Bytes,
    /// Unicode scalar values.
    Chars,
}

impl LenUnit {
    pub fn measure(self, s: &str) -> u64 {
        match self {
            LenUnit::Bytes => s.len() as u64,
            LenUnit::Chars => s.chars().count() as u64,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LenUnit::Bytes => "bytes",
            LenUnit::Chars => "chars",
        }
    }
}

/// Unit of an integer timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Millis,
    Seconds,
}

/// Which rule a violation broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A required field is absent.
    Required,
    /// The value has the wrong JSON type.
    Type,
    /// A string is not one of the enum's values.
    Enum,
    MaxLen,
    MinLen,
    MaxItems,
    MinItems,
    OneOf,
    Prefix,
    Charset,
    Unique,
    NotEqual,
    NotAfter,
    MaxTotalLen,
    Min,
    Max,
    /// More items than one call may carry.
    Batch,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Required => "required",
            Rule::Type => "type",
            Rule::Enum => "enum",
            Rule::MaxLen => "max_len",
            Rule::MinLen => "min_len",
            Rule::MaxItems => "max_items",
            Rule::MinItems => "min_items",
            Rule::OneOf => "one_of",
            Rule::Prefix => "prefix",
            Rule::Charset => "charset",
            Rule::Unique => "unique",
            Rule::NotEqual => "not_equal",
            Rule::NotAfter => "not_after",
            Rule::MaxTotalLen => "max_total_len",
            Rule::Min => "min",
            Rule::Max => "max",
            Rule::Batch => "batch",
        }
    }
}

/// One broken rule: where, which rule, the limit and the actual size, and what the vendor would
/// answer. Never carries the value of a field marked sensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON path, e.g. `$.Items[0].Id`.
    pub path: String,
    pub rule: Rule,
    /// The vendor code the service answers for it.
    pub code: Code,
    /// The documented (or raised) limit, when the rule has one.
    pub limit: Option<i64>,
    /// `bytes` / `chars` for lengths.
    pub unit: Option<LenUnit>,
    /// The measured size or value, when the rule has one.
    pub actual: Option<i64>,
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} [{}]", self.path, self.message, self.code)
    }
}

/// A set of characters: inclusive ranges plus single characters (from a spec's `charsets`),
/// with the ASCII members precomputed as a table by the generator.
#[derive(Debug, Clone, Copy)]
pub struct Charset {
    pub name: &'static str,
    pub ranges: &'static [(char, char)],
    pub chars: &'static str,
    /// `ascii[c]` tells whether ASCII character `c` belongs to the set.
    pub ascii: [bool; 128],
}

impl Charset {
    /// Builds the ASCII table of `ranges` and `chars` (usable in constants).
    pub const fn ascii_table(ranges: &[(char, char)], chars: &str) -> [bool; 128] {
        let mut table = [false; 128];
        let mut c = 0u32;
        while c < 128 {
            let mut i = 0;
            while i < ranges.len() {
                if ranges[i].0 as u32 <= c && c <= ranges[i].1 as u32 {
                    table[c as usize] = true;
                }
                i += 1;
            }
            c += 1;
        }
        let bytes = chars.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] < 128 {
                table[bytes[i] as usize] = true;
            }
            i += 1;
        }
        table
    }

    #[inline]
    pub fn contains(&self, c: char) -> bool {
        if c.is_ascii() {
            return self.ascii[c as usize];
        }
        self.ranges.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) || self.chars.contains(c)
    }
}

/// Collects violations. Starts empty without allocating.
#[derive(Debug, Clone)]
pub struct Violations {
    list: Vec<Violation>,
    now_ms: i64,
    /// At most this many are kept; the rest are only counted.
    keep: usize,
    dropped: usize,
}

impl Violations {
    /// Validation at "now" = the system clock.
    pub fn new() -> Self {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(i64::MAX);
        Violations::at(now_ms)
    }

    /// Validation at a fixed "now" (Unix milliseconds), for `not_after: now` rules.
    pub fn at(now_ms: i64) -> Self {
        Violations { list: Vec::new(), now_ms, keep: usize::MAX, dropped: 0 }
    }

    /// Keeps the first `keep` violations and only counts the others ([`Violations::dropped`]),
    /// so that reporting on a huge, badly broken body stays small.
    pub fn bounded(mut self, keep: usize) -> Self {
        self.keep = keep;
        self
    }

    /// Violations found beyond the bound, counted but not kept.
    pub fn dropped(&self) -> usize {
        self.dropped
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn as_slice(&self) -> &[Violation] {
        &self.list
    }

    pub fn into_vec(self) -> Vec<Violation> {
        self.list
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        path: &Path<'_>,
        rule: Rule,
        code: Code,
        limit: Option<i64>,
        unit: Option<LenUnit>,
        actual: Option<i64>,
        message: String,
    ) {
        if self.list.len() >= self.keep {
            self.dropped += 1;
            return;
        }
        self.list.push(Violation { path: path.to_string(), rule, code, limit, unit, actual, message });
    }

    /// Records a problem with a path or query parameter, at path `params.<name>`.
    pub fn param(&mut self, name: &str, rule: Rule, code: Code, message: String) {
        if self.list.len() >= self.keep {
            self.dropped += 1;
            return;
        }
        self.list.push(Violation {
            path: format!("params.{name}"),
            rule,
            code,
            limit: None,
            unit: None,
            actual: None,
            message,
        });
    }

    /// Records a schema problem (missing field, wrong type, value outside an enum).
    pub fn schema(&mut self, path: &Path<'_>, rule: Rule, code: Code, message: impl Into<String>) {
        self.push(path, rule, code, None, None, None, message.into());
    }

    #[inline]
    pub fn max_len(&mut self, path: &Path<'_>, s: &str, max: u64, unit: LenUnit, code: Code) {
        // Bytes bound chars from above: a string short in bytes needs no char count.
        if (s.len() as u64) <= max {
            return;
        }
        let n = unit.measure(s);
        if n > max {
            self.too_long(path, Rule::MaxLen, code, n, max, unit, "is", " long");
        }
    }

    /// Reports a length over its limit: "{what} {n} {unit}{tail}; at most {max} {unit} allowed".
    #[allow(clippy::too_many_arguments)]
    fn too_long(
        &mut self,
        path: &Path<'_>,
        rule: Rule,
        code: Code,
        n: u64,
        max: u64,
        unit: LenUnit,
        what: &str,
        tail: &str,
    ) {
        let u = unit.as_str();
        let message = format!("{what} {n} {u}{tail}; at most {max} {u} allowed");
        self.push(path, rule, code, Some(max as i64), Some(unit), Some(n as i64), message);
    }

    pub fn min_len(&mut self, path: &Path<'_>, s: &str, min: u64, unit: LenUnit, code: Code) {
        let n = unit.measure(s);
        if n < min {
            let u = unit.as_str();
            self.push(
                path,
                Rule::MinLen,
                code,
                Some(min as i64),
                Some(unit),
                Some(n as i64),
                format!("is {n} {u} long; at least {min} {u} required"),
            );
        }
    }

    #[inline]
    pub fn max_items(&mut self, path: &Path<'_>, len: usize, max: u64, code: Code) {
        if len as u64 > max {
            self.push(
                path,
                Rule::MaxItems,
                code,
                Some(max as i64),
                None,
                Some(len as i64),
                format!("holds {len} items; at most {max} allowed"),
            );
        }
    }

    pub fn min_items(&mut self, path: &Path<'_>, len: usize, min: u64, code: Code) {
        if (len as u64) < min {
            self.push(
                path,
                Rule::MinItems,
                code,
                Some(min as i64),
                None,
                Some(len as i64),
                format!("holds {len} items; at least {min} required"),
            );
        }
    }

    /// More items than one call may carry (the batch dimension).
    #[inline]
    pub fn batch(&mut self, path: &Path<'_>, len: usize, max: u64, code: Code) {
        if len as u64 > max {
            self.push(
                path,
                Rule::Batch,
                code,
                Some(max as i64),
                None,
                Some(len as i64),
                format!("holds {len} items; at most {max} per call"),
            );
        }
    }

    pub fn one_of_str(&mut self, path: &Path<'_>, s: &str, allowed: &[&str], code: Code, sensitive: bool) {
        if !allowed.contains(&s) {
            let shown = if sensitive { "the value".to_owned() } else { format!("`{s}`") };
            self.push(
                path,
                Rule::OneOf,
                code,
                None,
                None,
                None,
                format!("{shown} is not one of {}", allowed.join(", ")),
            );
        }
    }

    pub fn one_of_int(&mut self, path: &Path<'_>, n: i64, allowed: &[i64], code: Code) {
        if !allowed.contains(&n) {
            let list: Vec<String> = allowed.iter().map(i64::to_string).collect();
            self.push(path, Rule::OneOf, code, None, None, Some(n), format!("`{n}` is not one of {}", list.join(", ")));
        }
    }

    #[inline]
    pub fn prefix(&mut self, path: &Path<'_>, s: &str, prefix: &str, rest_max: Option<(u64, LenUnit)>, code: Code) {
        match s.strip_prefix(prefix) {
            None => self.push(path, Rule::Prefix, code, None, None, None, format!("must start with `{prefix}`")),
            Some(rest) => {
                if let Some((max, unit)) = rest_max {
                    let n = unit.measure(rest);
                    if n > max {
                        self.too_long(path, Rule::Prefix, code, n, max, unit, "has", &format!(" after `{prefix}`"));
                    }
                }
            }
        }
    }

    pub fn charset(&mut self, path: &Path<'_>, s: &str, set: &Charset, code: Code, sensitive: bool) {
        // The common case, all ASCII, is a table lookup per byte.
        if s.bytes().all(|b| b < 128 && set.ascii[usize::from(b)]) {
            return;
        }
        if let Some((i, bad)) = s.chars().enumerate().find(|(_, c)| !set.contains(*c)) {
            let what = if sensitive { "a character".to_owned() } else { format!("`{bad}`") };
            self.push(
                path,
                Rule::Charset,
                code,
                None,
                None,
                None,
                format!("contains {what} (at character {i}) outside the `{}` charset", set.name),
            );
        }
    }

    /// Items whose keys repeat an earlier item's; `keys` yields `None` for items without one.
    /// `by` names the compared field (reported as `[i].by`), or `None` for arrays of scalars.
    /// Linear in the number of items: small arrays hash into a stack array, larger ones into a
    /// hash map of first occurrences.
    pub fn unique<'k, K: Eq + Hash + ?Sized + 'k>(
        &mut self,
        path: &Path<'_>,
        keys: impl Iterator<Item = Option<&'k K>> + Clone,
        by: Option<&'static str>,
        code: Code,
    ) {
        // Up to 64 items, each key is hashed into a stack array and keys are compared only when
        // their hashes are equal: no allocation unless a repeat is reported.
        let n = keys.clone().count();
        if n <= 64 {
            let mut hashes = [0u64; 64];
            for (i, key) in keys.clone().enumerate() {
                let Some(key) = key else { continue };
                let h = hash_of(key);
                hashes[i] = h;
                let earlier = hashes[..i].iter().zip(keys.clone()).position(|(&eh, k)| eh == h && k == Some(key));
                if let Some(first) = earlier {
                    self.repeat(path, i, first, by, &code);
                }
            }
            return;
        }
        let mut first_at: std::collections::HashMap<&K, usize> = std::collections::HashMap::with_capacity(n);
        for (i, key) in keys.enumerate() {
            let Some(key) = key else { continue };
            match first_at.entry(key) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    let first = *e.get();
                    self.repeat(path, i, first, by, &code);
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
    }

    fn repeat(&mut self, path: &Path<'_>, i: usize, first: usize, by: Option<&'static str>, code: &Code) {
        let at = path.index(i);
        let (p, what) = match by {
            Some(by) => (at.field(by), format!("`{by}`")),
            None => (at, "value".to_owned()),
        };
        self.push(&p, Rule::Unique, code.clone(), None, None, None, format!("repeats the {what} of item {first}"));
    }

    #[inline]
    pub fn not_equal<T: PartialEq + ?Sized>(
        &mut self,
        path: &Path<'_>,
        value: &T,
        other: Option<&T>,
        other_path: &str,
        code: Code,
    ) {
        if other.is_some_and(|o| o == value) {
            self.push(path, Rule::NotEqual, code, None, None, None, format!("must differ from {other_path}"));
        }
    }

    #[inline]
    pub fn not_after_now(&mut self, path: &Path<'_>, t: i64, unit: TimeUnit, code: Code) {
        let now = match unit {
            TimeUnit::Millis => self.now_ms,
            TimeUnit::Seconds => self.now_ms / 1000,
        };
        if t > now {
            self.push(
                path,
                Rule::NotAfter,
                code,
                Some(now),
                None,
                Some(t),
                format!("{t} lies in the future (now is {now})"),
            );
        }
    }

    #[inline]
    pub fn max_total_len<'s>(
        &mut self,
        path: &Path<'_>,
        parts: impl Iterator<Item = &'s str>,
        max: u64,
        unit: LenUnit,
        of: &str,
        code: Code,
    ) {
        let total: u64 = parts.map(|s| unit.measure(s)).sum();
        if total > max {
            self.too_long(path, Rule::MaxTotalLen, code, total, max, unit, &format!("{of} total"), "");
        }
    }

    #[inline]
    pub fn min(&mut self, path: &Path<'_>, n: i64, min: i64, code: Code) {
        if n < min {
            self.push(path, Rule::Min, code, Some(min), None, Some(n), format!("is {n}; at least {min} required"));
        }
    }

    #[inline]
    pub fn max(&mut self, path: &Path<'_>, n: i64, max: i64, code: Code) {
        if n > max {
            self.push(path, Rule::Max, code, Some(max), None, Some(n), format!("is {n}; at most {max} allowed"));
        }
    }
}

impl Default for Violations {
    fn default() -> Self {
        Violations::new()
    }
}

/// A fast, non-cryptographic hash (FNV-1a) for duplicate detection; keys are short ids.
#[inline]
fn hash_of<K: Hash + ?Sized>(key: &K) -> u64 {
    struct Fnv(u64);
    impl Hasher for Fnv {
        fn finish(&self) -> u64 {
            self.0
        }
        #[inline]
        fn write(&mut self, bytes: &[u8]) {
            for b in bytes {
                self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
            }
        }
    }
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    key.hash(&mut h);
    h.finish()
}

/// What a client does with violations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Items that break a rule are reported `invalid` and not sent (the default).
    #[default]
    Strict,
    /// Violations are reported, and everything is sent anyway.
    Warn,
    /// Nothing is checked.
    Off,
}

/// The JSON kind of a value, in the words of a message.
pub fn json_kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_count_in_their_unit() {
        let mut v = Violations::at(0);
        let root = Path::Root;
        let p = root.field("Wording");
        v.max_len(&p, "好友好友", 4, LenUnit::Chars, Code::Int(1));
        assert!(v.is_empty());
        v.max_len(&p, "好友好友", 11, LenUnit::Bytes, Code::Int(1));
        assert_eq!(v.as_slice()[0].to_string(), "$.Wording: is 12 bytes long; at most 11 bytes allowed [1]");
    }

    #[test]
    fn unique_reports_each_repeat_at_its_path() {
        let mut v = Violations::at(0);
        let ids = ["a", "b", "a", "a"];
        v.unique(&Path::Root.field("Items"), ids.iter().map(|s| Some(*s)), Some("Id"), Code::Int(2));
        let paths: Vec<&str> = v.as_slice().iter().map(|x| x.path.as_str()).collect();
        assert_eq!(paths, ["$.Items[2].Id", "$.Items[3].Id"]);
    }

    #[test]
    fn unique_finds_the_same_repeats_in_small_and_large_arrays() {
        // Past 64 items the check switches from a stack array to a map; both must agree.
        for n in [8usize, 64, 65, 10_000] {
            let ids: Vec<String> = (0..n).map(|i| format!("u{}", i % (n / 2))).collect();
            let mut v = Violations::at(0);
            v.unique(&Path::Root.field("Items"), ids.iter().map(Some), Some("Id"), Code::Int(2));
            assert_eq!(v.len(), n - n / 2, "{n} items");
            let first = &v.as_slice()[0];
            assert_eq!(first.path, format!("$.Items[{}].Id", n / 2));
            assert_eq!(first.message, "repeats the `Id` of item 0");
        }
    }

    #[test]
    fn a_bounded_collection_keeps_the_first_and_counts_the_rest() {
        let mut v = Violations::at(0).bounded(3);
        for i in 0..10 {
            v.max_items(&Path::Root.field("Items").index(i), 5, 1, Code::Int(1));
        }
        assert_eq!((v.len(), v.dropped()), (3, 7));
        assert_eq!(v.as_slice()[2].path, "$.Items[2]");
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let mut v = Violations::at(0);
        v.one_of_str(&Path::Root.field("secret"), "hunter2", &["a"], Code::Int(1), true);
        v.charset(
            &Path::Root.field("secret"),
            "hunter2!",
            &Charset { name: "x", ranges: &[('a', 'z')], chars: "", ascii: Charset::ascii_table(&[('a', 'z')], "") },
            Code::Int(1),
            true,
        );
        assert!(v.as_slice().iter().all(|x| !x.message.contains("hunter2") && !x.message.contains('!')));
    }
}
