//! Tests of the live objects' renderings, on small repositories in a scratch folder.

use super::*;

#[test]
fn urls_compare_by_host_and_path() {
    for url in [
        "https://github.com/acme/gitops.git",
        "https://github.com/Acme/GitOps/",
        "git@github.com:acme/gitops.git",
        "ssh://git@github.com:22/acme/gitops",
        "https://ci:token@github.com/acme/gitops",
    ] {
        assert_eq!(normalize_url(url), "github.com/acme/gitops", "{url}");
    }
    let repositories = Repositories::new(&["https://github.com/acme/gitops".to_owned()]);
    assert!(repositories.holds(Some("git@github.com:acme/gitops.git")));
    assert!(!repositories.holds(Some("https://github.com/acme/platform.git")));
    assert!(repositories.holds(None), "a source without repoURL");
    assert!(Repositories::default().holds(Some("https://anything.example.com/x")));
}

#[test]
fn servers_compare_without_case_slash_or_default_port() {
    assert!(same_server(
        "https://ABC.gr7.eu-west-1.eks.amazonaws.com/",
        "https://abc.gr7.eu-west-1.eks.amazonaws.com:443"
    ));
    assert!(!same_server(
        "https://a.example.com",
        "https://b.example.com"
    ));
    assert!(same_server(IN_CLUSTER, "https://kubernetes.default.svc/"));
}

// ---------------------------------------------------------------------------------------------
// Locating with live objects, on a small repository: a shared base, a prod and a staging overlay.

use std::collections::BTreeMap as Map;

use serde_json::{Value, json};

use crate::locate::{LiveWorkload, Located, Locator, Site};

const ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

fn shop() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "shop/base/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [web.yaml]\n",
        ),
        (
            "shop/base/web.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: web}]\n",
        ),
        (
            "shop/overlays/prod/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [../../base]\n",
        ),
        (
            "shop/overlays/staging/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [../../base]\n",
        ),
    ]
}

/// An Application as the cluster lists it.
fn app(name: &str, repo: &str, path: &str, destination: &Value) -> Value {
    json!({
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {"source": {"repoURL": repo, "path": path, "targetRevision": "main"},
                 "destination": destination, "syncPolicy": {"automated": {}}}
    })
}

const GITOPS: &str = "https://github.com/acme/gitops.git";

/// The objects as a snapshot holds them, read by the inventory's decoder.
fn gitops(objects: &[Value]) -> GitOps {
    let list = json!({"apiVersion": "v1", "kind": "List", "items": objects});
    let (inventory, _) = crate::inventory::snapshot::parse(&list.to_string(), "s").unwrap();
    inventory.gitops().clone()
}

/// Where `namespace/Deployment/name` (with these labels) is restarted for `cluster`, and the
/// locator's warnings.
fn locate(
    files: &[(&str, &str)],
    config: &str,
    gitops: &GitOps,
    cluster: Option<&str>,
    workload: (&str, &str, &[(&str, &str)]),
) -> (String, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = Config::parse(config, "c").unwrap();
    let index = crate::repo::index(dir.path(), ANNOTATION, &config).unwrap();
    let locator = Locator::new(&index, &config, ANNOTATION, gitops, cluster);
    let (namespace, name, labels) = workload;
    let labels: Map<String, String> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let located = locator.locate(
        &LiveWorkload {
            namespace,
            kind: "Deployment",
            name,
            labels: Some(&labels),
            annotations: None,
        },
        cluster,
    );
    let outcome = match located {
        Located::Found {
            site: Site::Patch { dir, .. },
            ..
        } => format!("patch {dir}"),
        Located::Found {
            site: Site::InPlace { file, .. },
            ..
        } => format!("in place {}", index.files[file].path),
        Located::Found {
            site: Site::Helm { label, path, .. },
            ..
        } => format!("helm {label} at {}", path.join(".")),
        Located::Ambiguous { reason, .. } => format!("ambiguous: {reason}"),
        Located::NotFound { reason } => format!("not found: {reason}"),
        Located::Manual { reason } => format!("manual: {reason}"),
    };
    let warnings = locator.warnings.iter().map(Finding::text).collect();
    (outcome, warnings)
}

