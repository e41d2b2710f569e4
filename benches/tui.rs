//! TUI performance at scale: frame render time and filter time per keystroke with 100k
//! memories, and time to first frame while a large export loads in the background.
//!
//! `cargo bench --bench tui` (set `MEMLENS_BENCH_EXPORT=big.json` for the first-frame figure)

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::omi::date::OmiDate;
use memlens::omi::text::TextFormat;
use memlens::omi::{Category, Memory, Structured};
use memlens::tui::action::Action;
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{LoadState, Setup, State};
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

const WORDS: &[&str] = &[
    "dentist",
    "marathon",
    "budget",
    "kitchen",
    "spanish",
    "vet",
    "tax",
    "wedding",
    "guitar",
    "interview",
    "book",
    "japan",
    "sleep",
    "garden",
    "coffee",
    "meeting",
    "call",
    "plan",
    "review",
    "walk",
    "dinner",
    "project",
    "deadline",
    "trip",
    "doctor",
    "class",
];
const CATS: &[&str] = &[
    "health", "sports", "finance", "work", "family", "travel", "music",
];

fn memories(n: usize) -> Vec<Memory> {
    let mut rng = fastrand::Rng::with_seed(7);
    (0..n)
        .map(|i| {
            let title: Vec<&str> = (0..4).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
            let overview: Vec<&str> = (0..24).map(|_| WORDS[rng.usize(..WORDS.len())]).collect();
            Memory {
                id: format!("{:08x}-{:04x}-4000-8000-{:012x}", rng.u32(..), i % 65536, i),
                created_at: OmiDate::parse(&format!(
                    "2025-{:02}-{:02}T{:02}:00:00+00:00",
                    1 + i % 12,
                    1 + i % 28,
                    i % 24
                ))
                .ok(),
                structured: Structured {
                    title: title.join(" "),
                    overview: overview.join(" "),
                    emoji: "🧠".into(),
                    category: Category::from_value(CATS[i % CATS.len()]),
                    ..Structured::default()
                },
                ..Memory::default()
            }
        })
        .collect()
}

/// The demo export's memories repeated (with unique ids) up to `n`: realistic text.
fn demo_memories(n: usize) -> Vec<Memory> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let demo = memlens::omi::export::load_path(&path)
        .expect("demo export")
        .memories;
    (0..n)
        .map(|i| {
            let mut m = demo[i % demo.len()].clone();
            m.id = format!("{}-{}", m.id, i / demo.len());
            m
        })
        .collect()
}

fn new_app(n: usize) -> (App, mpsc::UnboundedReceiver<Action>) {
    app_with(memories(n))
}

fn app_with(memories: Vec<Memory>) -> (App, mpsc::UnboundedReceiver<Action>) {
    let n = memories.len();
    let (tx, rx) = mpsc::unbounded_channel();
    let setup = Setup {
        uid: None,
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
    let mut state = State::new(
        setup,
        Keymap::default(),
        Theme::colored(),
        TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let mut app = App::new(state, Services::default(), tx);
    if n > 0 {
        let export = LoadedExport::new(std::path::Path::new("bench.json"), "E3", memories);
        app.update(Action::ExportLoaded(Box::new(export)));
    }
    (app, rx)
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Typing a query one key at a time on 100k realistic memories (the demo export
/// repeated), then Esc. Time per keystroke = this / (keys + 1).
fn bench_realistic(c: &mut Criterion) {
    let (mut app, _rx) = app_with(demo_memories(100_000));
    let mut group = c.benchmark_group("tui_100k_demo_text");
    group.sample_size(20);
    for query in ["dentist", "spanish lesson"] {
        group.bench_function(format!("type {query:?} then Esc"), |b| {
            b.iter(|| {
                key(&mut app, KeyCode::Char('/'));
                for c in query.chars() {
                    key(&mut app, KeyCode::Char(c));
                }
                key(&mut app, KeyCode::Esc);
            })
        });
    }
    group.finish();
}

/// Worst case: random titles and overviews drawn from a 26-word vocabulary, so nearly
/// every memory matches every prefix of the query.
fn bench(c: &mut Criterion) {
    let (mut app, _rx) = new_app(100_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();

    let mut group = c.benchmark_group("tui_100k_synthetic");
    group.sample_size(30);
    group.bench_function("render_frame_120x40", |b| {
        b.iter(|| {
            terminal
                .draw(|f| view::draw(f, black_box(&app.state)))
                .unwrap();
        })
    });
    group.bench_function("move_down_and_render", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('j'));
            terminal.draw(|f| view::draw(f, &app.state)).unwrap();
        })
    });
    // The first keystroke of a filter scans all 100k memories.
    group.bench_function("filter_first_keystroke_full_scan", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('/'));
            key(&mut app, KeyCode::Char('d'));
            key(&mut app, KeyCode::Esc);
        })
    });
    // Typing "dentist" one key at a time, then Esc (which restores the full list).
    group.bench_function("filter_type_7_keys_then_clear", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('/'));
            for c in "dentist".chars() {
                key(&mut app, KeyCode::Char(c));
            }
            key(&mut app, KeyCode::Esc);
        })
    });
    // What `/` + Esc alone cost (restoring and sorting 100k rows), to subtract.
    group.bench_function("baseline_open_and_clear_filter", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('/'));
            key(&mut app, KeyCode::Char('d'));
            key(&mut app, KeyCode::Backspace);
            key(&mut app, KeyCode::Esc);
        })
    });
    group.finish();
    first_frame_report();
}

/// Time to first frame while a large export loads: the app draws before the loader ends.
fn first_frame_report() {
    let Some(path) = std::env::var_os("MEMLENS_BENCH_EXPORT") else {
        eprintln!(
            "(set MEMLENS_BENCH_EXPORT=path/to/large-export.json to measure time to first frame)"
        );
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let started = Instant::now();
        let (mut app, mut rx) = new_app(0);
        app.state.load = LoadState::Loading { done: 0, total: 0 };
        memlens::tui::start_load(&app.sender(), path.clone().into());
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal.draw(|f| view::draw(f, &app.state)).unwrap();
        let first = started.elapsed();
        let mut loaded = None;
        while let Ok(Some(a)) = tokio::time::timeout(Duration::from_secs(120), rx.recv()).await {
            let done = matches!(a, Action::ExportLoaded(_) | Action::LoadFailed(_));
            app.update(a);
            if done {
                loaded = Some(started.elapsed());
                break;
            }
        }
        eprintln!("time to first frame: {first:?}; export fully loaded after {loaded:?}");
    });
}

criterion_group!(benches, bench_realistic, bench);
criterion_main!(benches);
