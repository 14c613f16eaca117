//! The composite action (`action.yml`) run locally, step by step, as the runner runs it.
//!
//! Each `run:` step's script goes to bash (`--noprofile --norc -eo pipefail`, the runner's
//! `shell: bash`) with the step's `env:` map, in which this test substitutes the `${{ }}`
//! expressions the way the runner would (scripts hold none: that is checked too), and with the
//! runner's files simulated in a scratch folder: a fresh `GITHUB_OUTPUT` per step,
//! `GITHUB_STEP_SUMMARY`, `RUNNER_TEMP`, `GITHUB_WORKSPACE`, `GITHUB_ACTIONS=true`,
//! `RUNNER_OS` and `RUNNER_ARCH` of this machine. `uses:` steps (the cache) are skipped. Most
//! tests set `GITOPS_RESTART_BIN` to the binary cargo built for these tests, so the install and
//! build steps skip themselves, and the inputs' mapping to the binary's options is tested
//! through the real action file. The install step's own tests are in [`release`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use super::cli::{copy_dir, fixtures};
use super::fake_github::{FakeGithub, NAME, OWNER, TOKEN};
use super::fake_release;

mod release;

#[derive(Debug, Deserialize)]
struct ActionFile {
    inputs: BTreeMap<String, Input>,
    outputs: BTreeMap<String, OutputDef>,
    runs: Runs,
}

#[derive(Debug, Deserialize)]
struct Input {
    default: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OutputDef {
    value: String,
}

#[derive(Debug, Deserialize)]
struct Runs {
    using: String,
    steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
struct Step {
    id: Option<String>,
    name: Option<String>,
    run: Option<String>,
    shell: Option<String>,
    uses: Option<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
}

fn action_file() -> ActionFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// What one simulated run left behind.
struct ActionRun {
    /// Whether every step succeeded (the runner stops at the first that fails).
    success: bool,
    stdout: String,
    stderr: String,
    /// The action's outputs, resolved from the steps' outputs.
    outputs: BTreeMap<String, String>,
    summary: String,
    runner_temp: PathBuf,
    /// Each step's outputs, by step id.
    steps: BTreeMap<String, BTreeMap<String, String>>,
}

/// A scratch workspace and runner folder, and the environment every step gets.
struct Runner {
    workspace: tempfile::TempDir,
    scratch: tempfile::TempDir,
    /// Extra variables of the job (GITHUB_API_URL, GITHUB_REPOSITORY...), set last.
    job_env: Vec<(String, String)>,
    /// `GITOPS_RESTART_BIN`: the test binary, unless a test clears it.
    bin: Option<String>,
    /// `github.action_ref` and `github.action_repository`, as the runner would give them.
    action_ref: String,
    action_repository: String,
}

impl Runner {
    /// The demo repository at `gitops/` in the workspace (a folder of the checkout, so that
    /// annotation paths must be made relative to the workspace), the demo's inventory and
    /// notice beside it.
    fn demo() -> Runner {
        let workspace = tempfile::tempdir().unwrap();
        let repo = workspace.path().join("gitops");
        std::fs::create_dir_all(&repo).unwrap();
        copy_dir(&fixtures().join("demo/repo"), &repo);
        for file in ["snapshot.json", "notice.json"] {
            std::fs::copy(
                fixtures().join("demo").join(file),
                workspace.path().join(file),
            )
            .unwrap();
        }
        Runner {
            workspace,
            scratch: tempfile::tempdir().unwrap(),
            job_env: Vec::new(),
            bin: Some(env!("CARGO_BIN_EXE_gitops-restart").to_owned()),
            action_ref: fake_release::tag(),
            action_repository: "gitops-restart/gitops-restart".to_owned(),
        }
    }

    /// The demo, with the binary coming from the release at `release_url` (the action's own
    /// install step), the workflow using the action at `action_ref`.
    fn released(release_url: &str, action_ref: &str) -> Runner {
        Runner {
            bin: None,
            action_ref: action_ref.to_owned(),
            job_env: vec![(
                "GITOPS_RESTART_RELEASE_URL".to_owned(),
                release_url.to_owned(),
            )],
            ..Runner::demo()
        }
    }

    /// Run the action's `run:` steps with these inputs.
    fn run(&self, inputs: &[(&str, &str)]) -> ActionRun {
        self.run_until(inputs, None)
    }

