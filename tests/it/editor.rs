//! The lossless editor, case by case: each test gives a manifest and the exact text the restart
//! must turn it into (byte for byte, and unchanged by a second restart), the workloads it finds,
//! or the refusal it gives.
//!
//! Manifests are written as they read in a file, indented in the test: `yaml` strips that
//! indentation, and `template` wraps a pod template's lines in the Deployment `web` with the pod
//! spec `POD` after them. Bytes an indented literal can't show (CRLF, a byte order mark, a missing
//! final newline) are added by explicit string operations on such text.

use gitops_restart::edit::{DEFAULT_ANNOTATION, EditError, Manifest};
use gitops_restart::model::Kind;

const T: &str = "2026-11-20T00:00:00Z";

fn restart(text: &str) -> Result<String, EditError> {
    let manifest = Manifest::parse(text, DEFAULT_ANNOTATION)?;
    let docs: Vec<usize> = manifest.workloads.iter().map(|w| w.doc).collect();
    manifest.restart(&docs, DEFAULT_ANNOTATION, T)
}

/// Applies the restart, checks that a second application changes nothing, returns the text.
fn ok(text: &str) -> String {
    let out = restart(text).unwrap_or_else(|e| panic!("edit failed: {e}\n{text}"));
    assert_eq!(
        restart(&out).unwrap(),
        out,
        "second application changed the text"
    );
    out
}

/// Asserts the exact text the restart produces.
#[track_caller]
fn check(input: &str, expected: &str) {
    let out = ok(input);
    assert_eq!(
        out, expected,
        "\n--- got:\n{out}\n--- expected:\n{expected}"
    );
}

/// Asserts the text holds no workload and is returned byte for byte.
#[track_caller]
fn left_alone(input: &str) {
    let manifest = Manifest::parse(input, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(manifest.workloads, vec![], "no workload expected");
    assert_eq!(
        manifest
            .restart(&[0, 1, 2, 3], DEFAULT_ANNOTATION, T)
            .unwrap(),
        input
    );
}

#[track_caller]
fn refused(input: &str) -> EditError {
    match restart(input) {
        Ok(out) => panic!("expected a refusal, got:\n{out}"),
        Err(e) => e,
    }
}

/// `text` as the file it shows: without the line break after the opening quote, the spaces
/// before the closing quote, and the indentation all its lines share. Lines of spaces only
/// become empty lines.
fn yaml(text: &str) -> String {
    let text = text
        .strip_prefix('\n')
        .unwrap_or(text)
        .trim_end_matches(' ');
    let margin = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    text.split_inclusive('\n')
        .map(|line| line.get(margin..).unwrap_or(line.trim_start_matches(' ')))
        .map(|line| {
            if line.trim().is_empty() {
                line.trim_start_matches(' ')
            } else {
                line
            }
        })
        .collect()
}

/// Every line that is not empty moved right by `by` spaces.
fn indent(text: &str, by: usize) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            if line.trim().is_empty() {
                line.to_owned()
            } else {
                format!("{}{line}", " ".repeat(by))
            }
        })
        .collect()
}

const HEAD: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n";

/// The Deployment `web` whose pod template (at column 4) is `template`.
fn deployment(template: &str) -> String {
    format!("{HEAD}spec:\n  replicas: 1\n  template:\n{template}")
}

/// The pod template's spec, last in the template.
const POD: &str = "    spec:\n      containers:\n        - name: web\n          image: nginx\n";

/// The Deployment `web` whose pod template holds the lines of `before_spec` (as `yaml` reads
/// them), then `POD`. Written out:
///
/// ```yaml
/// apiVersion: apps/v1
/// kind: Deployment
/// metadata:
///   name: web
/// spec:
///   replicas: 1
///   template:
///     BEFORE_SPEC
///     spec:
///       containers:
///         - name: web
///           image: nginx
/// ```
fn template(before_spec: &str) -> String {
    deployment(&format!("{}{POD}", indent(&yaml(before_spec), 4)))
}

#[test]
fn yaml_and_template_write_what_they_show() {
    assert_eq!(
        yaml("\n    a:\n      b: c\n\n    d: e\n    "),
        "a:\n  b: c\n\nd: e\n"
    );
    assert_eq!(yaml("\n    a:\n  \n    b\n"), "a:\n\nb\n");
    assert_eq!(
        template(
            r"
            metadata: {}
            "
        ),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  \
         template:\n    metadata: {}\n    spec:\n      containers:\n        - name: web\n          \
         image: nginx\n"
    );
}

// --- annotations map exists ---

#[test]
fn annotations_map_gets_one_line_after_last_entry() {
    check(
        &template(
            r#"
            metadata:
              labels:
                app: web
              annotations:
                # team
                team: a   # owner

                other: "b"
                # trailing
            "#,
        ),
        &template(
            r#"
            metadata:
              labels:
                app: web
              annotations:
                # team
                team: a   # owner

                other: "b"
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
                # trailing
            "#,
        ),
    );
}

#[test]
fn annotations_map_before_labels() {
    check(
        &template(
            r"
            metadata:
              annotations:
                a: b
              labels:
                app: web
            ",
        ),
        &template(
            r#"
            metadata:
              annotations:
                a: b
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
              labels:
                app: web
            "#,
        ),
    );
}

