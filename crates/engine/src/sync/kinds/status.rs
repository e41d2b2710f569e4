//! The status of every record of one kind, written once for all kinds: list the user's
//! ids under the kind's prefix (pages of [`DEFAULT_PAGE_SIZE`]), compare with the records
//! Omi would hold ([`RecordKind::expected`]), fetch orphans' metadata in batches of 100,
//! and with `verify` fetch the present vectors (batches of 100) and compare each with a
//! fresh embedding of Omi's text (cosine ≥ [`FRESH_THRESHOLD`] → fresh, else stale).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::{Expected, RecordKind};
use crate::embed::Embedder;
use crate::omi::conventions::KEY_CREATED_AT;
use crate::omi::export::Export;
use crate::store::{MetaValue, Metadata, StoreError, VectorStore, limits};
use crate::sync::orphans::{DEFAULT_PAGE_SIZE, OrphanError};
use crate::sync::status::{FRESH_THRESHOLD, cosine};

/// How many texts go to the embedder at once when verifying.
const EMBED_BATCH: usize = 100;

/// A record's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// Stored (not verified).
    Present,
    /// Stored, and its vector matches Omi's text.
    Fresh,
    /// Stored, and its vector no longer matches Omi's text.
    Stale,
    /// Omi would write it; not stored.
    Missing,
    /// Omi would not write it (and none is stored).
    Skipped,
}

impl RecordStatus {
    /// One word: `present`, `fresh`, `stale`, `missing`, `skipped`.
    pub fn word(self) -> &'static str {
        match self {
            Self::Present => "present",
            Self::Fresh => "fresh",
            Self::Stale => "stale",
            Self::Missing => "missing",
            Self::Skipped => "skipped",
        }
    }
}

/// One record Omi would hold, with its state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordState {
    pub owner: String,
    pub key: String,
    pub vector_id: String,
    pub status: RecordStatus,
    /// Why (skip reason, or why a missing vector may be normal).
    pub reason: Option<String>,
    /// Cosine of the stored vector with a fresh embedding (verify only).
    pub similarity: Option<f32>,
}

/// A stored id Omi's rules say should not be there.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindOrphan {
    pub vector_id: String,
    /// The conversation, fact or item the id names, when it has this kind's shape.
    pub owner: Option<String>,
    /// The likely cause, for people.
    pub cause: String,
    /// The conversation the record came from, when the export can tell (a chunk's id
    /// names it; an action item's stored vector matching a conversation's extracted item).
    pub conversation_id: Option<String>,
    /// Stored `created_at`.
    pub created_at: Option<f64>,
    /// Stored metadata (`None` when the vector vanished between list and fetch).
    #[serde(skip)]
    pub metadata: Option<Metadata>,
    /// Why it is never deleted ([`RecordKind::never_delete`]): listed, never cleared.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kept: Option<String>,
}

/// Requests a status made, for benchmarks and progress lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Requests {
    /// `list` pages read.
    pub list_pages: usize,
    /// `fetch` requests (batches of up to 100 ids).
    pub fetches: usize,
}

/// What one kind's status found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindReport {
    pub kind: crate::omi::record_kind::Kind,
    pub namespace: String,
    pub uid: String,
    /// Ids listed under the kind's prefix.
    pub listed: usize,
    pub requests: Requests,
    pub verified: bool,
    /// Records Omi would hold or skip, in export order.
    pub records: Vec<RecordState>,
    /// Owners Omi would write no record for at all ([`RecordKind::skipped_owners`]:
    /// conversations the chunk backfill skips), counted in their own unit.
    pub skipped_owners: Vec<super::SkippedOwner>,
    pub orphans: Vec<KindOrphan>,
    /// Stored ids whose record is in the export but could not be read
    /// ([`super::unreadable_records`]): never orphans, never deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    /// [`super::incomplete_reason`]: set, the orphans are only "not in this export", and
    /// deleting them is refused unless the user names the risk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export_incomplete: Option<String>,
}

