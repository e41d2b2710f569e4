//! Loading Omi's facts (omi-facts.md §F4, §F7.1) from the sections and lists that hold
//! them: E3 `omi-export.json` `memories` (raw Firestore docs, `+00:00` dates, or late-2026
//! pydantic dumps with `Z` dates), `GET /v3/memories` and the developer / MCP lists (a
//! top-level list of fact objects), and `{"memories": [...]}` objects (integration API,
//! MCP search). Each record is read on its own: one that does not fit is reported as a
//! [`BadRecord`] and the rest load; a repeated id is a [`Duplicate`] (the first is kept).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny};
use serde_json::value::RawValue;

use super::raw::RawId;
use super::{BadRecord, Duplicate};
use crate::omi::date::OmiDate;
use crate::omi::fact::{Fact, FactCategory};

/// Where an export's facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactSource {
    /// The `memories` section of a server export `omi-export.json` (E3).
    E3Memories,
    /// A top-level list of facts (`GET /v3/memories`, dev API, MCP).
    ApiList,
    /// An object holding a `memories` list and no conversations (integration API, MCP).
    ApiObject,
}

impl FactSource {
    /// For people.
    pub fn description(self) -> &'static str {
        match self {
            Self::E3Memories => "omi-export.json memories section",
            Self::ApiList => "API JSON list of facts (/v3/memories, developer API, MCP)",
            Self::ApiObject => "API JSON object with a memories list of facts",
        }
    }
}

impl fmt::Display for FactSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// The facts of an export, with the records that did not load.
#[derive(Debug, Clone, Default)]
pub struct FactSection {
    /// Where they came from; `None` when the file holds no facts.
    pub source: Option<FactSource>,
    /// Facts that loaded, in file order (E3: `scoring` DESC, then `created_at` DESC).
    pub facts: Vec<Fact>,
    /// Fact records that were skipped, with the reason (index within the facts list).
    pub bad_records: Vec<BadRecord>,
    /// Repeated fact ids (later records skipped).
    pub duplicates: Vec<Duplicate>,
    /// Fact records in the file (loaded + bad + duplicates).
    pub total_records: usize,
}

impl FactSection {
    /// The fact with this id.
    pub fn get(&self, id: &str) -> Option<&Fact> {
        self.facts.iter().find(|f| f.id == id)
    }

    /// True when the whole file is facts (no conversations section): a list or object
    /// of facts.
    pub fn facts_only(&self) -> bool {
        matches!(
            self.source,
            Some(FactSource::ApiList | FactSource::ApiObject)
        )
    }

    /// Facts per stored category value (raw, as E3 shows them).
    pub fn by_category(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for f in &self.facts {
            *out.entry(f.category.raw().to_string()).or_default() += 1;
        }
        out
    }
}

/// Keys that only conversation records carry: a record with one is not a fact.
const CONVERSATION_KEYS: &[&str] = &[
    "structured",
    "transcript_segments",
    "transcript",
    "started_at",
    "finished_at",
    "startedAt",
    "finishedAt",
    "createdAt",
];

/// Where the conversation loader saw a list that may hold facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum FactsAt {
    /// The file is a list (of conversations or of facts).
    TopList,
    /// The top-level object's `memories` list starts at byte `at`; `in_e3` when the
    /// object also has `conversations` (then every record is a fact).
    Section { at: usize, in_e3: bool },
    /// Nowhere (a single record, or an object without `memories`).
    Nowhere,
}

/// Load the facts where the conversation loader found them: only the `memories` list
/// (or, for a top-level list, its first record and then, when that is a fact, the list)
/// is read again, never the conversations.
pub(super) fn load_facts_at(bytes: &[u8], at: FactsAt) -> FactSection {
    match at {
        FactsAt::Nowhere => FactSection::default(),
        FactsAt::TopList => load_facts(bytes),
        FactsAt::Section { at, in_e3 } => {
            let Some(list) = bytes.get(at..).and_then(|rest| {
                serde_json::Deserializer::from_slice(rest)
                    .into_iter::<&RawValue>()
                    .next()
                    .and_then(Result::ok)
            }) else {
                return FactSection::default();
            };
            let Ok(records) = serde_json::from_str::<Vec<&RawValue>>(list.get()) else {
                return FactSection::default();
            };
            section(bytes, &records, in_e3)
        }
    }
}

/// The facts of a `memories` list: all of them in an E3 file, else only when its
/// records look like facts.
fn section(bytes: &[u8], records: &[&RawValue], in_e3: bool) -> FactSection {
    if in_e3 {
        load_records(bytes, records, FactSource::E3Memories)
    } else if records
        .iter()
        .find_map(|r| record_kind(r.get()))
        .unwrap_or(false)
    {
        load_records(bytes, records, FactSource::ApiObject)
    } else {
        FactSection::default()
    }
}

