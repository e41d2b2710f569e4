//! OpenAI-compatible embeddings client (`POST {base}/embeddings`).
//!
//! Works with OpenAI, Azure OpenAI (deployment URL + `api-key` header) and compatible
//! servers (Ollama, LM Studio, llama.cpp, vLLM, text-embeddings-inference), with or
//! without a key. What it does for a call to [`OpenAiEmbedder::embed_labeled`]:
//!
//! - counts `cl100k_base` tokens; a text over 8191 tokens is split into 8191-token chunks
//!   (sent as token ids, or as decoded text when the server refuses ids), and the chunk
//!   vectors are averaged weighted by token count and L2-normalised — what LangChain did
//!   for Omi. Shorter texts go whole, as strings;
//! - packs inputs into requests by count and by tokens, runs them concurrently under a
//!   semaphore, retries 408/429/5xx/connection errors ([`crate::http`]), and places each
//!   vector by its `index`, never by arrival order;
//! - asks for `base64` vectors and falls back to float arrays (for good) when a server
//!   refuses base64 or answers floats anyway; lowers its batch size when a server says
//!   its limit (TEI: 32); finds and names the input that is too long;
//! - checks every vector (count, dimension, finite, not all zero).
//!
//! Omi parity: LangChain sent every text as `cl100k_base` token ids; memlens sends texts
//! that fit as strings, which OpenAI tokenises with the same encoding, so the vectors are
//! the same. Special-token text such as `<|endoftext|>` is counted and chunked as plain
//! text.
//!
//! The dimension is known in advance for OpenAI's three embedding models or when
//! `dimensions` is set; for any other model [`Embedder::dimension`] returns 0 until the
//! first answer (or [`OpenAiEmbedder::probe_dimension`]) teaches it.

mod classify;
mod plan;
mod wire;

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::future::{BoxFuture, join_all, try_join_all};
use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{RequestBuilder, Url};
use tokio::sync::Semaphore;

use self::classify::Failure;
use self::plan::{Content, Piece};
use self::wire::{Input, Request, ServerError};
use super::{EmbedError, Embedder, Patience};
use crate::config::{Secret, Settings};
use crate::http::{self, Reply, RetryPolicy};

/// OpenAI's API base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// The model Omi uses.
pub const DEFAULT_MODEL: &str = "text-embedding-3-large";
/// OpenAI's limit on inputs per request.
pub const MAX_INPUTS_HARD_CAP: usize = 2048;
/// OpenAI's limit on tokens summed over one request.
pub const MAX_TOKENS_PER_REQUEST: usize = 300_000;
/// LangChain's `embedding_ctx_length`: the chunk size for long texts.
pub const MAX_TOKENS_PER_INPUT: usize = 8191;

/// Inputs in a row that, all refused as too long, mean the server's context is too small
/// for the request as a whole (a permanent error) rather than one text too long.
pub const WHOLE_REQUEST_TOO_LONG: usize = 4;

/// Output dimension of OpenAI's embedding models (without `dimensions`).
pub fn known_dimension(model: &str) -> Option<usize> {
    match model {
        "text-embedding-3-large" => Some(3072),
        "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
        _ => None,
    }
}

/// Azure OpenAI target: the deployment replaces the model in the URL.
#[derive(Debug, Clone, PartialEq)]
pub struct AzureTarget {
    /// Deployment name.
    pub deployment: String,
    /// `api-version` query parameter.
    pub api_version: String,
}

/// Everything the client needs. [`OpenAiConfig::from_settings`] fills it from the
/// layered settings; the tunables have defaults suited to OpenAI.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Base URL, e.g. `https://api.openai.com/v1` or `http://localhost:11434/v1`
    /// (Azure: `https://NAME.openai.azure.com`).
    pub base_url: String,
    /// Model id (sent as `model`; recorded with every vector).
    pub model: String,
    /// Optional `dimensions` request parameter.
    pub dimensions: Option<usize>,
    /// Key; `None` for a local server that needs none.
    pub api_key: Option<Secret>,
    /// Azure mode when set.
    pub azure: Option<AzureTarget>,
    /// Inputs per request (default 256, at most 2048).
    pub max_inputs_per_request: usize,
    /// Tokens per request (default and maximum 300 000).
    pub max_tokens_per_request: usize,
    /// Tokens per input before a text is chunked (default 8191).
    pub max_tokens_per_input: usize,
    /// Requests in flight at once (default 4).
    pub concurrency: usize,
    /// Timeout of one HTTP attempt (default 60 s).
    pub request_timeout: Duration,
    /// Retries on 408/429/5xx/connection errors.
    pub retry: RetryPolicy,
    /// Ask for base64 vectors first (default true; falls back by itself).
    pub prefer_base64: bool,
}

