//! Vector stores with Pinecone's data model: namespaces, records `{id, values, metadata}`,
//! cosine query, prefix listing. Pinecone (HTTP) and a local SQLite store implement the
//! same trait.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{Settings, StoreChoice};

pub mod local;
pub mod pinecone;

pub use memlens_omi::vector::filter;
pub use memlens_omi::vector::{Filter, MetaValue, Metadata};

/// One stored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub values: Vec<f32>,
    pub metadata: Metadata,
}

/// What a query searches with.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryTarget {
    /// A query vector.
    Vector(Vec<f32>),
    /// The stored vector of this id.
    Id(String),
}

/// A similarity query.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub namespace: String,
    pub target: QueryTarget,
    pub top_k: usize,
    pub filter: Option<Filter>,
    pub include_values: bool,
    pub include_metadata: bool,
}

/// One query match, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub id: String,
    /// Cosine similarity.
    pub score: f32,
    pub values: Option<Vec<f32>>,
    pub metadata: Option<Metadata>,
}

/// One page of ids from `list`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ListPage {
    pub ids: Vec<String>,
    /// Token for the next page; `None` on the last page.
    pub next: Option<String>,
}

/// Index statistics.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexStats {
    /// The dimension of every vector in the index, when there is exactly one (a Pinecone
    /// index has one; a local store whose namespaces differ has none).
    pub dimension: Option<usize>,
    /// `cosine`, `dotproduct`, `euclidean` or another value (an open set).
    pub metric: Option<String>,
    /// Vector count per namespace.
    pub namespaces: BTreeMap<String, u64>,
    /// Dimension per namespace, where the store keeps one per namespace (the local
    /// store); empty when the index-level `dimension` holds for all of them.
    pub namespace_dimensions: BTreeMap<String, usize>,
    pub total: u64,
}

impl IndexStats {
    /// The dimension of the vectors in `namespace`: its own where the store keeps one,
    /// else the index's.
    pub fn dimension_of(&self, namespace: &str) -> Option<usize> {
        self.namespace_dimensions
            .get(namespace)
            .copied()
            .or(self.dimension)
    }
}

/// Why a store call failed. Never contains a key.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the vector store refused the API key ({0}); check PINECONE_API_KEY")]
    Unauthorized(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("dimension mismatch: {0}")]
    DimensionMismatch(String),
    /// The namespace holds vectors another embedding model made (local store).
    #[error("model mismatch: {0}")]
    ModelMismatch(String),
    #[error("invalid request: {0}")]
    Invalid(String),
    #[error("rate limited by the vector store: {0}")]
    RateLimited(String),
    #[error("vector store unavailable: {0}")]
    Unavailable(String),
    #[error("bad response from the vector store: {0}")]
    BadResponse(String),
    #[error("this store cannot {0}")]
    Unsupported(String),
    #[error("local store: {0}")]
    Local(String),
}

