//! Typed models of the GitOps objects the locator reads: Argo CD Applications, ApplicationSets
//! and cluster Secrets, Flux Kustomizations, HelmReleases and GitRepositories, and the
//! `argocd-cm` ConfigMap.
//! Kustomizations and kustomize Components are read into [`crate::repo::Kustomization`].
//!
//! These are other people's objects, written against other versions of their schemas: unknown
//! fields are ignored, never an error, and reading never fails and never warns (what a missing
//! field means is the locator's business). Each object is read once, from the JSON the index
//! keeps, into one of these types; nothing else in the locator indexes into that JSON. Values
//! that are free-form for the locator (`ignoreDifferences` entries, Helm `valuesObject`, the
//! ConfigMap's `data`) stay `serde_json::Value`, and so do an ApplicationSet's generators and
//! template: any string in them may hold a parameter, and `super::appset` reads them as it
//! fills parameters in (a generated Application is read into [`AppSpec`] like any other).
//!
//! How a field of the wrong type reads is part of the locator's behaviour and kept exactly:
//! - most fields read as absent (a lookup that finds nothing), field by field;
//! - the parts of a spec that decide what gets rendered (an Application's spec, a Flux
//!   Kustomization's spec, a kustomization) are read whole: a wrong type anywhere in them leaves
//!   all of that part at its default. That is why an Application's spec is read twice, whole
//!   for its renderings ([`AppSpec`]) and field by field for its Helm sources ([`AppHelmSpec`]).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer};
use serde_json::{Map, Value};

/// The objects the locator declares renderings and Helm releases from.
#[derive(Debug)]
pub(super) enum GitOpsObject {
    Application(Box<Application>),
    ApplicationSet(ApplicationSet),
    FluxKustomization(FluxKustomization),
    HelmRelease(HelmRelease),
    /// A Flux `GitRepository`: which repository a Kustomization's `sourceRef` names.
    GitRepository(GitRepository),
    /// The `argocd-cm` ConfigMap.
    ArgoCdConfig(ArgoCdConfig),
    /// Anything else: a kustomization, or an object the locator doesn't read.
    Other,
}

impl GitOpsObject {
    /// Read a document by its API group and kind.
    pub(super) fn read(object: &Value) -> GitOpsObject {
        let TypeMeta { api_version, kind } = read(object);
        // `group/version`; the core group (`v1`) has no group.
        let group = api_version.split_once('/').map_or("", |(group, _)| group);
        match (group, kind.as_str()) {
            ("argoproj.io", "Application") => GitOpsObject::Application(Box::new(read(object))),
            ("argoproj.io", "ApplicationSet") => GitOpsObject::ApplicationSet(read(object)),
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                GitOpsObject::FluxKustomization(read(object))
            }
            ("helm.toolkit.fluxcd.io", "HelmRelease") => GitOpsObject::HelmRelease(read(object)),
            ("source.toolkit.fluxcd.io", "GitRepository") => {
                GitOpsObject::GitRepository(read(object))
            }
            ("", "ConfigMap") => {
                let config: ArgoCdConfig = read(object);
                if config.metadata.name.as_deref().unwrap_or_default() == "argocd-cm" {
                    GitOpsObject::ArgoCdConfig(config)
                } else {
                    GitOpsObject::Other
                }
            }
            _ => GitOpsObject::Other,
        }
    }
}

/// `T` from a JSON value, or its default when the value doesn't fit.
fn read<T: for<'de> Deserialize<'de> + Default>(value: &Value) -> T {
    T::deserialize(value).unwrap_or_default()
}

/// `apiVersion` and `kind`; empty when missing or not strings.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct TypeMeta {
    #[serde(deserialize_with = "string_or_empty")]
    api_version: String,
    #[serde(deserialize_with = "string_or_empty")]
    kind: String,
}

/// The `metadata` the locator reads.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ObjectMeta {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) name: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) namespace: Option<String>,
}

