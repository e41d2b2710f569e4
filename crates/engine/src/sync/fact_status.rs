//! The `ns2` status of Omi's facts (omi-facts.md §F7.3): the record fetched under
//! `{uid}-{fact_id}` classified as missing / present / skipped / mismatch / legacy /
//! foreign, with the spec's hints (category drift, stale-text candidate, missing as
//! expected for pre-2026 facts); [`verify_facts`] also embeds each fact's `content` and
//! compares (fresh / stale), as for conversations.

use std::collections::BTreeMap;

use crate::embed::{EmbedError, Embedder};
use crate::omi::conventions::{KEY_CREATED_AT, KEY_MEMORY_ID, KEY_UID};
use crate::omi::fact::Fact;
use crate::omi::fact_conventions::{KEY_CATEGORY, fact_skip, fact_vector_id, foreign_reason};
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore};
use crate::sync::status::{
    EmbeddingStatus, FETCH_GROUP, StatusEntry, VerifyError, apply_verification,
};

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
    let mut entry = StatusEntry {
        status: EmbeddingStatus::Present,
        dimension: Some(record.values.len()),
        norm: Some(record.values.iter().map(|v| v * v).sum::<f32>().sqrt()),
        metadata: Some(meta.clone()),
        reason: None,
        similarity: None,
        skip: None,
    };
    if let Some(why) = foreign_reason(&record.id, meta) {
        entry.status = EmbeddingStatus::Foreign;
        entry.reason = Some(why);
        return entry;
    }
    let str_of = |k: &str| match meta.get(k) {
        Some(MetaValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let mismatch = if let Some(u) = str_of(KEY_UID).filter(|u| *u != uid) {
        Some(format!("metadata uid is {u:?}, not {uid:?}"))
    } else if let Some(m) = str_of(KEY_MEMORY_ID).filter(|m| *m != fact.id) {
        Some(format!(
            "metadata memory_id is {m:?}, not the fact id {:?}",
            fact.id
        ))
    } else {
        expected_dimension
            .filter(|d| *d != record.values.len())
            .map(|d| {
                format!(
                    "dimension {} but the embedder makes {d}",
                    record.values.len()
                )
            })
    };
    if let Some(reason) = mismatch {
        entry.status = EmbeddingStatus::Mismatch;
        entry.reason = Some(reason);
        return entry;
    }
    let lacking: Vec<&str> = [KEY_UID, KEY_MEMORY_ID, KEY_CATEGORY, KEY_CREATED_AT]
        .into_iter()
        .filter(|k| !meta.contains_key(*k))
        .collect();
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

/// Look up (and, with an embedder, verify) every fact: [`FETCH_GROUP`] ids per fetch,
/// then one embedding request per group for the `content` of the facts with a comparable
/// vector. `progress` gets (done, total). Returns entries by fact id.
pub async fn lookup_facts(
    store: &dyn VectorStore,
    embedder: Option<&dyn Embedder>,
    namespace: &str,
    uid: &str,
    facts: &[Fact],
    expected_dimension: Option<usize>,
    mut progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, VerifyError> {
    let mut out = BTreeMap::new();
    let dimension = match embedder {
        Some(e) => Some(e.learn_dimension().await?),
        None => expected_dimension,
    };
    for group in facts.chunks(FETCH_GROUP) {
        let ids: Vec<String> = group.iter().map(|f| fact_vector_id(uid, &f.id)).collect();
        let records = store.fetch(namespace, &ids).await?;
        let mut entries: Vec<StatusEntry> = group
            .iter()
            .zip(&ids)
            .map(|(f, id)| classify_fact(f, uid, records.get(id), dimension))
            .collect();
        if let Some(embedder) = embedder {
            let comparable: Vec<usize> = (0..group.len())
                .filter(|&i| {
                    matches!(
                        entries[i].status,
                        EmbeddingStatus::Present | EmbeddingStatus::Legacy
                    ) && !group[i].content.is_empty()
                        && records
                            .get(&ids[i])
                            .is_some_and(|r| r.values.len() == embedder.dimension())
                })
                .collect();
            if !comparable.is_empty() {
                let texts: Vec<String> = comparable
                    .iter()
                    .map(|&i| group[i].content.clone())
                    .collect();
                let vectors = embedder.embed(&texts).await?;
                if vectors.len() != texts.len() {
                    return Err(VerifyError::Embed(EmbedError::BadResponse(format!(
                        "asked for {} vectors, got {}",
                        texts.len(),
                        vectors.len()
                    ))));
                }
                for (&i, current) in comparable.iter().zip(&vectors) {
                    if let Some(record) = records.get(&ids[i]) {
                        let keep = entries[i].reason.take();
                        apply_verification(&mut entries[i], &record.values, current);
                        entries[i].reason = match (keep, entries[i].reason.take()) {
                            (Some(a), Some(b)) => Some(format!("{b}; {a}")),
                            (a, b) => b.or(a),
                        };
                    }
                }
            }
        }
        for (f, e) in group.iter().zip(entries) {
            out.insert(f.id.clone(), e);
        }
        progress(out.len(), facts.len());
    }
    Ok(out)
}

/// [`lookup_facts`] without verification, with a store error.
pub async fn lookup_facts_only(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    facts: &[Fact],
    expected_dimension: Option<usize>,
) -> Result<BTreeMap<String, StatusEntry>, StoreError> {
    match lookup_facts(
        store,
        None,
        namespace,
        uid,
        facts,
        expected_dimension,
        |_, _| {},
    )
    .await
    {
        Ok(m) => Ok(m),
        Err(VerifyError::Store(e)) => Err(e),
        Err(VerifyError::Embed(e)) => Err(StoreError::BadResponse(e.to_string())),
    }
}

/// Same as [`lookup_facts`] with an embedder: verify every fact.
pub async fn verify_facts(
    store: &dyn VectorStore,
    embedder: &dyn Embedder,
    namespace: &str,
    uid: &str,
    facts: &[Fact],
    progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, VerifyError> {
    lookup_facts(store, Some(embedder), namespace, uid, facts, None, progress).await
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
