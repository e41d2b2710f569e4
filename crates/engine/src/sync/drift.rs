//! Format drift: which of Omi's embedding-text formats made a stored vector? Embed the
//! memory's text in every format (`TextFormat::ALL`), compare each with the stored vector
//! and name the best match — "matches omi-2024-08-26 at 0.99997: made before the
//! omi-2025-04-30 format change; the current text scores 0.962 → stale".
//!
//! All texts of all memories go to the embedder in one call (identical texts once), and
//! scores are cached in the data dir, keyed by model, text hash and stored-vector hash.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::embed::{EmbedError, Embedder};
use crate::omi::Memory;
use crate::omi::conventions::{validate_id, vector_id};
use crate::omi::policy::{self, Overrides, SkipReason};
use crate::omi::text::{TextFormat, render};
use crate::store::{StoreError, VectorStore, limits};
use crate::sync::status::{EmbeddingStatus, FRESH_THRESHOLD, cosine, freshness};

/// The score of one format.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FormatScore {
    #[serde(serialize_with = "ser_format")]
    pub format: TextFormat,
    /// Cosine of the stored vector with the embedding of this format's text.
    pub similarity: f32,
    /// An older format whose text is byte-identical for this memory (same score).
    #[serde(serialize_with = "ser_opt_format")]
    pub same_text_as: Option<TextFormat>,
}

/// What the drift check found for one memory with a vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriftReport {
    pub memory_id: String,
    pub vector_id: String,
    pub model: String,
    /// One score per format, oldest format first.
    pub scores: Vec<FormatScore>,
    /// The best-scoring formats (several when their texts are identical).
    #[serde(serialize_with = "ser_formats")]
    pub best: Vec<TextFormat>,
    pub best_similarity: f32,
    /// The score of the current format's text.
    pub current_similarity: f32,
    /// `fresh` or `stale`, from the current text's score.
    pub status: EmbeddingStatus,
    /// True when `best_similarity` ≥ the fresh threshold: the format is identified.
    pub identified: bool,
    /// One sentence for people.
    pub verdict: String,
    /// Every score came from the cache (no embedding needed).
    pub from_cache: bool,
}

fn ser_format<S: serde::Serializer>(f: &TextFormat, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(f.name())
}

fn ser_opt_format<S: serde::Serializer>(f: &Option<TextFormat>, s: S) -> Result<S::Ok, S::Error> {
    match f {
        Some(f) => s.serialize_str(f.name()),
        None => s.serialize_none(),
    }
}

fn ser_formats<S: serde::Serializer>(fs: &[TextFormat], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(fs.iter().map(|f| f.name()))
}

/// The outcome for one memory.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum DriftOutcome {
    /// The memory has a vector and was compared.
    Report(DriftReport),
    /// No vector under `{uid}-{memory_id}`.
    NoVector {
        memory_id: String,
        vector_id: String,
    },
    /// A vector that cannot be compared (another dimension: another model).
    Incomparable { memory_id: String, reason: String },
    /// Omi would not embed the memory ([`crate::omi::policy`]): not compared. `reason`
    /// says so for people (a deleted memory's stored vector is an orphan to clean up).
    Skipped {
        memory_id: String,
        skip: SkipReason,
        /// A vector is stored under `{uid}-{memory_id}`.
        has_vector: bool,
        reason: String,
    },
}

impl DriftOutcome {
    /// The memory this outcome is about.
    pub fn memory_id(&self) -> &str {
        match self {
            DriftOutcome::Report(r) => &r.memory_id,
            DriftOutcome::NoVector { memory_id, .. }
            | DriftOutcome::Incomparable { memory_id, .. }
            | DriftOutcome::Skipped { memory_id, .. } => memory_id,
        }
    }
}

/// Why a drift check failed.
#[derive(Debug, thiserror::Error)]
pub enum DriftError {
    #[error("no Omi uid: set it with --uid, MEMLENS_UID or the export's profile")]
    NoUid,
    #[error("fetching the stored vectors failed: {0}")]
    Store(#[from] StoreError),
    #[error("embedding the texts failed: {0}")]
    Embed(#[from] EmbedError),
}

/// Cached drift scores: cosine by (model, text hash, stored-vector hash).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DriftCache {
    pub scores: BTreeMap<String, f32>,
    #[serde(skip)]
    dirty: bool,
}

impl DriftCache {
    /// Where the cache lives under `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join("drift-cache.json")
    }

    /// Load the cache (an empty one when absent or unreadable).
    pub fn load(data_dir: &Path) -> Self {
        std::fs::read(Self::path(data_dir))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    /// Save atomically when something was added.
    pub fn save(&mut self, data_dir: &Path) -> std::io::Result<()> {
        if !self.dirty {
            return Ok(());
        }
        crate::datadir::ensure_writable(data_dir)?;
        std::fs::create_dir_all(data_dir)?;
        let path = Self::path(data_dir);
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec(self)?)?;
        std::fs::rename(tmp, path)?;
        self.dirty = false;
        Ok(())
    }

