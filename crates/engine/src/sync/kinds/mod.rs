//! Record kinds: one trait ([`RecordKind`]), one small implementation per kind of vector
//! Omi writes (conversations `ns1`, facts `ns2`, action items `ns4`, transcript chunks
//! `ns_tchunks`), and machinery written once over it: the status of every record
//! ([`status::kind_status`]: list the user's prefix in pages, fetch in batches, verify by
//! re-embedding), orphans with their likely cause, and Omi's writes ([`write`]: plan, then
//! upsert in batches of 100 and delete orphan ids). ripgrep's `Matcher`/`Sink` is the
//! shape: what differs per kind is small and declarative (the table of
//! [`memlens_omi::record_kind::KindSpec`] plus the pure id/metadata/text rules of
//! `memlens_omi`); everything else is generic.
//!
//! A kind says three things: which records Omi would hold for an export
//! ([`RecordKind::expected`], with Omi's skip reasons and why a missing one may be normal),
//! which prefix enumerates the user's stored records ([`RecordKind::list_prefix`]), and
//! why a stored id is an orphan ([`RecordKind::orphan_cause`]).

use crate::omi::Memory;
use crate::omi::action_items::{
    self, OrphanConversation, action_item_id_prefix, action_item_metadata, action_item_skip,
    action_item_vector_id, parse_action_item_vector_id,
};
use crate::omi::chunks::{
    chunk_metadata, chunk_vector_id, parse_chunk_vector_id, transcript_chunks,
};
use crate::omi::conventions::{memory_metadata, strip_uid_prefix, user_prefix, vector_id};
use crate::omi::export::Export;
use crate::omi::fact_conventions::{fact_metadata, fact_skip, fact_vector_id};
use crate::omi::policy::{self, Overrides};
use crate::omi::record_kind::{Kind, KindSpec};
use crate::omi::text::{TextFormat, render};
use crate::store::Metadata;

pub mod explain;
pub mod facts;
pub mod lookup;
pub mod search;
pub mod status;
pub mod write;

/// One record Omi would hold (or would skip) for an export.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    /// What the record belongs to: the conversation (conversations, chunks), the fact, the
    /// action item.
    pub owner: String,
    /// The record's name for people: the owner's id, or `{conversation_id} c{n}` for a chunk.
    pub key: String,
    /// Omi's vector id.
    pub vector_id: String,
    /// The exact text Omi embeds.
    pub text: String,
    /// Omi's metadata; for kinds whose `created_at` is the upsert time (facts, action
    /// items) it holds the `now` given to [`RecordKind::expected`].
    pub metadata: Metadata,
    /// Why Omi would write no vector (the record is listed, not written).
    pub skip: Option<String>,
    /// Why a missing vector may be normal, in plain words.
    pub missing_reason: String,
    /// Unix seconds of the owner (conversation `started_at or created_at`, item
    /// `created_at`), for "newest first"; 0 when unknown.
    pub date: i64,
}

/// An owner of the export Omi would write no record for at all (chunks: a conversation
/// Omi's backfill skips), and why. Not a record: it has no vector id and no row; plans
/// name it as skipped and reports count it in its own unit (conversations).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedOwner {
    pub owner: String,
    pub reason: String,
}

/// One kind of Omi's vectors (see the module docs).
pub trait RecordKind: Send + Sync {
    /// Which kind.
    fn kind(&self) -> Kind;
    /// Its declarative data (namespace, id shape, search, spec sections).
    fn spec(&self) -> &'static KindSpec {
        self.kind().spec()
    }
    /// The id prefix that lists every stored record of the user of this kind.
    fn list_prefix(&self, uid: &str) -> String;
    /// The records Omi would hold for `export`, in export order (skipped ones included).
    /// `now` is the upsert time for kinds whose metadata records it.
    fn expected(&self, export: &Export, uid: &str, now: i64) -> Vec<Expected>;
    /// The owners for which Omi would write no record at all, in export order, with the
    /// reason: their records are not in [`RecordKind::expected`] (a skipped conversation
    /// has no chunks to list). Default: none (for conversations, facts and action items a
    /// skipped owner is one skipped record).
    fn skipped_owners(&self, _export: &Export) -> Vec<SkippedOwner> {
        Vec::new()
    }
    /// Why an owner the export holds has no record of this kind although Omi would take
    /// it (a completed conversation without transcript lines has no chunks); `None`
    /// (the default) when the export does not hold `owner`.
    fn empty_owner(&self, _export: &Export, _owner: &str) -> Option<String> {
        None
    }
    /// Why a listed id is an orphan; `None` when it belongs to a record of the export.
    /// Called for every listed id that no unskipped [`Expected`] has.
    fn orphan_cause(&self, export: &Export, uid: &str, vector_id: &str) -> Option<String>;
    /// The owner (conversation, fact, item id) a stored id names, when it is this kind's id.
    fn owner_of(&self, uid: &str, vector_id: &str) -> Option<String>;
    /// Why a stored orphan is never deleted, from its metadata (facts: a late-2026
    /// canonical record, omi-facts.md §F5.8); `None` (the default) when it may be.
    fn never_delete(&self, _vector_id: &str, _metadata: &Metadata) -> Option<String> {
        None
    }
}

