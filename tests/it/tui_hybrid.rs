//! Headless TUI tests of hybrid search: 100 000 memories with transcripts are indexed for
//! full text in the background while the UI keeps answering keys; `w` explains a hit in
//! a popup; `a` adds the query → hit to the golden file; `t` cycles the mode.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::embed::fake::FakeEmbedder;
use memlens::omi::Memory;
use memlens::omi::date::OmiDate;
use memlens::omi::model::TranscriptSegment;
use memlens::store::local::LocalStore;
use memlens::sync::explain::Outcome;
use memlens::sync::golden::GoldenFile;
use memlens::sync::hybrid::SearchMode;
use memlens::tui::action::{Action, Command};
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{FullTextState, Popup, Setup, State};
use memlens::tui::theme::Theme;
use support::tui::{UID, harness};

const MANY: usize = 100_000;

/// Memories with three transcript segments each; memory `i` says `word{i}` at 00:01:40.
fn many_memories() -> Vec<Memory> {
    let date = OmiDate::parse("2025-01-01T00:00:00+00:00").unwrap();
    let seg = |text: String, start: f64| TranscriptSegment {
        text,
        start,
        end: start + 3.0,
        ..TranscriptSegment::default()
    };
    (0..MANY)
        .map(|i| {
            let mut m = Memory {
                id: format!("m{i}"),
                created_at: Some(date.clone()),
                ..Memory::default()
            };
            m.structured.title = format!("Memory {i}");
            m.structured.overview = "A short conversation about the day.".into();
            m.transcript = vec![
                seg("Hello there, how was the day?".into(), 1.0),
                seg(format!("I keep thinking about word{i} today."), 100.0),
                seg("Talk soon.".into(), 200.0),
            ];
            m
        })
        .collect()
}

