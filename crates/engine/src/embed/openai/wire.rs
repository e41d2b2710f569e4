//! The wire format of `POST /embeddings`: the request body, the response (float arrays
//! or base64 of little-endian f32), and the error bodies of every compatible server
//! (OpenAI, Azure, Ollama, llama.cpp, vLLM, text-embeddings-inference, plain text).

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Request body (`CreateEmbeddingRequest`).
#[derive(Debug, Serialize)]
pub(crate) struct Request<'a> {
    pub model: &'a str,
    pub input: Input<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dimensions: Option<usize>,
    /// `Some("base64")`, or `None` for the default (floats).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding_format: Option<&'static str>,
}

/// `input`: strings, or arrays of token ids (never mixed in one request).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Input<'a> {
    Texts(Vec<std::borrow::Cow<'a, str>>),
    Tokens(Vec<&'a [u32]>),
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    index: Option<usize>,
    embedding: Embedding,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Embedding {
    Floats(Vec<f32>),
    Base64(String),
}

/// A parsed success body: `(index, vector)` pairs as they arrived.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub vectors: Vec<(usize, Vec<f32>)>,
    /// The server sent float arrays (whatever was asked).
    pub sent_floats: bool,
}

/// Parse a 200 body. Items without `index` take their position (some servers omit it).
pub(crate) fn parse_response(body: &str) -> Result<Decoded, String> {
    let resp: Response = serde_json::from_str(body).map_err(|e| {
        format!(
            "the answer is not a valid embeddings response ({e}); it starts with {:?}",
            preview(body, 120)
        )
    })?;
    let mut sent_floats = false;
    let mut vectors = Vec::with_capacity(resp.data.len());
    for (pos, item) in resp.data.into_iter().enumerate() {
        let index = item.index.unwrap_or(pos);
        let v = match item.embedding {
            Embedding::Floats(v) => {
                sent_floats = true;
                v
            }
            Embedding::Base64(s) => decode_base64_f32(&s)
                .map_err(|e| format!("embedding at index {index} is not valid base64 f32: {e}"))?,
        };
        vectors.push((index, v));
    }
    Ok(Decoded {
        vectors,
        sent_floats,
    })
}

/// Decode standard base64 of little-endian f32 values.
pub(crate) fn decode_base64_f32(s: &str) -> Result<Vec<f32>, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s.trim())
        .map_err(|e| e.to_string())?;
    if bytes.len() % 4 != 0 {
        return Err(format!(
            "{} bytes is not a whole number of 4-byte floats",
            bytes.len()
        ));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

/// What an error body said, whichever server wrote it.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct ServerError {
    pub message: String,
    /// `type` / `error_type`, when given.
    pub kind: Option<String>,
    /// `code`, string or number, when given.
    pub code: Option<String>,
}

