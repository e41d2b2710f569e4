//! Omi's facts: the 2025+ "memories" (`MemoryDB` in `backend/models/memories.py`), short
//! statements about the user stored beside conversations and embedded into namespace
//! `ns2` (`../shared/specs/omi-facts.md` §F2–F3). Called facts here so they are not
//! confused with the 2024 "memories" that are now conversations ([`crate::Memory`]).

use crate::date::OmiDate;

/// One fact as an export or an API list holds it (omi-facts.md §F3.1). Missing keys take
/// `MemoryDB`'s defaults; keys memlens does not model are kept in [`Fact::rest`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fact {
    /// The fact id: usually `document_id_from_seed(original content)` (a UUID), but any
    /// non-empty string is accepted (20-hex desktop ids, `mem_…`, uuid4) (§F2).
    pub id: String,
    /// The stored `uid`; `None` for preference-tool docs and API lists without it (the uid
    /// then comes from the configuration).
    pub uid: Option<String>,
    /// The statement, plaintext (exports decrypt). Exactly what Omi embeds (§F5.1).
    pub content: String,
    /// The category as stored (E3 and dev API: raw; `/v3/memories`: API-normalised).
    pub category: FactCategory,
    pub created_at: Option<OmiDate>,
    pub updated_at: Option<OmiDate>,
    /// The conversation the fact was extracted from; `None` for manual, API, MCP and
    /// integration facts.
    pub conversation_id: Option<String>,
    /// `private` or `public` as stored; `None` when absent (Omi then reads `public`).
    pub visibility: Option<String>,
    pub tags: Vec<String>,
    pub manually_added: bool,
    pub edited: bool,
    pub reviewed: bool,
    /// `Some(false)`: the user rejected the fact (hidden in the app; E3 leaves it out).
    pub user_review: Option<bool>,
    /// Copied from an out-of-credit conversation; APIs truncate its content to 70 chars.
    pub is_locked: bool,
    /// 2026-02-27+ (`headline`), when present.
    pub headline: Option<String>,
    /// Firestore sort key, opaque (§F3.3): `00_999_1773512529`, `050_1768074451`, ….
    pub scoring: Option<String>,
    /// Legacy soft delete (removed 2025-06-09); surviving docs carry `false`.
    pub deleted: bool,
    /// Late 2026 (PR #7656): set when the fact was invalidated or superseded.
    pub invalid_at: Option<String>,
    /// Late 2026: the fact that replaced this one.
    pub superseded_by: Option<String>,
    /// Every other key, as compact JSON, in file order (`memory_id`, `app_id`,
    /// `data_protection_level`, `kg_extracted`, `memory_category`, desktop keys, …).
    pub rest: Vec<(String, String)>,
}

/// A fact category: a value Omi's `MemoryCategory` has had (§F3.2), or the raw string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactCategory {
    Known(FactCategoryKind),
    /// A value Omi never had; kept as written.
    Other(String),
}

impl Default for FactCategory {
    /// `MemoryDB`'s default, `interesting` (C:a90ff6db7).
    fn default() -> Self {
        Self::Known(FactCategoryKind::Interesting)
    }
}

/// Every value of `MemoryCategory` over time (omi-facts.md §F3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FactCategoryKind {
    Interesting,
    System,
    Manual,
    /// 2026-01-10/11 branch build, legacy member since 2026-02-01.
    Auto,
    /// Late 2026.
    Workflow,
    Core,
    Hobbies,
    Lifestyle,
    Interests,
    Habits,
    Work,
    Skills,
    Learnings,
    Other,
}

impl FactCategoryKind {
    /// Every member.
    pub const ALL: [FactCategoryKind; 14] = [
        Self::Interesting,
        Self::System,
        Self::Manual,
        Self::Auto,
        Self::Workflow,
        Self::Core,
        Self::Hobbies,
        Self::Lifestyle,
        Self::Interests,
        Self::Habits,
        Self::Work,
        Self::Skills,
        Self::Learnings,
        Self::Other,
    ];

    /// The stored value string.
    pub fn value(self) -> &'static str {
        match self {
            Self::Interesting => "interesting",
            Self::System => "system",
            Self::Manual => "manual",
            Self::Auto => "auto",
            Self::Workflow => "workflow",
            Self::Core => "core",
            Self::Hobbies => "hobbies",
            Self::Lifestyle => "lifestyle",
            Self::Interests => "interests",
            Self::Habits => "habits",
            Self::Work => "work",
            Self::Skills => "skills",
            Self::Learnings => "learnings",
            Self::Other => "other",
        }
    }

    /// True for the pre-2025-05-19 values and `auto` (the API maps them).
    pub fn is_legacy(self) -> bool {
        !matches!(
            self,
            Self::Interesting | Self::System | Self::Manual | Self::Workflow
        )
    }
}

impl FactCategory {
    /// A category from its stored string.
    pub fn from_value(s: &str) -> Self {
        match FactCategoryKind::ALL.into_iter().find(|k| k.value() == s) {
            Some(k) => Self::Known(k),
            None => Self::Other(s.to_string()),
        }
    }

