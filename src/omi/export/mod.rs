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

use crate::omi::model::Memory;

pub mod fact_loader;
mod loader;
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
    /// Number of records in the file (loaded + bad + duplicates).
    pub total_records: usize,
    /// Size of the file in bytes.
    pub bytes: usize,
    /// Omi's facts (omi-facts.md): E3's `memories` section, or the whole file when it is
    /// a list of facts (then `memories` is empty: facts are never conversations).
    pub fact_section: FactSection,
}

impl Export {
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
    let mut export = loader::load(name, bytes, progress)?;
    if export.fact_section.facts_only() {
        // The conversation walk read the fact objects as conversations: drop them.
        export.memories.clear();
        export.bad_records.clear();
        export.duplicates.clear();
        export.total_records = 0;
    }
    Ok(export)
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
