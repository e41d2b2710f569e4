//! Local store query latency at 10k and 100k × 3072 dims (top-10, filter `{"uid": "u1"}`
//! matching EVERY row, so every row is scored: the worst case), beside a memory-bandwidth
//! probe that sums the same number of f32 bytes with the same thread count, measured in
//! the same run. The index is loaded straight into memory (building 100k records through
//! SQLite takes minutes); the query runs the real path: `VectorStore::query` →
//! spawn_blocking → filter + scan + top-k heap → matches with metadata.
//!
//! `cargo bench --bench local_query` prints median and p95 for both and their ratio
//! (target: query ≤ 1.5× the bandwidth floor at 100k), then criterion's own report.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use memlens::store::local::LocalStore;
use memlens::store::local::index::{NsIndex, sum};
use memlens::store::{Filter, MetaValue, Metadata, Query, QueryTarget, VectorStore};

const DIM: usize = 3072;
const NS: &str = "ns1";

struct Setup {
    _dir: tempfile::TempDir,
    store: LocalStore,
    probe: Vec<f32>,
    rt: tokio::runtime::Runtime,
    rows: usize,
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

fn setup(rows: usize) -> Setup {
    let mut rng = fastrand::Rng::with_seed(rows as u64);
    let mut index = NsIndex::with_capacity(DIM, rows);
    let meta = Metadata::from([
        ("uid".to_string(), MetaValue::String("u1".into())),
        ("created_at".to_string(), MetaValue::Number(1.7e9)),
    ]);
    let mut v = vec![0f32; DIM];
    for i in 0..rows {
        v.iter_mut().for_each(|x| *x = rng.f32() - 0.5);
        let mut m = meta.clone();
        m.insert("memory_id".into(), MetaValue::String(format!("m{i}")));
        index.upsert(&format!("u1-m{i}"), &v, m);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalStore::open(&dir.path().join("store.db")).expect("open store");
    store.preload_index_for_bench(NS, index);
    let probe: Vec<f32> = (0..rows * DIM).map(|i| (i % 7) as f32).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    Setup {
        _dir: dir,
        store,
        probe,
        rt,
        rows,
    }
}

fn query_once(s: &Setup, rng: &mut fastrand::Rng) -> Duration {
    let q: Vec<f32> = (0..DIM).map(|_| rng.f32() - 0.5).collect();
    let query = Query {
        namespace: NS.into(),
        target: QueryTarget::Vector(q),
        top_k: 10,
        filter: Some(Filter::eq("uid", "u1")),
        include_values: false,
        include_metadata: true,
    };
    let t = Instant::now();
    let matches = s.rt.block_on(s.store.query(query)).expect("query");
    let d = t.elapsed();
    assert_eq!(matches.len(), 10);
    black_box(matches);
    d
}

/// Sum the probe buffer split across the same number of threads as the scan.
fn probe_once(s: &Setup) -> Duration {
    let t = Instant::now();
    let n = threads();
    let per = s.probe.len().div_ceil(n);
    let total: f32 = std::thread::scope(|sc| {
        let hs: Vec<_> = s
            .probe
            .chunks(per)
            .map(|c| sc.spawn(move || sum(c)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    });
    black_box(total);
    t.elapsed()
}

fn percentiles(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.95))
}

fn report(s: &Setup, runs: usize) {
    let mut rng = fastrand::Rng::with_seed(9);
    for _ in 0..3 {
        query_once(s, &mut rng);
        probe_once(s);
    }
    let mut q = Vec::with_capacity(runs);
    let mut p = Vec::with_capacity(runs);
    for _ in 0..runs {
        q.push(query_once(s, &mut rng));
        p.push(probe_once(s));
    }
    let (qm, q95) = percentiles(q);
    let (pm, p95) = percentiles(p);
    let gb = (s.rows * DIM * 4) as f64 / 1e9;
    println!(
        "local_query {}k x {DIM}, top-10, uid filter on all rows, {} thread(s), {runs} runs:\n  \
         query  median {:>8.2} ms  p95 {:>8.2} ms\n  \
         probe  median {:>8.2} ms  p95 {:>8.2} ms  ({:.1} GB/s over {gb:.2} GB)\n  \
         query / probe (median) = {:.2}",
        s.rows / 1000,
        threads(),
        qm.as_secs_f64() * 1e3,
        q95.as_secs_f64() * 1e3,
        pm.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3,
        gb / pm.as_secs_f64(),
        qm.as_secs_f64() / pm.as_secs_f64(),
    );
}

fn bench(c: &mut Criterion) {
    for (rows, runs, samples) in [(10_000usize, 200usize, 50usize), (100_000, 40, 10)] {
        let s = setup(rows);
        report(&s, runs);
        let mut g = c.benchmark_group(format!("local_query_{}k", rows / 1000));
        g.sample_size(samples)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(if rows > 50_000 { 15 } else { 4 }));
        let mut rng = fastrand::Rng::with_seed(1);
        g.bench_function("query_top10_uid_filter", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| query_once(&s, &mut rng)).sum())
        });
        g.bench_function("bandwidth_probe_sum", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| probe_once(&s)).sum())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
