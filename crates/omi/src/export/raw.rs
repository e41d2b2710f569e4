//! Typed serde mirrors of one export record, accepting every shape's spelling (E0
//! camelCase, E1/E2 app arrays, E3–E5 server snake_case), and their normalisation into
//! the [`crate::model`] types (omi.md §2). Unknown keys are skipped without being
//! built (serde's derive skips them with `IgnoredAny`).

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::pyjson::de_display_f64;
use crate::date::OmiDate;
use crate::model::{
    ActionItem, AppResult, Category, Event, FieldNote, Geolocation, Memory, Structured,
    TranscriptSegment,
};

/// The emoji of a memory whose `emoji` is missing or null.
pub const DEFAULT_EMOJI: &str = "🧠";

impl<'de> Deserialize<'de> for OmiDate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<'de, str>::deserialize(d)?;
        OmiDate::parse(&s).map_err(de::Error::custom)
    }
}

/// A memory id: E0 writes integers, every other shape strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawId {
    /// An integer id (E0).
    Int(String),
    /// A string id.
    Str(String),
}

impl RawId {
    /// The id as a string.
    pub fn into_string(self) -> String {
        match self {
            Self::Int(s) | Self::Str(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for RawId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or integer id")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawId, E> {
                if v.is_empty() {
                    return Err(E::custom("empty id"));
                }
                Ok(RawId::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawId, E> {
                if v.is_empty() {
                    return Err(E::custom("empty id"));
                }
                Ok(RawId::Str(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawId, E> {
                Ok(RawId::Int(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawId, E> {
                Ok(RawId::Int(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Omi's `Event.duration` default.
fn default_duration() -> i64 {
    30
}

/// An integer duration in minutes; an integral float (`30.0`) is accepted, null is the
/// default (30).
fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = i64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer number of minutes")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
            Ok(v)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
            i64::try_from(v).map_err(|_| E::custom("duration too large"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i64)
            } else {
                Err(E::custom(format!("duration {v} is not a whole number")))
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<i64, E> {
            Ok(default_duration())
        }
    }
    d.deserialize_any(V)
}

/// `null` or missing → `false`.
fn de_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(false))
}

/// `null` or missing → empty list.
fn de_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// Count the elements of a list without building them (`null` → 0).
fn de_count<'de, D: Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = usize;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a list")
        }
        fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
            Ok(0)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
            let mut n = 0;
            while seq.next_element::<IgnoredAny>()?.is_some() {
                n += 1;
            }
            Ok(n)
        }
    }
    d.deserialize_any(V)
}

/// An action item: a plain string (E0–E2) or an object (E3–E5). The flag is true when an
/// object had no `description` (or a null one), which Omi's `ActionItem` requires.
#[derive(Debug)]
pub struct RawActionItem(pub ActionItem, pub bool);

#[derive(Deserialize)]
struct RawActionObject {
    #[serde(default)]
    description: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    completed: bool,
    #[serde(default, alias = "createdAt")]
    created_at: Option<OmiDate>,
    #[serde(default, alias = "dueAt")]
    due_at: Option<OmiDate>,
    #[serde(default, alias = "completedAt")]
    completed_at: Option<OmiDate>,
}

impl<'de> Deserialize<'de> for RawActionItem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawActionItem;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an action item (string or object)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawActionItem, E> {
                self.visit_string(v.to_string())
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<RawActionItem, E> {
                Ok(RawActionItem(
                    ActionItem {
                        description: v,
                        ..ActionItem::default()
                    },
                    false,
                ))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawActionItem, A::Error> {
                let o = RawActionObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                let missing = o.description.is_none();
                Ok(RawActionItem(
                    ActionItem {
                        description: o.description.unwrap_or_default(),
                        completed: o.completed,
                        created_at: o.created_at,
                        due_at: o.due_at,
                        completed_at: o.completed_at,
                    },
                    missing,
                ))
            }
        }
        d.deserialize_any(V)
    }
}

/// An event (`startsAt` in E0–E2, `start` after).
#[derive(Debug, Deserialize)]
pub struct RawEvent {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default, alias = "startsAt", alias = "starts_at")]
    start: Option<OmiDate>,
    /// Omi's default is 30 minutes.
    #[serde(default = "default_duration", deserialize_with = "de_duration")]
    duration: i64,
    #[serde(default, deserialize_with = "de_bool")]
    created: bool,
}

/// The `structured` field as written.
#[derive(Debug, Default, Deserialize)]
pub struct RawStructured {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    overview: Option<String>,
    #[serde(default)]
    emoji: Option<String>,
    #[serde(default, deserialize_with = "de_category")]
    category: Option<String>,
    #[serde(default, deserialize_with = "de_vec")]
    action_items: Vec<RawActionItem>,
    /// E0–E2 spelling; the flag helps tell the app shapes apart.
    #[serde(default, rename = "actionItems", deserialize_with = "de_opt_vec")]
    action_items_camel: Option<Vec<RawActionItem>>,
    #[serde(default, deserialize_with = "de_vec")]
    events: Vec<RawEvent>,
}

/// A category value: a string, or (as Omi's validator does) anything else becomes an
/// unknown value, kept as its JSON text; null is missing.
fn de_category<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    struct V;
    impl Visitor<'_> for V {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a category string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }
    }
    d.deserialize_any(V)
}

fn de_opt_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Vec<T>>, D::Error> {
    Option::<Vec<T>>::deserialize(d)
}

impl RawStructured {
    /// True when it used the app's camelCase `actionItems`.
    pub fn camel(&self) -> bool {
        self.action_items_camel.is_some()
    }

    /// Paths of the fields Omi's pydantic models require that are missing or null:
    /// `Event.title`, `Event.start`, `ActionItem.description` (omi.md §2). Action items are
    /// numbered over `action_items` then `actionItems`, as [`Self::into_structured`] joins
    /// them.
    pub fn missing_required(&self) -> Vec<String> {
        let mut out = Vec::new();
        let actions = self
            .action_items
            .iter()
            .chain(self.action_items_camel.iter().flatten());
        for (i, a) in actions.enumerate() {
            if a.1 {
                out.push(format!("structured.action_items[{i}].description"));
            }
        }
        for (i, e) in self.events.iter().enumerate() {
            if e.title.is_none() {
                out.push(format!("structured.events[{i}].title"));
            }
            if e.start.is_none() {
                out.push(format!("structured.events[{i}].start"));
            }
        }
        out
    }

    /// Normalise (omi.md §2).
    pub fn into_structured(self) -> Structured {
        let mut actions = self.action_items;
        if let Some(camel) = self.action_items_camel {
            actions.extend(camel);
        }
        Structured {
            title: self.title.unwrap_or_default(),
            overview: self.overview.unwrap_or_default(),
            emoji: self.emoji.unwrap_or_else(|| DEFAULT_EMOJI.to_string()),
            category: self
                .category
                .as_deref()
                .map(Category::from_value)
                .unwrap_or_default(),
            action_items: actions.into_iter().map(|a| a.0).collect(),
            events: self
                .events
                .into_iter()
                .map(|e| Event {
                    title: e.title.unwrap_or_default(),
                    description: e.description.unwrap_or_default(),
                    start: e.start,
                    duration: e.duration,
                    created: e.created,
                })
                .collect(),
        }
    }
}

/// Parse one `structured` object (JSON text) and normalise it.
pub fn parse_structured(json: &str) -> Result<Structured, serde_json::Error> {
    let raw: Option<RawStructured> = serde_json::from_str(json)?;
    Ok(raw.unwrap_or_default().into_structured())
}

/// A transcript segment (snake_case or camelCase).
#[derive(Debug, Deserialize)]
struct RawSegment {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    speaker: Option<String>,
    #[serde(default, alias = "speakerId")]
    speaker_id: Option<i64>,
    #[serde(default, alias = "isUser", deserialize_with = "de_bool")]
    is_user: bool,
    #[serde(default, deserialize_with = "de_display_f64")]
    start: Option<f64>,
    #[serde(default, deserialize_with = "de_display_f64")]
    end: Option<f64>,
}

/// An app/plugin result: an object, or a bare string (old app).
struct RawAppResult(AppResult);

#[derive(Deserialize)]
struct RawAppObject {
    #[serde(default, alias = "appId", alias = "plugin_id", alias = "pluginId")]
    app_id: Option<String>,
    #[serde(default)]
    content: Option<String>,
}

impl<'de> Deserialize<'de> for RawAppResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawAppResult;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an app result (object or string)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawAppResult, E> {
                Ok(RawAppResult(AppResult {
                    app_id: None,
                    content: v.to_string(),
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAppResult, A::Error> {
                let o = RawAppObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawAppResult(AppResult {
                    app_id: o.app_id,
                    content: o.content.unwrap_or_default(),
                }))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Debug, Default, Deserialize)]
struct RawGeo {
    #[serde(default, deserialize_with = "de_display_f64")]
    latitude: Option<f64>,
    #[serde(default, deserialize_with = "de_display_f64")]
    longitude: Option<f64>,
    #[serde(default)]
    address: Option<String>,
    #[serde(default, alias = "locationType")]
    location_type: Option<String>,
}

/// One memory record as written in any shape.
#[derive(Deserialize)]
pub struct RawRecord {
    id: RawId,
    #[serde(default)]
    created_at: Option<OmiDate>,
    #[serde(default, rename = "createdAt")]
    created_at_camel: Option<OmiDate>,
    #[serde(default, alias = "startedAt")]
    started_at: Option<OmiDate>,
    #[serde(default, alias = "finishedAt")]
    finished_at: Option<OmiDate>,
    #[serde(default)]
    structured: Option<RawStructured>,
    #[serde(default, alias = "transcriptSegments", deserialize_with = "de_vec")]
    transcript_segments: Vec<RawSegment>,
    /// E0's plain transcript string.
    #[serde(default)]
    transcript: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default, deserialize_with = "de_bool")]
    discarded: bool,
    #[serde(default, deserialize_with = "de_bool")]
    deleted: bool,
    #[serde(default, alias = "isLocked", deserialize_with = "de_bool")]
    is_locked: bool,
    #[serde(default, alias = "geoLocation")]
    geolocation: Option<RawGeo>,
    /// Server shapes; API responses may repeat them as `plugins_results`.
    #[serde(default, deserialize_with = "de_vec")]
    apps_results: Vec<RawAppResult>,
    #[serde(
        default,
        alias = "pluginsResponse",
        alias = "plugins_response",
        deserialize_with = "de_vec"
    )]
    plugins_results: Vec<RawAppResult>,
    #[serde(default, deserialize_with = "de_count")]
    photos: usize,
    /// A top-level `content` (facts have one; conversations do not).
    #[serde(default, deserialize_with = "de_present")]
    content: bool,
    /// A top-level `category` (a fact's; a conversation's is inside `structured`).
    #[serde(default, deserialize_with = "de_present")]
    category: bool,
}