impl ObjectMeta {
    /// The name, empty when there is none.
    pub(super) fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

/// An Argo CD `Application` (`argoproj.io/v1alpha1`).
#[derive(Debug, Default)]
pub(super) struct Application {
    pub(super) metadata: ObjectMeta,
    /// `spec`, read whole: what it renders, where to, and how it syncs.
    pub(super) spec: AppSpec,
    /// The same `spec`, read field by field: its Helm sources.
    pub(super) helm: AppHelmSpec,
}

impl<'de> Deserialize<'de> for Application {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Raw {
            #[serde(deserialize_with = "object_or_default")]
            metadata: ObjectMeta,
            spec: Value,
        }
        let Raw { metadata, spec } = Raw::deserialize(deserializer)?;
        Ok(Application {
            metadata,
            spec: read(&spec),
            helm: read(&spec),
        })
    }
}

/// An Application's `spec` (or an ApplicationSet template's), as far as its renderings go.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppSpec {
    pub(super) source: Option<AppSource>,
    pub(super) sources: Vec<AppSource>,
    pub(super) destination: AppDestination,
    #[serde(deserialize_with = "object_or_default")]
    pub(super) sync_policy: SyncPolicy,
    /// Free-form: searched as text for the restart annotation.
    pub(super) ignore_differences: Vec<Value>,
}

/// One source of an Application.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppSource {
    /// The repository it renders from (read field by field: a wrong type reads as absent).
    #[serde(rename = "repoURL", deserialize_with = "string_or_none")]
    pub(super) repo_url: Option<String>,
    pub(super) path: Option<String>,
    pub(super) chart: Option<String>,
    /// Only whether it is set matters here (a Helm source is rendered by Helm).
    pub(super) helm: Option<Value>,
    pub(super) directory: Option<AppDirectory>,
    /// The Application's own kustomize options, applied over the path's kustomization.
    #[serde(deserialize_with = "object_or_none")]
    pub(super) kustomize: Option<AppKustomize>,
}

/// A source's `kustomize` options that change the names and namespaces it renders.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppKustomize {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) name_prefix: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) name_suffix: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) namespace: Option<String>,
}

/// A directory source's options.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppDirectory {
    pub(super) recurse: bool,
    /// Globs over paths relative to the source path, as Argo CD matches them (`*` crosses
    /// folders, `{a,b}` alternates); empty means none.
    pub(super) include: String,
    pub(super) exclude: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppDestination {
    pub(super) namespace: Option<String>,
    pub(super) name: Option<String>,
    pub(super) server: Option<String>,
}

/// `syncPolicy`; anything but a mapping reads as no policy.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct SyncPolicy {
    /// Set (to anything but null): Argo CD syncs on its own.
    pub(super) automated: Option<Value>,
}

/// An Application's `spec` as far as its Helm sources go, field by field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AppHelmSpec {
    /// `source`, when it is a mapping.
    #[serde(deserialize_with = "object_or_none")]
    pub(super) source: Option<AppHelmSource>,
    /// `sources`, every entry in its place (one that isn't a mapping reads as empty).
    #[serde(deserialize_with = "objects_or_empty")]
    pub(super) sources: Vec<AppHelmSource>,
}

/// A source's Helm side.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AppHelmSource {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) chart: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) path: Option<String>,
    #[serde(deserialize_with = "object_or_none")]
    pub(super) helm: Option<AppHelm>,
}

/// A source's `helm` mapping.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppHelm {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) release_name: Option<String>,
    /// `values` written as a string (a block of YAML).
    #[serde(deserialize_with = "string_or_none")]
    pub(super) values: Option<String>,
    /// Free-form: the chart's values.
    #[serde(deserialize_with = "map_or_none")]
    pub(super) values_object: Option<Map<String, Value>>,
}

/// An Argo CD `ApplicationSet`, field by field: its generators and template stay JSON until
/// they are expanded (`super::appset`), since any string in them may hold a parameter.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ApplicationSet {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) metadata: ObjectMeta,
    #[serde(deserialize_with = "object_or_default")]
    pub(super) spec: AppSetSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct AppSetSpec {
    /// Each generator as written (a mapping; anything else reads as an empty one).
    #[serde(deserialize_with = "maps_or_empty")]
    pub(super) generators: Vec<Map<String, Value>>,
    /// The Application template, as written: free-form until parameters are filled in.
    #[serde(deserialize_with = "map_or_none")]
    pub(super) template: Option<Map<String, Value>>,
    #[serde(deserialize_with = "bool_or_false")]
    pub(super) go_template: bool,
    #[serde(deserialize_with = "strings_or_empty")]
    pub(super) go_template_options: Vec<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) template_patch: Option<String>,
    #[serde(deserialize_with = "bool_or_false")]
    pub(super) apply_nested_selectors: bool,
}

