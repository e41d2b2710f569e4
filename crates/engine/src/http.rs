//! HTTP plumbing shared by the OpenAI and Pinecone clients: one `reqwest` client per
//! backend (rustls with the `ring` provider), and a retry policy — exponential backoff
//! with full jitter on 408, 429, 5xx and connection errors (timeouts, resets, refused
//! connections), honouring `Retry-After` and OpenAI's `x-ratelimit-reset-*` headers;
//! never retrying other 4xx except Pinecone's `409 ABORTED`.

use std::future::Future;
use std::sync::Once;
use std::time::Duration;

use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, StatusCode};

static INSTALL_PROVIDER: Once = Once::new();

/// Build a client with sane timeouts. Install the rustls `ring` provider first (once).
pub fn client(request_timeout: Duration) -> reqwest::Client {
    INSTALL_PROVIDER.call_once(|| {
        // Fails only if another provider was installed first, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    reqwest::Client::builder()
        .user_agent(concat!("memlens/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(request_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

/// How many times, and how patiently, to retry a request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// First backoff step.
    pub base_delay: Duration,
    /// Ceiling for any single wait (also caps `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// No retries (for tests and one-shot checks).
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// The wait before retry number `attempt` (0-based): the server's hint when it gave
    /// one, else full jitter over an exponential ceiling.
    pub fn delay(&self, attempt: u32, server_hint: Option<Duration>) -> Duration {
        if let Some(hint) = server_hint {
            return hint.min(self.max_delay);
        }
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max_delay);
        let nanos = ceiling.as_nanos().min(u64::MAX as u128) as u64;
        Duration::from_nanos(fastrand::u64(nanos / 2..=nanos.max(1)))
    }
}

/// True for statuses worth retrying: 408, 429 and every 5xx.
pub fn is_retryable(status: StatusCode) -> bool {
    status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || status.is_server_error()
}

/// The server's requested wait: `retry-after-ms`, `retry-after` (seconds or an HTTP
/// date is not supported: seconds only), then the larger of OpenAI's
/// `x-ratelimit-reset-requests` / `x-ratelimit-reset-tokens`.
pub fn server_wait_hint(headers: &HeaderMap) -> Option<Duration> {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return finite_secs(ms / 1000.0);
    }
    if let Some(s) = get("retry-after").and_then(|v| v.trim().parse::<f64>().ok()) {
        return finite_secs(s);
    }
    ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .iter()
        .filter_map(|h| get(h).and_then(parse_go_duration))
        .max()
}

fn finite_secs(s: f64) -> Option<Duration> {
    (s.is_finite() && s >= 0.0).then(|| Duration::from_secs_f64(s.min(86_400.0)))
}

/// Parse Go-style durations as OpenAI sends them: `6m0s`, `20ms`, `1.5s`, `1h2m3s`.
pub fn parse_go_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * factor;
    }
    finite_secs(total)
}

/// A finished HTTP exchange: status, headers and the body as text.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    /// How many attempts it took (1 = no retry).
    pub attempts: u32,
}

/// A request that never got an answer (after retries).
#[derive(Debug, thiserror::Error)]
#[error("{what} after {attempts} attempt(s): {reason}")]
pub struct TransportError {
    /// `timed out`, `could not connect`, …
    pub what: &'static str,
    pub reason: String,
    pub attempts: u32,
}

fn describe(e: &reqwest::Error) -> (&'static str, String) {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection broke while reading the answer"
    } else {
        "request failed"
    };
    // reqwest's Display holds the URL (never a key: keys travel in headers).
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    (what, reason)
}

/// Send the request built by `build` until it gets a non-retryable answer or retries run
/// out. Retryable statuses that persist are returned as the last `Reply` (the caller turns
/// them into its own error); transport failures that persist become `TransportError`.
pub async fn send_with_retry<F>(policy: &RetryPolicy, mut build: F) -> Result<Reply, TransportError>
where
    F: FnMut() -> RequestBuilder,
{
    send_with_retry_sleep(
        policy,
        &mut build,
        |r| is_retryable(r.status),
        tokio::time::sleep,
    )
    .await
}

/// [`send_with_retry`] with the caller's own idea of a retryable answer (e.g. Pinecone's
/// `409 ABORTED`, see [`is_retryable_pinecone`]). Transport errors are always retried.
pub async fn send_with_retry_when<F>(
    policy: &RetryPolicy,
    retryable: fn(&Reply) -> bool,
    mut build: F,
) -> Result<Reply, TransportError>
where
    F: FnMut() -> RequestBuilder,
{
    send_with_retry_sleep(policy, &mut build, retryable, tokio::time::sleep).await
}

