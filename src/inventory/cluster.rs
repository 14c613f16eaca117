//! Live inventory: the same [`Inventory`] a snapshot gives, listed from the Kubernetes API.
//!
//! Responsibility: find the cluster (a kubeconfig file, `KUBECONFIG`, `--context`, exec plugins
//! such as `aws eks get-token`, or the in-cluster service account, as kube's config loader
//! resolves them), discover whether Argo Rollouts are served, and list every kind the plan needs
//! across all namespaces, page by page (`limit` and `continue`). Each listed item gets the
//! `apiVersion` and `kind` lists leave out and goes through [`snapshot::decode_object`], so a
//! live listing and a snapshot agree by construction; only the decoded, reduced objects are
//! kept, one page of raw JSON at a time.
//!
//! It must not GET single objects, write anything to the cluster, print, or let a credential
//! into an error message: messages name the server (scheme, host and port only) and the
//! context, and every message is scrubbed of the kubeconfig's token, password and key.
//!
//! Invariants: the request count is discovery (one, or two when the `argoproj.io` group
//! exists) plus one per page, plus retries. A 410 on a continue token restarts that list from
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
use kube::Client;
use kube::api::ListParams;
use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::Inventory;
use super::snapshot::decode_object;
use crate::net::RetryPolicy;
use crate::progress::Progress;

/// Items per list request: what kubectl uses, and small enough that one page of raw JSON
/// (about a megabyte of pods) is all the raw data held at a time.
pub const PAGE_SIZE: u32 = 500;
/// Retries of 5xx, 429, timeouts and connection failures.
const RETRY: RetryPolicy = RetryPolicy::KUBERNETES;
/// How often one list may restart after its continue token expired (410).
pub const RESTARTS: u32 = 3;
/// Per-request timeout when none is given: generous for a 500-pod page on a busy server.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// The Argo Rollouts API group, listed only when discovery shows it serves `rollouts`.
pub const ROLLOUTS_GROUP: &str = "argoproj.io";

/// How to reach the cluster: `--kubeconfig`, `--context`, `--request-timeout`.
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

impl Default for Access {
    fn default() -> Self {
        Access {
            kubeconfig: None,
            context: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
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
    pub fn rollouts(version: &str) -> Self {
        Resource {
            group: ROLLOUTS_GROUP.to_owned(),
            version: version.to_owned(),
            kind: "Rollout".to_owned(),
            plural: "rollouts".to_owned(),
        }
    }

    /// `v1`, `apps/v1`: what list items are missing and [`decode_object`] needs.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// The list path across all namespaces.
    pub fn path(&self) -> String {
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
    pub warnings: Vec<String>,
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
    /// Lists restarted after their continue token expired.
    pub restarts: u32,
}

impl Listing {
    /// The cluster name the context suggests: the name in an EKS ARN
    /// (`arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, what `aws eks update-kubeconfig` names
    /// contexts), the cluster in an eksctl context (`USER@NAME.REGION.eksctl.io`), else the
    /// context itself.
    pub fn cluster_name(&self) -> Option<String> {
        let context = self.context.as_deref()?;
        if let Some((_, name)) = context
            .strip_prefix("arn:")
            .and_then(|rest| rest.rsplit_once(":cluster/"))
        {
            return Some(name.to_owned());
        }
        if let Some(host) = context
            .strip_suffix(".eksctl.io")
            .and_then(|rest| rest.rsplit_once('@'))
            .map(|(_, host)| host)
        {
            let name = host.rsplit_once('.').map_or(host, |(name, _)| name);
            return Some(name.to_owned());
        }
        Some(context.to_owned())
    }
}

/// Where the messages say the cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub server: String,
    pub context: Option<String>,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(context) => write!(f, "{} (context {context})", self.server),
            None => write!(f, "{} (in-cluster service account)", self.server),
        }
    }
}

