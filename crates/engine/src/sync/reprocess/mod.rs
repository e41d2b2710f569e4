//! Reprocess-and-upsert: Omi's embedding pipeline (omi.md §1) done by hand, in batches.
//!
//! For each selected memory: render its text in the chosen format
//! ([`crate::omi::text::render`]), embed it, upsert it into the namespace under
//! `{uid}-{memory_id}` with Omi's metadata (`uid`, `memory_id`, `created_at`) plus every
//! extra key already on the stored record (`people`, `topics`, … — fetched first, because
//! an upsert replaces metadata whole), then fetch it back and verify it (values cosine ≥
//! [`VERIFY_MIN_COSINE`] with what was sent, metadata equal).
//!
//! # Driving it
//!
//! ```ignore
//! let rp = Reprocessor::new(embedder, store, Arc::new(journal), ReprocessConfig::from_settings(&settings, uid)?);
//! // 1. A dry run: what would be written (a confirmation dialog shows this).
//! let plan = rp.plan(&export.memories, &Selection::Missing, None).await?;
//! // 2. The job: progress through a callback, stop with a CancelFlag from another task.
//! let cancel = CancelFlag::new();
//! let summary = rp.run(&plan, |p: &Progress| tx.send(p.clone()).ok().map_or((), |_| ()), &cancel).await?;
//! // 3. After a crash, kill or cancel: finish the unfinished run without redoing done items.
//! if let Some(info) = rp.unfinished_run()? {
//!     let summary = rp.resume(&info.header.run_id, &export.memories, |_| {}, &cancel).await?;
//! }
//! ```
//!
//! - [`Reprocessor::plan`] counts new / overwritten / unchanged / discarded / invalid
//!   memories and estimates tokens and requests ([`Plan`]); it writes nothing.
//! - [`Reprocessor::run`] writes the plan's items: texts go to the embedder in chunks of
//!   [`ReprocessConfig::batch_size`] (the embedder splits them into requests itself), up
//!   to [`ReprocessConfig::concurrency`] batches at a time, with retries of failed steps,
//!   bisection of failed batches so one bad item fails alone, and retry rounds for items
//!   whose failure may pass later ([`Cause::worth_retrying`]). Every batch outcome is
//!   committed to the [`Journal`] before it is reported, so a killed process loses
//!   nothing that was reported done. Progress comes after each batch and every
//!   [`ReprocessConfig::progress_every`] while batches are in flight.
//! - [`Reprocessor::resume`] finishes a run the journal still holds as unfinished.
//! - To retry the failures of a finished run, plan `Selection::Ids` of the summary's
//!   failed memory ids: a failed last write never counts as unchanged.
//!
//! In a UI, put the engine in an `Arc`, spawn `run` on the runtime and forward progress
//! through a channel: `tokio::spawn(async move { rp.run(&plan, move |p| { let _ =
//! tx.send(p.clone()); }, &cancel).await })`; keep a clone of the [`CancelFlag`] for the
//! cancel key.
//!
//! Guards: no write without a uid, none when `read_only`, none of ids Pinecone refuses
//! (reported as invalid), and none when the embedder's dimension differs from the
//! index's or namespace's (checked before the first write).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use crate::config::{CreatedAtPolicy, Settings};
use crate::embed::{EmbedError, Embedder};
use crate::omi::text::TextFormat;
use crate::store::{StoreError, VectorStore};
use crate::sync::journal::{Journal, JournalError, RunInfo};

mod causes;
mod facts;
mod inflight;
mod job;
mod plan;
mod verify;

pub use causes::{Cause, CauseGroup};
pub use inflight::{InFlight, Stage};
pub use job::{FailedItem, Progress, RebuildFn, Rebuilt, Summary, exact_metadata};
pub use plan::{
    Change, Plan, PlanCounts, PlanItem, RequestEstimate, Selection, SkipReason, SkippedItem,
};
pub use verify::{VERIFY_MIN_COSINE, cosine, verify_record};

