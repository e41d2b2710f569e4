//! "What the app knows, it shows" (headless, real engines): pastes land in inputs and
//! never act as keys; a search re-runs when its namespace is written; a query that cannot
//! be embedded still shows the text hits; results never replace a dialog waiting for an
//! answer; `v` keeps its window under a status filter; `s` selects an earlier query;
//! configuration warnings stay until read; vector zeros are judged against the model.

use crate::support;

use std::path::Path;
use std::sync::Arc;

use crossterm::event::KeyCode;
use memlens::embed::Embedder;
use memlens::embed::fake::FakeEmbedder;
use memlens::tui::action::{Action, Level};
use memlens::tui::search::SearchField;
use memlens::tui::state::Popup;
use support::tui::{UID, embeddable, harness, harness_on};

fn demo() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json")
}

fn logged(h: &support::tui::Harness, needle: &str) -> bool {
    h.app.state.messages.iter().any(|m| m.text.contains(needle))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_lands_in_the_focused_input_and_never_acts() {
    let mut h = harness(true, Some(UID)).await;
    // Outside an input: ignored, said so, nothing ran.
    h.app.update(Action::Paste("q\ny\nR\n".into()));
    assert!(!h.app.state.should_quit);
    assert_eq!(h.app.state.popup, None);
    assert!(
        h.screen()
            .contains("paste ignored: press s to search or / to filter"),
        "{}",
        h.screen()
    );

    // The `/` filter: lines become spaces, escape sequences go.
    h.key(KeyCode::Char('/'));
    h.app
        .update(Action::Paste("dentist\r\nq\u{1b}[31m\ny\n".into()));
    assert_eq!(
        h.app.state.filter_input.as_ref().unwrap().value(),
        "dentist q y"
    );
    assert_eq!(h.app.state.list.query, "dentist q y");
    assert_eq!(h.app.state.popup, None);
    h.key(KeyCode::Esc);

    // The search query: inserted, no search runs until Enter.
    h.key(KeyCode::Char('s'));
    h.app.update(Action::Paste("dentist\nappointment\n".into()));
    assert_eq!(h.app.state.search.query.value(), "dentist appointment");
    assert_eq!(h.app.state.search.editing, Some(SearchField::Query));
    assert!(h.app.state.search.running.is_none());
    h.key(KeyCode::Enter);
    h.settle().await;
    assert!(h.app.state.search.results.is_some());

    // A dialog is open: a pasted `y` never answers it.
    h.app.state.popup = Some(Popup::ConfirmQuit);
    h.app.update(Action::Paste("y".into()));
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit));
    assert!(!h.app.state.should_quit);
    assert!(logged(&h, "paste ignored: a dialog is open"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_pasted_query_shows_its_end_with_the_cursor() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    let long = format!("{} tailmarker", "lender rate lock ".repeat(600));
    h.app.update(Action::Paste(long.clone()));
    assert_eq!(h.app.state.search.query.value(), long);
    let screen = h.screen();
    let line = screen
        .lines()
        .find(|l| l.contains("query"))
        .expect("the query line");
    assert!(line.contains("…"), "{line}");
    assert!(line.contains("tailmarker"), "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s_selects_the_earlier_query_so_typing_replaces_it() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("dentist");
    h.key(KeyCode::Enter);
    h.settle().await;
    h.key(KeyCode::Char('s'));
    assert!(h.app.state.search.select_all);
    assert!(
        h.screen().contains("typing replaces the query"),
        "{}",
        h.screen()
    );
    h.type_text("lender");
    assert_eq!(h.app.state.search.query.value(), "lender");
    // A cursor key keeps the query for editing instead.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::End);
    h.type_text(" rate");
    assert_eq!(h.app.state.search.query.value(), "lender rate");
    // Backspace on the selection clears it.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('s'));
    h.key(KeyCode::Backspace);
    assert_eq!(h.app.state.search.query.value(), "");
}

/// A search made before the namespace was indexed shows semantic "—"; when the index is
/// written, it runs again and its hits get their semantic side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_runs_again_when_indexing_writes_its_namespace() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("dentist");
    h.key(KeyCode::Enter);
    h.settle().await;
    let before = h.app.state.search.results.as_ref().expect("results");
    assert!(!before.hits.is_empty());
    assert!(
        before.hits.iter().all(|x| x.semantic.is_none()),
        "{before:?}"
    );
    assert!(h.screen().contains('—'));

    // The export is indexed into the empty store (the auto-index of the offline default).
    h.app.state.setup.auto_index = true;
    let export = memlens::tui::loader::load_blocking(&demo(), &mut |_, _| {}).unwrap();
    h.app.update(Action::ExportLoaded(Box::new(export)));
    h.settle().await;
    h.wait_until(|app| !app.state.indexing.busy() && app.state.search.running.is_none())
        .await;
    assert!(
        logged(&h, "the search runs again"),
        "{:?}",
        h.app.state.messages
    );
    let after = h.app.state.search.results.as_ref().expect("results");
    assert!(
        after.hits.iter().any(|x| x.semantic.is_some()),
        "no semantic side after indexing: {after:?}"
    );
}

/// The query cannot be embedded: the text hits are shown with a note, and the whole
/// error is in the message log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_that_cannot_be_embedded_still_shows_the_text_hits() {
    let mut h = harness(true, Some(UID)).await;
    let real = h.app.services.embedder.clone().unwrap();
    let fake = FakeEmbedder::new(real.dimension()).with_model(real.model_id());
    let detail = "connection refused by 127.0.0.1:9 after 3 attempts (the embedding server is down: start it or use --embedder minilm)";
    fake.fail_next(detail);
    h.app.services.embedder = Some(Arc::new(fake));
    h.key(KeyCode::Char('s'));
    h.type_text("dentist");
    h.key(KeyCode::Enter);
    h.settle().await;
    let pane = &h.app.state.search;
    assert_eq!(pane.error, None);
    let results = pane.results.as_ref().expect("text hits");
    assert!(!results.hits.is_empty());
    assert!(results.hits.iter().all(|x| x.text.is_some()));
    assert!(
        results
            .notes
            .iter()
            .any(|n| n.contains("semantic side failed")),
        "{:?}",
        results.notes
    );
    assert!(
        h.screen().contains("semantic side failed"),
        "{}",
        h.screen()
    );
    let full = h
        .app
        .state
        .messages
        .iter()
        .find(|m| m.level == Level::Error && m.text.contains(detail));
    assert!(full.is_some(), "{:?}", h.app.state.messages);
}

