//! A generated heavy Omi user for benchmarks: an E3 `omi-export.json` (the demo export's
//! shape) with, by default, 2,000 conversations and 200,000 transcript segments (about
//! 33,700 transcript chunks at Omi's 8 lines / step 6), written at bench time to a temp
//! path, never committed.
//!
//! Include it with `#[path = "support/heavy_user.rs"] mod heavy_user;` (from `benches/`)
//! and call [`write_export`]:
//!
//! ```ignore
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("omi-export.json");
//! let stats = heavy_user::write_export(&path, &heavy_user::Shape::default())?;
//! // stats.conversations == 2_000, stats.segments == 200_000, stats.bytes ≈ 28 MB (8 s in a debug build)
//! ```
//!
//! Deterministic: the same `Shape` (seed included) writes the same bytes. Conversations
//! have 10 to ~300 segments (a long tail), 2–4 speakers, realistic `start`/`end` seconds,
//! dates spread over 2024-01 … 2026-10 newest first, a title/overview/category/emoji, and
//! transcript lines holding names, places, amounts and times drawn per conversation.
//! Records are streamed to the file one at a time, so memory stays flat.

#![allow(dead_code)] // each bench or test uses part of it

use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::json;

/// What to generate. `segments` are spread over `conversations` (every conversation
/// gets at least 10).
#[derive(Clone, Debug)]
pub struct Shape {
    pub conversations: usize,
    pub segments: usize,
    pub seed: u64,
    pub uid: String,
}

impl Default for Shape {
    fn default() -> Self {
        Shape {
            conversations: 2_000,
            segments: 200_000,
            seed: 0x6865_6176_7975,
            uid: "heavy-user".into(),
        }
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub conversations: usize,
    pub segments: usize,
    /// Transcript chunks Omi's chunker makes of these transcripts (8 lines, step 6).
    pub chunks: usize,
    pub bytes: u64,
}

/// SplitMix64: small, fast, deterministic (no dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &'a [&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const TOPICS: &[(&str, &str, &str, &str)] = &[
    (
        "🦷",
        "health",
        "Dentist visit",
        "A check-up at the dentist; a small filling next month.",
    ),
    (
        "🏃",
        "sports",
        "Long run",
        "A long run by the river with a friend from the club.",
    ),
    (
        "💼",
        "work",
        "Team meeting",
        "The weekly team meeting about the release and hiring.",
    ),
    (
        "🛒",
        "personal",
        "Grocery run",
        "Weekly groceries and a stop at the pharmacy.",
    ),
    (
        "📞",
        "family",
        "Call with Dad",
        "Caught up with Dad about his garden and the holidays.",
    ),
    (
        "🏠",
        "real",
        "Apartment viewing",
        "Viewed a two-bedroom flat; the kitchen is small.",
    ),
    (
        "💰",
        "finance",
        "Budget review",
        "Went through the month's spending and the savings plan.",
    ),
    (
        "✈️",
        "travel",
        "Trip planning",
        "Planned flights and hotels for the autumn trip.",
    ),
    (
        "🎸",
        "music",
        "Band practice",
        "Rehearsed four songs for the gig at the pub.",
    ),
    (
        "🐶",
        "pets",
        "Vet check",
        "Annual shots for the dog and a talk about his diet.",
    ),
    (
        "📚",
        "literature",
        "Book club",
        "Discussed the month's novel; mixed feelings about the ending.",
    ),
    (
        "🤝",
        "business",
        "Client call",
        "A client wants a discount before renewing the contract.",
    ),
];
const FIRST: &[&str] = &[
    "Ana", "Bruno", "Chloe", "Dario", "Eva", "Farid", "Greta", "Hugo", "Iris", "Jonas", "Kira",
    "Leon", "Mina", "Nico", "Olga", "Pavel", "Quinn", "Rosa", "Soren", "Tara", "Umar", "Vera",
    "Wim", "Yusra", "Zane",
];
const LAST: &[&str] = &[
    "Almeida", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ito",
    "Jansen", "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quint", "Rossi",
];
const PLACES: &[&str] = &[
    "the café on Elm Street",
    "the station",
    "Riverside Park",
    "the office on 5th",
    "the market",
    "the library",
    "Dr. Lee's clinic",
    "the airport",
    "the hardware store",
    "the gym",
];
const LINES: &[&str] = &[
    "So {name} said we should meet at {place} around {time}.",
    "It came to {amount}, which is more than last time.",
    "Wait, was that on {day} or the week after?",
    "{name} called about it, she wants an answer by {day}.",
    "Okay, I'll put {amount} aside for that.",
    "Did you ask {name} about the keys?",
    "Yeah, we're fine, I think. Let's see how it goes.",
    "Mm-hm.",
    "Right, and the other thing, the booking at {place}.",
    "I told {name} {time} works for me.",
    "Honestly it was a long day.",
    "No, the first one was cheaper, {amount} I think.",
];
const DAYS: &[&str] = &[
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Omi's chunk count for `n` transcript lines (8 per chunk, step 6).
fn chunks_for(n: usize) -> usize {
    match n {
        0 => 0,
        1..=8 => 1,
        _ => (n - 8).div_ceil(6) + 1,
    }
}

/// Segment counts for every conversation: at least 10, a long tail, summing to `total`.
fn segment_counts(rng: &mut Rng, conversations: usize, total: usize) -> Vec<usize> {
    assert!(
        total >= conversations * 10,
        "need 10+ segments per conversation"
    );
    let weights: Vec<f64> = (0..conversations)
        .map(|_| -(1.0 - rng.unit()).ln()) // exponential: many short, a few very long
        .collect();
    let spare = (total - conversations * 10) as f64;
    let sum: f64 = weights.iter().sum();
    let mut counts: Vec<usize> = weights
        .iter()
        .map(|w| 10 + (spare * w / sum) as usize)
        .collect();
    let mut short = total - counts.iter().sum::<usize>();
    let mut i = 0;
    while short > 0 {
        counts[i % conversations] += 1;
        short -= 1;
        i += 1;
    }
    counts
}

fn line(rng: &mut Rng) -> String {
    let mut text = rng.pick(LINES).to_string();
    for (slot, value) in [
        ("{name}", format!("{} {}", rng.pick(FIRST), rng.pick(LAST))),
        ("{place}", rng.pick(PLACES).to_string()),
        (
            "{time}",
            format!("{}:{:02}", 1 + rng.below(11), rng.below(12) * 5),
        ),
        ("{amount}", format!("${}", 5 + rng.below(2_000))),
        ("{day}", rng.pick(DAYS).to_string()),
    ] {
        text = text.replace(slot, &value);
    }
    text
}

fn iso(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        secs / 3_600,
        secs % 3_600 / 60,
        secs % 60
    )
}

