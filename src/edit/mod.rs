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
//!   alias or anchor on the path being edited, a merge key `<<` on that path, an explicit `?`
//!   or non-string key in a mapping on that path, a non-map where a map must be) is an error
//!   that names the line.
//! - Workloads are found the way a YAML loader sees them (through aliases and merge keys), so a
//!   workload whose template is shared is refused with the reason rather than silently skipped.
//!
//! Layout: this module finds workloads and applies splices; `splice` computes them in the
//! document's own style, `scalar` quotes generated keys and values, `check` re-parses and
//! compares.

mod check;
mod scalar;
mod splice;

use check::{set_value, verify};
pub use scalar::{double_quoted, key_text, scalar_text};
use splice::{DocEditor, Style};

use crate::model::Kind;
use crate::yaml::{self, NodeId, NodeKind, Stream, Value, line_of};

/// The default pod-template annotation that `kubectl rollout restart` writes.
pub const DEFAULT_ANNOTATION: &str = "kubectl.kubernetes.io/restartedAt";

/// Why a manifest can't be edited. Each names the 1-based line it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    Parse {
        line: usize,
        message: String,
    },
    /// Well-formed YAML over a limit every parse has (aliases, nesting).
    Limit {
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
            EditError::Limit { message, .. } => {
                format!("{message}; the file is not read: write it out plainly or exclude it")
            }
            EditError::Template { .. } => "Go/Helm template syntax `{{` outside a YAML string; this \
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
            | EditError::Limit { line, .. }
            | EditError::Template { line }
            | EditError::Alias { line, .. }
            | EditError::Shape { line, .. }
            | EditError::Verify { line, .. } => *line,
        }
    }
}

/// A restartable workload defined by one document of a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Index of the document in the file (counting empty and comment-only documents).
    pub doc: usize,
    /// 1-based line of the document's `kind:` key.
    pub line: usize,
    /// One of [`Kind::RESTARTABLE`].
    pub kind: Kind,
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
    /// `{{` outside scalars and comments (or, when it doesn't parse, a `{{` not
    /// after a quote or `#` on its line, up to the line of the parse error).
    pub fn parse(text: &'a str, annotation: &str) -> Result<Self, EditError> {
        let stream = yaml::parse(text).map_err(|e| match template_line(text, e.line) {
            _ if e.limit => EditError::Limit {
                line: e.line,
                message: e.message,
            },
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
            .map(|w| (w.doc, w.kind.restart_path(annotation)))
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
        // Two targets that change the same bytes (both create the mapping a `key: null` stands
        // for) can't be spliced at once: set them one at a time, each on the text before.
        let overlap = splices.windows(2).any(|w| {
            w[1].at.start < w[0].at.end
                || (w[1].at.start == w[0].at.start && !(w[0].at.is_empty() && w[1].at.is_empty()))
        });
        if overlap && targets.len() > 1 {
            let mut text = self.text.to_owned();
            for target in targets {
                text =
                    Manifest::parse(&text, "")?.set_strings(std::slice::from_ref(target), value)?;
            }
            return Ok(text);
        }
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

/// Refuse Go/Helm template syntax: `{{` anywhere but inside a scalar (plain, quoted or block)
/// or a comment. Text that parses with `{{` only inside scalars is a manifest (a PrometheusRule's
/// `summary: Instance {{ $labels.instance }} down`, `image: repo:{{ .Values.tag }}`): the parser
/// read it as plain text and the edit keeps it byte for byte. `{{ x }}` as a whole value parses
/// as a flow mapping, so a successful parse alone proves nothing: that `{{` sits outside scalars.
fn check_no_template(text: &str, stream: &Stream) -> Result<(), EditError> {
    if !text.contains("{{") {
        return Ok(());
    }
    let mut safe: Vec<std::ops::Range<usize>> = stream.comments.clone();
    safe.extend(stream.nodes.iter().filter_map(|n| match n.kind {
        NodeKind::Scalar { .. } => Some(n.span.clone()),
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
    let kind = Kind::named(stream.scalar(kind_node)?);
    if !kind.is_restartable() {
        return None;
    }
    let group_ok = match kind {
        Kind::Rollout => api.starts_with("argoproj.io/"),
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
        kind == Kind::Rollout && is_map(stream.lookup_path(root, &["spec", "workloadRef"]));
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
    let restarted_at = string_at(&kind.restart_path(annotation));
    Some(Workload {
        doc,
        line: stream.nodes[kind_key].line,
        kind,
        name,
        namespace,
        restarted_at,
    })
}