impl OpenAiConfig {
    /// Defaults for `base_url` and `model`, no key.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            dimensions: None,
            api_key: None,
            azure: None,
            max_inputs_per_request: 256,
            max_tokens_per_request: MAX_TOKENS_PER_REQUEST,
            max_tokens_per_input: MAX_TOKENS_PER_INPUT,
            concurrency: 4,
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            prefer_base64: true,
        }
    }

    /// From settings: `openai_base_url`, `openai_model`, `openai_dimensions`,
    /// `openai_api_key`, and Azure mode when `azure_deployment` is set.
    pub fn from_settings(s: &Settings) -> Self {
        let base = if s.openai_base_url.trim().is_empty() {
            DEFAULT_BASE_URL
        } else {
            s.openai_base_url.trim()
        };
        let model = if s.openai_model.trim().is_empty() {
            DEFAULT_MODEL
        } else {
            s.openai_model.trim()
        };
        let mut cfg = Self::new(base, model);
        cfg.dimensions = s.openai_dimensions;
        cfg.api_key = s.openai_api_key.clone();
        cfg.azure = s
            .azure_deployment
            .as_ref()
            .filter(|d| !d.trim().is_empty())
            .map(|d| AzureTarget {
                deployment: d.trim().to_string(),
                api_version: s.azure_api_version.clone(),
            });
        cfg
    }
}

/// The client. Cheap to share (`Arc`) across tasks; all state is atomic.
pub struct OpenAiEmbedder {
    cfg: OpenAiConfig,
    url: Url,
    /// The key as a ready header value (marked sensitive), and the header's name.
    auth: Option<(&'static str, HeaderValue)>,
    client: reqwest::Client,
    permits: Semaphore,
    /// Known or learned dimension; 0 = not yet known.
    dim: AtomicUsize,
    base64: AtomicBool,
    token_input: AtomicBool,
    max_inputs: AtomicUsize,
}

impl fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("url", &self.url.as_str())
            .field("model", &self.cfg.model)
            .field("dimension", &self.dim.load(Ordering::Relaxed))
            .field("api_key", &self.cfg.api_key)
            .field("base64", &self.base64.load(Ordering::Relaxed))
            .field("token_input", &self.token_input.load(Ordering::Relaxed))
            .field("max_inputs", &self.max_inputs.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

/// One input's vector, or why it has none.
type Outcome = Result<Vec<f32>, EmbedError>;

/// One chunk's vector and its token count (its weight in the mean).
type ChunkVector<'v> = (&'v [f32], usize);

/// The caller's inputs as one request sees them.
struct Job<'a> {
    texts: Vec<&'a str>,
    labels: Vec<Cow<'a, str>>,
    totals: Vec<usize>,
}

impl OpenAiEmbedder {
    /// Check the configuration and build the client (no request is sent).
    pub fn new(cfg: OpenAiConfig) -> Result<Self, EmbedError> {
        let mut cfg = cfg;
        if cfg.model.trim().is_empty() {
            return Err(EmbedError::Local("openai_model is empty".into()));
        }
        if cfg.dimensions == Some(0) {
            return Err(EmbedError::Local(
                "openai_dimensions must be at least 1".into(),
            ));
        }
        cfg.max_inputs_per_request = cfg.max_inputs_per_request.clamp(1, MAX_INPUTS_HARD_CAP);
        cfg.max_tokens_per_input = cfg.max_tokens_per_input.clamp(1, MAX_TOKENS_PER_INPUT);
        cfg.max_tokens_per_request = cfg
            .max_tokens_per_request
            .clamp(cfg.max_tokens_per_input, MAX_TOKENS_PER_REQUEST);
        cfg.concurrency = cfg.concurrency.max(1);
        let url = endpoint(&cfg)?;
        let auth = match &cfg.api_key {
            None => None,
            Some(key) => {
                let (name, value) = if cfg.azure.is_some() {
                    ("api-key", key.expose().to_string())
                } else {
                    ("authorization", format!("Bearer {}", key.expose()))
                };
                let mut value = HeaderValue::from_str(&value).map_err(|_| {
                    EmbedError::Local(
                        "the OpenAI API key contains characters that cannot go in an HTTP \
                         header (a stray newline or quote?)"
                            .into(),
                    )
                })?;
                value.set_sensitive(true);
                Some((name, value))
            }
        };
        let dim = cfg
            .dimensions
            .or_else(|| known_dimension(&cfg.model))
            .unwrap_or(0);
        Ok(Self {
            client: http::client(cfg.request_timeout),
            permits: Semaphore::new(cfg.concurrency),
            dim: AtomicUsize::new(dim),
            base64: AtomicBool::new(cfg.prefer_base64),
            token_input: AtomicBool::new(true),
            max_inputs: AtomicUsize::new(cfg.max_inputs_per_request),
            url,
            auth,
            cfg,
        })
    }

