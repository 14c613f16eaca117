//! End-to-end tests of `pr`'s lifecycle against the fake GitHub, with the clock injected through
//! `GITOPS_RESTART_NOW`: the due title and labels as the deadline nears, the one reminder when
//! 48 hours are left, and the follow-through after a merge (the verification commented on the
//! merged pull request, a follow-up for what is left); every re-run at the same time writes
//! nothing.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::cli::{TestContext, fixtures};
use super::fake_github::{FakeGithub, NAME, OWNER};
use super::github::{FRONTEND, operation, pr, run};

const NOW_VARIABLE: &str = "GITOPS_RESTART_NOW";
const TITLE: &str = "Restart Fargate workloads on prod-eks before 2026-12-04T00:00:00Z";

/// `pr --output json` at `now`, expecting success.
fn at(ctx: &TestContext, fake: &FakeGithub, now: &str, args: &[&str]) -> Value {
    let mut cmd = pr(ctx, fake, args);
    cmd.env(NOW_VARIABLE, now).args(["--output", "json"]);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn repo(path: &str) -> String {
    format!("/repos/{OWNER}/{NAME}{path}")
}

#[test]
fn the_title_and_label_follow_the_deadline_and_reviewers_are_reminded_once() {
    let ctx = TestContext::demo();
    ctx.write(
        ".gitops-restart.yaml",
        "pullRequest:\n  reviewers: [alice]\n",
    );
    let fake = FakeGithub::start(ctx.path());

    // 5 days before: nothing is due.
    fake.set_clock("2026-11-29T00:00:00Z");
    let report = at(&ctx, &fake, "2026-11-29T00:00:00Z", FRONTEND);
    assert_eq!(operation(&report), "created");
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, TITLE);
    assert!(pull.labels.is_empty(), "{:?}", pull.labels);
    assert_eq!(pull.reviewers, ["alice"]);
    // alice reviews; a person adds a label of their own.
    fake.review(1, "alice");
    fake.set_labels(1, &["needs-care"]);
    fake.clear_log();
    assert_eq!(
        operation(&at(&ctx, &fake, "2026-11-29T00:00:00Z", FRONTEND)),
        "unchanged"
    );
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // 47 hours before: due within 48 hours, alice asked again, one comment says what is left.
    fake.clear_log();
    let report = at(&ctx, &fake, "2026-12-02T01:00:00Z", FRONTEND);
    assert_eq!(operation(&report), "updated");
    assert_eq!(
        fake.writes(),
        [
            format!("PATCH {}", repo("/pulls/1")),
            format!("PATCH {}", repo("/issues/1")),
            format!("POST {}", repo("/pulls/1/requested_reviewers")),
            format!("POST {}", repo("/issues/1/comments")),
        ]
    );
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, format!("[due within 48 hours] {TITLE}"));
    assert_eq!(pull.labels, ["needs-care", "gitops-restart:due-soon"]);
    assert_eq!(pull.reviewers, ["alice"]);
    assert_eq!(pull.comments.len(), 1);
    let comment = &pull.comments[0];
    for part in [
        "47 hour(s) are left before EKS evicts the old Fargate pods (2026-12-04T00:00:00Z)",
        "restarts 1 workload(s) still running old pods: `shop/Deployment/frontend`",
        "Reviews were requested again from `@alice`",
        "<!-- gitops-restart:due-48h -->",
    ] {
        assert!(comment.contains(part), "{part}:\n{comment}");
    }
    // The same time again: nothing is written.
    fake.clear_log();
    assert_eq!(
        operation(&at(&ctx, &fake, "2026-12-02T01:00:00Z", FRONTEND)),
        "unchanged"
    );
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // 1 hour before: due within 24 hours; the due label is replaced, no second reminder.
    fake.clear_log();
    at(&ctx, &fake, "2026-12-03T23:00:00Z", FRONTEND);
    assert_eq!(
        fake.writes(),
        [
            format!("PATCH {}", repo("/pulls/1")),
            format!("PATCH {}", repo("/issues/1")),
        ]
    );
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, format!("[due within 24 hours] {TITLE}"));
    assert_eq!(pull.labels, ["needs-care", "gitops-restart:due-today"]);
    assert_eq!(pull.comments.len(), 1, "reminded once");
    fake.clear_log();
    at(&ctx, &fake, "2026-12-03T23:00:00Z", FRONTEND);
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // 1 hour after: overdue.
    fake.clear_log();
    at(&ctx, &fake, "2026-12-04T01:00:00Z", FRONTEND);
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, format!("[overdue] {TITLE}"));
    assert_eq!(pull.labels, ["needs-care", "gitops-restart:overdue"]);
    assert_eq!(pull.comments.len(), 1);
    assert_eq!(
        fake.writes().len(),
        2,
        "the title (and body) and the labels: {:#?}",
        fake.log()
    );
    fake.clear_log();
    at(&ctx, &fake, "2026-12-04T01:00:00Z", FRONTEND);
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    fake.assert_clean();
}

