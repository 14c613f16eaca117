//! The command line: clap types, turned once into [`Settings`]. Nothing deeper sees clap.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::edit::DEFAULT_ANNOTATION;
use crate::plan::{Targets, WorkloadRef};
use crate::time::parse_time;

const AFTER_HELP: &str = "\
Exit codes: 0 done or nothing to do; 1 error; 2 edits pending (plan --exit-code).

Examples:
  gitops-restart plan --repo fixtures/demo/repo --all-workloads
  gitops-restart plan --workload shop/Deployment/frontend --restarted-at 2026-11-20
  gitops-restart apply --all-workloads --launched-before 2026-11-20 --output json";

/// Restart EKS Fargate workloads through your GitOps repository.
///
/// gitops-restart writes a `kubectl.kubernetes.io/restartedAt` pod-template annotation (Argo
/// Rollouts: `spec.restartAt`) into the manifests of exactly the workloads to restart, touching
/// nothing else in the files, so Argo CD or Flux rolls the pods through the normal delivery path.
#[derive(Debug, Parser)]
#[command(name = "gitops-restart", version, after_help = AFTER_HELP, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the plan and the unified diff; changes nothing.
    #[command(after_help = AFTER_HELP)]
    Plan {
        #[command(flatten)]
        common: Common,
        /// Exit with 2 when the plan has edits pending (for CI checks).
        #[arg(long)]
        exit_code: bool,
    },
    /// Write the planned edits into the working tree (atomically, file by file).
    #[command(after_help = AFTER_HELP)]
    Apply {
        #[command(flatten)]
        common: Common,
    },
}

/// Report format on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// A summary table, notes, and the coloured diff.
    Text,
    /// The stable JSON report (schema 1) for scripts.
    Json,
    /// Markdown, as a pull request body or step summary.
    Markdown,
}

#[derive(Debug, Args)]
pub struct Common {
    /// GitOps repository root.
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".",
        env = "GITOPS_RESTART_REPO"
    )]
    pub repo: PathBuf,

    /// Restart this workload (repeatable). KIND is Deployment, StatefulSet, DaemonSet or Rollout.
    ///
    /// A manifest matches when it declares the same namespace, or none (then only when it is the
    /// only candidate in the repository).
    #[arg(long, value_name = "NS/KIND/NAME", value_parser = parse_workload)]
    pub workload: Vec<WorkloadRef>,

    /// Restart every restartable workload found in the repository.
    #[arg(long, conflicts_with = "workload")]
    pub all_workloads: bool,

    /// The cutoff: manifests already restarted at or after it are left as they are.
    /// RFC 3339, or YYYY-MM-DD meaning 00:00 UTC. Also the default restart value.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub launched_before: Option<DateTime<Utc>>,

    /// When EKS will evict; shown in every report.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub deadline: Option<DateTime<Utc>>,

    /// The restart value to write [default: the cutoff, else the current time].
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub restarted_at: Option<DateTime<Utc>>,

    /// The pod-template annotation key to write.
    #[arg(long, value_name = "KEY", default_value = DEFAULT_ANNOTATION)]
    pub annotation: String,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

fn parse_workload(s: &str) -> Result<WorkloadRef, String> {
    s.parse()
}

fn parse_time_arg(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time(s)
}

/// What a run does, validated.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub repo: PathBuf,
    pub targets: Targets,
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub restarted_at: DateTime<Utc>,
    pub annotation: String,
    pub output: Output,
    pub exit_code: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Apply,
}

impl Settings {
    /// Validate the parsed command line. `now` is the fallback restart value.
    pub fn from_cli(cli: Cli, now: DateTime<Utc>) -> Result<Settings, String> {
        let (mode, common, exit_code) = match cli.command {
            Command::Plan { common, exit_code } => (Mode::Plan, common, exit_code),
            Command::Apply { common } => (Mode::Apply, common, false),
        };
        let targets = if common.all_workloads {
            Targets::All
        } else if !common.workload.is_empty() {
            Targets::Named(common.workload)
        } else {
            return Err(
                "say what to restart: --workload NS/KIND/NAME (repeatable) or --all-workloads"
                    .to_owned(),
            );
        };
        if common.annotation.trim().is_empty() {
            return Err("--annotation must not be empty".to_owned());
        }
        let restarted_at = common
            .restarted_at
            .or(common.launched_before)
            .unwrap_or_else(|| now.with_timezone(&Utc));
        Ok(Settings {
            mode,
            repo: common.repo,
            targets,
            launched_before: common.launched_before,
            deadline: common.deadline,
            restarted_at: truncate_to_seconds(restarted_at),
            annotation: common.annotation,
            output: common.output,
            exit_code,
        })
    }
}

fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}
