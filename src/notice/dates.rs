//! Dates and times as English prose writes them, found in a text: the text is cut into words,
//! numbers and punctuation, and a small grammar over those tokens reads `November 20, 2026`,
//! `Friday, 20 Nov 2026 09:00 UTC`, `2026-11-20T09:00:00Z`, `at 9 a.m. PST on November 20` and
//! their kin. This module says where each date is and which instant it names; what a date means
//! (a cutoff, a deadline, nothing) is for `prose` to decide from the words around it. It is
//! tested through `prose`. Invariants: nothing panics, whatever the text (tokens are sliced with
//! `get`, numbers are bounded by their digit count); a time without a zone is UTC; a date
//! without a year takes one only from the reference it is given, never from the clock; dates
//! never overlap. What looks like a date but names no instant is found all the same, with the
//! reason instead of the instant, never dropped or guessed: a day or a time of day that does not
//! exist (`February 30`, `25:00`), a zone it does not know (`PT`, `Pacific Time`) or that names
//! several (`IST`), a year it cannot tell. A zone abbreviation it knows but that is not UTC
//! (`PST`, `CET`) is read as its one fixed offset whatever the date, and the date says so
//! ([`TextDate::assumed`]).

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
    /// Where the token starts in the text, in bytes.
    pub(super) start: usize,
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
                start,
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
            start,
            spaced,
        });
        spaced = false;
    }
    tokens
}

/// A date found in the text: its token range, and the instant it names or why it names none.
#[derive(Debug)]
pub(super) struct TextDate {
    pub(super) first: usize,
    pub(super) end: usize,
    /// The instant, or why the text names none (`there is no February 30`).
    pub(super) at: Result<DateTime<Utc>, String>,
    /// The zone abbreviation read by assumption, and as what (`PST` as UTC-08:00, US Pacific
    /// Standard Time); `None` for UTC, a numeric offset, or no zone.
    pub(super) assumed: Option<String>,
}

/// The text a token range covers, as written.
pub(super) fn span<'a>(text: &'a str, tokens: &[Token], first: usize, end: usize) -> &'a str {
    let (Some(a), Some(b)) = (
        tokens.get(first),
        end.checked_sub(1).and_then(|e| tokens.get(e)),
    ) else {
        return "";
    };
    text.get(a.start..b.start + b.text.len()).unwrap_or("")
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

/// Zone abbreviations read as one fixed offset (seconds east of UTC) whatever the date, with
/// what each is taken to mean (`None` for the names of UTC itself). The US ones are what AWS
/// writes; the others name one zone only. An abbreviation that names several is in
/// [`AMBIGUOUS`], and any other is refused ([`unknown_zone`]): never read as UTC.
const ZONES: &[(&str, i32, Option<&str>)] = &[
    ("utc", 0, None),
    ("gmt", 0, None),
    ("ut", 0, None),
    ("z", 0, None),
    ("pst", -8 * 3600, Some("US Pacific Standard Time")),
    ("pdt", -7 * 3600, Some("US Pacific Daylight Time")),
    ("mst", -7 * 3600, Some("US Mountain Standard Time")),
    ("mdt", -6 * 3600, Some("US Mountain Daylight Time")),
    ("cdt", -5 * 3600, Some("US Central Daylight Time")),
    ("est", -5 * 3600, Some("US Eastern Standard Time")),
    ("edt", -4 * 3600, Some("US Eastern Daylight Time")),
    ("akst", -9 * 3600, Some("Alaska Standard Time")),
    ("akdt", -8 * 3600, Some("Alaska Daylight Time")),
    ("hst", -10 * 3600, Some("Hawaii Standard Time")),
    ("cet", 3600, Some("Central European Time")),
    ("cest", 2 * 3600, Some("Central European Summer Time")),
    ("eet", 2 * 3600, Some("Eastern European Time")),
    ("eest", 3 * 3600, Some("Eastern European Summer Time")),
    ("sgt", 8 * 3600, Some("Singapore Time")),
    ("jst", 9 * 3600, Some("Japan Standard Time")),
    ("kst", 9 * 3600, Some("Korea Standard Time")),
    ("aest", 10 * 3600, Some("Australian Eastern Standard Time")),
    ("aedt", 11 * 3600, Some("Australian Eastern Daylight Time")),
];

/// Abbreviations that name several zones hours apart, written in capitals.
const AMBIGUOUS: &[(&str, &str)] = &[
    ("IST", "India, Israel or Irish Standard Time"),
    ("CST", "US Central, China or Cuba Standard Time"),
    ("BST", "British Summer or Bangladesh Standard Time"),
    ("AST", "Atlantic or Arabia Standard Time"),
];

