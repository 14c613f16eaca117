//! The markdown report: what a pull request body, a GitHub step summary or a review comment
//! shows. Every piece of outside text, in every section, goes through [`escape`]: names and
//! paths in code spans ([`escape::markdown_code`]), reasons and warnings as escaped prose
//! ([`escape::markdown`]), table cells with their pipes escaped.
//!
//! The report is a [`Document`] of sections ([`super::budget`]): the header, the workloads
//! table, the warnings, the workloads that need a person or were not restarted, the skipped
//! files, and the steps after merge. A warning or a reason that repeats for
//! [`GROUP_MIN`](super::group::GROUP_MIN) or more workloads is shown once, with the workloads
//! in a `<details>` list ([`super::group`]); many findings of one code, each with its own
//! text, are folded into one `<details>` list. Where the report must fit a limit, what this
//! change restarts is kept first, then what needs a person (manual actions, ambiguous
//! workloads, critical warnings), then the rest, with a note under the header of what was left
//! out and where the whole report is.

use std::fmt::Write as _;
use std::io::Write;

use super::budget::{self, Budget, Cut, Document, Item, List, Priority, Section};
use super::escape::{self, markdown_code as code};
use super::group::{self, Entry, Note, Topic};
use crate::model::Severity;
use crate::plan::{Action, Plan};
use crate::time::format_time;

/// The longest cluster name a header shows (EKS allows 100 characters): longer is cut.
const NAME_MAX: usize = 256;

/// The share of a limit, in percent, the workloads table takes before the other sections: a
/// table of thousands of rows leaves room for what needs a person.
pub(super) const TABLE_SHARE: usize = 50;

/// Outside text in a table cell: escaped, its pipes too.
fn cell(text: &str) -> String {
    escape::markdown_cell(&escape::markdown_inline(text)).into_owned()
}

/// Write the plan as GitHub-flavoured markdown, whole.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render_within(plan, Budget::UNLIMITED, PLAN).as_bytes())
}

/// Where the whole report is, for the note of a cut one.
pub const PLAN: &str = "run `gitops-restart plan` for the full report";

/// The report in at most `max_chars` characters (a pull request body's limit), counted as
/// UTF-16 code units so that any way of counting characters agrees: cut by section and
/// priority when too long (see the module documentation).
pub fn render_limited(plan: &Plan, max_chars: usize) -> String {
    render_within(plan, Budget::utf16(max_chars), PLAN)
}

/// The report within `budget`; `whole` says, in the note of a cut report, where the whole one
/// is.
pub fn render_within(plan: &Plan, budget: Budget, whole: &str) -> String {
    let note = |cut: &Cut<'_>| cut_note(cut, whole);
    document(plan).fit(budget, &note)
}

/// The note under the header of a cut report: what is not shown, and where it is.
pub fn cut_note(cut: &Cut<'_>, whole: &str) -> String {
    let mut text = String::from("_Cut to fit: ");
    if cut.left_out.is_empty() {
        text.push_str("some lists of workloads are shortened");
    } else {
        let _ = write!(text, "{} not shown", budget::join(cut.left_out));
        if cut.lines_cut {
            text.push_str(", and some lists of workloads are shortened");
        }
    }
    let _ = writeln!(text, "; {whole}._\n");
    text
}

/// The plan as sections, in the order they are shown.
fn document(plan: &Plan) -> Document {
    let mut sections = vec![Section::Fixed(header(plan))];
    if plan.workloads.is_empty() {
        sections.push(Section::Fixed("Nothing to restart.\n".to_owned()));
    } else {
        sections.push(Section::List(table(plan)));
    }
    let warnings = Note::findings(
        plan.workloads
            .iter()
            .map(|w| (w.id(), w.warnings.as_slice())),
        &plan.warnings,
    );
    sections.push(Section::List(list(
        "Warnings",
        group::group(warnings, true),
        |n| budget::count(n, "warning", "warnings"),
    )));
    let reasons = |action: Action| -> Vec<Entry> {
        let notes = plan
            .workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .map(|w| Note::reason(w.id(), action, w.decision.reason().unwrap_or("")))
            .collect();
        group::group(notes, false)
    };
    sections.push(Section::List(list(
        "Manual actions",
        reasons(Action::Manual),
        |n| budget::count(n, "manual action", "manual actions"),
    )));
    sections.push(Section::List(list(
        "Not found in the repository",
        reasons(Action::NotFound),
        |n| budget::count(n, "workload not found", "workloads not found"),
    )));
    sections.push(Section::List(list(
        "Ambiguous",
        reasons(Action::Ambiguous),
        |n| budget::count(n, "ambiguous workload", "ambiguous workloads"),
    )));
    sections.push(Section::List(list(
        "Not restarted",
        reasons(Action::Skipped),
        |n| budget::count(n, "workload not restarted", "workloads not restarted"),
    )));
    sections.push(Section::List(skipped_files(plan)));
    sections.push(Section::Fixed(verify_steps(plan)));
    Document {
        sections,
        note_after: 0,
    }
}

