//! A YAML syntax tree with byte spans, built from granit-parser's events.
//!
//! The editor needs two things no value-level YAML library gives: where each node sits in the
//! source (to splice text in without re-serialising), and how it was written (flow or block,
//! quoting, anchors). This module keeps both, and nothing more. It does no I/O and never changes
//! text. It also turns a tree into a plain [`Value`] so that an edit can be checked by comparing
//! meanings before and after.
//!
//! Invariants: a parse is bounded like every other YAML the tool reads (`crate::input`): all of
//! a text's aliases may expand to at most [`ALIAS_EXPANSION`] nodes, and no path from a
//! document's root to a leaf, aliases expanded, is deeper than [`MAX_DEPTH`]; a text over either
//! limit, or whose mapping repeats a key (kustomize refuses those too), is a [`ParseError`]
//! naming the line, never a tree. So [`Stream::value`] and everything built on it stay within
//! memory and stack a file's size allows.

use std::collections::HashMap;
use std::ops::Range;

use granit_parser::{Event, Parser, ScalarStyle};

pub(crate) use crate::input::{ALIAS_EXPANSION, MAX_DEPTH};

/// Index of a node inside [`Stream::nodes`].
pub type NodeId = usize;

/// One parsed file: every node of every document, the documents, and the comments.
#[derive(Debug, Clone)]
pub struct Stream {
    pub nodes: Vec<Node>,
    pub docs: Vec<Document>,
    /// Byte ranges of every comment, `#` included.
    pub comments: Vec<Range<usize>>,
    /// The node each anchor id (`&name`) was defined on.
    pub anchors: HashMap<usize, NodeId>,
}

/// A document of a stream.
#[derive(Debug, Clone)]
pub struct Document {
    /// The root node; `None` for a document that holds only comments or nothing.
    pub root: Option<NodeId>,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub kind: NodeKind,
    /// Byte range of the node as the parser reports it. For block collections only the start
    /// is meaningful; use [`Stream::content_end`] for where their content ends. A block scalar
    /// (`|`, `>`) starts at its indicator, not at its first content line as the parser reports.
    pub span: Range<usize>,
    /// 1-based line of the node's start.
    pub line: usize,
    /// 0-based column (in characters) of the node's start.
    pub col: usize,
    /// Anchor id (`&name`) defined on this node, 0 when none.
    pub anchor: usize,
    /// The node's explicit tag, as `handle` + `suffix`.
    pub tag: Option<String>,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Scalar {
        value: String,
        style: ScalarStyle,
    },
    Map {
        flow: bool,
        entries: Vec<(NodeId, NodeId)>,
    },
    Seq {
        flow: bool,
        items: Vec<NodeId>,
    },
    Alias {
        target: usize,
    },
}

/// Why a text could not be parsed as YAML.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// Well-formed YAML over a limit (aliases, nesting), not a syntax error.
    pub limit: bool,
}

enum Open {
    Map {
        id: NodeId,
        pending_key: Option<NodeId>,
        /// The scalar keys so far, with their 1-based lines.
        keys: HashMap<String, usize>,
    },
    Seq {
        id: NodeId,
    },
}

/// Builds a [`Stream`] from parser events.
struct Builder {
    stream: Stream,
    stack: Vec<Open>,
    doc_root: Option<NodeId>,
    /// Per node: how many nodes it stands for with aliases expanded, and how deep it is.
    sizes: Vec<(usize, usize)>,
    /// Nodes all aliases so far expand to.
    expanded: usize,
}

/// Parse `text` into a [`Stream`].
///
/// # Errors
/// Returns the parser's first error with its line and column.
pub fn parse(text: &str) -> Result<Stream, ParseError> {
    let mut builder = Builder {
        stream: Stream {
            nodes: Vec::new(),
            docs: Vec::new(),
            comments: Vec::new(),
            anchors: HashMap::new(),
        },
        stack: Vec::new(),
        doc_root: None,
        sizes: Vec::new(),
        expanded: 0,
    };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|e| ParseError {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info(),
            limit: false,
        })?;
        builder.event(text, event, &span)?;
    }
    Ok(builder.stream)
}

