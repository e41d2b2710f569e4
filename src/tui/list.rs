//! The memory list's state: the filtered and sorted view of the export, the selection,
//! the scroll window and the marks. Pure logic, no drawing.
//!
//! A query is never scanned here: [`MemoryList::refresh`] plans a [`RankJob`] (a
//! generation number, the query and the candidate rows), the app runs it off the UI
//! thread, and [`MemoryList::apply`] takes the result only if no newer refresh happened
//! since (newest wins; a superseded scan also stops early). What a query matches is
//! [`crate::tui::matching`]'s business.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub use crate::tui::matching::Haystacks;
use crate::tui::matching::{is_refinement, rank};

use crate::omi::{CategoryKind, Memory};
use crate::sync::EmbeddingStatus;

/// How the list is ordered (a fuzzy query orders by match score first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    /// Newest first.
    #[default]
    Date,
    /// Title, A to Z.
    Title,
    /// Status, then newest first.
    Status,
}

impl SortKey {
    /// The next sort key in the cycle.
    pub fn next(self) -> Self {
        match self {
            Self::Date => Self::Title,
            Self::Title => Self::Status,
            Self::Status => Self::Date,
        }
    }

    /// Name for the list title.
    pub fn name(self) -> &'static str {
        match self {
            Self::Date => "date",
            Self::Title => "title",
            Self::Status => "status",
        }
    }
}

/// The memory list: which memories are visible, in which order, which is selected.
#[derive(Debug, Default)]
pub struct MemoryList {
    /// Fuzzy filter over title, overview and id.
    pub query: String,
    pub status_filter: Option<EmbeddingStatus>,
    pub category_filter: Option<CategoryKind>,
    pub sort: SortKey,
    /// Indices into the export's memories, filtered and sorted.
    pub visible: Vec<u32>,
    /// Position of the selection in `visible`.
    pub selected: usize,
    /// First visible row (scroll position).
    pub offset: usize,
    /// Marked memories (indices into the export), for batch actions.
    pub marks: BTreeSet<u32>,
    /// The query and filters `visible` was computed for, to refine instead of rescanning
    /// (`None` after [`MemoryList::invalidate`]).
    last_query: Option<(String, FilterKey)>,
    /// Select the first row when the next result is shown (a new typed query shows its
    /// best match first; other refreshes keep the selection).
    select_first: bool,
    /// The filtered and sorted rows without a query, for the filters and sort they were
    /// computed with (typing and clearing a query reuse them).
    base: Option<(FilterKey, Arc<[u32]>)>,
    /// Generation of the newest refresh.
    generation: u64,
    /// The newest generation, shared with running scans so a superseded one stops.
    newest: Arc<AtomicU64>,
    /// The scan the newest refresh needs, until the app takes it.
    job: Option<RankJob>,
    /// True from a refresh that needs a scan until a result for it is applied.
    filtering: bool,
}

/// The list's non-query filters and sort.
type FilterKey = (Option<EmbeddingStatus>, Option<CategoryKind>, SortKey);

/// Inputs the list is computed from.
pub struct ListSource<'a> {
    pub memories: &'a [Memory],
    pub haystacks: &'a Arc<Haystacks>,
    pub statuses: &'a [EmbeddingStatus],
}

/// One scan of the list filter, self-contained so it can run on any thread.
pub struct RankJob {
    generation: u64,
    key: (String, FilterKey),
    haystacks: Arc<Haystacks>,
    /// All rows passing the non-query filters, in display order.
    base: Arc<[u32]>,
    /// For a refinement of the shown query: its matches (only they can still match).
    previous: Option<Vec<u32>>,
    newest: Arc<AtomicU64>,
}

/// The rows a [`RankJob`] found, best first.
pub struct Ranked {
    generation: u64,
    key: (String, FilterKey),
    rows: Vec<u32>,
}

impl std::fmt::Debug for Ranked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ranked")
            .field("generation", &self.generation)
            .field("query", &self.key.0)
            .field("rows", &self.rows.len())
            .finish()
    }
}

impl std::fmt::Debug for RankJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RankJob")
            .field("generation", &self.generation)
            .field("query", &self.key.0)
            .field("refines", &self.previous.is_some())
            .finish()
    }
}

impl Ranked {
    /// The refresh this result answers (see [`MemoryList::generation`]).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The query it ranked.
    pub fn query(&self) -> &str {
        &self.key.0
    }
}

impl RankJob {
    /// The refresh this job answers.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True once a newer refresh superseded this job.
    pub fn is_stale(&self) -> bool {
        self.newest.load(Ordering::Relaxed) != self.generation
    }

