//! The OpenAI-compatible embeddings client against the fake server (127.0.0.1 only).

use crate::support;

use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use memlens::config::Secret;
use memlens::embed::openai::{AzureTarget, OpenAiConfig, OpenAiEmbedder};
use memlens::embed::{EmbedError, Embedder, Patience};
use memlens::http::RetryPolicy;
use serde_json::{Value, json};
use support::fake_openai::{
    FakeOpenAi, Fault, Options, Poison, ServerKind, vector_for_text, vector_for_tokens,
};

const CANARY_KEY: &str = "sk-LEAK-CANARY-9f8e7d6c5b4a";

fn fast_retry(max_retries: u32) -> RetryPolicy {
    RetryPolicy {
        max_retries,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    }
}

fn config(server: &FakeOpenAi, model: &str) -> OpenAiConfig {
    let mut cfg = OpenAiConfig::new(server.base_url(), model);
    cfg.retry = fast_retry(2);
    cfg.request_timeout = Duration::from_secs(10);
    cfg
}

fn client(
    server: &FakeOpenAi,
    model: &str,
    tweak: impl FnOnce(&mut OpenAiConfig),
) -> OpenAiEmbedder {
    let mut cfg = config(server, model);
    tweak(&mut cfg);
    OpenAiEmbedder::new(cfg).expect("valid config")
}

async fn server(kind: ServerKind, tweak: impl FnOnce(&mut Options)) -> FakeOpenAi {
    let mut opts = Options::of(kind);
    tweak(&mut opts);
    FakeOpenAi::start(opts).await
}

fn texts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| {
            format!(
                "Memory {i}: lunch with Dana about the garden project, item {}",
                i * 7
            )
        })
        .collect()
}

fn assert_close(a: &[f32], b: &[f32], tol: f32) {
    assert_eq!(a.len(), b.len());
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() <= tol, "value {i}: {x} vs {y}");
    }
}

fn tokens(text: &str) -> Vec<u32> {
    tiktoken_rs::cl100k_base_singleton().encode_ordinary(text)
}

/// Token-weighted mean of chunk vectors, L2-normalised (LangChain's recipe).
fn expected_mean(chunks: &[(Vec<f32>, usize)]) -> Vec<f32> {
    let dim = chunks[0].0.len();
    let total: f64 = chunks.iter().map(|(_, w)| *w as f64).sum();
    let mut acc = vec![0f64; dim];
    for (v, w) in chunks {
        for (a, x) in acc.iter_mut().zip(v) {
            *a += f64::from(*x) * *w as f64 / total;
        }
    }
    let norm = acc.iter().map(|x| x * x).sum::<f64>().sqrt();
    acc.iter().map(|x| (x / norm) as f32).collect()
}

#[tokio::test]
async fn request_body_and_headers_field_by_field() {
    let s = server(ServerKind::OpenAi, |o| o.api_key = Some("sk-right".into())).await;
    let c = client(&s, "text-embedding-3-small", |c| {
        c.dimensions = Some(256);
        c.api_key = Some(Secret::new("sk-right"));
    });
    let out = c
        .embed(&["alpha".into(), "beta gamma".into()])
        .await
        .unwrap();
    assert_eq!(out.len(), 2);
    assert_eq!(out[0].len(), 256);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path, "/v1/embeddings");
    assert_eq!(r.query, None);
    assert_eq!(r.headers["authorization"], "Bearer sk-right");
    assert_eq!(r.headers["content-type"], "application/json");
    let body = r.body.as_object().unwrap();
    let mut keys: Vec<&str> = body.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["dimensions", "encoding_format", "input", "model"]);
    assert_eq!(body["model"], "text-embedding-3-small");
    assert_eq!(body["input"], json!(["alpha", "beta gamma"]));
    assert_eq!(body["encoding_format"], "base64");
    assert_eq!(body["dimensions"], 256);

    // No key, floats: no Authorization header, no encoding_format, no dimensions.
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let c = client(&s, "text-embedding-3-large", |c| c.prefer_base64 = false);
    c.embed(&["alpha".into()]).await.unwrap();
    let r = &s.requests()[0];
    assert!(r.headers.get("authorization").is_none());
    assert!(r.headers.get("api-key").is_none());
    assert_eq!(
        r.body,
        json!({"model": "text-embedding-3-large", "input": ["alpha"]})
    );
}

