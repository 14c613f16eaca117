//! Repeated notes grouped: the same warning, or the same reason, about many workloads is shown
//! once with a count and the workloads listed, instead of once per workload.
//!
//! A [`Note`] is one line a report would show: a finding (its code and severity) or the reason
//! of a decision (its action), about a workload or about the run. [`group`] turns the notes
//! into [`Entry`]s, in the order of each entry's first note:
//!
//! - [`Entry::Same`]: [`GROUP_MIN`] or more notes about workloads with the same topic and the
//!   same text once each workload's own names are factored out (its `namespace/Kind/name`, its
//!   namespace and its name, where they stand as whole words, become `<workload>`,
//!   `<namespace>` and `<name>`): the text once, and the workloads.
//! - [`Entry::Code`] (findings only, when asked): [`CODE_MIN`] or more of the findings left
//!   with the same code and severity, each with its own text: a list long enough to fold.
//! - [`Entry::One`]: any other note, as it is.
//!
//! Below [`GROUP_MIN`] nothing is grouped, so a small report reads as a list. Factoring out is
//! sound: a note's text is its group's text with the placeholders filled in by its own
//! workload's names, so a group never merges two texts that say different things.

use std::collections::HashMap;

use crate::model::{Code, Finding, Severity, WorkloadId};
use crate::plan::Action;

/// How many notes make a group: a note twice is still read as a list.
pub const GROUP_MIN: usize = 3;

/// How many findings of one code, each with its own text, make a group: a few read better
/// as a list, where a group would only fold them.
pub const CODE_MIN: usize = 10;

/// What a note is: a finding's code and severity, or a decision's action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    Finding(Code, Severity),
    Reason(Action),
}

impl Topic {
    /// Its name in a report: the finding's code, or the action.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Finding(code, _) => code.as_str(),
            Topic::Reason(action) => action.as_str(),
        }
    }
}

/// One line a report would show.
#[derive(Debug, Clone)]
pub struct Note {
    pub topic: Topic,
    /// The workload it is about; `None` for the run's own findings.
    pub who: Option<WorkloadId>,
    /// The finding's text (place in front) or the reason.
    pub text: String,
}

impl Note {
    /// A finding about `who` (or the run), shown as [`Finding::text`].
    pub fn finding(who: Option<WorkloadId>, finding: &Finding) -> Note {
        Note {
            topic: Topic::Finding(finding.code, finding.severity),
            who,
            text: finding.text(),
        }
    }

    /// Every workload's findings, in order, then the run's.
    pub fn findings<'a>(
        workloads: impl IntoIterator<Item = (WorkloadId, &'a [Finding])>,
        run: &'a [Finding],
    ) -> Vec<Note> {
        workloads
            .into_iter()
            .flat_map(|(who, findings)| {
                findings
                    .iter()
                    .map(move |f| Note::finding(Some(who.clone()), f))
            })
            .chain(run.iter().map(|f| Note::finding(None, f)))
            .collect()
    }

    /// The reason of `who`'s decision.
    pub fn reason(who: WorkloadId, action: Action, reason: &str) -> Note {
        Note {
            topic: Topic::Reason(action),
            who: Some(who),
            text: reason.to_owned(),
        }
    }
}

/// What a report shows for one or more notes.
#[derive(Debug, Clone)]
pub enum Entry {
    One(Note),
    /// The same text about several workloads.
    Same {
        topic: Topic,
        /// The text with the workloads' own names as `<workload>`, `<namespace>`, `<name>`.
        text: String,
        whom: Vec<WorkloadId>,
    },
    /// Findings of one code and severity, each with its own text.
    Code {
        topic: Topic,
        notes: Vec<Note>,
    },
}

impl Entry {
    pub fn topic(&self) -> Topic {
        match self {
            Entry::One(note) => note.topic,
            Entry::Same { topic, .. } | Entry::Code { topic, .. } => *topic,
        }
    }
}

/// The notes as entries: see the module documentation. `by_code` groups the findings left
/// over by code.
pub fn group(notes: Vec<Note>, by_code: bool) -> Vec<Entry> {
    // Where each note goes: its own entry, or the group led by the note at that index.
    let mut leader: Vec<usize> = (0..notes.len()).collect();
    let mut templates: Vec<Option<String>> = vec![None; notes.len()];
    let mut same: HashMap<(Topic, &str), Vec<usize>> = HashMap::new();
    for (i, note) in notes.iter().enumerate() {
        if let Some(who) = &note.who {
            templates[i] = Some(factor_out(&note.text, who));
        }
    }
    for (i, note) in notes.iter().enumerate() {
        if let Some(template) = &templates[i] {
            same.entry((note.topic, template.as_str()))
                .or_default()
                .push(i);
        }
    }
    let mut grouped = vec![false; notes.len()];
    let mut kind_same = vec![false; notes.len()];
    for members in same.values().filter(|m| m.len() >= GROUP_MIN) {
        for &i in members {
            leader[i] = members[0];
            grouped[i] = true;
        }
        kind_same[members[0]] = true;
    }
    if by_code {
        let mut by_topic: HashMap<Topic, Vec<usize>> = HashMap::new();
        for (i, note) in notes.iter().enumerate() {
            if !grouped[i] && matches!(note.topic, Topic::Finding(..)) {
                by_topic.entry(note.topic).or_default().push(i);
            }
        }
        for members in by_topic.values().filter(|m| m.len() >= CODE_MIN) {
            for &i in members {
                leader[i] = members[0];
                grouped[i] = true;
            }
        }
    }
    let mut members: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, &lead) in leader.iter().enumerate() {
        if grouped[i] {
            members.entry(lead).or_default().push(i);
        }
    }
    let mut notes: Vec<Option<Note>> = notes.into_iter().map(Some).collect();
    let mut entries = Vec::new();
    for i in 0..notes.len() {
        if !grouped[i] {
            entries.extend(notes[i].take().map(Entry::One));
            continue;
        }
        let Some(group) = members.remove(&i) else {
            continue;
        };
        let topic = notes[i]
            .as_ref()
            .map_or(Topic::Reason(Action::Bump), |n| n.topic);
        if kind_same[i] {
            let text = templates[i].take().unwrap_or_default();
            let whom = group
                .iter()
                .filter_map(|&m| notes[m].take().and_then(|n| n.who))
                .collect();
            entries.push(Entry::Same { topic, text, whom });
        } else {
            let notes = group.iter().filter_map(|&m| notes[m].take()).collect();
            entries.push(Entry::Code { topic, notes });
        }
    }
    entries
}

