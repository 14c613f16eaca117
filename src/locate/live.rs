//! The GitOps controllers' own objects, from the inventory, as renderings: what the controllers
//! run is the truth when it is known.
//!
//! The inventory may hold Argo CD Applications (of the restarted cluster, or of an Argo CD
//! management cluster read through `--gitops-context`), Flux Kustomizations and HelmReleases.
//! Each is read into the same models as the repository's documents (`models`), and:
//! - an Application whose source is this repository (every source is, unless
//!   `.gitops-restart.yaml` names the repository's URLs in `repositories`) renders its path with
//!   its options (`directory`, Argo CD's `kustomize` name prefix, suffix and namespace) and
//!   deploys to its destination: the restarted cluster when it is the in-cluster destination of
//!   the restarted cluster's own Argo CD, or when `destination.name` is the restarted cluster's
//!   name or `destination.server` its API server; else the cluster it names;
//! - a Flux Kustomization of this repository (of the `flux-system` GitRepository when
//!   `repositories` is configured) renders its path into the restarted cluster (a remote one
//!   when it has a `kubeConfig`), with its target namespace and post-build variables;
//! - a HelmRelease gives the release's identity (namespace, release name, target namespace,
//!   chart) to the repository document that defines it, found by kind, name and namespace; one
//!   without such a document changes nothing, as there is nothing to edit.
//!
//! A live Application or Kustomization replaces the repository's of the same name that deploys
//! to the same cluster (or to an unknown one): the live one is what the controller runs. The
//! repository's others still count. When the live objects say what the restarted cluster runs,
//! the overlays and plain manifests no one says the cluster of are not the restarted cluster's
//! ([`unclaimed`]). Labels, reasons and findings name the live object
//! (`Application argocd/web-prod (from the cluster)`).
//!
//! Must not do I/O: everything is read from the inventory's objects and the [`Index`]. Never
//! fails: what can't be used is a debug log, or a finding when a person should know (paths that
//! render nothing here, the management cluster's Applications none of which targets the
//! restarted cluster).

use std::collections::BTreeMap;

use serde_json::Value;

use super::helm::{self, HelmSource};
use super::kustomize::Resolver;
use super::models::{AppDestination, AppSource, Application, FluxKustomization, GitOpsObject};
use super::renderings::{Origin, Rendering, configured_cluster, render_dir};
use crate::config::Config;
use crate::inventory::{GitOps, GitOpsKind, GitOpsObject as LiveObject, GitOpsSource};
use crate::model::{Code, Finding};
use crate::repo::{Index, join};

/// The API server every cluster's Argo CD reaches itself at.
const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// What the locator knows of the cluster besides its workloads.
#[derive(Debug, Clone, Copy)]
pub(super) struct Live<'a> {
    pub(super) gitops: &'a GitOps,
    /// The restarted cluster's name, when known (`--cluster`, the notice, the kube context).
    pub(super) cluster: Option<&'a str>,
}

/// What the renderings of the repository become with the live objects.
pub(super) struct Merge<'r> {
    pub(super) renderings: &'r mut Vec<Rendering>,
    /// Folders an Application or Flux Kustomization renders (not overlays of their own).
    pub(super) app_dirs: &'r mut Vec<String>,
    pub(super) helm: &'r mut Vec<HelmSource>,
    pub(super) warnings: &'r mut Vec<Finding>,
}

/// Which Applications of a management cluster deploy to the restarted one.
#[derive(Default)]
struct Destinations {
    server: String,
    restarted: Vec<String>,
    /// Application name → the cluster it deploys to.
    others: Vec<(String, String)>,
}

