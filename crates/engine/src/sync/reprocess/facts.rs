//! Reprocess for Omi's facts (omi-facts.md §F7.4): text = `content`, id
//! `{uid}-{fact_id}`, metadata `{uid, memory_id: fact_id, category, created_at: int(now)}`
//! plus every other stored key, into the facts namespace (`ns2`). Facts Omi would not
//! embed (rejected, deleted, superseded, empty) and records of a late-2026 shape are
//! never written.

use std::collections::{BTreeMap, BTreeSet};

use super::job::Rebuilt;
use super::plan::{is_selected, upsert_requests};
use super::{
    CancelFlag, Change, Plan, PlanCounts, PlanItem, Progress, ReprocessError, Reprocessor,
    RequestEstimate, Selection, SkipReason, SkippedItem, Summary, text_hash,
};
use crate::omi::fact::{Fact, FactSkip};
use crate::omi::fact_conventions::{Kind, fact_skip, fact_vector_id};
use crate::omi::policy;
use crate::store::limits;
use crate::sync::fact_status::lookup_facts_only;
use crate::sync::status::{EmbeddingStatus, StatusEntry};

impl Reprocessor {
    /// Plan a run over an export's facts (the engine's `kind` must be
    /// [`Kind::Facts`]). Statuses come from `known` where given (not `unknown`), else a
    /// lookup (100 ids per fetch). Writes nothing; needs a uid.
    pub async fn plan_facts(
        &self,
        facts: &[Fact],
        selection: &Selection,
        known: Option<&BTreeMap<String, StatusEntry>>,
    ) -> Result<Plan, ReprocessError> {
        if self.config.kind != Kind::Facts {
            return Err(ReprocessError::Config(
                "plan_facts needs an engine configured for facts (kind facts)".into(),
            ));
        }
        // No plan on an unknown dimension: learn it (one tiny request) or refuse.
        let dimension = self.embedder.learn_dimension().await?;
        let target = self.target()?;
        let uid = target.uid.clone();
        let mut counts = PlanCounts::default();
        let mut skipped = Vec::new();
        let picked: Vec<&Fact> = match selection {
            Selection::Ids(ids) => {
                let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
                let have: BTreeSet<&str> = facts.iter().map(|f| f.id.as_str()).collect();
                for id in wanted.iter().filter(|id| !have.contains(*id)) {
                    skipped.push(SkippedItem {
                        memory_id: id.to_string(),
                        reason: SkipReason::NotInExport,
                    });
                }
                counts.not_in_export = skipped.len();
                facts
                    .iter()
                    .filter(|f| wanted.contains(f.id.as_str()))
                    .collect()
            }
            _ => facts.iter().collect(),
        };
        let mut statuses: BTreeMap<String, StatusEntry> = BTreeMap::new();
        let mut to_look_up: Vec<Fact> = Vec::new();
        for f in &picked {
            match known.and_then(|k| k.get(&f.id)) {
                Some(e) if e.status != EmbeddingStatus::Unknown => {
                    statuses.insert(f.id.clone(), e.clone());
                }
                _ if !matches!(fact_skip(f, &uid), Some(FactSkip::InvalidId(_))) => {
                    to_look_up.push((*f).clone());
                }
                _ => {}
            }
        }
        if !to_look_up.is_empty() {
            let dim = Some(dimension);
            statuses.extend(
                lookup_facts_only(
                    self.store.as_ref(),
                    &self.config.namespace,
                    &uid,
                    &to_look_up,
                    dim,
                )
                .await?,
            );
        }
        let vector_ids: Vec<String> = picked.iter().map(|f| fact_vector_id(&uid, &f.id)).collect();
        let last = self
            .journal
            .last_writes(&target.store, &target.namespace, &vector_ids)?;
        let mut items = Vec::new();
        for (f, vid) in picked.into_iter().zip(vector_ids) {
            let status = statuses.get(&f.id).map(|e| e.status);
            let exists = !matches!(
                status,
                None | Some(
                    EmbeddingStatus::Missing | EmbeddingStatus::Skipped | EmbeddingStatus::Unknown
                )
            );
            let hash = text_hash(&f.content);
            let unchanged = exists
                && last
                    .get(&vid)
                    .is_some_and(|w| w.matches(&hash, &target.model, &target.format));
            if !is_selected(selection, exists, unchanged, status) {
                continue;
            }
            counts.selected += 1;
            let skip = |reason| SkippedItem {
                memory_id: f.id.clone(),
                reason,
            };
            if status == Some(EmbeddingStatus::Foreign) {
                counts.foreign += 1;
                let why = statuses
                    .get(&f.id)
                    .and_then(|e| e.reason.clone())
                    .unwrap_or_default();
                skipped.push(skip(SkipReason::Foreign(why)));
                continue;
            }
            match fact_skip(f, &uid) {
                Some(FactSkip::InvalidId(why)) => {
                    let r = policy::SkipReason::InvalidId(why);
                    counts.add(&r);
                    skipped.push(skip(SkipReason::NotEmbeddable(r)));
                    continue;
                }
                Some(FactSkip::EmptyContent) => {
                    let r = policy::SkipReason::Empty;
                    counts.add(&r);
                    skipped.push(skip(SkipReason::NotEmbeddable(r)));
                    continue;
                }
                Some(other) => {
                    counts.not_embeddable += 1;
                    skipped.push(skip(SkipReason::FactNotEmbeddable(other.describe())));
                    continue;
                }
                None => {}
            }
            if unchanged && !self.config.force {
                counts.unchanged += 1;
                skipped.push(skip(SkipReason::Unchanged));
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
                memory_id: f.id.clone(),
                vector_id: vid,
                tokens: self.embedder.count_tokens(&f.content),
                text_hash: hash,
                text: f.content.clone(),
                memory_created_at: f.created_at.as_ref().map(|d| d.timestamp()),
                change,
                category: Some(f.category.raw().to_string()),
            });
        }
        counts.selected += counts.not_in_export;
        let mut warnings = vec![
            "facts: created_at metadata is the upsert time, as Omi writes it (upsert_memory_vector in \
             backend/database/vector_db.py, github.com/BasedHardware/omi PR #4139)"
                .to_string(),
        ];
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
            created_at_policy: crate::config::CreatedAtPolicy::Now,
            warnings,
            // No fact skip can be forced (omi-facts.md §F7).
            forced: Vec::new(),
            can_force: Vec::new(),
        })
    }

    /// Finish an unfinished facts run: its pending and failed items are rebuilt from
    /// `facts` (the same export) and written; done items are left alone.
    pub async fn resume_facts(
        &self,
        run_id: &str,
        facts: &[Fact],
        progress: impl FnMut(&Progress) + Send,
        cancel: &CancelFlag,
    ) -> Result<Summary, ReprocessError> {
        let by_id: BTreeMap<&str, &Fact> = facts.iter().map(|f| (f.id.as_str(), f)).collect();
        // A fact rejected, deleted, superseded or emptied since the run was planned is
        // not written.
        let rebuild = |id: &str, uid: &str| -> Option<Result<Rebuilt, String>> {
            by_id.get(id).map(|f| {
                if let Some(why) = fact_skip(f, uid) {
                    return Err(format!(
                        "not written: skipped ({}); Omi would not embed it",
                        why.describe()
                    ));
                }
                Ok(Rebuilt {
                    text: f.content.clone(),
                    created_at: f.created_at.as_ref().map(|d| d.timestamp()),
                    category: Some(f.category.raw().to_string()),
                })
            })
        };
        self.resume_with(run_id, &rebuild, "fact", progress, cancel)
            .await
    }
}
