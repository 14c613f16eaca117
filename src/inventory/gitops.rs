//! The GitOps controllers' own objects: Argo CD `Application`s, Flux `Kustomization`s and
//! `HelmRelease`s, as the cluster (or a snapshot of it) holds them.
//!
//! Responsibility: tell these kinds from the rest (by API group and kind, never by version),
//! check their identity (`metadata.name`, `metadata.namespace`) as every kept kind's, and keep
//! of each only the fields the locator reads: its JSON reduced to `apiVersion`, `kind`, the name
//! and namespace, and the spec and status fields listed in `APPLICATION`, `KUSTOMIZATION`
//! and `HELM_RELEASE`. The locator reads that JSON into the same typed models it reads the
//! repository's documents into (`locate::models`), so a live Application and one written in the
//! repository mean the same thing; nothing here interprets a spec. A HelmRelease's `values` are
//! not kept: the restart goes into the repository document that defines the release, and only
//! the release's identity (namespace, release name, target namespace, chart) comes from the
//! cluster.
//!
//! It must not know about the repository or do I/O: the decoder ([`super::decode`]) hands over
//! the item, and [`GitOps`] only holds what it is given, by where it was read ([`Source`]).
//!
//! Invariants: a kept object always has a non-empty name and a namespace (`default` when it
//! says none, as for every kept kind); its JSON holds no field outside the lists below, and a
//! field of an unexpected type inside them is kept as it is (the models read such a field as
//! absent, as they do in the repository). At most one object per source, kind, namespace and
//! name (the later one wins).

use std::collections::BTreeMap;
use std::fmt;

use serde_json::{Map, Value};

/// The GitOps kinds the inventory keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GitOpsKind {
    /// `argoproj.io` Application.
    Application,
    /// `kustomize.toolkit.fluxcd.io` Kustomization.
    FluxKustomization,
    /// `helm.toolkit.fluxcd.io` HelmRelease.
    HelmRelease,
}

impl GitOpsKind {
    /// The kind for an API group and kind, matched by group (`argoproj.io/v1alpha1` and a
    /// future `argoproj.io/v1` name the same thing).
    pub fn from_api(api_version: &str, kind: &str) -> Option<GitOpsKind> {
        match (super::api_group(api_version), kind) {
            ("argoproj.io", "Application") => Some(GitOpsKind::Application),
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => Some(GitOpsKind::FluxKustomization),
            ("helm.toolkit.fluxcd.io", "HelmRelease") => Some(GitOpsKind::HelmRelease),
            _ => None,
        }
    }

    /// The kind as Kubernetes spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            GitOpsKind::Application => "Application",
            GitOpsKind::FluxKustomization => "Kustomization",
            GitOpsKind::HelmRelease => "HelmRelease",
        }
    }

    /// What the fields kept of this kind are.
    fn keep(self) -> &'static [Field] {
        match self {
            GitOpsKind::Application => APPLICATION,
            GitOpsKind::FluxKustomization => KUSTOMIZATION,
            GitOpsKind::HelmRelease => HELM_RELEASE,
        }
    }
}

impl fmt::Display for GitOpsKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a GitOps object was read.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    /// The restarted cluster: listed live, or from a snapshot of it.
    Cluster,
    /// An Argo CD management cluster (`--gitops-context`), which deploys to the restarted
    /// cluster among others.
    Context {
        /// The kubeconfig context.
        context: String,
        /// The cluster's name, as the context suggests it (an EKS ARN's name).
        cluster: String,
        /// Its API server: scheme, host and port.
        server: String,
    },
}

impl fmt::Display for Source {
    /// `the cluster`, `context mgmt`: how labels and findings say where an object was read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Cluster => f.write_str("the cluster"),
            Source::Context { context, .. } => write!(f, "context {context}"),
        }
    }
}

