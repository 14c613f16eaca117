//! The whole tool against 1,500 real-world manifests (`tests/corpus`, byte-exact copies from the
//! public repositories its SOURCES.md names), checked by an independent checker.
//!
//! The corpus is copied into a temporary directory and `apply --all-workloads` runs over it. Then,
//! file by file, the text before and after is compared with code that shares nothing with the
//! crate's `yaml`/`edit` modules: documents are parsed with serde-saphyr into `serde_json::Value`,
//! workloads are recognised from those values, kustomizations are read for patch-only files, Helm
//! templates are recognised by their folder or by a small lexical scan for a `{{` that starts a value.
//!
//! What must hold (each failure is collected with the file and the reason; the test fails with
//! the full list):
//! - Every restartable workload in a parseable, non-template file carries the restart value, and
//!   each document equals its original once the restart value (and a `metadata`/`annotations` map
//!   that only exists to hold it) is taken away. Every other document is unchanged.
//! - Files without a workload, unparseable files and templates are byte-identical.
//! - Line endings, the final-newline state and a byte order mark are kept.
//! - The line diff holds only restart lines: see [`check_line_diff`] for the precise rule.
//! - The report's `bump` workloads match the checker's file by file, and the report's `edits`
//!   list exactly the changed files; FILES.tsv's `target_workloads` agrees with the checker's
//!   count of workload objects in every file both could parse.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use serde_json::{Map, Value};
use similar::{DiffTag, TextDiff};

const ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";
const ROLLOUT_KEY: &str = "restartAt";
const VALUE: &str = "2026-11-20T00:00:00Z";

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Where the restart value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `spec.template.metadata.annotations[ANNOTATION]`.
    PodTemplate,
    /// `spec.restartAt` of an Argo Rollout.
    Rollout,
}

/// Whether `doc` is one of the four workload kinds, whatever its API group (as FILES.tsv counts).
fn has_workload_kind(doc: &Value) -> bool {
    let kind = doc.get("kind").and_then(Value::as_str);
    matches!(
        kind,
        Some("Deployment" | "StatefulSet" | "DaemonSet" | "Rollout")
    )
}

/// Whether `doc` declares one of the four workload kinds in its API group, whatever its shape.
fn is_workload_object(doc: &Value) -> Option<Target> {
    let kind = doc.get("kind")?.as_str()?;
    let api = doc.get("apiVersion")?.as_str()?;
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet"
            if api.starts_with("apps/") || api.starts_with("extensions/") =>
        {
            Some(Target::PodTemplate)
        }
        "Rollout" if api.starts_with("argoproj.io/") => Some(Target::Rollout),
        _ => None,
    }
}

/// Whether `doc` is a restartable workload: the right kind, a pod template with a pod spec (or a
/// Rollout `workloadRef`), and no `$patch` marker.
fn restartable(doc: &Value) -> Option<Target> {
    let target = is_workload_object(doc)?;
    if doc.get("$patch").is_some() || path(doc, &["spec", "$patch"]).is_some() {
        return None;
    }
    let pod_spec = path(doc, &["spec", "template", "spec"]).is_some_and(Value::is_object);
    let workload_ref = target == Target::Rollout
        && path(doc, &["spec", "workloadRef"]).is_some_and(Value::is_object);
    (pod_spec || workload_ref).then_some(target)
}

fn path<'v>(doc: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(doc, |v, k| v.as_object()?.get(*k))
}

fn path_mut<'v>(doc: &'v mut Value, keys: &[&str]) -> Option<&'v mut Map<String, Value>> {
    keys.iter()
        .try_fold(doc, |v, k| v.as_object_mut()?.get_mut(*k))?
        .as_object_mut()
}

/// All documents of a file; empty and null documents are left out (on both sides alike).
///
/// A repeated key makes the file unparseable, as kustomize (and gitops-restart) refuse it:
/// three Deployments in the corpus repeat `spec.selector`, which PyYAML (FILES.tsv) and
/// Kubernetes' non-strict decoding accept.
fn parse_docs(text: &str) -> Result<Vec<Value>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let options = serde_saphyr::options! {
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::Error,
        with_snippet: false,
    };
    serde_saphyr::from_multiple_with_options::<Value>(text, options).map_err(|e| e.to_string())
}

/// `doc` with the restart value taken away, and the maps removed (or reset to what `original`
/// had there) that exist only to hold it.
fn without_restart(doc: &Value, target: Target, original: &Value) -> Value {
    let mut doc = doc.clone();
    match target {
        Target::Rollout => {
            if let Some(spec) = path_mut(&mut doc, &["spec"]) {
                spec.remove(ROLLOUT_KEY);
            }
        }
        Target::PodTemplate => {
            if let Some(annotations) =
                path_mut(&mut doc, &["spec", "template", "metadata", "annotations"])
            {
                annotations.remove(ANNOTATION);
            }
            for depth in [4, 3] {
                let keys = &["spec", "template", "metadata", "annotations"][..depth];
                let (parent, key) = (&keys[..depth - 1], keys[depth - 1]);
                let created = path(&doc, keys)
                    .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
                    && !path(original, keys).is_some_and(Value::is_object);
                if created {
                    let was = path(original, keys).cloned();
                    let map = path_mut(&mut doc, parent).expect("the parent of a map is a map");
                    match was {
                        Some(was) => map.insert(key.to_owned(), was),
                        None => map.remove(key),
                    };
                }
            }
        }
    }
    doc
}

