//! Dates as Omi exports write them: ISO 8601 with `Z`, `+00:00`, another offset or none,
//! and 0–6 fractional digits (1–9 accepted). A date with no offset is device-local and
//! ambiguous: it is kept as written and flagged.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

/// A parsed export date that remembers how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmiDate {
    /// The wall-clock time as written (in its own offset, or naive).
    pub naive: NaiveDateTime,
    /// The offset as written; `None` when the string had none (ambiguous local time).
    pub offset: Option<FixedOffset>,
}

/// Why a date string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an ISO 8601 date ({reason}): {input:?}")]
pub struct DateError {
    /// The input (cut to 64 characters).
    pub input: String,
    /// What was wrong.
    pub reason: &'static str,
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &d in s {
            if !d.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(d - b'0');
        }
        self.i += n;
        Some(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
}

impl OmiDate {
    /// True when the date had no offset (device-local, ambiguous).
    pub fn is_ambiguous(&self) -> bool {
        self.offset.is_none()
    }

    /// Parse `YYYY-MM-DD[T| ]HH:MM[:SS[.f{1,9}]][Z|±HH:MM|±HHMM|±HH]`.
    pub fn parse(s: &str) -> Result<Self, DateError> {
        let err = |reason| DateError {
            input: s.chars().take(64).collect(),
            reason,
        };
        let mut c = Cursor {
            b: s.as_bytes(),
            i: 0,
        };
        let year = c.digits(4).ok_or_else(|| err("expected a 4-digit year"))?;
        let month = (c.eat(b'-'))
            .then(|| c.digits(2))
            .flatten()
            .ok_or_else(|| err("expected -MM"))?;
        let day = (c.eat(b'-'))
            .then(|| c.digits(2))
            .flatten()
            .ok_or_else(|| err("expected -DD"))?;
        let date = NaiveDate::from_ymd_opt(year as i32, month, day)
            .ok_or_else(|| err("no such calendar day"))?;
        if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
            return Err(err("expected a time after the date (T)"));
        }
        let hour = c.digits(2).ok_or_else(|| err("expected HH"))?;
        let minute = (c.eat(b':'))
            .then(|| c.digits(2))
            .flatten()
            .ok_or_else(|| err("expected :MM"))?;
        let mut second = 0;
        let mut nanos = 0;
        if c.eat(b':') {
            second = c.digits(2).ok_or_else(|| err("expected :SS"))?;
            if c.eat(b'.') || c.eat(b',') {
                let start = c.i;
                while c.peek().is_some_and(|d| d.is_ascii_digit()) {
                    c.i += 1;
                }
                let frac = &c.b[start..c.i];
                if frac.is_empty() || frac.len() > 9 {
                    return Err(err("expected 1 to 9 fractional digits"));
                }
                let mut v = 0u32;
                for &d in frac {
                    v = v * 10 + u32::from(d - b'0');
                }
                nanos = v * 10u32.pow(9 - frac.len() as u32);
            }
        }
        let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)
            .ok_or_else(|| err("time out of range"))?;
        let offset = match c.peek() {
            None => None,
            Some(b'Z' | b'z') => {
                c.i += 1;
                FixedOffset::east_opt(0)
            }
            Some(sign @ (b'+' | b'-')) => {
                c.i += 1;
                let oh = c
                    .digits(2)
                    .ok_or_else(|| err("expected an offset ±HH:MM"))?;
                let om = if c.eat(b':') {
                    c.digits(2)
                        .ok_or_else(|| err("expected an offset ±HH:MM"))?
                } else {
                    c.digits(2).unwrap_or(0)
                };
                if oh > 23 || om > 59 {
                    return Err(err("offset out of range"));
                }
                let secs = (oh * 3600 + om * 60) as i32;
                let secs = if sign == b'-' { -secs } else { secs };
                Some(FixedOffset::east_opt(secs).ok_or_else(|| err("offset out of range"))?)
            }
            Some(_) => return Err(err("unexpected text after the time")),
        };
        if c.i != c.b.len() {
            return Err(err("unexpected text after the offset"));
        }
        Ok(Self {
            naive: NaiveDateTime::new(date, time),
            offset,
        })
    }

    /// Microseconds of the second, as Python keeps them (nanoseconds truncated).
    pub fn microsecond(&self) -> u32 {
        (self.naive.nanosecond() % 1_000_000_000) / 1000
    }

    /// `±HH:MM` for the offset (no `Z`), as Python's `str(datetime)` writes it.
    fn offset_hhmm(offset: FixedOffset) -> String {
        let secs = offset.local_minus_utc();
        let sign = if secs < 0 { '-' } else { '+' };
        let a = secs.unsigned_abs();
        let mut s = format!("{sign}{:02}:{:02}", a / 3600, (a / 60) % 60);
        if !a.is_multiple_of(60) {
            s.push_str(&format!(":{:02}", a % 60));
        }
        s
    }

    /// Python `str(datetime)`: `2024-09-01 15:00:00+00:00`, `.ffffff` only when the
    /// microseconds are non-zero, no offset when naive.
    pub fn python_str(&self) -> String {
        let n = &self.naive;
        let mut s = format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            n.year(),
            n.month(),
            n.day(),
            n.hour(),
            n.minute(),
            n.second()
        );
        let us = self.microsecond();
        if us != 0 {
            s.push_str(&format!(".{us:06}"));
        }
        if let Some(o) = self.offset {
            s.push_str(&Self::offset_hhmm(o));
        }
        s
    }

    /// `strftime("%Y-%m-%d %H:%M:%S")` of the time as written. Like CPython on Linux
    /// (glibc), `%Y` is not zero-padded: year 999 is `999` (while `str()` gives `0999`).
    pub fn strftime_ymd_hms(&self) -> String {
        let n = &self.naive;
        format!(
            "{}-{:02}-{:02} {:02}:{:02}:{:02}",
            n.year(),
            n.month(),
            n.day(),
            n.hour(),
            n.minute(),
            n.second()
        )
    }

    /// `strftime("%Z")` as Omi's backend produced it: `UTC` for a zero offset, `+05:30`
    /// style for other offsets, empty for a naive date.
    pub fn strftime_z(&self) -> String {
        match self.offset {
            None => String::new(),
            Some(o) if o.local_minus_utc() == 0 => "UTC".to_string(),
            Some(o) => Self::offset_hhmm(o),
        }
    }

    /// Unix seconds. A naive date is taken as UTC; the flag says so (`true` = assumed).
    pub fn unix_seconds(&self) -> (i64, bool) {
        let utc = self.naive.and_utc().timestamp();
        match self.offset {
            Some(o) => (utc - i64::from(o.local_minus_utc()), false),
            None => (utc, true),
        }
    }

    /// Unix seconds, naive dates taken as UTC.
    pub fn timestamp(&self) -> i64 {
        self.unix_seconds().0
    }

    /// A short form for the UI: `2024-09-01 15:00 UTC`, `2024-09-01 15:00 +05:30`, or
    /// `2024-09-01 15:00 local?` when the offset is unknown.
    pub fn display_short(&self) -> String {
        let zone = match self.offset {
            None => "local?".to_string(),
            Some(o) if o.local_minus_utc() == 0 => "UTC".to_string(),
            Some(o) => Self::offset_hhmm(o),
        };
        format!("{} {zone}", self.naive.format("%Y-%m-%d %H:%M"))
    }
}

