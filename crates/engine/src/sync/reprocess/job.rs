//! The job: batches through embed → fetch existing → upsert → verify, with bounded
//! concurrency, retries, progress, cancellation and the journal.
//!
//! # One bad item fails alone
//!
//! A batch that fails in a way one of its items may cause — a 5xx after the retries,
//! a 4xx about the request, a Pinecone 400 on an upsert — is bisected: its halves are
//! sent again (embedding requests once each, without retries), the half that fails is
//! split again, and so on until the failing items stand alone; a lone item that still
//! fails is confirmed once with the full retries before it is blamed. Everything else
//! lands. A batch of `n` costs at most `2·⌈log2 n⌉` extra requests per bad item, plus
//! the retries its 5xx answers earn. An unusable vector (NaN, infinite, all zeros, odd
//! length) fails only its own item, with no extra request. When every piece fails the
//! same way as the whole batch at two sizes in a row (halves, then quarters), the server
//! is down, not an item: splitting stops and the items are left to the retry round.
//!
//! # Transient or permanent
//!
//! Transient errors (408, 429, 5xx, Pinecone's 409 ABORTED, timeouts, resets) are
//! retried by the HTTP clients, then per step. Permanent ones — a refused key, an
//! unknown model, vectors of another dimension than the index, another metric — stop
//! the job at once with one error naming the cause and the fix; items already written
//! stay done and the journal resumes the rest later.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::join_all;
use serde::Serialize;
use tokio::sync::OnceCell;

use super::causes::{Cause, CauseGroup, group};
use super::inflight::{Board, InFlight, Stage};
use super::verify::{carry_over, verify_record};
use super::{CancelFlag, Plan, ReprocessError, Reprocessor, text_hash};
use crate::config::CreatedAtPolicy;
use crate::embed::{EmbedError, Patience};
use crate::omi::Memory;
use crate::omi::conventions::{KEY_CREATED_AT, memory_metadata};
use crate::omi::fact_conventions::{carry_over_fact_metadata, fact_metadata};
use crate::omi::text::render;
use crate::store::{MetaValue, Metadata, Record, StoreError, validate_record};
use crate::sync::journal::{ItemState, Outcome, RunHeader, RunState};

/// Where a job is: sent after each batch, and every
/// [`ReprocessConfig::progress_every`](super::ReprocessConfig::progress_every) while
/// batches are in flight (from the first request on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub run_id: String,
    /// Items of the run (a resumed run counts its earlier `done` items too).
    pub total: usize,
    /// Upserted and verified.
    pub done: usize,
    /// Failed so far (a later retry round may still write them).
    pub failed: usize,
    /// 0 for the main pass, then 1, 2… for retry rounds of failed items.
    pub retry_round: u32,
    pub elapsed_ms: u64,
    /// Items per second in this session.
    pub rate_per_sec: f64,
    /// Estimated time left.
    pub eta_ms: Option<u64>,
    /// The latest failure message, if any.
    pub last_error: Option<String>,
    /// The batches in flight now, by batch number.
    pub in_flight: Vec<InFlight>,
    /// True for the report sent when a batch finished; false for a report of what is
    /// in flight while waiting.
    pub batch_finished: bool,
}

/// An item that could not be written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedItem {
    pub memory_id: String,
    pub vector_id: String,
    /// Why, as a group of the summary.
    pub cause: Cause,
    /// The message of the step that failed (the server's words where it gave some).
    pub error: String,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub run_id: String,
    pub target: String,
    pub namespace: String,
    /// Items of the run.
    pub total: usize,
    /// Items done (including those done before a resume).
    pub done: usize,
    /// Of `done`, those finished by an earlier session of a resumed run.
    pub done_before: usize,
    pub failed: Vec<FailedItem>,
    /// `failed` grouped by cause, each with its description and fix.
    pub failed_by_cause: Vec<CauseGroup>,
    /// Items left pending (cancelled before they started).
    pub pending: usize,
    pub cancelled: bool,
    pub elapsed_ms: u64,
}

impl Summary {
    /// True when every item is done.
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.pending == 0 && self.done == self.total
    }
}

/// One memory on its way.
#[derive(Debug, Clone)]
struct Work {
    memory_id: String,
    vector_id: String,
    text: String,
    text_hash: String,
    memory_created_at: Option<i64>,
    /// Facts: the category for `ns2` metadata (then `created_at` is the upsert time and
    /// the metadata is Omi's fact metadata).
    category: Option<String>,
    /// Action items and chunks: Omi's metadata, written exactly ([`exact_metadata`]).
    omi_metadata: Option<Metadata>,
    /// The stored metadata as first read in this session (`Some(None)`: no record).
    /// Retries carry it over rather than what a failed attempt may have left behind.
    existing: Option<Option<Metadata>>,
}

/// Why one item failed.
#[derive(Debug, Clone, PartialEq)]
struct ItemFailure {
    cause: Cause,
    message: String,
}

impl ItemFailure {
    fn new(cause: Cause, message: impl Into<String>) -> Self {
        Self {
            cause,
            message: message.into(),
        }
    }
}

type ItemResult = (Work, Result<(), ItemFailure>);

/// Rebuilds a journalled item for a resume from its vector id, its memory id (the
/// journal's `memory_id`: conversation, fact or item id, or a chunk's key) and the run's
/// uid: `None` when the record is not in the export, `Err(why)` when it must not be
/// written any more.
pub type RebuildFn<'a> = dyn Fn(&str, &str, &str) -> Option<Result<Rebuilt, String>> + Sync + 'a;

