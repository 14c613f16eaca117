//! The text report: a summary table, what needs attention, then the coloured diff. Outside
//! text (names, paths, reasons, the diff's lines) goes through [`escape::text`] and
//! [`escape::line`], before the styles are added. A warning or a reason that repeats for
//! [`GROUP_MIN`](super::group::GROUP_MIN) or more workloads is one note with the count, its
//! workloads listed below it ([`super::group`]); findings that only share a code stay a list.
//!
//! The action column is coloured by what it asks of the reader (a restart green, a person
//! yellow, a workload not found red), a critical note (lost at the deadline) is marked `!` in
//! bold red, and the deadline says how far it is (`in 2 days`, `5 hours ago`). The styles are
//! always written; the caller's stream (anstream) strips them for a pipe or under `NO_COLOR`.
//! Notes are wrapped to the terminal's width, with a hanging indent, only when stdout is a
//! terminal ([`terminal_width`]): a pipe or a log gets one line per note, as before.

use std::fmt::Write as _;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use chrono::{DateTime, Utc};

use super::escape::{self, text};
use super::group::{self, Entry, Note, Topic};
use super::unified_diff;
use crate::model::Severity;
use crate::plan::{Action, Plan};
use crate::time::{countdown, format_time};

const BOLD: Style = Style::new().bold();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const WARN: Style = AnsiColor::Yellow.on_default();
const CRITICAL: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// The narrowest width notes are wrapped to: below it, a wrapped note would be harder to read
/// than a long line.
const MIN_WIDTH: usize = 40;

/// The style of an action in the table: what it asks of the reader.
fn action_style(action: Action) -> Style {
    match action {
        Action::Bump => ADDED,
        Action::Manual | Action::Ambiguous => WARN,
        Action::NotFound => REMOVED,
        Action::AlreadyBumped | Action::Skipped => DIM,
    }
}

/// The width of the terminal stdout is, when it is one; `None` for a pipe or a file.
pub fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    terminal_size::terminal_size().map(|(width, _)| usize::from(width.0))
}

/// Write the plan for a person reading a terminal or a CI log, wrapped to the terminal when
/// stdout is one.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    render_wrapped(plan, terminal_width(), out)
}

/// [`render`], the notes wrapped to `width` columns when given.
pub fn render_wrapped(
    plan: &Plan,
    width: Option<usize>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let width = width.map(|w| w.max(MIN_WIDTH));
    let bumps = plan
        .workloads
        .iter()
        .filter(|w| w.decision.action() == Action::Bump)
        .count();
    writeln!(
        out,
        "{BOLD}{} workload(s), {bumps} to restart, {} file(s) to change{BOLD:#}",
        plan.workloads.len(),
        plan.edits.len()
    )?;
    if let Some(cluster) = &plan.cluster {
        writeln!(out, "cluster:          {}", text(cluster))?;
    }
    if let Some(cutoff) = plan.launched_before {
        writeln!(out, "launched before:  {}", format_time(cutoff))?;
    }
    match plan.deadline {
        Some(deadline) => writeln!(
            out,
            "deadline:         {}",
            deadline_counted(deadline, plan.now)
        )?,
        None => writeln!(out, "deadline:         {WARN}unknown{WARN:#}")?,
    }
    writeln!(out, "restart value:    {}", format_time(plan.restarted_at))?;
    if !plan.workloads.is_empty() {
        writeln!(out)?;
        render_table(plan, out)?;
    }
    let notes: Vec<Note> = plan
        .workloads
        .iter()
        .flat_map(|w| {
            let who = w.id();
            let reason = w
                .decision
                .reason()
                .map(|r| Note::reason(who.clone(), w.decision.action(), r));
            reason.into_iter().chain(
                w.warnings
                    .iter()
                    .map(move |f| Note::finding(Some(who.clone()), f)),
            )
        })
        .chain(plan.warnings.iter().map(|f| Note::finding(None, f)))
        .collect();
    if !notes.is_empty() {
        writeln!(out, "\n{WARN}notes:{WARN:#}")?;
        for entry in group::group(notes, false) {
            render_entry(&entry, width, out)?;
        }
    }
    if !plan.skipped_files.is_empty() {
        writeln!(out, "\n{WARN}skipped files:{WARN:#}")?;
        for s in &plan.skipped_files {
            let said = match s.line {
                Some(line) => format!("{}:{line}: {}", text(&s.file), text(&s.reason)),
                None => format!("{}: {}", text(&s.file), text(&s.reason)),
            };
            writeln!(out, "  - {}", wrap(&said, 4, width))?;
        }
    }
    render_diffs(plan, out)
}

/// The deadline and the time to it from `now`, styled: `2026-12-04T00:00:00Z (in 2 days)` in
/// bold, or `(passed 5 hours ago)` in bold red. The plan's and `verify`'s text reports.
pub(crate) fn deadline_counted(deadline: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if deadline >= now {
        format!(
            "{} ({BOLD}{}{BOLD:#})",
            format_time(deadline),
            countdown(deadline, now)
        )
    } else {
        format!(
            "{} ({CRITICAL}passed {}{CRITICAL:#})",
            format_time(deadline),
            countdown(deadline, now)
        )
    }
}