/// The restart value a document carries, if any.
fn restart_value(doc: &Value, target: Target) -> Option<&Value> {
    match target {
        Target::Rollout => path(doc, &["spec", ROLLOUT_KEY]),
        Target::PodTemplate => path(
            doc,
            &["spec", "template", "metadata", "annotations", ANNOTATION],
        ),
    }
}

fn describe(doc: &Value) -> String {
    let field = |keys: &[&str]| {
        path(doc, keys)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_owned()
    };
    format!("{} {}", field(&["kind"]), field(&["metadata", "name"]))
}

// --- Helm templates -------------------------------------------------------------------------

/// Whether `rel` lies under a `templates/` folder that sits beside a `Chart.yaml`.
fn in_chart_templates(root: &Path, rel: &str) -> bool {
    Path::new(rel).ancestors().skip(1).any(|dir| {
        dir.file_name().is_some_and(|n| n == "templates")
            && dir
                .parent()
                .is_some_and(|chart| root.join(chart).join("Chart.yaml").is_file())
    })
}

/// The 1-based line of the first `{{` that starts a value in plain YAML text (outside comments,
/// quoted strings and block scalars): at a line's start, after `key: `, `- ` or `? `, or after
/// a flow collection's `[`, `{` or `,`. There it can't be text (a plain scalar never starts with
/// `{`): it opens a flow mapping, or doesn't parse. A `{{` inside a plain scalar
/// (`summary: Instance {{ $labels.instance }} down`) is text, and the file a manifest. A lexical
/// scan, line by line, that follows quoted strings across lines; it takes the continuation line
/// of a multi-line plain scalar that starts with `{{` for a template (the corpus has none).
fn plain_template_line(text: &str) -> Option<usize> {
    if !text.contains("{{") {
        return None;
    }
    // The column that a block scalar's content lines must be deeper than.
    let mut block_parent: Option<usize> = None;
    let mut quote: Option<char> = None;
    for (number, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(parent) = block_parent {
            if trimmed.is_empty() || indent > parent {
                continue;
            }
            block_parent = None;
        }
        let code = plain_code(line, &mut quote);
        if code
            .match_indices("{{")
            .any(|(at, _)| value_start(&code[..at]))
        {
            return Some(number + 1);
        }
        let code = code.trim_end();
        let indicator = code.trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '+');
        if quote.is_none()
            && (indicator.ends_with('|') || indicator.ends_with('>'))
            && indicator[..indicator.len() - 1]
                .trim_end()
                .ends_with([':', '-'])
        {
            // `key: |` nests under the key; `- |` under its dash.
            let mut rest = trimmed;
            let mut column = indent;
            let mut dash = indent;
            while let Some(after) = rest.strip_prefix("- ") {
                let after_trimmed = after.trim_start();
                dash = column;
                column += rest.len() - after_trimmed.len();
                rest = after_trimmed;
            }
            block_parent = Some(if rest.starts_with(['|', '>']) {
                dash
            } else {
                column
            });
        }
    }
    None
}

/// `line` with quoted strings blanked out and any comment cut off. `quote` carries an open
/// quoted string from line to line.
fn plain_code(line: &str, quote: &mut Option<char>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut previous = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match *quote {
            Some('\'') if c == '\'' => {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    *quote = None;
                }
            }
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => *quote = None,
            Some(_) => {}
            None if c == '#' && previous.is_whitespace() => break,
            None if (c == '\'' || c == '"') && token_start(&out) => {
                *quote = Some(c);
                out.push(' ');
            }
            None => out.push(c),
        }
        previous = c;
    }
    out
}

/// Whether a scalar may start here: at the line start or after an indicator and space.
fn token_start(before: &str) -> bool {
    let before = before.trim_end();
    before.is_empty() || before.ends_with([':', '-', '[', '{', ',', '?'])
}

/// Whether a value starts right after `before` (a line's code up to a `{{`): nothing but
/// indentation, a `key:`, `-` or `?` indicator followed by a space, or a flow collection's
/// opening bracket or comma.
fn value_start(before: &str) -> bool {
    let trimmed = before.trim_end();
    let spaced = trimmed.len() < before.len();
    trimmed.is_empty()
        || (spaced && trimmed.ends_with([':', '-', '?']))
        || (trimmed.contains(['[', '{']) && trimmed.ends_with(['[', '{', ',']))
}

// --- Kustomizations -------------------------------------------------------------------------

