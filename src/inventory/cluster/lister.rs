//! Listing: discovery of Argo Rollouts, then every kind, page by page, with retries.
//!
//! Responsibility: send the requests ([`Lister::send`], the one place that retries), follow
//! continue tokens, restart a list whose token expired, and hand each page to the one list
//! decoder ([`crate::inventory::decode::page`]), keeping only the decoded objects.
//!
//! It must not GET single objects, write to the cluster, or keep more than one page of raw JSON;
//! its messages about malformed items name the server, the list and the item's index in it.
//!
//! Invariants: a list's objects join the inventory only once the whole list was read, so a
//! restarted list never leaves half of an earlier attempt behind.

use std::time::Duration;

use kube::Client;
use kube::api::ListParams;
use serde::Deserialize;

use super::error::{Fault, classify, seconds};
use super::{
    ClusterError, Listing, PAGE_SIZE, RESTARTS, RETRY, ROLLOUTS_GROUP, Resource, Target,
    builtin_resources,
};
use crate::inventory::Inventory;
use crate::inventory::decode::{self, Defaults};
use crate::model::{Code, Finding};
use crate::progress::Progress;

pub(super) struct Lister<'p> {
    client: Client,
    target: Target,
    secrets: Vec<String>,
    timeout: Duration,
    listing: Listing,
    progress: &'p mut dyn Progress,
}

impl<'p> Lister<'p> {
    pub(super) fn new(
        client: Client,
        target: Target,
        secrets: Vec<String>,
        timeout: Duration,
        progress: &'p mut dyn Progress,
    ) -> Self {
        Lister {
            client,
            target,
            secrets,
            timeout,
            listing: Listing::default(),
            progress,
        }
    }

    /// Discovery, then every list; the listing when all went well.
    pub(super) async fn run(mut self) -> Result<Listing, ClusterError> {
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
        Ok(self.listing)
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
        fault.into_error(&self.target, &self.secrets, verb, what, scope)
    }
}