impl Live<'_> {
    /// Add the renderings of the live objects to the repository's, replacing the repository's
    /// Applications and Kustomizations they stand for, and give live HelmReleases' identities
    /// to the documents that define them. Whether they say what the restarted cluster (a known
    /// one) runs of this repository: then [`unclaimed`] applies.
    pub(super) fn merge(
        &self,
        index: &Index,
        config: &Config,
        annotation: &str,
        resolver: &mut Resolver<'_>,
        merge: Merge<'_>,
    ) -> bool {
        if self.gitops.is_empty() {
            return false;
        }
        let Merge {
            renderings,
            app_dirs,
            helm,
            warnings,
        } = merge;
        let repositories = Repositories::new(&config.repositories);
        let mut added: Vec<Rendering> = Vec::new();
        let mut empty: Vec<String> = Vec::new();
        let mut contexts: BTreeMap<String, Destinations> = BTreeMap::new();
        for object in self.gitops.objects() {
            match (object.kind, GitOpsObject::read(&object.object)) {
                (GitOpsKind::Application, GitOpsObject::Application(app)) => {
                    let rendered =
                        self.application(&app, object, resolver, &repositories, annotation);
                    for (rendering, renders_nothing) in rendered {
                        if renders_nothing {
                            empty.push(format!("{} (path `{}`)", rendering.label, rendering.dir));
                        }
                        if let GitOpsSource::Context {
                            context, server, ..
                        } = &object.source
                        {
                            let destinations = contexts.entry(context.clone()).or_default();
                            destinations.server.clone_from(server);
                            let name = object.name.clone();
                            match &rendering.cluster {
                                Some(c) if Some(c.as_str()) == self.cluster => {
                                    destinations.restarted.push(name);
                                }
                                other => destinations
                                    .others
                                    .push((name, other.clone().unwrap_or_default())),
                            }
                        }
                        added.push(rendering);
                    }
                }
                (GitOpsKind::FluxKustomization, GitOpsObject::FluxKustomization(flux)) => {
                    if let Some((rendering, renders_nothing)) =
                        self.kustomization(&flux, object, resolver, &repositories)
                    {
                        if renders_nothing {
                            empty.push(format!("{} (path `{}`)", rendering.label, rendering.dir));
                        }
                        added.push(rendering);
                    }
                }
                _ => {}
            }
        }
        // The repository's Applications and Kustomizations that the live ones stand for.
        let configured = |r: &Rendering| configured_cluster(index, config, r).or(r.cluster.clone());
        let shadowed = |r: &Rendering| {
            added.iter().any(|live| {
                same_object(&r.origin, &live.origin)
                    && match (configured(r), configured(live)) {
                        (Some(a), Some(b)) => a == b,
                        _ => true,
                    }
            })
        };
        let (gone, kept): (Vec<Rendering>, Vec<Rendering>) = std::mem::take(renderings)
            .into_iter()
            .partition(|r| shadowed(r));
        *renderings = kept;
        for r in gone {
            tracing::debug!(rendering = %r.label, "replaced by the cluster's object of the same name");
            if let Some(at) = app_dirs.iter().position(|d| *d == r.dir) {
                app_dirs.remove(at);
            }
        }
        let claimed = self.cluster.is_some()
            && added
                .iter()
                .any(|r| r.cluster.is_some() && r.cluster.as_deref() == self.cluster);
        for r in added {
            app_dirs.push(r.dir.clone());
            renderings.push(r);
        }
        self.helm_releases(index, renderings, helm);
        if !empty.is_empty() {
            let hint = if repositories.configured() {
                "check their paths"
            } else {
                "name this repository's URLs in .gitops-restart.yaml (`repositories:`) to leave \
                 out the objects of other repositories"
            };
            warnings.push(Finding::warning(
                Code::RendersNothing,
                format!(
                    "{} GitOps object(s) of the inventory render nothing in this repository: {}; {hint}",
                    empty.len(),
                    empty.join(", ")
                ),
            ));
        }
        for (context, destinations) in contexts {
            warnings.push(self.destinations_finding(&context, &destinations));
        }
        claimed
    }

    /// The renderings of one live Application: one per source of this repository with a path,
    /// each with whether it renders nothing here.
    fn application(
        &self,
        app: &Application,
        object: &LiveObject,
        resolver: &mut Resolver<'_>,
        repositories: &Repositories,
        annotation: &str,
    ) -> Vec<(Rendering, bool)> {
        let spec = &app.spec;
        let sources: Vec<&AppSource> = spec.source.iter().chain(&spec.sources).collect();
        let single = sources.len() == 1;
        let ours: Vec<&AppSource> = sources
            .into_iter()
            .filter(|s| s.chart.is_none() && s.path.is_some())
            .filter(|s| repositories.holds(s.repo_url.as_deref()))
            .collect();
        if ours.is_empty() {
            tracing::debug!(object = %object.describe(), "no source with a path in this repository");
            return Vec::new();
        }
        let cluster = self.destination(&spec.destination, &object.source);
        let ignores = spec.ignore_differences.iter().any(|d| {
            let text = d.to_string();
            text.contains(&annotation.replace('/', "~1"))
                || text.contains(annotation)
                || text.contains("/spec/template/metadata/annotations")
        });
        // How Argo CD rendered it, when it says (one source only: several have `sourceTypes`).
        let source_type = object
            .object
            .pointer("/status/sourceType")
            .and_then(Value::as_str);
        let mut out = Vec::new();
        for source in ours {
            let Some(dir) = source.path.as_deref().and_then(|p| join("", p)) else {
                continue;
            };
            // A Helm chart folder is rendered by Helm: its templates are never edited.
            let helm = source.helm.is_some()
                || resolver.has_file(&join(&dir, "Chart.yaml").unwrap_or_default())
                || (single && source_type == Some("Helm"));
            let directory = source.directory.as_ref();
            let keep = directory.map(|d| d.filter().0);
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
            let renders_nothing = entries.is_empty() && !helm;
            if let Some(options) = source
                .kustomize
                .as_ref()
                .filter(|_| resolver.kustomization_in(&dir).is_some())
            {
                // Argo CD sets these on the root kustomization: names in a patch stay as they
                // enter it.
                for e in &mut entries {
                    e.name = format!(
                        "{}{}{}",
                        options.name_prefix.as_deref().unwrap_or_default(),
                        e.name,
                        options.name_suffix.as_deref().unwrap_or_default()
                    );
                    if let Some(ns) = &options.namespace {
                        e.namespace = Some(ns.clone());
                    }
                }
            }
            if let Some(ns) = &spec.destination.namespace {
                for e in &mut entries {
                    e.namespace.get_or_insert_with(|| ns.clone());
                }
            }
            tracing::debug!(
                object = %object.describe(), path = %dir, cluster = ?cluster,
                entries = entries.len(), "a rendering from the cluster's Application"
            );
            out.push((
                Rendering {
                    label: object.describe(),
                    origin: Origin::ArgoApp {
                        name: object.name.clone(),
                        file: None,
                        auto_sync: spec.sync_policy.automated.is_some(),
                        ignores_restart: ignores,
                    },
                    kustomization: resolver.kustomization_in(&dir),
                    cluster: cluster.clone(),
                    dir,
                    entries,
                },
                renders_nothing,
            ));
        }
        out
    }

    /// The cluster an Application deploys to: the restarted cluster when its destination is
    /// (see the module's rules), else the cluster it names.
    fn destination(&self, dest: &AppDestination, source: &GitOpsSource) -> Option<String> {
        let restarted = self.cluster.map(str::to_owned);
        let in_cluster = dest
            .server
            .as_deref()
            .is_some_and(|s| same_server(s, IN_CLUSTER))
            || dest.name.as_deref() == Some("in-cluster");
        let by_name = self.cluster.is_some() && dest.name.as_deref() == self.cluster;
        let by_server = match (&dest.server, &self.gitops.server) {
            (Some(a), Some(b)) => same_server(a, b),
            _ => false,
        };
        let named = || {
            dest.name
                .clone()
                .or_else(|| dest.server.clone().filter(|s| !same_server(s, IN_CLUSTER)))
        };
        match source {
            GitOpsSource::Cluster if in_cluster => restarted,
            _ if by_name || by_server => restarted,
            GitOpsSource::Context {
                cluster, server, ..
            } if in_cluster => {
                let same = self
                    .gitops
                    .server
                    .as_deref()
                    .is_some_and(|s| same_server(s, server))
                    || Some(cluster.as_str()) == self.cluster;
                if same {
                    restarted
                } else {
                    Some(cluster.clone())
                }
            }
            GitOpsSource::Cluster | GitOpsSource::Context { .. } => named(),
        }
    }

    /// The rendering of one live Flux Kustomization of this repository, with whether it
    /// renders nothing here.
    fn kustomization(
        &self,
        flux: &FluxKustomization,
        object: &LiveObject,
        resolver: &mut Resolver<'_>,
        repositories: &Repositories,
    ) -> Option<(Rendering, bool)> {
        let spec = &flux.spec;
        let source = &spec.source_ref;
        let bootstrap = source.kind.as_deref().unwrap_or("GitRepository") == "GitRepository"
            && source.name.as_deref() == Some("flux-system")
            && source.namespace.as_deref().unwrap_or(&object.namespace) == "flux-system";
        if repositories.configured() && !bootstrap {
            tracing::debug!(object = %object.describe(), "not the flux-system source: another repository");
            return None;
        }
        // Flux builds the source's root when there is no path.
        let dir = join("", spec.path.as_deref().unwrap_or("./"))?;
        let mut entries = render_dir(resolver, &dir, true, &|_| true);
        let renders_nothing = entries.is_empty();
        if let Some(ns) = &spec.target_namespace {
            for e in &mut entries {
                e.namespace = Some(ns.clone());
            }
        }
        super::flux::substitute(&mut entries, &spec.post_build, &object.describe());
        // One with a kubeConfig deploys to a remote cluster, which it does not name.
        let cluster = if spec.kube_config.is_some() {
            Some(format!("the kubeConfig cluster of {}", object.describe()))
        } else {
            self.cluster.map(str::to_owned)
        };
        tracing::debug!(
            object = %object.describe(), path = %dir, cluster = ?cluster,
            entries = entries.len(), "a rendering from the cluster's Flux Kustomization"
        );
        Some((
            Rendering {
                label: object.describe(),
                origin: Origin::Flux {
                    name: object.name.clone(),
                    namespace: object.namespace.clone(),
                    file: None,
                    doc: 0,
                    suspended: spec.suspend,
                },
                kustomization: resolver.kustomization_in(&dir),
                cluster,
                dir,
                entries,
            },
            renders_nothing,
        ))
    }

    /// Give each live HelmRelease's identity to the repository document that defines it: the
    /// one HelmRelease document of its name whose namespace (its own, or the one a rendering
    /// gives it) is the live one's, or says none; among several, the one rendered for the
    /// restarted cluster.
    fn helm_releases(&self, index: &Index, renderings: &[Rendering], helm: &mut [HelmSource]) {
        for object in self.gitops.objects() {
            if object.kind != GitOpsKind::HelmRelease || object.source != GitOpsSource::Cluster {
                continue;
            }
            let GitOpsObject::HelmRelease(live) = GitOpsObject::read(&object.object) else {
                continue;
            };
            let mut candidates: Vec<(usize, usize, bool)> = Vec::new();
            for (file, manifest) in index.files.iter().enumerate() {
                for (doc, value) in &manifest.objects {
                    let GitOpsObject::HelmRelease(release) = GitOpsObject::read(value) else {
                        continue;
                    };
                    if release.metadata.name() != object.name {
                        continue;
                    }
                    let rendered: Vec<&Rendering> = renderings
                        .iter()
                        .filter(|r| r.entries.iter().any(|e| e.file == file && e.doc == *doc))
                        .collect();
                    let namespaces: Vec<Option<&str>> = renderings
                        .iter()
                        .flat_map(|r| r.entries.iter())
                        .filter(|e| e.file == file && e.doc == *doc)
                        .map(|e| e.namespace.as_deref())
                        .chain([release.metadata.namespace.as_deref()])
                        .collect();
                    let fits = namespaces.contains(&Some(object.namespace.as_str()))
                        || namespaces.iter().all(Option::is_none);
                    if fits {
                        let here = rendered
                            .iter()
                            .any(|r| r.cluster.is_some() && r.cluster.as_deref() == self.cluster);
                        candidates.push((file, *doc, here));
                    }
                }
            }
            if candidates.len() > 1 {
                candidates.retain(|(_, _, here)| *here);
            }
            let [(file, doc, _)] = candidates[..] else {
                tracing::debug!(
                    object = %object.describe(), documents = candidates.len(),
                    "not one repository document defines it: its identity is not used"
                );
                continue;
            };
            if let Some(source) = helm.iter_mut().find(|h| h.file == file && h.doc == doc) {
                let path = format!("from {}; {}", object.source, index.files[file].path);
                let cluster = self.cluster.map(str::to_owned).or(source.cluster.take());
                *source = helm::flux_source(&live, file, doc, &path);
                source.cluster = cluster;
                tracing::debug!(object = %object.describe(), file = %index.files[file].path, "the release's identity");
            }
        }
    }

    /// Which Applications of a management cluster deploy to the restarted cluster, and how
    /// that was told.
    fn destinations_finding(&self, context: &str, d: &Destinations) -> Finding {
        let restarted = self.cluster.unwrap_or("the restarted cluster");
        let how = match (self.cluster, &self.gitops.server) {
            (Some(name), Some(server)) => {
                format!("destination.name {name} or destination.server {server}")
            }
            (Some(name), None) => format!("destination.name {name}"),
            (None, Some(server)) => format!("destination.server {server}"),
            (None, None) => "nothing: no --cluster and no live API server to compare".to_owned(),
        };
        let others = if d.others.is_empty() {
            String::new()
        } else {
            let mut clusters: Vec<&str> = d.others.iter().map(|(_, c)| c.as_str()).collect();
            clusters.sort_unstable();
            clusters.dedup();
            format!(
                "; {} other(s) deploy elsewhere ({})",
                d.others.len(),
                clusters.join(", ")
            )
        };
        if d.restarted.is_empty() {
            Finding::warning(
                Code::GitopsDestination,
                format!(
                    "none of the Applications of this repository from context {context} ({}) \
                     deploys to {restarted}, told by {how}{others}; pass --cluster with the name \
                     Argo CD knows it by",
                    d.server
                ),
            )
        } else {
            Finding::info(
                Code::GitopsDestination,
                format!(
                    "Applications from context {context} ({}) taken to deploy to {restarted}, by \
                     {how}: {}{others}",
                    d.server,
                    d.restarted.join(", ")
                ),
            )
        }
    }
}

