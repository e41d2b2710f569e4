//! The TUI's shared surface, on real engines (demo export, built-in embedder, local
//! store): one confirmation rule, legible at any width (snapshots at 120×40, 80×24 and
//! 60×18, cut text always marked with `…`, popups keep their border over wide glyphs),
//! long content that scrolls to its end, messages that clear and a log that keeps them,
//! verdicts that update the list at once, and the discoverable keys.

use crate::support;

use crossterm::event::KeyCode;
use memlens::omi::model::TranscriptSegment;
use memlens::sync::EmbeddingStatus;
use memlens::tui::action::{Action, Level};
use memlens::tui::app::App;
use memlens::tui::state::{Focus, Popup, RightPane, State};
use memlens::tui::{confirm, sanitize, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::tui::{Harness, UID, harness};

/// The screen at `w`×`h`, the temp dir and the lookup time redacted.
fn screen_at(h: &mut Harness, w: u16, rows: u16) -> String {
    h.app.update(Action::Resize(w, rows));
    let mut terminal = Terminal::new(TestBackend::new(w, rows)).unwrap();
    terminal.draw(|f| view::draw(f, &h.app.state)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..rows {
        let line: String = (0..w)
            .map(|x| buffer[(x, y)].symbol().to_string())
            .collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    let mut out = out.replace(&h.dir.path().display().to_string(), "[tmp]");
    if let Some(at) = h.app.state.lookup.checked_at {
        let when = chrono::DateTime::from_timestamp(at, 0).unwrap();
        out = out.replace(&when.format("%Y-%m-%d %H:%M UTC").to_string(), "[time]");
    }
    // A lookup time cut to fit (`looked up 2026-12-05 06…` at 80 columns) too.
    out.lines()
        .map(|l| match l.find("looked up ") {
            Some(i) if !l[i..].starts_with("looked up [time]") => {
                format!("{}looked up [time]\n", &l[..i])
            }
            _ => format!("{l}\n"),
        })
        .collect()
}

/// Change memory `i` of the loaded export (the export is shared, so it is rebuilt).
fn edit_memory(h: &mut Harness, i: usize, f: impl FnOnce(&mut memlens::omi::Memory)) {
    let old = h.app.state.export.as_ref().unwrap();
    let mut memories = old.memories.clone();
    f(&mut memories[i]);
    let mut new = memlens::tui::loader::LoadedExport::new(&old.path, old.shape.clone(), memories);
    new.profile_uid = old.profile_uid.clone();
    h.app.state.export = Some(std::sync::Arc::new(new));
}

/// Every title the list shows is whole or cut with `…` — never silently.
fn assert_titles_whole_or_marked(state: &State, screen: &str) {
    let rows = view::list_rows(state.size) as usize;
    for &i in state.list.visible.iter().skip(state.list.offset).take(rows) {
        let title = &state.memories()[i as usize].structured.title;
        if title.is_empty() {
            continue;
        }
        let clean = sanitize::line(title).into_owned();
        if screen.contains(&clean) {
            continue;
        }
        // The longest prefix on screen must be followed by the mark.
        let chars: Vec<char> = clean.chars().collect();
        let marked = (1..chars.len()).rev().any(|n| {
            let prefix: String = chars[..n].iter().collect();
            screen.contains(&format!("{}…", prefix.trim_end()))
        });
        assert!(marked, "{clean:?} is cut without an ellipsis:\n{screen}");
    }
}

// ---- one confirmation flow ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_confirmation_rule_in_every_dialog() {
    let mut h = harness(false, Some(UID)).await;
    let store = h.app.services.store.clone().unwrap();

    // A batch plan: other keys leave it open; on a remote store Enter is cancel.
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('a'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    h.key(KeyCode::Char('q'));
    assert_eq!(
        h.app.state.popup,
        Some(Popup::ConfirmPlan),
        "q is not an answer"
    );
    h.app.state.reprocess.plan.as_mut().unwrap().target.remote = true;
    let screen = h.screen();
    assert!(screen.contains("[ n Cancel ]"), "{screen}");
    assert!(screen.contains("Enter = Cancel"), "{screen}");
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.popup, None);
    assert_eq!(store.stats().await.unwrap().total, 0, "Enter cancelled");

    // The same words in the drift dialog: y / n / Esc / Enter, other keys ignored.
    h.key(KeyCode::Char('C'));
    h.wait_until(|app| app.state.popup == Some(Popup::DriftConfirm))
        .await;
    let screen = h.screen();
    assert!(screen.contains("[ y Check ]"), "{screen}");
    assert!(screen.contains("[ n Cancel ]"), "{screen}");
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.state.popup, Some(Popup::DriftConfirm));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);
    assert!(h.app.state.drift.planned.is_none());

    // Quitting with a job running: Enter stays (cancel is the default), y quits.
    h.app.state.lookup.running = Some((1, 3));
    h.key(KeyCode::Char('q'));
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit));
    assert!(h.screen().contains("[ y Quit ]"));
    h.key(KeyCode::Char('x'));
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmQuit));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.popup, None);
    assert!(!h.app.state.should_quit);
    h.key(KeyCode::Char('q'));
    h.key(KeyCode::Char('y'));
    assert!(h.app.state.should_quit);

    // The help states the rule in the same words.
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('?'));
    let help: String = view::help_lines(&h.app.state)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    assert!(help.contains(confirm::RULE), "{help}");
}

