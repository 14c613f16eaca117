//! The time-dependent part of a run against the API: the reminder when 48 hours are left
//! ([`super::due`]), and the follow-through on a merged pull request ([`super::follow`]).
//!
//! Both say things once, through the hidden markers of their comments: a re-run at the same
//! time reads the comments and writes nothing. The reminder asks the reviewers again before it
//! comments (a failure between the two asks once more on the next run rather than never); the
//! follow-through comments only on a pull request of ours (its body holds our marker).

use serde::de::IgnoredAny;
use serde_json::json;

use super::api::{GithubError, Permission};
use super::due;
use super::follow;
use super::marker::BodyMarker;
use super::sync::Sync;
use super::wire::Pull;
use crate::plan::Action;
use crate::report::pull_request::{Followed, PullRequestReport};

impl Sync<'_> {
    /// The merged pull request to follow through: the branch's last one (no pull request is
    /// open when this is asked), ours, merged after this run's cutoff.
    pub(super) fn followed<'p>(&self, pulls: &'p [Pull]) -> Option<&'p Pull> {
        let last = pulls.iter().max_by_key(|p| p.number)?;
        let ours = last.body.as_deref().and_then(BodyMarker::parse).is_some();
        (last.state == "closed"
            && ours
            && follow::follows(last.merged_at.as_deref(), self.plan.launched_before))
        .then_some(last)
    }

    /// Comment the verification on `merged`, once per distinct result, and say so in
    /// `report`'s `followed`. Without an inventory there is nothing to verify: a note says how
    /// to.
    pub(super) async fn follow_through(
        &self,
        merged: &Pull,
        report: &mut PullRequestReport,
    ) -> Result<(), GithubError> {
        let Some(verify) = self.verification else {
            report.notes.push(format!(
                "pull request #{} merged; this run has no inventory of the cluster, so whether \
                 its pods restarted is not checked: run `gitops-restart verify`, or `pr` with \
                 --snapshot or the live cluster",
                merged.number
            ));
            return Ok(());
        };
        let verification = &verify();
        let follow_up: Vec<String> = if self.changes.is_empty() {
            Vec::new()
        } else {
            self.plan
                .workloads
                .iter()
                .filter(|w| w.decision.action() == Action::Bump)
                .map(|w| w.id().to_string())
                .collect()
        };
        let edits = (!self.changes.is_empty()).then_some(self.edits.as_str());
        let marker = follow::marker(verification, edits);
        let text = follow::comment(verification, &follow_up, self.plan.now, &marker);
        let posted = self.comment_once(merged.number, &marker, &text).await?;
        if posted {
            tracing::info!(
                number = merged.number,
                pods = verification.remaining_pods,
                "commented the verification on the merged pull request"
            );
        }
        report.followed = Some(Followed {
            number: merged.number,
            url: merged.html_url.clone(),
            remaining_pods: verification.remaining_pods,
            remaining_workloads: verification.workloads.len(),
            commented: posted,
        });
        Ok(())
    }

    /// When at most 48 hours are left and `pr` was opened before: ask its reviewers again and
    /// say what is left, once. Whether anything was written.
    pub(super) async fn remind(
        &self,
        pr: &Pull,
        notes: &mut Vec<String>,
    ) -> Result<bool, GithubError> {
        let created = pr.created_at.as_deref();
        if !due::reminds(self.plan, self.plan.now, created)
            || self.has_comment(pr.number, due::REMINDER).await?
        {
            return Ok(false);
        }
        let o = self.options;
        let (mut reviewers, mut teams) = (o.reviewers.clone(), o.team_reviewers.clone());
        if !reviewers.is_empty() || !teams.is_empty() {
            // Those whose request a person removed stay away.
            let history = self.history(pr.number).await?;
            reviewers.retain(|r| !history.unrequested.contains(&r.to_lowercase()));
            teams.retain(|t| !history.unrequested_teams.contains(&t.to_lowercase()));
        }
        if !reviewers.is_empty() || !teams.is_empty() {
            let api = self.api;
            let asked = api
                .post::<_, IgnoredAny>(
                    &api.path(&format!("/pulls/{}/requested_reviewers", pr.number)),
                    &json!({"reviewers": reviewers, "team_reviewers": teams}),
                    crate::net::Replay::Safe,
                    "request reviews again",
                    Permission::PullRequestsWrite,
                )
                .await;
            match asked {
                Ok(_) => {}
                Err(err @ GithubError::Rejected { status: 422, .. }) => {
                    notes.push(format!("reviewers not requested again: {err}"));
                    reviewers.clear();
                    teams.clear();
                }
                Err(err) => return Err(err),
            }
        }
        let asked: Vec<String> = reviewers.into_iter().chain(teams).collect();
        let Some(text) = due::reminder(self.plan, self.plan.now, created, &asked) else {
            return Ok(false);
        };
        // Not there: looked for above, before the reviewers were asked.
        self.post_comment(pr.number, due::REMINDER, &text).await?;
        Ok(true)
    }
}
