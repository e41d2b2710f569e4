//! The export loader: every export shape of omi.md §2 (E0–E5), detected automatically.
//!
//! The file is read once into memory and parsed without building a JSON tree of it: the
//! top level is walked by hand and each record is deserialised straight into typed
//! structs ([`raw::RawRecord`]); a record that does not fit (wrong types, no id, an
//! unparsable date) is re-scanned as a `serde_json` `RawValue` to find its end, skipped
//! and reported ([`BadRecord`]) while the rest load. Only a broken file (not JSON,
//! truncated, an unknown shape, an empty list) is an [`ExportError`]. Records with a
//! repeated id are reported ([`Duplicate`]); the first is kept.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::model::Memory;

pub mod fact_loader;
pub mod facts;
mod loader;
pub mod pyjson;
pub mod raw;
pub mod summary;

pub use fact_loader::{FactSection, FactSource};
pub use raw::parse_structured;
pub use summary::Summary;

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

    /// The shape of a [`Shape::code`] (`E3`).
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::E0, Self::E1, Self::E2, Self::E3, Self::E4, Self::E5]
            .into_iter()
            .find(|s| s.code() == code)
    }

    /// A few words for where the file came from, where [`Shape::description`] is too
    /// long (a screen's header): `server export`.
    pub fn short_name(self) -> &'static str {
        match self {
            Self::E0 => "mobile app file",
            Self::E1 | Self::E2 => "app file",
            Self::E3 => "server export",
            Self::E4 => "API JSON",
            Self::E5 => "webhook body",
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
    /// E3: the profile's uid, when present.
    pub profile_uid: Option<String>,
    /// Number of conversation records in the file (loaded + bad + duplicates; facts not
    /// counted).
    pub total_records: usize,
    /// Size of the file in bytes.
    pub bytes: usize,
    /// Omi's facts (omi-facts.md) parsed from the set-aside records ([`Export::facts`]):
    /// E3's `memories` section, or the fact records of a list.
    pub fact_section: FactSection,
    /// Omi facts set aside, in file order: E3's `memories` section and fact records of a
    /// list ([`facts`]). Never loaded as memories.
    pub facts: Vec<facts::SetAsideFact>,
    /// The webhook message wrapper the memory came in, described for people
    /// (`a webhook message {"type": "memory_created", "memory": {…}}: …`).
    pub wrapper: Option<String>,
    /// What the file says of its own completeness (the late-2026 `"export_complete"`
    /// marker, omi-namespaces-2026.md §3).
    pub completeness: Completeness,
    /// E3's `action_items` section and `task_data.candidates` (omi-namespaces-2026.md
    /// §2.4); `present` is false when the file has none.
    pub action_items: crate::action_items::ActionItemSection,
}

/// Whether an export holds all of the user's records, as the file itself says.
///
/// A streamed late-2026 export ends with `"export_complete": true`; `false` (or another
/// value), or a late-2026 export (one with a section only those have, such as
/// `frame_requests` or `task_data`) that lacks the marker, was cut short: its last
/// conversations are missing. Exports from before the marker existed (older E3 files,
/// lists, API responses, webhook messages) never carried it and are taken as whole:
/// [`Completeness::NoMarker`], which memlens treats like `Complete` (documented in the
/// README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Completeness {
    /// `"export_complete": true`.
    Complete,
    /// `"export_complete"` is `false` (or not `true`).
    MarkedIncomplete,
    /// A late-2026 export without the marker: the stream stopped before its end.
    MarkerMissing,
    /// A shape that never had the marker.
    #[default]
    NoMarker,
}

/// Top-level keys only late-2026 (streamed) exports have (omi-namespaces-2026.md §3).
pub const STREAMED_EXPORT_KEYS: &[&str] = &[
    "conversation_photo_manifest",
    "frame_requests",
    "frame_vision_receipts",
    "conversation_keyframe_jobs",
    "memory_review_data",
    "memory_ledger_data",
    "jit_data",
    "task_data",
];

impl Export {
    /// An export of just these conversations (shape E4, nothing else read, no
    /// completeness marker): for callers that hold conversations rather than a file.
    pub fn of_memories(name: impl Into<String>, memories: Vec<Memory>) -> Self {
        Self {
            name: name.into(),
            shape: Shape::E4,
            memories,
            bad_records: Vec::new(),
            duplicates: Vec::new(),
            profile_name: None,
            profile_uid: None,
            total_records: 0,
            bytes: 0,
            fact_section: Default::default(),
            facts: Vec::new(),
            wrapper: None,
            completeness: Default::default(),
            action_items: Default::default(),
        }
    }

