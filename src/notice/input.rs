//! A notice file's text, read as JSON or YAML into values and where each sits: one JSON value,
//! several (JSON lines), or one or more YAML documents, after a byte-order mark; a top-level list
//! holds one value per element. This module does not look inside the values (`forms` decides
//! what they are). Invariants: a file with nothing in it is [`NoticeError::Empty`]; unreadable
//! text is one [`NoticeError::Syntax`] that gives the position once, in JSON's terms when the
//! text looks like JSON; a file of one value is [`At::Whole`], otherwise each value says where it
//! starts; lines are counted in one pass, so a long JSON-lines file stays linear.

use serde_json::Value;

use super::{At, NoticeError};

/// The values in a notice file's text, each with where it sits in the file.
pub(super) fn read(text: &str, input: &str) -> Result<Vec<(Value, At)>, NoticeError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let empty = || NoticeError::Empty {
        input: input.to_owned(),
    };
    let start = text.trim_start();
    if start.is_empty() {
        return Err(empty());
    }
    if start.starts_with('{') || start.starts_with('[') {
        return match read_json(text) {
            Ok(values) => Ok(values),
            Err(json) => match read_yaml(text) {
                // A YAML flow mapping starts with `{` too; when both fail JSON's message is the
                // one that fits what the file looks like.
                Ok(values) if values.iter().any(|(v, _)| v.is_object() || v.is_array()) => {
                    Ok(values)
                }
                _ => Err(NoticeError::Syntax {
                    input: input.to_owned(),
                    format: "JSON",
                    line: json.line(),
                    column: json.column(),
                    message: json_message(&json),
                }),
            },
        };
    }
    match read_yaml(text) {
        Ok(values) if values.is_empty() => Err(empty()),
        Ok(values) => Ok(values),
        Err(yaml) => {
            let location = yaml.location();
            Err(NoticeError::Syntax {
                input: input.to_owned(),
                format: "YAML",
                line: location.map_or(0, |l| usize::try_from(l.line()).unwrap_or(usize::MAX)),
                column: location.map_or(0, |l| usize::try_from(l.column()).unwrap_or(usize::MAX)),
                message: without_position(&yaml.without_snippet().to_string()),
            })
        }
    }
}

/// serde_json's message without its own " at line L column C" (the error says it once).
fn json_message(error: &serde_json::Error) -> String {
    without_position(&error.to_string())
}

/// A parser's message without the position it appends; [`NoticeError::Syntax`] gives it once.
fn without_position(message: &str) -> String {
    let message = message.lines().next().unwrap_or("").trim();
    match message.rfind(" at line ") {
        Some(i) => message.get(..i).unwrap_or(message).to_owned(),
        None => message.to_owned(),
    }
}

/// Every JSON value in the text, with the line it starts on when there are several (JSON lines).
fn read_json(text: &str) -> Result<Vec<(Value, At)>, serde_json::Error> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let mut values = Vec::new();
    // Lines are counted on from the previous value, so a long JSON-lines file stays linear.
    let (mut counted, mut line) = (0, 1);
    loop {
        let offset = stream.byte_offset();
        let start = text.get(offset..).map_or(offset, |rest| {
            offset + (rest.len() - rest.trim_start().len())
        });
        line += text
            .get(counted..start)
            .map_or(0, |between| between.matches('\n').count());
        counted = start;
        match stream.next() {
            None => break,
            Some(Ok(value)) => values.push((value, At::Line(line))),
            Some(Err(error)) => return Err(error),
        }
    }
    if let [(_, at)] = values.as_mut_slice() {
        *at = At::Whole;
    }
    Ok(values)
}

/// Every non-empty YAML document in the text.
fn read_yaml(text: &str) -> Result<Vec<(Value, At)>, serde_saphyr::Error> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text)?;
    let many = docs.len() > 1;
    Ok(docs
        .into_iter()
        .enumerate()
        .filter(|(_, v)| !v.is_null())
        .map(|(i, v)| (v, if many { At::Document(i + 1) } else { At::Whole }))
        .collect())
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
