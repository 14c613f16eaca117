//! GitHub Actions conventions: step outputs, the step summary, annotations and masking.
//!
//! When `GITHUB_ACTIONS` is `true`, a run also leaves what a workflow reads: `pr-number`,
//! `pr-url`, `operation`, `branch`, `head-sha`, `followed-pr-number`, `affected-count`, one count per action
//! (`restart-count`, `already-bumped-count`, `manual-count`, `not-found-count`,
//! `ambiguous-count`, `skipped-count`), `report-json` and `report-markdown` (the paths of
//! the JSON report and of the markdown one, for a pull request comment, written under
//! `RUNNER_TEMP`) appended to `$GITHUB_OUTPUT`; the markdown report appended to
//! `$GITHUB_STEP_SUMMARY`; and workflow commands (`::warning file=...,line=...::`) that pin each
//! warning and manual action on the manifest line it is about: a finding on its own place when
//! it has one in the repository, else on its workload's manifest line, as `::warning` when it is
//! critical or a warning and `::notice` when it is context only. Workflow commands go to the
//! writer the caller gives (the binary passes stderr: the runner reads commands on both streams,
//! and stdout stays the report, so `--output json > plan.json` keeps working in a workflow).
//!
//! GitHub's limits are kept by design, whatever the plan: what a run appends to the step
//! summary stays under [`SUMMARY_LIMIT`] bytes less what the step already wrote, the
//! `report-markdown` file under [`COMMENT_LIMIT`] characters (both cut by section,
//! [`crate::report::budget`]), and at most [`ANNOTATIONS_PER_KIND`] annotations of each kind
//! are written, the most severe first, the last one counting those left out.
//!
//! The renderers here are pure (plan or verification in, text out); only [`Github`]'s methods
//! write, and only to the paths [`Env`] was given, so the tests can point everything at a
//! scratch folder. Paths in annotations are relative to `GITHUB_WORKSPACE`, because that is what
//! GitHub resolves them against, and `--repo` is often a folder of the checkout.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::model::{Code, Finding, Place, Severity};
use crate::plan::{Action, Plan};
use crate::report::budget::Budget;
use crate::report::escape;
use crate::report::pull_request::PullRequestReport;
use crate::verify::{Status, Verification};

/// GitHub refuses a step summary over 1 MiB (1,048,576 bytes) whole ("upload aborted"): what
/// one step appends stays under this many bytes, measured as bytes and counting what the step
/// already wrote to the file.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// The `report-markdown` file is for a pull request comment, which GitHub refuses over 65,536
/// characters: cut as the pull request body is (UTF-16 code units, with room for a marker line
/// the workflow adds).
pub const COMMENT_LIMIT: usize = 60_000;

/// GitHub shows at most this many annotations of each kind (error, warning, notice) per step;
/// the rest are dropped without a word. A run writes at most this many of each kind, the last
/// one counting those left out.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// Where GitHub Actions wants things, read once from the environment at the edge.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// `GITHUB_OUTPUT`: step outputs, appended as `name=value` lines.
    pub output: Option<PathBuf>,
    /// `GITHUB_STEP_SUMMARY`: markdown shown on the run's page.
    pub step_summary: Option<PathBuf>,
    /// `RUNNER_TEMP`: where the JSON report is written (else the system's temporary folder).
    pub runner_temp: Option<PathBuf>,
    /// `GITHUB_WORKSPACE`: what annotation paths are relative to.
    pub workspace: Option<PathBuf>,
}

impl Env {
    /// GitHub Actions' variables through `var`, or `None` unless `GITHUB_ACTIONS` is `true`.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Option<Env> {
        if var("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
            return None;
        }
        // An empty variable is as good as none: appending to "" would fail for nothing.
        let path = |name: &str| var(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Some(Env {
            output: path("GITHUB_OUTPUT"),
            step_summary: path("GITHUB_STEP_SUMMARY"),
            runner_temp: path("RUNNER_TEMP"),
            workspace: path("GITHUB_WORKSPACE"),
        })
    }

    /// [`Env::from_vars`] over the process environment.
    pub fn from_process() -> Option<Env> {
        Env::from_vars(|name| std::env::var_os(name))
    }
}

/// The GitHub Actions side of a run: the paths of [`Env`] and the stream workflow commands go to.
pub struct Github<'w> {
    pub env: Env,
    pub commands: &'w mut dyn Write,
}

