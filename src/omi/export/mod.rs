//! The export loader: every export shape of omi.md §2 (E0–E5), detected automatically.
//!
//! The file is read once into memory and parsed without building a JSON tree of it: the
//! records list is walked as borrowed [`RawValue`] slices, each of which is then
//! deserialised into typed structs ([`raw::RawRecord`]). A record that does not fit (wrong
//! types, no id, an unparsable date) is skipped and reported ([`BadRecord`]) while the
//! rest load; only a broken file (not JSON, truncated, an unknown shape, an empty list)
//! is an [`ExportError`].

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::omi::model::Memory;

pub mod raw;
pub mod summary;

pub use raw::parse_structured;
pub use summary::Summary;

use raw::{RawProfile, RawRecord, ShapeHints};

/// The export shapes of omi.md §2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Shape {
    /// Mobile app `memories.json`, mid-2024: camelCase, integer ids, local dates.
    E0,
    /// App `memories.json`, 2024-08..12: snake_case, `actionItems` strings, `MemorySource`.
    E1,
    /// App `conversations.json`, 2024-12..2026-02: as E1 with `ConversationSource`.
    E2,
    /// Server `omi-export.json` (2026-02..): an object with `profile`, `conversations`, ….
    E3,
    /// API JSON (`GET /v1/conversations`, …): a list of records, or an object holding one.
    E4,
    /// A webhook body: one memory object.
    E5,
}

impl Shape {
    /// Short name, `E0`…`E5`.
    pub fn code(self) -> &'static str {
        match self {
            Self::E0 => "E0",
            Self::E1 => "E1",
            Self::E2 => "E2",
            Self::E3 => "E3",
            Self::E4 => "E4",
            Self::E5 => "E5",
        }
    }

    /// What the shape is, for people.
    pub fn description(self) -> &'static str {
        match self {
            Self::E0 => "mobile app memories.json (2024, camelCase, integer ids)",
            Self::E1 => "app memories.json (2024-08..12)",
            Self::E2 => "app conversations.json (2024-12..2026-02)",
            Self::E3 => "server export omi-export.json (2026-02..)",
            Self::E4 => "API JSON list of conversations",
            Self::E5 => "webhook body (one memory)",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.description())
    }
}

/// A record that was skipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BadRecord {
    /// Position in the records list (0-based).
    pub index: usize,
    /// The record's id, when it has a readable one.
    pub id: Option<String>,
    /// Line of the file where the record starts (1-based).
    pub line: usize,
    /// What is wrong with it.
    pub reason: String,
}

/// A record whose id was already seen; the first one is kept, this one skipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Duplicate {
    /// The repeated id.
    pub id: String,
    /// Index of the record that was kept.
    pub first_index: usize,
    /// Index of the skipped record.
    pub index: usize,
}

/// A loaded export.
#[derive(Debug, Clone)]
pub struct Export {
    /// The file name (or the name given to [`load_bytes`]).
    pub name: String,
    /// The detected shape.
    pub shape: Shape,
    /// The memories that loaded, in file order (duplicates and bad records left out).
    pub memories: Vec<Memory>,
    /// Records that were skipped, with the reason.
    pub bad_records: Vec<BadRecord>,
    /// Repeated ids (later records skipped).
    pub duplicates: Vec<Duplicate>,
    /// E3: the profile's name, when present.
    pub profile_name: Option<String>,
    /// Number of records in the file (loaded + bad + duplicates).
    pub total_records: usize,
    /// Size of the file in bytes.
    pub bytes: usize,
}

impl Export {
    /// The memory with this id.
    pub fn get(&self, id: &str) -> Option<&Memory> {
        self.memories.iter().find(|m| m.id == id)
    }

    /// True when the file had records and none of them loaded.
    pub fn all_bad(&self) -> bool {
        self.memories.is_empty() && !self.bad_records.is_empty()
    }

    /// Counts, categories, date range, ambiguous dates.
    pub fn summary(&self) -> Summary {
        Summary::of(self)
    }
}

/// A whole-file failure: nothing was loaded.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is empty or holds only whitespace.
    #[error("{name}: the file is empty")]
    EmptyFile {
        /// File name.
        name: String,
    },
    /// Not JSON, or the JSON is cut short.
    #[error("{name}: {what} at line {line}, column {column}: {message}")]
    Json {
        /// File name.
        name: String,
        /// "not valid JSON" or "the file ends early (truncated?)".
        what: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's message, without its position.
        message: String,
    },
    /// A list with no records.
    #[error("{name}: the list of memories is empty (line {line}, column {column})")]
    EmptyList {
        /// File name.
        name: String,
        /// Line of the list.
        line: usize,
        /// Column of the list.
        column: usize,
    },
    /// Valid JSON, but not an Omi export.
    #[error(
        "{name}: not an Omi export ({detail}); expected a list of memories, an omi-export.json object with \"conversations\", or one memory object with an \"id\" (line {line}, column {column})"
    )]
    UnknownShape {
        /// File name.
        name: String,
        /// What was found instead.
        detail: String,
        /// Line of the offending value.
        line: usize,
        /// Column of the offending value.
        column: usize,
    },
}

