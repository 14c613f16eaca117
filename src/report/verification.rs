//! `verify`'s markdown report (a step summary, a comment): the workloads that still own old
//! Fargate pods, their pods, and the warnings; outside text shown through [`escape`] in every
//! section.
//!
//! Built as a [`Document`] ([`super::budget`]) so that it fits a limit as the plan's report
//! does: the header is never cut; the table rows come first, then the critical warnings, then
//! the other warnings and the pods of each workload. A warning that repeats for
//! [`GROUP_MIN`](super::group::GROUP_MIN) or more workloads is shown once with the workloads
//! listed ([`super::group`]).

use std::fmt::Write as _;

use super::budget::{self, Budget, Cut, Document, Item, List, Priority, Section};
use super::escape::{self, markdown_text_cell as cell};
use super::group::{self, Note};
use crate::verify::{Verification, pod_list, scope};

/// The longest outside text the header shows (a cluster's name, the deadline as given).
const NAME_MAX: usize = 256;

/// Where the whole report is, for the note of a cut one.
pub const VERIFY: &str = "run `gitops-restart verify` for the full report";

/// The report within `budget`; `whole` says, in the note of a cut report, where the whole one
/// is.
pub fn render_within(v: &Verification, budget: Budget, whole: &str) -> String {
    let note = |cut: &Cut<'_>| super::markdown::cut_note(cut, whole);
    document(v).fit(budget, &note)
}

fn document(v: &Verification) -> Document {
    let mut md = String::new();
    let cluster = v.cluster.as_deref().map(|c| budget::shorten(c, NAME_MAX));
    let title = cluster
        .as_deref()
        .map_or_else(String::new, |c| format!(" on {}", escape::markdown_code(c)));
    let _ = writeln!(md, "## Fargate pods left before the cutoff{title}\n");
    if let Some(deadline) = &v.deadline {
        let _ = writeln!(
            md,
            "**Deadline:** {}\n",
            escape::markdown_inline(&budget::shorten(deadline, NAME_MAX))
        );
    }
    let shown = |s: &str| escape::markdown_inline(&budget::shorten(s, NAME_MAX));
    let mut sections = Vec::new();
    if v.is_clean() {
        let _ = writeln!(
            md,
            "No Fargate pods{} remain: nothing left for EKS to evict.",
            scope(v, shown)
        );
        sections.push(Section::Fixed(md));
    } else {
        let _ = writeln!(
            md,
            "{} Fargate pod(s){} remain, in {} workload(s).\n",
            v.remaining_pods,
            scope(v, shown),
            v.workloads.len()
        );
        sections.push(Section::Fixed(md));
        sections.push(Section::List(table(v)));
        sections.push(Section::List(pods(v)));
    }
    let warnings = Note::findings(
        v.workloads.iter().map(|w| (w.id(), w.warnings.as_slice())),
        &v.warnings,
    );
    let items = group::group(warnings, true)
        .into_iter()
        .map(super::markdown::entry)
        .collect();
    sections.push(Section::List(List {
        head: "\n### Warnings\n\n".to_owned(),
        items,
        tail: String::new(),
        more: |n| format!("- _{n} more not shown._\n"),
        left_out: |n| budget::count(n, "warning", "warnings"),
        share: None,
    }));
    Document { sections }
}

/// A row per workload, with its next step.
fn table(v: &Verification) -> List {
    let items = v
        .workloads
        .iter()
        .map(|w| {
            Item::text(
                Priority::Changes,
                format!(
                    "| {} | {} | {} | {} | {} | {} | {} |\n",
                    w.status.as_str(),
                    cell(&w.namespace),
                    cell(w.kind.as_str()),
                    cell(&w.name),
                    w.pods,
                    cell(&w.oldest_pod_created),
                    cell(&w.next_step)
                ),
            )
        })
        .collect();
    List {
        head: "| status | namespace | kind | name | pods | oldest pod | next step |\n\
               |---|---|---|---|---:|---|---|\n"
            .to_owned(),
        items,
        tail: String::new(),
        more: |n| format!("\n_{n} more workload(s) not shown in this table._\n"),
        left_out: |n| budget::count(n, "row of the table", "rows of the table"),
        share: Some(super::markdown::TABLE_SHARE),
    }
}

