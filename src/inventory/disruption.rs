//! Disruption analysis: what will go wrong when EKS evicts a workload's pods, or when it
//! restarts.
//!
//! Responsibility: for one affected workload, say in one sentence each what will happen and
//! what to do about PodDisruptionBudgets (none, one that allows no disruption, several on the
//! same pods) and about the workload's shape (StatefulSet or DaemonSet `OnDelete`, a paused
//! Deployment, `strategy: Recreate`, a single replica without surge).
//!
//! It must not decide the disposition (that is [`super::owners`]) nor drop or reorder
//! workloads: it only adds warnings. It never panics, whatever the numbers in the PDBs.
//!
//! Invariants: the warnings come in a fixed order (workload shape first, then budgets, each
//! budget by name) so reports are byte-identical for the same inventory; a check that needs the
//! workload's spec is skipped when the workload is not in the inventory (its owner warning
//! already says so), never guessed.

use std::collections::BTreeSet;

use super::{Controller, Disposition, Kind, Pdb, Pod, Strategy};
use crate::model::{Code, Finding};

/// One workload, as the analysis sees it.
pub struct Subject<'a> {
    pub kind: &'a Kind,
    /// The live workload, when the inventory has it.
    pub controller: Option<&'a Controller>,
    /// Its affected pods.
    pub pods: &'a [&'a Pod],
    /// The PodDisruptionBudgets of its namespace (others cannot select its pods).
    pub pdbs: &'a [&'a Pdb],
    /// Whether the inventory can say a pod has no budget: `false` for a snapshot of pods only,
    /// which holds neither their owners nor any PodDisruptionBudget (the run's warning says so).
    pub pdbs_known: bool,
    pub disposition: &'a Disposition,
}

/// Every warning for the workload, in a fixed order.
pub fn analyze(subject: &Subject<'_>) -> Vec<Finding> {
    let mut warnings = shape_warnings(subject);
    warnings.extend(budget_warnings(subject));
    warnings
}

/// The replica count the budgets are measured against: the spec's, whose absence the API
/// defaults to 1; a standalone pod is one. `None` when unknown or the kind has no count.
fn replicas(subject: &Subject<'_>) -> Option<i64> {
    match subject.kind {
        Kind::Pod => Some(1),
        Kind::Deployment | Kind::StatefulSet | Kind::Rollout | Kind::ReplicaSet => {
            subject.controller.map(|c| c.replicas.unwrap_or(1))
        }
        _ => None,
    }
}

fn shape_warnings(subject: &Subject<'_>) -> Vec<Finding> {
    let Some(controller) = subject.controller else {
        return Vec::new();
    };
    let mut warnings = Vec::new();
    let kind = subject.kind;
    if controller.paused && *kind == Kind::Deployment {
        warnings.push(Finding::warning(
            Code::Paused,
            "the Deployment is paused (spec.paused): the restart waits until it is resumed; resume it (kubectl rollout resume, or drop spec.paused in git) before the deadline",
        ));
    }
    match &controller.strategy {
        Strategy::OnDelete => warnings.push(Finding::critical(Code::OnDelete, format!(
            "updateStrategy OnDelete: a template change restarts nothing; the pods must be deleted one by one (see the manual steps), or switch the {kind} to RollingUpdate"
        ))),
        Strategy::Recreate => warnings.push(Finding::warning(
            Code::Recreate,
            "strategy Recreate: the restart stops every pod before starting new ones, so the workload is down until they are ready; merge at a quiet time, or switch to RollingUpdate",
        )),
        Strategy::Other(other) => warnings.push(Finding::warning(Code::UnknownStrategy, format!(
            "update strategy `{other}` is unknown to gitops-restart: check how a template change rolls out before merging"
        ))),
        _ => {}
    }
    if let Some(warning) = single_replica(kind, controller) {
        warnings.push(Finding::warning(Code::SingleReplica, warning));
    }
    warnings
}

