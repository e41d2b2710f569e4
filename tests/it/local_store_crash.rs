//! Crash safety of the local store: a child process (this test binary, re-executed)
//! upserts batches in a loop and is killed at a random moment; after reopening, every
//! batch it reported committed is there whole, no batch is there in part, and SQLite's
//! integrity check passes. Repeated several times on the same file.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use memlens::store::local::LocalStore;
use memlens::store::{MetaValue, Metadata, Query, QueryTarget, Record, VectorStore, list_all_ids};

const CHILD_ENV: &str = "MEMLENS_CRASH_TEST_DB";
const BATCH: usize = 40;
const DIM: usize = 256;
const NS: &str = "ns1";

fn batch_records(batch: u64) -> Vec<Record> {
    let mut rng = fastrand::Rng::with_seed(batch);
    let mut recs: Vec<Record> = (0..BATCH)
        .map(|i| Record {
            id: format!("b{batch:06}-{i:03}"),
            values: (0..DIM).map(|_| rng.f32() - 0.5).collect(),
            metadata: Metadata::from([("batch".into(), MetaValue::Number(batch as f64))]),
        })
        .collect();
    // One record every batch rewrites: it must always name the last whole batch.
    recs.push(Record {
        id: "counter".into(),
        values: vec![batch as f32 + 1.0; DIM],
        metadata: Metadata::from([("batch".into(), MetaValue::Number(batch as f64))]),
    });
    recs
}

fn batch_of(meta: &Metadata) -> u64 {
    match meta.get("batch") {
        Some(MetaValue::Number(n)) => *n as u64,
        other => panic!("bad batch metadata {other:?}"),
    }
}

fn open(path: &Path) -> LocalStore {
    LocalStore::open(path).expect("open store")
}

/// The child: write batches until killed, printing each committed batch number.
#[test]
#[ignore = "child process of killed_writers_leave_whole_batches"]
fn crash_child_writer() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = open(Path::new(&path));
        let ids = list_all_ids(&store, NS, Some("b")).await.unwrap();
        let mut next = ids
            .last()
            .map_or(0, |id| id[1..7].parse::<u64>().unwrap() + 1);
        loop {
            store.upsert(NS, batch_records(next)).await.unwrap();
            if next % 5 == 0 {
                // Also exercise the in-memory index and a delete-and-rewrite.
                let q = Query {
                    namespace: NS.into(),
                    target: QueryTarget::Id("counter".into()),
                    top_k: 3,
                    filter: None,
                    include_values: false,
                    include_metadata: true,
                };
                store.query(q).await.unwrap();
            }
            println!("COMMITTED {next}");
            next += 1;
        }
    });
}

fn check(path: &Path, committed: Option<u64>) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let store = open(path);
        let ids = list_all_ids(&store, NS, None).await.unwrap();
        let records = store.fetch(NS, &ids).await.unwrap();
        let mut per_batch: BTreeMap<u64, Vec<&Record>> = BTreeMap::new();
        for r in records.values().filter(|r| r.id != "counter") {
            per_batch.entry(batch_of(&r.metadata)).or_default().push(r);
        }
        let batches: Vec<u64> = per_batch.keys().copied().collect();
        let last = batches.last().copied();
        assert_eq!(
            batches,
            (0..=last.unwrap_or(0))
                .take(batches.len())
                .collect::<Vec<_>>(),
            "batches are contiguous from 0"
        );
        for (b, recs) in &per_batch {
            assert_eq!(recs.len(), BATCH, "batch {b} is whole");
            let want = batch_records(*b);
            for r in recs {
                let w = want.iter().find(|w| w.id == r.id).unwrap();
                assert_eq!(r.values, w.values, "{} values intact", r.id);
            }
        }
        if let Some(c) = committed {
            assert!(
                last.is_some_and(|l| l >= c),
                "batch {c} was committed, found {last:?}"
            );
        }
        if let Some(l) = last {
            let counter = &records["counter"];
            assert_eq!(
                batch_of(&counter.metadata),
                l,
                "counter names the last batch"
            );
            assert_eq!(counter.values, vec![l as f32 + 1.0; DIM]);
        }
        let stats = store.stats().await.unwrap();
        assert_eq!(stats.total as usize, records.len());
        let ok: String = rusqlite::Connection::open(path)
            .unwrap()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        last.map_or(0, |l| l + 1)
    })
}

#[test]
fn killed_writers_leave_whole_batches() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("store.db");
    let exe = std::env::current_exe().unwrap();
    let mut rng = fastrand::Rng::with_seed(2024);
    let mut total_batches = 0;
    // `MEMLENS_CRASH_ROUNDS=50` for the long run recorded in RELIABILITY.md.
    let rounds: usize = std::env::var("MEMLENS_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                "--ignored",
                "--exact",
                &child_test_name("crash_child_writer"),
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("COMMITTED ") {
                    let _ = tx.send(n.trim().parse::<u64>().unwrap());
                }
            }
        });
        // Let it commit a few batches, then kill it at a random moment.
        let want = 3 + rng.u64(0..6);
        let mut committed = None;
        let deadline = Instant::now() + Duration::from_secs(60);
        while committed.is_none_or(|c| c < total_batches + want) && Instant::now() < deadline {
            if let Ok(n) = rx.recv_timeout(Duration::from_millis(100)) {
                committed = Some(n);
            }
        }
        std::thread::sleep(Duration::from_micros(rng.u64(0..20_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        while let Ok(n) = rx.try_recv() {
            committed = Some(n);
        }
        assert!(
            committed.is_some(),
            "round {round}: the child never committed"
        );
        total_batches = check(&path, committed);
    }
    assert!(total_batches >= 8 * 3);
}

/// The full name of a test of this module inside the one `it` test binary
/// (`module::test`), for re-running it as a child process with `--exact`.
fn child_test_name(test: &str) -> String {
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, m)| m);
    format!("{module}::{test}")
}
