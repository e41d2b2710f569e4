//! Search, end to end: the filter Pinecone receives is Omi's, byte for byte (with and
//! without date ranges); the built-in embedder over the local store finds the demo
//! export's memories by title words; "more like this"; empty results; a store that is
//! down; date-range errors; the JSON/CSV export.

use crate::support;

use std::sync::Arc;

use chrono::DateTime;
use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::embed::fake::FakeEmbedder;
use memlens::omi::Memory;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::load_path;
use memlens::omi::text::{TextFormat, render};
use memlens::store::local::LocalStore;
use memlens::store::pinecone::{PineconeConfig, PineconeStore};
use memlens::store::{Record, VectorStore};
use memlens::sync::daterange::DateRange;
use memlens::sync::search::{
    HitMemory, SearchError, SearchRequest, SearchTarget, export_results, join_hits, search,
};
use serde_json::{Value, json};
use support::pinecone_emulator::{Fault, PineconeEmulator, StoredVector};

const DIM: usize = 16;
const UID: &str = "u1";

fn demo_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json")
}

/// Embed every (non-discarded) memory's current text and upsert it with Omi's id and
/// metadata, as Omi's backend does.
async fn index_memories(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    namespace: &str,
    uid: &str,
    memories: &[Memory],
    format: TextFormat,
) -> usize {
    let chosen: Vec<&Memory> = memories.iter().filter(|m| !m.discarded).collect();
    let texts: Vec<String> = chosen
        .iter()
        .map(|m| render(&m.structured, format))
        .collect();
    let vectors = embedder.embed(&texts).await.unwrap();
    let records: Vec<Record> = chosen
        .iter()
        .zip(vectors)
        .map(|(m, values)| Record {
            id: vector_id(uid, &m.id),
            values,
            metadata: memory_metadata(
                uid,
                &m.id,
                m.created_at.as_ref().map_or(0, |d| d.timestamp()),
            ),
        })
        .collect();
    store.upsert(namespace, records).await.unwrap()
}

fn seed_emulator(emu: &PineconeEmulator, fake: &FakeEmbedder) {
    let items = [
        ("a", "hiking in the alps", 1_722_500_000i64),
        ("b", "budget review meeting", 1_725_000_000),
        ("c", "hiking with Anna", 1_727_000_000),
    ];
    emu.seed(
        "ns1",
        items.iter().map(|(id, text, t)| {
            (
                vector_id(UID, id),
                StoredVector {
                    values: fake.vector(text),
                    metadata: memory_metadata(UID, id, *t),
                },
            )
        }),
    );
    // Another user's vector: the uid filter must keep it out.
    emu.seed(
        "ns1",
        [(
            vector_id("u2", "z"),
            StoredVector {
                values: fake.vector("hiking in the alps"),
                metadata: memory_metadata("u2", "z", 1_725_000_000),
            },
        )],
    );
}

async fn emulated() -> (PineconeEmulator, PineconeStore, FakeEmbedder) {
    let emu = PineconeEmulator::start(DIM).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    let fake = FakeEmbedder::new(DIM);
    seed_emulator(&emu, &fake);
    (emu, store, fake)
}

fn request(range: DateRange) -> SearchRequest {
    SearchRequest {
        range,
        ..SearchRequest::text(UID, "ns1", "hiking")
    }
}

