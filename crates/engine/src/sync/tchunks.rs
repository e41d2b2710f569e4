//! Transcript chunk vectors (`ns_tchunks`, `../shared/specs/omi-namespaces-2026.md` §1):
//! indexing them into the local store on the offline default, and searching them the way
//! Omi's chat does (§1.5).
//!
//! **Indexing.** Every conversation Omi's backfill would chunk (§1.3: completed, not
//! discarded, not deleted; here also not locked and with a valid id) is cut by the one
//! chunker, [`memlens_omi::chunks::transcript_chunks`], and each chunk is embedded by the
//! built-in model and upserted under Omi's id and exactly Omi's metadata. Each write goes
//! into the reprocess journal's write log (format `chunks`, the text's SHA-256), the log
//! `memlens reprocess --kind chunks` writes and reads too: re-opening an export embeds
//! only what is missing or changed (no journaled write of the same text and model), and a
//! chunk either of them wrote is unchanged to the other. Chunk ids a shorter transcript no
//! longer makes are deleted. Newest conversation first, in batches of [`BATCH`], upserted
//! batch by batch: an interrupted run resumes where it stopped. Only ever the local store.
//!
//! **Searching.** One query (the query embedding shared with `ns1`) of up to
//! `max(60, 3 × top_k)` chunks with Omi's filter (`{"uid"}` plus `created_at`
//! `$gte`/`$lte`); a conversation scores by its best chunk.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use serde::Serialize;

use crate::embed::{EmbedError, Embedder};
use crate::omi::Memory;
use crate::omi::chunks::{
    CHAT_TOP_K, CHUNKS_NAMESPACE, KEY_CHUNK_INDEX, KEY_CONVERSATION_ID, chunk_metadata,
    chunk_vector_id, parse_chunk_vector_id, transcript_chunks,
};
use crate::omi::conventions;
use crate::store::{
    MetaValue, Query, QueryTarget, Record, StoreError, VectorStore, limits, list_all_ids,
};
use crate::sync::autoindex::is_builtin_model;
use crate::sync::daterange::DateRange;
use crate::sync::journal::{Journal, Outcome, RunHeader};
use crate::sync::reprocess::CancelFlag;

/// The namespace searched and indexed: Omi's.
pub const NAMESPACE: &str = CHUNKS_NAMESPACE;
/// Chunks per embedding call while indexing (progress and searchability advance every
/// second or so).
pub const BATCH: usize = 32;

/// True when Omi's backfill would chunk this conversation (§1.3): the chunk kind's own
/// rule ([`crate::sync::kinds::chunk_skip`]), so the auto-index and `reprocess --kind
/// chunks` agree on which conversations have chunks.
pub fn chunkable(memory: &Memory) -> bool {
    crate::sync::kinds::chunk_skip(memory).is_none()
}

/// The journal's format word for chunk writes (what `reprocess --kind chunks` journals).
fn journal_format() -> &'static str {
    crate::omi::record_kind::Kind::Chunks.word()
}

/// One chunk to embed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkItem {
    pub vector_id: String,
    pub conversation_id: String,
    pub chunk_index: usize,
    /// Omi's `created_at` of the chunk (Unix seconds).
    pub created_at: i64,
    pub text: String,
    /// The hex SHA-256 of `text` (the journal's text hash).
    pub hash: String,
}

/// What indexing the export's chunks will do.
#[derive(Debug, Clone, Default)]
pub struct ChunkPlan {
    /// The chunks to embed, newest conversation first.
    pub items: Vec<ChunkItem>,
    /// Chunks the export makes (of chunkable conversations).
    pub total: usize,
    /// Of those, held and current before this run.
    pub indexed: usize,
    /// Stored chunk ids of the export's conversations that the export no longer makes
    /// (a shorter transcript): deleted by [`run`].
    pub stale_ids: Vec<String>,
    /// Something the user must be told (vectors of another built-in model replaced).
    pub note: Option<String>,
}

