//! Verification after merge and sync: which Fargate pods still predate the cutoff, and what to
//! do about each workload that owns some.
//!
//! Responsibility: run the same [`affected`] analysis the plan uses over an inventory (live or
//! snapshot), then tell for each workload why its old pods are still there, from three facts:
//! whether the live controller already carries a restart value at or after the cutoff (then
//! the rollout is stuck), whether the repository's manifest does (then Argo CD or Flux has not
//! synced yet), or neither (the restart was never merged). Standalone pods, `OnDelete`
//! workloads and Job pods keep the steps [`affected`] gives them. Renders the result as text,
//! JSON or markdown.
//!
//! It must not do I/O or print: it takes the inventory and the repository index, and renderers
//! write into the writer they are given. It never changes the cluster or the repository.
//!
//! Invariants: workloads come out in [`affected`]'s order (namespace, kind, name) with their pod
//! names sorted, so the same situation gives the same bytes; `remaining_pods` is the sum of the
//! workloads' pods, and zero exactly when there is nothing left (exit 0).

use std::fmt::Write as _;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::Serialize;

use crate::config::Config;
use crate::inventory::{AffectedOptions, AffectedWorkload, Disposition, Inventory, affected};
use crate::model::{Finding, Kind, WorkloadId};
use crate::plan::{self, Action, PlanInput, Targets};
use crate::repo::Index;
use crate::report::escape;
use crate::time::{format_time, parse_time};

/// Version of the JSON report's shape; bumped only for incompatible changes (2: warnings are
/// objects with a code, a severity and a place).
pub const SCHEMA: u32 = 2;

/// `verify --help`, after the options.
pub const HELP: &str = "\
Run it after the restart PR merged and Argo CD or Flux synced. The inventory is the live
cluster (as for `plan`) or --snapshot; the cutoff comes from --notice or --launched-before.
Each workload that still owns Fargate pods created before the cutoff is listed with its pods
and one status:
  rollout-stuck      the cluster's workload carries the restart, old pods remain (PDB, failing
                       new pods, paused): see `kubectl rollout status`
  sync-pending       the manifest in --repo carries the restart, the cluster not yet: sync
  not-restarted      neither carries it: run `gitops-restart pr`, merge, sync
  not-in-repository  no manifest defines it: restart it by hand
  manual             a standalone pod or an OnDelete workload: the steps are given
  finishing          Job pods: they end on their own

Exit codes: 0 no old pod remains; 1 error; 2 old pods remain.

Examples:
  gitops-restart verify --notice health-event.json
  gitops-restart verify --context prod-eks --launched-before 2026-11-20 --output markdown \\
      >> \"$GITHUB_STEP_SUMMARY\"";

/// Why a workload still has old pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The live controller carries the restart, yet old pods remain (a PodDisruptionBudget
    /// that allows no disruption, new pods that fail or stay Pending, a paused rollout).
    RolloutStuck,
    /// The repository carries the restart; the cluster does not yet: Argo CD or Flux has not
    /// synced it.
    SyncPending,
    /// Neither the repository nor the cluster carries a restart at or after the cutoff.
    NotRestarted,
    /// No manifest (or several) in the repository defines it: restart it by hand.
    NotInRepository,
    /// Someone must act by hand: a standalone pod, an `OnDelete` workload.
    Manual,
    /// Job pods: they finish on their own.
    Finishing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::RolloutStuck => "rollout-stuck",
            Status::SyncPending => "sync-pending",
            Status::NotRestarted => "not-restarted",
            Status::NotInRepository => "not-in-repository",
            Status::Manual => "manual",
            Status::Finishing => "finishing",
        }
    }
}

