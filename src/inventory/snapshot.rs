//! Snapshot parsing: `kubectl get ... -o json|yaml` text into an [`Inventory`].
//!
//! Responsibility: read JSON or YAML as kubectl prints it, a `v1 List` of `kubectl get
//! pods,replicasets,deployments,statefulsets,daemonsets,jobs,poddisruptionbudgets -A -o json`
//! (Argo Rollouts and CronJobs too), single objects, a JSON array of objects, or several
//! documents, and keep only the kinds and fields the plan uses. [`decode_object`] is the one
//! place a Kubernetes object's JSON becomes inventory data; the live-cluster path passes every
//! listed item through it as well, so a snapshot and a live listing agree by construction.
//!
//! It must not read files or print: the caller hands over the text and a name for messages.
//! It never panics on any input.
//!
//! Invariants: text that is not JSON or YAML, or a `List` without `items`, is an error naming
//! the source, the line and column, and what was expected, and nothing is returned. Inside valid
//! text, a malformed object of a kept kind (no metadata, a bad timestamp, a wrong type) is one
//! warning naming its position (`items[3]`, `document 2 (line 40)`) and is skipped; objects of
//! other kinds are ignored silently. Items are decoded one at a time as they are read, so a big
//! List never exists twice in memory.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::{
    Controller, IntOrString, Inventory, LabelSelector, Meta, Object, OwnerKind, OwnerRef, Pdb, Pod,
    PodPhase, SelectorOperator, SelectorRequirement, Strategy, api_group,
};

/// The command whose output a snapshot is, for messages.
pub const KUBECTL_COMMAND: &str = "kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,poddisruptionbudgets -A -o json";

/// Text that could not be read as a snapshot at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {message}", position(*.line, *.column))]
pub struct InventoryError {
    /// The name the caller gave the text (a file name, `-` for stdin).
    pub origin: String,
    /// 1-based, when known.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// What was wrong and what was expected.
    pub message: String,
}