#[tokio::test]
async fn the_filter_pinecone_receives_is_omis() {
    let (emu, store, fake) = emulated().await;
    let now = DateTime::from_timestamp(1_727_100_000, 0).unwrap();
    let cases: Vec<(DateRange, Value, &str)> = vec![
        (
            DateRange::ALL,
            json!({"uid": "u1"}),
            r#""filter":{"uid":"u1"}"#,
        ),
        (
            DateRange::parse("2024-08-01..2024-09-01", now).unwrap(),
            json!({"uid": "u1", "created_at": {"$gte": 1_722_470_400, "$lte": 1_725_235_199}}),
            r#""filter":{"uid":"u1","created_at":{"$gte":1722470400,"$lte":1725235199}}"#,
        ),
        (
            DateRange::parse("2024-08-01..", now).unwrap(),
            json!({"uid": "u1", "created_at": {"$gte": 1_722_470_400}}),
            r#""filter":{"uid":"u1","created_at":{"$gte":1722470400}}"#,
        ),
        (
            DateRange::parse("..2024-09-01", now).unwrap(),
            json!({"uid": "u1", "created_at": {"$lte": 1_725_235_199}}),
            r#""filter":{"uid":"u1","created_at":{"$lte":1725235199}}"#,
        ),
        (
            DateRange::parse("7d", now).unwrap(),
            json!({"uid": "u1", "created_at": {"$gte": 1_727_100_000 - 7 * 86_400, "$lte": 1_727_100_000}}),
            r#""filter":{"uid":"u1","created_at":{"$gte":1726495200,"$lte":1727100000}}"#,
        ),
    ];
    for (range, want, raw) in cases {
        emu.clear_requests();
        let results = search(&fake, &store, &request(range)).await.unwrap();
        let reqs = emu.requests_to("/query");
        assert_eq!(reqs.len(), 1);
        let body = reqs[0].json();
        assert_eq!(body["filter"], want, "{range}");
        assert!(
            reqs[0].body.contains(raw),
            "key order and int seconds as Omi sends them: {}",
            reqs[0].body
        );
        assert_eq!(body["namespace"], "ns1");
        assert_eq!(body["topK"], 10);
        assert_eq!(body["includeMetadata"], true);
        assert_eq!(results.filter, want);
        // Every hit is the user's and inside the range.
        for h in &results.hits {
            assert!(h.vector_id.starts_with("u1-"), "{}", h.vector_id);
            let t = h.created_at.as_ref().unwrap().raw as i64;
            assert!(range.start.is_none_or(|s| t >= s) && range.end.is_none_or(|e| t <= e));
        }
    }
    // The unbounded search sees all three of u1's memories, best first, prefix stripped.
    let all = search(&fake, &store, &request(DateRange::ALL))
        .await
        .unwrap();
    let ids: Vec<&str> = all.hits.iter().map(|h| h.memory_id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    assert_ne!(
        ids[2], "a",
        "the budget memory shares no word with the query"
    );
    assert_eq!(ids[2], "b");
    assert_eq!(all.hits[0].rank, 1);
    assert!(all.timings.embed_ms.is_some());
    assert_eq!(all.model.as_deref(), Some("fake-hash-16"));
}

#[tokio::test]
async fn more_like_this_uses_the_stored_vector_and_leaves_the_memory_out() {
    let (emu, store, fake) = emulated().await;
    let req = SearchRequest {
        target: SearchTarget::LikeMemory("a".into()),
        top_k: 2,
        ..request(DateRange::ALL)
    };
    let results = search(&fake, &store, &req).await.unwrap();
    assert_eq!(fake.calls(), 0, "no embedding call");
    let ids: Vec<&str> = results.hits.iter().map(|h| h.memory_id.as_str()).collect();
    assert_eq!(ids, ["c", "b"]);
    let body = emu.requests_to("/query")[0].json();
    assert_eq!(body["id"], "u1-a");
    assert_eq!(body["topK"], 3);
    assert_eq!(body["filter"], json!({"uid": "u1"}));
    assert!(results.timings.embed_ms.is_none() && results.model.is_none());

    let missing = SearchRequest {
        target: SearchTarget::LikeMemory("nope".into()),
        ..request(DateRange::ALL)
    };
    let e = search(&fake, &store, &missing).await.unwrap_err();
    assert!(matches!(e, SearchError::NoVector { .. }), "{e}");
    assert!(e.to_string().contains("u1-nope"), "{e}");
}

#[tokio::test]
async fn refusals_and_empty_results() {
    let (emu, store, fake) = emulated().await;
    for bad in [
        SearchRequest::text("", "ns1", "x"),
        SearchRequest::text("  ", "ns1", "x"),
    ] {
        assert!(matches!(
            search(&fake, &store, &bad).await,
            Err(SearchError::NoUid)
        ));
    }
    assert!(matches!(
        search(&fake, &store, &SearchRequest::text(UID, "ns1", "  ")).await,
        Err(SearchError::EmptyQuery)
    ));
    let zero = SearchRequest {
        top_k: 0,
        ..request(DateRange::ALL)
    };
    assert!(matches!(
        search(&fake, &store, &zero).await,
        Err(SearchError::TopK { got: 0 })
    ));
    assert!(emu.requests_to("/query").is_empty(), "nothing was sent");

    // A user with no vectors, and a range with no memories: empty, not an error.
    let nobody = search(&fake, &store, &SearchRequest::text("u9", "ns1", "hiking"))
        .await
        .unwrap();
    assert!(nobody.hits.is_empty());
    let before = DateRange::from_bounds(None, Some("2020-01-01")).unwrap();
    assert!(
        search(&fake, &store, &request(before))
            .await
            .unwrap()
            .hits
            .is_empty()
    );
}

#[tokio::test]
async fn a_store_that_is_down_gives_a_clear_error() {
    let (emu, store, fake) = emulated().await;
    emu.inject(Fault::status(503).on("/query").times(10));
    let e = search(&fake, &store, &request(DateRange::ALL))
        .await
        .unwrap_err();
    assert!(matches!(e, SearchError::Store(_)));
    let msg = e.to_string();
    assert!(
        msg.contains("querying the vector store failed") && msg.contains("unavailable"),
        "{msg}"
    );
    assert!(!msg.contains(support::pinecone_emulator::API_KEY));

    // A closed port.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut config = PineconeConfig::for_host(emu.api_key(), format!("http://127.0.0.1:{port}"));
    config.retry = support::pinecone_emulator::fast_retry();
    let closed = PineconeStore::connect(config).await.unwrap();
    let e = search(&fake, &closed, &request(DateRange::ALL))
        .await
        .unwrap_err();
    assert!(matches!(e, SearchError::Store(_)), "{e}");
    assert!(e.to_string().contains("vector store"), "{e}");
}

#[test]
fn invalid_date_ranges_are_explained() {
    let now = DateTime::from_timestamp(1_727_100_000, 0).unwrap();
    for (input, needle) in [
        ("2024-02-30", "YYYY-MM-DD"),
        ("last week", "YYYY-MM-DD"),
        ("..", "at least one side"),
        ("2024-09-01..2024-08-01", "swap"),
        ("0d", "between 1"),
        ("", "empty"),
    ] {
        let e = DateRange::parse(input, now).unwrap_err().to_string();
        assert!(e.contains(needle), "{input:?}: {e}");
    }
    assert!(DateRange::from_bounds(Some("2024-09-01"), Some("2024-08-31")).is_err());
    assert!(DateRange::from_bounds(Some("09/01/2024"), None).is_err());
}

/// The labelled title-word queries must find their memory in the top 3, with the
/// built-in embedder over the local store, exactly as a user would run them. Every format
/// is indexed (one namespace each), the current one (omi-2025-10-17) included, whose
/// `[Created: …, Due: …, Completed: …]` stamps on action items are what the built-in
/// table's damped digit and punctuation rows are for (assets/MODEL_CARD.md).
#[tokio::test]
async fn title_words_find_their_memory_with_the_builtin_embedder() {
    let export = load_path(&demo_path()).unwrap();
    let uid = export.profile_uid.clone().unwrap_or_else(|| UID.into());
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("store.db")).unwrap();
    let embedder = Arc::new(BuiltinEmbedder::new().unwrap());
    let labelled: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/title-queries.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(labelled.len(), 16);
    for format in TextFormat::ALL {
        let ns = format.name();
        let n = index_memories(
            embedder.as_ref(),
            &store,
            ns,
            &uid,
            &export.memories,
            format,
        )
        .await;
        assert!(n > 300, "{n} memories indexed");
        let mut found = 0;
        let mut misses = Vec::new();
        let (mut embed_ms, mut query_ms) = (0.0, 0.0);
        for item in &labelled {
            let query = item["query"].as_str().unwrap();
            let want = item["memory_id"].as_str().unwrap();
            let req = SearchRequest {
                top_k: 3,
                ..SearchRequest::text(&uid, ns, query)
            };
            let results = search(embedder.as_ref(), &store, &req).await.unwrap();
            assert!(results.hits.len() <= 3);
            embed_ms += results.timings.embed_ms.unwrap_or(0.0);
            query_ms += results.timings.query_ms;
            if results.hits.iter().any(|h| h.memory_id == want) {
                found += 1;
            } else {
                misses.push(query.to_string());
            }
            // Hits join with the export: every hit is a memory of it.
            let joined = join_hits(&results.hits, &export.memories);
            assert!(joined.iter().all(|j| matches!(j, HitMemory::Found { .. })));
        }
        println!(
            "title-word queries, {ns}: {found}/{} in the top 3 (missed: {misses:?}); \
             mean embed {:.2} ms, query {:.2} ms over {n} vectors",
            labelled.len(),
            embed_ms / labelled.len() as f64,
            query_ms / labelled.len() as f64,
        );
        assert_eq!(found, labelled.len(), "{ns}: missed: {misses:?}");
    }
}

