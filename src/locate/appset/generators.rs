//! ApplicationSet generators expanded offline into parameter sets, as Argo CD documents them:
//! `list` (`elements`, `elementsYaml`), `clusters` (selector, `values`), `git` directories and
//! files (this repository: every `repoURL` is taken to be it, as Applications' are), `matrix`
//! (the second generator filled with each of the first's parameters) and `merge` (`mergeKeys`),
//! each with an optional `selector` over its parameters.
//!
//! Parameters take the two shapes Argo CD gives them: flat `a.b` string keys for fasttemplate,
//! nested values for Go templates. Generators that need something offline can't see (SCM
//! provider, pull request, plugin, cluster decision resource) are [`Failure::Offline`], a key
//! that is no generator gitops-restart knows is [`Failure::Unknown`]; a generator that is
//! malformed or that Argo CD would refuse (a matrix with one child, parameters a merge can't
//! key) is [`Failure::Problem`] with the reason.
//! Never guesses. Pure: reads the [`Index`] and the known clusters.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::clusters::{self, ArgoCluster};
use super::gopath::go_match;
use super::template::{Params, Syntax};
use crate::repo::Index;

/// Why a generator gave no parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// Needs what only a live Argo CD sees: the generator's kind.
    Offline(String),
    /// A key gitops-restart knows no generator by (a newer generator, or a misplaced field).
    Unknown(String),
    /// Malformed, or refused by Argo CD too.
    Problem(String),
}

/// What generators read: the repository and the clusters.
pub(super) struct Generate<'a> {
    pub(super) index: &'a Index,
    pub(super) clusters: &'a [ArgoCluster],
    pub(super) syntax: Syntax,
    /// `spec.applyNestedSelectors`: selectors of a matrix's or merge's children apply.
    pub(super) nested_selectors: bool,
}

/// The kinds a generator entry names (its keys, but `selector` and `template`).
pub(super) fn kinds(generator: &Map<String, Value>) -> Vec<&str> {
    generator
        .keys()
        .map(String::as_str)
        .filter(|k| !matches!(*k, "selector" | "template"))
        .collect()
}

