//! End-to-end: the live inventory, `verify` and `rbac`, against a fake Kubernetes API on
//! loopback (see `fake_kube`), fed by the demo snapshot's objects.
//!
//! Each test checks what the fake saw: GETs only, discovery plus one request per page (plus
//! the retries a fault causes), nothing it could not answer; and that the bearer token never
//! reaches stdout or stderr.

use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::cli::{TestContext, fixtures};
use crate::fake_kube::{FakeKube, Fault, Logged, Rollouts, TOKEN, write_kubeconfig};

fn demo(file: &str) -> String {
    fixtures().join("demo").join(file).display().to_string()
}

fn fake() -> FakeKube {
    // 4 items a page: every list of the demo needs several pages.
    FakeKube::from_snapshot(&fixtures().join("demo/snapshot.json")).page_cap(4)
}

/// Run the binary with no kubeconfig of the user's, nothing from the environment that could
/// reach a real cluster, and check the token stays out of its output.
fn run(ctx: &TestContext, args: &[&str]) -> Output {
    let out = ctx
        .cmd(args)
        .env("HOME", ctx.path().join("no-home"))
        .output()
        .unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(TOKEN), "the token leaked:\n{text}");
        assert!(
            !text.contains("c2VjcmV0LXRva2Vu"),
            "part of the token leaked:\n{text}"
        );
        assert!(!text.contains("panicked"), "{text}");
    }
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.code() != Some(1),
        "exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(out)))
}

/// A list request: GET with `limit=500`, never a single object's path.
fn is_list(r: &Logged) -> bool {
    r.method == "GET"
        && r.query("limit").as_deref() == Some("500")
        && r.path()
            .rsplit('/')
            .next()
            .is_some_and(|p| p.ends_with('s'))
        && r.path().split('/').count() == 4 + usize::from(r.path().starts_with("/apis/"))
}

fn is_discovery(r: &Logged) -> bool {
    r.method == "GET" && matches!(r.path(), "/apis" | "/apis/argoproj.io/v1alpha1")
}

/// The fake saw discovery and list calls only, all authorized, nothing unexpected.
fn assert_clean_log(fake: &FakeKube) {
    assert!(
        fake.unexpected().is_empty(),
        "unexpected: {:?}",
        fake.unexpected()
    );
    for r in fake.log() {
        assert!(is_list(&r) || is_discovery(&r), "not a list call: {r:?}");
        assert!(r.authorized, "sent without the token: {r:?}");
    }
}

