//! The vocabulary the pipeline stages share. Plain data, no I/O.
//!
//! A [`WorkloadId`] is how every stage names a workload: the inventory's affected workloads,
//! the plan's lines and `verify`'s findings are joined by it, never by comparing their parts as
//! strings one by one. Its [`Kind`] is the one kind type of the pipeline: the inventory's owners,
//! the editor's workloads, the plan's lines and `verify`'s all use it, and which kinds a git edit
//! restarts, and at which keys, is decided here only. A [`Finding`] is what every stage reports besides its answer (a
//! PodDisruptionBudget that blocks eviction, a snapshot item skipped, a kustomization that
//! references a missing file): a stable [`Code`], a [`Severity`], the workload and the
//! [`Place`] it is about, and a sentence. Renderers show [`Finding::text`], the JSON reports
//! add the code, severity and place, and GitHub annotations pin it on its place.

use std::borrow::Cow;
use std::fmt;

use schemars::JsonSchema;
use serde::Serialize;

/// What owns pods, and so what gets restarted: the kinds gitops-restart restarts through git
/// ([`Kind::is_restartable`]), and the others that own affected pods, reported rather than
/// dropped.
///
/// Ordered as declared (restartable kinds first), which is the order reports list a namespace's
/// workloads in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Deployment,
    StatefulSet,
    DaemonSet,
    /// `argoproj.io` Rollout.
    Rollout,
    /// A ReplicaSet no Deployment or Rollout controls.
    ReplicaSet,
    Job,
    CronJob,
    /// A standalone pod: no controller.
    Pod,
    /// Any other controller kind (an operator's custom resource), as its owner reference spells
    /// it.
    Other(String),
}

impl Kind {
    /// The kinds a git edit restarts, in order.
    pub const RESTARTABLE: [Kind; 4] = [
        Kind::Deployment,
        Kind::StatefulSet,
        Kind::DaemonSet,
        Kind::Rollout,
    ];

    /// The kind as Kubernetes spells it.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Deployment => "Deployment",
            Kind::StatefulSet => "StatefulSet",
            Kind::DaemonSet => "DaemonSet",
            Kind::Rollout => "Rollout",
            Kind::ReplicaSet => "ReplicaSet",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
            Kind::Pod => "Pod",
            Kind::Other(kind) => kind,
        }
    }

    /// The kind a Kubernetes `kind:` names, spelled exactly; any other is [`Kind::Other`].
    pub fn named(name: &str) -> Kind {
        [
            Kind::Deployment,
            Kind::StatefulSet,
            Kind::DaemonSet,
            Kind::Rollout,
            Kind::ReplicaSet,
            Kind::Job,
            Kind::CronJob,
            Kind::Pod,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
        .unwrap_or_else(|| Kind::Other(name.to_owned()))
    }

    /// A restartable kind as users type it on the command line (`--workload`), in any case.
    pub fn parse_restartable(name: &str) -> Option<Kind> {
        Kind::RESTARTABLE
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }

    /// Whether a git edit restarts it: Deployments, StatefulSets, DaemonSets and Argo Rollouts.
    pub fn is_restartable(&self) -> bool {
        matches!(
            self,
            Kind::Deployment | Kind::StatefulSet | Kind::DaemonSet | Kind::Rollout
        )
    }

    /// The keys from the document root to the restart value: an Argo Rollout's
    /// `spec.restartAt`, else the pod-template annotation. The one place this is decided.
    pub fn restart_path<'a>(&self, annotation: &'a str) -> Vec<&'a str> {
        match self {
            Kind::Rollout => vec!["spec", "restartAt"],
            _ => vec!["spec", "template", "metadata", "annotations", annotation],
        }
    }

    /// The kind an owner reference's `apiVersion` and `kind` name, when it is one the
    /// inventory keeps as a controller. Matched by group, not version.
    pub fn controller_from_api(api_version: &str, kind: &str) -> Option<Kind> {
        let group = api_version.rsplit_once('/').map_or("", |(group, _)| group);
        match (group, kind) {
            ("apps", "Deployment") => Some(Kind::Deployment),
            ("apps", "StatefulSet") => Some(Kind::StatefulSet),
            ("apps", "DaemonSet") => Some(Kind::DaemonSet),
            ("apps", "ReplicaSet") => Some(Kind::ReplicaSet),
            ("argoproj.io", "Rollout") => Some(Kind::Rollout),
            ("batch", "Job") => Some(Kind::Job),
            ("batch", "CronJob") => Some(Kind::CronJob),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// As Kubernetes spells it.
impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A string: besides the restartable kinds, `Job`, `CronJob`, `Pod` and any controller kind.
impl JsonSchema for Kind {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Kind".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string" })
    }
}

