//! The run's dates through the binary, with its clock set by `GITOPS_RESTART_NOW`: the restart
//! value comes from the inputs, so re-runs at other times write nothing; a notice's date that
//! can't be read, a cutoff after the deadline or in the future stop the run with a message
//! naming where the date came from; a past deadline is a critical finding and an unknown one is
//! said, in the report and in the pull request's title; notices about another cluster say so.

use std::path::PathBuf;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

use crate::cli::{TestContext, fixtures};
use crate::fake_github::{FakeGithub, NAME, OWNER, TOKEN};
use crate::support::{NOW, NOW_VARIABLE};

/// A time later than [`NOW`], still before the fixtures' deadlines.
const LATER: &str = "2026-12-02T06:30:00Z";

fn demo(file: &str) -> String {
    fixtures().join("demo").join(file).display().to_string()
}

fn run(ctx: &TestContext, args: &[&str], now: &str) -> Output {
    ctx.cmd(args).env(NOW_VARIABLE, now).output().unwrap()
}

fn report(ctx: &TestContext, args: &[&str], now: &str) -> Value {
    let out = run(ctx, args, now);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The one line on stderr of a run that must fail with exit 1.
fn failure(ctx: &TestContext, args: &[&str]) -> String {
    let out = run(ctx, args, NOW);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    stderr.trim_end().to_owned()
}

fn codes(report: &Value) -> Vec<(String, String)> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["code"].as_str().unwrap().to_owned(),
                w["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// With only EKS scheduled-termination events (what the notice workflow feeds in), the restart
/// value is their latest `time`: two plans at different times agree, `apply` writes it, and
/// then neither a plan nor a second `apply` at yet another time has anything to write.
#[test]
fn termination_events_alone_write_the_same_value_at_any_time() {
    let ctx = TestContext::demo();
    let (snapshot, events) = (demo("snapshot.json"), demo("terminations.jsonl"));
    let plan = ["plan", "--snapshot", &snapshot, "--notice", &events];
    let json = [&plan[..], &["--output", "json"]].concat();
    let first = report(&ctx, &json, NOW);
    let second = report(&ctx, &json, LATER);
    assert_eq!(first["restarted_at"], "2026-12-01T12:52:44Z");
    assert_eq!(first["launched_before"], Value::Null);
    assert_eq!(first, second, "the same inputs, the same plan");

    let apply = ["apply", "--snapshot", &snapshot, "--notice", &events];
    assert!(run(&ctx, &apply, NOW).status.success());
    assert!(
        ctx.read("apps/shop/cart.yaml")
            .contains("kubectl.kubernetes.io/restartedAt: \"2026-12-01T12:52:44Z\""),
        "{}",
        ctx.read("apps/shop/cart.yaml")
    );
    let applied = ctx.snapshot_files();
    let again = report(&ctx, &json, LATER);
    let actions: Vec<&str> = again["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["already-bumped", "manual"], "{again}");
    let exit_code = [&plan[..], &["--exit-code"]].concat();
    assert_eq!(run(&ctx, &exit_code, LATER).status.code(), Some(0));
    assert!(run(&ctx, &apply, LATER).status.success());
    assert_eq!(
        ctx.snapshot_files(),
        applied,
        "the second apply wrote nothing"
    );
}

/// A Health event with dates in its prose, and one without (its start time stands in): each
/// gives the same value at any time; only a run with neither a cutoff nor a notice takes the
/// time of the run, which `GITOPS_RESTART_NOW` sets.
#[test]
fn health_events_give_the_same_value_at_any_time_and_nothing_else_the_time() {
    let ctx = TestContext::demo();
    let mut undated: Value =
        serde_json::from_str(&std::fs::read_to_string(demo("notice.json")).unwrap()).unwrap();
    undated["detail"]["eventDescription"][0]["latestDescription"] = Value::from(include_str!(
        "../../fixtures/notices/descriptions/no-dates.txt"
    ));
    ctx.write("undated.json", &undated.to_string());
    let undated = ctx.path().join("undated.json").display().to_string();
    let snapshot = demo("snapshot.json");
    for (notice, value) in [
        (demo("notice.json"), "2026-11-20T09:00:00Z"),
        (undated, "2026-11-20T09:00:00Z"),
    ] {
        let args = [
            "plan",
            "--snapshot",
            &snapshot,
            "--notice",
            &notice,
            "--output",
            "json",
        ];
        let first = report(&ctx, &args, NOW);
        assert_eq!(first["restarted_at"], value, "{notice}");
        assert_eq!(first, report(&ctx, &args, LATER), "{notice}");
    }
    let args = ["plan", "--all-workloads", "--output", "json"];
    assert_eq!(report(&ctx, &args, NOW)["restarted_at"], NOW);
    assert_eq!(report(&ctx, &args, LATER)["restarted_at"], LATER);
}

#[test]
fn a_past_deadline_is_critical_and_the_run_goes_on() {
    let ctx = TestContext::demo();
    let args = [
        "plan",
        "--workload",
        "shop/Deployment/frontend",
        "--launched-before",
        "2026-11-20",
        "--deadline",
        "2026-11-30T00:00:00Z",
        "--output",
        "json",
    ];
    let plan = report(&ctx, &args, NOW);
    assert_eq!(plan["workloads"][0]["action"], "bump");
    assert_eq!(
        codes(&plan),
        [("deadline-passed".to_owned(), "critical".to_owned())]
    );
    assert_eq!(
        plan["warnings"][0]["message"],
        "the deadline 2026-11-30T00:00:00Z (from --deadline) has passed (it is \
         2026-12-01T18:00:00Z): EKS may already be evicting or terminating the pods; merge the \
         restart now, and check with `gitops-restart verify`"
    );
    // The notice's deadline, once the time of the run is past it.
    let notice = demo("notice.json");
    let args = [
        "plan",
        "--snapshot",
        &demo("snapshot.json"),
        "--notice",
        &notice,
        "--output",
        "json",
    ];
    let late = report(&ctx, &args, "2026-12-05T00:00:00Z");
    let passed = late["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["code"] == "deadline-passed")
        .expect("deadline-passed");
    assert!(
        passed["message"]
            .as_str()
            .unwrap()
            .contains(&format!("(from the notice {notice}) has passed")),
        "{passed}"
    );
    let text = run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &notice,
        ],
        "2026-12-05T00:00:00Z",
    );
    assert!(text.status.success());
    assert!(String::from_utf8_lossy(&text.stdout).contains("EKS may already be evicting"));
}

#[test]
fn a_future_cutoff_is_refused_unless_a_restart_value_is_given() {
    let ctx = TestContext::demo();
    let args = [
        "plan",
        "--workload",
        "shop/Deployment/frontend",
        "--launched-before",
        "2026-12-10",
        "--deadline",
        "2026-12-20",
    ];
    assert_eq!(
        failure(&ctx, &args),
        "error: the cutoff 2026-12-10T00:00:00Z (from --launched-before) is after the time of \
         the run, 2026-12-01T18:00:00Z: pods restarted now would still be launched before it, \
         and the restart value written would be in the future (an Argo Rollout waits for it); \
         check the date (its year, its zone), or give --restarted-at TIME to write a value \
         anyway"
    );
    let given = [
        &args[..],
        &["--restarted-at", "2026-12-01T17:00:00Z", "--output", "json"],
    ]
    .concat();
    let plan = report(&ctx, &given, NOW);
    assert_eq!(plan["restarted_at"], "2026-12-01T17:00:00Z");
    assert_eq!(plan["workloads"][0]["action"], "bump");
}

#[test]
fn a_cutoff_after_the_deadline_is_refused() {
    let ctx = TestContext::demo();
    let err = failure(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &demo("notice.json"),
            "--deadline",
            "2026-11-10",
        ],
    );
    assert!(
        err.starts_with(&format!(
            "error: the cutoff 2026-11-20T09:00:00Z (from the notice {}) is after the deadline \
             2026-11-10T00:00:00Z (from --deadline)",
            demo("notice.json")
        )),
        "{err}"
    );
}

/// A notice whose cutoff is written in a zone the tool does not know is refused, naming the
/// file and quoting the date; `--launched-before` states the date instead.
#[test]
fn a_notice_date_in_an_unknown_zone_is_refused_until_stated() {
    let ctx = TestContext::demo();
    let text = std::fs::read_to_string(demo("notice.json"))
        .unwrap()
        .replace(
            "November 20, 2026 09:00 UTC",
            "November 20, 2026 9:00 AM PT",
        );
    ctx.write("pt.json", &text);
    let notice = ctx.path().join("pt.json").display().to_string();
    let args = [
        "plan",
        "--snapshot",
        &demo("snapshot.json"),
        "--notice",
        &notice,
    ];
    assert_eq!(
        failure(&ctx, &args),
        format!(
            "error: {notice}: the cutoff (pods launched before it are affected) `Friday, \
             November 20, 2026 9:00 AM PT` in the notice's description can't be read: `PT` is a \
             time zone gitops-restart does not know; give --launched-before with the time in \
             RFC 3339 (2026-11-20T17:00:00Z) to state it"
        )
    );
    let stated = [
        &args[..],
        &[
            "--launched-before",
            "2026-11-20T17:00:00Z",
            "--output",
            "json",
        ],
    ]
    .concat();
    assert_eq!(
        report(&ctx, &stated, NOW)["launched_before"],
        "2026-11-20T17:00:00Z"
    );
}

/// `--cluster prod` with notices about `prod-eks`: the message says so, instead of dropping the
/// events' pods and asking for a notice that was given.
#[test]
fn notices_about_another_cluster_say_so() {
    let ctx = TestContext::demo();
    let snapshot = demo("snapshot.json");
    for (notice, what) in [
        (
            demo("terminations.jsonl"),
            "EKS scheduled-termination events",
        ),
        (demo("notice.json"), "a Health event"),
    ] {
        let err = failure(
            &ctx,
            &[
                "plan",
                "--snapshot",
                &snapshot,
                "--notice",
                &notice,
                "--cluster",
                "prod",
            ],
        );
        assert_eq!(
            err,
            "error: the notices name cluster prod-eks, but --cluster is prod, which they do not \
             name; give --cluster prod-eks (the EKS cluster's name, as the notices write it), or \
             the notices of prod",
            "{what}"
        );
    }
}

/// `pr` without a deadline: the title says it is unknown, and so do the report and the body.
#[test]
fn an_unknown_deadline_is_in_the_pull_request_title() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let pr = |extra: &[&str]| -> Value {
        let mut cmd: Command = ctx.cmd(&["pr"]);
        cmd.args([
            "--workload",
            "shop/Deployment/frontend",
            "--launched-before",
            "2026-11-20",
            "--cluster",
            "prod-eks",
            "--output",
            "json",
            "--api-url",
            &fake.url(),
            "--github-repo",
            &format!("{OWNER}/{NAME}"),
        ])
        .args(extra)
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1");
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    let report = pr(&[]);
    assert_eq!(report["deadline"], Value::Null);
    assert_eq!(
        codes(&report),
        [("deadline-unknown".to_owned(), "warning".to_owned())]
    );
    let pull = &fake.pulls()[0];
    assert_eq!(
        pull.title,
        "Restart Fargate workloads on prod-eks (deadline unknown)"
    );
    assert!(
        pull.body.contains("the deadline is unknown"),
        "{}",
        pull.body
    );
    pr(&["--title", "Restart {cluster} before {deadline}"]);
    assert_eq!(
        fake.pulls()[0].title,
        "Restart prod-eks before an unknown deadline"
    );
    fake.assert_clean();
}

/// The notice workflow's run, twice, at different times: the second `pr` commits nothing (the
/// same events give the same restart value); only the description's countdown to the deadline
/// is rewritten, and a third run at that same moment writes nothing.
#[test]
fn a_second_pr_from_the_same_termination_events_writes_nothing() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let events: PathBuf = fixtures().join("demo/terminations.jsonl");
    let pr = |now: &str| -> Value {
        let out = ctx
            .cmd(&["pr"])
            .args(["--snapshot", &demo("snapshot.json"), "--notice"])
            .arg(&events)
            .args(["--output", "json", "--api-url", &fake.url()])
            .args(["--github-repo", &format!("{OWNER}/{NAME}")])
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1")
            .env(NOW_VARIABLE, now)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    };
    assert_eq!(pr(NOW)["pull_request"]["operation"], "created");
    fake.clear_log();
    let later = pr(LATER);
    assert_eq!(later["pull_request"]["operation"], "updated");
    assert_eq!(
        later["pull_request"]["head_sha"],
        fake.branch_sha("gitops-restart/prod-eks").unwrap().as_str()
    );
    assert_eq!(
        fake.writes(),
        ["PATCH /repos/acme/gitops/pulls/1"],
        "{:#?}",
        fake.log()
    );
    let body = &fake.pulls()[0].body;
    assert!(
        body.contains("EKS evicts in 3 hours (Wed 2 Dec, 10:00 UTC)"),
        "{body}"
    );
    fake.clear_log();
    assert_eq!(pr(LATER)["pull_request"]["operation"], "unchanged");
    assert_eq!(fake.writes(), Vec::<String>::new(), "{:#?}", fake.log());
}
