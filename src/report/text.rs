//! The text report: a summary table, what needs attention, then the coloured diff. Outside
//! text (names, paths, reasons, the diff's lines) goes through [`escape::text`] and
//! [`escape::line`], before the styles are added. A warning or a reason that repeats for
//! [`GROUP_MIN`](super::group::GROUP_MIN) or more workloads is one note with the count, its
//! workloads listed below it ([`super::group`]); findings that only share a code stay a list.

use std::fmt::Write as _;
use std::io::Write;

use anstyle::{AnsiColor, Style};

use super::escape::{self, text};
use super::group::{self, Entry, Note, Topic};
use super::unified_diff;
use crate::plan::{Action, Plan};
use crate::time::format_time;

const BOLD: Style = Style::new().bold();
const ADDED: Style = AnsiColor::Green.on_default();
const REMOVED: Style = AnsiColor::Red.on_default();
const HUNK: Style = AnsiColor::Cyan.on_default();
const WARN: Style = AnsiColor::Yellow.on_default();

/// Write the plan for a person reading a terminal or a CI log.
pub fn render(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
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
    if let Some(deadline) = plan.deadline {
        writeln!(out, "deadline:         {}", format_time(deadline))?;
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
            render_entry(&entry, out)?;
        }
    }
    if !plan.skipped_files.is_empty() {
        writeln!(out, "\n{WARN}skipped files:{WARN:#}")?;
        for s in &plan.skipped_files {
            match s.line {
                Some(line) => writeln!(out, "  - {}:{line}: {}", text(&s.file), text(&s.reason))?,
                None => writeln!(out, "  - {}: {}", text(&s.file), text(&s.reason))?,
            }
        }
    }
    render_diffs(plan, out)
}

/// A note as `  - WHO (ACTION): TEXT`; a group as its count and text, then its workloads (or
/// its notes) one per line below.
fn render_entry(entry: &Entry, out: &mut dyn Write) -> std::io::Result<()> {
    let action = |topic: Topic| match topic {
        Topic::Reason(action) => format!(" ({})", action.as_str()),
        Topic::Finding(..) => String::new(),
    };
    let line = |note: &Note| match &note.who {
        Some(who) => format!("{who}{}: {}", action(note.topic), note.text),
        None => note.text.clone(),
    };
    match entry {
        Entry::One(note) => writeln!(out, "  - {}", text(&line(note))),
        Entry::Same {
            topic,
            text: said,
            whom,
        } => {
            writeln!(
                out,
                "  - {} workloads{}: {}",
                whom.len(),
                action(*topic),
                text(said)
            )?;
            for who in whom {
                writeln!(out, "      {}", text(&who.to_string()))?;
            }
            Ok(())
        }
        Entry::Code { topic, notes } => {
            let name = match topic {
                Topic::Finding(code, _) => code.as_str(),
                Topic::Reason(action) => action.as_str(),
            };
            writeln!(out, "  - {} warnings {name}:", notes.len())?;
            for note in notes {
                writeln!(out, "      {}", text(&line(note)))?;
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
    for row in &rows {
        let cells: Vec<&str> = row.iter().map(String::as_str).collect();
        writeln!(out, "{}", line(&cells))?;
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
