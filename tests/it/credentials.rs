//! Credentials never in output: GitHub answers that echo the token (as it is, in base64, in
//! basic auth's form), kubeconfigs that are not valid YAML around their token, exec plugins
//! that fail with the credential on stdout and secrets on stderr, and a Kubernetes API that
//! echoes the bearer token or basic auth. Each run's stdout and stderr must hold none of them,
//! and the errors must still say what went wrong and where.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::cli::TestContext;
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN};
use super::fake_kube::write_kubeconfig;

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
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

/// Assert that none of `secrets` (nor their base64) is in the run's stdout or stderr, except
/// on a line starting with `allowed_line` (the runner's `::add-mask::`).
fn assert_secrets_absent(label: &str, out: &Output, secrets: &[&str], allowed_line: Option<&str>) {
    let mut forms = Vec::new();
    for secret in secrets {
        forms.push((*secret).to_owned());
        let encoded = base64(secret.as_bytes());
        forms.push(encoded.trim_end_matches('=').to_owned());
    }
    for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
        let text = String::from_utf8_lossy(bytes);
        for line in text.lines() {
            if allowed_line.is_some_and(|allowed| line.starts_with(allowed)) {
                continue;
            }
            for form in &forms {
                assert!(
                    !line.contains(form.as_str()),
                    "{label}: {form:?} in {stream}:\n{text}"
                );
            }
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `pr` against the fake, the token in GITHUB_TOKEN, waits in milliseconds.
fn pr(ctx: &TestContext, api_url: &str) -> Command {
    let mut cmd = ctx.cmd(&[
        "pr",
        "--workload",
        "shop/Deployment/frontend",
        "--launched-before",
        "2026-11-20",
        "--cluster",
        "prod-eks",
    ]);
    cmd.args(["--api-url", api_url])
        .args(["--github-repo", &format!("{OWNER}/{NAME}")])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1");
    cmd
}

/// What a careless server or proxy answers: the token as it is, in base64, and as git's basic
/// auth sends it.
fn echo() -> String {
    format!(
        "Bad credentials for {TOKEN} (Authorization: Basic {}; token {})",
        base64(format!("x-access-token:{TOKEN}").as_bytes()),
        base64(TOKEN.as_bytes())
    )
}

#[test]
fn no_failing_github_answer_shows_the_token() {
    let cases: Vec<(&str, &str, u16, Value, &str)> = vec![
        (
            "GET",
            "/gitops",
            401,
            json!({"message": echo(), "documentation_url": "https://docs.github.com/rest"}),
            "(401 Bad credentials for [redacted]",
        ),
        (
            "POST",
            "/git/trees",
            403,
            json!({"message": echo(), "documentation_url": "https://docs.github.com/rest"}),
            "(403 Bad credentials for [redacted]",
        ),
        (
            "GET",
            "/git/ref/heads/main",
            404,
            json!({"message": echo()}),
            "(404 Bad credentials",
        ),
        (
            "POST",
            "/pulls",
            422,
            json!({"message": "Validation Failed", "errors": [{"message": echo()}]}),
            "(422 Validation Failed: Bad credentials for [redacted]",
        ),
        (
            "GET",
            "/gitops",
            502,
            Value::String(format!("<html>proxy error for {TOKEN}</html>")),
            "502 with a body that is not GitHub's error",
        ),
        (
            "GET",
            "/gitops",
            500,
            json!({"message": echo()}),
            "gave up after 5 attempts",
        ),
        (
            "GET",
            "/git/ref/heads/main",
            200,
            json!({"object": TOKEN}),
            "GitHub's answer is not what its API documents",
        ),
        (
            "GET",
            "/gitops",
            400,
            json!({"message": format!("see https://x/?access_token={TOKEN}"),
                   "documentation_url": format!("https://x/{TOKEN}")}),
            "access_token=[redacted]",
        ),
    ];
    for (method, path, status, body, expected) in cases {
        let ctx = TestContext::demo();
        let fake = FakeGithub::start(ctx.path());
        fake.fail(method, path, 10, status, body, &[]);
        let out = pr(&ctx, &fake.url()).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{status}: {err}");
        assert!(
            err.contains(expected),
            "{status}: {expected:?} not in {err}"
        );
        assert_secrets_absent(&format!("{status} {path}"), &out, &[TOKEN], None);

        // Under GitHub Actions the token is masked first, and shown nowhere else.
        let ctx = TestContext::demo();
        let fake = FakeGithub::start(ctx.path());
        fake.fail(method, path, 10, status, json!({"message": echo()}), &[]);
        let runner = tempfile::tempdir().unwrap();
        let out = pr(&ctx, &fake.url())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", runner.path().join("summary"))
            .env("RUNNER_TEMP", runner.path())
            .output()
            .unwrap();
        assert!(stderr(&out).starts_with(&format!("::add-mask::{TOKEN}\n")));
        assert_secrets_absent("actions", &out, &[TOKEN], Some("::add-mask::"));
    }
    // The 401 names GitHub's documentation for it.
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    fake.fail(
        "GET",
        "/gitops",
        1,
        401,
        json!({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"}),
        &[],
    );
    let err = stderr(&pr(&ctx, &fake.url()).output().unwrap());
    assert!(
        err.contains("it is wrong, expired or revoked (see https://docs.github.com/rest)"),
        "{err}"
    );
}

#[test]
fn an_unreachable_github_with_credentials_in_its_url_shows_none() {
    let ctx = TestContext::demo();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://x-access-token:{TOKEN}@127.0.0.1:{port}/api/v3");
    let out = pr(&ctx, &url).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_secrets_absent("unreachable", &out, &[TOKEN], None);
}

/// A Kubernetes API that answers every request 401 with `message`.
struct EchoKube {
    server: MockServer,
    _runtime: tokio::runtime::Runtime,
}

impl EchoKube {
    fn start(message: &str) -> EchoKube {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                          "message": message, "reason": "Unauthorized", "code": 401});
        runtime.block_on(
            Mock::given(any())
                .respond_with(ResponseTemplate::new(401).set_body_json(body))
                .mount(&server),
        );
        EchoKube {
            server,
            _runtime: runtime,
        }
    }
}

fn plan(ctx: &TestContext, kubeconfig: &Path) -> Output {
    ctx.cmd(&["plan", "--launched-before", "2026-11-20"])
        .arg("--kubeconfig")
        .arg(kubeconfig)
        .env("HOME", ctx.path().join("no-home"))
        .output()
        .unwrap()
}

const KUBE_TOKEN: &str = "k8s-aws-v1.aHR0cHM6Ly9zdHMuZXUtd2VzdC0xLmFtYXpvbmF3cy5jb20";
const PASSWORD: &str = "correct-horse-battery";

#[test]
fn a_kubernetes_api_echoing_credentials_shows_none() {
    let ctx = TestContext::demo();
    let basic = base64(format!("admin:{PASSWORD}").as_bytes());
    let api = EchoKube::start(&format!(
        "token {KUBE_TOKEN} refused; Authorization: Basic {basic}; password {PASSWORD}; an unknown \
         one: ghp_abcdefghijklmnopqrstuvwxyz0123456789"
    ));
    // The token and the unknown GitHub token are redacted by their shape, basic auth by its
    // form; the password only where the kubeconfig holds it.
    let shaped = [
        KUBE_TOKEN,
        basic.as_str(),
        "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    ];
    for (user, known) in [
        (format!("token: {KUBE_TOKEN}"), None),
        (
            format!("username: admin\npassword: {PASSWORD}"),
            Some(PASSWORD),
        ),
    ] {
        let kubeconfig = write_kubeconfig(ctx.path(), "kubeconfig", &api.server.uri(), &user);
        let out = plan(&ctx, &kubeconfig);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("credentials were refused (401 Unauthorized)"),
            "{err}"
        );
        let mut secrets = shaped.to_vec();
        secrets.extend(known);
        assert_secrets_absent("401", &out, &secrets, None);
    }
}

#[test]
fn a_malformed_kubeconfig_is_named_by_line_and_column_not_quoted() {
    let ctx = TestContext::demo();
    let path = ctx.path().join("broken-kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nclusters:\n- name: c\n  cluster: {{server: \"https://127.0.0.1:1\"}}\n\
             users:\n- name: u\n  user:\n    token: {KUBE_TOKEN}\n    password: [{PASSWORD}\n"
        ),
    )
    .unwrap();
    let out = plan(&ctx, &path);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}: not a valid kubeconfig at line ",
            path.display()
        )),
        "{err}"
    );
    assert_secrets_absent("kubeconfig", &out, &[KUBE_TOKEN, PASSWORD], None);
}

