//! Tests of [`super::parse`]: the shapes kubectl prints, positions in messages, bad input.

use super::*;
use crate::inventory::{IntOrString, Kind, LabelSelector, PodPhase, SelectorOperator, Strategy};
use crate::model::Severity;

/// The inventory and the warnings as the reports show them.
fn parse_ok(text: &str) -> (Inventory, Vec<String>) {
    parse_named(text, "snap.json")
}

fn parse_named(text: &str, source: &str) -> (Inventory, Vec<String>) {
    match parse(text, source) {
        Ok((inventory, warnings)) => (inventory, warnings.iter().map(Finding::text).collect()),
        Err(error) => panic!("unexpected error: {error}"),
    }
}

fn parse_err(text: &str) -> String {
    match parse(text, "snap.json") {
        Ok(_) => panic!("expected an error"),
        Err(error) => error.to_string(),
    }
}

const POD: &str = r#"{"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-10T08:00:00Z",
                     "labels": {"app": "web"}},
        "spec": {"schedulerName": "fargate-scheduler", "nodeName": "fargate-ip-10-0-1-2.ec2.internal"},
        "status": {"phase": "Running"}}"#;

#[test]
fn a_single_json_object_is_read() {
    let (inv, warnings) = parse_ok(POD);
    assert!(warnings.is_empty(), "{warnings:?}");
    let pod = inv.pod("shop", "web-1").expect("pod");
    assert!(pod.is_fargate());
    assert_eq!(pod.phase, PodPhase::Running);
    assert_eq!(pod.created.to_rfc3339(), "2026-11-10T08:00:00+00:00");
    assert_eq!(pod.meta.labels["app"], "web");
}

#[test]
fn a_list_is_read_and_unknown_kinds_are_ignored() {
    let text = format!(
        r#"{{"apiVersion": "v1", "kind": "List", "items": [
                {{"apiVersion": "v1", "kind": "Service", "metadata": {{"name": "web"}}}},
                {POD}
            ], "metadata": {{"resourceVersion": ""}}}}"#
    );
    let (inv, warnings) = parse_ok(&text);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(inv.len(), 1);
}

#[test]
fn an_empty_list_reads_as_no_pods_with_a_warning() {
    let (inv, warnings) = parse_ok(r#"{"apiVersion": "v1", "kind": "List", "items": []}"#);
    assert!(inv.is_empty());
    assert_eq!(warnings.len(), 1);
    assert!(
        warnings[0].starts_with("snap.json: no pods"),
        "{warnings:?}"
    );
}

#[test]
fn a_json_array_and_concatenated_documents_are_read() {
    let (inv, _) = parse_ok(&format!("[{POD}]"));
    assert_eq!(inv.len(), 1);
    let second = POD.replace("web-1", "web-2");
    let (inv, warnings) = parse_ok(&format!("{POD}\n{second}\n"));
    assert_eq!(inv.len(), 2, "{warnings:?}");
}

#[test]
fn yaml_documents_are_read_and_empty_ones_skipped() {
    let text = "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: shop\n  creationTimestamp: 2026-11-10T08:00:00Z\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  replicas: 2\n  strategy:\n    type: Recreate\n";
    let (inv, warnings) = parse_named(text, "snap.yaml");
    assert!(warnings.is_empty(), "{warnings:?}");
    let deployment = inv
        .controller(&Kind::Deployment, "shop", "web")
        .expect("deployment");
    assert_eq!(deployment.replicas, Some(2));
    assert_eq!(deployment.strategy, Strategy::Recreate);
    // No status: taken as the phase the API server creates pods in.
    assert_eq!(inv.pod("shop", "a").expect("pod").phase, PodPhase::Pending);
}

#[test]
fn controller_fields_are_kept() {
    let text = r#"{"kind": "List", "apiVersion": "v1", "items": [
          {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db", "namespace": "p"},
           "spec": {"replicas": 3, "updateStrategy": {"type": "OnDelete"}}},
          {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w", "namespace": "p"},
           "spec": {"paused": true, "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0}}}},
          {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "r", "namespace": "p"},
           "spec": {"strategy": {"canary": {"maxSurge": "50%"}}}},
          {"apiVersion": "example.com/v1", "kind": "Rollout", "metadata": {"name": "x", "namespace": "p"}}
        ]}"#;
    let (inv, _) = parse_ok(text);
    let sts = inv.controller(&Kind::StatefulSet, "p", "db").expect("sts");
    assert_eq!(sts.strategy, Strategy::OnDelete);
    let dep = inv.controller(&Kind::Deployment, "p", "w").expect("dep");
    assert!(dep.paused);
    assert_eq!(
        dep.strategy,
        Strategy::RollingUpdate {
            max_surge: Some(IntOrString::Int(0))
        }
    );
    let rollout = inv.controller(&Kind::Rollout, "p", "r").expect("rollout");
    assert_eq!(
        rollout.strategy,
        Strategy::Canary {
            max_surge: Some(IntOrString::String("50%".into()))
        }
    );
    // A Rollout of another group is not Argo's.
    assert!(inv.controller(&Kind::Rollout, "p", "x").is_none());
}

