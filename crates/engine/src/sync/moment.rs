//! Where in a conversation a hit's answer is: the moment a search found, for people to
//! see (`[00:12:31–00:13:40] Speaker 1: …the deposit is due Friday…`) and for the TUI to
//! scroll to.
//!
//! A hit found through a transcript chunk (the chunk side's best chunk) shows that chunk;
//! a hit whose full-text match is in the transcript shows the chunk holding the matched
//! segment. Chunks are Omi's ([`crate::omi::chunks::transcript_chunks`], the one
//! chunker). The query's words are marked in the chunk's lines ([`word_highlights`]), and
//! the segment that answers is named: the full-text match's segment, else the chunk's line
//! with the most query words.

use serde::Serialize;

use crate::omi::Memory;
use crate::omi::chunks::{TranscriptChunk, speaker_label, transcript_chunks};
use crate::sync::fulltext::{Field, is_cjk};
use crate::sync::hybrid::HybridHit;
use crate::sync::lexical::is_stop_word;

/// How the moment was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MomentSource {
    /// The chunk side's best chunk of the conversation.
    Chunk,
    /// The full-text side's match in a transcript segment.
    Transcript,
}

/// One transcript line of a moment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MomentLine {
    /// Index into `Memory::transcript`.
    pub segment: usize,
    /// Seconds from the start of the recording.
    pub start_seconds: f64,
    /// `User`, `Speaker 1` (Omi's chunk label).
    pub speaker: String,
    /// The segment's text, trimmed.
    pub text: String,
    /// Byte ranges of `text` holding the query's words.
    pub highlights: Vec<(usize, usize)>,
}

/// The moment of one hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Moment {
    pub conversation_id: String,
    pub source: MomentSource,
    /// The chunk (0-based, `c{chunk_index}` in `ns_tchunks`); `None` when the matched
    /// segment is in no chunk.
    pub chunk_index: Option<usize>,
    /// Start of the chunk's first segment, seconds from the start of the recording.
    pub start_seconds: f64,
    /// End of the chunk's last segment, seconds.
    pub end_seconds: f64,
    /// The segment that answers (index into `Memory::transcript`).
    pub segment: usize,
    /// The chunk's lines (or the matched segment alone), in order.
    pub lines: Vec<MomentLine>,
}

impl Moment {
    /// `00:12:31–00:13:40`.
    pub fn range(&self) -> String {
        format!(
            "{}–{}",
            crate::sync::fulltext::clock(self.start_seconds),
            crate::sync::fulltext::clock(self.end_seconds)
        )
    }

    /// The line of the answering segment.
    pub fn answer(&self) -> Option<&MomentLine> {
        self.lines.iter().find(|l| l.segment == self.segment)
    }
}

/// The moment of `hit` in `memory` (the hit's conversation) for `query`: from the chunk
/// side when it found the conversation, else from a full-text match in the transcript
/// (the segment holding the most of the query's words). `None` when neither (found by its
/// overview alone, a transcript without segments, or a match of stop words only).
pub fn moment(memory: &Memory, hit: &HybridHit, query: &str) -> Option<Moment> {
    let chunks = transcript_chunks(memory);
    let terms = query_terms(query);
    if let Some(side) = &hit.chunk
        && let Some(chunk) = chunks.iter().find(|c| c.chunk_index == side.chunk_index)
    {
        let lines = chunk_lines(memory, &chunk.segments, &terms);
        let segment = best_segment(memory, &chunk.segments, &terms).unwrap_or(chunk.segments[0]);
        return Some(Moment {
            conversation_id: memory.id.clone(),
            source: MomentSource::Chunk,
            chunk_index: Some(chunk.chunk_index),
            start_seconds: chunk.start_seconds,
            end_seconds: chunk.end_seconds,
            segment,
            lines,
        });
    }
    // The full-text side reports the first matching lines only (stop words match too):
    // the answer is the segment holding the most of the query's words.
    // A transcript matched by stop words alone (a relaxed query) has no moment.
    hit.text
        .as_ref()?
        .matches
        .iter()
        .find(|m| m.field == Field::Transcript)?;
    let all: Vec<usize> = (0..memory.transcript.len()).collect();
    let segment = best_segment(memory, &all, &terms)?;
    let seg = memory.transcript.get(segment)?;
    match containing_chunk(&chunks, segment) {
        Some(chunk) => Some(Moment {
            conversation_id: memory.id.clone(),
            source: MomentSource::Transcript,
            chunk_index: Some(chunk.chunk_index),
            start_seconds: chunk.start_seconds,
            end_seconds: chunk.end_seconds,
            segment,
            lines: chunk_lines(memory, &chunk.segments, &terms),
        }),
        None => Some(Moment {
            conversation_id: memory.id.clone(),
            source: MomentSource::Transcript,
            chunk_index: None,
            start_seconds: seg.start,
            end_seconds: seg.end.max(seg.start),
            segment,
            lines: chunk_lines(memory, &[segment], &terms),
        }),
    }
}

