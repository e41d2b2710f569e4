//! TUI performance at scale: frame render time and the list filter with 100k memories
//! (the keystroke itself, which never scans, and the time until the worker's result is
//! shown), and time to first frame while a large export loads in the background.
//!
//! `cargo bench --bench tui` (set `MEMLENS_BENCH_EXPORT=big.json` for the first-frame
//! figure; `MEMLENS_BENCH_REPORT_ONLY=1` prints the keystroke report and skips criterion)

#[path = "support/timing.rs"]
mod timing;

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
use timing::{ms_at, thread_cpu};
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

/// Time one key press (the handler only: what the UI thread spends).
fn timed_key(app: &mut App, code: KeyCode) -> Duration {
    let t = Instant::now();
    key(app, code);
    t.elapsed()
}

/// Apply the filter worker's results until the list shows the newest query's rows.
fn wait_for_filter(app: &mut App, rx: &mut mpsc::UnboundedReceiver<Action>) {
    while app.state.list.is_filtering() {
        let a = rx.blocking_recv().expect("the filter worker reports back");
        app.update(a);
    }
    while let Ok(a) = rx.try_recv() {
        app.update(a);
    }
}

/// Press a key and wait until its filter result is shown: the old synchronous cost.
fn key_until_shown(
    app: &mut App,
    rx: &mut mpsc::UnboundedReceiver<Action>,
    code: KeyCode,
) -> Duration {
    let t = Instant::now();
    key(app, code);
    wait_for_filter(app, rx);
    t.elapsed()
}

fn stats(mut v: Vec<Duration>) -> String {
    v.sort();
    format!(
        "median {:.3} ms, p95 {:.3} ms, max {:.3} ms over {} keys",
        ms_at(&v, 0.5),
        ms_at(&v, 0.95),
        ms_at(&v, 1.0),
        v.len()
    )
}

/// Per keystroke, typing `query` fast (no wait between keys) and typing it waiting for
/// each result: the handler's time, and the time until the result is shown.
fn keystroke_report(label: &str, app: &mut App, rx: &mut mpsc::UnboundedReceiver<Action>) {
    for query in ["dentist", "spanish lesson"] {
        let (mut fast, mut settled, mut shown) = (Vec::new(), Vec::new(), Vec::new());
        let mut cpu = Vec::new();
        for _ in 0..20 {
            key(app, KeyCode::Char('/'));
            for c in query.chars() {
                let before = thread_cpu();
                fast.push(timed_key(app, KeyCode::Char(c)));
                cpu.push(thread_cpu().saturating_sub(before));
            }
            wait_for_filter(app, rx);
            key(app, KeyCode::Esc);
            wait_for_filter(app, rx);
            key(app, KeyCode::Char('/'));
            for c in query.chars() {
                let t = Instant::now();
                key(app, KeyCode::Char(c));
                settled.push(t.elapsed());
                wait_for_filter(app, rx);
                shown.push(t.elapsed());
            }
            key(app, KeyCode::Esc);
            wait_for_filter(app, rx);
        }
        println!(
            "tui filter, {label}, typing {query:?}:\n  \
             key handler, typing fast:            {}\n  \
             its CPU time (no waiting for a core): {}\n  \
             key handler, one key at a time:      {}\n  \
             key until its rows are shown:        {}",
            stats(fast),
            stats(cpu),
            stats(settled),
            stats(shown),
        );
    }
}

/// Typing a query one key at a time on 100k realistic memories (the demo export
/// repeated), then Esc. Time per keystroke = this / (keys + 1).
fn bench_realistic(c: &mut Criterion) {
    let (mut app, mut rx) = app_with(demo_memories(100_000));
    keystroke_report("100k demo text", &mut app, &mut rx);
    if report_only() {
        return;
    }
    let mut group = c.benchmark_group("tui_100k_demo_text");
    group.sample_size(20);
    for query in ["dentist", "spanish lesson"] {
        group.bench_function(format!("type {query:?} then Esc, each result shown"), |b| {
            b.iter(|| {
                key(&mut app, KeyCode::Char('/'));
                for c in query.chars() {
                    key_until_shown(&mut app, &mut rx, KeyCode::Char(c));
                }
                key(&mut app, KeyCode::Esc);
                wait_for_filter(&mut app, &mut rx);
            })
        });
    }
    group.finish();
}

fn report_only() -> bool {
    std::env::var_os("MEMLENS_BENCH_REPORT_ONLY").is_some()
}

/// Worst case: random titles and overviews drawn from a 26-word vocabulary, so nearly
/// every memory matches every prefix of the query.
fn bench(c: &mut Criterion) {
    let (mut app, mut rx) = new_app(100_000);
    keystroke_report("100k worst case", &mut app, &mut rx);
    if report_only() {
        return;
    }
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
    // The first keystroke of a filter scans all 100k memories (on the worker): the
    // time until its rows are shown.
    group.bench_function("filter_first_keystroke_full_scan_until_shown", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('/'));
            key_until_shown(&mut app, &mut rx, KeyCode::Char('d'));
            key(&mut app, KeyCode::Esc);
            wait_for_filter(&mut app, &mut rx);
        })
    });
    // Typing "dentist" one key at a time, each result shown, then Esc.
    group.bench_function("filter_type_7_keys_each_shown_then_clear", |b| {
        b.iter(|| {
            key(&mut app, KeyCode::Char('/'));
            for c in "dentist".chars() {
                key_until_shown(&mut app, &mut rx, KeyCode::Char(c));
            }
            key(&mut app, KeyCode::Esc);
            wait_for_filter(&mut app, &mut rx);
        })
    });
    // The UI thread's share of the same: the key handler alone, typing fast.
    group.bench_function("filter_type_7_keys_handler_only", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                total += timed_key(&mut app, KeyCode::Char('/'));
                for c in "dentist".chars() {
                    total += timed_key(&mut app, KeyCode::Char(c));
                }
                total += timed_key(&mut app, KeyCode::Esc);
                wait_for_filter(&mut app, &mut rx);
            }
            total
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
