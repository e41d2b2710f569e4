//! Embedders: turn texts into vectors. One async trait, three real implementations
//! (an OpenAI-compatible HTTP client; the real all-MiniLM-L6-v2 run on the CPU, the offline
//! default; and a static table distilled from it, the fast explicit choice), plus a
//! deterministic fake for tests.

use async_trait::async_trait;

/// Why an embedding call failed, in words a user can act on. Never contains a key.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// The server refused the key (401/403).
    #[error("the embedding server refused the API key ({0}); check OPENAI_API_KEY")]
    Unauthorized(String),
    /// The model does not exist on that server.
    #[error("model not found: {0}")]
    ModelNotFound(String),
    /// One text is longer than the model accepts.
    #[error("text too long for the model: {0}")]
    ContextTooLong(String),
    /// Rate limited and out of retries.
    #[error("rate limited by the embedding server: {0}")]
    RateLimited(String),
    /// The server or the network failed (after retries).
    #[error("embedding server unavailable: {0}")]
    Unavailable(String),
    /// The server answered something memlens cannot use.
    #[error("bad response from the embedding server: {0}")]
    BadResponse(String),
    /// Any other refusal (4xx) with the server's message.
    #[error("embedding request refused: {0}")]
    Refused(String),
    /// Local problem (asset missing, bad configuration).
    #[error("{0}")]
    Local(String),
}

/// Something that embeds texts into fixed-dimension vectors.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// Model id as it should be recorded (e.g. `text-embedding-3-large`).
    fn model_id(&self) -> &str;
    /// Output dimension.
    fn dimension(&self) -> usize;
    /// Honest one-line label for the UI and README (what actually computes the vectors).
    fn label(&self) -> String;
    /// Tokens the text costs this embedder (for plans and batching).
    fn count_tokens(&self, text: &str) -> usize;
    /// Tokens the model reads in one pass (`[CLS]`/`[SEP]` included), if it has such a
    /// limit and memlens embeds longer texts in windows of it (all-MiniLM-L6-v2: 256).
    /// `None`: no window (static table) or the server enforces its own limit (OpenAI).
    fn window_tokens(&self) -> Option<usize> {
        None
    }
    /// Embed many texts; the result has one vector per text, in input order.
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError>;
}

pub mod builtin;
pub mod fake;
pub mod minilm;
pub mod openai;
pub mod wordpiece;

/// The embedder the settings ask for: the OpenAI-compatible client, the built-in
/// all-MiniLM-L6-v2, or the static table.
pub fn from_settings(
    settings: &crate::config::Settings,
) -> Result<std::sync::Arc<dyn Embedder>, EmbedError> {
    use crate::config::EmbedderChoice;
    Ok(match settings.embedder {
        EmbedderChoice::MiniLm => std::sync::Arc::new(minilm::MiniLmEmbedder::new()?),
        EmbedderChoice::Static => std::sync::Arc::new(builtin::BuiltinEmbedder::new()?),
        EmbedderChoice::OpenAi => {
            std::sync::Arc::new(openai::OpenAiEmbedder::from_settings(settings)?)
        }
    })
}