/// A vector index with namespaces (Pinecone's model).
#[async_trait]
pub trait VectorStore: Send + Sync {
    /// Where the data lives, for the header: `pinecone idx-name` or `local /path/store.db`.
    fn target(&self) -> String;
    /// True for stores on another machine (writes need confirmation).
    fn is_remote(&self) -> bool;
    /// True when every id the store can hold is ASCII (Pinecone refuses any other: 400 "ID
    /// must be ASCII"), so listing a prefix can be split by the ASCII character that
    /// follows it and miss nothing (`sync::kinds::status::list_prefix`). False (the
    /// default) for a store that holds any UTF-8 id.
    fn ascii_ids(&self) -> bool {
        false
    }
    /// Insert or replace records (values and metadata replaced whole). Returns the count.
    async fn upsert(&self, namespace: &str, records: Vec<Record>) -> Result<usize, StoreError>;
    /// Records by id; absent ids are simply absent.
    async fn fetch(
        &self,
        namespace: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Record>, StoreError>;
    /// Nearest records by cosine similarity, best first.
    async fn query(&self, query: Query) -> Result<Vec<Match>, StoreError>;
    /// Ids starting with `prefix`, one page at a time.
    async fn list(
        &self,
        namespace: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        page_token: Option<String>,
    ) -> Result<ListPage, StoreError>;
    /// Delete records by id.
    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<(), StoreError>;
    /// Set (merge) metadata keys on one record.
    async fn update_metadata(
        &self,
        namespace: &str,
        id: &str,
        set: Metadata,
    ) -> Result<(), StoreError>;
    /// Dimension, metric and counts per namespace.
    async fn stats(&self) -> Result<IndexStats, StoreError>;
    /// Refuse (with [`StoreError::DimensionMismatch`]) to write `dimension`-long vectors
    /// into `namespace` when the index (Pinecone) or the namespace (local) holds another
    /// dimension or does not use the cosine metric. Call it before the first write.
    /// The default reads [`stats`](VectorStore::stats); stores override it when they
    /// know better (per-namespace dimensions, a cached index description).
    /// The embedding model recorded as the maker of `namespace`'s vectors, if the store
    /// records one: the local store does (schema 2 on); Pinecone keeps no such record, so
    /// the default is `None`.
    async fn namespace_model(&self, _namespace: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    /// Claim `namespace` for `model` before writing its `dimension`-long vectors: the
    /// dimension check of [`check_compatible`](VectorStore::check_compatible), and, where
    /// the store records models (local), the model is recorded for a new namespace (or one
    /// without a record) and [`StoreError::ModelMismatch`] refuses a namespace another
    /// model made, so vectors of different models never mix.
    async fn claim_namespace(
        &self,
        namespace: &str,
        model: &str,
        dimension: usize,
    ) -> Result<(), StoreError> {
        let _ = model;
        self.check_compatible(namespace, dimension).await
    }
    async fn check_compatible(&self, namespace: &str, dimension: usize) -> Result<(), StoreError> {
        let stats = self.stats().await?;
        if let Some(have) = stats.dimension_of(namespace)
            && have != dimension
        {
            return Err(StoreError::DimensionMismatch(format!(
                "{} holds {have}-dimensional vectors, these have {dimension}",
                self.target()
            )));
        }
        match stats.metric.as_deref() {
            Some(m) if !m.eq_ignore_ascii_case("cosine") => {
                Err(StoreError::DimensionMismatch(format!(
                    "{} uses the {m} metric; memlens compares by cosine",
                    self.target()
                )))
            }
            _ => Ok(()),
        }
    }
}

/// Pinecone's limits, shared by both stores.
pub mod limits {
    /// Largest dimension of a dense vector.
    pub const MAX_DIMENSION: usize = 20_000;
    /// Largest `topK`.
    pub const MAX_TOP_K: usize = 10_000;
    /// Largest metadata per record, serialized, in bytes.
    pub const MAX_METADATA_BYTES: usize = 40 * 1024;
    /// Most vectors per upsert request.
    pub const MAX_UPSERT_VECTORS: usize = 1000;
    /// Largest upsert request body, in bytes.
    pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
    /// Most ids per delete request.
    pub const MAX_DELETE_IDS: usize = 1000;
    /// Ids per fetch request (they travel in the URL).
    pub const FETCH_GROUP: usize = 100;
    /// Default page size of `list`.
    pub const DEFAULT_LIST_LIMIT: usize = 100;
}

/// Refuse values Pinecone refuses: empty, too long, NaN or infinite, or all zero.
pub fn validate_values(id: &str, values: &[f32]) -> Result<(), StoreError> {
    if values.is_empty() {
        return Err(StoreError::Invalid(format!("vector {id} has no values")));
    }
    if values.len() > limits::MAX_DIMENSION {
        return Err(StoreError::Invalid(format!(
            "vector {id} has {} values (the limit is {})",
            values.len(),
            limits::MAX_DIMENSION
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(StoreError::Invalid(format!(
            "vector {id} has a NaN or infinite value at position {i}"
        )));
    }
    if values.iter().all(|v| *v == 0.0) {
        return Err(StoreError::Invalid(format!(
            "vector {id} is all zeros (a dense vector needs at least one non-zero value)"
        )));
    }
    Ok(())
}

/// Refuse metadata Pinecone refuses: non-finite numbers, more than 40 KB.
pub fn validate_metadata(id: &str, metadata: &Metadata) -> Result<(), StoreError> {
    for (k, v) in metadata {
        if let MetaValue::Number(n) = v
            && !n.is_finite()
        {
            return Err(StoreError::Invalid(format!(
                "metadata {k} of vector {id} is not a finite number"
            )));
        }
    }
    let size = serde_json::to_vec(metadata).map_or(0, |b| b.len());
    if size > limits::MAX_METADATA_BYTES {
        return Err(StoreError::Invalid(format!(
            "metadata of vector {id} is {size} bytes (the limit is {} bytes)",
            limits::MAX_METADATA_BYTES
        )));
    }
    Ok(())
}

/// Check a whole record: id rules, values, metadata.
pub fn validate_record(record: &Record) -> Result<(), StoreError> {
    crate::omi::conventions::validate_id(&record.id).map_err(StoreError::Invalid)?;
    validate_values(&record.id, &record.values)?;
    validate_metadata(&record.id, &record.metadata)
}

/// Check every record of one upsert and that they share a dimension. Returns that
/// dimension, or `None` for an empty upsert.
pub fn validate_upsert(records: &[Record]) -> Result<Option<usize>, StoreError> {
    let Some(first) = records.first() else {
        return Ok(None);
    };
    let dim = first.values.len();
    for r in records {
        validate_record(r)?;
        if r.values.len() != dim {
            return Err(StoreError::DimensionMismatch(format!(
                "vectors of one upsert must share a dimension: {} has {}, {} has {dim}",
                r.id,
                r.values.len(),
                first.id
            )));
        }
    }
    Ok(Some(dim))
}

/// Refuse a `topK` outside 1..=10 000.
pub fn validate_top_k(top_k: usize) -> Result<(), StoreError> {
    if top_k == 0 || top_k > limits::MAX_TOP_K {
        return Err(StoreError::Invalid(format!(
            "top_k must be between 1 and {}, got {top_k}",
            limits::MAX_TOP_K
        )));
    }
    Ok(())
}

/// The message Pinecone gives for a vector of the wrong length.
pub fn dimension_message(got: usize, want: usize) -> String {
    format!("Vector dimension {got} does not match the dimension of the index {want}")
}

/// Open the store the settings choose: the local SQLite store in the data dir, or the
/// Pinecone index (resolving its host through the control plane when only a name is set).
pub async fn open_from_settings(settings: &Settings) -> Result<Arc<dyn VectorStore>, StoreError> {
    match settings.store {
        StoreChoice::Local => {
            let path = local::LocalStore::default_path(&settings.data_dir);
            let store = tokio::task::spawn_blocking(move || local::LocalStore::open(&path))
                .await
                .map_err(|e| StoreError::Local(format!("opening the store failed: {e}")))??;
            Ok(Arc::new(store))
        }
        StoreChoice::Pinecone => {
            let config = pinecone::PineconeConfig::from_settings(settings)?;
            Ok(Arc::new(pinecone::PineconeStore::connect(config).await?))
        }
    }
}

/// Every id starting with `prefix`, following pagination to the last page.
pub async fn list_all_ids(
    store: &dyn VectorStore,
    namespace: &str,
    prefix: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = store
            .list(
                namespace,
                prefix,
                Some(limits::DEFAULT_LIST_LIMIT),
                token.clone(),
            )
            .await?;
        ids.extend(page.ids);
        match page.next {
            Some(next) if token.as_deref() == Some(next.as_str()) => {
                return Err(StoreError::BadResponse(
                    "list returned the same pagination token twice".into(),
                ));
            }
            Some(next) => token = Some(next),
            None => return Ok(ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that only answers `stats`, to test the trait's defaults.
    struct StatsOnly(IndexStats);

    #[async_trait]
    impl VectorStore for StatsOnly {
        fn target(&self) -> String {
            "stats-only".into()
        }
        fn is_remote(&self) -> bool {
            false
        }
        async fn upsert(&self, _: &str, _: Vec<Record>) -> Result<usize, StoreError> {
            Err(StoreError::Unsupported("upsert".into()))
        }
        async fn fetch(
            &self,
            _: &str,
            _: &[String],
        ) -> Result<BTreeMap<String, Record>, StoreError> {
            Err(StoreError::Unsupported("fetch".into()))
        }
        async fn query(&self, _: Query) -> Result<Vec<Match>, StoreError> {
            Err(StoreError::Unsupported("query".into()))
        }
        async fn list(
            &self,
            _: &str,
            _: Option<&str>,
            _: Option<usize>,
            _: Option<String>,
        ) -> Result<ListPage, StoreError> {
            Err(StoreError::Unsupported("list".into()))
        }
        async fn delete(&self, _: &str, _: &[String]) -> Result<(), StoreError> {
            Err(StoreError::Unsupported("delete".into()))
        }
        async fn update_metadata(&self, _: &str, _: &str, _: Metadata) -> Result<(), StoreError> {
            Err(StoreError::Unsupported("update".into()))
        }
        async fn stats(&self) -> Result<IndexStats, StoreError> {
            Ok(self.0.clone())
        }
    }

    #[tokio::test]
    async fn default_compatibility_check_reads_stats() {
        let store = |dimension, metric: &str| {
            StatsOnly(IndexStats {
                dimension,
                metric: Some(metric.into()),
                ..IndexStats::default()
            })
        };
        assert!(
            store(Some(4), "cosine")
                .check_compatible("ns", 4)
                .await
                .is_ok()
        );
        assert!(
            store(None, "cosine")
                .check_compatible("ns", 4)
                .await
                .is_ok()
        );
        let e = store(Some(3), "cosine")
            .check_compatible("ns", 4)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::DimensionMismatch(_)), "{e}");
        let e = store(Some(4), "dotproduct")
            .check_compatible("ns", 4)
            .await
            .unwrap_err();
        assert!(e.to_string().contains("dotproduct"), "{e}");
    }

    #[test]
    fn validation() {
        assert!(validate_values("a", &[0.0, 1.0]).is_ok());
        assert!(validate_values("a", &[]).is_err());
        assert!(validate_values("a", &[0.0, -0.0]).is_err());
        assert!(validate_values("a", &[f32::NEG_INFINITY]).is_err());
        assert!(validate_values("a", &vec![1.0; limits::MAX_DIMENSION + 1]).is_err());
        let big = Metadata::from([("t".to_string(), MetaValue::String("x".repeat(41_000)))]);
        assert!(
            validate_metadata("a", &big)
                .unwrap_err()
                .to_string()
                .contains("40960")
        );
        assert!(validate_top_k(0).is_err() && validate_top_k(10_001).is_err());
        assert!(validate_top_k(10_000).is_ok());
    }
}
