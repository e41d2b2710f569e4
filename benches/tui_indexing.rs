//! TUI frame time while the export indexes in the background (issue 23, "Speed and
//! scale": the TUI stays responsive, ≤ 16 ms per frame, while transcript chunks index).
//!
//! The real [`App`] on the demo export (`assets/demo-export.json`), the offline default's
//! engines (the built-in all-MiniLM-L6-v2, a local SQLite store in a temp dir), drawn on
//! ratatui's `TestBackend` at 120 × 40, driven on the thread that runs the runtime's
//! `block_on` (as `tui::run` drives `run_app`, on a 2-worker runtime) the way the draw
//! loop does: a frame is one turn of the loop that has something to do — a key (one
//! every [`KEY_EVERY`], from a script of list moves, the details pane with its transcript
//! expanded and scrolled, a typed filter and a hybrid search), a background Action (indexing progress,
//! the filter worker's rows, the full-text index) or the 100 ms tick — handled with every
//! Action already waiting (the loop's coalescing), then drawn. Each frame is timed (wall
//! clock, and the UI thread's own CPU time, which leaves out waiting for a core).
//!
//! Phases, in one run:
//!
//! 1. **baseline**: an app with the auto-index off (its full-text index built first);
//! 2. **indexing**: a second app, on an empty data dir, with the auto-index on (the
//!    offline default): its frames while `ns1` indexes (plan, embed, write) and then
//!    while `ns_tchunks` indexes (the chunk phase, the case), for at most
//!    `MEMLENS_BENCH_CHUNK_SECS` seconds of the chunk phase (default: until it ends; the
//!    run is then stopped as a quit stops it);
//! 3. **baseline again**: the second app once indexing has ended (the load may have
//!    changed during the run; the two baselines bracket it).
//!
//! Run: `MEMLENS_BENCH_REPORT_ONLY=1 cargo bench --bench tui_indexing` (prints median /
//! p95 / p99 / max per phase; without the variable criterion then also times one idle
//! frame). `MEMLENS_BENCH_BASELINE_SECS` sets each baseline's length (default 20).

#[path = "support/timing.rs"]
mod timing;
#[path = "../tests/it/support/tui.rs"]
mod tui_support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::embed::Embedder;
use memlens::embed::minilm::MiniLmEmbedder;
use memlens::store::VectorStore;
use memlens::store::local::LocalStore;
use memlens::tui::action::Action;
use memlens::tui::app::App;
use memlens::tui::loader::load_blocking;
use memlens::tui::state::FullTextState;
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use timing::{ms_at, thread_cpu};
use tokio::sync::mpsc::UnboundedReceiver;
use tui_support::UID;

/// One key this often (a fast typist, or a held key's auto-repeat).
const KEY_EVERY: Duration = Duration::from_millis(30);
/// The draw loop's tick.
const TICK: Duration = Duration::from_millis(100);
/// The target.
const TARGET: Duration = Duration::from_millis(16);

/// The keys, repeated (95, one cycle every ~3 s): down the list, into the details pane,
/// the transcript expanded and scrolled, back, a filter typed and cleared, up the list, a
/// search typed and run, its hits walked.
fn script() -> Vec<KeyCode> {
    use KeyCode::*;
    let mut keys = vec![Char('j'); 10];
    keys.push(Tab);
    keys.push(Char('t'));
    keys.extend([Char('j'); 8]);
    keys.push(Char('t'));
    keys.push(BackTab);
    keys.push(Char('/'));
    keys.extend("dentist".chars().map(Char));
    keys.push(Esc);
    keys.extend([Char('k'); 5]);
    // A search (it runs in the background: the query is embedded beside the indexer),
    // its hits walked, back to the list.
    keys.push(Char('s'));
    keys.extend([Backspace; 30]);
    keys.extend("when is the deposit due".chars().map(Char));
    keys.push(Enter);
    keys.extend([Char('j'), Char('j'), Char('k'), Char('h')]);
    keys
}

