//! Omi's `ns2` search made visible (omi-facts.md §F5.4): the query embedded, `ns2`
//! queried with `{"uid": uid}` and top-k (no date filter), each hit mapped by
//! `metadata.memory_id` to its fact, and Omi's thresholds (0.85 default, 0.7 extraction
//! dedup) marked. Omi drops hits whose fact is missing or locked; memlens shows them,
//! marked, so an inspector sees what Omi would drop.

use serde::Serialize;

use crate::omi::conventions::KEY_MEMORY_ID;
use crate::omi::fact::Fact;
use crate::omi::fact_conventions::{KEY_CATEGORY, THRESHOLD_DEDUP, THRESHOLD_DEFAULT};
use crate::store::MetaValue;
use crate::sync::search::{SearchHit, SearchResults};

/// Omi's thresholds as drawn on a hit list, highest first: (score, what uses it).
pub const THRESHOLD_LINES: [(f32, &str); 2] = [
    (THRESHOLD_DEFAULT, "find_similar_memories default"),
    (THRESHOLD_DEDUP, "extraction dedup"),
];

/// One `ns2` hit with its fact.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactHit {
    pub rank: usize,
    pub score: f32,
    pub vector_id: String,
    /// `metadata.memory_id` (Omi reads the fact id from metadata, not from the vector
    /// id); the id with `{uid}-` stripped when the metadata has none.
    pub fact_id: String,
    /// `metadata.category` as stored.
    pub category: Option<String>,
    /// The fact's content, when the export holds the fact.
    pub content: Option<String>,
    /// The fact is in the export.
    pub in_export: bool,
    /// The fact is locked: Omi's hydration drops it.
    pub locked: bool,
}

/// Map hits to facts (`facts` empty: no export given, contents unknown).
pub fn fact_hits(hits: &[SearchHit], facts: &[Fact]) -> Vec<FactHit> {
    hits.iter()
        .map(|h| {
            let str_of = |k: &str| match h.metadata.get(k) {
                Some(MetaValue::String(s)) => Some(s.clone()),
                _ => None,
            };
            let fact_id = str_of(KEY_MEMORY_ID).unwrap_or_else(|| h.memory_id.clone());
            let fact = facts.iter().find(|f| f.id == fact_id);
            FactHit {
                rank: h.rank,
                score: h.score,
                vector_id: h.vector_id.clone(),
                category: str_of(KEY_CATEGORY),
                content: fact.map(|f| f.content.clone()),
                in_export: fact.is_some(),
                locked: fact.is_some_and(|f| f.is_locked),
                fact_id,
            }
        })
        .collect()
}

/// The threshold lines to draw before the hit at `index` of a score-sorted list: those
/// the previous hit is at or above and this one is below (and, after the last hit, the
/// ones it is still at or above).
pub fn thresholds_before(scores: &[f32], index: usize) -> Vec<(f32, &'static str)> {
    let above = |i: usize, t: f32| scores.get(i).is_some_and(|s| *s >= t);
    THRESHOLD_LINES
        .iter()
        .copied()
        .filter(|(t, _)| {
            let prev = index == 0 || above(index - 1, *t);
            let here = index < scores.len() && above(index, *t);
            prev && !here
        })
        .collect()
}

/// Counts of hits at or above each threshold, for a header.
pub fn threshold_counts(results: &SearchResults) -> Vec<(f32, &'static str, usize)> {
    THRESHOLD_LINES
        .iter()
        .map(|(t, what)| {
            (
                *t,
                *what,
                results.hits.iter().filter(|h| h.score >= *t).count(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fall_between_scores() {
        let s = [0.9, 0.8, 0.5];
        assert!(thresholds_before(&s, 0).is_empty());
        assert_eq!(thresholds_before(&s, 1), vec![THRESHOLD_LINES[0]]);
        assert_eq!(thresholds_before(&s, 2), vec![THRESHOLD_LINES[1]]);
        assert!(thresholds_before(&s, 3).is_empty());
        // Every hit below both: both lines before the first.
        assert_eq!(thresholds_before(&[0.2], 0).len(), 2);
        // Every hit above both: both lines after the last.
        assert_eq!(thresholds_before(&[0.99], 1).len(), 2);
    }
}
