//! `pr` when input is wrong, people act on its pull request, and writes fail half way (issue 14),
//! against the fake GitHub of [`super::fake_github`] (and the fake Kubernetes API for a live
//! context): it closes only on evidence, leaves a branch others committed to alone until handed
//! back, does not reopen what a person closed, converges what an earlier run left half done, and
//! checks a creation whose answer was lost before sending it again.

use serde_json::{Value, json};

use super::cli::{TestContext, fixtures};
use super::fake_github::{FakeGithub, NAME, OWNER};
use super::fake_kube::FakeKube;
use super::github::{BRANCH, FRONTEND, count, failure, json, operation, pr, run};

fn demo(file: &str) -> String {
    fixtures().join("demo").join(file).display().to_string()
}

/// The demo snapshot's objects, `change`d, written as a `v1 List` to `name` in `dir`.
fn snapshot(dir: &std::path::Path, name: &str, change: impl Fn(&mut Vec<Value>)) -> String {
    let text = std::fs::read_to_string(demo("snapshot.json")).unwrap();
    let mut list: Value = serde_json::from_str(&text).unwrap();
    change(list["items"].as_array_mut().unwrap());
    let path = dir.join(name);
    std::fs::write(&path, list.to_string()).unwrap();
    path.display().to_string()
}

fn pods(items: &mut [Value]) -> impl Iterator<Item = &mut Value> {
    items.iter_mut().filter(|i| i["kind"] == "Pod")
}

/// Every pod replaced since the notice's cutoff: nothing is affected.
fn restarted(items: &mut [Value]) {
    for pod in pods(items) {
        pod["metadata"]["creationTimestamp"] = json!("2026-11-25T00:00:00Z");
    }
}

#[test]
fn a_wrong_inventory_never_closes_the_pull_request_a_whole_one_does() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let dir = tempfile::tempdir().unwrap();
    let notice = demo("notice.json");
    let report = json(
        &ctx,
        &fake,
        &["--snapshot", &demo("snapshot.json"), "--notice", &notice],
    );
    assert_eq!(operation(&report), "created");

    let pods_only = snapshot(dir.path(), "pods-only.json", |items| {
        restarted(items);
        items.retain(|i| i["kind"] == "Pod");
    });
    let deployments_only = snapshot(dir.path(), "deployments.json", |items| {
        items.retain(|i| i["kind"] == "Deployment");
    });
    let on_ec2 = snapshot(dir.path(), "ec2.json", |items| {
        restarted(items);
        for pod in pods(items) {
            pod["spec"]["schedulerName"] = json!("default-scheduler");
            pod["spec"]["nodeName"] = json!("ip-10-0-1-20.eu-west-1.compute.internal");
            for member in ["labels", "annotations"] {
                if let Some(map) = pod["metadata"][member].as_object_mut() {
                    map.retain(|k, _| !k.contains("fargate") && k != "CapacityProvisioned");
                }
            }
        }
    });
    let other_cluster = snapshot(dir.path(), "other.json", |items| {
        for pod in pods(items) {
            let name = pod["metadata"]["name"].as_str().unwrap().to_owned();
            pod["metadata"]["name"] = json!(format!("{name}-x"));
        }
    });
    let terminations = demo("terminations.jsonl");
    let cases: [(&str, Vec<&str>, &str); 5] = [
        (
            "pods only",
            vec!["--snapshot", &pods_only, "--notice", &notice],
            "the owners of 15 pod(s) are not in it",
        ),
        (
            "the wrong kinds",
            vec!["--snapshot", &deployments_only, "--notice", &notice],
            "the inventory holds no pod",
        ),
        (
            "no Fargate pods",
            vec!["--snapshot", &on_ec2, "--notice", &notice],
            "runs on Fargate",
        ),
        (
            "another cluster's pods",
            vec!["--snapshot", &other_cluster, "--notice", &terminations],
            "the notices name is in it (shop/cart-db-0): the inventory may be of another cluster",
        ),
        (
            "the wrong repository",
            vec![
                "--workload",
                "shop/Deployment/not-here",
                "--launched-before",
                "2026-11-20",
                "--cluster",
                "prod-eks",
            ],
            "not found in the repository",
        ),
    ];
    for (case, args, reason) in cases {
        fake.clear_log();
        let err = failure(&ctx, &fake, &args);
        assert!(
            err.contains("not closing pull request #1 (https://github.com/acme/gitops/pull/1)"),
            "{case}: {err}"
        );
        assert!(err.contains(reason), "{case}: {reason:?} not in {err}");
        assert!(err.contains("left as it is"), "{case}: {err}");
        assert_eq!(fake.writes(), Vec::<String>::new(), "{case}");
        assert_eq!(fake.pulls()[0].state, "open", "{case}");
    }

    // The whole cluster, every pod replaced since the cutoff: closed.
    let whole = snapshot(dir.path(), "whole.json", |items| restarted(items));
    fake.clear_log();
    let report = json(&ctx, &fake, &["--snapshot", &whole, "--notice", &notice]);
    assert_eq!(operation(&report), "closed");
    let pull = &fake.pulls()[0];
    assert_eq!(pull.state, "closed");
    assert!(pull.comments[0].contains("Nothing is left to restart"));
    fake.assert_clean();
}

