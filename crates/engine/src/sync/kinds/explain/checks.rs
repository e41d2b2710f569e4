//! The checks of a kind explain, each pass or fail, in the order Omi's pipeline meets
//! them: in the export, Omi writes it, stored, metadata, date range, fresh, threshold, top_k
//! and hydration.

use super::*;

pub(super) fn number(metadata: &Metadata, key: &str) -> Option<f64> {
    match metadata.get(key) {
        Some(MetaValue::Number(n)) => Some(*n),
        _ => None,
    }
}

pub(super) fn string<'m>(metadata: &'m Metadata, key: &str) -> Option<&'m str> {
    match metadata.get(key) {
        Some(MetaValue::String(s)) => Some(s),
        _ => None,
    }
}

/// What the checks and the fix read.
pub(super) struct CheckInputs<'a> {
    pub(super) kind: Kind,
    pub(super) ns: &'a str,
    pub(super) uid: &'a str,
    pub(super) id: &'a str,
    pub(super) range: DateRange,
    pub(super) top_k: usize,
    pub(super) candidates: usize,
    pub(super) kth_score: Option<f32>,
    /// The record explained (the best chunk).
    pub(super) place: Option<&'a RecordPlace>,
    pub(super) expected: Option<&'a Expected>,
    pub(super) record: Option<&'a Record>,
    pub(super) owner: &'a Owner<'a>,
    pub(super) threshold_lines: &'a [ThresholdLine],
}

/// Every check, in the order Omi's pipeline meets them.
pub(super) fn checks(f: &CheckInputs<'_>) -> Vec<Check> {
    let spec = f.kind.spec();
    let no_vector = "no vector";
    let meta = f.record.map(|r| &r.metadata);
    let mut out = vec![f.owner.in_export.clone()];
    out.push(omi_writes_check(f));
    out.push(stored_check(f));
    out.push(match meta.map(|m| string(m, KEY_UID)) {
        None => na("uid_metadata", no_vector),
        Some(Some(u)) if u == f.uid => pass("uid_metadata", format!("uid = {u:?}")),
        Some(u) => fail(
            "uid_metadata",
            format!(
                "metadata uid is {}: Omi's filter {{\"uid\": {:?}}} never returns it",
                u.map_or("missing".into(), |u| format!("{u:?}")),
                f.uid
            ),
        ),
    });
    out.push(match meta {
        None => na("metadata", no_vector),
        Some(m) => metadata_check(f, m),
    });
    out.push(if !spec.search.date_range {
        na(
            "created_at_in_range",
            &format!("Omi's search of {} has no date filter", spec.noun),
        )
    } else {
        let created = f.place.and_then(|p| p.created_at);
        match created {
            Some(0.0) => {
                let what = "created_at 0 (the conversation has no date)";
                if f.range.is_unbounded() {
                    pass(
                        "created_at_in_range",
                        format!("{what}; no date range asked"),
                    )
                } else {
                    fail(
                        "created_at_in_range",
                        format!("{what}: never inside a range"),
                    )
                }
            }
            _ => created_at_check(f.record.is_some(), created, f.range),
        }
    });
    out.push(match (f.place, f.expected) {
        (None, _) => na("fresh", no_vector),
        (Some(p), _) if !p.stored => na("fresh", no_vector),
        (Some(p), Some(_)) => match p.similarity {
            Some(s) if s >= FRESH_THRESHOLD => pass(
                "fresh",
                format!("cosine with a fresh embedding of Omi's text {s:.5} (≥ {FRESH_THRESHOLD})"),
            ),
            Some(s) => fail(
                "fresh",
                format!(
                    "cosine with a fresh embedding of Omi's text {s:.5} (< {FRESH_THRESHOLD}): \
                     the text changed since it was embedded"
                ),
            ),
            None => fail(
                "fresh",
                "the stored vector's dimension differs from the embedder's (or Omi's text is empty)"
                    .into(),
            ),
        },
        _ => na("fresh", "the export does not hold its text"),
    });
    out.push(threshold_check(f));
    out.push(top_k_check(f));
    out.push(match (f.owner.export, f.place) {
        (None, _) => na(
            "hydration",
            "no export given: what Omi's hydration keeps is unknown",
        ),
        (_, Some(p)) if p.stored => match &p.dropped {
            Some(why) => fail("hydration", why.clone()),
            None => pass(
                "hydration",
                format!("Omi's hydration finds the {} to show", owner_word(f.kind)),
            ),
        },
        _ => na("hydration", no_vector),
    });
    out
}

pub(super) fn owner_word(kind: Kind) -> &'static str {
    match kind {
        Kind::Facts => "fact",
        Kind::ActionItems => "action item",
        _ => "chunk's transcript lines",
    }
}

pub(super) fn omi_writes_check(f: &CheckInputs<'_>) -> Check {
    const NAME: &str = "omi_writes";
    if let Some(why) = &f.owner.no_record {
        return fail(NAME, why.clone());
    }
    match f.expected {
        _ if f.owner.export.is_none() => na(NAME, "no export given: Omi's rule is unknown"),
        _ if f.owner.in_export.outcome != Outcome::Pass => {
            na(NAME, "the export does not hold it: Omi's rule is unknown")
        }
        Some(e) => match &e.skip {
            Some(why) => fail(NAME, format!("{why}: Omi writes no vector")),
            None => pass(
                NAME,
                format!(
                    "no skip reason (Omi's rule for {}: {})",
                    f.kind.spec().noun,
                    f.kind.spec().write_rule
                ),
            ),
        },
        None => na(NAME, "no record of the export to judge"),
    }
}