impl Generate<'_> {
    /// The parameter sets of `kind` in a generator entry, through its selector.
    pub(super) fn params(
        &self,
        generator: &Map<String, Value>,
        kind: &str,
        nested: bool,
    ) -> Result<Vec<Params>, Failure> {
        let spec = &generator[kind];
        let params = match kind {
            "list" => self.list(spec),
            "clusters" => self.clusters(spec),
            "git" => self.git(spec),
            "matrix" => self.matrix(spec),
            "merge" => self.merge(spec),
            "scmProvider" | "pullRequest" | "plugin" | "clusterDecisionResource" => {
                Err(Failure::Offline(kind.to_owned()))
            }
            other => Err(Failure::Unknown(other.to_owned())),
        }?;
        let Some(selector) = generator
            .get("selector")
            .filter(|_| !nested || self.nested_selectors)
        else {
            return Ok(params);
        };
        let mut kept = Vec::new();
        for set in params {
            let labels: BTreeMap<String, String> = set
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect();
            if clusters::selects(selector, &labels).map_err(|e| problem(kind, &e))? {
                kept.push(set);
            }
        }
        Ok(kept)
    }

    /// A child of a matrix or merge: exactly one kind.
    fn child(&self, child: &Value) -> Result<Vec<Params>, Failure> {
        let generator = child
            .as_object()
            .ok_or_else(|| Failure::Problem("a child generator is not a mapping".to_owned()))?;
        match kinds(generator).as_slice() {
            [kind] => self.params(generator, kind, true),
            [] => Err(Failure::Problem("a child generator is empty".to_owned())),
            more => Err(Failure::Problem(format!(
                "a child generator has several kinds ({})",
                more.join(", ")
            ))),
        }
    }

    fn list(&self, spec: &Value) -> Result<Vec<Params>, Failure> {
        let mut out = Vec::new();
        for element in spec["elements"].as_array().into_iter().flatten() {
            let element = element
                .as_object()
                .ok_or_else(|| problem("list", "an element is not a mapping"))?;
            if let Syntax::Go { .. } = self.syntax {
                out.push(element.clone());
                continue;
            }
            let mut params = Params::new();
            for (key, value) in element {
                match (key.as_str(), value) {
                    (_, Value::String(s)) => {
                        params.insert(key.clone(), Value::String(s.clone()));
                    }
                    ("values", Value::Object(values)) => {
                        for (k, v) in values {
                            let v = v.as_str().ok_or_else(|| {
                                problem("list", &format!("`values.{k}` is not a string"))
                            })?;
                            params.insert(format!("values.{k}"), Value::String(v.to_owned()));
                        }
                    }
                    _ => {
                        return Err(problem(
                            "list",
                            &format!("element key `{key}` is not a string (fasttemplate)"),
                        ));
                    }
                }
            }
            out.push(params);
        }
        if let Some(text) = spec["elementsYaml"]
            .as_str()
            .filter(|t| !t.trim().is_empty())
        {
            let documents = crate::input::Text::new(text, "elementsYaml")
                .documents::<Value>()
                .map_err(|e| problem("list", &format!("elementsYaml: {}", e.message)))?;
            let elements = documents.into_iter().next().map(|d| d.value);
            for element in elements
                .as_ref()
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(element.as_object().cloned().ok_or_else(|| {
                    problem(
                        "list",
                        "elementsYaml holds an element that is not a mapping",
                    )
                })?);
            }
        }
        Ok(out)
    }

    fn clusters(&self, spec: &Value) -> Result<Vec<Params>, Failure> {
        let selector = &spec["selector"];
        let with_selector = !clusters::is_empty(selector);
        let go = matches!(self.syntax, Syntax::Go { .. });
        let mut out = Vec::new();
        for cluster in self.clusters {
            if cluster.local {
                if with_selector {
                    continue;
                }
            } else if with_selector
                && !clusters::selects(selector, &cluster.labels)
                    .map_err(|e| problem("clusters", &e))?
            {
                continue;
            }
            let mut params = Params::new();
            params.insert("name".into(), cluster.name.clone().into());
            let normalized = if cluster.local {
                cluster.name.clone()
            } else {
                super::normalize(&cluster.name)
            };
            params.insert("nameNormalized".into(), normalized.into());
            if !cluster.server.is_empty() {
                params.insert("server".into(), cluster.server.clone().into());
            }
            if !cluster.local {
                if go {
                    let mut meta = Map::new();
                    if !cluster.annotations.is_empty() {
                        meta.insert("annotations".into(), string_map(&cluster.annotations));
                    }
                    if !cluster.labels.is_empty() {
                        meta.insert("labels".into(), string_map(&cluster.labels));
                    }
                    params.insert("metadata".into(), Value::Object(meta));
                } else {
                    for (k, v) in &cluster.annotations {
                        params.insert(format!("metadata.annotations.{k}"), v.clone().into());
                    }
                    for (k, v) in &cluster.labels {
                        params.insert(format!("metadata.labels.{k}"), v.clone().into());
                    }
                }
            }
            self.values(&spec["values"], &mut params)
                .map_err(|e| problem("clusters", &e))?;
            out.push(params);
        }
        Ok(out)
    }

    /// `values`: each templated with the parameters so far, then added as `values.KEY`.
    fn values(&self, values: &Value, params: &mut Params) -> Result<(), String> {
        let Some(values) = values.as_object() else {
            return Ok(());
        };
        let data = Value::Object(params.clone());
        let mut filled = Map::new();
        for (key, value) in values {
            let text = value
                .as_str()
                .ok_or_else(|| format!("`values.{key}` is not a string"))?;
            let rendered = self
                .syntax
                .render(text, &data)
                .map_err(|e| format!("`values.{key}`: {e}"))?;
            filled.insert(key.clone(), Value::String(rendered));
        }
        match self.syntax {
            Syntax::Go { .. } => {
                params.insert("values".into(), Value::Object(filled));
            }
            Syntax::Fast => {
                for (key, value) in filled {
                    params.insert(format!("values.{key}"), value);
                }
            }
        }
        Ok(())
    }

    fn git(&self, spec: &Value) -> Result<Vec<Params>, Failure> {
        let prefix = spec["pathParamPrefix"].as_str().unwrap_or_default();
        let items = |key: &str| -> Vec<(String, bool)> {
            spec[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|item| {
                    Some((
                        item["path"].as_str()?.to_owned(),
                        item["exclude"].as_bool().unwrap_or(false),
                    ))
                })
                .collect()
        };
        let directories = items("directories");
        let files = items("files");
        let mut out = Vec::new();
        if !directories.is_empty() {
            for dir in self
                .index
                .dirs
                .iter()
                .filter(|d| !d.split('/').any(|part| part.starts_with('.')))
            {
                let mut included = false;
                let mut excluded = false;
                for (pattern, exclude) in &directories {
                    // Argo CD logs a bad pattern and goes on; so does this.
                    if go_match(pattern, dir).unwrap_or(false) {
                        if *exclude {
                            excluded = true;
                        } else {
                            included = true;
                        }
                    }
                }
                if included && !excluded {
                    let mut params = self.path_params(dir, None, prefix);
                    self.values(&spec["values"], &mut params)
                        .map_err(|e| problem("git", &e))?;
                    out.push(params);
                }
            }
        } else if !files.is_empty() {
            let compile = |glob: &str| {
                globset::GlobBuilder::new(glob)
                    .literal_separator(false)
                    .build()
                    .map(|g| g.compile_matcher())
                    .map_err(|e| problem("git", &format!("files path `{glob}`: {e}")))
            };
            let mut include = Vec::new();
            let mut exclude = Vec::new();
            for (glob, excluded) in &files {
                if *excluded {
                    &mut exclude
                } else {
                    &mut include
                }
                .push(compile(glob)?);
            }
            let mut candidates: Vec<(&str, &str)> = self
                .index
                .files
                .iter()
                .map(|f| (f.path.as_str(), f.text.as_str()))
                .chain(
                    self.index
                        .json
                        .iter()
                        .map(|(p, t)| (p.as_str(), t.as_str())),
                )
                .filter(|(path, _)| {
                    include.iter().any(|g| g.is_match(path))
                        && !exclude.iter().any(|g| g.is_match(path))
                })
                .collect();
            candidates.sort_unstable();
            for (path, text) in candidates {
                for object in file_objects(path, text).map_err(|e| problem("git", &e))? {
                    let (dir, name) = path.rsplit_once('/').unwrap_or((".", path));
                    let mut params = match self.syntax {
                        Syntax::Go { .. } => object,
                        Syntax::Fast => {
                            let mut flat = Params::new();
                            flatten("", &Value::Object(object), &mut flat);
                            flat
                        }
                    };
                    params.extend(self.path_params(dir, Some(name), prefix));
                    self.values(&spec["values"], &mut params)
                        .map_err(|e| problem("git", &e))?;
                    out.push(params);
                }
            }
        } else {
            return Err(problem("git", "neither `directories` nor `files`"));
        }
        Ok(out)
    }

    /// The `path` parameters of a folder (and of a file in it), under `pathParamPrefix`.
    fn path_params(&self, dir: &str, file: Option<&str>, prefix: &str) -> Params {
        let base = dir.rsplit('/').next().unwrap_or(dir);
        let mut params = Params::new();
        match self.syntax {
            Syntax::Go { .. } => {
                let mut path = Map::new();
                path.insert("path".into(), dir.into());
                path.insert("basename".into(), base.into());
                path.insert("basenameNormalized".into(), super::normalize(base).into());
                if let Some(file) = file {
                    path.insert("filename".into(), file.into());
                    path.insert("filenameNormalized".into(), super::normalize(file).into());
                }
                path.insert(
                    "segments".into(),
                    Value::Array(dir.split('/').map(Value::from).collect()),
                );
                if prefix.is_empty() {
                    params.insert("path".into(), Value::Object(path));
                } else {
                    let mut outer = Map::new();
                    outer.insert("path".into(), Value::Object(path));
                    params.insert(prefix.to_owned(), Value::Object(outer));
                }
            }
            Syntax::Fast => {
                let name = if prefix.is_empty() {
                    "path".to_owned()
                } else {
                    format!("{prefix}.path")
                };
                params.insert(name.clone(), dir.into());
                params.insert(format!("{name}.basename"), base.into());
                params.insert(
                    format!("{name}.basenameNormalized"),
                    super::normalize(base).into(),
                );
                if let Some(file) = file {
                    params.insert(format!("{name}.filename"), file.into());
                    params.insert(
                        format!("{name}.filenameNormalized"),
                        super::normalize(file).into(),
                    );
                }
                for (i, part) in dir.split('/').enumerate().filter(|(_, p)| !p.is_empty()) {
                    params.insert(format!("{name}[{i}]"), part.into());
                }
            }
        }
        params
    }

    fn matrix(&self, spec: &Value) -> Result<Vec<Params>, Failure> {
        let children = spec["generators"].as_array().map_or(&[][..], Vec::as_slice);
        let [first, rest @ ..] = children else {
            return Err(problem("matrix", "no child generators"));
        };
        if rest.is_empty() {
            return Err(problem(
                "matrix",
                "only one child generator; a matrix needs two",
            ));
        }
        let mut sets = self.child(first)?;
        for child in rest {
            let mut next = Vec::new();
            for previous in &sets {
                let filled = self.interpolate(child, previous)?;
                for current in self.child(&filled)? {
                    next.push(self.combine(previous, current)?);
                }
            }
            sets = next;
        }
        Ok(sets)
    }

    /// A matrix's later child with the parameters of the earlier ones filled in.
    fn interpolate(&self, child: &Value, params: &Params) -> Result<Value, Failure> {
        let mut child = child.clone();
        // A child's own template is not part of its parameters.
        let template = child.as_object_mut().and_then(|c| c.remove("template"));
        let (mut filled, problems) = self
            .syntax
            .render_tree(&child, &Value::Object(params.clone()));
        if let (Syntax::Go { .. }, Some(first)) = (self.syntax, problems.first()) {
            return Err(problem(
                "matrix",
                &format!("the second generator's `{}`: {}", first.at, first.reason),
            ));
        }
        if let (Some(template), Some(map)) = (template, filled.as_object_mut()) {
            map.insert("template".into(), template);
        }
        Ok(filled)
    }

    /// Two parameter sets of a matrix as one: fasttemplate refuses a key with two values, Go
    /// templates keep the first generator's and fill in the second's (deeply).
    fn combine(&self, previous: &Params, current: Params) -> Result<Params, Failure> {
        let mut out = previous.clone();
        for (key, value) in current {
            match (self.syntax, out.get_mut(&key)) {
                (Syntax::Fast, Some(existing)) if *existing != value => {
                    return Err(problem(
                        "matrix",
                        &format!(
                            "parameter `{key}` has two values, `{}` and `{}`",
                            existing.as_str().unwrap_or_default(),
                            value.as_str().unwrap_or_default()
                        ),
                    ));
                }
                (Syntax::Go { .. }, Some(existing)) => fill_empty(existing, value),
                (_, Some(_)) => {}
                (_, None) => {
                    out.insert(key, value);
                }
            }
        }
        Ok(out)
    }

    fn merge(&self, spec: &Value) -> Result<Vec<Params>, Failure> {
        let children = spec["generators"].as_array().map_or(&[][..], Vec::as_slice);
        if children.len() < 2 {
            return Err(problem("merge", "fewer than two child generators"));
        }
        let keys: Vec<&str> = spec["mergeKeys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if keys.is_empty() {
            return Err(problem("merge", "no mergeKeys"));
        }
        let key_of = |set: &Params| {
            let mut key = BTreeMap::new();
            for k in &keys {
                key.insert(*k, set.get(*k).cloned().unwrap_or(Value::Null));
            }
            serde_json::to_string(&key).unwrap_or_default()
        };
        let mut base = self.child(&children[0])?;
        for child in &children[1..] {
            let mut overrides: BTreeMap<String, Params> = BTreeMap::new();
            for set in self.child(child)? {
                let key = key_of(&set);
                if overrides.insert(key.clone(), set).is_some() {
                    return Err(problem(
                        "merge",
                        &format!(
                            "the parameters of a generator are not unique by mergeKeys: {key}"
                        ),
                    ));
                }
            }
            for set in &mut base {
                if let Some(over) = overrides.get(&key_of(set)) {
                    for (key, value) in over {
                        match (self.syntax, set.get_mut(key)) {
                            (Syntax::Go { .. }, Some(existing)) => {
                                override_deep(existing, value.clone());
                            }
                            _ => {
                                set.insert(key.clone(), value.clone());
                            }
                        }
                    }
                }
            }
        }
        Ok(base)
    }
}

