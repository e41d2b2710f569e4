//! Reprocess-and-upsert: the engine against the local store with the fake embedder, and
//! against the Pinecone emulator with the fake OpenAI server (faults injected); the
//! `memlens reprocess` command in-process.

use crate::support;

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use memlens::cli::Context;
use memlens::cli::reprocess::{ReprocessArgs, execute};
use memlens::config::{CreatedAtPolicy, Inputs, Settings};
use memlens::embed::Embedder;
use memlens::embed::fake::FakeEmbedder;
use memlens::embed::openai::{OpenAiConfig, OpenAiEmbedder};
use memlens::http::RetryPolicy;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::date::OmiDate;
use memlens::omi::text::{TextFormat, render};
use memlens::omi::{Memory, Structured};
use memlens::store::local::LocalStore;
use memlens::store::pinecone::PineconeStore;
use memlens::store::{MetaValue, Metadata, Record, VectorStore};
use memlens::sync::journal::{Journal, RunState};
use memlens::sync::reprocess::{
    CancelFlag, Cause, Progress, ReprocessConfig, ReprocessError, Reprocessor, Selection,
    SkipReason, cosine,
};
use support::fake_openai::{self, FakeOpenAi, Options, Poison, ServerKind};
use support::pinecone_emulator::{Fault, PineconeEmulator, StoredVector};

const UID: &str = "u1";
const NS: &str = "ns1";

fn created(i: usize) -> String {
    format!("2025-03-{:02}T10:{:02}:00Z", 1 + i % 28, i % 60)
}

fn memory(i: usize) -> Memory {
    Memory {
        id: format!("m{i:03}"),
        created_at: Some(OmiDate::parse(&created(i)).unwrap()),
        structured: Structured {
            title: format!("Walk number {i}"),
            overview: format!("We talked about hiking and topic {i} in the park"),
            emoji: "🧠".into(),
            ..Structured::default()
        },
        ..Memory::default()
    }
}

fn memories(n: usize) -> Vec<Memory> {
    (0..n).map(memory).collect()
}

fn text_of(m: &Memory) -> String {
    render(&m.structured, TextFormat::CURRENT)
}

fn ts(i: usize) -> f64 {
    OmiDate::parse(&created(i)).unwrap().timestamp() as f64
}

fn config(tweak: impl FnOnce(&mut ReprocessConfig)) -> ReprocessConfig {
    let mut c = ReprocessConfig {
        uid: Some(UID.into()),
        retry_delay: Duration::from_millis(5),
        ..ReprocessConfig::default()
    };
    tweak(&mut c);
    c
}

fn engine(
    dir: &Path,
    embedder: Arc<dyn Embedder>,
    store: Arc<dyn VectorStore>,
    cfg: ReprocessConfig,
) -> Reprocessor {
    let journal = Arc::new(Journal::open_in(dir).unwrap());
    Reprocessor::new(embedder, store, journal, cfg)
}

fn local(dir: &Path) -> Arc<LocalStore> {
    Arc::new(LocalStore::open(&LocalStore::default_path(dir)).unwrap())
}

async fn fetch_one(store: &dyn VectorStore, id: &str) -> Option<Record> {
    store.fetch(NS, &[id.to_string()]).await.unwrap().remove(id)
}

fn done_rows(journal: &Journal, vid: &str) -> usize {
    journal
        .writes_of(vid)
        .unwrap()
        .iter()
        .filter(|w| w.outcome == "done")
        .count()
}

#[tokio::test]
async fn single_upsert_is_written_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let fake = Arc::new(FakeEmbedder::new(32));
    let store = local(dir.path());
    let rp = engine(dir.path(), fake.clone(), store.clone(), config(|_| {}));
    let ms = memories(3);
    let plan = rp
        .plan(&ms, &Selection::Ids(vec!["m001".into()]), None)
        .await
        .unwrap();
    assert_eq!(plan.counts.new, 1);
    assert_eq!(plan.items[0].vector_id, "u1-m001");
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    assert_eq!((summary.total, summary.done), (1, 1));

    let rec = fetch_one(store.as_ref(), "u1-m001").await.expect("written");
    let want = fake.vector(&text_of(&ms[1]));
    assert!(cosine(&rec.values, &want) > 0.99999);
    assert_eq!(rec.metadata, memory_metadata(UID, "m001", ts(1) as i64));
    assert!(fetch_one(store.as_ref(), "u1-m000").await.is_none());
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.total, 1);
    let rows = rp.journal().writes_of("u1-m001").unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].outcome, "done");
    assert_eq!(rows[0].model, "fake-hash-32");
    assert_eq!(rows[0].format, "omi-2025-10-17");
    assert_eq!(
        rp.journal().run(&summary.run_id).unwrap().unwrap().state,
        RunState::Finished
    );
}

#[tokio::test]
async fn extra_metadata_is_carried_over_and_created_at_fixed() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let mut meta = memory_metadata(UID, "m000", 1_730_000); // the /1000 bug
    meta.insert(
        "people".into(),
        MetaValue::List(vec!["Ann".into(), "Bo".into()]),
    );
    meta.insert("topics".into(), MetaValue::List(vec!["hiking".into()]));
    meta.insert("entities".into(), MetaValue::List(vec![]));
    meta.insert("dates".into(), MetaValue::List(vec!["2025-03-01".into()]));
    store
        .upsert(
            NS,
            vec![Record {
                id: "u1-m000".into(),
                values: vec![1.0; 16],
                metadata: meta.clone(),
            }],
        )
        .await
        .unwrap();
    let rp = engine(
        dir.path(),
        Arc::new(FakeEmbedder::new(16)),
        store.clone(),
        config(|_| {}),
    );
    let plan = rp.plan(&memories(1), &Selection::All, None).await.unwrap();
    assert_eq!((plan.counts.new, plan.counts.overwritten), (0, 1));
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    let rec = fetch_one(store.as_ref(), "u1-m000").await.unwrap();
    let mut want = meta;
    want.insert("created_at".into(), MetaValue::Number(ts(0)));
    assert_eq!(rec.metadata, want);
    assert_ne!(rec.values, vec![1.0; 16]);
}

