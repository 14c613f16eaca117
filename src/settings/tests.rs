//! Resolution, from the command line and the configuration file's text: flags over the file over
//! the defaults, and every refusal before any work. clap reads the `env` of each flag, so the
//! tests give flags for the variables GitHub's runners set (`GITHUB_REPOSITORY`,
//! `GITHUB_API_URL`).

use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone as _, Utc};
use clap::Parser as _;

use super::*;
use crate::input::ReadError;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-25T10:20:30.456Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn cli(args: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("gitops-restart").chain(args.iter().copied())).unwrap()
}

/// Resolve with `config` as the text of whatever configuration file is asked for (`None`: no
/// such file), and return the path asked for.
fn resolve_with(args: &[&str], config: Option<&str>) -> (Result<Run, SettingsError>, PathBuf) {
    let mut asked = PathBuf::new();
    let run = Run::resolve(cli(args), now(), |path: &Path| {
        asked = path.to_owned();
        config
            .map(str::to_owned)
            .ok_or_else(|| ReadError::io(path, io::Error::from(io::ErrorKind::NotFound)))
    });
    (run, asked)
}

fn pipeline(args: &[&str], config: Option<&str>) -> Pipeline {
    match resolve_with(args, config).0.unwrap() {
        Run::Pipeline(pipeline) => *pipeline,
        Run::Rbac { .. } | Run::Completions(_) | Run::Man { .. } => panic!("not a pipeline"),
    }
}

fn error(args: &[&str], config: Option<&str>) -> String {
    resolve_with(args, config).0.unwrap_err().to_string()
}

/// `pr --all-workloads` with `args`, and `--github-repo acme/gitops` unless they name one.
fn pull_request(args: &[&str], config: Option<&str>) -> PullRequest {
    let mut args = [&["pr", "--all-workloads"], args].concat();
    if !args.contains(&"--github-repo") {
        args.extend(["--github-repo", "acme/gitops"]);
    }
    match pipeline(&args, config).command {
        Command::Pr(pull_request) => *pull_request,
        other => panic!("{other:?}"),
    }
}

#[test]
fn each_command_is_resolved_with_what_only_it_needs() {
    let plan = |args: &[&str]| pipeline(args, None).command;
    assert_eq!(
        plan(&["plan", "--all-workloads"]),
        Command::Plan { exit_code: false }
    );
    assert_eq!(
        plan(&["plan", "--all-workloads", "--exit-code"]),
        Command::Plan { exit_code: true }
    );
    assert_eq!(plan(&["apply", "--all-workloads"]), Command::Apply);
    assert_eq!(plan(&["verify", "--snapshot", "s.json"]), Command::Verify);
    assert!(matches!(plan(&["pr", "--all-workloads"]), Command::Pr(_)));
}

#[test]
fn rbac_reads_no_configuration() {
    let run = Run::resolve(cli(&["rbac", "--group", "ci"]), now(), |path: &Path| {
        panic!("read {}", path.display())
    })
    .unwrap();
    assert!(matches!(run, Run::Rbac { group } if group == "ci"));
    let run = Run::resolve(cli(&["rbac"]), now(), |_: &Path| unreachable!()).unwrap();
    assert!(matches!(run, Run::Rbac { group } if group == crate::rbac::DEFAULT_GROUP));
}

#[test]
fn completions_and_man_read_no_configuration() {
    let no_config = |path: &Path| -> Result<String, crate::input::ReadError> {
        panic!("read {}", path.display())
    };
    let run = Run::resolve(cli(&["completions", "powershell"]), now(), no_config).unwrap();
    assert!(matches!(run, Run::Completions(super::Shell::PowerShell)));
    let run = Run::resolve(cli(&["man"]), now(), no_config).unwrap();
    assert!(matches!(run, Run::Man { dir: None }));
    let run = Run::resolve(cli(&["man", "--dir", "out/man"]), now(), no_config).unwrap();
    assert!(matches!(run, Run::Man { dir: Some(d) } if d == Path::new("out/man")));
}