/// Bytes processed so far and the total, for a progress bar.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Report progress at most this often (bytes).
const PROGRESS_STEP: usize = 256 * 1024;

/// Read and load an export file.
pub fn load_path(path: &Path) -> Result<Export, ExportError> {
    load_path_with_progress(path, &mut |_, _| {})
}

/// Read and load an export file, calling `progress(done, total)` (bytes) as it goes.
pub fn load_path_with_progress(path: &Path, progress: Progress) -> Result<Export, ExportError> {
    let bytes = std::fs::read(path).map_err(|source| ExportError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    load_bytes_with_progress(&name, &bytes, progress)
}

/// Load an export from bytes; `name` is used in messages and for shape hints.
pub fn load_bytes(name: &str, bytes: &[u8]) -> Result<Export, ExportError> {
    load_bytes_with_progress(name, bytes, &mut |_, _| {})
}

/// Load an export from bytes, calling `progress(done, total)` (bytes) as it goes.
pub fn load_bytes_with_progress(
    name: &str,
    bytes: &[u8],
    progress: Progress,
) -> Result<Export, ExportError> {
    let total = bytes.len();
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Some(first) = body.iter().position(|b| !b.is_ascii_whitespace()) else {
        return Err(ExportError::EmptyFile { name: name.into() });
    };
    let mut c = Collector::new(name, bytes, progress);
    let json_err = |c: &Collector, e: serde_json::Error| c.json_error(e);
    let mut de = serde_json::Deserializer::from_slice(body);
    let shape = match body[first] {
        b'[' => {
            de.deserialize_seq(RecordsVisitor { c: &mut c })
                .map_err(|e| json_err(&c, e))?;
            de.end().map_err(|e| json_err(&c, e))?;
            if c.total == 0 {
                let (line, column) = c.line_col(first + (total - body.len()));
                return Err(ExportError::EmptyList {
                    name: name.into(),
                    line,
                    column,
                });
            }
            c.array_shape()
        }
        b'{' => {
            let top = de
                .deserialize_map(TopVisitor { c: &mut c })
                .map_err(|e| json_err(&c, e))?;
            de.end().map_err(|e| json_err(&c, e))?;
            c.object_shape(top, body)?
        }
        _ => {
            // Valid JSON that is not an object or a list, or not JSON at all.
            let v: IgnoredAny = serde_json::from_slice(body).map_err(|e| json_err(&c, e))?;
            let _ = v;
            let (line, column) = c.line_col(first + (total - body.len()));
            return Err(ExportError::UnknownShape {
                name: name.into(),
                detail: "the top level is a single value, not a list or an object".into(),
                line,
                column,
            });
        }
    };
    (c.progress)(total, total);
    Ok(Export {
        name: name.to_string(),
        shape,
        memories: c.memories,
        bad_records: c.bad,
        duplicates: c.duplicates,
        profile_name: c.profile_name,
        total_records: c.total,
        bytes: total,
    })
}

/// Accumulates records as they are parsed.
struct Collector<'b, 'p> {
    name: String,
    /// The whole file.
    buf: &'b [u8],
    /// (byte offset, line) of the last line computation, to count newlines incrementally.
    line_cursor: (usize, usize),
    progress: Progress<'p>,
    last_report: usize,
    memories: Vec<Memory>,
    bad: Vec<BadRecord>,
    duplicates: Vec<Duplicate>,
    seen: HashMap<String, usize>,
    total: usize,
    hints: HintCounts,
    profile_name: Option<String>,
}

#[derive(Default)]
struct HintCounts {
    camel_top: usize,
    camel_structured: usize,
    memory_source: usize,
    conversation_source: usize,
}

/// What the top-level object held.
#[derive(Default)]
struct TopObject<'de> {
    keys: Vec<String>,
    had_conversations: bool,
    had_id: bool,
    lists: Vec<(String, &'de RawValue)>,
}

/// Keys of an `omi-export.json` beside `conversations`.
const E3_KEYS: &[&str] = &[
    "profile",
    "memories",
    "people",
    "action_items",
    "chat_messages",
    "export_complete",
    "folders",
    "apps",
];

/// Keys under which an API response may hold its list of records.
const LIST_KEYS: &[&str] = &["memories", "data", "items", "results", "records"];

impl<'b, 'p> Collector<'b, 'p> {
    fn new(name: &str, buf: &'b [u8], progress: Progress<'p>) -> Self {
        Self {
            name: name.into(),
            buf,
            line_cursor: (0, 1),
            progress,
            last_report: 0,
            memories: Vec::new(),
            bad: Vec::new(),
            duplicates: Vec::new(),
            seen: HashMap::new(),
            total: 0,
            hints: HintCounts::default(),
            profile_name: None,
        }
    }

    /// Offset of a slice borrowed from the buffer.
    fn offset_of(&self, s: &str) -> usize {
        (s.as_ptr() as usize)
            .wrapping_sub(self.buf.as_ptr() as usize)
            .min(self.buf.len())
    }

    /// 1-based line and column of a byte offset (incremental for increasing offsets).
    fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.buf.len());
        let (from, mut line) = if offset >= self.line_cursor.0 {
            self.line_cursor
        } else {
            (0, 1)
        };
        let bytes = self.buf;
        line += bytes[from..offset].iter().filter(|&&b| b == b'\n').count();
        let line_start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&bytes[line_start..offset])
            .chars()
            .count()
            + 1;
        self.line_cursor = (offset, line);
        (line, column)
    }

    fn json_error(&self, e: serde_json::Error) -> ExportError {
        let what = if e.is_eof() {
            "the file ends early (truncated?)"
        } else {
            "not valid JSON"
        };
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        ExportError::Json {
            name: self.name.clone(),
            what,
            line: e.line(),
            column: e.column(),
            message,
        }
    }

    /// Parse one record slice, keep it or report it.
    fn record(&mut self, raw: &RawValue) {
        let index = self.total;
        self.total += 1;
        let text = raw.get();
        match serde_json::from_str::<RawRecord>(text) {
            Ok(r) => {
                let (memory, hints) = r.into_memory();
                self.count_hints(hints);
                match self.seen.get(&memory.id) {
                    Some(&first_index) => self.duplicates.push(Duplicate {
                        id: memory.id,
                        first_index,
                        index,
                    }),
                    None => {
                        self.seen.insert(memory.id.clone(), index);
                        self.memories.push(memory);
                    }
                }
            }
            Err(e) => {
                let (line, _) = self.line_col(self.offset_of(text));
                self.bad.push(BadRecord {
                    index,
                    id: readable_id(text),
                    line,
                    reason: record_reason(&e),
                });
            }
        }
        let done = self.offset_of(text) + text.len();
        if done >= self.last_report + PROGRESS_STEP {
            self.last_report = done;
            (self.progress)(done, self.buf.len());
        }
    }

    fn count_hints(&mut self, h: ShapeHints) {
        self.hints.camel_top += usize::from(h.camel_top);
        self.hints.camel_structured += usize::from(h.camel_structured);
        self.hints.memory_source += usize::from(h.memory_source);
        self.hints.conversation_source += usize::from(h.conversation_source);
    }

    /// The shape of a top-level list, from how its records are spelled.
    fn array_shape(&self) -> Shape {
        let h = &self.hints;
        if h.camel_top > 0 && h.camel_top * 2 >= self.memories.len() {
            Shape::E0
        } else if h.camel_structured > 0 || h.memory_source > 0 || h.conversation_source > 0 {
            let lower = self.name.to_lowercase();
            if h.memory_source > h.conversation_source {
                Shape::E1
            } else if h.conversation_source > h.memory_source || lower.contains("conversation") {
                Shape::E2
            } else if lower.contains("memor") {
                Shape::E1
            } else {
                Shape::E2
            }
        } else {
            Shape::E4
        }
    }

    /// The shape of a top-level object; loads the record list found in it if needed.
    fn object_shape(&mut self, top: TopObject<'_>, body: &[u8]) -> Result<Shape, ExportError> {
        if top.had_conversations {
            let e3 = top.keys.iter().any(|k| E3_KEYS.contains(&k.as_str()));
            return Ok(if e3 { Shape::E3 } else { Shape::E4 });
        }
        if top.had_id {
            let raw: &RawValue = serde_json::from_slice(body).map_err(|e| self.json_error(e))?;
            self.record(raw);
            return Ok(Shape::E5);
        }
        if let [(key, list)] = top.lists.as_slice() {
            let mut de = serde_json::Deserializer::from_str(list.get());
            let is_list = list.get().starts_with('[');
            if is_list {
                de.deserialize_seq(RecordsVisitor { c: self })
                    .map_err(|e| self.json_error(e))?;
                if self.total == 0 {
                    let (line, column) = self.line_col(self.offset_of(list.get()));
                    return Err(ExportError::EmptyList {
                        name: self.name.clone(),
                        line,
                        column,
                    });
                }
                return Ok(Shape::E4);
            }
            let _ = key;
        }
        let mut keys: Vec<String> = top.keys.iter().take(8).map(|k| format!("{k:?}")).collect();
        if top.keys.len() > 8 {
            keys.push("…".into());
        }
        let detail = if keys.is_empty() {
            "an empty object".to_string()
        } else {
            format!("an object with keys {}", keys.join(", "))
        };
        Err(ExportError::UnknownShape {
            name: self.name.clone(),
            detail,
            line: 1,
            column: 1,
        })
    }
}