/// `text` with `who`'s names, where they stand as whole words, as `<workload>`,
/// `<namespace>` and `<name>`; one pass, so a placeholder is never matched again.
pub fn factor_out(text: &str, who: &WorkloadId) -> String {
    let id = who.to_string();
    let mut names: Vec<(&str, &str)> = vec![(id.as_str(), "<workload>")];
    if let Some(namespace) = who.namespace.as_deref().filter(|n| !n.is_empty()) {
        names.push((namespace, "<namespace>"));
    }
    if !who.name.is_empty() {
        names.push((&who.name, "<name>"));
    }
    let word = |c: char| c.is_alphanumeric() || c == '-' || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut after_word = false;
    'scan: while let Some(c) = rest.chars().next() {
        if !after_word {
            for (name, placeholder) in &names {
                if let Some(tail) = rest.strip_prefix(name)
                    && !tail.starts_with(word)
                {
                    out.push_str(placeholder);
                    rest = tail;
                    after_word = true;
                    continue 'scan;
                }
            }
        }
        out.push(c);
        after_word = word(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;

    fn id(namespace: &str, name: &str) -> WorkloadId {
        WorkloadId::new(Some(namespace), Kind::Pod, name)
    }

    fn no_pdb(who: &WorkloadId) -> Note {
        Note::finding(
            Some(who.clone()),
            &Finding::warning(Code::NoPdb, "no PodDisruptionBudget selects these pods"),
        )
    }

    #[test]
    fn names_are_factored_out_as_whole_words_only() {
        let who = id("shop", "web");
        assert_eq!(
            factor_out("kubectl -n shop delete pod web; see shop/Pod/web", &who),
            "kubectl -n <namespace> delete pod <name>; see <workload>"
        );
        assert_eq!(
            factor_out("webhook shopping web-2 web.", &who),
            "webhook shopping web-2 <name>."
        );
        // A name that is a placeholder's word is not matched inside the placeholder.
        let odd = id("name", "namespace");
        assert_eq!(factor_out("name namespace", &odd), "<namespace> <name>");
    }

    #[test]
    fn three_alike_are_one_entry_two_stay_a_list() {
        let (a, b, c) = (id("shop", "a"), id("shop", "b"), id("pay", "c"));
        let manual = |who: &WorkloadId| {
            let ns = who.namespace.clone().unwrap();
            Note::reason(
                who.clone(),
                Action::Manual,
                &format!("delete it: kubectl -n {ns} delete pod {}", who.name),
            )
        };
        let notes = vec![
            no_pdb(&a),
            manual(&a),
            no_pdb(&b),
            manual(&b),
            Note::finding(None, &Finding::warning(Code::SnapshotNoPods, "no pods")),
        ];
        let entries = group(notes.clone(), true);
        assert_eq!(entries.len(), 5, "{entries:#?}");
        assert!(entries.iter().all(|e| matches!(e, Entry::One(_))));

        let mut notes = notes;
        notes.push(no_pdb(&c));
        notes.push(manual(&c));
        let entries = group(notes, true);
        assert_eq!(entries.len(), 3, "{entries:#?}");
        let Entry::Same { text, whom, .. } = &entries[0] else {
            panic!("{entries:#?}")
        };
        assert_eq!(text, "no PodDisruptionBudget selects these pods");
        assert_eq!(whom, &[a.clone(), b.clone(), c.clone()]);
        let Entry::Same { text, whom, topic } = &entries[1] else {
            panic!("{entries:#?}")
        };
        assert_eq!(text, "delete it: kubectl -n <namespace> delete pod <name>");
        assert_eq!(whom.len(), 3);
        assert_eq!(*topic, Topic::Reason(Action::Manual));
        assert!(matches!(&entries[2], Entry::One(n) if n.who.is_none()));
    }

    #[test]
    fn findings_of_one_code_with_their_own_texts_group_by_code() {
        let notes: Vec<Note> = (0..CODE_MIN)
            .map(|i| {
                Note::finding(
                    None,
                    &Finding::warning(Code::SnapshotItemSkipped, format!("items[{i}]: bad")),
                )
            })
            .chain([Note::reason(id("a", "b"), Action::Skipped, "x")])
            .collect();
        let entries = group(notes.clone(), true);
        assert_eq!(entries.len(), 2);
        let Entry::Code { notes: members, .. } = &entries[0] else {
            panic!("{entries:#?}")
        };
        assert_eq!(members.len(), CODE_MIN);
        assert_eq!(members[3].text, "items[3]: bad");
        assert_eq!(
            group(notes.clone(), false).len(),
            CODE_MIN + 1,
            "by code only when asked"
        );
        let fewer = notes[1..].to_vec();
        assert_eq!(group(fewer, true).len(), CODE_MIN, "a few stay a list");
    }
}
