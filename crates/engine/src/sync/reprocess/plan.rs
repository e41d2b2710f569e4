//! The dry run: which memories a selection writes, and what it would cost.

use std::collections::{BTreeMap, BTreeSet};

use futures::StreamExt;
use serde::Serialize;

use super::{ReprocessError, Reprocessor, Target, text_hash};
use crate::omi::Memory;
use crate::omi::policy;
use crate::store::{Metadata, limits};
use crate::sync::kinds::Conversations;
use crate::sync::kinds::lookup::{self, ByIdRules};
use crate::sync::status::{self, EmbeddingStatus, StatusEntry};

/// Which memories to reprocess.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "ids")]
pub enum Selection {
    /// These memory ids.
    Ids(Vec<String>),
    /// Every memory of the export.
    All,
    /// Memories with no record in the store.
    Missing,
    /// Memories whose record is not known to match the current text, model and format:
    /// status stale, legacy or mismatch; or present with no matching successful write in
    /// the journal. (A caller that compared vectors — status fresh — excludes them.)
    Stale,
}

impl Selection {
    /// Words for a header: `3 ids`, `all`, `missing`, `stale`.
    pub fn describe(&self) -> String {
        match self {
            Self::Ids(ids) => format!("{} id(s)", ids.len()),
            Self::All => "all".into(),
            Self::Missing => "missing".into(),
            Self::Stale => "stale".into(),
        }
    }
}

/// Whether a planned write creates or replaces a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// No record yet.
    New,
    /// A record exists and is replaced (its extra metadata carried over).
    Overwrite,
}

/// One memory to write.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanItem {
    pub memory_id: String,
    pub vector_id: String,
    /// The embedding text (not serialized: it can be long).
    #[serde(skip)]
    pub text: String,
    pub text_hash: String,
    /// The memory's own `created_at`, Unix seconds.
    pub memory_created_at: Option<i64>,
    pub change: Change,
    /// Tokens the text costs the embedder.
    pub tokens: usize,
    /// Facts only: the category written into `ns2` metadata (the stored value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Action items and chunks: Omi's metadata, written exactly
    /// ([`super::exact_metadata`]); `None` for conversations and facts.
    #[serde(skip)]
    pub omi_metadata: Option<Metadata>,
}

/// Why a selected memory is not written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// Omi would not embed it ([`policy::skip_reason`]); only `discarded` and
    /// `unfinished` can be forced (`include_discarded`, `include_unfinished`).
    NotEmbeddable(policy::SkipReason),
    /// The last successful write used the same text, model, format and target.
    Unchanged,
    /// An id asked for is not in the export.
    NotInExport,
    /// A fact Omi would not embed (rejected, deleted, superseded; omi-facts.md §F7). A
    /// fact's invalid id or empty content is [`Self::NotEmbeddable`] with the policy's
    /// `InvalidId` / `Empty`.
    FactNotEmbeddable(String),
    /// The stored record is of a shape memlens never overwrites (late-2026 canonical
    /// `ns2` vectors, omi-facts.md §F5.8).
    Foreign(String),
}

impl SkipReason {
    /// The kind, one word or two: a policy kind (`deleted`, `unfinished`, …),
    /// `unchanged` or `not in export`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::NotEmbeddable(r) => r.kind(),
            Self::Unchanged => "unchanged",
            Self::NotInExport => "not in export",
            Self::FactNotEmbeddable(_) => "not embeddable",
            Self::Foreign(_) => "foreign",
        }
    }

    /// What a plan shows: `unfinished: in_progress`, `unchanged`, ….
    pub fn label(&self) -> String {
        match self {
            Self::NotEmbeddable(r) => r.label(),
            other => other.kind().to_string(),
        }
    }

    /// The label with what a user acts on (the id rule broken, the field missing).
    pub fn detail(&self) -> String {
        match self {
            Self::NotEmbeddable(r) => r.detail(),
            Self::NotInExport => "not in the export".into(),
            Self::FactNotEmbeddable(why) => format!("not embeddable: {why}"),
            Self::Foreign(why) => format!("foreign: {why}"),
            other => other.label(),
        }
    }
}

