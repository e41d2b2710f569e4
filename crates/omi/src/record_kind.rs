//! The four kinds of vectors Omi writes for a user, all in one Pinecone index
//! (`../shared/specs/omi-namespaces-2026.md`, `omi.md` §1, `omi-facts.md` §F5):
//! conversations (`ns1`), facts (`ns2`), action items (`ns4`) and transcript chunks
//! (`ns_tchunks`). What differs per kind is declarative and lives here, in one table
//! ([`KindSpec`]): the namespace, the id shape, the metadata keys, what text Omi embeds,
//! Omi's write rule, the statuses a record can have, how an orphan is recognised and how
//! Omi searches the namespace. The engine's generic machinery
//! (`memlens_engine::sync::kinds`) reads this table and each kind's pure rules (ids,
//! metadata, text: [`crate::conventions`], [`crate::fact_conventions`],
//! [`crate::action_items`], [`crate::chunks`]).

use crate::action_items::{ACTION_ITEMS_NAMESPACE, THRESHOLD_SEARCH as NS4_THRESHOLD};
use crate::chunks::{CHAT_TOP_K, CHUNKS_NAMESPACE};
use crate::conventions::DEFAULT_NAMESPACE;
use crate::fact_conventions::{FACTS_NAMESPACE, THRESHOLD_SEARCH as NS2_THRESHOLD};

/// What a command works on: one of Omi's four record kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `ns1`: one vector per conversation (its structured summary).
    #[default]
    Conversations,
    /// `ns2`: one vector per fact (its content).
    Facts,
    /// `ns4`: one vector per standalone action item (its description).
    ActionItems,
    /// `ns_tchunks`: overlapping windows of a conversation's transcript.
    Chunks,
}

/// How Omi searches a kind's namespace.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct OmiSearch {
    /// Scores below this are dropped; `None`: no threshold.
    pub threshold: Option<f32>,
    /// How many matches Omi asks for.
    pub top_k: usize,
    /// True when Omi adds a `created_at` `$gte`/`$lte` range to the `{"uid": uid}` filter.
    pub date_range: bool,
}

/// Everything about a kind that is data, with the spec sections it comes from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct KindSpec {
    pub kind: Kind,
    /// `conversations`, `facts`, `action items`, `transcript chunks`.
    pub noun: &'static str,
    /// The namespace Omi keeps the kind in.
    pub namespace: &'static str,
    /// The vector id's shape.
    pub id_shape: &'static str,
    /// The metadata keys Omi writes, exactly.
    pub metadata_keys: &'static [&'static str],
    /// True when the `created_at` Omi writes is the time of the upsert (facts, action
    /// items), not a date of the record: it is stamped at write time and is not part of
    /// what the export determines.
    pub upsert_time: bool,
    /// What Omi embeds.
    pub text: &'static str,
    /// When Omi writes a vector.
    pub write_rule: &'static str,
    /// The statuses a record of this kind can have.
    pub statuses: &'static [&'static str],
    /// How an orphan is recognised.
    pub orphan_rule: &'static str,
    /// How Omi searches it.
    pub search: OmiSearch,
    /// Where the rules come from (a file of `../shared/specs/` and its sections).
    pub spec: &'static str,
}

const SPECS: [KindSpec; 4] = [
    KindSpec {
        kind: Kind::Conversations,
        noun: "conversations",
        namespace: DEFAULT_NAMESPACE,
        id_shape: "{uid}-{conversation_id}",
        metadata_keys: &["uid", "memory_id", "created_at"],
        upsert_time: false,
        text: "the structured summary in one of Omi's five text formats",
        write_rule: "on processing, unless discarded, deleted, empty or locked (policy)",
        statuses: &["present", "missing", "skipped", "fresh", "stale"],
        orphan_rule: "a {uid}- id whose conversation is not in the export or is deleted",
        search: OmiSearch {
            threshold: None,
            top_k: 5,
            date_range: true,
        },
        spec: "omi.md §1",
    },
    KindSpec {
        kind: Kind::Facts,
        noun: "facts",
        namespace: FACTS_NAMESPACE,
        id_shape: "{uid}-{fact_id}",
        metadata_keys: &["uid", "memory_id", "category", "created_at"],
        upsert_time: true,
        text: "the fact's content exactly",
        write_rule: "on extraction and edit (locked facts too, omi-facts.md §F5.3), unless rejected, deleted, superseded or empty",
        statuses: &["present", "missing", "skipped", "fresh", "stale"],
        orphan_rule: "a {uid}- id whose fact is not in the export or is deleted",
        search: OmiSearch {
            threshold: Some(NS2_THRESHOLD),
            top_k: 10,
            date_range: false,
        },
        spec: "Omi's backend/database/vector_db.py (github.com/BasedHardware/omi PR #4139)",
    },
    KindSpec {
        kind: Kind::ActionItems,
        noun: "action items",
        namespace: ACTION_ITEMS_NAMESPACE,
        id_shape: "{uid}-ai-{action_item_id}",
        metadata_keys: &["uid", "action_item_id", "created_at"],
        upsert_time: true,
        text: "the item's description exactly",
        write_rule: "every stored item (since 2026-04-20); candidates get none",
        statuses: &["present", "missing", "skipped", "fresh", "stale", "orphan"],
        orphan_rule: "a {uid}-ai- id whose item is not in the export's action_items",
        search: OmiSearch {
            threshold: Some(NS4_THRESHOLD),
            top_k: 10,
            date_range: false,
        },
        spec: "omi-namespaces-2026.md §2",
    },
    KindSpec {
        kind: Kind::Chunks,
        noun: "transcript chunks",
        namespace: CHUNKS_NAMESPACE,
        id_shape: "{uid}-{conversation_id}-c{chunk_index}",
        metadata_keys: &["uid", "conversation_id", "chunk_index", "created_at"],
        upsert_time: false,
        text: "8 transcript lines, step 6, under a date header",
        write_rule: "only by an operator's backfill: completed, not discarded, not deleted",
        statuses: &["present", "missing", "skipped", "fresh", "stale", "orphan"],
        orphan_rule: "a chunk beyond its conversation's count, of a conversation not in the \
                      export, or of a discarded or deleted one",
        search: OmiSearch {
            threshold: None,
            top_k: CHAT_TOP_K,
            date_range: true,
        },
        spec: "omi-namespaces-2026.md §1",
    },
];

