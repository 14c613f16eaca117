//! The inventory: what runs in the cluster, reduced to what the plan needs, and which workloads
//! EKS will evict.
//!
//! Responsibility: hold the pods, their controllers (ReplicaSets, Deployments, StatefulSets,
//! DaemonSets, Argo Rollouts, Jobs, CronJobs) and the PodDisruptionBudgets in plain types, with
//! the GitOps controllers' own objects (Argo CD Applications, Flux Kustomizations and
//! HelmReleases, `gitops`) that say where the repository is deployed, and
//! answer [`affected`]: which workloads own pods that EKS Fargate will evict, with what
//! gitops-restart does for each and what can go wrong. [`snapshot`] fills an [`Inventory`] from
//! `kubectl get ... -o json|yaml` text and [`cluster`] from the Kubernetes API's list pages; both
//! read through the one streaming list decoder (`decode`), which turns each item's JSON into
//! these types in one place, so both paths give the same answer (each type names the
//! `k8s-openapi` fields it corresponds to). `owners` and `disruption` compute [`affected`];
//! [`completeness`] says whether the inventory can be taken for the whole cluster (what `pr`
//! needs before it closes its pull request for want of affected workloads).
//!
//! It must not print or know about the GitOps repository, and apart from [`cluster`], which
//! lists the API, it does no I/O: pure data in, data out. It never panics on any input; what it
//! cannot make sense of becomes a warning.
//!
//! Invariants: an [`Inventory`] holds at most one object per kind, namespace and name (the later
//! one wins; GitOps objects also per source, see [`GitOps`]); [`affected`] returns workloads sorted by namespace, kind (in [`Kind`] order)
//! and name, each with at least one pod, so the same inventory always gives the same,
//! byte-identical report.

pub mod cluster;
mod completeness;
mod decode;
mod disruption;
pub(crate) mod gitops;
mod owners;
pub mod snapshot;

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

pub use completeness::{ClusterFacts, Completeness, Gap, completeness};
pub use gitops::{GitOps, GitOpsKind, GitOpsObject, Source as GitOpsSource};
pub use owners::{affected, exact_pod_warnings, pods_only_warning};

use crate::model::Kind;

/// The scheduler the Fargate admission webhook puts on every Fargate pod: the surest signal.
pub const FARGATE_SCHEDULER: &str = "fargate-scheduler";
/// Fargate node names look like `fargate-ip-192-168-1-20.us-west-2.compute.internal`.
pub const FARGATE_NODE_PREFIX: &str = "fargate-";
/// The label the webhook (or the user) sets to the Fargate profile's name.
pub const FARGATE_PROFILE_LABEL: &str = "eks.amazonaws.com/fargate-profile";
/// The annotation Fargate sets to the capacity it provisioned (`0.25vCPU 0.5GB`).
pub const FARGATE_CAPACITY_ANNOTATION: &str = "CapacityProvisioned";

/// The metadata every object keeps: identity, owner references, and the labels and annotations
/// that later lead to the object's source in git (Argo CD tracking-id, Flux labels).
///
/// From `k8s-openapi`: `ObjectMeta`'s `namespace`, `name`, `uid` (each `unwrap_or_default`), and
/// `labels` / `annotations` (already `BTreeMap`s).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// `default` when the object did not say (as kubectl would apply it).
    pub namespace: String,
    pub name: String,
    /// Empty when unknown (a hand-written snapshot); then owners match by name alone.
    pub uid: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerRef>,
}

impl Meta {
    /// The managing controller: the owner reference with `controller: true`. Garbage-collection
    /// owners without it do not recreate the pod, so they say nothing about who restarts it.
    pub fn controller(&self) -> Option<&OwnerRef> {
        self.owner_references.iter().find(|r| r.controller)
    }
}

/// One `metadata.ownerReferences` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OwnerRef {
    /// As written, `apps/v1`, `argoproj.io/v1alpha1`, `v1`.
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub uid: String,
    /// `controller: true`; absent means false, as in the API.
    pub controller: bool,
}

impl OwnerRef {
    /// The API group, `""` for the core group: kinds are matched by group and kind, never by
    /// version, so `apps/v1` and a future `apps/v2` name the same thing.
    pub fn group(&self) -> &str {
        api_group(&self.api_version)
    }
}

/// The group part of an `apiVersion` (`apps/v1` -> `apps`, `v1` -> `""`).
pub fn api_group(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(group, _)| group)
}

/// `status.phase` of a pod.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodPhase {
    /// Also what a pod without a status is taken to be: the API server creates every pod in
    /// this phase, so a status-less pod in a hand-written snapshot has not finished.
    #[default]
    Pending,
    Running,
    Succeeded,
    Failed,
    /// `Unknown`, or a phase this version does not know.
    Unknown,
}

