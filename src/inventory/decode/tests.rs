//! Tests of the list decoder: positions, defaults, continue tokens, shapes, and the object
//! decoder behind it.

use serde::de::DeserializeSeed;
use serde_json::{Value, json};

use super::*;

const POD: &str = r#"{"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web-1", "namespace": "shop", "creationTimestamp": "2026-11-10T08:00:00Z"},
    "status": {"phase": "Running"}}"#;

/// Every item of one JSON document: its position, and the object's description or error.
fn json_document(text: &str) -> (Shape, Vec<(Position, String)>) {
    let mut items = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let shape = Decoder::document(Syntax::Json, |item: Item| {
        items.push((item.position, describe(item)));
    })
    .deserialize(&mut deserializer)
    .expect("decodes");
    (shape, items)
}

fn describe(item: Item) -> String {
    match item.object {
        Ok(Some(object)) => object.describe(),
        Ok(None) => "ignored".to_owned(),
        Err(error) => error.to_string(),
    }
}

fn at(index: usize) -> Position {
    Position {
        index,
        line_column: None,
    }
}

#[test]
fn a_list_streams_its_items_with_their_index() {
    let text = format!(
        r#"{{"kind": "List", "metadata": {{"continue": "abc"}}, "items": [{POD}, {{"kind": "Service"}}, 3]}}"#
    );
    let (shape, items) = json_document(&text);
    assert_eq!(
        shape,
        Shape::List(Listed {
            items: 3,
            continue_token: Some("abc".to_owned())
        })
    );
    assert_eq!(
        items,
        [
            (at(0), "Pod shop/web-1".to_owned()),
            (at(1), "ignored".to_owned()),
            (
                at(2),
                "item: expected a Kubernetes object, found a number".to_owned()
            ),
        ]
    );
}

#[test]
fn arrays_objects_and_lists_without_items() {
    let (shape, items) = json_document(&format!("[{POD}]"));
    assert_eq!(shape, Shape::Array);
    assert_eq!(items, [(at(0), "Pod shop/web-1".to_owned())]);
    let (shape, items) = json_document(POD);
    assert_eq!(shape, Shape::Object);
    assert_eq!(items, [(at(0), "Pod shop/web-1".to_owned())]);
    for text in [
        r#"{"kind": "PodList"}"#,
        r#"{"kind": "Pod", "items": null}"#,
    ] {
        let (shape, items) = json_document(text);
        assert_eq!(shape, Shape::ListWithoutItems, "{text}");
        assert!(items.is_empty());
    }
}

#[test]
fn yaml_items_carry_their_line_and_column() {
    let text = "kind: List\nitems:\n- kind: Service\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, creationTimestamp: 2026-11-10T08:00:00Z}\n";
    let mut items = Vec::new();
    let shape = serde_saphyr::with_deserializer_from_str(text, |deserializer| {
        Decoder::document(Syntax::Yaml, |item: Item| {
            items.push((item.position, describe(item)));
        })
        .deserialize(deserializer)
    })
    .expect("decodes");
    assert_eq!(
        shape,
        Shape::List(Listed {
            items: 2,
            continue_token: None
        })
    );
    assert_eq!(
        items,
        [
            (
                Position {
                    index: 0,
                    line_column: Some((3, 3))
                },
                "ignored".to_owned()
            ),
            (
                Position {
                    index: 1,
                    line_column: Some((4, 3))
                },
                "Pod default/a".to_owned()
            ),
        ]
    );
}

#[test]
fn a_page_gives_items_the_list_kind_and_says_the_continue_token() {
    let text = r#"{"kind": "PodList", "apiVersion": "v1", "metadata": {"continue": "next"},
        "items": [{"metadata": {"name": "a", "namespace": "shop", "creationTimestamp": "2026-11-10T08:00:00Z"}},
                  {"metadata": 3},
                  {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}]}"#;
    let defaults = Defaults {
        api_version: "v1",
        kind: "Pod",
    };
    let mut items = Vec::new();
    let listed = page(text, defaults, |item| {
        items.push((item.position, describe(item)));
    })
    .expect("a page");
    assert_eq!(
        listed,
        Listed {
            items: 3,
            continue_token: Some("next".to_owned())
        }
    );
    assert_eq!(items[0], (at(0), "Pod shop/a".to_owned()));
    assert!(
        items[1].1.starts_with("Pod: metadata: invalid type"),
        "{items:?}"
    );
    assert_eq!(items[2], (at(2), "ignored".to_owned()));
}