/// The Deployment `web` whose restart annotation is written `value`, before another one.
fn with_key(value: &str) -> String {
    template(
        r"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt: VALUE
            b: c
        ",
    )
    .replace("VALUE", value)
}

#[test]
fn key_exists_double_quoted() {
    check(
        &with_key("\"2025-01-01T00:00:00Z\""),
        &with_key(&format!("\"{T}\"")),
    );
}

#[test]
fn key_exists_single_quoted() {
    check(
        &with_key("'2025-01-01T00:00:00Z'"),
        &with_key(&format!("'{T}'")),
    );
}

#[test]
fn key_exists_plain() {
    check(&with_key("2025-01-01T00:00:00Z"), &with_key(T));
}

#[test]
fn key_exists_with_trailing_comment() {
    check(
        &with_key("\"old\"   # set by CI"),
        &with_key(&format!("\"{T}\"   # set by CI")),
    );
    check(
        &with_key("old # set by CI"),
        &with_key(&format!("{T} # set by CI")),
    );
}

#[test]
fn key_exists_quoted_key() {
    let input = template(
        r#"
        metadata:
          annotations:
            "kubectl.kubernetes.io/restartedAt": 'x'
        "#,
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            "kubectl.kubernetes.io/restartedAt": '2026-11-20T00:00:00Z'
        "#,
    );
    check(&input, &expected);
}

#[test]
fn key_exists_empty_or_null() {
    check(&with_key("\"\""), &with_key(&format!("\"{T}\"")));
    check(&with_key("~"), &with_key(&format!("\"{T}\"")));
    check(
        &with_key("null # none"),
        &with_key(&format!("\"{T}\" # none")),
    );
    let input = template(
        r"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt:
            b: c
        ",
    );
    check(&input, &with_key(&format!("\"{T}\"")));
}

#[test]
fn key_exists_as_block_scalar() {
    check(
        &with_key("|\n          2025-01-01"),
        &with_key(&format!("\"{T}\"")),
    );
    check(
        &with_key(">-  # old\n          2025-01-01"),
        &with_key(&format!("\"{T}\"  # old")),
    );
}

#[test]
fn key_exists_with_str_tag() {
    check(
        &with_key("!!str 2025-01-01 # c"),
        &with_key(&format!("!!str {T} # c")),
    );
    check(
        &with_key("!!str |\n          2025"),
        &with_key(&format!("!!str \"{T}\"")),
    );
    let err = refused(&with_key("!!timestamp 2025-01-01"));
    assert!(matches!(err, EditError::Shape { line: 10, .. }), "{err:?}");
}

#[test]
fn custom_annotation_key_needing_quotes() {
    let input = template(
        r"
        metadata:
          annotations: {a: b}
        ",
    );
    let manifest = Manifest::parse(&input, "odd:key").unwrap();
    let out = manifest.restart(&[0], "odd:key", "v").unwrap();
    assert_eq!(
        out,
        template(
            r#"
            metadata:
              annotations: {a: b, "odd:key": "v"}
            "#,
        )
    );
}

#[test]
fn single_quoted_value_escapes_quote() {
    let text = with_key("'x'");
    let manifest = Manifest::parse(&text, DEFAULT_ANNOTATION).unwrap();
    let out = manifest.restart(&[0], DEFAULT_ANNOTATION, "it's").unwrap();
    assert_eq!(out, with_key("'it''s'"));
    let out = manifest.restart(&[0], DEFAULT_ANNOTATION, "a\nb").unwrap();
    assert_eq!(out, with_key("\"a\\nb\""));
}

#[test]
fn plain_value_that_would_change_type_is_quoted() {
    let text = with_key("x");
    let manifest = Manifest::parse(&text, DEFAULT_ANNOTATION).unwrap();
    for (value, written) in [
        ("2026", "\"2026\""),
        ("true", "\"true\""),
        ("1e3", "\"1e3\""),
        ("0x1F", "\"0x1F\""),
        ("a: b", "\"a: b\""),
        ("a #b", "\"a #b\""),
        ("2026-01-01", "\"2026-01-01\""),
        ("v1.2.3", "v1.2.3"),
    ] {
        let out = manifest.restart(&[0], DEFAULT_ANNOTATION, value).unwrap();
        assert_eq!(out, with_key(written), "{value}");
    }
}

#[test]
fn same_value_gives_identical_bytes() {
    for value in [
        format!("\"{T}\""),
        format!("'{T}'"),
        T.to_owned(),
        format!("{T} # c"),
    ] {
        let text = with_key(&value);
        assert_eq!(restart(&text).unwrap(), text);
        let manifest = Manifest::parse(&text, DEFAULT_ANNOTATION).unwrap();
        assert_eq!(manifest.workloads[0].restarted_at.as_deref(), Some(T));
    }
}

// --- annotations or metadata missing ---