/// The implementation of `kind`; `format` is the text format conversations are rendered in.
pub fn record_kind(kind: Kind, format: TextFormat) -> Box<dyn RecordKind> {
    match kind {
        Kind::Conversations => Box::new(Conversations { format }),
        Kind::Facts => Box::new(Facts),
        Kind::ActionItems => Box::new(ActionItems),
        Kind::Chunks => Box::new(Chunks),
    }
}

fn conversation_date(m: &Memory) -> i64 {
    m.started_at
        .as_ref()
        .or(m.created_at.as_ref())
        .map_or(0, |d| d.timestamp())
}

/// `ns1` (omi.md §1): one vector per conversation, its summary in `format`.
pub struct Conversations {
    pub format: TextFormat,
}

impl RecordKind for Conversations {
    fn kind(&self) -> Kind {
        Kind::Conversations
    }
    fn list_prefix(&self, uid: &str) -> String {
        user_prefix(uid)
    }
    fn expected(&self, export: &Export, uid: &str, _now: i64) -> Vec<Expected> {
        export
            .memories
            .iter()
            .map(|m| {
                let created = m.created_at.as_ref().map_or(0, |d| d.timestamp());
                Expected {
                    owner: m.id.clone(),
                    key: m.id.clone(),
                    vector_id: vector_id(uid, &m.id),
                    text: render(&m.structured, self.format),
                    metadata: memory_metadata(uid, &m.id, created),
                    skip: policy::skip_reason(m, Some(uid), Overrides::default())
                        .map(|s| s.detail()),
                    missing_reason: "Omi writes it when the conversation is processed".into(),
                    date: conversation_date(m),
                }
            })
            .collect()
    }
    fn orphan_cause(&self, export: &Export, uid: &str, id: &str) -> Option<String> {
        let mid = strip_uid_prefix(uid, id)?;
        match export.get(mid) {
            None => Some("the conversation is not in the export".into()),
            Some(m) if m.deleted => Some("the conversation is deleted in the export".into()),
            Some(_) => None,
        }
    }
    fn owner_of(&self, uid: &str, id: &str) -> Option<String> {
        strip_uid_prefix(uid, id).map(str::to_string)
    }
}

/// The conversations' by-id rules (`status::lookup`, `status::verify`): Omi's id, the
/// summary in `format`, and [`crate::sync::status::classify`]'s classes.
impl lookup::ByIdRules<Memory> for Conversations {
    fn key(&self, m: &Memory) -> String {
        m.id.clone()
    }
    fn classify(
        &self,
        uid: &str,
        m: &Memory,
        record: Option<&crate::store::Record>,
        dimension: Option<usize>,
    ) -> crate::sync::status::StatusEntry {
        crate::sync::status::classify(m, uid, record, dimension)
    }
    fn text(&self, m: &Memory) -> String {
        render(&m.structured, self.format)
    }
}

/// `ns2` (omi-facts.md §F5): one vector per fact, its content (its by-id rules and
/// classes are in [`facts`]).
pub struct Facts;

