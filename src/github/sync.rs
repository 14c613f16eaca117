//! One run against the GitHub API: read the open pull request of our branch, then create,
//! update, leave alone or close it, or leave it to the people who took it over.
//!
//! - No edits: the open pull request is closed (a comment, once, then the state) only when
//!   [`super::evidence`] found evidence that nothing is left; otherwise the run fails with the
//!   reasons and writes nothing.
//! - The head of its branch is not ours ([`super::marker::is_ours`]) and the hand-back label is
//!   absent: nothing is written to the branch, the title or the body; a comment says so once.
//! - No pull request open: the last closed one of the branch, closed without merging by a
//!   person, with the same edits (its body marker's fingerprint) is a decline: nothing is
//!   written. Otherwise a new one opens, its body naming the earlier one.
//! - No pull request open, and the last one of the branch is ours, merged after the cutoff
//!   ([`super::follow::follows`]): the verification of this run's inventory is commented on it
//!   (once per distinct result), then the edits left, if any, open as a follow-up pull request
//!   whose body names it. The comment comes first: a run that fails after it opens the
//!   follow-up next time, which a comment naming the follow-up's number could not survive.
//! - An open pull request opened before the last 48 hours of the deadline gets the reminder
//!   once ([`super::due::reminder`]): its reviewers asked again, then the comment; also when
//!   others committed to its branch.
//!
//! Every step can fail and be re-run: an orphan tree or commit is harmless, a branch without a
//! pull request is reused, missing labels, assignees and reviewers are added by the next run. A
//! POST that creates (the branch, the pull request, a comment) is checked after a lost answer or
//! a server error before it is sent again ([`Sync::post_checked`]).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::net::Replay;
use crate::report::pull_request::{Operation, PullRequestReport};

use super::api::{Api, GithubError, Permission};
use super::branch::Base;
use super::follow;
use super::git::encode;
use super::marker::{self, BodyMarker, REBASE_LABEL};
use super::options::Options;
use super::people::has_label;
use super::wire::Pull;

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
    /// The changes' fingerprint ([`marker::fingerprint`]).
    pub(super) edits: String,
    /// Why the open pull request must not be closed for want of edits; `None` when it may.
    pub(super) refusal: Option<Vec<String>>,
    /// The plan, which carries the time of the run (`plan.now`).
    pub(super) plan: &'a crate::plan::Plan,
    /// What `verify` reports on this run's inventory, made when asked (only the run after a
    /// merge needs it); `None` without an inventory.
    pub(super) verification: Option<&'a super::Verify<'a>>,
}

