//! Omi's transcript chunks (`ns_tchunks`): the verbatim transcript in overlapping windows,
//! exactly as `build_transcript_chunks` in Omi's
//! `backend/utils/conversations/transcript_chunks.py` makes them
//! (`../shared/specs/omi-namespaces-2026.md` §1.1), with the vector id and metadata of §1.2.
//!
//! The one chunker of memlens: the search (chunk vectors, the moment of a hit) and the
//! `ns_tchunks` record kind both call [`transcript_chunks`].

use chrono::{Datelike, Timelike};

use crate::conventions::{KEY_CREATED_AT, KEY_UID};
use crate::date::OmiDate;
use crate::model::{Memory, TranscriptSegment};
use crate::pystr;
use crate::vector::{MetaValue, Metadata};

/// The namespace Omi stores transcript chunk vectors in (§1.2).
pub const CHUNKS_NAMESPACE: &str = "ns_tchunks";
/// Transcript lines per chunk (§1.1 step 5).
pub const CHUNK_LINES: usize = 8;
/// Lines between the starts of two chunks: two lines of overlap (§1.1 step 5).
pub const CHUNK_STEP: usize = 6;
/// Metadata key of the chunk's conversation (§1.2).
pub const KEY_CONVERSATION_ID: &str = "conversation_id";
/// Metadata key of the chunk's position, 0-based (§1.2).
pub const KEY_CHUNK_INDEX: &str = "chunk_index";
/// How many chunks Omi's chat asks for per search (3 × its limit of at most 20, §1.5).
pub const CHAT_TOP_K: usize = 60;

/// One transcript chunk of a conversation: Omi's text plus where it lies in the transcript.
#[derive(Debug, Clone, PartialEq)]
pub struct TranscriptChunk {
    /// 0-based position (`c{chunk_index}` in the vector id).
    pub chunk_index: usize,
    /// Unix seconds of `started_at or created_at`, truncated like Python's `int()`; 0 when
    /// neither date is set (§1.1 step 4).
    pub created_at: i64,
    /// The exact text Omi embeds: the date header (when a date is set) and the window's
    /// lines joined by `\n`.
    pub text: String,
    /// Indices into `Memory::transcript` of the segments whose lines the chunk holds, in
    /// order (blank segments give no line, so these need not be contiguous).
    pub segments: Vec<usize>,
    /// Start of the chunk's first segment, in seconds from the start of the recording.
    pub start_seconds: f64,
    /// End of the chunk's last segment, in seconds from the start of the recording.
    pub end_seconds: f64,
}

impl TranscriptChunk {
    /// The window's lines (without the date header), `"{label}: {text}"` each.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        let body = match self.text.split_once('\n') {
            Some((head, rest)) if head.starts_with("[Conversation on ") => rest,
            _ => self.text.as_str(),
        };
        body.split('\n')
    }
}

/// How many chunks `n` transcript lines make: 0 for none, 1 for up to 8, else
/// ⌈(n − 8) / 6⌉ + 1 (§1.1 step 5; 14 lines → 2).
pub fn chunk_count(lines: usize) -> usize {
    match lines {
        0 => 0,
        n if n <= CHUNK_LINES => 1,
        n => (n - CHUNK_LINES).div_ceil(CHUNK_STEP) + 1,
    }
}

/// The speaker label of a line (§1.1 step 2): `User`, `Speaker {speaker_id}`, or `Speaker`.
pub fn speaker_label(segment: &TranscriptSegment) -> String {
    if segment.is_user {
        "User".to_string()
    } else if let Some(id) = segment.speaker_id {
        format!("Speaker {id}")
    } else {
        "Speaker".to_string()
    }
}

/// The date the chunks are headed and stamped with: `started_at or created_at` (§1.1).
pub fn chunk_date(memory: &Memory) -> Option<&OmiDate> {
    memory.started_at.as_ref().or(memory.created_at.as_ref())
}

