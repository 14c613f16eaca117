//! Proxies: which one a client goes through to reach its one server, read from the environment
//! as curl reads it, and the connector that goes through it ([`connect`]).
//!
//! Responsibility: [`for_server`] resolves the proxy for a server's URL. A proxy given for that
//! server (the kubeconfig's `proxy-url`) wins, and `NO_PROXY` does not apply to it, as with
//! kubectl. Otherwise the scheme's variable: `HTTPS_PROXY` for an https server, `HTTP_PROXY` for
//! an http one (each in upper case, else lower case), else `ALL_PROXY`; unless `NO_PROXY` (else
//! `no_proxy`) sends the server direct. Its comma-separated entries are `*` (every host), a name
//! (the host itself and its subdomains; a leading `.` or `*.` changes nothing), an IP address or
//! a CIDR range, each optionally with `:PORT` to apply to that port only; case and a trailing dot
//! do not count, and empty entries are skipped. Loopback is not special: `localhost` and
//! `127.0.0.1` go through the proxy unless `NO_PROXY` names them, as curl does.
//!
//! Proxies are `http://` (a CONNECT tunnel for every server, with `Proxy-Authorization: Basic`
//! from the URL's user and password) and `socks5://` or `socks5h://` (names resolved here, or by
//! the proxy; user and password as RFC 1929 says). A URL without a scheme is `http://`, one
//! without a port uses 1080 (curl's default), except an `http://` proxy-url in a kubeconfig,
//! which uses 80 as kubectl does; user and password are percent-decoded.
//!
//! It must not show a proxy's credentials: a [`Proxy`] is shown as `scheme://host:port` and where
//! it came from ([`Source`]), and its credentials, in every form a message could hold them, are
//! in [`Proxy::secrets`] for the caller's scrubbing; a variable that is not a proxy URL is named,
//! never quoted.

use std::fmt;
use std::net::IpAddr;

pub(crate) mod connect;
#[cfg(test)]
mod tests;

pub(crate) use connect::Connector;

/// Where a proxy came from, as messages name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    /// An environment variable: `HTTPS_PROXY`, `http_proxy`, `ALL_PROXY`, ...
    Variable(&'static str),
    /// The `proxy-url` of the kubeconfig's cluster.
    Kubeconfig,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Variable(name) => f.write_str(name),
            Source::Kubeconfig => f.write_str("the kubeconfig's proxy-url"),
        }
    }
}

/// How the proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An HTTP proxy: `CONNECT host:port`.
    Http,
    /// SOCKS5; `remote_dns` (`socks5h://`): the proxy resolves the server's name.
    Socks5 { remote_dns: bool },
}

/// The proxy a client goes through.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    kind: Kind,
    /// As in the URL: a name, an IPv4 address or a bracketed IPv6 address.
    host: String,
    port: u16,
    /// User and password, percent-decoded.
    credentials: Option<(String, String)>,
    /// The user information as written in the URL (percent-encoded), to scrub too.
    raw_userinfo: Option<String>,
    source: Source,
}

/// Never the credentials.
impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("url", &self.shown())
            .field("source", &self.source)
            .field("credentials", &self.credentials.is_some())
            .finish_non_exhaustive()
    }
}

impl Proxy {
    /// `scheme://host:port`: what messages name the proxy by.
    pub(crate) fn shown(&self) -> String {
        let scheme = match self.kind {
            Kind::Http => "http",
            Kind::Socks5 { remote_dns: false } => "socks5",
            Kind::Socks5 { remote_dns: true } => "socks5h",
        };
        format!("{scheme}://{}:{}", self.host, self.port)
    }

    pub(crate) fn source(&self) -> &Source {
        &self.source
    }

    /// The credentials in the forms [`crate::redact`] looks for: the password, `user:password`,
    /// their base64 (the `Proxy-Authorization` value), and the URL's percent-encoded user
    /// information.
    pub(crate) fn secrets(&self) -> Vec<String> {
        let mut secrets = Vec::new();
        if let Some((user, password)) = &self.credentials {
            secrets.extend(crate::redact::basic_auth_forms(user, password));
        }
        if let Some(raw) = &self.raw_userinfo
            && raw.contains(':')
        {
            secrets.extend(crate::redact::forms(raw));
            if let Some((_, password)) = raw.split_once(':') {
                secrets.extend(crate::redact::forms(password));
            }
        }
        secrets
    }

    /// `Basic base64(user:password)`, for an HTTP proxy with credentials.
    fn basic(&self) -> Option<String> {
        let (user, password) = self.credentials.as_ref()?;
        let encoded =
            crate::encoding::encode_base64(format!("{user}:{password}").as_bytes(), false);
        Some(format!("Basic {encoded}"))
    }

    /// What to check when the proxy fails, for messages.
    fn fix(&self, host: &str) -> String {
        match &self.source {
            Source::Variable(name) => {
                format!("check {name}, or add {host} to NO_PROXY to reach it directly")
            }
            Source::Kubeconfig => "check the kubeconfig's proxy-url".to_owned(),
        }
    }
}

/// The proxy for `server`: `given` (the kubeconfig's `proxy-url`) if any, else the environment's,
/// unless `NO_PROXY` sends the server direct; `None` to connect directly.
///
/// # Errors
/// The proxy URL is not one this tool can use; the message names where it came from and what
/// to give instead, never its value.
pub(crate) fn for_server(server: &http::Uri, given: Option<&str>) -> Result<Option<Proxy>, String> {
    resolve(server, given, &|name| std::env::var(name).ok())
}