/// A workload that still owns Fargate pods created before the cutoff.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct Remaining {
    /// The workload's namespace.
    pub namespace: String,
    /// The kind as Kubernetes spells it: `Deployment`, `StatefulSet`, `DaemonSet`, `Rollout`,
    /// or `Job`, `CronJob`, `Pod` and others for pods that no git edit restarts.
    pub kind: Kind,
    /// The workload's name (`metadata.name`).
    pub name: String,
    /// How many of its pods are old: created before the cutoff, or named by the notice (at
    /// least 1).
    pub pods: usize,
    /// When the oldest of those pods was created (RFC 3339 UTC).
    #[schemars(extend("format" = "date-time"))]
    pub oldest_pod_created: String,
    /// Why old pods remain.
    pub status: Status,
    /// What to do next, in one or two sentences with the commands.
    pub next_step: String,
    /// The manifest in the repository that restarts it, relative to the repository root (as the
    /// plan report's `file`), when it was located and the cluster does not carry the restart
    /// yet; else null.
    pub file: Option<String>,
    /// 1-based line in `file` (as the plan report's `line`); null without `file` or when not
    /// known.
    pub line: Option<usize>,
    /// The names of the old pods, sorted.
    pub pod_names: Vec<String>,
    /// What to check about this workload before the deadline (as the plan report's workload
    /// warnings).
    pub warnings: Vec<Finding>,
}

impl Remaining {
    /// The workload's name across the pipeline; shown as `namespace/Kind/name`.
    pub fn id(&self) -> WorkloadId {
        WorkloadId::new(Some(&self.namespace), self.kind.clone(), &self.name)
    }
}

/// The JSON report of `verify` (`--output json`): the Fargate pods still created before the
/// cutoff, by workload, each with why it remains and the next step. Every member is always
/// present (`null` when it has no value). Times are RFC 3339 UTC in whole seconds
/// (`2026-11-20T09:00:00Z`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[schemars(title = "gitops-restart verify report")]
pub struct Verification {
    /// Version of the report's shape: 2 (since warnings became objects). Raised only for
    /// incompatible changes; members may be added within a version.
    #[schemars(extend("const" = SCHEMA))]
    pub schema: u32,
    /// The cluster checked (`--cluster`, else from the notice, else the kube context); null
    /// when unknown.
    pub cluster: Option<String>,
    /// The cutoff: Fargate pods created before it count as old (`--launched-before` or the
    /// notice); null when there is none and the notices (EKS scheduled-termination events) name
    /// the pods instead.
    #[schemars(extend("format" = "date-time"))]
    pub launched_before: Option<String>,
    /// When EKS will evict the old pods (`--deadline` or the notice); null when unknown.
    #[schemars(extend("format" = "date-time"))]
    pub deadline: Option<String>,
    /// Old pods left, over every workload: the sum of the workloads' `pods`; 0 exactly when
    /// `workloads` is empty (and the exit code is 0).
    pub remaining_pods: usize,
    /// The workloads that still own old pods, by namespace, kind and name; empty when nothing
    /// is left for EKS to evict.
    pub workloads: Vec<Remaining>,
    /// Warnings about the whole run: inputs that could not be read in full, a repository
    /// without manifests.
    pub warnings: Vec<Finding>,
}

impl Verification {
    /// Whether nothing is left for EKS to evict.
    pub fn is_clean(&self) -> bool {
        self.workloads.is_empty()
    }
}

/// What [`check`] needs.
pub struct VerifyInput<'a> {
    pub inventory: &'a Inventory,
    pub options: &'a AffectedOptions,
    /// The GitOps repository, to tell a pending sync from a restart never merged; `None` when
    /// it holds no manifest at all.
    pub index: Option<&'a Index>,
    pub annotation: &'a str,
    /// The repository's configuration, for locating as the plan does.
    pub config: &'a Config,
    pub cluster: Option<String>,
    pub deadline: Option<DateTime<Utc>>,
    /// Warnings from reading the inputs, carried into the report.
    pub warnings: Vec<Finding>,
}

