//! End-to-end: the Argo CD and Flux objects of the live inventory, against fake Kubernetes APIs
//! on loopback (see `fake_kube`). A cluster without their CRDs still plans, a refused list is a
//! warning, Applications are listed page by page, and `--gitops-context` reads the Applications
//! of an Argo CD management cluster (a second fake) that deploys to the restarted one.
//!
//! The repository is the `argocd-live-applications` scenario's: a Helm chart of Applications
//! deploys a shared shop base through a prod and a staging overlay, so only the cluster says
//! which overlay is prod's.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

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
    assert_eq!(codes(&report), ["gitops-forbidden", "deadline-unknown"]);
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

/// A kubeconfig with the contexts `prod` and `hub`, each on its fake, both with the token.
fn two_contexts(dir: &Path, prod: &FakeKube, hub: &FakeKube) -> PathBuf {
    let path = dir.join("two-contexts");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: prod\n    cluster:\n      server: {}\n  - name: hub\n    cluster:\n      server: {}\n\
             contexts:\n  - name: prod\n    context:\n      cluster: prod\n      user: u\n  - name: hub\n    context:\n      cluster: hub\n      user: u\n\
             current-context: prod\nusers:\n  - name: u\n    user:\n      token: {TOKEN}\n",
            prod.server(),
            hub.server()
        ),
    )
    .unwrap();
    path
}

#[test]
fn gitops_context_reads_the_applications_of_a_management_cluster() {
    let ctx = scenario_repo();
    let (mut apps, rest) = cluster_objects();
    // The restarted cluster runs no Argo CD; the hub deploys to it by its API server.
    let prod = FakeKube::with_objects(rest).gitops(GitOpsCrds::Absent);
    for app in &mut apps {
        if app["metadata"]["name"] == "shop-prod" {
            app["spec"]["destination"] = json!({"server": prod.server(), "namespace": "shop"});
        }
    }
    let hub = FakeKube::with_objects(apps).page_cap(1);
    let kubeconfig = two_contexts(ctx.path(), &prod, &hub);
    let report = json_of(&run(
        &ctx,
        &[
            "plan",
            "--context",
            "prod",
            "--gitops-context",
            "hub",
            "--launched-before",
            "2026-11-20",
            "--deadline",
            "2026-12-04",
            "--output",
            "json",
        ],
        Some(&kubeconfig),
    ));
    assert_eq!(report["cluster"], "prod");
    assert_eq!(
        rows(&report),
        [
            ("shop/Deployment/web".into(), "bump".into(), prod_patch()),
            ("shop/Deployment/worker".into(), "bump".into(), prod_patch()),
        ]
    );
    let choice = &report["warnings"][0];
    assert_eq!(choice["code"], "gitops-destination");
    assert_eq!(choice["severity"], "info");
    assert_eq!(
        choice["message"],
        format!(
            "Applications from context hub ({hub}) taken to deploy to prod, by destination.name \
             prod or destination.server {prod}: shop-prod; 2 other(s) deploy elsewhere (hub, \
             staging-eks)",
            hub = hub.server(),
            prod = prod.server()
        )
    );
    assert_eq!(codes(&report), ["gitops-destination"]);
    // From the hub, Applications only, page by page: no pods, nothing else.
    assert!(hub.unexpected().is_empty(), "{:?}", hub.unexpected());
    let asked: Vec<String> = hub.log().iter().map(|r| r.path().to_owned()).collect();
    assert_eq!(asked[..2], ["/apis", "/apis/argoproj.io/v1alpha1"]);
    assert!(
        asked[2..]
            .iter()
            .all(|p| p == "/apis/argoproj.io/v1alpha1/applications"),
        "{asked:?}"
    );
    assert_eq!(asked.len(), 2 + 4, "4 Applications at 1 a page");
    assert!(prod.unexpected().is_empty(), "{:?}", prod.unexpected());

    // From a snapshot of prod, the hub's destination server can't be compared: by name only,
    // and none has it, which the warning says.
    let snapshot = ctx.path().join("prod.json");
    let list = json!({"apiVersion": "v1", "kind": "List", "items": cluster_objects().1});
    std::fs::write(&snapshot, list.to_string()).unwrap();
    let out = run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &snapshot.display().to_string(),
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "--gitops-context",
            "hub",
            "--cluster",
            "prod-eks",
            "--launched-before",
            "2026-11-20",
            "--deadline",
            "2026-12-04",
            "--output",
            "json",
        ],
        None,
    );
    let report = json_of(&out);
    let choice = &report["warnings"][0];
    assert_eq!(choice["code"], "gitops-destination");
    assert_eq!(choice["severity"], "warning");
    assert!(
        choice["message"].as_str().unwrap().starts_with(&format!(
            "none of the Applications of this repository from context hub ({}) deploys to \
             prod-eks, told by destination.name prod-eks; 3 other(s) deploy elsewhere",
            hub.server()
        )),
        "{choice}"
    );
    assert!(
        rows(&report)
            .iter()
            .all(|(_, action, _)| action == "not-found"),
        "{report}"
    );
}