/// Writes the export to `path` and says what it holds.
///
/// Errors: the file cannot be created or written.
pub fn write_export(path: &Path, shape: &Shape) -> std::io::Result<Stats> {
    let mut rng = Rng(shape.seed);
    let counts = segment_counts(&mut rng, shape.conversations, shape.segments);
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let profile =
        json!({"uid": shape.uid, "name": "Heavy User", "time_zone": "UTC", "language": "en"});
    write!(out, "{{\"profile\":{profile},\"conversations\":[")?;
    // 2024-01-01 .. 2026-10-31, newest first.
    let (first, last) = (1_704_067_200_i64, 1_793_404_800_i64);
    let step = (last - first) / shape.conversations.max(1) as i64;
    let mut chunks = 0;
    for (i, &n) in counts.iter().enumerate() {
        let (emoji, category, title, overview) = TOPICS[rng.below(TOPICS.len())];
        let started = last - step * i as i64 - rng.below(step.max(1) as usize) as i64;
        let speakers = 2 + rng.below(3);
        let mut t = rng.unit() * 3.0;
        let mut segments = Vec::with_capacity(n);
        for _ in 0..n {
            let text = line(&mut rng);
            let speaker = rng.below(speakers);
            let dur = 0.6 + text.len() as f64 / (12.0 + rng.unit() * 5.0);
            segments.push(json!({
                "text": text,
                "speaker": format!("SPEAKER_{speaker:02}"),
                "speaker_id": speaker,
                "is_user": speaker == 0,
                "start": (t * 100.0).round() / 100.0,
                "end": ((t + dur) * 100.0).round() / 100.0,
            }));
            t += dur + 0.2 + rng.unit() * 1.5;
        }
        chunks += chunks_for(n);
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.next() as u32,
            rng.next() as u16,
            rng.next() as u16 & 0xfff,
            rng.next() as u16 & 0xfff,
            rng.next() & 0xffff_ffff_ffff
        );
        let record = json!({
            "id": id,
            "created_at": iso(started),
            "started_at": iso(started),
            "finished_at": iso(started + t.ceil() as i64),
            "source": "omi",
            "language": "en",
            "status": "completed",
            "discarded": false,
            "visibility": "private",
            "structured": {
                "title": format!("{title} #{}", i + 1),
                "overview": overview,
                "emoji": emoji,
                "category": category,
                "action_items": [],
                "events": [],
            },
            "transcript_segments": segments,
            "apps_results": [],
            "geolocation": null,
        });
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut out, &record)?;
    }
    out.write_all(b"],\"memories\":[],\"export_complete\":true}\n")?;
    out.flush()?;
    Ok(Stats {
        conversations: shape.conversations,
        segments: counts.iter().sum(),
        chunks,
        bytes: std::fs::metadata(path)?.len(),
    })
}