    /// Why this export cannot be read as all of the user's conversations, for people,
    /// or `None` when it can: the file says it is incomplete, or some records could not
    /// be read. Anything that reads "absent from the export" as "gone" (orphan deletes)
    /// must refuse when this is `Some`, unless the user names the risk.
    pub fn incomplete_reason(&self) -> Option<String> {
        join_reasons(
            self.marker_reason(),
            unreadable_note(&self.bad_records, "record"),
        )
    }

    /// Why the file's own completeness marker says records may be missing (every section
    /// after the cut is short too), or `None`.
    pub fn marker_reason(&self) -> Option<String> {
        match self.completeness {
            Completeness::MarkedIncomplete => Some(
                "the export says it is incomplete (\"export_complete\" is not true): its last conversations are missing"
                    .to_string(),
            ),
            Completeness::MarkerMissing => Some(
                "the export looks cut short (a late-2026 export without \"export_complete\": true at its end): its last conversations may be missing"
                    .to_string(),
            ),
            Completeness::Complete | Completeness::NoMarker => None,
        }
    }

    /// Ids of the records that could not be read, where the id was readable: never
    /// orphans, whatever is stored under them.
    pub fn unreadable_ids(&self) -> Vec<String> {
        self.bad_records
            .iter()
            .filter_map(|b| b.id.clone())
            .collect()
    }

    /// The memory with this id.
    pub fn get(&self, id: &str) -> Option<&Memory> {
        self.memories.iter().find(|m| m.id == id)
    }

    /// True when the file had records and none of them loaded (conversations or facts).
    pub fn all_bad(&self) -> bool {
        self.memories.is_empty()
            && self.fact_section.facts.is_empty()
            && (!self.bad_records.is_empty() || !self.fact_section.bad_records.is_empty())
    }

    /// True when the file holds Omi facts and no conversation at all.
    pub fn facts_only(&self) -> bool {
        self.memories.is_empty() && self.total_records == 0 && !self.facts.is_empty()
    }

    /// What to tell about facts: `this file holds 2 Omi facts, not conversations: …`
    /// ([`facts::describe`]); `None` without facts.
    pub fn facts_note(&self) -> Option<String> {
        facts::describe(self.facts.len(), self.memories.len())
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
    #[error("cannot read {}: {reason}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The OS error (in the message; not a separate `source`, so error chains do not
        /// print it twice).
        reason: std::io::Error,
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

/// Read and load an export file.
pub fn load_path(path: &Path) -> Result<Export, ExportError> {
    load_path_with_progress(path, &mut |_, _| {})
}

/// Read and load an export file, calling `progress(done, total)` (bytes) as it goes.
pub fn load_path_with_progress(path: &Path, progress: Progress) -> Result<Export, ExportError> {
    let io = |reason| ExportError::Io {
        path: path.to_path_buf(),
        reason,
    };
    // A device or FIFO (`/dev/zero`) would be read forever: only regular files.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a regular file",
        )));
    }
    let bytes = std::fs::read(path).map_err(io)?;
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
    loader::load(name, bytes, progress)
}

/// "3 fact records of the export could not be read (…)" for a section's bad records, or
/// `None` when every record loaded.
pub fn unreadable_note(bad: &[BadRecord], noun: &str) -> Option<String> {
    (!bad.is_empty()).then(|| {
        let n = bad.len();
        format!(
            "{n} {noun}{} of the export could not be read (an unreadable record is not an absent one)",
            if n == 1 { "" } else { "s" }
        )
    })
}

