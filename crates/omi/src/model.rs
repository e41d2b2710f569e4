//! The Omi memory ("conversation") as memlens sees it, after the normalisation of
//! `../shared/specs/omi.md` §2. Every export shape (E0–E5) loads into these types.

use crate::date::OmiDate;

/// One memory (Omi renamed them "conversations" in 2025; the same record).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Memory {
    /// The memory id as a string (E0 integer ids are rendered in decimal).
    pub id: String,
    pub created_at: Option<OmiDate>,
    pub started_at: Option<OmiDate>,
    pub finished_at: Option<OmiDate>,
    pub structured: Structured,
    pub transcript: Vec<TranscriptSegment>,
    /// Source as written (`omi`, `ConversationSource.omi`, `MemorySource.friend`, …).
    pub source: Option<String>,
    pub language: Option<String>,
    /// Processing status as written (`completed`, `processing`, …).
    pub status: Option<String>,
    pub discarded: bool,
    pub deleted: bool,
    /// `is_locked: true`: the API returned the record locked (out of credit), with its
    /// structured parts blanked, so its text is not the text Omi embedded.
    pub locked: bool,
    /// Fields Omi's pydantic models require that the record lacks (or holds `null`), as
    /// paths: `structured.events[0].start`, `structured.action_items[1].description`
    /// (omi.md §2; `Event.start`/`title`, `ActionItem.description` have no default).
    pub missing_required: Vec<String>,
    /// Problems with display-only fields (transcript, geolocation, photos, app results,
    /// non-finite numbers) that were kept or dropped without costing the record.
    pub notes: Vec<FieldNote>,
    pub geolocation: Option<Geolocation>,
    /// Results of apps / plugins that ran on the memory.
    pub app_results: Vec<AppResult>,
    /// E0 only: the plain transcript string, when present.
    pub transcript_text: Option<String>,
    /// Number of photos attached (their data is not kept).
    pub photo_count: usize,
}

/// A problem found in a display-only field of a record that still loaded.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct FieldNote {
    /// The field as written (`plugins_results`, `geolocation`, `transcript_segments[3].start`).
    pub field: String,
    /// What is wrong, for people ("an object, not a list").
    pub problem: String,
    /// The value as written (JSON text, cut to [`FieldNote::RAW_MAX`] characters).
    pub raw: String,
}

impl FieldNote {
    /// Longest `raw` kept, in characters.
    pub const RAW_MAX: usize = 200;
}

/// A title as lists and messages show it: `(untitled)` for an empty one (never `()`).
pub fn shown_title(title: &str) -> &str {
    if title.trim().is_empty() {
        UNTITLED
    } else {
        title
    }
}

/// What an empty title is shown as.
pub const UNTITLED: &str = "(untitled)";

/// The LLM-filled `structured` field, normalised.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structured {
    pub title: String,
    pub overview: String,
    /// `🧠` when missing or null.
    pub emoji: String,
    pub category: Category,
    pub action_items: Vec<ActionItem>,
    pub events: Vec<Event>,
}

/// A category: the known enum member, plus the raw string when it was not a known value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Category {
    pub kind: CategoryKind,
    /// The value as written when it was not one of the known values (then `kind` is `Other`).
    pub unknown_raw: Option<String>,
}

/// Omi's `CategoryEnum` (omi.md §2). Each member has a Python name and a value; they differ
/// only for `Romance` (value `romantic`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub enum CategoryKind {
    Personal,
    Education,
    Health,
    Finance,
    Legal,
    Philosophy,
    Spiritual,
    Science,
    Entrepreneurship,
    Parenting,
    Romance,
    Travel,
    Inspiration,
    Technology,
    Business,
    Social,
    Work,
    Sports,
    Literature,
    History,
    Politics,
    Architecture,
    Music,
    Weather,
    News,
    Entertainment,
    Psychology,
    Real,
    Design,
    Family,
    Economics,
    Environment,
    #[default]
    Other,
}

