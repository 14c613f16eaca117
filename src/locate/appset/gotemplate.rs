//! Go's `text/template`, as far as ApplicationSet templates written with `goTemplate: true` use
//! it: actions with fields (`{{ .path.basename }}`, `{{ $.name }}`), string, number and boolean
//! literals, pipelines (`{{ .name | lower }}`) and parenthesised sub-pipelines, `if`/`else
//! if`/`else`/`end`, comments and the trim markers `{{-` and `-}}`, and a small set of Sprig's and
//! Argo CD's functions ([`super::functions`]).
//!
//! Everything else (`range`, `with`, variables, `define`/`template`, any other function) is an
//! error naming it: what gitops-restart can't evaluate, it never guesses. A missing map key is an
//! error under `missingkey=error`, as in Go; otherwise Go would print `<no value>`, which no
//! Application name or path means, so printing a missing or null value is an error too (its
//! message says what Argo CD would write). Values print as Go's `%v` prints what Argo CD's JSON
//! decoding gives (numbers are float64: `8080`, `1.5`, `1e+06`). Pure.

use serde_json::Value;

use super::functions::call;

/// `text` rendered with `data` as the dot, or why it can't be.
pub(super) fn render(text: &str, data: &Value, missing_error: bool) -> Result<String, String> {
    let nodes = parse(text)?;
    let mut out = String::new();
    Eval {
        root: data,
        missing_error,
    }
    .nodes(&nodes, &mut out)?;
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Text(String),
    Action {
        pipe: Pipe,
        source: String,
    },
    If {
        branches: Vec<(Pipe, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
}

type Pipe = Vec<Command>;
type Command = Vec<Arg>;

#[derive(Debug, Clone, PartialEq)]
enum Arg {
    /// `.a.b` (or `$.a.b`: the dot never moves without `range`/`with`).
    Field(Vec<String>),
    Literal(Value),
    Function(String),
    Sub(Pipe),
}

/// A piece of the template: text, or the inside of an action.
enum Piece {
    Text(String),
    Action(String),
}

/// Split `text` into text and actions, applying the trim markers.
fn pieces(text: &str) -> Result<Vec<Piece>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let mut before = &rest[..open];
        if trim_next {
            before = before.trim_start();
        }
        let mut inner_start = open + 2;
        let after_open = &rest[inner_start..];
        if after_open.starts_with('-') && after_open[1..].starts_with(char::is_whitespace) {
            before = before.trim_end();
            inner_start += 1;
        }
        pieces.push(Piece::Text(before.to_owned()));
        let close = closing(&rest[inner_start..])
            .ok_or_else(|| format!("unclosed action in `{}`", text.trim()))?;
        let mut inner = &rest[inner_start..inner_start + close];
        trim_next = false;
        if inner.ends_with('-') && inner[..inner.len() - 1].ends_with(char::is_whitespace) {
            inner = &inner[..inner.len() - 1];
            trim_next = true;
        }
        let inner = inner.trim();
        if !(inner.starts_with("/*") && inner.ends_with("*/")) {
            pieces.push(Piece::Action(inner.to_owned()));
        }
        rest = &rest[inner_start + close + 2..];
    }
    pieces.push(Piece::Text(if trim_next {
        rest.trim_start().to_owned()
    } else {
        rest.to_owned()
    }));
    Ok(pieces)
}

/// Where the `}}` closing an action is, skipping quoted strings.
fn closing(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        match (quote, bytes[i]) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, b'"' | b'`') => quote = Some(bytes[i]),
            (None, b'}') if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

fn parse(text: &str) -> Result<Vec<Node>, String> {
    let pieces = pieces(text)?;
    let mut iter = pieces.into_iter();
    let (nodes, end) = parse_nodes(&mut iter)?;
    match end {
        None => Ok(nodes),
        Some(end) => Err(format!("unexpected `{{{{{end}}}}}`")),
    }
}

