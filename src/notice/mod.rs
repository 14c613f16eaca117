//! AWS notices about Fargate patching, turned into plain data: the cutoff, the deadline, the
//! cluster, and for failed evictions the exact pods.
//!
//! Three forms are understood, as JSON or YAML: an AWS Health event as EventBridge delivers it
//! (also inside a `repository_dispatch` payload), the output of `aws health
//! describe-event-details`, and EKS `EKS Fargate Pod Scheduled Termination` events (one, a list,
//! or one per line). The outputs of `aws health describe-events` and `describe-affected-entities`
//! give no cutoff (the notice's description holds it): they are answered with an error that names
//! the events that may be the notice and the `describe-event-details` command to run next, never
//! read for dates. A Health event is recognised by what it says (service EKS, a description
//! about Fargate and evicting or terminating), never by its `eventTypeCode`, which AWS does not
//! document for this notice. The dates AWS writes into the description's prose are read by a
//! small tokenizer: a date right after "launched/created/started before" is the cutoff, a date
//! the eviction happens on, after, by or starting from is the deadline; without them the
//! notice's own times stand in. A date of the prose that is the cutoff or the deadline but can't
//! be read for sure (a zone it does not know, a day that does not exist) is not dropped: it is
//! a [`DateNote`], which the run turns into an error unless a flag gives that date, and a zone
//! abbreviation read by assumption (`PST`) is one too, to be said. This module does no I/O and
//! prints nothing: it takes text and the name of where the text came from (used only in
//! messages) and returns plain data or one error naming that source. It never panics, whatever
//! the input, and never guesses a cluster. Invariants: every time is UTC; a notice's `cluster`
//! is set only when exactly one cluster is named; [`combine_for`] never mixes clusters silently,
//! nor drops every notice for not naming the cluster chosen.
//!
//! The work is split the way a notice is read: `input` turns the text into JSON values and where
//! each sits, `forms` recognises each value as one of the three forms (its time fields through
//! `timestamps`, its description's dates through `prose`, which finds them with `dates`; the
//! Health lists that are not notices through `health_lists`), and
//! `combine` merges notices into one [`Cutoff`], and `schedule` settles the run's dates from it
//! and the flags, checked against the time of the run. This file holds the public types and
//! [`parse`]; the submodules are private: callers see these types, [`parse`], [`combine_for`]
//! and [`schedule()`], nothing else.

mod combine;
mod dates;
mod forms;
mod health_lists;
mod input;
mod prose;
mod schedule;
#[cfg(test)]
mod testing;
mod timestamps;

use std::fmt;

use chrono::{DateTime, Utc};

pub use combine::combine_for;
pub use schedule::{Given, Schedule, schedule};

/// What a notice must be; every "this is not a notice" message ends with it.
const EXPECTED: &str = "expected an AWS Health event (source aws.health), \
    `aws health describe-event-details` output, or EKS Fargate Pod Scheduled Termination events";

/// Which kind of notice a [`Notice`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// An AWS Health event (EventBridge form or `describe-event-details`): a cutoff for every
    /// Fargate pod of the cluster.
    HealthEvent,
    /// EKS Fargate Pod Scheduled Termination events: the exact pods whose eviction failed.
    PodTerminations,
}

/// One parsed notice file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    /// Pods created before this are affected. `None` for pod terminations (they name the pods
    /// whatever their age) and for a Health event that gives no date at all.
    pub launched_before: Option<DateTime<Utc>>,
    /// When EKS evicts or terminates.
    pub deadline: Option<DateTime<Utc>>,
    /// The cluster, when the notice names exactly one.
    pub cluster: Option<String>,
    /// Every cluster the notice names, in the order first named.
    pub clusters: Vec<String>,
    /// The pods of scheduled-termination events, in input order; empty for Health events.
    pub pods: Vec<PodTermination>,
    /// The Health event's ARN.
    pub event_arn: Option<String>,
    /// The cutoff and deadline dates of the description that were read by assumption or not
    /// at all.
    pub notes: Vec<DateNote>,
}

/// Which of a notice's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRole {
    /// Pods launched before it are affected.
    Cutoff,
    /// When EKS evicts.
    Deadline,
}

/// A cutoff or deadline written in a notice's description that was not read for sure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateNote {
    /// The notice: its file name and position (`notice.json, line 2`).
    pub source: String,
    pub role: DateRole,
    /// The date as the description writes it.
    pub text: String,
    pub reading: Reading,
}

/// How a [`DateNote`]'s date was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// Not at all, and why: a day or time that does not exist, a zone unknown or ambiguous.
    Unreadable(String),
    /// With a zone abbreviation taken to mean one zone: `` `PST` as UTC-08:00 (US Pacific
    /// Standard Time) ``.
    Assumed(String),
}

/// One `EKS Fargate Pod Scheduled Termination` event: EKS could not evict this pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodTermination {
    pub cluster: String,
    pub namespace: String,
    pub pod: String,
    /// When EKS will terminate the pod without further notice.
    pub scheduled_termination: DateTime<Utc>,
    /// Why the eviction failed, as EKS put it (for the workload's warnings).
    pub evict_error: Option<String>,
    /// When EKS sent the event (its `time`): it had failed to evict the pod by then, so the pod
    /// was created before it.
    pub sent: Option<DateTime<Utc>>,
}

/// What all notices together say: the input the plan needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cutoff {
    pub launched_before: Option<DateTime<Utc>>,
    pub deadline: Option<DateTime<Utc>>,
    pub cluster: Option<String>,
    pub pods: Vec<PodTermination>,
    /// The latest `time` of the scheduled-termination events kept: every pod they name was
    /// created before it.
    pub last_failed_eviction: Option<DateTime<Utc>>,
    /// The notes of every notice kept, in input order.
    pub notes: Vec<DateNote>,
}

