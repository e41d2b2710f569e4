//! Headless app tests: drive the TUI with key events (no terminal), assert the state and
//! the rendered screen (ratatui `TestBackend` + insta snapshots).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::omi::date::OmiDate;
use memlens::omi::model::TranscriptSegment;
use memlens::omi::text::TextFormat;
use memlens::omi::{ActionItem, Category, Event, Memory, Structured};
use memlens::tui::action::{Action, Level};
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::list::{ListSource, MemoryList};
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{Focus, Popup, Setup, State};
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

const TOPICS: &[(&str, &str, &str, &str)] = &[
    (
        "🦷",
        "Dentist appointment for teeth cleaning",
        "Booked a cleaning and asked about whitening options.",
        "health",
    ),
    (
        "🏃",
        "Marathon training long run",
        "Ran 28 km along the river; knee felt fine, pace steady.",
        "sports",
    ),
    (
        "💸",
        "Seed round pitch practice",
        "Rehearsed the fundraising deck with Ana; cut the market slide.",
        "business",
    ),
    (
        "🔨",
        "Kitchen renovation quotes",
        "Compared three contractors for cabinets and countertops.",
        "personal",
    ),
    (
        "🇪🇸",
        "Spanish lesson on past tenses",
        "Practised preterite versus imperfect with the tutor.",
        "education",
    ),
    (
        "🐶",
        "Vet visit for Biscuit",
        "The dog has an ear infection; drops twice a day for a week.",
        "family",
    ),
    (
        "🧾",
        "Tax filing checklist",
        "Gathered receipts and the 1099 forms for the accountant.",
        "finance",
    ),
    (
        "💍",
        "Wedding venue tour",
        "Visited the barn venue; capacity 120, catering included.",
        "romantic",
    ),
];

fn date(day: u32, hour: u32) -> OmiDate {
    OmiDate::parse(&format!("2025-03-{day:02}T{hour:02}:15:00+00:00")).unwrap()
}

fn memories(n: usize) -> Vec<Memory> {
    (0..n)
        .map(|i| {
            let (emoji, title, overview, cat) = TOPICS[i % TOPICS.len()];
            Memory {
                id: format!("mem-{i:04}"),
                created_at: Some(date(1 + (i % 28) as u32, (i % 24) as u32)),
                started_at: Some(date(1 + (i % 28) as u32, (i % 24) as u32)),
                finished_at: None,
                structured: Structured {
                    title: if i < TOPICS.len() {
                        title.to_string()
                    } else {
                        format!("{title} #{i}")
                    },
                    overview: overview.to_string(),
                    emoji: emoji.to_string(),
                    category: Category::from_value(cat),
                    action_items: vec![ActionItem {
                        description: "Follow up by email".into(),
                        completed: i % 2 == 0,
                        ..ActionItem::default()
                    }],
                    events: vec![Event {
                        title: "Next session".into(),
                        start: Some(date(28, 9)),
                        duration: 45,
                        ..Event::default()
                    }],
                },
                transcript: vec![TranscriptSegment {
                    text: "Let's do it next week.".into(),
                    speaker: Some("SPEAKER_00".into()),
                    is_user: true,
                    start: 1.5,
                    end: 3.0,
                    ..TranscriptSegment::default()
                }],
                source: Some("omi".into()),
                language: Some("en".into()),
                status: Some("completed".into()),
                discarded: i == 5,
                ..Memory::default()
            }
        })
        .collect()
}

fn setup() -> Setup {
    Setup {
        uid: Some("test-uid".into()),
        uid_source: "flag --uid".into(),
        namespace: "ns1".into(),
        store_target: "local store.db".into(),
        store_is_remote: false,
        embedder_label: "test".into(),
        embedder_model: "memlens-minilm-static-128".into(),
        embedder_dimension: 128,
        read_only: false,
        data_dir: std::env::temp_dir().join("memlens-tui-test-unused"),
        created_at_policy: memlens::config::CreatedAtPolicy::Memory,
        auto_index: false,
    }
}

struct Harness {
    app: App,
    rx: mpsc::UnboundedReceiver<Action>,
}