impl Github<'_> {
    /// Before anything else: have the runner hide `secret` (a token) wherever it would appear in
    /// the log from now on. Nothing for a blank one. Best effort: the run goes on without it.
    pub fn mask(&mut self, secret: &str) {
        let secret = secret.trim();
        if !secret.is_empty() {
            let _ = self.commands.write_all(add_mask(secret).as_bytes());
        }
    }

    /// After `plan`, `apply` or `pr`: the JSON report file, the outputs, the step summary and
    /// the annotations. `repo` is `--repo`, which the plan's paths are relative to.
    pub fn plan(
        &mut self,
        plan: &Plan,
        pull_request: Option<&PullRequestReport>,
        repo: &Path,
    ) -> anyhow::Result<()> {
        let mut json = Vec::new();
        crate::report::json::render_with_pull_request(plan, pull_request, &mut json)?;
        let summary = plan_summary(plan, pull_request, self.summary_budget());
        let comment = plan_summary(plan, pull_request, Budget::utf16(COMMENT_LIMIT));
        let mut outputs = plan_outputs(plan, pull_request);
        outputs.extend(self.write_reports(&json, &comment)?);
        append(self.env.output.as_deref(), &render_outputs(&outputs))?;
        append(self.env.step_summary.as_deref(), &summary)?;
        let prefix = self.prefix(repo);
        self.commands
            .write_all(plan_annotations(plan, &prefix).as_bytes())?;
        Ok(())
    }

    /// After `verify`: the same, for the pods left.
    pub fn verification(&mut self, verification: &Verification, repo: &Path) -> anyhow::Result<()> {
        let mut json = Vec::new();
        crate::verify::render_json(verification, &mut json)?;
        let summary = verification_summary(verification, self.summary_budget());
        let comment = verification_summary(verification, Budget::utf16(COMMENT_LIMIT));
        let mut outputs = vec![("affected-count", verification.workloads.len().to_string())];
        outputs.extend(self.write_reports(&json, &comment)?);
        append(self.env.output.as_deref(), &render_outputs(&outputs))?;
        append(self.env.step_summary.as_deref(), &summary)?;
        let prefix = self.prefix(repo);
        self.commands
            .write_all(verification_annotations(verification, &prefix).as_bytes())?;
        Ok(())
    }

    /// The JSON and markdown reports in files of their own under `RUNNER_TEMP` (a job may run
    /// the action several times, plan then pr, and each step's paths must stay valid), as the
    /// `report-json` and `report-markdown` outputs.
    fn write_reports(
        &self,
        json: &[u8],
        markdown: &str,
    ) -> anyhow::Result<Vec<(&'static str, String)>> {
        let dir = self
            .env
            .runner_temp
            .clone()
            .unwrap_or_else(std::env::temp_dir);
        let mut outputs = Vec::new();
        for (name, suffix, bytes) in [
            ("report-json", ".json", json),
            ("report-markdown", ".md", markdown.as_bytes()),
        ] {
            let mut file = tempfile::Builder::new()
                .prefix("gitops-restart-report-")
                .suffix(suffix)
                .tempfile_in(&dir)
                .with_context(|| format!("cannot create the report in {}", dir.display()))?;
            file.write_all(bytes)
                .with_context(|| format!("cannot write the report {}", file.path().display()))?;
            let (_, path) = file.keep().context("cannot keep the report file")?;
            outputs.push((name, path.display().to_string()));
        }
        Ok(outputs)
    }

    /// What this run may append to the step summary: [`SUMMARY_LIMIT`] less what the step
    /// already wrote (an earlier command of the same `run:` step).
    fn summary_budget(&self) -> Budget {
        let written = self
            .env
            .step_summary
            .as_deref()
            .and_then(|path| std::fs::metadata(path).ok())
            .map_or(0, |m| usize::try_from(m.len()).unwrap_or(usize::MAX));
        Budget::bytes(SUMMARY_LIMIT).minus(written)
    }

    fn prefix(&self, repo: &Path) -> String {
        self.env
            .workspace
            .as_deref()
            .map_or_else(String::new, |ws| workspace_prefix(repo, ws))
    }
}

/// Append to one of the runner's files; without the variable, there is nothing to append to.
fn append(path: Option<&Path>, text: &str) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .with_context(|| format!("cannot append to {}", path.display()))
}

