//! Affected pods and the workloads that own them.
//!
//! Responsibility: pick the pods EKS will evict (active Fargate pods created before the cutoff,
//! plus the pods EKS named), follow each one's controller owner references up to the workload a
//! person or git restarts (Pod -> ReplicaSet -> Deployment or Rollout, Pod -> StatefulSet or
//! DaemonSet, Pod -> Job -> CronJob, or the pod itself), group the pods per workload, decide the
//! [`Disposition`], and hand each group to [`super::disruption`] for its warnings.
//!
//! It must not guess silently: an owner missing from the inventory is reported from what the
//! reference says, inferred names say they are inferred, and each such case is a warning of its
//! workload; when the inventory holds pods only (a snapshot of `kubectl get pods`), every owner
//! is missing, and one warning for the run says so instead ([`pods_only_warning`]). It
//! does no I/O and never panics.
//!
//! Invariants: every affected pod lands in exactly one workload; workloads come out sorted by
//! namespace, kind and name, with warnings in a stable order and without duplicates.

use std::collections::{BTreeMap, HashMap};

use super::disruption::{self, Subject};
use super::{
    AffectedOptions, AffectedWorkload, Controller, Disposition, Inventory, Kind, Meta, OwnerRef,
    Pdb, Pod, Strategy,
};
use crate::model::{Code, Finding};

/// The label a Deployment's ReplicaSets put on their pods, and append to their own names.
const POD_TEMPLATE_HASH: &str = "pod-template-hash";
/// The same for an Argo Rollout's ReplicaSets.
const ROLLOUTS_POD_TEMPLATE_HASH: &str = "rollouts-pod-template-hash";
/// Pod -> ReplicaSet -> Deployment is the longest real chain; the bound only stops a loop of
/// owner references in a corrupt inventory.
const MAX_OWNER_DEPTH: usize = 4;

/// The workloads with pods EKS will evict, sorted by namespace, kind (in [`Kind`] order)
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

    let mut groups: BTreeMap<(String, Kind, String), Group> = BTreeMap::new();
    for pod in inv.pods() {
        let named = exact.get(&(pod.meta.namespace.as_str(), pod.meta.name.as_str()));
        if !selected(pod, opts, named.is_some()) {
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
            group.warnings.push(Finding::critical(
                Code::EvictionFailed,
                format!(
                    "EKS could not evict pod {}/{}: \"{error}\"",
                    pod.meta.namespace, pod.meta.name
                ),
            ));
        }
    }

    let pdbs_known = !pods_only(inv) || inv.pdbs().next().is_some();
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
                pdbs_known,
                disposition: &disposition,
            }));
            let (labels, annotations) = match group.workload {
                Some(workload) => {
                    let meta = workload.meta();
                    (meta.labels.clone(), meta.annotations.clone())
                }
                None => Default::default(),
            };
            let mut workload = AffectedWorkload {
                namespace,
                kind,
                name,
                pods: group.pods.len(),
                oldest_pod_created,
                pod_names: group.pods.iter().map(|p| p.meta.name.clone()).collect(),
                disposition,
                warnings: Vec::new(),
                labels,
                annotations,
            };
            let id = workload.id();
            workload.warnings = dedup(warnings)
                .into_iter()
                .map(|w| w.about(id.clone()))
                .collect();
            Some(workload)
        })
        .collect()
}

/// Whether `pod` is affected: active, and old enough on Fargate (any node with `all_nodes`), or
/// `named` by EKS.
fn selected(pod: &Pod, opts: &AffectedOptions, named: bool) -> bool {
    let by_age = opts
        .launched_before
        .is_some_and(|cutoff| pod.created < cutoff)
        && (opts.all_nodes || pod.is_fargate());
    pod.phase.is_active() && (by_age || named)
}

/// Whether the inventory holds pods and none of the controllers they may belong to: a snapshot
/// of pods only (`kubectl get pods`). Their owners are then all missing, which one warning for
/// the run says ([`pods_only_warning`]) instead of one per pod.
fn pods_only(inv: &Inventory) -> bool {
    inv.controllers().next().is_none()
}

/// How many affected pods a grouped warning names.
const NAMED_PODS: usize = 3;

