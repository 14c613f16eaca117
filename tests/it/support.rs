//! The one way the tests start the binary: `gitops_restart()` builds its `Command` with
//! `NO_COLOR=1` and without any variable of the developer's environment that could change what
//! it does (its own settings, the GitHub Actions runner's, logging, kubeconfig, proxies, git's
//! repository overrides), and with its clock pinned at [`NOW`] (`GITOPS_RESTART_NOW`), so that
//! no test depends on the day it runs: the fixtures' deadlines stay ahead, their cutoffs and
//! events behind. A test that needs one of them sets it on the returned `Command`. The tests
//! here prove the scrub on a real child's environment.

use std::collections::BTreeSet;
use std::ffi::OsString;

use assert_cmd::Command;

/// The time of every run: after the fixtures' cutoffs (2026-11-20) and EKS events (2026-12-01,
/// until 14:31:57), before their deadlines (2026-12-02 and 2026-12-04).
pub const NOW: &str = "2026-12-01T18:00:00Z";

/// The variable the binary reads its time from instead of the clock.
pub const NOW_VARIABLE: &str = "GITOPS_RESTART_NOW";

/// Every variable starting with one of these is removed.
const SCRUBBED_PREFIXES: [&str; 4] = ["GITOPS_RESTART_", "GITHUB_", "RUNNER_", "ACTIONS_"];

/// These are removed too: logging, where Kubernetes is, proxies (both cases), and the variables
/// that point git (which `pr` runs in the checkout) at another repository.
const SCRUBBED: [&str; 16] = [
    "RUST_LOG",
    "KUBECONFIG",
    "KUBERNETES_SERVICE_HOST",
    "KUBERNETES_SERVICE_PORT",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_INDEX_FILE",
];

fn scrubbed(name: &str) -> bool {
    SCRUBBED.contains(&name) || SCRUBBED_PREFIXES.iter().any(|p| name.starts_with(p))
}

/// The gitops-restart binary, with `NO_COLOR=1` and a scrubbed environment.
pub fn gitops_restart() -> Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gitops-restart"));
    scrub(&mut cmd);
    cmd.env("NO_COLOR", "1");
    Command::from_std(cmd)
}

/// Remove every scrubbed variable from `cmd`'s environment: those of this process, which the
/// child would inherit, and those already set on `cmd`; then pin the clock at [`NOW`].
pub fn scrub(cmd: &mut std::process::Command) {
    let names: BTreeSet<OsString> = std::env::vars_os()
        .map(|(name, _)| name)
        .chain(cmd.get_envs().map(|(name, _)| name.to_owned()))
        .chain(SCRUBBED.iter().map(OsString::from))
        .filter(|name| name.to_str().is_some_and(scrubbed))
        .collect();
    for name in names {
        cmd.env_remove(name);
    }
    cmd.env(NOW_VARIABLE, NOW);
}

/// One variable of each kind the scrub removes, with a value that would change the binary's
/// behaviour, or break it, if it got through.
const HOSTILE: [(&str, &str); 10] = [
    ("GITOPS_RESTART_LAUNCHED_BEFORE", "yesterday"),
    ("GITOPS_RESTART_CLUSTER", "wrong"),
    ("GITHUB_ACTIONS", "true"),
    ("GITHUB_STEP_SUMMARY", "/nonexistent/summary"),
    ("RUNNER_DEBUG", "1"),
    ("ACTIONS_STEP_DEBUG", "true"),
    ("RUST_LOG", "trace"),
    ("KUBECONFIG", "/nonexistent/kubeconfig"),
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("no_proxy", "*"),
];

#[test]
fn the_child_environment_holds_no_scrubbed_variable() {
    let mut cmd = std::process::Command::new("env");
    cmd.envs(HOSTILE).env("SCRUB_TEST_KEPT", "yes");
    scrub(&mut cmd);
    let out = cmd.output().expect("run env");
    assert!(out.status.success());
    let env = String::from_utf8(out.stdout).unwrap();
    let names: BTreeSet<&str> = env
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name))
        .collect();
    let leaked: Vec<&&str> = names
        .iter()
        .filter(|name| scrubbed(name) && **name != NOW_VARIABLE)
        .collect();
    assert!(leaked.is_empty(), "leaked into the child: {leaked:?}");
    assert!(
        env.lines()
            .any(|line| line == format!("{NOW_VARIABLE}={NOW}")),
        "the clock is pinned: {env}"
    );
    assert!(names.contains("SCRUB_TEST_KEPT"), "{env}");
    assert!(names.contains("PATH"), "{env}");
}

#[test]
fn the_binary_ignores_variables_set_before_the_scrub() {
    let demo = crate::cli::fixtures().join("demo");
    let run = |scrubbed: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gitops-restart"));
        cmd.envs(HOSTILE);
        if scrubbed {
            scrub(&mut cmd);
        }
        cmd.args(["plan", "--output", "json", "--repo"])
            .arg(demo.join("repo"))
            .arg("--snapshot")
            .arg(demo.join("snapshot.json"))
            .arg("--notice")
            .arg(demo.join("notice.json"))
            .output()
            .unwrap()
    };
    // Unscrubbed, the variables reach the binary: the cutoff `yesterday` is refused.
    let raw = run(false);
    assert_eq!(raw.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&raw.stderr).contains("RFC 3339"));
    // Scrubbed, the notice alone decides the cutoff and the cluster.
    let out = run(true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cluster"], "prod-eks", "{report}");
}