impl Builder {
    fn event(
        &mut self,
        text: &str,
        event: Event<'_>,
        span: &granit_parser::Span,
    ) -> Result<(), ParseError> {
        let range = span.byte_range().unwrap_or(0..0);
        let line = span.start.line();
        match event {
            Event::Comment(..) => self.stream.comments.push(range),
            Event::DocumentStart(..) => self.doc_root = None,
            Event::DocumentEnd => {
                let doc = Document {
                    root: self.doc_root.take(),
                };
                self.stream.docs.push(doc);
            }
            Event::MappingEnd | Event::SequenceEnd => {
                if let Some(Open::Map { id, .. } | Open::Seq { id }) = self.stack.pop() {
                    // Flow collections end at their closing bracket; record it.
                    let node = &mut self.stream.nodes[id];
                    if matches!(
                        node.kind,
                        NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. }
                    ) {
                        node.span.end = range.end;
                    }
                    self.sizes[id] = self.measure(id);
                }
            }
            event => {
                if let Some(node) = new_node(event, range, line, span.start.col()) {
                    self.add(text, node)?;
                }
            }
        }
        Ok(())
    }

    /// A finished collection's size and height, aliases expanded: its children are finished.
    fn measure(&self, id: NodeId) -> (usize, usize) {
        let children: Vec<NodeId> = match &self.stream.nodes[id].kind {
            NodeKind::Map { entries, .. } => entries.iter().flat_map(|&(k, v)| [k, v]).collect(),
            NodeKind::Seq { items, .. } => items.clone(),
            _ => Vec::new(),
        };
        children.iter().fold((1, 1), |(size, height), &child| {
            let (s, h) = self.sizes[child];
            (size.saturating_add(s), height.max(h + 1))
        })
    }

    /// Add a node to the open collection (or as the document's root), and open it if it is a
    /// collection. Refuses a node past a limit, and a repeated key.
    fn add(&mut self, text: &str, node: Node) -> Result<(), ParseError> {
        let opens = match node.kind {
            NodeKind::Map { .. } => Some(true),
            NodeKind::Seq { .. } => Some(false),
            _ => None,
        };
        let limit = |message: String| ParseError {
            line: node.line,
            column: node.col + 1,
            message,
            limit: true,
        };
        // An alias stands for its anchor's node (1 while that node is still open: a loader
        // can't expand it either).
        let measured = match node.kind {
            NodeKind::Alias { target } => self
                .stream
                .anchors
                .get(&target)
                .map_or((1, 1), |&anchor| self.sizes[anchor]),
            _ => (1, 1),
        };
        if matches!(node.kind, NodeKind::Alias { .. }) {
            self.expanded = self.expanded.saturating_add(measured.0);
            if self.expanded > ALIAS_EXPANSION {
                return Err(limit(format!(
                    "its aliases (`*name`) expand to more than {ALIAS_EXPANSION} nodes, the \
                     limit; refused as an alias bomb would be"
                )));
            }
        }
        if self.stack.len() + measured.1 > MAX_DEPTH {
            return Err(limit(format!(
                "nested more than {MAX_DEPTH} levels deep (aliases expanded), the limit"
            )));
        }
        let key_text = match (&node.kind, self.stack.last()) {
            (
                NodeKind::Scalar { value, .. },
                Some(Open::Map {
                    pending_key: None, ..
                }),
            ) => Some((value.clone(), node.line, node.col)),
            _ => None,
        };
        let id = self.stream.push_node(text, node);
        self.sizes.push(measured);
        match self.stack.last_mut() {
            None => self.doc_root = Some(id),
            Some(Open::Seq { id: seq }) => {
                if let NodeKind::Seq { items, .. } = &mut self.stream.nodes[*seq].kind {
                    items.push(id);
                }
            }
            Some(Open::Map {
                id: map,
                pending_key,
                keys,
            }) => match pending_key.take() {
                None => {
                    *pending_key = Some(id);
                    if let Some((key, line, col)) = key_text
                        && let Some(first) = keys.insert(key.clone(), line)
                    {
                        return Err(ParseError {
                            line,
                            column: col + 1,
                            message: format!("duplicate key `{key}` (first at line {first})"),
                            limit: false,
                        });
                    }
                }
                Some(key) => {
                    if let NodeKind::Map { entries, .. } = &mut self.stream.nodes[*map].kind {
                        entries.push((key, id));
                    }
                }
            },
        }
        match opens {
            Some(true) => self.stack.push(Open::Map {
                id,
                pending_key: None,
                keys: HashMap::new(),
            }),
            Some(false) => self.stack.push(Open::Seq { id }),
            None => {}
        }
        Ok(())
    }
}