/// Where `repo` sits inside `workspace`, as a prefix for paths (`""` at the root, else
/// `sub/dir/`); `""` when it is outside (annotations then name repository paths, which GitHub
/// shows unlinked rather than on a wrong file).
pub fn workspace_prefix(repo: &Path, workspace: &Path) -> String {
    let (Ok(repo), Ok(workspace)) = (repo.canonicalize(), workspace.canonicalize()) else {
        return String::new();
    };
    let Ok(rel) = repo.strip_prefix(&workspace) else {
        return String::new();
    };
    let mut prefix = String::new();
    for part in rel.components() {
        prefix.push_str(&part.as_os_str().to_string_lossy());
        prefix.push('/');
    }
    prefix
}

/// A workflow command's message: `%`, CR and LF are escaped, or the line would end early.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and `,`, which end it.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One workflow command line: `::name key=value,...::message`. The message and the values may
/// quote outside text: their control characters are shown escaped ([`escape::text`]: a line
/// break in a name stays visible as `\n` rather than splitting the annotation, an ESC colours
/// nothing), then the runner's escapes apply.
pub fn command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<(&str, String)> = properties
        .iter()
        .map(|(key, value)| (*key, escape::text(value).into_owned()))
        .collect();
    raw_command(name, &properties, &escape::text(message))
}

/// [`command`] without [`escape::text`]: for the mask, which must be the secret as it is.
fn raw_command(name: &str, properties: &[(&str, String)], message: &str) -> String {
    let properties: Vec<String> = properties
        .iter()
        .map(|(key, value)| format!("{key}={}", escape_property(value)))
        .collect();
    let space = if properties.is_empty() { "" } else { " " };
    format!(
        "::{name}{space}{}::{}\n",
        properties.join(","),
        escape_data(message)
    )
}

/// An error annotation for a failed run.
pub fn error(message: &str) -> String {
    command("error", &[("title", "gitops-restart".to_owned())], message)
}

/// Ask the runner to hide `secret` in every later log line.
pub fn add_mask(secret: &str) -> String {
    raw_command("add-mask", &[], secret)
}

/// Step outputs in the `$GITHUB_OUTPUT` format: `name=value`, or a heredoc for a value with a
/// line break (none of ours has one, but a URL from a server is not ours to trust).
pub fn render_outputs(outputs: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in outputs {
        if value.contains(['\n', '\r']) {
            let mut delimiter = "GITOPS_RESTART_EOF".to_owned();
            while value.contains(&delimiter) {
                delimiter.push('_');
            }
            let _ = writeln!(text, "{name}<<{delimiter}\n{value}\n{delimiter}");
        } else {
            let _ = writeln!(text, "{name}={value}");
        }
    }
    text
}

/// The outputs of `plan`, `apply` and `pr` besides the report paths; the pull request's only
/// for `pr`. `affected-count` is every workload of the report, whatever its action: the sum of
/// the six counts per action (`restart-count` is the bumps).
pub fn plan_outputs(
    plan: &Plan,
    pull_request: Option<&PullRequestReport>,
) -> Vec<(&'static str, String)> {
    let mut outputs = Vec::new();
    if let Some(pr) = pull_request {
        outputs.push(("operation", pr.operation.as_str().to_owned()));
        outputs.push((
            "pr-number",
            pr.number.map_or_else(String::new, |n| n.to_string()),
        ));
        outputs.push(("pr-url", pr.url.clone().unwrap_or_default()));
        outputs.push(("branch", pr.branch.clone()));
        outputs.push(("head-sha", pr.head_sha.clone().unwrap_or_default()));
        outputs.push((
            "followed-pr-number",
            pr.followed
                .as_ref()
                .map_or_else(String::new, |f| f.number.to_string()),
        ));
    }
    outputs.push(("affected-count", plan.workloads.len().to_string()));
    for (name, action) in [
        ("restart-count", Action::Bump),
        ("already-bumped-count", Action::AlreadyBumped),
        ("manual-count", Action::Manual),
        ("not-found-count", Action::NotFound),
        ("ambiguous-count", Action::Ambiguous),
        ("skipped-count", Action::Skipped),
    ] {
        let count = plan
            .workloads
            .iter()
            .filter(|w| w.decision.action() == action)
            .count();
        outputs.push((name, count.to_string()));
    }
    outputs
}