#[test]
fn a_page_must_be_one_list_with_items() {
    let defaults = Defaults {
        api_version: "v1",
        kind: "Pod",
    };
    let error = |text: &str| {
        page(text, defaults, |_| {})
            .expect_err("not a page")
            .to_string()
    };
    assert_eq!(
        page(r#"{"items": null}"#, defaults, |_| {}).expect("an empty page"),
        Listed::default()
    );
    assert_eq!(error("<html>"), "expected value at line 1 column 1");
    assert_eq!(error("{}"), "missing field `items` at line 1 column 2");
    assert_eq!(
        error(r#"{"items": [], "items": []}"#),
        "duplicate field `items` at line 1 column 21"
    );
    assert_eq!(
        error(r#"{"items": 3}"#),
        "invalid type: integer `3`, expected `items`, an array of objects at line 1 column 11"
    );
    assert_eq!(
        error("[]"),
        "invalid type: sequence, expected a Kubernetes list object at line 1 column 0"
    );
    assert!(error(r#"{"items": []} x"#).starts_with("trailing characters"));
}

#[test]
fn decode_object_keeps_only_the_inventory_kinds() {
    let value: Value = serde_json::from_str(POD).expect("json");
    let object = object::decode_object(&value)
        .expect("decodes")
        .expect("kept");
    assert_eq!(object.describe(), "Pod shop/web-1");
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"}});
    assert_eq!(object::decode_object(&service), Ok(None));
}

#[test]
fn gitops_objects_read_the_same_from_a_snapshot_and_a_page() {
    let item = json!({
        "metadata": {"name": "web-prod", "namespace": "argocd", "uid": "u"},
        "spec": {"source": {"repoURL": "https://x/gitops.git", "path": "web/prod"},
                 "destination": {"name": "prod-eks"}, "project": "default"},
        "status": {"sourceType": "Kustomize", "health": {"status": "Healthy"}}
    });
    let mut full = item.clone();
    full["apiVersion"] = json!("argoproj.io/v1alpha1");
    full["kind"] = json!("Application");
    let mut from_snapshot = None;
    let text = json!({"kind": "List", "items": [full]}).to_string();
    Decoder::document(Syntax::Json, |item: Item| from_snapshot = item.object.ok())
        .deserialize(&mut serde_json::Deserializer::from_str(&text))
        .expect("decodes");
    let mut from_page = None;
    let defaults = Defaults {
        api_version: "argoproj.io/v1alpha1",
        kind: "Application",
    };
    let text = json!({"kind": "ApplicationList", "items": [item]}).to_string();
    page(&text, defaults, |item| from_page = item.object.ok()).expect("a page");
    let Some(Some(Object::GitOps(app))) = from_snapshot else {
        panic!("not kept: {from_snapshot:?}");
    };
    assert_eq!(from_page, Some(Some(Object::GitOps(app.clone()))));
    assert_eq!(
        app.describe(),
        "Application argocd/web-prod (from the cluster)"
    );
    assert_eq!(app.object["spec"]["source"]["path"], "web/prod");
    assert!(app.object["spec"].get("project").is_none());
    assert!(app.object["status"].get("health").is_none());

    // One without a name is malformed, like any kept kind; an ApplicationSet is not kept.
    let nameless = json!({"apiVersion": "kustomize.toolkit.fluxcd.io/v1", "kind": "Kustomization",
                          "metadata": {"namespace": "flux-system"}});
    assert_eq!(
        object::decode_object(&nameless).unwrap_err().to_string(),
        "Kustomization: has no metadata.name"
    );
    let set = json!({"apiVersion": "argoproj.io/v1alpha1", "kind": "ApplicationSet",
                     "metadata": {"name": "x"}});
    assert_eq!(object::decode_object(&set), Ok(None));
}