impl Harness {
    fn new(n: usize, size: (u16, u16)) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut state = State::new(
            setup(),
            Keymap::default(),
            Theme::monochrome(),
            TextFormat::CURRENT,
        );
        state.size = size;
        let mut app = App::new(state, Services::default(), tx);
        let export = LoadedExport::new(
            std::path::Path::new("/data/demo-export.json"),
            "E3 omi-export.json",
            memories(n),
        );
        app.update(Action::ExportLoaded(Box::new(export)));
        Self { app, rx }
    }

    /// Press a key, then apply background results until the list filter is idle (the
    /// scan runs on the filter's worker thread and reports back as an Action).
    fn key(&mut self, code: KeyCode) -> &mut Self {
        self.app
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.settle_filter();
        self
    }

    fn settle_filter(&mut self) {
        while self.app.state.list.is_filtering() {
            let action = self.rx.blocking_recv().expect("the filter reports back");
            self.app.update(action);
        }
    }

    fn ctrl(&mut self, c: char) -> &mut Self {
        self.app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::CONTROL,
        )));
        self
    }

    fn chars(&mut self, s: &str) -> &mut Self {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
        self
    }

    fn screen(&self) -> String {
        let (w, h) = self.app.state.size;
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| view::draw(f, &self.app.state)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        let mut out = String::new();
        for y in 0..h {
            let mut line = String::new();
            for x in 0..w {
                line.push_str(buffer[(x, y)].symbol());
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }

    fn selected_title(&self) -> String {
        self.app
            .state
            .selected()
            .map(|(_, m)| m.structured.title.clone())
            .unwrap_or_default()
    }
}

#[test]
fn navigation_keys_move_the_selection() {
    let mut h = Harness::new(40, (120, 40));
    assert_eq!(h.app.state.list.visible.len(), 40);
    let first = h.app.state.list.selected;
    h.key(KeyCode::Char('j')).key(KeyCode::Down);
    assert_eq!(h.app.state.list.selected, first + 2);
    h.key(KeyCode::Char('k'));
    assert_eq!(h.app.state.list.selected, first + 1);
    h.key(KeyCode::Char('G'));
    assert_eq!(h.app.state.list.selected, 39);
    h.chars("gg");
    assert_eq!(h.app.state.list.selected, 0);
    h.ctrl('d');
    assert!(h.app.state.list.selected > 5);
    h.key(KeyCode::PageDown);
    assert!(h.app.state.list.selected >= 30);
    h.key(KeyCode::End).key(KeyCode::Home);
    assert_eq!(h.app.state.list.selected, 0);
}

/// At 100k memories a keystroke in the filter never waits for the scan: the key
/// handler returns with the previous rows still shown (and says it is filtering), the
/// scan's result arrives as an Action, and a result for a superseded query is dropped.
#[test]
fn filter_scans_off_the_ui_thread_and_the_newest_query_wins() {
    let mut h = Harness::new(100_000, (120, 40));
    let all = h.app.state.list.visible.clone();
    assert_eq!(all.len(), 100_000);
    h.key(KeyCode::Char('/'));
    let press = |h: &mut Harness, c: char| {
        h.app.update(Action::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        )))
    };
    press(&mut h, 'v');
    assert_eq!(h.app.state.list.query, "v");
    assert!(h.app.state.list.is_filtering());
    assert_eq!(h.app.state.list.visible, all, "the key handler ran no scan");
    assert!(h.screen().contains("/v · filtering…"), "{}", h.screen());
    let first = h.app.state.list.generation();
    let stale = match h.rx.blocking_recv().expect("a result") {
        Action::FilterDone(r) => r,
        other => panic!("expected the filter's result, got {other:?}"),
    };
    assert_eq!((stale.generation(), stale.query()), (first, "v"));
    // Typing on before that result is shown makes it stale: it must not be shown.
    press(&mut h, 'e');
    assert!(h.app.state.list.generation() > first);
    assert!(
        !h.app.update(Action::FilterDone(stale)),
        "stale result applied"
    );
    assert_eq!(h.app.state.list.visible, all);
    assert!(h.app.state.list.is_filtering());
    h.settle_filter();
    assert!(!h.screen().contains("filtering…"));
    // The rows are exactly what a synchronous scan for "ve" gives, best match first.
    let state = &h.app.state;
    let export = state.export.as_ref().unwrap();
    let mut fresh = MemoryList::default();
    fresh.query = "ve".into();
    fresh.refresh_now(&ListSource {
        memories: &export.memories,
        haystacks: &export.haystacks,
        statuses: &state.statuses,
    });
    assert_eq!(state.list.visible, fresh.visible);
    assert!(!fresh.visible.is_empty() && fresh.visible.len() < all.len());
    assert_eq!(state.list.selected_index(), Some(fresh.visible[0] as usize));
}

