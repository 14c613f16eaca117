//! An input's text as documents: JSON values or YAML documents, each deserialised by the
//! consumer's type as it is read, with its format and where it starts; the one error a
//! parser's failure becomes; and, for a consumer that names keys in its messages, the key path
//! and reason its type refused a well-formed document for ([`Text::refusal`], which reads the
//! document again, only after it was refused).
//!
//! It must not know what a document means ([`FromDocument`] decides) nor word the consumer's
//! messages ([`SyntaxError`] carries the parts). Invariants: a byte-order mark is not content;
//! text starting with `{` or `[` is read as JSON, value after value, and is read again as YAML
//! only after a JSON syntax error before its end (not after truncated text, so a broken big
//! snapshot is not parsed twice to the end), JSON's error standing when YAML fails too; empty
//! YAML documents are skipped; YAML's aliases may expand to at most [`ALIAS_EXPANSION`] events
//! and nesting is at most [`MAX_DEPTH`] deep (counts and sizes are bounded by the input's byte
//! limit instead); lines are counted in one pass, so many JSON values stay linear.

use std::fmt;

use serde::{Deserialize, Deserializer};

/// The most events all of a YAML text's aliases may expand to, and the most events anchors may
/// record. Kubernetes and AWS never write aliases; a hand-written file uses a few. An alias bomb
/// (each anchor a list of aliases to the previous one) reaches it within milliseconds.
pub(crate) const ALIAS_EXPANSION: usize = 100_000;

/// The deepest a YAML document may nest (serde-saphyr's default; Kubernetes objects stay under
/// 20). JSON has serde_json's own limit of 128.
pub(crate) const MAX_DEPTH: usize = 64;

/// A document's syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Format {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Json => "JSON",
            Format::Yaml => "YAML",
        }
    }
}

/// How a consumer reads one document: like `Deserialize`, knowing the document's format (a
/// snapshot's YAML items carry their lines). Every `DeserializeOwned` type is one.
pub(crate) trait FromDocument: Sized {
    fn from_document<'de, D: Deserializer<'de>>(
        deserializer: D,
        format: Format,
    ) -> Result<Self, D::Error>;
}

impl<T: serde::de::DeserializeOwned> FromDocument for T {
    fn from_document<'de, D: Deserializer<'de>>(
        deserializer: D,
        _format: Format,
    ) -> Result<Self, D::Error> {
        T::deserialize(deserializer)
    }
}

/// One document, as the consumer's type read it.
#[derive(Debug)]
pub(crate) struct Document<T> {
    pub value: T,
    pub format: Format,
    /// The 1-based line and column where it starts (for JSON, columns count characters), when
    /// the parser says.
    pub start: Option<(u64, u64)>,
}

/// Text that could not be read as documents: a syntax error, or (`data`) a document the
/// consumer's type refused. Displays as `input:line:column: invalid JSON: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// The input's name (a file name, `-` for stdin).
    pub input: String,
    /// The format the text was read in: JSON when it looks like JSON.
    pub format: Format,
    /// 1-based, when the parser says.
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// The parser's words, on one line, without the position.
    pub message: String,
    /// The text is well-formed, but the consumer's type refused a value (serde's data errors:
    /// a wrong type, an unknown field, the consumer's own message).
    pub data: bool,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.input)?;
        match (self.line, self.column) {
            (Some(line), Some(column)) => write!(f, ":{line}:{column}")?,
            (Some(line), None) => write!(f, ":{line}")?,
            _ => {}
        }
        if self.data {
            write!(f, ": {}", self.message)
        } else {
            write!(f, ": invalid {}: {}", self.format, self.message)
        }
    }
}

impl std::error::Error for SyntaxError {}

/// An input's text, named for messages.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Text<'a> {
    text: &'a str,
    name: &'a str,
}

impl<'a> Text<'a> {
    /// The text of the input `name`, without its byte-order mark.
    pub(crate) fn new(text: &'a str, name: &'a str) -> Self {
        Text {
            text: text.strip_prefix('\u{feff}').unwrap_or(text),
            name,
        }
    }

    /// JSON when the text starts (after whitespace) with `{` or `[`, else YAML.
    pub(crate) fn format(&self) -> Format {
        if self.text.trim_start().starts_with(['{', '[']) {
            Format::Json
        } else {
            Format::Yaml
        }
    }

    /// Every document, each read by `T` as the parser streams it: JSON values (one, or several
    /// after one another), or non-empty YAML documents. Empty text has none.
    pub(crate) fn documents<T: FromDocument>(&self) -> Result<Vec<Document<T>>, SyntaxError> {
        match self.format() {
            Format::Json => match self.json() {
                Ok(documents) => Ok(documents),
                // A YAML flow mapping starts with `{` too, and is not JSON when a key is not
                // quoted: a syntax error is tried again as YAML; when both fail, JSON's message
                // is the one that fits what the text looks like. Text that ends inside a JSON
                // value (a truncated `kubectl` output) would end inside a YAML flow collection
                // too, and a value the consumer refused is refused in YAML as well.
                Err(json) if json.classify() == serde_json::error::Category::Syntax => {
                    self.yaml().map_err(|_| self.json_error(&json))
                }
                Err(json) => Err(self.json_error(&json)),
            },
            Format::Yaml => self.yaml().map_err(|yaml| self.yaml_error(&yaml)),
        }
    }