#[test]
fn annotations_missing_added_after_labels() {
    let input = template(
        r"
        metadata:
          labels:
            app: web # the app
        ",
    );
    let expected = template(
        r#"
        metadata:
          labels:
            app: web # the app
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn annotations_missing_metadata_after_spec() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: x
            metadata:
              labels:
                app: web
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: x
            metadata:
              labels:
                app: web
              annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn template_metadata_missing_two_spaces() {
    let input = deployment(POD);
    let expected = template(
        r#"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn template_metadata_missing_four_spaces() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
            name: web
        spec:
            template:
                spec:
                    containers:
                    -   name: web
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
            name: web
        spec:
            template:
                metadata:
                    annotations:
                        kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
                spec:
                    containers:
                    -   name: web
        "#,
    );
    check(&input, &expected);
}

#[test]
fn template_metadata_missing_mixed_indent_uses_nearest_step() {
    // Top level indented by 4, the template by 3: the new lines follow the template.
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
            name: web
        spec:
            replicas: 2
            template:
               spec:
                 containers:
                 - name: web
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
            name: web
        spec:
            replicas: 2
            template:
               metadata:
                  annotations:
                     kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
               spec:
                 containers:
                 - name: web
        "#,
    );
    check(&input, &expected);
}

#[test]
fn template_metadata_missing_goes_above_comments_of_first_key() {
    let input = template(
        r"
        # the pod

        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        # the pod

        "#,
    );
    check(&input, &expected);
}

#[test]
fn metadata_annotations_mixed_indent() {
    // metadata's entries are 4 deeper than template's, annotations entries only 2.
    let input = template(
        r"
        metadata:
            labels:
              app: web
        ",
    );
    let expected = template(
        r#"
        metadata:
            labels:
              app: web
            annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

// --- flow style ---

/// The Deployment `web` whose template metadata is the flow mapping `meta`.
fn flow_meta(meta: &str) -> String {
    template("metadata: META\n").replace("META", meta)
}

#[test]
fn flow_empty_annotations() {
    check(
        &flow_meta("{annotations: {}}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}}}"
        )),
    );
    let input = template(
        r"
        metadata:
          annotations: {} # none
        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations: {kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"} # none
        "#,
    );
    check(&input, &expected);
}

#[test]
fn flow_annotations_with_entries() {
    let input = template(
        r"
        metadata:
          annotations: {a: b}
        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations: {a: b, kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"}
        "#,
    );
    check(&input, &expected);
    let input = template(
        r"
        metadata:
          annotations: {a: b,}
        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations: {a: b, kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z",}
        "#,
    );
    check(&input, &expected);
}

#[test]
fn flow_metadata_without_annotations() {
    check(
        &flow_meta("{labels: {app: x}}"),
        &flow_meta(&format!(
            "{{labels: {{app: x}}, annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}}}"
        )),
    );
    check(
        &flow_meta("{}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}}}"
        )),
    );
}

#[test]
fn flow_key_exists() {
    check(
        &flow_meta("{annotations: {kubectl.kubernetes.io/restartedAt: old, a: b}}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\", a: b}}}}"
        )),
    );
    // Plain is kept only when the value reads back the same in a flow collection.
    let text = flow_meta("{annotations: {kubectl.kubernetes.io/restartedAt: old}}");
    let manifest = Manifest::parse(&text, DEFAULT_ANNOTATION).unwrap();
    let out = manifest.restart(&[0], DEFAULT_ANNOTATION, "v1.2").unwrap();
    assert_eq!(
        out,
        flow_meta("{annotations: {kubectl.kubernetes.io/restartedAt: v1.2}}")
    );
}

#[test]
fn flow_multi_line_maps() {
    let input = template(
        r"
        metadata: {
          labels: {app: x},
          annotations: {
            a: b,  # c
            d: e
          }
        }
        ",
    );
    let expected = template(
        r#"
        metadata: {
          labels: {app: x},
          annotations: {
            a: b,  # c
            d: e, kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
          }
        }
        "#,
    );
    check(&input, &expected);
    let input = template(
        r"
        metadata: {
          labels: {app: x}
        }
        ",
    );
    let expected = template(
        r#"
        metadata: {
          labels: {app: x}, annotations: {kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"}
        }
        "#,
    );
    check(&input, &expected);
}

#[test]
fn flow_null_annotations() {
    check(
        &flow_meta("{annotations: ~, labels: {a: b}}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}, labels: {{a: b}}}}"
        )),
    );
    check(
        &flow_meta("{annotations: , labels: {a: b}}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}, labels: {{a: b}}}}"
        )),
    );
    check(
        &flow_meta("{annotations, labels: {a: b}}"),
        &flow_meta(&format!(
            "{{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}, labels: {{a: b}}}}"
        )),
    );
}

#[test]
fn flow_spec_and_template() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec: {template: {spec: {containers: [{name: x}]}}}
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec: {template: {spec: {containers: [{name: x}]}, metadata: {annotations: {kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"}}}}
        "#,
    );
    check(&input, &expected);
}

// --- null values ---

fn null_annot(value: &str) -> String {
    template(
        r"
        metadata:
          labels:
            app: web
          annotations:VALUE
        ",
    )
    .replace("VALUE", value)
}

#[test]
fn null_annotations() {
    let added = format!("\n        kubectl.kubernetes.io/restartedAt: \"{T}\"");
    check(&null_annot(""), &null_annot(&added));
    check(&null_annot(" ~"), &null_annot(&added));
    check(&null_annot(" null"), &null_annot(&added));
    check(
        &null_annot(" null   # nothing yet"),
        &null_annot(&format!("   # nothing yet{added}")),
    );
    check(
        &null_annot("   # nothing yet"),
        &null_annot(&format!("   # nothing yet{added}")),
    );
    check(
        &null_annot(" ~ # nothing yet"),
        &null_annot(&format!(" # nothing yet{added}")),
    );
}

#[test]
fn null_metadata() {
    let input = template(
        r"
        metadata:
        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
    let input = template(
        r"
        metadata: null # later
        ",
    );
    let expected = template(
        r#"
        metadata: # later
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn null_annotations_at_end_of_file_without_newline() {
    let input = format!("{HEAD}spec:\n  template:\n{POD}    metadata:\n      annotations:");
    let expected = format!(
        "{HEAD}spec:\n  template:\n{POD}    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"{T}\""
    );
    check(&input, &expected);
}

// --- sequences, key order, block scalars ---

#[test]
fn indentless_sequences() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: x
                args:
                - a
            metadata:
              annotations:
                a: b
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
              - name: x
                args:
                - a
            metadata:
              annotations:
                a: b
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
    let input = yaml(
        r"
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  containers:
                  - name: x
            ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
            spec:
              containers:
              - name: x
        "#,
    );
    check(&input, &expected);
}

#[test]
fn statefulset_template_not_last() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
              - name: db
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          serviceName: db
          template:
            metadata:
              labels: {app: db}
              annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
            spec:
              containers:
              - name: db
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
        "#,
    );
    check(&input, &expected);
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(manifest.workloads[0].kind, Kind::StatefulSet);
}

fn block_scalar_last(scalar: &str) -> (String, String) {
    let input = deployment(&format!(
        "    metadata:\n      annotations:\n        note: {scalar}\n    # pod\n{POD}"
    ));
    let expected = deployment(&format!(
        "    metadata:\n      annotations:\n        note: {scalar}\n        kubectl.kubernetes.io/restartedAt: \"{T}\"\n    # pod\n{POD}"
    ));
    (input, expected)
}

#[test]
fn block_scalar_last_in_annotations() {
    for scalar in [
        "|\n          line one\n          line two",
        ">-\n          folded\n          text",
        "|  # c",
    ] {
        let (input, expected) = block_scalar_last(scalar);
        check(&input, &expected);
    }
    // Trailing blank lines of a clipped scalar are not its content: the line goes before them.
    let input = template(
        r"
        metadata:
          annotations:
            note: |
              text


        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            note: |
              text
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"


        "#,
    );
    check(&input, &expected);
}

#[test]
fn keep_block_scalar_last_in_annotations() {
    // `|+` keeps its trailing blank lines: the new line goes after them.
    let input = template(
        r"
        metadata:
          annotations:
            note: |+
              text

        # pod
        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            note: |+
              text

            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        # pod
        "#,
    );
    check(&input, &expected);
    let input = template(
        r"
        metadata:
          annotations:
            note: |+
              text

        ",
    );
    let expected = template(
        r#"
        metadata:
          annotations:
            note: |+
              text

            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn empty_block_scalar_last_in_annotations() {
    let (input, expected) = block_scalar_last("|");
    check(&input, &expected);
    let (input, expected) = block_scalar_last(">+");
    check(&input, &expected);
}

#[test]
fn block_scalar_last_in_metadata() {
    let input = template(
        r"
        metadata:
          labels: {a: b}
          description: >
            some text
            more

        ",
    );
    let expected = template(
        r#"
        metadata:
          labels: {a: b}
          description: >
            some text
            more
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"

        "#,
    );
    check(&input, &expected);
}

// --- multi-document files ---

#[test]
fn multi_document_files() {
    let dep = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    spec:\n      containers: []\n"
        )
    };
    let dep_done = |name: &str| {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  template:\n    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"{T}\"\n    spec:\n      containers: []\n"
        )
    };
    let svc = yaml(
        r"
        apiVersion: v1
        kind: Service
        metadata:
          name: web
        ",
    );
    let input = format!(
        "# leading comment\n---\n{}---\n# only a comment\n---\n---\n{svc}...\n---\n{}...\n# tail\n",
        dep("a"),
        dep("b")
    );
    let expected = format!(
        "# leading comment\n---\n{}---\n# only a comment\n---\n---\n{svc}...\n---\n{}...\n# tail\n",
        dep_done("a"),
        dep_done("b")
    );
    check(&input, &expected);
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    let names: Vec<(usize, &str)> = manifest
        .workloads
        .iter()
        .map(|w| (w.doc, w.name.as_str()))
        .collect();
    assert_eq!(names, vec![(0, "a"), (4, "b")]);
    assert_eq!(manifest.workloads[1].line, 22);
    // Only the chosen document is edited.
    let only_b = manifest.restart(&[4], DEFAULT_ANNOTATION, T).unwrap();
    assert_eq!(
        only_b,
        format!(
            "# leading comment\n---\n{}---\n# only a comment\n---\n---\n{svc}...\n---\n{}...\n# tail\n",
            dep("a"),
            dep_done("b")
        )
    );
}

// --- line endings, BOM, encodings ---

#[test]
fn crlf_file() {
    let input = template(
        r"
        metadata:
          labels:
            app: web
        ",
    )
    .replace('\n', "\r\n");
    let expected = template(
        r#"
        metadata:
          labels:
            app: web
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    )
    .replace('\n', "\r\n");
    check(&input, &expected);
    let input = deployment(POD).replace('\n', "\r\n");
    let expected = template(
        r#"
        metadata:
          annotations:
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    )
    .replace('\n', "\r\n");
    check(&input, &expected);
    let input = null_annot(" ~ # x").replace('\n', "\r\n");
    let expected = null_annot(&format!(
        " # x\n        kubectl.kubernetes.io/restartedAt: \"{T}\""
    ))
    .replace('\n', "\r\n");
    check(&input, &expected);
}

#[test]
fn crlf_file_without_final_newline() {
    let input =
        format!("{HEAD}spec:\n  template:\n{POD}    metadata:\n      labels:\n        app: web")
            .replace('\n', "\r\n");
    let expected = format!(
        "{HEAD}spec:\n  template:\n{POD}    metadata:\n      labels:\n        app: web\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"{T}\""
    )
    .replace('\n', "\r\n");
    check(&input, &expected);
}

#[test]
fn crlf_block_scalar_keep() {
    let input = template(
        r"
        metadata:
          annotations:
            note: |+
              text

        ",
    )
    .replace('\n', "\r\n");
    let expected = template(
        r#"
        metadata:
          annotations:
            note: |+
              text

            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    )
    .replace('\n', "\r\n");
    check(&input, &expected);
}

#[test]
fn utf8_bom() {
    let input = format!("\u{feff}{}", deployment(POD));
    let expected = format!(
        "\u{feff}{}",
        template(
            r#"
            metadata:
              annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
            "#,
        )
    );
    check(&input, &expected);
    let input = format!("\u{feff}---\n{}", with_key("old"));
    let expected = format!("\u{feff}---\n{}", with_key(T));
    check(&input, &expected);
    let input = "\u{feff}{apiVersion: apps/v1, kind: Deployment, metadata: {name: x}, spec: {template: {spec: {}}}}";
    let expected = format!(
        "\u{feff}{{apiVersion: apps/v1, kind: Deployment, metadata: {{name: x}}, spec: {{template: {{spec: {{}}, metadata: {{annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}}}}}}}}}"
    );
    check(input, &expected);
}

#[test]
fn final_line_without_newline() {
    let input = format!(
        "{HEAD}spec:\n  template:\n{POD}    metadata:\n      annotations:\n        a: b # c"
    );
    let expected = format!(
        "{HEAD}spec:\n  template:\n{POD}    metadata:\n      annotations:\n        a: b # c\n        kubectl.kubernetes.io/restartedAt: \"{T}\""
    );
    check(&input, &expected);
    let input = with_key("old").trim_end().to_owned();
    let expected = with_key(T).trim_end().to_owned();
    check(&input, &expected);
}

#[test]
fn non_ascii_text_around_the_edit() {
    let input = yaml(
        r#"
        # café 日本
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web # nom: é
          labels: {team: 日本}
        spec:
          template:
            metadata:
              annotations:
                description: "日本語 é" # コメント
                other: élan
            spec: # 日本
              containers:
              - name: web # é
                env:
                - {name: X, value: 日本}
        "#,
    );
    let expected = yaml(
        r#"
        # café 日本
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web # nom: é
          labels: {team: 日本}
        spec:
          template:
            metadata:
              annotations:
                description: "日本語 é" # コメント
                other: élan
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
            spec: # 日本
              containers:
              - name: web # é
                env:
                - {name: X, value: 日本}
        "#,
    );
    check(&input, &expected);
    let input = flow_meta("{labels: {名前: 日本}}");
    let expected = flow_meta(&format!(
        "{{labels: {{名前: 日本}}, annotations: {{kubectl.kubernetes.io/restartedAt: \"{T}\"}}}}"
    ));
    check(&input, &expected);
    let text = with_key("'é'");
    let manifest = Manifest::parse(&text, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(
        manifest.restart(&[0], DEFAULT_ANNOTATION, "日本").unwrap(),
        with_key("'日本'")
    );
}

// --- Argo Rollouts ---

#[test]
fn rollout_restart_at_added() {
    let input = yaml(
        r"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          replicas: 2
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
                - name: web
                  image: nginx
          strategy:
            canary: {}
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          replicas: 2
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
                - name: web
                  image: nginx
          strategy:
            canary: {}
          restartAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(manifest.workloads[0].kind, Kind::Rollout);
}

#[test]
fn rollout_restart_at_replaced() {
    let input = yaml(
        r"
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata:
              name: web
            spec:
              restartAt: '2025-01-01T00:00:00Z' # last
              template:
                spec:
                  containers:
                    - name: web
                      image: nginx
            ",
    );
    let expected = yaml(
        r"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          restartAt: '2026-11-20T00:00:00Z' # last
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    );
    check(&input, &expected);
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(
        manifest.workloads[0].restarted_at.as_deref(),
        Some("2025-01-01T00:00:00Z")
    );
}

#[test]
fn rollout_with_workload_ref() {
    let input = yaml(
        r"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          workloadRef:
            apiVersion: apps/v1
            kind: Deployment
            name: web
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          workloadRef:
            apiVersion: apps/v1
            kind: Deployment
            name: web
          restartAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

// --- documents left alone ---

#[test]
fn kustomize_patch_fragment() {
    left_alone(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: 3
        ",
    ));
    left_alone(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              labels: {a: b}
        ",
    ));
}

#[test]
fn patch_delete() {
    left_alone(&format!("$patch: delete\n{HEAD}spec:\n  template:\n{POD}"));
    left_alone(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          $patch: replace
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
}

#[test]
fn cronjob() {
    left_alone(&format!(
        "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: c\nspec:\n  schedule: '* * * * *'\n  jobTemplate:\n    spec:\n      template:\n{}",
        POD.replace("\n    ", "\n        ")
            .replacen("    spec", "        spec", 1)
    ));
}

#[test]
fn other_kinds_and_groups() {
    for head in [
        "apiVersion: v1\nkind: ReplicationController\n",
        "apiVersion: apps/v1\nkind: ReplicaSet\n",
        "apiVersion: v1\nkind: Deployment\n",
        "apiVersion: apps/v1\nkind: deployment\n",
        "apiVersion: apps/v1\nkind: Rollout\n",
        "apiVersion: argoproj.io/v1alpha1\nkind: Deployment\n",
    ] {
        left_alone(&format!(
            "{head}metadata:\n  name: x\nspec:\n  template:\n{POD}"
        ));
    }
}

// --- refusals ---

#[test]
fn refuses_invalid_yaml() {
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
           a: b
          c: [
        ",
    ));
    assert!(matches!(err, EditError::Parse { line: 8, .. }), "{err:?}");
    let err = refused("a: b\n c: d\n");
    assert!(matches!(err, EditError::Parse { line: 2, .. }), "{err:?}");
}

#[test]
fn refuses_go_templates() {
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          replicas: {{ .Values.replicas }}
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(err, EditError::Template { line: 6 });
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
                key: {{ x }}
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(err, EditError::Template { line: 9 });
    assert_eq!(
        err.at("app/web.yaml"),
        "app/web.yaml:9: Go/Helm template syntax `{{` outside a YAML string; this file is a \
         template, not a manifest: set the restart through the chart's values instead"
    );
    // In a flow sequence too, `{{ x }}` is a mapping, not text.
    let err = refused(&format!(
        "{HEAD}spec:\n  template:\n{POD}          args: [a, {{{{ .Values.arg }}}}]\n"
    ));
    assert_eq!(err, EditError::Template { line: 11 });
    // A chart template usually doesn't even parse: it is still reported as a template.
    let err = refused(&format!(
        "{{{{- if .Values.enabled }}}}\n{HEAD}spec:\n  template:\n{POD}{{{{- end }}}}\n"
    ));
    assert_eq!(err, EditError::Template { line: 1 });
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            spec:
        {{ toYaml .Values.pod | indent 6 }}
        ",
    ));
    assert_eq!(err, EditError::Template { line: 8 });
}

/// `{{` inside a plain scalar of a file that parses is text, as for any YAML loader (kustomize,
/// Argo CD, Flux): the file is a manifest, and the edit keeps that text byte for byte.
#[test]
fn accepts_braces_in_plain_scalars() {
    let pod = "    spec:\n      containers:\n        - name: web\n          image: repo:{{ .Values.tag }}\n";
    check(
        &format!("{HEAD}spec:\n  template:\n{pod}"),
        &format!(
            "{HEAD}spec:\n  template:\n    metadata:\n      annotations:\n        \
             kubectl.kubernetes.io/restartedAt: \"{T}\"\n{pod}"
        ),
    );
}

/// locate-cases d5: a Deployment and a PrometheusRule whose summary holds `{{ $labels.instance }}`
/// in a plain scalar, in one file. The Deployment is restarted; the rule stays byte for byte.
#[test]
fn restarts_a_deployment_beside_a_prometheus_rule_with_braces() {
    let rule = yaml(
        r#"
        ---
        apiVersion: monitoring.coreos.com/v1
        kind: PrometheusRule
        metadata:
          name: web
        spec:
          groups:
          - name: web
            rules:
            - alert: WebDown
              expr: up{job="web"} == 0
              annotations:
                summary: Instance {{ $labels.instance }} down
                description: >-
                  {{ $labels.instance }} of job {{ $labels.job }} has been down
                  for more than 5 minutes.
        "#,
    );
    let input = format!("{}{rule}", template(""));
    let expected = format!(
        "{}{rule}",
        template(&format!(
            "metadata:\n  annotations:\n    kubectl.kubernetes.io/restartedAt: \"{T}\"\n"
        ))
    );
    check(&input, &expected);
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    assert_eq!(manifest.workloads.len(), 1);
    assert_eq!(
        manifest.string_at(1, &["kind"]).as_deref(),
        Some("PrometheusRule")
    );
}

#[test]
fn accepts_braces_in_quoted_block_and_comment() {
    let input = template(
        r#"
        # {{ not a template }}
        metadata:
          annotations:
            a: "{{args.x}}"
            b: '{{args.y}}'
            c: |
              {{ args.z }}
        "#,
    );
    let expected = template(
        r#"
        # {{ not a template }}
        metadata:
          annotations:
            a: "{{args.x}}"
            b: '{{args.y}}'
            c: |
              {{ args.z }}
            kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
        "#,
    );
    check(&input, &expected);
}

#[test]
fn refuses_alias_and_anchor_on_path() {
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec: &s
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 5,
            what: "spec".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template: &t
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 6,
            what: "template".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata: &m
              labels: {a: b}
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 7,
            what: "metadata".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations: &a
                x: y
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 8,
            what: "annotations".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              labels: &l {a: b}
              annotations: *l
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 9,
            what: "annotations".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          x: &tmpl
            spec:
              containers: []
        spec:
          template: *tmpl
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 9,
            what: "template".into()
        }
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
                kubectl.kubernetes.io/restartedAt: &v old
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert_eq!(
        err,
        EditError::Alias {
            line: 9,
            what: DEFAULT_ANNOTATION.into()
        }
    );
}

#[test]
fn anchors_elsewhere_are_fine() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: &labels
            app: web
        spec:
          selector:
            matchLabels: *labels
          template:
            metadata:
              labels: *labels
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    );
    let expected = yaml(
        r#"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: &labels
            app: web
        spec:
          selector:
            matchLabels: *labels
          template:
            metadata:
              labels: *labels
              annotations:
                kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
            spec:
              containers:
                - name: web
                  image: nginx
        "#,
    );
    check(&input, &expected);
}