fn env_secs(name: &str, default: Option<u64>) -> Option<Duration> {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .or(default)
        .map(Duration::from_secs)
}

fn load_avg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

struct Driver {
    app: App,
    rx: UnboundedReceiver<Action>,
    terminal: Terminal<TestBackend>,
    keys: Vec<KeyCode>,
    next_key: usize,
    /// Searches answered (to check the script's searches ran).
    searches: usize,
    _dir: tempfile::TempDir,
}

/// Context switches of this thread so far: `(voluntary, involuntary)`. A voluntary one
/// is the thread blocking (a lock, I/O, a channel); an involuntary one is the kernel
/// taking its core for another thread.
fn switches() -> (i64, i64) {
    // SAFETY: an all-zero rusage is valid; getrusage writes into it.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `ru` is a valid rusage to write into.
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    (ru.ru_nvcsw, ru.ru_nivcsw)
}

/// What an Action is, for the report.
fn kind(a: &Action) -> &'static str {
    match a {
        Action::Key(_) => "Key",
        Action::Tick => "Tick",
        Action::SearchDone { .. } => "SearchDone",
        Action::StatusProgress { .. } => "StatusProgress",
        Action::StatusLoaded { .. } => "StatusLoaded",
        Action::FullTextProgress { .. } => "FullTextProgress",
        Action::FullTextReady { .. } => "FullTextReady",
        Action::IndexPlanned { .. } => "IndexPlanned",
        Action::IndexProgress(_) => "IndexProgress",
        Action::IndexDone(_) => "IndexDone",
        Action::ChunkIndexPlanned { .. } => "ChunkIndexPlanned",
        Action::ChunkIndexProgress { .. } => "ChunkIndexProgress",
        Action::ChunkIndexDone(_) => "ChunkIndexDone",
        _ => "other",
    }
}

/// One frame's cost.
#[derive(Clone)]
struct Frame {
    /// The Actions it handled.
    kinds: Vec<&'static str>,
    wall: Duration,
    cpu: Duration,
    /// Times the UI thread blocked / was preempted during the frame.
    blocked: i64,
    preempted: i64,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    Idle,
    Ns1,
    Chunks,
}

fn phase(app: &App) -> Phase {
    let ix = &app.state.indexing;
    if ix.preparing || ix.running {
        Phase::Ns1
    } else if ix.chunks.busy() {
        Phase::Chunks
    } else {
        Phase::Idle
    }
}

async fn driver(embedder: Arc<dyn Embedder>, auto_index: bool) -> Driver {
    let dir = tempfile::tempdir().expect("temp dir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let export = load_blocking(&demo, &mut |_, _| {}).expect("demo export loads");
    let store: Arc<dyn VectorStore> =
        Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).expect("store"));
    // The App as the headless TUI tests make it (its set-up from these engines, 120 × 40),
    // in the default colour theme.
    let (mut app, rx) =
        tui_support::app_on(export, embedder, store, dir.path(), Some(UID), auto_index);
    app.state.theme = Theme::colored();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    terminal
        .draw(|f| view::draw(f, &app.state))
        .expect("first frame");
    Driver {
        app,
        rx,
        terminal,
        keys: script(),
        next_key: 0,
        searches: 0,
        _dir: dir,
    }
}

impl Driver {
    /// Apply `first` and every Action already waiting, then draw: one turn of the loop.
    fn frame(&mut self, first: Action) -> Frame {
        let (t, cpu, sw) = (Instant::now(), thread_cpu(), switches());
        let mut kinds = vec![kind(&first)];
        let mut dirty = self.app.update(first);
        while let Ok(a) = self.rx.try_recv() {
            kinds.push(kind(&a));
            dirty |= self.app.update(a);
        }
        if dirty {
            self.terminal
                .draw(|f| view::draw(f, &self.app.state))
                .expect("draws");
        }
        let (wall, cpu, now) = (t.elapsed(), thread_cpu().saturating_sub(cpu), switches());
        self.searches += kinds.iter().filter(|k| **k == "SearchDone").count();
        Frame {
            kinds,
            wall,
            cpu,
            blocked: now.0 - sw.0,
            preempted: now.1 - sw.1,
        }
    }

