//! The dates in a Health event's description, and what each one means. `dates` finds them
//! (`November 20, 2026`, `Friday, 20 Nov 2026 09:00 UTC`, `2026-11-20T09:00:00Z`, ...); here each
//! date's role is decided by the words before it in its sentence: "launched before" marks the
//! cutoff, "starting"/"after"/"by" or an eviction verb the deadline. A date with neither role
//! (when the update was deployed, when the page was updated) is ignored. This module reads only
//! the description's text: the notice's own times, which stand in when the prose gives no date,
//! are `forms`' to apply. Invariants: a date's role comes from the words of its own sentence
//! only; of several cutoffs the latest wins, of several deadlines the earliest; a cutoff or
//! deadline that names no instant (`February 30`, `9:00 PT`) or was read with an assumed zone is
//! one of the `notes`, with its text, never dropped; a date with no role is ignored whatever it
//! says; nothing panics, whatever the text.

use chrono::{DateTime, Utc};

use super::combine::{earlier, later};
use super::dates::{Kind, Token, WEEKDAYS, find_dates, is_word_in, month_of, span, tokenize};
use super::{DateRole as Role, Reading};

/// The cutoff and deadline a description gives, if any.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct DescriptionDates {
    /// The latest "launched before" date (several cutoffs together affect the pods created
    /// before the last one).
    pub(super) cutoff: Option<DateTime<Utc>>,
    /// The earliest eviction date.
    pub(super) deadline: Option<DateTime<Utc>>,
    /// The cutoffs and deadlines not read for sure: their role, their text, how they were read.
    pub(super) notes: Vec<(Role, String, Reading)>,
}

impl DescriptionDates {
    /// `reference` (when the notice was issued) supplies the year of a date written without one.
    pub(super) fn read(text: &str, reference: Option<DateTime<Utc>>) -> Self {
        let tokens = tokenize(text);
        let dates = find_dates(&tokens, reference);
        let mut found = DescriptionDates::default();
        for (n, date) in dates.iter().enumerate() {
            let sentence_start = sentence_start(&tokens, date.first);
            let previous_end = n.checked_sub(1).map_or(0, |p| dates[p].end);
            let next_start = dates.get(n + 1).map_or(tokens.len(), |d| d.first);
            let tail_from = sentence_start.max(previous_end);
            let rest_to = sentence_end(&tokens, date.end).min(next_start);
            let context = Context {
                tail: words(&tokens, tail_from, date.first),
                rest: words(&tokens, date.end, rest_to),
                lead: words(&tokens, sentence_start, tail_from),
            };
            let Some(role) = context.role() else {
                continue;
            };
            let note = |reading| {
                (
                    role,
                    span(text, &tokens, date.first, date.end).to_owned(),
                    reading,
                )
            };
            match (&date.at, role) {
                (Err(why), _) => found.notes.push(note(Reading::Unreadable(why.clone()))),
                (Ok(at), Role::Cutoff) => found.cutoff = later(found.cutoff, Some(*at)),
                (Ok(at), Role::Deadline) => found.deadline = earlier(found.deadline, Some(*at)),
            }
            if let (Ok(_), Some(assumed)) = (&date.at, &date.assumed) {
                found.notes.push(note(Reading::Assumed(assumed.clone())));
            }
        }
        found
    }
}

/// Whether token `k` ends a sentence: `.`, `!`, `?` or `;` before whitespace (not the dot of
/// `Nov.`, `a.m.` or `e.g.`), or a blank line.
fn ends_sentence(tokens: &[Token], k: usize) -> bool {
    let Some(token) = tokens.get(k) else {
        return true;
    };
    match token.kind {
        Kind::Break => tokens.get(k + 1).is_some_and(|t| t.kind == Kind::Break),
        Kind::Punct if matches!(token.text, "." | "!" | "?" | ";") => {
            let then_space = tokens
                .get(k + 1)
                .is_none_or(|t| t.spaced || t.kind == Kind::Break);
            let abbreviation = token.text == "."
                && k.checked_sub(1)
                    .and_then(|p| tokens.get(p))
                    .is_some_and(|t| {
                        t.kind == Kind::Word
                            && (t.text.chars().count() == 1
                                || month_of(t).is_some_and(|_| t.text.len() <= 4)
                                || is_word_in(t, WEEKDAYS) && t.text.len() <= 5)
                    });
            then_space && !abbreviation
        }
        _ => false,
    }
}

