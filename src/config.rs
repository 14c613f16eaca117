//! `.gitops-restart.yaml`: the repository's own settings, all optional.
//!
//! It maps clusters to the repository paths that deploy to them, narrows the walk with globs,
//! names the annotation key and Helm values paths, and holds pull-request settings. Unknown keys
//! are an error that names the key, its line and its map, the nearest known key and those allowed
//! there, and a value of the wrong shape names its key: a typo must never silently fall back to a
//! default, and its message is one line. This module only deserialises and checks the settings: [`crate::settings`] reads
//! the file (through `crate::input::read`, with its size limit), once, before any work, and
//! `crate::input` splits the text into its document, with positions, syntax errors and YAML's
//! limits.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::input::{Refusal, Refused, Text};

/// The file name looked for at the repository root.
pub const FILE_NAME: &str = ".gitops-restart.yaml";

/// The whole configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[schemars(
    title = "gitops-restart configuration (.gitops-restart.yaml)",
    description = "The settings of gitops-restart for one GitOps repository, read from \
                   .gitops-restart.yaml at its root (or --config FILE). Every key is optional; \
                   an unknown key is an error."
)]
pub struct Config {
    /// The pod-template annotation key (default `kubectl.kubernetes.io/restartedAt`).
    pub annotation: Option<String>,
    /// Only files matching one of these globs (relative to the repository root) are read.
    pub include: Vec<String>,
    /// Files matching one of these globs are never read.
    pub exclude: Vec<String>,
    /// Cluster name → the repository paths that deploy to it, and how Argo CD knows it.
    pub clusters: BTreeMap<String, ClusterPaths>,
    /// This repository's URLs, as Argo CD Applications name it in `repoURL` (https or ssh,
    /// with or without `.git`: compared by host and path). When given, the Applications of the
    /// inventory that deploy another repository are ignored, and of the Flux Kustomizations only
    /// those of the `flux-system` GitRepository (the repository Flux was bootstrapped from) are
    /// taken to deploy this one; when not, every source is taken to be this repository.
    pub repositories: Vec<String>,
    /// Where a restart goes in Helm values.
    pub helm: HelmConfig,
    /// Pull-request settings.
    pub pull_request: PullRequestConfig,
}

/// The repository paths (folders or files, relative to the root) that deploy to one cluster,
/// and the cluster as Argo CD knows it (for ApplicationSet clusters generators and
/// `destination.server`), when the repository holds no cluster Secret for it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct ClusterPaths {
    /// The folders and files (relative to the repository root) whose manifests deploy to this
    /// cluster.
    pub paths: Vec<String>,
    /// The API server URL Argo CD deploys to (`destination.server`, `{{server}}`).
    pub server: Option<String>,
    /// The labels of its Argo CD cluster Secret, which generator selectors match.
    pub labels: BTreeMap<String, String>,
}

/// Helm values paths for the pod annotations.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct HelmConfig {
    /// The values path of pod annotations for charts not listed in `charts`
    /// (default `podAnnotations`).
    pub values_path: String,
    /// Chart name → values path; `{name}` stands for the workload's name, one key even when the
    /// name holds dots, for example `controllers.{name}.pod.annotations` for bjw-s app-template.
    pub charts: BTreeMap<String, String>,
}

impl Default for HelmConfig {
    fn default() -> Self {
        HelmConfig {
            values_path: "podAnnotations".to_owned(),
            charts: BTreeMap::new(),
        }
    }
}

/// Pull-request settings: the `pullRequest` section of the file and the flags of `pr` are this
/// one struct (doc comments are the flags' `--help`), so an option is declared once; a flag that
/// is given replaces the file's value ([`PullRequestConfig::over`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, JsonSchema, clap::Args)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
#[schemars(
    description = "The pull request `gitops-restart pr` opens; a flag of `pr` that is given \
                   replaces the value here."
)]
pub struct PullRequestConfig {
    /// The branch to merge into [default: the repository's default branch].
    #[arg(long, value_name = "BRANCH", env = "GITOPS_RESTART_BASE")]
    pub base: Option<String>,

    /// The pull request's branch, created or force-updated [default: the branch prefix
    /// followed by the cluster].
    #[arg(long, value_name = "BRANCH", env = "GITOPS_RESTART_BRANCH")]
    pub branch: Option<String>,

    /// The prefix of the branch's name; the cluster follows [default: gitops-restart/].
    #[arg(long, value_name = "PREFIX")]
    pub branch_prefix: Option<String>,

    /// The title; `{cluster}` and `{deadline}` are filled in (without a deadline: "an unknown
    /// deadline") [default: Restart Fargate workloads on CLUSTER before DEADLINE, or "...
    /// (deadline unknown)"].
    #[arg(long, value_name = "TEXT", env = "GITOPS_RESTART_TITLE")]
    pub title: Option<String>,

