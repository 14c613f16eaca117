//! GitHub's limits, met by design: a fleet of hundreds or thousands of Deployments without a
//! PodDisruptionBudget (each with the same warning) gives a pull request body GitHub accepts
//! (65,536 characters), a step summary under 1 MiB, a `report-markdown` file a comment can
//! hold, and at most 10 annotations of each kind, the last counting the rest.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use super::cli::TestContext;
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN};

/// `n` Deployments in 50 namespaces, one Fargate pod each created before the cutoff, no
/// PodDisruptionBudget: the manifests in `ctx` (in folders with multi-byte names, which the
/// reports show in the file column), the snapshot in `dir`.
fn fleet(ctx: &TestContext, dir: &Path, n: usize) -> PathBuf {
    let mut items = Vec::new();
    for i in 0..n {
        let (ns, name) = (format!("team-{:02}", i % 50), format!("app-{i:05}"));
        let meta = |name: &str, owner: Option<(&str, &str)>| {
            let mut meta = json!({
                "name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"),
                "creationTimestamp": "2026-10-01T00:00:00Z", "labels": {"app": name},
            });
            if let Some((kind, owner)) = owner {
                meta["ownerReferences"] = json!([{
                    "apiVersion": "apps/v1", "kind": kind, "name": owner,
                    "uid": format!("uid-{ns}-{owner}"), "controller": true,
                }]);
            }
            meta
        };
        let rs = format!("{name}-5d8f7c");
        items.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(&name, None),
            "spec": {"replicas": 2, "strategy": {"type": "RollingUpdate"},
                     "selector": {"matchLabels": {"app": name}}},
        }));
        items.push(json!({
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": meta(&rs, Some(("Deployment", &name))), "spec": {"replicas": 2},
        }));
        items.push(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": meta(&format!("{rs}-x1"), Some(("ReplicaSet", &rs))),
            "spec": {"schedulerName": "fargate-scheduler", "nodeName": "fargate-ip-10-0-1-1",
                     "containers": [{"name": "app", "image": "x"}]},
            "status": {"phase": "Running"},
        }));
        ctx.write(
            &format!("apps/équipe-🦀-{ns}/{name}.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n\
                 spec:\n  replicas: 2\n  template:\n    spec:\n      containers: []\n"
            ),
        );
    }
    let snapshot = dir.join("snapshot.json");
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items});
    std::fs::write(&snapshot, serde_json::to_vec(&list).unwrap()).unwrap();
    snapshot
}

/// What a run under GitHub Actions left: its output, the step summary, the report files.
struct Run {
    out: Output,
    summary: String,
    outputs: String,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    /// The `report-markdown` output's file.
    fn report_markdown(&self) -> String {
        let path = self
            .outputs
            .lines()
            .find_map(|l| l.strip_prefix("report-markdown="))
            .unwrap();
        std::fs::read_to_string(path).unwrap()
    }

    /// The workflow commands of one kind, in order.
    fn annotations(&self, kind: &str) -> Vec<String> {
        let prefix = format!("::{kind} ");
        self.stderr()
            .lines()
            .filter(|l| l.starts_with(&prefix))
            .map(str::to_owned)
            .collect()
    }
}

/// Run `args` as a step of a workflow would (`GITHUB_ACTIONS=true`), with a step summary that
/// already holds `written` (an earlier command of the same step).
fn in_actions(ctx: &TestContext, scratch: &Path, args: &[&str], written: &str) -> Run {
    let summary = scratch.join("summary.md");
    let outputs = scratch.join("outputs");
    std::fs::write(&summary, written).unwrap();
    std::fs::write(&outputs, "").unwrap();
    let mut cmd = ctx.cmd(args);
    cmd.env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &outputs)
        .env("RUNNER_TEMP", scratch)
        .env("GITHUB_WORKSPACE", ctx.path());
    let out = cmd.output().unwrap();
    Run {
        out,
        summary: std::fs::read_to_string(&summary).unwrap(),
        outputs: std::fs::read_to_string(&outputs).unwrap(),
    }
}

fn utf16(text: &str) -> usize {
    text.encode_utf16().count()
}