/// One warning for the affected pods whose owners are missing because the inventory holds pods
/// only: how many, a few of them, and the kubectl command that takes the owners too. `None`
/// when the inventory has controllers (each missing owner is then a warning of its workload) or
/// no affected pod has an owner.
pub fn pods_only_warning(inv: &Inventory, opts: &AffectedOptions) -> Option<Finding> {
    if !pods_only(inv) {
        return None;
    }
    let named: std::collections::HashSet<(&str, &str)> = opts
        .exact_pods
        .iter()
        .map(|p| (p.namespace.as_str(), p.name.as_str()))
        .collect();
    let mut pods = Vec::new();
    let mut rollouts = false;
    for pod in inv.pods() {
        let is_named = named.contains(&(pod.meta.namespace.as_str(), pod.meta.name.as_str()));
        if pod.meta.controller().is_none() || !selected(pod, opts, is_named) {
            continue;
        }
        rollouts |= resolve(inv, pod).kind == Kind::Rollout;
        pods.push(format!("{}/{}", pod.meta.namespace, pod.meta.name));
    }
    if pods.is_empty() {
        return None;
    }
    let count = pods.len();
    let shown = crate::report::first_and_more(&pods, NAMED_PODS);
    let (pods, are) = if count == 1 {
        ("pod", "is")
    } else {
        ("pods", "are")
    };
    let rollouts = if rollouts {
        ",rollouts.argoproj.io"
    } else {
        ""
    };
    let unknown = if inv.pdbs().next().is_none() {
        "their replicas, update strategies and source labels are unknown, and so is whether \
         a PodDisruptionBudget guards them (the inventory holds none)"
    } else {
        "their replicas, update strategies and source labels are unknown"
    };
    Some(Finding::warning(
        Code::OwnerNotInInventory,
        format!(
            "the inventory holds pods only: the owners of {count} affected {pods} ({shown}) {are} not \
             in it, so their workloads are named from the owner references and the \
             pod-template-hash naming convention, and {unknown}; take the snapshot with the \
             owners: kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,\
             cronjobs,poddisruptionbudgets{rollouts} -A -o json > snapshot.json"
        ),
    ))
}

