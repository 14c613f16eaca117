//! Tests of [`super::affected`], [`super::exact_pod_warnings`] and
//! [`super::pods_only_warning`]: owner chains, inference,
//! dispositions and filters.

use chrono::{DateTime, Utc};

use super::super::{ExactPod, PodPhase};
use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("time")
        .with_timezone(&Utc)
}

fn meta(ns: &str, name: &str, owner: Option<(&str, &str, &str)>) -> Meta {
    Meta {
        namespace: ns.into(),
        name: name.into(),
        owner_references: owner
            .map(|(api_version, kind, name)| OwnerRef {
                api_version: api_version.into(),
                kind: kind.into(),
                name: name.into(),
                uid: String::new(),
                controller: true,
            })
            .into_iter()
            .collect(),
        ..Meta::default()
    }
}

fn pod(ns: &str, name: &str, owner: Option<(&str, &str, &str)>) -> Pod {
    Pod {
        meta: meta(ns, name, owner),
        created: at("2026-11-10T08:00:00Z"),
        scheduler_name: Some("fargate-scheduler".into()),
        node_name: None,
        phase: PodPhase::Running,
    }
}

fn controller(kind: Kind, ns: &str, name: &str, owner: Option<(&str, &str, &str)>) -> Controller {
    Controller {
        kind,
        api_version: "apps/v1".into(),
        meta: meta(ns, name, owner),
        replicas: Some(2),
        paused: false,
        strategy: Strategy::RollingUpdate { max_surge: None },
        template_annotations: BTreeMap::new(),
        restart_at: None,
    }
}

fn inventory(objects: Vec<super::super::Object>) -> Inventory {
    let mut inv = Inventory::new();
    for object in objects {
        inv.insert(object);
    }
    inv
}

fn opts() -> AffectedOptions {
    AffectedOptions {
        launched_before: Some(at("2026-11-20T00:00:00Z")),
        ..AffectedOptions::default()
    }
}

use super::super::Object::{Controller as C, Pod as P};

const RS: (&str, &str) = ("apps/v1", "ReplicaSet");

#[test]
fn pod_replicaset_deployment() {
    let mut dep = controller(Kind::Deployment, "shop", "web", None);
    dep.meta.annotations.insert(
        "argocd.argoproj.io/tracking-id".into(),
        "shop:apps/Deployment:shop/web".into(),
    );
    let inv = inventory(vec![
        C(dep),
        C(controller(
            Kind::ReplicaSet,
            "shop",
            "web-5d4f8b7c9",
            Some(("apps/v1", "Deployment", "web")),
        )),
        P(pod(
            "shop",
            "web-5d4f8b7c9-a",
            Some((RS.0, RS.1, "web-5d4f8b7c9")),
        )),
        P(pod(
            "shop",
            "web-5d4f8b7c9-b",
            Some((RS.0, RS.1, "web-5d4f8b7c9")),
        )),
    ]);
    let result = affected(&inv, &opts());
    assert_eq!(result.len(), 1);
    let w = &result[0];
    assert_eq!(
        (w.kind.clone(), w.name.as_str(), w.pods),
        (Kind::Deployment, "web", 2)
    );
    assert_eq!(w.disposition, Disposition::Restart);
    assert_eq!(
        w.annotations["argocd.argoproj.io/tracking-id"],
        "shop:apps/Deployment:shop/web"
    );
}

#[test]
fn pod_replicaset_rollout() {
    let mut rollout = controller(Kind::Rollout, "shop", "canary", None);
    rollout.api_version = "argoproj.io/v1alpha1".into();
    let inv = inventory(vec![
        C(rollout),
        C(controller(
            Kind::ReplicaSet,
            "shop",
            "canary-7b8",
            Some(("argoproj.io/v1alpha1", "Rollout", "canary")),
        )),
        P(pod(
            "shop",
            "canary-7b8-x",
            Some((RS.0, RS.1, "canary-7b8")),
        )),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::Rollout, "canary"));
    assert_eq!(w.disposition, Disposition::Restart);
}

