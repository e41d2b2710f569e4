//! The one embeddability rule: would Omi embed this conversation into `ns1`, and if not,
//! why. Every part of memlens that decides or shows whether a memory gets a vector
//! (`status`, the reprocess planner, `drift`, `check`, the orphan scan, the TUI list,
//! details and confirm dialogs) asks [`check`] and shows the [`SkipReason`] it answers.
//!
//! The rule follows what Omi's backend does (omi.md §1–§3):
//! - `deleted: true`: Omi hides the conversation and, since 2025-12-20, deletes its vector;
//!   a vector still stored for it is an orphan to clean up, never "missing";
//! - `discarded: true`: Omi never embeds discarded conversations;
//! - `status` other than `completed` (`in_progress`, `processing`, `failed`, …): Omi embeds
//!   only after processing; records with no `status` (E0, early E1) count as completed;
//! - `is_locked: true`: the API blanked the structured parts, so the text here is not the
//!   text Omi embedded;
//! - an id Pinecone would refuse (non-ASCII, or `{uid}-{id}` longer than 512 characters);
//! - a field Omi's pydantic models require is missing (`Event.start`, `Event.title`,
//!   `ActionItem.description`): no Omi version could have rendered its text;
//! - no title and no overview: Omi's text would be only the category line.
//!
//! Only `discarded` and `unfinished` can be forced ([`Overrides`]); the others are never
//! written.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::conventions::{validate_id, vector_id};
use crate::model::Memory;

/// Why a memory is not embedded. Serialized as `{"kind": "unfinished", "detail": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "detail")]
pub enum SkipReason {
    /// `deleted: true`. Never (re)embedded; a stored vector is an orphan.
    Deleted,
    /// The vector id would break Pinecone's id rules (the detail says which).
    InvalidId(String),
    /// `is_locked: true`: structured parts blanked by the API.
    Locked,
    /// A field Omi's models require is missing; the detail is its path
    /// (`structured.events[0].start`).
    Invalid(String),
    /// `discarded: true`. Forced by `--include-discarded`.
    Discarded,
    /// `status` is not `completed`; the detail is the status as written. Forced by
    /// `--include-unfinished`.
    Unfinished(String),
    /// No title and no overview.
    Empty,
}

/// Every kind of reason, in the order [`check`] tests them, with its one-line explanation
/// (for `--help`, the README's status table and the TUI help overlay).
pub const REASONS: [(&str, &str); 7] = [
    (
        "deleted",
        "deleted in Omi: never embedded; a stored vector is an orphan to clean up",
    ),
    (
        "invalid id",
        "the id is not ASCII or {uid}-{id} is over 512 characters: Pinecone refuses it",
    ),
    (
        "locked",
        "returned locked (is_locked): its text is blanked, not what Omi embedded",
    ),
    (
        "invalid",
        "a field Omi's models require is missing (event start/title, action item description)",
    ),
    (
        "discarded",
        "discarded in Omi, which never embeds these (force: --include-discarded)",
    ),
    (
        "unfinished",
        "status is not completed: Omi embeds after processing (force: --include-unfinished)",
    ),
    (
        "empty",
        "no title and no overview: the text would be just the category line",
    ),
];

impl SkipReason {
    /// The reason's kind, one word (`deleted`, `invalid id`, `locked`, `invalid`,
    /// `discarded`, `unfinished`, `empty`): the keys of [`REASONS`] and of plan counts.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Deleted => "deleted",
            Self::InvalidId(_) => "invalid id",
            Self::Locked => "locked",
            Self::Invalid(_) => "invalid",
            Self::Discarded => "discarded",
            Self::Unfinished(_) => "unfinished",
            Self::Empty => "empty",
        }
    }

    /// Short label for lists and plans: `deleted`, `unfinished: in_progress`,
    /// `invalid: events[0].start` (the missing field, `structured.` left out).
    pub fn label(&self) -> String {
        match self {
            Self::Unfinished(status) => format!("unfinished: {status}"),
            Self::Invalid(field) => format!(
                "invalid: {}",
                field.strip_prefix("structured.").unwrap_or(field)
            ),
            other => other.kind().to_string(),
        }
    }

    /// The label with the detail a user acts on (the id rule broken, for invalid ids).
    pub fn detail(&self) -> String {
        match self {
            Self::InvalidId(why) => format!("invalid id: {why}"),
            Self::Invalid(field) => {
                format!("invalid for Omi's models: {field} is required but missing")
            }
            other => other.label(),
        }
    }

    /// The one-line explanation of this kind (from [`REASONS`]).
    pub fn explain(&self) -> &'static str {
        let kind = self.kind();
        REASONS
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or("", |(_, e)| e)
    }

    /// True for the reasons a flag may override (`discarded`, `unfinished`).
    pub fn can_force(&self) -> bool {
        matches!(self, Self::Discarded | Self::Unfinished(_))
    }

    /// The flag that forces this reason, when one does.
    pub fn force_flag(&self) -> Option<&'static str> {
        match self {
            Self::Discarded => Some("--include-discarded"),
            Self::Unfinished(_) => Some("--include-unfinished"),
            _ => None,
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// The answer for one memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Embeddability {
    /// Omi would embed it; memlens may write its vector.
    Embeddable,
    /// Not written, because…
    Skipped(SkipReason),
}