#[test]
fn a_branch_others_committed_to_is_still_reminded_once_and_nothing_else_is_written() {
    let ctx = TestContext::demo();
    ctx.write(
        ".gitops-restart.yaml",
        "pullRequest:\n  reviewers: [alice]\n",
    );
    let fake = FakeGithub::start(ctx.path());
    fake.set_clock("2026-11-29T00:00:00Z");
    at(&ctx, &fake, "2026-11-29T00:00:00Z", FRONTEND);
    let branch = fake.pulls()[0].head.clone();
    fake.push(&branch, "apps/shop/frontend.yaml", "# a person's change\n");
    for round in 0..2 {
        fake.clear_log();
        let report = at(&ctx, &fake, "2026-12-02T01:00:00Z", FRONTEND);
        assert_eq!(operation(&report), "others-committed", "round {round}");
        let writes = fake.writes();
        if round == 0 {
            assert!(
                writes.contains(&format!("POST {}", repo("/pulls/1/requested_reviewers"))),
                "{writes:#?}"
            );
        } else {
            assert!(writes.is_empty(), "{:#?}", fake.log());
        }
        assert!(
            writes.iter().all(|w| w.starts_with("POST")),
            "no branch, title or label change: {writes:#?}"
        );
    }
    let pull = &fake.pulls()[0];
    let reminders = pull
        .comments
        .iter()
        .filter(|c| c.contains("<!-- gitops-restart:due-48h -->"))
        .count();
    assert_eq!(reminders, 1, "{:#?}", pull.comments);
    fake.assert_clean();
}

#[test]
fn a_pull_request_opened_within_the_last_48_hours_is_not_reminded() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    fake.set_clock("2026-12-02T12:00:00Z");
    at(&ctx, &fake, "2026-12-02T12:00:00Z", FRONTEND);
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, format!("[due within 48 hours] {TITLE}"));
    assert_eq!(pull.labels, ["gitops-restart:due-soon"]);
    fake.clear_log();
    at(&ctx, &fake, "2026-12-03T01:00:00Z", FRONTEND);
    assert!(fake.pulls()[0].comments.is_empty());
    fake.assert_clean();
}

/// The demo's snapshot, without the pods of `shop/StatefulSet/cart-db`: before they were
/// affected.
fn without_cart_db(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fixtures().join("demo/snapshot.json")).unwrap();
    let mut snapshot: Value = serde_json::from_str(&text).unwrap();
    snapshot["items"]
        .as_array_mut()
        .unwrap()
        .retain(|item| item["metadata"]["name"] != "cart-db-0");
    let path = dir.join("before.json");
    std::fs::write(&path, serde_json::to_string(&snapshot).unwrap()).unwrap();
    path
}

/// The notice and `snapshot`.
fn inputs(snapshot: &Path) -> Vec<String> {
    let notice = fixtures().join("demo/notice.json");
    vec![
        "--notice".to_owned(),
        notice.display().to_string(),
        "--snapshot".to_owned(),
        snapshot.display().to_string(),
    ]
}

