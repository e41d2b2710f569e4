//! The by-id status of chosen records of a kind, written once: fetch each record's vector
//! id in groups of [`FETCH_GROUP`] (ids Pinecone would refuse are never sent), let the
//! kind classify what is stored ([`ByIdRules::classify`]: conversations and facts have
//! richer classes than present/missing — `mismatch`, `legacy`, `orphan`, `foreign` — and
//! hints), and with an embedder compare each comparable stored vector with a fresh
//! embedding of Omi's text (`fresh` / `stale`). Conversations' `status::lookup` /
//! `status::verify` and facts' `lookup_facts` are this function with their kind's rules.
//!
//! [`super::status::kind_status`] is the other way to a status: list the user's prefix
//! (finds orphans, costs a list of the whole prefix); this one fetches only the records
//! asked for (one conversation, the visible page of a list, a plan's selection).

use std::collections::BTreeMap;

use crate::embed::Embedder;
use crate::omi::conventions::validate_id;
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore};
use crate::sync::status::{
    EmbeddingStatus, FETCH_GROUP, StatusEntry, VerifyError, apply_verification,
};

/// What a kind says of its records for a by-id lookup.
pub trait ByIdRules<T>: Sync {
    /// The record's key in the result (the conversation or fact id).
    fn key(&self, item: &T) -> String;
    /// Omi's vector id of the record; by default `{uid}-{key}`, the id of both kinds
    /// looked up by id (conversations in `ns1`, facts in `ns2`).
    fn vector_id(&self, uid: &str, item: &T) -> String {
        crate::omi::conventions::vector_id(uid, &self.key(item))
    }
    /// Classify the record from what is stored under its id (`None`: nothing).
    fn classify(
        &self,
        uid: &str,
        item: &T,
        record: Option<&Record>,
        dimension: Option<usize>,
    ) -> StatusEntry;
    /// The exact text Omi embeds (compared with the stored vector when verifying).
    fn text(&self, item: &T) -> String;
    /// True when a classification's reason (a hint) is kept after the verification's
    /// (`"cosine … ; category drift …"`); false when the verification's replaces it.
    fn keeps_reasons(&self) -> bool {
        false
    }
}

/// What stored vectors are held against.
#[derive(Clone, Copy)]
pub enum Against<'a> {
    /// No verification; a vector of another dimension than this one (when known) is a
    /// `mismatch`.
    Dimension(Option<usize>),
    /// Verify with this embedder (fresh / stale); a vector of another dimension than its
    /// (learned) one is a `mismatch`.
    Embedder(&'a dyn Embedder),
}

