//! Search the index the way Omi's `query_vectors` does, made visible: embed the query,
//! query the namespace with Omi's filter (`{"uid": uid}` plus an optional `created_at`
//! range), strip the `{uid}-` prefix from the match ids. Also "more like this" (query by
//! a stored vector, no embedding call) and the export of results as JSON and CSV.
//!
//! Everything here returns plain data and prints nothing: the CLI and the TUI render it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::embed::{EmbedError, Embedder};
use crate::omi::Memory;
use crate::omi::conventions::{self, KEY_CREATED_AT};
use crate::store::{MetaValue, Metadata, Query, QueryTarget, StoreError, VectorStore};
use crate::sync::daterange::DateRange;

/// Results shown when nothing else is asked.
pub const DEFAULT_TOP_K: usize = 10;

/// What to search with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum SearchTarget {
    /// A text to embed (Omi's query).
    Text(String),
    /// "More like this": the stored vector of this memory (no embedding call); the
    /// memory itself is left out of the hits.
    LikeMemory(String),
}

/// One search.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SearchRequest {
    /// The Omi user; every query is filtered by it.
    pub uid: String,
    pub namespace: String,
    pub target: SearchTarget,
    pub top_k: usize,
    pub range: DateRange,
}

impl SearchRequest {
    /// A text search with the default top-k, no date range.
    pub fn text(uid: &str, namespace: &str, query: &str) -> Self {
        Self {
            uid: uid.to_string(),
            namespace: namespace.to_string(),
            target: SearchTarget::Text(query.to_string()),
            top_k: DEFAULT_TOP_K,
            range: DateRange::ALL,
        }
    }
}

/// The `created_at` metadata of a hit, raw and as a date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitDate {
    /// The stored number.
    pub raw: f64,
    /// `YYYY-MM-DD HH:MM:SS UTC`; for a legacy value (< 1e9, Omi's /1000 bug) the date of
    /// `raw × 1000`, the embedding time it stood for.
    pub date: Option<String>,
    /// True for the legacy /1000 value.
    pub legacy: bool,
}

/// One match, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// 1-based.
    pub rank: usize,
    /// Cosine similarity.
    pub score: f32,
    pub vector_id: String,
    /// The vector id with `{uid}-` stripped (as Omi does).
    pub memory_id: String,
    /// The id is a legacy form (`{uid}-{integer}` or a bare id).
    pub legacy_id: bool,
    pub metadata: Metadata,
    pub created_at: Option<HitDate>,
}

/// Where the time went.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SearchTimings {
    /// Embedding the query (`None` for "more like this").
    pub embed_ms: Option<f64>,
    pub query_ms: f64,
}

/// The outcome of a search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResults {
    pub request: SearchRequest,
    /// The embedding model (`None` for "more like this", which embeds nothing).
    pub model: Option<String>,
    /// The filter exactly as sent, in Pinecone JSON.
    pub filter: serde_json::Value,
    pub hits: Vec<SearchHit>,
    pub timings: SearchTimings,
    /// Unix seconds when the search ran.
    pub searched_at: i64,
}