#[tokio::test]
async fn created_at_policies() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake: Arc<dyn Embedder> = Arc::new(FakeEmbedder::new(8));
    // `now`: the embedding time.
    let rp = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| c.created_at_policy = CreatedAtPolicy::Now),
    );
    let before = chrono::Utc::now().timestamp() as f64;
    let plan = rp.plan(&memories(2), &Selection::All, None).await.unwrap();
    rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    let after = chrono::Utc::now().timestamp() as f64;
    for id in ["u1-m000", "u1-m001"] {
        let rec = fetch_one(store.as_ref(), id).await.unwrap();
        let Some(MetaValue::Number(t)) = rec.metadata.get("created_at") else {
            panic!("no created_at: {:?}", rec.metadata)
        };
        assert!(
            *t >= before && *t <= after,
            "{t} not in [{before}, {after}]"
        );
    }
    // `memory` for a memory without created_at keeps the stored value.
    let mut undated = memory(1);
    undated.created_at = None;
    undated.structured.title = "Changed title".into();
    let stored = fetch_one(store.as_ref(), "u1-m001").await.unwrap();
    let rp = engine(dir.path(), fake, store.clone(), config(|_| {}));
    let plan = rp
        .plan(std::slice::from_ref(&undated), &Selection::All, None)
        .await
        .unwrap();
    assert!(plan.warnings.iter().any(|w| w.contains("no created_at")));
    rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    let rec = fetch_one(store.as_ref(), "u1-m001").await.unwrap();
    assert_eq!(rec.metadata["created_at"], stored.metadata["created_at"]);
    assert_ne!(rec.values, stored.values, "the new text was embedded");
}

#[tokio::test]
async fn dry_run_counts_every_case_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake = Arc::new(FakeEmbedder::new(8));
    let rp = engine(dir.path(), fake.clone(), store.clone(), config(|_| {}));
    let mut ms = memories(6);
    // m000 written by memlens: unchanged. m001 seeded by someone else: overwritten.
    let plan = rp
        .plan(&ms, &Selection::Ids(vec!["m000".into()]), None)
        .await
        .unwrap();
    rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    store
        .upsert(
            NS,
            vec![Record {
                id: "u1-m001".into(),
                values: vec![0.5; 8],
                metadata: memory_metadata(UID, "m001", 1),
            }],
        )
        .await
        .unwrap();
    ms[2].discarded = true;
    ms[3].id = "mémoire".into(); // not ASCII
    ms[4].id = "x".repeat(600); // too long
    // m005: new.
    let calls = fake.calls();
    let runs_before = rp.journal().unfinished_runs("x", NS, UID).unwrap().len();

    let all = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let c = all.counts;
    assert_eq!(
        (
            c.selected,
            c.new,
            c.overwritten,
            c.unchanged,
            c.discarded,
            c.invalid_id
        ),
        (6, 1, 1, 1, 1, 2),
        "{c:?}"
    );
    assert_eq!(all.items.len(), 2);
    assert_eq!(
        all.estimated_tokens,
        all.items
            .iter()
            .map(|i| fake.count_tokens(&i.text))
            .sum::<usize>()
    );
    assert!(all.estimated_tokens > 0);
    assert_eq!(all.requests.embed, 1);
    assert_eq!(all.requests.upsert, 1);
    assert_eq!(all.requests.fetch, 2);
    assert!(all.skipped.iter().any(|s| s.memory_id == "mémoire"
        && matches!(&s.reason, SkipReason::NotEmbeddable(memlens::omi::SkipReason::InvalidId(w)) if w.contains("ASCII"))));
    assert_eq!(all.target.uid, UID);
    assert_eq!(all.target.namespace, NS);
    assert!(!all.target.remote);

    let missing = rp.plan(&ms, &Selection::Missing, None).await.unwrap();
    // m002 (discarded, no record), m003, m004 (invalid: never looked up), m005.
    assert_eq!(missing.counts.new, 1);
    assert_eq!(missing.counts.discarded, 1);
    assert_eq!(missing.items[0].memory_id, "m005");
    let stale = rp.plan(&ms, &Selection::Stale, None).await.unwrap();
    // m001 exists with no memlens write; m000 is known to match.
    assert_eq!(stale.counts.selected, 1);
    assert_eq!(stale.items[0].memory_id, "m001");
    let ids = rp
        .plan(
            &ms,
            &Selection::Ids(vec!["m005".into(), "nope".into()]),
            None,
        )
        .await
        .unwrap();
    assert_eq!((ids.counts.new, ids.counts.not_in_export), (1, 1));
    let with_discarded = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| {
            c.include_discarded = true;
            c.force = true;
        }),
    )
    .plan(&ms, &Selection::All, None)
    .await
    .unwrap();
    assert_eq!(
        (
            with_discarded.counts.new,
            with_discarded.counts.overwritten,
            with_discarded.counts.unchanged
        ),
        (2, 2, 0)
    );

    // Plans embed nothing and write nothing.
    assert_eq!(fake.calls(), calls);
    assert_eq!(store.stats().await.unwrap().total, 2);
    assert_eq!(
        rp.journal().unfinished_runs("x", NS, UID).unwrap().len(),
        runs_before
    );
}

#[tokio::test]
async fn read_only_and_no_uid_block_writes() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake = Arc::new(FakeEmbedder::new(8));
    let rp = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| c.read_only = true),
    );
    let ms = memories(3);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    assert_eq!(plan.counts.new, 3);
    let err = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap_err();
    assert!(matches!(err, ReprocessError::ReadOnly(_)), "{err}");
    assert!(err.to_string().contains("read-only"), "{err}");
    assert_eq!(store.stats().await.unwrap().total, 0);
    assert_eq!(fake.calls(), 0);

    let no_uid = engine(dir.path(), fake, store, config(|c| c.uid = None));
    let err = no_uid.plan(&ms, &Selection::All, None).await.unwrap_err();
    assert!(matches!(err, ReprocessError::NoUid), "{err}");
    assert!(err.to_string().contains("MEMLENS_UID"));
}