/// One replica: whether the restart leaves a moment with no ready pod depends on whether the
/// controller starts the replacement first.
fn single_replica(kind: &Kind, controller: &Controller) -> Option<String> {
    if controller.replicas.unwrap_or(1) != 1 {
        return None;
    }
    match (kind, &controller.strategy) {
        // The default maxSurge (25%, rounded up) starts the replacement first.
        (Kind::Deployment, Strategy::RollingUpdate { max_surge: Some(surge) })
            if surge.is_zero() =>
        {
            Some(format!(
                "one replica and maxSurge {surge}: the restart removes the only pod before its replacement is ready, so there is a moment with no ready pod; set maxSurge to 1, or scale to 2 first"
            ))
        }
        (Kind::StatefulSet, Strategy::RollingUpdate { .. }) => Some(
            "one replica: a StatefulSet restart deletes the pod before its replacement starts, so there is a moment with no ready pod; scale to 2 first if that matters"
                .to_owned(),
        ),
        (Kind::Rollout, _) => Some(
            "one replica: the Rollout's restart (spec.restartAt) evicts the only pod before its replacement starts, so there is a moment with no ready pod; scale to 2 first if that matters"
                .to_owned(),
        ),
        _ => None,
    }
}

fn budget_warnings(subject: &Subject<'_>) -> Vec<Finding> {
    let skipped = matches!(subject.disposition, Disposition::Skipped { .. });
    let restart = matches!(subject.disposition, Disposition::Restart);
    let rollout = *subject.kind == Kind::Rollout;
    let mut warnings = Vec::new();

    // Which budgets select which pods.
    let per_pod: Vec<Vec<&Pdb>> = subject
        .pods
        .iter()
        .map(|pod| {
            subject
                .pdbs
                .iter()
                .copied()
                .filter(|pdb| pdb.selects(pod))
                .collect()
        })
        .collect();

    let uncovered = per_pod.iter().filter(|pdbs| pdbs.is_empty()).count();
    // Job pods are meant to go away; losing a zone's worth of them is no news.
    if uncovered > 0 && !skipped && subject.pdbs_known {
        let which = if *subject.kind == Kind::Pod {
            "no PodDisruptionBudget selects this pod: EKS evicts it without waiting for anything, and nothing recreates it".to_owned()
        } else if uncovered == subject.pods.len() {
            "no PodDisruptionBudget selects these pods: EKS evicts zone by zone, so all replicas in one zone may go at once".to_owned()
        } else {
            format!(
                "{uncovered} of these {} pods are selected by no PodDisruptionBudget: EKS evicts zone by zone, so those in one zone may go at once",
                subject.pods.len()
            )
        };
        let remedy = if restart {
            "restart through git before the deadline, and add a PDB (for example maxUnavailable: 1)"
        } else if *subject.kind == Kind::Pod {
            "replace it before the deadline (see the manual steps)"
        } else {
            "replace the pods before the deadline (see the manual steps)"
        };
        let message = format!("{which}; {remedy}");
        // Nothing recreates a standalone pod: it is lost at the deadline.
        warnings.push(if *subject.kind == Kind::Pod {
            Finding::critical(Code::NoPdb, message)
        } else {
            Finding::warning(Code::NoPdb, message)
        });
    }

    // Several budgets on one pod: the eviction API refuses the pod outright.
    let shared: BTreeSet<Vec<&str>> = per_pod
        .iter()
        .filter(|pdbs| pdbs.len() > 1)
        .map(|pdbs| {
            let mut names: Vec<&str> = pdbs.iter().map(|p| p.meta.name.as_str()).collect();
            names.sort_unstable();
            names
        })
        .collect();
    for names in shared {
        let remedy = if restart && !rollout {
            "a rolling restart through git does not go through the eviction API, so merge it before the deadline, and keep one PDB per pod"
        } else {
            "keep exactly one PDB per pod before the deadline"
        };
        warnings.push(Finding::critical(Code::SeveralPdbs, format!(
            "several PodDisruptionBudgets ({}) select the same pods: the eviction API refuses such pods, so EKS cannot evict them and will terminate them at the deadline; {remedy}",
            names.join(", ")
        )));
    }

    // Budgets that allow no disruption at all.
    let selecting: BTreeSet<&str> = per_pod
        .iter()
        .flatten()
        .map(|p| p.meta.name.as_str())
        .collect();
    let replicas = replicas(subject);
    for pdb in subject
        .pdbs
        .iter()
        .filter(|p| selecting.contains(p.meta.name.as_str()))
    {
        let reasons = blocking_reasons(pdb, replicas);
        if reasons.is_empty() {
            continue;
        }
        let remedy = if rollout {
            "the Rollout's restart (spec.restartAt) evicts through the same API and is blocked too: allow at least one disruption before the deadline"
        } else if restart {
            "a rolling restart through git does not go through the eviction API and avoids that, so merge it before the deadline"
        } else {
            "replace the pods before the deadline, or allow at least one disruption"
        };
        warnings.push(Finding::critical(Code::PdbBlocksEviction, format!(
            "PodDisruptionBudget {} allows no disruption ({}): EKS eviction will fail and the pods will be terminated at the deadline without further notice; {remedy}",
            pdb.meta.name,
            reasons.join(", ")
        )));
    }
    warnings
}

