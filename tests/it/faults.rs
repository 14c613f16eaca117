//! Faults that end a run, end it well: a report whose reader goes away, temporary files a
//! killed `apply` leaves, a write that fails halfway through `apply`.

use std::io::BufRead as _;
use std::process::{Command, Stdio};

use crate::cli::TestContext;
use crate::support::scrub;

/// `n` Deployments, one file each, `apps/app-0000.yaml` on: a repository whose report and whose
/// `apply` are large.
fn big_repo(ctx: &TestContext, n: usize) {
    for i in 0..n {
        ctx.write(
            &format!("apps/app-{i:04}.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i:04}\n  \
                 namespace: shop\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      \
                 app: app-{i:04}\n  template:\n    metadata:\n      labels:\n        \
                 app: app-{i:04}\n    spec:\n      containers:\n      - name: web\n        \
                 image: ghcr.io/example/app:1.0.{i}\n"
            ),
        );
    }
}

/// The binary as a plain `std::process::Command` (to spawn it and act while it runs), with the
/// scrubbed environment every test gives it.
fn binary(ctx: &TestContext, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gitops-restart"));
    scrub(&mut cmd);
    cmd.env("NO_COLOR", "1")
        .args(args)
        .arg("--repo")
        .arg(ctx.path());
    cmd
}

const EVERY_WORKLOAD: &[&str] = &["--all-workloads", "--launched-before", "2026-11-20"];

/// `plan | head -1`: the reader takes one line and goes; the run ends as it would have, with no
/// message. The report is far larger than a pipe holds, so the write does fail with EPIPE.
#[test]
fn a_report_whose_reader_goes_away_ends_quietly_with_the_runs_exit_code() {
    let ctx = TestContext::empty();
    big_repo(&ctx, 600);
    let whole = binary(&ctx, &[&["plan"], EVERY_WORKLOAD].concat())
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0));
    assert!(whole.stdout.len() > 128 * 1024, "{}", whole.stdout.len());

    for (extra, code) in [(&[][..], 0), (&["--exit-code"][..], 2)] {
        let mut child = binary(&ctx, &[&["plan"], EVERY_WORKLOAD, extra].concat())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is dropped here: the pipe's read end is closed.
        assert!(!first.is_empty());
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{extra:?}");
    }
}

/// What a run killed before its renames leaves: a temporary file of a process that is over.
fn leave_stale_temp_file(ctx: &TestContext, folder: &str) -> String {
    let mut child = Command::new("true").spawn().unwrap();
    let dead = child.id();
    child.wait().unwrap();
    let rel = format!("{folder}/.gitops-restart.{dead}.Xy12Zw.tmp");
    ctx.write(&rel, "apiVersion: apps/v1\nkind: Deploy");
    rel
}

