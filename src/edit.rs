//! The lossless restart editor: splices a restart value into a manifest's text.
//!
//! Given a file's text, [`Manifest::parse`] finds the workloads it defines, and
//! [`Manifest::restart`] returns the new text with the restart value set on the chosen ones.
//! The edit is a handful of byte splices computed from the parser's spans; nothing is
//! re-serialised, so comments, key order, quoting, indentation, blank lines, document markers,
//! line endings and a missing final newline stay as they were.
//!
//! Invariants:
//! - No I/O. The caller reads and writes files.
//! - Every returned text has been re-parsed, and each document compared with the original: it
//!   must equal the original plus exactly the restart value. A failed check is an error, never a
//!   silently wrong text.
//! - Setting the value a manifest already has returns the same bytes.
//! - Anything that can't be edited safely (text that doesn't parse, Go/Helm template syntax, an
//!   alias or anchor on the path being edited, a merge key `<<` on that path, a non-map where a
//!   map must be) is an error that names the line.
//! - Workloads are found the way a YAML loader sees them (through aliases and merge keys), so a
//!   workload whose template is shared is refused with the reason rather than silently skipped.

use std::fmt::Write as _;

use granit_parser::ScalarStyle;

use crate::yaml::{self, NodeId, NodeKind, Stream, Value, line_of, line_start, next_line_start};

/// The default pod-template annotation that `kubectl rollout restart` writes.
pub const DEFAULT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

/// Why a manifest can't be edited. Each names the 1-based line it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    Parse {
        line: usize,
        message: String,
    },
    Template {
        line: usize,
    },
    Alias {
        line: usize,
        what: String,
    },
    Shape {
        line: usize,
        what: String,
        problem: String,
    },
    Verify {
        line: usize,
        message: String,
    },
}

impl std::fmt::Display for EditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line(), self.message())
    }
}

impl std::error::Error for EditError {}

impl EditError {
    /// What went wrong and what to do, without the line: for messages that name the place
    /// themselves (`file:line: message`).
    pub fn message(&self) -> String {
        match self {
            EditError::Parse { message, .. } => {
                format!("not valid YAML ({message}); fix the file or exclude it")
            }
            EditError::Template { .. } => "Go/Helm template syntax `{{` outside a quoted string; this \
                 file is a template, not a manifest: set the restart through the chart's values instead"
                .to_owned(),
            EditError::Alias { what, .. } => format!(
                "`{what}` is an alias or carries an anchor; editing it would also change what refers \
                 to it: write it out in full, or restart this workload by hand"
            ),
            EditError::Shape { what, problem, .. } => {
                format!("`{what}` {problem}; fix the manifest or restart this workload by hand")
            }
            EditError::Verify { message, .. } => format!(
                "internal check failed ({message}); nothing was written. This is a bug in \
                 gitops-restart: please report it with the file"
            ),
        }
    }

    /// `FILE:LINE: message`, the form every report uses for a place in the repository.
    pub fn at(&self, file: &str) -> String {
        format!("{file}:{}: {}", self.line(), self.message())
    }

    /// The 1-based line the error is about.
    pub fn line(&self) -> usize {
        match self {
            EditError::Parse { line, .. }
            | EditError::Template { line }
            | EditError::Alias { line, .. }
            | EditError::Shape { line, .. }
            | EditError::Verify { line, .. } => *line,
        }
    }
}

/// The kinds of workload gitops-restart restarts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    Rollout,
}

impl WorkloadKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Rollout => "Rollout",
        }
    }

    /// Parses a kind name, case-insensitively, as users type it on the command line.
    pub fn parse(name: &str) -> Option<WorkloadKind> {
        [
            Self::Deployment,
            Self::StatefulSet,
            Self::DaemonSet,
            Self::Rollout,
        ]
        .into_iter()
        .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }
}