/// `true` when the key is present (whatever its value, skipped unbuilt).
fn de_present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Keys of a record that only feed the display (transcript, place, photos, app output,
/// source, language, start/finish times): a malformed value there never costs the record
/// ([`repair_display_fields`]). Everything else (id, `created_at`, `structured`, the
/// flags) decides the embedding text, the vector id or the metadata.
pub const DISPLAY_KEYS: &[&str] = &[
    "transcript_segments",
    "transcriptSegments",
    "transcript",
    "geolocation",
    "geoLocation",
    "photos",
    "apps_results",
    "plugins_results",
    "pluginsResponse",
    "plugins_response",
    "source",
    "language",
    "started_at",
    "startedAt",
    "finished_at",
    "finishedAt",
];

/// Why `value` does not deserialize as `T` (`None` when it does).
fn problem<T: serde::de::DeserializeOwned>(value: &serde_json::Value) -> Option<String> {
    serde_json::from_value::<T>(value.clone())
        .err()
        .map(|e| describe_type_error(&e.to_string()))
}

/// serde's message in the user's terms ("invalid type: map, expected a list" → "an
/// object, not a list").
fn describe_type_error(msg: &str) -> String {
    msg.replace("invalid type: map", "an object")
        .replace("invalid type: sequence", "a list")
        .replace("invalid type: string", "a string")
        .replace("invalid type: integer", "an integer")
        .replace("invalid type: floating point", "a number")
        .replace("invalid type: boolean", "a boolean")
        .replace(", expected a sequence", ", not a list")
        .replace(", expected ", ", not ")
}

/// The JSON text of `v`, non-finite sentinels shown as the Python tokens, cut to
/// [`FieldNote::RAW_MAX`] characters.
pub fn raw_text(v: &serde_json::Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    cut_raw(&super::pyjson::show_tokens(&text))
}

/// `text` cut to [`FieldNote::RAW_MAX`] characters (`…` marks a cut).
pub fn cut_raw(text: &str) -> String {
    let mut cut: String = text.chars().take(FieldNote::RAW_MAX).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    cut
}

/// Make the display-only fields of one record object loadable: a value that does not
/// fit its type is removed (a transcript segment that does not fit is removed alone) and
/// noted with its raw text, so the rest of the record loads. Returns the notes.
pub fn repair_display_fields(
    map: &mut serde_json::Map<String, serde_json::Value>,
) -> Vec<FieldNote> {
    use serde_json::Value;
    // Only whether each value deserializes matters; the values are dropped.
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Segments(#[serde(deserialize_with = "de_vec")] Vec<RawSegment>);
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Apps(#[serde(deserialize_with = "de_vec")] Vec<RawAppResult>);
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Count(#[serde(deserialize_with = "de_count")] usize);
    let mut notes = Vec::new();
    for key in DISPLAY_KEYS {
        let Some(value) = map.get_mut(*key) else {
            continue;
        };
        if value.is_null() {
            continue;
        }
        if matches!(*key, "transcript_segments" | "transcriptSegments")
            && let Value::Array(items) = value
        {
            let mut i = 0;
            items.retain(|item| {
                let at = i;
                i += 1;
                match problem::<RawSegment>(item) {
                    None => true,
                    Some(p) => {
                        notes.push(FieldNote {
                            field: format!("{key}[{at}]"),
                            problem: format!("{p}; segment left out"),
                            raw: raw_text(item),
                        });
                        false
                    }
                }
            });
            continue;
        }
        let bad = match *key {
            "transcript_segments" | "transcriptSegments" => problem::<Segments>(value),
            "geolocation" | "geoLocation" => problem::<RawGeo>(value),
            "photos" => problem::<Count>(value),
            "apps_results" | "plugins_results" | "pluginsResponse" | "plugins_response" => {
                problem::<Apps>(value)
            }
            "started_at" | "startedAt" | "finished_at" | "finishedAt" => problem::<OmiDate>(value),
            _ => problem::<String>(value),
        };
        if let Some(p) = bad {
            notes.push(FieldNote {
                field: key.to_string(),
                problem: format!("{p}; left out"),
                raw: raw_text(value),
            });
            map.remove(*key);
        }
    }
    notes
}

/// What a record's spelling says about the export shape it came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ShapeHints {
    /// Integer id or camelCase top-level keys (E0).
    pub camel_top: bool,
    /// `structured.actionItems` (app exports E0–E2).
    pub camel_structured: bool,
    /// `source` is `MemorySource.*` (E1).
    pub memory_source: bool,
    /// `source` is `ConversationSource.*` (E2).
    pub conversation_source: bool,
}

impl RawRecord {
    /// True when the record is an Omi fact, not a conversation
    /// ([`super::facts::looks_like_fact`]).
    pub fn is_fact(&self) -> bool {
        super::facts::looks_like_fact(self.content, self.category, self.structured.is_some())
    }

    /// Normalise into a [`Memory`] plus the shape hints of its spelling.
    pub fn into_memory(self) -> (Memory, ShapeHints) {
        let source = self.source.as_deref().unwrap_or("");
        let hints = ShapeHints {
            camel_top: matches!(self.id, RawId::Int(_)) || self.created_at_camel.is_some(),
            camel_structured: self.structured.as_ref().is_some_and(RawStructured::camel),
            memory_source: source.starts_with("MemorySource."),
            conversation_source: source.starts_with("ConversationSource."),
        };
        let geolocation = self.geolocation.and_then(|g| {
            let empty = g.latitude.is_none()
                && g.longitude.is_none()
                && g.address.is_none()
                && g.location_type.is_none();
            (!empty).then_some(Geolocation {
                latitude: g.latitude,
                longitude: g.longitude,
                address: g.address,
                location_type: g.location_type,
            })
        });
        let missing_required = self
            .structured
            .as_ref()
            .map(RawStructured::missing_required)
            .unwrap_or_default();
        let memory = Memory {
            id: self.id.into_string(),
            created_at: self.created_at.or(self.created_at_camel),
            started_at: self.started_at,
            finished_at: self.finished_at,
            structured: self.structured.unwrap_or_default().into_structured(),
            transcript: self
                .transcript_segments
                .into_iter()
                .map(|s| TranscriptSegment {
                    text: s.text.unwrap_or_default(),
                    speaker: s.speaker,
                    speaker_id: s.speaker_id,
                    is_user: s.is_user,
                    start: s.start.unwrap_or(0.0),
                    end: s.end.unwrap_or(0.0),
                })
                .collect(),
            source: self.source,
            language: self.language,
            status: self.status,
            discarded: self.discarded,
            deleted: self.deleted,
            locked: self.is_locked,
            missing_required,
            notes: Vec::new(),
            geolocation,
            app_results: if self.apps_results.is_empty() {
                self.plugins_results
            } else {
                self.apps_results
            }
            .into_iter()
            .map(|a| a.0)
            .collect(),
            transcript_text: self.transcript,
            photo_count: self.photos,
        };
        (memory, hints)
    }
}

/// Only the part of an E3 `profile` memlens shows.
#[derive(Debug, Default, Deserialize)]
pub struct RawProfile {
    /// The user's display name.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's id, when the export names it.
    #[serde(default)]
    pub uid: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CategoryKind;

    #[test]
    fn normalises_app_structured() {
        let s = parse_structured(
            r#"{"category":"romantic","actionItems":["a"],"events":[{"title":"t","startsAt":"2024-01-01T00:00:00","duration":30.0}]}"#,
        )
        .unwrap();
        assert_eq!(s.title, "");
        assert_eq!(s.emoji, DEFAULT_EMOJI);
        assert_eq!(s.category.kind, CategoryKind::Romance);
        assert_eq!(s.action_items[0].description, "a");
        assert!(!s.action_items[0].completed);
        assert_eq!(s.events[0].duration, 30);
        assert!(s.events[0].start.as_ref().unwrap().is_ambiguous());
        let s = parse_structured(
            r#"{"events":[{"title":"t","start":"2024-01-01T00:00:00Z"}],"category":7}"#,
        )
        .unwrap();
        assert_eq!(s.events[0].duration, 30, "Omi's default duration");
        assert_eq!(s.category.kind, CategoryKind::Other);
        assert_eq!(s.category.unknown_raw.as_deref(), Some("7"));
    }

    #[test]
    fn unknown_category_keeps_raw() {
        let s = parse_structured(r#"{"category":"ROMANTIC","emoji":null}"#).unwrap();
        assert_eq!(s.category.kind, CategoryKind::Other);
        assert_eq!(s.category.unknown_raw.as_deref(), Some("ROMANTIC"));
        assert_eq!(s.emoji, DEFAULT_EMOJI);
    }

    #[test]
    fn bad_types_are_errors() {
        assert!(parse_structured(r#"{"title":5}"#).is_err());
        assert!(parse_structured(r#"{"events":[{"start":"yesterday"}]}"#).is_err());
        assert!(parse_structured(r#"{"events":[{"duration":1.5}]}"#).is_err());
    }
}