    /// Run the action's `run:` steps with these inputs, up to the step with id `last`.
    fn run_until(&self, inputs: &[(&str, &str)], last: Option<&str>) -> ActionRun {
        let action = action_file();
        assert_eq!(action.runs.using, "composite");
        let inputs: BTreeMap<String, String> = inputs
            .iter()
            .map(|(k, v)| {
                assert!(action.inputs.contains_key(*k), "no input `{k}`");
                ((*k).to_owned(), (*v).to_owned())
            })
            .collect();
        let summary = self.scratch.path().join("step_summary.md");
        let temp = self.scratch.path().join("temp");
        std::fs::create_dir_all(&temp).unwrap();
        let mut step_outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let (mut stdout, mut stderr) = (String::new(), String::new());
        let mut success = true;
        for (n, step) in action.runs.steps.iter().enumerate() {
            let Some(script) = &step.run else {
                assert!(step.uses.is_some(), "step {n} neither runs nor uses");
                continue;
            };
            assert_eq!(step.shell.as_deref(), Some("bash"), "{:?}", step.name);
            let script_path = self.scratch.path().join(format!("step{n}.sh"));
            std::fs::write(&script_path, script).unwrap();
            let output_file = self.scratch.path().join(format!("output{n}"));
            std::fs::write(&output_file, "").unwrap();
            let mut cmd = Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
                .arg(&script_path)
                .current_dir(self.workspace.path())
                .env_clear()
                .env("PATH", std::env::var_os("PATH").unwrap_or_default())
                .env("HOME", std::env::var_os("HOME").unwrap_or_default())
                .env("NO_COLOR", "1")
                .env("GITHUB_ACTIONS", "true")
                .env("GITHUB_WORKSPACE", self.workspace.path())
                .env("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR"))
                .env("RUNNER_TEMP", &temp)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_OUTPUT", &output_file)
                .env(crate::support::NOW_VARIABLE, crate::support::NOW);
            if let Some((os, arch, _)) = fake_release::host() {
                cmd.env("RUNNER_OS", os).env("RUNNER_ARCH", arch);
            }
            if let Some(bin) = &self.bin {
                cmd.env("GITOPS_RESTART_BIN", bin);
            }
            cmd.envs(self.job_env.iter().map(|(k, v)| (k, v)));
            let context = Context {
                inputs: &inputs,
                action: &action,
                steps: &step_outputs,
                runner: self,
            };
            for (key, value) in &step.env {
                cmd.env(key, context.expand(value));
            }
            let out = cmd.output().unwrap();
            stdout.push_str(&String::from_utf8_lossy(&out.stdout));
            stderr.push_str(&String::from_utf8_lossy(&out.stderr));
            if let Some(id) = &step.id {
                let text = std::fs::read_to_string(&output_file).unwrap();
                step_outputs.insert(id.clone(), parse_outputs(&text));
            }
            if !out.status.success() {
                success = false;
                break;
            }
            if last.is_some() && step.id.as_deref() == last {
                break;
            }
        }
        let outputs = action
            .outputs
            .iter()
            .map(|(name, def)| {
                let expr = def.value.trim();
                let inner = expr
                    .strip_prefix("${{")
                    .and_then(|e| e.strip_suffix("}}"))
                    .unwrap()
                    .trim();
                let mut parts = inner.split('.');
                assert_eq!(parts.next(), Some("steps"), "{expr}");
                let id = parts.next().unwrap();
                assert_eq!(parts.next(), Some("outputs"), "{expr}");
                let key = parts.next().unwrap();
                let value = step_outputs
                    .get(id)
                    .and_then(|o| o.get(key))
                    .cloned()
                    .unwrap_or_default();
                (name.clone(), value)
            })
            .collect();
        ActionRun {
            success,
            stdout,
            stderr,
            outputs,
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
            runner_temp: temp,
            steps: step_outputs,
        }
    }
}

/// What the expressions of a step's `env:` see.
struct Context<'a> {
    inputs: &'a BTreeMap<String, String>,
    action: &'a ActionFile,
    steps: &'a BTreeMap<String, BTreeMap<String, String>>,
    runner: &'a Runner,
}