/// `apply` in the checkout at `now`: what the merge brought to `main`.
fn pull_main(ctx: &TestContext, args: &[String], now: &str) {
    let out = ctx
        .cmd(&["apply"])
        .args(args)
        .env(NOW_VARIABLE, now)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn after_the_merge_the_verification_is_commented_once_and_what_is_left_follows_up() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let inputs_dir = tempfile::tempdir().unwrap();
    let before = inputs(&without_cart_db(inputs_dir.path()));
    let before: Vec<&str> = before.iter().map(String::as_str).collect();
    let now = "2026-11-25T00:00:00Z";
    assert_eq!(operation(&at(&ctx, &fake, now, &before)), "created");
    let first = fake.pulls()[0].clone();
    assert!(first.body.contains("frontend"), "{}", first.body);

    // Merged; the checkout pulls main. The cluster now shows cart-db's old pod too, and the
    // others not synced yet.
    fake.merge_at(1, "2026-11-26T00:00:00Z");
    pull_main(&ctx, &inputs(Path::new(&before[3])), now);
    let demo = fixtures().join("demo/snapshot.json");
    let after = inputs(&demo);
    let after: Vec<&str> = after.iter().map(String::as_str).collect();
    let now = "2026-11-27T00:00:00Z";
    fake.clear_log();
    let report = at(&ctx, &fake, now, &after);
    assert_eq!(operation(&report), "created");
    assert_eq!(report["pull_request"]["number"], 2);
    let followed = &report["pull_request"]["followed"];
    assert_eq!(followed["number"], 1, "{report:#}");
    assert_eq!(followed["commented"], true);
    assert!(followed["remaining_pods"].as_u64().unwrap() > 0);
    let writes = fake.writes();
    assert_eq!(
        writes[0],
        format!("POST {}", repo("/issues/1/comments")),
        "the comment first: {writes:#?}"
    );
    assert_eq!(writes.last().unwrap(), &format!("POST {}", repo("/pulls")));
    let pulls = fake.pulls();
    assert_eq!(pulls[0].comments.len(), 1);
    let comment = &pulls[0].comments[0];
    for part in [
        "### After the merge",
        "2026-11-27T00:00:00Z",
        "sync-pending",
        "cart-db",
        "a follow-up pull request restarts the 1 workload(s) whose manifests don't carry the \
         restart yet: `shop/StatefulSet/cart-db`",
        "Argo CD or Flux has not synced the restart of 3 workload(s) yet",
        "3 workload(s) need a person",
        "<!-- gitops-restart:verified result=",
    ] {
        assert!(comment.contains(part), "{part}:\n{comment}");
    }
    // The follow-up restarts cart-db only, and names the merged one.
    let follow_up = &pulls[1];
    assert!(
        follow_up.body.starts_with(&format!(
            "> Follows [#1](https://github.com/{OWNER}/{NAME}/pull/1), merged"
        )),
        "{}",
        follow_up.body
    );
    assert!(follow_up.body.contains("follows=1 -->"));
    let files = fake.files(super::github::BRANCH);
    let main = fake.files("main");
    let changed: Vec<&String> = files
        .iter()
        .filter(|(path, bytes)| main.get(*path) != Some(bytes))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(changed, ["apps/shop/cart.yaml"]);

    // Again: the follow-up is up to date, the merged one commented: nothing is written. (The
    // follow-up is open now, so the merged one is not looked at.)
    fake.clear_log();
    let report = at(&ctx, &fake, now, &after);
    assert_eq!(operation(&report), "unchanged");
    assert!(
        report["pull_request"].get("followed").is_none(),
        "{report:#}"
    );
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // The follow-up merges, the cluster syncs: one comment on it says nothing is left, and no
    // pull request opens; a second run writes nothing.
    fake.merge_at(2, "2026-11-28T00:00:00Z");
    pull_main(
        &ctx,
        &after.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
        now,
    );
    let synced = inputs(&fixtures().join("../tests/scenarios/demo/cluster-after.json"));
    let synced: Vec<&str> = synced.iter().map(String::as_str).collect();
    let now = "2026-11-29T00:00:00Z";
    fake.clear_log();
    let report = at(&ctx, &fake, now, &synced);
    assert_eq!(operation(&report), "none");
    assert_eq!(
        fake.writes(),
        [format!("POST {}", repo("/issues/2/comments"))]
    );
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 2);
    let comment = &pulls[1].comments[0];
    assert!(
        comment.contains("none: nothing is left for EKS to evict"),
        "{comment}"
    );
    assert_eq!(pulls[0].comments.len(), 1, "the first is left alone");
    assert_eq!(report["pull_request"]["followed"]["number"], 2);
    assert_eq!(report["pull_request"]["followed"]["remaining_pods"], 0);
    fake.clear_log();
    let report = at(&ctx, &fake, now, &synced);
    assert_eq!(
        report["pull_request"]["followed"]["commented"], false,
        "said before: {report:#}"
    );
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    fake.assert_clean();
}

#[test]
fn a_merged_pull_request_not_opened_by_the_tool_or_before_the_cutoff_gets_no_comment() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let synced = inputs(&fixtures().join("../tests/scenarios/demo/cluster-after.json"));
    let synced: Vec<&str> = synced.iter().map(String::as_str).collect();
    // A person's pull request from the branch, merged: no marker in its body.
    fake.open_by_hand(super::github::BRANCH, "a person's restart", "by hand");
    fake.merge_at(1, "2026-11-26T00:00:00Z");
    fake.clear_log();
    at(&ctx, &fake, "2026-11-29T00:00:00Z", &synced);
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    assert!(fake.pulls()[0].comments.is_empty());

    // Ours, but merged before this notice's cutoff (an earlier event).
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    at(&ctx, &fake, "2026-11-25T00:00:00Z", FRONTEND);
    fake.merge_at(1, "2026-11-20T08:00:00Z");
    fake.clear_log();
    at(&ctx, &fake, "2026-11-29T00:00:00Z", &synced);
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    assert!(fake.pulls()[0].comments.is_empty());
    fake.assert_clean();
}
