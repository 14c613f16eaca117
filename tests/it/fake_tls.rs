//! A TLS front for the plain-HTTP fakes: it accepts TLS on a loopback port with the test
//! certificate of `fixtures/tls` (127.0.0.1 and localhost, signed by the test CA `ca.pem`) and
//! copies the decrypted bytes to and from the fake behind it, so that a client speaks https to
//! the fake end to end, through a proxy's tunnel or not.

use std::path::PathBuf;
use std::sync::Arc;

use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::cli::fixtures;

/// The test CA's certificate: what a client must trust (a kubeconfig's `certificate-authority`,
/// `SSL_CERT_FILE` for GitHub's client).
pub fn ca_file() -> PathBuf {
    fixtures().join("tls/ca.pem")
}

/// `https://127.0.0.1:PORT` serving what the fake at `plain` (`http://127.0.0.1:PORT`) serves.
/// The front runs as long as the test process.
pub fn https_front(plain: &str) -> String {
    let plain = plain
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let dir = fixtures().join("tls");
    let certs = CertificateDer::pem_file_iter(dir.join("server.pem"))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((stream, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                let plain = plain.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(stream).await else {
                        return;
                    };
                    let Ok(mut server) = tokio::net::TcpStream::connect(&plain).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut server).await;
                });
            }
        });
    });
    format!("https://127.0.0.1:{port}")
}