/// Nodes up to an `else`/`end` (returned) or the end of the template (`None`).
fn parse_nodes(
    pieces: &mut impl Iterator<Item = Piece>,
) -> Result<(Vec<Node>, Option<String>), String> {
    let mut nodes = Vec::new();
    while let Some(piece) = pieces.next() {
        let action = match piece {
            Piece::Text(text) => {
                if !text.is_empty() {
                    nodes.push(Node::Text(text));
                }
                continue;
            }
            Piece::Action(action) => action,
        };
        let keyword = action.split_whitespace().next().unwrap_or_default();
        match keyword {
            "end" | "else" => return Ok((nodes, Some(action))),
            "if" => nodes.push(parse_if(&action["if".len()..], pieces)?),
            "range" | "with" | "define" | "template" | "block" | "break" | "continue" => {
                return Err(format!(
                    "`{keyword}` is not supported offline (in `{{{{{action}}}}}`)"
                ));
            }
            _ => nodes.push(Node::Action {
                pipe: parse_pipe(&mut tokens(&action)?.into_iter().peekable())?,
                source: action,
            }),
        }
    }
    Ok((nodes, None))
}

fn parse_if(condition: &str, pieces: &mut impl Iterator<Item = Piece>) -> Result<Node, String> {
    let mut branches = Vec::new();
    let mut condition = condition.to_owned();
    loop {
        let pipe = parse_pipe(&mut tokens(&condition)?.into_iter().peekable())?;
        let (body, end) = parse_nodes(pieces)?;
        branches.push((pipe, body));
        let end = end.ok_or("`if` without `end`")?;
        if end == "end" {
            return Ok(Node::If {
                branches,
                otherwise: Vec::new(),
            });
        }
        let rest = end["else".len()..].trim();
        if let Some(next) = rest.strip_prefix("if ") {
            next.clone_into(&mut condition);
            continue;
        }
        if !rest.is_empty() {
            return Err(format!("unexpected `{{{{{end}}}}}`"));
        }
        let (otherwise, end) = parse_nodes(pieces)?;
        return match end.as_deref() {
            Some("end") => Ok(Node::If {
                branches,
                otherwise,
            }),
            _ => Err("`else` without `end`".to_owned()),
        };
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Arg(Arg),
    Pipe,
    Open,
    Close,
}

fn tokens(action: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = action.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let word_end = |from: usize| {
        let mut j = from;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == '.')
        {
            j += 1;
        }
        j
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            c if c.is_whitespace() => i += 1,
            '|' => {
                out.push(Token::Pipe);
                i += 1;
            }
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '"' | '`' => {
                let mut text = String::new();
                i += 1;
                loop {
                    let Some(&d) = chars.get(i) else {
                        return Err(format!("unterminated string in `{action}`"));
                    };
                    i += 1;
                    if d == c {
                        break;
                    }
                    if c == '"' && d == '\\' {
                        let e = chars.get(i).copied().unwrap_or('\\');
                        i += 1;
                        text.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    } else {
                        text.push(d);
                    }
                }
                out.push(Token::Arg(Arg::Literal(Value::String(text))));
            }
            '.' | '$' => {
                let j = word_end(i + 1);
                let word: String = chars[i..j].iter().collect();
                if c == '$' && !(word == "$" || word.starts_with("$.")) {
                    return Err(format!("variables (`{word}`) are not supported offline"));
                }
                let path = word.trim_start_matches('$').trim_start_matches('.');
                let keys = if path.is_empty() {
                    Vec::new()
                } else {
                    path.split('.').map(str::to_owned).collect()
                };
                if keys.iter().any(String::is_empty) {
                    return Err(format!("bad field `{word}`"));
                }
                out.push(Token::Arg(Arg::Field(keys)));
                i = j;
            }
            c if c.is_ascii_digit() || c == '-' || c == '+' => {
                let j = word_end(i + 1);
                let word: String = chars[i..j].iter().collect();
                let number = word
                    .parse::<i64>()
                    .map(Value::from)
                    .ok()
                    .or_else(|| word.parse::<f64>().ok().map(Value::from))
                    .ok_or_else(|| format!("bad number `{word}`"))?;
                out.push(Token::Arg(Arg::Literal(number)));
                i = j;
            }
            c if c.is_alphabetic() || c == '_' => {
                let j = word_end(i);
                let word: String = chars[i..j].iter().collect();
                out.push(Token::Arg(match word.as_str() {
                    "true" => Arg::Literal(Value::Bool(true)),
                    "false" => Arg::Literal(Value::Bool(false)),
                    "nil" => Arg::Literal(Value::Null),
                    _ => Arg::Function(word),
                }));
                i = j;
            }
            ':' | '=' | ',' => {
                return Err(format!("variables are not supported offline (`{action}`)"));
            }
            other => return Err(format!("unexpected `{other}` in `{action}`")),
        }
    }
    Ok(out)
}