#[tokio::test]
async fn base64_and_float_answers_give_the_same_vectors() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let input = texts(5);
    let b64 = client(&s, "tiny-embed", |_| {})
        .embed(&input)
        .await
        .unwrap();
    let floats = client(&s, "tiny-embed", |c| c.prefer_base64 = false)
        .embed(&input)
        .await
        .unwrap();
    let reqs = s.requests();
    assert_eq!(reqs[0].body["encoding_format"], "base64");
    assert!(reqs[1].body.get("encoding_format").is_none());
    for (i, t) in input.iter().enumerate() {
        assert_eq!(b64[i], vector_for_text(t, 16), "base64 {i}");
        assert_close(&floats[i], &vector_for_text(t, 16), 1e-6);
    }
}

#[tokio::test]
async fn data_out_of_order_is_placed_by_index() {
    let s = server(ServerKind::OpenAi, |o| o.shuffle = true).await;
    let input = texts(40);
    let out = client(&s, "tiny-embed", |_| {})
        .embed(&input)
        .await
        .unwrap();
    for (t, v) in input.iter().zip(&out) {
        assert_eq!(*v, vector_for_text(t, 16));
    }
}

#[tokio::test]
async fn batches_by_count() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let input = texts(600);
    let c = client(&s, "tiny-embed", |c| c.max_inputs_per_request = 256);
    let out = c.embed(&input).await.unwrap();
    assert_eq!(out.len(), 600);
    let sizes: Vec<usize> = s
        .requests()
        .iter()
        .map(|r| r.body["input"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes.iter().sum::<usize>(), 600);
    assert_eq!(sizes.len(), 3, "{sizes:?}");
    assert!(sizes.iter().all(|&n| n <= 256));
    for (t, v) in input.iter().zip(&out) {
        assert_eq!(*v, vector_for_text(t, 16));
    }
}

#[tokio::test]
async fn batches_by_tokens() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    // 30 texts of exactly 100 tokens each ("word" ×100 → " word" tokens).
    let text = format!("word{}", " word".repeat(99));
    assert_eq!(tokens(&text).len(), 100);
    let input = vec![text; 30];
    let c = client(&s, "tiny-embed", |c| {
        c.max_inputs_per_request = 2048;
        c.max_tokens_per_input = 500;
        c.max_tokens_per_request = 1000;
    });
    assert_eq!(c.count_tokens(&input[0]), 100);
    c.embed(&input).await.unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 3);
    for r in &reqs {
        let n = r.body["input"].as_array().unwrap().len();
        assert!(n * 100 <= 1000, "{n} inputs in one request");
    }
}

#[tokio::test]
async fn long_text_is_chunked_and_mean_weighted_by_tokens() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let long: String = (0..4000)
        .map(|i| format!("event{} at the lake; ", i % 97))
        .collect();
    let ids = tokens(&long);
    assert!(ids.len() > 2 * 8191, "{} tokens", ids.len());
    let short = "a short memory".to_string();
    let c = client(&s, "tiny-embed", |_| {});
    let out = c.embed(&[short.clone(), long.clone()]).await.unwrap();

    let reqs = s.requests();
    assert_eq!(
        reqs.len(),
        2,
        "short texts and chunks go in separate requests"
    );
    let chunk_req = reqs
        .iter()
        .find(|r| r.body["input"][0].is_array())
        .expect("a token-array request");
    let sent: Vec<Vec<u32>> = serde_json::from_value(chunk_req.body["input"].clone()).unwrap();
    let expected_chunks: Vec<Vec<u32>> = ids.chunks(8191).map(<[u32]>::to_vec).collect();
    assert_eq!(sent, expected_chunks);
    let string_req = reqs
        .iter()
        .find(|r| r.body["input"][0].is_string())
        .unwrap();
    assert_eq!(string_req.body["input"], json!([short]));

    let parts: Vec<(Vec<f32>, usize)> = expected_chunks
        .iter()
        .map(|c| (vector_for_tokens(c, 16), c.len()))
        .collect();
    assert_close(&out[1], &expected_mean(&parts), 1e-6);
    let norm: f32 = out[1].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5);
    assert_eq!(out[0], vector_for_text(&short, 16));
}

