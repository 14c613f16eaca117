//! The action's install step (`action.yml`), run with the harness of [`super`] but without
//! `GITOPS_RESTART_BIN`: `GITOPS_RESTART_RELEASE_URL` points at a loopback server that serves
//! release assets (`fake_release.rs`). A good release runs `plan` on the demo; a wrong
//! checksum, a missing asset and an unreachable server each end with one `::error`; a runner
//! or ref without a released binary chooses the source build (run up to that decision: the
//! build itself is cargo's). Also: every `run:` script passes shellcheck, and the timings of
//! `benches/action.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ActionRun, Runner, action_file, assert_demo_plan_outputs};
use crate::fake_release::{self, FakeRelease};

/// The demo's `plan` inputs.
const DEMO_PLAN: [(&str, &str); 4] = [
    ("command", "plan"),
    ("repo-path", "gitops"),
    ("snapshot", "snapshot.json"),
    ("notice", "notice.json"),
];

/// The `::error` annotations of a run (the action's own go to stdout, the binary's to stderr).
fn errors(run: &ActionRun) -> Vec<String> {
    run.stdout
        .lines()
        .chain(run.stderr.lines())
        .filter(|l| l.starts_with("::error"))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_released_binary_is_downloaded_verified_and_run() {
    let release = FakeRelease::start();
    let asset = release.publish_release(None, None, true);
    // A major tag: the version comes from the action's own Cargo.toml, which the tag points at.
    let runner = Runner::released(&release.url(), "v0");
    let started = std::time::Instant::now();
    let run = runner.run(&DEMO_PLAN);
    let elapsed = started.elapsed();
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    let tag = fake_release::tag();
    assert_eq!(
        release.requests(),
        [
            format!("/download/{tag}/SHA256SUMS"),
            "/storage/SHA256SUMS".to_owned(),
            format!("/download/{tag}/{asset}"),
            format!("/storage/{asset}"),
        ],
        "the sums first, then the asset, each through GitHub's redirect"
    );
    let sum = fake_release::sha256(fake_release::host_asset().1);
    assert!(
        run.stdout.contains(&format!(
            "SHA-256 {sum} verified against {}/{tag}/SHA256SUMS",
            release.url()
        )),
        "{}",
        run.stdout
    );
    // The binary that ran is the one extracted from the archive, under RUNNER_TEMP.
    let binary = PathBuf::from(&run.steps["install"]["binary"]);
    assert!(binary.starts_with(&run.runner_temp), "{binary:?}");
    assert!(binary.ends_with(format!(
        "{}/gitops-restart",
        asset.strip_suffix(".tar.gz").unwrap()
    )));
    assert!(!run.steps["install"].contains_key("build"));
    assert!(!run.stdout.contains("::notice"), "no source build");
    assert_demo_plan_outputs(&run);
    assert!(
        run.summary
            .contains("| `shop/Deployment/frontend` | 3 | 2026-11-10 08:00 |")
    );
    eprintln!("download, verify and plan through the action: {elapsed:?}");
}

#[test]
fn a_wrong_checksum_is_an_error_and_nothing_runs_or_builds() {
    let release = FakeRelease::start();
    let tampered = b"not the archive the sums were written for".as_slice();
    let sum = fake_release::sha256(fake_release::host_asset().1);
    let asset = release.publish_release(Some(tampered), Some(&sum), true);
    let run = Runner::released(&release.url(), &fake_release::tag()).run(&DEMO_PLAN);
    assert!(!run.success);
    let url = format!("{}/{}/{asset}", release.url(), fake_release::tag());
    let errors = errors(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let actual = fake_release::sha256(tampered);
    assert!(
        errors[0].starts_with(&format!(
            "::error title=gitops-restart::checksum mismatch: {asset} from {url} has SHA-256 \
             {actual}, but the release's SHA256SUMS says {sum}. The file was deleted unrun and \
             nothing was built in its place."
        )),
        "{}",
        errors[0]
    );
    // Stopped at the install step: no source build, no run, the file gone, nothing extracted.
    assert!(!run.steps.contains_key("build") && !run.steps.contains_key("run"));
    assert!(!run.stdout.contains("building gitops-restart from source"));
    assert_eq!(run.outputs["affected-count"], "");
    let left: Vec<PathBuf> = walk(&run.runner_temp);
    assert!(
        left.iter()
            .all(|p| p.extension().is_none_or(|e| e != "gz") && !p.ends_with("gitops-restart")),
        "{left:?}"
    );
}

#[test]
fn a_missing_asset_is_an_error_naming_it() {
    let tag = fake_release::tag();
    // The sums are there, the archive is not.
    let release = FakeRelease::start();
    let asset = release.publish_release(None, None, false);
    let run = Runner::released(&release.url(), &tag).run(&DEMO_PLAN);
    assert!(!run.success);
    let url = format!("{}/{tag}/{asset}", release.url());
    assert_eq!(
        errors(&run),
        [format!(
            "::error title=gitops-restart::release asset {asset} not found: {url} answered 404. \
             Release {tag} may still be publishing (retry when its release workflow has \
             finished) or lack this asset; or set GITOPS_RESTART_BIN to a gitops-restart binary"
        )]
    );

    // No release at all for a tag: an error too, naming SHA256SUMS.
    let empty = FakeRelease::start();
    let run = Runner::released(&empty.url(), "v0.1").run(&DEMO_PLAN);
    assert!(!run.success);
    let found = errors(&run);
    assert!(
        found.len() == 1
            && found[0].starts_with(&format!(
                "::error title=gitops-restart::release asset SHA256SUMS not found: {}/{tag}/SHA256SUMS answered 404.",
                empty.url()
            )),
        "{found:?}"
    );
    assert!(!run.steps["install"].contains_key("build"));

    // A sums file without a line for this target: an error, before any download of it.
    let partial = FakeRelease::start();
    partial.publish(
        "SHA256SUMS",
        format!("{}  other.tar.gz\n", "0".repeat(64)).as_bytes(),
    );
    let run = Runner::released(&partial.url(), &tag).run(&DEMO_PLAN);
    assert!(!run.success);
    assert_eq!(
        errors(&run),
        [format!(
            "::error title=gitops-restart::{}/{tag}/SHA256SUMS lists no SHA-256 for {asset}: \
             release {tag} has no verified binary for {}; set GITOPS_RESTART_BIN to a \
             gitops-restart binary",
            partial.url(),
            fake_release::host().unwrap().2
        )]
    );
    assert_eq!(
        partial.requests().len(),
        2,
        "the sums and their redirect only"
    );
}

#[test]
fn an_unreachable_server_is_an_error_naming_it() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}/download");
    let started = std::time::Instant::now();
    let run = Runner::released(&base, &fake_release::tag()).run(&DEMO_PLAN);
    assert!(!run.success);
    let errors = errors(&run);
    let url = format!("{base}/{}/SHA256SUMS", fake_release::tag());
    assert!(
        errors.len() == 1
            && errors[0].starts_with(&format!(
                "::error title=gitops-restart::cannot download SHA256SUMS from {url}: curl: (7) "
            ))
            && errors[0].ends_with(&format!(
                "(curl exit 7). Check that the runner reaches http://127.0.0.1:{port} (directly, or through the proxy of HTTPS_PROXY, with NO_PROXY); or set \
                 GITOPS_RESTART_BIN to a gitops-restart binary"
            )),
        "{errors:?}"
    );
    assert!(!run.stdout.contains("building gitops-restart from source"));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

#[test]
fn without_a_released_binary_the_source_build_is_chosen_and_said() {
    let release = FakeRelease::start();
    let rustc = Command::new("rustc").arg("-vV").output().unwrap().stdout;
    let rustc_hash = fake_release::sha256(&rustc);
    let lock_hash = fake_release::sha256(
        &std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock")).unwrap(),
    );
    let key = format!("{}-{}", &lock_hash[..16], &rustc_hash[..16]);
    let decide = |runner: &Runner| {
        let run = runner.run_until(&DEMO_PLAN, Some("install"));
        assert!(run.success, "{}\n{}", run.stdout, run.stderr);
        assert_eq!(run.steps["install"]["build"], "true");
        // The cache is keyed on the lock file and the compiler.
        assert_eq!(run.steps["install"]["key"], key);
        assert!(!run.steps["install"].contains_key("binary"));
        run.stdout
    };

    // A runner the release has no binary for.
    let mut windows = Runner::released(&release.url(), &fake_release::tag());
    windows
        .job_env
        .push(("RUNNER_OS".to_owned(), "Windows".to_owned()));
    let stdout = decide(&windows);
    assert!(
        stdout.contains(&format!(
            "::notice title=gitops-restart::no released binary for Windows/{} (there are for \
             Linux and macOS, X64 and ARM64): building gitops-restart from source with cargo",
            fake_release::host().unwrap().1
        )),
        "{stdout}"
    );
    // A branch.
    let stdout = decide(&Runner::released(&release.url(), "main"));
    assert!(stdout.contains(
        "::notice title=gitops-restart::the action runs at `main`, a branch with no release of its own: building"
    ), "{stdout}");
    // A commit whose version has no release.
    let stdout = decide(&Runner::released(
        &release.url(),
        "0123456789abcdef0123456789abcdef01234567",
    ));
    assert!(stdout.contains(&format!(
        "::notice title=gitops-restart::release {} has no SHA256SUMS at {}/{}/SHA256SUMS (404): the action's commit is not a release: building",
        fake_release::tag(), release.url(), fake_release::tag()
    )), "{stdout}");
    // A local action (`uses: ./`): its own source, whatever was released.
    let mut local = Runner::released(&release.url(), "");
    local.job_env.push((
        "GITHUB_WORKSPACE".to_owned(),
        env!("CARGO_MANIFEST_DIR").to_owned(),
    ));
    let stdout = decide(&local);
    assert!(stdout.contains("a local action (uses: ./...) runs its own source"));
    assert_eq!(
        release.requests(),
        [format!("/download/{}/SHA256SUMS", fake_release::tag())],
        "only the commit's look for its release"
    );

    // No Rust toolchain either: an error saying what to install.
    let tools = tempfile::tempdir().unwrap();
    for tool in ["bash", "awk", "cut", "sha256sum"] {
        if let Ok(path) = which(tool) {
            std::os::unix::fs::symlink(path, tools.path().join(tool)).unwrap();
        }
    }
    windows
        .job_env
        .push(("PATH".to_owned(), tools.path().display().to_string()));
    let run = windows.run_until(&DEMO_PLAN, Some("install"));
    assert!(!run.success);
    assert_eq!(
        errors(&run),
        [format!(
            "::error title=gitops-restart::no released binary for Windows/{} (there are for Linux \
             and macOS, X64 and ARM64), and there is no Rust toolchain to build gitops-restart \
             from source: install Rust 1.88 or later before this step (for example with \
             dtolnay/rust-toolchain), or set GITOPS_RESTART_BIN to a gitops-restart binary",
            fake_release::host().unwrap().1
        )]
    );
}

/// Timings for BENCHMARKS.md (`benches/action.sh`, which passes a release build as
/// `GITOPS_RESTART_BENCH_BIN`): the install step alone (download and verify) and the demo's
/// `plan` through every step of the action, each from a fresh runner folder, against the
/// loopback release server; 5 runs each, median and slowest. Prints a markdown table.
#[test]
#[ignore = "a benchmark: benches/action.sh"]
fn timing() {
    use std::time::{Duration, Instant};
    let bin = std::env::var("GITOPS_RESTART_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_gitops-restart").to_owned());
    let archive = fake_release::pack(Path::new(&bin));
    let release = FakeRelease::start();
    release.publish_release(Some(&archive), None, true);
    let tag = fake_release::tag();
    let (mut install, mut total) = (Vec::new(), Vec::new());
    for _ in 0..5 {
        let runner = Runner::released(&release.url(), &tag);
        let started = Instant::now();
        let run = runner.run_until(&DEMO_PLAN, Some("install"));
        install.push(started.elapsed());
        assert!(run.success && run.steps["install"].contains_key("binary"));

        let runner = Runner::released(&release.url(), &tag);
        let started = Instant::now();
        let run = runner.run(&DEMO_PLAN);
        total.push(started.elapsed());
        assert!(run.success, "{}", run.stderr);
        assert_demo_plan_outputs(&run);
    }
    let row = |what: &str, times: &mut Vec<Duration>, target: &str| {
        times.sort();
        println!(
            "| {what} | {} ms | {} ms | {target} |",
            times[times.len() / 2].as_millis(),
            times[times.len() - 1].as_millis()
        );
    };
    println!("| from the action's start | median | slowest | target |");
    println!("|---|---:|---:|---|");
    row(
        &format!(
            "download and verify (install step: `SHA256SUMS`, the {} KiB archive, SHA-256, extract, `--version`)",
            archive.len() / 1024
        ),
        &mut install,
        "under 5 s",
    );
    row(
        "the demo's `plan` through the action's steps (install, build skipped, run: 8 workloads, report, outputs, summary)",
        &mut total,
        "under 10 s",
    );
}

/// Where `tool` is on PATH.
fn which(tool: &str) -> std::io::Result<PathBuf> {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()?;
    let path = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if path.is_empty() {
        Err(std::io::Error::other(format!("no {tool}")))
    } else {
        Ok(PathBuf::from(path))
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn run_scripts_pass_shellcheck() {
    // .ci/run installs shellcheck; elsewhere this checks nothing and says so.
    if which("shellcheck").is_err() {
        eprintln!("shellcheck is not installed: the action's scripts were not checked");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    for (n, step) in action_file().runs.steps.iter().enumerate() {
        let Some(script) = &step.run else { continue };
        let path = scratch.path().join(format!("step{n}.sh"));
        std::fs::write(&path, format!("#!/usr/bin/env bash\n{script}")).unwrap();
        let out = Command::new("shellcheck").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{:?}: {}",
            step.name,
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