fn position(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

/// An object of a kept kind that could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {message}")]
pub struct ObjectError {
    /// `Pod shop/web-1`, or as much of it as is known.
    pub what: String,
    /// What was wrong, with the field's path when there is one.
    pub message: String,
}

/// Read a snapshot. `source` names the text in every message (a file name, `-` for stdin).
///
/// Returns the inventory and the warnings: malformed objects (skipped), objects that appear
/// twice (the later is kept), and a snapshot without pods.
pub fn parse(text: &str, source: &str) -> Result<(Inventory, Vec<String>), InventoryError> {
    // A byte-order mark is not content; serde_json would refuse it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let start = text.trim_start();
    let docs = if start.starts_with('{') || start.starts_with('[') {
        parse_json(text, source)?
    } else {
        parse_yaml(text, source)?
    };
    if docs.is_empty() {
        return Err(InventoryError {
            origin: source.to_owned(),
            line: None,
            column: None,
            message: format!("no objects: expected JSON or YAML as `{KUBECTL_COMMAND}` prints it"),
        });
    }

    if let Some((start, _)) = docs
        .iter()
        .find(|(_, doc)| doc.container == Container::ListWithoutItems)
    {
        return Err(InventoryError {
            origin: source.to_owned(),
            line: start.map(|(line, _)| line),
            column: start.map(|(_, column)| column),
            message: format!(
                "a List without `items`: expected `items`, the array of objects, as `{KUBECTL_COMMAND}` prints it"
            ),
        });
    }

    let mut inventory = Inventory::new();
    let mut warnings = Vec::new();
    let several = docs.len() > 1;
    for (number, (start, doc)) in docs.into_iter().enumerate() {
        let document = several.then(|| match start {
            Some((line, _)) => format!("document {} (line {line})", number + 1),
            None => format!("document {}", number + 1),
        });
        for (index, entry) in doc.entries.into_iter().enumerate() {
            let item = match doc.container {
                Container::Object | Container::ListWithoutItems => None,
                Container::List => Some(format!("items[{index}]")),
                Container::Array => Some(format!("[{index}]")),
            };
            let at = match (&document, item) {
                (Some(document), Some(item)) => format!("{source}: {document}, {item}"),
                (Some(document), None) => format!("{source}: {document}"),
                (None, Some(item)) => format!("{source}: {item}"),
                (None, None) => source.to_owned(),
            };
            match entry {
                Entry::Kept(object) => {
                    let what = object.describe();
                    if inventory.insert(*object).is_some() {
                        warnings.push(format!(
                            "{at}: {what} appears more than once; the later one is kept"
                        ));
                    }
                }
                Entry::Ignored => {}
                Entry::Malformed(error) => warnings.push(format!("{at}: {error}; skipped")),
            }
        }
    }
    if inventory.pods().next().is_none() {
        warnings.push(format!(
            "{source}: no pods, so no workload can be found affected; take the snapshot with `{KUBECTL_COMMAND}`"
        ));
    }
    Ok((inventory, warnings))
}

/// Decode one Kubernetes object from its JSON form (a List item, a document, or an item the
/// live API listed). `Ok(None)` for kinds the inventory does not keep.
pub fn decode_object(value: &Value) -> Result<Option<Object>, ObjectError> {
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
    let controller_kind = if api_version.is_empty() {
        default_api_version(kind).and_then(|v| OwnerKind::controller_from_api(v, kind))
    } else {
        OwnerKind::controller_from_api(api_version, kind)
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
// Documents: a List (items decoded one by one as they stream past), an array, or one object.

/// One document's decoded objects.
struct Doc {
    container: Container,
    entries: Vec<Entry>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Container {
    Object,
    List,
    Array,
    /// `kind: List` (or `PodList`, ...) without `items`: the whole input is refused.
    ListWithoutItems,
}

enum Entry {
    /// Boxed: most entries of a big List are kept, and an unboxed pod would make every
    /// malformed or ignored entry as large.
    Kept(Box<Object>),
    Ignored,
    Malformed(ObjectError),
}

fn entry(value: &Value) -> Entry {
    match decode_object(value) {
        Ok(Some(object)) => Entry::Kept(Box::new(object)),
        Ok(None) => Entry::Ignored,
        Err(error) => Entry::Malformed(error),
    }
}

/// What a document must be; also tells this crate's own errors from the parser's.
const DOC_EXPECTED: &str = "a Kubernetes object or a List of them";
const ITEMS_EXPECTED: &str = "`items` to be an array of Kubernetes objects";

impl<'de> Deserialize<'de> for Doc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocVisitor)
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = Doc;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(DOC_EXPECTED)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Doc, A::Error> {
        let mut rest = serde_json::Map::new();
        let mut items = None;
        let mut null_items = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                items = map.next_value_seed(ItemsSeed)?;
                null_items = items.is_none();
            } else {
                let value: Value = map.next_value()?;
                rest.insert(key, value);
            }
        }
        if let Some(entries) = items {
            return Ok(Doc {
                container: Container::List,
                entries,
            });
        }
        let kind = rest.get("kind").and_then(Value::as_str).unwrap_or("");
        if null_items || kind.ends_with("List") {
            // An error only once the document's position is known (parse() raises it): a
            // visitor's own error carries no position in serde-saphyr.
            return Ok(Doc {
                container: Container::ListWithoutItems,
                entries: Vec::new(),
            });
        }
        Ok(Doc {
            container: Container::Object,
            entries: vec![entry(&Value::Object(rest))],
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Doc, A::Error> {
        Ok(Doc {
            container: Container::Array,
            entries: ItemsVisitor.visit_seq(seq)?,
        })
    }
}

/// `items`: each element becomes a [`serde_json::Value`] just long enough to decode it.
/// `items: null` is `None`, the same as no `items`.
struct ItemsSeed;

impl<'de> DeserializeSeed<'de> for ItemsSeed {
    type Value = Option<Vec<Entry>>;

    fn deserialize<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Option<Vec<Entry>>, D::Error> {
        deserializer.deserialize_option(ItemsOption)
    }
}

struct ItemsOption;

impl<'de> Visitor<'de> for ItemsOption {
    type Value = Option<Vec<Entry>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ITEMS_EXPECTED)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(ItemsVisitor).map(Some)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Vec<Entry>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(ITEMS_EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Entry>, A::Error> {
        let mut entries = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(value) = seq.next_element::<Value>()? {
            entries.push(entry(&value));
        }
        Ok(entries)
    }
}

/// JSON: one document, or several concatenated (`kubectl get` run more than once).
fn parse_json(text: &str, source: &str) -> Result<Vec<(Option<Start>, Doc)>, InventoryError> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Doc>();
    let mut offset = 0;
    loop {
        let start = offset + leading_whitespace(&text[offset..]);
        match stream.next() {
            None => break,
            Some(Ok(doc)) => docs.push((Some(line_column(text, start)), doc)),
            Some(Err(error)) => return Err(json_error(&error, source)),
        }
        offset = stream.byte_offset();
    }
    Ok(docs)
}

fn leading_whitespace(text: &str) -> usize {
    text.len() - text.trim_start().len()
}

/// Where a document starts: 1-based line and column (in characters, as serde_json counts).
type Start = (u64, u64);

fn line_column(text: &str, offset: usize) -> Start {
    let before = text.get(..offset).unwrap_or(text);
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1);
    (
        count(before.matches('\n').count()),
        count(before[line_start..].chars().count()),
    )
}

fn json_error(error: &serde_json::Error, source: &str) -> InventoryError {
    let full = error.to_string();
    // serde_json appends the position; it goes in front instead.
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let message = if error.is_data() {
        not_kubernetes(message)
    } else {
        format!("invalid JSON: {message}")
    };
    InventoryError {
        origin: source.to_owned(),
        line: (error.line() > 0).then(|| error.line() as u64),
        column: (error.line() > 0).then(|| error.column() as u64),
        message,
    }
}

/// A data error at the document level: valid text that is not a Kubernetes object (a scalar,
/// `items: 3`).
fn not_kubernetes(message: &str) -> String {
    format!("not a Kubernetes snapshot: {message}")
}

/// YAML: one or several documents; empty documents are skipped.
fn parse_yaml(text: &str, source: &str) -> Result<Vec<(Option<Start>, Doc)>, InventoryError> {
    // A whole cluster's snapshot exceeds the default budget, which guards configuration files
    // against hostile input; this text is the user's own kubectl output. Alias limits stay.
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = None;
    budget.max_events = usize::MAX;
    budget.max_documents = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    let options = serde_saphyr::options! {
        with_snippet: false,
        budget: Some(budget),
    };
    let docs: Vec<serde_saphyr::Spanned<Doc>> =
        serde_saphyr::from_multiple_with_options(text, options)
            .map_err(|error| yaml_error(&error, source))?;
    Ok(docs
        .into_iter()
        .map(|doc| {
            let at = &doc.referenced;
            ((at.line() > 0).then(|| (at.line(), at.column())), doc.value)
        })
        .collect())
}

fn yaml_error(error: &serde_saphyr::Error, source: &str) -> InventoryError {
    let error = error.without_snippet();
    let full = error.to_string();
    let location = error.location().filter(|l| l.line() > 0);
    // serde-saphyr appends the position; it goes in front instead.
    let message = match location {
        Some(l) => {
            let suffix = format!(" at line {}, column {}", l.line(), l.column());
            full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
        }
        None => full,
    };
    let message = if message.contains(DOC_EXPECTED) || message.contains(ITEMS_EXPECTED) {
        not_kubernetes(&message)
    } else if message == "expected sequence start" {
        // serde-saphyr's words when `items` is not a sequence (the only sequence this module
        // asks for by type): say what it was expected to hold.
        not_kubernetes(&format!("expected {ITEMS_EXPECTED}"))
    } else {
        format!("invalid YAML: {message}")
    };
    InventoryError {
        origin: source.to_owned(),
        line: location.map(|l| l.line()),
        column: location.map(|l| l.column()),
        message,
    }
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
    kind: OwnerKind,
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
        OwnerKind::Deployment => deployment_strategy(spec.and_then(|s| s.strategy)),
        OwnerKind::StatefulSet | OwnerKind::DaemonSet => {
            update_strategy(spec.and_then(|s| s.update_strategy))
        }
        OwnerKind::Rollout => rollout_strategy(spec.and_then(|s| s.strategy)),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> (Inventory, Vec<String>) {
        match parse(text, "snap.json") {
            Ok(result) => result,
            Err(error) => panic!("unexpected error: {error}"),
        }
    }

    fn parse_err(text: &str) -> String {
        match parse(text, "snap.json") {
            Ok(_) => panic!("expected an error"),
            Err(error) => error.to_string(),
        }
    }

    const POD: &str = r#"{"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-10T08:00:00Z",
                     "labels": {"app": "web"}},
        "spec": {"schedulerName": "fargate-scheduler", "nodeName": "fargate-ip-10-0-1-2.ec2.internal"},
        "status": {"phase": "Running"}}"#;

    #[test]
    fn a_single_json_object_is_read() {
        let (inv, warnings) = parse_ok(POD);
        assert!(warnings.is_empty(), "{warnings:?}");
        let pod = inv.pod("shop", "web-1").expect("pod");
        assert!(pod.is_fargate());
        assert_eq!(pod.phase, PodPhase::Running);
        assert_eq!(pod.created.to_rfc3339(), "2026-11-10T08:00:00+00:00");
        assert_eq!(pod.meta.labels["app"], "web");
    }

    #[test]
    fn a_list_is_read_and_unknown_kinds_are_ignored() {
        let text = format!(
            r#"{{"apiVersion": "v1", "kind": "List", "items": [
                {{"apiVersion": "v1", "kind": "Service", "metadata": {{"name": "web"}}}},
                {POD}
            ], "metadata": {{"resourceVersion": ""}}}}"#
        );
        let (inv, warnings) = parse_ok(&text);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(inv.len(), 1);
    }

    #[test]
    fn an_empty_list_reads_as_no_pods_with_a_warning() {
        let (inv, warnings) = parse_ok(r#"{"apiVersion": "v1", "kind": "List", "items": []}"#);
        assert!(inv.is_empty());
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with("snap.json: no pods"),
            "{warnings:?}"
        );
    }

    #[test]
    fn a_json_array_and_concatenated_documents_are_read() {
        let (inv, _) = parse_ok(&format!("[{POD}]"));
        assert_eq!(inv.len(), 1);
        let second = POD.replace("web-1", "web-2");
        let (inv, warnings) = parse_ok(&format!("{POD}\n{second}\n"));
        assert_eq!(inv.len(), 2, "{warnings:?}");
    }

    #[test]
    fn yaml_documents_are_read_and_empty_ones_skipped() {
        let text = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n  creationTimestamp: 2026-11-10T08:00:00Z\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n  strategy:\n    type: Recreate\n";
        let (inv, warnings) = parse(text, "snap.yaml").expect("parses");
        assert!(warnings.is_empty(), "{warnings:?}");
        let deployment = inv
            .controller(&OwnerKind::Deployment, "shop", "web")
            .expect("deployment");
        assert_eq!(deployment.replicas, Some(2));
        assert_eq!(deployment.strategy, Strategy::Recreate);
        // No status: taken as the phase the API server creates pods in.
        assert_eq!(inv.pod("shop", "a").expect("pod").phase, PodPhase::Pending);
    }

    #[test]
    fn controller_fields_are_kept() {
        let text = r#"{"kind": "List", "apiVersion": "v1", "items": [
          {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "p"},
           "spec": {"replicas": 3, "updateStrategy": {"type": "OnDelete"}}},
          {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "p"},
           "spec": {"paused": true, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0}}}},
          {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r", "namespace": "p"},
           "spec": {"strategy": {"canary": {"maxSurge": "50%"}}}},
          {"apiVersion": "example.com/v1", "kind": "Rollout", "metadata": {"name": "x", "namespace": "p"}}
        ]}"#;
        let (inv, _) = parse_ok(text);
        let sts = inv
            .controller(&OwnerKind::StatefulSet, "p", "db")
            .expect("sts");
        assert_eq!(sts.strategy, Strategy::OnDelete);
        let dep = inv
            .controller(&OwnerKind::Deployment, "p", "w")
            .expect("dep");
        assert!(dep.paused);
        assert_eq!(
            dep.strategy,
            Strategy::RollingUpdate {
                max_surge: Some(IntOrString::Int(0))
            }
        );
        let rollout = inv
            .controller(&OwnerKind::Rollout, "p", "r")
            .expect("rollout");
        assert_eq!(
            rollout.strategy,
            Strategy::Canary {
                max_surge: Some(IntOrString::String("50%".into()))
            }
        );
        // A Rollout of another group is not Argo's.
        assert!(inv.controller(&OwnerKind::Rollout, "p", "x").is_none());
    }

    #[test]
    fn pdb_selectors_distinguish_null_empty_and_expressions() {
        let text = r#"{"kind": "List", "apiVersion": "v1", "items": [
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "none", "namespace": "p"},
           "spec": {"selector": null, "maxUnavailable": "0%"}, "status": {"disruptionsAllowed": 0}},
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "all", "namespace": "p"},
           "spec": {"selector": {}, "minAvailable": 1}},
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "expr", "namespace": "p"},
           "spec": {"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}}}
        ]}"#;
        let (inv, warnings) = parse_ok(text);
        let pdbs: Vec<_> = inv.pdbs().collect();
        assert_eq!(pdbs.len(), 3, "{warnings:?}");
        let by_name = |n: &str| pdbs.iter().find(|p| p.meta.name == n).expect("pdb");
        assert_eq!(by_name("none").selector, None);
        assert_eq!(by_name("none").disruptions_allowed, Some(0));
        assert_eq!(by_name("all").selector, Some(LabelSelector::default()));
        assert_eq!(
            by_name("expr")
                .selector
                .as_ref()
                .map(|s| s.match_expressions[0].operator),
            Some(SelectorOperator::In)
        );
    }

    // Bad input -------------------------------------------------------------------------------

    #[test]
    fn invalid_json_names_source_line_and_column() {
        let message =
            parse_err("{\"kind\": \"List\",\n \"items\": [\n  {\"kind\": \"Pod\" \"x\"}]}");
        assert_eq!(message, "snap.json:3:18: invalid JSON: expected `,` or `}`");
    }

    #[test]
    fn truncated_json_says_so() {
        let message = parse_err("{\"kind\": \"List\", \"items\": [");
        assert!(
            message.starts_with("snap.json:1:")
                && message.contains("invalid JSON: EOF while parsing"),
            "{message}"
        );
    }

    #[test]
    fn invalid_yaml_names_source_line_and_column() {
        let error = parse(
            "kind: List\nitems:\n  - kind: Pod\n   bad: [\n",
            "snap.yaml",
        )
        .expect_err("invalid");
        assert_eq!(error.origin, "snap.yaml");
        assert!(error.line.is_some(), "{error}");
        assert!(error.message.starts_with("invalid YAML: "), "{error}");
    }

    #[test]
    fn a_list_without_items_is_an_error() {
        let expected = format!(
            "a List without `items`: expected `items`, the array of objects, as `{KUBECTL_COMMAND}` prints it"
        );
        let message =
            parse_err("\n  {\"apiVersion\": \"v1\",\n \"kind\": \"List\", \"metadata\": {}}");
        assert_eq!(message, format!("snap.json:2:3: {expected}"));
        let error = parse(
            "# snapshot\napiVersion: v1\nkind: List\nmetadata: {}\n",
            "snap.yaml",
        )
        .expect_err("no items");
        assert_eq!(error.to_string(), format!("snap.yaml:2:1: {expected}"));
        // Also when other documents are fine.
        let error =
            parse("kind: Service\n---\nkind: PodList\n", "snap.yaml").expect_err("no items");
        assert_eq!(error.to_string(), format!("snap.yaml:3:1: {expected}"));
    }

    #[test]
    fn null_items_are_no_items() {
        let message = parse_err(r#"{"kind": "List", "items": null}"#);
        assert!(
            message.starts_with("snap.json:1:1: a List without `items`"),
            "{message}"
        );
        let error = parse("kind: List\nitems:\n", "snap.yaml").expect_err("null items");
        assert!(
            error
                .to_string()
                .starts_with("snap.yaml:1:1: a List without `items`"),
            "{error}"
        );
    }

    #[test]
    fn yaml_items_that_are_not_a_sequence_are_an_error() {
        let error = parse("kind: List\nitems: {a: 1}\n", "snap.yaml").expect_err("not a sequence");
        assert_eq!(
            error.to_string(),
            "snap.yaml:2:8: not a Kubernetes snapshot: expected `items` to be an array of Kubernetes objects"
        );
    }

    #[test]
    fn items_that_are_not_an_array_are_an_error() {
        let message = parse_err(r#"{"kind": "List", "items": {"a": 1}}"#);
        assert!(
            message.contains("not a Kubernetes snapshot")
                && message.contains("array of Kubernetes objects"),
            "{message}"
        );
    }

    #[test]
    fn empty_input_and_scalars_are_errors() {
        assert!(parse_err("  \n").contains("no objects: expected JSON or YAML"));
        let error = parse("# only a comment\n", "snap.yaml").expect_err("empty");
        assert!(
            error.to_string().starts_with("snap.yaml: no objects"),
            "{error}"
        );
        let error = parse("just text\n", "snap.yaml").expect_err("scalar");
        assert!(
            error.message.contains("not a Kubernetes snapshot"),
            "{error}"
        );
    }

    #[test]
    fn a_pod_without_metadata_is_a_warning_with_its_position() {
        let text = format!(
            r#"{{"kind": "List", "items": [{POD}, {{"apiVersion": "v1", "kind": "Pod", "spec": {{}}}}]}}"#
        );
        let (inv, warnings) = parse_ok(&text);
        assert_eq!(inv.len(), 1);
        assert_eq!(
            warnings,
            ["snap.json: items[1]: Pod: has no metadata; skipped"]
        );
    }

    #[test]
    fn a_bad_timestamp_is_a_warning_naming_the_field() {
        let bad = POD.replace("2026-11-10T08:00:00Z", "10/11/2026 08:00");
        let text = format!(r#"{{"kind": "List", "items": [{bad}]}}"#);
        let (inv, warnings) = parse_ok(&text);
        assert!(inv.is_empty());
        assert_eq!(
            warnings[0],
            "snap.json: items[0]: Pod shop/web-1: metadata.creationTimestamp: `10/11/2026 08:00` is not a time: expected RFC 3339 such as 2026-11-10T08:00:00Z; skipped"
        );
    }

    #[test]
    fn a_pod_without_creation_time_is_skipped() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n";
        let (_, warnings) = parse(text, "p.yaml").expect("parses");
        assert_eq!(
            warnings[0],
            "p.yaml: Pod a: has no metadata.creationTimestamp, so its age is unknown; skipped"
        );
    }

    #[test]
    fn wrong_types_and_operators_are_warnings_with_the_path() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: s\n  creationTimestamp: 2026-11-10T08:00:00Z\n  labels:\n    app: [x]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: s}\nspec:\n  selector:\n    matchExpressions:\n    - {key: app, operator: Matches}\n---\nkind: Deployment\n";
        let (_, warnings) = parse(text, "s.yaml").expect("parses");
        assert_eq!(warnings.len(), 4, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "s.yaml: document 1 (line 1): Pod s/a: metadata.labels.app: invalid type"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with("s.yaml: document 2 (line 10): PodDisruptionBudget s/b: spec.selector.matchExpressions[0].operator: `Matches` is not a selector operator"),
            "{warnings:?}"
        );
        assert_eq!(
            warnings[2],
            "s.yaml: document 3 (line 18): Deployment: has no metadata; skipped"
        );
    }

    #[test]
    fn an_item_that_is_not_an_object_or_has_no_kind_is_a_warning() {
        let (_, warnings) = parse_ok(r#"{"kind": "List", "items": [3, {"metadata": {}}]}"#);
        assert_eq!(
            &warnings[..2],
            [
                "snap.json: items[0]: item: expected a Kubernetes object, found a number; skipped",
                "snap.json: items[1]: object: has no `kind`: expected an object as kubectl prints it; skipped"
            ]
        );
    }

    #[test]
    fn duplicates_keep_the_later_object_with_a_warning() {
        let newer = POD.replace("Running", "Succeeded");
        let (inv, warnings) = parse_ok(&format!("[{POD}, {newer}]"));
        assert_eq!(
            inv.pod("shop", "web-1").map(|p| p.phase),
            Some(PodPhase::Succeeded)
        );
        assert_eq!(
            warnings,
            ["snap.json: [1]: Pod shop/web-1 appears more than once; the later one is kept"]
        );
    }

    #[test]
    fn inventories_merge_later_wins() {
        let (mut first, _) = parse_ok(POD);
        let (second, _) = parse_ok(&POD.replace("Running", "Failed"));
        let (third, _) = parse_ok(&POD.replace("web-1", "web-2"));
        first.extend(second);
        first.extend(third);
        assert_eq!(first.len(), 2);
        assert_eq!(
            first.pod("shop", "web-1").map(|p| p.phase),
            Some(PodPhase::Failed)
        );
    }

    #[test]
    fn decode_object_is_what_the_live_path_uses() {
        let value: Value = serde_json::from_str(POD).expect("json");
        let object = decode_object(&value).expect("decodes").expect("kept");
        assert_eq!(object.describe(), "Pod shop/web-1");
        let service =
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}});
        assert_eq!(decode_object(&service), Ok(None));
    }

    #[test]
    fn hostile_input_does_not_panic() {
        for text in [
            "[",
            "{",
            "]",
            "---",
            "- - -",
            "{\"kind\": 3}",
            "kind: List\nitems: null\n",
            "\u{feff}",
            "&a [*a]",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"creationTimestamp\":\"2026-13-45T99:99:99Z\"}}",
        ] {
            let _ = parse(text, "x");
        }
    }
}