    fn json<T: FromDocument>(&self) -> Result<Vec<Document<T>>, serde_json::Error> {
        let text = self.text;
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Json<T>>();
        let mut lines = Lines::default();
        let mut documents = Vec::new();
        loop {
            let offset = stream.byte_offset();
            let start = text.get(offset..).map_or(offset, |rest| {
                offset + (rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len())
            });
            match stream.next() {
                None => break,
                Some(Ok(Json(value))) => documents.push(Document {
                    value,
                    format: Format::Json,
                    start: Some(lines.at(text, start)),
                }),
                Some(Err(error)) => return Err(error),
            }
        }
        Ok(documents)
    }

    fn yaml<T: FromDocument>(&self) -> Result<Vec<Document<T>>, serde_saphyr::Error> {
        let documents: Vec<serde_saphyr::Spanned<Yaml<T>>> =
            serde_saphyr::from_multiple_with_options(self.text, yaml_options())?;
        Ok(documents
            .into_iter()
            .map(|document| {
                let at = &document.referenced;
                Document {
                    value: document.value.0,
                    format: Format::Yaml,
                    start: (at.line() > 0).then(|| (at.line(), at.column())),
                }
            })
            .collect())
    }

    fn json_error(&self, error: &serde_json::Error) -> SyntaxError {
        let known = error.line() > 0;
        SyntaxError {
            input: self.name.to_owned(),
            format: Format::Json,
            line: known.then(|| error.line() as u64),
            column: known.then(|| error.column() as u64),
            message: without_position(&error.to_string()),
            data: error.is_data(),
        }
    }

    fn yaml_error(&self, error: &serde_saphyr::Error) -> SyntaxError {
        let location = error.location().filter(|l| l.line() > 0);
        SyntaxError {
            input: self.name.to_owned(),
            format: Format::Yaml,
            line: location.map(|l| l.line()),
            column: location.map(|l| l.column()),
            message: yaml_message(error),
            data: is_data(error),
        }
    }
}

/// What a consumer's type refused in a well-formed document, and where: for a message that
/// names the key rather than only a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    /// The keys (and list indexes) down to the refused value, `pullRequest.labels`, `include[0]`;
    /// for an unknown key, down to its map; empty at the top.
    pub path: String,
    pub what: Refused,
}

/// What was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A key the type does not have, and those it has.
    UnknownKey { key: String, known: Vec<String> },
    /// A value of the wrong shape: the parser's words, without its position.
    Value(String),
}

impl Text<'_> {
    /// The key path and reason `T` refuses the text's first document for, when it refuses it
    /// (a data error: the text is well-formed); `None` when it reads it, or the text is not
    /// well-formed. Reads the document again, tracking the path: for error messages only.
    pub(crate) fn refusal<T: serde::de::DeserializeOwned>(&self) -> Option<Refusal> {
        match self.format() {
            Format::Json => {
                let mut deserializer = serde_json::Deserializer::from_str(self.text);
                let err = serde_path_to_error::deserialize::<_, T>(&mut deserializer).err()?;
                err.inner().is_data().then(|| {
                    let what = json_refused(&without_position(&err.inner().to_string()));
                    Refusal::new(err.path(), what)
                })
            }
            Format::Yaml => {
                let mut found = None;
                let _ = serde_saphyr::with_deserializer_from_str_with_options(
                    self.text,
                    yaml_options(),
                    |deserializer| {
                        serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|err| {
                            if is_data(err.inner()) {
                                found = Some(Refusal::new(err.path(), yaml_refused(err.inner())));
                            }
                            err.into_inner()
                        })
                    },
                );
                found
            }
        }
    }
}

impl Refusal {
    fn new(path: &serde_path_to_error::Path, what: Refused) -> Refusal {
        let mut path = path.to_string();
        // The path ends with the key being read when a key is refused: the path is its map's.
        if let Refused::UnknownKey { key, .. } = &what {
            if path == *key {
                path.clear();
            } else if let Some(parent) = path.strip_suffix(&format!(".{key}")) {
                path = parent.to_owned();
            }
        }
        // serde_path_to_error's `?` stands for a place it does not know, `.` for the top.
        let path = path.trim_end_matches('?').trim_end_matches('.');
        Refusal {
            path: path.to_owned(),
            what,
        }
    }
}

/// serde's own words for an unknown key, `unknown field `x`, expected one of `a`, `b``, read
/// back into parts; any other refusal as it is.
fn json_refused(message: &str) -> Refused {
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return Refused::Value(message.to_owned());
    };
    let Some((key, expected)) = rest.split_once('`') else {
        return Refused::Value(message.to_owned());
    };
    let known = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect();
    Refused::UnknownKey {
        key: key.to_owned(),
        known,
    }
}

