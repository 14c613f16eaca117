//! End-to-end: the errors a person meets first, through the binary. Each is one line on stderr
//! (exit 1) that says what happened, where, and what to do next: notices exported with the
//! wrong AWS command, a kubeconfig or context that is not there, a typo in
//! `.gitops-restart.yaml`, an API server that can't be reached.

use std::process::Output;

use crate::cli::{TestContext, fixtures};

fn demo(file: &str) -> String {
    fixtures().join("demo").join(file).display().to_string()
}

/// Run the binary with no kubeconfig of the user's (`HOME` is an empty folder).
fn run(ctx: &TestContext, args: &[&str]) -> Output {
    ctx.cmd(args)
        .env("HOME", ctx.path().join("no-home"))
        .output()
        .unwrap()
}

/// The one line a failed run prints: exit 1, one line on stderr, nothing on stdout.
fn one_line_error(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(err.lines().count(), 1, "one line:\n{err}");
    assert!(err.starts_with("error: "), "{err}");
    err.trim_end().to_owned()
}

#[test]
fn describe_events_output_answers_with_the_command_to_run_next() {
    let ctx = TestContext::demo();
    let events = fixtures().join("notices/describe-events.json");
    let events = events.display().to_string();
    let out = run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &events,
        ],
    );
    let err = one_line_error(&out);
    assert!(
        err.starts_with(&format!(
            "error: {events}: this is `aws health describe-events` output: it lists events \
             without their descriptions"
        )),
        "{err}"
    );
    assert!(
        err.contains("the EKS event that may be the Fargate notice is AWS_EKS_PLANNED_LIFECYCLE_EVENT (us-west-2, from 2026-11-20T09:00:00Z, upcoming)"),
        "{err}"
    );
    let command = "`aws health describe-event-details --event-arns arn:aws:health:us-west-2::event/EKS/AWS_EKS_PLANNED_LIFECYCLE_EVENT/AWS_EKS_PLANNED_LIFECYCLE_EVENT_3e9a7b15-2c4d-4f60-8a1b-7c9d0e2f4a6b --region us-east-1 > notice.json`";
    assert!(
        err.ends_with(&format!("run {command}, then give --notice notice.json")),
        "{err}"
    );

    // The command's output (the fixture holds what it prints for that ARN) is a notice.
    let details = fixtures().join("notices/describe-event-details.json");
    let out = run(
        &ctx,
        &[
            "plan",
            "--snapshot",
            &demo("snapshot.json"),
            "--notice",
            &details.display().to_string(),
            "--cluster",
            "prod-eks",
        ],
    );
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("launched before:  2026-11-20T00:00:00Z"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn describe_affected_entities_output_names_the_cluster_and_the_next_command() {
    let ctx = TestContext::demo();
    let entities = fixtures().join("notices/describe-affected-entities.json");
    let out = run(
        &ctx,
        &[
            "plan",
            "--all-workloads",
            "--notice",
            &entities.display().to_string(),
        ],
    );
    let err = one_line_error(&out);
    assert!(
        err.contains("this is `aws health describe-affected-entities` output"),
        "{err}"
    );
    assert!(
        err.contains("it names the cluster prod-eks (give --cluster prod-eks); run `aws health describe-event-details --event-arns arn:aws:health:us-west-2::event/EKS/"),
        "{err}"
    );
}

#[test]
fn config_typos_are_one_line_naming_the_file_the_key_and_the_nearest_one() {
    let ctx = TestContext::demo();
    let run_with_config = |text: &str| {
        ctx.write(".gitops-restart.yaml", text);
        one_line_error(&run(&ctx, &["plan", "--all-workloads"]))
    };
    let file = ctx
        .path()
        .join(".gitops-restart.yaml")
        .display()
        .to_string();
    assert_eq!(
        run_with_config("annotaton: example.com/restartedAt\n"),
        format!(
            "error: {file}:1:1: unknown key `annotaton`; did you mean `annotation`? the keys \
             allowed there: annotation, include, exclude, clusters, repositories, helm, \
             pullRequest"
        )
    );
    assert_eq!(
        run_with_config("pullRequest:\n  label: [restart]\n"),
        format!(
            "error: {file}:2:3: unknown key `label` in `pullRequest`; did you mean `labels`? the \
             keys allowed there: base, branch, branchPrefix, title, labels, reviewers, \
             teamReviewers, assignees, draft"
        )
    );
    assert_eq!(
        run_with_config("pullRequest:\n  labels: restart\n"),
        format!("error: {file}:2:11: `pullRequest.labels`: expected a list")
    );
    let err = run_with_config("clusters:\n  prod-eks:\n    paths: apps/prod\n");
    assert_eq!(
        err,
        format!("error: {file}:3:12: `clusters.prod-eks.paths`: expected a list")
    );
    assert!(!err.contains("<input>"), "{err}");
}
