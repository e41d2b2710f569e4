//! Search in four modes. `semantic` is exactly Omi's `query_vectors` on `ns1`
//! ([`crate::sync::search::search`], the parity check); `text` is plain full-text search
//! over the export; `chunks` is the transcript chunk side alone (`ns_tchunks`, a
//! conversation by its best chunk, [`crate::sync::tchunks`]); `hybrid`, the default, runs
//! all three with one query embedding and fuses them by [`fuse`]: the better of the two
//! cosines plus a lexical term that counts only when the memory holds the query's rare
//! words.
//!
//! Each side is asked for [`candidates`] memories (more than shown, so a memory ranked low
//! by one side and high by another still surfaces); the fused list is cut to top-k.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use crate::embed::Embedder;
use crate::omi::Memory;
use crate::store::{StoreError, VectorStore};
use crate::sync::fulltext::{self, FullText, FullTextError, TextHit, TextResults};
use crate::sync::lexical;
use crate::sync::search::{
    self, SearchError, SearchHit, SearchRequest, SearchResults, SearchTarget,
};
use crate::sync::tchunks::{self, ChunkConversation, ChunkResults};

/// Which searches run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SearchMode {
    /// Only Omi's semantic search (exactly `query_vectors` on `ns1`).
    Semantic,
    /// Only the local full-text search.
    Text,
    /// Only the transcript chunk search (`ns_tchunks`, a conversation by its best chunk).
    Chunks,
    /// All three, fused by [`fuse`].
    #[default]
    Hybrid,
}

impl SearchMode {
    /// Every mode, in the order `t` cycles them.
    pub const ALL: [SearchMode; 4] = [Self::Hybrid, Self::Semantic, Self::Text, Self::Chunks];