/// A selected memory left out, and why. JSON: `{"memory_id", "kind", "reason"}` where
/// `kind` is [`SkipReason::kind`] and `reason` its [`SkipReason::detail`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedItem {
    pub memory_id: String,
    pub reason: SkipReason,
}

impl Serialize for SkippedItem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("SkippedItem", 3)?;
        st.serialize_field("memory_id", &self.memory_id)?;
        st.serialize_field("kind", self.reason.kind())?;
        st.serialize_field("reason", &self.reason.detail())?;
        st.end()
    }
}

/// Counts for a confirmation dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct PlanCounts {
    /// Memories the selection picked (ids not in the export included).
    pub selected: usize,
    /// Writes that create a record.
    pub new: usize,
    /// Writes that replace a record.
    pub overwritten: usize,
    /// Skipped: unchanged since the last successful write.
    pub unchanged: usize,
    /// Skipped: deleted in Omi (never written; a stored vector is an orphan).
    pub deleted: usize,
    /// Skipped: the vector id breaks Pinecone's rules.
    pub invalid_id: usize,
    /// Skipped: returned locked, text blanked.
    pub locked: usize,
    /// Skipped: a field Omi's models require is missing.
    pub invalid: usize,
    /// Skipped: discarded (forced by `include_discarded`).
    pub discarded: usize,
    /// Skipped: status not `completed` (forced by `include_unfinished`).
    pub unfinished: usize,
    /// Skipped: no title and no overview.
    pub empty: usize,
    /// Ids asked for that the export does not hold.
    pub not_in_export: usize,
    /// Facts only: skipped because Omi would not embed them, or their record is foreign.
    #[serde(default)]
    pub not_embeddable: usize,
    #[serde(default)]
    pub foreign: usize,
}

impl PlanCounts {
    /// Memories to write.
    pub fn writes(&self) -> usize {
        self.new + self.overwritten
    }

    /// Count one memory (or fact) Omi would not embed.
    pub(super) fn add(&mut self, r: &policy::SkipReason) {
        use policy::SkipReason as R;
        *match r {
            R::Deleted => &mut self.deleted,
            R::InvalidId(_) => &mut self.invalid_id,
            R::Locked => &mut self.locked,
            R::Invalid(_) => &mut self.invalid,
            R::Discarded => &mut self.discarded,
            R::Unfinished(_) => &mut self.unfinished,
            R::Empty => &mut self.empty,
        } += 1;
    }

    /// The skips, non-zero only, in the policy's order then `unchanged` and
    /// `not in export`: `[("deleted", 2), ("unfinished", 1)]`.
    pub fn skips(&self) -> Vec<(&'static str, usize)> {
        [
            ("deleted", self.deleted),
            ("invalid id", self.invalid_id),
            ("locked", self.locked),
            ("invalid", self.invalid),
            ("discarded", self.discarded),
            ("unfinished", self.unfinished),
            ("empty", self.empty),
            ("not embeddable", self.not_embeddable),
            ("foreign", self.foreign),
            ("unchanged", self.unchanged),
            ("not in export", self.not_in_export),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect()
    }

    /// `skip 2 deleted, 1 unfinished` (`skip nothing` when nothing is skipped).
    pub fn describe_skips(&self) -> String {
        let parts: Vec<String> = self
            .skips()
            .into_iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect();
        if parts.is_empty() {
            "skip nothing".into()
        } else {
            format!("skip {}", parts.join(", "))
        }
    }
}

/// Requests a run is expected to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct RequestEstimate {
    /// Embedding calls (batches of `batch_size` texts; an HTTP embedder may split a batch
    /// further by its own request limits).
    pub embed: usize,
    /// Upsert requests (at most 1000 records and ~2 MB each).
    pub upsert: usize,
    /// Fetches: existing metadata before, verification after (100 ids each).
    pub fetch: usize,
}

