//! The command line as clap parses it: every flag with its environment variable, help text and
//! default, declared once, and the value parsers that check a flag's text.
//!
//! Responsibility: describe the command line to clap, nothing more. It must not decide between
//! sources or combine options (that is [`super::resolve`]'s job, which turns these types into a
//! [`super::Run`]); outside [`super`], only the binary names one of these types: it parses
//! [`Cli`] and hands it over. `pr`'s pull-request flags are [`PullRequestConfig`], the same
//! struct as the configuration's `pullRequest` section.

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::{Args, Parser, Subcommand};

use super::{Output, Shell};
use crate::config::PullRequestConfig;
use crate::plan::WorkloadRef;
use crate::time::parse_time;

const AFTER_HELP: &str = "\
What to restart comes from one of:
  the live cluster   the default: --kubeconfig/--context, else KUBECONFIG or ~/.kube/config,
                       else the in-cluster service account; read-only, see `gitops-restart rbac`
  --snapshot FILE    the cluster's objects, as this prints them (Argo Rollouts: add rollouts):
                       kubectl get po,rs,deploy,sts,ds,job,cj,pdb -A -o json > snapshot.json
                     then, where their CRDs exist, the Argo CD and Flux objects, one kind a
                     command (kubectl prints nothing for a list naming a kind it lacks):
                       for r in applications.argoproj.io \\
                           kustomizations.kustomize.toolkit.fluxcd.io \\
                           helmreleases.helm.toolkit.fluxcd.io; do
                         kubectl get $r -A -o json 2>/dev/null >> snapshot.json || true; done
  --workload NS/KIND/NAME or --all-workloads    no inventory: the named or all workloads
Where the repository is deployed comes first from the Argo CD Applications and Flux objects of the
inventory (the cluster, or --gitops-context for an Argo CD management cluster), then from its
files. The cutoff comes from --notice (an AWS Health event, describe-event-details output, or EKS
Fargate Pod Scheduled Termination events) or --launched-before.

Exit codes: 0 done or nothing to do; 1 error; 2 edits pending (plan --exit-code).

Examples:
  gitops-restart plan --repo fixtures/demo/repo \\
      --snapshot fixtures/demo/snapshot.json --notice fixtures/demo/notice.json
  gitops-restart plan --context prod-eks --notice health-event.json --output markdown
  gitops-restart plan --context prod-eks --gitops-context argocd-hub --cluster prod-eks \\
      --notice health-event.json
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
    pub(crate) command: Command,

    /// Log on stderr what is read and decided: -v what was read and planned, -vv also where
    /// each workload was found and every API request (method, path, status, time), -vvv trace.
    /// RUST_LOG (for example `gitops_restart=debug`) overrides; in GitHub Actions, debug logging
    /// (RUNNER_DEBUG=1) gives -vv. Never a credential.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    /// Print the completion script for a shell on stdout.
    #[command(after_help = COMPLETIONS_HELP)]
    Completions(CompletionsArgs),
    /// Print the man page (roff) on stdout, or write every page into a folder.
    #[command(after_help = MAN_HELP)]
    Man(ManArgs),
}

