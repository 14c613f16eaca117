//! The JSON reports' schemas: `schema/report.schema.json` (`plan`, `apply`, `pr`) and
//! `schema/verify.schema.json` (`verify`) are generated from the report types, and the committed
//! files must be what the types generate (`GITOPS_RESTART_BLESS_SCHEMA=1` rewrites them; the
//! configuration's schema, checked the same way, is `config_schema`'s). Real
//! reports of the binary, and the JSON reports among the insta snapshots, must conform: a small
//! validator below checks types, `const` and `enum` values, required members, date-times, and
//! that every member of a report is declared in the schema.

use std::path::{Path, PathBuf};

use chrono::DateTime;
use serde_json::{Value, json};

use gitops_restart::model::{Code, Finding, Kind, Place};
use gitops_restart::plan::{Action, Decision, FileEdit, Plan, PlannedWorkload};
use gitops_restart::repo::Skipped;
use gitops_restart::report::pull_request::{Followed, Operation, PullRequestReport};
use gitops_restart::verify::Status;

use crate::cli::fixtures;
use crate::support::gitops_restart;

const BLESS: &str = "GITOPS_RESTART_BLESS_SCHEMA";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn report_schema() -> Value {
    gitops_restart::report::json::schema()
}

fn verify_schema() -> Value {
    gitops_restart::verify::schema()
}

/// Compare the committed `schema/NAME` with `schema`, or write it when blessing.
pub fn check_committed(name: &str, schema: &Value) {
    let path = root().join("schema").join(name);
    let generated = serde_json::to_string_pretty(schema).unwrap() + "\n";
    if std::env::var_os(BLESS).is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_default()
        .replace("\r\n", "\n");
    if committed != generated {
        let diff = similar::TextDiff::from_lines(&committed, &generated)
            .unified_diff()
            .header(
                &format!("committed schema/{name}"),
                "generated from the types",
            )
            .to_string();
        panic!(
            "schema/{name} is not what the types generate; regenerate it with\n\n    \
             {BLESS}=1 cargo test --locked schema\n\nand commit it.\n\n{diff}"
        );
    }
}

#[test]
fn committed_report_schema_is_generated_from_the_types() {
    check_committed("report.schema.json", &report_schema());
}

#[test]
fn committed_verify_schema_is_generated_from_the_types() {
    check_committed("verify.schema.json", &verify_schema());
}

/// The values a schema allows at `pointer`: its `enum`, or the `const` of each `oneOf` branch
/// (schemars writes documented unit variants that way).
fn allowed_strings(schema: &Value, pointer: &str) -> Vec<String> {
    let at = schema
        .pointer(pointer)
        .unwrap_or_else(|| panic!("{pointer}"));
    let values: Vec<&Value> = match (at.get("enum"), at.get("oneOf")) {
        (Some(Value::Array(values)), _) => values.iter().collect(),
        (_, Some(Value::Array(branches))) => branches.iter().map(|b| &b["const"]).collect(),
        _ => panic!("{pointer}: neither enum nor oneOf: {at}"),
    };
    let mut strings: Vec<String> = values
        .into_iter()
        .map(|v| v.as_str().unwrap_or_else(|| panic!("{v}")).to_owned())
        .collect();
    strings.sort();
    strings
}

fn sorted(values: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    let mut strings: Vec<String> = values.into_iter().map(str::to_owned).collect();
    strings.sort();
    strings
}