impl PodPhase {
    /// The phase from its API spelling; anything else is [`PodPhase::Unknown`].
    pub fn from_api(phase: &str) -> Self {
        match phase {
            "Pending" => Self::Pending,
            "Running" => Self::Running,
            "Succeeded" => Self::Succeeded,
            "Failed" => Self::Failed,
            _ => Self::Unknown,
        }
    }

    /// Pending or Running: a pod EKS would still have to evict. Finished pods hold no Fargate
    /// capacity, and an `Unknown` pod has lost its node already.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Running)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Succeeded => "Succeeded",
            Self::Failed => "Failed",
            Self::Unknown => "Unknown",
        }
    }
}

/// A pod, with what decides whether EKS evicts it.
///
/// From `k8s-openapi`: `metadata.creation_timestamp.0` (a pod without one is malformed and
/// skipped with a warning, as the snapshot path does), `spec.scheduler_name`, `spec.node_name`,
/// `status.phase` through [`PodPhase::from_api`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pod {
    pub meta: Meta,
    /// `metadata.creationTimestamp`: before the pod starts, so comparing it with the cutoff errs
    /// on the safe side.
    pub created: DateTime<Utc>,
    pub scheduler_name: Option<String>,
    pub node_name: Option<String>,
    pub phase: PodPhase,
}

impl Pod {
    /// Whether the pod runs on EKS Fargate: the Fargate scheduler or a `fargate-` node (the
    /// sure signals), or the profile label or capacity annotation (secondary ones, which still
    /// hold when a snapshot was edited or the scheduler field was left out).
    pub fn is_fargate(&self) -> bool {
        self.scheduler_name.as_deref() == Some(FARGATE_SCHEDULER)
            || self
                .node_name
                .as_deref()
                .is_some_and(|node| node.starts_with(FARGATE_NODE_PREFIX))
            || self.meta.labels.contains_key(FARGATE_PROFILE_LABEL)
            || self
                .meta
                .annotations
                .contains_key(FARGATE_CAPACITY_ANNOTATION)
    }
}

/// An integer or a string, as `maxSurge`, `maxUnavailable` and `minAvailable` are.
///
/// From `k8s-openapi`: `IntOrString::Int(i)` and `IntOrString::String(s)` map one to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntOrString {
    Int(i64),
    String(String),
}

impl IntOrString {
    /// The percentage, when this is a string like `25%` (the API takes whole percents only).
    pub fn percent(&self) -> Option<i64> {
        match self {
            Self::Int(_) => None,
            Self::String(s) => s.trim().strip_suffix('%')?.trim().parse().ok(),
        }
    }

    /// The count, when this is an integer, or a string holding one (the API accepts `"1"`).
    pub fn int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => Some(*i),
            Self::String(s) => s.trim().parse().ok(),
        }
    }

    /// Zero, or `0%`: the value that allows nothing.
    pub fn is_zero(&self) -> bool {
        self.int() == Some(0) || self.percent() == Some(0)
    }

    /// This value as a count out of `total`, percentages rounded up as the disruption
    /// controller and the Deployment controller round them; `None` when it is neither form.
    pub fn scaled(&self, total: i64) -> Option<i64> {
        if let Some(percent) = self.percent() {
            let product = percent.checked_mul(total)?;
            return Some(product.div_euclid(100) + i64::from(product.rem_euclid(100) != 0));
        }
        self.int()
    }
}

impl fmt::Display for IntOrString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(i) => write!(f, "{i}"),
            Self::String(s) => f.write_str(s),
        }
    }
}

/// How a controller replaces its pods when the template changes.
///
/// From `k8s-openapi`: Deployment `spec.strategy`, StatefulSet and DaemonSet
/// `spec.update_strategy` (`type_` and `rolling_update.max_surge`); a Rollout's `spec.strategy`
/// has `canary` (with `maxSurge`) or `blueGreen`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Strategy {
    /// Not given, or the kind has none (Job, CronJob, ReplicaSet): the API default applies.
    #[default]
    Default,
    /// `RollingUpdate`; `max_surge` `None` means the default (25% for a Deployment, none for a
    /// StatefulSet or DaemonSet).
    RollingUpdate { max_surge: Option<IntOrString> },
    /// Deployment `Recreate`: every pod stops before new ones start.
    Recreate,
    /// StatefulSet or DaemonSet `OnDelete`: a template change replaces nothing.
    OnDelete,
    /// Argo Rollouts canary.
    Canary { max_surge: Option<IntOrString> },
    /// Argo Rollouts blue-green.
    BlueGreen,
    /// A type this version does not know, as written.
    Other(String),
}

