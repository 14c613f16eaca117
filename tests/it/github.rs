//! End-to-end tests of `pr` against the stateful fake GitHub of [`super::fake_github`]: create,
//! leave alone, update, close, races, retries, permission errors, stale checkouts, and a token
//! that never shows.

use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::{Value, json};

use super::cli::{TestContext, fixtures};
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN};

pub(crate) const BRANCH: &str = "gitops-restart/prod-eks";
pub(crate) const TIME_UNIT_VAR: &str = "GITOPS_RESTART_GITHUB_TIME_UNIT_MS";
pub(crate) const FRONTEND: &[&str] = &[
    "--workload",
    "shop/Deployment/frontend",
    "--launched-before",
    "2026-11-20",
    "--deadline",
    "2026-12-04",
    "--cluster",
    "prod-eks",
];

/// `pr` pointed at the fake, with the token in GITHUB_TOKEN and waits in milliseconds.
pub(crate) fn pr(ctx: &TestContext, fake: &FakeGithub, args: &[&str]) -> Command {
    let mut cmd = ctx.cmd(&["pr"]);
    cmd.args(args)
        .args(["--api-url", &fake.url()])
        .env("GITHUB_TOKEN", TOKEN)
        .env(TIME_UNIT_VAR, "1")
        .args(["--github-repo", &format!("{OWNER}/{NAME}")]);
    cmd
}

/// Run, check that the token shows nowhere, and return the output.
pub(crate) fn run(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    for stream in [&out.stdout, &out.stderr] {
        let text = String::from_utf8_lossy(stream);
        assert!(!text.contains(TOKEN), "the token was printed:\n{text}");
    }
    out
}

/// Run `pr --output json`, expect success, return the report (which must conform to
/// `schema/report.schema.json`).
pub(crate) fn json(ctx: &TestContext, fake: &FakeGithub, args: &[&str]) -> Value {
    let out = run(pr(ctx, fake, args).args(["--output", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = serde_json::from_slice(&out.stdout).unwrap();
    super::schema::assert_report_conforms(&report);
    report
}

/// Run `pr`, expect failure, return stderr.
pub(crate) fn failure(ctx: &TestContext, fake: &FakeGithub, args: &[&str]) -> String {
    let out = run(&mut pr(ctx, fake, args));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stderr).unwrap()
}

pub(crate) fn operation(report: &Value) -> &str {
    report["pull_request"]["operation"].as_str().unwrap()
}

pub(crate) fn count(log: &[String], prefix: &str) -> usize {
    log.iter().filter(|l| l.starts_with(prefix)).count()
}

#[test]
fn creates_leaves_alone_then_updates() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let before = ctx.snapshot_files();
    let main = fake.branch_sha("main").unwrap();

    let report = json(&ctx, &fake, FRONTEND);
    let head = fake.branch_sha(BRANCH).unwrap();
    assert_eq!(
        report["pull_request"],
        json!({"operation": "created", "number": 1, "branch": BRANCH, "head_sha": head,
               "url": format!("https://github.com/{OWNER}/{NAME}/pull/1")})
    );
    assert_eq!(
        report["workloads"][0]["action"], "bump",
        "the plan report is kept"
    );
    let log = fake.log();
    assert_eq!(
        fake.writes(),
        [
            format!("POST /repos/{OWNER}/{NAME}/git/trees"),
            format!("POST /repos/{OWNER}/{NAME}/git/commits"),
            format!("POST /repos/{OWNER}/{NAME}/git/refs"),
            format!("POST /repos/{OWNER}/{NAME}/pulls"),
        ]
    );
    assert_eq!(log.len(), 9, "{log:#?}");
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    assert_eq!(
        pull.title,
        "Restart Fargate workloads on prod-eks before 2026-12-04T00:00:00Z"
    );
    assert_eq!((pull.head.as_str(), pull.base.as_str()), (BRANCH, "main"));
    assert!(
        pull.body
            .contains("; EKS evicts in 2 days (Fri 4 Dec, 00:00 UTC)")
    );
    assert!(
        pull.body
            .contains("| `shop/Deployment/frontend` | - | - | `apps/shop/frontend.yaml:3` |")
    );
    assert!(!pull.draft);
    assert_eq!(
        fake.parents(BRANCH),
        std::slice::from_ref(&main),
        "one commit on main"
    );
    assert_eq!(
        ctx.snapshot_files(),
        before,
        "pr must not touch the working tree"
    );

    // The same run again: reads only.
    fake.clear_log();
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "unchanged");
    assert_eq!(fake.writes(), Vec::<String>::new(), "{:#?}", fake.log());
    assert_eq!(report["pull_request"]["head_sha"], head.as_str());

    // One more workload: the branch, title and body follow, still one pull request.
    fake.clear_log();
    let mut more = FRONTEND.to_vec();
    more.extend(["--workload", "shop/StatefulSet/cart-db"]);
    let report = json(&ctx, &fake, &more);
    assert_eq!(operation(&report), "updated");
    assert_eq!(report["pull_request"]["number"], 1);
    let moved = fake.branch_sha(BRANCH).unwrap();
    assert_ne!(moved, head);
    assert_eq!(report["pull_request"]["head_sha"], moved.as_str());
    let writes = fake.writes();
    assert_eq!(
        count(&writes, "POST /repos/acme/gitops/pulls"),
        0,
        "{writes:#?}"
    );
    assert_eq!(
        count(&writes, "PATCH /repos/acme/gitops/git/refs/heads/"),
        1
    );
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    assert!(pulls[0].body.contains("cart-db"));
    let files = fake.files(BRANCH);
    for path in ["apps/shop/frontend.yaml", "apps/shop/cart.yaml"] {
        let text = String::from_utf8(files[path].clone()).unwrap();
        assert!(text.contains("2026-11-20T00:00:00Z"), "{path}: {text}");
    }
    assert_eq!(fake.parents(BRANCH), [main], "still one commit on main");

    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, &more)), "unchanged");
    assert!(fake.writes().is_empty());

    // A new notice moves the deadline: only the title and the body change.
    fake.clear_log();
    let mut later = more.clone();
    later[5] = "2026-12-11";
    let report = json(&ctx, &fake, &later);
    assert_eq!(operation(&report), "updated");
    assert_eq!(
        fake.writes(),
        [format!("PATCH /repos/{OWNER}/{NAME}/pulls/1")]
    );
    assert!(fake.pulls()[0].title.ends_with("2026-12-11T00:00:00Z"));
    assert_eq!(ctx.snapshot_files(), before);
    fake.assert_clean();
}