#[test]
fn applications_from_the_cluster_tell_the_prod_overlay_from_the_staging_one() {
    let none = GitOps::default();
    let web = ("shop", "web", &[][..]);
    // From the files alone, neither overlay says its cluster: the base is taken as prod's only.
    let (outcome, _) = locate(&shop(), "", &none, Some("prod-eks"), web);
    assert_eq!(outcome, "in place shop/base/web.yaml");
    let live = gitops(&[
        app(
            "shop-prod",
            GITOPS,
            "shop/overlays/prod",
            &json!({"server": "https://kubernetes.default.svc", "namespace": "shop"}),
        ),
        app(
            "shop-staging",
            GITOPS,
            "shop/overlays/staging",
            &json!({"name": "staging-eks", "namespace": "shop"}),
        ),
    ]);
    let (outcome, warnings) = locate(&shop(), "", &live, Some("prod-eks"), web);
    assert_eq!(outcome, "patch shop/overlays/prod");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn configured_repositories_leave_out_the_applications_of_others() {
    let live = gitops(&[
        app(
            "shop-prod",
            GITOPS,
            "shop/overlays/prod",
            &json!({"name": "in-cluster"}),
        ),
        app(
            "shop-staging",
            "git@github.com:acme/gitops.git",
            "shop/overlays/staging",
            &json!({"name": "staging-eks"}),
        ),
        // Another repository whose path happens to exist here too.
        app(
            "tools",
            "https://github.com/acme/platform.git",
            "shop/overlays/staging",
            &json!({"server": "https://kubernetes.default.svc"}),
        ),
        app(
            "metrics",
            "https://github.com/acme/platform.git",
            "monitoring/prod",
            &json!({"server": "https://kubernetes.default.svc"}),
        ),
    ]);
    let web = ("shop", "web", &[][..]);
    let (outcome, warnings) = locate(&shop(), "", &live, Some("prod-eks"), web);
    // `tools` renders the staging overlay into this cluster too: no site restarts prod's alone.
    assert!(outcome.starts_with("manual: "), "{outcome}");
    assert_eq!(
        warnings,
        [
            "1 GitOps object(s) of the inventory render nothing in this repository: Application \
             argocd/metrics (from the cluster) (path `monitoring/prod`); name this repository's \
             URLs in .gitops-restart.yaml (`repositories:`) to leave out the objects of other \
             repositories"
        ]
    );
    let config = "repositories: [https://github.com/acme/gitops]\n";
    let (outcome, warnings) = locate(&shop(), config, &live, Some("prod-eks"), web);
    assert_eq!(outcome, "patch shop/overlays/prod");
    assert!(warnings.is_empty(), "{warnings:?}");

    // The repository's own Applications of other repositories are left out the same way.
    let mut files = shop();
    files.push((
        "argocd/metrics.yaml",
        "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata:\n  name: metrics\nspec:\n  \
         source:\n    repoURL: https://github.com/acme/platform.git\n    path: monitoring/prod\n  \
         destination:\n    name: in-cluster\n",
    ));
    let none = GitOps::default();
    let (_, warnings) = locate(&files, "", &none, Some("prod-eks"), web);
    assert_eq!(
        warnings,
        [
            "argocd/metrics.yaml:1: Application metrics: path `monitoring/prod` renders nothing in \
          this repository"
        ]
    );
    let (_, warnings) = locate(&files, config, &none, Some("prod-eks"), web);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn a_management_cluster_s_applications_target_the_restarted_cluster_by_name_or_server() {
    let mut mgmt = gitops(&[
        app(
            "shop-prod",
            GITOPS,
            "shop/overlays/prod",
            &json!({"name": "prod-eks", "namespace": "shop"}),
        ),
        app(
            "shop-staging",
            GITOPS,
            "shop/overlays/staging",
            &json!({"server": "https://staging.example.com", "namespace": "shop"}),
        ),
    ])
    .from_source(&GitOpsSource::Context {
        context: "hub".into(),
        cluster: "hub".into(),
        server: "https://hub.example.com".into(),
    });
    let web = ("shop", "web", &[][..]);
    let (outcome, warnings) = locate(&shop(), "", &mgmt, Some("prod-eks"), web);
    assert_eq!(outcome, "patch shop/overlays/prod");
    assert_eq!(
        warnings,
        [
            "Applications from context hub (https://hub.example.com) taken to deploy to prod-eks, \
             by destination.name prod-eks: shop-prod; 1 other(s) deploy elsewhere \
             (https://staging.example.com)"
        ]
    );
    // By server: the restarted context's API server is staging's.
    mgmt.server = Some("https://STAGING.example.com:443/".into());
    let (outcome, warnings) = locate(&shop(), "", &mgmt, Some("staging"), web);
    assert_eq!(outcome, "patch shop/overlays/staging");
    assert!(
        warnings[0].contains(
            "taken to deploy to staging, by destination.name staging or \
             destination.server https://STAGING.example.com:443/: shop-staging; 1 other(s) \
             deploy elsewhere (prod-eks)"
        ),
        "{warnings:?}"
    );
    // Neither: every Application deploys elsewhere, and the warning says how to fix it.
    mgmt.server = None;
    let (outcome, warnings) = locate(&shop(), "", &mgmt, Some("prod"), web);
    assert!(outcome.starts_with("not found: "), "{outcome}");
    assert!(
        warnings[0].starts_with(
            "none of the Applications of this repository from context hub \
             (https://hub.example.com) deploys to prod, told by destination.name prod; 2 \
             other(s) deploy elsewhere"
        ),
        "{warnings:?}"
    );
}

#[test]
fn a_live_object_replaces_the_repository_s_of_the_same_name_and_cluster_only() {
    let mut files = shop();
    let flux = |path: &str| {
        format!(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: \
             shop\n  namespace: flux-system\nspec:\n  path: {path}\n  sourceRef:\n    kind: \
             GitRepository\n    name: flux-system\n"
        )
    };
    let prod = flux("./shop/overlays/old");
    let staging = flux("./shop/overlays/staging");
    files.push(("clusters/prod/shop.yaml", &prod));
    files.push(("clusters/staging/shop.yaml", &staging));
    files.push((
        "shop/overlays/old/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: shop\nresources: [../../base]\n",
    ));
    let traced = [
        ("kustomize.toolkit.fluxcd.io/name", "shop"),
        ("kustomize.toolkit.fluxcd.io/namespace", "flux-system"),
    ];
    let web = ("shop", "web", &traced[..]);
    // From the files: prod's Kustomization renders the old overlay.
    let (outcome, _) = locate(&files, "", &GitOps::default(), Some("prod"), web);
    assert_eq!(outcome, "patch shop/overlays/old");
    // The cluster's Kustomization of that name renders prod's overlay; staging's stays.
    let live = gitops(&[json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "shop", "namespace": "flux-system"},
        "spec": {"path": "./shop/overlays/prod",
                 "sourceRef": {"kind": "GitRepository", "name": "flux-system"}}
    })]);
    let (outcome, warnings) = locate(&files, "", &live, Some("prod"), web);
    assert_eq!(outcome, "patch shop/overlays/prod");
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn argo_cd_kustomize_options_and_flux_variables_rename_what_is_rendered() {
    let mut prefixed = app(
        "shop-prod",
        GITOPS,
        "shop/overlays/prod",
        &json!({"name": "in-cluster"}),
    );
    prefixed["spec"]["source"]["kustomize"] = json!({"namePrefix": "eu-", "namespace": "eu-shop"});
    let live = gitops(&[prefixed]);
    // The base is the staging overlay's too: a patch in prod's, naming the Deployment as it
    // enters it (Argo CD prefixes it at the root).
    let (outcome, _) = locate(&shop(), "", &live, Some("prod"), ("eu-shop", "eu-web", &[]));
    assert_eq!(outcome, "patch shop/overlays/prod");
    // Not under its name in the staging overlay, which no object of the cluster deploys.
    let (outcome, _) = locate(&shop(), "", &live, Some("prod"), ("shop", "web", &[]));
    assert_eq!(
        outcome,
        "not found: Deployment web is defined only for other clusters: overlay \
         shop/overlays/staging (not deployed by the cluster's Applications or Kustomizations)"
    );

    let mut files = shop();
    files[1].1 = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web-${env}\nspec:\n  template:\n    spec:\n      containers: [{name: web, image: web}]\n";
    let live = gitops(&[json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
        "metadata": {"name": "shop", "namespace": "flux-system"},
        "spec": {"path": "./shop/overlays/prod", "targetNamespace": "web",
                 "postBuild": {"substitute": {"env": "prod"}}}
    })]);
    let (outcome, _) = locate(&files, "", &live, Some("prod"), ("web", "web-prod", &[]));
    assert_eq!(outcome, "patch shop/overlays/prod");
}