/// Why a budget allows no eviction, if it does not: by its spec, or (when the spec alone does
/// not say so) by its current status.
fn blocking_reasons(pdb: &Pdb, replicas: Option<i64>) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some(max) = &pdb.max_unavailable
        && max.is_zero()
    {
        reasons.push(format!("maxUnavailable is {max}"));
    }
    if let Some(min) = &pdb.min_available {
        if min.percent().is_some_and(|p| p >= 100) {
            reasons.push(format!("minAvailable is {min}"));
        } else if let Some(replicas) = replicas.filter(|r| *r > 0)
            && let Some(required) = min.scaled(replicas)
            && required >= replicas
        {
            reasons.push(format!(
                "minAvailable {min} leaves none of the {replicas} {} to disrupt",
                if replicas == 1 { "replica" } else { "replicas" }
            ));
        }
    }
    if reasons.is_empty() && pdb.disruptions_allowed == Some(0) {
        reasons.push("status.disruptionsAllowed is 0".to_owned());
    }
    reasons
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::{
        IntOrString, LabelSelector, Meta, PodPhase, SelectorOperator, SelectorRequirement,
    };
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn pod(ns: &str, name: &str, l: &[(&str, &str)]) -> Pod {
        Pod {
            meta: Meta {
                namespace: ns.into(),
                name: name.into(),
                labels: labels(l),
                ..Meta::default()
            },
            phase: PodPhase::Running,
            ..Pod::default()
        }
    }

    fn deployment(replicas: i64, strategy: Strategy) -> Controller {
        Controller {
            kind: Kind::Deployment,
            api_version: "apps/v1".into(),
            meta: Meta {
                namespace: "s".into(),
                name: "web".into(),
                ..Meta::default()
            },
            replicas: Some(replicas),
            paused: false,
            strategy,
            template_annotations: BTreeMap::new(),
            restart_at: None,
        }
    }

    fn pdb(name: &str, selector: Option<LabelSelector>) -> Pdb {
        Pdb {
            meta: Meta {
                namespace: "s".into(),
                name: name.into(),
                ..Meta::default()
            },
            selector,
            max_unavailable: Some(IntOrString::Int(1)),
            disruptions_allowed: Some(1),
            ..Pdb::default()
        }
    }

    fn app(value: &str) -> LabelSelector {
        LabelSelector {
            match_labels: labels(&[("app", value)]),
            ..LabelSelector::default()
        }
    }

    fn run(
        kind: &Kind,
        controller: Option<&Controller>,
        pods: &[Pod],
        pdbs: &[Pdb],
        disposition: &Disposition,
    ) -> Vec<String> {
        let pods: Vec<&Pod> = pods.iter().collect();
        let pdbs: Vec<&Pdb> = pdbs.iter().collect();
        analyze(&Subject {
            kind,
            controller,
            pods: &pods,
            pdbs: &pdbs,
            pdbs_known: true,
            disposition,
        })
        .iter()
        .map(Finding::text)
        .collect()
    }

    fn web_pods() -> Vec<Pod> {
        vec![
            pod("s", "web-a", &[("app", "web")]),
            pod("s", "web-b", &[("app", "web")]),
        ]
    }

    const D: Kind = Kind::Deployment;

    #[test]
    fn a_healthy_budget_gives_no_warning() {
        let dep = deployment(2, Strategy::RollingUpdate { max_surge: None });
        let w = run(
            &D,
            Some(&dep),
            &web_pods(),
            &[pdb("web", Some(app("web")))],
            &Disposition::Restart,
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn no_budget_says_zone_by_zone() {
        let dep = deployment(2, Strategy::RollingUpdate { max_surge: None });
        let w = run(
            &D,
            Some(&dep),
            &web_pods(),
            &[pdb("other", Some(app("other")))],
            &Disposition::Restart,
        );
        assert_eq!(
            w,
            [
                "no PodDisruptionBudget selects these pods: EKS evicts zone by zone, so all replicas in one zone may go at once; restart through git before the deadline, and add a PDB (for example maxUnavailable: 1)"
            ]
        );
        let mut pods = web_pods();
        pods[1].meta.labels.insert("app".into(), "other".into());
        let w = run(
            &D,
            Some(&dep),
            &pods,
            &[pdb("web", Some(app("web")))],
            &Disposition::Restart,
        );
        assert!(
            w[0].starts_with("1 of these 2 pods are selected by no PodDisruptionBudget"),
            "{w:?}"
        );
    }

    #[test]
    fn a_budget_of_another_namespace_does_not_count() {
        let mut other = pdb("web", Some(app("web")));
        other.meta.namespace = "elsewhere".into();
        let w = run(&D, None, &web_pods(), &[other], &Disposition::Restart);
        assert!(w[0].starts_with("no PodDisruptionBudget"), "{w:?}");
    }

    #[test]
    fn null_selector_selects_nothing_and_empty_selects_all() {
        let w = run(
            &D,
            None,
            &web_pods(),
            &[pdb("null", None)],
            &Disposition::Restart,
        );
        assert!(w[0].starts_with("no PodDisruptionBudget"), "{w:?}");
        let w = run(
            &D,
            None,
            &web_pods(),
            &[pdb("all", Some(LabelSelector::default()))],
            &Disposition::Restart,
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn match_expressions_follow_the_api() {
        let req = |key: &str, operator, values: &[&str]| SelectorRequirement {
            key: key.into(),
            operator,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        };
        let l = labels(&[("app", "web"), ("tier", "front")]);
        let sel = |reqs| LabelSelector {
            match_labels: BTreeMap::new(),
            match_expressions: reqs,
        };
        assert!(sel(vec![req("app", SelectorOperator::In, &["web", "api"])]).matches(&l));
        assert!(!sel(vec![req("app", SelectorOperator::In, &["api"])]).matches(&l));
        assert!(!sel(vec![req("app", SelectorOperator::NotIn, &["web"])]).matches(&l));
        // NotIn holds for a missing key, as in the API.
        assert!(sel(vec![req("zone", SelectorOperator::NotIn, &["a"])]).matches(&l));
        assert!(sel(vec![req("tier", SelectorOperator::Exists, &[])]).matches(&l));
        assert!(!sel(vec![req("zone", SelectorOperator::Exists, &[])]).matches(&l));
        assert!(sel(vec![req("zone", SelectorOperator::DoesNotExist, &[])]).matches(&l));
        assert!(!sel(vec![req("app", SelectorOperator::DoesNotExist, &[])]).matches(&l));
        // matchLabels and matchExpressions must both hold.
        let both = LabelSelector {
            match_labels: labels(&[("app", "web")]),
            match_expressions: vec![req("tier", SelectorOperator::In, &["back"])],
        };
        assert!(!both.matches(&l));
    }

    fn blocking(edit: impl Fn(&mut Pdb), replicas: i64) -> Vec<String> {
        let dep = deployment(replicas, Strategy::RollingUpdate { max_surge: None });
        let mut budget = pdb("web", Some(app("web")));
        budget.max_unavailable = None;
        edit(&mut budget);
        run(
            &D,
            Some(&dep),
            &web_pods(),
            &[budget],
            &Disposition::Restart,
        )
    }

    #[test]
    fn budgets_that_allow_no_disruption() {
        let tail = ": EKS eviction will fail and the pods will be terminated at the deadline without further notice; a rolling restart through git does not go through the eviction API and avoids that, so merge it before the deadline";
        let w = blocking(|p| p.max_unavailable = Some(IntOrString::Int(0)), 2);
        assert_eq!(
            w,
            [format!(
                "PodDisruptionBudget web allows no disruption (maxUnavailable is 0){tail}"
            )]
        );
        let w = blocking(
            |p| p.max_unavailable = Some(IntOrString::String("0%".into())),
            2,
        );
        assert!(w[0].contains("(maxUnavailable is 0%)"), "{w:?}");
        let w = blocking(|p| p.min_available = Some(IntOrString::Int(2)), 2);
        assert!(
            w[0].contains("(minAvailable 2 leaves none of the 2 replicas to disrupt)"),
            "{w:?}"
        );
        let w = blocking(
            |p| p.min_available = Some(IntOrString::String("100%".into())),
            3,
        );
        assert!(w[0].contains("(minAvailable is 100%)"), "{w:?}");
        // 50% of one replica rounds up to one.
        let w = blocking(
            |p| p.min_available = Some(IntOrString::String("50%".into())),
            1,
        );
        assert!(
            w.iter()
                .any(|w| w.contains("(minAvailable 50% leaves none of the 1 replica to disrupt)")),
            "{w:?}"
        );
        let w = blocking(|p| p.disruptions_allowed = Some(0), 2);
        assert!(w[0].contains("(status.disruptionsAllowed is 0)"), "{w:?}");
        // Room to disrupt: nothing to say.
        assert!(blocking(|p| p.min_available = Some(IntOrString::Int(1)), 2).is_empty());
        assert!(
            blocking(
                |p| p.min_available = Some(IntOrString::String("50%".into())),
                4
            )
            .is_empty()
        );
        // Absurd numbers do not overflow.
        let w = blocking(
            |p| p.min_available = Some(IntOrString::String("99%".into())),
            i64::MAX,
        );
        assert!(w.iter().all(|w| !w.contains("leaves none")), "{w:?}");
    }

    #[test]
    fn a_blocking_budget_on_a_rollout_blocks_its_restart_too() {
        let mut budget = pdb("canary", Some(app("web")));
        budget.max_unavailable = Some(IntOrString::Int(0));
        let w = run(
            &Kind::Rollout,
            None,
            &web_pods(),
            &[budget],
            &Disposition::Restart,
        );
        assert!(w[0].ends_with("the Rollout's restart (spec.restartAt) evicts through the same API and is blocked too: allow at least one disruption before the deadline"), "{w:?}");
    }

    #[test]
    fn several_budgets_on_the_same_pods() {
        let w = run(
            &D,
            None,
            &web_pods(),
            &[
                pdb("b", Some(app("web"))),
                pdb("a", Some(LabelSelector::default())),
            ],
            &Disposition::Restart,
        );
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("several PodDisruptionBudgets (a, b) select the same pods: the eviction API refuses such pods"), "{w:?}");
    }

    #[test]
    fn paused_recreate_and_on_delete() {
        let mut dep = deployment(2, Strategy::Recreate);
        dep.paused = true;
        let w = run(
            &D,
            Some(&dep),
            &web_pods(),
            &[pdb("web", Some(app("web")))],
            &Disposition::Restart,
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with(
                "the Deployment is paused (spec.paused): the restart waits until it is resumed"
            ),
            "{w:?}"
        );
        assert!(
            w[1].starts_with("strategy Recreate: the restart stops every pod"),
            "{w:?}"
        );
        let mut sts = deployment(2, Strategy::OnDelete);
        sts.kind = Kind::StatefulSet;
        let manual = Disposition::Manual {
            reason: String::new(),
        };
        let w = run(
            &Kind::StatefulSet,
            Some(&sts),
            &web_pods(),
            &[pdb("web", Some(app("web")))],
            &manual,
        );
        assert_eq!(
            w,
            [
                "updateStrategy OnDelete: a template change restarts nothing; the pods must be deleted one by one (see the manual steps), or switch the StatefulSet to RollingUpdate"
            ]
        );
    }

    #[test]
    fn single_replica_warns_unless_the_deployment_surges() {
        let pods = &web_pods()[..1];
        let budget = [pdb("web", Some(app("web")))];
        let surge_default = deployment(1, Strategy::RollingUpdate { max_surge: None });
        assert!(
            run(
                &D,
                Some(&surge_default),
                pods,
                &budget,
                &Disposition::Restart
            )
            .is_empty()
        );
        let no_surge = deployment(
            1,
            Strategy::RollingUpdate {
                max_surge: Some(IntOrString::String("0%".into())),
            },
        );
        let w = run(&D, Some(&no_surge), pods, &budget, &Disposition::Restart);
        assert!(
            w[0].starts_with("one replica and maxSurge 0%: the restart removes the only pod"),
            "{w:?}"
        );
        let mut sts = deployment(1, Strategy::RollingUpdate { max_surge: None });
        sts.kind = Kind::StatefulSet;
        let w = run(
            &Kind::StatefulSet,
            Some(&sts),
            pods,
            &budget,
            &Disposition::Restart,
        );
        assert!(
            w[0].starts_with("one replica: a StatefulSet restart deletes the pod"),
            "{w:?}"
        );
        // Recreate already says there is downtime.
        let recreate = deployment(1, Strategy::Recreate);
        assert_eq!(
            run(&D, Some(&recreate), pods, &budget, &Disposition::Restart).len(),
            1
        );
    }

    #[test]
    fn skipped_workloads_get_no_missing_budget_warning_but_blocking_ones() {
        let skipped = Disposition::Skipped {
            reason: String::new(),
        };
        assert!(run(&Kind::Job, None, &web_pods(), &[], &skipped).is_empty());
        let mut budget = pdb("web", Some(app("web")));
        budget.max_unavailable = Some(IntOrString::Int(0));
        let w = run(&Kind::Job, None, &web_pods(), &[budget], &skipped);
        assert!(
            w[0].ends_with(
                "replace the pods before the deadline, or allow at least one disruption"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn a_standalone_pod_with_min_available_one_is_blocked() {
        let mut budget = pdb("debug", Some(app("web")));
        budget.max_unavailable = None;
        budget.min_available = Some(IntOrString::Int(1));
        let manual = Disposition::Manual {
            reason: String::new(),
        };
        let w = run(&Kind::Pod, None, &web_pods()[..1], &[budget], &manual);
        assert!(
            w[0].contains("(minAvailable 1 leaves none of the 1 replica to disrupt)"),
            "{w:?}"
        );
        let w = run(&Kind::Pod, None, &web_pods()[..1], &[], &manual);
        assert!(
            w[0].starts_with("no PodDisruptionBudget selects this pod"),
            "{w:?}"
        );
    }
}
