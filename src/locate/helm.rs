//! Helm releases: workloads rendered from a chart, restarted through the release's values.
//!
//! A release is a Flux HelmRelease or an Argo CD Application source with a chart or Helm
//! parameters. A live workload is traced to one by Flux's Helm labels or Argo CD's tracking, else
//! by a release in its namespace whose name it carries (charts name objects after the release).
//! The restart goes into the release's values at the chart's pod-annotations path
//! (`helm.charts` / `helm.valuesPath` in the configuration).
//!
//! A Flux HelmRelease is deployed through the renderings that include its document: each gives
//! one instance of it, with that rendering's cluster and the name and namespace kustomize (and
//! Flux's `postBuild`) give it; a document no rendering deploys is no release. The choice among
//! sites is the manifests' rule ([`super::rule`]): the values are edited when every instance is
//! one of the restarted cluster's and restarts affected workloads; else the affected overlay gets
//! a patch; else the workload is `manual`, naming the instances an edit would restart too.
//!
//! When the chart is in the repository (a Flux GitRepository chart path, an Argo CD source path
//! with a `Chart.yaml`), its templates are read as text: when they clearly never read the top key
//! of the values path, a restart there would restart nothing, and the workload is `manual` with
//! the reason ([`templates_may_read`] says what "clearly" means). A values path's `{name}` is
//! substituted as one key, dots and all ([`values_keys`]).
//!
//! Must not edit chart templates, and must not edit values it can't edit safely: values written
//! as a string, or a source that is one of several `sources` (a sequence is not on an editable
//! path), are `manual` with the reason. Several candidate releases are `ambiguous`, never a guess.

use super::kustomize::Rendered;
use super::models::{Application, HelmRelease};
use super::renderings::{Rendering, cluster_folder};
use super::rule::Choice;
use super::{LiveWorkload, Located, Locator, Site, flux, several_clusters};
use crate::model::{Code, Finding};
use crate::repo::join;

/// A Helm release the repository declares.
#[derive(Debug, Clone)]
pub(super) struct HelmSource {
    label: String,
    /// Flux HelmRelease name and namespace, or Argo CD Application name.
    name: String,
    namespace: Option<String>,
    /// The release name Helm uses (workloads are usually named after it).
    release: String,
    /// The namespace the release installs into.
    target_namespace: Option<String>,
    chart: String,
    /// The chart's folder in this repository, when the release takes it from here: a Flux
    /// GitRepository's chart path, an Argo CD source's path.
    chart_dir: Option<String>,
    pub(super) file: usize,
    pub(super) doc: usize,
    /// Keys from the document root to the values mapping.
    values_path: Vec<String>,
    /// Why its values can't be edited, when they can't.
    blocked: Option<String>,
    /// The cluster it deploys to, when known (the configuration's cluster paths win).
    pub(super) cluster: Option<String>,
    flux: bool,
    /// A Flux HelmRelease's `releaseName` and `targetNamespace`, as written.
    release_name: Option<String>,
    spec_target: Option<String>,
    /// The file, for labels.
    path: String,
    /// Why the name or namespace can't be known (a Flux variable the repository doesn't set).
    unresolved: Option<String>,
}

/// A release as one rendering deploys it.
struct Instance<'r> {
    /// The release with the name, namespace, release name and cluster it gets there.
    source: HelmSource,
    /// The rendering and its entry for the document (a Flux HelmRelease).
    unit: Option<(&'r Rendering, &'r Rendered)>,
}