/// What a run would do. Build it with [`Reprocessor::plan`], show it, then pass it to
/// [`Reprocessor::run`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub target: Target,
    pub selection: Selection,
    pub counts: PlanCounts,
    /// Memories to write, in export order.
    pub items: Vec<PlanItem>,
    /// Selected memories left out.
    pub skipped: Vec<SkippedItem>,
    pub estimated_tokens: usize,
    pub requests: RequestEstimate,
    /// Embedder output dimension (0 = not known until the first answer).
    pub dimension: usize,
    /// `created_at` policy, `memory` or `now`.
    pub created_at_policy: crate::config::CreatedAtPolicy,
    /// Things worth telling before confirming.
    pub warnings: Vec<String>,
    /// The reasons forced for this plan (`discarded`, `unfinished`): the only two that can
    /// be, each by its own flag.
    pub forced: Vec<&'static str>,
    /// What forcing would add: `--include-discarded would also write 3 discarded`, one
    /// line per forcible reason that skipped something; empty when nothing could be.
    pub can_force: Vec<String>,
}

/// Upsert requests for `n` records of `dim` values with the Pinecone client's limits.
pub(crate) fn upsert_requests(n: usize, dim: usize) -> usize {
    if n == 0 {
        return 0;
    }
    // A JSON float is at most ~12 bytes with its comma; plus id and metadata.
    let per_record = dim.max(1) * 12 + 512;
    let per_request = (limits::MAX_REQUEST_BYTES / per_record).clamp(1, limits::MAX_UPSERT_VECTORS);
    n.div_ceil(per_request)
}

/// What a kind brings to a plan: its records, its by-id rules (key, Omi's vector id and
/// text, the classes of what is stored) and why Omi would not write one. Conversations
/// ([`Reprocessor::plan`]) and facts ([`Reprocessor::plan_facts`]) plan through
/// [`Reprocessor::plan_records`] with theirs.
pub(super) struct KindPlan<'a, T> {
    pub records: &'a [T],
    pub rules: &'a dyn ByIdRules<T>,
    /// Why the record is not written, given its looked-up entry (checked before
    /// `unchanged`).
    pub skip: &'a (dyn Fn(&T, Option<&StatusEntry>) -> Option<SkipReason> + Sync),
    /// The record's own `created_at`, Unix seconds.
    pub created_at: fn(&T) -> Option<i64>,
    /// Facts: the category written into the metadata.
    pub category: fn(&T) -> Option<String>,
}

impl Reprocessor {
    /// Plan a run over `memories` (an export's). Looks up the store records of the
    /// selected memories (status lookup, 100 ids per fetch) unless `known` already holds
    /// an entry for a memory (the TUI passes its statuses; `unknown` entries are looked
    /// up). Writes nothing; needs a uid.
    pub async fn plan(
        &self,
        memories: &[Memory],
        selection: &Selection,
        known: Option<&BTreeMap<String, StatusEntry>>,
    ) -> Result<Plan, ReprocessError> {
        let overrides = self.config.overrides();
        let uid = self.uid()?.to_string();
        let rules = Conversations {
            format: self.config.format,
        };
        let skip = |m: &Memory, _: Option<&StatusEntry>| {
            policy::skip_reason(m, Some(&uid), overrides).map(SkipReason::NotEmbeddable)
        };
        let kind = KindPlan {
            records: memories,
            rules: &rules,
            skip: &skip,
            created_at: |m: &Memory| m.created_at.as_ref().map(|d| d.timestamp()),
            category: |_| None,
        };
        let mut plan = self.plan_records(kind, selection, known).await?;
        let counts = plan.counts;
        if self.config.created_at_policy == crate::config::CreatedAtPolicy::Memory {
            let undated = plan
                .items
                .iter()
                .filter(|i| i.memory_created_at.is_none())
                .count();
            if undated > 0 {
                plan.warnings.insert(
                    0,
                    format!(
                        "{undated} memories have no created_at: they keep the stored record's \
                         value, or get the embedding time"
                    ),
                );
            }
        }
        if overrides.include_discarded {
            plan.forced.push("discarded");
        }
        if overrides.include_unfinished {
            plan.forced.push("unfinished");
        }
        if counts.discarded > 0 {
            plan.can_force.push(format!(
                "--include-discarded would also write the {} discarded (Omi never embeds them)",
                counts.discarded
            ));
        }
        if counts.unfinished > 0 {
            plan.can_force.push(format!(
                "--include-unfinished would also write the {} unfinished (Omi embeds after \
                 processing)",
                counts.unfinished
            ));
        }
        Ok(plan)
    }

