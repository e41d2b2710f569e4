//! "Why is it (not) found?" for one record of a kind other than conversations — a fact
//! (`ns2`), an action item (`ns4`) or a conversation's transcript chunks (`ns_tchunks`) —
//! and one query, written once over the record kinds: Omi's search of the kind run as Omi
//! sends it ([`super::search::query_kind`]: filter `{"uid": uid}`, plus the `created_at`
//! range where the kind has one) but [`limits::MAX_TOP_K`] deep, so the record's exact
//! rank and score are known; then every check that can keep it out of Omi's results,
//! each pass or fail, and the fix to try.
//!
//! The numbers are the kind's [`OmiSearch`] (threshold and `top_k` from
//! [`memlens_omi::record_kind::KindSpec`]); which records Omi would hold, their exact
//! text, skip reasons and orphan causes are the kind's [`RecordKind`]. For chunks the id
//! names a conversation: each of its chunks is ranked, and the checks explain its best one
//! (the best-ranked chunk Omi would show, else the best-scored one).
//! (Conversations have their own explain, `sync::explain`, with full-text and hybrid sides.)

use std::collections::BTreeMap;

use serde::Serialize;

use super::search::{KindSearchError, check_range, embed_query, query_kind};
use super::status::{Requests, fetch_all, list_prefix};
use super::{Expected, RecordKind, record_kind};
use crate::embed::{EmbedError, Embedder, embed_each};
use crate::omi::action_items::KEY_ACTION_ITEM_ID;
use crate::omi::chunks::{chunk_id_prefix, parse_chunk_vector_id, transcript_chunks};
use crate::omi::conventions::{KEY_CREATED_AT, KEY_MEMORY_ID, KEY_UID, validate_id};
use crate::omi::export::Export;
use crate::omi::fact_conventions::fact_vector_id;
use crate::omi::record_kind::{Kind, OmiSearch};
use crate::store::{MetaValue, Metadata, Record, StoreError, VectorStore, limits};
use crate::sync::daterange::DateRange;
use crate::sync::explain::{
    Check, Outcome, created_at_check, day, fail, failed, na, ordinal, pass,
};
use crate::sync::fact_search::THRESHOLD_LINES;
use crate::sync::orphans::{DEFAULT_PAGE_SIZE, OrphanError};
use crate::sync::status::{FRESH_THRESHOLD, cosine};

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindExplainRequest {
    pub kind: Kind,
    pub uid: String,
    /// The namespace searched (the kind's own; facts may be given another).
    pub namespace: String,
    pub query: String,
    /// The fact id, the action item id, or (chunks) the conversation id.
    pub id: String,
    pub range: DateRange,
    /// The k the record should be within; Omi's `top_k` for the kind when `None`.
    pub top_k: Option<usize>,
}

/// Where one record (one chunk, for chunks) stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordPlace {
    pub vector_id: String,
    /// For people: the fact or item id, or `c{n}` for a chunk.
    pub key: String,
    pub chunk_index: Option<usize>,
    /// A vector is stored under the id.
    pub stored: bool,
    /// 1-based rank among the matches of Omi's filter; `None` when the filter keeps it out
    /// (or nothing is stored).
    pub rank: Option<usize>,
    /// Where it would rank if the filter let it through.
    pub rank_if_passed: Option<usize>,
    /// Cosine with the query.
    pub score: Option<f32>,
    /// `the store's query with Omi's filter` or `cosine of the stored vector`.
    pub score_source: Option<&'static str>,
    /// Stored `created_at`.
    pub created_at: Option<f64>,
    /// Cosine of the stored vector with a fresh embedding of Omi's text.
    pub similarity: Option<f32>,
    /// Why Omi's hydration drops it (no record in the export to show, a chunk beyond the
    /// conversation's count).
    pub dropped: Option<String>,
    /// Omi's search returns it: within `top_k`, over the threshold, not dropped.
    pub found: bool,
}

