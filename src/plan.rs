//! The plan: which workloads get which action, and the file edits that carry it out.
//!
//! One [`Plan`] feeds every delivery: `plan` prints it, `apply` writes its edits, and what a user
//! reviews is byte for byte what gets written. Building a plan does no I/O; it takes the
//! repository [`Index`] and returns plain data.

use std::collections::BTreeMap;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::config::Config;
use crate::edit::{Manifest, Workload};
use crate::inventory::{AffectedWorkload, Disposition};
use crate::locate::patch::{self, PATCH_FILE, PatchEntry};
use crate::locate::{LiveWorkload, Located, Locator, Site};
use crate::model::{Finding, Kind, Place, WorkloadId};
use crate::repo::{Index, ManifestFile, Skipped};
use crate::settings::RestartFrom;
use crate::time::{format_time, parse_time};

mod decision;

pub use decision::{Action, Decision};

/// A workload named on the command line as `NAMESPACE/KIND/NAME`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRef {
    pub namespace: String,
    /// One of [`Kind::RESTARTABLE`].
    pub kind: Kind,
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
        let kind = Kind::parse_restartable(kind).ok_or_else(|| {
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
    /// Where the restart value comes from, for the reports to explain it.
    pub restarted_from: RestartFrom,
    /// The time of the run (the system's clock, or `GITOPS_RESTART_NOW`): the reports'
    /// countdown to the deadline.
    pub now: DateTime<Utc>,
    /// Pods created before this are affected; manifests restarted at or after it are done.
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub cluster: Option<String>,
    /// The pod-template annotation key.
    pub annotation: String,
    /// Warnings from reading the inputs (snapshot, notices), carried into the report.
    pub warnings: Vec<Finding>,
    /// The repository's configuration (cluster paths).
    pub config: Config,
    /// The Argo CD and Flux objects of the inventory: where the repository is deployed, before
    /// what its files say.
    pub gitops: crate::inventory::GitOps,
}

/// One workload's line in the plan. The JSON report shows it with its decision as `action`,
/// `file`, `line` and `reason` (`report::json` documents each member).
#[derive(Debug, Clone)]
pub struct PlannedWorkload {
    /// `None` for a manifest (`--all-workloads`) that declares no namespace.
    pub namespace: Option<String>,
    pub kind: Kind,
    pub name: String,
    /// How many of its pods EKS will evict; `None` without an inventory.
    pub pods: Option<usize>,
    /// When the oldest of those pods was created (RFC 3339 UTC); `None` without an inventory.
    pub oldest_pod_created: Option<String>,
    /// What gitops-restart does for it, and where.
    pub decision: Decision,
    /// What to check about this workload before the deadline.
    pub warnings: Vec<Finding>,
}

impl PlannedWorkload {
    /// The workload's name across the pipeline; shown as `namespace/Kind/name`.
    pub fn id(&self) -> WorkloadId {
        WorkloadId::new(self.namespace.as_deref(), self.kind.clone(), &self.name)
    }
}

/// A file's text before and after the plan's edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEdit {
    /// Path relative to the repository root, with `/` separators.
    pub path: String,
    /// Empty for a file the plan creates.
    pub before: String,
    pub after: String,
    /// The file does not exist yet (an overlay's patch file).
    pub created: bool,
}

/// The whole plan.
#[derive(Debug, Clone)]
pub struct Plan {
    pub cluster: Option<String>,
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub restarted_at: DateTime<Utc>,
    /// Where the restart value comes from.
    pub restarted_from: RestartFrom,
    /// The pod-template annotation key written.
    pub annotation: String,
    /// The time of the run, for the countdown to the deadline.
    pub now: DateTime<Utc>,
    pub workloads: Vec<PlannedWorkload>,
    pub edits: Vec<FileEdit>,
    pub warnings: Vec<Finding>,
    pub skipped_files: Vec<Skipped>,
}