fn parse_pipe(tokens: &mut std::iter::Peekable<std::vec::IntoIter<Token>>) -> Result<Pipe, String> {
    let mut pipe = Vec::new();
    let mut command = Vec::new();
    while let Some(token) = tokens.peek().cloned() {
        match token {
            Token::Close => break,
            Token::Pipe => {
                tokens.next();
                if command.is_empty() {
                    return Err("missing command before `|`".to_owned());
                }
                pipe.push(std::mem::take(&mut command));
            }
            Token::Open => {
                tokens.next();
                command.push(Arg::Sub(parse_pipe(tokens)?));
                if tokens.next() != Some(Token::Close) {
                    return Err("unclosed `(`".to_owned());
                }
            }
            Token::Arg(arg) => {
                tokens.next();
                command.push(arg);
            }
        }
    }
    if command.is_empty() {
        return Err("empty command".to_owned());
    }
    pipe.push(command);
    Ok(pipe)
}

struct Eval<'a> {
    root: &'a Value,
    missing_error: bool,
}

impl Eval<'_> {
    fn nodes(&self, nodes: &[Node], out: &mut String) -> Result<(), String> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Action { pipe, source } => {
                    let value = self.pipe(pipe)?;
                    if value.is_null() {
                        return Err(format!(
                            "`{{{{{source}}}}}` has no value (Argo CD would write `<no value>`)"
                        ));
                    }
                    out.push_str(&print(&value));
                }
                Node::If {
                    branches,
                    otherwise,
                } => {
                    let mut taken = false;
                    for (condition, body) in branches {
                        if truthy(&self.pipe(condition)?) {
                            self.nodes(body, out)?;
                            taken = true;
                            break;
                        }
                    }
                    if !taken {
                        self.nodes(otherwise, out)?;
                    }
                }
            }
        }
        Ok(())
    }

    fn pipe(&self, pipe: &Pipe) -> Result<Value, String> {
        let mut piped: Option<Value> = None;
        for command in pipe {
            piped = Some(self.command(command, piped)?);
        }
        Ok(piped.unwrap_or(Value::Null))
    }

    fn command(&self, command: &Command, piped: Option<Value>) -> Result<Value, String> {
        if let [Arg::Function(name), rest @ ..] = command.as_slice() {
            let mut args = rest
                .iter()
                .map(|a| self.arg(a))
                .collect::<Result<Vec<_>, _>>()?;
            args.extend(piped);
            return call(name, args);
        }
        match (command.as_slice(), piped) {
            ([single], None) => self.arg(single),
            ([_], Some(_)) => Err("can't give an argument to a non-function".to_owned()),
            _ => Err("can't give arguments to a non-function".to_owned()),
        }
    }

    fn arg(&self, arg: &Arg) -> Result<Value, String> {
        match arg {
            Arg::Literal(value) => Ok(value.clone()),
            Arg::Sub(pipe) => self.pipe(pipe),
            Arg::Function(name) => call(name, Vec::new()),
            Arg::Field(keys) => {
                let mut current = self.root;
                for key in keys {
                    current = match current {
                        Value::Object(map) => match map.get(key) {
                            Some(value) => value,
                            None if self.missing_error => {
                                return Err(format!("map has no entry for key \"{key}\""));
                            }
                            None => &Value::Null,
                        },
                        Value::Null => {
                            return Err(format!("nil pointer evaluating .{}", keys.join(".")));
                        }
                        other => {
                            return Err(format!(
                                "can't evaluate field {key} in type {}",
                                go_type(other)
                            ));
                        }
                    };
                }
                Ok(current.clone())
            }
        }
    }
}

/// Go's truth: false, 0, nil and empty strings and collections are false.
pub(super) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
    }
}