impl std::fmt::Display for WorkloadKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A restartable workload defined by one document of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Index of the document in the file (counting empty and comment-only documents).
    pub doc: usize,
    /// 1-based line of the document's `kind:` key.
    pub line: usize,
    pub kind: WorkloadKind,
    pub name: String,
    /// `metadata.namespace`, when the manifest declares one.
    pub namespace: Option<String>,
    /// The restart value the manifest already carries, if any.
    pub restarted_at: Option<String>,
}

/// The identifying fields of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocHeader {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// 1-based line where the document's content starts.
    pub line: usize,
}

/// A manifest's parse without its text: what an index keeps so that editing needn't parse again.
#[derive(Debug, Clone)]
pub struct Parsed {
    stream: Stream,
    /// Every restartable workload, in document order.
    pub workloads: Vec<Workload>,
}

/// A parsed manifest file and the workloads it defines.
#[derive(Debug)]
pub struct Manifest<'a> {
    text: &'a str,
    /// Borrowed when an index kept the parse, owned when parsed here.
    stream: std::borrow::Cow<'a, Stream>,
    /// Every restartable workload, in document order.
    pub workloads: Vec<Workload>,
}

impl<'a> Manifest<'a> {
    /// Parse a manifest and find its workloads, refusing template syntax.
    ///
    /// `annotation` is the pod-template annotation key used to read existing restart values.
    ///
    /// # Errors
    /// [`EditError::Parse`] when the text is not YAML, [`EditError::Template`] when it holds
    /// `{{` outside quoted and block scalars and comments (or, when it doesn't parse, a `{{` not
    /// after a quote or `#` on its line, up to the line of the parse error).
    pub fn parse(text: &'a str, annotation: &str) -> Result<Self, EditError> {
        let stream = yaml::parse(text).map_err(|e| match template_line(text, e.line) {
            Some(line) => EditError::Template { line },
            None => EditError::Parse {
                line: e.line,
                message: e.message,
            },
        })?;
        check_no_template(text, &stream)?;
        let workloads = stream
            .docs
            .iter()
            .enumerate()
            .filter_map(|(index, doc)| classify(&stream, index, doc.root?, annotation))
            .collect();
        Ok(Manifest {
            text,
            stream: std::borrow::Cow::Owned(stream),
            workloads,
        })
    }

    /// How many documents the file has (counting empty and comment-only ones).
    pub fn doc_count(&self) -> usize {
        self.stream.docs.len()
    }

    /// `apiVersion`, `kind`, `metadata.name`, `metadata.namespace` of a document, when its root is
    /// a mapping; absent fields are `None`.
    pub fn header(&self, doc: usize) -> Option<DocHeader> {
        let root = self.stream.docs.get(doc)?.root?;
        self.stream.entries(root)?;
        let get = |path: &[&str]| self.stream.path_str(root, path).map(str::to_owned);
        Some(DocHeader {
            api_version: get(&["apiVersion"]),
            kind: get(&["kind"]),
            name: get(&["metadata", "name"]),
            namespace: get(&["metadata", "namespace"]).filter(|ns| !ns.is_empty()),
            line: self.stream.nodes[root].line,
        })
    }

    /// The string at a path of keys in a document, if there is one.
    pub fn string_at(&self, doc: usize, path: &[&str]) -> Option<String> {
        let root = self.stream.docs.get(doc)?.root?;
        self.stream.path_str(root, path).map(str::to_owned)
    }

    /// The meaning of a document, aliases resolved.
    pub fn doc_value(&self, doc: usize) -> Value {
        self.stream
            .value(self.stream.docs.get(doc).and_then(|d| d.root))
    }

    /// The parse result, to keep beside the text and edit later without parsing again.
    pub fn into_parsed(self) -> Parsed {
        Parsed {
            stream: self.stream.into_owned(),
            workloads: self.workloads,
        }
    }

