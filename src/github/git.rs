//! What the pull request needs from git itself: blob ids, the checkout's place in its
//! repository, and the GitHub repository its `origin` remote names.
//!
//! Blob ids are computed here, not asked of GitHub, so that comparing the checkout with the base
//! branch costs one tree listing instead of a request per file. The `git` binary is used only
//! to read the checkout's settings (the remote and the subfolder); nothing here writes.

use std::path::Path;
use std::process::Command;

use sha1::{Digest as _, Sha1};

/// The git object id of a blob holding `bytes`: what `git hash-object` prints and what GitHub's
/// tree listings show for the file.
pub fn blob_id(bytes: &[u8]) -> String {
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", bytes.len()).as_bytes());
    hasher.update(bytes);
    hex(&hasher.finalize())
}

/// `bytes` in lowercase hexadecimal, as git writes object ids.
pub(super) fn hex(bytes: &[u8]) -> String {
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from_digit(u32::from(byte >> 4), 16).unwrap_or('0'));
        hex.push(char::from_digit(u32::from(byte & 0xf), 16).unwrap_or('0'));
    }
    hex
}

/// A GitHub repository, `owner/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoSlug {
    pub owner: String,
    pub name: String,
}

impl std::fmt::Display for RepoSlug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

impl RepoSlug {
    /// Parse `OWNER/NAME` as `--github-repo` and `GITHUB_REPOSITORY` give it.
    pub fn parse(text: &str) -> Option<RepoSlug> {
        let (owner, name) = text.trim().split_once('/')?;
        let name = name.strip_suffix(".git").unwrap_or(name);
        let valid = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        (valid(owner) && valid(name)).then(|| RepoSlug {
            owner: owner.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The repository a remote URL points at: `https://host/OWNER/NAME(.git)`,
    /// `ssh://git@host[:port]/OWNER/NAME.git` or `git@host:OWNER/NAME.git`. The host is not
    /// checked, so that GitHub Enterprise remotes work too.
    pub fn from_remote_url(url: &str) -> Option<RepoSlug> {
        let url = url.trim();
        let path = if let Some((_, rest)) = url.split_once("://") {
            // Past the authority (which may hold credentials): the path.
            rest.split_once('/')?.1
        } else {
            // scp-like `user@host:path`.
            url.split_once(':')?.1
        };
        let path = path.trim_matches('/');
        let mut parts = path.rsplitn(3, '/');
        let name = parts.next()?;
        let owner = parts.next()?;
        RepoSlug::parse(&format!("{owner}/{name}"))
    }
}

/// A remote URL fit for an error message: credentials (`https://user:token@host/...`) removed.
pub fn redact_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}/{path}")
        }
        None => url.to_owned(),
    }
}

/// Run `git` in `dir` and return its trimmed stdout, or `None` when git is missing, `dir` is not
/// in a checkout, or the setting is absent.
fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let output = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The URL of the checkout's `origin` remote.
pub fn origin_url(dir: &Path) -> Option<String> {
    git(dir, &["remote", "get-url", "origin"]).filter(|u| !u.is_empty())
}

/// Where `dir` sits inside its git checkout, as a prefix for repository paths (`""` at the
/// root, else `sub/dir/`). Outside a checkout `dir` is taken to be the repository root.
pub fn checkout_prefix(dir: &Path) -> String {
    git(dir, &["rev-parse", "--show-prefix"]).unwrap_or_default()
}

/// Percent-encode a path or query component, keeping `/` and `:` (branch names hold slashes,
/// and GitHub's `head=owner:branch` filter a colon).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/' | b':') {
            out.push(byte as char);
        } else {
            out.push('%');
            out.push_str(&format!("{byte:02X}"));
        }
    }
    out
}

/// Whether `name` can be a branch: git's rules for ref names (see `crate::validate::git_ref`).
pub fn valid_branch(name: &str) -> bool {
    crate::validate::git_ref("", name).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_ids_match_git() {
        // `printf 'hello\n' | git hash-object --stdin`
        assert_eq!(
            blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        assert_eq!(blob_id(b""), "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    }

    #[test]
    fn remotes_name_their_repository() {
        let acme = Some(RepoSlug {
            owner: "acme".into(),
            name: "gitops".into(),
        });
        for url in [
            "https://github.com/acme/gitops.git",
            "https://github.com/acme/gitops",
            "https://x-access-token:secret@github.com/acme/gitops.git",
            "git@github.com:acme/gitops.git",
            "ssh://git@ghe.example.com:2222/acme/gitops.git",
            "https://ghe.example.com/acme/gitops/",
        ] {
            assert_eq!(RepoSlug::from_remote_url(url), acme, "{url}");
        }
        assert_eq!(RepoSlug::from_remote_url("/srv/git/gitops"), None);
        assert_eq!(RepoSlug::parse("acme"), None);
        assert_eq!(RepoSlug::parse("acme/gitops/x"), None);
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact_url("https://user:secret@github.com/acme/gitops.git"),
            "https://github.com/acme/gitops.git"
        );
    }

    #[test]
    fn branch_names() {
        assert!(valid_branch("gitops-restart/prod-eks"));
        assert!(!valid_branch("gitops-restart/prod eks"));
        assert!(!valid_branch("a..b"));
        assert!(!valid_branch("x.lock"));
        assert_eq!(encode("a b/c:d%"), "a%20b/c:d%25");
    }
}