/// A workload as the cluster names it. `namespace` is `None` only for a manifest that declares
/// none (`--all-workloads` on a plain file); it is shown as `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadId {
    pub namespace: Option<String>,
    pub kind: Kind,
    pub name: String,
}

impl WorkloadId {
    pub fn new(namespace: Option<&str>, kind: Kind, name: &str) -> WorkloadId {
        WorkloadId {
            namespace: namespace.map(str::to_owned),
            kind,
            name: name.to_owned(),
        }
    }
}

/// `NAMESPACE/KIND/NAME`, with `-` for a namespace the manifest doesn't declare.
impl fmt::Display for WorkloadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let namespace = self.namespace.as_deref().unwrap_or("-");
        write!(f, "{namespace}/{}/{}", self.kind, self.name)
    }
}

/// Where a finding is: a file relative to the repository root with `/` separators (or, for
/// an input, the name it was given), and a 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Place {
    pub file: String,
    pub line: Option<usize>,
    /// `file` names an input (a snapshot as given on the command line), not a file of the
    /// repository: GitHub annotations don't point at it.
    pub input: bool,
}

impl Place {
    /// A file of the repository, relative to its root with `/` separators.
    pub fn new(file: impl Into<String>, line: Option<usize>) -> Place {
        Place {
            file: file.into(),
            line,
            input: false,
        }
    }

    /// An input, by the name it was given (a snapshot's path, `-` for stdin).
    pub fn input(name: impl Into<String>) -> Place {
        Place {
            file: name.into(),
            line: None,
            input: true,
        }
    }
}

