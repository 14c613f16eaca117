//! When a plan without edits is evidence enough to close the open pull request. Pure.
//!
//! An empty plan is what a wrong input gives too (a `kubectl get pods` alone, another cluster's
//! snapshot, the wrong `--repo`), so it closes the pull request only on evidence that nothing is
//! left:
//!
//! - **the repository**: the plan's workloads include some that already carry the restart
//!   (`already-bumped`: merged, or restarted by hand in git), and none that the repository does
//!   not define or defines ambiguously; the rest need nothing from git (`manual`, `skipped`);
//! - **the inventory**: it is plausibly the whole cluster ([`crate::inventory::completeness`]
//!   finds no gap), and no affected workload is one the repository lacks or is ambiguous about.
//!
//! Anything else is a refusal, with the reasons: `pr` exits 1 and leaves the pull request as
//! it is.

use crate::inventory::Completeness;
use crate::plan::{Action, Plan};

/// The reasons not to close the open pull request, or `None` when closing it is allowed.
/// `inventory` is `None` when the run read no inventory (`--workload`, `--all-workloads`).
pub(super) fn close_refusal(plan: &Plan, inventory: Option<&Completeness>) -> Option<Vec<String>> {
    let count = |action: Action| {
        plan.workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .count()
    };
    let unplaced: Vec<String> = plan
        .workloads
        .iter()
        .filter(|w| matches!(w.decision.action(), Action::NotFound | Action::Ambiguous))
        .map(|w| w.id().to_string())
        .collect();
    let mut reasons = Vec::new();
    if let Some(first) = unplaced.first() {
        reasons.push(format!(
            "{} affected workload(s) are not found in the repository, or ambiguous ({first}): \
             the repository (--repo), the cluster or the inventory may be the wrong one",
            unplaced.len()
        ));
        return Some(reasons);
    }
    if count(Action::AlreadyBumped) > 0 {
        return None;
    }
    match inventory {
        Some(completeness) if completeness.is_complete() => None,
        Some(completeness) => {
            reasons.push(format!(
                "the inventory may not be the whole cluster: {}",
                completeness
                    .gaps
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ));
            Some(reasons)
        }
        None => {
            reasons.push(if plan.workloads.is_empty() {
                "the run read no inventory and found no workload to restart (is --repo the \
                 GitOps repository?)"
                    .to_owned()
            } else {
                "the run read no inventory and no workload already carries the restart".to_owned()
            });
            Some(reasons)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Gap;
    use crate::model::{Kind, Place};
    use crate::plan::{Decision, PlannedWorkload};

    fn plan(actions: &[Action]) -> Plan {
        let workloads = actions
            .iter()
            .enumerate()
            .map(|(i, action)| {
                let reason = "why".to_owned();
                let decision = match action {
                    Action::AlreadyBumped => Decision::AlreadyBumped {
                        place: Place::new("a.yaml", Some(1)),
                        reason,
                    },
                    Action::NotFound => Decision::NotFound { reason },
                    Action::Manual => Decision::Manual {
                        place: None,
                        reason,
                    },
                    other => panic!("not used here: {other:?}"),
                };
                PlannedWorkload {
                    namespace: Some("shop".to_owned()),
                    kind: Kind::Deployment,
                    name: format!("w{i}"),
                    pods: None,
                    oldest_pod_created: None,
                    decision,
                    warnings: Vec::new(),
                }
            })
            .collect();
        Plan {
            workloads,
            ..Plan::empty(chrono::DateTime::UNIX_EPOCH)
        }
    }

    fn complete() -> Completeness {
        Completeness::default()
    }

    fn pods_only() -> Completeness {
        Completeness {
            gaps: vec![Gap::MissingOwners {
                pods: 3,
                example: "Pod shop/a: ReplicaSet shop/b".to_owned(),
            }],
        }
    }

    #[test]
    fn the_repository_is_evidence_when_it_places_every_workload() {
        let bumped = plan(&[Action::AlreadyBumped, Action::Manual]);
        assert_eq!(close_refusal(&bumped, None), None);
        assert_eq!(close_refusal(&bumped, Some(&pods_only())), None);
        let unplaced = plan(&[Action::AlreadyBumped, Action::NotFound]);
        let reasons = close_refusal(&unplaced, Some(&complete())).unwrap();
        assert!(reasons[0].contains("shop/Deployment/w1"), "{reasons:?}");
    }

    #[test]
    fn nothing_affected_closes_only_with_a_complete_inventory() {
        let empty = plan(&[]);
        assert_eq!(close_refusal(&empty, Some(&complete())), None);
        let reasons = close_refusal(&empty, Some(&pods_only())).unwrap();
        assert!(reasons[0].contains("include ReplicaSets"), "{reasons:?}");
        let reasons = close_refusal(&empty, None).unwrap();
        assert!(reasons[0].contains("--repo"), "{reasons:?}");
        let manual = plan(&[Action::Manual]);
        assert_eq!(close_refusal(&manual, Some(&complete())), None);
        assert!(close_refusal(&manual, None).is_some());
    }
}
