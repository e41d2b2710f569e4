//! Omi's writes for a record kind, written once: a [`WritePlan`] (what would be upserted
//! and deleted, shown first), then [`apply`]: embed Omi's texts and upsert Omi's exact ids
//! and metadata in batches of [`BATCH`] (Omi's chunk backfill and ns4 writes use 100,
//! omi-namespaces-2026.md §1.2), and delete orphan ids of the selected owners (a
//! conversation's orphan chunk tail). Refused when read-only, unconfirmed, outside the
//! kind's namespace or outside the user's `{uid}-` prefix.

use serde::Serialize;

use super::status::KindReport;
use super::{Expected, RecordKind};
use crate::embed::Embedder;
use crate::omi::conventions::{KEY_CREATED_AT, strip_uid_prefix, user_prefix};
use crate::omi::export::Export;
use crate::omi::record_kind::Kind;
use crate::store::{MetaValue, Record, VectorStore};
use crate::sync::orphans::OrphanError;

/// Records per embed + upsert batch (Omi's `upsert_transcript_chunk_vectors`: 100).
pub const BATCH: usize = 100;

/// What to write.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Only these owners (conversation ids for chunks, item ids for action items); all
    /// when empty.
    pub owners: Vec<String>,
    /// The newest N owners only (Omi's backfill `--limit N`).
    pub limit: Option<usize>,
    /// Only records not stored yet (missing) or stale.
    pub only_needed: bool,
    /// Also delete the selected owners' orphan ids (a shortened transcript's old tail).
    pub clear_orphans: bool,
}

/// The plan: shown before anything is written.
#[derive(Debug, Clone, Serialize)]
pub struct WritePlan {
    pub kind: Kind,
    pub namespace: String,
    pub uid: String,
    /// Records to embed and upsert (Omi's ids and metadata).
    #[serde(skip)]
    pub upserts: Vec<Expected>,
    /// Their vector ids (for `--json`).
    pub upsert_ids: Vec<String>,
    /// Orphan ids to delete.
    pub deletes: Vec<String>,
    /// Selected records Omi would not write, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Owners selected.
    pub owners: usize,
}

/// Why a selection cannot be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("no such {noun} in the export: {ids}")]
    Unknown { noun: &'static str, ids: String },
}

