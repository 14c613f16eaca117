//! Credentials never in output: the one place that takes them out of a message before it can
//! be shown. Every message that quotes a server's answer, a library's error about a kubeconfig
//! or a credential plugin, goes through [`redact`] with the credentials the run knows (the
//! GitHub token, the kubeconfig's token, password and client key, basic auth's `user:password`);
//! better still, such messages don't quote at all (they name the file and the position, the
//! program and its exit status), and [`redact`] is the second line of defence.
//!
//! [`redact`] replaces with `[redacted]`:
//! - each known secret, and each in base64 (standard and URL-safe, padded or not), so a token
//!   echoed as it is or encoded is caught;
//! - anything shaped like a credential, known or not: GitHub tokens (`ghp_`, `gho_`, `ghu_`,
//!   `ghs_`, `ghr_`, `github_pat_`), EKS tokens (`k8s-aws-v1.`), JSON web tokens (`eyJ...` in
//!   three dotted parts: service account and OIDC tokens), what follows `Bearer ` and a
//!   `Basic ` value that decodes to `user:password`, the value of `access_token=`, `token=`,
//!   `password=` and `client_secret=`, and a PEM private key block.
//!
//! It must not decide what a message says: callers word their errors; this only takes out.
//! Secrets shorter than 4 characters are not looked for (they would match ordinary words).

use crate::encoding::{decode_base64, encode_base64};

/// What a credential is replaced with.
pub(crate) const REDACTED: &str = "[redacted]";

/// The prefixes of token formats whose rest is `[A-Za-z0-9_]` (GitHub) or also `-.=` (EKS),
/// and how many characters must follow for it to be a token.
const TOKEN_PREFIXES: [(&str, usize); 7] = [
    ("ghp_", 16),
    ("gho_", 16),
    ("ghu_", 16),
    ("ghs_", 16),
    ("ghr_", 16),
    ("github_pat_", 16),
    ("k8s-aws-v1.", 8),
];

/// Keys whose value, after `=`, is a credential (a URL's query, an environment assignment).
const SECRET_KEYS: [&str; 4] = ["access_token=", "token=", "password=", "client_secret="];

/// `secret` as it is and in the base64 forms it may be sent in: what [`redact`] looks for.
pub(crate) fn forms(secret: &str) -> Vec<String> {
    let secret = secret.trim();
    if secret.chars().count() < 4 {
        return Vec::new();
    }
    let mut forms = vec![secret.to_owned()];
    for url_safe in [false, true] {
        let encoded = encode_base64(secret.as_bytes(), url_safe);
        forms.push(encoded.trim_end_matches('=').to_owned());
        forms.push(encoded);
    }
    forms.dedup();
    forms
}

/// Basic auth's credential, `user:password`, as it is and in base64 (the `Authorization:
/// Basic` value), besides the password's own [`forms`].
pub(crate) fn basic_auth_forms(user: &str, password: &str) -> Vec<String> {
    let mut all = forms(password);
    if !password.trim().is_empty() {
        all.extend(forms(&format!("{user}:{password}")));
    }
    all
}

/// `text` without the `secrets` (each of [`forms`] already) and without anything shaped like a
/// credential: see the module documentation.
pub(crate) fn redact(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    // Longest first: a secret's base64 may contain a shorter secret.
    let mut secrets: Vec<&String> = secrets.iter().filter(|s| s.len() >= 4).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), REDACTED);
        }
    }
    let text = private_keys(&text);
    shaped(&text)
}

/// PEM private key blocks, whole (to the end of the text when the block is cut off).
fn private_keys(text: &str) -> String {
    const BEGIN: &str = "-----BEGIN ";
    const END: &str = "-----END ";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(begin) = rest.find(BEGIN) {
        let private = rest[begin..]
            .lines()
            .next()
            .is_some_and(|line| line.contains("PRIVATE KEY"));
        let after = &rest[begin + BEGIN.len()..];
        if !private {
            out.push_str(&rest[..begin + BEGIN.len()]);
            rest = after;
            continue;
        }
        out.push_str(&rest[..begin]);
        out.push_str(REDACTED);
        rest = after.find(END).map_or("", |end| {
            let tail = &after[end + END.len()..];
            tail.find("-----").map_or("", |i| &tail[i + 5..])
        });
    }
    out.push_str(rest);
    out
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=')
}