/// The chunk holding `segment` most centrally (chunks overlap by two lines).
fn containing_chunk(chunks: &[TranscriptChunk], segment: usize) -> Option<&TranscriptChunk> {
    chunks
        .iter()
        .filter_map(|c| {
            let pos = c.segments.iter().position(|s| *s == segment)?;
            Some((pos.min(c.segments.len() - 1 - pos), c))
        })
        .max_by_key(|(margin, c)| (*margin, std::cmp::Reverse(c.chunk_index)))
        .map(|(_, c)| c)
}

/// Of `segments`, the one holding the most distinct query words (the earliest on a tie);
/// `None` when none holds any.
fn best_segment(memory: &Memory, segments: &[usize], terms: &[QueryTerm]) -> Option<usize> {
    segments
        .iter()
        .filter_map(|&i| {
            let text = &memory.transcript.get(i)?.text;
            let n = terms
                .iter()
                .filter(|t| !highlights(text, std::slice::from_ref(*t)).is_empty())
                .count();
            (n > 0).then_some((n, std::cmp::Reverse(i)))
        })
        .max()
        .map(|(_, std::cmp::Reverse(i))| i)
}

fn chunk_lines(memory: &Memory, segments: &[usize], terms: &[QueryTerm]) -> Vec<MomentLine> {
    segments
        .iter()
        .filter_map(|&i| {
            let seg = memory.transcript.get(i)?;
            let text = seg.text.trim().to_string();
            Some(MomentLine {
                segment: i,
                start_seconds: seg.start,
                speaker: speaker_label(seg),
                highlights: highlights(&text, terms),
                text,
            })
        })
        .collect()
}

/// A word of the query to mark: a lower-cased word, or a CJK substring.
#[derive(Debug, Clone, PartialEq, Eq)]
enum QueryTerm {
    Word(String),
    Cjk(String),
}

/// Push a CJK run (as its two-character parts) and a word (unless a stop word); empty both.
fn flush(run: &mut Vec<char>, other: &mut String, out: &mut Vec<QueryTerm>) {
    match run.len() {
        0 => {}
        1 => out.push(QueryTerm::Cjk(run[0].to_string())),
        _ => out.extend(run.windows(2).map(|w| QueryTerm::Cjk(w.iter().collect()))),
    }
    run.clear();
    if !other.is_empty() && !is_stop_word(other) {
        out.push(QueryTerm::Word(other.to_lowercase()));
    }
    other.clear();
}

fn query_terms(query: &str) -> Vec<QueryTerm> {
    let mut out = Vec::new();
    for word in query.split(|c: char| !(c.is_alphanumeric() || c == '\'')) {
        let word = word.trim_matches('\'');
        if word.is_empty() || word == "OR" {
            continue;
        }
        let mut run: Vec<char> = Vec::new();
        let mut other = String::new();
        for c in word.chars() {
            if is_cjk(c) {
                if !other.is_empty() {
                    let mut none = Vec::new();
                    flush(&mut none, &mut other, &mut out);
                }
                run.push(c);
            } else {
                if !run.is_empty() {
                    let mut nothing = String::new();
                    flush(&mut run, &mut nothing, &mut out);
                }
                other.push(c);
            }
        }
        flush(&mut run, &mut other, &mut out);
    }
    out.dedup();
    out
}

/// Whether a word of the text is a form of a query word: the same word, one that starts
/// with it (`deposit` → `deposits`), or one sharing all but a short ending with it
/// (`catering` / `caterer`), as a stemmer would; words under 3 letters only exactly.
fn same_word(text_word: &str, query_word: &str) -> bool {
    if text_word == query_word {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) =
        (text_word.chars().collect(), query_word.chars().collect());
    if a.len() < 3 || b.len() < 3 {
        return false;
    }
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    common == b.len() || (common >= 4 && common + 3 >= a.len().max(b.len()))
}