#[test]
fn the_inventory_source_is_one_of_four() {
    let selection = |args: &[&str]| pipeline(args, None).selection;
    assert_eq!(selection(&["plan", "--all-workloads"]), Selection::All);
    assert_eq!(
        selection(&["plan", "--workload", "shop/Deployment/cart"]),
        Selection::Named(vec!["shop/Deployment/cart".parse().unwrap()])
    );
    assert_eq!(
        selection(&["plan", "--snapshot", "a.json,b.json", "--snapshot", "-"]),
        Selection::Snapshots(["a.json", "b.json", "-"].map(PathBuf::from).to_vec())
    );
    assert_eq!(
        selection(&[
            "verify",
            "--context",
            "prod",
            "--kubeconfig",
            "kc",
            "--request-timeout",
            "2m"
        ]),
        Selection::Cluster(Access {
            kubeconfig: Some(PathBuf::from("kc")),
            context: Some("prod".to_owned()),
            timeout: std::time::Duration::from_secs(120),
        })
    );
    match selection(&["plan"]) {
        Selection::Cluster(access) => assert_eq!(access.timeout.as_secs(), 30),
        other => panic!("{other:?}"),
    }
}

#[test]
fn flags_that_do_not_go_together_are_refused_before_the_configuration_is_read() {
    for (args, message) in [
        (
            &["plan", "--snapshot", "-", "--snapshot", "-"][..],
            "--snapshot - (stdin) can be given only once",
        ),
        (
            &["plan", "--snapshot", "s.json", "--context", "prod"],
            "--kubeconfig and --context read the live cluster: leave them out with --snapshot, \
             --workload or --all-workloads",
        ),
        (
            &["apply", "--all-workloads", "--kubeconfig", "kc"],
            "--kubeconfig and --context read the live cluster: leave them out with --snapshot, \
             --workload or --all-workloads",
        ),
        (
            &["plan", "--all-workloads", "--annotation", " "],
            "--annotation must not be empty",
        ),
        (
            &[
                "plan",
                "--snapshot",
                "s.json",
                "--context",
                "prod",
                "--gitops-context",
                "hub",
            ],
            "--kubeconfig and --context read the live cluster: leave them out with --snapshot, \
             --workload or --all-workloads",
        ),
        (
            &["plan", "--all-workloads", "--gitops-context", "hub"],
            "--gitops-context reads Applications to find where workloads are deployed: \
             --all-workloads finds none, leave it out",
        ),
    ] {
        let err = Run::resolve(cli(args), now(), |_: &Path| -> Result<String, ReadError> {
            panic!("the configuration is read after the flags are checked")
        })
        .unwrap_err();
        assert!(matches!(err, SettingsError::Usage(_)), "{err:?}");
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn gitops_context_is_a_second_context_of_the_same_kubeconfig() {
    let hub = |kubeconfig: Option<&str>| {
        Some(Access {
            kubeconfig: kubeconfig.map(PathBuf::from),
            context: Some("hub".to_owned()),
            timeout: std::time::Duration::from_secs(30),
        })
    };
    let live = pipeline(
        &[
            "plan",
            "--kubeconfig",
            "kc",
            "--context",
            "prod",
            "--gitops-context",
            "hub",
        ],
        None,
    );
    assert_eq!(live.gitops, hub(Some("kc")));
    assert!(
        matches!(live.selection, Selection::Cluster(Access { context: Some(ref c), .. }) if c == "prod")
    );
    // With a snapshot of the restarted cluster, --kubeconfig is where the hub is.
    let snapshot = pipeline(
        &[
            "plan",
            "--snapshot",
            "s.json",
            "--kubeconfig",
            "kc",
            "--gitops-context",
            "hub",
        ],
        None,
    );
    assert_eq!(snapshot.gitops, hub(Some("kc")));
    let named = pipeline(
        &[
            "plan",
            "--workload",
            "shop/Deployment/web",
            "--gitops-context",
            "hub",
        ],
        None,
    );
    assert_eq!(named.gitops, hub(None));
    assert_eq!(pipeline(&["plan"], None).gitops, None);
}

#[test]
fn the_configuration_is_found_and_read_up_front() {
    let (run, asked) = resolve_with(&["plan", "--all-workloads", "--repo", "gitops"], None);
    assert_eq!(asked, Path::new("gitops").join(crate::config::FILE_NAME));
    let Run::Pipeline(pipeline) = run.unwrap() else {
        panic!()
    };
    assert_eq!(pipeline.config, Config::default(), "no file: the defaults");

    let (run, asked) = resolve_with(
        &["plan", "--all-workloads", "--config", "restart.yaml"],
        Some("include: ['apps/**']\n"),
    );
    assert_eq!(asked, Path::new("restart.yaml"));
    let Run::Pipeline(pipeline) = run.unwrap() else {
        panic!()
    };
    assert_eq!(pipeline.config.include, ["apps/**"]);
}

#[test]
fn configuration_errors_are_reported_before_any_work() {
    // A notice that does not exist is not read yet: the configuration's error comes first.
    let args = ["plan", "--notice", "missing.json", "--repo", "gitops"];
    let err = resolve_with(&args, Some("annotation: ''\n")).0.unwrap_err();
    assert!(matches!(err, SettingsError::Config(_)), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "{}: `annotation` must not be empty",
            Path::new("gitops").join(".gitops-restart.yaml").display()
        )
    );
    let message = error(
        &["plan", "--all-workloads", "--config", "c.yaml"],
        Some("pullRequest:\n  reviewer: [alice]\n"),
    );
    assert!(message.starts_with("c.yaml:2:3: "), "{message}");
    assert!(
        message.contains("unknown key `reviewer` in `pullRequest`; did you mean `reviewers`?"),
        "{message}"
    );
    // --config names a file that must exist; the default file may be missing.
    let err = error(&["plan", "--all-workloads", "--config", "nope.yaml"], None);
    assert!(err.starts_with("cannot read nope.yaml: "), "{err}");
    let denied = Run::resolve(cli(&["plan", "--all-workloads"]), now(), |path: &Path| {
        Err(ReadError::io(
            path,
            io::Error::from(io::ErrorKind::PermissionDenied),
        ))
    })
    .unwrap_err();
    assert!(
        matches!(&denied, SettingsError::ReadConfig { path, .. } if path.ends_with(".gitops-restart.yaml")),
        "only a missing default file means the defaults: {denied:?}"
    );
}

#[test]
fn the_annotation_in_force_is_the_flag_else_the_configuration_else_the_default() {
    let annotation = |args: &[&str], config: Option<&str>| pipeline(args, config).annotation;
    let file = Some("annotation: example.com/restartedAt\n");
    assert_eq!(
        annotation(&["plan", "--all-workloads"], None),
        crate::edit::DEFAULT_ANNOTATION
    );
    assert_eq!(
        annotation(&["plan", "--all-workloads"], file),
        "example.com/restartedAt"
    );
    assert_eq!(
        annotation(
            &["plan", "--all-workloads", "--annotation", "a.io/at"],
            file
        ),
        "a.io/at"
    );
    assert_eq!(
        annotation(&["verify", "--snapshot", "s.json"], file),
        "example.com/restartedAt",
        "verify reads the annotation as plan writes it"
    );
}

#[test]
fn the_restart_value_is_given_else_the_cutoff_else_the_failed_evictions_else_now() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let cutoff = at("2026-11-20T00:00:00Z");
    let evictions = at("2026-12-01T12:52:44.9Z");
    let value = pipeline(&["plan", "--all-workloads"], None).restart_value;
    assert_eq!(value.now, at("2026-11-25T10:20:30Z"), "in whole seconds");
    assert_eq!(value.pick(None, None), (value.now, RestartFrom::Clock));
    assert_eq!(
        value.pick(Some(cutoff), Some(evictions)),
        (cutoff, RestartFrom::Cutoff)
    );
    assert_eq!(
        value.pick(None, Some(evictions)),
        (at("2026-12-01T12:52:44Z"), RestartFrom::FailedEvictions),
        "in whole seconds"
    );
    let value = pipeline(
        &["plan", "--all-workloads", "--restarted-at", "2026-11-21"],
        None,
    )
    .restart_value;
    assert_eq!(
        value.pick(Some(cutoff), Some(evictions)),
        (at("2026-11-21T00:00:00Z"), RestartFrom::Given)
    );
}

