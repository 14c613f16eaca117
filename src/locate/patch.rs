//! The overlay patch: how a restart reaches one overlay when the manifest is shared.
//!
//! gitops-restart owns one file per overlay, [`PATCH_FILE`], a strategic-merge patch with one
//! document per restarted workload, and lists it once under the kustomization's `patches`. A later
//! run rewrites the file (same order, same layout, so only the values change) and leaves the
//! kustomization alone. The kustomization edit is a lossless splice, checked by re-parsing like
//! every other edit. Pure: text in, text out.

use crate::edit::{EditError, double_quoted};
use crate::yaml::{self, NodeKind, Value, line_of, line_start, next_line_start};

/// The patch file's name, in the overlay folder.
pub const PATCH_FILE: &str = "gitops-restart-patch.yaml";

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
    /// The restart value.
    pub value: String,
}

impl PatchEntry {
    /// The path a workload of `kind` is restarted at.
    pub fn workload_path(kind: &str, annotation: &str) -> Vec<String> {
        let keys: &[&str] = if kind == "Rollout" {
            &["spec", "restartAt"]
        } else {
            &["spec", "template", "metadata", "annotations", annotation]
        };
        keys.iter().map(|k| (*k).to_owned()).collect()
    }
}

/// The patch file's text for `entries` (sorted, so that re-runs produce the same bytes).
pub fn render(entries: &[PatchEntry]) -> String {
    let mut entries = entries.to_vec();
    entries.sort();
    entries.dedup_by(|a, b| a.kind == b.kind && a.namespace == b.namespace && a.name == b.name);
    let mut out = String::from(
        "# Written by gitops-restart: restarts these workloads in this overlay only, because their\n\
         # manifests are shared with other overlays. Later runs update the values here.\n",
    );
    for e in &entries {
        out.push_str("---\n");
        out.push_str(&format!(
            "apiVersion: {}\nkind: {}\nmetadata:\n  name: {}\n",
            e.api_version, e.kind, e.name
        ));
        if let Some(ns) = &e.namespace {
            out.push_str(&format!("  namespace: {ns}\n"));
        }
        for (depth, k) in e.path.iter().enumerate() {
            out.push_str(&"  ".repeat(depth));
            out.push_str(&key(k));
            if depth + 1 == e.path.len() {
                out.push_str(&format!(": {}\n", double_quoted(&e.value)));
            } else {
                out.push_str(":\n");
            }
        }
    }
    out
}

/// The entries of an existing patch file; documents it doesn't understand are dropped (the file
/// is gitops-restart's own).
pub fn read(text: &str, annotation: &str) -> Vec<PatchEntry> {
    let Ok(stream) = yaml::parse(text) else {
        return Vec::new();
    };
    stream
        .docs
        .iter()
        .filter_map(|doc| {
            let root = doc.root?;
            let s = |path: &[&str]| stream.path_str(root, path).map(str::to_owned);
            let mut path = vec!["spec".to_owned()];
            let (rest, value) = leaf(&stream.value(stream.path(root, &["spec"])), annotation)?;
            path.extend(rest);
            Some(PatchEntry {
                api_version: s(&["apiVersion"])?,
                kind: s(&["kind"])?,
                name: s(&["metadata", "name"])?,
                namespace: s(&["metadata", "namespace"]),
                path,
                value,
            })
        })
        .collect()
}

/// The path to and value of the one restart value under `value` (a key equal to the annotation,
/// or `restartAt`), following single-key mappings as the patch file writes them.
fn leaf(value: &Value, annotation: &str) -> Option<(Vec<String>, String)> {
    let Value::Map(entries) = value else {
        return None;
    };
    for (k, v) in entries {
        let Value::Scalar { text: key, .. } = k else {
            continue;
        };
        match v {
            Value::Scalar { text, .. } if key == annotation || key == "restartAt" => {
                return Some((vec![key.clone()], text.clone()));
            }
            Value::Map(_) => {
                if let Some((mut rest, found)) = leaf(v, annotation) {
                    rest.insert(0, key.clone());
                    return Some((rest, found));
                }
            }
            _ => {}
        }
    }
    None
}

fn key(annotation: &str) -> String {
    if annotation
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "./-_".contains(c))
    {
        annotation.to_owned()
    } else {
        double_quoted(annotation)
    }
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

    #[test]
    fn patch_file_round_trips() {
        let path = |keys: &[&str]| keys.iter().map(|k| (*k).to_owned()).collect::<Vec<_>>();
        let entries = vec![
            PatchEntry {
                kind: "Rollout".into(),
                namespace: None,
                name: "b".into(),
                api_version: "argoproj.io/v1alpha1".into(),
                path: PatchEntry::workload_path("Rollout", A),
                value: "2026-11-20T00:00:00Z".into(),
            },
            PatchEntry {
                kind: "Deployment".into(),
                namespace: Some("shop".into()),
                name: "a".into(),
                api_version: "apps/v1".into(),
                path: PatchEntry::workload_path("Deployment", A),
                value: "2026-11-20T00:00:00Z".into(),
            },
            PatchEntry {
                kind: "HelmRelease".into(),
                namespace: Some("podinfo".into()),
                name: "podinfo".into(),
                api_version: "helm.toolkit.fluxcd.io/v2".into(),
                path: path(&["spec", "values", "podAnnotations", A]),
                value: "2026-11-20T00:00:00Z".into(),
            },
        ];
        let text = render(&entries);
        let mut sorted = entries.clone();
        sorted.sort();
        assert_eq!(read(&text, A), sorted);
        assert_eq!(render(&read(&text, A)), text);
    }
}