/// `file:line`, or `file` when the line is not known.
impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// How much a finding matters before the EKS deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Something is lost at the deadline if nobody acts: pods that EKS cannot evict and will
    /// terminate without further notice, a standalone pod nothing recreates, an `OnDelete`
    /// workload a bump does not restart.
    Critical,
    /// To check before the deadline, or the run could not see everything (an input item
    /// skipped, a reference it could not follow).
    Warning,
    /// Context only: how the restart is carried out, or what was inferred.
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// What kind of finding it is: a stable name for scripts (`docs/findings.md` lists them all,
/// with what to do about each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// EKS named a pod in a scheduled-termination event and could not evict it: it will be
    /// terminated at the deadline.
    EvictionFailed,
    /// A PodDisruptionBudget allows no disruption: EKS eviction fails and the pods are
    /// terminated at the deadline without further notice.
    PdbBlocksEviction,
    /// Several PodDisruptionBudgets select the same pods: the eviction API refuses them, and
    /// EKS terminates them at the deadline.
    SeveralPdbs,
    /// No PodDisruptionBudget selects some or all of the pods: EKS evicts zone by zone, so the
    /// pods of one zone may go at once (a standalone pod goes without anything recreating it).
    NoPdb,
    /// `updateStrategy: OnDelete`: a template change restarts nothing; the pods must be deleted
    /// one by one.
    OnDelete,
    /// The Deployment is paused: the restart waits until it is resumed.
    Paused,
    /// `strategy: Recreate`: the restart stops every pod before starting new ones.
    Recreate,
    /// An update strategy gitops-restart does not know.
    UnknownStrategy,
    /// One replica: the restart leaves a moment with no ready pod.
    SingleReplica,
    /// The workload's owner (a ReplicaSet, a Job) is not in the inventory, and the workload is
    /// reported from the owner reference or inferred without being found.
    OwnerNotInInventory,
    /// The workload's owner is not in the inventory; the workload above it was found by a
    /// naming convention.
    OwnerInferred,
    /// The owner in the inventory has another uid than the pod's reference: it was deleted and
    /// recreated.
    OwnerRecreated,
    /// The workload is itself controlled by another controller, which may undo a change made
    /// to it in git.
    ControlledWorkload,
    /// The owner references of a pod form a loop.
    OwnerLoop,
    /// A pod EKS named in a scheduled-termination event is not in the inventory.
    NoticePodNotFound,
    /// A pod EKS named in a scheduled-termination event has finished.
    NoticePodFinished,
    /// The notices name pods, but no inventory was given to find their workloads.
    NoticePodsWithoutInventory,
    /// A malformed object in a snapshot was skipped.
    SnapshotItemSkipped,
    /// An object appears twice in the snapshots; the later one is kept.
    SnapshotDuplicate,
    /// A snapshot holds no pods.
    SnapshotNoPods,
    /// A malformed object in the live cluster's answer was skipped.
    ClusterItemSkipped,
    /// A kustomization refers to something gitops-restart cannot follow: a missing file, a
    /// folder without a kustomization, a path outside the repository.
    BrokenReference,
    /// Kustomizations refer to each other in a cycle.
    KustomizationCycle,
    /// An Argo CD Application or Flux Kustomization whose path renders nothing in the
    /// repository.
    RendersNothing,
    /// An Argo CD Application's `directory.include`/`exclude` cannot be read.
    DirectoryFilter,
    /// An ApplicationSet generator gitops-restart can't expand offline (SCM provider, pull
    /// request, plugin) or at all: the Applications it generates are not seen.
    AppsetNotExpanded,
    /// An Application an ApplicationSet generates can't be built offline: a parameter of its
    /// name, destination or source can't be filled in.
    AppsetUnresolved,
    /// Nothing in the repository sets the workload's namespace; it was matched by kind and name.
    NamespaceInferred,
    /// The manifest is shared with renderings that are not restarted: the restart goes into
    /// a patch in the affected overlay.
    PatchedInOverlay,
    /// The workload is rendered by a Helm chart: the restart goes into the release's values,
    /// which the chart must put on the pod template.
    HelmValues,
    /// Argo CD ignores differences in the restart annotation (`ignoreDifferences`, `argocd-cm`):
    /// it may not see the change.
    ArgocdIgnoresRestart,
    /// The Argo CD Application has no automated sync: someone must sync it after the merge.
    ArgocdManualSync,
    /// The Flux Kustomization is suspended: the change is not applied until it is resumed.
    FluxSuspended,
    /// `verify` found no workload manifests in `--repo`.
    NoManifests,
    /// A file of the repository was not considered (not valid YAML, a Helm template).
    FileSkipped,
    /// The identity may not list an Argo CD or Flux kind (403): where the repository is
    /// deployed is read from its files alone.
    GitopsForbidden,
    /// Which Argo CD Applications of the management cluster (`--gitops-context`) deploy to the
    /// restarted cluster, and how that was told.
    GitopsDestination,
    /// The deadline has passed: EKS may already be terminating the pods.
    DeadlinePassed,
    /// Neither a notice nor `--deadline` says when EKS evicts.
    DeadlineUnknown,
    /// A notice writes its cutoff or deadline in a zone abbreviation read as one fixed offset
    /// (`PST` as UTC-08:00).
    NoticeZoneAssumed,
    /// Temporary files a killed `apply` left in the repository: removed by `apply`.
    StaleTempFiles,
}