/// Token-shaped runs: the prefixes, JWTs, `Bearer`, `Basic` and the secret keys.
fn shaped(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let boundary = i == 0 || !is_word(chars[i - 1]);
        if boundary && let Some(end) = credential_at(&chars, i) {
            out.push_str(REDACTED);
            i = end;
            continue;
        }
        if boundary && let Some((keep, end)) = introduced_at(&chars, i) {
            out.extend(&chars[i..keep]);
            out.push_str(REDACTED);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn starts_with(chars: &[char], at: usize, prefix: &str) -> bool {
    let n = prefix.chars().count();
    chars
        .get(at..at + n)
        .is_some_and(|here| here.iter().copied().eq(prefix.chars()))
}

fn starts_with_ignore_case(chars: &[char], at: usize, prefix: &str) -> bool {
    let n = prefix.chars().count();
    chars.get(at..at + n).is_some_and(|here| {
        here.iter()
            .zip(prefix.chars())
            .all(|(c, p)| c.eq_ignore_ascii_case(&p))
    })
}

/// The end of a token at `at` that is a credential by its shape alone.
fn credential_at(chars: &[char], at: usize) -> Option<usize> {
    for (prefix, min) in TOKEN_PREFIXES {
        if starts_with(chars, at, prefix) {
            let from = at + prefix.len();
            let eks = prefix.starts_with("k8s");
            let end = from
                + chars[from..]
                    .iter()
                    .take_while(|c| {
                        if eks {
                            c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '=')
                        } else {
                            is_word(**c)
                        }
                    })
                    .count();
            if end - from >= min {
                return Some(end);
            }
        }
    }
    // A JSON web token: `eyJ` (base64 of `{"`), then three base64url parts.
    if starts_with(chars, at, "eyJ") {
        let end = at
            + chars[at..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                .count();
        let dots = chars[at..end].iter().filter(|c| **c == '.').count();
        if dots >= 2 && end - at >= 16 {
            return Some(end);
        }
    }
    None
}

/// A credential introduced by a word (`Bearer `, `Basic `, `token=`): where the credential
/// starts (what is before is kept) and where it ends.
fn introduced_at(chars: &[char], at: usize) -> Option<(usize, usize)> {
    let value = |from: usize| {
        from + chars[from..]
            .iter()
            .take_while(|c| is_token_char(**c))
            .count()
    };
    if starts_with_ignore_case(chars, at, "bearer ") {
        let from = at + 7;
        let end = value(from);
        if end - from >= 8 {
            return Some((from, end));
        }
    }
    if starts_with_ignore_case(chars, at, "basic ") {
        let from = at + 6;
        let end = value(from);
        let encoded: String = chars[from..end].iter().collect();
        if end - from >= 8 && decode_base64(&encoded).is_some_and(|d| d.contains(&b':')) {
            return Some((from, end));
        }
    }
    for key in SECRET_KEYS {
        if starts_with_ignore_case(chars, at, key) {
            let from = at + key.len();
            let end = from
                + chars[from..]
                    .iter()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '&' | '"' | '\'' | ','))
                    .count();
            if end > from {
                return Some((from, end));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_secrets_are_redacted_as_they_are_and_in_base64() {
        let secrets = forms("s3cret-value");
        let encoded = encode_base64(b"s3cret-value", false);
        assert_eq!(
            redact(&format!("got s3cret-value and {encoded}"), &secrets),
            "got [redacted] and [redacted]"
        );
        let basic = basic_auth_forms("admin", "hunter22");
        assert_eq!(
            redact("admin:hunter22 YWRtaW46aHVudGVyMjI=", &basic),
            "[redacted] [redacted]"
        );
        assert!(forms("abc").is_empty(), "too short to look for");
    }

    #[test]
    fn credential_shapes_are_redacted_without_being_known() {
        let no: &[String] = &[];
        for (text, redacted) in [
            (
                "Bad credentials: ghs_abcdefghijklmnopqrstuvwxyz0123",
                "Bad credentials: [redacted]",
            ),
            (
                "github_pat_11ABCDEFG0123456789_abcdefghijklmnop refused",
                "[redacted] refused",
            ),
            (
                "Authorization: Bearer abc.def-ghi_jkl",
                "Authorization: Bearer [redacted]",
            ),
            ("basic dXNlcjpwYXNz!", "basic [redacted]!"),
            (
                "token k8s-aws-v1.aHR0cHM6Ly9zdHMuYW1hem9uYXdzLmNvbQ x",
                "token [redacted] x",
            ),
            ("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", "[redacted]"),
            (
                "https://x/?access_token=abc&y=1",
                "https://x/?access_token=[redacted]&y=1",
            ),
            (
                "key: -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- end",
                "key: [redacted] end",
            ),
        ] {
            assert_eq!(redact(text, no), redacted, "{text}");
        }
        // Ordinary words stay.
        for text in [
            "Basic authentication is not enabled",
            "the token from GITHUB_TOKEN was refused",
            "Bearer token refused",
            "ghs_ is a prefix",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
        ] {
            assert_eq!(redact(text, no), text);
        }
    }
}
