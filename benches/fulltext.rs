//! Full-text index (SQLite FTS5) at 100k memories with transcripts: the time to build it
//! (documents, content hash, one transaction of inserts), to reopen it unchanged (hash +
//! catalog lookup, no rebuild), and the query time of typical searches (a rare word, a
//! common word, a phrase, a prefix, a sentence that falls back to any word) with the
//! top 50 hits and their snippets, as the hybrid search asks.
//!
//! `cargo bench --bench fulltext` (`MEMLENS_BENCH_MEMORIES` changes the count). Baseline
//! in the same run: `INSERT`-ing the same rows into a plain table (no FTS) in one
//! transaction, the floor of any SQLite-backed index.

use std::time::{Duration, Instant};

use memlens::omi::Memory;
use memlens::omi::date::OmiDate;
use memlens::omi::model::{ActionItem, TranscriptSegment};
use memlens::sync::daterange::DateRange;
use memlens::sync::fulltext::{FullText, document};

const WORDS: &[&str] = &[
    "the",
    "a",
    "and",
    "we",
    "talked",
    "about",
    "kitchen",
    "budget",
    "dog",
    "park",
    "trip",
    "flight",
    "meeting",
    "project",
    "deadline",
    "doctor",
    "appointment",
    "recipe",
    "garden",
    "weekend",
    "birthday",
    "gift",
    "school",
    "homework",
    "running",
    "marathon",
    "coffee",
    "friend",
    "call",
    "email",
    "invoice",
    "contract",
    "lawyer",
    "house",
    "rent",
    "car",
    "insurance",
    "vacation",
    "beach",
    "mountain",
    "guitar",
    "lesson",
    "spanish",
    "book",
    "movie",
    "dinner",
    "lunch",
    "market",
    "bank",
    "loan",
    "interest",
    "rate",
    "refinance",
];

fn memories(n: usize) -> Vec<Memory> {
    let mut rng = fastrand::Rng::with_seed(17);
    let date = OmiDate::parse("2025-01-01T00:00:00+00:00").unwrap();
    let sentence = |rng: &mut fastrand::Rng, words: usize| {
        (0..words)
            .map(|_| WORDS[rng.usize(..WORDS.len())])
            .collect::<Vec<_>>()
            .join(" ")
    };
    (0..n)
        .map(|i| {
            let mut m = Memory {
                id: format!("m{i:06}"),
                created_at: Some(date.clone()),
                ..Memory::default()
            };
            m.structured.title = sentence(&mut rng, 4);
            m.structured.overview = sentence(&mut rng, 25);
            m.structured.action_items = vec![ActionItem {
                description: sentence(&mut rng, 6),
                ..ActionItem::default()
            }];
            // 20 segments of 12 words: about 1.5 KB of transcript per memory.
            m.transcript = (0..20)
                .map(|s| TranscriptSegment {
                    text: sentence(&mut rng, 12),
                    start: s as f64 * 6.0,
                    end: s as f64 * 6.0 + 5.0,
                    ..TranscriptSegment::default()
                })
                .collect();
            if i == n / 2 {
                m.transcript[7].text = "then refinancing with the lender came up".into();
            }
            m
        })
        .collect()
}

fn median_p95(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[(v.len() * 95 / 100).min(v.len() - 1)])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let n: usize = std::env::var("MEMLENS_BENCH_MEMORIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let ms_ = memories(n);
    let bytes: usize = ms_
        .iter()
        .map(|m| document(m).fields.iter().map(String::len).sum::<usize>())
        .sum();
    println!(
        "fulltext: {n} memories, {:.1} MB of searchable text",
        bytes as f64 / 1e6
    );

    // Baseline: the same rows into a plain table.
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    {
        let mut conn = rusqlite_free_baseline(dir.path());
        let tx = conn.transaction().unwrap();
        {
            let mut ins = tx
                .prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .unwrap();
            for m in &ms_ {
                let d = document(m);
                let f = &d.fields;
                ins.execute([&d.memory_id, &f[0], &f[1], &f[2], &f[3], &f[4], &f[5]])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
    }
    let baseline = started.elapsed();

    let mut builds = Vec::new();
    for _ in 0..3 {
        let dir = tempfile::tempdir().unwrap();
        let started = Instant::now();
        let (_, report) = FullText::open_or_build(dir.path(), &ms_, &mut |_, _| {}).unwrap();
        assert!(report.built);
        builds.push(started.elapsed());
    }
    let (build, _) = median_p95(builds);
    println!(
        "build:   median {:.0} ms ({:.1} µs per memory) · plain-table baseline {:.0} ms ({:.1}×)",
        ms(build),
        ms(build) * 1000.0 / n as f64,
        ms(baseline),
        build.as_secs_f64() / baseline.as_secs_f64()
    );

    let dir = tempfile::tempdir().unwrap();
    FullText::open_or_build(dir.path(), &ms_, &mut |_, _| {}).unwrap();
    let mut reopens = Vec::new();
    let mut ft = None;
    for _ in 0..5 {
        let started = Instant::now();
        let (f, report) = FullText::open_or_build(dir.path(), &ms_, &mut |_, _| {}).unwrap();
        assert!(!report.built);
        reopens.push(started.elapsed());
        ft = Some(f);
    }
    let (reopen, _) = median_p95(reopens);
    println!(
        "reopen:  median {:.0} ms (documents + content hash + catalog, no rebuild)",
        ms(reopen)
    );
    let ft = ft.unwrap();
    let file = FullText::default_path(dir.path());
    let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(file.with_extension("db-wal")).map_or(0, |m| m.len());
    println!("size:    {:.0} MB on disk", size as f64 / 1e6);

    for (label, query) in [
        ("rare word", "lender"),
        ("common word", "kitchen"),
        ("two words", "kitchen budget"),
        ("phrase", "\"refinancing with the lender\""),
        ("prefix", "refin*"),
        ("sentence (any word)", "where did we talk to the lender"),
    ] {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..30 {
            let started = Instant::now();
            let r = ft.search(query, DateRange::ALL, 50).unwrap();
            times.push(started.elapsed());
            hits = r.hits.len();
        }
        let (med, p95) = median_p95(times);
        println!(
            "query:   {label:<20} {query:<34} median {:>7.2} ms · p95 {:>7.2} ms · {hits} hits",
            ms(med),
            ms(p95)
        );
    }
}

/// A plain SQLite table with the same columns (the floor for any SQLite-backed index).
fn rusqlite_free_baseline(dir: &std::path::Path) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join("plain.db")).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; CREATE TABLE t (id TEXT, a TEXT, b TEXT, c TEXT, d TEXT, e TEXT, f TEXT);",
    )
    .unwrap();
    conn
}
