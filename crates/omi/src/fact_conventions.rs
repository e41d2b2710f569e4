//! Omi's `ns2` conventions for fact vectors (omi-facts.md §F5, HEAD C:303e80490 →
//! 6634b3dee): vector id `{uid}-{fact_id}`, metadata `{uid, memory_id: fact_id, category,
//! created_at: int(now)}`, text exactly `content`; the thresholds Omi searches `ns2` with;
//! the late-2026 shapes memlens shows but never writes (§F5.8); and the names of every
//! namespace Omi keeps in the same index (§F6).

use crate::conventions::{KEY_CREATED_AT, KEY_MEMORY_ID, KEY_UID, validate_id, vector_id};
use crate::fact::{Fact, FactSkip};
use crate::vector::{MetaValue, Metadata};

/// The namespace Omi stores fact vectors in (`MEMORIES_NAMESPACE`, §F5.1).
pub const FACTS_NAMESPACE: &str = "ns2";

/// The metadata key of the fact's category (the stored value at write time, §F5.1).
pub const KEY_CATEGORY: &str = "category";

/// Metadata key of late-2026 canonical vectors (§F5.8); Omi's legacy filter excludes them.
pub const KEY_SCHEMA_VERSION: &str = "memory_schema_version";

/// Id prefixes of late-2026 canonical vectors (§F5.8): not `{uid}-` ids.
pub const CANONICAL_ID_PREFIXES: [&str; 2] = ["memproj:", "memvec:"];

/// `find_similar_memories`' default threshold (§F5.2).
pub const THRESHOLD_DEFAULT: f32 = 0.85;
/// The extraction dedup threshold (`process_conversation.py`, §F5.4).
pub const THRESHOLD_DEDUP: f32 = 0.7;
/// The chat / MCP search threshold (§F5.4).
pub const THRESHOLD_SEARCH: f32 = 0.0;
/// `save_user_preference` dedup (§F5.4).
pub const THRESHOLD_PREFERENCE: f32 = 0.90;

/// What a command works on (moved to [`crate::record_kind`], where all four kinds live).
pub use crate::record_kind::Kind;

/// The text format name facts are journalled with: Omi embeds `content` exactly (§F5.1).
pub const FACT_TEXT_FORMAT: &str = "fact-content";

/// The vector id of a fact: `{uid}-{fact_id}` (never the fact's `memory_id` field, which
/// mirrors the conversation id, §F2, §F7.2).
pub fn fact_vector_id(uid: &str, fact_id: &str) -> String {
    vector_id(uid, fact_id)
}

/// Omi's metadata for a fact vector: `{uid, memory_id: fact_id, category, created_at}`,
/// `created_at` being the upsert time in Unix seconds (not the fact's own date, §F5.1).
pub fn fact_metadata(uid: &str, fact_id: &str, category: &str, now: i64) -> Metadata {
    let mut m = Metadata::new();
    m.insert(KEY_UID.into(), MetaValue::String(uid.into()));
    m.insert(KEY_MEMORY_ID.into(), MetaValue::String(fact_id.into()));
    m.insert(KEY_CATEGORY.into(), MetaValue::String(category.into()));
    m.insert(KEY_CREATED_AT.into(), MetaValue::Number(now as f64));
    m
}