#[test]
fn pdb_selectors_distinguish_null_empty_and_expressions() {
    let text = r#"{"kind": "List", "apiVersion": "v1", "items": [
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "none", "namespace": "p"},
           "spec": {"selector": null, "maxUnavailable": "0%"}, "status": {"disruptionsAllowed": 0}},
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "all", "namespace": "p"},
           "spec": {"selector": {}, "minAvailable": 1}},
          {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "expr", "namespace": "p"},
           "spec": {"selector": {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["web"]}]}}}
        ]}"#;
    let (inv, warnings) = parse_ok(text);
    let pdbs: Vec<_> = inv.pdbs().collect();
    assert_eq!(pdbs.len(), 3, "{warnings:?}");
    let by_name = |n: &str| pdbs.iter().find(|p| p.meta.name == n).expect("pdb");
    assert_eq!(by_name("none").selector, None);
    assert_eq!(by_name("none").disruptions_allowed, Some(0));
    assert_eq!(by_name("all").selector, Some(LabelSelector::default()));
    assert_eq!(
        by_name("expr")
            .selector
            .as_ref()
            .map(|s| s.match_expressions[0].operator),
        Some(SelectorOperator::In)
    );
}

// Bad input -------------------------------------------------------------------------------

#[test]
fn invalid_json_names_source_line_and_column() {
    let message = parse_err("{\"kind\": \"List\",\n \"items\": [\n  {\"kind\": \"Pod\" \"x\"}]}");
    assert_eq!(message, "snap.json:3:18: invalid JSON: expected `,` or `}`");
}

#[test]
fn truncated_json_says_so() {
    let message = parse_err("{\"kind\": \"List\", \"items\": [");
    assert!(
        message.starts_with("snap.json:1:") && message.contains("invalid JSON: EOF while parsing"),
        "{message}"
    );
}

#[test]
fn invalid_yaml_names_source_line_and_column() {
    let error = parse(
        "kind: List\nitems:\n  - kind: Pod\n   bad: [\n",
        "snap.yaml",
    )
    .expect_err("invalid");
    assert_eq!(error.origin, "snap.yaml");
    assert!(error.line.is_some(), "{error}");
    assert!(error.message.starts_with("invalid YAML: "), "{error}");
}

#[test]
fn a_list_without_items_is_an_error() {
    let expected = format!(
        "a List without `items`: expected `items`, the array of objects, as `{KUBECTL_COMMAND}` prints it"
    );
    let message = parse_err("\n  {\"apiVersion\": \"v1\",\n \"kind\": \"List\", \"metadata\": {}}");
    assert_eq!(message, format!("snap.json:2:3: {expected}"));
    let error = parse(
        "# snapshot\napiVersion: v1\nkind: List\nmetadata: {}\n",
        "snap.yaml",
    )
    .expect_err("no items");
    assert_eq!(error.to_string(), format!("snap.yaml:2:1: {expected}"));
    // Also when other documents are fine.
    let error = parse("kind: Service\n---\nkind: PodList\n", "snap.yaml").expect_err("no items");
    assert_eq!(error.to_string(), format!("snap.yaml:3:1: {expected}"));
}

