//! Proxies, end to end: `plan` against the fake Kubernetes API and `pr` against the fake GitHub,
//! through the loopback proxy of [`super::fake_proxy`] when `HTTP_PROXY` says so (the fakes are
//! http on 127.0.0.1), directly when `NO_PROXY` names them; the kubeconfig's `proxy-url` (a
//! SOCKS5 proxy here) before the environment; credentials sent and never shown; an unreachable
//! or refusing proxy named, with the cause and without its password.
//!
//! https servers (the fakes behind a TLS front with a test CA) are reached through the tunnel
//! with TLS end to end, the Kubernetes API trusting the kubeconfig's CA, GitHub's client the
//! system's roots (`SSL_CERT_FILE`).
//!
//! Loopback is not special, as with curl: 127.0.0.1 goes through the proxy unless `NO_PROXY`
//! names it (`localhost` does not name it).

use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use super::cli::{TestContext, fixtures};
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN as GITHUB_TOKEN};
use super::fake_kube::write_kubeconfig;
use super::fake_kube::{FakeKube, TOKEN as KUBE_TOKEN};
use super::fake_proxy::{FakeProxy, Seen, basic};
use super::fake_tls::{ca_file, https_front};

const USER: &str = "svc-gitops";
const PASSWORD: &str = "proxy-Pa55word-never-shown";

fn demo(file: &str) -> String {
    fixtures().join("demo").join(file).display().to_string()
}

/// The host and port of a fake's `http://127.0.0.1:PORT`.
fn authority(url: &str) -> String {
    url.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// Run, and check that no credential (the kube and GitHub tokens, the proxy's password, and its
/// `user:password` in base64) shows on stdout or stderr.
fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    let encoded = basic(USER, PASSWORD);
    let encoded = encoded.trim_start_matches("Basic ").trim_end_matches('=');
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        for secret in [KUBE_TOKEN, GITHUB_TOKEN, PASSWORD, encoded] {
            assert!(!text.contains(secret), "{secret} was printed:\n{text}");
        }
        assert!(!text.contains("panicked"), "{text}");
    }
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn report(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `plan` of the demo against `kubeconfig`, in JSON.
fn plan(ctx: &TestContext, kubeconfig: &std::path::Path) -> Command {
    let mut cmd = ctx.cmd(&[
        "plan",
        "--kubeconfig",
        &kubeconfig.display().to_string(),
        "--notice",
        &demo("notice.json"),
        "--output",
        "json",
    ]);
    cmd.env("HOME", ctx.path().join("no-home"));
    cmd
}

/// The fake Kubernetes API with the demo's objects, and its kubeconfig.
fn fake_kube(ctx: &TestContext) -> (FakeKube, std::path::PathBuf) {
    let fake = FakeKube::from_snapshot(&fixtures().join("demo/snapshot.json"));
    let kubeconfig = fake.kubeconfig(ctx.path());
    (fake, kubeconfig)
}

/// Every request the proxy saw is a tunnel to `target`; there is at least one.
fn assert_tunnels_to(proxy: &FakeProxy, method: &str, target: &str) -> Vec<Seen> {
    let log = proxy.log();
    assert!(!log.is_empty(), "nothing went through the proxy");
    for seen in &log {
        assert_eq!(
            (seen.method.as_str(), seen.target.as_str()),
            (method, target),
            "{log:?}"
        );
    }
    log
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn plan_goes_through_http_proxy_unless_no_proxy_names_the_server() {
    let ctx = TestContext::demo();
    let (fake, kubeconfig) = fake_kube(&ctx);
    let direct = report(&run(&mut plan(&ctx, &kubeconfig)));
    assert!(!direct["workloads"].as_array().unwrap().is_empty());
    let requests = fake.log().len();

    let proxy = FakeProxy::start();
    let through = report(&run(plan(&ctx, &kubeconfig).env("HTTP_PROXY", proxy.url())));
    assert_eq!(through, direct, "the same plan through the proxy");
    assert_tunnels_to(&proxy, "CONNECT", &authority(&fake.server()));
    assert_eq!(
        fake.log().len(),
        2 * requests,
        "the same requests reached the API"
    );
    assert!(fake.unexpected().is_empty());

    // NO_PROXY naming the server's address, its range, or the address with its port: direct.
    for no_proxy in [
        "127.0.0.1",
        "example.com, 127.0.0.0/8",
        &authority(&fake.server()),
    ] {
        let before = proxy.log().len();
        let out = run(plan(&ctx, &kubeconfig)
            .env("HTTP_PROXY", proxy.url())
            .env("NO_PROXY", no_proxy));
        assert_eq!(report(&out), direct);
        assert_eq!(proxy.log().len(), before, "NO_PROXY={no_proxy}");
    }
    // Loopback is not special: `localhost` or another port does not name 127.0.0.1:PORT.
    for no_proxy in ["localhost", "127.0.0.1:1"] {
        let before = proxy.log().len();
        let out = run(plan(&ctx, &kubeconfig)
            .env("http_proxy", proxy.url())
            .env("no_proxy", no_proxy));
        assert_eq!(report(&out), direct);
        assert!(proxy.log().len() > before, "no_proxy={no_proxy}");
    }
    // HTTPS_PROXY is for https servers: this one is http.
    let out =
        run(plan(&ctx, &kubeconfig)
            .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", closed_port())));
    assert_eq!(report(&out), direct);
}

#[test]
fn the_kubeconfigs_proxy_url_comes_before_the_environment() {
    let ctx = TestContext::demo();
    let (fake, kubeconfig) = fake_kube(&ctx);
    let direct = report(&run(&mut plan(&ctx, &kubeconfig)));
    let socks = FakeProxy::requiring(USER, PASSWORD);
    // A SOCKS5 proxy with credentials in the kubeconfig, a dead one in the environment, and a
    // NO_PROXY that would skip any proxy of the environment's.
    let text = std::fs::read_to_string(&kubeconfig).unwrap();
    let server_line = format!("      server: {}\n", fake.server());
    assert!(text.contains(&server_line));
    for scheme in ["socks5h", "socks5"] {
        let with_proxy = text.replace(
            &server_line,
            &format!(
                "{server_line}      proxy-url: {}\n",
                socks.url_with(scheme, USER, PASSWORD)
            ),
        );
        let path = ctx.path().join(format!("kubeconfig-{scheme}"));
        std::fs::write(&path, with_proxy).unwrap();
        let out = run(plan(&ctx, &path)
            .env("HTTP_PROXY", format!("http://127.0.0.1:{}", closed_port()))
            .env("NO_PROXY", "*"));
        assert_eq!(report(&out), direct, "{scheme}");
    }
    let log = assert_tunnels_to(&socks, "SOCKS5", &authority(&fake.server()));
    let sent = format!("{USER}:{PASSWORD}");
    assert!(
        log.iter()
            .all(|seen| seen.credentials.as_deref() == Some(sent.as_str()))
    );

    // Wrong credentials: refused, named, not shown.
    let wrong = text.replace(
        &server_line,
        &format!(
            "{server_line}      proxy-url: {}\n",
            socks.url_with("socks5h", USER, "wrong-pass")
        ),
    );
    let path = ctx.path().join("kubeconfig-wrong");
    std::fs::write(&path, wrong).unwrap();
    let out = run(&mut plan(&ctx, &path));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the proxy socks5h://127.0.0.1:{} (from the kubeconfig's proxy-url) could not open a \
             connection to {}: it refused the user and password given in its URL",
            socks.port(),
            authority(&fake.server())
        )),
        "{err}"
    );
    assert!(!err.contains("wrong-pass"), "{err}");
}

