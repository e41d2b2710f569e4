//! What `memlens check` (and the UI's header) say about a loaded export: counts, the
//! categories, the date range and the dates that had no offset.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::date::OmiDate;
use crate::export::Export;
use crate::policy;

/// Counts and ranges of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// `E0`…`E5`.
    pub shape: &'static str,
    /// What the shape is.
    pub shape_description: &'static str,
    /// Records in the file (loaded, bad and duplicate).
    pub records: usize,
    /// Memories loaded.
    pub memories: usize,
    /// Loaded memories marked discarded (they never get a vector).
    pub discarded: usize,
    /// Loaded memories marked deleted.
    pub deleted: usize,
    /// Skipped records.
    pub bad_records: usize,
    /// Records skipped because their id repeats.
    pub duplicates: usize,
    /// Memories per category value (`romantic`, …); unknown values count as `other`.
    pub by_category: BTreeMap<String, usize>,
    /// Category values that were not known, with their counts (counted as `other`).
    pub unknown_categories: BTreeMap<String, usize>,
    /// Earliest `created_at`, Python `str(datetime)` form.
    pub first_created: Option<String>,
    /// Latest `created_at`.
    pub last_created: Option<String>,
    /// Memories without `created_at`.
    pub missing_created_at: usize,
    /// Memories with at least one date written without an offset (device-local, ambiguous).
    pub memories_with_ambiguous_dates: usize,
    /// Dates without an offset, over every date of every memory.
    pub ambiguous_dates: usize,
    /// Facts loaded (omi-facts.md).
    pub facts_loaded: usize,
    /// Where the facts came from (`e3_memories`, `api_list`, `api_object`), if any.
    pub facts_source: Option<crate::export::FactSource>,
    /// Facts per stored category value (raw, as E3 writes it: `auto`, `habits`, …).
    pub facts_by_category: BTreeMap<String, usize>,
    /// Facts per category as `GET /v3/memories` shows it (legacy values → `system`).
    pub facts_by_api_category: BTreeMap<String, usize>,
    /// Fact records skipped (bad), and skipped for a repeated id.
    pub fact_bad_records: usize,
    pub fact_duplicates: usize,
    /// Memories Omi would embed ([`crate::policy`], id checked without the uid).
    pub embeddable: usize,
    /// Memories Omi would not embed, per reason kind (`deleted`, `unfinished`, …).
    pub skipped_by_reason: BTreeMap<String, usize>,
    /// Omi facts set aside (never loaded as conversations).
    pub facts: usize,
    /// `this file holds 2 Omi facts, not conversations: …`, when there are facts.
    pub facts_note: Option<String>,
    /// Memories with a note on a display-only field (kept, raw value shown).
    pub memories_with_notes: usize,
    /// The webhook message wrapper found, described.
    pub wrapper: Option<String>,
}

fn all_dates(m: &crate::model::Memory) -> impl Iterator<Item = &OmiDate> {
    let s = &m.structured;
    [&m.created_at, &m.started_at, &m.finished_at]
        .into_iter()
        .flatten()
        .chain(s.events.iter().filter_map(|e| e.start.as_ref()))
        .chain(s.action_items.iter().flat_map(|a| {
            [&a.created_at, &a.due_at, &a.completed_at]
                .into_iter()
                .flatten()
        }))
}

impl Summary {
    /// Summarise a loaded export.
    pub fn of(e: &Export) -> Self {
        let mut by_category = BTreeMap::new();
        let mut unknown_categories = BTreeMap::new();
        let (mut first, mut last): (Option<&OmiDate>, Option<&OmiDate>) = (None, None);
        let (mut discarded, mut deleted, mut missing, mut amb_mem, mut amb) = (0, 0, 0, 0, 0);
        let (mut embeddable, mut with_notes) = (0, 0);
        let mut skipped_by_reason = BTreeMap::new();
        for m in &e.memories {
            match policy::skip_reason(m, None, policy::Overrides::default()) {
                None => embeddable += 1,
                Some(r) => *skipped_by_reason.entry(r.kind().to_string()).or_insert(0) += 1,
            }
            with_notes += usize::from(!m.notes.is_empty());
            *by_category
                .entry(m.structured.category.kind.value().to_string())
                .or_insert(0) += 1;
            if let Some(raw) = &m.structured.category.unknown_raw {
                *unknown_categories.entry(raw.clone()).or_insert(0) += 1;
            }
            discarded += usize::from(m.discarded);
            deleted += usize::from(m.deleted);
            match &m.created_at {
                Some(d) => {
                    first = Some(first.map_or(d, |f| f.min(d)));
                    last = Some(last.map_or(d, |l| l.max(d)));
                }
                None => missing += 1,
            }
            let n = all_dates(m).filter(|d| d.is_ambiguous()).count();
            amb += n;
            amb_mem += usize::from(n > 0);
        }
        Self {
            shape: e.shape.code(),
            shape_description: e.shape.description(),
            records: e.total_records,
            memories: e.memories.len(),
            discarded,
            deleted,
            bad_records: e.bad_records.len(),
            duplicates: e.duplicates.len(),
            by_category,
            unknown_categories,
            first_created: first.map(OmiDate::python_str),
            last_created: last.map(OmiDate::python_str),
            missing_created_at: missing,
            memories_with_ambiguous_dates: amb_mem,
            ambiguous_dates: amb,
            facts_loaded: e.fact_section.facts.len(),
            facts_source: e.fact_section.source,
            facts_by_category: e.fact_section.by_category(),
            facts_by_api_category: e
                .fact_section
                .facts
                .iter()
                .fold(BTreeMap::new(), |mut m, f| {
                    *m.entry(f.category.api_value().to_string()).or_insert(0) += 1;
                    m
                }),
            fact_bad_records: e.fact_section.bad_records.len(),
            fact_duplicates: e.fact_section.duplicates.len(),
            embeddable,
            skipped_by_reason,
            facts: e.facts.len(),
            facts_note: e.facts_note(),
            memories_with_notes: with_notes,
            wrapper: e.wrapper.clone(),
        }
    }
}
