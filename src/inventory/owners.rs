//! Affected pods and the workloads that own them.
//!
//! Responsibility: pick the pods EKS will evict (active Fargate pods created before the cutoff,
//! plus the pods EKS named), follow each one's controller owner references up to the workload a
//! person or git restarts (Pod -> ReplicaSet -> Deployment or Rollout, Pod -> StatefulSet or
//! DaemonSet, Pod -> Job -> CronJob, or the pod itself), group the pods per workload, decide the
//! [`Disposition`], and hand each group to [`super::disruption`] for its warnings.
//!
//! It must not guess silently: an owner missing from the inventory is reported from what the
//! reference says, inferred names say they are inferred, and each such case is a warning. It
//! does no I/O and never panics.
//!
//! Invariants: every affected pod lands in exactly one workload; workloads come out sorted by
//! namespace, kind and name, with warnings in a stable order and without duplicates.

use std::collections::{BTreeMap, HashMap};

use super::disruption::{self, Subject};
use super::{
    AffectedOptions, AffectedWorkload, Controller, Disposition, Inventory, Meta, OwnerKind,
    OwnerRef, Pdb, Pod, Strategy,
};

/// The label a Deployment's ReplicaSets put on their pods, and append to their own names.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The same for an Argo Rollout's ReplicaSets.
const ROLLOUTS_POD_TEMPLATE_HASH: &str = "rollouts-pod-template-hash";
/// Pod -> ReplicaSet -> Deployment is the longest real chain; the bound only stops a loop of
/// owner references in a corrupt inventory.
const MAX_OWNER_DEPTH: usize = 4;

/// The workloads with pods EKS will evict, sorted by namespace, kind (in [`OwnerKind`] order)
/// and name.
///
/// A pod is affected when it is Pending or Running and either EKS named it in
/// [`AffectedOptions::exact_pods`] (whatever its age or node; its eviction error becomes a
/// warning of its workload), or it runs on Fargate (any node with `all_nodes`) and was created
/// before [`AffectedOptions::launched_before`].
pub fn affected(inv: &Inventory, opts: &AffectedOptions) -> Vec<AffectedWorkload> {
    let mut exact: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for pod in &opts.exact_pods {
        let errors = exact
            .entry((pod.namespace.as_str(), pod.name.as_str()))
            .or_default();
        if let Some(error) = pod.evict_error.as_deref() {
            errors.push(error);
        }
    }

    let mut groups: BTreeMap<(String, OwnerKind, String), Group> = BTreeMap::new();
    for pod in inv.pods() {
        let named = exact.get(&(pod.meta.namespace.as_str(), pod.meta.name.as_str()));
        let by_age = opts
            .launched_before
            .is_some_and(|cutoff| pod.created < cutoff)
            && (opts.all_nodes || pod.is_fargate());
        if !pod.phase.is_active() || !(by_age || named.is_some()) {
            continue;
        }
        let owner = resolve(inv, pod);
        let group = groups
            .entry((
                pod.meta.namespace.clone(),
                owner.kind.clone(),
                owner.name.clone(),
            ))
            .or_default();
        group.pods.push(pod);
        if group.workload.is_none() {
            group.workload = owner.workload;
        }
        if group.other_api_version.is_none() {
            group.other_api_version = owner.other_api_version;
        }
        group.warnings.extend(owner.warnings);
        for error in named.into_iter().flatten() {
            group.warnings.push(format!(
                "EKS could not evict pod {}/{}: \"{error}\"",
                pod.meta.namespace, pod.meta.name
            ));
        }
    }

    let mut pdbs_by_namespace: HashMap<&str, Vec<&Pdb>> = HashMap::new();
    for pdb in inv.pdbs() {
        pdbs_by_namespace
            .entry(pdb.meta.namespace.as_str())
            .or_default()
            .push(pdb);
    }

    groups
        .into_iter()
        .filter_map(|((namespace, kind, name), group)| {
            let oldest_pod_created = group.pods.iter().map(|p| p.created).min()?;
            let controller = match group.workload {
                Some(Workload::Controller(c)) => Some(c),
                _ => None,
            };
            let disposition = disposition(
                &kind,
                &namespace,
                &name,
                controller,
                &group.pods,
                group.other_api_version.as_deref(),
            );
            let pdbs = pdbs_by_namespace
                .get(namespace.as_str())
                .map_or(&[][..], Vec::as_slice);
            let mut warnings = group.warnings;
            warnings.extend(disruption::analyze(&Subject {
                kind: &kind,
                controller,
                pods: &group.pods,
                pdbs,
                disposition: &disposition,
            }));
            let (labels, annotations) = match group.workload {
                Some(workload) => {
                    let meta = workload.meta();
                    (meta.labels.clone(), meta.annotations.clone())
                }
                None => Default::default(),
            };
            Some(AffectedWorkload {
                namespace,
                kind,
                name,
                pods: group.pods.len(),
                oldest_pod_created,
                pod_names: group.pods.iter().map(|p| p.meta.name.clone()).collect(),
                disposition,
                warnings: dedup(warnings),
                labels,
                annotations,
            })
        })
        .collect()
}

