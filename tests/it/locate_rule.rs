//! The edit-site rule and Flux as Flux sees it, on small repositories written by each test: an
//! edit site is chosen only if, rendered, it changes exactly the restarted workloads of the
//! cluster being restarted; Flux Kustomizations belong to the clusters that deploy them, render
//! this repository only through its own GitRepository, and substitute their `postBuild`
//! variables. Each test reads the plan's JSON rows; the scenarios (`tests/scenarios`) render the
//! same layouts with `kubectl kustomize`.

use serde_json::Value;

use crate::cli::TestContext;

fn deployment(name: &str, namespace: Option<&str>) -> String {
    let namespace = namespace.map_or_else(String::new, |ns| format!("  namespace: \"{ns}\"\n"));
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \"{name}\"\n{namespace}spec:\n  \
         selector: {{matchLabels: {{app: a}}}}\n  template:\n    metadata: {{labels: {{app: a}}}}\n    \
         spec: {{containers: [{{name: a, image: a}}]}}\n"
    )
}

fn flux(name: &str, path: &str, extra: &str) -> String {
    format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: {name}\n  \
         namespace: flux-system\nspec:\n  interval: 10m\n  path: {path}\n  prune: true\n{extra}"
    )
}

const THIS_REPO: &str = "  sourceRef: {kind: GitRepository, name: flux-system}\n";

