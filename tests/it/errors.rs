//! End-to-end: the errors a person meets first, through the binary. Each is one line on stderr
//! (exit 1) that says what happened, where, and what to do next: notices exported with the
//! wrong AWS command, a kubeconfig or context that is not there, a typo in
//! `.gitops-restart.yaml`, an API server that can't be reached.

use std::process::Output;

use crate::cli::{TestContext, fixtures};
use crate::fake_kube::{TOKEN, write_kubeconfig};

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

/// A kubeconfig with the given contexts, all on `server`.
fn kubeconfig_with_contexts(ctx: &TestContext, contexts: &[String], server: &str) -> String {
    let mut text = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: {}\nclusters:\n- name: c\n  cluster:\n    \
         server: {server}\nusers:\n- name: u\n  user:\n    token: {TOKEN}\ncontexts:\n",
        contexts[0]
    );
    for name in contexts {
        text.push_str(&format!(
            "- name: \"{name}\"\n  context: {{cluster: c, user: u}}\n"
        ));
    }
    ctx.write("kube/config", &text);
    ctx.path().join("kube/config").display().to_string()
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
        err.contains(&format!("run {command}, then give --notice notice.json (")),
        "{err}"
    );
    assert!(
        err.ends_with(
            "(for `describe-events-for-organization` output, run `aws health \
             describe-event-details-for-organization --organization-event-detail-filters \
             eventArn=ARN,awsAccountId=ACCOUNT --region us-east-1 > notice.json` instead, with \
             the account of the cluster)"
        ),
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
fn a_missing_kubeconfig_is_named_once_with_what_to_do() {
    let ctx = TestContext::demo();
    let missing = ctx.path().join("nope/config").display().to_string();
    let out = run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--kubeconfig",
            &missing,
        ],
    );
    let err = one_line_error(&out);
    assert_eq!(
        err,
        format!(
            "error: cannot load the cluster configuration: --kubeconfig {missing}: no such file; \
             give the path of a kubeconfig, or write one there with `aws eks update-kubeconfig \
             --name CLUSTER --kubeconfig {missing}`"
        )
    );
    assert_eq!(
        err.matches(&missing).count(),
        2,
        "the path, and in the command: {err}"
    );

    // KUBECONFIG naming a missing file, outside a cluster.
    let out = run(&ctx, &["plan", "--notice", &demo("notice.json")]);
    assert!(
        one_line_error(&out).contains("no kubeconfig ("),
        "{}",
        one_line_error(&out)
    );
    let out = ctx
        .cmd(&["plan", "--notice", &demo("notice.json")])
        .env("KUBECONFIG", &missing)
        .output()
        .unwrap();
    assert_eq!(
        one_line_error(&out),
        format!(
            "error: cannot load the cluster configuration: no kubeconfig (KUBECONFIG={missing}: \
             no such file) and not in a cluster (KUBERNETES_SERVICE_HOST and \
             KUBERNETES_SERVICE_PORT are not set); give --kubeconfig FILE, set KUBECONFIG, or \
             run `aws eks update-kubeconfig --name CLUSTER`"
        )
    );
}

#[test]
fn a_context_without_a_kubeconfig_names_the_flag_that_asked_for_it() {
    let ctx = TestContext::demo();
    let out = run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--context",
            "prod",
        ],
    );
    let err = one_line_error(&out);
    assert!(
        err.starts_with(
            "error: cannot load the cluster configuration: --context prod needs a kubeconfig ("
        ),
        "{err}"
    );
    assert!(
        err.contains("no-home/.kube/config: no such file); give --kubeconfig FILE"),
        "{err}"
    );

    let out = run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--snapshot",
            &demo("snapshot.json"),
            "--gitops-context",
            "argocd-hub",
        ],
    );
    let err = one_line_error(&out);
    assert!(
        err.starts_with(
            "error: cannot load the cluster configuration: --gitops-context argocd-hub needs a \
             kubeconfig ("
        ),
        "{err}"
    );
    assert!(!err.contains("--context "), "{err}");
}

#[test]
fn an_unknown_context_lists_the_contexts_there_are() {
    let ctx = TestContext::demo();
    let names: Vec<String> = [
        "prod",
        "arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    let kubeconfig = kubeconfig_with_contexts(&ctx, &names, "http://127.0.0.1:9");
    let command_line = |flag: &'static str| {
        let mut args = vec![
            "plan".to_owned(),
            "--notice".into(),
            demo("notice.json"),
            "--kubeconfig".into(),
            kubeconfig.clone(),
        ];
        if flag == "--gitops-context" {
            args.extend(["--snapshot".into(), demo("snapshot.json")]);
        }
        args.extend([flag.to_owned(), "nope".into()]);
        args
    };
    for flag in ["--context", "--gitops-context"] {
        let words = command_line(flag);
        let argv: Vec<&str> = words.iter().map(String::as_str).collect();
        let err = one_line_error(&run(&ctx, &argv));
        assert_eq!(
            err,
            format!(
                "error: cannot load the cluster configuration: --kubeconfig {kubeconfig} has no \
                 context `nope` ({flag}); give {flag} one of its contexts: `prod`, \
                 `arn:aws:eks:eu-west-1:111122223333:cluster/prod-eks`; or add the cluster's with \
                 `aws eks update-kubeconfig --name CLUSTER`"
            )
        );
    }

    // Many contexts: the first ten, and how to see the rest.
    let many: Vec<String> = (1..=13).map(|i| format!("ctx-{i:02}")).collect();
    let kubeconfig = kubeconfig_with_contexts(&ctx, &many, "http://127.0.0.1:9");
    let err = one_line_error(&run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--kubeconfig",
            &kubeconfig,
            "--context",
            "nope",
        ],
    ));
    assert!(
        err.contains("`ctx-09`, `ctx-10`, and 3 more (`kubectl config get-contexts` lists them)"),
        "{err}"
    );
    assert!(!err.contains("ctx-11"), "{err}");

    // A context name with a line break is shown escaped: the message stays one line.
    let odd = vec!["prod".to_owned(), "evil\\nerror: injected".to_owned()];
    let kubeconfig = kubeconfig_with_contexts(&ctx, &odd, "http://127.0.0.1:9");
    let err = one_line_error(&run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--kubeconfig",
            &kubeconfig,
            "--context",
            "nope",
        ],
    ));
    assert!(err.contains("`evil\\nerror: injected`"), "{err}");
}

