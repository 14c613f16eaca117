//! What a run does around the people on its pull request: labels, assignees and reviewers
//! added when missing (and never again once a person took them away), comments posted once,
//! and the comment that says others committed to the branch.
//!
//! Due labels ([`super::due`]) are the one kind a run also removes: the one of ours the
//! deadline's state no longer wants goes in the same PATCH that adds the new one.
//!
//! Converging: every run adds what the pull request lacks of what is wanted, so a step that
//! failed on an earlier run (a label PATCH, a reviewer request answered 5xx) is done by the next
//! one. Respecting people: what is missing is looked up in the pull request's issue events
//! first; a label, an assignee or a reviewer that was set once and is gone now was taken away
//! by a person and stays away, and a wanted reviewer who has reviewed already (GitHub drops
//! them from the requested list) is not asked again. The events and reviews are read only when
//! something wanted is missing, so an unchanged re-run costs no request for this.
//!
//! Comments carry a hidden marker ([`super::marker`]): one is posted only when no comment with
//! its marker exists, and a POST whose answer was lost or a 5xx is checked for that way before
//! it is sent again.

use std::collections::HashSet;

use serde::de::IgnoredAny;
use serde_json::json;

use super::api::{GithubError, Permission};
use super::marker::{self, REBASE_LABEL};
use super::sync::Sync;
use super::wire::{Comment, Event, Pull, Review};
use crate::report::escape;

/// At most this many pages of 100 comments, events or reviews are read.
const PAGES: u32 = 10;

/// What was ever set on the pull request, from its issue events (lowercased).
#[derive(Default)]
pub(super) struct History {
    labeled: HashSet<String>,
    assigned: HashSet<String>,
    requested: HashSet<String>,
    teams: HashSet<String>,
    /// The reviewers and teams whose review request someone removed.
    pub(super) unrequested: HashSet<String>,
    pub(super) unrequested_teams: HashSet<String>,
}

/// The wanted names that `have` lacks, compared without case.
fn missing(have: &[&str], want: &[String]) -> Vec<String> {
    want.iter()
        .filter(|w| !have.iter().any(|h| h.eq_ignore_ascii_case(w)))
        .cloned()
        .collect()
}

pub(super) fn has_label(pr: &Pull, label: &str) -> bool {
    pr.labels.iter().any(|l| l.name.eq_ignore_ascii_case(label))
}

