//! The connector under both API clients' TLS: a TCP connection to the server, or to the proxy
//! with a tunnel through it to the server.
//!
//! Responsibility: [`Connector`] is what hyper's client calls for a connection to a server
//! (`scheme://host:port`). Without a proxy it is hyper's own connector, and its errors are passed
//! on as they are. With an HTTP proxy it connects to the proxy and sends `CONNECT host:port`
//! (with `Proxy-Authorization` when the URL has credentials), for https and http servers alike;
//! with a SOCKS5 proxy it does the SOCKS5 handshake (user and password when given). TLS, when
//! the server is https, then runs inside the tunnel, end to end with the server.
//!
//! It must not retry (the clients' retry policies do) or put a credential in an error: a failure
//! through the proxy is one message naming the proxy ([`Proxy::shown`]), where it came from,
//! what failed (connecting to it, its answer to CONNECT with the status it gave, the SOCKS
//! reply) and what to check; a proxy's own words (its status reason) are cut to one short line
//! of printable ASCII.
//!
//! Invariants: a connection to an unreachable proxy fails with hyper's connect error in the
//! message ("tcp connect error", "dns error"), which the Kubernetes client classifies as a
//! connection failure; no more than [`HEAD_LIMIT`] bytes of a proxy's answer are read.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tower::ServiceExt as _;

use super::{Kind, Proxy};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The most of a proxy's answer to CONNECT read before giving up on it.
const HEAD_LIMIT: usize = 16 * 1024;
/// The most of a proxy's status reason a message shows.
const REASON_LIMIT: usize = 80;

/// Connections to servers, directly or through a proxy.
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    proxy: Option<Arc<Proxy>>,
}

impl Connector {
    /// Connections through `proxy`, or direct when `None`.
    pub(crate) fn new(proxy: Option<Proxy>) -> Connector {
        let mut http = HttpConnector::new();
        // The scheme is TLS's business, above this connector.
        http.enforce_http(false);
        Connector {
            http,
            proxy: proxy.map(Arc::new),
        }
    }
}

/// Why no connection was made.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// Straight to the server: hyper's error, shown as it is (its sources too).
    Direct(BoxError),
    /// Through the proxy: the whole message.
    Proxy(String),
}

impl std::fmt::Display for ConnectError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConnectError::Direct(err) => err.fmt(f),
            ConnectError::Proxy(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Direct(err) => err.source(),
            ConnectError::Proxy(_) => None,
        }
    }
}

impl tower::Service<Uri> for Connector {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        // hyper's connector is always ready; each call clones it.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, server: Uri) -> Self::Future {
        let http = self.http.clone();
        let proxy = self.proxy.clone();
        Box::pin(async move {
            match proxy {
                None => http
                    .oneshot(server)
                    .await
                    .map_err(|err| ConnectError::Direct(Box::new(err))),
                Some(proxy) => through(http, &proxy, &server)
                    .await
                    .map(TokioIo::new)
                    .map_err(ConnectError::Proxy),
            }
        })
    }
}

/// What went wrong after the proxy took the connection.
#[derive(Debug)]
enum Failure {
    /// It closed or reset the connection, or the connection failed.
    Io(std::io::Error),
    /// It answered CONNECT with this status and reason.
    Status(u16, String),
    /// It answered something that is not HTTP (or not SOCKS5).
    Garbled,
    /// The SOCKS5 handshake failed: why.
    Socks(String),
}

impl From<std::io::Error> for Failure {
    fn from(err: std::io::Error) -> Failure {
        Failure::Io(err)
    }
}