/// When the cluster's GitOps objects say what the restarted cluster runs of this repository,
/// the overlays and plain manifests nothing says the cluster of are not among it: they still
/// count as deployed elsewhere (a base they share is patched, not edited), but no workload of the
/// restarted cluster is looked for in them. The configuration's cluster paths still map them.
pub(super) fn unclaimed(renderings: &mut [Rendering]) {
    for r in renderings {
        if r.cluster.is_none() && matches!(r.origin, Origin::Overlay | Origin::Plain) {
            r.cluster = Some("not deployed by the cluster's Applications or Kustomizations".into());
        }
    }
}

/// Whether two renderings stand for the same controller object: Applications by name, Flux
/// Kustomizations by namespace and name.
fn same_object(a: &Origin, b: &Origin) -> bool {
    match (a, b) {
        (Origin::ArgoApp { name: x, .. }, Origin::ArgoApp { name: y, .. }) => x == y,
        (
            Origin::Flux {
                name: x,
                namespace: xn,
                ..
            },
            Origin::Flux {
                name: y,
                namespace: yn,
                ..
            },
        ) => x == y && xn == yn,
        _ => false,
    }
}

/// Whether two API server URLs are the same server (case, a trailing slash and the default port
/// aside).
fn same_server(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
        s.strip_suffix(":443")
            .filter(|_| s.starts_with("https://"))
            .map_or(s.clone(), str::to_owned)
    };
    norm(a) == norm(b)
}

