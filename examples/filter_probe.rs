use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::omi::date::OmiDate;
use memlens::omi::text::TextFormat;
use memlens::omi::{Category, Memory, Structured};
use memlens::tui::action::Action;
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{Setup, State};
use memlens::tui::theme::Theme;
use std::time::Instant;
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

fn new_app(n: usize) -> (App, mpsc::UnboundedReceiver<Action>) {
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
        let export = LoadedExport::new(std::path::Path::new("bench.json"), "E3", memories(n));
        app.update(Action::ExportLoaded(Box::new(export)));
    }
    (app, rx)
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}
fn cpu() -> std::time::Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    std::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
fn main() {
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let (mut app, _rx) = new_app(n);
    for round in 0..3 {
        key(&mut app, KeyCode::Char('/'));
        for c in "dentist".chars() {
            let t = Instant::now();
            let c0 = cpu();
            key(&mut app, KeyCode::Char(c));
            println!(
                "round {round} key {c}: wall {:?} cpu {:?} -> {} rows",
                t.elapsed(),
                cpu() - c0,
                app.state.list.visible.len()
            );
        }
        let t = Instant::now();
        key(&mut app, KeyCode::Esc);
        println!("esc {:?}", t.elapsed());
    }
}