/// Why the cluster could not be listed. Every message names the server and context, and none
/// holds a credential.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClusterError {
    /// No usable kubeconfig or in-cluster configuration.
    #[error("cannot load the cluster configuration: {message}")]
    Config { message: String },
    /// 403: the identity lacks a permission.
    #[error(
        "{target}: forbidden to {what}: {message}\n\
         Grant read access with the ClusterRole that `gitops-restart rbac` prints, bound to this \
         identity (for EKS: an access entry or an aws-auth mapping to its group)."
    )]
    Forbidden {
        target: Target,
        /// The verb and resource refused: `list pods across all namespaces`.
        what: String,
        message: String,
    },
    /// 401: the credentials were refused.
    #[error(
        "{target}: the credentials were refused (401 Unauthorized): {message}\n\
         Refresh them (EKS: `aws eks update-kubeconfig --name CLUSTER`, and check the identity \
         `aws sts get-caller-identity` shows)."
    )]
    Unauthorized { target: Target, message: String },
    /// Connection refused, DNS failure, TLS failure, after every attempt.
    #[error(
        "cannot reach the Kubernetes API at {target}: {message} (tried {attempts} times); check \
         the server address, the network path and --context"
    )]
    Unreachable {
        target: Target,
        message: String,
        attempts: u32,
    },
    /// Timeouts, 5xx or 429 on every attempt.
    #[error("{target}: {what} failed {attempts} times, giving up: {message}")]
    GaveUp {
        target: Target,
        what: String,
        message: String,
        attempts: u32,
    },
    /// The continue token kept expiring.
    #[error(
        "{target}: the list of {resource} expired (410 Gone) {restarts} times while paging; the \
         cluster changes faster than it can be listed, try again"
    )]
    Expired {
        target: Target,
        resource: String,
        restarts: u32,
    },
    /// Any other error answer, or a body that is not a list.
    #[error("{target}: {what}: {message}")]
    Api {
        target: Target,
        what: String,
        message: String,
    },
}

/// List the cluster's workloads, pods and PodDisruptionBudgets.
///
/// On the process's single-threaded runtime: the rest of the tool is synchronous, and one
/// connection, one page at a time, is what the API server's paging expects.
pub fn list(access: &Access, progress: &mut dyn Progress) -> Result<Listing, ClusterError> {
    let result = crate::net::block_on(async {
        let (config, target, secrets) = load_config(access).await?;
        let client = Client::try_from(config).map_err(|err| ClusterError::Config {
            message: scrub(&chain(&err), &secrets),
        })?;
        let mut lister = Lister {
            client,
            target,
            secrets,
            timeout: access.timeout,
            listing: Listing::default(),
            progress,
        };
        lister.run().await?;
        Ok(lister.listing)
    })
    .map_err(|err| ClusterError::Config {
        message: format!("cannot start the I/O runtime: {err}"),
    })
    .and_then(|listed| listed);
    progress.finish();
    result
}

/// The kubeconfig (or in-cluster) configuration, where it points, and the secrets it holds.
async fn load_config(access: &Access) -> Result<(Config, Target, Vec<String>), ClusterError> {
    let options = KubeConfigOptions {
        context: access.context.clone(),
        ..KubeConfigOptions::default()
    };
    let from_file = |err: kube::config::KubeconfigError, source: &str| ClusterError::Config {
        message: format!("{source}: {}", chain(&err)),
    };
    let (mut config, context) = if let Some(path) = &access.kubeconfig {
        let source = path.display().to_string();
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| from_file(e, &source))?;
        let context = options
            .context
            .clone()
            .or_else(|| kubeconfig.current_context.clone());
        let config = Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|e| from_file(e, &source))?;
        (config, context)
    } else {
        match Kubeconfig::read() {
            Ok(kubeconfig) => {
                let source = std::env::var_os("KUBECONFIG").map_or_else(
                    || "~/.kube/config".to_owned(),
                    |v| format!("KUBECONFIG={}", v.to_string_lossy()),
                );
                let context = options
                    .context
                    .clone()
                    .or_else(|| kubeconfig.current_context.clone());
                let config = Config::from_custom_kubeconfig(kubeconfig, &options)
                    .await
                    .map_err(|e| from_file(e, &source))?;
                (config, context)
            }
            // No kubeconfig at all: running in a pod, as a CronJob or a self-hosted runner.
            Err(kubeconfig_err) if access.context.is_none() => {
                let config = Config::incluster().map_err(|incluster| ClusterError::Config {
                    message: format!(
                        "no kubeconfig ({}) and not in a cluster ({}); give --kubeconfig FILE, \
                         set KUBECONFIG, or run `aws eks update-kubeconfig --name CLUSTER`",
                        chain(&kubeconfig_err),
                        chain(&incluster)
                    ),
                })?;
                (config, None)
            }
            Err(err) => {
                return Err(ClusterError::Config {
                    message: format!("--context needs a kubeconfig: {}", chain(&err)),
                });
            }
        }
    };
    // Retries are ours: bounded, counted, and covering 500 and timeouts as well.
    config.default_retry = false;
    config.connect_timeout = Some(access.timeout);
    let secrets = secrets_of(&config);
    let target = Target {
        server: server_of(&config.cluster_url),
        context,
    };
    Ok((config, target, secrets))
}

