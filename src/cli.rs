//! The command line: clap types, turned once into [`Settings`]. Nothing deeper sees clap.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::edit::DEFAULT_ANNOTATION;
use crate::plan::WorkloadRef;
use crate::time::parse_time;

const AFTER_HELP: &str = "\
What to restart comes from one of:
  the live cluster   the default: --kubeconfig/--context, else KUBECONFIG or ~/.kube/config,
                       else the in-cluster service account; read-only, see `gitops-restart rbac`
  --snapshot FILE    the cluster's objects, as this prints them (Argo Rollouts: add rollouts):
                       kubectl get po,rs,deploy,sts,ds,job,cj,pdb -A -o json > snapshot.json
  --workload NS/KIND/NAME or --all-workloads    no inventory: the named or all workloads
The cutoff comes from --notice (an AWS Health event, describe-event-details output, or EKS
Fargate Pod Scheduled Termination events) or --launched-before.

Exit codes: 0 done or nothing to do; 1 error; 2 edits pending (plan --exit-code).

Examples:
  gitops-restart plan --repo fixtures/demo/repo \\
      --snapshot fixtures/demo/snapshot.json --notice fixtures/demo/notice.json
  gitops-restart plan --context prod-eks --notice health-event.json --output markdown
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

    /// Log on stderr what is read and decided: -v what was read and planned, -vv also where
    /// each workload was found and every API request (method, path, status, time), -vvv trace.
    /// RUST_LOG (for example `gitops_restart=debug`) overrides; in GitHub Actions, debug logging
    /// (RUNNER_DEBUG=1) gives -vv. Never a credential.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
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
    /// Open or update the pull request that carries the restart, through the GitHub API; the
    /// working tree is left as it is.
    #[command(after_help = PR_HELP)]
    Pr {
        #[command(flatten)]
        common: Common,
        // Boxed: the variants of a clap enum should be of similar size.
        #[command(flatten)]
        pr: Box<PrArgs>,
    },
    /// List the Fargate pods still created before the cutoff, by workload, with what to do next.
    #[command(after_help = crate::verify::HELP)]
    Verify(VerifyArgs),
    /// Print the read-only ClusterRole and ClusterRoleBinding the live inventory needs.
    #[command(after_help = crate::rbac::HELP)]
    Rbac(RbacArgs),
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

/// The inventory, cutoff and report options every command that plans shares (`plan`, `apply`,
/// `pr`, `verify`).
#[derive(Debug, Args)]
pub struct InventoryArgs {
    /// GitOps repository root.
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".",
        env = "GITOPS_RESTART_REPO"
    )]
    pub repo: PathBuf,

    /// Inventory from a file (repeatable; `-` reads stdin; a pipe such as `<(kubectl get ...)`
    /// works): JSON or YAML, a `v1 List` as `kubectl get ... -A -o json` prints it, single
    /// objects, or several documents. At most 1 GiB each.
    #[arg(
        long,
        value_name = "FILE",
        env = "GITOPS_RESTART_SNAPSHOT",
        value_delimiter = ','
    )]
    pub snapshot: Vec<PathBuf>,

    #[command(flatten)]
    pub kube: KubeArgs,

    /// An AWS notice (repeatable): AWS Health event (EventBridge form or
    /// `aws health describe-event-details` output) or EKS Fargate Pod Scheduled Termination
    /// events. Gives the cutoff, the deadline, the cluster, and for the latter the exact pods.
    /// JSON (one value, or one per line) or YAML, at most 16 MiB each; `-` reads stdin.
    #[arg(
        long,
        value_name = "FILE",
        env = "GITOPS_RESTART_NOTICE",
        value_delimiter = ','
    )]
    pub notice: Vec<PathBuf>,

    /// The cluster being restarted [default: from the notice, else the kube context]. It selects
    /// the repository paths that deploy to it: `clusters:` in .gitops-restart.yaml, Argo CD
    /// destinations, Flux `clusters/<name>/` folders.
    #[arg(long, value_name = "NAME", env = "GITOPS_RESTART_CLUSTER")]
    pub cluster: Option<String>,

    /// Consider pods on every node, not only on Fargate.
    #[arg(long)]
    pub all_nodes: bool,

    /// The cutoff: pods created before it are affected, and manifests already restarted at or
    /// after it are left as they are. RFC 3339, or YYYY-MM-DD meaning 00:00 UTC. Overrides the
    /// notice's; also the default restart value.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time_arg,
        env = "GITOPS_RESTART_LAUNCHED_BEFORE"
    )]
    pub launched_before: Option<DateTime<Utc>>,

    /// When EKS will evict; shown in every report. Overrides the notice's.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time_arg,
        env = "GITOPS_RESTART_DEADLINE"
    )]
    pub deadline: Option<DateTime<Utc>>,

    /// The pod-template annotation key to write [default: the config's `annotation`, else
    /// kubectl.kubernetes.io/restartedAt].
    #[arg(long, value_name = "KEY")]
    pub annotation: Option<String>,

    /// The configuration file, at most 16 MiB [default: <repo>/.gitops-restart.yaml when it
    /// exists].
    #[arg(long, value_name = "FILE", env = "GITOPS_RESTART_CONFIG")]
    pub config: Option<PathBuf>,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