    /// A manifest from a kept parse of exactly this `text` (as [`Manifest::into_parsed`] gave).
    pub fn from_parsed(text: &'a str, parsed: &'a Parsed) -> Manifest<'a> {
        Manifest {
            text,
            stream: std::borrow::Cow::Borrowed(&parsed.stream),
            workloads: parsed.workloads.clone(),
        }
    }

    /// Returns the text with the restart value `value` set on the workloads in documents `docs`.
    ///
    /// Documents that hold no workload are ignored. The result has been verified by re-parsing.
    ///
    /// # Errors
    /// Any [`EditError`] naming the line that prevents a safe edit.
    pub fn restart(
        &self,
        docs: &[usize],
        annotation: &str,
        value: &str,
    ) -> Result<String, EditError> {
        let targets: Vec<(usize, Vec<&str>)> = self
            .workloads
            .iter()
            .filter(|w| docs.contains(&w.doc))
            .map(|w| {
                let path = match w.kind {
                    WorkloadKind::Rollout => vec!["spec", "restartAt"],
                    _ => vec!["spec", "template", "metadata", "annotations", annotation],
                };
                (w.doc, path)
            })
            .collect();
        self.set_strings(&targets, value)
    }

    /// Returns the text with the string `value` set at each `(document, path of keys)`, creating
    /// missing mappings on the way, in any document with a mapping root (workload or not: Helm
    /// values, kustomize patches). Verified by re-parsing like [`Manifest::restart`].
    ///
    /// # Errors
    /// Any [`EditError`] naming the line that prevents a safe edit.
    pub fn set_strings(
        &self,
        targets: &[(usize, Vec<&str>)],
        value: &str,
    ) -> Result<String, EditError> {
        let style = Style::of(self.text);
        let mut splices = Vec::new();
        let mut expected: Vec<Value> = self
            .stream
            .docs
            .iter()
            .map(|d| self.stream.value(d.root))
            .collect();
        for (doc, path) in targets {
            let Some(root) = self.stream.docs.get(*doc).and_then(|d| d.root) else {
                continue;
            };
            if self.stream.entries(root).is_none() {
                return Err(EditError::Shape {
                    line: self.stream.nodes[root].line,
                    what: "the document".to_owned(),
                    problem: "is not a mapping".to_owned(),
                });
            }
            let mut editor = DocEditor {
                text: self.text,
                stream: &self.stream,
                style: &style,
                splices: Vec::new(),
            };
            let step = editor.indent_step(root, &path[..path.len() - 1]);
            let written = editor.set(root, path, value, step)?;
            splices.extend(editor.splices);
            set_value(&mut expected[*doc], path, value, &written);
        }
        if splices.is_empty() {
            return Ok(self.text.to_owned());
        }
        splices.sort_by_key(|s| s.at.start);
        let mut out = String::with_capacity(self.text.len() + 128);
        let mut cursor = 0;
        for splice in &splices {
            out.push_str(&self.text[cursor..splice.at.start]);
            out.push_str(&splice.with);
            cursor = splice.at.end;
        }
        out.push_str(&self.text[cursor..]);
        verify(&out, &expected, splices[0].at.start, self.text)?;
        Ok(out)
    }
}

/// Refuse Go/Helm template syntax: `{{` anywhere but inside a quoted or block scalar or a
/// comment. `{{ x }}` can parse as a flow mapping, so a successful parse proves nothing.
fn check_no_template(text: &str, stream: &Stream) -> Result<(), EditError> {
    if !text.contains("{{") {
        return Ok(());
    }
    let mut safe: Vec<std::ops::Range<usize>> = stream.comments.clone();
    safe.extend(stream.nodes.iter().filter_map(|n| match n.kind {
        NodeKind::Scalar { style, .. } if style != ScalarStyle::Plain => Some(n.span.clone()),
        _ => None,
    }));
    for (at, _) in text.match_indices("{{") {
        if !safe.iter().any(|r| r.start <= at && at < r.end) {
            return Err(EditError::Template {
                line: line_of(text, at),
            });
        }
    }
    Ok(())
}

/// For a text that doesn't parse: the line of a `{{` that looks like Go/Helm template syntax (not
/// after a `#` or a quote on its line) at or before the line of the parse error. Chart templates
/// rarely parse, and "this is a template" is the useful thing to say about them.
fn template_line(text: &str, error_line: usize) -> Option<usize> {
    text.lines()
        .take(error_line)
        .position(|line| {
            line.find("{{")
                .is_some_and(|at| !line[..at].contains(['#', '"', '\'']))
        })
        .map(|index| index + 1)
}