/// Why a search failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(
        "no Omi uid: every search is filtered by user; set it with --uid, MEMLENS_UID or the export's profile"
    )]
    NoUid,
    #[error(
        "the query is empty: type something to search for (or give a memory id for \"more like this\")"
    )]
    EmptyQuery,
    #[error("top-k must be between 1 and {max}, got {got}", max = crate::store::limits::MAX_TOP_K)]
    TopK { got: usize },
    #[error(
        "memory {memory_id} has no vector in namespace {namespace} (id {vector_id}): nothing to compare with"
    )]
    NoVector {
        memory_id: String,
        vector_id: String,
        namespace: String,
    },
    #[error("embedding the query failed: {0}")]
    Embed(#[from] EmbedError),
    #[error("querying the vector store failed: {0}")]
    Store(#[from] StoreError),
}

/// Run a search. `embedder` is only used for [`SearchTarget::Text`].
pub async fn search(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    request: &SearchRequest,
) -> Result<SearchResults, SearchError> {
    search_embedded(embedder, store, request, None).await
}

/// Embed a query text once (for searches that query several namespaces with it):
/// the vector and the milliseconds it took.
pub async fn embed_query(
    embedder: &dyn Embedder,
    text: &str,
) -> Result<(Vec<f32>, f64), SearchError> {
    if text.trim().is_empty() {
        return Err(SearchError::EmptyQuery);
    }
    let started = Instant::now();
    let mut vectors = embedder.embed(&[text.to_string()]).await?;
    let embed_ms = millis(started);
    let vector = vectors
        .pop()
        .filter(|_| vectors.is_empty())
        .ok_or_else(|| EmbedError::BadResponse("expected one vector for the query".into()))?;
    Ok((vector, embed_ms))
}

/// [`search`] with the query's embedding already made by [`embed_query`] (`embedded`,
/// for a [`SearchTarget::Text`]; `None` embeds it here). The same query either way.
pub async fn search_embedded(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    request: &SearchRequest,
    embedded: Option<(Vec<f32>, f64)>,
) -> Result<SearchResults, SearchError> {
    let uid = request.uid.trim();
    if uid.is_empty() {
        return Err(SearchError::NoUid);
    }
    if request.top_k == 0 || request.top_k > crate::store::limits::MAX_TOP_K {
        return Err(SearchError::TopK { got: request.top_k });
    }
    let searched_at = Utc::now().timestamp();
    let filter = conventions::query_filter(uid, request.range.start, request.range.end);
    let filter_json = filter.to_json();
    let (target, model, embed_ms, exclude, top_k) = match &request.target {
        SearchTarget::Text(text) => {
            if text.trim().is_empty() {
                return Err(SearchError::EmptyQuery);
            }
            // Vectors of different models are not comparable: a namespace the store records
            // as another model's is refused rather than ranked by noise.
            if let Some(other) = store.namespace_model(&request.namespace).await?
                && other != embedder.model_id()
            {
                return Err(SearchError::Store(StoreError::ModelMismatch(format!(
                    "namespace {} holds vectors made by {other}, the query would be embedded \
                     by {}: search with that embedder (--embedder), or index this namespace \
                     with this one",
                    request.namespace,
                    embedder.model_id()
                ))));
            }
            let (vector, embed_ms) = match embedded {
                Some(e) => e,
                None => embed_query(embedder, text).await?,
            };
            (
                QueryTarget::Vector(vector),
                Some(embedder.model_id().to_string()),
                Some(embed_ms),
                None,
                request.top_k,
            )
        }
        SearchTarget::LikeMemory(memory_id) => {
            if memory_id.trim().is_empty() {
                return Err(SearchError::EmptyQuery);
            }
            let id = conventions::vector_id(uid, memory_id.trim());
            (
                QueryTarget::Id(id.clone()),
                None,
                None,
                Some(id),
                // One more: the memory itself comes back first.
                (request.top_k + 1).min(crate::store::limits::MAX_TOP_K),
            )
        }
    };
    let started = Instant::now();
    let matches = store
        .query(Query {
            namespace: request.namespace.clone(),
            target,
            top_k,
            filter: Some(filter),
            include_values: false,
            include_metadata: true,
        })
        .await;
    let query_ms = millis(started);
    let matches = match (matches, &exclude) {
        (Err(StoreError::NotFound(_)), Some(id)) => {
            return Err(no_vector(request, id));
        }
        (other, _) => other?,
    };
    if let Some(id) = &exclude
        && matches.is_empty()
    {
        // An empty answer to a query by id usually means the id has no vector.
        let found = store
            .fetch(&request.namespace, std::slice::from_ref(id))
            .await?;
        if !found.contains_key(id) {
            return Err(no_vector(request, id));
        }
    }
    let hits = matches
        .into_iter()
        .filter(|m| exclude.as_deref() != Some(m.id.as_str()))
        .take(request.top_k)
        .enumerate()
        .map(|(i, m)| hit(uid, i + 1, m.id, m.score, m.metadata.unwrap_or_default()))
        .collect();
    Ok(SearchResults {
        request: request.clone(),
        model,
        filter: filter_json,
        hits,
        timings: SearchTimings { embed_ms, query_ms },
        searched_at,
    })
}

fn no_vector(request: &SearchRequest, vector_id: &str) -> SearchError {
    let memory_id = match &request.target {
        SearchTarget::LikeMemory(m) => m.clone(),
        SearchTarget::Text(_) => String::new(),
    };
    SearchError::NoVector {
        memory_id,
        vector_id: vector_id.to_string(),
        namespace: request.namespace.clone(),
    }
}

fn millis(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn hit(uid: &str, rank: usize, vector_id: String, score: f32, metadata: Metadata) -> SearchHit {
    let kind = conventions::parse_vector_id(uid, &vector_id);
    let created_at = match metadata.get(KEY_CREATED_AT) {
        Some(MetaValue::Number(raw)) => Some(hit_date(*raw)),
        _ => None,
    };
    SearchHit {
        rank,
        score,
        memory_id: kind.memory_id().to_string(),
        legacy_id: kind.is_legacy(),
        vector_id,
        metadata,
        created_at,
    }
}

/// Read a stored `created_at` number as a date (see [`HitDate`]).
pub fn hit_date(raw: f64) -> HitDate {
    let legacy = conventions::is_legacy_created_at(raw);
    let secs = if legacy { raw * 1000.0 } else { raw };
    let date = (secs.is_finite() && secs.abs() < 1.0e13)
        .then(|| DateTime::<Utc>::from_timestamp(secs.floor() as i64, 0))
        .flatten()
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string());
    HitDate { raw, date, legacy }
}

/// A hit joined with the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "in_export")]
pub enum HitMemory {
    /// The memory is in the export.
    #[serde(rename = "yes")]
    Found {
        emoji: String,
        title: String,
        category: String,
        discarded: bool,
    },
    /// An orphan hit: a vector whose memory the export does not hold.
    #[serde(rename = "no")]
    NotInExport,
}

impl HitMemory {
    /// `🏕️ Camping trip (travel)` or `not in export`.
    pub fn label(&self) -> String {
        match self {
            HitMemory::Found {
                emoji,
                title,
                category,
                ..
            } => format!(
                "{emoji} {} ({category})",
                crate::omi::model::shown_title(title)
            ),
            HitMemory::NotInExport => "not in export".into(),
        }
    }
}

/// Join hits with the memories of an export, by memory id (one entry per hit).
pub fn join_hits(hits: &[SearchHit], memories: &[Memory]) -> Vec<HitMemory> {
    join_ids(hits.iter().map(|h| h.memory_id.as_str()), memories)
}

/// Join memory ids with the memories of an export (one entry per id, in order).
pub fn join_ids<'a>(ids: impl Iterator<Item = &'a str>, memories: &[Memory]) -> Vec<HitMemory> {
    let by_id: HashMap<&str, &Memory> = memories.iter().map(|m| (m.id.as_str(), m)).collect();
    ids.map(|id| match by_id.get(id) {
        Some(m) => HitMemory::Found {
            emoji: m.structured.emoji.clone(),
            title: m.structured.title.clone(),
            category: m.structured.category.display().to_string(),
            discarded: m.discarded,
        },
        None => HitMemory::NotInExport,
    })
    .collect()
}

