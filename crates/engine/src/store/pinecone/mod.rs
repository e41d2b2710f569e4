//! The Pinecone REST client: data plane at the index host, control plane to resolve an
//! index name. Upserts are batched by count and serialized size, fetches grouped, every
//! call retried per `http::send_with_retry`, and errors turned into [`StoreError`]s that
//! never carry the key.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use serde::de::DeserializeOwned;
use tokio::sync::OnceCell;

use crate::config::{Secret, Settings};
use crate::http::{self, RetryPolicy};
use crate::store::{
    IndexStats, ListPage, Match, Metadata, Query, QueryTarget, Record, StoreError, VectorStore,
    limits, validate_metadata, validate_top_k, validate_upsert, validate_values,
};

pub mod wire;

use wire::{
    DeleteRequest, FetchResponse, IndexModel, ListResponse, QueryRequest, QueryResponse,
    StatsResponse, UpdateRequest, UpsertResponse,
};

/// Upsert requests in flight at once (upserts are idempotent; a failed call can be
/// repeated whole).
pub const UPSERT_CONCURRENCY: usize = 4;

/// Default request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How to reach an index.
#[derive(Debug, Clone)]
pub struct PineconeConfig {
    pub api_key: Secret,
    /// Data-plane host: bare (`idx-abc.svc.pinecone.io`, https) or a full URL.
    pub index_host: Option<String>,
    /// Index name, resolved through the control plane when no host is set.
    pub index_name: Option<String>,
    /// Control-plane base URL (`https://api.pinecone.io`).
    pub controller: String,
    /// `X-Pinecone-Api-Version`.
    pub api_version: String,
    pub retry: RetryPolicy,
    pub timeout: Duration,
}

impl PineconeConfig {
    /// A config for a key and a data-plane host (tests, scripts).
    pub fn for_host(api_key: Secret, host: impl Into<String>) -> Self {
        Self {
            api_key,
            index_host: Some(host.into()),
            index_name: None,
            controller: "https://api.pinecone.io".into(),
            api_version: "2025-10".into(),
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The Pinecone settings: key, host or name, control plane, API version.
    pub fn from_settings(settings: &Settings) -> Result<Self, StoreError> {
        let api_key = settings.pinecone_api_key.clone().ok_or_else(|| {
            StoreError::Invalid(
                crate::doctor::missing_pinecone_key(settings)
                    .unwrap_or_else(|| "the Pinecone store needs PINECONE_API_KEY".into()),
            )
        })?;
        let non_empty = |s: &Option<String>| s.clone().filter(|v| !v.trim().is_empty());
        let index_host = non_empty(&settings.pinecone_index_host);
        let index_name = non_empty(&settings.pinecone_index_name);
        if index_host.is_none() && index_name.is_none() {
            return Err(StoreError::Invalid(
                "the Pinecone store needs PINECONE_INDEX_HOST or PINECONE_INDEX_NAME".into(),
            ));
        }
        let version = settings.pinecone_api_version.trim();
        let controller = settings.pinecone_controller_host.trim();
        Ok(Self {
            api_key,
            index_host,
            index_name,
            controller: if controller.is_empty() {
                "https://api.pinecone.io".into()
            } else {
                controller.to_string()
            },
            api_version: if version.is_empty() {
                "2025-10".into()
            } else {
                version.to_string()
            },
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
        })
    }
}

/// A base URL from a host setting: a full `http(s)://` URL is used as given, a bare host
/// gets `default_scheme`.
pub fn base_url(host: &str, default_scheme: &str) -> Result<Url, StoreError> {
    let host = host.trim().trim_end_matches('/');
    let text = if host.starts_with("http://") || host.starts_with("https://") {
        host.to_string()
    } else {
        format!("{default_scheme}://{host}")
    };
    Url::parse(&text)
        .map_err(|e| StoreError::Invalid(format!("Pinecone host {host:?} is not a valid URL: {e}")))
}

/// What memlens knows of the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    pub dimension: Option<usize>,
    pub metric: Option<String>,
}

/// A Pinecone index.
pub struct PineconeStore {
    http: reqwest::Client,
    config: PineconeConfig,
    base: Url,
    label: String,
    info: OnceCell<IndexInfo>,
}

impl std::fmt::Debug for PineconeStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PineconeStore")
            .field("base", &self.base.as_str())
            .field("label", &self.label)
            .finish_non_exhaustive()
    }
}