fn argo_app(name: &str, path: &str, namespace: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {{name: {name}, namespace: argocd}}\n\
         spec:\n  source: {{repoURL: https://example.com/gitops.git, path: {path}}}\n  \
         destination: {{server: https://kubernetes.default.svc, namespace: {namespace}}}\n"
    )
}

/// `plan` on the repository: its rows, one per workload.
fn plan(ctx: &TestContext, args: &[&str]) -> Vec<Value> {
    let report = ctx.json(&[&["plan", "--restarted-at", "2026-11-20"], args].concat());
    report["workloads"].as_array().unwrap().clone()
}

fn row<'r>(rows: &'r [Value], id: &str) -> &'r Value {
    rows.iter()
        .find(|r| {
            format!(
                "{}/{}/{}",
                r["namespace"].as_str().unwrap_or(""),
                r["kind"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            ) == id
        })
        .unwrap_or_else(|| panic!("no row {id} in {rows:#?}"))
}

#[test]
fn a_shared_manifest_is_edited_only_when_everything_it_restarts_is_restarted() {
    let ctx = TestContext::empty();
    ctx.write("manifests/web.yaml", &deployment("web", None));
    ctx.write("apps/a.yaml", &argo_app("web-a", "manifests", "team-a"));
    ctx.write("apps/b.yaml", &argo_app("web-b", "manifests", "team-b"));
    let both = plan(
        &ctx,
        &[
            "--workload",
            "team-a/Deployment/web",
            "--workload",
            "team-b/Deployment/web",
        ],
    );
    for id in ["team-a/Deployment/web", "team-b/Deployment/web"] {
        assert_eq!(row(&both, id)["action"], "bump", "{both:#?}");
        assert_eq!(row(&both, id)["file"], "manifests/web.yaml");
    }
    // team-b is not restarted: an edit of the shared manifest would restart it too.
    let one = plan(&ctx, &["--workload", "team-a/Deployment/web"]);
    let web = row(&one, "team-a/Deployment/web");
    assert_eq!(web["action"], "manual", "{one:#?}");
    let reason = web["reason"].as_str().unwrap();
    assert!(
        reason.contains("Application web-b (apps/b.yaml), as team-b/Deployment/web, which is not being restarted"),
        "{reason}"
    );
}

#[test]
fn flux_kustomizations_belong_to_the_clusters_that_deploy_them() {
    let ctx = TestContext::empty();
    ctx.write("apps/web/web.yaml", &deployment("web", Some("web")));
    // clusters/common holds a Kustomization that the roots of a and b both deploy.
    ctx.write(
        "clusters/common/web.yaml",
        &flux("web", "./apps/web", THIS_REPO),
    );
    ctx.write(
        "clusters/a/common.yaml",
        &flux("common", "./clusters/common", THIS_REPO),
    );
    ctx.write(
        "clusters/b/common.yaml",
        &flux("common", "./clusters/common", THIS_REPO),
    );
    let rows = plan(
        &ctx,
        &["--cluster", "a", "--workload", "web/Deployment/web"],
    );
    let web = row(&rows, "web/Deployment/web");
    assert_eq!(web["action"], "manual", "{rows:#?}");
    let reason = web["reason"].as_str().unwrap();
    assert!(
        reason
            .contains("Flux Kustomization flux-system/web (clusters/common/web.yaml) on cluster b"),
        "{reason}"
    );
    // Without --cluster: deployed to two clusters.
    let rows = plan(&ctx, &["--workload", "web/Deployment/web"]);
    let web = row(&rows, "web/Deployment/web");
    assert_eq!(web["action"], "ambiguous", "{rows:#?}");
    assert!(
        web["reason"]
            .as_str()
            .unwrap()
            .contains("several clusters (a, b)")
    );
    // Only a deploys it: edited in place, for a and as the only candidate for nothing else.
    std::fs::remove_file(ctx.path().join("clusters/b/common.yaml")).unwrap();
    let rows = plan(
        &ctx,
        &["--cluster", "a", "--workload", "web/Deployment/web"],
    );
    assert_eq!(
        row(&rows, "web/Deployment/web")["file"],
        "apps/web/web.yaml"
    );
    let rows = plan(
        &ctx,
        &["--cluster", "b", "--workload", "web/Deployment/web"],
    );
    assert_eq!(
        row(&rows, "web/Deployment/web")["action"],
        "not-found",
        "{rows:#?}"
    );
}

#[test]
fn flux_kustomizations_of_other_sources_render_nothing_here() {
    let ctx = TestContext::empty();
    ctx.write(
        "clusters/prod/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  \
         namespace: flux-system\nspec:\n  url: ssh://git@github.com/acme/gitops\n",
    );
    ctx.write(
        "clusters/prod/other.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: other\n  \
         namespace: flux-system\nspec:\n  url: https://github.com/acme/other.git\n",
    );
    ctx.write(
        "clusters/prod/apps.yaml",
        &flux("apps", "./apps", THIS_REPO),
    );
    let sources = [
        (
            "git-other",
            "  sourceRef: {kind: GitRepository, name: other}\n",
        ),
        ("oci", "  sourceRef: {kind: OCIRepository, name: oci}\n"),
        ("bucket", "  sourceRef: {kind: Bucket, name: bucket}\n"),
    ];
    for (name, source) in sources {
        ctx.write(
            &format!("clusters/prod/{name}.yaml"),
            &flux(name, "./", source),
        );
    }
    ctx.write("apps/solo.yaml", &deployment("solo", Some("web")));
    let report = ctx.json(&[
        "plan",
        "--restarted-at",
        "2026-11-20",
        "--cluster",
        "prod",
        "--workload",
        "web/Deployment/solo",
    ]);
    assert_eq!(report["workloads"][0]["action"], "bump", "{report:#}");
    assert_eq!(report["workloads"][0]["file"], "apps/solo.yaml");
    // One of this repository's URL (any spelling) renders it: then a missing path is a warning.
    ctx.write(
        "clusters/prod/other.yaml",
        &ctx.read("clusters/prod/other.yaml").replace(
            "https://github.com/acme/other.git",
            "https://github.com/acme/gitops.git",
        ),
    );
    ctx.write(
        "clusters/prod/git-other.yaml",
        &flux(
            "git-other",
            "./nowhere",
            "  sourceRef: {kind: GitRepository, name: other}\n",
        ),
    );
    let report = ctx.json(&[
        "plan",
        "--restarted-at",
        "2026-11-20",
        "--cluster",
        "prod",
        "--workload",
        "web/Deployment/solo",
    ]);
    let warnings = report["warnings"].to_string();
    assert!(
        warnings.contains("git-other: path `nowhere` renders nothing"),
        "{warnings}"
    );
}

#[test]
fn postbuild_substitution_names_workloads_or_says_why_it_cannot() {
    let ctx = TestContext::empty();
    ctx.write(
        "apps/web.yaml",
        &deployment("web-${env}", Some("${ns:=shop}")),
    );
    let substitute =
        |from: &str| format!("{THIS_REPO}  postBuild:\n    substitute:\n      env: prod\n{from}");
    ctx.write(
        "clusters/prod/apps.yaml",
        &flux("apps", "./apps", &substitute("")),
    );
    let rows = plan(
        &ctx,
        &[
            "--cluster",
            "prod",
            "--workload",
            "shop/Deployment/web-prod",
        ],
    );
    let web = row(&rows, "shop/Deployment/web-prod");
    assert_eq!(web["action"], "bump", "{rows:#?}");
    assert_eq!(web["file"], "apps/web.yaml");
    // The namespace's variable may come from a ConfigMap the repository doesn't show.
    ctx.write(
        "clusters/prod/apps.yaml",
        &flux(
            "apps",
            "./apps",
            &substitute("    substituteFrom:\n    - {kind: ConfigMap, name: cluster-vars}\n"),
        ),
    );
    let rows = plan(
        &ctx,
        &[
            "--cluster",
            "prod",
            "--workload",
            "shop/Deployment/web-prod",
        ],
    );
    let web = row(&rows, "shop/Deployment/web-prod");
    assert_eq!(web["action"], "ambiguous", "{rows:#?}");
    let reason = web["reason"].as_str().unwrap();
    assert!(reason.contains("ConfigMap cluster-vars"), "{reason}");
}

#[test]
fn every_workload_row_names_the_live_workload_but_all_workloads_lists_manifests() {
    let ctx = TestContext::empty();
    ctx.write("base/deploy.yaml", &deployment("web", None));
    ctx.write("base/kustomization.yaml", "resources:\n- deploy.yaml\n");
    ctx.write(
        "overlay/kustomization.yaml",
        "namePrefix: p-\nresources:\n- ../base\n",
    );
    let rows = plan(&ctx, &["--workload", "x/Deployment/p-web"]);
    assert_eq!(row(&rows, "x/Deployment/p-web")["file"], "base/deploy.yaml");
    // --all-workloads lists what the manifests define, by the names they are written with.
    let rows = plan(&ctx, &["--all-workloads"]);
    assert_eq!(row(&rows, "/Deployment/web")["file"], "base/deploy.yaml");
}