#[test]
fn the_commit_holds_what_apply_writes_byte_for_byte() {
    let ctx = TestContext::demo();
    // CRLF, a byte-order mark and no final newline must survive the API too.
    ctx.write(
        "apps/extra/crlf.yaml",
        "\u{feff}apiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: crlf\r\n  namespace: extra\r\nspec:\r\n  template:\r\n    spec:\r\n      containers: []",
    );
    let fake = FakeGithub::start(ctx.path());
    let args = [
        "--all-workloads",
        "--launched-before",
        "2026-11-20",
        "--cluster",
        "prod-eks",
    ];
    let report = json(&ctx, &fake, &args);
    assert_eq!(operation(&report), "created");

    let applied = TestContext::demo();
    applied.write("apps/extra/crlf.yaml", &ctx.read("apps/extra/crlf.yaml"));
    let out = applied.cmd(&["apply"]).args(args).output().unwrap();
    assert!(out.status.success());
    let expected: std::collections::BTreeMap<String, Vec<u8>> = applied
        .snapshot_files()
        .into_iter()
        .map(|(path, bytes)| {
            let rel = path.strip_prefix(applied.path()).unwrap();
            (rel.to_string_lossy().replace('\\', "/"), bytes)
        })
        .collect();
    let committed = fake.files(BRANCH);
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>()
    );
    for (path, bytes) in &expected {
        assert!(
            committed[path] == *bytes,
            "{path} differs from what apply writes"
        );
    }
    assert_eq!(report["edits"].as_array().unwrap().len(), 7);
    fake.assert_clean();
}

/// `pr` opens the pull request; then the restart reaches main another way, and the checkout
/// is pulled: nothing is left to restart.
pub(crate) fn open_then_restart_elsewhere(ctx: &TestContext, fake: &FakeGithub) {
    assert_eq!(operation(&json(ctx, fake, FRONTEND)), "created");
    let apply = ctx.cmd(&["apply"]).args(FRONTEND).output().unwrap();
    assert!(apply.status.success());
    fake.push(
        "main",
        "apps/shop/frontend.yaml",
        &ctx.read("apps/shop/frontend.yaml"),
    );
}

