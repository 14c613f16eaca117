//! Resolution: the parsed command line and the configuration file's text in, a [`Run`] out.
//!
//! Responsibility: refuse flags that don't go together, in the order the user reads them; find
//! and parse the configuration; and settle each value between its flag, the configuration and
//! its default, here and nowhere else. It must not read anything but the configuration file,
//! and only through the reader it is given.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::args::{self, Cli, Common, KubeArgs, PrArgs};
use super::{
    Branch, Command, Pipeline, PullRequest, RestartValue, Run, Selection, truncate_to_seconds,
};
use crate::config::{self, Config, ConfigError, PullRequestConfig};
use crate::edit::DEFAULT_ANNOTATION;
use crate::input::{self, ReadError};
use crate::inventory::cluster::Access;

/// The GitHub API root when `--api-url` (or `GITHUB_API_URL`) gives none.
const DEFAULT_API_URL: &str = "https://api.github.com";
/// The pull request's branch is this followed by the cluster, unless configured otherwise.
const DEFAULT_BRANCH_PREFIX: &str = "gitops-restart/";

/// Why the command line and the configuration don't make a run. Each is one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// Flags that don't go together, or a value the flags' parsers can't refuse alone.
    #[error("{0}")]
    Usage(String),
    /// The configuration file can't be read (a missing default file is no error).
    #[error("{error}")]
    ReadConfig { path: PathBuf, error: ReadError },
    /// The configuration file is malformed or holds a value that can't be used.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// The command, before the configuration is known (`pr`'s settings need it).
enum Wanted {
    Plan { exit_code: bool },
    Apply,
    Pr(Box<PrArgs>),
    Verify,
}

impl Run {
    /// [`Run::resolve`], reading the configuration file from disk. `clock` is the system's
    /// time; `GITOPS_RESTART_NOW` (RFC 3339, for tests) stands in for it when set. That is the
    /// run's current time: the last-resort restart value, and what the dates are checked
    /// against.
    pub fn from_cli(cli: Cli, clock: DateTime<Utc>) -> Result<Run, SettingsError> {
        let now = super::now_or(clock, std::env::var_os(super::NOW_VARIABLE))?;
        Run::resolve(cli, now, |path| input::read(path, input::CONFIG))
    }

    /// Resolve the command line. `read_config` reads the configuration file: `--config` (which
    /// must exist), else `<repo>/.gitops-restart.yaml`, whose absence (`NotFound`) means the
    /// defaults. It is the only input besides `cli`, so this is pure given the file's text.
    pub fn resolve(
        cli: Cli,
        now: DateTime<Utc>,
        read_config: impl FnOnce(&Path) -> Result<String, ReadError>,
    ) -> Result<Run, SettingsError> {
        let (wanted, common) = match cli.command {
            args::Command::Plan { common, exit_code } => (Wanted::Plan { exit_code }, common),
            args::Command::Apply { common } => (Wanted::Apply, common),
            args::Command::Pr { common, pr } => (Wanted::Pr(pr), common),
            args::Command::Verify(args::VerifyArgs { inventory }) => (
                Wanted::Verify,
                Common {
                    inventory,
                    workload: Vec::new(),
                    all_workloads: false,
                    restarted_at: None,
                },
            ),
            args::Command::Rbac(args) => {
                crate::validate::group(&args.group).map_err(SettingsError::Usage)?;
                return Ok(Run::Rbac { group: args.group });
            }
            args::Command::Completions(args) => return Ok(Run::Completions(args.shell)),
            args::Command::Man(args) => return Ok(Run::Man { dir: args.dir }),
        };
        let inventory = common.inventory;
        if inventory
            .snapshot
            .iter()
            .filter(|p| p.as_os_str() == "-")
            .count()
            > 1
        {
            return Err(usage("--snapshot - (stdin) can be given only once"));
        }
        let selection = if common.all_workloads {
            Selection::All
        } else if !common.workload.is_empty() {
            Selection::Named(common.workload)
        } else if !inventory.snapshot.is_empty() {
            Selection::Snapshots(inventory.snapshot)
        } else {
            Selection::Cluster(access(&inventory.kube))
        };
        let gitops_context = inventory.kube.gitops_context.is_some();
        if !matches!(selection, Selection::Cluster(_))
            && (inventory.kube.context.is_some()
                || (inventory.kube.kubeconfig.is_some() && !gitops_context))
        {
            return Err(usage(
                "--kubeconfig and --context read the live cluster: leave them out with \
                 --snapshot, --workload or --all-workloads",
            ));
        }
        if gitops_context && selection == Selection::All {
            return Err(usage(
                "--gitops-context reads Applications to find where workloads are deployed: \
                 --all-workloads finds none, leave it out",
            ));
        }
        let gitops = inventory
            .kube
            .gitops_context
            .as_ref()
            .map(|context| Access {
                context: Some(context.clone()),
                ..access(&inventory.kube)
            });
        if inventory
            .annotation
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            return Err(usage("--annotation must not be empty"));
        }
        if let Some(key) = &inventory.annotation {
            crate::validate::annotation_key(key)
                .map_err(|e| SettingsError::Usage(format!("--annotation {e}")))?;
        }
        if let Some(cluster) = &inventory.cluster {
            crate::validate::cluster(cluster).map_err(SettingsError::Usage)?;
        }
        let config = load_config(inventory.config, &inventory.repo, read_config)?;
        let annotation = inventory
            .annotation
            .or_else(|| config.annotation.clone())
            .unwrap_or_else(|| DEFAULT_ANNOTATION.to_owned());
        let command = match wanted {
            Wanted::Plan { exit_code } => Command::Plan { exit_code },
            Wanted::Apply => Command::Apply,
            Wanted::Pr(args) => Command::Pr(Box::new(pull_request(*args, &config.pull_request)?)),
            Wanted::Verify => Command::Verify,
        };
        Ok(Run::Pipeline(Box::new(Pipeline {
            command,
            repo: inventory.repo,
            selection,
            gitops,
            notices: inventory.notice,
            cluster: inventory.cluster,
            all_nodes: inventory.all_nodes,
            launched_before: inventory.launched_before,
            deadline: inventory.deadline,
            restart_value: RestartValue {
                given: common.restarted_at,
                now: truncate_to_seconds(now),
            },
            output: inventory.output,
            config,
            annotation,
        })))
    }
}

