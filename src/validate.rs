//! Values the user gives (flags, `GITOPS_RESTART_*` variables, the configuration file) that end
//! up in YAML, a git ref or an API path: each checked once, where it is read, against the rule of
//! where it ends up, with a message saying what is allowed.
//!
//! It must not change a value (no trimming, no quoting): a value is used as given or refused.
//! Invariants: every refused value is named in the message as given (the caller's output escapes
//! it); a value that passes holds no control character, so it cannot add a line to YAML, a log
//! or a report.

/// Whether `c` would break a line or drive a terminal: C0 and C1 controls, DEL, Unicode line
/// and paragraph separators, and bidi controls.
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// A Kubernetes group for `rbac --group`: not empty, no control character or line break (it is
/// written into YAML, double-quoted).
pub(crate) fn group(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("--group must not be empty".to_owned());
    }
    if name.chars().any(is_unprintable) {
        return Err(format!(
            "--group `{name}` holds a control character or a line break"
        ));
    }
    Ok(())
}

/// A cluster's name (`--cluster`): not empty nor only spaces, no control character or line
/// break, at most 253 characters. It names a branch (`gitops-restart/NAME`), which git's rules
/// check in turn, and matches Argo CD destinations and configured clusters, which may hold any
/// other character.
pub(crate) fn cluster(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        return Err("--cluster must not be empty".to_owned());
    }
    if name.chars().any(is_unprintable) {
        return Err(format!(
            "--cluster `{name}` holds a control character or a line break"
        ));
    }
    if name.chars().count() > 253 {
        return Err(format!("--cluster `{name}` is longer than 253 characters"));
    }
    Ok(())
}

/// An annotation key Kubernetes accepts (a qualified name): an optional DNS subdomain prefix
/// (lowercase letters, digits, `-` and `.`, at most 253 characters) and `/`, then a name of at
/// most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit.
pub(crate) fn annotation_key(key: &str) -> Result<(), String> {
    let refuse = |why: &str| {
        Err(format!(
            "`{key}` is not an annotation key Kubernetes accepts: {why} (such as \
             `kubectl.kubernetes.io/restartedAt`)"
        ))
    };
    if key.is_empty() {
        return refuse("it is empty");
    }
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    if name.is_empty()
        || name.len() > 63
        || !alnum(name.chars().next())
        || !alnum(name.chars().last())
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return refuse(
            "the name (after any `/`) must be 1 to 63 letters, digits, `-`, `_` or `.`, \
             starting and ending with a letter or digit",
        );
    }
    if let Some(prefix) = prefix {
        let label = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if prefix.len() > 253 || !prefix.split('.').all(label) {
            return refuse(
                "the prefix (before `/`) must be a DNS subdomain: lowercase letters, digits, `-` \
                 and `.`, at most 253 characters",
            );
        }
    }
    Ok(())
}

/// A branch name git and GitHub accept (`git check-ref-format --branch`): not empty; no control
/// character, space or any of `~^:?*[\`; no `..`, `@{` or `//`; not `@`; no leading `-` or `/`,
/// no trailing `/` or `.`; no part (between `/`) starting with `.` or ending with `.lock`.
/// `what` names the value in the message (`--base`, `pullRequest.branch`).
pub(crate) fn git_ref(what: &str, name: &str) -> Result<(), String> {
    let refuse = |why: &str| Err(format!("{what} `{name}` can't be a branch name: {why}"));
    if name.is_empty() {
        return refuse("it is empty");
    }
    if name
        .chars()
        .any(|c| is_unprintable(c) || c.is_whitespace() || "~^:?*[\\".contains(c))
    {
        return refuse("it holds a space, a control character or one of `~^:?*[\\`");
    }
    if name.contains("..") || name.contains("@{") || name.contains("//") || name == "@" {
        return refuse("it holds `..`, `@{` or `//`, or is `@`");
    }
    if name.starts_with(['-', '/']) || name.ends_with(['/', '.']) {
        return refuse("it starts with `-` or `/`, or ends with `/` or `.`");
    }
    if name
        .split('/')
        .any(|part| part.starts_with('.') || part.to_ascii_lowercase().ends_with(".lock"))
    {
        return refuse("a part of it starts with `.` or ends with `.lock`");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_and_clusters_are_one_printable_line() {
        assert!(group("gitops-restart-readers").is_ok());
        assert!(group("system:masters-like group é").is_ok());
        assert_eq!(group("").unwrap_err(), "--group must not be empty");
        assert_eq!(
            group("readers\n  - kind: User\n    name: system:anonymous").unwrap_err(),
            "--group `readers\n  - kind: User\n    name: system:anonymous` holds a control \
             character or a line break"
        );
        assert!(group("a\u{2028}b").is_err());
        assert!(cluster("prod-eks").is_ok());
        assert!(cluster("arn:aws:eks:eu-west-1:1:cluster/prod").is_ok());
        assert_eq!(cluster(" ").unwrap_err(), "--cluster must not be empty");
        assert!(cluster("prod\n::error::x").is_err());
        assert!(cluster("prod\u{202e}").is_err());
        assert!(cluster(&"x".repeat(254)).is_err());
    }

    #[test]
    fn annotation_keys_are_qualified_names() {
        for key in [
            "kubectl.kubernetes.io/restartedAt",
            "restartedAt",
            "example.com/a_b-c.d",
            "a",
            "x9/Y",
        ] {
            assert!(annotation_key(key).is_ok(), "{key}");
        }
        for key in [
            "",
            "/x",
            "x/",
            "Example.com/x",
            "a/b/c",
            "-x",
            "x-",
            "has space",
            "ex_ample.com/x",
            "a\nb",
            &"x".repeat(64),
            &format!("{}/x", "a".repeat(254)),
        ] {
            assert!(annotation_key(key).is_err(), "{key:?}");
        }
        assert_eq!(
            annotation_key("a/b/c").unwrap_err(),
            "`a/b/c` is not an annotation key Kubernetes accepts: the name (after any `/`) must \
             be 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or \
             digit (such as `kubectl.kubernetes.io/restartedAt`)"
        );
    }

    #[test]
    fn branch_names_follow_gits_rules() {
        for name in [
            "main",
            "gitops-restart/prod-eks",
            "release/1.2",
            "a@b",
            "x.y",
        ] {
            assert!(git_ref("--base", name).is_ok(), "{name}");
        }
        for name in [
            "",
            "../../user",
            "a..b",
            "-x",
            "/x",
            "x/",
            "x.",
            "x.lock",
            "a/b.lock/c",
            ".hidden",
            "a/.b",
            "a b",
            "a\nb",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[",
            "a\\b",
            "a@{1}",
            "@",
            "a//b",
            "a\u{7f}",
        ] {
            assert!(git_ref("--base", name).is_err(), "{name:?}");
        }
        assert_eq!(
            git_ref("--base", "../../user").unwrap_err(),
            "--base `../../user` can't be a branch name: it holds `..`, `@{` or `//`, or is `@`"
        );
    }
}