#[test]
fn proxy_credentials_are_sent_and_never_shown() {
    let ctx = TestContext::demo();
    let (fake, kubeconfig) = fake_kube(&ctx);
    let proxy = FakeProxy::requiring(USER, PASSWORD);
    // Debug logs on: they name the proxy, never its password.
    let out = run(plan(&ctx, &kubeconfig)
        .arg("-vv")
        .env("HTTP_PROXY", proxy.url_with("http", USER, PASSWORD)));
    report(&out);
    assert!(
        stderr(&out).contains(&format!("proxy=http://127.0.0.1:{}", proxy.port())),
        "{}",
        stderr(&out)
    );
    let log = assert_tunnels_to(&proxy, "CONNECT", &authority(&fake.server()));
    let expected = basic(USER, PASSWORD);
    assert!(
        log.iter()
            .all(|seen| seen.credentials.as_deref() == Some(expected.as_str())),
        "{log:?}"
    );

    // No credentials, then wrong ones: 407, said in one line with what to do.
    let out = run(plan(&ctx, &kubeconfig).env("HTTP_PROXY", proxy.url()));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the proxy http://127.0.0.1:{} (from HTTP_PROXY) asks for credentials (407 Proxy \
             Authentication Required): give them in HTTP_PROXY as http://USER:PASSWORD@HOST:PORT",
            proxy.port()
        )),
        "{err}"
    );
    let out = run(plan(&ctx, &kubeconfig).env(
        "HTTP_PROXY",
        proxy.url_with("http", USER, "not-the-password"),
    ));
    let err = stderr(&out);
    assert!(
        err.contains(
            "refused the user and password given in its URL (407 Proxy Authentication \
                      Required): check them in HTTP_PROXY"
        ),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

#[test]
fn an_unreachable_or_unusable_proxy_is_named_with_the_cause() {
    let ctx = TestContext::demo();
    let (fake, kubeconfig) = fake_kube(&ctx);
    let port = closed_port();
    let out = run(plan(&ctx, &kubeconfig).env(
        "HTTP_PROXY",
        format!("http://{USER}:{PASSWORD}@127.0.0.1:{port}"),
    ));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "cannot reach the Kubernetes API at {} (context fake-ctx)",
            fake.server()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "cannot connect to the proxy http://127.0.0.1:{port} (from HTTP_PROXY): tcp connect \
             error: Connection refused"
        )),
        "{err}"
    );
    assert!(
        err.contains("check HTTP_PROXY, or add 127.0.0.1 to NO_PROXY to reach it directly"),
        "{err}"
    );
    assert!(fake.log().is_empty());

    // A proxy URL the tool can't use: named, never quoted.
    let out = run(plan(&ctx, &kubeconfig).env(
        "ALL_PROXY",
        format!("https://{USER}:{PASSWORD}@proxy.corp:443"),
    ));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "ALL_PROXY names a proxy spoken to over TLS (https://), which is not supported: give \
             its http:// address"
        ),
        "{err}"
    );
    assert!(!err.contains(USER), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}

