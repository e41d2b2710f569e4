//! Pinecone's JSON: data-plane bodies (camelCase), the control-plane index description
//! (snake_case), the three error shapes, and building upsert bodies within the size limit.

use std::collections::BTreeMap;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::store::{Filter, MetaValue, Metadata, Record, StoreError};

/// One vector as sent in an upsert.
#[derive(Debug, Serialize)]
pub struct VectorOut<'a> {
    pub id: &'a str,
    pub values: &'a [f32],
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub metadata: &'a Metadata,
}

/// One vector as Pinecone returns it.
#[derive(Debug, Deserialize)]
pub struct VectorIn {
    pub id: String,
    #[serde(default)]
    pub values: Vec<f32>,
    #[serde(default)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// `POST /query` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryRequest<'a> {
    pub namespace: &'a str,
    pub top_k: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filter: Option<&'a Filter>,
    pub include_values: bool,
    pub include_metadata: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<&'a [f32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<&'a str>,
}

/// `POST /query` answer.
#[derive(Debug, Deserialize)]
pub struct QueryResponse {
    #[serde(default)]
    pub matches: Vec<ScoredVector>,
}

/// One query match.
#[derive(Debug, Deserialize)]
pub struct ScoredVector {
    pub id: String,
    #[serde(default)]
    pub score: f32,
    #[serde(default)]
    pub values: Vec<f32>,
    #[serde(default)]
    pub metadata: Option<serde_json::Map<String, Value>>,
}

/// `GET /vectors/fetch` answer.
#[derive(Debug, Deserialize)]
pub struct FetchResponse {
    #[serde(default)]
    pub vectors: BTreeMap<String, VectorIn>,
}

/// `GET /vectors/list` answer.
#[derive(Debug, Deserialize)]
pub struct ListResponse {
    #[serde(default)]
    pub vectors: Vec<ListItem>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}

/// One listed id.
#[derive(Debug, Deserialize)]
pub struct ListItem {
    pub id: String,
}

/// Pagination of a list answer.
#[derive(Debug, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub next: Option<String>,
}

/// `POST /vectors/upsert` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpsertResponse {
    #[serde(default)]
    pub upserted_count: Option<u64>,
}

/// `POST /vectors/delete` body.
#[derive(Debug, Serialize)]
pub struct DeleteRequest<'a> {
    pub ids: &'a [String],
    pub namespace: &'a str,
}

/// `POST /vectors/update` body.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateRequest<'a> {
    pub id: &'a str,
    pub set_metadata: &'a Metadata,
    pub namespace: &'a str,
}

/// `POST /describe_index_stats` answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsResponse {
    #[serde(default)]
    pub namespaces: BTreeMap<String, NamespaceSummary>,
    #[serde(default)]
    pub dimension: Option<usize>,
    #[serde(default)]
    pub total_vector_count: Option<u64>,
    #[serde(default)]
    pub metric: Option<String>,
}

/// Vector count of one namespace.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceSummary {
    #[serde(default)]
    pub vector_count: u64,
}

/// Control plane `GET /indexes/{name}` answer (snake_case; only what memlens uses).
#[derive(Debug, Deserialize)]
pub struct IndexModel {
    #[serde(default)]
    pub name: Option<String>,
    pub host: String,
    #[serde(default)]
    pub dimension: Option<usize>,
    #[serde(default)]
    pub metric: Option<String>,
    #[serde(default)]
    pub status: Option<IndexStatus>,
}

/// Index readiness.
#[derive(Debug, Deserialize)]
pub struct IndexStatus {
    #[serde(default)]
    pub ready: Option<bool>,
    #[serde(default)]
    pub state: Option<String>,
}

/// Metadata as Pinecone returns it, kept as far as memlens's types allow: `null` and
/// nested objects (which Pinecone does not store) are dropped, list elements become text.
pub fn metadata_from_json(map: serde_json::Map<String, Value>) -> Metadata {
    map.into_iter()
        .filter_map(|(k, v)| {
            let value = match v {
                Value::Bool(b) => MetaValue::Bool(b),
                Value::Number(n) => MetaValue::Number(n.as_f64()?),
                Value::String(s) => MetaValue::String(s),
                Value::Array(items) => MetaValue::List(
                    items
                        .into_iter()
                        .map(|i| match i {
                            Value::String(s) => s,
                            other => other.to_string(),
                        })
                        .collect(),
                ),
                Value::Null | Value::Object(_) => {
                    tracing::debug!(key = k, "dropping a metadata value memlens cannot hold");
                    return None;
                }
            };
            Some((k, value))
        })
        .collect()
}