/// Files that kustomizations list as patches and never as resources.
fn patch_only_files(parsed: &BTreeMap<String, Result<Vec<Value>, String>>) -> BTreeSet<String> {
    let mut patches = BTreeSet::new();
    let mut resources = BTreeSet::new();
    for (rel, docs) in parsed {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        if !matches!(
            name,
            "kustomization.yaml" | "kustomization.yml" | "Kustomization"
        ) {
            continue;
        }
        let Ok(docs) = docs else { continue };
        let dir = rel.rsplit_once('/').map_or("", |(dir, _)| dir);
        let strings = |doc: &Value, key: &str| -> Vec<String> {
            doc.get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().or_else(|| v.get("path")?.as_str()))
                .filter_map(|r| normalize(dir, r))
                .collect()
        };
        for doc in docs {
            resources.extend(strings(doc, "resources"));
            for key in ["patchesStrategicMerge", "patches", "patchesJson6902"] {
                patches.extend(strings(doc, key));
            }
        }
    }
    patches.difference(&resources).cloned().collect()
}

/// `dir/reference` normalised lexically to a corpus-relative path.
fn normalize(dir: &str, reference: &str) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for part in Path::new(dir).join(reference).components() {
        match part {
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            _ => {}
        }
    }
    Some(parts.join("/"))
}

// --- Bytes and lines ------------------------------------------------------------------------

fn count_line_endings(text: &str) -> (usize, usize) {
    let crlf = text.matches("\r\n").count();
    (crlf, text.matches('\n').count() - crlf)
}

/// Line endings, the final-newline state and a byte order mark.
fn check_bytes(before: &str, after: &str, problems: &mut Vec<String>) {
    let (crlf_before, lf_before) = count_line_endings(before);
    let (crlf_after, lf_after) = count_line_endings(after);
    if crlf_before > 0 && lf_before == 0 && lf_after > 0 {
        problems.push(format!("CRLF file gained {lf_after} bare LF line endings"));
    }
    if crlf_before == 0 && crlf_after > 0 {
        problems.push(format!("LF file gained {crlf_after} CRLF line endings"));
    }
    if before.matches('\r').count() - crlf_before != after.matches('\r').count() - crlf_after {
        problems.push("the number of lone CRs changed".to_owned());
    }
    if before.ends_with('\n') != after.ends_with('\n') {
        problems.push(format!(
            "final newline {}",
            if before.ends_with('\n') {
                "removed"
            } else {
                "added"
            }
        ));
    }
    if before.starts_with('\u{feff}') != after.starts_with('\u{feff}') {
        problems.push("byte order mark added or removed".to_owned());
    }
}

/// What an edit may have to add to a document besides the restart line.
#[derive(Debug, Default)]
struct Allowance {
    /// Workloads restarted in the file: one restart line (or one rewritten line) each.
    restarts: usize,
    /// Pod templates without a `metadata` map.
    metadata: usize,
    /// Pod templates without an `annotations` map.
    annotations: usize,
}

fn unterminated(line: &str) -> &str {
    line.strip_suffix('\n')
        .map_or(line, |l| l.strip_suffix('\r').unwrap_or(l))
}

fn unquote(s: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|s| s.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// `key: value` split at the first `: ` (or a final `:`), keys and values unquoted.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let line = unterminated(line).trim();
    let (key, value) = line
        .split_once(": ")
        .or_else(|| Some((line.strip_suffix(':')?, "")))?;
    Some((unquote(key.trim()), value.trim()))
}

/// A restart line: `ANNOTATION: VALUE` or `restartAt: VALUE`, either side optionally quoted;
/// with `any_value`, whatever the value (an old restart value being replaced).
fn is_restart_line(line: &str, any_value: bool) -> bool {
    key_value(line).is_some_and(|(k, v)| {
        (k == ANNOTATION || k == ROLLOUT_KEY) && (any_value || unquote(v) == VALUE)
    })
}

/// A bare `key:` line with nothing after the colon.
fn is_bare_key(line: &str, key: &str) -> bool {
    key_value(line).is_some_and(|(k, v)| k == key && v.is_empty())
}

/// The indentation and `- ` markers before a line's first key.
fn line_prefix(line: &str) -> &str {
    let mut rest = line.trim_start();
    while let Some(after) = rest.strip_prefix("- ") {
        rest = after.trim_start();
    }
    &line[..line.len() - rest.len()]
}

/// How an inserted line relates to the deleted line it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rewrite {
    /// The same text; only the missing final line break was added before appending after it.
    Terminated,
    /// `key: {…}` / `key:` (null) / `key: {}` rewritten as a flow map holding the restart value.
    Inline,
    /// `key: {}` / `key: ~` / `key: null` rewritten as a bare `key:` with the value on new lines.
    Block,
}