impl RecordKind for Facts {
    fn kind(&self) -> Kind {
        Kind::Facts
    }
    fn list_prefix(&self, uid: &str) -> String {
        user_prefix(uid)
    }
    fn expected(&self, export: &Export, uid: &str, now: i64) -> Vec<Expected> {
        export
            .fact_section
            .facts
            .iter()
            .map(|f| Expected {
                owner: f.id.clone(),
                key: f.id.clone(),
                vector_id: fact_vector_id(uid, &f.id),
                text: f.content.clone(),
                metadata: fact_metadata(uid, &f.id, f.category.raw(), now),
                skip: fact_skip(f, uid).map(|s| s.describe()),
                missing_reason: "Omi writes it when the fact is extracted or edited".into(),
                date: f.created_at.as_ref().map_or(0, |d| d.timestamp()),
            })
            .collect()
    }
    fn orphan_cause(&self, export: &Export, uid: &str, id: &str) -> Option<String> {
        // A fact the export holds (even a legacy `deleted` one) is not an orphan: its
        // state is its own skip reason (omi-facts.md §F7.3: "the ns2 id has no fact in
        // the export").
        let fid = strip_uid_prefix(uid, id)?;
        export
            .fact_section
            .get(fid)
            .is_none()
            .then(|| "the fact is not in the export".into())
    }
    fn owner_of(&self, uid: &str, id: &str) -> Option<String> {
        strip_uid_prefix(uid, id).map(str::to_string)
    }
    fn never_delete(&self, id: &str, metadata: &Metadata) -> Option<String> {
        crate::omi::fact_conventions::foreign_reason(id, metadata)
            .map(|why| format!("foreign: {why}; never deleted"))
    }
}

/// `ns4` (omi-namespaces-2026.md §2): one vector per standalone action item.
pub struct ActionItems;

impl RecordKind for ActionItems {
    fn kind(&self) -> Kind {
        Kind::ActionItems
    }
    fn list_prefix(&self, uid: &str) -> String {
        action_item_id_prefix(uid)
    }
    fn expected(&self, export: &Export, uid: &str, now: i64) -> Vec<Expected> {
        export
            .action_items
            .items
            .iter()
            .map(|i| Expected {
                owner: i.id.clone(),
                key: i.id.clone(),
                vector_id: action_item_vector_id(uid, &i.id),
                text: i.description.clone(),
                metadata: action_item_metadata(uid, &i.id, now),
                skip: action_item_skip(i, uid),
                missing_reason: action_items::missing_reason(i),
                date: i.created_at.as_ref().map_or(0, |d| d.timestamp()),
            })
            .collect()
    }
    fn orphan_cause(&self, export: &Export, uid: &str, id: &str) -> Option<String> {
        let aid = parse_action_item_vector_id(uid, id)?;
        if export.action_items.get(aid).is_some() {
            return None;
        }
        Some(action_items::orphan_cause(OrphanConversation::Unknown).into())
    }
    fn owner_of(&self, uid: &str, id: &str) -> Option<String> {
        parse_action_item_vector_id(uid, id).map(str::to_string)
    }
}

/// `ns_tchunks` (omi-namespaces-2026.md §1): the transcript in windows of 8 lines.
pub struct Chunks;

/// Why Omi's backfill would not chunk a conversation (§1.3): not completed, discarded,
/// deleted. An export without a `status` field (E1/E2 app exports, API shapes) is read
/// as completed, the rule memlens applies to `ns1` too (README, the status table): the
/// field is absent from the file, not from the conversation Omi holds. The one rule for
/// every chunk writer (`reprocess --kind chunks` and the local auto-index).
pub fn chunk_skip(m: &Memory) -> Option<String> {
    if m.deleted {
        Some("deleted: Omi's backfill skips it".into())
    } else if m.discarded {
        Some("discarded: Omi's backfill skips it".into())
    } else {
        m.status
            .as_deref()
            .filter(|s| *s != "completed")
            .map(|status| {
                format!("status {status}: Omi's backfill takes completed conversations only")
            })
    }
}

/// The plain reason a chunk is missing (§1.3).
pub const CHUNKS_MISSING: &str = "Omi writes chunks only by backfill";

