//! Logging: silent unless asked (`-v`, `RUST_LOG`, the runner's `RUNNER_DEBUG=1`), always on
//! stderr so that stdout stays the report, and never a credential, even at trace level with the
//! live cluster and GitHub.

use assert_cmd::Command;

use super::cli::TestContext;
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN as GITHUB_TOKEN};
use super::fake_kube::{FakeKube, TOKEN as KUBE_TOKEN};

const DEMO: &[&str] = &[
    "plan",
    "--snapshot",
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/snapshot.json"),
    "--notice",
    concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/demo/notice.json"),
    "--output",
    "json",
];

/// The demo plan, without the logging variables of the environment the tests run in.
fn demo(ctx: &TestContext) -> Command {
    let mut cmd = ctx.cmd(DEMO);
    cmd.env_remove("RUST_LOG").env_remove("RUNNER_DEBUG");
    cmd
}

/// Run, expect success and a JSON report on stdout; return stderr.
fn stderr_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is JSON");
    assert_eq!(report["schema"], 2);
    stderr
}

#[test]
fn silent_by_default() {
    let ctx = TestContext::demo();
    assert_eq!(stderr_of(&mut demo(&ctx)), "");
}

#[test]
fn verbosity_levels() {
    let ctx = TestContext::demo();
    let info = stderr_of(demo(&ctx).arg("-v"));
    assert!(
        info.contains(" INFO gitops_restart: indexed the repository"),
        "{info}"
    );
    assert!(
        info.contains("affected by the cutoff workloads=8 pods=15"),
        "{info}"
    );
    assert!(!info.contains("DEBUG"), "{info}");

    let debug = stderr_of(demo(&ctx).arg("-vv"));
    assert!(
        debug.contains(
            "DEBUG gitops_restart::plan: restart in place: apps/shop/frontend.yaml:3 \
             workload=shop/Deployment/frontend"
        ),
        "{debug}"
    );
    assert!(debug.contains("found_in=[\"plain manifests\"]"), "{debug}");
}

#[test]
fn rust_log_and_the_runners_debug_logging() {
    let ctx = TestContext::demo();
    let only_info = stderr_of(demo(&ctx).arg("-vv").env("RUST_LOG", "gitops_restart=info"));
    assert!(
        only_info.contains("INFO") && !only_info.contains("DEBUG"),
        "{only_info}"
    );

    let runner = stderr_of(demo(&ctx).env("RUNNER_DEBUG", "1"));
    assert!(runner.contains("DEBUG gitops_restart"), "{runner}");

    let bad = stderr_of(demo(&ctx).env("RUST_LOG", "gitops_restart=loud"));
    assert!(
        bad.starts_with("warning: RUST_LOG `gitops_restart=loud` is not a log filter"),
        "{bad}"
    );
}

#[test]
fn every_request_is_logged_and_no_credential_is() {
    let ctx = TestContext::demo();
    let scratch = tempfile::tempdir().unwrap();
    let kube = FakeKube::from_snapshot(&super::cli::fixtures().join("demo/snapshot.json"));
    let out = ctx
        .cmd(&[
            "plan",
            "-vvv",
            "--launched-before",
            "2026-11-20",
            "--output",
            "json",
        ])
        .arg("--kubeconfig")
        .arg(kube.kubeconfig(scratch.path()))
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Kubernetes API method=GET path=/api/v1/pods?&limit=500 outcome=\"ok\""),
        "{stderr}"
    );
    assert!(!stderr.contains(KUBE_TOKEN), "the kube token was logged");

    let github = FakeGithub::start(ctx.path());
    let out = ctx
        .cmd(&[
            "pr",
            "-vvv",
            "--workload",
            "shop/Deployment/frontend",
            "--launched-before",
            "2026-11-20",
            "--cluster",
            "prod-eks",
            "--api-url",
            &github.url(),
            "--github-repo",
            &format!("{OWNER}/{NAME}"),
        ])
        .env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("RUST_LOG", "trace")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_API_URL")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "GitHub method=Post path=\"/repos/{OWNER}/{NAME}/pulls\" status=201"
        )),
        "{stderr}"
    );
    for stream in [&out.stdout[..], &out.stderr[..]] {
        assert!(
            !String::from_utf8_lossy(stream).contains(GITHUB_TOKEN),
            "the GitHub token was logged"
        );
    }
}
