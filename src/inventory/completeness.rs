//! Whether an inventory can be taken for the whole cluster the run is about: the evidence `pr`
//! needs before it closes its pull request because no workload is affected any more.
//!
//! An empty plan proves nothing by itself: a `kubectl get pods` without the ReplicaSets, a
//! snapshot of another cluster or of the wrong kinds, a context pointing elsewhere all give one.
//! [`completeness`] looks for what such inputs leave out and lists each gap it finds, in a fixed
//! order, each with what to do; no gap means the inventory is plausibly the whole cluster:
//!
//! 1. it holds pods at all;
//! 2. some of them run on Fargate (unless `--all-nodes`, where every node counts);
//! 3. every owner the considered active pods name, of a kind the inventory keeps (ReplicaSet,
//!    Deployment, StatefulSet, DaemonSet, Rollout, Job, CronJob), is in it, up the chain the
//!    plan follows (ReplicaSet to its Deployment or Rollout, Job to its CronJob): a pods-only
//!    snapshot, or one without ReplicaSets, fails here;
//! 4. when the notices name pods (EKS scheduled-termination events), at least one of them is in
//!    it: none at all says another cluster (or pods long gone);
//! 5. the cluster an EKS kube context names (its ARN, or an eksctl context; an alias names none
//!    for sure and is not compared) matches the cluster being restarted: the same name, or one
//!    containing the other (`--cluster prod` for the context of `prod-eks` matches).
//!
//! Pure: the inventory and the run's facts in, the gaps out. It never fails.

use std::fmt;

use super::{AffectedOptions, Inventory, Pod};
use crate::model::Kind;

/// The longest owner chain followed (Pod, ReplicaSet, Deployment, and one more); a bound
/// against owner loops, as in `owners`.
const MAX_DEPTH: usize = 4;

/// The facts about the cluster the run is for, besides the inventory.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClusterFacts<'a> {
    /// The cluster being restarted: `--cluster`, else the notices' cluster.
    pub cluster: Option<&'a str>,
    /// The cluster the kube context names for sure (live inventory, an EKS context only).
    pub context_cluster: Option<&'a str>,
}

/// The gaps found; none means the inventory is plausibly the whole cluster.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completeness {
    pub gaps: Vec<Gap>,
}

impl Completeness {
    pub fn is_complete(&self) -> bool {
        self.gaps.is_empty()
    }
}

/// One reason the inventory may not be the whole cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    /// The inventory holds no pod.
    NoPods,
    /// Pods, but none on Fargate (and no `--all-nodes`).
    NoFargatePods { pods: usize },
    /// Active pods whose owners are not in the inventory; `example` names one pod and the
    /// owner missing (`Pod shop/web-1: ReplicaSet shop/web-5d9`).
    MissingOwners { pods: usize, example: String },
    /// The notices name pods and none is in the inventory; `example` names one.
    NamedPodsAbsent { named: usize, example: String },
    /// The kube context names another cluster than the one being restarted.
    OtherCluster { context: String, cluster: String },
}

impl fmt::Display for Gap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Gap::NoPods => f.write_str(
                "the inventory holds no pod (give a snapshot of \
                 `kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs -A \
                 -o json`, or run against the cluster)",
            ),
            Gap::NoFargatePods { pods } => write!(
                f,
                "none of its {pods} pod(s) runs on Fargate (is it the right cluster? give \
                 --all-nodes if the workloads run on other nodes)"
            ),
            Gap::MissingOwners { pods, example } => write!(
                f,
                "the owners of {pods} pod(s) are not in it ({example}): include ReplicaSets, \
                 Deployments, StatefulSets, DaemonSets, Jobs and CronJobs (and Rollouts) in the \
                 snapshot"
            ),
            Gap::NamedPodsAbsent { named, example } => write!(
                f,
                "none of the {named} pod(s) the notices name is in it ({example}): the inventory \
                 may be of another cluster"
            ),
            Gap::OtherCluster { context, cluster } => write!(
                f,
                "the kube context is for cluster `{context}`, the run for `{cluster}`: give \
                 --context for `{cluster}`"
            ),
        }
    }
}