/// A kubeconfig whose one context is named as `aws eks update-kubeconfig` names it.
fn eks_kubeconfig(dir: &std::path::Path, server: &str, cluster: &str) -> String {
    let path = dir.join(format!("kubeconfig-{cluster}"));
    let context = format!("arn:aws:eks:eu-west-1:111122223333:cluster/{cluster}");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n  - name: c\n    cluster:\n      server: {server}\n\
             contexts:\n  - name: \"{context}\"\n    context:\n      cluster: c\n      user: u\n\
             current-context: \"{context}\"\nusers:\n  - name: u\n    user:\n      token: {}\n",
            super::fake_kube::TOKEN
        ),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn a_context_for_another_cluster_never_closes_the_pull_request() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let notice = demo("notice.json");
    let report = json(
        &ctx,
        &fake,
        &["--snapshot", &demo("snapshot.json"), "--notice", &notice],
    );
    assert_eq!(operation(&report), "created");

    let text = std::fs::read_to_string(demo("snapshot.json")).unwrap();
    let mut list: Value = serde_json::from_str(&text).unwrap();
    restarted(list["items"].as_array_mut().unwrap());
    let kube = FakeKube::with_objects(list["items"].as_array().unwrap().clone());
    let dir = tempfile::tempdir().unwrap();

    let staging = eks_kubeconfig(dir.path(), &kube.server(), "staging-eks");
    fake.clear_log();
    let out = run(pr(
        &ctx,
        &fake,
        &["--kubeconfig", &staging, "--notice", &notice],
    )
    .env("HOME", dir.path()));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the kube context is for cluster `staging-eks`, the run for `prod-eks`"),
        "{err}"
    );
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    let prod = eks_kubeconfig(dir.path(), &kube.server(), "prod-eks");
    let out = run(
        pr(&ctx, &fake, &["--kubeconfig", &prod, "--notice", &notice])
            .env("HOME", dir.path())
            .args(["--output", "json"]),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(operation(&report), "closed");
    fake.assert_clean();
}

const CART_DB: &[&str] = &["--workload", "shop/StatefulSet/cart-db"];

