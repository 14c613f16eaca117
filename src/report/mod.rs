//! Reports: the plan rendered as text (with the diff), JSON for scripts, or markdown.
//!
//! Renderers write into a `&mut dyn Write` and never decide about colour: the text renderer
//! always emits ANSI styles, and the caller's stream (anstream) strips them when stdout is not a
//! terminal or `NO_COLOR` is set. Every renderer shows outside text through [`escape`], one
//! function per kind of output; the JSON reports hold it raw.

pub mod budget;
mod diff;
pub(crate) mod escape;
pub mod group;
pub mod json;
pub mod markdown;
pub mod pull_request;
pub mod text;
pub mod verification;

pub use diff::unified_diff;
/// [`escape::text`] and [`escape::line`], for the binary's errors on stderr.
pub use escape::{line as escape_line, text as escape_text};

/// The first `shown` of `items` joined with `, `, then `and N more` for the rest: how every
/// report and message lists names it may not show all of.
pub(crate) fn first_and_more<S: AsRef<str>>(items: &[S], shown: usize) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > shown {
        text.push_str(&format!(" and {} more", items.len() - shown));
    }
    text
}

/// The JSON Schema (draft 2020-12) of a JSON report type, describing what the report holds as
/// serialized: a member is `required` unless it is skipped when empty. The doc comments of the
/// types and their fields are the descriptions.
pub(crate) fn schema_for<T: schemars::JsonSchema>() -> serde_json::Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_serialize()
        .into_generator()
        .into_root_schema_for::<T>()
        .to_value();
    unwrap_descriptions(&mut schema);
    schema
}

/// Join the lines of every description that the doc comment's wrapping broke, keeping the
/// blank lines between paragraphs.
pub(crate) fn unwrap_descriptions(schema: &mut serde_json::Value) {
    match schema {
        serde_json::Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                if key == "description"
                    && let serde_json::Value::String(text) = member
                {
                    *text = text
                        .split("\n\n")
                        .map(|paragraph| paragraph.split_whitespace().collect::<Vec<_>>().join(" "))
                        .collect::<Vec<_>>()
                        .join("\n\n");
                } else {
                    unwrap_descriptions(member);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}