    /// Build from settings ([`OpenAiConfig::from_settings`] with default tunables).
    pub fn from_settings(s: &Settings) -> Result<Self, EmbedError> {
        Self::new(OpenAiConfig::from_settings(s))
    }

    /// The configuration in use (limits after clamping).
    pub fn config(&self) -> &OpenAiConfig {
        &self.cfg
    }

    /// The endpoint every request goes to.
    pub fn endpoint(&self) -> &str {
        self.url.as_str()
    }

    /// The dimension, asking the server (one tiny request) when it is not known yet.
    pub async fn probe_dimension(&self) -> Result<usize, EmbedError> {
        let known = self.dim.load(Ordering::Acquire);
        if known > 0 {
            return Ok(known);
        }
        let v = self
            .embed_labeled(&[("the dimension probe", "dimension probe")])
            .await?;
        Ok(v.first().map_or(0, Vec::len))
    }

    /// Embed `(label, text)` pairs; one vector per pair, in input order. Labels only
    /// name inputs in errors (e.g. `memory 0b1c…`), they are never sent.
    pub async fn embed_labeled<L, T>(&self, items: &[(L, T)]) -> Result<Vec<Vec<f32>>, EmbedError>
    where
        L: AsRef<str> + Sync,
        T: AsRef<str> + Sync,
    {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let texts: Vec<&str> = items.iter().map(|(_, t)| t.as_ref()).collect();
        let labels: Vec<Cow<'_, str>> = items
            .iter()
            .map(|(l, _)| Cow::Borrowed(l.as_ref()))
            .collect();
        self.run(texts, labels, &self.cfg.retry)
            .await?
            .into_iter()
            .collect()
    }

