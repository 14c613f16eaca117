//! `gitops-restart pr`: the plan's edits as one pull request per cluster, kept up to date, and
//! a careful colleague to the people who share it (Renovate is the reference).
//!
//! The commit is made through the Git Data API (a tree with the changed files on the base
//! branch's tree, then a commit), so no git credentials are needed and GitHub signs it for App
//! and Actions tokens; the local working tree is never written. The branch is deterministic
//! (`gitops-restart/<cluster>`), so each run finds the pull request the last one opened and
//! updates it: nothing is written when the branch already holds exactly these changes on the
//! current base and the title, body, labels, assignees and reviewers are as wanted. Before
//! anything is written, every file to change is compared (by blob id) with the base branch: a
//! stale checkout would otherwise revert a change made there since.
//!
//! People come first:
//! - a pull request with nothing left to restart is closed (with a comment) only on evidence
//!   ([`evidence`]: the repository shows the restart merged, or the inventory is plausibly the
//!   whole cluster, [`crate::inventory::completeness`]); otherwise the run fails, saying why,
//!   and writes nothing;
//! - commits others push to the branch stop every update of the branch and the description;
//!   a comment says so once, and the label `gitops-restart:rebase` hands the branch back;
//! - a pull request closed without merging is not opened again for the same edits (the
//!   fingerprint in its body's hidden marker); a new one, for other edits, names it;
//! - labels, assignees and reviewers are added when missing, except those a person took away;
//! - as the deadline nears, the title and a label say so, and when 48 hours are left the
//!   reviewers are asked again, once, with a comment that says what is left ([`due`]);
//! - on the first run after a pull request of ours merged, the verification of this run's
//!   inventory is commented on it, once per distinct result, and what is left to restart through
//!   git opens as a follow-up pull request that names it ([`follow`]).
//!
//! Converging: each step can fail and be re-run: an orphan tree or commit is harmless, a branch
//! without a pull request is reused, labels, assignees and reviewers an earlier run failed to
//! set are set by the next one, and a POST that creates (the branch, the pull request, a
//! comment) is checked for after a lost answer or a 5xx instead of being sent twice.
//!
//! It takes `pr`'s settings resolved ([`crate::settings::PullRequest`]: the flags over the
//! configuration over the defaults), never flags or the configuration file.
//!
//! Layout: `options` fills in the pull request wanted from those settings and the plan (pure),
//! `evidence` decides whether an empty plan may close it (pure), `marker` is what marks our
//! commits, bodies and comments (pure), `due` what the deadline makes of the title, the labels
//! and the reminder (pure), `follow` the comment after the merge (pure); `sync` runs it against
//! the API, with `branch` (the base, the commit, the branch), `people` (labels, assignees,
//! reviewers, comments) and `lifecycle` (the reminder, the follow-through); `wire` holds the
//! shapes of GitHub's answers, `api` the calls with their retries and errors, `git` blob ids,
//! branch names and remotes. What happened is a [`PullRequestReport`], a report type: this
//! module depends on [`crate::report`], never the other way round.

mod api;
mod branch;
mod due;
mod evidence;
mod follow;
mod git;
mod lifecycle;
mod marker;
mod options;
mod people;
mod sync;
mod wire;

use std::path::Path;
use std::time::Duration;

use api::Api;
pub use api::GithubError;
use git::RepoSlug;
use options::Options;
use sync::{Change, Sync};

use crate::inventory::Completeness;
use crate::net::RetryPolicy;
use crate::report::pull_request::PullRequestReport;

use crate::plan::Plan;
use crate::settings::PullRequest;
use crate::verify::Verification;

/// Make the verification of this run's inventory ([`crate::verify::check`]).
pub type Verify<'a> = dyn Fn() -> Verification + 'a;

/// What `pr` knows besides the plan (which carries the time of the run): what this run's
/// inventory shows of the restart (for the follow-through after a merge).
pub struct Context<'a> {
    /// What `verify` reports on this run's inventory, made when asked: only the run after a
    /// merge needs it, the others skip its plan; `None` without an inventory.
    pub verification: Option<&'a Verify<'a>>,
}

/// Internal: the retry time unit in milliseconds, so that tests run the real schedule quickly.
const TIME_UNIT_VAR: &str = "GITOPS_RESTART_GITHUB_TIME_UNIT_MS";

/// Open, update, leave alone or close the pull request for `plan`, made from the checkout at
/// `repo_dir`, as `settings` (resolved from the flags and the configuration) say. `inventory`
/// is how complete the run's inventory is (`None` without one): the evidence an empty plan
/// needs to close the pull request; `context` the verification (the time of the run is the
/// plan's).
pub fn publish(
    plan: &Plan,
    repo_dir: &Path,
    settings: &PullRequest,
    inventory: Option<&Completeness>,
    context: &Context<'_>,
) -> Result<PullRequestReport, GithubError> {
    let mut options = Options::for_plan(plan, settings)?;
    // The deadline's state: the title's prefix and our label (the commit message keeps the
    // plain title, so the commit does not change with the time).
    let due = due::Due::at(plan.deadline, plan.now);
    options.title = due.title(&options.title);
    if let Some(label) = due.label()
        && !options.labels.iter().any(|l| l.eq_ignore_ascii_case(label))
    {
        options.labels.push(label.to_owned());
    }
    let token = std::env::var(&settings.token_env)
        .ok()
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| GithubError::NoToken {
            var: settings.token_env.clone(),
        })?;
    let slug = match settings.github_repo.as_deref() {
        Some(text) => RepoSlug::parse(text).ok_or_else(|| {
            GithubError::Setup(format!(
                "`{text}` is not a GitHub repository: give --github-repo OWNER/NAME"
            ))
        })?,
        None => {
            let url = git::origin_url(repo_dir).ok_or_else(|| {
                GithubError::Setup(format!(
                    "which GitHub repository? {} has no `origin` remote: give --github-repo \
                     OWNER/NAME (or set GITHUB_REPOSITORY)",
                    repo_dir.display()
                ))
            })?;
            RepoSlug::from_remote_url(&url).ok_or_else(|| {
                GithubError::Setup(format!(
                    "the `origin` remote {} names no OWNER/NAME: give --github-repo OWNER/NAME",
                    git::redact_url(&url)
                ))
            })?
        }
    };
    // Plan paths are relative to --repo, which may be a folder of the checkout.
    let prefix = git::checkout_prefix(repo_dir);
    let changes: Vec<Change> = plan
        .edits
        .iter()
        .map(|edit| Change {
            path: format!("{prefix}{}", edit.path),
            before_id: (!edit.created).then(|| git::blob_id(edit.before.as_bytes())),
            after_id: git::blob_id(edit.after.as_bytes()),
            after: &edit.after,
        })
        .collect();
    let edits = marker::fingerprint(
        changes
            .iter()
            .map(|c| (c.path.as_str(), c.after_id.as_str())),
    );
    let refusal = evidence::close_refusal(plan, inventory);
    let mut retry = RetryPolicy::GITHUB;
    if let Some(ms) = std::env::var(TIME_UNIT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
    {
        retry.first = Duration::from_millis(ms);
    }
    crate::net::block_on(async {
        let api = Api::new(&settings.api_url, token, &settings.token_env, slug, retry)?;
        Sync {
            api: &api,
            options: &options,
            changes: &changes,
            edits,
            refusal,
            plan,
            verification: context.verification,
        }
        .run()
        .await
    })
    .map_err(|e| GithubError::Setup(format!("cannot start the network runtime: {e}")))?
}
