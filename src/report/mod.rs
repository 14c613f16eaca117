//! Reports: the plan rendered as text (with the diff), JSON for scripts, or markdown.
//!
//! Renderers write into a `&mut dyn Write` and never decide about colour: the text renderer
//! always emits ANSI styles, and the caller's stream (anstream) strips them when stdout is not a
//! terminal or `NO_COLOR` is set.

mod diff;
pub mod json;
pub mod markdown;
pub mod text;

pub use diff::unified_diff;
