//! Frame time with long content: one memory whose transcript has 30,000 segments,
//! expanded in the details pane. Only the visible window is laid out and the wrapped
//! transcript is cached, so a frame costs the same at the top, in the middle and at the
//! end (target: <= 2 ms per frame).
//!
//! `cargo bench --bench tui_long`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::omi::model::TranscriptSegment;
use memlens::omi::text::TextFormat;
use memlens::tui::action::Action;
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{Setup, State};
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SEGMENTS: usize = 30_000;

fn app() -> (App, tokio::sync::mpsc::UnboundedReceiver<Action>) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let mut memory = memlens::omi::export::load_path(&path)
        .expect("demo export")
        .memories
        .remove(0);
    let words = [
        "so", "we", "talked", "about", "the", "budget", "and", "then", "the", "trip", "to",
        "lisbon", "next", "spring", "with", "everyone",
    ];
    memory.transcript = (0..SEGMENTS)
        .map(|k| TranscriptSegment {
            text: (0..24)
                .map(|w| words[(k * 7 + w) % words.len()])
                .collect::<Vec<_>>()
                .join(" "),
            speaker: Some(format!("SPEAKER_{:02}", k % 3)),
            is_user: k % 3 == 0,
            start: k as f64 * 4.0,
            end: k as f64 * 4.0 + 3.5,
            ..TranscriptSegment::default()
        })
        .collect();
    let setup = Setup {
        uid: Some("bench-uid".into()),
        uid_source: String::new(),
        namespace: "ns1".into(),
        store_target: "local bench".into(),
        store_is_remote: false,
        embedder_label: "bench".into(),
        embedder_model: "bench".into(),
        embedder_dimension: 128,
        read_only: false,
        data_dir: std::env::temp_dir(),
        created_at_policy: memlens::config::CreatedAtPolicy::Memory,
        auto_index: false,
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut state = State::new(
        setup,
        Keymap::default(),
        Theme::colored(),
        TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let mut app = App::new(state, Services::default(), tx);
    let export = LoadedExport::new(std::path::Path::new("long.json"), "E3", vec![memory]);
    app.update(Action::ExportLoaded(Box::new(export)));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char('t'));
    (app, rx)
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn bench(c: &mut Criterion) {
    let (mut app, _rx) = app();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    // First frame wraps the transcript once (then it is cached).
    terminal.draw(|f| view::draw(f, &app.state)).unwrap();
    let mut group = c.benchmark_group("tui_long_transcript_30000_segments");
    group.sample_size(50);
    group.bench_function("frame_at_top", |b| {
        b.iter(|| {
            terminal
                .draw(|f| view::draw(f, black_box(&app.state)))
                .unwrap();
        })
    });
    group.bench_function("key_j_and_frame", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('j'));
            terminal.draw(|f| view::draw(f, &app.state)).unwrap();
        })
    });
    key(&mut app, KeyCode::End);
    group.bench_function("frame_at_end", |b| {
        b.iter(|| {
            terminal
                .draw(|f| view::draw(f, black_box(&app.state)))
                .unwrap();
        })
    });
    // Baseline: the same screen with the transcript collapsed (what a frame costs anyway).
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Char('t'));
    group.bench_function("baseline_frame_transcript_collapsed", |b| {
        b.iter(|| {
            terminal
                .draw(|f| view::draw(f, black_box(&app.state)))
                .unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
