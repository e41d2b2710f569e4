//! The embedding status of a memory, computed from the store record (fetched by id), the
//! export and the embedder, and cached in the data dir.
//!
//! A lookup alone tells `missing` / `present` / `skipped` / `mismatch` / `legacy`;
//! verification ([`verify`]) also embeds each memory's current text with the same model
//! and compares: cosine ≥ [`FRESH_THRESHOLD`] → `fresh`, else `stale`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::embed::{EmbedError, Embedder};
use crate::omi::Memory;
use crate::omi::policy::{self, Overrides, SkipReason};
use crate::omi::text::TextFormat;
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore};
use crate::sync::kinds::Conversations;
use crate::sync::kinds::lookup;

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
    /// Omi would not embed this memory (discarded, deleted, unfinished, empty, locked,
    /// invalid id, invalid for Omi's models: [`crate::omi::policy`]); no record stored.
    Skipped,
    /// A vector is stored for a memory marked deleted: an orphan to clean up (Omi deletes
    /// these vectors since 2025-12-20).
    Orphan,
    /// Metadata uid/memory_id disagree with the id, or the dimension differs.
    Mismatch,
    /// `created_at` < 1e9 (Omi's 2024 divide-by-1000 bug) or expected keys missing.
    Legacy,
    /// A record of a shape memlens does not write (late-2026 canonical `ns2` vectors with
    /// `memory_schema_version`, omi-facts.md §F5.8): shown, never overwritten.
    Foreign,
}

impl EmbeddingStatus {
    /// Every status, in display order.
    pub const ALL: [EmbeddingStatus; 10] = [
        Self::Unknown,
        Self::Missing,
        Self::Present,
        Self::Fresh,
        Self::Stale,
        Self::Skipped,
        Self::Orphan,
        Self::Mismatch,
        Self::Legacy,
        Self::Foreign,
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
            Self::Orphan => "orphan",
            Self::Mismatch => "mismatch",
            Self::Legacy => "legacy",
            Self::Foreign => "foreign",
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
            Self::Orphan => '✗',
            Self::Mismatch => '!',
            Self::Legacy => 'L',
            Self::Foreign => 'F',
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
    /// Cosine similarity of the stored vector with the embedding of the current text,
    /// when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub similarity: Option<f32>,
    /// Why Omi would not embed the memory ([`crate::omi::policy`]), whatever is stored:
    /// set for `skipped` and `orphan`, and for a stored vector that is never rewritten.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip: Option<SkipReason>,
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
            similarity: None,
            skip: None,
        }
    }

    /// What a list shows: `skipped (unfinished: in_progress)`, `orphan (deleted)`,
    /// `present`, ….
    pub fn label(&self) -> String {
        match &self.skip {
            Some(r)
                if matches!(
                    self.status,
                    EmbeddingStatus::Skipped | EmbeddingStatus::Orphan
                ) =>
            {
                format!("{} ({})", self.status.word(), r.label())
            }
            _ => self.status.word().to_string(),
        }
    }
}

/// The entry of a memory Omi would not embed and that has no stored record.
pub fn skipped(reason: SkipReason) -> StatusEntry {
    StatusEntry {
        reason: Some(reason.detail()),
        skip: Some(reason),
        ..StatusEntry::bare(EmbeddingStatus::Skipped)
    }
}

