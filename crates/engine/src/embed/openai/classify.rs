//! Sorting a failed answer into what the client should do about it: adapt and resend
//! (smaller batches, floats instead of base64, text instead of token ids) or give up with
//! an [`EmbedError`](crate::embed::EmbedError) the user can act on.

use reqwest::StatusCode;

use super::wire::ServerError;

/// What a non-2xx answer means.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Failure {
    /// 401/403.
    Unauthorized,
    /// Unknown model (404, `model_not_found`, or a message saying so).
    ModelNotFound,
    /// 404 that does not mention a model: the base URL is probably wrong.
    NoEndpoint,
    /// 429 that outlived the retries.
    RateLimited,
    /// 5xx/408 that outlived the retries.
    Unavailable,
    /// An input is longer than the model accepts; the index in the request when the
    /// message names one (`input[3]`).
    ContextTooLong(Option<usize>),
    /// Too many inputs in one request; the server's limit when it says it.
    BatchTooLarge(Option<usize>),
    /// Any other refusal of the request as sent (400/413/415/422…).
    Invalid,
}

/// Classify a non-success answer.
pub(crate) fn classify(status: StatusCode, err: &ServerError) -> Failure {
    let msg = err.message.to_ascii_lowercase();
    let code = err.code.as_deref().unwrap_or("").to_ascii_lowercase();
    if status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || code == "invalid_api_key"
    {
        return Failure::Unauthorized;
    }
    if status == StatusCode::TOO_MANY_REQUESTS {
        return Failure::RateLimited;
    }
    if code == "model_not_found"
        || code == "deploymentnotfound"
        || mentions_missing_model(&msg)
        || (status == StatusCode::NOT_FOUND
            && (msg.contains("model") || msg.contains("deployment")))
    {
        return Failure::ModelNotFound;
    }
    if status == StatusCode::NOT_FOUND {
        return Failure::NoEndpoint;
    }
    if crate::http::is_retryable(status) {
        return Failure::Unavailable;
    }
    if is_batch_limit(&msg) {
        return Failure::BatchTooLarge(
            number_after(&msg, "maximum allowed batch size")
                .or_else(|| number_after(&msg, "max batch size"))
                .or_else(|| number_after(&msg, "max number of inputs is")),
        );
    }
    if is_context_length(&msg, &code) {
        return Failure::ContextTooLong(input_index(&msg));
    }
    Failure::Invalid
}

fn mentions_missing_model(msg: &str) -> bool {
    msg.contains("model")
        && (msg.contains("not found")
            || msg.contains("does not exist")
            || msg.contains("no such model")
            || msg.contains("try pulling it"))
}

fn is_batch_limit(msg: &str) -> bool {
    msg.contains("maximum allowed batch size")
        || msg.contains("max batch size")
        || msg.contains("too many inputs")
        || msg.contains("tokens per request")
        || (msg.contains("batch size") && msg.contains('>'))
}

fn is_context_length(msg: &str, code: &str) -> bool {
    code == "context_length_exceeded"
        || [
            "context length",
            "maximum context",
            "max context",
            "context size",
            "maximum input length",
            "too many tokens",
            "too long",
            "must have less than",
            "input is too large",
            "reduce the length",
            "reduce your prompt",
        ]
        .iter()
        .any(|k| msg.contains(k))
}

/// `input[N]` in a message (OpenAI names the offending input that way).
fn input_index(msg: &str) -> Option<usize> {
    let at = msg.find("input[")? + "input[".len();
    let digits: String = msg[at..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The first integer after `marker` in `msg`.
fn number_after(msg: &str, marker: &str) -> Option<usize> {
    let at = msg.find(marker)? + marker.len();
    let digits: String = msg[at..]
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(message: &str, code: Option<&str>) -> ServerError {
        ServerError {
            message: message.into(),
            kind: None,
            code: code.map(Into::into),
        }
    }

    #[test]
    fn classes() {
        let c = |s: u16, m: &str, code: Option<&str>| {
            classify(StatusCode::from_u16(s).unwrap(), &err(m, code))
        };
        assert_eq!(
            c(401, "Invalid API Key", Some("401")),
            Failure::Unauthorized
        );
        assert_eq!(
            c(404, "The model `x` does not exist", Some("model_not_found")),
            Failure::ModelNotFound
        );
        assert_eq!(
            c(400, "model \"x\" not found, try pulling it first", None),
            Failure::ModelNotFound
        );
        assert_eq!(c(404, "404 page not found", None), Failure::NoEndpoint);
        assert_eq!(
            c(
                404,
                "The API deployment for this resource does not exist.",
                Some("DeploymentNotFound")
            ),
            Failure::ModelNotFound
        );
        assert_eq!(c(429, "slow down", None), Failure::RateLimited);
        assert_eq!(c(503, "overloaded", None), Failure::Unavailable);
        assert_eq!(
            c(422, "batch size 64 > maximum allowed batch size 32", None),
            Failure::BatchTooLarge(Some(32))
        );
        assert_eq!(
            c(
                400,
                "This model's maximum context length is 8192 tokens, however you requested 9000 tokens",
                None
            ),
            Failure::ContextTooLong(None)
        );
        assert_eq!(
            c(
                400,
                "Invalid 'input[3]': maximum input length is 8192 tokens.",
                None
            ),
            Failure::ContextTooLong(Some(3))
        );
        assert_eq!(
            c(
                413,
                "Input validation error: `inputs` must have less than 512 tokens. Given: 600",
                None
            ),
            Failure::ContextTooLong(None)
        );
        assert_eq!(
            c(
                400,
                "Too many inputs. The max number of inputs is 16.",
                None
            ),
            Failure::BatchTooLarge(Some(16))
        );
        assert_eq!(
            c(
                400,
                "Requested 300001 tokens, max 300000 tokens per request",
                None
            ),
            Failure::BatchTooLarge(None)
        );
        assert_eq!(c(400, "invalid input type", None), Failure::Invalid);
    }
}
