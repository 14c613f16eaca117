//! The plan: which workloads get which action, and the file edits that carry it out.
//!
//! One [`Plan`] feeds every delivery: `plan` prints it, `apply` writes its edits, and what a user
//! reviews is byte for byte what gets written. Building a plan does no I/O; it takes the
//! repository [`Index`] and returns plain data.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::edit::{Manifest, Workload, WorkloadKind};
use crate::inventory::{AffectedWorkload, Disposition};
use crate::repo::{Index, ManifestFile, Skipped};
use crate::time::{format_time, parse_time};

/// What gitops-restart does for one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The restart value is written into the manifest.
    Bump,
    /// The manifest already carries a restart value at or after the cutoff.
    AlreadyBumped,
    /// Someone must act by hand; `reason` says what.
    Manual,
    /// No manifest in the repository defines the workload.
    NotFound,
    /// Several manifests could define it and none can be preferred.
    Ambiguous,
    /// Nothing to do (for example the pods finish on their own).
    Skipped,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Bump => "bump",
            Action::AlreadyBumped => "already-bumped",
            Action::Manual => "manual",
            Action::NotFound => "not-found",
            Action::Ambiguous => "ambiguous",
            Action::Skipped => "skipped",
        }
    }
}

/// A workload named on the command line as `NAMESPACE/KIND/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRef {
    pub namespace: String,
    pub kind: WorkloadKind,
    pub name: String,
}

impl FromStr for WorkloadRef {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.split('/').collect();
        let [namespace, kind, name] = parts[..] else {
            return Err(format!(
                "`{s}` is not NAMESPACE/KIND/NAME (two slashes), for example shop/Deployment/frontend"
            ));
        };
        if namespace.is_empty() || name.is_empty() {
            return Err(format!("`{s}`: namespace and name must not be empty"));
        }
        let kind = WorkloadKind::parse(kind).ok_or_else(|| {
            format!(
                "`{s}`: kind `{kind}` is not one of Deployment, StatefulSet, DaemonSet, Rollout"
            )
        })?;
        Ok(WorkloadRef {
            namespace: namespace.to_owned(),
            kind,
            name: name.to_owned(),
        })
    }
}

/// Which workloads the plan is about.
#[derive(Debug, Clone)]
pub enum Targets {
    /// Every restartable workload in the repository.
    All,
    /// The named workloads only.
    Named(Vec<WorkloadRef>),
    /// The workloads whose pods EKS will evict, from an inventory.
    Affected(Vec<AffectedWorkload>),
}

/// What the planner needs besides the repository.
#[derive(Debug, Clone)]
pub struct PlanInput {
    pub targets: Targets,
    /// The value written as the restart time.
    pub restarted_at: DateTime<Utc>,
    /// Pods created before this are affected; manifests restarted at or after it are done.
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub cluster: Option<String>,
    /// The pod-template annotation key.
    pub annotation: String,
    /// Warnings from reading the inputs (snapshot, notices), carried into the report.
    pub warnings: Vec<String>,
}

/// One workload's line in the plan.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedWorkload {
    pub namespace: Option<String>,
    /// The kind as Kubernetes spells it; besides the restartable kinds, `Job`, `CronJob`, `Pod`
    /// and others appear for affected pods that no git edit restarts.
    pub kind: String,
    pub name: String,
    pub pods: Option<usize>,
    pub oldest_pod_created: Option<String>,
    pub action: Action,
    pub file: Option<String>,
    pub line: Option<usize>,
    pub reason: Option<String>,
    pub warnings: Vec<String>,
}

impl PlannedWorkload {
    /// `namespace/Kind/name`, with `-` for a namespace the manifest doesn't declare.
    pub fn id(&self) -> String {
        let namespace = self.namespace.as_deref().unwrap_or("-");
        format!("{namespace}/{}/{}", self.kind, self.name)
    }
}

/// A file's text before and after the plan's edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    pub before: String,
    pub after: String,
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub cluster: Option<String>,
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub restarted_at: DateTime<Utc>,
    pub workloads: Vec<PlannedWorkload>,
    pub edits: Vec<FileEdit>,
    pub warnings: Vec<String>,
    pub skipped_files: Vec<Skipped>,
}

impl Plan {
    /// Whether applying the plan would change any file.
    pub fn has_pending_edits(&self) -> bool {
        !self.edits.is_empty()
    }
}

/// The file and document index that define a located workload.
type Source<'i> = (&'i ManifestFile, usize);