#[test]
fn refuses_merge_key_on_path() {
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          base: &base
            replicas: 1
        spec:
          <<: *base
          template:
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert!(matches!(err, EditError::Shape { line: 8, .. }), "{err:?}");
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
                <<: {a: b}
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert!(matches!(err, EditError::Shape { line: 9, .. }), "{err:?}");
    // The template only reachable through the merge is still found, and refused.
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          base: &base
            template:
              spec: {}
        spec:
          <<: *base
        ",
    ));
    assert!(matches!(err, EditError::Shape { line: 9, .. }), "{err:?}");
}

#[test]
fn refuses_annotations_list() {
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
              - a
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert!(
        matches!(&err, EditError::Shape { line: 8, what, .. } if what == "annotations"),
        "{err:?}"
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata: [a]
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert!(
        matches!(&err, EditError::Shape { line: 7, what, .. } if what == "metadata"),
        "{err:?}"
    );
    let err = refused(&yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
        spec:
          template:
            metadata:
              annotations:
                kubectl.kubernetes.io/restartedAt: {a: b}
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    ));
    assert!(matches!(err, EditError::Shape { line: 9, .. }), "{err:?}");
}

// --- workload discovery ---

#[test]
fn workload_fields() {
    let input = yaml(
        r"
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
          namespace: kube-system
        spec:
          template:
            metadata:
              annotations:
                kubectl.kubernetes.io/restartedAt: ~
            spec:
              containers:
                - name: web
                  image: nginx
        ",
    );
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    let w = &manifest.workloads[0];
    assert_eq!(
        (
            w.doc,
            w.line,
            &w.kind,
            w.name.as_str(),
            w.namespace.as_deref(),
            w.restarted_at.as_deref()
        ),
        (0, 2, &Kind::DaemonSet, "agent", Some("kube-system"), None)
    );
}