/// Whether `inserted` may replace `deleted`, and how.
///
/// Precisely: both lines have the same indentation and `- ` markers and the same key, which is
/// `annotations`, `metadata` or `spec`; the deleted value parses as a flow map or null. Then
/// either the inserted line is the bare `key:` and the deleted value was null or `{}`
/// ([`Rewrite::Block`]), or the inserted value parses as a flow map that equals the deleted one
/// plus exactly the restart value at its place ([`Rewrite::Inline`]): `annotations` gains the
/// annotation, `metadata` gains it inside `annotations`, `spec` gains `restartAt`.
fn rewrite(deleted: &str, inserted: &str, deleted_is_last: bool) -> Option<Rewrite> {
    let (d, i) = (unterminated(deleted), unterminated(inserted));
    if d == i {
        return (deleted_is_last && d.len() == deleted.len()).then_some(Rewrite::Terminated);
    }
    let prefix = line_prefix(d);
    if line_prefix(i) != prefix {
        return None;
    }
    let (dk, dv) = key_value(&d[prefix.len()..])?;
    let (ik, iv) = key_value(&i[prefix.len()..])?;
    if dk != ik || !matches!(dk, "annotations" | "metadata" | "spec") {
        return None;
    }
    let flow = |v: &str| -> Option<Map<String, Value>> {
        match serde_saphyr::from_str::<Value>(v).ok()? {
            Value::Null => Some(Map::new()),
            Value::Object(map) => Some(map),
            _ => None,
        }
    };
    let old = if dv.is_empty() { Map::new() } else { flow(dv)? };
    if iv.is_empty() {
        return (old.is_empty() && !dv.is_empty()).then_some(Rewrite::Block);
    }
    let mut expected = old;
    let restart = |map: &mut Map<String, Value>| {
        map.insert(ANNOTATION.to_owned(), Value::String(VALUE.to_owned()));
    };
    match dk {
        "annotations" => restart(&mut expected),
        "metadata" => {
            let annotations = expected
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if annotations.is_null() {
                *annotations = Value::Object(Map::new());
            }
            restart(annotations.as_object_mut()?);
        }
        _ => {
            expected.insert(ROLLOUT_KEY.to_owned(), Value::String(VALUE.to_owned()));
        }
    }
    (flow(iv)? == expected).then_some(Rewrite::Inline)
}

/// The line diff of a changed file holds only restart lines.
///
/// Precisely, for each non-equal hunk of `TextDiff::from_lines`:
/// - a removed line is a restart line (any value: an old restart value replaced), or it is paired
///   with an added line of the same hunk per [`rewrite`];
/// - every other added line is a restart line with the new value ([`is_restart_line`]), or a bare
///   `metadata:` / `annotations:` key line;
/// - over the file, bare `metadata:` lines number at most the pod templates that had no
///   `metadata` map, bare `annotations:` lines at most those that had no `annotations` map
///   (counting block rewrites), and the restart lines plus inline rewrites number exactly the
///   workloads restarted.
fn check_line_diff(
    before: &str,
    after: &str,
    allowance: &Allowance,
    counts: &mut EditCounts,
    problems: &mut Vec<String>,
) {
    let diff = TextDiff::from_lines(before, after);
    let old: Vec<&str> = diff.iter_old_slices().collect();
    let new: Vec<&str> = diff.iter_new_slices().collect();
    let (mut restarts, mut metadata, mut annotations, mut rewrites) = (0, 0, 0, 0);
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == DiffTag::Equal {
            continue;
        }
        let mut used = vec![false; new_range.len()];
        for o in old_range {
            let deleted = old[o];
            if is_restart_line(deleted, true) {
                continue;
            }
            let paired = new_range.clone().enumerate().find_map(|(slot, n)| {
                let how = rewrite(deleted, new[n], o + 1 == old.len()).filter(|_| !used[slot])?;
                used[slot] = true;
                Some((n, how))
            });
            match paired {
                Some((_, Rewrite::Terminated)) => {}
                Some((_, Rewrite::Inline)) => {
                    rewrites += 1;
                    restarts += 1;
                }
                Some((n, Rewrite::Block)) => {
                    rewrites += 1;
                    if is_bare_key(new[n], "annotations") {
                        annotations += 1;
                    }
                }
                None => problems.push(format!(
                    "line {}: removed {:?}",
                    o + 1,
                    unterminated(deleted)
                )),
            }
        }
        for (slot, n) in new_range.enumerate() {
            let inserted = new[n];
            if used[slot] {
            } else if is_restart_line(inserted, false) {
                restarts += 1;
            } else if is_bare_key(inserted, "metadata") {
                metadata += 1;
            } else if is_bare_key(inserted, "annotations") {
                annotations += 1;
            } else {
                problems.push(format!(
                    "line {} (after): added {:?}",
                    n + 1,
                    unterminated(inserted)
                ));
            }
        }
    }
    if metadata > allowance.metadata {
        problems.push(format!(
            "{metadata} `metadata:` lines added, but only {} pod templates lacked one",
            allowance.metadata
        ));
    }
    if annotations > allowance.annotations {
        problems.push(format!(
            "{annotations} `annotations:` lines added, but only {} pod templates lacked a map",
            allowance.annotations
        ));
    }
    if restarts != allowance.restarts {
        problems.push(format!(
            "{restarts} restart lines (or inline rewrites) for {} restarted workloads",
            allowance.restarts
        ));
    }
    counts.metadata_lines += metadata;
    counts.annotations_lines += annotations;
    counts.rewritten_lines += rewrites;
}

