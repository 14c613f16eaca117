//! The re-parse check: what every edited document must mean (the original plus exactly the
//! values set), and the comparison of the edited text with it. A failed check is an error,
//! never a silently wrong text.

use crate::yaml::{self, Value, line_of};

use super::EditError;
use super::splice::Written;

/// Apply the restart to the expected meaning of a document.
pub(super) fn set_value(doc: &mut Value, path: &[&str], value: &str, written: &Written) {
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
pub(super) fn verify(
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