/// Regions whose name alone is written as a zone (`9 AM Pacific`): standard or daylight time,
/// depending on the date.
const REGIONS: &[&str] = &[
    "pacific", "mountain", "central", "eastern", "alaska", "hawaii", "atlantic",
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

/// A zone written after a time: its offset, and what an abbreviation was taken to mean.
struct Zone {
    offset: i32,
    assumed: Option<String>,
}

const UTC: Zone = Zone {
    offset: 0,
    assumed: None,
};

/// A time of day and its zone, or why the text names none.
type Clock = Result<(NaiveTime, Zone), String>;

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
    let clock = clock.unwrap_or(Ok((NaiveTime::MIN, UTC)));
    let assumed = clock
        .as_ref()
        .ok()
        .and_then(|(_, zone)| zone.assumed.clone());
    let at = date.and_then(|date| {
        let (time, zone) = clock?;
        FixedOffset::east_opt(zone.offset)
            .and_then(|offset| offset.from_local_datetime(&date.and_time(time)).single())
            .map(|t| t.with_timezone(&Utc))
            .ok_or_else(|| "it is out of the range of times".to_owned())
    });
    Some(TextDate {
        first,
        end: cursor.pos,
        at,
        assumed,
    })
}

/// `2026-11-20` or `2026/11/20`.
fn iso_date(c: &mut Cursor) -> Option<Result<NaiveDate, String>> {
    let year = c.number(false, 4..=4)?;
    let separator = c.peek()?.text;
    if separator != "-" && separator != "/" {
        return None;
    }
    c.punct(true, separator).then_some(())?;
    let month = c.number(true, 1..=2)?;
    c.punct(true, separator).then_some(())?;
    let day = c.number(true, 1..=2)?;
    Some(day_of(year, month, day))
}

/// `November 20, 2026`, `Nov. 20th 2026`, or `November 20` (year from the reference).
fn month_first(
    c: &mut Cursor,
    reference: Option<DateTime<Utc>>,
) -> Option<Result<NaiveDate, String>> {
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    let year = c.attempt(|c| {
        c.punct(true, ",");
        c.number(false, 4..=4)
    });
    Some(resolve(year, month, day, reference))
}

/// `20 November 2026`, `20th of Nov 2026`: the year is required, else "5 pods" could start one.
fn day_first(
    c: &mut Cursor,
    reference: Option<DateTime<Utc>>,
) -> Option<Result<NaiveDate, String>> {
    let day = c.number(false, 1..=2)?;
    c.word(true, &["st", "nd", "rd", "th"]);
    c.word(false, &["of"]);
    let month = month_of(&c.peek()?)?;
    c.pos += 1;
    c.punct(true, ".");
    c.punct(true, ",");
    let year = c.number(false, 4..=4)?;
    Some(resolve(Some(year), month, day, reference))
}

/// The day, or why there is none (`February 2026 has no day 30`).
fn day_of(year: u32, month: u32, day: u32) -> Result<NaiveDate, String> {
    let no_such_day = || match u8::try_from(month)
        .ok()
        .and_then(|m| chrono::Month::try_from(m).ok())
    {
        Some(name) => format!("{} {year} has no day {day}", name.name()),
        None => format!("there is no month {month}"),
    };
    let year = i32::try_from(year).map_err(|_| no_such_day())?;
    NaiveDate::from_ymd_opt(year, month, day).ok_or_else(no_such_day)
}

/// The date, with a missing year taken from the reference: the year that puts the date no more
/// than about three months before the notice was issued.
fn resolve(
    year: Option<u32>,
    month: u32,
    day: u32,
    reference: Option<DateTime<Utc>>,
) -> Result<NaiveDate, String> {
    if let Some(year) = year {
        return day_of(year, month, day);
    }
    let Some(reference) = reference else {
        return Err("it gives no year, and the notice no time to take one from".to_owned());
    };
    let reference = reference.date_naive();
    let year = u32::try_from(reference.year()).map_err(|_| "its year is out of range")?;
    let this_year = day_of(year, month, day)?;
    if (reference - this_year).num_days() > 90 {
        day_of(year + 1, month, day)
    } else {
        Ok(this_year)
    }
}

/// `T09:00:00Z`, `T09:00:00.123+02:00` right after an ISO date.
fn iso_clock(c: &mut Cursor) -> Option<Clock> {
    c.take(true, |t| {
        t.kind == Kind::Word && t.text.eq_ignore_ascii_case("t")
    })?;
    let time = hours_minutes(c, true)?;
    Some(with_zone(time, c))
}

/// `, at 09:00 UTC`, `09:00:00 GMT`, `9 AM PDT`, `12:00 p.m.` after a date.
fn clock_after(c: &mut Cursor) -> Option<Clock> {
    c.punct(true, ",");
    c.word(false, &["at"]);
    clock(c)
}

fn clock(c: &mut Cursor) -> Option<Clock> {
    let time = hours_minutes(c, false)?;
    Some(with_zone(time, c))
}

