//! Fitting a report into a size limit: the layer the markdown reports are cut by (the pull
//! request body, the step summary, the review comment), and that a redesign of their sections
//! can reuse as it is.
//!
//! A [`Document`] is a list of [`Section`]s in the order they are shown: fixed text (a header,
//! the steps after merge), never cut, or a list of [`Item`]s, each with a [`Priority`]. An item
//! may hold lines of its own (a group's workloads) that can be cut without cutting the item.
//! [`Document::fit`] shows everything when it fits the [`Budget`]. Otherwise it keeps items by
//! priority, then in document order, while they fit: each item whole or, when it does not fit
//! whole, its head and tail alone, and after every item of that priority as many of its lines
//! as fit. A list with a share (a long table) keeps its priority only for the items within
//! that share of the budget; the rest of it counts as context. An item whose lines don't all
//! fit says how many more there are; a list whose items don't all fit says how many more
//! there are at its end; and one note, after the section the document names (its header),
//! says what was left out and where to see it.
//!
//! Invariants: the result never measures more than the budget (in UTF-16 code units or in
//! bytes: [`Measure`]). Room for every "more" marker and for the note is reserved at its
//! largest before any item is placed, so what is placed can't push them over. Each piece is
//! measured once: fitting is linear in the document's size, plus sorting the items. Only a
//! budget smaller than the fixed sections and the notes (no real sink's) makes the result a
//! cut at the last line that fits.

use std::borrow::Cow;

/// How a sink counts its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// UTF-16 code units: never fewer than characters, however a server counts them (code
    /// points, or UTF-16 units as JavaScript does), so a text within the limit this way is
    /// within it every way a "characters" limit is meant.
    Utf16,
    /// UTF-8 bytes, as a file's size.
    Bytes,
}

/// The most a text may measure, and how it is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub measure: Measure,
    pub limit: usize,
}

impl Budget {
    /// No limit: everything is shown.
    pub const UNLIMITED: Budget = Budget {
        measure: Measure::Bytes,
        limit: usize::MAX,
    };

    /// At most `limit` UTF-16 code units (a "characters" limit).
    pub fn utf16(limit: usize) -> Budget {
        Budget {
            measure: Measure::Utf16,
            limit,
        }
    }

    /// At most `limit` bytes.
    pub fn bytes(limit: usize) -> Budget {
        Budget {
            measure: Measure::Bytes,
            limit,
        }
    }

    /// The size of `text` as this budget counts it.
    pub fn size(self, text: &str) -> usize {
        match self.measure {
            Measure::Bytes => text.len(),
            Measure::Utf16 => text.chars().map(char::len_utf16).sum(),
        }
    }

    /// The budget left after `used`.
    #[must_use]
    pub fn minus(self, used: usize) -> Budget {
        Budget {
            limit: self.limit.saturating_sub(used),
            ..self
        }
    }
}

/// How important an item is: what is kept first when not everything fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    /// What the change does: the workloads it restarts.
    Changes,
    /// What needs a person before the deadline: manual actions, ambiguous workloads,
    /// critical warnings.
    Person,
    /// What to check: warnings, workloads not found, skipped files.
    Check,
    /// Context: notes, workloads with nothing to do.
    Context,
}

/// Says how many were left out, given how many: a "more" marker, or a phrase of the note.
pub type Count = fn(usize) -> String;

/// One entry of a list: a head, lines that may be cut on their own, and a tail.
pub struct Item {
    pub priority: Priority,
    pub head: String,
    /// Cut from the end when the item does not fit whole; `more` then says how many were.
    pub lines: Vec<String>,
    pub tail: String,
    /// The marker after the lines kept, when some were cut (unused without lines).
    pub more: Count,
}

impl Item {
    /// An item that is one piece of text, kept whole or left out.
    pub fn text(priority: Priority, text: String) -> Item {
        Item {
            priority,
            head: text,
            lines: Vec::new(),
            tail: String::new(),
            more: |_| String::new(),
        }
    }
}

/// A list of items under a head, shown when at least one of its items is.
pub struct List {
    pub head: String,
    pub items: Vec<Item>,
    pub tail: String,
    /// The marker at the end of the list, when some of its items were left out.
    pub more: Count,
    /// The phrase for the note: what the items left out are ("3 warnings").
    pub left_out: Count,
    /// The share of the budget, in percent, within which the list's items keep their
    /// priority; past it they count as [`Priority::Context`]: for a list long enough to crowd
    /// out the rest.
    pub share: Option<usize>,
}

/// A part of a document.
pub enum Section {
    /// Shown whole, always.
    Fixed(String),
    List(List),
}