/// Which Fargate pods still predate the cutoff, grouped by workload, with the next step.
pub fn check(input: VerifyInput<'_>) -> Verification {
    let workloads = affected(input.inventory, input.options);
    let launched_before = input.options.launched_before;
    // The repository's view, through the same locating the plan does.
    let planned = input.index.map(|index| {
        let plan_input = PlanInput {
            targets: Targets::Affected(workloads.clone()),
            restarted_at: launched_before.unwrap_or(DateTime::<Utc>::MAX_UTC),
            // Only the decisions are read: no report shows this plan's dates.
            restarted_from: crate::settings::RestartFrom::Cutoff,
            now: launched_before.unwrap_or(DateTime::<Utc>::MAX_UTC),
            launched_before,
            deadline: input.deadline,
            cluster: input.cluster.clone(),
            annotation: input.annotation.to_owned(),
            warnings: Vec::new(),
            config: input.config.clone(),
            gitops: input.inventory.gitops().clone(),
        };
        plan::build(index, &plan_input).workloads
    });
    let remaining: Vec<Remaining> = workloads
        .iter()
        .map(|w| {
            let repo = match &planned {
                None => RepoView::Unknown,
                Some(planned) => planned
                    .iter()
                    .find(|p| p.id() == w.id())
                    .map_or(RepoView::Missing, RepoView::Planned),
            };
            classify(w, input.inventory, input.annotation, launched_before, repo)
        })
        .collect();
    Verification {
        schema: SCHEMA,
        cluster: input.cluster,
        launched_before: launched_before.map(format_time),
        deadline: input.deadline.map(format_time),
        remaining_pods: remaining.iter().map(|r| r.pods).sum(),
        workloads: remaining,
        warnings: input.warnings,
    }
}

/// The live controller's restart value, when it is at or after the cutoff.
fn live_restart(
    w: &AffectedWorkload,
    inventory: &Inventory,
    annotation: &str,
    cutoff: Option<DateTime<Utc>>,
) -> Option<(String, bool)> {
    let controller = inventory.controller(&w.kind, &w.namespace, &w.name)?;
    let value = if w.kind == Kind::Rollout {
        controller.restart_at.clone()
    } else {
        controller.template_annotations.get(annotation).cloned()
    }?;
    let time = parse_time(&value).ok()?;
    cutoff
        .is_none_or(|cutoff| time >= cutoff)
        .then_some((value, controller.paused))
}

/// `kubectl rollout status` for the kind, or the Argo Rollouts plugin's.
fn status_command(w: &AffectedWorkload) -> String {
    if w.kind == Kind::Rollout {
        format!("kubectl argo rollouts status {} -n {}", w.name, w.namespace)
    } else {
        format!(
            "kubectl rollout status -n {} {}/{}",
            w.namespace,
            w.kind.as_str().to_lowercase(),
            w.name
        )
    }
}

/// What the repository says about a workload.
#[derive(Clone, Copy)]
enum RepoView<'p> {
    /// No manifests to look in.
    Unknown,
    /// The plan has no line for it.
    Missing,
    Planned(&'p plan::PlannedWorkload),
}

fn classify(
    w: &AffectedWorkload,
    inventory: &Inventory,
    annotation: &str,
    cutoff: Option<DateTime<Utc>>,
    repo: RepoView<'_>,
) -> Remaining {
    let (mut file, mut line) = (None, None);
    let (status, next_step) = match &w.disposition {
        Disposition::Manual { reason } => (Status::Manual, reason.clone()),
        Disposition::Skipped { reason } => (Status::Finishing, reason.clone()),
        Disposition::Restart => {
            if let Some((value, paused)) = live_restart(w, inventory, annotation, cutoff) {
                stuck(w, &value, paused)
            } else {
                if let RepoView::Planned(planned) = repo
                    && let Some(place) = planned.decision.place()
                {
                    file = Some(place.file.clone());
                    line = place.line;
                }
                from_repo(w, repo)
            }
        }
    };
    Remaining {
        namespace: w.namespace.clone(),
        kind: w.kind.clone(),
        name: w.name.clone(),
        pods: w.pods,
        oldest_pod_created: format_time(w.oldest_pod_created),
        status,
        next_step,
        file,
        line,
        pod_names: w.pod_names.clone(),
        warnings: w.warnings.clone(),
    }
}

