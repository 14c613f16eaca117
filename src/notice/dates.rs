//! Dates and times as English prose writes them, found in a text: the text is cut into words,
//! numbers and punctuation, and a small grammar over those tokens reads `November 20, 2026`,
//! `Friday, 20 Nov 2026 09:00 UTC`, `2026-11-20T09:00:00Z`, `at 9 a.m. PST on November 20` and
//! their kin. This module says where each date is and which instant it names; what a date means
//! (a cutoff, a deadline, nothing) is for `prose` to decide from the words around it. It is
//! tested through `prose`. Invariants: nothing panics, whatever the text (tokens are sliced with
//! `get`, numbers are bounded by their digit count, offsets are kept within a day); a time
//! without a zone is UTC, and a zone it does not know is read as UTC; a date without a year
//! takes one only from the reference it is given, never from the clock; dates never overlap.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Number,
    Punct,
    /// A line break: a blank line ends a sentence.
    Break,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
    /// Whitespace precedes the token: `2026-11-20` is one date, `2026 - 11` is not.
    pub(super) spaced: bool,
}

pub(super) fn tokenize(text: &str) -> Vec<Token<'_>> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut spaced = true;
    while let Some((start, c)) = chars.next() {
        if c == '\n' {
            tokens.push(Token {
                kind: Kind::Break,
                text: "\n",
                spaced,
            });
            spaced = true;
            continue;
        }
        if c.is_whitespace() {
            spaced = true;
            continue;
        }
        let kind = if c.is_alphabetic() {
            Kind::Word
        } else if c.is_ascii_digit() {
            Kind::Number
        } else {
            Kind::Punct
        };
        let mut end = start + c.len_utf8();
        if kind != Kind::Punct {
            while let Some(&(i, next)) = chars.peek() {
                let same = match kind {
                    Kind::Word => next.is_alphabetic(),
                    _ => next.is_ascii_digit(),
                };
                if !same {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        tokens.push(Token {
            kind,
            text: text.get(start..end).unwrap_or(""),
            spaced,
        });
        spaced = false;
    }
    tokens
}

/// A date found in the text: its token range and the instant it names.
#[derive(Debug)]
pub(super) struct TextDate {
    pub(super) first: usize,
    pub(super) end: usize,
    pub(super) at: DateTime<Utc>,
}

pub(super) fn find_dates(tokens: &[Token], reference: Option<DateTime<Utc>>) -> Vec<TextDate> {
    let mut dates = Vec::new();
    let mut i = 0;
    let mut floor = 0;
    while i < tokens.len() {
        if let Some(date) = date_at(tokens, i, floor, reference) {
            i = date.end;
            floor = date.end;
            dates.push(date);
        } else {
            i += 1;
        }
    }
    dates
}

/// A cursor over tokens; every `*` method consumes only on success.
struct Cursor<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
}

impl<'a> Cursor<'_, 'a> {
    fn peek(&self) -> Option<Token<'a>> {
        self.tokens.get(self.pos).copied()
    }

    /// The next token if it satisfies `accept` (and, with `adjacent`, touches the previous one).
    fn take(&mut self, adjacent: bool, accept: impl Fn(&Token) -> bool) -> Option<Token<'a>> {
        let token = self.peek()?;
        if (adjacent && token.spaced) || !accept(&token) {
            return None;
        }
        self.pos += 1;
        Some(token)
    }

    fn punct(&mut self, adjacent: bool, p: &str) -> bool {
        self.take(adjacent, |t| t.kind == Kind::Punct && t.text == p)
            .is_some()
    }

    fn word(&mut self, adjacent: bool, words: &[&str]) -> Option<usize> {
        let token = self.peek()?;
        let lower = token.text.to_ascii_lowercase();
        let index = words.iter().position(|w| *w == lower)?;
        self.take(adjacent, |t| t.kind == Kind::Word).map(|_| index)
    }

    fn number(&mut self, adjacent: bool, digits: std::ops::RangeInclusive<usize>) -> Option<u32> {
        let token = self.take(adjacent, |t| {
            t.kind == Kind::Number && digits.contains(&t.text.len())
        })?;
        token.text.parse().ok()
    }

    /// Run `f`; on `None` put the cursor back where it was.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<T> {
        let saved = self.pos;
        let result = f(self);
        if result.is_none() {
            self.pos = saved;
        }
        result
    }
}

pub(super) const WEEKDAYS: &[&str] = &[
    "monday",
    "mon",
    "tuesday",
    "tue",
    "tues",
    "wednesday",
    "wed",
    "thursday",
    "thu",
    "thur",
    "thurs",
    "friday",
    "fri",
    "saturday",
    "sat",
    "sunday",
    "sun",
];

