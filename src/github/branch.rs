//! The git side of a run: the base branch read and checked against the checkout, the restart
//! commit made on it through the Git Data API, our branch created or moved to it, and whether a
//! commit is ours ([`super::marker::is_ours`]).
//!
//! Trees and commits are content-addressed, so their POSTs may be repeated; the branch's
//! creation is checked after a lost answer or a server error (GET the ref) before it is sent
//! again. An existing branch is force-moved only when its head is ours: a branch whose head
//! someone else committed, with no pull request open, is refused ([`GithubError::ForeignBranch`]).

use serde::de::IgnoredAny;
use serde_json::json;

use super::api::{GithubError, Permission};
use super::git::encode;
use super::marker;
use super::sync::Sync;
use super::wire::{GitCommit, GitRef, Sha, TreeView};

/// The mode of a regular, non-executable file in a git tree: what a file the plan creates gets.
const NEW_FILE_MODE: &str = "100644";

/// The base branch as read at the start of the run.
pub(super) struct Base {
    pub(super) name: String,
    pub(super) sha: String,
    pub(super) tree: TreeView,
    /// The base's mode of each changed file, in `changes` order.
    pub(super) modes: Vec<String>,
}

impl Sync<'_> {
    /// The base branch's head and tree, and the check that the checkout is not stale.
    pub(super) async fn read_base(&self) -> Result<Base, GithubError> {
        let api = self.api;
        let name = match &self.options.base {
            Some(name) => name.clone(),
            None => {
                let repository: super::wire::Repository = api
                    .get(
                        &api.path(""),
                        "read the repository",
                        Permission::ContentsRead,
                    )
                    .await?;
                repository.default_branch
            }
        };
        let head: GitRef = api
            .get(
                &api.path(&format!("/git/ref/heads/{}", encode(&name))),
                &format!("read the base branch `{name}`"),
                Permission::ContentsRead,
            )
            .await?;
        let commit = self.commit(&head.object.sha).await?;
        let mut tree = TreeView::load(
            api,
            &commit.tree.sha,
            &format!("read the files of `{name}`"),
        )
        .await?;
        let mut modes = Vec::with_capacity(self.changes.len());
        for change in self.changes {
            let entry = tree.entry(api, &change.path).await?;
            match (entry, &change.before_id) {
                (Some(entry), Some(before)) if entry.kind == "blob" && entry.sha == *before => {
                    modes.push(entry.mode);
                }
                // A file the plan creates that the base already holds with the same bytes
                // (committed since this checkout was pulled): the commit leaves it as it is.
                (Some(entry), None) if entry.kind == "blob" && entry.sha == change.after_id => {
                    modes.push(entry.mode);
                }
                (Some(entry), before) => {
                    return Err(GithubError::Stale {
                        path: change.path.clone(),
                        base: name,
                        checkout: before.as_ref().map_or_else(
                            || "the checkout has no such file".to_owned(),
                            |id| format!("checkout blob {id}"),
                        ),
                        remote: entry.sha,
                    });
                }
                // Created by the plan: a new entry in the commit's tree.
                (None, None) => modes.push(NEW_FILE_MODE.to_owned()),
                (None, Some(_)) => {
                    return Err(GithubError::NotOnBase {
                        path: change.path.clone(),
                        base: name,
                        repo: api.repo.to_string(),
                    });
                }
            }
        }
        Ok(Base {
            name,
            sha: head.object.sha,
            tree,
            modes,
        })
    }

    pub(super) async fn commit(&self, sha: &str) -> Result<GitCommit, GithubError> {
        let api = self.api;
        api.get(
            &api.path(&format!("/git/commits/{sha}")),
            &format!("read commit {sha}"),
            Permission::ContentsRead,
        )
        .await
    }

    /// Whether the commit `head` (ours) is exactly one commit on the current base holding
    /// exactly these changes.
    pub(super) async fn branch_is_current(
        &self,
        head: &GitCommit,
        base: &mut Base,
    ) -> Result<bool, GithubError> {
        let api = self.api;
        if head.parents.len() != 1 || head.parents[0].sha != base.sha {
            return Ok(false);
        }
        let mut branch =
            TreeView::load(api, &head.tree.sha, "read the files of the pull request").await?;
        if let (Some(mut expected), Some(actual)) = (base.tree.files(), branch.files()) {
            for (change, mode) in self.changes.iter().zip(&base.modes) {
                expected.insert(&change.path, (mode, &change.after_id));
            }
            return Ok(expected == actual);
        }
        // A truncated listing: only the changed files can be compared.
        for change in self.changes {
            let entry = branch.entry(api, &change.path).await?;
            if entry.is_none_or(|e| e.sha != change.after_id) {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Create the tree and the commit on the base, its message ending with our trailer; returns
    /// the commit id.
    pub(super) async fn make_commit(&self, base: &Base) -> Result<String, GithubError> {
        let api = self.api;
        // Contents inline: GitHub creates the blobs, so a hundred files cost one request.
        let entries: Vec<serde_json::Value> = self
            .changes
            .iter()
            .zip(&base.modes)
            .map(|(change, mode)| {
                json!({"path": change.path, "mode": mode, "type": "blob", "content": change.after})
            })
            .collect();
        let tree: Sha = api
            .post(
                &api.path("/git/trees"),
                &json!({"base_tree": base.tree.root, "tree": entries}),
                // Trees and commits are content-addressed: a repeat makes an unused twin.
                crate::net::Replay::Safe,
                "create the tree of the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        let message = format!(
            "{}\n{}\n",
            self.options.commit_message,
            marker::trailer(&tree.sha)
        );
        let commit: Sha = api
            .post(
                &api.path("/git/commits"),
                &json!({"message": message, "tree": tree.sha, "parents": [base.sha]}),
                crate::net::Replay::Safe,
                "create the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        Ok(commit.sha)
    }

    /// Whether the commit `sha`, a branch's head, is ours.
    pub(super) async fn is_ours(&self, sha: &str) -> Result<bool, GithubError> {
        let head = self.commit(sha).await?;
        Ok(marker::is_ours(
            &head.message,
            &head.tree.sha,
            head.parents.len(),
        ))
    }

    /// Our branch's head, `None` when the branch does not exist.
    async fn branch_head(&self) -> Result<Option<String>, GithubError> {
        let api = self.api;
        let branch = &self.options.branch;
        let head: Option<GitRef> = api
            .get_optional(
                &api.path(&format!("/git/ref/heads/{}", encode(branch))),
                &format!("read branch `{branch}`"),
                Permission::ContentsRead,
            )
            .await?;
        Ok(head.map(|h| h.object.sha))
    }

    /// Point our branch at `sha` when no pull request is open: create it, or, when it exists
    /// (left by an earlier run, or of a closed pull request) and its head is ours, force-move it.
    pub(super) async fn place_branch(&self, sha: &str) -> Result<(), GithubError> {
        let api = self.api;
        let branch = &self.options.branch;
        let created = self
            .post_checked(
                &api.path("/git/refs"),
                &json!({"ref": format!("refs/heads/{branch}"), "sha": sha}),
                &format!("create branch `{branch}`"),
                Permission::ContentsWrite,
                async || {
                    let head = self.branch_head().await?;
                    Ok((head.as_deref() == Some(sha)).then_some(IgnoredAny))
                },
            )
            .await;
        match created {
            Ok(IgnoredAny) => return Ok(()),
            Err(err) if err.is_unprocessable("already exists") => {}
            Err(err) => return Err(err),
        }
        let head = self.branch_head().await?;
        if let Some(head) = head
            && head != sha
            && !self.is_ours(&head).await?
        {
            return Err(GithubError::ForeignBranch {
                branch: branch.clone(),
                repo: api.repo.to_string(),
            });
        }
        self.force_branch(sha).await
    }

    /// Move our branch to `sha`, whatever it held (its head is ours, or was handed back).
    pub(super) async fn force_branch(&self, sha: &str) -> Result<(), GithubError> {
        let api = self.api;
        let branch = &self.options.branch;
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/git/refs/heads/{}", encode(branch))),
            &json!({"sha": sha, "force": true}),
            &format!("update branch `{branch}`"),
            Permission::ContentsWrite,
        )
        .await?;
        Ok(())
    }
}