/// Where the whole report is, for the note of a cut step summary or comment.
const WHOLE_PLAN: &str = "the JSON report (the `report-json` output) holds everything, and \
                          `gitops-restart plan` shows the full report";
const WHOLE_VERIFY: &str = "the JSON report (the `report-json` output) holds everything, and \
                            `gitops-restart verify` shows the full report";

/// The longest note from GitHub a summary shows: longer is cut.
const NOTE_MAX: usize = 1_000;

/// The step summary (or the comment): the markdown report within `budget`, headed by what
/// happened to the pull request (its URL, from GitHub's answer, linked only when it is
/// http(s); the branch and the notes escaped).
pub fn plan_summary(
    plan: &Plan,
    pull_request: Option<&PullRequestReport>,
    budget: Budget,
) -> String {
    let mut md = String::new();
    if let Some(pr) = pull_request {
        let branch = escape::markdown_code(&pr.branch);
        match (&pr.number, pr.url.as_deref().and_then(escape::markdown_url)) {
            (Some(number), Some(url)) => {
                let _ = writeln!(
                    md,
                    "**Pull request [#{number}]({url}): {}** (branch {branch})\n",
                    pr.operation.as_str(),
                );
            }
            (Some(number), None) => {
                let _ = writeln!(
                    md,
                    "**Pull request #{number}: {}** (branch {branch})\n",
                    pr.operation.as_str(),
                );
            }
            (None, _) => {
                let _ = writeln!(
                    md,
                    "**No pull request:** nothing to restart, and none open for branch {branch}\n",
                );
            }
        }
        for note in &pr.notes {
            let note = crate::report::budget::shorten(note, NOTE_MAX);
            let _ = writeln!(md, "> {}\n", escape::markdown(&note));
        }
    }
    // The header and the final line break come off the budget first.
    let used = budget.size(&md) + 1;
    md.push_str(&crate::report::markdown::render_within(
        plan,
        budget.minus(used),
        WHOLE_PLAN,
    ));
    md.push('\n');
    md
}

/// `verify`'s step summary (or comment): its markdown report within `budget`.
pub fn verification_summary(verification: &Verification, budget: Budget) -> String {
    crate::report::verification::render_within(verification, budget, WHOLE_VERIFY)
}

/// Annotation properties for a place in the repository, if there is one.
fn place(
    prefix: &str,
    file: Option<&str>,
    line: Option<usize>,
    title: &str,
) -> Vec<(&'static str, String)> {
    let mut properties = Vec::new();
    if let Some(file) = file {
        properties.push(("file", format!("{prefix}{file}")));
        if let Some(line) = line {
            properties.push(("line", line.to_string()));
        }
    }
    properties.push(("title", title.to_owned()));
    properties
}

/// One annotation, before the cap: its workflow command, which kind it is, and how soon it
/// must be read (lower first).
struct Annotation {
    kind: Level,
    rank: u8,
    command: String,
}

/// The kinds of annotation GitHub caps, each on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Warning,
    Notice,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// How soon a finding must be read: critical first, then warnings, then context.
fn rank(severity: Severity) -> u8 {
    match severity {
        Severity::Critical => 0,
        Severity::Warning => 2,
        Severity::Info => 4,
    }
}

