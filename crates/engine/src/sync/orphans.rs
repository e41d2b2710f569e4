//! Orphan vectors: vectors of a user (`{uid}-…` ids) whose memory is not in the export,
//! or is marked `deleted` in it (Omi deletes those vectors since 2025-12-20; a vector still
//! stored for a deleted memory is cleaned up like any orphan, never re-embedded).
//! Until 2025-12 Omi's delete used the bare memory id, so deleted memories left their
//! vectors behind (omi.md §1); `{uid}-{integer}` ids are from the 2024 app era.
//!
//! Deleting is a two-step affair: [`scan_orphans`] lists (a dry run), then
//! [`delete_orphans`] deletes the planned ids, and only when confirmed, not read-only, and
//! every id carries the user's `{uid}-` prefix — checked here, whatever the caller did.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::omi::conventions::{
    KEY_CREATED_AT, VectorIdKind, is_legacy_created_at, parse_vector_id, strip_uid_prefix,
    user_prefix,
};
use crate::omi::export::Export;
use crate::omi::record_kind::Kind;
use crate::store::{MetaValue, Metadata, StoreError, VectorStore, limits};
use crate::sync::kinds::status::{Unwanted, sort_unwanted};
use crate::sync::kinds::{Conversations, RecordKind};

/// A vector whose memory is not in the export.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Orphan {
    pub vector_id: String,
    /// The id with `{uid}-` stripped.
    pub memory_id: String,
    /// The `{uid}-{integer}` form of the 2024 app era.
    pub legacy_integer_id: bool,
    /// Stored metadata (`None` when the vector vanished between list and fetch).
    pub metadata: Option<Metadata>,
    /// Stored `created_at` number.
    pub created_at: Option<f64>,
    /// What else is worth knowing (legacy id, legacy `created_at`, metadata disagreeing,
    /// memory deleted in the export).
    pub notes: Vec<String>,
    /// The export holds the memory, marked `deleted`.
    #[serde(default)]
    pub deleted_in_export: bool,
}

/// What a scan found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrphanScan {
    pub namespace: String,
    pub uid: String,
    /// Ids listed under `{uid}-`.
    pub listed: usize,
    /// List pages read.
    pub pages: usize,
    /// Listed ids whose memory is in the export.
    pub in_export: usize,
    /// Export memories Omi would embed ([`crate::omi::policy`]) with no listed vector.
    pub missing: usize,
    /// Orphans whose memory the export marks deleted (included in `orphans`).
    #[serde(default)]
    pub deleted_in_export: usize,
    pub orphans: Vec<Orphan>,
    /// Why the export cannot be read as all of the user's conversations
    /// ([`crate::sync::kinds::incomplete_reason`]): set,
    /// the orphans are only "not in this export", and deleting them is refused unless
    /// the user names the risk.
    #[serde(default)]
    pub export_incomplete: Option<String>,
    /// Listed vectors whose id is a record of the export that could not be read: never
    /// orphans, never deleted.
    #[serde(default)]
    pub unreadable: Vec<String>,
}

/// Why a scan or a delete failed or was refused.
#[derive(Debug, thiserror::Error)]
pub enum OrphanError {
    #[error(
        "no Omi uid: orphans are found per user; set it with --uid, MEMLENS_UID or the export's profile"
    )]
    NoUid,
    #[error(
        "this vector store cannot list ids ({0}); Pinecone lists only on serverless indexes, \
         so orphans cannot be found on a pod-based index"
    )]
    CannotList(String),
    #[error("the store is read-only (--read-only / read_only): nothing was deleted")]
    ReadOnly,
    #[error("{0}: nothing was deleted")]
    ReadOnlyNamespace(String),
    #[error("deleting needs an explicit confirmation (--delete --yes): nothing was deleted")]
    NotConfirmed,
    #[error(
        "refusing to delete: {0}, so a vector whose item is absent from it may belong to an \
         item that still exists; nothing was deleted (use a complete export, or pass \
         --allow-incomplete-export to delete anyway)"
    )]
    IncompleteExport(String),
    #[error(
        "refusing to delete {} id(s) without the {prefix:?} prefix (e.g. {:?}): only this user's vectors can be deleted; nothing was deleted",
        ids.len(),
        ids.first().map(String::as_str).unwrap_or("")
    )]
    NotUserPrefixed { prefix: String, ids: Vec<String> },
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Default page size when listing ids.
pub const DEFAULT_PAGE_SIZE: usize = limits::DEFAULT_LIST_LIMIT;

/// Every id under `{uid}-` in `namespace`, `page_size` per page; `progress` gets the
/// number of ids so far after each page. Returns the ids and the number of pages.
pub async fn list_user_ids(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    page_size: usize,
    mut progress: impl FnMut(usize),
) -> Result<(Vec<String>, usize), OrphanError> {
    list_prefix_ids(
        store,
        namespace,
        &user_prefix(uid),
        page_size,
        &mut progress,
    )
    .await
}