fn yaml_refused(error: &serde_saphyr::Error) -> Refused {
    use serde_saphyr::Error as E;
    match error {
        E::AliasError { error, .. } => yaml_refused(error),
        E::SerdeUnknownField {
            field, expected, ..
        } => Refused::UnknownKey {
            key: field.clone(),
            known: expected.iter().map(|&k| k.to_owned()).collect(),
        },
        // The parser's shorthand for what it expected where another shape stood.
        E::Unexpected { expected, .. } => Refused::Value(format!(
            "expected {}",
            match *expected {
                "sequence start" => "a list",
                "mapping start" => "a mapping (key: value)",
                "string scalar" => "a string",
                other => other,
            }
        )),
        other => Refused::Value(yaml_message(other)),
    }
}

/// A JSON document, read by `T`.
struct Json<T>(T);

impl<'de, T: FromDocument> Deserialize<'de> for Json<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_document(deserializer, Format::Json).map(Json)
    }
}

/// A YAML document, read by `T`.
struct Yaml<T>(T);

impl<'de, T: FromDocument> Deserialize<'de> for Yaml<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        T::from_document(deserializer, Format::Yaml).map(Yaml)
    }
}

/// Line and column of offsets met in increasing order, counted on from the previous one.
#[derive(Default)]
struct Lines {
    /// The offset counted up to, and its 0-based line and column (in characters).
    counted: usize,
    line: usize,
    column: usize,
}

impl Lines {
    fn at(&mut self, text: &str, offset: usize) -> (u64, u64) {
        if let Some(between) = text.get(self.counted..offset) {
            match between.rfind('\n') {
                Some(last) => {
                    self.line += between.matches('\n').count();
                    self.column = between.get(last + 1..).map_or(0, |l| l.chars().count());
                }
                None => self.column += between.chars().count(),
            }
            self.counted = offset;
        }
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX).saturating_add(1);
        (count(self.line), count(self.column))
    }
}

/// The YAML options every input is read with: no snippets in messages (the error gives its
/// position once), and limits on what aliases and nesting may cost. Counts of events, nodes,
/// documents and bytes are not limited here: the input's byte limit bounds them, and a
/// snapshot's are large.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_reader_input_bytes = None;
    budget.max_events = usize::MAX;
    budget.max_documents = usize::MAX;
    budget.max_nodes = usize::MAX;
    budget.max_total_scalar_bytes = usize::MAX;
    budget.max_depth = MAX_DEPTH;
    budget.max_recorded_anchor_events = ALIAS_EXPANSION;
    let mut alias_limits = serde_saphyr::options::AliasLimits::default();
    alias_limits.max_total_replayed_events = ALIAS_EXPANSION;
    serde_saphyr::options! {
        with_snippet: false,
        budget: Some(budget),
        alias_limits: alias_limits,
    }
}

/// A YAML error's words: a limit in this module's terms, else the parser's first line.
fn yaml_message(error: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    use serde_saphyr::budget::BudgetBreach as B;
    let aliases = || {
        format!(
            "its aliases (`*name`) expand to more than {ALIAS_EXPANSION} events, the limit; \
             refused as an alias bomb would be"
        )
    };
    match error {
        E::AliasError { error, .. } => yaml_message(error),
        // Kustomize refuses a repeated key too; which one would win is nobody's guess.
        E::DuplicateMappingKey { key: Some(key), .. } => format!("duplicate key `{key}`"),
        E::DuplicateMappingKey { key: None, .. } => "duplicate key".to_owned(),
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => aliases(),
        E::Budget { breach, .. } => match breach {
            B::Depth { .. } => format!("nested more than {MAX_DEPTH} levels deep, the limit"),
            B::Aliases { .. }
            | B::Anchors { .. }
            | B::AliasAnchorRatio { .. }
            | B::RecordedAnchorEvents { .. }
            | B::RecordedAnchorBytes { .. } => aliases(),
            _ => without_position(&error.without_snippet().to_string()),
        },
        _ => without_position(&error.without_snippet().to_string()),
    }
}

/// Whether serde-saphyr's error is serde's data error (the YAML is well-formed).
fn is_data(error: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    match error {
        E::AliasError { error, .. } => is_data(error),
        E::Message { .. }
        | E::Unexpected { .. }
        | E::SerdeInvalidType { .. }
        | E::SerdeInvalidValue { .. }
        | E::SerdeInvalidLength { .. }
        | E::SerdeUnknownVariant { .. }
        | E::SerdeUnknownField { .. }
        | E::SerdeMissingField { .. } => true,
        _ => false,
    }
}

/// A parser's message on one line, without the position it appends (the error gives it once).
fn without_position(message: &str) -> String {
    let message = message.lines().next().unwrap_or("").trim();
    match message.find(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}