    /// Scan (blocking: up to tens of ms at 100k memories; run it off the UI thread).
    /// `None` when a newer refresh superseded it before it finished.
    pub fn run(self) -> Option<Ranked> {
        let stop = || self.is_stale();
        let rows = match &self.previous {
            Some(previous) => {
                // Keep the previous matches in base order so ties rank exactly as a
                // fresh scan would.
                let len = self.haystacks.len();
                let mut still = vec![false; len];
                for &i in previous {
                    if let Some(flag) = still.get_mut(i as usize) {
                        *flag = true;
                    }
                }
                let candidates: Vec<u32> = self
                    .base
                    .iter()
                    .copied()
                    .filter(|&i| still.get(i as usize).copied().unwrap_or(false))
                    .collect();
                rank(&self.haystacks, &self.key.0, &candidates, &stop)?
            }
            None => rank(&self.haystacks, &self.key.0, &self.base, &stop)?,
        };
        Some(Ranked {
            generation: self.generation,
            key: self.key,
            rows,
        })
    }
}

impl MemoryList {
    /// The memory index of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).map(|i| *i as usize)
    }

    /// Recompute the list from the source. Without a query `visible` is updated here
    /// (the non-query filters and sort are cheap and cached); with one a [`RankJob`] is
    /// planned for [`MemoryList::take_job`] and `visible` changes when its result is
    /// [applied](MemoryList::apply). Either way any older pending result is superseded.
    /// The selected memory stays selected when still visible.
    pub fn refresh(&mut self, src: &ListSource<'_>) {
        let filters = (self.status_filter, self.category_filter, self.sort);
        if self.base.as_ref().is_none_or(|(k, _)| *k != filters) {
            let mut rows: Vec<u32> = (0..src.memories.len() as u32)
                .filter(|&i| self.passes_filters(src, i as usize))
                .collect();
            self.sort_rows(src, &mut rows);
            self.base = Some((filters, rows.into()));
            self.last_query = None;
        }
        let base = self
            .base
            .as_ref()
            .map(|(_, rows)| Arc::clone(rows))
            .unwrap_or_else(|| Arc::from(Vec::new()));
        self.generation += 1;
        self.newest.store(self.generation, Ordering::Relaxed);
        let key = (self.query.clone(), filters);
        if self.query.trim().is_empty() {
            self.job = None;
            self.show(key, base.to_vec());
            return;
        }
        let refine = match &self.last_query {
            Some((q, f)) => *f == filters && !q.trim().is_empty() && is_refinement(q, &self.query),
            None => false,
        };
        self.job = Some(RankJob {
            generation: self.generation,
            key,
            haystacks: Arc::clone(src.haystacks),
            base,
            previous: refine.then(|| self.visible.clone()),
            newest: Arc::clone(&self.newest),
        });
        self.filtering = true;
    }

    /// [`MemoryList::refresh`], then run the scan on this thread (tests, and callers
    /// that have no worker).
    pub fn refresh_now(&mut self, src: &ListSource<'_>) {
        self.refresh(src);
        if let Some(ranked) = self.take_job().and_then(RankJob::run) {
            self.apply(ranked);
        }
    }

    /// The scan the newest refresh needs, once (the caller runs it off the UI thread and
    /// hands the result to [`MemoryList::apply`]).
    pub fn take_job(&mut self) -> Option<RankJob> {
        self.job.take()
    }

    /// Show a scan's result; false (and nothing changes) when a newer refresh happened
    /// since the job was planned.
    pub fn apply(&mut self, ranked: Ranked) -> bool {
        if ranked.generation != self.generation {
            return false;
        }
        self.show(ranked.key, ranked.rows);
        true
    }

    /// The generation of the newest refresh (a result for any other one is dropped).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// True while the newest refresh waits for its scan (`visible` still shows the
    /// previous result).
    pub fn is_filtering(&self) -> bool {
        self.filtering
    }

    /// Set the query as typed into the filter: the next result shows its best match
    /// first. Call [`MemoryList::refresh`] after.
    pub fn set_typed_query(&mut self, query: &str) {
        self.query = query.to_string();
        self.select_first = true;
    }

    fn show(&mut self, key: (String, FilterKey), rows: Vec<u32>) {
        let keep = self.selected_index();
        self.visible = rows;
        self.last_query = Some(key);
        self.filtering = false;
        self.selected = if std::mem::take(&mut self.select_first) {
            0
        } else {
            keep.and_then(|k| self.visible.iter().position(|&i| i as usize == k))
                .unwrap_or(0)
        };
        self.clamp();
    }

    /// Forget cached orderings so the next `refresh` rescans everything (after the
    /// statuses or the export changed).
    pub fn invalidate(&mut self) {
        self.last_query = None;
        self.base = None;
    }

    fn passes_filters(&self, src: &ListSource<'_>, i: usize) -> bool {
        let status_ok = self.status_filter.is_none_or(|s| {
            src.statuses
                .get(i)
                .copied()
                .unwrap_or(EmbeddingStatus::Unknown)
                == s
        });
        let cat_ok = self
            .category_filter
            .is_none_or(|c| src.memories[i].structured.category.kind == c);
        status_ok && cat_ok
    }

    fn sort_rows(&self, src: &ListSource<'_>, rows: &mut [u32]) {
        let m = src.memories;
        let date = |i: u32| {
            m[i as usize]
                .created_at
                .as_ref()
                .map(|d| d.naive)
                .unwrap_or_default()
        };
        match self.sort {
            SortKey::Date => rows.sort_by_cached_key(|&i| (std::cmp::Reverse(date(i)), i)),
            SortKey::Title => {
                rows.sort_by_cached_key(|&i| (m[i as usize].structured.title.to_lowercase(), i))
            }
            SortKey::Status => rows.sort_by_cached_key(|&i| {
                (
                    src.statuses.get(i as usize).copied(),
                    std::cmp::Reverse(date(i)),
                    i,
                )
            }),
        }
    }

    /// Move the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() - 1;
        self.selected = self.selected.saturating_add_signed(delta).min(max);
    }

    /// Select a row by its position.
    pub fn select(&mut self, pos: usize) {
        self.selected = pos.min(self.visible.len().saturating_sub(1));
    }

    /// Select the memory with this export index, if visible.
    pub fn select_memory(&mut self, index: usize) -> bool {
        match self.visible.iter().position(|&i| i as usize == index) {
            Some(p) => {
                self.selected = p;
                true
            }
            None => false,
        }
    }

    fn clamp(&mut self) {
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Adjust the scroll offset so the selection is inside a window of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.visible.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// Mark or unmark the selected memory.
    pub fn toggle_mark(&mut self) {
        if let Some(i) = self.visible.get(self.selected).copied()
            && !self.marks.remove(&i)
        {
            self.marks.insert(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::date::OmiDate;
    use crate::omi::{Category, Structured};

    fn mem(id: &str, title: &str, day: u32, cat: &str) -> Memory {
        Memory {
            id: id.into(),
            created_at: Some(OmiDate {
                naive: chrono::NaiveDate::from_ymd_opt(2025, 1, day)
                    .unwrap()
                    .and_hms_opt(12, 0, 0)
                    .unwrap(),
                offset: None,
            }),
            structured: Structured {
                title: title.into(),
                overview: format!("about {title}"),
                category: Category::from_value(cat),
                ..Structured::default()
            },
            ..Memory::default()
        }
    }

    fn fixture() -> (Vec<Memory>, Arc<Haystacks>, Vec<EmbeddingStatus>) {
        let m = vec![
            mem("a1", "Dentist appointment", 3, "health"),
            mem("b2", "Marathon training", 5, "sports"),
            mem("c3", "Budget review", 1, "finance"),
            mem("d4", "Dental insurance call", 4, "finance"),
        ];
        let h = Arc::new(Haystacks::build(&m));
        let s = vec![
            EmbeddingStatus::Missing,
            EmbeddingStatus::Present,
            EmbeddingStatus::Missing,
            EmbeddingStatus::Fresh,
        ];
        (m, h, s)
    }

    fn titles(list: &MemoryList, m: &[Memory]) -> Vec<String> {
        list.visible
            .iter()
            .map(|&i| m[i as usize].structured.title.clone())
            .collect()
    }

    #[test]
    fn sorts_by_date_title_status() {
        let (m, h, s) = fixture();
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        let mut l = MemoryList::default();
        l.refresh_now(&src);
        assert_eq!(titles(&l, &m)[0], "Marathon training");
        l.sort = SortKey::Title;
        l.refresh_now(&src);
        assert_eq!(
            titles(&l, &m),
            [
                "Budget review",
                "Dental insurance call",
                "Dentist appointment",
                "Marathon training"
            ]
        );
        l.sort = SortKey::Status;
        l.refresh_now(&src);
        // Status order (missing, present, fresh), then newest first.
        assert_eq!(
            titles(&l, &m),
            [
                "Dentist appointment",
                "Budget review",
                "Marathon training",
                "Dental insurance call"
            ]
        );
    }

    #[test]
    fn fuzzy_filter_and_refinement() {
        let (m, h, s) = fixture();
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        let mut l = MemoryList {
            query: "dent".into(),
            ..MemoryList::default()
        };
        l.refresh_now(&src);
        assert_eq!(l.visible.len(), 2);
        l.query = "dentist".into();
        l.refresh_now(&src);
        assert_eq!(titles(&l, &m)[0], "Dentist appointment", "best match first");
        // Refining gives exactly what a fresh scan gives.
        let mut fresh = MemoryList {
            query: "dentist".into(),
            ..MemoryList::default()
        };
        fresh.refresh_now(&src);
        assert_eq!(fresh.visible, l.visible);
        l.query = "xyz".into();
        l.refresh_now(&src);
        assert!(l.visible.is_empty());
        assert_eq!(l.selected_index(), None);
        l.query = "b2".into();
        l.refresh_now(&src);
        assert_eq!(titles(&l, &m), ["Marathon training"], "id is searchable");
        l.query.clear();
        l.refresh_now(&src);
        assert_eq!(l.visible.len(), 4);
    }

    #[test]
    fn status_and_category_filters() {
        let (m, h, s) = fixture();
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        let mut l = MemoryList {
            status_filter: Some(EmbeddingStatus::Missing),
            ..MemoryList::default()
        };
        l.refresh_now(&src);
        assert_eq!(l.visible.len(), 2);
        l.category_filter = Some(CategoryKind::Finance);
        l.refresh_now(&src);
        assert_eq!(titles(&l, &m), ["Budget review"]);
    }

    #[test]
    fn selection_survives_refresh_and_marks() {
        let (m, h, s) = fixture();
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        let mut l = MemoryList::default();
        l.refresh_now(&src);
        l.move_by(2);
        let chosen = l.selected_index();
        l.toggle_mark();
        l.sort = SortKey::Title;
        l.refresh_now(&src);
        assert_eq!(l.selected_index(), chosen);
        assert_eq!(l.marks.len(), 1);
        l.toggle_mark();
        assert!(l.marks.is_empty());
        l.move_by(-10);
        assert_eq!(l.selected, 0);
        l.move_by(100);
        assert_eq!(l.selected, 3);
    }

    #[test]
    fn scroll_window_follows_selection() {
        let mut l = MemoryList {
            visible: (0..100).collect(),
            ..MemoryList::default()
        };
        l.select(50);
        l.scroll_into_view(10);
        assert_eq!(l.offset, 41);
        l.select(3);
        l.scroll_into_view(10);
        assert_eq!(l.offset, 3);
    }

    #[test]
    fn typing_gives_the_same_rows_as_a_fresh_scan() {
        let words = [
            "dentist", "dental", "marathon", "tax", "taxi", "trip", "tent", "ant",
        ];
        let mut rng = fastrand::Rng::with_seed(3);
        let m: Vec<Memory> = (0..400)
            .map(|i| {
                let t: Vec<&str> = (0..3).map(|_| words[rng.usize(..words.len())]).collect();
                let o: Vec<&str> = (0..8).map(|_| words[rng.usize(..words.len())]).collect();
                let mut x = mem(&format!("id{i}"), &t.join(" "), 1 + (i % 28) as u32, "work");
                x.structured.overview = o.join(" ");
                x
            })
            .collect();
        let h = Arc::new(Haystacks::build(&m));
        let s = vec![EmbeddingStatus::Unknown; m.len()];
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        for query in ["dentist tax", "tent !taxi", "ant  mar", "'dent trip"] {
            let mut typed = MemoryList::default();
            typed.refresh_now(&src);
            for end in 1..=query.len() {
                typed.query = query[..end].to_string();
                typed.refresh_now(&src);
                let mut fresh = MemoryList {
                    query: typed.query.clone(),
                    ..MemoryList::default()
                };
                fresh.refresh_now(&src);
                assert_eq!(typed.visible, fresh.visible, "query {:?}", typed.query);
            }
        }
    }

    #[test]
    fn a_superseded_scan_stops_and_its_result_is_dropped() {
        let (m, h, s) = fixture();
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        let mut l = MemoryList::default();
        l.refresh_now(&src);
        l.set_typed_query("dent");
        l.refresh(&src);
        assert!(l.is_filtering());
        assert_eq!(l.visible.len(), 4, "refresh itself never scans");
        let first = l.take_job().unwrap();
        assert!(l.take_job().is_none(), "a job is handed out once");
        let first_result = first.run().unwrap();
        l.set_typed_query("dentist");
        l.refresh(&src);
        let second = l.take_job().unwrap();
        // The older result arrives late: dropped.
        assert!(!l.apply(first_result));
        assert_eq!(l.visible.len(), 4);
        // A job superseded before it runs stops without a result.
        l.query = "budget".into();
        l.refresh(&src);
        assert!(second.is_stale());
        assert!(second.run().is_none());
        let third = l.take_job().unwrap().run().unwrap();
        assert!(l.apply(third));
        assert_eq!(titles(&l, &m), ["Budget review"]);
        assert!(!l.is_filtering());
        // Clearing the query needs no scan and supersedes any pending one.
        l.query = "marathon".into();
        l.refresh(&src);
        let pending = l.take_job().unwrap();
        l.query.clear();
        l.refresh(&src);
        assert!(!l.is_filtering());
        assert_eq!(l.visible.len(), 4);
        assert!(pending.run().is_none());
    }
}
