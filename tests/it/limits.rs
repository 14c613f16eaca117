//! Limits on what the repository walk reads: alias bombs in every kind of document the tool
//! reads in full (a kustomization, an Argo CD Application, a Flux HelmRelease and Kustomization,
//! `argocd-cm`) and in a Deployment, nesting past the limit, repeated keys, a named pipe and a
//! file over the size limit. Each is a skipped file with the reason, the run finishes within
//! seconds and a bounded address space, and the other workloads are still planned.

use std::time::{Duration, Instant};

use super::cli::TestContext;

/// `a0` is ten scalars, each next anchor ten aliases to the one before: a billion nodes
/// expanded, in a few hundred bytes.
fn bomb() -> String {
    let mut text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
    for i in 1..9 {
        let previous = format!("*a{}", i - 1);
        text += &format!("a{i}: &a{i} [{}]\n", vec![previous; 10].join(", "));
    }
    text
}

const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n\
spec:\n  template:\n    spec:\n      containers: []\n";

/// A document of each kind, its head followed by the bomb under a key of its own.
fn bombs() -> Vec<(&'static str, String)> {
    let heads = [
        (
            "apps/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web.yaml]\n",
        ),
        (
            "argo/app.yaml",
            "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: shop\n",
        ),
        (
            "flux/release.yaml",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: shop\n",
        ),
        (
            "flux/kustomization.yaml",
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: shop\n",
        ),
        (
            "argo/argocd-cm.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\n",
        ),
        (
            "apps/other.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec: {}\n",
        ),
    ];
    heads
        .into_iter()
        .map(|(file, head)| (file, format!("{head}x:\n{}", indent(&bomb()))))
        .collect()
}

fn indent(text: &str) -> String {
    text.lines().flat_map(|l| ["  ", l, "\n"]).collect()
}

/// `plan --all-workloads` as JSON, in an address space of 1 GiB (an expanded bomb takes
/// gigabytes), checked to finish in `within`.
fn plan(ctx: &TestContext, within: Duration) -> serde_json::Value {
    let started = Instant::now();
    let mut cmd = std::process::Command::new("sh");
    cmd.args(["-c", "ulimit -v 1048576 && exec \"$0\" \"$@\""])
        .arg(env!("CARGO_BIN_EXE_gitops-restart"))
        .args(["plan", "--all-workloads", "--launched-before", "2026-11-20"])
        .args(["--output", "json", "--repo"])
        .arg(ctx.path());
    crate::support::scrub(&mut cmd);
    let out = assert_cmd::Command::from_std(cmd)
        .timeout(within * 4)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    // A debug build on a loaded machine; the limit is met within milliseconds in release.
    assert!(elapsed < within, "{elapsed:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The reason `file` was skipped for, with its line.
fn skipped(report: &serde_json::Value, file: &str) -> (Option<u64>, String) {
    let entry = report["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["file"] == file)
        .unwrap_or_else(|| panic!("{file} is not skipped: {report:#}"));
    (
        entry["line"].as_u64(),
        entry["reason"].as_str().unwrap().to_owned(),
    )
}

fn bumped(report: &serde_json::Value) -> Vec<String> {
    report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn alias_bombs_of_every_document_kind_are_skipped_within_seconds() {
    let ctx = TestContext::empty();
    ctx.write("apps/web.yaml", WEB);
    for (file, text) in bombs() {
        assert!(text.len() < 1024, "{file}: {} bytes", text.len());
        ctx.write(file, &text);
    }
    let report = plan(&ctx, Duration::from_secs(5));
    for (file, _) in bombs() {
        let (line, reason) = skipped(&report, file);
        assert!(line.is_some_and(|l| l > 1), "{file}: {line:?}");
        assert!(
            reason.contains("aliases (`*name`) expand to more than 100000 nodes"),
            "{file}: {reason}"
        );
    }
    assert_eq!(bumped(&report), ["web"]);
}

#[test]
fn deep_nesting_and_repeated_keys_are_skipped_with_the_line() {
    let ctx = TestContext::empty();
    ctx.write("apps/web.yaml", WEB);
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {}{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    ctx.write("apps/deep.yaml", &deep);
    let repeated = WEB.replace("name: web", "name: dup") + "  template: {}\n";
    ctx.write("apps/dup.yaml", &repeated);
    ctx.write(
        "apps/kustomization.yaml",
        "resources: [web.yaml]\nresources: [dup.yaml]\n",
    );
    let report = plan(&ctx, Duration::from_secs(20));
    let (line, reason) = skipped(&report, "apps/deep.yaml");
    assert_eq!(line, Some(4));
    assert!(
        reason.contains("nested more than 64 levels deep"),
        "{reason}"
    );
    let (line, reason) = skipped(&report, "apps/dup.yaml");
    assert_eq!(line, Some(10));
    assert!(
        reason.contains("duplicate key `template` (first at line 7)"),
        "{reason}"
    );
    let (line, reason) = skipped(&report, "apps/kustomization.yaml");
    assert_eq!(line, Some(2));
    assert!(
        reason.contains("duplicate key `resources` (first at line 1)"),
        "{reason}"
    );
    assert_eq!(bumped(&report), ["web"]);
}

#[test]
fn a_named_pipe_and_a_file_over_the_limit_are_skipped_unread() {
    let ctx = TestContext::empty();
    ctx.write("apps/web.yaml", WEB);
    let fifo = ctx.path().join("apps/pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    // Over 16 MiB, and a Kubernetes object.
    let mut big = "apiVersion: v1\nkind: ConfigMap\ndata:\n".to_owned();
    while big.len() <= 16 << 20 {
        big += "  # padding padding padding padding padding padding padding padding padding\n";
    }
    ctx.write("apps/big.yaml", &big);
    let report = plan(&ctx, Duration::from_secs(20));
    let (_, reason) = skipped(&report, "apps/pipe.yaml");
    assert!(reason.contains("named pipe (FIFO)"), "{reason}");
    let (line, reason) = skipped(&report, "apps/big.yaml");
    assert_eq!(line, None);
    assert!(reason.contains("larger than 16 MiB"), "{reason}");
    assert_eq!(bumped(&report), ["web"]);
}