/// Build the plan for `input` over the repository `index`.
pub fn build(index: &Index, input: &PlanInput) -> Plan {
    // Each planned workload, with the file and document that define it when located.
    let mut planned: Vec<(PlannedWorkload, Option<Source>)> = Vec::new();
    match &input.targets {
        Targets::All => {
            for (file, w) in index.workloads() {
                planned.push((
                    located_workload(file, w, Vec::new(), input),
                    Some((file, w.doc)),
                ));
            }
        }
        Targets::Named(refs) => {
            for target in refs {
                planned.push(locate_named(index, target, input));
            }
        }
        Targets::Affected(affected) => {
            for workload in affected {
                planned.push(plan_affected(index, workload, input));
            }
        }
    }
    let value = format_time(input.restarted_at);
    // The workloads to bump, grouped by file (in path order, so edits come out sorted).
    let mut bumps: BTreeMap<&str, Vec<(usize, Source)>> = BTreeMap::new();
    for (slot, (workload, source)) in planned.iter().enumerate() {
        if let (Action::Bump, Some(source)) = (workload.action, source) {
            bumps
                .entry(&source.0.path)
                .or_default()
                .push((slot, *source));
        }
    }
    let mut workloads: Vec<PlannedWorkload> = planned.iter().map(|(w, _)| w.clone()).collect();
    let mut edits = Vec::new();
    for (path, targets) in bumps {
        let file = targets[0].1.0;
        let docs: Vec<usize> = targets.iter().map(|(_, (_, doc))| *doc).collect();
        // All of a file's workloads in one edit (the index kept the parse); when that is
        // refused, one at a time, so that one bad workload leaves the others' edits intact.
        let together = match &file.parsed {
            Some(parsed) => {
                Manifest::from_parsed(&file.text, parsed).restart(&docs, &input.annotation, &value)
            }
            None => Manifest::parse(&file.text, &input.annotation)
                .and_then(|m| m.restart(&docs, &input.annotation, &value)),
        };
        let mut text = file.text.clone();
        match together {
            Ok(after) => text = after,
            Err(_) => {
                for (slot, (_, doc)) in targets {
                    let result = Manifest::parse(&text, &input.annotation)
                        .and_then(|m| m.restart(&[doc], &input.annotation, &value));
                    match result {
                        Ok(after) => text = after,
                        Err(err) => {
                            let refused = &mut workloads[slot];
                            refused.action = Action::Manual;
                            refused.line = Some(err.line());
                            refused.reason = Some(format!("{path}:{}", located(&err)));
                        }
                    }
                }
            }
        }
        if text != file.text {
            edits.push(FileEdit {
                path: path.to_owned(),
                before: file.text.clone(),
                after: text,
            });
        }
    }
    Plan {
        cluster: input.cluster.clone(),
        launched_before: input.launched_before,
        deadline: input.deadline,
        restarted_at: input.restarted_at,
        workloads,
        edits,
        warnings: input.warnings.clone(),
        skipped_files: index.skipped.clone(),
    }
}

/// The plan line for a workload with affected pods: located and bumped when a git edit restarts
/// it, else skipped or manual as the inventory decided.
fn plan_affected<'i>(
    index: &'i Index,
    affected: &AffectedWorkload,
    input: &PlanInput,
) -> (PlannedWorkload, Option<Source<'i>>) {
    let restartable = WorkloadKind::parse(affected.kind.as_str());
    let (mut planned, source) = match (&affected.disposition, restartable) {
        (Disposition::Restart, Some(kind)) => {
            let target = WorkloadRef {
                namespace: affected.namespace.clone(),
                kind,
                name: affected.name.clone(),
            };
            locate_named(index, &target, input)
        }
        (Disposition::Skipped { reason }, _) => {
            (unplanned(affected, Action::Skipped, reason.clone()), None)
        }
        (Disposition::Manual { reason }, _) => {
            (unplanned(affected, Action::Manual, reason.clone()), None)
        }
        (Disposition::Restart, None) => {
            let reason = format!(
                "a {} is not restarted through git: restart it by hand",
                affected.kind
            );
            (unplanned(affected, Action::Manual, reason), None)
        }
    };
    planned.pods = Some(affected.pods);
    planned.oldest_pod_created = Some(format_time(affected.oldest_pod_created));
    // What the cluster tells comes first, then what locating found.
    let mut warnings = affected.warnings.clone();
    warnings.append(&mut planned.warnings);
    planned.warnings = warnings;
    (planned, source)
}