/// What, if anything, keeps `inv` from being taken for the whole cluster, for the pods `opts`
/// considers (Fargate ones, or all with `all_nodes`) and the notices' named pods.
pub fn completeness(inv: &Inventory, opts: &AffectedOptions, facts: ClusterFacts) -> Completeness {
    let mut gaps = Vec::new();
    let pods = inv.pods().count();
    if pods == 0 {
        gaps.push(Gap::NoPods);
    } else if !opts.all_nodes && !inv.pods().any(Pod::is_fargate) {
        gaps.push(Gap::NoFargatePods { pods });
    }
    let mut orphans = 0;
    let mut example = None;
    for pod in inv
        .pods()
        .filter(|p| p.phase.is_active() && (opts.all_nodes || p.is_fargate()))
    {
        if let Some(missing) = missing_owner(inv, pod) {
            orphans += 1;
            example.get_or_insert_with(|| {
                format!("Pod {}/{}: {missing}", pod.meta.namespace, pod.meta.name)
            });
        }
    }
    if let Some(example) = example {
        gaps.push(Gap::MissingOwners {
            pods: orphans,
            example,
        });
    }
    if let Some(first) = opts.exact_pods.first()
        && !opts
            .exact_pods
            .iter()
            .any(|p| inv.pod(&p.namespace, &p.name).is_some())
    {
        gaps.push(Gap::NamedPodsAbsent {
            named: opts.exact_pods.len(),
            example: format!("{}/{}", first.namespace, first.name),
        });
    }
    if let (Some(context), Some(cluster)) = (facts.context_cluster, facts.cluster)
        && !same_cluster(context, cluster)
    {
        gaps.push(Gap::OtherCluster {
            context: context.to_owned(),
            cluster: cluster.to_owned(),
        });
    }
    Completeness { gaps }
}

/// The first owner up `pod`'s chain that the inventory should hold and does not, as
/// `Kind namespace/name`.
fn missing_owner(inv: &Inventory, pod: &Pod) -> Option<String> {
    let ns = pod.meta.namespace.as_str();
    let mut reference = pod.meta.controller()?;
    for _ in 0..MAX_DEPTH {
        // A kind the inventory does not keep (an operator's): nothing to expect.
        let kind = Kind::controller_from_api(&reference.api_version, &reference.kind)?;
        let Some(found) = inv.controller(&kind, ns, &reference.name) else {
            return Some(format!("{kind} {ns}/{}", reference.name));
        };
        match (&kind, found.meta.controller()) {
            (Kind::ReplicaSet | Kind::Job, Some(next)) => reference = next,
            _ => return None,
        }
    }
    None
}