#[test]
fn closes_when_nothing_is_left_and_then_does_nothing() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    open_then_restart_elsewhere(&ctx, &fake);

    fake.clear_log();
    let head = fake.branch_sha(BRANCH).unwrap();
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(report["pull_request"]["operation"], "closed");
    assert_eq!(report["pull_request"]["number"], 1);
    assert_eq!(report["pull_request"]["head_sha"], head.as_str());
    assert_eq!(
        fake.writes(),
        [
            format!("POST /repos/{OWNER}/{NAME}/issues/1/comments"),
            format!("PATCH /repos/{OWNER}/{NAME}/pulls/1"),
        ]
    );
    let pull = &fake.pulls()[0];
    assert_eq!(pull.state, "closed");
    assert!(
        pull.comments[0].contains("Nothing is left to restart"),
        "{}",
        pull.comments[0]
    );

    fake.clear_log();
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(
        report["pull_request"],
        json!({"operation": "none", "number": null, "url": null, "branch": BRANCH,
               "head_sha": null})
    );
    assert!(fake.writes().is_empty());

    // Text output says so too.
    let out = run(&mut pr(&ctx, &fake, FRONTEND));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("pull request: none"), "{text}");
    fake.assert_clean();
}

#[test]
fn a_concurrent_run_that_opened_it_first_is_updated_not_duplicated() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    fake.race_next_pull();
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "updated");
    assert_eq!(report["pull_request"]["number"], 1);
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1, "never two pull requests");
    assert!(
        pulls[0].title.contains("prod-eks"),
        "our title replaced theirs"
    );
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "unchanged");
    assert!(fake.writes().is_empty());
    fake.assert_clean();
}

#[test]
fn server_errors_are_retried() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let oops = json!({"message": "Server Error"});
    fake.fail("POST", "/git/commits", 2, 502, oops.clone(), &[]);
    fake.fail("GET", "/pulls", 1, 503, oops, &[]);
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "created");
    let log = fake.log();
    assert_eq!(count(&log, "POST /repos/acme/gitops/git/commits"), 3);
    assert_eq!(count(&log, "GET /repos/acme/gitops/pulls"), 2);
    assert_eq!(fake.pulls().len(), 1);
    fake.assert_clean();
}

#[test]
fn secondary_rate_limits_wait_what_retry_after_says() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    fake.fail(
        "POST",
        "/git/trees",
        1,
        403,
        json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}),
        &[("retry-after", "6")],
    );
    let started = Instant::now();
    let out = run(pr(&ctx, &fake, FRONTEND)
        .env(TIME_UNIT_VAR, "50")
        .args(["--output", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Retry-After 6 at 50 ms per second: at least 300 ms, where the backoff would be 50 ms.
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(count(&fake.log(), "POST /repos/acme/gitops/git/trees"), 2);
    fake.assert_clean();
}

#[test]
fn forbidden_names_the_permission_and_the_next_run_finishes() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let denied = json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/git/trees#create-a-tree", "status": "403"});
    fake.fail("POST", "/git/trees", 1, 403, denied.clone(), &[]);
    let err = failure(&ctx, &fake, FRONTEND);
    assert!(err.contains("`contents: write`"), "{err}");
    assert!(err.contains("acme/gitops"), "{err}");
    assert!(
        err.contains("Resource not accessible by integration"),
        "{err}"
    );
    assert!(fake.pulls().is_empty());
    assert_eq!(fake.branch_sha(BRANCH), None);

    // Commit and branch made, the pull request refused: the next run finishes the job.
    fake.fail("POST", "/pulls", 1, 403, denied, &[]);
    let err = failure(&ctx, &fake, FRONTEND);
    assert!(err.contains("`pull-requests: write`"), "{err}");
    assert!(fake.branch_sha(BRANCH).is_some());
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "created");
    assert_eq!(fake.pulls().len(), 1);
    fake.assert_clean();
}

