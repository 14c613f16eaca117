//! The dates in force and their checks, from notices as they are written: each date case of the
//! prose ends in an error naming the notice and the text, unless its flag states the date; the
//! contradictions and the deadline's findings; the same inputs give the same restart value
//! whatever the time of the run.

use super::{Given, schedule};
use crate::model::{Code, Severity};
use crate::notice::testing::{health, t};
use crate::notice::{Cutoff, combine_for, parse};
use crate::settings::{RestartFrom, RestartValue};

const NOW: &str = "2026-12-01T18:00:00Z";

fn given(cutoff: &Cutoff) -> Given<'_> {
    Given {
        launched_before: None,
        deadline: None,
        cutoff,
        notices: &[],
        restart: RestartValue {
            given: None,
            now: t(NOW),
        },
        writes: true,
    }
}

fn notice(description: &str) -> Cutoff {
    combine_for(&[parse(&health(description), "n.json").unwrap()], None).unwrap()
}

fn error(given: &Given) -> String {
    schedule(given).unwrap_err().to_string()
}

#[test]
fn an_unreadable_cutoff_is_an_error_naming_the_notice_and_the_text() {
    for (description, text, why) in [
        (
            "EKS Fargate will evict pods launched before Nov 20, 2026 9:00 AM PT.",
            "Nov 20, 2026 9:00 AM PT",
            "`PT` is a time zone gitops-restart does not know",
        ),
        (
            "EKS Fargate will evict pods launched before Nov 20, 2026 12:00 ET.",
            "Nov 20, 2026 12:00 ET",
            "`ET` is a time zone gitops-restart does not know",
        ),
        (
            "EKS Fargate will evict pods launched before Nov 20, 2026 17:30 IST.",
            "Nov 20, 2026 17:30 IST",
            "`IST` stands for several time zones (India, Israel or Irish Standard Time)",
        ),
        (
            "EKS Fargate will evict pods launched before Nov 20, 2026 9:00 Pacific Time.",
            "Nov 20, 2026 9:00 Pacific Time",
            "`Pacific Time` is a time zone gitops-restart does not know",
        ),
        (
            "EKS Fargate will evict pods launched before February 30, 2026.",
            "February 30, 2026",
            "February 2026 has no day 30",
        ),
        (
            "EKS Fargate will evict pods launched before November 20, 2026 25:00 UTC.",
            "November 20, 2026 25:00 UTC",
            "there is no such time of day",
        ),
    ] {
        let cutoff = notice(description);
        assert_eq!(
            error(&given(&cutoff)),
            format!(
                "n.json: the cutoff (pods launched before it are affected) `{text}` in the \
                 notice's description can't be read: {why}; give --launched-before with the time \
                 in RFC 3339 (2026-11-20T17:00:00Z) to state it"
            )
        );
        // The flag states the date: the notice's reading of it no longer matters.
        let stated = Given {
            launched_before: Some(t("2026-11-20T17:00:00Z")),
            ..given(&cutoff)
        };
        assert_eq!(
            schedule(&stated).unwrap().launched_before,
            Some(t("2026-11-20T17:00:00Z"))
        );
    }
}

#[test]
fn an_unreadable_deadline_names_its_flag() {
    let cutoff = notice(
        "EKS Fargate will evict pods launched before November 20, 2026. Evictions start on \
         December 4, 2026 at 9:00 PT.",
    );
    let err = error(&given(&cutoff));
    assert!(
        err.starts_with(
            "n.json: the deadline (when EKS evicts) `December 4, 2026 at 9:00 PT` in the \
             notice's description can't be read: `PT` is a time zone"
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            "give --deadline with the time in RFC 3339 (2026-11-20T17:00:00Z) to state it"
        )
    );
    let stated = Given {
        deadline: Some(t("2026-12-04T17:00:00Z")),
        ..given(&cutoff)
    };
    let schedule = schedule(&stated).unwrap();
    assert_eq!(schedule.launched_before, Some(t("2026-11-20T00:00:00Z")));
    assert_eq!(schedule.deadline, Some(t("2026-12-04T17:00:00Z")));
}

#[test]
fn an_assumed_zone_is_said_once() {
    let cutoff = notice(include_str!(
        "../../../fixtures/notices/descriptions/pacific-time.txt"
    ));
    let schedule = schedule(&given(&cutoff)).unwrap();
    let notes: Vec<_> = schedule
        .findings
        .iter()
        .filter(|f| f.code == Code::NoticeZoneAssumed)
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(notes[0].severity, Severity::Info);
    assert_eq!(
        notes[0].message,
        "n.json: the cutoff (pods launched before it are affected) `Nov 19, 2026 9:30 AM PST` \
         was read with `PST` as UTC-08:00 (US Pacific Standard Time); if another zone is meant, \
         give --launched-before in RFC 3339"
    );
}