/// Month names and abbreviations, with the month's number.
const MONTHS: &[(&str, u32)] = &[
    ("january", 1),
    ("jan", 1),
    ("february", 2),
    ("feb", 2),
    ("march", 3),
    ("mar", 3),
    ("april", 4),
    ("apr", 4),
    ("may", 5),
    ("june", 6),
    ("jun", 6),
    ("july", 7),
    ("jul", 7),
    ("august", 8),
    ("aug", 8),
    ("september", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("oct", 10),
    ("november", 11),
    ("nov", 11),
    ("december", 12),
    ("dec", 12),
];

/// Time zone abbreviations AWS and its readers write, as seconds east of UTC. Ambiguous ones
/// (IST) are left out: a time in an unknown zone is read as UTC.
const ZONES: &[(&str, i32)] = &[
    ("utc", 0),
    ("gmt", 0),
    ("ut", 0),
    ("z", 0),
    ("pst", -8 * 3600),
    ("pdt", -7 * 3600),
    ("mst", -7 * 3600),
    ("mdt", -6 * 3600),
    ("cst", -6 * 3600),
    ("cdt", -5 * 3600),
    ("est", -5 * 3600),
    ("edt", -4 * 3600),
    ("cet", 3600),
    ("cest", 2 * 3600),
    ("eet", 2 * 3600),
    ("eest", 3 * 3600),
    ("bst", 3600),
    ("sgt", 8 * 3600),
    ("jst", 9 * 3600),
    ("kst", 9 * 3600),
    ("aest", 10 * 3600),
    ("aedt", 11 * 3600),
];

pub(super) fn is_word_in(token: &Token, words: &[&str]) -> bool {
    token.kind == Kind::Word && words.contains(&token.text.to_ascii_lowercase().as_str())
}

pub(super) fn month_of(token: &Token) -> Option<u32> {
    if token.kind != Kind::Word {
        return None;
    }
    let lower = token.text.to_ascii_lowercase();
    MONTHS
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|&(_, m)| m)
}

/// The date (with its time, if written next to it) that starts at token `i`. `floor` is where
/// the previous date ended: a time written before this date must not reach into it.
fn date_at(
    tokens: &[Token],
    i: usize,
    floor: usize,
    reference: Option<DateTime<Utc>>,
) -> Option<TextDate> {
    let mut cursor = Cursor { tokens, pos: i };
    let c = &mut cursor;
    c.attempt(|c| {
        c.word(false, WEEKDAYS)?;
        c.punct(true, ".");
        c.punct(true, ",");
        Some(())
    });
    let (date, iso) = if let Some(date) = c.attempt(iso_date) {
        (date, true)
    } else {
        let date = c
            .attempt(|c| month_first(c, reference))
            .or_else(|| c.attempt(|c| day_first(c, reference)))?;
        (date, false)
    };
    let mut first = i;
    let mut clock = iso.then(|| c.attempt(iso_clock)).flatten();
    if clock.is_none() {
        clock = c.attempt(clock_after);
    }
    if clock.is_none() {
        // "at 09:00 UTC on November 20, 2026": the time comes first.
        if let Some((start, time)) = clock_before(tokens, i, floor) {
            first = start;
            clock = Some(time);
        }
    }
    let (time, offset) = clock.unwrap_or((NaiveTime::MIN, 0));
    let zone = FixedOffset::east_opt(offset)?;
    let at = zone
        .from_local_datetime(&date.and_time(time))
        .single()?
        .with_timezone(&Utc);
    Some(TextDate {
        first,
        end: cursor.pos,
        at,
    })
}

/// `2026-11-20` or `2026/11/20`.
fn iso_date(c: &mut Cursor) -> Option<NaiveDate> {
    let year = c.number(false, 4..=4)?;
    let separator = c.peek()?.text;
    if separator != "-" && separator != "/" {
        return None;
    }
    c.punct(true, separator).then_some(())?;
    let month = c.number(true, 1..=2)?;
    c.punct(true, separator).then_some(())?;
    let day = c.number(true, 1..=2)?;
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// `November 20, 2026`, `Nov. 20th 2026`, or `November 20` (year from the reference).
fn month_first(c: &mut Cursor, reference: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    let year = c.attempt(|c| {
        c.punct(true, ",");
        c.number(false, 4..=4)
    });
    resolve(year, month, day, reference)
}

/// `20 November 2026`, `20th of Nov 2026`: the year is required, else "5 pods" could start one.
fn day_first(c: &mut Cursor, reference: Option<DateTime<Utc>>) -> Option<NaiveDate> {
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    c.word(false, &["of"]);
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    c.punct(true, ",");
    let year = c.number(false, 4..=4)?;
    resolve(Some(year), month, day, reference)
}

/// The date, with a missing year taken from the reference: the year that puts the date no more
/// than about three months before the notice was issued.
fn resolve(
    year: Option<u32>,
    month: u32,
    day: u32,
    reference: Option<DateTime<Utc>>,
) -> Option<NaiveDate> {
    if let Some(year) = year {
        return NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day);
    }
    let reference = reference?.date_naive();
    let this_year = NaiveDate::from_ymd_opt(reference.year(), month, day)?;
    if (reference - this_year).num_days() > 90 {
        NaiveDate::from_ymd_opt(reference.year() + 1, month, day)
    } else {
        Some(this_year)
    }
}