/// `pr` of the demo's frontend against the fake GitHub at `api_url`, in JSON.
fn pr(ctx: &TestContext, api_url: &str) -> Command {
    let mut cmd = ctx.cmd(&[
        "pr",
        "--workload",
        "shop/Deployment/frontend",
        "--launched-before",
        "2026-11-20",
        "--deadline",
        "2026-12-04",
        "--cluster",
        "prod-eks",
        "--output",
        "json",
        "--api-url",
        api_url,
        "--github-repo",
        &format!("{OWNER}/{NAME}"),
    ]);
    cmd.env("GITHUB_TOKEN", GITHUB_TOKEN)
        .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1");
    cmd
}

#[test]
fn pr_goes_through_the_proxy_unless_no_proxy_names_github() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let proxy = FakeProxy::requiring(USER, PASSWORD);
    let created = report(&run(
        pr(&ctx, &fake.url()).env("HTTP_PROXY", proxy.url_with("http", USER, PASSWORD))
    ));
    assert_eq!(created["pull_request"]["operation"], "created");
    assert_eq!(fake.pulls().len(), 1);
    let log = assert_tunnels_to(&proxy, "CONNECT", &authority(&fake.url()));
    let expected = basic(USER, PASSWORD);
    assert!(
        log.iter()
            .all(|seen| seen.credentials.as_deref() == Some(expected.as_str()))
    );

    let before = proxy.log().len();
    let again = report(&run(pr(&ctx, &fake.url())
        .env("HTTP_PROXY", proxy.url_with("http", USER, PASSWORD))
        .env("NO_PROXY", "127.0.0.1")));
    assert_eq!(again["pull_request"]["operation"], "unchanged");
    assert_eq!(proxy.log().len(), before, "NO_PROXY names the API's host");

    // An unreachable proxy: named, with the cause, its password not shown, nothing sent.
    fake.clear_log();
    let port = closed_port();
    let out = run(pr(&ctx, &fake.url()).env(
        "HTTP_PROXY",
        format!("http://{USER}:{PASSWORD}@127.0.0.1:{port}"),
    ));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "cannot connect to the proxy http://127.0.0.1:{port} (from HTTP_PROXY): tcp connect \
             error: Connection refused"
        )),
        "{err}"
    );
    assert!(fake.log().is_empty(), "{:?}", fake.log());
}

#[test]
fn https_servers_are_reached_through_the_tunnel_with_tls_end_to_end() {
    let ctx = TestContext::demo();
    let fake = FakeKube::from_snapshot(&fixtures().join("demo/snapshot.json"));
    let server = https_front(&fake.server());
    let kubeconfig = write_kubeconfig(
        ctx.path(),
        "https-kubeconfig",
        &server,
        &format!("token: {KUBE_TOKEN}"),
    );
    let text = std::fs::read_to_string(&kubeconfig).unwrap().replace(
        &format!("      server: {server}\n"),
        &format!(
            "      server: {server}\n      certificate-authority: {}\n",
            ca_file().display()
        ),
    );
    std::fs::write(&kubeconfig, text).unwrap();
    let direct = report(&run(&mut plan(&ctx, &kubeconfig)));
    assert!(!direct["workloads"].as_array().unwrap().is_empty());

    let proxy = FakeProxy::start();
    let through = report(&run(plan(&ctx, &kubeconfig)
        .env("HTTPS_PROXY", proxy.url())
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", closed_port()))));
    assert_eq!(through, direct);
    assert_tunnels_to(
        &proxy,
        "CONNECT",
        &authority(&server.replace("https", "http")),
    );
    assert!(fake.unexpected().is_empty());

    // GitHub over https through the proxy, trusting the test CA as a system root.
    let github = FakeGithub::start(ctx.path());
    let api = https_front(&github.url());
    let proxy = FakeProxy::start();
    let created = report(&run(pr(&ctx, &api)
        .env("SSL_CERT_FILE", ca_file())
        .env("HTTPS_PROXY", proxy.url())));
    assert_eq!(created["pull_request"]["operation"], "created");
    assert_eq!(github.pulls().len(), 1);
    assert_tunnels_to(&proxy, "CONNECT", &authority(&api.replace("https", "http")));
}
