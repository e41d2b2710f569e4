//! Omi's vector conventions in one place (omi.md §1): vector ids `{uid}-{memory_id}`,
//! namespace `ns1`, metadata `{uid, memory_id, created_at}`, the retrieval filter
//! exactly as Omi sends it, and Pinecone's id rules.

use crate::vector::filter::{Condition, Filter};
use crate::vector::{MetaValue, Metadata};

/// The namespace Omi stores memory vectors in.
pub const DEFAULT_NAMESPACE: &str = "ns1";

/// Pinecone's longest id, in characters (ASCII only).
pub const MAX_ID_LEN: usize = 512;

/// Metadata keys Omi writes.
pub const KEY_UID: &str = "uid";
/// See [`KEY_UID`].
pub const KEY_MEMORY_ID: &str = "memory_id";
/// See [`KEY_UID`].
pub const KEY_CREATED_AT: &str = "created_at";

/// `created_at` values below this are the 2024 "divided by 1000" bug (omi.md §1).
pub const LEGACY_CREATED_AT_BELOW: f64 = 1.0e9;

/// The vector id of a memory: `{uid}-{memory_id}`.
pub fn vector_id(uid: &str, memory_id: &str) -> String {
    format!("{uid}-{memory_id}")
}

/// The id prefix of every vector of a user: `{uid}-`.
pub fn user_prefix(uid: &str) -> String {
    format!("{uid}-")
}

/// Omi's metadata for a memory vector: `uid`, `memory_id`, `created_at` (int seconds).
pub fn memory_metadata(uid: &str, memory_id: &str, created_at: i64) -> Metadata {
    let mut m = Metadata::new();
    m.insert(KEY_UID.into(), MetaValue::String(uid.into()));
    m.insert(KEY_MEMORY_ID.into(), MetaValue::String(memory_id.into()));
    m.insert(KEY_CREATED_AT.into(), MetaValue::Number(created_at as f64));
    m
}

/// Metadata for a re-embedded vector: Omi's three keys from `fresh`, every other key of
/// the stored record (`people`, `topics`, `entities`, `dates`, …) carried over, because
/// an upsert replaces metadata whole.
pub fn carry_over_metadata(existing: &Metadata, fresh: Metadata) -> Metadata {
    let mut out: Metadata = existing
        .iter()
        .filter(|(k, _)| ![KEY_UID, KEY_MEMORY_ID, KEY_CREATED_AT].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    out.extend(fresh);
    out
}

/// Omi's query filter: `{"uid": uid}`, plus `"created_at": {"$gte": start, "$lte": end}`
/// when a range is given (either side may be open).
pub fn query_filter(uid: &str, start: Option<i64>, end: Option<i64>) -> Filter {
    let by_uid = Filter::eq(KEY_UID, uid);
    let mut range = Vec::new();
    if let Some(s) = start {
        range.push(Condition::Gte(s as f64));
    }
    if let Some(e) = end {
        range.push(Condition::Lte(e as f64));
    }
    if range.is_empty() {
        by_uid
    } else {
        Filter::And(vec![by_uid, Filter::field(KEY_CREATED_AT, range)])
    }
}

/// What a vector id says about its memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VectorIdKind {
    /// `{uid}-{memory_id}`: the memory id (prefix stripped).
    Memory(String),
    /// `{uid}-{integer}`: a memory id from the 2024 integer-id era.
    LegacyInteger(String),
    /// No `{uid}-` prefix: a bare id (2024 mobile app) or another user's vector.
    Bare(String),
}

impl VectorIdKind {
    /// The memory id the vector belongs to, as far as the id tells (bare ids are their
    /// own memory id).
    pub fn memory_id(&self) -> &str {
        match self {
            VectorIdKind::Memory(m) | VectorIdKind::LegacyInteger(m) | VectorIdKind::Bare(m) => m,
        }
    }

    /// True for ids written by old Omi versions (integer or bare).
    pub fn is_legacy(&self) -> bool {
        !matches!(self, VectorIdKind::Memory(_))
    }
}

/// Classify a match id and strip the `{uid}-` prefix, as Omi does after a query.
pub fn parse_vector_id(uid: &str, id: &str) -> VectorIdKind {
    match id.strip_prefix(uid).and_then(|r| r.strip_prefix('-')) {
        Some(rest) if !uid.is_empty() && !rest.is_empty() => {
            if rest.bytes().all(|b| b.is_ascii_digit()) {
                VectorIdKind::LegacyInteger(rest.to_string())
            } else {
                VectorIdKind::Memory(rest.to_string())
            }
        }
        _ => VectorIdKind::Bare(id.to_string()),
    }
}