/// Decide whether a document is a restartable workload (and not a patch fragment).
fn classify(stream: &Stream, doc: usize, root: NodeId, annotation: &str) -> Option<Workload> {
    // Look the way a YAML loader does, through aliases and merge keys: a workload whose parts
    // are shared that way is still a workload (and the edit then refuses it with the reason).
    stream.entries(root)?;
    let (kind_key, kind_node) = stream.get_entry(root, "kind")?;
    let api = stream.scalar(stream.lookup(root, "apiVersion")?)?;
    let kind = WorkloadKind::parse(stream.scalar(kind_node)?)
        .filter(|k| stream.scalar(kind_node) == Some(k.as_str()))?;
    let group_ok = match kind {
        WorkloadKind::Rollout => api.starts_with("argoproj.io/"),
        _ => api.starts_with("apps/") || api.starts_with("extensions/"),
    };
    if !group_ok {
        return None;
    }
    // `$patch: delete` and friends mark a strategic-merge patch, never a workload.
    if stream.lookup(root, "$patch").is_some()
        || stream.lookup_path(root, &["spec", "$patch"]).is_some()
    {
        return None;
    }
    let is_map = |id: Option<NodeId>| id.is_some_and(|id| stream.entries(id).is_some());
    let has_pod_spec = is_map(stream.lookup_path(root, &["spec", "template", "spec"]));
    let has_workload_ref =
        kind == WorkloadKind::Rollout && is_map(stream.lookup_path(root, &["spec", "workloadRef"]));
    if !has_pod_spec && !has_workload_ref {
        return None;
    }
    let string_at = |path: &[&str]| {
        stream
            .lookup_path(root, path)
            .filter(|&id| !stream.is_null(id))
            .and_then(|id| stream.scalar(id))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let name = string_at(&["metadata", "name"])?;
    let namespace = string_at(&["metadata", "namespace"]);
    let restarted_at = match kind {
        WorkloadKind::Rollout => string_at(&["spec", "restartAt"]),
        _ => string_at(&["spec", "template", "metadata", "annotations", annotation]),
    };
    Some(Workload {
        doc,
        line: stream.nodes[kind_key].line,
        kind,
        name,
        namespace,
        restarted_at,
    })
}

/// Line-ending convention of a file, learned from its first line break.
struct Style {
    eol: &'static str,
}

impl Style {
    fn of(text: &str) -> Style {
        let crlf = text
            .find('\n')
            .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r');
        Style {
            eol: if crlf { "\r\n" } else { "\n" },
        }
    }
}

/// How a restart value was written: plain or not, and the tag it kept.
#[derive(Debug, Default)]
struct Written {
    plain: bool,
    tag: Option<String>,
}

/// Replace `at` in the original text `with` new text.
#[derive(Debug)]
struct Splice {
    at: std::ops::Range<usize>,
    with: String,
}

struct DocEditor<'s> {
    text: &'s str,
    stream: &'s Stream,
    style: &'s Style,
    splices: Vec<Splice>,
}