#[test]
fn a_bad_or_missing_token_is_named_never_shown() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let wrong = "ghp_wrongTokenWrongTokenWrongToken000000";
    let out = run(pr(&ctx, &fake, FRONTEND).env("GITHUB_TOKEN", wrong));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("GITHUB_TOKEN") && err.contains("401"), "{err}");
    assert!(!err.contains(wrong), "{err}");

    let out = run(pr(&ctx, &fake, FRONTEND)
        .env_remove("GITHUB_TOKEN")
        .env("MY_TOKEN", TOKEN)
        .args(["--token-env", "MY_TOKEN", "--output", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(pr(&ctx, &fake, FRONTEND).env_remove("GITHUB_TOKEN"));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no GitHub token: set GITHUB_TOKEN"), "{err}");
}

#[test]
fn a_stale_checkout_is_refused_naming_the_file() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let upstream = ctx
        .read("apps/shop/frontend.yaml")
        .replace("replicas: 3", "replicas: 4");
    fake.push("main", "apps/shop/frontend.yaml", &upstream);
    fake.clear_log();
    let err = failure(&ctx, &fake, FRONTEND);
    assert!(
        err.contains("apps/shop/frontend.yaml: the checkout differs from `main`"),
        "{err}"
    );
    assert!(err.contains("git pull"), "{err}");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    assert!(fake.pulls().is_empty());
    fake.assert_clean();
}

#[test]
fn labels_reviewers_assignees_and_draft_from_the_config_file() {
    let ctx = TestContext::demo();
    ctx.write(
        ".gitops-restart.yaml",
        "pullRequest:\n  branchPrefix: restarts/\n  labels: [restart, eks]\n  reviewers: [alice]\n  \
         teamReviewers: [platform]\n  assignees: [bob]\n  draft: true\n  title: 'Restart {cluster} by {deadline}'\n",
    );
    let fake = FakeGithub::start(ctx.path());
    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(report["pull_request"]["branch"], "restarts/prod-eks");
    // The 9 of a plain new pull request, one for labels and assignees, one for reviewers.
    let log = fake.log();
    assert_eq!(log.len(), 11, "{log:#?}");
    let pull = &fake.pulls()[0];
    assert_eq!(pull.title, "Restart prod-eks by 2026-12-04T00:00:00Z");
    assert!(pull.draft);
    assert_eq!(pull.labels, ["restart", "eks"]);
    assert_eq!(pull.assignees, ["bob"]);
    assert_eq!(pull.reviewers, ["alice"]);
    assert_eq!(pull.teams, ["platform"]);

    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "unchanged");
    assert!(fake.writes().is_empty());

    // Flags replace the file's lists; a missing label is added on the next run.
    fake.clear_log();
    let mut args = FRONTEND.to_vec();
    args.extend(["--label", "urgent"]);
    assert_eq!(operation(&json(&ctx, &fake, &args)), "updated");
    assert_eq!(
        fake.writes(),
        [format!("PATCH /repos/{OWNER}/{NAME}/issues/1")]
    );
    assert_eq!(fake.pulls()[0].labels, ["restart", "eks", "urgent"]);
    fake.assert_clean();
}

#[test]
fn the_repository_comes_from_the_origin_remote() {
    let ctx = TestContext::demo();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(ctx.path())
            .args(args)
            .output()
    };
    if git(&["init", "-q"]).is_err() {
        eprintln!("git is not installed; skipped");
        return;
    }
    let remote = "https://x-access-token:remote-secret@github.com/acme/gitops.git";
    assert!(
        git(&["remote", "add", "origin", remote])
            .unwrap()
            .status
            .success()
    );
    let fake = FakeGithub::start(ctx.path());
    // No --github-repo and no GITHUB_REPOSITORY: the remote says.
    let mut cmd = ctx.cmd(&["pr"]);
    cmd.args(FRONTEND)
        .args(["--api-url", &fake.url(), "--output", "json"])
        .env("GITHUB_TOKEN", TOKEN);
    let out = run(&mut cmd);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(operation(&report), "created");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("remote-secret"));
    fake.assert_clean();
}

#[test]
fn a_long_body_cuts_the_table_never_the_warnings() {
    let ctx = TestContext::empty();
    for i in 0..1500 {
        ctx.write(
            &format!("apps/team-{:02}/service-with-a-rather-long-name-{i:05}.yaml", i % 40),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: service-with-a-rather-long-name-{i:05}\n  namespace: team-{:02}\nspec:\n  template:\n    spec:\n      containers: []\n",
                i % 40
            ),
        );
    }
    let fake = FakeGithub::start(ctx.path());
    let notice = fixtures().join("demo/terminations.jsonl");
    let report = json(
        &ctx,
        &fake,
        &[
            "--all-workloads",
            "--launched-before",
            "2026-11-20",
            "--notice",
            notice.to_str().unwrap(),
        ],
    );
    assert_eq!(operation(&report), "created");
    let body = &fake.pulls()[0].body;
    assert!(body.chars().count() <= 65_536, "{}", body.len());
    assert!(
        body.contains("more workload(s) not shown"),
        "the table is cut"
    );
    assert!(body.contains("> [!WARNING]"), "warnings are kept");
    assert!(body.contains("### After merge"));
    let log = fake.log();
    assert!(log.len() <= 10, "no request per file: {log:#?}");
    fake.assert_clean();
}