/// Every id under `prefix` in `namespace`, `page_size` per page (the record kinds list
/// `{uid}-ai-` and `{uid}-` this way); `progress` gets the ids so far after each page.
/// Returns the ids and the number of pages.
pub async fn list_prefix_ids(
    store: &dyn VectorStore,
    namespace: &str,
    prefix: &str,
    page_size: usize,
    progress: &mut dyn FnMut(usize),
) -> Result<(Vec<String>, usize), OrphanError> {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut token: Option<String> = None;
    loop {
        let page = store
            .list(
                namespace,
                Some(prefix),
                Some(page_size.max(1)),
                token.clone(),
            )
            .await
            .map_err(|e| list_error(e, pages == 0))?;
        pages += 1;
        ids.extend(page.ids);
        progress(ids.len());
        match page.next {
            Some(next) if token.as_deref() == Some(next.as_str()) => {
                return Err(OrphanError::Store(StoreError::BadResponse(
                    "list returned the same pagination token twice".into(),
                )));
            }
            Some(next) => token = Some(next),
            None => return Ok((ids, pages)),
        }
    }
}

/// Map a store's "cannot list" to [`OrphanError::CannotList`]. Pinecone pod-based
/// indexes answer `list` with a body that is not a list response (or an error naming
/// pods / serverless), so on the first page a bad response counts as "cannot list" too;
/// the store's own message is kept in the error.
pub(crate) fn list_error(e: StoreError, first_page: bool) -> OrphanError {
    let says_unsupported = |msg: &str| {
        let m = msg.to_ascii_lowercase();
        m.contains("pod") || m.contains("serverless") || m.contains("not supported")
    };
    match e {
        StoreError::Unsupported(what) => OrphanError::CannotList(what),
        StoreError::BadResponse(msg) if first_page => {
            OrphanError::CannotList(format!("bad response from the vector store: {msg}"))
        }
        StoreError::Invalid(msg) | StoreError::NotFound(msg) | StoreError::BadResponse(msg)
            if says_unsupported(&msg) =>
        {
            OrphanError::CannotList(msg)
        }
        other => OrphanError::Store(other),
    }
}

/// List the user's vectors (pages of `page_size`) and compare with the export by the
/// conversations' record-kind rules ([`crate::sync::kinds::status::sort_unwanted`] over
/// [`Conversations`]: the same orphan rule, unreadable-record rule and per-kind
/// incompleteness as every kind's status); orphans are fetched (groups of 100) with their
/// metadata and notes (legacy ids, Omi's 2024 `created_at` bug, a metadata uid that is
/// not the user's). `progress` gets (stage, done) — stage `"list"` with the ids listed,
/// then `"fetch"` with the orphans fetched.
pub async fn scan_orphans(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    export: &Export,
    page_size: usize,
    mut progress: impl FnMut(&'static str, usize),
) -> Result<OrphanScan, OrphanError> {
    let uid = uid.trim();
    if uid.is_empty() {
        return Err(OrphanError::NoUid);
    }
    let (ids, pages) =
        list_user_ids(store, namespace, uid, page_size, |n| progress("list", n)).await?;
    // Only ids and skip reasons are read: the text format does not matter here.
    let kind = Conversations {
        format: crate::omi::text::TextFormat::CURRENT,
    };
    let expected = kind.expected(export, uid, 0);
    let wanted: HashSet<&str> = expected
        .iter()
        .filter(|e| e.skip.is_none())
        .map(|e| e.vector_id.as_str())
        .collect();
    let listed: HashSet<&str> = ids.iter().map(String::as_str).collect();
    let missing = wanted.iter().filter(|id| !listed.contains(*id)).count();
    let Unwanted {
        orphans: orphan_ids,
        unreadable,
    } = sort_unwanted(&kind, export, uid, &ids, &wanted);
    let mut fetched: BTreeMap<String, crate::store::Record> = BTreeMap::new();
    for group in orphan_ids.chunks(limits::FETCH_GROUP) {
        let group: Vec<String> = group.iter().map(|(id, _)| id.clone()).collect();
        fetched.extend(store.fetch(namespace, &group).await?);
        progress("fetch", fetched.len());
    }
    let orphans: Vec<Orphan> = orphan_ids
        .into_iter()
        .map(|(id, _)| {
            let metadata = fetched.remove(&id).map(|r| r.metadata);
            let mut o = orphan(uid, id, metadata);
            if export.get(&o.memory_id).is_some_and(|m| m.deleted) {
                o.deleted_in_export = true;
                o.notes.insert(
                    0,
                    "the memory is deleted in the export: Omi deletes its vector (since \
                     2025-12-20); clean it up"
                        .into(),
                );
            }
            o
        })
        .collect();
    let deleted_in_export = orphans.iter().filter(|o| o.deleted_in_export).count();
    Ok(OrphanScan {
        namespace: namespace.to_string(),
        uid: uid.to_string(),
        listed: ids.len(),
        pages,
        in_export: ids.len() - orphans.len() - unreadable.len(),
        missing,
        deleted_in_export,
        orphans,
        export_incomplete: crate::sync::kinds::incomplete_reason(Kind::Conversations, export),
        unreadable,
    })
}

fn orphan(uid: &str, vector_id: String, metadata: Option<Metadata>) -> Orphan {
    let kind = parse_vector_id(uid, &vector_id);
    let legacy_integer_id = matches!(kind, VectorIdKind::LegacyInteger(_));
    let mut notes = Vec::new();
    if legacy_integer_id {
        notes
            .push("legacy id {uid}-{integer}: a memory from the 2024 app era (integer ids)".into());
    }
    let mut o = Orphan {
        memory_id: kind.memory_id().to_string(),
        vector_id,
        legacy_integer_id,
        metadata: None,
        created_at: None,
        notes,
        deleted_in_export: false,
    };
    match metadata {
        Some(m) => fill(&mut o, uid, m),
        None => o
            .notes
            .push("no longer in the store (deleted since it was listed)".into()),
    }
    o
}

fn fill(o: &mut Orphan, uid: &str, metadata: Metadata) {
    o.created_at = match metadata.get(KEY_CREATED_AT) {
        Some(MetaValue::Number(n)) => Some(*n),
        _ => None,
    };
    if o.created_at.is_some_and(is_legacy_created_at) {
        o.notes
            .push("created_at < 1e9: Omi's 2024 divide-by-1000 bug".into());
    }
    match metadata.get("uid") {
        Some(MetaValue::String(u)) if u != uid => {
            o.notes.push(format!("metadata uid is {u:?}, not {uid:?}"))
        }
        Some(_) => {}
        None => o.notes.push("metadata has no uid".into()),
    }
    o.metadata = Some(metadata);
}

/// The ids a delete would remove (the dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeletePlan {
    pub namespace: String,
    pub uid: String,
    pub ids: Vec<String>,
    /// The scan's [`OrphanScan::export_incomplete`]: the delete is refused while set,
    /// unless [`DeletePlan::allow_incomplete`].
    pub export_incomplete: Option<String>,
    /// The user named the risk (`--allow-incomplete-export`).
    pub allow_incomplete: bool,
}

