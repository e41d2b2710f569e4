//! The loading machinery behind [`super::load_bytes_with_progress`].
//!
//! The top-level list or object (and E3's `conversations` list) is walked by hand, which
//! costs nothing and needs no recursion; each record in it is deserialised straight from
//! the file buffer into [`RawRecord`] by a serde_json stream deserializer that reports
//! where the record ended. When a record does not fit the typed structs, it is scanned
//! again as a [`RawValue`] from its start to find its end, reported, and skipped; only
//! when that scan fails too is the file itself broken (a whole-file error). Good records
//! are therefore parsed in one pass, with no JSON tree of the file or of a record.

use std::collections::HashMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::facts::{FactSource, SetAsideFact};
use super::pyjson::{self, NonFinite};
use super::raw::{DISPLAY_KEYS, RawProfile, RawRecord, ShapeHints, repair_display_fields};
use super::{BadRecord, Duplicate, Export, ExportError, Progress, Shape};
use crate::model::{FieldNote, Memory};

/// Report progress at most this often (bytes).
const PROGRESS_STEP: usize = 256 * 1024;

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

/// A failure of the walk: where, and what.
struct WalkError {
    offset: usize,
    eof: bool,
    message: String,
}

/// Load `bytes` (see [`super::load_bytes_with_progress`]).
pub(super) fn load(name: &str, bytes: &[u8], progress: Progress) -> Result<Export, ExportError> {
    let total = bytes.len();
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let mut c = Collector::new(name, bytes, progress);
    c.pos = start;
    c.skip_ws();
    let Some(first) = c.peek() else {
        return Err(ExportError::EmptyFile { name: name.into() });
    };
    let top_at = c.pos;
    let top_is_list = first == b'[';
    let shape = match first {
        b'[' => {
            c.walk_records().map_err(|e| c.error(e))?;
            c.expect_end().map_err(|e| c.error(e))?;
            if c.total == 0 {
                return Err(c.empty_list(top_at));
            }
            c.array_shape()
        }
        b'{' => {
            let top = c.walk_top_object().map_err(|e| c.error(e))?;
            c.expect_end().map_err(|e| c.error(e))?;
            c.object_shape(top, top_at)?
        }
        _ => {
            c.skip_value().map_err(|e| c.error(e))?;
            c.expect_end().map_err(|e| c.error(e))?;
            let (line, column) = c.line_col(top_at);
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
        profile_uid: c.profile_uid,
        total_records: c.total - c.listed_facts,
        bytes: total,
        fact_section: super::fact_loader::from_set_aside(&c.facts, top_is_list),
        facts: c.facts,
        wrapper: c.wrapper,
        completeness: c.completeness,
        action_items: crate::action_items::ActionItemSection::parse(
            c.action_items_raw.as_deref(),
            c.task_data_raw.as_deref(),
        ),
    })
}

/// What the top-level object held.
#[derive(Default)]
struct TopObject {
    keys: Vec<String>,
    had_conversations: bool,
    had_id: bool,
    /// Candidate record lists: key and byte offset of the value.
    lists: Vec<(String, usize)>,
    /// A webhook message wrapper: the key (`memory` / `conversation`) and byte offset of
    /// the wrapped object.
    wrapped: Option<(String, usize)>,
    /// The wrapper's `type` (`memory_created`, …), when a string.
    message_type: Option<String>,
    /// `export_complete`: whether its value is `true`.
    complete: Option<bool>,
}

#[derive(Default)]
struct HintCounts {
    camel_top: usize,
    camel_structured: usize,
    memory_source: usize,
    conversation_source: usize,
}

/// Walks the buffer and accumulates records as they are parsed.
struct Collector<'b, 'p> {
    name: String,
    /// The whole file.
    buf: &'b [u8],
    /// Current byte offset of the walk.
    pos: usize,
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
    profile_uid: Option<String>,
    facts: Vec<SetAsideFact>,
    /// Facts found in record lists (counted in `total`, which is a position).
    listed_facts: usize,
    wrapper: Option<String>,
    completeness: super::Completeness,
    /// E3's `action_items` value, as written (sentinels for Python's `NaN`).
    action_items_raw: Option<String>,
    /// E3's `task_data` value, as written.
    task_data_raw: Option<String>,
}