/// What the note is told: a phrase per list with items left out, and whether some item's
/// lines were cut.
pub struct Cut<'a> {
    pub left_out: &'a [String],
    pub lines_cut: bool,
}

/// The note that says what was left out.
pub type Note<'a> = &'a dyn Fn(&Cut<'_>) -> String;

/// A report as sections, in the order they are shown. The note of a cut report goes after the
/// first (the header): the first thing a reader sees after it.
pub struct Document {
    pub sections: Vec<Section>,
}

/// What [`Document::fit`] decided for one list: the lines kept of each item (`None`: left
/// out).
type Shown = Vec<Vec<Option<usize>>>;

/// The room taken while fitting.
struct Fit {
    limit: usize,
    used: usize,
    /// Whether each list's head and tail are counted yet.
    open: Vec<bool>,
}

impl Fit {
    /// Take `size` for list `s`, if it fits.
    fn place(&mut self, s: usize, size: usize) -> bool {
        if self.used + size > self.limit {
            return false;
        }
        self.used += size;
        self.open[s] = true;
        true
    }
}

impl Document {
    /// The document within `budget`: whole when it fits, else cut by priority as the module
    /// says, with `note` after the header.
    pub fn fit(&self, budget: Budget, note: Note<'_>) -> String {
        let size = |text: &str| budget.size(text);
        let whole = self.all_shown();
        let full: usize = self
            .sections
            .iter()
            .map(|section| match section {
                Section::Fixed(text) => size(text),
                Section::List(list) if list.items.is_empty() => 0,
                Section::List(list) => {
                    size(&list.head)
                        + size(&list.tail)
                        + list
                            .items
                            .iter()
                            .map(|item| {
                                size(&item.head)
                                    + size(&item.tail)
                                    + item.lines.iter().map(|l| size(l)).sum::<usize>()
                            })
                            .sum::<usize>()
                }
            })
            .sum();
        if full <= budget.limit {
            return self.render(&whole, None);
        }
        let shown = self.choose(budget, note);
        let text = self.render(&shown, Some(note));
        if size(&text) <= budget.limit {
            text
        } else {
            cut_at_line(&text, budget)
        }
    }

    fn all_shown(&self) -> Shown {
        self.sections
            .iter()
            .map(|section| match section {
                Section::Fixed(_) => Vec::new(),
                Section::List(list) => list.items.iter().map(|i| Some(i.lines.len())).collect(),
            })
            .collect()
    }

    /// Which items, and how many of their lines, fit with the markers and the note: by
    /// priority, each item whole or, when it does not fit whole, its head and tail alone, and
    /// after the items of its priority, as many of its lines as fit. A list's items past its
    /// share of the budget count as context.
    fn choose(&self, budget: Budget, note: Note<'_>) -> Shown {
        let size = |text: &str| budget.size(text);
        let longest = |count: Count, n: usize| size(&count(1)).max(size(&count(n)));
        let lists = || {
            self.sections.iter().filter_map(|s| match s {
                Section::List(list) if !list.items.is_empty() => Some(list),
                _ => None,
            })
        };
        // Reserved at their largest: every fixed section, every list's marker, the note.
        let phrases: Vec<String> = lists()
            .map(|list| {
                let (one, all) = ((list.left_out)(1), (list.left_out)(list.items.len()));
                if size(&one) > size(&all) { one } else { all }
            })
            .collect();
        let mut fit = Fit {
            limit: budget.limit,
            used: size(&note(&Cut {
                left_out: &phrases,
                lines_cut: true,
            })),
            open: vec![false; self.sections.len()],
        };
        for section in &self.sections {
            match section {
                Section::Fixed(text) => fit.used += size(text),
                Section::List(list) if !list.items.is_empty() => {
                    fit.used += longest(list.more, list.items.len());
                }
                Section::List(_) => {}
            }
        }
        let mut shown: Shown = self
            .sections
            .iter()
            .map(|section| match section {
                Section::Fixed(_) => Vec::new(),
                Section::List(list) => vec![None; list.items.len()],
            })
            .collect();
        // Each item, and then its lines, by priority; a list's items past its share as
        // context.
        let mut order: Vec<(Priority, bool, usize, usize)> = Vec::new();
        for (s, section) in self.sections.iter().enumerate() {
            let Section::List(list) = section else {
                continue;
            };
            let mut priorities: Vec<Priority> = list.items.iter().map(|i| i.priority).collect();
            if let Some(percent) = list.share {
                let share = budget.limit / 100 * percent;
                let mut by_priority: Vec<usize> = (0..list.items.len()).collect();
                by_priority.sort_by_key(|&i| list.items[i].priority);
                let mut taken = 0;
                for i in by_priority {
                    let item = &list.items[i];
                    taken += size(&item.head)
                        + size(&item.tail)
                        + item.lines.iter().map(|l| size(l)).sum::<usize>();
                    if taken > share {
                        priorities[i] = priorities[i].max(Priority::Context);
                    }
                }
            }
            for (i, item) in list.items.iter().enumerate() {
                order.push((priorities[i], false, s, i));
                if !item.lines.is_empty() {
                    order.push((priorities[i], true, s, i));
                }
            }
        }
        order.sort_unstable();
        for (_, lines_now, s, i) in order {
            let Section::List(list) = &self.sections[s] else {
                continue;
            };
            let item = &list.items[i];
            if lines_now {
                let Some(mut kept) = shown[s][i] else {
                    continue;
                };
                for line in &item.lines[kept..] {
                    if !fit.place(s, size(line)) {
                        break;
                    }
                    kept += 1;
                }
                shown[s][i] = Some(kept);
                continue;
            }
            let opening = if fit.open[s] {
                0
            } else {
                size(&list.head) + size(&list.tail)
            };
            let frame = opening + size(&item.head) + size(&item.tail);
            let lines: usize = item.lines.iter().map(|l| size(l)).sum();
            if fit.place(s, frame + lines) {
                shown[s][i] = Some(item.lines.len());
            } else if !item.lines.is_empty()
                && fit.place(s, frame + longest(item.more, item.lines.len()))
            {
                shown[s][i] = Some(0);
            }
        }
        shown
    }

    /// The sections with what `shown` keeps; the markers and the note only when `note` is
    /// given (a cut document).
    fn render(&self, shown: &Shown, note: Option<Note<'_>>) -> String {
        let mut out = String::new();
        let mut left_out = Vec::new();
        let mut lines_cut = false;
        let mut lists = String::new();
        // Lists first, to know what the note says; then put together in order.
        let mut parts: Vec<String> = Vec::with_capacity(self.sections.len());
        for (s, section) in self.sections.iter().enumerate() {
            let Section::List(list) = section else {
                parts.push(String::new());
                continue;
            };
            lists.clear();
            let mut missing = 0;
            for (item, kept) in list.items.iter().zip(&shown[s]) {
                let Some(kept) = *kept else {
                    missing += 1;
                    continue;
                };
                lists.push_str(&item.head);
                for line in &item.lines[..kept] {
                    lists.push_str(line);
                }
                if kept < item.lines.len() {
                    lines_cut = true;
                    lists.push_str(&(item.more)(item.lines.len() - kept));
                }
                lists.push_str(&item.tail);
            }
            if missing > 0 {
                left_out.push((list.left_out)(missing));
            }
            if missing == list.items.len() {
                parts.push(String::new());
                continue;
            }
            let mut part = list.head.clone();
            part.push_str(&lists);
            if missing > 0 {
                part.push_str(&(list.more)(missing));
            }
            part.push_str(&list.tail);
            parts.push(part);
        }
        let note = note
            .filter(|_| !left_out.is_empty() || lines_cut)
            .map(|note| {
                note(&Cut {
                    left_out: &left_out,
                    lines_cut,
                })
            });
        if self.sections.is_empty()
            && let Some(note) = &note
        {
            out.push_str(note);
        }
        for (s, (section, part)) in self.sections.iter().zip(parts).enumerate() {
            match section {
                Section::Fixed(text) => out.push_str(text),
                Section::List(_) => out.push_str(&part),
            }
            if s == 0
                && let Some(note) = &note
            {
                out.push_str(note);
            }
        }
        out
    }
}

/// `text` cut after its last whole line within `budget`: the last resort, for a budget too
/// small for the fixed sections.
fn cut_at_line(text: &str, budget: Budget) -> String {
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let n = budget.size(c.encode_utf8(&mut [0; 4]));
        if used + n > budget.limit {
            break;
        }
        used += n;
        if c == '\n' {
            end = i + 1;
        }
    }
    text[..end].to_owned()
}

/// Outside text of at most `max` characters: longer text keeps its first `max - 1` and ends
/// with `…`. For names in the parts never cut (a cluster's name in a header), which no real
/// name comes near.
pub fn shorten(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some(_) => {
            let end = text
                .char_indices()
                .nth(max.saturating_sub(1))
                .map_or(text.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &text[..end]))
        }
    }
}

/// `1 thing` or `n things`.
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `a`, `a and b`, `a, b and c`.
pub fn join(phrases: &[String]) -> String {
    match phrases {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