impl Kind {
    /// The four kinds, in namespace order.
    pub const ALL: [Kind; 4] = [
        Kind::Conversations,
        Kind::Facts,
        Kind::ActionItems,
        Kind::Chunks,
    ];

    /// The kind's declarative data.
    pub fn spec(self) -> &'static KindSpec {
        &SPECS[self as usize]
    }

    /// The namespace Omi keeps this kind in (`ns1`, `ns2`, `ns4`, `ns_tchunks`).
    pub fn default_namespace(self) -> &'static str {
        self.spec().namespace
    }

    /// Why records of this kind must never be written to or deleted from `namespace`:
    /// it is the namespace Omi keeps another kind in (`ns1`, `ns2`, `ns4`, `ns_tchunks`,
    /// or a versioned projection of one such as `ns2__v2`). A conversation written into
    /// `ns2` would be found by Omi's facts search, and a conversation orphan scan of `ns2`
    /// would call every fact an orphan. `None` for the kind's own namespace and for names
    /// Omi does not use (a namespace the user chose for experiments).
    pub fn foreign_namespace(self, namespace: &str) -> Option<String> {
        let base = namespace.split_once("__").map_or(namespace, |(b, _)| b);
        let owner = Kind::ALL
            .into_iter()
            .find(|k| k.default_namespace() == base)?;
        (owner != self).then(|| {
            format!(
                "namespace {namespace} holds Omi's {}: {} are never written to or deleted from it",
                owner.word().replace('-', " "),
                self.word().replace('-', " ")
            )
        })
    }

    /// The `--kind` value: `conversations`, `facts`, `action-items`, `chunks`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Conversations => "conversations",
            Self::Facts => "facts",
            Self::ActionItems => "action-items",
            Self::Chunks => "chunks",
        }
    }
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "conversations" | "conversation" => Ok(Self::Conversations),
            "facts" | "fact" => Ok(Self::Facts),
            "action-items" | "action-item" | "action_items" => Ok(Self::ActionItems),
            "chunks" | "chunk" | "transcript-chunks" => Ok(Self::Chunks),
            other => Err(format!(
                "unknown kind {other:?}: expected conversations, facts, action-items or chunks"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_kind_order_and_round_trips() {
        for k in Kind::ALL {
            assert_eq!(k.spec().kind, k);
            assert_eq!(k.word().parse::<Kind>(), Ok(k));
        }
        assert_eq!(Kind::ActionItems.default_namespace(), "ns4");
        assert_eq!(Kind::Chunks.spec().search.top_k, 60);
        assert_eq!(Kind::ActionItems.spec().search.threshold, Some(0.3));
        assert!("tasks".parse::<Kind>().is_err());
    }

    #[test]
    fn a_kind_never_touches_another_kinds_namespace() {
        assert_eq!(Kind::Conversations.foreign_namespace("ns1"), None);
        assert_eq!(Kind::Facts.foreign_namespace("ns2"), None);
        assert_eq!(Kind::Conversations.foreign_namespace("mine"), None);
        assert_eq!(Kind::Conversations.foreign_namespace("ns1__v2"), None);
        let why = Kind::Conversations.foreign_namespace("ns2").unwrap();
        assert!(why.contains("holds Omi's facts"), "{why}");
        assert!(why.contains("conversations are never written"), "{why}");
        assert!(Kind::Conversations.foreign_namespace("ns2__v2").is_some());
        assert!(Kind::Facts.foreign_namespace("ns1").is_some());
        let why = Kind::Facts.foreign_namespace("ns4").unwrap();
        assert!(why.contains("holds Omi's action items"), "{why}");
        assert!(Kind::Chunks.foreign_namespace("ns1").is_some());
    }
}
