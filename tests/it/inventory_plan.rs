//! End-to-end: the plan from a snapshot and AWS notices, on the demo repository.

use crate::cli::{TestContext, fixtures};

fn demo_args() -> Vec<String> {
    let demo = fixtures().join("demo");
    vec![
        "--snapshot".into(),
        demo.join("snapshot.json").display().to_string(),
        "--notice".into(),
        demo.join("notice.json").display().to_string(),
    ]
}

fn run(ctx: &TestContext, args: &[&str], extra: &[String]) -> std::process::Output {
    ctx.cmd(args).args(extra).output().unwrap()
}

fn json(ctx: &TestContext, args: &[&str], extra: &[String]) -> serde_json::Value {
    let out = ctx
        .cmd(args)
        .args(extra)
        .args(["--output", "json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn action_of<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {report}"))
}

#[test]
fn demo_plan_from_snapshot_and_health_event() {
    let ctx = TestContext::demo();
    let out = run(&ctx, &["plan"], &demo_args());
    assert!(out.status.success());
    insta::assert_snapshot!("demo_text", String::from_utf8(out.stdout).unwrap());
    let report = json(&ctx, &["plan"], &demo_args());
    insta::assert_json_snapshot!("demo_json", report);
    let markdown = run(&ctx, &["plan", "--output", "markdown"], &demo_args());
    insta::assert_snapshot!("demo_markdown", String::from_utf8(markdown.stdout).unwrap());

    // Every action kind shows up, from the notice's cutoff and deadline.
    assert_eq!(report["cluster"], "prod-eks");
    assert_eq!(report["launched_before"], "2026-11-20T09:00:00Z");
    assert_eq!(report["deadline"], "2026-12-04T00:00:00Z");
    assert_eq!(report["restarted_at"], "2026-11-20T09:00:00Z");
    assert_eq!(action_of(&report, "frontend")["action"], "bump");
    assert_eq!(action_of(&report, "frontend")["pods"], 3);
    assert_eq!(
        action_of(&report, "frontend")["oldest_pod_created"],
        "2026-11-10T08:00:00Z"
    );
    assert_eq!(
        action_of(&report, "checkout")["pods"],
        3,
        "the pod created after the cutoff is not affected"
    );
    assert_eq!(action_of(&report, "ledger")["action"], "already-bumped");
    assert_eq!(action_of(&report, "search")["action"], "ambiguous");
    assert_eq!(action_of(&report, "coredns")["action"], "not-found");
    assert_eq!(action_of(&report, "reports")["action"], "skipped");
    assert_eq!(action_of(&report, "reports")["kind"], "CronJob");
    assert_eq!(action_of(&report, "debug-shell")["action"], "manual");
    let cart = action_of(&report, "cart-db");
    assert!(
        cart["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "pdb-blocks-eviction"
                && w["severity"] == "critical"
                && w["message"]
                    .as_str()
                    .unwrap()
                    .contains("allows no disruption")),
        "{cart}"
    );
    // The DaemonSet runs on EC2 nodes: not affected unless --all-nodes.
    assert!(
        report["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["name"] != "gateway")
    );
    let all_nodes = json(&ctx, &["plan", "--all-nodes"], &demo_args());
    assert_eq!(action_of(&all_nodes, "gateway")["action"], "bump");
}

#[test]
fn demo_apply_is_what_plan_showed_and_idempotent() {
    let ctx = TestContext::demo();
    let plan = json(&ctx, &["plan"], &demo_args());
    let applied = json(&ctx, &["apply"], &demo_args());
    assert_eq!(plan, applied);
    let after = ctx.snapshot_files();
    let again = json(&ctx, &["apply"], &demo_args());
    assert_eq!(
        ctx.snapshot_files(),
        after,
        "the second apply changed files"
    );
    assert!(again["edits"].as_array().unwrap().is_empty());
    for name in ["frontend", "cart-db", "checkout"] {
        assert_eq!(
            action_of(&again, name)["action"],
            "already-bumped",
            "{name}"
        );
    }
    ctx.cmd(&["plan", "--exit-code"])
        .args(demo_args())
        .assert()
        .code(0);
}

#[test]
fn snapshot_from_stdin_and_yaml_give_the_same_plan() {
    let ctx = TestContext::demo();
    let from_file = json(&ctx, &["plan"], &demo_args());
    let demo = fixtures().join("demo");
    let stdin = ctx
        .cmd(&["plan", "--snapshot", "-", "--output", "json"])
        .arg("--notice")
        .arg(demo.join("notice.json"))
        .write_stdin(std::fs::read(demo.join("snapshot.json")).unwrap())
        .output()
        .unwrap();
    assert!(
        stdin.status.success(),
        "{}",
        String::from_utf8_lossy(&stdin.stderr)
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&stdin.stdout).unwrap(),
        from_file
    );

    let snapshots = fixtures().join("snapshots");
    let args = |file: &str| {
        vec![
            "--snapshot".to_owned(),
            snapshots.join(file).display().to_string(),
            "--launched-before".into(),
            "2026-11-20".into(),
        ]
    };
    assert_eq!(
        json(&ctx, &["plan"], &args("cluster.json")),
        json(&ctx, &["plan"], &args("cluster.yaml"))
    );
}

