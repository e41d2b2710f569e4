//! An in-process Pinecone emulator for tests (127.0.0.1, random port) with Pinecone's
//! semantics: namespaces, upsert / fetch / query (cosine) / list (prefix, pagination) /
//! delete / update / describe_index_stats, the control-plane describe-index, memlens's own
//! filter evaluator, the 1000-vector and 2 MiB request limits, required headers, Pinecone's
//! three error shapes, fault injection and request recording.
//!
//! ```ignore
//! let emu = PineconeEmulator::start(3072).await;
//! let store = PineconeStore::connect(emu.config()).await?;
//! emu.inject(Fault::status(429).retry_after("0").times(2));
//! assert_eq!(emu.requests().len(), 3);
//! ```
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use memlens::config::Secret;
use memlens::http::RetryPolicy;
use memlens::store::pinecone::PineconeConfig;
use memlens::store::{Filter, MetaValue, Metadata};
use serde_json::{Map, Value, json};

/// The key the emulator accepts.
pub const API_KEY: &str = "pc-emulator-key-0123456789";
/// The index name the control plane knows.
pub const INDEX_NAME: &str = "emulated-index";
/// Pinecone's request size limit.
pub const MAX_REQUEST_BYTES: usize = 2 * 1024 * 1024;
/// Pinecone's upsert count limit.
pub const MAX_UPSERT: usize = 1000;

/// One request as the emulator saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// Raw query string (without `?`).
    pub query: String,
    /// Header names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub body: String,
}

impl RecordedRequest {
    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    /// Decoded query pairs, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }

    /// A header value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

/// A fault to inject: answer a request with a status (and optional `Retry-After`), or
/// only delay it. Applies to requests whose path starts with `path` (any path when
/// `None`), `times` times.
#[derive(Debug, Clone)]
pub struct Fault {
    pub path: Option<String>,
    /// `None`: do not answer instead, only delay.
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    pub body: Option<String>,
    pub delay: Duration,
    pub times: usize,
}

impl Fault {
    /// Answer with this status (body in the data-plane error shape).
    pub fn status(status: u16) -> Self {
        Self {
            path: None,
            status: Some(status),
            retry_after: None,
            body: None,
            delay: Duration::ZERO,
            times: 1,
        }
    }

    /// Delay the request, then handle it normally.
    pub fn delay(delay: Duration) -> Self {
        Self {
            status: None,
            delay,
            ..Self::status(0)
        }
    }

    /// Only for paths starting with `path` (e.g. `/vectors/upsert`).
    pub fn on(mut self, path: &str) -> Self {
        self.path = Some(path.to_string());
        self
    }

    /// Send `Retry-After` with this value.
    pub fn retry_after(mut self, value: &str) -> Self {
        self.retry_after = Some(value.to_string());
        self
    }

    /// Use this body instead of the default.
    pub fn body(mut self, body: &str) -> Self {
        self.body = Some(body.to_string());
        self
    }

    /// Apply this many times (default 1).
    pub fn times(mut self, n: usize) -> Self {
        self.times = n;
        self
    }

    /// Also wait this long before answering.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A stored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVector {
    pub values: Vec<f32>,
    pub metadata: Metadata,
}

struct EmuState {
    dimension: usize,
    metric: String,
    port: u16,
    namespaces: BTreeMap<String, BTreeMap<String, StoredVector>>,
    faults: VecDeque<Fault>,
    /// Faults chosen by what a request carries (see [`PineconeEmulator::fault_by_content`]).
    content_faults: Option<ContentFaults>,
    /// How often each request content (hash of method, path, query and body) arrived.
    arrivals: std::collections::HashMap<u64, usize>,
    /// Faults served, by path (queued and content-chosen alike).
    served: BTreeMap<String, usize>,
    requests: Vec<RecordedRequest>,
    /// Record ids whose upsert is refused with a 400 (the whole request fails, as
    /// Pinecone does).
    poisoned: std::collections::BTreeSet<String>,
}

/// What a content-fault rule sees of one request.
#[derive(Debug, Clone, Copy)]
pub struct Arrival<'a> {
    pub path: &'a str,
    /// The raw query string (GET) or the body (POST).
    pub content: &'a str,
    /// 0 the first time this exact request (method, path, query, body) arrives, 1 the
    /// second time (a retry), …
    pub n: usize,
}