    /// `semantic`, `text`, `chunks` or `hybrid`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Semantic => "semantic",
            Self::Text => "text",
            Self::Chunks => "chunks",
            Self::Hybrid => "hybrid",
        }
    }

    /// The next mode (hybrid → semantic → text → chunks → hybrid), for a toggle key.
    pub fn next(self) -> Self {
        match self {
            Self::Semantic => Self::Text,
            Self::Text => Self::Chunks,
            Self::Chunks => Self::Hybrid,
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
            "chunks" => Ok(Self::Chunks),
            "hybrid" => Ok(Self::Hybrid),
            other => Err(format!(
                "unknown search mode {other:?}: use hybrid, semantic, text or chunks"
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
    /// The fused score ([`fuse`]; 0 in single-list modes).
    pub score: f64,
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
    /// The semantic side (absent in text and chunks modes, or when it was not run).
    pub semantic: Option<SearchResults>,
    /// The full-text side (absent in semantic and chunks modes, or without an index).
    pub text: Option<TextResults>,
    /// The transcript chunk side (absent in semantic and text modes, or for "more like
    /// this").
    pub chunks: Option<ChunkResults>,
    pub hits: Vec<HybridHit>,
    /// Why a side did not run or holds little, for people (`no export: full text
    /// skipped`, `ns_tchunks holds no chunks of uid u`).
    pub notes: Vec<String>,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum HybridError {
    #[error(transparent)]
    Semantic(#[from] SearchError),
    #[error("full-text search failed: {0}")]
    Text(#[from] FullTextError),
    #[error("transcript chunk search failed: {0}")]
    Chunks(#[from] StoreError),
    #[error(
        "text mode needs the export's full-text index: open an export (memlens search --export FILE)"
    )]
    NoIndex,
    #[error("full-text search task failed: {0}")]
    Task(String),
}

/// The weight of the lexical evidence: a memory holding every rare word of the query
/// gains [`LEXICAL_WEIGHT`] × coverage² over its semantic score (see [`fuse`]). Chosen on
/// the tuning sets only (`paraphrase-queries.json` and the odd-numbered questions of
/// `transcript-queries.json`) among 0.2–1.0: 0.7 had the best top-1 on both; the held-out
/// sets were measured afterwards (BENCHMARKS.md).
pub const LEXICAL_WEIGHT: f64 = 0.7;

/// The fusion in one phrase, for headers.
pub const FUSION: &str = "max cosine + 0.7 × rare-word coverage²";

/// Fuse the three sides and keep `top_k`:
///
/// `score(d) = max(cos_ns1(d), cos_chunk(d)) + LEXICAL_WEIGHT × coverage(d)²`
///
/// - both semantic sides are cosines of the same query embedding by the same model, so
///   they are compared as they are: a memory scores by its structured text or its best
///   transcript chunk, whichever is closer; a memory one side did not return scores that
///   side's lowest returned cosine (an upper bound of its own);
/// - `coverage(d)` ([`lexical::coverage`]) is the share of the query's rare-word weight
///   (BM25's IDF, stop words out) that the memory holds: 1 when it holds every word of
///   the query some memory holds, near 0 when it holds only common ones. Squared, so a
///   match counts when it is real (the query's rare words) and barely when it is one
///   common word;
/// - the candidates are every memory a side returned (the text side over the query's
///   content words).
///
/// Chosen by measurement, not habit (BENCHMARKS.md, "Search quality"): equal-weight RRF
/// of the three sides ranked 8 of 44 paraphrases first where `ns1` alone ranked 39,
/// because a rank-1 full-text hit on a common word weighs as much as a rank-1 semantic
/// hit; a linear coverage (not squared) let one shared word outvote the meaning (29 of
/// 44); summing the two cosines instead of taking the best lost held-out paraphrases
/// (16 of 21 against 19). Ties go to the id.
pub fn fuse(
    semantic: &[SearchHit],
    chunks: &[ChunkConversation],
    text: &[TextHit],
    coverage: &HashMap<String, f64>,
    top_k: usize,
) -> Vec<HybridHit> {
    let floor = |scores: &mut dyn Iterator<Item = f64>| {
        scores.fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.min(s))))
    };
    let sem_floor = floor(&mut semantic.iter().map(|h| f64::from(h.score))).unwrap_or(0.0);
    let chunk_floor = floor(&mut chunks.iter().map(|h| f64::from(h.score))).unwrap_or(0.0);
    let mut by_id: HashMap<String, HybridHit> = HashMap::new();
    fn entry<'a>(by_id: &'a mut HashMap<String, HybridHit>, id: &str) -> &'a mut HybridHit {
        by_id
            .entry(id.to_string())
            .or_insert_with(|| HybridHit::single(0, id, None, None))
    }
    let mut cos: HashMap<String, (Option<f64>, Option<f64>)> = HashMap::new();
    for h in semantic {
        let e = entry(&mut by_id, &h.memory_id);
        if e.semantic.is_none() {
            e.semantic = Some(h.clone());
            cos.entry(h.memory_id.clone()).or_default().0 = Some(f64::from(h.score));
        }
    }
    for h in chunks {
        entry(&mut by_id, &h.conversation_id);
        let c = cos.entry(h.conversation_id.clone()).or_default();
        if c.1.is_none() {
            c.1 = Some(f64::from(h.score));
        }
    }
    for h in text {
        let e = entry(&mut by_id, &h.memory_id);
        if e.text.is_none() {
            e.text = Some(h.clone());
        }
    }
    for (id, h) in &mut by_id {
        let (a, c) = cos.get(id).copied().unwrap_or_default();
        let base = a.unwrap_or(sem_floor).max(c.unwrap_or(chunk_floor));
        let cov = coverage.get(id).copied().unwrap_or(0.0);
        h.score = base + LEXICAL_WEIGHT * cov * cov;
    }
    let mut hits: Vec<HybridHit> = by_id.into_values().collect();
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.memory_id.cmp(&b.memory_id))
    });
    hits.truncate(top_k);
    for (i, h) in hits.iter_mut().enumerate() {
        h.rank = i + 1;
    }
    hits
}