/// An Argo CD cluster Secret (`argocd.argoproj.io/secret-type: cluster`): a cluster the
/// ApplicationSet clusters generator may select.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(super) struct ClusterSecret {
    pub(super) name: String,
    pub(super) server: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) annotations: BTreeMap<String, String>,
}

impl ClusterSecret {
    /// The cluster a core `Secret` declares, when it is an Argo CD cluster secret whose name and
    /// server can be read (`stringData`, else base64 `data`).
    pub(super) fn read(object: &Value) -> Option<ClusterSecret> {
        #[derive(Default, Deserialize)]
        #[serde(rename_all = "camelCase", default)]
        struct Raw {
            #[serde(deserialize_with = "string_or_empty")]
            api_version: String,
            #[serde(deserialize_with = "string_or_empty")]
            kind: String,
            #[serde(deserialize_with = "object_or_default")]
            metadata: Meta,
            #[serde(deserialize_with = "string_map")]
            string_data: BTreeMap<String, String>,
            #[serde(deserialize_with = "string_map")]
            data: BTreeMap<String, String>,
        }
        #[derive(Default, Deserialize)]
        #[serde(default)]
        struct Meta {
            #[serde(deserialize_with = "string_map")]
            labels: BTreeMap<String, String>,
            #[serde(deserialize_with = "string_map")]
            annotations: BTreeMap<String, String>,
        }
        let raw: Raw = read(object);
        if raw.api_version != "v1"
            || raw.kind != "Secret"
            || raw
                .metadata
                .labels
                .get("argocd.argoproj.io/secret-type")
                .map(String::as_str)
                != Some("cluster")
        {
            return None;
        }
        let field = |key: &str| {
            raw.string_data.get(key).cloned().or_else(|| {
                raw.data
                    .get(key)
                    .and_then(|b| crate::encoding::decode_base64(b))
                    .and_then(|bytes| String::from_utf8(bytes).ok())
            })
        };
        Some(ClusterSecret {
            name: field("name")?,
            server: field("server")?,
            labels: raw.metadata.labels,
            annotations: raw.metadata.annotations,
        })
    }
}

/// A Flux `Kustomization` (`kustomize.toolkit.fluxcd.io`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct FluxKustomization {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) metadata: ObjectMeta,
    #[serde(deserialize_with = "whole_or_default")]
    pub(super) spec: FluxKustomizationSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct FluxKustomizationSpec {
    pub(super) path: Option<String>,
    pub(super) target_namespace: Option<String>,
    pub(super) suspend: bool,
    /// The source it builds from (field by field, as are the two below).
    #[serde(deserialize_with = "object_or_default")]
    pub(super) source_ref: SourceRef,
    /// `postBuild.substitute`: the variables replaced in what it builds.
    #[serde(deserialize_with = "object_or_default")]
    pub(super) post_build: PostBuild,
    /// `kubeConfig`: set when it deploys to another cluster than its own.
    pub(super) kube_config: Option<Value>,
}

/// A Flux `sourceRef`: the source object whose artifact is rendered.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct SourceRef {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) kind: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) name: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) namespace: Option<String>,
}

/// A Flux Kustomization's `postBuild`: variables substituted in what it renders.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct PostBuild {
    /// `substitute`, its scalar values as text (anything else reads as absent).
    #[serde(deserialize_with = "scalars_or_empty")]
    pub(super) substitute: std::collections::BTreeMap<String, String>,
    /// `substituteFrom`: ConfigMaps and Secrets, whose values the repository doesn't show.
    #[serde(deserialize_with = "objects_or_empty")]
    pub(super) substitute_from: Vec<SourceRef>,
}

