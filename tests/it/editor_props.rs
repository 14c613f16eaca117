//! The lossless editor, by property: random manifests in many styles, checked against an
//! independent YAML loader (serde-saphyr) and a line diff.
//!
//! A manifest is a small tree whose every presentation choice is part of the generated value:
//! comments (full line and trailing), blank lines, quoting, flow or block collections,
//! indentation width 2, 3 or 4, indentless or indented sequences, LF or CRLF, document markers, a
//! final newline or not. The trees come from proptest strategies, so a failing manifest shrinks
//! to a minimal one: fewer documents, entries and comments, plainer choices.

use gitops_restart::edit::{DEFAULT_ANNOTATION, Manifest};
use proptest::prelude::*;
use proptest::sample::{Index, select, subsequence};
use serde_json::Value as Json;
use similar::{DiffTag, TextDiff};

const T: &str = "2026-11-20T00:00:00Z";
const OLD: &str = "2025-01-01T00:00:00Z";

#[derive(Clone, Copy, Debug)]
enum Quote {
    Plain,
    Single,
    Double,
}

/// What surrounds an entry or a sequence item: a full-line comment before it (at column 0 or
/// at the entry's), a blank line before it, a trailing comment.
#[derive(Clone, Debug, Default)]
struct Deco {
    comment: Option<(&'static str, bool)>,
    blank: bool,
    trailing: Option<&'static str>,
}

/// How a mapping is written: block, flow on one line, or (a flow mapping of strings in a block
/// mapping) flow over several lines, with or without a trailing comma.
#[derive(Clone, Copy, Debug, Default)]
struct Style {
    flow: bool,
    lines: bool,
    trailing_comma: bool,
}

#[derive(Clone, Debug)]
struct Entry {
    key: String,
    /// Whether a leaf key is written double-quoted (the keys the editor walks stay plain).
    quoted: bool,
    value: Y,
    deco: Deco,
}

/// The tree a manifest is written from.
#[derive(Clone, Debug)]
enum Y {
    Map(Vec<Entry>, Style),
    Seq(Vec<(Y, Deco)>, bool),
    Str(String, Quote),
    /// A null written as nothing, `~` or `null`.
    Null(&'static str),
    /// A block scalar: header (`|`, `>-`, `|+`...), content lines, and whether a kept (`+`)
    /// scalar ends with a blank line.
    Block(&'static str, Vec<&'static str>, bool),
}

fn plain(s: &str) -> Y {
    Y::Str(s.to_owned(), Quote::Plain)
}

fn entry(key: &str, value: Y) -> Entry {
    Entry {
        key: key.to_owned(),
        quoted: false,
        value,
        deco: Deco::default(),
    }
}

fn map(entries: Vec<(&str, Y)>, flow: bool) -> Y {
    let style = Style {
        flow,
        ..Style::default()
    };
    Y::Map(
        entries.into_iter().map(|(k, v)| entry(k, v)).collect(),
        style,
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

fn chance(probability: f64) -> prop::bool::Weighted {
    prop::bool::weighted(probability)
}

fn deco() -> BoxedStrategy<Deco> {
    (
        prop::option::weighted(0.12, (select(COMMENTS), chance(0.3))),
        chance(0.05),
        prop::option::weighted(0.2, select(COMMENTS)),
    )
        .prop_map(|(comment, blank, trailing)| Deco {
            comment,
            blank,
            trailing,
        })
        .boxed()
}

fn any_quote() -> impl Strategy<Value = Quote> {
    prop_oneof![Just(Quote::Plain), Just(Quote::Single), Just(Quote::Double)]
}

fn string() -> BoxedStrategy<Y> {
    prop_oneof![
        (select(PLAIN_VALUES), any_quote()).prop_map(|(s, q)| Y::Str(s.to_owned(), q)),
        (
            select(QUOTED_VALUES),
            prop_oneof![Just(Quote::Single), Just(Quote::Double)]
        )
            .prop_map(|(s, q)| Y::Str(s.to_owned(), q)),
    ]
    .boxed()
}

fn null() -> BoxedStrategy<Y> {
    select(&["", "~", "null"][..]).prop_map(Y::Null).boxed()
}

fn block_scalar() -> BoxedStrategy<Y> {
    (
        select(&["|", "|-", ">", ">-", "|+", ">+"][..]),
        chance(0.8),
        any::<bool>(),
    )
        .prop_map(|(header, lines, blank)| {
            let lines = if lines {
                vec!["line one", "  indented é", "last"]
            } else {
                vec![]
            };
            Y::Block(header, lines, blank && header.ends_with('+'))
        })
        .boxed()
}

fn style(flow: bool) -> BoxedStrategy<Style> {
    (chance(0.25), chance(0.3))
        .prop_map(move |(lines, trailing_comma)| Style {
            flow,
            lines: flow && lines,
            trailing_comma,
        })
        .boxed()
}

/// A string map of 0..=3 entries (labels or annotations), block scalars among the values of a
/// block map when `block_scalars`.
fn string_map(flow: bool, block_scalars: bool) -> BoxedStrategy<Vec<Entry>> {
    subsequence(KEYS, 0..=3)
        .prop_shuffle()
        .prop_flat_map(move |keys| {
            let value = if block_scalars && !flow {
                prop_oneof![3 => string(), 1 => block_scalar().boxed()].boxed()
            } else {
                string()
            };
            let values = prop::collection::vec((value, chance(0.15), deco()), keys.len());
            (Just(keys), values)
        })
        .prop_map(|(keys, values)| {
            keys.into_iter()
                .zip(values)
                .map(|(key, (value, quoted, deco))| Entry {
                    key: key.to_owned(),
                    quoted,
                    value,
                    deco,
                })
                .collect()
        })
        .boxed()
}

/// The restart value a workload already carries, if any: old or the same, in any quoting.
fn existing_value() -> BoxedStrategy<Option<Y>> {
    prop::option::weighted(
        0.4,
        (prop_oneof![Just(OLD), Just(T)], any_quote()).prop_map(|(v, q)| Y::Str(v.to_owned(), q)),
    )
    .boxed()
}

fn annotations(flow: bool) -> BoxedStrategy<Option<Y>> {
    prop_oneof![
        1 => Just(None),
        1 => null().prop_map(Some),
        3 => (string_map(flow, true), existing_value(), any::<Index>(), style(flow), deco())
            .prop_map(|(mut entries, existing, at, style, deco)| {
                if let Some(value) = existing {
                    let at = at.index(entries.len() + 1);
                    entries.insert(at, Entry { deco, ..entry(DEFAULT_ANNOTATION, value) });
                }
                Some(Y::Map(entries, style))
            }),
    ]
    .boxed()
}

prop_compose! {
    /// Template metadata as a map: labels maybe, annotations maybe (before or after them).
    fn metadata_map()(flow_meta in chance(0.25))(
        flow_meta in Just(flow_meta),
        labels in prop::option::weighted(0.6, chance(0.3).prop_flat_map(move |flow| {
            let flow = flow_meta || flow;
            (string_map(flow, false), style(flow))
        })),
        annots in chance(0.3).prop_flat_map(move |flow| annotations(flow_meta || flow)),
        annotations_first in any::<bool>(),
        decos in (deco(), deco()),
    ) -> Y {
        let mut entries = Vec::new();
        if let Some((labels, style)) = labels {
            entries.push(Entry { deco: decos.0, ..entry("labels", Y::Map(labels, style)) });
        }
        if let Some(annots) = annots {
            let at = if annotations_first { 0 } else { entries.len() };
            entries.insert(at, Entry { deco: decos.1, ..entry("annotations", annots) });
        }
        Y::Map(entries, Style { flow: flow_meta, ..Style::default() })
    }
}

prop_compose! {
    fn pod_template()(
        metadata in prop_oneof![1 => Just(None), 1 => null().prop_map(Some), 4 => metadata_map().boxed().prop_map(Some)],
        flow_containers in chance(0.2),
        image in string(),
        node_selector in prop::option::weighted(0.3, (string(), any::<bool>())),
        metadata_last in chance(0.3),
        decos in (deco(), deco(), deco()),
    ) -> Y {
        let container = map(vec![("name", plain("web")), ("image", image)], flow_containers);
        let containers = Y::Seq(vec![(container, decos.0)], flow_containers);
        let mut pod = vec![Entry { deco: decos.1, ..entry("containers", containers) }];
        if let Some((zone, flow)) = node_selector {
            pod.push(entry("nodeSelector", map(vec![("zone", zone)], flow)));
        }
        let mut entries = vec![entry("spec", Y::Map(pod, Style::default()))];
        if let Some(metadata) = metadata {
            let at = usize::from(metadata_last);
            entries.insert(at, Entry { deco: decos.2, ..entry("metadata", metadata) });
        }
        Y::Map(entries, Style::default())
    }
}

/// A workload document (its name is set when the file is written).
fn workload() -> BoxedStrategy<Y> {
    let kind = select(&["Deployment", "StatefulSet", "DaemonSet", "Rollout"][..]);
    (
        kind,
        prop::option::weighted(0.5, string()),
        chance(0.2),
        chance(0.5),
        prop::option::weighted(0.5, (string(), chance(0.3))),
        pod_template().boxed(),
        prop::option::weighted(0.3, chance(0.3)),
        (existing_value(), any::<Index>(), chance(0.5)),
        prop::option::weighted(0.6, (string(), chance(0.4))),
        prop::collection::vec(deco(), 4),
    )
        .prop_map(
            |(
                kind,
                namespace,
                flow_meta,
                replicas,
                selector,
                template,
                reference,
                rollout,
                claim,
                decos,
            )| {
                let api = if kind == "Rollout" {
                    "argoproj.io/v1alpha1"
                } else {
                    "apps/v1"
                };
                let mut meta = vec![("name", plain("web"))];
                if let Some(namespace) = namespace {
                    meta.push(("namespace", namespace));
                }
                let mut spec = Vec::new();
                if replicas {
                    spec.push(entry("replicas", plain("2")));
                }
                if let Some((app, flow)) = selector {
                    let labels = map(vec![("matchLabels", map(vec![("app", app)], false))], flow);
                    spec.push(entry("selector", labels));
                }
                let template = Entry {
                    deco: decos[0].clone(),
                    ..entry("template", template)
                };
                if kind == "Rollout" {
                    if let Some(flow) = reference {
                        let target = vec![
                            ("apiVersion", plain("apps/v1")),
                            ("kind", plain("Deployment")),
                            ("name", plain("web")),
                        ];
                        spec.push(entry("workloadRef", map(target, flow)));
                    } else {
                        spec.push(template);
                    }
                    let (existing, at, strategy) = rollout;
                    if let Some(value) = existing {
                        let at = at.index(spec.len() + 1);
                        spec.insert(
                            at,
                            Entry {
                                deco: decos[1].clone(),
                                ..entry("restartAt", value)
                            },
                        );
                    }
                    if strategy {
                        let canary = Y::Map(
                            vec![],
                            Style {
                                flow: true,
                                ..Style::default()
                            },
                        );
                        spec.push(entry("strategy", map(vec![("canary", canary)], false)));
                    }
                } else {
                    spec.push(template);
                    if let Some((class, flow)) = claim.filter(|_| kind == "StatefulSet") {
                        let claim = map(
                            vec![
                                ("metadata", map(vec![("name", plain("data"))], false)),
                                ("spec", map(vec![("storageClassName", class)], flow)),
                            ],
                            false,
                        );
                        let claims = Y::Seq(vec![(claim, decos[2].clone())], false);
                        spec.push(entry("volumeClaimTemplates", claims));
                    }
                }
                Y::Map(
                    vec![
                        entry("apiVersion", plain(api)),
                        entry("kind", plain(kind)),
                        Entry {
                            deco: decos[3].clone(),
                            ..entry("metadata", map(meta, flow_meta))
                        },
                        entry("spec", Y::Map(spec, Style::default())),
                    ],
                    Style::default(),
                )
            },
        )
        .boxed()
}

/// A document that is not a workload: a Service, a ConfigMap, a kustomize patch (a Deployment
/// without a pod template), or nothing (a comment-only or empty document).
fn other_document() -> BoxedStrategy<Option<Y>> {
    let name = || ("metadata", map(vec![("name", plain("other"))], false));
    let port = map(vec![("port", plain("80"))], false);
    let service = map(
        vec![
            ("apiVersion", plain("v1")),
            ("kind", plain("Service")),
            name(),
            (
                "spec",
                map(
                    vec![("ports", Y::Seq(vec![(port, Deco::default())], false))],
                    false,
                ),
            ),
        ],
        false,
    );
    let config = Y::Block("|", vec!["a: b", "# not a comment"], false);
    let config_map = map(
        vec![
            ("apiVersion", plain("v1")),
            ("kind", plain("ConfigMap")),
            name(),
            ("data", map(vec![("config", config)], false)),
        ],
        false,
    );
    let patch = map(
        vec![
            ("apiVersion", plain("apps/v1")),
            ("kind", plain("Deployment")),
            name(),
            ("spec", map(vec![("replicas", plain("3"))], false)),
        ],
        false,
    );
    prop_oneof![
        2 => Just(None),
        1 => Just(Some(service)),
        1 => Just(Some(config_map)),
        1 => Just(Some(patch)),
    ]
    .boxed()
}

/// What a document holds.
#[derive(Clone, Debug)]
enum Body {
    Workload(Y),
    Other(Y),
    /// Nothing, or only a comment.
    Empty {
        comment: bool,
    },
}

/// One document of a file and how it is written.
#[derive(Clone, Debug)]
struct Document {
    body: Body,
    step: usize,
    indentless: bool,
    /// Whether the first document starts with a marker (the others always do), and which.
    start: bool,
    marker: &'static str,
    /// Whether `...` ends it.
    end: bool,
}

prop_compose! {
    fn document()(
        body in prop_oneof![
            7 => workload().prop_map(Body::Workload),
            3 => (other_document(), any::<bool>())
                .prop_map(|(d, comment)| d.map_or(Body::Empty { comment }, Body::Other)),
        ],
        step in 2usize..=4,
        indentless in any::<bool>(),
        start in chance(0.3),
        marker in prop_oneof![4 => Just("---"), 1 => Just("--- # next")],
        end in chance(0.15),
    ) -> Document {
        Document { body, step, indentless, start, marker, end }
    }
}

/// A generated file, with how many workloads it holds and its line break.
#[derive(Debug)]
struct Generated {
    text: String,
    workloads: usize,
    crlf: bool,
}

prop_compose! {
    fn file()(
        bom in chance(0.1),
        docs in prop::collection::vec(document().boxed(), 1..=3),
        crlf in any::<bool>(),
        final_newline in chance(0.8),
    ) -> Generated {
        write_file(bom, &docs, crlf, final_newline)
    }
}

fn write_file(bom: bool, docs: &[Document], crlf: bool, final_newline: bool) -> Generated {
    let eol = if crlf { "\r\n" } else { "\n" };
    let mut text = String::new();
    if bom {
        text.push('\u{feff}');
    }
    let mut workloads = 0;
    for (index, doc) in docs.iter().enumerate() {
        if index > 0 || doc.start {
            text.push_str(doc.marker);
            text.push_str(eol);
        }
        let entries = match &doc.body {
            Body::Workload(Y::Map(entries, _)) => {
                workloads += 1;
                let mut entries = entries.clone();
                name_workload(&mut entries, index);
                entries
            }
            Body::Other(Y::Map(entries, _)) => entries.clone(),
            Body::Workload(_) | Body::Other(_) => unreachable!("documents are mappings"),
            Body::Empty { comment } => {
                if *comment {
                    text.push_str("# only a comment");
                    text.push_str(eol);
                }
                Vec::new()
            }
        };
        let mut writer = Writer {
            step: doc.step,
            indentless: doc.indentless,
            eol,
            out: String::new(),
        };
        writer.block_map(&entries, 0);
        text.push_str(&writer.out);
        if doc.end {
            text.push_str("...");
            text.push_str(eol);
        }
    }
    if !final_newline {
        while text.ends_with(eol) {
            text.truncate(text.len() - eol.len());
        }
    }
    Generated {
        text,
        workloads,
        crlf,
    }
}

/// The workload of document `index` is named `web-INDEX`.
fn name_workload(entries: &mut [Entry], index: usize) {
    for e in entries.iter_mut().filter(|e| e.key == "metadata") {
        if let Y::Map(meta, _) = &mut e.value {
            for m in meta.iter_mut().filter(|m| m.key == "name") {
                m.value = plain(&format!("web-{index}"));
            }
        }
    }
}

/// Writes a tree as YAML text, as its presentation choices say.
struct Writer {
    step: usize,
    indentless: bool,
    eol: &'static str,
    out: String,
}

/// The keys the editor walks: written plain, so that the diff check below can recognise the
/// lines it rewrites.
const STRUCTURAL: [&str; 7] = [
    "apiVersion",
    "kind",
    "metadata",
    "spec",
    "template",
    "annotations",
    "restartAt",
];

impl Writer {
    fn line(&mut self, col: usize, text: &str) {
        self.out.push_str(&" ".repeat(col));
        self.out.push_str(text);
        self.out.push_str(self.eol);
    }

    /// The full-line comment and blank line before an entry at `col`.
    fn decoration(&mut self, deco: &Deco, col: usize) {
        if let Some((text, at_zero)) = deco.comment {
            self.line(if at_zero { 0 } else { col }, &format!("# {text}"));
        }
        if deco.blank {
            self.out.push_str(self.eol);
        }
    }

    fn block_map(&mut self, entries: &[Entry], col: usize) {
        for Entry {
            key,
            quoted,
            value,
            deco,
        } in entries
        {
            self.decoration(deco, col);
            let key = if *quoted && !STRUCTURAL.contains(&key.as_str()) && key != DEFAULT_ANNOTATION
            {
                quote(key, Quote::Double)
            } else {
                key.clone()
            };
            let trailing = trailing_comment(deco);
            match value {
                Y::Map(children, style) if !children.is_empty() && !style.flow => {
                    self.line(col, &format!("{key}:{trailing}"));
                    self.block_map(children, col + self.step);
                }
                Y::Map(children, style)
                    if !children.is_empty()
                        && style.lines
                        && children.iter().all(|e| matches!(e.value, Y::Str(..))) =>
                {
                    // A flow mapping over several lines, with comments inside.
                    self.line(col, &format!("{key}: {{"));
                    for (index, child) in children.iter().enumerate() {
                        let last = index + 1 == children.len();
                        let comma = if !last || style.trailing_comma {
                            ","
                        } else {
                            ""
                        };
                        let text = format!(
                            "{}: {}{comma}{}",
                            child.key,
                            flow(&child.value),
                            trailing_comment(&child.deco)
                        );
                        self.line(col + self.step, &text);
                    }
                    self.line(col, &format!("}}{trailing}"));
                }
                Y::Seq(items, false) if !items.is_empty() => {
                    self.line(col, &format!("{key}:{trailing}"));
                    let items_col = if self.indentless {
                        col
                    } else {
                        col + self.step
                    };
                    self.block_seq(items, items_col);
                }
                Y::Block(header, lines, blank) => {
                    self.line(col, &format!("{key}: {header}{trailing}"));
                    for text in lines {
                        self.line(col + self.step, text);
                    }
                    if *blank {
                        // Kept trailing blank lines belong to the scalar.
                        self.out.push_str(self.eol);
                    }
                }
                Y::Null("") => self.line(col, &format!("{key}:{trailing}")),
                other => self.line(col, &format!("{key}: {}{trailing}", flow(other))),
            }
        }
    }

    fn block_seq(&mut self, items: &[(Y, Deco)], col: usize) {
        for (item, deco) in items {
            self.decoration(deco, col);
            let trailing = trailing_comment(deco);
            match item {
                Y::Map(entries, style) if !entries.is_empty() && !style.flow => {
                    let first = &entries[0];
                    self.line(
                        col,
                        &format!("- {}: {}{trailing}", first.key, flow(&first.value)),
                    );
                    self.block_map(&entries[1..], col + 2);
                }
                other => self.line(col, &format!("- {}{trailing}", flow(other))),
            }
        }
    }
}

fn trailing_comment(deco: &Deco) -> String {
    deco.trailing
        .map(|c| format!("  # {c}"))
        .unwrap_or_default()
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
                .map(|e| format!("{}: {}", e.key, flow(&e.value)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Y::Seq(items, _) => {
            let inner: Vec<String> = items.iter().map(|(item, _)| flow(item)).collect();
            format!("[{}]", inner.join(", "))
        }
        Y::Block(..) => unreachable!("block scalars are only generated in block mappings"),
    }
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

fn check(generated: &Generated) {
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
    if generated.crlf {
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
    fn restart_is_lossless(generated in file().boxed()) {
        check(&generated);
    }
}

/// `count` files from a fixed seed.
fn samples(count: usize) -> Vec<Generated> {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = file().boxed();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).unwrap().current())
        .collect()
}

/// The generator itself: it must produce what it claims, in every style.
#[test]
fn generator_covers_the_styles() {
    let mut seen = [false; 10];
    for generated in samples(400) {
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
fn print_samples() {
    for g in samples(4) {
        println!("=====\n{}\n----- became:\n{}", g.text, restart(&g.text));
    }
}
