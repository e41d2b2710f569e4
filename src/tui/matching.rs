//! What the list filter (`/`) matches and how it ranks: the search text of every memory
//! ([`Haystacks`], built once at load) and [`rank`], a pure function from a query and
//! candidate rows to the matching rows, best first. Scheduling (off the UI thread, newest
//! wins) lives in [`crate::tui::list`] and the app; a new way of matching (another field,
//! a toggle) changes only this module and the job's key there.

use nucleo_matcher::pattern::{Atom, AtomKind, CaseMatching, Normalization};
use nucleo_matcher::{Config, Matcher, Utf32String};

use crate::omi::Memory;

/// Below this many candidates one thread scores them all.
const PARALLEL_THRESHOLD: usize = 20_000;

/// Rows scored between two checks of the stop flag (about 0.1–0.3 ms of work).
const STOP_CHECK_EVERY: usize = 4096;

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

    /// Number of memories.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
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

/// True when every row matching `new` also matches `old`, so a scan for `new` need only
/// look at `old`'s matches. Appending plain characters to a fuzzy query can only narrow
/// its matches; pattern syntax (`!`, `^`, `$`, `'`, `\`) can change an atom's kind, so
/// rescan then.
pub fn is_refinement(old: &str, new: &str) -> bool {
    new.starts_with(old)
        && !old.ends_with('\\')
        && !new[old.len()..].contains(['!', '^', '$', '\'', '\\'])
        && !old.contains(['!', '^', '$', '\'', '\\'])
}

/// Rows of `candidates` matching `query`, best first (ties keep the candidates' order).
/// Large lists are scored on two threads. `stop` is polled every few thousand rows: when
/// it turns true (a newer query superseded this one) the scan ends with `None`.
pub fn rank(
    haystacks: &Haystacks,
    query: &str,
    candidates: &[u32],
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<Vec<u32>> {
    let atoms = parse_query(query);
    let score_chunk = |chunk: &[u32]| -> Option<Vec<(u32, u32)>> {
        let mut matcher = Matcher::new(Config::DEFAULT);
        let mut out = Vec::new();
        for block in chunk.chunks(STOP_CHECK_EVERY) {
            if stop() {
                return None;
            }
            out.extend(block.iter().filter_map(|&i| {
                let hay = haystacks.get(i as usize)?;
                score(&atoms, &hay, &mut matcher).map(|s| (s, i))
            }));
        }
        Some(out)
    };
    let mut scored: Vec<(u32, u32)> = if candidates.len() < PARALLEL_THRESHOLD {
        score_chunk(candidates)?
    } else {
        let (a, b) = candidates.split_at(candidates.len() / 2);
        std::thread::scope(|scope| {
            let other = scope.spawn(|| score_chunk(b));
            let mut first = score_chunk(a)?;
            let second = match other.join() {
                Ok(second) => second,
                Err(_) => score_chunk(b),
            };
            first.extend(second?);
            Some(first)
        })?
    };
    // Stable: equal scores keep the base order (date, title or status).
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    Some(scored.into_iter().map(|(_, i)| i).collect())
}