/// The enums' values in the schemas are the strings the reports (and the text and markdown
/// reports, through `as_str`) use. The matches fail to compile when a variant is added.
#[test]
fn enum_values_are_the_reports_strings() {
    let actions = [
        Action::Bump,
        Action::AlreadyBumped,
        Action::Manual,
        Action::NotFound,
        Action::Ambiguous,
        Action::Skipped,
    ];
    for action in actions {
        match action {
            Action::Bump
            | Action::AlreadyBumped
            | Action::Manual
            | Action::NotFound
            | Action::Ambiguous
            | Action::Skipped => {}
        }
    }
    assert_eq!(
        allowed_strings(&report_schema(), "/$defs/Action"),
        sorted(actions.map(Action::as_str))
    );
    let operations = [
        Operation::Created,
        Operation::Updated,
        Operation::Unchanged,
        Operation::Closed,
        Operation::OthersCommitted,
        Operation::Declined,
        Operation::None,
    ];
    for operation in operations {
        match operation {
            Operation::Created
            | Operation::Updated
            | Operation::Unchanged
            | Operation::Closed
            | Operation::OthersCommitted
            | Operation::Declined
            | Operation::None => {}
        }
    }
    assert_eq!(
        allowed_strings(&report_schema(), "/$defs/Operation"),
        sorted(operations.map(Operation::as_str))
    );
    let statuses = [
        Status::RolloutStuck,
        Status::SyncPending,
        Status::NotRestarted,
        Status::NotInRepository,
        Status::Manual,
        Status::Finishing,
    ];
    for status in statuses {
        match status {
            Status::RolloutStuck
            | Status::SyncPending
            | Status::NotRestarted
            | Status::NotInRepository
            | Status::Manual
            | Status::Finishing => {}
        }
    }
    assert_eq!(
        allowed_strings(&verify_schema(), "/$defs/Status"),
        sorted(statuses.map(Status::as_str))
    );
}

/// The keywords the validator checks; a schema using any other fails the test rather than go
/// unchecked.
const CHECKED: [&str; 14] = [
    "$ref",
    "additionalProperties",
    "type",
    "const",
    "enum",
    "oneOf",
    "anyOf",
    "allOf",
    "properties",
    "required",
    "items",
    "minimum",
    "maximum",
    "format",
];
/// Keywords that constrain nothing.
const ANNOTATIONS: [&str; 5] = ["$schema", "$defs", "title", "description", "default"];

/// Why `value` does not conform to `schema` (a subschema of `root`), one line per problem.
/// A member an object's `properties` does not declare is a problem unless its
/// `additionalProperties` is a schema the member conforms to (the reports' schemas have none:
/// every member is declared).
pub fn violations(root: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let mut errors = Vec::new();
    let object = match schema {
        Value::Bool(true) => return errors,
        Value::Bool(false) => return vec![format!("{at}: not allowed")],
        Value::Object(object) => object,
        other => return vec![format!("{at}: the schema is not a schema: {other}")],
    };
    for keyword in object.keys() {
        if !CHECKED.contains(&keyword.as_str()) && !ANNOTATIONS.contains(&keyword.as_str()) {
            errors.push(format!("{at}: the validator does not know `{keyword}`"));
        }
    }
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| root.pointer(pointer));
        match target {
            Some(target) => errors.extend(violations(root, target, value, at)),
            None => errors.push(format!("{at}: unresolved $ref {reference}")),
        }
    }
    if let Some(types) = object.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        if !types.iter().any(|t| has_type(value, t)) {
            errors.push(format!("{at}: {value} is not {}", types.join(" or ")));
        }
    }
    if let Some(constant) = object.get("const")
        && constant != value
    {
        errors.push(format!("{at}: {value} is not {constant}"));
    }
    if let Some(Value::Array(allowed)) = object.get("enum")
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(Value::Array(branches)) = object.get("oneOf") {
        let matching = branches
            .iter()
            .filter(|b| violations(root, b, value, at).is_empty())
            .count();
        if matching != 1 {
            errors.push(format!(
                "{at}: {value} matches {matching} of the oneOf branches, not exactly 1"
            ));
        }
    }
    if let Some(Value::Array(branches)) = object.get("anyOf")
        && !branches
            .iter()
            .any(|b| violations(root, b, value, at).is_empty())
    {
        errors.push(format!("{at}: {value} matches none of the anyOf branches"));
    }
    if let Some(Value::Array(all)) = object.get("allOf") {
        for branch in all {
            errors.extend(violations(root, branch, value, at));
        }
    }
    let additional = object
        .get("additionalProperties")
        .filter(|a| **a != Value::Bool(false));
    if let Value::Object(members) = value
        && (object.contains_key("properties")
            || object.contains_key("required")
            || object.contains_key("additionalProperties"))
    {
        let properties = object.get("properties").and_then(Value::as_object);
        for (name, member) in members {
            match properties.and_then(|p| p.get(name)).or(additional) {
                Some(sub) => errors.extend(violations(root, sub, member, &format!("{at}/{name}"))),
                None => errors.push(format!("{at}/{name}: not declared in the schema")),
            }
        }
        for name in object
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if !members.contains_key(name) {
                errors.push(format!("{at}: required member `{name}` is missing"));
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (value, object.get("items")) {
        for (i, item) in items.iter().enumerate() {
            errors.extend(violations(root, item_schema, item, &format!("{at}/{i}")));
        }
    }
    if let (Some(number), Some(minimum)) = (value.as_f64(), object.get("minimum"))
        && minimum.as_f64().is_some_and(|m| number < m)
    {
        errors.push(format!("{at}: {value} is below the minimum {minimum}"));
    }
    if let (Some(number), Some(maximum)) = (value.as_f64(), object.get("maximum"))
        && maximum.as_f64().is_some_and(|m| number > m)
    {
        errors.push(format!("{at}: {value} is above the maximum {maximum}"));
    }
    if let Some(format) = object.get("format").and_then(Value::as_str) {
        errors.extend(format_violation(format, value, at));
    }
    errors
}

fn has_type(value: &Value, name: &str) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        _ => false,
    }
}

