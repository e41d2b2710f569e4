//! The fix a kind explain proposes: from the first failing check that explains the rest;
//! a write (`reprocess`) only when a write is the cure.

use super::*;

/// The fix to try, from the first failing check that explains the rest; a write
/// (`reprocess`) only when a write is the cure.
pub(super) fn fix(f: &CheckInputs<'_>, checks: &[Check]) -> String {
    let word = f.kind.word();
    let reprocess = format!("memlens reprocess EXPORT --kind {word} --id {} --yes", f.id);
    if let Some(why) = &f.owner.unreadable {
        return format!(
            "repair the export: {why}; until then memlens can say nothing of the record, and \
             never counts its stored vector as an orphan"
        );
    }
    if let Some(c) = failed(checks, "in_export") {
        if let Some(p) = f.place.filter(|p| p.stored) {
            // Stored, but the export has nothing of it: a left-over vector, not a typo.
            return format!(
                "{} is stored but {}: a left-over vector ({}); memlens orphans EXPORT --kind {word} lists it",
                p.vector_id,
                c.detail,
                p.dropped
                    .as_deref()
                    .unwrap_or("Omi's hydration has nothing to show")
            );
        }
        let lists = match f.kind {
            Kind::Chunks => "memlens list EXPORT lists its conversations".to_string(),
            _ => format!("memlens text EXPORT --kind {word} lists its ids"),
        };
        return format!("not in the export (typo?): {}; {lists}", c.detail);
    }
    if let Some(c) = failed(checks, "omi_writes") {
        let stored = f.place.is_some_and(|p| p.stored);
        return if stored {
            format!(
                "{}; its stored vector is left over: memlens orphans EXPORT --kind {word} lists it",
                c.detail
            )
        } else {
            format!(
                "nothing to fix in the index: {}; Omi leaves it out on purpose",
                c.detail
            )
        };
    }
    if failed(checks, "stored").is_some() {
        let normal = if f.kind == Kind::Chunks {
            format!(
                " ({}, so missing is normal)",
                crate::sync::kinds::CHUNKS_MISSING
            )
        } else {
            String::new()
        };
        return format!("write it ({reprocess}): it has no vector{normal}");
    }
    if failed(checks, "uid_metadata").is_some() || failed(checks, "metadata").is_some() {
        return format!(
            "reprocess it ({reprocess}): the upsert rewrites Omi's metadata (check --uid first if the uid is the one that differs)"
        );
    }
    if let Some(c) = failed(checks, "hydration") {
        if f.owner.locked {
            return format!("nothing memlens can fix: {}; unlock it in Omi", c.detail);
        }
        return format!(
            "{}: clear the left-over vectors (memlens reprocess EXPORT --kind {word} --id {} --clear-orphans --yes)",
            c.detail, f.id
        );
    }
    if let Some(c) = failed(checks, "created_at_in_range") {
        return created_at_fix(f, c, &reprocess);
    }
    if failed(checks, "fresh").is_some() {
        return format!("reprocess it ({reprocess}): the stored vector is of an older text");
    }
    let score = f
        .place
        .and_then(|p| p.score)
        .map_or("?".into(), |s| format!("{s:.4}"));
    if let Some(t) = f.kind.spec().search.threshold
        && failed(checks, "threshold").is_some()
    {
        return format!(
            "its vector is current and well-formed; the query is not close enough to its text \
             (score {score} < {t}, Omi's threshold): reword the query after its text"
        );
    }
    if failed(checks, "in_top_k").is_some() {
        return format!(
            "its vector is current and well-formed; the query is just closer to other {} \
             (score {score}): reword the query after its text",
            f.kind.spec().noun
        );
    }
    match f.place.and_then(|p| p.rank) {
        Some(r) => format!("nothing to fix: Omi's search finds it at rank {r}"),
        None => "nothing to fix that memlens can see".into(),
    }
}

/// A chunk's `created_at` outside the range: a re-upsert cures a date that is not the
/// conversation's (when the conversation's is inside the range); a date simply outside
/// the range is cured by a wider range (a re-upsert writes the same date).
pub(super) fn created_at_fix(f: &CheckInputs<'_>, c: &Check, reprocess: &str) -> String {
    let stored = f.place.and_then(|p| p.created_at).map(|t| t as i64);
    let own = f
        .expected
        .and_then(|e| number(&e.metadata, KEY_CREATED_AT))
        .map(|t| t as i64);
    let inside =
        |t: i64| f.range.start.is_none_or(|s| t >= s) && f.range.end.is_none_or(|e| t <= e);
    if let Some(own) = own
        && stored != Some(own)
        && inside(own)
    {
        return format!(
            "reprocess it ({reprocess}): the stored created_at is not the conversation's ({}), which is inside the range",
            day(own)
        );
    }
    let t = stored.unwrap_or_default();
    let from = f.range.start.map(|s| day(s.min(t))).unwrap_or_default();
    let to = f.range.end.map(|e| day(e.max(t))).unwrap_or_default();
    format!(
        "widen the range (e.g. --range {from}..{to}): {}; reprocessing would write the same date",
        c.detail
    )
}