/// This repository's URLs (`repositories` in `.gitops-restart.yaml`), compared by host and path.
#[derive(Debug, Default)]
pub(super) struct Repositories(Vec<String>);

impl Repositories {
    pub(super) fn new(urls: &[String]) -> Repositories {
        Repositories(urls.iter().map(|u| normalize_url(u)).collect())
    }

    /// Whether the configuration names the repository's URLs.
    pub(super) fn configured(&self) -> bool {
        !self.0.is_empty()
    }

    /// Whether a source's `repoURL` is this repository: any is when none is configured, and a
    /// source without one is.
    pub(super) fn holds(&self, url: Option<&str>) -> bool {
        match url {
            Some(url) if self.configured() => self.0.contains(&normalize_url(url)),
            _ => true,
        }
    }
}

/// `host/path` of a git URL, lowercase: `https://github.com/acme/gitops.git`,
/// `git@github.com:acme/gitops` and `ssh://git@github.com:22/acme/gitops/` are all
/// `github.com/acme/gitops`.
fn normalize_url(url: &str) -> String {
    let url = url.trim().to_ascii_lowercase();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (Some(scheme.to_owned()), rest.to_owned()),
        None => (None, url.clone()),
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest.as_str(), ""));
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, path) = match (scheme, authority.split_once(':')) {
        // scp-like `git@host:org/repo`: the path follows the colon.
        (None, Some((host, first))) => (host.to_owned(), format!("{first}/{path}")),
        // `host:port`.
        (Some(_), Some((host, _))) => (host.to_owned(), path.to_owned()),
        _ => (authority.to_owned(), path.to_owned()),
    };
    let path = path.trim_matches('/');
    let path = path
        .strip_suffix(".git")
        .unwrap_or(path)
        .trim_end_matches('/');
    format!("{host}/{path}")
}

#[cfg(test)]
mod tests;