#[test]
fn statefulset_and_daemonset_pods() {
    let inv = inventory(vec![
        C(controller(Kind::StatefulSet, "p", "db", None)),
        C(controller(Kind::DaemonSet, "p", "agent", None)),
        P(pod("p", "db-0", Some(("apps/v1", "StatefulSet", "db")))),
        P(pod("p", "agent-x", Some(("apps/v1", "DaemonSet", "agent")))),
    ]);
    let kinds: Vec<_> = affected(&inv, &opts())
        .into_iter()
        .map(|w| (w.kind, w.name))
        .collect();
    assert_eq!(
        kinds,
        [
            (Kind::StatefulSet, "db".to_owned()),
            (Kind::DaemonSet, "agent".to_owned())
        ]
    );
}

#[test]
fn job_pods_are_skipped_with_or_without_cronjob() {
    let inv = inventory(vec![
        C(controller(Kind::CronJob, "b", "nightly", None)),
        C(controller(
            Kind::Job,
            "b",
            "nightly-29371680",
            Some(("batch/v1", "CronJob", "nightly")),
        )),
        C(controller(Kind::Job, "b", "migrate", None)),
        P(pod(
            "b",
            "nightly-29371680-q",
            Some(("batch/v1", "Job", "nightly-29371680")),
        )),
        P(pod("b", "migrate-z", Some(("batch/v1", "Job", "migrate")))),
    ]);
    let result = affected(&inv, &opts());
    assert_eq!(result.len(), 2);
    assert_eq!(
        (result[0].kind.clone(), result[0].name.as_str()),
        (Kind::Job, "migrate")
    );
    assert_eq!(
        (result[1].kind.clone(), result[1].name.as_str()),
        (Kind::CronJob, "nightly")
    );
    assert_eq!(
        result[1].disposition,
        Disposition::Skipped {
            reason: "the job finishes on its own and the next run lands on a patched node".into()
        }
    );
    assert!(matches!(result[0].disposition, Disposition::Skipped { .. }));
    // Job pods are meant to go away: no "no PDB" warning for them.
    assert!(result.iter().all(|w| w.warnings.is_empty()), "{result:?}");
}

#[test]
fn standalone_pod_is_manual_with_the_steps() {
    let mut p = pod("legacy", "debug", None);
    p.meta.labels.insert("team".into(), "ops".into());
    let inv = inventory(vec![P(p)]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::Pod, "debug"));
    let Disposition::Manual { reason } = &w.disposition else {
        panic!("{w:?}")
    };
    assert!(
        reason.contains("create a replacement with the same spec"),
        "{reason}"
    );
    assert!(
        reason.contains("repoint whoever uses its address"),
        "{reason}"
    );
    assert!(
        reason.ends_with("delete the old pod: kubectl -n legacy delete pod debug"),
        "{reason}"
    );
    assert_eq!(w.labels["team"], "ops");
}

#[test]
fn missing_replicaset_infers_the_deployment_by_pod_template_hash() {
    let mut p = pod(
        "shop",
        "web-5d4f8b7c9-a",
        Some((RS.0, RS.1, "web-5d4f8b7c9")),
    );
    p.meta
        .labels
        .insert("pod-template-hash".into(), "5d4f8b7c9".into());
    // Another workload's controller: the inventory is not pods only, so the missing owner is a
    // warning of its workload.
    let other = controller(Kind::DaemonSet, "kube-system", "agent", None);
    let inv = inventory(vec![P(p.clone()), C(other)]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::Deployment, "web"));
    assert_eq!(w.disposition, Disposition::Restart);
    assert!(w.labels.is_empty());
    assert!(
            w.warnings[0].text().starts_with("ReplicaSet shop/web-5d4f8b7c9 (controller of pod web-5d4f8b7c9-a) is not in the inventory; Deployment web is inferred from the pod-template-hash naming convention and is not in the inventory either"),
            "{:?}",
            w.warnings
        );

    // With the Deployment present, it is used, and the inference is still said.
    let inv = inventory(vec![
        P(p),
        C(controller(Kind::Deployment, "shop", "web", None)),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert!(
        w.warnings[0].text().contains(
            "its Deployment web was found by the pod-template-hash naming convention (inferred)"
        ),
        "{:?}",
        w.warnings
    );
}

#[test]
fn missing_replicaset_of_a_rollout_is_inferred_as_rollout() {
    let mut p = pod("shop", "canary-7b8-x", Some((RS.0, RS.1, "canary-7b8")));
    p.meta
        .labels
        .insert("rollouts-pod-template-hash".into(), "7b8".into());
    let w = &affected(&inventory(vec![P(p)]), &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::Rollout, "canary"));
}

