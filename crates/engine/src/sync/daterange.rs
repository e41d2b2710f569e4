//! Date ranges for search, as typed in the UI or on the command line, turned into the
//! int Unix seconds Omi's `created_at` filter compares (`$gte` start, `$lte` end).
//!
//! Accepted forms (dates are UTC calendar days, `YYYY-MM-DD`):
//! - `2024-08-01..2024-09-01`: both ends, the end day included whole;
//! - `2024-08-01..` and `..2024-09-01`: one-sided;
//! - `2024-08-01`: that one day;
//! - `7d`, `30d`, `2w`: the last N days (weeks) up to now (the clock is injected).

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

/// Seconds in a day.
const DAY: i64 = 86_400;

/// A `created_at` range in int Unix seconds, both ends inclusive; `None` = open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct DateRange {
    /// Smallest `created_at` (`$gte`).
    pub start: Option<i64>,
    /// Largest `created_at` (`$lte`).
    pub end: Option<i64>,
}

/// A range that could not be read; the message says what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DateRangeError(pub String);

impl DateRange {
    /// No bounds (no `created_at` condition at all).
    pub const ALL: DateRange = DateRange {
        start: None,
        end: None,
    };

    /// True when neither side is bounded.
    pub fn is_unbounded(&self) -> bool {
        self.start.is_none() && self.end.is_none()
    }

    /// Parse one of the forms in the module docs; `now` anchors relative ranges.
    pub fn parse(input: &str, now: DateTime<Utc>) -> Result<Self, DateRangeError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(DateRangeError(
                "empty date range: use 2024-08-01..2024-09-01, 2024-08-01.., ..2024-09-01, \
                 2024-08-01 or 7d"
                    .into(),
            ));
        }
        if let Some((a, b)) = text.split_once("..") {
            let (a, b) = (a.trim(), b.trim());
            if a.is_empty() && b.is_empty() {
                return Err(DateRangeError(
                    "\"..\" needs a date on at least one side (2024-08-01.. or ..2024-09-01)"
                        .into(),
                ));
            }
            let start = (!a.is_empty()).then(|| day_start(a)).transpose()?;
            let end = (!b.is_empty()).then(|| day_end(b)).transpose()?;
            return Self::checked(start, end);
        }
        if let Some(range) = relative(text, now)? {
            return Ok(range);
        }
        Self::checked(Some(day_start(text)?), Some(day_end(text)?))
    }

    /// A range from separate `--from` / `--to` dates (either may be absent), end day
    /// included whole.
    pub fn from_bounds(from: Option<&str>, to: Option<&str>) -> Result<Self, DateRangeError> {
        let start = from.map(day_start).transpose()?;
        let end = to.map(day_end).transpose()?;
        Self::checked(start, end)
    }

    fn checked(start: Option<i64>, end: Option<i64>) -> Result<Self, DateRangeError> {
        if let (Some(s), Some(e)) = (start, end)
            && s > e
        {
            return Err(DateRangeError(format!(
                "the range starts ({}) after it ends ({}): swap the dates",
                show(s),
                show(e)
            )));
        }
        Ok(Self { start, end })
    }
}

impl fmt::Display for DateRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.start, self.end) {
            (None, None) => f.write_str("any date"),
            (Some(s), None) => write!(f, "from {}", show(s)),
            (None, Some(e)) => write!(f, "until {}", show(e)),
            (Some(s), Some(e)) => write!(f, "{} – {}", show(s), show(e)),
        }
    }
}

/// `2024-08-01 00:00:00 UTC` style, for messages.
fn show(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0).map_or_else(
        || secs.to_string(),
        |d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

fn parse_day(text: &str) -> Result<NaiveDate, DateRangeError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
        DateRangeError(format!(
            "{:?} is not a date: write YYYY-MM-DD (e.g. 2024-08-01), a range \
             2024-08-01..2024-09-01, or a relative span like 7d",
            text.trim()
        ))
    })
}

