//! The deadline as the pull request shows it while it waits for a decision: a title prefix and
//! a label that say how close EKS's eviction is, and the one reminder when 48 hours are left.
//! Pure: the plan's deadline and the run's time in (the system's clock, or
//! `GITOPS_RESTART_NOW`), [`Due`] and the reminder's text out.
//!
//! Invariants: the state depends on the deadline and the time only (never on the pull request),
//! so two runs at the same time want the same title and labels and write nothing the second
//! time; the due labels are ours ([`LABELS`], prefixed `gitops-restart:`): when the state
//! changes, the one no longer wanted is removed, and no other label is ever touched.

use chrono::{DateTime, Duration, Utc};

use crate::plan::{Action, Plan};
use crate::report::escape;
use crate::time::format_time;

/// The label of each due state, in order; every other label is left alone.
pub(super) const LABELS: [&str; 3] = [SOON, TODAY, OVERDUE];
const SOON: &str = "gitops-restart:due-soon";
const TODAY: &str = "gitops-restart:due-today";
const OVERDUE: &str = "gitops-restart:overdue";

/// The marker of the reminder posted when 48 hours are left.
pub(super) const REMINDER: &str = "<!-- gitops-restart:due-48h -->";
/// How long before the deadline the reviewers are asked again.
const REMIND_HOURS: i64 = 48;
/// The workloads a reminder names; the rest are counted.
const SHOWN: usize = 20;

/// How close the deadline is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Due {
    /// More than 48 hours left, or no deadline known: nothing is said.
    Later,
    /// At most 48 hours left: also when the reviewers are asked again.
    Soon,
    /// At most 24 hours left.
    Today,
    /// The deadline has passed.
    Overdue,
}

impl Due {
    pub(super) fn at(deadline: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Due {
        let Some(deadline) = deadline else {
            return Due::Later;
        };
        let left = deadline - now;
        if left <= Duration::zero() {
            Due::Overdue
        } else if left <= Duration::hours(24) {
            Due::Today
        } else if left <= Duration::hours(REMIND_HOURS) {
            Due::Soon
        } else {
            Due::Later
        }
    }

    /// The label wanted in this state.
    pub(super) fn label(self) -> Option<&'static str> {
        match self {
            Due::Later => None,
            Due::Soon => Some(SOON),
            Due::Today => Some(TODAY),
            Due::Overdue => Some(OVERDUE),
        }
    }

    /// `title` with this state's prefix.
    pub(super) fn title(self, title: &str) -> String {
        let prefix = match self {
            Due::Later => "",
            Due::Soon => "[due within 48 hours] ",
            Due::Today => "[due within 24 hours] ",
            Due::Overdue => "[overdue] ",
        };
        format!("{prefix}{title}")
    }
}

/// Whether `label` is one of the due labels (compared without case).
pub(super) fn is_due_label(label: &str) -> bool {
    LABELS.iter().any(|l| l.eq_ignore_ascii_case(label))
}

/// Whether a pull request opened at `created_at` is reminded at `now`: at most 48 hours are
/// left, and it was opened before then.
pub(super) fn reminds(plan: &Plan, now: DateTime<Utc>, created_at: Option<&str>) -> bool {
    let Some(deadline) = plan.deadline else {
        return false;
    };
    let from = deadline - Duration::hours(REMIND_HOURS);
    let created = created_at.and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    now >= from && created.is_some_and(|c| c.with_timezone(&Utc) < from)
}