fn plan_args(kubeconfig: &std::path::Path) -> Vec<String> {
    vec![
        "plan".into(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--notice".into(),
        demo("notice.json"),
        "--output".into(),
        "json".into(),
    ]
}

fn args(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[test]
fn the_live_plan_equals_the_snapshot_plan_in_list_calls_only() {
    let ctx = TestContext::demo();
    let fake = fake();
    let kubeconfig = fake.kubeconfig(ctx.path());
    let live = json_of(&run(&ctx, &args(&plan_args(&kubeconfig))));
    let snapshot = json_of(&run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &demo("notice.json"),
            "--output",
            "json",
        ],
    ));
    assert_eq!(live, snapshot);
    assert!(!live["workloads"].as_array().unwrap().is_empty());

    assert_clean_log(&fake);
    let log = fake.log();
    // Discovery first, then one request per page, and nothing else.
    assert_eq!(log[0].path(), "/apis");
    assert_eq!(log[1].path(), "/apis/argoproj.io/v1alpha1");
    let pages = log.iter().filter(|r| is_list(r)).count();
    assert_eq!(pages, fake.expected_pages());
    assert_eq!(log.len(), pages + 2);
    // 18 pods at 4 a page: 5 pages, chained by continue tokens.
    let pods: Vec<&Logged> = log.iter().filter(|r| r.path() == "/api/v1/pods").collect();
    assert_eq!(pods.len(), 5);
    assert_eq!(pods[0].query("continue"), None);
    assert_eq!(pods[1].query("continue").as_deref(), Some("/api/v1/pods@4"));

    // apply from the cluster writes what plan showed.
    let out = run(
        &ctx,
        &[
            "apply",
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "--notice",
            &demo("notice.json"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let edited = live["edits"].as_array().unwrap();
    assert!(!edited.is_empty());
    for edit in edited {
        let file = edit["file"].as_str().unwrap();
        assert!(ctx.read(file).contains("2026-11-20T09:00:00Z"), "{file}");
    }
}

#[test]
fn kubeconfig_env_and_context_choose_the_cluster_and_name_it() {
    let ctx = TestContext::demo();
    let fake = fake();
    // Two contexts: the current one points at a closed port, --context picks the fake.
    let path = ctx.path().join("two-contexts");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: fake\n    cluster:\n      server: {}\n  - name: dead\n    cluster:\n      server: http://127.0.0.1:9\n\
             contexts:\n  - name: arn:aws:eks:eu-west-1:111122223333:cluster/live-eks\n    context:\n      cluster: fake\n      user: u\n  - name: dead\n    context:\n      cluster: dead\n      user: u\n\
             current-context: dead\nusers:\n  - name: u\n    user:\n      token: {TOKEN}\n",
            fake.server()
        ),
    )
    .unwrap();
    let out = ctx
        .cmd(&[
            "plan",
            "--context",
            "arn:aws:eks:eu-west-1:111122223333:cluster/live-eks",
            "--launched-before",
            "2026-11-20T09:00:00Z",
            "--output",
            "json",
        ])
        .env("KUBECONFIG", &path)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    let report = json_of(&out);
    // No notice: the cluster name comes from the EKS context ARN.
    assert_eq!(report["cluster"], "live-eks");
    assert_clean_log(&fake);
}

#[test]
fn an_exec_plugin_supplies_the_token() {
    let ctx = TestContext::demo();
    let fake = fake();
    // What `aws eks get-token` prints, from a script.
    let script = ctx.path().join("get-token.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{TOKEN}\"}}}}'\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let kubeconfig = write_kubeconfig(
        ctx.path(),
        "exec-kubeconfig",
        &fake.server(),
        &format!(
            "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: {}\n  interactiveMode: Never",
            script.display()
        ),
    );
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    json_of(&out);
    assert_clean_log(&fake);
}

/// A kubeconfig whose exec plugin is the shell script `body` (made executable).
fn exec_plugin_kubeconfig(ctx: &TestContext, fake: &FakeKube, body: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let script = ctx.path().join("get-token.sh");
    std::fs::write(&script, format!("#!/bin/sh\n{body}")).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    write_kubeconfig(
        ctx.path(),
        "exec-kubeconfig",
        &fake.server(),
        &format!(
            "exec:\n  apiVersion: client.authentication.k8s.io/v1beta1\n  command: {}\n  interactiveMode: Never",
            script.display()
        ),
    )
}

/// Whether process `pid` is running (not gone, not a zombie nobody reaped yet).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(") ").map(|(_, rest)| rest.chars().next());
        state != Some(Some('Z'))
    })
}

#[test]
fn an_exec_plugin_that_hangs_is_stopped_at_the_request_timeout_with_what_it_started() {
    let ctx = TestContext::demo();
    let fake = fake();
    // The plugin, and a `sleep` it starts, say who they are, then wait for a minute.
    let pids = ctx.path().join("pids");
    let kubeconfig = exec_plugin_kubeconfig(
        &ctx,
        &fake,
        &format!(
            "echo $$ > {pids}\nsleep 60 &\necho $! >> {pids}\nwait\n",
            pids = pids.display()
        ),
    );
    let mut argv = plan_args(&kubeconfig);
    argv.extend(["--request-timeout".into(), "2s".into()]);
    let started = Instant::now();
    let out = run(&ctx, &args(&argv));
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(took >= Duration::from_secs(2), "{took:?}");
    assert!(
        err.contains(&format!(
            "the exec plugin `{}` produced no credentials in 2s, so it was stopped",
            ctx.path().join("get-token.sh").display()
        )),
        "{err}"
    );
    assert!(err.contains("give --request-timeout more time"), "{err}");
    assert!(out.stdout.is_empty());
    // Nothing reached the API, and nothing the plugin started is left running.
    assert!(fake.log().is_empty(), "{:?}", fake.log());
    let pids: Vec<u32> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(|l| l.trim().parse().unwrap())
        .collect();
    assert_eq!(pids.len(), 2);
    std::thread::sleep(Duration::from_millis(200));
    for pid in pids {
        assert!(!running(pid), "process {pid} is still running");
    }
}

