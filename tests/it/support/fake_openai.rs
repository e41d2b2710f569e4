//! A fake OpenAI-compatible embeddings server for tests and benches, bound to
//! 127.0.0.1 on a free port. It behaves like the real ones: validates the request body
//! against `CreateEmbeddingRequest` (openai/embeddings.yaml), answers floats or base64,
//! can shuffle `data`, injects faults one request at a time, mimics the quirks and error
//! shapes of OpenAI, Ollama, text-embeddings-inference, llama.cpp and vLLM, adds an
//! optional fixed latency, and records every request.
//!
//! Its embedding is a deterministic function of the token ids of an input (strings are
//! tokenised with `cl100k_base`, like OpenAI), so a string and its token ids give the
//! same vector and chunked means can be checked numerically ([`vector_for_tokens`]).

#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

/// Which server to imitate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerKind {
    /// api.openai.com: OpenAI error shape, strict body, 8192-token inputs, known models only.
    OpenAi,
    /// Ollama `/v1/embeddings`: no token-array input, ignores `encoding_format` (floats).
    Ollama,
    /// text-embeddings-inference: errors `{error, error_type}`, 32 inputs per request,
    /// 512-token inputs (413), 422 for validation.
    Tei,
    /// llama.cpp server: `{error:{code:<int>, message, type}}`.
    LlamaCpp,
    /// vLLM (classic): `{object:"error", message, type, param, code:<int>}`.
    Vllm,
}

/// One misbehaviour, applied to the next request that arrives.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429, with this `retry-after` header value when given.
    RateLimit { retry_after: Option<&'static str> },
    /// This status (500, 502, 503…) with a server-error body.
    Status(u16),
    /// Sleep this long, then answer normally.
    Delay(Duration),
    /// 200 with a body that is not JSON.
    MalformedJson,
    /// 200 whose body breaks off half-way (the connection is cut).
    Truncated,
    /// 401, JSON in the server's shape or plain text.
    Unauthorized { json: bool },
    /// The server's context-length error, whatever the input.
    ContextLength,
    /// Vectors one value longer than asked.
    WrongDimension,
    /// First vector holds a NaN (visible only in base64 answers).
    NanVector,
    /// First vector is all zeros.
    ZeroVector,
    /// One `data` item fewer than inputs.
    MissingItem,
}

/// How the fake behaves.
#[derive(Debug, Clone)]
pub struct Options {
    pub kind: ServerKind,
    /// Dimension for models other than OpenAI's three.
    pub default_dim: usize,
    /// Extra model ids the OpenAI kind accepts (with `default_dim`).
    pub extra_models: Vec<String>,
    /// Required key (`Authorization: Bearer` or Azure `api-key`); `None` = open server.
    pub api_key: Option<String>,
    /// Added to every request.
    pub latency: Duration,
    /// Answer `data` in a shuffled order.
    pub shuffle: bool,
    /// Tokens per input before a context-length error.
    pub context_limit: usize,
    /// Inputs per request (TEI's `--max-client-batch-size`).
    pub batch_cap: Option<usize>,
    /// Ignore `dimensions` (LM Studio does).
    pub ignore_dimensions: bool,
    /// Refuse `encoding_format: "base64"` with a 400 (some older servers do).
    pub reject_base64: bool,
}

impl Options {
    /// Defaults of one server kind.
    pub fn of(kind: ServerKind) -> Self {
        Self {
            kind,
            default_dim: 16,
            extra_models: vec!["tiny-embed".into()],
            api_key: None,
            latency: Duration::ZERO,
            shuffle: false,
            context_limit: match kind {
                ServerKind::OpenAi => 8192,
                ServerKind::Tei | ServerKind::Vllm => 512,
                ServerKind::Ollama | ServerKind::LlamaCpp => 2048,
            },
            batch_cap: match kind {
                ServerKind::Tei => Some(32),
                _ => None,
            },
            ignore_dimensions: false,
            reject_base64: false,
        }
    }
}

/// One request as received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    /// The body as JSON (`Value::Null` when it was not JSON).
    pub body: Value,
    pub at: Instant,
}

/// What a poisoned input does, every time it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Poison {
    /// The whole request fails with HTTP 500 `json: unsupported value: NaN` (Ollama's
    /// answer when the model yields NaN for a text).
    Status500,
    /// That input's vector holds a NaN (visible in base64 answers).
    NanVector,
}

