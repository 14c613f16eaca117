//! The repository's renderings: every way it is deployed, and what each deploys under which name.
//!
//! Read in one pass over the index: each Argo CD Application (one rendering per source with a
//! path in this repository; an ApplicationSet through each Application it generates), each Flux
//! Kustomization, each kustomization nothing includes (an overlay), and the plain manifests
//! nothing includes, grouped by cluster. Then the cluster of each: `.gitops-restart.yaml`'s
//! cluster paths win over the Application's destination or a Flux `clusters/<name>/` folder.
//! The same pass collects the Helm releases and whether `argocd-cm` ignores the restart.
//!
//! Must not fail or guess: a problem (a path that renders nothing, a glob that doesn't compile)
//! is a warning naming the file, and the rest of the repository still resolves. Renderings keep
//! the order of the index (Applications and Flux first, then overlays by folder, then plain
//! manifests by cluster), which reports and tie-breaks depend on. Pure: reads the [`Index`].

use std::collections::{BTreeMap, BTreeSet};

use super::app_source;
use super::appset::{self, ArgoCluster, Unexpanded};
use super::flux;
use super::header_line;
use super::helm::{self, HelmSource};
use super::kustomize::{Rendered, Resolver};
use super::live::{self, Live, Merge, Repositories};
use super::models::{AppDirectory, AppSpec, FluxKustomization, GitOpsObject};
use crate::config::Config;
use crate::model::{Code, Finding, Place};
use crate::repo::{Index, join, split};

/// Where a rendering comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Origin {
    /// An Argo CD Application (or one an ApplicationSet generates).
    ArgoApp {
        name: String,
        /// The file that declares it; `None` for one from the cluster.
        file: Option<usize>,
        auto_sync: bool,
        ignores_restart: bool,
    },
    /// A Flux Kustomization (one rendering per cluster it is deployed to).
    Flux {
        name: String,
        namespace: String,
        /// The file that declares it; `None` for one from the cluster.
        file: Option<usize>,
        /// Its document in `file` (0 for one from the cluster).
        doc: usize,
        suspended: bool,
    },
    /// A kustomization no other kustomization or app includes.
    Overlay,
    /// Manifests no kustomization or app includes.
    Plain,
}

/// One way the repository is deployed.
#[derive(Debug, Clone)]
pub(super) struct Rendering {
    /// What to call it in messages: `Application shop`, `overlay apps/shop/prod`, ...
    pub(super) label: String,
    pub(super) origin: Origin,
    /// The folder it renders (relative; empty for the root).
    pub(super) dir: String,
    /// Whether `dir` holds a kustomization (where a patch can go).
    pub(super) kustomization: Option<usize>,
    pub(super) cluster: Option<String>,
    pub(super) entries: Vec<Rendered>,
}

/// Everything the repository declares about how it is deployed.
pub(super) struct Resolved {
    pub(super) renderings: Vec<Rendering>,
    /// Problems met while resolving, sorted by text, without duplicates.
    pub(super) warnings: Vec<Finding>,
    /// Where an `argocd-cm` ignores the restart annotation in every app.
    pub(super) global_ignore: Option<Place>,
    pub(super) helm: Vec<HelmSource>,
    /// For each rendering's folder, the kustomization folders it reads ([`Resolver::tree`]):
    /// which renderings a patch in an overlay reaches.
    pub(super) trees: BTreeMap<String, BTreeSet<String>>,
    /// ApplicationSets' Applications that can't be seen offline.
    pub(super) appsets: Vec<Unexpanded>,
}

/// Resolve every rendering of the repository, the cluster's GitOps objects (`live`) first.
pub(super) fn resolve(
    index: &Index,
    config: &Config,
    annotation: &str,
    live: &Live<'_>,
) -> Resolved {
    let mut resolver = Resolver::new(index);
    let mut found = Found {
        sources: flux::Sources::read(index),
        clusters: appset::known_clusters(index, config),
        repositories: Repositories::new(&config.repositories),
        ..Found::default()
    };
    found.read_objects(index, &mut resolver, annotation);
    let Found {
        mut renderings,
        mut warnings,
        mut app_dirs,
        global_ignore,
        mut helm,
        unexpanded: appsets,
        ..
    } = found;
    let merge = Merge {
        renderings: &mut renderings,
        app_dirs: &mut app_dirs,
        helm: &mut helm,
        warnings: &mut warnings,
    };
    let claimed = live.merge(index, config, annotation, &mut resolver, merge);
    let roots = flux::roots(index, &renderings);
    add_overlays(&mut resolver, &app_dirs, &roots, &mut renderings);
    add_plain(index, config, &resolver, &roots, &mut renderings);
    if claimed {
        live::unclaimed(&mut renderings);
    }
    map_clusters(index, config, &mut renderings, &mut helm);
    flux::follow_clusters(index, config, &mut renderings);
    let trees = renderings
        .iter()
        .map(|r| (r.dir.clone(), resolver.tree(&r.dir)))
        .collect();
    warnings.append(&mut resolver.warnings);
    warnings.sort_by_cached_key(Finding::text);
    warnings.dedup();
    Resolved {
        renderings,
        warnings,
        global_ignore,
        helm,
        trees,
        appsets,
    }
}