#[test]
fn the_time_of_the_run_is_the_clock_unless_the_variable_gives_one() {
    let clock = now();
    assert_eq!(now_or(clock, None).unwrap(), clock);
    assert_eq!(
        now_or(clock, Some("2026-12-01T18:00:00Z".into())).unwrap(),
        DateTime::parse_from_rfc3339("2026-12-01T18:00:00Z").unwrap()
    );
    let err = now_or(clock, Some("soon".into())).unwrap_err().to_string();
    assert!(
        err.starts_with("GITOPS_RESTART_NOW: `soon` is not a time"),
        "{err}"
    );
    let err = now_or(clock, Some(" ".into())).unwrap_err().to_string();
    assert!(err.contains("GITOPS_RESTART_NOW is set but empty"), "{err}");
}

#[test]
fn command_line_times_and_paths_are_kept_as_given() {
    let pipeline = pipeline(
        &[
            "plan",
            "--all-workloads",
            "--repo",
            "gitops",
            "--notice",
            "a.json,b.json",
            "--cluster",
            "prod",
            "--all-nodes",
            "--launched-before",
            "2026-11-20",
            "--deadline",
            "2026-12-04T09:00:00Z",
            "--output",
            "markdown",
        ],
        None,
    );
    assert_eq!(pipeline.repo, Path::new("gitops"));
    assert_eq!(pipeline.notices, ["a.json", "b.json"].map(PathBuf::from));
    assert_eq!(pipeline.cluster.as_deref(), Some("prod"));
    assert!(pipeline.all_nodes);
    assert_eq!(
        pipeline.launched_before,
        Some(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap())
    );
    assert_eq!(
        pipeline.deadline,
        Some(Utc.with_ymd_and_hms(2026, 12, 4, 9, 0, 0).unwrap())
    );
    assert_eq!(pipeline.output, Output::Markdown);
}

