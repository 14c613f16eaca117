//! `gitops-restart rbac`: the read-only ClusterRole and binding the live inventory needs.
//!
//! Responsibility: print, as YAML ready for `kubectl apply -f -`, a ClusterRole granting `get`
//! and `list` on exactly the resources [`cluster`] lists (from the same table, so the two never
//! drift apart) plus `rollouts.argoproj.io` and the Argo CD and Flux kinds (Applications,
//! Kustomizations, HelmReleases), and a ClusterRoleBinding to a Kubernetes group that
//! an EKS access entry or an aws-auth mapping gives the GitHub Action's IAM role.
//!
//! It must not grant anything else: no `watch`, no write verb, no secrets, no wildcard.
//!
//! Invariants: the output is the same bytes for the same arguments; the group is one subject's
//! name whatever it holds: written plain when YAML reads it back as the same string, else
//! double-quoted (the settings refuse an empty group and line breaks before it gets here).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use crate::inventory::cluster::{GITOPS_RESOURCES, ROLLOUTS_GROUP, builtin_resources};

/// The ClusterRole's name, and the binding's.
pub const ROLE_NAME: &str = "gitops-restart-reader";
/// The Kubernetes group the binding names; map the IAM role to it.
pub const DEFAULT_GROUP: &str = "gitops-restart-readers";

/// `rbac --help`, after the options.
pub const HELP: &str = "\
Apply it once per cluster, then map the identity that runs gitops-restart to the group.
EKS access entry (the GitHub Action's IAM role; no aws-auth edit needed):
  gitops-restart rbac | kubectl apply -f -
  aws eks create-access-entry --cluster-name CLUSTER \\
      --principal-arn arn:aws:iam::ACCOUNT:role/ROLE --kubernetes-groups gitops-restart-readers
aws-auth ConfigMap (older clusters): under mapRoles, add the role ARN with
  groups: [gitops-restart-readers]
In a pod: bind the pod's ServiceAccount instead of the group.";

/// Write the ClusterRole and ClusterRoleBinding for `group`.
pub fn render(group: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let subject = crate::edit::scalar_text(group);
    // API group -> resources, in a stable order: the core group first.
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for resource in builtin_resources() {
        rules
            .entry(resource.group)
            .or_default()
            .push(resource.plural);
    }
    rules
        .entry(ROLLOUTS_GROUP.to_owned())
        .or_default()
        .push("rollouts".to_owned());
    for (group, _, plural) in GITOPS_RESOURCES {
        rules
            .entry(group.to_owned())
            .or_default()
            .push(plural.to_owned());
    }

    let mut yaml = String::new();
    let _ = writeln!(
        yaml,
        "# Read-only access for gitops-restart's live inventory (plan, apply, pr and verify\n\
         # without --snapshot): get and list, across all namespaces, on exactly what it lists.\n\
         # rollouts.argoproj.io is listed only when the Argo Rollouts CRD exists, and the Argo CD\n\
         # and Flux kinds (applications.argoproj.io, kustomizations.kustomize.toolkit.fluxcd.io,\n\
         # helmreleases.helm.toolkit.fluxcd.io) only where theirs do: granting them where they\n\
         # do not exist is harmless. Those three tell where the repository is deployed.\n\
         apiVersion: rbac.authorization.k8s.io/v1\n\
         kind: ClusterRole\n\
         metadata:\n  name: {ROLE_NAME}\n\
         rules:"
    );
    for (api_group, resources) in &rules {
        let _ = writeln!(
            yaml,
            "  - apiGroups: [\"{api_group}\"]\n    resources: [{}]\n    verbs: [\"get\", \"list\"]",
            resources
                .iter()
                .map(|r| format!("\"{r}\""))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let _ = writeln!(
        yaml,
        "---\n\
         # Bind it to the Kubernetes group the GitHub Action's IAM role is mapped to:\n\
         #   aws eks create-access-entry --cluster-name CLUSTER \\\n\
         #     --principal-arn arn:aws:iam::ACCOUNT:role/ROLE --kubernetes-groups {group}\n\
         # or, with the aws-auth ConfigMap, under mapRoles: groups: [{group}].\n\
         # In-cluster, bind a ServiceAccount instead: kind: ServiceAccount, name, namespace.\n\
         apiVersion: rbac.authorization.k8s.io/v1\n\
         kind: ClusterRoleBinding\n\
         metadata:\n  name: {ROLE_NAME}\n\
         roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: {ROLE_NAME}\n\
         subjects:\n  - apiGroup: rbac.authorization.k8s.io\n    kind: Group\n    name: {subject}"
    );
    out.write_all(yaml.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_one_subject_whatever_it_holds() {
        for group in [
            "ci-readers",
            "null",
            "x: y",
            "a # b",
            "'q'",
            "[x]",
            "*x",
            "tab\tx",
        ] {
            let mut out = Vec::new();
            render(group, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
            assert_eq!(
                docs[1]["subjects"],
                serde_json::json!([{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                    "name": group}]),
                "{text}"
            );
        }
    }

    #[test]
    fn grants_get_and_list_on_exactly_the_listed_resources() {
        let mut out = Vec::new();
        render(DEFAULT_GROUP, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let docs: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).unwrap();
        assert_eq!(docs.len(), 2);
        let rules = docs[0]["rules"].as_array().unwrap();
        let mut granted: Vec<String> = Vec::new();
        for rule in rules {
            assert_eq!(rule["verbs"], serde_json::json!(["get", "list"]));
            let group = rule["apiGroups"][0].as_str().unwrap();
            for r in rule["resources"].as_array().unwrap() {
                let r = r.as_str().unwrap();
                granted.push(if group.is_empty() {
                    r.to_owned()
                } else {
                    format!("{r}.{group}")
                });
            }
        }
        granted.sort();
        assert_eq!(
            granted,
            [
                "applications.argoproj.io",
                "cronjobs.batch",
                "daemonsets.apps",
                "deployments.apps",
                "helmreleases.helm.toolkit.fluxcd.io",
                "jobs.batch",
                "kustomizations.kustomize.toolkit.fluxcd.io",
                "poddisruptionbudgets.policy",
                "pods",
                "replicasets.apps",
                "rollouts.argoproj.io",
                "statefulsets.apps",
            ]
        );
        assert_eq!(docs[1]["subjects"][0]["name"], DEFAULT_GROUP);
        assert_eq!(docs[1]["roleRef"]["name"], ROLE_NAME);
    }
}