/// Whether two cluster names plausibly name the same cluster: equal, or one contains the other
/// (ignoring case), as a context `prod` does the cluster `prod-eks`.
fn same_cluster(a: &str, b: &str) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    a.contains(&b) || b.contains(&a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::{Controller, ExactPod, Meta, Object, OwnerRef, PodPhase, Strategy};

    fn meta(ns: &str, name: &str, owner: Option<(&str, &str, &str)>) -> Meta {
        Meta {
            namespace: ns.to_owned(),
            name: name.to_owned(),
            owner_references: owner
                .map(|(api_version, kind, name)| OwnerRef {
                    api_version: api_version.to_owned(),
                    kind: kind.to_owned(),
                    name: name.to_owned(),
                    uid: String::new(),
                    controller: true,
                })
                .into_iter()
                .collect(),
            ..Meta::default()
        }
    }

    fn pod(name: &str, owner: Option<(&str, &str, &str)>, fargate: bool) -> Object {
        Object::Pod(Pod {
            meta: meta("shop", name, owner),
            scheduler_name: fargate.then(|| crate::inventory::FARGATE_SCHEDULER.to_owned()),
            phase: PodPhase::Running,
            ..Pod::default()
        })
    }

    fn controller(kind: Kind, name: &str, owner: Option<(&str, &str, &str)>) -> Object {
        Object::Controller(Controller {
            kind,
            api_version: "apps/v1".to_owned(),
            meta: meta("shop", name, owner),
            replicas: None,
            paused: false,
            strategy: Strategy::Default,
            template_annotations: std::collections::BTreeMap::new(),
            restart_at: None,
        })
    }

    const RS: (&str, &str, &str) = ("apps/v1", "ReplicaSet", "web-5d9");
    const DEPLOY: (&str, &str, &str) = ("apps/v1", "Deployment", "web");

    /// A Deployment's pod with its ReplicaSet and Deployment: a whole (small) cluster.
    fn whole() -> Inventory {
        let mut inv = Inventory::new();
        inv.insert(pod("web-5d9-a", Some(RS), true));
        inv.insert(controller(Kind::ReplicaSet, "web-5d9", Some(DEPLOY)));
        inv.insert(controller(Kind::Deployment, "web", None));
        inv
    }

    fn gaps(inv: &Inventory, opts: &AffectedOptions, facts: ClusterFacts) -> Vec<Gap> {
        completeness(inv, opts, facts).gaps
    }

    #[test]
    fn a_whole_cluster_has_no_gap() {
        let facts = ClusterFacts {
            cluster: Some("prod-eks"),
            context_cluster: Some("prod-eks"),
        };
        assert!(completeness(&whole(), &AffectedOptions::default(), facts).is_complete());
        // Operators' kinds are not expected; standalone pods have no owner to expect.
        let mut inv = whole();
        inv.insert(pod(
            "db-0",
            Some(("example.com/v1", "Database", "db")),
            true,
        ));
        inv.insert(pod("debug", None, true));
        assert_eq!(
            gaps(&inv, &AffectedOptions::default(), facts),
            Vec::<Gap>::new()
        );
    }

    #[test]
    fn no_pods_or_no_fargate_pods() {
        let none = Inventory::new();
        assert_eq!(
            gaps(&none, &AffectedOptions::default(), ClusterFacts::default()),
            [Gap::NoPods]
        );
        let mut ec2 = Inventory::new();
        ec2.insert(pod("web", None, false));
        assert_eq!(
            gaps(&ec2, &AffectedOptions::default(), ClusterFacts::default()),
            [Gap::NoFargatePods { pods: 1 }]
        );
        let all_nodes = AffectedOptions {
            all_nodes: true,
            ..AffectedOptions::default()
        };
        assert!(gaps(&ec2, &all_nodes, ClusterFacts::default()).is_empty());
    }

    #[test]
    fn pods_without_their_owners_are_a_gap() {
        // A pods-only snapshot.
        let mut pods_only = Inventory::new();
        pods_only.insert(pod("web-5d9-a", Some(RS), true));
        pods_only.insert(pod("web-5d9-b", Some(RS), true));
        assert_eq!(
            gaps(
                &pods_only,
                &AffectedOptions::default(),
                ClusterFacts::default()
            ),
            [Gap::MissingOwners {
                pods: 2,
                example: "Pod shop/web-5d9-a: ReplicaSet shop/web-5d9".to_owned()
            }]
        );
        // ReplicaSets without their Deployments.
        let mut no_deployments = Inventory::new();
        no_deployments.insert(pod("web-5d9-a", Some(RS), true));
        no_deployments.insert(controller(Kind::ReplicaSet, "web-5d9", Some(DEPLOY)));
        assert_eq!(
            gaps(
                &no_deployments,
                &AffectedOptions::default(),
                ClusterFacts::default()
            ),
            [Gap::MissingOwners {
                pods: 1,
                example: "Pod shop/web-5d9-a: Deployment shop/web".to_owned()
            }]
        );
        // Finished pods and pods on other nodes are not considered.
        let mut inv = whole();
        inv.insert(Object::Pod(Pod {
            phase: PodPhase::Succeeded,
            ..match pod("job-x", Some(("batch/v1", "Job", "gone")), true) {
                Object::Pod(p) => p,
                _ => unreachable!(),
            }
        }));
        inv.insert(pod("ec2-x", Some(("apps/v1", "ReplicaSet", "gone")), false));
        assert!(gaps(&inv, &AffectedOptions::default(), ClusterFacts::default()).is_empty());
    }

    #[test]
    fn named_pods_all_absent_is_a_gap_one_present_is_not() {
        let named = |names: &[&str]| AffectedOptions {
            exact_pods: names
                .iter()
                .map(|n| ExactPod {
                    namespace: "shop".to_owned(),
                    name: (*n).to_owned(),
                    evict_error: None,
                })
                .collect(),
            ..AffectedOptions::default()
        };
        assert_eq!(
            gaps(
                &whole(),
                &named(&["other-1", "other-2"]),
                ClusterFacts::default()
            ),
            [Gap::NamedPodsAbsent {
                named: 2,
                example: "shop/other-1".to_owned()
            }]
        );
        assert!(
            gaps(
                &whole(),
                &named(&["gone-1", "web-5d9-a"]),
                ClusterFacts::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_context_must_name_the_cluster() {
        let facts = |context, cluster| ClusterFacts {
            cluster: Some(cluster),
            context_cluster: Some(context),
        };
        let opts = AffectedOptions::default();
        assert_eq!(
            gaps(&whole(), &opts, facts("staging-eks", "prod-eks")),
            [Gap::OtherCluster {
                context: "staging-eks".to_owned(),
                cluster: "prod-eks".to_owned()
            }]
        );
        assert!(gaps(&whole(), &opts, facts("prod", "prod-eks")).is_empty());
        assert!(gaps(&whole(), &opts, facts("Prod-EKS", "prod-eks")).is_empty());
        // Unknown on either side: nothing to compare.
        let only_context = ClusterFacts {
            cluster: None,
            context_cluster: Some("staging"),
        };
        assert!(gaps(&whole(), &opts, only_context).is_empty());
    }

    #[test]
    fn gaps_say_what_to_do() {
        let text = Gap::MissingOwners {
            pods: 2,
            example: "Pod shop/a: ReplicaSet shop/b".to_owned(),
        }
        .to_string();
        assert!(text.contains("include ReplicaSets"), "{text}");
        let text = Gap::OtherCluster {
            context: "staging".to_owned(),
            cluster: "prod-eks".to_owned(),
        }
        .to_string();
        assert!(text.contains("--context"), "{text}");
    }
}