impl DocEditor<'_> {
    /// The document's indentation step, learned from the nested block mappings along the path
    /// the edit follows: the step nearest to the edit (the last one on the path), 2 when the
    /// document shows none.
    fn indent_step(&self, root: NodeId, parents: &[&str]) -> usize {
        let mut chain = vec![root];
        let mut at = root;
        for &key in parents {
            match self.stream.get(at, key) {
                Some(child) if self.is_block_map(child) => {
                    chain.push(child);
                    at = child;
                }
                _ => break,
            }
        }
        chain
            .windows(2)
            .filter_map(|pair| {
                let outer = self.stream.map_indent(pair[0])?;
                let inner = self.stream.map_indent(pair[1])?;
                inner.checked_sub(outer).filter(|&d| d > 0)
            })
            .next_back()
            .unwrap_or(2)
    }

    fn is_block_map(&self, id: NodeId) -> bool {
        matches!(&self.stream.nodes[id].kind, NodeKind::Map { flow: false, entries } if !entries.is_empty())
    }

    fn is_flow(&self, id: NodeId) -> bool {
        matches!(
            self.stream.nodes[id].kind,
            NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. }
        )
    }

    /// Set `path` (keys from `map`) to the string `value`. Returns how the value was written
    /// (the check must then expect a plain scalar or a tag).
    fn set(
        &mut self,
        map: NodeId,
        path: &[&str],
        value: &str,
        step: usize,
    ) -> Result<Written, EditError> {
        let node = &self.stream.nodes[map];
        let what = path[0];
        if node.anchor != 0 || matches!(node.kind, NodeKind::Alias { .. }) {
            return Err(EditError::Alias {
                line: node.line,
                what: parent_name(what).to_owned(),
            });
        }
        if let Some((merge, _)) = self.stream.get_entry(map, "<<") {
            // A merge key may define (part of) what is edited: adding to the mapping could
            // override it or leave a stale copy. Either way the result isn't obvious.
            return Err(EditError::Shape {
                line: self.stream.nodes[merge].line,
                what: parent_name(what).to_owned(),
                problem: "uses a merge key (`<<`) on the path to the restart value".to_owned(),
            });
        }
        let Some((key, child)) = self.stream.get_entry(map, what) else {
            self.insert_entry(map, path, value, step)?;
            return Ok(Written::default());
        };
        let key_line = self.stream.nodes[key].line;
        let child_node = &self.stream.nodes[child];
        if child_node.anchor != 0 || matches!(child_node.kind, NodeKind::Alias { .. }) {
            return Err(EditError::Alias {
                line: key_line,
                what: what.to_owned(),
            });
        }
        if path.len() == 1 {
            return self.replace_leaf(map, key, child, value);
        }
        if self.stream.is_null(child) {
            self.fill_null(map, key, child, &path[1..], value, step)?;
            return Ok(Written::default());
        }
        if self.stream.entries(child).is_none() {
            return Err(EditError::Shape {
                line: key_line,
                what: what.to_owned(),
                problem: "is not a mapping".to_owned(),
            });
        }
        self.set(child, &path[1..], value, step)
    }

    /// Replace an existing leaf value, keeping its quoting where the new value allows it, and a
    /// `!!str` tag.
    fn replace_leaf(
        &mut self,
        map: NodeId,
        key: NodeId,
        leaf: NodeId,
        value: &str,
    ) -> Result<Written, EditError> {
        let node = &self.stream.nodes[leaf];
        let shape = |problem: String| EditError::Shape {
            line: self.stream.nodes[key].line,
            what: self.stream.scalar(key).unwrap_or_default().to_owned(),
            problem,
        };
        let NodeKind::Scalar { value: old, style } = &node.kind else {
            return Err(shape("is not a string".to_owned()));
        };
        if let Some(tag) = node
            .tag
            .as_deref()
            .filter(|t| !matches!(*t, "!!str" | "tag:yaml.org,2002:str"))
        {
            return Err(shape(format!("carries the tag `{tag}`, not a string's")));
        }
        let tag = node.tag.clone();
        let null = self.stream.is_null(leaf);
        if old == value && !null {
            return Ok(Written {
                plain: *style == ScalarStyle::Plain,
                tag,
            });
        }
        let in_flow = self.is_flow(map);
        let (with, plain) = match style {
            ScalarStyle::SingleQuoted if single_quote_safe(value) => (single_quoted(value), false),
            ScalarStyle::Plain
                if !null && plain_safe(value) && !(in_flow && value.contains(':')) =>
            {
                (value.to_owned(), true)
            }
            _ => (double_quoted(value), false),
        };
        if node.span.is_empty() {
            // `key:` with nothing after: write the value after the colon.
            let (at, colon) = match self.colon_after(key) {
                Some(colon) => (colon, ""),
                None => (self.key_end(key), ":"),
            };
            self.splices.push(Splice {
                at: at..at,
                with: format!("{colon} {with}"),
            });
            return Ok(Written { plain: false, tag });
        }
        let end = self
            .stream
            .content_end(self.text, leaf)
            .unwrap_or(node.span.end);
        if let Some((indicators, header_end)) = self.stream.block_header(self.text, leaf) {
            // Replace the indicators and drop the content lines, keeping a header comment.
            self.splices.push(Splice {
                at: indicators,
                with,
            });
            if end > header_end {
                self.splices.push(Splice {
                    at: header_end..end,
                    with: String::new(),
                });
            }
        } else {
            self.splices.push(Splice {
                at: node.span.start..end,
                with,
            });
        }
        Ok(Written { plain, tag })
    }

    fn key_end(&self, key: NodeId) -> usize {
        self.stream
            .content_end(self.text, key)
            .unwrap_or(self.stream.nodes[key].span.end)
    }

    /// Byte offset just past the `:` that follows a mapping key, if there is one (a key in a
    /// flow mapping may stand alone: `{a, b: c}`).
    fn colon_after(&self, key: NodeId) -> Option<usize> {
        let end = self.key_end(key);
        let rest = &self.text[end..];
        let gap = rest.len() - rest.trim_start().len();
        rest[gap..].starts_with(':').then_some(end + gap + 1)
    }

    /// Turn a null value (`key:`, `key: ~`, `key: null`) into a mapping holding `path`.
    fn fill_null(
        &mut self,
        parent: NodeId,
        key: NodeId,
        null: NodeId,
        path: &[&str],
        value: &str,
        step: usize,
    ) -> Result<(), EditError> {
        let null_node = &self.stream.nodes[null];
        let colon = self.colon_after(key);
        if self.is_flow(parent) {
            let flow = flow_subtree(path, value);
            if !null_node.span.is_empty() {
                self.splices.push(Splice {
                    at: null_node.span.clone(),
                    with: flow,
                });
            } else if let Some(colon) = colon {
                // `{a: , b: c}`: write the value where the null is, after the blank.
                let rest = &self.text[colon..];
                let gap = rest.len() - rest.trim_start().len();
                let (at, with) = if gap > 0 {
                    (colon + gap, flow)
                } else {
                    (colon, format!(" {flow}"))
                };
                self.splices.push(Splice { at: at..at, with });
            } else {
                let end = self.key_end(key);
                self.splices.push(Splice {
                    at: end..end,
                    with: format!(": {flow}"),
                });
            }
            return Ok(());
        }
        let Some(colon) = colon else {
            return Err(EditError::Shape {
                line: self.stream.nodes[key].line,
                what: self.stream.scalar(key).unwrap_or_default().to_owned(),
                problem: "is an explicit key (`? key`) without a value".to_owned(),
            });
        };
        let key_col = self.stream.nodes[key].col;
        let lines = block_subtree(path, value, key_col + step, step, self.style.eol);
        if !null_node.span.is_empty() {
            // Remove ` ~` / ` null`, keeping whatever follows on the line (a comment).
            self.splices.push(Splice {
                at: colon..null_node.span.end,
                with: String::new(),
            });
        }
        self.push_lines_after(colon, &lines);
        Ok(())
    }

    /// Add a new entry holding `path` to a mapping that lacks `path[0]`.
    fn insert_entry(
        &mut self,
        map: NodeId,
        path: &[&str],
        value: &str,
        step: usize,
    ) -> Result<(), EditError> {
        let stream = self.stream;
        let node = &stream.nodes[map];
        let entries = stream.entries(map).ok_or_else(|| EditError::Shape {
            line: node.line,
            what: parent_name(path[0]).to_owned(),
            problem: "is not a mapping".to_owned(),
        })?;
        if let NodeKind::Map { flow: true, .. } = node.kind {
            let entry = format!("{}: {}", key_text(path[0]), flow_value(&path[1..], value));
            match entries.last() {
                None => {
                    let open = node.span.start + 1;
                    self.splices.push(Splice {
                        at: open..open,
                        with: entry,
                    });
                }
                Some(&(k, v)) => {
                    let end = stream
                        .content_end(self.text, v)
                        .or_else(|| stream.content_end(self.text, k))
                        .unwrap_or(node.span.start + 1);
                    self.splices.push(Splice {
                        at: end..end,
                        with: format!(", {entry}"),
                    });
                }
            }
            return Ok(());
        }
        let Some(indent) = stream.map_indent(map) else {
            return Err(EditError::Shape {
                line: node.line,
                what: parent_name(path[0]).to_owned(),
                problem: "is an empty mapping".to_owned(),
            });
        };
        let lines = block_subtree(path, value, indent, step, self.style.eol);
        // Pod-template metadata goes first, where kubectl and every example put it: above the
        // first key and the comments and blank lines that lead to it.
        if path[0] == "metadata" {
            let first_key = stream.nodes[entries[0].0].span.start;
            let mut start = line_start(self.text, first_key);
            if self.text[start..first_key].trim().is_empty() {
                while start > 0 {
                    let above = line_start(self.text, start - 1);
                    let line = self.text[above..start].trim();
                    if !line.is_empty() && !line.starts_with('#') {
                        break;
                    }
                    start = above;
                }
                self.splices.push(Splice {
                    at: start..start,
                    with: lines.concat(),
                });
                return Ok(());
            }
        }
        let &(k, v) = entries
            .last()
            .expect("a block mapping with an indent has entries");
        let end = stream
            .content_end(self.text, v)
            .or_else(|| stream.content_end(self.text, k))
            .unwrap_or(stream.nodes[k].span.end);
        self.push_lines_after(end, &lines);
        Ok(())
    }

    /// Insert whole lines after the line that holds `offset`, handling a missing final newline.
    fn push_lines_after(&mut self, offset: usize, lines: &[String]) {
        let at = next_line_start(self.text, offset);
        let mut with = lines.concat();
        if at == self.text.len() && !self.text.ends_with('\n') {
            // The file has no final newline: keep it that way.
            with.truncate(with.len() - self.style.eol.len());
            with.insert_str(0, self.style.eol);
        }
        self.splices.push(Splice { at: at..at, with });
    }
}

