//! Locating the one right place to edit for a live workload.
//!
//! The repository is seen as a set of *renderings*: each Argo CD Application (and ApplicationSet
//! with a literal path), each Flux Kustomization, each kustomization no other one includes (an
//! overlay), and the plain manifests nothing includes. Each rendering knows the cluster it deploys
//! to (from `.gitops-restart.yaml`, the Application's destination, or a Flux `clusters/<name>/`
//! folder) and every document it produces under the name and namespace it gets in the cluster.
//!
//! A workload is looked for first in the renderings its GitOps controller names on the live
//! object (Argo CD tracking id or instance label, Flux labels), then in the renderings of the
//! affected cluster. One defining document used only by affected renderings is edited in place;
//! one shared with renderings that are not affected is restarted by a patch in the affected
//! overlay; several candidates are `ambiguous`, never a guess. Pure: reads the [`Index`].

pub mod kustomize;
pub mod patch;

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::Config;
use crate::repo::Index;
use kustomize::{Rendered, Resolver, join};

/// Where a rendering comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// An Argo CD Application (or an ApplicationSet's template).
    ArgoApp {
        name: String,
        file: usize,
        auto_sync: bool,
        ignores_restart: bool,
    },
    /// A Flux Kustomization.
    Flux {
        name: String,
        namespace: String,
        file: usize,
        suspended: bool,
    },
    /// A kustomization no other kustomization or app includes.
    Overlay,
    /// Manifests no kustomization or app includes.
    Plain,
}

/// One way the repository is deployed.
#[derive(Debug, Clone)]
pub struct Rendering {
    /// What to call it in messages: `Application shop`, `overlay apps/shop/prod`, ...
    pub label: String,
    pub origin: Origin,
    /// The folder it renders (relative; empty for the root).
    pub dir: String,
    /// Whether `dir` holds a kustomization (where a patch can go).
    pub kustomization: Option<usize>,
    pub cluster: Option<String>,
    pub entries: Vec<Rendered>,
}

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
        warnings: Vec<String>,
    },
    NotFound {
        reason: String,
    },
    Ambiguous {
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
    pub renderings: Vec<Rendering>,
    /// Problems met while resolving (missing files, cycles, apps without their path).
    pub warnings: Vec<String>,
    /// Paths of `argocd-cm` that ignore the restart annotation in every app.
    global_ignore: Option<String>,
    /// Helm releases: Flux HelmReleases and Argo CD Applications with a Helm source.
    helm: Vec<HelmSource>,
    helm_config: crate::config::HelmConfig,
    annotation: String,
}

