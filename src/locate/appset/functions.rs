//! The functions an ApplicationSet's Go templates may call, as Sprig and Argo CD define them:
//! [`FUNCTIONS`]. Arguments come in Go's order, the piped value last (`{{ .name | trimPrefix
//! "p-" }}` is `trimPrefix "p-" .name`). Any other function is an error naming it, never a
//! guess. Values are what Argo CD's JSON decoding gives (numbers are float64, printed as Go's
//! `%v` prints them). Pure.

use serde_json::Value;

use super::gotemplate::{go_type, print, truthy};

/// The functions [`call`] knows, for messages and the README.
pub(super) const FUNCTIONS: &str = "index, lower, upper, trim, trimPrefix, trimSuffix, replace, \
    trunc, default, printf, join, first, last, toJson, toString, quote, normalize, len, eq, ne, \
    not, and, or";

/// Call one of [`FUNCTIONS`].
pub(super) fn call(name: &str, args: Vec<Value>) -> Result<Value, String> {
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!(
                "wrong number of arguments for {name}: want {n}, got {}",
                args.len()
            ))
        }
    };
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => print(other),
    };
    let string = |s: String| Ok(Value::String(s));
    match name {
        "lower" | "upper" | "trim" | "normalize" | "toString" | "toJson" | "first" | "last"
        | "len" | "not" => {
            arity(1)?;
            let v = &args[0];
            match name {
                "lower" => string(text(v).to_lowercase()),
                "upper" => string(text(v).to_uppercase()),
                "trim" => string(text(v).trim().to_owned()),
                "normalize" => string(super::normalize(&text(v))),
                "toString" => string(text(v)),
                "toJson" => string(v.to_string()),
                "first" | "last" => match v {
                    Value::Array(items) => Ok(if name == "first" {
                        items.first()
                    } else {
                        items.last()
                    }
                    .cloned()
                    .unwrap_or(Value::Null)),
                    other => Err(format!("{name} of {}", go_type(other))),
                },
                "len" => match v {
                    Value::Array(items) => Ok(Value::from(items.len())),
                    Value::Object(map) => Ok(Value::from(map.len())),
                    Value::String(s) => Ok(Value::from(s.len())),
                    other => Err(format!("len of {}", go_type(other))),
                },
                _ => Ok(Value::Bool(!truthy(v))),
            }
        }
        "trimPrefix" | "trimSuffix" => {
            arity(2)?;
            let (affix, s) = (text(&args[0]), text(&args[1]));
            string(if name == "trimPrefix" {
                s.strip_prefix(&affix).unwrap_or(&s).to_owned()
            } else {
                s.strip_suffix(&affix).unwrap_or(&s).to_owned()
            })
        }
        "replace" => {
            arity(3)?;
            string(text(&args[2]).replace(&text(&args[0]), &text(&args[1])))
        }
        "trunc" => {
            arity(2)?;
            let n = args[0].as_i64().ok_or("trunc wants a whole number first")?;
            let s: Vec<char> = text(&args[1]).chars().collect();
            let count = usize::try_from(n.unsigned_abs()).unwrap_or(usize::MAX);
            let kept: String = if n < 0 && count < s.len() {
                s[s.len() - count..].iter().collect()
            } else if n >= 0 && count < s.len() {
                s[..count].iter().collect()
            } else {
                s.iter().collect()
            };
            string(kept)
        }
        "default" => match args.as_slice() {
            [fallback] => Ok(fallback.clone()),
            [fallback, given, ..] => Ok(if truthy(given) {
                given.clone()
            } else {
                fallback.clone()
            }),
            [] => Err("wrong number of arguments for default".to_owned()),
        },
        "printf" => {
            let (format, rest) = args.split_first().ok_or("printf wants a format")?;
            string(printf(&text(format), rest))
        }
        "join" => {
            arity(2)?;
            match &args[1] {
                Value::Array(items) => string(
                    items
                        .iter()
                        .map(text)
                        .collect::<Vec<_>>()
                        .join(&text(&args[0])),
                ),
                other => string(text(other)),
            }
        }
        "quote" => string(
            args.iter()
                .filter(|a| !a.is_null())
                .map(|a| format!("{:?}", text(a)))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "index" => {
            let (mut current, keys) = args
                .split_first()
                .map(|(first, rest)| (first.clone(), rest))
                .ok_or("index wants a collection")?;
            for key in keys {
                current = match (&current, key) {
                    (Value::Object(map), Value::String(k)) => {
                        map.get(k).cloned().unwrap_or(Value::Null)
                    }
                    (Value::Array(items), Value::Number(n)) => n
                        .as_u64()
                        .and_then(|i| items.get(usize::try_from(i).ok()?))
                        .cloned()
                        .ok_or_else(|| format!("index out of range: {n}"))?,
                    (Value::Null, _) => Value::Null,
                    (collection, key) => {
                        return Err(format!(
                            "can't index item of type {} with {}",
                            go_type(collection),
                            print(key)
                        ));
                    }
                };
            }
            Ok(current)
        }
        "eq" | "ne" => {
            let (first, rest) = args.split_first().ok_or("eq wants two arguments")?;
            if rest.is_empty() {
                return Err(format!("missing argument for {name}"));
            }
            let equal = rest.iter().any(|other| same(first, other));
            Ok(Value::Bool(if name == "eq" { equal } else { !equal }))
        }
        "and" | "or" => {
            let mut last = Value::Null;
            for arg in args {
                let t = truthy(&arg);
                last = arg;
                if (name == "and") != t {
                    break;
                }
            }
            Ok(last)
        }
        other => Err(format!(
            "function `{other}` is not supported offline (gitops-restart knows {FUNCTIONS})"
        )),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// Go's `%s`, `%d`, `%v` and `%q` over the arguments; `%%` is a percent sign.
fn printf(format: &str, args: &[Value]) -> String {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some(verb) => match args.next() {
                Some(arg) => {
                    let shown = match arg {
                        Value::String(s) => s.clone(),
                        other => print(other),
                    };
                    if verb == 'q' {
                        out.push_str(&format!("{shown:?}"));
                    } else {
                        out.push_str(&shown);
                    }
                }
                None => out.push_str(&format!("%!{verb}(MISSING)")),
            },
            None => out.push_str("%!(NOVERB)"),
        }
    }
    out
}