/// A rule that picks a fault from what a request carries (see
/// [`PineconeEmulator::fault_by_content`]).
pub type ContentFaults = Box<dyn FnMut(Arrival<'_>) -> Option<Fault> + Send>;

/// A running emulator; stops when dropped.
pub struct PineconeEmulator {
    addr: SocketAddr,
    state: Arc<Mutex<EmuState>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl PineconeEmulator {
    /// Start an emulated cosine index of this dimension on 127.0.0.1.
    pub async fn start(dimension: usize) -> Self {
        Self::start_with_metric(dimension, "cosine").await
    }

    /// Start with another metric (`dotproduct`, `euclidean`).
    pub async fn start_with_metric(dimension: usize, metric: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(Mutex::new(EmuState {
            dimension,
            metric: metric.to_string(),
            port: addr.port(),
            namespaces: BTreeMap::new(),
            faults: VecDeque::new(),
            content_faults: None,
            arrivals: Default::default(),
            served: BTreeMap::new(),
            requests: Vec::new(),
            poisoned: Default::default(),
        }));
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Self {
            addr,
            state,
            shutdown: Some(tx),
        }
    }

    /// Base URL, `http://127.0.0.1:PORT` (data plane and control plane alike).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Bare host, `127.0.0.1:PORT`, as the control plane reports it.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> Secret {
        Secret::new(API_KEY)
    }

    /// A client config pointing at this emulator's data plane, with fast retries.
    pub fn config(&self) -> PineconeConfig {
        let mut c = PineconeConfig::for_host(self.api_key(), self.url());
        c.retry = fast_retry();
        c.controller = self.url();
        c
    }

    /// A client config that resolves the index by name through the control plane.
    pub fn config_by_name(&self) -> PineconeConfig {
        let mut c = self.config();
        c.index_host = None;
        c.index_name = Some(INDEX_NAME.to_string());
        c
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests to one path.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Forget recorded requests.
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Queue a fault.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    /// Choose faults by what a request carries instead of by when it arrives: `rule`
    /// sees each request (path, content, and how many times this exact request came
    /// before) and may answer it with a fault. Unlike [`Self::inject`]'s queue, which
    /// request meets which fault does not depend on how concurrent requests interleave,
    /// so a test built on it is deterministic. Queued faults are taken first.
    pub fn fault_by_content(
        &self,
        rule: impl FnMut(Arrival<'_>) -> Option<Fault> + Send + 'static,
    ) {
        self.lock().content_faults = Some(Box::new(rule));
    }

    /// How many injected faults (queued or content-chosen) answered requests to `path`.
    pub fn faults_served(&self, path: &str) -> usize {
        self.lock().served.get(path).copied().unwrap_or(0)
    }

    /// Refuse every upsert request that carries one of these record ids with a 400
    /// naming the record, as Pinecone does for a record it cannot take.
    pub fn poison(&self, ids: impl IntoIterator<Item = String>) {
        self.lock().poisoned.extend(ids);
    }

    /// Accept every record's upsert again.
    pub fn unpoison(&self) {
        self.lock().poisoned.clear();
    }

    /// How many requests went to one path.
    pub fn count_to(&self, path: &str) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.path == path)
            .count()
    }

    /// Drop faults not yet used up.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Put records directly (no request).
    pub fn seed(&self, namespace: &str, records: impl IntoIterator<Item = (String, StoredVector)>) {
        self.lock()
            .namespaces
            .entry(namespace.to_string())
            .or_default()
            .extend(records);
    }

    /// The records of a namespace.
    pub fn records(&self, namespace: &str) -> BTreeMap<String, StoredVector> {
        self.lock()
            .namespaces
            .get(namespace)
            .cloned()
            .unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, EmuState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for PineconeEmulator {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// Retries fast enough for tests.
pub fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

/// Query pairs decoded as Pinecone decodes them (RFC 3986): `%XX` is the byte XX and
/// `+` stays a plus — not the form decoding, where `+` is a space.
fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Data-plane error: `{code, message, details}` with a gRPC code.
fn data_error(status: StatusCode, message: &str) -> Response {
    let code = match status.as_u16() {
        400 | 413 => 3,
        404 => 5,
        429 => 8,
        500 => 13,
        503 => 14,
        _ => 2,
    };
    (
        status,
        [("content-type", "application/json")],
        json!({"code": code, "message": message, "details": []}).to_string(),
    )
        .into_response()
}

/// Control-plane error: `{error: {code, message}, status}`.
fn control_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        [("content-type", "application/json")],
        json!({"error": {"code": code, "message": message}, "status": status.as_u16()}).to_string(),
    )
        .into_response()
}

fn ok(body: Value) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// A refused request: status and message (sent in the data-plane error shape).
struct Fail(StatusCode, String);

type Reply = Result<Value, Fail>;

fn bad(message: impl AsRef<str>) -> Fail {
    Fail(StatusCode::BAD_REQUEST, message.as_ref().to_string())
}

async fn handle(
    State(state): State<Arc<Mutex<EmuState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or("").to_string();
    let fault = {
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        s.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: query.clone(),
            headers: headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_ascii_lowercase(),
                        v.to_str().unwrap_or("").to_string(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        let fault = take_fault(&mut s.faults, &path)
            .or_else(|| content_fault(&mut s, &method, &path, &query, &body));
        if fault.is_some() {
            *s.served.entry(path.clone()).or_default() += 1;
        }
        fault
    };
    if let Some(f) = fault {
        if !f.delay.is_zero() {
            tokio::time::sleep(f.delay).await;
        }
        if let Some(code) = f.status {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut resp = match f.body {
                Some(b) => (status, b).into_response(),
                None => data_error(status, &format!("injected fault {code}")),
            };
            if let Some(ra) = f.retry_after
                && let Ok(v) = ra.parse()
            {
                resp.headers_mut().insert("retry-after", v);
            }
            return resp;
        }
    }
    let control = path.starts_with("/indexes");
    let key_ok = headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == API_KEY);
    if !key_ok {
        return if control {
            control_error(
                StatusCode::UNAUTHORIZED,
                "UNAUTHENTICATED",
                "Invalid API Key",
            )
        } else {
            (StatusCode::UNAUTHORIZED, "Invalid API Key").into_response()
        };
    }
    if headers.get("x-pinecone-api-version").is_none() {
        return data_error(
            StatusCode::BAD_REQUEST,
            "Missing required header X-Pinecone-Api-Version",
        );
    }
    if body.len() > MAX_REQUEST_BYTES {
        return data_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Request size {} bytes exceeds the maximum supported size of {MAX_REQUEST_BYTES} bytes",
                body.len()
            ),
        );
    }
    let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
    let result = match (method.as_str(), path.as_str()) {
        ("GET", p) if p.starts_with("/indexes/") => {
            let name = &p["/indexes/".len()..];
            if name != INDEX_NAME {
                return control_error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    &format!("Resource {name} not found"),
                );
            }
            Ok(json!({
                "name": INDEX_NAME,
                "dimension": s.dimension,
                "metric": s.metric,
                "host": format!("127.0.0.1:{}", s.port),
                "deletion_protection": "disabled",
                "spec": {"serverless": {"cloud": "aws", "region": "us-east-1"}},
                "status": {"ready": true, "state": "Ready"},
                "vector_type": "dense",
            }))
        }
        ("POST", "/vectors/upsert") => json_body(&body).and_then(|b| upsert(&mut s, b)),
        ("GET", "/vectors/fetch") => fetch(&s, &parse_query(&query)),
        ("POST", "/query") => json_body(&body).and_then(|b| query_op(&s, b)),
        ("GET", "/vectors/list") => list(&s, &parse_query(&query)),
        ("POST", "/vectors/delete") => json_body(&body).and_then(|b| delete(&mut s, b)),
        ("POST", "/vectors/update") => json_body(&body).and_then(|b| update(&mut s, b)),
        ("POST", "/describe_index_stats") => json_body(&body).map(|_| stats(&s)),
        _ => {
            return (StatusCode::NOT_FOUND, format!("no route {method} {path}")).into_response();
        }
    };
    match result {
        Ok(v) => ok(v),
        Err(Fail(status, message)) => data_error(status, &message),
    }
}