/// What the edits did, over the corpus.
#[derive(Debug, Default)]
struct EditCounts {
    restarted_pod_templates: usize,
    restarted_rollouts: usize,
    metadata_lines: usize,
    annotations_lines: usize,
    rewritten_lines: usize,
}

/// Check a file whose documents `targets` (index, where) must have been restarted: every target
/// carries the value, every document otherwise equals its original, and the bytes and the line
/// diff hold only the restart. Returns the problems found.
fn check_restarted(
    before: &str,
    after: &[u8],
    before_docs: &[Value],
    targets: &[(usize, Target)],
    counts: &mut EditCounts,
) -> Vec<String> {
    let mut problems = Vec::new();
    let Ok(after) = std::str::from_utf8(after) else {
        return vec!["no longer UTF-8".to_owned()];
    };
    let after_docs = match parse_docs(after) {
        Ok(docs) => docs,
        Err(e) => return vec![format!("no longer parses: {e}")],
    };
    if after_docs.len() != before_docs.len() {
        return vec![format!(
            "{} documents became {}",
            before_docs.len(),
            after_docs.len()
        )];
    }
    let mut allowance = Allowance {
        restarts: targets.len(),
        ..Allowance::default()
    };
    for (i, (old, new)) in before_docs.iter().zip(&after_docs).enumerate() {
        let Some(&(_, target)) = targets.iter().find(|(t, _)| *t == i) else {
            if old != new {
                problems.push(format!(
                    "document {} ({}) changed, but is no workload",
                    i + 1,
                    describe(old)
                ));
            }
            continue;
        };
        match restart_value(new, target) {
            Some(Value::String(v)) if v == VALUE => match target {
                Target::PodTemplate => counts.restarted_pod_templates += 1,
                Target::Rollout => counts.restarted_rollouts += 1,
            },
            other => problems.push(format!(
                "document {} ({}) not restarted: restart value {other:?}",
                i + 1,
                describe(old)
            )),
        }
        if target == Target::PodTemplate {
            if !path(old, &["spec", "template", "metadata"]).is_some_and(Value::is_object) {
                allowance.metadata += 1;
            }
            if !path(old, &["spec", "template", "metadata", "annotations"])
                .is_some_and(Value::is_object)
            {
                allowance.annotations += 1;
            }
        }
        if without_restart(new, target, old) != without_restart(old, target, old) {
            problems.push(format!(
                "document {} ({}) changed beyond the restart value",
                i + 1,
                describe(old)
            ));
        }
    }
    if before != after {
        check_bytes(before, after, &mut problems);
        check_line_diff(before, after, &allowance, counts, &mut problems);
    }
    problems
}

// --- The run --------------------------------------------------------------------------------

/// Every file under `root` (relative, `/`-separated, sorted), copied to `to` when given.
fn files_under(root: &Path, rel: &str, out: &mut Vec<String>) {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry"))
        .collect();
    entries.sort_by_key(std::fs::DirEntry::file_name);
    for entry in entries {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let file_type = entry.file_type().expect("a file type");
        if file_type.is_dir() {
            files_under(root, &child, out);
        } else if file_type.is_file() {
            out.push(child);
        }
    }
}

fn is_manifest_name(rel: &str) -> bool {
    Path::new(rel)
        .extension()
        .is_some_and(|e| e == "yaml" || e == "yml")
        || rel.ends_with("/Kustomization")
}

/// FILES.tsv: path → (parse_ok, target_workloads).
fn read_tsv(root: &Path) -> BTreeMap<String, (bool, usize)> {
    let text = std::fs::read_to_string(root.join("FILES.tsv")).expect("FILES.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split('\t').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("a FILES.tsv column")
    };
    let (path, parse_ok, targets) = (
        column("path"),
        column("parse_ok"),
        column("target_workloads"),
    );
    lines
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            let count = cells[targets]
                .parse()
                .expect("target_workloads is a number");
            (cells[path].to_owned(), (cells[parse_ok] == "yes", count))
        })
        .collect()
}

#[derive(Default)]
struct Totals {
    files: usize,
    manifests: usize,
    unparseable: usize,
    templates: usize,
    patch_only_docs: usize,
    workload_objects: usize,
    wrong_api_group: usize,
    not_restartable_objects: usize,
    target_files: usize,
    edits: EditCounts,
    tsv_compared_files: usize,
    tsv_targets: usize,
    tsv_targets_compared: usize,
}

/// The checker's findings over the corpus.
#[derive(Default)]
struct Findings {
    totals: Totals,
    violations: Vec<(String, String)>,
    /// Restartable workloads per file.
    expected_bumps: BTreeMap<String, usize>,
    changed: BTreeSet<String>,
    templates: BTreeSet<String>,
}