impl RecordKind for Chunks {
    fn kind(&self) -> Kind {
        Kind::Chunks
    }
    fn list_prefix(&self, uid: &str) -> String {
        user_prefix(uid)
    }
    /// The chunks of every conversation Omi's backfill takes (§1.3). A conversation it
    /// skips (deleted, discarded, not completed) has no chunks at all — not chunks that
    /// are skipped: its transcript is never chunked, so it is one of
    /// [`RecordKind::skipped_owners`], and a stored chunk of it is an orphan. (Listing
    /// its would-be chunks as skipped records made a discarded conversation's `c0` a
    /// chunk row of its own, counted beside the chunks Omi writes, and a stored one both
    /// `present` and an orphan.) A conversation without transcript lines has none either
    /// (§1.1 step 3).
    fn expected(&self, export: &Export, uid: &str, _now: i64) -> Vec<Expected> {
        let mut out = Vec::new();
        for m in export.memories.iter().filter(|m| chunk_skip(m).is_none()) {
            for c in transcript_chunks(m) {
                out.push(Expected {
                    owner: m.id.clone(),
                    key: format!("{} c{}", m.id, c.chunk_index),
                    vector_id: chunk_vector_id(uid, &m.id, c.chunk_index),
                    metadata: chunk_metadata(uid, &m.id, c.chunk_index, c.created_at),
                    text: c.text,
                    skip: None,
                    missing_reason: CHUNKS_MISSING.into(),
                    date: conversation_date(m),
                });
            }
        }
        out
    }
    fn skipped_owners(&self, export: &Export) -> Vec<SkippedOwner> {
        export
            .memories
            .iter()
            .filter_map(|m| {
                chunk_skip(m).map(|reason| SkippedOwner {
                    owner: m.id.clone(),
                    reason,
                })
            })
            .collect()
    }
    fn empty_owner(&self, export: &Export, owner: &str) -> Option<String> {
        export.get(owner).map(|_| {
            "no transcript lines: Omi's chunker makes no chunks (omi-namespaces-2026.md §1.1)"
                .to_string()
        })
    }
    fn orphan_cause(&self, export: &Export, uid: &str, id: &str) -> Option<String> {
        let (cid, index) = parse_chunk_vector_id(uid, id)?;
        let Some(m) = export.get(cid) else {
            return Some("its conversation is not in the export (merged away or deleted)".into());
        };
        if m.deleted {
            return Some("its conversation is deleted".into());
        }
        if m.discarded {
            return Some("its conversation is discarded".into());
        }
        let count = transcript_chunks(m).len();
        (index >= count).then(|| {
            format!(
                "beyond the conversation's {count} chunk(s): the transcript got shorter and \
                 Omi's backfill does not delete the old tail"
            )
        })
    }
    fn owner_of(&self, uid: &str, id: &str) -> Option<String> {
        parse_chunk_vector_id(uid, id).map(|(c, _)| c.to_string())
    }
}

/// The records of `kind`'s section of the export that could not be read: conversations
/// (for conversations and their chunks), facts, or action items.
pub fn unreadable_records(kind: Kind, export: &Export) -> &[crate::omi::export::BadRecord] {
    match kind {
        Kind::Conversations | Kind::Chunks => &export.bad_records,
        Kind::Facts => &export.fact_section.bad_records,
        Kind::ActionItems => &export.action_items.bad_records,
    }
}