impl HelmSource {
    /// The release as the rendering `r` deploys the document as `e`.
    fn deployed(&self, r: &Rendering, e: &Rendered) -> HelmSource {
        let name = e.name.clone();
        let namespace = e.namespace.clone();
        // Flux's default release name: [targetNamespace-]name.
        let release = self.release_name.clone().unwrap_or_else(|| {
            self.spec_target
                .as_ref()
                .map_or_else(|| name.clone(), |t| format!("{t}-{name}"))
        });
        HelmSource {
            label: format!(
                "HelmRelease {}/{name} ({})",
                namespace.as_deref().unwrap_or("-"),
                self.path
            ),
            target_namespace: self.spec_target.clone().or_else(|| namespace.clone()),
            name,
            namespace,
            release,
            cluster: r.cluster.clone(),
            unresolved: e.unresolved.clone(),
            ..self.clone()
        }
    }

    /// Whether one of `workloads` (namespace, kind, name) is of this release: in its namespace,
    /// named after it.
    fn renders_one_of<'w>(&self, mut workloads: impl Iterator<Item = (&'w str, &'w str)>) -> bool {
        workloads.any(|(namespace, name)| {
            self.target_namespace
                .as_deref()
                .is_none_or(|ns| ns == namespace)
                && (name == self.release || name.starts_with(&format!("{}-", self.release)))
        })
    }
}

/// The release of a Flux HelmRelease.
pub(super) fn flux_source(
    release: &HelmRelease,
    file: usize,
    doc: usize,
    path: &str,
) -> HelmSource {
    let name = release.metadata.name().to_owned();
    let namespace = release.metadata.namespace.clone();
    let spec = &release.spec;
    let target = spec.target_namespace.clone();
    // Flux's default release name: [targetNamespace-]name.
    let release_name = spec.release_name.clone().unwrap_or_else(|| {
        target
            .as_ref()
            .map_or_else(|| name.clone(), |t| format!("{t}-{name}"))
    });
    let chart = spec
        .chart
        .spec
        .chart
        .as_deref()
        .or(spec.chart_ref.name.as_deref())
        .unwrap_or_default()
        .to_owned();
    // A GitRepository is taken to be this repository, as Flux's own `flux-system` is.
    let chart_dir = (spec.chart.spec.source_ref.kind.as_deref() == Some("GitRepository"))
        .then(|| join("", &chart))
        .flatten();
    HelmSource {
        label: format!(
            "HelmRelease {}/{name} ({path})",
            namespace.as_deref().unwrap_or("-"),
        ),
        name,
        target_namespace: target.or_else(|| namespace.clone()),
        namespace,
        release: release_name,
        chart,
        chart_dir,
        file,
        doc,
        values_path: vec!["spec".into(), "values".into()],
        blocked: None,
        cluster: cluster_folder(path),
        flux: true,
        release_name: spec.release_name.clone(),
        spec_target: spec.target_namespace.clone(),
        path: path.to_owned(),
        unresolved: None,
    }
}

/// The Helm sources of an Argo CD Application: each source with a chart or Helm parameters.
pub(super) fn argo_sources(
    app: &Application,
    file: usize,
    doc: usize,
    path: &str,
) -> Vec<HelmSource> {
    let name = app.metadata.name();
    let single = app.helm.source.is_some();
    let sources = if single {
        std::slice::from_ref(app.helm.source.as_ref().expect("checked"))
    } else {
        app.helm.sources.as_slice()
    };
    sources
        .iter()
        .enumerate()
        .filter(|(_, s)| s.chart.is_some() || s.helm.is_some())
        .map(|(i, s)| {
            let mut values_path: Vec<String> = vec!["spec".into()];
            if single {
                values_path.push("source".into());
            } else {
                // Sequences are not on the editable path: say so instead of guessing.
                values_path.push(format!("sources[{i}]"));
            }
            values_path.extend(["helm".into(), "valuesObject".into()]);
            let helm = s.helm.as_ref();
            let blocked = if !single {
                Some("the Helm source is one of several `sources`; set the pod annotation in its values by hand".to_owned())
            } else if helm.is_some_and(|h| h.values.is_some() && h.values_object.is_none()) {
                Some("its Helm values are a string (`helm.values`), which can't be edited safely; move them to `helm.valuesObject` or set the pod annotation by hand".to_owned())
            } else {
                None
            };
            HelmSource {
                label: format!("Application {name} ({path})"),
                name: name.to_owned(),
                namespace: app.metadata.namespace.clone(),
                release: helm
                    .and_then(|h| h.release_name.as_deref())
                    .unwrap_or(name)
                    .to_owned(),
                target_namespace: app.spec.destination.namespace.clone(),
                chart: s.chart.clone().unwrap_or_else(|| {
                    s.path
                        .as_deref()
                        .unwrap_or_default()
                        .rsplit('/')
                        .next()
                        .unwrap_or_default()
                        .to_owned()
                }),
                chart_dir: s
                    .chart
                    .is_none()
                    .then(|| s.path.as_deref().and_then(|p| join("", p)))
                    .flatten(),
                file,
                doc,
                values_path,
                blocked,
                cluster: app.spec.destination.name.clone(),
                flux: false,
                release_name: None,
                spec_target: None,
                path: path.to_owned(),
                unresolved: None,
            }
        })
        .collect()
}

