//! Times as users type them and as reports print them: RFC 3339 for what is written and
//! read back, short forms for what a person reads (a table cell that must not wrap, a
//! countdown to the deadline).

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};

/// Parse a time given on the command line: RFC 3339, or `YYYY-MM-DD` meaning 00:00 UTC.
///
/// # Errors
/// Says what was expected, with an example.
pub fn parse_time(input: &str) -> Result<DateTime<Utc>, String> {
    let input = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(input) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(day) = NaiveDate::parse_from_str(input, "%Y-%m-%d") {
        return Ok(day.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
    }
    Err(format!(
        "`{input}` is not a time: expected RFC 3339 (2026-11-20T09:00:00Z) or a date (2026-11-20)"
    ))
}

/// The form every report and every restart value uses: RFC 3339 UTC with `Z`, whole seconds.
pub fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A time for a table cell, to the minute: `2026-11-10 08:00`. A text that is not RFC 3339 is
/// given back as it is.
pub fn short_time(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339).map_or_else(
        |_| rfc3339.to_owned(),
        |t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M").to_string(),
    )
}

/// A day and time as a person reads it: `Fri 4 Dec, 00:00 UTC`, with the year when it is not
/// `now`'s.
pub fn day_and_time(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    if at.year() == now.year() {
        at.format("%a %-d %b, %H:%M UTC").to_string()
    } else {
        at.format("%a %-d %b %Y, %H:%M UTC").to_string()
    }
}

/// How far `at` is from `now`, as `in 2 days` or `5 hours ago`: days from 48 hours on, hours
/// from 2 hours on, else minutes; rounded down, so that "in 2 days" never means less than two.
pub fn countdown(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let seconds = (at - now).num_seconds();
    let span = seconds.unsigned_abs();
    let (n, unit) = if span >= 48 * 3600 {
        (span / 86_400, "day")
    } else if span >= 2 * 3600 {
        (span / 3600, "hour")
    } else {
        (span / 60, "minute")
    };
    let amount = format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_mean_midnight_utc() {
        assert_eq!(
            format_time(parse_time("2026-11-20").unwrap()),
            "2026-11-20T00:00:00Z"
        );
    }

    #[test]
    fn offsets_are_converted_to_utc() {
        let t = parse_time("2026-11-20T09:30:00+02:00").unwrap();
        assert_eq!(format_time(t), "2026-11-20T07:30:00Z");
    }

    #[test]
    fn nonsense_says_what_was_expected() {
        let err = parse_time("next tuesday").unwrap_err();
        assert!(err.contains("RFC 3339"), "{err}");
    }

    #[test]
    fn countdowns_round_down_in_days_hours_or_minutes() {
        let now = parse_time("2026-12-01T19:00:00Z").unwrap();
        let at = |text: &str| parse_time(text).unwrap();
        assert_eq!(countdown(at("2026-12-04T00:00:00Z"), now), "in 2 days");
        assert_eq!(countdown(at("2026-12-03T18:00:00Z"), now), "in 47 hours");
        assert_eq!(countdown(at("2026-12-01T20:00:00Z"), now), "in 60 minutes");
        assert_eq!(countdown(at("2026-12-01T19:00:30Z"), now), "in 0 minutes");
        assert_eq!(countdown(at("2026-12-01T14:00:00Z"), now), "5 hours ago");
        assert_eq!(countdown(at("2026-11-20T00:00:00Z"), now), "11 days ago");
    }

    #[test]
    fn short_forms_keep_a_cell_on_one_line() {
        let now = parse_time("2026-12-01T19:00:00Z").unwrap();
        assert_eq!(short_time("2026-11-10T08:00:59Z"), "2026-11-10 08:00");
        assert_eq!(short_time("yesterday"), "yesterday");
        let deadline = parse_time("2026-12-04").unwrap();
        assert_eq!(day_and_time(deadline, now), "Fri 4 Dec, 00:00 UTC");
        let later = parse_time("2027-01-04T12:30:00Z").unwrap();
        assert_eq!(day_and_time(later, now), "Mon 4 Jan 2027, 12:30 UTC");
    }
}