    /// The planning every kind shares: pick the selection's records (ids not in the
    /// export are counted and listed), take their statuses from `known` or look them up
    /// (groups of 100, `concurrency` at a time), skip what Omi would not write and what
    /// the journal says was written with this very text, model and format (unless
    /// `force`), and estimate tokens and requests. The plan's `warnings` hold only the
    /// read-only one; `forced`, `can_force` are empty.
    pub(super) async fn plan_records<T: Sync>(
        &self,
        kind: KindPlan<'_, T>,
        selection: &Selection,
        known: Option<&BTreeMap<String, StatusEntry>>,
    ) -> Result<Plan, ReprocessError> {
        let target = self.target()?;
        // No plan on an unknown dimension: learn it (one tiny request) or refuse.
        let dimension = self.embedder.learn_dimension().await?;
        let uid = target.uid.clone();
        let rules = kind.rules;
        let mut counts = PlanCounts::default();
        let mut skipped = Vec::new();

        let picked: Vec<&T> = match selection {
            Selection::Ids(ids) => {
                let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                let have: BTreeSet<String> = kind.records.iter().map(|t| rules.key(t)).collect();
                for id in wanted.iter().filter(|id| !have.contains(**id)) {
                    skipped.push(SkippedItem {
                        memory_id: id.to_string(),
                        reason: SkipReason::NotInExport,
                    });
                }
                counts.not_in_export = skipped.len();
                kind.records
                    .iter()
                    .filter(|t| wanted.contains(rules.key(t).as_str()))
                    .collect()
            }
            _ => kind.records.iter().collect(),
        };

        // Statuses: the caller's where known, a lookup for the rest.
        let mut statuses: BTreeMap<String, StatusEntry> = BTreeMap::new();
        let mut to_look_up: Vec<&T> = Vec::new();
        for t in &picked {
            match known.and_then(|k| k.get(&rules.key(t))) {
                Some(e) if e.status != EmbeddingStatus::Unknown => {
                    statuses.insert(rules.key(t), e.clone());
                }
                _ => to_look_up.push(*t),
            }
        }
        if !to_look_up.is_empty() {
            let dim = Some(dimension);
            let (store, ns, uid) = (self.store.as_ref(), &self.config.namespace, &uid);
            let by_ref = ByRef(rules);
            let by_ref = &by_ref;
            // Groups of ids looked up `concurrency` at a time.
            let mut lookups = futures::stream::iter(to_look_up.chunks(status::FETCH_GROUP))
                .map(|group| lookup::lookup_only(store, ns, uid, group, dim, by_ref, |_, _| {}))
                .buffer_unordered(self.config.concurrency);
            while let Some(found) = lookups.next().await {
                statuses.extend(found?);
            }
        }

        let vector_ids: Vec<String> = picked.iter().map(|t| rules.vector_id(&uid, t)).collect();
        let last = self
            .journal
            .last_writes(&target.store, &target.namespace, &vector_ids)?;

        let mut items = Vec::new();
        for (t, vid) in picked.into_iter().zip(vector_ids) {
            let key = rules.key(t);
            let entry = statuses.get(&key);
            let status = entry.map(|e| e.status);
            let exists = !matches!(
                status,
                None | Some(
                    EmbeddingStatus::Missing | EmbeddingStatus::Skipped | EmbeddingStatus::Unknown
                )
            );
            let text = rules.text(t);
            let hash = text_hash(&text);
            let unchanged = exists
                && last
                    .get(&vid)
                    .is_some_and(|w| w.matches(&hash, &target.model, &target.format));
            if !is_selected(selection, exists, unchanged, status) {
                continue;
            }
            counts.selected += 1;
            if let Some(reason) = (kind.skip)(t, entry) {
                match &reason {
                    SkipReason::NotEmbeddable(r) => counts.add(r),
                    SkipReason::FactNotEmbeddable(_) => counts.not_embeddable += 1,
                    SkipReason::Foreign(_) => counts.foreign += 1,
                    SkipReason::Unchanged => counts.unchanged += 1,
                    SkipReason::NotInExport => counts.not_in_export += 1,
                }
                skipped.push(SkippedItem {
                    memory_id: key,
                    reason,
                });
                continue;
            }
            if unchanged && !self.config.force {
                counts.unchanged += 1;
                skipped.push(SkippedItem {
                    memory_id: key,
                    reason: SkipReason::Unchanged,
                });
                continue;
            }
            let change = if exists {
                counts.overwritten += 1;
                Change::Overwrite
            } else {
                counts.new += 1;
                Change::New
            };
            items.push(PlanItem {
                memory_id: key,
                vector_id: vid,
                tokens: self.embedder.count_tokens(&text),
                text_hash: hash,
                text,
                memory_created_at: (kind.created_at)(t),
                change,
                category: (kind.category)(t),
                omi_metadata: None,
            });
        }
        counts.selected += counts.not_in_export;

        let mut warnings = Vec::new();
        if self.config.read_only {
            warnings.push("read-only mode: this plan cannot be run".into());
        }
        let batch = self.config.batch_size;
        let requests = RequestEstimate {
            embed: items.len().div_ceil(batch),
            upsert: items
                .chunks(batch)
                .map(|c| upsert_requests(c.len(), dimension))
                .sum(),
            fetch: 2 * items
                .chunks(batch)
                .map(|c| c.len().div_ceil(limits::FETCH_GROUP))
                .sum::<usize>(),
        };
        Ok(Plan {
            estimated_tokens: items.iter().map(|i| i.tokens).sum(),
            target,
            selection: selection.clone(),
            counts,
            items,
            skipped,
            requests,
            dimension,
            created_at_policy: self.config.created_at_policy,
            warnings,
            forced: Vec::new(),
            can_force: Vec::new(),
        })
    }
}

