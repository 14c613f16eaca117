//! Values that end up in YAML, a git ref or an API path, refused by the binary with a message
//! naming them: `rbac --group` with a line break (a second subject) or empty (a null name),
//! `--cluster ''`, an empty `GITOPS_RESTART_*` variable, `--base ../../user`, an annotation key
//! Kubernetes rejects.

use crate::support::gitops_restart;

fn refused(cmd: &mut assert_cmd::Command) -> String {
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn the_rbac_group_is_one_subject_or_refused() {
    let stderr = refused(gitops_restart().args([
        "rbac",
        "--group",
        "readers\n  - apiGroup: rbac.authorization.k8s.io\n    kind: User\n    name: system:anonymous",
    ]));
    assert!(
        stderr.contains("holds a control character or a line break"),
        "{stderr}"
    );
    let stderr = refused(gitops_restart().args(["rbac", "--group", ""]));
    assert_eq!(stderr, "error: --group must not be empty\n");
    let out = gitops_restart()
        .args(["rbac", "--group", "null"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.ends_with("    kind: Group\n    name: \"null\"\n"),
        "{text}"
    );
}

#[test]
fn empty_and_malformed_values_are_refused_with_their_name() {
    let repo = tempfile::tempdir().unwrap();
    let plan = || {
        let mut cmd = gitops_restart();
        cmd.args([
            "plan",
            "--all-workloads",
            "--launched-before",
            "2026-11-20",
            "--repo",
        ])
        .arg(repo.path());
        cmd
    };
    let stderr = refused(plan().args(["--cluster", ""]));
    assert_eq!(stderr, "error: --cluster must not be empty\n");
    let stderr = refused(plan().env("GITOPS_RESTART_CLUSTER", ""));
    assert_eq!(
        stderr,
        "error: GITOPS_RESTART_CLUSTER is set but empty: give it a value, or unset it for the \
         default\n"
    );
    let stderr = refused(plan().args(["--annotation", "restart at"]));
    assert!(
        stderr.contains("--annotation `restart at` is not an annotation key"),
        "{stderr}"
    );
    let stderr = refused(
        gitops_restart()
            .args(["pr", "--all-workloads", "--base", "../../user", "--repo"])
            .arg(repo.path()),
    );
    assert!(
        stderr.contains("--base `../../user` can't be a branch name"),
        "{stderr}"
    );
}