#[test]
fn fuzzy_filter_narrows_and_escape_clears() {
    let mut h = Harness::new(40, (120, 40));
    h.key(KeyCode::Char('/')).chars("dentist");
    assert!(h.app.state.filter_input.is_some());
    // Fuzzy: other memories may match loosely, but the five dentist ones rank first.
    let ranked: Vec<String> = h
        .app
        .state
        .list
        .visible
        .iter()
        .take(5)
        .map(|&i| h.app.state.memories()[i as usize].structured.title.clone())
        .collect();
    assert!(
        ranked.iter().all(|t| t.starts_with("Dentist")),
        "{ranked:?}"
    );
    assert!(h.selected_title().starts_with("Dentist"));
    assert!(h.screen().contains("/dentist"));
    h.key(KeyCode::Enter);
    assert!(h.app.state.filter_input.is_none());
    assert_eq!(h.app.state.list.query, "dentist");
    // j now moves instead of typing.
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.state.list.selected, 1);
    let before = h.app.state.list.visible.len();
    h.key(KeyCode::Esc);
    assert!(before < 40);
    assert_eq!(h.app.state.list.visible.len(), 40);
}

#[test]
fn marks_sort_and_status_filter() {
    let mut h = Harness::new(16, (120, 40));
    h.key(KeyCode::Char(' ')).key(KeyCode::Char(' '));
    assert_eq!(h.app.state.list.marks.len(), 2);
    assert!(h.screen().contains("2 marked"));
    h.key(KeyCode::Char('o'));
    assert!(h.screen().contains("sort title"));
    let first = h.app.state.list.visible[0] as usize;
    assert!(
        h.app.state.memories()[first]
            .structured
            .title
            .starts_with("Dentist")
    );
    assert_eq!(h.app.state.list.marks.len(), 2, "sorting keeps marks");
    h.key(KeyCode::Char('S'));
    assert_eq!(
        h.app.state.list.status_filter,
        Some(memlens::sync::EmbeddingStatus::Unknown)
    );
    h.key(KeyCode::Char('X'));
    assert_eq!(h.app.state.list.status_filter, None);
}

#[test]
fn help_overlay_lists_every_binding_and_closes() {
    let mut h = Harness::new(10, (80, 24));
    h.key(KeyCode::Char('?'));
    assert_eq!(h.app.state.popup, Some(Popup::Help));
    // Scroll through the whole overlay; every binding's description must show up.
    let mut seen = String::new();
    for _ in 0..60 {
        seen.push_str(&h.screen());
        h.key(KeyCode::Char('j'));
    }
    for b in &h.app.state.keymap.bindings {
        assert!(
            seen.contains(b.description),
            "help lacks {:?}",
            b.description
        );
    }
    h.key(KeyCode::Char('x'));
    assert_eq!(
        h.app.state.popup,
        Some(Popup::Help),
        "keys don't leak through the popup"
    );
    assert_eq!(h.app.state.list.selected, 0);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);
}

