//! Export loading throughput and peak memory on a generated ~200 MB E3 export.
//!
//! `cargo bench --bench load` generates `omi-export.json` (E3, realistic records with
//! transcripts, chat messages to skip) in a temp dir, then measures:
//! - throughput (criterion, MB/s) of `memlens::omi::export::load_bytes` (per-record
//!   `RawValue` + typed parse, bad records tolerated) against a plain
//!   `serde_json::from_slice` of the whole file into the same record structs;
//! - peak memory (VmHWM from /proc/self/status) of one load of each, each in a fresh
//!   child process (this binary re-run with `MEMLENS_BENCH_CHILD`), reading the file
//!   included, printed as a multiple of the file size.
//!
//! `MEMLENS_BENCH_MB` changes the file size (default 200).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use memlens::omi::Memory;
use memlens::omi::export::raw::RawRecord;
use serde::Deserialize;
use serde_json::json;

/// The baseline: the whole file in one `from_slice`, records into the loader's own
/// typed structs (unknown keys skipped by serde's derive).
#[derive(Deserialize)]
struct BaselineExport {
    conversations: Vec<RawRecord>,
}

fn baseline(bytes: &[u8]) -> Vec<Memory> {
    let e: BaselineExport = serde_json::from_slice(bytes).expect("baseline parse");
    e.conversations
        .into_iter()
        .map(|r| r.into_memory().0)
        .collect()
}

fn loader(bytes: &[u8]) -> Vec<Memory> {
    memlens::omi::export::load_bytes("omi-export.json", bytes)
        .expect("loader")
        .memories
}

const WORDS: &[&str] = &[
    "so",
    "about",
    "the",
    "budget",
    "review",
    "I",
    "think",
    "we",
    "should",
    "move",
    "Tuesday",
    "meeting",
    "Ana",
    "café",
    "flights",
    "Lisbon",
    "dentist",
    "yeah",
    "okay",
    "right",
    "maybe",
    "next",
    "week",
    "“quoted”",
    "naïve",
    "déjà",
    "vu",
    "10%",
    "$20",
    "emoji 🎉",
    "and",
    "then",
];

fn sentence(rng: &mut fastrand::Rng, n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(WORDS[rng.usize(..WORDS.len())]);
    }
    if rng.u8(..) < 20 {
        s.push_str(" \"she said\"\n");
    }
    s
}

fn date(rng: &mut fastrand::Rng) -> String {
    format!(
        "2025-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rng.u32(1..13),
        rng.u32(1..29),
        rng.u32(0..24),
        rng.u32(0..60),
        rng.u32(0..60),
        rng.u32(0..1_000_000)
    )
}

fn conversation(rng: &mut fastrand::Rng, i: usize) -> serde_json::Value {
    let segments: Vec<_> = (0..rng.usize(20..120))
        .map(|k| {
            let n = rng.usize(5..30);
            json!({"text": sentence(rng, n), "speaker": format!("SPEAKER_{:02}", k % 3),
                   "speaker_id": k % 3, "is_user": k % 3 == 0, "start": k as f64 * 4.0, "end": k as f64 * 4.0 + 3.5})
        })
        .collect();
    let actions: Vec<_> = (0..rng.usize(0..4))
        .map(|_| json!({"description": sentence(rng, 5), "completed": rng.bool(), "created_at": date(rng), "due_at": date(rng)}))
        .collect();
    let events: Vec<_> = (0..rng.usize(0..2))
        .map(|_| json!({"title": sentence(rng, 3), "description": "", "start": date(rng), "duration": 30, "created": false}))
        .collect();
    let category = ["work", "personal", "romantic", "health"][i % 4];
    json!({
        "id": format!("{:08x}-{:04x}-4000-8000-{:012x}", rng.u32(..), i % 65536, rng.u64(..) & 0xffff_ffff_ffff),
        "created_at": date(rng), "started_at": date(rng), "finished_at": date(rng),
        "source": "omi", "language": "en", "status": "completed", "discarded": rng.u8(..) < 10,
        "visibility": "private",
        "structured": {"title": sentence(rng, 4), "overview": sentence(rng, 40), "emoji": "🧠",
                       "category": category,
                       "action_items": actions, "events": events},
        "transcript_segments": segments,
        "apps_results": [{"app_id": "summary", "content": sentence(rng, 50)}],
        "geolocation": {"latitude": 38.7, "longitude": -9.1, "address": "Lisbon", "location_type": "city"},
        "is_locked": false, "starred": false, "folder_id": null,
    })
}