#[test]
fn pull_request_defaults() {
    let pr = pull_request(&["--api-url", ""], None);
    assert_eq!(pr.token_env, "GITHUB_TOKEN");
    assert_eq!(pr.api_url, "https://api.github.com", "blank: the default");
    assert_eq!(pr.github_repo.as_deref(), Some("acme/gitops"));
    assert_eq!(pr.base, None);
    assert_eq!(pr.branch, Branch::Prefix("gitops-restart/".to_owned()));
    assert_eq!(pr.title, None);
    assert!(pr.labels.is_empty() && pr.reviewers.is_empty());
    assert!(pr.team_reviewers.is_empty() && pr.assignees.is_empty());
    assert!(!pr.draft);
    let pr = pull_request(&["--github-repo", " ", "--token-env", "GH_PAT"], None);
    assert_eq!(pr.github_repo, None, "blank: the origin remote decides");
    assert_eq!(pr.token_env, "GH_PAT");
    let pr = pull_request(&["--api-url", "https://ghe.example/api/v3"], None);
    assert_eq!(pr.api_url, "https://ghe.example/api/v3");
}

#[test]
fn pull_request_flags_win_over_the_configuration() {
    let file = Some(
        "pullRequest:\n  base: main\n  branchPrefix: restarts/\n  title: 'Restart {cluster}'\n  \
         labels: [restart]\n  reviewers: [alice]\n  teamReviewers: [platform]\n  \
         assignees: [bob]\n  draft: true\n",
    );
    let pr = pull_request(&[], file);
    assert_eq!(pr.base.as_deref(), Some("main"));
    assert_eq!(pr.branch, Branch::Prefix("restarts/".to_owned()));
    assert_eq!(pr.title.as_deref(), Some("Restart {cluster}"));
    assert_eq!(pr.labels, ["restart"]);
    assert_eq!(pr.reviewers, ["alice"]);
    assert_eq!(pr.team_reviewers, ["platform"]);
    assert_eq!(pr.assignees, ["bob"]);
    assert!(pr.draft);

    let pr = pull_request(
        &[
            "--base",
            "release",
            "--branch",
            "restart-now",
            "--title",
            "T",
            "--label",
            "a,b",
            "--reviewer",
            "carol",
            "--draft=false",
        ],
        file,
    );
    assert_eq!(pr.base.as_deref(), Some("release"));
    assert_eq!(pr.branch, Branch::Named("restart-now".to_owned()));
    assert_eq!(pr.title.as_deref(), Some("T"));
    assert_eq!(pr.labels, ["a", "b"], "a flag replaces the list");
    assert_eq!(pr.reviewers, ["carol"]);
    assert_eq!(pr.team_reviewers, ["platform"], "no flag: the file's list");
    assert!(!pr.draft, "--draft=false over draft: true");
    assert!(pull_request(&["--draft"], None).draft);
    assert_eq!(
        pull_request(&["--branch-prefix", "x/"], None).branch,
        Branch::Prefix("x/".to_owned())
    );
    let named = Some("pullRequest:\n  branch: fixed\n");
    assert_eq!(
        pull_request(&["--branch-prefix", "x/"], named).branch,
        Branch::Prefix("x/".to_owned()),
        "a flag beats the file across the pair"
    );
    assert_eq!(
        pull_request(&[], named).branch,
        Branch::Named("fixed".to_owned())
    );
}

