//! The GitHub REST calls, through octocrab, with retries and errors a person can act on.
//!
//! octocrab's own retry layer is turned off: it retries server errors immediately and, without
//! our say, sleeps whole rate-limit windows. Here every request follows [`RetryPolicy`]: retried
//! a bounded number of times on 5xx, 429 and secondary rate limits (a 403 that says so), waiting
//! what `Retry-After` or `x-ratelimit-reset` ask, else an exponential backoff. A POST marked
//! [`Replay::Never`] (a comment) is not sent again after a lost answer or a 5xx, which may come
//! after GitHub acted on it; only after a rate limit, which says it did not, or a failure to
//! connect, which says it was never sent (the caller checks whether it landed, see `sync`). A
//! 401, 403 or 404 becomes an error naming the repository and the token permission the call
//! needs, because that is what the user must fix; a GitHub that can't be reached (connection
//! refused, DNS, TLS) one naming the API URL (credentials removed), the cause and where to look. The token is handed to octocrab once and never appears in an error: an error answer
//! is never quoted whole, only its documented `message` (with a 422's `errors`), at most 300
//! characters, and its `documentation_url`; these, the network errors and the decoding errors
//! all go through [`crate::redact`] with the token, so a server (or a proxy) that echoes the
//! token, as it is or in base64, or any token-shaped string, shows `[redacted]`.
//!
//! The client is assembled here over [`crate::proxy`]'s connector (octocrab's own has no
//! proxy): `HTTPS_PROXY` (or `HTTP_PROXY` for an http API URL), `ALL_PROXY` and `NO_PROXY` as curl
//! reads them; the proxy's credentials join the secrets every message is scrubbed of.

use std::time::Duration;

use http::HeaderMap;
use octocrab::Octocrab;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::git::RepoSlug;
use crate::net::{Replay, RetryPolicy};

/// The token permission (fine-grained or GitHub App) a call needs, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    ContentsRead,
    ContentsWrite,
    PullRequestsRead,
    PullRequestsWrite,
    /// Labels, assignees and comments on the pull request's issue.
    IssuesWrite,
}

impl Permission {
    fn as_str(self) -> &'static str {
        match self {
            Permission::ContentsRead => "contents: read",
            Permission::ContentsWrite => "contents: write",
            Permission::PullRequestsRead => "pull-requests: read",
            Permission::PullRequestsWrite => "pull-requests: write",
            Permission::IssuesWrite => "pull-requests: write` (and on some setups `issues: write",
        }
    }
}