/// The export's chunks, newest conversation first: `(item, conversation created_at)`.
pub fn export_chunks(memories: &[Memory], uid: &str) -> Vec<ChunkItem> {
    let mut convs: Vec<&Memory> = memories.iter().filter(|m| chunkable(m)).collect();
    convs.sort_by_key(|m| {
        std::cmp::Reverse(
            m.created_at
                .as_ref()
                .map_or(i64::MIN, crate::omi::date::OmiDate::timestamp),
        )
    });
    let mut out = Vec::new();
    for m in convs {
        for c in transcript_chunks(m) {
            out.push(ChunkItem {
                vector_id: chunk_vector_id(uid, &m.id, c.chunk_index),
                conversation_id: m.id.clone(),
                chunk_index: c.chunk_index,
                created_at: c.created_at,
                hash: crate::sync::reprocess::text_hash(&c.text),
                text: c.text,
            });
        }
    }
    out
}

/// How much of the export's chunks `namespace` holds (by id, any text): for a store
/// memlens does not index (remote, `--no-index`). Returns `(held, total)`.
pub async fn coverage(
    store: &dyn VectorStore,
    uid: &str,
    memories: &[Memory],
) -> Result<(usize, usize), StoreError> {
    let want = export_chunks(memories, uid);
    let have: HashSet<String> = list_all_ids(store, NAMESPACE, Some(&format!("{uid}-")))
        .await?
        .into_iter()
        .collect();
    let held = want.iter().filter(|c| have.contains(&c.vector_id)).count();
    Ok((held, want.len()))
}

/// `ns_tchunks holds 0 of this export's 354 chunks`.
pub fn coverage_line(held: usize, total: usize) -> String {
    if total > 0 && held >= total {
        format!("{NAMESPACE} holds all {total} of this export's chunks")
    } else {
        format!("{NAMESPACE} holds {held} of this export's {total} chunks")
    }
}

/// Plan the local chunk index: missing and stale chunks, newest first. Checks the
/// namespace's model like `ns1`'s auto-index (another built-in model's vectors are
/// replaced, any other model's refused). Refuses a remote store.
pub async fn plan(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    journal: &Journal,
    uid: &str,
    memories: &[Memory],
) -> Result<ChunkPlan, ChunkIndexError> {
    if store.is_remote() {
        return Err(StoreError::Unsupported(
            "index transcript chunks into a remote store (memlens writes ns_tchunks only \
             locally)"
                .into(),
        )
        .into());
    }
    let model = embedder.model_id();
    let mut note = None;
    if let Some(other) = store.namespace_model(NAMESPACE).await?
        && other != model
    {
        let ids = list_all_ids(store, NAMESPACE, None).await?;
        if !ids.is_empty() {
            if !is_builtin_model(&other) {
                return Err(StoreError::ModelMismatch(format!(
                    "{NAMESPACE} of the local store holds {} vectors made by {other}, not \
                     {model}; chunk indexing leaves them alone",
                    ids.len()
                ))
                .into());
            }
            for group in ids.chunks(limits::MAX_DELETE_IDS) {
                store.delete(NAMESPACE, group).await?;
            }
            note = Some(format!(
                "{NAMESPACE} held {} vectors of {other}; re-indexing it with {model}",
                ids.len()
            ));
        }
    }
    let want = export_chunks(memories, uid);
    let total = want.len();
    let stored: HashSet<String> = list_all_ids(store, NAMESPACE, Some(&format!("{uid}-")))
        .await?
        .into_iter()
        .collect();
    let wanted: HashSet<&str> = want.iter().map(|c| c.vector_id.as_str()).collect();
    let convs: HashSet<&str> = want.iter().map(|c| c.conversation_id.as_str()).collect();
    let stale_ids: Vec<String> = stored
        .iter()
        .filter(|id| !wanted.contains(id.as_str()))
        .filter(|id| parse_chunk_vector_id(uid, id).is_some_and(|(c, _)| convs.contains(c)))
        .cloned()
        .collect();
    let present: Vec<String> = want
        .iter()
        .filter(|c| stored.contains(&c.vector_id))
        .map(|c| c.vector_id.clone())
        .collect();
    // Current: stored, and the journal's last write of it had this text and model.
    let last = journal.last_writes(&store.target(), NAMESPACE, &present)?;
    let items: Vec<ChunkItem> = want
        .into_iter()
        .filter(|c| {
            !(stored.contains(&c.vector_id)
                && last
                    .get(&c.vector_id)
                    .is_some_and(|w| w.matches(&c.hash, model, journal_format())))
        })
        .collect();
    Ok(ChunkPlan {
        indexed: total - items.len(),
        total,
        items,
        stale_ids,
        note,
    })
}

