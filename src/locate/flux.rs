//! Flux as Flux sees it: which Kustomizations render this repository, on which clusters, and
//! under which names once `postBuild` has substituted its variables.
//!
//! A Kustomization renders this repository when its `sourceRef` is the GitRepository
//! `flux-system`, or a GitRepository whose URL is not known to differ from `flux-system`'s; an
//! OCIRepository, a Bucket, an ExternalArtifact or a GitRepository of another URL render
//! something else, and are no rendering here. A Kustomization belongs to the clusters of the
//! Kustomizations (or Applications) that deploy its document, followed up to a cluster root;
//! one no such unit deploys belongs to the root whose `clusters/<name>/` folder holds it (the
//! configuration's cluster paths win over both). One deployed to several clusters becomes one
//! rendering per cluster. Beneath a cluster root that holds Flux Kustomizations, a folder is
//! deployed only by the Kustomizations that render it: its documents are not plain manifests.
//! `postBuild.substitute` values are applied to rendered names and namespaces; a variable the
//! repository doesn't set (or may set through `substituteFrom`) leaves the entry unresolved, with
//! the reason. Pure: reads the [`Index`] and the renderings.

use std::collections::{BTreeMap, BTreeSet};

use super::kustomize::Rendered;
use super::models::{GitOpsObject, PostBuild, SourceRef};
use super::renderings::{Origin, Rendering, cluster_folder, configured_cluster};
use crate::config::Config;
use crate::repo::Index;

/// The Flux GitRepositories the repository declares.
#[derive(Debug, Default)]
pub(super) struct Sources {
    /// The URLs of the GitRepositories named `flux-system` (normalised): this repository.
    this: BTreeSet<String>,
    /// Every GitRepository by namespace and name, with its URL (normalised) when it has one.
    repositories: BTreeMap<(Option<String>, String), Option<String>>,
}

impl Sources {
    /// Read every Flux GitRepository of the index.
    pub(super) fn read(index: &Index) -> Sources {
        let mut sources = Sources::default();
        for file in &index.files {
            for (_, object) in &file.objects {
                if object.get("kind").and_then(|k| k.as_str()) != Some("GitRepository") {
                    continue;
                }
                let GitOpsObject::GitRepository(repo) = GitOpsObject::read(object) else {
                    continue;
                };
                let name = repo.metadata.name().to_owned();
                let url = repo.spec.url.as_deref().map(normalise);
                if name == "flux-system"
                    && let Some(url) = &url
                {
                    sources.this.insert(url.clone());
                }
                sources
                    .repositories
                    .insert((repo.metadata.namespace.clone(), name), url);
            }
        }
        sources
    }

    /// What a Kustomization in `namespace` renders when it isn't this repository (`None`: it is).
    pub(super) fn other(&self, source: &SourceRef, namespace: &str) -> Option<String> {
        let name = source.name.as_deref().unwrap_or_default();
        match source.kind.as_deref() {
            None | Some("GitRepository") => {}
            Some(kind) => return Some(format!("{kind} {name}")),
        }
        if name == "flux-system" || self.this.is_empty() {
            return None;
        }
        let namespace = source.namespace.as_deref().unwrap_or(namespace);
        let url = self
            .repositories
            .get(&(Some(namespace.to_owned()), name.to_owned()))
            .or_else(|| self.repositories.get(&(None, name.to_owned())))?
            .as_ref()?;
        (!self.this.contains(url)).then(|| format!("GitRepository {name} ({url})"))
    }
}

/// A Git URL as the repository it names: no scheme, user, `.git` or trailing slash, and the
/// `host:path` form as `host/path`.
fn normalise(url: &str) -> String {
    let url = url.trim();
    let (rest, scp) = match url.split_once("://") {
        Some((_, rest)) => (rest, false),
        None => (url, true),
    };
    let rest = match rest.split_once('@') {
        Some((user, host)) if !user.contains('/') => host,
        _ => rest,
    };
    let rest = if scp {
        rest.replacen(':', "/", 1)
    } else {
        rest.to_owned()
    };
    let rest = rest.trim_end_matches('/');
    rest.strip_suffix(".git")
        .unwrap_or(rest)
        .to_ascii_lowercase()
}

/// The clusters whose `clusters/<name>/` folder holds a Flux Kustomization of this repository.
pub(super) fn roots(index: &Index, renderings: &[Rendering]) -> BTreeSet<String> {
    renderings
        .iter()
        .filter_map(|r| match &r.origin {
            Origin::Flux {
                file: Some(file), ..
            } => cluster_folder(&index.files[*file].path),
            _ => None,
        })
        .collect()
}