/// Why talking to GitHub failed.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error(
        "no GitHub token: set {var} to a token allowed `contents: write` and \
         `pull-requests: write` on the repository (or name another variable with --token-env)"
    )]
    NoToken { var: String },
    #[error("{0}")]
    Setup(String),
    #[error(
        "GitHub rejected the token from {var} (401 {message}) when trying to {what} in {repo}: \
         it is wrong, expired or revoked{docs}"
    )]
    Unauthorized {
        var: String,
        what: String,
        repo: String,
        message: String,
        docs: Docs,
    },
    #[error(
        "GitHub refused to {what} in {repo} (403 {message}): the token needs `{permission}` on \
         {repo}{docs}"
    )]
    Forbidden {
        what: String,
        repo: String,
        message: String,
        permission: &'static str,
        docs: Docs,
    },
    #[error(
        "GitHub could not {what} in {repo} (404 {message}): the repository or branch does not \
         exist, or the token can't see it (it needs `{permission}` on {repo}){docs}"
    )]
    NotFound {
        what: String,
        repo: String,
        message: String,
        permission: &'static str,
        docs: Docs,
    },
    #[error("GitHub refused to {what} in {repo} ({status} {message}){docs}")]
    Rejected {
        what: String,
        repo: String,
        status: u16,
        message: String,
        docs: Docs,
    },
    #[error(
        "cannot reach GitHub at {url} to {what} in {repo}: {cause} (tried {attempts} times); \
         check the API URL (--api-url, or GITHUB_API_URL), any proxy or firewall on the way, \
         and the network"
    )]
    Unreachable {
        url: String,
        what: String,
        repo: String,
        cause: String,
        attempts: u32,
    },
    #[error("cannot {what} in {repo}: {detail} (gave up after {attempts} attempts)")]
    GaveUp {
        what: String,
        repo: String,
        detail: String,
        attempts: u32,
    },
    #[error(
        "cannot {what} in {repo}: {detail}; not sent again, because GitHub may have done it \
         already: check the pull request, then run again"
    )]
    NotRepeated {
        what: String,
        repo: String,
        detail: String,
    },
    #[error("cannot {what} in {repo}: GitHub's answer is not what its API documents: {detail}")]
    Decode {
        what: String,
        repo: String,
        detail: String,
    },
    #[error(
        "{path}: the checkout differs from `{base}` on GitHub ({checkout}, `{base}` has blob \
         {remote}); update the checkout (git pull) and run again, so that the pull request can't \
         undo a change made since"
    )]
    Stale {
        path: String,
        base: String,
        /// What the checkout holds: `checkout blob ID`, or that it has no such file.
        checkout: String,
        remote: String,
    },
    #[error(
        "{path} is not on `{base}` in {repo}: commit and push it first, or check --github-repo, \
         --base and the checkout"
    )]
    NotOnBase {
        path: String,
        base: String,
        repo: String,
    },
    #[error(
        "not closing pull request #{number} ({url}): this run finds nothing to restart, but \
         that is no evidence that nothing is left: {reasons}. The pull request is left as it \
         is; run again with an inventory of the whole cluster (and the notice's cluster), or \
         close it by hand if the restart is done"
    )]
    WontClose {
        number: u64,
        url: String,
        reasons: String,
    },
    #[error(
        "branch `{branch}` in {repo} holds commits that are not gitops-restart's, and no pull \
         request of it is open: delete the branch (or give another --branch) to let \
         gitops-restart open a new pull request"
    )]
    ForeignBranch { branch: String, repo: String },
}

impl GithubError {
    /// A 422 whose message contains `needle` (GitHub's way of saying "already exists").
    pub fn is_unprocessable(&self, needle: &str) -> bool {
        matches!(self, GithubError::Rejected { status: 422, message, .. }
            if message.to_ascii_lowercase().contains(&needle.to_ascii_lowercase()))
    }
}

/// The `documentation_url` of GitHub's error answer, shown after the error (` (see URL)`) when
/// it is an http(s) URL of at most 200 characters without spaces or control characters.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Docs(Option<String>);

impl std::fmt::Display for Docs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Some(url) => write!(f, " (see {url})"),
            None => Ok(()),
        }
    }
}

/// What an error answer says, redacted: its `message` and its `documentation_url`.
struct Answer {
    message: String,
    docs: Docs,
}

/// How much of a message from a server an error shows.
const MESSAGE_LIMIT: usize = 300;

/// The longest single wait, in units: a primary rate limit that resets later than this is an
/// error rather than a silent hang of a scheduled job.
const LONGEST_WAIT: u64 = 300;

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Delete,
}

/// A GitHub client bound to one repository.
pub struct Api {
    octo: Octocrab,
    pub repo: RepoSlug,
    token_var: String,
    pub(super) retry: RetryPolicy,
    /// The API root, credentials removed, for messages.
    shown_url: String,
    /// The token in the forms [`crate::redact`] looks for.
    secrets: Vec<String>,
}