impl Code {
    /// Every code, in declaration order.
    pub const ALL: [Code; 41] = [
        Code::EvictionFailed,
        Code::PdbBlocksEviction,
        Code::SeveralPdbs,
        Code::NoPdb,
        Code::OnDelete,
        Code::Paused,
        Code::Recreate,
        Code::UnknownStrategy,
        Code::SingleReplica,
        Code::OwnerNotInInventory,
        Code::OwnerInferred,
        Code::OwnerRecreated,
        Code::ControlledWorkload,
        Code::OwnerLoop,
        Code::NoticePodNotFound,
        Code::NoticePodFinished,
        Code::NoticePodsWithoutInventory,
        Code::SnapshotItemSkipped,
        Code::SnapshotDuplicate,
        Code::SnapshotNoPods,
        Code::ClusterItemSkipped,
        Code::BrokenReference,
        Code::KustomizationCycle,
        Code::RendersNothing,
        Code::DirectoryFilter,
        Code::AppsetNotExpanded,
        Code::AppsetUnresolved,
        Code::NamespaceInferred,
        Code::PatchedInOverlay,
        Code::HelmValues,
        Code::ArgocdIgnoresRestart,
        Code::ArgocdManualSync,
        Code::FluxSuspended,
        Code::NoManifests,
        Code::FileSkipped,
        Code::GitopsForbidden,
        Code::GitopsDestination,
        Code::DeadlinePassed,
        Code::DeadlineUnknown,
        Code::NoticeZoneAssumed,
        Code::StaleTempFiles,
    ];

    /// The code as the JSON reports spell it (`pdb-blocks-eviction`).
    pub fn as_str(self) -> &'static str {
        match self {
            Code::EvictionFailed => "eviction-failed",
            Code::PdbBlocksEviction => "pdb-blocks-eviction",
            Code::SeveralPdbs => "several-pdbs",
            Code::NoPdb => "no-pdb",
            Code::OnDelete => "on-delete",
            Code::Paused => "paused",
            Code::Recreate => "recreate",
            Code::UnknownStrategy => "unknown-strategy",
            Code::SingleReplica => "single-replica",
            Code::OwnerNotInInventory => "owner-not-in-inventory",
            Code::OwnerInferred => "owner-inferred",
            Code::OwnerRecreated => "owner-recreated",
            Code::ControlledWorkload => "controlled-workload",
            Code::OwnerLoop => "owner-loop",
            Code::NoticePodNotFound => "notice-pod-not-found",
            Code::NoticePodFinished => "notice-pod-finished",
            Code::NoticePodsWithoutInventory => "notice-pods-without-inventory",
            Code::SnapshotItemSkipped => "snapshot-item-skipped",
            Code::SnapshotDuplicate => "snapshot-duplicate",
            Code::SnapshotNoPods => "snapshot-no-pods",
            Code::ClusterItemSkipped => "cluster-item-skipped",
            Code::BrokenReference => "broken-reference",
            Code::KustomizationCycle => "kustomization-cycle",
            Code::RendersNothing => "renders-nothing",
            Code::DirectoryFilter => "directory-filter",
            Code::AppsetNotExpanded => "appset-not-expanded",
            Code::AppsetUnresolved => "appset-unresolved",
            Code::NamespaceInferred => "namespace-inferred",
            Code::PatchedInOverlay => "patched-in-overlay",
            Code::HelmValues => "helm-values",
            Code::ArgocdIgnoresRestart => "argocd-ignores-restart",
            Code::ArgocdManualSync => "argocd-manual-sync",
            Code::FluxSuspended => "flux-suspended",
            Code::NoManifests => "no-manifests",
            Code::FileSkipped => "file-skipped",
            Code::GitopsForbidden => "gitops-forbidden",
            Code::GitopsDestination => "gitops-destination",
            Code::DeadlinePassed => "deadline-passed",
            Code::DeadlineUnknown => "deadline-unknown",
            Code::NoticeZoneAssumed => "notice-zone-assumed",
            Code::StaleTempFiles => "stale-temp-files",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Something a run found that a person should know: what the reports call a warning.
///
/// `message` does not repeat the place: [`Finding::text`] puts them together (`file:line:
/// message`) as every report shows a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    /// The workload it is about; `None` for the run's own findings (inputs, the repository).
    pub workload: Option<WorkloadId>,
    pub place: Option<Place>,
    pub message: String,
}

impl Finding {
    fn new(code: Code, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity,
            workload: None,
            place: None,
            message: message.into(),
        }
    }

