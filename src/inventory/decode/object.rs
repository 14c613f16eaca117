//! One Kubernetes object's JSON into inventory data: the one place that happens.
//!
//! Responsibility: tell the kinds the inventory keeps (Pod, PodDisruptionBudget, the
//! controllers of [`Kind::controller_from_api`], and the Argo CD and Flux objects of
//! [`GitOpsKind::from_api`], matched by group and kind, never by version) from the rest, and
//! read the few fields the plan uses through wire shapes that ignore every other field, so any
//! Kubernetes version's output reads (the GitOps objects through `inventory::gitops`).
//!
//! It must not know where the object came from (a List item, a document, a live page): its
//! errors say what was wrong and leave the position to the caller. It never panics.
//!
//! Invariants: kinds the inventory does not keep are `Ok(None)`, never an error; an object of a
//! kept kind that cannot be read (no metadata, a bad timestamp, a wrong type) is an
//! [`ObjectError`] naming the object and, when there is one, the failing field's path.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeOwned, IgnoredAny, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::inventory::gitops::{self, GitOpsKind};
use crate::inventory::{
    Controller, IntOrString, Kind, LabelSelector, Meta, Object, OwnerRef, Pdb, Pod, PodPhase,
    SelectorOperator, SelectorRequirement, Strategy, api_group,
};

/// An object of a kept kind that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {message}")]
pub(crate) struct ObjectError {
    /// `Pod shop/web-1`, or as much of it as is known.
    pub what: String,
    /// What was wrong, with the field's path when there is one.
    pub message: String,
}

/// Decode one Kubernetes object from its JSON form (a List item, a document, or an item the
/// live API listed). `Ok(None)` for kinds the inventory does not keep.
pub(super) fn decode_object(value: &Value) -> Result<Option<Object>, ObjectError> {
    let Some(map) = value.as_object() else {
        return Err(ObjectError {
            what: "item".to_owned(),
            message: format!("expected a Kubernetes object, found {}", json_type(value)),
        });
    };
    let Some(kind) = map.get("kind").and_then(Value::as_str) else {
        return Err(ObjectError {
            what: "object".to_owned(),
            message: "has no `kind`: expected an object as kubectl prints it".to_owned(),
        });
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let what = describe(kind, map);
    let fail = |message: String| ObjectError {
        what: what.clone(),
        message,
    };
    // A hand-written object may leave out `apiVersion`: then the kind alone decides.
    let group = if api_version.is_empty() {
        None
    } else {
        Some(api_group(api_version))
    };
    let same_group = |expected: &str| group.is_none_or(|g| g == expected);

    if kind == "Pod" && same_group("") {
        let wire: WirePod = typed(value).map_err(&fail)?;
        return pod_from_wire(wire)
            .map(|pod| Some(Object::Pod(pod)))
            .map_err(fail);
    }
    if kind == "PodDisruptionBudget" && same_group("policy") {
        let wire: WirePdb = typed(value).map_err(&fail)?;
        return pdb_from_wire(wire)
            .map(|pdb| Some(Object::Pdb(pdb)))
            .map_err(fail);
    }
    // Argo CD and Flux objects: only with their apiVersion, as kustomize has a Kustomization too.
    if let Some(gitops_kind) = GitOpsKind::from_api(api_version, kind) {
        return gitops::decode(gitops_kind, api_version, value)
            .map(|o| Some(Object::GitOps(o)))
            .map_err(fail);
    }
    let controller_kind = if api_version.is_empty() {
        default_api_version(kind).and_then(|v| Kind::controller_from_api(v, kind))
    } else {
        Kind::controller_from_api(api_version, kind)
    };
    let Some(controller_kind) = controller_kind else {
        return Ok(None);
    };
    let wire: WireController = typed(value).map_err(&fail)?;
    let api_version = if api_version.is_empty() {
        default_api_version(kind).unwrap_or_default()
    } else {
        api_version
    };
    controller_from_wire(controller_kind, api_version, wire)
        .map(|c| Some(Object::Controller(c)))
        .map_err(fail)
}

/// The `apiVersion` a kept kind has today, for objects written without one.
fn default_api_version(kind: &str) -> Option<&'static str> {
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" => Some("apps/v1"),
        "Job" | "CronJob" => Some("batch/v1"),
        "Rollout" => Some("argoproj.io/v1alpha1"),
        _ => None,
    }
}