impl DeletePlan {
    /// Plan to delete every orphan of a scan.
    pub fn from_scan(scan: &OrphanScan) -> Self {
        Self {
            namespace: scan.namespace.clone(),
            uid: scan.uid.clone(),
            ids: scan.orphans.iter().map(|o| o.vector_id.clone()).collect(),
            export_incomplete: scan.export_incomplete.clone(),
            allow_incomplete: false,
        }
    }

    /// Ids in the plan without the `{uid}-` prefix (these are never deleted).
    pub fn foreign_ids(&self) -> Vec<String> {
        self.ids
            .iter()
            .filter(|id| self.uid.trim().is_empty() || strip_uid_prefix(&self.uid, id).is_none())
            .cloned()
            .collect()
    }
}

/// Delete the planned ids. Refused (nothing deleted) when `read_only`, when not
/// `confirmed`, when the uid is empty, when any id lacks the `{uid}-` prefix, or when
/// the export the orphans were found against is incomplete and the user did not allow it
/// ([`OrphanError::IncompleteExport`]).
/// Returns the number of ids deleted.
pub async fn delete_orphans(
    store: &dyn VectorStore,
    plan: &DeletePlan,
    confirmed: bool,
    read_only: bool,
) -> Result<usize, OrphanError> {
    if read_only {
        return Err(OrphanError::ReadOnly);
    }
    // This scan is of conversations (`ns1`): in another kind's namespace every record
    // would look like an orphan.
    if let Some(why) = crate::omi::fact_conventions::read_only_namespace(&plan.namespace)
        .or_else(|| Kind::Conversations.foreign_namespace(&plan.namespace))
    {
        return Err(OrphanError::ReadOnlyNamespace(why));
    }
    if plan.uid.trim().is_empty() {
        return Err(OrphanError::NoUid);
    }
    let foreign = plan.foreign_ids();
    if !foreign.is_empty() {
        return Err(OrphanError::NotUserPrefixed {
            prefix: user_prefix(&plan.uid),
            ids: foreign,
        });
    }
    if let Some(why) = plan
        .export_incomplete
        .as_ref()
        .filter(|_| !plan.allow_incomplete)
    {
        return Err(OrphanError::IncompleteExport(why.clone()));
    }
    if !confirmed {
        return Err(OrphanError::NotConfirmed);
    }
    if plan.ids.is_empty() {
        return Ok(0);
    }
    store.delete(&plan.namespace, &plan.ids).await?;
    Ok(plan.ids.len())
}