/// A Flux `GitRepository` (`source.toolkit.fluxcd.io`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GitRepository {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) metadata: ObjectMeta,
    #[serde(deserialize_with = "object_or_default")]
    pub(super) spec: GitRepositorySpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct GitRepositorySpec {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) url: Option<String>,
}

/// A Flux `HelmRelease` (`helm.toolkit.fluxcd.io`), field by field.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct HelmRelease {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) metadata: ObjectMeta,
    #[serde(deserialize_with = "object_or_default")]
    pub(super) spec: HelmReleaseSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(super) struct HelmReleaseSpec {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) target_namespace: Option<String>,
    #[serde(deserialize_with = "string_or_none")]
    pub(super) release_name: Option<String>,
    /// `chart.spec.chart`: the chart's name in its source.
    #[serde(deserialize_with = "object_or_default")]
    pub(super) chart: HelmChartTemplate,
    /// `chartRef`: an OCIRepository or HelmChart object instead of `chart`.
    #[serde(deserialize_with = "object_or_default")]
    pub(super) chart_ref: ChartRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct HelmChartTemplate {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) spec: HelmChartTemplateSpec,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct HelmChartTemplateSpec {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) chart: Option<String>,
    /// `sourceRef`: where the chart comes from (a GitRepository holds it at the path `chart`).
    #[serde(rename = "sourceRef", deserialize_with = "object_or_default")]
    pub(super) source_ref: SourceRef,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ChartRef {
    #[serde(deserialize_with = "string_or_none")]
    pub(super) name: Option<String>,
}

/// The `argocd-cm` ConfigMap.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ArgoCdConfig {
    #[serde(deserialize_with = "object_or_default")]
    pub(super) metadata: ObjectMeta,
    /// Free-form (its values are YAML in strings): searched as text for the restart annotation.
    pub(super) data: Value,
}

/// A string, or `None` for anything else.
fn string_or_none<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

/// A string, or empty for anything else.
fn string_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    string_or_none(deserializer).map(Option::unwrap_or_default)
}

/// `T` from a mapping; its default for anything else, or for a mapping it can't read.
///
/// A sequence is refused before it reaches `T`: derived structs also read sequences
/// (positionally), where a lookup by key finds nothing.
fn object_or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    object_or_none(deserializer).map(Option::unwrap_or_default)
}

/// `T` from a mapping, `None` for anything else.
fn object_or_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(match Value::deserialize(deserializer)? {
        value @ Value::Object(_) => Some(T::deserialize(value).unwrap_or_default()),
        _ => None,
    })
}

/// A mapping as it is, `None` for anything else.
fn map_or_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Map<String, Value>>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Object(map) => Some(map),
        _ => None,
    })
}

/// Each entry of a sequence as `T` (the default for an entry that isn't a mapping); empty for
/// anything but a sequence.
fn objects_or_empty<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(_) => T::deserialize(item).unwrap_or_default(),
                _ => T::default(),
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// A mapping's scalar values as text (numbers and booleans as YAML writes them); empty for
/// anything but a mapping.
fn scalars_or_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<std::collections::BTreeMap<String, String>, D::Error> {
    Ok(map_or_none(deserializer)?
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| match v {
            Value::String(s) => Some((k, s)),
            Value::Number(n) => Some((k, n.to_string())),
            Value::Bool(b) => Some((k, b.to_string())),
            _ => None,
        })
        .collect())
}

/// Every mapping of a sequence; empty for anything but a sequence.
fn maps_or_empty<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<Map<String, Value>>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => map,
                _ => Map::new(),
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// The strings of a sequence; empty for anything but a sequence.
fn strings_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    })
}

/// A boolean; `false` for anything else.
fn bool_or_false<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    Ok(matches!(
        Value::deserialize(deserializer)?,
        Value::Bool(true)
    ))
}

/// The string entries of a mapping; empty for anything else.
fn string_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match Value::deserialize(deserializer)? {
        Value::Object(map) => map
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// `T` read whole: its default when anything in it doesn't fit.
fn whole_or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned + Default,
{
    Ok(T::deserialize(Value::deserialize(deserializer)?).unwrap_or_default())
}

#[cfg(test)]
mod tests;
