//! Live inventory: the same [`Inventory`] a snapshot gives, listed from the Kubernetes API.
//!
//! Responsibility: find the cluster (`config`: a kubeconfig file, `KUBECONFIG`, `--context`,
//! exec plugins such as `aws eks get-token`, or the in-cluster service account, as kube's config
//! loader resolves them), discover whether Argo Rollouts and the GitOps kinds (`gitops`: Argo
//! CD Applications, Flux Kustomizations and HelmReleases) are served, and list every kind the
//! plan needs across all namespaces, page by page (`lister`: `limit` and `continue`). Each page
//! goes through the one list decoder (`inventory::decode`), which gives items the `apiVersion`
//! and `kind` lists leave out, so a live listing and a snapshot agree by construction; only the
//! decoded, reduced objects are kept, one page of raw JSON at a time. `error` classifies what
//! went wrong and words it.
//!
//! The kubeconfig's exec plugin (`exec`) is run by the tool, within `--request-timeout`, before
//! the client is built, and again when its token is about to expire; kube never runs it. The
//! client is built by `client`, over the connector of [`crate::proxy`]: the kubeconfig's
//! `proxy-url`, else `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` as curl reads them.
//!
//! It must not GET single objects, write anything to the cluster, print, or let a credential
//! into an error message: messages name the server (scheme, host and port only) and the
//! context, quote neither the kubeconfig nor an exec plugin's output (`describe`), and every
//! message is scrubbed of the kubeconfig's credentials and of anything shaped like one.
//!
//! Invariants: the request count is discovery (one, or two when the `argoproj.io` group
//! exists) plus one per page, plus retries. A GitOps kind not served (404) is skipped quietly, and
//! one the identity may not list (403) is a warning, not an error. A 410 on a continue token restarts that list from
//! the start, dropping what it had gathered, at most [`RESTARTS`] times. 5xx, 429, timeouts and
//! connection failures are retried as [`RetryPolicy::KUBERNETES`] says (every request is a read,
//! so every one may be repeated), on the process's one runtime ([`crate::net`]). 401 and 403
//! are never retried: they are answers, and 403 names the verb and resource to grant.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use super::Inventory;
use crate::net::RetryPolicy;
use crate::progress::Progress;

mod client;
mod config;
mod describe;
mod error;
mod exec;
mod gitops;
mod lister;
#[cfg(test)]
mod tests;

pub use error::{ClusterError, Target};
pub(crate) use gitops::GITOPS_RESOURCES;

/// Items per list request: what kubectl uses, and small enough that one page of raw JSON
/// (about a megabyte of pods) is all the raw data held at a time.
pub(crate) const PAGE_SIZE: u32 = 500;
/// Retries of 5xx, 429, timeouts and connection failures.
const RETRY: RetryPolicy = RetryPolicy::KUBERNETES;
/// How often one list may restart after its continue token expired (410).
pub(crate) const RESTARTS: u32 = 3;

/// The Argo Rollouts API group, listed only when discovery shows it serves `rollouts`.
pub const ROLLOUTS_GROUP: &str = "argoproj.io";

/// How to reach the cluster: `--kubeconfig`, `--context`, `--request-timeout` (whose default is
/// the flag's, in [`crate::settings`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// A kubeconfig file; else `KUBECONFIG` (a list of files, merged) or `~/.kube/config`, else
    /// the in-cluster service account.
    pub kubeconfig: Option<PathBuf>,
    /// A context of the kubeconfig; else its `current-context`.
    pub context: Option<String>,
    /// How long one request may take before it is retried.
    pub timeout: Duration,
}

/// One kind the inventory lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// `""` for the core group.
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The plural, as URLs and RBAC rules spell it.
    pub plural: String,
}

impl Resource {
    fn of<K: k8s_openapi::Resource>() -> Self {
        Resource {
            group: K::GROUP.to_owned(),
            version: K::VERSION.to_owned(),
            kind: K::KIND.to_owned(),
            plural: K::URL_PATH_SEGMENT.to_owned(),
        }
    }

    /// Argo Rollouts, in the version discovery found.
    pub(crate) fn rollouts(version: &str) -> Self {
        Resource {
            group: ROLLOUTS_GROUP.to_owned(),
            version: version.to_owned(),
            kind: "Rollout".to_owned(),
            plural: "rollouts".to_owned(),
        }
    }

    /// `v1`, `apps/v1`: what list items leave out and the decoder gives them.
    pub(crate) fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The list path across all namespaces.
    pub(crate) fn path(&self) -> String {
        if self.group.is_empty() {
            format!("/api/{}/{}", self.version, self.plural)
        } else {
            format!("/apis/{}/{}/{}", self.group, self.version, self.plural)
        }
    }
}

/// `pods`, `replicasets.apps`: how kubectl and RBAC messages name a resource.
impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.plural)
        } else {
            write!(f, "{}.{}", self.plural, self.group)
        }
    }
}

/// The built-in kinds the inventory lists, in listing order: pods first, as they are most of
/// the data and the first to show a missing permission.
pub fn builtin_resources() -> Vec<Resource> {
    vec![
        Resource::of::<Pod>(),
        Resource::of::<ReplicaSet>(),
        Resource::of::<Deployment>(),
        Resource::of::<StatefulSet>(),
        Resource::of::<DaemonSet>(),
        Resource::of::<Job>(),
        Resource::of::<CronJob>(),
        Resource::of::<PodDisruptionBudget>(),
    ]
}

