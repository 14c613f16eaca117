//! Tests of the reader: documents and their positions in each format, the byte-order mark,
//! syntax errors in JSON's or YAML's terms, the size limit, and YAML's limits.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{Value, json};

use super::documents::{ALIAS_EXPANSION, MAX_DEPTH};
use super::file::{Limit, read_from};
use super::{Format, SyntaxError, Text, read};

/// A document's value, format and start.
type Read = (Value, Format, Option<(u64, u64)>);

/// Every document's value, format and start.
fn documents(text: &str) -> Vec<Read> {
    match Text::new(text, "in").documents::<Value>() {
        Ok(documents) => documents
            .into_iter()
            .map(|d| (d.value, d.format, d.start))
            .collect(),
        Err(error) => panic!("unexpected error: {error}"),
    }
}

fn error(text: &str) -> SyntaxError {
    match Text::new(text, "in").documents::<Value>() {
        Ok(documents) => panic!("expected an error, got {} documents", documents.len()),
        Err(error) => error,
    }
}

#[test]
fn one_json_value_starts_after_whitespace() {
    assert_eq!(
        documents("\n\n   {\"a\": 1}\n"),
        [(json!({"a": 1}), Format::Json, Some((3, 4)))]
    );
    assert_eq!(
        documents("[1, 2]"),
        [(json!([1, 2]), Format::Json, Some((1, 1)))]
    );
}

#[test]
fn json_lines_and_concatenated_values_say_where_each_starts() {
    let text = "{\"n\": 1}\n{\"n\": 2}\n\n  {\"n\": 3} {\"n\": 4}\n[\"é\"] {\"n\": 5}";
    let starts: Vec<_> = documents(text).into_iter().map(|(_, _, s)| s).collect();
    assert_eq!(
        starts,
        [
            Some((1, 1)),
            Some((2, 1)),
            Some((4, 3)),
            Some((4, 12)),
            Some((5, 1)),
            // Columns count characters.
            Some((5, 7)),
        ]
    );
}

#[test]
fn yaml_documents_say_where_each_starts_and_empty_ones_are_skipped() {
    let text = "# a comment\n---\n---\na: 1\n--- ~\n---\n  b: 2\n---\n- x\n";
    assert_eq!(
        documents(text),
        [
            (json!({"a": 1}), Format::Yaml, Some((4, 1))),
            (json!({"b": 2}), Format::Yaml, Some((7, 3))),
            (json!(["x"]), Format::Yaml, Some((9, 1))),
        ]
    );
}

#[test]
fn empty_text_has_no_documents() {
    for text in ["", "  \n\t", "\u{feff}", "# only a comment\n", "---\n...\n"] {
        assert!(documents(text).is_empty(), "{text:?}");
    }
}

#[test]
fn a_byte_order_mark_is_not_content() {
    assert_eq!(
        documents("\u{feff}{\"a\": 1}"),
        [(json!({"a": 1}), Format::Json, Some((1, 1)))]
    );
    assert_eq!(
        documents("\u{feff}a: 1\n"),
        [(json!({"a": 1}), Format::Yaml, Some((1, 1)))]
    );
}

#[test]
fn a_flow_mapping_that_is_not_json_is_read_as_yaml() {
    assert_eq!(
        documents("{a: 1, b: [x]}"),
        [(json!({"a": 1, "b": ["x"]}), Format::Yaml, Some((1, 1)))]
    );
}

#[test]
fn syntax_errors_are_in_json_terms_when_the_text_looks_like_json() {
    let e = error("{\"a\": 1,");
    assert_eq!(
        (e.format, e.line, e.column, e.data),
        (Format::Json, Some(1), Some(8), false)
    );
    assert_eq!(
        e.to_string(),
        "in:1:8: invalid JSON: EOF while parsing a value"
    );
    // Neither JSON nor YAML: JSON's error, as the text looks like JSON.
    let e = error("{\"kind\": \"List\",\n \"items\": [\n  {\"kind\": \"Pod\" \"x\"}]}");
    assert_eq!(e.to_string(), "in:3:18: invalid JSON: expected `,` or `}`");
    let e = error("{\"a\": 1}\n{");
    assert_eq!((e.format, e.line), (Format::Json, Some(2)));
}

#[test]
fn syntax_errors_are_in_yaml_terms_otherwise() {
    let e = error("kind: List\nitems:\n  - kind: Pod\n   bad: [\n");
    assert_eq!((e.format, e.data, e.line), (Format::Yaml, false, Some(4)));
    assert!(e.to_string().starts_with("in:4:"), "{e}");
    assert!(e.message.contains("did not find expected '-'"), "{e}");
    assert!(
        !e.message.contains('\n') && !e.message.contains(" at line "),
        "{e}"
    );
}

#[test]
fn a_value_the_consumer_refuses_is_a_data_error_with_its_position() {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Strict {
        name: String,
    }
    for (text, format, line) in [
        ("{\"name\": \"a\",\n \"nmae\": \"b\"}", Format::Json, 2),
        ("name: a\nnmae: b\n", Format::Yaml, 2),
    ] {
        let e = Text::new(text, "c.yaml")
            .documents::<Strict>()
            .expect_err("unknown field");
        assert_eq!(
            (e.format, e.data, e.line),
            (format, true, Some(line)),
            "{e}"
        );
        assert!(e.message.starts_with("unknown field `nmae`"), "{e}");
        assert!(e.to_string().starts_with("c.yaml:2:"), "{e}");
    }
    let documents = Text::new("name: a\n", "c.yaml")
        .documents::<BTreeMap<String, String>>()
        .expect("a map");
    assert_eq!(documents[0].value["name"], "a");
}

