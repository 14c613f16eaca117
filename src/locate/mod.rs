//! Locating the one right place to edit for a live workload.
//!
//! The repository is seen as a set of *renderings*: first the Argo CD Applications and Flux
//! Kustomizations of the inventory (the controllers' own objects, which replace the repository's
//! of the same name), then each Argo CD Application of the repository (and each one an
//! ApplicationSet generates), each Flux Kustomization of this repository (one per cluster it is
//! deployed to), each kustomization no other one includes (an overlay), and the plain manifests
//! nothing includes. Each rendering knows the cluster it deploys to (from `.gitops-restart.yaml`,
//! the Application's destination, the Kustomizations that deploy a Flux Kustomization, or a
//! `clusters/<name>/` folder) and every document it produces under the name and namespace it gets
//! in the cluster.
//!
//! A workload is looked for first in the renderings its GitOps controller names on the live
//! object (Argo CD tracking id or instance label, Flux labels), then in the renderings of the
//! affected cluster. Where its restart goes follows one rule ([`rule`]): an edit site is chosen
//! only if, rendered, it changes exactly the restarted workloads of that cluster. The defining
//! document is edited in place when that holds for it; else the affected overlay gets a patch when
//! it holds there; else the workload is `manual` with the units an edit would restart too.
//! Several candidate documents are `ambiguous`, never a guess.
//!
//! This module holds the [`Locator`] API and the search for candidates. [`models`] reads the
//! GitOps objects into types, [`kustomize`] resolves kustomizations, [`renderings`] builds the
//! renderings and maps them to clusters, [`live`] adds those of the inventory's GitOps objects,
//! [`app_source`] applies an Argo CD source's own options, [`appset`] expands ApplicationSets
//! (what it can't see offline is named on the workloads it may deploy), [`flux`] reads Flux as
//! Flux does (sources, clusters, `postBuild`), [`rule`] chooses the site, [`helm`] locates
//! workloads rendered by Helm releases, and [`patch`] writes the overlay patch. Must not do I/O
//! or edit: everything is read from the [`Index`] and the inventory's objects, and answers are
//! data (a [`Site`], or why there is none). Only [`patch`] and the types here are seen outside
//! the module.

mod app_source;
mod appset;
mod flux;
mod helm;
mod kustomize;
mod live;
mod models;
pub mod patch;
mod renderings;
mod rule;

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Config;
use crate::inventory::GitOps;
use crate::model::{Code, Finding, Place};
use crate::repo::Index;
use helm::HelmSource;
use kustomize::Rendered;
use renderings::{Origin, Rendering};
use rule::Choice;

/// What the live cluster says about a workload, for locating it.
#[derive(Debug, Clone, Default)]
pub struct LiveWorkload<'a> {
    pub namespace: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
}

/// Where the restart goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Site {
    /// Edit the defining document itself.
    InPlace { file: usize, doc: usize },
    /// Add a strategic-merge patch to the overlay's kustomization.
    Patch {
        /// The overlay folder and its kustomization file (index into the files).
        dir: String,
        kustomization: usize,
        api_version: String,
        kind: String,
        /// The name and namespace as they enter the overlay.
        name: String,
        namespace: Option<String>,
        /// The keys from the document root to the restart value.
        path: Vec<String>,
        /// The defining document, for `file:line` in reports.
        file: usize,
        doc: usize,
    },
    /// Set the pod annotation through Helm values: `path` (keys from the document root, the
    /// annotation key last) in a Flux HelmRelease or an Argo CD Application's Helm source.
    Helm {
        file: usize,
        doc: usize,
        path: Vec<String>,
        label: String,
    },
}

impl Site {
    /// A patch in the overlay of unit `r`, for the document `(file, doc)` that enters it as `e`,
    /// setting the value at `path`.
    fn patch(r: &Rendering, e: &Rendered, path: Vec<String>, (file, doc): (usize, usize)) -> Site {
        Site::Patch {
            dir: r.dir.clone(),
            kustomization: r
                .kustomization
                .expect("an overlay chosen for its kustomization"),
            api_version: e.api_version.clone(),
            kind: e.kind.clone(),
            name: e.name_in_root.clone(),
            namespace: e.namespace_in_root.clone(),
            path,
            file,
            doc,
        }
    }
}

/// The locator's answer for one workload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    Found {
        site: Site,
        warnings: Vec<Finding>,
    },
    NotFound {
        reason: String,
    },
    /// Several places could define it: the manifests, or the one manifest several renderings
    /// deploy.
    Ambiguous {
        candidates: Vec<Place>,
        reason: String,
    },
    /// Found, but no edit can restart it (a Helm chart whose values can't be edited).
    Manual {
        reason: String,
    },
}