fn problem(kind: &str, reason: &str) -> Failure {
    Failure::Problem(format!("{kind}: {reason}"))
}

fn string_map(map: &BTreeMap<String, String>) -> Value {
    Value::Object(
        map.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// mergo's merge without override: `value` fills what is missing or empty in `into`, deeply.
pub(super) fn fill_empty(into: &mut Value, value: Value) {
    match (into, value) {
        (Value::Object(into), Value::Object(value)) => {
            for (key, v) in value {
                match into.get_mut(&key) {
                    Some(existing) => fill_empty(existing, v),
                    None => {
                        into.insert(key, v);
                    }
                }
            }
        }
        (into, value) if is_empty(into) => *into = value,
        _ => {}
    }
}

/// mergo's merge with override: `value` wins, mappings merged deeply.
fn override_deep(into: &mut Value, value: Value) {
    match (into, value) {
        (Value::Object(into), Value::Object(value)) => {
            for (key, v) in value {
                match into.get_mut(&key) {
                    Some(existing) => override_deep(existing, v),
                    None => {
                        into.insert(key, v);
                    }
                }
            }
        }
        (into, value) if !is_empty(&value) => *into = value,
        _ => {}
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
    }
}

/// The parameter objects of a git files generator's file: one mapping, or a list of them.
fn file_objects(path: &str, text: &str) -> Result<Vec<Params>, String> {
    let documents = crate::input::Text::new(text, path)
        .documents::<Value>()
        .map_err(|e| format!("{path}: {}", e.message))?;
    match documents.into_iter().next().map(|d| d.value) {
        None | Some(Value::Null) => Ok(vec![Params::new()]),
        Some(Value::Object(map)) => Ok(vec![map]),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(format!("{path}: a list entry is not a mapping")),
            })
            .collect(),
        Some(_) => Err(format!("{path}: neither a mapping nor a list of mappings")),
    }
}

/// Flatten nested values into `a.b` (and `a.0`) keys of strings, as Argo CD's flatten does.
fn flatten(prefix: &str, value: &Value, out: &mut Params) {
    let key = |k: &str| {
        if prefix.is_empty() {
            k.to_owned()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&key(k), v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&key(&i.to_string()), v, out);
            }
        }
        other => {
            out.insert(
                prefix.to_owned(),
                Value::String(super::gotemplate::print(other)),
            );
        }
    }
}