/// Warnings about the pods EKS named that did not make any workload affected: not in the
/// inventory (gone already, or another cluster's inventory), or finished. Without these the
/// caller could not tell a handled event from an ignored one.
pub fn exact_pod_warnings(inv: &Inventory, opts: &AffectedOptions) -> Vec<Finding> {
    let warnings = opts
        .exact_pods
        .iter()
        .filter_map(|exact| {
            let at = format!("{}/{}", exact.namespace, exact.name);
            match inv.pod(&exact.namespace, &exact.name) {
                None => Some(Finding::warning(Code::NoticePodNotFound, format!(
                    "EKS named pod {at} in a scheduled-termination event, but it is not in the inventory: it is gone already, or the inventory is from another cluster"
                ))),
                Some(pod) if !pod.phase.is_active() => Some(Finding::info(Code::NoticePodFinished, format!(
                    "EKS named pod {at} in a scheduled-termination event, but it has finished ({}): nothing to restart",
                    pod.phase.as_str()
                ))),
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
    warnings: Vec<Finding>,
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
    kind: Kind,
    name: String,
    /// `None` when the workload is not in the inventory (reported from a reference or inferred).
    workload: Option<Workload<'a>>,
    /// For [`Kind::Other`]: the owner reference's `apiVersion`, for the manual step.
    other_api_version: Option<String>,
    warnings: Vec<Finding>,
}

/// Follow the pod's controller references to the workload that restarts it.
fn resolve<'a>(inv: &'a Inventory, pod: &'a Pod) -> Owner<'a> {
    let ns = pod.meta.namespace.as_str();
    let Some(mut reference) = pod.meta.controller() else {
        return Owner {
            kind: Kind::Pod,
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
        let Some(kind) = Kind::controller_from_api(&reference.api_version, &reference.kind) else {
            return Owner {
                kind: Kind::Other(reference.kind.clone()),
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
            warnings.push(Finding::warning(Code::OwnerRecreated, format!(
                "{kind} {ns}/{} in the inventory is not the one {holder} belongs to (another uid): it was deleted and recreated, and the pod may be an orphan awaiting garbage collection",
                found.meta.name
            )));
        }
        let next = found.meta.controller();
        // Only ReplicaSets and Jobs are steps on the way; a Job's non-CronJob owner (a queueing
        // operator) does not change that the Job finishes on its own.
        let step = match (&kind, next) {
            (Kind::ReplicaSet, Some(next)) => Some(next),
            (Kind::Job, Some(next))
                if Kind::controller_from_api(&next.api_version, &next.kind)
                    == Some(Kind::CronJob) =>
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
        if let Some(next) = next.filter(|_| kind != Kind::Job) {
            warnings.push(Finding::warning(Code::ControlledWorkload, format!(
                "{kind} {ns}/{} is itself controlled by {} {}: that controller may undo a change made to it in git",
                found.meta.name, next.kind, next.name
            )));
        }
        return Owner {
            kind,
            name: found.meta.name.clone(),
            workload: Some(Workload::Controller(found)),
            other_api_version: None,
            warnings,
        };
    }
    warnings.push(Finding::warning(
        Code::OwnerLoop,
        format!(
            "the owner references of pod {ns}/{} form a loop: the inventory is inconsistent",
            pod.meta.name
        ),
    ));
    Owner {
        kind: Kind::Other(reference.kind.clone()),
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
    kind: Kind,
    reference: &OwnerRef,
    holder: &str,
    mut warnings: Vec<Finding>,
) -> Owner<'a> {
    let ns = pod.meta.namespace.as_str();
    let absent = format!(
        "{kind} {ns}/{} (controller of {holder}) is not in the inventory",
        reference.name
    );
    let missing_kind = kind.clone();
    let inferred = match kind {
        Kind::ReplicaSet => infer_replica_set_owner(pod, &reference.name),
        Kind::Job => infer_cron_job(inv, ns, &reference.name),
        _ => None,
    };
    if let Some((kind, name, convention)) = inferred {
        if let Some(found) = inv.controller(&kind, ns, &name) {
            warnings.push(Finding::info(Code::OwnerInferred, format!(
                "{absent}: its {kind} {name} was found by the {convention} naming convention (inferred)"
            )));
            return Owner {
                kind,
                name,
                workload: Some(Workload::Controller(found)),
                other_api_version: None,
                warnings,
            };
        }
        if !pods_only(inv) {
            warnings.push(Finding::warning(Code::OwnerNotInInventory, format!(
                "{absent}; {kind} {name} is inferred from the {convention} naming convention and is not in the inventory either, so its replicas, strategy and source labels are unknown: include {} and {} in the snapshot",
                plural(&missing_kind),
                plural(&kind)
            )));
        }
        return Owner {
            kind,
            name,
            workload: None,
            other_api_version: None,
            warnings,
        };
    }
    if !pods_only(inv) {
        warnings.push(Finding::warning(Code::OwnerNotInInventory, format!(
            "{absent}: reported from the owner reference; its replicas, strategy and source labels are unknown, so include {} in the snapshot",
            plural(&kind)
        )));
    }
    Owner {
        kind,
        name: reference.name.clone(),
        workload: None,
        other_api_version: None,
        warnings,
    }
}

fn plural(kind: &Kind) -> String {
    format!("{}s", kind.as_str().to_lowercase())
}

/// A ReplicaSet is named `<owner>-<pod-template-hash>`, and its pods carry the hash as a label
/// (`rollouts-pod-template-hash` under an Argo Rollout).
fn infer_replica_set_owner(pod: &Pod, replica_set: &str) -> Option<(Kind, String, &'static str)> {
    let (prefix, suffix) = replica_set.rsplit_once('-')?;
    if prefix.is_empty() {
        return None;
    }
    let labels = &pod.meta.labels;
    if labels.get(ROLLOUTS_POD_TEMPLATE_HASH).map(String::as_str) == Some(suffix) {
        return Some((Kind::Rollout, prefix.to_owned(), ROLLOUTS_POD_TEMPLATE_HASH));
    }
    if labels.get(POD_TEMPLATE_HASH).map(String::as_str) == Some(suffix) {
        return Some((Kind::Deployment, prefix.to_owned(), POD_TEMPLATE_HASH));
    }
    None
}

/// A CronJob names its Jobs `<cronjob>-<scheduled minute>`: only taken when that CronJob exists,
/// since a plain Job may end in digits too.
fn infer_cron_job(inv: &Inventory, ns: &str, job: &str) -> Option<(Kind, String, &'static str)> {
    let (prefix, suffix) = job.rsplit_once('-')?;
    let digits = !suffix.is_empty() && suffix.bytes().all(|b| b.is_ascii_digit());
    (digits && inv.controller(&Kind::CronJob, ns, prefix).is_some())
        .then(|| (Kind::CronJob, prefix.to_owned(), "CronJob job"))
}

/// What gitops-restart does about the workload.
fn disposition(
    kind: &Kind,
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
        Kind::StatefulSet | Kind::DaemonSet if on_delete => Disposition::Manual {
            reason: format!(
                "updateStrategy OnDelete: a template change restarts nothing, so there is nothing to bump in git; before the deadline delete the pods one at a time, waiting for each replacement to be Ready: {}",
                delete_steps(ns, kind, pods)
            ),
        },
        Kind::Deployment
        | Kind::StatefulSet
        | Kind::DaemonSet
        | Kind::Rollout => Disposition::Restart,
        Kind::CronJob => Disposition::Skipped {
            reason: "the job finishes on its own and the next run lands on a patched node"
                .to_owned(),
        },
        Kind::Job => Disposition::Skipped {
            reason: "the Job finishes on its own, and a rerun lands on a patched node; if it still runs at the deadline EKS terminates it, so rerun it then".to_owned(),
        },
        Kind::Pod => Disposition::Manual {
            reason: format!(
                "standalone pod: nothing recreates it, so there is nothing to bump in git; before the deadline create a replacement with the same spec under a new name, repoint whoever uses its address (a Service selecting its labels follows by itself; anything using its IP or name does not), then delete the old pod: kubectl -n {ns} delete pod {name}"
            ),
        },
        Kind::ReplicaSet => Disposition::Manual {
            reason: format!(
                "a ReplicaSet without a Deployment or Rollout does not replace running pods when its template changes; before the deadline delete its pods one at a time, waiting for each replacement to be Ready (the ReplicaSet recreates them on patched nodes): {}",
                delete_steps(ns, kind, pods)
            ),
        },
        Kind::Other(other) => Disposition::Manual {
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
fn delete_steps(ns: &str, kind: &Kind, pods: &[&Pod]) -> String {
    let mut names: Vec<&str> = pods.iter().map(|p| p.meta.name.as_str()).collect();
    names.sort_unstable();
    if *kind == Kind::StatefulSet {
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
fn dedup(warnings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = std::collections::HashSet::new();
    warnings
        .into_iter()
        .filter(|w| seen.insert(w.clone()))
        .collect()
}

#[cfg(test)]
mod tests;
