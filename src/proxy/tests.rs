use std::collections::BTreeMap;

use super::*;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: BTreeMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| vars.get(name).cloned()
}

fn proxied(server: &str, vars: &[(&str, &str)]) -> Option<String> {
    let server: http::Uri = server.parse().unwrap();
    resolve(&server, None, &env(vars))
        .unwrap()
        .map(|p| format!("{} {}", p.shown(), p.source()))
}

#[test]
fn the_schemes_variable_is_used_upper_case_first_then_all_proxy() {
    let vars = [
        ("HTTPS_PROXY", "http://secure:3128"),
        ("https_proxy", "http://lower:3128"),
        ("HTTP_PROXY", "plain:8080"),
        ("ALL_PROXY", "socks5h://all:1080"),
    ];
    assert_eq!(
        proxied("https://api.example.com", &vars).as_deref(),
        Some("http://secure:3128 HTTPS_PROXY")
    );
    assert_eq!(
        proxied("http://127.0.0.1:8080", &vars).as_deref(),
        Some("http://plain:8080 HTTP_PROXY")
    );
    assert_eq!(
        proxied("https://x", &vars[1..]).as_deref(),
        Some("http://lower:3128 https_proxy")
    );
    assert_eq!(
        proxied("https://x", &[("ALL_PROXY", "socks5h://all")]).as_deref(),
        Some("socks5h://all:1080 ALL_PROXY"),
        "no port: curl's 1080"
    );
    // An empty variable is an unset one.
    assert_eq!(
        proxied("https://x", &[("HTTPS_PROXY", ""), ("https_proxy", "p:1")]).as_deref(),
        Some("http://p:1 https_proxy")
    );
    assert_eq!(proxied("https://x", &[("HTTP_PROXY", "p:1")]), None);
    assert_eq!(proxied("https://x", &[]), None);
}

#[test]
fn no_proxy_names_suffixes_addresses_ranges_and_ports() {
    let through = |server: &str, no_proxy: &str| {
        proxied(
            server,
            &[
                ("HTTPS_PROXY", "http://proxy:3128"),
                ("HTTP_PROXY", "http://proxy:3128"),
                ("no_proxy", no_proxy),
            ],
        )
        .is_some()
    };
    let eks = "https://ABC.gr7.eu-west-1.eks.amazonaws.com";
    for (no_proxy, direct) in [
        ("*", true),
        ("amazonaws.com", true),
        (".amazonaws.com", true),
        ("*.eks.amazonaws.com", true),
        ("EKS.AmazonAWS.com.", true),
        ("abc.gr7.eu-west-1.eks.amazonaws.com", true),
        ("ws.com", false),
        ("github.com, ,,amazonaws.com:443", true),
        ("amazonaws.com:6443", false),
        ("localhost", false),
    ] {
        assert_eq!(!through(eks, no_proxy), direct, "{no_proxy}");
    }
    for (no_proxy, direct) in [
        ("127.0.0.1", true),
        ("127.0.0.0/8", true),
        ("10.0.0.0/8", false),
        ("127.0.0.1:8080", true),
        ("127.0.0.1:9090", false),
        ("localhost", false),
        ("0.0.0.0/0", true),
    ] {
        assert_eq!(
            !through("http://127.0.0.1:8080", no_proxy),
            direct,
            "{no_proxy}"
        );
    }
    assert!(!through("http://[::1]:8080", "::1"));
    assert!(!through("http://[::1]:8080", "[::1]:8080"));
    assert!(!through("http://[fd00::5]:8080", "fd00::/8"));
    assert!(through("http://[::1]:8080", "127.0.0.1"));
    assert!(!through("http://localhost:8080", "localhost"));
    assert!(through("http://localhost:8080", "127.0.0.1"));
    // NO_PROXY wins over no_proxy.
    assert!(
        proxied(
            "https://x.example.com",
            &[
                ("HTTPS_PROXY", "p:1"),
                ("NO_PROXY", "example.com"),
                ("no_proxy", "other")
            ]
        )
        .is_none()
    );
}

#[test]
fn the_kubeconfigs_proxy_url_wins_and_no_proxy_does_not_apply_to_it() {
    let server: http::Uri = "https://api.example.com".parse().unwrap();
    let vars = env(&[("HTTPS_PROXY", "http://env:3128"), ("NO_PROXY", "*")]);
    let proxy = resolve(&server, Some("socks5://bastion:1080"), &vars)
        .unwrap()
        .unwrap();
    assert_eq!(proxy.shown(), "socks5://bastion:1080");
    assert_eq!(proxy.source().to_string(), "the kubeconfig's proxy-url");
    assert_eq!(resolve(&server, Some(""), &vars).unwrap(), None);
    // Without a port: kubectl's 80 for an http:// proxy-url, curl's 1080 for the environment.
    let given = resolve(&server, Some("http://proxy"), &env(&[])).unwrap();
    assert_eq!(given.unwrap().shown(), "http://proxy:80");
    let from_env = resolve(&server, None, &env(&[("HTTPS_PROXY", "http://proxy")])).unwrap();
    assert_eq!(from_env.unwrap().shown(), "http://proxy:1080");
}

#[test]
fn credentials_are_decoded_used_and_never_shown() {
    let server: http::Uri = "https://api.example.com".parse().unwrap();
    let vars = env(&[("HTTPS_PROXY", "http://svc%40corp:pa%3Ass@proxy.corp:3128/")]);
    let proxy = resolve(&server, None, &vars).unwrap().unwrap();
    assert_eq!(proxy.shown(), "http://proxy.corp:3128");
    assert_eq!(
        proxy.credentials,
        Some(("svc@corp".to_owned(), "pa:ss".to_owned()))
    );
    // base64("svc@corp:pa:ss")
    assert_eq!(proxy.basic().as_deref(), Some("Basic c3ZjQGNvcnA6cGE6c3M="));
    let debug = format!("{proxy:?}");
    assert!(!debug.contains("pa") && !debug.contains("svc"), "{debug}");
    let secrets = proxy.secrets();
    let text = "sent svc@corp:pa:ss as c3ZjQGNvcnA6cGE6c3M= from svc%40corp:pa%3Ass";
    assert_eq!(
        crate::redact::redact(text, &secrets),
        "sent [redacted] as [redacted] from [redacted]"
    );
}

#[test]
fn unusable_proxy_urls_are_named_never_quoted() {
    let server: http::Uri = "https://api.example.com".parse().unwrap();
    for (value, expected) in [
        ("https://user:hunter22@proxy:443", "spoken to over TLS"),
        ("socks4://user:hunter22@proxy", "scheme `socks4`"),
        ("http://user:hunter22@proxy:notaport", "is not a proxy URL"),
        ("http://user:hunter22@", "is not a proxy URL"),
        ("http://user:hunter22@pro xy:1", "is not a proxy URL"),
    ] {
        let err = resolve(&server, None, &env(&[("HTTPS_PROXY", value)])).unwrap_err();
        assert!(err.starts_with("HTTPS_PROXY "), "{err}");
        assert!(err.contains(expected), "{value}: {err}");
        assert!(!err.contains("hunter22"), "{err}");
    }
    // A proxy NO_PROXY skips is not looked at.
    assert_eq!(
        resolve(
            &server,
            None,
            &env(&[("HTTPS_PROXY", "https://x"), ("NO_PROXY", "example.com")])
        ),
        Ok(None)
    );
    assert!(
        resolve(&server, Some("ftp://p"), &env(&[]))
            .unwrap_err()
            .starts_with("the kubeconfig's proxy-url names a proxy of scheme `ftp`")
    );
}
