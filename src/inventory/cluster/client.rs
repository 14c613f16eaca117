//! The Kubernetes client, assembled here instead of by kube, so that its proxy is this tool's.
//!
//! Responsibility: build kube's [`Client`] from the loaded [`Config`] over
//! [`crate::proxy::Connector`], which reaches the API server directly or through the proxy
//! [`crate::proxy::for_server`] chose: the kubeconfig's `proxy-url`, else `HTTPS_PROXY` /
//! `HTTP_PROXY` / `ALL_PROXY` unless `NO_PROXY` names the server. kube's own proxy support is not
//! used: it reads `HTTPS_PROXY` alone whatever the server's scheme, matches `NO_PROXY` against
//! the proxy instead of the server, and refuses lists curl accepts (a trailing comma).
//!
//! Otherwise the stack is kube's, from the same [`Config`]: TLS (the cluster's CA, the client
//! certificate, `insecure-skip-tls-verify`, `tls-server-name`) inside the tunnel, the connect,
//! read and write timeouts, the server's URL and path prefix, authentication (the token, basic
//! auth, a token file it re-reads), and the extra headers (impersonation).
//!
//! It must not retry (the lister does: `default_retry` is off) or run an exec plugin (the
//! credentials are in the configuration already: [`super::exec`]).

use hyper_util::rt::TokioExecutor;
use kube::client::{Body, ConfigExt as _};
use kube::{Client, Config};

use crate::proxy::{Connector, Proxy};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The client for `config`'s cluster, through `proxy` when there is one.
pub(super) fn build(config: &Config, proxy: Option<&Proxy>) -> Result<Client, kube::Error> {
    let https = config.rustls_https_connector_with_connector(Connector::new(proxy.cloned()))?;
    let mut connector = hyper_timeout::TimeoutConnector::new(https);
    connector.set_connect_timeout(config.connect_timeout);
    connector.set_read_timeout(config.read_timeout);
    connector.set_write_timeout(config.write_timeout);
    connector.set_reset_reader_on_write(config.reset_reader_on_write);
    let http: hyper_util::client::legacy::Client<_, Body> =
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector);
    let service = tower::ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .option_layer(config.auth_layer()?)
        .layer(config.extra_headers_layer()?)
        .map_err(BoxError::from)
        .service(http);
    Ok(Client::new(service, config.default_namespace.clone()))
}
