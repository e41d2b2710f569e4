//! Auto-indexing: on the offline default (the built-in all-MiniLM-L6-v2 and the local
//! store, no keys) an export searches out of the box. (`--embedder static`, an explicit
//! choice, leaves indexing to `memlens reprocess --missing`; the engine works for it too.) Opening it embeds every embeddable memory the
//! local store lacks or holds stale, newest first, so recent memories are searchable
//! first; search works on what is indexed so far and says how much that is.
//!
//! It is a reprocess ([`super::reprocess`]) of `Selection::All` (memories the journal says
//! are unchanged are skipped), so it is resumable and verified like any other, and it
//! never runs against a remote store (remote writes always need a confirmation).
//!
//! **Vectors of different models never mix.** The local store records which model made
//! each namespace's vectors ([`VectorStore::namespace_model`]; a store written before
//! schema 2 has no record, and then its dimension tells: 128 is the static table's). When
//! the namespace was made by *another built-in model* (the static table, or
//! all-MiniLM-L6-v2 when the static table is chosen), both free to recompute offline,
//! auto-indexing deletes those vectors and re-indexes, and [`AutoIndex::note`] tells the
//! user why. A namespace made by any other model (an OpenAI model: paid vectors) is never
//! touched: [`prepare`] refuses with the reason and the fix.

use std::sync::Arc;

use crate::embed::{Embedder, builtin, minilm};
use crate::omi::Memory;
use crate::store::{VectorStore, list_all_ids};
use crate::sync::reprocess::{Plan, ReprocessError, Reprocessor, Selection};

/// Texts per embedding call while auto-indexing: small, so progress (and searchability)
/// advances every second or so rather than every 256 memories.
pub const BATCH: usize = 32;

/// A prepared auto-index: what will be embedded, and how much is indexed already.
#[derive(Debug, Clone)]
pub struct AutoIndex {
    /// The writes, newest memory first.
    pub plan: Plan,
    /// Memories of the export Omi would embed ([`crate::omi::policy::skip_reason`]: not
    /// deleted, discarded or unfinished, with text and a valid id).
    pub embeddable: usize,
    /// Of those, already indexed and current before this run.
    pub indexed: usize,
    /// Something the user must be told (vectors of another model were replaced).
    pub note: Option<String>,
}

impl AutoIndex {
    /// One line for search results while indexing runs: `ns1 holds 120 of this export's
    /// 323 memories (indexing newest first)`. `done` = memories written so far by the run.
    pub fn coverage(&self, namespace: &str, done: usize) -> String {
        let have = (self.indexed + done).min(self.embeddable);
        if have >= self.embeddable {
            format!(
                "{namespace} holds all {} of this export's memories",
                self.embeddable
            )
        } else {
            format!(
                "{namespace} holds {have} of this export's {} memories (indexing newest first)",
                self.embeddable
            )
        }
    }
}

/// True for embedders memlens runs itself (free to recompute offline).
pub fn is_builtin_model(model: &str) -> bool {
    model == minilm::MODEL_ID || model == builtin::MODEL_ID
}

/// Check the namespace's model, re-index it if another built-in model made it, and plan
/// the writes (newest first). Writes only when it deletes another built-in model's
/// vectors; refuses a remote store.
pub async fn prepare(
    rp: &Reprocessor,
    embedder: &dyn Embedder,
    store: &Arc<dyn VectorStore>,
    memories: &[Memory],
) -> Result<AutoIndex, ReprocessError> {
    if store.is_remote() {
        return Err(ReprocessError::Config(
            "auto-indexing writes only to the local store; remote writes need a confirmed \
             reprocess"
                .into(),
        ));
    }
    let ns = rp.config().namespace.clone();
    let model = embedder.model_id();
    let recorded = store.namespace_model(&ns).await?;
    let stats = store.stats().await?;
    let held = stats.namespaces.get(&ns).copied().unwrap_or(0);
    let dim = stats.dimension_of(&ns);
    // Who made the namespace's vectors: the record, else the static table by its 128
    // dimensions, else unknown (adopted when the dimension fits).
    let maker = recorded.clone().or_else(|| {
        (dim == Some(builtin::DIMENSION) && embedder.dimension() != builtin::DIMENSION)
            .then(|| builtin::MODEL_ID.to_string())
    });
    let mut note = None;
    match (&maker, dim) {
        (Some(other), _) if held > 0 && other != model => {
            if !is_builtin_model(other) {
                return Err(ReprocessError::Incompatible(format!(
                    "namespace {ns} of the local store holds {held} vectors made by {other}, \
                     not {model}; auto-indexing leaves them alone (search with that embedder, \
                     or pick another --namespace or --data-dir for {model})"
                )));
            }
            let ids = list_all_ids(store.as_ref(), &ns, None).await?;
            for chunk in ids.chunks(1000) {
                store.delete(&ns, chunk).await?;
            }
            note = Some(format!(
                "{ns} held {held} vectors of {other}{}; vectors of different models are not \
                 comparable, so memlens is re-indexing {ns} with {model}",
                dim.map(|d| format!(" ({d}-d)")).unwrap_or_default()
            ));
        }
        (None, Some(d)) if held > 0 && d != embedder.dimension() => {
            return Err(ReprocessError::Incompatible(format!(
                "namespace {ns} of the local store holds {held} {d}-dimensional vectors of an \
                 unrecorded model; {model} makes {}: auto-indexing leaves them alone (use \
                 another --namespace or --data-dir)",
                embedder.dimension()
            )));
        }
        _ => {}
    }
    let mut plan = rp.plan(memories, &Selection::All, None).await?;
    // Newest first: recent memories become searchable first. Undated ones go last.
    plan.items
        .sort_by_key(|i| std::cmp::Reverse(i.memory_created_at.unwrap_or(i64::MIN)));
    let indexed = plan.counts.unchanged;
    Ok(AutoIndex {
        embeddable: indexed + plan.items.len(),
        indexed,
        plan,
        note,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_models_are_known() {
        assert!(is_builtin_model("all-MiniLM-L6-v2"));
        assert!(is_builtin_model("memlens-minilm-static-128"));
        assert!(!is_builtin_model("text-embedding-3-large"));
    }
}