/// The record's id, when it has a readable one (for reporting a bad record).
fn readable_id(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<IdAny>,
    }
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum IdAny {
        S(String),
        I(i64),
        U(u64),
    }
    match serde_json::from_str::<IdOnly>(text).ok()?.id? {
        IdAny::S(s) if !s.is_empty() => Some(s),
        IdAny::S(_) => None,
        IdAny::I(i) => Some(i.to_string()),
        IdAny::U(u) => Some(u.to_string()),
    }
}

/// serde's message for a bad record, in the user's terms.
fn record_reason(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    };
    msg.replace("struct RawRecord", "a memory object")
        .replace("struct RawStructured", "a structured object")
        .replace("struct RawEvent", "an event object")
        .replace("struct RawSegment", "a transcript segment object")
        .replace("struct RawGeo", "a geolocation object")
}

/// Walks a list of records, handing each raw slice to the collector.
struct RecordsVisitor<'a, 'b, 'p> {
    c: &'a mut Collector<'b, 'p>,
}

impl<'de> Visitor<'de> for RecordsVisitor<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of memories")
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            self.c.record(raw);
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for RecordsVisitor<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Walks the top-level object: streams `conversations`, keeps the E3 profile name, keeps
/// other candidate lists as raw slices, skips everything else.
struct TopVisitor<'a, 'b, 'p> {
    c: &'a mut Collector<'b, 'p>,
}

