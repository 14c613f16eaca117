//! Snapshot parsing: `kubectl get ... -o json|yaml` text into an [`Inventory`].
//!
//! Responsibility: read JSON or YAML as kubectl prints it, a `v1 List` of `kubectl get
//! pods,replicasets,deployments,statefulsets,daemonsets,jobs,poddisruptionbudgets -A -o json`
//! (Argo Rollouts and CronJobs too), single objects, a JSON array of objects, or several
//! documents, and keep only the kinds and fields the plan uses. Each document goes through the
//! one list decoder (`inventory::decode`), the same the live-cluster path uses, so a snapshot and
//! a live listing agree by construction; this module numbers the documents, turns positions
//! into messages, and refuses what is not a snapshot.
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

use serde::de::DeserializeSeed;
use serde::{Deserialize, Deserializer};

use super::decode::{
    DOC_EXPECTED, Decoder, ITEMS_EXPECTED, Item, ObjectError, Position, Shape, Syntax,
};
use super::{Inventory, Object};
use crate::model::{Code, Finding, Place};

#[cfg(test)]
mod tests;

/// The command whose output a snapshot is, for messages.
pub(crate) const KUBECTL_COMMAND: &str = "kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,poddisruptionbudgets -A -o json";

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

/// Read a snapshot. `source` names the text in every message (a file name, `-` for stdin).
///
/// Returns the inventory and the warnings: malformed objects (skipped), objects that appear
/// twice (the later is kept), and a snapshot without pods; each at the place `source`, its
/// message starting with the position in it (`document 2 (line 40), items[3]: ...`).
pub fn parse(text: &str, source: &str) -> Result<(Inventory, Vec<Finding>), InventoryError> {
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
        .find(|(_, doc)| doc.shape == Shape::ListWithoutItems)
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
        for Entry { position, outcome } in doc.entries {
            // Only a duplicate or a malformed object needs the words for where it is: `source`
            // is the finding's place, and the message starts with the position in it.
            let at = |message: String| {
                let item = match doc.shape {
                    Shape::Object | Shape::ListWithoutItems => None,
                    Shape::List(_) => Some(format!("items[{}]", position.index)),
                    Shape::Array => Some(format!("[{}]", position.index)),
                };
                match (&document, item) {
                    (Some(document), Some(item)) => format!("{document}, {item}: {message}"),
                    (Some(document), None) => format!("{document}: {message}"),
                    (None, Some(item)) => format!("{item}: {message}"),
                    (None, None) => message,
                }
            };
            match outcome {
                Outcome::Kept(object) => {
                    let what = object.describe();
                    if inventory.insert(*object).is_some() {
                        warnings.push(
                            Finding::info(
                                Code::SnapshotDuplicate,
                                at(format!(
                                    "{what} appears more than once; the later one is kept"
                                )),
                            )
                            .at(Place::input(source)),
                        );
                    }
                }
                Outcome::Ignored => {}
                Outcome::Malformed(error) => warnings.push(
                    Finding::warning(Code::SnapshotItemSkipped, at(format!("{error}; skipped")))
                        .at(Place::input(source)),
                ),
            }
        }
    }
    if inventory.pods().next().is_none() {
        warnings.push(Finding::warning(Code::SnapshotNoPods, format!(
            "no pods, so no workload can be found affected; take the snapshot with `{KUBECTL_COMMAND}`"
        )).at(Place::input(source)));
    }
    Ok((inventory, warnings))
}

// ---------------------------------------------------------------------------------------------
// Documents: each one through the list decoder, its items kept (decoded) until every document
// is read, since a message's words depend on how many documents there are.

/// One document: what it was, and its items.
struct Doc {
    shape: Shape,
    entries: Vec<Entry>,
}

/// One item of a document.
struct Entry {
    position: Position,
    outcome: Outcome,
}

enum Outcome {
    /// Boxed: most entries of a big List are kept, and an unboxed pod would make every
    /// ignored entry as large.
    Kept(Box<Object>),
    /// A kind the inventory does not keep. Still an entry: a document's later `items` replaces
    /// an earlier one, and the decoder counts the later one's items, ignored ones included.
    Ignored,
    Malformed(Box<ObjectError>),
}

impl Doc {
    fn decode<'de, D: Deserializer<'de>>(deserializer: D, syntax: Syntax) -> Result<Doc, D::Error> {
        let mut entries = Vec::new();
        let shape = Decoder::document(syntax, |item: Item| {
            let outcome = match item.object {
                Ok(Some(object)) => Outcome::Kept(Box::new(object)),
                Ok(None) => Outcome::Ignored,
                Err(error) => Outcome::Malformed(Box::new(error)),
            };
            entries.push(Entry {
                position: item.position,
                outcome,
            });
        })
        .deserialize(deserializer)?;
        if let Shape::List(listed) = &shape {
            let replaced = entries.len().saturating_sub(listed.items);
            entries.drain(..replaced);
        }
        Ok(Doc { shape, entries })
    }
}

/// A JSON document.
struct JsonDoc(Doc);

impl<'de> Deserialize<'de> for JsonDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Doc::decode(deserializer, Syntax::Json).map(JsonDoc)
    }
}

/// A YAML document: its items carry their lines.
struct YamlDoc(Doc);

impl<'de> Deserialize<'de> for YamlDoc {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Doc::decode(deserializer, Syntax::Yaml).map(YamlDoc)
    }
}

/// JSON: one document, or several concatenated (`kubectl get` run more than once).
fn parse_json(text: &str, source: &str) -> Result<Vec<(Option<Start>, Doc)>, InventoryError> {
    let mut docs = Vec::new();
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<JsonDoc>();
    let mut offset = 0;
    loop {
        let start = offset + leading_whitespace(&text[offset..]);
        match stream.next() {
            None => break,
            Some(Ok(JsonDoc(doc))) => docs.push((Some(line_column(text, start)), doc)),
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
    let docs: Vec<serde_saphyr::Spanned<YamlDoc>> =
        serde_saphyr::from_multiple_with_options(text, options)
            .map_err(|error| yaml_error(&error, source))?;
    Ok(docs
        .into_iter()
        .map(|doc| {
            let at = &doc.referenced;
            (
                (at.line() > 0).then(|| (at.line(), at.column())),
                doc.value.0,
            )
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