/// [`for_server`] with the environment as `env`.
fn resolve(
    server: &http::Uri,
    given: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, String> {
    if let Some(url) = given.filter(|url| !url.trim().is_empty()) {
        return parse(url, Source::Kubeconfig).map(Some);
    }
    let https = server.scheme_str() == Some("https");
    let names: [&'static str; 4] = if https {
        ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
    } else {
        ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
    };
    let set = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let Some((name, value)) = names
        .into_iter()
        .find_map(|name| set(name).map(|value| (name, value)))
    else {
        return Ok(None);
    };
    let host = server.host().unwrap_or_default();
    let port = server.port_u16().unwrap_or(if https { 443 } else { 80 });
    if let Some(list) = set("NO_PROXY").or_else(|| set("no_proxy"))
        && bypassed(&list, host, port)
    {
        return Ok(None);
    }
    parse(&value, Source::Variable(name)).map(Some)
}

/// A proxy URL, `[scheme://][user[:password]@]host[:port][/]`.
fn parse(url: &str, source: Source) -> Result<Proxy, String> {
    let not_a_url = || {
        format!(
            "{source} is not a proxy URL: give http://HOST:PORT, with USER:PASSWORD@ before \
             HOST if the proxy asks for credentials (socks5:// and socks5h:// work too)"
        )
    };
    let url = url.trim();
    let (scheme, rest) = match url.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("http".to_owned(), url),
    };
    let kind = match scheme.as_str() {
        "http" => Kind::Http,
        "socks5" => Kind::Socks5 { remote_dns: false },
        "socks5h" => Kind::Socks5 { remote_dns: true },
        "https" => {
            return Err(format!(
                "{source} names a proxy spoken to over TLS (https://), which is not supported: \
                 give its http:// address (the connection to the server inside the tunnel is \
                 TLS all the same)"
            ));
        }
        other if other.chars().all(|c| c.is_ascii_alphanumeric()) && other.len() <= 10 => {
            return Err(format!(
                "{source} names a proxy of scheme `{other}`, which is not supported: give \
                 http://HOST:PORT, socks5://HOST:PORT or socks5h://HOST:PORT"
            ));
        }
        _ => return Err(not_a_url()),
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((userinfo, host_port)) => (Some(userinfo), host_port),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port).ok_or_else(not_a_url)?;
    let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    let ipv6 = host.starts_with('[') && host[1..host.len() - 1].parse::<IpAddr>().is_ok();
    if host.is_empty() || !(ipv6 || host.chars().all(valid)) {
        return Err(not_a_url());
    }
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8_lossy()
            .into_owned()
    };
    let credentials = userinfo.map(|userinfo| {
        let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        (decode(user), decode(password))
    });
    Ok(Proxy {
        kind,
        host: host.to_owned(),
        port: port.unwrap_or(match (&source, kind) {
            (Source::Kubeconfig, Kind::Http) => 80,
            _ => 1080,
        }),
        credentials,
        raw_userinfo: userinfo.map(str::to_owned),
        source,
    })
}

/// `host[:port]` or `[v6][:port]`; `None` when the port is not a number or a bare IPv6 address
/// has no brackets.
fn split_host_port(text: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if text.starts_with('[') {
        let end = text.find(']')?;
        let rest = &text[end + 1..];
        let port = match rest {
            "" => None,
            _ => Some(rest.strip_prefix(':')?),
        };
        (&text[..=end], port)
    } else {
        match text.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (text, None),
        }
    };
    let port = match port {
        Some(port) => Some(port.parse::<u16>().ok().filter(|p| *p > 0)?),
        None => None,
    };
    Some((host, port))
}

/// Whether the `NO_PROXY` list sends `host`:`port` direct (see the module documentation).
fn bypassed(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            let (name, only) = entry_port(entry);
            if only.is_some_and(|only| only != port) {
                return false;
            }
            match ip {
                Some(ip) => in_range(name, ip),
                None => {
                    let name = name
                        .trim_start_matches('*')
                        .trim_start_matches('.')
                        .trim_end_matches('.')
                        .to_ascii_lowercase();
                    !name.is_empty()
                        && (host == name
                            || host
                                .strip_suffix(&name)
                                .is_some_and(|sub| sub.ends_with('.')))
                }
            }
        })
}

/// A `NO_PROXY` entry and the port it is limited to: `name:port`, `[v6]:port`; an entry with
/// more than one `:` and no brackets is an IPv6 address (or range) without a port.
fn entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[')
        && let Some((address, after)) = rest.split_once(']')
    {
        return (
            address,
            after.strip_prefix(':').and_then(|p| p.parse().ok()),
        );
    }
    if entry.matches(':').count() == 1
        && let Some((name, port)) = entry.split_once(':')
        && let Ok(port) = port.parse()
    {
        return (name, Some(port));
    }
    (entry, None)
}

/// Whether `ip` is the address `entry` or in its CIDR range.
fn in_range(entry: &str, ip: IpAddr) -> bool {
    let (address, bits) = match entry.split_once('/') {
        Some((address, bits)) => match bits.parse::<u32>() {
            Ok(bits) => (address, Some(bits)),
            Err(_) => return false,
        },
        None => (entry, None),
    };
    let Ok(network) = address.parse::<IpAddr>() else {
        return false;
    };
    match (network, ip, bits) {
        (network, ip, None) => network == ip,
        (IpAddr::V4(network), IpAddr::V4(ip), Some(bits)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(network) & mask == u32::from(ip) & mask
        }
        (IpAddr::V6(network), IpAddr::V6(ip), Some(bits)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(network) & mask == u128::from(ip) & mask
        }
        _ => false,
    }
}