/// The node an event starts, if it starts one.
fn new_node(event: Event<'_>, span: Range<usize>, line: usize, col: usize) -> Option<Node> {
    let tag_text = |tag: Option<&granit_parser::Tag>| {
        tag.map(|t| format!("{}{}", t.original_handle(), t.suffix()))
    };
    let (kind, anchor, tag) = match event {
        Event::Scalar(value, style, anchor, tag) => (
            NodeKind::Scalar {
                value: value.into_owned(),
                style,
            },
            anchor,
            tag_text(tag.as_deref()),
        ),
        Event::Alias(target) => (NodeKind::Alias { target }, 0, None),
        Event::MappingStart(style, anchor, tag) => {
            let flow = style == granit_parser::StructureStyle::Flow;
            (
                NodeKind::Map {
                    flow,
                    entries: Vec::new(),
                },
                anchor,
                tag_text(tag.as_deref()),
            )
        }
        Event::SequenceStart(style, anchor, tag) => {
            let flow = style == granit_parser::StructureStyle::Flow;
            (
                NodeKind::Seq {
                    flow,
                    items: Vec::new(),
                },
                anchor,
                tag_text(tag.as_deref()),
            )
        }
        _ => return None,
    };
    Some(Node {
        kind,
        span,
        line,
        col,
        anchor,
        tag,
    })
}

impl Stream {
    /// Add a node, moving a block scalar's start to its indicator and recording its anchor.
    fn push_node(&mut self, text: &str, mut node: Node) -> NodeId {
        let block = matches!(
            node.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        );
        if let Some(header) = block
            .then(|| block_scalar_header(text, node.span.start))
            .flatten()
        {
            node.span.start = header;
            node.line = line_of(text, header);
            node.col = text[line_start(text, header)..header].chars().count();
        }
        let id = self.nodes.len();
        if node.anchor != 0 {
            self.anchors.insert(node.anchor, id);
        }
        self.nodes.push(node);
        id
    }

