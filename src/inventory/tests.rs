//! Tests of [`affected`] over the fixture snapshots: every owner chain, disposition and
//! warning the demo cluster holds.

use super::*;
use crate::model::{Code, Finding, Severity};

fn fixture(name: &str) -> (Inventory, Vec<Finding>) {
    let path = format!("{}/fixtures/snapshots/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    snapshot::parse(&text, name).expect("fixture parses")
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn opts() -> AffectedOptions {
    AffectedOptions {
        launched_before: Some(at("2026-11-20T00:00:00Z")),
        ..AffectedOptions::default()
    }
}

/// `namespace/Kind/name pods disposition warnings`, one line per workload.
fn summary(workloads: &[AffectedWorkload]) -> Vec<String> {
    workloads
        .iter()
        .map(|w| {
            let disposition = match &w.disposition {
                Disposition::Restart => "restart",
                Disposition::Skipped { .. } => "skipped",
                Disposition::Manual { .. } => "manual",
            };
            format!(
                "{}/{}/{} pods={} {disposition} warnings={}",
                w.namespace,
                w.kind,
                w.name,
                w.pods,
                w.warnings.len()
            )
        })
        .collect()
}

#[test]
fn json_list_and_yaml_documents_give_the_same_inventory_and_result() {
    let (json, json_warnings) = fixture("cluster.json");
    let (yaml, yaml_warnings) = fixture("cluster.yaml");
    assert!(json_warnings.is_empty(), "{json_warnings:?}");
    assert!(yaml_warnings.is_empty(), "{yaml_warnings:?}");
    assert_eq!(json, yaml);
    assert_eq!(affected(&json, &opts()), affected(&yaml, &opts()));
    let all = AffectedOptions {
        all_nodes: true,
        ..opts()
    };
    assert_eq!(affected(&json, &all), affected(&yaml, &all));
}

#[test]
fn the_fixture_covers_every_owner_chain_and_warning() {
    let (inv, _) = fixture("cluster.json");
    let result = affected(&inv, &opts());
    assert_eq!(
        summary(&result),
        [
            "batch/Job/migrate-schema pods=1 skipped warnings=0",
            "batch/CronJob/nightly-report pods=1 skipped warnings=0",
            "kube-system/Deployment/coredns pods=2 restart warnings=0",
            "legacy/Pod/debug-shell pods=1 manual warnings=0",
            "legacy/Pod/report-viewer pods=1 manual warnings=0",
            "payments/Deployment/worker pods=1 restart warnings=2",
            "payments/StatefulSet/gateway pods=2 restart warnings=0",
            "payments/StatefulSet/ledger pods=3 manual warnings=2",
            "shop/Deployment/cart pods=2 restart warnings=2",
            "shop/Deployment/frontend pods=2 restart warnings=0",
            "shop/Deployment/reports pods=1 restart warnings=2",
            "shop/Deployment/search pods=1 restart warnings=2",
            "shop/Rollout/canary pods=2 restart warnings=1",
        ]
    );
    let find = |name: &str| result.iter().find(|w| w.name == name).expect("workload");
    let codes = |name: &str| -> Vec<(Code, Severity)> {
        find(name)
            .warnings
            .iter()
            .map(|w| (w.code, w.severity))
            .collect()
    };
    assert_eq!(
        codes("ledger"),
        [
            (Code::OnDelete, Severity::Critical),
            (Code::PdbBlocksEviction, Severity::Critical)
        ]
    );
    assert_eq!(
        codes("cart"),
        [
            (Code::Paused, Severity::Warning),
            (Code::PdbBlocksEviction, Severity::Critical)
        ]
    );
    assert_eq!(
        codes("search"),
        [
            (Code::SingleReplica, Severity::Warning),
            (Code::SeveralPdbs, Severity::Critical)
        ]
    );
    assert_eq!(
        codes("reports"),
        [
            (Code::Recreate, Severity::Warning),
            (Code::NoPdb, Severity::Warning)
        ]
    );
    assert_eq!(codes("worker")[0].0, Code::OwnerNotInInventory);
    let frontend = find("frontend");
    assert_eq!(frontend.oldest_pod_created, at("2026-11-10T08:00:00Z"));
    assert_eq!(
        frontend.annotations["argocd.argoproj.io/tracking-id"],
        "shop-prod:apps/Deployment:shop/frontend"
    );
    assert_eq!(
        find("reports").labels["kustomize.toolkit.fluxcd.io/name"],
        "shop"
    );
    let ledger = find("ledger");
    assert_eq!(ledger.oldest_pod_created, at("2026-11-01T08:00:00Z"));
    assert!(
        ledger.warnings[0]
            .text()
            .starts_with("updateStrategy OnDelete")
    );
    assert!(ledger.warnings[1].text().contains("(minAvailable is 100%)"));
    let cart = find("cart");
    assert!(
        cart.warnings[0]
            .text()
            .starts_with("the Deployment is paused")
    );
    assert!(
        cart.warnings[1]
            .text()
            .contains("(minAvailable 2 leaves none of the 2 replicas")
    );
    let search = find("search");
    assert!(
        search.warnings[0]
            .text()
            .starts_with("one replica and maxSurge 0")
    );
    assert!(
        search.warnings[1]
            .text()
            .starts_with("several PodDisruptionBudgets (backend-tier, search)")
    );
    assert!(
        find("canary").warnings[0]
            .text()
            .contains("(maxUnavailable is 0%)")
    );
    let reports = find("reports");
    assert!(reports.warnings[0].text().starts_with("strategy Recreate"));
    assert!(
        reports.warnings[1]
            .text()
            .starts_with("no PodDisruptionBudget selects these pods")
    );
    let worker = find("worker");
    assert!(
        worker.warnings[0]
            .text()
            .contains("inferred from the pod-template-hash naming convention")
    );
    assert!(worker.labels.is_empty());
}

#[test]
fn all_nodes_adds_the_ec2_workloads() {
    let (inv, _) = fixture("cluster.json");
    let all = AffectedOptions {
        all_nodes: true,
        ..opts()
    };
    let fargate = summary(&affected(&inv, &opts()));
    let every = summary(&affected(&inv, &all));
    let added: Vec<_> = every.iter().filter(|w| !fargate.contains(w)).collect();
    assert_eq!(
        added,
        [
            "kube-system/DaemonSet/aws-node pods=2 restart warnings=1",
            "shop/Deployment/mailer pods=2 restart warnings=0",
        ]
    );
}

#[test]
fn an_eks_event_adds_a_young_pod_with_its_eviction_error() {
    let (inv, _) = fixture("cluster.json");
    let o = AffectedOptions {
        exact_pods: vec![ExactPod {
            namespace: "shop".into(),
            name: "frontend-6c9f7d8b5d-z9w3t".into(),
            evict_error: Some(
                "This pod has multiple PodDisruptionBudget, which the eviction subresource does not support".into(),
            ),
        }],
        ..opts()
    };
    let result = affected(&inv, &o);
    let frontend = result
        .iter()
        .find(|w| w.name == "frontend")
        .expect("frontend");
    assert_eq!(frontend.pods, 3);
    assert_eq!(
        frontend
            .warnings
            .iter()
            .map(Finding::text)
            .collect::<Vec<_>>(),
        [
            "EKS could not evict pod shop/frontend-6c9f7d8b5d-z9w3t: \"This pod has multiple PodDisruptionBudget, which the eviction subresource does not support\""
        ]
    );
    assert!(exact_pod_warnings(&inv, &o).is_empty());
}

#[test]
fn int_or_string_scales_like_the_controllers() {
    let pct = |s: &str| IntOrString::String(s.into());
    assert_eq!(pct("25%").scaled(1), Some(1));
    assert_eq!(pct("25%").scaled(4), Some(1));
    assert_eq!(pct("25%").scaled(5), Some(2));
    assert_eq!(pct("100%").scaled(3), Some(3));
    assert_eq!(IntOrString::Int(2).scaled(3), Some(2));
    assert_eq!(pct("1").scaled(3), Some(1));
    assert_eq!(pct("lots").scaled(3), None);
    assert_eq!(pct("99%").scaled(i64::MAX), None);
    assert!(pct("0%").is_zero() && IntOrString::Int(0).is_zero() && !pct("1%").is_zero());
}

#[test]
fn fargate_signals() {
    let mut pod = Pod::default();
    assert!(!pod.is_fargate());
    pod.meta
        .annotations
        .insert(FARGATE_CAPACITY_ANNOTATION.into(), "0.25vCPU 0.5GB".into());
    assert!(pod.is_fargate());
    let pod = Pod {
        node_name: Some("fargate-ip-10-0-0-1.ec2.internal".into()),
        ..Pod::default()
    };
    assert!(pod.is_fargate());
}