/// One of Omi's facts thresholds, and whether the score clears it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ThresholdLine {
    pub score: f32,
    pub what: &'static str,
    pub passes: bool,
}

/// The whole explanation (one JSON object).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KindExplanation {
    pub request: KindExplainRequest,
    pub model: String,
    /// `facts`, `action items`, `transcript chunks`.
    pub noun: &'static str,
    /// Omi's search of the kind (threshold, `top_k`, date filter).
    pub search: OmiSearch,
    /// The k checked against (Omi's `top_k` unless asked otherwise).
    pub top_k: usize,
    /// The fact's content, the item's description, the conversation's title.
    pub title: Option<String>,
    /// Matches through Omi's filter (up to [`limits::MAX_TOP_K`]).
    pub candidates: usize,
    /// The score of the `top_k`-th match (the bar to clear).
    pub kth_score: Option<f32>,
    /// The record, or each chunk of the conversation (export order, then stored extras).
    pub records: Vec<RecordPlace>,
    /// The record the checks are about (the best chunk); `None` when there is none.
    pub explained: Option<usize>,
    /// Omi's search returns it (for chunks: any chunk of the conversation).
    pub found: bool,
    /// Facts: the score against Omi's 0.85 and 0.7 lines (omi-facts.md §F5.4).
    pub threshold_lines: Vec<ThresholdLine>,
    pub checks: Vec<Check>,
    /// The fix to try, one sentence.
    pub fix: String,
}

impl KindExplanation {
    /// The check named `name`.
    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// The record the checks are about.
    pub fn record(&self) -> Option<&RecordPlace> {
        self.explained.and_then(|i| self.records.get(i))
    }
}