/// Parse an error body. Shapes understood: OpenAI / Azure / Ollama / llama.cpp
/// `{error:{message,type,param,code}}` (code string or number); older vLLM
/// `{object:"error", message, type, code}`; text-embeddings-inference
/// `{error:"…", error_type:"…"}`; FastAPI validation `{detail:[{loc,msg}]}` or
/// `{detail:"…"}`; anything else is kept as trimmed plain text.
pub(crate) fn parse_error_body(body: &str) -> ServerError {
    let plain = || ServerError {
        message: if body.trim().is_empty() {
            "(empty answer)".to_string()
        } else {
            preview(body.trim(), 500)
        },
        ..ServerError::default()
    };
    let Ok(v) = serde_json::from_str::<Value>(body) else {
        return plain();
    };
    let text = |v: Option<&Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    };
    if let Some(inner) = v.get("error").filter(|e| e.is_object()) {
        return ServerError {
            message: text(inner.get("message")).unwrap_or_else(|| preview(&inner.to_string(), 500)),
            kind: text(inner.get("type")),
            code: text(inner.get("code")),
        };
    }
    if let Some(msg) = text(v.get("error")) {
        return ServerError {
            message: msg,
            kind: text(v.get("error_type")).or_else(|| text(v.get("type"))),
            code: text(v.get("code")),
        };
    }
    if let Some(msg) = text(v.get("message")) {
        return ServerError {
            message: msg,
            kind: text(v.get("type")),
            code: text(v.get("code")),
        };
    }
    match v.get("detail") {
        Some(Value::String(s)) => ServerError {
            message: s.clone(),
            ..ServerError::default()
        },
        Some(Value::Array(items)) => {
            let parts: Vec<String> = items
                .iter()
                .map(|it| {
                    let loc = it
                        .get("loc")
                        .and_then(Value::as_array)
                        .map(|l| {
                            l.iter()
                                .map(|p| match p {
                                    Value::String(s) => s.clone(),
                                    other => other.to_string(),
                                })
                                .collect::<Vec<_>>()
                                .join(".")
                        })
                        .unwrap_or_default();
                    let msg = text(it.get("msg")).unwrap_or_else(|| it.to_string());
                    if loc.is_empty() {
                        msg
                    } else {
                        format!("{loc}: {msg}")
                    }
                })
                .collect();
            ServerError {
                message: parts.join("; "),
                kind: Some("validation".into()),
                code: None,
            }
        }
        _ => plain(),
    }
}

/// The first `max` characters of `s` (on a char boundary), with `…` when cut.
pub(crate) fn preview(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trip() {
        let v = [1.0f32, -0.5, 3.25e-7, f32::MAX];
        let bytes: Vec<u8> = v.iter().flat_map(|f| f.to_le_bytes()).collect();
        let s = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(decode_base64_f32(&s).unwrap(), v);
        assert!(decode_base64_f32("AAA=").is_err());
        assert!(decode_base64_f32("not base64!").is_err());
    }

    #[test]
    fn response_floats_and_base64() {
        let d = parse_response(
            r#"{"object":"list","data":[{"object":"embedding","index":1,"embedding":"AACAPw=="},
            {"object":"embedding","index":0,"embedding":[0.5,2]}],"model":"m","usage":{"prompt_tokens":1,"total_tokens":1}}"#,
        )
        .unwrap();
        assert!(d.sent_floats);
        assert_eq!(d.vectors, vec![(1, vec![1.0]), (0, vec![0.5, 2.0])]);
        let e = parse_response("{\"data\": [").unwrap_err();
        assert!(e.contains("not a valid embeddings response"), "{e}");
    }

    #[test]
    fn error_shapes() {
        let openai = parse_error_body(
            r#"{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
        );
        assert_eq!(openai.message, "Incorrect API key");
        assert_eq!(openai.code.as_deref(), Some("invalid_api_key"));
        let llama = parse_error_body(
            r#"{"error":{"code":401,"message":"Invalid API Key","type":"authentication_error"}}"#,
        );
        assert_eq!(llama.code.as_deref(), Some("401"));
        assert_eq!(llama.kind.as_deref(), Some("authentication_error"));
        let vllm = parse_error_body(
            r#"{"object":"error","message":"too long","type":"BadRequestError","param":null,"code":400}"#,
        );
        assert_eq!(
            (vllm.message.as_str(), vllm.code.as_deref()),
            ("too long", Some("400"))
        );
        let tei = parse_error_body(
            r#"{"error":"batch size 64 > maximum allowed batch size 32","error_type":"validation"}"#,
        );
        assert_eq!(tei.kind.as_deref(), Some("validation"));
        assert!(tei.message.starts_with("batch size 64"));
        let fastapi = parse_error_body(
            r#"{"detail":[{"loc":["body","input"],"msg":"field required","type":"value_error.missing"}]}"#,
        );
        assert_eq!(fastapi.message, "body.input: field required");
        assert_eq!(parse_error_body("  Unauthorized\n").message, "Unauthorized");
        assert_eq!(parse_error_body("").message, "(empty answer)");
    }
}
