//! End-to-end: the Argo CD and Flux objects of the live inventory, against fake Kubernetes APIs
//! on loopback (see `fake_kube`): a cluster without their CRDs still plans.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::cli::{TestContext, fixtures};
use crate::fake_kube::{FakeKube, GitOpsCrds, TOKEN};

fn run(ctx: &TestContext, args: &[&str], kubeconfig: Option<&Path>) -> Output {
    let mut cmd = ctx.cmd(args);
    cmd.env("HOME", ctx.path().join("no-home"));
    if let Some(kubeconfig) = kubeconfig {
        cmd.env("KUBECONFIG", kubeconfig);
    }
    let out = cmd.output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
    out
}

fn json_of(out: &Output) -> Value {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn plan_args(kubeconfig: &Path) -> Vec<String> {
    [
        "plan",
        "--kubeconfig",
        &kubeconfig.display().to_string(),
        "--launched-before",
        "2026-11-20",
        "--output",
        "json",
    ]
    .map(str::to_owned)
    .to_vec()
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn a_cluster_without_the_gitops_crds_still_plans() {
    let demo = fixtures().join("demo/snapshot.json");
    let ctx = TestContext::demo();
    let args = |kubeconfig: &Path| {
        let mut args = plan_args(kubeconfig);
        args.extend(["--notice".to_owned()]);
        args.push(fixtures().join("demo/notice.json").display().to_string());
        args
    };
    let snapshot = json_of(&run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo.display().to_string(),
            "--notice",
            &fixtures().join("demo/notice.json").display().to_string(),
            "--launched-before",
            "2026-11-20",
            "--output",
            "json",
        ],
        None,
    ));
    for crds in [GitOpsCrds::Absent, GitOpsCrds::Vanished] {
        let fake = FakeKube::from_snapshot(&demo).gitops(crds);
        let kubeconfig = fake.kubeconfig(ctx.path());
        let live = json_of(&run(&ctx, &strs(&args(&kubeconfig)), None));
        assert_eq!(live, snapshot, "{crds:?}");
        assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
        let gitops: Vec<String> = fake
            .log()
            .iter()
            .filter(|r| r.path().ends_with("/applications") || r.path().contains(".fluxcd.io"))
            .map(|r| format!("{} {}", r.method, r.path()))
            .collect();
        match crds {
            // Discovery says they are not there: not even asked for.
            GitOpsCrds::Absent => assert!(gitops.is_empty(), "{gitops:?}"),
            // Named by discovery, then 404: asked once each (a 404 is an answer), skipped.
            _ => assert_eq!(
                gitops,
                [
                    "GET /apis/argoproj.io/v1alpha1/applications",
                    "GET /apis/kustomize.toolkit.fluxcd.io/v1/kustomizations",
                    "GET /apis/helm.toolkit.fluxcd.io/v2/helmreleases",
                ]
            ),
        }
    }
}