/// Plan the writes of `kind` for `export`. `report` (a [`KindReport`] of the same export)
/// gives what is stored: with it, `only_needed` and `clear_orphans` work.
pub fn plan(
    kind: &dyn RecordKind,
    export: &Export,
    uid: &str,
    report: Option<&KindReport>,
    selection: &Selection,
) -> Result<WritePlan, PlanError> {
    let expected = kind.expected(export, uid, chrono::Utc::now().timestamp());
    let skipped_owners = kind.skipped_owners(export);
    let mut owners: Vec<(&str, i64)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for e in &expected {
        if seen.insert(e.owner.as_str()) {
            owners.push((&e.owner, e.date));
        }
    }
    // Owners with no record at all (a conversation the chunk backfill skips) can be named
    // too: the plan says why nothing is written for them. (The date only orders owners
    // for `limit`, which keeps eligible owners alone.)
    for s in &skipped_owners {
        if seen.insert(s.owner.as_str()) {
            owners.push((&s.owner, 0));
        }
    }
    if !selection.owners.is_empty() {
        let unknown: Vec<String> = selection
            .owners
            .iter()
            .filter(|o| !owners.iter().any(|(x, _)| x == o))
            .map(|o| format!("{o:?}"))
            .collect();
        if !unknown.is_empty() {
            return Err(PlanError::Unknown {
                noun: kind.spec().noun,
                ids: unknown.join(", "),
            });
        }
        owners.retain(|(o, _)| selection.owners.iter().any(|s| s == o));
    }
    if let Some(n) = selection.limit {
        // Only owners Omi would write count towards the limit (the backfill's query takes
        // eligible conversations, newest first).
        let eligible: std::collections::HashSet<&str> = expected
            .iter()
            .filter(|e| e.skip.is_none())
            .map(|e| e.owner.as_str())
            .collect();
        owners.retain(|(o, _)| eligible.contains(o));
        owners.sort_by_key(|o| std::cmp::Reverse(o.1));
        owners.truncate(n);
    }
    let chosen: std::collections::HashSet<&str> = owners.iter().map(|o| o.0).collect();
    let stored: std::collections::HashMap<&str, super::status::RecordStatus> = report
        .map(|r| {
            r.records
                .iter()
                .map(|s| (s.vector_id.as_str(), s.status))
                .collect()
        })
        .unwrap_or_default();
    let status_of = |id: &str| stored.get(id).copied();
    let mut upserts = Vec::new();
    let mut skipped = Vec::new();
    for e in expected
        .iter()
        .filter(|e| chosen.contains(e.owner.as_str()))
    {
        if let Some(s) = &e.skip {
            skipped.push((e.key.clone(), s.clone()));
            continue;
        }
        use super::status::RecordStatus::{Fresh, Present};
        if selection.only_needed && matches!(status_of(&e.vector_id), Some(Present | Fresh)) {
            continue;
        }
        upserts.push(e.clone());
    }
    skipped.extend(
        skipped_owners
            .iter()
            .filter(|s| chosen.contains(s.owner.as_str()))
            .map(|s| (s.owner.clone(), s.reason.clone())),
    );
    // The selected owners' orphans (with no selection: every orphan of the kind).
    let deletes = match report {
        Some(r) if selection.clear_orphans => r
            .orphans
            .iter()
            .filter(|o| o.kept.is_none())
            .filter(|o| {
                selection.owners.is_empty()
                    || o.owner
                        .as_deref()
                        .is_some_and(|ow| selection.owners.iter().any(|s| s == ow))
            })
            .map(|o| o.vector_id.clone())
            .collect(),
        _ => Vec::new(),
    };
    Ok(WritePlan {
        kind: kind.kind(),
        namespace: kind.spec().namespace.to_string(),
        uid: uid.to_string(),
        upsert_ids: upserts.iter().map(|e| e.vector_id.clone()).collect(),
        upserts,
        deletes,
        skipped,
        owners: owners.len(),
    })
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Applied {
    pub upserted: usize,
    pub deleted: usize,
    /// Upsert requests (batches).
    pub batches: usize,
}

/// Carry out `plan`: refused (nothing written) when `read_only`, not `confirmed`, the
/// uid is empty, the namespace is not the kind's, or an id lacks the `{uid}-` prefix.
/// Metadata `created_at` of kinds that record the upsert time (facts, action items) is
/// the time of each batch's upsert (§2.1). `progress` gets the records written so far.
pub async fn apply(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    plan: &WritePlan,
    confirmed: bool,
    read_only: bool,
    mut progress: impl FnMut(usize),
) -> Result<Applied, OrphanError> {
    check(plan, confirmed, read_only)?;
    let upsert_time = plan.kind.spec().upsert_time;
    run(store, embedder, plan, upsert_time, &mut progress).await
}

/// The refusals of [`apply`] and [`delete_ids`].
fn check(plan: &WritePlan, confirmed: bool, read_only: bool) -> Result<(), OrphanError> {
    if read_only {
        return Err(OrphanError::ReadOnly);
    }
    let uid = plan.uid.trim();
    if uid.is_empty() {
        return Err(OrphanError::NoUid);
    }
    // Conversations and facts may live in a namespace named on the command line, unless
    // it is one memlens does not model; the other kinds only in their own.
    let chosen = matches!(plan.kind, Kind::Conversations | Kind::Facts)
        && crate::omi::fact_conventions::read_only_namespace(&plan.namespace).is_none();
    if let Some(why) = plan.kind.foreign_namespace(&plan.namespace) {
        return Err(OrphanError::ReadOnlyNamespace(why));
    }
    if plan.namespace != plan.kind.default_namespace() && !chosen {
        return Err(OrphanError::ReadOnlyNamespace(format!(
            "{} live in {}, not {}",
            plan.kind.spec().noun,
            plan.kind.default_namespace(),
            plan.namespace
        )));
    }
    let foreign: Vec<String> = plan
        .upsert_ids
        .iter()
        .chain(&plan.deletes)
        .filter(|id| strip_uid_prefix(uid, id).is_none())
        .cloned()
        .collect();
    if !foreign.is_empty() {
        return Err(OrphanError::NotUserPrefixed {
            prefix: user_prefix(uid),
            ids: foreign,
        });
    }
    if !confirmed {
        return Err(OrphanError::NotConfirmed);
    }
    Ok(())
}

/// Carry out `plan` once [`check`]ed (see [`apply`]).
async fn run(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    plan: &WritePlan,
    upsert_time: bool,
    progress: &mut dyn FnMut(usize),
) -> Result<Applied, OrphanError> {
    let mut done = Applied::default();
    for batch in plan.upserts.chunks(BATCH) {
        let texts: Vec<String> = batch.iter().map(|e| e.text.clone()).collect();
        let vectors = embedder.embed(&texts).await.map_err(|e| {
            OrphanError::Store(crate::store::StoreError::Unavailable(format!(
                "embedding failed, nothing more written: {e}"
            )))
        })?;
        let now = chrono::Utc::now().timestamp();
        let records: Vec<Record> = batch
            .iter()
            .zip(vectors)
            .map(|(e, values)| {
                let mut metadata = e.metadata.clone();
                if upsert_time {
                    metadata.insert(KEY_CREATED_AT.into(), MetaValue::Number(now as f64));
                }
                Record {
                    id: e.vector_id.clone(),
                    values,
                    metadata,
                }
            })
            .collect();
        done.upserted += store.upsert(&plan.namespace, records).await?;
        done.batches += 1;
        progress(done.upserted);
    }
    for group in plan.deletes.chunks(crate::store::limits::FETCH_GROUP) {
        store.delete(&plan.namespace, group).await?;
        done.deleted += group.len();
    }
    Ok(done)
}

/// Delete orphan ids of a kind (`orphans --kind … --delete --yes`): the same refusals as
/// [`apply`].
pub async fn delete_ids(
    store: &dyn VectorStore,
    kind: Kind,
    uid: &str,
    ids: &[String],
    confirmed: bool,
    read_only: bool,
) -> Result<usize, OrphanError> {
    let namespace = kind.default_namespace();
    delete_ids_in(store, kind, namespace, uid, ids, confirmed, read_only).await
}

/// [`delete_ids`] in `namespace` (refused unless it is the kind's own, or for
/// conversations and facts a namespace memlens models).
pub async fn delete_ids_in(
    store: &dyn VectorStore,
    kind: Kind,
    namespace: &str,
    uid: &str,
    ids: &[String],
    confirmed: bool,
    read_only: bool,
) -> Result<usize, OrphanError> {
    let plan = WritePlan {
        kind,
        namespace: namespace.to_string(),
        uid: uid.to_string(),
        upserts: Vec::new(),
        upsert_ids: Vec::new(),
        deletes: ids.to_vec(),
        skipped: Vec::new(),
        owners: 0,
    };
    check(&plan, confirmed, read_only)?;
    for group in ids.chunks(crate::store::limits::FETCH_GROUP) {
        store.delete(&plan.namespace, group).await?;
    }
    Ok(ids.len())
}