    /// The value as stored (what E3 shows and what Omi writes into `ns2` metadata).
    pub fn raw(&self) -> &str {
        match self {
            Self::Known(k) => k.value(),
            Self::Other(s) => s,
        }
    }

    /// The value `GET /v3/memories` shows: the `map_legacy_categories` pre-validator
    /// (C:a90ff6db7, `auto` since C:5795fc437): legacy values and `auto` → `system`;
    /// `interesting`, `system`, `manual` kept; any other string → `interesting`.
    /// `workflow` (late 2026) is kept.
    pub fn api_value(&self) -> &'static str {
        match self {
            Self::Known(k) if k.is_legacy() => "system",
            Self::Known(k) => k.value(),
            Self::Other(_) => "interesting",
        }
    }
}

/// The date before which a fact has no `ns2` vector unless the (unpinned) backfill ran:
/// 2026-01-10T00:00:00Z, when the branch build that first wrote `ns2` was deployed
/// (omi-facts.md §F1, §F5.3, §F5.7).
pub const NS2_SINCE_UNIX: i64 = 1_768_003_200;

/// Why Omi would not (or no longer) embed a fact (omi-facts.md §F4.1, §F5.5, §F5.7, late
/// 2026 supersession). A fact with one of these never gets a vector from memlens.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum FactSkip {
    /// `user_review: false`: the user rejected it (Omi hides it, keeps any old vector).
    Rejected,
    /// `deleted: true` (the soft delete removed 2025-06-09).
    Deleted,
    /// `invalid_at` / `superseded_by` set: late 2026 drops such vectors.
    Superseded,
    /// Empty content (the backfill skips these).
    EmptyContent,
    /// The vector id is not a valid Pinecone id.
    InvalidId(String),
}

impl FactSkip {
    /// For people.
    pub fn describe(&self) -> String {
        match self {
            Self::Rejected => "rejected by the user (user_review: false)".into(),
            Self::Deleted => "deleted (legacy soft delete, deleted: true)".into(),
            Self::Superseded => "superseded or invalidated (invalid_at / superseded_by)".into(),
            Self::EmptyContent => "empty content".into(),
            Self::InvalidId(why) => format!("invalid vector id: {why}"),
        }
    }
}

impl Fact {
    /// The reason Omi would not embed this fact, if any (vector-id rules aside, see
    /// [`crate::fact_conventions::fact_skip`]).
    pub fn skip_reason(&self) -> Option<FactSkip> {
        if self.user_review == Some(false) {
            Some(FactSkip::Rejected)
        } else if self.deleted {
            Some(FactSkip::Deleted)
        } else if self.invalid_at.is_some() || self.superseded_by.is_some() {
            Some(FactSkip::Superseded)
        } else if self.content.is_empty() {
            Some(FactSkip::EmptyContent)
        } else {
            None
        }
    }

    /// True when the fact predates `ns2` (created before 2026-01-10): a missing vector is
    /// then expected (§F7.3).
    pub fn predates_ns2(&self) -> bool {
        self.created_at
            .as_ref()
            .is_some_and(|d| d.timestamp() < NS2_SINCE_UNIX)
    }

    /// The first `n` characters of the content on one line, for lists.
    pub fn short(&self, n: usize) -> String {
        let one: String = self
            .content
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        if one.chars().count() <= n {
            one
        } else {
            let mut s: String = one.chars().take(n.saturating_sub(1)).collect();
            s.push('…');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_raw_and_api() {
        let c = FactCategory::from_value("habits");
        assert_eq!((c.raw(), c.api_value()), ("habits", "system"));
        let c = FactCategory::from_value("auto");
        assert_eq!((c.raw(), c.api_value()), ("auto", "system"));
        let c = FactCategory::from_value("manual");
        assert_eq!((c.raw(), c.api_value()), ("manual", "manual"));
        let c = FactCategory::from_value("Health!");
        assert_eq!(c, FactCategory::Other("Health!".into()));
        assert_eq!((c.raw(), c.api_value()), ("Health!", "interesting"));
        assert_eq!(FactCategory::default().raw(), "interesting");
    }

    #[test]
    fn skip_reasons() {
        let f = Fact {
            id: "a".into(),
            content: "x".into(),
            ..Fact::default()
        };
        assert_eq!(f.skip_reason(), None);
        let rejected = Fact {
            user_review: Some(false),
            ..f.clone()
        };
        assert_eq!(rejected.skip_reason(), Some(FactSkip::Rejected));
        let empty = Fact {
            content: String::new(),
            ..f.clone()
        };
        assert_eq!(empty.skip_reason(), Some(FactSkip::EmptyContent));
        let gone = Fact {
            superseded_by: Some("b".into()),
            ..f
        };
        assert_eq!(gone.skip_reason(), Some(FactSkip::Superseded));
    }

    #[test]
    fn ns2_start() {
        let d = OmiDate::parse("2026-01-10T00:00:00+00:00").unwrap();
        assert_eq!(d.timestamp(), NS2_SINCE_UNIX);
    }
}