#[test]
fn an_exec_plugin_runs_once_and_again_only_when_its_token_expires() {
    let ctx = TestContext::demo();
    let fake = fake();
    let runs = ctx.path().join("runs");
    let credential = |expires: &str| {
        format!(
            "echo run >> {runs}\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\
             \"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{TOKEN}\"{expires}}}}}'\n",
            runs = runs.display()
        )
    };
    let count = || std::fs::read_to_string(&runs).unwrap().lines().count();
    // No expiry: one run for the whole listing (kube ran it for each client it built).
    let kubeconfig = exec_plugin_kubeconfig(&ctx, &fake, &credential(""));
    json_of(&run(&ctx, &args(&plan_args(&kubeconfig))));
    assert_eq!(count(), 1);
    // A token that expires within the minute is refreshed before each request.
    std::fs::remove_file(&runs).unwrap();
    let soon = (chrono::Utc::now() + chrono::Duration::seconds(30)).to_rfc3339();
    let kubeconfig = exec_plugin_kubeconfig(
        &ctx,
        &fake,
        &credential(&format!(",\"expirationTimestamp\":\"{soon}\"")),
    );
    let before = fake.log().len();
    json_of(&run(&ctx, &args(&plan_args(&kubeconfig))));
    let requests = fake.log().len() - before;
    assert_eq!(count(), 1 + requests);
    assert_clean_log(&fake);
}

#[test]
fn absent_rollouts_are_not_an_error() {
    for rollouts in [Rollouts::Absent, Rollouts::ArgoCdOnly] {
        let ctx = TestContext::demo();
        let fake = fake().rollouts(rollouts);
        let kubeconfig = fake.kubeconfig(ctx.path());
        let out = run(&ctx, &args(&plan_args(&kubeconfig)));
        let report = json_of(&out);
        let checkout = report["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["name"] == "checkout")
            .unwrap_or_else(|| panic!("{report}"));
        // The Rollout is inferred from its ReplicaSet, with the warning the snapshot path gives.
        assert_eq!(checkout["kind"], "Rollout");
        assert_clean_log(&fake);
        assert!(fake.log().iter().all(|r| !r.path().ends_with("/rollouts")));
        let discovery = fake.log().iter().filter(|r| is_discovery(r)).count();
        assert_eq!(discovery, if rollouts == Rollouts::Absent { 1 } else { 2 });
    }
}

#[test]
fn forbidden_names_the_verb_and_resource_and_points_to_rbac() {
    for (suffix, resource) in [
        ("/pods", "list pods across all namespaces"),
        (
            "/rollouts",
            "list rollouts.argoproj.io across all namespaces",
        ),
        ("/poddisruptionbudgets", "list poddisruptionbudgets.policy"),
    ] {
        let ctx = TestContext::demo();
        let fake = fake().fault(suffix, Fault::Forbidden, None);
        let kubeconfig = fake.kubeconfig(ctx.path());
        let out = run(&ctx, &args(&plan_args(&kubeconfig)));
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(&format!("forbidden to {resource}")), "{err}");
        assert!(err.contains("gitops-restart rbac"), "{err}");
        assert!(
            err.contains(&fake.server()) && err.contains("context fake-ctx"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
        // A 403 is an answer: asked once, not retried.
        let hits = fake
            .log()
            .iter()
            .filter(|r| r.path().ends_with(suffix))
            .count();
        assert_eq!(hits, 1);
    }
}

#[test]
fn refused_credentials_say_so() {
    let ctx = TestContext::demo();
    let fake = fake();
    let kubeconfig = write_kubeconfig(ctx.path(), "bad", &fake.server(), "token: not-the-token");
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("credentials were refused (401 Unauthorized)"),
        "{err}"
    );
    assert!(!err.contains("not-the-token"), "{err}");
    assert_eq!(fake.log().len(), 1);
}

#[test]
fn an_expired_continue_token_restarts_that_list() {
    let ctx = TestContext::demo();
    let fake = fake().fault("/pods", Fault::Expired, Some(1));
    let kubeconfig = fake.kubeconfig(ctx.path());
    let live = json_of(&run(&ctx, &args(&plan_args(&kubeconfig))));
    let reference = fake_plan(&ctx);
    assert_eq!(live, reference);
    assert_clean_log(&fake);
    let pods: Vec<Logged> = fake
        .log()
        .into_iter()
        .filter(|r| r.path() == "/api/v1/pods")
        .collect();
    // Page 1, page 2 refused with 410, then all 5 pages again from the start.
    assert_eq!(pods.len(), 2 + 5);
    assert_eq!(pods[2].query("continue"), None);

    // A token that keeps expiring gives up with a clear error.
    let ctx = TestContext::demo();
    let fake = self::fake().fault("/pods", Fault::Expired, None);
    let kubeconfig = fake.kubeconfig(ctx.path());
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the list of pods expired (410 Gone) 3 times"),
        "{err}"
    );
}