    /// Number of cached scores.
    pub fn len(&self) -> usize {
        self.scores.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.scores.is_empty()
    }

    fn insert(&mut self, key: String, score: f32) {
        self.scores.insert(key, score);
        self.dirty = true;
    }
}

/// The cache key of a (model, text, stored vector) triple.
pub fn cache_key(model: &str, text: &str, stored: &[f32]) -> String {
    let mut h = Sha256::new();
    h.update(model.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    let text_hash = h.finalize();
    let mut v = Sha256::new();
    for x in stored {
        v.update(x.to_le_bytes());
    }
    let vec_hash = v.finalize();
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!("{}:{}", hex(&text_hash[..16]), hex(&vec_hash[..8]))
}

/// Check the drift of `memories`: fetch their vectors (groups of 100), embed the texts of
/// every format not in `cache` (one embedding call), compare. One outcome per memory,
/// in input order.
pub async fn check_drift(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    memories: &[&Memory],
    mut cache: Option<&mut DriftCache>,
) -> Result<Vec<DriftOutcome>, DriftError> {
    let uid = uid.trim();
    if uid.is_empty() {
        return Err(DriftError::NoUid);
    }
    let model = embedder.model_id().to_string();
    let dimension = embedder.learn_dimension().await?;
    let ids: Vec<String> = memories.iter().map(|m| vector_id(uid, &m.id)).collect();
    let valid: Vec<String> = ids
        .iter()
        .filter(|id| validate_id(id).is_ok())
        .cloned()
        .collect();
    let mut records = BTreeMap::new();
    for group in valid.chunks(limits::FETCH_GROUP) {
        records.extend(store.fetch(namespace, group).await?);
    }

    // Texts per memory (format order), and the keys still to score.
    struct Pending {
        texts: Vec<String>,
        keys: Vec<String>,
    }
    let mut pending: Vec<Option<Pending>> = Vec::with_capacity(memories.len());
    let mut outcomes: Vec<Option<DriftOutcome>> = Vec::with_capacity(memories.len());
    let mut to_embed: Vec<String> = Vec::new();
    let mut text_slot: HashMap<String, usize> = HashMap::new();
    for (memory, id) in memories.iter().zip(&ids) {
        if let Some(skip) = policy::skip_reason(memory, Some(uid), Overrides::default()) {
            let has_vector = records.contains_key(id);
            let reason = match (&skip, has_vector) {
                (SkipReason::Deleted, true) => {
                    "deleted in Omi but its vector is still stored: an orphan to clean up \
                     (memlens orphans EXPORT --delete)"
                        .to_string()
                }
                _ => format!("skipped ({}): Omi would not embed it", skip.detail()),
            };
            outcomes.push(Some(DriftOutcome::Skipped {
                memory_id: memory.id.clone(),
                skip,
                has_vector,
                reason,
            }));
            pending.push(None);
            continue;
        }
        let Some(record) = records.get(id) else {
            outcomes.push(Some(DriftOutcome::NoVector {
                memory_id: memory.id.clone(),
                vector_id: id.clone(),
            }));
            pending.push(None);
            continue;
        };
        if record.values.len() != dimension {
            outcomes.push(Some(DriftOutcome::Incomparable {
                memory_id: memory.id.clone(),
                reason: format!(
                    "the stored vector has {} values but {model} makes {dimension}: \
                     another model embedded it",
                    record.values.len()
                ),
            }));
            pending.push(None);
            continue;
        }
        let texts: Vec<String> = TextFormat::ALL
            .iter()
            .map(|f| render(&memory.structured, *f))
            .collect();
        let keys: Vec<String> = texts
            .iter()
            .map(|t| cache_key(&model, t, &record.values))
            .collect();
        for (text, key) in texts.iter().zip(&keys) {
            let cached = cache.as_ref().is_some_and(|c| c.scores.contains_key(key));
            if !cached && !text_slot.contains_key(text) {
                text_slot.insert(text.clone(), to_embed.len());
                to_embed.push(text.clone());
            }
        }
        pending.push(Some(Pending { texts, keys }));
        outcomes.push(None);
    }

    let embedded = if to_embed.is_empty() {
        Vec::new()
    } else {
        crate::embed::embed_each(embedder, &to_embed).await?
    };

    let mut out = Vec::with_capacity(memories.len());
    for ((memory, id), (outcome, pend)) in memories
        .iter()
        .zip(&ids)
        .zip(outcomes.into_iter().zip(pending))
    {
        if let Some(o) = outcome {
            out.push(o);
            continue;
        }
        let (Some(p), Some(record)) = (pend, records.get(id)) else {
            continue;
        };
        let mut scores = Vec::with_capacity(TextFormat::ALL.len());
        let mut from_cache = true;
        for (i, (text, key)) in p.texts.iter().zip(&p.keys).enumerate() {
            let cached = cache.as_ref().and_then(|c| c.scores.get(key).copied());
            let sim = match cached {
                Some(s) => s,
                None => {
                    from_cache = false;
                    let s = text_slot
                        .get(text)
                        .and_then(|slot| embedded.get(*slot))
                        .and_then(|v| cosine(&record.values, v))
                        .unwrap_or(0.0);
                    if let Some(c) = cache.as_deref_mut() {
                        c.insert(key.clone(), s);
                    }
                    s
                }
            };
            let same_text_as = p.texts[..i]
                .iter()
                .position(|t| t == text)
                .map(|j| TextFormat::ALL[j]);
            scores.push(FormatScore {
                format: TextFormat::ALL[i],
                similarity: sim,
                same_text_as,
            });
        }
        out.push(DriftOutcome::Report(report(
            memory, id, &model, scores, from_cache,
        )));
    }
    Ok(out)
}

fn report(
    memory: &Memory,
    vector_id: &str,
    model: &str,
    scores: Vec<FormatScore>,
    from_cache: bool,
) -> DriftReport {
    let best_similarity = scores
        .iter()
        .map(|s| s.similarity)
        .fold(f32::NEG_INFINITY, f32::max);
    let best: Vec<TextFormat> = scores
        .iter()
        .filter(|s| s.similarity >= best_similarity - 1e-6)
        .map(|s| s.format)
        .collect();
    let current_similarity = scores
        .iter()
        .find(|s| s.format == TextFormat::CURRENT)
        .map_or(0.0, |s| s.similarity);
    let status = freshness(current_similarity);
    let identified = best_similarity >= FRESH_THRESHOLD;
    let verdict = verdict(&best, best_similarity, current_similarity, identified);
    DriftReport {
        memory_id: memory.id.clone(),
        vector_id: vector_id.to_string(),
        model: model.to_string(),
        scores,
        best,
        best_similarity,
        current_similarity,
        status,
        identified,
        verdict,
        from_cache,
    }
}

/// The sentence of a report.
fn verdict(best: &[TextFormat], best_sim: f32, current: f32, identified: bool) -> String {
    let names = best
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(" = ");
    let current_word = freshness(current).word();
    if !identified {
        return format!(
            "no format reproduces the stored vector (closest: {names} at {best_sim:.5}): \
             the memory was edited after it was embedded, or another model made the vector; \
             the current text scores {current:.3} → {current_word}"
        );
    }
    if best.contains(&TextFormat::CURRENT) {
        return format!("matches the current text ({names}) at {best_sim:.5} → fresh");
    }
    let newest = best.iter().max().copied().unwrap_or(TextFormat::CURRENT);
    let next = TextFormat::ALL
        .iter()
        .find(|f| **f > newest)
        .copied()
        .unwrap_or(TextFormat::CURRENT);
    format!(
        "matches {names} at {best_sim:.5}: made before the {} format change; \
         the current text scores {current:.3} → {current_word}",
        next.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(format: TextFormat, similarity: f32) -> FormatScore {
        FormatScore {
            format,
            similarity,
            same_text_as: None,
        }
    }

    #[test]
    fn verdicts() {
        let m = Memory {
            id: "m".into(),
            ..Memory::default()
        };
        let r = report(
            &m,
            "u-m",
            "x",
            vec![
                score(TextFormat::Omi20240730, 0.90),
                score(TextFormat::Omi20240731, 0.90),
                score(TextFormat::Omi20240826, 0.99997),
                score(TextFormat::Omi20250430, 0.962),
                score(TextFormat::Omi20251017, 0.962),
            ],
            false,
        );
        assert_eq!(r.best, vec![TextFormat::Omi20240826]);
        assert_eq!(r.status, EmbeddingStatus::Stale);
        assert_eq!(
            r.verdict,
            "matches omi-2024-08-26 at 0.99997: made before the omi-2025-04-30 format \
             change; the current text scores 0.962 → stale"
        );
        let fresh = report(
            &m,
            "u-m",
            "x",
            vec![
                score(TextFormat::Omi20250430, 1.0),
                score(TextFormat::Omi20251017, 1.0),
            ],
            true,
        );
        assert_eq!(fresh.status, EmbeddingStatus::Fresh);
        assert!(fresh.verdict.contains("omi-2025-04-30 = omi-2025-10-17"));
        let lost = report(
            &m,
            "u-m",
            "x",
            vec![score(TextFormat::Omi20251017, 0.8)],
            false,
        );
        assert!(!lost.identified);
        assert!(lost.verdict.starts_with("no format reproduces"));
    }

    #[test]
    fn cache_keys_depend_on_all_three() {
        let a = cache_key("m", "t", &[1.0]);
        assert_ne!(a, cache_key("m2", "t", &[1.0]));
        assert_ne!(a, cache_key("m", "t2", &[1.0]));
        assert_ne!(a, cache_key("m", "t", &[0.5]));
        assert_eq!(a, cache_key("m", "t", &[1.0]));
        let dir = tempfile::tempdir().unwrap();
        let mut c = DriftCache::default();
        c.insert(a.clone(), 0.5);
        c.save(dir.path()).unwrap();
        assert_eq!(DriftCache::load(dir.path()).scores.get(&a), Some(&0.5));
    }
}