/// Why `export` cannot be read as all of the user's records of `kind`, so that a stored
/// record absent from it is not known to be gone: the file's completeness marker, or
/// records of the kind's own section that could not be read. Orphan deletes of the kind
/// are refused while this is `Some`, unless the user names the risk
/// (`--allow-incomplete-export`).
pub fn incomplete_reason(kind: Kind, export: &Export) -> Option<String> {
    let noun = match kind {
        Kind::Conversations | Kind::Chunks => "record",
        Kind::Facts => "fact record",
        Kind::ActionItems => "action item record",
    };
    crate::omi::export::join_reasons(
        export.marker_reason(),
        crate::omi::export::unreadable_note(unreadable_records(kind, export), noun),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::export::load_bytes;

    fn export() -> Export {
        let seg = |t: &str| format!(r#"{{"text":"{t}","is_user":true}}"#);
        let lines = |n: usize| {
            (0..n)
                .map(|i| seg(&format!("l{i}")))
                .collect::<Vec<_>>()
                .join(",")
        };
        let text = format!(
            r#"{{"profile":{{"uid":"u"}},"conversations":[
              {{"id":"old","created_at":"2026-01-01T00:00:00+00:00","status":"completed","transcript_segments":[{}]}},
              {{"id":"new","created_at":"2026-06-01T00:00:00+00:00","status":"completed","transcript_segments":[{}]}},
              {{"id":"gone","created_at":"2026-07-01T00:00:00+00:00","status":"completed","discarded":true,"transcript_segments":[{}]}},
              {{"id":"wip","created_at":"2026-08-01T00:00:00+00:00","status":"processing","transcript_segments":[{}]}}],
              "action_items":[{{"id":"a1","description":"Do it","created_at":"2026-01-01T00:00:00+00:00"}}]}}"#,
            lines(14),
            lines(3),
            lines(3),
            lines(3)
        );
        load_bytes("omi-export.json", text.as_bytes()).unwrap()
    }

    #[test]
    fn chunks_expected_and_orphan_causes() {
        let x = export();
        let k = Chunks;
        let e = k.expected(&x, "u", 0);
        let ids: Vec<&str> = e.iter().map(|r| r.vector_id.as_str()).collect();
        // The discarded and the unfinished conversation have no chunks (the backfill
        // never chunks them): they are skipped owners, not skipped chunk rows.
        assert_eq!(ids, ["u-old-c0", "u-old-c1", "u-new-c0"]);
        assert!(e.iter().all(|r| r.skip.is_none()));
        let skipped = k.skipped_owners(&x);
        let owners: Vec<&str> = skipped.iter().map(|s| s.owner.as_str()).collect();
        assert_eq!(owners, ["gone", "wip"]);
        assert!(skipped[0].reason.starts_with("discarded"));
        assert!(skipped[1].reason.contains("status processing"));
        assert!(ActionItems.skipped_owners(&x).is_empty());
        assert_eq!(k.orphan_cause(&x, "u", "u-old-c1"), None);
        assert!(
            k.orphan_cause(&x, "u", "u-old-c2")
                .unwrap()
                .starts_with("beyond the conversation's 2")
        );
        assert!(
            k.orphan_cause(&x, "u", "u-merged-c0")
                .unwrap()
                .contains("not in the export")
        );
        assert!(
            k.orphan_cause(&x, "u", "u-gone-c0")
                .unwrap()
                .contains("discarded")
        );
        // Not a chunk id: not this kind's to judge.
        assert_eq!(k.orphan_cause(&x, "u", "u-old"), None);
        assert_eq!(k.owner_of("u", "u-old-c1").as_deref(), Some("old"));
    }

    #[test]
    fn action_items_expected_and_orphans() {
        let x = export();
        let k = ActionItems;
        let e = k.expected(&x, "u", 42);
        assert_eq!(e.len(), 1);
        assert_eq!(
            (e[0].vector_id.as_str(), e[0].text.as_str()),
            ("u-ai-a1", "Do it")
        );
        assert!(e[0].missing_reason.starts_with("created before 2026-04-20"));
        assert_eq!(k.orphan_cause(&x, "u", "u-ai-a1"), None);
        assert!(
            k.orphan_cause(&x, "u", "u-ai-zz")
                .unwrap()
                .contains("PR #15950")
        );
        assert_eq!(k.list_prefix("u"), "u-ai-");
    }

    #[test]
    fn a_conversation_without_transcript_lines_is_said_to_have_no_chunks() {
        let text = r#"{"profile":{"uid":"u"},"conversations":[
            {"id":"quiet","created_at":"2026-01-01T00:00:00+00:00","status":"completed","transcript_segments":[]}]}"#;
        let x = load_bytes("omi-export.json", text.as_bytes()).unwrap();
        let sel = write::Selection {
            owners: vec!["quiet".into()],
            ..Default::default()
        };
        let p = write::plan(&Chunks, &x, "u", None, &sel).unwrap();
        assert!(p.upserts.is_empty());
        assert_eq!(p.skipped.len(), 1);
        assert!(p.skipped[0].1.starts_with("no transcript lines"), "{p:?}");
        // An id the export does not hold is still unknown.
        let sel = write::Selection {
            owners: vec!["nope".into()],
            ..Default::default()
        };
        assert!(write::plan(&Chunks, &x, "u", None, &sel).is_err());
    }

    #[test]
    fn the_chunk_plan_takes_the_newest_eligible_conversations() {
        let x = export();
        let sel = write::Selection {
            limit: Some(1),
            ..Default::default()
        };
        let p = write::plan(&Chunks, &x, "u", None, &sel).unwrap();
        // "wip" and "gone" are newer but not eligible: the newest eligible is "new".
        assert_eq!(p.upsert_ids, ["u-new-c0"]);
        let sel = write::Selection {
            owners: vec!["old".into(), "gone".into()],
            ..Default::default()
        };
        let p = write::plan(&Chunks, &x, "u", None, &sel).unwrap();
        assert_eq!(p.upsert_ids, ["u-old-c0", "u-old-c1"]);
        assert_eq!(p.skipped.len(), 1);
        let sel = write::Selection {
            owners: vec!["nope".into()],
            ..Default::default()
        };
        assert!(write::plan(&Chunks, &x, "u", None, &sel).is_err());
    }
}