/// Scheme, host and port: never a userinfo part or a query.
fn server_of(uri: &http::Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or("https");
    let host = uri.host().unwrap_or("?");
    match uri.port_u16() {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    }
}

/// The credential strings of the configuration, to scrub from every message.
fn secrets_of(config: &Config) -> Vec<String> {
    let mut secrets = Vec::new();
    // AuthInfo serializes its secrets in clear (it round-trips kubeconfigs): the one way to read
    // them without a direct dependency on `secrecy`.
    if let Ok(Value::Object(auth)) = serde_json::to_value(&config.auth_info) {
        for key in ["token", "password", "client-key-data"] {
            if let Some(Value::String(secret)) = auth.get(key)
                && secret.len() >= 4
            {
                secrets.push(secret.clone());
            }
        }
    }
    secrets
}

/// Replace every secret in `text` with `[redacted]`.
fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "[redacted]");
        }
    }
    text
}

/// An error and its sources, `outer: inner: root`, without repeats.
fn chain(err: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// What one request ended with, classified for retrying and messages.
enum Fault {
    /// Worth another try: 5xx, 429, a timeout.
    Transient(String),
    /// The connection could not be made; also retried, reported as unreachable.
    Connect(String),
    /// 410 Gone: the continue token expired.
    Expired,
    Forbidden(String),
    Unauthorized(String),
    NotFound(String),
    /// Anything else: not retried.
    Fatal(String),
}

fn classify(err: kube::Error, timeout: Duration) -> Fault {
    match err {
        kube::Error::Api(status) => {
            let message = one_line(&status.message, &status.reason);
            match status.code {
                401 => Fault::Unauthorized(message),
                403 => Fault::Forbidden(message),
                404 => Fault::NotFound(message),
                410 => Fault::Expired,
                429 | 500..=599 => Fault::Transient(format!("{} {message}", status.code)),
                code => Fault::Fatal(format!("{code} {message}")),
            }
        }
        kube::Error::HyperError(err) => {
            let text = chain(&err);
            if err.is_timeout() {
                Fault::Transient(format!("no answer within {}", seconds(timeout)))
            } else {
                Fault::Transient(text)
            }
        }
        kube::Error::Service(err) => {
            let text = chain(err.as_ref());
            if is_connect_error(err.as_ref()) {
                Fault::Connect(text)
            } else if text.contains("timed out") || text.contains("deadline") {
                Fault::Transient(format!("no answer within {}", seconds(timeout)))
            } else {
                Fault::Transient(text)
            }
        }
        kube::Error::Auth(err) => Fault::Fatal(format!(
            "cannot get credentials from the kubeconfig: {}",
            chain(&err)
        )),
        other => Fault::Fatal(chain(&other)),
    }
}

/// Whether the failure happened while connecting (refused, DNS, unreachable network).
fn is_connect_error(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused
                    | std::io::ErrorKind::HostUnreachable
                    | std::io::ErrorKind::NetworkUnreachable
                    | std::io::ErrorKind::AddrNotAvailable
            )
        {
            return true;
        }
        let text = e.to_string();
        if text.contains("dns error") || text.contains("tcp connect error") {
            return true;
        }
        source = e.source();
    }
    false
}