/// One Application, Flux Kustomization or HelmRelease, reduced to what the locator reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitOpsObject {
    pub kind: GitOpsKind,
    pub namespace: String,
    pub name: String,
    pub source: Source,
    /// `apiVersion`, `kind`, `metadata.name` and `metadata.namespace`, and the kept spec and
    /// status fields, as JSON.
    pub object: Value,
}

impl GitOpsObject {
    /// `Application argocd/web-prod (from the cluster)`: how findings name it.
    pub fn describe(&self) -> String {
        format!(
            "{} {}/{} (from {})",
            self.kind, self.namespace, self.name, self.source
        )
    }
}

/// The GitOps objects the inventory holds, and where the restarted cluster's API is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitOps {
    objects: BTreeMap<(Source, GitOpsKind, String, String), GitOpsObject>,
    /// The restarted cluster's API server (scheme, host and port) when it was listed live: an
    /// Application whose `destination.server` is this deploys to it.
    pub server: Option<String>,
}

impl GitOps {
    /// Add one object; returns the one of the same source, kind, namespace and name it replaced.
    pub fn insert(&mut self, object: GitOpsObject) -> Option<GitOpsObject> {
        let key = (
            object.source.clone(),
            object.kind,
            object.namespace.clone(),
            object.name.clone(),
        );
        self.objects.insert(key, object)
    }

    /// Merge another set in; its objects win, and its server when it has one.
    pub fn extend(&mut self, other: GitOps) {
        self.objects.extend(other.objects);
        if other.server.is_some() {
            self.server = other.server;
        }
    }

    /// Every object, by source, kind, namespace and name.
    pub fn objects(&self) -> impl Iterator<Item = &GitOpsObject> {
        self.objects.values()
    }

    /// The objects read from `source` instead of where they were read: what the listing of a
    /// management cluster does with what its decoder read.
    #[must_use]
    pub fn from_source(self, source: &Source) -> GitOps {
        let mut moved = GitOps {
            objects: BTreeMap::new(),
            server: self.server,
        };
        for mut object in self.objects.into_values() {
            object.source = source.clone();
            moved.insert(object);
        }
        moved
    }

    pub fn len(&self) -> usize {
        self.objects.len()
    }

    pub fn is_empty(&self) -> bool {
        self.objects.is_empty()
    }
}

// ---------------------------------------------------------------------------------------------
// What is kept of each kind.

