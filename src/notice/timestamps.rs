//! The times AWS writes into a notice's fields, as opposed to the dates of its prose: RFC 3339
//! (EKS adds a `[UTC]` zone id), RFC 1123 (a Health event's `detail`, its weekday not trusted)
//! and epoch seconds (`describe-event-details` with the CLI's defaults). This module knows no
//! field names: it answers with a time or nothing, and the caller makes the error, naming the
//! field and saying what was expected ([`TIME_FORMATS`]). Invariants: every time is UTC, and an ISO time without an offset is read as UTC; epoch
//! seconds are read from their text, so no precision is lost and no cast overflows; nothing
//! panics, whatever the input.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::Value;

/// What a time field must look like, for messages about one that does not.
pub(super) const TIME_FORMATS: &str = "expected RFC 1123 (Fri, 20 Nov 2026 09:00:00 GMT), \
    RFC 3339 (2026-11-20T09:00:00Z) or epoch seconds";

/// A time as AWS writes it in events: RFC 3339 (EKS adds a `[UTC]` zone id), RFC 1123 (Health's
/// `detail`), or a number of epoch seconds (`describe-event-details` with the CLI's defaults).
pub(super) fn event_time(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => epoch_seconds(&n.to_string()),
        Value::String(s) => time_text(s),
        _ => None,
    }
}

fn time_text(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    // EKS appends a Java zone id (`2021-06-30T12:52:44.832Z[UTC]`); the offset before it already
    // fixes the instant.
    let text = match text.find('[') {
        Some(i) if text.ends_with(']') => text.get(..i).unwrap_or(text).trim_end(),
        _ => text,
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    // chrono rejects an RFC 1123 time whose weekday does not match its date; the date is what
    // counts, so read it once more without the weekday.
    if let Some((day, rest)) = text.split_once(',')
        && day.chars().all(char::is_alphabetic)
        && let Ok(t) = DateTime::parse_from_rfc2822(rest.trim())
    {
        return Some(t.with_timezone(&Utc));
    }
    // An ISO time without an offset: AWS means UTC.
    ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|t| t.and_utc())
}

/// Epoch seconds as JSON writes the number, with up to nanosecond precision. Read from the text
/// rather than through `f64` so that no precision is lost and no cast can overflow.
fn epoch_seconds(number: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let seconds: i64 = whole.parse().ok()?;
    let digits: String = fraction.chars().take(9).collect();
    let nanos: u32 = format!("{digits:0<9}").parse().ok()?;
    if seconds < 0 && nanos > 0 {
        // -1.5 is 2 seconds back plus half a second; no notice carries such times anyway.
        return DateTime::from_timestamp(seconds.checked_sub(1)?, 1_000_000_000 - nanos);
    }
    DateTime::from_timestamp(seconds, nanos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::testing::t;

    #[test]
    fn time_forms() {
        assert_eq!(
            time_text("Fri, 20 Nov 2026 09:00:00 GMT"),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(
            time_text("Mon, 20 Nov 2026 09:00:00 GMT"),
            Some(t("2026-11-20T09:00:00Z")),
            "a wrong weekday does not lose the date"
        );
        assert_eq!(
            time_text("2021-06-30T12:52:44.832Z[UTC]"),
            Some(t("2021-06-30T12:52:44.832Z"))
        );
        assert_eq!(
            time_text("2026-11-20 09:00:00"),
            Some(t("2026-11-20T09:00:00Z"))
        );
        assert_eq!(time_text("20 Nov"), None);
        assert_eq!(epoch_seconds("1795165200"), Some(t("2026-11-20T09:00:00Z")));
        assert_eq!(epoch_seconds("1e9"), None);
        assert_eq!(epoch_seconds("99999999999999999999"), None);
    }
}