impl Api {
    /// Build the client. Must run inside a tokio runtime.
    pub fn new(
        api_url: &str,
        token: String,
        token_var: &str,
        repo: RepoSlug,
        retry: RetryPolicy,
    ) -> Result<Api, GithubError> {
        let mut secrets = {
            let mut secrets = crate::redact::forms(&token);
            // What git sends for GitHub's HTTP basic auth.
            secrets.extend(crate::redact::basic_auth_forms("x-access-token", &token));
            secrets
        };
        let shown_url = super::git::redact_url(api_url);
        let base: http::Uri = api_url.trim_end_matches('/').parse().map_err(|_| {
            GithubError::Setup(format!(
                "`{shown_url}` is not a URL: give the API root, for example \
                 https://github.example.com/api/v3"
            ))
        })?;
        let proxy = crate::proxy::for_server(&base, None).map_err(|message| {
            GithubError::Setup(format!("cannot reach GitHub at {shown_url}: {message}"))
        })?;
        if let Some(proxy) = &proxy {
            secrets.extend(proxy.secrets());
            tracing::debug!(
                proxy = %proxy.shown(),
                from = %proxy.source(),
                api = %shown_url,
                "GitHub through a proxy"
            );
        }
        let octo = octocrab(base, token, proxy).map_err(|e| {
            GithubError::Setup(crate::redact::redact(
                &format!("cannot set up the GitHub client for {shown_url}: {e}"),
                &secrets,
            ))
        })?;
        Ok(Api {
            octo,
            repo,
            token_var: token_var.to_owned(),
            retry,
            shown_url: shown_url.trim_end_matches('/').to_owned(),
            secrets,
        })
    }

