//! Transcript chunk embedding throughput and time to fully searchable (issue 23, "Speed
//! and scale").
//!
//! 1. **Throughput.** The built-in all-MiniLM-L6-v2 embeds a fixed sample of the demo
//!    export's transcript chunks (`tchunks::export_chunks`, Omi's chunk text: every
//!    n-th chunk, [`SAMPLE`] of them) in calls of `tchunks::BATCH` (32) as indexing does,
//!    alternating in the same run with a **matmul floor**: the same number of candle
//!    matrix products of exactly the model's shapes for exactly the batches the model
//!    runs (per window batch of `b` windows padded to `len` tokens and per layer: Q, K, V
//!    and output projections `[b, len, 384] × [384, 384]ᵀ`, the feed-forward pair
//!    `× [1536, 384]ᵀ` and `× [384, 1536]ᵀ`, the attention `[b, 12, len, 32] × [b, 12,
//!    32, len]` and `[b, 12, len, len] × [b, 12, len, 32]`), without tokenising, embeddings,
//!    layer norms, softmax, GELU or pooling. Reports texts/s of each and model / floor.
//! 2. **Time to fully searchable.** One timed pass from an empty data dir through what
//!    `memlens search --export assets/demo-export.json` does before it answers, by the
//!    engine calls: load the export, index `ns1` (auto-index plan + run), index
//!    `ns_tchunks` (`tchunks::index_export`), build the full-text index, then one default
//!    (hybrid) search that must get an answer from all three sides.
//!
//! 3. **Heavy user.** The generated heavy user (`support/heavy_user.rs`: 2,000
//!    conversations, 200,000 segments, ~33,500 chunks) is written and chunked; a seeded
//!    random sample of its chunks (2,000; `MEMLENS_BENCH_HEAVY_SAMPLE`) is embedded as in
//!    1, beside the floor of its own shapes, `MEMLENS_BENCH_HEAVY_RUNS` times (default 1:
//!    a pass takes minutes on a busy 2-core machine). All ~33,500 would take hours there;
//!    the report prints the sample's and all the chunks' word pieces, bytes and padded
//!    tokens per chunk (indexing order, calls of 32) side by side, so the sample's
//!    representativeness is checked in the same run.
//!
//! Run: `cargo bench --bench chunk_embed` (then criterion's report of the model on the
//! sample); `MEMLENS_BENCH_REPORT_ONLY=1` skips criterion; `MEMLENS_BENCH_PARTS=demo,
//! searchable,heavy` picks the parts (default all); `MEMLENS_BENCH_RUNS` sets part 1's
//! passes (default 5). Threads: candle uses every core (`RAYON_NUM_THREADS` caps it).

#[path = "support/heavy_user.rs"]
mod heavy_user;

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memlens::embed::Embedder;
use memlens::embed::minilm::{BATCH_WINDOWS, MiniLmEmbedder, WINDOW_PIECES};
use memlens::sync::tchunks;

/// Chunks in the throughput sample.
const SAMPLE: usize = 256;
/// Chunks in the heavy user's sample.
const HEAVY_SAMPLE: usize = 2_000;
const HIDDEN: usize = 384;
const INTERMEDIATE: usize = 1536;
const HEADS: usize = 12;
const LAYERS: usize = 6;

fn demo_path() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/assets/demo-export.json"
    ))
}

/// Every n-th chunk of the demo export, `SAMPLE` of them (all if fewer), and how many the
/// export makes.
fn sample_chunks() -> (Vec<String>, usize) {
    let export = memlens::omi::export::load_path(demo_path()).expect("demo export loads");
    let all = tchunks::export_chunks(&export.memories, "bench");
    let n = SAMPLE.min(all.len());
    let texts = (0..n)
        .map(|i| all[i * all.len() / n].text.clone())
        .collect();
    (texts, all.len())
}

/// The `(windows, padded tokens)` of every forward pass the model runs for `texts`
/// embedded in calls of `tchunks::BATCH` (the model's own windowing and batching).
fn batch_shapes(embedder: &MiniLmEmbedder, texts: &[String]) -> Vec<(usize, usize)> {
    let mut shapes = Vec::new();
    for call in texts.chunks(tchunks::BATCH) {
        let mut lens: Vec<usize> = call
            .iter()
            .flat_map(|t| {
                let pieces = embedder.tokenizer().encode(t).len();
                let full = pieces / WINDOW_PIECES;
                let rest = pieces % WINDOW_PIECES;
                std::iter::repeat_n(WINDOW_PIECES + 2, full)
                    .chain((rest > 0).then_some(rest + 2))
                    .collect::<Vec<_>>()
            })
            .collect();
        lens.sort_by(|a, b| b.cmp(a));
        for batch in lens.chunks(BATCH_WINDOWS) {
            shapes.push((batch.len(), batch[0]));
        }
    }
    shapes
}