/// An item of an unfinished run, rebuilt from the export for a resume.
#[derive(Debug, Clone, Default)]
pub struct Rebuilt {
    /// Omi's embedding text.
    pub text: String,
    /// Conversations: the memory's `created_at`, Unix seconds.
    pub created_at: Option<i64>,
    /// Facts: the category.
    pub category: Option<String>,
    /// Action items and chunks: Omi's metadata ([`exact_metadata`]).
    pub omi_metadata: Option<Metadata>,
}

/// The metadata of an action item or chunk record as Omi's upsert writes it: exactly
/// Omi's keys (a Pinecone upsert replaces the record, and Omi's `ns4`/`ns_tchunks` writes
/// build the metadata whole), with `created_at` = the upsert time (`now`, Unix seconds)
/// for kinds that record it (action items, omi-namespaces-2026.md §2.1; a chunk keeps
/// its own, §1.2).
pub fn exact_metadata(
    kind: crate::omi::record_kind::Kind,
    metadata: &Metadata,
    now: i64,
) -> Metadata {
    let mut out = metadata.clone();
    if kind.spec().upsert_time {
        out.insert(KEY_CREATED_AT.into(), MetaValue::Number(now as f64));
    }
    out
}

/// One text's vector, or why it has none.
type Embedded = Result<Vec<f32>, ItemFailure>;

enum BatchResult {
    /// Not started (cancelled): items stay pending.
    NotStarted(Vec<Work>),
    /// Every item has an outcome.
    Finished(Vec<ItemResult>),
    /// An error that stops the job; the batch's items stay pending.
    Fatal(ReprocessError, Vec<Work>),
}

/// The dimension check, done once per job.
#[derive(Debug, Clone)]
enum DimCheck {
    Ok(usize),
    Incompatible(String),
    Failed(String),
}

/// Where a batch stands in its pass, for the in-flight board.
#[derive(Clone, Copy)]
struct Slot<'a> {
    board: &'a Board,
    batch: usize,
    batches: usize,
}

impl Slot<'_> {
    fn stage(&self, stage: Stage, items: usize) {
        self.board.set(self.batch, self.batches, stage, items);
    }
}

/// How one failed embedding or upsert of several items is handled.
enum Split {
    /// This item's own failure: no split needed.
    Final(Cause),
    /// May come from any item of the request: bisect.
    Bisect,
    /// Fails the whole batch, whatever its items (rate limits): no split.
    Batch(Cause),
}

fn split_embed(e: &EmbedError) -> Split {
    match e {
        EmbedError::BadVector(_) => Split::Final(Cause::BadVector),
        EmbedError::ContextTooLong(_) => Split::Final(Cause::TextTooLong),
        EmbedError::RateLimited(_) => Split::Batch(Cause::Unavailable),
        _ => Split::Bisect,
    }
}

fn split_store(e: &StoreError) -> Split {
    match e {
        StoreError::RateLimited(_) => Split::Batch(Cause::Unavailable),
        _ => Split::Bisect,
    }
}

/// The shape of an error, for "fails the same way": its text without the digits
/// (attempt counts, indexes and sizes vary between pieces of one failure).
fn fingerprint(e: &impl std::fmt::Display) -> String {
    e.to_string()
        .chars()
        .filter(|c| !c.is_ascii_digit())
        .collect()
}

/// Counts the levels of a bisection at which every piece failed like the whole batch.
#[derive(Default)]
struct DownDetector {
    uniform_levels: u32,
}

impl DownDetector {
    /// Record one level: `pieces` sent, `alike` of them failed like the whole batch.
    /// True when that happened at two levels in a row: the server fails at every size.
    fn level(&mut self, pieces: usize, alike: usize) -> bool {
        if pieces >= 2 && alike == pieces {
            self.uniform_levels += 1;
        } else {
            self.uniform_levels = 0;
        }
        self.uniform_levels >= 2
    }
}

fn transient_embed(e: &EmbedError) -> bool {
    matches!(
        e,
        EmbedError::RateLimited(_) | EmbedError::Unavailable(_) | EmbedError::BadResponse(_)
    )
}

/// Errors of a whole embedding call that stop the job. A `ContextTooLong` of the whole
/// call means the server's context is too small for any of these texts (an embedder
/// reports a single text too long as that text's own outcome).
fn fatal_embed(e: &EmbedError) -> bool {
    matches!(
        e,
        EmbedError::Unauthorized(_)
            | EmbedError::ModelNotFound(_)
            | EmbedError::DimensionMismatch(_)
            | EmbedError::ContextTooLong(_)
            | EmbedError::Local(_)
    )
}

fn transient_store(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::RateLimited(_) | StoreError::Unavailable(_) | StoreError::BadResponse(_)
    )
}

fn fatal_store(e: &StoreError) -> bool {
    matches!(
        e,
        StoreError::Unauthorized(_)
            | StoreError::DimensionMismatch(_)
            | StoreError::ModelMismatch(_)
            | StoreError::NotFound(_)
    )
}

fn store_fatal_error(e: StoreError) -> ReprocessError {
    match e {
        StoreError::DimensionMismatch(m) | StoreError::ModelMismatch(m) => {
            ReprocessError::Incompatible(m)
        }
        other => ReprocessError::Store(other),
    }
}

fn new_run_id() -> String {
    format!(
        "{}-{:04x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f"),
        fastrand::u16(..)
    )
}

fn all_failed(works: Vec<Work>, cause: Cause, why: &str) -> BatchResult {
    BatchResult::Finished(
        works
            .into_iter()
            .map(|w| (w, Err(ItemFailure::new(cause, why))))
            .collect(),
    )
}

