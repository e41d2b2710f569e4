//! Omi's writes for a record kind, written once: a [`WritePlan`] (what would be upserted
//! and deleted, shown first), then [`apply`]: Omi's texts embedded and Omi's exact ids and
//! metadata upserted by the same journalled job as conversations and facts
//! ([`crate::sync::reprocess`]: batches of [`BATCH`] — Omi's chunk backfill and ns4 writes
//! use 100, omi-namespaces-2026.md §1.2 — retries, one bad item failing alone, every record
//! fetched back and compared, [`resume`] after a crash), then the orphan ids of the
//! selected owners deleted (a conversation's orphan chunk tail). Refused when read-only,
//! unconfirmed, outside the kind's namespace or outside the user's `{uid}-` prefix.

use serde::Serialize;

use super::status::KindReport;
use super::{Expected, RecordKind};
use crate::omi::conventions::{strip_uid_prefix, user_prefix};
use crate::omi::export::Export;
use crate::omi::record_kind::Kind;
use crate::store::VectorStore;
use crate::sync::orphans::OrphanError;
use crate::sync::reprocess::{
    CancelFlag, Progress, Rebuilt, ReprocessConfig, ReprocessError, Reprocessor, Summary,
};

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
    // Owners named that the export holds with no record of this kind: said, not unknown.
    let mut empty: Vec<(String, String)> = Vec::new();
    if !selection.owners.is_empty() {
        let unknown: Vec<String> = selection
            .owners
            .iter()
            .filter(|o| !owners.iter().any(|(x, _)| x == o))
            .filter(|o| match kind.empty_owner(export, o) {
                Some(why) => {
                    empty.push(((*o).clone(), why));
                    false
                }
                None => true,
            })
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
    let mut skipped = empty;
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

/// Leave out of `plan` the records the journal says are unchanged, as a conversation
/// plan does: the last successful write of the same vector id to the same store and
/// namespace had the same text (hash), model and format, and the record is still stored
/// (checked by fetching just those ids, groups of 100). Each goes to `plan.skipped` as
/// "unchanged"; `--force` keeps them. Returns how many were left out.
pub async fn skip_unchanged(rp: &Reprocessor, plan: &mut WritePlan) -> Result<usize, WriteError> {
    let target = rp.target()?;
    let last = rp
        .journal()
        .last_writes(&target.store, &plan.namespace, &plan.upsert_ids)
        .map_err(ReprocessError::from)?;
    let candidates: Vec<String> = plan
        .upserts
        .iter()
        .filter(|e| {
            last.get(&e.vector_id).is_some_and(|w| {
                w.matches(
                    &crate::sync::reprocess::text_hash(&e.text),
                    &target.model,
                    &target.format,
                )
            })
        })
        .map(|e| e.vector_id.clone())
        .collect();
    let mut stored = std::collections::HashSet::new();
    for group in candidates.chunks(crate::store::limits::FETCH_GROUP) {
        stored.extend(
            rp.store()
                .fetch(&plan.namespace, group)
                .await
                .map_err(OrphanError::from)?
                .into_keys(),
        );
    }
    let before = plan.upserts.len();
    let mut kept = Vec::with_capacity(before);
    for e in std::mem::take(&mut plan.upserts) {
        if stored.contains(&e.vector_id) {
            plan.skipped.push((
                e.key.clone(),
                "unchanged: the journal's last write had the same text, model and format \
                 (--force rewrites it)"
                    .into(),
            ));
        } else {
            kept.push(e);
        }
    }
    plan.upserts = kept;
    plan.upsert_ids = plan.upserts.iter().map(|e| e.vector_id.clone()).collect();
    Ok(before - plan.upserts.len())
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    /// Records upserted and verified (fetched back equal) in this run.
    pub upserted: usize,
    /// Orphan ids deleted.
    pub deleted: usize,
    /// The journalled run: its id, failures grouped by cause, what is left pending.
    pub summary: Summary,
    /// Each record upserted and verified: its vector id and the text its vector was just
    /// embedded from. Such a record is known fresh while that text is Omi's (no
    /// re-embedding needed to say so). Empty when the run was cancelled with items
    /// pending (which of them were written is in the journal, not here).
    #[serde(skip)]
    pub written: Vec<(String, String)>,
}

/// Why [`apply`] or [`resume`] wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// Refused before anything was written (read-only, unconfirmed, foreign namespace or
    /// ids, an incomplete export for deletes).
    #[error(transparent)]
    Refused(#[from] OrphanError),
    /// The job could not start, or stopped at a permanent error (the run stays
    /// resumable: `reprocess --kind … --resume`).
    #[error(transparent)]
    Job(#[from] ReprocessError),
}

/// Carry out `plan` with `rp` (an engine configured for the plan's kind, namespace and
/// uid; [`engine_config`]): Omi's records go through the reprocess job — the journal
/// (`journal.db`: a crash or `kill -9` leaves a run that [`resume`] finishes), batches of
/// [`BATCH`], retries of transient errors, one bad item failing alone, each record
/// fetched back and compared — then the plan's orphan ids are deleted (groups of 100),
/// unless the job stopped. Refused, nothing written, when `read_only`, not
/// `confirmed`, the uid is empty, the namespace is not the kind's, or an id lacks the
/// `{uid}-` prefix. Metadata `created_at` of action items is the time of each batch's
/// upsert (§2.1). `progress` gets the job's [`Progress`].
pub async fn apply(
    rp: &Reprocessor,
    plan: &WritePlan,
    confirmed: bool,
    progress: impl FnMut(&Progress) + Send,
    cancel: &CancelFlag,
) -> Result<Applied, WriteError> {
    check(plan, confirmed, rp.config().read_only)?;
    same_target(rp, plan.kind, &plan.namespace, &plan.uid)?;
    let summary = rp.run_records(&plan.upserts, progress, cancel).await?;
    let deleted = if summary.cancelled {
        0
    } else {
        delete_groups(rp.store(), &plan.namespace, &plan.deletes).await?
    };
    let written = if summary.pending == 0 {
        let failed: std::collections::HashSet<&str> = summary
            .failed
            .iter()
            .map(|f| f.vector_id.as_str())
            .collect();
        plan.upserts
            .iter()
            .filter(|e| !failed.contains(e.vector_id.as_str()))
            .map(|e| (e.vector_id.clone(), e.text.clone()))
            .collect()
    } else {
        Vec::new()
    };
    Ok(Applied {
        upserted: summary.done,
        deleted,
        summary,
        written,
    })
}

/// Finish an unfinished run of `kind` (cancelled, interrupted or killed): its pending and
/// failed items are rebuilt from `export` by vector id — Omi's text and metadata as
/// they are now — and written; done items are left alone. A record the export no longer
/// holds, or that Omi would no longer write (a conversation discarded since), fails alone
/// with the reason.
pub async fn resume(
    rp: &Reprocessor,
    kind: &dyn RecordKind,
    export: &Export,
    run_id: &str,
    progress: impl FnMut(&Progress) + Send,
    cancel: &CancelFlag,
) -> Result<Summary, WriteError> {
    let uid = rp.uid()?.to_string();
    same_target(rp, kind.kind(), &rp.config().namespace, &uid)?;
    let expected = kind.expected(export, &uid, chrono::Utc::now().timestamp());
    let by_id: std::collections::HashMap<&str, &Expected> =
        expected.iter().map(|e| (e.vector_id.as_str(), e)).collect();
    // An owner Omi writes nothing for any more (a conversation discarded since).
    let skipped: std::collections::HashMap<String, String> = kind
        .skipped_owners(export)
        .into_iter()
        .map(|s| (s.owner, s.reason))
        .collect();
    let rebuild = |vector_id: &str, _: &str, _: &str| -> Option<Result<Rebuilt, String>> {
        if let Some(why) = kind.owner_of(&uid, vector_id).and_then(|o| skipped.get(&o)) {
            return Some(Err(format!(
                "not written: skipped ({why}); Omi would not write it"
            )));
        }
        by_id.get(vector_id).map(|e| match &e.skip {
            Some(why) => Err(format!(
                "not written: skipped ({why}); Omi would not write it"
            )),
            None => Ok(Rebuilt {
                text: e.text.clone(),
                omi_metadata: Some(e.metadata.clone()),
                ..Rebuilt::default()
            }),
        })
    };
    let noun = kind.spec().noun;
    Ok(rp
        .resume_with(run_id, &rebuild, noun, progress, cancel)
        .await?)
}

/// The reprocess configuration that writes `kind` for `uid` in the kind's namespace:
/// batches of [`BATCH`] (Omi's), `read_only` as given.
pub fn engine_config(kind: Kind, uid: &str, read_only: bool) -> ReprocessConfig {
    ReprocessConfig {
        uid: Some(uid.to_string()),
        kind,
        namespace: kind.default_namespace().to_string(),
        read_only,
        batch_size: BATCH,
        ..ReprocessConfig::default()
    }
}

/// The engine must write what the plan was made for.
fn same_target(rp: &Reprocessor, kind: Kind, namespace: &str, uid: &str) -> Result<(), WriteError> {
    let c = rp.config();
    if c.kind != kind || c.namespace != namespace || c.uid.as_deref() != Some(uid) {
        return Err(WriteError::Job(ReprocessError::Config(format!(
            "the plan writes {} to {namespace} for uid {uid}; this engine writes {} to {} for uid {}: plan again",
            kind.word(),
            c.kind.word(),
            c.namespace,
            c.uid.as_deref().unwrap_or("(none)")
        ))));
    }
    Ok(())
}

async fn delete_groups(
    store: &dyn VectorStore,
    namespace: &str,
    ids: &[String],
) -> Result<usize, OrphanError> {
    for group in ids.chunks(crate::store::limits::FETCH_GROUP) {
        store.delete(namespace, group).await?;
    }
    Ok(ids.len())
}

/// The refusals of [`apply`] and [`delete_ids_in`].
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

/// Delete orphan ids of a kind (`orphans --kind … --delete --yes`) in `namespace`, with
/// the refusals of [`apply`] (refused unless it is the kind's own, or for
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
    delete_groups(store, &plan.namespace, ids).await
}