/// Where in a notice file a problem sits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum At {
    /// The file holds a single notice; its name says enough.
    #[default]
    Whole,
    /// The value starting on this 1-based line (JSON lines, several JSON values).
    Line(usize),
    /// The 1-based element of a top-level list.
    Item(usize),
    /// The 1-based document of a YAML stream.
    Document(usize),
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Whole => Ok(()),
            At::Line(n) => write!(f, ", line {n}"),
            At::Item(n) => write!(f, ", item {n}"),
            At::Document(n) => write!(f, ", document {n}"),
        }
    }
}

/// Why a notice could not be read. Each renders as one line that starts with the source name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoticeError {
    /// Nothing but whitespace (or YAML comments).
    #[error("{input}: the notice is empty; {}", EXPECTED)]
    Empty { input: String },
    /// Neither valid JSON nor valid YAML.
    #[error(
        "{input}: line {line}, column {column}: invalid {format}: {message}; {}",
        EXPECTED
    )]
    Syntax {
        input: String,
        format: &'static str,
        line: usize,
        column: usize,
        message: String,
    },
    /// Valid data, but no notice this tool knows; `found` says what it is instead.
    #[error("{input}{at}: {found}; {}", EXPECTED)]
    NotANotice {
        input: String,
        at: At,
        found: String,
    },
    /// An AWS Health event about another service.
    #[error(
        "{input}{at}: an AWS Health event for service {service}, not EKS; \
         expected an EKS Fargate eviction notice"
    )]
    NotEks {
        input: String,
        at: At,
        service: String,
    },
    /// An EKS Health event about something other than evicting Fargate pods.
    #[error(
        "{input}{at}: the EKS Health event {event_type} is not a Fargate eviction notice \
         (its description does not mention Fargate and evicting or terminating pods)"
    )]
    NotFargateEviction {
        input: String,
        at: At,
        event_type: String,
    },
    /// A recognised notice with a missing or malformed field.
    #[error("{input}{at}: {message}")]
    Invalid {
        input: String,
        at: At,
        message: String,
    },
    /// Notices naming different clusters, combined without saying which one is meant.
    #[error(
        "the notices name different clusters ({}); pass --cluster to choose one",
        .clusters.join(", ")
    )]
    Clusters { clusters: Vec<String> },
    /// Every notice names clusters, and none of them is the one chosen.
    #[error(
        "the notices name {what} {named}, but --cluster is {chosen}, which they do not name; \
         give --cluster {first} (the EKS cluster's name, as the notices write it), or the \
         notices of {chosen}",
        what = if .named.len() == 1 { "cluster" } else { "clusters" },
        named = .named.join(", "),
        first = .named.first().map_or("", String::as_str)
    )]
    OtherCluster { named: Vec<String>, chosen: String },
}

/// Parse one notice file.
///
/// `source` names where `text` came from (a path, `-`) and only appears in error messages. Several
/// Health events in one file are merged as [`combine_for`] merges notices; Health events and pod
/// terminations in one file are an error (give them as separate files).
pub fn parse(text: &str, source: &str) -> Result<Notice, NoticeError> {
    let mut health = Vec::new();
    let mut pods = Vec::new();
    for (value, at) in input::flatten(input::read(text, source)?) {
        let ctx = forms::Ctx { input: source, at };
        match forms::recognise(&value, &ctx)? {
            forms::Parsed::Health(notice) => health.push(notice),
            forms::Parsed::Termination(pod) => pods.push(pod),
        }
    }
    match (health.is_empty(), pods.is_empty()) {
        (false, true) => Ok(combine::merge_health(health)),
        (true, false) => Ok(combine::terminations(pods)),
        (false, false) => Err(NoticeError::Invalid {
            input: source.to_owned(),
            at: At::Whole,
            message: "mixes AWS Health events and EKS Fargate Pod Scheduled Termination \
                      events; give each kind in a file of its own"
                .to_owned(),
        }),
        (true, true) => Err(NoticeError::NotANotice {
            input: source.to_owned(),
            at: At::Whole,
            found: "found an empty list".to_owned(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::testing::{health, message};

    #[test]
    fn garbage_says_what_was_expected() {
        for (text, start) in [
            ("hello world", "g: found a string; expected"),
            (
                "{\"a\": 1,",
                "g: line 1, column 8: invalid JSON: EOF while parsing a value; expected",
            ),
            ("{\"a\": 1} {", "g: line 1, column 10: invalid JSON"),
            (
                "apiVersion: v1\nkind: Pod\n",
                "g: found a Kubernetes Pod; expected",
            ),
            ("[]", "g: found an empty list; expected"),
            ("[[1]]", "g, item 1: found a list inside a list"),
            ("{}", "g: found an object with keys (none); expected"),
            ("key: [unclosed\n", "g: line "),
            ("\u{0}\u{1}garbage", "g: "),
        ] {
            let err = message(parse(text, "g"));
            assert!(err.starts_with(start), "{text:?}: {err}");
            assert!(!err.contains('\n'), "one line: {err}");
        }
    }

    #[test]
    fn mixing_kinds_in_one_file_is_an_error() {
        let text = format!(
            "{}\n{}",
            health("EKS Fargate will evict pods."),
            include_str!("../../fixtures/notices/scheduled-termination.json").replace('\n', " ")
        );
        assert!(message(parse(&text, "m")).contains("mixes AWS Health events and"));
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(text in "\\PC*") {
            let _ = parse(&text, "p");
        }

        #[test]
        fn parse_never_panics_on_json_like_text(text in "[\\[\\]{}\":,.0-9a-zA-Z \\n-]{0,80}") {
            let _ = parse(&text, "p");
        }
    }
}