/// Progress of a chunk index run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ChunkProgress {
    /// Chunks written so far by this run.
    pub done: usize,
    /// Chunks this run writes.
    pub total: usize,
    pub elapsed_ms: u64,
}

/// Why indexing chunks failed.
#[derive(Debug, thiserror::Error)]
pub enum ChunkIndexError {
    #[error("embedding transcript chunks failed: {0}")]
    Embed(#[from] EmbedError),
    #[error("writing transcript chunks failed: {0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Journal(#[from] crate::sync::journal::JournalError),
}

/// Embed and upsert the plan's chunks in batches of [`BATCH`] (each batch is written
/// before the next is embedded, so a cancelled or killed run keeps what it wrote), then
/// delete the stale ids. Returns the chunks written.
pub async fn run(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    journal: &Journal,
    uid: &str,
    plan: &ChunkPlan,
    mut progress: impl FnMut(ChunkProgress),
    cancel: &CancelFlag,
) -> Result<usize, ChunkIndexError> {
    let started = std::time::Instant::now();
    // The write log's rows of this indexing (not a resumable run: the next opening plans
    // again from the log).
    let header = RunHeader {
        run_id: format!("index-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.3f")),
        target: store.target(),
        namespace: NAMESPACE.to_string(),
        uid: uid.to_string(),
        model: embedder.model_id().to_string(),
        format: journal_format().to_string(),
    };
    if !plan.items.is_empty() {
        store
            .claim_namespace(NAMESPACE, embedder.model_id(), embedder.dimension())
            .await?;
    }
    let mut done = 0;
    for batch in plan.items.chunks(BATCH) {
        if cancel.is_cancelled() {
            return Ok(done);
        }
        let texts: Vec<String> = batch.iter().map(|c| c.text.clone()).collect();
        let vectors = embedder.embed(&texts).await?;
        if vectors.len() != batch.len() {
            return Err(EmbedError::BadResponse(format!(
                "{} vectors for {} chunks",
                vectors.len(),
                batch.len()
            ))
            .into());
        }
        let records = batch
            .iter()
            .zip(vectors)
            .map(|(c, values)| Record {
                id: c.vector_id.clone(),
                values,
                metadata: chunk_metadata(uid, &c.conversation_id, c.chunk_index, c.created_at),
            })
            .collect();
        store.upsert(NAMESPACE, records).await?;
        let outcomes: Vec<Outcome> = batch
            .iter()
            .map(|c| Outcome {
                vector_id: c.vector_id.clone(),
                memory_id: format!("{} c{}", c.conversation_id, c.chunk_index),
                text_hash: c.hash.clone(),
                result: Ok(()),
            })
            .collect();
        journal.record(&header, &outcomes)?;
        done += batch.len();
        progress(ChunkProgress {
            done,
            total: plan.items.len(),
            elapsed_ms: started.elapsed().as_millis() as u64,
        });
    }
    for group in plan.stale_ids.chunks(limits::MAX_DELETE_IDS) {
        store.delete(NAMESPACE, group).await?;
    }
    Ok(done)
}

/// Plan and run in one go (the CLI's indexing before a search); returns the plan.
pub async fn index_export(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    journal: &Journal,
    uid: &str,
    memories: &[Memory],
    progress: impl FnMut(ChunkProgress),
) -> Result<ChunkPlan, ChunkIndexError> {
    let plan = plan(embedder, store, journal, uid, memories).await?;
    run(
        embedder,
        store,
        journal,
        uid,
        &plan,
        progress,
        &CancelFlag::new(),
    )
    .await?;
    Ok(plan)
}