#[test]
fn missing_replicaset_without_the_convention_is_reported_as_is() {
    let p = pod("shop", "odd-x", Some((RS.0, RS.1, "odd")));
    let other = controller(Kind::DaemonSet, "kube-system", "agent", None);
    let w = &affected(&inventory(vec![P(p), C(other)]), &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::ReplicaSet, "odd"));
    assert!(matches!(w.disposition, Disposition::Manual { .. }));
    assert!(
        w.warnings[0]
            .text()
            .contains("reported from the owner reference"),
        "{:?}",
        w.warnings
    );
}

#[test]
fn pods_only_owners_are_one_warning_for_the_run() {
    let hashed = |name: &str, rs: &str, hash: (&str, &str)| {
        let mut p = pod("shop", name, Some((RS.0, RS.1, rs)));
        p.meta.labels.insert(hash.0.into(), hash.1.into());
        p
    };
    let mut objects = vec![
        P(hashed("web-5d4-a", "web-5d4", ("pod-template-hash", "5d4"))),
        P(hashed("web-5d4-b", "web-5d4", ("pod-template-hash", "5d4"))),
        P(pod("shop", "db-0", Some(("apps/v1", "StatefulSet", "db")))),
        P(pod("shop", "debug", None)),
    ];
    let inv = inventory(objects.clone());
    let workloads = affected(&inv, &opts());
    let names: Vec<(Kind, &str)> = workloads
        .iter()
        .map(|w| (w.kind.clone(), w.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (Kind::Deployment, "web"),
            (Kind::StatefulSet, "db"),
            (Kind::Pod, "debug")
        ]
    );
    // No owner warning and no claim about budgets the inventory could not hold, per workload.
    for w in &workloads {
        assert!(
            w.warnings
                .iter()
                .all(|f| !matches!(f.code, Code::OwnerNotInInventory | Code::NoPdb)),
            "{:?}",
            w.warnings
        );
    }
    let warning = pods_only_warning(&inv, &opts()).expect("one warning");
    assert_eq!(warning.code, Code::OwnerNotInInventory);
    assert_eq!(warning.workload, None);
    assert_eq!(
        warning.text(),
        "the inventory holds pods only: the owners of 3 affected pods (shop/db-0, \
         shop/web-5d4-a, shop/web-5d4-b) are not in it, so their workloads are named from the \
         owner references and the pod-template-hash naming convention, and their replicas, \
         update strategies and source labels are unknown, and so is whether a \
         PodDisruptionBudget guards them (the inventory holds none); take the snapshot with the \
         owners: kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,\
         poddisruptionbudgets -A -o json > snapshot.json"
    );

    // More pods: three named, the rest counted; a Rollout's pods add rollouts to the command.
    objects.push(P(hashed(
        "canary-7b8-x",
        "canary-7b8",
        ("rollouts-pod-template-hash", "7b8"),
    )));
    let text = pods_only_warning(&inventory(objects.clone()), &opts())
        .unwrap()
        .text();
    assert!(
        text.contains("owners of 4 affected pods (shop/canary-7b8-x, shop/db-0, shop/web-5d4-a and 1 more) are not"),
        "{text}"
    );
    assert!(
        text.contains("poddisruptionbudgets,rollouts.argoproj.io -A"),
        "{text}"
    );

    // With any controller, each missing owner is its workload's warning, and none for the run.
    objects.push(C(controller(Kind::DaemonSet, "kube-system", "agent", None)));
    let inv = inventory(objects);
    assert_eq!(pods_only_warning(&inv, &opts()), None);
    assert!(affected(&inv, &opts()).iter().any(|w| {
        w.warnings
            .iter()
            .any(|f| f.code == Code::OwnerNotInInventory)
    }));

    // Pods that are not affected (too young) are not counted; none at all: no warning.
    let young = AffectedOptions {
        launched_before: Some(at("2026-11-01T00:00:00Z")),
        ..AffectedOptions::default()
    };
    let inv = inventory(vec![P(pod(
        "shop",
        "db-0",
        Some(("apps/v1", "StatefulSet", "db")),
    ))]);
    assert_eq!(pods_only_warning(&inv, &young), None);
}

