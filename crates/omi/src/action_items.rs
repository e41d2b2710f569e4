//! Omi's standalone action items and their `ns4` vectors
//! (`../shared/specs/omi-namespaces-2026.md` §2): the export's `action_items` section
//! (§2.4), `task_data.candidates` (which get no vector, §2.2), the vector id
//! `{uid}-ai-{action_item_id}` and metadata `{uid, action_item_id, created_at}` (§2.1), the
//! reasons an item may lack a vector (§2.2) and the likely causes of an orphan (§2.3).

use std::collections::HashMap;

use serde::Deserialize;

use crate::conventions::{KEY_CREATED_AT, KEY_UID, validate_id};
use crate::date::OmiDate;
use crate::export::{BadRecord, Duplicate};
use crate::vector::{MetaValue, Metadata};

/// The namespace Omi stores action-item vectors in (§2.1).
pub const ACTION_ITEMS_NAMESPACE: &str = "ns4";
/// Metadata key of the action item's id (§2.1).
pub const KEY_ACTION_ITEM_ID: &str = "action_item_id";
/// The score Omi's action-item search keeps (≥, §2.1).
pub const THRESHOLD_SEARCH: f32 = 0.3;
/// The score Omi's duplicate detection keeps (≥, top 10, §2.1).
pub const THRESHOLD_DUPLICATE: f32 = 0.6;
/// Omi began writing `ns4` vectors on this day (UTC, 2026-04-20 00:00): Unix seconds (§2.2).
pub const NS4_SINCE: i64 = 1_776_643_200;

/// One standalone action item of the export (`action_items[]`, §2.4). Only the fields
/// memlens reads; unknown keys are normal and ignored.
#[derive(Debug, Clone, PartialEq)]
pub struct OmiActionItem {
    /// The item's id (`action_item_id` in `ns4`).
    pub id: String,
    /// The text Omi embeds, exactly as stored (§2.1).
    pub description: String,
    pub completed: bool,
    /// `active` / `completed`, when present.
    pub status: Option<String>,
    pub created_at: Option<OmiDate>,
    pub updated_at: Option<OmiDate>,
    /// The conversation it was extracted from; `None` for manual, MCP and shared tasks.
    pub conversation_id: Option<String>,
    /// `conversation`, `legacy`, … when present.
    pub source: Option<String>,
}

/// A `task_data.candidates` entry: a task Omi proposed; it has no vector (§2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: Option<String>,
    pub description: String,
    pub conversation_id: Option<String>,
}

/// The export's action items (§2.4).
#[derive(Debug, Clone, Default)]
pub struct ActionItemSection {
    /// False when the export has no `action_items` key (older exports, other shapes).
    pub present: bool,
    /// Items that loaded, in file order (Omi orders them by id).
    pub items: Vec<OmiActionItem>,
    /// Items that did not load, with the reason (index within the section).
    pub bad_records: Vec<BadRecord>,
    /// Repeated ids (later records skipped).
    pub duplicates: Vec<Duplicate>,
    /// `task_data.candidates`: shown as "candidate: Omi writes no vector".
    pub candidates: Vec<Candidate>,
}

impl ActionItemSection {
    /// The item with this id.
    pub fn get(&self, id: &str) -> Option<&OmiActionItem> {
        self.items.iter().find(|i| i.id == id)
    }