impl FromStr for OmiDate {
    type Err = DateError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Formats as Python `str(datetime)`.
impl fmt::Display for OmiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.python_str())
    }
}

impl PartialOrd for OmiDate {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders by instant (naive dates taken as UTC), then by how they were written.
impl Ord for OmiDate {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.timestamp()
            .cmp(&other.timestamp())
            .then(self.naive.nanosecond().cmp(&other.naive.nanosecond()))
            .then(
                self.offset
                    .map(|o| o.local_minus_utc())
                    .cmp(&other.offset.map(|o| o.local_minus_utc())),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> OmiDate {
        OmiDate::parse(s).unwrap()
    }

    #[test]
    fn parses_every_written_form() {
        assert_eq!(
            d("2024-09-01T15:00:00Z").python_str(),
            "2024-09-01 15:00:00+00:00"
        );
        assert_eq!(
            d("2024-09-01T15:00:00+00:00").python_str(),
            "2024-09-01 15:00:00+00:00"
        );
        assert_eq!(
            d("2024-09-01T15:00:00.120Z").python_str(),
            "2024-09-01 15:00:00.120000+00:00"
        );
        assert_eq!(
            d("2024-09-01T15:00:00.000").python_str(),
            "2024-09-01 15:00:00"
        );
        assert_eq!(
            d("2024-09-01T15:00:00.123456789-03:30").python_str(),
            "2024-09-01 15:00:00.123456-03:30"
        );
        assert_eq!(d("2024-09-01T15:00:00.5").microsecond(), 500_000);
        assert!(d("2024-09-01T15:00:00").is_ambiguous());
        assert!(!d("2024-09-01T15:00:00Z").is_ambiguous());
    }

    #[test]
    fn strftime_zone() {
        assert_eq!(d("2024-09-01T15:00:00Z").strftime_z(), "UTC");
        assert_eq!(d("2024-09-01T15:00:00-00:00").strftime_z(), "UTC");
        assert_eq!(d("2024-09-01T15:00:00+05:30").strftime_z(), "+05:30");
        assert_eq!(d("2024-09-01T15:00:00").strftime_z(), "");
        assert_eq!(
            d("2024-09-01T15:00:00.9+05:30").strftime_ymd_hms(),
            "2024-09-01 15:00:00"
        );
    }

    #[test]
    fn year_padding_like_cpython() {
        let old = d("0999-01-02T03:04:05Z");
        assert_eq!(old.python_str(), "0999-01-02 03:04:05+00:00");
        assert_eq!(old.strftime_ymd_hms(), "999-01-02 03:04:05");
    }

    #[test]
    fn unix_seconds() {
        assert_eq!(d("1970-01-01T01:00:00+01:00").unix_seconds(), (0, false));
        assert_eq!(d("1970-01-01T00:00:10").unix_seconds(), (10, true));
        assert_eq!(d("2024-09-01T15:00:00Z").timestamp(), 1_725_202_800);
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "",
            "2024",
            "2024-13-01T00:00:00",
            "2024-02-30T00:00:00",
            "2024-09-01",
            "2024-09-01T25:00:00",
            "2024-09-01T15:00:00.Z",
            "2024-09-01T15:00:00+5",
            "2024-09-01T15:00:00 UTC",
            "2024-09-01T15:00:00.1234567890Z",
            "２０２４-09-01T15:00:00",
        ] {
            assert!(OmiDate::parse(bad).is_err(), "{bad:?} parsed");
        }
    }
}