/// Split records into upsert bodies of at most `max_count` vectors and `max_bytes` bytes
/// (measured on the serialized JSON). Each body comes with its vector count.
pub fn upsert_bodies(
    namespace: &str,
    records: &[Record],
    max_count: usize,
    max_bytes: usize,
) -> Result<Vec<(usize, Vec<u8>)>, StoreError> {
    let head = b"{\"vectors\":[";
    let tail = format!(
        "],\"namespace\":{}}}",
        serde_json::to_string(namespace).map_err(encode_err)?
    );
    let overhead = head.len() + tail.len();
    let mut bodies = Vec::new();
    let mut body: Vec<u8> = head.to_vec();
    let mut count = 0usize;
    for r in records {
        let item = serde_json::to_vec(&VectorOut {
            id: &r.id,
            values: &r.values,
            metadata: &r.metadata,
        })
        .map_err(encode_err)?;
        if item.len() + overhead > max_bytes {
            return Err(StoreError::Invalid(format!(
                "vector {} alone is {} bytes of JSON, over Pinecone's request limit of {max_bytes}",
                r.id,
                item.len()
            )));
        }
        let comma = usize::from(count > 0);
        if count > 0
            && (count == max_count || body.len() + comma + item.len() + tail.len() > max_bytes)
        {
            body.extend_from_slice(tail.as_bytes());
            bodies.push((count, std::mem::replace(&mut body, head.to_vec())));
            count = 0;
        }
        if count > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&item);
        count += 1;
    }
    if count > 0 {
        body.extend_from_slice(tail.as_bytes());
        bodies.push((count, body));
    }
    Ok(bodies)
}

/// Upsert batches stay a little under Pinecone's 2 MiB so that "2 MB" read either way fits.
pub const UPSERT_BATCH_BYTES: usize = 2_000_000;

/// A query string (without `?`) with every name and value percent-encoded per RFC 3986
/// §2: the unreserved characters (`A–Z a–z 0–9 - . _ ~`) as they are, every other byte
/// of the UTF-8 text as `%XX` — a space is `%20`, never `+`. Pinecone decodes a query
/// this way (`+` stays a plus): the form encoding (`+` for a space) made an id with a
/// space read as missing (the bug pinecone-io/python-sdk#372 fixed).
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        percent_encode(name, &mut out);
        out.push('=');
        percent_encode(value, &mut out);
    }
    out
}

