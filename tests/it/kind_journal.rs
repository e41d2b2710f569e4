//! The record kinds' writes (`reprocess --kind chunks|action-items`) go through the same
//! journalled job as conversations and facts: a poisoned record fails alone while the
//! rest land, a permanent error stops the run at once and says so once, and `--resume`
//! finishes exactly what was left (a `done` item is never written twice), with Omi's
//! exact records at the end. Against the Pinecone emulator on 127.0.0.1, the real binary.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memlens::embed::Embedder;
use memlens::embed::builtin::{BuiltinEmbedder, DIMENSION};
use memlens::omi::chunks::{chunk_metadata, transcript_chunks};
use memlens::omi::export::load_path;
use memlens::sync::journal::Journal;
use serde_json::Value;
use support::pinecone_emulator::{Fault, PineconeEmulator, StoredVector};
use support::{memlens_on_emulator as memlens, ok};

const UID: &str = "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A";

/// e3-2026.json: three conversations Omi's backfill chunks, 2 + 1 chunks and more.
fn export(dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-2026.json");
    let path = dir.join("omi-export.json");
    std::fs::copy(src, &path).unwrap();
    path
}

/// Omi's chunk records for the export: vector id → (text, metadata).
fn omi_chunks(export: &Path) -> BTreeMap<String, (String, memlens::store::Metadata)> {
    let x = load_path(export).unwrap();
    let mut out = BTreeMap::new();
    for m in x
        .memories
        .iter()
        .filter(|m| !m.deleted && !m.discarded && m.status.as_deref() == Some("completed"))
    {
        for c in transcript_chunks(m) {
            out.insert(
                format!("{UID}-{}-c{}", m.id, c.chunk_index),
                (
                    c.text.clone(),
                    chunk_metadata(UID, &m.id, c.chunk_index, c.created_at),
                ),
            );
        }
    }
    out
}

async fn assert_exactly_omis(emu: &PineconeEmulator, export: &Path) {
    let emb = BuiltinEmbedder::new().unwrap();
    let mut want = BTreeMap::new();
    for (id, (text, metadata)) in omi_chunks(export) {
        let values = emb.embed(&[text]).await.unwrap().remove(0);
        want.insert(id, StoredVector { values, metadata });
    }
    assert_eq!(emu.records("ns_tchunks"), want);
}

/// `memlens reprocess EXPORT --kind chunks ARGS…` against `emu` with the data dir `data`.
async fn reprocess_chunks(
    emu: &PineconeEmulator,
    data: &Path,
    export: &Path,
    args: &[&str],
) -> std::process::Output {
    let mut all = vec!["reprocess", export.to_str().unwrap(), "--kind", "chunks"];
    all.extend_from_slice(args);
    memlens(emu, data, &all).await
}

/// JSON lines of a run, by `type`.
fn events(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn summary(out: &str) -> Value {
    events(out)
        .into_iter()
        .rfind(|v| v["type"] == "summary")
        .unwrap_or_else(|| panic!("no summary in {out}"))
}

/// Items written `done` per vector id, over every run in the journal.
fn done_writes(data: &Path) -> BTreeMap<String, usize> {
    let j = Journal::open_in(data).unwrap();
    let mut out = BTreeMap::new();
    for id in omi_chunks(&data.join("omi-export.json")).keys() {
        let n = j
            .writes_of(id)
            .unwrap()
            .iter()
            .filter(|w| w.outcome == "done")
            .count();
        out.insert(id.clone(), n);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poisoned_chunk_fails_alone_and_resume_writes_only_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(dir.path());
    let ids: Vec<String> = omi_chunks(&e).keys().cloned().collect();
    assert!(ids.len() >= 3, "{ids:?}");
    let emu = PineconeEmulator::start(DIMENSION).await;
    let bad = ids[1].clone();
    emu.poison([bad.clone()]);
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes", "--json"]).await;
    assert_eq!(o.status.code(), Some(1), "one item failed: exit 1");
    let out = String::from_utf8(o.stdout).unwrap();
    let s = summary(&out);
    assert_eq!(s["done"], ids.len() - 1, "{s}");
    let failed = s["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{s}");
    assert_eq!(failed[0]["vector_id"], bad.as_str());
    assert!(!emu.records("ns_tchunks").contains_key(&bad));
    assert_eq!(emu.records("ns_tchunks").len(), ids.len() - 1);
    // The plan came first, as one JSON line.
    assert_eq!(events(&out)[0]["type"], "plan");

    // The run finished (every item done or failed): nothing to resume, and --missing
    // plans exactly the chunk that failed.
    emu.unpoison();
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--resume", "--yes"]).await;
    assert!(ok(&o).contains("nothing to resume"));
    emu.clear_requests();
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--missing", "--yes", "--json"]).await;
    let out = ok(&o);
    let plan = &events(&out)[0];
    assert_eq!(plan["upsert_ids"], serde_json::json!([bad]), "{out}");
    let s = summary(&out);
    assert_eq!(s["done"], 1, "{s}");
    // Only the failed chunk was embedded and upserted again.
    let upserts = emu.requests_to("/vectors/upsert");
    assert_eq!(upserts.len(), 1, "{out}");
    let sent: Vec<String> = upserts[0].json()["vectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, [bad]);
    assert!(done_writes(dir.path()).values().all(|&n| n == 1));
    assert_exactly_omis(&emu, &e).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_stops_the_chunk_run_at_once_and_resume_finishes_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(dir.path());
    let ids: Vec<String> = omi_chunks(&e).keys().cloned().collect();
    let emu = PineconeEmulator::start(DIMENSION).await;
    // The first upsert is refused as a bad key would be: permanent, no retry, no split.
    emu.inject(Fault::status(401).on("/vectors/upsert"));
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes"]).await;
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        emu.requests_to("/vectors/upsert").len(),
        1,
        "a permanent error is not retried"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("error")).count(),
        1,
        "said once: {err}"
    );
    assert!(err.contains("refused the API key"), "{err}");
    assert!(emu.records("ns_tchunks").is_empty());

    // Running again without --resume reports the unfinished run and leaves it alone.
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--all", "--dry-run"]).await;
    let out = ok(&o);
    assert!(out.contains("note: unfinished run"), "{out}");
    assert!(out.contains("dry run: nothing written"), "{out}");
    assert!(emu.records("ns_tchunks").is_empty());

    let o = reprocess_chunks(&emu, dir.path(), &e, &["--resume", "--yes"]).await;
    let out = ok(&o);
    assert!(
        out.contains(&format!("{} of {} done", ids.len(), ids.len())),
        "{out}"
    );
    assert!(done_writes(dir.path()).values().all(|&n| n == 1));
    assert_exactly_omis(&emu, &e).await;
    // ns1/ns2/ns4 untouched.
    for ns in ["ns1", "ns2", "ns4"] {
        assert!(emu.records(ns).is_empty(), "{ns} written");
    }
}

/// `--limit N` alone is a selection for chunks (Omi's backfill `--limit N`), and a dry run
/// says it wrote nothing and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limit_alone_selects_the_newest_conversations_and_a_dry_run_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(dir.path());
    let emu = PineconeEmulator::start(DIMENSION).await;
    let out = ok(&reprocess_chunks(&emu, dir.path(), &e, &["--limit", "1", "--dry-run"]).await);
    assert!(out.contains("· 1 conversation ("), "{out}");
    assert!(out.ends_with("dry run: nothing written\n"), "{out}");
    assert!(emu.requests_to("/vectors/upsert").is_empty());
    let j = Journal::open_in(dir.path()).unwrap();
    assert!(
        j.unfinished_runs(&emu.url(), "ns_tchunks", UID)
            .unwrap()
            .is_empty()
    );
}