#[tokio::test]
async fn results_export_as_json_and_csv() {
    let (_emu, store, fake) = emulated().await;
    let results = search(&fake, &store, &request(DateRange::ALL))
        .await
        .unwrap();
    let memories = vec![Memory {
        id: "a".into(),
        structured: memlens::omi::Structured {
            title: "Alps, \"hiking\"".into(),
            emoji: "🏔".into(),
            ..Default::default()
        },
        ..Default::default()
    }];
    let joined = join_hits(&results.hits, &memories);
    assert_eq!(
        joined
            .iter()
            .filter(|j| **j == HitMemory::NotInExport)
            .count(),
        2
    );
    let dir = tempfile::tempdir().unwrap();
    let paths = export_results(&results, Some(&joined), dir.path()).unwrap();
    let bundle: Value = serde_json::from_slice(&std::fs::read(&paths.json).unwrap()).unwrap();
    assert_eq!(bundle["uid"], "u1");
    assert_eq!(bundle["namespace"], "ns1");
    assert_eq!(bundle["model"], "fake-hash-16");
    assert_eq!(bundle["filter"], json!({"uid": "u1"}));
    assert_eq!(bundle["top_k"], 10);
    assert_eq!(bundle["query"], json!({"kind": "text", "value": "hiking"}));
    assert_eq!(bundle["hits"].as_array().unwrap().len(), 3);
    let first = &bundle["hits"][0];
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert_eq!(first["metadata"]["uid"], "u1");
    assert!(first["memory"]["in_export"].is_string());
    let csv = std::fs::read_to_string(&paths.csv).unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let alps = rows.iter().find(|r| &r[3] == "a").unwrap();
    assert_eq!(&alps[8], "Alps, \"hiking\"", "quoted correctly");
    assert_eq!(&alps[6], "yes");
    // A second export in the same second does not overwrite the first.
    let again = export_results(&results, None, dir.path()).unwrap();
    assert_ne!(again.json, paths.json);
    assert!(export_results(&results, Some(&joined[..1]), dir.path()).is_err());
}