/// The cluster's workload carries the restart `value`, yet old pods remain.
fn stuck(w: &AffectedWorkload, value: &str, paused: bool) -> (Status, String) {
    let why = if paused {
        format!(
            "it is paused: resume it (`kubectl rollout resume -n {} {}/{}`)",
            w.namespace,
            w.kind.as_str().to_lowercase(),
            w.name
        )
    } else {
        "check why: a PodDisruptionBudget that allows no disruption, new pods that fail to start \
         or stay Pending (Fargate profile, quota), a failed progress deadline"
            .to_owned()
    };
    (
        Status::RolloutStuck,
        format!(
            "the cluster's {} already carries the restart {value}, but old pods remain: {why}; \
             watch `{}`",
            w.kind,
            status_command(w)
        ),
    )
}

/// The command that restarts a workload by hand, for one no manifest defines: the next step
/// `verify` and the reports give. The names come from the cluster: each is a shell word.
pub(crate) fn restart_command(namespace: Option<&str>, kind: &Kind, name: &str) -> String {
    let namespace =
        namespace.map_or_else(String::new, |ns| format!("-n {} ", escape::shell_word(ns)));
    format!(
        "kubectl rollout restart {namespace}{}",
        escape::shell_word(&format!("{}/{name}", kind.as_str().to_lowercase()))
    )
}

/// The next step for a workload no manifest defines, `command` the [`restart_command`] as
/// the report shows it (a code span, or plain on a terminal).
pub(crate) fn by_hand(command: &str) -> String {
    format!("restart it by hand: {command} or with its owner's tooling")
}

/// The cluster does not carry the restart: what the repository says decides the next step.
fn from_repo(w: &AffectedWorkload, repo: RepoView<'_>) -> (Status, String) {
    let planned = match repo {
        RepoView::Unknown => {
            return (
                Status::NotRestarted,
                "the cluster carries no restart at or after the cutoff: if the change is merged, \
                 Argo CD or Flux has not synced it yet; else run `gitops-restart pr` (no manifests \
                 were found to tell which; give --repo)"
                    .to_owned(),
            );
        }
        RepoView::Missing => {
            return (
                Status::NotInRepository,
                "not in the plan's repository view: restart it by hand (`kubectl rollout \
                 restart`) or fix --repo"
                    .to_owned(),
            );
        }
        RepoView::Planned(planned) => planned,
    };
    let at = planned
        .decision
        .place()
        .map_or_else(String::new, |place| format!(" ({place})"));
    match planned.decision.action() {
        Action::AlreadyBumped => (
            Status::SyncPending,
            format!(
                "the repository carries the restart{at}, the cluster not yet: Argo CD or Flux \
                 has not synced it; check the application (`argocd app get`, `flux get \
                 kustomizations`) and sync or reconcile it"
            ),
        ),
        Action::Bump => (
            Status::NotRestarted,
            format!(
                "the manifest{at} carries no restart at or after the cutoff: run `gitops-restart \
                 pr` (or `apply` and commit), merge, and let Argo CD or Flux sync"
            ),
        ),
        Action::NotFound | Action::Ambiguous => (
            Status::NotInRepository,
            format!(
                "{}; {}",
                planned.decision.reason().unwrap_or("not in the repository"),
                by_hand(&format!(
                    "`{}`",
                    restart_command(Some(&w.namespace), &w.kind, &w.name)
                )),
            ),
        ),
        Action::Manual | Action::Skipped => (
            Status::Manual,
            planned
                .decision
                .reason()
                .unwrap_or("restart it by hand")
                .to_owned(),
        ),
    }
}

const BOLD: Style = Style::new().bold();
const WARN: Style = AnsiColor::Yellow.on_default();
const BAD: Style = AnsiColor::Red.on_default();
const DIM: Style = Style::new().dimmed();
const GOOD: Style = AnsiColor::Green.on_default();