#[tokio::test]
async fn ollama_gets_chunk_text_and_floats_and_it_is_remembered() {
    let s = server(ServerKind::Ollama, |o| {
        o.context_limit = 100_000;
        o.default_dim = 12;
    })
    .await;
    let long: String = (0..2500)
        .map(|i| format!("step {i} of the hike. "))
        .collect();
    let ids = tokens(&long);
    assert!(ids.len() > 8191);
    let c = client(&s, "nomic-embed-text", |_| {});
    let out = c.embed(std::slice::from_ref(&long)).await.unwrap();
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2, "token ids refused, then chunk text");
    assert!(reqs[0].body["input"][0].is_array());
    assert!(reqs[1].body["input"][0].is_string());
    let parts: Vec<(Vec<f32>, usize)> = ids
        .chunks(8191)
        .map(|ch| {
            let text = tiktoken_rs::cl100k_base_singleton().decode(ch).unwrap();
            (vector_for_text(&text, 12), ch.len())
        })
        .collect();
    assert_close(&out[0], &expected_mean(&parts), 1e-6);
    assert_eq!(c.dimension(), 12, "dimension learned from the answer");

    // Remembered: text chunks and floats straight away.
    s.reset_log();
    c.embed(&[long, "short one".into()]).await.unwrap();
    for r in s.requests() {
        assert!(r.body["input"][0].is_string());
        assert!(r.body.get("encoding_format").is_none(), "{}", r.body);
    }
    assert_eq!(s.request_count(), 2);
}

#[tokio::test]
async fn base64_refusal_falls_back_to_floats_once() {
    let s = server(ServerKind::OpenAi, |o| o.reject_base64 = true).await;
    let c = client(&s, "tiny-embed", |_| {});
    let out = c.embed(&texts(3)).await.unwrap();
    assert_eq!(out[2], vector_for_text(&texts(3)[2], 16));
    c.embed(&texts(2)).await.unwrap();
    let formats: Vec<Value> = s
        .requests()
        .iter()
        .map(|r| {
            r.body
                .get("encoding_format")
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect();
    assert_eq!(formats, [json!("base64"), Value::Null, Value::Null]);
}

#[tokio::test]
async fn rate_limit_with_retry_after_then_success() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([Fault::RateLimit {
        retry_after: Some("1"),
    }]);
    let c = client(&s, "tiny-embed", |c| {
        c.retry = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_secs(5),
        }
    });
    let out = c.embed(&texts(2)).await.unwrap();
    assert_eq!(out.len(), 2);
    let reqs = s.requests();
    assert_eq!(reqs.len(), 2);
    let waited = reqs[1].at - reqs[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "retry-after ignored: {waited:?}"
    );
}

#[tokio::test]
async fn rate_limited_after_retries() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([
        Fault::RateLimit { retry_after: None },
        Fault::RateLimit { retry_after: None },
        Fault::RateLimit { retry_after: None },
    ]);
    let e = client(&s, "tiny-embed", |_| {})
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(matches!(e, EmbedError::RateLimited(_)), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("3 attempts") && msg.contains("Rate limit reached"),
        "{msg}"
    );
    assert_eq!(s.request_count(), 3);
}

#[tokio::test]
async fn server_errors_then_success() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([Fault::Status(500), Fault::Status(502), Fault::Status(503)]);
    let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(3));
    let out = c.embed(&texts(1)).await.unwrap();
    assert_eq!(out[0], vector_for_text(&texts(1)[0], 16));
    assert_eq!(s.request_count(), 4);
}

#[tokio::test]
async fn server_down_after_retries() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([Fault::Status(503), Fault::Status(503)]);
    let e = client(&s, "tiny-embed", |c| c.retry = fast_retry(1))
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(matches!(e, EmbedError::Unavailable(_)), "{e:?}");
    assert!(e.to_string().contains("HTTP 503 after 2 attempt(s)"), "{e}");
}