/// The reminder to post when at most 48 hours are left, for a pull request opened before
/// that (`created_at`, GitHub's RFC 3339; a pull request opened later was just asked for):
/// `None` while more time is left, without a deadline, or for a pull request opened within
/// the last 48 hours. It says what is left: the workloads this pull request restarts, those
/// that need a person, and the hours left.
pub(super) fn reminder(
    plan: &Plan,
    now: DateTime<Utc>,
    created_at: Option<&str>,
    reviewers: &[String],
) -> Option<String> {
    if !reminds(plan, now, created_at) {
        return None;
    }
    let deadline = plan.deadline?;
    let of_action = |action: Action| -> Vec<String> {
        plan.workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .map(|w| escape::markdown_code(&w.id().to_string()))
            .collect()
    };
    let bumped = of_action(Action::Bump);
    let person: Vec<String> = [Action::Manual, Action::NotFound, Action::Ambiguous]
        .into_iter()
        .flat_map(of_action)
        .collect();
    let hours = (deadline - now).num_hours();
    let at = format_time(deadline);
    let mut text = if deadline <= now {
        format!(
            "**The deadline has passed: EKS may be evicting the old Fargate pods since {at}.**\n\n"
        )
    } else if hours == 0 {
        format!("**Less than an hour is left before EKS evicts the old Fargate pods ({at}).**\n\n")
    } else {
        format!("**{hours} hour(s) are left before EKS evicts the old Fargate pods ({at}).**\n\n")
    };
    let list = |names: &[String]| crate::report::first_and_more(names, SHOWN);

    if bumped.is_empty() {
        text.push_str("This pull request restarts no workload any more.\n");
    } else {
        text.push_str(&format!(
            "Merging this pull request restarts {} workload(s) still running old pods: {}.\n",
            bumped.len(),
            list(&bumped)
        ));
    }
    if !person.is_empty() {
        text.push_str(&format!(
            "\n{} workload(s) need a person (see the description): {}.\n",
            person.len(),
            list(&person)
        ));
    }
    if !reviewers.is_empty() {
        let names: Vec<String> = reviewers
            .iter()
            .map(|r| escape::markdown_code(&format!("@{r}")))
            .collect();
        text.push_str(&format!(
            "\nReviews were requested again from {}.\n",
            names.join(", ")
        ));
    }
    text.push_str(&format!(
        "\nAfter the merge and the sync, the next `gitops-restart pr` run with the cluster's \
         inventory checks the pods and comments here.\n\n{REMINDER}"
    ));
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_time;

    fn at(t: &str) -> DateTime<Utc> {
        parse_time(t).unwrap()
    }

    #[test]
    fn the_state_follows_the_time_left() {
        let deadline = Some(at("2026-12-04T00:00:00Z"));
        let due = |now: &str| Due::at(deadline, at(now));
        assert_eq!(due("2026-11-29T00:00:00Z"), Due::Later, "5 days");
        assert_eq!(due("2026-12-01T00:00:00Z"), Due::Later, "72 hours");
        assert_eq!(due("2026-12-02T00:00:00Z"), Due::Soon, "48 hours");
        assert_eq!(due("2026-12-02T01:00:00Z"), Due::Soon, "47 hours");
        assert_eq!(due("2026-12-03T00:00:00Z"), Due::Today, "24 hours");
        assert_eq!(due("2026-12-03T23:00:00Z"), Due::Today, "1 hour");
        assert_eq!(due("2026-12-04T00:00:00Z"), Due::Overdue);
        assert_eq!(Due::at(None, at("2026-12-04T00:00:00Z")), Due::Later);
        assert_eq!(Due::Later.title("T"), "T");
        assert_eq!(Due::Overdue.title("T"), "[overdue] T");
        assert_eq!(Due::Later.label(), None);
        assert!(
            LABELS
                .iter()
                .all(|l| l.starts_with("gitops-restart:") && is_due_label(l))
        );
        assert!(!is_due_label("urgent"));
    }

    fn plan(deadline: Option<&str>) -> Plan {
        Plan {
            deadline: deadline.map(at),
            ..Plan::empty(DateTime::UNIX_EPOCH)
        }
    }

    #[test]
    fn the_reminder_comes_at_48_hours_for_a_pull_request_opened_before() {
        let plan = plan(Some("2026-12-04T00:00:00Z"));
        let before = Some("2026-11-20T00:00:00Z");
        let remind = |now: &str, created: Option<&str>| {
            reminder(&plan, at(now), created, &["alice".to_owned()])
        };
        assert_eq!(remind("2026-12-01T23:00:00Z", before), None, "49 hours");
        let text = remind("2026-12-02T01:00:00Z", before).unwrap();
        assert!(
            text.starts_with("**47 hour(s) are left before EKS evicts"),
            "{text}"
        );
        assert!(text.contains("restarts no workload any more"), "{text}");
        assert!(text.contains("requested again from `@alice`"), "{text}");
        assert!(text.ends_with(REMINDER));
        let late = remind("2026-12-04T02:00:00Z", before).unwrap();
        assert!(
            late.starts_with("**The deadline has passed: EKS may be evicting"),
            "{late}"
        );
        assert_eq!(
            remind("2026-12-02T01:00:00Z", Some("2026-12-02T00:30:00Z")),
            None,
            "opened within the 48 hours: just asked"
        );
        assert_eq!(remind("2026-12-02T01:00:00Z", None), None);
        assert_eq!(
            reminder(&self::plan(None), at("2026-12-02T01:00:00Z"), before, &[]),
            None
        );
    }
}
