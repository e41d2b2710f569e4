//! "Why isn't it found?" for one memory and one query: first where it ranks in the search
//! that was run (the mode searched: a fused mode runs the same fused search, so the answer
//! is the rank people saw), then each side as a row (semantic, transcript chunks, full
//! text: rank, score, what matched), and every check that can keep it out of Omi's
//! results, each pass or fail, ending with the fix to try.
//!
//! Semantic rank: the store is queried once with Omi's filter (`{"uid": uid}` plus the
//! date range) and `top_k` = 10 000 (Pinecone's largest, no metadata), and the memory's
//! score is compared with every score above it and with the k-th and Omi's 5th hit. A
//! memory the filter drops is scored directly: on a remote store by a query filtered to
//! its uid and `memory_id` (the store's own arithmetic), else (locally, or when its uid
//! metadata is wrong) as the cosine of its stored vector.

use serde::Serialize;

use crate::embed::{EmbedError, Embedder};
use crate::omi::Memory;
use crate::omi::conventions::{self, KEY_CREATED_AT, KEY_MEMORY_ID, KEY_UID};
use crate::store::filter::Filter;
use crate::store::{MetaValue, Query, QueryTarget, Record, StoreError, VectorStore, limits};
use crate::sync::daterange::DateRange;
use crate::sync::drift::{DriftCache, DriftError, DriftOutcome, check_drift};
use crate::sync::fulltext::{FullText, FullTextError, TextRank, fts_query, skip_text_side};
use crate::sync::hybrid::{ChunkSideHit, SearchMode, hybrid_search};
use crate::sync::search::{HitDate, SearchRequest, SearchTarget, hit_date};
use crate::sync::status::{EmbeddingStatus, cosine};

/// Omi's default `top_k` for memory retrieval (`query_vectors(query, uid, k=5)`).
pub const OMI_DEFAULT_TOP_K: usize = 5;

/// How deep the fused list is read for the memory's fused rank (the fused search is run
/// with this top-k; each side then reads `candidates(FUSED_DEPTH)`).
pub const FUSED_DEPTH: usize = 100;

/// Namespaces searched for a vector missing from the configured one.
const OTHER_NAMESPACES_CHECKED: usize = 20;

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExplainRequest {
    pub uid: String,
    pub namespace: String,
    pub query: String,
    pub memory_id: String,
    pub range: DateRange,
    /// The k the memory should be within (the search's top-k).
    pub top_k: usize,
    /// The mode that was searched: the memory is ranked in it first.
    pub mode: SearchMode,
}

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// The check cannot apply (no vector to look at, no export, …).
    NotApplicable,
}

impl Outcome {
    /// `pass`, `FAIL`, `n/a`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Fail => "FAIL",
            Self::NotApplicable => "n/a",
        }
    }
}

/// One check that can keep a memory out of Omi's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable name: `shown_in_mode`, `in_export`, `vector_present`, `namespace`, `uid_metadata`,
    /// `memory_id_metadata`, `created_at_in_range`, `skip_reason`, `fresh`, `in_top_k`,
    /// `full_text`.
    pub name: &'static str,
    pub outcome: Outcome,
    pub detail: String,
}

/// Where the memory stands in the semantic search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SemanticPlace {
    /// The vector id found (Omi's form or a legacy one).
    pub vector_id: Option<String>,
    /// Cosine similarity with the query.
    pub score: Option<f32>,
    /// `store query filtered to memory_id` or `cosine of the stored vector`.
    pub score_source: Option<String>,
    /// 1-based rank among the vectors Omi's filter lets through; `None` when the filter
    /// keeps it out (or it has no vector).
    pub rank: Option<usize>,
    /// Vectors Omi's filter lets through (up to 10 000).
    pub candidates: usize,
    /// Where it would rank if the filter let it through (for a memory the filter drops).
    pub rank_if_passed: Option<usize>,
    /// The score of the top-k-th hit (the bar to clear).
    pub kth_score: Option<f32>,
    /// The score of Omi's 5th hit.
    pub omi_kth_score: Option<f32>,
    /// The stored `created_at`, read as a date.
    pub created_at: Option<HitDate>,
}

/// Where the memory stands in the search of the mode that was searched.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchedPlace {
    pub mode: SearchMode,
    /// 1-based rank in that mode's list; `None` when it is not in the first `depth`.
    pub rank: Option<usize>,
    /// How far the list was read (the fused top [`FUSED_DEPTH`], the semantic candidates,
    /// the full-text matches).
    pub depth: usize,
    /// Whether the search shows it (rank ≤ top-k).
    pub shown: bool,
    /// The fused search's notes (a side skipped or missing).
    pub notes: Vec<String>,
}

/// A side of the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Omi's `ns1` semantic search.
    Semantic,
    /// Semantic search over transcript chunks (`ns_tchunks`).
    Chunks,
    /// Full-text BM25.
    Text,
}

impl Side {
    /// `semantic`, `chunks`, `text`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Semantic => "semantic",
            Self::Chunks => "chunks",
            Self::Text => "text",
        }
    }
}

/// One side's row: where it ranks the memory, with what score, and what it saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SideRow {
    pub side: Side,
    /// False when the side did not run (no export, no chunk vectors, a query with no word).
    pub ran: bool,
    /// 1-based rank on that side; `None` when it does not find it.
    pub rank: Option<usize>,
    /// Candidates on that side (vectors through Omi's filter, memories matching).
    pub of: Option<usize>,
    /// Cosine (semantic, chunks) or BM25 (text).
    pub score: Option<f64>,
    /// The best chunk (chunk side).
    pub chunk: Option<ChunkSideHit>,
    /// For people: the bar to clear, the chunk's time range, the fields that matched, or
    /// why the side did not run.
    pub detail: String,
}

