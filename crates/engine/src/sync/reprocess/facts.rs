//! Reprocess for Omi's facts (omi-facts.md §F7.4): text = `content`, id
//! `{uid}-{fact_id}`, metadata `{uid, memory_id: fact_id, category, created_at: int(now)}`
//! plus every other stored key, into the facts namespace (`ns2`). Facts Omi would not
//! embed (rejected, deleted, superseded, empty) and records of a late-2026 shape are
//! never written.

use std::collections::BTreeMap;

use super::job::Rebuilt;
use super::plan::KindPlan;
use super::{
    CancelFlag, Plan, Progress, ReprocessError, Reprocessor, Selection, SkipReason, Summary,
};
use crate::omi::fact::{Fact, FactSkip};
use crate::omi::fact_conventions::{Kind, fact_skip};
use crate::omi::policy;
use crate::sync::kinds::Facts;
use crate::sync::status::{EmbeddingStatus, StatusEntry};

impl Reprocessor {
    /// Plan a run over an export's facts (the engine's `kind` must be
    /// [`Kind::Facts`]): the shared planner with the facts kind's rules. Statuses come
    /// from `known` where given (not `unknown`), else a lookup (100 ids per fetch). A
    /// foreign record (a late-2026 canonical vector) is never overwritten; a fact Omi
    /// would not embed is skipped (an invalid id or empty content counted as the policy
    /// counts them). Writes nothing; needs a uid.
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
        let uid = self.uid()?.to_string();
        let skip = |f: &Fact, entry: Option<&StatusEntry>| {
            if let Some(e) = entry.filter(|e| e.status == EmbeddingStatus::Foreign) {
                return Some(SkipReason::Foreign(e.reason.clone().unwrap_or_default()));
            }
            fact_skip(f, &uid).map(|s| match s {
                FactSkip::InvalidId(why) => {
                    SkipReason::NotEmbeddable(policy::SkipReason::InvalidId(why))
                }
                FactSkip::EmptyContent => SkipReason::NotEmbeddable(policy::SkipReason::Empty),
                other => SkipReason::FactNotEmbeddable(other.describe()),
            })
        };
        let kind = KindPlan {
            records: facts,
            rules: &Facts,
            skip: &skip,
            created_at: |f: &Fact| f.created_at.as_ref().map(|d| d.timestamp()),
            category: |f: &Fact| Some(f.category.raw().to_string()),
        };
        let mut plan = self.plan_records(kind, selection, known).await?;
        plan.warnings.insert(
            0,
            "facts: created_at metadata is the upsert time, as Omi writes it (upsert_memory_vector in \
             backend/database/vector_db.py, github.com/BasedHardware/omi PR #4139)"
                .to_string(),
        );
        plan.created_at_policy = crate::config::CreatedAtPolicy::Now;
        // No fact skip can be forced (omi-facts.md §F7).
        Ok(plan)
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
        let rebuild = |_: &str, id: &str, uid: &str| -> Option<Result<Rebuilt, String>> {
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
                    ..Rebuilt::default()
                })
            })
        };
        self.resume_with(run_id, &rebuild, "fact", progress, cancel)
            .await
    }
}
