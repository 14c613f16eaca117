//! Argo CD ApplicationSets expanded offline into the Applications Argo CD would generate: each
//! generator's parameter sets ([`generators`]) filled into the set's template (merged under the
//! generator's own `template`), in fasttemplate or Go template syntax ([`template`],
//! [`gotemplate`]), each giving one Application with its name, destination and sources, read
//! like any Application. Clusters come from cluster Secrets in the repository and the
//! configuration ([`clusters`]).
//!
//! What can't be seen offline is never guessed. A generator that needs a live Argo CD (SCM
//! provider, pull request, plugin, cluster decision resource) or that can't be expanded, and a
//! generated Application whose name, destination or source can't be filled in, are findings at
//! the set's `file:line`, and each becomes an [`Unexpanded`]: what it may deploy (its name and
//! source paths as patterns), so that a workload it may deploy names it in its reason. A
//! `templatePatch` is not applied (a finding says so). Pure: reads the [`Index`].

mod clusters;
mod functions;
mod generators;
mod gopath;
mod gotemplate;
mod template;

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Map, Value};

pub(super) use clusters::{ArgoCluster, IN_CLUSTER, known as known_clusters, name_of_server};
use generators::{Failure, Generate};
use template::Syntax;

use super::models::{AppSpec, ApplicationSet};
use crate::model::{Code, Finding, Place};
use crate::repo::{Index, join};

/// An Application an ApplicationSet generates.
#[derive(Debug)]
pub(super) struct Generated {
    pub(super) name: String,
    pub(super) spec: AppSpec,
}

/// Applications of a set that can't be seen offline: what they may be called and render.
#[derive(Debug, Clone)]
pub(super) struct Unexpanded {
    /// `ApplicationSet previews (apps/previews.yaml:3)`.
    pub(super) set: String,
    /// Why they are not seen: `its pullRequest generator is not expanded offline`.
    pub(super) why: String,
    names: Option<globset::GlobMatcher>,
    paths: Vec<globset::GlobMatcher>,
}

impl Unexpanded {
    /// Whether an Application called `app` may be one of them.
    pub(super) fn may_be(&self, app: &str) -> bool {
        self.names.as_ref().is_some_and(|n| n.is_match(app))
    }

    /// Whether one of them may render the folder `dir`.
    pub(super) fn may_render(&self, dir: &str) -> bool {
        self.paths.iter().any(|p| p.is_match(dir))
    }

    /// The words a workload's reason gets.
    pub(super) fn note(&self) -> String {
        format!("{} may deploy it: {}", self.set, self.why)
    }
}

/// What one ApplicationSet expands to.
#[derive(Debug, Default)]
pub(super) struct Expansion {
    pub(super) apps: Vec<Generated>,
    pub(super) findings: Vec<Finding>,
    pub(super) unexpanded: Vec<Unexpanded>,
}

/// Argo CD's name sanitising (`nameNormalized`, `normalize`): lower case, characters other than
/// `a-z0-9-.` as `-`, at most 253 characters, no `-` or `.` at either end.
pub(super) fn normalize(name: &str) -> String {
    let mut out: String = name
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out.truncate(253);
    out.trim_matches(['-', '.']).to_owned()
}