#[test]
fn a_live_helm_release_gives_its_identity_to_the_document_that_defines_it() {
    let files = [
        (
            "apps/podinfo/kustomization.yaml",
            "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: podinfo\nresources: [release.yaml]\n",
        ),
        (
            "apps/podinfo/release.yaml",
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: podinfo\nspec:\n  chart:\n    spec:\n      chart: podinfo\n  values:\n    replicaCount: 2\n",
        ),
    ];
    let traced = [
        ("helm.toolkit.fluxcd.io/name", "podinfo"),
        ("helm.toolkit.fluxcd.io/namespace", "podinfo"),
    ];
    let workload = ("web", "web", &traced[..]);
    // Flux's Helm labels name the release even without the cluster's objects.
    let (outcome, _) = locate(&files, "", &GitOps::default(), Some("prod"), workload);
    assert!(
        outcome.starts_with("helm HelmRelease podinfo/podinfo (apps/podinfo/release.yaml)"),
        "{outcome}"
    );
    let release = json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2", "kind": "HelmRelease",
        "metadata": {"name": "podinfo", "namespace": "podinfo"},
        "spec": {"chart": {"spec": {"chart": "podinfo"}}, "targetNamespace": "web",
                 "releaseName": "web", "values": {"replicaCount": 3}}
    });
    let (outcome, _) = locate(
        &files,
        "",
        &gitops(std::slice::from_ref(&release)),
        Some("prod"),
        workload,
    );
    assert_eq!(
        outcome,
        "helm HelmRelease podinfo/podinfo (from the cluster; apps/podinfo/release.yaml) at \
         spec.values.podAnnotations.kubectl.kubernetes.io/restartedAt"
    );
    // A release no repository document defines adds nothing: the labels still lead to the
    // repository's own release, as without the cluster's objects.
    let mut elsewhere = release;
    elsewhere["metadata"]["name"] = json!("other");
    let (outcome, _) = locate(&files, "", &gitops(&[elsewhere]), Some("prod"), workload);
    assert!(
        outcome.starts_with("helm HelmRelease podinfo/podinfo (apps/podinfo/release.yaml)"),
        "{outcome}"
    );
}
