//! The Argo CD clusters an ApplicationSet's clusters generator chooses from, and label selectors.
//!
//! Argo CD knows a cluster by its Secret (`argocd.argoproj.io/secret-type: cluster`, `name` and
//! `server` in `stringData` or `data`, labels and annotations on the Secret); offline, those are
//! the cluster Secrets the repository holds and the clusters of `.gitops-restart.yaml` (with
//! their optional `server` and `labels`; a configured cluster named like a Secret's adds to its
//! labels and may set its server). Argo CD's own cluster (`in-cluster`,
//! `https://kubernetes.default.svc`) has no Secret and no labels: it is one of the clusters only
//! when nothing else declares that server, and only a generator without a selector chooses it,
//! as in Argo CD. Selectors are Kubernetes label selectors (`matchLabels`, `matchExpressions`
//! with `In`, `NotIn`, `Exists`, `DoesNotExist`). Pure.

use std::collections::BTreeMap;

use serde_json::Value;

use super::super::models::ClusterSecret;
use crate::config::Config;
use crate::repo::Index;

/// The label Argo CD's cluster Secrets carry.
pub(super) const SECRET_TYPE: &str = "argocd.argoproj.io/secret-type";

/// The server of Argo CD's own cluster.
pub(in crate::locate) const IN_CLUSTER: &str = "https://kubernetes.default.svc";

/// A cluster Argo CD knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::locate) struct ArgoCluster {
    pub(in crate::locate) name: String,
    /// Empty when neither a Secret nor the configuration gives one.
    pub(in crate::locate) server: String,
    pub(super) labels: BTreeMap<String, String>,
    pub(super) annotations: BTreeMap<String, String>,
    /// Argo CD's own cluster, which has no Secret.
    pub(super) local: bool,
}

/// Every cluster the repository and the configuration declare, by name, then Argo CD's own.
pub(in crate::locate) fn known(index: &Index, config: &Config) -> Vec<ArgoCluster> {
    let mut clusters: BTreeMap<String, ArgoCluster> = BTreeMap::new();
    for file in &index.files {
        for (_, object) in &file.objects {
            if let Some(secret) = ClusterSecret::read(object) {
                clusters.insert(
                    secret.name.clone(),
                    ArgoCluster {
                        name: secret.name,
                        server: secret.server,
                        labels: secret.labels,
                        annotations: secret.annotations,
                        local: false,
                    },
                );
            }
        }
    }
    for (name, configured) in &config.clusters {
        let cluster = clusters.entry(name.clone()).or_insert_with(|| ArgoCluster {
            name: name.clone(),
            server: String::new(),
            labels: BTreeMap::from([(SECRET_TYPE.to_owned(), "cluster".to_owned())]),
            annotations: BTreeMap::new(),
            local: false,
        });
        if let Some(server) = &configured.server {
            cluster.server.clone_from(server);
        }
        cluster.labels.extend(configured.labels.clone());
    }
    let mut known: Vec<ArgoCluster> = clusters.into_values().collect();
    if !known.iter().any(|c| c.server == IN_CLUSTER) {
        known.insert(
            0,
            ArgoCluster {
                name: "in-cluster".to_owned(),
                server: IN_CLUSTER.to_owned(),
                labels: BTreeMap::new(),
                annotations: BTreeMap::new(),
                local: true,
            },
        );
    }
    known
}

/// The name of the declared cluster whose server is `server` (Argo CD's own is not declared).
pub(in crate::locate) fn name_of_server<'c>(
    clusters: &'c [ArgoCluster],
    server: &str,
) -> Option<&'c str> {
    clusters
        .iter()
        .find(|c| {
            !c.local
                && !c.server.is_empty()
                && c.server.trim_end_matches('/') == server.trim_end_matches('/')
        })
        .map(|c| c.name.as_str())
}

/// Whether a label selector (`matchLabels`, `matchExpressions`) is empty.
pub(super) fn is_empty(selector: &Value) -> bool {
    let empty = |key: &str| {
        selector.get(key).is_none_or(|v| match v {
            Value::Object(map) => map.is_empty(),
            Value::Array(items) => items.is_empty(),
            _ => true,
        })
    };
    empty("matchLabels") && empty("matchExpressions")
}

