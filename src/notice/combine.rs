//! Several notices read as one: the [`Cutoff`] the plan needs, by the rules documented on
//! [`combine_for`]. The same rules build one [`Notice`] from the Health events of one file
//! (`merge_health`) and from its pod terminations (`terminations`), and the small helpers they
//! share live here. This module reads no text and recognises no form: it takes parsed notices
//! and returns plain data. Invariants: the latest cutoff and the earliest deadline win, and a
//! missing time never wins over a given one; a pod named twice is kept once, with its earliest
//! termination; notices naming different clusters are an error unless a cluster is chosen, never
//! silently mixed; with a cluster chosen, notices that all name other clusters are an error that
//! says so, never dropped in silence.

use chrono::{DateTime, Utc};

use super::{Cutoff, Notice, NoticeError, NoticeKind, PodTermination};

/// Combine every notice given into one [`Cutoff`], for a cluster chosen by the user
/// (`--cluster`), or `None` for the one cluster the notices name.
///
/// - `launched_before` is the **latest** cutoff: each notice makes the pods created before its
///   own cutoff affected, so the union of what they affect is everything created before the
///   latest one, and a restart after that instant satisfies every notice.
/// - `deadline` is the **earliest** of the notices' deadlines and of every pod's scheduled
///   termination: the first eviction is when the restarts must be done.
/// - `pods` are concatenated in input order; the same pod named twice (EventBridge delivers at
///   least once) is kept once, with its earliest scheduled termination.
/// - `cluster` is the one given, or else the one cluster the notices name. Without a cluster
///   given, notices naming different clusters (a Health event listing several counts as naming
///   all of them) are an error asking for `--cluster`.
/// - `last_failed_eviction` is the latest `time` of the pod terminations kept, and `notes` are
///   every notice's, in order.
///
/// With a cluster given, pod terminations on other clusters are dropped (they name pods that are
/// not there), while Health events are kept whatever clusters they list: AWS does not document
/// what their affected entities hold, so they are hints, and the cutoff applies to every Fargate
/// pod of the account. But when every notice names clusters and none names the one given, they
/// are about another cluster (or the cluster is given under another name): an error naming both.
pub fn combine_for(notices: &[Notice], cluster: Option<&str>) -> Result<Cutoff, NoticeError> {
    if let Some(chosen) = cluster
        && !notices.is_empty()
        && notices
            .iter()
            .all(|n| !n.clusters.is_empty() && !n.clusters.iter().any(|c| c == chosen))
    {
        let mut named = Vec::new();
        for name in notices.iter().flat_map(|n| &n.clusters) {
            push_unique(&mut named, name);
        }
        return Err(NoticeError::OtherCluster {
            named,
            chosen: chosen.to_owned(),
        });
    }
    let mut cutoff = Cutoff {
        cluster: cluster.map(str::to_owned),
        ..Cutoff::default()
    };
    let mut named: Vec<String> = Vec::new();
    for notice in notices {
        cutoff.launched_before = later(cutoff.launched_before, notice.launched_before);
        cutoff.deadline = earlier(cutoff.deadline, notice.deadline);
        cutoff.notes.extend(notice.notes.iter().cloned());
        for name in &notice.clusters {
            push_unique(&mut named, name);
        }
        for pod in &notice.pods {
            if cluster.is_some_and(|c| c != pod.cluster) {
                continue;
            }
            push_unique(&mut named, &pod.cluster);
            cutoff.deadline = earlier(cutoff.deadline, Some(pod.scheduled_termination));
            cutoff.last_failed_eviction = later(cutoff.last_failed_eviction, pod.sent);
            add_pod(&mut cutoff.pods, pod);
        }
    }
    if cluster.is_none() {
        if named.len() > 1 {
            return Err(NoticeError::Clusters { clusters: named });
        }
        cutoff.cluster = named.pop();
    }
    Ok(cutoff)
}

/// Add a pod termination unless the same pod is already there; then keep the earlier
/// termination and the later event.
fn add_pod(pods: &mut Vec<PodTermination>, pod: &PodTermination) {
    let same = pods
        .iter_mut()
        .find(|p| p.cluster == pod.cluster && p.namespace == pod.namespace && p.pod == pod.pod);
    match same {
        Some(kept) => {
            if pod.scheduled_termination < kept.scheduled_termination {
                kept.scheduled_termination = pod.scheduled_termination;
            }
            if kept.evict_error.is_none() {
                kept.evict_error.clone_from(&pod.evict_error);
            }
            kept.sent = later(kept.sent, pod.sent);
        }
        None => pods.push(pod.clone()),
    }
}

pub(super) fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    // `None` orders before every `Some`, so a missing time never wins.
    a.max(b)
}

/// The earlier time; unlike `Option::min`, a missing time does not win.
pub(super) fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, value: &str) {
    if !list.iter().any(|v| v == value) {
        list.push(value.to_owned());
    }
}