/// Whether `dir` is a folder beneath the root `clusters/<name>/` of a Flux cluster (`roots`):
/// what lies there is deployed only by the Kustomizations that render it.
pub(super) fn beneath_root(dir: &str, roots: &BTreeSet<String>) -> bool {
    let parts: Vec<&str> = dir.split('/').collect();
    parts
        .iter()
        .position(|p| *p == "clusters")
        .is_some_and(|at| parts.len() > at + 2 && roots.contains(parts[at + 1]))
}

/// Give each Flux Kustomization the clusters of the units that deploy it, following
/// Kustomizations that deploy Kustomizations, and split one deployed to several clusters into
/// one rendering per cluster. The configuration's cluster paths win; a Kustomization no unit
/// deploys keeps the cluster of its `clusters/<name>/` folder.
pub(super) fn follow_clusters(index: &Index, config: &Config, renderings: &mut Vec<Rendering>) {
    let own: Vec<Option<(usize, usize)>> = renderings
        .iter()
        .map(|r| match &r.origin {
            Origin::Flux {
                file: Some(file),
                doc,
                ..
            } if configured_cluster(index, config, r).is_none() => Some((*file, *doc)),
            _ => None,
        })
        .collect();
    let parents: Vec<Vec<usize>> = own
        .iter()
        .enumerate()
        .map(|(i, own)| {
            let Some((file, doc)) = own else {
                return Vec::new();
            };
            renderings
                .iter()
                .enumerate()
                .filter(|(j, r)| {
                    *j != i
                        && matches!(r.origin, Origin::ArgoApp { .. } | Origin::Flux { .. })
                        && r.entries.iter().any(|e| e.file == *file && e.doc == *doc)
                })
                .map(|(j, _)| j)
                .collect()
        })
        .collect();
    let folders: Vec<BTreeSet<String>> = renderings
        .iter()
        .map(|r| r.cluster.iter().cloned().collect())
        .collect();
    let mut clusters = folders.clone();
    // Each round reaches one Kustomization further from a root; a cycle settles or stops.
    for _ in 0..=renderings.len() {
        let mut changed = false;
        for (i, parents) in parents.iter().enumerate() {
            if parents.is_empty() {
                continue;
            }
            let mut reached: BTreeSet<String> = parents
                .iter()
                .flat_map(|j| clusters[*j].iter().cloned())
                .collect();
            if reached.is_empty() {
                reached.clone_from(&folders[i]);
            }
            if reached != clusters[i] {
                clusters[i] = reached;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let all = std::mem::take(renderings);
    for ((r, own), clusters) in all.into_iter().zip(&own).zip(clusters) {
        if own.is_none() || clusters.len() <= 1 {
            let cluster = if own.is_some() {
                clusters.into_iter().next()
            } else {
                r.cluster.clone()
            };
            renderings.push(Rendering { cluster, ..r });
            continue;
        }
        for cluster in clusters {
            renderings.push(Rendering {
                cluster: Some(cluster),
                ..r.clone()
            });
        }
    }
}

/// Apply a Kustomization's `postBuild` substitution to the names and namespaces it renders.
/// Flux substitutes only when `postBuild` sets something; an entry whose variable can't be
/// known here keeps its text and says why.
pub(super) fn substitute(entries: &mut [Rendered], post: &PostBuild, label: &str) {
    if post.substitute.is_empty() && post.substitute_from.is_empty() {
        return;
    }
    for e in entries {
        let name = substituted(&e.name, post, label);
        let namespace = e
            .namespace
            .as_deref()
            .map(|ns| substituted(ns, post, label));
        match (name, namespace.transpose()) {
            (Ok(name), Ok(namespace)) => {
                e.name = name;
                e.namespace = namespace;
            }
            (Err(why), _) | (_, Err(why)) => e.unresolved = Some(why),
        }
    }
}

/// `text` with its `${var}` (`${var:=default}`, `${var:-default}`) replaced as Flux's
/// substitution replaces them, or why that can't be known.
fn substituted(text: &str, post: &PostBuild, label: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        let Some(end) = rest[at..].find('}') else {
            out.push_str(&rest[at..]);
            return Ok(out);
        };
        let inner = &rest[at + 2..at + end];
        let (var, default) = match inner.find([':', '=', '-']) {
            Some(i) => {
                let op = &inner[i..];
                let op = op.strip_prefix(':').unwrap_or(op);
                (&inner[..i], Some(op.strip_prefix(['=', '-']).unwrap_or(op)))
            }
            None => (inner, None),
        };
        match (post.substitute.get(var), default) {
            (Some(value), _) => out.push_str(value),
            (None, _) if !post.substitute_from.is_empty() => {
                let from: Vec<String> = post
                    .substitute_from
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {}",
                            s.kind.as_deref().unwrap_or("ConfigMap"),
                            s.name.as_deref().unwrap_or_default()
                        )
                    })
                    .collect();
                return Err(format!(
                    "`{text}` takes `{var}` from the postBuild.substituteFrom of {label} ({}), \
                     which the repository doesn't show",
                    from.join(", ")
                ));
            }
            (None, Some(default)) => out.push_str(default),
            (None, None) => {
                return Err(format!(
                    "`{text}` holds `{var}`, which the postBuild.substitute of {label} doesn't set"
                ));
            }
        }
        rest = &rest[at + end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether `name` could be what `pattern` becomes once its `${...}` variables are substituted.
pub(super) fn could_be(pattern: &str, name: &str) -> bool {
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = pattern;
    while let Some(at) = rest.find("${") {
        parts.push(&rest[..at]);
        match rest[at..].find('}') {
            Some(end) => rest = &rest[at + end + 1..],
            None => {
                rest = "";
                break;
            }
        }
    }
    parts.push(rest);
    let (first, others) = parts.split_first().expect("one part at least");
    let Some(mut left) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = others.split_last() else {
        return left.is_empty();
    };
    for part in middle {
        match left.find(part) {
            Some(i) => left = &left[i + part.len()..],
            None => return false,
        }
    }
    left.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(substitute: &[(&str, &str)], from: bool) -> PostBuild {
        PostBuild {
            substitute: substitute
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            substitute_from: if from {
                vec![SourceRef {
                    kind: Some("ConfigMap".into()),
                    name: Some("vars".into()),
                    namespace: None,
                }]
            } else {
                Vec::new()
            },
        }
    }

    #[test]
    fn literal_values_and_defaults_are_substituted() {
        let p = post(&[("env", "prod")], false);
        assert_eq!(substituted("web-${env}", &p, "k").unwrap(), "web-prod");
        assert_eq!(substituted("${ns:=team-a}", &p, "k").unwrap(), "team-a");
        assert_eq!(substituted("${ns:-team-b}x", &p, "k").unwrap(), "team-bx");
        assert_eq!(substituted("plain", &p, "k").unwrap(), "plain");
        let unset = substituted("web-${cluster}", &p, "Flux Kustomization a").unwrap_err();
        assert!(
            unset.contains("`cluster`") && unset.contains("doesn't set"),
            "{unset}"
        );
        let from = substituted("web-${cluster:=a}", &post(&[], true), "k").unwrap_err();
        assert!(from.contains("ConfigMap vars"), "{from}");
    }

    #[test]
    fn patterns_match_what_a_substitution_could_give() {
        assert!(could_be("web-${env}", "web-prod"));
        assert!(could_be("${a}-web-${b}", "x-web-y"));
        assert!(!could_be("web-${env}", "api-prod"));
        assert!(could_be("web", "web") && !could_be("web", "web2"));
    }

    #[test]
    fn git_urls_name_the_repository() {
        assert_eq!(
            normalise("ssh://git@github.com/acme/gitops.git"),
            "github.com/acme/gitops"
        );
        assert_eq!(
            normalise("git@github.com:Acme/gitops"),
            "github.com/acme/gitops"
        );
        assert_eq!(
            normalise("https://github.com/acme/gitops/"),
            "github.com/acme/gitops"
        );
    }

    #[test]
    fn sources_other_than_this_repository_are_told_apart() {
        let mut sources = Sources::default();
        let source = |kind: Option<&str>, name: &str| SourceRef {
            kind: kind.map(str::to_owned),
            name: Some(name.to_owned()),
            namespace: None,
        };
        // Nothing known: every GitRepository is this repository.
        assert_eq!(
            sources.other(&source(Some("GitRepository"), "apps"), "flux-system"),
            None
        );
        assert!(
            sources
                .other(&source(Some("OCIRepository"), "kyverno"), "flux-system")
                .is_some()
        );
        sources.this.insert("github.com/acme/gitops".into());
        sources.repositories.insert(
            (Some("flux-system".into()), "other".into()),
            Some("github.com/acme/other".into()),
        );
        sources.repositories.insert(
            (Some("flux-system".into()), "mirror".into()),
            Some("github.com/acme/gitops".into()),
        );
        assert!(
            sources
                .other(&source(None, "other"), "flux-system")
                .is_some()
        );
        assert_eq!(sources.other(&source(None, "mirror"), "flux-system"), None);
        assert_eq!(sources.other(&source(None, "unknown"), "flux-system"), None);
        assert_eq!(
            sources.other(&source(None, "flux-system"), "flux-system"),
            None
        );
    }

    #[test]
    fn only_folders_beneath_a_flux_root_are_its_kustomizations_alone() {
        let roots = BTreeSet::from(["b".to_owned()]);
        assert!(beneath_root("clusters/b/infra", &roots));
        assert!(!beneath_root("clusters/b", &roots));
        assert!(!beneath_root("clusters/a/infra", &roots));
        assert!(!beneath_root("apps/b/infra", &roots));
    }
}