    async fn run<'a>(
        &self,
        texts: Vec<&'a str>,
        labels: Vec<Cow<'a, str>>,
        retry: &RetryPolicy,
    ) -> Result<Vec<Result<Vec<f32>, EmbedError>>, EmbedError> {
        if let Some(i) = texts.iter().position(|t| t.is_empty()) {
            return Err(EmbedError::Local(format!(
                "{} is empty: there is nothing to embed",
                labels[i]
            )));
        }
        let (pieces, totals) = plan::pieces(&texts, self.cfg.max_tokens_per_input);
        let job = Job {
            texts,
            labels,
            totals,
        };
        let batches = plan::batches(
            &pieces,
            self.max_inputs.load(Ordering::Relaxed),
            self.cfg.max_tokens_per_request,
        );
        tracing::debug!(
            texts = job.texts.len(),
            pieces = pieces.len(),
            requests = batches.len(),
            "embedding"
        );
        let results = join_all(
            batches
                .iter()
                .map(|b| self.run_batch(&job, b.iter().map(|&i| &pieces[i]).collect(), retry)),
        )
        .await;
        let mut per_piece: Vec<Option<Result<Vec<f32>, EmbedError>>> = vec![None; pieces.len()];
        for (batch, outcome) in batches.iter().zip(results) {
            match outcome {
                Ok(vectors) => {
                    for (&i, v) in batch.iter().zip(vectors) {
                        per_piece[i] = Some(v);
                    }
                }
                // What fails every request alike fails the call.
                Err(e) if stops_everything(&e) => return Err(e),
                // Otherwise the texts of that request carry its error.
                Err(e) => {
                    for &i in batch {
                        per_piece[i] = Some(Err(e.clone()));
                    }
                }
            }
        }
        let mut parts: Vec<Result<Vec<ChunkVector<'_>>, EmbedError>> =
            vec![Ok(Vec::new()); job.texts.len()];
        for (p, v) in pieces.iter().zip(&per_piece) {
            let slot = &mut parts[p.owner];
            match (slot.as_mut(), v) {
                (Ok(list), Some(Ok(v))) => list.push((v.as_slice(), p.tokens)),
                (Ok(_), Some(Err(e))) => *slot = Err(e.clone()),
                (Ok(_), None) => {
                    *slot = Err(EmbedError::BadResponse(format!(
                        "no vector came back for {}",
                        job.labels[p.owner]
                    )))
                }
                (Err(_), _) => {}
            }
        }
        Ok(parts
            .into_iter()
            .enumerate()
            .map(|(i, ps)| {
                plan::weighted_mean(&ps?).ok_or_else(|| {
                    EmbedError::BadVector(format!(
                        "the chunk vectors of {} average to zero",
                        job.labels[i]
                    ))
                })
            })
            .collect())
    }

    /// Send one request's pieces, adapting to the server when it refuses the form.
    fn run_batch<'a>(
        &'a self,
        job: &'a Job<'a>,
        pieces: Vec<&'a Piece>,
        retry: &'a RetryPolicy,
    ) -> BoxFuture<'a, Result<Vec<Outcome>, EmbedError>> {
        Box::pin(async move {
            let has_chunks = pieces
                .iter()
                .any(|p| matches!(p.content, Content::Chunk(_)));
            let (mut force_float, mut force_text) = (false, false);
            loop {
                let base64 = !force_float && self.base64.load(Ordering::Relaxed);
                let as_tokens =
                    has_chunks && !force_text && self.token_input.load(Ordering::Relaxed);
                let body = self.body(job, &pieces, base64, as_tokens)?;
                let reply = self.send(body, retry).await?;
                if reply.status.is_success() {
                    let decoded = wire::parse_response(&reply.body).map_err(|e| {
                        EmbedError::BadResponse(self.scrub(&format!("{}: {e}", self.url)))
                    })?;
                    let vectors = self.check(job, &pieces, decoded.vectors)?;
                    if force_float || (base64 && decoded.sent_floats) {
                        tracing::debug!("server answers float arrays: not asking for base64 again");
                        self.base64.store(false, Ordering::Relaxed);
                    }
                    if force_text {
                        tracing::debug!("server refuses token ids: sending chunk text instead");
                        self.token_input.store(false, Ordering::Relaxed);
                    }
                    return Ok(vectors);
                }
                let err = wire::parse_error_body(&reply.body);
                match classify::classify(reply.status, &err) {
                    Failure::BatchTooLarge(limit) if pieces.len() > 1 => {
                        let size = limit
                            .filter(|&l| l >= 1 && l < pieces.len())
                            .unwrap_or(pieces.len() / 2)
                            .max(1);
                        tracing::debug!(size, "server wants smaller batches");
                        self.max_inputs.fetch_min(size, Ordering::Relaxed);
                        let parts = try_join_all(
                            pieces
                                .chunks(size)
                                .map(|g| self.run_batch(job, g.to_vec(), retry)),
                        )
                        .await?;
                        return Ok(parts.into_iter().flatten().collect());
                    }
                    Failure::ContextTooLong(index) => {
                        // The input at fault fails alone; the others are sent again.
                        if let Some(at) = index.filter(|&i| i < pieces.len()) {
                            let too_long = self.too_long(job, pieces[at], &err);
                            let mut rest = pieces.clone();
                            rest.remove(at);
                            let mut out = if rest.is_empty() {
                                Vec::new()
                            } else {
                                self.run_batch(job, rest, retry).await?
                            };
                            out.insert(at, Err(too_long));
                            return Ok(out);
                        }
                        if let [p] = pieces.as_slice() {
                            return Ok(vec![Err(self.too_long(job, p, &err))]);
                        }
                        // The message does not say which input: halve until it shows.
                        let mid = pieces.len() / 2;
                        let mut first = self.run_batch(job, pieces[..mid].to_vec(), retry).await?;
                        // Four or more inputs in a row all too long: the server's context
                        // is smaller than these texts, not one text too long. Stop rather
                        // than halve down to every input.
                        if mid >= WHOLE_REQUEST_TOO_LONG
                            && first
                                .iter()
                                .all(|r| matches!(r, Err(EmbedError::ContextTooLong(_))))
                        {
                            return Err(EmbedError::ContextTooLong(self.scrub(&format!(
                                "every input of the request is too long for the server (it \
                                 said: {}). Fix: raise the server's context length (Ollama \
                                 num_ctx, TEI --max-input-length) or use a model with a \
                                 longer context",
                                err.message.trim_end_matches(['.', ' '])
                            ))));
                        }
                        first.extend(self.run_batch(job, pieces[mid..].to_vec(), retry).await?);
                        return Ok(first);
                    }
                    Failure::Invalid if base64 || as_tokens => {
                        let msg = err.message.to_ascii_lowercase();
                        let about_format = msg.contains("encoding") || msg.contains("base64");
                        if base64 && (about_format || !as_tokens) {
                            force_float = true;
                        } else {
                            force_text = true;
                        }
                    }
                    failure => return Err(self.error(failure, &reply, &err)),
                }
            }
        })
    }

    fn body(
        &self,
        job: &Job<'_>,
        pieces: &[&Piece],
        base64: bool,
        as_tokens: bool,
    ) -> Result<String, EmbedError> {
        let input = if as_tokens {
            Input::Tokens(
                pieces
                    .iter()
                    .map(|p| match &p.content {
                        Content::Chunk(ids) => ids.as_slice(),
                        Content::Whole => &[],
                    })
                    .collect(),
            )
        } else {
            Input::Texts(
                pieces
                    .iter()
                    .map(|p| match &p.content {
                        Content::Whole => Cow::Borrowed(job.texts[p.owner]),
                        Content::Chunk(ids) => Cow::Owned(plan::decode(ids)),
                    })
                    .collect(),
            )
        };
        let req = Request {
            model: &self.cfg.model,
            input,
            dimensions: self.cfg.dimensions,
            encoding_format: base64.then_some("base64"),
        };
        serde_json::to_string(&req)
            .map_err(|e| EmbedError::Local(format!("could not encode the request: {e}")))
    }

    fn request(&self, body: String) -> RequestBuilder {
        let rb = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        match &self.auth {
            Some((name, value)) => rb.header(*name, value.clone()),
            None => rb,
        }
    }

    async fn send(&self, body: String, retry: &RetryPolicy) -> Result<Reply, EmbedError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| EmbedError::Local("the embedder is shutting down".into()))?;
        let reply = http::send_with_retry(retry, || self.request(body.clone()))
            .await
            .map_err(|e| EmbedError::Unavailable(self.scrub(&format!("{}: {e}", self.url))))?;
        tracing::debug!(
            status = reply.status.as_u16(),
            attempts = reply.attempts,
            "embeddings reply"
        );
        Ok(reply)
    }

    /// Place vectors by index and check each one. A vector that is not finite, all
    /// zeros, or of another length than the rest fails alone ([`EmbedError::BadVector`]);
    /// an answer whose every vector has the wrong length is a
    /// [`EmbedError::DimensionMismatch`] (the wrong model or `dimensions`), and a wrong
    /// count or index a [`EmbedError::BadResponse`] of the whole request.
    fn check(
        &self,
        job: &Job<'_>,
        pieces: &[&Piece],
        got: Vec<(usize, Vec<f32>)>,
    ) -> Result<Vec<Result<Vec<f32>, EmbedError>>, EmbedError> {
        let n = pieces.len();
        if got.len() != n {
            return Err(EmbedError::BadResponse(format!(
                "asked for {n} embeddings, {} returned {}",
                self.url,
                got.len()
            )));
        }
        let mut slots: Vec<Option<Vec<f32>>> = vec![None; n];
        for (index, v) in got {
            let slot = slots.get_mut(index).ok_or_else(|| {
                EmbedError::BadResponse(format!(
                    "the server answered index {index} for a request of {n} inputs"
                ))
            })?;
            if slot.replace(v).is_some() {
                return Err(EmbedError::BadResponse(format!(
                    "the server answered index {index} twice"
                )));
            }
        }
        let slots: Vec<Vec<f32>> = slots
            .into_iter()
            .zip(pieces)
            .map(|(v, p)| {
                v.ok_or_else(|| {
                    EmbedError::BadResponse(format!(
                        "no vector came back for {}",
                        job.labels[p.owner]
                    ))
                })
            })
            .collect::<Result<_, _>>()?;
        let expected = match self.dim.load(Ordering::Acquire) {
            0 => {
                // Learn from the most common length, so one odd vector cannot set it.
                let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
                for v in slots.iter().filter(|v| !v.is_empty()) {
                    *counts.entry(v.len()).or_default() += 1;
                }
                match counts.into_iter().max_by_key(|&(len, c)| (c, len)) {
                    Some((len, _)) => {
                        match self
                            .dim
                            .compare_exchange(0, len, Ordering::AcqRel, Ordering::Acquire)
                        {
                            Ok(_) => len,
                            Err(learned) => learned,
                        }
                    }
                    None => 0,
                }
            }
            d => d,
        };
        let hint = match self.cfg.dimensions {
            Some(d) => format!(
                " (openai_dimensions is {d}; this server may ignore the `dimensions` parameter)"
            ),
            None => " (check openai_model and openai_dimensions)".to_string(),
        };
        if let Some(first) = slots.first()
            && first.len() != expected
            && slots.iter().all(|v| v.len() == first.len())
        {
            return Err(EmbedError::DimensionMismatch(format!(
                "the server returns {}-d vectors, but {} gives {expected}-d{hint}; \
                 the vector for {} has {} values",
                first.len(),
                self.cfg.model,
                job.labels[pieces[0].owner],
                first.len()
            )));
        }
        Ok(pieces
            .iter()
            .zip(slots)
            .map(|(p, v)| {
                let label = &job.labels[p.owner];
                if v.len() != expected {
                    return Err(EmbedError::BadVector(format!(
                        "the vector for {label} has {} values, but {} gives {expected}{hint}",
                        v.len(),
                        self.cfg.model
                    )));
                }
                if v.iter().any(|x| !x.is_finite()) {
                    return Err(EmbedError::BadVector(format!(
                        "the vector for {label} contains NaN or infinity"
                    )));
                }
                if v.iter().all(|&x| x == 0.0) {
                    return Err(EmbedError::BadVector(format!(
                        "the vector for {label} is all zeros"
                    )));
                }
                Ok(v)
            })
            .collect())
    }

    fn too_long(&self, job: &Job<'_>, p: &Piece, err: &ServerError) -> EmbedError {
        let chunked = match p.content {
            Content::Chunk(_) => format!(
                ", sent in chunks of up to {} tokens",
                self.cfg.max_tokens_per_input
            ),
            Content::Whole => String::new(),
        };
        EmbedError::ContextTooLong(self.scrub(&format!(
            "{} has {} tokens{chunked}; the server said: {}. Shorten that text or use a model \
             with a longer context",
            job.labels[p.owner],
            job.totals[p.owner],
            err.message.trim_end_matches(['.', ' '])
        )))
    }

    fn error(&self, failure: Failure, reply: &Reply, err: &ServerError) -> EmbedError {
        let status = reply.status.as_u16();
        let msg = &err.message;
        let text = match failure {
            Failure::Unauthorized => {
                let key = if self.cfg.api_key.is_some() {
                    ""
                } else {
                    " (no API key is set)"
                };
                return EmbedError::Unauthorized(
                    self.scrub(&format!("HTTP {status} from {}{key}: {msg}", self.url)),
                );
            }
            Failure::ModelNotFound => {
                return EmbedError::ModelNotFound(self.scrub(&format!(
                    "{} at {} (HTTP {status}): {msg}",
                    self.cfg.model, self.url
                )));
            }
            Failure::RateLimited => {
                return EmbedError::RateLimited(self.scrub(&format!(
                    "{msg} (HTTP 429, gave up after {} attempts; wait a while or lower the \
                     concurrency)",
                    reply.attempts
                )));
            }
            Failure::Unavailable => {
                return EmbedError::Unavailable(self.scrub(&format!(
                    "{} answered HTTP {status} after {} attempt(s): {msg}",
                    self.url, reply.attempts
                )));
            }
            Failure::ContextTooLong(_) => {
                return EmbedError::ContextTooLong(self.scrub(msg));
            }
            Failure::NoEndpoint => format!(
                "HTTP 404 from {}: {msg}; check openai_base_url (OpenAI-compatible servers \
                 usually want the /v1 suffix)",
                self.url
            ),
            Failure::BatchTooLarge(_) | Failure::Invalid => {
                format!("HTTP {status} from {}: {msg}", self.url)
            }
        };
        EmbedError::Refused(self.scrub(&text))
    }

    /// Remove the key from anything a server sent back (some echo it in errors).
    fn scrub(&self, s: &str) -> String {
        match &self.cfg.api_key {
            Some(k) if !k.expose().is_empty() => s.replace(k.expose(), "[key hidden]"),
            _ => s.to_string(),
        }
    }
}