/// How a reprocess run behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct ReprocessConfig {
    /// The user whose vectors are written (`None`: plans work, writes are refused).
    pub uid: Option<String>,
    /// What is written: conversations (text in `format`, Omi's `ns1` metadata) or facts
    /// (text = `content`, Omi's `ns2` metadata, omi-facts.md §F5.1).
    pub kind: crate::omi::fact_conventions::Kind,
    /// Namespace (Omi: `ns1` for conversations, `ns2` for facts).
    pub namespace: String,
    /// Embedding text format.
    pub format: TextFormat,
    /// What `created_at` metadata to write.
    pub created_at_policy: CreatedAtPolicy,
    /// Refuse every write.
    pub read_only: bool,
    /// Reprocess discarded memories too (Omi never embeds them).
    pub include_discarded: bool,
    /// Reprocess memories whose status is not `completed` too (Omi embeds only after
    /// processing).
    pub include_unfinished: bool,
    /// Rewrite memories the journal says are unchanged.
    pub force: bool,
    /// Texts per embedding call (the embedder splits further into requests).
    pub batch_size: usize,
    /// Batches in flight at once.
    pub concurrency: usize,
    /// Attempts per batch step (embed, fetch, upsert, verify) on transient errors.
    pub step_attempts: u32,
    /// Extra rounds for items that failed in a way that may pass later (a server
    /// unavailable, a verification mismatch), after the main pass. Items that failed
    /// alone for their own content (see [`Cause`]) are not retried in the same run.
    pub retry_rounds: u32,
    /// First wait between step attempts (doubles each time).
    pub retry_delay: std::time::Duration,
    /// How often progress is reported while batches are in flight (besides after
    /// each batch), so a slow server shows what it is working on from the first request.
    pub progress_every: std::time::Duration,
}

impl Default for ReprocessConfig {
    fn default() -> Self {
        Self {
            uid: None,
            kind: crate::omi::fact_conventions::Kind::Conversations,
            namespace: crate::omi::conventions::DEFAULT_NAMESPACE.to_string(),
            format: TextFormat::CURRENT,
            created_at_policy: CreatedAtPolicy::Memory,
            read_only: false,
            include_discarded: false,
            include_unfinished: false,
            force: false,
            batch_size: 256,
            concurrency: 4,
            step_attempts: 3,
            retry_rounds: 1,
            retry_delay: std::time::Duration::from_millis(200),
            progress_every: std::time::Duration::from_millis(500),
        }
    }
}

impl ReprocessConfig {
    /// The policy reasons this configuration forces.
    pub fn overrides(&self) -> crate::omi::policy::Overrides {
        crate::omi::policy::Overrides {
            include_discarded: self.include_discarded,
            include_unfinished: self.include_unfinished,
        }
    }

    /// From settings (`namespace`, `text_format`, `created_at_policy`, `read_only`) and a
    /// uid (`settings.uid` when `uid` is `None`).
    pub fn from_settings(settings: &Settings, uid: Option<String>) -> Result<Self, ReprocessError> {
        let format = settings
            .text_format
            .parse::<TextFormat>()
            .map_err(|e| ReprocessError::Config(e.to_string()))?;
        Ok(Self {
            uid: uid
                .or_else(|| settings.uid.clone())
                .filter(|u| !u.trim().is_empty()),
            namespace: settings.namespace.clone(),
            format,
            created_at_policy: settings.created_at_policy,
            read_only: settings.read_only,
            ..Self::default()
        })
    }
}

/// Why a plan or run could not go ahead. Item-level failures are not errors: they are
/// in the [`Summary`].
#[derive(Debug, thiserror::Error)]
pub enum ReprocessError {
    /// No uid: vector ids and the metadata need one.
    #[error(
        "no uid: reprocess writes vectors as {{uid}}-{{memory_id}}; set --uid, MEMLENS_UID or uid in the config file"
    )]
    NoUid,
    /// Read-only mode.
    #[error(
        "read-only mode: reprocess would write to {0}; drop --read-only (or MEMLENS_READ_ONLY) to allow writes"
    )]
    ReadOnly(String),
    /// Embedder and index disagree on the dimension (or the metric is not cosine).
    #[error(
        "refusing to write: {0}{fix}",
        fix = if .0.contains("Fix:") {
            ""
        } else {
            ". Fix: embed with the model (and openai_dimensions) the index was built with, or write to an index or namespace made for this embedder (same dimension, cosine metric)"
        }
    )]
    Incompatible(String),
    /// Bad configuration.
    #[error("{0}")]
    Config(String),
    /// The store failed in a way that stops the whole job.
    #[error("vector store: {0}{fix}", fix = store_fix(.0))]
    Store(#[from] StoreError),
    /// The embedder failed in a way that stops the whole job.
    #[error("embedder: {0}{fix}", fix = embed_fix(.0))]
    Embed(#[from] EmbedError),
    /// The journal could not be read or written.
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The run to resume is not known, or belongs to another target.
    #[error("{0}")]
    Resume(String),
}

/// The fix a permanent embedder error calls for, when its message does not say it.
fn embed_fix(e: &EmbedError) -> &'static str {
    match e {
        EmbedError::ModelNotFound(_) => {
            ". Fix: set openai_model (MEMLENS_OPENAI_MODEL) to a model this server serves"
        }
        EmbedError::DimensionMismatch(_) => {
            ". Fix: set openai_model / openai_dimensions to what the index was built with"
        }
        _ => "",
    }
}