#[tokio::test]
async fn dimension_mismatch_is_refused_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    store
        .upsert(
            NS,
            vec![Record {
                id: "other".into(),
                values: vec![1.0; 4],
                metadata: Metadata::new(),
            }],
        )
        .await
        .unwrap();
    let fake = Arc::new(FakeEmbedder::new(8));
    let rp = engine(dir.path(), fake.clone(), store.clone(), config(|_| {}));
    let plan = rp.plan(&memories(2), &Selection::All, None).await.unwrap();
    let err = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap_err();
    assert!(matches!(err, ReprocessError::Incompatible(_)), "{err}");
    assert!(err.to_string().contains("4-dimensional"), "{err}");
    assert_eq!(fake.calls(), 0, "nothing embedded");
    assert_eq!(store.stats().await.unwrap().total, 1);
}

#[tokio::test]
async fn embedder_failures_are_retried() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake = Arc::new(FakeEmbedder::new(8));
    fake.fail_next("server hiccup");
    let rp = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| c.batch_size = 4),
    );
    let plan = rp.plan(&memories(10), &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    assert_eq!(fake.calls(), 4, "3 batches + 1 retry");
    assert_eq!(store.stats().await.unwrap().total, 10);
}

#[tokio::test]
async fn cancel_mid_batch_then_resume() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake = Arc::new(FakeEmbedder::new(8).with_latency(Duration::from_millis(20)));
    let rp = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| {
            c.batch_size = 5;
            c.concurrency = 2;
        }),
    );
    let ms = memories(60);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let cancel = CancelFlag::new();
    let mut seen: Vec<Progress> = Vec::new();
    let summary = rp
        .run(
            &plan,
            |p| {
                seen.push(p.clone());
                if p.done >= 10 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .await
        .unwrap();
    assert!(summary.cancelled);
    assert!(summary.done >= 10 && summary.done < 60, "{}", summary.done);
    assert_eq!(summary.done + summary.pending, 60);
    assert_eq!(
        store.stats().await.unwrap().total as usize,
        summary.done,
        "finished items stay done, nothing else written"
    );
    let last = seen.last().unwrap();
    assert_eq!((last.total, last.done), (60, summary.done));
    assert!(last.rate_per_sec > 0.0 && last.eta_ms.is_some());
    assert!(seen.windows(2).all(|w| w[0].done <= w[1].done));

    let info = rp.unfinished_run().unwrap().expect("resumable");
    assert_eq!(info.state, RunState::Cancelled);
    assert_eq!((info.done, info.pending), (summary.done, summary.pending));
    let embedded = fake.texts_embedded();
    let resumed = rp
        .resume(&info.header.run_id, &ms, |_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert!(resumed.is_complete(), "{resumed:?}");
    assert_eq!(resumed.done_before, summary.done);
    assert_eq!(
        fake.texts_embedded() - embedded,
        summary.pending,
        "only pending items re-embedded"
    );
    assert_eq!(store.stats().await.unwrap().total, 60);
    for m in &ms {
        assert_eq!(
            done_rows(rp.journal(), &vector_id(UID, &m.id)),
            1,
            "{}",
            m.id
        );
    }
    assert!(rp.unfinished_run().unwrap().is_none());
}

#[tokio::test]
async fn resume_never_writes_a_memory_deleted_or_locked_since() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let fake = Arc::new(FakeEmbedder::new(8));
    let rp = engine(
        dir.path(),
        fake.clone(),
        store.clone(),
        config(|c| {
            c.batch_size = 5;
            c.concurrency = 1;
        }),
    );
    let mut ms = memories(20);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let cancel = CancelFlag::new();
    let summary = rp
        .run(
            &plan,
            |p| {
                if p.done >= 5 {
                    cancel.cancel();
                }
            },
            &cancel,
        )
        .await
        .unwrap();
    assert!(summary.cancelled && summary.pending > 2, "{summary:?}");
    // The export now says two pending memories were deleted / locked; one was discarded
    // (forcible: the run may have been planned with --include-discarded, so it is written).
    ms[19].deleted = true;
    ms[18].locked = true;
    ms[17].discarded = true;
    let info = rp.unfinished_run().unwrap().expect("resumable");
    let resumed = rp
        .resume(&info.header.run_id, &ms, |_| {}, &CancelFlag::new())
        .await
        .unwrap();
    let failed: Vec<(&str, &str)> = resumed
        .failed
        .iter()
        .map(|f| (f.memory_id.as_str(), f.error.as_str()))
        .collect();
    assert_eq!(
        failed,
        [
            (
                "m018",
                "not written: skipped (locked); Omi would not embed it"
            ),
            (
                "m019",
                "not written: skipped (deleted); Omi would not embed it"
            ),
        ]
    );
    let ids: Vec<String> = store
        .fetch(
            NS,
            &[
                vector_id(UID, "m017"),
                vector_id(UID, "m018"),
                vector_id(UID, "m019"),
            ],
        )
        .await
        .unwrap()
        .into_keys()
        .collect();
    assert_eq!(ids, [vector_id(UID, "m017")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_in_a_spawned_task_with_progress_on_a_channel() {
    let dir = tempfile::tempdir().unwrap();
    let store = local(dir.path());
    let settings = settings(&[("MEMLENS_DATA_DIR", dir.path().display().to_string())]);
    let rp = Arc::new(
        Reprocessor::with_settings(
            Arc::new(FakeEmbedder::new(8)),
            store.clone(),
            &settings,
            Some(UID.into()),
        )
        .unwrap(),
    );
    let ms = memories(9);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Progress>();
    let cancel = CancelFlag::new();
    let job = {
        let (rp, cancel) = (rp.clone(), cancel.clone());
        tokio::spawn(async move {
            rp.run(
                &plan,
                move |p| {
                    let _ = tx.send(p.clone());
                },
                &cancel,
            )
            .await
        })
    };
    let mut last = None;
    while let Some(p) = rx.recv().await {
        last = Some(p);
    }
    let summary = job.await.unwrap().unwrap();
    assert_eq!(summary.done, 9);
    assert_eq!(last.unwrap().done, 9);
    assert_eq!(store.stats().await.unwrap().total, 9);
}

/// A store that loses one metadata key and perturbs one vector on upsert.
struct Lossy(LocalStore);

#[async_trait::async_trait]
impl VectorStore for Lossy {
    fn target(&self) -> String {
        self.0.target()
    }
    fn is_remote(&self) -> bool {
        false
    }
    async fn upsert(
        &self,
        namespace: &str,
        mut records: Vec<Record>,
    ) -> Result<usize, memlens::store::StoreError> {
        for r in &mut records {
            r.metadata.remove("topics");
            if r.id == "u1-m001" {
                r.values.reverse();
            }
        }
        self.0.upsert(namespace, records).await
    }
    async fn fetch(
        &self,
        namespace: &str,
        ids: &[String],
    ) -> Result<std::collections::BTreeMap<String, Record>, memlens::store::StoreError> {
        self.0.fetch(namespace, ids).await
    }
    async fn query(
        &self,
        query: memlens::store::Query,
    ) -> Result<Vec<memlens::store::Match>, memlens::store::StoreError> {
        self.0.query(query).await
    }
    async fn list(
        &self,
        namespace: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        page_token: Option<String>,
    ) -> Result<memlens::store::ListPage, memlens::store::StoreError> {
        self.0.list(namespace, prefix, limit, page_token).await
    }
    async fn delete(
        &self,
        namespace: &str,
        ids: &[String],
    ) -> Result<(), memlens::store::StoreError> {
        self.0.delete(namespace, ids).await
    }
    async fn update_metadata(
        &self,
        namespace: &str,
        id: &str,
        set: Metadata,
    ) -> Result<(), memlens::store::StoreError> {
        self.0.update_metadata(namespace, id, set).await
    }
    async fn stats(&self) -> Result<memlens::store::IndexStats, memlens::store::StoreError> {
        self.0.stats().await
    }
    async fn check_compatible(
        &self,
        namespace: &str,
        dimension: usize,
    ) -> Result<(), memlens::store::StoreError> {
        self.0.check_compatible(namespace, dimension).await
    }
}

#[tokio::test]
async fn verification_failures_say_what_differed() {
    let dir = tempfile::tempdir().unwrap();
    let inner = LocalStore::open(&LocalStore::default_path(dir.path())).unwrap();
    let mut meta = memory_metadata(UID, "m000", 1);
    meta.insert("topics".into(), MetaValue::List(vec!["kept?".into()]));
    inner
        .upsert(
            NS,
            vec![Record {
                id: "u1-m000".into(),
                values: vec![1.0; 8],
                metadata: meta,
            }],
        )
        .await
        .unwrap();
    let rp = engine(
        dir.path(),
        Arc::new(FakeEmbedder::new(8)),
        Arc::new(Lossy(inner)),
        config(|_| {}),
    );
    let plan = rp.plan(&memories(3), &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert!(!summary.is_complete());
    assert_eq!(summary.done, 1, "only m002 survives intact");
    let by_id: std::collections::BTreeMap<_, _> = summary
        .failed
        .iter()
        .map(|f| (f.memory_id.as_str(), f.error.as_str()))
        .collect();
    assert!(
        by_id["m000"].contains(r#"metadata topics: sent ["kept?"], stored absent"#),
        "{}",
        by_id["m000"]
    );
    assert!(by_id["m001"].contains("values cosine"), "{}", by_id["m001"]);
    // The failures were retried once (a retry round), then given up.
    let rows = rp.journal().writes_of("u1-m001").unwrap();
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.outcome == "failed"));
    // A failed last write never counts as unchanged: the next plan picks them again.
    let again = rp.plan(&memories(3), &Selection::All, None).await.unwrap();
    assert_eq!((again.counts.overwritten, again.counts.unchanged), (2, 1));
}

// ---- Pinecone emulator + fake OpenAI -------------------------------------------------

fn openai(fake: &FakeOpenAi, model: &str) -> Arc<OpenAiEmbedder> {
    let mut cfg = OpenAiConfig::new(fake.base_url(), model);
    cfg.retry = RetryPolicy {
        max_retries: 2,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(10),
    };
    cfg.request_timeout = Duration::from_millis(400);
    cfg.max_inputs_per_request = 8;
    Arc::new(OpenAiEmbedder::new(cfg).unwrap())
}

async fn pinecone(emu: &PineconeEmulator) -> Arc<PineconeStore> {
    let mut cfg = emu.config();
    cfg.timeout = Duration::from_millis(400);
    Arc::new(PineconeStore::connect(cfg).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_end_with_every_item_written_once_under_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(16).await;
    // One stored record with extra keys, to carry over through the faults.
    let mut meta = memory_metadata(UID, "m007", 5);
    meta.insert("topics".into(), MetaValue::List(vec!["walks".into()]));
    emu.seed(
        NS,
        [(
            "u1-m007".to_string(),
            StoredVector {
                values: vec![0.25; 16],
                metadata: meta,
            },
        )],
    );
    let store = pinecone(&emu).await;
    let rp = engine(
        dir.path(),
        openai(&fake, "tiny-embed"),
        store,
        config(|c| {
            c.batch_size = 10;
            c.concurrency = 3;
        }),
    );
    let ms = memories(60);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    assert_eq!((plan.counts.new, plan.counts.overwritten), (59, 1));
    assert_eq!(
        plan.dimension, 16,
        "tiny-embed: learned with one tiny request before the plan"
    );

    fake.push_faults([
        fake_openai::Fault::RateLimit {
            retry_after: Some("0"),
        },
        fake_openai::Fault::Status(500),
        fake_openai::Fault::Delay(Duration::from_millis(1500)),
        fake_openai::Fault::Status(503),
        fake_openai::Fault::Status(502),
        fake_openai::Fault::Status(500), // more than the client's 2 retries: the engine retries
    ]);
    emu.inject(
        Fault::status(429)
            .retry_after("0")
            .on("/vectors/upsert")
            .times(2),
    );
    // 13 > 3 requests in flight × 4 client attempts: the engine's own retry must step in.
    emu.inject(Fault::status(500).on("/vectors/upsert").times(13));
    emu.inject(Fault::delay(Duration::from_millis(1500)).on("/vectors/fetch"));
    emu.inject(Fault::status(503).on("/vectors/fetch").times(2));

    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert!(summary.is_complete(), "{summary:?}");
    assert_eq!(summary.done, 60);

    let stored = emu.records(NS);
    let want: Vec<String> = ms.iter().map(|m| vector_id(UID, &m.id)).collect();
    assert_eq!(
        stored.keys().cloned().collect::<Vec<_>>(),
        want,
        "exactly the planned ids"
    );
    for (i, m) in ms.iter().enumerate() {
        let rec = &stored[&vector_id(UID, &m.id)];
        let expect = fake_openai::vector_for_text(&text_of(m), 16);
        assert!(cosine(&rec.values, &expect) > 0.99999, "{}", m.id);
        assert_eq!(rec.metadata["memory_id"], MetaValue::String(m.id.clone()));
        assert_eq!(rec.metadata["created_at"], MetaValue::Number(ts(i)));
        assert_eq!(
            done_rows(rp.journal(), &vector_id(UID, &m.id)),
            1,
            "{}",
            m.id
        );
    }
    assert_eq!(
        stored["u1-m007"].metadata["topics"],
        MetaValue::List(vec!["walks".into()])
    );
    // Every fault was met (15 failed upserts, 6 failed embedding requests), and the
    // successful requests are batched: far fewer than items.
    let upserts = emu.requests_to("/vectors/upsert").len();
    assert!(upserts >= 15 + 6, "{upserts} upsert requests");
    assert!(upserts - 15 < 20, "{upserts} upsert requests for 60 items");
    assert!(fake.request_count() >= 6 + 8, "{}", fake.request_count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_the_embedder_refuses_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.context_limit = 60;
    let fake = FakeOpenAi::start(opts).await;
    let emu = PineconeEmulator::start(16).await;
    let rp = engine(
        dir.path(),
        openai(&fake, "tiny-embed"),
        pinecone(&emu).await,
        config(|c| c.retry_rounds = 0),
    );
    let mut ms = memories(10);
    ms[6].structured.overview = "a long story about hiking ".repeat(40);
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert_eq!(summary.done, 9, "{summary:?}");
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(summary.failed[0].memory_id, "m006");
    assert!(
        summary.failed[0].error.contains("too long"),
        "{}",
        summary.failed[0].error
    );
    assert_eq!(emu.records(NS).len(), 9);
    assert!(!emu.records(NS).contains_key("u1-m006"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pinecone_dimension_mismatch_is_refused_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(3072).await;
    let store = pinecone(&emu).await;
    let rp = engine(
        dir.path(),
        openai(&fake, "text-embedding-3-small"),
        store,
        config(|_| {}),
    );
    let plan = rp.plan(&memories(3), &Selection::All, None).await.unwrap();
    let err = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap_err();
    assert!(matches!(err, ReprocessError::Incompatible(_)), "{err}");
    assert!(
        err.to_string().contains("3072") && err.to_string().contains("1536"),
        "{err}"
    );
    assert_eq!(fake.request_count(), 0);
    assert!(emu.requests_to("/vectors/upsert").is_empty());
}

// ---- the command ---------------------------------------------------------------------

fn export_file(dir: &Path, ms: &[Memory]) -> std::path::PathBuf {
    let list: Vec<serde_json::Value> = ms
        .iter()
        .map(|m| {
            serde_json::json!({
                "id": m.id,
                "created_at": m.created_at.as_ref().map(|_| created(m.id[1..].parse::<usize>().unwrap_or(0))),
                "structured": {
                    "title": m.structured.title,
                    "overview": m.structured.overview,
                    "emoji": "🧠",
                    "category": "other",
                },
                "discarded": m.discarded,
                "transcript_segments": [],
            })
        })
        .collect();
    let path = dir.join("conversations.json");
    std::fs::write(&path, serde_json::to_string(&list).unwrap()).unwrap();
    path
}

fn settings(env: &[(&str, String)]) -> Settings {
    Settings::resolve(&Inputs {
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
        skip_default_config: true,
        ..Inputs::default()
    })
    .unwrap()
}

fn args(export: &Path, extra: &[&str]) -> ReprocessArgs {
    use clap::Parser;
    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        a: ReprocessArgs,
    }
    let mut argv = vec!["memlens".to_string(), export.display().to_string()];
    argv.extend(extra.iter().map(|s| s.to_string()));
    Wrap::try_parse_from(argv).unwrap().a
}

async fn cli(settings: Settings, json: bool, a: &ReprocessArgs) -> (ExitCode, String) {
    let ctx = Context { settings, json };
    let mut out: Vec<u8> = Vec::new();
    let code = execute(&ctx, a, &mut out, &CancelFlag::new())
        .await
        .unwrap();
    (code, String::from_utf8(out).unwrap())
}

fn events(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_plans_runs_and_reports_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let ms = memories(12);
    let export = export_file(dir.path(), &ms);
    let data = dir.path().join("data");
    let s = || {
        settings(&[
            ("MEMLENS_DATA_DIR", data.display().to_string()),
            ("MEMLENS_UID", UID.to_string()),
        ])
    };
    let (code, out) = cli(s(), true, &args(&export, &["--all", "--dry-run"])).await;
    assert_eq!(code, ExitCode::SUCCESS);
    let ev = events(&out);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0]["type"], "plan");
    assert_eq!(ev[0]["counts"]["new"], 12);
    assert!(
        !data.join("store.db").exists() || {
            let st = LocalStore::open(&data.join("store.db")).unwrap();
            st.stats().await.unwrap().total == 0
        }
    );

    let (code, out) = cli(s(), true, &args(&export, &["--all", "--batch-size", "5"])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let ev = events(&out);
    let kinds: Vec<&str> = ev.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"plan"));
    assert_eq!(kinds.last(), Some(&"summary"));
    let batches_done = ev
        .iter()
        .filter(|e| e["type"] == "progress" && e["batch_finished"] == true)
        .count();
    assert_eq!(batches_done, 3);
    assert_eq!(ev.last().unwrap()["done"], 12);

    // Again: everything unchanged, nothing to write.
    let (code, out) = cli(s(), false, &args(&export, &["--all"])).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(
        out.contains("12 unchanged") && out.contains("nothing to write"),
        "{out}"
    );

    // An unknown id makes the exit status non-zero.
    let (code, out) = cli(s(), false, &args(&export, &["--id", "m001", "zzz"])).await;
    assert_eq!(code, ExitCode::FAILURE);
    assert!(out.contains("zzz: not in the export"), "{out}");

    // --read-only refuses with a clear error.
    let mut ro = s();
    ro.read_only = true;
    let ctx = Context {
        settings: ro,
        json: false,
    };
    let mut sink = Vec::new();
    let err = execute(
        &ctx,
        &args(&export, &["--all", "--force"]),
        &mut sink,
        &CancelFlag::new(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_needs_yes_for_a_remote_store() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(16).await;
    let ms = memories(5);
    let export = export_file(dir.path(), &ms);
    let s = || {
        settings(&[
            (
                "MEMLENS_DATA_DIR",
                dir.path().join("data").display().to_string(),
            ),
            ("MEMLENS_UID", UID.to_string()),
            ("MEMLENS_EMBEDDER", "openai".into()),
            ("OPENAI_BASE_URL", fake.base_url()),
            ("MEMLENS_OPENAI_MODEL", "tiny-embed".into()),
            ("MEMLENS_STORE", "pinecone".into()),
            ("PINECONE_API_KEY", emu.api_key().expose().to_string()),
            ("PINECONE_INDEX_HOST", emu.url()),
        ])
    };
    let (code, out) = cli(s(), false, &args(&export, &["--all"])).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(out.contains("(remote)") && out.contains("5 new"), "{out}");
    assert!(emu.requests_to("/vectors/upsert").is_empty());
    // The plan learned tiny-embed's dimension (one tiny request); nothing was embedded.
    assert_eq!(fake.request_count(), 1);

    let (code, out) = cli(s(), true, &args(&export, &["--all", "--yes"])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert_eq!(emu.records(NS).len(), 5);
    let summary = events(&out).pop().unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["done"], 5);
}

// ---- one bad item fails alone; permanent errors stop at once -------------------------

/// An OpenAI client of the fake with no retries and one request per `n` texts. It has
/// learned its dimension already (the one tiny request every plan needs for a model not
/// known by name), and that request is left out of the fake's log: the counts below are
/// the job's own.
async fn openai_once(fake: &FakeOpenAi, model: &str, n: usize) -> Arc<OpenAiEmbedder> {
    let mut cfg = OpenAiConfig::new(fake.base_url(), model);
    cfg.retry = RetryPolicy::none();
    cfg.max_inputs_per_request = n;
    let e = OpenAiEmbedder::new(cfg).unwrap();
    e.probe_dimension().await.unwrap();
    fake.reset_log();
    Arc::new(e)
}

/// 64 memories in one batch of 64, retry rounds off: the request counts are exact.
fn one_batch(c: &mut ReprocessConfig) {
    c.batch_size = 64;
    c.concurrency = 1;
    c.retry_rounds = 0;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_text_the_server_fails_on_is_isolated_in_2_log2_n_requests() {
    for poisoned in [vec![37usize], vec![3, 50]] {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeOpenAi::start(Options::of(ServerKind::Ollama)).await;
        let ms = memories(64);
        for &i in &poisoned {
            fake.poison(&text_of(&ms[i]), Poison::Status500);
        }
        let rp = engine(
            dir.path(),
            openai_once(&fake, "nomic-embed-text", 64).await,
            local(dir.path()),
            config(one_batch),
        );
        let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
        let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
        assert_eq!(summary.done, 64 - poisoned.len(), "{summary:?}");
        let failed: Vec<&str> = summary
            .failed
            .iter()
            .map(|f| f.memory_id.as_str())
            .collect();
        let want: Vec<String> = poisoned.iter().map(|&i| ms[i].id.clone()).collect();
        assert_eq!(failed, want);
        for f in &summary.failed {
            assert_eq!(f.cause, Cause::EmbedRejected);
            assert!(f.error.contains("unsupported value: NaN"), "{}", f.error);
        }
        // The batch, 2 per level of 6 per bad item, and one confirmation each.
        let bound = 1 + poisoned.len() * (2 * 6 + 1);
        assert!(
            fake.request_count() <= bound,
            "{} requests for {} bad of 64 (bound {bound})",
            fake.request_count(),
            poisoned.len()
        );
    }
}

/// A text that failed alone stays the text's fault when the last attempt of its
/// confirmation meets a rate limit (or a timeout): the cause is not `Unavailable`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transient_fault_on_the_confirmation_keeps_the_texts_cause() {
    use fake_openai::Fault as F;
    let confirmations = [
        F::RateLimit {
            retry_after: Some("0"),
        },
        F::RateLimit { retry_after: None },
        F::Status(503),
    ];
    for last in confirmations {
        let dir = tempfile::tempdir().unwrap();
        let fake = FakeOpenAi::start(Options::of(ServerKind::Ollama)).await;
        let ms = memories(2);
        fake.poison(&text_of(&ms[1]), Poison::Status500);
        // The batch, its 2 halves, then the lone confirmation.
        let pass = || F::Delay(Duration::ZERO);
        let rp = engine(
            dir.path(),
            openai_once(&fake, "nomic-embed-text", 2).await,
            local(dir.path()),
            config(|c| {
                c.batch_size = 2;
                c.concurrency = 1;
                c.retry_rounds = 0;
            }),
        );
        fake.push_faults([pass(), pass(), pass(), last.clone()]);
        let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
        let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
        assert_eq!(fake.request_count(), 4, "{last:?}");
        assert_eq!(summary.done, 1, "{summary:?}");
        assert_eq!(summary.failed.len(), 1, "{summary:?}");
        let f = &summary.failed[0];
        assert_eq!(f.memory_id, ms[1].id);
        assert_eq!(f.cause, Cause::EmbedRejected, "{last:?}: {f:?}");
        assert!(f.error.contains("unsupported value: NaN"), "{}", f.error);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nan_vector_fails_only_its_item_without_another_request() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let ms = memories(64);
    fake.poison(&text_of(&ms[9]), Poison::NanVector);
    let rp = engine(
        dir.path(),
        openai_once(&fake, "tiny-embed", 64).await,
        local(dir.path()),
        config(one_batch),
    );
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert_eq!(summary.done, 63);
    assert_eq!(summary.failed.len(), 1);
    assert_eq!(summary.failed[0].memory_id, "m009");
    assert_eq!(summary.failed[0].cause, Cause::BadVector);
    assert_eq!(fake.request_count(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_pinecone_refuses_is_isolated_in_2_log2_n_upserts() {
    let dir = tempfile::tempdir().unwrap();
    let emu = PineconeEmulator::start(16).await;
    let ms = memories(64);
    emu.poison([vector_id(UID, "m020")]);
    let rp = engine(
        dir.path(),
        Arc::new(FakeEmbedder::new(16)),
        pinecone(&emu).await,
        config(one_batch),
    );
    let plan = rp.plan(&ms, &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert_eq!(summary.done, 63, "{summary:?}");
    assert_eq!(summary.failed[0].memory_id, "m020");
    assert_eq!(summary.failed[0].cause, Cause::StoreRejected);
    assert!(
        summary.failed[0].error.contains("HTTP 400"),
        "{:?}",
        summary.failed
    );
    assert_eq!(emu.records(NS).len(), 63);
    let upserts = emu.count_to("/vectors/upsert");
    assert!(upserts <= 1 + 2 * 6, "{upserts} upserts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_fails_at_every_size_is_not_bisected_to_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let rp = engine(
        dir.path(),
        openai_once(&fake, "tiny-embed", 64).await,
        local(dir.path()),
        config(one_batch),
    );
    fake.push_faults((0..200).map(|_| fake_openai::Fault::Status(503)));
    let plan = rp.plan(&memories(64), &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();
    assert_eq!(summary.failed.len(), 64);
    assert!(summary.failed.iter().all(|f| f.cause == Cause::Unavailable));
    assert_eq!(summary.failed_by_cause.len(), 1);
    assert_eq!(summary.failed_by_cause[0].count, 64);
    // The batch, its halves, its quarters: then it stops.
    assert_eq!(fake.request_count(), 1 + 2 + 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_of_another_dimension_stop_the_job_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::Ollama);
    opts.default_dim = 1024;
    let fake = FakeOpenAi::start(opts).await;
    let emu = PineconeEmulator::start(3072).await;
    let mut cfg = OpenAiConfig::new(fake.base_url(), "mxbai-embed-large");
    cfg.max_inputs_per_request = 32;
    let rp = engine(
        dir.path(),
        Arc::new(OpenAiEmbedder::new(cfg).unwrap()),
        pinecone(&emu).await,
        config(|c| {
            c.batch_size = 32;
            c.concurrency = 2;
        }),
    );
    let plan = rp
        .plan(&memories(325), &Selection::All, None)
        .await
        .unwrap();
    let mut seen = 0;
    let err = rp
        .run(&plan, |_| seen += 1, &CancelFlag::new())
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, ReprocessError::Incompatible(_)), "{text}");
    assert!(
        text.contains("3072") && text.contains("1024") && text.contains("Fix:"),
        "{text}"
    );
    assert!(
        fake.request_count() <= 2,
        "no retry, no other batch: {}",
        fake.request_count()
    );
    assert!(emu.requests_to("/vectors/upsert").is_empty());
    // The plan learned the dimension (one tiny request), so the job refused before its
    // run started: nothing was written, nothing is left to resume.
    assert!(rp.unfinished_run().unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_batches_are_reported_before_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.latency = Duration::from_millis(1500);
    let fake = FakeOpenAi::start(opts).await;
    let rp = engine(
        dir.path(),
        openai_once(&fake, "tiny-embed", 256).await,
        local(dir.path()),
        config(|c| {
            c.batch_size = 256;
            c.concurrency = 2;
            c.progress_every = Duration::from_millis(100);
        }),
    );
    let plan = rp
        .plan(&memories(300), &Selection::All, None)
        .await
        .unwrap();
    let mut seen: Vec<Progress> = Vec::new();
    let summary = rp
        .run(&plan, |p| seen.push(p.clone()), &CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(summary.done, 300);
    let first_batch = seen.iter().position(|p| p.batch_finished).unwrap();
    assert!(
        first_batch >= 2,
        "several reports before the first answer: {seen:?}"
    );
    let early = &seen[0];
    assert_eq!(early.done, 0);
    let flights: Vec<String> = early.in_flight.iter().map(|f| f.describe()).collect();
    assert!(
        flights
            .iter()
            .any(|f| f.starts_with("embedding batch 1/2, 256 texts, ")),
        "{flights:?}"
    );
    assert!(
        flights
            .iter()
            .any(|f| f.starts_with("embedding batch 2/2, 44 texts, ")),
        "{flights:?}"
    );
}

// ---- the real binary: one cause line, no request without a key -----------------------

/// `memlens` with a clean environment (nothing of the test's own), a data dir, a uid.
fn memlens_bin(data: &Path, env: &[(&str, String)]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_memlens"));
    c.env_clear();
    if let Ok(path) = std::env::var("PATH") {
        c.env("PATH", path);
    }
    c.env("MEMLENS_DATA_DIR", data)
        .env("MEMLENS_UID", UID)
        .env("NO_COLOR", "1");
    for (k, v) in env {
        c.env(k, v);
    }
    let empty = data.join("empty.toml");
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(&empty, "").unwrap();
    c.arg("--config").arg(empty);
    c
}

async fn output_of(mut c: std::process::Command) -> std::process::Output {
    tokio::task::spawn_blocking(move || c.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_prints_one_cause_line_for_a_dimension_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::Ollama);
    opts.default_dim = 1024;
    let fake = FakeOpenAi::start(opts).await;
    let emu = PineconeEmulator::start(3072).await;
    let export = export_file(dir.path(), &memories(325));
    let mut c = memlens_bin(
        &dir.path().join("data"),
        &[
            ("MEMLENS_EMBEDDER", "openai".into()),
            ("OPENAI_BASE_URL", fake.base_url()),
            ("MEMLENS_OPENAI_MODEL", "mxbai-embed-large".into()),
            ("MEMLENS_STORE", "pinecone".into()),
            ("PINECONE_API_KEY", emu.api_key().expose().to_string()),
            ("PINECONE_INDEX_HOST", emu.url()),
        ],
    );
    c.arg("reprocess").arg(&export).args(["--all", "--yes"]);
    let out = output_of(c).await;
    let ended = std::time::Instant::now();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    let all = format!("{stdout}{stderr}");
    eprintln!("{all}");
    // The plan names the dimension it learned; the cause is said once.
    let cause_lines = all
        .lines()
        .filter(|l| l.contains("1024") && !l.contains("(1024 dims)"))
        .count();
    assert_eq!(cause_lines, 1, "one cause line:\n{all}");
    assert!(all.contains("3072") && all.contains("Fix:"), "{all}");
    // No retry loop: one request per batch in flight at most, answered at once.
    let requests = fake.requests();
    assert!(requests.len() <= 4, "{} requests", requests.len());
    let since_first = ended.duration_since(requests[0].at);
    assert!(since_first < Duration::from_secs(5), "{since_first:?}");
    assert!(emu.requests_to("/vectors/upsert").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_key_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let export = export_file(dir.path(), &memories(3));

    // OpenAI's own URL without a key: every connection would go through this proxy.
    let proxy = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    tokio::spawn(async move {
        while let Ok((socket, _)) = proxy.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(socket);
        }
    });
    let mut c = memlens_bin(
        &dir.path().join("data"),
        &[
            ("MEMLENS_EMBEDDER", "openai".into()),
            ("MEMLENS_STORE", "local".into()),
            ("HTTPS_PROXY", proxy_url.clone()),
            ("HTTP_PROXY", proxy_url.clone()),
        ],
    );
    c.arg("reprocess").arg(&export).args(["--all", "--yes"]);
    let out = output_of(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("OPENAI_API_KEY"), "{stderr}");
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);

    // Pinecone without a key: the emulator sees nothing.
    let emu = PineconeEmulator::start(384).await;
    let mut c = memlens_bin(
        &dir.path().join("data2"),
        &[
            ("MEMLENS_EMBEDDER", "builtin".into()),
            ("MEMLENS_STORE", "pinecone".into()),
            ("PINECONE_INDEX_HOST", emu.url()),
        ],
    );
    c.arg("reprocess").arg(&export).args(["--all", "--yes"]);
    let out = output_of(c).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("PINECONE_API_KEY"), "{stderr}");
    assert!(emu.requests().is_empty(), "{:?}", emu.requests());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_context_too_small_for_every_text_stops_the_job_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.context_limit = 3;
    let fake = FakeOpenAi::start(opts).await;
    let rp = engine(
        dir.path(),
        openai_once(&fake, "tiny-embed", 64).await,
        local(dir.path()),
        config(one_batch),
    );
    let plan = rp.plan(&memories(64), &Selection::All, None).await.unwrap();
    let err = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("every input of the request is too long") && text.contains("Fix:"),
        "{text}"
    );
    // Halving down the first halves until four inputs in a row failed: one request
    // per size (64, 32, 16, 8, 4) and 3 + 3 for the last four, not 127.
    assert!(fake.request_count() <= 11, "{}", fake.request_count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_reports_batches_in_flight_before_the_first_answer() {
    let dir = tempfile::tempdir().unwrap();
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.latency = Duration::from_millis(1200);
    let fake = FakeOpenAi::start(opts).await;
    let export = export_file(dir.path(), &memories(40));
    let s = settings(&[
        (
            "MEMLENS_DATA_DIR",
            dir.path().join("data").display().to_string(),
        ),
        ("MEMLENS_UID", UID.to_string()),
        ("MEMLENS_EMBEDDER", "openai".to_string()),
        ("OPENAI_BASE_URL", fake.base_url()),
        ("MEMLENS_OPENAI_MODEL", "tiny-embed".to_string()),
    ]);
    let (code, out) = cli(s, true, &args(&export, &["--all", "--batch-size", "32"])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let ev = events(&out);
    let progress: Vec<&serde_json::Value> = ev.iter().filter(|e| e["type"] == "progress").collect();
    let first_answer = progress
        .iter()
        .position(|e| e["batch_finished"] == true)
        .unwrap();
    assert!(first_answer >= 1, "{progress:?}");
    let early = progress[0];
    assert_eq!(early["done"], 0);
    let flights = early["in_flight"].as_array().unwrap();
    assert_eq!(flights.len(), 2, "{early}");
    assert_eq!(flights[0]["stage"], "embedding");
    assert_eq!(flights[0]["items"], 32);
    assert_eq!(flights[1]["items"], 8);
}