/// Look up (and against an embedder, verify) `items`: one fetch per [`FETCH_GROUP`], then
/// one embedding request per group for the texts of the records with a comparable vector
/// (`present` or `legacy`, the embedder's dimension). `progress` gets (done, total) after
/// each group. Returns entries by [`ByIdRules::key`].
pub async fn lookup_by_id<T>(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    items: &[T],
    against: Against<'_>,
    rules: &dyn ByIdRules<T>,
    mut progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, VerifyError> {
    let mut out = BTreeMap::new();
    let total = items.len();
    let (embedder, dimension) = match against {
        Against::Embedder(e) => (Some(e), Some(e.learn_dimension().await?)),
        Against::Dimension(d) => (None, d),
    };
    for group in items.chunks(FETCH_GROUP) {
        let ids: Vec<String> = group.iter().map(|t| rules.vector_id(uid, t)).collect();
        let records = fetch_valid(store, namespace, &ids).await?;
        let mut entries: Vec<StatusEntry> = group
            .iter()
            .zip(&ids)
            .map(|(t, id)| rules.classify(uid, t, records.get(id), dimension))
            .collect();
        if let (Some(embedder), Some(dim)) = (embedder, dimension) {
            verify_group(embedder, rules, group, &ids, &records, dim, &mut entries).await?;
        }
        for (t, e) in group.iter().zip(entries) {
            out.insert(rules.key(t), e);
        }
        progress(out.len(), total);
    }
    Ok(out)
}

/// Compare the group's comparable stored vectors with fresh embeddings of their texts.
async fn verify_group<T>(
    embedder: &dyn Embedder,
    rules: &dyn ByIdRules<T>,
    group: &[T],
    ids: &[String],
    records: &BTreeMap<String, Record>,
    dimension: usize,
    entries: &mut [StatusEntry],
) -> Result<(), VerifyError> {
    let mut to_embed: Vec<(usize, String)> = Vec::new();
    for (i, t) in group.iter().enumerate() {
        let comparable = matches!(
            entries[i].status,
            EmbeddingStatus::Present | EmbeddingStatus::Legacy
        ) && records
            .get(&ids[i])
            .is_some_and(|r| r.values.len() == dimension);
        if !comparable {
            continue;
        }
        let text = rules.text(t);
        if text.is_empty() {
            let note = "empty text: nothing to compare".to_string();
            entries[i].reason = merge(rules.keeps_reasons(), entries[i].reason.take(), note);
        } else {
            to_embed.push((i, text));
        }
    }
    if to_embed.is_empty() {
        return Ok(());
    }
    let texts: Vec<String> = to_embed.iter().map(|(_, t)| t.clone()).collect();
    let vectors = crate::embed::embed_each(embedder, &texts).await?;
    for ((i, _), current) in to_embed.iter().zip(&vectors) {
        if let Some(record) = records.get(&ids[*i]) {
            let entry = &mut entries[*i];
            let kept = entry.reason.take();
            apply_verification(entry, &record.values, current);
            entry.reason = match (kept, entry.reason.take()) {
                (Some(a), Some(b)) if rules.keeps_reasons() => Some(format!("{b}; {a}")),
                (a, b) => b.or(a),
            };
        }
    }
    Ok(())
}

/// `new` alone, or `new; old` when reasons are kept.
fn merge(keep: bool, old: Option<String>, new: String) -> Option<String> {
    match old {
        Some(old) if keep => Some(format!("{new}; {old}")),
        _ => Some(new),
    }
}

/// Fetch the ids that pass Pinecone's id rules (a record with an invalid id is skipped,
/// never looked up); no request when none does.
async fn fetch_valid(
    store: &dyn VectorStore,
    namespace: &str,
    ids: &[String],
) -> Result<BTreeMap<String, Record>, StoreError> {
    let valid: Vec<String> = ids
        .iter()
        .filter(|id| validate_id(id).is_ok())
        .cloned()
        .collect();
    if valid.is_empty() {
        return Ok(BTreeMap::new());
    }
    store.fetch(namespace, &valid).await
}

/// [`lookup_by_id`] without an embedder, with the store's error.
pub async fn lookup_only<T>(
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    items: &[T],
    dimension: Option<usize>,
    rules: &dyn ByIdRules<T>,
    progress: impl FnMut(usize, usize),
) -> Result<BTreeMap<String, StatusEntry>, StoreError> {
    let against = Against::Dimension(dimension);
    match lookup_by_id(store, namespace, uid, items, against, rules, progress).await {
        Ok(m) => Ok(m),
        Err(VerifyError::Store(e)) => Err(e),
        Err(VerifyError::Embed(e)) => Err(StoreError::BadResponse(e.to_string())),
    }
}

/// A `present` entry for a stored record: its dimension, norm and metadata.
pub fn stored_entry(record: &Record) -> StatusEntry {
    StatusEntry {
        status: EmbeddingStatus::Present,
        dimension: Some(record.values.len()),
        norm: Some(record.values.iter().map(|v| v * v).sum::<f32>().sqrt()),
        metadata: Some(record.metadata.clone()),
        reason: None,
        similarity: None,
        skip: None,
    }
}

/// Why a stored record is a `mismatch`: its metadata `uid` or `memory_id` names another
/// user or record (`owner_words` names the record: `""` or `"the fact id "`), or its
/// dimension is not the embedder's.
pub fn metadata_mismatch(
    record: &Record,
    uid: &str,
    owner: &str,
    owner_words: &str,
    dimension: Option<usize>,
) -> Option<String> {
    use crate::omi::conventions::{KEY_MEMORY_ID, KEY_UID};
    let str_of = |k: &str| match record.metadata.get(k) {
        Some(MetaValue::String(s)) => Some(s.as_str()),
        _ => None,
    };
    if let Some(u) = str_of(KEY_UID).filter(|u| *u != uid) {
        Some(format!("metadata uid is {u:?}, not {uid:?}"))
    } else if let Some(m) = str_of(KEY_MEMORY_ID).filter(|m| *m != owner) {
        Some(format!(
            "metadata memory_id is {m:?}, not {owner_words}{owner:?}"
        ))
    } else {
        dimension.filter(|d| *d != record.values.len()).map(|d| {
            format!(
                "dimension {} but the embedder makes {d}",
                record.values.len()
            )
        })
    }
}

/// The `keys` the metadata lacks, in order.
pub fn lacking<'k>(metadata: &Metadata, keys: &[&'k str]) -> Vec<&'k str> {
    keys.iter()
        .copied()
        .filter(|k| !metadata.contains_key(*k))
        .collect()
}
