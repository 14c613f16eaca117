//! The vocabulary the pipeline stages share. Plain data, no I/O.
//!
//! A [`WorkloadId`] is how every stage names a workload: the inventory's affected workloads,
//! the plan's lines and `verify`'s findings are joined by it, never by comparing their parts as
//! strings one by one.

use std::fmt;

/// A workload as the cluster names it. `namespace` is `None` only for a manifest that declares
/// none (`--all-workloads` on a plain file); it is shown as `-`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkloadId {
    pub namespace: Option<String>,
    /// The kind as Kubernetes spells it (`Deployment`, `Rollout`, `CronJob`, `Pod`...).
    pub kind: String,
    pub name: String,
}

impl WorkloadId {
    pub fn new(namespace: Option<&str>, kind: &str, name: &str) -> WorkloadId {
        WorkloadId {
            namespace: namespace.map(str::to_owned),
            kind: kind.to_owned(),
            name: name.to_owned(),
        }
    }
}

/// `NAMESPACE/KIND/NAME`, with `-` for a namespace the manifest doesn't declare.
impl fmt::Display for WorkloadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let namespace = self.namespace.as_deref().unwrap_or("-");
        write!(f, "{namespace}/{}/{}", self.kind, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_as_namespace_kind_name() {
        assert_eq!(
            WorkloadId::new(Some("shop"), "Deployment", "web").to_string(),
            "shop/Deployment/web"
        );
        assert_eq!(
            WorkloadId::new(None, "Rollout", "web").to_string(),
            "-/Rollout/web"
        );
    }
}
