//! The markdown report: what a pull request body, a GitHub step summary or a review comment
//! shows, laid out as a decision aid for a reviewer under a deadline. Every piece of outside
//! text, in every section, goes through [`escape`]: names and paths in code spans
//! ([`escape::markdown_code`]), reasons and warnings as escaped prose ([`escape::markdown`]),
//! table cells with their pipes escaped, commands in a fence longer than any run of backticks
//! they hold.
//!
//! The report is a [`Document`] of sections ([`super::budget`]), in this order:
//! - the header: the title and one sentence with the counts and the countdown to the deadline
//!   ([`sections::header`]);
//! - a `> [!CAUTION]` alert with the critical findings (what is lost at the deadline unless
//!   someone acts) and a `> [!WARNING]` alert with the warnings;
//! - the table of what this change restarts, and the table of what needs a person (manual,
//!   ambiguous, not found), each with its next step;
//! - collapsed (`<details>`): the workloads with nothing to do (already bumped, skipped) and
//!   the informational notes; then the skipped files;
//! - the steps after merge (`gitops-restart verify` with this run's dates) and what the change
//!   writes (the restart value, explained; for a pull request, what closing it does).
//!
//! A warning or a reason that repeats for [`GROUP_MIN`](super::group::GROUP_MIN) or more
//! workloads is shown once, with the workloads in a `<details>` list ([`super::group`]); many
//! findings of one code, each with its own text, are folded into one `<details>` list. Where
//! the report must fit a limit, what this change restarts is kept first, then what needs a
//! person (manual actions, ambiguous workloads, critical warnings), then the rest, with a note
//! under the header of what was left out and where the whole report is.

use std::fmt::Write as _;
use std::io::Write;

use super::budget::{self, Budget, Cut, Document, Item, List, Priority, Section};
use super::escape::{self, markdown_code as code, markdown_text_cell as cell};
use super::group::{self, Entry, Note, Topic};
use crate::model::Severity;
use crate::plan::{Action, Plan};
use crate::time::short_time;

mod sections;

/// The share of a limit, in percent, the workloads table takes before the other sections: a
/// table of thousands of rows leaves room for what needs a person.
pub(super) const TABLE_SHARE: usize = 50;

/// Where the report is shown: a pull request's body says "this pull request" and what
/// closing it does; any other report speaks of "the change".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    PullRequest,
    Report,
}

/// Outside text as a code span in a table cell.
fn code_cell(text: &str) -> String {
    escape::markdown_cell(&code(text)).into_owned()
}

/// Write the plan as GitHub-flavoured markdown, whole.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    out.write_all(render_within(plan, Budget::UNLIMITED, PLAN).as_bytes())
}

/// Where the whole report is, for the note of a cut one.
pub const PLAN: &str = "run `gitops-restart plan` for the full report";

/// The pull request's body, in at most `max_chars` characters, counted as UTF-16 code units
/// so that any way of counting characters agrees: cut by section and priority when too long
/// (see the module documentation).
pub fn render_limited(plan: &Plan, max_chars: usize) -> String {
    let note = |cut: &Cut<'_>| after_header(&cut_note(cut, PLAN));
    document(plan, Sink::PullRequest).fit(Budget::utf16(max_chars), &note)
}

