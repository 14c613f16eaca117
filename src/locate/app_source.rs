//! What an Argo CD Application's source and destination mean beyond the folder it points at:
//! which sources deploy manifests, how the Application's own kustomize options rename what the
//! folder renders, and which cluster a destination is.
//!
//! Argo CD runs `kustomize edit set nameprefix|namesuffix|namespace` in the source folder
//! before building it: the Application's `namePrefix`, `nameSuffix` and `namespace` replace the
//! folder's own kustomization's, so a live `p-web` matches `web` under `namePrefix: p-`. A
//! source with a `ref` and no `path` only lends its files to other sources (`$values/...`), and
//! a `chart` source is Helm's: neither is a rendering (a `ref` source with a `path` renders it,
//! as Argo CD does). A destination is its `name`, else the declared cluster
//! (cluster Secret or `.gitops-restart.yaml` `server`) whose server it names, else a server that
//! is not Argo CD's own. Pure.

use super::appset::{ArgoCluster, IN_CLUSTER, name_of_server};
use super::kustomize::{Rendered, Resolver};
use super::models::{AppDestination, AppKustomize, AppSource};

/// Whether a source renders the manifests of a path (rather than a chart, or only lending
/// values files to another source).
pub(super) fn renders_path(source: &AppSource) -> bool {
    source.chart.is_none() && source.path.is_some()
}

/// The Application's kustomize options over what the folder `dir` renders.
pub(super) fn apply_kustomize(
    resolver: &Resolver<'_>,
    dir: &str,
    options: &AppKustomize,
    entries: &mut [Rendered],
) {
    let own = resolver.kustomization(dir);
    let renames = options.name_prefix.is_some() || options.name_suffix.is_some();
    let prefix = options
        .name_prefix
        .clone()
        .or_else(|| own.as_ref().and_then(|k| k.name_prefix.clone()))
        .unwrap_or_default();
    let suffix = options
        .name_suffix
        .clone()
        .or_else(|| own.as_ref().and_then(|k| k.name_suffix.clone()))
        .unwrap_or_default();
    for e in entries {
        if renames {
            e.name = format!("{prefix}{}{suffix}", e.name_in_root);
        }
        if let Some(ns) = &options.namespace {
            e.namespace = Some(ns.clone());
        }
    }
}

/// The cluster an Application deploys to, when its destination says.
pub(super) fn cluster(destination: &AppDestination, clusters: &[ArgoCluster]) -> Option<String> {
    if let Some(name) = destination.name.as_ref().filter(|n| !n.is_empty()) {
        return Some(name.clone());
    }
    let server = destination.server.as_deref().filter(|s| !s.is_empty())?;
    name_of_server(clusters, server)
        .map(str::to_owned)
        .or_else(|| (server.trim_end_matches('/') != IN_CLUSTER).then(|| server.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn resolve(files: &[(&str, &str)], dir: &str) -> (tempfile::TempDir, crate::repo::Index) {
        let root = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = root.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let index = crate::repo::index(root.path(), "a/b", &Config::default()).unwrap();
        assert!(index.dirs.iter().any(|d| d == dir));
        (root, index)
    }

    const WEB: &str =
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n";

    fn names(resolver: &mut Resolver<'_>, dir: &str, options: &AppKustomize) -> Vec<String> {
        let mut entries = resolver.render_kustomization(dir);
        if entries.is_empty() {
            entries = resolver.render_plain(dir, false, &|_| true);
        }
        apply_kustomize(resolver, dir, options, &mut entries);
        entries
            .iter()
            .map(|e| format!("{}/{}", e.namespace.as_deref().unwrap_or("-"), e.name))
            .collect()
    }

    #[test]
    fn kustomize_options_replace_the_folders_own() {
        let files = [
            ("base/web.yaml", WEB),
            (
                "base/kustomization.yaml",
                "resources: [web.yaml]\nnamePrefix: b-\n",
            ),
            (
                "prod/kustomization.yaml",
                "resources: [../base]\nnamePrefix: prod-\nnameSuffix: -v1\nnamespace: shop\n",
            ),
            ("plain/web.yaml", WEB),
        ];
        let (_root, index) = resolve(&files, "prod");
        let mut resolver = Resolver::new(&index);
        let options = |prefix: Option<&str>, suffix: Option<&str>, ns: Option<&str>| AppKustomize {
            name_prefix: prefix.map(str::to_owned),
            name_suffix: suffix.map(str::to_owned),
            namespace: ns.map(str::to_owned),
        };
        assert_eq!(
            names(&mut resolver, "prod", &options(None, None, None)),
            ["shop/prod-b-web-v1"]
        );
        assert_eq!(
            names(&mut resolver, "prod", &options(Some("p-"), None, None)),
            ["shop/p-b-web-v1"]
        );
        assert_eq!(
            names(
                &mut resolver,
                "prod",
                &options(None, Some("-x"), Some("other"))
            ),
            ["other/prod-b-web-x"]
        );
        assert_eq!(
            names(
                &mut resolver,
                "plain",
                &options(Some("p-"), Some("-s"), None)
            ),
            ["a/p-web-s"]
        );
    }

    #[test]
    fn sources_and_destinations() {
        let source =
            |json: serde_json::Value| -> AppSource { serde_json::from_value(json).unwrap() };
        assert!(renders_path(&source(serde_json::json!({"path": "web"}))));
        assert!(renders_path(&source(
            serde_json::json!({"ref": "values", "path": "v"})
        )));
        assert!(!renders_path(&source(serde_json::json!({"ref": "values"}))));
        assert!(!renders_path(&source(
            serde_json::json!({"chart": "podinfo"})
        )));
        let config = Config::parse(
            "clusters:\n  prod:\n    server: https://prod.example\n",
            "c",
        )
        .unwrap();
        let clusters =
            super::super::appset::known_clusters(&crate::repo::Index::default(), &config);
        let destination =
            |json: serde_json::Value| -> AppDestination { serde_json::from_value(json).unwrap() };
        let cluster = |json| cluster(&destination(json), &clusters);
        assert_eq!(
            cluster(serde_json::json!({"name": "staging"})).as_deref(),
            Some("staging")
        );
        assert_eq!(
            cluster(serde_json::json!({"server": "https://prod.example/"})).as_deref(),
            Some("prod")
        );
        assert_eq!(
            cluster(serde_json::json!({"server": "https://other.example"})).as_deref(),
            Some("https://other.example")
        );
        assert_eq!(cluster(serde_json::json!({"server": IN_CLUSTER})), None);
        assert_eq!(cluster(serde_json::json!({"name": ""})), None);
    }
}