/// Pinecone's retryable answers: 408, 429, 5xx, and a 409 whose code is `ABORTED`
/// (gRPC code 10: a concurrent write conflicted, "retry the request" in Pinecone's
/// error docs). Other 409s (`ALREADY_EXISTS`) are final.
pub fn is_retryable_pinecone(reply: &Reply) -> bool {
    if reply.status == StatusCode::CONFLICT {
        let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
        let code = body
            .get("error")
            .and_then(|e| e.get("code"))
            .or_else(|| body.get("code"));
        return match code {
            Some(serde_json::Value::String(c)) => c.eq_ignore_ascii_case("aborted"),
            Some(serde_json::Value::Number(n)) => n.as_u64() == Some(10),
            _ => false,
        };
    }
    is_retryable(reply.status)
}

async fn send_with_retry_sleep<F, S, Fut>(
    policy: &RetryPolicy,
    build: &mut F,
    retryable: impl Fn(&Reply) -> bool,
    sleep: S,
) -> Result<Reply, TransportError>
where
    F: FnMut() -> RequestBuilder,
    S: Fn(Duration) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut attempt = 0u32;
    loop {
        let outcome = match build().send().await {
            Ok(resp) => {
                let status = resp.status();
                let headers = resp.headers().clone();
                match resp.text().await {
                    Ok(body) => Ok(Reply {
                        status,
                        headers,
                        body,
                        attempts: attempt + 1,
                    }),
                    Err(e) => Err(describe(&e)),
                }
            }
            Err(e) => Err(describe(&e)),
        };
        let retry_hint = match &outcome {
            Ok(reply) if retryable(reply) => Some(server_wait_hint(&reply.headers)),
            Ok(_) => None,
            Err(_) => Some(None),
        };
        match retry_hint {
            Some(hint) if attempt < policy.max_retries => {
                tracing::debug!(attempt, ?hint, "retrying request");
                sleep(policy.delay(attempt, hint)).await;
                attempt += 1;
            }
            _ => {
                return outcome.map_err(|(what, reason)| TransportError {
                    what,
                    reason,
                    attempts: attempt + 1,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(parse_go_duration("20ms"), Some(Duration::from_millis(20)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("1h2m3s"), Some(Duration::from_secs(3723)));
        assert_eq!(parse_go_duration("abc"), None);
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration(""), None);
    }

    #[test]
    fn hints_prefer_retry_after() {
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-reset-requests", "2s".parse().unwrap());
        h.insert("x-ratelimit-reset-tokens", "6m0s".parse().unwrap());
        assert_eq!(server_wait_hint(&h), Some(Duration::from_secs(360)));
        h.insert("retry-after", "3".parse().unwrap());
        assert_eq!(server_wait_hint(&h), Some(Duration::from_secs(3)));
        h.insert("retry-after-ms", "120".parse().unwrap());
        assert_eq!(server_wait_hint(&h), Some(Duration::from_millis(120)));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
        };
        for attempt in 0..12 {
            let d = p.delay(attempt, None);
            let ceiling = (Duration::from_millis(100) * (1 << attempt.min(16))).min(p.max_delay);
            assert!(d <= ceiling && d >= ceiling / 2, "{attempt}: {d:?}");
        }
        assert_eq!(
            p.delay(0, Some(Duration::from_secs(60))),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn pinecone_conflicts_retry_only_when_aborted() {
        let reply = |status: u16, body: &str| Reply {
            status: StatusCode::from_u16(status).unwrap(),
            headers: HeaderMap::new(),
            body: body.into(),
            attempts: 1,
        };
        assert!(is_retryable_pinecone(&reply(
            409,
            r#"{"error":{"code":"ABORTED","message":"retry"}}"#
        )));
        assert!(is_retryable_pinecone(&reply(
            409,
            r#"{"code":10,"message":"aborted"}"#
        )));
        assert!(!is_retryable_pinecone(&reply(
            409,
            r#"{"error":{"code":"ALREADY_EXISTS","message":"x"}}"#
        )));
        assert!(is_retryable_pinecone(&reply(503, "")));
        assert!(!is_retryable_pinecone(&reply(400, "")));
    }

    #[test]
    fn retryable_statuses() {
        for s in [408u16, 429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400u16, 401, 403, 404, 409, 413, 422] {
            assert!(!is_retryable(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }
}