/// The engine's futures can run on spawned tasks (the TUI drives them that way).
#[tokio::test]
async fn engine_futures_are_send_and_run_on_spawned_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn VectorStore> = Arc::new(LocalStore::open(&dir.path().join("s.db")).unwrap());
    let fake = FakeEmbedder::new(DIM);
    let records: Vec<Record> = [("a", "hiking in the alps"), ("b", "hiking with Anna")]
        .iter()
        .map(|(id, text)| Record {
            id: vector_id(UID, id),
            values: fake.vector(text),
            metadata: memory_metadata(UID, id, 1_725_000_000),
        })
        .collect();
    store.upsert("ns1", records).await.unwrap();
    let embedder: Arc<dyn Embedder> = Arc::new(fake);
    let (s, e) = (Arc::clone(&store), Arc::clone(&embedder));
    let text = tokio::spawn(async move {
        search(
            e.as_ref(),
            s.as_ref(),
            &SearchRequest::text(UID, "ns1", "alps"),
        )
        .await
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(text.hits[0].memory_id, "a");
    // "More like this" on the local store, too: the memory itself is left out.
    let like = SearchRequest {
        target: SearchTarget::LikeMemory("a".into()),
        ..SearchRequest::text(UID, "ns1", "")
    };
    let (s, e) = (Arc::clone(&store), Arc::clone(&embedder));
    let hits = tokio::spawn(async move { search(e.as_ref(), s.as_ref(), &like).await })
        .await
        .unwrap()
        .unwrap()
        .hits;
    assert_eq!(
        hits.iter()
            .map(|h| h.memory_id.as_str())
            .collect::<Vec<_>>(),
        ["b"]
    );
    let missing = SearchRequest {
        target: SearchTarget::LikeMemory("zzz".into()),
        ..SearchRequest::text(UID, "ns1", "")
    };
    assert!(matches!(
        search(embedder.as_ref(), store.as_ref(), &missing).await,
        Err(SearchError::NoVector { .. })
    ));
}