/// Multiply-adds × 2 of the matrix products of one forward pass of `b` windows × `len`.
fn flops(b: usize, len: usize) -> f64 {
    let t = (b * len) as f64;
    let h = HIDDEN as f64;
    let i = INTERMEDIATE as f64;
    let attn = 2.0 * (b * HEADS) as f64 * (len * len) as f64 * (HIDDEN / HEADS) as f64;
    LAYERS as f64 * (2.0 * t * h * h * 4.0 + 2.0 * t * h * i * 2.0 + 2.0 * attn)
}

struct Floor {
    /// Per forward pass: its inputs, made before timing.
    passes: Vec<Pass>,
    w_hh: Tensor,
    w_ih: Tensor,
    w_hi: Tensor,
}

struct Pass {
    b: usize,
    x: Tensor,
    inner: Tensor,
    q: Tensor,
    k: Tensor,
    probs: Tensor,
}

fn floor_setup(shapes: &[(usize, usize)]) -> candle_core::Result<Floor> {
    let dev = Device::Cpu;
    let r = |shape: &[usize]| Tensor::randn(0f32, 0.05, shape, &dev);
    let passes = shapes
        .iter()
        .map(|&(b, len)| {
            let hd = HIDDEN / HEADS;
            Ok(Pass {
                b,
                x: r(&[b, len, HIDDEN])?,
                inner: r(&[b, len, INTERMEDIATE])?,
                q: r(&[b, HEADS, len, hd])?,
                k: r(&[b, HEADS, len, hd])?,
                probs: r(&[b, HEADS, len, len])?,
            })
        })
        .collect::<candle_core::Result<Vec<_>>>()?;
    Ok(Floor {
        passes,
        w_hh: r(&[HIDDEN, HIDDEN])?,
        w_ih: r(&[INTERMEDIATE, HIDDEN])?,
        w_hi: r(&[HIDDEN, INTERMEDIATE])?,
    })
}

/// candle_nn::Linear's product for a 3-D input: `x × broadcast(w)ᵀ`.
fn linear(x: &Tensor, w: &Tensor, b: usize) -> candle_core::Result<Tensor> {
    x.matmul(&w.broadcast_left(b)?.t()?)
}

fn floor_once(f: &Floor) -> candle_core::Result<Duration> {
    let t = Instant::now();
    for p in &f.passes {
        for _ in 0..LAYERS {
            for _ in 0..4 {
                black_box(linear(&p.x, &f.w_hh, p.b)?);
            }
            black_box(linear(&p.x, &f.w_ih, p.b)?);
            black_box(linear(&p.inner, &f.w_hi, p.b)?);
            black_box(p.q.matmul(&p.k.t()?)?);
            black_box(p.probs.matmul(&p.q)?);
        }
    }
    Ok(t.elapsed())
}

fn model_once(embedder: &MiniLmEmbedder, texts: &[String]) -> Duration {
    let t = Instant::now();
    for call in texts.chunks(tchunks::BATCH) {
        black_box(embedder.embed_blocking(call).expect("embeds"));
    }
    t.elapsed()
}

fn median(mut v: Vec<Duration>) -> f64 {
    v.sort();
    v[v.len() / 2].as_secs_f64()
}

