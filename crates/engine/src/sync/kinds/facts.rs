//! The facts kind's by-id status (omi-facts.md §F7.3): the record fetched under
//! `{uid}-{fact_id}` classified as missing / present / skipped / mismatch / legacy /
//! foreign, with the spec's hints (category drift, stale-text candidate, missing as
//! expected for pre-2026 facts). The fetching and verifying (fresh / stale by embedding
//! each `content`) are the record-kind machinery's [`super::lookup`]; this module holds
//! only what is the facts' own. (`sync::fact_status` names this module too.)

use std::collections::BTreeMap;

use super::Facts;
use super::lookup::{
    Against, ByIdRules, lacking, lookup_by_id, lookup_only, metadata_mismatch, stored_entry,
};
use crate::embed::Embedder;
use crate::omi::conventions::{KEY_CREATED_AT, KEY_MEMORY_ID, KEY_UID};
use crate::omi::fact::Fact;
use crate::omi::fact_conventions::{KEY_CATEGORY, fact_skip, foreign_reason};
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore};
use crate::sync::status::{EmbeddingStatus, StatusEntry, VerifyError};

/// The stored category when it differs from the fact's raw category (§F7.3
/// "category-drift": `auto`, backfill normalisation, dev-API PATCH).
pub fn category_drift(fact: &Fact, metadata: &Metadata) -> Option<String> {
    match metadata.get(KEY_CATEGORY) {
        Some(MetaValue::String(s)) if s != fact.category.raw() => Some(s.clone()),
        _ => None,
    }
}

/// True when the fact was edited after its vector was written (`edited` and the
/// metadata's `created_at` < `updated_at`, §F7.3 "stale-text candidate"); `--verify`
/// confirms with the cosine.
pub fn stale_text_candidate(fact: &Fact, metadata: &Metadata) -> bool {
    let written = match metadata.get(KEY_CREATED_AT) {
        Some(MetaValue::Number(n)) => *n,
        _ => return false,
    };
    fact.edited
        && fact
            .updated_at
            .as_ref()
            .is_some_and(|u| written < u.timestamp() as f64)
}

/// Classify a fact from the record fetched under its vector id (`None` = absent).
pub fn classify_fact(
    fact: &Fact,
    uid: &str,
    record: Option<&Record>,
    expected_dimension: Option<usize>,
) -> StatusEntry {
    let skip = fact_skip(fact, uid);
    let Some(record) = record else {
        let mut e;
        if let Some(why) = skip {
            e = StatusEntry::bare(EmbeddingStatus::Skipped);
            e.reason = Some(why.describe());
        } else {
            e = StatusEntry::bare(EmbeddingStatus::Missing);
            if fact.predates_ns2() {
                e.reason = Some(
                    "created before 2026-01-10: Omi wrote no ns2 vector unless the backfill ran"
                        .into(),
                );
            }
        }
        return e;
    };
    let meta = &record.metadata;
    let mut entry = stored_entry(record);
    if let Some(why) = foreign_reason(&record.id, meta) {
        entry.status = EmbeddingStatus::Foreign;
        entry.reason = Some(why);
        return entry;
    }
    if let Some(reason) =
        metadata_mismatch(record, uid, &fact.id, "the fact id ", expected_dimension)
    {
        entry.status = EmbeddingStatus::Mismatch;
        entry.reason = Some(reason);
        return entry;
    }
    let lacking = lacking(
        meta,
        &[KEY_UID, KEY_MEMORY_ID, KEY_CATEGORY, KEY_CREATED_AT],
    );
    let mut notes = Vec::new();
    if !lacking.is_empty() {
        entry.status = EmbeddingStatus::Legacy;
        notes.push(format!("metadata lacks {}", lacking.join(", ")));
    }
    if let Some(stored) = category_drift(fact, meta) {
        notes.push(format!(
            "category drift: stored {stored:?}, the fact says {:?}",
            fact.category.raw()
        ));
    }
    if stale_text_candidate(fact, meta) {
        notes.push("edited after the vector was written (stale-text candidate)".into());
    }
    if let Some(why) = skip {
        notes.push(format!("{}; Omi keeps the old vector", why.describe()));
    }
    if !notes.is_empty() {
        entry.reason = Some(notes.join("; "));
    }
    entry
}

