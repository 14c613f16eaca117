//! The JSON report: the stable schema of `DESIGN.md`, for scripts and the GitHub Action.

use std::io::Write;

use serde::Serialize;

use super::unified_diff;
use crate::github::PullRequestReport;
use crate::plan::{Plan, PlannedWorkload};
use crate::repo::Skipped;
use crate::time::format_time;

/// Version of the report's shape; bumped only for incompatible changes.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct Report<'p> {
    schema: u32,
    cluster: Option<&'p str>,
    launched_before: Option<String>,
    deadline: Option<String>,
    restarted_at: String,
    workloads: &'p [PlannedWorkload],
    edits: Vec<Edit<'p>>,
    warnings: &'p [String],
    skipped_files: &'p [Skipped],
    /// `pr` only: what happened to the pull request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pull_request: Option<&'p PullRequestReport>,
}

#[derive(Serialize)]
struct Edit<'p> {
    file: &'p str,
    diff: String,
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
        workloads: &plan.workloads,
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