impl PineconeStore {
    /// Reach the index: by its host when set, else by resolving its name on the control
    /// plane (`GET {controller}/indexes/{name}`). A bare host from the control plane gets
    /// the control plane's scheme (https in production; http only for a local emulator).
    pub async fn connect(config: PineconeConfig) -> Result<Self, StoreError> {
        let http = http::client(config.timeout);
        let api_key = api_key_header(&config.api_key)?;
        let (base, info) = match (&config.index_host, &config.index_name) {
            (Some(host), _) => (base_url(host, "https")?, None),
            (None, Some(name)) => {
                let controller = base_url(&config.controller, "https")?;
                let mut url = controller.clone();
                url.path_segments_mut()
                    .map_err(|_| StoreError::Invalid("bad Pinecone control-plane URL".into()))?
                    .pop_if_empty()
                    .extend(["indexes", name]);
                let body = send(
                    &http,
                    &config,
                    &api_key,
                    "describe index",
                    Method::GET,
                    url,
                    None,
                )
                .await?;
                let model: IndexModel = parse("describe index", &body, &config.api_key)?;
                if let Some(IndexStatus {
                    ready: Some(false),
                    state,
                }) = &model.status
                {
                    return Err(StoreError::Unavailable(format!(
                        "index {name} is not ready yet (state {})",
                        state.as_deref().unwrap_or("unknown")
                    )));
                }
                let base = base_url(&model.host, controller.scheme())?;
                let info = IndexInfo {
                    dimension: model.dimension,
                    metric: model.metric,
                };
                (base, Some(info))
            }
            (None, None) => {
                return Err(StoreError::Invalid(
                    "set PINECONE_INDEX_HOST or PINECONE_INDEX_NAME".into(),
                ));
            }
        };
        let label = config
            .index_name
            .clone()
            .unwrap_or_else(|| base.host_str().unwrap_or("index").to_string());
        let cell = OnceCell::new();
        if let Some(info) = info {
            let _ = cell.set(info);
        }
        Ok(Self {
            http,
            config,
            base,
            label,
            info: cell,
        })
    }

    /// The data-plane base URL.
    pub fn base_url(&self) -> &Url {
        &self.base
    }

    /// Dimension and metric of the index (asked once, then remembered).
    pub async fn index_info(&self) -> Result<IndexInfo, StoreError> {
        self.info
            .get_or_try_init(|| async {
                let stats = self.raw_stats().await?;
                Ok(IndexInfo {
                    dimension: stats.dimension,
                    metric: stats.metric,
                })
            })
            .await
            .cloned()
    }

    fn url(&self, path: &str) -> Result<Url, StoreError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| StoreError::Invalid("bad Pinecone host URL".into()))?
            .pop_if_empty()
            .extend(path.split('/'));
        Ok(url)
    }

    async fn call<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<T, StoreError> {
        let key = api_key_header(&self.config.api_key)?;
        let text = send(&self.http, &self.config, &key, what, method, url, body).await?;
        parse(what, &text, &self.config.api_key)
    }

    /// [`Self::call`] for an idempotent read (fetch, query): a 200 whose body does not
    /// decode (cut off or corrupted on the way) is asked once more after the retry
    /// policy's first delay, since the same request can only give the same data. A second
    /// such answer is the error, said once. Writes are not repeated here (the reprocess
    /// job decides about those), nor `list`, whose odd 200 means an index that cannot list.
    async fn read<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
    ) -> Result<T, StoreError> {
        match self
            .call(what, method.clone(), url.clone(), body.clone())
            .await
        {
            Err(StoreError::BadResponse(first)) if self.config.retry.max_retries > 0 => {
                tracing::warn!("{first}; asking once more");
                tokio::time::sleep(self.config.retry.delay(0, None)).await;
                self.call(what, method, url, body).await
            }
            other => other,
        }
    }

    async fn post<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        body: &impl serde::Serialize,
    ) -> Result<T, StoreError> {
        self.call(
            what,
            Method::POST,
            self.url(path)?,
            Some(encode(what, body)?),
        )
        .await
    }

    async fn raw_stats(&self) -> Result<StatsResponse, StoreError> {
        self.post(
            "describe index stats",
            "describe_index_stats",
            &serde_json::json!({}),
        )
        .await
    }
}

/// A request body as JSON bytes.
fn encode(what: &str, body: &impl serde::Serialize) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(body)
        .map_err(|e| StoreError::Invalid(format!("cannot encode the {what} request: {e}")))
}