/// As for conversations, a record the journal saw written with the same text, model and
/// format, and still stored, is "unchanged": `--all` again writes nothing, `--force`
/// rewrites, and a record deleted from the store since is written again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_chunks_are_not_rewritten_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(dir.path());
    let ids: Vec<String> = omi_chunks(&e).keys().cloned().collect();
    let emu = PineconeEmulator::start(DIMENSION).await;
    ok(&reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes"]).await);
    emu.clear_requests();
    let out = ok(&reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes"]).await);
    assert!(out.starts_with("plan: upsert 0 records"), "{out}");
    assert!(
        out.contains("(unchanged: the journal's last write"),
        "{out}"
    );
    assert!(emu.requests_to("/vectors/upsert").is_empty());

    // A record gone from the store is not unchanged.
    let gone = ids[0].clone();
    let store = memlens::store::pinecone::PineconeStore::connect(emu.config())
        .await
        .unwrap();
    memlens::store::VectorStore::delete(&store, "ns_tchunks", std::slice::from_ref(&gone))
        .await
        .unwrap();
    let out = ok(&reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes", "--json"]).await);
    assert_eq!(events(&out)[0]["upsert_ids"], serde_json::json!([gone]));

    emu.clear_requests();
    let out = ok(&reprocess_chunks(
        &emu,
        dir.path(),
        &e,
        &["--all", "--force", "--yes", "--json"],
    )
    .await);
    assert_eq!(summary(&out)["done"], ids.len());
    assert_exactly_omis(&emu, &e).await;
}

/// A plain re-run after an interrupted run writes what the old run left; `--resume` then
/// finds those records written since (same text, model and format, still stored) and
/// settles them as done without writing them a second time (found by a new-user trial:
/// the resume re-embedded and re-upserted 1,070 chunks).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_does_not_rewrite_what_a_later_run_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let e = export(dir.path());
    let ids: Vec<String> = omi_chunks(&e).keys().cloned().collect();
    let emu = PineconeEmulator::start(DIMENSION).await;
    emu.inject(Fault::status(401).on("/vectors/upsert"));
    let o = reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes"]).await;
    assert!(!o.status.success());
    let out = ok(&reprocess_chunks(&emu, dir.path(), &e, &["--all", "--yes"]).await);
    assert!(out.contains("note: unfinished run"), "{out}");
    assert_eq!(emu.records("ns_tchunks").len(), ids.len());
    emu.clear_requests();
    let out = ok(&reprocess_chunks(&emu, dir.path(), &e, &["--resume", "--yes", "--json"]).await);
    let s = summary(&out);
    assert_eq!(
        (s["done"].as_u64(), s["total"].as_u64()),
        (Some(ids.len() as u64), Some(ids.len() as u64)),
        "{s}"
    );
    assert_eq!(s["done_before"], ids.len(), "{s}");
    assert!(
        emu.requests_to("/vectors/upsert").is_empty(),
        "nothing written twice"
    );
    assert!(done_writes(dir.path()).values().all(|&n| n == 1));
}