pub(super) fn stored_check(f: &CheckInputs<'_>) -> Check {
    const NAME: &str = "stored";
    let missing = || {
        f.expected
            .map(|e| e.missing_reason.clone())
            .or_else(|| f.owner.no_record.clone())
            .unwrap_or_else(|| match f.kind {
                Kind::Chunks => crate::sync::kinds::CHUNKS_MISSING.to_string(),
                _ => "Omi never wrote it, or it was deleted".into(),
            })
    };
    match f.place {
        Some(p) if p.stored => {
            let mut detail = format!("{} is stored in {}", p.vector_id, f.ns);
            // The facts' own classes and hints (foreign, mismatch, category drift, …).
            if let (Kind::Facts, Some(fact), Some(r)) = (
                f.kind,
                f.owner.export.and_then(|x| x.fact_section.get(f.id)),
                f.record,
            ) {
                let e = crate::sync::kinds::facts::classify_fact(fact, f.uid, Some(r), None);
                if let Some(why) = e.reason {
                    detail = format!("{detail} ({}: {why})", e.status.word());
                }
            }
            pass(NAME, detail)
        }
        Some(p) => fail(
            NAME,
            format!("no vector {} in {}: {}", p.vector_id, f.ns, missing()),
        ),
        None => fail(
            NAME,
            format!(
                "no chunk of conversation {} in {}: {}",
                f.id,
                f.ns,
                missing()
            ),
        ),
    }
}

/// Omi maps a hit by its metadata: the fact by `memory_id`, the item by `action_item_id`,
/// the chunk by `conversation_id` and `chunk_index`; and writes exactly the kind's keys.
pub(super) fn metadata_check(f: &CheckInputs<'_>, m: &Metadata) -> Check {
    const NAME: &str = "metadata";
    let owner_key = match f.kind {
        Kind::Facts => KEY_MEMORY_ID,
        Kind::ActionItems => KEY_ACTION_ITEM_ID,
        _ => crate::omi::chunks::KEY_CONVERSATION_ID,
    };
    if let Some(other) = string(m, owner_key).filter(|o| *o != f.id) {
        return fail(
            NAME,
            format!(
                "metadata {owner_key} is {other:?}, not {:?}: Omi maps the hit to another record",
                f.id
            ),
        );
    }
    if let (Some(n), Some(stored)) = (
        f.place.and_then(|p| p.chunk_index),
        number(m, crate::omi::chunks::KEY_CHUNK_INDEX),
    ) && stored != n as f64
    {
        return fail(
            NAME,
            format!("metadata chunk_index is {stored}, not {n}: Omi rebuilds another chunk's text"),
        );
    }
    let keys = f.kind.spec().metadata_keys;
    let lacking = crate::sync::kinds::lookup::lacking(m, keys);
    if lacking.is_empty() {
        pass(NAME, format!("{} as Omi writes them", keys.join(", ")))
    } else {
        fail(NAME, format!("metadata lacks {}", lacking.join(", ")))
    }
}

pub(super) fn threshold_check(f: &CheckInputs<'_>) -> Check {
    const NAME: &str = "threshold";
    let search = f.kind.spec().search;
    let Some(score) = f.place.and_then(|p| p.score) else {
        return na(NAME, "no vector, no score");
    };
    let lines: String = f
        .threshold_lines
        .iter()
        .map(|l| {
            format!(
                "; the {} line ({}): {}",
                l.score,
                l.what,
                if l.passes { "above" } else { "below" }
            )
        })
        .collect();
    match search.threshold {
        None => pass(
            NAME,
            format!(
                "score {score:.4}; Omi's search of {} keeps every score (no threshold)",
                f.kind.spec().noun
            ),
        ),
        Some(t) if score >= t => pass(
            NAME,
            format!("score {score:.4} ≥ {t} (Omi's threshold){lines}"),
        ),
        Some(t) => fail(
            NAME,
            format!("score {score:.4} < {t}: Omi's search drops it{lines}"),
        ),
    }
}

pub(super) fn top_k_check(f: &CheckInputs<'_>) -> Check {
    const NAME: &str = "in_top_k";
    let k = f.top_k;
    let bar = match f.kth_score {
        Some(b) => format!("the {} match scores {b:.4}", ordinal(k)),
        None => format!("fewer than {k} records pass the filter"),
    };
    let Some(p) = f.place.filter(|p| p.stored) else {
        return fail(NAME, "no vector: Omi's search cannot return it".into());
    };
    let score = p.score.map_or("?".into(), |s| format!("{s:.4}"));
    match p.rank {
        Some(r) if r <= k => pass(
            NAME,
            format!(
                "rank {r} of {} with {score}; Omi asks for top_k={k}; {bar}",
                f.candidates
            ),
        ),
        Some(r) => fail(
            NAME,
            format!(
                "ranked {} of {} with {score}; Omi asks for top_k={k}: {bar}",
                ordinal(r),
                f.candidates
            ),
        ),
        None => fail(
            NAME,
            format!(
                "Omi's filter keeps it out{}",
                p.rank_if_passed
                    .map(|r| format!(" (with {score} it would rank {})", ordinal(r)))
                    .unwrap_or_default()
            ),
        ),
    }
}
