//! The rule that chooses an edit site among the candidates.
//!
//! An edit site is chosen only if, rendered, it changes exactly the affected workloads of the
//! cluster being restarted. A document is edited in place when every unit that renders it
//! deploys to that cluster and every object it restarts there is affected, including when
//! several affected units share it. Otherwise the overlay the matched unit renders it through
//! takes a patch, when every unit reading that overlay passes the same test; otherwise there is
//! no site, and the answer says which units an edit would restart too. A unit whose cluster is
//! not known counts as one of the cluster being restarted; without a cluster, units of several
//! known clusters are never edited together.
//!
//! Pure: reads the renderings and the workloads of the run held by the [`Locator`].

use std::collections::BTreeSet;

use super::kustomize::Rendered;
use super::renderings::Rendering;
use super::{LiveWorkload, Locator};

/// One unit's rendering of a site: what an edit there restarts in that unit.
pub(super) struct Use<'r> {
    pub(super) unit: &'r Rendering,
    /// The object as the unit renders it, `namespace/Kind/name`.
    pub(super) object: String,
    /// Whether that object is one of the workloads being restarted.
    pub(super) affected: bool,
}

/// Whether a unit's rendered object is being restarted.
pub(super) type Affected<'a> = dyn Fn(&Rendering, &Rendered) -> bool + 'a;

/// What the rule chose for one document.
pub(super) enum Choice<'r> {
    /// Edit the document itself.
    InPlace,
    /// Patch the overlay `unit` reads the document through (its root folder); `shared_with`
    /// names the units that render the document without that overlay.
    Patch {
        unit: &'r Rendering,
        entry: &'r Rendered,
        shared_with: Vec<String>,
    },
    /// No cluster is known and the document is deployed to several: which one is meant?
    SeveralClusters(Vec<String>),
    /// Every site would restart something else too: why, naming those units.
    Neither(String),
}