fn key(app: &mut App, c: char) {
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_memories_are_indexed_without_blocking_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let export = LoadedExport::new(&dir.path().join("many.json"), "E4", many_memories());
    let store = Arc::new(LocalStore::open(&dir.path().join("store.db")).unwrap());
    let embedder = Arc::new(FakeEmbedder::new(16));
    let setup = Setup {
        uid: Some("u-many".into()),
        uid_source: "test".into(),
        namespace: "ns1".into(),
        store_target: "local".into(),
        store_is_remote: false,
        embedder_label: "fake".into(),
        embedder_model: "fake".into(),
        embedder_dimension: 16,
        read_only: false,
        data_dir: dir.path().to_path_buf(),
        created_at_policy: memlens::config::CreatedAtPolicy::Memory,
        auto_index: false,
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut state = State::new(
        setup,
        Keymap::default(),
        Theme::monochrome(),
        memlens::omi::text::TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let mut app = App::new(
        state,
        Services {
            store: Some(store),
            embedder: Some(embedder),
        },
        tx,
    );
    app.update(Action::ExportLoaded(Box::new(export)));
    // Handling the load did not build the index: it is building in the background.
    assert_eq!(
        app.state.fulltext,
        FullTextState::Building {
            done: 0,
            total: MANY
        }
    );

    // While it builds, keys are handled and the screen draws.
    let mut moved_while_building = false;
    let mut progress_seen = 0;
    let mut ready = false;
    for _ in 0..6000 {
        let Ok(Some(a)) = tokio::time::timeout(Duration::from_millis(100), rx.recv()).await else {
            continue;
        };
        let is_progress = matches!(a, Action::FullTextProgress { .. });
        let is_ready = matches!(a, Action::FullTextReady { .. });
        app.update(a);
        if is_progress {
            progress_seen += 1;
            if let FullTextState::Building { done, total } = app.state.fulltext
                && done < total
                && !moved_while_building
            {
                let before = app.state.list.selected;
                key(&mut app, 'j');
                assert_eq!(app.state.list.selected, before + 1);
                let mut terminal =
                    ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
                terminal
                    .draw(|f| memlens::tui::view::draw(f, &app.state))
                    .unwrap();
                moved_while_building = matches!(app.state.fulltext, FullTextState::Building { .. });
            }
        }
        if is_ready {
            ready = true;
            break;
        }
    }
    assert!(ready, "the index never finished");
    assert!(
        moved_while_building,
        "no key was handled while the index was building"
    );
    assert!(
        progress_seen >= 10,
        "progress reported as it goes: {progress_seen}"
    );
    let FullTextState::Ready {
        memories, built, ..
    } = app.state.fulltext
    else {
        panic!("{:?}", app.state.fulltext);
    };
    assert_eq!((memories, built), (MANY, true));

    // Text mode finds the one memory that says the word, with the segment's time.
    app.state.search.mode = SearchMode::Text;
    key(&mut app, 's');
    for c in "word99999".chars() {
        key(&mut app, c);
    }
    app.update(Action::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    while app.state.search.running.is_some() {
        let a = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .unwrap()
            .unwrap();
        app.update(a);
    }
    let r = app.state.search.results.as_ref().unwrap();
    assert_eq!(r.hits.len(), 1);
    assert_eq!(r.hits[0].memory_id, "m99999");
    let m = &r.hits[0].text.as_ref().unwrap().matches[0];
    assert_eq!(m.place(), "transcript 00:01:40");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_explains_the_hit_and_a_adds_a_golden_query() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("knee surgery");
    h.key(KeyCode::Enter);
    h.settle().await;
    let first = h.app.state.search.results.as_ref().unwrap().hits[0].clone();
    assert!(first.semantic.is_some() && first.text.is_some());

    h.key(KeyCode::Char('w'));
    assert_eq!(h.app.state.popup, Some(Popup::Explain));
    h.settle().await;
    let e = h
        .app
        .state
        .explain
        .result
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap();
    assert_eq!(e.request.memory_id, first.memory_id);
    assert_eq!(e.request.query, "knee surgery");
    assert_eq!(e.semantic.rank, first.semantic.as_ref().map(|s| s.rank));
    // Ranked in the mode searched: the fused rank the pane shows, first.
    assert_eq!(e.searched.mode, SearchMode::Hybrid);
    assert_eq!(e.searched.rank, Some(first.rank));
    assert_eq!(e.checks[0].name, "shown_in_mode");
    assert_eq!(e.check("vector_present").unwrap().outcome, Outcome::Pass);
    assert_eq!(
        e.text.as_ref().unwrap().rank,
        first.text.as_ref().map(|t| t.rank)
    );
    let screen = h.screen();
    assert!(screen.contains("Why (not) found"), "{screen}");
    assert!(screen.contains("vector_present"), "{screen}");
    assert!(screen.contains("fix:"), "{screen}");
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);

    h.key(KeyCode::Char('a'));
    let golden = GoldenFile::default_path(h.dir.path());
    h.wait_until(|app| {
        app.state
            .message
            .as_ref()
            .is_some_and(|(_, m)| m.starts_with("golden:"))
    })
    .await;
    let file = GoldenFile::load(&golden, false).unwrap();
    assert_eq!(file.queries.len(), 1);
    assert_eq!(file.queries[0].query, "knee surgery");
    assert_eq!(
        file.queries[0].expect,
        std::slice::from_ref(&first.memory_id)
    );

    // `w` from the list explains the selected memory for the same query.
    h.app.update(Action::Command(Command::FocusNext));
    assert_eq!(h.app.state.focus, memlens::tui::state::Focus::List);
    let selected = h.app.state.selected().unwrap().1.id.clone();
    h.key(KeyCode::Char('w'));
    h.settle().await;
    let e = h
        .app
        .state
        .explain
        .result
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap();
    assert_eq!(e.request.memory_id, selected);
}

/// The `w` popup draws the same fix as the command line: started with a uid other than
/// the export's, a memory whose vector is stored under the export's uid is explained
/// with "check --uid", not a write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w_says_check_the_uid_when_the_vector_is_under_the_exports_uid() {
    let mut h = harness(true, Some("u-typed-by-hand")).await;
    h.key(KeyCode::Char('s'));
    h.type_text("knee surgery");
    h.key(KeyCode::Enter);
    h.settle().await;
    // Explain a memory Omi embeds, from the list.
    h.key(KeyCode::Esc);
    h.app.update(Action::Command(Command::FocusNext));
    assert_eq!(h.app.state.focus, memlens::tui::state::Focus::List);
    while !h
        .app
        .state
        .selected()
        .is_some_and(|(_, m)| support::tui::embeddable(m))
    {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char('w'));
    h.settle().await;
    let e = h
        .app
        .state
        .explain
        .result
        .as_ref()
        .unwrap()
        .as_ref()
        .unwrap();
    assert!(
        e.fix.starts_with(&format!(
            "a vector exists under uid {UID} (the export's uid): check --uid"
        )),
        "{}",
        e.fix
    );
    let screen = h.screen();
    assert!(screen.contains("check --uid"), "{screen}");
    assert!(!screen.contains("reprocess it"), "{screen}");
}
