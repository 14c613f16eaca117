//! A notice file's values and where each sits. The text is split into documents by
//! [`crate::input`] (one JSON value, several as JSON lines, or YAML documents, after a
//! byte-order mark); this module numbers them as a notice's messages do, and a top-level list
//! holds one value per element. It does not look inside the values (`forms` decides what they
//! are). Invariants: a file with nothing in it is [`NoticeError::Empty`]; unreadable text is one
//! [`NoticeError::Syntax`] that gives the position once, in JSON's terms when the text looks like
//! JSON; a file of one value is [`At::Whole`], otherwise each value says where it starts (JSON:
//! its line; YAML: its document).

use serde_json::Value;

use super::{At, NoticeError};
use crate::input::{Format, Text};

/// The values in a notice file's text, each with where it sits in the file.
pub(super) fn read(text: &str, input: &str) -> Result<Vec<(Value, At)>, NoticeError> {
    let documents = Text::new(text, input)
        .documents::<Value>()
        .map_err(|error| NoticeError::Syntax {
            input: error.input,
            format: error.format.name(),
            line: error
                .line
                .map_or(0, |l| usize::try_from(l).unwrap_or(usize::MAX)),
            column: error
                .column
                .map_or(0, |c| usize::try_from(c).unwrap_or(usize::MAX)),
            message: error.message,
        })?;
    let many = documents.len() > 1;
    let values: Vec<(Value, At)> = documents
        .into_iter()
        .enumerate()
        // An explicitly tagged null document is read, but holds nothing.
        .filter(|(_, document)| !document.value.is_null())
        .map(|(i, document)| {
            let at = match (many, document.format, document.start) {
                (false, _, _) => At::Whole,
                (true, Format::Json, Some((line, _))) => {
                    At::Line(usize::try_from(line).unwrap_or(usize::MAX))
                }
                (true, _, _) => At::Document(i + 1),
            };
            (document.value, at)
        })
        .collect();
    if values.is_empty() {
        return Err(NoticeError::Empty {
            input: input.to_owned(),
        });
    }
    Ok(values)
}

/// Top-level lists hold one notice per element.
pub(super) fn flatten(values: Vec<(Value, At)>) -> Vec<(Value, At)> {
    let mut items = Vec::new();
    for (value, at) in values {
        match value {
            Value::Array(list) => {
                for (i, item) in list.into_iter().enumerate() {
                    let at = if at == At::Whole { At::Item(i + 1) } else { at };
                    items.push((item, at));
                }
            }
            other => items.push((other, at)),
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use crate::notice::testing::message;
    use crate::notice::{EXPECTED, parse};

    #[test]
    fn empty_input() {
        for text in ["", "  \n\t", "\u{feff}", "# just a comment\n"] {
            assert_eq!(
                message(parse(text, "e.json")),
                format!("e.json: the notice is empty; {EXPECTED}")
            );
        }
    }

    #[test]
    fn jsonl_errors_name_the_line() {
        let good =
            include_str!("../../fixtures/notices/scheduled-termination.json").replace('\n', " ");
        let text = format!("{good}\n{}\n", good.replace("\"podName\"", "\"pod\""));
        let err = message(parse(&text, "t.jsonl"));
        assert!(err.starts_with("t.jsonl, line 2: "), "{err}");
        assert!(err.contains("has no detail.podName"), "{err}");
    }
}
