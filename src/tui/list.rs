//! The memory list's state: the filtered and sorted view of the export, the selection,
//! the scroll window and the marks. Pure logic, no drawing.

use std::collections::BTreeSet;

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32String};

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

/// Search text of every memory, prepared once at load for the matcher: the title is
/// matched fuzzily (and ranked), the id and the overview by substring (a fuzzy
/// subsequence over a long overview or a hex id matches nearly any short query, which is
/// noise, not a filter). The lowercased texts of all memories sit in one buffer, in
/// memory order, so a scan reads memory sequentially instead of chasing 100k pointers.
#[derive(Debug, Clone, Default)]
pub struct Haystacks {
    /// `title id overview`, lowercased, for every memory back to back.
    lower: String,
    spans: Vec<HaySpan>,
    /// Titles as the scorer wants them (read only for rows that pass the pre-check).
    titles: Vec<Utf32String>,
    /// Overviews in their own case (smart case: a query with capitals).
    overviews: Vec<Box<str>>,
}

#[derive(Debug, Clone, Copy)]
struct HaySpan {
    start: u32,
    title: u32,
    id: u32,
    overview: u32,
}

/// One memory's view into [`Haystacks`].
struct Hay<'a> {
    title: &'a Utf32String,
    title_lower: &'a str,
    id_lower: &'a str,
    overview: &'a str,
    overview_lower: &'a str,
}

impl Haystacks {
    /// Prepare the search text of `memories`.
    pub fn build(memories: &[Memory]) -> Self {
        let mut h = Self::default();
        for m in memories {
            let s = &m.structured;
            let start = h.lower.len() as u32;
            let title = s.title.to_lowercase();
            let id = m.id.to_lowercase();
            let overview = s.overview.to_lowercase();
            h.lower.push_str(&title);
            h.lower.push_str(&id);
            h.lower.push_str(&overview);
            h.spans.push(HaySpan {
                start,
                title: title.len() as u32,
                id: id.len() as u32,
                overview: overview.len() as u32,
            });
            h.titles.push(Utf32String::from(s.title.as_str()));
            h.overviews.push(s.overview.as_str().into());
        }
        h
    }

    fn get(&self, i: usize) -> Option<Hay<'_>> {
        let sp = *self.spans.get(i)?;
        let a = sp.start as usize;
        let b = a + sp.title as usize;
        let c = b + sp.id as usize;
        let d = c + sp.overview as usize;
        Some(Hay {
            title: &self.titles[i],
            title_lower: self.lower.get(a..b)?,
            id_lower: self.lower.get(b..c)?,
            overview: &self.overviews[i],
            overview_lower: self.lower.get(c..d)?,
        })
    }
}

/// True when every byte of `needle` occurs in `hay` in order (a necessary condition for a
/// fuzzy match of an ASCII needle, checked with memchr before the real scorer runs).
fn is_subsequence(needle: &[u8], hay: &[u8]) -> bool {
    let mut rest = hay;
    for &b in needle {
        match memchr::memchr(b, rest) {
            Some(i) => rest = &rest[i + 1..],
            None => return false,
        }
    }
    true
}

/// A plain fuzzy word: (needle, ignore case, the lowercased needle's bytes when ASCII).
type GreedyNeedle = (Utf32String, bool, Option<Box<[u8]>>);

/// One word of the query: how it matches the title/id, and the overview.
struct QueryAtom {
    title: Atom,
    /// Plain fuzzy words use nucleo's greedy matcher on the title (several times faster
    /// than the optimal one, and titles are short enough that the ranking barely differs).
    greedy: Option<GreedyNeedle>,
    /// Substring searched in the overview (memchr's SIMD `memmem`); case-insensitive
    /// unless the word has an upper-case letter (smart case, as for the title).
    overview: Option<(memchr::memmem::Finder<'static>, bool)>,
    negative: bool,
}

impl QueryAtom {
    fn in_overview(&self, hay: &Hay<'_>) -> bool {
        match &self.overview {
            Some((finder, ignore_case)) => {
                let text = if *ignore_case {
                    hay.overview_lower
                } else {
                    hay.overview
                };
                finder.find(text.as_bytes()).is_some()
            }
            None => false,
        }
    }

    fn in_id(&self, hay: &Hay<'_>) -> bool {
        self.overview
            .as_ref()
            .is_some_and(|(finder, _)| finder.find(hay.id_lower.as_bytes()).is_some())
    }

