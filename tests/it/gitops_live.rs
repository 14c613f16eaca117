//! End-to-end: the Argo CD and Flux objects of the live inventory, against fake Kubernetes APIs
//! on loopback (see `fake_kube`). A cluster without their CRDs still plans, a refused list is a
//! warning, and Applications are listed page by page.
//!
//! The repository is the `argocd-live-applications` scenario's: a Helm chart of Applications
//! deploys a shared shop base through a prod and a staging overlay, so only the cluster says
//! which overlay is prod's.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::cli::{TestContext, copy_dir, fixtures};
use crate::fake_kube::{FakeKube, Fault, GitOpsCrds, TOKEN};

fn scenario() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios/argocd-live-applications")
}

/// The scenario's cluster objects, split: the Applications, and everything else.
fn cluster_objects() -> (Vec<Value>, Vec<Value>) {
    let text = std::fs::read_to_string(scenario().join("cluster.json")).unwrap();
    let list: Value = serde_json::from_str(&text).unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .cloned()
        .partition(|i| i["kind"] == "Application")
}

fn scenario_repo() -> TestContext {
    let ctx = TestContext::empty();
    copy_dir(&scenario().join("repo"), ctx.path());
    ctx
}

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

/// `(namespace/kind/name, action, file)` of every row of a report.
fn rows(report: &Value) -> Vec<(String, String, String)> {
    report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let s = |k: &str| w[k].as_str().unwrap_or("-").to_owned();
            (
                format!("{}/{}/{}", s("namespace"), s("kind"), s("name")),
                s("action"),
                s("file"),
            )
        })
        .collect()
}

fn codes(report: &Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap().to_owned())
        .collect()
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

fn prod_patch() -> String {
    "shop/overlays/prod/gitops-restart-patch.yaml".to_owned()
}

#[test]
fn applications_are_listed_page_by_page_and_locate_the_prod_overlay() {
    let ctx = scenario_repo();
    let (apps, rest) = cluster_objects();
    let fake = FakeKube::with_objects(apps.into_iter().chain(rest).collect()).page_cap(3);
    let kubeconfig = fake.kubeconfig(ctx.path());
    let mut args = plan_args(&kubeconfig);
    args.extend(["--cluster".to_owned(), "prod-eks".to_owned()]);
    let report = json_of(&run(&ctx, &strs(&args), None));
    assert_eq!(
        rows(&report),
        [
            ("shop/Deployment/web".into(), "bump".into(), prod_patch()),
            ("shop/Deployment/worker".into(), "bump".into(), prod_patch()),
        ]
    );
    assert!(fake.unexpected().is_empty(), "{:?}", fake.unexpected());
    let pages: Vec<_> = fake
        .log()
        .into_iter()
        .filter(|r| r.path() == "/apis/argoproj.io/v1alpha1/applications")
        .collect();
    // 4 Applications at 3 a page: two pages, chained by the continue token.
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0].query("continue"), None);
    assert_eq!(
        pages[1].query("continue").as_deref(),
        Some("/apis/argoproj.io/v1alpha1/applications@3")
    );
    for flux in ["kustomizations", "helmreleases"] {
        assert_eq!(
            fake.log()
                .iter()
                .filter(|r| r.path().ends_with(flux))
                .count(),
            1,
            "{flux}: one (empty) page"
        );
    }
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

#[test]
fn a_refused_gitops_list_is_a_warning_naming_what_to_grant() {
    let ctx = scenario_repo();
    let (apps, rest) = cluster_objects();
    let fake = FakeKube::with_objects(apps.into_iter().chain(rest).collect()).fault(
        "/applications",
        Fault::Forbidden,
        None,
    );
    let kubeconfig = fake.kubeconfig(ctx.path());
    let mut args = plan_args(&kubeconfig);
    args.extend(["--cluster".to_owned(), "prod-eks".to_owned()]);
    let report = json_of(&run(&ctx, &strs(&args), None));
    assert_eq!(codes(&report), ["gitops-forbidden"]);
    let message = report["warnings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!(
            "{} (context fake-ctx): forbidden to list applications.argoproj.io across all \
             namespaces",
            fake.server()
        )),
        "{message}"
    );
    assert!(
        message.contains("grant get and list on applications.argoproj.io (`gitops-restart rbac`"),
        "{message}"
    );
    // Without the Applications, the shared base is all the files say: edited in place.
    assert!(
        rows(&report)
            .iter()
            .all(|(_, action, file)| action == "bump" && file.starts_with("shop/base/")),
        "{report}"
    );
    let refused = fake
        .log()
        .iter()
        .filter(|r| r.path().ends_with("/applications"))
        .count();
    assert_eq!(refused, 1, "a 403 is not retried");
}
