//! Filling parameters into an ApplicationSet's strings, in either of Argo CD's syntaxes:
//! fasttemplate (`{{param}}`, `{{ param }}`: a parameter that is not a string stays as written,
//! as Argo CD leaves it) and Go templates (`goTemplate: true`, [`super::gotemplate`]).
//!
//! A template (the Application, or a matrix's second generator) is filled string by string, as
//! Argo CD fills every string field; mapping keys are not templated. What could not be filled is
//! returned with its place (`spec.source.path`), so the caller decides whether that string
//! matters. [`pattern`] turns a template string into a glob where each `{{...}}` matches
//! anything: what a string may become when its parameters are not known. Pure.

use serde_json::{Map, Value};

use super::gotemplate;

/// A generator's parameters: flat `a.b` keys of strings (fasttemplate) or nested values.
pub(super) type Params = Map<String, Value>;

/// Which template syntax an ApplicationSet uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Syntax {
    Fast,
    Go {
        /// `goTemplateOptions: ["missingkey=error"]`.
        missing_error: bool,
    },
}

impl Syntax {
    /// `text` with `params` filled in, or why it can't be (left as written).
    pub(super) fn render(self, text: &str, params: &Value) -> Result<String, String> {
        if !text.contains("{{") {
            return Ok(text.to_owned());
        }
        match self {
            Syntax::Fast => {
                let (rendered, unresolved) = fast(text, params);
                match unresolved {
                    None => Ok(rendered),
                    Some(tag) => Err(format!("`{{{{{tag}}}}}` is not a parameter")),
                }
            }
            Syntax::Go { missing_error } => gotemplate::render(text, params, missing_error),
        }
    }

    /// Every string of `template` filled with `params`; each string that could not be, with
    /// its place and why (the string stays as written, or as far as fasttemplate filled it).
    pub(super) fn render_tree(self, template: &Value, params: &Value) -> (Value, Vec<Unfilled>) {
        let mut problems = Vec::new();
        let value = self.fill(template, params, "", &mut problems);
        (value, problems)
    }

    fn fill(self, value: &Value, params: &Value, at: &str, problems: &mut Vec<Unfilled>) -> Value {
        match value {
            Value::String(text) => Value::String(match self.render(text, params) {
                Ok(rendered) => rendered,
                Err(reason) => {
                    problems.push(Unfilled {
                        at: at.to_owned(),
                        template: text.clone(),
                        reason,
                    });
                    match self {
                        Syntax::Fast => fast(text, params).0,
                        Syntax::Go { .. } => text.clone(),
                    }
                }
            }),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| self.fill(item, params, &format!("{at}[{i}]"), problems))
                    .collect(),
            ),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(key, item)| {
                        let place = if at.is_empty() {
                            key.clone()
                        } else {
                            format!("{at}.{key}")
                        };
                        (key.clone(), self.fill(item, params, &place, problems))
                    })
                    .collect::<Map<_, _>>(),
            ),
            other => other.clone(),
        }
    }
}

/// A string of a template that could not be filled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Unfilled {
    /// Where, from the template's root: `metadata.name`, `spec.sources[1].path`.
    pub(super) at: String,
    pub(super) template: String,
    pub(super) reason: String,
}

/// fasttemplate as Argo CD runs it: each `{{tag}}` whose trimmed tag is a string parameter is
/// replaced; any other stays as written (the first such tag is returned).
fn fast(text: &str, params: &Value) -> (String, Option<String>) {
    let mut out = String::new();
    let mut unresolved = None;
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        let tag = &rest[open + 2..open + 2 + close];
        let trimmed = tag.trim();
        match params.get(trimmed).and_then(Value::as_str) {
            Some(value) if !trimmed.is_empty() => out.push_str(value),
            _ => {
                out.push_str("{{");
                out.push_str(tag);
                out.push_str("}}");
                unresolved.get_or_insert_with(|| tag.to_owned());
            }
        }
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    (out, unresolved)
}

/// A glob (any character crossing `/`) for what `text` may become: each `{{...}}` matches
/// anything, the rest only itself.
pub(super) fn pattern(text: &str) -> Option<globset::GlobMatcher> {
    let mut glob = String::new();
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        glob.push_str(&globset::escape(&rest[..open]));
        if !glob.ends_with('*') {
            glob.push('*');
        }
        rest = &rest[open + 2 + close + 2..];
    }
    glob.push_str(&globset::escape(rest));
    globset::GlobBuilder::new(&glob)
        .literal_separator(false)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fasttemplate_fills_string_parameters_and_leaves_the_rest() {
        let params = json!({"cluster": "prod", "path.basename": "web", "n": 3});
        let fast = Syntax::Fast;
        assert_eq!(fast.render("web-{{cluster}}", &params).unwrap(), "web-prod");
        assert_eq!(
            fast.render("{{ path.basename }}/{{cluster}}", &params)
                .unwrap(),
            "web/prod"
        );
        assert_eq!(fast.render("no tags", &params).unwrap(), "no tags");
        assert_eq!(fast.render("a {{ b", &params).unwrap(), "a {{ b");
        let err = fast.render("{{env}}-{{cluster}}", &params).unwrap_err();
        assert_eq!(err, "`{{env}}` is not a parameter");
        assert!(
            fast.render("{{n}}", &params).is_err(),
            "not a string: left as is"
        );
        assert_eq!(
            super::fast(" {{env}}-{{cluster}}", &params).0,
            " {{env}}-prod"
        );
    }

    #[test]
    fn trees_are_filled_string_by_string_with_places() {
        let template = json!({
            "metadata": {"name": "{{name}}-web", "labels": {"{{k}}": "v"}},
            "spec": {"sources": [{"path": "a"}, {"path": "{{missing}}"}], "n": 1}
        });
        let (value, problems) = Syntax::Fast.render_tree(&template, &json!({"name": "x"}));
        assert_eq!(value["metadata"]["name"], "x-web");
        assert!(
            value["metadata"]["labels"].get("{{k}}").is_some(),
            "keys are not templated"
        );
        assert_eq!(value["spec"]["n"], 1);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].at, "spec.sources[1].path");
        let go = Syntax::Go {
            missing_error: true,
        };
        let (value, problems) =
            go.render_tree(&json!({"a": "{{.x}}", "b": "{{.y}}"}), &json!({"x": "1"}));
        assert_eq!(value["a"], "1");
        assert_eq!(problems[0].at, "b");
        assert_eq!(value["b"], "{{.y}}");
    }

    #[test]
    fn patterns_match_what_a_template_may_become() {
        let p = pattern("apps/{{path.basename}}/overlays/{{ .cluster }}").unwrap();
        assert!(p.is_match("apps/web/overlays/prod"));
        assert!(p.is_match("apps/a/b/overlays/prod"));
        assert!(!p.is_match("apps/web/base"));
        let p = pattern("web-[x]{{n}}").unwrap();
        assert!(p.is_match("web-[x]12") && !p.is_match("web-x12"));
        assert!(pattern("{{path}}").unwrap().is_match("any/thing"));
    }
}