/// `Pod shop/web-1`, from whatever of the metadata is readable, for messages.
fn describe(kind: &str, map: &serde_json::Map<String, Value>) -> String {
    let meta = map.get("metadata");
    let field = |key: &str| meta.and_then(|m| m.get(key)).and_then(Value::as_str);
    match (field("namespace"), field("name")) {
        (Some(ns), Some(name)) => format!("{kind} {ns}/{name}"),
        (None, Some(name)) => format!("{kind} {name}"),
        _ => kind.to_owned(),
    }
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Deserialize with the failing field's path in the message (`metadata.creationTimestamp: ...`).
fn typed<T: DeserializeOwned>(value: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        if path == "." {
            inner.to_string()
        } else {
            format!("{path}: {inner}")
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Wire shapes: only the fields the plan uses. Unknown fields are ignored, so any Kubernetes
// version's output reads; every field is optional where the API allows it to be missing.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMeta {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    /// Parsed, not kept (pods keep it separately): a bad one marks the object malformed.
    #[serde(default, deserialize_with = "time")]
    creation_timestamp: Option<DateTime<Utc>>,
    labels: Option<BTreeMap<String, String>>,
    annotations: Option<BTreeMap<String, String>>,
    owner_references: Option<Vec<WireOwnerRef>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireOwnerRef {
    api_version: String,
    kind: String,
    name: String,
    uid: Option<String>,
    controller: Option<bool>,
}

#[derive(Deserialize)]
struct WirePod {
    metadata: Option<WireMeta>,
    spec: Option<WirePodSpec>,
    status: Option<WirePodStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePodSpec {
    scheduler_name: Option<String>,
    node_name: Option<String>,
}

#[derive(Deserialize)]
struct WirePodStatus {
    phase: Option<String>,
}

/// Every controller kind in one shape: each uses the subset it has.
#[derive(Deserialize)]
struct WireController {
    metadata: Option<WireMeta>,
    spec: Option<WireControllerSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireControllerSpec {
    replicas: Option<i64>,
    paused: Option<bool>,
    /// Deployment (`type`, `rollingUpdate`) and Rollout (`canary`, `blueGreen`).
    strategy: Option<WireStrategy>,
    /// StatefulSet and DaemonSet.
    update_strategy: Option<WireStrategy>,
    template: Option<WireTemplate>,
    /// Rollout.
    restart_at: Option<String>,
}

#[derive(Deserialize)]
struct WireTemplate {
    metadata: Option<WireTemplateMeta>,
}

#[derive(Deserialize)]
struct WireTemplateMeta {
    annotations: Option<BTreeMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireStrategy {
    #[serde(rename = "type")]
    kind: Option<String>,
    rolling_update: Option<WireSurge>,
    canary: Option<WireSurge>,
    blue_green: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSurge {
    max_surge: Option<IntOrString>,
}

#[derive(Deserialize)]
struct WirePdb {
    metadata: Option<WireMeta>,
    spec: Option<WirePdbSpec>,
    status: Option<WirePdbStatus>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePdbSpec {
    selector: Option<WireSelector>,
    min_available: Option<IntOrString>,
    max_unavailable: Option<IntOrString>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePdbStatus {
    disruptions_allowed: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireSelector {
    match_labels: Option<BTreeMap<String, String>>,
    match_expressions: Option<Vec<WireRequirement>>,
}

#[derive(Deserialize)]
struct WireRequirement {
    key: String,
    operator: SelectorOperator,
    values: Option<Vec<String>>,
}

/// `metadata.creationTimestamp`: RFC 3339 as the API prints it, or null.
fn time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    let Some(text) = Option::<String>::deserialize(deserializer)? else {
        return Ok(None);
    };
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|_| {
            de::Error::custom(format!(
                "`{text}` is not a time: expected RFC 3339 such as 2026-11-10T08:00:00Z"
            ))
        })
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct IntOrStringVisitor;
        impl Visitor<'_> for IntOrStringVisitor {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a percentage such as \"25%\"")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::String(v.to_owned()))
            }
        }
        deserializer.deserialize_any(IntOrStringVisitor)
    }
}

impl<'de> Deserialize<'de> for SelectorOperator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        SelectorOperator::from_api(&text).ok_or_else(|| {
            de::Error::custom(format!(
                "`{text}` is not a selector operator: expected In, NotIn, Exists or DoesNotExist"
            ))
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Wire to inventory types.

fn meta_from_wire(wire: Option<WireMeta>) -> Result<(Meta, Option<DateTime<Utc>>), String> {
    let Some(wire) = wire else {
        return Err("has no metadata".to_owned());
    };
    let name = wire
        .name
        .filter(|n| !n.is_empty())
        .ok_or("has no metadata.name")?;
    let owner_references = wire
        .owner_references
        .unwrap_or_default()
        .into_iter()
        .map(|r| OwnerRef {
            api_version: r.api_version,
            kind: r.kind,
            name: r.name,
            uid: r.uid.unwrap_or_default(),
            controller: r.controller.unwrap_or(false),
        })
        .collect();
    let meta = Meta {
        // What kubectl would apply a namespace-less object to.
        namespace: wire
            .namespace
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_owned()),
        name,
        uid: wire.uid.unwrap_or_default(),
        labels: wire.labels.unwrap_or_default(),
        annotations: wire.annotations.unwrap_or_default(),
        owner_references,
    };
    Ok((meta, wire.creation_timestamp))
}

fn pod_from_wire(wire: WirePod) -> Result<Pod, String> {
    let (meta, created) = meta_from_wire(wire.metadata)?;
    // Without it the pod's age is unknown, and guessing either way would mislead the plan.
    let created = created.ok_or("has no metadata.creationTimestamp, so its age is unknown")?;
    let spec = wire.spec;
    Ok(Pod {
        meta,
        created,
        scheduler_name: spec.as_ref().and_then(|s| s.scheduler_name.clone()),
        node_name: spec.and_then(|s| s.node_name),
        phase: wire
            .status
            .and_then(|s| s.phase)
            .map_or(PodPhase::Pending, |p| PodPhase::from_api(&p)),
    })
}

fn controller_from_wire(
    kind: Kind,
    api_version: &str,
    wire: WireController,
) -> Result<Controller, String> {
    let (meta, _) = meta_from_wire(wire.metadata)?;
    let spec = wire.spec;
    let replicas = spec.as_ref().and_then(|s| s.replicas);
    let paused = spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
    let restart_at = spec.as_ref().and_then(|s| s.restart_at.clone());
    let template_annotations = spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .and_then(|t| t.metadata.as_ref())
        .and_then(|m| m.annotations.clone())
        .unwrap_or_default();
    let strategy = match kind {
        Kind::Deployment => deployment_strategy(spec.and_then(|s| s.strategy)),
        Kind::StatefulSet | Kind::DaemonSet => {
            update_strategy(spec.and_then(|s| s.update_strategy))
        }
        Kind::Rollout => rollout_strategy(spec.and_then(|s| s.strategy)),
        _ => Strategy::Default,
    };
    Ok(Controller {
        kind,
        api_version: api_version.to_owned(),
        meta,
        replicas,
        paused,
        strategy,
        template_annotations,
        restart_at,
    })
}

/// Deployment `spec.strategy`: `RollingUpdate` unless it says `Recreate`, as the API defaults it.
fn deployment_strategy(wire: Option<WireStrategy>) -> Strategy {
    let Some(wire) = wire else {
        return Strategy::RollingUpdate { max_surge: None };
    };
    match wire.kind.as_deref() {
        None | Some("RollingUpdate") => Strategy::RollingUpdate {
            max_surge: wire.rolling_update.and_then(|r| r.max_surge),
        },
        Some("Recreate") => Strategy::Recreate,
        Some(other) => Strategy::Other(other.to_owned()),
    }
}

/// StatefulSet and DaemonSet `spec.updateStrategy`: `RollingUpdate` unless it says `OnDelete`.
fn update_strategy(wire: Option<WireStrategy>) -> Strategy {
    let Some(wire) = wire else {
        return Strategy::RollingUpdate { max_surge: None };
    };
    match wire.kind.as_deref() {
        None | Some("RollingUpdate") => Strategy::RollingUpdate {
            max_surge: wire.rolling_update.and_then(|r| r.max_surge),
        },
        Some("OnDelete") => Strategy::OnDelete,
        Some(other) => Strategy::Other(other.to_owned()),
    }
}

/// Rollout `spec.strategy`: `canary` or `blueGreen`.
fn rollout_strategy(wire: Option<WireStrategy>) -> Strategy {
    match wire {
        Some(WireStrategy {
            canary: Some(canary),
            ..
        }) => Strategy::Canary {
            max_surge: canary.max_surge,
        },
        Some(WireStrategy {
            blue_green: Some(_),
            ..
        }) => Strategy::BlueGreen,
        _ => Strategy::Default,
    }
}

fn pdb_from_wire(wire: WirePdb) -> Result<Pdb, String> {
    let (meta, _) = meta_from_wire(wire.metadata)?;
    let spec = wire.spec;
    let (selector, min_available, max_unavailable) = match spec {
        Some(spec) => (spec.selector, spec.min_available, spec.max_unavailable),
        None => (None, None, None),
    };
    Ok(Pdb {
        meta,
        selector: selector.map(|s| LabelSelector {
            match_labels: s.match_labels.unwrap_or_default(),
            match_expressions: s
                .match_expressions
                .unwrap_or_default()
                .into_iter()
                .map(|r| SelectorRequirement {
                    key: r.key,
                    operator: r.operator,
                    values: r.values.unwrap_or_default(),
                })
                .collect(),
        }),
        min_available,
        max_unavailable,
        disruptions_allowed: wire.status.and_then(|s| s.disruptions_allowed),
    })
}