/// The inventory, cutoff and report options every command that plans shares (`plan`, `apply`,
/// `pr`, `verify`).
#[derive(Debug, Args)]
pub(crate) struct InventoryArgs {
    /// GitOps repository root.
    #[arg(
        long,
        value_name = "DIR",
        default_value = ".",
        env = "GITOPS_RESTART_REPO"
    )]
    pub(crate) repo: PathBuf,

    /// Inventory from a file (repeatable; `-` reads stdin; a pipe such as `<(kubectl get ...)`
    /// works): JSON or YAML, a `v1 List` as `kubectl get ... -A -o json` prints it, single
    /// objects, or several documents. At most 1 GiB each.
    #[arg(
        long,
        value_name = "FILE",
        env = "GITOPS_RESTART_SNAPSHOT",
        value_delimiter = ','
    )]
    pub(crate) snapshot: Vec<PathBuf>,

    #[command(flatten)]
    pub(crate) kube: KubeArgs,

    /// An AWS notice (repeatable): AWS Health event (EventBridge form or
    /// `aws health describe-event-details` output) or EKS Fargate Pod Scheduled Termination
    /// events. Gives the cutoff, the deadline, the cluster, and for the latter the exact pods.
    /// JSON (one value, or one per line) or YAML, at most 16 MiB each; `-` reads stdin.
    /// `aws health describe-events` output gives no cutoff: it is answered with the
    /// describe-event-details command to run for the Fargate notice.
    #[arg(
        long,
        value_name = "FILE",
        env = "GITOPS_RESTART_NOTICE",
        value_delimiter = ','
    )]
    pub(crate) notice: Vec<PathBuf>,

    /// The cluster being restarted [default: from the notice, else the kube context]. It selects
    /// the repository paths that deploy to it: `clusters:` in .gitops-restart.yaml, Argo CD
    /// destinations, Flux `clusters/<name>/` folders.
    #[arg(long, value_name = "NAME", env = "GITOPS_RESTART_CLUSTER")]
    pub(crate) cluster: Option<String>,

    /// Consider pods on every node, not only on Fargate.
    #[arg(long)]
    pub(crate) all_nodes: bool,

    /// The cutoff: pods created before it are affected, and manifests already restarted at or
    /// after it are left as they are. RFC 3339, or YYYY-MM-DD meaning 00:00 UTC. Overrides the
    /// notice's (also one it can't read); also the default restart value. It must not be after
    /// the deadline, nor (unless --restarted-at is given) after the current time.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time_arg,
        env = "GITOPS_RESTART_LAUNCHED_BEFORE"
    )]
    pub(crate) launched_before: Option<DateTime<Utc>>,

    /// When EKS will evict; shown in every report. Overrides the notice's (also one it can't
    /// read). A deadline that has passed is a critical finding; none at all, a warning.
    #[arg(
        long,
        value_name = "TIME",
        value_parser = parse_time_arg,
        env = "GITOPS_RESTART_DEADLINE"
    )]
    pub(crate) deadline: Option<DateTime<Utc>>,

    /// The pod-template annotation key to write [default: the config's `annotation`, else
    /// kubectl.kubernetes.io/restartedAt].
    #[arg(long, value_name = "KEY")]
    pub(crate) annotation: Option<String>,

    /// The configuration file, at most 16 MiB [default: <repo>/.gitops-restart.yaml when it
    /// exists].
    #[arg(long, value_name = "FILE", env = "GITOPS_RESTART_CONFIG")]
    pub(crate) config: Option<PathBuf>,

    /// Report format on stdout.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub(crate) output: Output,
}

/// Options of `plan`, `apply` and `pr`: the inventory ones, and what to restart with which value.
#[derive(Debug, Args)]
pub(crate) struct Common {
    #[command(flatten)]
    pub(crate) inventory: InventoryArgs,

    /// Restart this workload (repeatable). KIND is Deployment, StatefulSet, DaemonSet or Rollout.
    ///
    /// A manifest matches when it declares the same namespace, or none (then only when it is the
    /// only candidate in the repository).
    #[arg(long, value_name = "NS/KIND/NAME", value_parser = parse_workload, conflicts_with = "snapshot")]
    pub(crate) workload: Vec<WorkloadRef>,

    /// Restart every restartable workload found in the repository.
    #[arg(long, conflicts_with_all = ["workload", "snapshot"])]
    pub(crate) all_workloads: bool,

    /// The restart value to write [default: the cutoff; else, with only EKS scheduled-termination
    /// events, their latest `time` (every pod they name is older); so re-runs with the same
    /// inputs write the same bytes. Without a cutoff or a notice (--workload, --all-workloads),
    /// the current time]. Unlike a default, it may be later than now.
    #[arg(long, value_name = "TIME", value_parser = parse_time_arg)]
    pub(crate) restarted_at: Option<DateTime<Utc>>,
}

fn parse_workload(s: &str) -> Result<WorkloadRef, String> {
    s.parse()
}

fn parse_time_arg(s: &str) -> Result<DateTime<Utc>, String> {
    parse_time(s)
}

const KUBE_HEADING: &str = "Cluster access (the default inventory)";

/// How to reach the live cluster (the inventory when no other is given).
#[derive(Debug, Args)]
pub(crate) struct KubeArgs {
    /// The kubeconfig file [default: $KUBECONFIG (a list of files, merged), else
    /// ~/.kube/config, else the in-cluster service account]. EKS: `aws eks update-kubeconfig
    /// --name CLUSTER` writes one whose `aws eks get-token` exec plugin is run as needed.
    #[arg(long, value_name = "FILE", help_heading = KUBE_HEADING)]
    pub(crate) kubeconfig: Option<PathBuf>,

    /// The kubeconfig context to use [default: its current-context].
    #[arg(
        long,
        value_name = "NAME",
        help_heading = KUBE_HEADING,
        env = "GITOPS_RESTART_CONTEXT"
    )]
    pub(crate) context: Option<String>,

    /// Read the Argo CD Applications from this kubeconfig context too: an Argo CD management
    /// cluster that deploys to the restarted one. Its Applications whose destination is the
    /// restarted cluster (`destination.name` equal to --cluster, or `destination.server` equal
    /// to the restarted context's API server) say where the repository is deployed to it; the
    /// others, where it is deployed elsewhere. Read-only: `gitops-restart rbac` on that cluster.
    #[arg(
        long,
        value_name = "NAME",
        help_heading = KUBE_HEADING,
        env = "GITOPS_RESTART_GITOPS_CONTEXT"
    )]
    pub(crate) gitops_context: Option<String>,

    /// How long one API request may take (`30s`, `500ms`, `2m`). Timeouts, 5xx and 429 are
    /// retried with backoff, 4 tries in all. Also how long the kubeconfig's exec plugin (`aws eks
    /// get-token`) may take to produce credentials before it is stopped.
    // 30s: generous for a 500-pod page on a busy server.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        value_parser = parse_duration,
        help_heading = KUBE_HEADING
    )]
    pub(crate) request_timeout: std::time::Duration,
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
pub(crate) struct VerifyArgs {
    #[command(flatten)]
    pub(crate) inventory: InventoryArgs,
}

