//! Golden queries: a TOML file of queries and the memory ids each should find, run as a
//! retrieval test — each expected id's rank, recall@k and MRR — and compared with the
//! last run (kept in the data dir), so a batch reprocess or a model change shows what it
//! did to retrieval.
//!
//! File format (`golden.toml`; `top_k` and `mode` optional):
//!
//! ```toml
//! top_k = 10
//! mode = "hybrid"
//!
//! [[query]]
//! query = "the conversation about the lender"
//! expect = ["0f3c…", "9a1d…"]
//! range = "2024-08-01.."   # optional, as `--range`
//! ```
//!
//! Metrics: rank = 1-based position in the mode's result list, searched to
//! [`RANK_DEPTH`] (`None` = deeper); recall@k = share of expected ids ranked ≤ k; reciprocal
//! rank = 1 / the best rank of an expected id when ≤ k, else 0 (so MRR is MRR@k); both
//! averaged over the queries. The last run is kept per golden file and mode.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::embed::Embedder;
use crate::store::VectorStore;
use crate::sync::daterange::DateRange;
use crate::sync::fulltext::FullText;
use crate::sync::hybrid::{HybridError, SearchMode, search_all};
use crate::sync::search::{SearchRequest, SearchTarget};

/// How deep each query is searched to find the expected ids' ranks.
pub const RANK_DEPTH: usize = 100;

/// The default k.
pub const DEFAULT_K: usize = 10;

fn default_k() -> usize {
    DEFAULT_K
}

/// The golden file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldenFile {
    #[serde(default = "default_k")]
    pub top_k: usize,
    /// `semantic`, `text` or `hybrid` (the run's `--mode` wins when given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    #[serde(default, rename = "query")]
    pub queries: Vec<GoldenQuery>,
}

impl Default for GoldenFile {
    fn default() -> Self {
        Self {
            top_k: DEFAULT_K,
            mode: None,
            queries: Vec::new(),
        }
    }
}

/// One golden query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldenQuery {
    pub query: String,
    /// Memory ids the query should find.
    pub expect: Vec<String>,
    /// An optional date range, as `memlens search --range` takes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
}

/// Why golden queries failed.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not a golden file: {message}")]
    Parse { path: String, message: String },
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
    #[error("{path} holds no queries: add one with memlens golden add \"QUERY\" --id ID")]
    Empty { path: String },
    #[error("query {query:?}: {message}")]
    BadQuery { query: String, message: String },
    #[error("query {query:?}: {source}")]
    Search {
        query: String,
        #[source]
        source: HybridError,
    },
}

impl GoldenFile {
    /// The default golden file in a data dir.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join("golden.toml")
    }

    /// Read a golden file; `missing_ok` gives an empty file when there is none.
    pub fn load(path: &Path, missing_ok: bool) -> Result<Self, GoldenError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if missing_ok && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self::default());
            }
            Err(e) => {
                return Err(GoldenError::Read {
                    path: path.display().to_string(),
                    message: e.to_string(),
                });
            }
        };
        let file: Self = if path.extension().is_some_and(|e| e == "json") {
            Self::from_labelled_json(&text).map_err(|e| GoldenError::Parse {
                path: path.display().to_string(),
                message: e.to_string(),
            })?
        } else {
            toml::from_str(&text).map_err(|e| GoldenError::Parse {
                path: path.display().to_string(),
                message: e.to_string(),
            })?
        };
        if file.top_k == 0 || file.top_k > RANK_DEPTH {
            return Err(GoldenError::Parse {
                path: path.display().to_string(),
                message: format!("top_k must be between 1 and {RANK_DEPTH}"),
            });
        }
        Ok(file)
    }

    /// A labelled query set in JSON (`tests/fixtures/*-queries.json`): an array of
    /// `{"query", "memory_id", "note"?}` (or `"expect": [ids]`), each query once; k = 10.
    pub fn from_labelled_json(text: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Labelled {
            query: String,
            #[serde(default)]
            memory_id: Option<String>,
            #[serde(default)]
            expect: Vec<String>,
            #[serde(default)]
            range: Option<String>,
        }
        let rows: Vec<Labelled> = serde_json::from_str(text)?;
        let mut file = Self::default();
        for r in rows {
            let mut expect = r.expect;
            expect.extend(r.memory_id);
            file.queries.push(GoldenQuery {
                query: r.query,
                expect,
                range: r.range,
            });
        }
        Ok(file)
    }

    /// Write the file atomically (comments are not kept).
    pub fn save(&self, path: &Path) -> Result<(), GoldenError> {
        let err = |e: String| GoldenError::Write {
            path: path.display().to_string(),
            message: e,
        };
        let text = toml::to_string_pretty(self).map_err(|e| err(e.to_string()))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(|e| err(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| err(e.to_string()))
    }

    /// Add `memory_id` to the expected ids of `query` (a new query when absent). Returns
    /// false when it was already expected.
    pub fn add(&mut self, query: &str, memory_id: &str) -> bool {
        let query = query.trim();
        let memory_id = memory_id.trim();
        match self.queries.iter_mut().find(|q| q.query == query) {
            Some(q) if q.expect.iter().any(|e| e == memory_id) => false,
            Some(q) => {
                q.expect.push(memory_id.to_string());
                true
            }
            None => {
                self.queries.push(GoldenQuery {
                    query: query.to_string(),
                    expect: vec![memory_id.to_string()],
                    range: None,
                });
                true
            }
        }
    }
}

