//! A headless TUI harness on real engines: the demo export, the built-in embedder and
//! a local SQLite store in a temp dir (optionally filled with every memory's vector),
//! driven by key events, with background Actions applied until the app is idle.

#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::omi::conventions;
use memlens::omi::text::{TextFormat, render};
use memlens::store::local::LocalStore;
use memlens::store::{Record, VectorStore};
use memlens::tui::action::Action;
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::{LoadedExport, load_blocking};
use memlens::tui::state::{FullTextState, Setup, State};
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc::UnboundedReceiver;

pub const UID: &str = "demo-sam-rivera";

/// True when Omi would embed `m` (the engine's one rule, with this harness's uid).
pub fn embeddable(m: &memlens::omi::Memory) -> bool {
    memlens::omi::policy::check(m, Some(UID), Default::default()).is_embeddable()
}

pub struct Harness {
    pub app: App,
    pub rx: UnboundedReceiver<Action>,
    pub dir: tempfile::TempDir,
}

/// A harness on the demo export; `fill_store` upserts every live memory's vector.
pub async fn harness(fill_store: bool, uid: Option<&str>) -> Harness {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    harness_on(&demo, fill_store, uid, Vec::new()).await
}

/// A harness on any export file; `seed` records are upserted into `ns1` first.
pub async fn harness_on(
    export_path: &Path,
    fill_store: bool,
    uid: Option<&str>,
    seed: Vec<Record>,
) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let export = load_blocking(export_path, &mut |_, _| {}).unwrap();
    let embedder = Arc::new(BuiltinEmbedder::new().unwrap());
    let store = Arc::new(LocalStore::open(&dir.path().join("store.db")).unwrap());
    if !seed.is_empty() {
        store.upsert("ns1", seed).await.unwrap();
    }
    if fill_store {
        let live: Vec<_> = export.memories.iter().filter(|m| embeddable(m)).collect();
        let texts: Vec<String> = live
            .iter()
            .map(|m| render(&m.structured, TextFormat::CURRENT))
            .collect();
        let vectors = embedder.embed(&texts).await.unwrap();
        let records = live
            .iter()
            .zip(vectors)
            .map(|(m, values)| Record {
                id: conventions::vector_id(UID, &m.id),
                values,
                metadata: conventions::memory_metadata(
                    UID,
                    &m.id,
                    m.created_at.as_ref().map(|d| d.timestamp()).unwrap_or(0),
                ),
            })
            .collect();
        store.upsert("ns1", records).await.unwrap();
    }
    let (app, rx) = app_on(export, embedder, store, dir.path(), uid, false);
    let mut h = Harness { app, rx, dir };
    h.settle().await;
    h.fulltext_ready().await;
    h
}

/// An App as the TUI's start-up makes one on the local store: the set-up from these
/// engines and `data_dir`, monochrome, 120 × 40; `export` is loaded (which starts its
/// full-text index and, with `auto_index`, the background indexing of `ns1` and the
/// transcript chunks). Also used by `benches/tui_indexing.rs`.
pub fn app_on(
    export: LoadedExport,
    embedder: Arc<dyn Embedder>,
    store: Arc<dyn VectorStore>,
    data_dir: &Path,
    uid: Option<&str>,
    auto_index: bool,
) -> (App, UnboundedReceiver<Action>) {
    let setup = Setup {
        uid: uid.map(str::to_string),
        uid_source: "test".into(),
        namespace: "ns1".into(),
        store_target: store.target(),
        store_is_remote: false,
        embedder_label: embedder.label(),
        embedder_model: embedder.model_id().into(),
        embedder_dimension: embedder.dimension(),
        read_only: false,
        data_dir: data_dir.to_path_buf(),
        created_at_policy: memlens::config::CreatedAtPolicy::Memory,
        auto_index,
    };
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let mut state = State::new(
        setup,
        Keymap::default(),
        Theme::monochrome(),
        TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let services = Services {
        store: Some(store),
        embedder: Some(embedder),
    };
    let mut app = App::new(state, services, tx);
    app.update(Action::ExportLoaded(Box::new(export)));
    (app, rx)
}

impl Harness {
    pub fn key(&mut self, code: KeyCode) {
        self.app
            .update(Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }

    pub fn type_text(&mut self, s: &str) {
        for c in s.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    /// Apply background Actions until the full-text index is open (or failed).
    pub async fn fulltext_ready(&mut self) {
        self.wait_until(|app| {
            matches!(
                app.state.fulltext,
                FullTextState::Ready { .. } | FullTextState::Failed(_)
            )
        })
        .await;
    }

    /// Apply background results until nothing is running.
    pub async fn settle(&mut self) {
        for _ in 0..200 {
            while let Ok(a) = self.rx.try_recv() {
                self.app.update(a);
            }
            if !self.app.state.job_running() && !self.app.state.list.is_filtering() {
                return;
            }
            if let Ok(Some(a)) = tokio::time::timeout(Duration::from_secs(10), self.rx.recv()).await
            {
                self.app.update(a);
            }
        }
        panic!("background work did not finish");
    }

    /// Apply background Actions until `done` holds (bounded).
    pub async fn wait_until(&mut self, done: impl Fn(&App) -> bool) {
        for _ in 0..100 {
            if done(&self.app) {
                return;
            }
            if let Ok(Some(a)) =
                tokio::time::timeout(Duration::from_millis(100), self.rx.recv()).await
            {
                self.app.update(a);
            }
        }
        panic!("the app never reached the awaited state");
    }

    pub fn screen(&self) -> String {
        self.screen_at(120, 40)
    }

    /// The screen drawn at `w` × `h` (the state's size is not changed).
    pub fn screen_at(&self, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal.draw(|f| view::draw(f, &self.app.state)).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..h)
            .map(|y| {
                let line: String = (0..w)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect();
                line.trim_end().to_string() + "\n"
            })
            .collect()
    }
}

/// The screen at `w` × `rows` for a snapshot: the temp dir (store path) redacted, and
/// the conversations' lookup time (cut at 80 columns).
pub fn redacted(h: &Harness, w: u16, rows: u16) -> String {
    let dir = h.dir.path().display().to_string();
    let base = h
        .dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    h.screen_at(w, rows)
        .replace(&dir, "[tmp]")
        .replace(&base, "[tmp]")
        .lines()
        .map(|l| match (l.find("│ local "), l.find("looked up ")) {
            // At 80 columns the store path is cut anywhere: keep only its start.
            (Some(i), _) if !l.contains("[tmp]") => format!("{}│ local [tmp]…", &l[..i]),
            (_, Some(i)) => format!("{}looked up [time]", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