/// The whole explanation (one JSON object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub request: ExplainRequest,
    pub model: String,
    /// The memory's title, when the export holds it.
    pub title: Option<String>,
    /// The rank in the mode searched (reported first).
    pub searched: SearchedPlace,
    /// Each side as a row: semantic, chunks, text.
    pub sides: Vec<SideRow>,
    pub semantic: SemanticPlace,
    /// The full-text rank (absent without an export).
    pub text: Option<TextRank>,
    /// Which text format made the stored vector (absent without the memory).
    pub drift: Option<DriftOutcome>,
    pub checks: Vec<Check>,
    /// The fix to try, one sentence.
    pub fix: String,
}

impl Explanation {
    /// The check named `name`.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }
}

/// What the export says, for the checks and the fix: the memories it holds (the memory
/// explained is looked up among them) and the uid its profile names. `Default`: no
/// export given.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportSide<'a> {
    /// The export's memories; `None` when no export was given.
    pub memories: Option<&'a [Memory]>,
    /// The uid the export's profile names (the export's uid), when it names one.
    pub uid: Option<&'a str>,
}

impl<'a> ExportSide<'a> {
    /// The side of a loaded export.
    pub fn of(export: &'a crate::omi::export::Export) -> Self {
        Self {
            memories: Some(&export.memories),
            uid: export.profile_uid.as_deref(),
        }
    }

    /// The memory with this id, when the export holds it.
    pub fn memory(&self, id: &str) -> Option<&'a Memory> {
        self.memories?.iter().find(|m| m.id == id)
    }

    /// The export's id nearest to `id` (a likely typo), when one is close.
    fn nearest_id(&self, id: &str) -> Option<&'a str> {
        crate::config::closest(id, self.memories?.iter().map(|m| m.id.as_str())).or_else(|| {
            // Ids are case-sensitive; `closest` compares lower-case.
            self.memories?
                .iter()
                .find(|m| m.id.eq_ignore_ascii_case(id))
                .map(|m| m.id.as_str())
        })
    }
}