/// Add a query → id pair to the file at `path` (created when missing).
pub fn add_to_file(path: &Path, query: &str, memory_id: &str) -> Result<bool, GoldenError> {
    if query.trim().is_empty() || memory_id.trim().is_empty() {
        return Err(GoldenError::BadQuery {
            query: query.to_string(),
            message: "a golden query needs a query and a memory id".into(),
        });
    }
    let mut file = GoldenFile::load(path, true)?;
    let added = file.add(query, memory_id);
    if added {
        file.save(path)?;
    }
    Ok(added)
}

/// Where one expected id ranked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExpectedRank {
    pub memory_id: String,
    /// Rank in the mode's list (≤ [`RANK_DEPTH`]), `None` when not found that deep.
    pub rank: Option<usize>,
    /// Rank in the semantic list and the full-text list of the same search, when there.
    pub semantic_rank: Option<usize>,
    pub text_rank: Option<usize>,
    /// Rank on the transcript chunk side of the same search, when there.
    #[serde(default)]
    pub chunk_rank: Option<usize>,
    /// The export does not hold this id (a typo?): reported, not counted as a miss.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not_in_export: bool,
}

/// One side's best candidates for a query, for `--detail` (designing the fusion).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SideLists {
    /// `ns1` (memory id, cosine).
    pub semantic: Vec<(String, f64)>,
    /// `ns_tchunks` (conversation id, best chunk's cosine).
    pub chunks: Vec<(String, f64)>,
    /// Full text over the query's content words (memory id, BM25).
    pub text: Vec<(String, f64)>,
    /// The full-text side fell back to OR.
    pub text_relaxed: bool,
}

/// The outcome of one query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryOutcome {
    pub query: String,
    pub expected: Vec<ExpectedRank>,
    /// Share of expected ids ranked ≤ k.
    pub recall: f64,
    /// 1 / best expected rank when ≤ k, else 0.
    pub reciprocal_rank: f64,
    /// Each side's candidates (only with `detail`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sides: Option<SideLists>,
}

/// A whole run (what is stored as the last run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoldenRun {
    pub file: String,
    pub mode: String,
    pub top_k: usize,
    pub model: String,
    pub namespace: String,
    /// Unix seconds.
    pub ran_at: i64,
    pub queries: Vec<QueryOutcome>,
    /// Mean recall@k over the queries.
    pub recall_at_k: f64,
    /// Mean reciprocal rank (@k).
    pub mrr: f64,
    /// Share of queries whose best expected id ranked first.
    #[serde(default)]
    pub top1: f64,
    /// Mean recall@5.
    #[serde(default)]
    pub recall_at_5: f64,
    /// Queries left out of the metrics: every expected id is missing from the export.
    #[serde(default)]
    pub skipped: usize,
}

/// What a run is given besides the file: the export's memory ids (an expected id not in
/// it is reported as a typo, not a miss) and whether to keep each side's candidates.
#[derive(Debug, Clone, Default)]
pub struct RunOptions<'a> {
    pub memories: Option<&'a [crate::omi::Memory]>,
    pub detail: bool,
}

/// One expected id whose rank moved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankChange {
    pub query: String,
    pub memory_id: String,
    pub before: Option<usize>,
    pub after: Option<usize>,
}

/// What changed since the last run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunChange {
    /// When the last run was (unix seconds).
    pub since: i64,
    pub recall_delta: f64,
    pub mrr_delta: f64,
    pub ranks: Vec<RankChange>,
}