    /// The plain scalar text of a node, if it is a scalar.
    pub fn scalar(&self, id: NodeId) -> Option<&str> {
        match &self.nodes[id].kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Whether the node is a YAML null (empty, `~`, `null`) written as a plain scalar.
    pub fn is_null(&self, id: NodeId) -> bool {
        let node = &self.nodes[id];
        matches!(&node.kind, NodeKind::Scalar { value, style: ScalarStyle::Plain }
            if node.tag.is_none() && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The entries of a mapping node.
    pub fn entries(&self, id: NodeId) -> Option<&[(NodeId, NodeId)]> {
        match &self.nodes[id].kind {
            NodeKind::Map { entries, .. } => Some(entries),
            _ => None,
        }
    }

    /// The (key, value) entry of a mapping whose key is the plain string `key`.
    pub fn get_entry(&self, map: NodeId, key: &str) -> Option<(NodeId, NodeId)> {
        self.entries(map)?
            .iter()
            .copied()
            .find(|&(k, _)| self.scalar(k) == Some(key))
    }

    /// The value of a mapping entry by key.
    pub fn get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.get_entry(map, key).map(|(_, v)| v)
    }

    /// The value at a path of keys from `node`.
    pub fn path(&self, node: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(node, |at, key| self.get(at, key))
    }

    /// The string value at a path, when it is a scalar.
    pub fn path_str(&self, node: NodeId, keys: &[&str]) -> Option<&str> {
        self.path(node, keys).and_then(|id| self.scalar(id))
    }

    /// Byte offset just past the last character that belongs to the node's own text.
    ///
    /// For block scalars this excludes the trailing blank lines the parser counts into the span,
    /// unless the scalar keeps them (`|+`), and for block collections it is the end of the last
    /// entry. An empty scalar (a null written as nothing) has no text: `None`.
    pub fn content_end(&self, text: &str, id: NodeId) -> Option<usize> {
        let node = &self.nodes[id];
        match &node.kind {
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            } => {
                // The span starts at the indicator; the header runs to the end of its line
                // (a comment included), and the content starts on the next line.
                let header_end = text[node.span.start..]
                    .find(['\r', '\n'])
                    .map_or(text.len(), |i| node.span.start + i);
                let content_start = next_line_start(text, node.span.start);
                if content_start >= node.span.end {
                    return Some(header_end);
                }
                let raw = &text[content_start..node.span.end];
                let header = &text[node.span.start..header_end];
                let indicators = header
                    .split(|c: char| c.is_whitespace())
                    .next()
                    .unwrap_or_default();
                if indicators.contains('+') {
                    // Keep-chomping: the trailing blank lines are content. The span ends where
                    // the next token starts; the content ends with the break before that line.
                    let mut end = node.span.end;
                    let start = line_start(text, end);
                    if text[start..end].trim().is_empty() {
                        end = start;
                    }
                    if end > header_end && text.as_bytes()[end - 1] == b'\n' {
                        end -= 1;
                        if end > header_end && text.as_bytes()[end - 1] == b'\r' {
                            end -= 1;
                        }
                    }
                    return Some(end.max(header_end));
                }
                let trimmed = raw.trim_end().len();
                Some(if trimmed == 0 {
                    header_end
                } else {
                    content_start + trimmed
                })
            }
            NodeKind::Scalar { .. } | NodeKind::Alias { .. } => {
                (!node.span.is_empty()).then_some(node.span.end)
            }
            NodeKind::Map { flow: true, .. } | NodeKind::Seq { flow: true, .. } => {
                Some(node.span.end)
            }
            NodeKind::Map { entries, .. } => {
                let &(key, value) = entries.last()?;
                self.content_end(text, value)
                    .or_else(|| self.content_end(text, key))
            }
            NodeKind::Seq { items, .. } => items.last().and_then(|&i| self.content_end(text, i)),
        }
    }

    /// The node an alias refers to, or the node itself.
    pub fn resolve(&self, id: NodeId) -> NodeId {
        match self.nodes[id].kind {
            NodeKind::Alias { target } => self.anchors.get(&target).copied().unwrap_or(id),
            _ => id,
        }
    }

    /// The value of a mapping entry by key, as a YAML loader sees it: aliases are followed and
    /// merge keys (`<<`) consulted when the key is not written out.
    pub fn lookup(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.lookup_depth(map, key, 0)
    }

    fn lookup_depth(&self, map: NodeId, key: &str, depth: usize) -> Option<NodeId> {
        if depth > 16 {
            return None;
        }
        let map = self.resolve(map);
        if let Some(value) = self.get(map, key) {
            return Some(self.resolve(value));
        }
        let merge = self.resolve(self.get(map, "<<")?);
        match &self.nodes[merge].kind {
            NodeKind::Seq { items, .. } => items
                .iter()
                .find_map(|&item| self.lookup_depth(item, key, depth + 1)),
            _ => self.lookup_depth(merge, key, depth + 1),
        }
    }

    /// The value at a path of keys from `node`, as a YAML loader sees it (see [`Self::lookup`]).
    pub fn lookup_path(&self, node: NodeId, keys: &[&str]) -> Option<NodeId> {
        keys.iter().try_fold(node, |at, key| self.lookup(at, key))
    }

    /// For a block scalar (`|`, `>`): the byte range of its indicators (`|+2`) and the offset
    /// where its header line ends (after any comment, before the line break).
    pub fn block_header(&self, text: &str, id: NodeId) -> Option<(Range<usize>, usize)> {
        let node = &self.nodes[id];
        if !matches!(
            node.kind,
            NodeKind::Scalar {
                style: ScalarStyle::Literal | ScalarStyle::Folded,
                ..
            }
        ) {
            return None;
        }
        let start = node.span.start;
        let line_end = text[start..]
            .find(['\r', '\n'])
            .map_or(text.len(), |i| start + i);
        let indicators = text[start..line_end]
            .find(char::is_whitespace)
            .map_or(line_end, |i| start + i);
        Some((start..indicators, line_end))
    }

    /// The column (in characters) at which the entries of a block mapping start.
    pub fn map_indent(&self, map: NodeId) -> Option<usize> {
        let entries = self.entries(map)?;
        entries.first().map(|&(k, _)| self.nodes[k].col)
    }

    /// The meaning of a document, with aliases resolved, for comparisons.
    pub fn value(&self, root: Option<NodeId>) -> Value {
        let mut anchors = HashMap::new();
        root.map_or(Value::Null, |id| self.value_of(id, &mut anchors))
    }

    fn value_of(&self, id: NodeId, anchors: &mut HashMap<usize, Value>) -> Value {
        let node = &self.nodes[id];
        let value = match &node.kind {
            NodeKind::Scalar { value, style } => {
                if self.is_null(id) {
                    Value::Null
                } else {
                    Value::Scalar {
                        text: value.clone(),
                        plain: *style == ScalarStyle::Plain,
                        tag: node.tag.clone(),
                    }
                }
            }
            NodeKind::Alias { target } => anchors.get(target).cloned().unwrap_or(Value::Null),
            NodeKind::Map { entries, .. } => Value::Map(
                entries
                    .iter()
                    .map(|&(k, v)| (self.value_of(k, anchors), self.value_of(v, anchors)))
                    .collect(),
            ),
            NodeKind::Seq { items, .. } => {
                Value::Seq(items.iter().map(|&i| self.value_of(i, anchors)).collect())
            }
        };
        if node.anchor != 0 {
            anchors.insert(node.anchor, value.clone());
        }
        value
    }
}

/// The meaning of a YAML node: what the edit check compares.
///
/// Scalars keep whether they were plain, since plain `true` and quoted `"true"` differ in meaning.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Value {
    Null,
    Scalar {
        text: String,
        plain: bool,
        tag: Option<String>,
    },
    Map(Vec<(Value, Value)>),
    Seq(Vec<Value>),
}