/// The repository's renderings, ready to locate workloads in.
pub struct Locator<'i> {
    index: &'i Index,
    renderings: Vec<Rendering>,
    /// Problems met while resolving (missing files, cycles, apps without their path).
    pub warnings: Vec<Finding>,
    /// Where `argocd-cm` ignores the restart annotation in every app.
    global_ignore: Option<Place>,
    /// Helm releases: Flux HelmReleases and Argo CD Applications with a Helm source.
    helm: Vec<HelmSource>,
    helm_config: crate::config::HelmConfig,
    annotation: String,
    /// The kustomization folders each rendering's folder reads.
    trees: BTreeMap<String, BTreeSet<String>>,
    /// The workloads of the run (`namespace`, kind, name): what an edit may restart.
    restarting: BTreeSet<(String, String, String)>,
    /// ApplicationSets' Applications that can't be seen offline.
    appsets: Vec<appset::Unexpanded>,
}

impl<'i> Locator<'i> {
    /// Resolve every rendering of the repository, with the Argo CD and Flux objects of the
    /// inventory (`gitops`) first; `cluster` is the restarted cluster, when known.
    pub fn new(
        index: &'i Index,
        config: &Config,
        annotation: &str,
        gitops: &GitOps,
        cluster: Option<&str>,
    ) -> Locator<'i> {
        let live = live::Live { gitops, cluster };
        let renderings::Resolved {
            renderings,
            warnings,
            global_ignore,
            helm,
            trees,
            appsets,
        } = renderings::resolve(index, config, annotation, &live);
        Locator {
            index,
            renderings,
            warnings,
            global_ignore,
            helm,
            helm_config: config.helm.clone(),
            annotation: annotation.to_owned(),
            trees,
            appsets,
            restarting: BTreeSet::new(),
        }
    }

    /// The workloads the run restarts, as (namespace, kind, name): an edit site may restart
    /// these and no other (the one located always counts).
    pub fn restarting(&mut self, workloads: impl IntoIterator<Item = (String, String, String)>) {
        self.restarting.extend(workloads);
    }

    /// Find where to restart `live` for `cluster` (`None`: any cluster). ApplicationSets whose
    /// Applications can't be seen offline and that may deploy it are named in the reason when it
    /// is not found, ambiguous or manual. When the controller's tracking names an Application
    /// such a set may generate, and no rendering gitops-restart sees, a manifest found elsewhere
    /// is not taken for it: `not-found`, naming both.
    pub fn locate(&self, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Located {
        let located = self.locate_seen(live, cluster);
        match located {
            Located::Found { site, warnings } => {
                let mut apps = Self::traced_apps(live);
                apps.sort_unstable();
                apps.dedup();
                let unseen: Vec<String> = self
                    .appsets
                    .iter()
                    .filter(|u| apps.iter().any(|a| u.may_be(a)))
                    .map(appset::Unexpanded::note)
                    .collect();
                if unseen.is_empty() || !self.traced(live).is_empty() {
                    return Located::Found { site, warnings };
                }
                let (Site::InPlace { file, doc }
                | Site::Patch { file, doc, .. }
                | Site::Helm { file, doc, .. }) = site;
                Located::NotFound {
                    reason: format!(
                        "the controller's tracking names Application {}, which gitops-restart \
                         does not see: {}; {} defines a {} {}, but nothing says it is this \
                         one",
                        apps.join(", "),
                        unseen.join("; "),
                        self.site_name(file, doc),
                        live.kind,
                        live.name
                    ),
                }
            }
            Located::NotFound { reason } => Located::NotFound {
                reason: self.with_appsets(reason, live),
            },
            Located::Ambiguous { reason, candidates } => Located::Ambiguous {
                reason: self.with_appsets(reason, live),
                candidates,
            },
            Located::Manual { reason } => Located::Manual {
                reason: self.with_appsets(reason, live),
            },
        }
    }

    /// `reason`, followed by the ApplicationSets that may deploy `live` without being seen:
    /// the controller's tracking names one of their Applications, or one of their source paths
    /// may be a folder that defines it.
    fn with_appsets(&self, reason: String, live: &LiveWorkload<'_>) -> String {
        let apps = Self::traced_apps(live);
        let defined: Vec<(&str, &str)> = self
            .renderings
            .iter()
            .flat_map(|r| r.entries.iter().map(move |e| (r, e)))
            .filter(|(_, e)| e.kind == live.kind && e.name == live.name)
            .map(|(r, e)| (r.dir.as_str(), self.index.files[e.file].path.as_str()))
            .collect();
        let mut notes: Vec<String> = self
            .appsets
            .iter()
            .filter(|u| {
                apps.iter().any(|a| u.may_be(a))
                    || defined.iter().any(|(dir, file)| {
                        u.may_render(dir)
                            || std::iter::successors(Some(*file), |p| {
                                p.rsplit_once('/').map(|(parent, _)| parent)
                            })
                            .skip(1)
                            .any(|folder| u.may_render(folder))
                    })
            })
            .map(appset::Unexpanded::note)
            .collect();
        notes.dedup();
        // A set whose every Application can't be built would name each: three say enough.
        let shown = 3;
        if notes.len() > shown {
            let more = notes.len() - shown;
            notes.truncate(shown);
            notes.push(format!("and {more} more Applications of ApplicationSets"));
        }
        if notes.is_empty() {
            reason
        } else {
            format!("{reason}; {}", notes.join("; "))
        }
    }

    /// Where to restart `live` for `cluster`, from the renderings gitops-restart sees.
    fn locate_seen(&self, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Located {
        let traced = self.traced(live);
        let for_cluster = |r: &&Rendering| match (cluster, &r.cluster) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        };
        let mut tried: Vec<&Rendering> = traced.iter().copied().filter(for_cluster).collect();
        let mut matches = self.matches(&tried, live);
        let by_tracking = !matches.is_empty();
        if matches.is_empty() {
            tried = self.renderings.iter().filter(for_cluster).collect();
            matches = self.matches(&tried, live);
        }
        tracing::debug!(
            workload = %format_args!("{}/{}/{}", live.namespace, live.kind, live.name),
            cluster = cluster.unwrap_or("any"),
            tracked_to = ?traced.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(),
            found_in = ?matches.iter().map(|(r, _)| r.label.as_str()).collect::<Vec<_>>(),
            how = if by_tracking { "the controller's tracking" } else { "the cluster's renderings" },
            "looked for the manifest"
        );
        // A name a Flux variable the repository doesn't set could give: in the units that
        // render the workload, or, when none does, in those looked in.
        let suspects: Vec<&Rendering> = if matches.is_empty() {
            tried.clone()
        } else {
            tried
                .iter()
                .copied()
                .filter(|r| matches.iter().any(|(m, _)| std::ptr::eq(*m, *r)))
                .collect()
        };
        if !matches.is_empty()
            && let Some(reason) = unresolved(&suspects, live)
        {
            let mut candidates: Vec<Place> = matches
                .iter()
                .map(|(_, e)| self.site(e.file, e.doc))
                .collect();
            candidates.sort();
            candidates.dedup();
            return Located::Ambiguous { reason, candidates };
        }
        if matches.is_empty() {
            if let Some(found) = self.locate_helm(live, cluster) {
                return found;
            }
            if let Some(reason) = unresolved(&suspects, live) {
                return Located::Ambiguous {
                    reason,
                    candidates: Vec::new(),
                };
            }
            let elsewhere: Vec<String> = self
                .matches(&self.renderings.iter().collect::<Vec<_>>(), live)
                .iter()
                .map(|(r, _)| {
                    format!(
                        "{} ({})",
                        r.label,
                        r.cluster.as_deref().unwrap_or("no cluster")
                    )
                })
                .collect();
            let mut reason = format!(
                "no manifest in the repository defines {} {} (in namespace {} or without one)",
                live.kind, live.name, live.namespace
            );
            if !elsewhere.is_empty() {
                reason = format!(
                    "{} {} is defined only for other clusters: {}",
                    live.kind,
                    live.name,
                    elsewhere.join(", ")
                );
            }
            return Located::NotFound { reason };
        }
        let mut docs: Vec<(usize, usize)> = matches.iter().map(|(_, e)| (e.file, e.doc)).collect();
        docs.sort_unstable();
        docs.dedup();
        if docs.len() > 1 {
            let candidates: Vec<Place> = docs.iter().map(|&(f, d)| self.site(f, d)).collect();
            let sites: Vec<String> = candidates.iter().map(Place::to_string).collect();
            return Located::Ambiguous {
                reason: format!(
                    "{} manifests could define it: {}; map clusters to paths in .gitops-restart.yaml \
                     (clusters: NAME: paths: [...]) or pass --cluster",
                    docs.len(),
                    sites.join(", ")
                ),
                candidates,
            };
        }
        let (file, doc) = docs[0];
        let units: Vec<&Rendering> = {
            let mut seen: Vec<&Rendering> = Vec::new();
            for (r, _) in &matches {
                if !seen.iter().any(|s| std::ptr::eq(*s, *r)) {
                    seen.push(r);
                }
            }
            seen
        };
        let mut clusters: Vec<&str> = units.iter().filter_map(|r| r.cluster.as_deref()).collect();
        clusters.sort_unstable();
        clusters.dedup();
        // Without a cluster to restart, the clusters the manifest is deployed to: when the
        // controller's tracking names one unit but no site restarts that unit alone, the answer
        // is that several clusters deploy it (`--cluster` says which one runs the workload).
        let mut deployed_to: Vec<&str> = self
            .renderings
            .iter()
            .filter(|r| r.entries.iter().any(|e| (e.file, e.doc) == (file, doc)))
            .filter_map(|r| r.cluster.as_deref())
            .collect();
        deployed_to.sort_unstable();
        deployed_to.dedup();
        if cluster.is_none() && clusters.len() > 1 {
            return several_clusters(&self.site_name(file, doc), self.site(file, doc), &clusters);
        }
        let mut warnings = self.delivery_warnings(&units);
        if matches.iter().all(|(_, e)| e.namespace.is_none()) {
            warnings.insert(
                0,
                Finding::warning(
                    Code::NamespaceInferred,
                    format!(
                        "nothing in the repository sets its namespace; matched by kind and name for namespace {}",
                        live.namespace
                    ),
                ),
            );
        }
        let target = cluster.or_else(|| clusters.first().copied());
        let affected = |_: &Rendering, e: &Rendered| self.is_restarted(e, live);
        let name = self.site_name(file, doc);
        match self.choose(&matches, (file, doc), &name, target, &affected) {
            Choice::InPlace => Located::Found {
                site: Site::InPlace { file, doc },
                warnings,
            },
            Choice::Patch {
                unit: r,
                entry: e,
                shared_with,
            } => {
                warnings.push(Finding::info(
                    Code::PatchedInOverlay,
                    format!(
                        "the manifest is shared with {}: restarted through a patch in {} instead",
                        shared_with.join(", "),
                        r.label
                    ),
                ));
                let path = patch::PatchEntry::workload_path(&e.kind, &self.annotation);
                Located::Found {
                    site: Site::patch(r, e, path, (file, doc)),
                    warnings,
                }
            }
            Choice::SeveralClusters(clusters) => several_clusters(
                &name,
                self.site(file, doc),
                &clusters.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
            Choice::Neither(_) if cluster.is_none() && deployed_to.len() > 1 => {
                several_clusters(&name, self.site(file, doc), &deployed_to)
            }
            Choice::Neither(reason) => Located::Manual { reason },
        }
    }

    /// Argo CD Application names the live object's tracking names.
    fn traced_apps(live: &LiveWorkload<'_>) -> Vec<String> {
        let mut apps = Vec::new();
        if let Some((app, _)) = live
            .annotations
            .and_then(|a| a.get("argocd.argoproj.io/tracking-id"))
            .and_then(|id| id.split_once(':'))
        {
            // Apps in any namespace track as `namespace_app`.
            apps.push(app.rsplit_once('_').map_or(app, |(_, a)| a).to_owned());
        }
        if let Some(app) = live
            .labels
            .and_then(|l| l.get("app.kubernetes.io/instance"))
        {
            apps.push(app.clone());
        }
        apps
    }

    /// Where a document is: its workload's `kind:` line, as everywhere else in reports, else
    /// the document's first line.
    pub fn site(&self, file: usize, doc: usize) -> Place {
        let f = &self.index.files[file];
        let line = f
            .workloads
            .iter()
            .find(|w| w.doc == doc)
            .map_or_else(|| header_line(self.index, file, doc), |w| w.line);
        Place::new(f.path.as_str(), Some(line))
    }

    /// `file:line` of a document.
    pub fn site_name(&self, file: usize, doc: usize) -> String {
        self.site(file, doc).to_string()
    }

    /// The renderings the GitOps controller names on the live object.
    fn traced(&self, live: &LiveWorkload<'_>) -> Vec<&Rendering> {
        let label = |key: &str| live.labels.and_then(|l| l.get(key)).map(String::as_str);
        let apps = Self::traced_apps(live);
        let flux = label("kustomize.toolkit.fluxcd.io/name")
            .map(|n| (n, label("kustomize.toolkit.fluxcd.io/namespace")));
        self.renderings
            .iter()
            .filter(|r| match &r.origin {
                Origin::ArgoApp { name, .. } => apps.iter().any(|a| a == name),
                Origin::Flux {
                    name, namespace, ..
                } => flux.is_some_and(|(n, ns)| n == name && ns.is_none_or(|ns| ns == namespace)),
                _ => false,
            })
            .collect()
    }

    /// Entries of `renderings` that are `live`: same kind and name, same namespace or none (a
    /// namespace-less match counts only when no rendering gives the exact namespace).
    fn matches<'r>(
        &self,
        renderings: &[&'r Rendering],
        live: &LiveWorkload<'_>,
    ) -> Vec<(&'r Rendering, &'r Rendered)> {
        let all: Vec<(&Rendering, &Rendered)> = renderings
            .iter()
            .flat_map(|r| r.entries.iter().map(move |e| (*r, e)))
            .filter(|(_, e)| e.kind == live.kind && e.name == live.name)
            .filter(|(_, e)| e.unresolved.is_none())
            .filter(|(_, e)| {
                self.index.files[e.file]
                    .workloads
                    .iter()
                    .any(|w| w.doc == e.doc)
                    || e.kind == "Rollout"
            })
            .collect();
        let exact: Vec<_> = all
            .iter()
            .copied()
            .filter(|(_, e)| e.namespace.as_deref() == Some(live.namespace))
            .collect();
        if exact.is_empty() {
            all.into_iter()
                .filter(|(_, e)| e.namespace.is_none())
                .collect()
        } else {
            exact
        }
    }

    /// Warnings about the way from a merged change to the cluster.
    fn delivery_warnings(&self, renderings: &[&Rendering]) -> Vec<Finding> {
        let mut warnings = Vec::new();
        for r in renderings {
            match &r.origin {
                Origin::ArgoApp { name, auto_sync, ignores_restart, .. } => {
                    if *ignores_restart {
                        warnings.push(Finding::warning(Code::ArgocdIgnoresRestart, format!(
                            "Argo CD Application {name} ignores differences in the restart annotation \
                             (ignoreDifferences): Argo CD will not see the change; remove that entry or sync by hand"
                        )));
                    }
                    if !auto_sync {
                        warnings.push(Finding::warning(Code::ArgocdManualSync, format!(
                            "Argo CD Application {name} has no automated sync: someone must sync it after the merge"
                        )));
                    }
                }
                Origin::Flux { name, namespace, suspended: true, .. } => warnings.push(Finding::warning(Code::FluxSuspended, format!(
                    "Flux Kustomization {namespace}/{name} is suspended: the change will not be applied until it is resumed"
                ))),
                _ => {}
            }
        }
        if let Some(at) = &self.global_ignore
            && renderings
                .iter()
                .any(|r| matches!(r.origin, Origin::ArgoApp { .. }))
        {
            warnings.push(
                Finding::warning(
                    Code::ArgocdIgnoresRestart,
                    "argocd-cm ignores differences in pod-template annotations: Argo CD may not see the change",
                )
                .at(at.clone()),
            );
        }
        warnings
    }
}

/// Entries of `renderings` under a name or namespace a Flux variable the repository doesn't
/// set could make `live`'s: why it can't be told.
fn unresolved(renderings: &[&Rendering], live: &LiveWorkload<'_>) -> Option<String> {
    let reasons: Vec<&str> = renderings
        .iter()
        .flat_map(|r| &r.entries)
        // Few entries are unresolved: they are the only ones worth matching by pattern.
        .filter(|e| e.unresolved.is_some())
        .filter(|e| e.kind == live.kind && flux::could_be(&e.name, live.name))
        .filter(|e| {
            e.namespace
                .as_deref()
                .is_none_or(|ns| flux::could_be(ns, live.namespace))
        })
        .filter_map(|e| e.unresolved.as_deref())
        .collect();
    (!reasons.is_empty()).then(|| {
        format!(
            "a Flux substitution could give it its name: {}; set the variable in \
             postBuild.substitute, or restart it by hand",
            reasons.join("; ")
        )
    })
}

/// A site deployed to several clusters when none is known.
fn several_clusters(site: &str, candidate: Place, clusters: &[&str]) -> Located {
    Located::Ambiguous {
        reason: format!(
            "{site} is deployed to several clusters ({}); pass --cluster (or a notice that names it)",
            clusters.join(", ")
        ),
        candidates: vec![candidate],
    }
}

/// The 1-based line of a document's start.
fn header_line(index: &Index, file: usize, doc: usize) -> usize {
    index.files[file]
        .docs
        .iter()
        .find(|(d, _)| *d == doc)
        .map_or(1, |(_, h)| h.line)
}