/// Why an edit rendered by `uses` would restart more than the affected workloads of `cluster`:
/// each unit that breaks the rule, described. Empty: the site is valid.
pub(super) fn offenders(uses: &[Use<'_>], cluster: Option<&str>) -> Vec<String> {
    let known: BTreeSet<&str> = uses
        .iter()
        .filter_map(|u| u.unit.cluster.as_deref())
        .collect();
    let mut out: Vec<String> = Vec::new();
    for u in uses {
        let other = match (cluster, u.unit.cluster.as_deref()) {
            (Some(want), Some(have)) => want != have,
            (None, Some(_)) => known.len() > 1,
            (_, None) => false,
        };
        let why = if other {
            format!(
                "{} on cluster {}",
                u.unit.label,
                u.unit.cluster.as_deref().unwrap_or_default()
            )
        } else if !u.affected {
            format!(
                "{}, as {}, which is not being restarted",
                u.unit.label, u.object
            )
        } else {
            continue;
        };
        if !out.contains(&why) {
            out.push(why);
        }
    }
    out
}

/// `namespace/Kind/name` of a rendered object (`Kind/name` without a namespace).
fn object(e: &Rendered) -> String {
    match &e.namespace {
        Some(ns) => format!("{ns}/{}/{}", e.kind, e.name),
        None => format!("{}/{}", e.kind, e.name),
    }
}

impl Locator<'_> {
    /// Whether `e` is one of the workloads of the run (`live` among them): same kind and name,
    /// and the same namespace unless nothing sets one.
    pub(super) fn is_restarted(&self, e: &Rendered, live: &LiveWorkload<'_>) -> bool {
        let same = |namespace: &str, kind: &str, name: &str| {
            kind == e.kind
                && name == e.name
                && e.namespace.as_deref().is_none_or(|ns| ns == namespace)
        };
        // The run's workloads are looked up, not scanned: this is asked for every unit of
        // every located workload.
        e.unresolved.is_none()
            && (same(live.namespace, live.kind, live.name)
                || match e.namespace.as_deref() {
                    Some(ns) => {
                        self.restarting
                            .contains(&(ns.to_owned(), e.kind.clone(), e.name.clone()))
                    }
                    None => self
                        .restarting
                        .iter()
                        .any(|(ns, kind, name)| same(ns, kind, name)),
                })
    }

    /// Every unit's rendering of document `doc` of `file`.
    pub(super) fn uses_of_doc(
        &self,
        (file, doc): (usize, usize),
        affected: &Affected<'_>,
    ) -> Vec<Use<'_>> {
        self.uses(|_| true, (file, doc), affected)
    }

    /// Every unit that reads the overlay folder `dir`, with its rendering of the document.
    pub(super) fn uses_through(
        &self,
        dir: &str,
        (file, doc): (usize, usize),
        affected: &Affected<'_>,
    ) -> Vec<Use<'_>> {
        self.uses(
            |r| self.trees.get(&r.dir).is_some_and(|t| t.contains(dir)),
            (file, doc),
            affected,
        )
    }

    fn uses(
        &self,
        unit: impl Fn(&Rendering) -> bool,
        (file, doc): (usize, usize),
        affected: &Affected<'_>,
    ) -> Vec<Use<'_>> {
        self.renderings
            .iter()
            .filter(|r| unit(r))
            .flat_map(|r| r.entries.iter().map(move |e| (r, e)))
            .filter(|(_, e)| e.file == file && e.doc == doc)
            .map(|(r, e)| Use {
                unit: r,
                object: object(e),
                affected: affected(r, e),
            })
            .collect()
    }

    /// Apply the rule to the document `site` (named `name` in messages), which `matched` units
    /// render as the workload being restarted, on `cluster` (`None`: not known).
    pub(super) fn choose<'r>(
        &'r self,
        matched: &[(&'r Rendering, &'r Rendered)],
        site: (usize, usize),
        name: &str,
        cluster: Option<&str>,
        affected: &Affected<'_>,
    ) -> Choice<'r> {
        let uses = self.uses_of_doc(site, affected);
        let here = offenders(&uses, cluster);
        if here.is_empty() {
            return Choice::InPlace;
        }
        if cluster.is_none() {
            let mut clusters: Vec<String> =
                uses.iter().filter_map(|u| u.unit.cluster.clone()).collect();
            clusters.sort();
            clusters.dedup();
            if clusters.len() > 1 {
                return Choice::SeveralClusters(clusters);
            }
        }
        // A narrower site: the overlay a matched unit renders the document through.
        let mut patches: Vec<(&Rendering, &Rendered)> = Vec::new();
        let mut refused: Vec<String> = Vec::new();
        for &(r, e) in matched {
            if r.kustomization.is_none() || patches.iter().any(|(p, _)| p.dir == r.dir) {
                continue;
            }
            let through = offenders(&self.uses_through(&r.dir, site, affected), cluster);
            if through.is_empty() {
                patches.push((r, e));
            } else {
                let overlay = if r.dir.is_empty() { "." } else { &r.dir };
                let why = format!("overlay {overlay} is also read by {}", through.join("; "));
                if !refused.contains(&why) {
                    refused.push(why);
                }
            }
        }
        let covers = |p: &Rendering| {
            matched
                .iter()
                .all(|(r, _)| self.trees.get(&r.dir).is_some_and(|t| t.contains(&p.dir)))
        };
        if let [(r, e)] = patches.as_slice()
            && covers(r)
        {
            let through: Vec<*const Rendering> = self
                .uses_through(&r.dir, site, affected)
                .iter()
                .map(|u| std::ptr::from_ref(u.unit))
                .collect();
            let mut shared_with: Vec<String> = Vec::new();
            for u in &uses {
                if !through.contains(&std::ptr::from_ref(u.unit))
                    && !shared_with.contains(&u.unit.label)
                {
                    shared_with.push(u.unit.label.clone());
                }
            }
            return Choice::Patch {
                unit: r,
                entry: e,
                shared_with,
            };
        }
        let mut reason = format!("{name} is also rendered by {}", here.join("; "));
        if refused.is_empty() && patches.is_empty() {
            reason.push_str("; no overlay holds it for the restarted units alone");
        } else if patches.len() > 1 {
            reason.push_str("; several overlays would each restart it");
        } else if let [(r, _)] = patches.as_slice() {
            reason.push_str(&format!(
                "; not every unit restarted here reads {}",
                r.label
            ));
        } else {
            reason.push_str(&format!("; {}", refused.join("; ")));
        }
        reason.push_str(
            ". No edit would restart only the workloads restarted here: restart it by hand, or \
             give them an overlay of their own (and map clusters to paths in \
             .gitops-restart.yaml where a unit's cluster is wrong)",
        );
        Choice::Neither(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::locate::renderings::Origin;

    fn unit(label: &str, cluster: Option<&str>) -> Rendering {
        Rendering {
            label: label.to_owned(),
            origin: Origin::Overlay,
            dir: String::new(),
            kustomization: None,
            cluster: cluster.map(str::to_owned),
            entries: Vec::new(),
        }
    }

    fn uses(units: &[(Rendering, bool)]) -> Vec<Use<'_>> {
        units
            .iter()
            .map(|(unit, affected)| Use {
                unit,
                object: "ns/Deployment/web".to_owned(),
                affected: *affected,
            })
            .collect()
    }

    #[test]
    fn a_site_is_valid_when_every_unit_is_restarted_on_the_cluster() {
        let units = [(unit("a", Some("prod")), true), (unit("b", None), true)];
        assert!(offenders(&uses(&units), Some("prod")).is_empty());
        assert!(offenders(&uses(&units), None).is_empty());
    }

    #[test]
    fn other_clusters_and_objects_not_restarted_are_named() {
        let units = [
            (unit("a", Some("prod")), true),
            (unit("b", Some("staging")), true),
            (unit("c", Some("prod")), false),
        ];
        assert_eq!(
            offenders(&uses(&units), Some("prod")),
            [
                "b on cluster staging",
                "c, as ns/Deployment/web, which is not being restarted"
            ]
        );
        // Without a cluster, units of several known clusters are never edited together.
        assert_eq!(offenders(&uses(&units), None).len(), 3);
    }
}