/// Warnings about the pods EKS named that did not make any workload affected: not in the
/// inventory (gone already, or another cluster's inventory), or finished. Without these the
/// caller could not tell a handled event from an ignored one.
pub fn exact_pod_warnings(inv: &Inventory, opts: &AffectedOptions) -> Vec<String> {
    let warnings = opts
        .exact_pods
        .iter()
        .filter_map(|exact| {
            let at = format!("{}/{}", exact.namespace, exact.name);
            match inv.pod(&exact.namespace, &exact.name) {
                None => Some(format!(
                    "EKS named pod {at} in a scheduled-termination event, but it is not in the inventory: it is gone already, or the inventory is from another cluster"
                )),
                Some(pod) if !pod.phase.is_active() => Some(format!(
                    "EKS named pod {at} in a scheduled-termination event, but it has finished ({}): nothing to restart",
                    pod.phase.as_str()
                )),
                Some(_) => None,
            }
        })
        .collect();
    dedup(warnings)
}

/// The pods of one workload, gathered across the pods that resolved to it.
#[derive(Default)]
struct Group<'a> {
    pods: Vec<&'a Pod>,
    workload: Option<Workload<'a>>,
    other_api_version: Option<String>,
    warnings: Vec<String>,
}

/// The live object a workload was resolved to.
#[derive(Clone, Copy)]
enum Workload<'a> {
    Controller(&'a Controller),
    /// A standalone pod is its own workload.
    Pod(&'a Pod),
}

impl<'a> Workload<'a> {
    fn meta(self) -> &'a Meta {
        match self {
            Self::Controller(c) => &c.meta,
            Self::Pod(p) => &p.meta,
        }
    }
}

/// Where one pod's owner chain ends.
struct Owner<'a> {
    kind: OwnerKind,
    name: String,
    /// `None` when the workload is not in the inventory (reported from a reference or inferred).
    workload: Option<Workload<'a>>,
    /// For [`OwnerKind::Other`]: the owner reference's `apiVersion`, for the manual step.
    other_api_version: Option<String>,
    warnings: Vec<String>,
}