    /// `/repos/OWNER/NAME` followed by `rest`.
    pub fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{}{rest}", self.repo.owner, self.repo.name)
    }

    pub async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        permission: Permission,
    ) -> Result<T, GithubError> {
        let text = self
            .send(
                Method::Get,
                path,
                None::<&()>,
                Replay::Safe,
                what,
                permission,
            )
            .await?;
        self.decode(&text, what)
    }

    /// [`Api::get`], with `None` for a 404: something that may not exist (a branch).
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        permission: Permission,
    ) -> Result<Option<T>, GithubError> {
        match self.get(path, what, permission).await {
            Ok(found) => Ok(Some(found)),
            Err(GithubError::NotFound { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// Every item of a list, page by page (`per_page=100`), at most `pages` pages; `path` may
    /// hold a query already.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        path: &str,
        what: &str,
        permission: Permission,
        pages: u32,
    ) -> Result<Vec<T>, GithubError> {
        const PER_PAGE: usize = 100;
        let join = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        for page in 1..=pages {
            let items: Vec<T> = self
                .get(
                    &format!("{path}{join}per_page={PER_PAGE}&page={page}"),
                    what,
                    permission,
                )
                .await?;
            let last = items.len() < PER_PAGE;
            all.extend(items);
            if last {
                break;
            }
        }
        Ok(all)
    }

    /// POST `body`; `replay` says whether it may be sent again after a fault that may have come
    /// after GitHub acted on it.
    pub async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        replay: Replay,
        what: &str,
        permission: Permission,
    ) -> Result<T, GithubError> {
        let text = self
            .send(Method::Post, path, Some(body), replay, what, permission)
            .await?;
        self.decode(&text, what)
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        what: &str,
        permission: Permission,
    ) -> Result<T, GithubError> {
        // A PATCH sets values: sending it twice sets them twice, to the same.
        let text = self
            .send(
                Method::Patch,
                path,
                Some(body),
                Replay::Safe,
                what,
                permission,
            )
            .await?;
        self.decode(&text, what)
    }

    /// DELETE; a 404 (already gone) is success.
    pub async fn delete(
        &self,
        path: &str,
        what: &str,
        permission: Permission,
    ) -> Result<(), GithubError> {
        match self
            .send(
                Method::Delete,
                path,
                None::<&()>,
                Replay::Safe,
                what,
                permission,
            )
            .await
        {
            Ok(_) | Err(GithubError::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    fn decode<T: DeserializeOwned>(&self, text: &str, what: &str) -> Result<T, GithubError> {
        serde_json::from_str(text).map_err(|e| GithubError::Decode {
            what: what.to_owned(),
            repo: self.repo.to_string(),
            detail: self.clean(&e.to_string()),
        })
    }

    /// Words from outside (a server, a library) for an error: redacted, on one line, at most
    /// [`MESSAGE_LIMIT`] characters.
    fn clean(&self, text: &str) -> String {
        let text = crate::redact::redact(text, &self.secrets);
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        match text.char_indices().nth(MESSAGE_LIMIT) {
            Some((cut, _)) => format!("{}...", &text[..cut]),
            None => text,
        }
    }

    /// What an error answer says: its documented members, never the body as it is.
    fn answer(&self, body: &str) -> Answer {
        let (message, docs) = error_members(body);
        let message = match message {
            Some(message) => self.clean(&message),
            None if body.trim().is_empty() => "with no body".to_owned(),
            None => format!(
                "with a body that is not GitHub's error ({} bytes)",
                body.len()
            ),
        };
        let docs = docs.map(|url| self.clean(&url)).filter(|url| {
            (url.starts_with("https://") || url.starts_with("http://"))
                && url.len() <= 200
                && !url.contains(crate::redact::REDACTED)
                && !url.chars().any(|c| c.is_whitespace() || c.is_control())
        });
        Answer {
            message,
            docs: Docs(docs),
        }
    }

    /// One call, retried as the module documentation says; the body of a 2xx answer.
    async fn send<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        replay: Replay,
        what: &str,
        permission: Permission,
    ) -> Result<String, GithubError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            // The cause, when this attempt failed to connect.
            let mut unreachable: Option<String> = None;
            let started = std::time::Instant::now();
            let sent = match method {
                Method::Get => self.octo._get(path).await,
                Method::Post => self.octo._post(path, body).await,
                Method::Patch => self.octo._patch(path, body).await,
                Method::Delete => self.octo._delete(path, body).await,
            };
            let ms = started.elapsed().as_millis();
            let (wait, detail) = match sent {
                Err(err) => {
                    tracing::debug!(?method, path, attempt, ms, "GitHub: no answer");
                    // Not connected: the request never left, so it may be sent again.
                    if let Some(cause) = connect_failure(&err) {
                        let cause = self.clean(&cause);
                        unreachable = Some(cause.clone());
                        (Some(self.retry.backoff(attempt)), cause)
                    } else {
                        let detail =
                            format!("no answer ({})", self.clean(&crate::net::error_chain(&err)));
                        if replay == Replay::Never {
                            return Err(self.not_repeated(what, detail));
                        }
                        (Some(self.retry.backoff(attempt)), detail)
                    }
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    tracing::debug!(?method, path, status, attempt, ms, "GitHub");
                    let headers = response.headers().clone();
                    let text = match self.octo.body_to_string(response).await {
                        Ok(text) => text,
                        Err(err) => {
                            return Err(GithubError::GaveUp {
                                what: what.to_owned(),
                                repo: self.repo.to_string(),
                                detail: format!(
                                    "the answer was cut off ({})",
                                    self.clean(&err.to_string())
                                ),
                                attempts: attempt,
                            });
                        }
                    };
                    if (200..300).contains(&status) {
                        return Ok(text);
                    }
                    let answer = self.answer(&text);
                    let message = &answer.message;
                    match self.retry_wait(status, &headers, message, attempt) {
                        // GitHub may have acted before the error: don't do it twice.
                        Some(_) if replay == Replay::Never && (500..600).contains(&status) => {
                            return Err(self.not_repeated(what, format!("{status} {message}")));
                        }
                        Some(wait) => (Some(wait), format!("{status} {message}")),
                        None => return Err(self.classify(status, answer, what, permission)),
                    }
                }
            };
            match wait {
                Some(wait)
                    if self.retry.may_retry(attempt)
                        && wait <= self.retry.first * u32::try_from(LONGEST_WAIT).unwrap_or(1) =>
                {
                    tokio::time::sleep(wait).await;
                }
                _ => {
                    if let Some(cause) = unreachable {
                        return Err(GithubError::Unreachable {
                            url: self.shown_url.clone(),
                            what: what.to_owned(),
                            repo: self.repo.to_string(),
                            cause,
                            attempts: attempt,
                        });
                    }
                    return Err(GithubError::GaveUp {
                        what: what.to_owned(),
                        repo: self.repo.to_string(),
                        detail,
                        attempts: attempt,
                    });
                }
            }
        }
    }

    /// The error for a request that must not be sent twice and may have been carried out.
    fn not_repeated(&self, what: &str, detail: String) -> GithubError {
        GithubError::NotRepeated {
            what: what.to_owned(),
            repo: self.repo.to_string(),
            detail,
        }
    }

    /// How long to wait before retrying an error answer, or `None` when retrying can't help.
    fn retry_wait(
        &self,
        status: u16,
        headers: &HeaderMap,
        message: &str,
        attempt: u32,
    ) -> Option<Duration> {
        let number =
            |name: &str| -> Option<i64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let units = |n: i64| self.retry.first * u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        if let Some(after) = number("retry-after") {
            return matches!(status, 403 | 429 | 500..=599).then(|| units(after));
        }
        if matches!(status, 403 | 429) && number("x-ratelimit-remaining") == Some(0) {
            let reset = number("x-ratelimit-reset")?;
            return Some(units(reset - chrono::Utc::now().timestamp() + 1));
        }
        let secondary = message
            .to_ascii_lowercase()
            .contains("secondary rate limit");
        match status {
            // GitHub: without a header, wait at least a minute after a secondary limit.
            403 | 429 if secondary => Some(units(60)),
            429 => Some(units(60)),
            500..=599 => Some(self.retry.backoff(attempt)),
            _ => None,
        }
    }

    fn classify(
        &self,
        status: u16,
        answer: Answer,
        what: &str,
        permission: Permission,
    ) -> GithubError {
        let what = what.to_owned();
        let repo = self.repo.to_string();
        let permission = permission.as_str();
        let Answer { message, docs } = answer;
        match status {
            401 => GithubError::Unauthorized {
                var: self.token_var.clone(),
                what,
                repo,
                message,
                docs,
            },
            403 => GithubError::Forbidden {
                what,
                repo,
                message,
                permission,
                docs,
            },
            404 => GithubError::NotFound {
                what,
                repo,
                message,
                permission,
                docs,
            },
            _ => GithubError::Rejected {
                what,
                repo,
                status,
                message,
                docs,
            },
        }
    }
}

/// Why the connection could not be made, when that is what `err` is: the name does not resolve,
/// the connection is refused or the network unreachable, the TLS handshake failed. `None` for
/// any other failure (an answer lost after the request was sent).
fn connect_failure(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let text = crate::net::error_chain(err);
    let lower = text.to_ascii_lowercase();
    let mut source = Some(err);
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    return Some(format!("the connection was refused ({text})"));
                }
                std::io::ErrorKind::HostUnreachable
                | std::io::ErrorKind::NetworkUnreachable
                | std::io::ErrorKind::AddrNotAvailable => {
                    return Some(format!("the host is unreachable ({text})"));
                }
                _ => {}
            }
        }
        source = e.source();
    }
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        Some(format!("the host name does not resolve ({text})"))
    } else if ["certificate", "tls", "handshake", "corrupt message"]
        .iter()
        .any(|word| lower.contains(word))
    {
        Some(format!("the TLS connection failed ({text})"))
    } else if lower.contains("(connect)") || lower.contains("tcp connect error") {
        Some(format!("the connection could not be made ({text})"))
    } else {
        None
    }
}

