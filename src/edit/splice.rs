//! The splices: where in a document's text the restart value goes and what text goes there,
//! in the style the document already uses (indentation step, flow or block, line endings).
//! Computes splices only; applying and checking them is the caller's.

use std::fmt::Write as _;

use crate::yaml::{NodeId, NodeKind, Stream, line_start, next_line_start};

use super::EditError;
use granit_parser::ScalarStyle;

use super::scalar::{double_quoted, key_text, plain_safe, single_quote_safe, single_quoted};

/// Line-ending convention of a file, learned from its first line break.
pub(super) struct Style {
    pub(super) eol: &'static str,
}

impl Style {
    pub(super) fn of(text: &str) -> Style {
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
pub(super) struct Written {
    pub(super) plain: bool,
    pub(super) tag: Option<String>,
}

/// Replace `at` in the original text `with` new text.
#[derive(Debug)]
pub(super) struct Splice {
    pub(super) at: std::ops::Range<usize>,
    pub(super) with: String,
}

pub(super) struct DocEditor<'s> {
    pub(super) text: &'s str,
    pub(super) stream: &'s Stream,
    pub(super) style: &'s Style,
    pub(super) splices: Vec<Splice>,
}

impl DocEditor<'_> {
    /// The document's indentation step, learned from the nested block mappings along the path
    /// the edit follows: the step nearest to the edit (the last one on the path), 2 when the
    /// document shows none.
    pub(super) fn indent_step(&self, root: NodeId, parents: &[&str]) -> usize {
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
    pub(super) fn set(
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
        if let Some(key) = self.complex_key(map) {
            // A `? key` entry: its key may be a mapping, and its key's column is not the
            // mapping's. Where a new entry would land (or which entry is meant) isn't obvious.
            return Err(EditError::Shape {
                line: self.stream.nodes[key].line,
                what: parent_name(what).to_owned(),
                problem: "has a complex key (`?`): an explicit or non-string key on the path to \
                          the restart value"
                    .to_owned(),
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

    /// The first key of `map` that is a collection or written as an explicit key (`? key`).
    fn complex_key(&self, map: NodeId) -> Option<NodeId> {
        let entries = self.stream.entries(map)?;
        entries.iter().map(|&(k, _)| k).find(|&k| {
            matches!(
                self.stream.nodes[k].kind,
                NodeKind::Map { .. } | NodeKind::Seq { .. }
            ) || self.explicit(k)
        })
    }

    /// Whether the `?` indicator stands before a key: last on the text before it on its line
    /// (after any anchor or tag), or on the line above with only indicators, properties and a
    /// comment (`?` then the key below).
    fn explicit(&self, key: NodeId) -> bool {
        let start = self.stream.nodes[key].span.start;
        let before = &self.text[line_start(self.text, start)..start];
        let last = before
            .split_whitespace()
            .rev()
            .find(|token| !token.starts_with(['&', '!']));
        match last {
            Some(token) => token.trim_start_matches(['{', '[', ',']) == "?",
            None => {
                let above = self.text[..line_start(self.text, start)]
                    .lines()
                    .rev()
                    .map(|line| line.split(" #").next().unwrap_or_default().trim())
                    .find(|line| !line.is_empty() && !line.starts_with('#'));
                // Only indicators and properties on it: `?`, `- ?`, `? &a !!str`.
                above.is_some_and(|line| {
                    let mut tokens = line.split_whitespace();
                    tokens.clone().any(|token| token == "?")
                        && tokens.all(|token| {
                            matches!(token, "?" | "-") || token.starts_with(['&', '!'])
                        })
                })
            }
        }
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