/// What the repository's GitOps objects declare, collected in one pass over the index.
#[derive(Default)]
struct Found {
    renderings: Vec<Rendering>,
    warnings: Vec<Finding>,
    /// Folders an Application or Flux Kustomization renders (not overlays of their own).
    app_dirs: Vec<String>,
    global_ignore: Option<Place>,
    helm: Vec<HelmSource>,
    /// Which Flux sources are this repository.
    sources: flux::Sources,
    /// The Argo CD clusters (ApplicationSet clusters generators, destination servers).
    clusters: Vec<ArgoCluster>,
    unexpanded: Vec<Unexpanded>,
    /// `repositories` of the configuration: Application sources of others are not rendered.
    repositories: Repositories,
}

impl Found {
    fn read_objects(&mut self, index: &Index, resolver: &mut Resolver<'_>, annotation: &str) {
        for (file_index, file) in index.files.iter().enumerate() {
            for (doc, object) in &file.objects {
                let at = || {
                    Place::new(
                        file.path.clone(),
                        Some(header_line(index, file_index, *doc)),
                    )
                };
                match GitOpsObject::read(object) {
                    GitOpsObject::Application(app) => {
                        let name = app.metadata.name();
                        self.app_renderings(
                            resolver,
                            &app.spec,
                            name,
                            file_index,
                            &at(),
                            annotation,
                        );
                        self.helm
                            .extend(helm::argo_sources(&app, file_index, *doc, &file.path));
                    }
                    GitOpsObject::ApplicationSet(set) => {
                        let expansion = appset::expand(&set, index, &self.clusters, &at());
                        for app in &expansion.apps {
                            self.app_renderings(
                                resolver,
                                &app.spec,
                                &app.name,
                                file_index,
                                &at(),
                                annotation,
                            );
                        }
                        self.warnings.extend(expansion.findings);
                        self.unexpanded.extend(expansion.unexpanded);
                    }
                    GitOpsObject::FluxKustomization(flux) => {
                        self.flux_rendering(resolver, &flux, (file_index, *doc), &file.path, &at());
                    }
                    GitOpsObject::HelmRelease(release) => {
                        self.helm
                            .push(helm::flux_source(&release, file_index, *doc, &file.path));
                    }
                    GitOpsObject::ArgoCdConfig(config) => {
                        let text = config.data.to_string();
                        if text.contains(annotation)
                            || text.contains("/spec/template/metadata/annotations")
                        {
                            self.global_ignore = Some(at());
                        }
                    }
                    GitOpsObject::GitRepository(_) | GitOpsObject::Other => {}
                }
            }
        }
    }

    /// The rendering of one Flux Kustomization, unless its source is another repository.
    fn flux_rendering(
        &mut self,
        resolver: &mut Resolver<'_>,
        flux: &FluxKustomization,
        (file, doc): (usize, usize),
        path: &str,
        at: &Place,
    ) {
        let name = flux.metadata.name();
        let namespace = flux
            .metadata
            .namespace
            .clone()
            .unwrap_or_else(|| "flux-system".to_owned());
        if let Some(other) = self.sources.other(&flux.spec.source_ref, &namespace) {
            tracing::debug!(
                kustomization = %format_args!("{namespace}/{name}"),
                file = path,
                "renders {other}, not this repository"
            );
            return;
        }
        let Some(dir) = flux.spec.path.as_deref().and_then(|p| join("", p)) else {
            self.warnings.push(
                Finding::warning(
                    Code::RendersNothing,
                    format!("Flux Kustomization {name} has no usable spec.path"),
                )
                .at(at.clone()),
            );
            return;
        };
        let mut entries = render_dir(resolver, &dir, true, &|_| true);
        if entries.is_empty() {
            self.warnings.push(
                Finding::warning(
                    Code::RendersNothing,
                    format!(
                        "Flux Kustomization {name}: path `{dir}` renders nothing in this repository"
                    ),
                )
                .at(at.clone()),
            );
        }
        if let Some(ns) = &flux.spec.target_namespace {
            for e in &mut entries {
                e.namespace = Some(ns.clone());
            }
        }
        let label = format!("Flux Kustomization {namespace}/{name} ({path})");
        flux::substitute(&mut entries, &flux.spec.post_build, &label);
        self.app_dirs.push(dir.clone());
        self.renderings.push(Rendering {
            label,
            origin: Origin::Flux {
                name: name.to_owned(),
                namespace,
                file: Some(file),
                doc,
                suspended: flux.spec.suspend,
            },
            kustomization: resolver.kustomization_in(&dir),
            cluster: cluster_folder(path),
            dir,
            entries,
        });
    }

