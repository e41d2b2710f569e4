//! Omi's search over a record kind's namespace, as its backend sends it: the filter
//! `{"uid": uid}` (plus a `created_at` range for kinds Omi filters by date), Omi's
//! `top_k` and score threshold from the kind's [`OmiSearch`] (action items: ≥ 0.3, §2.1;
//! chunks: no threshold, 60 for chat, §1.5).

use serde::Serialize;

use crate::embed::Embedder;
use crate::omi::action_items::parse_action_item_vector_id;
use crate::omi::chunks::parse_chunk_vector_id;
use crate::omi::conventions::{KEY_CREATED_AT, query_filter, strip_uid_prefix};
use crate::omi::record_kind::{Kind, OmiSearch};
use crate::store::{MetaValue, Query, QueryTarget, VectorStore};
use crate::sync::daterange::DateRange;

/// One match of a kind search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindHit {
    pub vector_id: String,
    /// The conversation (chunks), item (action items) or memory the id names.
    pub owner: Option<String>,
    /// A chunk's index.
    pub chunk_index: Option<usize>,
    /// Stored `created_at`.
    pub created_at: Option<f64>,
    pub score: f32,
}

/// What a kind search returned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindHits {
    pub kind: Kind,
    pub namespace: String,
    pub search: OmiSearch,
    pub top_k: usize,
    /// Matches at or above the threshold, best first.
    pub hits: Vec<KindHit>,
    /// Matches Omi drops under its threshold.
    pub below_threshold: usize,
}

/// Why a kind search failed.
#[derive(Debug, thiserror::Error)]
pub enum KindSearchError {
    #[error("embedding the query failed: {0}")]
    Embed(String),
    #[error("querying the vector store failed: {0}")]
    Store(#[from] crate::store::StoreError),
    #[error("Omi's {0} search has no date filter: drop the date range")]
    NoDateFilter(&'static str),
}

/// Embed `query` and search `kind`'s namespace as Omi does. `top_k`: Omi's when `None`.
pub async fn kind_search(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    kind: Kind,
    uid: &str,
    query: &str,
    range: DateRange,
    top_k: Option<usize>,
) -> Result<KindHits, KindSearchError> {
    let search = kind.spec().search;
    check_range(kind, range)?;
    let vector = embed_query(embedder, query).await?;
    let top_k = top_k.unwrap_or(search.top_k);
    let namespace = kind.default_namespace();
    let matches = query_kind(store, kind, namespace, uid, vector, range, top_k).await?;
    let threshold = search.threshold.unwrap_or(f32::NEG_INFINITY);
    let (hits, below): (Vec<KindHit>, Vec<KindHit>) =
        matches.into_iter().partition(|m| m.score >= threshold);
    Ok(KindHits {
        kind,
        namespace: namespace.to_string(),
        search,
        top_k,
        hits,
        below_threshold: below.len(),
    })
}

/// A date range on a kind whose Omi search has none is refused.
pub fn check_range(kind: Kind, range: DateRange) -> Result<(), KindSearchError> {
    if !kind.spec().search.date_range && !range.is_unbounded() {
        return Err(KindSearchError::NoDateFilter(kind.spec().noun));
    }
    Ok(())
}

/// The query's embedding, as Omi makes it (one text, one vector).
pub async fn embed_query(
    embedder: &dyn Embedder,
    query: &str,
) -> Result<Vec<f32>, KindSearchError> {
    Ok(embedder
        .embed(&[query.to_string()])
        .await
        .map_err(|e| KindSearchError::Embed(e.to_string()))?
        .pop()
        .unwrap_or_default())
}

/// Query `namespace` with `vector` under Omi's filter for `kind` (`{"uid": uid}` plus the
/// `created_at` range), `top_k` deep: every match, best first, no threshold applied.
pub async fn query_kind(
    store: &dyn VectorStore,
    kind: Kind,
    namespace: &str,
    uid: &str,
    vector: Vec<f32>,
    range: DateRange,
    top_k: usize,
) -> Result<Vec<KindHit>, crate::store::StoreError> {
    let matches = store
        .query(Query {
            namespace: namespace.to_string(),
            target: QueryTarget::Vector(vector),
            top_k,
            filter: Some(query_filter(uid, range.start, range.end)),
            include_values: false,
            include_metadata: true,
        })
        .await?;
    Ok(matches
        .into_iter()
        .map(|m| {
            let (owner, chunk_index) = match kind {
                Kind::Chunks => match parse_chunk_vector_id(uid, &m.id) {
                    Some((c, i)) => (Some(c.to_string()), Some(i)),
                    None => (None, None),
                },
                Kind::ActionItems => (
                    parse_action_item_vector_id(uid, &m.id).map(str::to_string),
                    None,
                ),
                _ => (strip_uid_prefix(uid, &m.id).map(str::to_string), None),
            };
            KindHit {
                created_at: m
                    .metadata
                    .as_ref()
                    .and_then(|md| match md.get(KEY_CREATED_AT) {
                        Some(MetaValue::Number(n)) => Some(*n),
                        _ => None,
                    }),
                vector_id: m.id,
                owner,
                chunk_index,
                score: m.score,
            }
        })
        .collect())
}
