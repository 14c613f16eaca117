//! What a kubeconfig or a credential plugin did wrong, in words that quote neither.
//!
//! Responsibility: word kube's kubeconfig and authentication errors without their text where
//! that text may hold a credential. A kubeconfig that is not valid YAML is named with the line,
//! the column and what was expected there, never a line of it (the YAML library's message quotes
//! the file, and a value it quotes may be a token). An exec plugin (`aws eks get-token`) that
//! fails is named by its program (never its arguments, which may hold secrets), with its exit
//! status and the first line of its stderr, redacted; its stdout is never shown, since it is the
//! credential. One that cannot be started is named with why (no such program, permission
//! denied) and the first line of the kubeconfig's `installHint`, else where to fix it. What is
//! left goes through [`crate::redact`].
//!
//! It must not read files or run anything: it words errors it is given.

use kube::client::AuthError;
use kube::config::KubeconfigError;

use super::error::chain;
use crate::redact::redact;

/// How much of a plugin's stderr line is shown.
const STDERR_LIMIT: usize = 200;

/// A kubeconfig error: a parse error by its position and what was expected; a file it could not
/// read by its path (unless `source`, which the caller puts first, names it already) and why; any
/// other by its words (which name files and contexts, not their contents), redacted.
pub(super) fn kubeconfig_error(err: &KubeconfigError, source: Option<&str>) -> String {
    match err {
        KubeconfigError::Parse(yaml) => format!("not a valid kubeconfig{}", yaml_problem(yaml)),
        KubeconfigError::ReadConfig(io, path) => {
            let why = match io.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_owned(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
                _ => io.to_string(),
            };
            let path = path.display().to_string();
            if source.is_some_and(|s| s.ends_with(&path)) {
                why
            } else {
                format!("{path}: {why}")
            }
        }
        other => redact(&chain(other), &[]),
    }
}

/// ` at line L, column C: expected ...`: where and what, from the error's fields, never its
/// message (which quotes the file).
fn yaml_problem(err: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    let err = err.without_snippet();
    if let E::AliasError { error, .. } = err {
        return yaml_problem(error);
    }
    let at = err
        .location()
        .filter(|l| l.line() > 0)
        .map_or_else(String::new, |l| {
            format!(" at line {}, column {}", l.line(), l.column())
        });
    let what = match err {
        E::Unexpected { expected, .. } => format!("expected {expected}"),
        E::SerdeInvalidType { expected, .. }
        | E::SerdeInvalidValue { expected, .. }
        | E::SerdeInvalidLength { expected, .. } => format!("expected {expected}"),
        E::SerdeMissingField { field, .. } => format!("missing field `{field}`"),
        E::SerdeUnknownVariant { expected, .. } => {
            format!("expected one of {}", expected.join(", "))
        }
        E::DuplicateMappingKey { .. } => "a key given twice".to_owned(),
        E::Eof { .. } => "the file ends too early".to_owned(),
        E::InvalidUtf8Input => "not UTF-8".to_owned(),
        _ => "not valid YAML".to_owned(),
    };
    format!("{at}: {what}")
}

/// An authentication error (the exec plugin, a token file, an auth provider), for `program`,
/// the exec plugin the kubeconfig names, redacted of `secrets`.
pub(super) fn credentials_error(
    err: &AuthError,
    program: Option<&str>,
    secrets: &[String],
) -> String {
    let plugin = program.map_or_else(
        || "the exec plugin".to_owned(),
        |p| format!("the exec plugin `{p}`"),
    );
    let text = match err {
        AuthError::AuthExecRun { out, .. } => {
            let status = match out.status.code() {
                Some(code) => format!("exit status {code}"),
                None => "no exit status (killed by a signal)".to_owned(),
            };
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().map(str::trim).find(|l| !l.is_empty());
            match first {
                Some(line) => format!(
                    "{plugin} failed with {status}: {}",
                    limited(&redact(line, secrets))
                ),
                None => format!("{plugin} failed with {status}"),
            }
        }
        AuthError::AuthExecParse(yaml) => format!(
            "{plugin} printed no ExecCredential{} (its output is not shown: it would hold the \
             credential)",
            yaml_problem(yaml)
        ),
        AuthError::AuthExecStart(io) => start_error(io, &plugin, None),
        AuthError::ExecPluginFailed => {
            format!("{plugin} printed an ExecCredential without a status")
        }
        other => chain(other),
    };
    redact(&text, secrets)
}

/// Why `plugin` could not be started, and what to do: the first line of the kubeconfig's
/// `installHint` when it gives one (redacted: it is the kubeconfig's text), else where to look.
pub(super) fn start_error(io: &std::io::Error, plugin: &str, hint: Option<&str>) -> String {
    let why = match io.kind() {
        std::io::ErrorKind::NotFound => "no such program".to_owned(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        _ => io.to_string(),
    };
    let hint = hint.and_then(|h| h.lines().map(str::trim).find(|l| !l.is_empty()));
    match hint {
        Some(hint) => format!(
            "cannot run {plugin}: {why}; the kubeconfig says: {}",
            limited(&redact(hint, &[]))
        ),
        None => format!(
            "cannot run {plugin}: {why}; install it (on PATH, for the user running this), or \
             correct the command of the kubeconfig user's `exec`"
        ),
    }
}

/// At most [`STDERR_LIMIT`] characters.
fn limited(text: &str) -> String {
    match text.char_indices().nth(STDERR_LIMIT) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kubeconfig_parse_error_names_the_position_not_the_line() {
        let text = "apiVersion: v1\nusers:\n- name: u\n  user:\n    token: sekret-token-value\n    \
                    username: [unclosed\n";
        let err = kube::config::Kubeconfig::from_yaml(text).unwrap_err();
        let message = kubeconfig_error(&err, None);
        assert!(
            message.starts_with("not a valid kubeconfig at line "),
            "{message}"
        );
        assert!(!message.contains("sekret"), "{message}");
        assert!(!message.contains("unclosed"), "{message}");

        let err = kube::config::Kubeconfig::from_yaml("users: sekret-token-value\n").unwrap_err();
        let message = kubeconfig_error(&err, None);
        assert_eq!(
            message,
            "not a valid kubeconfig at line 1, column 8: expected sequence start"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_failed_plugin_is_named_by_its_program_and_status_only() {
        use std::os::unix::process::ExitStatusExt as _;
        let out = std::process::Output {
            status: std::process::ExitStatus::from_raw(3 << 8),
            stdout: b"{\"status\":{\"token\":\"stdout-secret\"}}".to_vec(),
            stderr: b"\n  error: token sekret-value rejected\nsecond line\n".to_vec(),
        };
        let err = AuthError::AuthExecRun {
            cmd: "AWS_SECRET_ACCESS_KEY=\"env-secret\" \"aws\" \"--arg-secret\"".to_owned(),
            out: Box::new(out),
        };
        let message = credentials_error(&err, Some("aws"), &crate::redact::forms("sekret-value"));
        assert_eq!(
            message,
            "the exec plugin `aws` failed with exit status 3: error: token [redacted] rejected"
        );
    }
}
