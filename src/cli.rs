//! The command line: clap types, turned once into [`Settings`]. Nothing deeper sees clap.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::edit::DEFAULT_ANNOTATION;
use crate::plan::WorkloadRef;
use crate::time::parse_time;

const AFTER_HELP: &str = "\
What to restart comes from one of:
  --snapshot FILE    the cluster's objects, as this prints them (Argo Rollouts: add rollouts):
                       kubectl get po,rs,deploy,sts,ds,job,cj,pdb -A -o json > snapshot.json
  --workload NS/KIND/NAME or --all-workloads    no inventory: the named or all workloads
The cutoff comes from --notice (an AWS Health event, describe-event-details output, or EKS
Fargate Pod Scheduled Termination events) or --launched-before.

Exit codes: 0 done or nothing to do; 1 error; 2 edits pending (plan --exit-code).

Examples:
  gitops-restart plan --repo fixtures/demo/repo \\
      --snapshot fixtures/demo/snapshot.json --notice fixtures/demo/notice.json
  kubectl get po,rs,deploy,sts,ds,job,cj,pdb -A -o json \\
      | gitops-restart plan --snapshot - --launched-before 2026-11-20 --output markdown
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

    /// Inventory from a file (repeatable; `-` reads stdin): JSON or YAML, a `v1 List` as
    /// `kubectl get ... -A -o json` prints it, single objects, or several documents.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["workload", "all_workloads"])]
    pub snapshot: Vec<PathBuf>,

    /// An AWS notice (repeatable): AWS Health event (EventBridge form or
    /// `aws health describe-event-details` output) or EKS Fargate Pod Scheduled Termination
    /// events. Gives the cutoff, the deadline, the cluster, and for the latter the exact pods.
    #[arg(long, value_name = "FILE")]
    pub notice: Vec<PathBuf>,

    /// The cluster being restarted [default: from the notice].
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,

    /// Consider pods on every node, not only on Fargate.
    #[arg(long)]
    pub all_nodes: bool,

    /// Restart this workload (repeatable). KIND is Deployment, StatefulSet, DaemonSet or Rollout.
    ///
    /// A manifest matches when it declares the same namespace, or none (then only when it is the
    /// only candidate in the repository).
    #[arg(long, value_name = "NS/KIND/NAME", value_parser = parse_workload)]
    pub workload: Vec<WorkloadRef>,

    /// Restart every restartable workload found in the repository.
    #[arg(long, conflicts_with = "workload")]
    pub all_workloads: bool,

    /// The cutoff: pods created before it are affected, and manifests already restarted at or
    /// after it are left as they are. RFC 3339, or YYYY-MM-DD meaning 00:00 UTC. Overrides the
    /// notice's; also the default restart value.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub launched_before: Option<DateTime<Utc>>,

    /// When EKS will evict; shown in every report. Overrides the notice's.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub deadline: Option<DateTime<Utc>>,

    /// The restart value to write [default: the cutoff, so that re-runs write the same bytes;
    /// without a cutoff, the current time].
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

/// Where the workloads to restart come from.
#[derive(Debug, Clone)]
pub enum Selection {
    /// Snapshot files to read (`-` is stdin).
    Snapshots(Vec<PathBuf>),
    /// The named workloads.
    Named(Vec<WorkloadRef>),
    /// Every workload in the repository.
    All,
}

/// What a run does, validated. Times given on the command line override the notices'.
#[derive(Debug, Clone)]
pub struct Settings {
    pub mode: Mode,
    pub repo: PathBuf,
    pub selection: Selection,
    pub notices: Vec<PathBuf>,
    pub cluster: Option<String>,
    pub all_nodes: bool,
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub restarted_at: Option<DateTime<Utc>>,
    /// The restart value when neither a cutoff nor `--restarted-at` gives one.
    pub now: DateTime<Utc>,
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
    /// Validate the parsed command line. `now` is the last-resort restart value.
    pub fn from_cli(cli: Cli, now: DateTime<Utc>) -> Result<Settings, String> {
        let (mode, common, exit_code) = match cli.command {
            Command::Plan { common, exit_code } => (Mode::Plan, common, exit_code),
            Command::Apply { common } => (Mode::Apply, common, false),
        };
        if common
            .snapshot
            .iter()
            .filter(|p| p.as_os_str() == "-")
            .count()
            > 1
        {
            return Err("--snapshot - (stdin) can be given only once".to_owned());
        }
        let selection = if common.all_workloads {
            Selection::All
        } else if !common.workload.is_empty() {
            Selection::Named(common.workload)
        } else if !common.snapshot.is_empty() {
            Selection::Snapshots(common.snapshot)
        } else {
            return Err(
                "say what to restart: --snapshot FILE (the cluster's objects), \
                        --workload NS/KIND/NAME (repeatable) or --all-workloads"
                    .to_owned(),
            );
        };
        if common.annotation.trim().is_empty() {
            return Err("--annotation must not be empty".to_owned());
        }
        Ok(Settings {
            mode,
            repo: common.repo,
            selection,
            notices: common.notice,
            cluster: common.cluster,
            all_nodes: common.all_nodes,
            launched_before: common.launched_before,
            deadline: common.deadline,
            restarted_at: common.restarted_at,
            now: truncate_to_seconds(now),
            annotation: common.annotation,
            output: common.output,
            exit_code,
        })
    }
}

/// Restart values are whole seconds: what `kubectl rollout restart` writes, and what reads back.
pub fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}