/// The content rule's fault for this request, if a rule is set.
fn content_fault(
    s: &mut EmuState,
    method: &Method,
    path: &str,
    query: &str,
    body: &[u8],
) -> Option<Fault> {
    use std::hash::{Hash, Hasher};
    let rule = s.content_faults.as_mut()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (method.as_str(), path, query, body).hash(&mut h);
    let n = s.arrivals.entry(h.finish()).or_default();
    let arrival = *n;
    *n += 1;
    let content = if body.is_empty() {
        query.to_string()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    rule(Arrival {
        path,
        content: &content,
        n: arrival,
    })
    .filter(|f| f.path.as_deref().is_none_or(|p| path.starts_with(p)))
}

fn take_fault(faults: &mut VecDeque<Fault>, path: &str) -> Option<Fault> {
    let i = faults
        .iter()
        .position(|f| f.path.as_deref().is_none_or(|p| path.starts_with(p)))?;
    let f = faults.get_mut(i)?;
    let out = f.clone();
    f.times = f.times.saturating_sub(1);
    if f.times == 0 {
        faults.remove(i);
    }
    Some(out)
}

fn json_body(body: &[u8]) -> Result<Map<String, Value>, Fail> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad("Request body must be a JSON object")),
        Err(e) => Err(bad(format!("Invalid request body: {e}"))),
    }
}