impl Plan {
    /// Whether applying the plan would change any file.
    pub fn has_pending_edits(&self) -> bool {
        !self.edits.is_empty()
    }
}

#[cfg(test)]
impl Plan {
    /// For tests: a plan of nothing at `at` (the restart value and the time of the run), no
    /// cluster, cutoff or deadline, the default annotation; set what a test needs over it.
    pub(crate) fn empty(at: DateTime<Utc>) -> Plan {
        Plan {
            cluster: None,
            launched_before: None,
            deadline: None,
            restarted_at: at,
            restarted_from: RestartFrom::Cutoff,
            annotation: crate::edit::DEFAULT_ANNOTATION.to_owned(),
            now: at,
            workloads: Vec::new(),
            edits: Vec::new(),
            warnings: Vec::new(),
            skipped_files: Vec::new(),
        }
    }
}

/// A Helm values edit: (plan slot, file, document, path of keys).
type ValuesTarget<'i> = (usize, &'i ManifestFile, usize, &'i Vec<String>);

/// Where a located workload's restart is written.
#[derive(Debug, Clone)]
enum Source<'i> {
    /// In the defining document (file, document index).
    InPlace(&'i ManifestFile, usize),
    /// In the patch file of an overlay, for a manifest shared with other overlays.
    Patch {
        dir: String,
        kustomization: &'i ManifestFile,
        entry: PatchEntry,
    },
    /// At a path of keys in a document: Helm values of a HelmRelease or Application.
    Values(&'i ManifestFile, usize, Vec<String>),
}

/// Build the plan for `input` over the repository `index`.
pub fn build(index: &Index, input: &PlanInput) -> Plan {
    let mut warnings = input.warnings.clone();
    // Each planned workload, with where its restart is written when located.
    let mut planned: Vec<(PlannedWorkload, Option<Source>)> = Vec::new();
    match &input.targets {
        Targets::All => {
            for (file, w) in index.workloads() {
                let workload = located_workload(file, w, Vec::new(), input);
                planned.push((workload, Some(Source::InPlace(file, w.doc))));
            }
        }
        Targets::Named(refs) => {
            let locator = locator(
                index,
                input,
                refs.iter()
                    .map(|r| (r.namespace.clone(), r.kind.to_string(), r.name.clone())),
            );
            warnings.extend(locator.warnings.iter().cloned());
            for target in refs {
                planned.push(locate_named(index, &locator, target, None, input));
            }
        }
        Targets::Affected(affected) => {
            let locator = locator(
                index,
                input,
                affected
                    .iter()
                    .map(|w| (w.namespace.clone(), w.kind.to_string(), w.name.clone())),
            );
            warnings.extend(locator.warnings.iter().cloned());
            for workload in affected {
                planned.push(plan_affected(index, &locator, workload, input));
            }
        }
    }
    let value = format_time(input.restarted_at);
    let mut workloads: Vec<PlannedWorkload> = planned.iter().map(|(w, _)| w.clone()).collect();
    // Locating's findings are about the workload located.
    for workload in &mut workloads {
        let id = workload.id();
        for finding in &mut workload.warnings {
            finding.workload.get_or_insert_with(|| id.clone());
        }
    }
    // The workloads to bump, grouped by file or overlay (in path order, so edits come out sorted).
    let mut in_place: BTreeMap<&str, Vec<(usize, &ManifestFile, usize)>> = BTreeMap::new();
    let mut values: BTreeMap<&str, Vec<ValuesTarget>> = BTreeMap::new();
    let mut patches: BTreeMap<String, Vec<(usize, &ManifestFile, PatchEntry)>> = BTreeMap::new();
    for (slot, (workload, source)) in planned.iter().enumerate() {
        let bump = matches!(workload.decision, Decision::Bump { .. });
        match (bump, source) {
            (true, Some(Source::InPlace(file, doc))) => {
                in_place
                    .entry(&file.path)
                    .or_default()
                    .push((slot, file, *doc));
            }
            (true, Some(Source::Values(file, doc, path))) => {
                values
                    .entry(&file.path)
                    .or_default()
                    .push((slot, file, *doc, path));
            }
            (
                true,
                Some(Source::Patch {
                    dir,
                    kustomization,
                    entry,
                }),
            ) => {
                patches
                    .entry(dir.clone())
                    .or_default()
                    .push((slot, kustomization, entry.clone()));
            }
            _ => {}
        }
    }
    let mut edits = Vec::new();
    for (path, targets) in in_place {
        if let Some(edit) = edit_in_place(path, &targets, &mut workloads, input, &value) {
            edits.push(edit);
        }
    }
    for (path, targets) in values {
        let file = targets[0].1;
        let mut keyed: Vec<(usize, Vec<&str>)> = targets
            .iter()
            .map(|(_, _, doc, keys)| (*doc, keys.iter().map(String::as_str).collect()))
            .collect();
        // Workloads of one release restarted at one values path: one edit.
        keyed.sort();
        keyed.dedup();
        match Manifest::parse(&file.text, &input.annotation)
            .and_then(|m| m.set_strings(&keyed, &value))
        {
            Ok(after) if after != file.text => {
                edits.push(FileEdit {
                    path: path.to_owned(),
                    before: file.text.clone(),
                    after,
                    created: false,
                });
            }
            Ok(_) => {}
            Err(err) => {
                for (slot, ..) in &targets {
                    refuse(&mut workloads[*slot], path, &err);
                }
            }
        }
    }
    for (dir, targets) in patches {
        edits.extend(edit_overlay(index, &dir, &targets, &mut workloads, &value));
    }
    edits.sort_by(|a, b| a.path.cmp(&b.path));
    Plan {
        cluster: input.cluster.clone(),
        launched_before: input.launched_before,
        deadline: input.deadline,
        restarted_at: input.restarted_at,
        restarted_from: input.restarted_from,
        annotation: input.annotation.clone(),
        now: input.now,
        workloads,
        edits,
        warnings,
        skipped_files: index.skipped.clone(),
    }
}

/// Restart the workloads of one file in place.
fn edit_in_place(
    path: &str,
    targets: &[(usize, &ManifestFile, usize)],
    workloads: &mut [PlannedWorkload],
    input: &PlanInput,
    value: &str,
) -> Option<FileEdit> {
    let file = targets[0].1;
    let docs: Vec<usize> = targets.iter().map(|(_, _, doc)| *doc).collect();
    // All of a file's workloads in one edit (the index kept the parse); when that is
    // refused, one at a time, so that one bad workload leaves the others' edits intact.
    let together = match &file.parsed {
        Some(parsed) => {
            Manifest::from_parsed(&file.text, parsed).restart(&docs, &input.annotation, value)
        }
        None => Manifest::parse(&file.text, &input.annotation)
            .and_then(|m| m.restart(&docs, &input.annotation, value)),
    };
    let mut text = file.text.clone();
    match together {
        Ok(after) => text = after,
        Err(_) => {
            for &(slot, _, doc) in targets {
                let result = Manifest::parse(&text, &input.annotation)
                    .and_then(|m| m.restart(&[doc], &input.annotation, value));
                match result {
                    Ok(after) => text = after,
                    Err(err) => refuse(&mut workloads[slot], path, &err),
                }
            }
        }
    }
    (text != file.text).then(|| FileEdit {
        path: path.to_owned(),
        before: file.text.clone(),
        after: text,
        created: false,
    })
}

/// Restart workloads of one overlay through its patch file, listing the file in the
/// kustomization when it isn't yet. The patch file and the kustomization are one edit site: both
/// edits are planned, or neither (every workload of the overlay is then `manual` with the
/// reason), so an overlay never lists a patch file that isn't there.
fn edit_overlay(
    index: &Index,
    dir: &str,
    targets: &[(usize, &ManifestFile, PatchEntry)],
    workloads: &mut [PlannedWorkload],
    value: &str,
) -> Vec<FileEdit> {
    let patch_path = patch_file_path(dir);
    let kustomization = targets[0].1;
    let existing = index.files.iter().find(|f| f.path == patch_path);
    // A name already taken (a folder, a link, an ignored or excluded file, a file that is no
    // such patch) is found now, not when the write finds the file there.
    let unusable = match existing {
        None => index.unusable(&patch_path),
        Some(file) => patch::not_a_patch(file, kustomization).map(|(line, why)| (Some(line), why)),
    };
    if let Some((line, why)) = unusable {
        // `file:line: message`, as every report names a place in the repository.
        let place = Place::new(patch_path.as_str(), line);
        for (slot, ..) in targets {
            workloads[*slot].decision = Decision::Manual {
                reason: format!(
                    "{place}: {why}; the restart of this overlay goes into a file of that name \
                     (its manifest is shared with other overlays): free the name, or make that \
                     file a patch gitops-restart may edit, and run again; or restart the \
                     workload by hand"
                ),
                place: Some(place.clone()),
            };
        }
        return Vec::new();
    }
    let entries: Vec<PatchEntry> = targets.iter().map(|(_, _, e)| e.clone()).collect();
    let edited = match patch::edit(existing.map(|f| f.text.as_str()), &entries, value) {
        Ok(edited) => edited,
        Err(err) => {
            for (slot, ..) in targets {
                refuse(&mut workloads[*slot], &patch_path, &err);
            }
            return Vec::new();
        }
    };
    let listed = match patch::add_to_kustomization(&kustomization.text) {
        Ok(after) => after,
        Err(err) => {
            for (slot, ..) in targets {
                refuse(&mut workloads[*slot], &kustomization.path, &err);
            }
            return Vec::new();
        }
    };
    // Now the patch file's lines are known.
    for ((slot, ..), line) in targets.iter().zip(&edited.lines) {
        workloads[*slot].decision = Decision::Bump {
            place: Place::new(patch_path.as_str(), Some(*line)),
        };
    }
    let mut edits = Vec::new();
    if listed != kustomization.text {
        edits.push(FileEdit {
            path: kustomization.path.clone(),
            before: kustomization.text.clone(),
            after: listed,
            created: false,
        });
    }
    let before = existing.map(|f| f.text.clone()).unwrap_or_default();
    if edited.text != before {
        edits.push(FileEdit {
            path: patch_path,
            before,
            after: edited.text,
            created: existing.is_none(),
        });
    }
    edits
}

/// A workload whose edit was refused becomes `manual` with the editor's reason.
fn refuse(planned: &mut PlannedWorkload, path: &str, err: &crate::edit::EditError) {
    planned.decision = Decision::Manual {
        place: Some(Place::new(path, Some(err.line()))),
        reason: err.at(path),
    };
}

/// The plan line for a workload with affected pods: located and bumped when a git edit restarts
/// it, else skipped or manual as the inventory decided.
fn plan_affected<'i>(
    index: &'i Index,
    locator: &Locator<'i>,
    affected: &AffectedWorkload,
    input: &PlanInput,
) -> (PlannedWorkload, Option<Source<'i>>) {
    let restartable = affected.kind.is_restartable();
    let (mut planned, source) = match (&affected.disposition, restartable) {
        (Disposition::Restart, true) => {
            let target = WorkloadRef {
                namespace: affected.namespace.clone(),
                kind: affected.kind.clone(),
                name: affected.name.clone(),
            };
            locate_named(index, locator, &target, Some(affected), input)
        }
        (Disposition::Skipped { reason }, _) => {
            let reason = reason.clone();
            (unplanned(affected, Decision::Skipped { reason }), None)
        }
        (Disposition::Manual { reason }, _) => {
            let reason = reason.clone();
            let decision = Decision::Manual {
                place: None,
                reason,
            };
            (unplanned(affected, decision), None)
        }
        (Disposition::Restart, false) => {
            let reason = format!(
                "a {} is not restarted through git: restart it by hand",
                affected.kind
            );
            let decision = Decision::Manual {
                place: None,
                reason,
            };
            (unplanned(affected, decision), None)
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

fn unplanned(affected: &AffectedWorkload, decision: Decision) -> PlannedWorkload {
    PlannedWorkload {
        namespace: Some(affected.namespace.clone()),
        kind: affected.kind.clone(),
        name: affected.name.clone(),
        pods: None,
        oldest_pod_created: None,
        decision,
        warnings: Vec::new(),
    }
}

/// Find where to restart a workload, with the locator: in place, through an overlay's patch,
/// or why not (`not-found`, `ambiguous`).
fn locate_named<'i>(
    index: &'i Index,
    locator: &Locator<'i>,
    target: &WorkloadRef,
    live: Option<&AffectedWorkload>,
    input: &PlanInput,
) -> (PlannedWorkload, Option<Source<'i>>) {
    let kind = target.kind.as_str();
    let query = LiveWorkload {
        namespace: &target.namespace,
        kind,
        name: &target.name,
        labels: live.map(|l| &l.labels),
        annotations: live.map(|l| &l.annotations),
    };
    let located = locator.locate(&query, input.cluster.as_deref());
    if tracing::enabled!(tracing::Level::DEBUG) {
        let outcome = match &located {
            Located::Found {
                site: Site::InPlace { file, doc },
                ..
            } => format!("in place: {}", locator.site_name(*file, *doc)),
            Located::Found {
                site: Site::Patch { dir, .. },
                ..
            } => format!("through the patch file of overlay {dir}"),
            Located::Found {
                site: Site::Helm { file, label, .. },
                ..
            } => format!(
                "through the Helm values of {label} in {}",
                index.files[*file].path
            ),
            Located::NotFound { reason } => format!("not found: {reason}"),
            Located::Ambiguous { reason, .. } => format!("ambiguous: {reason}"),
            Located::Manual { reason } => format!("manual: {reason}"),
        };
        tracing::debug!(
            workload = %format_args!("{}/{kind}/{}", target.namespace, target.name),
            "restart {outcome}"
        );
    }
    match located {
        Located::Found {
            site: Site::InPlace { file: at, doc },
            warnings,
        } => {
            let file = &index.files[at];
            let Some(w) = file.workloads.iter().find(|w| w.doc == doc) else {
                let reason = format!(
                    "{}: the manifest is not a restartable workload",
                    locator.site_name(at, doc)
                );
                let decision = Decision::Manual {
                    place: None,
                    reason,
                };
                return (unlocated(target, decision), None);
            };
            let mut workload = located_workload(file, w, warnings, input);
            // The live workload's name, as a name prefix or suffix or Flux made it.
            workload.namespace = Some(target.namespace.clone());
            workload.name.clone_from(&target.name);
            (workload, Some(Source::InPlace(file, doc)))
        }
        Located::Found {
            site:
                Site::Patch {
                    dir,
                    kustomization,
                    api_version,
                    kind,
                    name,
                    namespace,
                    path,
                    ..
                },
            warnings,
        } => {
            let patch_path = patch_file_path(&dir);
            let entry = PatchEntry {
                kind,
                namespace,
                name,
                api_version,
                path,
            };
            let current = index
                .files
                .iter()
                .find(|f| f.path == patch_path)
                .and_then(|f| patch::current(&f.text, &entry));
            let value = current.as_ref().and_then(|(v, _)| v.as_deref());
            // The entry's line; unknown until the plan writes it, when there is none yet.
            let entry_line = current.as_ref().map(|(_, line)| *line);
            let place = Place::new(patch_path, entry_line);
            let workload = planned_for(target, bump_unless_done(place, value, input), warnings);
            let source = Source::Patch {
                dir,
                kustomization: &index.files[kustomization],
                entry,
            };
            (workload, Some(source))
        }
        Located::Found {
            site: Site::Helm {
                file, doc, path, ..
            },
            warnings,
        } => {
            let file = &index.files[file];
            let keys: Vec<&str> = path.iter().map(String::as_str).collect();
            let release = Manifest::parse(&file.text, &input.annotation);
            let current = release.as_ref().ok().and_then(|m| m.string_at(doc, &keys));
            let doc_line = release
                .as_ref()
                .ok()
                .and_then(|m| m.header(doc))
                .map(|h| h.line);
            let place = Place::new(file.path.as_str(), doc_line);
            let decision = bump_unless_done(place, current.as_deref(), input);
            let workload = planned_for(target, decision, warnings);
            (workload, Some(Source::Values(file, doc, path)))
        }
        Located::Manual { reason } => {
            let decision = Decision::Manual {
                place: None,
                reason,
            };
            (unlocated(target, decision), None)
        }
        Located::NotFound { reason } => (unlocated(target, Decision::NotFound { reason }), None),
        Located::Ambiguous { candidates, reason } => {
            let decision = Decision::Ambiguous { candidates, reason };
            (unlocated(target, decision), None)
        }
    }
}

/// The repository's renderings for this run, knowing which workloads (namespace, kind, name) the
/// run restarts: an edit site may restart those and no other.
fn locator<'i>(
    index: &'i Index,
    input: &PlanInput,
    restarting: impl IntoIterator<Item = (String, String, String)>,
) -> Locator<'i> {
    let mut locator = Locator::new(
        index,
        &input.config,
        &input.annotation,
        &input.gitops,
        input.cluster.as_deref(),
    );
    locator.restarting(restarting);
    locator
}

