//! The facts tab (`2`): Omi's facts of the export with their `ns2` status, a filter,
//! the selected fact's details and an `ns2` search. Pure state; the app starts the
//! lookups and searches, the view draws it.

use std::collections::BTreeMap;

use tui_input::Input;

use crate::omi::fact::Fact;
use crate::sync::fact_search::FactHit;
use crate::sync::{EmbeddingStatus, StatusEntry};
use crate::tui::kinds::RowList;

pub use crate::tui::kinds::{Tab, conversation_only};

/// How much of the export's facts `ns2` holds, from the last status lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ns2Holding {
    /// Facts with a record in `ns2` (any status but missing, skipped or unknown).
    pub stored: usize,
    /// Facts with no record that Omi would embed (what `R` indexes).
    pub missing: usize,
    /// Facts not looked up yet.
    pub unknown: usize,
    /// The export's facts.
    pub total: usize,
}

/// An `ns2` search from the facts tab.
#[derive(Debug, Clone, Default)]
pub struct FactSearchUi {
    pub query: String,
    /// Generation of the newest search; older results are dropped.
    pub generation: u64,
    pub running: bool,
    /// Hits with their facts (content from the export).
    pub hits: Vec<FactHit>,
    pub error: Option<String>,
    pub selected: usize,
}

/// The facts tab's state.
#[derive(Debug, Default)]
pub struct FactsTab {
    /// The rows (indices into the export's facts), the filter (words over content, id
    /// and category), the selection and the details scroll.
    pub list: RowList,
    /// Status per fact, aligned with the export's facts.
    pub statuses: Vec<EmbeddingStatus>,
    /// Looked-up entries by fact id.
    pub entries: BTreeMap<String, StatusEntry>,
    /// Generation of the newest status lookup.
    pub generation: u64,
    pub lookup_running: bool,
    /// The running lookup verifies (`v`): facts done of total.
    pub verifying: Option<(usize, usize)>,
    /// The search query being typed, if any.
    pub search_input: Option<Input>,
    /// The last search (shown instead of the details while `Some`).
    pub search: Option<FactSearchUi>,
}

impl FactsTab {
    /// Recompute the visible rows for `facts`, keeping the selection in range.
    pub fn refresh(&mut self, facts: &[Fact]) {
        self.list.refresh(facts.len(), |i| {
            let f = &facts[i];
            format!("{} {} {}", f.content, f.id, f.category.raw())
                .to_lowercase()
                .into()
        });
        if self.statuses.len() != facts.len() {
            self.statuses = vec![EmbeddingStatus::Unknown; facts.len()];
        }
    }

    /// Index (into the facts) of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.list.selected_index()
    }

    /// Select the fact with this index (clearing a filter that hides it).
    pub fn select_fact(&mut self, facts: &[Fact], index: usize) {
        if !self.list.select(index) {
            self.list.query.clear();
            self.refresh(facts);
            self.list.select(index);
        }
    }

    /// Status of fact `i`.
    pub fn status_of(&self, i: usize) -> EmbeddingStatus {
        self.statuses
            .get(i)
            .copied()
            .unwrap_or(EmbeddingStatus::Unknown)
    }

    /// Counts per status (non-zero), for the header.
    pub fn status_counts(&self) -> Vec<(EmbeddingStatus, usize)> {
        EmbeddingStatus::ALL
            .iter()
            .map(|s| (*s, self.statuses.iter().filter(|x| *x == s).count()))
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// How much of the export's facts `ns2` holds (for an empty search's note).
    pub fn ns2_holding(&self) -> Ns2Holding {
        let count = |s: EmbeddingStatus| self.statuses.iter().filter(|x| **x == s).count();
        let (missing, unknown) = (
            count(EmbeddingStatus::Missing),
            count(EmbeddingStatus::Unknown),
        );
        let skipped = count(EmbeddingStatus::Skipped);
        let total = self.statuses.len();
        Ns2Holding {
            stored: total - missing - unknown - skipped,
            missing,
            unknown,
            total,
        }
    }

    /// Apply looked-up entries to `facts`' statuses.
    pub fn apply_entries(&mut self, facts: &[Fact], entries: BTreeMap<String, StatusEntry>) {
        self.statuses = facts
            .iter()
            .map(|f| {
                entries
                    .get(&f.id)
                    .map_or(EmbeddingStatus::Unknown, |e| e.status)
            })
            .collect();
        self.entries = entries;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Vec<Fact> {
        ["Likes tea", "Runs trails", "Allergic to penicillin"]
            .iter()
            .enumerate()
            .map(|(i, c)| Fact {
                id: format!("f{i}"),
                content: c.to_string(),
                ..Fact::default()
            })
            .collect()
    }

    #[test]
    fn filter_select_and_move() {
        let fs = facts();
        let mut t = FactsTab::default();
        t.refresh(&fs);
        assert_eq!(t.list.visible, [0, 1, 2]);
        t.list.query = "TRAIL".into();
        t.refresh(&fs);
        assert_eq!(t.list.visible, [1]);
        t.select_fact(&fs, 2);
        assert!(t.list.query.is_empty());
        assert_eq!(t.selected_index(), Some(2));
        t.list.move_by(-5);
        assert_eq!(t.selected_index(), Some(0));
    }
}