/// `[Conversation on 04 Mar 2026, 09:02]\n` for a date in UTC (a date with no offset is
/// taken as UTC, as Omi's server runs in UTC). `%Y` is not zero-padded (glibc).
pub fn chunk_header(date: &OmiDate) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let utc = utc_naive(date);
    format!(
        "[Conversation on {:02} {} {}, {:02}:{:02}]\n",
        utc.day(),
        MONTHS[utc.month0() as usize],
        utc.year(),
        utc.hour(),
        utc.minute()
    )
}

/// `int(dt.timestamp())`: Unix seconds truncated toward zero (so before 1970 a fraction
/// rounds up, unlike a floor).
pub fn chunk_created_at(date: &OmiDate) -> i64 {
    let secs = date.timestamp();
    if secs < 0 && date.microsecond() != 0 {
        secs + 1
    } else {
        secs
    }
}

fn utc_naive(date: &OmiDate) -> chrono::NaiveDateTime {
    match date.offset {
        Some(o) => date.naive - chrono::Duration::seconds(i64::from(o.local_minus_utc())),
        None => date.naive,
    }
}

/// Omi's transcript chunks of a conversation (§1.1): one line per segment whose
/// Python-stripped text is not empty, windows of 8 lines with step 6, each headed by the
/// conversation's date when it has one. No lines → no chunks.
pub fn transcript_chunks(memory: &Memory) -> Vec<TranscriptChunk> {
    let lines: Vec<(usize, String)> = memory
        .transcript
        .iter()
        .enumerate()
        .filter_map(|(i, seg)| {
            let text = pystr::strip(&seg.text);
            (!text.is_empty()).then(|| (i, format!("{}: {text}", speaker_label(seg))))
        })
        .collect();
    let date = chunk_date(memory);
    let header = date.map(chunk_header).unwrap_or_default();
    let created_at = date.map(chunk_created_at).unwrap_or(0);
    (0..chunk_count(lines.len()))
        .map(|chunk_index| {
            let first = chunk_index * CHUNK_STEP;
            let window = &lines[first..(first + CHUNK_LINES).min(lines.len())];
            let mut text = header.clone();
            for (n, (_, line)) in window.iter().enumerate() {
                if n > 0 {
                    text.push('\n');
                }
                text.push_str(line);
            }
            let segments: Vec<usize> = window.iter().map(|(i, _)| *i).collect();
            let start_seconds = memory.transcript[segments[0]].start;
            let end_seconds = memory.transcript[segments[segments.len() - 1]].end;
            TranscriptChunk {
                chunk_index,
                created_at,
                text,
                segments,
                start_seconds,
                end_seconds,
            }
        })
        .collect()
}

/// The vector id of a chunk: `{uid}-{conversation_id}-c{chunk_index}` (§1.2).
pub fn chunk_vector_id(uid: &str, conversation_id: &str, chunk_index: usize) -> String {
    format!("{uid}-{conversation_id}-c{chunk_index}")
}

/// The id prefix of every chunk of a conversation: `{uid}-{conversation_id}-c` (what
/// Omi's conversation delete lists, §1.4).
pub fn chunk_id_prefix(uid: &str, conversation_id: &str) -> String {
    format!("{uid}-{conversation_id}-c")
}

/// Omi's chunk metadata, exactly `{uid, conversation_id, chunk_index, created_at}` (§1.2;
/// no text is stored).
pub fn chunk_metadata(
    uid: &str,
    conversation_id: &str,
    chunk_index: usize,
    created_at: i64,
) -> Metadata {
    let mut m = Metadata::new();
    m.insert(KEY_UID.into(), MetaValue::String(uid.into()));
    m.insert(
        KEY_CONVERSATION_ID.into(),
        MetaValue::String(conversation_id.into()),
    );
    m.insert(
        KEY_CHUNK_INDEX.into(),
        MetaValue::Number(chunk_index as f64),
    );
    m.insert(KEY_CREATED_AT.into(), MetaValue::Number(created_at as f64));
    m
}