/// Follow the pod's controller references to the workload that restarts it.
fn resolve<'a>(inv: &'a Inventory, pod: &'a Pod) -> Owner<'a> {
    let ns = pod.meta.namespace.as_str();
    let Some(mut reference) = pod.meta.controller() else {
        return Owner {
            kind: OwnerKind::Pod,
            name: pod.meta.name.clone(),
            workload: Some(Workload::Pod(pod)),
            other_api_version: None,
            warnings: Vec::new(),
        };
    };
    let mut warnings = Vec::new();
    // Who holds the current reference, for messages.
    let mut holder = format!("pod {}", pod.meta.name);
    for _ in 0..MAX_OWNER_DEPTH {
        let Some(kind) = OwnerKind::controller_from_api(&reference.api_version, &reference.kind)
        else {
            return Owner {
                kind: OwnerKind::Other(reference.kind.clone()),
                name: reference.name.clone(),
                workload: None,
                other_api_version: Some(reference.api_version.clone()),
                warnings,
            };
        };
        let Some(found) = inv.controller(&kind, ns, &reference.name) else {
            return missing(inv, pod, kind, reference, &holder, warnings);
        };
        if !reference.uid.is_empty()
            && !found.meta.uid.is_empty()
            && reference.uid != found.meta.uid
        {
            warnings.push(format!(
                "{kind} {ns}/{} in the inventory is not the one {holder} belongs to (another uid): it was deleted and recreated, and the pod may be an orphan awaiting garbage collection",
                found.meta.name
            ));
        }
        let next = found.meta.controller();
        // Only ReplicaSets and Jobs are steps on the way; a Job's non-CronJob owner (a queueing
        // operator) does not change that the Job finishes on its own.
        let step = match (&kind, next) {
            (OwnerKind::ReplicaSet, Some(next)) => Some(next),
            (OwnerKind::Job, Some(next))
                if OwnerKind::controller_from_api(&next.api_version, &next.kind)
                    == Some(OwnerKind::CronJob) =>
            {
                Some(next)
            }
            _ => None,
        };
        if let Some(next) = step {
            holder = format!("{kind} {}", found.meta.name);
            reference = next;
            continue;
        }
        if let Some(next) = next.filter(|_| kind != OwnerKind::Job) {
            warnings.push(format!(
                "{kind} {ns}/{} is itself controlled by {} {}: that controller may undo a change made to it in git",
                found.meta.name, next.kind, next.name
            ));
        }
        return Owner {
            kind,
            name: found.meta.name.clone(),
            workload: Some(Workload::Controller(found)),
            other_api_version: None,
            warnings,
        };
    }
    warnings.push(format!(
        "the owner references of pod {ns}/{} form a loop: the inventory is inconsistent",
        pod.meta.name
    ));
    Owner {
        kind: OwnerKind::Other(reference.kind.clone()),
        name: reference.name.clone(),
        workload: None,
        other_api_version: Some(reference.api_version.clone()),
        warnings,
    }
}

/// The controller `reference` names is not in the inventory: report what the reference says,
/// and for a ReplicaSet or Job infer the workload above it from the naming conventions.
fn missing<'a>(
    inv: &'a Inventory,
    pod: &'a Pod,
    kind: OwnerKind,
    reference: &OwnerRef,
    holder: &str,
    mut warnings: Vec<String>,
) -> Owner<'a> {
    let ns = pod.meta.namespace.as_str();
    let absent = format!(
        "{kind} {ns}/{} (controller of {holder}) is not in the inventory",
        reference.name
    );
    let missing_kind = kind.clone();
    let inferred = match kind {
        OwnerKind::ReplicaSet => infer_replica_set_owner(pod, &reference.name),
        OwnerKind::Job => infer_cron_job(inv, ns, &reference.name),
        _ => None,
    };
    if let Some((kind, name, convention)) = inferred {
        if let Some(found) = inv.controller(&kind, ns, &name) {
            warnings.push(format!(
                "{absent}: its {kind} {name} was found by the {convention} naming convention (inferred)"
            ));
            return Owner {
                kind,
                name,
                workload: Some(Workload::Controller(found)),
                other_api_version: None,
                warnings,
            };
        }
        warnings.push(format!(
            "{absent}; {kind} {name} is inferred from the {convention} naming convention and is not in the inventory either, so its replicas, strategy and source labels are unknown: include {} and {} in the snapshot",
            plural(&missing_kind),
            plural(&kind)
        ));
        return Owner {
            kind,
            name,
            workload: None,
            other_api_version: None,
            warnings,
        };
    }
    warnings.push(format!(
        "{absent}: reported from the owner reference; its replicas, strategy and source labels are unknown, so include {} in the snapshot",
        plural(&kind)
    ));
    Owner {
        kind,
        name: reference.name.clone(),
        workload: None,
        other_api_version: None,
        warnings,
    }
}

fn plural(kind: &OwnerKind) -> String {
    format!("{}s", kind.as_str().to_lowercase())
}

/// A ReplicaSet is named `<owner>-<pod-template-hash>`, and its pods carry the hash as a label
/// (`rollouts-pod-template-hash` under an Argo Rollout).
fn infer_replica_set_owner(
    pod: &Pod,
    replica_set: &str,
) -> Option<(OwnerKind, String, &'static str)> {
    let (prefix, suffix) = replica_set.rsplit_once('-')?;
    if prefix.is_empty() {
        return None;
    }
    let labels = &pod.meta.labels;
    if labels.get(ROLLOUTS_POD_TEMPLATE_HASH).map(String::as_str) == Some(suffix) {
        return Some((
            OwnerKind::Rollout,
            prefix.to_owned(),
            ROLLOUTS_POD_TEMPLATE_HASH,
        ));
    }
    if labels.get(POD_TEMPLATE_HASH).map(String::as_str) == Some(suffix) {
        return Some((OwnerKind::Deployment, prefix.to_owned(), POD_TEMPLATE_HASH));
    }
    None
}

