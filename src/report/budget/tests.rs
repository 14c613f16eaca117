use super::*;

fn note(cut: &Cut<'_>) -> String {
    format!(
        "NOTE: {}{}\n",
        join(cut.left_out),
        if cut.lines_cut { " +lines" } else { "" }
    )
}

fn list(title: &str, items: Vec<Item>) -> Section {
    Section::List(List {
        head: format!("# {title}\n"),
        items,
        tail: String::new(),
        more: |n| format!("({n} more)\n"),
        left_out: |n| count(n, "item", "items"),
        share: None,
    })
}

fn item(priority: Priority, text: &str) -> Item {
    Item::text(priority, format!("{text}\n"))
}

/// The first `n` lines of the group of [`document`].
fn lines(n: usize) -> String {
    (0..n)
        .map(|i| format!(" line{i:02}\n"))
        .collect::<Vec<_>>()
        .concat()
}

fn document() -> Document {
    Document {
        sections: vec![
            Section::Fixed("HEAD\n".to_owned()),
            list(
                "a",
                vec![
                    item(Priority::Context, "a1 context"),
                    item(Priority::Changes, "a2 changes"),
                ],
            ),
            list(
                "b",
                vec![Item {
                    priority: Priority::Person,
                    head: "b1\n".to_owned(),
                    lines: (0..20).map(|i| format!(" line{i:02}\n")).collect(),
                    tail: "end\n".to_owned(),
                    more: |n| format!(" …{n}\n"),
                }],
            ),
            list("empty", vec![]),
            Section::Fixed("FOOT\n".to_owned()),
        ],
    }
}

#[test]
fn a_document_that_fits_is_whole_without_a_note() {
    let text = document().fit(Budget::UNLIMITED, &note);
    let lines = lines(20);
    assert_eq!(
        text,
        format!("HEAD\n# a\na1 context\na2 changes\n# b\nb1\n{lines}end\nFOOT\n")
    );
    let exact = document().fit(Budget::bytes(text.len()), &note);
    assert_eq!(exact, text, "a budget of exactly its size is enough");
}

#[test]
fn priorities_decide_what_is_kept_and_the_note_says_what_is_not() {
    let whole = document().fit(Budget::UNLIMITED, &note).len();
    for limit in (0..whole).rev() {
        let text = document().fit(Budget::bytes(limit), &note);
        assert!(text.len() <= limit, "{limit}: {text:?}");
        if text.contains("b1") || text.contains("a1") {
            assert!(text.contains("a2 changes"), "{limit}: {text:?}");
        }
    }
    // One byte short: the context goes, and the lines of the group that don't fit with the
    // markers and the note, which say so.
    let lines = lines(14);
    assert_eq!(
        document().fit(Budget::bytes(whole - 1), &note),
        format!(
            "HEAD\nNOTE: 1 item +lines\n# a\na2 changes\n(1 more)\n# b\nb1\n{lines} …6\nend\nFOOT\n"
        )
    );
    assert_eq!(
        document().fit(Budget::bytes(100), &note),
        "HEAD\nNOTE: 1 item +lines\n# a\na2 changes\n(1 more)\n# b\nb1\n …20\nend\nFOOT\n"
    );
    // Without room for the group, what is smaller and still fits is shown.
    assert_eq!(
        document().fit(Budget::bytes(92), &note),
        "HEAD\nNOTE: 1 item\n# a\na1 context\na2 changes\nFOOT\n"
    );
    // Too small for the fixed sections and the notes: cut after a line.
    assert_eq!(document().fit(Budget::bytes(29), &note), "HEAD\n");
}

#[test]
fn past_its_share_a_list_is_context() {
    let doc = |share| Document {
        sections: vec![
            Section::List(List {
                head: String::new(),
                items: (0..30).map(|_| item(Priority::Changes, "row")).collect(),
                tail: String::new(),
                more: |n| format!("({n} more)\n"),
                left_out: |n| count(n, "row", "rows"),
                share,
            }),
            list("person", vec![item(Priority::Person, "needs a person")]),
        ],
    };
    let budget = Budget::bytes(100);
    assert!(!doc(None).fit(budget, &note).contains("needs a person"));
    let text = doc(Some(20)).fit(budget, &note);
    assert!(text.contains("needs a person"), "{text}");
    assert_eq!(text.matches("row\n").count(), 6, "{text}");
}

#[test]
fn utf16_counts_what_javascript_counts() {
    let budget = Budget::utf16(10);
    assert_eq!(budget.size("abc"), 3);
    assert_eq!(budget.size("é"), 1);
    assert_eq!(budget.size("🦀"), 2);
    assert_eq!(Budget::bytes(10).size("🦀"), 4);
    let doc = Document {
        sections: vec![
            Section::Fixed("🦀🦀\n".to_owned()),
            list("x", (0..20).map(|_| item(Priority::Check, "🦀")).collect()),
        ],
    };
    for limit in 0..80 {
        let text = doc.fit(Budget::utf16(limit), &note);
        assert!(Budget::utf16(limit).size(&text) <= limit, "{limit}: {text}");
    }
}

#[test]
fn shorten_and_phrases() {
    assert_eq!(shorten("abcdef", 6), "abcdef");
    assert_eq!(shorten("abcdefg", 6), "abcde…");
    assert_eq!(shorten("ééééééé", 3), "éé…");
    assert_eq!(count(1, "row", "rows"), "1 row");
    assert_eq!(count(3, "row", "rows"), "3 rows");
    assert_eq!(join(&[]), "");
    assert_eq!(join(&["a".to_owned()]), "a");
    assert_eq!(
        join(&["a".to_owned(), "b".to_owned(), "c".to_owned()]),
        "a, b and c"
    );
}