#[test]
fn custom_annotation_key() {
    let input = template(
        r#"
        metadata:
          annotations:
            my/restart: "1"
        "#,
    );
    let manifest = Manifest::parse(&input, "my/restart").unwrap();
    assert_eq!(manifest.workloads[0].restarted_at.as_deref(), Some("1"));
    let out = manifest.restart(&[0], "my/restart", "2").unwrap();
    assert_eq!(
        out,
        template(
            r#"
            metadata:
              annotations:
                my/restart: "2"
            "#,
        )
    );
}

/// Regression: two values set under the same `key: null` (two workloads of one Helm release
/// whose `helm:` is null) made two splices replace the same bytes, and the editor panicked.
#[test]
fn values_under_one_null_key_are_set_one_after_the_other() {
    let input = yaml(
        r"
        spec:
          source:
            helm: null
          destination: {name: prod}
        ",
    );
    let manifest = Manifest::parse(&input, DEFAULT_ANNOTATION).unwrap();
    let a = vec![
        "spec",
        "source",
        "helm",
        "valuesObject",
        "a",
        DEFAULT_ANNOTATION,
    ];
    let b = vec![
        "spec",
        "source",
        "helm",
        "valuesObject",
        "b",
        DEFAULT_ANNOTATION,
    ];
    let out = manifest
        .set_strings(&[(0, a.clone()), (0, b), (0, a)], "2026-11-20T00:00:00Z")
        .unwrap();
    assert_eq!(
        out,
        yaml(
            r#"
            spec:
              source:
                helm:
                  valuesObject:
                    a:
                      kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
                    b:
                      kubectl.kubernetes.io/restartedAt: "2026-11-20T00:00:00Z"
              destination: {name: prod}
            "#
        )
    );
}