impl Embeddability {
    /// The reason, when skipped.
    pub fn reason(&self) -> Option<&SkipReason> {
        match self {
            Self::Embeddable => None,
            Self::Skipped(r) => Some(r),
        }
    }

    /// True when embeddable.
    pub fn is_embeddable(&self) -> bool {
        matches!(self, Self::Embeddable)
    }
}

/// The reasons a user forced (`--include-discarded`, `--include-unfinished`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Overrides {
    /// Embed discarded memories too.
    pub include_discarded: bool,
    /// Embed memories whose status is not `completed`.
    pub include_unfinished: bool,
}

/// The status Omi gives a processed conversation.
pub const COMPLETED: &str = "completed";

/// The status as a bare value: `ConversationStatus.in_progress` → `in_progress`; `None`
/// for a missing, null or blank status (counted as completed).
pub fn status_value(status: Option<&str>) -> Option<&str> {
    let s = status?.trim();
    let s = s.rsplit('.').next().unwrap_or(s);
    (!s.is_empty()).then_some(s)
}

/// Would Omi embed `m`? `uid` (when known) makes the id check exact (`{uid}-{id}` must
/// fit Pinecone's 512 ASCII characters); without it only the memory id is checked.
/// `overrides` force `discarded` / `unfinished`; nothing forces the other reasons.
pub fn check(m: &Memory, uid: Option<&str>, overrides: Overrides) -> Embeddability {
    match skip_reason(m, uid, overrides) {
        None => Embeddability::Embeddable,
        Some(r) => Embeddability::Skipped(r),
    }
}

/// [`check`]'s reason, `None` when embeddable.
pub fn skip_reason(m: &Memory, uid: Option<&str>, overrides: Overrides) -> Option<SkipReason> {
    if m.deleted {
        return Some(SkipReason::Deleted);
    }
    let id_check = match uid {
        Some(uid) => validate_id(&vector_id(uid, &m.id)),
        None => validate_id(&m.id),
    };
    if let Err(why) = id_check {
        return Some(SkipReason::InvalidId(why));
    }
    if m.locked {
        return Some(SkipReason::Locked);
    }
    if let Some(field) = missing_required(m) {
        return Some(SkipReason::Invalid(field));
    }
    if m.discarded && !overrides.include_discarded {
        return Some(SkipReason::Discarded);
    }
    if let Some(status) = status_value(m.status.as_deref())
        && status != COMPLETED
        && !overrides.include_unfinished
    {
        return Some(SkipReason::Unfinished(status.to_string()));
    }
    let s = &m.structured;
    if s.title.trim().is_empty() && s.overview.trim().is_empty() {
        return Some(SkipReason::Empty);
    }
    None
}