impl Context<'_> {
    /// Substitute the expressions the runner would in an `env:` value.
    fn expand(&self, value: &str) -> String {
        let mut out = String::new();
        let mut rest = value;
        while let Some(start) = rest.find("${{") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find("}}").expect("unclosed expression") + start;
            let expr = rest[start + 3..end].trim();
            let replaced = if let Some(name) = expr.strip_prefix("inputs.") {
                match self.inputs.get(name) {
                    Some(given) => given.clone(),
                    None => {
                        let default = self.action.inputs[name].default.clone();
                        self.expand(&default.unwrap_or_default())
                    }
                }
            } else if let Some(output) = expr.strip_prefix("steps.") {
                // An output a step did not set (or a step that did not run) is empty.
                let (id, name) = output.split_once(".outputs.").expect(expr);
                self.steps
                    .get(id)
                    .and_then(|o| o.get(name))
                    .cloned()
                    .unwrap_or_default()
            } else {
                match expr {
                    "github.action_path" => env!("CARGO_MANIFEST_DIR").to_owned(),
                    "github.token" => TOKEN.to_owned(),
                    "github.action_ref" => self.runner.action_ref.clone(),
                    "github.action_repository" => self.runner.action_repository.clone(),
                    _ => panic!("the test does not know the expression `{expr}` in `{value}`"),
                }
            };
            out.push_str(&replaced);
            rest = &rest[end + 2..];
        }
        out.push_str(rest);
        out
    }
}

/// `$GITHUB_OUTPUT` as the runner reads it: `name=value` lines and `name<<DELIM` heredocs.
fn parse_outputs(text: &str) -> BTreeMap<String, String> {
    let mut outputs = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            outputs.insert(name.to_owned(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            outputs.insert(name.to_owned(), value.to_owned());
        }
    }
    outputs
}

#[test]
fn run_scripts_hold_no_expressions() {
    let action = action_file();
    let scripts: Vec<&String> = action
        .runs
        .steps
        .iter()
        .filter_map(|s| s.run.as_ref())
        .collect();
    assert!(scripts.len() >= 2);
    for script in scripts {
        assert!(
            !script.contains("${{"),
            "an expression inside `run:` is pasted into the script (script injection); pass it \
             through `env:` instead:\n{script}"
        );
    }
}

