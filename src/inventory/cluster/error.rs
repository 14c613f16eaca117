//! What can go wrong listing the cluster, classified and worded.
//!
//! Responsibility: the [`ClusterError`] a run ends with, each naming the server and context
//! ([`Target`]) and saying what to do; the [`Fault`] one request ended with, classified for
//! retrying (transient, connecting) or not (401, 403, 404, 410, anything else).
//!
//! It must not decide how often to retry or when to restart a list (the lister does), nor let a
//! credential through: a fault's words (the server's or a library's) are scrubbed of the
//! configuration's secrets and of anything shaped like a credential ([`crate::redact`]) when
//! they become an error, and a credential plugin's failure is worded without its output
//! ([`describe`](super::describe)).
//!
//! Invariants: 401 and 403 are never transient; a status message is one line of at most 300
//! characters, so a proxy's HTML error page does not flood the terminal.

use std::fmt;
use std::time::Duration;

use kube::client::AuthError;

use super::RETRY;
use super::config::scrub;
use super::describe::credentials_error;

/// Where the messages say the cluster is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub server: String,
    pub context: Option<String>,
    /// The exec plugin's program the kubeconfig runs for credentials (`aws`), named when it
    /// fails; never its arguments.
    pub exec: Option<String>,
}

impl Target {
    /// The kubectl command that tries the same server and credentials.
    fn kubectl_check(&self) -> String {
        match &self.context {
            Some(context) if is_plain(context) => {
                format!("kubectl --context {context} get namespaces")
            }
            Some(context) => format!(
                "kubectl --context '{}' get namespaces",
                context.replace('\'', "'\\''")
            ),
            None => "kubectl get namespaces".to_owned(),
        }
    }
}

/// Whether `text` can be pasted into a shell without quotes: an EKS ARN or a plain name.
fn is_plain(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '/' | '_' | '-' | '.' | '@'))
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
    /// Connection refused, DNS failure, TLS failure, a connection timeout, after every attempt.
    #[error(
        "cannot reach the Kubernetes API at {target}: {message} (tried {attempts} times); check \
         that this machine reaches it (a VPN, the EKS endpoint's public or private access, a \
         firewall or proxy) and that the kubeconfig's server and certificate authority are \
         right, for example with `{check}`",
        check = .target.kubectl_check()
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
    /// A page of a list gave a continue token an earlier page of the same list gave: paging
    /// would never end.
    #[error(
        "{target}: the list of {resource} across all namespaces gave a continue token it had \
         given before (after {pages} pages), so paging would never end; the API server, or a \
         proxy or cache in front of it, repeats pages: reach the API server without that proxy \
         (check the kubeconfig's server and proxy-url), or report it to whoever runs it"
    )]
    RepeatedPage {
        target: Target,
        resource: String,
        pages: usize,
    },
    /// Any other error answer, or a body that is not a list.
    #[error("{target}: {what}: {message}")]
    Api {
        target: Target,
        what: String,
        message: String,
    },
}

impl ClusterError {
    /// The error with every message scrubbed of `secrets` and of anything shaped like a
    /// credential: the last pass before a listing's error leaves the module.
    pub(super) fn scrubbed(self, secrets: &[String]) -> ClusterError {
        let clean = |m: String| scrub(&m, secrets);
        match self {
            ClusterError::Config { message } => ClusterError::Config {
                message: clean(message),
            },
            ClusterError::Forbidden {
                target,
                what,
                message,
            } => ClusterError::Forbidden {
                target,
                what,
                message: clean(message),
            },
            ClusterError::Unauthorized { target, message } => ClusterError::Unauthorized {
                target,
                message: clean(message),
            },
            ClusterError::Unreachable {
                target,
                message,
                attempts,
            } => ClusterError::Unreachable {
                target,
                message: clean(message),
                attempts,
            },
            ClusterError::GaveUp {
                target,
                what,
                message,
                attempts,
            } => ClusterError::GaveUp {
                target,
                what,
                message: clean(message),
                attempts,
            },
            kept @ (ClusterError::Expired { .. } | ClusterError::RepeatedPage { .. }) => kept,
            ClusterError::Api {
                target,
                what,
                message,
            } => ClusterError::Api {
                target,
                what,
                message: clean(message),
            },
        }
    }
}

/// Why building the client failed: the exec plugin (run then for the first token) worded by
/// [`credentials_error`], anything else by its words, scrubbed.
pub(super) fn client_error(err: &kube::Error, target: &Target, secrets: &[String]) -> String {
    match err {
        kube::Error::Auth(auth) => format!(
            "cannot get credentials from the kubeconfig: {}",
            credentials_error(auth, target.exec.as_deref(), secrets)
        ),
        other => scrub(&chain(other), secrets),
    }
}

/// An error and its sources, `outer: inner: root`, without repeats.
pub(super) use crate::net::error_chain as chain;