/// Metadata for a re-embedded fact: Omi's four keys from `fresh`, every other stored key
/// (late-2026 projection keys `fact_id`, `projection_version`, `entity_ids`, …) carried
/// over, because an upsert replaces metadata whole (§F7.4).
pub fn carry_over_fact_metadata(existing: Option<&Metadata>, fresh: Metadata) -> Metadata {
    let mut out: Metadata = existing
        .into_iter()
        .flatten()
        .filter(|(k, _)| {
            ![KEY_UID, KEY_MEMORY_ID, KEY_CATEGORY, KEY_CREATED_AT].contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.extend(fresh);
    out
}

/// Why a stored `ns2` record is of a shape memlens must not overwrite (late-2026
/// canonical vectors, §F5.8, §F7.3 "foreign"); `None` for Omi's HEAD shape.
pub fn foreign_reason(id: &str, metadata: &Metadata) -> Option<String> {
    if let Some(p) = CANONICAL_ID_PREFIXES.iter().find(|p| id.starts_with(*p)) {
        return Some(format!(
            "late-2026 canonical vector (id prefix {p}): read-only"
        ));
    }
    metadata.get(KEY_SCHEMA_VERSION).map(|v| {
        let v = match v {
            MetaValue::Number(n) => format!("{n}"),
            MetaValue::String(s) => s.clone(),
            other => format!("{other:?}"),
        };
        format!("late-2026 canonical vector (memory_schema_version {v}): read-only")
    })
}

/// Why memlens would not write this fact's vector: the fact's own reason
/// ([`Fact::skip_reason`]) or an invalid vector id.
pub fn fact_skip(fact: &Fact, uid: &str) -> Option<FactSkip> {
    fact.skip_reason().or_else(|| {
        validate_id(&fact_vector_id(uid, &fact.id))
            .err()
            .map(FactSkip::InvalidId)
    })
}

/// What a namespace of Omi's index holds (§F6, §F5.8).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NamespaceInfo {
    /// What Omi keeps there (`conversations`, `facts`, …).
    pub holds: String,
    /// True for the namespaces memlens models (reads and writes, each through its own
    /// record kind): `ns1`, `ns2`, `ns4`, `ns_tchunks`.
    pub modelled: bool,
}

/// What Omi keeps in `namespace`, when it is one of its known ones (`ns1`, `ns2`,
/// `ns3`, `ns4`, `ns_tchunks`, `ns_x`, `workstream-association-v1`), or a versioned
/// projection of one (`ns2__v2`, §F5.8).
pub fn known_namespace(namespace: &str) -> Option<NamespaceInfo> {
    let (base, version) = match namespace.split_once("__") {
        Some((b, v)) if !v.is_empty() => (b, Some(v)),
        _ => (namespace, None),
    };
    let (holds, modelled) = match base {
        "ns1" => ("conversations", true),
        "ns2" => ("facts", true),
        "ns3" => ("screen activity", false),
        "ns4" => ("action items", true),
        "ns_tchunks" => ("transcript chunks", true),
        "ns_x" => ("X posts", false),
        "workstream-association-v1" => ("workstreams", false),
        _ => return None,
    };
    Some(match version {
        None => NamespaceInfo {
            holds: holds.into(),
            modelled,
        },
        Some(v) => NamespaceInfo {
            holds: format!("{holds} (projection {v})"),
            modelled: false,
        },
    })
}

/// Why memlens must not write to or delete from `namespace`: one of Omi's namespaces
/// memlens does not model (`ns3`, `ns_x`, workstreams, versioned projections, §F6),
/// which it only reads. `None` for the modelled ones (`ns1`, `ns2`, `ns4`, `ns_tchunks`)
/// and unknown names. A modelled namespace is written only by its own kind: that guard is
/// [`crate::record_kind::Kind::foreign_namespace`], which every write path asks too.
pub fn read_only_namespace(namespace: &str) -> Option<String> {
    known_namespace(namespace).filter(|k| !k.modelled).map(|k| {
        format!(
            "namespace {namespace} holds Omi's {}, which memlens does not model: it is read-only",
            k.holds
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_metadata_as_omi_writes_them() {
        let uid = "Xq3kP9vT2mWbR7nLcA5sD8fGh1J2";
        let id = "93716633-d258-4ae2-b710-9ccee07b13f0";
        assert_eq!(
            fact_vector_id(uid, id),
            "Xq3kP9vT2mWbR7nLcA5sD8fGh1J2-93716633-d258-4ae2-b710-9ccee07b13f0"
        );
        let m = fact_metadata(uid, id, "system", 1_773_512_529);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"category":"system","created_at":1773512529,"memory_id":"93716633-d258-4ae2-b710-9ccee07b13f0","uid":"Xq3kP9vT2mWbR7nLcA5sD8fGh1J2"}"#
        );
    }

    #[test]
    fn re_upserts_keep_projection_keys() {
        let mut old = fact_metadata("u", "f", "auto", 1);
        old.insert("projection_version".into(), MetaValue::Number(1.0));
        let new = carry_over_fact_metadata(Some(&old), fact_metadata("u", "f", "system", 2));
        assert_eq!(new["category"], MetaValue::String("system".into()));
        assert_eq!(new["projection_version"], MetaValue::Number(1.0));
        assert_eq!(new.len(), 5);
    }

    #[test]
    fn foreign_shapes() {
        let mut m = fact_metadata("u", "f", "system", 2);
        assert_eq!(foreign_reason("u-f", &m), None);
        assert!(
            foreign_reason("memproj:abc", &m)
                .unwrap()
                .contains("memproj:")
        );
        m.insert(KEY_SCHEMA_VERSION.into(), MetaValue::Number(1.0));
        assert!(
            foreign_reason("u-f", &m)
                .unwrap()
                .contains("memory_schema_version 1")
        );
    }

    #[test]
    fn namespaces() {
        assert_eq!(known_namespace("ns2").unwrap().holds, "facts");
        assert!(known_namespace("ns1").unwrap().modelled);
        assert!(!known_namespace("ns3").unwrap().modelled);
        assert_eq!(
            known_namespace("ns2__v2").unwrap().holds,
            "facts (projection v2)"
        );
        assert_eq!(known_namespace("mine"), None);
        assert!(
            read_only_namespace("ns3")
                .unwrap()
                .contains("screen activity")
        );
        // Modelled since `--kind action-items|chunks`: not read-only, but only their own
        // kind writes there.
        assert!(known_namespace("ns4").unwrap().modelled);
        assert!(known_namespace("ns_tchunks").unwrap().modelled);
        assert_eq!(read_only_namespace("ns4"), None);
        assert_eq!(read_only_namespace("ns_tchunks"), None);
        assert!(
            crate::record_kind::Kind::Conversations
                .foreign_namespace("ns4")
                .is_some()
        );
        assert!(read_only_namespace("ns2__v2").is_some());
        assert_eq!(read_only_namespace("ns2"), None);
        assert_eq!(read_only_namespace("mine"), None);
    }
}