fn unplanned(affected: &AffectedWorkload, action: Action, reason: String) -> PlannedWorkload {
    PlannedWorkload {
        namespace: Some(affected.namespace.clone()),
        kind: affected.kind.to_string(),
        name: affected.name.clone(),
        pods: None,
        oldest_pod_created: None,
        action,
        file: None,
        line: None,
        reason: Some(reason),
        warnings: Vec::new(),
    }
}

/// Find the manifest of a workload named on the command line.
///
/// A manifest with the same namespace wins; one that declares no namespace is taken only when it
/// is the only candidate. Several equal candidates are `ambiguous`, never a guess.
fn locate_named<'i>(
    index: &'i Index,
    target: &WorkloadRef,
    input: &PlanInput,
) -> (PlannedWorkload, Option<Source<'i>>) {
    let candidates: Vec<(&ManifestFile, &Workload)> = index
        .workloads()
        .filter(|(_, w)| w.kind == target.kind && w.name == target.name)
        .collect();
    let exact: Vec<_> = candidates
        .iter()
        .filter(|(_, w)| w.namespace.as_deref() == Some(target.namespace.as_str()))
        .collect();
    let loose: Vec<_> = candidates
        .iter()
        .filter(|(_, w)| w.namespace.is_none())
        .collect();
    let chosen = if exact.is_empty() { &loose } else { &exact };
    match chosen.as_slice() {
        [(file, w)] => {
            let warnings = if w.namespace.is_none() {
                vec![format!(
                    "the manifest declares no namespace; matched by kind and name as the only \
                     candidate for namespace {}",
                    target.namespace
                )]
            } else {
                Vec::new()
            };
            let mut workload = located_workload(file, w, warnings, input);
            workload.namespace = Some(target.namespace.clone());
            (workload, Some((file, w.doc)))
        }
        [] => {
            let reason = format!(
                "no manifest in the repository defines {} {} (in namespace {} or without one)",
                target.kind, target.name, target.namespace
            );
            (unlocated(target, Action::NotFound, reason), None)
        }
        several => {
            let sites: Vec<String> = several
                .iter()
                .map(|(f, w)| format!("{}:{}", f.path, w.line))
                .collect();
            let reason = format!(
                "{} manifests could define it: {}; set the namespace in the manifest or exclude the others",
                several.len(),
                sites.join(", ")
            );
            (unlocated(target, Action::Ambiguous, reason), None)
        }
    }
}

/// An edit error as `LINE: message`, to follow a file name.
fn located(err: &crate::edit::EditError) -> String {
    let text = err.to_string();
    let prefix = format!("line {}: ", err.line());
    match text.strip_prefix(&prefix) {
        Some(rest) => format!("{}: {rest}", err.line()),
        None => text,
    }
}

/// The plan line for a workload found in `file`.
fn located_workload(
    file: &ManifestFile,
    w: &Workload,
    warnings: Vec<String>,
    input: &PlanInput,
) -> PlannedWorkload {
    let (action, reason) = already_bumped(w, input);
    PlannedWorkload {
        namespace: w.namespace.clone(),
        kind: w.kind.to_string(),
        name: w.name.clone(),
        pods: None,
        oldest_pod_created: None,
        action,
        file: Some(file.path.clone()),
        line: Some(w.line),
        reason,
        warnings,
    }
}

/// `already-bumped` when the manifest's restart value is the one we'd write, or at or after the
/// cutoff; else `bump`.
fn already_bumped(w: &Workload, input: &PlanInput) -> (Action, Option<String>) {
    let Some(current) = w.restarted_at.as_deref() else {
        return (Action::Bump, None);
    };
    let Ok(current_time) = parse_time(current) else {
        return (Action::Bump, None);
    };
    if current_time == input.restarted_at {
        return (
            Action::AlreadyBumped,
            Some(format!("the manifest already carries {current}")),
        );
    }
    match input.launched_before {
        Some(cutoff) if current_time >= cutoff => (
            Action::AlreadyBumped,
            Some(format!(
                "the manifest already carries {current}, after the cutoff {}: merged, waiting for sync",
                format_time(cutoff)
            )),
        ),
        _ => (Action::Bump, None),
    }
}

fn unlocated(target: &WorkloadRef, action: Action, reason: String) -> PlannedWorkload {
    PlannedWorkload {
        namespace: Some(target.namespace.clone()),
        kind: target.kind.to_string(),
        name: target.name.clone(),
        pods: None,
        oldest_pod_created: None,
        action,
        file: None,
        line: None,
        reason: Some(reason),
        warnings: Vec::new(),
    }
}
