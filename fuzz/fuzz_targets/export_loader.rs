//! Arbitrary bytes through the export loader, under each file name that steers shape
//! detection; a loaded export must be internally consistent and renderable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memlens_omi::export::load_bytes;
use memlens_omi::policy::{self, Overrides};
use memlens_omi::text::{TextFormat, render};

const NAMES: [&str; 4] = [
    "export.json",
    "memories.json",
    "conversations.json",
    "omi-export.json",
];

fuzz_target!(|data: &[u8]| {
    let name = NAMES[data.first().map_or(0, |b| usize::from(*b) % NAMES.len())];
    let Ok(export) = load_bytes(name, data) else {
        return;
    };
    assert_eq!(
        export.total_records,
        export.memories.len() + export.bad_records.len() + export.duplicates.len(),
        "records do not add up"
    );
    assert_eq!(export.bytes, data.len());
    let _ = export.summary();
    let _ = export.facts_note();
    for m in &export.memories {
        // The one embeddability rule answers for every loaded memory; what it lets
        // through has a vector id Pinecone accepts and a non-empty text.
        let embeddable = policy::check(m, Some("fuzz-uid"), Overrides::default()).is_embeddable();
        if embeddable {
            let id = memlens_omi::conventions::vector_id("fuzz-uid", &m.id);
            assert!(memlens_omi::conventions::validate_id(&id).is_ok());
            assert!(!render(&m.structured, TextFormat::CURRENT).trim().is_empty());
        }
        for format in TextFormat::ALL {
            let _ = render(&m.structured, format);
        }
        let _ = m
            .created_at
            .as_ref()
            .map(|d| (d.python_str(), d.timestamp()));
    }
});