/// What one request ended with, classified for retrying and messages.
pub(super) enum Fault {
    /// Worth another try: 5xx, 429, a timeout.
    Transient(String),
    /// The connection could not be made; also retried, reported as unreachable.
    Connect(String),
    /// 410 Gone: the continue token expired.
    Expired,
    Forbidden(String),
    Unauthorized(String),
    NotFound(String),
    /// The credentials could not be had (an exec plugin failed when the token expired): not
    /// retried, worded by [`credentials_error`].
    Credentials(Box<AuthError>),
    /// The exec plugin, run again for a new token, gave none: worded already.
    Plugin(String),
    /// Anything else: not retried.
    Fatal(String),
}

impl Fault {
    /// The error for a fault that ends the run.
    pub(super) fn into_error(
        self,
        target: &Target,
        secrets: &[String],
        verb: &str,
        what: &str,
        scope: &str,
    ) -> ClusterError {
        let target = target.clone();
        let clean = |m: String| scrub(&m, secrets);
        match self {
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
            Fault::Credentials(err) => ClusterError::Api {
                what: format!("{verb} {what}"),
                message: format!(
                    "cannot get credentials from the kubeconfig: {}",
                    credentials_error(&err, target.exec.as_deref(), secrets)
                ),
                target,
            },
            Fault::Plugin(message) | Fault::Fatal(message) => ClusterError::Api {
                target,
                what: format!("{verb} {what}"),
                message: clean(message),
            },
        }
    }
}

pub(super) fn classify(err: kube::Error, timeout: Duration) -> Fault {
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
                Fault::Connect(connect_cause(&text, timeout))
            } else if text.contains("timed out") || text.contains("deadline") {
                Fault::Transient(format!("no answer within {}", seconds(timeout)))
            } else {
                Fault::Transient(text)
            }
        }
        kube::Error::Auth(err) => Fault::Credentials(Box::new(err)),
        other => Fault::Fatal(chain(&other)),
    }
}

/// Why a connection could not be made, in a person's words where the library's are noisy
/// (`client error (Connect): tcp connect error: Connection refused (os error 111)`).
fn connect_cause(text: &str, timeout: Duration) -> String {
    let text = text
        .strip_prefix("client error (Connect): ")
        .unwrap_or(text);
    let lower = text.to_ascii_lowercase();
    // The proxy's own words (`crate::proxy`) already name the proxy, the cause and the fix.
    if lower.contains("the proxy ") {
        text.to_owned()
    } else if lower.contains("connection refused") {
        "connection refused: nothing listens at that address and port".to_owned()
    } else if let Some(i) = lower.find("dns error: ") {
        let why = text.get(i + "dns error: ".len()..).unwrap_or("");
        format!("the host name does not resolve ({why})")
    } else if lower.contains("timed out") {
        format!(
            "no connection within {}: the address is not reachable from here",
            seconds(timeout)
        )
    } else {
        text.to_owned()
    }
}

/// Whether the failure happened while connecting (refused, DNS, unreachable network, a
/// connection timeout, TLS).
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
        // hyper-util's connector says `client error (Connect)` of whatever failed before the
        // request could be sent: TCP, DNS, its connect timeout, the TLS handshake.
        if text.contains("dns error")
            || text.contains("tcp connect error")
            || text.contains("client error (Connect)")
        {
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

pub(super) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connection_failures_are_worded_by_their_cause() {
        let timeout = Duration::from_secs(10);
        assert_eq!(
            connect_cause(
                "client error (Connect): tcp connect error: Connection refused (os error 111)",
                timeout
            ),
            "connection refused: nothing listens at that address and port"
        );
        assert_eq!(
            connect_cause(
                "client error (Connect): dns error: failed to lookup address information: Name or \
                 service not known",
                timeout
            ),
            "the host name does not resolve (failed to lookup address information: Name or \
             service not known)"
        );
        assert_eq!(
            connect_cause(
                "client error (Connect): tcp connect error: connection timed out",
                timeout
            ),
            "no connection within 10s: the address is not reachable from here"
        );
        assert_eq!(
            connect_cause(
                "client error (Connect): invalid peer certificate: UnknownIssuer",
                timeout
            ),
            "invalid peer certificate: UnknownIssuer"
        );
    }

    #[test]
    fn the_kubectl_check_quotes_a_context_a_shell_would_split() {
        let target = |context: Option<&str>| Target {
            server: "https://h".to_owned(),
            context: context.map(str::to_owned),
            exec: None,
        };
        assert_eq!(
            target(Some("arn:aws:eks:eu-west-1:111122223333:cluster/prod")).kubectl_check(),
            "kubectl --context arn:aws:eks:eu-west-1:111122223333:cluster/prod get namespaces"
        );
        assert_eq!(
            target(Some("my ctx")).kubectl_check(),
            "kubectl --context 'my ctx' get namespaces"
        );
        assert_eq!(
            target(Some("it's")).kubectl_check(),
            "kubectl --context 'it'\\''s' get namespaces"
        );
        assert_eq!(target(None).kubectl_check(), "kubectl get namespaces");
    }
}