/// `rbac`: who the binding names.
#[derive(Debug, Args)]
pub(crate) struct RbacArgs {
    /// The Kubernetes group the ClusterRoleBinding names: the group an EKS access entry
    /// (`--kubernetes-groups`) or an aws-auth `mapRoles` entry gives the IAM role.
    #[arg(long, value_name = "GROUP", default_value = crate::rbac::DEFAULT_GROUP)]
    pub(crate) group: String,
}

const PR_HELP: &str = "\
The token comes from GITHUB_TOKEN (or the variable --token-env names) and needs `contents: write`
and `pull-requests: write` on the repository. One branch per cluster (gitops-restart/<cluster>):
a re-run updates the open pull request, writes nothing when it is already current, and closes it
when nothing is left to restart, only on evidence (the restart in the repository, or an
inventory of the whole cluster; else it exits 1 and leaves the pull request as it is). Commits
others push to the branch stop it from updating the branch (the label gitops-restart:rebase
hands it back); a pull request closed without merging is not opened again for the same edits.
Files that differ between the checkout and the base branch are refused. GitHub Enterprise
Server: --api-url https://HOST/api/v3 (or GITHUB_API_URL).

As the deadline nears, the title and a label say so: [due within 48 hours] and
gitops-restart:due-soon, [due within 24 hours] and gitops-restart:due-today, then [overdue] and
gitops-restart:overdue (the label of the state before is removed). When 48 hours are left, the
reviewers are asked again and a comment says what is left, once. On the first run after a pull
request of the branch merged, with an inventory (--snapshot or the cluster), the verification
(what `gitops-restart verify` reports) is commented on it, once per distinct result, and what is
left to restart opens as a follow-up pull request that names it. GITOPS_RESTART_NOW (RFC 3339)
stands in for the clock, for testing.

Examples:
  GITHUB_TOKEN=... gitops-restart pr --snapshot snapshot.json --notice notice.json \\
      --github-repo acme/gitops --label restart --reviewer alice
  gitops-restart pr --all-workloads --launched-before 2026-11-20 --cluster prod --output json";

/// Options of `pr`; the `pullRequest` section of `.gitops-restart.yaml` fills those not given.
#[derive(Debug, Args)]
pub(crate) struct PrArgs {
    #[command(flatten)]
    pub(crate) pull_request: PullRequestConfig,

    /// The environment variable that holds the GitHub token (the token itself is never printed).
    #[arg(long, value_name = "NAME", default_value = "GITHUB_TOKEN")]
    pub(crate) token_env: String,

    /// The GitHub API root; for GitHub Enterprise Server https://HOST/api/v3
    /// [default: https://api.github.com].
    #[arg(long, value_name = "URL", env = "GITHUB_API_URL")]
    pub(crate) api_url: Option<String>,

    /// The GitHub repository [default: from the checkout's `origin` remote].
    #[arg(long, value_name = "OWNER/NAME", env = "GITHUB_REPOSITORY")]
    pub(crate) github_repo: Option<String>,
}

const COMPLETIONS_HELP: &str = "\
Install (then open a new shell):
  bash        gitops-restart completions bash \\
                > ~/.local/share/bash-completion/completions/gitops-restart
  zsh         gitops-restart completions zsh > ~/.zfunc/_gitops-restart
                (with `fpath+=~/.zfunc` before `compinit` in ~/.zshrc)
  fish        gitops-restart completions fish > ~/.config/fish/completions/gitops-restart.fish
  elvish      gitops-restart completions elvish >> ~/.config/elvish/rc.elv
  powershell  gitops-restart completions powershell >> $PROFILE
The release archives hold these files in completions/.";

/// `completions`: which shell.
#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete in.
    #[arg(value_enum)]
    pub(crate) shell: Shell,
}

const MAN_HELP: &str = "\
Examples:
  gitops-restart man | man -l -
  gitops-restart man --dir ~/.local/share/man/man1    # then: man gitops-restart-pr
The release archives hold these pages in man/.";

/// `man`: where the pages go.
#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// Write gitops-restart.1 and one page per command (gitops-restart-plan.1, ...) into this
    /// folder, created if missing, and print their paths; without it, the main page goes to
    /// stdout.
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}