/// Find and load the facts of a file on its own (reads the top level again; the export
/// loader uses [`load_facts_at`] instead).
pub fn load_facts(bytes: &[u8]) -> FactSection {
    let start = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let body = &bytes[start..];
    let first = body.iter().copied().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'[') => {
            if !list_looks_like_facts(body) {
                return FactSection::default();
            }
            match serde_json::from_slice::<Vec<&RawValue>>(body) {
                Ok(records) => load_records(bytes, &records, FactSource::ApiList),
                Err(_) => FactSection::default(),
            }
        }
        Some(b'{') => {
            #[derive(Deserialize)]
            struct Top<'a> {
                #[serde(borrow, default)]
                memories: Option<&'a RawValue>,
                #[serde(default)]
                conversations: Option<IgnoredAny>,
            }
            let Ok(top) = serde_json::from_slice::<Top>(body) else {
                return FactSection::default();
            };
            let Some(list) = top.memories else {
                return FactSection::default();
            };
            let Ok(records) = serde_json::from_str::<Vec<&RawValue>>(list.get()) else {
                return FactSection::default();
            };
            section(bytes, &records, top.conversations.is_some())
        }
        _ => FactSection::default(),
    }
}

/// Whether the first object of a top-level list is a fact (read without parsing the rest).
fn list_looks_like_facts(body: &[u8]) -> bool {
    let Some(open) = body.iter().position(|&b| b == b'[') else {
        return false;
    };
    let mut it = serde_json::Deserializer::from_slice(&body[open + 1..]).into_iter::<&RawValue>();
    match it.next() {
        Some(Ok(first)) => record_kind(first.get()).unwrap_or(false),
        _ => false,
    }
}

/// `Some(true)` for an object that looks like a fact (a `content` key and none of the
/// conversation keys), `Some(false)` for another object, `None` for a non-object.
fn record_kind(raw: &str) -> Option<bool> {
    let keys: HashMap<&str, IgnoredAny> = serde_json::from_str(raw).ok()?;
    let conversation = CONVERSATION_KEYS.iter().any(|k| keys.contains_key(k));
    Some(keys.contains_key("content") && !conversation)
}

fn load_records(bytes: &[u8], records: &[&RawValue], source: FactSource) -> FactSection {
    let mut out = FactSection {
        source: Some(source),
        total_records: records.len(),
        ..FactSection::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (index, raw) in records.iter().enumerate() {
        let text = raw.get();
        match serde_json::from_str::<RawFact>(text) {
            Ok(r) => {
                let fact = r.into_fact();
                match seen.get(&fact.id) {
                    Some(&first_index) => out.duplicates.push(Duplicate {
                        id: fact.id,
                        first_index,
                        index,
                    }),
                    None => {
                        seen.insert(fact.id.clone(), index);
                        out.facts.push(fact);
                    }
                }
            }
            Err(e) => out.bad_records.push(BadRecord {
                index,
                id: readable_id(text),
                line: line_of(bytes, text),
                reason: reason(text, &e),
            }),
        }
    }
    out
}

/// 1-based line of a slice of `bytes` (found by address; 0 when it is not inside).
fn line_of(bytes: &[u8], part: &str) -> usize {
    let base = bytes.as_ptr() as usize;
    let at = part.as_ptr() as usize;
    if at < base || at > base + bytes.len() {
        return 0;
    }
    1 + bytes[..at - base].iter().filter(|&&b| b == b'\n').count()
}

fn readable_id(text: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct IdOnly {
        #[serde(default)]
        id: Option<RawId>,
    }
    serde_json::from_str::<IdOnly>(text)
        .ok()?
        .id
        .map(RawId::into_string)
}

fn reason(text: &str, e: &serde_json::Error) -> String {
    let kind = match text.trim_start().as_bytes().first() {
        Some(b'{') => None,
        Some(b'[') => Some("a list"),
        Some(b'"') => Some("a string"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        _ => Some("a number"),
    };
    if let Some(kind) = kind {
        return format!("the record is {kind}, not a fact object");
    }
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(i) => &msg[..i],
        None => &msg,
    };
    msg.replace("struct RawFact", "a fact object")
}

fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

fn de_tags<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// A present, non-null value as compact JSON text (`"2026-06-05T…Z"` → the string).
fn de_set<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s),
        Some(v) => Some(v.to_string()),
    })
}

fn de_content<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Option::<String>::deserialize(d)?
        .ok_or_else(|| de::Error::custom("content is null (a fact needs its text)"))
}

