//! Snapshot parsing: `kubectl get ... -o json|yaml` text into an [`Inventory`].
//!
//! Responsibility: read JSON or YAML as kubectl prints it, a `v1 List` of `kubectl get
//! pods,replicasets,deployments,statefulsets,daemonsets,jobs,poddisruptionbudgets -A -o json`
//! (Argo Rollouts and CronJobs too, and the Argo CD Applications, Flux Kustomizations and
//! HelmReleases of further `kubectl get` documents), single objects, a JSON array of objects, or
//! several documents, and keep only the kinds and fields the plan uses. Each document goes through the
//! one list decoder (`inventory::decode`), the same the live-cluster path uses, so a snapshot and
//! a live listing agree by construction; the text is split into documents, with their
//! positions and syntax errors, by `crate::input`. This module numbers the documents, turns
//! positions into messages, and refuses what is not a snapshot.
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

use serde::Deserializer;
use serde::de::DeserializeSeed;

use super::decode::{Decoder, ITEMS_EXPECTED, Item, ObjectError, Position, Shape, Syntax};
use super::{Inventory, Object};
use crate::input::{Format, FromDocument, SyntaxError, Text};
use crate::model::{Code, Finding, Place};

#[cfg(test)]
mod tests;

/// The command whose output a snapshot is, for messages: the workloads in one list, then the
/// Argo CD and Flux objects one kind at a time. kubectl prints nothing at all for a list that
/// names a kind the cluster does not serve (`error: the server doesn't have a resource type`,
/// exit 1, even with `--ignore-not-found`), so a cluster without Argo CD or Flux must not lose
/// its workloads to them (`|| true`: a kind it lacks is no failure of the whole command); the
/// output is several JSON documents, which a snapshot may be.
pub(crate) const KUBECTL_COMMAND: &str = "kubectl get pods,replicasets,deployments,statefulsets,daemonsets,jobs,cronjobs,poddisruptionbudgets -A -o json; for r in applications.argoproj.io kustomizations.kustomize.toolkit.fluxcd.io helmreleases.helm.toolkit.fluxcd.io; do kubectl get $r -A -o json 2>/dev/null || true; done";

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
    let docs: Vec<(Option<Start>, Doc)> = Text::new(text, source)
        .documents::<Doc>()
        .map_err(error)?
        .into_iter()
        .map(|document| (document.start, document.value))
        .collect();
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

impl FromDocument for Doc {
    fn from_document<'de, D: Deserializer<'de>>(
        deserializer: D,
        format: Format,
    ) -> Result<Self, D::Error> {
        let syntax = match format {
            Format::Json => Syntax::Json,
            // YAML items carry their lines.
            Format::Yaml => Syntax::Yaml,
        };
        Doc::decode(deserializer, syntax)
    }
}

/// Where a document starts: 1-based line and column.
type Start = (u64, u64);

/// Text that is not a snapshot at all: its syntax, or a document that is not a Kubernetes object
/// (a scalar, `items: 3`).
fn error(error: SyntaxError) -> InventoryError {
    let message = if !error.data {
        format!("invalid {}: {}", error.format, error.message)
    } else if error.message == "expected sequence start" {
        // serde-saphyr's words when `items` is not a sequence (the only sequence this module
        // asks for by type): say what it was expected to hold.
        not_kubernetes(&format!("expected {ITEMS_EXPECTED}"))
    } else {
        not_kubernetes(&error.message)
    };
    InventoryError {
        origin: error.input,
        line: error.line,
        column: error.column,
        message,
    }
}

/// A data error at the document level: valid text that is not a Kubernetes object.
fn not_kubernetes(message: &str) -> String {
    format!("not a Kubernetes snapshot: {message}")
}