/// First second of the day, UTC.
fn day_start(text: &str) -> Result<i64, DateRangeError> {
    let day = parse_day(text)?;
    Ok(day
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp()))
}

/// Last second of the day, UTC (the end date is inclusive).
fn day_end(text: &str) -> Result<i64, DateRangeError> {
    Ok(day_start(text)? + DAY - 1)
}

/// `7d` / `2w`: the last N days or weeks up to `now`. `Ok(None)` when `text` is not of
/// that form.
fn relative(text: &str, now: DateTime<Utc>) -> Result<Option<DateRange>, DateRangeError> {
    let Some(unit) = text.chars().last().map(|c| c.to_ascii_lowercase()) else {
        return Ok(None);
    };
    let days_per = match unit {
        'd' => 1,
        'w' => 7,
        _ => return Ok(None),
    };
    let number = &text[..text.len() - 1];
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    let n: i64 = number
        .parse()
        .ok()
        .filter(|n| (1..=365_000).contains(n))
        .ok_or_else(|| {
            DateRangeError(format!(
                "{text:?}: the number of days must be between 1 and 365000"
            ))
        })?;
    let end = now.timestamp();
    Ok(Some(DateRange {
        start: Some(end - n * days_per * DAY),
        end: Some(end),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_725_000_000, 0).unwrap()
    }

    fn p(s: &str) -> Result<DateRange, DateRangeError> {
        DateRange::parse(s, now())
    }

    #[test]
    fn closed_and_open_ranges() {
        // 2024-08-01T00:00:00Z = 1722470400; 2024-09-01 ends at 1725235199.
        assert_eq!(
            p("2024-08-01..2024-09-01").unwrap(),
            DateRange {
                start: Some(1_722_470_400),
                end: Some(1_725_235_199)
            }
        );
        assert_eq!(
            p(" 2024-08-01.. ").unwrap(),
            DateRange {
                start: Some(1_722_470_400),
                end: None
            }
        );
        assert_eq!(
            p("..2024-09-01").unwrap(),
            DateRange {
                start: None,
                end: Some(1_725_235_199)
            }
        );
        assert_eq!(
            p("2024-08-01").unwrap(),
            DateRange {
                start: Some(1_722_470_400),
                end: Some(1_722_556_799)
            }
        );
    }

    #[test]
    fn relative_ranges_use_the_clock() {
        let r = p("7d").unwrap();
        assert_eq!(r.end, Some(1_725_000_000));
        assert_eq!(r.start, Some(1_725_000_000 - 7 * DAY));
        assert_eq!(p("2w").unwrap().start, Some(1_725_000_000 - 14 * DAY));
        assert_eq!(p("30D").unwrap().start, Some(1_725_000_000 - 30 * DAY));
    }

    #[test]
    fn bad_ranges_say_what_to_type() {
        for bad in [
            "",
            "..",
            "yesterday",
            "2024-13-01",
            "2024-02-30..",
            "0d",
            "d",
            "x..y",
        ] {
            let e = p(bad).unwrap_err().to_string();
            assert!(!e.is_empty(), "{bad}");
        }
        assert!(p("2024-13-01").unwrap_err().0.contains("YYYY-MM-DD"));
        assert!(
            p("2024-09-01..2024-08-01")
                .unwrap_err()
                .0
                .contains("swap the dates")
        );
        assert!(p("0d").unwrap_err().0.contains("between 1"));
    }

    #[test]
    fn bounds_and_display() {
        let r = DateRange::from_bounds(Some("2024-08-01"), None).unwrap();
        assert_eq!(r.start, Some(1_722_470_400));
        assert_eq!(r.to_string(), "from 2024-08-01 00:00:00 UTC");
        assert!(DateRange::from_bounds(None, None).unwrap().is_unbounded());
        assert!(DateRange::from_bounds(Some("2024-09-02"), Some("2024-09-01")).is_err());
        assert_eq!(
            DateRange::from_bounds(Some("2024-09-01"), Some("2024-09-01"))
                .unwrap()
                .end,
            Some(1_725_235_199)
        );
    }
}