/// A finding's annotation: `::warning` when it is critical or a warning, `::notice` when it is
/// context only. One with a place in the repository is pinned there (the message then without
/// the place, which GitHub shows); any other is pinned at `fallback` (its workload's manifest
/// line, or nothing), with the place in the message as the reports show it.
fn finding_annotation(
    finding: &Finding,
    prefix: &str,
    fallback: &[(&'static str, String)],
    title: &str,
) -> Annotation {
    let kind = match finding.severity {
        Severity::Critical | Severity::Warning => Level::Warning,
        Severity::Info => Level::Notice,
    };
    let command = match finding.place.as_ref().filter(|p| !p.input) {
        Some(at) => command(
            kind.as_str(),
            &place(prefix, Some(&at.file), at.line, title),
            &finding.message,
        ),
        None => command(kind.as_str(), fallback, &finding.text()),
    };
    Annotation {
        kind,
        rank: rank(finding.severity),
        command,
    }
}

/// The annotations GitHub shows: of each kind, the most urgent first, at most
/// [`ANNOTATIONS_PER_KIND`]; past that, the last one says how many more there are and where
/// they are. Warnings first, then notices; the order of equally urgent ones is kept.
fn capped(mut annotations: Vec<Annotation>, whole: &str) -> String {
    annotations.sort_by_key(|a| (a.kind == Level::Notice, a.rank));
    let mut text = String::new();
    for kind in [Level::Warning, Level::Notice] {
        let of_kind: Vec<&Annotation> = annotations.iter().filter(|a| a.kind == kind).collect();
        let shown = if of_kind.len() <= ANNOTATIONS_PER_KIND {
            of_kind.len()
        } else {
            ANNOTATIONS_PER_KIND - 1
        };
        for annotation in &of_kind[..shown] {
            text.push_str(&annotation.command);
        }
        let more = of_kind.len() - shown;
        if more == 0 {
            continue;
        }
        text.push_str(&command(
            kind.as_str(),
            &[("title", TITLE.to_owned())],
            &format!(
                "{more} more {}s are not annotated (GitHub shows {ANNOTATIONS_PER_KIND} of each \
                 kind per step): {whole}",
                kind.as_str()
            ),
        ));
    }
    text
}

/// Where every annotation's finding is, for the last annotation of a capped kind.
const EVERY_ANNOTATION: &str =
    "the step summary and the JSON report (the `report-json` output) list them all";

/// The plan's annotations: each workload's warnings and each action someone must take by hand
/// (`manual`, `ambiguous` as warnings; `not-found` as a notice, since it is often an add-on the
/// repository never held), the run's own warnings, and the files that were skipped; capped per
/// kind, critical warnings first, then the actions to take by hand, then the other warnings.
pub fn plan_annotations(plan: &Plan, prefix: &str) -> String {
    let mut annotations = Vec::new();
    for w in &plan.workloads {
        let id = w.id().to_string();
        let site = w.decision.place();
        let at = place(
            prefix,
            site.map(|p| p.file.as_str()),
            site.and_then(|p| p.line),
            &id,
        );
        let reason = w.decision.reason().unwrap_or_default();
        let action = w.decision.action();
        let message = format!("{}: {reason}", action.as_str());
        match action {
            Action::Manual | Action::Ambiguous => annotations.push(Annotation {
                kind: Level::Warning,
                rank: 1,
                command: command("warning", &at, &message),
            }),
            Action::NotFound => annotations.push(Annotation {
                kind: Level::Notice,
                rank: 3,
                command: command("notice", &at, &message),
            }),
            Action::Bump | Action::AlreadyBumped | Action::Skipped => {}
        }
        for warning in &w.warnings {
            annotations.push(finding_annotation(warning, prefix, &at, &id));
        }
    }
    let run = [("title", TITLE.to_owned())];
    for warning in &plan.warnings {
        annotations.push(finding_annotation(warning, prefix, &run, TITLE));
    }
    for skipped in &plan.skipped_files {
        let finding = Finding::warning(Code::FileSkipped, skipped.reason.as_str())
            .at(Place::new(skipped.file.as_str(), skipped.line));
        annotations.push(finding_annotation(
            &finding,
            prefix,
            &run,
            "gitops-restart: file skipped",
        ));
    }
    capped(annotations, EVERY_ANNOTATION)
}

/// The title of the annotations about the run rather than a workload.
const TITLE: &str = "gitops-restart";

/// The verification's annotations: each workload that still has old pods, with its next step
/// (Job pods, which finish on their own, after the others), and the warnings; capped per kind
/// as the plan's are.
pub fn verification_annotations(v: &Verification, prefix: &str) -> String {
    let mut annotations = Vec::new();
    for w in &v.workloads {
        let id = w.id().to_string();
        let at = place(prefix, w.file.as_deref(), w.line, &id);
        let message = format!(
            "{}: {} pod(s) created before the cutoff remain; {}",
            w.status.as_str(),
            w.pods,
            w.next_step
        );
        annotations.push(Annotation {
            kind: Level::Warning,
            rank: if w.status == Status::Finishing { 3 } else { 1 },
            command: command("warning", &at, &message),
        });
        for warning in &w.warnings {
            annotations.push(finding_annotation(warning, prefix, &at, &id));
        }
    }
    let run = [("title", TITLE.to_owned())];
    for warning in &v.warnings {
        annotations.push(finding_annotation(warning, prefix, &run, TITLE));
    }
    capped(annotations, EVERY_ANNOTATION)
}

#[cfg(test)]
mod tests;