fn only_fields(obj: &Map<String, Value>, allowed: &[&str], what: &str) -> Result<(), Fail> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(bad(format!(
            "Invalid request: unknown field \"{k}\" in {what}"
        ))),
        None => Ok(()),
    }
}

fn namespace_of(obj: &Map<String, Value>) -> Result<String, Fail> {
    match obj.get("namespace") {
        None => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(bad("namespace must be a string")),
    }
}

fn values_of(v: &Value, dimension: usize) -> Result<Vec<f32>, Fail> {
    let Value::Array(items) = v else {
        return Err(bad("values must be a list of numbers"));
    };
    let values = items
        .iter()
        .map(|x| x.as_f64().map(|f| f as f32))
        .collect::<Option<Vec<f32>>>()
        .ok_or_else(|| bad("values must be a list of numbers"))?;
    if values.len() != dimension {
        return Err(bad(format!(
            "Vector dimension {} does not match the dimension of the index {dimension}",
            values.len()
        )));
    }
    if values.iter().all(|x| *x == 0.0) {
        return Err(bad(
            "Dense vectors must contain at least one non-zero value",
        ));
    }
    Ok(values)
}

fn metadata_of(v: &Value, field: &str) -> Result<Metadata, Fail> {
    let Value::Object(obj) = v else {
        return Err(bad(format!("{field} must be an object")));
    };
    let mut out = Metadata::new();
    for (k, val) in obj {
        let mv = match val {
            Value::String(s) => MetaValue::String(s.clone()),
            Value::Bool(b) => MetaValue::Bool(*b),
            Value::Number(n) => MetaValue::Number(n.as_f64().unwrap_or(0.0)),
            Value::Array(items) if items.iter().all(Value::is_string) => MetaValue::List(
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_string))
                    .collect(),
            ),
            other => {
                return Err(bad(format!(
                    "Metadata value must be a string, number, boolean or list of strings, got '{other}' for field '{k}'"
                )));
            }
        };
        out.insert(k.clone(), mv);
    }
    if serde_json::to_vec(obj).map_or(0, |b| b.len()) > 40 * 1024 {
        return Err(bad(
            "Metadata size exceeds the limit of 40960 bytes per vector",
        ));
    }
    Ok(out)
}

fn upsert(s: &mut EmuState, b: Map<String, Value>) -> Reply {
    only_fields(&b, &["vectors", "namespace"], "UpsertRequest")?;
    let ns = namespace_of(&b)?;
    let Some(Value::Array(vectors)) = b.get("vectors") else {
        return Err(bad("Invalid request: vectors is required"));
    };
    if vectors.is_empty() {
        return Err(bad("Invalid request: vectors must not be empty"));
    }
    if vectors.len() > MAX_UPSERT {
        return Err(bad(format!(
            "Batch size {} exceeds the maximum of {MAX_UPSERT} vectors per upsert",
            vectors.len()
        )));
    }
    let mut parsed = Vec::with_capacity(vectors.len());
    for v in vectors {
        let Value::Object(v) = v else {
            return Err(bad("each vector must be an object"));
        };
        only_fields(v, &["id", "values", "sparseValues", "metadata"], "Vector")?;
        let id = match v.get("id") {
            Some(Value::String(id)) if !id.is_empty() && id.len() <= 512 && id.is_ascii() => {
                id.clone()
            }
            _ => {
                return Err(bad(
                    "Vector id must be a non-empty ASCII string of at most 512 characters",
                ));
            }
        };
        let values = values_of(v.get("values").unwrap_or(&Value::Null), s.dimension)?;
        let metadata = match v.get("metadata") {
            Some(m) => metadata_of(m, "metadata")?,
            None => Metadata::new(),
        };
        if s.poisoned.contains(&id) {
            return Err(bad(format!(
                "Invalid request: metadata of vector {id} could not be processed"
            )));
        }
        parsed.push((id, StoredVector { values, metadata }));
    }
    let n = parsed.len();
    s.namespaces.entry(ns).or_default().extend(parsed);
    Ok(json!({"upsertedCount": n}))
}

