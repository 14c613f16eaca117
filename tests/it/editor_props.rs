//! The lossless editor, by property: random manifests in many styles, checked against an
//! independent YAML loader (serde-saphyr) and a line diff.
//!
//! A manifest is built as a small tree, then written out with random choices: comments (full
//! line and trailing), blank lines, quoting, flow or block collections, indentation width 2, 3
//! or 4, indentless or indented sequences, LF or CRLF, document markers, a final newline or not.

use gitops_restart::edit::{DEFAULT_ANNOTATION, Manifest};
use proptest::prelude::*;
use serde_json::Value as Json;
use similar::{DiffTag, TextDiff};

const T: &str = "2026-11-20T00:00:00Z";
const OLD: &str = "2025-01-01T00:00:00Z";

/// A tiny deterministic generator for the many small choices of one manifest.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // splitmix64
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).expect("small")
    }

    /// True with probability `percent` / 100.
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a, X: ?Sized>(&mut self, items: &[&'a X]) -> &'a X {
        items[self.below(items.len())]
    }
}

#[derive(Clone, Copy, Debug)]
enum Quote {
    Plain,
    Single,
    Double,
}

/// The tree a manifest is written from.
#[derive(Clone, Debug)]
enum Y {
    Map(Vec<(String, Y)>, bool),
    Seq(Vec<Y>, bool),
    Str(String, Quote),
    /// A null written as nothing, `~` or `null`.
    Null(&'static str),
    /// A block scalar: header (`|`, `>-`, `|+`) and content lines.
    Block(&'static str, Vec<&'static str>),
}

fn map(entries: Vec<(&str, Y)>, flow: bool) -> Y {
    Y::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
        flow,
    )
}

/// Values that read back as the same string when written plain, in block or flow context.
const PLAIN_VALUES: &[&str] = &["web", "nginx", "café", "日本語", "a b", "x.y/z", "v1.2"];
/// Values that need quotes.
const QUOTED_VALUES: &[&str] = &[
    "it's",
    "say \"hi\"",
    "#not-a-comment",
    "a: b",
    "{{args.x}}",
    "100",
    "true",
    "",
];
const KEYS: &[&str] = &["app", "team", "example.com/owner", "note", "日本", "tier"];
const COMMENTS: &[&str] = &[
    "c",
    "é 日本",
    "{{ not a template }}",
    "key: value",
    "---",
    "annotations:",
];

fn string(r: &mut Rng) -> Y {
    if r.chance(50) {
        let q = *r.pick(&[&Quote::Plain, &Quote::Single, &Quote::Double]);
        Y::Str(r.pick(PLAIN_VALUES).to_owned(), q)
    } else {
        let q = *r.pick(&[&Quote::Single, &Quote::Double]);
        Y::Str(r.pick(QUOTED_VALUES).to_owned(), q)
    }
}

fn null(r: &mut Rng) -> Y {
    Y::Null(r.pick(&["", "~", "null"]))
}

/// A string map of 0..=3 random entries (labels or annotations), flow or block.
fn string_map(r: &mut Rng, flow: bool, block_scalars: bool) -> Vec<(String, Y)> {
    let mut keys: Vec<&str> = KEYS.to_vec();
    let mut entries = Vec::new();
    for _ in 0..r.below(4) {
        let key = keys.remove(r.below(keys.len()));
        let value = if block_scalars && !flow && r.chance(25) {
            let header = r.pick(&["|", "|-", ">", ">-", "|+", ">+"]);
            let lines = if r.chance(20) {
                vec![]
            } else {
                vec!["line one", "  indented é", "last"]
            };
            Y::Block(header, lines)
        } else {
            string(r)
        };
        entries.push((key.to_owned(), value));
    }
    entries
}

/// The restart value a workload already carries, if any: old or the same, in any quoting.
fn existing_value(r: &mut Rng) -> Option<Y> {
    if !r.chance(40) {
        return None;
    }
    let value = if r.chance(50) { OLD } else { T };
    let q = *r.pick(&[&Quote::Plain, &Quote::Single, &Quote::Double]);
    Some(Y::Str(value.to_owned(), q))
}

fn pod_template(r: &mut Rng) -> Y {
    let flow_meta = r.chance(25);
    let metadata = match r.below(6) {
        0 => None,
        1 => Some(null(r)),
        _ => {
            let mut entries = Vec::new();
            if r.chance(60) {
                let flow = flow_meta || r.chance(30);
                let labels = string_map(r, flow, false);
                entries.push(("labels".to_owned(), Y::Map(labels, flow)));
            }
            let flow = flow_meta || r.chance(30);
            let annotations = match r.below(5) {
                0 => None,
                1 => Some(null(r)),
                _ => {
                    let mut map = string_map(r, flow, true);
                    if let Some(value) = existing_value(r) {
                        let at = r.below(map.len() + 1);
                        map.insert(at, (DEFAULT_ANNOTATION.to_owned(), value));
                    }
                    Some(Y::Map(map, flow))
                }
            };
            if let Some(annotations) = annotations {
                let at = r.below(entries.len() + 1);
                entries.insert(at, ("annotations".to_owned(), annotations));
            }
            Some(Y::Map(entries, flow_meta))
        }
    };
    let flow_containers = r.chance(20);
    let container = map(
        vec![
            ("name", Y::Str("web".into(), Quote::Plain)),
            ("image", string(r)),
        ],
        flow_containers,
    );
    let mut pod = vec![("containers", Y::Seq(vec![container], flow_containers))];
    if r.chance(30) {
        pod.push(("nodeSelector", map(vec![("zone", string(r))], r.chance(50))));
    }
    let spec = map(pod, false);
    let mut entries = vec![("spec".to_owned(), spec)];
    if let Some(metadata) = metadata {
        let at = usize::from(!r.chance(70));
        entries.insert(at, ("metadata".to_owned(), metadata));
    }
    Y::Map(entries, false)
}

/// A workload document.
fn workload(r: &mut Rng, n: usize) -> Y {
    let kind = r.pick(&["Deployment", "StatefulSet", "DaemonSet", "Rollout"]);
    let api = if kind == "Rollout" {
        "argoproj.io/v1alpha1"
    } else {
        "apps/v1"
    };
    let mut meta = vec![("name", Y::Str(format!("web-{n}"), Quote::Plain))];
    if r.chance(50) {
        meta.push(("namespace", string(r)));
    }
    let mut spec = Vec::new();
    if r.chance(50) {
        spec.push(("replicas", Y::Str("2".into(), Quote::Plain)));
    }
    if r.chance(50) {
        spec.push((
            "selector",
            map(
                vec![("matchLabels", map(vec![("app", string(r))], false))],
                r.chance(30),
            ),
        ));
    }
    if kind == "Rollout" {
        if r.chance(30) {
            let reference = map(
                vec![
                    ("apiVersion", Y::Str("apps/v1".into(), Quote::Plain)),
                    ("kind", Y::Str("Deployment".into(), Quote::Plain)),
                    ("name", Y::Str("web".into(), Quote::Plain)),
                ],
                r.chance(30),
            );
            spec.push(("workloadRef", reference));
        } else {
            spec.push(("template", pod_template(r)));
        }
        if let Some(value) = existing_value(r) {
            let at = r.below(spec.len() + 1);
            spec.insert(at, ("restartAt", value));
        }
        if r.chance(50) {
            spec.push((
                "strategy",
                map(vec![("canary", Y::Map(vec![], true))], false),
            ));
        }
    } else {
        spec.push(("template", pod_template(r)));
        if kind == "StatefulSet" && r.chance(60) {
            let claim = map(
                vec![
                    (
                        "metadata",
                        map(vec![("name", Y::Str("data".into(), Quote::Plain))], false),
                    ),
                    (
                        "spec",
                        map(vec![("storageClassName", string(r))], r.chance(40)),
                    ),
                ],
                false,
            );
            spec.push(("volumeClaimTemplates", Y::Seq(vec![claim], false)));
        }
    }
    map(
        vec![
            ("apiVersion", Y::Str(api.into(), Quote::Plain)),
            ("kind", Y::Str(kind.into(), Quote::Plain)),
            ("metadata", map(meta, r.chance(20))),
            ("spec", map(spec, false)),
        ],
        false,
    )
}

/// A document that is not a workload, or `None` for a comment-only or empty document.
fn other_document(r: &mut Rng) -> Option<Y> {
    let name = || {
        (
            "metadata",
            map(vec![("name", Y::Str("other".into(), Quote::Plain))], false),
        )
    };
    match r.below(5) {
        0 => Some(map(
            vec![
                ("apiVersion", Y::Str("v1".into(), Quote::Plain)),
                ("kind", Y::Str("Service".into(), Quote::Plain)),
                name(),
                (
                    "spec",
                    map(
                        vec![(
                            "ports",
                            Y::Seq(
                                vec![map(
                                    vec![("port", Y::Str("80".into(), Quote::Plain))],
                                    false,
                                )],
                                false,
                            ),
                        )],
                        false,
                    ),
                ),
            ],
            false,
        )),
        1 => Some(map(
            vec![
                ("apiVersion", Y::Str("v1".into(), Quote::Plain)),
                ("kind", Y::Str("ConfigMap".into(), Quote::Plain)),
                name(),
                (
                    "data",
                    map(
                        vec![("config", Y::Block("|", vec!["a: b", "# not a comment"]))],
                        false,
                    ),
                ),
            ],
            false,
        )),
        // A kustomize patch: a Deployment without a pod template.
        2 => Some(map(
            vec![
                ("apiVersion", Y::Str("apps/v1".into(), Quote::Plain)),
                ("kind", Y::Str("Deployment".into(), Quote::Plain)),
                name(),
                (
                    "spec",
                    map(vec![("replicas", Y::Str("3".into(), Quote::Plain))], false),
                ),
            ],
            false,
        )),
        _ => None,
    }
}

/// Writes a tree as YAML text with random presentation choices.
struct Writer<'r> {
    rng: &'r mut Rng,
    step: usize,
    indentless: bool,
    eol: &'static str,
    out: String,
}

