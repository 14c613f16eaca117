//! The overlay patch: how a restart reaches one overlay when the manifest is shared.
//!
//! gitops-restart writes one file per overlay, [`PATCH_FILE`], a strategic-merge patch with one
//! document per restarted workload, and lists it once under the kustomization's `patches`. The
//! file is created once; after that it belongs to the people who read it as much as to the tool:
//! a later run edits it with the lossless editor (only restart values change, documents for newly
//! restarted workloads are appended) and keeps every other byte, so a `replicas:` or an annotation
//! someone added stays. Generated text quotes every name YAML would read as something else, and
//! every result is re-parsed and compared with what it must mean. A file already at that path
//! that is not such a patch ([`not_a_patch`]: a resource of the overlay, a document naming no
//! object) is never extended; the plan makes the overlay's workloads `manual` with the reason.
//! Pure: text in, text out.

use crate::edit::{EditError, Manifest, double_quoted, key_text, scalar_text};
use crate::model::Kind;
use crate::repo::{Kustomization, ManifestFile, join, split};
use crate::yaml::{self, NodeKind, Value, line_of, line_start, next_line_start};

pub use crate::repo::PATCH_FILE;

/// The comment that opens a patch file gitops-restart creates.
const HEADER: &str = "# Written by gitops-restart: restarts these workloads in this overlay only, because \
                      their\n# manifests are shared with other overlays. Later runs update the \
                      values here and keep\n# anything else you add.\n";

/// One workload's restart in the patch file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PatchEntry {
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    pub api_version: String,
    /// The keys from the document root to the restart value, below `spec`: the pod-template
    /// annotation, a Rollout's `restartAt`, or a HelmRelease's values.
    pub path: Vec<String>,
}

impl PatchEntry {
    /// The path a workload of `kind` is restarted at ([`Kind::restart_path`]; an unknown kind
    /// gets the pod-template annotation).
    pub fn workload_path(kind: &str, annotation: &str) -> Vec<String> {
        Kind::named(kind)
            .restart_path(annotation)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// Whether a document with this header patches the entry's object.
    fn is_for(&self, header: &crate::edit::DocHeader) -> bool {
        header.kind.as_deref() == Some(self.kind.as_str())
            && header.name.as_deref() == Some(self.name.as_str())
            && header.namespace == self.namespace
    }

    fn keys(&self) -> Vec<&str> {
        self.path.iter().map(String::as_str).collect()
    }
}

/// A patch file after the restart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    /// The line of each entry's document, in the order of the entries given.
    pub lines: Vec<usize>,
}

/// Why `file`, at the overlay's patch path, is not a patch gitops-restart may extend and list:
/// the overlay's `kustomization` lists it as a resource, a component or a base (it is part of
/// what the overlay renders), or one of its documents names no object (no `kind` or
/// `metadata.name`, which every strategic-merge patch document needs). The line it is about, and
/// the reason.
pub fn not_a_patch(file: &ManifestFile, kustomization: &ManifestFile) -> Option<(usize, String)> {
    let (dir, _) = split(&kustomization.path);
    let listed = kustomization
        .objects
        .first()
        .and_then(|(_, value)| serde_json::from_value::<Kustomization>(value.clone()).ok());
    if let Some(k) = listed {
        for (key, references) in [
            ("resources", &k.resources),
            ("components", &k.components),
            ("bases", &k.bases),
        ] {
            if references
                .iter()
                .any(|r| join(dir, r).as_deref() == Some(file.path.as_str()))
            {
                return Some((
                    1,
                    format!(
                        "{} lists it under `{key}`: it is part of what the overlay renders, not a \
                         patch",
                        kustomization.path
                    ),
                ));
            }
        }
    }
    file.docs
        .iter()
        .find(|(_, header)| header.kind.is_none() || header.name.is_none())
        .map(|(_, header)| {
            (
                header.line,
                "this document names no object (`kind` and `metadata.name`), as every document \
                 of a strategic-merge patch must"
                    .to_owned(),
            )
        })
}

/// The restart value an existing patch file holds for `entry`, and the line of its document.
pub fn current(text: &str, entry: &PatchEntry) -> Option<(Option<String>, usize)> {
    let manifest = Manifest::parse(text, "").ok()?;
    (0..manifest.doc_count()).find_map(|doc| {
        let header = manifest.header(doc)?;
        entry
            .is_for(&header)
            .then(|| (manifest.string_at(doc, &entry.keys()), header.line))
    })
}