    /// What to say when the export has no section: `None` when it has one.
    pub fn absent_note(&self) -> Option<&'static str> {
        (!self.present).then_some(
            "this export has no action_items section (exports before late 2026 lack it): \
             nothing to compare ns4 with",
        )
    }

    /// What to say when the section is present but holds no item (and none failed to
    /// load): Omi exports every stored item but deleted ones (§2.4), so it holds no `ns4`
    /// vector for this export. `None` otherwise.
    pub fn empty_note(&self) -> Option<&'static str> {
        (self.present && self.items.is_empty() && self.bad_records.is_empty()).then_some(
            "the export's action_items section is empty: Omi holds no ns4 vectors for it",
        )
    }

    /// Parse the raw JSON text of `action_items` and of `task_data` (either may be `None`:
    /// the key was absent). Python-style `NaN` sentinels are values like any other here:
    /// a record whose read fields do not fit is reported, the rest load.
    pub fn parse(action_items: Option<&str>, task_data: Option<&str>) -> Self {
        let mut out = Self {
            present: action_items.is_some(),
            ..Self::default()
        };
        if let Some(text) = action_items {
            match serde_json::from_str::<Vec<serde_json::Value>>(text) {
                Ok(values) => out.load_items(values),
                Err(e) => out.bad_records.push(BadRecord {
                    index: 0,
                    id: None,
                    line: 0,
                    reason: format!("action_items is not a list of objects: {e}"),
                }),
            }
        }
        if let Some(text) = task_data
            && let Ok(td) = serde_json::from_str::<RawTaskData>(text)
        {
            out.candidates = td
                .candidates
                .into_iter()
                .filter_map(|v| serde_json::from_value::<RawCandidate>(v).ok())
                .map(|c| Candidate {
                    id: c.id,
                    description: c.description.unwrap_or_default(),
                    conversation_id: c.conversation_id,
                })
                .collect();
        }
        out
    }

    fn load_items(&mut self, values: Vec<serde_json::Value>) {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (index, v) in values.into_iter().enumerate() {
            let id_hint = v.get("id").and_then(|i| i.as_str()).map(str::to_string);
            match serde_json::from_value::<RawItem>(v).map_err(|e| e.to_string()) {
                Ok(raw) => match raw.into_item() {
                    Ok(item) => {
                        if let Some(&first_index) = seen.get(&item.id) {
                            self.duplicates.push(Duplicate {
                                id: item.id,
                                first_index,
                                index,
                            });
                        } else {
                            seen.insert(item.id.clone(), index);
                            self.items.push(item);
                        }
                    }
                    Err(reason) => self.bad_records.push(BadRecord {
                        index,
                        id: id_hint,
                        line: 0,
                        reason,
                    }),
                },
                Err(reason) => self.bad_records.push(BadRecord {
                    index,
                    id: id_hint,
                    line: 0,
                    reason,
                }),
            }
        }
    }
}

#[derive(Deserialize)]
struct RawItem {
    id: Option<String>,
    description: Option<String>,
    #[serde(default)]
    completed: Option<bool>,
    status: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    conversation_id: Option<String>,
    source: Option<String>,
}

impl RawItem {
    fn into_item(self) -> Result<OmiActionItem, String> {
        let id = self
            .id
            .filter(|i| !i.is_empty())
            .ok_or("no id: Omi's items always have one")?;
        let date = |field: &str, v: Option<String>| -> Result<Option<OmiDate>, String> {
            v.map(|s| OmiDate::parse(&s).map_err(|e| format!("{field}: {e}")))
                .transpose()
        };
        Ok(OmiActionItem {
            id,
            description: self.description.unwrap_or_default(),
            completed: self.completed.unwrap_or(false),
            status: self.status,
            created_at: date("created_at", self.created_at)?,
            updated_at: date("updated_at", self.updated_at)?,
            conversation_id: self.conversation_id.filter(|c| !c.is_empty()),
            source: self.source,
        })
    }
}

#[derive(Deserialize)]
struct RawTaskData {
    #[serde(default)]
    candidates: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct RawCandidate {
    id: Option<String>,
    description: Option<String>,
    conversation_id: Option<String>,
}

/// The vector id of an action item: `{uid}-ai-{action_item_id}` (§2.1).
pub fn action_item_vector_id(uid: &str, action_item_id: &str) -> String {
    format!("{uid}-ai-{action_item_id}")
}

/// The id prefix of every `ns4` vector of a user: `{uid}-ai-`.
pub fn action_item_id_prefix(uid: &str) -> String {
    format!("{uid}-ai-")
}

/// The `action_item_id` of an `ns4` vector id, or `None` when `id` is not
/// `{uid}-ai-{action_item_id}`.
pub fn parse_action_item_vector_id<'a>(uid: &str, id: &'a str) -> Option<&'a str> {
    id.strip_prefix(uid)?
        .strip_prefix("-ai-")
        .filter(|rest| !rest.is_empty())
}

/// Omi's metadata for an action-item vector, exactly `{uid, action_item_id, created_at}`
/// with `created_at` the time of the upsert in Unix seconds (§2.1).
pub fn action_item_metadata(uid: &str, action_item_id: &str, now: i64) -> Metadata {
    let mut m = Metadata::new();
    m.insert(KEY_UID.into(), MetaValue::String(uid.into()));
    m.insert(
        KEY_ACTION_ITEM_ID.into(),
        MetaValue::String(action_item_id.into()),
    );
    m.insert(KEY_CREATED_AT.into(), MetaValue::Number(now as f64));
    m
}