/// Equal-weight reciprocal rank fusion of the three sides (`Σ 1/(60 + rank)`), the
/// fusion [`fuse`] replaced; kept to measure against.
pub fn fuse_rrf(
    semantic: &[SearchHit],
    chunks: &[ChunkConversation],
    text: &[TextHit],
    top_k: usize,
) -> Vec<String> {
    let mut score: HashMap<&str, f64> = HashMap::new();
    let lists: [Vec<&str>; 3] = [
        semantic.iter().map(|h| h.memory_id.as_str()).collect(),
        chunks.iter().map(|h| h.conversation_id.as_str()).collect(),
        text.iter().map(|h| h.memory_id.as_str()).collect(),
    ];
    for list in &lists {
        let mut seen = std::collections::HashSet::new();
        for id in list {
            if seen.insert(*id) {
                *score.entry(id).or_default() += 1.0 / (60.0 + seen.len() as f64);
            }
        }
    }
    let mut ids: Vec<(&str, f64)> = score.into_iter().collect();
    ids.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    ids.into_iter()
        .take(top_k)
        .map(|(i, _)| i.to_string())
        .collect()
}

/// Run a search in `mode` (see [`search_all`]; no chunk times).
pub async fn hybrid_search(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<Arc<FullText>>,
    request: &SearchRequest,
    mode: SearchMode,
) -> Result<HybridResults, HybridError> {
    search_all(embedder, store, fulltext, None, request, mode).await
}

/// Run a search in `mode`. `fulltext` is the index of the uid's export (same uid as
/// `request.uid`); without one, hybrid mode runs the semantic sides alone (with a note)
/// and text mode fails. `memories` (the export) gives each chunk hit its time range
/// (NaN without it). The query is embedded once for `ns1` and `ns_tchunks`. "More like
/// this" targets are semantic only.
pub async fn search_all(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<Arc<FullText>>,
    memories: Option<&[Memory]>,
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
    if request.uid.trim().is_empty() {
        return Err(SearchError::NoUid.into());
    }
    let wide = SearchRequest {
        top_k: candidates(request.top_k),
        ..request.clone()
    };
    let embedded = match (&query, mode) {
        (Some(q), SearchMode::Hybrid | SearchMode::Chunks) => {
            Some(search::embed_query(embedder, q).await?)
        }
        _ => None,
    };
    let semantic = match mode {
        SearchMode::Semantic => Some(search::search(embedder, store, request).await?),
        SearchMode::Hybrid => {
            Some(search::search_embedded(embedder, store, &wide, embedded.clone()).await?)
        }
        SearchMode::Text | SearchMode::Chunks => None,
    };
    let chunks = match (mode, &embedded) {
        (SearchMode::Hybrid | SearchMode::Chunks, Some((vector, _))) => {
            let k = if mode == SearchMode::Chunks {
                request.top_k
            } else {
                wide.top_k
            };
            let found = tchunks::search_chunks(
                store,
                embedder.model_id(),
                request.uid.trim(),
                vector.clone(),
                request.range,
                k,
            )
            .await?;
            if found.chunks == 0 {
                notes.push(format!(
                    "{} holds no transcript chunks of uid {} in this range: chunk side empty",
                    tchunks::NAMESPACE,
                    request.uid.trim()
                ));
            }
            Some(found)
        }
        _ => None,
    };
    let mut coverage = HashMap::new();
    let text = match (mode, query, fulltext) {
        (SearchMode::Semantic | SearchMode::Chunks, _, _) | (_, None, _) => None,
        (SearchMode::Text, Some(_), None) => return Err(HybridError::NoIndex),
        (SearchMode::Hybrid, Some(_), None) => {
            notes.push(
                "no full-text index (no export, or still indexing): semantic sides only"
                    .to_string(),
            );
            None
        }
        // Nothing for the text side to search (`🎂`, `OR`, stop words only): the other
        // sides answer.
        (m, Some(q), Some(_))
            if m != SearchMode::Text && fulltext::skip_text_side(&q).is_some() =>
        {
            notes.extend(fulltext::skip_text_side(&q));
            None
        }
        (m, Some(q), Some(ft)) => {
            let hybrid = m == SearchMode::Hybrid;
            let (q_text, limit) = if hybrid {
                (lexical::content_query(&q), wide.top_k)
            } else {
                (q.clone(), request.top_k)
            };
            let range = request.range;
            let (found, cov) = tokio::task::spawn_blocking(move || {
                let found = ft.search(&q_text, range, limit)?;
                let cov = if hybrid {
                    let holders = ft.term_memories(&lexical::content_terms(&q))?;
                    lexical::coverage(ft.memories(), &holders)
                } else {
                    HashMap::new()
                };
                Ok::<_, FullTextError>((found, cov))
            })
            .await
            .map_err(|e| HybridError::Task(e.to_string()))??;
            coverage = cov;
            Some(found)
        }
    };
    let sem_hits = semantic.as_ref().map_or(&[][..], |s| &s.hits[..]);
    let text_hits = text.as_ref().map_or(&[][..], |t| &t.hits[..]);
    let chunk_hits = chunks.as_ref().map_or(&[][..], |c| &c.hits[..]);
    // Single-list modes keep their list as it is (Omi's, duplicates and all).
    let mut hits = match mode {
        SearchMode::Hybrid => fuse(sem_hits, chunk_hits, text_hits, &coverage, request.top_k),
        SearchMode::Semantic => sem_hits
            .iter()
            .map(|h| HybridHit::single(h.rank, &h.memory_id, Some(h), None))
            .collect(),
        SearchMode::Text => text_hits
            .iter()
            .map(|h| HybridHit::single(h.rank, &h.memory_id, None, Some(h)))
            .collect(),
        SearchMode::Chunks => chunk_hits
            .iter()
            .take(request.top_k)
            .map(|h| HybridHit::single(h.rank, &h.conversation_id, None, None))
            .collect(),
    };
    // Every hit carries its best chunk when the chunk side ran.
    let by_id: HashMap<&str, &ChunkConversation> = chunk_hits
        .iter()
        .map(|h| (h.conversation_id.as_str(), h))
        .collect();
    for h in &mut hits {
        if let Some(c) = by_id.get(h.memory_id.as_str()) {
            let (start_seconds, end_seconds) = match memories {
                Some(m) => tchunks::chunk_times(m, &c.conversation_id, c.chunk_index),
                None => (f64::NAN, f64::NAN),
            };
            h.chunk = Some(ChunkSideHit {
                rank: c.rank,
                score: c.score,
                chunk_index: c.chunk_index,
                start_seconds,
                end_seconds,
            });
        }
    }
    Ok(HybridResults {
        mode,
        top_k: request.top_k,
        semantic,
        text,
        chunks,
        hits,
        notes,
    })
}