/// A rule that picks a fault from a request's body and how many times that exact body
/// arrived before (0 the first time): see [`FakeOpenAi::fault_by_content`].
pub type ContentFaults = Box<dyn FnMut(&Value, usize) -> Option<Fault> + Send>;

struct Inner {
    opts: Options,
    faults: Mutex<VecDeque<Fault>>,
    /// Faults chosen by what a request carries, and how often each body arrived.
    content_faults: Mutex<Option<ContentFaults>>,
    arrivals: Mutex<std::collections::HashMap<u64, usize>>,
    /// Faults served (queued and content-chosen alike).
    served: std::sync::atomic::AtomicUsize,
    log: Mutex<Vec<Recorded>>,
    /// Poisoned inputs by their `cl100k_base` token ids.
    poisoned: Mutex<Vec<(Vec<u32>, Poison)>>,
}

/// A running fake server (stops with the test's runtime).
pub struct FakeOpenAi {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeOpenAi {
    /// Start on 127.0.0.1 with a free port.
    pub async fn start(opts: Options) -> Self {
        let inner = Arc::new(Inner {
            opts,
            faults: Mutex::new(VecDeque::new()),
            content_faults: Mutex::new(None),
            arrivals: Mutex::new(Default::default()),
            served: Default::default(),
            log: Mutex::new(Vec::new()),
            poisoned: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, inner }
    }

    /// `http://127.0.0.1:PORT/v1` (what `openai_base_url` would be).
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT` (Azure-style base).
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queue faults; each applies to one request, in order.
    pub fn push_faults(&self, faults: impl IntoIterator<Item = Fault>) {
        self.inner.faults.lock().unwrap().extend(faults);
    }

    /// Choose faults by what a request carries instead of by when it arrives: `rule`
    /// sees each request's body and how many times that exact body came before, and may
    /// answer it with a fault. Which request meets which fault then does not depend on
    /// how concurrent requests interleave (the queue of [`Self::push_faults`] does), so
    /// a test built on it is deterministic. Queued faults are taken first.
    pub fn fault_by_content(
        &self,
        rule: impl FnMut(&Value, usize) -> Option<Fault> + Send + 'static,
    ) {
        *self.inner.content_faults.lock().unwrap() = Some(Box::new(rule));
    }

    /// How many injected faults (queued or content-chosen) answered requests.
    pub fn faults_served(&self) -> usize {
        self.inner.served.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Poison an input text: every request carrying it gets `poison`.
    pub fn poison(&self, text: &str, poison: Poison) {
        self.inner
            .poisoned
            .lock()
            .unwrap()
            .push((cl100k(text), poison));
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.log.lock().unwrap().clone()
    }

    /// How many requests arrived.
    pub fn request_count(&self) -> usize {
        self.inner.log.lock().unwrap().len()
    }

    /// Forget recorded requests.
    pub fn reset_log(&self) {
        self.inner.log.lock().unwrap().clear();
    }
}

/// The fake's vector for token ids: unit length, pseudo-random, seeded by the ids.
pub fn vector_for_tokens(tokens: &[u32], dim: usize) -> Vec<f32> {
    let mut seed = 0xcbf2_9ce4_8422_2325u64;
    for t in tokens {
        for b in t.to_le_bytes() {
            seed = (seed ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let v: Vec<f64> = (0..dim).map(|_| rng.f64() * 2.0 - 1.0).collect();
    let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
    v.iter().map(|x| (x / norm) as f32).collect()
}

/// Whether a request body's `input` carries `text` (as the string or its `cl100k_base`
/// token ids).
pub fn body_carries(body: &Value, text: &str) -> bool {
    let tokens: Vec<Value> = cl100k(text).into_iter().map(Value::from).collect();
    let one = |v: &Value| v.as_str() == Some(text) || v.as_array() == Some(&tokens);
    match &body["input"] {
        Value::Array(items) if items.iter().all(Value::is_number) => one(&body["input"]),
        Value::Array(items) => items.iter().any(one),
        other => one(other),
    }
}

/// The fake's vector for a string (its `cl100k_base` ids).
pub fn vector_for_text(text: &str, dim: usize) -> Vec<f32> {
    vector_for_tokens(&cl100k(text), dim)
}

fn cl100k(text: &str) -> Vec<u32> {
    tiktoken_rs::cl100k_base_singleton().encode_ordinary(text)
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let parsed: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner.log.lock().unwrap().push(Recorded {
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers.clone(),
        body: parsed.clone(),
        at: Instant::now(),
    });
    let opts = &inner.opts;
    if !opts.latency.is_zero() {
        tokio::time::sleep(opts.latency).await;
    }
    let fault = inner.faults.lock().unwrap().pop_front().or_else(|| {
        use std::hash::{Hash, Hasher};
        let mut rule = inner.content_faults.lock().unwrap();
        let rule = rule.as_mut()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (uri.path(), &body[..]).hash(&mut h);
        let mut arrivals = inner.arrivals.lock().unwrap();
        let n = arrivals.entry(h.finish()).or_default();
        let arrival = *n;
        *n += 1;
        drop(arrivals);
        rule(&parsed, arrival)
    });
    if fault.is_some() {
        inner
            .served
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let kind = opts.kind;
    if let Some(Fault::Delay(d)) = &fault {
        tokio::time::sleep(*d).await;
    }

    // Authentication first, as real servers do.
    let azure = uri.path().starts_with("/openai/deployments/");
    if let Some(want) = &opts.api_key {
        let given = if azure {
            headers
                .get("api-key")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        } else {
            headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::to_string)
        };
        if given.as_deref() != Some(want.as_str()) {
            // Echo the key in full, like a careless server: the client must scrub it.
            let msg = format!(
                "Incorrect API key provided: {}.",
                given.as_deref().unwrap_or("(none)")
            );
            return error(
                kind,
                401,
                &msg,
                "invalid_request_error",
                Some("invalid_api_key"),
            );
        }
    }
    match &fault {
        Some(Fault::Unauthorized { json: false }) => {
            return (StatusCode::UNAUTHORIZED, "Unauthorized\n").into_response();
        }
        Some(Fault::Unauthorized { json: true }) => {
            return error(
                kind,
                401,
                "Invalid API Key",
                "authentication_error",
                Some("invalid_api_key"),
            );
        }
        Some(Fault::RateLimit { retry_after }) => {
            let mut r = error(
                kind,
                429,
                "Rate limit reached for requests. Please try again later.",
                "requests",
                Some("rate_limit_exceeded"),
            );
            if let Some(v) = retry_after {
                r.headers_mut()
                    .insert("retry-after", HeaderValue::from_static(v));
            }
            return r;
        }
        Some(Fault::Status(code)) => {
            return error(
                kind,
                *code,
                "The server had an error while processing your request.",
                "server_error",
                None,
            );
        }
        Some(Fault::ContextLength) => {
            return context_error(kind, opts.context_limit, opts.context_limit + 100);
        }
        _ => {}
    }

    if method != Method::POST
        || !(uri.path() == "/v1/embeddings" || azure && uri.path().ends_with("/embeddings"))
    {
        return error(
            kind,
            404,
            &format!("Unknown route {} {}", method, uri.path()),
            "invalid_request_error",
            None,
        );
    }
    let req = match validate(kind, &parsed) {
        Ok(r) => r,
        Err(resp) => return *resp,
    };

    // Model and dimension.
    let known = match req.model.as_str() {
        "text-embedding-3-large" => Some(3072),
        "text-embedding-3-small" | "text-embedding-ada-002" => Some(1536),
        _ => None,
    };
    let mut dim = match (kind, known) {
        (_, Some(d)) => d,
        (ServerKind::OpenAi, None) if !opts.extra_models.contains(&req.model) => {
            return error(
                kind,
                404,
                &format!(
                    "The model `{}` does not exist or you do not have access to it.",
                    req.model
                ),
                "invalid_request_error",
                Some("model_not_found"),
            );
        }
        (ServerKind::Ollama, None) if req.model == "missing-model" => {
            return error(
                kind,
                404,
                &format!("model \"{}\" not found, try pulling it first", req.model),
                "api_error",
                None,
            );
        }
        _ => opts.default_dim,
    };
    if let Some(d) = req.dimensions {
        if kind == ServerKind::OpenAi && req.model == "text-embedding-ada-002" {
            return error(
                kind,
                400,
                "This model does not support specifying dimensions.",
                "invalid_request_error",
                None,
            );
        }
        if !opts.ignore_dimensions {
            dim = d;
        }
    }

    // Quirks and limits.
    let inputs = req.inputs;
    if kind == ServerKind::Ollama && req.token_input {
        return error(
            kind,
            400,
            "invalid input type",
            "invalid_request_error",
            None,
        );
    }
    if opts.reject_base64 && req.encoding_format.as_deref() == Some("base64") {
        return error(
            kind,
            400,
            "encoding_format base64 is not supported, use float",
            "invalid_request_error",
            None,
        );
    }
    if let Some(cap) = opts.batch_cap
        && inputs.len() > cap
    {
        return error(
            kind,
            422,
            &format!(
                "batch size {} > maximum allowed batch size {cap}",
                inputs.len()
            ),
            "validation",
            None,
        );
    }
    let total: usize = inputs.iter().map(Vec::len).sum();
    if kind == ServerKind::OpenAi && total > 300_000 {
        return error(
            kind,
            400,
            &format!("Requested {total} tokens, max 300000 tokens per request"),
            "max_tokens_per_request",
            None,
        );
    }
    if let Some(longest) = inputs.iter().map(Vec::len).max()
        && longest > opts.context_limit
    {
        return context_error(kind, opts.context_limit, longest);
    }

    // Poisoned inputs.
    let poisoned = inner.poisoned.lock().unwrap().clone();
    let poison_of = |t: &Vec<u32>| poisoned.iter().find(|(p, _)| p == t).map(|(_, k)| *k);
    if inputs
        .iter()
        .any(|t| poison_of(t) == Some(Poison::Status500))
    {
        return error(kind, 500, "json: unsupported value: NaN", "api_error", None);
    }

    // Vectors.
    let mut vectors: Vec<Vec<f32>> = inputs.iter().map(|t| vector_for_tokens(t, dim)).collect();
    for (v, t) in vectors.iter_mut().zip(&inputs) {
        if poison_of(t) == Some(Poison::NanVector) {
            v[0] = f32::NAN;
        }
    }
    match fault {
        Some(Fault::WrongDimension) => vectors.iter_mut().for_each(|v| v.push(0.5)),
        Some(Fault::NanVector) => vectors[0][0] = f32::NAN,
        Some(Fault::ZeroVector) => vectors[0].iter_mut().for_each(|x| *x = 0.0),
        _ => {}
    }
    let base64 = req.encoding_format.as_deref() == Some("base64") && kind != ServerKind::Ollama;
    let mut data: Vec<Value> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let embedding = if base64 {
                let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            } else {
                json!(v)
            };
            json!({"object": "embedding", "index": i, "embedding": embedding})
        })
        .collect();
    if matches!(fault, Some(Fault::MissingItem)) {
        data.pop();
    }
    if opts.shuffle {
        let n = inner.log.lock().unwrap().len() as u64;
        fastrand::Rng::with_seed(n).shuffle(&mut data);
    }
    let body = json!({
        "object": "list",
        "data": data,
        "model": req.model,
        "usage": {"prompt_tokens": total, "total_tokens": total},
    })
    .to_string();
    match fault {
        Some(Fault::MalformedJson) => json_response(
            200,
            "{\"object\": \"list\", \"data\": [{\"index\": 0, \"embedding\": [0.1,".to_string(),
        ),
        Some(Fault::Truncated) => {
            let half = Bytes::from(body.as_bytes()[..body.len() / 2].to_vec());
            // Send the head and half the body, pause so they leave, then cut.
            use futures::StreamExt;
            let first = futures::stream::once(async move { Ok::<_, std::io::Error>(half) });
            let cut = futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::other("connection cut by the fake"))
            });
            let mut r = Response::new(Body::from_stream(first.chain(cut)));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        _ => json_response(200, body),
    }
}

/// A validated request: token ids of each input.
struct Valid {
    model: String,
    inputs: Vec<Vec<u32>>,
    token_input: bool,
    encoding_format: Option<String>,
    dimensions: Option<usize>,
}

/// Check the body against `CreateEmbeddingRequest` (additionalProperties: false).
fn validate(kind: ServerKind, body: &Value) -> Result<Valid, Box<Response>> {
    let (status, typ) = match kind {
        ServerKind::Tei => (422, "validation"),
        _ => (400, "invalid_request_error"),
    };
    let bad = |msg: &str| Box::new(error(kind, status, msg, typ, None));
    let Some(obj) = body.as_object() else {
        return Err(bad("We could not parse the JSON body of your request."));
    };
    for k in obj.keys() {
        if !["model", "input", "encoding_format", "dimensions", "user"].contains(&k.as_str()) {
            return Err(bad(&format!(
                "Additional properties are not allowed ('{k}' was unexpected)"
            )));
        }
    }
    let model = match obj.get("model") {
        Some(Value::String(m)) if !m.is_empty() => m.clone(),
        Some(_) => return Err(bad("'$.model' is invalid: expected a string")),
        None => return Err(bad("you must provide a model parameter")),
    };
    let encoding_format = match obj.get("encoding_format") {
        None => None,
        Some(Value::String(f)) if f == "float" || f == "base64" => Some(f.clone()),
        Some(other) => {
            return Err(bad(&format!(
                "'{other}' is not one of ['float', 'base64'] - 'encoding_format'"
            )));
        }
    };
    let dimensions = match obj.get("dimensions") {
        None => None,
        Some(v) => match v.as_u64() {
            Some(d) if d >= 1 => Some(d as usize),
            _ => return Err(bad("'$.dimensions' must be an integer >= 1")),
        },
    };
    if obj.get("user").is_some_and(|u| !u.is_string()) {
        return Err(bad("'$.user' must be a string"));
    }
    let invalid_input = || bad("'$.input' is invalid. Please check the API reference.");
    let ids = |v: &Value| -> Option<Vec<u32>> {
        v.as_array()?
            .iter()
            .map(|t| t.as_u64().and_then(|t| u32::try_from(t).ok()))
            .collect()
    };
    let (inputs, token_input) = match obj.get("input") {
        None => return Err(bad("you must provide an input parameter")),
        Some(Value::String(s)) if !s.is_empty() => (vec![cl100k(s)], false),
        Some(Value::Array(items)) if !items.is_empty() && items.len() <= 2048 => {
            if items
                .iter()
                .all(|i| i.as_str().is_some_and(|s| !s.is_empty()))
            {
                (
                    items.iter().filter_map(Value::as_str).map(cl100k).collect(),
                    false,
                )
            } else if items.iter().all(Value::is_u64) {
                (
                    vec![ids(&Value::Array(items.clone())).ok_or_else(invalid_input)?],
                    true,
                )
            } else if items
                .iter()
                .all(|i| i.as_array().is_some_and(|a| !a.is_empty()))
            {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(ids(i).ok_or_else(invalid_input)?);
                }
                (out, true)
            } else {
                return Err(invalid_input());
            }
        }
        Some(_) => return Err(invalid_input()),
    };
    Ok(Valid {
        model,
        inputs,
        token_input,
        encoding_format,
        dimensions,
    })
}

fn context_error(kind: ServerKind, limit: usize, given: usize) -> Response {
    match kind {
        ServerKind::OpenAi => error(
            kind,
            400,
            &format!(
                "This model's maximum context length is {limit} tokens, however you requested \
                 {given} tokens ({given} in your prompt; 0 for the completion). Please reduce \
                 your prompt; or completion length."
            ),
            "invalid_request_error",
            None,
        ),
        ServerKind::Tei => error(
            kind,
            413,
            &format!(
                "Input validation error: `inputs` must have less than {limit} tokens. Given: {given}"
            ),
            "validation",
            None,
        ),
        ServerKind::Vllm => error(
            kind,
            400,
            &format!(
                "This model's maximum context length is {limit} tokens. However, you requested \
                 {given} tokens in the input for embedding generation. Please reduce the length \
                 of the input."
            ),
            "BadRequestError",
            None,
        ),
        ServerKind::LlamaCpp => error(
            kind,
            400,
            &format!(
                "input ({given} tokens) is larger than the max context size ({limit} tokens). skipping"
            ),
            "invalid_request_error",
            None,
        ),
        ServerKind::Ollama => error(
            kind,
            400,
            "the input length exceeds the context length",
            "invalid_request_error",
            None,
        ),
    }
}

/// An error in the server kind's own shape.
fn error(kind: ServerKind, status: u16, message: &str, typ: &str, code: Option<&str>) -> Response {
    let body = match kind {
        ServerKind::OpenAi | ServerKind::Ollama => {
            json!({"error": {"message": message, "type": typ, "param": null, "code": code}})
        }
        ServerKind::LlamaCpp => json!({"error": {"code": status, "message": message, "type": typ}}),
        ServerKind::Vllm => {
            json!({"object": "error", "message": message, "type": typ, "param": null, "code": status})
        }
        ServerKind::Tei => json!({"error": message, "error_type": typ}),
    };
    json_response(status, body.to_string())
}

fn json_response(status: u16, body: String) -> Response {
    let mut r = Response::new(Body::from(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