#[test]
fn a_repeated_continue_token_ends_the_run_naming_the_list_and_server() {
    let ctx = TestContext::demo();
    // Page 1 gives a token; every page asked with it gives that token again.
    let fake = fake().fault("/replicasets", Fault::RepeatContinue, None);
    let kubeconfig = fake.kubeconfig(ctx.path());
    let started = Instant::now();
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    assert!(started.elapsed() < Duration::from_secs(10));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(
        err.contains(&format!(
            "{} (context fake-ctx): the list of replicasets.apps across all namespaces gave a \
             continue token it had given before (after 2 pages)",
            fake.server()
        )),
        "{err}"
    );
    assert!(err.contains("repeats pages"), "{err}");
    assert_clean_log(&fake);
    // Page 1 gives the token, page 2 (asked with it) gives it again: no page more.
    let replicasets = fake
        .log()
        .iter()
        .filter(|r| r.path() == "/apis/apps/v1/replicasets")
        .count();
    assert_eq!(replicasets, 2);
}

/// The plan from the fake with no faults, for comparison.
fn fake_plan(ctx: &TestContext) -> Value {
    let reference = fake();
    let kubeconfig = write_kubeconfig(
        ctx.path(),
        "reference-kubeconfig",
        &reference.server(),
        &format!("token: {TOKEN}"),
    );
    json_of(&run(ctx, &args(&plan_args(&kubeconfig))))
}

#[test]
fn server_errors_are_retried_then_reported() {
    let ctx = TestContext::demo();
    let fake = fake().fault("/deployments", Fault::ServerError, Some(2));
    let kubeconfig = fake.kubeconfig(ctx.path());
    let live = json_of(&run(&ctx, &args(&plan_args(&kubeconfig))));
    assert_eq!(live, fake_plan(&ctx));
    assert_clean_log(&fake);
    assert_eq!(fake.log().len(), fake.expected_pages() + 2 + 2);

    let ctx = TestContext::demo();
    let fake = self::fake().fault("/deployments", Fault::ServerError, None);
    let kubeconfig = fake.kubeconfig(ctx.path());
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("list deployments.apps failed 4 times, giving up: 500"),
        "{err}"
    );
    assert!(err.contains(&fake.server()), "{err}");
    let hits = fake
        .log()
        .iter()
        .filter(|r| r.path().ends_with("/deployments"))
        .count();
    assert_eq!(hits, 4);
}

#[test]
fn slow_answers_time_out_and_are_retried() {
    let ctx = TestContext::demo();
    let fake = fake().fault("/replicasets", Fault::Slow(Duration::from_secs(2)), Some(1));
    let kubeconfig = fake.kubeconfig(ctx.path());
    let mut argv = plan_args(&kubeconfig);
    argv.extend(["--request-timeout".into(), "400ms".into()]);
    let started = Instant::now();
    let live = json_of(&run(&ctx, &args(&argv)));
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(live, fake_plan(&ctx));
    assert_clean_log(&fake);

    let ctx = TestContext::demo();
    let fake = self::fake().fault("/replicasets", Fault::Slow(Duration::from_secs(3)), None);
    let kubeconfig = fake.kubeconfig(ctx.path());
    let mut argv = plan_args(&kubeconfig);
    argv.extend(["--request-timeout".into(), "300ms".into()]);
    let out = run(&ctx, &args(&argv));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no answer within 300ms"), "{err}");
    assert!(err.contains("failed 4 times"), "{err}");
}

#[test]
fn an_unreachable_server_names_the_server_and_context() {
    let ctx = TestContext::demo();
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = format!("http://127.0.0.1:{port}");
    let kubeconfig = write_kubeconfig(ctx.path(), "dead", &server, &format!("token: {TOKEN}"));
    let out = run(&ctx, &args(&plan_args(&kubeconfig)));
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "cannot reach the Kubernetes API at {server} (context fake-ctx)"
        )),
        "{err}"
    );
}