    /// A label to set (repeatable; replaces the configuration's list).
    #[schemars(description = "The labels to set (`--label` replaces the list).")]
    #[arg(
        long = "label",
        value_name = "NAME",
        env = "GITOPS_RESTART_LABELS",
        value_delimiter = ','
    )]
    pub labels: Vec<String>,

    /// A reviewer to request (repeatable; replaces the configuration's list).
    #[schemars(
        description = "The users to request a review from (`--reviewer` replaces the list)."
    )]
    #[arg(
        long = "reviewer",
        value_name = "LOGIN",
        env = "GITOPS_RESTART_REVIEWERS",
        value_delimiter = ','
    )]
    pub reviewers: Vec<String>,

    /// A team to request a review from (repeatable; replaces the configuration's list).
    #[schemars(
        description = "The teams (slugs) to request a review from (`--team-reviewer` replaces \
                       the list)."
    )]
    #[arg(
        long = "team-reviewer",
        value_name = "SLUG",
        env = "GITOPS_RESTART_TEAM_REVIEWERS",
        value_delimiter = ','
    )]
    pub team_reviewers: Vec<String>,

    /// An assignee (repeatable; replaces the configuration's list).
    #[schemars(description = "The users to assign (`--assignee` replaces the list).")]
    #[arg(
        long = "assignee",
        value_name = "LOGIN",
        env = "GITOPS_RESTART_ASSIGNEES",
        value_delimiter = ','
    )]
    pub assignees: Vec<String>,

    /// Open the pull request as a draft (`--draft=false` overrides a `draft: true` in the
    /// configuration).
    #[schemars(description = "Open the pull request as a draft (`--draft=false` overrides it).")]
    #[arg(
        long,
        env = "GITOPS_RESTART_DRAFT",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "true",
        value_name = "BOOL"
    )]
    pub draft: Option<bool>,
}

impl PullRequestConfig {
    /// These settings (the flags) over `file`'s: a value or a non-empty list given here wins,
    /// and a branch prefix given here wins over the file's branch too (the two are one
    /// setting: a fixed branch, or a prefix the cluster follows).
    #[must_use]
    pub fn over(&self, file: &PullRequestConfig) -> PullRequestConfig {
        let text = |flag: &Option<String>, file: &Option<String>| flag.clone().or(file.clone());
        let list = |flag: &Vec<String>, file: &Vec<String>| {
            if flag.is_empty() { file } else { flag }.clone()
        };
        PullRequestConfig {
            base: text(&self.base, &file.base),
            branch: if self.branch.is_none() && self.branch_prefix.is_some() {
                None
            } else {
                text(&self.branch, &file.branch)
            },
            branch_prefix: text(&self.branch_prefix, &file.branch_prefix),
            title: text(&self.title, &file.title),
            labels: list(&self.labels, &file.labels),
            reviewers: list(&self.reviewers, &file.reviewers),
            team_reviewers: list(&self.team_reviewers, &file.team_reviewers),
            assignees: list(&self.assignees, &file.assignees),
            draft: self.draft.or(file.draft),
        }
    }
}

/// A refused key or value in words that name it: an unknown key with the closest known one and
/// the keys allowed there, a value of the wrong shape with its key.
fn refusal_message(refusal: &Refusal) -> String {
    let within = if refusal.path.is_empty() {
        String::new()
    } else {
        format!(" in `{}`", refusal.path)
    };
    match &refusal.what {
        Refused::UnknownKey { key, known } => {
            let guess = closest(key, known)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            format!(
                "unknown key `{key}`{within}; {guess}the keys allowed there: {}",
                known.join(", ")
            )
        }
        Refused::Value(why) if refusal.path.is_empty() => why.clone(),
        Refused::Value(why) => format!("`{}`: {why}", refusal.path),
    }
}

/// The known key `key` is most likely a typo of: the same but for case, `-` and `_`, else the
/// nearest by edit distance, when it is near (at most a third of its length, at least 2).
fn closest<'k>(key: &str, known: &'k [String]) -> Option<&'k str> {
    let fold = |s: &str| {
        s.chars()
            .filter(|c| !matches!(c, '-' | '_'))
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    if let Some(same) = known.iter().find(|k| fold(k) == fold(key)) {
        return Some(same);
    }
    let limit = (key.chars().count() / 3).max(2);
    known
        .iter()
        .map(|k| (edit_distance(&fold(key), &fold(k)), k))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.as_str())
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The JSON Schema (draft 2020-12) of the file (`schema/config.schema.json`), generated from
/// these types as they are read: every key optional, unknown keys refused. Editors that know
/// JSON Schema (the YAML language server's `# yaml-language-server: $schema=URL`) complete and
/// check the file with it.
pub fn schema() -> serde_json::Value {
    let mut schema = schemars::generate::SchemaSettings::draft2020_12()
        .for_deserialize()
        .into_generator()
        .into_root_schema_for::<Config>()
        .to_value();
    crate::report::unwrap_descriptions(&mut schema);
    schema
}