/// A Helm release the repository declares.
#[derive(Debug, Clone)]
struct HelmSource {
    label: String,
    /// Flux HelmRelease name and namespace, or Argo CD Application name.
    name: String,
    namespace: Option<String>,
    /// The release name Helm uses (workloads are usually named after it).
    release: String,
    /// The namespace the release installs into.
    target_namespace: Option<String>,
    chart: String,
    file: usize,
    doc: usize,
    /// Keys from the document root to the values mapping.
    values_path: Vec<String>,
    /// Why its values can't be edited, when they can't.
    blocked: Option<String>,
    cluster: Option<String>,
    flux: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AppSpec {
    source: Option<AppSource>,
    sources: Vec<AppSource>,
    destination: AppDestination,
    sync_policy: Option<serde_json::Value>,
    ignore_differences: Vec<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AppSource {
    path: Option<String>,
    chart: Option<String>,
    helm: Option<serde_json::Value>,
    directory: Option<AppDirectory>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AppDirectory {
    recurse: bool,
    /// Globs over paths relative to the source path, as Argo CD matches them (`*` crosses
    /// folders, `{a,b}` alternates); empty means none.
    include: String,
    exclude: String,
}

impl AppDirectory {
    /// Whether Argo CD reads the file at `rel` (relative to the source path), and a warning for
    /// a glob that doesn't compile: Argo CD then matches nothing with it (an invalid `include`
    /// keeps no file, an invalid `exclude` leaves none out), and so does this.
    fn filter(&self) -> (impl Fn(&str) -> bool + use<>, Option<String>) {
        let mut problems = Vec::new();
        let mut compile = |glob: &str| -> Option<Result<globset::GlobMatcher, ()>> {
            if glob.is_empty() {
                return None;
            }
            Some(
                globset::GlobBuilder::new(glob)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| problems.push(format!("directory glob `{glob}`: {e}"))),
            )
        };
        let include = compile(&self.include);
        let exclude = compile(&self.exclude);
        let keep = move |rel: &str| {
            let included = match &include {
                None => true,
                Some(glob) => glob.as_ref().is_ok_and(|g| g.is_match(rel)),
            };
            let excluded = matches!(&exclude, Some(Ok(g)) if g.is_match(rel));
            included && !excluded
        };
        (keep, (!problems.is_empty()).then(|| problems.join("; ")))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct AppDestination {
    namespace: Option<String>,
    name: Option<String>,
    server: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct FluxKustomizationSpec {
    path: Option<String>,
    target_namespace: Option<String>,
    suspend: bool,
}

impl<'i> Locator<'i> {
    /// Resolve every rendering of the repository.
    pub fn new(index: &'i Index, config: &Config, annotation: &str) -> Locator<'i> {
        let mut resolver = Resolver::new(index);
        let mut found = Found::default();
        found.read_objects(index, &mut resolver, annotation);
        let Found {
            mut renderings,
            mut warnings,
            app_dirs,
            global_ignore,
            mut helm,
        } = found;
        add_overlays(&mut resolver, &app_dirs, &mut renderings);
        add_plain(index, config, &resolver, &mut renderings);
        map_clusters(index, config, &mut renderings, &mut helm);
        warnings.append(&mut resolver.warnings);
        warnings.sort();
        warnings.dedup();
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
            let sites: Vec<String> = docs.iter().map(|&(f, d)| self.site_name(f, d)).collect();
            return Located::Ambiguous {
                reason: format!(
                    "{} manifests could define it: {}; map clusters to paths in .gitops-restart.yaml \
                     (clusters: NAME: paths: [...]) or pass --cluster",
                    docs.len(),
                    sites.join(", ")
                ),
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
                format!(
                    "nothing in the repository sets its namespace; matched by kind and name for namespace {}",
                    live.namespace
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
                warnings.push(format!(
                    "the manifest is shared with {}: restarted through a patch in {} instead",
                    shared_with.join(", "),
                    r.label
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
            },
        }
    }

    /// A workload rendered by a Helm release: traced by Flux's Helm labels, or a release in
    /// its namespace whose name the workload carries (charts name objects after the release).
    fn locate_helm(&self, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Option<Located> {
        let label = |key: &str| live.labels.and_then(|l| l.get(key)).map(String::as_str);
        let in_cluster = |h: &&HelmSource| match (cluster, &h.cluster) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        };
        let traced: Vec<&HelmSource> = match label("helm.toolkit.fluxcd.io/name") {
            Some(name) => {
                let ns = label("helm.toolkit.fluxcd.io/namespace");
                self.helm
                    .iter()
                    .filter(|h| {
                        h.flux && h.name == name && (ns.is_none() || h.namespace.as_deref() == ns)
                    })
                    .collect()
            }
            None => {
                let apps: Vec<String> = Self::traced_apps(live);
                self.helm
                    .iter()
                    .filter(|h| !h.flux && apps.contains(&h.name))
                    .collect()
            }
        };
        let candidates: Vec<&HelmSource> = if traced.is_empty() {
            self.helm
                .iter()
                .filter(in_cluster)
                .filter(|h| {
                    h.target_namespace
                        .as_deref()
                        .is_none_or(|ns| ns == live.namespace)
                })
                .filter(|h| {
                    live.name == h.release || live.name.starts_with(&format!("{}-", h.release))
                })
                .collect()
        } else {
            traced.into_iter().filter(in_cluster).collect()
        };
        match candidates.as_slice() {
            [] => None,
            [h] => Some(self.helm_site(h, live, cluster)),
            several => Some(Located::Ambiguous {
                reason: format!(
                    "several Helm releases could render it: {}; map clusters to paths in .gitops-restart.yaml or pass --cluster",
                    several
                        .iter()
                        .map(|h| h.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    fn helm_site(&self, h: &HelmSource, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Located {
        if let Some(reason) = &h.blocked {
            return Located::Manual {
                reason: format!("{}: {reason}", h.label),
            };
        }
        let template = self
            .helm_config
            .charts
            .get(&h.chart)
            .unwrap_or(&self.helm_config.values_path);
        if template.trim().is_empty() {
            return Located::Manual {
                reason: format!(
                    "{} renders it from chart `{}`, whose pod-annotations values path is not known: set \
                     helm.charts.{} in .gitops-restart.yaml, or restart it by hand",
                    h.label, h.chart, h.chart
                ),
            };
        }
        // `{name}`: the workload's name within the release (app-template's controller name).
        let short = live
            .name
            .strip_prefix(&format!("{}-", h.release))
            .unwrap_or(live.name);
        let resolved = template.replace("{name}", short);
        let mut path = h.values_path.clone();
        path.extend(resolved.split('.').map(str::to_owned));
        path.push(self.annotation.clone());
        let mut warnings = vec![format!(
            "rendered by {} (chart `{}`): the restart goes into its values at `{resolved}`; the chart must \
             put those values on the pod template",
            h.label, h.chart
        )];
        // A HelmRelease in a base shared by several overlays: the same choice as for manifests.
        let including: Vec<(&Rendering, &Rendered)> = self
            .renderings
            .iter()
            .flat_map(|r| r.entries.iter().map(move |e| (r, e)))
            .filter(|(_, e)| e.file == h.file && e.doc == h.doc)
            .collect();
        let affected: Vec<(&Rendering, &Rendered)> = including
            .iter()
            .copied()
            .filter(|(r, _)| match (cluster, &r.cluster) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => including.len() == 1,
                (None, _) => true,
            })
            .collect();
        if including.len() <= 1 || (affected.len() == including.len() && cluster.is_some()) {
            let site = Site::Helm {
                file: h.file,
                doc: h.doc,
                path,
                label: h.label.clone(),
            };
            return Located::Found { site, warnings };
        }
        match affected.as_slice() {
            [(r, e)] if r.kustomization.is_some() && e.file == h.file => {
                let others: Vec<&str> = including
                    .iter()
                    .filter(|(o, _)| !std::ptr::eq(*o, *r))
                    .map(|(o, _)| o.label.as_str())
                    .collect();
                warnings.push(format!(
                    "{} is shared with {}: restarted through a patch in {} instead",
                    h.label,
                    others.join(", "),
                    r.label
                ));
                Located::Found {
                    site: Site::Patch {
                        dir: r.dir.clone(),
                        kustomization: r.kustomization.expect("matched on it"),
                        api_version: e.api_version.clone(),
                        kind: e.kind.clone(),
                        name: e.name_in_root.clone(),
                        namespace: e.namespace_in_root.clone(),
                        path,
                        file: h.file,
                        doc: h.doc,
                    },
                    warnings,
                }
            }
            _ => Located::Ambiguous {
                reason: format!(
                    "{} is deployed by several renderings ({}); pass --cluster and map clusters to paths in \
                     .gitops-restart.yaml",
                    h.label,
                    including
                        .iter()
                        .map(|(r, _)| r.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
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

    /// `file:line` of a document.
    pub fn site_name(&self, file: usize, doc: usize) -> String {
        let f = &self.index.files[file];
        // A workload is named by its `kind:` line, as everywhere else in reports.
        let line = f
            .workloads
            .iter()
            .find(|w| w.doc == doc)
            .map_or_else(|| header_line(self.index, file, doc), |w| w.line);
        format!("{}:{line}", f.path)
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
    fn delivery_warnings(&self, renderings: &[&Rendering]) -> Vec<String> {
        let mut warnings = Vec::new();
        for r in renderings {
            match &r.origin {
                Origin::ArgoApp { name, auto_sync, ignores_restart, .. } => {
                    if *ignores_restart {
                        warnings.push(format!(
                            "Argo CD Application {name} ignores differences in the restart annotation \
                             (ignoreDifferences): Argo CD will not see the change; remove that entry or sync by hand"
                        ));
                    }
                    if !auto_sync {
                        warnings.push(format!(
                            "Argo CD Application {name} has no automated sync: someone must sync it after the merge"
                        ));
                    }
                }
                Origin::Flux { name, namespace, suspended: true, .. } => warnings.push(format!(
                    "Flux Kustomization {namespace}/{name} is suspended: the change will not be applied until it is resumed"
                )),
                _ => {}
            }
        }
        if let Some(at) = &self.global_ignore
            && renderings
                .iter()
                .any(|r| matches!(r.origin, Origin::ArgoApp { .. }))
        {
            {
                warnings.push(format!(
                    "{at}: argocd-cm ignores differences in pod-template annotations: Argo CD may not see the change"
                ));
            }
        }
        warnings
    }
}

/// What the repository's GitOps objects declare, collected in one pass over the index.
#[derive(Default)]
struct Found {
    renderings: Vec<Rendering>,
    warnings: Vec<String>,
    /// Folders an Application or Flux Kustomization renders (not overlays of their own).
    app_dirs: Vec<String>,
    global_ignore: Option<String>,
    helm: Vec<HelmSource>,
}

impl Found {
    fn read_objects(&mut self, index: &Index, resolver: &mut Resolver<'_>, annotation: &str) {
        let Found {
            renderings,
            warnings,
            app_dirs,
            global_ignore,
            helm,
        } = self;
        for (file_index, file) in index.files.iter().enumerate() {
            for (doc, object) in &file.objects {
                let kind = object["kind"].as_str().unwrap_or_default();
                let api = object["apiVersion"].as_str().unwrap_or_default();
                let name = object["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let at = format!("{}:{}", file.path, header_line(index, file_index, *doc));
                match (api.split('/').next().unwrap_or_default(), kind) {
                    ("argoproj.io", "Application") => {
                        let spec = serde_json::from_value::<AppSpec>(object["spec"].clone())
                            .unwrap_or_default();
                        app_renderings(
                            resolver, &spec, &name, file_index, &at, annotation, renderings,
                            app_dirs, warnings,
                        );
                        helm.extend(argo_helm_sources(
                            object, &spec, &name, file_index, *doc, &file.path,
                        ));
                    }
                    ("argoproj.io", "ApplicationSet") => {
                        let template = &object["spec"]["template"];
                        let spec = serde_json::from_value::<AppSpec>(template["spec"].clone())
                            .unwrap_or_default();
                        let literal = spec
                            .source
                            .iter()
                            .chain(&spec.sources)
                            .all(|s| !s.path.as_deref().unwrap_or_default().contains("{{"));
                        if literal {
                            let app = template["metadata"]["name"]
                                .as_str()
                                .filter(|n| !n.contains("{{"))
                                .map_or(name.clone(), str::to_owned);
                            app_renderings(
                                resolver, &spec, &app, file_index, &at, annotation, renderings,
                                app_dirs, warnings,
                            );
                        }
                    }
                    ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                        let spec =
                            serde_json::from_value::<FluxKustomizationSpec>(object["spec"].clone())
                                .unwrap_or_default();
                        let namespace = object["metadata"]["namespace"]
                            .as_str()
                            .unwrap_or("flux-system")
                            .to_owned();
                        let Some(dir) = spec.path.as_deref().and_then(|p| join("", p)) else {
                            warnings.push(format!(
                                "{at}: Flux Kustomization {name} has no usable spec.path"
                            ));
                            continue;
                        };
                        let mut entries = render_dir(resolver, &dir, true, &|_| true);
                        if entries.is_empty() {
                            warnings.push(format!("{at}: Flux Kustomization {name}: path `{dir}` renders nothing in this repository"));
                        }
                        if let Some(ns) = &spec.target_namespace {
                            for e in &mut entries {
                                e.namespace = Some(ns.clone());
                            }
                        }
                        app_dirs.push(dir.clone());
                        renderings.push(Rendering {
                            label: format!("Flux Kustomization {namespace}/{name} ({})", file.path),
                            origin: Origin::Flux {
                                name: name.clone(),
                                namespace,
                                file: file_index,
                                suspended: spec.suspend,
                            },
                            kustomization: resolver.kustomization_in(&dir),
                            cluster: cluster_folder(&file.path),
                            dir,
                            entries,
                        });
                    }
                    ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                        let spec = &object["spec"];
                        let namespace = object["metadata"]["namespace"].as_str().map(str::to_owned);
                        let target = spec["targetNamespace"].as_str().map(str::to_owned);
                        // Flux's default release name: [targetNamespace-]name.
                        let release = spec["releaseName"].as_str().map_or_else(
                            || {
                                target
                                    .as_ref()
                                    .map_or_else(|| name.clone(), |t| format!("{t}-{name}"))
                            },
                            str::to_owned,
                        );
                        let chart = spec["chart"]["spec"]["chart"]
                            .as_str()
                            .or_else(|| spec["chartRef"]["name"].as_str())
                            .unwrap_or_default()
                            .to_owned();
                        helm.push(HelmSource {
                            label: format!(
                                "HelmRelease {}/{name} ({})",
                                namespace.as_deref().unwrap_or("-"),
                                file.path
                            ),
                            name: name.clone(),
                            target_namespace: target.or_else(|| namespace.clone()),
                            namespace,
                            release,
                            chart,
                            file: file_index,
                            doc: *doc,
                            values_path: vec!["spec".into(), "values".into()],
                            blocked: None,
                            cluster: cluster_folder(&file.path),
                            flux: true,
                        });
                    }
                    ("", "ConfigMap") if name == "argocd-cm" => {
                        let text = object["data"].to_string();
                        if text.contains(annotation)
                            || text.contains("/spec/template/metadata/annotations")
                        {
                            *global_ignore = Some(at.clone());
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Overlays: kustomizations that nothing includes and no app points at.
fn add_overlays(resolver: &mut Resolver<'_>, app_dirs: &[String], renderings: &mut Vec<Rendering>) {
    let included: std::collections::BTreeSet<String> = resolver
        .kustomization_dirs()
        .map(str::to_owned)
        .collect::<Vec<_>>()
        .iter()
        .flat_map(|d| resolver.referenced_dirs(d))
        .collect();
    let mut overlay_dirs: Vec<String> = resolver
        .kustomization_dirs()
        .filter(|d| !included.contains(*d) && !app_dirs.iter().any(|a| a == d))
        .map(str::to_owned)
        .collect();
    overlay_dirs.sort();
    // Kustomizations only others include are resolved through them; resolve those in a cycle
    // (which nothing reaches from outside) on their own, so their problems are reported too.
    let mut reached: std::collections::BTreeSet<String> =
        overlay_dirs.iter().chain(app_dirs).cloned().collect();
    let mut frontier: Vec<String> = reached.iter().cloned().collect();
    while let Some(dir) = frontier.pop() {
        for next in resolver.referenced_dirs(&dir) {
            if reached.insert(next.clone()) {
                frontier.push(next);
            }
        }
    }
    let mut unreached: Vec<String> = resolver
        .kustomization_dirs()
        .filter(|d| !reached.contains(*d))
        .map(str::to_owned)
        .collect();
    unreached.sort();
    for dir in unreached {
        resolver.render_kustomization(&dir);
    }
    for dir in overlay_dirs {
        let entries = resolver.render_kustomization(&dir);
        renderings.push(Rendering {
            label: format!("overlay {}", if dir.is_empty() { "." } else { &dir }),
            origin: Origin::Overlay,
            kustomization: resolver.kustomization_in(&dir),
            cluster: cluster_folder(&dir),
            dir,
            entries,
        });
    }
}

/// Plain manifests: documents no rendering includes, one rendering per cluster: the cluster
/// whose `clusters.paths` in the configuration hold the file, else its Flux-style cluster folder.
fn add_plain(
    index: &Index,
    config: &Config,
    resolver: &Resolver<'_>,
    renderings: &mut Vec<Rendering>,
) {
    let covered: std::collections::BTreeSet<(usize, usize)> = renderings
        .iter()
        .flat_map(|r| r.entries.iter().map(|e| (e.file, e.doc)))
        .collect();
    let mut plain: BTreeMap<Option<String>, Vec<Rendered>> = BTreeMap::new();
    for e in resolver.render_plain("", true, &|_| true) {
        if !covered.contains(&(e.file, e.doc)) {
            let path = &index.files[e.file].path;
            let configured = config
                .clusters
                .iter()
                .find(|(_, paths)| paths.paths.iter().any(|p| under(path, p)))
                .map(|(name, _)| name.clone());
            plain
                .entry(configured.or_else(|| cluster_folder(path)))
                .or_default()
                .push(e);
        }
    }
    for (cluster, entries) in plain {
        renderings.push(Rendering {
            label: "plain manifests".to_owned(),
            origin: Origin::Plain,
            dir: String::new(),
            kustomization: None,
            cluster,
            entries,
        });
    }
}

/// The configuration's cluster paths win over everything guessed.
fn map_clusters(
    index: &Index,
    config: &Config,
    renderings: &mut [Rendering],
    helm: &mut [HelmSource],
) {
    for r in renderings.iter_mut() {
        let origin_file = match &r.origin {
            Origin::ArgoApp { file, .. } | Origin::Flux { file, .. } => {
                Some(index.files[*file].path.as_str())
            }
            _ => None,
        };
        if let Some(cluster) = config.clusters.iter().find_map(|(name, paths)| {
            paths
                .paths
                .iter()
                .any(|p| under(&r.dir, p) || origin_file.is_some_and(|f| under(f, p)))
                .then(|| name.clone())
        }) {
            r.cluster = Some(cluster);
        }
    }
    for h in helm.iter_mut() {
        let file = &index.files[h.file].path;
        if let Some(cluster) = config.clusters.iter().find_map(|(name, paths)| {
            paths
                .paths
                .iter()
                .any(|p| under(file, p))
                .then(|| name.clone())
        }) {
            h.cluster = Some(cluster);
        }
    }
}

/// Renderings of one Argo CD Application (one per source with a path in this repository).
#[allow(clippy::too_many_arguments)]
fn app_renderings(
    resolver: &mut Resolver<'_>,
    spec: &AppSpec,
    name: &str,
    file: usize,
    at: &str,
    annotation: &str,
    renderings: &mut Vec<Rendering>,
    app_dirs: &mut Vec<String>,
    warnings: &mut Vec<String>,
) {
    let ignores = spec.ignore_differences.iter().any(|d| {
        let text = d.to_string();
        text.contains(&annotation.replace('/', "~1"))
            || text.contains(annotation)
            || text.contains("/spec/template/metadata/annotations")
    });
    let auto_sync = spec
        .sync_policy
        .as_ref()
        .is_some_and(|p| p.get("automated").is_some_and(|a| !a.is_null()));
    for source in spec.source.iter().chain(&spec.sources) {
        if source.chart.is_some() {
            continue;
        }
        let Some(dir) = source.path.as_deref().and_then(|p| join("", p)) else {
            continue;
        };
        // A Helm chart folder is rendered by Helm: its templates are never edited.
        let helm = source.helm.is_some()
            || resolver.has_file(&join(&dir, "Chart.yaml").unwrap_or_default());
        let directory = source.directory.as_ref();
        let (keep, problem) = directory.map_or((None, None), |d| {
            let (keep, problem) = d.filter();
            (Some(keep), problem)
        });
        if let Some(problem) = problem {
            warnings.push(format!(
                "{at}: Application {name}: {problem}; Argo CD matches no file with it either"
            ));
        }
        let mut entries = if helm {
            Vec::new()
        } else {
            render_dir(
                resolver,
                &dir,
                directory.is_some_and(|d| d.recurse),
                &|rel: &str| keep.as_ref().is_none_or(|keep| keep(rel)),
            )
        };
        if entries.is_empty() && !helm {
            warnings.push(format!(
                "{at}: Application {name}: path `{dir}` renders nothing in this repository"
            ));
        }
        if let Some(ns) = &spec.destination.namespace {
            for e in &mut entries {
                e.namespace.get_or_insert_with(|| ns.clone());
            }
        }
        app_dirs.push(dir.clone());
        renderings.push(Rendering {
            label: format!("Application {name} ({})", resolver.path_of(file)),
            origin: Origin::ArgoApp {
                name: name.to_owned(),
                file,
                auto_sync,
                ignores_restart: ignores,
            },
            kustomization: resolver.kustomization_in(&dir),
            cluster: spec.destination.name.clone().or_else(|| {
                spec.destination
                    .server
                    .clone()
                    .filter(|s| s != "https://kubernetes.default.svc")
            }),
            dir,
            entries,
        });
    }
}

/// The Helm sources of an Argo CD Application: each source with a chart or Helm parameters.
fn argo_helm_sources(
    object: &serde_json::Value,
    spec: &AppSpec,
    name: &str,
    file: usize,
    doc: usize,
    path: &str,
) -> Vec<HelmSource> {
    let single = object["spec"]["source"].is_object();
    let sources: Vec<&serde_json::Value> = if single {
        vec![&object["spec"]["source"]]
    } else {
        object["spec"]["sources"]
            .as_array()
            .map(|a| a.iter().collect())
            .unwrap_or_default()
    };
    sources
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s["chart"].is_string() || s["helm"].is_object())
        .map(|(i, s)| {
            let mut values_path: Vec<String> = vec!["spec".into()];
            if single {
                values_path.push("source".into());
            } else {
                // Sequences are not on the editable path: say so instead of guessing.
                values_path.push(format!("sources[{i}]"));
            }
            values_path.extend(["helm".into(), "valuesObject".into()]);
            let blocked = if !single {
                Some("the Helm source is one of several `sources`; set the pod annotation in its values by hand".to_owned())
            } else if s["helm"]["values"].is_string() && !s["helm"]["valuesObject"].is_object() {
                Some("its Helm values are a string (`helm.values`), which can't be edited safely; move them to `helm.valuesObject` or set the pod annotation by hand".to_owned())
            } else {
                None
            };
            HelmSource {
                label: format!("Application {name} ({path})"),
                name: name.to_owned(),
                namespace: object["metadata"]["namespace"].as_str().map(str::to_owned),
                release: s["helm"]["releaseName"].as_str().unwrap_or(name).to_owned(),
                target_namespace: spec.destination.namespace.clone(),
                chart: s["chart"].as_str().map_or_else(|| s["path"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned(), str::to_owned),
                file,
                doc,
                values_path,
                blocked,
                cluster: spec.destination.name.clone(),
                flux: false,
            }
        })
        .collect()
}

/// A folder as a GitOps controller renders it: through its kustomization, else its manifests.
fn render_dir(
    resolver: &mut Resolver<'_>,
    dir: &str,
    recurse: bool,
    keep: &dyn Fn(&str) -> bool,
) -> Vec<Rendered> {
    if resolver.kustomization_in(dir).is_some() {
        resolver.render_kustomization(dir)
    } else {
        resolver.render_plain(dir, recurse, keep)
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

/// The cluster a `clusters/<name>/...` path belongs to, as Flux repositories lay them out.
fn cluster_folder(path: &str) -> Option<String> {
    let mut parts = path.split('/');
    while let Some(part) = parts.next() {
        if part == "clusters" {
            return parts
                .next()
                .filter(|n| {
                    !n.is_empty()
                        && !std::path::Path::new(n)
                            .extension()
                            .is_some_and(|e| e.eq_ignore_ascii_case("yaml"))
                })
                .map(str::to_owned);
        }
    }
    None
}

/// Whether `path` is `prefix` or lies under it.
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/').trim_start_matches("./");
    prefix.is_empty() || path == prefix || path.starts_with(&format!("{prefix}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_globs_match_as_argo_cd_does() {
        let dir = |include: &str, exclude: &str| AppDirectory {
            recurse: true,
            include: include.to_owned(),
            exclude: exclude.to_owned(),
        };
        let (keep, problem) = dir("{web.yaml,jobs/*}", "jobs/old-*").filter();
        assert!(problem.is_none());
        assert!(keep("web.yaml") && keep("jobs/a.yaml") && keep("jobs/deep/b.yaml"));
        assert!(!keep("api.yaml") && !keep("jobs/old-a.yaml"));
        let (keep, problem) = dir("[", "").filter();
        assert!(problem.unwrap().contains("directory glob `[`"));
        assert!(!keep("web.yaml"), "an invalid include keeps nothing");
        let (keep, problem) = dir("", "[").filter();
        assert!(problem.is_some());
        assert!(keep("web.yaml"), "an invalid exclude leaves nothing out");
    }

    #[test]
    fn cluster_folders_follow_flux_layout() {
        assert_eq!(
            cluster_folder("clusters/prod/apps.yaml").as_deref(),
            Some("prod")
        );
        assert_eq!(cluster_folder("clusters/prod").as_deref(), Some("prod"));
        assert_eq!(cluster_folder("apps/base/web.yaml"), None);
        assert_eq!(cluster_folder("clusters/apps.yaml"), None);
    }

    #[test]
    fn under_is_by_path_component() {
        assert!(under("apps/prod/x", "apps/prod"));
        assert!(under("apps/prod", "./apps/prod/"));
        assert!(!under("apps/production", "apps/prod"));
    }
}
