//! Reading Argo CD and Flux objects into the typed models: odd fields read as absent, never
//! as an error that empties the object.

use super::*;
use serde_json::json;

fn application(value: &Value) -> Application {
    match GitOpsObject::read(value) {
        GitOpsObject::Application(app) => *app,
        other => panic!("not an Application: {other:?}"),
    }
}

#[test]
fn unknown_fields_are_ignored() {
    let app = application(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "shop", "namespace": "argocd", "finalizers": ["x"]},
        "spec": {
            "project": "default",
            "source": {"repoURL": "https://x", "path": "apps/shop", "targetRevision": "HEAD"},
            "destination": {"namespace": "shop", "server": "https://kubernetes.default.svc"},
            "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["CreateNamespace=true"]},
            "futureField": {"a": 1}
        }
    }));
    assert_eq!(app.metadata.name(), "shop");
    assert_eq!(app.metadata.namespace.as_deref(), Some("argocd"));
    let source = app.spec.source.as_ref().unwrap();
    assert_eq!(source.path.as_deref(), Some("apps/shop"));
    assert_eq!(app.spec.destination.namespace.as_deref(), Some("shop"));
    assert!(app.spec.sync_policy.automated.is_some());
    assert!(app.helm.source.is_some_and(|s| s.helm.is_none()));
}

#[test]
fn a_wrong_type_in_an_application_spec_drops_the_whole_spec_but_not_its_helm_side() {
    let app = application(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": ["not", "a", "string"]},
        "spec": {
            "source": {
                "chart": "podinfo",
                "helm": {"releaseName": 7, "values": "a: 1\n", "valuesObject": []}
            },
            "destination": {"namespace": 3, "name": "prod"}
        }
    }));
    assert_eq!(app.metadata.name, None);
    assert!(app.spec.source.is_none() && app.spec.destination.name.is_none());
    let source = app.helm.source.unwrap();
    assert_eq!(source.chart.as_deref(), Some("podinfo"));
    let helm = source.helm.unwrap();
    assert_eq!(helm.release_name, None);
    assert_eq!(helm.values.as_deref(), Some("a: 1\n"));
    assert!(helm.values_object.is_none());
}

#[test]
fn helm_sources_keep_their_places() {
    let app = application(&json!({
        "apiVersion": "argoproj.io/v1",
        "kind": "Application",
        "spec": {"source": "x", "sources": ["x", {"chart": "a"}, [{"chart": "b"}]]}
    }));
    assert!(app.helm.source.is_none());
    let charts: Vec<Option<&str>> = app
        .helm
        .sources
        .iter()
        .map(|s| s.chart.as_deref())
        .collect();
    assert_eq!(charts, [None, Some("a"), None]);
}

#[test]
fn sequences_do_not_fill_structs_by_position() {
    let value = json!({
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "podinfo"},
        "spec": {"chartRef": ["podinfo"], "chart": {"spec": {"chart": "echo"}}}
    });
    let GitOpsObject::HelmRelease(release) = GitOpsObject::read(&value) else {
        panic!("not a HelmRelease");
    };
    assert_eq!(release.spec.chart_ref.name, None);
    assert_eq!(release.spec.chart.spec.chart.as_deref(), Some("echo"));
}

#[test]
fn flux_kustomization_specs_are_read_whole() {
    let read_spec = |spec: Value| {
        let value = json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "apps"},
            "spec": spec
        });
        match GitOpsObject::read(&value) {
            GitOpsObject::FluxKustomization(k) => k.spec,
            other => panic!("not a Flux Kustomization: {other:?}"),
        }
    };
    let spec = read_spec(json!({"path": "./apps", "targetNamespace": "web", "suspend": true}));
    assert_eq!(spec.path.as_deref(), Some("./apps"));
    assert!(spec.suspend);
    let spec = read_spec(json!({"path": "./apps", "suspend": "yes"}));
    assert_eq!(
        spec.path, None,
        "a wrong type anywhere leaves the whole spec empty"
    );
}

#[test]
fn repository_urls_kustomize_options_and_flux_sources_read_field_by_field() {
    let app = application(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "spec": {"source": {"repoURL": "https://x/gitops.git", "path": "web",
                            "kustomize": {"namePrefix": "p-", "namespace": 3}}}
    }));
    let source = app.spec.source.unwrap();
    assert_eq!(source.repo_url.as_deref(), Some("https://x/gitops.git"));
    let kustomize = source.kustomize.unwrap();
    assert_eq!(kustomize.name_prefix.as_deref(), Some("p-"));
    assert_eq!(kustomize.namespace, None, "a wrong type reads as absent");
    let app = application(&json!({
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "spec": {"source": {"repoURL": 7, "path": "web", "kustomize": "x"}}
    }));
    let source = app.spec.source.unwrap();
    assert_eq!(source.path.as_deref(), Some("web"), "the spec still reads");
    assert!(source.repo_url.is_none() && source.kustomize.is_none());

    let GitOpsObject::FluxKustomization(flux) = GitOpsObject::read(&json!({
        "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
        "kind": "Kustomization",
        "spec": {"path": "./apps", "sourceRef": {"kind": "GitRepository", "name": 3},
                 "postBuild": {"substitute": {"env": "prod", "n": 2}},
                 "kubeConfig": {"secretRef": {"name": "remote"}}}
    })) else {
        panic!("not a Flux Kustomization");
    };
    assert_eq!(flux.spec.path.as_deref(), Some("./apps"));
    assert_eq!(flux.spec.source_ref.kind.as_deref(), Some("GitRepository"));
    assert_eq!(flux.spec.source_ref.name, None);
    assert_eq!(flux.spec.post_build.substitute["env"], "prod");
    assert!(flux.spec.kube_config.is_some());
}

#[test]
fn only_the_config_map_named_argocd_cm_is_read() {
    let read_cm = |name: &str| {
        GitOpsObject::read(&json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name},
            "data": {"a": "b"}
        }))
    };
    // Regression: `v1` was taken for the group, so a real argocd-cm was never read.
    assert!(matches!(read_cm("argocd-cm"), GitOpsObject::ArgoCdConfig(c) if c.data["a"] == "b"));
    assert!(matches!(read_cm("other"), GitOpsObject::Other));
    let not_core = GitOpsObject::read(&json!({
        "apiVersion": "example.com/v1", "kind": "ConfigMap", "metadata": {"name": "argocd-cm"}
    }));
    assert!(matches!(not_core, GitOpsObject::Other));
}