/// Why an explanation failed.
#[derive(Debug, thiserror::Error)]
pub enum KindExplainError {
    #[error("no Omi uid: every query is filtered by user; set it with --uid or MEMLENS_UID")]
    NoUid,
    #[error("the query is empty: what should the record be found by?")]
    EmptyQuery,
    #[error("the id is empty")]
    NoId,
    #[error("conversations have their own explain (sync::explain)")]
    Conversations,
    #[error(transparent)]
    Search(#[from] KindSearchError),
    #[error("querying the vector store failed: {0}")]
    Store(#[from] StoreError),
    #[error("embedding Omi's text failed: {0}")]
    Embed(#[from] EmbedError),
    #[error("listing the conversation's chunks failed: {0}")]
    List(#[from] OrphanError),
}

/// What the export says of the id.
struct Owner<'a> {
    /// Omi's records for the id (one, or each chunk), with skip reasons and texts.
    expected: Vec<Expected>,
    /// The export holds the id (fact, item, candidate, conversation).
    in_export: Check,
    /// Why Omi writes nothing for the id as a whole (a candidate, a conversation with no
    /// transcript lines); `None` when the expected records say.
    no_record: Option<String>,
    /// The fact is locked (facts only).
    locked: bool,
    title: Option<String>,
    export: Option<&'a Export>,
    /// The export holds the id but could not read its record (why).
    unreadable: Option<String>,
}

fn owner<'a>(kind: &dyn RecordKind, export: Option<&'a Export>, uid: &str, id: &str) -> Owner<'a> {
    let Some(x) = export else {
        return Owner {
            expected: Vec::new(),
            in_export: na("in_export", "no export given (--export FILE)"),
            no_record: None,
            locked: false,
            title: None,
            export,
            unreadable: None,
        };
    };
    // A record that could not be read is not an absent one (nor its vector an orphan).
    if let Some(bad) = super::unreadable_records(kind.kind(), x)
        .iter()
        .find(|b| b.id.as_deref() == Some(id))
    {
        let why = format!(
            "the export holds {} {id} but could not read it (record {}: {})",
            match kind.kind() {
                Kind::Facts => "fact",
                Kind::ActionItems => "action item",
                _ => "conversation",
            },
            bad.index,
            bad.reason
        );
        return Owner {
            expected: Vec::new(),
            in_export: fail("in_export", why.clone()),
            no_record: None,
            locked: false,
            title: None,
            export,
            unreadable: Some(why),
        };
    }
    let expected: Vec<Expected> = kind
        .expected(x, uid, chrono::Utc::now().timestamp())
        .into_iter()
        .filter(|e| e.owner == id)
        .collect();
    let nearest = |ids: Vec<&str>| {
        crate::config::closest(id, ids.iter().copied())
            .map(|n| format!(" (the nearest id is {n})"))
            .unwrap_or_default()
    };
    let mut out = Owner {
        expected,
        in_export: na("in_export", ""),
        no_record: None,
        locked: false,
        title: None,
        export,
        unreadable: None,
    };
    out.in_export = match kind.kind() {
        Kind::Facts => match x.fact_section.get(id) {
            Some(f) => {
                out.locked = f.is_locked;
                out.title = Some(f.content.clone());
                pass("in_export", format!("fact {id} is in the export"))
            }
            None if x.fact_section.source.is_none() => {
                fail("in_export", format!("{} holds no facts", x.name))
            }
            None => fail(
                "in_export",
                format!(
                    "no fact {id} among the export's {}{}",
                    x.fact_section.facts.len(),
                    nearest(x.fact_section.facts.iter().map(|f| f.id.as_str()).collect())
                ),
            ),
        },
        Kind::ActionItems => {
            let section = &x.action_items;
            let candidate = section
                .candidates
                .iter()
                .find(|c| c.id.as_deref() == Some(id));
            if let Some(item) = section.get(id) {
                out.title = Some(item.description.clone());
                pass("in_export", format!("action item {id} is in the export"))
            } else if let Some(c) = candidate {
                out.title = Some(c.description.clone());
                out.no_record = Some(format!(
                    "{id} is a task_data candidate: Omi writes no vector for candidates"
                ));
                pass("in_export", format!("{id} is in the export's task_data"))
            } else if let Some(note) = section.absent_note() {
                fail("in_export", note.to_string())
            } else {
                let ids = section
                    .items
                    .iter()
                    .map(|i| i.id.as_str())
                    .chain(section.candidates.iter().filter_map(|c| c.id.as_deref()))
                    .collect();
                fail(
                    "in_export",
                    format!(
                        "no action item {id} among the export's {}{}",
                        section.items.len(),
                        nearest(ids)
                    ),
                )
            }
        }
        _ => match x.get(id) {
            Some(m) => {
                out.title = Some(m.structured.title.clone());
                if out.expected.is_empty() {
                    out.no_record = Some(
                        "the conversation has no transcript lines: Omi's chunker makes no chunks"
                            .into(),
                    );
                }
                pass(
                    "in_export",
                    format!(
                        "conversation {id} is in the export ({} by Omi's chunker)",
                        crate::words::counted(out.expected.len(), "chunk")
                    ),
                )
            }
            None => fail(
                "in_export",
                format!(
                    "no conversation {id} among the export's {}{}",
                    x.memories.len(),
                    nearest(x.memories.iter().map(|m| m.id.as_str()).collect())
                ),
            ),
        },
    };
    out
}

/// The vector ids to look at: Omi's for the id (from the export, else from the id), and
/// for chunks every stored `{uid}-{conversation_id}-c{n}` too (an orphan tail, or all of
/// them without an export).
async fn vector_ids(
    store: &dyn VectorStore,
    kind: Kind,
    namespace: &str,
    uid: &str,
    id: &str,
    expected: &[Expected],
) -> Result<Vec<String>, KindExplainError> {
    let mut ids: Vec<String> = expected.iter().map(|e| e.vector_id.clone()).collect();
    match kind {
        Kind::Chunks => {
            let (listed, _) = list_prefix(
                store,
                namespace,
                &chunk_id_prefix(uid, id),
                DEFAULT_PAGE_SIZE,
                |_| {},
            )
            .await?;
            let mut extra: Vec<(usize, String)> = listed
                .into_iter()
                .filter(|v| !ids.contains(v))
                .filter_map(|v| match parse_chunk_vector_id(uid, &v) {
                    Some((c, n)) if c == id => Some((n, v)),
                    _ => None,
                })
                .collect();
            extra.sort();
            ids.extend(extra.into_iter().map(|(_, v)| v));
        }
        _ if ids.is_empty() => ids.push(match kind {
            Kind::Facts => fact_vector_id(uid, id),
            _ => crate::omi::action_items::action_item_vector_id(uid, id),
        }),
        _ => {}
    }
    Ok(ids)
}

/// Explain where `request.id` stands for `request.query` in Omi's search of its kind.
/// `export`: the export (Omi's records, texts, skip reasons, hydration); without it those
/// checks are `n/a`.
pub async fn explain_kind(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    request: &KindExplainRequest,
    export: Option<&Export>,
) -> Result<KindExplanation, KindExplainError> {
    let uid = request.uid.trim();
    if uid.is_empty() {
        return Err(KindExplainError::NoUid);
    }
    if request.query.trim().is_empty() {
        return Err(KindExplainError::EmptyQuery);
    }
    let id = request.id.trim();
    if id.is_empty() {
        return Err(KindExplainError::NoId);
    }
    let kind = request.kind;
    if kind == Kind::Conversations {
        return Err(KindExplainError::Conversations);
    }
    check_range(kind, request.range)?;
    let spec = kind.spec();
    let top_k = request.top_k.unwrap_or(spec.search.top_k).max(1);
    let ns = request.namespace.as_str();
    let rk = record_kind(kind, Default::default());
    let owner = owner(rk.as_ref(), export, uid, id);

    let ids = vector_ids(store, kind, ns, uid, id, &owner.expected).await?;
    let valid: Vec<String> = ids
        .iter()
        .filter(|v| validate_id(v).is_ok())
        .cloned()
        .collect();
    let stored = fetch_all(store, ns, &valid, &mut Requests::default(), |_| {}).await?;
    let embedded = embed_query(embedder, &request.query).await?;
    let query_vector = embedded.0.clone();
    let search = crate::sync::search::SearchRequest {
        uid: uid.to_string(),
        namespace: ns.to_string(),
        target: crate::sync::search::SearchTarget::Text(request.query.clone()),
        top_k: limits::MAX_TOP_K,
        range: request.range,
    };
    let ranked = query_kind(store, embedder, kind, &search, embedded).await?;
    let fresh = freshness(embedder, &owner.expected, &stored).await?;

    let threshold = spec.search.threshold.unwrap_or(f32::NEG_INFINITY);
    let records: Vec<RecordPlace> = ids
        .iter()
        .map(|vid| {
            let record = stored.get(vid);
            let mut place = place(vid, uid, record, &ranked, &query_vector);
            place.similarity = fresh.get(vid).copied();
            place.dropped = dropped(rk.as_ref(), &owner, uid, vid, record.is_some());
            place.found = place.rank.is_some_and(|r| r <= top_k)
                && place.score.is_some_and(|s| s >= threshold)
                && place.dropped.is_none();
            place
        })
        .collect();
    let explained = (0..records.len()).min_by(|&a, &b| {
        let key = |r: &RecordPlace| {
            (
                !r.found,
                r.dropped.is_some(),
                r.rank.unwrap_or(usize::MAX),
                !r.stored,
            )
        };
        let (ra, rb) = (&records[a], &records[b]);
        key(ra).cmp(&key(rb)).then_with(|| {
            rb.score
                .unwrap_or(f32::NEG_INFINITY)
                .total_cmp(&ra.score.unwrap_or(f32::NEG_INFINITY))
        })
    });
    let kth_score = ranked.get(top_k - 1).map(|m| m.score);
    let place = explained.map(|i| &records[i]);
    let expected = place.and_then(|p| owner.expected.iter().find(|e| e.vector_id == p.vector_id));
    let record = place.and_then(|p| stored.get(&p.vector_id));
    let threshold_lines = match (kind, place.and_then(|p| p.score)) {
        (Kind::Facts, Some(s)) => THRESHOLD_LINES
            .iter()
            .map(|(t, what)| ThresholdLine {
                score: *t,
                what,
                passes: s >= *t,
            })
            .collect(),
        _ => Vec::new(),
    };
    let inputs = CheckInputs {
        kind,
        ns,
        uid,
        id,
        range: request.range,
        top_k,
        candidates: ranked.len(),
        kth_score,
        place,
        expected,
        record,
        owner: &owner,
        threshold_lines: &threshold_lines,
    };
    let checks = checks(&inputs);
    let fix = fix(&inputs, &checks);
    Ok(KindExplanation {
        request: request.clone(),
        model: embedder.model_id().to_string(),
        noun: spec.noun,
        search: spec.search,
        top_k,
        title: owner.title.clone(),
        candidates: ranked.len(),
        kth_score,
        found: records.iter().any(|r| r.found),
        records,
        explained,
        threshold_lines,
        checks,
        fix,
    })
}

/// A record's rank and score: from Omi's filtered query, else (the filter keeps it out)
/// the cosine of its stored vector and the rank it would have.
fn place(
    vid: &str,
    uid: &str,
    record: Option<&Record>,
    ranked: &[super::search::KindHit],
    query: &[f32],
) -> RecordPlace {
    let chunk_index = parse_chunk_vector_id(uid, vid).map(|(_, n)| n);
    let mut p = RecordPlace {
        vector_id: vid.to_string(),
        key: match chunk_index {
            Some(n) => format!("c{n}"),
            None => vid.rsplit_once("-ai-").map_or_else(
                || {
                    vid.strip_prefix(&format!("{uid}-"))
                        .unwrap_or(vid)
                        .to_string()
                },
                |(_, a)| a.to_string(),
            ),
        },
        chunk_index,
        stored: record.is_some(),
        rank: None,
        rank_if_passed: None,
        score: None,
        score_source: None,
        created_at: record.and_then(|r| number(&r.metadata, KEY_CREATED_AT)),
        similarity: None,
        dropped: None,
        found: false,
    };
    let Some(record) = record else {
        return p;
    };
    if let Some(pos) = ranked.iter().position(|m| m.vector_id == vid) {
        p.rank = Some(pos + 1);
        p.score = Some(ranked[pos].score);
        p.score_source = Some("the store's query with Omi's filter");
    } else if let Some(s) = cosine(query, &record.values) {
        p.score = Some(s);
        p.score_source = Some("cosine of the stored vector");
        if ranked.len() < limits::MAX_TOP_K {
            p.rank_if_passed = Some(ranked.iter().filter(|m| m.score > s).count() + 1);
        }
    }
    p
}

/// The cosine of each stored record with a fresh embedding of Omi's text (one embedding
/// request for all), by vector id; records of another dimension are left out.
async fn freshness(
    embedder: &dyn Embedder,
    expected: &[Expected],
    stored: &BTreeMap<String, Record>,
) -> Result<BTreeMap<String, f32>, EmbedError> {
    let comparable: Vec<&Expected> = expected
        .iter()
        .filter(|e| !e.text.is_empty() && stored.contains_key(&e.vector_id))
        .collect();
    if comparable.is_empty() {
        return Ok(BTreeMap::new());
    }
    let texts: Vec<String> = comparable.iter().map(|e| e.text.clone()).collect();
    let vectors = embed_each(embedder, &texts).await?;
    Ok(comparable
        .iter()
        .zip(&vectors)
        .filter_map(|(e, v)| {
            let s = cosine(&stored[&e.vector_id].values, v)?;
            Some((e.vector_id.clone(), s))
        })
        .collect())
}

/// Why Omi's hydration drops a stored record: there is nothing in the export to show
/// (the fact, item or conversation is gone, a chunk index beyond the conversation's
/// count: the kind's orphan cause), or (facts) it is locked. `None` without an export.
fn dropped(
    kind: &dyn RecordKind,
    owner: &Owner<'_>,
    uid: &str,
    vid: &str,
    stored: bool,
) -> Option<String> {
    let export = owner.export?;
    if owner.locked {
        return Some(
            "the fact is locked: Omi's hydration drops locked facts (omi-facts.md §F5.4)".into(),
        );
    }
    if !stored || (owner.in_export.outcome == Outcome::Pass && kind.kind() != Kind::Chunks) {
        return None;
    }
    let cause = kind.orphan_cause(export, uid, vid)?;
    let gone = match kind.kind() {
        Kind::Chunks => match parse_chunk_vector_id(uid, vid).and_then(|(c, _)| export.get(c)) {
            Some(m) => parse_chunk_vector_id(uid, vid)
                .is_some_and(|(_, n)| n >= transcript_chunks(m).len()),
            None => true,
        },
        _ => true,
    };
    gone.then(|| format!("Omi's hydration has nothing to show: {cause}"))
}

mod checks;
mod fix;

use checks::*;
use fix::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(pairs: &[(&str, MetaValue)]) -> Metadata {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn s(v: &str) -> MetaValue {
        MetaValue::String(v.into())
    }

    fn stored_place(rank: Option<usize>, score: f32) -> RecordPlace {
        RecordPlace {
            vector_id: "u-ai-a".into(),
            key: "a".into(),
            chunk_index: None,
            stored: true,
            rank,
            rank_if_passed: None,
            score: Some(score),
            score_source: None,
            created_at: Some(1_790_000_000.0),
            similarity: Some(1.0),
            dropped: None,
            found: false,
        }
    }

    fn no_export() -> Owner<'static> {
        Owner {
            expected: Vec::new(),
            in_export: na("in_export", "no export given (--export FILE)"),
            no_record: None,
            locked: false,
            title: None,
            export: None,
            unreadable: None,
        }
    }