#[tokio::test]
async fn timeout_is_reported() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([
        Fault::Delay(Duration::from_secs(3)),
        Fault::Delay(Duration::from_secs(3)),
    ]);
    let e = client(&s, "tiny-embed", |c| {
        c.request_timeout = Duration::from_millis(200);
        c.retry = fast_retry(1);
    })
    .embed(&texts(1))
    .await
    .unwrap_err();
    assert!(matches!(e, EmbedError::Unavailable(_)), "{e:?}");
    assert!(
        e.to_string().contains("timed out after 2 attempt(s)"),
        "{e}"
    );
}

#[tokio::test]
async fn connection_refused_is_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut cfg = OpenAiConfig::new(format!("http://{addr}/v1"), "tiny-embed");
    cfg.retry = fast_retry(1);
    let e = OpenAiEmbedder::new(cfg)
        .unwrap()
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(matches!(e, EmbedError::Unavailable(_)), "{e:?}");
    assert!(e.to_string().contains("could not connect"), "{e}");
}

#[tokio::test]
async fn malformed_json_and_truncated_bodies() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([Fault::MalformedJson]);
    let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(0));
    let e = c.embed(&texts(1)).await.unwrap_err();
    assert!(matches!(e, EmbedError::BadResponse(_)), "{e:?}");
    assert!(
        e.to_string().contains("not a valid embeddings response"),
        "{e}"
    );

    // A body cut half-way is a transport failure: retried, then fine.
    s.reset_log();
    s.push_faults([Fault::Truncated]);
    let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(2));
    assert!(c.embed(&texts(1)).await.is_ok());
    assert_eq!(s.request_count(), 2);
    // Without retries it says what happened.
    s.push_faults([Fault::Truncated]);
    let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(0));
    let e = c.embed(&texts(1)).await.unwrap_err();
    assert!(e.to_string().contains("connection broke"), "{e}");
}

/// Every log line of this test binary at TRACE level (a global subscriber: thread-local
/// ones miss events when tests run in parallel).
fn captured_logs() -> &'static Mutex<Vec<u8>> {
    static LOGS: OnceLock<&'static Mutex<Vec<u8>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        struct W(&'static Mutex<Vec<u8>>);
        impl std::io::Write for W {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buf: &'static Mutex<Vec<u8>> = Box::leak(Box::new(Mutex::new(Vec::new())));
        let sub = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || W(buf))
            .finish();
        tracing::subscriber::set_global_default(sub).expect("first subscriber");
        buf
    })
}

#[tokio::test]
async fn bad_key_is_named_and_never_leaks() {
    let logs = captured_logs();
    let s = server(ServerKind::OpenAi, |o| o.api_key = Some("sk-right".into())).await;
    let c = client(&s, "tiny-embed", |c| {
        c.api_key = Some(Secret::new(CANARY_KEY))
    });
    let e = c.embed(&texts(1)).await.unwrap_err();
    assert!(matches!(e, EmbedError::Unauthorized(_)), "{e:?}");
    let shown = format!("{e} | {e:?} | {c:?} | {}", c.label());
    assert!(shown.contains("Incorrect API key provided"), "{shown}");
    assert!(shown.contains("HTTP 401"), "{shown}");
    assert!(shown.contains("check OPENAI_API_KEY"), "{shown}");
    assert!(!shown.contains("LEAK-CANARY"), "key leaked: {shown}");
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).to_string();
    assert!(
        logs.contains("embeddings reply"),
        "logging was captured: {logs}"
    );
    assert!(!logs.contains("LEAK-CANARY"), "key leaked into logs");
    // The server did receive it (as a header), so the check above is meaningful.
    assert_eq!(
        s.requests()[0].headers["authorization"],
        format!("Bearer {CANARY_KEY}")
    );

    // Plain-text 401 (no JSON) and a key-less client.
    let s = server(ServerKind::OpenAi, |_| {}).await;
    s.push_faults([Fault::Unauthorized { json: false }]);
    let e = client(&s, "tiny-embed", |_| {})
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(matches!(e, EmbedError::Unauthorized(_)), "{e:?}");
    assert!(
        e.to_string().contains("no API key is set): Unauthorized"),
        "{e}"
    );
}