/// Why Omi writes no vector for an item (§2.2): only an id Pinecone refuses; every stored
/// item is embedded, completed or not. (Candidates are not items: see [`Candidate`].)
pub fn action_item_skip(item: &OmiActionItem, uid: &str) -> Option<String> {
    validate_id(&action_item_vector_id(uid, &item.id))
        .err()
        .map(|e| format!("invalid vector id: {e}"))
}

/// Why an item that should have a vector may legitimately lack one (§2.2), in plain words:
/// made before Omi wrote `ns4`, or Omi's swallowed upsert error.
pub fn missing_reason(item: &OmiActionItem) -> String {
    match &item.created_at {
        Some(d) if d.timestamp() < NS4_SINCE => {
            "created before 2026-04-20, when Omi began writing ns4 vectors (a backfill may or \
             may not have run)"
                .into()
        }
        _ => "Omi swallows a failed upsert (\"task saved, vector missing\"); reprocess writes it"
            .into(),
    }
}

/// Where an orphan `ns4` vector's item went, when the export can tell (§2.3): `deleted`
/// / `discarded` say its conversation is so marked in the export; `in_export` says the
/// conversation is there and the item is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrphanConversation {
    /// Not known which conversation the item came from.
    Unknown,
    /// The conversation is in the export, the item is not.
    InExport,
    /// The conversation is marked deleted (cascade delete, PR #15950).
    Deleted,
    /// The conversation is discarded.
    Discarded,
}

/// The likely cause of an orphan `ns4` vector (§2.3), for people.
pub fn orphan_cause(conversation: OrphanConversation) -> &'static str {
    match conversation {
        OrphanConversation::Unknown => {
            "the item is not in the export: deleted by swipe (PR #15317), with its \
             conversation (cascade, PR #15950) or by a merge (PR #15953) without its vector"
        }
        OrphanConversation::InExport => {
            "its conversation is in the export but the item is gone: deleted by swipe \
             (PR #15317) or recreated with a new id by a reprocess"
        }
        OrphanConversation::Deleted => {
            "its conversation is deleted: a cascade delete left the vector (PR #15950)"
        }
        OrphanConversation::Discarded => {
            "its conversation is discarded: the item was deleted and its vector left behind"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_metadata_as_omi_writes_them() {
        let uid = "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A";
        let id = action_item_vector_id(uid, "0Hq2bN7xT4mK9pL1sD6f");
        assert_eq!(id, "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A-ai-0Hq2bN7xT4mK9pL1sD6f");
        assert_eq!(
            parse_action_item_vector_id(uid, &id),
            Some("0Hq2bN7xT4mK9pL1sD6f")
        );
        assert_eq!(parse_action_item_vector_id(uid, &format!("{uid}-x")), None);
        assert_eq!(
            parse_action_item_vector_id(uid, &format!("{uid}-ai-")),
            None
        );
        let m = action_item_metadata(uid, "0Hq2bN7xT4mK9pL1sD6f", 1_792_000_000);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"action_item_id":"0Hq2bN7xT4mK9pL1sD6f","created_at":1792000000,"uid":"Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A"}"#
        );
    }

    #[test]
    fn the_section_loads_reports_and_keeps_candidates() {
        let s = ActionItemSection::parse(
            Some(
                r#"[{"id":"a","description":"Send it ","completed":true,"status":"completed",
                    "created_at":"2026-01-02T00:00:00+00:00","conversation_id":null,"x":1},
                   {"id":"b","created_at":"yesterday"},
                   {"description":"no id"},
                   {"id":"a","description":"again"}]"#,
            ),
            Some(
                r#"{"candidates":[{"id":"c1","description":"Book it","conversation_id":"k"}],"goals":[]}"#,
            ),
        );
        assert!(s.present);
        assert_eq!(s.items.len(), 1);
        assert_eq!(s.items[0].description, "Send it ");
        assert!(s.items[0].completed && s.items[0].conversation_id.is_none());
        assert_eq!(s.bad_records.len(), 2);
        assert_eq!(s.bad_records[0].id.as_deref(), Some("b"));
        assert_eq!(s.duplicates[0].index, 3);
        assert_eq!(s.candidates[0].description, "Book it");
        assert!(missing_reason(&s.items[0]).starts_with("created before 2026-04-20"));
        let none = ActionItemSection::parse(None, None);
        assert!(!none.present && none.absent_note().is_some());
        assert_eq!(none.empty_note(), None);
        assert_eq!(s.empty_note(), None);
        let empty = ActionItemSection::parse(Some("[]"), None);
        assert_eq!(empty.absent_note(), None);
        assert!(empty.empty_note().unwrap().contains("section is empty"));
    }
}