/// A status message on one line, at most 300 characters (a proxy's HTML error page is not).
fn one_line(message: &str, reason: &str) -> String {
    let text = if message.trim().is_empty() {
        reason
    } else {
        message
    };
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 300 {
        let cut: String = text.chars().take(300).collect();
        format!("{cut}...")
    } else {
        text
    }
}

fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

/// One list page: the continue token, and how many items it held.
struct Page {
    continue_token: Option<String>,
    items: usize,
}

struct Lister<'p> {
    client: Client,
    target: Target,
    secrets: Vec<String>,
    timeout: Duration,
    listing: Listing,
    progress: &'p mut dyn Progress,
}

impl Lister<'_> {
    async fn run(&mut self) -> Result<(), ClusterError> {
        let mut resources = builtin_resources();
        if let Some(rollouts) = self.discover_rollouts().await? {
            resources.push(rollouts);
            self.listing.rollouts = true;
        }
        for resource in &resources {
            self.list(resource).await?;
        }
        self.listing.server.clone_from(&self.target.server);
        self.listing.context.clone_from(&self.target.context);
        Ok(())
    }

    /// The Rollout resource when the API serves it: `/apis` names the `argoproj.io` group, and
    /// one of its versions lists `rollouts` (Argo CD alone also brings that group).
    async fn discover_rollouts(&mut self) -> Result<Option<Resource>, ClusterError> {
        #[derive(Deserialize)]
        struct Groups {
            #[serde(default)]
            groups: Vec<Group>,
        }
        #[derive(Deserialize)]
        struct Group {
            name: String,
            #[serde(default)]
            versions: Vec<GroupVersion>,
            #[serde(rename = "preferredVersion")]
            preferred: Option<GroupVersion>,
        }
        #[derive(Deserialize)]
        struct GroupVersion {
            version: String,
        }
        #[derive(Deserialize)]
        struct Resources {
            #[serde(default)]
            resources: Vec<ApiResource>,
        }
        #[derive(Deserialize)]
        struct ApiResource {
            name: String,
        }

        let text = self
            .get("/apis", "get", "the API group list (/apis)")
            .await?;
        let groups: Groups = self.parse(&text, "the API group list (/apis)")?;
        let Some(group) = groups.groups.into_iter().find(|g| g.name == ROLLOUTS_GROUP) else {
            return Ok(None);
        };
        // The preferred version first, then the others.
        let mut versions: Vec<String> = group.preferred.into_iter().map(|v| v.version).collect();
        for v in group.versions {
            if !versions.contains(&v.version) {
                versions.push(v.version);
            }
        }
        for version in versions {
            let path = format!("/apis/{ROLLOUTS_GROUP}/{version}");
            let what = format!("the API resource list ({path})");
            let text = match self.get(&path, "get", &what).await {
                Ok(text) => text,
                // A group version that vanished (a CRD being removed) serves nothing.
                Err(ClusterError::Api { .. }) => continue,
                Err(err) => return Err(err),
            };
            let resources: Resources = self.parse(&text, &what)?;
            if resources.resources.iter().any(|r| r.name == "rollouts") {
                return Ok(Some(Resource::rollouts(&version)));
            }
        }
        Ok(None)
    }

    /// Every page of one resource, into the inventory. A 410 restarts the list and drops what
    /// it had gathered, so objects deleted meanwhile are not kept.
    async fn list(&mut self, resource: &Resource) -> Result<(), ClusterError> {
        let api_version = resource.api_version();
        let name = resource.to_string();
        let mut restarts = 0;
        'restart: loop {
            let mut part = Inventory::new();
            let mut warnings = Vec::new();
            let mut token: Option<String> = None;
            let mut seen = 0usize;
            loop {
                let mut params = ListParams::default().limit(PAGE_SIZE);
                if let Some(token) = &token {
                    params = params.continue_token(token);
                }
                let request = kube::core::Request::new(resource.path())
                    .list(&params)
                    .map_err(|err| ClusterError::Api {
                        target: self.target.clone(),
                        what: format!("list {name}"),
                        message: err.to_string(),
                    })?;
                let text = match self.send(request).await {
                    Ok(text) => text,
                    // A restarted list is as consistent as a first one: no warning.
                    Err(Fault::Expired) if restarts < RESTARTS => {
                        restarts += 1;
                        self.listing.restarts += 1;
                        continue 'restart;
                    }
                    Err(Fault::Expired) => {
                        return Err(ClusterError::Expired {
                            target: self.target.clone(),
                            resource: name,
                            restarts,
                        });
                    }
                    Err(Fault::NotFound(_)) if resource.group == ROLLOUTS_GROUP => {
                        // The CRD went away after discovery: no Rollouts, as when absent.
                        return Ok(());
                    }
                    Err(fault) => {
                        return Err(self.error(fault, "list", &name, " across all namespaces"));
                    }
                };
                let mut malformed = Vec::new();
                let items = Items {
                    api_version: &api_version,
                    kind: &resource.kind,
                    first_index: seen,
                    part: &mut part,
                    malformed: &mut malformed,
                };
                let page = decode_page(&text, items).map_err(|message| ClusterError::Api {
                    target: self.target.clone(),
                    what: format!("list {name}"),
                    message: format!("the answer is not a {} list: {message}", resource.kind),
                })?;
                warnings.extend(
                    malformed
                        .into_iter()
                        .map(|m| format!("{}: {name} list, {m}", self.target.server)),
                );
                seen += page.items;
                self.listing.pages += 1;
                self.progress.update(
                    &name,
                    self.listing.inventory.len() + part.len(),
                    self.listing.pages,
                );
                match page.continue_token {
                    Some(next) if !next.is_empty() => token = Some(next),
                    _ => break,
                }
            }
            self.listing.inventory.extend(part);
            self.listing.warnings.append(&mut warnings);
            return Ok(());
        }
    }

    /// GET a discovery path, with retries.
    async fn get(&mut self, path: &str, verb: &str, what: &str) -> Result<String, ClusterError> {
        let request =
            http::Request::get(path)
                .body(Vec::new())
                .map_err(|err| ClusterError::Api {
                    target: self.target.clone(),
                    what: what.to_owned(),
                    message: err.to_string(),
                })?;
        self.send(request)
            .await
            .map_err(|fault| self.error(fault, verb, what, ""))
    }

    /// Send one request, retrying transient faults with doubling backoff.
    async fn send(&mut self, request: http::Request<Vec<u8>>) -> Result<String, Fault> {
        let mut attempt = 1;
        loop {
            // Requests are rebuilt per attempt: an http::Request is not Clone.
            let mut again = http::Request::builder()
                .method(request.method().clone())
                .uri(request.uri().clone())
                .body(request.body().clone())
                .map_err(|err| Fault::Fatal(err.to_string()))?;
            *again.headers_mut() = request.headers().clone();
            self.listing.requests += 1;
            let started = std::time::Instant::now();
            let answer = tokio::time::timeout(self.timeout, self.client.request_text(again)).await;
            tracing::debug!(
                method = %request.method(),
                path = %request.uri(),
                outcome = match &answer {
                    Ok(Ok(_)) => "ok",
                    Ok(Err(_)) => "error",
                    Err(_) => "timed out",
                },
                attempt,
                ms = started.elapsed().as_millis(),
                "Kubernetes API"
            );
            let fault = match answer {
                Ok(Ok(text)) => return Ok(text),
                Ok(Err(err)) => classify(err, self.timeout),
                Err(_) => Fault::Transient(format!("no answer within {}", seconds(self.timeout))),
            };
            match fault {
                Fault::Transient(_) | Fault::Connect(_) if RETRY.may_retry(attempt) => {
                    tokio::time::sleep(RETRY.backoff(attempt)).await;
                    attempt += 1;
                }
                other => return Err(other),
            }
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(
        &self,
        text: &str,
        what: &str,
    ) -> Result<T, ClusterError> {
        serde_json::from_str(text).map_err(|err| ClusterError::Api {
            target: self.target.clone(),
            what: what.to_owned(),
            message: format!("not the JSON the Kubernetes API sends: {err}"),
        })
    }

    /// The error for a fault that ends the run.
    fn error(&self, fault: Fault, verb: &str, what: &str, scope: &str) -> ClusterError {
        let target = self.target.clone();
        let clean = |m: String| scrub(&m, &self.secrets);
        match fault {
            Fault::Forbidden(message) => ClusterError::Forbidden {
                target,
                what: format!("{verb} {what}{scope}"),
                message: clean(message),
            },
            Fault::Unauthorized(message) => ClusterError::Unauthorized {
                target,
                message: clean(message),
            },
            Fault::Connect(message) => ClusterError::Unreachable {
                target,
                message: clean(message),
                attempts: RETRY.attempts,
            },
            Fault::Transient(message) => ClusterError::GaveUp {
                target,
                what: format!("{verb} {what}"),
                message: clean(message),
                attempts: RETRY.attempts,
            },
            Fault::Expired => ClusterError::Expired {
                target,
                resource: what.to_owned(),
                restarts: 0,
            },
            Fault::NotFound(message) => ClusterError::Api {
                target,
                what: format!("{verb} {what}"),
                message: clean(format!(
                    "404 {message}: this server does not serve it (a Kubernetes version without \
                     it, or not an API server)"
                )),
            },
            Fault::Fatal(message) => ClusterError::Api {
                target,
                what: format!("{verb} {what}"),
                message: clean(message),
            },
        }
    }
}

/// Where one page's items go: the objects into `part`, what cannot be decoded into `malformed`
/// (`item 12: Pod shop/x: message; skipped`).
struct Items<'a> {
    api_version: &'a str,
    kind: &'a str,
    /// How many items earlier pages of this list held, for positions in messages.
    first_index: usize,
    part: &'a mut Inventory,
    malformed: &'a mut Vec<String>,
}