impl KindReport {
    /// Records per status, in [`RecordStatus`] order; `orphan` last.
    pub fn counts(&self) -> BTreeMap<&'static str, usize> {
        let mut out = BTreeMap::new();
        for r in &self.records {
            *out.entry(r.status.word()).or_default() += 1;
        }
        out.insert("orphan", self.orphans.len());
        out
    }

    /// Records Omi would write for this export (not skipped).
    pub fn omi_would_hold(&self) -> usize {
        self.records
            .iter()
            .filter(|r| r.status != RecordStatus::Skipped)
            .count()
    }
}

/// `list` requests in flight at once when listing by shards.
pub const LIST_CONCURRENCY: usize = 8;

/// The characters a shard of [`list_prefix`] follows the prefix with: every printable
/// ASCII character and DEL (0x20–0x7F). The control characters (0x00–0x1F) sort before
/// them all and are read from the head of the plain listing instead.
const SHARDS: std::ops::RangeInclusive<u8> = 0x20..=0x7f;

/// Every id under `prefix` in `namespace` (sorted) and the number of `list` requests, in
/// pages of `page_size`; `progress` gets the ids so far.
///
/// `list` takes a prefix and a forward pagination token and returns ids in byte order
/// (Pinecone: "bitwise C collation"); each page's token comes from the page before, so a
/// prefix is read one page after another — 725 pages of 72,500 chunk ids take 36 s at
/// 50 ms a request. A prefix whose first page holds everything costs that one request.
/// Otherwise, on a store whose ids are all ASCII ([`VectorStore::ascii_ids`]: Pinecone,
/// which refuses others), the prefix is listed as shards, `prefix` + c for each c of
/// [`SHARDS`], [`LIST_CONCURRENCY`] at a time, each paginated on its own. Together they
/// miss nothing, because every id under `prefix` is one of:
/// - `prefix` + an ASCII character in [`SHARDS`]: in that shard;
/// - `prefix` itself, or `prefix` + a control character (0x00–0x1F): these sort before
///   every shard, so they are the head of the plain listing, whose first page is read
///   anyway. That listing is followed only while its last id is still such an id (no
///   extra request in Omi's accounts, whose ids start with a letter or digit; one page per
///   `page_size` such ids otherwise) and then dropped;
/// - `prefix` + a non-ASCII character: cannot be stored.
///
/// A store that holds any UTF-8 id (the local store) is read as one plain listing to the
/// end: a non-ASCII character cannot be enumerated as shards, and the ids it starts sort
/// after every ASCII shard, where no catch-all reaches them short of walking the whole
/// listing — which is what that store's local pages (no network round trip) cost anyway.
pub async fn list_prefix(
    store: &dyn VectorStore,
    namespace: &str,
    prefix: &str,
    page_size: usize,
    mut progress: impl FnMut(usize),
) -> Result<(Vec<String>, usize), OrphanError> {
    use futures::StreamExt as _;
    let page_size = page_size.max(1);
    if !store.ascii_ids() {
        return crate::sync::orphans::list_prefix_ids(
            store,
            namespace,
            prefix,
            page_size,
            &mut progress,
        )
        .await;
    }
    let list = |token: Option<String>, pages: usize| async move {
        store
            .list(namespace, Some(prefix), Some(page_size), token)
            .await
            .map_err(|e| crate::sync::orphans::list_error(e, pages == 0))
    };
    let first = list(None, 0).await?;
    if first.next.is_none() {
        progress(first.ids.len());
        return Ok((first.ids, 1));
    }
    // The head: the ids that sort before every shard.
    let before_shards = |id: &str| {
        id.as_bytes()
            .get(prefix.len())
            .is_none_or(|b| *b < *SHARDS.start())
    };
    let mut pages = 1;
    let mut ids: Vec<String> = Vec::new();
    let mut page = first;
    loop {
        let more = page.ids.last().is_some_and(|id| before_shards(id));
        ids.extend(page.ids.into_iter().filter(|id| before_shards(id)));
        match page.next {
            Some(token) if more => {
                let next = list(Some(token.clone()), pages).await?;
                pages += 1;
                if next.next.as_deref() == Some(token.as_str()) {
                    return Err(OrphanError::Store(StoreError::BadResponse(
                        "list returned the same pagination token twice".into(),
                    )));
                }
                page = next;
            }
            _ => break,
        }
    }
    progress(ids.len());
    let shards: Vec<String> = SHARDS
        .map(|c| format!("{prefix}{}", char::from(c)))
        .collect();
    let mut results = futures::stream::iter(shards.iter().map(|shard| async move {
        crate::sync::orphans::list_prefix_ids(store, namespace, shard, page_size, &mut |_| {}).await
    }))
    .buffer_unordered(LIST_CONCURRENCY);
    while let Some(r) = results.next().await {
        let (found, n) = r?;
        ids.extend(found);
        pages += n;
        progress(ids.len());
    }
    ids.sort_unstable();
    Ok((ids, pages))
}

