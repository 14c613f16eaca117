//! Listing: discovery of Argo Rollouts and the GitOps kinds, then every kind, page by page, with
//! retries.
//!
//! Responsibility: send the requests ([`Lister::send`], the one place that retries), follow
//! continue tokens, restart a list whose token expired, and hand each page to the one list
//! decoder ([`crate::inventory::decode::page`]), keeping only the decoded objects.
//!
//! It must not GET single objects, write to the cluster, or keep more than one page of raw JSON;
//! its messages about malformed items name the server, the list and the item's index in it.
//!
//! Invariants: a list's objects join the inventory only once the whole list was read, so a
//! restarted list never leaves half of an earlier attempt behind. A continue token a list gave
//! before ends the run ([`ClusterError::RepeatedPage`]) instead of paging for ever.

use std::time::Duration;

use kube::Client;
use kube::api::ListParams;
use serde::Deserialize;

use super::error::{Fault, classify, seconds};
use super::exec::Plugin;
use super::gitops::{gitops_forbidden, gitops_resources};
use super::{
    ClusterError, Listing, PAGE_SIZE, RESTARTS, RETRY, ROLLOUTS_GROUP, Resource, Scope, Target,
    builtin_resources,
};
use crate::inventory::Inventory;
use crate::inventory::decode::{self, Defaults};
use crate::model::{Code, Finding};
use crate::progress::Progress;

/// What discovery found served among the kinds a cluster may not have.
#[derive(Default)]
struct Discovered {
    rollouts: Option<Resource>,
    /// Applications, Flux Kustomizations and HelmReleases, in that order.
    gitops: Vec<Resource>,
}

/// The client, and what it was built from: rebuilt when the exec plugin's token is refreshed.
pub(super) struct Connection {
    pub(super) client: Client,
    pub(super) config: kube::Config,
    pub(super) plugin: Option<Plugin>,
    /// The proxy the client goes through, kept for the rebuilt client.
    pub(super) proxy: Option<crate::proxy::Proxy>,
}

pub(super) struct Lister<'p> {
    connection: Connection,
    target: Target,
    secrets: Vec<String>,
    timeout: Duration,
    listing: Listing,
    progress: &'p mut dyn Progress,
}

impl<'p> Lister<'p> {
    pub(super) fn new(
        connection: Connection,
        target: Target,
        secrets: Vec<String>,
        timeout: Duration,
        progress: &'p mut dyn Progress,
    ) -> Self {
        Lister {
            connection,
            target,
            secrets,
            timeout,
            listing: Listing::default(),
            progress,
        }
    }

    /// Discovery, then every list; the listing when all went well. `Scope::Applications` (a
    /// `--gitops-context`) lists the Argo CD Applications only.
    pub(super) async fn run(mut self, scope: Scope) -> Result<Listing, ClusterError> {
        let listed = self.list_all(scope).await;
        // The secrets as they are now: a refreshed token joined them.
        listed.map_err(|err| err.scrubbed(&self.secrets))
    }

    async fn list_all(&mut self, scope: Scope) -> Result<Listing, ClusterError> {
        let discovered = self.discover().await?;
        let mut resources = match scope {
            Scope::Inventory => builtin_resources(),
            Scope::Applications => Vec::new(),
        };
        if scope == Scope::Inventory
            && let Some(rollouts) = discovered.rollouts
        {
            resources.push(rollouts);
            self.listing.rollouts = true;
        }
        for resource in discovered.gitops {
            if scope == Scope::Inventory || resource.kind == "Application" {
                resources.push(resource);
            }
        }
        for resource in &resources {
            self.list(resource).await?;
        }
        self.listing.server.clone_from(&self.target.server);
        self.listing.context.clone_from(&self.target.context);
        Ok(std::mem::take(&mut self.listing))
    }