impl Reprocessor {
    fn header(&self, run_id: String) -> Result<RunHeader, ReprocessError> {
        let t = self.target()?;
        Ok(RunHeader {
            run_id,
            target: t.store,
            namespace: t.namespace,
            uid: t.uid,
            model: t.model,
            format: t.format,
        })
    }

    fn refuse_read_only(&self) -> Result<(), ReprocessError> {
        if self.config.read_only {
            return Err(ReprocessError::ReadOnly(self.store.target()));
        }
        // A kind's own namespace is never read-only to it.
        let own = self.config.namespace == self.config.kind.default_namespace();
        if let Some(why) = (!own)
            .then(|| crate::omi::fact_conventions::read_only_namespace(&self.config.namespace))
            .flatten()
            .or_else(|| self.config.kind.foreign_namespace(&self.config.namespace))
        {
            return Err(ReprocessError::Config(format!("refusing to write: {why}")));
        }
        Ok(())
    }

    /// Check the embedder's dimension against the store now, when it is known.
    async fn preflight(&self, dim_check: &OnceCell<DimCheck>) -> Result<(), ReprocessError> {
        let dim = self.embedder.learn_dimension().await?;
        if dim > 0 {
            self.check_dimension(dim, dim_check).await?;
        }
        Ok(())
    }

    async fn check_dimension(
        &self,
        dim: usize,
        cell: &OnceCell<DimCheck>,
    ) -> Result<(), ReprocessError> {
        let checked = cell
            .get_or_init(|| async {
                let model = self.embedder.model_id();
                match self
                    .store
                    .claim_namespace(&self.config.namespace, model, dim)
                    .await
                {
                    Ok(()) => DimCheck::Ok(dim),
                    Err(StoreError::DimensionMismatch(m) | StoreError::ModelMismatch(m)) => {
                        DimCheck::Incompatible(m)
                    }
                    Err(e) => DimCheck::Failed(e.to_string()),
                }
            })
            .await;
        match checked {
            DimCheck::Ok(d) if *d == dim => Ok(()),
            DimCheck::Ok(d) => Err(ReprocessError::Incompatible(format!(
                "the embedder returned {dim}-dimensional vectors after {d}-dimensional ones"
            ))),
            DimCheck::Incompatible(m) => Err(ReprocessError::Incompatible(m.clone())),
            DimCheck::Failed(m) => Err(ReprocessError::Store(StoreError::Unavailable(format!(
                "cannot check the index dimension: {m}"
            )))),
        }
    }

    /// Run a plan: write its items, report progress after each batch, stop when `cancel`
    /// is raised. Returns the summary; an `Err` means the job could not start or hit an
    /// error that affects every item (the run then stays resumable).
    pub async fn run(
        &self,
        plan: &Plan,
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        self.refuse_read_only()?;
        let header = self.header(new_run_id())?;
        let t = &plan.target;
        if (&t.store, &t.namespace, &t.uid, &t.model, &t.format)
            != (
                &header.target,
                &header.namespace,
                &header.uid,
                &header.model,
                &header.format,
            )
        {
            return Err(ReprocessError::Config(format!(
                "the plan was made for {} / {} / uid {} / {} / {}; this engine writes to {} / {} / uid {} / {} / {}: plan again",
                t.store,
                t.namespace,
                t.uid,
                t.model,
                t.format,
                header.target,
                header.namespace,
                header.uid,
                header.model,
                header.format
            )));
        }
        let works: Vec<Work> = plan
            .items
            .iter()
            .map(|i| Work {
                memory_id: i.memory_id.clone(),
                vector_id: i.vector_id.clone(),
                text: i.text.clone(),
                text_hash: i.text_hash.clone(),
                memory_created_at: i.memory_created_at,
                category: i.category.clone(),
                omi_metadata: i.omi_metadata.clone(),
                existing: None,
            })
            .collect();
        self.start(header, works, progress, cancel).await
    }

    /// Write Omi's records of a kind written whole (action items, chunks: each with its
    /// exact metadata, [`exact_metadata`]) as a journalled run: the same job as a plan's,
    /// batches of [`ReprocessConfig::batch_size`](super::ReprocessConfig::batch_size).
    /// `records` must not be skipped ones ([`crate::sync::kinds::Expected::skip`]); the
    /// journal's `memory_id` of each item is the record's key (`{cid} c{n}` for a chunk).
    pub async fn run_records(
        &self,
        records: &[crate::sync::kinds::Expected],
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        self.refuse_read_only()?;
        let header = self.header(new_run_id())?;
        let works = records
            .iter()
            .map(|e| Work {
                memory_id: e.key.clone(),
                vector_id: e.vector_id.clone(),
                text_hash: text_hash(&e.text),
                text: e.text.clone(),
                memory_created_at: None,
                category: None,
                omi_metadata: Some(e.metadata.clone()),
                existing: None,
            })
            .collect();
        self.start(header, works, progress, cancel).await
    }

    /// Start a new run of `works`: the dimension check, the run and its items in the
    /// journal (all pending), then the job.
    async fn start(
        &self,
        header: RunHeader,
        works: Vec<Work>,
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        let dim_check = OnceCell::new();
        self.preflight(&dim_check).await?;
        if works.is_empty() {
            return Ok(Summary {
                run_id: header.run_id,
                target: header.target,
                namespace: header.namespace,
                total: 0,
                done: 0,
                done_before: 0,
                failed: Vec::new(),
                failed_by_cause: Vec::new(),
                pending: 0,
                cancelled: cancel.is_cancelled(),
                elapsed_ms: 0,
            });
        }
        let rows: Vec<(String, String, String)> = works
            .iter()
            .map(|w| {
                (
                    w.vector_id.clone(),
                    w.memory_id.clone(),
                    w.text_hash.clone(),
                )
            })
            .collect();
        self.journal.start_run(&header, &rows)?;
        self.execute(&header, works, 0, &dim_check, progress, cancel)
            .await
    }

