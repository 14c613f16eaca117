//! End-to-end tests of the binary on fixture repositories: reports, apply, exit codes, bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use crate::support::gitops_restart;

/// A scratch copy of a fixture repository, and the binary pointed at it.
pub struct TestContext {
    dir: tempfile::TempDir,
}

impl TestContext {
    pub fn demo() -> Self {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&fixtures().join("demo/repo"), dir.path());
        TestContext { dir }
    }

    pub fn empty() -> Self {
        TestContext {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path().join(rel)).unwrap()
    }

    pub fn cmd(&self, args: &[&str]) -> Command {
        // Scrubbed: under GitHub Actions (this project's CI) the binary would also write to the
        // job's outputs and summary; these tests are about the binary outside it.
        let mut cmd = gitops_restart();
        cmd.args(args).arg("--repo").arg(self.path());
        cmd
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.cmd(args).args(["--output", "json"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Every file's bytes, for before/after comparisons.
    pub fn snapshot_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        walk(self.path(), &mut files);
        files.sort();
        files
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            walk(&entry.path(), out);
        } else {
            out.push((entry.path(), std::fs::read(entry.path()).unwrap()));
        }
    }
}

const DEMO: &[&str] = &["--all-workloads", "--launched-before", "2026-11-20"];

fn stdout_of(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn demo_plan_text() {
    let ctx = TestContext::demo();
    let before = ctx.snapshot_files();
    let text = stdout_of(ctx.cmd(&["plan"]).args(DEMO));
    insta::assert_snapshot!(text);
    assert_eq!(ctx.snapshot_files(), before, "plan must change nothing");
}

/// `--snapshot` and `--notice` of the demo.
fn demo_inputs() -> [PathBuf; 4] {
    let demo = fixtures().join("demo");
    [
        "--snapshot".into(),
        demo.join("snapshot.json"),
        "--notice".into(),
        demo.join("notice.json"),
    ]
}

/// The text report colours its action column and marks critical notes only when asked
/// (`CLICOLOR_FORCE`; never under `NO_COLOR` or in a pipe), counts down to the deadline, and
/// leaves a pipe's notes unwrapped (a terminal's are wrapped to its width).
#[test]
fn the_text_report_colours_only_when_asked_and_a_pipe_gets_whole_lines() {
    let ctx = TestContext::demo();
    let args = demo_inputs();
    let plain = stdout_of(ctx.cmd(&["plan"]).args(&args));
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain}");
    assert!(plain.contains("deadline:         2026-12-04T00:00:00Z (in 2 days)\n"));
    assert!(plain.contains("\nbump            shop         Deployment   frontend"));
    assert!(plain.contains("\n  ! shop/StatefulSet/cart-db: PodDisruptionBudget cart-db"));
    // A pipe: each note on one line, however long.
    assert!(
        plain
            .lines()
            .any(|l| l.starts_with("  - shop/Pod/debug-shell (manual): ")
                && l.ends_with("kubectl -n shop delete pod debug-shell")
                && l.len() > 300)
    );
    let coloured = stdout_of(
        ctx.cmd(&["plan"])
            .args(&args)
            .env_remove("NO_COLOR")
            .env("CLICOLOR_FORCE", "1"),
    );
    assert!(
        coloured.contains("\x1b[32mbump          \x1b[0m  shop"),
        "{coloured}"
    );
    assert!(coloured.contains("\x1b[31mnot-found     \x1b[0m  kube-system"));
    assert!(coloured.contains("\x1b[33mmanual        \x1b[0m  shop"));
    assert!(coloured.contains("  \x1b[1m\x1b[31m!\x1b[0m shop/StatefulSet/cart-db"));
    assert_eq!(
        anstream::adapter::strip_str(&coloured).to_string(),
        plain,
        "the same report, styled"
    );
}

