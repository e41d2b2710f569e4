//! Headless TUI tests of the search pane on real engines: the demo export, the built-in
//! embedder and the local SQLite store (filled by the test), driven by key events.

use crate::support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::KeyCode;
use memlens::tui::action::Action;
use memlens::tui::state::{Focus, RightPane};
use support::tui::{UID, harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_then_open_the_hit() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    assert_eq!(h.app.state.focus, Focus::Search);
    assert_eq!(h.app.state.right, RightPane::Search);
    // A labelled query made of words of one memory's title.
    let labelled: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/title-queries.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let query = labelled[0]["query"].as_str().unwrap().to_string();
    let want = labelled[0]["memory_id"].as_str().unwrap().to_string();
    h.type_text(&query);
    h.key(KeyCode::Enter);
    h.settle().await;
    let results = h.app.state.search.results.as_ref().expect("results");
    assert_eq!(results.hits.len(), 10);
    let top3: Vec<&str> = results
        .hits
        .iter()
        .take(3)
        .map(|x| x.memory_id.as_str())
        .collect();
    assert!(top3.contains(&want.as_str()), "{query:?}: {top3:?}");
    let first = results.hits[0].clone();
    let screen = h.screen();
    assert!(screen.contains("10 hits for"), "{screen}");
    assert!(screen.contains("query"), "{screen}");

    // Enter jumps to the memory in the list and details.
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.focus, Focus::Details);
    assert_eq!(h.app.state.right, RightPane::Details);
    assert_eq!(h.app.state.selected().unwrap().1.id, first.memory_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_top_k_range_validation_and_more_like_this() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("marathon");
    h.key(KeyCode::Enter);
    h.settle().await;
    h.key(KeyCode::Char('+'));
    h.key(KeyCode::Char('+'));
    assert_eq!(h.app.state.search.top_k, 12);
    // A bad range is refused with a clear message, as typed.
    h.key(KeyCode::Char('r'));
    h.type_text("2025-13-01..");
    assert!(h.app.state.search.range_check.is_err());
    assert!(h.screen().contains('✗'));
    h.key(KeyCode::Enter);
    assert!(
        h.app
            .state
            .search
            .error
            .as_deref()
            .unwrap_or("")
            .contains("date range")
    );
    // Fix it to a one-sided range: the search runs with 12 hits at most, all in range.
    h.key(KeyCode::Char('r'));
    for _ in 0..12 {
        h.key(KeyCode::Backspace);
    }
    h.type_text("2026-01-01..");
    assert!(h.app.state.search.range_check.is_ok());
    h.key(KeyCode::Enter);
    h.settle().await;
    let r = h.app.state.search.results.as_ref().unwrap();
    assert!(r.hits.len() <= 12 && !r.hits.is_empty());
    // Both sides keep to the range: the semantic side by Omi's filter, the full-text
    // side by the export's created_at.
    assert!(r.hits.iter().all(|hit| {
        hit.semantic
            .as_ref()
            .is_none_or(|s| s.created_at.as_ref().unwrap().raw >= 1_767_225_600.0)
            && hit
                .text
                .as_ref()
                .is_none_or(|t| t.created_at.unwrap() >= 1_767_225_600)
    }));
    // History: ↑ recalls the last query.
    h.key(KeyCode::Char('s'));
    for _ in 0..10 {
        h.key(KeyCode::Backspace);
    }
    h.key(KeyCode::Up);
    assert_eq!(h.app.state.search.query.value(), "marathon");
    h.key(KeyCode::Esc);

    // More like this, from the list: no embedding call, the memory itself excluded.
    h.key(KeyCode::Tab);
    assert_eq!(h.app.state.focus, Focus::List);
    let me = h.app.state.selected().unwrap().1.id.clone();
    h.key(KeyCode::Char('m'));
    h.settle().await;
    let r = h.app.state.search.results.as_ref().unwrap();
    assert!(r.semantic.as_ref().unwrap().timings.embed_ms.is_none());
    assert!(r.text.is_none(), "more like this is semantic only");
    assert!(!r.hits.is_empty());
    assert!(r.hits.iter().all(|hit| hit.memory_id != me));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_uid_asks_instead_of_searching_unscoped() {
    let mut h = harness(false, None).await;
    h.app.state.setup.uid = None;
    h.key(KeyCode::Char('s'));
    h.type_text("anything");
    h.key(KeyCode::Enter);
    h.settle().await;
    assert!(h.app.state.search.results.is_none());
    let err = h.app.state.search.error.clone().unwrap();
    assert!(err.contains("uid"), "{err}");
    assert!(h.screen().contains("uid NOT SET"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_store_gives_an_empty_result_not_an_error() {
    let mut h = harness(false, Some(UID)).await;
    // Hybrid: the semantic side is empty, the full-text side still finds the word.
    h.key(KeyCode::Char('s'));
    h.type_text("guitar");
    h.key(KeyCode::Enter);
    h.settle().await;
    let r = h.app.state.search.results.as_ref().unwrap();
    assert!(r.semantic.as_ref().unwrap().hits.is_empty());
    assert!(!r.hits.is_empty() && r.hits.iter().all(|x| x.text.is_some()));
    // Semantic only (t cycles hybrid → semantic): no hits, no error.
    h.key(KeyCode::Char('t'));
    h.settle().await;
    assert_eq!(
        h.app.state.search.mode,
        memlens::sync::hybrid::SearchMode::Semantic
    );
    let r = h.app.state.search.results.as_ref().unwrap();
    assert!(r.hits.is_empty());
    assert!(h.app.state.search.error.is_none());
    assert!(h.screen().contains("No match"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_search_pane_with_results() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("learning spanish verbs");
    h.key(KeyCode::Enter);
    h.settle().await;
    let mut screen = h.screen();
    // The temp dir and the lookup time vary run to run: redact them.
    let dir = h.dir.path().display().to_string();
    screen = screen.replace(&dir, "[tmp]");
    if let Some(at) = h.app.state.lookup.checked_at {
        let when = chrono::DateTime::from_timestamp(at, 0).unwrap();
        screen = screen.replace(&when.format("%Y-%m-%d %H:%M UTC").to_string(), "[time]");
    }
    let redacted: String = screen
        .lines()
        .map(|l| {
            if let Some(i) = l.find(" · semantic ") {
                format!("{}[timings]", &l[..i])
            } else if let Some(i) = l.find(" (indexed in ") {
                format!("{}[timings]", &l[..i])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!(redacted);
}

/// Newest wins: a slow first search is superseded by a second one; only the second's
/// results are shown, whatever order the answers would come back in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newest_search_wins_under_a_slow_embedder() {
    use memlens::embed::fake::FakeEmbedder;
    let mut h = harness(false, Some(UID)).await;
    let fake = Arc::new(FakeEmbedder::new(128).with_latency(Duration::from_millis(300)));
    h.app.services.embedder = Some(fake.clone());
    h.key(KeyCode::Char('s'));
    h.type_text("first query");
    h.key(KeyCode::Enter);
    let first_generation = h.app.state.search.generation;
    h.key(KeyCode::Char('s'));
    for _ in 0.."first query".len() {
        h.key(KeyCode::Backspace);
    }
    h.type_text("second query");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.search.generation, first_generation + 1);
    h.settle().await;
    let r = h.app.state.search.results.as_ref().expect("results");
    assert_eq!(
        r.semantic.as_ref().unwrap().request.target,
        memlens::sync::search::SearchTarget::Text("second query".into())
    );
    // A late answer for the first search is dropped.
    let stale = Action::SearchDone {
        generation: first_generation,
        outcome: Err("late".into()),
    };
    assert!(!h.app.update(stale));
    assert!(h.app.state.search.error.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_down_is_a_clear_error() {
    use memlens::store::pinecone::{PineconeConfig, PineconeStore};
    let mut h = harness(false, Some(UID)).await;
    // A Pinecone client pointed at a closed port on this machine.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut config = PineconeConfig::for_host(
        memlens::config::Secret::new("pc-test-key"),
        format!("http://127.0.0.1:{port}"),
    );
    config.retry = memlens::http::RetryPolicy::none();
    let store = PineconeStore::connect(config).await.unwrap();
    h.app.services.store = Some(Arc::new(store));
    h.key(KeyCode::Char('s'));
    h.type_text("dentist");
    h.key(KeyCode::Enter);
    h.settle().await;
    // Hybrid: the text hits, with a note that the semantic side failed and why.
    let results = h.app.state.search.results.as_ref().expect("text hits");
    assert!(!results.hits.is_empty());
    let note = results.notes.join(" ");
    assert!(note.contains("semantic side failed"), "{note}");
    assert!(
        note.contains("connect") || note.contains("unavailable"),
        "{note}"
    );
    assert!(!note.contains("pc-test-key"));
    // Semantic only (`t`): a clear error.
    h.key(KeyCode::Char('t'));
    h.settle().await;
    let err = h.app.state.search.error.clone().expect("an error");
    assert!(
        err.contains("connect") || err.contains("unavailable"),
        "{err}"
    );
    assert!(!err.contains("pc-test-key"));
    assert!(
        h.app
            .state
            .messages
            .iter()
            .all(|m| !m.text.contains("pc-test-key"))
    );
}