    /// Finish an unfinished run: its `pending` and `failed` items are rebuilt from
    /// `memories` (the same export) and written; `done` items are left alone. The run
    /// must belong to this engine's target, namespace, uid, model and format.
    pub async fn resume(
        &self,
        run_id: &str,
        memories: &[Memory],
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        let by_id: BTreeMap<&str, &Memory> = memories.iter().map(|m| (m.id.as_str(), m)).collect();
        let format = self.config.format;
        // Only the forcible reasons (discarded, unfinished) may have been forced when
        // the run was planned; a memory deleted, locked or invalid since is not written.
        let never = crate::omi::policy::Overrides {
            include_discarded: true,
            include_unfinished: true,
        };
        let rebuild = |_: &str, id: &str, uid: &str| -> Option<Result<Rebuilt, String>> {
            by_id.get(id).map(|m| {
                if let Some(r) = crate::omi::policy::skip_reason(m, Some(uid), never) {
                    return Err(format!(
                        "not written: skipped ({}); Omi would not embed it",
                        r.detail()
                    ));
                }
                Ok(Rebuilt {
                    text: render(&m.structured, format),
                    created_at: m.created_at.as_ref().map(|d| d.timestamp()),
                    ..Rebuilt::default()
                })
            })
        };
        self.resume_with(run_id, &rebuild, "memory", progress, cancel)
            .await
    }

    /// Finish an unfinished run from items rebuilt by `rebuild(id, uid)` (by memory or
    /// fact id, for the run's uid): `None` when the id is not in the export, `Err(why)`
    /// when the item must not be written any more (deleted, locked or invalid since the
    /// run was planned); `what` names an item in messages.
    pub async fn resume_with(
        &self,
        run_id: &str,
        rebuild: &RebuildFn<'_>,
        what: &str,
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        self.refuse_read_only()?;
        let info = self.journal.run(run_id)?.ok_or_else(|| {
            ReprocessError::Resume(format!("no reprocess run {run_id} in the journal"))
        })?;
        let mine = self.header(run_id.to_string())?;
        let h = &info.header;
        for (what, theirs, ours) in [
            ("store", &h.target, &mine.target),
            ("namespace", &h.namespace, &mine.namespace),
            ("uid", &h.uid, &mine.uid),
            ("model", &h.model, &mine.model),
            ("text format", &h.format, &mine.format),
        ] {
            if theirs != ours {
                return Err(ReprocessError::Resume(format!(
                    "run {run_id} used {what} {theirs}, the current settings give {ours}: \
                     resume it with the same settings, or abandon it"
                )));
            }
        }
        if !info.state.is_unfinished() {
            return Err(ReprocessError::Resume(format!(
                "run {run_id} is {:?}, not unfinished",
                info.state
            )));
        }
        let dim_check = OnceCell::new();
        self.preflight(&dim_check).await?;
        let mut works = Vec::new();
        let mut lost = Vec::new();
        for item in self.journal.items(run_id)? {
            if item.state == ItemState::Done {
                continue;
            }
            match rebuild(&item.vector_id, &item.memory_id, &h.uid) {
                Some(Err(why)) => lost.push(Outcome {
                    result: Err(why),
                    vector_id: item.vector_id,
                    memory_id: item.memory_id,
                    text_hash: item.text_hash,
                }),
                Some(Ok(r)) => {
                    works.push(Work {
                        memory_id: item.memory_id,
                        vector_id: item.vector_id,
                        text_hash: text_hash(&r.text),
                        text: r.text,
                        memory_created_at: r.created_at,
                        category: r.category,
                        omi_metadata: r.omi_metadata,
                        existing: None,
                    });
                }
                None => lost.push(Outcome {
                    result: Err(format!(
                        "{what} {} is not in this export: resume with the export the run was started from",
                        item.memory_id
                    )),
                    vector_id: item.vector_id,
                    memory_id: item.memory_id,
                    text_hash: item.text_hash,
                }),
            }
        }
        self.journal.record(h, &lost)?;
        // Items another run has written since, with the same text, model and format, and
        // still stored: done already (a plain re-run after a cancel wrote them), not
        // written twice.
        let ids: Vec<String> = works.iter().map(|w| w.vector_id.clone()).collect();
        let last = self.journal.last_writes(&h.target, &h.namespace, &ids)?;
        let elsewhere: Vec<(String, String)> = works
            .iter()
            .filter_map(|w| {
                last.get(&w.vector_id)
                    .filter(|e| e.run_id != run_id && e.matches(&w.text_hash, &h.model, &h.format))
                    .map(|e| (w.vector_id.clone(), e.run_id.clone()))
            })
            .collect();
        let mut settled: Vec<(String, String)> = Vec::new();
        for group in elsewhere.chunks(crate::store::limits::FETCH_GROUP) {
            let ids: Vec<String> = group.iter().map(|(id, _)| id.clone()).collect();
            let stored = self
                .store
                .fetch(&h.namespace, &ids)
                .await
                .map_err(store_fatal_error)?;
            settled.extend(
                group
                    .iter()
                    .filter(|(id, _)| stored.contains_key(id))
                    .cloned(),
            );
        }
        self.journal.settle(run_id, &settled)?;
        let settled_ids: std::collections::HashSet<&str> =
            settled.iter().map(|(id, _)| id.as_str()).collect();
        works.retain(|w| !settled_ids.contains(w.vector_id.as_str()));
        self.journal.set_state(run_id, RunState::Running)?;
        let mut summary = self
            .execute(
                h,
                works,
                info.done + settled.len(),
                &dim_check,
                progress,
                cancel,
            )
            .await?;
        summary.total += lost.len();
        summary.failed.extend(lost.into_iter().map(|o| FailedItem {
            memory_id: o.memory_id,
            vector_id: o.vector_id,
            cause: Cause::NotInExport,
            error: o.result.err().unwrap_or_default(),
        }));
        summary.failed_by_cause = group(&summary.failed);
        Ok(summary)
    }