#[test]
fn four_hundred_workloads_without_pdbs_open_a_pull_request() {
    let ctx = TestContext::empty();
    let scratch = tempfile::tempdir().unwrap();
    let snapshot = fleet(&ctx, scratch.path(), 400);
    let fake = FakeGithub::start(ctx.path());
    let out = ctx
        .cmd(&["pr", "--snapshot", snapshot.to_str().unwrap()])
        .args(["--launched-before", "2026-11-20", "--cluster", "prod-eks"])
        .args(["--api-url", &fake.url(), "--output", "json"])
        .args(["--github-repo", &format!("{OWNER}/{NAME}")])
        .env("GITHUB_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pull_request"]["operation"], "created");
    let warnings = report["workloads"][0]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w["code"] == "no-pdb"),
        "the JSON report stays per workload: {warnings:?}"
    );
    let body = &fake.pulls()[0].body;
    assert!(utf16(body) <= 60_000, "{}", utf16(body));
    assert_eq!(
        body.matches("no PodDisruptionBudget selects").count(),
        1,
        "one warning, with its count and the workloads"
    );
    assert!(body.contains("> - **400 workloads:** no PodDisruptionBudget selects these pods"));
    assert!(body.contains(">   - `team-49/Deployment/app-00399`\n"));
    assert!(body.contains("`apps/équipe-🦀-team-00/app-00000.yaml:2`"));
    fake.assert_clean();
}

#[test]
fn forty_five_hundred_workloads_fit_the_summary_the_comment_and_the_annotations() {
    let ctx = TestContext::empty();
    let scratch = tempfile::tempdir().unwrap();
    let snapshot = fleet(&ctx, scratch.path(), 4_500);
    let snapshot = snapshot.to_str().unwrap();
    let plan = [
        "plan",
        "--snapshot",
        snapshot,
        "--launched-before",
        "2026-11-20",
    ];
    // An earlier command of the same step wrote most of the summary already.
    let earlier = "x".repeat(900_000) + "\n";
    let run = in_actions(&ctx, scratch.path(), &plan, &earlier);
    assert!(run.out.status.success(), "{}", run.stderr());
    assert!(run.summary.len() <= 1_000_000, "{}", run.summary.len());
    let appended = &run.summary[earlier.len()..];
    assert!(
        appended.starts_with("## Restart of workloads"),
        "{appended:.300}"
    );
    assert!(appended.contains("_Cut to fit: "), "{appended:.900}");
    let comment = run.report_markdown();
    assert!(utf16(&comment) <= 60_000, "{}", utf16(&comment));
    assert!(comment.contains("> - **4500 workloads:** no PodDisruptionBudget"));
    assert!(comment.contains(
        "the JSON report (the `report-json` output) holds everything, and `gitops-restart plan` \
         shows the full report._"
    ));
    // 4,500 warnings: nine annotated, the tenth counts the rest.
    let warnings = run.annotations("warning");
    assert_eq!(warnings.len(), 10, "{warnings:#?}");
    assert!(warnings[0].contains("::no PodDisruptionBudget selects these pods"));
    assert!(
        warnings[9].starts_with(
            "::warning title=gitops-restart::4492 more warnings are not annotated (GitHub \
             shows 10 of each kind per step): the step summary and the JSON report"
        ),
        "{}",
        warnings[9]
    );
    assert!(run.annotations("notice").len() <= 10);

    // verify: the same limits for the pods left.
    let verify = [
        "verify",
        "--snapshot",
        snapshot,
        "--launched-before",
        "2026-11-20",
    ];
    let run = in_actions(&ctx, scratch.path(), &verify, &earlier);
    assert_eq!(run.out.status.code(), Some(2), "{}", run.stderr());
    assert!(run.summary.len() <= 1_000_000, "{}", run.summary.len());
    assert!(
        run.summary[earlier.len()..].contains("_Cut to fit: "),
        "{:.900}",
        &run.summary[earlier.len()..]
    );
    let warnings = run.annotations("warning");
    assert_eq!(warnings.len(), 10, "{warnings:#?}");
    assert!(warnings[9].contains("more warnings are not annotated"));
}