impl Locator<'_> {
    /// A workload rendered by a Helm release: traced by Flux's Helm labels, or a release in
    /// its namespace whose name the workload carries (charts name objects after the release).
    pub(super) fn locate_helm(
        &self,
        live: &LiveWorkload<'_>,
        cluster: Option<&str>,
    ) -> Option<Located> {
        let label = |key: &str| live.labels.and_then(|l| l.get(key)).map(String::as_str);
        let in_cluster = |i: &&Instance<'_>| match (cluster, &i.source.cluster) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        };
        let instances = self.helm_instances();
        // A name a Flux variable the repository doesn't set could make this one.
        let could_be = |written: &str, unresolved: bool, name: &str| {
            written == name || (unresolved && flux::could_be(written, name))
        };
        let traced: Vec<&Instance<'_>> = match label("helm.toolkit.fluxcd.io/name") {
            Some(name) => {
                let ns = label("helm.toolkit.fluxcd.io/namespace");
                instances
                    .iter()
                    .filter(|i| {
                        let h = &i.source;
                        let unresolved = h.unresolved.is_some();
                        h.flux
                            && could_be(&h.name, unresolved, name)
                            && ns.is_none_or(|ns| {
                                h.namespace
                                    .as_deref()
                                    .is_some_and(|have| could_be(have, unresolved, ns))
                            })
                    })
                    .collect()
            }
            None => {
                let apps: Vec<String> = Self::traced_apps(live);
                instances
                    .iter()
                    .filter(|i| !i.source.flux && apps.contains(&i.source.name))
                    .collect()
            }
        };
        let candidates: Vec<&Instance<'_>> = if traced.is_empty() {
            instances
                .iter()
                .filter(in_cluster)
                .filter(|i| i.source.unresolved.is_none())
                .filter(|i| {
                    i.source
                        .target_namespace
                        .as_deref()
                        .is_none_or(|ns| ns == live.namespace)
                })
                .filter(|i| {
                    live.name == i.source.release
                        || live.name.starts_with(&format!("{}-", i.source.release))
                })
                .collect()
        } else {
            traced.into_iter().filter(in_cluster).collect()
        };
        if let Some(why) = candidates
            .iter()
            .find_map(|i| i.source.unresolved.as_deref())
        {
            return Some(Located::Ambiguous {
                reason: format!(
                    "a Flux substitution could give its HelmRelease the name it carries: {why}; set \
                     the variable in postBuild.substitute, or restart it by hand"
                ),
                candidates: candidates
                    .iter()
                    .map(|i| self.site(i.source.file, i.source.doc))
                    .collect(),
            });
        }
        // One release may be deployed by several renderings: the same document and values.
        let mut releases: Vec<(usize, usize, &[String])> = candidates
            .iter()
            .map(|i| (i.source.file, i.source.doc, i.source.values_path.as_slice()))
            .collect();
        releases.sort_unstable();
        releases.dedup();
        match releases.len() {
            0 => None,
            1 => Some(self.helm_site(&candidates, live, cluster)),
            _ => {
                let mut labels: Vec<&str> =
                    candidates.iter().map(|i| i.source.label.as_str()).collect();
                labels.dedup();
                Some(Located::Ambiguous {
                    reason: format!(
                        "several Helm releases could render it: {}; map clusters to paths in .gitops-restart.yaml or pass --cluster",
                        labels.join(", ")
                    ),
                    candidates: releases
                        .iter()
                        .map(|&(file, doc, _)| self.site(file, doc))
                        .collect(),
                })
            }
        }
    }

    /// Why a restart at the values path `keys` would restart nothing, when the chart is in the
    /// repository and its templates clearly never read the path's top key. `None` when they may
    /// read it, and whenever that can't be told: the chart is elsewhere (a HelmRepository, an OCI
    /// artifact), renders more than its own templates, or the top key is the workload's name.
    fn unread_by_chart(&self, h: &HelmSource, template: &str, keys: &[String]) -> Option<String> {
        let dir = h.chart_dir.as_deref()?;
        let chart = self.index.charts.get(dir)?;
        if let Some(why) = &chart.incomplete {
            tracing::debug!(
                chart = dir,
                "not checked whether the chart reads the values: {why}"
            );
            return None;
        }
        let top = keys.first().filter(|_| !chart.templates.is_empty())?;
        if template.split('.').next()?.contains("{name}")
            || templates_may_read(&chart.templates, top)
        {
            return None;
        }
        let path = dotted(keys);
        Some(format!(
            "{} renders it from chart `{}` ({dir}/ in this repository), whose templates never read \
             `.Values.{top}`: a restart written at `{path}` would restart nothing. If the chart puts \
             another values path on the pod template, name it in .gitops-restart.yaml \
             (helm.charts, `{}: THAT.PATH`); else make the chart's pod template read `{path}`, or \
             restart it by hand",
            h.label, h.chart, h.chart
        ))
    }

    /// Every release as it is deployed: a Flux HelmRelease once per rendering that includes
    /// its document (none when nothing deploys it), an Argo CD Helm source once.
    fn helm_instances(&self) -> Vec<Instance<'_>> {
        let flux: std::collections::BTreeSet<(usize, usize)> = self
            .helm
            .iter()
            .filter(|h| h.flux)
            .map(|h| (h.file, h.doc))
            .collect();
        let mut deployed: std::collections::BTreeMap<(usize, usize), Vec<(&Rendering, &Rendered)>> =
            std::collections::BTreeMap::new();
        for r in &self.renderings {
            for e in &r.entries {
                if flux.contains(&(e.file, e.doc)) {
                    deployed.entry((e.file, e.doc)).or_default().push((r, e));
                }
            }
        }
        let mut out = Vec::new();
        for h in &self.helm {
            if !h.flux {
                out.push(Instance {
                    source: h.clone(),
                    unit: None,
                });
                continue;
            }
            for &(r, e) in deployed.get(&(h.file, h.doc)).into_iter().flatten() {
                out.push(Instance {
                    source: h.deployed(r, e),
                    unit: Some((r, e)),
                });
            }
        }
        out
    }

    /// The site of one release, which `candidates` (one per rendering that deploys it as the
    /// workload's) name.
    fn helm_site(
        &self,
        candidates: &[&Instance<'_>],
        live: &LiveWorkload<'_>,
        cluster: Option<&str>,
    ) -> Located {
        let h = &candidates[0].source;
        if let Some(reason) = &h.blocked {
            return Located::Manual {
                reason: format!("{}: {reason}", h.label),
            };
        }
        let template = self
            .helm_config
            .charts
            .get(&h.chart)
            .unwrap_or(&self.helm_config.values_path);
        if template.trim().is_empty() {
            return Located::Manual {
                reason: format!(
                    "{} renders it from chart `{}`, whose pod-annotations values path is not known: set \
                     helm.charts.{} in .gitops-restart.yaml, or restart it by hand",
                    h.label, h.chart, h.chart
                ),
            };
        }
        // `{name}`: the workload's name within the release (app-template's controller name).
        let short = live
            .name
            .strip_prefix(&format!("{}-", h.release))
            .unwrap_or(live.name);
        let keys = values_keys(template, short);
        let resolved = dotted(&keys);
        if let Some(reason) = self.unread_by_chart(h, template, &keys) {
            return Located::Manual { reason };
        }
        let mut path = h.values_path.clone();
        path.extend(keys);
        path.push(self.annotation.clone());
        let mut warnings = vec![Finding::warning(
            Code::HelmValues,
            format!(
                "rendered by {} (chart `{}`): the restart goes into its values at `{resolved}`; the chart must \
                 put those values on the pod template",
                h.label, h.chart
            ),
        )];
        // The rule, as for manifests: every rendering of the release's document counts.
        let mut clusters: Vec<&str> = candidates
            .iter()
            .filter_map(|i| i.source.cluster.as_deref())
            .collect();
        clusters.sort_unstable();
        clusters.dedup();
        if cluster.is_none() && clusters.len() > 1 {
            return several_clusters(&h.label, self.site(h.file, h.doc), &clusters);
        }
        let matched: Vec<(&Rendering, &Rendered)> =
            candidates.iter().filter_map(|i| i.unit).collect();
        let site = Site::Helm {
            file: h.file,
            doc: h.doc,
            path: path.clone(),
            label: h.label.clone(),
        };
        if matched.is_empty() {
            return Located::Found { site, warnings };
        }
        let affected = |r: &Rendering, e: &Rendered| {
            matched
                .iter()
                .any(|(m, me)| std::ptr::eq(*m, r) && std::ptr::eq(*me, e))
                || h.deployed(r, e).unresolved.is_none()
                    && h.deployed(r, e).renders_one_of(
                        self.restarting
                            .iter()
                            .map(|(ns, _, name)| (ns.as_str(), name.as_str())),
                    )
        };
        let target = cluster.or_else(|| clusters.first().copied());
        match self.choose(&matched, (h.file, h.doc), &h.label, target, &affected) {
            Choice::InPlace => Located::Found { site, warnings },
            Choice::Patch {
                unit: r,
                entry: e,
                shared_with,
            } => {
                warnings.push(Finding::info(
                    Code::PatchedInOverlay,
                    format!(
                        "{} is shared with {}: restarted through a patch in {} instead",
                        h.label,
                        shared_with.join(", "),
                        r.label
                    ),
                ));
                Located::Found {
                    site: Site::patch(r, e, path, (h.file, h.doc)),
                    warnings,
                }
            }
            Choice::SeveralClusters(clusters) => several_clusters(
                &h.label,
                self.site(h.file, h.doc),
                &clusters.iter().map(String::as_str).collect::<Vec<_>>(),
            ),
            Choice::Neither(reason) => Located::Manual { reason },
        }
    }
}

