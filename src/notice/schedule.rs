//! The run's dates in force, checked before anything is listed or planned: the cutoff and the
//! deadline (each its flag, else the notices'), the restart value ([`RestartValue::pick`]), and
//! what they mean against the time of the run.
//!
//! - A cutoff or deadline of a notice's description that can't be read (a zone unknown or
//!   ambiguous, a day or time that does not exist) is an error naming the notice and the text,
//!   unless its flag gives that date; one read with an assumed zone (`PST`) is an info finding.
//! - A cutoff after the deadline is an error: the notices or the flags contradict each other.
//! - A restart value after the time of the run (beyond [`CLOCK_SKEW`]) is an error unless it is
//!   `--restarted-at`: pods restarted now would still be launched before such a cutoff, and a
//!   future value makes an Argo Rollout wait for it.
//! - For the commands that write (`plan`, `apply`, `pr`), a past deadline is a critical finding
//!   (EKS may already be terminating pods; the run goes on) and an unknown one a warning.
//!
//! Pure: the values in, a [`Schedule`] or one message out. The time of the run is the one the
//! settings resolved ([`RestartValue::now`]), never the clock read here. Invariants: the same
//! inputs give the same schedule whatever the time of the run, except the last-resort restart
//! value and the deadline findings; a message names where each date came from.

use chrono::{DateTime, Duration, Utc};

use super::{Cutoff, DateRole, Reading};
use crate::model::{Code, Finding};
use crate::settings::{RestartFrom, RestartValue};
use crate::time::format_time;

/// How far ahead of the time of the run a date may be and still be taken as now: the runner's
/// clock and AWS's may differ by that much.
pub const CLOCK_SKEW: Duration = Duration::minutes(5);

/// What the run was given to settle its dates.
pub struct Given<'a> {
    /// `--launched-before`.
    pub launched_before: Option<DateTime<Utc>>,
    /// `--deadline`.
    pub deadline: Option<DateTime<Utc>>,
    /// The notices, combined.
    pub cutoff: &'a Cutoff,
    /// The notices' names as given (`--notice`), for messages.
    pub notices: &'a [String],
    /// `--restarted-at` and the time of the run.
    pub restart: RestartValue,
    /// `plan`, `apply` or `pr`: a restart value is written, and the deadline is said.
    pub writes: bool,
}

/// The dates in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub restarted_at: DateTime<Utc>,
    pub restarted_from: RestartFrom,
    /// What the report must say about the dates.
    pub findings: Vec<Finding>,
}

/// Why the dates can't be used; one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateError(String);

/// Settle and check the run's dates.
///
/// # Errors
/// A date of a notice that can't be read, a cutoff after the deadline, a restart value in the
/// future.
pub fn schedule(given: &Given) -> Result<Schedule, DateError> {
    let now = given.restart.now;
    let mut findings = Vec::new();
    for note in &given.cutoff.notes {
        let flag = flag(note.role);
        let overridden = match note.role {
            DateRole::Cutoff => given.launched_before.is_some(),
            DateRole::Deadline => given.deadline.is_some(),
        };
        if overridden {
            continue;
        }
        let what = match note.role {
            DateRole::Cutoff => "cutoff (pods launched before it are affected)",
            DateRole::Deadline => "deadline (when EKS evicts)",
        };
        match &note.reading {
            Reading::Unreadable(why) => {
                return Err(DateError(format!(
                    "{}: the {what} `{}` in the notice's description can't be read: {why}; \
                     give {flag} with the time in RFC 3339 (2026-11-20T17:00:00Z) to state it",
                    note.source, note.text
                )));
            }
            Reading::Assumed(how) => {
                let finding = Finding::info(
                    Code::NoticeZoneAssumed,
                    format!(
                        "{}: the {what} `{}` was read with {how}; if another zone is meant, \
                         give {flag} in RFC 3339",
                        note.source, note.text
                    ),
                );
                if !findings.contains(&finding) {
                    findings.push(finding);
                }
            }
        }
    }
    let launched_before = given.launched_before.or(given.cutoff.launched_before);
    let deadline = given.deadline.or(given.cutoff.deadline);
    let cutoff_from = origin(given.launched_before.is_some(), "--launched-before", given);
    let deadline_from = origin(given.deadline.is_some(), "--deadline", given);
    if let (Some(cutoff), Some(deadline)) = (launched_before, deadline)
        && cutoff > deadline
    {
        return Err(DateError(format!(
            "the cutoff {} ({cutoff_from}) is after the deadline {} ({deadline_from}): EKS can't \
             evict pods from the deadline on for being launched before a later time; one of the \
             dates is wrong (a zone read wrong?): give --launched-before and --deadline that \
             agree",
            format_time(cutoff),
            format_time(deadline)
        )));
    }
    let (restarted_at, restarted_from) = given
        .restart
        .pick(launched_before, given.cutoff.last_failed_eviction);
    if given.writes && restarted_at > now + CLOCK_SKEW {
        let (at, now) = (format_time(restarted_at), format_time(now));
        match restarted_from {
            RestartFrom::Cutoff => {
                return Err(DateError(format!(
                    "the cutoff {at} ({cutoff_from}) is after the time of the run, {now}: pods \
                     restarted now would still be launched before it, and the restart value \
                     written would be in the future (an Argo Rollout waits for it); check the \
                     date (its year, its zone), or give --restarted-at TIME to write a value \
                     anyway"
                )));
            }
            RestartFrom::FailedEvictions => {
                return Err(DateError(format!(
                    "the EKS scheduled-termination events ({}) were sent at {at}, after the \
                     time of the run, {now}: check this machine's clock, or give --restarted-at \
                     TIME",
                    names(given.notices)
                )));
            }
            RestartFrom::Given | RestartFrom::Clock => {}
        }
    }
    if given.writes {
        match deadline {
            None => findings.push(Finding::warning(
                Code::DeadlineUnknown,
                "the deadline is unknown: neither a notice nor --deadline says when EKS evicts \
                 the pods, so the reports can't say how much time is left; give --deadline (the \
                 eviction date of the AWS Health event)",
            )),
            Some(deadline) if deadline < now => findings.push(Finding::critical(
                Code::DeadlinePassed,
                format!(
                    "the deadline {} ({deadline_from}) has passed (it is {}): EKS may already be \
                     evicting or terminating the pods; merge the restart now, and check with \
                     `gitops-restart verify`",
                    format_time(deadline),
                    format_time(now)
                ),
            )),
            Some(_) => {}
        }
    }
    Ok(Schedule {
        launched_before,
        deadline,
        restarted_at,
        restarted_from,
        findings,
    })
}

fn flag(role: DateRole) -> &'static str {
    match role {
        DateRole::Cutoff => "--launched-before",
        DateRole::Deadline => "--deadline",
    }
}

/// Where a date in force comes from: its flag, else the notices.
fn origin(by_flag: bool, flag: &str, given: &Given) -> String {
    if by_flag {
        format!("from {flag}")
    } else {
        format!("from {}", names(given.notices))
    }
}

fn names(notices: &[String]) -> String {
    match notices {
        [] => "the notices".to_owned(),
        [one] => format!("the notice {one}"),
        many => format!("the notices {}", many.join(", ")),
    }
}

#[cfg(test)]
mod tests;