/// The zone written after a time (UTC when none is), read even when the time is impossible, so
/// that its words are not taken for something else.
fn with_zone(time: Result<NaiveTime, String>, c: &mut Cursor) -> Clock {
    let zone = zone(c).unwrap_or(Ok(UTC));
    let time = time?;
    Ok((time, zone?))
}

/// A time of day, or why the one written does not exist (`25:00`, `13 PM`). A bare number is
/// not one: it needs `:MM` or AM/PM.
fn hours_minutes(c: &mut Cursor, adjacent: bool) -> Option<Result<NaiveTime, String>> {
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
    let no_such_time = || "there is no such time of day".to_owned();
    let hour = match meridiem {
        None if !with_minutes => return None,
        None => hour,
        Some(_) if !(1..=12).contains(&hour) => return Some(Err(no_such_time())),
        Some(pm) => hour % 12 + if pm { 12 } else { 0 },
    };
    Some(NaiveTime::from_hms_nano_opt(hour, minute, second, nanos).ok_or_else(no_such_time))
}

/// A zone after a time: `UTC`, `GMT+2`, `(UTC)`, `Z`, `+02:00`, `PDT`; or why the one written
/// can't be read (`IST`, `PT`, `Pacific Time`). `None` when no zone is written.
fn zone(c: &mut Cursor) -> Option<Result<Zone, String>> {
    c.attempt(|c| {
        let parenthesised = c.punct(false, "(");
        let token = c.peek()?;
        let zone = if token.kind == Kind::Word {
            let lower = token.text.to_ascii_lowercase();
            if let Some(&(_, offset, meaning)) = ZONES.iter().find(|(name, ..)| *name == lower) {
                c.pos += 1;
                match meaning {
                    Some(meaning) => Ok(Zone {
                        offset,
                        assumed: Some(format!(
                            "`{}` as UTC{} ({meaning})",
                            token.text,
                            offset_text(offset)
                        )),
                    }),
                    // UTC+2, GMT-05:00
                    None => within_a_day(c.attempt(|c| numeric_offset(c, true)).unwrap_or(0)),
                }
            } else if let Some((name, meanings)) =
                AMBIGUOUS.iter().find(|(name, _)| *name == token.text)
            {
                c.pos += 1;
                Err(format!(
                    "`{name}` stands for several time zones ({meanings})"
                ))
            } else {
                let name = unknown_zone(c)?;
                Err(format!(
                    "`{name}` is a time zone gitops-restart does not know"
                ))
            }
        } else {
            // A numeric offset must touch the time, or "09:00 - 17:00" would read as one.
            within_a_day(numeric_offset(c, !parenthesised)?)
        };
        if parenthesised {
            c.punct(false, ")").then_some(())?;
        }
        Some(zone)
    })
}

fn within_a_day(offset: i32) -> Result<Zone, String> {
    if offset.abs() < 24 * 3600 {
        Ok(Zone {
            offset,
            assumed: None,
        })
    } else {
        Err("its offset from UTC is a day or more".to_owned())
    }
}

/// `-08:00`, as the offset is written in RFC 3339.
fn offset_text(offset: i32) -> String {
    FixedOffset::east_opt(offset).map_or_else(String::new, |o| o.to_string())
}

/// Words after a time that name a zone not in [`ZONES`]: an abbreviation (capitals ending in T,
/// such as `PT`, `ET`, `HKT`, or `MSK`), a zone's name ending in `Time` (`Pacific Time`,
/// `Central European Summer Time`), or a region alone (`9 AM Pacific`). Consumes them.
fn unknown_zone(c: &mut Cursor) -> Option<String> {
    let token = c.peek()?;
    let text = token.text;
    if token.kind == Kind::Word
        && (2..=5).contains(&text.len())
        && text.chars().all(|ch| ch.is_ascii_uppercase())
        && (text.ends_with('T') || text == "MSK")
    {
        c.pos += 1;
        return Some(text.to_owned());
    }
    let start = c.pos;
    let mut names = Vec::new();
    while names.len() < 4 {
        let Some(token) = c.peek() else { break };
        let is_time = token.kind == Kind::Word && token.text.eq_ignore_ascii_case("time");
        let capitalised = token.kind == Kind::Word
            && token.text.starts_with(char::is_uppercase)
            && month_of(&token).is_none()
            && !is_word_in(&token, WEEKDAYS);
        if !(is_time || capitalised) {
            break;
        }
        c.pos += 1;
        names.push(token.text);
        if is_time {
            break;
        }
    }
    match names.as_slice() {
        [_, .., last] if last.eq_ignore_ascii_case("time") => Some(names.join(" ")),
        [first, ..] if REGIONS.contains(&first.to_ascii_lowercase().as_str()) => {
            c.pos = start + 1;
            Some((*first).to_owned())
        }
        _ => {
            c.pos = start;
            None
        }
    }
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
fn clock_before(tokens: &[Token], date: usize, floor: usize) -> Option<(usize, Clock)> {
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
