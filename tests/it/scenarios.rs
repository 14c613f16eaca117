//! The end-to-end scenario suite: every folder under `tests/scenarios` holds a GitOps repository,
//! the cluster before and after the restart, and the expected outcome (the format is in
//! `tests/scenarios/README.md`). Each step runs the binary on a fresh copy of the repository:
//!
//! 1. `plan`, from the snapshot and from the same objects served by the fake Kubernetes API:
//!    exactly the expected workloads, actions and files, and the same report both ways;
//! 2. `apply`: exactly the expected files are created or changed, every line they held stays
//!    (but restart values replaced in place), and a second `plan` has nothing left to edit;
//! 3. renders with real `kubectl kustomize`, before and after: the listed objects change only in
//!    restart values, every other object and unit renders byte-identical, and no rendering root
//!    of the repository is missing from the scenario's units;
//! 4. `pr` against the fake GitHub: the branch holds exactly the files `apply` wrote, the checkout
//!    is untouched, and a second run writes nothing;
//! 5. `verify`: clean on the cluster after the merge, `sync-pending` before the sync.
//!
//! And the reports a person reads are snapshots (insta) in the scenario's own `snapshots/`
//! folder: the plan in text, markdown and JSON, the pull request's body, and `verify`'s text
//! after the sync, with the scratch copy's path redacted as `[REPO]`.
//!
//! Every failing scenario is reported, with the step and the file that failed, not just the first.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde::Deserialize;
use serde_json::Value;

use crate::cli::copy_dir;
use crate::fake_github::{FakeGithub, NAME, OWNER, TOKEN};
use crate::fake_kube::FakeKube;
use crate::support::gitops_restart;

/// The keys a restart value is written at: pod-template annotation, Argo Rollout field.
const RESTART_KEYS: [&str; 2] = ["kubectl.kubernetes.io/restartedAt", "restartAt"];
const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// What went wrong in one scenario, one message per failed check.
type Failures = Vec<String>;

/// `scenario.yaml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Spec {
    description: String,
    /// The repository, relative to the scenario folder (default `repo`).
    repo: Option<PathBuf>,
    /// The cluster before, relative to the scenario folder (default `cluster.json`).
    snapshot: Option<PathBuf>,
    #[serde(default)]
    notices: Vec<PathBuf>,
    #[serde(default)]
    args: Vec<String>,
    expect: Expect,
    #[serde(default)]
    units: Vec<Unit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    workloads: Vec<Row>,
    changed: Vec<String>,
}

/// One row of the plan report: `id` is NAMESPACE/KIND/NAME.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    id: String,
    action: String,
    file: Option<String>,
}

/// A render unit: a folder of the repository and the cluster it deploys to.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Unit {
    path: String,
    /// Empty (left out) when the repository doesn't tell: the plan then has no cluster either.
    #[serde(default)]
    cluster: String,
    /// The objects (NAMESPACE/KIND/NAME as rendered) whose render changes.
    #[serde(default)]
    changes: Vec<String>,
    /// Without a kustomization: the YAML files rendered, globs relative to the unit.
    include: Option<String>,
    exclude: Option<String>,
    #[serde(default = "yes")]
    recurse: bool,
}

fn yes() -> bool {
    true
}

struct Scenario {
    name: String,
    dir: PathBuf,
    spec: Spec,
}

#[test]
fn every_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    // `SCENARIOS=demo,flux-monorepo cargo test --test it scenarios` runs only those.
    if let Ok(only) = std::env::var("SCENARIOS") {
        let only: BTreeSet<&str> = only.split(',').collect();
        dirs.retain(|d| only.contains(file_name(d)));
    }
    assert!(!dirs.is_empty(), "no scenario under {}", root.display());

    let results: Vec<(String, Failures)> = std::thread::scope(|scope| {
        let handles: Vec<_> = dirs
            .iter()
            .map(|dir| {
                let name = file_name(dir).to_owned();
                let thread = std::thread::Builder::new()
                    .name(name.clone())
                    .spawn_scoped(scope, move || run_scenario(dir))
                    .unwrap();
                (name, thread)
            })
            .collect();
        handles
            .into_iter()
            .map(|(name, thread)| {
                let failures = thread.join().unwrap_or_else(|panic| {
                    vec![format!("panicked: {}", panic_message(panic.as_ref()))]
                });
                (name, failures)
            })
            .collect()
    });

    let failed: Vec<String> = results
        .iter()
        .filter(|(_, failures)| !failures.is_empty())
        .map(|(name, failures)| {
            let body: Vec<String> = failures.iter().map(|f| indent(f, "  ")).collect();
            format!("scenario `{name}`:\n{}", body.join("\n"))
        })
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failed.len(),
        results.len(),
        failed.join("\n\n")
    );
}