/// How the parent of a path element is called, for error messages.
fn parent_name(key: &str) -> &str {
    match key {
        "spec" => "the document",
        "template" | "restartAt" => "spec",
        "metadata" => "template",
        "annotations" => "metadata",
        _ => "annotations",
    }
}

/// Lines of a block subtree: `path[0]:` / nested keys / `leaf: "value"`, each ending in `eol`.
fn block_subtree(path: &[&str], value: &str, indent: usize, step: usize, eol: &str) -> Vec<String> {
    let mut lines = Vec::with_capacity(path.len());
    for (depth, key) in path.iter().enumerate() {
        let pad = " ".repeat(indent + depth * step);
        let mut line = format!("{pad}{}:", key_text(key));
        if depth + 1 == path.len() {
            let _ = write!(line, " {}", double_quoted(value));
        }
        line.push_str(eol);
        lines.push(line);
    }
    lines
}

/// A flow value for the rest of a path: `{a: {b: "v"}}`, or the quoted value for an empty path.
fn flow_value(path: &[&str], value: &str) -> String {
    if path.is_empty() {
        double_quoted(value)
    } else {
        flow_subtree(path, value)
    }
}

fn flow_subtree(path: &[&str], value: &str) -> String {
    format!(
        "{{{}: {}}}",
        key_text(path[0]),
        flow_value(&path[1..], value)
    )
}

