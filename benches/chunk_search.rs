//! The default (hybrid) search over a heavy user, after the query is embedded (issue 23,
//! "Speed and scale": ≤ 50 ms over ~35,000 chunks + 2,000 conversations).
//!
//! Setup: the generated heavy user (`support/heavy_user.rs`: 2,000 conversations, 200,000
//! segments) is written and loaded; its ~33,500 transcript chunks (Omi's chunker, via
//! `tchunks::export_chunks`) and its 2,000 conversations get synthetic 384-d unit
//! vectors (seeded; embedding 35k texts would take ~20 min and does not change the
//! search's cost), upserted through the local store (SQLite) under Omi's ids and
//! metadata into `ns_tchunks` and `ns1`, claimed by all-MiniLM-L6-v2; the export's
//! full-text index (FTS5) is built in the same data dir.
//!
//! Measured alternately in the same run, each with a fresh random unit query vector
//! handed to the search as the query's embedding (an embedder that returns it), top 10:
//!
//! - **hybrid**: `hybrid::search_all` in `SearchMode::Hybrid`, the path of the TUI's `s`
//!   and `search --export`: ns1 query (top `candidates(10)` = 50) + `ns_tchunks` query
//!   (top `chunk_top_k(50)` = 150 chunks, grouped by conversation) + full-text BM25 over the query's content words + rare-word coverage
//!   + fusion + each hit's chunk time range from the export;
//! - **hybrid, no full text**: the same without the FTS index (the semantic sides only);
//! - **ns1 only** (baseline): `search::search_embedded`, Omi's `query_vectors` (top 10);
//! - the full-text side's two parts alone (where hybrid's time goes): the BM25 search of
//!   the query's content words (top 50) and the rare-word coverage over the export.
//!
//! Run: `cargo bench --bench chunk_search` (median and p95 of each, then criterion's
//! report of the hybrid search); `MEMLENS_BENCH_REPORT_ONLY=1` skips criterion.

#[path = "support/heavy_user.rs"]
mod heavy_user;

use std::hint::black_box;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use criterion::{Criterion, criterion_group, criterion_main};
use memlens::embed::minilm::MODEL_ID;
use memlens::embed::{EmbedError, Embedder};
use memlens::omi::Memory;
use memlens::omi::chunks::chunk_metadata;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::store::local::LocalStore;
use memlens::store::{Record, VectorStore};
use memlens::sync::daterange::DateRange;
use memlens::sync::fulltext::FullText;
use memlens::sync::hybrid::{SearchMode, candidates, search_all};
use memlens::sync::lexical::{content_query, content_terms, coverage};
use memlens::sync::search::{SearchRequest, search_embedded};
use memlens::sync::tchunks;

const DIM: usize = 384;
const QUERY: &str = "when did Rosa say we meet at Riverside Park";

/// An embedder whose "embedding" of any text is the vector it was last given: the query
/// is embedded before the timed part, as the target says.
struct GivenVector(Mutex<Vec<f32>>);

#[async_trait]
impl Embedder for GivenVector {
    fn model_id(&self) -> &str {
        MODEL_ID
    }
    fn dimension(&self) -> usize {
        DIM
    }
    fn label(&self) -> String {
        "given vector (bench)".into()
    }
    fn count_tokens(&self, text: &str) -> usize {
        text.split_whitespace().count()
    }
    async fn embed(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let v = self
            .0
            .lock()
            .map_err(|e| EmbedError::Local(e.to_string()))?;
        Ok(texts.iter().map(|_| v.clone()).collect())
    }
}

