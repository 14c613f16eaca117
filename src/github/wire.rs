//! The shapes of GitHub's answers that `pr` reads (only the members it uses), and a view of a
//! git tree that lists it in one request and falls back to one folder at a time when GitHub
//! truncates the listing. Reads only.
//!
//! Comments, reviews and issue events are read for what a run must not repeat or undo: a
//! comment already posted (found by its hidden marker), a reviewer who reviewed, a label, an
//! assignee or a reviewer that was set once (and, when missing now, taken away by a person).

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use super::api::{Api, GithubError, Permission};

#[derive(Deserialize)]
pub(super) struct Repository {
    pub(super) default_branch: String,
}

#[derive(Deserialize)]
pub(super) struct GitRef {
    pub(super) object: Sha,
}

#[derive(Deserialize)]
pub(super) struct Sha {
    pub(super) sha: String,
}

#[derive(Deserialize)]
pub(super) struct GitCommit {
    pub(super) tree: Sha,
    #[serde(default)]
    pub(super) parents: Vec<Sha>,
    #[serde(default)]
    pub(super) message: String,
}

#[derive(Deserialize)]
pub(super) struct GitTree {
    pub(super) sha: String,
    pub(super) tree: Vec<TreeEntry>,
    #[serde(default)]
    pub(super) truncated: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct TreeEntry {
    pub(super) path: String,
    pub(super) mode: String,
    #[serde(rename = "type")]
    pub(super) kind: String,
    pub(super) sha: String,
}

// Our own small types rather than octocrab's models: those require many fields this tool never
// reads, and a GitHub Enterprise Server release that omits one would fail the run.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct Pull {
    pub(super) number: u64,
    /// `open` or `closed`.
    #[serde(default)]
    pub(super) state: String,
    pub(super) html_url: String,
    pub(super) title: String,
    pub(super) body: Option<String>,
    pub(super) head: PullHead,
    #[serde(default)]
    pub(super) labels: Vec<Label>,
    #[serde(default)]
    pub(super) assignees: Option<Vec<User>>,
    #[serde(default)]
    pub(super) requested_reviewers: Option<Vec<User>>,
    #[serde(default)]
    pub(super) requested_teams: Option<Vec<Team>>,
    /// When it was merged; `null` for a pull request closed without merging (or open).
    #[serde(default)]
    pub(super) merged_at: Option<String>,
    /// When it was opened (RFC 3339).
    #[serde(default)]
    pub(super) created_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct PullHead {
    pub(super) sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Label {
    pub(super) name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct User {
    pub(super) login: String,
}

#[derive(Debug, Clone, Deserialize)]
pub(super) struct Team {
    pub(super) slug: String,
}

/// A comment on the pull request's issue.
#[derive(Debug, Deserialize)]
pub(super) struct Comment {
    #[serde(default)]
    pub(super) body: Option<String>,
}

/// A review of the pull request; `user` is `null` for a deleted account.
#[derive(Debug, Deserialize)]
pub(super) struct Review {
    #[serde(default)]
    pub(super) user: Option<User>,
}

/// An event of the pull request's issue: what was ever labelled, assigned or requested.
#[derive(Debug, Deserialize)]
pub(super) struct Event {
    #[serde(rename = "event")]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) label: Option<Label>,
    #[serde(default)]
    pub(super) assignee: Option<User>,
    #[serde(default)]
    pub(super) requested_reviewer: Option<User>,
    #[serde(default)]
    pub(super) requested_team: Option<Team>,
}

/// A tree, listed recursively in one request; when GitHub truncates the listing (over 100,000
/// entries), read one folder at a time along the paths asked for.
pub(super) struct TreeView {
    pub(super) root: String,
    /// Path → entry, when the listing is complete.
    pub(super) full: Option<HashMap<String, TreeEntry>>,
    /// Tree id → its entries, for the truncated case.
    pub(super) folders: HashMap<String, Vec<TreeEntry>>,
}

impl TreeView {
    pub(super) async fn load(api: &Api, sha: &str, what: &str) -> Result<TreeView, GithubError> {
        let tree: GitTree = api
            .get(
                &api.path(&format!("/git/trees/{sha}?recursive=1")),
                what,
                Permission::ContentsRead,
            )
            .await?;
        let full =
            (!tree.truncated).then(|| tree.tree.into_iter().map(|e| (e.path.clone(), e)).collect());
        Ok(TreeView {
            root: tree.sha,
            full,
            folders: HashMap::new(),
        })
    }

    pub(super) async fn entry(
        &mut self,
        api: &Api,
        path: &str,
    ) -> Result<Option<TreeEntry>, GithubError> {
        if let Some(full) = &self.full {
            return Ok(full.get(path).cloned());
        }
        let parts: Vec<&str> = path.split('/').collect();
        let mut sha = self.root.clone();
        for (depth, part) in parts.iter().enumerate() {
            if !self.folders.contains_key(&sha) {
                let tree: GitTree = api
                    .get(
                        &api.path(&format!("/git/trees/{sha}")),
                        "read a folder of a large tree",
                        Permission::ContentsRead,
                    )
                    .await?;
                self.folders.insert(sha.clone(), tree.tree);
            }
            let Some(found) = self.folders[&sha].iter().find(|e| e.path == *part) else {
                return Ok(None);
            };
            if depth + 1 == parts.len() {
                return Ok(Some(TreeEntry {
                    path: path.to_owned(),
                    ..found.clone()
                }));
            }
            if found.kind != "tree" {
                return Ok(None);
            }
            sha = found.sha.clone();
        }
        Ok(None)
    }

    /// Every non-folder entry, path → (mode, id), when the listing is complete.
    pub(super) fn files(&self) -> Option<BTreeMap<&str, (&str, &str)>> {
        let full = self.full.as_ref()?;
        Some(
            full.values()
                .filter(|e| e.kind != "tree")
                .map(|e| (e.path.as_str(), (e.mode.as_str(), e.sha.as_str())))
                .collect(),
        )
    }
}