/// Run every query of `file` in `mode` for `uid`.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<Arc<FullText>>,
    uid: &str,
    namespace: &str,
    file: &GoldenFile,
    file_name: &str,
    mode: SearchMode,
    options: RunOptions<'_>,
) -> Result<GoldenRun, GoldenError> {
    let known: Option<std::collections::HashSet<&str>> = options
        .memories
        .map(|m| m.iter().map(|m| m.id.as_str()).collect());
    if file.queries.is_empty() {
        return Err(GoldenError::Empty {
            path: file_name.to_string(),
        });
    }
    let k = file.top_k;
    let mut queries = Vec::with_capacity(file.queries.len());
    let (mut firsts, mut recall5, mut skipped) = (0usize, 0.0f64, 0usize);
    for q in &file.queries {
        let range = match &q.range {
            Some(r) => {
                DateRange::parse(r, chrono::Utc::now()).map_err(|e| GoldenError::BadQuery {
                    query: q.query.clone(),
                    message: e.to_string(),
                })?
            }
            None => DateRange::ALL,
        };
        let request = SearchRequest {
            uid: uid.to_string(),
            namespace: namespace.to_string(),
            target: SearchTarget::Text(q.query.clone()),
            top_k: RANK_DEPTH,
            range,
        };
        let search_mode = if options.detail {
            SearchMode::Hybrid
        } else {
            mode
        };
        let detailed = search_all(
            embedder,
            store,
            fulltext.clone(),
            options.memories,
            &request,
            search_mode,
        )
        .await
        .map_err(|source| GoldenError::Search {
            query: q.query.clone(),
            source,
        })?;
        let results = if search_mode == mode {
            detailed.clone()
        } else {
            search_all(
                embedder,
                store,
                fulltext.clone(),
                options.memories,
                &request,
                mode,
            )
            .await
            .map_err(|source| GoldenError::Search {
                query: q.query.clone(),
                source,
            })?
        };
        let sides = options.detail.then(|| SideLists {
            semantic: detailed.semantic.as_ref().map_or(vec![], |s| {
                s.hits
                    .iter()
                    .map(|h| (h.memory_id.clone(), f64::from(h.score)))
                    .collect()
            }),
            chunks: detailed.chunks.as_ref().map_or(vec![], |c| {
                c.hits
                    .iter()
                    .map(|h| (h.conversation_id.clone(), f64::from(h.score)))
                    .collect()
            }),
            text: detailed.text.as_ref().map_or(vec![], |t| {
                t.hits
                    .iter()
                    .map(|h| (h.memory_id.clone(), h.score))
                    .collect()
            }),
            text_relaxed: detailed.text.as_ref().is_some_and(|t| t.relaxed),
        });
        let expected: Vec<ExpectedRank> = q
            .expect
            .iter()
            .map(|id| {
                let hit = results.hits.iter().find(|h| &h.memory_id == id);
                ExpectedRank {
                    memory_id: id.clone(),
                    rank: hit.map(|h| h.rank),
                    semantic_rank: results
                        .semantic
                        .as_ref()
                        .and_then(|s| s.hits.iter().find(|h| &h.memory_id == id))
                        .map(|h| h.rank),
                    text_rank: results
                        .text
                        .as_ref()
                        .and_then(|t| t.hits.iter().find(|h| &h.memory_id == id))
                        .map(|h| h.rank),
                    chunk_rank: results
                        .chunks
                        .as_ref()
                        .and_then(|c| c.hits.iter().find(|h| &h.conversation_id == id))
                        .map(|h| h.rank),
                    not_in_export: known.as_ref().is_some_and(|k| !k.contains(id.as_str())),
                }
            })
            .collect();
        let counted: Vec<&ExpectedRank> = expected.iter().filter(|e| !e.not_in_export).collect();
        let within = |k: usize| {
            counted
                .iter()
                .filter(|e| e.rank.is_some_and(|r| r <= k))
                .count()
        };
        let recall = if counted.is_empty() {
            0.0
        } else {
            within(k) as f64 / counted.len() as f64
        };
        if !counted.is_empty() {
            recall5 += within(5) as f64 / counted.len() as f64;
        }
        let best = counted
            .iter()
            .filter_map(|e| e.rank)
            .filter(|r| *r <= k)
            .min();
        if best == Some(1) {
            firsts += 1;
        }
        if counted.is_empty() {
            skipped += 1;
        }
        queries.push(QueryOutcome {
            query: q.query.clone(),
            expected,
            recall,
            reciprocal_rank: best.map_or(0.0, |r| 1.0 / r as f64),
            sides,
        });
    }
    let n = (queries.len() - skipped).max(1) as f64;
    Ok(GoldenRun {
        file: file_name.to_string(),
        mode: mode.name().to_string(),
        top_k: k,
        model: embedder.model_id().to_string(),
        namespace: namespace.to_string(),
        ran_at: chrono::Utc::now().timestamp(),
        recall_at_k: queries.iter().map(|q| q.recall).sum::<f64>() / n,
        mrr: queries.iter().map(|q| q.reciprocal_rank).sum::<f64>() / n,
        top1: firsts as f64 / n,
        recall_at_5: recall5 / n,
        skipped,
        queries,
    })
}