    fn inputs<'a>(
        kind: Kind,
        place: Option<&'a RecordPlace>,
        owner: &'a Owner<'a>,
        record: Option<&'a Record>,
    ) -> CheckInputs<'a> {
        CheckInputs {
            kind,
            ns: kind.default_namespace(),
            uid: "u",
            id: "a",
            range: DateRange::ALL,
            top_k: kind.spec().search.top_k,
            candidates: 20,
            kth_score: Some(0.5),
            place,
            expected: None,
            record,
            owner,
            threshold_lines: &[],
        }
    }

    #[test]
    fn the_threshold_is_the_kinds() {
        let owner = no_export();
        let above = stored_place(Some(1), 0.31);
        let below = stored_place(Some(1), 0.29);
        let c = threshold_check(&inputs(Kind::ActionItems, Some(&above), &owner, None));
        assert_eq!(c.outcome, Outcome::Pass, "{c:?}");
        assert!(c.detail.contains("≥ 0.3"), "{}", c.detail);
        let c = threshold_check(&inputs(Kind::ActionItems, Some(&below), &owner, None));
        assert_eq!(c.outcome, Outcome::Fail, "{c:?}");
        // Chunks: no threshold, whatever the score.
        let c = threshold_check(&inputs(Kind::Chunks, Some(&below), &owner, None));
        assert_eq!(c.outcome, Outcome::Pass, "{c:?}");
        assert!(c.detail.contains("no threshold"), "{}", c.detail);
        assert_eq!(
            threshold_check(&inputs(Kind::Chunks, None, &owner, None)).outcome,
            Outcome::NotApplicable
        );
    }

    #[test]
    fn the_top_k_is_the_kinds() {
        let owner = no_export();
        let k = Kind::Chunks.spec().search.top_k;
        let inside = stored_place(Some(k), 0.1);
        let outside = stored_place(Some(k + 1), 0.1);
        let c = top_k_check(&inputs(Kind::Chunks, Some(&inside), &owner, None));
        assert_eq!(c.outcome, Outcome::Pass, "{c:?}");
        let c = top_k_check(&inputs(Kind::Chunks, Some(&outside), &owner, None));
        assert_eq!(c.outcome, Outcome::Fail, "{c:?}");
        assert!(c.detail.contains(&format!("top_k={k}")), "{}", c.detail);
        let mut filtered = stored_place(None, 0.7);
        filtered.rank_if_passed = Some(2);
        let c = top_k_check(&inputs(Kind::Chunks, Some(&filtered), &owner, None));
        assert!(c.detail.contains("would rank 2nd"), "{}", c.detail);
    }

    #[test]
    fn metadata_names_the_key_omi_maps_by() {
        let owner = no_export();
        let p = stored_place(Some(1), 0.9);
        let f = inputs(Kind::ActionItems, Some(&p), &owner, None);
        let good = meta(&[
            (KEY_UID, s("u")),
            (KEY_ACTION_ITEM_ID, s("a")),
            (KEY_CREATED_AT, MetaValue::Number(1.0)),
        ]);
        assert_eq!(metadata_check(&f, &good).outcome, Outcome::Pass);
        let other = meta(&[(KEY_UID, s("u")), (KEY_ACTION_ITEM_ID, s("b"))]);
        let c = metadata_check(&f, &other);
        assert!(c.detail.contains("action_item_id is \"b\""), "{}", c.detail);
        let short = meta(&[(KEY_UID, s("u")), (KEY_ACTION_ITEM_ID, s("a"))]);
        let c = metadata_check(&f, &short);
        assert_eq!(c.detail, "metadata lacks created_at");
    }

    #[test]
    fn the_fix_follows_the_first_failure() {
        let owner = no_export();
        let p = stored_place(Some(1), 0.9);
        let f = inputs(Kind::Chunks, Some(&p), &owner, None);
        let checks = |failing: &[&'static str]| -> Vec<Check> {
            ["stored", "fresh", "in_top_k"]
                .iter()
                .map(|n| {
                    if failing.contains(n) {
                        fail(n, "x".into())
                    } else {
                        pass(n, "x".into())
                    }
                })
                .collect()
        };
        let fx = fix(&f, &checks(&["stored", "fresh"]));
        assert!(
            fx.contains("memlens reprocess EXPORT --kind chunks --id a --yes"),
            "{fx}"
        );
        assert!(fx.contains("missing is normal"), "{fx}");
        let fx = fix(&f, &checks(&["fresh", "in_top_k"]));
        assert!(fx.contains("older text"), "{fx}");
        let fx = fix(&f, &checks(&["in_top_k"]));
        assert!(fx.contains("reword the query"), "{fx}");
        assert_eq!(
            fix(&f, &checks(&[])),
            "nothing to fix: Omi's search finds it at rank 1"
        );
    }

    #[test]
    fn a_date_outside_the_range_widens_it_unless_the_stored_one_is_wrong() {
        let owner = no_export();
        let mut p = stored_place(Some(1), 0.9);
        p.created_at = Some(1_759_257_900.0); // 2025-09-30
        let mut f = inputs(Kind::Chunks, Some(&p), &owner, None);
        f.range = DateRange {
            start: Some(1_759_276_800), // 2025-10-01
            end: Some(1_761_955_199),
        };
        let c = fail("created_at_in_range", "outside".into());
        let fx = created_at_fix(&f, &c, "R");
        assert!(
            fx.starts_with("widen the range (e.g. --range 2025-09-30..2025-10-31)"),
            "{fx}"
        );
        let e = Expected {
            owner: "a".into(),
            key: "a c0".into(),
            vector_id: "u-a-c0".into(),
            text: "t".into(),
            metadata: meta(&[(KEY_CREATED_AT, MetaValue::Number(1_760_000_000.0))]),
            skip: None,
            missing_reason: String::new(),
            date: 0,
        };
        f.expected = Some(&e);
        assert!(created_at_fix(&f, &c, "R").starts_with("reprocess it (R)"));
    }
}