/// `T09:00:00Z`, `T09:00:00.123+02:00` right after an ISO date.
fn iso_clock(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    c.take(true, |t| {
        t.kind == Kind::Word && t.text.eq_ignore_ascii_case("t")
    })?;
    let time = hours_minutes(c, true)?;
    Some((time, zone(c).unwrap_or(0)))
}

/// `, at 09:00 UTC`, `09:00:00 GMT`, `9 AM PDT`, `12:00 p.m.` after a date.
fn clock_after(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    c.punct(true, ",");
    c.word(false, &["at"]);
    clock(c)
}

fn clock(c: &mut Cursor) -> Option<(NaiveTime, i32)> {
    let time = hours_minutes(c, false)?;
    Some((time, zone(c).unwrap_or(0)))
}

/// A time of day. A bare number is not one: it needs `:MM` or AM/PM.
fn hours_minutes(c: &mut Cursor, adjacent: bool) -> Option<NaiveTime> {
    let hour = c.number(adjacent, 1..=2)?;
    let mut minute = 0;
    let mut second = 0;
    let mut nanos = 0;
    let with_minutes = c.punct(true, ":");
    if with_minutes {
        minute = c.number(true, 2..=2)?;
        if c.punct(true, ":") {
            second = c.number(true, 2..=2)?;
            if c.punct(true, ".") {
                let digits = c.take(true, |t| t.kind == Kind::Number)?.text;
                let nine: String = digits.chars().take(9).collect();
                nanos = format!("{nine:0<9}").parse().ok()?;
            }
        }
    }
    let meridiem = c.attempt(|c| {
        if let Some(i) = c.word(false, &["am", "pm"]) {
            return Some(i == 1);
        }
        // a.m. / p.m.
        let pm = c.word(false, &["a", "p"])? == 1;
        c.punct(true, ".").then_some(())?;
        c.word(true, &["m"])?;
        c.punct(true, ".");
        Some(pm)
    });
    let hour = match meridiem {
        None if !with_minutes => return None,
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return None,
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
}

/// A zone after a time: `UTC`, `GMT+2`, `(UTC)`, `Z`, `+02:00`, `PDT`.
fn zone(c: &mut Cursor) -> Option<i32> {
    c.attempt(|c| {
        let parenthesised = c.punct(false, "(");
        let token = c.peek()?;
        let lower = token.text.to_ascii_lowercase();
        let mut offset = if token.kind == Kind::Word {
            let &(_, offset) = ZONES.iter().find(|(name, _)| *name == lower)?;
            c.pos += 1;
            // UTC+2, GMT-05:00
            if offset == 0 {
                offset + c.attempt(|c| numeric_offset(c, true)).unwrap_or(0)
            } else {
                offset
            }
        } else {
            // A numeric offset must touch the time, or "09:00 - 17:00" would read as one.
            numeric_offset(c, !parenthesised)?
        };
        if parenthesised {
            c.punct(false, ")").then_some(())?;
        }
        // Keep within what FixedOffset accepts, whatever was written.
        if offset.abs() >= 24 * 3600 {
            offset = 0;
        }
        Some(offset)
    })
}

/// `+02:00`, `-0500`, `+2`.
fn numeric_offset(c: &mut Cursor, adjacent: bool) -> Option<i32> {
    let sign = if c.punct(adjacent, "+") {
        1
    } else if c.punct(adjacent, "-") {
        -1
    } else {
        return None;
    };
    let digits = c
        .take(true, |t| t.kind == Kind::Number && t.text.len() <= 4)?
        .text;
    let (hours, mut minutes) = if digits.len() > 2 {
        let (h, m) = digits.split_at(digits.len() - 2);
        (h.parse::<i32>().ok()?, m.parse::<i32>().ok()?)
    } else {
        (digits.parse::<i32>().ok()?, 0)
    };
    if c.punct(true, ":") {
        minutes = i32::try_from(c.number(true, 2..=2)?).ok()?;
    }
    Some(sign * (hours * 3600 + minutes * 60))
}

/// A time written just before the date (`at 09:00 UTC on Friday, November 20, 2026`): where it
/// starts, and what it says.
fn clock_before(tokens: &[Token], date: usize, floor: usize) -> Option<(usize, (NaiveTime, i32))> {
    let mut end = date;
    if end > floor && tokens.get(end - 1).is_some_and(|t| is_word_in(t, &["on"])) {
        end -= 1;
    }
    if end > floor
        && tokens
            .get(end - 1)
            .is_some_and(|t| t.kind == Kind::Punct && t.text == ",")
    {
        end -= 1;
    }
    (floor.max(end.saturating_sub(10))..end).find_map(|start| {
        let mut c = Cursor { tokens, pos: start };
        let time = clock(&mut c)?;
        (c.pos == end).then_some((start, time))
    })
}
