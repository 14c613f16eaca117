//! Where the cluster is and with which credentials: kubeconfig loading and secret scrubbing.
//!
//! Responsibility: resolve `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, `--context` or the
//! in-cluster service account into kube's [`Config`], the [`Target`] messages name, and the
//! credential strings no message may hold: the token, the password (and basic auth's
//! `user:password`), the client key, an auth provider's tokens and secrets, and the values of
//! the exec plugin's environment variables whose names say they are secret, each in the forms
//! [`crate::redact`] looks for.
//!
//! It must not send a request or run the exec plugin (`exec` runs it, within the time limit,
//! before the client is built, and again when its token is about to expire), retry on its own (kube's retries are turned off: the lister's
//! policy is the one), or put a credential, a URL's userinfo or a line of the kubeconfig into a
//! message (a kubeconfig that is not valid YAML is named with the line and column:
//! [`describe`](super::describe)).
//!
//! Invariants: a [`Target`]'s server is scheme, host and port only; every configuration error
//! says where the configuration came from and what to do.

use kube::config::{Config, KubeConfigOptions, Kubeconfig, KubeconfigError};
use serde_json::Value;

use super::describe::kubeconfig_error;
use super::error::chain;
use super::{Access, ClusterError, Target};
use crate::redact;

/// How many context names an error lists.
const CONTEXTS_LISTED: usize = 10;

/// What to run when there is no kubeconfig for the cluster.
const UPDATE_KUBECONFIG: &str = "`aws eks update-kubeconfig --name CLUSTER`";

/// A kubeconfig error, prefixed with where the kubeconfig came from (`source`, which names the
/// file or the variable; a file it could not read is named once).
fn from_file(err: &KubeconfigError, source: &str) -> ClusterError {
    ClusterError::Config {
        message: format!("{source}: {}", kubeconfig_error(err, Some(source))),
    }
}

/// The configuration of a kubeconfig read from `source`, and the context it uses (the asked one,
/// else its current-context). A context it does not have is an error that lists those it has,
/// naming `flag`, the option that asked for it.
async fn from_kubeconfig(
    kubeconfig: Kubeconfig,
    options: &KubeConfigOptions,
    source: &str,
    flag: &str,
) -> Result<(Config, Option<String>), ClusterError> {
    let context = options
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone());
    let known = |name: &str| kubeconfig.contexts.iter().any(|c| c.name == name);
    let problem = match (&options.context, &context) {
        (Some(asked), _) if !known(asked) => {
            Some(format!("{source} has no context `{asked}` ({flag})"))
        }
        (None, Some(current)) if !known(current) => Some(format!(
            "{source}: its current-context `{current}` is not one of its contexts"
        )),
        (None, None) => Some(format!("{source} sets no current-context")),
        _ => None,
    };
    if let Some(problem) = problem {
        return Err(ClusterError::Config {
            message: format!("{problem}; {}", contexts_hint(&kubeconfig, flag)),
        });
    }
    let given_proxy = proxy_url_of(&kubeconfig, context.as_deref());
    let mut config = Config::from_custom_kubeconfig(kubeconfig, options)
        .await
        .map_err(|e| from_file(&e, source))?;
    // kube puts HTTPS_PROXY there when the cluster has no proxy-url: the environment's proxy is
    // `crate::proxy`'s to choose, with NO_PROXY, so only the kubeconfig's own stays.
    if given_proxy.is_none() {
        config.proxy_url = None;
    }
    Ok((config, context))
}

/// The contexts a kubeconfig has (at most [`CONTEXTS_LISTED`]) and how to use one, or how to add
/// one when it has none.
fn contexts_hint(kubeconfig: &Kubeconfig, flag: &str) -> String {
    let names: Vec<&str> = kubeconfig
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if names.is_empty() {
        return format!("it has no contexts: add the cluster's with {UPDATE_KUBECONFIG}");
    }
    let mut shown: Vec<String> = names
        .iter()
        .take(CONTEXTS_LISTED)
        .map(|n| format!("`{n}`"))
        .collect();
    if names.len() > CONTEXTS_LISTED {
        shown.push(format!(
            "and {} more (`kubectl config get-contexts` lists them)",
            names.len() - CONTEXTS_LISTED
        ));
    }
    format!(
        "give {flag} one of its contexts: {}; or add the cluster's with {UPDATE_KUBECONFIG}",
        shown.join(", ")
    )
}

/// Where `Kubeconfig::read` reads from: `KUBECONFIG=...` when the variable names a file, else
/// the default path, as the error it gives names it.
fn default_source(err: Option<&KubeconfigError>) -> String {
    match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        Some(value) => format!("KUBECONFIG={}", value.to_string_lossy()),
        None => match err {
            Some(KubeconfigError::ReadConfig(_, path)) => path.display().to_string(),
            _ => "~/.kube/config".to_owned(),
        },
    }
}