/// A mapping key as written: plain when that is unambiguous (in flow context too), else
/// double-quoted.
pub fn key_text(key: &str) -> String {
    if plain_safe(key) && !key.contains(':') {
        key.to_owned()
    } else {
        double_quoted(key)
    }
}

/// Whether a string can be written as a plain scalar and read back as the same string, by YAML
/// 1.1 and 1.2 loaders alike: no indicators, no spaces, and nothing that resolves to a number,
/// boolean or null.
fn plain_safe(s: &str) -> bool {
    let looks_numeric = s
        .chars()
        .all(|c| c.is_ascii_digit() || "_.:+-eE".contains(c))
        || ["0x", "0o", "0b", "0X", "0O", "0B"]
            .iter()
            .any(|p| s.starts_with(p));
    s.starts_with(char::is_alphanumeric)
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '-' | '_' | ':' | '+'))
        && !s.ends_with(':')
        && !looks_numeric
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        )
}

/// A string value as written in generated YAML: plain when every YAML 1.1 and 1.2 loader reads
/// it back as the same string (`web`, `apps/v1`), else double-quoted (`"null"`, `"web #c"`,
/// `"0755"`).
pub fn scalar_text(s: &str) -> String {
    if plain_safe(s) {
        s.to_owned()
    } else {
        double_quoted(s)
    }
}