fn runs_from_env(var: &str, default: usize) -> usize {
    std::env::var(var)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Model and floor alternately on `texts`, `runs` times each (after one warm-up of each
/// when `warm_up`); prints texts/s of each and model / floor.
fn throughput(embedder: &MiniLmEmbedder, texts: &[String], what: &str, runs: usize, warm_up: bool) {
    let shapes = batch_shapes(embedder, texts);
    let floor = floor_setup(&shapes).expect("floor tensors");
    let gflop: f64 = shapes.iter().map(|&(b, l)| flops(b, l)).sum::<f64>() / 1e9;
    let tokens: usize = shapes.iter().map(|&(b, l)| b * l).sum();
    if warm_up {
        model_once(embedder, texts);
        floor_once(&floor).expect("floor runs");
    }
    let load = load_avg();
    let (mut model, mut probe) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        model.push(model_once(embedder, texts));
        probe.push(floor_once(&floor).expect("floor runs"));
    }
    let (m, p) = (median(model), median(probe));
    let n = texts.len() as f64;
    println!(
        "chunk_embed: {what}, calls of {}, {} forward \
         passes, {tokens} padded tokens, {gflop:.1} GFLOP of matrix products; median of {runs} \
         (load {load} → {}):\n  \
         all-MiniLM-L6-v2 (embed_blocking)      {:>7.3} s  {:>7.1} texts/s  ({:.1} GFLOP/s of its products)\n  \
         matmul floor, same shapes and passes    {:>7.3} s  {:>7.1} texts/s  ({:.1} GFLOP/s)\n  \
         model / floor = {:.2} (time; the floor's texts/s is {:.2}x the model's)",
        tchunks::BATCH,
        shapes.len(),
        load_avg(),
        m,
        n / m,
        gflop / m,
        p,
        n / p,
        gflop / p,
        m / p,
        m / p,
    );
}

fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// `mean, p10, p50, p90, max` of `v`.
fn spread(v: &[usize]) -> String {
    let mut v = v.to_vec();
    v.sort_unstable();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    format!(
        "mean {:.1}, p10 {}, p50 {}, p90 {}, max {}",
        v.iter().sum::<usize>() as f64 / v.len() as f64,
        at(0.1),
        at(0.5),
        at(0.9),
        v[v.len() - 1]
    )
}

/// The generated heavy user's chunks (2,000 conversations, 200,000 segments): a seeded
/// random sample of `MEMLENS_BENCH_HEAVY_SAMPLE` (default [`HEAVY_SAMPLE`]) of them,
/// embedded beside the floor; with how the sample's lengths and padding compare with
/// all the chunks' (in indexing order: newest conversation first, calls of 32).
fn heavy_user(embedder: &MiniLmEmbedder) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("omi-export.json");
    let shape = heavy_user::Shape::default();
    let stats = heavy_user::write_export(&path, &shape).expect("heavy user written");
    let export = memlens::omi::export::load_path(&path).expect("heavy user loads");
    let all = tchunks::export_chunks(&export.memories, &shape.uid);
    let texts: Vec<String> = all.into_iter().map(|c| c.text).collect();
    let n = std::env::var("MEMLENS_BENCH_HEAVY_SAMPLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HEAVY_SAMPLE)
        .min(texts.len());
    // A partial Fisher–Yates shuffle: `n` distinct chunks, in random order.
    let mut rng = fastrand::Rng::with_seed(23);
    let mut idx: Vec<usize> = (0..texts.len()).collect();
    for i in 0..n {
        let j = rng.usize(i..idx.len());
        idx.swap(i, j);
    }
    let sample: Vec<String> = idx[..n].iter().map(|&i| texts[i].clone()).collect();
    let pieces = |ts: &[String]| -> Vec<usize> {
        ts.iter()
            .map(|t| embedder.tokenizer().encode(t).len())
            .collect()
    };
    let padded = |ts: &[String]| -> f64 {
        let tokens: usize = batch_shapes(embedder, ts).iter().map(|&(b, l)| b * l).sum();
        tokens as f64 / ts.len() as f64
    };
    let bytes = |ts: &[String]| -> Vec<usize> { ts.iter().map(String::len).collect() };
    println!(
        "chunk_embed/heavy_user: {} conversations, {} segments, {} transcript chunks; a seeded \
         random sample of {n}:\n  \
         word pieces per chunk, all:    {}\n  \
         word pieces per chunk, sample: {}\n  \
         bytes per chunk, all:    {}\n  \
         bytes per chunk, sample: {}\n  \
         padded tokens per chunk (calls of {}): all, in indexing order {:.1}; the sample {:.1}",
        stats.conversations,
        stats.segments,
        texts.len(),
        spread(&pieces(&texts)),
        spread(&pieces(&sample)),
        spread(&bytes(&texts)),
        spread(&bytes(&sample)),
        tchunks::BATCH,
        padded(&texts),
        padded(&sample),
    );
    throughput(
        embedder,
        &sample,
        &format!(
            "{n} of the heavy user's {} transcript chunks (seeded random sample)",
            texts.len()
        ),
        runs_from_env("MEMLENS_BENCH_HEAVY_RUNS", 1),
        false,
    );
}

/// One pass from an empty data dir until ns1, ns_tchunks and the full-text index hold the
/// whole demo export, each phase timed.
fn time_to_fully_searchable(embedder: Arc<MiniLmEmbedder>) {
    use memlens::store::VectorStore;
    use memlens::store::local::LocalStore;
    use memlens::sync::autoindex::{BATCH, prepare};
    use memlens::sync::fulltext::FullText;
    use memlens::sync::hybrid::{SearchMode, search_all};
    use memlens::sync::journal::Journal;
    use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor};
    use memlens::sync::search::SearchRequest;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let uid = "bench";
    let started = Instant::now();
    let lap = |t: &mut Instant| {
        let s = t.elapsed().as_secs_f64();
        *t = Instant::now();
        s
    };
    let mut t = Instant::now();
    let export = memlens::omi::export::load_path(demo_path()).expect("loads");
    let load_s = lap(&mut t);
    let embedder: Arc<dyn Embedder> = embedder;
    let local = Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).expect("store"));
    let store: Arc<dyn VectorStore> = local.clone();
    let journal = Arc::new(Journal::open_in(dir.path()).expect("journal"));
    let config = ReprocessConfig {
        uid: Some(uid.into()),
        batch_size: BATCH,
        concurrency: 1,
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(Arc::clone(&embedder), Arc::clone(&store), journal, config);
    let (ns1, chunks, ns1_s, chunks_s) = rt.block_on(async {
        let mut t = Instant::now();
        let prepared = prepare(&rp, embedder.as_ref(), &store, &export.memories)
            .await
            .expect("prepares");
        let summary = rp
            .run(&prepared.plan, |_| {}, &CancelFlag::new())
            .await
            .expect("runs");
        assert!(summary.failed.is_empty());
        let ns1_s = lap(&mut t);
        let plan = tchunks::index_export(
            embedder.as_ref(),
            store.as_ref(),
            rp.journal(),
            uid,
            &export.memories,
            |_| {},
        )
        .await
        .expect("chunks index");
        (summary.done, plan.items.len(), ns1_s, lap(&mut t))
    });
    t = Instant::now();
    let (fulltext, _) =
        FullText::open_or_build(dir.path(), &export.memories, &mut |_, _| {}).expect("FTS");
    let fts_s = lap(&mut t);
    let total_s = started.elapsed().as_secs_f64();
    let request = SearchRequest::text(uid, "ns1", "when did the caterer say the deposit was due");
    let r = rt
        .block_on(search_all(
            embedder.as_ref(),
            local.as_ref(),
            Some(Arc::new(fulltext)),
            Some(&export.memories),
            &request,
            SearchMode::Hybrid,
        ))
        .expect("hybrid search");
    let search_ms = lap(&mut t) * 1e3;
    assert!(r.semantic.as_ref().is_some_and(|s| !s.hits.is_empty()));
    assert!(r.chunks.as_ref().is_some_and(|c| c.chunks > 0));
    assert!(r.text.is_some());
    println!(
        "chunk_embed/time_to_fully_searchable: demo export from an empty data dir in {total_s:.1} s \
         (load {load_s:.2} s; ns1 {ns1} memories {ns1_s:.1} s; ns_tchunks {chunks} chunks \
         {chunks_s:.1} s = {:.1} chunks/s; full text {fts_s:.2} s); then a hybrid search \
         (query embedded + 3 sides) {search_ms:.0} ms",
        chunks as f64 / chunks_s
    );
}

fn bench(c: &mut Criterion) {
    let embedder = Arc::new(MiniLmEmbedder::new().expect("model loads"));
    let part = |name: &str| {
        std::env::var("MEMLENS_BENCH_PARTS").map_or(true, |v| v.split(',').any(|p| p == name))
    };
    let (texts, total) = sample_chunks();
    if part("demo") {
        throughput(
            &embedder,
            &texts,
            &format!(
                "{} of the demo export's {total} transcript chunks",
                texts.len()
            ),
            runs_from_env("MEMLENS_BENCH_RUNS", 5),
            true,
        );
    }
    if part("searchable") {
        time_to_fully_searchable(Arc::clone(&embedder));
    }
    if part("heavy") {
        heavy_user(&embedder);
    }
    if std::env::var_os("MEMLENS_BENCH_REPORT_ONLY").is_some() {
        return;
    }
    let mut group = c.benchmark_group("chunk_embed");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(texts.len() as u64));
    group.bench_function(format!("demo_chunks_x{}", texts.len()), |b| {
        b.iter(|| model_once(&embedder, &texts))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