/// Where the last run of a golden file in a mode is kept:
/// `golden-runs/<hash of the file's path and the mode>.json` in the data dir (runs are
/// compared within one mode only).
pub fn last_run_path(data_dir: &Path, golden_file: &Path, mode: SearchMode) -> PathBuf {
    use sha2::{Digest, Sha256};
    let abs = std::fs::canonicalize(golden_file).unwrap_or_else(|_| golden_file.to_path_buf());
    let mut h = Sha256::new();
    h.update(abs.to_string_lossy().as_bytes());
    h.update([0]);
    h.update(mode.name().as_bytes());
    let name: String = h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    data_dir.join("golden-runs").join(format!("{name}.json"))
}

/// The last run of a golden file in a mode, if any (an unreadable one counts as none).
pub fn load_last_run(data_dir: &Path, golden_file: &Path, mode: SearchMode) -> Option<GoldenRun> {
    let bytes = std::fs::read(last_run_path(data_dir, golden_file, mode)).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The newest last run of a golden file in any mode (what the TUI shows).
pub fn load_newest_run(data_dir: &Path, golden_file: &Path) -> Option<GoldenRun> {
    SearchMode::ALL
        .into_iter()
        .filter_map(|m| load_last_run(data_dir, golden_file, m))
        .max_by_key(|r| r.ran_at)
}

/// Keep a run as the last one of its mode (atomically).
pub fn save_last_run(
    data_dir: &Path,
    golden_file: &Path,
    mode: SearchMode,
    run: &GoldenRun,
) -> std::io::Result<()> {
    let path = last_run_path(data_dir, golden_file, mode);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(run)?)?;
    std::fs::rename(tmp, path)
}

/// What changed from `before` to `after`: metric deltas and every expected id whose rank
/// moved (queries matched by text).
pub fn compare(before: &GoldenRun, after: &GoldenRun) -> RunChange {
    let mut ranks = Vec::new();
    for q in &after.queries {
        let Some(old) = before.queries.iter().find(|o| o.query == q.query) else {
            continue;
        };
        for e in &q.expected {
            let was = old
                .expected
                .iter()
                .find(|o| o.memory_id == e.memory_id)
                .and_then(|o| o.rank);
            if was != e.rank {
                ranks.push(RankChange {
                    query: q.query.clone(),
                    memory_id: e.memory_id.clone(),
                    before: was,
                    after: e.rank,
                });
            }
        }
    }
    RunChange {
        since: before.ran_at,
        recall_delta: after.recall_at_k - before.recall_at_k,
        mrr_delta: after.mrr - before.mrr,
        ranks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn add_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.toml");
        assert!(add_to_file(&path, "lender", "m1").unwrap());
        assert!(add_to_file(&path, "lender", "m2").unwrap());
        assert!(!add_to_file(&path, "lender", "m1").unwrap());
        assert!(add_to_file(&path, "dog", "m3").unwrap());
        let f = GoldenFile::load(&path, false).unwrap();
        assert_eq!(f.top_k, 10);
        assert_eq!(f.queries.len(), 2);
        assert_eq!(f.queries[0].expect, ["m1", "m2"]);
        assert!(GoldenFile::load(&dir.path().join("none.toml"), false).is_err());
        std::fs::write(&path, "top_k = 0").unwrap();
        assert!(GoldenFile::load(&path, false).is_err());
    }

    #[test]
    fn changes_between_runs() {
        let run = |rank: Option<usize>| GoldenRun {
            file: "g".into(),
            mode: "hybrid".into(),
            top_k: 10,
            model: "m".into(),
            namespace: "ns1".into(),
            ran_at: 1,
            queries: vec![QueryOutcome {
                query: "q".into(),
                expected: vec![ExpectedRank {
                    memory_id: "a".into(),
                    rank,
                    semantic_rank: rank,
                    text_rank: None,
                    chunk_rank: None,
                    not_in_export: false,
                }],
                recall: f64::from(u8::from(rank.is_some_and(|r| r <= 10))),
                reciprocal_rank: rank.filter(|r| *r <= 10).map_or(0.0, |r| 1.0 / r as f64),
                sides: None,
            }],
            recall_at_k: f64::from(u8::from(rank.is_some_and(|r| r <= 10))),
            mrr: rank.filter(|r| *r <= 10).map_or(0.0, |r| 1.0 / r as f64),
            top1: 0.0,
            recall_at_5: 0.0,
            skipped: 0,
        };
        let c = compare(&run(Some(12)), &run(Some(2)));
        assert_eq!(c.ranks.len(), 1);
        assert_eq!((c.ranks[0].before, c.ranks[0].after), (Some(12), Some(2)));
        assert!((c.mrr_delta - 0.5).abs() < 1e-12);
        assert!((c.recall_delta - 1.0).abs() < 1e-12);
        assert!(compare(&run(Some(2)), &run(Some(2))).ranks.is_empty());
    }
}