#[test]
fn null_items_are_no_items() {
    let message = parse_err(r#"{"kind": "List", "items": null}"#);
    assert!(
        message.starts_with("snap.json:1:1: a List without `items`"),
        "{message}"
    );
    let error = parse("kind: List\nitems:\n", "snap.yaml").expect_err("null items");
    assert!(
        error
            .to_string()
            .starts_with("snap.yaml:1:1: a List without `items`"),
        "{error}"
    );
}

#[test]
fn yaml_items_that_are_not_a_sequence_are_an_error() {
    let error = parse("kind: List\nitems: {a: 1}\n", "snap.yaml").expect_err("not a sequence");
    assert_eq!(
        error.to_string(),
        "snap.yaml:2:8: not a Kubernetes snapshot: expected `items` to be an array of Kubernetes objects"
    );
}

#[test]
fn items_that_are_not_an_array_are_an_error() {
    let message = parse_err(r#"{"kind": "List", "items": {"a": 1}}"#);
    assert!(
        message.contains("not a Kubernetes snapshot")
            && message.contains("array of Kubernetes objects"),
        "{message}"
    );
}

#[test]
fn empty_input_and_scalars_are_errors() {
    assert!(parse_err("  \n").contains("no objects: expected JSON or YAML"));
    let error = parse("# only a comment\n", "snap.yaml").expect_err("empty");
    assert!(
        error.to_string().starts_with("snap.yaml: no objects"),
        "{error}"
    );
    let error = parse("just text\n", "snap.yaml").expect_err("scalar");
    assert!(
        error.message.contains("not a Kubernetes snapshot"),
        "{error}"
    );
}

#[test]
fn a_pod_without_metadata_is_a_warning_with_its_position() {
    let text = format!(
        r#"{{"kind": "List", "items": [{POD}, {{"apiVersion": "v1", "kind": "Pod", "spec": {{}}}}]}}"#
    );
    let (inv, warnings) = parse_ok(&text);
    assert_eq!(inv.len(), 1);
    assert_eq!(
        warnings,
        ["snap.json: items[1]: Pod: has no metadata; skipped"]
    );
}

#[test]
fn warnings_are_findings_at_the_snapshot() {
    let text = format!(r#"[{POD}, {POD}, {{"kind": "Pod"}}]"#);
    let (_, warnings) = parse(&text, "snap.json").expect("parses");
    let codes: Vec<(Code, Severity)> = warnings.iter().map(|w| (w.code, w.severity)).collect();
    assert_eq!(
        codes,
        [
            (Code::SnapshotDuplicate, Severity::Info),
            (Code::SnapshotItemSkipped, Severity::Warning)
        ]
    );
    assert!(
        warnings
            .iter()
            .all(|w| w.place == Some(Place::input("snap.json")))
    );
    assert_eq!(warnings[1].message, "[2]: Pod: has no metadata; skipped");
    let (_, empty) = parse(r#"{"kind": "List", "items": []}"#, "e.json").expect("parses");
    assert_eq!(empty[0].code, Code::SnapshotNoPods);
}

#[test]
fn a_bad_timestamp_is_a_warning_naming_the_field() {
    let bad = POD.replace("2026-11-10T08:00:00Z", "10/11/2026 08:00");
    let text = format!(r#"{{"kind": "List", "items": [{bad}]}}"#);
    let (inv, warnings) = parse_ok(&text);
    assert!(inv.is_empty());
    assert_eq!(
        warnings[0],
        "snap.json: items[0]: Pod shop/web-1: metadata.creationTimestamp: `10/11/2026 08:00` is not a time: expected RFC 3339 such as 2026-11-10T08:00:00Z; skipped"
    );
}

#[test]
fn a_pod_without_creation_time_is_skipped() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n";
    let (_, warnings) = parse_named(text, "p.yaml");
    assert_eq!(
        warnings[0],
        "p.yaml: Pod a: has no metadata.creationTimestamp, so its age is unknown; skipped"
    );
}

#[test]
fn wrong_types_and_operators_are_warnings_with_the_path() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  namespace: s\n  creationTimestamp: 2026-11-10T08:00:00Z\n  labels:\n    app: [x]\n---\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: b, namespace: s}\nspec:\n  selector:\n    matchExpressions:\n    - {key: app, operator: Matches}\n---\nkind: Deployment\n";
    let (_, warnings) = parse_named(text, "s.yaml");
    assert_eq!(warnings.len(), 4, "{warnings:?}");
    assert!(
        warnings[0]
            .starts_with("s.yaml: document 1 (line 1): Pod s/a: metadata.labels.app: invalid type"),
        "{warnings:?}"
    );
    assert!(
            warnings[1].starts_with("s.yaml: document 2 (line 10): PodDisruptionBudget s/b: spec.selector.matchExpressions[0].operator: `Matches` is not a selector operator"),
            "{warnings:?}"
        );
    assert_eq!(
        warnings[2],
        "s.yaml: document 3 (line 18): Deployment: has no metadata; skipped"
    );
}

#[test]
fn an_item_that_is_not_an_object_or_has_no_kind_is_a_warning() {
    let (_, warnings) = parse_ok(r#"{"kind": "List", "items": [3, {"metadata": {}}]}"#);
    assert_eq!(
        &warnings[..2],
        [
            "snap.json: items[0]: item: expected a Kubernetes object, found a number; skipped",
            "snap.json: items[1]: object: has no `kind`: expected an object as kubectl prints it; skipped"
        ]
    );
}

#[test]
fn duplicates_keep_the_later_object_with_a_warning() {
    let newer = POD.replace("Running", "Succeeded");
    let (inv, warnings) = parse_ok(&format!("[{POD}, {newer}]"));
    assert_eq!(
        inv.pod("shop", "web-1").map(|p| p.phase),
        Some(PodPhase::Succeeded)
    );
    assert_eq!(
        warnings,
        ["snap.json: [1]: Pod shop/web-1 appears more than once; the later one is kept"]
    );
}

#[test]
fn inventories_merge_later_wins() {
    let (mut first, _) = parse_ok(POD);
    let (second, _) = parse_ok(&POD.replace("Running", "Failed"));
    let (third, _) = parse_ok(&POD.replace("web-1", "web-2"));
    first.extend(second);
    first.extend(third);
    assert_eq!(first.len(), 2);
    assert_eq!(
        first.pod("shop", "web-1").map(|p| p.phase),
        Some(PodPhase::Failed)
    );
}

#[test]
fn a_later_items_replaces_an_earlier_one_as_in_json() {
    let second = POD.replace("web-1", "web-2");
    let text = format!(
        r#"{{"kind": "List", "items": [{POD}, {{"kind": "Service"}}], "items": [{second}]}}"#
    );
    let (inv, warnings) = parse_ok(&text);
    assert!(warnings.is_empty(), "{warnings:?}");
    let names: Vec<&str> = inv.pods().map(|p| p.meta.name.as_str()).collect();
    assert_eq!(names, ["web-2"]);
    let (inv, _) = parse_ok(&format!(
        r#"{{"kind": "List", "items": [{POD}], "items": []}}"#
    ));
    assert!(inv.is_empty());
}

#[test]
fn a_malformed_yaml_item_is_named_by_its_index() {
    let text = "kind: List\nitems:\n- kind: Service\n- apiVersion: v1\n  kind: Pod\n";
    let (_, warnings) = parse_named(text, "s.yaml");
    assert_eq!(
        warnings[0],
        "s.yaml: items[1]: Pod: has no metadata; skipped"
    );
}

#[test]
fn hostile_input_does_not_panic() {
    for text in [
        "[",
        "{",
        "]",
        "---",
        "- - -",
        "{\"kind\": 3}",
        "kind: List\nitems: null\n",
        "\u{feff}",
        "&a [*a]",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"a\",\"creationTimestamp\":\"2026-13-45T99:99:99Z\"}}",
    ] {
        let _ = parse(text, "x");
    }
}