fn highlights(text: &str, terms: &[QueryTerm]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    // Words of the text with their byte ranges.
    let mut start = None;
    let mut words = Vec::new();
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let inside = (c.is_alphanumeric() || c == '\'') && !is_cjk(c);
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                words.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    for term in terms {
        match term {
            QueryTerm::Word(w) => out.extend(
                words
                    .iter()
                    .filter(|(s, e)| same_word(&text[*s..*e].trim_matches('\'').to_lowercase(), w))
                    .copied(),
            ),
            QueryTerm::Cjk(sub) => out.extend(
                text.match_indices(sub.as_str())
                    .map(|(i, m)| (i, i + m.len())),
            ),
        }
    }
    out.sort_unstable();
    // Merge overlapping ranges (two bigrams of one run).
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(out.len());
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// Byte ranges of `text` holding the words of `query` (stop words left out; a word's
/// other forms, `deposits` for `deposit`, count; CJK runs by their two-character parts).
pub fn word_highlights(text: &str, query: &str) -> Vec<(usize, usize)> {
    highlights(text, &query_terms(query))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::date::OmiDate;
    use crate::omi::model::TranscriptSegment;
    use crate::sync::fulltext::{FieldMatch, Snippet, TextHit};
    use crate::sync::hybrid::ChunkSideHit;

    fn conversation(lines: usize) -> Memory {
        let mut m = Memory {
            id: "c1".into(),
            created_at: Some(OmiDate::parse("2026-03-04T09:02:00+00:00").unwrap()),
            ..Memory::default()
        };
        m.transcript = (0..lines)
            .map(|i| TranscriptSegment {
                text: if i == 9 {
                    " The deposit is due Friday, said the caterer. ".into()
                } else {
                    format!("line {i}")
                },
                speaker_id: Some(1),
                start: i as f64 * 10.0,
                end: i as f64 * 10.0 + 8.0,
                ..TranscriptSegment::default()
            })
            .collect();
        m
    }

    fn hit() -> HybridHit {
        HybridHit {
            rank: 1,
            memory_id: "c1".into(),
            score: 0.0,
            semantic: None,
            text: None,
            chunk: None,
        }
    }

    #[test]
    fn a_transcript_match_shows_the_chunk_holding_it() {
        let m = conversation(20);
        let mut h = hit();
        h.text = Some(TextHit {
            rank: 1,
            memory_id: "c1".into(),
            score: 1.0,
            created_at: None,
            matches: vec![FieldMatch {
                field: Field::Transcript,
                item: 9,
                time: Some(90.0),
                snippet: Snippet {
                    text: "deposit".into(),
                    highlights: vec![],
                },
            }],
        });
        let got = moment(&m, &h, "when is the deposits due?").unwrap();
        assert_eq!(got.source, MomentSource::Transcript);
        // Chunks: 0–7, 6–13, 12–19: segment 9 sits most centrally in chunk 1.
        assert_eq!(got.chunk_index, Some(1));
        assert_eq!((got.start_seconds, got.end_seconds), (60.0, 138.0));
        assert_eq!(got.range(), "00:01:00–00:02:18");
        assert_eq!(got.segment, 9);
        let line = got.answer().unwrap();
        assert_eq!(line.speaker, "Speaker 1");
        assert_eq!(line.text, "The deposit is due Friday, said the caterer.");
        let marked: Vec<&str> = line
            .highlights
            .iter()
            .map(|(s, e)| &line.text[*s..*e])
            .collect();
        assert_eq!(marked, ["deposit", "due"]);
        assert_eq!(got.lines.len(), 8);
    }

    #[test]
    fn a_chunk_hit_names_its_line_with_the_most_query_words() {
        let m = conversation(20);
        let mut h = hit();
        h.chunk = Some(ChunkSideHit {
            rank: 1,
            score: 0.7,
            chunk_index: 2,
            start_seconds: 120.0,
            end_seconds: 198.0,
        });
        let got = moment(&m, &h, "caterer deposit").unwrap();
        assert_eq!(got.source, MomentSource::Chunk);
        assert_eq!(got.chunk_index, Some(2));
        assert_eq!(got.segment, 12, "no line holds a word: the first");
        let got = moment(
            &m,
            &{
                let mut h = h.clone();
                h.chunk.as_mut().unwrap().chunk_index = 1;
                h
            },
            "caterer deposit",
        )
        .unwrap();
        assert_eq!(got.segment, 9);
        assert!(moment(&m, &hit(), "deposit").is_none());
    }

    #[test]
    fn word_forms_and_cjk() {
        let text = "Catering deposits: 東京出張の会議 on Friday";
        let marked = |q: &str| -> Vec<String> {
            word_highlights(text, q)
                .iter()
                .map(|(s, e)| text[*s..*e].to_string())
                .collect()
        };
        assert_eq!(marked("caterer deposit"), ["Catering", "deposits"]);
        assert_eq!(marked("東京出張"), ["東京出張"]);
        assert_eq!(marked("the on of"), Vec::<String>::new());
        assert_eq!(marked("fri"), ["Friday"]);
        assert_eq!(marked("at"), Vec::<String>::new());
    }
}