/// One conversation on the chunk side: its best chunk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChunkConversation {
    /// 1-based, conversations ordered by best chunk score.
    pub rank: usize,
    pub conversation_id: String,
    /// Cosine of the best chunk.
    pub score: f32,
    pub chunk_index: usize,
    /// Chunks of this conversation among the hits.
    pub chunks: usize,
}

/// The chunk side's answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChunkResults {
    /// Chunks asked for (`top_k` of the query).
    pub asked: usize,
    /// Chunks returned.
    pub chunks: usize,
    pub hits: Vec<ChunkConversation>,
    pub query_ms: f64,
}

/// Chunks asked for to show `top_k` conversations: `max(60, 3 × top_k)` (Omi's chat asks
/// 3 × its limit, §1.5), at most Pinecone's 10 000.
pub fn chunk_top_k(top_k: usize) -> usize {
    top_k.saturating_mul(3).clamp(CHAT_TOP_K, limits::MAX_TOP_K)
}

/// Query `ns_tchunks` with `vector` and Omi's filter, group the chunks by conversation
/// (best chunk first). A namespace the store records as another model's is refused.
pub async fn search_chunks(
    store: &dyn VectorStore,
    model: &str,
    uid: &str,
    vector: Vec<f32>,
    range: DateRange,
    top_k: usize,
) -> Result<ChunkResults, StoreError> {
    if let Some(other) = store.namespace_model(NAMESPACE).await?
        && other != model
    {
        return Err(StoreError::ModelMismatch(format!(
            "{NAMESPACE} holds vectors made by {other}, the query is embedded by {model}"
        )));
    }
    let asked = chunk_top_k(top_k);
    let started = std::time::Instant::now();
    let matches = store
        .query(Query {
            namespace: NAMESPACE.to_string(),
            target: QueryTarget::Vector(vector),
            top_k: asked,
            filter: Some(conventions::query_filter(uid, range.start, range.end)),
            include_values: false,
            include_metadata: true,
        })
        .await?;
    let query_ms = started.elapsed().as_secs_f64() * 1000.0;
    let chunks = matches.len();
    let mut best: BTreeMap<String, ChunkConversation> = BTreeMap::new();
    let mut order = Vec::new();
    for m in matches {
        let meta = m.metadata.unwrap_or_default();
        let parsed = parse_chunk_vector_id(uid, &m.id);
        let conversation_id = match meta.get(KEY_CONVERSATION_ID) {
            Some(MetaValue::String(c)) => c.clone(),
            _ => match parsed {
                Some((c, _)) => c.to_string(),
                None => continue,
            },
        };
        let chunk_index = match meta.get(KEY_CHUNK_INDEX) {
            Some(MetaValue::Number(n)) if *n >= 0.0 => *n as usize,
            _ => parsed.map_or(0, |(_, i)| i),
        };
        match best.get_mut(&conversation_id) {
            Some(c) => c.chunks += 1,
            None => {
                order.push(conversation_id.clone());
                best.insert(
                    conversation_id.clone(),
                    ChunkConversation {
                        rank: 0,
                        conversation_id,
                        score: m.score,
                        chunk_index,
                        chunks: 1,
                    },
                );
            }
        }
    }
    // Matches come best first, so the first chunk seen of a conversation is its best.
    let hits = order
        .into_iter()
        .enumerate()
        .filter_map(|(i, id)| {
            best.remove(&id).map(|mut c| {
                c.rank = i + 1;
                c
            })
        })
        .collect();
    Ok(ChunkResults {
        asked,
        chunks,
        hits,
        query_ms,
    })
}

/// The time range of a conversation's chunk, from the export (NaN when the export does
/// not hold it).
pub fn chunk_times(memories: &[Memory], conversation_id: &str, chunk_index: usize) -> (f64, f64) {
    memories
        .iter()
        .find(|m| m.id == conversation_id)
        .and_then(|m| transcript_chunks(m).into_iter().nth(chunk_index))
        .map_or((f64::NAN, f64::NAN), |c| (c.start_seconds, c.end_seconds))
}

