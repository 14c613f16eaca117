//! Times as users type them and as reports print them.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

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
}