pub(super) fn go_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// A value as Go's `%v` prints what JSON decoding gives.
pub(super) fn print(value: &Value) -> String {
    match value {
        Value::Null => "<nil>".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => go_float(n.as_f64().unwrap_or_default()),
        Value::String(s) => s.clone(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(print).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            format!(
                "map[{}]",
                keys.iter()
                    .map(|k| format!("{k}:{}", print(&map[*k])))
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        }
    }
}

/// A float64 as Go's `%v` writes it: the shortest form, with an exponent from 1e+06 on.
fn go_float(f: f64) -> String {
    if f == 0.0 || !f.is_finite() {
        return if f.is_nan() {
            "NaN".to_owned()
        } else if f.is_infinite() {
            if f > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
        } else {
            "0".to_owned()
        };
    }
    let exponent = f.abs().log10().floor();
    if (-4.0..6.0).contains(&exponent) {
        format!("{f}")
    } else {
        let text = format!("{f:e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let exp: i32 = exp.parse().unwrap_or_default();
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn go(text: &str, data: &Value) -> Result<String, String> {
        render(text, data, false)
    }

    #[test]
    fn fields_pipelines_and_functions() {
        let data = json!({
            "path": {"path": "apps/web", "basename": "web", "segments": ["apps", "web"]},
            "name": "Prod-EU",
            "metadata": {"labels": {"env": "prod"}},
            "port": 8080,
            "big": 1_234_567.0
        });
        let cases = [
            ("{{.path.basename}}", "web"),
            ("{{ .path.path }}-x", "apps/web-x"),
            ("{{ $.name | lower }}", "prod-eu"),
            ("{{ lower .name }}", "prod-eu"),
            ("{{ upper .name }}", "PROD-EU"),
            ("{{index .metadata.labels \"env\"}}", "prod"),
            ("{{ index .path.segments 1 }}", "web"),
            ("{{ .path.segments | last }}", "web"),
            ("{{ join \"-\" .path.segments }}", "apps-web"),
            ("{{ replace \"-\" \"_\" .name }}", "Prod_EU"),
            ("{{ .name | trimPrefix \"Prod-\" }}", "EU"),
            ("{{ trimSuffix \"-EU\" .name }}", "Prod"),
            ("{{ normalize .name }}", "prod-eu"),
            ("{{ printf \"%s-%v\" .path.basename .port }}", "web-8080"),
            ("{{ .big }}", "1.234567e+06"),
            ("{{ default \"x\" .metadata.labels.tier }}", "x"),
            ("{{ .metadata.labels.env | default \"x\" }}", "prod"),
            ("{{ trunc 3 .name }}", "Pro"),
            ("{{ (index .path.segments 0) | upper }}", "APPS"),
            ("{{ toJson .path.segments }}", "[\"apps\",\"web\"]"),
            ("a {{- \" b \" -}} c", "a b c"),
            ("x{{/* note */}}y", "xy"),
        ];
        for (template, want) in cases {
            assert_eq!(go(template, &data).as_deref(), Ok(want), "{template}");
        }
    }

    #[test]
    fn if_else_chains() {
        let t = "{{if eq .env \"prod\"}}p{{else if eq .env \"staging\"}}s{{else}}o{{end}}";
        assert_eq!(go(t, &json!({"env": "prod"})).unwrap(), "p");
        assert_eq!(go(t, &json!({"env": "staging"})).unwrap(), "s");
        assert_eq!(go(t, &json!({"env": "dev"})).unwrap(), "o");
        assert_eq!(
            go(
                "{{ if and .a (not .b) }}y{{ end }}",
                &json!({"a": 1, "b": ""})
            )
            .unwrap(),
            "y"
        );
    }

    #[test]
    fn missing_keys_and_unsupported_constructs_are_errors() {
        let data = json!({"a": {"b": "c"}});
        let err = go("{{ .x }}", &data).unwrap_err();
        assert!(err.contains("<no value>"), "{err}");
        let err = render("{{ .x }}", &data, true).unwrap_err();
        assert_eq!(err, "map has no entry for key \"x\"");
        assert!(
            go("{{ .a.b.c }}", &data)
                .unwrap_err()
                .contains("can't evaluate field c")
        );
        assert!(
            go("{{ sha256sum .a.b }}", &data)
                .unwrap_err()
                .contains("`sha256sum` is not supported")
        );
        assert!(
            go("{{ range .a }}x{{ end }}", &data)
                .unwrap_err()
                .contains("`range`")
        );
        assert!(
            go("{{ $x := 1 }}", &data)
                .unwrap_err()
                .contains("variables")
        );
        assert!(go("{{ .a.b ", &data).unwrap_err().contains("unclosed"));
        assert!(
            go("{{ if .a }}x", &data)
                .unwrap_err()
                .contains("without `end`")
        );
    }
}
