//! Throughput of the built-in static embedder on realistic memory texts: the demo
//! export's titles, overviews and action items (`assets/demo-export.json`).
//!
//! Run: `cargo bench --bench builtin_embed`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memlens::embed::builtin::BuiltinEmbedder;

/// Title + overview of each memory, and each action item, of the demo export.
fn demo_texts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-export.json");
    let raw = std::fs::read_to_string(path).expect("assets/demo-export.json is readable");
    let export: serde_json::Value = serde_json::from_str(&raw).expect("demo export is JSON");
    let mut texts = Vec::new();
    for conv in export["conversations"].as_array().into_iter().flatten() {
        let s = &conv["structured"];
        let title = s["title"].as_str().unwrap_or_default();
        let overview = s["overview"].as_str().unwrap_or_default();
        texts.push(format!("{title}\n{overview}"));
        for item in s["action_items"].as_array().into_iter().flatten() {
            if let Some(d) = item["description"].as_str() {
                texts.push(d.to_string());
            }
        }
    }
    texts.retain(|t| !t.trim().is_empty());
    assert!(!texts.is_empty(), "the demo export has texts");
    texts
}

fn bench(c: &mut Criterion) {
    let embedder = BuiltinEmbedder::new().expect("built-in table loads");
    let texts = demo_texts();
    let mut group = c.benchmark_group("builtin_embed");
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function(format!("demo_texts_x{}", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                black_box(embedder.embed_one(black_box(t)).expect("embeds"));
            }
        })
    });
    group.finish();
    c.bench_function("load_table_and_vocab", |b| {
        b.iter(|| {
            black_box(
                BuiltinEmbedder::from_assets(
                    include_bytes!("../assets/minilm-static-128.bin").to_vec(),
                    include_str!("../assets/minilm-vocab.txt"),
                )
                .expect("loads"),
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