/// Decode one list page, item by item: each item exists as a `Value` only while it is decoded.
fn decode_page(text: &str, items: Items<'_>) -> Result<Page, String> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let page = PageSeed(items)
        .deserialize(&mut deserializer)
        .map_err(|e| e.to_string())?;
    deserializer.end().map_err(|e| e.to_string())?;
    Ok(page)
}

struct PageSeed<'a>(Items<'a>);

impl<'de> DeserializeSeed<'de> for PageSeed<'_> {
    type Value = Page;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Page, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PageSeed<'_> {
    type Value = Page;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a Kubernetes list object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        #[derive(Deserialize)]
        struct ListMeta {
            #[serde(rename = "continue")]
            continue_token: Option<String>,
        }
        let mut page = Page {
            continue_token: None,
            items: 0,
        };
        let mut has_items = false;
        let mut items = Some(self.0);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "metadata" => {
                    if let Some(meta) = map.next_value::<Option<ListMeta>>()? {
                        page.continue_token = meta.continue_token;
                    }
                }
                "items" => match items.take() {
                    Some(items) => {
                        has_items = true;
                        page.items = map.next_value_seed(ItemsSeed(items))?;
                    }
                    None => return Err(serde::de::Error::duplicate_field("items")),
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !has_items {
            return Err(serde::de::Error::missing_field("items"));
        }
        Ok(page)
    }
}