/// The marker of a critical finding in the text reports: `!` in bold red.
pub(crate) fn critical_mark() -> String {
    format!("{CRITICAL}!{CRITICAL:#}")
}

/// `line` (escaped, without styles) wrapped at spaces to `width` columns, the lines after the
/// first indented by `indent` (the first is already, by the caller's marker); as it is
/// without a width. A word longer than a line is left whole.
fn wrap(line: &str, indent: usize, width: Option<usize>) -> String {
    let Some(width) = width else {
        return line.to_owned();
    };
    let room = width.saturating_sub(indent).max(1);
    let mut out = String::with_capacity(line.len());
    let mut used = 0;
    for (i, word) in line.split(' ').enumerate() {
        let size = word.chars().count();
        if i > 0 && used > 0 && used + 1 + size > room {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            used = 0;
        } else if i > 0 {
            out.push(' ');
            used += 1;
        }
        out.push_str(word);
        used += size;
    }
    out
}

/// The marker of a note: `!` in bold red for a critical finding (lost at the deadline), `-`
/// for any other.
fn marker(topic: Topic) -> String {
    match topic {
        Topic::Finding(_, Severity::Critical) => critical_mark(),
        _ => "-".to_owned(),
    }
}

/// A note as `  - WHO (ACTION): TEXT`; a group as its count and text, then its workloads (or
/// its notes) one per line below.
fn render_entry(entry: &Entry, width: Option<usize>, out: &mut dyn Write) -> std::io::Result<()> {
    let action = |topic: Topic| match topic {
        Topic::Reason(action) => format!(" ({})", action.as_str()),
        Topic::Finding(..) => String::new(),
    };
    let line = |note: &Note| match &note.who {
        // Not found: the command `verify` and the body give, so the terminal says it too.
        Some(who) if note.topic == Topic::Reason(Action::NotFound) => format!(
            "{who}{}: {}; {}",
            action(note.topic),
            note.text,
            crate::verify::by_hand(&crate::verify::restart_command(
                who.namespace.as_deref(),
                &who.kind,
                &who.name
            ))
        ),
        Some(who) => format!("{who}{}: {}", action(note.topic), note.text),
        None => note.text.clone(),
    };
    match entry {
        Entry::One(note) => writeln!(
            out,
            "  {} {}",
            marker(note.topic),
            wrap(&text(&line(note)), 4, width)
        ),
        Entry::Same {
            topic,
            text: said,
            whom,
        } => {
            let head = format!("{} workloads{}: {}", whom.len(), action(*topic), text(said));
            writeln!(out, "  {} {}", marker(*topic), wrap(&head, 4, width))?;
            for who in whom {
                writeln!(out, "      {}", text(&who.to_string()))?;
            }
            Ok(())
        }
        Entry::Code { topic, notes } => {
            let name = topic.as_str();
            writeln!(out, "  {} {} warnings {name}:", marker(*topic), notes.len())?;
            for note in notes {
                writeln!(out, "      {}", wrap(&text(&line(note)), 8, width))?;
            }
            Ok(())
        }
    }
}