/// Write an E3 export of about `mb` megabytes; returns its size.
fn generate(path: &Path, mb: usize) -> usize {
    let target = mb * 1_000_000;
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).expect("create"));
    let mut written = 0usize;
    let put = |s: &str, out: &mut std::io::BufWriter<std::fs::File>| {
        out.write_all(s.as_bytes()).expect("write");
        s.len()
    };
    written += put(
        "{\n  \"profile\": {\"name\": \"Bench User\", \"email\": \"b@example.com\"},\n  \"conversations\": [\n",
        &mut out,
    );
    let mut i = 0;
    // 85% conversations, then chat messages (skipped by the loader) for the rest.
    while written < target * 85 / 100 {
        if i > 0 {
            written += put(",\n", &mut out);
        }
        let rec = serde_json::to_string_pretty(&conversation(&mut rng, i)).expect("json");
        written += put(&rec, &mut out);
        i += 1;
    }
    written += put("\n  ],\n  \"chat_messages\": [\n", &mut out);
    let mut k = 0;
    while written < target {
        if k > 0 {
            written += put(",\n", &mut out);
        }
        let m = json!({"id": k, "text": sentence(&mut rng, 60), "sender": "human", "created_at": date(&mut rng)});
        written += put(&serde_json::to_string(&m).expect("json"), &mut out);
        k += 1;
    }
    written += put("\n  ],\n  \"export_complete\": true\n}\n", &mut out);
    out.flush().expect("flush");
    written
}

/// Peak resident memory of this process (VmHWM), bytes.
fn vm_hwm() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Child mode: load once with `which`, print the memory count and VmHWM.
fn child(which: &str, path: &str) {
    let bytes = std::fs::read(path).expect("read");
    let n = match which {
        "loader" => loader(&bytes).len(),
        _ => baseline(&bytes).len(),
    };
    println!("{n} {}", vm_hwm().unwrap_or(0));
}

fn peak_of(which: &str, path: &Path) -> Option<(usize, usize)> {
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(exe)
        .env("MEMLENS_BENCH_CHILD", which)
        .env("MEMLENS_BENCH_FILE", path)
        .output()
        .ok()?;
    let s = String::from_utf8_lossy(&out.stdout);
    let mut it = s.split_whitespace();
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

fn main() {
    if let (Ok(which), Ok(file)) = (
        std::env::var("MEMLENS_BENCH_CHILD"),
        std::env::var("MEMLENS_BENCH_FILE"),
    ) {
        child(&which, &file);
        return;
    }
    let mb: usize = std::env::var("MEMLENS_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("omi-export.json");
    let t = std::time::Instant::now();
    let size = generate(&path, mb);
    eprintln!(
        "generated {} ({:.1} MB) in {:.1?}",
        path.display(),
        size as f64 / 1e6,
        t.elapsed()
    );
    let bytes = std::fs::read(&path).expect("read");
    assert_eq!(loader(&bytes).len(), baseline(&bytes).len());

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("load_e3");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function("memlens_loader", |b| b.iter(|| loader(&bytes)));
        g.bench_function("serde_json_from_slice_baseline", |b| {
            b.iter(|| baseline(&bytes))
        });
        g.finish();
    }
    // Criterion runs the two one after the other; on a busy machine that skews the
    // comparison, so also alternate them and compare the best times.
    let (mut best_loader, mut best_base) = (Duration::MAX, Duration::MAX);
    for _ in 0..5 {
        let t = std::time::Instant::now();
        std::hint::black_box(loader(&bytes));
        best_loader = best_loader.min(t.elapsed());
        let t = std::time::Instant::now();
        std::hint::black_box(baseline(&bytes));
        best_base = best_base.min(t.elapsed());
    }
    let mbs = |d: Duration| bytes.len() as f64 / 1e6 / d.as_secs_f64();
    eprintln!(
        "alternating runs, best of 5: loader {:.0} MB/s, baseline {:.0} MB/s, loader/baseline = {:.0}%",
        mbs(best_loader),
        mbs(best_base),
        100.0 * mbs(best_loader) / mbs(best_base)
    );
    drop(bytes);
    for which in ["loader", "baseline"] {
        match peak_of(which, &path) {
            Some((n, peak)) => eprintln!(
                "peak memory ({which}): {:.1} MB = {:.2} x file size ({n} memories)",
                peak as f64 / 1e6,
                peak as f64 / size as f64
            ),
            None => eprintln!("peak memory ({which}): could not be measured"),
        }
    }
    c.final_summary();
}