/// Whether `labels` satisfy a label selector, or why the selector can't be read.
pub(super) fn selects(selector: &Value, labels: &BTreeMap<String, String>) -> Result<bool, String> {
    if !selector.is_object() && !selector.is_null() {
        return Err("the selector is not a mapping".to_owned());
    }
    if let Some(wanted) = selector.get("matchLabels") {
        let wanted = wanted.as_object().ok_or("matchLabels is not a mapping")?;
        for (key, value) in wanted {
            let value = value
                .as_str()
                .ok_or_else(|| format!("matchLabels `{key}` is not a string"))?;
            if labels.get(key).map(String::as_str) != Some(value) {
                return Ok(false);
            }
        }
    }
    if let Some(expressions) = selector.get("matchExpressions") {
        let expressions = expressions
            .as_array()
            .ok_or("matchExpressions is not a list")?;
        for expression in expressions {
            let key = expression["key"]
                .as_str()
                .ok_or("a matchExpression has no key")?;
            let values: Vec<&str> = expression["values"]
                .as_array()
                .map(|v| v.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let have = labels.get(key).map(String::as_str);
            let ok = match expression["operator"].as_str().unwrap_or_default() {
                "In" => have.is_some_and(|h| values.contains(&h)),
                "NotIn" => have.is_none_or(|h| !values.contains(&h)),
                "Exists" => have.is_some(),
                "DoesNotExist" => have.is_none(),
                other => return Err(format!("unknown selector operator `{other}`")),
            };
            if !ok {
                return Ok(false);
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn selectors_match_labels_and_expressions() {
        let prod = labels(&[("env", "prod"), ("region", "eu")]);
        let staging = labels(&[("env", "staging")]);
        let by_label = json!({"matchLabels": {"env": "prod"}});
        assert_eq!(selects(&by_label, &prod), Ok(true));
        assert_eq!(selects(&by_label, &staging), Ok(false));
        let expressions = json!({"matchExpressions": [
            {"key": "env", "operator": "In", "values": ["prod", "staging"]},
            {"key": "region", "operator": "NotIn", "values": ["us"]},
            {"key": "legacy", "operator": "DoesNotExist"}
        ]});
        assert_eq!(selects(&expressions, &prod), Ok(true));
        assert_eq!(selects(&expressions, &staging), Ok(true));
        let exists = json!({"matchExpressions": [{"key": "region", "operator": "Exists"}]});
        assert_eq!(selects(&exists, &staging), Ok(false));
        assert!(
            selects(
                &json!({"matchExpressions": [{"key": "a", "operator": "Gt"}]}),
                &prod
            )
            .is_err()
        );
        assert!(is_empty(&json!({})) && is_empty(&json!({"matchLabels": {}})));
        assert!(!is_empty(&by_label));
    }

    #[test]
    fn secrets_and_configuration_declare_clusters() {
        let mut index = Index::default();
        let secret = json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "c", "labels": {SECRET_TYPE: "cluster", "env": "prod"}},
            "type": "Opaque",
            "data": {"name": "cHJvZA==", "server": "aHR0cHM6Ly9wcm9kLmV4YW1wbGU="}
        });
        index.files.push(crate::repo::ManifestFile {
            path: "clusters/prod.yaml".to_owned(),
            text: String::new(),
            workloads: Vec::new(),
            parsed: None,
            docs: Vec::new(),
            objects: vec![(0, secret)],
        });
        let config = Config::parse(
            "clusters:\n  prod:\n    labels: {tier: gold}\n  staging:\n    server: https://staging.example\n    labels: {env: staging}\n",
            "c",
        )
        .unwrap();
        let known = known(&index, &config);
        let names: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["in-cluster", "prod", "staging"]);
        assert!(known[0].local && known[0].labels.is_empty());
        assert_eq!(known[1].server, "https://prod.example");
        assert_eq!(known[1].labels["env"], "prod");
        assert_eq!(known[1].labels["tier"], "gold");
        assert_eq!(known[2].labels[SECRET_TYPE], "cluster");
        assert_eq!(
            name_of_server(&known, "https://staging.example/"),
            Some("staging")
        );
        assert_eq!(name_of_server(&known, IN_CLUSTER), None);
    }
}
