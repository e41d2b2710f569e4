//! Throughput of the built-in all-MiniLM-L6-v2 embedder (the offline default) on memory
//! texts: the demo export's 323 embeddable memories (`title + "\n" + overview`, what the
//! local store indexes), and 10,000 memories made by cycling them with a varying suffix
//! (so each is a distinct text of realistic length); one-line query latency; model load.
//!
//! Last, one timed pass of what opening the demo export on the offline default does: a
//! fresh local store, the auto-index plan and run (embed newest first, upsert, verify),
//! until every embeddable memory is searchable.
//!
//! Run: `cargo bench --bench minilm_embed` (texts/s is criterion's `thrpt`).
//! Threads: candle uses every core (`RAYON_NUM_THREADS` caps it).

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memlens::embed::minilm::MiniLmEmbedder;

/// Title + overview of each non-discarded memory with text (what auto-indexing embeds).
fn demo_texts() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-export.json");
    let raw = std::fs::read_to_string(path).expect("assets/demo-export.json is readable");
    let export: serde_json::Value = serde_json::from_str(&raw).expect("demo export is JSON");
    let mut texts = Vec::new();
    for conv in export["conversations"].as_array().into_iter().flatten() {
        if conv["discarded"].as_bool() == Some(true) {
            continue;
        }
        let s = &conv["structured"];
        let title = s["title"].as_str().unwrap_or_default();
        let overview = s["overview"].as_str().unwrap_or_default();
        if !(title.trim().is_empty() && overview.trim().is_empty()) {
            texts.push(format!("{title}\n{overview}"));
        }
    }
    texts
}

fn bench(c: &mut Criterion) {
    let embedder = MiniLmEmbedder::new().expect("model loads");
    let demo = demo_texts();
    // `MEMLENS_BENCH_MEMORIES` overrides the 10,000 (for a quick run on a busy machine).
    let many = std::env::var("MEMLENS_BENCH_MEMORIES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(10_000);
    let ten_k: Vec<String> = (0..many)
        .map(|i| format!("{} (note {i})", demo[i % demo.len()]))
        .collect();

    let mut group = c.benchmark_group("minilm_embed");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(demo.len() as u64));
    group.bench_function(format!("demo_memories_x{}", demo.len()), |b| {
        b.iter(|| black_box(embedder.embed_blocking(black_box(&demo)).expect("embeds")))
    });
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_line_query", |b| {
        let q = vec!["when is my next dentist appointment".to_string()];
        b.iter(|| black_box(embedder.embed_blocking(black_box(&q)).expect("embeds")))
    });
    group.finish();

    // 10,000 memories: one timed pass (criterion's minimum of 10 samples would take ~30 min).
    let started = std::time::Instant::now();
    for chunk in ten_k.chunks(256) {
        black_box(embedder.embed_blocking(chunk).expect("embeds"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "minilm_embed/many_memories: {} texts in {secs:.1} s = {:.1} texts/s",
        ten_k.len(),
        ten_k.len() as f64 / secs
    );
}

/// Seconds from opening the demo export with an empty data dir until all of it is indexed.
fn time_to_fully_searchable() {
    use std::sync::Arc;

    use memlens::embed::Embedder;
    use memlens::store::VectorStore;
    use memlens::store::local::LocalStore;
    use memlens::sync::autoindex::{BATCH, prepare};
    use memlens::sync::journal::Journal;
    use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-export.json");
    let started = std::time::Instant::now();
    let export = memlens::omi::export::load_path(std::path::Path::new(demo)).expect("loads");
    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::new().expect("model loads"));
    let store: Arc<dyn VectorStore> =
        Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).expect("store"));
    let journal = Arc::new(Journal::open_in(dir.path()).expect("journal"));
    let config = ReprocessConfig {
        uid: Some("bench".into()),
        batch_size: BATCH,
        concurrency: 1,
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(Arc::clone(&embedder), Arc::clone(&store), journal, config);
    let summary = rt.block_on(async {
        let prepared = prepare(&rp, embedder.as_ref(), &store, &export.memories)
            .await
            .expect("prepares");
        rp.run(&prepared.plan, |_| {}, &CancelFlag::new())
            .await
            .expect("runs")
    });
    let secs = started.elapsed().as_secs_f64();
    assert!(summary.failed.is_empty());
    println!(
        "minilm_embed/time_to_fully_searchable: demo export ({} memories indexed) in {secs:.1} s \
         ({:.1} memories/s, load + plan + embed + upsert + verify)",
        summary.done,
        summary.done as f64 / secs
    );
}

fn searchable(_: &mut Criterion) {
    time_to_fully_searchable();
}

criterion_group!(benches, bench, searchable);
criterion_main!(benches);