/// Strip the `{uid}-` prefix from a match id (Omi's `id.replace(f'{uid}-', '')` for
/// well-formed ids); `None` when the id does not carry the prefix.
pub fn strip_uid_prefix<'a>(uid: &str, id: &'a str) -> Option<&'a str> {
    id.strip_prefix(uid)
        .and_then(|r| r.strip_prefix('-'))
        .filter(|r| !uid.is_empty() && !r.is_empty())
}

/// True when a `created_at` metadata value is the legacy "seconds / 1000" bug.
pub fn is_legacy_created_at(value: f64) -> bool {
    value < LEGACY_CREATED_AT_BELOW
}

/// Check a vector id against Pinecone's rules: non-empty, ASCII, at most 512 characters.
pub fn validate_id(id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("a vector id must not be empty".into());
    }
    if !id.is_ascii() {
        return Err(format!(
            "vector id {:?} is not ASCII (Pinecone accepts ASCII ids only)",
            truncate(id)
        ));
    }
    if id.len() > MAX_ID_LEN {
        return Err(format!(
            "vector id {:?}… is {} characters long (Pinecone's limit is {MAX_ID_LEN})",
            truncate(id),
            id.len()
        ));
    }
    Ok(())
}

fn truncate(s: &str) -> String {
    s.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_metadata() {
        assert_eq!(vector_id("u1", "m-2"), "u1-m-2");
        let m = memory_metadata("u1", "m", 1_700_000_000);
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"created_at":1700000000,"memory_id":"m","uid":"u1"}"#
        );
    }

    #[test]
    fn re_embeds_keep_extra_keys() {
        let mut old = memory_metadata("u1", "m", 1_730_000);
        old.insert("people".into(), MetaValue::List(vec!["ann".into()]));
        let new = carry_over_metadata(&old, memory_metadata("u1", "m", 1_730_000_000));
        assert_eq!(new["created_at"], MetaValue::Number(1_730_000_000.0));
        assert_eq!(new["people"], MetaValue::List(vec!["ann".into()]));
        assert_eq!(new.len(), 4);
    }

    #[test]
    fn filters_as_omi_sends_them() {
        let s = |f: Filter| serde_json::to_string(&f).unwrap();
        assert_eq!(s(query_filter("u1", None, None)), r#"{"uid":"u1"}"#);
        assert_eq!(
            s(query_filter("u1", Some(1), Some(2))),
            r#"{"uid":"u1","created_at":{"$gte":1,"$lte":2}}"#
        );
        assert_eq!(
            s(query_filter("u1", Some(5), None)),
            r#"{"uid":"u1","created_at":{"$gte":5}}"#
        );
        assert_eq!(
            s(query_filter("u1", None, Some(9))),
            r#"{"uid":"u1","created_at":{"$lte":9}}"#
        );
    }

    #[test]
    fn match_ids() {
        assert_eq!(
            parse_vector_id("u1", "u1-abc-def"),
            VectorIdKind::Memory("abc-def".into())
        );
        assert_eq!(
            parse_vector_id("u1", "u1-42"),
            VectorIdKind::LegacyInteger("42".into())
        );
        assert_eq!(
            parse_vector_id("u1", "abc"),
            VectorIdKind::Bare("abc".into())
        );
        assert_eq!(
            parse_vector_id("u1", "u10-x"),
            VectorIdKind::Bare("u10-x".into())
        );
        assert_eq!(
            parse_vector_id("u1", "u1-"),
            VectorIdKind::Bare("u1-".into())
        );
        assert!(parse_vector_id("u1", "x").is_legacy());
        assert_eq!(strip_uid_prefix("u1", "u1-m"), Some("m"));
        assert_eq!(strip_uid_prefix("u1", "u2-m"), None);
        assert!(is_legacy_created_at(1_730_000.0));
        assert!(!is_legacy_created_at(1_730_000_000.0));
    }

    #[test]
    fn id_rules() {
        assert!(validate_id("u1-m").is_ok());
        assert!(validate_id("").is_err());
        assert!(validate_id("é").is_err());
        assert!(validate_id(&"a".repeat(512)).is_ok());
        assert!(validate_id(&"a".repeat(513)).unwrap_err().contains("513"));
    }
}