/// The fix a permanent store error calls for, when its message does not say it.
fn store_fix(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotFound(_) => ". Fix: check PINECONE_INDEX_HOST or PINECONE_INDEX_NAME",
        _ => "",
    }
}

/// A cancellation flag shared between the job and whoever may stop it. Cancelling lets
/// batches already writing finish (their items end `done`), starts no new ones, and
/// leaves the rest `pending` in the journal for a resume.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag not yet raised.
    pub fn new() -> Self {
        Self::default()
    }
    /// Ask the job to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// True once [`CancelFlag::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// The engine: an embedder, a store, a journal and a configuration.
pub struct Reprocessor {
    embedder: Arc<dyn Embedder>,
    store: Arc<dyn VectorStore>,
    journal: Arc<Journal>,
    config: ReprocessConfig,
}

impl std::fmt::Debug for Reprocessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reprocessor")
            .field("model", &self.embedder.model_id())
            .field("target", &self.store.target())
            .field("journal", &self.journal.path())
            .field("config", &self.config)
            .finish()
    }
}

/// A summary of the destination, for plans and headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// `pinecone NAME` or `local PATH`.
    pub store: String,
    /// True for a store on another machine (writes need a confirmation).
    pub remote: bool,
    pub namespace: String,
    pub uid: String,
    pub model: String,
    pub format: String,
}

impl Reprocessor {
    /// An engine over these parts.
    pub fn new(
        embedder: Arc<dyn Embedder>,
        store: Arc<dyn VectorStore>,
        journal: Arc<Journal>,
        config: ReprocessConfig,
    ) -> Self {
        let mut config = config;
        config.batch_size = config.batch_size.max(1);
        config.concurrency = config.concurrency.max(1);
        config.step_attempts = config.step_attempts.max(1);
        Self {
            embedder,
            store,
            journal,
            config,
        }
    }

    /// An engine over an embedder and a store with the settings' configuration
    /// ([`ReprocessConfig::from_settings`]) and the journal of the settings' data dir.
    pub fn with_settings(
        embedder: Arc<dyn Embedder>,
        store: Arc<dyn VectorStore>,
        settings: &Settings,
        uid: Option<String>,
    ) -> Result<Self, ReprocessError> {
        let journal = Arc::new(Journal::open_in(&settings.data_dir)?);
        let config = ReprocessConfig::from_settings(settings, uid)?;
        Ok(Self::new(embedder, store, journal, config))
    }

    /// The configuration in use.
    pub fn config(&self) -> &ReprocessConfig {
        &self.config
    }

    /// The vector store written to.
    pub fn store(&self) -> &dyn VectorStore {
        self.store.as_ref()
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// The uid, or [`ReprocessError::NoUid`].
    pub fn uid(&self) -> Result<&str, ReprocessError> {
        self.config.uid.as_deref().ok_or(ReprocessError::NoUid)
    }

    /// Where writes go.
    pub fn target(&self) -> Result<Target, ReprocessError> {
        Ok(Target {
            store: self.store.target(),
            remote: self.store.is_remote(),
            namespace: self.config.namespace.clone(),
            uid: self.uid()?.to_string(),
            model: self.embedder.model_id().to_string(),
            format: match self.config.kind {
                crate::omi::fact_conventions::Kind::Facts => {
                    crate::omi::fact_conventions::FACT_TEXT_FORMAT.to_string()
                }
                crate::omi::fact_conventions::Kind::Conversations => {
                    self.config.format.name().to_string()
                }
                // Action items and chunks are written by `sync::kinds::write`, never
                // through this job.
                other => other.word().to_string(),
            },
        })
    }

    /// The newest unfinished run for this target, namespace and uid, if any.
    pub fn unfinished_run(&self) -> Result<Option<RunInfo>, ReprocessError> {
        let uid = self.uid()?;
        Ok(self
            .journal
            .unfinished_runs(&self.store.target(), &self.config.namespace, uid)?
            .into_iter()
            .next())
    }

    /// Mark a run abandoned: it will not be offered for resuming again.
    pub fn abandon(&self, run_id: &str) -> Result<(), ReprocessError> {
        self.journal
            .set_state(run_id, crate::sync::journal::RunState::Abandoned)?;
        Ok(())
    }
}

/// The hex SHA-256 of an embedding text (what the journal compares).
pub fn text_hash(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