/// Found by the fuzz test: `? ` before the pod template's `labels:` makes `metadata` a mapping
/// whose only key is the mapping `{labels: {...}}` (with a null value). Adding `annotations` at
/// that key's column put it inside the key; the editor's own check caught it. Refused instead.
#[test]
fn refuses_complex_key_in_template_metadata() {
    let text = yaml(
        r"
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: argocd-server
        spec:
          selector:
            matchLabels:
              app.kubernetes.io/name: argocd-server
          template:
            metadata:
             ?  labels:
                app.kubernetes.io/name: argocd-server
            spec:
              containers:
                - name: argocd-server
                  image: quay.io/argoproj/argocd:latest
        ",
    );
    let err = refused(&text);
    assert!(
        matches!(&err, EditError::Shape { line: 11, what, .. } if what == "metadata"),
        "{err:?}"
    );
    assert!(err.message().contains("complex key (`?`)"), "{err}");
}

/// Explicit keys (`? key`, the `?` on the key's line or alone on the line above, in block and
/// flow mappings) and collection keys in any mapping the restart is written into are refused,
/// naming that mapping and the key's line.
#[test]
fn refuses_explicit_and_complex_keys_on_the_path() {
    let cases = [
        // The annotation itself as an explicit key, its value on the next line.
        (
            template(
                r#"
                metadata:
                  annotations:
                    ? kubectl.kubernetes.io/restartedAt
                    : "2020-01-01T00:00:00Z"
                "#,
            ),
            10,
            "annotations",
        ),
        // `metadata` as an explicit key in the template.
        (
            template(
                r"
                ? metadata
                : labels: {app: web}
                ",
            ),
            8,
            "template",
        ),
        // The `?` alone on the line above the key.
        (
            template(
                r"
                metadata:
                  ?
                    labels
                  : {app: web}
                ",
            ),
            10,
            "metadata",
        ),
        // The `?` with a comment, on the line above the key.
        (
            template(
                r"
                metadata:
                  ? # the labels
                    labels
                  : {app: web}
                ",
            ),
            10,
            "metadata",
        ),
        // The `?` and the key's anchor on the line above the key.
        (
            template(
                r"
                metadata:
                  ? &l
                    labels
                  : {app: web}
                ",
            ),
            10,
            "metadata",
        ),
        // An anchor between the `?` and the key.
        (
            template(
                r"
                metadata:
                  ? &l labels
                  : {app: web}
                ",
            ),
            9,
            "metadata",
        ),
        // A flow mapping.
        (
            template("metadata: {? labels: {app: web}}\n"),
            8,
            "metadata",
        ),
        // A sequence as a key.
        (
            template(
                r"
                metadata:
                  [a, b]: c
                ",
            ),
            9,
            "metadata",
        ),
        // A Rollout's spec, where `restartAt` goes.
        (
            yaml(
                r"
                apiVersion: argoproj.io/v1alpha1
                kind: Rollout
                metadata:
                  name: web
                spec:
                  ? replicas
                  : 2
                  template:
                    spec:
                      containers:
                        - name: web
                          image: nginx
                ",
            ),
            6,
            "spec",
        ),
    ];
    for (text, line, mapping) in cases {
        let err = refused(&text);
        assert!(
            matches!(&err, EditError::Shape { line: l, what, .. } if *l == line && what == mapping),
            "{err:?}\n{text}"
        );
        assert!(err.message().contains("complex key (`?`)"), "{err}");
    }
}