/// Why an explanation failed.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    #[error("no Omi uid: every query is filtered by user; set it with --uid or MEMLENS_UID")]
    NoUid,
    #[error("the query is empty: what should the memory be found by?")]
    EmptyQuery,
    #[error("the memory id is empty")]
    NoId,
    #[error("embedding the query failed: {0}")]
    Embed(#[from] EmbedError),
    #[error("querying the vector store failed: {0}")]
    Store(#[from] StoreError),
    #[error("checking the format drift failed: {0}")]
    Drift(#[from] DriftError),
    #[error("full-text rank failed: {0}")]
    Text(#[from] FullTextError),
    #[error("full-text task failed: {0}")]
    Task(String),
    #[error("the {mode} search failed: {message}")]
    Search { mode: &'static str, message: String },
}

/// Why Omi would not embed `memory`, by the engine's one rule ([`crate::omi::policy`]):
/// the reason with what it means (`deleted: deleted in Omi: never embedded; …`).
pub fn skip_reason(memory: &Memory, uid: &str) -> Option<String> {
    crate::omi::policy::skip_reason(memory, Some(uid), Default::default())
        .map(|r| format!("{}: {}", r.detail(), r.explain()))
}

/// Explain where `request.memory_id` stands for `request.query`. `export` is what the
/// export says (the memory, for the skip reason, drift and title; the export's uid),
/// `fulltext` the export's index. `drift_cache` avoids re-embedding the format texts.
pub async fn explain(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    request: &ExplainRequest,
    export: ExportSide<'_>,
    fulltext: Option<std::sync::Arc<FullText>>,
    drift_cache: Option<&mut DriftCache>,
) -> Result<Explanation, ExplainError> {
    let uid = request.uid.trim();
    if uid.is_empty() {
        return Err(ExplainError::NoUid);
    }
    if request.query.trim().is_empty() {
        return Err(ExplainError::EmptyQuery);
    }
    let id = request.memory_id.trim();
    if id.is_empty() {
        return Err(ExplainError::NoId);
    }
    let memory = export.memory(id);
    let ns = request.namespace.as_str();
    let top_k = request.top_k.clamp(1, limits::MAX_TOP_K);
    let mut vectors = embedder.embed(std::slice::from_ref(&request.query)).await?;
    let query_vector = vectors
        .pop()
        .ok_or_else(|| EmbedError::BadResponse("no vector for the query".into()))?;

    // Find the vector: Omi's id, then the legacy bare id, then other namespaces.
    let omi_id = conventions::vector_id(uid, id);
    let kind = conventions::parse_vector_id(uid, &omi_id);
    let mut ids = vec![omi_id.clone()];
    if id != omi_id {
        ids.push(id.to_string());
    }
    let found = store.fetch(ns, &ids).await?;
    let (record, form): (Option<Record>, &str) = if let Some(r) = found.get(&omi_id) {
        let form = if kind.is_legacy() {
            "the legacy {uid}-{integer} form (2024 integer ids)"
        } else {
            "Omi's {uid}-{memory_id}"
        };
        (Some(r.clone()), form)
    } else if let Some(r) = found.get(id) {
        (
            Some(r.clone()),
            "the legacy bare id (2024 mobile app, no {uid}- prefix)",
        )
    } else {
        (None, "")
    };
    let other_namespace = if record.is_none() {
        find_elsewhere(store, ns, &omi_id).await?
    } else {
        None
    };
    // Not under this uid: is it under the export's own uid (a wrong --uid)? A fetch by
    // id under that uid's prefix, in the same namespace.
    let export_uid = export
        .uid
        .map(str::trim)
        .filter(|u| !u.is_empty() && *u != uid);
    let under_export_uid = match export_uid {
        Some(other) if record.is_none() => {
            let other_id = conventions::vector_id(other, id);
            store
                .fetch(ns, std::slice::from_ref(&other_id))
                .await?
                .contains_key(&other_id)
                .then(|| (other.to_string(), other_id))
        }
        _ => None,
    };

    let mut checks = Vec::new();
    checks.push(match (export.memories, memory) {
        (None, _) => na("in_export", "no export given (--export FILE)"),
        (Some(_), Some(_)) => pass("in_export", format!("{id} is in the export")),
        (Some(all), None) => fail(
            "in_export",
            format!(
                "no memory {id} among the export's {}{}",
                all.len(),
                export
                    .nearest_id(id)
                    .map(|n| format!(" (the nearest id is {n})"))
                    .unwrap_or_default()
            ),
        ),
    });
    let present = match (&record, &other_namespace) {
        (Some(r), _) => Check {
            name: "vector_present",
            outcome: Outcome::Pass,
            detail: format!("{} is stored under {form}", r.id),
        },
        (None, Some(other)) => Check {
            name: "vector_present",
            outcome: Outcome::Fail,
            detail: format!("no vector {omi_id} in {ns}; it is in namespace {other:?}"),
        },
        (None, None) => Check {
            name: "vector_present",
            outcome: Outcome::Fail,
            detail: match &under_export_uid {
                Some((other, other_id)) => format!(
                    "no vector under {omi_id}, but {other_id} is stored: uid {other:?} is the export's"
                ),
                None => format!(
                    "no vector under {omi_id} (Omi's {{uid}}-{{memory_id}}) nor the legacy bare id {id} in {ns} or any other namespace"
                ),
            },
        },
    };
    checks.push(present);
    checks.push(Check {
        name: "namespace",
        outcome: match (&record, &other_namespace) {
            (Some(_), _) => Outcome::Pass,
            (None, Some(_)) => Outcome::Fail,
            (None, None) => Outcome::NotApplicable,
        },
        detail: match (&record, &other_namespace) {
            (Some(_), _) => format!("in {ns}, the namespace Omi queries"),
            (None, Some(other)) => format!("in {other:?}, but the search queries {ns:?}"),
            (None, None) => "no vector anywhere".into(),
        },
    });
    let meta = record.as_ref().map(|r| &r.metadata);
    let meta_str = |k: &str| match meta.and_then(|m| m.get(k)) {
        Some(MetaValue::String(s)) => Some(s.clone()),
        _ => None,
    };
    checks.push(match (meta, meta_str(KEY_UID)) {
        (None, _) => na("uid_metadata", "no vector"),
        (Some(_), Some(u)) if u == uid => pass("uid_metadata", format!("uid = {uid:?}")),
        (Some(_), Some(u)) => fail(
            "uid_metadata",
            format!("metadata uid is {u:?}, not {uid:?}: Omi's filter {{\"uid\": {uid:?}}} never returns it"),
        ),
        (Some(_), None) => fail(
            "uid_metadata",
            format!("no uid in the metadata: Omi's filter {{\"uid\": {uid:?}}} never returns it"),
        ),
    });
    checks.push(match (meta, meta_str(KEY_MEMORY_ID)) {
        (None, _) => na("memory_id_metadata", "no vector"),
        (Some(_), Some(m)) if m == id => pass("memory_id_metadata", format!("memory_id = {id:?}")),
        (Some(_), Some(m)) => fail(
            "memory_id_metadata",
            format!("metadata memory_id is {m:?}, not {id:?}"),
        ),
        (Some(_), None) => fail("memory_id_metadata", "no memory_id in the metadata".into()),
    });
    let created = meta.and_then(|m| match m.get(KEY_CREATED_AT) {
        Some(MetaValue::Number(n)) => Some(*n),
        _ => None,
    });
    checks.push(created_at_check(meta.is_some(), created, request.range));
    let skip = memory.and_then(|m| skip_reason(m, uid));
    checks.push(match (memory, &skip) {
        (None, _) => na("skip_reason", "the memory is not in the export"),
        (Some(_), None) => pass("skip_reason", "none: Omi embeds this memory".into()),
        (Some(_), Some(reason)) => fail("skip_reason", reason.clone()),
    });

    // Drift: which format made the stored vector.
    let drift = match (memory, &record) {
        (Some(m), Some(r)) if r.id == omi_id => {
            let mut out = check_drift(embedder, store, ns, uid, &[m], drift_cache).await?;
            out.pop()
        }
        _ => None,
    };
    checks.push(match &drift {
        None => na(
            "fresh",
            "no vector to compare, or the memory is not in the export",
        ),
        Some(DriftOutcome::Report(r)) if r.status == EmbeddingStatus::Fresh => {
            pass("fresh", r.verdict.clone())
        }
        Some(DriftOutcome::Report(r)) => fail("fresh", r.verdict.clone()),
        Some(DriftOutcome::Incomparable { reason, .. }) => fail("fresh", reason.clone()),
        Some(DriftOutcome::NoVector { .. }) => na("fresh", "no vector"),
        Some(DriftOutcome::Skipped { reason, .. }) => na("fresh", reason),
    });

    // Semantic rank, exact.
    let semantic = semantic_place(
        store,
        request,
        uid,
        &query_vector,
        record.as_ref(),
        created.map(hit_date),
        top_k,
    )
    .await?;
    checks.push(top_k_check(&semantic, top_k));

    // Full-text rank (the side a fused search skips is skipped here too).
    let fused_mode = !matches!(request.mode, SearchMode::Semantic | SearchMode::Text);
    let text_skipped = if fts_query(&request.query).is_none() {
        Some(
            skip_text_side(&request.query)
                .unwrap_or_else(|| "text side skipped: nothing to search".into()),
        )
    } else if fused_mode {
        skip_text_side(&request.query)
    } else {
        None
    };
    let text = match fulltext.clone() {
        _ if text_skipped.is_some() => None,
        Some(ft) => {
            let (q, range, mid) = (request.query.clone(), request.range, id.to_string());
            Some(
                tokio::task::spawn_blocking(move || ft.rank_of(&q, range, &mid))
                    .await
                    .map_err(|e| ExplainError::Task(e.to_string()))??,
            )
        }
        None => None,
    };
    checks.push(match (&text, &text_skipped) {
        (None, Some(why)) => na("full_text", why),
        _ => full_text_check(text.as_ref()),
    });

    // The rank in the mode searched: the same search, fused when the mode fuses.
    let (searched, chunk) = searched_place(
        embedder,
        store,
        fulltext,
        request,
        uid,
        top_k,
        &semantic,
        text.as_ref(),
    )
    .await?;
    checks.insert(0, shown_check(&searched, top_k));
    let sides = side_rows(
        &semantic,
        chunk,
        text.as_ref(),
        text_skipped.as_deref(),
        top_k,
    );
    let fix = fix_in_mode(&checks, &searched, &sides, top_k).unwrap_or_else(|| {
        fix(&FixInputs {
            checks: &checks,
            semantic: &semantic,
            text: text.as_ref(),
            drift: &drift,
            id,
            uid,
            ns,
            under_export_uid: under_export_uid.as_ref().map(|(u, _)| u.as_str()),
            other_namespace: other_namespace.as_deref(),
            export_uid,
            nearest: export.nearest_id(id),
            range: request.range,
            memory_created: memory
                .and_then(|m| m.created_at.as_ref())
                .map(|d| d.timestamp()),
        })
    });
    Ok(Explanation {
        request: request.clone(),
        model: embedder.model_id().to_string(),
        title: memory.map(|m| m.structured.title.clone()),
        searched,
        sides,
        semantic,
        text,
        drift,
        checks,
        fix,
    })
}

/// Where the memory ranks in the mode searched, and its chunk-side hit (a fused mode).
#[allow(clippy::too_many_arguments)]
async fn searched_place(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<std::sync::Arc<FullText>>,
    request: &ExplainRequest,
    uid: &str,
    top_k: usize,
    semantic: &SemanticPlace,
    text: Option<&TextRank>,
) -> Result<(SearchedPlace, Option<(bool, Option<ChunkSideHit>)>), ExplainError> {
    let mode = request.mode;
    let place = |rank: Option<usize>, depth: usize, notes: Vec<String>| SearchedPlace {
        mode,
        rank,
        depth,
        shown: rank.is_some_and(|r| r <= top_k),
        notes,
    };
    match mode {
        SearchMode::Semantic => Ok((place(semantic.rank, semantic.candidates, vec![]), None)),
        SearchMode::Text => Ok((
            place(
                text.and_then(|t| t.rank),
                text.map_or(0, |t| t.total),
                match text {
                    Some(_) => vec![],
                    None => vec!["no full-text index: text mode finds nothing".into()],
                },
            ),
            None,
        )),
        _ => {
            let search = SearchRequest {
                uid: uid.to_string(),
                namespace: request.namespace.clone(),
                target: SearchTarget::Text(request.query.clone()),
                top_k: FUSED_DEPTH.max(top_k),
                range: request.range,
            };
            let results = hybrid_search(embedder, store, fulltext, &search, mode)
                .await
                .map_err(|e| ExplainError::Search {
                    mode: mode.name(),
                    message: e.to_string(),
                })?;
            let hit = results
                .hits
                .iter()
                .find(|h| h.memory_id == request.memory_id.trim());
            // The chunk side ran and found chunks (an empty ns_tchunks is a note).
            let chunk_ran = results.chunks.as_ref().is_some_and(|c| c.chunks > 0);
            Ok((
                place(
                    hit.map(|h| h.rank),
                    results.hits.len(),
                    results.notes.clone(),
                ),
                Some((chunk_ran, hit.and_then(|h| h.chunk.clone()))),
            ))
        }
    }
}

fn shown_check(s: &SearchedPlace, top_k: usize) -> Check {
    const NAME: &str = "shown_in_mode";
    let mode = s.mode.name();
    match s.rank {
        Some(r) if r <= top_k => pass(
            NAME,
            format!("the {mode} search shows it at rank {r} (top {top_k})"),
        ),
        Some(r) => fail(
            NAME,
            format!(
                "the {mode} search ranks it {} (only the top {top_k} are shown)",
                ordinal(r)
            ),
        ),
        None => fail(
            NAME,
            format!(
                "the {mode} search does not have it in its first {}",
                s.depth.max(top_k)
            ),
        ),
    }
}

fn side_rows(
    semantic: &SemanticPlace,
    chunk: Option<(bool, Option<ChunkSideHit>)>,
    text: Option<&TextRank>,
    text_skipped: Option<&str>,
    top_k: usize,
) -> Vec<SideRow> {
    let mut rows = vec![SideRow {
        side: Side::Semantic,
        ran: true,
        rank: semantic.rank,
        of: Some(semantic.candidates),
        score: semantic.score.map(f64::from),
        chunk: None,
        detail: match (semantic.rank, semantic.rank_if_passed, semantic.kth_score) {
            (None, Some(r), _) => format!("Omi's filter keeps it out (would rank {})", ordinal(r)),
            (None, None, _) if semantic.score.is_none() => "no vector".into(),
            (_, _, Some(b)) => format!("the {} hit scores {b:.4}", ordinal(top_k)),
            _ => format!("fewer than {top_k} vectors pass the filter"),
        },
    }];
    rows.push(match chunk {
        Some((_, Some(c))) => SideRow {
            side: Side::Chunks,
            ran: true,
            rank: Some(c.rank),
            of: None,
            score: Some(f64::from(c.score)),
            detail: format!(
                "best chunk c{} [{}–{}]",
                c.chunk_index,
                crate::sync::fulltext::clock(c.start_seconds),
                crate::sync::fulltext::clock(c.end_seconds)
            ),
            chunk: Some(c),
        },
        Some((true, None)) => SideRow {
            side: Side::Chunks,
            ran: true,
            rank: None,
            of: None,
            score: None,
            chunk: None,
            detail: "no chunk of it among the chunk side's candidates".into(),
        },
        _ => SideRow {
            side: Side::Chunks,
            ran: false,
            rank: None,
            of: None,
            score: None,
            chunk: None,
            detail: "not searched, or ns_tchunks holds no chunks of this uid and range".into(),
        },
    });
    rows.push(match (text, text_skipped) {
        (Some(t), _) => SideRow {
            side: Side::Text,
            ran: true,
            rank: t.rank,
            of: Some(t.total),
            score: t.score,
            chunk: None,
            detail: match t.rank {
                Some(_) => t
                    .matches
                    .iter()
                    .map(|m| m.place())
                    .collect::<Vec<_>>()
                    .join(", "),
                None if t.outside_range => "outside the date range".into(),
                None => format!("no field holds the words ({})", t.fts_query),
            },
        },
        (None, why) => SideRow {
            side: Side::Text,
            ran: false,
            rank: None,
            of: None,
            score: None,
            chunk: None,
            detail: why.unwrap_or("no export, no full-text index").to_string(),
        },
    });
    rows
}

/// The fix when a fused mode was searched and Omi's own checks pass: it is shown, or the
/// side that finds it. `None` leaves it to [`fix`] (semantic and text modes, or a failing
/// check of Omi's pipeline).
fn fix_in_mode(
    checks: &[Check],
    searched: &SearchedPlace,
    sides: &[SideRow],
    top_k: usize,
) -> Option<String> {
    if matches!(searched.mode, SearchMode::Semantic | SearchMode::Text) {
        return None;
    }
    let pipeline = [
        "in_export",
        "skip_reason",
        "namespace",
        "vector_present",
        "uid_metadata",
        "memory_id_metadata",
        "created_at_in_range",
        "fresh",
    ];
    if pipeline.iter().any(|n| failed(checks, n).is_some()) {
        return None;
    }
    let mode = searched.mode.name();
    if let Some(r) = searched.rank.filter(|r| *r <= top_k) {
        return Some(format!(
            "nothing to fix: the {mode} search shows it at rank {r}"
        ));
    }
    let best = sides
        .iter()
        .filter_map(|s| s.rank.map(|r| (r, s.side)))
        .min();
    let place = match searched.rank {
        Some(r) => format!("ranks it {}", ordinal(r)),
        None => format!(
            "does not have it in its first {}",
            searched.depth.max(top_k)
        ),
    };
    Some(match best {
        Some((r, side)) if r <= top_k => format!(
            "the {mode} search {place}, below its top {top_k}, though the {} side alone ranks it {}:              search with --mode {}, or reword the query after what it holds",
            side.name(),
            ordinal(r),
            side.name()
        ),
        _ => format!(
            "the {mode} search {place} and no side ranks it in the top {top_k}: reword the query              after the memory's title, overview or what was said"
        ),
    })
}

/// The `full_text` check. A match whose BM25 score is 0.00 is no pass: its words are in
/// so many memories (`I`, `the`) that they say nothing about this one.
fn full_text_check(text: Option<&TextRank>) -> Check {
    const NAME: &str = "full_text";
    let Some(t) = text else {
        return na(NAME, "no export, no full-text index");
    };
    match t.rank {
        Some(_) if t.score.is_some_and(|s| s.abs() < 0.005) => fail(
            NAME,
            format!(
                "only words too common to count match ({}: BM25 0.00, in nearly every memory)",
                t.fts_query
            ),
        ),
        Some(r) => {
            let fields: Vec<String> = t.matches.iter().map(|m| m.place()).collect();
            pass(
                NAME,
                format!("rank {r} of {} ({})", t.total, fields.join(", ")),
            )
        }
        None if t.outside_range => fail(
            NAME,
            "the words match, but the memory's date is outside the range".into(),
        ),
        None => fail(NAME, format!("no field holds the words ({})", t.fts_query)),
    }
}

pub(crate) fn pass(name: &'static str, detail: String) -> Check {
    Check {
        name,
        outcome: Outcome::Pass,
        detail,
    }
}

pub(crate) fn fail(name: &'static str, detail: String) -> Check {
    Check {
        name,
        outcome: Outcome::Fail,
        detail,
    }
}

pub(crate) fn na(name: &'static str, detail: &str) -> Check {
    Check {
        name,
        outcome: Outcome::NotApplicable,
        detail: detail.to_string(),
    }
}

pub(crate) fn created_at_check(has_vector: bool, created: Option<f64>, range: DateRange) -> Check {
    const NAME: &str = "created_at_in_range";
    if !has_vector {
        return na(NAME, "no vector");
    }
    let Some(raw) = created else {
        return if range.is_unbounded() {
            pass(NAME, "no created_at, and no date range asked".into())
        } else {
            fail(
                NAME,
                format!("no created_at in the metadata: never inside the range {range}"),
            )
        };
    };
    let date = hit_date(raw);
    let shown = date.date.clone().unwrap_or_else(|| raw.to_string());
    if conventions::is_legacy_created_at(raw) {
        let what = format!("created_at {raw} is the 2024 legacy /1000 value ({shown} ÷ 1000)");
        return if range.is_unbounded() {
            pass(
                NAME,
                format!("{what}; no date range asked, so it does not matter here"),
            )
        } else {
            fail(NAME, format!("{what}: it can never match a date filter"))
        };
    }
    let t = raw;
    let inside =
        range.start.is_none_or(|s| t >= s as f64) && range.end.is_none_or(|e| t <= e as f64);
    if inside {
        pass(
            NAME,
            format!("created_at {shown} is inside the range ({range})"),
        )
    } else {
        fail(
            NAME,
            format!("created_at {shown} is outside the range ({range})"),
        )
    }
}

fn top_k_check(s: &SemanticPlace, top_k: usize) -> Check {
    const NAME: &str = "in_top_k";
    let Some(score) = s.score else {
        return fail(NAME, "no vector: it cannot be found semantically".into());
    };
    let bar = |k: usize, kth: Option<f32>| match kth {
        Some(b) => format!(
            "the {} hit scores {b:.4} (gap {:+.4})",
            ordinal(k),
            score - b
        ),
        None => format!("fewer than {k} vectors pass the filter"),
    };
    match s.rank {
        Some(r) if r <= top_k => pass(
            NAME,
            format!(
                "rank {r} of {} with {score:.4}; {}; within Omi's top_k={OMI_DEFAULT_TOP_K}: {}",
                s.candidates,
                bar(top_k, s.kth_score),
                if r <= OMI_DEFAULT_TOP_K { "yes" } else { "no" }
            ),
        ),
        Some(r) => fail(
            NAME,
            format!(
                "ranked {} of {} with {score:.4}; {}; Omi's top_k={OMI_DEFAULT_TOP_K}: {}",
                ordinal(r),
                s.candidates,
                bar(top_k, s.kth_score),
                bar(OMI_DEFAULT_TOP_K, s.omi_kth_score)
            ),
        ),
        None => fail(
            NAME,
            format!(
                "Omi's filter keeps it out{}",
                s.rank_if_passed
                    .map(|r| format!(" (with {score:.4} it would rank {})", ordinal(r)))
                    .unwrap_or_default()
            ),
        ),
    }
}

/// `1st`, `2nd`, `37th`.
pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Look for the vector in the other namespaces of the index.
async fn find_elsewhere(
    store: &dyn VectorStore,
    ns: &str,
    vector_id: &str,
) -> Result<Option<String>, StoreError> {
    let stats = store.stats().await?;
    for other in stats
        .namespaces
        .keys()
        .filter(|n| n.as_str() != ns)
        .take(OTHER_NAMESPACES_CHECKED)
    {
        let got = store.fetch(other, &[vector_id.to_string()]).await?;
        if got.contains_key(vector_id) {
            return Ok(Some(other.clone()));
        }
    }
    Ok(None)
}

async fn semantic_place(
    store: &dyn VectorStore,
    request: &ExplainRequest,
    uid: &str,
    query_vector: &[f32],
    record: Option<&Record>,
    created_at: Option<HitDate>,
    top_k: usize,
) -> Result<SemanticPlace, StoreError> {
    let filter = conventions::query_filter(uid, request.range.start, request.range.end);
    let ranked = store
        .query(Query {
            namespace: request.namespace.clone(),
            target: QueryTarget::Vector(query_vector.to_vec()),
            top_k: limits::MAX_TOP_K,
            filter: Some(filter),
            include_values: false,
            include_metadata: false,
        })
        .await?;
    let score_at = |k: usize| ranked.get(k.wrapping_sub(1)).map(|m| m.score);
    let mut place = SemanticPlace {
        vector_id: record.map(|r| r.id.clone()),
        score: None,
        score_source: None,
        rank: None,
        candidates: ranked.len(),
        rank_if_passed: None,
        kth_score: score_at(top_k),
        omi_kth_score: score_at(OMI_DEFAULT_TOP_K),
        created_at,
    };
    let Some(record) = record else {
        return Ok(place);
    };
    if let Some(pos) = ranked.iter().position(|m| m.id == record.id) {
        place.rank = Some(pos + 1);
        place.score = Some(ranked[pos].score);
        place.score_source = Some("the store's query with Omi's filter".into());
        return Ok(place);
    }
    // Outside Omi's filter: score it directly. On a remote store, with the store's own
    // arithmetic: a query filtered to the uid and this memory_id (every query stays scoped
    // to the uid, so a vector whose uid metadata is wrong is scored from its values).
    let cosine_score = || {
        (
            cosine(query_vector, &record.values),
            "cosine of the stored vector",
        )
    };
    let (score, source) = if store.is_remote() {
        let scoped = Filter::And(vec![
            Filter::eq(KEY_UID, uid),
            Filter::eq(KEY_MEMORY_ID, request.memory_id.as_str()),
        ]);
        let m = store
            .query(Query {
                namespace: request.namespace.clone(),
                target: QueryTarget::Vector(query_vector.to_vec()),
                top_k: 10,
                filter: Some(scoped),
                include_values: false,
                include_metadata: false,
            })
            .await?;
        match m.iter().find(|m| m.id == record.id) {
            Some(hit) => (
                Some(hit.score),
                "a store query filtered to its uid and memory_id",
            ),
            None => cosine_score(),
        }
    } else {
        cosine_score()
    };
    place.score = score;
    place.score_source = score.map(|_| source.to_string());
    if let Some(s) = score
        && ranked.len() < limits::MAX_TOP_K
    {
        place.rank_if_passed = Some(ranked.iter().filter(|m| m.score > s).count() + 1);
    }
    Ok(place)
}

pub(crate) fn failed<'a>(checks: &'a [Check], name: &str) -> Option<&'a Check> {
    checks
        .iter()
        .find(|c| c.name == name && c.outcome == Outcome::Fail)
}

/// What [`fix`] reads.
struct FixInputs<'a> {
    checks: &'a [Check],
    semantic: &'a SemanticPlace,
    text: Option<&'a TextRank>,
    drift: &'a Option<DriftOutcome>,
    id: &'a str,
    uid: &'a str,
    ns: &'a str,
    /// The export's uid, when a vector of this memory is stored under it (and not under
    /// the uid asked).
    under_export_uid: Option<&'a str>,
    /// Another namespace holding `{uid}-{id}`.
    other_namespace: Option<&'a str>,
    /// The export's uid, when it differs from the uid asked.
    export_uid: Option<&'a str>,
    nearest: Option<&'a str>,
    range: DateRange,
    /// The memory's own `created_at` in the export (Unix seconds).
    memory_created: Option<i64>,
}

/// Omi's conversation namespace, where memlens's writes of a memory go.
const CONVERSATIONS_NS: &str = "ns1";

/// What `ns` holds when it is one of Omi's namespaces for something other than
/// conversations (`ns2` facts, `ns4` action items, …): a memory is never written there.
fn other_kind(ns: &str) -> Option<String> {
    crate::omi::fact_conventions::known_namespace(ns)
        .filter(|k| k.holds != "conversations")
        .map(|k| k.holds)
}

/// The fix to try, from the first failing check that explains the rest. A fix that
/// writes (reprocess) is offered only when a write is the cure, and never into a
/// namespace that holds another kind of record; the others read (another namespace,
/// another uid, a wider range) or say there is nothing to fix.
fn fix(f: &FixInputs<'_>) -> String {
    let (checks, id, ns) = (f.checks, f.id, f.ns);
    if let Some(c) = failed(checks, "in_export") {
        return match f.nearest {
            Some(n) => format!(
                "not in the export (typo? the nearest id is {n}): {}; memlens list EXPORT shows its ids",
                c.detail
            ),
            None => format!(
                "not in the export (typo?): {}; memlens list EXPORT shows its ids",
                c.detail
            ),
        };
    }
    if let Some(c) = failed(checks, "skip_reason") {
        return format!(
            "nothing to fix in the index: {}; Omi leaves it out on purpose",
            c.detail
        );
    }
    if let Some(other) = f.under_export_uid {
        return format!(
            "a vector exists under uid {other} (the export's uid): check --uid (this search used uid {})",
            f.uid
        );
    }
    // A namespace of another kind: conversations are read from ns1, never written here.
    if let Some(holds) = other_kind(ns) {
        let target = f
            .other_namespace
            .filter(|o| other_kind(o).is_none())
            .unwrap_or(CONVERSATIONS_NS);
        return format!(
            "query {target} (--namespace {target}): {ns} holds Omi's {holds}, and this memory is a conversation{}",
            match f.other_namespace {
                Some(o) => format!("; its vector is in {o:?}"),
                None => String::new(),
            }
        );
    }
    let reprocess = format!("memlens reprocess EXPORT --id {id}");
    if let Some(other) = f.other_namespace {
        if other_kind(other).is_none() && known_conversations(ns) {
            return format!(
                "its vector is in {other:?}, not {ns}: query {other} (--namespace {other}) to see it; \
                 Omi searches {ns}, so for Omi to find it reprocess it into {ns} ({reprocess})"
            );
        }
        return format!("query {other} (--namespace {other}): its vector is there, not in {ns}");
    }
    if failed(checks, "vector_present").is_some() {
        return format!("reprocess it ({reprocess}): it has no vector");
    }
    if failed(checks, "uid_metadata").is_some() || failed(checks, "memory_id_metadata").is_some() {
        if let Some(export_uid) = f.export_uid {
            return format!(
                "check --uid: this search used uid {}, the export's uid is {export_uid}; \
                 if {} is right, reprocess it ({reprocess}) to rewrite Omi's uid and memory_id metadata",
                f.uid, f.uid
            );
        }
        return format!(
            "reprocess it ({reprocess}): the upsert rewrites Omi's uid, memory_id and created_at metadata"
        );
    }
    if let Some(c) = failed(checks, "created_at_in_range") {
        return created_at_fix(f, c, &reprocess);
    }
    if let Some(DriftOutcome::Report(r)) = f.drift
        && r.status == EmbeddingStatus::Stale
    {
        let made = if r.identified {
            format!(
                "the vector was made from the {} text",
                r.best
                    .iter()
                    .map(|f| f.name().trim_start_matches("omi-"))
                    .collect::<Vec<_>>()
                    .join(" = ")
            )
        } else {
            "no text format reproduces the vector (edited since)".to_string()
        };
        return format!("reprocess it ({reprocess}): {made}");
    }
    if failed(checks, "in_top_k").is_some() {
        let text_part = match f.text.and_then(|t| t.rank) {
            Some(r) => format!("; full-text finds it at rank {r}: search with --mode hybrid"),
            None => String::new(),
        };
        return format!(
            "its vector is current and well-formed; the query is just closer to other memories \
             (score {}){text_part}, or reword the query after the memory's title and overview",
            f.semantic.score.map_or("?".into(), |s| format!("{s:.4}"))
        );
    }
    match f.semantic.rank {
        Some(r) => format!("nothing to fix: it is found at rank {r}"),
        None => "nothing to fix that memlens can see".into(),
    }
}

/// `ns1` (or a projection of it): the namespace Omi searches for conversations.
fn known_conversations(ns: &str) -> bool {
    crate::omi::fact_conventions::known_namespace(ns).is_some_and(|k| k.holds == "conversations")
}

/// The stored `created_at` keeps the vector out of the range. A re-upsert cures a legacy
/// `/1000` value, a missing one, or one that differs from the memory's own date when
/// that date is inside the range; a date that is simply outside the range is cured by
/// widening the range (reprocessing would write the same date again).
fn created_at_fix(f: &FixInputs<'_>, c: &Check, reprocess: &str) -> String {
    let stored = f
        .semantic
        .created_at
        .as_ref()
        .filter(|d| !d.legacy && d.raw.is_finite())
        .map(|d| d.raw.floor() as i64);
    let legacy = stored.is_none();
    let inside =
        |t: i64| f.range.start.is_none_or(|s| t >= s) && f.range.end.is_none_or(|e| t <= e);
    if legacy {
        return format!(
            "reprocess it ({reprocess}): a re-upsert writes created_at as int seconds ({})",
            c.detail
        );
    }
    if let (Some(own), Some(s)) = (f.memory_created, stored)
        && own != s
        && inside(own)
    {
        return format!(
            "reprocess it ({reprocess}): the stored created_at is not the memory's ({}), which is inside the range",
            day(own)
        );
    }
    let t = stored.unwrap_or_default();
    let from = f.range.start.map(|s| day(s.min(t)));
    let to = f.range.end.map(|e| day(e.max(t)));
    let wider = format!("{}..{}", from.unwrap_or_default(), to.unwrap_or_default());
    format!(
        "widen the range (e.g. --range {wider}): {}; reprocessing would write the same date",
        c.detail
    )
}

/// `2025-02-19` (UTC).
pub(crate) fn day(secs: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp(secs, 0)
        .map_or_else(|| secs.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 37, 102, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "37th", "102nd",
                "111th"
            ]
        );
    }

    #[test]
    fn created_at_checks() {
        let all = DateRange::ALL;
        let aug = DateRange {
            start: Some(1_722_470_400),
            end: Some(1_725_148_799),
        };
        assert_eq!(
            created_at_check(true, Some(1_722_500_000.0), aug).outcome,
            Outcome::Pass
        );
        assert_eq!(
            created_at_check(true, Some(1_730_000_000.0), aug).outcome,
            Outcome::Fail
        );
        let legacy = created_at_check(true, Some(1_722_500.0), aug);
        assert_eq!(legacy.outcome, Outcome::Fail);
        assert!(
            legacy.detail.contains("never match a date filter"),
            "{}",
            legacy.detail
        );
        assert_eq!(
            created_at_check(true, Some(1_722_500.0), all).outcome,
            Outcome::Pass
        );
        assert_eq!(
            created_at_check(false, None, aug).outcome,
            Outcome::NotApplicable
        );
    }
}

