//! The configuration's JSON Schema, `schema/config.schema.json`: generated from the types that
//! read `.gitops-restart.yaml` (the committed file must be what they generate;
//! `GITOPS_RESTART_BLESS_SCHEMA=1` rewrites it), and agreeing with them: the README's example
//! (headed by the `# yaml-language-server: $schema=` line that points editors at the schema)
//! and every configuration file in the repository parse and conform, and what the reader
//! refuses for its shape (an unknown key, a wrong type) the schema refuses too.

use std::path::{Path, PathBuf};

use serde_json::Value;

use gitops_restart::config::Config;

use crate::schema::{check_committed, violations};

/// Where editors fetch the schema from, as the README's example names it.
const SCHEMA_URL: &str = "https://raw.githubusercontent.com/gitops-restart/gitops-restart/main/schema/config.schema.json";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn schema() -> Value {
    gitops_restart::config::schema()
}

/// The configuration text as JSON, as an editor's YAML language server sees it.
fn as_json(text: &str) -> Value {
    serde_saphyr::from_str::<Option<Value>>(text)
        .unwrap()
        .unwrap_or(Value::Object(serde_json::Map::new()))
}

fn schema_problems(text: &str) -> Vec<String> {
    let schema = schema();
    violations(&schema, &schema, &as_json(text), "")
}

#[test]
fn committed_config_schema_is_generated_from_the_types() {
    let schema = schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(
        schema["additionalProperties"], false,
        "unknown keys are refused"
    );
    check_committed("config.schema.json", &schema);
}

/// The README's configuration example: the first `yaml` block after its heading.
fn readme_example() -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let section = &readme[readme
        .find("### Configuration: `.gitops-restart.yaml`")
        .expect("the configuration section")..];
    let block = &section[section.find("```yaml\n").unwrap() + "```yaml\n".len()..];
    block[..block.find("```").unwrap()].to_owned()
}

#[test]
fn the_readme_example_names_the_schema_parses_and_conforms() {
    let example = readme_example();
    let first = example.lines().next().unwrap();
    assert_eq!(
        first,
        format!("# yaml-language-server: $schema={SCHEMA_URL}")
    );
    // The URL is the committed file's path in the repository.
    let path = SCHEMA_URL.split("/main/").nth(1).unwrap();
    assert!(root().join(path).is_file(), "{path}");
    let config = Config::parse(&example, ".gitops-restart.yaml").unwrap();
    assert_eq!(config.pull_request.labels, ["restart"]);
    assert!(config.clusters.contains_key("prod-eks"));
    assert_eq!(schema_problems(&example), Vec::<String>::new());
    // The line alone, or in front of a JSON-style flow mapping, changes nothing either.
    let line = format!("{first}\n");
    assert_eq!(Config::parse(&line, "c").unwrap(), Config::default());
    let flow = format!("{line}{{annotation: example.com/restartedAt}}\n");
    assert_eq!(
        Config::parse(&flow, "c").unwrap().annotation.as_deref(),
        Some("example.com/restartedAt")
    );
}

/// Every `.gitops-restart.yaml` of the repository's fixtures and scenarios.
fn configuration_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            configuration_files(&path, found);
        } else if path
            .file_name()
            .is_some_and(|n| n == ".gitops-restart.yaml")
        {
            found.push(path);
        }
    }
}

#[test]
fn every_configuration_in_the_repository_conforms() {
    let mut files = Vec::new();
    for dir in ["fixtures", "tests/scenarios", "examples"] {
        configuration_files(&root().join(dir), &mut files);
    }
    assert!(files.len() >= 5, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        Config::parse(&text, &file.display().to_string()).unwrap();
        assert_eq!(
            schema_problems(&text),
            Vec::<String>::new(),
            "{}",
            file.display()
        );
    }
}

/// What the reader refuses for its shape, the schema refuses: editors flag the typo before a run.
#[test]
fn the_schema_refuses_what_the_reader_refuses() {
    let cases = [
        ("clusterz: {}\n", "/clusterz: not declared"),
        (
            "pullRequest:\n  reviewer: [alice]\n",
            "/pullRequest/reviewer: not declared",
        ),
        (
            "clusters:\n  prod:\n    path: [a]\n",
            "/clusters/prod/path: not declared",
        ),
        (
            "helm:\n  valuesPaths: x\n",
            "/helm/valuesPaths: not declared",
        ),
        ("include: apps/**\n", "/include: \"apps/**\" is not array"),
        (
            "pullRequest:\n  draft: maybe\n",
            "/pullRequest/draft: \"maybe\" is not boolean or null",
        ),
        (
            "clusters:\n  prod:\n    labels: {env: [a]}\n",
            "/clusters/prod/labels/env",
        ),
        ("helm:\n  charts: {app: {a: b}}\n", "/helm/charts/app"),
    ];
    for (text, expected) in cases {
        assert!(
            Config::parse(text, "c").is_err(),
            "the reader takes {text:?}"
        );
        let problems = schema_problems(text);
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{text:?}: expected `{expected}` in {problems:?}"
        );
    }
    // And takes what it takes: every key, with the types the reader reads.
    let full = "annotation: example.com/restartedAt\ninclude: ['apps/**']\n\
                clusters:\n  prod: {paths: [clusters/prod], server: 'https://k', labels: {env: prod}}\n\
                helm: {valuesPath: podAnnotations, charts: {app-template: 'controllers.{name}.pod.annotations'}}\n\
                pullRequest: {base: main, branch: restarts, title: 'Restart {cluster}', draft: false,\n  \
                labels: [a], reviewers: [b], teamReviewers: [c], assignees: [d]}\n";
    Config::parse(full, "c").unwrap();
    assert_eq!(schema_problems(full), Vec::<String>::new());
}