/// Classify a memory from the record fetched under its vector id (`None` = absent).
/// A memory Omi would not embed ([`policy::skip_reason`]) is `skipped` when nothing is
/// stored, `orphan` when it is deleted and a vector is stored, and otherwise classed by
/// its record with [`StatusEntry::skip`] set (never rewritten).
pub fn classify(
    memory: &Memory,
    uid: &str,
    record: Option<&Record>,
    expected_dimension: Option<usize>,
) -> StatusEntry {
    let skip = policy::skip_reason(memory, Some(uid), Overrides::default());
    let Some(record) = record else {
        return match skip {
            Some(r) => skipped(r),
            None => StatusEntry::bare(EmbeddingStatus::Missing),
        };
    };
    if skip == Some(SkipReason::Deleted) {
        return StatusEntry {
            dimension: Some(record.values.len()),
            metadata: Some(record.metadata.clone()),
            reason: Some(
                "deleted in Omi but its vector is still stored: an orphan to clean up \
                 (memlens orphans EXPORT --delete)"
                    .into(),
            ),
            skip,
            ..StatusEntry::bare(EmbeddingStatus::Orphan)
        };
    }
    let meta = &record.metadata;
    let mut entry = StatusEntry {
        reason: skip
            .as_ref()
            .map(|r| format!("{}: never rewritten", r.detail())),
        skip: skip.clone(),
        ..lookup::stored_entry(record)
    };
    if let Some(reason) = lookup::metadata_mismatch(record, uid, &memory.id, "", expected_dimension)
    {
        entry.status = EmbeddingStatus::Mismatch;
        entry.reason = Some(reason);
        return entry;
    }
    let missing_keys = lookup::lacking(meta, &["uid", "memory_id", "created_at"]);
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
/// with (done, total) after each group. Returns entries by memory id (the record-kind
/// machinery's [`lookup::lookup_only`] with the conversations' rules).
pub async fn lookup(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    memories: &[Memory],
    expected_dimension: Option<usize>,
    progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, StoreError> {
    let rules = Conversations {
        format: TextFormat::CURRENT,
    };
    lookup::lookup_only(
        store,
        namespace,
        uid,
        memories,
        expected_dimension,
        &rules,
        progress,
    )
    .await
}

/// Cosine similarity at or above which a stored vector counts as the embedding of the
/// current text (same model; allows for float noise and server-side nondeterminism).
pub const FRESH_THRESHOLD: f32 = 0.999;

/// Cosine similarity of two vectors (computed in f64); `None` when the lengths differ,
/// a vector is empty or has zero length.
pub fn cosine(a: &[f32], b: &[f32]) -> Option<f32> {
    cosine_f64(a, b).map(|c| c as f32)
}

/// [`cosine`] in full f64 precision (what a write's verification compares with
/// [`crate::sync::reprocess::VERIFY_MIN_COSINE`]).
pub fn cosine_f64(a: &[f32], b: &[f32]) -> Option<f64> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0f64, 0f64, 0f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    let denom = (na * nb).sqrt();
    (denom > 0.0 && denom.is_finite()).then(|| dot / denom)
}

/// `fresh` when `similarity` ≥ [`FRESH_THRESHOLD`], else `stale`.
pub fn freshness(similarity: f32) -> EmbeddingStatus {
    if similarity >= FRESH_THRESHOLD {
        EmbeddingStatus::Fresh
    } else {
        EmbeddingStatus::Stale
    }
}

/// Refine a looked-up entry with the embedding of the memory's current text: a
/// `present` entry becomes `fresh` or `stale`; a `legacy` one keeps its class (its
/// metadata is the finding) but records the similarity. Other classes are left alone.
pub fn apply_verification(entry: &mut StatusEntry, stored: &[f32], current: &[f32]) {
    if !matches!(
        entry.status,
        EmbeddingStatus::Present | EmbeddingStatus::Legacy
    ) {
        return;
    }
    let Some(sim) = cosine(stored, current) else {
        entry.reason = Some(format!(
            "cannot compare: stored vector has {} values, the current embedding {}",
            stored.len(),
            current.len()
        ));
        return;
    };
    entry.similarity = Some(sim);
    if entry.status == EmbeddingStatus::Present {
        entry.status = freshness(sim);
        entry.reason = Some(format!(
            "cosine with the current text {sim:.5} ({} {FRESH_THRESHOLD})",
            if sim >= FRESH_THRESHOLD { "≥" } else { "<" }
        ));
    }
}

/// Why a verification failed.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("looking up vectors failed: {0}")]
    Store(#[from] StoreError),
    #[error("embedding the current texts failed: {0}")]
    Embed(#[from] EmbedError),
}

/// Look up and verify every memory: per group of [`FETCH_GROUP`] memories, one fetch,
/// then one embedding request for the current texts (in `format`) of those with a
/// comparable vector. `progress` gets (done, total) after each group. Returns entries
/// by memory id (the record-kind machinery's [`lookup::lookup_by_id`]).
pub async fn verify(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    namespace: &str,
    uid: &str,
    memories: &[Memory],
    format: TextFormat,
    progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, VerifyError> {
    let rules = Conversations { format };
    let against = lookup::Against::Embedder(embedder);
    lookup::lookup_by_id(store, namespace, uid, memories, against, &rules, progress).await
}

/// How many memories have each status (every status listed, zeros included).
pub fn counts<'a>(
    entries: impl IntoIterator<Item = &'a StatusEntry>,
) -> BTreeMap<EmbeddingStatus, usize> {
    let mut c: BTreeMap<EmbeddingStatus, usize> =
        EmbeddingStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for e in entries {
        *c.entry(e.status).or_default() += 1;
    }
    c
}

/// The on-disk status cache for one (store target, namespace, uid), shared by every
/// process on the data dir (the TUI, `memlens status`): [`StatusCache::save`] merges
/// with what is on disk, entry by entry, the newer ([`StatusCache::stamps`]) winning,
/// so a TUI left open never overwrites the fresher verdicts of `status --verify`.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct StatusCache {
    /// Store target, namespace and uid the entries belong to.
    pub key: String,
    /// Unix seconds of the lookup.
    pub checked_at: i64,
    pub entries: BTreeMap<String, StatusEntry>,
    /// When each entry was learned (Unix milliseconds). An entry without a stamp (a
    /// cache from before stamps) counts as learned at `checked_at`.
    #[serde(default)]
    pub stamps: BTreeMap<String, i64>,
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

    /// When the entry of `id` was learned (Unix ms): its stamp, else `checked_at`.
    pub fn stamp_of(&self, id: &str) -> i64 {
        self.stamps
            .get(id)
            .copied()
            .unwrap_or(self.checked_at.saturating_mul(1000))
    }

    /// Stamp every entry that has no stamp yet with `at` (Unix ms).
    pub fn stamp_unstamped(&mut self, at: i64) {
        for id in self.entries.keys() {
            self.stamps.entry(id.clone()).or_insert(at);
        }
    }

    /// Keep, of `self` and `other`, the newer entry of each id (ties: `self`'s).
    pub fn merge_newer(&mut self, other: &StatusCache) {
        for (id, entry) in &other.entries {
            let theirs = other.stamp_of(id);
            if !self.entries.contains_key(id) || theirs > self.stamp_of(id) {
                self.entries.insert(id.clone(), entry.clone());
                self.stamps.insert(id.clone(), theirs);
            }
        }
        self.checked_at = self.checked_at.max(other.checked_at);
    }

    /// Save atomically (write a temp file, then rename), merged with the cache on disk
    /// under a lock on `<cache>.lock`: an entry on disk newer than ours (another process
    /// wrote it since we read) is kept, as are entries we do not have. Returns the cache
    /// as saved.
    pub fn save(&self, data_dir: &Path) -> std::io::Result<StatusCache> {
        crate::datadir::ensure_writable(data_dir)?;
        let path = Self::path(data_dir, &self.key);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.with_extension("lock"))?;
        lock.lock()?;
        let mut merged = self.clone();
        if let Some(on_disk) = Self::load(data_dir, &self.key) {
            merged.merge_newer(&on_disk);
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(&merged)?)?;
        std::fs::rename(tmp, path)?;
        Ok(merged)
    }
}