/// One fact record as written (every export and API spelling, §F4).
#[derive(Deserialize)]
struct RawFact {
    id: RawId,
    #[serde(default)]
    uid: Option<String>,
    #[serde(deserialize_with = "de_content")]
    content: String,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    created_at: Option<OmiDate>,
    #[serde(default)]
    updated_at: Option<OmiDate>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    visibility: Option<String>,
    #[serde(default, deserialize_with = "de_tags")]
    tags: Vec<String>,
    #[serde(default, deserialize_with = "de_bool")]
    manually_added: bool,
    #[serde(default, deserialize_with = "de_bool")]
    edited: bool,
    #[serde(default, deserialize_with = "de_bool")]
    reviewed: bool,
    #[serde(default)]
    user_review: Option<bool>,
    #[serde(default, deserialize_with = "de_bool")]
    is_locked: bool,
    #[serde(default)]
    headline: Option<String>,
    #[serde(default)]
    scoring: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    deleted: bool,
    #[serde(default, deserialize_with = "de_set")]
    invalid_at: Option<String>,
    #[serde(default, deserialize_with = "de_set")]
    superseded_by: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, serde_json::Value>,
}

impl RawFact {
    fn into_fact(self) -> Fact {
        Fact {
            id: self.id.into_string(),
            uid: self.uid.filter(|u| !u.is_empty()),
            content: self.content,
            category: self
                .category
                .map(|c| FactCategory::from_value(&c))
                .unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            conversation_id: self.conversation_id.filter(|c| !c.is_empty()),
            visibility: self.visibility,
            tags: self.tags,
            manually_added: self.manually_added,
            edited: self.edited,
            reviewed: self.reviewed,
            user_review: self.user_review,
            is_locked: self.is_locked,
            headline: self.headline,
            scoring: self.scoring,
            deleted: self.deleted,
            invalid_at: self.invalid_at,
            superseded_by: self.superseded_by,
            rest: self
                .rest
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e3_section_with_a_bad_record() {
        let src = br#"{"profile":{},"conversations":[],"memories":[
  {"id":"a","content":"Likes tea","category":"habits","deleted":false,"memory_category":"health"},
  {"id":"b","content":null},
  {"id":"a","content":"again"},
  7
]}"#;
        let s = load_facts(src);
        assert_eq!(s.source, Some(FactSource::E3Memories));
        assert_eq!((s.facts.len(), s.total_records), (1, 4));
        assert_eq!(s.facts[0].category.raw(), "habits");
        assert!(s.facts[0].rest.iter().any(|(k, _)| k == "memory_category"));
        assert_eq!(s.bad_records.len(), 2);
        assert_eq!(s.bad_records[0].line, 3);
        assert_eq!(s.bad_records[0].id.as_deref(), Some("b"));
        assert!(
            s.bad_records[0].reason.contains("content"),
            "{:?}",
            s.bad_records
        );
        assert!(s.bad_records[1].reason.contains("a number"));
        assert_eq!(s.duplicates[0].id, "a");
    }

    #[test]
    fn the_export_loader_reads_only_the_memories_list_again() {
        let src = b"{\"conversations\":[{\"id\":\"c\"}],\n\"memories\":[\n{\"id\":\"a\",\"content\":\"x\"},\n{\"id\":5,\"content\":7}]}";
        let e = crate::omi::export::load_bytes("e.json", src).unwrap();
        let s = &e.fact_section;
        assert_eq!(s.source, Some(FactSource::E3Memories));
        assert_eq!((e.memories.len(), s.facts.len()), (1, 1));
        assert_eq!(
            (s.bad_records[0].line, s.bad_records[0].id.as_deref()),
            (4, Some("5"))
        );
        let api =
            crate::omi::export::load_bytes("f.json", br#"{"memories":[{"id":"a","content":"x"}]}"#)
                .unwrap();
        assert_eq!(api.fact_section.source, Some(FactSource::ApiObject));
        assert!(api.memories.is_empty());
    }

    #[test]
    fn lists_by_shape() {
        let dev = br#"[{"id":"x","content":"Runs","category":"system","created_at":"2026-03-01T10:00:00Z"}]"#;
        let s = load_facts(dev);
        assert_eq!(s.source, Some(FactSource::ApiList));
        assert!(s.facts_only());
        let conv = br#"[{"id":"x","structured":{"title":"t"},"content":"?"}]"#;
        assert_eq!(load_facts(conv).source, None);
        let obj = br#"{"memories":[{"id":"x","content":"Runs"}]}"#;
        assert_eq!(load_facts(obj).source, Some(FactSource::ApiObject));
        let conv_obj = br#"{"memories":[{"id":"x","structured":{}}]}"#;
        assert_eq!(load_facts(conv_obj).source, None);
    }
}
