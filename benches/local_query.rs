//! Local store query latency (top-10, filter `{"uid": "u1"}` matching EVERY row, so every
//! row is scored: the worst case) at 10k × 3072, 100k × 3072 and 100k × 384, measured
//! alternately in the same run against:
//!
//! - the plain exact f32 scan over the same in-memory index (`NsIndex::search_exact`,
//!   same threads, same uid column): the previous search;
//! - memory-bandwidth probes that sum as many bytes as an f32, an f16 and an int8 copy of
//!   the vectors hold, with the same thread count: the floor of a scan of each copy.
//!
//! The index is loaded straight into memory (building 100k records through SQLite takes
//! minutes); the query runs the real path: `VectorStore::query` → spawn_blocking → int8
//! scan + exact re-score of the candidates → matches with metadata. Every query's hits
//! are checked against the exact scan's (ids and scores).
//!
//! `cargo bench --bench local_query` prints median and p95 of each (targets: ≤ 25 ms at
//! 100k × 3072, ≤ 5 ms at 100k × 384), then criterion's own report.
//! `MEMLENS_BENCH_REPORT_ONLY=1 cargo bench --bench local_query` skips criterion.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use memlens::store::local::LocalStore;
use memlens::store::local::index::{NsIndex, normalised, sum};
use memlens::store::{Filter, MetaValue, Metadata, Query, QueryTarget, VectorStore};

const NS: &str = "ns1";

struct Setup {
    _dir: tempfile::TempDir,
    store: LocalStore,
    probe: Vec<f32>,
    rt: tokio::runtime::Runtime,
    rows: usize,
    dim: usize,
    extra_bytes_per_row: usize,
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(4)
}

fn setup(rows: usize, dim: usize) -> Setup {
    let mut rng = fastrand::Rng::with_seed(rows as u64 ^ dim as u64);
    let mut index = NsIndex::with_capacity(dim, rows);
    let meta = Metadata::from([
        ("uid".to_string(), MetaValue::String("u1".into())),
        ("created_at".to_string(), MetaValue::Number(1.7e9)),
    ]);
    let mut v = vec![0f32; dim];
    for i in 0..rows {
        v.iter_mut().for_each(|x| *x = rng.f32() - 0.5);
        let mut m = meta.clone();
        m.insert("memory_id".into(), MetaValue::String(format!("m{i}")));
        index.upsert(&format!("u1-m{i}"), &v, m);
    }
    let extra_bytes_per_row = index.int8_bytes_per_row();
    let dir = tempfile::tempdir().expect("temp dir");
    let store = LocalStore::open(&dir.path().join("store.db")).expect("open store");
    store.preload_index_for_bench(NS, index);
    let probe: Vec<f32> = (0..rows * dim).map(|i| (i % 7) as f32).collect();
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
        dim,
        extra_bytes_per_row,
    }
}

fn random_query(s: &Setup, rng: &mut fastrand::Rng) -> Vec<f32> {
    (0..s.dim).map(|_| rng.f32() - 0.5).collect()
}

/// The real query path (int8 scan, exact re-score); checked against the exact scan.
fn query_once(s: &Setup, rng: &mut fastrand::Rng, check: bool) -> Duration {
    let q = random_query(s, rng);
    let query = Query {
        namespace: NS.into(),
        target: QueryTarget::Vector(q.clone()),
        top_k: 10,
        filter: Some(Filter::eq("uid", "u1")),
        include_values: false,
        include_metadata: true,
    };
    let t = Instant::now();
    let matches = s.rt.block_on(s.store.query(query)).expect("query");
    let d = t.elapsed();
    assert_eq!(matches.len(), 10);
    if check {
        let unit = normalised(&q);
        let want = s
            .store
            .with_index_for_bench(NS, |ix| {
                ix.search_exact(&unit, 10, Some(&Filter::eq("uid", "u1")))
                    .iter()
                    .map(|h| (ix.id(h.row).to_string(), h.score))
                    .collect::<Vec<_>>()
            })
            .expect("index");
        let got: Vec<_> = matches.iter().map(|m| (m.id.clone(), m.score)).collect();
        assert_eq!(got, want, "the int8 search must equal the exact scan");
    }
    black_box(matches);
    d
}