    /// Renderings of one Argo CD Application (one per source with a path in this repository).
    fn app_renderings(
        &mut self,
        resolver: &mut Resolver<'_>,
        spec: &AppSpec,
        name: &str,
        file: usize,
        at: &Place,
        annotation: &str,
    ) {
        let ignores = spec.ignore_differences.iter().any(|d| {
            let text = d.to_string();
            text.contains(&annotation.replace('/', "~1"))
                || text.contains(annotation)
                || text.contains("/spec/template/metadata/annotations")
        });
        let auto_sync = spec.sync_policy.automated.is_some();
        for source in spec.source.iter().chain(&spec.sources) {
            if !app_source::renders_path(source)
                || !self.repositories.holds(source.repo_url.as_deref())
            {
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
                self.warnings.push(
                    Finding::warning(
                        Code::DirectoryFilter,
                        format!(
                            "Application {name}: {problem}; Argo CD matches no file with it either"
                        ),
                    )
                    .at(at.clone()),
                );
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
                self.warnings.push(
                    Finding::warning(
                        Code::RendersNothing,
                        format!(
                            "Application {name}: path `{dir}` renders nothing in this repository"
                        ),
                    )
                    .at(at.clone()),
                );
            }
            if let Some(options) = &source.kustomize {
                app_source::apply_kustomize(resolver, &dir, options, &mut entries);
            }
            if let Some(ns) = &spec.destination.namespace {
                for e in &mut entries {
                    e.namespace.get_or_insert_with(|| ns.clone());
                }
            }
            self.app_dirs.push(dir.clone());
            self.renderings.push(Rendering {
                label: format!("Application {name} ({})", resolver.path_of(file)),
                origin: Origin::ArgoApp {
                    name: name.to_owned(),
                    file: Some(file),
                    auto_sync,
                    ignores_restart: ignores,
                },
                kustomization: resolver.kustomization_in(&dir),
                cluster: app_source::cluster(&spec.destination, &self.clusters),
                dir,
                entries,
            });
        }
    }
}

impl AppDirectory {
    /// Whether Argo CD reads the file at `rel` (relative to the source path), and a warning for
    /// a glob that doesn't compile: Argo CD then matches nothing with it (an invalid `include`
    /// keeps no file, an invalid `exclude` leaves none out), and so does this.
    pub(super) fn filter(&self) -> (impl Fn(&str) -> bool + use<>, Option<String>) {
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

/// Overlays: kustomizations that nothing includes and no app points at (nor in a folder of a
/// Flux cluster root that only its Kustomizations deploy, [`flux::beneath_root`]).
fn add_overlays(
    resolver: &mut Resolver<'_>,
    app_dirs: &[String],
    roots: &BTreeSet<String>,
    renderings: &mut Vec<Rendering>,
) {
    let included: BTreeSet<String> = resolver
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
    let mut reached: BTreeSet<String> = overlay_dirs.iter().chain(app_dirs).cloned().collect();
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
        if flux::beneath_root(&dir, roots) {
            continue;
        }
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
/// A document in a folder beneath a Flux cluster root is deployed only by the Kustomizations
/// that render it ([`flux::beneath_root`]): it is no plain manifest.
fn add_plain(
    index: &Index,
    config: &Config,
    resolver: &Resolver<'_>,
    roots: &BTreeSet<String>,
    renderings: &mut Vec<Rendering>,
) {
    let covered: BTreeSet<(usize, usize)> = renderings
        .iter()
        .flat_map(|r| r.entries.iter().map(|e| (e.file, e.doc)))
        .collect();
    let mut plain: BTreeMap<Option<String>, Vec<Rendered>> = BTreeMap::new();
    for e in resolver.render_plain("", true, &|_| true) {
        let path = &index.files[e.file].path;
        if !covered.contains(&(e.file, e.doc)) && !flux::beneath_root(split(path).0, roots) {
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
        if let Some(cluster) = configured_cluster(index, config, r) {
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

/// The cluster `.gitops-restart.yaml` maps a rendering to, by its folder or the file that
/// declares it.
pub(super) fn configured_cluster(index: &Index, config: &Config, r: &Rendering) -> Option<String> {
    let origin_file = match &r.origin {
        Origin::ArgoApp { file, .. } | Origin::Flux { file, .. } => {
            file.map(|f| index.files[f].path.as_str())
        }
        _ => None,
    };
    config.clusters.iter().find_map(|(name, paths)| {
        paths
            .paths
            .iter()
            .any(|p| under(&r.dir, p) || origin_file.is_some_and(|f| under(f, p)))
            .then(|| name.clone())
    })
}

/// A folder as a GitOps controller renders it: through its kustomization, else its manifests.
pub(super) fn render_dir(
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

/// The cluster a `clusters/<name>/...` path belongs to, as Flux repositories lay them out.
pub(super) fn cluster_folder(path: &str) -> Option<String> {
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
pub(super) fn under(path: &str, prefix: &str) -> bool {
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