    async fn execute(
        &self,
        header: &RunHeader,
        works: Vec<Work>,
        done_before: usize,
        dim_check: &OnceCell<DimCheck>,
        mut progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        let start = Instant::now();
        let total = works.len() + done_before;
        let mut done = done_before;
        let mut failed: BTreeMap<String, FailedItem> = BTreeMap::new();
        let mut pending = 0usize;
        let mut fatal: Option<ReprocessError> = None;
        let stop = CancelFlag::new();
        let board = Board::default();
        let mut todo = works;
        let mut round = 0u32;
        let report = |done: usize,
                      failed: usize,
                      round: u32,
                      last_error: Option<String>,
                      in_flight: Vec<InFlight>,
                      batch_finished: bool| {
            let elapsed = start.elapsed();
            let session_done = done - done_before;
            let rate = session_done as f64 / elapsed.as_secs_f64().max(1e-6);
            let left = total.saturating_sub(done + failed);
            Progress {
                run_id: header.run_id.clone(),
                total,
                done,
                failed,
                retry_round: round,
                elapsed_ms: elapsed.as_millis() as u64,
                rate_per_sec: rate,
                eta_ms: (rate > 0.0).then(|| (left as f64 / rate * 1000.0) as u64),
                last_error,
                in_flight,
                batch_finished,
            }
        };
        loop {
            let mut retry = Vec::new();
            let batches: Vec<Vec<Work>> = todo
                .chunks(self.config.batch_size)
                .map(<[Work]>::to_vec)
                .collect();
            let count = batches.len();
            let board_ref = &board;
            let stop_ref = &stop;
            let mut stream = futures::stream::iter(batches.into_iter().enumerate())
                .map(|(i, b)| {
                    let slot = Slot {
                        board: board_ref,
                        batch: i + 1,
                        batches: count,
                    };
                    async move {
                        let result = self
                            .process_batch(b, slot, dim_check, cancel, stop_ref)
                            .await;
                        slot.board.clear(slot.batch);
                        result
                    }
                })
                .buffer_unordered(self.config.concurrency);
            let mut ticker = tokio::time::interval(self.config.progress_every);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let result = tokio::select! {
                    biased;
                    next = stream.next() => match next {
                        Some(result) => result,
                        None => break,
                    },
                    _ = ticker.tick() => {
                        let in_flight = board.snapshot();
                        if !in_flight.is_empty() {
                            progress(&report(done, failed.len(), round, None, in_flight, false));
                        }
                        continue;
                    }
                };
                let mut last_error = None;
                match result {
                    // In a retry round, items not started stay `failed` (not pending).
                    BatchResult::NotStarted(ws) if round == 0 => pending += ws.len(),
                    BatchResult::NotStarted(_) => {}
                    BatchResult::Fatal(e, ws) => {
                        if round == 0 {
                            pending += ws.len();
                        }
                        stop.cancel();
                        last_error = Some(e.to_string());
                        fatal.get_or_insert(e);
                    }
                    BatchResult::Finished(results) => {
                        let outcomes: Vec<Outcome> = results
                            .iter()
                            .map(|(w, r)| Outcome {
                                vector_id: w.vector_id.clone(),
                                memory_id: w.memory_id.clone(),
                                text_hash: w.text_hash.clone(),
                                result: r.clone().map_err(|f| f.message),
                            })
                            .collect();
                        if let Err(e) = self.journal.record(header, &outcomes) {
                            // Without the journal a crash would lose track: stop here.
                            stop.cancel();
                            last_error = Some(e.to_string());
                            fatal.get_or_insert(e.into());
                        }
                        for (w, r) in results {
                            match r {
                                Ok(()) => {
                                    failed.remove(&w.vector_id);
                                    done += 1;
                                }
                                Err(f) => {
                                    last_error = Some(f.message.clone());
                                    let again = f.cause.worth_retrying();
                                    failed.insert(
                                        w.vector_id.clone(),
                                        FailedItem {
                                            memory_id: w.memory_id.clone(),
                                            vector_id: w.vector_id.clone(),
                                            cause: f.cause,
                                            error: f.message,
                                        },
                                    );
                                    if again {
                                        retry.push(w);
                                    }
                                }
                            }
                        }
                    }
                }
                progress(&report(
                    done,
                    failed.len(),
                    round,
                    last_error,
                    board.snapshot(),
                    true,
                ));
            }
            drop(stream);
            round += 1;
            if retry.is_empty()
                || round > self.config.retry_rounds
                || cancel.is_cancelled()
                || stop.is_cancelled()
            {
                break;
            }
            tokio::time::sleep(self.config.retry_delay).await;
            todo = retry;
        }
        let state = if fatal.is_some() {
            RunState::Interrupted
        } else if pending > 0 {
            RunState::Cancelled
        } else {
            RunState::Finished
        };
        self.journal.set_state(&header.run_id, state)?;
        if let Some(e) = fatal {
            return Err(e);
        }
        let failed: Vec<FailedItem> = failed.into_values().collect();
        Ok(Summary {
            run_id: header.run_id.clone(),
            target: header.target.clone(),
            namespace: header.namespace.clone(),
            total,
            done,
            done_before,
            failed_by_cause: group(&failed),
            failed,
            pending,
            cancelled: cancel.is_cancelled(),
            elapsed_ms: start.elapsed().as_millis() as u64,
        })
    }

    /// Call `f` until it succeeds, fails for good, or `step_attempts` are used up.
    async fn retrying<T, E, F, Fut>(&self, transient: fn(&E) -> bool, mut f: F) -> Result<T, E>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let mut attempt = 0u32;
        loop {
            match f().await {
                Ok(v) => return Ok(v),
                Err(e) if attempt + 1 < self.config.step_attempts && transient(&e) => {
                    let wait = self
                        .config
                        .retry_delay
                        .saturating_mul(1u32 << attempt.min(8))
                        .min(Duration::from_secs(30));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Embed texts, one outcome per text; a failure that may come from any text of a
    /// request is bisected until the texts at fault stand alone (see the module docs).
    /// `Err` only for errors that stop the job.
    async fn embed_isolating(
        &self,
        texts: &[String],
        slot: Slot<'_>,
    ) -> Result<Vec<Embedded>, EmbedError> {
        let n = texts.len();
        let first = self
            .retrying(transient_embed, || {
                self.embedder.embed_each(texts, Patience::Full)
            })
            .await;
        let first: Vec<Result<Vec<f32>, EmbedError>> = match first {
            Ok(v) if v.len() == n => v,
            Ok(v) => {
                let why = format!("the embedder returned {} vectors for {n} texts", v.len());
                return Ok(vec![Err(ItemFailure::new(Cause::Unavailable, why)); n]);
            }
            Err(e) if fatal_embed(&e) => return Err(e),
            Err(e) => (0..n).map(|_| Err(e.clone())).collect(),
        };
        let mut out: Vec<Option<Embedded>> = vec![None; n];
        let mut suspects = Vec::new();
        let mut whole: Option<String> = None;
        for (i, r) in first.into_iter().enumerate() {
            match r {
                Ok(v) => out[i] = Some(Ok(v)),
                Err(e) => match split_embed(&e) {
                    Split::Final(cause) | Split::Batch(cause) => {
                        out[i] = Some(Err(ItemFailure::new(cause, e.to_string())));
                    }
                    Split::Bisect if n == 1 => {
                        out[i] = Some(Err(ItemFailure::new(Cause::EmbedRejected, e.to_string())));
                    }
                    Split::Bisect => {
                        whole.get_or_insert_with(|| fingerprint(&e));
                        suspects.push((i, e));
                    }
                },
            }
        }
        let whole = whole.unwrap_or_default();
        let mut groups: Vec<Vec<(usize, EmbedError)>> = if suspects.is_empty() {
            Vec::new()
        } else {
            vec![suspects]
        };
        let mut down = DownDetector::default();
        while !groups.is_empty() {
            slot.stage(Stage::Isolating, groups.iter().map(Vec::len).sum());
            let mut pieces: Vec<Vec<usize>> = Vec::new();
            let mut singles: Vec<(usize, EmbedError)> = Vec::new();
            for mut g in groups {
                if g.len() == 1 {
                    singles.extend(g);
                } else {
                    let b = g.split_off(g.len() / 2);
                    pieces.push(g.into_iter().map(|(i, _)| i).collect());
                    pieces.push(b.into_iter().map(|(i, _)| i).collect());
                }
            }
            // A text that failed alone without retries is confirmed once with them.
            let confirmed = join_all(singles.iter().map(|(i, _)| {
                self.embedder
                    .embed_each(std::slice::from_ref(&texts[*i]), Patience::Full)
            }))
            .await;
            for ((i, before), r) in singles.into_iter().zip(confirmed) {
                out[i] = Some(match r.map(|mut v| v.pop()) {
                    Ok(Some(Ok(v))) => Ok(v),
                    Err(e) if fatal_embed(&e) => return Err(e),
                    Ok(Some(Err(e))) | Err(e) => Err(match split_embed(&e) {
                        // The server's answer about this text itself (a NaN vector…).
                        Split::Final(c) => ItemFailure::new(c, e.to_string()),
                        // A cut-off or malformed answer says nothing about the text (the
                        // HTTP layer does not retry it): a retry round tries the text again.
                        _ if matches!(e, EmbedError::BadResponse(_)) => {
                            ItemFailure::new(Cause::Unavailable, e.to_string())
                        }
                        // The text already failed alone, and no attempt of the confirmation
                        // (all its retries) succeeded: it is the text, whatever fault the
                        // last attempt met. A rate limit or timeout there must not turn the
                        // cause into `Unavailable` (a clean text beaten by a transient fault
                        // passes on one of the retries). Keep both words when they differ.
                        _ if fingerprint(&before) != fingerprint(&e) => ItemFailure::new(
                            Cause::EmbedRejected,
                            format!("{e} (alone before that: {before})"),
                        ),
                        _ => ItemFailure::new(Cause::EmbedRejected, e.to_string()),
                    }),
                    Ok(None) => Err(ItemFailure::new(Cause::EmbedRejected, before.to_string())),
                });
            }
            let sent = join_all(pieces.iter().map(|p| {
                let part: Vec<String> = p.iter().map(|&i| texts[i].clone()).collect();
                async move { self.embedder.embed_each(&part, Patience::Once).await }
            }))
            .await;
            let mut next = Vec::new();
            let mut alike = 0usize;
            for (p, r) in pieces.iter().zip(sent) {
                let results: Vec<Result<Vec<f32>, EmbedError>> = match r {
                    Err(e) if fatal_embed(&e) => return Err(e),
                    Ok(v) if v.len() == p.len() => v,
                    Ok(v) => {
                        let e = EmbedError::BadResponse(format!(
                            "the embedder returned {} vectors for {} texts",
                            v.len(),
                            p.len()
                        ));
                        p.iter().map(|_| Err(e.clone())).collect()
                    }
                    Err(e) => p.iter().map(|_| Err(e.clone())).collect(),
                };
                let mut failing = Vec::new();
                let mut same = true;
                for (&i, r) in p.iter().zip(results) {
                    match r {
                        Ok(v) => {
                            same = false;
                            out[i] = Some(Ok(v));
                        }
                        Err(e) => match split_embed(&e) {
                            Split::Final(c) | Split::Batch(c) => {
                                same = false;
                                out[i] = Some(Err(ItemFailure::new(c, e.to_string())));
                            }
                            Split::Bisect => {
                                same &= fingerprint(&e) == whole;
                                failing.push((i, e));
                            }
                        },
                    }
                }
                alike += usize::from(same && failing.len() == p.len());
                if !failing.is_empty() {
                    next.push(failing);
                }
            }
            if down.level(pieces.len(), alike) {
                // The server fails at every size: not an item's fault.
                for (i, e) in next.into_iter().flatten() {
                    out[i] = Some(Err(ItemFailure::new(Cause::Unavailable, e.to_string())));
                }
                break;
            }
            groups = next;
        }
        Ok(out
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| {
                    Err(ItemFailure::new(
                        Cause::Unavailable,
                        "no outcome for this text (bisection stopped)",
                    ))
                })
            })
            .collect())
    }

    /// Upsert records, one outcome per record; a refused batch (a 400, a 5xx after the
    /// retries) is bisected until the records at fault stand alone. `Err` only for
    /// errors that stop the job.
    async fn upsert_isolating(
        &self,
        records: &[Record],
        slot: Slot<'_>,
    ) -> Result<Vec<Result<(), ItemFailure>>, StoreError> {
        let ns = self.config.namespace.as_str();
        let n = records.len();
        let first = self
            .retrying(transient_store, || self.store.upsert(ns, records.to_vec()))
            .await;
        let e = match first {
            Ok(_) => return Ok(vec![Ok(()); n]),
            Err(e) if fatal_store(&e) => return Err(e),
            Err(e) => e,
        };
        let why = |e: &StoreError| format!("upsert failed: {e}");
        match split_store(&e) {
            Split::Bisect if n > 1 => {}
            Split::Bisect => {
                return Ok(vec![Err(ItemFailure::new(Cause::StoreRejected, why(&e)))]);
            }
            Split::Final(c) | Split::Batch(c) => {
                return Ok(vec![Err(ItemFailure::new(c, why(&e))); n]);
            }
        }
        let whole = fingerprint(&e);
        let mut out: Vec<Option<Result<(), ItemFailure>>> = vec![None; n];
        let mut groups: Vec<Vec<usize>> = vec![(0..n).collect()];
        let mut last: BTreeMap<usize, String> = BTreeMap::new();
        let mut down = DownDetector::default();
        while !groups.is_empty() {
            slot.stage(Stage::Isolating, groups.iter().map(Vec::len).sum());
            let mut pieces: Vec<Vec<usize>> = Vec::new();
            for mut g in groups {
                if g.len() == 1 {
                    let i = g[0];
                    let message = last.remove(&i).unwrap_or_else(|| why(&e));
                    out[i] = Some(Err(ItemFailure::new(Cause::StoreRejected, message)));
                } else {
                    let b = g.split_off(g.len() / 2);
                    pieces.push(g);
                    pieces.push(b);
                }
            }
            let sent = join_all(pieces.iter().map(|p| {
                let part: Vec<Record> = p.iter().map(|&i| records[i].clone()).collect();
                async move {
                    self.retrying(transient_store, || self.store.upsert(ns, part.clone()))
                        .await
                }
            }))
            .await;
            let sent_count = pieces.len();
            let mut next = Vec::new();
            let mut alike = 0usize;
            for (p, r) in pieces.into_iter().zip(sent) {
                match r {
                    Ok(_) => p.iter().for_each(|&i| out[i] = Some(Ok(()))),
                    Err(e) if fatal_store(&e) => return Err(e),
                    Err(e) => {
                        if let Split::Final(c) | Split::Batch(c) = split_store(&e) {
                            p.iter()
                                .for_each(|&i| out[i] = Some(Err(ItemFailure::new(c, why(&e)))));
                            continue;
                        }
                        alike += usize::from(fingerprint(&e) == whole);
                        for &i in &p {
                            last.insert(i, why(&e));
                        }
                        next.push(p);
                    }
                }
            }
            if down.level(sent_count, alike) {
                for i in next.into_iter().flatten() {
                    let message = last.remove(&i).unwrap_or_else(|| why(&e));
                    out[i] = Some(Err(ItemFailure::new(Cause::Unavailable, message)));
                }
                break;
            }
            groups = next;
        }
        Ok(out
            .into_iter()
            .map(|o| o.unwrap_or_else(|| Err(ItemFailure::new(Cause::Unavailable, why(&e)))))
            .collect())
    }

    async fn process_batch(
        &self,
        works: Vec<Work>,
        slot: Slot<'_>,
        dim_check: &OnceCell<DimCheck>,
        cancel: &CancelFlag,
        stop: &CancelFlag,
    ) -> BatchResult {
        if cancel.is_cancelled() || stop.is_cancelled() {
            return BatchResult::NotStarted(works);
        }
        let texts: Vec<String> = works.iter().map(|w| w.text.clone()).collect();
        let ns = self.config.namespace.as_str();
        let ids: Vec<String> = works.iter().map(|w| w.vector_id.clone()).collect();
        slot.stage(Stage::Embedding, texts.len());
        // The existing records (whose extra metadata must survive the upsert) are read
        // while the texts are embedded.
        // A cancel (Ctrl-C, a terminating signal in the TUI) does not wait for a slow
        // embedding call: nothing of this batch is written yet, its items stay pending.
        let (embedded, fetched) = tokio::select! {
            both = async {
                tokio::join!(
                    self.embed_isolating(&texts, slot),
                    self.retrying(transient_store, || self.store.fetch(ns, &ids)),
                )
            } => both,
            () = raised(cancel) => return BatchResult::NotStarted(works),
        };
        let vectors = match embedded {
            Ok(v) => v,
            Err(e) => return BatchResult::Fatal(e.into(), works),
        };
        let existing = match fetched {
            Ok(found) => found,
            Err(e) if fatal_store(&e) => return BatchResult::Fatal(store_fatal_error(e), works),
            Err(e) => {
                let why =
                    format!("cannot read the existing record (needed to keep its metadata): {e}");
                return all_failed(works, Cause::Unavailable, &why);
            }
        };
        if let Some(first) = vectors.iter().find_map(|v| v.as_ref().ok())
            && let Err(e) = self.check_dimension(first.len(), dim_check).await
        {
            return BatchResult::Fatal(e, works);
        }
        // Last point where stopping leaves nothing half-done.
        if cancel.is_cancelled() || stop.is_cancelled() {
            return BatchResult::NotStarted(works);
        }
        let uid = self.config.uid.as_deref().unwrap_or_default();
        let now = chrono::Utc::now().timestamp();
        let mut results: Vec<ItemResult> = Vec::with_capacity(works.len());
        let mut sending: Vec<(Work, Record)> = Vec::with_capacity(works.len());
        for (mut w, embedded) in works.into_iter().zip(vectors) {
            let values = match embedded {
                Ok(v) => v,
                Err(why) => {
                    results.push((w, Err(why)));
                    continue;
                }
            };
            let old: Option<Metadata> = match w.existing.take() {
                Some(first) => first,
                None => existing.get(&w.vector_id).map(|r| r.metadata.clone()),
            };
            w.existing = Some(old.clone());
            let old_created = old.as_ref().and_then(|m| match m.get(KEY_CREATED_AT) {
                Some(MetaValue::Number(n)) if n.is_finite() => Some(*n as i64),
                _ => None,
            });
            let created_at = match self.config.created_at_policy {
                CreatedAtPolicy::Memory => w.memory_created_at.or(old_created).unwrap_or(now),
                CreatedAtPolicy::Now => now,
            };
            let metadata = match (&w.omi_metadata, &w.category) {
                // Action items and chunks: Omi's records whole.
                (Some(m), _) => exact_metadata(self.config.kind, m, now),
                // Omi's ns2 upsert: created_at is always int(now) (omi-facts.md §F5.1).
                (None, Some(category)) => carry_over_fact_metadata(
                    old.as_ref(),
                    fact_metadata(uid, &w.memory_id, category, now),
                ),
                (None, None) => {
                    carry_over(old.as_ref(), memory_metadata(uid, &w.memory_id, created_at))
                }
            };
            let record = Record {
                id: w.vector_id.clone(),
                values,
                metadata,
            };
            match validate_record(&record) {
                Ok(()) => sending.push((w, record)),
                Err(e) => results.push((
                    w,
                    Err(ItemFailure::new(Cause::NotSent, format!("not sent: {e}"))),
                )),
            }
        }
        if sending.is_empty() {
            return BatchResult::Finished(results);
        }
        slot.stage(Stage::Upserting, sending.len());
        let records: Vec<Record> = sending.iter().map(|(_, r)| r.clone()).collect();
        let upserted = match self.upsert_isolating(&records, slot).await {
            Ok(u) => u,
            Err(e) => {
                let mut ws: Vec<Work> = sending.into_iter().map(|(w, _)| w).collect();
                ws.extend(results.into_iter().map(|(w, _)| w));
                return BatchResult::Fatal(store_fatal_error(e), ws);
            }
        };
        let mut written: Vec<(Work, Record)> = Vec::with_capacity(sending.len());
        for ((w, r), outcome) in sending.into_iter().zip(upserted) {
            match outcome {
                Ok(()) => written.push((w, r)),
                Err(f) => results.push((w, Err(f))),
            }
        }
        if written.is_empty() {
            return BatchResult::Finished(results);
        }
        slot.stage(Stage::Verifying, written.len());
        let sent_ids: Vec<String> = written.iter().map(|(w, _)| w.vector_id.clone()).collect();
        match self
            .retrying(transient_store, || self.store.fetch(ns, &sent_ids))
            .await
        {
            Ok(back) => {
                for (w, sent) in written {
                    let verdict = verify_record(&sent, back.get(&sent.id))
                        .map_err(|m| ItemFailure::new(Cause::VerifyFailed, m));
                    results.push((w, verdict));
                }
            }
            Err(e) => {
                let why = format!("upserted, but fetching it back to verify failed: {e}");
                results.extend(
                    written
                        .into_iter()
                        .map(|(w, _)| (w, Err(ItemFailure::new(Cause::Unavailable, why.clone())))),
                );
            }
        }
        BatchResult::Finished(results)
    }
}

/// Resolves once `cancel` is raised (checked every 50 ms).
async fn raised(cancel: &CancelFlag) {
    while !cancel.is_cancelled() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