/// The patch file with `value` set for every entry: `existing` edited in place (only restart
/// values change; a document is appended for each entry it doesn't patch yet, every other byte
/// stays), or a new file when there is none.
///
/// # Errors
/// The existing file can't be edited safely (not YAML, a template, an alias on the path, a
/// document that isn't a mapping), or the result doesn't re-parse to what it must mean.
pub fn edit(
    existing: Option<&str>,
    entries: &[PatchEntry],
    value: &str,
) -> Result<Edited, EditError> {
    let given = entries;
    let mut entries = entries.to_vec();
    entries.sort();
    entries.dedup_by(|a, b| a.kind == b.kind && a.namespace == b.namespace && a.name == b.name);
    let (edited, appended) = match existing {
        Some(text) => {
            let manifest = Manifest::parse(text, "")?;
            let headers: Vec<_> = (0..manifest.doc_count())
                .map(|doc| manifest.header(doc))
                .collect();
            let mut targets = Vec::new();
            let mut appended = Vec::new();
            for entry in &entries {
                let docs: Vec<usize> = headers
                    .iter()
                    .enumerate()
                    .filter(|(_, h)| h.as_ref().is_some_and(|h| entry.is_for(h)))
                    .map(|(doc, _)| doc)
                    .collect();
                if docs.is_empty() {
                    appended.push(entry);
                }
                targets.extend(docs.into_iter().map(|doc| (doc, entry.keys())));
            }
            (manifest.set_strings(&targets, value)?, appended)
        }
        None => (String::new(), entries.iter().collect()),
    };
    let text = if appended.is_empty() {
        edited
    } else {
        append(&edited, existing.is_none(), &appended, value)?
    };
    let manifest = Manifest::parse(&text, "").map_err(|e| EditError::Verify {
        line: e.line(),
        message: format!("the patch file no longer parses: {}", e.message()),
    })?;
    let lines = given
        .iter()
        .map(|entry| {
            (0..manifest.doc_count())
                .filter_map(|doc| manifest.header(doc))
                .find(|h| entry.is_for(h))
                .map_or(1, |h| h.line)
        })
        .collect();
    Ok(Edited { text, lines })
}

/// `text` with one document per entry appended (after the header comment for a new file),
/// checked by re-parsing: the documents before stay as they were, the new ones mean exactly the
/// entries.
fn append(
    text: &str,
    new_file: bool,
    entries: &[&PatchEntry],
    value: &str,
) -> Result<String, EditError> {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len() + 256 * entries.len());
    if new_file {
        out.push_str(HEADER);
    } else {
        out.push_str(text);
        if !text.is_empty() && !text.ends_with('\n') {
            out.push_str(eol);
        }
    }
    let at = out.len();
    for entry in entries {
        out.push_str("---");
        out.push_str(eol);
        out.push_str(&render(entry, value, eol));
    }
    let line = line_of(&out, at);
    let fail = |message: String| EditError::Verify { line, message };
    let values = |t: &str| -> Result<Vec<serde_json::Value>, EditError> {
        let stream =
            yaml::parse(t).map_err(|e| fail(format!("the patch file doesn't parse: {e}")))?;
        Ok(stream
            .docs
            .iter()
            .filter(|d| d.root.is_some())
            .map(|d| stream.value(d.root).to_json())
            .collect())
    };
    let mut expected = if new_file { Vec::new() } else { values(text)? };
    expected.extend(entries.iter().map(|e| meaning(e, value)));
    if values(&out)? != expected {
        return Err(fail(
            "the appended patch documents would not mean the workloads to restart".to_owned(),
        ));
    }
    Ok(out)
}

/// One patch document for `entry`, every string quoted where YAML would read it otherwise.
fn render(entry: &PatchEntry, value: &str, eol: &str) -> String {
    let mut out = format!(
        "apiVersion: {}{eol}kind: {}{eol}metadata:{eol}  name: {}{eol}",
        scalar_text(&entry.api_version),
        scalar_text(&entry.kind),
        scalar_text(&entry.name),
    );
    if let Some(ns) = &entry.namespace {
        out.push_str(&format!("  namespace: {}{eol}", scalar_text(ns)));
    }
    for (depth, k) in entry.path.iter().enumerate() {
        out.push_str(&"  ".repeat(depth));
        out.push_str(&key_text(k));
        if depth + 1 == entry.path.len() {
            out.push_str(&format!(": {}{eol}", double_quoted(value)));
        } else {
            out.push(':');
            out.push_str(eol);
        }
    }
    out
}

