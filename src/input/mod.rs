//! The one reader of input documents: notices, snapshots and the configuration file.
//!
//! Responsibility: read an input's bytes, from a file or stdin (`-`), up to a size limit
//! ([`read`] with [`SNAPSHOT`], [`NOTICE`] or [`CONFIG`]); split its text into documents, each with its format and where it
//! starts ([`Text::documents`]): one JSON value or several (JSON lines, concatenated `kubectl`
//! output), or YAML documents, after a byte-order mark; turn a parser's error into one
//! [`SyntaxError`] with the input's name, line and column, in JSON's terms when the text looks
//! like JSON; and bound what YAML may expand to (aliases, nesting), so an alias bomb is refused
//! instead of expanded.
//!
//! It must not decide what a document means: each consumer deserialises a document its own way
//! ([`FromDocument`]: notices into `serde_json` values, snapshots through the streaming list
//! decoder, the configuration into typed structs) and words its own messages from the
//! [`SyntaxError`]'s parts. It never holds a document twice: JSON is streamed value by value
//! into the consumer's type, so a big `List` is decoded item by item as it is read. It never
//! panics and prints nothing.
//!
//! Invariants: no more than a limit's bytes (plus one, to tell "too large") are ever read from an
//! input; a device, a socket or a directory is refused without being read, while regular files,
//! pipes (process substitution, `<(kubectl get ...)`) and stdin are read; text that starts with
//! `{` or `[` is JSON, and is read as YAML only when it is not valid JSON but is valid YAML (a
//! flow mapping with unquoted keys), its error staying JSON's when both fail; positions are
//! 1-based.

mod documents;
mod file;
#[cfg(test)]
mod tests;

pub(crate) use documents::{
    ALIAS_EXPANSION, Format, FromDocument, MAX_DEPTH, Refusal, Refused, SyntaxError, Text,
};
pub(crate) use file::{CONFIG, NOTICE, ReadError, SNAPSHOT, read};