#[test]
fn verify_counts_down_to_the_deadline_colours_the_status_and_marks_what_is_lost() {
    let ctx = TestContext::demo();
    let args = demo_inputs();
    let run = |colour: bool| {
        let mut cmd = ctx.cmd(&["verify"]);
        cmd.args(&args);
        if colour {
            cmd.env_remove("NO_COLOR").env("CLICOLOR_FORCE", "1");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "old pods are left");
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = run(false);
    assert!(!plain.contains('\x1b'), "NO_COLOR: {plain}");
    assert!(
        plain.contains("\ndeadline: 2026-12-04T00:00:00Z (in 2 days)\n"),
        "{plain}"
    );
    assert!(
        plain.contains("\n  ! PodDisruptionBudget cart-db allows no disruption"),
        "{plain}"
    );
    let coloured = run(true);
    assert!(
        coloured.contains("\x1b[31mnot-restarted\x1b[0m  shop/Deployment/frontend"),
        "{coloured}"
    );
    assert!(coloured.contains("\x1b[33msync-pending\x1b[0m  payments/Deployment/ledger"));
    assert!(coloured.contains("  \x1b[1m\x1b[31m!\x1b[0m PodDisruptionBudget cart-db"));
    assert_eq!(anstream::adapter::strip_str(&coloured).to_string(), plain);
}

#[test]
fn demo_plan_json_and_markdown() {
    let ctx = TestContext::demo();
    let json = ctx.json(&[
        "plan",
        "--all-workloads",
        "--launched-before",
        "2026-11-20",
        "--deadline",
        "2026-12-04",
    ]);
    insta::assert_json_snapshot!(json);
    let markdown = stdout_of(ctx.cmd(&["plan", "--output", "markdown"]).args(DEMO));
    insta::assert_snapshot!(markdown);
}

#[test]
fn apply_writes_what_plan_showed_and_a_second_apply_changes_nothing() {
    let ctx = TestContext::demo();
    let plan = ctx.json(&["plan", "--all-workloads", "--launched-before", "2026-11-20"]);
    let applied = ctx.json(&[
        "apply",
        "--all-workloads",
        "--launched-before",
        "2026-11-20",
    ]);
    assert_eq!(plan, applied, "apply reports the plan it carried out");
    // Each diff shown by plan, applied to the original, gives the file now on disk.
    for edit in plan["edits"].as_array().unwrap() {
        let file = edit["file"].as_str().unwrap();
        let original = std::fs::read_to_string(fixtures().join("demo/repo").join(file)).unwrap();
        let now = ctx.read(file);
        let redo = gitops_restart::report::unified_diff(file, &original, &now);
        assert_eq!(redo, edit["diff"].as_str().unwrap(), "{file}");
    }
    let after = ctx.snapshot_files();
    let again = ctx.json(&[
        "apply",
        "--all-workloads",
        "--launched-before",
        "2026-11-20",
    ]);
    assert_eq!(ctx.snapshot_files(), after, "second apply changed files");
    assert!(again["edits"].as_array().unwrap().is_empty());
    for w in again["workloads"].as_array().unwrap() {
        assert_eq!(w["action"], "already-bumped", "{w}");
    }
}

#[test]
fn exit_code_reports_pending_edits() {
    let ctx = TestContext::demo();
    ctx.cmd(&["plan", "--exit-code"])
        .args(DEMO)
        .assert()
        .code(2);
    ctx.cmd(&["plan"]).args(DEMO).assert().code(0);
    ctx.cmd(&["apply"]).args(DEMO).assert().code(0);
    ctx.cmd(&["plan", "--exit-code"])
        .args(DEMO)
        .assert()
        .code(0);
}

#[test]
fn apply_keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let ctx = TestContext::demo();
    let file = ctx.path().join("apps/shop/frontend.yaml");
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
    ctx.cmd(&["apply"]).args(DEMO).assert().success();
    assert!(ctx.read("apps/shop/frontend.yaml").contains("restartedAt"));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}

#[test]
fn refused_edit_becomes_manual_and_leaves_the_file_alone() {
    let ctx = TestContext::empty();
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template: &tpl\n    spec:\n      containers: []\n";
    ctx.write("api.yaml", text);
    let json = ctx.json(&["apply", "--all-workloads", "--restarted-at", "2026-11-20"]);
    let w = &json["workloads"][0];
    assert_eq!(w["action"], "manual");
    let reason = w["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("api.yaml:6: `template` is an alias or carries an anchor"),
        "{reason}"
    );
    assert_eq!(ctx.read("api.yaml"), text);
}