/// A batch job ends while the quit dialog is open: the dialog stays and its `y` quits;
/// `n` then shows the job window.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_quit_dialog_survives_a_job_that_ends() {
    for answer in ['y', 'n'] {
        let mut h = harness(false, Some(UID)).await;
        h.key(KeyCode::Char('R'));
        h.key(KeyCode::Char('a'));
        h.wait_until(|app| app.state.popup == Some(Popup::ConfirmPlan))
            .await;
        h.key(KeyCode::Char('y'));
        assert_eq!(h.app.state.popup, Some(Popup::Job));
        h.key(KeyCode::Esc);
        h.key(KeyCode::Char('q'));
        assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit));
        // The job's end arrives while the dialog waits.
        h.settle().await;
        assert!(h.app.state.reprocess.summary.is_some());
        assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit), "{answer}");
        h.key(KeyCode::Char(answer));
        if answer == 'y' {
            assert!(h.app.state.should_quit);
        } else {
            assert!(!h.app.state.should_quit);
            assert_eq!(h.app.state.popup, Some(Popup::Job));
        }
    }
}

/// `v` under a status filter: the verdict (fresh) moves the memory out of the "present"
/// filter, and its window still opens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_under_a_status_filter_keeps_its_window() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('S'));
    let filter = h.app.state.list.status_filter;
    assert_eq!(filter, Some(memlens::sync::EmbeddingStatus::Present));
    h.settle().await;
    while !embeddable(h.app.state.selected().unwrap().1) {
        h.key(KeyCode::Char('j'));
    }
    let id = h.app.state.selected().unwrap().1.id.clone();
    h.key(KeyCode::Char('v'));
    h.wait_until(|app| app.state.popup == Some(Popup::Vector))
        .await;
    assert_eq!(h.app.state.vector.as_ref().unwrap().memory_id, id);
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::Vector));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_warnings_stay_until_read() {
    let mut h = harness(true, Some(UID)).await;
    memlens::tui::report_warnings(
        &mut h.app.state,
        &["config.toml: unknown key \"embeder\" (did you mean \"embedder\"?)".to_string()],
    );
    h.app.state.notify(Level::Info, "333 memories loaded");
    h.app.state.notify(Level::Info, "indexed: ns1 holds all");
    let screen = h.screen();
    assert!(screen.contains("⚠ config.toml: unknown key"), "{screen}");
    // Read in the log: gone from the footer.
    h.key(KeyCode::Char('L'));
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("⚠ config.toml"), "{}", h.screen());
    // Esc dismisses them too.
    memlens::tui::report_warnings(&mut h.app.state, &["one".into(), "two".into()]);
    assert!(h.screen().contains("⚠ 2 configuration warnings"));
    h.key(KeyCode::Esc);
    assert!(!h.screen().contains("⚠ 2 configuration warnings"));
}

/// all-MiniLM-L6-v2 vectors are zero at fixed dimensions: a real one is healthy in the
/// vector window, and the same vector with one more zero is flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_zeros_are_judged_against_the_model() {
    let export = memlens::tui::loader::load_blocking(&demo(), &mut |_, _| {}).unwrap();
    let live: Vec<_> = export
        .memories
        .iter()
        .filter(|m| embeddable(m))
        .take(2)
        .collect();
    let minilm = Arc::new(memlens::embed::minilm::MiniLmEmbedder::new().unwrap());
    let texts: Vec<String> = live
        .iter()
        .map(|m| memlens::omi::text::render(&m.structured, memlens::omi::text::TextFormat::CURRENT))
        .collect();
    let mut vectors = minilm.embed(&texts).await.unwrap();
    vectors[1][7] = 0.0;
    let seed = live
        .iter()
        .zip(vectors)
        .map(|(m, values)| memlens::store::Record {
            id: memlens::omi::conventions::vector_id(UID, &m.id),
            values,
            metadata: memlens::omi::conventions::memory_metadata(
                UID,
                &m.id,
                m.created_at.as_ref().map(|d| d.timestamp()).unwrap_or(0),
            ),
        })
        .collect();
    let mut h = harness_on(&demo(), false, Some(UID), seed).await;
    h.app.services.embedder = Some(minilm);
    for (k, m) in live.iter().enumerate() {
        let i = h
            .app
            .state
            .memories()
            .iter()
            .position(|x| x.id == m.id)
            .unwrap();
        assert!(h.app.state.list.select_memory(i));
        h.key(KeyCode::Char('v'));
        h.wait_until(|app| app.state.popup == Some(Popup::Vector))
            .await;
        let screen = h.screen();
        if k == 0 {
            assert!(
                screen.contains("unit length ✓; 2 zeros at dims 127, 223, 319"),
                "{screen}"
            );
        } else {
            assert!(
                screen.contains("3 zeros (2 are all-MiniLM-L6-v2's structural zeros, 1 are not)"),
                "{screen}"
            );
        }
        h.key(KeyCode::Esc);
    }
}