#[test]
fn an_alias_bomb_is_refused_quickly_naming_the_input() {
    // Each anchor is ten aliases of the previous one: 10^9 scalars once expanded.
    let mut bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_owned();
    for i in 1..9 {
        let previous = format!("*a{}", i - 1);
        bomb += &format!("a{i}: &a{i} [{}]\n", vec![previous; 10].join(", "));
    }
    let started = Instant::now();
    let e = Text::new(&bomb, "bomb.yaml")
        .documents::<Value>()
        .expect_err("an alias bomb");
    // Milliseconds in a release build; a debug build under load takes a few seconds.
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "{:?}",
        started.elapsed()
    );
    assert!(e.to_string().starts_with("bomb.yaml:"), "{e}");
    assert!(
        e.message
            .contains(&format!("expand to more than {ALIAS_EXPANSION} events")),
        "{e}"
    );
    assert!(e.to_string().contains("invalid YAML"), "{e}");
    // A few aliases are fine.
    assert_eq!(
        documents("a: &x [1, 2]\nb: *x\n"),
        [(
            json!({"a": [1, 2], "b": [1, 2]}),
            Format::Yaml,
            Some((1, 1))
        )]
    );
}

#[test]
fn deep_yaml_is_refused() {
    let deep = format!(
        "a: {}{}\n",
        "[".repeat(MAX_DEPTH + 5),
        "]".repeat(MAX_DEPTH + 5)
    );
    let e = error(&deep);
    assert!(
        e.message
            .contains(&format!("nested more than {MAX_DEPTH} levels deep")),
        "{e}"
    );
}

#[test]
fn repeated_keys_are_refused_with_the_line() {
    let e = error("kind: List\nitems: []\nkind: Pod\n");
    assert_eq!(e.line, Some(3), "{e}");
    assert_eq!(e.message, "duplicate key `kind`");
    assert!(!e.data, "{e}");
    let e = error("a:\n  b: 1\n  b: 2\n");
    assert_eq!(e.to_string(), "in:3:3: invalid YAML: duplicate key `b`");
}

// Reading bytes ------------------------------------------------------------------------------

const TEN: Limit = Limit {
    bytes: 10,
    what: "a test input",
};

#[test]
fn the_limit_is_the_most_bytes_read() {
    let read = |bytes: &[u8]| read_from(bytes, "-", TEN, 0).map_err(|e| e.to_string());
    assert_eq!(read(b"0123456789").as_deref(), Ok("0123456789"));
    assert_eq!(
        read(b"0123456789x"),
        Err("cannot read -: larger than 10 bytes, the limit for a test input".to_owned())
    );
    // An endless stream ends with the error, not with memory exhausted.
    let endless = read_from(std::io::repeat(b'{'), "-", TEN, 0).expect_err("endless");
    assert!(
        endless.to_string().contains("larger than 10 bytes"),
        "{endless}"
    );
}

#[test]
fn limits_read_in_binary_units() {
    assert_eq!(super::SNAPSHOT.to_string(), "1 GiB");
    assert_eq!(super::NOTICE.to_string(), "16 MiB");
    assert_eq!(super::CONFIG.to_string(), "16 MiB");
    assert_eq!(
        Limit {
            bytes: 1536,
            what: ""
        }
        .to_string(),
        "1536 bytes"
    );
}

#[test]
fn files_larger_than_the_limit_devices_and_folders_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.json");
    std::fs::write(&small, "{}").unwrap();
    assert_eq!(read(&small, TEN).unwrap(), "{}");
    let big = dir.path().join("big.json");
    std::fs::write(&big, "[1, 2, 3, 4, 5]").unwrap();
    assert_eq!(
        read(&big, TEN).unwrap_err().to_string(),
        format!(
            "cannot read {}: larger than 10 bytes, the limit for a test input",
            big.display()
        )
    );
    assert_eq!(
        read(dir.path(), TEN).unwrap_err().to_string(),
        format!(
            "cannot read {}: a directory, not a file or a pipe",
            dir.path().display()
        )
    );
    let missing = read(&dir.path().join("missing.json"), TEN).unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
    assert!(
        missing.to_string().starts_with("cannot read ")
            && missing.to_string().contains("missing.json: "),
        "{missing}"
    );
    #[cfg(unix)]
    assert_eq!(
        read(std::path::Path::new("/dev/zero"), super::SNAPSHOT)
            .unwrap_err()
            .to_string(),
        "cannot read /dev/zero: a character device, not a file or a pipe"
    );
}

#[test]
fn text_that_is_not_utf8_is_refused() {
    let e = read_from(&b"a: \xff\n"[..], "x.yaml", TEN, 0).unwrap_err();
    assert_eq!(e.to_string(), "cannot read x.yaml: not UTF-8 text");
    let e = read_from(&b"\xff\xfe{\0}\0"[..], "x.json", TEN, 0).unwrap_err();
    assert!(e.to_string().contains("UTF-16"), "{e}");
}