/// The Applications `set` generates, and what can't be seen of it.
pub(super) fn expand(
    set: &ApplicationSet,
    index: &Index,
    clusters: &[ArgoCluster],
    at: &Place,
) -> Expansion {
    let name = set.metadata.name();
    let spec = &set.spec;
    let mut out = Expansion::default();
    let finding = |code: Code, message: String| {
        Finding::warning(code, format!("ApplicationSet {name}: {message}")).at(at.clone())
    };
    let label = format!("ApplicationSet {name} ({at})");
    let Some(base) = &spec.template else {
        out.findings.push(finding(
            Code::AppsetUnresolved,
            "has no template: it generates nothing gitops-restart can read".to_owned(),
        ));
        return out;
    };
    if spec.template_patch.is_some() {
        out.findings.push(finding(
            Code::AppsetUnresolved,
            "its templatePatch is not applied offline: the generated Applications are read \
             without it"
                .to_owned(),
        ));
    }
    let syntax = if spec.go_template {
        Syntax::Go {
            missing_error: spec
                .go_template_options
                .iter()
                .any(|o| o.replace(' ', "") == "missingkey=error"),
        }
    } else {
        Syntax::Fast
    };
    let generate = Generate {
        index,
        clusters,
        syntax,
        nested_selectors: spec.apply_nested_selectors,
    };
    let mut names = BTreeSet::new();
    for (i, generator) in spec.generators.iter().enumerate() {
        let number = i + 1;
        let mut template = generator
            .get("template")
            .cloned()
            .unwrap_or_else(|| Value::Object(Map::new()));
        generators::fill_empty(&mut template, Value::Object(base.clone()));
        let kinds = generators::kinds(generator);
        if kinds.is_empty() {
            out.findings.push(finding(
                Code::AppsetUnresolved,
                format!("generator {number} is empty"),
            ));
        }
        for kind in kinds {
            let params = match generate.params(generator, kind, false) {
                Ok(params) => params,
                Err(failure) => {
                    let (code, why) = match failure {
                        Failure::Offline(kind) => (
                            Code::AppsetNotExpanded,
                            format!("its {kind} generator is not expanded offline"),
                        ),
                        Failure::Unknown(key) => (
                            Code::AppsetNotExpanded,
                            format!(
                                "its generator {number} has `{key}`, which is no generator \
                                 gitops-restart knows"
                            ),
                        ),
                        Failure::Problem(reason) => (
                            Code::AppsetNotExpanded,
                            format!("its generator {number} can't be expanded ({reason})"),
                        ),
                    };
                    out.findings.push(finding(
                        code,
                        format!("{why}: the Applications it generates are not seen"),
                    ));
                    out.unexpanded
                        .push(unexpanded(&label, why, &template, None));
                    continue;
                }
            };
            for params in params {
                let data = Value::Object(params);
                let (app, unfilled) = syntax.render_tree(&template, &data);
                let app_name = app["metadata"]["name"].as_str().unwrap_or_default();
                let problem = unfilled
                    .iter()
                    .find(|u| matters(&u.at))
                    .map(|u| format!("{}: {}", u.at, u.reason))
                    .or_else(|| app_name.is_empty().then(|| "no metadata.name".to_owned()));
                let shown = if app_name.is_empty() { "?" } else { app_name };
                if let Some(problem) = problem {
                    let why = format!("its Application {shown} can't be built offline ({problem})");
                    out.findings.push(finding(
                        Code::AppsetUnresolved,
                        format!("generator {number} ({kind}): {why}"),
                    ));
                    out.unexpanded
                        .push(unexpanded(&label, why, &template, Some(&app)));
                    continue;
                }
                if !names.insert(app_name.to_owned()) {
                    out.findings.push(finding(
                        Code::AppsetUnresolved,
                        format!(
                            "generates two Applications named {app_name}, which Argo CD refuses; \
                             the first is read"
                        ),
                    ));
                    continue;
                }
                out.apps.push(Generated {
                    name: app_name.to_owned(),
                    spec: AppSpec::deserialize(&app["spec"]).unwrap_or_default(),
                });
            }
        }
    }
    out
}

/// Whether a string of the template decides what an Application is called, where it deploys
/// or what it renders.
fn matters(at: &str) -> bool {
    if at == "metadata.name" || at.starts_with("spec.destination.") {
        return true;
    }
    let field = at.strip_prefix("spec.source.").or_else(|| {
        at.strip_prefix("spec.sources[")
            .and_then(|rest| rest.split_once("]."))
            .map(|(_, field)| field)
    });
    field.is_some_and(|f| {
        matches!(
            f,
            "path"
                | "repoURL"
                | "chart"
                | "ref"
                | "kustomize.namePrefix"
                | "kustomize.nameSuffix"
                | "kustomize.namespace"
        ) || f.starts_with("directory.")
    })
}

/// What the Applications of `template` (as far as `app` filled it in) may be called and render.
fn unexpanded(label: &str, why: String, template: &Value, app: Option<&Value>) -> Unexpanded {
    let app = app.unwrap_or(template);
    let names = app["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty())
        .and_then(template::pattern);
    let spec = &app["spec"];
    let paths = spec["source"]
        .as_object()
        .into_iter()
        .chain(
            spec["sources"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object),
        )
        .filter(|s| !s.contains_key("chart"))
        .filter_map(|s| s.get("path")?.as_str())
        .filter_map(|p| join("", p))
        .filter_map(|p| template::pattern(&p))
        .collect();
    Unexpanded {
        set: label.to_owned(),
        why,
        names,
        paths,
    }
}

#[cfg(test)]
mod tests;