impl Findings {
    fn flag(&mut self, file: &str, reason: String) {
        self.violations.push((file.to_owned(), reason));
    }

    /// Check one manifest file, `before` and `after` the run.
    fn check_manifest(
        &mut self,
        corpus: &Corpus,
        rel: &str,
        before_bytes: &[u8],
        after_bytes: &[u8],
    ) {
        if before_bytes != after_bytes {
            self.changed.insert(rel.to_owned());
        }
        let template = in_chart_templates(&corpus.root, rel)
            || std::str::from_utf8(before_bytes)
                .ok()
                .and_then(plain_template_line)
                .is_some();
        let before_docs = match (&corpus.parsed[rel], template) {
            (Ok(docs), false) => docs,
            (result, _) => {
                if template {
                    self.totals.templates += 1;
                    self.templates.insert(rel.to_owned());
                } else {
                    self.totals.unparseable += 1;
                }
                if before_bytes != after_bytes {
                    let what = match result {
                        Err(e) => format!("unparseable ({e})"),
                        Ok(_) => "a Helm template".to_owned(),
                    };
                    self.flag(rel, format!("{what}, but changed"));
                }
                return;
            }
        };
        let objects = before_docs
            .iter()
            .filter(|d| is_workload_object(d).is_some())
            .count();
        let kinds = before_docs.iter().filter(|d| has_workload_kind(d)).count();
        self.totals.workload_objects += objects;
        self.totals.wrong_api_group += kinds - objects;
        if let Some((true, tsv_count)) = corpus.tsv.get(rel) {
            self.totals.tsv_compared_files += 1;
            self.totals.tsv_targets_compared += tsv_count;
            if *tsv_count != kinds {
                self.flag(
                    rel,
                    format!("FILES.tsv counts {tsv_count} workloads, the checker {kinds}"),
                );
            }
        }
        let targets: Vec<(usize, Target)> = if corpus.patch_only.contains(rel) {
            self.totals.patch_only_docs += objects;
            Vec::new()
        } else {
            let targets: Vec<_> = before_docs
                .iter()
                .enumerate()
                .filter_map(|(i, d)| Some((i, restartable(d)?)))
                .collect();
            self.totals.not_restartable_objects += objects - targets.len();
            targets
        };
        if targets.is_empty() {
            if before_bytes != after_bytes {
                self.flag(rel, "no restartable workload, but changed".to_owned());
            }
            return;
        }
        self.totals.target_files += 1;
        self.expected_bumps.insert(rel.to_owned(), targets.len());
        let before = std::str::from_utf8(before_bytes).expect("parsed, so UTF-8");
        for problem in check_restarted(
            before,
            after_bytes,
            before_docs,
            &targets,
            &mut self.totals.edits,
        ) {
            self.flag(rel, problem);
        }
    }

    /// The report's bumps and edits against the checker's. Returns the number of bumps.
    fn check_report(&mut self, report: &Value) -> usize {
        let mut reported: BTreeMap<String, usize> = BTreeMap::new();
        for w in report["workloads"].as_array().expect("report.workloads") {
            let file = w["file"].as_str().unwrap_or("?").to_owned();
            if w["action"] == "bump" {
                *reported.entry(file).or_default() += 1;
            } else {
                let reason = format!(
                    "the report says {} for {}: {}",
                    w["action"], w["name"], w["reason"]
                );
                self.flag(&file, reason);
            }
        }
        let files: BTreeSet<String> = self
            .expected_bumps
            .keys()
            .chain(reported.keys())
            .cloned()
            .collect();
        for file in files {
            let expected = self.expected_bumps.get(&file).copied().unwrap_or(0);
            let got = reported.get(&file).copied().unwrap_or(0);
            if expected != got {
                self.flag(
                    &file,
                    format!("the report bumps {got} workloads, the checker expects {expected}"),
                );
            }
        }
        let edits: BTreeSet<String> = report["edits"]
            .as_array()
            .expect("report.edits")
            .iter()
            .map(|e| e["file"].as_str().unwrap_or("?").to_owned())
            .collect();
        let disagree: Vec<String> = edits.symmetric_difference(&self.changed).cloned().collect();
        for file in disagree {
            let reason = format!(
                "changed on disk: {}, listed in the report's edits: {}",
                self.changed.contains(&file),
                edits.contains(&file)
            );
            self.flag(&file, reason);
        }
        reported.values().sum()
    }