impl<'de> Visitor<'de> for TopVisitor<'_, '_, '_> {
    type Value = TopObject<'de>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an export object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopObject<'de>, A::Error> {
        let mut top = TopObject::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "conversations" if !top.had_conversations => {
                    top.had_conversations = true;
                    map.next_value_seed(RecordsVisitor { c: self.c })?;
                }
                "profile" => {
                    let raw: &'de RawValue = map.next_value()?;
                    if let Ok(Some(p)) = serde_json::from_str::<Option<RawProfile>>(raw.get()) {
                        self.c.profile_name = p.name;
                    }
                }
                "id" => {
                    top.had_id = true;
                    map.next_value::<IgnoredAny>()?;
                }
                k if LIST_KEYS.contains(&k) => {
                    let raw: &'de RawValue = map.next_value()?;
                    top.lists.push((k.to_string(), raw));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            if top.keys.len() < 64 {
                top.keys.push(key.into_owned());
            }
        }
        Ok(top)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_from_minimal_files() {
        let e0 = load_bytes("m.json", br#"[{"id":1,"createdAt":"2024-07-01T10:00:00"}]"#).unwrap();
        assert_eq!(e0.shape, Shape::E0);
        assert_eq!(e0.memories[0].id, "1");
        let e5 = load_bytes("w.json", br#"{"id":"a","structured":{}}"#).unwrap();
        assert_eq!(e5.shape, Shape::E5);
        let e4 = load_bytes("a.json", br#"{"data":[{"id":"a"}]}"#).unwrap();
        assert_eq!(e4.shape, Shape::E4);
        let e3 = load_bytes(
            "x.json",
            br#"{"profile":{"name":"P"},"memories":[{"id":"f","content":"c"}],"conversations":[{"id":"a"}]}"#,
        )
        .unwrap();
        assert_eq!((e3.shape, e3.memories.len()), (Shape::E3, 1));
        assert_eq!(e3.profile_name.as_deref(), Some("P"));
    }

    #[test]
    fn whole_file_errors() {
        assert!(matches!(
            load_bytes("f", b"  \n"),
            Err(ExportError::EmptyFile { .. })
        ));
        assert!(matches!(
            load_bytes("f", b"[]"),
            Err(ExportError::EmptyList { .. })
        ));
        assert!(matches!(
            load_bytes("f", b"42"),
            Err(ExportError::UnknownShape { .. })
        ));
        assert!(matches!(
            load_bytes("f", b"{\"a\":1}"),
            Err(ExportError::UnknownShape { .. })
        ));
        let e = load_bytes("f.json", b"[{\"id\":\"a\"},\n{\"id\":").unwrap_err();
        assert!(matches!(e, ExportError::Json { line: 2, .. }), "{e}");
        assert!(
            e.to_string().starts_with("f.json: the file ends early"),
            "{e}"
        );
    }

    #[test]
    fn progress_reaches_total() {
        let mut last = (0, 0);
        load_bytes_with_progress("f", br#"[{"id":"a"},{"id":"b"}]"#, &mut |d, t| {
            last = (d, t)
        })
        .unwrap();
        assert_eq!(last, (23, 23));
    }
}