/// Why the in-cluster configuration is not there, in the words of what is missing.
fn incluster_error(err: &kube::config::InClusterError) -> String {
    match err {
        kube::config::InClusterError::ReadEnvironmentVariable(_) => {
            "KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set".to_owned()
        }
        other => redact::redact(&chain(other), &[]),
    }
}

/// The `proxy-url` of the cluster `context` uses, if it gives one.
fn proxy_url_of(kubeconfig: &Kubeconfig, context: Option<&str>) -> Option<String> {
    let context = kubeconfig
        .contexts
        .iter()
        .find(|named| Some(named.name.as_str()) == context)?
        .context
        .as_ref()?;
    kubeconfig
        .clusters
        .iter()
        .find(|named| named.name == context.cluster)?
        .cluster
        .as_ref()?
        .proxy_url
        .clone()
        .filter(|url| !url.trim().is_empty())
}

/// The kubeconfig (or in-cluster) configuration, where it points, and the secrets it holds.
/// `flag` names the option that gave the context (`--context`, `--gitops-context`) in messages.
pub(super) async fn load(
    access: &Access,
    flag: &str,
) -> Result<(Config, Target, Vec<String>), ClusterError> {
    let options = KubeConfigOptions {
        context: access.context.clone(),
        ..KubeConfigOptions::default()
    };
    let (mut config, context) = if let Some(path) = &access.kubeconfig {
        let source = format!("--kubeconfig {}", path.display());
        let kubeconfig = Kubeconfig::read_from(path).map_err(|e| match e {
            KubeconfigError::ReadConfig(..) => ClusterError::Config {
                message: format!(
                    "{source}: {}; give the path of a kubeconfig, or write one there with \
                     `aws eks update-kubeconfig --name CLUSTER --kubeconfig {}`",
                    kubeconfig_error(&e, Some(&source)),
                    path.display()
                ),
            },
            other => from_file(&other, &source),
        })?;
        from_kubeconfig(kubeconfig, &options, &source, flag).await?
    } else {
        match Kubeconfig::read() {
            Ok(kubeconfig) => {
                from_kubeconfig(kubeconfig, &options, &default_source(None), flag).await?
            }
            // No kubeconfig at all: running in a pod, as a CronJob or a self-hosted runner.
            Err(kubeconfig_err) if access.context.is_none() => {
                let source = default_source(Some(&kubeconfig_err));
                let config = Config::incluster().map_err(|incluster| ClusterError::Config {
                    message: format!(
                        "no kubeconfig ({source}: {}) and not in a cluster ({}); give \
                         --kubeconfig FILE, set KUBECONFIG, or run {UPDATE_KUBECONFIG}",
                        kubeconfig_error(&kubeconfig_err, Some(&source)),
                        incluster_error(&incluster)
                    ),
                })?;
                (config, None)
            }
            Err(err) => {
                let source = default_source(Some(&err));
                let context = access.context.as_deref().unwrap_or_default();
                return Err(ClusterError::Config {
                    message: format!(
                        "{flag} {context} needs a kubeconfig ({source}: {}); give --kubeconfig \
                         FILE, set KUBECONFIG, or run {UPDATE_KUBECONFIG}",
                        kubeconfig_error(&err, Some(&source))
                    ),
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
        exec: config
            .auth_info
            .exec
            .as_ref()
            .and_then(|exec| exec.command.clone()),
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

/// Whether a variable or a setting named `name` holds a secret: its value is redacted.
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["token", "secret", "password", "key"]
        .iter()
        .any(|word| name.contains(word))
}

/// The credential strings of the configuration, in every form to scrub from every message.
fn secrets_of(config: &Config) -> Vec<String> {
    let mut secrets = Vec::new();
    // AuthInfo serializes its secrets in clear (it round-trips kubeconfigs): the one way to read
    // them without a direct dependency on `secrecy`.
    if let Ok(Value::Object(auth)) = serde_json::to_value(&config.auth_info) {
        for key in ["token", "password", "client-key-data"] {
            if let Some(Value::String(secret)) = auth.get(key) {
                secrets.extend(redact::forms(secret));
            }
        }
        if let (Some(Value::String(user)), Some(Value::String(password))) =
            (auth.get("username"), auth.get("password"))
        {
            secrets.extend(redact::basic_auth_forms(user, password));
        }
    }
    if let Some(provider) = &config.auth_info.auth_provider {
        for (name, value) in &provider.config {
            if secret_name(name) {
                secrets.extend(redact::forms(value));
            }
        }
    }
    let env = config.auth_info.exec.as_ref().and_then(|e| e.env.as_ref());
    for variable in env.into_iter().flatten() {
        if let (Some(name), Some(value)) = (variable.get("name"), variable.get("value"))
            && secret_name(name)
        {
            secrets.extend(redact::forms(value));
        }
    }
    secrets
}

/// `text` without the configuration's `secrets` and anything shaped like a credential.
pub(super) fn scrub(text: &str, secrets: &[String]) -> String {
    redact::redact(text, secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