fn api_key_header(key: &Secret) -> Result<HeaderValue, StoreError> {
    let mut v = HeaderValue::from_str(key.expose()).map_err(|_| {
        StoreError::Invalid("PINECONE_API_KEY holds characters a header cannot carry".into())
    })?;
    v.set_sensitive(true);
    Ok(v)
}

async fn send(
    client: &reqwest::Client,
    config: &PineconeConfig,
    api_key: &HeaderValue,
    what: &str,
    method: Method,
    url: Url,
    body: Option<Vec<u8>>,
) -> Result<String, StoreError> {
    let reply = http::send_with_retry_when(&config.retry, http::is_retryable_pinecone, || {
        let mut rb = client
            .request(method.clone(), url.clone())
            .header("Api-Key", api_key.clone())
            .header("X-Pinecone-Api-Version", config.api_version.as_str());
        if let Some(b) = &body {
            rb = rb.header(CONTENT_TYPE, "application/json").body(b.clone());
        }
        rb
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("Pinecone {what}: {e}")))?;
    if reply.status.is_success() {
        Ok(reply.body)
    } else {
        Err(wire::error_from_reply(
            &format!("Pinecone {what}"),
            reply.status,
            &reply.body,
            reply.attempts,
            config.api_key.expose(),
        ))
    }
}

/// Decode a successful answer; an answer that does not decode is quoted (its head) in the
/// error, with the key scrubbed first in case the server echoed it.
fn parse<T: DeserializeOwned>(what: &str, body: &str, secret: &Secret) -> Result<T, StoreError> {
    serde_json::from_str(body).map_err(|e| {
        let scrubbed = if secret.expose().is_empty() {
            body.to_string()
        } else {
            body.replace(secret.expose(), "[hidden]")
        };
        let head: String = scrubbed.chars().take(200).collect();
        StoreError::BadResponse(format!("Pinecone {what}: unexpected answer ({e}): {head}"))
    })
}

use wire::IndexStatus;

#[async_trait]
impl VectorStore for PineconeStore {
    fn target(&self) -> String {
        format!("pinecone {}", self.label)
    }

    fn is_remote(&self) -> bool {
        true
    }

    /// Pinecone refuses a record id that is not ASCII (`ID must be ASCII, but got …`,
    /// code 3; ids are at most 512 ASCII characters, wire.md).
    fn ascii_ids(&self) -> bool {
        true
    }

    async fn upsert(&self, namespace: &str, records: Vec<Record>) -> Result<usize, StoreError> {
        let Some(dim) = validate_upsert(&records)? else {
            return Ok(0);
        };
        self.check_compatible(namespace, dim).await?;
        let bodies = wire::upsert_bodies(
            namespace,
            &records,
            limits::MAX_UPSERT_VECTORS,
            wire::UPSERT_BATCH_BYTES,
        )?;
        let url = self.url("vectors/upsert")?;
        let mut sends = futures::stream::iter(bodies)
            .map(|(count, body)| {
                let url = url.clone();
                async move {
                    let reply: UpsertResponse =
                        self.call("upsert", Method::POST, url, Some(body)).await?;
                    Ok::<usize, StoreError>(reply.upserted_count.map_or(count, |n| n as usize))
                }
            })
            .buffer_unordered(UPSERT_CONCURRENCY);
        let mut total = 0usize;
        while let Some(done) = sends.next().await {
            total += done?;
        }
        Ok(total)
    }