#[test]
fn a_cutoff_after_the_deadline_is_an_error() {
    let cutoff = notice(
        "EKS Fargate will evict pods launched before November 25, 2026, starting November 21, \
         2026.",
    );
    let mut inputs = given(&cutoff);
    let names = ["n.json".to_owned()];
    inputs.notices = &names;
    assert_eq!(
        error(&inputs),
        "the cutoff 2026-11-25T00:00:00Z (from the notice n.json) is after the deadline \
         2026-11-21T00:00:00Z (from the notice n.json): EKS can't evict pods from the deadline \
         on for being launched before a later time; one of the dates is wrong (a zone read \
         wrong?): give --launched-before and --deadline that agree"
    );
    let nothing = Cutoff::default();
    let flags = Given {
        deadline: Some(t("2026-11-24T00:00:00Z")),
        ..given(&nothing)
    };
    assert!(schedule(&flags).is_ok(), "no cutoff: nothing to contradict");
    let flags = Given {
        launched_before: Some(t("2026-11-25T00:00:00Z")),
        ..flags
    };
    assert!(error(&flags).contains(
        "(from --launched-before) is after the deadline 2026-11-24T00:00:00Z (from --deadline)"
    ));
}

#[test]
fn a_future_cutoff_is_an_error_unless_a_restart_value_is_given() {
    let future = Cutoff {
        launched_before: Some(t("2026-12-03T00:00:00Z")),
        deadline: Some(t("2026-12-10T00:00:00Z")),
        ..Cutoff::default()
    };
    let err = error(&given(&future));
    assert!(
        err.starts_with(
            "the cutoff 2026-12-03T00:00:00Z (from the notices) is after the time of the run, \
             2026-12-01T18:00:00Z: pods restarted now would still be launched before it"
        ),
        "{err}"
    );
    assert!(err.ends_with("or give --restarted-at TIME to write a value anyway"));
    let mut stated = given(&future);
    stated.restart.given = Some(t("2026-12-01T00:00:00Z"));
    let schedule = schedule(&stated).unwrap();
    assert_eq!(schedule.restarted_at, t("2026-12-01T00:00:00Z"));
    assert_eq!(schedule.restarted_from, RestartFrom::Given);
    // `verify` writes nothing: it lists the pods before the cutoff, whenever it is.
    let verify = Given {
        writes: false,
        ..given(&future)
    };
    assert!(super::schedule(&verify).is_ok());
    // Within the clock skew, it is now.
    let skewed = Cutoff {
        launched_before: Some(t("2026-12-01T18:04:00Z")),
        ..future
    };
    assert!(super::schedule(&given(&skewed)).is_ok());
}

#[test]
fn failed_evictions_from_the_future_are_an_error() {
    let events = Cutoff {
        last_failed_eviction: Some(t("2026-12-02T00:00:00Z")),
        deadline: Some(t("2026-12-05T00:00:00Z")),
        ..Cutoff::default()
    };
    let err = error(&given(&events));
    assert!(
        err.starts_with(
            "the EKS scheduled-termination events (the notices) were sent at \
             2026-12-02T00:00:00Z, after the time of the run, 2026-12-01T18:00:00Z"
        ),
        "{err}"
    );
}

#[test]
fn a_past_deadline_is_critical_and_an_unknown_one_is_said() {
    let past = Cutoff {
        launched_before: Some(t("2026-11-20T00:00:00Z")),
        deadline: Some(t("2026-12-01T12:00:00Z")),
        ..Cutoff::default()
    };
    let schedule = schedule(&given(&past)).unwrap();
    assert_eq!(schedule.findings.len(), 1);
    let finding = &schedule.findings[0];
    assert_eq!(
        (finding.code, finding.severity),
        (Code::DeadlinePassed, Severity::Critical)
    );
    assert_eq!(
        finding.message,
        "the deadline 2026-12-01T12:00:00Z (from the notices) has passed (it is \
         2026-12-01T18:00:00Z): EKS may already be evicting or terminating the pods; merge the \
         restart now, and check with `gitops-restart verify`"
    );

    let unknown = Cutoff {
        launched_before: Some(t("2026-11-20T00:00:00Z")),
        ..Cutoff::default()
    };
    let schedule = super::schedule(&given(&unknown)).unwrap();
    assert_eq!(schedule.deadline, None);
    assert_eq!(
        schedule
            .findings
            .iter()
            .map(|f| (f.code, f.severity))
            .collect::<Vec<_>>(),
        [(Code::DeadlineUnknown, Severity::Warning)]
    );
    let verify = Given {
        writes: false,
        ..given(&past)
    };
    assert_eq!(super::schedule(&verify).unwrap().findings, []);
}

#[test]
fn every_notice_form_gives_the_same_restart_value_whatever_the_time_of_the_run() {
    let forms = [
        (
            include_str!("../../../fixtures/notices/scheduled-terminations.jsonl"),
            "2026-12-01T14:31:57Z",
            RestartFrom::FailedEvictions,
        ),
        (
            include_str!("../../../fixtures/notices/health-event.json"),
            "2026-11-20T09:00:00Z",
            RestartFrom::Cutoff,
        ),
        (
            include_str!("../../../fixtures/notices/describe-event-details.json"),
            "2026-11-20T00:00:00Z",
            RestartFrom::Cutoff,
        ),
        (
            include_str!("../../../fixtures/notices/describe-event-details-iso.json"),
            "2026-11-20T09:00:00Z",
            RestartFrom::Cutoff,
        ),
    ];
    for (text, value, from) in forms {
        let cutoff = combine_for(&[parse(text, "n").unwrap()], None).unwrap();
        for now in ["2026-12-01T18:00:00Z", "2026-12-02T03:04:05Z"] {
            let mut inputs = given(&cutoff);
            inputs.restart.now = t(now);
            let schedule = schedule(&inputs).unwrap();
            assert_eq!(
                (schedule.restarted_at, schedule.restarted_from),
                (t(value), from),
                "{text}"
            );
        }
    }
}