/// The README's example body is the demo's, as its snapshot holds it: regenerating the
/// snapshot without the README fails here.
#[test]
fn the_readme_shows_the_demos_body() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let snapshot =
        std::fs::read_to_string(root.join("tests/scenarios/demo/snapshots/pr-body.snap")).unwrap();
    let body = snapshot.split_once("\n---\n").unwrap().1.trim_end();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains(&format!(
            "<details><summary>Example: the body of the demo's pull request</summary>\n\n{body}\n\n</details>"
        )),
        "copy tests/scenarios/demo/snapshots/pr-body.snap (after its header) into README.md"
    );
    let footer = body.lines().last().unwrap();
    assert_eq!(
        readme.matches(footer).count(),
        1,
        "the example is in README.md once"
    );
}

/// Every step of one scenario; a step whose input is missing (no report, no applied copy) is
/// skipped, the others still run.
fn run_scenario(dir: &Path) -> Failures {
    let scenario = match Scenario::load(dir) {
        Ok(scenario) => scenario,
        Err(e) => return vec![e],
    };
    let mut failures = Failures::new();
    let report = match scenario.plan_report() {
        Ok(report) => report,
        Err(e) => return vec![e],
    };
    note(&mut failures, scenario.check_workloads(&report));
    note(&mut failures, scenario.check_live_plan(&report));
    failures.extend(scenario.check_plan_snapshots(&report));
    let original = scenario.copy();
    match scenario.check_apply() {
        Ok(applied) => {
            note(
                &mut failures,
                scenario.check_renders(original.path(), applied.path(), &report),
            );
            note(&mut failures, scenario.check_pr(applied.path()));
            note(&mut failures, scenario.check_verify(applied.path()));
        }
        Err(e) => failures.push(e),
    }
    failures
}

fn note(failures: &mut Failures, outcome: Result<(), String>) {
    if let Err(e) = outcome {
        failures.push(e);
    }
}