/// The formats the schemas use: RFC 3339 times as the reports print them, and schemars'
/// unsigned integer formats.
fn format_violation(format: &str, value: &Value, at: &str) -> Option<String> {
    let ok = match (format, value) {
        ("date-time", Value::String(text)) => {
            DateTime::parse_from_rfc3339(text).is_ok() && text.ends_with('Z')
        }
        ("uint" | "uint64", Value::Number(n)) => n.is_u64(),
        ("uint32", Value::Number(n)) => n.as_u64().is_some_and(|n| u32::try_from(n).is_ok()),
        ("date-time" | "uint" | "uint64" | "uint32", _) => true,
        _ => {
            return Some(format!(
                "{at}: the validator does not know format `{format}`"
            ));
        }
    };
    (!ok).then(|| format!("{at}: {value} is not a {format}"))
}

/// Fail unless `report` conforms to `schema/report.schema.json` (for the other test modules:
/// `pr`'s reports against the fake GitHub).
pub fn assert_report_conforms(report: &Value) {
    assert_conforms(&report_schema(), report, "the report");
}

/// Fail, naming every problem, unless `report` conforms to `schema`.
fn assert_conforms(schema: &Value, report: &Value, what: &str) {
    let errors = violations(schema, schema, report, "");
    assert!(
        errors.is_empty(),
        "{what} does not conform to its schema:\n{}\n\nthe report:\n{report:#}",
        errors.join("\n")
    );
}