/// Carry verdicts (fresh / stale, from `status --verify`, a drift check or a write) over a
/// new lookup, which by itself can only say `present`: an entry that is `present` now
/// takes the earlier verdict when the stored vector looks unchanged (same dimension and
/// bit-identical L2 norm; an earlier verdict without a norm — set right after a write —
/// is taken as is). Everything else the lookup says wins.
pub fn keep_verdicts(
    fresh: &mut BTreeMap<String, StatusEntry>,
    earlier: &BTreeMap<String, StatusEntry>,
) {
    for (id, entry) in fresh.iter_mut() {
        if entry.status != EmbeddingStatus::Present {
            continue;
        }
        let Some(old) = earlier.get(id) else {
            continue;
        };
        if !matches!(old.status, EmbeddingStatus::Fresh | EmbeddingStatus::Stale) {
            continue;
        }
        let same_vector = match old.norm {
            None => true,
            Some(n) => {
                entry.norm.map(f32::to_bits) == Some(n.to_bits())
                    && (old.dimension.is_none() || old.dimension == entry.dimension)
            }
        };
        if same_vector {
            entry.status = old.status;
            entry.similarity = old.similarity;
            if old.reason.is_some() {
                entry.reason = old.reason.clone();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_survive_a_lookup_while_the_vector_is_unchanged() {
        let entry = |status, norm: Option<f32>| StatusEntry {
            norm,
            dimension: Some(128),
            ..StatusEntry::bare(status)
        };
        let earlier: BTreeMap<String, StatusEntry> = [
            ("a".to_string(), entry(EmbeddingStatus::Fresh, Some(1.0))),
            ("b".to_string(), entry(EmbeddingStatus::Stale, Some(1.0))),
            ("c".to_string(), entry(EmbeddingStatus::Fresh, None)),
            ("d".to_string(), entry(EmbeddingStatus::Fresh, Some(1.0))),
        ]
        .into();
        let mut fresh: BTreeMap<String, StatusEntry> = [
            ("a".to_string(), entry(EmbeddingStatus::Present, Some(1.0))),
            ("b".to_string(), entry(EmbeddingStatus::Present, Some(0.5))),
            ("c".to_string(), entry(EmbeddingStatus::Present, Some(0.9))),
            ("d".to_string(), entry(EmbeddingStatus::Missing, None)),
        ]
        .into();
        keep_verdicts(&mut fresh, &earlier);
        assert_eq!(fresh["a"].status, EmbeddingStatus::Fresh);
        assert_eq!(
            fresh["b"].status,
            EmbeddingStatus::Present,
            "vector changed"
        );
        assert_eq!(
            fresh["c"].status,
            EmbeddingStatus::Fresh,
            "written this session"
        );
        assert_eq!(fresh["d"].status, EmbeddingStatus::Missing);
    }

    fn memory(id: &str, discarded: bool) -> Memory {
        Memory {
            id: id.into(),
            discarded,
            structured: crate::omi::Structured {
                title: "Lunch".into(),
                ..crate::omi::Structured::default()
            },
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
    fn skipped_and_orphans() {
        let e = classify(&memory("m", true), "u", None, None);
        assert_eq!(e.skip, Some(SkipReason::Discarded));
        assert_eq!(e.label(), "skipped (discarded)");
        let mut m = memory("m", false);
        m.status = Some("in_progress".into());
        assert_eq!(
            classify(&m, "u", None, None).label(),
            "skipped (unfinished: in_progress)"
        );
        let mut m = memory("mé", false);
        let e = classify(&m, "u", None, None);
        assert_eq!(e.status, EmbeddingStatus::Skipped, "not missing");
        assert!(e.reason.unwrap().contains("ASCII"));
        m.id = "m".into();
        m.deleted = true;
        let stored = record(&[("uid", s("u"))], 4);
        assert_eq!(
            classify(&m, "u", None, None).label(),
            "skipped (deleted)",
            "deleted, no vector: nothing to do"
        );
        let e = classify(&m, "u", Some(&stored), Some(4));
        assert_eq!(e.status, EmbeddingStatus::Orphan, "deleted with a vector");
        assert_eq!(e.label(), "orphan (deleted)");
        let mut m = memory("m", false);
        m.locked = true;
        let e = classify(&m, "u", Some(&stored), Some(4));
        assert_eq!(e.status, EmbeddingStatus::Legacy, "classed by its record");
        assert_eq!(e.skip, Some(SkipReason::Locked));
    }

    #[test]
    fn verification_sets_fresh_and_stale() {
        let m = memory("m", false);
        let good = record(
            &[
                ("uid", s("u")),
                ("memory_id", s("m")),
                ("created_at", MetaValue::Number(1.7e9)),
            ],
            4,
        );
        let mut e = classify(&m, "u", Some(&good), Some(4));
        apply_verification(&mut e, &good.values, &[1.0, 1.0, 1.0, 1.0]);
        assert_eq!(e.status, EmbeddingStatus::Fresh);
        assert!((e.similarity.unwrap() - 1.0).abs() < 1e-6);
        let mut e = classify(&m, "u", Some(&good), Some(4));
        apply_verification(&mut e, &good.values, &[1.0, 1.0, 1.0, 0.0]);
        assert_eq!(e.status, EmbeddingStatus::Stale);
        let mut e = classify(&m, "u", None, Some(4));
        apply_verification(&mut e, &good.values, &[1.0; 4]);
        assert_eq!(e.status, EmbeddingStatus::Missing);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), None);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), None);
        assert_eq!(freshness(0.999), EmbeddingStatus::Fresh);
        assert_eq!(freshness(0.9989), EmbeddingStatus::Stale);
        let c = counts([&e]);
        assert_eq!(c[&EmbeddingStatus::Missing], 1);
        assert_eq!(c.len(), EmbeddingStatus::ALL.len());
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

    #[test]
    fn an_older_view_saved_later_never_overwrites_newer_entries() {
        let dir = tempfile::tempdir().unwrap();
        let key = StatusCache::key_for("pinecone x", "ns1", "u");
        let entry = |status| StatusEntry::bare(status);
        // A TUI looked up at t=100 s: both present.
        let mut tui = StatusCache {
            key: key.clone(),
            checked_at: 100,
            ..Default::default()
        };
        tui.entries
            .insert("a".into(), entry(EmbeddingStatus::Present));
        tui.entries
            .insert("b".into(), entry(EmbeddingStatus::Present));
        tui.save(dir.path()).unwrap();
        // `status --verify` in another process at t=200 s: a is stale.
        let mut cli = StatusCache::load(dir.path(), &key).unwrap();
        cli.entries
            .insert("a".into(), entry(EmbeddingStatus::Stale));
        cli.stamps.insert("a".into(), 200_000);
        cli.entries
            .insert("c".into(), entry(EmbeddingStatus::Missing));
        cli.stamps.insert("c".into(), 200_000);
        cli.checked_at = 200;
        cli.save(dir.path()).unwrap();
        // The TUI, still open, learns b is fresh at t=300 s and saves its view.
        tui.entries
            .insert("b".into(), entry(EmbeddingStatus::Fresh));
        tui.stamps.insert("b".into(), 300_000);
        let saved = tui.save(dir.path()).unwrap();
        let back = StatusCache::load(dir.path(), &key).unwrap();
        assert_eq!(back.entries, saved.entries);
        assert_eq!(
            back.entries["a"].status,
            EmbeddingStatus::Stale,
            "the CLI's newer verdict"
        );
        assert_eq!(
            back.entries["b"].status,
            EmbeddingStatus::Fresh,
            "the TUI's newer verdict"
        );
        assert_eq!(
            back.entries["c"].status,
            EmbeddingStatus::Missing,
            "kept, though the TUI lacks it"
        );
        assert_eq!(back.stamp_of("a"), 200_000);
    }
}