/// A connection to `server` through `proxy`, or the message saying why there is none.
async fn through(http: HttpConnector, proxy: &Proxy, server: &Uri) -> Result<TcpStream, String> {
    let host = server
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = server
        .port_u16()
        .unwrap_or(if server.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    let address: Uri = format!("http://{}:{}", proxy.host, proxy.port)
        .parse()
        .map_err(|_| format!("the proxy {} is not an address", proxy.shown()))?;
    let mut stream = http
        .oneshot(address)
        .await
        .map_err(|err| {
            format!(
                "cannot connect to the proxy {} (from {}): {}; {}",
                proxy.shown(),
                proxy.source(),
                crate::net::error_chain(&err),
                proxy.fix(&host)
            )
        })?
        .into_inner();
    tracing::debug!(proxy = %proxy.shown(), %host, port, "through the proxy");
    let done = match proxy.kind {
        Kind::Http => tunnel(&mut stream, &host, port, proxy.basic()).await,
        Kind::Socks5 { remote_dns } => {
            let credentials = proxy
                .credentials
                .as_ref()
                .map(|(user, password)| (user.as_str(), password.as_str()));
            socks5(&mut stream, &host, port, credentials, remote_dns).await
        }
    };
    done.map_err(|failure| refused(proxy, &failure, &host, port))?;
    Ok(stream)
}

/// The message for a proxy that took the connection and then failed.
fn refused(proxy: &Proxy, failure: &Failure, host: &str, port: u16) -> String {
    let at = format!("the proxy {} (from {})", proxy.shown(), proxy.source());
    let to = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    match failure {
        Failure::Status(407, _) if proxy.credentials.is_some() => format!(
            "{at} refused the user and password given in its URL (407 Proxy Authentication \
             Required): check them in {}",
            proxy.source()
        ),
        Failure::Status(407, _) => format!(
            "{at} asks for credentials (407 Proxy Authentication Required): give them in {} as \
             http://USER:PASSWORD@HOST:PORT (percent-encode special characters)",
            proxy.source()
        ),
        Failure::Status(status, reason) => format!(
            "{at} refused to open a tunnel to {to} ({status} {reason}): ask whoever runs the \
             proxy to allow it, or {}",
            proxy.fix(host)
        ),
        Failure::Io(err) => format!(
            "{at} closed the connection while opening a tunnel to {to} ({err}); {}",
            proxy.fix(host)
        ),
        Failure::Garbled => format!(
            "{at} answered the tunnel request to {to} with something that is not {}; check that \
             the URL's scheme says what kind of proxy it is (http:// or socks5://)",
            if proxy.kind == Kind::Http {
                "HTTP"
            } else {
                "SOCKS5"
            }
        ),
        Failure::Socks(why) => format!(
            "{at} could not open a connection to {to}: {why}; {}",
            proxy.fix(host)
        ),
    }
}

/// `CONNECT host:port` and the proxy's answer: done on a 2xx.
async fn tunnel(
    stream: &mut TcpStream,
    host: &str,
    port: u16,
    authorization: Option<String>,
) -> Result<(), Failure> {
    let authority = if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut request = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(authorization) = authorization {
        request.push_str(&format!("Proxy-Authorization: {authorization}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    // Byte by byte: what follows the answer's head belongs to TLS, not to this reader.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= HEAD_LIMIT {
            return Err(Failure::Garbled);
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(if head.is_empty() {
                Failure::Io(std::io::ErrorKind::UnexpectedEof.into())
            } else {
                Failure::Garbled
            });
        }
        head.push(byte[0]);
    }
    let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut parts = line.splitn(3, ' ');
    let (Some(version), Some(status)) = (parts.next(), parts.next()) else {
        return Err(Failure::Garbled);
    };
    let Ok(status) = status.parse::<u16>() else {
        return Err(Failure::Garbled);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(Failure::Garbled);
    }
    if (200..300).contains(&status) {
        return Ok(());
    }
    let reason: String = parts
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(REASON_LIMIT)
        .collect();
    Err(Failure::Status(status, reason.trim().to_owned()))
}

/// The SOCKS5 handshake (RFC 1928, and RFC 1929 for user and password) for `host:port`.
async fn socks5(
    stream: &mut TcpStream,
    host: &str,
    port: u16,
    credentials: Option<(&str, &str)>,
    remote_dns: bool,
) -> Result<(), Failure> {
    // Version 5; methods: none, and user and password when there are credentials.
    let greeting: &[u8] = if credentials.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    stream.write_all(greeting).await?;
    let mut choice = [0u8; 2];
    stream.read_exact(&mut choice).await?;
    match (choice, credentials) {
        ([5, 0], _) => {}
        ([5, 2], Some((user, password))) => {
            let (user, password) = (user.as_bytes(), password.as_bytes());
            let (Ok(user_len), Ok(password_len)) =
                (u8::try_from(user.len()), u8::try_from(password.len()))
            else {
                return Err(Failure::Socks(
                    "its user and password may be at most 255 bytes each".to_owned(),
                ));
            };
            let mut request = vec![1, user_len];
            request.extend_from_slice(user);
            request.push(password_len);
            request.extend_from_slice(password);
            stream.write_all(&request).await?;
            let mut status = [0u8; 2];
            stream.read_exact(&mut status).await?;
            if status[1] != 0 {
                return Err(Failure::Socks(
                    "it refused the user and password given in its URL".to_owned(),
                ));
            }
        }
        ([5, 0xff], _) => {
            return Err(Failure::Socks(
                if credentials.is_some() {
                    "it accepts neither no authentication nor a user and password"
                } else {
                    "it asks for credentials: give them in its URL as socks5://USER:PASSWORD@HOST:PORT"
                }
                .to_owned(),
            ));
        }
        _ => return Err(Failure::Garbled),
    }
    let mut request = vec![5, 1, 0];
    let ip = match host.parse::<IpAddr>() {
        Ok(ip) => Some(ip),
        Err(_) if remote_dns => None,
        Err(_) => Some(
            tokio::net::lookup_host((host, port))
                .await
                .ok()
                .and_then(|mut found| found.next())
                .map(|address| address.ip())
                .ok_or_else(|| {
                    Failure::Socks(format!(
                        "{host} does not resolve here (socks5h:// lets the proxy resolve it)"
                    ))
                })?,
        ),
    };
    match ip {
        Some(IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Some(IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        None => {
            let Ok(len) = u8::try_from(host.len()) else {
                return Err(Failure::Socks(format!("the name {host} is too long")));
            };
            request.extend_from_slice(&[3, len]);
            request.extend_from_slice(host.as_bytes());
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut reply = [0u8; 4];
    stream.read_exact(&mut reply).await?;
    if reply[0] != 5 {
        return Err(Failure::Garbled);
    }
    if reply[1] != 0 {
        let why = match reply[1] {
            2 => "its rules do not allow it",
            3 => "network unreachable",
            4 => "host unreachable",
            5 => "connection refused",
            6 => "timed out",
            7 | 8 => "it does not support the request",
            _ => "general failure",
        };
        return Err(Failure::Socks(format!("{why} (SOCKS reply {})", reply[1])));
    }
    // The address the proxy bound, then its port: read and dropped.
    let len = match reply[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len).await?;
            usize::from(len[0])
        }
        _ => return Err(Failure::Garbled),
    };
    let mut bound = vec![0u8; len + 2];
    stream.read_exact(&mut bound).await?;
    Ok(())
}