    fn print_summary(&self, report: &Value, reported_total: usize) {
        let skipped_files: BTreeSet<&str> = report["skipped_files"]
            .as_array()
            .expect("report.skipped_files")
            .iter()
            .filter_map(|s| s["file"].as_str())
            .collect();
        for file in &self.templates {
            if !skipped_files.contains(file.as_str()) {
                println!(
                    "note: {file} looks like a template to the checker; the tool read it (it has no workload)"
                );
            }
        }
        let t = &self.totals;
        println!(
            "corpus: {} files, {} manifests ({} unparseable, {} Helm templates; the tool skipped {})\n\
             workload objects: {} (+{} of a workload kind in another API group), {} in patch-only files, \
             {} not restartable (patch fragments)\n\
             restartable workloads: {} in {} files; restarted: {} pod templates + {} Rollouts; \
             report bumps: {reported_total}\n\
             changed files: {}; lines added: {} `metadata:`, {} `annotations:`; {} lines rewritten\n\
             FILES.tsv target_workloads: {} in all, {} in the {} files it parses and the checker checks",
            t.files,
            t.manifests,
            t.unparseable,
            t.templates,
            skipped_files.len(),
            t.workload_objects,
            t.wrong_api_group,
            t.patch_only_docs,
            t.not_restartable_objects,
            self.expected_bumps.values().sum::<usize>(),
            t.target_files,
            t.edits.restarted_pod_templates,
            t.edits.restarted_rollouts,
            self.changed.len(),
            t.edits.metadata_lines,
            t.edits.annotations_lines,
            t.edits.rewritten_lines,
            t.tsv_targets,
            t.tsv_targets_compared,
            t.tsv_compared_files,
        );
    }
}

/// What the checker knows of the corpus before the run.
struct Corpus {
    root: PathBuf,
    /// Every file, relative to the root.
    files: Vec<String>,
    /// Each manifest's documents, or why they don't parse.
    parsed: BTreeMap<String, Result<Vec<Value>, String>>,
    patch_only: BTreeSet<String>,
    tsv: BTreeMap<String, (bool, usize)>,
}

impl Corpus {
    fn read() -> Corpus {
        let root = corpus_dir();
        assert!(
            root.is_dir(),
            "the corpus is missing: expected it at {} (tests/corpus in the repository)",
            root.display()
        );
        let root = root.canonicalize().expect("the corpus path");
        let mut files = Vec::new();
        files_under(&root, "", &mut files);
        let parsed: BTreeMap<String, Result<Vec<Value>, String>> = files
            .iter()
            .filter(|rel| is_manifest_name(rel))
            .map(|rel| {
                let bytes = std::fs::read(root.join(rel)).expect("read a corpus file");
                let docs = String::from_utf8(bytes)
                    .map_err(|e| e.to_string())
                    .and_then(|t| parse_docs(&t));
                (rel.clone(), docs)
            })
            .collect();
        let patch_only = patch_only_files(&parsed);
        let tsv = read_tsv(&root);
        Corpus {
            root,
            files,
            parsed,
            patch_only,
            tsv,
        }
    }

    /// Copy the corpus to a temporary directory and run `apply --all-workloads` over it.
    fn apply(&self) -> (tempfile::TempDir, Value) {
        let work = tempfile::TempDir::new().expect("a temporary directory");
        for rel in &self.files {
            let to = work.path().join(rel);
            std::fs::create_dir_all(to.parent().expect("a parent")).expect("create a folder");
            std::fs::copy(self.root.join(rel), &to).expect("copy a corpus file");
        }
        let output = crate::support::gitops_restart()
            .args(["apply", "--repo"])
            .arg(work.path())
            .args([
                "--all-workloads",
                "--restarted-at",
                VALUE,
                "--output",
                "json",
            ])
            .output()
            .expect("run gitops-restart");
        assert!(
            output.status.success(),
            "apply failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        let report = serde_json::from_slice(&output.stdout).expect("the JSON report");
        (work, report)
    }
}

#[test]
fn corpus_apply_changes_only_restart_lines() {
    let corpus = Corpus::read();
    let (work, report) = corpus.apply();
    let mut findings = Findings::default();
    findings.totals.files = corpus.files.len();
    for rel in &corpus.files {
        let before = std::fs::read(corpus.root.join(rel)).expect("read the original");
        let after = std::fs::read(work.path().join(rel)).expect("read the result");
        if is_manifest_name(rel) {
            findings.totals.manifests += 1;
            findings.check_manifest(&corpus, rel, &before, &after);
        } else if before != after {
            findings.flag(rel, "not a manifest, but changed".to_owned());
        }
    }
    findings.totals.tsv_targets = corpus.tsv.values().map(|(_, n)| n).sum();
    let reported_total = findings.check_report(&report);
    findings.print_summary(&report, reported_total);

    if !findings.violations.is_empty() {
        let mut message = format!("{} violations:\n", findings.violations.len());
        for (file, reason) in &findings.violations {
            let _ = writeln!(message, "- {file}: {reason}");
        }
        panic!("{message}");
    }
}

// --- The checker checked --------------------------------------------------------------------

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # the front\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";
const RESTARTED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web # the front\nspec:\n  template:\n    metadata:\n      labels:\n        app: web\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n    spec:\n      containers:\n      - name: web\n        image: nginx\n";

/// The problems the checker finds when `before` (all of whose workloads are targets) became
/// `after`.
fn problems(before: &str, after: &str) -> Vec<String> {
    let docs = parse_docs(before).expect("the test input parses");
    let targets: Vec<(usize, Target)> = docs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| Some((i, restartable(d)?)))
        .collect();
    check_restarted(
        before,
        after.as_bytes(),
        &docs,
        &targets,
        &mut EditCounts::default(),
    )
}

