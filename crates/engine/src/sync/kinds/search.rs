//! Omi's search over a record kind's namespace, as its backend sends it: the filter
//! `{"uid": uid}` (plus a `created_at` range for kinds Omi filters by date), Omi's
//! `top_k` and score threshold from the kind's [`OmiSearch`] (action items: ≥ 0.3, §2.1;
//! chunks: no threshold, 60 for chat, §1.5).

use serde::Serialize;

use crate::embed::Embedder;
use crate::omi::action_items::parse_action_item_vector_id;
use crate::omi::chunks::parse_chunk_vector_id;
use crate::omi::conventions::{KEY_CREATED_AT, strip_uid_prefix};
use crate::omi::record_kind::{Kind, OmiSearch};
use crate::store::{MetaValue, VectorStore};
use crate::sync::daterange::DateRange;
use crate::sync::search::{SearchRequest, SearchTarget, search_embedded};

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
    /// The shared search refused or failed (empty query, no uid, a namespace made by
    /// another model, the embedder or the store).
    #[error(transparent)]
    Search(#[from] crate::sync::search::SearchError),
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
    let embedded = embed_query(embedder, query).await?;
    let top_k = top_k.unwrap_or(search.top_k);
    let namespace = kind.default_namespace();
    let request = SearchRequest {
        uid: uid.to_string(),
        namespace: namespace.to_string(),
        target: SearchTarget::Text(query.to_string()),
        top_k,
        range,
    };
    let matches = query_kind(store, embedder, kind, &request, embedded).await?;
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

/// The query's embedding, as Omi makes it (one text, one vector), and the milliseconds
/// it took ([`crate::sync::search::embed_query`]: an empty query is refused).
pub async fn embed_query(
    embedder: &dyn Embedder,
    query: &str,
) -> Result<(Vec<f32>, f64), KindSearchError> {
    Ok(crate::sync::search::embed_query(embedder, query).await?)
}

/// Run `request` (a text search: the kind's namespace, `{"uid": uid}` plus its
/// `created_at` range, `top_k` deep, 1 to [`crate::store::limits::MAX_TOP_K`]) with the
/// query's embedding (`embedded`, from [`embed_query`]): every match, best first, no
/// threshold applied, each named by `kind`'s id shape. The query goes through the search
/// every namespace shares ([`crate::sync::search::search_embedded`]), so a namespace the
/// store records as another model's is refused rather than ranked by noise.
pub async fn query_kind(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    kind: Kind,
    request: &SearchRequest,
    embedded: (Vec<f32>, f64),
) -> Result<Vec<KindHit>, KindSearchError> {
    let uid = request.uid.as_str();
    let results = search_embedded(embedder, store, request, Some(embedded)).await?;
    let matches = results.hits;
    Ok(matches
        .into_iter()
        .map(|m| {
            let (owner, chunk_index) = match kind {
                Kind::Chunks => match parse_chunk_vector_id(uid, &m.vector_id) {
                    Some((c, i)) => (Some(c.to_string()), Some(i)),
                    None => (None, None),
                },
                Kind::ActionItems => (
                    parse_action_item_vector_id(uid, &m.vector_id).map(str::to_string),
                    None,
                ),
                _ => (
                    strip_uid_prefix(uid, &m.vector_id).map(str::to_string),
                    None,
                ),
            };
            KindHit {
                created_at: m.metadata.get(KEY_CREATED_AT).and_then(|v| match v {
                    MetaValue::Number(n) => Some(*n),
                    _ => None,
                }),
                vector_id: m.vector_id,
                owner,
                chunk_index,
                score: m.score,
            }
        })
        .collect())
}
