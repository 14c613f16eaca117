//! The markdown report: what a pull request body or a GitHub step summary shows. Every piece
//! of outside text, in every section, goes through [`escape`]: names and paths in code spans
//! ([`escape::markdown_code`]), reasons and warnings as escaped prose ([`escape::markdown`]),
//! table cells with their pipes escaped.

use std::fmt::Write as _;
use std::io::Write;

use super::escape::{self, markdown_code as code};
use crate::model::Finding;
use crate::plan::{Action, Plan, PlannedWorkload};
use crate::time::format_time;

/// Outside text in a table cell: escaped, its pipes too.
fn cell(text: &str) -> String {
    escape::markdown_cell(&escape::markdown_inline(text)).into_owned()
}

/// A workload's line in a list: its id as code, then the escaped message.
fn item(w: &PlannedWorkload, message: &str) -> String {
    format!(
        "{}: {}",
        code(&w.id().to_string()),
        escape::markdown_inline(message)
    )
}

/// Write the plan as GitHub-flavoured markdown.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render_string(plan, usize::MAX).as_bytes())
}

/// The report in at most `max_chars` characters (a pull request body's limit): when too long,
/// the workloads table is cut with a count of the rows left out; warnings, manual actions and
/// the other sections are kept whole, because they are what a reviewer must not miss.
pub fn render_limited(plan: &Plan, max_chars: usize) -> String {
    let full = render_string(plan, usize::MAX);
    if full.chars().count() <= max_chars {
        return full;
    }
    // Fewer rows is shorter: find the most that fit.
    let (mut fits, mut too_many) = (0, plan.workloads.len());
    while too_many - fits > 1 {
        let mid = fits + (too_many - fits) / 2;
        if render_string(plan, mid).chars().count() <= max_chars {
            fits = mid;
        } else {
            too_many = mid;
        }
    }
    render_string(plan, fits)
}

/// The report with at most `max_rows` rows in the workloads table.
fn render_string(plan: &Plan, max_rows: usize) -> String {
    let mut md = String::new();
    let title = plan
        .cluster
        .as_deref()
        .map_or_else(String::new, |c| format!(" on {}", code(c)));
    let _ = writeln!(md, "## Restart of workloads{title}\n");
    if let Some(deadline) = plan.deadline {
        let _ = writeln!(
            md,
            "**Deadline:** {} (EKS evicts and then terminates older pods)\n",
            format_time(deadline)
        );
    }
    if let Some(cutoff) = plan.launched_before {
        let _ = writeln!(
            md,
            "Pods launched before {} are affected.\n",
            format_time(cutoff)
        );
    }
    let _ = writeln!(
        md,
        "Restart value written: `{}`\n",
        format_time(plan.restarted_at)
    );
    table(&mut md, plan, max_rows);
    let warnings: Vec<String> = plan
        .workloads
        .iter()
        .flat_map(|w| w.warnings.iter().map(move |m| item(w, &m.text())))
        .chain(
            plan.warnings
                .iter()
                .map(|f| escape::markdown(&Finding::text(f))),
        )
        .collect();
    section(&mut md, "Warnings", &warnings);
    let by_action = |action: Action| -> Vec<String> {
        plan.workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .map(|w| item(w, w.decision.reason().unwrap_or("")))
            .collect()
    };
    section(&mut md, "Manual actions", &by_action(Action::Manual));
    section(
        &mut md,
        "Not found in the repository",
        &by_action(Action::NotFound),
    );
    section(&mut md, "Ambiguous", &by_action(Action::Ambiguous));
    section(&mut md, "Not restarted", &by_action(Action::Skipped));
    let skipped: Vec<String> = plan
        .skipped_files
        .iter()
        .map(|s| {
            let place = match s.line {
                Some(line) => format!("{}:{line}", s.file),
                None => s.file.clone(),
            };
            format!("{}: {}", code(&place), escape::markdown_inline(&s.reason))
        })
        .collect();
    section(&mut md, "Skipped files", &skipped);
    verify_steps(&mut md, plan);
    md
}

fn section(md: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(md, "\n### {title}\n");
    for item in items {
        let _ = writeln!(md, "- {item}");
    }
}

/// The workloads table, cut after `max_rows` rows with a count of the rest.
fn table(md: &mut String, plan: &Plan, max_rows: usize) {
    if plan.workloads.is_empty() {
        let _ = writeln!(md, "Nothing to restart.");
    } else {
        let _ = writeln!(
            md,
            "| action | namespace | kind | name | pods | oldest pod | file |"
        );
        let _ = writeln!(md, "|---|---|---|---|---:|---|---|");
        for w in plan.workloads.iter().take(max_rows) {
            let file = w.decision.place().map_or_else(
                || "-".to_owned(),
                |place| escape::markdown_cell(&code(&place.to_string())).into_owned(),
            );
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {file} |",
                w.decision.action().as_str(),
                cell(w.namespace.as_deref().unwrap_or("-")),
                cell(w.kind.as_str()),
                cell(&w.name),
                w.pods.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                cell(w.oldest_pod_created.as_deref().unwrap_or("-")),
            );
        }
        let left_out = plan.workloads.len().saturating_sub(max_rows);
        if left_out > 0 {
            let _ = writeln!(
                md,
                "\n{left_out} more workload(s) not shown: the list is too long for a pull request \
                 body; `gitops-restart plan` shows them all."
            );
        }
    }
}

/// How a reviewer checks, after merge and sync, that no old pod is left.
fn verify_steps(md: &mut String, plan: &Plan) {
    let _ = writeln!(
        md,
        "\n### After merge\n\nOnce Argo CD or Flux has synced, the bumped workloads roll their pods. \
         The manual actions above are not done by this change. To list the Fargate pods that are \
         still older than the cutoff:\n"
    );
    let cutoff = plan
        .launched_before
        .map_or_else(|| "<cutoff>".to_owned(), format_time);
    let _ = writeln!(
        md,
        "```sh\nkubectl get pods -A -o jsonpath='{{range .items[?(@.spec.schedulerName==\"fargate-scheduler\")]}}\
         {{.metadata.creationTimestamp}} {{.metadata.namespace}}/{{.metadata.name}}{{\"\\n\"}}{{end}}' \\\n  \
         | sort | awk '$1 < \"{cutoff}\"'\n```"
    );
}
