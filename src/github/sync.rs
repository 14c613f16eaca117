//! One run against the GitHub API: read the base and the open pull request, then create,
//! update, leave alone or close it. Every step can fail and be re-run: an orphan tree or commit
//! is harmless, a branch without a pull request is reused, a pull request missing its labels
//! gets them on the next run.

use serde::de::IgnoredAny;
use serde_json::json;

use crate::net::Replay;
use crate::report::pull_request::{Operation, PullRequestReport};

use super::api::{Api, GithubError, Permission};
use super::git::encode;
use super::options::Options;
use super::wire::{GitCommit, GitRef, Pull, Repository, Sha, TreeView};

/// The mode of a regular, non-executable file in a git tree: what a file the plan creates gets.
const NEW_FILE_MODE: &str = "100644";

/// A file to change, as the repository names it.
pub(super) struct Change<'p> {
    pub(super) path: String,
    /// The blob id of the checkout's file; `None` for a file the plan creates.
    pub(super) before_id: Option<String>,
    pub(super) after_id: String,
    pub(super) after: &'p str,
}

/// One run against the API.
pub(super) struct Sync<'a> {
    pub(super) api: &'a Api,
    pub(super) options: &'a Options,
    pub(super) changes: &'a [Change<'a>],
}

/// The base branch as read at the start of the run.
pub(super) struct Base {
    name: String,
    sha: String,
    tree: TreeView,
    /// The base's mode of each changed file, in `changes` order.
    modes: Vec<String>,
}