/// Options of `plan`, `apply` and `pr`: the inventory ones, and what to restart with which value.
#[derive(Debug, Args)]
pub struct Common {
    #[command(flatten)]
    pub inventory: InventoryArgs,

    /// Restart this workload (repeatable). KIND is Deployment, StatefulSet, DaemonSet or Rollout.
    ///
    /// A manifest matches when it declares the same namespace, or none (then only when it is the
    /// only candidate in the repository).
    #[arg(long, value_name = "NS/KIND/NAME", value_parser = parse_workload, conflicts_with = "snapshot")]
    pub workload: Vec<WorkloadRef>,

    /// Restart every restartable workload found in the repository.
    #[arg(long, conflicts_with_all = ["workload", "snapshot"])]
    pub all_workloads: bool,

    /// The restart value to write [default: the cutoff, so that re-runs write the same bytes;
    /// without a cutoff, the current time].
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub restarted_at: Option<DateTime<Utc>>,
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
    /// List the live cluster.
    Cluster(crate::inventory::cluster::Access),
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
    /// `--annotation`; see [`Settings::annotation`] for the one in force.
    pub annotation_flag: Option<String>,
    /// `--config`, else `<repo>/.gitops-restart.yaml` when it exists.
    pub config_path: Option<PathBuf>,
    pub output: Output,
    pub exit_code: bool,
    /// `pr`'s options.
    pub pull_request: Option<crate::github::PrFlags>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Plan,
    Apply,
    /// `pr`: open, update or close the pull request.
    Pr,
    /// `verify`: list the old pods left; exit 2 when there are some.
    Verify,
}

impl Settings {
    /// Validate the parsed command line. `now` is the last-resort restart value.
    pub fn from_cli(cli: Cli, now: DateTime<Utc>) -> Result<Settings, String> {
        let mut pull_request = None;
        let (mode, common, exit_code) = match cli.command {
            Command::Plan { common, exit_code } => (Mode::Plan, common, exit_code),
            Command::Apply { common } => (Mode::Apply, common, false),
            Command::Pr { common, pr } => {
                pull_request = Some(pr.into_flags());
                (Mode::Pr, common, false)
            }
            Command::Verify(args) => (Mode::Verify, args.into_common(), true),
            Command::Rbac(_) => return Err("`rbac` needs no settings".to_owned()),
        };
        if common
            .inventory
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
        } else if !common.inventory.snapshot.is_empty() {
            Selection::Snapshots(common.inventory.snapshot)
        } else {
            Selection::Cluster(common.inventory.kube.access())
        };
        if !matches!(selection, Selection::Cluster(_)) && common.inventory.kube.given() {
            return Err(
                "--kubeconfig and --context read the live cluster: leave them out with \
                        --snapshot, --workload or --all-workloads"
                    .to_owned(),
            );
        }
        if common
            .inventory
            .annotation
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            return Err("--annotation must not be empty".to_owned());
        }
        Ok(Settings {
            mode,
            repo: common.inventory.repo,
            selection,
            notices: common.inventory.notice,
            cluster: common.inventory.cluster,
            all_nodes: common.inventory.all_nodes,
            launched_before: common.inventory.launched_before,
            deadline: common.inventory.deadline,
            restarted_at: common.restarted_at,
            now: truncate_to_seconds(now),
            annotation_flag: common.inventory.annotation,
            config_path: common.inventory.config,
            output: common.inventory.output,
            exit_code,
            pull_request,
        })
    }
}

impl Settings {
    /// The annotation key in force: the flag, else the configuration's, else the default.
    pub fn annotation(&self, config: &crate::config::Config) -> String {
        self.annotation_flag
            .clone()
            .or_else(|| config.annotation.clone())
            .unwrap_or_else(|| DEFAULT_ANNOTATION.to_owned())
    }
}

/// Restart values are whole seconds: what `kubectl rollout restart` writes, and what reads back.
pub fn truncate_to_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

const KUBE_HEADING: &str = "Cluster access (the default inventory)";

/// How to reach the live cluster (the inventory when no other is given).
#[derive(Debug, Args)]
pub struct KubeArgs {
    /// The kubeconfig file [default: $KUBECONFIG (a list of files, merged), else
    /// ~/.kube/config, else the in-cluster service account]. EKS: `aws eks update-kubeconfig
    /// --name CLUSTER` writes one whose `aws eks get-token` exec plugin is run as needed.
    #[arg(long, value_name = "FILE", help_heading = KUBE_HEADING)]
    pub kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use [default: its current-context].
    #[arg(
        long,
        value_name = "NAME",
        help_heading = KUBE_HEADING,
        env = "GITOPS_RESTART_CONTEXT"
    )]
    pub context: Option<String>,

    /// How long one API request may take (`30s`, `500ms`, `2m`). Timeouts, 5xx and 429 are
    /// retried with backoff, 4 tries in all.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        value_parser = parse_duration,
        help_heading = KUBE_HEADING
    )]
    pub request_timeout: std::time::Duration,
}