fn frontend_and(more: &[&'static str]) -> Vec<&'static str> {
    let mut args = FRONTEND.to_vec();
    args.extend(more);
    args
}

#[test]
fn commits_by_others_stop_updates_until_the_branch_is_handed_back() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let main = fake.branch_sha("main").unwrap();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "created");
    assert!(
        fake.head_message(BRANCH)
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("Gitops-Restart-Tree: "),
        "{}",
        fake.head_message(BRANCH)
    );
    // A reviewer pins the image on the branch.
    let theirs = fake.files(BRANCH)["apps/shop/frontend.yaml"].clone();
    let theirs = String::from_utf8(theirs).unwrap() + "# pinned by a reviewer\n";
    fake.push(BRANCH, "apps/shop/frontend.yaml", &theirs);
    let head = fake.branch_sha(BRANCH).unwrap();
    let body = fake.pulls()[0].body.clone();

    // The edits change: still nothing written but the comment, once.
    let more = frontend_and(CART_DB);
    for round in 0..2 {
        fake.clear_log();
        let report = json(&ctx, &fake, &more);
        assert_eq!(operation(&report), "others-committed", "round {round}");
        assert_eq!(report["pull_request"]["number"], 1);
        let notes = report["pull_request"]["notes"].to_string();
        assert!(notes.contains("gitops-restart:rebase"), "{notes}");
        let expected: Vec<String> = if round == 0 {
            vec![format!("POST /repos/{OWNER}/{NAME}/issues/1/comments")]
        } else {
            Vec::new()
        };
        assert_eq!(fake.writes(), expected, "round {round}");
        assert_eq!(fake.branch_sha(BRANCH).unwrap(), head);
        assert_eq!(fake.pulls()[0].body, body);
    }
    let pull = &fake.pulls()[0];
    assert_eq!(pull.comments.len(), 1);
    assert!(
        pull.comments[0].contains("add the label `gitops-restart:rebase`"),
        "{}",
        pull.comments[0]
    );
    // The text report and the closing path say so too: nothing is closed under them.
    let out = run(&mut pr(&ctx, &fake, FRONTEND));
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pull request: others-committed #1"), "{text}");

    // Handed back: the branch is ours again, on main, with the new edits, the label gone.
    fake.set_labels(1, &["gitops-restart:rebase"]);
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, &more)), "updated");
    let writes = fake.writes();
    assert_eq!(
        count(
            &writes,
            "DELETE /repos/acme/gitops/issues/1/labels/gitops-restart:rebase"
        ),
        1,
        "{writes:#?}"
    );
    assert_eq!(
        count(&writes, "PATCH /repos/acme/gitops/git/refs/heads/"),
        1
    );
    assert_eq!(fake.parents(BRANCH), [main]);
    let files = fake.files(BRANCH);
    assert!(!String::from_utf8_lossy(&files["apps/shop/frontend.yaml"]).contains("pinned"));
    assert!(String::from_utf8_lossy(&files["apps/shop/cart.yaml"]).contains("2026-11-20"));
    assert!(fake.pulls()[0].labels.is_empty());
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, &more)), "unchanged");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    fake.assert_clean();
}

#[test]
fn removing_their_commits_hands_the_branch_back_too() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "created");
    let ours = fake.branch_sha(BRANCH).unwrap();
    fake.push(BRANCH, "README.md", "theirs\n");
    assert_eq!(
        operation(&json(&ctx, &fake, &frontend_and(CART_DB))),
        "others-committed"
    );
    fake.set_branch(BRANCH, &ours);
    assert_eq!(
        operation(&json(&ctx, &fake, &frontend_and(CART_DB))),
        "updated"
    );
    fake.assert_clean();
}

#[test]
fn a_pull_request_closed_by_hand_is_not_reopened_for_the_same_edits() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "created");
    fake.close_by_hand(1);

    fake.clear_log();
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "declined");
    assert_eq!(report["pull_request"]["number"], 1);
    let notes = report["pull_request"]["notes"].to_string();
    assert!(notes.contains("closed without merging"), "{notes}");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    assert_eq!(fake.pulls().len(), 1);

    // Other edits: a new pull request, whose body names the one closed.
    let more = frontend_and(CART_DB);
    fake.clear_log();
    let report = json(&ctx, &fake, &more);
    assert_eq!(operation(&report), "created");
    assert_eq!(report["pull_request"]["number"], 2);
    let body = &fake.pulls()[1].body;
    assert!(
        body.contains(
            "An earlier pull request of this branch, [#1](https://github.com/acme/gitops/pull/1), \
             was closed without merging"
        ),
        "{body}"
    );
    assert!(
        body.contains("without merging declines these edits"),
        "{body}"
    );
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, &more)), "unchanged");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // Merged, not declined: the same edits again (a stale checkout aside) are not refused as
    // declined.
    fake.merge(2);
    fake.clear_log();
    let out = run(&mut pr(&ctx, &fake, &more));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the checkout differs from `main`"), "{err}");
    fake.assert_clean();
}

/// A repository configured with labels, reviewers and assignees.
fn with_people() -> TestContext {
    let ctx = TestContext::demo();
    ctx.write(
        ".gitops-restart.yaml",
        "pullRequest:\n  labels: [restart]\n  reviewers: [alice, bob]\n  teamReviewers: [platform]\n  \
         assignees: [carol]\n",
    );
    ctx
}