    /// Fuzzy score on the title.
    fn title_score(&self, hay: &Hay<'_>, matcher: &mut Matcher) -> Option<u16> {
        match &self.greedy {
            Some((needle, ignore_case, ascii)) => {
                if let Some(bytes) = ascii
                    && *ignore_case
                    && !is_subsequence(bytes, hay.title_lower.as_bytes())
                {
                    return None;
                }
                matcher.config.ignore_case = *ignore_case;
                matcher.config.normalize = true;
                matcher.fuzzy_match_greedy(hay.title.slice(..), needle.slice(..))
            }
            None => self.title.score(hay.title.slice(..), matcher),
        }
    }
}

fn parse_query(query: &str) -> Vec<QueryAtom> {
    query
        .split_whitespace()
        .map(|word| {
            let title = Atom::parse(word, CaseMatching::Smart, Normalization::Smart);
            let negative = title.negative;
            let needle = title.needle_text().to_string();
            let overview = match title.kind {
                AtomKind::Fuzzy | AtomKind::Substring if !needle.is_empty() => {
                    let ignore_case = !word.chars().any(char::is_uppercase);
                    let text = if ignore_case {
                        needle.to_lowercase()
                    } else {
                        needle.clone()
                    };
                    Some((
                        memchr::memmem::Finder::new(text.as_bytes()).into_owned(),
                        ignore_case,
                    ))
                }
                _ => None,
            };
            let greedy = (title.kind == AtomKind::Fuzzy && !negative).then(|| {
                let ignore_case = !word.chars().any(char::is_uppercase);
                let ascii = needle
                    .is_ascii()
                    .then(|| needle.to_ascii_lowercase().into_bytes().into_boxed_slice());
                (Utf32String::from(needle.as_str()), ignore_case, ascii)
            });
            QueryAtom {
                title,
                greedy,
                overview,
                negative,
            }
        })
        .collect()
}

/// Score of a memory for the query (higher is better), `None` when it does not match.
fn score(atoms: &[QueryAtom], hay: &Hay<'_>, matcher: &mut Matcher) -> Option<u32> {
    let mut total = 0u32;
    for atom in atoms {
        let in_title = atom.title_score(hay, matcher);
        if atom.negative {
            // Negated atoms must hold on every field.
            in_title?;
            if atom.in_overview(hay) {
                return None;
            }
            continue;
        }
        match in_title {
            // Title/id matches rank above overview-only ones.
            Some(s) => total += 1000 + s as u32,
            None if atom.in_id(hay) => total += 500,
            None => {
                if !atom.in_overview(hay) {
                    return None;
                }
                total += 1;
            }
        }
    }
    Some(total)
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
    /// The query `visible` was computed for, to refine instead of rescanning.
    last_query: Option<(String, FilterKey)>,
    /// The filtered and sorted rows without a query, for the filters and sort they were
    /// computed with (typing and clearing a query reuse them).
    base: Option<(FilterKey, Vec<u32>)>,
}

/// The list's non-query filters and sort.
type FilterKey = (Option<EmbeddingStatus>, Option<CategoryKind>, SortKey);

/// Below this many candidates one thread scores them all.
const PARALLEL_THRESHOLD: usize = 20_000;

/// Inputs the list is computed from.
pub struct ListSource<'a> {
    pub memories: &'a [Memory],
    pub haystacks: &'a Haystacks,
    pub statuses: &'a [EmbeddingStatus],
}

fn is_refinement(old: &str, new: &str) -> bool {
    // Appending plain characters to a fuzzy query can only narrow its matches; pattern
    // syntax (`!`, `^`, `$`, `'`, `\`) can change an atom's kind, so rescan then.
    new.starts_with(old)
        && !old.ends_with('\\')
        && !new[old.len()..].contains(['!', '^', '$', '\'', '\\'])
        && !old.contains(['!', '^', '$', '\'', '\\'])
}