/// The summary table, columns aligned.
fn render_table(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    const HEADER: [&str; 6] = ["ACTION", "NAMESPACE", "KIND", "NAME", "PODS", "FILE"];
    let rows: Vec<[String; 6]> = plan
        .workloads
        .iter()
        .map(|w| {
            [
                w.decision.action().as_str().to_owned(),
                text(w.namespace.as_deref().unwrap_or("-")).into_owned(),
                text(w.kind.as_str()).into_owned(),
                text(&w.name).into_owned(),
                w.pods.map_or_else(|| "-".to_owned(), |p| p.to_string()),
                w.decision
                    .place()
                    .map_or_else(|| "-".to_owned(), |p| text(&p.to_string()).into_owned()),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([HEADER[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[&str]| {
        let mut s = String::new();
        for (i, cell) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                let _ = write!(s, "{cell:<width$}  ", width = widths[i]);
            }
        }
        s
    };
    writeln!(out, "{BOLD}{}{BOLD:#}", line(&HEADER))?;
    for (row, w) in rows.iter().zip(&plan.workloads) {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        // The action, padded as plain text, then styled: the padding stays aligned.
        let padded = line(&cells);
        let (action, rest) = padded.split_at(widths[0].min(padded.len()));
        let style = action_style(w.decision.action());
        writeln!(out, "{style}{action}{style:#}{rest}")?;
    }
    Ok(())
}

/// The unified diff of every edit, coloured by line kind; each line escaped on its own.
fn render_diffs(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    for edit in &plan.edits {
        writeln!(out)?;
        for line in unified_diff(&text(&edit.path), &edit.before, &edit.after).split_inclusive('\n')
        {
            let style = if line.starts_with("+++") || line.starts_with("---") {
                BOLD
            } else if line.starts_with('+') {
                ADDED
            } else if line.starts_with('-') {
                REMOVED
            } else if line.starts_with("@@") {
                HUNK
            } else {
                Style::new()
            };
            let (body, eol) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            write!(out, "{style}{}{style:#}{eol}", escape::line(body))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_wrap_at_spaces_with_a_hanging_indent_only_when_given_a_width() {
        let line = "shop/Pod/debug-shell: no PodDisruptionBudget selects this pod: EKS evicts it";
        assert_eq!(wrap(line, 4, None), line);
        assert_eq!(
            wrap(line, 4, Some(40)),
            "shop/Pod/debug-shell: no\n    PodDisruptionBudget selects this\n    pod: EKS evicts it"
        );
        for wrapped in wrap(line, 4, Some(40)).lines() {
            assert!(
                wrapped.trim_start().chars().count() + 4 <= 40,
                "{wrapped:?}"
            );
        }
        // A word longer than a line stays whole.
        let long = "x".repeat(60);
        assert_eq!(
            wrap(&format!("a {long} b"), 4, Some(40)),
            format!("a\n    {long}\n    b")
        );
    }

    fn demo_like() -> Plan {
        use crate::model::{Code, Finding, Kind, Place};
        use crate::plan::{Decision, PlannedWorkload};
        let at = |t: &str| t.parse().unwrap();
        let workload = |name: &str, decision: Decision| PlannedWorkload {
            namespace: Some("shop".to_owned()),
            kind: Kind::Deployment,
            name: name.to_owned(),
            pods: Some(2),
            oldest_pod_created: None,
            decision,
            warnings: Vec::new(),
        };
        let mut web = workload(
            "web",
            Decision::Bump {
                place: Place::new("apps/web.yaml", Some(2)),
            },
        );
        web.warnings.push(Finding::critical(
            Code::PdbBlocksEviction,
            "PodDisruptionBudget web allows no disruption: EKS eviction will fail and the pods \
             will be terminated at the deadline without further notice",
        ));
        Plan {
            cluster: Some("prod-eks".to_owned()),
            launched_before: Some(at("2026-11-20T09:00:00Z")),
            deadline: Some(at("2026-12-04T00:00:00Z")),
            now: at("2026-12-01T19:00:00Z"),
            workloads: vec![
                web,
                workload(
                    "gone",
                    Decision::NotFound {
                        reason: "no manifest defines it".to_owned(),
                    },
                ),
            ],
            ..Plan::empty(at("2026-11-20T09:00:00Z"))
        }
    }

    #[test]
    fn actions_are_coloured_critical_notes_marked_and_the_deadline_counted_down() {
        let mut out = Vec::new();
        render_wrapped(&demo_like(), Some(60), &mut out).unwrap();
        let styled = String::from_utf8(out).unwrap();
        assert!(
            styled.contains(&format!("{ADDED}bump     {ADDED:#}  shop")),
            "{styled}"
        );
        assert!(
            styled.contains(&format!("{REMOVED}not-found{REMOVED:#}  shop")),
            "{styled}"
        );
        assert!(styled.contains(&format!(
            "deadline:         2026-12-04T00:00:00Z ({BOLD}in 2 days{BOLD:#})"
        )));
        assert!(styled.contains(&format!("  {CRITICAL}!{CRITICAL:#} shop/Deployment/web: ")));
        let stripped = anstream::adapter::strip_str(&styled).to_string();
        let notes = stripped.split("notes:\n").nth(1).unwrap();
        assert!(notes.lines().count() > 2, "wrapped: {notes}");
        for line in notes.lines() {
            assert!(line.chars().count() <= 60, "{line:?}");
        }
        let mut plan = demo_like();
        plan.now = "2026-12-04T05:00:00Z".parse().unwrap();
        let mut out = Vec::new();
        render_wrapped(&plan, None, &mut out).unwrap();
        let stripped = anstream::adapter::strip_str(std::str::from_utf8(&out).unwrap()).to_string();
        assert!(stripped.contains("deadline:         2026-12-04T00:00:00Z (passed 5 hours ago)"));
        assert!(stripped.contains("\n  ! shop/Deployment/web: PodDisruptionBudget web allows no disruption: EKS eviction will fail and the pods will be terminated at the deadline without further notice\n"), "{stripped}");
    }

    #[test]
    fn a_workload_not_found_gets_the_command_that_restarts_it_by_hand() {
        let mut out = Vec::new();
        render_wrapped(&demo_like(), None, &mut out).unwrap();
        let stripped = anstream::adapter::strip_str(std::str::from_utf8(&out).unwrap()).to_string();
        assert!(
            stripped.contains("gone (not-found): no manifest defines it; restart it by hand: kubectl rollout restart -n shop deployment/gone or with its owner's tooling\n"),
            "{stripped}"
        );
    }
}
