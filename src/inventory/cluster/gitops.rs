//! The GitOps kinds the live inventory lists when the API serves them: Argo CD Applications,
//! Flux Kustomizations and HelmReleases.
//!
//! Responsibility: name them (group, kind, plural) once, for the lister and for `gitops-restart
//! rbac`, and word what a refused list of one means. They are optional twice over: a cluster
//! without the CRD does not serve them (discovery leaves the group out, or the list answers 404:
//! skipped quietly), and an identity without the permission is refused (403: a warning saying
//! what to grant, and the run goes on, locating from the repository's files alone).
//!
//! It must not send requests (the lister does) nor decide what the objects mean (the locator
//! does).

use super::{Resource, Target};
use crate::model::{Code, Finding};

/// The GitOps kinds, as (API group, kind, plural), in the order they are listed and granted.
pub(crate) const GITOPS_RESOURCES: [(&str, &str, &str); 3] = [
    ("argoproj.io", "Application", "applications"),
    (
        "kustomize.toolkit.fluxcd.io",
        "Kustomization",
        "kustomizations",
    ),
    ("helm.toolkit.fluxcd.io", "HelmRelease", "helmreleases"),
];

/// The GitOps kind `group` serves in `version`, if it is one of [`GITOPS_RESOURCES`]'s groups.
pub(super) fn gitops_resources(group: &str, version: &str) -> Option<Resource> {
    GITOPS_RESOURCES
        .iter()
        .find(|(g, _, _)| *g == group)
        .map(|(group, kind, plural)| Resource {
            group: (*group).to_owned(),
            version: version.to_owned(),
            kind: (*kind).to_owned(),
            plural: (*plural).to_owned(),
        })
}

impl Resource {
    /// Whether this is one of the GitOps kinds (listed only when served and permitted).
    pub(crate) fn is_gitops(&self) -> bool {
        GITOPS_RESOURCES
            .iter()
            .any(|(group, kind, _)| self.group == *group && self.kind == *kind)
    }
}

/// The warning for a GitOps list the identity may not read.
pub(super) fn gitops_forbidden(target: &Target, resource: &Resource, message: &str) -> Finding {
    Finding::warning(
        Code::GitopsForbidden,
        format!(
            "{target}: forbidden to list {resource} across all namespaces ({message}): the \
             ClusterRole lacks it, so where the repository is deployed is read from its files \
             alone; grant get and list on {resource} (`gitops-restart rbac` prints the role with \
             it)"
        ),
    )
}
