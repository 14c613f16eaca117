//! The editor on mutated real manifests: corpus files with workloads, each changed at a few
//! random places by YAML's own tokens (indicators, quotes, comments, anchors and aliases, line
//! breaks, indentation, template braces). Whatever the text became, the editor must not panic,
//! and either refuse it with a reason or return a text that passed its own re-parse check
//! (never `EditError::Verify`, which is the editor's bug), whose workloads then carry the value.
//! Bounded to a few seconds: a fixed sample of files and a fixed number of cases.

use std::path::Path;

use gitops_restart::edit::{DEFAULT_ANNOTATION, EditError, Manifest};
use proptest::prelude::*;
use proptest::sample::Index;

const T: &str = "2026-11-20T00:00:00Z";

/// What a mutation inserts, or replaces a byte with.
const TOKENS: [&str; 24] = [
    ": ", "- ", "#", " #x", "\"", "'", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a\n", "\n",
    "\r\n", "  ", "\t", "|\n", ">-\n", "---\n", "{{ x }}", "? ", "~",
];

/// Up to 60 corpus files that define a workload, in path order.
fn sample() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .filter(|text| {
            Manifest::parse(text, DEFAULT_ANNOTATION).is_ok_and(|m| !m.workloads.is_empty())
        })
        .take(60)
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
}

/// `text` with each `(place, token, replace)` applied: the token inserted at (or replacing the
/// character at) the char boundary nearest the place.
fn mutate(text: &str, edits: &[(Index, usize, bool)]) -> String {
    let mut text = text.to_owned();
    for (place, token, replace) in edits {
        let mut at = place.index(text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let end = if *replace {
            text[at..].chars().next().map_or(at, |c| at + c.len_utf8())
        } else {
            at
        };
        text.replace_range(at..end, TOKENS[*token % TOKENS.len()]);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_edit_of_a_mutated_manifest_passes_the_editors_own_check(
        file in any::<Index>(),
        edits in prop::collection::vec((any::<Index>(), any::<usize>(), any::<bool>()), 1..4),
    ) {
        thread_local! {
            static SAMPLE: Vec<String> = sample();
        }
        let text = SAMPLE.with(|sample| mutate(&sample[file.index(sample.len())], &edits));
        let Ok(manifest) = Manifest::parse(&text, DEFAULT_ANNOTATION) else {
            return Ok(());
        };
        let docs: Vec<usize> = manifest.workloads.iter().map(|w| w.doc).collect();
        match manifest.restart(&docs, DEFAULT_ANNOTATION, T) {
            Err(EditError::Verify { line, message }) => {
                prop_assert!(false, "line {line}: {message}\n{text}");
            }
            Err(_) => {}
            Ok(edited) => {
                let again = Manifest::parse(&edited, DEFAULT_ANNOTATION);
                prop_assert!(again.is_ok(), "{again:?}\n{edited}");
                let again = again.unwrap();
                prop_assert_eq!(again.workloads.len(), docs.len(), "{}", edited);
                for workload in &again.workloads {
                    prop_assert_eq!(workload.restarted_at.as_deref(), Some(T), "{}", edited);
                }
            }
        }
    }
}