/// The title, the deadline, the cutoff and the restart value.
fn header(plan: &Plan) -> String {
    let mut md = String::new();
    let title = plan.cluster.as_deref().map_or_else(String::new, |c| {
        format!(" on {}", code(&budget::shorten(c, NAME_MAX)))
    });
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
    md
}

/// The workloads table, a row each; the rows this change restarts kept first.
fn table(plan: &Plan) -> List {
    let items = plan
        .workloads
        .iter()
        .map(|w| {
            let file = w.decision.place().map_or_else(
                || "-".to_owned(),
                |place| escape::markdown_cell(&code(&place.to_string())).into_owned(),
            );
            let row = format!(
                "| {} | {} | {} | {} | {} | {} | {file} |\n",
                w.decision.action().as_str(),
                cell(w.namespace.as_deref().unwrap_or("-")),
                cell(w.kind.as_str()),
                cell(&w.name),
                w.pods.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                cell(w.oldest_pod_created.as_deref().unwrap_or("-")),
            );
            // Every other row's workload is in a section of its own below.
            let priority = match w.decision.action() {
                Action::Bump => Priority::Changes,
                _ => Priority::Context,
            };
            Item::text(priority, row)
        })
        .collect();
    List {
        head: "| action | namespace | kind | name | pods | oldest pod | file |\n\
               |---|---|---|---|---:|---|---|\n"
            .to_owned(),
        items,
        tail: String::new(),
        more: |n| format!("\n_{n} more workload(s) not shown in this table._\n"),
        left_out: |n| budget::count(n, "row of the table", "rows of the table"),
        share: Some(TABLE_SHARE),
    }
}

/// A titled list of entries.
fn list(title: &str, entries: Vec<Entry>, left_out: budget::Count) -> List {
    List {
        head: format!("\n### {title}\n\n"),
        items: entries.into_iter().map(entry).collect(),
        tail: String::new(),
        more: |n| format!("- _{n} more not shown._\n"),
        left_out,
        share: None,
    }
}

/// How soon a note must be read.
fn priority(topic: Topic) -> Priority {
    match topic {
        Topic::Finding(_, Severity::Critical)
        | Topic::Reason(Action::Manual | Action::Ambiguous) => Priority::Person,
        Topic::Finding(_, Severity::Warning) | Topic::Reason(Action::NotFound) => Priority::Check,
        Topic::Finding(_, Severity::Info)
        | Topic::Reason(Action::Bump | Action::AlreadyBumped | Action::Skipped) => {
            Priority::Context
        }
    }
}

/// A note's text after its workload's id, or alone.
fn note_line(note: &Note) -> String {
    match &note.who {
        Some(who) => format!(
            "{}: {}",
            code(&who.to_string()),
            escape::markdown_inline(&note.text)
        ),
        None => escape::markdown(&note.text),
    }
}

/// A list item for an entry; a group's workloads (or its notes) in a `<details>` list, each
/// a line the budget may cut.
pub(super) fn entry(entry: Entry) -> Item {
    let priority = priority(entry.topic());
    let details = |head: String, summary: &str, lines: Vec<String>| Item {
        priority,
        head: format!("{head}\n  <details><summary>{summary}</summary>\n\n"),
        lines,
        tail: "\n  </details>\n".to_owned(),
        more: |n| format!("  - _… and {n} more_\n"),
    };
    match entry {
        Entry::One(note) => Item::text(priority, format!("- {}\n", note_line(&note))),
        Entry::Same { text, whom, .. } => details(
            format!(
                "- **{} workloads:** {}",
                whom.len(),
                escape::markdown_inline(&text)
            ),
            "Workloads",
            whom.iter()
                .map(|w| format!("  - {}\n", code(&w.to_string())))
                .collect(),
        ),
        Entry::Code { topic, notes } => {
            let name = match topic {
                Topic::Finding(code, _) => code.as_str(),
                Topic::Reason(action) => action.as_str(),
            };
            details(
                format!("- **{} warnings** `{name}`", notes.len()),
                "Each",
                notes
                    .iter()
                    .map(|n| format!("  - {}\n", note_line(n)))
                    .collect(),
            )
        }
    }
}

/// The files the repository walk skipped, with why.
fn skipped_files(plan: &Plan) -> List {
    let items = plan
        .skipped_files
        .iter()
        .map(|s| {
            let place = match s.line {
                Some(line) => format!("{}:{line}", s.file),
                None => s.file.clone(),
            };
            Item::text(
                Priority::Check,
                format!(
                    "- {}: {}\n",
                    code(&place),
                    escape::markdown_inline(&s.reason)
                ),
            )
        })
        .collect();
    List {
        head: "\n### Skipped files\n\n".to_owned(),
        items,
        tail: String::new(),
        more: |n| format!("- _{n} more not shown._\n"),
        left_out: |n| budget::count(n, "skipped file", "skipped files"),
        share: None,
    }
}

/// How a reviewer checks, after merge and sync, that no old pod is left.
fn verify_steps(plan: &Plan) -> String {
    let mut md = String::new();
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
    md
}

#[cfg(test)]
mod tests;
