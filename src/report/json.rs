//! The JSON report: its stable schema (`schema/report.schema.json`), for scripts and the GitHub Action.

use std::io::Write;

use schemars::JsonSchema;
use serde::Serialize;

use super::unified_diff;
use crate::model::{Finding, Kind};
use crate::plan::{Action, Plan, PlannedWorkload};
use crate::repo::Skipped;
use crate::report::pull_request::PullRequestReport;
use crate::time::format_time;

/// Version of the report's shape; bumped only for incompatible changes (2: warnings are objects
/// with a code, a severity and a place).
pub const SCHEMA: u32 = 2;

/// The JSON report of `plan`, `apply` and `pr` (`--output json`): the workloads whose pods EKS
/// will evict, what gitops-restart does for each, and the edits that carry it out. Every member
/// is always present (`null` when it has no value), except `pull_request`, which only `pr`
/// adds. Times are RFC 3339 UTC in whole seconds (`2026-11-20T09:00:00Z`).
#[derive(Serialize, JsonSchema)]
#[schemars(title = "gitops-restart plan report")]
struct Report<'p> {
    /// Version of the report's shape: 2 (since warnings became objects). Raised only for
    /// incompatible changes; members may be added within a version.
    #[schemars(extend("const" = SCHEMA))]
    schema: u32,
    /// The cluster being restarted (`--cluster`, else from the notice, else the kube context);
    /// null when unknown.
    cluster: Option<&'p str>,
    /// The cutoff: Fargate pods created before it are evicted, and a manifest already
    /// restarted at or after it is `already-bumped`. From `--launched-before` or the notice;
    /// null when there is none (the notices name the pods instead, or `--workload` and
    /// `--all-workloads` without one).
    #[schemars(extend("format" = "date-time"))]
    launched_before: Option<String>,
    /// When EKS will evict the old pods (`--deadline` or the notice); null when unknown.
    #[schemars(extend("format" = "date-time"))]
    deadline: Option<String>,
    /// The restart value written into the manifests (`--restarted-at`, else the cutoff, else
    /// the time of the run).
    #[schemars(extend("format" = "date-time"))]
    restarted_at: String,
    /// One entry per workload: from an inventory, those with pods to evict, by namespace, kind
    /// and name; else the workloads named with `--workload`, in that order, or every
    /// restartable workload of the repository (`--all-workloads`), in file order.
    workloads: Vec<Workload<'p>>,
    /// The file changes that carry out the `bump` actions, in path order; empty when nothing is
    /// left to change.
    edits: Vec<Edit<'p>>,
    /// Warnings about the whole run: inputs that could not be read in full, notices, the
    /// repository.
    warnings: &'p [Finding],
    /// Files of the repository that could have mattered but were not considered, and why: text
    /// that shows a Kubernetes object (an `apiVersion` and a `kind`) or that a kustomization
    /// lists, and that could not be read or edited. Other YAML (CI workflows) is never listed.
    skipped_files: &'p [Skipped],
    /// `pr` only: what happened to the pull request. Absent from the reports of `plan` and
    /// `apply`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "PullRequestReport")]
    pull_request: Option<&'p PullRequestReport>,
}

/// One workload's line in the plan.
#[derive(Serialize, JsonSchema)]
#[schemars(rename = "PlannedWorkload")]
struct Workload<'p> {
    /// The workload's namespace; null for a manifest (`--all-workloads`) that declares none.
    namespace: Option<&'p str>,
    /// The kind as Kubernetes spells it; besides the restartable kinds, `Job`, `CronJob`, `Pod`
    /// and others appear for affected pods that no git edit restarts.
    kind: &'p Kind,
    /// The workload's name (`metadata.name`).
    name: &'p str,
    /// How many of its pods EKS will evict: Fargate pods created before the cutoff, or pods
    /// the notice names. Null without an inventory (`--workload`, `--all-workloads`).
    pods: Option<usize>,
    /// When the oldest of those pods was created (RFC 3339 UTC); null without an inventory.
    #[schemars(extend("format" = "date-time"))]
    oldest_pod_created: Option<&'p str>,
    /// What gitops-restart does for it.
    action: Action,
    /// The file of the edit site, relative to the repository root with `/` separators: the
    /// manifest, an overlay's patch file, or the Helm values' document; for `manual` the file
    /// that could not be edited, when there is one. Null when there is no edit site.
    file: Option<&'p str>,
    /// 1-based line in `file`: the workload's `kind:` key, the patch entry, or the document's
    /// first line; for `manual`, the line the editor refused. Null when not known (an overlay's
    /// patch file yet to be created) or without `file`.
    line: Option<usize>,
    /// Why, in a sentence: set for every action but `bump`, null for `bump`.
    reason: Option<&'p str>,
    /// What to check about this workload before the deadline, each a sentence: a
    /// PodDisruptionBudget that blocks eviction or covers too few pods, a paused workload, an
    /// update strategy that restarts nothing or stops every pod, a single replica, a doubt
    /// while locating its manifest.
    warnings: &'p [Finding],
}

impl<'p> From<&'p PlannedWorkload> for Workload<'p> {
    /// The decision as the members it always had: `action`, `file`, `line`, `reason` (an
    /// ambiguity's candidates are in its reason).
    fn from(w: &'p PlannedWorkload) -> Self {
        let place = w.decision.place();
        Workload {
            namespace: w.namespace.as_deref(),
            kind: &w.kind,
            name: &w.name,
            pods: w.pods,
            oldest_pod_created: w.oldest_pod_created.as_deref(),
            action: w.decision.action(),
            file: place.map(|p| p.file.as_str()),
            line: place.and_then(|p| p.line),
            reason: w.decision.reason(),
            warnings: &w.warnings,
        }
    }
}

/// One file the plan changes or creates.
#[derive(Serialize, JsonSchema)]
struct Edit<'p> {
    /// Path relative to the repository root, with `/` separators.
    file: &'p str,
    /// The change as a unified diff (`--- a/FILE`, `+++ b/FILE`, three lines of context), as
    /// `git diff` shows it; a created file's diff adds every line.
    diff: String,
}

/// The JSON Schema of this report (`schema/report.schema.json`), generated from the types.
pub fn schema() -> serde_json::Value {
    super::schema_for::<Report<'static>>()
}

/// Write the plan as one JSON document followed by a newline.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    render_with_pull_request(plan, None, out)
}

/// The report of `pr`: the plan's, plus `pull_request`.
pub fn render_with_pull_request(
    plan: &Plan,
    pull_request: Option<&PullRequestReport>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let report = Report {
        schema: SCHEMA,
        cluster: plan.cluster.as_deref(),
        launched_before: plan.launched_before.map(format_time),
        deadline: plan.deadline.map(format_time),
        restarted_at: format_time(plan.restarted_at),
        workloads: plan.workloads.iter().map(Workload::from).collect(),
        edits: plan
            .edits
            .iter()
            .map(|e| Edit {
                file: &e.path,
                diff: unified_diff(&e.path, &e.before, &e.after),
            })
            .collect(),
        warnings: &plan.warnings,
        skipped_files: &plan.skipped_files,
        pull_request,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}