/// The JSON bundle of a search (what [`export_results`] writes).
#[derive(Debug, Clone, Serialize)]
pub struct ExportBundle<'a> {
    pub query: &'a SearchTarget,
    pub model: Option<&'a str>,
    pub namespace: &'a str,
    pub uid: &'a str,
    pub filter: &'a serde_json::Value,
    pub top_k: usize,
    pub range: DateRange,
    /// RFC 3339, UTC.
    pub time: String,
    pub timings: SearchTimings,
    pub hits: Vec<BundleHit<'a>>,
}

/// One hit in the bundle.
#[derive(Debug, Clone, Serialize)]
pub struct BundleHit<'a> {
    #[serde(flatten)]
    pub hit: &'a SearchHit,
    /// Joined with the export, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<&'a HitMemory>,
}

/// Where an export went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPaths {
    pub json: PathBuf,
    pub csv: PathBuf,
}

/// Write the results to `dir` (created if needed) as `search-{time}.json` (the bundle)
/// and `search-{time}.csv` (one row per hit). `joined`, when given, must hold one entry
/// per hit (see [`join_hits`]).
pub fn export_results(
    results: &SearchResults,
    joined: Option<&[HitMemory]>,
    dir: &Path,
) -> Result<ExportPaths, std::io::Error> {
    if joined.is_some_and(|j| j.len() != results.hits.len()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the joined memories do not match the hits one for one",
        ));
    }
    std::fs::create_dir_all(dir)?;
    let time = DateTime::<Utc>::from_timestamp(results.searched_at, 0).unwrap_or_default();
    let stem = format!("search-{}", time.format("%Y%m%dT%H%M%SZ"));
    let (json_path, csv_path) = free_paths(dir, &stem);
    let bundle = ExportBundle {
        query: &results.request.target,
        model: results.model.as_deref(),
        namespace: &results.request.namespace,
        uid: &results.request.uid,
        filter: &results.filter,
        top_k: results.request.top_k,
        range: results.request.range,
        time: time.to_rfc3339(),
        timings: results.timings,
        hits: results
            .hits
            .iter()
            .enumerate()
            .map(|(i, hit)| BundleHit {
                hit,
                memory: joined.and_then(|j| j.get(i)),
            })
            .collect(),
    };
    std::fs::write(&json_path, serde_json::to_vec_pretty(&bundle)?)?;
    std::fs::write(&csv_path, csv_bytes(results, joined)?)?;
    Ok(ExportPaths {
        json: json_path,
        csv: csv_path,
    })
}