/// A kubeconfig whose exec plugin is `script`, with a secret in its arguments and in its
/// environment.
fn exec_kubeconfig(ctx: &TestContext, script: &str) -> std::path::PathBuf {
    let path = ctx.path().join("plugin.sh");
    std::fs::write(&path, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    write_kubeconfig(
        ctx.path(),
        "exec-kubeconfig",
        "https://127.0.0.1:1",
        &format!(
            "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: {}\n  \
             args: [\"--role-secret\", \"arg-secret-value\"]\n  env: [{{name: AWS_SECRET_ACCESS_KEY, \
             value: env-secret-value}}]\n  interactiveMode: Never",
            path.display()
        ),
    )
}

#[test]
fn a_failing_exec_plugin_is_named_with_its_status_and_never_its_output() {
    let ctx = TestContext::demo();
    // It prints the credential, then fails, saying the secrets on stderr.
    let kubeconfig = exec_kubeconfig(
        &ctx,
        &format!(
            "#!/bin/sh\necho '{{\"status\":{{\"token\":\"{KUBE_TOKEN}\"}}}}'\n\
             echo \"denied for $AWS_SECRET_ACCESS_KEY\" >&2\necho second line >&2\nexit 3\n"
        ),
    );
    let out = plan(&ctx, &kubeconfig);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "the exec plugin `{}` failed with exit status 3: denied for [redacted]",
            ctx.path().join("plugin.sh").display()
        )),
        "{err}"
    );
    assert!(!err.contains("second line"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert!(!err.contains("Output {"), "{err}");
    assert_secrets_absent(
        "exec failed",
        &out,
        &[
            KUBE_TOKEN,
            "env-secret-value",
            "arg-secret-value",
            "KUBERNETES_EXEC_INFO",
        ],
        None,
    );

    // It succeeds but prints something that is not an ExecCredential, the token in it.
    let kubeconfig = exec_kubeconfig(&ctx, &format!("#!/bin/sh\necho 'status: [{KUBE_TOKEN}'\n"));
    let out = plan(&ctx, &kubeconfig);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("printed no ExecCredential at line "), "{err}");
    assert_secrets_absent("exec output", &out, &[KUBE_TOKEN, "env-secret-value"], None);
}

