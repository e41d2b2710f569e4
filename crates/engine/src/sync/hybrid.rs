//! Hybrid search: Omi's semantic search (the configured store, Omi's filter) and the
//! local full-text search (the export of the same uid, the same date range) side by side,
//! fused by reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009):
//! `rrf(d) = Σ 1 / (k + rank_i(d))` over the lists that hold `d`, with `k` = [`RRF_K`] = 60.
//!
//! Each list is asked for [`candidates`] memories (more than shown, so a memory ranked low
//! by one side and high by the other still surfaces); the fused list is cut to top-k.
//! `semantic` mode is exactly [`crate::sync::search::search`] (Omi's `query_vectors`).

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::embed::Embedder;
use crate::store::VectorStore;
use crate::sync::fulltext::{FullText, FullTextError, TextHit, TextResults};
use crate::sync::search::{SearchError, SearchHit, SearchRequest, SearchResults, SearchTarget};

/// The `k` of reciprocal rank fusion (the paper's value): a rank-1 hit adds 1/61.
pub const RRF_K: f64 = 60.0;

/// Which searches run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Only Omi's semantic search (exactly `query_vectors`).
    Semantic,
    /// Only the local full-text search.
    Text,
    /// Both, fused by RRF.
    #[default]
    Hybrid,
}

impl SearchMode {
    /// `semantic`, `text` or `hybrid`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Semantic => "semantic",
            Self::Text => "text",
            Self::Hybrid => "hybrid",
        }
    }

    /// The next mode (semantic → text → hybrid → semantic), for a toggle key.
    pub fn next(self) -> Self {
        match self {
            Self::Semantic => Self::Text,
            Self::Text => Self::Hybrid,
            Self::Hybrid => Self::Semantic,
        }
    }
}

impl std::str::FromStr for SearchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "semantic" => Ok(Self::Semantic),
            "text" => Ok(Self::Text),
            "hybrid" => Ok(Self::Hybrid),
            other => Err(format!(
                "unknown search mode {other:?}: use semantic, text or hybrid"
            )),
        }
    }
}

/// Candidates asked from each side in hybrid mode for `top_k` shown:
/// `max(5 × top_k, 50)`, at most Pinecone's 10 000.
pub fn candidates(top_k: usize) -> usize {
    top_k
        .saturating_mul(5)
        .clamp(50, crate::store::limits::MAX_TOP_K)
}

/// One fused hit, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HybridHit {
    /// 1-based rank in the fused list.
    pub rank: usize,
    pub memory_id: String,
    /// The RRF score (0 in single-list modes).
    pub rrf: f64,
    /// Where the semantic search put it (rank, cosine score, id, metadata).
    pub semantic: Option<SearchHit>,
    /// Where the full-text search put it (rank, BM25, matching lines with snippets).
    pub text: Option<TextHit>,
    /// Where the transcript chunk search put it: the conversation's best chunk (its rank
    /// among conversations on the chunk side, cosine score, position and time range).
    pub chunk: Option<ChunkSideHit>,
}

/// A conversation's best transcript chunk on the chunk side (`ns_tchunks`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChunkSideHit {
    /// 1-based rank of the conversation on the chunk side (conversations ordered by their
    /// best chunk's score).
    pub rank: usize,
    /// Cosine similarity of the best chunk with the query.
    pub score: f32,
    /// 0-based index of the best chunk (`c{chunk_index}` in its vector id).
    pub chunk_index: usize,
    /// Start of the chunk's first transcript segment, seconds from the recording's start.
    pub start_seconds: f64,
    /// End of the chunk's last transcript segment, seconds from the recording's start.
    pub end_seconds: f64,
}

/// The outcome of a search in any mode.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HybridResults {
    pub mode: SearchMode,
    pub top_k: usize,
    /// The semantic side (absent in text mode, or when it was not run).
    pub semantic: Option<SearchResults>,
    /// The full-text side (absent in semantic mode, or without an index).
    pub text: Option<TextResults>,
    pub hits: Vec<HybridHit>,
    /// Why a side did not run, for people (`no export: full text skipped`).
    pub notes: Vec<String>,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum HybridError {
    #[error(transparent)]
    Semantic(#[from] SearchError),
    #[error("full-text search failed: {0}")]
    Text(#[from] FullTextError),
    #[error(
        "text mode needs the export's full-text index: open an export (memlens search --export FILE)"
    )]
    NoIndex,
    #[error("full-text search task failed: {0}")]
    Task(String),
}

/// Fuse two ranked lists by RRF and keep `top_k`. Ties (equal RRF) go to the better
/// single rank, then the memory id.
pub fn fuse(semantic: &[SearchHit], text: &[TextHit], top_k: usize) -> Vec<HybridHit> {
    let mut by_id: HashMap<&str, HybridHit> = HashMap::new();
    for h in semantic {
        let e = by_id.entry(&h.memory_id).or_insert_with(|| HybridHit {
            rank: 0,
            memory_id: h.memory_id.clone(),
            rrf: 0.0,
            semantic: None,
            text: None,
            chunk: None,
        });
        if e.semantic.is_none() {
            e.rrf += 1.0 / (RRF_K + h.rank as f64);
            e.semantic = Some(h.clone());
        }
    }
    for h in text {
        let e = by_id.entry(&h.memory_id).or_insert_with(|| HybridHit {
            rank: 0,
            memory_id: h.memory_id.clone(),
            rrf: 0.0,
            semantic: None,
            text: None,
            chunk: None,
        });
        if e.text.is_none() {
            e.rrf += 1.0 / (RRF_K + h.rank as f64);
            e.text = Some(h.clone());
        }
    }
    let best_single = |h: &HybridHit| {
        let s = h.semantic.as_ref().map_or(usize::MAX, |s| s.rank);
        let t = h.text.as_ref().map_or(usize::MAX, |t| t.rank);
        s.min(t)
    };
    let mut hits: Vec<HybridHit> = by_id.into_values().collect();
    hits.sort_by(|a, b| {
        b.rrf
            .total_cmp(&a.rrf)
            .then_with(|| best_single(a).cmp(&best_single(b)))
            .then_with(|| a.memory_id.cmp(&b.memory_id))
    });
    hits.truncate(top_k);
    for (i, h) in hits.iter_mut().enumerate() {
        h.rank = i + 1;
    }
    hits
}