/// Whether `c` may appear as itself inside a quoted YAML scalar.
fn printable(c: char) -> bool {
    matches!(c, '\t' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

/// Whether a string can be written single-quoted on one line.
fn single_quote_safe(s: &str) -> bool {
    s.chars().all(|c| c != '\t' && printable(c))
}

/// A YAML single-quoted scalar holding `s` (see [`single_quote_safe`]).
fn single_quoted(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// A YAML double-quoted scalar holding `s`.
pub fn double_quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if printable(c) => out.push(c),
            c if u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Apply the restart to the expected meaning of a document.
fn set_value(doc: &mut Value, path: &[&str], value: &str, written: &Written) {
    let (leaf, parents) = path.split_last().expect("paths are not empty");
    let mut at = doc;
    for key in parents {
        if matches!(at, Value::Null) {
            *at = Value::Map(Vec::new());
        }
        if at.get_mut(key).is_none()
            && let Value::Map(entries) = at
        {
            entries.push((Value::string(key), Value::Null));
        }
        at = at.get_mut(key).expect("just ensured");
    }
    if matches!(at, Value::Null) {
        *at = Value::Map(Vec::new());
    }
    let new = Value::Scalar {
        text: value.to_owned(),
        plain: written.plain,
        tag: written.tag.clone(),
    };
    match at.get_mut(leaf) {
        Some(slot) => *slot = new,
        None => {
            if let Value::Map(entries) = at {
                entries.push((Value::string(leaf), new));
            }
        }
    }
}

/// Re-parse the edited text and compare every document with what it should mean.
fn verify(
    new_text: &str,
    expected: &[Value],
    first_edit: usize,
    old_text: &str,
) -> Result<(), EditError> {
    let line = line_of(old_text, first_edit);
    let stream = yaml::parse(new_text).map_err(|e| EditError::Verify {
        line,
        message: format!("the edited text no longer parses: {e}"),
    })?;
    if stream.docs.len() != expected.len() {
        return Err(EditError::Verify {
            line,
            message: format!("{} documents became {}", expected.len(), stream.docs.len()),
        });
    }
    for (index, (doc, want)) in stream.docs.iter().zip(expected).enumerate() {
        if normalize(stream.value(doc.root)) != normalize(want.clone()) {
            return Err(EditError::Verify {
                line,
                message: format!(
                    "document {} would change beyond the restart value",
                    index + 1
                ),
            });
        }
    }
    Ok(())
}

/// Keys are compared by text, whatever their quoting: `"a": 1` and `a: 1` insert the same key.
fn normalize(value: Value) -> Value {
    match value {
        Value::Map(entries) => {
            // Meaning doesn't depend on key order (the splices keep the order anyway).
            let mut entries: Vec<(Value, Value)> = entries
                .into_iter()
                .map(|(k, v)| {
                    let k = match k {
                        Value::Scalar {
                            text, tag: None, ..
                        } => Value::Scalar {
                            text,
                            plain: false,
                            tag: None,
                        },
                        other => normalize(other),
                    };
                    (k, normalize(v))
                })
                .collect();
            entries.sort();
            Value::Map(entries)
        }
        Value::Seq(items) => Value::Seq(items.into_iter().map(normalize).collect()),
        other => other,
    }
}