fn percent_encode(text: &str, out: &mut String) {
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

fn encode_err(e: serde_json::Error) -> StoreError {
    StoreError::Invalid(format!("cannot encode the request: {e}"))
}

/// The message and code of an error answer, from whichever of Pinecone's shapes it has:
/// data plane `{code, message, details}`, control plane `{error: {code, message}, status}`,
/// or plain text.
pub fn error_message(body: &str) -> (Option<String>, String) {
    let text = body.trim();
    if let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(text) {
        if let Some(Value::Object(err)) = obj.get("error") {
            let code = err.get("code").map(scalar_text);
            let msg = err.get("message").map(scalar_text).unwrap_or_default();
            return (code, msg);
        }
        if let Some(msg) = obj.get("message") {
            return (obj.get("code").map(scalar_text), scalar_text(msg));
        }
        if let Some(Value::String(msg)) = obj.get("error") {
            return (None, msg.clone());
        }
    }
    (None, text.to_string())
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Turn a failed answer into a [`StoreError`] naming what failed. `secret` (the API key)
/// is scrubbed from anything the server echoed.
pub fn error_from_reply(
    what: &str,
    status: StatusCode,
    body: &str,
    attempts: u32,
    secret: &str,
) -> StoreError {
    let (code, message) = error_message(body);
    // Scrub before cutting: a key straddling the cut would otherwise leave its head.
    let scrub = |s: String| {
        if secret.is_empty() {
            s
        } else {
            s.replace(secret, "[hidden]")
        }
    };
    let mut message: String = scrub(message).chars().take(400).collect();
    let code = code.map(|c| scrub(c).chars().take(100).collect::<String>());
    if message.is_empty() {
        message = status
            .canonical_reason()
            .unwrap_or("no message")
            .to_string();
    }
    let mut detail = format!("{what}: HTTP {}: {message}", status.as_u16());
    let aborted = code
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("aborted") || c == "10");
    if let Some(code) = code.filter(|c| !c.is_empty()) {
        detail.push_str(&format!(" (code {code})"));
    }
    if attempts > 1 {
        detail.push_str(&format!(" after {attempts} attempts"));
    }
    match status.as_u16() {
        401 | 403 => StoreError::Unauthorized(detail),
        // A conflict with a concurrent write that outlived the retries: transient.
        409 if aborted => StoreError::Unavailable(detail),
        404 => StoreError::NotFound(detail),
        400 if message.to_ascii_lowercase().contains("dimension") => {
            StoreError::DimensionMismatch(detail)
        }
        400 | 409 | 411 | 413 | 422 => StoreError::Invalid(detail),
        429 => StoreError::RateLimited(detail),
        408 | 500..=599 => StoreError::Unavailable(detail),
        _ => StoreError::BadResponse(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_encoded_per_rfc_3986() {
        let q = query_string(&[("ids", "u-a b#c+d%e/f?g&h=i~j.k_l-m"), ("ids", "u-café")]);
        assert_eq!(
            q,
            "ids=u-a%20b%23c%2Bd%25e%2Ff%3Fg%26h%3Di~j.k_l-m&ids=u-caf%C3%A9"
        );
        assert_eq!(query_string(&[]), "");
    }

    #[test]
    fn an_echoed_key_is_scrubbed_even_across_the_cut_and_in_the_code() {
        let key = "pcsk_SECRET_across_the_cut_0123";
        let body = serde_json::json!({
            "error": {"code": key, "message": format!("{} key: {key}", "x".repeat(380))}
        })
        .to_string();
        let e = error_from_reply("Pinecone query", StatusCode::BAD_REQUEST, &body, 1, key);
        let text = e.to_string();
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("[hidden]"), "{text}");
    }

    fn rec(id: &str, dim: usize) -> Record {
        Record {
            id: id.into(),
            values: vec![0.123_456_79; dim],
            metadata: Metadata::from([("uid".into(), MetaValue::String("u".into()))]),
        }
    }

    #[test]
    fn bodies_split_by_count_and_bytes() {
        let recs: Vec<Record> = (0..25).map(|i| rec(&format!("id{i}"), 100)).collect();
        let one = upsert_bodies("ns1", &recs[..1], 1000, 1 << 20).unwrap();
        let per = one[0].1.len();
        let bodies = upsert_bodies("ns1", &recs, 1000, per * 10).unwrap();
        assert!(bodies.len() > 2);
        let mut total = 0;
        for (n, b) in &bodies {
            assert!(b.len() <= per * 10);
            let v: Value = serde_json::from_slice(b).unwrap();
            assert_eq!(v["vectors"].as_array().unwrap().len(), *n);
            assert_eq!(v["namespace"], "ns1");
            total += n;
        }
        assert_eq!(total, 25);
        let bodies = upsert_bodies("ns1", &recs, 7, usize::MAX).unwrap();
        assert_eq!(bodies.iter().map(|b| b.0).collect::<Vec<_>>(), [7, 7, 7, 4]);
        assert!(upsert_bodies("ns1", &recs[..1], 10, 50).is_err());
        assert!(upsert_bodies("ns1", &[], 10, 50).unwrap().is_empty());
    }

    #[test]
    fn three_error_shapes() {
        let e = error_from_reply(
            "upsert",
            StatusCode::BAD_REQUEST,
            r#"{"code":3,"message":"Vector dimension 3 does not match the dimension of the index 4","details":[]}"#,
            1,
            "",
        );
        assert!(matches!(e, StoreError::DimensionMismatch(_)), "{e}");
        assert!(e.to_string().contains("Vector dimension 3"));
        let e = error_from_reply(
            "describe index",
            StatusCode::NOT_FOUND,
            r#"{"error":{"code":"NOT_FOUND","message":"Resource idx not found"},"status":404}"#,
            1,
            "",
        );
        assert!(matches!(e, StoreError::NotFound(_)));
        assert!(e.to_string().contains("Resource idx not found"), "{e}");
        let e = error_from_reply(
            "query",
            StatusCode::UNAUTHORIZED,
            "Invalid API Key: pk-SECRET",
            1,
            "pk-SECRET",
        );
        assert!(matches!(e, StoreError::Unauthorized(_)));
        assert!(!e.to_string().contains("SECRET"), "{e}");
        let e = error_from_reply("query", StatusCode::SERVICE_UNAVAILABLE, "", 6, "");
        assert!(matches!(e, StoreError::Unavailable(_)));
        assert!(e.to_string().contains("6 attempts"), "{e}");
    }

    #[test]
    fn metadata_is_read_leniently() {
        let v: serde_json::Map<String, Value> =
            serde_json::from_str(r#"{"a":"x","n":1.5,"b":true,"l":["p",2],"z":null,"o":{"k":1}}"#)
                .unwrap();
        let m = metadata_from_json(v);
        assert_eq!(m.len(), 4);
        assert_eq!(m["l"], MetaValue::List(vec!["p".into(), "2".into()]));
    }
}