/// A kept field, and what is kept of its value.
struct Field(&'static str, Keep);

/// What is kept of a value: all of it, or of a mapping these fields (of each mapping of a
/// sequence, entry by entry). A value of another type than the one expected is kept whole.
enum Keep {
    All,
    Fields(&'static [Field]),
}

/// An Application source's fields: where it renders from and how (`spec.source`, each of
/// `spec.sources`).
const APP_SOURCE: &[Field] = &[
    Field("repoURL", Keep::All),
    Field("path", Keep::All),
    Field("chart", Keep::All),
    Field("helm", Keep::Fields(&[Field("releaseName", Keep::All)])),
    Field(
        "kustomize",
        Keep::Fields(&[
            Field("namePrefix", Keep::All),
            Field("nameSuffix", Keep::All),
            Field("namespace", Keep::All),
        ]),
    ),
    Field(
        "directory",
        Keep::Fields(&[
            Field("recurse", Keep::All),
            Field("include", Keep::All),
            Field("exclude", Keep::All),
        ]),
    ),
];

/// `source.kind`, `name`, `namespace` of a Flux object's `sourceRef` or `chartRef`.
const REFERENCE: &[Field] = &[
    Field("kind", Keep::All),
    Field("name", Keep::All),
    Field("namespace", Keep::All),
];

/// An Argo CD Application: its sources, destination, whether it syncs on its own and what it
/// ignores, and how Argo CD rendered it (`status.sourceType`: `Helm`, `Kustomize`, ...).
const APPLICATION: &[Field] = &[
    Field(
        "spec",
        Keep::Fields(&[
            Field("source", Keep::Fields(APP_SOURCE)),
            Field("sources", Keep::Fields(APP_SOURCE)),
            Field(
                "destination",
                Keep::Fields(&[
                    Field("name", Keep::All),
                    Field("server", Keep::All),
                    Field("namespace", Keep::All),
                ]),
            ),
            Field("syncPolicy", Keep::Fields(&[Field("automated", Keep::All)])),
            Field("ignoreDifferences", Keep::All),
        ]),
    ),
    Field("status", Keep::Fields(&[Field("sourceType", Keep::All)])),
];

/// A Flux Kustomization: the path in its source, the source, the target namespace, whether it
/// is suspended, the variables substituted after the build, and a remote cluster's kubeconfig.
const KUSTOMIZATION: &[Field] = &[Field(
    "spec",
    Keep::Fields(&[
        Field("path", Keep::All),
        Field("sourceRef", Keep::Fields(REFERENCE)),
        Field("targetNamespace", Keep::All),
        Field("suspend", Keep::All),
        Field("postBuild", Keep::Fields(&[Field("substitute", Keep::All)])),
        Field(
            "kubeConfig",
            Keep::Fields(&[Field(
                "secretRef",
                Keep::Fields(&[Field("name", Keep::All)]),
            )]),
        ),
    ]),
)];

/// A Flux HelmRelease: the chart and its source, the target namespace and the release name.
const HELM_RELEASE: &[Field] = &[Field(
    "spec",
    Keep::Fields(&[
        Field(
            "chart",
            Keep::Fields(&[Field(
                "spec",
                Keep::Fields(&[
                    Field("chart", Keep::All),
                    Field("sourceRef", Keep::Fields(REFERENCE)),
                ]),
            )]),
        ),
        Field("chartRef", Keep::Fields(REFERENCE)),
        Field("targetNamespace", Keep::All),
        Field("releaseName", Keep::All),
    ]),
)];

/// Decode one GitOps object from its JSON (`api_version` as the item says it, or the list's).
/// An error says what was wrong with its identity; the caller names the object.
pub(super) fn decode(
    kind: GitOpsKind,
    api_version: &str,
    value: &Value,
) -> Result<GitOpsObject, String> {
    let Some(metadata) = value.get("metadata").filter(|m| !m.is_null()) else {
        return Err("has no metadata".to_owned());
    };
    let Some(metadata) = metadata.as_object() else {
        return Err("metadata: expected a map".to_owned());
    };
    let name = match metadata.get("name") {
        Some(Value::String(name)) if !name.is_empty() => name.clone(),
        None | Some(Value::Null | Value::String(_)) => {
            return Err("has no metadata.name".to_owned());
        }
        Some(_) => return Err("metadata.name: expected a string".to_owned()),
    };
    let namespace = match metadata.get("namespace") {
        Some(Value::String(ns)) if !ns.is_empty() => ns.clone(),
        None | Some(Value::Null | Value::String(_)) => "default".to_owned(),
        Some(_) => return Err("metadata.namespace: expected a string".to_owned()),
    };
    let mut object = Map::new();
    object.insert("apiVersion".into(), Value::String(api_version.to_owned()));
    object.insert("kind".into(), Value::String(kind.as_str().to_owned()));
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.clone()));
    meta.insert("namespace".into(), Value::String(namespace.clone()));
    object.insert("metadata".into(), Value::Object(meta));
    if let Value::Object(kept) = keep_fields(value, kind.keep()) {
        object.extend(kept);
    }
    Ok(GitOpsObject {
        kind,
        namespace,
        name,
        source: Source::Cluster,
        object: Value::Object(object),
    })
}