impl CategoryKind {
    /// Every member, in Omi's declaration order.
    pub const ALL: [CategoryKind; 33] = [
        Self::Personal,
        Self::Education,
        Self::Health,
        Self::Finance,
        Self::Legal,
        Self::Philosophy,
        Self::Spiritual,
        Self::Science,
        Self::Entrepreneurship,
        Self::Parenting,
        Self::Romance,
        Self::Travel,
        Self::Inspiration,
        Self::Technology,
        Self::Business,
        Self::Social,
        Self::Work,
        Self::Sports,
        Self::Literature,
        Self::History,
        Self::Politics,
        Self::Architecture,
        Self::Music,
        Self::Weather,
        Self::News,
        Self::Entertainment,
        Self::Psychology,
        Self::Real,
        Self::Design,
        Self::Family,
        Self::Economics,
        Self::Environment,
        Self::Other,
    ];

    /// The enum member's value, as stored in exports (`romantic` for `Romance`).
    pub fn value(self) -> &'static str {
        match self {
            Self::Romance => "romantic",
            other => other.member_name(),
        }
    }

    /// The Python member name, as `CategoryEnum.<name>` prints it.
    pub fn member_name(self) -> &'static str {
        match self {
            Self::Personal => "personal",
            Self::Education => "education",
            Self::Health => "health",
            Self::Finance => "finance",
            Self::Legal => "legal",
            Self::Philosophy => "philosophy",
            Self::Spiritual => "spiritual",
            Self::Science => "science",
            Self::Entrepreneurship => "entrepreneurship",
            Self::Parenting => "parenting",
            Self::Romance => "romance",
            Self::Travel => "travel",
            Self::Inspiration => "inspiration",
            Self::Technology => "technology",
            Self::Business => "business",
            Self::Social => "social",
            Self::Work => "work",
            Self::Sports => "sports",
            Self::Literature => "literature",
            Self::History => "history",
            Self::Politics => "politics",
            Self::Architecture => "architecture",
            Self::Music => "music",
            Self::Weather => "weather",
            Self::News => "news",
            Self::Entertainment => "entertainment",
            Self::Psychology => "psychology",
            Self::Real => "real",
            Self::Design => "design",
            Self::Family => "family",
            Self::Economics => "economics",
            Self::Environment => "environment",
            Self::Other => "other",
        }
    }

    /// The member whose *value* is `s` (exact match), if any.
    pub fn from_value(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.value() == s)
    }
}

impl Category {
    /// Category from a value string; unknown values become `Other` and keep the raw text.
    pub fn from_value(s: &str) -> Self {
        match CategoryKind::from_value(s) {
            Some(kind) => Self {
                kind,
                unknown_raw: None,
            },
            None => Self {
                kind: CategoryKind::Other,
                unknown_raw: Some(s.to_string()),
            },
        }
    }

    /// What to show a user: the raw value when unknown, else the enum value.
    pub fn display(&self) -> &str {
        self.unknown_raw.as_deref().unwrap_or(self.kind.value())
    }
}

/// An action item (E1/E2 strings become `{description, completed: false}`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ActionItem {
    pub description: String,
    pub completed: bool,
    pub created_at: Option<OmiDate>,
    pub due_at: Option<OmiDate>,
    pub completed_at: Option<OmiDate>,
}

/// A calendar event extracted from the memory (`startsAt` in E1/E2 is `start`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Event {
    pub title: String,
    pub description: String,
    pub start: Option<OmiDate>,
    /// Minutes, as written (Omi stores an int).
    pub duration: i64,
    pub created: bool,
}

/// One transcript segment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TranscriptSegment {
    pub text: String,
    pub speaker: Option<String>,
    pub speaker_id: Option<i64>,
    pub is_user: bool,
    /// Seconds from the start of the recording.
    pub start: f64,
    pub end: f64,
}

/// Where the memory was recorded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Geolocation {
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub address: Option<String>,
    pub location_type: Option<String>,
}

/// The output of one app/plugin on the memory.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppResult {
    pub app_id: Option<String>,
    pub content: String,
}

#[cfg(test)]
mod shown_title_tests {
    #[test]
    fn an_empty_title_is_named_untitled() {
        assert_eq!(super::shown_title(""), "(untitled)");
        assert_eq!(super::shown_title("  "), "(untitled)");
        assert_eq!(super::shown_title("Camping"), "Camping");
    }
}