/// A kind's by-id rules over references to its records (a plan looks up the records it
/// picked, not copies).
struct ByRef<'a, T>(&'a dyn ByIdRules<T>);

impl<T> ByIdRules<&T> for ByRef<'_, T> {
    fn key(&self, t: &&T) -> String {
        self.0.key(t)
    }
    fn vector_id(&self, uid: &str, t: &&T) -> String {
        self.0.vector_id(uid, t)
    }
    fn classify(
        &self,
        uid: &str,
        t: &&T,
        record: Option<&crate::store::Record>,
        dimension: Option<usize>,
    ) -> StatusEntry {
        self.0.classify(uid, t, record, dimension)
    }
    fn text(&self, t: &&T) -> String {
        self.0.text(t)
    }
    fn keeps_reasons(&self) -> bool {
        self.0.keeps_reasons()
    }
}

/// Whether `selection` takes an item: every one for ids and all, those without a vector for
/// missing, and for stale those judged stale, legacy or mismatched (or, unchecked, whose
/// stored vector was not made by this very text, model and format per the journal).
/// Shared by the conversation and the fact planners.
pub(super) fn is_selected(
    selection: &Selection,
    exists: bool,
    unchanged: bool,
    status: Option<EmbeddingStatus>,
) -> bool {
    match selection {
        Selection::Ids(_) | Selection::All => true,
        Selection::Missing => !exists,
        Selection::Stale => match status {
            Some(EmbeddingStatus::Fresh) => false,
            Some(EmbeddingStatus::Stale | EmbeddingStatus::Legacy | EmbeddingStatus::Mismatch) => {
                true
            }
            _ => exists && !unchanged,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skip_counts_read_as_a_sentence() {
        let mut c = PlanCounts::default();
        assert_eq!(c.describe_skips(), "skip nothing");
        c.add(&policy::SkipReason::Deleted);
        c.add(&policy::SkipReason::Deleted);
        c.add(&policy::SkipReason::Unfinished("failed".into()));
        assert_eq!(c.describe_skips(), "skip 2 deleted, 1 unfinished");
        let item = SkippedItem {
            memory_id: "m".into(),
            reason: SkipReason::NotEmbeddable(policy::SkipReason::Unfinished("failed".into())),
        };
        assert_eq!(
            serde_json::to_string(&item).unwrap(),
            r#"{"memory_id":"m","kind":"unfinished","reason":"unfinished: failed"}"#
        );
    }

    #[test]
    fn upsert_estimates() {
        assert_eq!(upsert_requests(0, 3072), 0);
        assert_eq!(upsert_requests(1, 3072), 1);
        // ~37 KB per 3072-dim record: about 56 per 2 MB request.
        assert_eq!(upsert_requests(256, 3072), 5);
        assert_eq!(upsert_requests(2500, 4), 3);
    }
}