/// The request counts of BENCHMARKS.md: `cargo test --release --test it request_counts -- \
/// --ignored --nocapture` (benches/github.sh).
#[test]
#[ignore = "benchmark: run by benches/github.sh"]
fn request_counts() {
    println!(
        "| files changed | new PR: requests (writes) | unchanged re-run | update (base moved) | close | wall time, new PR |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for files in [1, 50, 500] {
        let ctx = TestContext::empty();
        for i in 0..files {
            ctx.write(
                &format!("apps/app-{i:04}/deployment.yaml"),
                &format!(
                    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i:04}\n  namespace: apps\nspec:\n  template:\n    spec:\n      containers: []\n"
                ),
            );
        }
        ctx.write("README.md", "unrelated\n");
        let fake = FakeGithub::start(ctx.path());
        let args = [
            "--all-workloads",
            "--launched-before",
            "2026-11-20",
            "--cluster",
            "bench",
        ];
        let measure = |expect: &str| {
            fake.clear_log();
            let started = Instant::now();
            let report = json(&ctx, &fake, &args);
            let elapsed = started.elapsed();
            assert_eq!(operation(&report), expect);
            let log = fake.log();
            (log.len(), fake.writes().len(), elapsed)
        };
        let (created, created_writes, wall) = measure("created");
        let (unchanged, unchanged_writes, _) = measure("unchanged");
        assert_eq!(unchanged_writes, 0);
        fake.push("main", "README.md", "moved on\n");
        let (updated, updated_writes, _) = measure("updated");
        // Nothing left to restart: the workloads carry the restart on main and in the checkout.
        let applied = ctx.cmd(&["apply"]).args(args).output().unwrap();
        assert!(applied.status.success());
        let branch_files = fake.files("gitops-restart/bench");
        for (path, bytes) in &branch_files {
            if path.ends_with("deployment.yaml") {
                fake.push("main", path, std::str::from_utf8(bytes).unwrap());
            }
        }
        let (closed, closed_writes, _) = measure("closed");
        fake.assert_clean();
        println!(
            "| {files} | {created} ({created_writes}) | {unchanged} ({unchanged_writes}) | {updated} ({updated_writes}) | {closed} ({closed_writes}) | {} ms |",
            wall.as_millis()
        );
        assert!(created <= 10);
    }
}

#[test]
fn a_repo_folder_inside_the_checkout_commits_at_the_right_paths() {
    let ctx = TestContext::empty();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  template:\n    spec:\n      containers: []\n";
    ctx.write("deploy/apps/web.yaml", manifest);
    ctx.write("README.md", "the checkout's root\n");
    let init = std::process::Command::new("git")
        .arg("-C")
        .arg(ctx.path())
        .args(["init", "-q"])
        .output();
    if init.is_err() {
        eprintln!("git is not installed; skipped");
        return;
    }
    let fake = FakeGithub::start(ctx.path());
    let out = run(crate::support::gitops_restart()
        .args(["pr", "--repo"])
        .arg(ctx.path().join("deploy"))
        .args([
            "--workload",
            "shop/Deployment/web",
            "--restarted-at",
            "2026-11-20",
        ])
        .args(["--cluster", "prod-eks", "--api-url", &fake.url()])
        .args(["--github-repo", &format!("{OWNER}/{NAME}")])
        .env("GITHUB_TOKEN", TOKEN));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("pull request: created #1 https://github.com/acme/gitops/pull/1 (branch gitops-restart/prod-eks)"),
        "{stdout}"
    );
    let files = fake.files(BRANCH);
    let web = String::from_utf8(files["deploy/apps/web.yaml"].clone()).unwrap();
    assert!(
        web.contains("kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\""),
        "{web}"
    );
    assert_eq!(files.len(), 2, "{:?}", files.keys());
    fake.assert_clean();
}

/// The kustomize layout: prod's base is shared with staging, so the restart creates
/// `overlays/prod/gitops-restart-patch.yaml`.
fn shared_base() -> TestContext {
    let ctx = TestContext::empty();
    super::cli::copy_dir(
        &super::cli::fixtures().join("layouts/kustomize"),
        ctx.path(),
    );
    ctx
}