/// `value` with only `fields` kept; a sequence keeps them in each of its mappings; anything
/// else is kept as it is.
fn keep_fields(value: &Value, fields: &[Field]) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            fields
                .iter()
                .filter_map(|Field(key, keep)| {
                    let inner = map.get(*key)?;
                    let kept = match keep {
                        Keep::All => inner.clone(),
                        Keep::Fields(fields) => keep_fields(inner, fields),
                    };
                    Some(((*key).to_owned(), kept))
                })
                .collect(),
        ),
        Value::Array(items) => items.iter().map(|i| keep_fields(i, fields)).collect(),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decoded(value: &Value) -> GitOpsObject {
        let api_version = value["apiVersion"].as_str().unwrap();
        let kind = GitOpsKind::from_api(api_version, value["kind"].as_str().unwrap()).unwrap();
        decode(kind, api_version, value).unwrap()
    }

    #[test]
    fn kinds_are_matched_by_group_not_version() {
        let kind = |v, k| GitOpsKind::from_api(v, k);
        assert_eq!(
            kind("argoproj.io/v1alpha1", "Application"),
            Some(GitOpsKind::Application)
        );
        assert_eq!(
            kind("argoproj.io/v1", "Application"),
            Some(GitOpsKind::Application)
        );
        assert_eq!(kind("argoproj.io/v1alpha1", "ApplicationSet"), None);
        assert_eq!(
            kind("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
            Some(GitOpsKind::FluxKustomization)
        );
        // kustomize's own Kustomization is a repository file, never a cluster object.
        assert_eq!(
            kind("kustomize.config.k8s.io/v1beta1", "Kustomization"),
            None
        );
        assert_eq!(
            kind("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease"),
            Some(GitOpsKind::HelmRelease)
        );
        assert_eq!(kind("", "HelmRelease"), None);
    }

    #[test]
    fn an_application_keeps_its_sources_destination_and_source_type_only() {
        let app = decoded(&json!({
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": {
                "name": "web-prod", "namespace": "argocd", "uid": "u-1",
                "labels": {"a": "b"},
                "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet", "name": "web", "uid": "x"}],
                "managedFields": [{"manager": "argocd"}]
            },
            "spec": {
                "project": "default",
                "source": {
                    "repoURL": "https://github.com/acme/gitops.git", "path": "web/prod",
                    "targetRevision": "main",
                    "kustomize": {"namePrefix": "p-", "images": ["x"]},
                    "directory": {"recurse": true, "jsonnet": {}}
                },
                "sources": [{"repoURL": "https://charts.example.com", "chart": "web",
                             "helm": {"releaseName": "web", "valuesObject": {"big": "values"}}}],
                "destination": {"name": "prod-eks", "namespace": "web"},
                "syncPolicy": {"automated": {"prune": true}, "syncOptions": ["x"]},
                "ignoreDifferences": [{"kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]
            },
            "status": {
                "sourceType": "Kustomize", "sync": {"revision": "abc", "status": "Synced"},
                "resources": [{"kind": "Deployment", "name": "web"}],
                "history": [{"id": 1}]
            }
        }));
        assert_eq!(app.kind, GitOpsKind::Application);
        assert_eq!(
            (app.namespace.as_str(), app.name.as_str()),
            ("argocd", "web-prod")
        );
        assert_eq!(app.source, Source::Cluster);
        assert_eq!(
            app.describe(),
            "Application argocd/web-prod (from the cluster)"
        );
        assert_eq!(
            app.object,
            json!({
                "apiVersion": "argoproj.io/v1alpha1",
                "kind": "Application",
                "metadata": {"name": "web-prod", "namespace": "argocd"},
                "spec": {
                    "source": {
                        "repoURL": "https://github.com/acme/gitops.git", "path": "web/prod",
                        "kustomize": {"namePrefix": "p-"},
                        "directory": {"recurse": true}
                    },
                    "sources": [{"repoURL": "https://charts.example.com", "chart": "web",
                                 "helm": {"releaseName": "web"}}],
                    "destination": {"name": "prod-eks", "namespace": "web"},
                    "syncPolicy": {"automated": {"prune": true}},
                    "ignoreDifferences": [{"kind": "Deployment", "jsonPointers": ["/spec/replicas"]}]
                },
                "status": {"sourceType": "Kustomize"}
            })
        );
    }

    #[test]
    fn flux_objects_keep_what_locating_reads() {
        let kustomization = decoded(&json!({
            "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
            "kind": "Kustomization",
            "metadata": {"name": "apps", "namespace": "flux-system", "generation": 3},
            "spec": {
                "interval": "10m", "path": "./apps/prod", "prune": true,
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "targetNamespace": "web", "suspend": false,
                "postBuild": {"substitute": {"env": "prod"}, "substituteFrom": [{"kind": "ConfigMap"}]},
                "kubeConfig": {"secretRef": {"name": "remote", "key": "value"}}
            },
            "status": {"lastAppliedRevision": "main@sha1:abc"}
        }));
        assert_eq!(
            kustomization.object["spec"],
            json!({
                "path": "./apps/prod",
                "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
                "targetNamespace": "web", "suspend": false,
                "postBuild": {"substitute": {"env": "prod"}},
                "kubeConfig": {"secretRef": {"name": "remote"}}
            })
        );
        assert!(kustomization.object.get("status").is_none());

        let release = decoded(&json!({
            "apiVersion": "helm.toolkit.fluxcd.io/v2",
            "kind": "HelmRelease",
            "metadata": {"name": "podinfo", "namespace": "apps"},
            "spec": {
                "chart": {"spec": {"chart": "podinfo", "version": "6.x",
                                   "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
                "targetNamespace": "web", "releaseName": "podinfo-web",
                "values": {"replicaCount": 2, "podAnnotations": {"a": "b"}}
            }
        }));
        assert_eq!(
            release.object["spec"],
            json!({
                "chart": {"spec": {"chart": "podinfo",
                                   "sourceRef": {"kind": "HelmRepository", "name": "podinfo"}}},
                "targetNamespace": "web", "releaseName": "podinfo-web"
            })
        );
    }

    #[test]
    fn identity_is_checked_and_wrong_types_inside_are_kept_as_they_are() {
        let value = |metadata: Value| {
            json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                   "metadata": metadata, "spec": {"source": "not a map", "destination": [1]}})
        };
        let error = |metadata: Value| {
            decode(
                GitOpsKind::Application,
                "argoproj.io/v1alpha1",
                &value(metadata),
            )
            .unwrap_err()
        };
        assert_eq!(error(Value::Null), "has no metadata");
        assert_eq!(
            error(json!({"namespace": "argocd"})),
            "has no metadata.name"
        );
        assert_eq!(error(json!({"name": ""})), "has no metadata.name");
        assert_eq!(
            error(json!({"name": 3})),
            "metadata.name: expected a string"
        );
        assert_eq!(
            error(json!({"name": "a", "namespace": ["x"]})),
            "metadata.namespace: expected a string"
        );
        let app = decoded(&value(json!({"name": "a"})));
        assert_eq!(app.namespace, "default");
        assert_eq!(
            app.object["spec"],
            json!({"source": "not a map", "destination": [1]})
        );
    }

    #[test]
    fn objects_are_kept_by_source_and_the_later_one_wins() {
        let mut gitops = GitOps::default();
        let app = decoded(
            &json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                                  "metadata": {"name": "a", "namespace": "argocd"}}),
        );
        assert!(gitops.insert(app.clone()).is_none());
        assert!(gitops.insert(app.clone()).is_some());
        let context = Source::Context {
            context: "mgmt".into(),
            cluster: "mgmt".into(),
            server: "https://mgmt.example.com".into(),
        };
        let mut other = GitOps::default();
        other.insert(app);
        gitops.extend(other.from_source(&context));
        assert_eq!(gitops.len(), 2);
        let described: Vec<String> = gitops.objects().map(GitOpsObject::describe).collect();
        assert_eq!(
            described,
            [
                "Application argocd/a (from the cluster)",
                "Application argocd/a (from context mgmt)"
            ]
        );
    }
}