/// What a rendered document must read back as.
fn meaning(entry: &PatchEntry, value: &str) -> serde_json::Value {
    let mut leaf = serde_json::Value::String(value.to_owned());
    for key in entry.path.iter().rev() {
        leaf = serde_json::json!({ key.as_str(): leaf });
    }
    let mut doc = serde_json::json!({
        "apiVersion": entry.api_version,
        "kind": entry.kind,
        "metadata": {"name": entry.name},
    });
    if let Some(ns) = &entry.namespace {
        doc["metadata"]["namespace"] = serde_json::Value::String(ns.clone());
    }
    if let (Some(map), serde_json::Value::Object(rest)) = (doc.as_object_mut(), leaf) {
        map.extend(rest);
    }
    doc
}

/// The kustomization's text with `- path: gitops-restart-patch.yaml` under `patches` (added when
/// missing); the same text when it is already listed.
///
/// # Errors
/// The kustomization doesn't parse, isn't a block mapping, or `patches` isn't a list.
pub fn add_to_kustomization(text: &str) -> Result<String, EditError> {
    let stream = yaml::parse(text).map_err(|e| EditError::Parse {
        line: e.line,
        message: e.message,
    })?;
    let root = stream
        .docs
        .iter()
        .find_map(|d| d.root)
        .filter(|&r| matches!(stream.nodes[r].kind, NodeKind::Map { flow: false, .. }))
        .ok_or_else(|| EditError::Shape {
            line: 1,
            what: "the kustomization".to_owned(),
            problem: "is not a block mapping".to_owned(),
        })?;
    let listed = |v: &Value| match v {
        Value::Scalar { text, .. } => text == PATCH_FILE,
        Value::Map(entries) => entries.iter().any(|(k, v)| {
            matches!(k, Value::Scalar { text, .. } if text == "path")
                && matches!(v, Value::Scalar { text, .. } if text == PATCH_FILE)
        }),
        _ => false,
    };
    for key in ["patches", "patchesStrategicMerge"] {
        if let Some(Value::Seq(items)) = stream.path(root, &[key]).map(|id| stream.value(Some(id)))
            && items.iter().any(listed)
        {
            return Ok(text.to_owned());
        }
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let item = format!("- path: {PATCH_FILE}");
    let (at, with) = match stream.get_entry(root, "patches") {
        None => {
            // A new key after the last entry of the root mapping, at its indentation.
            let indent = " ".repeat(stream.map_indent(root).unwrap_or(0));
            let end = stream.content_end(text, root).unwrap_or(text.len());
            let at = next_line_start(text, end);
            let mut with = format!("{indent}patches:{eol}{indent}{item}{eol}");
            if at == text.len() && !text.ends_with('\n') {
                with = format!("{eol}{}", with.trim_end_matches(eol));
            }
            (at..at, with)
        }
        Some((key, value)) => match &stream.nodes[value].kind {
            NodeKind::Seq { flow: false, items } if !items.is_empty() => {
                let first = stream.nodes[items[0]].span.start;
                let line = line_start(text, first);
                let dash = text[line..first].find('-').unwrap_or(0);
                let indent = &text[line..line + dash];
                let end = stream.content_end(text, value).unwrap_or(first);
                let at = next_line_start(text, end);
                let mut with = format!("{indent}{item}{eol}");
                if at == text.len() && !text.ends_with('\n') {
                    with = format!("{eol}{indent}{item}");
                }
                (at..at, with)
            }
            NodeKind::Seq { flow: true, items } => {
                let close = stream.nodes[value].span.end - 1;
                let sep = if items.is_empty() { "" } else { ", " };
                (close..close, format!("{sep}{{path: {PATCH_FILE}}}"))
            }
            _ if stream.is_null(value) => {
                let indent = " ".repeat(stream.nodes[key].col);
                let key_end = stream.nodes[key].span.end;
                let at = next_line_start(text, key_end);
                let mut with = format!("{indent}{item}{eol}");
                if at == text.len() && !text.ends_with('\n') {
                    with = format!("{eol}{indent}{item}");
                }
                (at..at, with)
            }
            _ => {
                return Err(EditError::Shape {
                    line: stream.nodes[value].line,
                    what: "patches".to_owned(),
                    problem: "is not a list".to_owned(),
                });
            }
        },
    };
    let mut out = String::with_capacity(text.len() + with.len());
    out.push_str(&text[..at.start]);
    out.push_str(&with);
    out.push_str(&text[at.end..]);
    verify(text, &out, at.start)?;
    Ok(out)
}

/// The edited kustomization must mean the original plus exactly the new `patches` item.
fn verify(before: &str, after: &str, at: usize) -> Result<(), EditError> {
    let line = line_of(before, at);
    let fail = |message: String| EditError::Verify { line, message };
    let old = yaml::parse(before).map_err(|e| fail(e.to_string()))?;
    let new = yaml::parse(after)
        .map_err(|e| fail(format!("the edited kustomization no longer parses: {e}")))?;
    let values = |s: &yaml::Stream| {
        s.docs
            .iter()
            .map(|d| s.value(d.root).to_json())
            .collect::<Vec<_>>()
    };
    let mut expected = values(&old);
    let item = serde_json::json!({ "path": PATCH_FILE });
    if let Some(root) = expected.iter_mut().find(|v| v.is_object()) {
        match root.get_mut("patches") {
            Some(serde_json::Value::Array(items)) => items.push(item),
            _ => {
                root["patches"] = serde_json::json!([item]);
            }
        }
    }
    if values(&new) != expected {
        return Err(fail(
            "the kustomization would change beyond the new patches entry".to_owned(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "kubectl.kubernetes.io/restartedAt";

    #[test]
    fn adds_patches_key_when_missing() {
        let text = "# overlay\nresources:\n- ../base\nnamespace: prod # the prod namespace\n";
        let out = add_to_kustomization(text).unwrap();
        assert_eq!(out, format!("{text}patches:\n- path: {PATCH_FILE}\n"));
        assert_eq!(add_to_kustomization(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn appends_to_block_list_with_its_indentation() {
        let text = "resources:\n  - ../base\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\nnamePrefix: prod-\n";
        let out = add_to_kustomization(text).unwrap();
        assert_eq!(
            out,
            "resources:\n  - ../base\npatches:\n  - path: replicas.yaml\n    target:\n      kind: Deployment\n  - path: gitops-restart-patch.yaml\nnamePrefix: prod-\n"
        );
    }

    #[test]
    fn flow_null_crlf_and_no_final_newline() {
        assert_eq!(
            add_to_kustomization("patches: []\n").unwrap(),
            "patches: [{path: gitops-restart-patch.yaml}]\n"
        );
        assert_eq!(
            add_to_kustomization("patches: [{path: a.yaml}]\n").unwrap(),
            "patches: [{path: a.yaml}, {path: gitops-restart-patch.yaml}]\n"
        );
        assert_eq!(
            add_to_kustomization("patches:\nresources: [a]\n").unwrap(),
            "patches:\n- path: gitops-restart-patch.yaml\nresources: [a]\n"
        );
        assert_eq!(
            add_to_kustomization("resources:\r\n- a\r\n").unwrap(),
            "resources:\r\n- a\r\npatches:\r\n- path: gitops-restart-patch.yaml\r\n"
        );
        assert_eq!(
            add_to_kustomization("resources:\n- a").unwrap(),
            "resources:\n- a\npatches:\n- path: gitops-restart-patch.yaml"
        );
    }

    #[test]
    fn refuses_what_it_cannot_edit() {
        assert!(matches!(
            add_to_kustomization("patches: x\n"),
            Err(EditError::Shape { .. })
        ));
        assert!(matches!(
            add_to_kustomization("{resources: [a]}\n"),
            Err(EditError::Shape { .. })
        ));
        assert!(matches!(
            add_to_kustomization("a: [\n"),
            Err(EditError::Parse { .. })
        ));
    }

    const V: &str = "2026-11-20T00:00:00Z";

    fn deployment(name: &str, namespace: Option<&str>) -> PatchEntry {
        PatchEntry {
            kind: "Deployment".into(),
            namespace: namespace.map(Into::into),
            name: name.into(),
            api_version: "apps/v1".into(),
            path: PatchEntry::workload_path("Deployment", A),
        }
    }

    #[test]
    fn a_new_file_has_one_document_per_entry_sorted() {
        let path = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        let rollout = PatchEntry {
            kind: "Rollout".into(),
            namespace: None,
            name: "b".into(),
            api_version: "argoproj.io/v1alpha1".into(),
            path: PatchEntry::workload_path("Rollout", A),
        };
        let release = PatchEntry {
            kind: "HelmRelease".into(),
            namespace: Some("podinfo".into()),
            name: "podinfo".into(),
            api_version: "helm.toolkit.fluxcd.io/v2".into(),
            path: path(&["spec", "values", "podAnnotations", A]),
        };
        let entries = [
            rollout.clone(),
            deployment("a", Some("shop")),
            release.clone(),
        ];
        let edited = edit(None, &entries, V).unwrap();
        assert_eq!(
            edited.text,
            format!(
                "{HEADER}---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: a
  namespace: shop
spec:
  template:
    metadata:
      annotations:
        {A}: \"{V}\"
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  values:
    podAnnotations:
      {A}: \"{V}\"
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: b
spec:
  restartAt: \"{V}\"
"
            )
        );
        assert_eq!(edited.lines, [26, 5, 16]);
        assert_eq!(
            current(&edited.text, &rollout),
            Some((Some(V.to_owned()), 26))
        );
        assert_eq!(
            edit(Some(&edited.text), &entries, V).unwrap().text,
            edited.text,
            "a second run changes nothing"
        );
    }

    #[test]
    fn names_yaml_would_misread_are_quoted() {
        for name in ["null", "web #c", "true", "0755", "- x", "a: b", "~"] {
            let entry = deployment(name, Some("on"));
            let edited = edit(None, std::slice::from_ref(&entry), V).unwrap();
            let stream = yaml::parse(&edited.text).unwrap();
            let doc = stream.value(stream.docs[0].root).to_json();
            assert_eq!(doc["metadata"]["name"], name, "{}", edited.text);
            assert_eq!(doc["metadata"]["namespace"], "on", "{}", edited.text);
            assert_eq!(current(&edited.text, &entry).unwrap().0.as_deref(), Some(V));
        }
    }

    #[test]
    fn an_existing_file_is_edited_not_regenerated() {
        let text = "# prod keeps three replicas; added by hand\r\n\
                    apiVersion: apps/v1\r\n\
                    kind: Deployment\r\n\
                    metadata:\r\n  name: web\r\n  namespace: shop\r\n\
                    spec:\r\n  replicas: 3   # prod\r\n  template:\r\n    metadata:\r\n\
                    \x20     annotations:\r\n        team: 'payments'\r\n\
                    \x20       kubectl.kubernetes.io/restartedAt: '2026-01-01T00:00:00Z'\r\n\
                    ---\r\n\
                    apiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: extra\r\n\
                    data: {a: b}";
        let entries = [
            deployment("web", Some("shop")),
            deployment("api", Some("shop")),
        ];
        let edited = edit(Some(text), &entries, V).unwrap();
        let expected = text.replace("'2026-01-01T00:00:00Z'", &format!("'{V}'"))
            + "\r\n---\r\napiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: api\r\n  \
               namespace: shop\r\nspec:\r\n  template:\r\n    metadata:\r\n      annotations:\r\n        \
               kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\r\n";
        assert_eq!(edited.text, expected);
        assert_eq!(edited.lines, [2, 21]);
        assert_eq!(
            edit(Some(&edited.text), &entries, V).unwrap().text,
            edited.text
        );
    }

    #[test]
    fn a_document_without_the_value_gets_it_in_place() {
        let text =
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n";
        let edited = edit(Some(text), &[deployment("web", None)], V).unwrap();
        assert_eq!(
            edited.text,
            format!("{text}  template:\n    metadata:\n      annotations:\n        {A}: \"{V}\"\n")
        );
    }

    #[test]
    fn what_cannot_be_edited_safely_is_refused() {
        let entry = [deployment("web", None)];
        for text in [
            "a: [\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: {{ .name }}}\n",
            "base: &b {annotations: {}}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata: *b\n",
        ] {
            assert!(edit(Some(text), &entry, V).is_err(), "{text}");
        }
    }
}
