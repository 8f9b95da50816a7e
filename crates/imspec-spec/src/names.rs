//! Rust names derived from vendor wire names. The checker and the generator both use these, so
//! a collision the checker allows cannot appear in generated code.

/// `From_Account` -> `from_account`, `UnKnowFailed` -> `un_know_failed`, `UserID` -> `user_id`,
/// `isSendNotice` -> `is_send_notice`.
pub fn snake_case(wire: &str) -> String {
    let chars: Vec<char> = wire.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let boundary = prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower);
            if boundary && !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
        }
        out.extend(c.to_lowercase());
    }
    out.trim_end_matches('_').to_owned()
}

/// `Add_Type_Single` -> `AddTypeSingle`, `OK` -> `Ok`, `k0` -> `K0`, `reach_limit` -> `ReachLimit`.
pub fn pascal_case(wire: &str) -> String {
    snake_case(wire)
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(first) => first.to_uppercase().chain(cs).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// Words that cannot name a field even as a raw identifier, and those reserved by generated code.
const UNUSABLE: &[&str] = &["self", "Self", "super", "crate", "_"];

/// Rust keywords: usable as `r#name` by the generator, but worth knowing.
pub const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "dyn", "else", "enum", "extern", "false", "fn", "for", "gen",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return", "static", "struct",
    "trait", "true", "type", "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Why `name` cannot be a Rust identifier, if it cannot.
pub fn ident_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("an empty name is not a Rust identifier".into());
    }
    if UNUSABLE.contains(&name) {
        return Some(format!("`{name}` cannot be used as a Rust identifier"));
    }
    let mut chars = name.chars();
    let first = chars.next()?;
    if !(first.is_ascii_alphabetic() || first == '_') || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(format!("`{name}` is not an ASCII Rust identifier"));
    }
    None
}

/// Why `name` is not a good Rust type or variant name (PascalCase), if it is not.
pub fn type_name_problem(name: &str) -> Option<String> {
    if let Some(p) = ident_problem(name) {
        return Some(p);
    }
    if !crate::model::is_type_name(name) {
        return Some(format!("`{name}` is not PascalCase (ASCII letters and digits, starting upper-case)"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_names_become_rust_names() {
        let cases = [
            ("From_Account", "from_account"),
            ("UnKnowFailed", "un_know_failed"),
            ("UserID", "user_id"),
            ("UserId", "user_id"),
            ("isSendNotice", "is_send_notice"),
            ("maxLimitFailed", "max_limit_failed"),
            ("RequestId", "request_id"),
            ("error_description", "error_description"),
            ("k0", "k0"),
            ("ForceAddFlags", "force_add_flags"),
        ];
        for (wire, rust) in cases {
            assert_eq!(snake_case(wire), rust, "{wire}");
        }
        assert_eq!(pascal_case("Add_Type_Single"), "AddTypeSingle");
        assert_eq!(pascal_case("OK"), "Ok");
        assert_eq!(pascal_case("k0"), "K0");
    }

    #[test]
    fn unusable_names_are_explained() {
        assert!(ident_problem("self").is_some());
        assert!(ident_problem("备注").is_some());
        assert!(ident_problem("to_account").is_none());
        assert!(type_name_problem("friendInfo").is_some());
    }
}