#[test]
fn tab_focuses_details_and_scrolls() {
    let mut h = Harness::new(10, (80, 24));
    h.key(KeyCode::Tab);
    assert_eq!(h.app.state.focus, Focus::Details);
    h.key(KeyCode::Char('j')).key(KeyCode::Char('j'));
    assert_eq!(h.app.state.details_scroll, 2);
    assert_eq!(
        h.app.state.list.selected, 0,
        "j scrolls details, not the list"
    );
    h.key(KeyCode::Char('t'));
    assert!(h.app.state.transcript_expanded);
    h.key(KeyCode::BackTab);
    assert_eq!(h.app.state.focus, Focus::List);
}

#[test]
fn quit_and_ctrl_c() {
    let mut h = Harness::new(3, (80, 24));
    h.key(KeyCode::Char('q'));
    assert!(h.app.state.should_quit);
    let mut h = Harness::new(3, (80, 24));
    h.ctrl('c');
    assert!(h.app.state.should_quit);
}

#[test]
fn quit_asks_while_a_job_runs() {
    let mut h = Harness::new(3, (80, 24));
    h.app.state.lookup.running = Some((1, 3));
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit));
    assert!(!h.app.state.should_quit);
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.state.popup, None);
    h.key(KeyCode::Char('q')).key(KeyCode::Char('y'));
    assert!(h.app.state.should_quit);
}

#[test]
fn hostile_text_is_drawn_inert() {
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut state = State::new(
        setup(),
        Keymap::default(),
        Theme::monochrome(),
        TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let mut app = App::new(state, Services::default(), tx);
    let mut m = memories(1);
    m[0].structured.title = "evil\u{1b}]52;c;aGk=\u{7}\u{1b}[2J title\u{202e}".into();
    m[0].structured.overview = "bell\u{7} csi\u{9b}31m".into();
    app.update(Action::ExportLoaded(Box::new(LoadedExport::new(
        std::path::Path::new("x.json"),
        "E4",
        m,
    ))));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| view::draw(f, &app.state)).unwrap();
    for cell in terminal.backend().buffer().content() {
        for c in cell.symbol().chars() {
            assert!(
                !(c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
                "control char {c:?} reached the screen"
            );
        }
    }
}

#[test]
fn snapshot_main_120x40() {
    let mut h = Harness::new(40, (120, 40));
    h.key(KeyCode::Char('j'));
    insta::assert_snapshot!(h.screen());
}

#[test]
fn snapshot_main_80x24() {
    let h = Harness::new(40, (80, 24));
    insta::assert_snapshot!(h.screen());
}

#[test]
fn snapshot_details_expanded_120x40() {
    let mut h = Harness::new(10, (120, 40));
    h.key(KeyCode::Tab).key(KeyCode::Char('t'));
    for _ in 0..10 {
        h.key(KeyCode::Char('j'));
    }
    insta::assert_snapshot!(h.screen());
}

#[test]
fn snapshot_details_80x24() {
    let mut h = Harness::new(10, (80, 24));
    h.key(KeyCode::Tab);
    insta::assert_snapshot!(h.screen());
}

#[test]
fn snapshot_help_80x24() {
    let mut h = Harness::new(10, (80, 24));
    h.key(KeyCode::Char('?'));
    insta::assert_snapshot!(h.screen());
}

#[test]
fn snapshot_help_120x40() {
    let mut h = Harness::new(10, (120, 40));
    h.key(KeyCode::F(1));
    insta::assert_snapshot!(h.screen());
}

fn error_screen(w: u16, h: u16) -> String {
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut state = State::new(
        setup(),
        Keymap::default(),
        Theme::monochrome(),
        TextFormat::CURRENT,
    );
    state.size = (w, h);
    state.export_path = Some("broken.json".into());
    let mut app = App::new(state, Services::default(), tx);
    app.update(Action::LoadFailed(
        "broken.json: not JSON: expected value at line 1 column 1".into(),
    ));
    app.update(Action::Notify(
        Level::Error,
        "status lookup failed: vector store unavailable".into(),
    ));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| view::draw(f, &app.state)).unwrap();
    format!("{}", terminal.backend())
}

#[test]
fn snapshot_error_state_120x40() {
    insta::assert_snapshot!(error_screen(120, 40));
}

#[test]
fn snapshot_error_states() {
    insta::assert_snapshot!(error_screen(80, 24));
}