#[test]
fn no_cutoff_stops_before_any_request() {
    let ctx = TestContext::demo();
    let fake = fake();
    let kubeconfig = fake.kubeconfig(ctx.path());
    let out = run(
        &ctx,
        &["plan", "--kubeconfig", &kubeconfig.display().to_string()],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no cutoff"), "{}", stderr(&out));
    assert!(fake.log().is_empty());

    let out = run(
        &ctx,
        &[
            "plan",
            "--all-workloads",
            "--kubeconfig",
            &kubeconfig.display().to_string(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--kubeconfig and --context read the live cluster"));
}

fn verify_args(kubeconfig: &std::path::Path, output: &str) -> Vec<String> {
    vec![
        "verify".into(),
        "--kubeconfig".into(),
        kubeconfig.display().to_string(),
        "--notice".into(),
        demo("notice.json"),
        "--output".into(),
        output.into(),
    ]
}

fn status_of(report: &Value, name: &str) -> String {
    report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report}"))["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn verify_lists_old_pods_with_the_next_step_and_exits_2() {
    let ctx = TestContext::demo();
    let fake = fake();
    let kubeconfig = fake.kubeconfig(ctx.path());
    let out = run(&ctx, &args(&verify_args(&kubeconfig, "json")));
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let live = json_of(&out);
    assert_clean_log(&fake);

    // The same from the snapshot.
    let out = run(
        &ctx,
        &[
            "verify",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &demo("notice.json"),
            "--output",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_of(&out), live);

    assert_eq!(live["schema"], 2);
    assert_eq!(live["cluster"], "prod-eks");
    assert_eq!(live["launched_before"], "2026-11-20T09:00:00Z");
    let remaining: u64 = live["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["pods"].as_u64().unwrap())
        .sum();
    assert_eq!(live["remaining_pods"], remaining);
    // The repository carries the ledger's restart: the sync is pending.
    assert_eq!(status_of(&live, "ledger"), "sync-pending");
    assert_eq!(status_of(&live, "frontend"), "not-restarted");
    assert_eq!(status_of(&live, "coredns"), "not-in-repository");
    assert_eq!(status_of(&live, "debug-shell"), "manual");
    assert_eq!(status_of(&live, "reports"), "finishing");
    let frontend = live["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == "frontend")
        .unwrap();
    assert_eq!(
        frontend["pod_names"],
        json!([
            "frontend-7d9f8b6c5d-abcde",
            "frontend-7d9f8b6c5d-fghij",
            "frontend-7d9f8b6c5d-klmno"
        ])
    );
    assert_eq!(frontend["file"], "apps/shop/frontend.yaml");

    // Synced but stuck: the cluster's Deployment carries the restart, the old pods remain.
    fake.edit("/apis/apps/v1/deployments", "frontend", |d| {
        d["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
            json!("2026-11-20T09:00:00Z");
    });
    let stuck = json_of(&run(&ctx, &args(&verify_args(&kubeconfig, "json"))));
    assert_eq!(status_of(&stuck, "frontend"), "rollout-stuck");

    for output in ["text", "markdown"] {
        let out = run(&ctx, &args(&verify_args(&kubeconfig, output)));
        assert_eq!(out.status.code(), Some(2));
        let text = String::from_utf8(out.stdout).unwrap();
        for needle in [
            "rollout-stuck",
            "sync-pending",
            "kubectl rollout status -n shop deployment/frontend",
            "frontend-7d9f8b6c5d-abcde",
        ] {
            assert!(text.contains(needle), "{output}: {needle} missing:\n{text}");
        }
    }
}

#[test]
fn verify_exits_0_when_no_old_pod_remains() {
    let ctx = TestContext::demo();
    let fake = fake();
    let kubeconfig = fake.kubeconfig(ctx.path());
    let out = run(
        &ctx,
        &[
            "verify",
            "--kubeconfig",
            &kubeconfig.display().to_string(),
            "--launched-before",
            "2026-01-01",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("No Fargate pods created before 2026-01-01T00:00:00Z on fake-ctx remain"),
        "{text}"
    );
}

#[test]
fn rbac_prints_a_read_only_role_and_binding() {
    let out = crate::support::gitops_restart()
        .args(["rbac", "--group", "ci-readers"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("kind: ClusterRole\n"));
    assert!(text.contains("kind: ClusterRoleBinding\n"));
    assert!(text.contains("name: ci-readers"));
    assert!(
        text.contains(
            "apiGroups: [\"argoproj.io\"]\n    resources: [\"rollouts\", \"applications\"]"
        )
    );
    assert!(text.contains(
        "apiGroups: [\"kustomize.toolkit.fluxcd.io\"]\n    resources: [\"kustomizations\"]"
    ));
    assert!(
        text.contains("apiGroups: [\"helm.toolkit.fluxcd.io\"]\n    resources: [\"helmreleases\"]")
    );
    assert!(text.contains("aws eks create-access-entry"));
    for verb in ["watch", "create", "update", "patch", "delete", "\"*\""] {
        assert!(
            !text.contains(&format!("\"{verb}\"")),
            "{verb} granted:\n{text}"
        );
    }
}