/// The plain exact f32 scan over the same index, same filter and threads.
fn exact_once(s: &Setup, rng: &mut fastrand::Rng) -> Duration {
    let unit = normalised(&random_query(s, rng));
    let filter = Filter::eq("uid", "u1");
    let t = Instant::now();
    let hits = s
        .store
        .with_index_for_bench(NS, |ix| ix.search_exact(&unit, 10, Some(&filter)))
        .expect("index");
    let d = t.elapsed();
    assert_eq!(hits.len(), 10);
    black_box(hits);
    d
}

/// Sum the first `bytes` of the probe buffer split across the same number of threads
/// as the scan.
fn probe_once(s: &Setup, bytes: usize) -> Duration {
    let floats = &s.probe[..bytes / 4];
    let t = Instant::now();
    let n = threads();
    let per = floats.len().div_ceil(n);
    let total: f32 = std::thread::scope(|sc| {
        let hs: Vec<_> = floats
            .chunks(per)
            .map(|c| sc.spawn(move || sum(c)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum()
    });
    black_box(total);
    t.elapsed()
}

fn percentiles(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.95))
}

fn report(s: &Setup, runs: usize) {
    let mut rng = fastrand::Rng::with_seed(9);
    let cells = s.rows * s.dim;
    let sizes = [("f32", cells * 4), ("f16", cells * 2), ("int8", cells)];
    for _ in 0..3 {
        query_once(s, &mut rng, true);
        exact_once(s, &mut rng);
        for (_, bytes) in sizes {
            probe_once(s, bytes);
        }
    }
    let mut query = Vec::with_capacity(runs);
    let mut exact = Vec::with_capacity(runs);
    let mut probes = vec![Vec::with_capacity(runs); sizes.len()];
    for _ in 0..runs {
        query.push(query_once(s, &mut rng, true));
        exact.push(exact_once(s, &mut rng));
        for ((_, bytes), p) in sizes.iter().zip(&mut probes) {
            p.push(probe_once(s, *bytes));
        }
    }
    let (qm, q95) = percentiles(query);
    let (em, e95) = percentiles(exact);
    println!(
        "local_query {}k x {}, top-10, uid filter on all rows, {} thread(s), {runs} runs:\n  \
         int8 scan + exact re-score (store query)  median {qm:>8.2} ms  p95 {q95:>8.2} ms\n  \
         plain exact f32 scan                      median {em:>8.2} ms  p95 {e95:>8.2} ms",
        s.rows / 1000,
        s.dim,
        threads(),
    );
    let mut f32_floor = 0.0;
    for ((name, bytes), p) in sizes.iter().zip(probes) {
        let (pm, p95) = percentiles(p);
        if *name == "f32" {
            f32_floor = pm;
        }
        let gb = *bytes as f64 / 1e9;
        println!(
            "  bandwidth probe, {name:<4} bytes ({gb:.2} GB)     median {pm:>8.2} ms  p95 {p95:>8.2} ms  ({:.1} GB/s)",
            gb / (pm / 1e3),
        );
    }
    println!(
        "  int8 / exact = {:.2}; int8 / f32 probe = {:.2}; extra memory {} bytes per vector ({:.0} % of the f32 row)",
        qm / em,
        qm / f32_floor,
        s.extra_bytes_per_row,
        100.0 * s.extra_bytes_per_row as f64 / (4 * s.dim) as f64,
    );
}

fn bench(c: &mut Criterion) {
    let report_only = std::env::var_os("MEMLENS_BENCH_REPORT_ONLY").is_some();
    for (rows, dim, runs, samples) in [
        (10_000usize, 3072usize, 200usize, 50usize),
        (100_000, 3072, 40, 10),
        (100_000, 384, 200, 30),
    ] {
        let s = setup(rows, dim);
        report(&s, runs);
        if report_only {
            continue;
        }
        let mut g = c.benchmark_group(format!("local_query_{}k_x{dim}", rows / 1000));
        g.sample_size(samples)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(if rows * dim > 100_000_000 {
                15
            } else {
                4
            }));
        let mut rng = fastrand::Rng::with_seed(1);
        g.bench_function("query_top10_uid_filter_int8", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| query_once(&s, &mut rng, false)).sum())
        });
        g.bench_function("exact_f32_scan", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| exact_once(&s, &mut rng)).sum())
        });
        g.bench_function("bandwidth_probe_f32", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| probe_once(&s, rows * dim * 4)).sum())
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