#[test]
fn checker_accepts_restart_edits() {
    assert_eq!(problems(DEPLOYMENT, RESTARTED), Vec::<String>::new());
    let crlf = |s: &str| s.replace('\n', "\r\n");
    assert_eq!(
        problems(&crlf(DEPLOYMENT), &crlf(RESTARTED)),
        Vec::<String>::new()
    );
    // No template metadata: both keys created.
    let bare = DEPLOYMENT.replace("    metadata:\n      labels:\n        app: web\n", "");
    let created = bare.replace(
        "  template:\n",
        "  template:\n    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n",
    );
    assert_eq!(problems(&bare, &created), Vec::<String>::new());
    // Flow and null annotations rewritten.
    let flow = DEPLOYMENT.replace("      labels:", "      annotations: {a: b}\n      labels:");
    let inline = flow.replace(
        "{a: b}",
        "{a: b, kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"}",
    );
    assert_eq!(problems(&flow, &inline), Vec::<String>::new());
    let null = DEPLOYMENT.replace("      labels:", "      annotations: ~\n      labels:");
    let block = null.replace(
        "annotations: ~\n",
        "annotations:\n        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n",
    );
    assert_eq!(problems(&null, &block), Vec::<String>::new());
    // A Rollout at the end of a file without a final newline.
    let rollout = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  workloadRef:\n    kind: Deployment\n    name: web";
    let restarted = format!("{rollout}\n  restartAt: \"2026-11-20T00:00:00Z\"");
    assert_eq!(problems(rollout, &restarted), Vec::<String>::new());
}

#[test]
fn checker_rejects_other_changes() {
    let cases: [(&str, String, &str); 9] = [
        ("a lost comment", RESTARTED.replace(" # the front", ""), "removed \"  name: web # the front\""),
        ("a requoted value", RESTARTED.replace("image: nginx", "image: \"nginx\""), "added \"        image: \\\"nginx\\\"\""),
        ("no restart", DEPLOYMENT.replace("app: web", "app: web2"), "not restarted"),
        ("a wrong value", RESTARTED.replace("2026-11-20", "2026-11-21"), "not restarted"),
        (
            "the wrong place",
            DEPLOYMENT.replace("  template:\n", "  template:\n    annotations:\n      kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n"),
            "not restarted",
        ),
        ("a final newline dropped", RESTARTED.trim_end().to_owned(), "final newline removed"),
        ("a CR added", RESTARTED.replace("        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n", "        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\r\n"), "LF file gained 1 CRLF"),
        ("a BOM added", format!("\u{feff}{RESTARTED}"), "byte order mark"),
        ("restarted twice", RESTARTED.replace("      containers:", "      restartAt: \"2026-11-20T00:00:00Z\"\n      containers:"), "changed beyond"),
    ];
    for (what, after, expected) in cases {
        let found = problems(DEPLOYMENT, &after);
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{what}: expected {expected:?} in {found:#?}"
        );
    }
    // Another document changed, and an empty `metadata:` added where one exists.
    let two = format!("{DEPLOYMENT}---\nkind: ConfigMap\napiVersion: v1\ndata: {{a: b}}\n");
    let found = problems(
        &two,
        &format!("{RESTARTED}---\nkind: ConfigMap\napiVersion: v1\ndata: {{a: c}}\n"),
    );
    assert!(
        found
            .iter()
            .any(|p| p.contains("document 2 (ConfigMap ?) changed")),
        "{found:#?}"
    );
    let extra = RESTARTED.replace("      containers:", "      metadata:\n      containers:");
    let found = problems(DEPLOYMENT, &extra);
    assert!(
        found.iter().any(|p| p.contains("`metadata:` lines added")),
        "{found:#?}"
    );
}

#[test]
fn checker_recognises_templates() {
    for (text, line) in [
        ("a: {{ .Values.x }}\n", Some(1)),
        ("a: b\nimage: repo/{{ .Values.tag }}\n", None),
        ("summary: Instance {{ $labels.instance }} down\n", None),
        ("image: repo:{{ .Values.tag }}\n", None),
        ("args: [a, {{ x }}]\n", Some(1)),
        ("a: b\n{{- if .Values.x }}\n", Some(2)),
        ("a: \"{{ quoted }}\"\nb: '{{ x }}'\n", None),
        ("# {{ comment }}\na: b # {{ trailing }}\n", None),
        ("script: |\n  echo {{ x }}\nb: c\n", None),
        (
            "args:\n- |\n  wrk http://x.{{ args.ns }}.svc\n- {{ plain }}\n",
            Some(4),
        ),
        ("flag: \"-a\n  {{ inside }}\"\nnext: {{ out }}\n", Some(3)),
    ] {
        assert_eq!(plain_template_line(text), line, "{text}");
    }
}
