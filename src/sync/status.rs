//! The embedding status of a memory, computed from the store record (fetched by id), the
//! export and the embedder, and cached in the data dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::omi::Memory;
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore};

/// What memlens knows about a memory's vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbeddingStatus {
    /// Not looked up yet.
    Unknown,
    /// No record in the store.
    Missing,
    /// A record exists; not verified against the current text.
    Present,
    /// Verified: matches the embedding of the current text.
    Fresh,
    /// Checked, and below the similarity threshold.
    Stale,
    /// Discarded memory: Omi never embeds these.
    Skipped,
    /// Metadata uid/memory_id disagree with the id, or the dimension differs.
    Mismatch,
    /// `created_at` < 1e9 (Omi's 2024 divide-by-1000 bug) or expected keys missing.
    Legacy,
}

impl EmbeddingStatus {
    /// Every status, in display order.
    pub const ALL: [EmbeddingStatus; 8] = [
        Self::Unknown,
        Self::Missing,
        Self::Present,
        Self::Fresh,
        Self::Stale,
        Self::Skipped,
        Self::Mismatch,
        Self::Legacy,
    ];

    /// The word shown beside the glyph (never colour alone).
    pub fn word(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Missing => "missing",
            Self::Present => "present",
            Self::Fresh => "fresh",
            Self::Stale => "stale",
            Self::Skipped => "skipped",
            Self::Mismatch => "mismatch",
            Self::Legacy => "legacy",
        }
    }

    /// A one-character glyph.
    pub fn glyph(self) -> char {
        match self {
            Self::Unknown => '?',
            Self::Missing => '○',
            Self::Present => '●',
            Self::Fresh => '✓',
            Self::Stale => '~',
            Self::Skipped => '-',
            Self::Mismatch => '!',
            Self::Legacy => 'L',
        }
    }
}

/// The looked-up state of one memory's vector.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEntry {
    pub status: EmbeddingStatus,
    /// Dimension of the stored vector.
    pub dimension: Option<usize>,
    /// L2 norm of the stored vector.
    pub norm: Option<f32>,
    /// Stored metadata.
    pub metadata: Option<Metadata>,
    /// Why the status was chosen, when not obvious.
    pub reason: Option<String>,
}

impl StatusEntry {
    /// An entry with just a status.
    pub fn bare(status: EmbeddingStatus) -> Self {
        Self {
            status,
            dimension: None,
            norm: None,
            metadata: None,
            reason: None,
        }
    }
}