impl Value {
    /// A non-plain string scalar.
    pub fn string(text: &str) -> Value {
        Value::Scalar {
            text: text.to_owned(),
            plain: false,
            tag: None,
        }
    }

    /// The mapping value under a string key, mutable.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Map(entries) => entries
                .iter_mut()
                .find(|(k, _)| matches!(k, Value::Scalar { text, .. } if text == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Where the indicator (`|` or `>`) of a block scalar whose content the parser reports at
/// `content` sits: on the last line before `content` that is neither blank nor a comment.
fn block_scalar_header(text: &str, content: usize) -> Option<usize> {
    let mut end = content;
    loop {
        let start = line_start(text, end);
        let line = &text[start..end];
        let trimmed = line.trim();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            return line
                .char_indices()
                .find(|&(i, c)| matches!(c, '|' | '>') && is_header_rest(&line[i + 1..]))
                .map(|(i, _)| start + i);
        }
        if start == 0 {
            return None;
        }
        end = start - 1;
    }
}

/// Whether `rest` can follow a block scalar indicator on its line: indentation and chomping
/// indicators, then optionally a comment.
fn is_header_rest(rest: &str) -> bool {
    let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit() || c == '+' || c == '-');
    rest.trim().is_empty() || (rest.starts_with([' ', '\t']) && rest.trim_start().starts_with('#'))
}

/// Byte offset of the start of the line holding `offset`.
pub fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

/// Byte offset just past the line break of the line holding `offset` (or the end of the text).
pub fn next_line_start(text: &str, offset: usize) -> usize {
    text[offset..]
        .find('\n')
        .map_or(text.len(), |i| offset + i + 1)
}

/// 1-based line number of a byte offset.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Value {
    /// The value as JSON, the way Kubernetes reads YAML: plain `true`/`false` are booleans, plain
    /// integers and floats are numbers, null is null, everything else is a string. Keys become
    /// strings. Used for the GitOps objects the locator reads (Applications, Kustomizations).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Scalar {
                text,
                plain: true,
                tag: None,
            } => match text.as_str() {
                "true" | "True" | "TRUE" => serde_json::Value::Bool(true),
                "false" | "False" | "FALSE" => serde_json::Value::Bool(false),
                _ => text
                    .parse::<i64>()
                    .map(serde_json::Value::from)
                    .or_else(|_| text.parse::<f64>().map(serde_json::Value::from))
                    .unwrap_or_else(|_| serde_json::Value::String(text.clone())),
            },
            Value::Scalar { text, .. } => serde_json::Value::String(text.clone()),
            Value::Seq(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Value::Scalar { text, .. } => text.clone(),
                            Value::Null => String::new(),
                            other => other.to_json().to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
        }
    }
}