/// Errors that would fail every request of a call alike: no point going on.
/// A `ContextTooLong` that reaches here is the whole request's: each input's own comes
/// back as that input's outcome.
fn stops_everything(e: &EmbedError) -> bool {
    matches!(
        e,
        EmbedError::Unauthorized(_)
            | EmbedError::ModelNotFound(_)
            | EmbedError::DimensionMismatch(_)
            | EmbedError::ContextTooLong(_)
            | EmbedError::Local(_)
    )
}

fn endpoint(cfg: &OpenAiConfig) -> Result<Url, EmbedError> {
    let base = cfg.base_url.trim().trim_end_matches('/');
    let bad = |why: String| EmbedError::Local(format!("openai_base_url {base:?}: {why}"));
    let joined = match &cfg.azure {
        None => format!("{base}/embeddings"),
        Some(a) => {
            let d = &a.deployment;
            if d.is_empty()
                || !d
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            {
                return Err(EmbedError::Local(format!(
                    "azure_deployment {d:?} is not a deployment name (letters, digits, - _ .)"
                )));
            }
            if base == DEFAULT_BASE_URL {
                return Err(bad(
                    "azure_deployment is set, so this must be your Azure endpoint, e.g. \
                     https://NAME.openai.azure.com"
                        .into(),
                ));
            }
            format!("{base}/openai/deployments/{d}/embeddings")
        }
    };
    let mut url = Url::parse(&joined).map_err(|e| bad(format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(bad("must start with http:// or https://".into()));
    }
    if let Some(a) = &cfg.azure {
        url.query_pairs_mut()
            .append_pair("api-version", &a.api_version);
    }
    Ok(url)
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    fn model_id(&self) -> &str {
        &self.cfg.model
    }

    /// Known for OpenAI models or with `dimensions`; otherwise 0 until learned from the
    /// first answer (see [`OpenAiEmbedder::probe_dimension`]).
    fn dimension(&self) -> usize {
        self.dim.load(Ordering::Acquire)
    }

    /// [`OpenAiEmbedder::probe_dimension`]: one tiny request when the model is not known
    /// by name and `openai_dimensions` is not set; the answer's length is kept.
    async fn learn_dimension(&self) -> Result<usize, EmbedError> {
        match self.probe_dimension().await? {
            0 => Err(super::unknown_dimension(&self.cfg.model)),
            d => Ok(d),
        }
    }

    fn label(&self) -> String {
        let dim = match self.dimension() {
            0 => "dimension not known yet".to_string(),
            d => format!("{d} dims"),
        };
        match (&self.cfg.azure, self.url.host_str()) {
            (Some(a), _) => format!(
                "Azure OpenAI deployment {} ({}, {dim}) at {}",
                a.deployment,
                self.cfg.model,
                self.url.origin().ascii_serialization()
            ),
            (None, Some("api.openai.com")) => format!("OpenAI {} ({dim})", self.cfg.model),
            _ => format!(
                "OpenAI-compatible server at {} ({}, {dim})",
                self.cfg.base_url.trim_end_matches('/'),
                self.cfg.model
            ),
        }
    }

    /// `cl100k_base` tokens (what OpenAI bills and limits).
    fn count_tokens(&self, text: &str) -> usize {
        plan::tokens(text).len()
    }

    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        self.embed_each(texts, Patience::Full)
            .await?
            .into_iter()
            .collect()
    }

    /// Per-text outcomes: an unusable vector fails only its text, a failed request only
    /// the texts it carried. With [`Patience::Once`] nothing is retried.
    async fn embed_each(
        &self,
        texts: &[String],
        patience: Patience,
    ) -> Result<Vec<Result<Vec<f32>, EmbedError>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let labels = (0..texts.len())
            .map(|i| Cow::Owned(format!("input {i}")))
            .collect();
        let retry = match patience {
            Patience::Full => self.cfg.retry,
            Patience::Once => RetryPolicy::none(),
        };
        self.run(texts.iter().map(String::as_str).collect(), labels, &retry)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints() {
        let mut cfg = OpenAiConfig::new("http://127.0.0.1:9/v1/", "m");
        assert_eq!(
            endpoint(&cfg).unwrap().as_str(),
            "http://127.0.0.1:9/v1/embeddings"
        );
        cfg.base_url = "https://x.openai.azure.com".into();
        cfg.azure = Some(AzureTarget {
            deployment: "emb-large".into(),
            api_version: "2024-10-21".into(),
        });
        assert_eq!(
            endpoint(&cfg).unwrap().as_str(),
            "https://x.openai.azure.com/openai/deployments/emb-large/embeddings?api-version=2024-10-21"
        );
        cfg.base_url = DEFAULT_BASE_URL.into();
        assert!(endpoint(&cfg).is_err());
        cfg.base_url = "ftp://x".into();
        cfg.azure = None;
        assert!(endpoint(&cfg).is_err());
    }

    #[test]
    fn dimension_known_or_zero() {
        let e = OpenAiEmbedder::new(OpenAiConfig::new(DEFAULT_BASE_URL, DEFAULT_MODEL)).unwrap();
        assert_eq!(e.dimension(), 3072);
        let mut cfg = OpenAiConfig::new(DEFAULT_BASE_URL, "text-embedding-3-small");
        cfg.dimensions = Some(256);
        assert_eq!(OpenAiEmbedder::new(cfg).unwrap().dimension(), 256);
        let e = OpenAiEmbedder::new(OpenAiConfig::new("http://127.0.0.1:9/v1", "nomic")).unwrap();
        assert_eq!(e.dimension(), 0);
        assert!(e.label().contains("OpenAI-compatible"), "{}", e.label());
    }

    #[test]
    fn config_from_settings() {
        use crate::config::Inputs;
        let settings = |env: &[(&str, &str)]| {
            let mut i = Inputs {
                skip_default_config: true,
                ..Inputs::default()
            };
            i.env
                .insert("MEMLENS_DATA_DIR".into(), "/tmp/memlens-test".into());
            for (k, v) in env {
                i.env.insert(k.to_string(), v.to_string());
            }
            Settings::resolve(&i).unwrap()
        };
        let cfg = OpenAiConfig::from_settings(&settings(&[]));
        assert_eq!(cfg.base_url, DEFAULT_BASE_URL);
        assert_eq!(cfg.model, DEFAULT_MODEL);
        assert!(cfg.api_key.is_none() && cfg.azure.is_none() && cfg.dimensions.is_none());
        let cfg = OpenAiConfig::from_settings(&settings(&[
            ("OPENAI_API_KEY", "sk-x"),
            ("OPENAI_BASE_URL", "https://res.openai.azure.com"),
            ("MEMLENS_AZURE_DEPLOYMENT", "emb"),
            ("MEMLENS_OPENAI_DIMENSIONS", "1024"),
        ]));
        assert_eq!(cfg.api_key.as_ref().map(Secret::expose), Some("sk-x"));
        assert_eq!(cfg.dimensions, Some(1024));
        assert_eq!(
            cfg.azure,
            Some(AzureTarget {
                deployment: "emb".into(),
                api_version: "2024-10-21".into()
            })
        );
        let e = OpenAiEmbedder::new(cfg).unwrap();
        assert_eq!(e.dimension(), 1024);
        assert!(
            e.endpoint()
                .ends_with("/openai/deployments/emb/embeddings?api-version=2024-10-21")
        );
    }

    #[test]
    fn debug_hides_key() {
        let mut cfg = OpenAiConfig::new(DEFAULT_BASE_URL, DEFAULT_MODEL);
        cfg.api_key = Some(Secret::new("sk-DEBUG-LEAK-CHECK-123"));
        let e = OpenAiEmbedder::new(cfg).unwrap();
        let s = format!("{e:?} {:?}", e.config());
        assert!(!s.contains("DEBUG-LEAK"), "{s}");
    }

    #[test]
    fn limits_are_clamped() {
        let mut cfg = OpenAiConfig::new(DEFAULT_BASE_URL, DEFAULT_MODEL);
        cfg.max_inputs_per_request = 100_000;
        cfg.max_tokens_per_request = 10_000_000;
        cfg.concurrency = 0;
        let e = OpenAiEmbedder::new(cfg).unwrap();
        assert_eq!(e.config().max_inputs_per_request, MAX_INPUTS_HARD_CAP);
        assert_eq!(e.config().max_tokens_per_request, MAX_TOKENS_PER_REQUEST);
        assert_eq!(e.config().concurrency, 1);
    }
}