    async fn fetch(
        &self,
        namespace: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Record>, StoreError> {
        let mut out = BTreeMap::new();
        for group in ids.chunks(limits::FETCH_GROUP) {
            let mut url = self.url("vectors/fetch")?;
            let mut pairs: Vec<(&str, &str)> =
                group.iter().map(|id| ("ids", id.as_str())).collect();
            pairs.push(("namespace", namespace));
            url.set_query(Some(&wire::query_string(&pairs)));
            let reply: FetchResponse = self.read("fetch", Method::GET, url, None).await?;
            for (id, v) in reply.vectors {
                out.insert(
                    id.clone(),
                    Record {
                        id: if v.id.is_empty() { id } else { v.id },
                        values: v.values,
                        metadata: v.metadata.map(wire::metadata_from_json).unwrap_or_default(),
                    },
                );
            }
        }
        Ok(out)
    }

    async fn query(&self, query: Query) -> Result<Vec<Match>, StoreError> {
        validate_top_k(query.top_k)?;
        let (vector, id) = match &query.target {
            QueryTarget::Vector(v) => {
                validate_values("query", v)?;
                (Some(v.as_slice()), None)
            }
            QueryTarget::Id(id) => (None, Some(id.as_str())),
        };
        let body = QueryRequest {
            namespace: &query.namespace,
            top_k: query.top_k,
            filter: query.filter.as_ref(),
            include_values: query.include_values,
            include_metadata: query.include_metadata,
            vector,
            id,
        };
        let bytes = encode("query", &body)?;
        let reply: QueryResponse = self
            .read("query", Method::POST, self.url("query")?, Some(bytes))
            .await?;
        Ok(reply
            .matches
            .into_iter()
            .map(|m| Match {
                id: m.id,
                score: m.score,
                values: query.include_values.then_some(m.values),
                metadata: query
                    .include_metadata
                    .then(|| m.metadata.map(wire::metadata_from_json).unwrap_or_default()),
            })
            .collect())
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        page_token: Option<String>,
    ) -> Result<ListPage, StoreError> {
        let mut url = self.url("vectors/list")?;
        let limit = limit.map(|l| l.to_string());
        let mut pairs = vec![("namespace", namespace)];
        if let Some(p) = prefix.filter(|p| !p.is_empty()) {
            pairs.push(("prefix", p));
        }
        if let Some(l) = &limit {
            pairs.push(("limit", l));
        }
        if let Some(t) = &page_token {
            pairs.push(("paginationToken", t));
        }
        url.set_query(Some(&wire::query_string(&pairs)));
        let reply: ListResponse = self.call("list", Method::GET, url, None).await?;
        Ok(ListPage {
            ids: reply.vectors.into_iter().map(|v| v.id).collect(),
            next: reply
                .pagination
                .and_then(|p| p.next)
                .filter(|n| !n.is_empty()),
        })
    }

    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<(), StoreError> {
        for group in ids.chunks(limits::MAX_DELETE_IDS) {
            let _: serde_json::Value = self
                .post(
                    "delete",
                    "vectors/delete",
                    &DeleteRequest {
                        ids: group,
                        namespace,
                    },
                )
                .await?;
        }
        Ok(())
    }

    async fn update_metadata(
        &self,
        namespace: &str,
        id: &str,
        set: Metadata,
    ) -> Result<(), StoreError> {
        crate::omi::conventions::validate_id(id).map_err(StoreError::Invalid)?;
        validate_metadata(id, &set)?;
        let _: serde_json::Value = self
            .post(
                "update",
                "vectors/update",
                &UpdateRequest {
                    id,
                    set_metadata: &set,
                    namespace,
                },
            )
            .await?;
        Ok(())
    }

    async fn stats(&self) -> Result<IndexStats, StoreError> {
        let s = self.raw_stats().await?;
        let namespaces: BTreeMap<String, u64> = s
            .namespaces
            .into_iter()
            .map(|(k, v)| (k, v.vector_count))
            .collect();
        let metric = match s.metric {
            Some(m) => Some(m),
            None => self.info.get().and_then(|i| i.metric.clone()),
        };
        Ok(IndexStats {
            dimension: s.dimension,
            metric,
            total: s
                .total_vector_count
                .unwrap_or_else(|| namespaces.values().sum()),
            namespaces,
            namespace_dimensions: BTreeMap::new(),
        })
    }

    async fn check_compatible(&self, _namespace: &str, dimension: usize) -> Result<(), StoreError> {
        let info = self.index_info().await?;
        if let Some(have) = info.dimension
            && have != dimension
        {
            return Err(StoreError::DimensionMismatch(format!(
                "Pinecone index {} holds {have}-dimensional vectors, these have {dimension}. \
                 Fix: use the embedder the index was built with (Omi: text-embedding-3-large, 3072)",
                self.label
            )));
        }
        match info.metric.as_deref() {
            Some(m) if !m.eq_ignore_ascii_case("cosine") => {
                Err(StoreError::DimensionMismatch(format!(
                    "Pinecone index {} uses the {m} metric; memlens compares by cosine \
                     (Omi's indexes use cosine)",
                    self.label
                )))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts() {
        assert_eq!(
            base_url("idx-1.svc.pinecone.io", "https").unwrap().as_str(),
            "https://idx-1.svc.pinecone.io/"
        );
        assert_eq!(
            base_url("http://127.0.0.1:5080/", "https")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:5080/"
        );
        assert!(base_url("", "https").is_err());
        assert!(base_url("a b", "https").is_err());
    }
}