impl Scenario {
    fn load(dir: &Path) -> Result<Scenario, String> {
        let file = dir.join("scenario.yaml");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("{}: {e} (every scenario folder needs one)", file.display()))?;
        let spec: Spec =
            serde_saphyr::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        if spec.description.trim().is_empty() {
            return Err(format!("{}: `description` is empty", file.display()));
        }
        Ok(Scenario {
            name: file_name(dir).to_owned(),
            dir: dir.to_owned(),
            spec,
        })
    }

    fn repo(&self) -> PathBuf {
        self.dir
            .join(self.spec.repo.as_deref().unwrap_or(Path::new("repo")))
    }

    fn snapshot(&self) -> PathBuf {
        self.dir.join(
            self.spec
                .snapshot
                .as_deref()
                .unwrap_or(Path::new("cluster.json")),
        )
    }

    /// A fresh scratch copy of the repository.
    fn copy(&self) -> tempfile::TempDir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("scenario-{}-", self.name))
            .tempdir()
            .unwrap();
        copy_dir(&self.repo(), dir.path());
        dir
    }

    /// The binary running `subcommand` on `repo` with the scenario's arguments and notices, in
    /// an environment a developer's variables can't change (`support::gitops_restart`).
    fn command(&self, subcommand: &str, repo: &Path) -> Command {
        let mut cmd = gitops_restart();
        cmd.arg(subcommand)
            .args(&self.spec.args)
            .arg("--repo")
            .arg(repo);
        for notice in &self.spec.notices {
            cmd.arg("--notice").arg(self.dir.join(notice));
        }
        cmd
    }

    /// The command line a snapshot was taken from, as its description says it: `subcommand`,
    /// the scenario's arguments and notices, then `rest`.
    fn command_line(&self, subcommand: &str, rest: &str) -> String {
        let mut line = format!("gitops-restart {subcommand}");
        for arg in &self.spec.args {
            line += &format!(" {arg}");
        }
        line += " --repo [REPO]";
        for notice in &self.spec.notices {
            line += &format!(" --notice {}", notice.display());
        }
        line + " " + rest
    }

    /// `text` with the machine-dependent paths replaced: the scratch copy `repo` by `[REPO]`,
    /// this scenario's folder by `[SCENARIO]`, the crate by `[CRATE]`.
    fn redact(&self, text: &str, repo: &Path) -> String {
        let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut text = text.to_owned();
        for (path, name) in [
            (repo, "[REPO]"),
            (self.dir.as_path(), "[SCENARIO]"),
            (crate_dir, "[CRATE]"),
        ] {
            text = text.replace(&path.display().to_string(), name);
        }
        text
    }

    /// Compare `contents` with the snapshot `snapshots/NAME.snap` of this scenario. A mismatch
    /// (insta panics; `INSTA_UPDATE=always` writes the snapshot instead) is a failure of this
    /// scenario, as is a snapshot holding the token or a scratch path.
    fn assert_snapshot(
        &self,
        name: &str,
        command: &str,
        contents: &Snapshot,
    ) -> Result<(), String> {
        let text = match contents {
            Snapshot::Text(text) => text.clone(),
            Snapshot::Json(value) => value.to_string(),
        };
        let temp = std::env::temp_dir().display().to_string();
        if text.contains(TOKEN) || text.contains(&temp) {
            return Err(format!(
                "snapshot {name}: holds the token or a path under {temp}:\n{text}"
            ));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(self.dir.join("snapshots"));
        settings.set_prepend_module_to_snapshot(false);
        settings.set_description(command);
        settings.set_omit_expression(true);
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            settings.bind(|| match contents {
                Snapshot::Text(text) => insta::assert_snapshot!(name, text),
                Snapshot::Json(value) => insta::assert_json_snapshot!(name, value),
            });
        }));
        outcome.map_err(|panic| {
            format!(
                "snapshot tests/scenarios/{}/snapshots/{name}.snap differs (the diff is on \
                 stderr; `INSTA_UPDATE=always` rewrites it, review with `git diff`): {}",
                self.name,
                panic_message(panic.as_ref())
            )
        })
    }

    /// Step 1: `plan --output json` from the snapshot, on a fresh copy, paths redacted.
    fn plan_report(&self) -> Result<Value, String> {
        let copy = self.copy();
        let mut cmd = self.command("plan", copy.path());
        cmd.arg("--snapshot").arg(self.snapshot());
        let report = json_report(&mut cmd, 0, "plan --snapshot cluster.json")?;
        Ok(map_strings(report, &|s| self.redact(s, copy.path())))
    }

    /// Step 1: the plan's reports as a person reads them, text, markdown and JSON, are the
    /// scenario's snapshots `plan-text`, `plan-markdown` and `plan-json`.
    fn check_plan_snapshots(&self, report: &Value) -> Failures {
        let snapshot = self.snapshot_arg();
        let copy = self.copy();
        let mut failures = Failures::new();
        for format in ["text", "markdown"] {
            let mut cmd = self.command("plan", copy.path());
            cmd.arg("--snapshot")
                .arg(self.snapshot())
                .args(["--output", format]);
            let out = cmd.output().unwrap();
            let rest = format!("--snapshot {snapshot} --output {format}");
            let outcome = expect_exit(&out, 0, &format!("plan {rest}")).and_then(|()| {
                let text = self.redact(&String::from_utf8_lossy(&out.stdout), copy.path());
                self.assert_snapshot(
                    &format!("plan-{format}"),
                    &self.command_line("plan", &rest),
                    &Snapshot::Text(text),
                )
            });
            note(&mut failures, outcome);
        }
        let rest = format!("--snapshot {snapshot} --output json");
        note(
            &mut failures,
            self.assert_snapshot(
                "plan-json",
                &self.command_line("plan", &rest),
                &Snapshot::Json(report.clone()),
            ),
        );
        failures
    }

    /// How `--snapshot` is given, relative to the scenario folder.
    fn snapshot_arg(&self) -> String {
        self.spec
            .snapshot
            .as_deref()
            .unwrap_or(Path::new("cluster.json"))
            .display()
            .to_string()
    }

    /// Step 1: the report's workloads are `expect.workloads`, as a set.
    fn check_workloads(&self, report: &Value) -> Result<(), String> {
        let got: BTreeSet<Row> = workloads(report).map(|(row, _)| row).collect();
        let want: BTreeSet<Row> = self.spec.expect.workloads.iter().cloned().collect();
        if got == want {
            return Ok(());
        }
        let mut message = "plan: the workloads differ from expect.workloads\n".to_owned();
        for row in want.difference(&got) {
            message += &format!("  missing:    {}\n", show_row(row));
        }
        for row in got.difference(&want) {
            message += &format!("  unexpected: {}\n", show_row(row));
        }
        message += "the report's rows, with their reasons:\n";
        for (row, reason) in workloads(report) {
            message += &format!("  {}  reason: {reason}\n", show_row(&row));
        }
        Err(message)
    }

    /// Step 1: the live inventory, from the same objects, gives the same workloads.
    fn check_live_plan(&self, report: &Value) -> Result<(), String> {
        let fake = FakeKube::from_snapshot(&self.snapshot());
        let scratch = tempfile::tempdir().unwrap();
        let copy = self.copy();
        let mut cmd = self.command("plan", copy.path());
        cmd.arg("--kubeconfig")
            .arg(fake.kubeconfig(scratch.path()))
            .args(["--context", "fake-ctx"]);
        let live = json_report(&mut cmd, 0, "plan --kubeconfig (live)")?;
        let unexpected = fake.unexpected();
        if !unexpected.is_empty() {
            return Err(format!(
                "plan (live): the fake Kubernetes API got requests it does not serve: {unexpected:#?}"
            ));
        }
        if live["workloads"] != report["workloads"] {
            return Err(format!(
                "plan (live): the workloads differ from the snapshot's\n{}",
                text_diff(&pretty(&report["workloads"]), &pretty(&live["workloads"]))
            ));
        }
        Ok(())
    }

    /// Step 2: `apply` on a fresh copy, which is returned for the later steps.
    fn check_apply(&self) -> Result<tempfile::TempDir, String> {
        let copy = self.copy();
        let before = read_tree(copy.path());
        let mut cmd = self.command("apply", copy.path());
        cmd.arg("--snapshot").arg(self.snapshot());
        let out = cmd.output().unwrap();
        expect_exit(&out, 0, "apply")?;
        let after = read_tree(copy.path());

        let mut problems = Vec::new();
        let changed = changed_files(&before, &after);
        let want: BTreeSet<String> = self.spec.expect.changed.iter().cloned().collect();
        for file in want.difference(&changed) {
            problems.push(format!("{file}: expected to change, unchanged"));
        }
        for file in changed.difference(&want) {
            let diff = text_diff(&lossy(before.get(file)), &lossy(after.get(file)));
            problems.push(format!("{file}: changed, not in expect.changed\n{diff}"));
        }
        for file in &changed {
            if let (Some(old), Some(new)) = (before.get(file), after.get(file)) {
                let lost = lost_lines(&lossy(Some(old)), &lossy(Some(new)));
                if !lost.is_empty() {
                    problems.push(format!(
                        "{file}: lines lost (only restart values may be replaced):\n{}",
                        lost.join("")
                    ));
                }
            }
        }
        problems.extend(self.replan(copy.path()).err());
        if problems.is_empty() {
            Ok(copy)
        } else {
            Err(format!("apply:\n{}", indent(&problems.join("\n"), "  ")))
        }
    }

    /// Step 2: a second `plan` on the applied copy has no edits, and every former bump is
    /// `already-bumped`.
    fn replan(&self, applied: &Path) -> Result<(), String> {
        let mut cmd = self.command("plan", applied);
        cmd.arg("--snapshot").arg(self.snapshot());
        let report = json_report(&mut cmd, 0, "plan after apply")?;
        let mut problems = Vec::new();
        if report["edits"].as_array().is_none_or(|e| !e.is_empty()) {
            problems.push(format!(
                "plan after apply: edits remain:\n{}",
                pretty(&report["edits"])
            ));
        }
        let after: BTreeMap<String, (String, String)> = workloads(&report)
            .map(|(row, reason)| (row.id, (row.action, reason)))
            .collect();
        for id in self.bumped() {
            match after.get(&id) {
                Some((action, _)) if action == "already-bumped" => {}
                Some((action, reason)) => problems.push(format!(
                    "plan after apply: {id} is `{action}`, not `already-bumped` ({reason})"
                )),
                None => problems.push(format!("plan after apply: {id} is not in the report")),
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// The workloads the scenario expects to be bumped.
    fn bumped(&self) -> Vec<String> {
        self.spec
            .expect
            .workloads
            .iter()
            .filter(|row| row.action == "bump")
            .map(|row| row.id.clone())
            .collect()
    }

    /// Step 3: every unit rendered before and after `apply`.
    fn check_renders(&self, original: &Path, applied: &Path, report: &Value) -> Result<(), String> {
        let cluster = report["cluster"].as_str().unwrap_or_default();
        let restarted_at = report["restarted_at"].as_str().unwrap_or_default();
        let mut problems = missing_units(original, &self.spec.units);
        for unit in &self.spec.units {
            let outcome = render(original, unit).and_then(|before| {
                let after = render(applied, unit)?;
                if unit.cluster == cluster && !unit.changes.is_empty() {
                    compare_objects(unit, &before, &after, restarted_at)
                } else if before == after {
                    Ok(())
                } else {
                    Err(format!(
                        "must render byte-identical:\n{}",
                        text_diff(&before, &after)
                    ))
                }
            });
            if let Err(e) = outcome {
                problems.push(format!("unit {} ({}): {e}", unit.path, unit.cluster));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("render:\n{}", indent(&problems.join("\n"), "  ")))
        }
    }

    /// Step 4: `pr` twice against the fake GitHub, from a fresh unapplied copy.
    fn check_pr(&self, applied: &Path) -> Result<(), String> {
        let copy = self.copy();
        let before = read_tree(copy.path());
        let fake = FakeGithub::start(copy.path());
        let bumps = !self.bumped().is_empty();
        let mut problems = Vec::new();

        let report = json_report(&mut self.pr(copy.path(), &fake), 0, "pr")?;
        let operation = &report["pull_request"]["operation"];
        let wanted = if bumps { "created" } else { "none" };
        if operation != wanted {
            problems.push(format!("pr: operation {operation}, expected `{wanted}`"));
        }
        let body = match fake.pulls().as_slice() {
            [] => "(no pull request)\n".to_owned(),
            [pull] => self.redact(&pull.body, copy.path()),
            pulls => format!("{} pull requests opened, expected one\n", pulls.len()),
        };
        let rest = format!(
            "--snapshot {} --api-url [GITHUB] --github-repo {OWNER}/{NAME}: the body of the pull \
             request opened",
            self.snapshot_arg()
        );
        problems.extend(
            self.assert_snapshot(
                "pr-body",
                &self.command_line("pr", &rest),
                &Snapshot::Text(body.replace(&fake.url(), "[GITHUB]")),
            )
            .err(),
        );
        if let Some(branch) = report["pull_request"]["branch"].as_str().filter(|_| bumps) {
            let on_branch = fake.files(branch);
            let applied = read_tree(applied);
            for file in changed_files(&applied, &on_branch) {
                problems.push(format!(
                    "pr: {file} on branch {branch} differs from the applied copy's\n{}",
                    text_diff(&lossy(applied.get(&file)), &lossy(on_branch.get(&file)))
                ));
            }
        }
        for file in changed_files(&before, &read_tree(copy.path())) {
            problems.push(format!("pr: changed the checkout's {file}"));
        }

        fake.clear_log();
        let again = json_report(&mut self.pr(copy.path(), &fake), 0, "pr (second run)")?;
        let operation = &again["pull_request"]["operation"];
        let wanted = if bumps { "unchanged" } else { "none" };
        if operation != wanted {
            problems.push(format!(
                "pr (second run): operation {operation}, expected `{wanted}`"
            ));
        }
        let writes = fake.writes();
        if !writes.is_empty() {
            problems.push(format!("pr (second run): wrote {writes:#?}"));
        }
        fake.assert_clean();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }

    /// `pr --output json` against `fake`, with the token and millisecond waits.
    fn pr(&self, repo: &Path, fake: &FakeGithub) -> Command {
        let mut cmd = self.command("pr", repo);
        cmd.arg("--snapshot")
            .arg(self.snapshot())
            .args(["--api-url", &fake.url()])
            .args(["--github-repo", &format!("{OWNER}/{NAME}")])
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITOPS_RESTART_GITHUB_TIME_UNIT_MS", "1");
        cmd
    }

    /// Step 5: `verify` on the applied copy: clean after the merge and sync (its text report is
    /// the snapshot `verify-text`), `sync-pending` for every bumped workload before the sync.
    fn check_verify(&self, applied: &Path) -> Result<(), String> {
        let mut cmd = self.command("verify", applied);
        cmd.arg("--snapshot")
            .arg(self.dir.join("cluster-after.json"));
        let out = cmd.output().unwrap();
        expect_exit(&out, 0, "verify --snapshot cluster-after.json")?;
        let snapshot = self.assert_snapshot(
            "verify-text",
            &self.command_line("verify", "--snapshot cluster-after.json"),
            &Snapshot::Text(self.redact(&String::from_utf8_lossy(&out.stdout), applied)),
        );

        let mut cmd = self.command("verify", applied);
        cmd.arg("--snapshot").arg(self.snapshot());
        let report = json_report(&mut cmd, 2, "verify --snapshot cluster.json")?;
        let statuses: BTreeMap<String, &Value> = report["workloads"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|w| (workload_id(w), &w["status"]))
            .collect();
        let mut problems: Vec<String> = self
            .bumped()
            .into_iter()
            .filter(|id| statuses.get(id).is_none_or(|s| *s != "sync-pending"))
            .map(|id| {
                let status = statuses
                    .get(&id)
                    .map_or("absent".to_owned(), ToString::to_string);
                format!("verify --snapshot cluster.json: {id} is {status}, expected `sync-pending`")
            })
            .collect();
        problems.extend(snapshot.err());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

/// What a snapshot holds: a report as printed, or JSON (stored pretty-printed).
enum Snapshot {
    Text(String),
    Json(Value),
}

/// `value` with `f` applied to every string in it.
fn map_strings(value: Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::String(s) => Value::String(f(&s)),
        Value::Array(items) => items.into_iter().map(|v| map_strings(v, f)).collect(),
        Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (k, map_strings(v, f)))
            .collect(),
        other => other,
    }
}

/// Run `cmd --output json`, expect `code`, and parse stdout.
fn json_report(cmd: &mut Command, code: i32, what: &str) -> Result<Value, String> {
    let out = cmd.args(["--output", "json"]).output().unwrap();
    expect_exit(&out, code, what)?;
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "{what}: stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn expect_exit(out: &Output, code: i32, what: &str) -> Result<(), String> {
    if out.status.code() == Some(code) {
        return Ok(());
    }
    Err(format!(
        "{what}: exit {:?}, expected {code}\nstderr:\n{}stdout:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    ))
}

/// The report's rows, with each row's reason.
fn workloads(report: &Value) -> impl Iterator<Item = (Row, String)> + '_ {
    report["workloads"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            let row = Row {
                id: workload_id(w),
                action: w["action"].as_str().unwrap_or_default().to_owned(),
                file: w["file"].as_str().map(str::to_owned),
            };
            (row, w["reason"].as_str().unwrap_or("-").to_owned())
        })
}

fn workload_id(w: &Value) -> String {
    let field = |k: &str| w[k].as_str().unwrap_or_default().to_owned();
    format!("{}/{}/{}", field("namespace"), field("kind"), field("name"))
}

fn show_row(row: &Row) -> String {
    format!(
        "{{id: {}, action: {}, file: {}}}",
        row.id,
        row.action,
        row.file.as_deref().unwrap_or("null")
    )
}

/// Every file under `dir`, by path relative to it (`/`-separated), with its bytes.
fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(relative(root, &path), std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The files created, changed or removed between two trees.
fn changed_files(
    before: &BTreeMap<String, Vec<u8>>,
    after: &BTreeMap<String, Vec<u8>>,
) -> BTreeSet<String> {
    before
        .keys()
        .chain(after.keys())
        .filter(|file| before.get(*file) != after.get(*file))
        .cloned()
        .collect()
}

/// The lines of `before` that `after` lost: every line must stay, except a line carrying a
/// restart value that is rewritten in place (a new value, or a flow map gaining the entry).
fn lost_lines(before: &str, after: &str) -> Vec<String> {
    let diff = similar::TextDiff::from_lines(before, after);
    let old: Vec<&str> = before.split_inclusive('\n').collect();
    let new: Vec<&str> = after.split_inclusive('\n').collect();
    let mut lost = Vec::new();
    for op in diff.ops() {
        let (old_index, old_len, new_index, new_len) = match *op {
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => (old_index, old_len, 0, 0),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (old_index, old_len, new_index, new_len),
            _ => continue,
        };
        for i in 0..old_len {
            let line = old[old_index + i];
            let rewritten = i < new_len && is_restart_rewrite(line, new[new_index + i]);
            if !rewritten {
                lost.push(format!("- {line}"));
            }
        }
    }
    lost
}

fn is_restart_rewrite(old: &str, new: &str) -> bool {
    let restart = |line: &str| RESTART_KEYS.iter().any(|k| line.contains(k));
    restart(new) && (restart(old) || is_subsequence(old.trim(), new))
}

fn is_subsequence(needle: &str, haystack: &str) -> bool {
    let mut rest = haystack.chars();
    needle.chars().all(|c| rest.any(|h| h == c))
}

/// The unit's render: `kubectl kustomize` where it holds a kustomization, else its YAML files
/// (filtered by `include`, `exclude` and `recurse`), each headed by its path.
fn render(repo: &Path, unit: &Unit) -> Result<String, String> {
    let dir = repo.join(&unit.path);
    if !dir.is_dir() {
        return Err(format!("{} is not a folder of the repository", unit.path));
    }
    if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
        return kubectl_kustomize(&dir);
    }
    let include = unit.include.as_deref().map(glob).transpose()?;
    let exclude = unit.exclude.as_deref().map(glob).transpose()?;
    let mut text = String::new();
    for (file, bytes) in read_tree(&dir) {
        let yaml = Path::new(&file)
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml");
        if yaml
            && (unit.recurse || !file.contains('/'))
            && include.as_ref().is_none_or(|g| g.is_match(&file))
            && !exclude.as_ref().is_some_and(|g| g.is_match(&file))
        {
            text += &format!("---\n# {file}\n{}\n", String::from_utf8_lossy(&bytes));
        }
    }
    Ok(text)
}

fn glob(pattern: &str) -> Result<globset::GlobMatcher, String> {
    // As Argo CD matches them: `*` crosses folders.
    globset::GlobBuilder::new(pattern)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| format!("bad glob `{pattern}`: {e}"))
}

/// `kubectl kustomize DIR`, which must succeed.
fn kubectl_kustomize(dir: &Path) -> Result<String, String> {
    let out = crate::locate::kubectl_kustomize(dir);
    if !out.status.success() {
        return Err(format!(
            "kubectl kustomize failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("kubectl kustomize: {e}"))
}

/// In a unit that changes: the same objects before and after, exactly the listed ones differ,
/// and only in restart values equal to `restarted_at`.
fn compare_objects(
    unit: &Unit,
    before: &str,
    after: &str,
    restarted_at: &str,
) -> Result<(), String> {
    let before = objects(before).map_err(|e| format!("before apply: {e}"))?;
    let after = objects(after).map_err(|e| format!("after apply: {e}"))?;
    let mut problems = Vec::new();
    for id in before.keys().filter(|id| !after.contains_key(*id)) {
        problems.push(format!("{id}: gone after apply"));
    }
    for id in after.keys().filter(|id| !before.contains_key(*id)) {
        problems.push(format!("{id}: new after apply"));
    }
    let listed: BTreeSet<&str> = unit.changes.iter().map(String::as_str).collect();
    for (id, old) in &before {
        let Some(new) = after.get(id) else { continue };
        let changed = old != new;
        if changed != listed.contains(id.as_str()) {
            problems.push(if changed {
                format!("{id}: changed, not in `changes`")
            } else {
                format!("{id}: listed in `changes`, unchanged")
            });
        }
        let mut path = Vec::new();
        restart_only(old, new, restarted_at, &mut path, &mut |p| {
            problems.push(format!("{id}: {p}"));
        });
    }
    for id in listed.iter().filter(|id| !before.contains_key(**id)) {
        problems.push(format!("{id}: listed in `changes`, not rendered"));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// The rendered objects by NAMESPACE/KIND/NAME (an apiVersion other than the first seen for the
/// same id makes the id unique by appending it).
fn objects(text: &str) -> Result<BTreeMap<String, Value>, String> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).map_err(|e| e.to_string())?;
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for doc in docs.into_iter().filter(|d| !d.is_null()) {
        let field = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        let mut id = format!(
            "{}/{}/{}",
            field(&doc["metadata"]["namespace"]),
            field(&doc["kind"]),
            field(&doc["metadata"]["name"])
        );
        if let Some(other) = out.get(&id)
            && other.get("apiVersion") != doc.get("apiVersion")
        {
            id = format!("{id} ({})", field(&doc["apiVersion"]));
        }
        if out.insert(id.clone(), doc).is_some() {
            return Err(format!("{id} is rendered twice"));
        }
    }
    Ok(out)
}

/// Walk `before` and `after` together: every leaf added or changed must sit at a restart key
/// and hold `restarted_at`; nothing may be removed.
fn restart_only(
    before: &Value,
    after: &Value,
    restarted_at: &str,
    path: &mut Vec<String>,
    problem: &mut dyn FnMut(String),
) {
    match (before, after) {
        (Value::Object(old), Value::Object(new)) => {
            for key in old.keys().filter(|k| !new.contains_key(*k)) {
                problem(format!("{}.{key}: removed", path.join(".")));
            }
            for (key, value) in new {
                path.push(key.clone());
                match old.get(key) {
                    Some(previous) => restart_only(previous, value, restarted_at, path, problem),
                    None => added(value, restarted_at, path, problem),
                }
                path.pop();
            }
        }
        (Value::Array(old), Value::Array(new)) if old.len() == new.len() => {
            for (i, (previous, value)) in old.iter().zip(new).enumerate() {
                path.push(i.to_string());
                restart_only(previous, value, restarted_at, path, problem);
                path.pop();
            }
        }
        _ if before == after => {}
        _ => restart_leaf(before, after, restarted_at, path, problem),
    }
}

/// A subtree that is new after apply: each of its leaves must be a restart value.
fn added(
    value: &Value,
    restarted_at: &str,
    path: &mut Vec<String>,
    problem: &mut dyn FnMut(String),
) {
    if let Value::Object(map) = value {
        for (key, inner) in map {
            path.push(key.clone());
            added(inner, restarted_at, path, problem);
            path.pop();
        }
    } else {
        restart_leaf(&Value::Null, value, restarted_at, path, problem);
    }
}

fn restart_leaf(
    before: &Value,
    after: &Value,
    restarted_at: &str,
    path: &[String],
    problem: &mut dyn FnMut(String),
) {
    let at = path.join(".");
    let key = path.last().map_or("", String::as_str);
    if !RESTART_KEYS.contains(&key) {
        problem(format!(
            "{at}: {before} became {after}, not a restart value"
        ));
    } else if after != restarted_at {
        problem(format!(
            "{at}: {after}, expected the plan's restarted_at {restarted_at:?}"
        ));
    }
}

/// The rendering roots of the repository that no unit lists: kustomizations no other one
/// includes, Argo CD Application source paths and Flux Kustomization paths (absent, templated
/// or outside the repository: skipped).
fn missing_units(repo: &Path, units: &[Unit]) -> Vec<String> {
    let listed: BTreeSet<&str> = units.iter().map(|u| u.path.as_str()).collect();
    let mut kustomizations = BTreeSet::new();
    let mut included = BTreeSet::new();
    let mut app_paths = BTreeMap::new();
    for (file, bytes) in read_tree(repo) {
        let Ok(docs) = serde_saphyr::from_multiple::<Value>(&String::from_utf8_lossy(&bytes))
        else {
            continue; // not YAML, or a template: the binary reports it, not this check
        };
        let (dir, name) = file.rsplit_once('/').unwrap_or(("", file.as_str()));
        if KUSTOMIZATION_FILES.contains(&name) {
            kustomizations.insert(dir.to_owned());
            for doc in &docs {
                for key in ["resources", "components", "bases"] {
                    for entry in doc[key].as_array().into_iter().flatten() {
                        included.extend(entry.as_str().and_then(|e| join(dir, e)));
                    }
                }
            }
        }
        for doc in &docs {
            for path in gitops_paths(doc) {
                if let Some(path) = join("", path).filter(|p| repo.join(p).is_dir()) {
                    app_paths.entry(path).or_insert_with(|| file.clone());
                }
            }
        }
    }
    let roots = kustomizations.difference(&included).map(|dir| {
        (
            dir.clone(),
            format!("{dir}/kustomization (included by no other)"),
        )
    });
    roots
        .chain(
            app_paths
                .into_iter()
                .map(|(p, f)| (p, format!("the path of an application in {f}"))),
        )
        .filter(|(path, _)| !listed.contains(path.as_str()))
        .map(|(path, why)| format!("`{path}` is missing from `units`: {why}"))
        .collect()
}

/// The repository paths an Argo CD Application or a Flux Kustomization deploys.
fn gitops_paths(doc: &Value) -> Vec<&str> {
    let api = doc["apiVersion"].as_str().unwrap_or_default();
    let kind = doc["kind"].as_str().unwrap_or_default();
    let spec = &doc["spec"];
    let paths: Vec<&Value> = if api.starts_with("argoproj.io/") && kind == "Application" {
        let sources = spec["sources"].as_array().into_iter().flatten();
        std::iter::once(&spec["source"])
            .chain(sources)
            .map(|s| &s["path"])
            .collect()
    } else if api.starts_with("kustomize.toolkit.fluxcd.io/") && kind == "Kustomization" {
        vec![&spec["path"]]
    } else {
        Vec::new()
    };
    paths
        .into_iter()
        .filter_map(Value::as_str)
        .filter(|p| !p.contains("{{") && !p.contains("${"))
        .collect()
}

/// `rel` resolved against the folder `dir` (both relative to the repository root), without
/// `.` and `..`; `None` for URLs and paths leaving the repository.
fn join(dir: &str, rel: &str) -> Option<String> {
    if rel.contains("://") || rel.starts_with("github.com/") || rel.starts_with('/') {
        return None;
    }
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for part in rel.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap();
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn file_name(path: &Path) -> &str {
    path.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
}

fn lossy(bytes: Option<&Vec<u8>>) -> String {
    bytes.map_or_else(String::new, |b| String::from_utf8_lossy(b).into_owned())
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap() + "\n"
}

/// A unified diff, `-` before, `+` after.
fn text_diff(before: &str, after: &str) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .header("before", "after")
        .to_string()
}

fn indent(text: &str, by: &str) -> String {
    text.lines()
        .map(|l| format!("{by}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "(no message)".to_owned())
}