/// Two reasons as one ("a; b"), either, or `None`.
pub fn join_reasons(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (None, None) => None,
        (Some(a), None) | (None, Some(a)) => Some(a),
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
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
    fn facts_are_set_aside_not_loaded() {
        // A dev-API / /v3/memories list: content + category, no structured.
        let e = load_bytes(
            "memories.json",
            br#"[{"id":"f1","content":"Likes tea","category":"system"},
                 {"id":"f2","content":"Runs","category":"interesting","structured":null}]"#,
        )
        .unwrap();
        assert!(e.memories.is_empty());
        assert_eq!(e.facts.len(), 2);
        assert_eq!(e.facts[1].id.as_deref(), Some("f2"));
        assert!(e.facts[0].raw.contains("Likes tea"));
        assert!(e.facts_only());
        assert_eq!(e.total_records, 0);
        assert!(
            e.facts_note()
                .unwrap()
                .starts_with("this file holds 2 Omi facts, not conversations")
        );
        // Mixed into conversations: only the fact is set aside.
        let e = load_bytes(
            "x.json",
            br#"{"memories":[{"id":"c","structured":{"title":"t"}},{"id":"f","content":"c","category":"manual"}]}"#,
        )
        .unwrap();
        assert_eq!(
            (e.memories.len(), e.facts.len(), e.total_records),
            (1, 1, 1)
        );
        assert!(!e.facts_only());
        // E3: the whole memories section is facts.
        let e = load_bytes(
            "omi-export.json",
            br#"{"profile":{},"memories":[{"id":"f","content":NaN},{"id":"g"}],"conversations":[{"id":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(
            (e.shape, e.memories.len(), e.facts.len()),
            (Shape::E3, 1, 2)
        );
        assert_eq!(e.facts[0].source, facts::FactSource::E3Memories);
    }

    #[test]
    fn python_non_finite_numbers() {
        let e = load_bytes(
            "x.json",
            br#"[{"id":"a","transcript_segments":[{"text":"t","start":NaN,"end":-Infinity}],
                  "geolocation":{"latitude":Infinity,"longitude":1.5},"extra":[NaN]},
                 {"id":"b","structured":{"events":[{"title":"e","start":"2025-01-01T00:00:00Z","duration":NaN}]}},
                 {"id":"c","created_at":NaN}]"#,
        )
        .unwrap();
        assert_eq!(e.memories.len(), 1);
        let a = &e.memories[0];
        assert!(a.transcript[0].start.is_nan());
        assert_eq!(a.transcript[0].end, f64::NEG_INFINITY);
        assert_eq!(
            a.geolocation.as_ref().unwrap().latitude,
            Some(f64::INFINITY)
        );
        let fields: Vec<&str> = a.notes.iter().map(|n| n.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "transcript_segments[0].start",
                "transcript_segments[0].end",
                "geolocation.latitude",
                "extra[0]"
            ]
        );
        let reasons: Vec<&str> = e.bad_records.iter().map(|b| b.reason.as_str()).collect();
        assert!(
            reasons[0].starts_with("structured.events[0].duration is NaN"),
            "{reasons:?}"
        );
        assert!(reasons[1].starts_with("created_at is NaN"), "{reasons:?}");
        assert_eq!(e.bad_records[0].id.as_deref(), Some("b"));
        // The bare tokens anywhere else (an E3 section, the profile) do not break the file.
        let e = load_bytes(
            "omi-export.json",
            br#"{"profile":{"name":"P","x":NaN},"people":[Infinity],"conversations":[{"id":"a"}]}"#,
        )
        .unwrap();
        assert_eq!(
            (e.memories.len(), e.profile_name.as_deref()),
            (1, Some("P"))
        );
        // Not Python's spelling: still a whole-file error.
        assert!(matches!(
            load_bytes("x.json", br#"[{"id":"a","x":nan}]"#),
            Err(ExportError::Json { .. })
        ));
    }

    #[test]
    fn display_only_fields_never_cost_a_record() {
        let e = load_bytes(
            "x.json",
            br#"[{"id":"a","structured":{"title":"T"},"plugins_results":{"plugin_id":"p"},
                  "geolocation":"home","photos":3,"transcript_segments":[{"text":"ok"},{"text":5},"x"],
                  "language":["en"]},
                 {"id":"b","structured":{"title":5}}]"#,
        )
        .unwrap();
        assert_eq!(e.memories.len(), 1, "{:?}", e.bad_records);
        let a = &e.memories[0];
        assert_eq!(a.structured.title, "T");
        assert_eq!(a.transcript.len(), 1);
        assert!(a.geolocation.is_none() && a.app_results.is_empty());
        let notes: Vec<(&str, &str)> = a
            .notes
            .iter()
            .map(|n| (n.field.as_str(), n.raw.as_str()))
            .collect();
        assert_eq!(
            notes,
            [
                ("transcript_segments[1]", r#"{"text":5}"#),
                ("transcript_segments[2]", r#""x""#),
                ("geolocation", r#""home""#),
                ("photos", "3"),
                ("plugins_results", r#"{"plugin_id":"p"}"#),
                ("language", r#"["en"]"#),
            ]
        );
        assert!(a.notes[4].problem.contains("an object"), "{:?}", a.notes[4]);
        // What decides the text still makes a record bad.
        assert_eq!(e.bad_records[0].id.as_deref(), Some("b"));
    }

    #[test]
    fn webhook_wrappers_are_named() {
        let e = load_bytes(
            "w.json",
            br#"{"type":"memory_created","memory":{"id":"m1","structured":{"title":"T"}}}"#,
        )
        .unwrap();
        assert_eq!((e.shape, e.memories[0].id.as_str()), (Shape::E5, "m1"));
        assert!(
            e.wrapper
                .as_deref()
                .unwrap()
                .contains(r#""type": "memory_created", "memory""#)
        );
        let e = load_bytes(
            "w.json",
            br#"{"conversation":{"id":"c1"},"type":"conversation_created"}"#,
        )
        .unwrap();
        assert_eq!(e.memories[0].id, "c1");
        assert!(
            e.wrapper
                .unwrap()
                .contains(r#""conversation_created", "conversation""#)
        );
        assert!(
            load_bytes("w.json", br#"{"id":"x"}"#)
                .unwrap()
                .wrapper
                .is_none()
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