/// The keys of a values path (`helm.charts`, `helm.valuesPath`) for the workload `name`: the path
/// split on `.` first, then `{name}` substituted in each key, so that a name with dots (`api.v2`)
/// stays one key.
fn values_keys(template: &str, name: &str) -> Vec<String> {
    template
        .split('.')
        .map(|key| key.replace("{name}", name))
        .collect()
}

/// A values path as people write it: its keys joined by `.`, a key holding a `.` in double
/// quotes (`controllers."api.v2".pod.annotations`).
fn dotted(keys: &[String]) -> String {
    keys.iter()
        .map(|key| {
            if key.contains('.') {
                format!("{key:?}")
            } else {
                key.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Whether chart templates (every file of `templates/`, helpers included) may read the
/// top-level values key `key`. A textual check, conservative on purpose: they may when `key`
/// appears anywhere in them as a word (`.Values.key`, `$.Values.key`, `index .Values "key"`,
/// `.key` inside `with .Values`, even in a comment), and whenever they read values in ways text
/// can't follow: `.Values` as a whole (`toYaml .Values`, `index .Values $k`, `$v := .Values`),
/// `tpl` (text from values rendered as a template) or `.Files` (other files of the chart
/// rendered). Only `false` is a finding: the templates clearly never read `key`.
fn templates_may_read(templates: &[(String, String)], key: &str) -> bool {
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    templates.iter().any(|(_, text)| {
        let mentions = text.match_indices(key).any(|(at, _)| {
            !text[..at].ends_with(word) && !text[at + key.len()..].starts_with(word)
        });
        let whole_values = text.match_indices(".Values").any(|(at, _)| {
            let after = &text[at + ".Values".len()..];
            !after.starts_with('.') && !after.starts_with(word)
        });
        let opaque = text
            .match_indices("tpl")
            .any(|(at, _)| !text[..at].ends_with(word) && !text[at + 3..].starts_with(word));
        mentions || whole_values || opaque || text.contains(".Files")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(templates: &[&str]) -> Vec<(String, String)> {
        templates
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("charts/web/templates/{i}.yaml"), (*t).to_owned()))
            .collect()
    }

    #[test]
    fn a_name_with_dots_is_one_key() {
        assert_eq!(
            values_keys("controllers.{name}.pod.annotations", "api.v2"),
            ["controllers", "api.v2", "pod", "annotations"]
        );
        assert_eq!(values_keys("podAnnotations", "api.v2"), ["podAnnotations"]);
        assert_eq!(
            values_keys("{name}-pod.annotations", "a.b"),
            ["a.b-pod", "annotations"]
        );
        assert_eq!(
            dotted(&values_keys("controllers.{name}.pod.annotations", "api.v2")),
            "controllers.\"api.v2\".pod.annotations"
        );
        assert_eq!(
            dotted(&values_keys("podAnnotations", "x")),
            "podAnnotations"
        );
    }

    #[test]
    fn templates_that_name_the_key_may_read_it() {
        for text in [
            "{{- with .Values.podAnnotations }}\nannotations: {{ toYaml . | nindent 8 }}\n{{- end }}",
            "annotations: {{ $.Values.podAnnotations | toYaml }}",
            "{{ index .Values \"podAnnotations\" }}",
            "{{- with .Values }}{{ .podAnnotations }}{{ end }}",
            "{{/* podAnnotations are not supported yet */}}",
        ] {
            assert!(
                templates_may_read(&chart(&[text]), "podAnnotations"),
                "{text}"
            );
        }
    }

    #[test]
    fn templates_that_read_values_out_of_sight_may_read_anything() {
        for text in [
            "data:\n  values: {{ toYaml .Values | quote }}",
            "{{ index .Values $key }}",
            "{{- range $k, $v := .Values }}{{ end }}",
            "{{ tpl .Values.extra . }}",
            "{{ (.Files.Glob \"extra/*\").AsConfig }}",
        ] {
            assert!(
                templates_may_read(&chart(&[text]), "podAnnotations"),
                "{text}"
            );
        }
    }

    #[test]
    fn templates_that_never_name_the_key_dont_read_it() {
        let templates = chart(&[
            "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicas }}\n  \
             template:\n    metadata:\n      annotations:\n        {{- toYaml .Values.podAnnotationsExtra | nindent 8 }}\n",
            "{{- define \"web.labels\" -}}\napp: {{ .Chart.Name }}\n{{- end }}\n",
            "image: {{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}\n",
        ]);
        assert!(!templates_may_read(&templates, "podAnnotations"));
        assert!(templates_may_read(&templates, "image"));
        assert!(!templates_may_read(&[], "podAnnotations"));
    }
}
