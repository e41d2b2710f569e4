//! Dates as Omi exports write them: ISO 8601 with `Z`, `+00:00`, another offset or none,
//! and 0–6 fractional digits. A date with no offset is device-local and ambiguous: it is
//! kept as written and flagged.

use chrono::{FixedOffset, NaiveDateTime};

/// A parsed export date that remembers how it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OmiDate {
    /// The wall-clock time as written (in its own offset, or naive).
    pub naive: NaiveDateTime,
    /// The offset as written; `None` when the string had none (ambiguous local time).
    pub offset: Option<FixedOffset>,
}

impl OmiDate {
    /// True when the date had no offset (device-local, ambiguous).
    pub fn is_ambiguous(&self) -> bool {
        self.offset.is_none()
    }
}
