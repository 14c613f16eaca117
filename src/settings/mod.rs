//! The run description: what one invocation does, resolved once, up front, from the command line
//! and `.gitops-restart.yaml`.
//!
//! Responsibility: turn the parsed command line ([`Cli`]) into one [`Run`]: check the flags
//! that don't go together, read and check the configuration file (so a configuration error is
//! reported before any work), and settle every value that a flag, an environment variable, the
//! configuration and a default compete for: the annotation in force, the pull request's settings
//! (the flags over the file's `pullRequest` over the defaults), the GitHub API root, and the
//! run's current time (the system's clock, or `GITOPS_RESTART_NOW` for tests), which the restart
//! value and the checks of the dates use. What only the inputs can tell (the notices' cutoff and
//! cluster, the kube context's cluster) is combined later, in the run, by the rules these types
//! state ([`RestartValue::pick`]).
//!
//! It must not do I/O besides reading the configuration file, through the reader
//! [`Run::resolve`] is given (so resolution is pure given the file's text, the clock and
//! `GITOPS_RESTART_NOW`), and it must not let
//! clap out: `args` holds the clap types (each option's flag, environment variable, help and
//! default, declared once), `resolve` turns them into the types here, `manual` renders the
//! completion scripts and man pages from them, and the rest of the crate takes a [`Run`] or one
//! of its parts, never a clap type.

mod args;
mod manual;
mod resolve;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use args::Cli;
pub use manual::{ManPage, completions, man_pages};
pub use resolve::SettingsError;
pub(crate) use resolve::check_branches;

use crate::config::Config;
use crate::inventory::cluster::Access;
use crate::plan::WorkloadRef;

/// One invocation, fully resolved.
#[derive(Debug, Clone)]
pub enum Run {
    /// `plan`, `apply`, `pr` and `verify`: read the notices, the inventory and the repository,
    /// then report (and write, for `apply` and `pr`).
    Pipeline(Box<Pipeline>),
    /// `rbac`: print the read-only ClusterRole and its binding for `group`; reads nothing.
    Rbac { group: String },
    /// `completions`: print the shell's completion script; reads nothing.
    Completions(Shell),
    /// `man`: print the main man page, or write every page into `dir`; reads nothing.
    Man { dir: Option<PathBuf> },
}

/// What `plan`, `apply`, `pr` and `verify` share, and which of them runs. Times given on the
/// command line override the notices'.
#[derive(Debug, Clone)]
pub struct Pipeline {
    pub command: Command,
    /// The GitOps repository's root (`--repo`), which the plan's paths are relative to.
    pub repo: PathBuf,
    /// Where the workloads to restart come from.
    pub selection: Selection,
    /// `--gitops-context`: an Argo CD management cluster whose Applications say where the
    /// repository is deployed (the kubeconfig is the restarted cluster's, `--kubeconfig`).
    pub gitops: Option<Access>,
    /// The AWS notices to read (`-` is stdin).
    pub notices: Vec<PathBuf>,
    /// `--cluster`; else the notices', else the kube context's, found in the run.
    pub cluster: Option<String>,
    /// Consider pods on every node, not only on Fargate.
    pub all_nodes: bool,
    /// `--launched-before`: the cutoff, over the notices'.
    pub launched_before: Option<DateTime<Utc>>,
    /// `--deadline`: when EKS evicts, over the notices'.
    pub deadline: Option<DateTime<Utc>>,
    /// What `plan`, `apply` and `pr` write (`verify` writes nothing).
    pub restart_value: RestartValue,
    pub output: Output,
    /// `--config`, else `<repo>/.gitops-restart.yaml` when it exists, else the defaults.
    pub config: Config,
    /// The pod-template annotation key in force: `--annotation`, else the configuration's,
    /// else `kubectl.kubernetes.io/restartedAt`.
    pub annotation: String,
}

/// Which of the commands that plan runs, with what only it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Print the plan; `exit_code`: exit 2 when edits are pending.
    Plan { exit_code: bool },
    /// Write the edits into the working tree.
    Apply,
    /// Open, update or close the pull request; the working tree stays as it is.
    // Boxed: the other variants hold next to nothing.
    Pr(Box<PullRequest>),
    /// List the old pods left; exit 2 while there are some.
    Verify,
}

/// Where the workloads to restart come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Snapshot files to read (`-` is stdin).
    Snapshots(Vec<PathBuf>),
    /// The named workloads.
    Named(Vec<WorkloadRef>),
    /// Every workload in the repository.
    All,
    /// List the live cluster.
    Cluster(Access),
}

/// The restart value written, the first of: `--restarted-at`; the cutoff (so that re-runs
/// write the same bytes); the latest `time` of the EKS scheduled-termination events (when EKS
/// last reported a pod it could not evict: every pod they name was created before it, so an
/// Argo Rollout's `restartAt` of that time replaces them all, and the same events give the same
/// value); the time of the run. The cutoff and the events are the notices', read in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestartValue {
    /// `--restarted-at`.
    pub given: Option<DateTime<Utc>>,
    /// When the run started, in whole seconds: the system's clock, or `GITOPS_RESTART_NOW`.
    pub now: DateTime<Utc>,
}