    /// Something is lost at the deadline if nobody acts.
    pub fn critical(code: Code, message: impl Into<String>) -> Finding {
        Finding::new(code, Severity::Critical, message)
    }

    /// To check before the deadline, or the run could not see everything.
    pub fn warning(code: Code, message: impl Into<String>) -> Finding {
        Finding::new(code, Severity::Warning, message)
    }

    /// Context only.
    pub fn info(code: Code, message: impl Into<String>) -> Finding {
        Finding::new(code, Severity::Info, message)
    }

    /// The finding at `place`.
    #[must_use]
    pub fn at(mut self, place: Place) -> Finding {
        self.place = Some(place);
        self
    }

    /// The finding about workload `id`.
    #[must_use]
    pub fn about(mut self, id: WorkloadId) -> Finding {
        self.workload = Some(id);
        self
    }

    /// The finding as the text and markdown reports show it: `place: message`, or the message
    /// alone without a place.
    pub fn text(&self) -> String {
        match &self.place {
            Some(place) => format!("{place}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// [`Finding::text`].
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.place {
            Some(place) => write!(f, "{place}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// A finding as the JSON reports hold it.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "Finding")]
struct FindingJson<'f> {
    /// What kind of finding it is, a stable name (`docs/findings.md` lists them all).
    code: Code,
    /// How much it matters before the deadline.
    severity: Severity,
    /// The finding in a sentence, as the text report shows it: with its place in front
    /// (`file:line: ...`) when it has one.
    message: String,
    /// The file it is about, relative to the repository root with `/` separators (or, for an
    /// input such as a snapshot, the name it was given); null when it is about no file.
    file: Option<&'f str>,
    /// 1-based line in `file`; null when not known or without `file`.
    line: Option<usize>,
}

impl<'f> From<&'f Finding> for FindingJson<'f> {
    fn from(finding: &'f Finding) -> Self {
        FindingJson {
            code: finding.code,
            severity: finding.severity,
            message: finding.text(),
            file: finding.place.as_ref().map(|p| p.file.as_str()),
            line: finding.place.as_ref().and_then(|p| p.line),
        }
    }
}

/// `{"code", "severity", "message", "file", "line"}`, `message` with the place in front.
impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FindingJson::from(self).serialize(serializer)
    }
}

impl JsonSchema for Finding {
    fn schema_name() -> Cow<'static, str> {
        FindingJson::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        FindingJson::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_namespace_kind_name() {
        assert_eq!(
            WorkloadId::new(Some("shop"), Kind::Deployment, "web").to_string(),
            "shop/Deployment/web"
        );
        assert_eq!(
            WorkloadId::new(None, Kind::Rollout, "web").to_string(),
            "-/Rollout/web"
        );
    }

    #[test]
    fn kinds_as_kubernetes_and_the_command_line_spell_them() {
        assert_eq!(Kind::named("StatefulSet"), Kind::StatefulSet);
        assert_eq!(
            Kind::named("statefulset"),
            Kind::Other("statefulset".to_owned())
        );
        assert_eq!(
            Kind::parse_restartable("statefulset"),
            Some(Kind::StatefulSet)
        );
        assert_eq!(Kind::parse_restartable("ROLLOUT"), Some(Kind::Rollout));
        assert_eq!(Kind::parse_restartable("CronJob"), None);
        for kind in Kind::RESTARTABLE {
            assert!(kind.is_restartable());
            assert_eq!(Kind::named(kind.as_str()), kind);
        }
        assert!(!Kind::Pod.is_restartable());
        assert_eq!(Kind::Other("App".to_owned()).to_string(), "App");
        assert_eq!(
            serde_json::to_value(Kind::CronJob).unwrap(),
            serde_json::json!("CronJob")
        );
        assert_eq!(Kind::Rollout.restart_path("k"), ["spec", "restartAt"]);
        assert_eq!(
            Kind::DaemonSet.restart_path("k"),
            ["spec", "template", "metadata", "annotations", "k"]
        );
        assert_eq!(
            Kind::controller_from_api("apps/v2", "Deployment"),
            Some(Kind::Deployment)
        );
        assert_eq!(Kind::controller_from_api("v1", "Deployment"), None);
    }

    #[test]
    fn text_puts_the_place_in_front() {
        let finding = Finding::warning(Code::BrokenReference, "`../x` does not exist")
            .at(Place::new("apps/kustomization.yaml", Some(4)));
        assert_eq!(
            finding.text(),
            "apps/kustomization.yaml:4: `../x` does not exist"
        );
        assert_eq!(finding.to_string(), finding.text());
        let plain = Finding::info(Code::OwnerInferred, "inferred");
        assert_eq!(plain.text(), "inferred");
        assert_eq!(
            Finding::warning(Code::SnapshotNoPods, "no pods")
                .at(Place::input("snap.json"))
                .text(),
            "snap.json: no pods"
        );
    }

    #[test]
    fn json_holds_the_old_string_and_the_place() {
        let finding = Finding::critical(Code::PdbBlocksEviction, "blocked")
            .at(Place::new("apps/a.yaml", Some(3)))
            .about(WorkloadId::new(Some("shop"), Kind::Deployment, "web"));
        assert_eq!(
            serde_json::to_value(&finding).unwrap(),
            serde_json::json!({
                "code": "pdb-blocks-eviction",
                "severity": "critical",
                "message": "apps/a.yaml:3: blocked",
                "file": "apps/a.yaml",
                "line": 3
            })
        );
        let bare = serde_json::to_value(Finding::info(Code::PatchedInOverlay, "x")).unwrap();
        assert_eq!(bare["file"], serde_json::Value::Null);
        assert_eq!(bare["line"], serde_json::Value::Null);
    }

    #[test]
    fn codes_are_kebab_case_as_serialized() {
        for code in Code::ALL {
            assert_eq!(
                serde_json::to_value(code).unwrap(),
                serde_json::Value::String(code.as_str().to_owned())
            );
        }
        for severity in [Severity::Critical, Severity::Warning, Severity::Info] {
            assert_eq!(
                serde_json::to_value(severity).unwrap(),
                serde_json::Value::String(severity.as_str().to_owned())
            );
        }
    }

    /// `Code::ALL` is every code (the schema is generated from the enum itself), and
    /// `docs/findings.md` documents each, so the docs can't drift from the code.
    #[test]
    fn every_code_is_documented() {
        let schema = crate::report::json::schema();
        let mut in_schema: Vec<String> = schema["$defs"]["Code"]["oneOf"]
            .as_array()
            .expect("Code is a oneOf of documented constants")
            .iter()
            .map(|branch| branch["const"].as_str().expect("a const").to_owned())
            .collect();
        in_schema.sort();
        let mut all: Vec<String> = Code::ALL.iter().map(|c| c.as_str().to_owned()).collect();
        all.sort();
        assert_eq!(all, in_schema, "Code::ALL must list every code");
        let docs = include_str!("../docs/findings.md");
        for code in Code::ALL {
            assert!(
                docs.contains(&format!("| `{code}` |")),
                "docs/findings.md has no row for `{code}`"
            );
        }
    }
}