/// How a record that did not fit the typed structs was read again.
enum Reread {
    /// It loads (display-only problems noted).
    Record(Box<RawRecord>, Vec<FieldNote>),
    /// It is bad, for this reason.
    Bad(String),
}

impl<'b, 'p> Collector<'b, 'p> {
    fn new(name: &str, buf: &'b [u8], progress: Progress<'p>) -> Self {
        Self {
            name: name.into(),
            buf,
            pos: 0,
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
            profile_uid: None,
            facts: Vec::new(),
            listed_facts: 0,
            wrapper: None,
            completeness: super::Completeness::NoMarker,
            action_items_raw: None,
            task_data_raw: None,
        }
    }

    /// Find the end of the value at `pos` and move past it: serde_json's scan, or when that
    /// fails, the Python-style scan ([`pyjson::scan`]) if the value holds `NaN` /
    /// `Infinity` / `-Infinity` (serde_json's error is kept for any other breakage).
    /// Returns the value's start and its non-finite tokens.
    fn scan_value(&mut self) -> Result<(usize, Vec<NonFinite>), WalkError> {
        let start = self.pos;
        match self.value::<&RawValue>() {
            Ok(_) => Ok((start, Vec::new())),
            Err(e) => match pyjson::scan(self.buf, start) {
                Ok((end, found)) if !found.is_empty() => {
                    self.pos = end;
                    Ok((start, found))
                }
                _ => Err(e),
            },
        }
    }

    /// Skip the value at `pos` (Python-style tokens accepted).
    fn skip_value(&mut self) -> Result<(), WalkError> {
        let start = self.pos;
        let buf: &'b [u8] = self.buf;
        let mut it = serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<IgnoredAny>();
        match it.next() {
            Some(Ok(_)) => {
                self.pos = start + it.byte_offset();
                Ok(())
            }
            _ => self.scan_value().map(|_| ()),
        }
    }