#[test]
fn every_input_reaches_the_binary_through_a_variable_it_reads() {
    let action = action_file();
    let run = action
        .runs
        .steps
        .iter()
        .find(|s| s.id.as_deref() == Some("run"))
        .unwrap();
    for input in action.inputs.keys() {
        let expr = format!("${{{{ inputs.{input} }}}}");
        assert!(
            run.env.values().any(|v| v == &expr),
            "input `{input}` does not reach the binary"
        );
    }
    // Every variable must be one the binary reads (clap's `env`, shown by --help).
    let help: String = ["plan", "pr", "verify"]
        .iter()
        .map(|command| {
            let out = Command::new(env!("CARGO_BIN_EXE_gitops-restart"))
                .args([command, "--help"])
                .env_clear()
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    for name in run.env.keys() {
        if [
            "GITOPS_RESTART_COMMAND",
            "INSTALLED_BINARY",
            "BUILT_BINARY",
            "GITHUB_TOKEN",
        ]
        .contains(&name.as_str())
        {
            continue; // the script's own, and `pr`'s --token-env default
        }
        assert!(
            help.contains(&format!("[env: {name}=")),
            "the binary does not read {name}"
        );
    }
}

#[test]
fn inputs_leave_their_defaults_to_the_binary() {
    // An input's default would be a second copy of the option's: empty, the run step unsets the
    // variable and the binary's own default applies. Only the action's own inputs have one.
    for (name, input) in &action_file().inputs {
        let default = input.default.as_deref().unwrap_or_default();
        match name.as_str() {
            "command" => assert_eq!(default, "plan"),
            "token" => assert_eq!(default, "${{ github.token }}"),
            _ => assert_eq!(default, "", "input `{name}` repeats the binary's default"),
        }
    }
}

#[test]
fn plan_on_the_demo_fills_outputs_summary_and_annotations() {
    let runner = Runner::demo();
    let frontend = runner
        .workspace
        .path()
        .join("gitops/apps/shop/frontend.yaml");
    let before = std::fs::read(&frontend).unwrap();
    let run = runner.run(&[
        ("command", "plan"),
        ("repo-path", "gitops"),
        ("snapshot", "snapshot.json"),
        ("notice", "notice.json"),
    ]);
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("using "), "the build step was skipped");
    assert_demo_plan_outputs(&run);
    let report_path = PathBuf::from(&run.outputs["report-json"]);
    assert!(report_path.starts_with(&run.runner_temp), "{report_path:?}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report_path).unwrap()).unwrap();
    assert_eq!(report["schema"], 2);
    assert_eq!(report["cluster"], "prod-eks");
    assert_eq!(report["workloads"].as_array().unwrap().len(), 8);
    assert_eq!(report["edits"].as_array().unwrap().len(), 3);

    assert!(
        run.summary
            .starts_with("## Restart of workloads on `prod-eks`"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| `shop/Deployment/frontend` | 3 | 2026-11-10 08:00 |")
    );
    assert!(
        run.summary
            .contains("; EKS evicts in 2 days (Fri 4 Dec, 00:00 UTC)")
    );
    let markdown = std::fs::read_to_string(&run.outputs["report-markdown"]).unwrap();
    assert_eq!(markdown, run.summary, "the comment is the summary");

    // Annotations on the manifest lines, relative to the workspace; the text report on stdout.
    assert!(
        run.stderr.contains(
            "::warning file=gitops/apps/shop/cart.yaml,line=2,title=shop/StatefulSet/cart-db::one replica"
        ),
        "{}",
        run.stderr
    );
    // A critical finding is a warning annotation too.
    assert!(
        run.stderr.contains(
            "::warning file=gitops/apps/shop/cart.yaml,line=2,title=shop/StatefulSet/cart-db::PodDisruptionBudget cart-db allows no disruption"
        ),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("::warning title=shop/Pod/debug-shell::manual: standalone pod")
    );
    assert!(run.stderr.contains(
        "::warning file=gitops/infra/broken.yaml,line=6,title=gitops-restart%3A file skipped::"
    ));
    assert!(
        run.stdout.contains("8 workload(s), 3 to restart"),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read(&frontend).unwrap(),
        before,
        "plan changes nothing"
    );
}

/// The outputs of `plan` on the demo: 8 workloads, one per action but three bumps.
fn assert_demo_plan_outputs(run: &ActionRun) {
    let counts: [(&str, usize); 6] = [
        ("restart-count", 3),
        ("already-bumped-count", 1),
        ("manual-count", 1),
        ("not-found-count", 1),
        ("ambiguous-count", 1),
        ("skipped-count", 1),
    ];
    for (name, count) in counts {
        assert_eq!(run.outputs[name], count.to_string(), "{name}");
    }
    // affected-count is every workload of the report: the sum of the counts per action.
    assert_eq!(run.outputs["affected-count"], "8");
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<usize>(), 8);
    let report: Value =
        serde_json::from_slice(&std::fs::read(&run.outputs["report-json"]).unwrap()).unwrap();
    for (name, count) in counts {
        let action = match name {
            "restart-count" => "bump",
            other => other.strip_suffix("-count").unwrap(),
        };
        let in_report = report["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|w| w["action"] == action)
            .count();
        assert_eq!(in_report, count, "{action}");
    }
    for name in [
        "operation",
        "pr-number",
        "pr-url",
        "branch",
        "head-sha",
        "followed-pr-number",
    ] {
        assert_eq!(run.outputs[name], "", "plan opens no pull request: {name}");
    }
}

#[test]
fn pr_maps_every_pull_request_input_and_sets_its_outputs() {
    let mut runner = Runner::demo();
    let fake = FakeGithub::start(&runner.workspace.path().join("gitops"));
    runner.job_env = vec![
        ("GITHUB_API_URL".to_owned(), fake.url()),
        ("GITHUB_REPOSITORY".to_owned(), format!("{OWNER}/{NAME}")),
        (
            "GITOPS_RESTART_GITHUB_TIME_UNIT_MS".to_owned(),
            "1".to_owned(),
        ),
    ];
    std::fs::write(
        runner.workspace.path().join("restart.yaml"),
        "pullRequest:\n  title: 'Restart {cluster} by {deadline}'\n",
    )
    .unwrap();
    let inputs = [
        ("command", "pr"),
        ("repo-path", "gitops"),
        ("snapshot", "snapshot.json"),
        ("launched-before", "2026-11-20"),
        ("deadline", "2026-12-04"),
        ("cluster", "prod-eks"),
        ("base", "main"),
        ("labels", "restart,urgent"),
        ("reviewers", "alice,bob"),
        ("team-reviewers", "platform,sre"),
        ("assignees", "carol,dave"),
        ("title", "Fargate restart of {cluster} (due {deadline})"),
        ("branch", "restarts/prod"),
        ("draft", "true"),
        ("config", "restart.yaml"),
    ];
    let run = runner.run(&inputs);
    assert!(run.success, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.outputs["operation"], "created");
    assert_eq!(run.outputs["branch"], "restarts/prod");
    let head = fake.branch_sha("restarts/prod").unwrap();
    assert_eq!(
        run.outputs["head-sha"], head,
        "the branch's commit after the run"
    );
    assert_eq!(fake.parents("restarts/prod").len(), 1);
    assert_eq!(run.outputs["restart-count"], "3");
    assert_eq!(run.outputs["pr-number"], "1");
    assert_eq!(
        run.outputs["followed-pr-number"], "",
        "nothing merged before"
    );
    assert_eq!(
        run.outputs["pr-url"],
        format!("https://github.com/{OWNER}/{NAME}/pull/1")
    );
    assert_eq!(run.outputs["affected-count"], "8");
    let pulls = fake.pulls();
    assert_eq!(pulls.len(), 1);
    let pull = &pulls[0];
    // The title input wins over the configuration's.
    assert_eq!(
        pull.title,
        "Fargate restart of prod-eks (due 2026-12-04T00:00:00Z)"
    );
    assert_eq!(
        (pull.head.as_str(), pull.base.as_str()),
        ("restarts/prod", "main")
    );
    assert!(pull.draft);
    assert_eq!(pull.labels, ["restart", "urgent"]);
    assert_eq!(pull.reviewers, ["alice", "bob"]);
    assert_eq!(pull.teams, ["platform", "sre"]);
    assert_eq!(pull.assignees, ["carol", "dave"]);
    assert!(
        run.summary
            .starts_with("**Pull request [#1](https://github.com/acme/gitops/pull/1): created** (branch `restarts/prod`)"),
        "{}",
        run.summary
    );
    // The token (the default input, github.token) is masked first and shown nowhere else.
    let mask = format!("::add-mask::{TOKEN}\n");
    assert!(run.stderr.starts_with(&mask), "{}", run.stderr);
    assert_eq!(run.stderr.matches(TOKEN).count(), 1, "{}", run.stderr);
    assert!(!run.stdout.contains(TOKEN));
    assert!(!run.summary.contains(TOKEN));

    // Again: nothing to write, and the outputs say so.
    let again = runner.run(&inputs);
    assert!(again.success, "{}", again.stderr);
    assert_eq!(again.outputs["operation"], "unchanged");
    assert_eq!(again.outputs["pr-number"], "1");
    assert_eq!(
        again.outputs["head-sha"], head,
        "unchanged: the same commit"
    );
    assert_eq!(again.outputs["branch"], "restarts/prod");
    fake.assert_clean();
}

#[test]
fn failures_are_error_annotations_and_fail_the_step() {
    let runner = Runner::demo();
    let run = runner.run(&[("command", "apply")]);
    assert!(!run.success);
    assert!(
        run.stdout
            .contains("::error title=gitops-restart::the command input must be plan, pr or verify"),
        "{}",
        run.stdout
    );

    let run = runner.run(&[("repo-path", "gitops"), ("snapshot", "missing.json")]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("::error title=gitops-restart::cannot read missing.json"),
        "{}",
        run.stderr
    );

    // kube-context reaches --context: it reads the live cluster, so a snapshot refuses it.
    let run = runner.run(&[
        ("repo-path", "gitops"),
        ("snapshot", "snapshot.json"),
        ("kube-context", "prod"),
    ]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("::error title=gitops-restart::--kubeconfig and --context")
    );

    // gitops-context reaches --gitops-context: with no kubeconfig to find it in, the run says so.
    let run = runner.run(&[
        ("repo-path", "gitops"),
        ("snapshot", "snapshot.json"),
        ("notice", "notice.json"),
        ("gitops-context", "argocd-hub"),
    ]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("::error title=gitops-restart::cannot load the cluster configuration"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_reports_the_old_pods_and_fails_while_some_remain() {
    let runner = Runner::demo();
    let run = runner.run(&[
        ("command", "verify"),
        ("repo-path", "gitops"),
        ("snapshot", "snapshot.json"),
        ("notice", "notice.json"),
    ]);
    assert!(!run.success, "exit 2 while old pods remain");
    assert_ne!(run.outputs["affected-count"], "0");
    assert_eq!(run.outputs["restart-count"], "", "no actions in verify");
    assert!(
        run.summary
            .starts_with("## Fargate pods left before the cutoff on `prod-eks`"),
        "{}",
        run.summary
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&run.outputs["report-json"]).unwrap()).unwrap();
    assert_eq!(
        report["workloads"].as_array().unwrap().len().to_string(),
        run.outputs["affected-count"]
    );
    assert!(
        run.stderr
            .contains("::warning file=gitops/apps/shop/frontend.yaml,line=3,title=shop/Deployment/frontend::not-restarted"),
        "{}",
        run.stderr
    );
}