/// Shared handle to the export's conversations (for chunk times).
pub type Memories = Arc<Vec<Memory>>;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embed::fake::FakeEmbedder;
    use crate::omi::date::OmiDate;
    use crate::omi::model::TranscriptSegment;
    use crate::store::local::LocalStore;

    fn conversation(id: &str, date: &str, lines: usize) -> Memory {
        let mut m = Memory {
            id: id.into(),
            created_at: Some(OmiDate::parse(date).unwrap()),
            transcript: (0..lines)
                .map(|i| TranscriptSegment {
                    text: format!("{id} line {i} about the deposit"),
                    speaker: None,
                    speaker_id: Some(1),
                    is_user: i % 2 == 0,
                    start: i as f64 * 10.0,
                    end: i as f64 * 10.0 + 8.0,
                })
                .collect(),
            ..Memory::default()
        };
        m.structured.title = format!("title {id}");
        m
    }

    fn meta_created_at(m: &crate::store::Metadata) -> i64 {
        match m.get("created_at") {
            Some(MetaValue::Number(n)) => *n as i64,
            other => panic!("{other:?}"),
        }
    }

    fn setup() -> (tempfile::TempDir, LocalStore, FakeEmbedder, Journal) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(&dir.path().join("store.db")).unwrap();
        let journal = Journal::open_in(dir.path()).unwrap();
        (dir, store, FakeEmbedder::new(16), journal)
    }

    #[tokio::test]
    async fn indexes_newest_first_then_only_what_is_missing_or_stale() {
        let (_dir, store, emb, j) = setup();
        let mut convs = vec![
            conversation("old", "2024-01-01T10:00:00Z", 9),
            conversation("new", "2025-01-01T10:00:00Z", 3),
        ];
        let mut discarded = conversation("gone", "2025-02-01T10:00:00Z", 3);
        discarded.discarded = true;
        convs.push(discarded);
        let plan = plan(&emb, &store, &j, "u", &convs).await.unwrap();
        assert_eq!((plan.total, plan.indexed, plan.items.len()), (3, 0, 3));
        assert_eq!(
            plan.items[0].vector_id, "u-new-c0",
            "newest conversation first"
        );
        // Interrupted after the first batch of one: resumable.
        let cancel = CancelFlag::new();
        let one = ChunkPlan {
            items: plan.items[..1].to_vec(),
            ..plan.clone()
        };
        assert_eq!(
            run(&emb, &store, &j, "u", &one, |_| {}, &cancel)
                .await
                .unwrap(),
            1
        );
        let again = super::plan(&emb, &store, &j, "u", &convs).await.unwrap();
        assert_eq!((again.indexed, again.items.len()), (1, 2));
        run(&emb, &store, &j, "u", &again, |_| {}, &cancel)
            .await
            .unwrap();
        let texts = emb.texts_embedded();
        let done = super::plan(&emb, &store, &j, "u", &convs).await.unwrap();
        assert_eq!(
            (done.indexed, done.items.len()),
            (3, 0),
            "re-open embeds nothing"
        );
        let rec = store.fetch(NAMESPACE, &["u-old-c1".into()]).await.unwrap();
        let meta = &rec["u-old-c1"].metadata;
        assert_eq!(
            meta.get("conversation_id"),
            Some(&MetaValue::String("old".into()))
        );
        assert_eq!(meta.get("chunk_index"), Some(&MetaValue::Number(1.0)));
        // Exactly Omi's metadata; the text hash is in the journal's write log.
        assert_eq!(meta, &chunk_metadata("u", "old", 1, meta_created_at(meta)));
        let log = j.writes_of("u-old-c1").unwrap();
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].format, "chunks");
        // A segment edited: that chunk is stale; a shorter transcript: c1 is deleted.
        convs[1].transcript[0].text = "new line 0 about the balance".into();
        convs[0].transcript.truncate(8);
        let stale = super::plan(&emb, &store, &j, "u", &convs).await.unwrap();
        assert_eq!(
            stale.items.len(),
            1,
            "new-c0 changed text (old-c0 is the same)"
        );
        assert_eq!(stale.stale_ids, ["u-old-c1"]);
        run(&emb, &store, &j, "u", &stale, |_| {}, &cancel)
            .await
            .unwrap();
        assert_eq!(emb.texts_embedded(), texts + 1);
        assert!(
            store
                .fetch(NAMESPACE, &["u-old-c1".into()])
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(coverage(&store, "u", &convs).await.unwrap(), (2, 2));
    }

    /// The auto-index and `reprocess --kind chunks` share the journal's write log: what
    /// one wrote is unchanged to the other, so neither rewrites the other's chunks.
    #[tokio::test]
    async fn indexed_chunks_are_unchanged_to_a_chunk_reprocess_and_back() {
        use crate::sync::kinds::{Chunks, write};
        use crate::sync::reprocess::Reprocessor;
        let dir = tempfile::tempdir().unwrap();
        let store: Arc<dyn VectorStore> =
            Arc::new(LocalStore::open(&dir.path().join("store.db")).unwrap());
        let emb = Arc::new(FakeEmbedder::new(16));
        let journal = Arc::new(Journal::open_in(dir.path()).unwrap());
        let convs = vec![
            conversation("a", "2025-01-01T10:00:00Z", 14),
            conversation("b", "2025-02-01T10:00:00Z", 3),
        ];
        let export = crate::omi::export::Export::of_memories("x", convs.clone());
        // The auto-index writes a's chunks only.
        let mut plan = plan(emb.as_ref(), store.as_ref(), &journal, "u", &convs)
            .await
            .unwrap();
        plan.items.retain(|c| c.conversation_id == "a");
        run(
            emb.as_ref(),
            store.as_ref(),
            &journal,
            "u",
            &plan,
            |_| {},
            &CancelFlag::new(),
        )
        .await
        .unwrap();
        let rp = Reprocessor::new(
            emb.clone(),
            Arc::clone(&store),
            Arc::clone(&journal),
            write::engine_config(crate::omi::record_kind::Kind::Chunks, "u", false),
        );
        let mut wp = write::plan(&Chunks, &export, "u", None, &Default::default()).unwrap();
        assert_eq!(wp.upserts.len(), 3);
        assert_eq!(write::skip_unchanged(&rp, &mut wp).await.unwrap(), 2);
        assert_eq!(
            wp.upsert_ids,
            ["u-b-c0"],
            "only b's chunk is new to the reprocess"
        );
        write::apply(&rp, &wp, true, |_| {}, &CancelFlag::new())
            .await
            .unwrap();
        // And the reprocess's write is current to the auto-index.
        let again = super::plan(emb.as_ref(), store.as_ref(), &journal, "u", &convs)
            .await
            .unwrap();
        assert_eq!((again.indexed, again.items.len()), (3, 0));
    }

    #[tokio::test]
    async fn searches_by_best_chunk_with_omis_filter() {
        let (_dir, store, emb, j) = setup();
        let convs = vec![
            conversation("a", "2024-01-01T10:00:00Z", 14),
            conversation("b", "2025-01-01T10:00:00Z", 3),
        ];
        index_export(&emb, &store, &j, "u", &convs, |_| {})
            .await
            .unwrap();
        let q = emb.vector("a line 7 about the deposit");
        let found = search_chunks(&store, emb.model_id(), "u", q.clone(), DateRange::ALL, 10)
            .await
            .unwrap();
        assert_eq!(found.asked, 60);
        assert_eq!(found.chunks, 3);
        assert_eq!(found.hits[0].conversation_id, "a");
        assert_eq!(found.hits[0].chunks, 2);
        assert_eq!(
            found.hits.iter().map(|h| h.rank).collect::<Vec<_>>(),
            [1, 2]
        );
        let (start, end) = chunk_times(&convs, "a", found.hits[0].chunk_index);
        assert!(start < end);
        let other = search_chunks(&store, emb.model_id(), "v", q.clone(), DateRange::ALL, 10)
            .await
            .unwrap();
        assert!(other.hits.is_empty(), "another uid sees nothing");
        let refused = search_chunks(&store, "other-model", "u", q, DateRange::ALL, 10).await;
        assert!(matches!(refused, Err(StoreError::ModelMismatch(_))));
    }
}