/// `stem.json` / `stem.csv`, or `stem-2.*`, `stem-3.*`… when taken.
fn free_paths(dir: &Path, stem: &str) -> (PathBuf, PathBuf) {
    let mut n = 1;
    loop {
        let name = if n == 1 {
            stem.to_string()
        } else {
            format!("{stem}-{n}")
        };
        let (j, c) = (
            dir.join(format!("{name}.json")),
            dir.join(format!("{name}.csv")),
        );
        if !j.exists() && !c.exists() {
            return (j, c);
        }
        n += 1;
    }
}

fn csv_bytes(
    results: &SearchResults,
    joined: Option<&[HitMemory]>,
) -> Result<Vec<u8>, std::io::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "rank",
        "score",
        "vector_id",
        "memory_id",
        "created_at",
        "created_at_raw",
        "in_export",
        "emoji",
        "title",
        "category",
        "metadata",
    ])?;
    for (i, h) in results.hits.iter().enumerate() {
        let (in_export, emoji, title, category) = match joined.and_then(|j| j.get(i)) {
            Some(HitMemory::Found {
                emoji,
                title,
                category,
                ..
            }) => ("yes", emoji.as_str(), title.as_str(), category.as_str()),
            Some(HitMemory::NotInExport) => ("no", "", "", ""),
            None => ("", "", "", ""),
        };
        let metadata = serde_json::to_string(&h.metadata)?;
        w.write_record([
            h.rank.to_string().as_str(),
            format!("{:.6}", h.score).as_str(),
            &h.vector_id,
            &h.memory_id,
            h.created_at
                .as_ref()
                .and_then(|c| c.date.as_deref())
                .unwrap_or(""),
            h.created_at
                .as_ref()
                .map(|c| c.raw.to_string())
                .unwrap_or_default()
                .as_str(),
            in_export,
            emoji,
            title,
            category,
            &metadata,
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_hits() {
        let d = hit_date(1_725_000_000.0);
        assert_eq!(d.date.as_deref(), Some("2024-08-30 06:40:00 UTC"));
        assert!(!d.legacy);
        let l = hit_date(1_725_000.0);
        assert!(l.legacy);
        assert_eq!(l.date.as_deref(), Some("2024-08-30 06:40:00 UTC"));
        assert_eq!(hit_date(f64::NAN).date, None);
    }

    #[test]
    fn hits_strip_the_prefix() {
        let h = hit("u1", 1, "u1-abc".into(), 0.5, Metadata::new());
        assert_eq!((h.memory_id.as_str(), h.legacy_id), ("abc", false));
        let h = hit("u1", 2, "u1-42".into(), 0.5, Metadata::new());
        assert_eq!((h.memory_id.as_str(), h.legacy_id), ("42", true));
        assert!(h.created_at.is_none());
    }
}