#[tokio::test]
async fn context_length_error_names_the_input() {
    let s = server(ServerKind::OpenAi, |o| o.context_limit = 40).await;
    let long = format!("word{}", " word".repeat(59));
    let items: Vec<(String, String)> = (0..6)
        .map(|i| {
            let text = if i == 4 {
                long.clone()
            } else {
                format!("memory number {i}")
            };
            (format!("memory m-{i}"), text)
        })
        .collect();
    let c = client(&s, "tiny-embed", |_| {});
    let e = c.embed_labeled(&items).await.unwrap_err();
    assert!(matches!(e, EmbedError::ContextTooLong(_)), "{e:?}");
    let msg = e.to_string();
    assert!(msg.contains("memory m-4 has 60 tokens"), "{msg}");
    assert!(msg.contains("maximum context length is 40 tokens"), "{msg}");
    // The first request held all six; halving found the culprit (2 per level of
    // ⌈log2 6⌉ = 3) and embedded the other five.
    assert!(
        s.request_count() > 1 && s.request_count() <= 1 + 2 * 3,
        "{}",
        s.request_count()
    );
    // Text by text, the other five get their vectors.
    let texts: Vec<String> = items.iter().map(|(_, t)| t.clone()).collect();
    let each = c.embed_each(&texts, Patience::Full).await.unwrap();
    assert!(
        matches!(&each[4], Err(EmbedError::ContextTooLong(_))),
        "{each:?}"
    );
    assert_eq!(each.iter().filter(|r| r.is_ok()).count(), 5);
}

#[tokio::test]
async fn each_compatible_server_error_shape_is_understood() {
    for kind in [
        ServerKind::OpenAi,
        ServerKind::Ollama,
        ServerKind::Tei,
        ServerKind::LlamaCpp,
        ServerKind::Vllm,
    ] {
        let s = server(kind, |_| {}).await;
        let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(0));
        s.push_faults([Fault::Unauthorized { json: true }]);
        let e = c.embed(&texts(1)).await.unwrap_err();
        assert!(
            matches!(&e, EmbedError::Unauthorized(m) if m.contains("Invalid API Key")),
            "{kind:?}: {e:?}"
        );
        s.push_faults([Fault::ContextLength]);
        let e = c
            .embed_labeled(&[("memory abc", "hello there")])
            .await
            .unwrap_err();
        assert!(
            matches!(&e, EmbedError::ContextTooLong(m) if m.contains("memory abc")),
            "{kind:?}: {e:?}"
        );
        s.push_faults([Fault::Status(500)]);
        let e = c.embed(&texts(1)).await.unwrap_err();
        assert!(
            matches!(&e, EmbedError::Unavailable(m) if m.contains("error while processing")),
            "{kind:?}: {e:?}"
        );
    }
    // Unknown models, OpenAI and Ollama wording.
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let e = client(&s, "text-embedding-4-huge", |_| {})
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, EmbedError::ModelNotFound(m) if m.contains("does not exist")),
        "{e:?}"
    );
    let s = server(ServerKind::Ollama, |_| {}).await;
    let e = client(&s, "missing-model", |_| {})
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, EmbedError::ModelNotFound(m) if m.contains("try pulling it")),
        "{e:?}"
    );
    // A base URL without /v1 hits no route: say so.
    let mut cfg = OpenAiConfig::new(s.root_url(), "tiny-embed");
    cfg.retry = fast_retry(0);
    let e = OpenAiEmbedder::new(cfg)
        .unwrap()
        .embed(&texts(1))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, EmbedError::Refused(m) if m.contains("check openai_base_url")),
        "{e:?}"
    );
    // A validation error the client cannot work around is a refusal with the message.
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let e = client(&s, "text-embedding-ada-002", |c| {
        c.dimensions = Some(64);
        c.prefer_base64 = false;
    })
    .embed(&texts(1))
    .await
    .unwrap_err();
    assert!(
        matches!(&e, EmbedError::Refused(m) if m.contains("does not support specifying dimensions")),
        "{e:?}"
    );
}

