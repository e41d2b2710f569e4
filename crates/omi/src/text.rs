//! The embedding text of a memory, byte for byte as Omi's backend built it with Python
//! 3.11 `str(structured)`, in each of the five historical formats (omi.md §3).

use std::fmt;
use std::str::FromStr;

use crate::model::{ActionItem, Event, Structured};
use crate::pystr::{capitalize, strip};

/// One of Omi's embedding-text formats, named by the date it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum TextFormat {
    /// `{emoji} {title} (CategoryEnum.x)`, summary, action items.
    Omi20240730,
    /// As `Omi20240730`, plus events with Python `str(datetime)`.
    Omi20240731,
    /// Capitalized title/category/overview header.
    Omi20240826,
    /// Action items with `(completed|pending)`, events with `Starts:` / `Duration:`.
    Omi20250430,
    /// As `Omi20250430`, plus `[Created: …, Due: …, Completed: …]` on action items.
    #[default]
    Omi20251017,
}

impl TextFormat {
    /// Every format, oldest first.
    pub const ALL: [TextFormat; 5] = [
        Self::Omi20240730,
        Self::Omi20240731,
        Self::Omi20240826,
        Self::Omi20250430,
        Self::Omi20251017,
    ];

    /// The newest format (what `current` means).
    pub const CURRENT: TextFormat = Self::Omi20251017;

    /// The format's name, e.g. `omi-2024-07-30`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Omi20240730 => "omi-2024-07-30",
            Self::Omi20240731 => "omi-2024-07-31",
            Self::Omi20240826 => "omi-2024-08-26",
            Self::Omi20250430 => "omi-2025-04-30",
            Self::Omi20251017 => "omi-2025-10-17",
        }
    }
}

impl fmt::Display for TextFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown format name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown text format {0:?}: use current, omi-2024-07-30, omi-2024-07-31, omi-2024-08-26, omi-2025-04-30 or omi-2025-10-17"
)]
pub struct UnknownFormat(pub String);

impl FromStr for TextFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("current") {
            return Ok(Self::CURRENT);
        }
        Self::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(t))
            .ok_or_else(|| UnknownFormat(s.to_string()))
    }
}

/// `- {description}\n` lines of the 2024 formats.
fn push_actions_2024(out: &mut String, items: &[ActionItem]) {
    if items.is_empty() {
        return;
    }
    out.push_str("Action Items:\n");
    for a in items {
        out.push_str("- ");
        out.push_str(&a.description);
        out.push('\n');
    }
}

/// `- {title} ({start} - {duration} minutes)\n` lines of the 2024 formats.
fn push_events_2024(out: &mut String, events: &[Event]) {
    if events.is_empty() {
        return;
    }
    out.push_str("Events:\n");
    for e in events {
        let start = e
            .start
            .as_ref()
            .map(|d| d.python_str())
            .unwrap_or_else(|| "None".into());
        out.push_str(&format!(
            "- {} ({} - {} minutes)\n",
            e.title, start, e.duration
        ));
    }
}

/// Action items of the 2025 formats; `with_dates` adds the `[Created: …]` suffix.
fn push_actions_2025(out: &mut String, items: &[ActionItem], with_dates: bool) {
    if items.is_empty() {
        return;
    }
    out.push_str("Action Items:\n");
    let lines: Vec<String> = items
        .iter()
        .map(|a| {
            let status = if a.completed { "completed" } else { "pending" };
            let mut line = format!("- {} ({status})", a.description);
            if with_dates {
                let parts: Vec<String> = [
                    ("Created", &a.created_at),
                    ("Due", &a.due_at),
                    ("Completed", &a.completed_at),
                ]
                .into_iter()
                .filter_map(|(label, d)| {
                    d.as_ref()
                        .map(|d| format!("{label}: {} UTC", d.strftime_ymd_hms()))
                })
                .collect();
                if !parts.is_empty() {
                    line.push_str(&format!(" [{}]", parts.join(", ")));
                }
            }
            line
        })
        .collect();
    out.push_str(&lines.join("\n"));
    out.push('\n');
}

/// Events of the 2025 formats.
fn push_events_2025(out: &mut String, events: &[Event]) {
    if events.is_empty() {
        return;
    }
    out.push_str("Events:\n");
    let lines: Vec<String> = events
        .iter()
        .map(|e| {
            let (when, zone) = match &e.start {
                Some(d) => (d.strftime_ymd_hms(), d.strftime_z()),
                None => ("None".to_string(), String::new()),
            };
            format!(
                "- {} (Starts: {when} {zone}, Duration: {} mins)",
                e.title, e.duration
            )
        })
        .collect();
    out.push_str(&lines.join("\n"));
    out.push('\n');
}

/// `{Cap(title)} ({Cap(category value)})\n{Cap(overview)}\n`.
fn push_capitalized_header(out: &mut String, s: &Structured) {
    out.push_str(&capitalize(&s.title));
    out.push_str(" (");
    out.push_str(&capitalize(s.category.kind.value()));
    out.push_str(")\n");
    out.push_str(&capitalize(&s.overview));
    out.push('\n');
}

/// The embedding text of `s` in `format`, byte for byte as Omi's backend built it.
pub fn render(s: &Structured, format: TextFormat) -> String {
    let mut out = String::with_capacity(
        64 + s.title.len()
            + s.overview.len()
            + s.action_items
                .iter()
                .map(|a| a.description.len() + 64)
                .sum::<usize>()
            + s.events.iter().map(|e| e.title.len() + 64).sum::<usize>(),
    );
    match format {
        TextFormat::Omi20240730 | TextFormat::Omi20240731 => {
            out.push_str(&format!(
                "{} {} (CategoryEnum.{})\n\nSummary: {}\n\n",
                s.emoji,
                s.title,
                s.category.kind.member_name(),
                s.overview
            ));
            push_actions_2024(&mut out, &s.action_items);
            if format == TextFormat::Omi20240731 {
                push_events_2024(&mut out, &s.events);
            }
        }
        TextFormat::Omi20240826 => {
            push_capitalized_header(&mut out, s);
            push_actions_2024(&mut out, &s.action_items);
            push_events_2024(&mut out, &s.events);
        }
        TextFormat::Omi20250430 | TextFormat::Omi20251017 => {
            push_capitalized_header(&mut out, s);
            push_actions_2025(&mut out, &s.action_items, format == TextFormat::Omi20251017);
            push_events_2025(&mut out, &s.events);
        }
    }
    strip(&out).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in TextFormat::ALL {
            assert_eq!(f.name().parse::<TextFormat>().unwrap(), f);
            assert_eq!(f.to_string(), f.name());
        }
        assert_eq!(
            "current".parse::<TextFormat>().unwrap(),
            TextFormat::Omi20251017
        );
        assert!("omi-2024".parse::<TextFormat>().is_err());
    }
}