impl MemoryList {
    /// The memory index of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).map(|i| *i as usize)
    }

    /// Recompute `visible` from the source, keeping the selected memory when it is still
    /// visible.
    pub fn refresh(&mut self, src: &ListSource<'_>) {
        let keep = self.selected_index();
        let filters = (self.status_filter, self.category_filter, self.sort);
        if self.base.as_ref().is_none_or(|(k, _)| *k != filters) {
            let mut rows: Vec<u32> = (0..src.memories.len() as u32)
                .filter(|&i| self.passes_filters(src, i as usize))
                .collect();
            self.sort_rows(src, &mut rows);
            self.base = Some((filters, rows));
            self.last_query = None;
        }
        let base = self
            .base
            .as_ref()
            .map(|(_, rows)| rows.as_slice())
            .unwrap_or(&[]);
        let key = (self.query.clone(), filters);
        let refine = match &self.last_query {
            Some((q, f)) => *f == filters && !q.trim().is_empty() && is_refinement(q, &self.query),
            None => false,
        };
        self.visible = if self.query.trim().is_empty() {
            base.to_vec()
        } else if refine {
            // Only the previous matches can still match; keep them in base order so ties
            // rank exactly as a fresh scan would.
            let mut still = vec![false; src.memories.len()];
            for &i in &self.visible {
                if let Some(flag) = still.get_mut(i as usize) {
                    *flag = true;
                }
            }
            let candidates: Vec<u32> = base
                .iter()
                .copied()
                .filter(|&i| still.get(i as usize).copied().unwrap_or(false))
                .collect();
            rank(src, &self.query, &candidates)
        } else {
            rank(src, &self.query, base)
        };
        self.last_query = Some(key);
        self.selected = keep
            .and_then(|k| self.visible.iter().position(|&i| i as usize == k))
            .unwrap_or(0);
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

/// Rows of `candidates` matching `query`, best first (ties keep the candidates' order).
/// Large lists are scored on two threads.
fn rank(src: &ListSource<'_>, query: &str, candidates: &[u32]) -> Vec<u32> {
    let atoms = parse_query(query);
    let score_chunk = |chunk: &[u32]| -> Vec<(u32, u32)> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        chunk
            .iter()
            .filter_map(|&i| {
                let hay = src.haystacks.get(i as usize)?;
                score(&atoms, &hay, &mut matcher).map(|s| (s, i))
            })
            .collect()
    };
    let mut scored: Vec<(u32, u32)> = if candidates.len() < PARALLEL_THRESHOLD {
        score_chunk(candidates)
    } else {
        let (a, b) = candidates.split_at(candidates.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| score_chunk(b));
            let mut first = score_chunk(a);
            match other.join() {
                Ok(second) => first.extend(second),
                Err(_) => first.extend(score_chunk(b)),
            }
            first
        })
    };
    // Stable: equal scores keep the base order (date, title or status).
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    scored.into_iter().map(|(_, i)| i).collect()
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

    fn fixture() -> (Vec<Memory>, Haystacks, Vec<EmbeddingStatus>) {
        let m = vec![
            mem("a1", "Dentist appointment", 3, "health"),
            mem("b2", "Marathon training", 5, "sports"),
            mem("c3", "Budget review", 1, "finance"),
            mem("d4", "Dental insurance call", 4, "finance"),
        ];
        let h = Haystacks::build(&m);
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
        l.refresh(&src);
        assert_eq!(titles(&l, &m)[0], "Marathon training");
        l.sort = SortKey::Title;
        l.refresh(&src);
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
        l.refresh(&src);
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
        l.refresh(&src);
        assert_eq!(l.visible.len(), 2);
        l.query = "dentist".into();
        l.refresh(&src);
        assert_eq!(titles(&l, &m)[0], "Dentist appointment", "best match first");
        // Refining gives exactly what a fresh scan gives.
        let mut fresh = MemoryList {
            query: "dentist".into(),
            ..MemoryList::default()
        };
        fresh.refresh(&src);
        assert_eq!(fresh.visible, l.visible);
        l.query = "xyz".into();
        l.refresh(&src);
        assert!(l.visible.is_empty());
        assert_eq!(l.selected_index(), None);
        l.query = "b2".into();
        l.refresh(&src);
        assert_eq!(titles(&l, &m), ["Marathon training"], "id is searchable");
        l.query.clear();
        l.refresh(&src);
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
        l.refresh(&src);
        assert_eq!(l.visible.len(), 2);
        l.category_filter = Some(CategoryKind::Finance);
        l.refresh(&src);
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
        l.refresh(&src);
        l.move_by(2);
        let chosen = l.selected_index();
        l.toggle_mark();
        l.sort = SortKey::Title;
        l.refresh(&src);
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
        let h = Haystacks::build(&m);
        let s = vec![EmbeddingStatus::Unknown; m.len()];
        let src = ListSource {
            memories: &m,
            haystacks: &h,
            statuses: &s,
        };
        for query in ["dentist tax", "tent !taxi", "ant  mar", "'dent trip"] {
            let mut typed = MemoryList::default();
            typed.refresh(&src);
            for end in 1..=query.len() {
                typed.query = query[..end].to_string();
                typed.refresh(&src);
                let mut fresh = MemoryList {
                    query: typed.query.clone(),
                    ..MemoryList::default()
                };
                fresh.refresh(&src);
                assert_eq!(typed.visible, fresh.visible, "query {:?}", typed.query);
            }
        }
    }
}