/// Run the binary with `args` (plus `--output json`), expecting exit `code`; the report.
fn report_of(args: &[&str], code: i32) -> Value {
    let demo = fixtures().join("demo");
    let mut cmd = gitops_restart();
    for arg in args {
        match arg.strip_prefix("demo/") {
            Some(rel) => cmd.arg(demo.join(rel)),
            None => cmd.arg(arg),
        };
    }
    let out = cmd.args(["--output", "json"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

const DEMO_INVENTORY: [&str; 6] = [
    "--repo",
    "demo/repo",
    "--snapshot",
    "demo/snapshot.json",
    "--notice",
    "demo/notice.json",
];

#[test]
fn plan_reports_conform() {
    let schema = report_schema();
    let demo = report_of(&[&["plan"][..], &DEMO_INVENTORY].concat(), 0);
    // The demo exercises the members' every shape: each action, null and non-null values,
    // skipped files with and without a line, workload warnings.
    let actions: Vec<&str> = demo["workloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["action"].as_str())
        .collect();
    for action in ["bump", "already-bumped", "manual", "not-found", "ambiguous"] {
        assert!(actions.contains(&action), "{action} not in {actions:?}");
    }
    assert_conforms(&schema, &demo, "plan on the demo");
    // Without an inventory: no pods, no cutoff, manifests without a namespace.
    let all = report_of(
        &[
            "plan",
            "--repo",
            "demo/repo",
            "--all-workloads",
            "--restarted-at",
            "2026-11-20",
        ],
        0,
    );
    assert!(all["workloads"][0]["pods"].is_null());
    assert!(
        all["workloads"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["namespace"].is_null())
    );
    assert_conforms(&schema, &all, "plan --all-workloads on the demo");
    let named = report_of(
        &[
            "plan",
            "--repo",
            "demo/repo",
            "--workload",
            "shop/Deployment/frontend",
            "--workload",
            "nowhere/Deployment/ghost",
            "--launched-before",
            "2026-11-20",
            "--exit-code",
        ],
        2,
    );
    assert_conforms(&schema, &named, "plan --workload on the demo");
}

#[test]
fn verify_reports_conform() {
    let schema = verify_schema();
    let demo = report_of(&[&["verify"][..], &DEMO_INVENTORY].concat(), 2);
    assert!(demo["remaining_pods"].as_u64().unwrap() > 0);
    assert_conforms(&schema, &demo, "verify on the demo");
    let clean = report_of(
        &[
            "verify",
            "--repo",
            "demo/repo",
            "--snapshot",
            "demo/snapshot.json",
            "--launched-before",
            "2000-01-01",
        ],
        0,
    );
    assert_eq!(clean["workloads"], json!([]));
    assert_conforms(&schema, &clean, "verify with nothing left");
}

/// `pr`'s report: the plan's, plus `pull_request` in each of its shapes.
#[test]
fn pull_request_reports_conform() {
    let time = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
    let plan = Plan {
        cluster: Some("prod-eks".to_owned()),
        launched_before: Some(time("2026-11-20T00:00:00Z")),
        deadline: Some(time("2026-12-04T00:00:00Z")),
        restarted_at: time("2026-11-20T00:00:00Z"),
        restarted_from: gitops_restart::settings::RestartFrom::Cutoff,
        annotation: "kubectl.kubernetes.io/restartedAt".to_owned(),
        now: time("2026-12-01T00:00:00Z"),
        workloads: vec![PlannedWorkload {
            namespace: Some("shop".to_owned()),
            kind: Kind::Deployment,
            name: "frontend".to_owned(),
            pods: Some(3),
            oldest_pod_created: Some("2026-11-10T08:00:00Z".to_owned()),
            decision: Decision::Bump {
                place: Place::new("apps/shop/frontend.yaml", Some(3)),
            },
            warnings: vec![
                Finding::warning(Code::NoPdb, "no PodDisruptionBudget selects these pods")
                    .at(Place::new("apps/shop/frontend.yaml", Some(3))),
            ],
        }],
        edits: vec![FileEdit {
            path: "apps/shop/frontend.yaml".to_owned(),
            before: "a\n".to_owned(),
            after: "a\nb\n".to_owned(),
            created: false,
        }],
        warnings: vec![Finding::info(Code::SnapshotDuplicate, "a duplicate").at(Place::input("-"))],
        skipped_files: vec![Skipped {
            file: "infra/broken.yaml".to_owned(),
            line: Some(6),
            reason: "not valid YAML".to_owned(),
        }],
    };
    let schema = report_schema();
    let operations = [
        Operation::Created,
        Operation::Updated,
        Operation::Unchanged,
        Operation::Closed,
        Operation::OthersCommitted,
        Operation::Declined,
        Operation::None,
    ];
    for operation in operations {
        for notes in [vec![], vec!["reviewers not requested: alice".to_owned()]] {
            let open = operation != Operation::None;
            let pull_request = PullRequestReport {
                operation,
                number: open.then_some(7),
                url: open.then(|| "https://github.com/acme/gitops/pull/7".to_owned()),
                branch: "gitops-restart/prod-eks".to_owned(),
                head_sha: open.then(|| "0123456789abcdef0123456789abcdef01234567".to_owned()),
                notes,
                followed: (operation == Operation::Created).then(|| Followed {
                    number: 6,
                    url: "https://github.com/acme/gitops/pull/6".to_owned(),
                    remaining_pods: 3,
                    remaining_workloads: 1,
                    commented: true,
                }),
            };
            let mut out = Vec::new();
            gitops_restart::report::json::render_with_pull_request(
                &plan,
                Some(&pull_request),
                &mut out,
            )
            .unwrap();
            let report: Value = serde_json::from_slice(&out).unwrap();
            assert!(report["pull_request"].is_object());
            assert_conforms(&schema, &report, &format!("pr, {}", operation.as_str()));
        }
    }
}

/// Every JSON report among the insta snapshots (`tests/it/snapshots`, each scenario's
/// `snapshots`) conforms: they are the reports the other tests pin down.
#[test]
fn snapshot_reports_conform() {
    let mut dirs = vec![root().join("tests/it/snapshots")];
    for scenario in std::fs::read_dir(root().join("tests/scenarios")).unwrap() {
        dirs.push(scenario.unwrap().path().join("snapshots"));
    }
    let mut files: Vec<PathBuf> = dirs
        .iter()
        .filter_map(|dir| std::fs::read_dir(dir).ok())
        .flatten()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "snap"))
        .collect();
    files.sort();
    let (report, verify) = (report_schema(), verify_schema());
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file)
            .unwrap()
            .replace("\r\n", "\n");
        // An insta snapshot: a `---` header, then the contents.
        let Some(body) = text
            .strip_prefix("---\n")
            .and_then(|rest| rest.split_once("\n---\n"))
            .map(|(_, body)| body)
        else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(body) else {
            continue;
        };
        if value.get("schema").is_none() || value.get("workloads").is_none() {
            continue;
        }
        let schema = if value.get("remaining_pods").is_some() {
            &verify
        } else {
            &report
        };
        assert_conforms(schema, &value, &file.display().to_string());
        checked += 1;
    }
    assert!(checked >= 2, "only {checked} JSON report snapshots found");
}