impl Sync<'_> {
    /// Add the wanted labels, assignees and reviewers the pull request lacks; `fresh` when it
    /// was opened by this run (nothing to look up). Whether anything was written.
    pub(super) async fn decorate(
        &self,
        pr: &Pull,
        fresh: bool,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let o = self.options;
        // A due label of ours that the deadline's state no longer wants.
        let stale = |l: &str| {
            super::due::is_due_label(l) && !o.labels.iter().any(|w| w.eq_ignore_ascii_case(l))
        };
        let removing = pr.labels.iter().any(|l| stale(&l.name));
        // The hand-back label is removed by the run that acts on it, never kept by a PATCH.
        let have_labels: Vec<&str> = pr
            .labels
            .iter()
            .map(|l| l.name.as_str())
            .filter(|l| !l.eq_ignore_ascii_case(REBASE_LABEL) && !stale(l))
            .collect();
        let have_assignees: Vec<&str> = pr
            .assignees
            .iter()
            .flatten()
            .map(|u| u.login.as_str())
            .collect();
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
        let labels = missing(&have_labels, &o.labels);
        let assignees = missing(&have_assignees, &o.assignees);
        let reviewers = missing(&requested, &o.reviewers);
        let team_reviewers = missing(&teams, &o.team_reviewers);
        if labels.is_empty()
            && !removing
            && assignees.is_empty()
            && reviewers.is_empty()
            && team_reviewers.is_empty()
        {
            return Ok(false);
        }
        let history = if fresh {
            History::default()
        } else {
            self.history(pr.number).await?
        };
        let never = |set: &HashSet<String>, names: Vec<String>| -> Vec<String> {
            names
                .into_iter()
                .filter(|n| !set.contains(&n.to_lowercase()))
                .collect()
        };
        let labels = never(&history.labeled, labels);
        let assignees = never(&history.assigned, assignees);
        let mut reviewers = never(&history.requested, reviewers);
        let team_reviewers = never(&history.teams, team_reviewers);
        let mut changed = self
            .add_labels_and_assignees(
                pr,
                (&have_labels, &labels, removing),
                &have_assignees,
                &assignees,
            )
            .await?;
        if !reviewers.is_empty() && !fresh {
            let reviewed = self.reviewed(pr.number).await?;
            reviewers.retain(|r| !reviewed.contains(&r.to_lowercase()));
        }
        if reviewers.is_empty() && team_reviewers.is_empty() {
            return Ok(changed);
        }
        let api = self.api;
        let asked = api
            .post::<_, IgnoredAny>(
                &api.path(&format!("/pulls/{}/requested_reviewers", pr.number)),
                &json!({"reviewers": reviewers, "team_reviewers": team_reviewers}),
                // Asking twice is asking once.
                crate::net::Replay::Safe,
                "request reviews",
                Permission::PullRequestsWrite,
            )
            .await;
        match asked {
            Ok(_) => changed = true,
            // The author, or someone without access: the pull request stands without them.
            Err(err @ GithubError::Rejected { status: 422, .. }) => {
                notes.push(format!("reviewers not requested: {err}"));
            }
            Err(err) => return Err(err),
        }
        Ok(changed)
    }

    /// One PATCH for the labels and assignees to add (the issue endpoint sets both), and the
    /// stale due labels to drop (`removing`: `have_labels` lacks them); whether it was sent.
    async fn add_labels_and_assignees(
        &self,
        pr: &Pull,
        (have_labels, labels, removing): (&[&str], &[String], bool),
        have_assignees: &[&str],
        assignees: &[String],
    ) -> Result<bool, GithubError> {
        let all = |have: &[&str], add: &[String]| -> Vec<String> {
            have.iter()
                .map(|h| (*h).to_owned())
                .chain(add.iter().cloned())
                .collect()
        };
        let mut patch = serde_json::Map::new();
        if !labels.is_empty() || removing {
            patch.insert("labels".to_owned(), json!(all(have_labels, labels)));
        }
        if !assignees.is_empty() {
            patch.insert(
                "assignees".to_owned(),
                json!(all(have_assignees, assignees)),
            );
        }
        if patch.is_empty() {
            return Ok(false);
        }
        let api = self.api;
        api.patch::<_, IgnoredAny>(
            &api.path(&format!("/issues/{}", pr.number)),
            &serde_json::Value::Object(patch),
            "set the pull request's labels and assignees",
            Permission::IssuesWrite,
        )
        .await?;
        Ok(true)
    }

    /// The labels, assignees and reviewers ever set on pull request `number`.
    pub(super) async fn history(&self, number: u64) -> Result<History, GithubError> {
        let api = self.api;
        let events: Vec<Event> = api
            .get_all(
                &api.path(&format!("/issues/{number}/events")),
                "read the pull request's events",
                Permission::PullRequestsRead,
                PAGES,
            )
            .await?;
        let mut history = History::default();
        for e in events {
            match e.kind.as_str() {
                "labeled" => history
                    .labeled
                    .extend(e.label.map(|l| l.name.to_lowercase())),
                "assigned" => history
                    .assigned
                    .extend(e.assignee.map(|u| u.login.to_lowercase())),
                "review_requested" => {
                    history
                        .requested
                        .extend(e.requested_reviewer.map(|u| u.login.to_lowercase()));
                    history
                        .teams
                        .extend(e.requested_team.map(|t| t.slug.to_lowercase()));
                }
                "review_request_removed" => {
                    history
                        .unrequested
                        .extend(e.requested_reviewer.map(|u| u.login.to_lowercase()));
                    history
                        .unrequested_teams
                        .extend(e.requested_team.map(|t| t.slug.to_lowercase()));
                }
                _ => {}
            }
        }
        Ok(history)
    }

    /// Who reviewed pull request `number` (lowercased logins).
    async fn reviewed(&self, number: u64) -> Result<HashSet<String>, GithubError> {
        let api = self.api;
        let reviews: Vec<Review> = api
            .get_all(
                &api.path(&format!("/pulls/{number}/reviews")),
                "read the pull request's reviews",
                Permission::PullRequestsRead,
                PAGES,
            )
            .await?;
        Ok(reviews
            .into_iter()
            .filter_map(|r| r.user.map(|u| u.login.to_lowercase()))
            .collect())
    }

    /// Remove the hand-back label from pull request `number`.
    pub(super) async fn remove_rebase_label(&self, number: u64) -> Result<(), GithubError> {
        let api = self.api;
        api.delete(
            &api.path(&format!(
                "/issues/{number}/labels/{}",
                super::git::encode(REBASE_LABEL)
            )),
            "remove the label `gitops-restart:rebase`",
            Permission::IssuesWrite,
        )
        .await
    }

    /// Whether pull request `number` has a comment holding `marker`.
    pub(super) async fn has_comment(&self, number: u64, marker: &str) -> Result<bool, GithubError> {
        let api = self.api;
        let comments: Vec<Comment> = api
            .get_all(
                &api.path(&format!("/issues/{number}/comments")),
                "read the pull request's comments",
                Permission::PullRequestsRead,
                PAGES,
            )
            .await?;
        Ok(comments
            .iter()
            .any(|c| c.body.as_deref().is_some_and(|b| b.contains(marker))))
    }

    /// Post `text` (which holds `marker`) on pull request `number` unless a comment with
    /// `marker` is there already; whether it was posted.
    pub(super) async fn comment_once(
        &self,
        number: u64,
        marker: &str,
        text: &str,
    ) -> Result<bool, GithubError> {
        if self.has_comment(number, marker).await? {
            return Ok(false);
        }
        self.post_comment(number, marker, text).await?;
        Ok(true)
    }

    /// Post `text`, which holds `marker`, on `number`, known not to be there: checked for
    /// having landed before it is sent again.
    pub(super) async fn post_comment(
        &self,
        number: u64,
        marker: &str,
        text: &str,
    ) -> Result<(), GithubError> {
        let api = self.api;
        self.post_checked::<IgnoredAny>(
            &api.path(&format!("/issues/{number}/comments")),
            &json!({"body": text}),
            "comment on the pull request",
            Permission::IssuesWrite,
            async || {
                Ok(self
                    .has_comment(number, marker)
                    .await?
                    .then_some(IgnoredAny))
            },
        )
        .await?;
        Ok(())
    }

    /// Others committed to the branch of `pr`: say so once on it, and in the report's notes.
    /// `nothing_left` when the plan has no edits (the pull request would have been closed).
    pub(super) async fn hands_off(
        &self,
        pr: &Pull,
        nothing_left: bool,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let head = escape::markdown_code(&pr.head.sha);
        let label = escape::markdown_code(REBASE_LABEL);
        let left = if nothing_left {
            " Nothing is left to restart through git any more: close this pull request when you \
             are done with it."
        } else {
            ""
        };
        let text = format!(
            "This branch has commits that gitops-restart did not make (its head is {head}), so \
             gitops-restart no longer updates the branch or this description.{left}\n\nTo hand \
             the branch back, add the label {label}: the next run replaces the branch with its \
             own commit on the base branch (the other commits are dropped) and removes the \
             label. Removing the other commits from the branch, so that gitops-restart's commit \
             is its head again, hands it back too.\n\n{}",
            marker::OTHERS_COMMITTED
        );
        let posted = self
            .comment_once(pr.number, marker::OTHERS_COMMITTED, &text)
            .await?;
        notes.push(format!(
            "branch {} has commits by others: not updated{}; add the label {REBASE_LABEL} to \
             pull request #{} to hand it back",
            self.options.branch,
            if nothing_left {
                ", and not closed although nothing is left to restart"
            } else {
                ""
            },
            pr.number
        ));
        Ok(posted)
    }
}