/// A `?` that is text, not an indicator, doesn't make a key explicit.
#[test]
fn question_marks_in_values_are_not_explicit_keys() {
    let out = ok(&template(
        r#"
        metadata:
          annotations:
            summary: why ?
            query: "?"
            flow: {a: ?b, c: d}
        "#,
    ));
    let tail = "        flow: {a: ?b, c: d}\n        kubectl.kubernetes.io/restartedAt: \"2026-11-20T00:00:00Z\"\n";
    assert!(out.contains(tail), "{out}");
}

/// Explicit keys off the path (inside the last entry of the mapping the restart value is added
/// to, or in the pod spec) are left as they are, and the value lands after them.
#[test]
fn explicit_keys_off_the_path_are_kept() {
    let input = yaml(
        r"
        apiVersion: argoproj.io/v1alpha1
        kind: Rollout
        metadata:
          name: web
        spec:
          template:
            spec:
              ? nodeSelector
              : {disk: ssd}
          strategy:
            canary:
              ? maxSurge
              ? steps
              : - pause: {}
        ",
    );
    check(&input, &format!("{input}  restartAt: \"{T}\"\n"));
    let pod = "    spec:\n      ? containers\n      : - {name: web, image: nginx}\n";
    check(
        &deployment(pod),
        &deployment(&format!(
            "    metadata:\n      annotations:\n        kubectl.kubernetes.io/restartedAt: \"{T}\"\n{pod}"
        )),
    );
}