/// A change that breaks a conforming report.
type Damage = fn(&mut Value);

/// The validator is not vacuous: each kind of departure from the schema is caught.
#[test]
fn the_validator_rejects_what_the_schemas_forbid() {
    let schema = verify_schema();
    let good = json!({
        "schema": 2, "cluster": "prod-eks", "launched_before": "2026-11-20T00:00:00Z",
        "deadline": null, "remaining_pods": 2,
        "warnings": [{
            "code": "snapshot-item-skipped", "severity": "warning",
            "message": "snap.json: items[3]: Pod: has no metadata; skipped",
            "file": "snap.json", "line": null
        }],
        "workloads": [{
            "namespace": "shop", "kind": "Deployment", "name": "frontend", "pods": 2,
            "oldest_pod_created": "2026-11-10T08:00:00Z", "status": "sync-pending",
            "next_step": "sync", "file": "apps/shop/frontend.yaml", "line": 3,
            "pod_names": ["frontend-a", "frontend-b"], "warnings": []
        }]
    });
    assert_eq!(
        violations(&schema, &schema, &good, ""),
        Vec::<String>::new()
    );
    let broken: [(&str, Damage); 10] = [
        ("not declared", |r| r["extra"] = json!(true)),
        ("not declared", |r| r["workloads"][0]["extra"] = json!(1)),
        ("required member `cluster`", |r| {
            r.as_object_mut().unwrap().remove("cluster");
        }),
        ("is not 2", |r| r["schema"] = json!(1)),
        ("oneOf", |r| r["workloads"][0]["status"] = json!("stuck")),
        ("not a date-time", |r| r["deadline"] = json!("2026-12-04")),
        ("is not integer", |r| r["workloads"][0]["line"] = json!("3")),
        ("below the minimum", |r| r["remaining_pods"] = json!(-1)),
        ("oneOf", |r| {
            r["warnings"][0]["code"] = json!("no-such-code");
        }),
        ("required member `severity`", |r| {
            r["warnings"][0].as_object_mut().unwrap().remove("severity");
        }),
    ];
    for (expected, damage) in broken {
        let mut report = good.clone();
        damage(&mut report);
        let errors = violations(&schema, &schema, &report, "");
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "expected `{expected}` in {errors:?}"
        );
    }
}
