//! Scalars as written in generated YAML: keys and values quoted exactly where a YAML 1.1 or 1.2
//! loader would otherwise read them as something else. Pure string functions.

use std::fmt::Write as _;

/// A mapping key as written: plain when that is unambiguous (in flow context too), else
/// double-quoted.
pub fn key_text(key: &str) -> String {
    if plain_safe(key) && !key.contains(':') {
        key.to_owned()
    } else {
        double_quoted(key)
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string, by YAML
/// 1.1 and 1.2 loaders alike: no indicators, no spaces, and nothing that resolves to a number,
/// boolean or null.
pub(super) fn plain_safe(s: &str) -> bool {
    let looks_numeric = s
        .chars()
        .all(|c| c.is_ascii_digit() || "_.:+-eE".contains(c))
        || ["0x", "0o", "0b", "0X", "0O", "0B"]
            .iter()
            .any(|p| s.starts_with(p));
    s.starts_with(char::is_alphanumeric)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | '_' | ':' | '+'))
        && !s.ends_with(':')
        && !looks_numeric
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

/// A string value as written in generated YAML: plain when every YAML 1.1 and 1.2 loader reads
/// it back as the same string (`web`, `apps/v1`), else double-quoted (`"null"`, `"web #c"`,
/// `"0755"`).
pub fn scalar_text(s: &str) -> String {
    if plain_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// Whether `c` may appear as itself inside a quoted YAML scalar.
pub(super) fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// Whether a string can be written single-quoted on one line.
pub(super) fn single_quote_safe(s: &str) -> bool {
    s.chars().all(|c| c != '\t' && printable(c))
}

/// A YAML single-quoted scalar holding `s` (see [`single_quote_safe`]).
pub(super) fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A YAML double-quoted scalar holding `s`.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}
