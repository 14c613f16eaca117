//! The pull request wanted: branch, title, body, commit message, closing comment, labels and
//! reviewers, from the resolved settings (the flags over the configuration over the defaults,
//! settled in [`crate::settings`]) and what the plan tells: the cluster, the deadline, the
//! workloads. Pure: the plan and the settings in, [`Options`] out. Outside text in them is
//! escaped for where it is shown: the title and the commit message as text (control characters
//! shown escaped, so a name can't add a line or a trailer), the body and the comment as
//! markdown ([`crate::report::escape`]).
//!
//! The body is the markdown report, cut to fit ([`crate::report::markdown::render_limited`]),
//! then what `sync` adds when it knows the pull request: the note naming an earlier pull
//! request closed without merging, the footer that says what later runs do and what closing
//! does, and the hidden marker ([`super::marker`]).

use crate::plan::{Action, Plan};
use crate::report::escape;
use crate::settings::{Branch, PullRequest};
use crate::time::format_time;

use super::api::GithubError;
use super::git;
use super::marker::{self, BodyMarker};

/// GitHub refuses bodies over 65,536 characters; the margin covers its counting in UTF-16.
const BODY_LIMIT: usize = 60_000;
/// What the body holds after the report besides the footer: the earlier pull request's note
/// (its URL at most [`URL_LIMIT`]) and the marker.
const TAIL_LIMIT: usize = 600;
const URL_LIMIT: usize = 300;
const FOOTER: &str = "\n---\n<sub>Kept up to date by gitops-restart: later runs rewrite this \
                      branch and this description while the edits change, and close the pull \
                      request when nothing is left to restart. A commit pushed to this branch by anyone else stops \
                      gitops-restart from updating it; add the label `gitops-restart:rebase` to \
                      hand the branch back (the other commits are then replaced).</sub>\n";

/// The pull request wanted, its texts filled in from the plan.
pub(super) struct Options {
    pub(super) base: Option<String>,
    pub(super) branch: String,
    pub(super) title: String,
    /// The markdown report, cut to leave room for the rest of the body.
    pub(super) report: String,
    pub(super) commit_message: String,
    pub(super) close_comment: String,
    pub(super) labels: Vec<String>,
    pub(super) reviewers: Vec<String>,
    pub(super) team_reviewers: Vec<String>,
    pub(super) assignees: Vec<String>,
    pub(super) draft: bool,
}

impl Options {
    pub(super) fn for_plan(plan: &Plan, settings: &PullRequest) -> Result<Options, GithubError> {
        let cluster = plan.cluster.as_deref();
        let branch = match &settings.branch {
            Branch::Named(branch) => branch.clone(),
            Branch::Prefix(prefix) => {
                let cluster = cluster.ok_or_else(|| {
                    GithubError::Setup(
                        "the pull request's branch is named after the cluster: give --cluster \
                         (or a notice that names it), or --branch"
                            .to_owned(),
                    )
                })?;
                format!("{prefix}{cluster}")
            }
        };
        if !git::valid_branch(&branch) {
            return Err(GithubError::Setup(format!(
                "`{branch}` can't be a branch name (spaces, `..`, `~^:?*[\\` and a leading `.` \
                 are not allowed)"
            )));
        }
        let deadline = plan.deadline.map(format_time);
        let cluster = cluster.map(escape::text);
        let cluster = cluster.as_deref();
        let title = match &settings.title {
            // An unknown deadline is said, not dropped: the run's findings say so too.
            Some(template) => template
                .replace("{cluster}", cluster.unwrap_or("the cluster"))
                .replace(
                    "{deadline}",
                    deadline.as_deref().unwrap_or("an unknown deadline"),
                ),
            None => {
                let mut title = "Restart Fargate workloads".to_owned();
                if let Some(cluster) = cluster {
                    title.push_str(&format!(" on {cluster}"));
                }
                match &deadline {
                    Some(deadline) => title.push_str(&format!(" before {deadline}")),
                    None => title.push_str(" (deadline unknown)"),
                }
                title
            }
        };
        let report =
            crate::report::markdown::render_limited(plan, BODY_LIMIT - FOOTER.len() - TAIL_LIMIT);
        Ok(Options {
            base: settings.base.clone(),
            branch,
            commit_message: commit_message(&title, plan),
            close_comment: close_comment(plan),
            title,
            report,
            labels: settings.labels.clone(),
            reviewers: settings.reviewers.clone(),
            team_reviewers: settings.team_reviewers.clone(),
            assignees: settings.assignees.clone(),
            draft: settings.draft,
        })
    }
}

/// `[#N](url)` to pull request `number` at `url` (GitHub's page of it), or `#N` (which GitHub
/// links by itself) when the URL is missing, too long or not one a link may hold.
pub(super) fn pr_link(number: u64, url: Option<&str>) -> String {
    url.filter(|url| url.len() <= URL_LIMIT)
        .and_then(escape::markdown_url)
        .map_or_else(|| format!("#{number}"), |url| format!("[#{number}]({url})"))
}

impl Options {
    /// The body: the report, the note on the earlier pull request `marker` names (at
    /// `earlier_url`, GitHub's page of it), the footer and the marker.
    pub(super) fn body(&self, marker: &BodyMarker, earlier_url: Option<&str>) -> String {
        let mut body = self.report.clone();
        if let Some(number) = marker.earlier {
            let link = pr_link(number, earlier_url);
            body.push_str(&format!(
                "\n> An earlier pull request of this branch, {link}, was closed without merging; \
                 this one holds other edits.\n"
            ));
        }
        body.push_str(FOOTER);
        body.push_str(&marker.render());
        body.push('\n');
        body
    }
}

/// The commit message: the title, then the workloads restarted.
fn commit_message(title: &str, plan: &Plan) -> String {
    const SHOWN: usize = 100;
    let bumped: Vec<String> = plan
        .workloads
        .iter()
        .filter(|w| w.decision.action() == Action::Bump)
        .map(|w| format!("- {}", escape::text(&w.id().to_string())))
        .collect();
    let mut message = format!("{title}\n\n");
    for line in bumped.iter().take(SHOWN) {
        message.push_str(line);
        message.push('\n');
    }
    if bumped.len() > SHOWN {
        message.push_str(&format!("- and {} more\n", bumped.len() - SHOWN));
    }
    message
}

/// Why an open pull request is closed: nothing in the plan needs an edit any more.
fn close_comment(plan: &Plan) -> String {
    let count = |action: Action| {
        plan.workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .count()
    };
    let on = plan
        .cluster
        .as_deref()
        .map_or_else(String::new, |c| format!(" on {}", escape::markdown_code(c)));
    let mut reason = if plan.workloads.is_empty() {
        "no workload is affected any more".to_owned()
    } else {
        format!(
            "no manifest needs a change: {} workload(s) already carry the restart",
            count(Action::AlreadyBumped)
        )
    };
    let manual = count(Action::Manual);
    if manual > 0 {
        reason.push_str(&format!(
            "; {manual} still need a manual action (see `gitops-restart plan`)"
        ));
    }
    format!(
        "Nothing is left to restart through git{on}: {reason}.\n\nClosing this pull request; \
         gitops-restart opens a new one if that changes.\n\n{}",
        marker::CLOSING
    )
}