/// How many pod names a text or markdown line lists before `and N more`.
const NAMES_SHOWN: usize = 10;

pub(crate) fn pod_list(names: &[String]) -> String {
    crate::report::first_and_more(names, NAMES_SHOWN)
}

/// ` created before CUTOFF on CLUSTER`, each shown through `shown` (an escaping function).
pub(crate) fn scope(v: &Verification, shown: fn(&str) -> String) -> String {
    let mut text = String::new();
    if let Some(cutoff) = &v.launched_before {
        let _ = write!(text, " created before {}", shown(cutoff));
    }
    if let Some(cluster) = &v.cluster {
        let _ = write!(text, " on {}", shown(cluster));
    }
    text
}

/// Outside text for the text report.
fn text(s: &str) -> String {
    escape::text(s).into_owned()
}

/// Text for a terminal or CI log, `now` the time of the run (the deadline's countdown);
/// outside text shown through [`escape::text`]. The status is coloured as `plan` colours its
/// actions (red: not restarted or stuck; yellow: waiting or for a person), and a critical
/// warning (lost at the deadline) is marked `!`.
pub fn render_text(
    v: &Verification,
    now: DateTime<Utc>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if v.is_clean() {
        writeln!(
            out,
            "{GOOD}No Fargate pods{} remain: nothing left for EKS to evict.{GOOD:#}",
            scope(v, text)
        )?;
    } else {
        writeln!(
            out,
            "{BOLD}{} Fargate pod(s){} remain, in {} workload(s).{BOLD:#}",
            v.remaining_pods,
            scope(v, text),
            v.workloads.len()
        )?;
        if let Some(deadline) = &v.deadline {
            match parse_time(deadline) {
                Ok(at) => writeln!(
                    out,
                    "deadline: {}",
                    crate::report::text::deadline_counted(at, now)
                )?,
                Err(_) => writeln!(out, "deadline: {}", text(deadline))?,
            }
        }
        for w in &v.workloads {
            let style = match w.status {
                Status::NotRestarted | Status::RolloutStuck => BAD,
                Status::SyncPending | Status::NotInRepository | Status::Manual => WARN,
                Status::Finishing => DIM,
            };
            writeln!(out)?;
            writeln!(
                out,
                "{style}{}{style:#}  {}: {} pod(s), oldest {}",
                w.status.as_str(),
                text(&w.id().to_string()),
                w.pods,
                text(&w.oldest_pod_created)
            )?;
            writeln!(out, "  next: {}", text(&w.next_step))?;
            writeln!(out, "  pods: {}", text(&pod_list(&w.pod_names)))?;
            for warning in &w.warnings {
                if warning.severity == crate::model::Severity::Critical {
                    let mark = crate::report::text::critical_mark();
                    writeln!(out, "  {mark} {}", text(&warning.text()))?;
                } else {
                    writeln!(out, "  {WARN}warning:{WARN:#} {}", text(&warning.text()))?;
                }
            }
        }
    }
    if !v.warnings.is_empty() {
        writeln!(out)?;
        for warning in &v.warnings {
            writeln!(out, "{WARN}warning:{WARN:#} {}", text(&warning.text()))?;
        }
    }
    Ok(())
}

/// The JSON Schema of the JSON report (`schema/verify.schema.json`), generated from the types.
pub fn schema() -> serde_json::Value {
    crate::report::schema_for::<Verification>()
}

/// The JSON report, one document and a newline.
pub fn render_json(v: &Verification, out: &mut dyn Write) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)
}

/// Markdown, for a step summary or a PR comment, whole ([`crate::report::verification`]
/// builds it, and cuts it where a limit applies).
pub fn render_markdown(v: &Verification, out: &mut dyn Write) -> std::io::Result<()> {
    use crate::report::{budget::Budget, verification};
    out.write_all(
        verification::render_within(v, Budget::UNLIMITED, verification::VERIFY).as_bytes(),
    )
}