    fn next_key(&mut self) -> Action {
        let code = self.keys[self.next_key % self.keys.len()];
        self.next_key += 1;
        Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// Run the loop, unrecorded, until `stop` holds or `limit` passes.
    async fn wait(&mut self, limit: Duration, stop: impl FnMut(&App) -> bool) {
        self.run(Some(limit), stop, |_, _| {}).await
    }

    /// Run the loop until `stop` holds or `limit` passes; every frame goes to the phase
    /// the app was in when it started.
    async fn run(
        &mut self,
        limit: Option<Duration>,
        mut stop: impl FnMut(&App) -> bool,
        mut record: impl FnMut(Phase, Frame),
    ) {
        let started = tokio::time::Instant::now();
        let mut key_at = started + KEY_EVERY;
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        while !stop(&self.app) {
            if limit.is_some_and(|l| started.elapsed() >= l) {
                return;
            }
            let action = tokio::select! {
                _ = tokio::time::sleep_until(key_at) => {
                    key_at = tokio::time::Instant::now() + KEY_EVERY;
                    self.next_key()
                }
                Some(a) = self.rx.recv() => a,
                _ = ticker.tick() => Action::Tick,
            };
            let p = phase(&self.app);
            let f = self.frame(action);
            record(p, f);
        }
    }
}

struct Stats {
    wall: Vec<Duration>,
    cpu: Vec<Duration>,
    /// Frames over the target.
    slow: Vec<Frame>,
    /// The frames that took the most CPU time.
    costliest: Vec<Frame>,
}

impl Stats {
    fn new() -> Self {
        Stats {
            wall: Vec::new(),
            cpu: Vec::new(),
            slow: Vec::new(),
            costliest: Vec::new(),
        }
    }
    fn push(&mut self, f: Frame) {
        self.wall.push(f.wall);
        self.cpu.push(f.cpu);
        if f.wall > TARGET {
            self.slow.push(f.clone());
        }
        self.costliest.push(f);
        self.costliest.sort_by_key(|f| std::cmp::Reverse(f.cpu));
        self.costliest.truncate(3);
    }
    fn line(&self, label: &str, secs: f64, load: &str) -> String {
        if self.wall.is_empty() {
            return format!("  {label:<34} no frames");
        }
        let over = self.slow.len();
        let mut s = format!(
            "  {label:<34} {:>6} frames in {secs:>5.1} s  wall {}  | CPU {}  | > 16 ms: {over} ({:.2} %)  load {load}",
            self.wall.len(),
            pct(&self.wall),
            pct(&self.cpu),
            100.0 * over as f64 / self.wall.len() as f64,
        );
        let costliest = self.costliest.iter().map(|f| ("most CPU", f));
        for (what, f) in self.slow.iter().map(|f| ("over 16 ms", f)).chain(costliest) {
            s += &format!(
                "\n    {what}: wall {:.3} ms, CPU {:.3} ms, blocked {} times, preempted {} times; {}",
                f.wall.as_secs_f64() * 1e3,
                f.cpu.as_secs_f64() * 1e3,
                f.blocked,
                f.preempted,
                f.kinds.join(" ")
            );
        }
        s
    }
}

/// median / p95 / p99 / max in ms.
fn pct(v: &[Duration]) -> String {
    let mut v = v.to_vec();
    v.sort();
    let at = |p| ms_at(&v, p);
    format!(
        "{:.3} / {:.3} / {:.3} / {:.3} ms",
        at(0.5),
        at(0.95),
        at(0.99),
        at(1.0)
    )
}

async fn report(embedder: Arc<dyn Embedder>) {
    let baseline = env_secs("MEMLENS_BENCH_BASELINE_SECS", Some(20));
    let chunk_limit = env_secs("MEMLENS_BENCH_CHUNK_SECS", None);

    // 1. Baseline: no indexing (the full-text index is built first, as in phase 2 it is
    //    built during the ns1 phase).
    let mut idle = driver(Arc::clone(&embedder), false).await;
    idle.wait(Duration::from_secs(30), |app| {
        matches!(app.state.fulltext, FullTextState::Ready { .. })
    })
    .await;
    let mut before = Stats::new();
    let t = Instant::now();
    idle.run(baseline, |_| false, |_, f| before.push(f)).await;
    let (before_s, before_load) = (t.elapsed().as_secs_f64(), load_avg());
    drop(idle);

    // 2. Indexing from an empty data dir.
    let load_start = load_avg();
    let mut d = driver(Arc::clone(&embedder), true).await;
    assert!(d.app.state.indexing.busy(), "the auto-index starts on open");
    let (mut ns1, mut chunks) = (Stats::new(), Stats::new());
    let t = Instant::now();
    let mut chunk_started: Option<Instant> = None;
    let mut ns1_s = 0.0;
    d.run(
        None,
        |app| {
            let p = phase(app);
            if p == Phase::Chunks && chunk_started.is_none() {
                chunk_started = Some(Instant::now());
                ns1_s = t.elapsed().as_secs_f64();
            }
            p == Phase::Idle
                || chunk_limit
                    .zip(chunk_started)
                    .is_some_and(|(l, s)| s.elapsed() >= l)
        },
        |p, f| match p {
            Phase::Ns1 => ns1.push(f),
            Phase::Chunks => chunks.push(f),
            Phase::Idle => {}
        },
    )
    .await;
    let chunks_s = chunk_started.map_or(0.0, |s| s.elapsed().as_secs_f64());
    let load_end = load_avg();
    let ix = &d.app.state.indexing;
    let (indexed, embeddable) = (ix.indexed(), ix.embeddable);
    let (chunks_indexed, chunks_total) = (ix.chunks.indexed(), ix.chunks.total);
    let stopped = d.app.jobs_running();
    if stopped {
        // As a quit does: the run stops after the batch in flight.
        d.app.stop_jobs();
        d.wait(Duration::from_secs(120), |app| !app.jobs_running())
            .await;
    }

    // 3. Baseline again, the same app, nothing indexing.
    let mut after = Stats::new();
    let t = Instant::now();
    d.run(baseline, |_| false, |_, f| after.push(f)).await;
    let (after_s, after_load) = (t.elapsed().as_secs_f64(), load_avg());

    println!(
        "tui_indexing: demo export, 120x40 TestBackend, a key every {} ms + progress Actions + \
         the {} ms tick; per frame (handle + draw) median / p95 / p99 / max:",
        KEY_EVERY.as_millis(),
        TICK.as_millis()
    );
    println!(
        "{}",
        before.line("baseline, no indexing", before_s, &before_load)
    );
    println!(
        "{}",
        ns1.line(
            &format!("indexing ns1 ({indexed}/{embeddable})"),
            ns1_s,
            &load_start
        )
    );
    println!(
        "{}",
        chunks.line(
            &format!(
                "indexing ns_tchunks ({chunks_indexed}/{chunks_total}{})",
                if stopped { ", stopped" } else { "" }
            ),
            chunks_s,
            &load_end
        )
    );
    println!(
        "{}",
        after.line("baseline again, indexing over", after_s, &after_load)
    );
    println!(
        "  ns_tchunks indexed at {:.1} chunks/s while the UI ran; {} searches answered, {} keys",
        (chunks_indexed as f64) / chunks_s.max(1e-9),
        d.searches,
        d.next_key
    );
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let embedder: Arc<dyn Embedder> = Arc::new(MiniLmEmbedder::new().expect("model loads"));
    rt.block_on(report(Arc::clone(&embedder)));
    if std::env::var_os("MEMLENS_BENCH_REPORT_ONLY").is_some() {
        return;
    }
    let _runtime = rt.enter();
    let mut d = rt.block_on(driver(embedder, false));
    c.bench_function("tui_indexing/idle frame (a key + draw)", |b| {
        b.iter(|| {
            let key = d.next_key();
            d.frame(key)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
