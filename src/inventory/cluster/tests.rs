//! Tests of [`super::list`] against a loopback API server (wiremock), and of the names it uses.

use super::*;
use crate::progress::Silent;
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn pod(name: &str) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                     "creationTimestamp": "2026-11-10T08:00:00Z"},
        "spec": {"schedulerName": "fargate-scheduler"},
        "status": {"phase": "Running"}
    })
}

fn list_body(kind: &str, items: &[Value], continue_token: Option<&str>) -> Value {
    let mut metadata = json!({"resourceVersion": "7"});
    if let Some(token) = continue_token {
        metadata["continue"] = json!(token);
    }
    json!({"kind": format!("{kind}List"), "apiVersion": "v1", "metadata": metadata, "items": items})
}

/// A wiremock server with discovery (no Argo Rollouts) and empty lists, run on its own
/// runtime so that [`list`] can run its own.
fn server(runtime: &tokio::runtime::Runtime) -> MockServer {
    runtime.block_on(async {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/apis"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(
                    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
                ),
            )
            .expect(1)
            .mount(&server)
            .await;
        server
    })
}

fn mount_empty_lists(runtime: &tokio::runtime::Runtime, server: &MockServer, except: &str) {
    runtime.block_on(async {
        for resource in builtin_resources() {
            if resource.plural == except {
                continue;
            }
            Mock::given(method("GET"))
                .and(path(resource.path()))
                .and(query_param("limit", "500"))
                .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                    &resource.kind,
                    &[],
                    None,
                )))
                .expect(1)
                .mount(server)
                .await;
        }
    });
}

fn access(dir: &tempfile::TempDir, server: &MockServer, token: &str) -> Access {
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: '{}'}}}}]\n\
                 contexts: [{{name: ctx, context: {{cluster: c, user: u}}}}]\n\
                 current-context: ctx\nusers: [{{name: u, user: {{token: {token}}}}}]\n",
            server.uri()
        ),
    )
    .unwrap();
    Access {
        kubeconfig: Some(kubeconfig),
        context: None,
        timeout: Duration::from_secs(5),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    // wiremock serves from its own thread; this runtime only mounts the mocks.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn pages_are_followed_and_items_get_their_kind() {
    let runtime = runtime();
    let server = server(&runtime);
    mount_empty_lists(&runtime, &server, "pods");
    runtime.block_on(async {
        Mock::given(method("GET"))
            .and(path("/api/v1/pods"))
            .and(query_param_is_missing("continue"))
            .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                "Pod",
                &[pod("a"), pod("b")],
                Some("next-page"),
            )))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/api/v1/pods"))
            .and(query_param("continue", "next-page"))
            .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                "Pod",
                &[pod("c"), json!({"metadata": 3})],
                None,
            )))
            .expect(1)
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let listing = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap();
    let names: Vec<&str> = listing
        .inventory
        .pods()
        .map(|p| p.meta.name.as_str())
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(listing.pages, 9);
    assert_eq!(listing.requests, 10);
    assert!(!listing.rollouts);
    assert_eq!(listing.context.as_deref(), Some("ctx"));
    // The malformed item is a warning with its position, as in a snapshot.
    assert_eq!(listing.warnings.len(), 1, "{:?}", listing.warnings);
    assert!(
        listing.warnings[0]
            .text()
            .contains("pods list, item 3: Pod: metadata"),
        "{:?}",
        listing.warnings
    );
    // wiremock checks each `expect` when the server drops.
    drop(server);
}

#[test]
fn forbidden_is_not_retried_and_names_what_was_refused() {
    let runtime = runtime();
    let server = server(&runtime);
    runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/api/v1/pods"))
                .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                    "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403,
                    "reason": "Forbidden",
                    "message": "pods is forbidden: User \"ci\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
                })))
                .expect(1)
                .mount(&server)
                .await;
        });
    let dir = tempfile::tempdir().unwrap();
    let err = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap_err();
    let ClusterError::Forbidden { what, target, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(what, "list pods across all namespaces");
    assert_eq!(target.context.as_deref(), Some("ctx"));
    assert!(err.to_string().contains("gitops-restart rbac"));
    drop(server);
}

#[test]
fn a_page_that_is_not_a_list_is_an_error() {
    let runtime = runtime();
    let server = server(&runtime);
    runtime.block_on(async {
        Mock::given(method("GET"))
            .and(path("/api/v1/pods"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
            .mount(&server)
            .await;
    });
    let dir = tempfile::tempdir().unwrap();
    let err = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap_err();
    assert!(
        err.to_string()
            .contains("list pods: the answer is not a Pod list"),
        "{err}"
    );
}

#[test]
fn cluster_names_from_contexts() {
    let name = |context: &str| {
        Listing {
            context: Some(context.to_owned()),
            ..Listing::default()
        }
        .cluster_name()
    };
    assert_eq!(
        name("arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks").as_deref(),
        Some("prod-eks")
    );
    assert_eq!(
        name("ci@prod-eks.eu-west-1.eksctl.io").as_deref(),
        Some("prod-eks")
    );
    assert_eq!(name("kind-dev").as_deref(), Some("kind-dev"));
    assert_eq!(Listing::default().cluster_name(), None);
    let sure = |context: &str| {
        Listing {
            context: Some(context.to_owned()),
            ..Listing::default()
        }
        .eks_cluster_name()
    };
    assert_eq!(
        sure("arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks").as_deref(),
        Some("prod-eks")
    );
    assert_eq!(sure("kind-dev"), None, "an alias names no cluster for sure");
}

#[test]
fn resources_have_kubectl_names_and_list_paths() {
    let all = builtin_resources();
    assert_eq!(all[0].to_string(), "pods");
    assert_eq!(all[0].path(), "/api/v1/pods");
    assert_eq!(all[1].to_string(), "replicasets.apps");
    assert_eq!(all[1].path(), "/apis/apps/v1/replicasets");
    let rollouts = Resource::rollouts("v1alpha1");
    assert_eq!(rollouts.api_version(), "argoproj.io/v1alpha1");
    assert_eq!(rollouts.to_string(), "rollouts.argoproj.io");
}
