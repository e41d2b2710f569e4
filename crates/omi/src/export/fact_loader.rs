//! Loading Omi's facts (omi-facts.md §F4, §F7.1) from the sections and lists that hold
//! them: E3 `omi-export.json` `memories` (raw Firestore docs, `+00:00` dates, or late-2026
//! pydantic dumps with `Z` dates), `GET /v3/memories` and the developer / MCP lists (a
//! top-level list of fact objects), and `{"memories": [...]}` objects (integration API,
//! MCP search). Each record is read on its own: one that does not fit is reported as a
//! [`BadRecord`] and the rest load; a repeated id is a [`Duplicate`] (the first is kept).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer};

use super::facts::{FactSource as SetAsideSource, SetAsideFact};
use super::pyjson;
use super::raw::RawId;
use super::{BadRecord, Duplicate};
use crate::date::OmiDate;
use crate::fact::{Fact, FactCategory};

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

/// Parse the facts the export loader set aside ([`SetAsideFact`], raw records in file
/// order). `top_is_list` says the file's top level is a list (a dev-API / `/v3/memories`
/// list) rather than an object, for [`FactSource`]. Python-style `NaN` / `Infinity` tokens
/// are read as sentinel values (kept in [`Fact::rest`] for display).
pub fn from_set_aside(set_aside: &[SetAsideFact], top_is_list: bool) -> FactSection {
    let Some(first) = set_aside.first() else {
        return FactSection::default();
    };
    let source = match first.source {
        SetAsideSource::E3Memories => FactSource::E3Memories,
        SetAsideSource::RecordList if top_is_list => FactSource::ApiList,
        SetAsideSource::RecordList => FactSource::ApiObject,
    };
    let mut out = FactSection {
        source: Some(source),
        total_records: set_aside.len(),
        ..FactSection::default()
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for rec in set_aside {
        let text = json_text(&rec.raw);
        match serde_json::from_str::<RawFact>(&text) {
            Ok(r) => {
                let fact = r.into_fact();
                match seen.get(&fact.id) {
                    Some(&first_index) => out.duplicates.push(Duplicate {
                        id: fact.id,
                        first_index,
                        index: rec.index,
                    }),
                    None => {
                        seen.insert(fact.id.clone(), rec.index);
                        out.facts.push(fact);
                    }
                }
            }
            Err(e) => out.bad_records.push(BadRecord {
                index: rec.index,
                id: rec.id.clone().or_else(|| readable_id(&text)),
                line: rec.line,
                reason: reason(&text, &e),
            }),
        }
    }
    out
}

/// The record's text as strict JSON: Python-style non-finite tokens become sentinels.
fn json_text(raw: &str) -> std::borrow::Cow<'_, str> {
    match pyjson::scan(raw.as_bytes(), 0) {
        Ok((_, found)) if !found.is_empty() => {
            std::borrow::Cow::Owned(pyjson::with_sentinels(raw, 0, &found))
        }
        _ => std::borrow::Cow::Borrowed(raw),
    }
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
    use crate::export::load_bytes;

    #[test]
    fn e3_section_with_a_bad_record() {
        let src = br#"{"profile":{},"conversations":[],"memories":[
  {"id":"a","content":"Likes tea","category":"habits","deleted":false,"memory_category":"health"},
  {"id":"b","content":null},
  {"id":"a","content":"again"},
  7
]}"#;
        let e = load_bytes("e.json", src).unwrap();
        let s = &e.fact_section;
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
    fn facts_are_parsed_from_the_set_aside_records() {
        let src = b"{\"conversations\":[{\"id\":\"c\"}],\n\"memories\":[\n{\"id\":\"a\",\"content\":\"x\",\"weight\":NaN},\n{\"id\":5,\"content\":7}]}";
        let e = load_bytes("e.json", src).unwrap();
        let s = &e.fact_section;
        assert_eq!(s.source, Some(FactSource::E3Memories));
        assert_eq!((e.memories.len(), s.facts.len(), e.facts.len()), (1, 1, 2));
        assert_eq!(
            (s.bad_records[0].line, s.bad_records[0].id.as_deref()),
            (4, Some("5"))
        );
    }

    #[test]
    fn lists_by_shape() {
        let dev = br#"[{"id":"x","content":"Runs","category":"system","created_at":"2026-03-01T10:00:00Z"}]"#;
        let e = load_bytes("d.json", dev).unwrap();
        assert_eq!(e.fact_section.source, Some(FactSource::ApiList));
        assert!(e.fact_section.facts_only());
        assert!(e.memories.is_empty());
        let conv = br#"[{"id":"x","structured":{"title":"t"},"content":"?"}]"#;
        assert_eq!(
            load_bytes("c.json", conv).unwrap().fact_section.source,
            None
        );
    }
}