fn sentence_start(tokens: &[Token], at: usize) -> usize {
    (0..at)
        .rev()
        .find(|&k| ends_sentence(tokens, k))
        .map_or(0, |k| k + 1)
}

fn sentence_end(tokens: &[Token], from: usize) -> usize {
    (from..tokens.len())
        .find(|&k| ends_sentence(tokens, k))
        .unwrap_or(tokens.len())
}

/// The words of a token range, lower-cased.
fn words(tokens: &[Token], from: usize, to: usize) -> Vec<String> {
    tokens
        .get(from..to)
        .unwrap_or(&[])
        .iter()
        .filter(|t| t.kind == Kind::Word)
        .map(|t| t.text.to_lowercase())
        .collect()
}

/// The words around one date within its sentence.
struct Context {
    /// From the previous date (or the sentence start) up to this date.
    tail: Vec<String>,
    /// From this date to the next date (or the sentence end).
    rest: Vec<String>,
    /// From the sentence start up to `tail`.
    lead: Vec<String>,
}

/// Words that may sit between a marker and its date: "prior to", "on or before", "earlier than".
const FILLER: &[&str] = &["on", "or", "to", "than", "the", "at", "of"];

/// Markers that, after a launch word, make the date the cutoff ("launched after X" names the
/// cutoff too: pods launched after it are already patched).
const CUTOFF_MARKERS: &[&str] = &["before", "prior", "earlier", "after", "since", "older"];

/// Words saying a date is about when pods were created.
const LAUNCH_WORDS: &[&str] = &[
    "launched",
    "launch",
    "created",
    "creation",
    "started",
    "provisioned",
    "deployed",
];

/// Markers that make the date the deadline on their own.
const DEADLINE_MARKERS: &[&str] = &[
    "after",
    "starting",
    "beginning",
    "commencing",
    "from",
    "by",
    "until",
    "till",
    "through",
    "effective",
    "deadline",
    "as",
    "later",
];

/// Word beginnings of what EKS does to the pods at the deadline.
const ACTION_PREFIXES: &[&str] = &[
    "evict", "terminat", "restart", "replac", "recycl", "retir", "reboot", "drain", "redeploy",
    "remov", "schedul",
];

/// Words that tie a date to something else: when the update shipped, when the notice was sent.
const OTHER_EVENT_WORDS: &[&str] = &[
    "deployed",
    "released",
    "published",
    "sent",
    "issued",
    "announced",
    "updated",
    "patched",
    "launched",
    "created",
    "started",
    "provisioned",
    "notice",
    "notification",
    "dated",
    "posted",
    "applied",
];

fn is_action(word: &str) -> bool {
    ACTION_PREFIXES.iter().any(|p| word.starts_with(p))
}

fn is_other_event(word: &str) -> bool {
    OTHER_EVENT_WORDS.contains(&word)
}

impl Context {
    fn role(&self) -> Option<Role> {
        let marker = self
            .tail
            .iter()
            .rposition(|w| !FILLER.contains(&w.as_str()));
        if let Some(m) = marker {
            let word = self.tail[m].as_str();
            if CUTOFF_MARKERS.contains(&word) && (word == "older" || self.launch_before(m)) {
                return Some(Role::Cutoff);
            }
            if DEADLINE_MARKERS.contains(&word) {
                return Some(Role::Deadline);
            }
        }
        // No marker: the nearest verb decides ("begin evicting pods on X", "the update deployed
        // on X"), then the rest of the sentence ("X: EKS begins evicting"), then its start.
        let nearest = self
            .tail
            .iter()
            .rev()
            .find(|w| is_action(w) || is_other_event(w));
        let next = || self.rest.iter().find(|w| is_action(w) || is_other_event(w));
        match nearest.or_else(next) {
            Some(w) if is_action(w) => Some(Role::Deadline),
            Some(_) => None,
            None => self
                .lead
                .iter()
                .any(|w| is_action(w))
                .then_some(Role::Deadline),
        }
    }