impl Writer<'_> {
    fn line(&mut self, col: usize, text: &str) {
        self.out.push_str(&" ".repeat(col));
        self.out.push_str(text);
        self.out.push_str(self.eol);
    }

    /// Maybe a full-line comment or a blank line, before an entry at `col`.
    fn decoration(&mut self, col: usize) {
        if self.rng.chance(12) {
            let col = if self.rng.chance(30) { 0 } else { col };
            let text = format!("# {}", self.rng.pick(COMMENTS));
            self.line(col, &text);
        }
        if self.rng.chance(5) {
            self.out.push_str(self.eol);
        }
    }

    fn trailing(&mut self) -> String {
        if self.rng.chance(20) {
            format!("  # {}", self.rng.pick(COMMENTS))
        } else {
            String::new()
        }
    }

    fn key(&mut self, key: &str) -> String {
        // Leaf keys are sometimes quoted; the keys the editor walks stay plain so that the
        // diff check below can recognise the lines it rewrites.
        let structural = [
            "apiVersion",
            "kind",
            "metadata",
            "spec",
            "template",
            "annotations",
            "restartAt",
        ];
        if !structural.contains(&key) && key != DEFAULT_ANNOTATION && self.rng.chance(15) {
            quote(key, Quote::Double)
        } else {
            key.to_owned()
        }
    }

    fn block_map(&mut self, entries: &[(String, Y)], col: usize) {
        for (key, value) in entries {
            self.decoration(col);
            let key = self.key(key);
            match value {
                Y::Map(children, false) if !children.is_empty() => {
                    let trailing = self.trailing();
                    self.line(col, &format!("{key}:{trailing}"));
                    self.block_map(children, col + self.step);
                }
                Y::Map(children, true)
                    if !children.is_empty()
                        && children.iter().all(|(_, v)| matches!(v, Y::Str(..)))
                        && self.rng.chance(25) =>
                {
                    // A flow mapping over several lines, with comments inside.
                    self.line(col, &format!("{key}: {{"));
                    for (index, (k, v)) in children.iter().enumerate() {
                        let comma = if index + 1 < children.len() || self.rng.chance(30) {
                            ","
                        } else {
                            ""
                        };
                        let trailing = self.trailing();
                        self.line(
                            col + self.step,
                            &format!("{k}: {}{comma}{trailing}", flow(v)),
                        );
                    }
                    let trailing = self.trailing();
                    self.line(col, &format!("}}{trailing}"));
                }
                Y::Seq(items, false) if !items.is_empty() => {
                    let trailing = self.trailing();
                    self.line(col, &format!("{key}:{trailing}"));
                    let items_col = if self.indentless {
                        col
                    } else {
                        col + self.step
                    };
                    self.block_seq(items, items_col);
                }
                Y::Block(header, lines) => {
                    let trailing = self.trailing();
                    self.line(col, &format!("{key}: {header}{trailing}"));
                    for text in lines {
                        self.line(col + self.step, text);
                    }
                    if header.ends_with('+') && self.rng.chance(50) {
                        // Kept trailing blank lines belong to the scalar.
                        self.out.push_str(self.eol);
                    }
                }
                Y::Null("") => {
                    let trailing = self.trailing();
                    self.line(col, &format!("{key}:{trailing}"));
                }
                other => {
                    let trailing = self.trailing();
                    self.line(col, &format!("{key}: {}{trailing}", flow(other)));
                }
            }
        }
    }

    fn block_seq(&mut self, items: &[Y], col: usize) {
        for item in items {
            self.decoration(col);
            match item {
                Y::Map(entries, false) if !entries.is_empty() => {
                    let (key, value) = &entries[0];
                    let trailing = self.trailing();
                    self.line(col, &format!("- {key}: {}{trailing}", flow(value)));
                    self.block_map(&entries[1..], col + 2);
                }
                other => {
                    let trailing = self.trailing();
                    self.line(col, &format!("- {}{trailing}", flow(other)));
                }
            }
        }
    }
}