fn usage(message: &str) -> SettingsError {
    SettingsError::Usage(message.to_owned())
}

fn access(kube: &KubeArgs) -> Access {
    Access {
        kubeconfig: kube.kubeconfig.clone(),
        context: kube.context.clone(),
        timeout: kube.request_timeout,
    }
}

/// The configuration: `given` (which must exist), else `<repo>/.gitops-restart.yaml` when it
/// exists, else the defaults.
fn load_config(
    given: Option<PathBuf>,
    repo: &Path,
    read: impl FnOnce(&Path) -> Result<String, ReadError>,
) -> Result<Config, SettingsError> {
    let (path, required) = match given {
        Some(path) => (path, true),
        None => (repo.join(config::FILE_NAME), false),
    };
    match read(&path) {
        Ok(text) => Ok(Config::parse(&text, &path.display().to_string())?),
        Err(err) if !required && err.is_not_found() => Ok(Config::default()),
        Err(error) => Err(SettingsError::ReadConfig { path, error }),
    }
}

/// `pr`'s flags over the configuration's `pullRequest` over the defaults.
fn pull_request(args: PrArgs, file: &PullRequestConfig) -> Result<PullRequest, SettingsError> {
    // The file's values were checked with its name; what fails here comes from a flag.
    check_branches(&args.pull_request, "--").map_err(SettingsError::Usage)?;
    let settings = args.pull_request.over(file);
    let branch = match settings.branch {
        Some(branch) => Branch::Named(branch),
        None => Branch::Prefix(
            settings
                .branch_prefix
                .unwrap_or_else(|| DEFAULT_BRANCH_PREFIX.to_owned()),
        ),
    };
    Ok(PullRequest {
        token_env: args.token_env,
        api_url: args
            .api_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.to_owned()),
        github_repo: args.github_repo.filter(|s| !s.trim().is_empty()),
        base: settings.base,
        branch,
        title: settings.title,
        labels: settings.labels,
        reviewers: settings.reviewers,
        team_reviewers: settings.team_reviewers,
        assignees: settings.assignees,
        draft: settings.draft.unwrap_or(false),
    })
}

/// The base branch, the branch and the branch prefix, when given, follow git's rules for branch
/// names (a prefix may end with `/`); `flag` is how a message names them: `--` for the flags
/// (`--base`), `pullRequest.` for the configuration (`pullRequest.base`).
pub(crate) fn check_branches(settings: &PullRequestConfig, flag: &str) -> Result<(), String> {
    let (base, branch, prefix) = if flag == "--" {
        ("--base", "--branch", "--branch-prefix")
    } else {
        (
            "pullRequest.base",
            "pullRequest.branch",
            "pullRequest.branchPrefix",
        )
    };
    if let Some(name) = &settings.base {
        crate::validate::git_ref(base, name)?;
    }
    if let Some(name) = &settings.branch {
        crate::validate::git_ref(branch, name)?;
    }
    if let Some(name) = &settings.branch_prefix {
        crate::validate::git_ref(prefix, name.strip_suffix('/').unwrap_or(name))?;
    }
    Ok(())
}