    /// The text of `buf[start..pos]` as UTF-8 (lossy: serde_json's scan already checked
    /// it, and the Python-style scan only passes ASCII structure).
    fn text_since(&self, start: usize) -> std::borrow::Cow<'b, str> {
        let buf: &'b [u8] = self.buf;
        String::from_utf8_lossy(&buf[start..self.pos])
    }

    /// Set a fact aside (its text kept for a fact loader).
    fn set_aside(&mut self, index: usize, start: usize, id: Option<String>, source: FactSource) {
        let line = self.line_at(start);
        let raw = self.text_since(start).into_owned();
        self.facts.push(SetAsideFact {
            index,
            id,
            line,
            source,
            raw,
        });
    }

    /// Walk E3's `memories` section at `pos`: every element is a fact, set aside.
    fn walk_facts(&mut self) -> Result<(), WalkError> {
        self.skip_ws();
        match self.peek() {
            Some(b'[') => self.pos += 1,
            _ => return self.skip_value(),
        }
        let mut index = 0;
        loop {
            self.skip_ws();
            if self.peek() == Some(b']') && index == 0 {
                self.pos += 1;
                return Ok(());
            }
            let (start, found) = self.scan_value()?;
            let text = self.text_since(start);
            let id = if found.is_empty() {
                readable_id(&text)
            } else {
                readable_id(&pyjson::with_sentinels(&text, start, &found))
            };
            self.set_aside(index, start, id, FactSource::E3Memories);
            index += 1;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail("`,` or `]` after a fact")),
            }
        }
    }

    /// Read a record again after it did not fit the typed structs: as a JSON object
    /// (Python-style tokens replaced by sentinels), display-only fields repaired, then
    /// typed. A non-finite number outside the display-only fields makes it bad, with the
    /// field named.
    fn reread(text: &str, base: usize, found: &[NonFinite]) -> Reread {
        let owned;
        let text = if found.is_empty() {
            text
        } else {
            owned = pyjson::with_sentinels(text, base, found);
            &owned
        };
        if let Some(reason) = not_an_object(text) {
            return Reread::Bad(reason);
        }
        let mut map: serde_json::Map<String, serde_json::Value> = match serde_json::from_str(text) {
            Ok(m) => m,
            Err(e) => return Reread::Bad(record_reason(&e)),
        };
        let mut notes = repair_display_fields(&mut map);
        keep_raw_text(text, &mut notes);
        // Every token left is in a field that tolerates it (display-only or unknown).
        for nf in found {
            if map.contains_key(nf.top_key()) {
                notes.push(FieldNote {
                    field: nf.path.clone(),
                    problem: format!("{}: not a number, shown as such", nf.token),
                    raw: nf.token.to_string(),
                });
            }
        }
        match serde_json::from_value::<RawRecord>(serde_json::Value::Object(map)) {
            Ok(r) => Reread::Record(Box::new(r), notes),
            Err(e) => match found
                .iter()
                .find(|nf| !DISPLAY_KEYS.contains(&nf.top_key()))
            {
                Some(nf) => Reread::Bad(format!(
                    "{} is {}: a non-finite number in a field that decides the embedding \
                     text, the id or the metadata",
                    nf.path, nf.token
                )),
                None => Reread::Bad(record_reason(&e)),
            },
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.buf.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    fn fail(&self, message: &str) -> WalkError {
        WalkError {
            offset: self.pos,
            eof: self.pos >= self.buf.len(),
            message: if self.pos >= self.buf.len() {
                format!("EOF while parsing {message}")
            } else {
                format!("expected {message}")
            },
        }
    }

    /// Turn a serde_json error on `buf[start..]` into a walk error at its absolute offset.
    fn serde_error(&self, start: usize, e: &serde_json::Error) -> WalkError {
        let sub = &self.buf[start..];
        let mut line_start = 0;
        if e.line() > 1 {
            let mut seen = 1;
            for (i, &b) in sub.iter().enumerate() {
                if b == b'\n' {
                    seen += 1;
                    if seen == e.line() {
                        line_start = i + 1;
                        break;
                    }
                }
            }
        }
        let offset = (start + line_start + e.column().saturating_sub(1)).min(self.buf.len());
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        WalkError {
            offset,
            eof: e.is_eof(),
            message,
        }
    }

    /// Deserialise one value at `pos` and move past it.
    fn value<T: Deserialize<'b>>(&mut self) -> Result<T, WalkError> {
        let start = self.pos;
        let buf: &'b [u8] = self.buf;
        let mut it = serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<T>();
        match it.next() {
            Some(Ok(v)) => {
                self.pos = start + it.byte_offset();
                Ok(v)
            }
            Some(Err(e)) => Err(self.serde_error(start, &e)),
            None => Err(self.fail("a value")),
        }
    }

    /// After the top-level value only whitespace may follow.
    fn expect_end(&mut self) -> Result<(), WalkError> {
        self.skip_ws();
        match self.peek() {
            None => Ok(()),
            Some(_) => Err(WalkError {
                offset: self.pos,
                eof: false,
                message: "trailing characters after the JSON value".into(),
            }),
        }
    }

    /// Walk a list of records at `pos` (`null` is an empty list).
    fn walk_records(&mut self) -> Result<(), WalkError> {
        self.skip_ws();
        match self.peek() {
            Some(b'[') => self.pos += 1,
            Some(b'n') => {
                let _: IgnoredAny = self.value()?;
                return Ok(());
            }
            _ => return Err(self.fail("a list of memories")),
        }
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            self.record()?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(self.fail("`,` or `]` after a record")),
            }
        }
    }

    /// Parse the record at `pos`: keep it, or report it and skip it.
    fn record(&mut self) -> Result<(), WalkError> {
        let start = self.pos;
        let index = self.total;
        let mut it =
            serde_json::Deserializer::from_slice(&self.buf[start..]).into_iter::<RawRecord>();
        match it.next() {
            Some(Ok(r)) => {
                self.pos = start + it.byte_offset();
                self.total += 1;
                self.keep(index, start, r, Vec::new());
            }
            Some(Err(_)) => {
                // Does not fit the record types: find its end (a scan that fails only when
                // the JSON itself is broken, a whole-file error), read it again tolerating
                // display-only problems and Python-style numbers; report it if still bad.
                let (start, found) = self.scan_value()?;
                self.total += 1;
                let text = self.text_since(start);
                match Self::reread(&text, start, &found) {
                    Reread::Record(r, notes) => self.keep(index, start, *r, notes),
                    Reread::Bad(reason) => {
                        let id = if found.is_empty() {
                            readable_id(&text)
                        } else {
                            readable_id(&pyjson::with_sentinels(&text, start, &found))
                        };
                        let line = self.line_at(start);
                        self.bad.push(BadRecord {
                            index,
                            id,
                            line,
                            reason,
                        });
                    }
                }
            }
            None => return Err(self.fail("a record")),
        }
        if self.pos >= self.last_report + PROGRESS_STEP {
            self.last_report = self.pos;
            (self.progress)(self.pos, self.buf.len());
        }
        Ok(())
    }

    fn keep(&mut self, index: usize, start: usize, r: RawRecord, notes: Vec<FieldNote>) {
        if r.is_fact() {
            let (memory, _) = r.into_memory();
            self.listed_facts += 1;
            self.set_aside(index, start, Some(memory.id), FactSource::RecordList);
            return;
        }
        let (mut memory, hints) = r.into_memory();
        memory.notes = notes;
        self.count_hints(hints);
        match self.seen.get(&memory.id) {
            Some(&first_index) => self.duplicates.push(Duplicate {
                id: memory.id,
                first_index,
                index,
            }),
            None => {
                memory.transcript.shrink_to_fit();
                self.seen.insert(memory.id.clone(), index);
                self.memories.push(memory);
            }
        }
    }

    /// Walk the top-level object: stream `conversations`, keep the E3 profile name,
    /// remember other candidate lists, skip everything else.
    fn walk_top_object(&mut self) -> Result<TopObject, WalkError> {
        let mut top = TopObject::default();
        self.pos += 1; // `{`
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(top);
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.fail("a key"));
            }
            let key: std::borrow::Cow<'b, str> = self.value()?;
            self.skip_ws();
            if self.peek() != Some(b':') {
                return Err(self.fail("`:` after a key"));
            }
            self.pos += 1;
            self.skip_ws();
            match key.as_ref() {
                "conversations" if !top.had_conversations => {
                    top.had_conversations = true;
                    self.walk_records()?;
                }
                "profile" => {
                    let (start, found) = self.scan_value()?;
                    let text = self.text_since(start);
                    let text = pyjson::with_sentinels(&text, start, &found);
                    if let Ok(Some(p)) = serde_json::from_str::<Option<RawProfile>>(&text) {
                        self.profile_name = p.name;
                        self.profile_uid = p.uid;
                    }
                }
                k @ ("action_items" | "task_data") => {
                    let (start, found) = self.scan_value()?;
                    let text = self.text_since(start);
                    let text = pyjson::with_sentinels(&text, start, &found);
                    if k == "action_items" {
                        self.action_items_raw = Some(text);
                    } else {
                        self.task_data_raw = Some(text);
                    }
                }
                "id" => {
                    top.had_id = true;
                    self.skip_value()?;
                }
                "export_complete" => {
                    let start = self.pos;
                    self.skip_value()?;
                    top.complete = Some(&self.buf[start..self.pos] == b"true");
                }
                "type" => {
                    let start = self.pos;
                    self.skip_value()?;
                    top.message_type =
                        serde_json::from_slice::<String>(&self.buf[start..self.pos]).ok();
                }
                k @ ("memory" | "conversation")
                    if top.wrapped.is_none() && self.peek() == Some(b'{') =>
                {
                    top.wrapped = Some((k.to_string(), self.pos));
                    self.skip_value()?;
                }
                k if LIST_KEYS.contains(&k) => {
                    top.lists.push((k.to_string(), self.pos));
                    self.skip_value()?;
                }
                _ => {
                    self.skip_value()?;
                }
            }
            if top.keys.len() < 64 {
                top.keys.push(key.into_owned());
            }
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(top);
                }
                _ => return Err(self.fail("`,` or `}` in the top-level object")),
            }
        }
    }

    /// 1-based line of a byte offset; incremental for increasing offsets, so reporting
    /// many bad records costs one pass over the file.
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.buf.len());
        let (from, mut line) = if offset >= self.line_cursor.0 {
            self.line_cursor
        } else {
            (0, 1)
        };
        line += self.buf[from..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line_cursor = (offset, line);
        line
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.buf.len());
        let line = self.line_at(offset);
        let bytes = self.buf;
        let line_start = bytes[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&bytes[line_start..offset])
            .chars()
            .count()
            + 1;
        (line, column)
    }

    fn error(&mut self, e: WalkError) -> ExportError {
        let (line, column) = self.line_col(e.offset);
        ExportError::Json {
            name: self.name.clone(),
            what: if e.eof {
                "the file ends early (truncated?)"
            } else {
                "not valid JSON"
            },
            line,
            column,
            message: e.message,
        }
    }

    fn empty_list(&mut self, at: usize) -> ExportError {
        let (line, column) = self.line_col(at);
        ExportError::EmptyList {
            name: self.name.clone(),
            line,
            column,
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
    fn object_shape(&mut self, top: TopObject, top_at: usize) -> Result<Shape, ExportError> {
        if top.had_conversations {
            let streamed = top
                .keys
                .iter()
                .any(|k| super::STREAMED_EXPORT_KEYS.contains(&k.as_str()));
            self.completeness = match top.complete {
                Some(true) => super::Completeness::Complete,
                Some(false) => super::Completeness::MarkedIncomplete,
                None if streamed => super::Completeness::MarkerMissing,
                None => super::Completeness::NoMarker,
            };
            let e3 = top.keys.iter().any(|k| E3_KEYS.contains(&k.as_str()));
            if e3 {
                // E3's `memories` section holds facts (omi-facts.md §F4): set aside.
                let at = top.lists.iter().find(|(k, _)| k == "memories").map(|l| l.1);
                if let Some(at) = at {
                    self.pos = at;
                    self.walk_facts().map_err(|e| self.error(e))?;
                }
            }
            return Ok(if e3 { Shape::E3 } else { Shape::E4 });
        }
        if top.had_id {
            self.pos = top_at;
            self.record().map_err(|e| self.error(e))?;
            return Ok(Shape::E5);
        }
        if let Some((key, at)) = &top.wrapped {
            self.pos = *at;
            self.record().map_err(|e| self.error(e))?;
            let kind = top.message_type.as_deref().unwrap_or("…");
            self.wrapper = Some(format!(
                "a webhook message {{\"type\": {kind:?}, \"{key}\": {{…}}}}: the {key} inside was loaded"
            ));
            return Ok(Shape::E5);
        }
        if let [(_, at)] = top.lists.as_slice()
            && self.buf.get(*at) == Some(&b'[')
        {
            self.pos = *at;
            self.walk_records().map_err(|e| self.error(e))?;
            if self.total == 0 {
                return Err(self.empty_list(*at));
            }
            return Ok(Shape::E4);
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
        let (line, column) = self.line_col(top_at);
        Err(ExportError::UnknownShape {
            name: self.name.clone(),
            detail,
            line,
            column,
        })
    }
}

/// Show each note's value exactly as the file wrote it (`repair_display_fields` only has
/// the parsed value): the top-level field's text, or the transcript segment's.
fn keep_raw_text(record: &str, notes: &mut [FieldNote]) {
    if notes.is_empty() {
        return;
    }
    let Ok(fields) = serde_json::from_str::<HashMap<String, &RawValue>>(record) else {
        return;
    };
    for n in notes.iter_mut() {
        // Only `key` and `key[i]` notes (a non-finite number deeper in keeps its token).
        let (key, index) = match n.field.split_once('[') {
            Some((k, rest)) => match rest.strip_suffix(']').map(str::parse::<usize>) {
                Some(Ok(i)) => (k, Some(i)),
                _ => continue,
            },
            None if n.field.contains('.') => continue,
            None => (n.field.as_str(), None),
        };
        let Some(raw) = fields.get(key) else { continue };
        let text = match index {
            None => Some(raw.get()),
            Some(i) => serde_json::from_str::<Vec<&RawValue>>(raw.get())
                .ok()
                .and_then(|items| items.get(i).map(|r| r.get())),
        };
        if let Some(text) = text {
            n.raw = super::raw::cut_raw(&pyjson::show_tokens(text));
        }
    }
}

/// The record's id, when it has a readable one (for reporting a bad record).
fn readable_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<IdAny>,
    }
    #[derive(Deserialize)]
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

/// The reason for a record that is not a JSON object at all ("the record is a list, not a
/// memory object"); `None` for an object. Without this, serde reads a list as a struct's
/// fields in order and reports the first field's type.
fn not_an_object(raw: &str) -> Option<String> {
    let kind = match raw.trim_start().as_bytes().first()? {
        b'{' => return None,
        b'[' => "a list",
        b'"' => "a string",
        b't' | b'f' => "a boolean",
        b'n' => "null",
        _ => "a number",
    };
    Some(format!("the record is {kind}, not a memory object"))
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