/// The one cluster of a list, if there is exactly one.
pub(super) fn single(clusters: &[String]) -> Option<String> {
    match clusters {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// Several Health events (a file of them, or several events in `describe-event-details`) read
/// as one notice, by the rules of [`combine_for`].
pub(super) fn merge_health(notices: Vec<Notice>) -> Notice {
    let mut merged: Option<Notice> = None;
    for notice in notices {
        merged = Some(match merged {
            None => notice,
            Some(mut m) => {
                m.launched_before = later(m.launched_before, notice.launched_before);
                m.deadline = earlier(m.deadline, notice.deadline);
                for c in &notice.clusters {
                    push_unique(&mut m.clusters, c);
                }
                m.cluster = single(&m.clusters);
                m.event_arn = m.event_arn.or(notice.event_arn);
                m.notes.extend(notice.notes);
                m
            }
        });
    }
    // `parse` only merges a non-empty list; an empty one would be a notice that says nothing.
    merged.unwrap_or(Notice {
        kind: NoticeKind::HealthEvent,
        launched_before: None,
        deadline: None,
        cluster: None,
        clusters: Vec::new(),
        pods: Vec::new(),
        event_arn: None,
        notes: Vec::new(),
    })
}

pub(super) fn terminations(pods: Vec<PodTermination>) -> Notice {
    let mut clusters = Vec::new();
    let mut deadline = None;
    for pod in &pods {
        push_unique(&mut clusters, &pod.cluster);
        deadline = earlier(deadline, Some(pod.scheduled_termination));
    }
    Notice {
        kind: NoticeKind::PodTerminations,
        launched_before: None,
        deadline,
        cluster: single(&clusters),
        clusters,
        pods,
        event_arn: None,
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::testing::t;

    fn pod(cluster: &str, name: &str, at: &str) -> PodTermination {
        PodTermination {
            cluster: cluster.into(),
            namespace: "ns".into(),
            pod: name.into(),
            scheduled_termination: t(at),
            evict_error: None,
            sent: None,
        }
    }

    fn health_with(cutoff: &str, deadline: &str, clusters: &[&str]) -> Notice {
        let clusters: Vec<String> = clusters.iter().map(|c| (*c).to_owned()).collect();
        Notice {
            kind: NoticeKind::HealthEvent,
            launched_before: Some(t(cutoff)),
            deadline: Some(t(deadline)),
            cluster: single(&clusters),
            clusters,
            pods: Vec::new(),
            event_arn: None,
            notes: Vec::new(),
        }
    }

    #[test]
    fn combine_takes_the_latest_cutoff_and_the_earliest_deadline() {
        let a = health_with("2026-11-18T00:00:00Z", "2026-12-06T00:00:00Z", &["prod"]);
        let b = health_with("2026-11-20T00:00:00Z", "2026-12-08T00:00:00Z", &[]);
        let pods = terminations(vec![
            pod("prod", "x", "2026-12-05T00:00:00Z"),
            pod("prod", "y", "2026-12-07T00:00:00Z"),
        ]);
        let again = terminations(vec![pod("prod", "x", "2026-12-04T00:00:00Z")]);
        let cutoff = combine_for(&[a, b, pods, again], None).unwrap();
        assert_eq!(cutoff.launched_before, Some(t("2026-11-20T00:00:00Z")));
        assert_eq!(cutoff.deadline, Some(t("2026-12-04T00:00:00Z")));
        assert_eq!(cutoff.cluster.as_deref(), Some("prod"));
        assert_eq!(
            cutoff.pods,
            [
                pod("prod", "x", "2026-12-04T00:00:00Z"),
                pod("prod", "y", "2026-12-07T00:00:00Z")
            ]
        );
    }

    #[test]
    fn combine_of_nothing_says_nothing() {
        assert_eq!(combine_for(&[], None).unwrap(), Cutoff::default());
    }

    #[test]
    fn combine_refuses_different_clusters() {
        let a = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &["prod"]);
        let b = terminations(vec![pod("staging", "x", "2026-12-05T00:00:00Z")]);
        let err = combine_for(&[a.clone(), b.clone()], None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the notices name different clusters (prod, staging); pass --cluster to choose one"
        );
        let several = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &["a", "b"]);
        assert!(combine_for(&[several], None).is_err());

        let chosen = combine_for(&[a, b], Some("prod")).unwrap();
        assert_eq!(chosen.cluster.as_deref(), Some("prod"));
        assert!(chosen.pods.is_empty(), "staging's pods are not on prod");
        assert_eq!(chosen.deadline, Some(t("2026-12-04T00:00:00Z")));
    }

    #[test]
    fn notices_all_about_another_cluster_are_refused_by_name() {
        let events = terminations(vec![pod("prod-eks", "x", "2026-12-05T00:00:00Z")]);
        let err = combine_for(std::slice::from_ref(&events), Some("prod"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "the notices name cluster prod-eks, but --cluster is prod, which they do not name; \
             give --cluster prod-eks (the EKS cluster's name, as the notices write it), or the \
             notices of prod"
        );
        let health = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &["a", "b"]);
        let err = combine_for(std::slice::from_ref(&health), Some("prod"))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("the notices name clusters a, b, but --cluster is prod"),
            "{err}"
        );
        // A notice naming no cluster (account-wide) or the one chosen applies.
        let anywhere = health_with("2026-11-20T00:00:00Z", "2026-12-04T00:00:00Z", &[]);
        assert!(combine_for(&[events.clone(), anywhere], Some("prod")).is_ok());
        assert!(combine_for(&[health, events], Some("b")).is_ok());
    }

    #[test]
    fn the_last_failed_eviction_is_the_latest_event_kept() {
        let sent = |name: &str, at: &str, cluster: &str| PodTermination {
            sent: Some(t(at)),
            ..pod(cluster, name, "2026-12-05T00:00:00Z")
        };
        let first = terminations(vec![
            sent("x", "2026-12-01T10:00:00Z", "prod"),
            sent("y", "2026-12-01T12:00:00Z", "prod"),
            sent("z", "2026-12-01T14:00:00Z", "staging"),
        ]);
        let again = terminations(vec![sent("x", "2026-12-01T11:00:00Z", "prod")]);
        let cutoff = combine_for(&[first, again], Some("prod")).unwrap();
        assert_eq!(cutoff.last_failed_eviction, Some(t("2026-12-01T12:00:00Z")));
        assert_eq!(cutoff.pods[0].sent, Some(t("2026-12-01T11:00:00Z")));
        assert_eq!(cutoff.launched_before, None);
    }
}