// ---- legible at any width ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_main_at_three_widths() {
    let mut h = harness(true, Some(UID)).await;
    for (w, rows) in [(120, 40), (80, 24), (60, 18)] {
        let screen = screen_at(&mut h, w, rows);
        assert_titles_whole_or_marked(&h.app.state, &screen);
        // The model and `? help` always stay.
        assert!(screen.contains("memlens-minilm-static-128"), "{screen}");
        assert!(screen.contains("? help"), "{screen}");
        insta::assert_snapshot!(format!("main_{w}x{rows}"), screen);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_and_the_model_stay_at_60_columns() {
    let mut h = harness(true, Some(UID)).await;
    h.app.state.setup.read_only = true;
    let screen = screen_at(&mut h, 60, 18);
    let header = screen.lines().next().unwrap();
    assert!(header.contains("READ-ONLY"), "{header}");
    assert!(
        header.contains("memlens-minilm-static-128 128d"),
        "{header}"
    );
    assert!(
        memlens::tui::fit::width(header) <= 60,
        "{header} is wider than the screen"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_help_and_details_at_60x18() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('?'));
    let screen = screen_at(&mut h, 60, 18);
    // Cut help lines end in the mark.
    assert!(screen.contains('…'), "{screen}");
    insta::assert_snapshot!("help_60x18", screen);
    h.key(KeyCode::Esc);
    h.key(KeyCode::Tab);
    insta::assert_snapshot!("details_60x18", screen_at(&mut h, 60, 18));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn footer_shows_editing_hints_while_typing() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('/'));
    let screen = screen_at(&mut h, 80, 24);
    let footer = screen.lines().nth(22).unwrap();
    assert!(footer.contains("Enter keep"), "{footer}");
    assert!(footer.contains("Esc clear"), "{footer}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('s'));
    let screen = screen_at(&mut h, 80, 24);
    let footer = screen.lines().nth(22).unwrap();
    assert!(footer.contains("Enter search"), "{footer}");
    assert!(footer.contains("↑/↓ history"), "{footer}");
}

#[test]
fn a_popup_over_wide_glyphs_keeps_its_border() {
    use ratatui::buffer::Buffer;
    use ratatui::layout::Rect;
    use ratatui::widgets::{Block, Borders, Clear, Widget};
    let area = Rect::new(0, 0, 20, 4);
    let mut buf = Buffer::empty(area);
    // Emoji and CJK on every row, each 2 columns wide, starting at column 0.
    for y in 0..4 {
        buf.set_string(0, y, "🔨🔨日本語🔨🔨", ratatui::style::Style::default());
    }
    // A popup whose left border lands on the right half of a wide glyph (column 5).
    let popup = Rect::new(5, 0, 10, 4);
    Clear.render(popup, &mut buf);
    Block::default()
        .borders(Borders::ALL)
        .render(popup, &mut buf);
    view::clear_straddling(&mut buf);
    for y in 0..4 {
        let border = buf[(5, y)].symbol();
        assert!(matches!(border, "│" | "┌" | "└"), "row {y}: {border:?}");
        // The glyph that would have covered the border is gone.
        assert_eq!(buf[(4, y)].symbol(), " ", "row {y}");
        // Whole glyphs left of it stay.
        assert_eq!(buf[(2, y)].symbol(), "🔨");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dialogs_grow_to_their_text_and_keep_their_buttons_on_a_short_screen() {
    let mut h = harness(false, Some(UID)).await;
    // The batch choice at 80x24: its last sentence is whole (it used to be cut).
    h.app.update(Action::Resize(80, 24));
    h.key(KeyCode::Char('R'));
    let screen = screen_at(&mut h, 80, 24);
    assert!(
        screen.contains("│cancels."),
        "the wrapped end shows: {screen}"
    );
    h.key(KeyCode::Esc);
    // One memory whose text is far taller than the screen: the buttons stay visible.
    let i = h.app.state.list.selected_index().unwrap();
    edit_memory(&mut h, i, |m| {
        m.structured.overview = "a long overview sentence that goes on. ".repeat(200)
    });
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    let screen = screen_at(&mut h, 80, 24);
    assert!(screen.contains("[ y Write it ]"), "{screen}");
    assert!(screen.contains("… (more than fits"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_values_in_details_wrap_instead_of_being_cut() {
    let mut h = harness(true, Some(UID)).await;
    let long_id = format!("{}-end", "x".repeat(90));
    let i = h.app.state.list.selected_index().unwrap();
    edit_memory(&mut h, i, |m| m.id = long_id.clone());
    let screen = screen_at(&mut h, 80, 24);
    let joined: String = screen
        .lines()
        .map(|l| l.split('│').nth(3).unwrap_or("").trim().to_string())
        .collect();
    assert!(
        joined.contains(&long_id),
        "the id is shown whole:\n{screen}"
    );
}

// ---- long content stays reachable ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_reaches_the_last_of_70000_transcript_segments() {
    let mut h = harness(false, Some(UID)).await;
    let i = h.app.state.list.selected_index().unwrap();
    let segments: Vec<TranscriptSegment> = (0..70_000)
        .map(|k| TranscriptSegment {
            text: format!("segment number {k}"),
            speaker: Some("SPEAKER_00".into()),
            start: k as f64,
            end: k as f64 + 1.0,
            ..TranscriptSegment::default()
        })
        .collect();
    edit_memory(&mut h, i, |m| m.transcript = segments);
    h.key(KeyCode::Tab);
    h.key(KeyCode::Char('t'));
    h.key(KeyCode::End);
    assert!(h.app.state.details_scroll > u16::MAX as usize);
    let screen = h.screen();
    assert!(
        screen.contains("segment number 69999"),
        "End shows the last segment:\n{screen}"
    );
    // The wrapped transcript is cached: a second frame does not wrap again.
    assert!(h.app.state.transcript_cache.borrow().is_some());
    h.key(KeyCode::Home);
    assert_eq!(h.app.state.details_scroll, 0);
}

// ---- nothing stale, nothing lost ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_messages_clear_and_the_log_keeps_errors_in_full() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('r'));
    assert_eq!(h.app.state.message.as_ref().unwrap().1, "planning…");
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    assert!(
        h.app.state.message.is_none(),
        "the planning message cleared: {:?}",
        h.app.state.message
    );
    h.key(KeyCode::Esc);

    let long = format!(
        "status lookup failed: {} and the real cause at the very end",
        "a long error ".repeat(12)
    );
    h.app.update(Action::Notify(Level::Error, long.clone()));
    let screen = screen_at(&mut h, 80, 24);
    let status_line = screen.lines().nth(23).unwrap();
    assert!(status_line.contains("…"), "{status_line}");
    assert!(status_line.contains("L shows all"), "{status_line}");
    h.key(KeyCode::Char('L'));
    assert_eq!(h.app.state.popup, Some(Popup::Messages));
    let screen = screen_at(&mut h, 120, 40);
    let flat: String = screen
        .lines()
        .map(|l| {
            l.trim_matches(|c| c == '│' || c == ' ')
                .split("ERROR ")
                .last()
                .unwrap_or("")
                .trim()
                .to_string()
                + " "
        })
        .collect();
    assert!(
        flat.contains("the real cause at the very end"),
        "the log shows it whole:\n{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vector_check_and_a_write_update_the_list_at_once() {
    let mut h = harness(true, Some(UID)).await;
    while h.app.state.selected().unwrap().1.discarded {
        h.key(KeyCode::Char('j'));
    }
    let (i, _) = h.app.state.selected().unwrap();
    assert_eq!(h.app.state.statuses[i], EmbeddingStatus::Present);
    h.key(KeyCode::Char('c'));
    h.wait_until(|app| !app.state.vector_running).await;
    assert_eq!(
        h.app.state.statuses[i],
        EmbeddingStatus::Fresh,
        "the verdict shows in the list without F5"
    );
    assert!(
        h.app.state.message.is_none(),
        "the checking message cleared"
    );
    h.key(KeyCode::Esc);

    // A write: the one-memory job is a message, not a modal, and the memory is fresh.
    let mut h = harness(false, Some(UID)).await;
    while h.app.state.selected().unwrap().1.discarded {
        h.key(KeyCode::Char('j'));
    }
    let (i, _) = h.app.state.selected().unwrap();
    h.key(KeyCode::Char('r'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.state.popup, None, "no job window for one memory");
    h.settle().await;
    assert_eq!(h.app.state.popup, None);
    let (_, msg) = h.app.state.message.clone().unwrap();
    assert!(msg.contains("reprocessed 1 memory"), "{msg}");
    assert_eq!(
        h.app.state.statuses[i],
        EmbeddingStatus::Fresh,
        "written and verified: fresh, also after the lookup that follows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_missing_some_ids_looks_up_just_those() {
    let h = harness(true, Some(UID)).await;
    // A second session on the same data dir, with one memory the cache has never seen.
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let state = State::new(
        h.app.state.setup.clone(),
        memlens::tui::keymap::Keymap::default(),
        memlens::tui::theme::Theme::monochrome(),
        memlens::omi::text::TextFormat::CURRENT,
    );
    let mut app = App::new(state, h.app.services.clone(), tx);
    let demo = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let mut export = memlens::tui::loader::load_blocking(&demo, &mut |_, _| {}).unwrap();
    let live = export.memories.iter().position(|m| !m.discarded).unwrap();
    let mut extra = export.memories[live].clone();
    extra.id = "brand-new-memory".into();
    export.memories.push(extra);
    let n = export.memories.len();
    app.update(Action::ExportLoaded(Box::new(export)));
    for _ in 0..200 {
        while let Ok(a) = rx.try_recv() {
            app.update(a);
        }
        if !app.state.job_running() {
            break;
        }
        if let Ok(Some(a)) =
            tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv()).await
        {
            app.update(a);
        }
    }
    assert!(app.state.lookup.from_cache);
    assert_eq!(
        app.state.statuses[n - 1],
        EmbeddingStatus::Missing,
        "the id the cache lacked was looked up, not left unknown"
    );
    assert!(
        !app.state.statuses.contains(&EmbeddingStatus::Unknown),
        "nothing is left unknown"
    );
}

// ---- discoverable ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pane_keys_filter_arrows_copy_and_the_legend() {
    let mut h = harness(true, Some(UID)).await;
    // h/l and the arrows move between panes.
    h.key(KeyCode::Char('l'));
    assert_eq!(h.app.state.focus, Focus::Details);
    h.key(KeyCode::Char('h'));
    assert_eq!(h.app.state.focus, Focus::List);
    h.key(KeyCode::Right);
    assert_eq!(h.app.state.focus, Focus::Details);
    h.key(KeyCode::Left);
    assert_eq!(h.app.state.focus, Focus::List);

    // ↓/↑ while filtering move the selection and keep the filter open.
    h.key(KeyCode::Char('/'));
    h.type_text("a");
    let first = h.app.state.list.selected;
    h.key(KeyCode::Down);
    assert_eq!(h.app.state.list.selected, first + 1);
    assert!(h.app.state.filter_input.is_some());
    h.key(KeyCode::Up);
    assert_eq!(h.app.state.list.selected, first);
    h.key(KeyCode::Enter);

    // y copies the id (OSC 52 is written by the terminal loop; the log keeps the value).
    let id = h.app.state.selected().unwrap().1.id.clone();
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.state.popup, Some(Popup::Copy));
    assert!(h.screen().contains("vector id"));
    h.key(KeyCode::Char('i'));
    assert_eq!(h.app.state.clipboard.as_deref(), Some(id.as_str()));
    assert!(h.app.state.messages.iter().any(|m| m.text.contains(&id)));
    assert_eq!(
        memlens::tui::clipboard::osc52("ab"),
        "\u{1b}]52;c;YWI=\u{7}"
    );

    // The help explains every status.
    let help: String = view::help_lines(&h.app.state)
        .iter()
        .map(|l| l.to_string() + "\n")
        .collect();
    for s in EmbeddingStatus::ALL {
        assert!(
            help.contains(&format!("{} {}", s.glyph(), s.word())),
            "{s:?} in the legend"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_k_reruns_the_search_and_marks_clear_after_a_batch() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("spanish");
    h.key(KeyCode::Enter);
    h.settle().await;
    assert_eq!(h.app.state.search.results.as_ref().unwrap().hits.len(), 10);
    h.key(KeyCode::Char('+'));
    h.settle().await;
    assert_eq!(h.app.state.search.results.as_ref().unwrap().hits.len(), 11);
    h.key(KeyCode::Char('-'));
    h.key(KeyCode::Char('-'));
    h.settle().await;
    assert_eq!(h.app.state.search.results.as_ref().unwrap().hits.len(), 9);
    assert_eq!(h.app.state.right, RightPane::Search);

    // Marks used by a batch are cleared once it runs.
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char(' '));
    h.key(KeyCode::Char(' '));
    assert_eq!(h.app.state.list.marks.len(), 2);
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('m'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    h.settle().await;
    assert!(h.app.state.list.marks.is_empty(), "marks cleared");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_map_marks_categories_by_letter_without_colour() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('M'));
    h.wait_until(|app| app.state.map.is_some()).await;
    let screen = h.screen();
    // The harness theme is monochrome (as with NO_COLOR): letters carry the category.
    assert!(screen.contains("a work"), "{screen}");
    assert!(screen.contains("others"), "{screen}");
}