fn fetch(s: &EmuState, q: &[(String, String)]) -> Reply {
    let ids: Vec<&str> = q
        .iter()
        .filter(|(k, _)| k == "ids")
        .map(|(_, v)| v.as_str())
        .collect();
    if ids.is_empty() {
        return Err(bad("Invalid request: ids is required"));
    }
    if ids.len() > 1000 {
        return Err(bad("Cannot fetch more than 1000 ids"));
    }
    let ns = q
        .iter()
        .find(|(k, _)| k == "namespace")
        .map_or("", |(_, v)| v.as_str());
    let mut vectors = Map::new();
    if let Some(records) = s.namespaces.get(ns) {
        for id in ids {
            if let Some(r) = records.get(id) {
                vectors.insert(id.to_string(), vector_json(id, r, true, true));
            }
        }
    }
    Ok(json!({"vectors": vectors, "namespace": ns, "usage": {"readUnits": 1}}))
}

fn vector_json(id: &str, r: &StoredVector, values: bool, metadata: bool) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert(
        "values".into(),
        if values { json!(r.values) } else { json!([]) },
    );
    if metadata && !r.metadata.is_empty() {
        o.insert("metadata".into(), json!(r.metadata));
    }
    Value::Object(o)
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f64 = a
        .iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum();
    let na: f64 = a.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    let nb: f64 = b.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    (dot / (na * nb)) as f32
}

fn query_op(s: &EmuState, b: Map<String, Value>) -> Reply {
    only_fields(
        &b,
        &[
            "namespace",
            "topK",
            "filter",
            "includeValues",
            "includeMetadata",
            "vector",
            "id",
            "sparseVector",
        ],
        "QueryRequest",
    )?;
    let ns = namespace_of(&b)?;
    let top_k = match b.get("topK").and_then(Value::as_u64) {
        Some(k) if (1..=10_000).contains(&k) => k as usize,
        Some(_) => return Err(bad("topK must be between 1 and 10000")),
        None => return Err(bad("Invalid request: topK is required")),
    };
    let flag = |k: &str| -> Result<bool, Fail> {
        match b.get(k) {
            None => Ok(false),
            Some(Value::Bool(v)) => Ok(*v),
            Some(_) => Err(bad(format!("{k} must be a boolean"))),
        }
    };
    let (include_values, include_metadata) = (flag("includeValues")?, flag("includeMetadata")?);
    let filter = match b.get("filter") {
        None => None,
        Some(f) => Some(Filter::from_json(f).map_err(|e| bad(format!("Invalid filter: {e}")))?),
    };
    let records = s.namespaces.get(&ns);
    let target: Vec<f32> = match (b.get("vector"), b.get("id")) {
        (Some(v), None) => values_of(v, s.dimension)?,
        (None, Some(Value::String(id))) => match records.and_then(|r| r.get(id)) {
            Some(r) => r.values.clone(),
            None => return Ok(json!({"matches": [], "namespace": ns})),
        },
        _ => return Err(bad("Exactly one of vector or id must be given")),
    };
    let mut scored: Vec<(f32, &String, &StoredVector)> = records
        .into_iter()
        .flatten()
        .filter(|(_, r)| filter.as_ref().is_none_or(|f| f.matches(&r.metadata)))
        .map(|(id, r)| (cosine(&target, &r.values), id, r))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    scored.truncate(top_k);
    let matches: Vec<Value> = scored
        .into_iter()
        .map(|(score, id, r)| {
            let mut v = vector_json(id, r, include_values, include_metadata);
            v["score"] = json!(score);
            v
        })
        .collect();
    Ok(json!({"matches": matches, "namespace": ns, "usage": {"readUnits": 6}}))
}