/// The old pods of each workload, in a `<details>` block.
fn pods(v: &Verification) -> List {
    let items = v
        .workloads
        .iter()
        .map(|w| {
            Item::text(
                Priority::Context,
                format!(
                    "- {}: {}\n",
                    escape::markdown_code(&w.id().to_string()),
                    escape::markdown_inline(&pod_list(&w.pod_names))
                ),
            )
        })
        .collect();
    List {
        head: "\n<details><summary>Pods</summary>\n\n".to_owned(),
        items,
        tail: "\n</details>\n".to_owned(),
        more: |n| format!("- _{n} more not shown._\n"),
        left_out: |n| budget::count(n, "workload's pods", "workloads' pods"),
        share: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Code, Finding, Kind};
    use crate::verify::{Remaining, Status};

    fn verification(workloads: usize) -> Verification {
        Verification {
            schema: 2,
            cluster: Some("prod".to_owned()),
            launched_before: Some("2026-11-20T09:00:00Z".to_owned()),
            deadline: None,
            remaining_pods: workloads * 3,
            workloads: (0..workloads)
                .map(|i| Remaining {
                    namespace: format!("team-{:02}", i % 50),
                    kind: Kind::Deployment,
                    name: format!("app-{i:05}"),
                    pods: 3,
                    oldest_pod_created: "2026-10-01T00:00:00Z".to_owned(),
                    status: Status::NotRestarted,
                    next_step: "run `gitops-restart pr`, merge, sync".to_owned(),
                    file: None,
                    line: None,
                    pod_names: (0..3).map(|p| format!("app-{i:05}-abc-{p}")).collect(),
                    warnings: vec![
                        Finding::critical(Code::PdbBlocksEviction, "the PDB allows no disruption"),
                        Finding::warning(Code::NoPdb, format!("{i} of these pods have no PDB")),
                    ],
                })
                .collect(),
            warnings: vec![],
        }
    }

    #[test]
    fn small_reports_are_whole_and_warnings_grouped() {
        let v = verification(4);
        let md = render_within(&v, Budget::UNLIMITED, VERIFY);
        assert!(md.starts_with(
            "## Fargate pods left before the cutoff on `prod`\n\n\
             12 Fargate pod(s) created before 2026-11-20T09:00:00Z on prod remain, in 4 workload(s).\n"
        ));
        assert_eq!(md.matches("| not-restarted |").count(), 4);
        assert!(
            md.contains("- **4 workloads:** the PDB allows no disruption\n"),
            "{md}"
        );
        assert!(
            md.contains("- `team-03/Deployment/app-00003`: 3 of these pods have no PDB\n"),
            "a few findings of one code, each its own, stay a list: {md}"
        );
        assert!(!md.contains("Cut to fit"));
    }

    #[test]
    fn large_reports_fit_the_step_summary() {
        let v = verification(8_000);
        let whole = render_within(&v, Budget::UNLIMITED, VERIFY);
        assert!(whole.len() > 1 << 20, "{}", whole.len());
        let limit = 1_000_000;
        let md = render_within(&v, Budget::bytes(limit), VERIFY);
        assert!(md.len() <= limit, "{}", md.len());
        assert!(md.contains("Cut to fit: "), "{}", &md[..400]);
        // Half the summary for the table first, then what needs a person (the critical
        // warning, with every workload), then the other warnings, the rest of the table and
        // the pods.
        let rows = md.matches("| not-restarted |").count();
        assert!((4_000..8_000).contains(&rows), "{rows}");
        assert!(md.contains("- **8000 workloads:** the PDB allows no disruption\n"));
        assert!(md.contains("  - `team-49/Deployment/app-07999`\n"));
        assert!(md.contains("- **8000 warnings** `no-pdb`\n"));
    }
}
