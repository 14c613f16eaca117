//! Where the cluster is and with which credentials: kubeconfig loading and secret scrubbing.
//!
//! Responsibility: resolve `--kubeconfig`, `KUBECONFIG`, `~/.kube/config`, `--context` or the
//! in-cluster service account into kube's [`Config`], the [`Target`] messages name, and the
//! credential strings no message may hold.
//!
//! It must not send a request (exec plugins run when the client first needs a token, not here),
//! retry on its own (kube's retries are turned off: the lister's policy is the one), or put a
//! credential or a URL's userinfo into a message.
//!
//! Invariants: a [`Target`]'s server is scheme, host and port only; every configuration error
//! says where the configuration came from and what to do.

use kube::config::{Config, KubeConfigOptions, Kubeconfig};
use serde_json::Value;

use super::error::chain;
use super::{Access, ClusterError, Target};

/// The kubeconfig (or in-cluster) configuration, where it points, and the secrets it holds.
pub(super) async fn load(access: &Access) -> Result<(Config, Target, Vec<String>), ClusterError> {
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
pub(super) fn scrub(text: &str, secrets: &[String]) -> String {
    let mut text = text.to_owned();
    for secret in secrets {
        if text.contains(secret.as_str()) {
            text = text.replace(secret.as_str(), "[redacted]");
        }
    }
    text
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