fn unit(rng: &mut fastrand::Rng) -> Vec<f32> {
    let v: Vec<f32> = (0..DIM).map(|_| rng.f32() - 0.5).collect();
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

struct Setup {
    _dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    store: LocalStore,
    fulltext: Arc<FullText>,
    memories: Vec<Memory>,
    uid: String,
    embedder: GivenVector,
    chunks: usize,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("temp dir");
    let shape = heavy_user::Shape::default();
    let path = dir.path().join("omi-export.json");
    let started = Instant::now();
    let stats = heavy_user::write_export(&path, &shape).expect("writes the heavy user");
    let export = memlens::omi::export::load_path(&path).expect("loads the heavy user");
    let memories = export.memories;
    let uid = shape.uid.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let store = LocalStore::open(&LocalStore::default_path(dir.path())).expect("store");
    let items = tchunks::export_chunks(&memories, &uid);
    let mut rng = fastrand::Rng::with_seed(23);
    rt.block_on(async {
        for ns in ["ns1", tchunks::NAMESPACE] {
            store
                .claim_namespace(ns, MODEL_ID, DIM)
                .await
                .expect("claim");
        }
        let ns1: Vec<Record> = memories
            .iter()
            .map(|m| Record {
                id: vector_id(&uid, &m.id),
                values: unit(&mut rng),
                metadata: memory_metadata(
                    &uid,
                    &m.id,
                    m.created_at.as_ref().map_or(0, |d| d.timestamp()),
                ),
            })
            .collect();
        for batch in ns1.chunks(500) {
            store
                .upsert("ns1", batch.to_vec())
                .await
                .expect("ns1 upsert");
        }
        for batch in items.chunks(500) {
            let records = batch
                .iter()
                .map(|c| Record {
                    id: c.vector_id.clone(),
                    values: unit(&mut rng),
                    metadata: chunk_metadata(&uid, &c.conversation_id, c.chunk_index, c.created_at),
                })
                .collect();
            store
                .upsert(tchunks::NAMESPACE, records)
                .await
                .expect("chunk upsert");
        }
    });
    let (fulltext, _) =
        FullText::open_or_build(dir.path(), &memories, &mut |_, _| {}).expect("full text");
    println!(
        "chunk_search setup: heavy user {} conversations, {} segments, {} chunks \
         ({} expected by the generator), {} ns1 vectors; stored + FTS built in {:.1} s",
        stats.conversations,
        stats.segments,
        items.len(),
        stats.chunks,
        memories.len(),
        started.elapsed().as_secs_f64()
    );
    Setup {
        _dir: dir,
        rt,
        store,
        fulltext: Arc::new(fulltext),
        memories,
        uid,
        embedder: GivenVector(Mutex::new(vec![0.0; DIM])),
        chunks: items.len(),
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Hybrid,
    HybridNoText,
    Ns1,
    /// The full-text side's BM25 search alone (`FullText::search` of the content words).
    Bm25,
    /// The full-text side's rare-word coverage alone (`term_memories` + `coverage`).
    Coverage,
}

fn request(s: &Setup) -> SearchRequest {
    SearchRequest {
        top_k: 10,
        range: DateRange::ALL,
        ..SearchRequest::text(&s.uid, "ns1", QUERY)
    }
}

/// One search with a fresh query vector; returns its wall time.
fn once(s: &Setup, rng: &mut fastrand::Rng, kind: Kind) -> Duration {
    let q = unit(rng);
    *s.embedder.0.lock().expect("lock") = q.clone();
    let req = request(s);
    let t = Instant::now();
    let hits = match kind {
        Kind::Hybrid | Kind::HybridNoText => {
            let ft = matches!(kind, Kind::Hybrid).then(|| Arc::clone(&s.fulltext));
            let r =
                s.rt.block_on(search_all(
                    &s.embedder,
                    &s.store,
                    ft,
                    Some(&s.memories),
                    &req,
                    SearchMode::Hybrid,
                ))
                .expect("hybrid search");
            let chunks = r.chunks.as_ref().expect("chunk side ran");
            assert_eq!(
                chunks.chunks, chunks.asked,
                "the chunk side returns all it asked"
            );
            assert_eq!(r.text.is_some(), matches!(kind, Kind::Hybrid));
            r.hits.len()
        }
        Kind::Bm25 => s
            .fulltext
            .search(&content_query(QUERY), DateRange::ALL, candidates(10))
            .expect("BM25")
            .hits
            .len()
            .min(10),
        Kind::Coverage => {
            let holders = s
                .fulltext
                .term_memories(&content_terms(QUERY))
                .expect("terms");
            black_box(coverage(s.fulltext.memories(), &holders));
            10
        }
        Kind::Ns1 => {
            s.rt.block_on(search_embedded(&s.embedder, &s.store, &req, Some((q, 0.0))))
                .expect("ns1 search")
                .hits
                .len()
        }
    };
    let d = t.elapsed();
    assert_eq!(hits, 10);
    black_box(hits);
    d
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.95))
}

fn report(s: &Setup, runs: usize) {
    let mut rng = fastrand::Rng::with_seed(9);
    let kinds = [
        Kind::Hybrid,
        Kind::HybridNoText,
        Kind::Ns1,
        Kind::Bm25,
        Kind::Coverage,
    ];
    for _ in 0..3 {
        for k in kinds {
            once(s, &mut rng, k);
        }
    }
    let mut times = vec![Vec::with_capacity(runs); kinds.len()];
    for _ in 0..runs {
        for (k, t) in kinds.iter().zip(&mut times) {
            t.push(once(s, &mut rng, *k));
        }
    }
    let names = [
        "hybrid (ns1 top 50 + ns_tchunks top 150 + FTS + fusion)",
        "hybrid without full text (ns1 + ns_tchunks + fusion)  ",
        "ns1 only (Omi's query_vectors, top 10): baseline      ",
        "  of hybrid: full-text BM25 search alone (top 50)      ",
        "  of hybrid: rare-word coverage alone                  ",
    ];
    println!(
        "chunk_search: {} chunks + {} conversations x {DIM}, top 10, query {QUERY:?}, {runs} runs each, alternating:",
        s.chunks,
        s.memories.len()
    );
    let mut medians = Vec::new();
    for (name, t) in names.iter().zip(times) {
        let (m, p95) = percentiles(t);
        medians.push(m);
        println!("  {name} median {m:>7.2} ms  p95 {p95:>7.2} ms");
    }
    println!(
        "  hybrid / ns1 only = {:.2} (target: hybrid <= 50 ms after the query is embedded)",
        medians[0] / medians[2]
    );
}

fn bench(c: &mut Criterion) {
    let s = setup();
    let runs = std::env::var("MEMLENS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    report(&s, runs);
    if std::env::var_os("MEMLENS_BENCH_REPORT_ONLY").is_some() {
        return;
    }
    let mut rng = fastrand::Rng::with_seed(11);
    let mut group = c.benchmark_group("chunk_search");
    group.sample_size(30);
    group.bench_function("hybrid_heavy_user", |b| {
        b.iter(|| once(&s, &mut rng, Kind::Hybrid))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
