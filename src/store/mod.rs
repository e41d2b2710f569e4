//! Vector stores with Pinecone's data model: namespaces, records `{id, values, metadata}`,
//! cosine query, prefix listing. Pinecone (HTTP) and a local SQLite store implement the
//! same trait.

use std::collections::BTreeMap;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub mod filter;
pub mod local;
pub mod pinecone;

pub use filter::Filter;

/// A metadata value: Pinecone allows string, number, boolean and list of strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum MetaValue {
    Bool(bool),
    Number(f64),
    String(String),
    List(Vec<String>),
}

/// Record metadata, ordered by key.
pub type Metadata = BTreeMap<String, MetaValue>;

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
    pub dimension: Option<usize>,
    /// `cosine`, `dotproduct`, `euclidean` or another value (an open set).
    pub metric: Option<String>,
    /// Vector count per namespace.
    pub namespaces: BTreeMap<String, u64>,
    pub total: u64,
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
}