/// Give each hit's best chunk its time range from the export (hits searched without the
/// export carry NaN times): for callers that hold the export apart from the search task.
pub fn fill_chunk_times(hits: &mut [HybridHit], memories: &[Memory]) {
    for h in hits {
        if let Some(c) = &mut h.chunk
            && (c.start_seconds.is_nan() || c.end_seconds.is_nan())
        {
            (c.start_seconds, c.end_seconds) =
                tchunks::chunk_times(memories, &h.memory_id, c.chunk_index);
        }
    }
}

impl HybridHit {
    fn single(
        rank: usize,
        memory_id: &str,
        semantic: Option<&SearchHit>,
        text: Option<&TextHit>,
    ) -> Self {
        Self {
            rank,
            memory_id: memory_id.to_string(),
            score: 0.0,
            semantic: semantic.cloned(),
            text: text.cloned(),
            chunk: None,
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Metadata;

    fn sem(id: &str, rank: usize, score: f32) -> SearchHit {
        SearchHit {
            rank,
            score,
            vector_id: format!("u-{id}"),
            memory_id: id.into(),
            legacy_id: false,
            metadata: Metadata::new(),
            created_at: None,
        }
    }

    fn chunk(id: &str, rank: usize, score: f32) -> ChunkConversation {
        ChunkConversation {
            rank,
            conversation_id: id.into(),
            score,
            chunk_index: 0,
            chunks: 1,
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

    fn ids(hits: &[HybridHit]) -> Vec<&str> {
        hits.iter().map(|h| h.memory_id.as_str()).collect()
    }

    #[test]
    fn a_common_word_match_does_not_beat_the_semantic_answer() {
        // "couldn't sleep at night because of worry": ns1 has the answer first; the text
        // side's first hit holds only a common word (low coverage).
        let cov = HashMap::from([("noise".to_string(), 0.2), ("sleep".to_string(), 0.3)]);
        let hits = fuse(
            &[sem("sleep", 1, 0.51), sem("other", 2, 0.40)],
            &[chunk("other", 1, 0.35)],
            &[txt("noise", 1), txt("sleep", 2)],
            &cov,
            10,
        );
        assert_eq!(ids(&hits)[0], "sleep");
        assert_eq!(hits.iter().map(|h| h.rank).collect::<Vec<_>>(), [1, 2, 3]);
        // The noise hit scores the semantic floor plus 0.7 × 0.04.
        let noise = hits.iter().find(|h| h.memory_id == "noise").unwrap();
        assert!((noise.score - (0.40 + LEXICAL_WEIGHT * 0.04)).abs() < 1e-6);
    }

    #[test]
    fn rare_words_and_chunks_find_what_was_said() {
        // "what was the hygienist called": the answer's transcript holds the rare words,
        // its best chunk is close; ns1 prefers another memory's summary.
        let cov = HashMap::from([("dentist".to_string(), 1.0), ("other".to_string(), 0.1)]);
        let hits = fuse(
            &[sem("other", 1, 0.45), sem("dentist", 7, 0.30)],
            &[chunk("dentist", 1, 0.42)],
            &[txt("dentist", 1)],
            &cov,
            2,
        );
        assert_eq!(ids(&hits), ["dentist", "other"]);
        assert!((hits[0].score - (0.42 + LEXICAL_WEIGHT)).abs() < 1e-6);
        assert_eq!(hits[0].text.as_ref().unwrap().rank, 1);
        assert_eq!(hits[0].semantic.as_ref().unwrap().rank, 7);
    }

    #[test]
    fn best_side_wins_and_ties_go_to_the_id() {
        let none = HashMap::new();
        let hits = fuse(
            &[sem("a", 1, 0.5), sem("b", 2, 0.4)],
            &[chunk("c", 1, 0.6), chunk("b", 2, 0.5)],
            &[],
            &none,
            10,
        );
        assert_eq!(ids(&hits), ["c", "a", "b"]);
        assert_eq!(hits[1].score, hits[2].score);
        // Duplicates on a side (Omi's legacy ids) count once, at their best.
        let dup = fuse(&[sem("a", 1, 0.5), sem("a", 2, 0.1)], &[], &[], &none, 10);
        assert_eq!(dup.len(), 1);
        assert!((dup[0].score - 0.5).abs() < 1e-6);
        assert!(fuse(&[], &[], &[], &none, 10).is_empty());
    }

    #[test]
    fn rrf_for_comparison() {
        let r = fuse_rrf(
            &[sem("a", 1, 0.5), sem("b", 2, 0.4)],
            &[chunk("b", 1, 0.5)],
            &[txt("c", 1)],
            2,
        );
        assert_eq!(r, ["b", "a"]);
    }

    #[test]
    fn modes() {
        assert_eq!("Hybrid".parse::<SearchMode>(), Ok(SearchMode::Hybrid));
        assert_eq!("chunks".parse::<SearchMode>(), Ok(SearchMode::Chunks));
        assert!("fuzzy".parse::<SearchMode>().is_err());
        let mut m = SearchMode::Hybrid;
        let mut seen = vec![];
        for _ in 0..4 {
            seen.push(m);
            m = m.next();
        }
        assert_eq!(m, SearchMode::Hybrid);
        assert_eq!(seen, SearchMode::ALL);
        assert_eq!(candidates(10), 50);
        assert_eq!(candidates(30), 150);
        assert_eq!(candidates(5000), 10_000);
    }
}
