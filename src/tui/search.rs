//! The search pane's state: the query and date-range inputs (with history and validation
//! as you type), top-k, and the newest results. Running a search is the app's job
//! (`app.rs`); this module holds no I/O.

use tui_input::Input;

use crate::sync::daterange::{DateRange, DateRangeError};
use crate::sync::hybrid::{HybridResults, SearchMode};
use crate::sync::moment::{Moment, moment};
use crate::sync::search::{DEFAULT_TOP_K, HitMemory};

/// Which input of the search pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchField {
    Query,
    Range,
}

/// State of the search pane.
#[derive(Debug)]
pub struct SearchPane {
    pub query: Input,
    /// The optional date range, as typed (`2024-08-01..`, `7d`, …).
    pub range: Input,
    /// The input being edited, if any.
    pub editing: Option<SearchField>,
    /// The whole query is selected (`s` on an earlier query): typing or a paste replaces
    /// it, Backspace clears it, a cursor key keeps it for editing.
    pub select_all: bool,
    pub top_k: usize,
    /// Earlier queries, oldest first.
    pub history: Vec<String>,
    /// Position while browsing the history with ↑/↓.
    history_pos: Option<usize>,
    /// Generation of the newest search; older results are dropped.
    pub generation: u64,
    /// The search in flight, if any (what it looks for, for the spinner line).
    pub running: Option<String>,
    /// Hybrid (default), semantic (exactly Omi's) or text.
    pub mode: SearchMode,
    pub results: Option<HybridResults>,
    /// The query of the shown results (what `w` and `a` use).
    pub results_query: Option<String>,
    /// The results joined with the loaded export, one per hit.
    pub joined: Vec<HitMemory>,
    /// Where each hit's answer is in its conversation (a chunk or a transcript match),
    /// one per hit; `None` when unknown.
    pub moments: Vec<Option<Moment>>,
    /// Selected hit.
    pub selected: usize,
    pub error: Option<String>,
    /// The typed range, checked as you type: the parsed range or what is wrong.
    pub range_check: Result<DateRange, String>,
}

impl Default for SearchPane {
    fn default() -> Self {
        Self::new()
    }
}

impl SearchPane {
    /// A pane with the default top-k.
    pub fn new() -> Self {
        Self {
            query: Input::default(),
            range: Input::default(),
            editing: None,
            select_all: false,
            top_k: DEFAULT_TOP_K,
            history: Vec::new(),
            history_pos: None,
            generation: 0,
            running: None,
            mode: SearchMode::Hybrid,
            results: None,
            results_query: None,
            joined: Vec::new(),
            moments: Vec::new(),
            selected: 0,
            error: None,
            range_check: Ok(DateRange::ALL),
        }
    }

    /// Re-check the typed range (call after every edit of it).
    pub fn check_range(&mut self, now: chrono::DateTime<chrono::Utc>) {
        self.range_check = self.parsed_range(now).map_err(|e| e.to_string());
    }

    /// The date range as typed, parsed (`ALL` when empty).
    pub fn parsed_range(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<DateRange, DateRangeError> {
        if self.range.value().trim().is_empty() {
            Ok(DateRange::ALL)
        } else {
            DateRange::parse(self.range.value(), now)
        }
    }

    /// Remember a query that was run (no duplicates in a row).
    pub fn remember(&mut self, query: &str) {
        let q = query.trim();
        if !q.is_empty() && self.history.last().map(String::as_str) != Some(q) {
            self.history.push(q.to_string());
        }
        self.history_pos = None;
    }

    /// Recall an older (`up`) or newer query into the input.
    pub fn recall(&mut self, up: bool) {
        if self.history.is_empty() {
            return;
        }
        let last = self.history.len() - 1;
        let pos = match (self.history_pos, up) {
            (None, true) => Some(last),
            (None, false) => None,
            (Some(p), true) => Some(p.saturating_sub(1)),
            (Some(p), false) if p >= last => None,
            (Some(p), false) => Some(p + 1),
        };
        self.history_pos = pos;
        let text = pos.map(|p| self.history[p].clone()).unwrap_or_default();
        self.query = Input::new(text.clone()).with_cursor(text.chars().count());
    }

    /// The moments of `results`' hits for `query` in `memories` (read once, only the hits'
    /// conversations chunked).
    pub fn moments_of(
        results: &HybridResults,
        memories: &[crate::omi::Memory],
        query: &str,
    ) -> Vec<Option<Moment>> {
        let wanted: std::collections::HashSet<&str> =
            results.hits.iter().map(|h| h.memory_id.as_str()).collect();
        let by_id: std::collections::HashMap<&str, &crate::omi::Memory> = memories
            .iter()
            .filter(|m| wanted.contains(m.id.as_str()))
            .map(|m| (m.id.as_str(), m))
            .collect();
        results
            .hits
            .iter()
            .map(|h| moment(by_id.get(h.memory_id.as_str())?, h, query))
            .collect()
    }

    /// The selected hit's moment.
    pub fn selected_moment(&self) -> Option<&Moment> {
        self.moments.get(self.selected).and_then(Option::as_ref)
    }

    /// Change top-k by `delta`, within 1..=1000.
    pub fn adjust_top_k(&mut self, delta: isize) {
        self.top_k = self.top_k.saturating_add_signed(delta).clamp(1, 1000);
    }

    /// Move the hit selection.
    pub fn move_by(&mut self, delta: isize) {
        let n = self.results.as_ref().map(|r| r.hits.len()).unwrap_or(0);
        if n == 0 {
            self.selected = 0;
            return;
        }
        self.selected = self.selected.saturating_add_signed(delta).min(n - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_walks_both_ways() {
        let mut p = SearchPane::new();
        p.remember("one");
        p.remember("two");
        p.remember("two");
        assert_eq!(p.history, ["one", "two"]);
        p.recall(true);
        assert_eq!(p.query.value(), "two");
        p.recall(true);
        assert_eq!(p.query.value(), "one");
        p.recall(true);
        assert_eq!(p.query.value(), "one");
        p.recall(false);
        assert_eq!(p.query.value(), "two");
        p.recall(false);
        assert_eq!(p.query.value(), "");
    }

    #[test]
    fn top_k_and_range() {
        let mut p = SearchPane::new();
        assert_eq!(p.top_k, 10);
        p.adjust_top_k(-20);
        assert_eq!(p.top_k, 1);
        let now = chrono::Utc::now();
        assert_eq!(p.parsed_range(now).unwrap(), DateRange::ALL);
        p.range = Input::new("2024-13-01..".into());
        assert!(p.parsed_range(now).is_err());
        p.range = Input::new("7d".into());
        assert!(p.parsed_range(now).unwrap().start.is_some());
        p.range = Input::new("..2024-02-30".into());
        p.check_range(now);
        assert!(p.range_check.is_err());
    }
}
