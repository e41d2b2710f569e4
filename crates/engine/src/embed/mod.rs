//! Embedders: turn texts into vectors. One async trait, three real implementations
//! (an OpenAI-compatible HTTP client; the real all-MiniLM-L6-v2 run on the CPU, the offline
//! default; and a static table distilled from it, the fast explicit choice), plus a
//! deterministic fake for tests.

use async_trait::async_trait;

/// Why an embedding call failed, in words a user can act on. Never contains a key.
#[derive(Debug, Clone, thiserror::Error)]
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
    /// The vector of one input is unusable (NaN or infinite values, all zeros, or another
    /// length than the others of its answer); the other inputs of the call are fine.
    #[error("unusable vector from the embedding server: {0}")]
    BadVector(String),
    /// Every vector of an answer has another length than the model gives or the index
    /// holds: the wrong model or `dimensions` setting. Stops a job.
    #[error("dimension mismatch: {0}")]
    DimensionMismatch(String),
    /// Any other refusal (4xx) with the server's message.
    #[error("embedding request refused: {0}")]
    Refused(String),
    /// Local problem (asset missing, bad configuration).
    #[error("{0}")]
    Local(String),
}

/// The error for an embedder whose dimension could not be learned.
pub fn unknown_dimension(model: &str) -> EmbedError {
    EmbedError::Local(format!(
        "the dimension of {model} is not known and the server's answer did not tell it; \
         set openai_dimensions (MEMLENS_OPENAI_DIMENSIONS) to the model's dimension"
    ))
}

/// Something that embeds texts into fixed-dimension vectors.
#[async_trait]
pub trait Embedder: Send + Sync {
    /// Model id as it should be recorded (e.g. `text-embedding-3-large`).
    fn model_id(&self) -> &str;
    /// Output dimension; 0 while it is not known (an OpenAI-compatible model memlens does
    /// not know by name, before its first answer). Code that decides anything on the
    /// dimension calls [`Embedder::learn_dimension`] instead.
    fn dimension(&self) -> usize;
    /// The output dimension, learned with one tiny embedding request (as `doctor` does)
    /// when it is not known yet, then cached for the embedder's life. Never `Ok(0)`:
    /// [`EmbedError::Local`] when the answer holds no vector. The default returns
    /// [`Embedder::dimension`] (built-in models know theirs).
    async fn learn_dimension(&self) -> Result<usize, EmbedError> {
        match self.dimension() {
            0 => Err(unknown_dimension(self.model_id())),
            d => Ok(d),
        }
    }
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

    /// Embed many texts, each with its own outcome (in input order): a vector, or why
    /// that text has none — an unusable vector ([`EmbedError::BadVector`]), or the error
    /// of the request that carried it when the embedder split the call into several.
    /// `Err` for what fails every text alike (key refused, model not found, every vector
    /// of the wrong length). `patience` says how hard to retry 5xx and transport errors.
    /// The default calls [`Embedder::embed`] (all-or-nothing).
    async fn embed_each(
        &self,
        texts: &[String],
        patience: Patience,
    ) -> Result<Vec<Result<Vec<f32>, EmbedError>>, EmbedError> {
        let _ = patience;
        Ok(self.embed(texts).await?.into_iter().map(Ok).collect())
    }
}

/// How hard an embedding call retries 5xx answers and transport errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// The embedder's configured retries (a first attempt at a batch).
    Full,
    /// One attempt: used while bisecting a batch that already failed after its retries,
    /// so each split costs one request (a piece that then fails alone is confirmed with
    /// `Full` before it is blamed).
    Once,
}

/// Embed `texts` and insist on one vector per text (a server that answers with fewer or
/// more is a bad response, never silently zipped short).
pub async fn embed_each(
    embedder: &dyn Embedder,
    texts: &[String],
) -> Result<Vec<Vec<f32>>, EmbedError> {
    let vectors = embedder.embed(texts).await?;
    if vectors.len() != texts.len() {
        return Err(EmbedError::BadResponse(format!(
            "asked for {} vectors, got {}",
            texts.len(),
            vectors.len()
        )));
    }
    Ok(vectors)
}

/// The dimensions where healthy vectors of `model` (at `dimension`) are exactly 0.0:
/// all-MiniLM-L6-v2 always has two ([`minilm::STRUCTURAL_ZERO_DIMS`]); other models
/// (OpenAI's, the static table) none, so an exact zero there is worth a look. Used to
/// judge a stored vector's zeros against the model that made it.
pub fn structural_zero_dims(model: &str, dimension: usize) -> &'static [usize] {
    let model = model.rsplit('/').next().unwrap_or(model);
    if model == minilm::MODEL_ID && dimension == minilm::DIMENSION {
        &minilm::STRUCTURAL_ZERO_DIMS
    } else {
        &[]
    }
}

pub mod builtin;
pub mod fake;
pub mod minilm;
pub mod openai;
pub mod wordpiece;

/// The embedder the settings ask for: the OpenAI-compatible client, the built-in
/// all-MiniLM-L6-v2, or the static table. Refused without a network call when the OpenAI
/// embedder points at OpenAI's own API (or Azure) and no key is set
/// ([`crate::doctor::missing_openai_key`]).
pub fn from_settings(
    settings: &crate::config::Settings,
) -> Result<std::sync::Arc<dyn Embedder>, EmbedError> {
    use crate::config::EmbedderChoice;
    if let Some(missing) = crate::doctor::missing_openai_key(settings) {
        return Err(EmbedError::Local(missing));
    }
    Ok(match settings.embedder {
        EmbedderChoice::MiniLm => std::sync::Arc::new(minilm::MiniLmEmbedder::new()?),
        EmbedderChoice::Static => std::sync::Arc::new(builtin::BuiltinEmbedder::new()?),
        EmbedderChoice::OpenAi => {
            std::sync::Arc::new(openai::OpenAiEmbedder::from_settings(settings)?)
        }
    })
}