/// A chunk vector id taken apart: the conversation id and the chunk index, or `None` when
/// `id` is not `{uid}-{conversation_id}-c{n}` (generation-scoped `-g{gen}` ids of Omi's open
/// PR #10796 are read as their conversation with the generation left in the id, §1.4).
pub fn parse_chunk_vector_id<'a>(uid: &str, id: &'a str) -> Option<(&'a str, usize)> {
    let rest = id.strip_prefix(uid)?.strip_prefix('-')?;
    let (conversation_id, index) = rest.rsplit_once("-c")?;
    if conversation_id.is_empty() || index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some((conversation_id, index.parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(text: &str, is_user: bool, speaker_id: Option<i64>, start: f64) -> TranscriptSegment {
        TranscriptSegment {
            text: text.into(),
            speaker: None,
            speaker_id,
            is_user,
            start,
            end: start + 1.5,
        }
    }

    fn conversation(lines: usize, started_at: Option<&str>) -> Memory {
        Memory {
            id: "cid".into(),
            started_at: started_at.map(|s| OmiDate::parse(s).unwrap()),
            transcript: (0..lines)
                .map(|i| seg(&format!("line {i}"), i % 2 == 0, Some(1), i as f64 * 2.0))
                .collect(),
            ..Memory::default()
        }
    }

    #[test]
    fn counts_follow_eight_lines_step_six() {
        let expected = [
            (0, 0),
            (1, 1),
            (8, 1),
            (9, 2),
            (14, 2),
            (15, 3),
            (20, 3),
            (21, 4),
        ];
        for (lines, chunks) in expected {
            assert_eq!(chunk_count(lines), chunks, "{lines} lines");
            assert_eq!(transcript_chunks(&conversation(lines, None)).len(), chunks);
        }
    }

    #[test]
    fn fourteen_lines_make_two_chunks_with_two_lines_of_overlap() {
        let chunks = transcript_chunks(&conversation(14, Some("2026-03-04T09:02:59.9Z")));
        assert_eq!(chunks.len(), 2);
        assert!(
            chunks[0]
                .text
                .starts_with("[Conversation on 04 Mar 2026, 09:02]\nUser: line 0\n")
        );
        assert_eq!(chunks[0].lines().count(), 8);
        assert_eq!(chunks[1].lines().count(), 8);
        assert_eq!(chunks[1].lines().next(), Some("User: line 6"));
        assert_eq!(chunks[1].segments, (6..14).collect::<Vec<_>>());
        assert_eq!(chunks[1].start_seconds, 12.0);
        assert_eq!(chunks[1].end_seconds, 27.5);
        assert_eq!(chunks[0].created_at, 1772614979);
    }

    #[test]
    fn eight_or_fewer_lines_make_one_chunk() {
        let chunks = transcript_chunks(&conversation(8, None));
        assert_eq!(chunks.len(), 1);
        assert_eq!(chunks[0].lines().count(), 8);
        assert_eq!(chunks[0].created_at, 0);
        assert!(
            chunks[0]
                .text
                .starts_with("User: line 0\nSpeaker 1: line 1")
        );
    }

    #[test]
    fn labels_user_speaker_id_and_null() {
        let mut c = conversation(0, None);
        c.transcript = vec![
            seg("a", true, Some(0), 0.0),
            seg("b", false, Some(3), 1.0),
            seg("c", false, None, 2.0),
        ];
        assert_eq!(
            transcript_chunks(&c)[0].text,
            "User: a\nSpeaker 3: b\nSpeaker: c"
        );
    }

    #[test]
    fn python_strip_drops_every_space_character_and_blank_segments() {
        let spaces = [
            '\u{1c}', '\u{1d}', '\u{1e}', '\u{1f}', '\u{85}', '\u{a0}', '\u{2000}', '\u{200a}',
            '\u{2028}', '\u{2029}', '\u{3000}', '\t', '\n', '\x0b', '\x0c', '\r', ' ',
        ];
        for space in spaces {
            let mut c = conversation(0, None);
            c.transcript = vec![
                seg(&format!("{space}hello{space}"), true, None, 0.0),
                seg(&space.to_string(), false, Some(2), 1.0),
            ];
            let chunks = transcript_chunks(&c);
            assert_eq!(chunks.len(), 1, "{space:?}");
            assert_eq!(chunks[0].text, "User: hello", "{space:?}");
        }
        // Not a Python space: kept (zero-width space, U+200B).
        let mut c = conversation(0, None);
        c.transcript = vec![seg("\u{200b}hi", true, None, 0.0)];
        assert_eq!(transcript_chunks(&c)[0].text, "User: \u{200b}hi");
    }

    #[test]
    fn only_blank_segments_make_no_chunk() {
        let mut c = conversation(0, Some("2026-01-01T00:00:00Z"));
        c.transcript = vec![seg("   ", true, None, 0.0)];
        assert!(transcript_chunks(&c).is_empty());
    }

    #[test]
    fn header_is_in_utc_and_created_at_falls_back_to_created() {
        let mut c = conversation(1, None);
        c.created_at = Some(OmiDate::parse("2026-10-01T01:30:00+05:30").unwrap());
        let chunk = &transcript_chunks(&c)[0];
        assert!(
            chunk
                .text
                .starts_with("[Conversation on 30 Sep 2026, 20:00]\n")
        );
        assert_eq!(chunk.created_at, 1790798400);
    }

    #[test]
    fn created_at_truncates_toward_zero() {
        let before_epoch = OmiDate::parse("1969-12-31T23:59:59.5Z").unwrap();
        assert_eq!(chunk_created_at(&before_epoch), 0);
        let after = OmiDate::parse("2026-01-01T00:00:00.999Z").unwrap();
        assert_eq!(chunk_created_at(&after), 1767225600);
    }

    /// Byte for byte against the chunks Omi's own `build_transcript_chunks` made for the
    /// shared sample (`e3-2026.json` → `e3-2026-expected.json`, copied into the fixtures).
    #[test]
    fn matches_omis_chunker_on_the_2026_sample() {
        let export = crate::export::load_bytes(
            "e3-2026.json",
            include_bytes!("../../../tests/fixtures/samples/e3-2026.json"),
        )
        .unwrap();
        let expected: serde_json::Value = serde_json::from_str(include_str!(
            "../../../tests/fixtures/samples/e3-2026-expected.json"
        ))
        .unwrap();
        let uid = expected["uid"].as_str().unwrap();
        let mut made = Vec::new();
        for memory in &export.memories {
            for chunk in transcript_chunks(memory) {
                made.push(serde_json::json!({
                    "id": chunk_vector_id(uid, &memory.id, chunk.chunk_index),
                    "text": chunk.text,
                    "metadata": {
                        "uid": uid,
                        "conversation_id": memory.id,
                        "chunk_index": chunk.chunk_index,
                        "created_at": chunk.created_at,
                    },
                }));
            }
        }
        assert_eq!(serde_json::Value::Array(made), expected["ns_tchunks"]);
    }

    #[test]
    fn ids_round_trip() {
        let id = chunk_vector_id("u1", "abc-def", 12);
        assert_eq!(id, "u1-abc-def-c12");
        assert_eq!(parse_chunk_vector_id("u1", &id), Some(("abc-def", 12)));
        assert_eq!(parse_chunk_vector_id("u1", "u1-abc-def"), None);
        assert_eq!(parse_chunk_vector_id("u2", &id), None);
        assert_eq!(parse_chunk_vector_id("u1", "u1-abc-cx"), None);
        let meta = chunk_metadata("u1", "abc", 3, 17);
        assert_eq!(meta.len(), 4);
        assert_eq!(meta.get(KEY_CHUNK_INDEX), Some(&MetaValue::Number(3.0)));
    }
}