/// What the listing found.
#[derive(Debug, Default)]
pub struct Listing {
    pub inventory: Inventory,
    /// Malformed items (skipped), lists that restarted, Rollouts not served.
    pub warnings: Vec<crate::model::Finding>,
    /// The kubeconfig context used; `None` in-cluster.
    pub context: Option<String>,
    /// The API server, scheme, host and port only.
    pub server: String,
    /// HTTP requests sent, retries included.
    pub requests: usize,
    /// List pages received.
    pub pages: usize,
    /// Whether `rollouts.argoproj.io` was listed.
    pub rollouts: bool,
    /// The GitOps kinds listed (`applications.argoproj.io`, ...): served and permitted.
    pub gitops: Vec<String>,
    /// Lists restarted after their continue token expired.
    pub restarts: u32,
}

impl Listing {
    /// The cluster name the context suggests: [`Listing::eks_cluster_name`], else the context
    /// itself.
    pub fn cluster_name(&self) -> Option<String> {
        self.eks_cluster_name().or_else(|| self.context.clone())
    }

    /// The cluster an EKS context names for sure: the name in an EKS ARN
    /// (`arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, what `aws eks update-kubeconfig` names
    /// contexts), or the cluster in an eksctl context (`USER@NAME.REGION.eksctl.io`); `None` for
    /// a context named otherwise (an alias says nothing sure about the cluster).
    pub fn eks_cluster_name(&self) -> Option<String> {
        let context = self.context.as_deref()?;
        if let Some((_, name)) = context
            .strip_prefix("arn:")
            .and_then(|rest| rest.rsplit_once(":cluster/"))
        {
            return Some(name.to_owned());
        }
        let host = context
            .strip_suffix(".eksctl.io")
            .and_then(|rest| rest.rsplit_once('@'))
            .map(|(_, host)| host)?;
        Some(
            host.rsplit_once('.')
                .map_or(host, |(name, _)| name)
                .to_owned(),
        )
    }
}

/// What a listing lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// The inventory: workloads, pods, PodDisruptionBudgets, and the GitOps kinds served.
    Inventory,
    /// The Argo CD Applications only, of a management cluster (`--gitops-context`).
    Applications,
}

impl Scope {
    /// The option that names the context of this listing, for messages.
    fn context_flag(self) -> &'static str {
        match self {
            Scope::Inventory => "--context",
            Scope::Applications => "--gitops-context",
        }
    }
}

/// List the cluster's workloads, pods and PodDisruptionBudgets, and the Argo CD and Flux
/// objects it serves.
///
/// On the process's single-threaded runtime: the rest of the tool is synchronous, and one
/// connection, one page at a time, is what the API server's paging expects.
pub fn list(access: &Access, progress: &mut dyn Progress) -> Result<Listing, ClusterError> {
    list_scope(access, Scope::Inventory, progress)
}

/// List the Argo CD Applications of a management cluster (`--gitops-context`): discovery, then
/// `applications.argoproj.io` when served; nothing else. Their source is still
/// [`crate::inventory::GitOpsSource::Cluster`]: the caller says which context they came from.
pub fn list_applications(
    access: &Access,
    progress: &mut dyn Progress,
) -> Result<Listing, ClusterError> {
    list_scope(access, Scope::Applications, progress)
}

fn list_scope(
    access: &Access,
    scope: Scope,
    progress: &mut dyn Progress,
) -> Result<Listing, ClusterError> {
    let result = crate::net::block_on(async {
        let (mut kube_config, target, mut secrets) =
            config::load(access, scope.context_flag()).await?;
        // The exec plugin runs here, within the time limit, and never inside kube.
        let plugin = exec::Plugin::take(&mut kube_config, access.timeout, &mut secrets).map_err(
            |message| ClusterError::Config {
                message: config::scrub(&message, &secrets),
            },
        )?;
        // The kubeconfig's proxy-url (the only one `config` keeps), else the environment's.
        let given = kube_config.proxy_url.as_ref().map(ToString::to_string);
        let proxy = crate::proxy::for_server(&kube_config.cluster_url, given.as_deref()).map_err(
            |message| ClusterError::Config {
                message: config::scrub(&format!("{}: {message}", target.server), &secrets),
            },
        )?;
        if let Some(proxy) = &proxy {
            secrets.extend(proxy.secrets());
            tracing::debug!(
                proxy = %proxy.shown(),
                from = %proxy.source(),
                server = %target.server,
                "Kubernetes API through a proxy"
            );
        }
        let client =
            client::build(&kube_config, proxy.as_ref()).map_err(|err| ClusterError::Config {
                message: error::client_error(&err, &target, &secrets),
            })?;
        let lister = lister::Lister::new(
            lister::Connection {
                client,
                config: kube_config,
                plugin,
                proxy,
            },
            target,
            secrets,
            access.timeout,
            progress,
        );
        lister.run(scope).await
    })
    .map_err(|err| ClusterError::Config {
        message: format!("cannot start the I/O runtime: {err}"),
    })
    .and_then(|listed| listed);
    progress.finish();
    result
}
