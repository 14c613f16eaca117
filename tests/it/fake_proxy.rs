//! A loopback proxy that logs what goes through it: HTTP `CONNECT host:port` tunnels and SOCKS5
//! connections (both on the one port: the first byte tells them apart).
//!
//! Each tunnel is logged (how it was asked for, its target, the credentials sent), then connected
//! to its target and the bytes copied both ways until either side closes. With [`FakeProxy::requiring`]
//! it wants a user and password: an HTTP request without the right `Proxy-Authorization` gets
//! 407, a SOCKS5 client the user-and-password method and a refusal when they are wrong. Any other
//! HTTP request (an absolute-form `GET http://...`) is logged and answered 405: the tool tunnels
//! everything. It binds 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// One request the proxy saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `CONNECT`, `SOCKS5`, or the HTTP method of anything else.
    pub method: String,
    /// `host:port` (an absolute URL for anything else).
    pub target: String,
    /// The `Proxy-Authorization` value (HTTP), or `user:password` (SOCKS5).
    pub credentials: Option<String>,
}

#[derive(Default)]
struct State {
    log: Vec<Seen>,
    /// `(user, password)` the proxy requires.
    required: Option<(String, String)>,
}

pub struct FakeProxy {
    port: u16,
    state: Arc<Mutex<State>>,
}

impl FakeProxy {
    /// A proxy that asks for no credentials.
    pub fn start() -> FakeProxy {
        FakeProxy::with(None)
    }

    /// A proxy that wants `user` and `password`.
    pub fn requiring(user: &str, password: &str) -> FakeProxy {
        FakeProxy::with(Some((user.to_owned(), password.to_owned())))
    }

    fn with(required: Option<(String, String)>) -> FakeProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            log: Vec::new(),
            required,
        }));
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        FakeProxy { port, state }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `SCHEME://USER:PASSWORD@127.0.0.1:PORT`.
    pub fn url_with(&self, scheme: &str, user: &str, password: &str) -> String {
        format!("{scheme}://{user}:{password}@127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn log(&self) -> Vec<Seen> {
        self.state.lock().unwrap().log.clone()
    }
}

/// The `Basic` value of `user:password`.
pub fn basic(user: &str, password: &str) -> String {
    const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = format!("{user}:{password}").into_bytes();
    let mut out = String::from("Basic ");
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(STANDARD[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn serve(mut client: TcpStream, state: &Mutex<State>) {
    let mut first = [0u8; 1];
    if client.peek(&mut first).unwrap_or(0) == 0 {
        return;
    }
    let required = state.lock().unwrap().required.clone();
    let (seen, allowed) = if first[0] == 5 {
        match socks5(&mut client, required.as_ref()) {
            Some(seen) => seen,
            None => return,
        }
    } else {
        match http(&mut client, required.as_ref()) {
            Some(seen) => seen,
            None => return,
        }
    };
    let target = seen.target.clone();
    let method = seen.method.clone();
    state.lock().unwrap().log.push(seen);
    if !allowed {
        return;
    }
    let Ok(server) = TcpStream::connect(&target) else {
        let _ = if method == "SOCKS5" {
            client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0])
        } else {
            client.write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        };
        return;
    };
    let ok: &[u8] = if method == "SOCKS5" {
        &[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]
    } else {
        b"HTTP/1.1 200 Connection established\r\n\r\n"
    };
    if client.write_all(ok).is_err() {
        return;
    }
    pipe(client, server);
}

/// An HTTP proxy request: what it asked for, and whether it may go on.
fn http(client: &mut TcpStream, required: Option<&(String, String)>) -> Option<(Seen, bool)> {
    // Byte by byte: what follows the head is the client's, for the server.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).ok()? == 0 || head.len() > 16 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let mut lines = head.split("\r\n");
    let mut request = lines.next()?.split(' ');
    let (method, target) = (request.next()?.to_owned(), request.next()?.to_owned());
    let credentials = lines.find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("proxy-authorization")
            .then(|| value.trim().to_owned())
    });
    let seen = Seen {
        method: method.clone(),
        target,
        credentials: credentials.clone(),
    };
    if method != "CONNECT" {
        let _ = client.write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n");
        return Some((seen, false));
    }
    if let Some((user, password)) = required
        && credentials.as_deref() != Some(basic(user, password).as_str())
    {
        let _ = client.write_all(
            b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic \
              realm=\"fake\"\r\nContent-Length: 0\r\n\r\n",
        );
        return Some((seen, false));
    }
    Some((seen, true))
}

/// A SOCKS5 handshake up to the request (the caller answers it): what it asked for, and whether
/// it may go on.
fn socks5(client: &mut TcpStream, required: Option<&(String, String)>) -> Option<(Seen, bool)> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).ok()?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).ok()?;
    let mut credentials = None;
    let mut allowed = true;
    if let Some((user, password)) = required {
        if !methods.contains(&2) {
            client.write_all(&[5, 0xff]).ok()?;
            return None;
        }
        client.write_all(&[5, 2]).ok()?;
        let mut version_len = [0u8; 2];
        client.read_exact(&mut version_len).ok()?;
        let mut given_user = vec![0u8; usize::from(version_len[1])];
        client.read_exact(&mut given_user).ok()?;
        let mut len = [0u8; 1];
        client.read_exact(&mut len).ok()?;
        let mut given_password = vec![0u8; usize::from(len[0])];
        client.read_exact(&mut given_password).ok()?;
        let given = format!(
            "{}:{}",
            String::from_utf8_lossy(&given_user),
            String::from_utf8_lossy(&given_password)
        );
        allowed = given == format!("{user}:{password}");
        credentials = Some(given);
        client.write_all(&[1, u8::from(!allowed)]).ok()?;
        if !allowed {
            let seen = Seen {
                method: "SOCKS5".to_owned(),
                target: String::new(),
                credentials,
            };
            return Some((seen, false));
        }
    } else {
        client.write_all(&[5, 0]).ok()?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).ok()?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).ok()?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).ok()?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).ok()?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return None,
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).ok()?;
    let seen = Seen {
        method: "SOCKS5".to_owned(),
        target: format!("{host}:{}", u16::from_be_bytes(port)),
        credentials,
    };
    Some((seen, allowed))
}

/// Copy both ways until either side is done.
fn pipe(client: TcpStream, server: TcpStream) {
    let (Ok(mut client_in), Ok(mut server_out)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upstream = std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_in, &mut server_out);
        let _ = server_out.shutdown(Shutdown::Write);
    });
    let (mut server_in, mut client_out) = (server, client);
    let _ = std::io::copy(&mut server_in, &mut client_out);
    let _ = client_out.shutdown(Shutdown::Both);
    let _ = upstream.join();
}