/// A pod's controller or its controller's controller: ReplicaSet, Deployment, StatefulSet,
/// DaemonSet, Rollout, Job or CronJob.
///
/// From `k8s-openapi`: `metadata` as for [`Meta`], `spec.replicas`, `spec.paused` (Deployment,
/// Rollout), and the strategy as described on [`Strategy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Controller {
    /// One of the controller kinds of [`Kind::controller_from_api`]; never `Pod` or `Other`.
    pub kind: Kind,
    /// As written (`apps/v1`), for messages.
    pub api_version: String,
    pub meta: Meta,
    /// `spec.replicas`; `None` when unset (the API default is 1) or the kind has none.
    pub replicas: Option<i64>,
    /// `spec.paused`.
    pub paused: bool,
    pub strategy: Strategy,
    /// `spec.template.metadata.annotations`, where `kubectl rollout restart` and gitops-restart
    /// write the restart value: `verify` tells a synced but stuck rollout from a pending sync by
    /// it. Empty for kinds without a pod template.
    pub template_annotations: BTreeMap<String, String>,
    /// A Rollout's `spec.restartAt`, as written.
    pub restart_at: Option<String>,
}

/// A label selector (`spec.selector` of a PodDisruptionBudget).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Vec<SelectorRequirement>,
}

/// One `matchExpressions` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    pub values: Vec<String>,
}

/// The operators a label selector allows; the API server refuses any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl SelectorOperator {
    /// The operator from its API spelling.
    pub fn from_api(operator: &str) -> Option<Self> {
        match operator {
            "In" => Some(Self::In),
            "NotIn" => Some(Self::NotIn),
            "Exists" => Some(Self::Exists),
            "DoesNotExist" => Some(Self::DoesNotExist),
            _ => None,
        }
    }
}

impl LabelSelector {
    /// Whether these labels satisfy every term, with the API's semantics: `NotIn` and
    /// `DoesNotExist` hold for a missing key, and an empty selector matches everything.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(key, value)| labels.get(key) == Some(value))
            && self.match_expressions.iter().all(|req| {
                let value = labels.get(&req.key);
                match req.operator {
                    SelectorOperator::In => value.is_some_and(|v| req.values.contains(v)),
                    SelectorOperator::NotIn => value.is_none_or(|v| !req.values.contains(v)),
                    SelectorOperator::Exists => value.is_some(),
                    SelectorOperator::DoesNotExist => value.is_none(),
                }
            })
    }
}

/// A PodDisruptionBudget (policy/v1).
///
/// From `k8s-openapi`: `spec.selector` (`None` stays `None`), `spec.min_available`,
/// `spec.max_unavailable`, `status.disruptions_allowed` (`None` when there is no status).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pdb {
    pub meta: Meta,
    /// `None` (null or absent) selects no pod; an empty selector selects every pod of the
    /// namespace (policy/v1 semantics).
    pub selector: Option<LabelSelector>,
    pub min_available: Option<IntOrString>,
    pub max_unavailable: Option<IntOrString>,
    pub disruptions_allowed: Option<i64>,
}

impl Pdb {
    /// Whether this budget covers the pod: same namespace, and the selector matches.
    pub fn selects(&self, pod: &Pod) -> bool {
        self.meta.namespace == pod.meta.namespace
            && self
                .selector
                .as_ref()
                .is_some_and(|selector| selector.matches(&pod.meta.labels))
    }
}

/// One object the inventory keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Object {
    Pod(Pod),
    Controller(Controller),
    Pdb(Pdb),
    /// An Argo CD Application, a Flux Kustomization or HelmRelease.
    GitOps(GitOpsObject),
}

impl Object {
    /// `Kind namespace/name`, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Pod(pod) => format!("Pod {}/{}", pod.meta.namespace, pod.meta.name),
            Self::Controller(c) => format!("{} {}/{}", c.kind, c.meta.namespace, c.meta.name),
            Self::Pdb(pdb) => format!(
                "PodDisruptionBudget {}/{}",
                pdb.meta.namespace, pdb.meta.name
            ),
            Self::GitOps(o) => format!("{} {}/{}", o.kind, o.namespace, o.name),
        }
    }
}

/// Key of a namespaced object: namespace, then name.
type NsName = (String, String);