/// The plan line for a workload found in `file`.
fn located_workload(
    file: &ManifestFile,
    w: &Workload,
    warnings: Vec<Finding>,
    input: &PlanInput,
) -> PlannedWorkload {
    let place = Place::new(file.path.as_str(), Some(w.line));
    PlannedWorkload {
        namespace: w.namespace.clone(),
        kind: w.kind.clone(),
        name: w.name.clone(),
        pods: None,
        oldest_pod_created: None,
        decision: bump_unless_done(place, w.restarted_at.as_deref(), input),
        warnings,
    }
}

/// `already-bumped` at `place` when the manifest's restart value (`current`) is the one we'd
/// write, or at or after the cutoff; else a bump there.
fn bump_unless_done(place: Place, current: Option<&str>, input: &PlanInput) -> Decision {
    let reason = current.and_then(|current| {
        let current_time = parse_time(current).ok()?;
        if current_time == input.restarted_at {
            return Some(format!("the manifest already carries {current}"));
        }
        match input.launched_before {
            Some(cutoff) if current_time >= cutoff => Some(format!(
                "the manifest already carries {current}, after the cutoff {}: merged, waiting for sync",
                format_time(cutoff)
            )),
            _ => None,
        }
    });
    match reason {
        Some(reason) => Decision::AlreadyBumped { place, reason },
        None => Decision::Bump { place },
    }
}

/// The plan line of a named workload that has no edit site.
fn unlocated(target: &WorkloadRef, decision: Decision) -> PlannedWorkload {
    planned_for(target, decision, Vec::new())
}

/// The plan line of a named workload, before the inventory adds pods.
fn planned_for(
    target: &WorkloadRef,
    decision: Decision,
    warnings: Vec<Finding>,
) -> PlannedWorkload {
    PlannedWorkload {
        namespace: Some(target.namespace.clone()),
        kind: target.kind.clone(),
        name: target.name.clone(),
        pods: None,
        oldest_pod_created: None,
        decision,
        warnings,
    }
}

/// Where an overlay's patch file lives.
fn patch_file_path(dir: &str) -> String {
    if dir.is_empty() {
        PATCH_FILE.to_owned()
    } else {
        format!("{dir}/{PATCH_FILE}")
    }
}