impl Sync<'_> {
    pub(super) async fn run(&self) -> Result<PullRequestReport, GithubError> {
        let mut report = PullRequestReport {
            operation: Operation::None,
            number: None,
            url: None,
            branch: self.options.branch.clone(),
            head_sha: None,
            notes: Vec::new(),
            followed: None,
        };
        let pulls = self.pulls().await?;
        let open = pulls
            .iter()
            .filter(|p| p.state == "open")
            .min_by_key(|p| p.number)
            .cloned();
        if self.changes.is_empty() {
            let Some(pr) = open else {
                if let Some(merged) = self.followed(&pulls) {
                    self.follow_through(merged, &mut report).await?;
                }
                return Ok(report);
            };
            if let Some(reasons) = &self.refusal {
                return Err(GithubError::WontClose {
                    number: pr.number,
                    url: pr.html_url,
                    reasons: reasons.join("; "),
                });
            }
            report.operation =
                if !has_label(&pr, REBASE_LABEL) && !self.is_ours(&pr.head.sha).await? {
                    self.hands_off(&pr, true, &mut report.notes).await?;
                    Operation::OthersCommitted
                } else {
                    self.close(&pr).await?;
                    Operation::Closed
                };
            report.number = Some(pr.number);
            report.url = Some(pr.html_url);
            report.head_sha = Some(pr.head.sha);
            return Ok(report);
        }
        let (pr, operation, head) = match open {
            Some(pr) => {
                let mut base = self.read_base().await?;
                let (operation, head) = self.update(&pr, &mut base, &mut report.notes).await?;
                (pr, operation, head)
            }
            None => {
                let follows = self.followed(&pulls).cloned();
                let closed = pulls
                    .into_iter()
                    .filter(|p| p.state == "closed")
                    .max_by_key(|p| p.number);
                match closed {
                    Some(closed) if self.declines(&closed).await? => {
                        report.notes.push(format!(
                            "pull request #{0} with these same edits was closed without merging: \
                             not opened again (a new one opens when the edits change; reopen #{0} \
                             to have it kept up to date)",
                            closed.number
                        ));
                        let head = closed.head.sha.clone();
                        (closed, Operation::Declined, head)
                    }
                    closed => {
                        if let Some(merged) = &follows {
                            self.follow_through(merged, &mut report).await?;
                        }
                        let base = self.read_base().await?;
                        let earlier = closed.filter(|c| c.merged_at.is_none());
                        self.create(&base, earlier.as_ref(), follows.as_ref(), &mut report.notes)
                            .await?
                    }
                }
            }
        };
        report.operation = operation;
        report.number = Some(pr.number);
        report.url = Some(pr.html_url);
        report.head_sha = Some(head);
        Ok(report)
    }

    /// The open pull request from our branch, if any.
    async fn find_open(&self) -> Result<Option<Pull>, GithubError> {
        Ok(self
            .pulls()
            .await?
            .into_iter()
            .filter(|p| p.state == "open")
            .min_by_key(|p| p.number))
    }

    /// The pull requests from our branch, open and closed, the newest first (one page: the open
    /// one and the last closed ones).
    async fn pulls(&self) -> Result<Vec<Pull>, GithubError> {
        let api = self.api;
        api.get(
            &api.path(&format!(
                "/pulls?head={}&state=all&sort=created&direction=desc&per_page=30",
                encode(&format!("{}:{}", api.repo.owner, self.options.branch))
            )),
            "list the pull requests",
            Permission::PullRequestsRead,
        )
        .await
    }

    /// Whether `closed` declines these very edits: closed without merging, by a person (not
    /// with our closing comment), its body marker holding the same fingerprint.
    async fn declines(&self, closed: &Pull) -> Result<bool, GithubError> {
        let same = closed.merged_at.is_none()
            && closed
                .body
                .as_deref()
                .and_then(BodyMarker::parse)
                .is_some_and(|m| m.edits == self.edits);
        Ok(same && !self.has_comment(closed.number, marker::CLOSING).await?)
    }

    /// The body wanted, naming the earlier pull request `earlier` (its number) and the merged
    /// one it `follows`, whose pages are next to `url` (a pull request's page of the same
    /// repository).
    fn body(&self, earlier: Option<u64>, follows: Option<u64>, url: &str) -> String {
        let marker = BodyMarker {
            edits: self.edits.clone(),
            earlier,
            follows,
        };
        let page = |n: u64| url.rsplit_once('/').map(|(head, _)| format!("{head}/{n}"));
        let earlier_url = earlier.and_then(page);
        let body = self.options.body(&marker, earlier_url.as_deref());
        match follows {
            Some(n) => format!("{}{body}", follow::note(n, page(n).as_deref())),
            None => body,
        }
    }

    async fn create(
        &self,
        base: &Base,
        earlier: Option<&Pull>,
        follows: Option<&Pull>,
        notes: &mut Vec<String>,
    ) -> Result<(Pull, Operation, String), GithubError> {
        let api = self.api;
        let o = self.options;
        let url = earlier.or(follows).map_or("", |pr| pr.html_url.as_str());
        let body = self.body(
            earlier.map(|pr| pr.number),
            follows.map(|pr| pr.number),
            url,
        );
        let commit = self.make_commit(base).await?;
        self.place_branch(&commit).await?;
        let created = self
            .post_checked::<Pull>(
                &api.path("/pulls"),
                &json!({
                    "title": o.title,
                    "head": o.branch,
                    "base": base.name,
                    "body": body,
                    "draft": o.draft,
                }),
                "open the pull request",
                Permission::PullRequestsWrite,
                async || self.find_open().await,
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
                self.edit_text(&pr, &body).await?;
                self.decorate(&pr, false, notes).await?;
                Ok((pr, Operation::Updated, commit))
            }
            Err(err) => Err(err),
        }
    }

    /// Bring an open pull request up to date, unless others committed to its branch.
    async fn update(
        &self,
        pr: &Pull,
        base: &mut Base,
        notes: &mut Vec<String>,
    ) -> Result<(Operation, String), GithubError> {
        let head = self.commit(&pr.head.sha).await?;
        let mut head_sha = pr.head.sha.clone();
        let ours = marker::is_ours(&head.message, &head.tree.sha, head.parents.len());
        let handed_back = has_label(pr, REBASE_LABEL);
        if !ours && !handed_back {
            self.hands_off(pr, false, notes).await?;
            // The branch is someone else's now, the deadline still the same: the reminder (a
            // comment and the reviewers asked again) writes nothing to the branch or the text.
            self.remind(pr, notes).await?;
            return Ok((Operation::OthersCommitted, head_sha));
        }
        let mut changed = false;
        if handed_back {
            self.remove_rebase_label(pr.number).await?;
            changed = true;
        }
        if !ours || !self.branch_is_current(&head, base).await? {
            let commit = self.make_commit(base).await?;
            self.force_branch(&commit).await?;
            head_sha = commit;
            changed = true;
        }
        let kept = pr.body.as_deref().and_then(BodyMarker::parse);
        let (earlier, follows) = kept.map_or((None, None), |m| (m.earlier, m.follows));
        changed |= self
            .edit_text(pr, &self.body(earlier, follows, &pr.html_url))
            .await?;
        changed |= self.decorate(pr, false, notes).await?;
        changed |= self.remind(pr, notes).await?;
        let operation = if changed {
            Operation::Updated
        } else {
            Operation::Unchanged
        };
        Ok((operation, head_sha))
    }

    /// Set the title and body when they differ; whether anything was written.
    async fn edit_text(&self, pr: &Pull, body: &str) -> Result<bool, GithubError> {
        let api = self.api;
        let o = self.options;
        let have = pr.body.as_deref().unwrap_or("").replace("\r\n", "\n");
        if pr.title == o.title && have == body {
            return Ok(false);
        }
        api.patch::<_, serde::de::IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"title": o.title, "body": body}),
            "update the pull request's title and description",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(true)
    }

    /// Comment why (once), then close.
    async fn close(&self, pr: &Pull) -> Result<(), GithubError> {
        let api = self.api;
        self.comment_once(pr.number, marker::CLOSING, &self.options.close_comment)
            .await?;
        api.patch::<_, serde::de::IgnoredAny>(
            &api.path(&format!("/pulls/{}", pr.number)),
            &json!({"state": "closed"}),
            "close the pull request",
            Permission::PullRequestsWrite,
        )
        .await?;
        Ok(())
    }

    /// POST something that must exist once (a branch, a pull request, a comment). After a lost
    /// answer or a server error, which may come after GitHub acted, `landed` looks for it; it
    /// is sent again (after the backoff) only when it is not there.
    pub(super) async fn post_checked<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
        what: &str,
        permission: Permission,
        landed: impl AsyncFn() -> Result<Option<T>, GithubError>,
    ) -> Result<T, GithubError> {
        let api = self.api;
        let mut attempt = 0;
        loop {
            attempt += 1;
            match api
                .post::<_, T>(path, body, Replay::Never, what, permission)
                .await
            {
                Err(GithubError::NotRepeated { what, repo, detail }) => {
                    tracing::info!(what, detail, "no sure answer: checking whether it landed");
                    if let Some(found) = landed().await? {
                        return Ok(found);
                    }
                    if !api.retry.may_retry(attempt) {
                        return Err(GithubError::GaveUp {
                            what,
                            repo,
                            detail,
                            attempts: attempt,
                        });
                    }
                    tokio::time::sleep(api.retry.backoff(attempt)).await;
                }
                other => return other,
            }
        }
    }
}