/// The report within `budget` (a step summary, `plan --output markdown`); `whole` says, in the
/// note of a cut report, where the whole one is.
pub fn render_within(plan: &Plan, budget: Budget, whole: &str) -> String {
    let note = |cut: &Cut<'_>| after_header(&cut_note(cut, whole));
    document(plan, Sink::Report).fit(budget, &note)
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

/// The cut note as a paragraph after the header, whose last line it follows: every section
/// opens with its own blank line.
fn after_header(note: &str) -> String {
    format!("\n{}\n", note.trim_end_matches('\n'))
}

/// The plan as sections, in the order they are shown.
fn document(plan: &Plan, sink: Sink) -> Document {
    let findings = |severity: Severity| -> Vec<Entry> {
        let notes = Note::findings(
            plan.workloads
                .iter()
                .map(|w| (w.id(), w.warnings.as_slice())),
            &plan.warnings,
        )
        .into_iter()
        .filter(|n| matches!(n.topic, Topic::Finding(_, s) if s == severity))
        .collect();
        group::group(notes, true)
    };
    let mut sections = vec![Section::Fixed(sections::header(plan, sink))];
    sections.push(Section::List(alert(
        "CAUTION",
        "Lost at the deadline unless someone acts before it",
        findings(Severity::Critical),
        |n| budget::count(n, "critical warning", "critical warnings"),
    )));
    sections.push(Section::List(alert(
        "WARNING",
        "To check before the deadline",
        findings(Severity::Warning),
        |n| budget::count(n, "warning", "warnings"),
    )));
    if plan.workloads.is_empty() {
        sections.push(Section::Fixed("\nNothing to restart.\n".to_owned()));
    }
    sections.push(Section::List(restarted(plan, sink)));
    sections.push(Section::List(needs_a_person(plan)));
    sections.push(Section::List(nothing_to_do(plan)));
    sections.push(Section::List(collapsed(
        "Notes",
        findings(Severity::Info),
        |n| budget::count(n, "note", "notes"),
    )));
    sections.push(Section::List(skipped_files(plan)));
    sections.push(Section::Fixed(sections::after_merge(plan)));
    sections.push(Section::Fixed(sections::what_it_writes(plan, sink)));
    Document { sections }
}

/// The workloads this change restarts, a row each.
fn restarted(plan: &Plan, sink: Sink) -> List {
    let items = plan
        .workloads
        .iter()
        .filter(|w| w.decision.action() == Action::Bump)
        .map(|w| {
            let file = w
                .decision
                .place()
                .map_or_else(|| "-".to_owned(), |place| code_cell(&place.to_string()));
            let row = format!(
                "| {} | {} | {} | {file} |\n",
                code_cell(&w.id().to_string()),
                w.pods.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                w.oldest_pod_created
                    .as_deref()
                    .map_or_else(|| "-".to_owned(), |t| cell(&short_time(t))),
            );
            Item::text(Priority::Changes, row)
        })
        .collect();
    let title = match sink {
        Sink::PullRequest => "Restarted by this pull request",
        Sink::Report => "Restarted by this change",
    };
    List {
        head: format!(
            "\n### {title}\n\n| workload | pods | oldest pod | file |\n|---|---:|---|---|\n"
        ),
        items,
        tail: String::new(),
        more: |n| format!("\n_{n} more workload(s) not shown in this table._\n"),
        left_out: |n| budget::count(n, "row of the table", "rows of the table"),
        share: Some(TABLE_SHARE),
    }
}

/// The next step for a workload no change of this plan restarts: its reason, and for one no
/// manifest defines, the command that restarts it by hand (as `verify` gives it).
fn next_step(note: &Note) -> String {
    let reason = commands_as_code(&note.text);
    match (note.topic, &note.who) {
        (Topic::Reason(Action::NotFound), Some(who)) => format!(
            "{reason}; {}",
            crate::verify::by_hand(&code(&crate::verify::restart_command(
                who.namespace.as_deref(),
                &who.kind,
                &who.name
            )))
        ),
        (Topic::Reason(Action::NotFound), None) => format!(
            "{reason}; restart each by hand: {} or with its owner's tooling",
            code("kubectl rollout restart -n <namespace> <kind>/<name>")
        ),
        _ => reason,
    }
}

/// `text` escaped for markdown, with the commands it gives (`kubectl ...`, up to the next `, `,
/// `; ` or the end: names hold none of these) as code spans, to copy whole.
fn commands_as_code(text: &str) -> String {
    if text.contains('`') {
        // Spans of its own already: shown as written.
        return escape::markdown_inline(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(at) = rest.find("kubectl ") {
        let (prose, tail) = rest.split_at(at);
        let end = [", ", "; "]
            .iter()
            .filter_map(|stop| tail.find(stop))
            .min()
            .unwrap_or(tail.len());
        out.push_str(&escape::markdown_inline(prose));
        out.push_str(&code(&tail[..end]));
        rest = &tail[end..];
    }
    out.push_str(&escape::markdown_inline(rest));
    out
}

/// The workloads that need a person: manual, ambiguous, not found; one row each, and after
/// the table, the reasons shared by several workloads once each with the workloads listed.
fn needs_a_person(plan: &Plan) -> List {
    let mut notes = Vec::new();
    for action in [Action::Manual, Action::Ambiguous, Action::NotFound] {
        notes.extend(
            plan.workloads
                .iter()
                .filter(|w| w.decision.action() == action)
                .map(|w| Note::reason(w.id(), action, w.decision.reason().unwrap_or(""))),
        );
    }
    let entries = group::group(notes, false);
    let (rows, groups): (Vec<Entry>, Vec<Entry>) = entries
        .into_iter()
        .partition(|e| matches!(e, Entry::One(_)));
    let mut items: Vec<Item> = rows
        .into_iter()
        .filter_map(|entry| match entry {
            Entry::One(note) => {
                let Topic::Reason(action) = note.topic else {
                    return None;
                };
                let who = note
                    .who
                    .as_ref()
                    .map_or_else(String::new, ToString::to_string);
                Some(Item::text(
                    priority(note.topic),
                    format!(
                        "| {} | {} | {} |\n",
                        code_cell(&who),
                        action.as_str(),
                        escape::markdown_cell(&next_step(&note))
                    ),
                ))
            }
            _ => None,
        })
        .collect();
    let table = !items.is_empty();
    items.extend(groups.into_iter().map(|entry| {
        let Entry::Same { topic, text, whom } = entry else {
            return entry_in(entry, false);
        };
        let name = topic.as_str();
        let said = next_step(&Note {
            topic,
            who: None,
            text,
        });
        Item {
            priority: priority(topic),
            head: format!(
                "\n- **{} workloads** ({name}): {said}\n  <details><summary>Workloads</summary>\n\n",
                whom.len()
            ),
            lines: whom
                .iter()
                .map(|w| format!("  - {}\n", code(&w.to_string())))
                .collect(),
            tail: "\n  </details>\n".to_owned(),
            more: |n| format!("  - _… and {n} more_\n"),
        }
    }));
    let head = if table {
        "\n### Needs a person\n\n| workload | action | next step |\n|---|---|---|\n"
    } else {
        "\n### Needs a person\n"
    };
    List {
        head: head.to_owned(),
        items,
        tail: String::new(),
        more: |n| format!("\n_{n} more not shown._\n"),
        left_out: |n| {
            budget::count(
                n,
                "workload that needs a person",
                "workloads that need a person",
            )
        },
        share: None,
    }
}

/// The workloads with nothing to do (already bumped, skipped), collapsed.
fn nothing_to_do(plan: &Plan) -> List {
    let done: Vec<_> = plan
        .workloads
        .iter()
        .filter(|w| matches!(w.decision.action(), Action::AlreadyBumped | Action::Skipped))
        .collect();
    let items = done
        .iter()
        .map(|w| {
            let row = format!(
                "| {} | {} | {} | {} |\n",
                code_cell(&w.id().to_string()),
                w.decision.action().as_str(),
                w.pods.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                cell(w.decision.reason().unwrap_or("-")),
            );
            Item::text(Priority::Context, row)
        })
        .collect();
    List {
        head: format!(
            "\n<details><summary>Nothing to do for {} (already restarted in the repository, or \
             not restarted)</summary>\n\n| workload | action | pods | why |\n|---|---|---:|---|\n",
            budget::count(done.len(), "workload", "workloads")
        ),
        items,
        tail: "\n</details>\n".to_owned(),
        more: |n| format!("\n_{n} more not shown._\n"),
        left_out: |n| {
            budget::count(
                n,
                "workload with nothing to do",
                "workloads with nothing to do",
            )
        },
        share: None,
    }
}

/// A GitHub alert (`> [!CAUTION]`) holding a list of entries, every line quoted.
fn alert(kind: &str, title: &str, entries: Vec<Entry>, left_out: budget::Count) -> List {
    List {
        head: format!("\n> [!{kind}]\n> **{title}:**\n>\n"),
        items: entries
            .into_iter()
            .map(|entry| entry_in(entry, true))
            .collect(),
        tail: String::new(),
        more: |n| format!("> - _{n} more not shown._\n"),
        left_out,
        share: None,
    }
}

/// A collapsed list of entries.
fn collapsed(title: &str, entries: Vec<Entry>, left_out: budget::Count) -> List {
    List {
        head: format!(
            "\n<details><summary>{title} ({})</summary>\n\n",
            entries.len()
        ),
        items: entries
            .into_iter()
            .map(|entry| entry_in(entry, false))
            .collect(),
        tail: "\n</details>\n".to_owned(),
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

/// Every line of `text` quoted (`> `), for the inside of an alert.
fn quote(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            if line == "\n" {
                ">\n".to_owned()
            } else {
                format!("> {line}")
            }
        })
        .collect()
}

/// A list item for an entry; a group's workloads (or its notes) in a `<details>` list, each
/// a line the budget may cut.
pub(super) fn entry(entry: Entry) -> Item {
    entry_in(entry, false)
}

/// [`entry`], every line quoted when `quoted` (inside an alert).
fn entry_in(entry: Entry, quoted: bool) -> Item {
    let priority = priority(entry.topic());
    let q = |text: String| if quoted { quote(&text) } else { text };
    let details = |head: String, summary: &str, lines: Vec<String>| Item {
        priority,
        head: q(format!(
            "{head}\n  <details><summary>{summary}</summary>\n\n"
        )),
        lines: lines.into_iter().map(q).collect(),
        tail: q("\n  </details>\n".to_owned()),
        more: if quoted {
            |n| format!(">   - _… and {n} more_\n")
        } else {
            |n| format!("  - _… and {n} more_\n")
        },
    };
    match entry {
        Entry::One(note) => Item::text(priority, q(format!("- {}\n", note_line(&note)))),
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
            let name = topic.as_str();
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

#[cfg(test)]
mod tests;