/// A CronJob names its Jobs `<cronjob>-<scheduled minute>`: only taken when that CronJob exists,
/// since a plain Job may end in digits too.
fn infer_cron_job(
    inv: &Inventory,
    ns: &str,
    job: &str,
) -> Option<(OwnerKind, String, &'static str)> {
    let (prefix, suffix) = job.rsplit_once('-')?;
    let digits = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit());
    (digits && inv.controller(&OwnerKind::CronJob, ns, prefix).is_some())
        .then(|| (OwnerKind::CronJob, prefix.to_owned(), "CronJob job"))
}

/// What gitops-restart does about the workload.
fn disposition(
    kind: &OwnerKind,
    ns: &str,
    name: &str,
    controller: Option<&Controller>,
    pods: &[&Pod],
    other_api_version: Option<&str>,
) -> Disposition {
    let on_delete = controller.is_some_and(|c| c.strategy == Strategy::OnDelete);
    match kind {
        // OnDelete: Manual, not Restart with a warning. A bump in git would change the template
        // and restart nothing, yet the plan would list the workload as handled; deleting the
        // pods is what replaces them, it is not drift (no spec changes), so GitOps does not
        // fight it, and the bump adds nothing to it.
        OwnerKind::StatefulSet | OwnerKind::DaemonSet if on_delete => Disposition::Manual {
            reason: format!(
                "updateStrategy OnDelete: a template change restarts nothing, so there is nothing to bump in git; before the deadline delete the pods one at a time, waiting for each replacement to be Ready: {}",
                delete_steps(ns, kind, pods)
            ),
        },
        OwnerKind::Deployment
        | OwnerKind::StatefulSet
        | OwnerKind::DaemonSet
        | OwnerKind::Rollout => Disposition::Restart,
        OwnerKind::CronJob => Disposition::Skipped {
            reason: "the job finishes on its own and the next run lands on a patched node"
                .to_owned(),
        },
        OwnerKind::Job => Disposition::Skipped {
            reason: "the Job finishes on its own, and a rerun lands on a patched node; if it still runs at the deadline EKS terminates it, so rerun it then".to_owned(),
        },
        OwnerKind::Pod => Disposition::Manual {
            reason: format!(
                "standalone pod: nothing recreates it, so there is nothing to bump in git; before the deadline create a replacement with the same spec under a new name, repoint whoever uses its address (a Service selecting its labels follows by itself; anything using its IP or name does not), then delete the old pod: kubectl -n {ns} delete pod {name}"
            ),
        },
        OwnerKind::ReplicaSet => Disposition::Manual {
            reason: format!(
                "a ReplicaSet without a Deployment or Rollout does not replace running pods when its template changes; before the deadline delete its pods one at a time, waiting for each replacement to be Ready (the ReplicaSet recreates them on patched nodes): {}",
                delete_steps(ns, kind, pods)
            ),
        },
        OwnerKind::Other(other) => Disposition::Manual {
            reason: format!(
                "controlled by {other} {name} ({}), which gitops-restart does not restart: restart it through its operator before the deadline, or delete the pods one at a time if the operator recreates them: {}",
                other_api_version.unwrap_or("unknown apiVersion"),
                delete_steps(ns, kind, pods)
            ),
        },
    }
}

/// `kubectl -n ns delete pod a`, then `b`, ...: a StatefulSet's from the highest ordinal down,
/// the order its own rolling update uses.
fn delete_steps(ns: &str, kind: &OwnerKind, pods: &[&Pod]) -> String {
    let mut names: Vec<&str> = pods.iter().map(|p| p.meta.name.as_str()).collect();
    names.sort_unstable();
    if *kind == OwnerKind::StatefulSet {
        names.sort_by_key(|n| std::cmp::Reverse(ordinal(n)));
    }
    names
        .iter()
        .map(|n| format!("kubectl -n {ns} delete pod {n}"))
        .collect::<Vec<_>>()
        .join(", then ")
}