const PROD_PODINFO: &[&str] = &[
    "--cluster",
    "prod-eks",
    "--workload",
    "prod/Deployment/prod-podinfo-v2",
    "--restarted-at",
    "2026-11-20",
];
const PATCH: &str = "overlays/prod/gitops-restart-patch.yaml";
const PROD_BRANCH: &str = "gitops-restart/prod-eks";

/// Regression: `pr` demanded that every changed file already exist on the base branch, so a plan
/// that creates the overlay's patch file never opened a pull request.
#[test]
fn files_the_plan_creates_are_committed_as_new_entries() {
    let ctx = shared_base();
    let fake = FakeGithub::start(ctx.path());
    let before = ctx.snapshot_files();
    let report = json(&ctx, &fake, PROD_PODINFO);
    assert_eq!(operation(&report), "created", "{report}");
    assert!(ctx.snapshot_files() == before, "the checkout was changed");

    let applied = shared_base();
    let out = applied.cmd(&["apply"]).args(PROD_PODINFO).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let committed = fake.files(PROD_BRANCH);
    assert_eq!(committed[PATCH], applied.read(PATCH).into_bytes());
    assert_eq!(
        committed["overlays/prod/kustomization.yaml"],
        applied
            .read("overlays/prod/kustomization.yaml")
            .into_bytes()
    );

    fake.clear_log();
    let again = json(&ctx, &fake, PROD_PODINFO);
    assert_eq!(operation(&again), "unchanged");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());
    fake.assert_clean();
}

#[test]
fn a_created_file_the_base_already_holds_differently_is_a_stale_checkout() {
    let ctx = shared_base();
    let fake = FakeGithub::start(ctx.path());
    fake.push("main", PATCH, "# someone else's patch\n");
    fake.clear_log();
    let err = failure(&ctx, &fake, PROD_PODINFO);
    assert!(
        err.contains(&format!("{PATCH}: the checkout differs from `main`")),
        "{err}"
    );
    assert!(err.contains("the checkout has no such file"), "{err}");
    assert!(fake.writes().is_empty(), "{:#?}", fake.log());

    // The same bytes on the base (the patch merged since the checkout was pulled) are fine.
    let applied = shared_base();
    assert!(
        applied
            .cmd(&["apply"])
            .args(PROD_PODINFO)
            .output()
            .unwrap()
            .status
            .success()
    );
    let same = FakeGithub::start(ctx.path());
    same.push("main", PATCH, &applied.read(PATCH));
    let report = json(&ctx, &same, PROD_PODINFO);
    assert_eq!(operation(&report), "created", "{report}");
    assert_eq!(
        same.files(PROD_BRANCH)[PATCH],
        applied.read(PATCH).into_bytes()
    );
    same.assert_clean();
}

/// Regression: a comment whose answer was a 5xx after GitHub had posted it was sent again (the
/// closing comment appeared three times), and then the run stopped without closing. Now the
/// comments are listed for the comment's hidden marker before it is sent again: one comment, and
/// the pull request closed.
#[test]
fn a_comment_answered_500_after_landing_is_posted_once() {
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    open_then_restart_elsewhere(&ctx, &fake);
    fake.fail_after_landing("POST", "/comments", 1, 500);
    fake.clear_log();

    let report = json(&ctx, &fake, FRONTEND);
    assert_eq!(operation(&report), "closed");
    let log = fake.log();
    assert_eq!(
        count(&log, "POST /repos/acme/gitops/issues/1/comments"),
        1,
        "{log:#?}"
    );
    // Looked for before posting, and again after the 500.
    assert_eq!(
        count(&log, "GET /repos/acme/gitops/issues/1/comments"),
        2,
        "{log:#?}"
    );
    let pull = &fake.pulls()[0];
    assert_eq!(pull.comments.len(), 1);
    assert_eq!(pull.state, "closed");

    // A later run that finds it open again (reopened by hand) does not comment twice.
    fake.reopen(1);
    fake.clear_log();
    assert_eq!(operation(&json(&ctx, &fake, FRONTEND)), "closed");
    assert_eq!(fake.pulls()[0].comments.len(), 1);
    assert_eq!(
        fake.writes(),
        [format!("PATCH /repos/{OWNER}/{NAME}/pulls/1")]
    );
    fake.assert_clean();
}