/// Where the restart value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestartFrom {
    /// `--restarted-at`.
    Given,
    /// The cutoff (`--launched-before` or the notices').
    Cutoff,
    /// The latest `time` of the scheduled-termination events.
    FailedEvictions,
    /// The time of the run: nothing else gives one.
    Clock,
}

impl RestartValue {
    /// The value to write, and where it comes from, given the cutoff in force and the latest
    /// failed eviction of the notices.
    pub fn pick(
        &self,
        launched_before: Option<DateTime<Utc>>,
        last_failed_eviction: Option<DateTime<Utc>>,
    ) -> (DateTime<Utc>, RestartFrom) {
        if let Some(given) = self.given {
            (given, RestartFrom::Given)
        } else if let Some(cutoff) = launched_before {
            (cutoff, RestartFrom::Cutoff)
        } else if let Some(sent) = last_failed_eviction {
            (truncate_to_seconds(sent), RestartFrom::FailedEvictions)
        } else {
            (self.now, RestartFrom::Clock)
        }
    }
}

/// Restart values are whole seconds: what `kubectl rollout restart` writes, and what reads back.
pub(crate) fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

/// The variable that stands in for the system's clock, for tests: an RFC 3339 time.
pub const NOW_VARIABLE: &str = "GITOPS_RESTART_NOW";

/// The time of the run: `clock`, unless `GITOPS_RESTART_NOW` gives one (for tests). The one
/// place the run's current time is decided.
fn now_or(
    clock: DateTime<Utc>,
    variable: Option<std::ffi::OsString>,
) -> Result<DateTime<Utc>, SettingsError> {
    let Some(value) = variable else {
        return Ok(clock);
    };
    let text = value.to_string_lossy();
    if text.trim().is_empty() {
        return Err(SettingsError::Usage(format!(
            "{NOW_VARIABLE} is set but empty: give it a value, or unset it for the system's clock"
        )));
    }
    crate::time::parse_time(&text).map_err(|e| SettingsError::Usage(format!("{NOW_VARIABLE}: {e}")))
}

/// Report format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Output {
    /// A summary table, notes, and the coloured diff.
    Text,
    /// The stable JSON report (schema 2) for scripts.
    Json,
    /// Markdown, as a pull request body or step summary.
    Markdown,
}

/// The shells `completions` writes a script for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    #[value(name = "powershell")]
    PowerShell,
}

impl Shell {
    /// Every shell, in the order the release archives list them.
    pub const ALL: [Shell; 5] = [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ];
}

/// `pr`'s settings: each the flag, else the configuration's `pullRequest` key, else the default;
/// and how to reach GitHub. What depends on the plan (the cluster in the branch's name, the
/// title's placeholders, the body) is filled in by [`crate::github`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// The environment variable holding the token (read when the request is made).
    pub token_env: String,
    /// The GitHub API root.
    pub api_url: String,
    /// `OWNER/NAME`; else the checkout's `origin` remote says.
    pub github_repo: Option<String>,
    /// The branch to merge into; else the repository's default branch.
    pub base: Option<String>,
    pub branch: Branch,
    /// The title's template, with `{cluster}` and `{deadline}`; else the default title.
    pub title: Option<String>,
    pub labels: Vec<String>,
    pub reviewers: Vec<String>,
    pub team_reviewers: Vec<String>,
    pub assignees: Vec<String>,
    pub draft: bool,
}

/// The pull request's branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Branch {
    /// `--branch` (or `branch:`): this one name.
    Named(String),
    /// This prefix followed by the cluster's name (`--branch-prefix`, `branchPrefix:`, else
    /// `gitops-restart/`).
    Prefix(String),
}

/// Refuse a `GITOPS_RESTART_*` variable that an option reads and that is set but empty (or only
/// spaces): an empty value is an error, not the default (the action unsets the inputs left
/// empty). Names the first such variable.
pub fn check_environment() -> Result<(), SettingsError> {
    check_variables(|name| std::env::var_os(name))
}

fn check_variables(
    value: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<(), SettingsError> {
    use clap::CommandFactory as _;
    let mut commands = vec![Cli::command()];
    while let Some(command) = commands.pop() {
        for arg in command.get_arguments() {
            let Some(name) = arg.get_env().and_then(|n| n.to_str()) else {
                continue;
            };
            if name.starts_with("GITOPS_RESTART_")
                && value(name).is_some_and(|v| v.to_string_lossy().trim().is_empty())
            {
                return Err(SettingsError::Usage(format!(
                    "{name} is set but empty: give it a value, or unset it for the default"
                )));
            }
        }
        commands.extend(command.get_subcommands().cloned());
    }
    Ok(())
}