/// The octocrab client for the API at `base`, sending `token`, over the connector of
/// [`crate::proxy`] (directly or through `proxy`), with TLS from the system's roots inside the
/// tunnel. octocrab's own stack is not used: it has no proxy, and its retry layer is the one this
/// module replaces. Connecting may take 20 s, an answer 120 s.
fn octocrab(
    base: http::Uri,
    token: String,
    proxy: Option<crate::proxy::Proxy>,
) -> Result<Octocrab, String> {
    use octocrab::service::middleware::{
        auth_header::AuthHeaderLayer, base_uri::BaseUriLayer, extra_headers::ExtraHeadersLayer,
    };
    use tower::Layer as _;

    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| format!("no TLS root certificates on this system: {e}"))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(crate::proxy::Connector::new(proxy));
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(Some(Duration::from_secs(20)));
    connector.set_read_timeout(Some(Duration::from_secs(120)));
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, octocrab::OctoBody>(connector);
    let header = |value: &str| {
        http::HeaderValue::from_str(value).map_err(|_| "a header value is not valid".to_owned())
    };
    let headers = vec![
        (
            http::header::USER_AGENT,
            header(concat!("gitops-restart/", env!("CARGO_PKG_VERSION")))?,
        ),
        (
            http::header::HeaderName::from_static("x-github-api-version"),
            header("2022-11-28")?,
        ),
    ];
    // The token moves into the header value octocrab sends to the API host only.
    let mut bearer = token;
    bearer.insert_str(0, "Bearer ");
    let mut authorization = http::HeaderValue::try_from(bearer)
        .map_err(|_| "the token holds characters a header cannot".to_owned())?;
    authorization.set_sensitive(true);
    let service = ExtraHeadersLayer::new(std::sync::Arc::new(headers)).layer(client);
    let service = BaseUriLayer::new(base.clone()).layer(service);
    // The token goes to the API's host only (uploads are not used: the same host).
    let service = AuthHeaderLayer::new(Some(authorization), base.clone(), base).layer(service);
    let octo = octocrab::OctocrabBuilder::new_empty()
        .with_service(service)
        .with_auth(octocrab::AuthState::None)
        .build();
    match octo {
        Ok(octo) => Ok(octo),
        Err(never) => match never {},
    }
}