/// The status of every record of `kind` for `export` (see the module docs). `embedder`:
/// verify fresh/stale when given. `progress` gets (stage, done): `"list"`, `"fetch"`,
/// `"verify"`.
pub async fn kind_status(
    store: &dyn VectorStore,
    kind: &dyn RecordKind,
    export: &Export,
    uid: &str,
    embedder: Option<&dyn Embedder>,
    progress: impl FnMut(&'static str, usize),
) -> Result<KindReport, OrphanError> {
    let namespace = kind.spec().namespace;
    kind_status_in(store, kind, namespace, export, uid, embedder, progress).await
}

/// [`kind_status`] in `namespace` (conversations and facts may live in a namespace named
/// on the command line; the other kinds in their own).
pub async fn kind_status_in(
    store: &dyn VectorStore,
    kind: &dyn RecordKind,
    namespace: &str,
    export: &Export,
    uid: &str,
    embedder: Option<&dyn Embedder>,
    mut progress: impl FnMut(&'static str, usize),
) -> Result<KindReport, OrphanError> {
    let uid = uid.trim();
    if uid.is_empty() {
        return Err(OrphanError::NoUid);
    }
    let now = chrono::Utc::now().timestamp();
    let expected = kind.expected(export, uid, now);
    let (ids, list_pages) = list_prefix(
        store,
        namespace,
        &kind.list_prefix(uid),
        DEFAULT_PAGE_SIZE,
        |n| progress("list", n),
    )
    .await?;
    let mut requests = Requests {
        list_pages,
        fetches: 0,
    };
    let listed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let wanted: HashSet<&str> = expected
        .iter()
        .filter(|e| e.skip.is_none())
        .map(|e| e.vector_id.as_str())
        .collect();
    let mut records: Vec<RecordState> = expected
        .iter()
        .map(|e| state(e, listed.contains(e.vector_id.as_str())))
        .collect();
    let Unwanted {
        orphans: orphan_ids,
        unreadable,
    } = sort_unwanted(kind, export, uid, &ids, &wanted);
    let group_ids: Vec<String> = orphan_ids.iter().map(|(id, _)| id.clone()).collect();
    let fetched = fetch_all(store, namespace, &group_ids, &mut requests, |n| {
        progress("fetch", n)
    })
    .await?;
    let mut fetched = fetched;
    let orphans = orphan_ids
        .into_iter()
        .map(|(id, cause)| {
            let metadata = fetched.remove(&id).map(|r| r.metadata);
            let owner = kind.owner_of(uid, &id);
            KindOrphan {
                kept: metadata.as_ref().and_then(|m| kind.never_delete(&id, m)),
                conversation_id: (kind.kind() == crate::omi::record_kind::Kind::Chunks)
                    .then(|| owner.clone())
                    .flatten(),
                owner,
                created_at: metadata.as_ref().and_then(|m| match m.get(KEY_CREATED_AT) {
                    Some(MetaValue::Number(n)) => Some(*n),
                    _ => None,
                }),
                cause,
                metadata,
                vector_id: id,
            }
        })
        .collect();
    if let Some(embedder) = embedder {
        verify(
            store,
            embedder,
            namespace,
            &expected,
            &mut records,
            &mut requests,
            &mut progress,
        )
        .await?;
    }
    Ok(KindReport {
        kind: kind.kind(),
        namespace: namespace.to_string(),
        uid: uid.to_string(),
        listed: ids.len(),
        requests,
        verified: embedder.is_some(),
        records,
        skipped_owners: kind.skipped_owners(export),
        orphans,
        unreadable,
        export_incomplete: super::incomplete_reason(kind.kind(), export),
    })
}

/// The listed ids that are not records Omi would write, sorted by the kind's rules.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Unwanted {
    /// Orphans: (vector id, likely cause), in listing order.
    pub orphans: Vec<(String, String)>,
    /// Ids whose record is in the export but could not be read
    /// ([`super::unreadable_records`]): never orphans, never deleted.
    pub unreadable: Vec<String>,
}

/// Sort the listed `ids` that are not `wanted` (the vector ids of records Omi would
/// write): an orphan when the kind's [`RecordKind::orphan_cause`] gives a cause, unless
/// the record it names could not be read; ids of a record Omi skips but the export holds
/// (a discarded conversation's vector) are neither.
pub fn sort_unwanted(
    kind: &dyn RecordKind,
    export: &Export,
    uid: &str,
    ids: &[String],
    wanted: &HashSet<&str>,
) -> Unwanted {
    // A record that could not be read is not an absent one: its stored ids stay.
    let unreadable_owners: HashSet<&str> = super::unreadable_records(kind.kind(), export)
        .iter()
        .filter_map(|b| b.id.as_deref())
        .collect();
    let mut out = Unwanted::default();
    for id in ids.iter().filter(|id| !wanted.contains(id.as_str())) {
        let Some(cause) = kind.orphan_cause(export, uid, id) else {
            continue;
        };
        if kind
            .owner_of(uid, id)
            .is_some_and(|o| unreadable_owners.contains(o.as_str()))
        {
            out.unreadable.push(id.clone());
        } else {
            out.orphans.push((id.clone(), cause));
        }
    }
    out
}

fn state(e: &Expected, stored: bool) -> RecordState {
    let (status, reason) = match (&e.skip, stored) {
        (Some(s), false) => (RecordStatus::Skipped, Some(s.clone())),
        // A stored vector of a skipped record is still shown as stored (the kind's orphan
        // rule decides whether it should go).
        (Some(s), true) => (
            RecordStatus::Present,
            Some(format!("Omi would skip it: {s}")),
        ),
        (None, true) => (RecordStatus::Present, None),
        (None, false) => (RecordStatus::Missing, Some(e.missing_reason.clone())),
    };
    RecordState {
        owner: e.owner.clone(),
        key: e.key.clone(),
        vector_id: e.vector_id.clone(),
        status,
        reason,
        similarity: None,
    }
}

/// Fetch `ids` in groups of 100, counting requests.
pub async fn fetch_all(
    store: &dyn VectorStore,
    namespace: &str,
    ids: &[String],
    requests: &mut Requests,
    mut progress: impl FnMut(usize),
) -> Result<BTreeMap<String, crate::store::Record>, StoreError> {
    let mut out = BTreeMap::new();
    for group in ids.chunks(limits::FETCH_GROUP) {
        out.extend(store.fetch(namespace, group).await?);
        requests.fetches += 1;
        progress(out.len());
    }
    Ok(out)
}

async fn verify(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    namespace: &str,
    expected: &[Expected],
    records: &mut [RecordState],
    requests: &mut Requests,
    progress: &mut impl FnMut(&'static str, usize),
) -> Result<(), OrphanError> {
    let present: Vec<usize> = records
        .iter()
        .enumerate()
        .filter(|(_, r)| r.status == RecordStatus::Present)
        .map(|(i, _)| i)
        .collect();
    let mut done = 0;
    for batch in present.chunks(EMBED_BATCH) {
        let ids: Vec<String> = batch
            .iter()
            .map(|&i| records[i].vector_id.clone())
            .collect();
        let stored = fetch_all(store, namespace, &ids, requests, |_| {}).await?;
        let texts: Vec<String> = batch.iter().map(|&i| expected[i].text.clone()).collect();
        let fresh = embedder
            .embed(&texts)
            .await
            .map_err(|e| OrphanError::Store(StoreError::Unavailable(format!("embedding: {e}"))))?;
        for (&i, v) in batch.iter().zip(fresh) {
            let Some(rec) = stored.get(&records[i].vector_id) else {
                records[i].status = RecordStatus::Missing;
                records[i].reason =
                    Some("no longer in the store (deleted since it was listed)".into());
                continue;
            };
            let sim = cosine(&rec.values, &v);
            records[i].similarity = sim;
            records[i].status = match sim {
                Some(s) if s >= FRESH_THRESHOLD => RecordStatus::Fresh,
                _ => RecordStatus::Stale,
            };
            if records[i].status == RecordStatus::Stale {
                records[i].reason = Some(match sim {
                    Some(s) => format!(
                        "cosine with Omi's current text {s:.5} (< {FRESH_THRESHOLD}): the text changed since it was embedded"
                    ),
                    None => "the stored vector's dimension differs from the embedder's".into(),
                });
            }
        }
        done += batch.len();
        progress("verify", done);
    }
    Ok(())
}

/// Name the likely cause of orphan `ns4` vectors when the export can tell
/// (omi-namespaces-2026.md §2.3): a conversation's extracted items
/// (`structured.action_items`, which carry no ids) are embedded and compared with each
/// orphan's stored vector; a match (cosine ≥ [`FRESH_THRESHOLD`]) names the conversation,
/// and the cause follows from its state in the export (deleted: cascade delete, PR #15950;
/// discarded; still there: the item was deleted by swipe or recreated). Orphans without a
/// match keep the general cause. Costs one fetch per 100 orphans and one embedding per
/// extracted item.
pub async fn explain_action_item_orphans(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    export: &Export,
    report: &mut KindReport,
) -> Result<(), OrphanError> {
    use crate::omi::action_items::{OrphanConversation, orphan_cause};
    if report.orphans.is_empty() {
        return Ok(());
    }
    let mut described: Vec<(String, &str, OrphanConversation)> = Vec::new();
    for m in &export.memories {
        let state = if m.deleted {
            OrphanConversation::Deleted
        } else if m.discarded {
            OrphanConversation::Discarded
        } else {
            OrphanConversation::InExport
        };
        for a in &m.structured.action_items {
            if !a.description.trim().is_empty() {
                described.push((a.description.clone(), m.id.as_str(), state));
            }
        }
    }
    if described.is_empty() {
        return Ok(());
    }
    let mut vectors = Vec::with_capacity(described.len());
    for batch in described.chunks(EMBED_BATCH) {
        let texts: Vec<String> = batch.iter().map(|d| d.0.clone()).collect();
        vectors.extend(
            embedder.embed(&texts).await.map_err(|e| {
                OrphanError::Store(StoreError::Unavailable(format!("embedding: {e}")))
            })?,
        );
    }
    let ids: Vec<String> = report.orphans.iter().map(|o| o.vector_id.clone()).collect();
    let stored = fetch_all(store, &report.namespace, &ids, &mut report.requests, |_| {}).await?;
    for o in &mut report.orphans {
        let Some(rec) = stored.get(&o.vector_id) else {
            continue;
        };
        let best = vectors
            .iter()
            .zip(&described)
            .filter_map(|(v, d)| cosine(&rec.values, v).map(|s| (s, d)))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((s, (_, cid, state))) = best
            && s >= FRESH_THRESHOLD
        {
            o.conversation_id = Some((*cid).to_string());
            o.cause = orphan_cause(*state).to_string();
        }
    }
    Ok(())
}