/// The first required field the memory lacks: what the loader recorded, else an event
/// without a start (a memory built in code).
fn missing_required(m: &Memory) -> Option<String> {
    if let Some(first) = m.missing_required.first() {
        return Some(first.clone());
    }
    m.structured
        .events
        .iter()
        .position(|e| e.start.is_none())
        .map(|i| format!("structured.events[{i}].start"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::date::OmiDate;
    use crate::model::{Event, Structured};

    fn good() -> Memory {
        Memory {
            id: "m1".into(),
            status: Some("completed".into()),
            structured: Structured {
                title: "Lunch".into(),
                overview: "Talked about lunch.".into(),
                ..Structured::default()
            },
            ..Memory::default()
        }
    }

    fn reason(m: &Memory) -> Option<SkipReason> {
        skip_reason(m, Some("u1"), Overrides::default())
    }

    #[test]
    fn completed_with_text_is_embeddable() {
        assert_eq!(
            check(&good(), Some("u1"), Overrides::default()),
            Embeddability::Embeddable
        );
        let mut no_status = good();
        no_status.status = None;
        assert_eq!(reason(&no_status), None, "E0 / early E1: no status field");
        no_status.status = Some("ConversationStatus.completed".into());
        assert_eq!(reason(&no_status), None, "Dart enum spelling");
    }

    #[test]
    fn deleted() {
        let mut m = good();
        m.deleted = true;
        m.discarded = true;
        assert_eq!(reason(&m), Some(SkipReason::Deleted));
        let all = Overrides {
            include_discarded: true,
            include_unfinished: true,
        };
        assert_eq!(skip_reason(&m, Some("u1"), all), Some(SkipReason::Deleted));
        assert!(!SkipReason::Deleted.can_force());
    }

    #[test]
    fn discarded_can_be_forced() {
        let mut m = good();
        m.discarded = true;
        assert_eq!(reason(&m), Some(SkipReason::Discarded));
        let force = Overrides {
            include_discarded: true,
            ..Overrides::default()
        };
        assert_eq!(skip_reason(&m, Some("u1"), force), None);
    }

    #[test]
    fn unfinished_statuses() {
        for s in ["in_progress", "processing", "failed", "merging"] {
            let mut m = good();
            m.status = Some(s.into());
            assert_eq!(reason(&m), Some(SkipReason::Unfinished(s.into())));
            assert_eq!(reason(&m).unwrap().label(), format!("unfinished: {s}"));
            let force = Overrides {
                include_unfinished: true,
                ..Overrides::default()
            };
            assert_eq!(skip_reason(&m, Some("u1"), force), None);
        }
        let mut m = good();
        m.status = Some("  ".into());
        assert_eq!(reason(&m), None, "a blank status counts as completed");
    }

    #[test]
    fn empty() {
        let mut m = good();
        m.structured.title = " ".into();
        m.structured.overview.clear();
        assert_eq!(reason(&m), Some(SkipReason::Empty));
        m.structured.overview = "x".into();
        assert_eq!(reason(&m), None, "an overview alone is text");
    }

    #[test]
    fn locked_is_never_forced() {
        let mut m = good();
        m.locked = true;
        m.discarded = true;
        let all = Overrides {
            include_discarded: true,
            include_unfinished: true,
        };
        assert_eq!(skip_reason(&m, Some("u1"), all), Some(SkipReason::Locked));
    }

    #[test]
    fn invalid_ids() {
        let mut m = good();
        m.id = "mémoire".into();
        assert!(matches!(reason(&m), Some(SkipReason::InvalidId(w)) if w.contains("ASCII")));
        m.id = "a".repeat(510);
        assert_eq!(skip_reason(&m, None, Overrides::default()), None);
        assert!(
            matches!(reason(&m), Some(SkipReason::InvalidId(w)) if w.contains("513")),
            "with the uid the vector id is u1-… (513 characters)"
        );
    }

    #[test]
    fn invalid_for_omis_models() {
        let mut m = good();
        m.structured.events.push(Event {
            title: "Standup".into(),
            start: Some(OmiDate::parse("2025-01-01T09:00:00Z").unwrap()),
            ..Event::default()
        });
        m.structured.events.push(Event {
            title: "No start".into(),
            ..Event::default()
        });
        assert_eq!(
            reason(&m),
            Some(SkipReason::Invalid("structured.events[1].start".into()))
        );
        let mut m = good();
        m.missing_required = vec!["structured.action_items[0].description".into()];
        let r = reason(&m).unwrap();
        assert_eq!(r.label(), "invalid: action_items[0].description");
        assert_eq!(
            r.detail(),
            "invalid for Omi's models: structured.action_items[0].description is required but missing"
        );
        assert!(!r.can_force());
    }

    #[test]
    fn every_kind_is_explained() {
        let all = [
            SkipReason::Deleted,
            SkipReason::InvalidId(String::new()),
            SkipReason::Locked,
            SkipReason::Invalid(String::new()),
            SkipReason::Discarded,
            SkipReason::Unfinished(String::new()),
            SkipReason::Empty,
        ];
        for (r, (kind, _)) in all.iter().zip(REASONS) {
            assert_eq!(r.kind(), kind);
            assert!(!r.explain().is_empty());
            assert_eq!(r.force_flag().is_some(), r.can_force());
        }
        let json = serde_json::to_string(&SkipReason::Unfinished("failed".into())).unwrap();
        assert_eq!(json, r#"{"kind":"unfinished","detail":"failed"}"#);
    }
}