/// Termination events name their pods: only those pods' workloads are planned (cart-db and the
/// standalone debug-shell), the deadline is the earliest scheduled termination (10:00, not
/// 10:05), the cluster is the events', and each eviction error is a note on its workload.
#[test]
fn termination_events_target_exactly_their_pods() {
    let ctx = TestContext::demo();
    let demo = fixtures().join("demo");
    let args = vec![
        "--snapshot".to_owned(),
        demo.join("snapshot.json").display().to_string(),
        "--notice".into(),
        demo.join("terminations.jsonl").display().to_string(),
        "--restarted-at".into(),
        "2026-12-01T00:00:00Z".into(),
    ];
    let out = run(&ctx, &["plan"], &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(
        "terminations_restart_exactly_their_pods",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn command_line_times_override_the_notice() {
    let ctx = TestContext::demo();
    let mut args = demo_args();
    args.extend([
        "--launched-before".into(),
        "2026-11-01".into(),
        "--deadline".into(),
        "2026-11-30".into(),
    ]);
    let report = json(&ctx, &["plan"], &args);
    assert_eq!(report["launched_before"], "2026-11-01T00:00:00Z");
    assert_eq!(report["deadline"], "2026-11-30T00:00:00Z");
    // Only coredns' pods (2026-10-20) predate 2026-11-01.
    let names: Vec<&str> = report["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["coredns"]);
}

#[test]
fn bad_snapshots_and_notices_are_one_clear_error() {
    let ctx = TestContext::demo();
    ctx.write(
        "bad.json",
        "{\"kind\": \"List\", \"items\": [\n  {\"kind\": \"Pod\",,}\n]}",
    );
    ctx.write(
        "noitems.json",
        "{\"apiVersion\": \"v1\", \"kind\": \"List\"}",
    );
    ctx.write("garbage.txt", "Dear customer, hello");
    let bad = ctx.path().join("bad.json").display().to_string();
    let noitems = ctx.path().join("noitems.json").display().to_string();
    let garbage = ctx.path().join("garbage.txt").display().to_string();
    let snapshot = fixtures().join("demo/snapshot.json").display().to_string();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--snapshot", &bad, "--launched-before", "2026-11-20"],
            "bad.json:2:",
        ),
        (
            vec!["--snapshot", &noitems, "--launched-before", "2026-11-20"],
            "without `items`",
        ),
        (
            vec!["--snapshot", &snapshot, "--notice", &garbage],
            "expected an AWS Health event",
        ),
        (vec!["--snapshot", &snapshot], "no cutoff"),
        (
            vec![
                "--snapshot",
                "/nonexistent.json",
                "--launched-before",
                "2026-11-20",
            ],
            "cannot read /nonexistent.json",
        ),
        (
            vec!["--snapshot", &snapshot, "--all-workloads"],
            "cannot be used with",
        ),
    ];
    let before = ctx.snapshot_files();
    for (args, expected) in cases {
        let out = ctx.cmd(&["apply"]).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    assert_eq!(
        ctx.snapshot_files(),
        before,
        "nothing is written on bad input"
    );
}

#[test]
fn help_documents_the_snapshot_command() {
    let out = crate::support::gitops_restart()
        .args(["plan", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(
        help.contains("kubectl get po,rs,deploy,sts,ds,job,cj,pdb -A -o json"),
        "{help}"
    );
    assert!(help.lines().all(|l| l.chars().count() <= 100), "{help}");
    assert!(help.contains("--notice <FILE>"));
}

/// The plan's decisions carry what their action needs, built through the library: a bump its
/// edit site, an ambiguity its candidates (which the JSON report shows only in the reason).
#[test]
fn decisions_carry_their_places() {
    use gitops_restart::config::Config;
    use gitops_restart::edit::DEFAULT_ANNOTATION;
    use gitops_restart::inventory::{AffectedOptions, affected, snapshot};
    use gitops_restart::model::Place;
    use gitops_restart::plan::{self, Action, Decision, PlanInput, Targets};

    let demo = fixtures().join("demo");
    let text = std::fs::read_to_string(demo.join("snapshot.json")).unwrap();
    let (inventory, _) = snapshot::parse(&text, "snapshot.json").unwrap();
    let cutoff = chrono::DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z")
        .unwrap()
        .to_utc();
    let options = AffectedOptions {
        launched_before: Some(cutoff),
        ..AffectedOptions::default()
    };
    let config = Config::default();
    let index =
        gitops_restart::repo::index(&demo.join("repo"), DEFAULT_ANNOTATION, &config).unwrap();
    let input = PlanInput {
        targets: Targets::Affected(affected(&inventory, &options)),
        restarted_at: cutoff,
        restarted_from: gitops_restart::settings::RestartFrom::Cutoff,
        now: cutoff,
        launched_before: Some(cutoff),
        deadline: None,
        cluster: Some("prod-eks".to_owned()),
        annotation: DEFAULT_ANNOTATION.to_owned(),
        warnings: Vec::new(),
        config,
        gitops: inventory.gitops().clone(),
    };
    let plan = plan::build(&index, &input);
    let decision = |name: &str| {
        &plan
            .workloads
            .iter()
            .find(|w| w.name == name)
            .unwrap_or_else(|| panic!("{name}"))
            .decision
    };
    assert_eq!(
        decision("frontend"),
        &Decision::Bump {
            place: Place::new("apps/shop/frontend.yaml", Some(3))
        }
    );
    let Decision::Ambiguous { candidates, reason } = decision("search") else {
        panic!("{:?}", decision("search"));
    };
    assert_eq!(
        candidates,
        &[
            Place::new("apps/search/prod/search.yaml", Some(3)),
            Place::new("apps/search/staging/search.yaml", Some(3))
        ]
    );
    assert!(
        reason.contains("apps/search/prod/search.yaml:3"),
        "{reason}"
    );
    assert_eq!(decision("debug-shell").action(), Action::Manual);
    assert_eq!(decision("debug-shell").place(), None);
}