/// Why the configuration can't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}{}: {message}", position(*.line, *.column))]
pub struct ConfigError {
    pub source_name: String,
    /// 1-based, when the error is at a place in the file.
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub message: String,
}

fn position(line: Option<u64>, column: Option<u64>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

impl Config {
    /// Parse the configuration file's text, YAML (or JSON). An empty file is the default
    /// configuration.
    pub fn parse(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let input = Text::new(text, source_name);
        let mut documents = input.documents::<Config>().map_err(|error| ConfigError {
            message: match error.data.then(|| input.refusal::<Config>()).flatten() {
                Some(refusal) => refusal_message(&refusal),
                None if error.data => error.message,
                None => format!("invalid {}: {}", error.format, error.message),
            },
            source_name: error.input,
            line: error.line,
            column: error.column,
        })?;
        if let Some(second) = documents.get(1) {
            return Err(ConfigError {
                source_name: source_name.to_owned(),
                line: second.start.map(|(line, _)| line),
                column: second.start.map(|(_, column)| column),
                message: "a second document: the configuration is one".to_owned(),
            });
        }
        let Some(config) = documents.pop() else {
            return Ok(Config::default());
        };
        config.value.validate(source_name)?;
        Ok(config.value)
    }

    fn validate(&self, source_name: &str) -> Result<(), ConfigError> {
        let fail = |message: String| ConfigError {
            source_name: source_name.to_owned(),
            line: None,
            column: None,
            message,
        };
        for glob in self.include.iter().chain(&self.exclude) {
            globset::Glob::new(glob).map_err(|e| fail(format!("bad glob `{glob}`: {e}")))?;
        }
        if self
            .annotation
            .as_deref()
            .is_some_and(|a| a.trim().is_empty())
        {
            return Err(fail("`annotation` must not be empty".to_owned()));
        }
        if let Some(key) = &self.annotation {
            crate::validate::annotation_key(key).map_err(|e| fail(format!("`annotation`: {e}")))?;
        }
        crate::settings::check_branches(&self.pull_request, "pullRequest.").map_err(fail)?;
        if self.repositories.iter().any(|r| r.trim().is_empty()) {
            return Err(fail("`repositories` holds an empty URL".to_owned()));
        }
        for (cluster, paths) in &self.clusters {
            if paths.paths.is_empty() && paths.server.is_none() && paths.labels.is_empty() {
                return Err(fail(format!(
                    "cluster `{cluster}` lists no `paths`, `server` or `labels`"
                )));
            }
            if let Some(bad) = paths
                .paths
                .iter()
                .find(|p| p.starts_with('/') || p.split('/').any(|c| c == ".."))
            {
                return Err(fail(format!(
                    "cluster `{cluster}`: path `{bad}` must be relative to the repository root"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_default() {
        assert_eq!(Config::parse("", "c").unwrap(), Config::default());
        assert_eq!(
            Config::parse("# nothing\n", "c").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn full_example_parses() {
        let text = "\
annotation: example.com/restartedAt
include: ['apps/**']
exclude: ['**/templates/**']
clusters:
  prod-eks:
    paths: [clusters/prod, apps/overlays/prod]
repositories: [https://github.com/acme/gitops.git, git@github.com:acme/gitops.git]
helm:
  valuesPath: podAnnotations
  charts:
    app-template: controllers.{name}.pod.annotations
pullRequest:
  base: main
  branchPrefix: restarts/
  labels: [restart]
  reviewers: [alice]
  teamReviewers: [platform]
  assignees: [bob]
  draft: true
";
        let config = Config::parse(text, "c").unwrap();
        assert_eq!(
            config.annotation.as_deref(),
            Some("example.com/restartedAt")
        );
        assert_eq!(config.clusters["prod-eks"].paths.len(), 2);
        assert_eq!(config.repositories.len(), 2);
        assert_eq!(
            config.helm.charts["app-template"],
            "controllers.{name}.pod.annotations"
        );
        assert_eq!(config.pull_request.draft, Some(true));
        assert_eq!(config.pull_request.team_reviewers, ["platform"]);
    }

    #[test]
    fn flags_given_win_over_the_file() {
        let file = Config::parse(
            "pullRequest:\n  base: main\n  labels: [restart]\n  reviewers: [alice]\n  draft: true\n",
            "c",
        )
        .unwrap()
        .pull_request;
        let flags = PullRequestConfig {
            base: Some("release".to_owned()),
            reviewers: vec!["bob".to_owned()],
            draft: Some(false),
            ..PullRequestConfig::default()
        };
        let merged = flags.over(&file);
        assert_eq!(merged.base.as_deref(), Some("release"));
        assert_eq!(merged.labels, ["restart"], "no flag: the file's list");
        assert_eq!(merged.reviewers, ["bob"], "a flag replaces the list");
        assert_eq!(merged.draft, Some(false));
        assert_eq!(PullRequestConfig::default().over(&file), file);
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse(
            "pullRequest:\n  reviewer: [alice]\n",
            ".gitops-restart.yaml",
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            ".gitops-restart.yaml:2:3: unknown key `reviewer` in `pullRequest`; did you mean \
             `reviewers`? the keys allowed there: base, branch, branchPrefix, title, labels, \
             reviewers, teamReviewers, assignees, draft"
        );
        let err = Config::parse("clusterz: {}\n", "c").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c:1:1: unknown key `clusterz`; did you mean `clusters`? the keys allowed there: annotation, include,"),
            "{err}"
        );
        // JSON is read as JSON, with its positions.
        let err = Config::parse("{\"annotation\": \"a\",\n \"clusterz\": {}}", "c").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c:2:11: unknown key `clusterz`; did you mean `clusters`? the keys allowed there: annotation, include,"),
            "{err}"
        );
    }

    #[test]
    fn typos_name_the_nearest_key_and_wrong_shapes_their_key() {
        let message = |text: &str| Config::parse(text, "c").unwrap_err().to_string();
        assert!(
            message("pull_request: {}\n")
                .starts_with("c:1:1: unknown key `pull_request`; did you mean `pullRequest`?"),
            "{}",
            message("pull_request: {}\n")
        );
        assert!(message("annotaton: x\n").contains("did you mean `annotation`?"));
        assert!(
            message("clusters:\n  prod:\n    path: [a]\n").starts_with(
                "c:3:5: unknown key `path` in `clusters.prod`; did you mean `paths`? the keys \
                 allowed there: paths, server, labels"
            ),
            "{}",
            message("clusters:\n  prod:\n    path: [a]\n")
        );
        // Nothing near: no guess, the keys allowed.
        let far = message("colour: red\n");
        assert!(
            far.starts_with("c:1:1: unknown key `colour`; the keys allowed there: annotation,"),
            "{far}"
        );
        assert_eq!(
            message("pullRequest:\n  labels: 3\n"),
            "c:2:11: `pullRequest.labels`: expected a list"
        );
        assert_eq!(
            message("include: 3\n"),
            "c:1:10: `include`: expected a list"
        );
        assert_eq!(
            message("annotation: [a]\n"),
            "c:1:13: `annotation`: expected a string"
        );
        assert_eq!(
            message("helm:\n  charts: x\n"),
            "c:2:11: `helm.charts`: expected a mapping (key: value)"
        );
        assert_eq!(
            message("{\"pullRequest\": {\"draft\": \"yes\"}}"),
            "c:1:31: `pullRequest.draft`: invalid type: string \"yes\", expected a boolean"
        );
        for text in ["pull_request: {}\n", "pullRequest:\n  labels: 3\n"] {
            assert!(!message(text).contains('\n'));
        }
    }

    #[test]
    fn syntax_errors_and_a_second_document_are_refused_with_their_line() {
        let err = Config::parse("annotation: a\n  bad: [\n", "c").unwrap_err();
        assert!(err.to_string().starts_with("c:2:"), "{err}");
        assert!(err.message.starts_with("invalid YAML: "), "{err}");
        assert!(!err.to_string().contains('\n'), "{err}");
        let err = Config::parse("annotation: a\n---\ninclude: [x]\n", "c").unwrap_err();
        assert_eq!(
            err.to_string(),
            "c:3:1: a second document: the configuration is one"
        );
        assert_eq!(
            Config::parse("\u{feff}annotation: a\n", "c")
                .unwrap()
                .annotation
                .as_deref(),
            Some("a")
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(
            Config::parse("include: ['a/[b']\n", "c")
                .unwrap_err()
                .to_string()
                .contains("bad glob")
        );
        assert!(Config::parse("clusters:\n  prod: {paths: []}\n", "c").is_err());
        assert!(Config::parse("clusters:\n  prod: {labels: {env: prod}}\n", "c").is_ok());
        assert!(Config::parse("clusters:\n  prod: {server: https://x}\n", "c").is_ok());
        assert!(Config::parse("clusters:\n  prod: {label: {}}\n", "c").is_err());
        assert!(Config::parse("clusters:\n  prod: {paths: [../x]}\n", "c").is_err());
        assert!(Config::parse("annotation: ''\n", "c").is_err());
        assert!(Config::parse("repositories: ['']\n", "c").is_err());
    }
}