#[test]
fn an_exec_plugin_that_is_not_installed_is_named_with_the_install_hint() {
    let ctx = TestContext::demo();
    let kubeconfig = |name: &str, hint: &str| {
        write_kubeconfig(
            ctx.path(),
            name,
            "https://127.0.0.1:1",
            &format!(
                "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: \
                 aws-iam-authenticator-not-installed\n  args: [\"token\", \"--secret\", \
                 \"arg-secret-value\"]\n  interactiveMode: Never{hint}"
            ),
        )
    };
    let with_hint = kubeconfig(
        "with-hint",
        "\n  installHint: |\n    aws-iam-authenticator is required: brew install \
         aws-iam-authenticator\n    See https://docs.aws.amazon.com/eks/ for other systems.",
    );
    let out = plan(&ctx, &with_hint);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        err.trim_end(),
        "error: cannot load the cluster configuration: cannot get credentials from the \
         kubeconfig: cannot run the exec plugin `aws-iam-authenticator-not-installed`: no such \
         program; the kubeconfig says: aws-iam-authenticator is required: brew install \
         aws-iam-authenticator"
    );

    let without = kubeconfig("without-hint", "");
    let out = plan(&ctx, &without);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "cannot run the exec plugin `aws-iam-authenticator-not-installed`: no such program; \
             install it (on PATH, for the user running this), or correct the command of the \
             kubeconfig user's `exec`"
        ),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert_secrets_absent("exec missing", &out, &["arg-secret-value"], None);
}