/// Classify a memory from the record fetched under its vector id (`None` = absent).
pub fn classify(
    memory: &Memory,
    uid: &str,
    record: Option<&Record>,
    expected_dimension: Option<usize>,
) -> StatusEntry {
    let Some(record) = record else {
        let status = if memory.discarded {
            EmbeddingStatus::Skipped
        } else {
            EmbeddingStatus::Missing
        };
        return StatusEntry::bare(status);
    };
    let norm = record.values.iter().map(|v| v * v).sum::<f32>().sqrt();
    let meta = &record.metadata;
    let str_of = |k: &str| match meta.get(k) {
        Some(MetaValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut entry = StatusEntry {
        status: EmbeddingStatus::Present,
        dimension: Some(record.values.len()),
        norm: Some(norm),
        metadata: Some(meta.clone()),
        reason: None,
    };
    let mismatch = if str_of("uid").is_some_and(|u| u != uid) {
        Some(format!(
            "metadata uid is {:?}, not {uid:?}",
            str_of("uid").unwrap_or("")
        ))
    } else if str_of("memory_id").is_some_and(|m| m != memory.id) {
        Some(format!(
            "metadata memory_id is {:?}, not {:?}",
            str_of("memory_id").unwrap_or(""),
            memory.id
        ))
    } else {
        expected_dimension
            .filter(|d| *d != record.values.len())
            .map(|d| {
                format!(
                    "dimension {} but the embedder makes {d}",
                    record.values.len()
                )
            })
    };
    if let Some(reason) = mismatch {
        entry.status = EmbeddingStatus::Mismatch;
        entry.reason = Some(reason);
        return entry;
    }
    let missing_keys: Vec<&str> = ["uid", "memory_id", "created_at"]
        .into_iter()
        .filter(|k| !meta.contains_key(*k))
        .collect();
    let legacy_time = matches!(meta.get("created_at"), Some(MetaValue::Number(n)) if *n < 1e9);
    if legacy_time {
        entry.status = EmbeddingStatus::Legacy;
        entry.reason = Some("created_at < 1e9: Omi's 2024 divide-by-1000 bug".into());
    } else if !missing_keys.is_empty() {
        entry.status = EmbeddingStatus::Legacy;
        entry.reason = Some(format!("metadata lacks {}", missing_keys.join(", ")));
    }
    entry
}

/// How many ids one fetch asks for (Pinecone's ids travel in the URL).
pub const FETCH_GROUP: usize = 100;

/// Look up the status of every memory, `FETCH_GROUP` ids per fetch, calling `progress`
/// with (done, total) after each group. Returns entries by memory id.
pub async fn lookup(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    memories: &[Memory],
    expected_dimension: Option<usize>,
    mut progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, StoreError> {
    let mut out = BTreeMap::new();
    let total = memories.len();
    for group in memories.chunks(FETCH_GROUP) {
        let ids: Vec<String> = group
            .iter()
            .map(|m| crate::omi::conventions::vector_id(uid, &m.id))
            .collect();
        let records = store.fetch(namespace, &ids).await?;
        for (memory, id) in group.iter().zip(&ids) {
            let entry = classify(memory, uid, records.get(id), expected_dimension);
            out.insert(memory.id.clone(), entry);
        }
        progress(out.len(), total);
    }
    Ok(out)
}

/// The on-disk status cache for one (store target, namespace, uid).
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct StatusCache {
    /// Store target, namespace and uid the entries belong to.
    pub key: String,
    /// Unix seconds of the lookup.
    pub checked_at: i64,
    pub entries: BTreeMap<String, StatusEntry>,
}

impl StatusCache {
    /// The cache key for a store target, namespace and uid.
    pub fn key_for(target: &str, namespace: &str, uid: &str) -> String {
        format!("{target}|{namespace}|{uid}")
    }

    /// Where the cache for `key` lives under `data_dir`.
    pub fn path(data_dir: &Path, key: &str) -> PathBuf {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(key.as_bytes());
        let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
        data_dir.join("status-cache").join(format!("{name}.json"))
    }

    /// Load the cache for `key`, if there is a valid one.
    pub fn load(data_dir: &Path, key: &str) -> Option<Self> {
        let bytes = std::fs::read(Self::path(data_dir, key)).ok()?;
        let cache: Self = serde_json::from_slice(&bytes).ok()?;
        (cache.key == key).then_some(cache)
    }

    /// Save atomically (write a temp file, then rename).
    pub fn save(&self, data_dir: &Path) -> std::io::Result<()> {
        let path = Self::path(data_dir, &self.key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(self)?)?;
        std::fs::rename(tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn memory(id: &str, discarded: bool) -> Memory {
        Memory {
            id: id.into(),
            discarded,
            ..Memory::default()
        }
    }

    fn record(meta: &[(&str, MetaValue)], dim: usize) -> Record {
        Record {
            id: "u-m".into(),
            values: vec![0.5; dim],
            metadata: meta
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect(),
        }
    }

    fn s(v: &str) -> MetaValue {
        MetaValue::String(v.into())
    }

    #[test]
    fn classes() {
        let m = memory("m", false);
        assert_eq!(
            classify(&m, "u", None, None).status,
            EmbeddingStatus::Missing
        );
        assert_eq!(
            classify(&memory("m", true), "u", None, None).status,
            EmbeddingStatus::Skipped
        );
        let good = record(
            &[
                ("uid", s("u")),
                ("memory_id", s("m")),
                ("created_at", MetaValue::Number(1.7e9)),
            ],
            4,
        );
        let e = classify(&m, "u", Some(&good), Some(4));
        assert_eq!(e.status, EmbeddingStatus::Present);
        assert_eq!(e.norm, Some(1.0));
        assert_eq!(
            classify(&m, "u", Some(&good), Some(8)).status,
            EmbeddingStatus::Mismatch
        );
        assert_eq!(
            classify(&m, "other", Some(&good), Some(4)).status,
            EmbeddingStatus::Mismatch
        );
        let legacy = record(
            &[
                ("uid", s("u")),
                ("memory_id", s("m")),
                ("created_at", MetaValue::Number(1.7e6)),
            ],
            4,
        );
        assert_eq!(
            classify(&m, "u", Some(&legacy), Some(4)).status,
            EmbeddingStatus::Legacy
        );
        let bare = record(&[], 4);
        let e = classify(&m, "u", Some(&bare), Some(4));
        assert_eq!(e.status, EmbeddingStatus::Legacy);
        assert!(e.reason.unwrap().contains("uid"));
    }

    #[test]
    fn cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let key = StatusCache::key_for("local x", "ns1", "u");
        let mut cache = StatusCache {
            key: key.clone(),
            checked_at: 5,
            ..Default::default()
        };
        cache
            .entries
            .insert("m".into(), StatusEntry::bare(EmbeddingStatus::Missing));
        cache.save(dir.path()).unwrap();
        let back = StatusCache::load(dir.path(), &key).unwrap();
        assert_eq!(back.entries.len(), 1);
        assert!(StatusCache::load(dir.path(), "other").is_none());
    }
}
