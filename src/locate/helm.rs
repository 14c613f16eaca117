//! Helm releases: workloads rendered from a chart, restarted through the release's values.
//!
//! A release is a Flux HelmRelease or an Argo CD Application source with a chart or Helm
//! parameters. A live workload is traced to one by Flux's Helm labels or Argo CD's tracking, else
//! by a release in its namespace whose name it carries (charts name objects after the release).
//! The restart goes into the release's values at the chart's pod-annotations path
//! (`helm.charts` / `helm.valuesPath` in the configuration); a HelmRelease in a base shared by
//! several overlays is patched in the affected overlay, as manifests are.
//!
//! Must not edit chart templates, and must not edit values it can't edit safely: values written
//! as a string, or a source that is one of several `sources` (a sequence is not on an editable
//! path), are `manual` with the reason. Several candidate releases are `ambiguous`, never a guess.

use super::kustomize::Rendered;
use super::models::{Application, HelmRelease};
use super::renderings::{Rendering, cluster_folder};
use super::{LiveWorkload, Located, Locator, Site};
use crate::model::{Code, Finding};

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
    pub(super) file: usize,
    pub(super) doc: usize,
    /// Keys from the document root to the values mapping.
    values_path: Vec<String>,
    /// Why its values can't be edited, when they can't.
    blocked: Option<String>,
    /// The cluster it deploys to, when known (the configuration's cluster paths win).
    pub(super) cluster: Option<String>,
    flux: bool,
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
        file,
        doc,
        values_path: vec!["spec".into(), "values".into()],
        blocked: None,
        cluster: cluster_folder(path),
        flux: true,
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
                file,
                doc,
                values_path,
                blocked,
                cluster: app.spec.destination.name.clone(),
                flux: false,
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
        let in_cluster = |h: &&HelmSource| match (cluster, &h.cluster) {
            (Some(want), Some(have)) => want == have,
            _ => true,
        };
        let traced: Vec<&HelmSource> = match label("helm.toolkit.fluxcd.io/name") {
            Some(name) => {
                let ns = label("helm.toolkit.fluxcd.io/namespace");
                self.helm
                    .iter()
                    .filter(|h| {
                        h.flux && h.name == name && (ns.is_none() || h.namespace.as_deref() == ns)
                    })
                    .collect()
            }
            None => {
                let apps: Vec<String> = Self::traced_apps(live);
                self.helm
                    .iter()
                    .filter(|h| !h.flux && apps.contains(&h.name))
                    .collect()
            }
        };
        let candidates: Vec<&HelmSource> = if traced.is_empty() {
            self.helm
                .iter()
                .filter(in_cluster)
                .filter(|h| {
                    h.target_namespace
                        .as_deref()
                        .is_none_or(|ns| ns == live.namespace)
                })
                .filter(|h| {
                    live.name == h.release || live.name.starts_with(&format!("{}-", h.release))
                })
                .collect()
        } else {
            traced.into_iter().filter(in_cluster).collect()
        };
        match candidates.as_slice() {
            [] => None,
            [h] => Some(self.helm_site(h, live, cluster)),
            several => Some(Located::Ambiguous {
                reason: format!(
                    "several Helm releases could render it: {}; map clusters to paths in .gitops-restart.yaml or pass --cluster",
                    several
                        .iter()
                        .map(|h| h.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                candidates: several.iter().map(|h| self.site(h.file, h.doc)).collect(),
            }),
        }
    }

    fn helm_site(&self, h: &HelmSource, live: &LiveWorkload<'_>, cluster: Option<&str>) -> Located {
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
        let resolved = template.replace("{name}", short);
        let mut path = h.values_path.clone();
        path.extend(resolved.split('.').map(str::to_owned));
        path.push(self.annotation.clone());
        let mut warnings = vec![Finding::warning(
            Code::HelmValues,
            format!(
                "rendered by {} (chart `{}`): the restart goes into its values at `{resolved}`; the chart must \
                 put those values on the pod template",
                h.label, h.chart
            ),
        )];
        // A HelmRelease in a base shared by several overlays: the same choice as for manifests.
        let including: Vec<(&Rendering, &Rendered)> = self
            .renderings
            .iter()
            .flat_map(|r| r.entries.iter().map(move |e| (r, e)))
            .filter(|(_, e)| e.file == h.file && e.doc == h.doc)
            .collect();
        let affected: Vec<(&Rendering, &Rendered)> = including
            .iter()
            .copied()
            .filter(|(r, _)| match (cluster, &r.cluster) {
                (Some(want), Some(have)) => want == have,
                (Some(_), None) => including.len() == 1,
                (None, _) => true,
            })
            .collect();
        if including.len() <= 1 || (affected.len() == including.len() && cluster.is_some()) {
            let site = Site::Helm {
                file: h.file,
                doc: h.doc,
                path,
                label: h.label.clone(),
            };
            return Located::Found { site, warnings };
        }
        match affected.as_slice() {
            [(r, e)] if r.kustomization.is_some() && e.file == h.file => {
                let others: Vec<&str> = including
                    .iter()
                    .filter(|(o, _)| !std::ptr::eq(*o, *r))
                    .map(|(o, _)| o.label.as_str())
                    .collect();
                warnings.push(Finding::info(
                    Code::PatchedInOverlay,
                    format!(
                        "{} is shared with {}: restarted through a patch in {} instead",
                        h.label,
                        others.join(", "),
                        r.label
                    ),
                ));
                Located::Found {
                    site: Site::Patch {
                        dir: r.dir.clone(),
                        kustomization: r.kustomization.expect("matched on it"),
                        api_version: e.api_version.clone(),
                        kind: e.kind.clone(),
                        name: e.name_in_root.clone(),
                        namespace: e.namespace_in_root.clone(),
                        path,
                        file: h.file,
                        doc: h.doc,
                    },
                    warnings,
                }
            }
            _ => Located::Ambiguous {
                reason: format!(
                    "{} is deployed by several renderings ({}); pass --cluster and map clusters to paths in \
                     .gitops-restart.yaml",
                    h.label,
                    including
                        .iter()
                        .map(|(r, _)| r.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                candidates: vec![self.site(h.file, h.doc)],
            },
        }
    }
}