impl Sync<'_> {
    pub(super) async fn run(&self) -> Result<PullRequestReport, GithubError> {
        let o = self.options;
        let mut report = PullRequestReport {
            operation: Operation::None,
            number: None,
            url: None,
            branch: o.branch.clone(),
            head_sha: None,
            notes: Vec::new(),
        };
        let open = self.find_open().await?;
        if self.changes.is_empty() {
            if let Some(pr) = open {
                self.close(&pr).await?;
                report.operation = Operation::Closed;
                report.number = Some(pr.number);
                report.url = Some(pr.html_url);
                report.head_sha = Some(pr.head.sha);
            }
            return Ok(report);
        }
        let mut base = self.read_base().await?;
        let (pr, operation, head) = match open {
            Some(pr) => {
                let (changed, head) = self.update(&pr, &mut base, &mut report.notes).await?;
                let operation = if changed {
                    Operation::Updated
                } else {
                    Operation::Unchanged
                };
                (pr, operation, head)
            }
            None => self.create(&base, &mut report.notes).await?,
        };
        report.operation = operation;
        report.number = Some(pr.number);
        report.url = Some(pr.html_url);
        report.head_sha = Some(head);
        Ok(report)
    }

    /// The open pull request from our branch, if any.
    async fn find_open(&self) -> Result<Option<Pull>, GithubError> {
        let api = self.api;
        let pulls: Vec<Pull> = api
            .get(
                &api.path(&format!(
                    "/pulls?head={}&state=open&per_page=10",
                    encode(&format!("{}:{}", api.repo.owner, self.options.branch))
                )),
                "list the open pull requests",
                Permission::PullRequestsRead,
            )
            .await?;
        Ok(pulls.into_iter().min_by_key(|p| p.number))
    }

    /// The base branch's head and tree, and the check that the checkout is not stale.
    async fn read_base(&self) -> Result<Base, GithubError> {
        let api = self.api;
        let name = match &self.options.base {
            Some(name) => name.clone(),
            None => {
                let repository: Repository = api
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

    async fn commit(&self, sha: &str) -> Result<GitCommit, GithubError> {
        let api = self.api;
        api.get(
            &api.path(&format!("/git/commits/{sha}")),
            &format!("read commit {sha}"),
            Permission::ContentsRead,
        )
        .await
    }

    /// Whether the pull request's head is exactly one commit on the current base holding exactly
    /// these changes.
    async fn branch_is_current(&self, pr: &Pull, base: &mut Base) -> Result<bool, GithubError> {
        let api = self.api;
        let head = self.commit(&pr.head.sha).await?;
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

    /// Create the tree and the commit on the base; returns the commit id.
    async fn make_commit(&self, base: &Base) -> Result<String, GithubError> {
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
                Replay::Safe,
                "create the tree of the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        let commit: Sha = api
            .post(
                &api.path("/git/commits"),
                &json!({
                    "message": self.options.commit_message,
                    "tree": tree.sha,
                    "parents": [base.sha],
                }),
                Replay::Safe,
                "create the restart commit",
                Permission::ContentsWrite,
            )
            .await?;
        Ok(commit.sha)
    }

    /// Point our branch at `sha`: create it, or force-move it when it exists (it is ours).
    async fn point_branch(&self, sha: &str, exists: bool) -> Result<(), GithubError> {
        let api = self.api;
        let branch = &self.options.branch;
        if !exists {
            let created = api
                .post::<_, IgnoredAny>(
                    &api.path("/git/refs"),
                    &json!({"ref": format!("refs/heads/{branch}"), "sha": sha}),
                    // A repeat gets "already exists", handled below.
                    Replay::Safe,
                    &format!("create branch `{branch}`"),
                    Permission::ContentsWrite,
                )
                .await;
            match created {
                Ok(_) => return Ok(()),
                // Left by an earlier run that failed before opening the pull request.
                Err(err) if err.is_unprocessable("already exists") => {}
                Err(err) => return Err(err),
            }
        }
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/git/refs/heads/{}", encode(branch))),
            &json!({"sha": sha, "force": true}),
            &format!("update branch `{branch}`"),
            Permission::ContentsWrite,
        )
        .await?;
        Ok(())
    }

    async fn create(
        &self,
        base: &Base,
        notes: &mut Vec<String>,
    ) -> Result<(Pull, Operation, String), GithubError> {
        let api = self.api;
        let o = self.options;
        let commit = self.make_commit(base).await?;
        self.point_branch(&commit, false).await?;
        let created = api
            .post::<_, Pull>(
                &api.path("/pulls"),
                &json!({
                    "title": o.title,
                    "head": o.branch,
                    "base": base.name,
                    "body": o.body,
                    "draft": o.draft,
                }),
                // A repeat gets "a pull request already exists", handled below.
                Replay::Safe,
                "open the pull request",
                Permission::PullRequestsWrite,
            )
            .await;
        match created {
            Ok(pr) => {
                self.decorate(&pr, true, notes).await?;
                Ok((pr, Operation::Created, commit))
            }
            // Another run opened it meanwhile: update that one instead of failing.
            Err(err) if err.is_unprocessable("already exists") => {
                let Some(pr) = self.find_open().await? else {
                    return Err(err);
                };
                self.edit_text(&pr).await?;
                self.decorate(&pr, false, notes).await?;
                Ok((pr, Operation::Updated, commit))
            }
            Err(err) => Err(err),
        }
    }

    /// Bring an open pull request up to date; whether anything was written, and the branch's
    /// head commit after it.
    async fn update(
        &self,
        pr: &Pull,
        base: &mut Base,
        notes: &mut Vec<String>,
    ) -> Result<(bool, String), GithubError> {
        let mut changed = false;
        let mut head = pr.head.sha.clone();
        let current = self.branch_is_current(pr, base).await?;
        if !current {
            let commit = self.make_commit(base).await?;
            self.point_branch(&commit, true).await?;
            head = commit;
            changed = true;
        }
        changed |= self.edit_text(pr).await?;
        // Reviewers are asked again only when the change itself changed: GitHub drops a
        // reviewer from the requested list once they review, and asking on every run would
        // ping them for nothing.
        changed |= self.decorate(pr, !current, notes).await?;
        Ok((changed, head))
    }

    /// Set the title and body when they differ; whether anything was written.
    async fn edit_text(&self, pr: &Pull) -> Result<bool, GithubError> {
        let api = self.api;
        let o = self.options;
        let body = pr.body.as_deref().unwrap_or("").replace("\r\n", "\n");
        if pr.title == o.title && body == o.body {
            return Ok(false);
        }
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"title": o.title, "body": o.body}),
            "update the pull request's title and description",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(true)
    }

    /// Add missing labels and assignees, and request reviews when `ask_reviewers`; whether
    /// anything was written.
    async fn decorate(
        &self,
        pr: &Pull,
        ask_reviewers: bool,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let api = self.api;
        let o = self.options;
        let mut changed = false;
        let have_labels: Vec<&str> = pr.labels.iter().map(|l| l.name.as_str()).collect();
        let have_assignees: Vec<&str> = pr
            .assignees
            .iter()
            .flatten()
            .map(|u| u.login.as_str())
            .collect();
        let mut patch = serde_json::Map::new();
        if let Some(all) = union_if_missing(&have_labels, &o.labels) {
            patch.insert("labels".to_owned(), json!(all));
        }
        if let Some(all) = union_if_missing(&have_assignees, &o.assignees) {
            patch.insert("assignees".to_owned(), json!(all));
        }
        if !patch.is_empty() {
            // One request for both: the issue endpoint sets labels and assignees together.
            api.patch::<_, IgnoredAny>(
                &api.path(&format!("/issues/{}", pr.number)),
                &serde_json::Value::Object(patch),
                "set the pull request's labels and assignees",
                Permission::IssuesWrite,
            )
            .await?;
            changed = true;
        }
        if !ask_reviewers {
            return Ok(changed);
        }
        let requested: Vec<&str> = pr
            .requested_reviewers
            .iter()
            .flatten()
            .map(|u| u.login.as_str())
            .collect();
        let teams: Vec<&str> = pr
            .requested_teams
            .iter()
            .flatten()
            .map(|t| t.slug.as_str())
            .collect();
        let missing = |have: &[&str], want: &[String]| -> Vec<String> {
            want.iter()
                .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
                .cloned()
                .collect()
        };
        let reviewers = missing(&requested, &o.reviewers);
        let team_reviewers = missing(&teams, &o.team_reviewers);
        if reviewers.is_empty() && team_reviewers.is_empty() {
            return Ok(changed);
        }
        let asked = api
            .post::<_, IgnoredAny>(
                &api.path(&format!("/pulls/{}/requested_reviewers", pr.number)),
                &json!({"reviewers": reviewers, "team_reviewers": team_reviewers}),
                // Asking twice is asking once.
                Replay::Safe,
                "request reviews",
                Permission::PullRequestsWrite,
            )
            .await;
        match asked {
            Ok(_) => Ok(true),
            // The author, or someone without access: the pull request stands without them.
            Err(err @ GithubError::Rejected { status: 422, .. }) => {
                notes.push(format!("reviewers not requested: {err}"));
                Ok(changed)
            }
            Err(err) => Err(err),
        }
    }

    async fn close(&self, pr: &Pull) -> Result<(), GithubError> {
        let api = self.api;
        api.post::<_, IgnoredAny>(
            &api.path(&format!("/issues/{}/comments", pr.number)),
            &json!({"body": self.options.close_comment}),
            // A repeat would post the comment twice.
            Replay::Never,
            "comment on the pull request",
            Permission::IssuesWrite,
        )
        .await?;
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"state": "closed"}),
            "close the pull request",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(())
    }
}

/// `have` plus the missing `want`, or `None` when nothing is missing.
fn union_if_missing(have: &[&str], want: &[String]) -> Option<Vec<String>> {
    let missing: Vec<&String> = want
        .iter()
        .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
        .collect();
    if missing.is_empty() {
        return None;
    }
    let mut all: Vec<String> = have.iter().map(|h| (*h).to_owned()).collect();
    all.extend(missing.into_iter().cloned());
    Some(all)
}