/// Run a search in `mode`. `fulltext` is the index of the uid's export (same uid as
/// `request.uid`); without one, hybrid mode runs the semantic side alone (with a note) and
/// text mode fails. "More like this" targets are semantic only.
pub async fn hybrid_search(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<Arc<FullText>>,
    request: &SearchRequest,
    mode: SearchMode,
) -> Result<HybridResults, HybridError> {
    let mut notes = Vec::new();
    let query = match &request.target {
        SearchTarget::Text(q) => Some(q.clone()),
        SearchTarget::LikeMemory(_) => None,
    };
    let mode = match (&query, mode) {
        (None, _) => SearchMode::Semantic,
        (Some(_), m) => m,
    };
    let wide = SearchRequest {
        top_k: candidates(request.top_k),
        ..request.clone()
    };
    let semantic = match mode {
        SearchMode::Semantic => Some(crate::sync::search::search(embedder, store, request).await?),
        SearchMode::Hybrid => Some(crate::sync::search::search(embedder, store, &wide).await?),
        SearchMode::Text => None,
    };
    let text = match (mode, query, fulltext) {
        (SearchMode::Semantic, _, _) | (_, None, _) => None,
        (SearchMode::Text, Some(_), None) => return Err(HybridError::NoIndex),
        (SearchMode::Hybrid, Some(_), None) => {
            notes.push(
                "no full-text index (no export, or still indexing): semantic side only".to_string(),
            );
            None
        }
        (m, Some(q), Some(ft)) => {
            let limit = if m == SearchMode::Text {
                request.top_k
            } else {
                wide.top_k
            };
            if request.uid.trim().is_empty() {
                return Err(SearchError::NoUid.into());
            }
            let range = request.range;
            match crate::sync::fulltext::skip_text_side(&q) {
                // Nothing for the text side to search: the other sides answer.
                Some(why) if m != SearchMode::Text => {
                    notes.push(why);
                    None
                }
                _ => Some(
                    tokio::task::spawn_blocking(move || ft.search(&q, range, limit))
                        .await
                        .map_err(|e| HybridError::Task(e.to_string()))??,
                ),
            }
        }
    };
    let sem_hits = semantic.as_ref().map_or(&[][..], |s| &s.hits[..]);
    let text_hits = text.as_ref().map_or(&[][..], |t| &t.hits[..]);
    // Single-list modes keep their list as it is (Omi's, duplicates and all).
    let hits = match mode {
        SearchMode::Hybrid => fuse(sem_hits, text_hits, request.top_k),
        SearchMode::Semantic => sem_hits
            .iter()
            .map(|h| HybridHit {
                rank: h.rank,
                memory_id: h.memory_id.clone(),
                rrf: 0.0,
                semantic: Some(h.clone()),
                text: None,
                chunk: None,
            })
            .collect(),
        SearchMode::Text => text_hits
            .iter()
            .map(|h| HybridHit {
                rank: h.rank,
                memory_id: h.memory_id.clone(),
                rrf: 0.0,
                semantic: None,
                text: Some(h.clone()),
                chunk: None,
            })
            .collect(),
    };
    Ok(HybridResults {
        mode,
        top_k: request.top_k,
        semantic,
        text,
        hits,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Metadata;

    fn sem(id: &str, rank: usize) -> SearchHit {
        SearchHit {
            rank,
            score: 1.0 - rank as f32 / 100.0,
            vector_id: format!("u-{id}"),
            memory_id: id.into(),
            legacy_id: false,
            metadata: Metadata::new(),
            created_at: None,
        }
    }

    fn txt(id: &str, rank: usize) -> TextHit {
        TextHit {
            rank,
            memory_id: id.into(),
            score: 10.0 / rank as f64,
            created_at: None,
            matches: vec![],
        }
    }

    #[test]
    fn rrf_with_k_60() {
        let hits = fuse(
            &[sem("a", 1), sem("b", 2), sem("c", 3)],
            &[txt("c", 1), txt("d", 2)],
            3,
        );
        let ids: Vec<&str> = hits.iter().map(|h| h.memory_id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"], "b and d tie at 1/62: the id decides");
        assert!((hits[0].rrf - (1.0 / 63.0 + 1.0 / 61.0)).abs() < 1e-12);
        assert!((hits[1].rrf - 1.0 / 61.0).abs() < 1e-12);
        assert_eq!(hits[2].text, None);
        assert_eq!(hits[2].semantic.as_ref().unwrap().rank, 2);
        assert_eq!(hits.iter().map(|h| h.rank).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn modes() {
        assert_eq!("Hybrid".parse::<SearchMode>(), Ok(SearchMode::Hybrid));
        assert!("fuzzy".parse::<SearchMode>().is_err());
        assert_eq!(SearchMode::Hybrid.next(), SearchMode::Semantic);
        assert_eq!(candidates(10), 50);
        assert_eq!(candidates(30), 150);
        assert_eq!(candidates(5000), 10_000);
    }
}