#[test]
fn missing_deployment_is_reported_from_the_replicaset_reference() {
    let inv = inventory(vec![
        C(controller(
            Kind::ReplicaSet,
            "shop",
            "web-1a",
            Some(("apps/v1", "Deployment", "web")),
        )),
        P(pod("shop", "web-1a-x", Some((RS.0, RS.1, "web-1a")))),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!((w.kind.clone(), w.name.as_str()), (Kind::Deployment, "web"));
    assert_eq!(
        w.warnings[0].text(),
        "Deployment shop/web (controller of ReplicaSet web-1a) is not in the inventory: reported from the owner reference; its replicas, strategy and source labels are unknown, so include deployments in the snapshot"
    );
}

#[test]
fn missing_job_of_a_cronjob_is_inferred() {
    let inv = inventory(vec![
        C(controller(Kind::CronJob, "b", "nightly", None)),
        P(pod(
            "b",
            "nightly-29371680-q",
            Some(("batch/v1", "Job", "nightly-29371680")),
        )),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!(
        (w.kind.clone(), w.name.as_str()),
        (Kind::CronJob, "nightly")
    );
}

#[test]
fn other_controllers_are_manual() {
    let p = pod(
        "data",
        "kafka-0",
        Some(("kafka.strimzi.io/v1beta2", "StrimziPodSet", "kafka")),
    );
    let w = &affected(&inventory(vec![P(p)]), &opts())[0];
    assert_eq!(w.kind, Kind::Other("StrimziPodSet".into()));
    let Disposition::Manual { reason } = &w.disposition else {
        panic!()
    };
    assert!(reason.contains("(kafka.strimzi.io/v1beta2)"), "{reason}");
}

#[test]
fn on_delete_statefulset_is_manual_highest_ordinal_first() {
    let mut sts = controller(Kind::StatefulSet, "p", "db", None);
    sts.strategy = Strategy::OnDelete;
    let owner = Some(("apps/v1", "StatefulSet", "db"));
    let inv = inventory(vec![
        C(sts),
        P(pod("p", "db-0", owner)),
        P(pod("p", "db-10", owner)),
        P(pod("p", "db-2", owner)),
    ]);
    let w = &affected(&inv, &opts())[0];
    let Disposition::Manual { reason } = &w.disposition else {
        panic!("{w:?}")
    };
    assert!(
            reason.ends_with("kubectl -n p delete pod db-10, then kubectl -n p delete pod db-2, then kubectl -n p delete pod db-0"),
            "{reason}"
        );
}

#[test]
fn fargate_age_and_phase_filters() {
    let mut ec2 = pod("s", "ec2", None);
    ec2.scheduler_name = Some("default-scheduler".into());
    ec2.node_name = Some("ip-10-0-1-2.ec2.internal".into());
    let mut by_node = pod("s", "by-node", None);
    by_node.scheduler_name = None;
    by_node.node_name = Some("fargate-ip-10-0-1-3.ec2.internal".into());
    let mut by_label = pod("s", "by-label", None);
    by_label.scheduler_name = None;
    by_label
        .meta
        .labels
        .insert("eks.amazonaws.com/fargate-profile".into(), "default".into());
    let mut young = pod("s", "young", None);
    young.created = at("2026-11-20T00:00:00Z");
    let mut done = pod("s", "done", None);
    done.phase = PodPhase::Succeeded;
    let mut pending = pod("s", "pending", None);
    pending.phase = PodPhase::Pending;
    let inv = inventory(vec![
        P(ec2),
        P(by_node),
        P(by_label),
        P(young),
        P(done),
        P(pending),
    ]);
    let names = |o: &AffectedOptions| -> Vec<String> {
        affected(&inv, o).into_iter().map(|w| w.name).collect()
    };
    assert_eq!(names(&opts()), ["by-label", "by-node", "pending"]);
    let all = AffectedOptions {
        all_nodes: true,
        ..opts()
    };
    assert_eq!(names(&all), ["by-label", "by-node", "ec2", "pending"]);
    // No cutoff: nothing is affected by age.
    assert!(names(&AffectedOptions::default()).is_empty());
}

#[test]
fn exact_pods_are_affected_whatever_age_and_node_with_the_error() {
    let mut young = pod("s", "young", None);
    young.created = at("2026-12-01T00:00:00Z");
    young.scheduler_name = None;
    let mut done = pod("s", "done", None);
    done.phase = PodPhase::Failed;
    let inv = inventory(vec![P(young), P(done)]);
    let exact = |name: &str| ExactPod {
        namespace: "s".into(),
        name: name.into(),
        evict_error: Some(
            "Cannot evict pod as it would violate the pod's disruption budget".into(),
        ),
    };
    let o = AffectedOptions {
        launched_before: None,
        all_nodes: false,
        exact_pods: vec![exact("young"), exact("young"), exact("done"), exact("gone")],
    };
    let result = affected(&inv, &o);
    assert_eq!(result.len(), 1);
    assert_eq!(
        result[0].warnings[0].text(),
        "EKS could not evict pod s/young: \"Cannot evict pod as it would violate the pod's disruption budget\""
    );
    assert_eq!(
        result[0]
            .warnings
            .iter()
            .filter(|w| w.code == Code::EvictionFailed)
            .count(),
        1
    );
    let warnings = exact_pod_warnings(&inv, &o);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(
        warnings[0].text().contains("s/done") && warnings[0].text().contains("finished (Failed)")
    );
    assert!(
        warnings[1].text().contains("s/gone")
            && warnings[1].text().contains("not in the inventory")
    );
    assert_eq!(
        (warnings[0].code, warnings[1].code),
        (Code::NoticePodFinished, Code::NoticePodNotFound)
    );
    // A workload's findings name it.
    assert_eq!(result[0].warnings[0].workload, Some(result[0].id()));
    assert_eq!(
        result[0].warnings[0].severity,
        crate::model::Severity::Critical
    );
}

#[test]
fn grouping_counts_pods_and_keeps_the_oldest() {
    let owner = Some(("apps/v1", "StatefulSet", "db"));
    let mut a = pod("p", "db-0", owner);
    a.created = at("2026-11-01T00:00:00Z");
    let b = pod("p", "db-1", owner);
    let inv = inventory(vec![
        C(controller(Kind::StatefulSet, "p", "db", None)),
        P(b),
        P(a),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert_eq!(w.pods, 2);
    assert_eq!(w.oldest_pod_created, at("2026-11-01T00:00:00Z"));
}

#[test]
fn a_recreated_owner_and_a_controlled_workload_are_warned() {
    let mut rs = controller(
        Kind::ReplicaSet,
        "s",
        "w-1",
        Some(("apps/v1", "Deployment", "w")),
    );
    rs.meta.uid = "new".into();
    let mut dep = controller(
        Kind::Deployment,
        "s",
        "w",
        Some(("example.com/v1", "App", "w")),
    );
    dep.meta.uid = "d".into();
    let mut p = pod("s", "w-1-x", Some((RS.0, RS.1, "w-1")));
    p.meta.owner_references[0].uid = "old".into();
    let inv = inventory(vec![C(rs), C(dep), P(p)]);
    let w = &affected(&inv, &opts())[0];
    assert!(
        w.warnings[0].text().contains("another uid"),
        "{:?}",
        w.warnings
    );
    assert!(
        w.warnings[1]
            .text()
            .contains("is itself controlled by App w"),
        "{:?}",
        w.warnings
    );
}

#[test]
fn an_owner_loop_does_not_hang() {
    let inv = inventory(vec![
        C(controller(
            Kind::ReplicaSet,
            "s",
            "a",
            Some(("apps/v1", "ReplicaSet", "b")),
        )),
        C(controller(
            Kind::ReplicaSet,
            "s",
            "b",
            Some(("apps/v1", "ReplicaSet", "a")),
        )),
        P(pod("s", "x", Some((RS.0, RS.1, "a")))),
    ]);
    let w = &affected(&inv, &opts())[0];
    assert!(
        w.warnings.iter().any(|w| w.code == Code::OwnerLoop),
        "{:?}",
        w.warnings
    );
}