/// GitHub's error answer's documented members: `message` with the `errors` details a 422
/// carries, and `documentation_url`; `None` for a body that is not such an object.
fn error_members(text: &str) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Body {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<serde_json::Value>,
        documentation_url: Option<String>,
    }
    let Ok(body) = serde_json::from_str::<Body>(text) else {
        return (None, None);
    };
    let docs = body.documentation_url;
    if body.message.is_none() && body.errors.is_empty() {
        return (None, docs);
    }
    let mut parts: Vec<String> = body.message.into_iter().collect();
    for error in body.errors {
        match error {
            serde_json::Value::String(s) => parts.push(s),
            serde_json::Value::Object(map) => {
                if let Some(m) = map.get("message").and_then(|m| m.as_str()) {
                    parts.push(m.to_owned());
                } else if let Some(code) = map.get("code").and_then(|c| c.as_str()) {
                    let field = map.get("field").and_then(|f| f.as_str()).unwrap_or("?");
                    parts.push(format!("{field}: {code}"));
                }
            }
            _ => {}
        }
    }
    (Some(parts.join(": ")), docs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_include_details_and_never_the_body() {
        let text = r#"{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for acme:gitops-restart/prod."}],"documentation_url":"https://docs.github.com/rest"}"#;
        assert_eq!(
            error_members(text),
            (
                Some(
                    "Validation Failed: A pull request already exists for acme:gitops-restart/prod."
                        .to_owned()
                ),
                Some("https://docs.github.com/rest".to_owned())
            )
        );
        assert_eq!(error_members("oops"), (None, None));
        assert_eq!(error_members("[1]"), (None, None));
    }
}