    /// Whether a launch word stands shortly before the marker at `m`, with no action between
    /// ("pods launched on Fargate before X", not "pods launched ... will be evicted before X").
    fn launch_before(&self, m: usize) -> bool {
        for w in self.tail[m.saturating_sub(5)..m].iter().rev() {
            if LAUNCH_WORDS.contains(&w.as_str()) {
                return true;
            }
            if is_action(w) {
                return false;
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::parse;
    use crate::notice::testing::{health, t};

    fn dates(text: &str) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
        let found = DescriptionDates::read(text, Some(t("2026-11-20T09:00:00Z")));
        (found.cutoff, found.deadline)
    }

    #[test]
    fn description_fixtures() {
        let cases = [
            (
                include_str!("../../fixtures/notices/descriptions/eviction-start.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../../fixtures/notices/descriptions/starting-first.txt"),
                "2026-11-20T09:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../../fixtures/notices/descriptions/iso-dates.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../../fixtures/notices/descriptions/restart-recommended.txt"),
                "2026-11-20T00:00:00Z",
                "2026-12-04T00:00:00Z",
            ),
            (
                include_str!("../../fixtures/notices/descriptions/pacific-time.txt"),
                "2026-11-19T17:30:00Z",
                "2026-12-04T08:00:00Z",
            ),
        ];
        for (text, cutoff, deadline) in cases {
            assert_eq!(dates(text), (Some(t(cutoff)), Some(t(deadline))), "{text}");
            let n = parse(&health(text), "h.json").unwrap();
            assert_eq!(n.launched_before, Some(t(cutoff)));
            assert_eq!(n.deadline, Some(t(deadline)));
        }
    }

    #[test]
    fn description_without_dates_uses_the_notice_times() {
        let text = include_str!("../../fixtures/notices/descriptions/no-dates.txt");
        assert_eq!(dates(text), (None, None));
        let n = parse(&health(text), "h.json").unwrap();
        assert_eq!(n.launched_before, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(n.deadline, Some(t("2026-12-11T00:00:00Z")));
    }

    #[test]
    fn the_real_wording() {
        assert_eq!(
            dates(
                "A software update with critical security patches has been deployed to AWS \
                 Fargate; to complete it, EKS Fargate will evict pods launched before November \
                 20, 2026, starting December 4, 2026."
            ),
            (
                Some(t("2026-11-20T00:00:00Z")),
                Some(t("2026-12-04T00:00:00Z"))
            )
        );
    }

    #[test]
    fn cutoff_wordings() {
        let cutoff = |text: &str| dates(text).0;
        let nov20 = Some(t("2026-11-20T00:00:00Z"));
        assert_eq!(
            cutoff("EKS will evict pods launched before November 20, 2026."),
            nov20
        );
        assert_eq!(
            cutoff("Pods created prior to 2026-11-20 will be terminated."),
            nov20
        );
        assert_eq!(
            cutoff("pods that were started before Friday, November 20, 2026"),
            nov20
        );
        assert_eq!(
            cutoff("pods launched on Fargate before 20 November 2026 are affected"),
            nov20
        );
        assert_eq!(
            cutoff("Pods launched on or after Nov. 20th, 2026 already run patched."),
            nov20
        );
        assert_eq!(
            cutoff("Fargate pods older than Nov 20 2026 will be evicted."),
            nov20
        );
        assert_eq!(
            cutoff("Pods launched before Nov 20, 2026 09:00 UTC will be evicted."),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(
            cutoff("pods created before 09:30 UTC on Friday, November 20, 2026"),
            Some(t("2026-11-20T09:30:00Z"))
        );
        assert_eq!(
            cutoff("pods launched before 2026-11-20T09:15:00+01:00 are affected"),
            Some(t("2026-11-20T08:15:00Z"))
        );
        assert_eq!(
            cutoff("pods launched before November 20 at 9 a.m. PST"),
            Some(t("2026-11-20T17:00:00Z"))
        );
    }

    #[test]
    fn deadline_wordings() {
        let deadline = |text: &str| dates(text).1;
        let dec4 = Some(t("2026-12-04T00:00:00Z"));
        assert_eq!(
            deadline("EKS Fargate will begin evicting pods on December 4, 2026."),
            dec4
        );
        assert_eq!(
            deadline("Starting December 4, 2026, EKS Fargate will evict pods."),
            dec4
        );
        assert_eq!(deadline("The pods will be evicted after 2026-12-04."), dec4);
        assert_eq!(deadline("Please restart your pods by Dec 4, 2026."), dec4);
        assert_eq!(
            deadline("Restart the pods before Friday, December 4, 2026."),
            dec4
        );
        assert_eq!(
            deadline("Terminations are scheduled for 4 December 2026."),
            dec4
        );
        assert_eq!(
            deadline("December 4, 2026: EKS Fargate begins evicting pods."),
            dec4
        );
        assert_eq!(
            deadline(
                "Eviction starts on Friday, December 4, 2026 at 00:00 UTC and ends on December 11, 2026."
            ),
            dec4
        );
        assert_eq!(
            deadline(
                "Pods launched before November 20, 2026 that are still running on December 4, 2026 will be terminated."
            ),
            dec4
        );
        assert_eq!(
            deadline("You have until December 4 to restart them."),
            dec4,
            "the year comes from the notice"
        );
    }

    #[test]
    fn dates_of_other_things_are_ignored() {
        assert_eq!(
            dates(
                "A software update deployed on November 10, 2026 patches AWS Fargate. \
                 This notice was sent on November 20, 2026. EKS Fargate will evict pods."
            ),
            (None, None)
        );
        assert_eq!(
            dates(
                "On November 10, 2026, AWS deployed a patch, so EKS will evict pods launched before November 20, 2026."
            ),
            (Some(t("2026-11-20T00:00:00Z")), None)
        );
    }

    #[test]
    fn year_less_dates_around_new_year() {
        let found = DescriptionDates::read(
            "evict pods starting January 5",
            Some(t("2026-12-20T00:00:00Z")),
        );
        assert_eq!(found.deadline, Some(t("2027-01-05T00:00:00Z")));
        let none = DescriptionDates::read("evict pods starting January 5", None);
        assert_eq!(none.deadline, None, "no year and nothing to take one from");
        assert_eq!(
            none.notes,
            [(
                Role::Deadline,
                "January 5".to_owned(),
                Reading::Unreadable(
                    "it gives no year, and the notice no time to take one from".to_owned()
                )
            )]
        );
    }

    /// The one note of `text`'s cutoff, which must not be read.
    fn unreadable_cutoff(text: &str) -> (String, String) {
        let found = DescriptionDates::read(text, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(found.cutoff, None, "{text}");
        match found.notes.as_slice() {
            [(Role::Cutoff, date, Reading::Unreadable(why))] => (date.clone(), why.clone()),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn zones_it_does_not_know_are_not_read_as_utc() {
        for (text, date, why) in [
            (
                "EKS will evict pods launched before November 20, 2026 at 9:00 PT.",
                "November 20, 2026 at 9:00 PT",
                "`PT` is a time zone gitops-restart does not know",
            ),
            (
                "Pods created before Nov 20, 2026 12:00 PM ET will be evicted.",
                "Nov 20, 2026 12:00 PM ET",
                "`ET` is a time zone gitops-restart does not know",
            ),
            (
                "Pods launched before 2026-11-20 09:00 IST will be evicted.",
                "2026-11-20 09:00 IST",
                "`IST` stands for several time zones (India, Israel or Irish Standard Time)",
            ),
            (
                "Pods launched before November 20, 2026, 9 a.m. Pacific Time are affected.",
                "November 20, 2026, 9 a.m. Pacific Time",
                "`Pacific Time` is a time zone gitops-restart does not know",
            ),
            (
                "Pods started prior to 9:30 AM (Central European Summer Time) on Friday, November 20, 2026 are affected.",
                "9:30 AM (Central European Summer Time) on Friday, November 20, 2026",
                "`Central European Summer Time` is a time zone gitops-restart does not know",
            ),
            (
                "Pods launched before November 20, 2026 10:00 Eastern will be evicted.",
                "November 20, 2026 10:00 Eastern",
                "`Eastern` is a time zone gitops-restart does not know",
            ),
            (
                "Pods launched before November 20, 2026 10:00 CST will be evicted.",
                "November 20, 2026 10:00 CST",
                "`CST` stands for several time zones (US Central, China or Cuba Standard Time)",
            ),
        ] {
            assert_eq!(
                unreadable_cutoff(text),
                (date.to_owned(), why.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn days_and_times_that_do_not_exist_are_not_dropped() {
        for (text, date, why) in [
            (
                "EKS will evict pods launched before February 30, 2026.",
                "February 30, 2026",
                "February 2026 has no day 30",
            ),
            (
                "Pods created prior to 2026-02-29 are affected.",
                "2026-02-29",
                "February 2026 has no day 29",
            ),
            (
                "Pods launched before 31 November 2026 are affected.",
                "31 November 2026",
                "November 2026 has no day 31",
            ),
            (
                "Pods launched before 2026-13-01 are affected.",
                "2026-13-01",
                "there is no month 13",
            ),
            (
                "Pods launched before November 20, 2026 25:00 UTC are affected.",
                "November 20, 2026 25:00 UTC",
                "there is no such time of day",
            ),
            (
                "Pods launched before November 20, 2026 at 13 PM are affected.",
                "November 20, 2026 at 13 PM",
                "there is no such time of day",
            ),
            (
                "Pods launched before 2026-11-20T09:00:00+25:00 are affected.",
                "2026-11-20T09:00:00+25:00",
                "its offset from UTC is a day or more",
            ),
        ] {
            assert_eq!(
                unreadable_cutoff(text),
                (date.to_owned(), why.to_owned()),
                "{text}"
            );
        }
        let deadline = DescriptionDates::read(
            "EKS Fargate will begin evicting pods on December 4, 2026 at 25:00 UTC.",
            None,
        );
        assert_eq!(deadline.deadline, None);
        assert!(
            matches!(&deadline.notes[..], [(Role::Deadline, date, Reading::Unreadable(_))] if date == "December 4, 2026 at 25:00 UTC"),
            "{deadline:?}"
        );
    }

    #[test]
    fn dates_without_a_role_are_ignored_whatever_they_say() {
        let found = DescriptionDates::read(
            "This notice was sent on February 30, 2026 at 9:00 PT. EKS Fargate will evict pods \
             launched before November 20, 2026. The page was updated at 25:00 IST on Nov 2, 2026.",
            None,
        );
        assert_eq!(found.cutoff, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(found.notes, []);
    }

    #[test]
    fn known_zones_other_than_utc_are_read_by_assumption_and_said() {
        let found = DescriptionDates::read(
            include_str!("../../fixtures/notices/descriptions/pacific-time.txt"),
            None,
        );
        assert_eq!(found.cutoff, Some(t("2026-11-19T17:30:00Z")));
        assert_eq!(
            found.notes,
            [
                (
                    Role::Cutoff,
                    "Nov 19, 2026 9:30 AM PST".to_owned(),
                    Reading::Assumed("`PST` as UTC-08:00 (US Pacific Standard Time)".to_owned())
                ),
                (
                    Role::Deadline,
                    "Dec 4, 2026 12:00 AM PST".to_owned(),
                    Reading::Assumed("`PST` as UTC-08:00 (US Pacific Standard Time)".to_owned())
                ),
            ]
        );
        let cet = DescriptionDates::read(
            "Pods launched before November 20, 2026 10:00 CET are affected.",
            None,
        );
        assert_eq!(cet.cutoff, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(cet.notes.len(), 1);
        let utc = DescriptionDates::read(
            "Pods launched before November 20, 2026 10:00 UTC+01:00 are affected.",
            None,
        );
        assert_eq!(utc.cutoff, Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(utc.notes, [], "UTC and numeric offsets are exact");
    }

    #[test]
    fn several_cutoffs_take_the_latest_and_deadlines_the_earliest() {
        assert_eq!(
            dates(
                "Pods launched before November 18, 2026 and pods created before November 20, \
                 2026 will be evicted starting December 6, 2026. Eviction may start on December \
                 4, 2026."
            ),
            (
                Some(t("2026-11-20T00:00:00Z")),
                Some(t("2026-12-04T00:00:00Z"))
            )
        );
    }

    proptest::proptest! {
        #[test]
        fn prose_never_panics(
            text in "((launched|before|after|on|at|by|Nov|November|Friday|,|\\.|:|\\+|-|20|2026|09|00|UTC|PM|a\\.m\\.|evict|T|Z|\\n| ) ?){0,30}"
        ) {
            let _ = DescriptionDates::read(&text, Some(t("2026-11-20T09:00:00Z")));
        }
    }
}