#[test]
fn the_defaults_the_help_states_are_the_ones_resolution_uses() {
    use clap::CommandFactory as _;
    let command = Cli::command();
    let help = |subcommand: &str, id: &str| {
        let arg = command
            .find_subcommand(subcommand)
            .and_then(|c| c.get_arguments().find(|a| a.get_id() == id))
            .unwrap_or_else(|| panic!("{subcommand} --{id}"));
        arg.get_long_help()
            .or(arg.get_help())
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    let pr = pull_request(&["--api-url", ""], None);
    assert!(help("pr", "api_url").contains(&format!("[default: {}]", pr.api_url)));
    let Branch::Prefix(prefix) = pr.branch else {
        panic!()
    };
    assert!(help("pr", "branch_prefix").contains(&format!("[default: {prefix}]")));
    assert!(help("plan", "annotation").contains(crate::edit::DEFAULT_ANNOTATION));
}

#[test]
fn values_that_end_up_in_yaml_refs_or_paths_are_checked() {
    let all = ["plan", "--all-workloads"];
    for (args, config, message) in [
        (
            &["rbac", "--group", "readers\n- kind: User"][..],
            None,
            "--group `readers\n- kind: User` holds a control character or a line break",
        ),
        (&["rbac", "--group", ""], None, "--group must not be empty"),
        (
            &[&all[..], &["--cluster", ""]].concat(),
            None,
            "--cluster must not be empty",
        ),
        (
            &[&all[..], &["--cluster", "prod\n::error::x"]].concat(),
            None,
            "--cluster `prod\n::error::x` holds a control character or a line break",
        ),
        (
            &[&all[..], &["--annotation", "a/b/c"]].concat(),
            None,
            "--annotation `a/b/c` is not an annotation key Kubernetes accepts: the name (after \
             any `/`) must be 1 to 63 letters, digits, `-`, `_` or `.`, starting and ending with \
             a letter or digit (such as `kubectl.kubernetes.io/restartedAt`)",
        ),
        (
            &["pr", "--all-workloads", "--base", "../../user"],
            None,
            "--base `../../user` can't be a branch name: it holds `..`, `@{` or `//`, or is `@`",
        ),
        (
            &["pr", "--all-workloads", "--branch=-x"],
            None,
            "--branch `-x` can't be a branch name: it starts with `-` or `/`, or ends with `/` \
             or `.`",
        ),
        (
            &["pr", "--all-workloads", "--branch-prefix", "a b/"],
            None,
            "--branch-prefix `a b` can't be a branch name: it holds a space, a control \
             character or one of `~^:?*[\\`",
        ),
    ] {
        assert_eq!(error(args, config), message, "{args:?}");
    }
    let message = error(
        &["plan", "--all-workloads", "--config", "c.yaml"],
        Some("pullRequest:\n  base: main.lock\n"),
    );
    assert!(
        message.ends_with(
            "pullRequest.base `main.lock` can't be a branch name: a part of it starts with `.` \
             or ends with `.lock`"
        ),
        "{message}"
    );
    let message = error(
        &["plan", "--all-workloads", "--config", "c.yaml"],
        Some("annotation: Example.com/x\n"),
    );
    assert!(
        message.contains("`annotation`: `Example.com/x` is not an annotation key"),
        "{message}"
    );
    // A prefix ends with `/` as a rule; a custom annotation key is fine.
    assert!(
        resolve_with(
            &[
                "pr",
                "--all-workloads",
                "--branch-prefix",
                "restarts/",
                "--github-repo",
                "a/b"
            ],
            None
        )
        .0
        .is_ok()
    );
    assert!(
        resolve_with(
            &[&all[..], &["--annotation", "example.com/restart"]].concat(),
            None
        )
        .0
        .is_ok()
    );
}

#[test]
fn empty_variables_are_errors_naming_the_variable() {
    let env =
        |set: &'static str| move |name: &str| (name == set).then(|| std::ffi::OsString::from(" "));
    for name in [
        "GITOPS_RESTART_CLUSTER",
        "GITOPS_RESTART_REPO",
        "GITOPS_RESTART_BASE",
    ] {
        assert_eq!(
            check_variables(env(name)).unwrap_err().to_string(),
            format!("{name} is set but empty: give it a value, or unset it for the default")
        );
    }
    // Variables no option reads, and values, are fine.
    assert!(check_variables(env("GITOPS_RESTART_BIN")).is_ok());
    assert!(check_variables(|_| Some("x".into())).is_ok());
}
