//! Faults that end a run, end it well: a report whose reader goes away, temporary files a
//! killed `apply` leaves, a write that fails halfway through `apply`.

use std::io::BufRead as _;
use std::process::{Command, Stdio};

use crate::cli::TestContext;
use crate::support::scrub;

/// `n` Deployments, one file each, `apps/app-0000.yaml` on: a repository whose report and whose
/// `apply` are large.
pub fn big_repo(ctx: &TestContext, n: usize) {
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