fn quote(s: &str, q: Quote) -> String {
    match q {
        Quote::Plain => s.to_owned(),
        Quote::Single => format!("'{}'", s.replace('\'', "''")),
        Quote::Double => format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

fn flow(value: &Y) -> String {
    match value {
        Y::Str(s, q) => quote(s, *q),
        Y::Null(n) => (*n).to_owned(),
        Y::Map(entries, _) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Y::Seq(items, _) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
        Y::Block(..) => unreachable!("block scalars are only generated in block mappings"),
    }
}

/// A generated file and how many workloads it holds.
#[derive(Debug)]
struct Generated {
    text: String,
    workloads: usize,
}

fn generate(seed: u64, docs: usize, crlf: bool, final_newline: bool) -> Generated {
    let mut rng = Rng(seed);
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if rng.chance(10) {
        text.push('\u{feff}');
    }
    let mut workloads = 0;
    for index in 0..docs {
        if index > 0 || rng.chance(30) {
            text.push_str(if rng.chance(20) { "--- # next" } else { "---" });
            text.push_str(eol);
        }
        let doc = if rng.chance(70) {
            workloads += 1;
            Some(workload(&mut rng, index))
        } else {
            other_document(&mut rng)
        };
        match doc {
            Some(Y::Map(entries, _)) => {
                let step = *rng.pick(&[&2, &3, &4]);
                let indentless = rng.chance(50);
                let mut writer = Writer {
                    rng: &mut rng,
                    step,
                    indentless,
                    eol,
                    out: String::new(),
                };
                writer.block_map(&entries, 0);
                text.push_str(&writer.out);
            }
            Some(_) => unreachable!("documents are mappings"),
            None => {
                if rng.chance(50) {
                    text.push_str("# only a comment");
                    text.push_str(eol);
                }
            }
        }
        if rng.chance(15) {
            text.push_str("...");
            text.push_str(eol);
        }
    }
    if !final_newline {
        while text.ends_with(eol) {
            text.truncate(text.len() - eol.len());
        }
    }
    Generated { text, workloads }
}

/// Parses every document with serde-saphyr, independently of the crate's own YAML layer.
fn load(text: &str) -> Vec<Json> {
    serde_saphyr::from_multiple(text).unwrap_or_else(|e| panic!("serde-saphyr: {e}\n{text}"))
}

fn is_workload(doc: &Json) -> bool {
    let kind = doc["kind"].as_str().unwrap_or_default();
    let api = doc["apiVersion"].as_str().unwrap_or_default();
    match kind {
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            api.starts_with("apps/") && doc["spec"]["template"]["spec"].is_object()
        }
        "Rollout" => {
            api.starts_with("argoproj.io/")
                && (doc["spec"]["template"]["spec"].is_object()
                    || doc["spec"]["workloadRef"].is_object())
        }
        _ => false,
    }
}

/// What the documents must mean after the restart: exactly the value added to each workload.
fn expected(docs: &[Json]) -> Vec<Json> {
    let mut docs = docs.to_vec();
    for doc in docs.iter_mut().filter(|d| is_workload(d)) {
        if doc["kind"] == "Rollout" {
            doc["spec"]["restartAt"] = Json::from(T);
        } else {
            // Indexing a null with a key turns it into an object, as the editor does.
            doc["spec"]["template"]["metadata"]["annotations"][DEFAULT_ANNOTATION] = Json::from(T);
        }
    }
    docs
}

fn restart(text: &str) -> String {
    let manifest =
        Manifest::parse(text, DEFAULT_ANNOTATION).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let docs: Vec<usize> = manifest.workloads.iter().map(|w| w.doc).collect();
    manifest
        .restart(&docs, DEFAULT_ANNOTATION, T)
        .unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Whether `new` is `old` with one piece of text inserted.
fn spliced(old: &str, new: &str) -> bool {
    let prefix = old
        .bytes()
        .zip(new.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take_while(|(a, b)| a == b)
        .count();
    new.len() > old.len() && prefix + suffix >= old.len()
}

/// Whether a line may be one the editor rewrites or adds.
fn restart_line(line: &str) -> bool {
    [
        DEFAULT_ANNOTATION,
        "restartAt:",
        "metadata:",
        "annotations:",
    ]
    .iter()
    .any(|m| line.contains(m))
}

fn check(generated: &Generated, crlf: bool) {
    let text = &generated.text;
    let manifest =
        Manifest::parse(text, DEFAULT_ANNOTATION).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(
        manifest.workloads.len(),
        generated.workloads,
        "workloads found in\n{text}"
    );

    let out = restart(text);
    assert_eq!(
        restart(&out),
        out,
        "a second restart changed the text:\n{out}"
    );

    // Meaning: the original plus exactly the restart value, per an independent loader.
    let before = load(text);
    assert_eq!(
        load(&out),
        expected(&before),
        "meaning changed:\n{text}\n--- became:\n{out}"
    );

    // Presentation: every original line is kept in order; only restart lines are added or
    // rewritten.
    // (Lines are compared without their breaks: the last line gains one when a line is added
    // after it in a file without a final newline.)
    let old_lines: Vec<&str> = text.lines().collect();
    let new_lines: Vec<&str> = out.lines().collect();
    let diff = TextDiff::from_slices(&old_lines, &new_lines);
    let mut hunks: Vec<(Vec<&str>, Vec<&str>)> = Vec::new();
    let mut open = false;
    for op in diff.ops() {
        if op.tag() == DiffTag::Equal {
            open = false;
            continue;
        }
        if !open {
            hunks.push((Vec::new(), Vec::new()));
            open = true;
        }
        let hunk = hunks.last_mut().expect("just pushed");
        hunk.0.extend(&old_lines[op.old_range()]);
        hunk.1.extend(&new_lines[op.new_range()]);
    }
    for (removed, added) in &hunks {
        for line in added {
            assert!(
                restart_line(line),
                "unexpected added line {line:?}:\n{text}\n--- became:\n{out}"
            );
        }
        for line in removed {
            // A rewritten line is itself a restart line, or reappears with text spliced in.
            assert!(
                restart_line(line)
                    || added
                        .iter()
                        .any(|new| restart_line(new) && spliced(line, new)),
                "unexpected change of line {line:?}:\n{text}\n--- became:\n{out}"
            );
        }
    }

    // Line endings and the final newline follow the file.
    if crlf {
        assert_eq!(
            out.matches('\n').count(),
            out.matches("\r\n").count(),
            "LF in a CRLF file:\n{out:?}"
        );
    } else {
        assert!(!out.contains('\r'), "CR in an LF file:\n{out:?}");
    }
    assert_eq!(
        out.ends_with('\n'),
        text.ends_with('\n'),
        "final newline changed:\n{out:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn restart_is_lossless(
        seed in any::<u64>(),
        docs in 1usize..=3,
        crlf in any::<bool>(),
        final_newline in prop::bool::weighted(0.8),
    ) {
        let generated = generate(seed, docs, crlf, final_newline);
        check(&generated, crlf);
    }
}

/// The generator itself: it must produce what it claims, in every style.
#[test]
fn generator_covers_the_styles() {
    let mut seen = [false; 10];
    for seed in 0..400 {
        let generated = generate(seed, 3, seed % 2 == 0, true);
        let text = &generated.text;
        let flags = [
            text.contains("annotations: {"),
            text.contains("annotations:\n") || text.contains("annotations:\r\n"),
            text.contains("annotations: ~") || text.contains("annotations: null"),
            text.contains("\n- name") || text.contains("\n      - name"),
            text.contains("restartAt:"),
            text.contains("workloadRef:"),
            text.contains("|+"),
            text.contains("# "),
            text.starts_with('\u{feff}'),
            text.contains(": {\n") || text.contains(": {\r\n"),
        ];
        for (seen, flag) in seen.iter_mut().zip(flags) {
            *seen |= flag;
        }
        let manifest =
            Manifest::parse(text, DEFAULT_ANNOTATION).unwrap_or_else(|e| panic!("{e}\n{text}"));
        assert_eq!(manifest.workloads.len(), generated.workloads);
    }
    assert_eq!(seen, [true; 10]);
}

#[test]
#[ignore = "prints samples"]
fn samples() {
    for seed in 0..4 {
        let g = generate(seed, 2, false, seed % 2 == 0);
        println!("=====\n{}\n----- became:\n{}", g.text, restart(&g.text));
    }
}
