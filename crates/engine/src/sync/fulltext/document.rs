//! What the full-text index holds for one memory: the text of each field, one line per
//! item (action item, event, transcript segment, app result), and the start time of each
//! transcript line. The content hash of an export is taken over these documents.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::omi::Memory;

/// Bump when the document layout, the tokenizer or the schema changes: it is part of the
/// content hash, so every index is rebuilt once.
pub const LAYOUT_VERSION: u32 = 2;

/// A searchable field of a memory (an FTS5 column each). Facts (ns2) will be one more
/// column here once they load: add the variant, its column and weight, and bump
/// [`LAYOUT_VERSION`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    Overview,
    ActionItems,
    Events,
    Transcript,
    Apps,
}

impl Field {
    /// Every field, in column order.
    pub const ALL: [Field; 6] = [
        Self::Title,
        Self::Overview,
        Self::ActionItems,
        Self::Events,
        Self::Transcript,
        Self::Apps,
    ];

    /// The FTS5 column name.
    pub fn column(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Overview => "overview",
            Self::ActionItems => "action_items",
            Self::Events => "events",
            Self::Transcript => "transcript",
            Self::Apps => "apps",
        }
    }

    /// What one line of the field is called, for people (`action item`, `transcript`).
    pub fn label(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Overview => "overview",
            Self::ActionItems => "action item",
            Self::Events => "event",
            Self::Transcript => "transcript",
            Self::Apps => "app result",
        }
    }

    /// BM25 weight of the column: a word in the title counts 4×, in the overview, action
    /// items and events 2×, in the transcript and app results 1×.
    pub fn weight(self) -> f64 {
        match self {
            Self::Title => 4.0,
            Self::Overview | Self::ActionItems | Self::Events => 2.0,
            Self::Transcript | Self::Apps => 1.0,
        }
    }

    /// Position in [`Field::ALL`] (the column index).
    pub fn index(self) -> usize {
        Self::ALL.iter().position(|f| *f == self).unwrap_or(0)
    }
}

/// One memory as the index holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub memory_id: String,
    /// Unix seconds (Omi's `created_at`), for the date range.
    pub created_at: Option<i64>,
    /// The text of each field of [`Field::ALL`]; items one per line.
    pub fields: [String; 6],
    /// Start of each transcript line, seconds from the start of the recording (empty
    /// when the transcript has no times, as E0's plain `transcript` string).
    pub segment_starts: Vec<f64>,
}

/// One line: newlines inside an item become spaces (lines separate items).
fn one_line(s: &str) -> String {
    s.trim().replace(['\n', '\r'], " ")
}

/// Build the document of a memory.
pub fn document(m: &Memory) -> Document {
    let s = &m.structured;
    let lines = |items: Vec<String>| items.join("\n");
    let action_items = lines(
        s.action_items
            .iter()
            .map(|a| one_line(&a.description))
            .collect(),
    );
    let events = lines(
        s.events
            .iter()
            .map(|e| {
                if e.description.trim().is_empty() {
                    one_line(&e.title)
                } else {
                    one_line(&format!("{}: {}", e.title, e.description))
                }
            })
            .collect(),
    );
    let (transcript, segment_starts) = if m.transcript.is_empty() {
        let text = m.transcript_text.as_deref().unwrap_or("");
        (
            text.lines().map(one_line).collect::<Vec<_>>().join("\n"),
            vec![],
        )
    } else {
        (
            lines(m.transcript.iter().map(|t| one_line(&t.text)).collect()),
            m.transcript.iter().map(|t| t.start).collect(),
        )
    };
    let apps = lines(m.app_results.iter().map(|a| one_line(&a.content)).collect());
    Document {
        memory_id: m.id.clone(),
        created_at: m.created_at.as_ref().map(|d| d.timestamp()),
        fields: [
            one_line(&s.title),
            one_line(&s.overview),
            action_items,
            events,
            transcript,
            apps,
        ],
        segment_starts,
    }
}

/// The content hash of a set of documents (hex SHA-256, 64 characters): the same export
/// content gives the same hash whatever the file is called; any change of a searchable
/// field, a date, a segment time or the [`LAYOUT_VERSION`] gives another.
pub fn content_hash(docs: &[Document]) -> String {
    let mut h = Sha256::new();
    h.update(LAYOUT_VERSION.to_le_bytes());
    for d in docs {
        h.update(d.memory_id.as_bytes());
        h.update([0]);
        h.update(d.created_at.unwrap_or(i64::MIN).to_le_bytes());
        for f in &d.fields {
            h.update((f.len() as u64).to_le_bytes());
            h.update(f.as_bytes());
        }
        h.update((d.segment_starts.len() as u64).to_le_bytes());
        for s in &d.segment_starts {
            h.update(s.to_bits().to_le_bytes());
        }
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::omi::model::{ActionItem, TranscriptSegment};

    #[test]
    fn documents_keep_one_item_per_line_and_the_times() {
        let mut m = Memory {
            id: "m1".into(),
            ..Memory::default()
        };
        m.structured.title = "Mortgage".into();
        m.structured.action_items = vec![ActionItem {
            description: "Call the\nlender".into(),
            ..ActionItem::default()
        }];
        m.transcript = vec![
            TranscriptSegment {
                text: "hello".into(),
                start: 1.5,
                ..TranscriptSegment::default()
            },
            TranscriptSegment {
                text: "refinancing with the lender".into(),
                start: 751.0,
                ..TranscriptSegment::default()
            },
        ];
        let d = document(&m);
        assert_eq!(d.fields[Field::ActionItems.index()], "Call the lender");
        assert_eq!(
            d.fields[Field::Transcript.index()],
            "hello\nrefinancing with the lender"
        );
        assert_eq!(d.segment_starts, vec![1.5, 751.0]);
        let h = content_hash(std::slice::from_ref(&d));
        assert_eq!(h.len(), 64);
        let mut changed = d.clone();
        changed.segment_starts[1] = 752.0;
        assert_ne!(h, content_hash(&[changed]));
    }
}