impl KubeArgs {
    fn access(&self) -> crate::inventory::cluster::Access {
        crate::inventory::cluster::Access {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
            timeout: self.request_timeout,
        }
    }

    fn given(&self) -> bool {
        self.kubeconfig.is_some() || self.context.is_some()
    }
}

/// `30s`, `500ms`, `2m`, or plain seconds.
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (number, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map_or((s, ""), |at| s.split_at(at));
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{s}` is not a duration such as 30s, 500ms or 2m"))?;
    let duration = match unit {
        "" | "s" => std::time::Duration::from_secs(n),
        "ms" => std::time::Duration::from_millis(n),
        "m" => std::time::Duration::from_secs(n.saturating_mul(60)),
        _ => return Err(format!("`{s}`: the unit must be ms, s or m")),
    };
    if duration.is_zero() {
        return Err("the request timeout must be more than 0".to_owned());
    }
    Ok(duration)
}

/// `verify`: the inventory and cutoff options of `plan`, nothing about writing.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub inventory: InventoryArgs,
}

impl VerifyArgs {
    fn into_common(self) -> Common {
        Common {
            inventory: self.inventory,
            workload: Vec::new(),
            all_workloads: false,
            restarted_at: None,
        }
    }
}

/// `rbac`: who the binding names.
#[derive(Debug, Args)]
pub struct RbacArgs {
    /// The Kubernetes group the ClusterRoleBinding names: the group an EKS access entry
    /// (`--kubernetes-groups`) or an aws-auth `mapRoles` entry gives the IAM role.
    #[arg(long, value_name = "GROUP", default_value = crate::rbac::DEFAULT_GROUP)]
    pub group: String,
}

const PR_HELP: &str = "\
The token comes from GITHUB_TOKEN (or the variable --token-env names) and needs `contents: write`
and `pull-requests: write` on the repository. One branch per cluster (gitops-restart/<cluster>):
a re-run updates the open pull request, writes nothing when it is already current, and closes it
when nothing is left to restart. Files that differ between the checkout and the base branch are
refused. GitHub Enterprise Server: --api-url https://HOST/api/v3 (or GITHUB_API_URL).

Examples:
  GITHUB_TOKEN=... gitops-restart pr --snapshot snapshot.json --notice notice.json \\
      --github-repo acme/gitops --label restart --reviewer alice
  gitops-restart pr --all-workloads --launched-before 2026-11-20 --cluster prod --output json";

/// Options of `pr`; the `pullRequest` section of `.gitops-restart.yaml` fills those not given.
#[derive(Debug, Args)]
pub struct PrArgs {
    #[command(flatten)]
    pub pull_request: crate::config::PullRequestConfig,

    /// The environment variable that holds the GitHub token (the token itself is never printed).
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub token_env: String,

    /// The GitHub API root; for GitHub Enterprise Server https://HOST/api/v3
    /// [default: https://api.github.com].
    #[arg(long, value_name = "URL", env = "GITHUB_API_URL")]
    pub api_url: Option<String>,

    /// The GitHub repository [default: from the checkout's `origin` remote].
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub github_repo: Option<String>,
}

impl PrArgs {
    fn into_flags(self: Box<Self>) -> crate::github::PrFlags {
        crate::github::PrFlags {
            options: self.pull_request,
            token_env: self.token_env,
            api_url: self.api_url,
            github_repo: self.github_repo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr_flags(args: &[&str]) -> crate::github::PrFlags {
        let cli = Cli::try_parse_from(
            ["gitops-restart", "pr", "--all-workloads"]
                .iter()
                .chain(args),
        )
        .unwrap();
        let settings = Settings::from_cli(cli, Utc::now()).unwrap();
        settings.pull_request.unwrap()
    }

    #[test]
    fn pull_request_flags_are_the_configuration_keys() {
        let flags = pr_flags(&[
            "--branch-prefix",
            "restarts/",
            "--label",
            "a,b",
            "--draft=false",
        ]);
        assert_eq!(flags.options.branch_prefix.as_deref(), Some("restarts/"));
        assert_eq!(flags.options.labels, ["a", "b"]);
        assert_eq!(flags.options.draft, Some(false));
        assert_eq!(pr_flags(&["--draft"]).options.draft, Some(true));
        assert_eq!(
            pr_flags(&[]).options.draft,
            None,
            "not given: the file decides"
        );
    }
}