/// The facts' by-id rules: Omi's id, the `content`, [`classify_fact`]'s classes; a
/// hint survives the verification (`"cosine …; category drift …"`).
impl ByIdRules<Fact> for Facts {
    fn key(&self, f: &Fact) -> String {
        f.id.clone()
    }
    fn classify(
        &self,
        uid: &str,
        f: &Fact,
        record: Option<&Record>,
        dimension: Option<usize>,
    ) -> StatusEntry {
        classify_fact(f, uid, record, dimension)
    }
    fn text(&self, f: &Fact) -> String {
        f.content.clone()
    }
    fn keeps_reasons(&self) -> bool {
        true
    }
}

/// Look up (and, with an embedder, verify) every fact ([`lookup_by_id`] with the facts'
/// rules). `progress` gets (done, total). Returns entries by fact id.
pub async fn lookup_facts(
    store: &dyn VectorStore,
    embedder: Option<&dyn Embedder>,
    namespace: &str,
    uid: &str,
    facts: &[Fact],
    expected_dimension: Option<usize>,
    progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, VerifyError> {
    let against = match embedder {
        Some(e) => Against::Embedder(e),
        None => Against::Dimension(expected_dimension),
    };
    lookup_by_id(store, namespace, uid, facts, against, &Facts, progress).await
}

/// [`lookup_facts`] without verification, with a store error.
pub async fn lookup_facts_only(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    facts: &[Fact],
    expected_dimension: Option<usize>,
) -> Result<BTreeMap<String, StatusEntry>, StoreError> {
    lookup_only(
        store,
        namespace,
        uid,
        facts,
        expected_dimension,
        &Facts,
        |_, _| {},
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::date::OmiDate;
    use crate::omi::fact::FactCategory;
    use crate::omi::fact_conventions::fact_metadata;

    fn fact(id: &str) -> Fact {
        Fact {
            id: id.into(),
            content: "Drinks tea".into(),
            category: FactCategory::from_value("system"),
            created_at: Some(OmiDate::parse("2026-03-01T00:00:00+00:00").unwrap()),
            updated_at: Some(OmiDate::parse("2026-03-01T00:00:00+00:00").unwrap()),
            ..Fact::default()
        }
    }

    fn rec(id: &str, meta: Metadata) -> Record {
        Record {
            id: id.into(),
            values: vec![0.5; 4],
            metadata: meta,
        }
    }

    #[test]
    fn classes_and_hints() {
        let f = fact("f");
        assert_eq!(
            classify_fact(&f, "u", None, None).status,
            EmbeddingStatus::Missing
        );
        let rejected = Fact {
            user_review: Some(false),
            ..fact("f")
        };
        let e = classify_fact(&rejected, "u", None, None);
        assert_eq!(e.status, EmbeddingStatus::Skipped);
        assert!(e.reason.unwrap().contains("user_review: false"));
        let good = rec("u-f", fact_metadata("u", "f", "system", 1_772_400_000));
        assert_eq!(
            classify_fact(&f, "u", Some(&good), Some(4)).status,
            EmbeddingStatus::Present
        );
        let drift = rec("u-f", fact_metadata("u", "f", "auto", 1_772_400_000));
        let e = classify_fact(&f, "u", Some(&drift), Some(4));
        assert_eq!(e.status, EmbeddingStatus::Present);
        assert!(e.reason.unwrap().contains("category drift"));
        let edited = Fact {
            edited: true,
            updated_at: Some(OmiDate::parse("2026-04-01T00:00:00+00:00").unwrap()),
            ..fact("f")
        };
        let e = classify_fact(&edited, "u", Some(&good), Some(4));
        assert!(e.reason.unwrap().contains("stale-text candidate"));
        let mut canonical = fact_metadata("u", "f", "system", 1);
        canonical.insert("memory_schema_version".into(), MetaValue::Number(1.0));
        assert_eq!(
            classify_fact(&f, "u", Some(&rec("u-f", canonical)), Some(4)).status,
            EmbeddingStatus::Foreign
        );
        let other = rec("u-f", fact_metadata("u", "conv-id", "system", 1));
        assert_eq!(
            classify_fact(&f, "u", Some(&other), Some(4)).status,
            EmbeddingStatus::Mismatch
        );
        let old = Fact {
            created_at: Some(OmiDate::parse("2025-04-20T08:15:02+00:00").unwrap()),
            ..fact("f")
        };
        assert!(
            classify_fact(&old, "u", None, None)
                .reason
                .unwrap()
                .contains("before 2026-01-10")
        );
    }
}