/// What runs in the cluster, reduced to what the plan needs.
///
/// Kept in ordered maps so iteration, and hence every report, is deterministic, and so a second
/// copy of an object (overlapping snapshots) replaces the first instead of counting twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inventory {
    pods: BTreeMap<NsName, Pod>,
    controllers: BTreeMap<(Kind, String, String), Controller>,
    pdbs: BTreeMap<NsName, Pdb>,
    gitops: GitOps,
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add one object; returns the object of the same kind, namespace and name it replaced.
    pub fn insert(&mut self, object: Object) -> Option<Object> {
        match object {
            Object::Pod(pod) => {
                let key = (pod.meta.namespace.clone(), pod.meta.name.clone());
                self.pods.insert(key, pod).map(Object::Pod)
            }
            Object::Controller(c) => {
                let key = (
                    c.kind.clone(),
                    c.meta.namespace.clone(),
                    c.meta.name.clone(),
                );
                self.controllers.insert(key, c).map(Object::Controller)
            }
            Object::Pdb(pdb) => {
                let key = (pdb.meta.namespace.clone(), pdb.meta.name.clone());
                self.pdbs.insert(key, pdb).map(Object::Pdb)
            }
            Object::GitOps(object) => self.gitops.insert(object).map(Object::GitOps),
        }
    }

    /// Merge another inventory (a further `--snapshot`) into this one. An object both hold is
    /// taken from `other`: later snapshots are taken to be newer.
    pub fn extend(&mut self, other: Inventory) {
        self.pods.extend(other.pods);
        self.controllers.extend(other.controllers);
        self.pdbs.extend(other.pdbs);
        self.gitops.extend(other.gitops);
    }

    /// Every pod, by namespace and name.
    pub fn pods(&self) -> impl Iterator<Item = &Pod> {
        self.pods.values()
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<&Pod> {
        self.pods.get(&(namespace.to_owned(), name.to_owned()))
    }

    /// Every controller, by kind, namespace and name.
    pub fn controllers(&self) -> impl Iterator<Item = &Controller> {
        self.controllers.values()
    }

    pub fn controller(&self, kind: &Kind, namespace: &str, name: &str) -> Option<&Controller> {
        self.controllers
            .get(&(kind.clone(), namespace.to_owned(), name.to_owned()))
    }

    /// Every PodDisruptionBudget, by namespace and name.
    pub fn pdbs(&self) -> impl Iterator<Item = &Pdb> {
        self.pdbs.values()
    }

    /// The Argo CD and Flux objects, which say where the repository is deployed.
    pub fn gitops(&self) -> &GitOps {
        &self.gitops
    }

    /// The Argo CD and Flux objects, to add to or to take.
    pub fn gitops_mut(&mut self) -> &mut GitOps {
        &mut self.gitops
    }

    /// How many objects of any kind.
    pub fn len(&self) -> usize {
        self.pods.len() + self.controllers.len() + self.pdbs.len() + self.gitops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A pod that an EKS "Fargate Pod Scheduled Termination" event named.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExactPod {
    pub namespace: String,
    pub name: String,
    /// The event's `evictErrorMessage`, when it had one.
    pub evict_error: Option<String>,
}

/// What makes a pod affected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AffectedOptions {
    /// The cutoff: active Fargate pods created strictly before it are affected. `None` selects
    /// no pod by age, so only [`AffectedOptions::exact_pods`] are affected (EKS
    /// scheduled-termination events target exactly the pods they name); a caller that wants
    /// every pod passes a cutoff in the future.
    pub launched_before: Option<DateTime<Utc>>,
    /// Consider pods on every node, not only Fargate (`--all-nodes`).
    pub all_nodes: bool,
    /// Pods named by EKS scheduled-termination events: affected whatever their age or node, as
    /// long as they are still Pending or Running.
    pub exact_pods: Vec<ExactPod>,
}

/// What gitops-restart does about a workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Bump the restart annotation (or a Rollout's `spec.restartAt`) in git.
    Restart,
    /// Nothing to do: the pods go away on their own.
    Skipped { reason: String },
    /// A person has to act; the reason gives the steps.
    Manual { reason: String },
}

/// A workload with pods that EKS will evict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AffectedWorkload {
    pub namespace: String,
    pub kind: Kind,
    pub name: String,
    /// How many of its pods are affected (at least one).
    pub pods: usize,
    /// Creation time of its oldest affected pod.
    pub oldest_pod_created: DateTime<Utc>,
    /// The affected pods' names, sorted: what `verify` lists.
    pub pod_names: Vec<String>,
    pub disposition: Disposition,
    /// What will happen and what to do: disruption risks, owners missing from the inventory,
    /// EKS eviction errors. Each says it in one sentence; no duplicates.
    pub warnings: Vec<crate::model::Finding>,
    /// The live workload's own labels and annotations (Argo CD tracking-id, Flux labels) that
    /// lead to its source; empty when the workload is not in the inventory (inferred).
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
}

impl AffectedWorkload {
    /// The workload's name across the pipeline; `verify` joins the plan by it.
    pub fn id(&self) -> crate::model::WorkloadId {
        crate::model::WorkloadId::new(Some(&self.namespace), self.kind.clone(), &self.name)
    }
}

#[cfg(test)]
mod tests;
