//! The embedding text: an arbitrary `structured` value (built by `arbitrary`, biased
//! towards the keys and date strings Omi uses; or raw JSON text when the input starts
//! with `{`) rendered in every format, and arbitrary strings through the Python string
//! functions.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use memlens_omi::export::parse_structured;
use memlens_omi::pystr::{capitalize, lower, strip};
use memlens_omi::text::{TextFormat, render};
use serde_json::{Map, Value};

/// A JSON value; strings are often Omi-looking dates.
#[derive(Arbitrary, Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Date(Date),
    List(Vec<Json>),
    Object(Vec<(Key, Json)>),
}

/// Keys Omi's `structured` objects use, or any key.
#[derive(Arbitrary, Debug)]
enum Key {
    Known(u8),
    Other(String),
}

const KEYS: &[&str] = &[
    "title",
    "overview",
    "emoji",
    "category",
    "action_items",
    "actionItems",
    "events",
    "description",
    "completed",
    "created_at",
    "createdAt",
    "due_at",
    "dueAt",
    "completed_at",
    "start",
    "duration",
    "created",
    "id",
];

/// `YYYY-MM-DDTHH:MM:SS[.ffffff][zone]` with arbitrary (also out of range) parts.
#[derive(Arbitrary, Debug)]
struct Date {
    year: u16,
    month: u8,
    day: u8,
    hour: u8,
    minute: u8,
    second: u8,
    micros: Option<u32>,
    zone: Option<i16>,
    space: bool,
}

impl Date {
    fn text(&self) -> String {
        let mut s = format!(
            "{:04}-{:02}-{:02}{}{:02}:{:02}:{:02}",
            self.year % 10000,
            self.month % 14,
            self.day % 33,
            if self.space { ' ' } else { 'T' },
            self.hour % 25,
            self.minute % 61,
            self.second % 61
        );
        if let Some(us) = self.micros {
            s.push_str(&format!(".{}", us % 10_000_000));
        }
        match self.zone {
            Some(0) => s.push('Z'),
            Some(z) => s.push_str(&format!("{:+03}:{:02}", z / 60 % 25, (z % 60).abs())),
            None => {}
        }
        s
    }
}

impl Json {
    fn value(&self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Int(i) => Value::from(*i),
            Json::Float(f) => serde_json::Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.clone()),
            Json::Date(d) => Value::String(d.text()),
            Json::List(items) => Value::Array(items.iter().map(Json::value).collect()),
            Json::Object(entries) => Value::Object(object(entries)),
        }
    }
}

fn object(entries: &[(Key, Json)]) -> Map<String, Value> {
    entries
        .iter()
        .map(|(k, v)| {
            let k = match k {
                Key::Known(i) => KEYS[usize::from(*i) % KEYS.len()].to_string(),
                Key::Other(s) => s.clone(),
            };
            (k, v.value())
        })
        .collect()
}

#[derive(Arbitrary, Debug)]
enum Input {
    Structured(Vec<(Key, Json)>),
    Text(String),
}

fn render_all(json: &str) {
    if let Ok(s) = parse_structured(json) {
        for format in TextFormat::ALL {
            let _ = render(&s, format);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.first() == Some(&b'{') {
        if let Ok(json) = std::str::from_utf8(data) {
            render_all(json);
        }
        return;
    }
    let Ok(input) = arbitrary::Unstructured::new(data).arbitrary::<Input>() else {
        return;
    };
    match input {
        Input::Structured(entries) => {
            let json = Value::Object(object(&entries)).to_string();
            render_all(&json);
        }
        Input::Text(s) => {
            let stripped = strip(&s);
            assert!(s.contains(stripped));
            assert_eq!(strip(stripped), stripped, "strip is idempotent");
            let _ = capitalize(&s);
            let _ = capitalize(stripped);
            let _ = lower(&s);
        }
    }
});
