//! What `pr` leaves on GitHub to recognise its own work on a later run, and nothing else: the
//! fingerprint of the edits, the hidden marker at the end of the pull request's body, the
//! trailer of its commits, the hidden markers of its comments and the hand-back label. Pure.
//!
//! - The **edits' fingerprint** is the SHA-1 of the sorted `(path, blob id after)` pairs: the
//!   same edits give the same fingerprint whatever the base, so a pull request closed without
//!   merging is recognised when the same edits come back.
//! - The **body marker** `<!-- gitops-restart edits=FINGERPRINT earlier=N follows=M -->` is the
//!   body's last line: the edits the pull request was opened or last updated for, the earlier
//!   pull request (closed without merging) its body names, and the merged one it follows up,
//!   both kept across updates.
//! - A **commit is ours** when it has one parent and its message ends with the trailer
//!   `Gitops-Restart-Tree: TREE` naming its own tree: a commit someone else pushes has its own
//!   message, and one amended or rebased by someone has another tree (or parent).
//! - A **comment** carries a hidden marker, so that a later run (or the check after a lost
//!   answer) finds it instead of posting it again.

use sha1::{Digest as _, Sha1};

/// The label a person adds to hand a branch with their commits back to gitops-restart.
pub(super) const REBASE_LABEL: &str = "gitops-restart:rebase";
/// The marker of the comment that closes the pull request.
pub(super) const CLOSING: &str = "<!-- gitops-restart:closing -->";
/// The marker of the comment that says others committed to the branch.
pub(super) const OTHERS_COMMITTED: &str = "<!-- gitops-restart:others-committed -->";
/// The commit trailer naming the commit's tree.
const TRAILER: &str = "Gitops-Restart-Tree: ";
const BODY_PREFIX: &str = "<!-- gitops-restart ";

/// The fingerprint of a set of edits: `(repository path, blob id after)` in any order.
pub(super) fn fingerprint<'a>(edits: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut edits: Vec<(&str, &str)> = edits.into_iter().collect();
    edits.sort_unstable();
    let mut hasher = Sha1::new();
    for (path, id) in edits {
        hasher.update(path.as_bytes());
        hasher.update([0]);
        hasher.update(id.as_bytes());
        hasher.update(b"\n");
    }
    super::git::hex(&hasher.finalize())
}

/// The hidden marker at the end of the pull request's body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BodyMarker {
    /// The edits' fingerprint.
    pub(super) edits: String,
    /// The earlier pull request of the branch, closed without merging, that the body names.
    pub(super) earlier: Option<u64>,
    /// The merged pull request of the branch this one follows up (what it left to restart).
    pub(super) follows: Option<u64>,
}

impl BodyMarker {
    pub(super) fn render(&self) -> String {
        let mut text = format!("{BODY_PREFIX}edits={}", self.edits);
        if let Some(n) = self.earlier {
            text.push_str(&format!(" earlier={n}"));
        }
        if let Some(n) = self.follows {
            text.push_str(&format!(" follows={n}"));
        }
        text.push_str(" -->");
        text
    }

    /// The marker of `body`: its last line that is one; `None` for a body without (written by
    /// an older version, or edited by a person).
    pub(super) fn parse(body: &str) -> Option<BodyMarker> {
        let line = body
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| l.starts_with(BODY_PREFIX))?;
        let inner = line.strip_prefix(BODY_PREFIX)?.strip_suffix("-->")?;
        let mut edits = None;
        let mut earlier = None;
        let mut follows = None;
        for word in inner.split_whitespace() {
            match word.split_once('=') {
                Some(("edits", v)) if v.len() == 40 && v.bytes().all(|b| b.is_ascii_hexdigit()) => {
                    edits = Some(v.to_owned());
                }
                Some(("earlier", v)) => earlier = v.parse().ok(),
                Some(("follows", v)) => follows = v.parse().ok(),
                _ => {}
            }
        }
        Some(BodyMarker {
            edits: edits?,
            earlier,
            follows,
        })
    }
}

/// The trailer that makes a commit of tree `tree` recognisably ours.
pub(super) fn trailer(tree: &str) -> String {
    format!("{TRAILER}{tree}")
}

/// Whether a commit (its message, tree and parent count) is one gitops-restart made.
pub(super) fn is_ours(message: &str, tree: &str, parents: usize) -> bool {
    parents == 1
        && message
            .lines()
            .rev()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .and_then(|l| l.strip_prefix(TRAILER))
            .is_some_and(|t| t == tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fingerprint_is_of_the_set() {
        let a = fingerprint([("a.yaml", "1"), ("b.yaml", "2")]);
        assert_eq!(a, fingerprint([("b.yaml", "2"), ("a.yaml", "1")]));
        assert_ne!(a, fingerprint([("a.yaml", "1"), ("b.yaml", "3")]));
        assert_ne!(a, fingerprint([("a.yaml", "1")]));
        assert_eq!(a.len(), 40);
    }

    #[test]
    fn body_markers_round_trip_and_the_last_wins() {
        let marker = BodyMarker {
            edits: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            earlier: Some(4),
            follows: Some(2),
        };
        let body = format!("report\n\n---\nfooter\n{}\n", marker.render());
        assert_eq!(BodyMarker::parse(&body), Some(marker.clone()));
        let plain = BodyMarker {
            earlier: None,
            follows: None,
            ..marker.clone()
        };
        assert_eq!(
            BodyMarker::parse(&format!("{}\r\n", plain.render())),
            Some(plain)
        );
        // A person quoting an old marker above ours does not change it.
        let quoted = format!(
            "{BODY_PREFIX}edits={} -->\n{}",
            "f".repeat(40),
            marker.render()
        );
        assert_eq!(BodyMarker::parse(&quoted), Some(marker));
        assert_eq!(BodyMarker::parse("no marker"), None);
        assert_eq!(BodyMarker::parse("<!-- gitops-restart edits=xyz -->"), None);
    }

    #[test]
    fn a_commit_is_ours_by_its_trailer_tree_and_single_parent() {
        let message = format!("Restart\n\n- shop/Deployment/web\n\n{}\n", trailer("t1"));
        assert!(is_ours(&message, "t1", 1));
        assert!(!is_ours(&message, "t2", 1), "amended: another tree");
        assert!(!is_ours(&message, "t1", 2), "a merge commit");
        assert!(!is_ours("fix the image tag", "t1", 1));
        assert!(!is_ours(&format!("{}\n\nmore", trailer("t1")), "t1", 1));
    }
}