    /// Which of the kinds the API may or may not serve it serves: `/apis` names the groups,
    /// the `argoproj.io` group's resource lists say whether it serves `rollouts` and
    /// `applications` (Argo CD alone brings that group, Argo Rollouts alone too); the Flux
    /// groups are listed in their preferred version, a 404 there meaning not served.
    async fn discover(&mut self) -> Result<Discovered, ClusterError> {
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
        let mut discovered = Discovered::default();
        let mut argo_versions = Vec::new();
        for group in groups.groups {
            // The preferred version first, then the others.
            let mut versions: Vec<String> =
                group.preferred.into_iter().map(|v| v.version).collect();
            for v in group.versions {
                if !versions.contains(&v.version) {
                    versions.push(v.version);
                }
            }
            if group.name == ROLLOUTS_GROUP {
                argo_versions = versions;
            } else if let Some(version) = versions.first() {
                discovered
                    .gitops
                    .extend(gitops_resources(&group.name, version));
            }
        }
        let mut applications = None;
        for version in argo_versions {
            if discovered.rollouts.is_some() && applications.is_some() {
                break;
            }
            let path = format!("/apis/{ROLLOUTS_GROUP}/{version}");
            let what = format!("the API resource list ({path})");
            let text = match self.get(&path, "get", &what).await {
                Ok(text) => text,
                // A group version that vanished (a CRD being removed) serves nothing.
                Err(ClusterError::Api { .. }) => continue,
                Err(err) => return Err(err),
            };
            let resources: Resources = self.parse(&text, &what)?;
            let serves = |plural: &str| resources.resources.iter().any(|r| r.name == plural);
            if discovered.rollouts.is_none() && serves("rollouts") {
                discovered.rollouts = Some(Resource::rollouts(&version));
            }
            if applications.is_none() && serves("applications") {
                applications = gitops_resources(ROLLOUTS_GROUP, &version);
            }
        }
        // Applications first: the order the rbac ClusterRole and the README name them in.
        discovered.gitops.splice(0..0, applications);
        tracing::debug!(
            rollouts = discovered.rollouts.is_some(),
            gitops = ?discovered.gitops.iter().map(ToString::to_string).collect::<Vec<_>>(),
            "discovered"
        );
        Ok(discovered)
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
            // Every token this list was given: one given again would page for ever.
            let mut tokens = std::collections::HashSet::new();
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
                    Err(Fault::NotFound(_))
                        if resource.group == ROLLOUTS_GROUP || resource.is_gitops() =>
                    {
                        // The CRD went away after discovery, or a Flux group does not serve
                        // this kind in its preferred version: not served, as when absent.
                        tracing::debug!(resource = %name, "not served (404): skipped");
                        return Ok(());
                    }
                    Err(Fault::Forbidden(message)) if resource.is_gitops() => {
                        // Locating falls back to the repository's files: worth a warning, not
                        // the run.
                        let message = super::config::scrub(&message, &self.secrets);
                        self.listing.warnings.push(gitops_forbidden(
                            &self.target,
                            resource,
                            &message,
                        ));
                        return Ok(());
                    }
                    Err(fault) => {
                        return Err(self.error(fault, "list", &name, " across all namespaces"));
                    }
                };
                let defaults = Defaults {
                    api_version: &api_version,
                    kind: &resource.kind,
                };
                let server = &self.target.server;
                let page = decode::page(&text, defaults, |item| match item.object {
                    Ok(Some(object)) => {
                        part.insert(object);
                    }
                    Ok(None) => {}
                    Err(error) => warnings.push(Finding::warning(
                        Code::ClusterItemSkipped,
                        format!(
                            "{server}: {name} list, item {}: {error}; skipped",
                            seen + item.position.index
                        ),
                    )),
                })
                .map_err(|err| ClusterError::Api {
                    target: self.target.clone(),
                    what: format!("list {name}"),
                    message: format!("the answer is not a {} list: {err}", resource.kind),
                })?;
                seen += page.items;
                self.listing.pages += 1;
                self.progress.update(
                    &name,
                    self.listing.inventory.len() + part.len(),
                    self.listing.pages,
                );
                match page.continue_token {
                    Some(next) if !next.is_empty() => {
                        if !tokens.insert(next.clone()) {
                            return Err(ClusterError::RepeatedPage {
                                target: self.target.clone(),
                                resource: name,
                                pages: tokens.len() + 1,
                            });
                        }
                        token = Some(next);
                    }
                    _ => break,
                }
            }
            self.listing.inventory.extend(part);
            self.listing.warnings.append(&mut warnings);
            if resource.is_gitops() {
                self.listing.gitops.push(name);
            }
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
            if self
                .connection
                .plugin
                .as_ref()
                .is_some_and(Plugin::expiring)
            {
                self.refresh()?;
            }
            // Requests are rebuilt per attempt: an http::Request is not Clone.
            let mut again = http::Request::builder()
                .method(request.method().clone())
                .uri(request.uri().clone())
                .body(request.body().clone())
                .map_err(|err| Fault::Fatal(err.to_string()))?;
            *again.headers_mut() = request.headers().clone();
            self.listing.requests += 1;
            let started = std::time::Instant::now();
            let answer =
                tokio::time::timeout(self.timeout, self.connection.client.request_text(again))
                    .await;
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

    /// Run the exec plugin again for a new token, and build the client with it.
    fn refresh(&mut self) -> Result<(), Fault> {
        let Connection {
            client,
            config,
            plugin,
            proxy,
        } = &mut self.connection;
        if let Some(plugin) = plugin {
            plugin
                .refresh(config, &mut self.secrets)
                .map_err(Fault::Plugin)?;
            *client = super::client::build(config, proxy.as_ref())
                .map_err(|err| Fault::Fatal(super::error::chain(&err)))?;
        }
        Ok(())
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
        fault.into_error(&self.target, &self.secrets, verb, what, scope)
    }
}