#[test]
fn gitignored_files_and_symlinks_are_not_touched() {
    let ctx = TestContext::empty();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers: []\n";
    ctx.write(".gitignore", "ignored/\n");
    ctx.write("ignored/api.yaml", manifest);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("api.yaml"), manifest).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("api.yaml"),
        ctx.path().join("link.yaml"),
    )
    .unwrap();
    let json = ctx.json(&["apply", "--all-workloads", "--restarted-at", "2026-11-20"]);
    assert!(json["workloads"].as_array().unwrap().is_empty(), "{json}");
    assert_eq!(ctx.read("ignored/api.yaml"), manifest);
    assert_eq!(
        std::fs::read_to_string(outside.path().join("api.yaml")).unwrap(),
        manifest
    );
    assert!(
        std::fs::symlink_metadata(ctx.path().join("link.yaml"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(json["skipped_files"][0]["file"], "link.yaml");
}

/// Skipped files are the files that could have mattered: Kubernetes-looking text the tool could
/// not read or edit, and whatever a kustomization lists. A CI workflow, an Ansible playbook with
/// `{{ }}` values: not Kubernetes, reached by nothing, not listed.
#[test]
fn skipped_files_are_only_files_that_could_have_mattered() {
    let ctx = TestContext::empty();
    // Valid YAML with `${{ }}` in plain scalars: read, no object, nothing to say.
    ctx.write(
        ".github/workflows/ci.yaml",
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.sha }}\n",
    );
    // `{{ }}` as whole values: a template, but of no Kubernetes object.
    ctx.write(
        ".github/workflows/matrix.yml",
        "jobs:\n  test:\n    strategy: {{ matrix }}\n",
    );
    ctx.write(
        "ansible/site.yml",
        "- hosts: all\n  tasks:\n    - copy:\n        dest: {{ path }}\n",
    );
    // Kubernetes-looking, or listed by a kustomization: listed.
    ctx.write(
        "app/broken.yaml",
        "apiVersion: v1\nkind: ConfigMap\ndata: {{ .Values.data }}\n",
    );
    ctx.write("app/json-patch.yaml", "- op: add\n  value: {{ x }}\n");
    ctx.write(
        "app/kustomization.yaml",
        "resources:\n- broken.yaml\npatches:\n- path: json-patch.yaml\n  target: {kind: Deployment}\n",
    );
    ctx.write(
        "charts/web/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    );
    ctx.write(
        "charts/web/templates/deployment.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    ctx.write(
        "charts/web/templates/list.yaml",
        "{{- range .Values.items }}\n- {{ . }}\n{{- end }}\n",
    );
    let json = ctx.json(&["plan", "--all-workloads"]);
    let mut skipped: Vec<&str> = json["skipped_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["file"].as_str().unwrap())
        .collect();
    skipped.sort_unstable();
    assert_eq!(
        skipped,
        [
            "app/broken.yaml",
            "app/json-patch.yaml",
            "charts/web/templates/deployment.yaml"
        ],
        "{json:#}"
    );
}

#[test]
fn bad_input_is_one_clear_error_and_exit_1() {
    let ctx = TestContext::demo();
    let cases: &[(&[&str], &str)] = &[
        (&["plan", "--workload", "shop/frontend"], "two slashes"),
        (
            &["plan", "--workload", "shop/Pod/x"],
            "not one of Deployment",
        ),
        (
            &["plan", "--all-workloads", "--launched-before", "yesterday"],
            "RFC 3339",
        ),
        (&["plan"], "no cutoff"),
        (
            &["plan", "--all-workloads", "--output", "yaml"],
            "possible values",
        ),
        (&["plan", "--bogus"], "unexpected argument"),
    ];
    for (args, expected) in cases {
        let out = ctx.cmd(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let missing = gitops_restart()
        .args(["plan", "--all-workloads", "--repo", "/nonexistent/repo"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&missing.stderr)
            .contains("cannot read repository /nonexistent/repo")
    );
}

#[test]
fn help_teaches_and_exits_0() {
    let out = gitops_restart().args(["plan", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--all-workloads",
        "--workload <NS/KIND/NAME>",
        "--exit-code",
        "Exit codes",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}

#[test]
fn config_file_sets_annotation_and_globs_and_names_unknown_keys() {
    let ctx = TestContext::empty();
    let manifest = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers: []\n";
    ctx.write("apps/api.yaml", manifest);
    ctx.write("legacy/api.yaml", manifest);
    ctx.write(
        ".gitops-restart.yaml",
        "annotation: example.com/restartedAt\nexclude: ['legacy/**']\n",
    );
    let json = ctx.json(&["apply", "--all-workloads", "--restarted-at", "2026-11-20"]);
    assert_eq!(json["workloads"].as_array().unwrap().len(), 1, "{json}");
    assert!(
        ctx.read("apps/api.yaml")
            .contains("example.com/restartedAt: \"2026-11-20T00:00:00Z\"")
    );
    assert_eq!(ctx.read("legacy/api.yaml"), manifest);

    ctx.write(
        ".gitops-restart.yaml",
        "pullRequest:\n  reviewer: [alice]\n",
    );
    let out = ctx.cmd(&["plan", "--all-workloads"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(".gitops-restart.yaml") && stderr.contains("reviewer"),
        "{stderr}"
    );

    let missing = ctx
        .cmd(&["plan", "--all-workloads", "--config", "/nonexistent/c.yaml"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot read /nonexistent/c.yaml"));
}

/// `apply` stages every file before renaming any; staged files must not hold a descriptor each,
/// or a repository with more files than the open-file limit could never be applied.
#[test]
fn apply_writes_more_files_than_the_open_file_limit() {
    let ctx = TestContext::empty();
    for i in 0..300 {
        ctx.write(
            &format!("apps/app-{i:03}.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-{i:03}\nspec:\n  \
                 template:\n    spec:\n      containers: []\n"
            ),
        );
    }
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        "ulimit -n 64 && exec \"$0\" apply --all-workloads --restarted-at 2026-11-20 --repo \"$1\"",
        env!("CARGO_BIN_EXE_gitops-restart"),
    ])
    .arg(ctx.path());
    crate::support::scrub(&mut cmd);
    let out = cmd.env("NO_COLOR", "1").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        ctx.read("apps/app-299.yaml")
            .contains("kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"")
    );
}

/// Inputs are read up to a limit: an endless or huge input ends with exit 1 and a message naming
/// it and the limit, instead of hanging or exhausting memory; a device is not read at all.
#[test]
fn endless_and_too_large_inputs_are_refused_with_exit_1() {
    let ctx = TestContext::demo();
    let timeout = std::time::Duration::from_secs(120);
    let refused = |cmd: &mut Command, expected: &str| {
        let out = cmd.timeout(timeout).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim_end(), format!("error: {expected}"));
        assert!(out.stdout.is_empty());
    };
    refused(
        &mut ctx.cmd(&[
            "plan",
            "--snapshot",
            "/dev/zero",
            "--launched-before",
            "2026-11-20",
        ]),
        "cannot read /dev/zero: a character device, not a file or a pipe",
    );
    // stdin is read whatever it is, up to the limit.
    let mut endless = std::process::Command::new("bash");
    endless
        .args([
            "-c",
            "exec \"$0\" plan --all-workloads --notice - --repo \"$1\" </dev/zero",
            env!("CARGO_BIN_EXE_gitops-restart"),
        ])
        .arg(ctx.path());
    crate::support::scrub(&mut endless);
    endless.env("NO_COLOR", "1");
    refused(
        &mut Command::from_std(endless),
        "cannot read -: larger than 16 MiB, the limit for a notice",
    );
    ctx.write("big.json", &" ".repeat((16 << 20) + 1));
    let big = ctx.path().join("big.json").display().to_string();
    refused(
        &mut ctx.cmd(&["plan", "--all-workloads", "--notice", &big]),
        &format!("cannot read {big}: larger than 16 MiB, the limit for a notice"),
    );
}

/// A pipe is read: `--snapshot <(kubectl get ...)` in bash.
#[test]
fn a_snapshot_from_process_substitution_is_read() {
    let ctx = TestContext::demo();
    let mut cmd = std::process::Command::new("bash");
    cmd.args([
        "-c",
        "exec \"$0\" plan --output json --repo \"$1\" --snapshot <(cat \"$2\") --notice \"$3\"",
        env!("CARGO_BIN_EXE_gitops-restart"),
    ])
    .arg(ctx.path())
    .arg(fixtures().join("demo/snapshot.json"))
    .arg(fixtures().join("demo/notice.json"));
    crate::support::scrub(&mut cmd);
    let out = cmd.env("NO_COLOR", "1").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        !report["workloads"].as_array().unwrap().is_empty(),
        "{report}"
    );
}