struct ItemsSeed<'a>(Items<'a>);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`items`, an array of objects")
    }

    /// `items: null` is how the API writes an empty list.
    fn visit_none<E: serde::de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<usize, E> {
        Ok(0)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let Items {
            api_version,
            kind,
            first_index,
            part,
            malformed,
        } = self.0;
        let mut count = 0;
        while let Some(mut item) = seq.next_element::<Value>()? {
            // List items leave out apiVersion and kind; the list says them once.
            if let Value::Object(map) = &mut item {
                map.entry("apiVersion")
                    .or_insert_with(|| Value::String(api_version.to_owned()));
                map.entry("kind")
                    .or_insert_with(|| Value::String(kind.to_owned()));
            }
            match decode_object(&item) {
                Ok(Some(object)) => {
                    part.insert(object);
                }
                Ok(None) => {}
                Err(error) => {
                    malformed.push(format!("item {}: {error}; skipped", first_index + count));
                }
            }
            count += 1;
        }
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::Silent;
    use serde_json::json;
    use wiremock::matchers::{method, path, query_param, query_param_is_missing};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn pod(name: &str) -> Value {
        json!({
            "metadata": {"name": name, "namespace": "shop", "uid": format!("uid-{name}"),
                         "creationTimestamp": "2026-11-10T08:00:00Z"},
            "spec": {"schedulerName": "fargate-scheduler"},
            "status": {"phase": "Running"}
        })
    }

    fn list_body(kind: &str, items: &[Value], continue_token: Option<&str>) -> Value {
        let mut metadata = json!({"resourceVersion": "7"});
        if let Some(token) = continue_token {
            metadata["continue"] = json!(token);
        }
        json!({"kind": format!("{kind}List"), "apiVersion": "v1", "metadata": metadata, "items": items})
    }

    /// A wiremock server with discovery (no Argo Rollouts) and empty lists, run on its own
    /// runtime so that [`list`] can run its own.
    fn server(runtime: &tokio::runtime::Runtime) -> MockServer {
        runtime.block_on(async {
            let server = MockServer::start().await;
            Mock::given(method("GET"))
                .and(path("/apis"))
                .respond_with(ResponseTemplate::new(200).set_body_json(
                    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
                ))
                .expect(1)
                .mount(&server)
                .await;
            server
        })
    }

    fn mount_empty_lists(runtime: &tokio::runtime::Runtime, server: &MockServer, except: &str) {
        runtime.block_on(async {
            for resource in builtin_resources() {
                if resource.plural == except {
                    continue;
                }
                Mock::given(method("GET"))
                    .and(path(resource.path()))
                    .and(query_param("limit", "500"))
                    .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                        &resource.kind,
                        &[],
                        None,
                    )))
                    .expect(1)
                    .mount(server)
                    .await;
            }
        });
    }

    fn access(dir: &tempfile::TempDir, server: &MockServer, token: &str) -> Access {
        let kubeconfig = dir.path().join("kubeconfig");
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1\nkind: Config\nclusters: [{{name: c, cluster: {{server: '{}'}}}}]\n\
                 contexts: [{{name: ctx, context: {{cluster: c, user: u}}}}]\n\
                 current-context: ctx\nusers: [{{name: u, user: {{token: {token}}}}}]\n",
                server.uri()
            ),
        )
        .unwrap();
        Access {
            kubeconfig: Some(kubeconfig),
            context: None,
            timeout: Duration::from_secs(5),
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        // wiremock serves from its own thread; this runtime only mounts the mocks.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn pages_are_followed_and_items_get_their_kind() {
        let runtime = runtime();
        let server = server(&runtime);
        mount_empty_lists(&runtime, &server, "pods");
        runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/api/v1/pods"))
                .and(query_param_is_missing("continue"))
                .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                    "Pod",
                    &[pod("a"), pod("b")],
                    Some("next-page"),
                )))
                .expect(1)
                .mount(&server)
                .await;
            Mock::given(method("GET"))
                .and(path("/api/v1/pods"))
                .and(query_param("continue", "next-page"))
                .respond_with(ResponseTemplate::new(200).set_body_json(list_body(
                    "Pod",
                    &[pod("c"), json!({"metadata": 3})],
                    None,
                )))
                .expect(1)
                .mount(&server)
                .await;
        });
        let dir = tempfile::tempdir().unwrap();
        let listing = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap();
        let names: Vec<&str> = listing
            .inventory
            .pods()
            .map(|p| p.meta.name.as_str())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(listing.pages, 9);
        assert_eq!(listing.requests, 10);
        assert!(!listing.rollouts);
        assert_eq!(listing.context.as_deref(), Some("ctx"));
        // The malformed item is a warning with its position, as in a snapshot.
        assert_eq!(listing.warnings.len(), 1, "{:?}", listing.warnings);
        assert!(
            listing.warnings[0].contains("pods list, item 3: Pod: metadata"),
            "{:?}",
            listing.warnings
        );
        // wiremock checks each `expect` when the server drops.
        drop(server);
    }

    #[test]
    fn forbidden_is_not_retried_and_names_what_was_refused() {
        let runtime = runtime();
        let server = server(&runtime);
        runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/api/v1/pods"))
                .respond_with(ResponseTemplate::new(403).set_body_json(json!({
                    "kind": "Status", "apiVersion": "v1", "status": "Failure", "code": 403,
                    "reason": "Forbidden",
                    "message": "pods is forbidden: User \"ci\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
                })))
                .expect(1)
                .mount(&server)
                .await;
        });
        let dir = tempfile::tempdir().unwrap();
        let err = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap_err();
        let ClusterError::Forbidden { what, target, .. } = &err else {
            panic!("{err:?}");
        };
        assert_eq!(what, "list pods across all namespaces");
        assert_eq!(target.context.as_deref(), Some("ctx"));
        assert!(err.to_string().contains("gitops-restart rbac"));
        drop(server);
    }

    #[test]
    fn a_page_that_is_not_a_list_is_an_error() {
        let runtime = runtime();
        let server = server(&runtime);
        runtime.block_on(async {
            Mock::given(method("GET"))
                .and(path("/api/v1/pods"))
                .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
                .mount(&server)
                .await;
        });
        let dir = tempfile::tempdir().unwrap();
        let err = list(&access(&dir, &server, "tok-123456"), &mut Silent).unwrap_err();
        assert!(
            err.to_string()
                .contains("list pods: the answer is not a Pod list"),
            "{err}"
        );
    }

    #[test]
    fn cluster_names_from_contexts() {
        let name = |context: &str| {
            Listing {
                context: Some(context.to_owned()),
                ..Listing::default()
            }
            .cluster_name()
        };
        assert_eq!(
            name("arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks").as_deref(),
            Some("prod-eks")
        );
        assert_eq!(
            name("ci@prod-eks.eu-west-1.eksctl.io").as_deref(),
            Some("prod-eks")
        );
        assert_eq!(name("kind-dev").as_deref(), Some("kind-dev"));
        assert_eq!(Listing::default().cluster_name(), None);
    }

    #[test]
    fn servers_are_named_without_credentials_and_secrets_are_scrubbed() {
        let uri: http::Uri = "https://user:pass@api.example.com:6443/prefix?x=1"
            .parse()
            .unwrap();
        assert_eq!(server_of(&uri), "https://api.example.com:6443");
        assert_eq!(
            scrub("token abcd1234 refused", &["abcd1234".to_owned()]),
            "token [redacted] refused"
        );
    }

    #[test]
    fn resources_have_kubectl_names_and_list_paths() {
        let all = builtin_resources();
        assert_eq!(all[0].to_string(), "pods");
        assert_eq!(all[0].path(), "/api/v1/pods");
        assert_eq!(all[1].to_string(), "replicasets.apps");
        assert_eq!(all[1].path(), "/apis/apps/v1/replicasets");
        let rollouts = Resource::rollouts("v1alpha1");
        assert_eq!(rollouts.api_version(), "argoproj.io/v1alpha1");
        assert_eq!(rollouts.to_string(), "rollouts.argoproj.io");
    }
}