#[cfg(test)]
mod check_tests {
    use super::*;

    fn rank(score: f64) -> TextRank {
        TextRank {
            fts_query: "\"I\"".into(),
            relaxed: false,
            rank: Some(3),
            total: 300,
            score: Some(score),
            outside_range: false,
            matches: Vec::new(),
        }
    }

    #[test]
    fn a_zero_score_match_on_a_common_word_is_no_pass() {
        let c = full_text_check(Some(&rank(0.0)));
        assert_eq!(c.outcome, Outcome::Fail, "{c:?}");
        assert!(c.detail.contains("BM25 0.00"), "{}", c.detail);
        let c = full_text_check(Some(&rank(2.31)));
        assert_eq!(c.outcome, Outcome::Pass, "{c:?}");
        assert!(c.detail.starts_with("rank 3 of 300"), "{}", c.detail);
        assert_eq!(full_text_check(None).outcome, Outcome::NotApplicable);
    }

    #[test]
    fn a_date_check_names_the_range() {
        let range = DateRange {
            start: Some(1_722_470_400),
            end: None,
        };
        let c = created_at_check(true, Some(1_600_000_000.0), range);
        assert_eq!(c.outcome, Outcome::Fail);
        assert!(
            c.detail.contains("is outside the range (from 2024-08-01"),
            "{}",
            c.detail
        );
    }
}