#[tokio::test]
async fn tei_batch_cap_is_learned() {
    let s = server(ServerKind::Tei, |_| {}).await;
    let input = texts(100);
    let c = client(&s, "bge-small", |_| {});
    let out = c.embed(&input).await.unwrap();
    for (t, v) in input.iter().zip(&out) {
        assert_eq!(*v, vector_for_text(t, 16));
    }
    assert_eq!(s.request_count(), 1 + 4, "one refusal, then 32+32+32+4");
    s.reset_log();
    c.embed(&input).await.unwrap();
    assert_eq!(s.request_count(), 4, "the cap is remembered");
}

#[tokio::test]
async fn dimension_mismatch_and_bad_vectors() {
    // A server that ignores `dimensions` (LM Studio does).
    let s = server(ServerKind::OpenAi, |o| o.ignore_dimensions = true).await;
    let e = client(&s, "text-embedding-3-small", |c| c.dimensions = Some(8))
        .embed_labeled(&[("memory x", "hello")])
        .await
        .unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, EmbedError::DimensionMismatch(_)), "{e:?}");
    assert!(
        msg.contains("memory x has 1536 values") && msg.contains("gives 8"),
        "{msg}"
    );
    assert!(
        msg.contains("may ignore the `dimensions` parameter"),
        "{msg}"
    );

    let s = server(ServerKind::OpenAi, |_| {}).await;
    let c = client(&s, "tiny-embed", |c| c.retry = fast_retry(0));
    c.probe_dimension().await.unwrap();
    // Every vector of the answer too long: the wrong model, not one input.
    s.push_faults([Fault::WrongDimension]);
    let e = c.embed(&texts(2)).await.unwrap_err();
    assert!(
        matches!(&e, EmbedError::DimensionMismatch(m) if m.contains("returns 17-d vectors, but tiny-embed gives 16-d")),
        "{e:?}"
    );
    // One unusable vector fails only its input.
    for (fault, words) in [
        (Fault::NanVector, "NaN or infinity"),
        (Fault::ZeroVector, "all zeros"),
    ] {
        s.push_faults([fault]);
        let e = c.embed(&texts(2)).await.unwrap_err();
        assert!(
            matches!(&e, EmbedError::BadVector(m) if m.contains(words) && m.contains("input 0")),
            "{words}: {e:?}"
        );
        s.push_faults([Fault::NanVector]);
        let each = c.embed_each(&texts(3), Patience::Full).await.unwrap();
        assert!(
            matches!(&each[0], Err(EmbedError::BadVector(_))),
            "{each:?}"
        );
        assert_eq!(
            each[1].as_ref().unwrap(),
            &vector_for_text(&texts(3)[1], 16)
        );
        assert_eq!(
            each[2].as_ref().unwrap(),
            &vector_for_text(&texts(3)[2], 16)
        );
    }
    s.push_faults([Fault::MissingItem]);
    let e = c.embed(&texts(2)).await.unwrap_err();
    assert!(
        matches!(&e, EmbedError::BadResponse(m) if m.contains("asked for 2 embeddings")),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_failed_request_fails_only_its_texts_and_once_means_once() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let c = client(&s, "tiny-embed", |c| {
        c.retry = fast_retry(3);
        c.max_inputs_per_request = 2;
        c.concurrency = 1;
    });
    let input = texts(4);
    // Input 3 always makes the server fail (Ollama: 500 `json: unsupported value: NaN`).
    s.poison(&input[3], Poison::Status500);
    let each = c.embed_each(&input, Patience::Full).await.unwrap();
    assert_eq!(each[0].as_ref().unwrap(), &vector_for_text(&input[0], 16));
    assert_eq!(each[1].as_ref().unwrap(), &vector_for_text(&input[1], 16));
    for e in &each[2..] {
        assert!(
            matches!(e, Err(EmbedError::Unavailable(m)) if m.contains("unsupported value: NaN")),
            "{e:?}"
        );
    }
    assert_eq!(
        s.request_count(),
        1 + 4,
        "one good request, one retried 3 times"
    );
    s.reset_log();
    let each = c.embed_each(&input[2..], Patience::Once).await.unwrap();
    assert!(each.iter().all(Result::is_err));
    assert_eq!(s.request_count(), 1, "Patience::Once sends one attempt");
    // The whole call fails only for what fails every request alike.
    assert!(c.embed(&input).await.is_err());
}