#[test]
fn an_unreachable_api_names_the_server_the_cause_and_the_checks() {
    let ctx = TestContext::demo();
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Credentials in the URL are never shown.
    let kubeconfig = write_kubeconfig(
        ctx.path(),
        "dead",
        &format!("http://admin:hunter2@127.0.0.1:{port}"),
        &format!("token: {TOKEN}"),
    );
    let out = run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--kubeconfig",
            &kubeconfig.display().to_string(),
        ],
    );
    let err = one_line_error(&out);
    assert_eq!(
        err,
        format!(
            "error: cannot reach the Kubernetes API at http://127.0.0.1:{port} (context \
             fake-ctx): connection refused: nothing listens at that address and port (tried 4 \
             times); check that this machine reaches it (a VPN, the EKS endpoint's public or \
             private access, a firewall or proxy) and that the kubeconfig's server and \
             certificate authority are right, for example with `kubectl --context fake-ctx get \
             namespaces`"
        )
    );
    assert!(!err.contains("hunter2") && !err.contains(TOKEN), "{err}");

    // A name that does not resolve says so.
    let kubeconfig = write_kubeconfig(
        ctx.path(),
        "nxdomain",
        "https://api.does-not-exist.invalid:6443",
        &format!("token: {TOKEN}"),
    );
    let err = one_line_error(&run(
        &ctx,
        &[
            "plan",
            "--notice",
            &demo("notice.json"),
            "--kubeconfig",
            &kubeconfig.display().to_string(),
        ],
    ));
    assert!(
        err.contains(
            "cannot reach the Kubernetes API at https://api.does-not-exist.invalid:6443 (context \
             fake-ctx): the host name does not resolve ("
        ),
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

#[test]
fn a_pods_only_snapshot_gives_one_grouped_note_with_the_command_that_takes_the_owners() {
    let ctx = TestContext::demo();
    let snapshot: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(demo("snapshot.json")).unwrap()).unwrap();
    let pods: Vec<serde_json::Value> = snapshot["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["kind"] == "Pod")
        .cloned()
        .collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": pods});
    let pods_only = ctx.path().join("pods.json");
    std::fs::write(&pods_only, list.to_string()).unwrap();
    let pods_only = pods_only.display().to_string();
    let args = [
        "plan",
        "--snapshot",
        &pods_only,
        "--notice",
        &demo("notice.json"),
    ];

    let report = ctx.json(&args);
    let owners: Vec<&serde_json::Value> = report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "owner-not-in-inventory")
        .collect();
    assert_eq!(owners.len(), 1, "{owners:?}");
    let message = owners[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "the inventory holds pods only: the owners of 14 affected pods \
             (kube-system/coredns-6d4b75cb6d-eeeee, kube-system/coredns-6d4b75cb6d-fffff, \
             payments/ledger-5b6c7d8e9f-aaaaa and 11 more) are not in it"
        ),
        "{message}"
    );
    assert!(
        message.ends_with(
            "take the snapshot with the owners: kubectl get pods,replicasets,deployments,\
             statefulsets,daemonsets,jobs,cronjobs,poddisruptionbudgets,rollouts.argoproj.io -A \
             -o json > snapshot.json"
        ),
        "{message}"
    );
    // The workloads are still found from the pods, without a note each about their owners or
    // about budgets the snapshot could not hold.
    let workloads = report["workloads"].as_array().unwrap();
    let restarts = workloads.iter().filter(|w| w["action"] == "bump").count();
    assert_eq!(restarts, 3, "{workloads:?}");
    for w in workloads {
        for warning in w["warnings"].as_array().unwrap() {
            assert!(
                !matches!(
                    warning["code"].as_str(),
                    Some("owner-not-in-inventory" | "no-pdb")
                ),
                "{warning}"
            );
        }
    }

    // In the text report: one note where there were 14.
    let out = ctx.cmd(&args).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("not in the inventory").count(), 0, "{text}");
    assert_eq!(
        text.matches("the inventory holds pods only").count(),
        1,
        "{text}"
    );
}