#[test]
fn reviewers_a_failed_request_missed_are_asked_by_the_next_run_people_are_not_overruled() {
    let ctx = with_people();
    let fake = FakeGithub::start(ctx.path());
    let oops = json!({"message": "Server Error"});
    fake.fail("POST", "/requested_reviewers", 5, 502, oops, &[]);
    let err = failure(&ctx, &fake, FRONTEND);
    assert!(err.contains("cannot request reviews"), "{err}");
    assert!(fake.pulls()[0].reviewers.is_empty());

    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "updated");
    assert_eq!(
        fake.writes(),
        [format!(
            "POST /repos/{OWNER}/{NAME}/pulls/1/requested_reviewers"
        )]
    );
    assert_eq!(fake.pulls()[0].reviewers, ["alice", "bob"]);
    assert_eq!(fake.pulls()[0].teams, ["platform"]);

    // alice reviews (GitHub drops her from the requested list), a person removes the request
    // of bob and the label: nobody is asked again, nothing is put back.
    fake.review(1, "alice");
    fake.unrequest(1, "bob");
    fake.set_labels(1, &[]);
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "unchanged");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    let pull = &fake.pulls()[0];
    assert!(pull.labels.is_empty() && pull.reviewers.is_empty());
    assert_eq!(pull.assignees, ["carol"]);
    fake.assert_clean();
}

#[test]
fn a_pull_request_answered_502_after_landing_is_opened_once_and_decorated() {
    let ctx = with_people();
    let fake = FakeGithub::start(ctx.path());
    fake.fail_after_landing("POST", "/acme/gitops/pulls", 1, 502);
    fake.fail_after_landing("POST", "/git/refs", 1, 502);
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "created");
    let log = fake.log();
    // Each checked once before it was (not) sent again.
    assert_eq!(count(&log, "GET /repos/acme/gitops/pulls?"), 2, "{log:#?}");
    assert_eq!(
        count(
            &log,
            &format!("GET /repos/acme/gitops/git/ref/heads/{BRANCH}")
        ),
        1,
        "{log:#?}"
    );
    let opened = log
        .iter()
        .filter(|l| *l == "POST /repos/acme/gitops/pulls")
        .count();
    assert_eq!(opened, 1, "{log:#?}");
    assert_eq!(
        count(&log, "POST /repos/acme/gitops/git/refs"),
        1,
        "{log:#?}"
    );
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0].labels, ["restart"]);
    assert_eq!(pulls[0].reviewers, ["alice", "bob"]);
    assert_eq!(pulls[0].teams, ["platform"]);
    assert_eq!(pulls[0].assignees, ["carol"]);
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "unchanged");
    assert!(fake.writes().is_empty());
    fake.assert_clean();
}

#[test]
fn an_unreachable_github_is_named_with_the_cause_and_where_to_look() {
    let ctx = TestContext::demo();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let cases = [
        (
            format!("http://127.0.0.1:{port}/api/v3"),
            format!("cannot reach GitHub at http://127.0.0.1:{port}/api/v3 to list the pull requests in acme/gitops: the connection was refused"),
        ),
        (
            "https://github.invalid/api/v3".to_owned(),
            "cannot reach GitHub at https://github.invalid/api/v3 to list the pull requests in acme/gitops: the host name does not resolve".to_owned(),
        ),
    ];
    // TLS to a server that speaks plain HTTP.
    let plain = FakeGithub::start(ctx.path());
    let tls = plain.url().replace("http://", "https://") + "/api/v3";
    let cases = cases.into_iter().chain([(
        tls.clone(),
        format!("cannot reach GitHub at {tls} to list the pull requests in acme/gitops: the TLS connection failed"),
    )]);
    for (url, expected) in cases {
        let mut cmd = ctx.cmd(&["pr"]);
        cmd.args(FRONTEND)
            .args(["--api-url", &url, "--github-repo", "acme/gitops"])
            .env("GITHUB_TOKEN", super::fake_github::TOKEN)
            .env(super::github::TIME_UNIT_VAR, "1");
        let out = run(&mut cmd);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains(&expected), "{expected:?} not in {err}");
        assert!(err.contains("(tried 5 times)"), "{err}");
        assert!(
            err.contains("check the API URL (--api-url, or GITHUB_API_URL), any proxy"),
            "{err}"
        );
    }
}

#[test]
fn a_branch_others_committed_to_is_not_taken_for_a_new_pull_request() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "created");
    fake.push(BRANCH, "README.md", "theirs\n");
    fake.close_by_hand(1);
    let head = fake.branch_sha(BRANCH).unwrap();
    let err = failure(&ctx, &fake, &frontend_and(CART_DB));
    assert!(
        err.contains(&format!(
            "branch `{BRANCH}` in acme/gitops holds commits that are not gitops-restart's"
        )),
        "{err}"
    );
    assert!(err.contains("delete the branch"), "{err}");
    assert_eq!(fake.branch_sha(BRANCH).unwrap(), head);
    assert_eq!(fake.pulls().len(), 1);
    fake.assert_clean();
}