fn report_warnings(report: &serde_json::Value) -> Vec<String> {
    report["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["code"] == "stale-temp-files")
        .map(|w| w["message"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_killed_runs_temporary_files_are_named_by_plan_and_removed_by_apply() {
    let ctx = TestContext::demo();
    let stale = leave_stale_temp_file(&ctx, "apps/shop");
    // A file of a run still going (this test process) and a file of the user's are left alone.
    let live = format!(
        "apps/shop/.gitops-restart.{}.Ab12Cd.tmp",
        std::process::id()
    );
    ctx.write(&live, "staged");
    ctx.write("apps/shop/.gitops-restart.mine.tmp", "notes");

    let plan = ctx.json(&[&["plan"], EVERY_WORKLOAD].concat());
    assert_eq!(
        report_warnings(&plan),
        [format!(
            "1 temporary file(s) that a killed apply left, which `git add -A` would commit: \
             {stale}; `gitops-restart apply` removes them, or delete them"
        )]
    );
    assert!(ctx.path().join(&stale).exists(), "plan changes nothing");

    let apply = ctx.json(&[&["apply"], EVERY_WORKLOAD].concat());
    assert_eq!(
        report_warnings(&apply),
        [format!(
            "removed 1 temporary file(s) that a killed apply had left: {stale}"
        )]
    );
    assert!(!ctx.path().join(&stale).exists());
    assert_eq!(ctx.read(&live), "staged");
    assert_eq!(ctx.read("apps/shop/.gitops-restart.mine.tmp"), "notes");
    let again = ctx.json(&[&["plan"], EVERY_WORKLOAD].concat());
    assert!(report_warnings(&again).is_empty());
}

/// `pr` commits the plan's edits and nothing else: a killed run's temporary file beside a file
/// it edits is named in the report, left in the checkout, and never reaches the branch.
#[test]
fn pr_never_commits_temporary_files() {
    use crate::fake_github::{FakeGithub, NAME, OWNER, TOKEN};
    let ctx = TestContext::demo();
    let fake = FakeGithub::start(ctx.path());
    let main = fake.files("main");
    let stale = leave_stale_temp_file(&ctx, "apps/shop");
    let out = ctx
        .cmd(&[
            "pr",
            "--workload",
            "shop/Deployment/frontend",
            "--launched-before",
            "2026-11-20",
            "--cluster",
            "prod-eks",
            "--output",
            "json",
        ])
        .args(["--api-url", &fake.url()])
        .args(["--github-repo", &format!("{OWNER}/{NAME}")])
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["pull_request"]["operation"], "created");
    assert_eq!(report_warnings(&report).len(), 1);
    assert!(report_warnings(&report)[0].contains(&stale));
    let branch = fake.files("gitops-restart/prod-eks");
    let changed: Vec<&String> = branch
        .iter()
        .filter(|(path, bytes)| main.get(*path) != Some(*bytes))
        .map(|(path, _)| path)
        .collect();
    assert_eq!(changed, ["apps/shop/frontend.yaml"]);
    assert_eq!(
        branch.keys().collect::<Vec<_>>(),
        main.keys().collect::<Vec<_>>()
    );
    assert!(ctx.path().join(&stale).exists(), "pr leaves the checkout");
    fake.assert_clean();
}

/// Every file under `dir` (relative path → text), temporary files apart, and those.
fn files_and_temporaries(
    dir: &std::path::Path,
) -> (std::collections::BTreeMap<String, String>, Vec<String>) {
    let mut files = std::collections::BTreeMap::new();
    let mut temporaries = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .display()
                .to_string();
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else if entry
                .file_name()
                .to_string_lossy()
                .starts_with(".gitops-restart.")
            {
                temporaries.push(rel);
            } else {
                files.insert(rel, std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    (files, temporaries)
}

/// `kill -9` while `apply` writes (best effort: as soon as its first temporary file shows), then
/// `apply` again: no temporary file is left, every file is whole (old or new, never half), the
/// files the killed run wrote come first in path order, and the second run finishes the job.
#[test]
fn apply_killed_midway_then_run_again_leaves_whole_files_and_no_temporary_file() {
    let ctx = TestContext::empty();
    big_repo(&ctx, 800);
    let (original, _) = files_and_temporaries(ctx.path());
    let args = [&["apply"], EVERY_WORKLOAD].concat();
    let mut child = binary(&ctx, &args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first file in path order changes with the first rename: kill then, midway.
    let first = ctx.path().join("apps/app-0000.yaml");
    let started = std::time::Instant::now();
    let killed = loop {
        if child.try_wait().unwrap().is_some() {
            break false;
        }
        if std::fs::read_to_string(&first).is_ok_and(|t| t != original["apps/app-0000.yaml"]) {
            child.kill().unwrap();
            break true;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(120));
    };
    child.wait().unwrap();
    let (middle, left) = files_and_temporaries(ctx.path());
    let renamed = middle.iter().filter(|(p, t)| *t != &original[*p]).count();
    eprintln!(
        "killed: {killed}; {renamed} of {} files renamed, {} temporary files left",
        middle.len(),
        left.len()
    );

    let out = binary(&ctx, &[&args[..], &["--output", "json"]].concat())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (last, temporaries) = files_and_temporaries(ctx.path());
    assert!(temporaries.is_empty(), "{temporaries:?}");
    if !left.is_empty() {
        assert_eq!(report_warnings(&report).len(), 1, "{report}");
    }
    assert_eq!(
        last.keys().collect::<Vec<_>>(),
        original.keys().collect::<Vec<_>>()
    );
    let mut written = Vec::new();
    for (path, text) in &middle {
        assert!(
            text == &original[path] || text == &last[path],
            "{path} is neither its old nor its new text:\n{text}"
        );
        written.push(text == &last[path]);
    }
    // Path order: the files written first are the first paths.
    assert!(
        written.windows(2).all(|w| w[0] || !w[1]),
        "written out of path order"
    );
    for (path, text) in &last {
        assert!(
            text.contains("kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\""),
            "{path}:\n{text}"
        );
    }
    let again = ctx.json(&[&["plan"], EVERY_WORKLOAD].concat());
    assert!(again["edits"].as_array().unwrap().is_empty(), "{again}");
}

/// A file that can't be written, in the middle of the plan: the message names it, the cause and
/// every planned file, none of which was written.
#[test]
fn apply_that_cannot_write_a_file_says_which_and_that_none_was_written() {
    use std::os::unix::fs::PermissionsExt as _;
    let ctx = TestContext::empty();
    big_repo(&ctx, 5);
    let read_only = ctx.path().join("apps/app-0002.yaml");
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = ctx.snapshot_files();
    let out = binary(&ctx, &[&["apply"], EVERY_WORKLOAD].concat())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: cannot write apps/app-0002.yaml; no file was written (none of the 5 planned \
         files: apps/app-0000.yaml, apps/app-0001.yaml, apps/app-0002.yaml, apps/app-0003.yaml, \
         apps/app-0004.yaml): it is read-only (mode 444), so it is not replaced: make it \
         writable (`chmod u+w`) or exclude it in .gitops-restart.yaml\n"
    );
    assert!(out.stdout.is_empty());
    assert!(ctx.snapshot_files() == before, "a file was written");
}