#[tokio::test]
async fn unknown_model_dimension_is_probed_once() {
    let s = server(ServerKind::LlamaCpp, |o| o.default_dim = 24).await;
    let c = client(&s, "local-gguf", |_| {});
    assert_eq!(c.dimension(), 0);
    assert_eq!(c.probe_dimension().await.unwrap(), 24);
    assert_eq!(c.dimension(), 24);
    assert_eq!(c.probe_dimension().await.unwrap(), 24);
    assert_eq!(s.request_count(), 1);
    assert!(c.label().contains("24 dims"), "{}", c.label());
}

#[tokio::test]
async fn azure_url_and_header() {
    let s = server(ServerKind::OpenAi, |o| {
        o.api_key = Some("azure-key-1".into())
    })
    .await;
    let mut cfg = OpenAiConfig::new(s.root_url(), "text-embedding-3-large");
    cfg.retry = fast_retry(0);
    cfg.api_key = Some(Secret::new("azure-key-1"));
    cfg.azure = Some(AzureTarget {
        deployment: "emb-large".into(),
        api_version: "2024-10-21".into(),
    });
    let c = OpenAiEmbedder::new(cfg).unwrap();
    let out = c.embed(&texts(1)).await.unwrap();
    assert_eq!(out[0].len(), 3072);
    let r = &s.requests()[0];
    assert_eq!(r.path, "/openai/deployments/emb-large/embeddings");
    assert_eq!(r.query.as_deref(), Some("api-version=2024-10-21"));
    assert_eq!(r.headers["api-key"], "azure-key-1");
    assert!(r.headers.get("authorization").is_none());
    assert!(
        c.label().starts_with("Azure OpenAI deployment emb-large"),
        "{}",
        c.label()
    );
}

#[tokio::test]
async fn empty_text_is_named_and_nothing_is_sent() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let c = client(&s, "tiny-embed", |_| {});
    let e = c
        .embed_labeled(&[("memory a", "fine"), ("memory b", "")])
        .await
        .unwrap_err();
    assert!(e.to_string().contains("memory b is empty"), "{e}");
    assert_eq!(s.request_count(), 0);
    assert!(c.embed(&[]).await.unwrap().is_empty());
}

#[tokio::test]
async fn fake_server_enforces_the_request_schema() {
    let s = server(ServerKind::OpenAi, |_| {}).await;
    let http = memlens::http::client(Duration::from_secs(10));
    let url = format!("{}/embeddings", s.base_url());
    let cases = [
        (json!({"input": "x"}), "model parameter"),
        (json!({"model": "tiny-embed"}), "input parameter"),
        (
            json!({"model": "tiny-embed", "input": ""}),
            "'$.input' is invalid",
        ),
        (
            json!({"model": "tiny-embed", "input": ["a", 5]}),
            "'$.input' is invalid",
        ),
        (
            json!({"model": "tiny-embed", "input": [[1, 2], []]}),
            "'$.input' is invalid",
        ),
        (
            json!({"model": "tiny-embed", "input": "a", "encoding_format": "hex"}),
            "encoding_format",
        ),
        (
            json!({"model": "tiny-embed", "input": "a", "dimensions": 0}),
            "dimensions",
        ),
        (
            json!({"model": "tiny-embed", "input": "a", "extra": 1}),
            "'extra' was unexpected",
        ),
    ];
    for (body, words) in cases {
        let r = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 400, "{body}");
        let text = r.text().await.unwrap();
        assert!(text.contains(words), "{body}: {text}");
    }
    for body in [
        json!({"model": "tiny-embed", "input": "a"}),
        json!({"model": "tiny-embed", "input": [1, 2, 3], "user": "u"}),
        json!({"model": "tiny-embed", "input": [[1, 2], [3]], "encoding_format": "float"}),
    ] {
        let r = http.post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 200, "{body}");
    }
}