fn ordinal(name: &str) -> Option<u64> {
    name.rsplit_once('-').and_then(|(_, n)| n.parse().ok())
}

/// Keep the first of each warning, in order.
fn dedup(warnings: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    warnings
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
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

    fn controller(
        kind: OwnerKind,
        ns: &str,
        name: &str,
        owner: Option<(&str, &str, &str)>,
    ) -> Controller {
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
        let mut dep = controller(OwnerKind::Deployment, "shop", "web", None);
        dep.meta.annotations.insert(
            "argocd.argoproj.io/tracking-id".into(),
            "shop:apps/Deployment:shop/web".into(),
        );
        let inv = inventory(vec![
            C(dep),
            C(controller(
                OwnerKind::ReplicaSet,
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
            (OwnerKind::Deployment, "web", 2)
        );
        assert_eq!(w.disposition, Disposition::Restart);
        assert_eq!(
            w.annotations["argocd.argoproj.io/tracking-id"],
            "shop:apps/Deployment:shop/web"
        );
    }

    #[test]
    fn pod_replicaset_rollout() {
        let mut rollout = controller(OwnerKind::Rollout, "shop", "canary", None);
        rollout.api_version = "argoproj.io/v1alpha1".into();
        let inv = inventory(vec![
            C(rollout),
            C(controller(
                OwnerKind::ReplicaSet,
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
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::Rollout, "canary")
        );
        assert_eq!(w.disposition, Disposition::Restart);
    }

    #[test]
    fn statefulset_and_daemonset_pods() {
        let inv = inventory(vec![
            C(controller(OwnerKind::StatefulSet, "p", "db", None)),
            C(controller(OwnerKind::DaemonSet, "p", "agent", None)),
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
                (OwnerKind::StatefulSet, "db".to_owned()),
                (OwnerKind::DaemonSet, "agent".to_owned())
            ]
        );
    }

    #[test]
    fn job_pods_are_skipped_with_or_without_cronjob() {
        let inv = inventory(vec![
            C(controller(OwnerKind::CronJob, "b", "nightly", None)),
            C(controller(
                OwnerKind::Job,
                "b",
                "nightly-29371680",
                Some(("batch/v1", "CronJob", "nightly")),
            )),
            C(controller(OwnerKind::Job, "b", "migrate", None)),
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
            (OwnerKind::Job, "migrate")
        );
        assert_eq!(
            (result[1].kind.clone(), result[1].name.as_str()),
            (OwnerKind::CronJob, "nightly")
        );
        assert_eq!(
            result[1].disposition,
            Disposition::Skipped {
                reason: "the job finishes on its own and the next run lands on a patched node"
                    .into()
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
        assert_eq!((w.kind.clone(), w.name.as_str()), (OwnerKind::Pod, "debug"));
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
        let inv = inventory(vec![P(p.clone())]);
        let w = &affected(&inv, &opts())[0];
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::Deployment, "web")
        );
        assert_eq!(w.disposition, Disposition::Restart);
        assert!(w.labels.is_empty());
        assert!(
            w.warnings[0].starts_with("ReplicaSet shop/web-5d4f8b7c9 (controller of pod web-5d4f8b7c9-a) is not in the inventory; Deployment web is inferred from the pod-template-hash naming convention and is not in the inventory either"),
            "{:?}",
            w.warnings
        );

        // With the Deployment present, it is used, and the inference is still said.
        let inv = inventory(vec![
            P(p),
            C(controller(OwnerKind::Deployment, "shop", "web", None)),
        ]);
        let w = &affected(&inv, &opts())[0];
        assert!(
            w.warnings[0].contains(
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
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::Rollout, "canary")
        );
    }

    #[test]
    fn missing_replicaset_without_the_convention_is_reported_as_is() {
        let p = pod("shop", "odd-x", Some((RS.0, RS.1, "odd")));
        let w = &affected(&inventory(vec![P(p)]), &opts())[0];
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::ReplicaSet, "odd")
        );
        assert!(matches!(w.disposition, Disposition::Manual { .. }));
        assert!(
            w.warnings[0].contains("reported from the owner reference"),
            "{:?}",
            w.warnings
        );
    }

    #[test]
    fn missing_deployment_is_reported_from_the_replicaset_reference() {
        let inv = inventory(vec![
            C(controller(
                OwnerKind::ReplicaSet,
                "shop",
                "web-1a",
                Some(("apps/v1", "Deployment", "web")),
            )),
            P(pod("shop", "web-1a-x", Some((RS.0, RS.1, "web-1a")))),
        ]);
        let w = &affected(&inv, &opts())[0];
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::Deployment, "web")
        );
        assert_eq!(
            w.warnings[0],
            "Deployment shop/web (controller of ReplicaSet web-1a) is not in the inventory: reported from the owner reference; its replicas, strategy and source labels are unknown, so include deployments in the snapshot"
        );
    }

    #[test]
    fn missing_job_of_a_cronjob_is_inferred() {
        let inv = inventory(vec![
            C(controller(OwnerKind::CronJob, "b", "nightly", None)),
            P(pod(
                "b",
                "nightly-29371680-q",
                Some(("batch/v1", "Job", "nightly-29371680")),
            )),
        ]);
        let w = &affected(&inv, &opts())[0];
        assert_eq!(
            (w.kind.clone(), w.name.as_str()),
            (OwnerKind::CronJob, "nightly")
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
        assert_eq!(w.kind, OwnerKind::Other("StrimziPodSet".into()));
        let Disposition::Manual { reason } = &w.disposition else {
            panic!()
        };
        assert!(reason.contains("(kafka.strimzi.io/v1beta2)"), "{reason}");
    }

    #[test]
    fn on_delete_statefulset_is_manual_highest_ordinal_first() {
        let mut sts = controller(OwnerKind::StatefulSet, "p", "db", None);
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
            result[0].warnings[0],
            "EKS could not evict pod s/young: \"Cannot evict pod as it would violate the pod's disruption budget\""
        );
        assert_eq!(
            result[0]
                .warnings
                .iter()
                .filter(|w| w.starts_with("EKS"))
                .count(),
            1
        );
        let warnings = exact_pod_warnings(&inv, &o);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].contains("s/done") && warnings[0].contains("finished (Failed)"));
        assert!(warnings[1].contains("s/gone") && warnings[1].contains("not in the inventory"));
    }

    #[test]
    fn grouping_counts_pods_and_keeps_the_oldest() {
        let owner = Some(("apps/v1", "StatefulSet", "db"));
        let mut a = pod("p", "db-0", owner);
        a.created = at("2026-11-01T00:00:00Z");
        let b = pod("p", "db-1", owner);
        let inv = inventory(vec![
            C(controller(OwnerKind::StatefulSet, "p", "db", None)),
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
            OwnerKind::ReplicaSet,
            "s",
            "w-1",
            Some(("apps/v1", "Deployment", "w")),
        );
        rs.meta.uid = "new".into();
        let mut dep = controller(
            OwnerKind::Deployment,
            "s",
            "w",
            Some(("example.com/v1", "App", "w")),
        );
        dep.meta.uid = "d".into();
        let mut p = pod("s", "w-1-x", Some((RS.0, RS.1, "w-1")));
        p.meta.owner_references[0].uid = "old".into();
        let inv = inventory(vec![C(rs), C(dep), P(p)]);
        let w = &affected(&inv, &opts())[0];
        assert!(w.warnings[0].contains("another uid"), "{:?}", w.warnings);
        assert!(
            w.warnings[1].contains("is itself controlled by App w"),
            "{:?}",
            w.warnings
        );
    }

    #[test]
    fn an_owner_loop_does_not_hang() {
        let inv = inventory(vec![
            C(controller(
                OwnerKind::ReplicaSet,
                "s",
                "a",
                Some(("apps/v1", "ReplicaSet", "b")),
            )),
            C(controller(
                OwnerKind::ReplicaSet,
                "s",
                "b",
                Some(("apps/v1", "ReplicaSet", "a")),
            )),
            P(pod("s", "x", Some((RS.0, RS.1, "a")))),
        ]);
        let w = &affected(&inv, &opts())[0];
        assert!(
            w.warnings.iter().any(|w| w.contains("form a loop")),
            "{:?}",
            w.warnings
        );
    }
}