fn list(s: &EmuState, q: &[(String, String)]) -> Reply {
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let ns = get("namespace").unwrap_or("");
    let prefix = get("prefix").unwrap_or("");
    let limit = match get("limit") {
        None => 100,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => return Err(bad("limit must be a positive integer")),
        },
    };
    let after = match get("paginationToken") {
        None => None,
        Some(t) => Some(
            STANDARD
                .decode(t)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| s.strip_prefix("after:").map(str::to_string))
                .ok_or_else(|| bad("Invalid pagination token"))?,
        ),
    };
    // Ids are kept sorted: start at the prefix (or after the token) and stop at the first
    // id past the prefix, so a page costs O(log n + limit) however large the namespace.
    use std::ops::Bound;
    let start = match &after {
        Some(a) if a.as_str() >= prefix => Bound::Excluded(a.clone()),
        _ => Bound::Included(prefix.to_string()),
    };
    let mut ids: Vec<&String> = s
        .namespaces
        .get(ns)
        .into_iter()
        .flat_map(|r| {
            r.range::<String, _>((start.clone(), Bound::Unbounded))
                .map(|(k, _)| k)
        })
        .take_while(|id| id.starts_with(prefix))
        .take(limit + 1)
        .collect();
    let more = ids.len() > limit;
    ids.truncate(limit);
    let mut out = json!({
        "vectors": ids.iter().map(|id| json!({"id": id})).collect::<Vec<_>>(),
        "namespace": ns,
        "usage": {"readUnits": 1},
    });
    if more && let Some(last) = ids.last() {
        out["pagination"] = json!({"next": STANDARD.encode(format!("after:{last}"))});
    }
    Ok(out)
}

fn delete(s: &mut EmuState, b: Map<String, Value>) -> Reply {
    only_fields(
        &b,
        &["ids", "deleteAll", "namespace", "filter"],
        "DeleteRequest",
    )?;
    let ns = namespace_of(&b)?;
    let delete_all = b.get("deleteAll").and_then(Value::as_bool).unwrap_or(false);
    let filter = match b.get("filter") {
        None => None,
        Some(f) => Some(Filter::from_json(f).map_err(|e| bad(format!("Invalid filter: {e}")))?),
    };
    let ids: Option<Vec<String>> = match b.get("ids") {
        None => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect::<Option<_>>()
                .ok_or_else(|| bad("ids must be strings"))?,
        ),
        Some(_) => return Err(bad("ids must be a list")),
    };
    if usize::from(delete_all) + usize::from(filter.is_some()) + usize::from(ids.is_some()) != 1 {
        return Err(bad("Exactly one of ids, deleteAll or filter must be given"));
    }
    if ids.as_ref().is_some_and(|i| i.len() > 1000) {
        return Err(bad("Cannot delete more than 1000 ids"));
    }
    if let Some(records) = s.namespaces.get_mut(&ns) {
        if delete_all {
            records.clear();
        } else if let Some(f) = filter {
            records.retain(|_, r| !f.matches(&r.metadata));
        } else {
            for id in ids.unwrap_or_default() {
                records.remove(&id);
            }
        }
        if records.is_empty() {
            s.namespaces.remove(&ns);
        }
    }
    Ok(json!({}))
}

fn update(s: &mut EmuState, b: Map<String, Value>) -> Reply {
    only_fields(
        &b,
        &[
            "id",
            "values",
            "sparseValues",
            "setMetadata",
            "namespace",
            "filter",
            "dryRun",
        ],
        "UpdateRequest",
    )?;
    let ns = namespace_of(&b)?;
    let Some(Value::String(id)) = b.get("id") else {
        return Err(bad("Invalid request: id is required"));
    };
    let values = match b.get("values") {
        Some(v) => Some(values_of(v, s.dimension)?),
        None => None,
    };
    let set = match b.get("setMetadata") {
        Some(m) => Some(metadata_of(m, "setMetadata")?),
        None => None,
    };
    if let Some(r) = s.namespaces.get_mut(&ns).and_then(|r| r.get_mut(id)) {
        if let Some(v) = values {
            r.values = v;
        }
        if let Some(m) = set {
            r.metadata.extend(m);
        }
    }
    Ok(json!({}))
}

fn stats(s: &EmuState) -> Value {
    let namespaces: Map<String, Value> = s
        .namespaces
        .iter()
        .map(|(ns, r)| (ns.clone(), json!({"vectorCount": r.len()})))
        .collect();
    let total: usize = s.namespaces.values().map(BTreeMap::len).sum();
    json!({
        "namespaces": namespaces,
        "dimension": s.dimension,
        "indexFullness": 0.0,
        "totalVectorCount": total,
        "metric": s.metric,
        "vectorType": "dense",
    })
}
