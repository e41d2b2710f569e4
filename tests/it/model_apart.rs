//! Vectors of different models never mix: the local store records which model made each
//! namespace's vectors; auto-indexing re-indexes a namespace another built-in model made
//! (the user is told why) and leaves any other model's vectors alone; search refuses a
//! namespace of another model; a schema-1 store (before the record) is upgraded and its
//! 128-d namespaces are recognised as the static table's. Fakes stand in for the models
//! (same ids and dimensions), so no model runs here.

use std::path::Path;
use std::sync::Arc;

use memlens::embed::Embedder;
use memlens::embed::fake::FakeEmbedder;
use memlens::omi::date::OmiDate;
use memlens::omi::{Memory, Structured};
use memlens::store::local::LocalStore;
use memlens::store::{StoreError, VectorStore};
use memlens::sync::autoindex::prepare;
use memlens::sync::journal::Journal;
use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, ReprocessError, Reprocessor};
use memlens::sync::search::{SearchRequest, SearchTarget, search};

const UID: &str = "u1";

fn memories(n: usize) -> Vec<Memory> {
    (0..n)
        .map(|i| Memory {
            id: format!("m{i:03}"),
            created_at: Some(
                OmiDate::parse(&format!("2025-03-{:02}T10:00:00Z", 1 + i % 28)).unwrap(),
            ),
            structured: Structured {
                title: format!("Walk number {i}"),
                overview: format!("We talked about topic {i} in the park"),
                ..Structured::default()
            },
            ..Memory::default()
        })
        .collect()
}

fn static_table() -> Arc<dyn Embedder> {
    Arc::new(FakeEmbedder::new(128).with_model("memlens-minilm-static-128"))
}

fn minilm() -> Arc<dyn Embedder> {
    Arc::new(FakeEmbedder::new(384).with_model("all-MiniLM-L6-v2"))
}

fn engine(dir: &Path, e: &Arc<dyn Embedder>, s: &Arc<dyn VectorStore>) -> Reprocessor {
    let journal = Arc::new(Journal::open_in(dir).unwrap());
    let config = ReprocessConfig {
        uid: Some(UID.into()),
        ..ReprocessConfig::default()
    };
    Reprocessor::new(Arc::clone(e), Arc::clone(s), journal, config)
}

async fn index(dir: &Path, e: &Arc<dyn Embedder>, s: &Arc<dyn VectorStore>, ms: &[Memory]) {
    let rp = engine(dir, e, s);
    let prepared = prepare(&rp, e.as_ref(), s, ms).await.unwrap();
    let summary = rp
        .run(&prepared.plan, |_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
}

fn request(q: &str) -> SearchRequest {
    SearchRequest {
        uid: UID.into(),
        namespace: "ns1".into(),
        target: SearchTarget::Text(q.into()),
        top_k: 5,
        range: Default::default(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_static_table_namespace_is_reindexed_with_the_model_and_the_user_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn VectorStore> =
        Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).unwrap());
    let ms = memories(12);
    index(dir.path(), &static_table(), &store, &ms).await;
    assert_eq!(
        store.namespace_model("ns1").await.unwrap().as_deref(),
        Some("memlens-minilm-static-128")
    );
    // Searching it with the model is refused, not ranked by noise.
    let err = search(minilm().as_ref(), store.as_ref(), &request("walk"))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("memlens-minilm-static-128"), "{err}");

    // Auto-indexing with the model: the 128-d vectors go, the user is told why.
    let e = minilm();
    let rp = engine(dir.path(), &e, &store);
    let prepared = prepare(&rp, e.as_ref(), &store, &ms).await.unwrap();
    let note = prepared.note.clone().expect("a note");
    assert!(
        note.contains("held 12 vectors of memlens-minilm-static-128 (128-d)")
            && note.contains("not comparable"),
        "{note}"
    );
    assert_eq!((prepared.embeddable, prepared.indexed), (12, 0));
    // Newest first.
    let dates: Vec<i64> = prepared
        .plan
        .items
        .iter()
        .map(|i| i.memory_created_at.unwrap())
        .collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "{dates:?}");
    rp.run(&prepared.plan, |_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(
        store.namespace_model("ns1").await.unwrap().as_deref(),
        Some("all-MiniLM-L6-v2")
    );
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.namespace_dimensions.get("ns1"), Some(&384));
    assert_eq!(stats.namespaces.get("ns1"), Some(&12));
    let hits = search(e.as_ref(), store.as_ref(), &request("walk"))
        .await
        .unwrap();
    assert_eq!(hits.hits.len(), 5);
    // A second open has nothing to do.
    let again = prepare(&rp, e.as_ref(), &store, &ms).await.unwrap();
    assert_eq!(
        (again.plan.items.len(), again.indexed, again.note),
        (0, 12, None)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_models_vectors_are_left_alone_and_never_mixed() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn VectorStore> =
        Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).unwrap());
    let ms = memories(5);
    // Paid vectors of another 384-d model (same dimension: only the record tells).
    let other: Arc<dyn Embedder> = Arc::new(FakeEmbedder::new(384).with_model("bge-small-en"));
    index(dir.path(), &other, &store, &ms).await;
    let e = minilm();
    let rp = engine(dir.path(), &e, &store);
    let err = prepare(&rp, e.as_ref(), &store, &ms).await.unwrap_err();
    assert!(matches!(err, ReprocessError::Incompatible(_)), "{err}");
    assert!(err.to_string().contains("bge-small-en"), "{err}");
    assert_eq!(store.stats().await.unwrap().namespaces.get("ns1"), Some(&5));
    // A plain reprocess with the wrong model is refused before any write, too.
    let plan = rp
        .plan(&ms, &memlens::sync::reprocess::Selection::All, None)
        .await
        .unwrap();
    let err = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap_err();
    assert!(err.to_string().contains("bge-small-en"), "{err}");
    let err = search(e.as_ref(), store.as_ref(), &request("walk"))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            memlens::sync::search::SearchError::Store(StoreError::ModelMismatch(_))
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_schema_1_store_is_upgraded_and_its_128d_namespace_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let path = LocalStore::default_path(dir.path());
    {
        // The schema memlens wrote before the model record (user_version 1).
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE namespaces (name TEXT PRIMARY KEY, dimension INTEGER NOT NULL);
             CREATE TABLE vectors (namespace TEXT NOT NULL, id TEXT NOT NULL, vals BLOB NOT NULL,
                 metadata TEXT NOT NULL, PRIMARY KEY (namespace, id)) WITHOUT ROWID;
             INSERT INTO namespaces VALUES ('ns1', 128);
             PRAGMA user_version=1;",
        )
        .unwrap();
        let vals: Vec<u8> = (0..128).flat_map(|i| (i as f32).to_le_bytes()).collect();
        conn.execute(
            "INSERT INTO vectors VALUES ('ns1', 'u1-m000', ?1, ?2)",
            rusqlite::params![vals, r#"{"uid":"u1","memory_id":"m000","created_at":1}"#],
        )
        .unwrap();
    }
    let store: Arc<dyn VectorStore> = Arc::new(LocalStore::open(&path).unwrap());
    assert_eq!(store.namespace_model("ns1").await.unwrap(), None);
    let e = minilm();
    let rp = engine(dir.path(), &e, &store);
    let prepared = prepare(&rp, e.as_ref(), &store, &memories(3))
        .await
        .unwrap();
    assert!(
        prepared
            .note
            .as_deref()
            .is_some_and(|n| n.contains("memlens-minilm-static-128")),
        "{:?}",
        prepared.note
    );
    assert!(!store.stats().await.unwrap().namespaces.contains_key("ns1"));
}
