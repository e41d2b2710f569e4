//! Searches out of the box: the TUI on the offline default (the built-in all-MiniLM-L6-v2
//! and an empty local store) indexes the export in the background on open, with a gauge
//! in the header; a search before it finishes says how much is indexed; once it finishes,
//! a paraphrase finds its memory first.
//!
//! The export is the demo export's first [`SLICE`] conversations (with the paraphrase's
//! memory among them): the same path as the whole file at a third of the model time
//! (the whole demo export's paraphrase accuracy is measured in `minilm_embedder`).

use crate::support;

use std::path::Path;
use std::sync::Arc;

use crossterm::event::KeyCode;
use memlens::embed::Embedder;
use memlens::embed::minilm::MiniLmEmbedder;
use memlens::store::VectorStore;
use memlens::store::local::LocalStore;
use memlens::tui::app::App;
use memlens::tui::loader::load_blocking;
use support::tui::{Harness, UID};

/// How many of the demo export's conversations the test opens (the autoindexer writes
/// batches of 32, so a search can run while later batches are still being embedded).
const SLICE: usize = 110;

/// The first paraphrase query of the set and the memory it must find.
fn paraphrase() -> (String, String) {
    let queries: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/paraphrase-queries.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let query = queries[0]["query"].as_str().unwrap().to_string();
    let memory_id = queries[0]["memory_id"].as_str().unwrap().to_string();
    (query, memory_id)
}

/// The demo export cut to its first [`SLICE`] conversations, plus the paraphrase's memory
/// where it comes later; written into `dir`.
fn demo_slice(dir: &Path) -> std::path::PathBuf {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let mut export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(demo).unwrap()).unwrap();
    let (_, target) = paraphrase();
    let all = export["conversations"].as_array().unwrap().clone();
    let mut kept: Vec<serde_json::Value> = all.iter().take(SLICE).cloned().collect();
    if !kept.iter().any(|c| c["id"] == target.as_str()) {
        kept.push(
            all.iter()
                .find(|c| c["id"] == target.as_str())
                .unwrap()
                .clone(),
        );
    }
    export["conversations"] = serde_json::Value::Array(kept);
    let path = dir.join("demo-slice.json");
    std::fs::write(&path, serde_json::to_vec(&export).unwrap()).unwrap();
    path
}

async fn offline_default_harness() -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let export = load_blocking(&demo_slice(dir.path()), &mut |_, _| {}).unwrap();
    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::new().unwrap());
    let store: Arc<dyn VectorStore> =
        Arc::new(LocalStore::open(&dir.path().join("store.db")).unwrap());
    let (app, rx) = support::tui::app_on(export, embedder, store, dir.path(), Some(UID), true);
    Harness { app, rx, dir }
}

/// Apply background Actions until `done` holds (at most two minutes: the model runs on a
/// shared 2-core machine).
async fn wait_for(h: &mut Harness, what: &str, done: impl Fn(&App) -> bool) {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while !done(&h.app) {
        assert!(
            std::time::Instant::now() < until,
            "{what} never happened; indexing: {:?}",
            h.app.state.indexing
        );
        if let Ok(Some(a)) =
            tokio::time::timeout(std::time::Duration::from_millis(100), h.rx.recv()).await
        {
            h.app.update(a);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_an_export_indexes_it_and_a_paraphrase_finds_its_memory() {
    let mut h = offline_default_harness().await;
    assert!(h.app.state.indexing.busy(), "indexing starts on open");
    // Wait for the first written batch: the gauge shows, and the store is part-filled.
    wait_for(&mut h, "a first batch", |app| {
        app.state.indexing.running && app.state.indexing.done > 0
    })
    .await;
    let embeddable = h.app.state.indexing.embeddable;
    // The export's embeddable memories: the engine's one rule (`omi::policy`: not
    // deleted, discarded or unfinished, with an embedding text and a valid id).
    let want = h
        .app
        .state
        .memories()
        .iter()
        .filter(|m| memlens::omi::policy::skip_reason(m, Some(UID), Default::default()).is_none())
        .count();
    assert_eq!(embeddable, want);
    assert!(
        embeddable > 3 * 32,
        "several batches to index: {embeddable}"
    );
    let screen = h.screen();
    assert!(screen.contains("indexing ▕"), "{screen}");

    // A first search before indexing completes says how much is indexed.
    h.key(KeyCode::Char('s'));
    h.type_text("dentist");
    h.key(KeyCode::Enter);
    wait_for(&mut h, "the search", |app| {
        app.state.search.running.is_none()
    })
    .await;
    assert!(h.app.state.indexing.running, "indexing still runs");
    let screen = h.screen();
    assert!(
        screen.contains("ns1 holds ")
            && screen.contains(&format!(" of this export's {embeddable} memories")),
        "{screen}"
    );

    // Let indexing finish: every embeddable memory is in the store.
    wait_for(&mut h, "the end of indexing", |app| {
        app.state.indexing.finished
    })
    .await;
    h.settle().await;
    assert!(h.app.state.indexing.finished);
    assert_eq!(h.app.state.indexing.error, None);
    assert_eq!(h.app.state.indexing.indexed(), embeddable);
    let stats = h
        .app
        .services
        .store
        .as_ref()
        .unwrap()
        .stats()
        .await
        .unwrap();
    assert_eq!(stats.namespaces.get("ns1"), Some(&(embeddable as u64)));
    assert!(!h.screen().contains("indexing ▕"));

    // A paraphrase (no content word shared with its memory) finds it first.
    let (query, want) = paraphrase();
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('s'));
    for _ in 0..20 {
        h.key(KeyCode::Backspace);
    }
    h.type_text(&query);
    h.key(KeyCode::Enter);
    h.settle().await;
    let results = h.app.state.search.results.as_ref().expect("results");
    assert_eq!(results.hits[0].memory_id, want, "{query:?}");
    let screen = h.screen();
    assert!(!screen.contains("of this export's"), "{screen}");
}
