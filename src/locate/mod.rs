//! Locating the one right place to edit for a live workload.
//!
//! The repository is seen as a set of *renderings*: first the Argo CD Applications and Flux
//! Kustomizations of the inventory (the controllers' own objects, which replace the repository's
//! of the same name), then each Argo CD Application (and ApplicationSet with a literal path) and
//! each Flux Kustomization of the repository, each kustomization no other one includes (an
//! overlay), and the plain manifests nothing includes. Each rendering knows the cluster it deploys
//! to (from `.gitops-restart.yaml`, the Application's destination, or a Flux `clusters/<name>/`
//! folder) and every document it produces under the name and namespace it gets in the cluster.
//!
//! A workload is looked for first in the renderings its GitOps controller names on the live
//! object (Argo CD tracking id or instance label, Flux labels), then in the renderings of the
//! affected cluster. One defining document used only by affected renderings is edited in place;
//! one shared with renderings that are not affected is restarted by a patch in the affected
//! overlay; several candidates are `ambiguous`, never a guess.
//!
//! This module holds the [`Locator`] API and the choice among candidates. [`models`] reads the
//! GitOps objects into types, [`kustomize`] resolves kustomizations, [`renderings`] builds the
//! renderings and maps them to clusters, [`live`] adds those of the inventory's GitOps objects,
//! [`helm`] locates workloads rendered by Helm releases, and [`patch`] writes the overlay patch.
//! Must not do I/O or edit: everything is read from the [`Index`] and the inventory's objects,
//! and answers are data (a [`Site`], or why there is none). Only [`patch`] and the
//! types here are seen outside the module.

mod helm;
mod kustomize;
mod live;
mod models;
pub mod patch;
mod renderings;

use std::collections::BTreeMap;

use crate::config::Config;
use crate::inventory::GitOps;
use crate::model::{Code, Finding, Place};
use crate::repo::Index;
use helm::HelmSource;
use kustomize::Rendered;
use renderings::{Origin, Rendering};

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
        } = renderings::resolve(index, config, annotation, &live);
        Locator {
            index,
            renderings,
            warnings,
            global_ignore,
            helm,
            helm_config: config.helm.clone(),
            annotation: annotation.to_owned(),
        }
    }

    /// Find where to restart `live` for `cluster` (`None`: any cluster).
    pub fn locate(&self, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Located {
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
        if matches.is_empty() {
            if let Some(found) = self.locate_helm(live, cluster) {
                return found;
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
        let affected: Vec<&Rendering> = {
            let mut seen: Vec<&Rendering> = Vec::new();
            for (r, _) in &matches {
                if !seen.iter().any(|s| std::ptr::eq(*s, *r)) {
                    seen.push(r);
                }
            }
            seen
        };
        let mut clusters: Vec<&str> = affected
            .iter()
            .filter_map(|r| r.cluster.as_deref())
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        if cluster.is_none() && clusters.len() > 1 {
            return Located::Ambiguous {
                reason: format!(
                    "{} is deployed to several clusters ({}); pass --cluster (or a notice that names it)",
                    self.site_name(file, doc),
                    clusters.join(", ")
                ),
                candidates: vec![self.site(file, doc)],
            };
        }
        let others: Vec<&Rendering> = self
            .renderings
            .iter()
            .filter(|r| !affected.iter().any(|a| std::ptr::eq(*a, *r)))
            .filter(|r| r.entries.iter().any(|e| e.file == file && e.doc == doc))
            .collect();
        let mut warnings = self.delivery_warnings(&affected);
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
        if others.is_empty() {
            return Located::Found {
                site: Site::InPlace { file, doc },
                warnings,
            };
        }
        // Shared with renderings that must not restart: patch the affected overlay.
        let overlays: Vec<(&Rendering, &Rendered)> = matches
            .iter()
            .filter(|(r, _)| r.kustomization.is_some())
            .map(|(r, e)| (*r, *e))
            .collect();
        let shared_with: Vec<&str> = others.iter().map(|r| r.label.as_str()).collect();
        match overlays.as_slice() {
            [(r, e)] if affected.len() == 1 => {
                warnings.push(Finding::info(
                    Code::PatchedInOverlay,
                    format!(
                        "the manifest is shared with {}: restarted through a patch in {} instead",
                        shared_with.join(", "),
                        r.label
                    ),
                ));
                Located::Found {
                    site: Site::Patch {
                        dir: r.dir.clone(),
                        kustomization: r.kustomization.expect("filtered on it"),
                        api_version: e.api_version.clone(),
                        kind: e.kind.clone(),
                        name: e.name_in_root.clone(),
                        namespace: e.namespace_in_root.clone(),
                        path: crate::locate::patch::PatchEntry::workload_path(
                            &e.kind,
                            &self.annotation,
                        ),
                        file,
                        doc,
                    },
                    warnings,
                }
            }
            _ => Located::Ambiguous {
                reason: format!(
                    "{} is shared with {} and deployed by {}; none is a single overlay to patch: map \
                     clusters to paths in .gitops-restart.yaml or pass --cluster",
                    self.site_name(file, doc),
                    shared_with.join(", "),
                    affected
                        .iter()
                        .map(|r| r.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                candidates: vec![self.site(file, doc)],
            },
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

/// The 1-based line of a document's start.
fn header_line(index: &Index, file: usize, doc: usize) -> usize {
    index.files[file]
        .docs
        .iter()
        .find(|(d, _)| *d == doc)
        .map_or(1, |(_, h)| h.line)
}
