//! What memlens knows about an index: the status class of each memory (from crafted
//! store states, on the local store and the Pinecone emulator), format drift, orphan
//! vectors (listing across pages, the guarded delete), and the request count of a
//! 10 000-memory lookup.

use crate::support;

use std::collections::BTreeMap;

use async_trait::async_trait;
use memlens::embed::fake::FakeEmbedder;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::Export;
use memlens::omi::text::{TextFormat, render};
use memlens::omi::{ActionItem, Event, Memory, Structured};
use memlens::store::local::LocalStore;
use memlens::store::pinecone::PineconeStore;
use memlens::store::{
    IndexStats, ListPage, Match, MetaValue, Metadata, Query, Record, StoreError, VectorStore,
};
use memlens::sync::drift::{DriftCache, DriftOutcome, check_drift};
use memlens::sync::orphans::{DeletePlan, OrphanError, delete_orphans, scan_orphans};
use memlens::sync::status::{EmbeddingStatus, lookup, verify};
use support::pinecone_emulator::{Fault, PineconeEmulator, StoredVector};

const DIM: usize = 32;
const UID: &str = "u1";
const NS: &str = "ns1";

fn memory(id: &str, title: &str, discarded: bool) -> Memory {
    Memory {
        id: id.into(),
        discarded,
        structured: Structured {
            title: title.into(),
            overview: format!("notes about {title}"),
            emoji: "🧠".into(),
            action_items: vec![ActionItem {
                description: format!("follow up on {title}"),
                ..Default::default()
            }],
            events: vec![Event {
                title: format!("{title} session"),
                // Omi's Event requires a start (a memory without one is skipped as invalid).
                start: memlens::omi::date::OmiDate::parse("2025-03-01T10:00:00+00:00").ok(),
                duration: 30,
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

fn record(id: &str, values: Vec<f32>, meta: Metadata) -> Record {
    Record {
        id: id.into(),
        values,
        metadata: meta,
    }
}

/// Memories and a store state that produce every class:
/// fresh, stale, missing, skipped, mismatch, legacy.
fn crafted(fake: &FakeEmbedder) -> (Vec<Memory>, Vec<Record>) {
    let memories = vec![
        memory("fresh", "garden planning", false),
        memory("stale", "budget review", false),
        memory("missing", "dentist visit", false),
        memory("skipped", "silence", true),
        memory("mismatch", "band practice", false),
        memory("legacy", "camping trip", false),
    ];
    let current = |m: &Memory| fake.vector(&render(&m.structured, TextFormat::CURRENT));
    let t = 1_730_000_000;
    let records = vec![
        record(
            &vector_id(UID, "fresh"),
            current(&memories[0]),
            memory_metadata(UID, "fresh", t),
        ),
        // Embedded from the 2024-07-30 text: the current text no longer matches it.
        record(
            &vector_id(UID, "stale"),
            fake.vector(&render(&memories[1].structured, TextFormat::Omi20240730)),
            memory_metadata(UID, "stale", t),
        ),
        record(
            &vector_id(UID, "mismatch"),
            current(&memories[4]),
            memory_metadata("someone-else", "mismatch", t),
        ),
        record(
            &vector_id(UID, "legacy"),
            current(&memories[5]),
            memory_metadata(UID, "legacy", 1_730_000),
        ),
    ];
    (memories, records)
}

async fn check_classes(store: &dyn VectorStore, fake: &FakeEmbedder) {
    let (memories, records) = crafted(fake);
    store.upsert(NS, records).await.unwrap();
    let looked = lookup(store, NS, UID, &memories, Some(DIM), |_, _| {})
        .await
        .unwrap();
    let status = |m: &BTreeMap<String, memlens::sync::StatusEntry>, id: &str| m[id].status;
    assert_eq!(status(&looked, "fresh"), EmbeddingStatus::Present);
    assert_eq!(status(&looked, "stale"), EmbeddingStatus::Present);
    let calls = fake.calls();
    let verified = verify(
        store,
        fake,
        NS,
        UID,
        &memories,
        TextFormat::CURRENT,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(
        fake.calls(),
        calls + 1,
        "one embedding request per 100 memories"
    );
    let want = [
        ("fresh", EmbeddingStatus::Fresh),
        ("stale", EmbeddingStatus::Stale),
        ("missing", EmbeddingStatus::Missing),
        ("skipped", EmbeddingStatus::Skipped),
        ("mismatch", EmbeddingStatus::Mismatch),
        ("legacy", EmbeddingStatus::Legacy),
    ];
    for (id, class) in want {
        assert_eq!(status(&verified, id), class, "{id}: {:?}", verified[id]);
    }
    assert!(verified["fresh"].similarity.unwrap() >= 0.999);
    assert!(verified["stale"].similarity.unwrap() < 0.999);
    assert!(verified["legacy"].similarity.unwrap() >= 0.999);
    assert!(
        verified["mismatch"]
            .reason
            .as_deref()
            .unwrap()
            .contains("someone-else")
    );
    // A whole different model (dimension) is a mismatch, and is never embedded against.
    let other = FakeEmbedder::new(DIM * 2);
    let v = verify(
        store,
        &other,
        NS,
        UID,
        &memories,
        TextFormat::CURRENT,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(status(&v, "fresh"), EmbeddingStatus::Mismatch);
    assert_eq!(other.texts_embedded(), 0);
}

#[tokio::test]
async fn every_status_class_on_the_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("s.db")).unwrap();
    check_classes(&store, &FakeEmbedder::new(DIM)).await;
}

#[tokio::test]
async fn every_status_class_on_the_emulator() {
    let emu = PineconeEmulator::start(DIM).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    check_classes(&store, &FakeEmbedder::new(DIM)).await;
}

#[tokio::test]
async fn drift_names_the_format_that_made_the_vector() {
    let fake = FakeEmbedder::new(DIM);
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("s.db")).unwrap();
    let old = memory("old", "guitar lesson", false);
    let new = memory("new", "tax filing", false);
    let gone = memory("gone", "lost", false);
    store
        .upsert(
            NS,
            vec![
                record(
                    &vector_id(UID, "old"),
                    fake.vector(&render(&old.structured, TextFormat::Omi20240826)),
                    memory_metadata(UID, "old", 1_730_000_000),
                ),
                record(
                    &vector_id(UID, "new"),
                    fake.vector(&render(&new.structured, TextFormat::CURRENT)),
                    memory_metadata(UID, "new", 1_730_000_000),
                ),
            ],
        )
        .await
        .unwrap();
    let mut cache = DriftCache::default();
    let out = check_drift(
        &fake,
        &store,
        NS,
        UID,
        &[&old, &new, &gone],
        Some(&mut cache),
    )
    .await
    .unwrap();
    assert_eq!(
        fake.calls(),
        1,
        "one embedding request for all formats × memories"
    );
    let DriftOutcome::Report(r) = &out[0] else {
        panic!("{:?}", out[0])
    };
    assert_eq!(r.best, vec![TextFormat::Omi20240826]);
    assert!(r.identified);
    assert_eq!(r.status, EmbeddingStatus::Stale);
    assert_eq!(r.scores.len(), TextFormat::ALL.len());
    assert!(r.best_similarity > 0.9999);
    assert!(r.current_similarity < 0.999);
    assert!(
        r.verdict.starts_with(
            "matches omi-2024-08-26 at 1.00000: made before the omi-2025-04-30 format change"
        ),
        "{}",
        r.verdict
    );
    let DriftOutcome::Report(n) = &out[1] else {
        panic!("{:?}", out[1])
    };
    assert!(n.best.contains(&TextFormat::CURRENT));
    assert_eq!(n.status, EmbeddingStatus::Fresh);
    assert!(matches!(&out[2], DriftOutcome::NoVector { vector_id, .. } if vector_id == "u1-gone"));
    assert!(!cache.is_empty());

    // Again, from the cache: no embedding at all, the same answer.
    let again = check_drift(&fake, &store, NS, UID, &[&old], Some(&mut cache))
        .await
        .unwrap();
    assert_eq!(fake.calls(), 1);
    let DriftOutcome::Report(a) = &again[0] else {
        panic!()
    };
    assert!(a.from_cache);
    assert_eq!(a.best, r.best);
    // Cache survives a save/load.
    cache.save(dir.path()).unwrap();
    assert_eq!(DriftCache::load(dir.path()).len(), cache.len());
}

/// The emulator with `n` of the user's vectors for export memories, orphans (one with a
/// legacy integer id and a legacy `created_at`), and vectors of other users.
fn seed_orphans(emu: &PineconeEmulator, fake: &FakeEmbedder) -> Vec<Memory> {
    let kept: Vec<Memory> = (0..10)
        .map(|i| memory(&format!("m{i:02}"), &format!("kept {i}"), false))
        .collect();
    let mut rows: Vec<(String, StoredVector)> = kept
        .iter()
        .map(|m| {
            (
                vector_id(UID, &m.id),
                StoredVector {
                    values: fake.vector(&m.structured.title),
                    metadata: memory_metadata(UID, &m.id, 1_730_000_000),
                },
            )
        })
        .collect();
    for i in 0..14 {
        let id = format!("deleted-{i:02}");
        rows.push((
            vector_id(UID, &id),
            StoredVector {
                values: fake.vector(&id),
                metadata: memory_metadata(UID, &id, 1_720_000_000),
            },
        ));
    }
    rows.push((
        vector_id(UID, "42"),
        StoredVector {
            values: fake.vector("legacy"),
            metadata: memory_metadata(UID, "42", 1_721_000),
        },
    ));
    for other in ["u10-x", "u2-m00", "m03"] {
        rows.push((
            other.to_string(),
            StoredVector {
                values: fake.vector(other),
                metadata: memory_metadata("u2", other, 1_730_000_000),
            },
        ));
    }
    emu.seed(NS, rows);
    kept
}

#[tokio::test]
async fn orphans_are_listed_across_pages_and_fetched_in_groups() {
    let emu = PineconeEmulator::start(DIM).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    let fake = FakeEmbedder::new(DIM);
    let mut kept = seed_orphans(&emu, &fake);
    kept.push(memory("never-embedded", "x", false));
    emu.clear_requests();
    let mut listed_progress = Vec::new();
    let scan = scan_orphans(
        &store,
        NS,
        UID,
        &Export::of_memories("test", kept.clone()),
        4,
        |stage, n| {
            if stage == "list" {
                listed_progress.push(n);
            }
        },
    )
    .await
    .unwrap();
    assert_eq!(
        scan.listed, 25,
        "10 kept + 14 deleted + 1 legacy; other users left out"
    );
    assert_eq!(scan.pages, 7, "25 ids, 4 per page");
    assert_eq!(listed_progress, [4, 8, 12, 16, 20, 24, 25]);
    assert_eq!(scan.in_export, 10);
    assert_eq!(scan.missing, 1);
    assert_eq!(scan.orphans.len(), 15);
    let lists = emu.requests_to("/vectors/list");
    assert_eq!(lists.len(), 7);
    assert!(
        lists
            .iter()
            .all(|r| r.query_pairs().contains(&("prefix".into(), "u1-".into())))
    );
    assert_eq!(emu.requests_to("/vectors/fetch").len(), 1);
    let legacy = scan
        .orphans
        .iter()
        .find(|o| o.vector_id == "u1-42")
        .unwrap();
    assert!(legacy.legacy_integer_id);
    assert_eq!(legacy.memory_id, "42");
    assert!(legacy.notes.iter().any(|n| n.contains("2024 app era")));
    assert!(legacy.notes.iter().any(|n| n.contains("divide-by-1000")));
    let plain = scan
        .orphans
        .iter()
        .find(|o| o.vector_id == "u1-deleted-03")
        .unwrap();
    assert_eq!(plain.created_at, Some(1_720_000_000.0));
    assert_eq!(
        plain.metadata.as_ref().unwrap().get("memory_id"),
        Some(&MetaValue::String("deleted-03".into()))
    );
    assert!(plain.notes.is_empty());
}

#[tokio::test]
async fn deleting_orphans_is_guarded() {
    let emu = PineconeEmulator::start(DIM).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    let fake = FakeEmbedder::new(DIM);
    let kept = seed_orphans(&emu, &fake);
    let scan = scan_orphans(
        &store,
        NS,
        UID,
        &Export::of_memories("test", kept.clone()),
        100,
        |_, _| {},
    )
    .await
    .unwrap();
    let plan = DeletePlan::from_scan(&scan);
    assert_eq!(plan.ids.len(), 15);
    let before = emu.records(NS).len();

    // Ids without the user's prefix: refused whole, whatever else is in the plan.
    for foreign in ["u2-m00", "m03", "u10-x", "u1-", "u1"] {
        let mut bad = plan.clone();
        bad.ids.push(foreign.into());
        let e = delete_orphans(&store, &bad, true, false).await.unwrap_err();
        assert!(
            matches!(e, OrphanError::NotUserPrefixed { .. }),
            "{foreign}: {e}"
        );
        assert!(e.to_string().contains("\"u1-\""), "{e}");
    }
    let mut no_uid = plan.clone();
    no_uid.uid = String::new();
    assert!(matches!(
        delete_orphans(&store, &no_uid, true, false).await,
        Err(OrphanError::NoUid)
    ));
    assert!(matches!(
        delete_orphans(&store, &plan, true, true).await,
        Err(OrphanError::ReadOnly)
    ));
    assert!(matches!(
        delete_orphans(&store, &plan, false, false).await,
        Err(OrphanError::NotConfirmed)
    ));
    assert!(emu.requests_to("/vectors/delete").is_empty());
    assert_eq!(emu.records(NS).len(), before);

    assert_eq!(
        delete_orphans(&store, &plan, true, false).await.unwrap(),
        15
    );
    let left = emu.records(NS);
    assert_eq!(left.len(), before - 15);
    assert!(
        kept.iter()
            .all(|m| left.contains_key(&vector_id(UID, &m.id)))
    );
    assert!(left.contains_key("u2-m00") && left.contains_key("m03"));
    let rescan = scan_orphans(
        &store,
        NS,
        UID,
        &Export::of_memories("test", kept.clone()),
        100,
        |_, _| {},
    )
    .await
    .unwrap();
    assert!(rescan.orphans.is_empty());
}

/// A store that cannot list (Pinecone pod-based indexes).
struct NoList(LocalStore);

#[async_trait]
impl VectorStore for NoList {
    fn target(&self) -> String {
        "pod-based".into()
    }
    fn is_remote(&self) -> bool {
        true
    }
    async fn upsert(&self, ns: &str, r: Vec<Record>) -> Result<usize, StoreError> {
        self.0.upsert(ns, r).await
    }
    async fn fetch(
        &self,
        ns: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Record>, StoreError> {
        self.0.fetch(ns, ids).await
    }
    async fn query(&self, q: Query) -> Result<Vec<Match>, StoreError> {
        self.0.query(q).await
    }
    async fn list(
        &self,
        _: &str,
        _: Option<&str>,
        _: Option<usize>,
        _: Option<String>,
    ) -> Result<ListPage, StoreError> {
        Err(StoreError::Unsupported(
            "list ids on a pod-based index".into(),
        ))
    }
    async fn delete(&self, ns: &str, ids: &[String]) -> Result<(), StoreError> {
        self.0.delete(ns, ids).await
    }
    async fn update_metadata(&self, ns: &str, id: &str, set: Metadata) -> Result<(), StoreError> {
        self.0.update_metadata(ns, id, set).await
    }
    async fn stats(&self) -> Result<IndexStats, StoreError> {
        self.0.stats().await
    }
    async fn check_compatible(&self, ns: &str, dimension: usize) -> Result<(), StoreError> {
        self.0.check_compatible(ns, dimension).await
    }
}

#[tokio::test]
async fn a_store_that_cannot_list_gets_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let store = NoList(LocalStore::open(&dir.path().join("s.db")).unwrap());
    let e = scan_orphans(
        &store,
        NS,
        UID,
        &Export::of_memories("test", Vec::new()),
        100,
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, OrphanError::CannotList(_)));
    let msg = e.to_string();
    assert!(
        msg.contains("pod-based") && msg.contains("serverless"),
        "{msg}"
    );
    assert!(matches!(
        scan_orphans(
            &store,
            NS,
            " ",
            &Export::of_memories("test", Vec::new()),
            100,
            |_, _| {}
        )
        .await,
        Err(OrphanError::NoUid)
    ));

    // Pinecone pod-based indexes: a body that is not a list response, or a refusal.
    let emu = PineconeEmulator::start(DIM).await;
    let pinecone = PineconeStore::connect(emu.config()).await.unwrap();
    emu.inject(
        Fault::status(200)
            .on("/vectors/list")
            .body("list is unavailable here"),
    );
    let e = scan_orphans(
        &pinecone,
        NS,
        UID,
        &Export::of_memories("test", Vec::new()),
        100,
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, OrphanError::CannotList(_)), "{e}");
    emu.inject(Fault::status(400).on("/vectors/list").body(
        r#"{"code":3,"message":"List operation is not supported for pod-based indexes","details":[]}"#,
    ));
    let e = scan_orphans(
        &pinecone,
        NS,
        UID,
        &Export::of_memories("test", Vec::new()),
        100,
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, OrphanError::CannotList(_)), "{e}");
    assert!(e.to_string().contains("pod-based indexes"), "{e}");
    // Any other failure stays what it is.
    emu.inject(Fault::status(401).on("/vectors/list"));
    let e = scan_orphans(
        &pinecone,
        NS,
        UID,
        &Export::of_memories("test", Vec::new()),
        100,
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(matches!(e, OrphanError::Store(_)), "{e}");
}

#[tokio::test]
async fn a_lookup_of_ten_thousand_memories_fetches_in_groups_of_100() {
    let emu = PineconeEmulator::start(4).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    let memories: Vec<Memory> = (0..10_000)
        .map(|i| Memory {
            id: format!("mem-{i:05}"),
            ..Default::default()
        })
        .collect();
    // Half of them have a vector.
    emu.seed(
        NS,
        memories.iter().step_by(2).map(|m| {
            (
                vector_id(UID, &m.id),
                StoredVector {
                    values: vec![1.0, 0.5, 0.25, 0.125],
                    metadata: memory_metadata(UID, &m.id, 1_730_000_000),
                },
            )
        }),
    );
    emu.clear_requests();
    let retries = 2;
    emu.inject(
        Fault::status(429)
            .on("/vectors/fetch")
            .retry_after("0")
            .times(retries),
    );
    let mut progress_calls = 0;
    let entries = lookup(&store, NS, UID, &memories, Some(4), |_, _| {
        progress_calls += 1
    })
    .await
    .unwrap();
    let fetches = emu.requests_to("/vectors/fetch").len();
    println!(
        "status lookup of {} memories: {fetches} fetch requests ({retries} retries)",
        memories.len()
    );
    assert!(fetches <= memories.len() / 100 + retries, "{fetches}");
    assert_eq!(fetches, 100 + retries);
    assert_eq!(progress_calls, 100);
    assert_eq!(entries.len(), 10_000);
    let present = entries
        .values()
        .filter(|e| e.status == EmbeddingStatus::Present)
        .count();
    assert_eq!(present, 5_000);
    // Nothing but fetches: no list, no query.
    assert_eq!(emu.requests().len(), fetches);
}

#[tokio::test]
async fn verification_embeds_in_groups_and_reports_embedder_failures() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("s.db")).unwrap();
    let fake = FakeEmbedder::new(DIM);
    let memories: Vec<Memory> = (0..250)
        .map(|i| memory(&format!("m{i:03}"), &format!("topic {i}"), false))
        .collect();
    let records: Vec<Record> = memories
        .iter()
        .map(|m| {
            record(
                &vector_id(UID, &m.id),
                fake.vector(&render(&m.structured, TextFormat::CURRENT)),
                memory_metadata(UID, &m.id, 1_730_000_000),
            )
        })
        .collect();
    store.upsert(NS, records).await.unwrap();
    let v = verify(
        &store,
        &fake,
        NS,
        UID,
        &memories,
        TextFormat::CURRENT,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(fake.calls(), 3, "250 memories: 3 embedding requests");
    assert!(v.values().all(|e| e.status == EmbeddingStatus::Fresh));
    fake.fail_next("server on fire");
    let e = verify(
        &store,
        &fake,
        NS,
        UID,
        &memories,
        TextFormat::CURRENT,
        |_, _| {},
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("server on fire"), "{e}");
    assert!(
        e.to_string()
            .starts_with("embedding the current texts failed"),
        "{e}"
    );
}

/// The commands, parsed by the real clap definition and run in-process (the binary in a
/// shared target dir can be swapped under a test) over a local store holding the demo
/// export (current-format vectors from the built-in embedder), one stale vector, one
/// orphan.
mod cli {
    use std::path::Path;
    use std::process::ExitCode;

    use clap::Parser;
    use memlens::cli::{Cli, Command, Context};
    use memlens::config::Settings;
    use memlens::embed::Embedder;
    use memlens::embed::builtin::BuiltinEmbedder;
    use memlens::omi::conventions::{memory_metadata, vector_id};
    use memlens::omi::export::load_path;
    use memlens::omi::text::{TextFormat, render};
    use memlens::store::local::LocalStore;
    use memlens::store::{Record, VectorStore};
    use serde_json::Value;

    const DEMO_UID: &str = "demo-sam-rivera";
    const KNEE: &str = "ce44cfac-b501-4e39-8f3d-1542671714de";

    fn demo() -> String {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/demo-export.json")
            .display()
            .to_string()
    }

    /// What a command printed, and whether it succeeded (error text when not).
    struct Output {
        ok: bool,
        stdout: String,
        error: String,
    }

    async fn memlens(data_dir: &Path, args: &[&str]) -> Output {
        let d = data_dir.display().to_string();
        let mut argv = vec!["memlens"];
        argv.extend_from_slice(args);
        argv.extend_from_slice(&[
            "--store",
            "local",
            "--embedder",
            "builtin",
            "--data-dir",
            &d,
        ]);
        let fail = |error: String| Output {
            ok: false,
            stdout: String::new(),
            error,
        };
        let cli = match Cli::try_parse_from(argv) {
            Ok(c) => c,
            Err(e) => return fail(e.to_string()),
        };
        let mut inputs = cli.global.inputs();
        // Keep the user's environment and config file out of the test.
        inputs.env.clear();
        inputs.skip_default_config = true;
        let settings = match Settings::resolve(&inputs) {
            Ok(s) => s,
            Err(e) => return fail(e.to_string()),
        };
        let ctx = Context {
            settings,
            json: cli.global.json,
        };
        let result = match cli.command {
            Some(Command::Search(a)) => memlens::cli::search::execute(&ctx, &a)
                .await
                .map(|t| (t, ExitCode::SUCCESS)),
            Some(Command::Status(a)) => memlens::cli::status::execute(&ctx, &a)
                .await
                .map(|t| (t, ExitCode::SUCCESS)),
            Some(Command::Drift(a)) => memlens::cli::drift::execute(&ctx, &a).await,
            Some(Command::Orphans(a)) => memlens::cli::orphans::execute(&ctx, &a).await,
            other => return fail(format!("not a command under test: {other:?}")),
        };
        match result {
            Ok((stdout, code)) => Output {
                ok: code == ExitCode::SUCCESS,
                stdout,
                error: String::new(),
            },
            Err(e) => fail(format!("{e:#}")),
        }
    }

    fn out(o: &Output) -> String {
        o.stdout.clone()
    }

    fn err(o: &Output) -> String {
        o.error.clone()
    }

    /// Index the demo export; make one memory stale and add one orphan. Returns the
    /// number of memories indexed and the stale memory's id.
    async fn prepare(data_dir: &Path) -> (usize, String) {
        let export = load_path(Path::new(&demo())).unwrap();
        let store = LocalStore::open(&LocalStore::default_path(data_dir)).unwrap();
        let e = BuiltinEmbedder::new().unwrap();
        let kept: Vec<_> = export.memories.iter().filter(|m| !m.discarded).collect();
        let stale_id = kept
            .iter()
            .find(|m| !m.structured.action_items.is_empty() && m.id != KNEE)
            .unwrap()
            .id
            .clone();
        let texts: Vec<String> = kept
            .iter()
            .map(|m| {
                let format = if m.id == stale_id {
                    TextFormat::Omi20240826
                } else {
                    TextFormat::CURRENT
                };
                render(&m.structured, format)
            })
            .collect();
        let vectors = e.embed(&texts).await.unwrap();
        let mut records: Vec<Record> = kept
            .iter()
            .zip(vectors)
            .map(|(m, values)| Record {
                id: vector_id(DEMO_UID, &m.id),
                values,
                metadata: memory_metadata(
                    DEMO_UID,
                    &m.id,
                    m.created_at.as_ref().map_or(0, |d| d.timestamp()),
                ),
            })
            .collect();
        let n = records.len();
        records.push(Record {
            id: vector_id(DEMO_UID, "7"),
            values: e.embed_one("an old deleted memory").unwrap(),
            metadata: memory_metadata(DEMO_UID, "7", 1_722_000),
        });
        store.upsert("ns1", records).await.unwrap();
        (n, stale_id)
    }

    #[tokio::test]
    async fn search_status_drift_and_orphans_from_the_command_line() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (indexed, stale_id) = prepare(d).await;
        let demo = demo();

        let o = memlens(
            d,
            &[
                "search",
                "Biscuit knee surgery",
                "--top-k",
                "3",
                "--export",
                &demo,
                "--json",
            ],
        )
        .await;
        assert!(o.ok, "{}", err(&o));
        let lines: Vec<Value> = out(&o)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3, "one JSON object per hit");
        assert_eq!(lines[0]["memory_id"], KNEE);
        assert_eq!(lines[0]["rank"], 1);
        assert_eq!(lines[0]["in_export"], true);
        assert!(lines[0]["title"].as_str().unwrap().contains("knee"));

        let save = d.join("saved");
        let o = memlens(
            d,
            &[
                "search",
                "--like",
                KNEE,
                "--export",
                &demo,
                "--range",
                "2025-01-01..",
                "--save",
                save.to_str().unwrap(),
            ],
        )
        .await;
        assert!(o.ok, "{}", err(&o));
        let text = out(&o);
        assert!(text.contains("like memory"), "{text}");
        assert!(
            text.contains(r#""created_at":{"$gte":1735689600}"#),
            "{text}"
        );
        let hit_lines: Vec<&str> = text
            .lines()
            .skip(2)
            .filter(|l| !l.starts_with("saved"))
            .collect();
        assert_eq!(hit_lines.len(), 10, "{text}");
        assert!(
            hit_lines.iter().all(|l| !l.contains(KNEE)),
            "the memory itself is left out: {text}"
        );
        assert_eq!(std::fs::read_dir(&save).unwrap().count(), 2);

        let o = memlens(d, &["search", "x", "--range", "2024-13-01"]).await;
        assert!(!o.ok);
        assert!(err(&o).contains("bad date range"), "{}", err(&o));

        let o = memlens(d, &["status", &demo, "--verify", "--json"]).await;
        assert!(o.ok, "{}", err(&o));
        let v: Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(v["uid"], DEMO_UID);
        assert_eq!(v["counts"]["stale"], 1);
        assert_eq!(v["counts"]["fresh"].as_u64().unwrap() as usize, indexed - 1);
        assert_eq!(v["counts"]["skipped"], 8);
        let stale = v["memories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["status"] == "stale")
            .unwrap();
        assert_eq!(stale["memory_id"], stale_id.as_str());

        // A plain lookup keeps the verdicts --verify left in the shared status cache
        // (the vectors have not changed since).
        let o = memlens(d, &["status", &demo]).await;
        assert!(
            out(&o).contains(&format!(
                "counts: {} fresh, 1 stale, 8 skipped",
                indexed - 1
            )),
            "{}",
            out(&o)
        );

        let o = memlens(d, &["drift", &demo, "--id", &stale_id]).await;
        assert!(o.ok, "{}", err(&o));
        assert!(
            out(&o).contains("matches omi-2024-08-26 at") && out(&o).contains("→ stale"),
            "{}",
            out(&o)
        );
        let o = memlens(d, &["drift", &demo, "--id", "no-such-memory"]).await;
        assert!(!o.ok);

        let o = memlens(d, &["orphans", &demo]).await;
        assert!(o.ok, "{}", err(&o));
        let text = out(&o);
        assert!(text.contains("demo-sam-rivera-7 "), "{text}");
        assert!(
            text.contains("2024 app era") && text.contains("dry run"),
            "{text}"
        );
        assert!(text.contains("1 orphan "), "{text}");

        // A dry run (no --yes) lists what would go and exits 0.
        let o = memlens(d, &["orphans", &demo, "--delete"]).await;
        assert!(o.ok, "{}", err(&o));
        assert!(out(&o).contains("add --yes"), "{}", out(&o));
        let o = memlens(d, &["orphans", &demo, "--delete", "--yes", "--read-only"]).await;
        assert!(!o.ok);
        assert!(err(&o).contains("read-only"), "{}", err(&o));
        let o = memlens(d, &["orphans", &demo, "--delete", "--yes"]).await;
        assert!(o.ok, "{}", err(&o));
        assert!(out(&o).contains("deleted 1 orphan vector\n"), "{}", out(&o));
        let o = memlens(d, &["orphans", &demo, "--json"]).await;
        let v: Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(v["scan"]["orphans"].as_array().unwrap().len(), 0);
        assert_eq!(v["scan"]["in_export"].as_u64().unwrap() as usize, indexed);
    }
}
