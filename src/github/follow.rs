//! Follow-through after the merge: what the run after a pull request of ours merged says on it.
//! Pure: the verification of this run's inventory ([`crate::verify::check`], what
//! `gitops-restart verify` reports) and the workloads the follow-up pull request restarts in,
//! the comment and its marker out.
//!
//! - A merged pull request is **followed through** when it is the branch's last one, it is ours
//!   (its body has our marker), and it merged after this run's cutoff: one merged before the
//!   cutoff restarted pods for an earlier notice, and its story is over ([`follows`]).
//! - The comment is posted **once per distinct result**: its marker holds the fingerprint of
//!   the workloads left with their status, and of the follow-up's edits, so a run that finds the
//!   same writes nothing, and one that finds something else (the sync done, a rollout stuck)
//!   says so once more. Pod counts are not in it: a rollout in progress is not news on every run.

use chrono::{DateTime, Utc};

use crate::report::budget::Budget;
use crate::report::escape;
use crate::report::verification;
use crate::verify::{Status, Verification};

/// The start of the comment's marker; the fingerprint and ` -->` follow.
const PREFIX: &str = "<!-- gitops-restart:verified result=";
/// The verification report's share of the comment (GitHub's limit is 65,536).
const REPORT_LIMIT: usize = 60_000;

/// The note at the top of a follow-up pull request's body: it follows merged pull request
/// `number`, whose page is `url` (GitHub's, of the same repository).
pub(super) fn note(number: u64, url: Option<&str>) -> String {
    let link = super::options::pr_link(number, url);
    format!(
        "> Follows {link}, merged: this pull request restarts what is left after it (see the \
         comment there for what the cluster showed).\n\n"
    )
}

/// Whether the merged pull request (`merged_at`, GitHub's RFC 3339) belongs to this run's
/// restart: it merged at or after the cutoff `launched_before` (without a cutoff, any merge).
pub(super) fn follows(merged_at: Option<&str>, launched_before: Option<DateTime<Utc>>) -> bool {
    let Some(merged) = merged_at.and_then(|t| DateTime::parse_from_rfc3339(t).ok()) else {
        return false;
    };
    launched_before.is_none_or(|cutoff| merged.with_timezone(&Utc) >= cutoff)
}

/// The comment's marker: the workloads left with their status, and `edits`, the fingerprint of
/// the follow-up's edits (`None` without one).
pub(super) fn marker(v: &Verification, edits: Option<&str>) -> String {
    let ids: Vec<(String, &str)> = v
        .workloads
        .iter()
        .map(|w| (w.id().to_string(), w.status.as_str()))
        .collect();
    let fingerprint = super::marker::fingerprint(
        ids.iter()
            .map(|(id, status)| (id.as_str(), *status))
            .chain(edits.map(|e| ("follow-up edits", e))),
    );
    format!("{PREFIX}{fingerprint} -->")
}

/// The comment on merged pull request: the verification, then the next step; `follow_up` are
/// the workloads (shown as `namespace/Kind/name`) a follow-up pull request restarts, `now` the
/// time of the check, `marker` from [`marker`].
pub(super) fn comment(
    v: &Verification,
    follow_up: &[String],
    now: DateTime<Utc>,
    marker: &str,
) -> String {
    let count = |status: Status| v.workloads.iter().filter(|w| w.status == status).count();
    let mut text = format!(
        "### After the merge\n\ngitops-restart checked the cluster at {} (what `gitops-restart \
         verify` reports):\n\n",
        crate::time::format_time(now)
    );
    text.push_str(&verification::render_within(
        v,
        Budget::utf16(REPORT_LIMIT),
        verification::VERIFY,
    ));
    text.push_str("\n**Next step:** ");
    let mut steps = Vec::new();
    if !follow_up.is_empty() {
        let names: Vec<String> = follow_up.iter().map(|n| escape::markdown_code(n)).collect();
        steps.push(format!(
            "a follow-up pull request restarts the {} workload(s) whose manifests don't carry \
             the restart yet: {}; review and merge it",
            follow_up.len(),
            crate::report::first_and_more(&names, 20)
        ));
    }
    let pending = count(Status::SyncPending);
    if pending > 0 {
        steps.push(format!(
            "Argo CD or Flux has not synced the restart of {pending} workload(s) yet: sync (or \
             wait for it), then run again"
        ));
    }
    let stuck = count(Status::RolloutStuck);
    if stuck > 0 {
        steps.push(format!(
            "{stuck} rollout(s) are stuck: check `kubectl rollout status`, the \
             PodDisruptionBudgets and the new pods"
        ));
    }
    let person = count(Status::Manual) + count(Status::NotInRepository);
    if person > 0 {
        steps.push(format!(
            "{person} workload(s) need a person: follow each one's next step above"
        ));
    }
    if steps.is_empty() {
        if v.is_clean() {
            steps.push("none: nothing is left for EKS to evict".to_owned());
        } else {
            steps.push("none: the pods left finish on their own".to_owned());
        }
    }
    text.push_str(&steps.join("; "));
    text.push_str(".\n\n");
    text.push_str(marker);
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_time;

    fn clean() -> Verification {
        Verification {
            schema: crate::verify::SCHEMA,
            cluster: Some("prod".to_owned()),
            launched_before: None,
            deadline: None,
            remaining_pods: 0,
            workloads: Vec::new(),
            warnings: Vec::new(),
        }
    }

    #[test]
    fn merged_after_the_cutoff_is_followed() {
        let cutoff = Some(parse_time("2026-11-20T09:00:00Z").unwrap());
        assert!(follows(Some("2026-11-21T00:00:00Z"), cutoff));
        assert!(
            !follows(Some("2026-08-01T00:00:00Z"), cutoff),
            "an old event"
        );
        assert!(follows(Some("2026-08-01T00:00:00Z"), None));
        assert!(!follows(None, None), "not merged");
    }

    #[test]
    fn the_marker_changes_with_the_result_only() {
        let v = clean();
        assert_eq!(marker(&v, None), marker(&clean(), None));
        assert_ne!(marker(&v, None), marker(&v, Some("abc")));
        let now = parse_time("2026-12-01T00:00:00Z").unwrap();
        let text = comment(&v, &[], now, &marker(&v, None));
        assert!(text.contains("nothing is left for EKS to evict"), "{text}");
        assert!(text.ends_with(&format!("{}\n", marker(&v, None))));
        let text = comment(&v, &["shop/Deployment/web".to_owned()], now, "m");
        assert!(text.contains("follow-up pull request restarts the 1 workload(s)"));
    }
}
