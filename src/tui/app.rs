//! The update half of the app: applies an [`Action`] to the [`State`] and starts
//! background work. Nothing here awaits: slow work runs in spawned tasks that report back
//! through the action channel.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, MouseEvent, MouseEventKind};
use tokio::sync::mpsc::UnboundedSender;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use crate::embed::Embedder;
use crate::omi::text::TextFormat;
use crate::store::VectorStore;
use crate::sync::EmbeddingStatus;
use crate::sync::journal::Journal;
use crate::sync::reprocess::{CancelFlag, Plan, ReprocessConfig, Reprocessor, Selection};
use crate::sync::search::{self as search_engine, SearchRequest, SearchTarget};
use crate::sync::status::{self, StatusCache};
use crate::tui::action::{Action, Command, Level};
use crate::tui::jobs::{BatchScope, RunningJob};
use crate::tui::keymap::KeyOutcome;
use crate::tui::search::SearchField;
use crate::tui::state::{Focus, LoadState, Popup, RightPane, State};
use crate::tui::view;

/// What a reprocess job does: run a confirmed plan, or resume an unfinished run.
enum JobWork {
    Run(Box<Plan>),
    Resume(String, Vec<crate::omi::Memory>),
}

/// The backends the app talks to (real ones, or fakes in tests).
#[derive(Clone, Default)]
pub struct Services {
    pub store: Option<Arc<dyn VectorStore>>,
    pub embedder: Option<Arc<dyn Embedder>>,
}

/// State plus the means to start background work.
pub struct App {
    pub state: State,
    pub services: Services,
    tx: UnboundedSender<Action>,
    search_task: Option<tokio::task::AbortHandle>,
    /// The reprocess journal, opened on first use.
    journal: Option<Arc<Journal>>,
}

/// Spawn `fut`; if it panics, report an error Action instead of taking the app down.
pub fn spawn_reporting<F>(
    tx: &UnboundedSender<Action>,
    what: &'static str,
    fut: F,
) -> tokio::task::AbortHandle
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let handle = tokio::spawn(fut);
    let abort = handle.abort_handle();
    let tx = tx.clone();
    tokio::spawn(async move {
        if let Err(e) = handle.await
            && e.is_panic()
        {
            tracing::error!("task {what} panicked");
            let _ = tx.send(Action::Notify(
                Level::Error,
                format!("internal error in {what} (details in the log)"),
            ));
        }
    });
    abort
}

impl App {
    /// An app over a state, with its services and the channel its tasks report to.
    pub fn new(state: State, services: Services, tx: UnboundedSender<Action>) -> Self {
        Self {
            state,
            services,
            tx,
            search_task: None,
            journal: None,
        }
    }

    /// The channel background tasks report to.
    pub fn sender(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    /// Apply one action. Returns true when the screen needs redrawing.
    pub fn update(&mut self, action: Action) -> bool {
        let changed = self.apply(action);
        if changed {
            let rows = view::list_rows(self.state.size) as usize;
            self.state.list.scroll_into_view(rows);
        }
        changed
    }

    fn apply(&mut self, action: Action) -> bool {
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Mouse(m) => self.on_mouse(m),
            Action::Resize(w, h) => {
                self.state.size = (w, h);
                true
            }
            Action::Tick => {
                self.state.tick = self.state.tick.wrapping_add(1);
                self.state.job_running()
            }
            Action::Command(c) => {
                self.on_command(c);
                true
            }
            Action::LoadProgress { done, total } => {
                self.state.load = LoadState::Loading { done, total };
                true
            }
            Action::ExportLoaded(export) => {
                let n = export.memories.len();
                let bad = export.bad_records.len();
                if self.state.setup.uid.is_none()
                    && let Some(uid) = export.profile_uid.clone()
                {
                    self.state.setup.uid = Some(uid);
                    self.state.setup.uid_source = "export profile".into();
                }
                self.state.statuses = vec![EmbeddingStatus::Unknown; n];
                self.state.export = Some(*export);
                self.state.load = LoadState::Loaded;
                self.state.list.invalidate();
                self.state.refresh_list();
                if bad > 0 {
                    self.state.notify(
                        Level::Warn,
                        format!("{n} memories loaded; {bad} bad records skipped (memlens check lists them)"),
                    );
                } else {
                    self.state
                        .notify(Level::Info, format!("{n} memories loaded"));
                }
                self.start_status_lookup(false);
                self.check_unfinished_run();
                true
            }
            Action::LoadFailed(e) => {
                self.state.load = LoadState::Failed(e.clone());
                self.state.notify(Level::Error, e);
                true
            }
            Action::StatusProgress {
                generation,
                done,
                total,
            } => {
                if generation == self.state.lookup.generation {
                    self.state.lookup.running = Some((done, total));
                }
                true
            }
            Action::StatusLoaded {
                generation,
                cache,
                from_cache,
                took,
            } => {
                if generation != self.state.lookup.generation {
                    return false;
                }
                self.apply_statuses(*cache, from_cache, took.as_millis());
                true
            }
            Action::StatusFailed { generation, error } => {
                if generation != self.state.lookup.generation {
                    return false;
                }
                self.state.lookup.running = None;
                self.state
                    .notify(Level::Error, format!("status lookup failed: {error}"));
                true
            }
            Action::SearchDone {
                generation,
                outcome,
            } => {
                let pane = &mut self.state.search;
                if generation != pane.generation {
                    return false;
                }
                pane.running = None;
                match outcome {
                    Ok(results) => {
                        let memories = self
                            .state
                            .export
                            .as_ref()
                            .map(|e| &e.memories[..])
                            .unwrap_or(&[]);
                        pane.joined = search_engine::join_hits(&results.hits, memories);
                        pane.results = Some(*results);
                        pane.selected = 0;
                        pane.error = None;
                    }
                    Err(e) => pane.error = Some(e),
                }
                true
            }
            Action::PlanReady {
                generation,
                outcome,
            } => {
                let ui = &mut self.state.reprocess;
                if ui.planning != Some(generation) {
                    return false;
                }
                ui.planning = None;
                match outcome {
                    Ok(plan) => {
                        ui.plan = Some(*plan);
                        self.state.popup = Some(Popup::ConfirmPlan);
                    }
                    Err(e) => self.state.notify(Level::Error, format!("cannot plan: {e}")),
                }
                true
            }
            Action::JobProgress(p) => {
                if let Some(job) = &mut self.state.reprocess.job {
                    job.progress = Some(*p);
                }
                true
            }
            Action::JobDone(outcome) => {
                self.state.reprocess.job = None;
                match outcome {
                    Ok(summary) => {
                        let text = format!(
                            "reprocess: {} of {} done, {} failed{}",
                            summary.done,
                            summary.total,
                            summary.failed.len(),
                            if summary.cancelled { ", cancelled" } else { "" }
                        );
                        let level = if summary.failed.is_empty() {
                            Level::Info
                        } else {
                            Level::Warn
                        };
                        self.state.notify(level, text);
                        self.state.reprocess.summary = Some(*summary);
                        self.state.popup = Some(Popup::Job);
                    }
                    Err(e) => self
                        .state
                        .notify(Level::Error, format!("reprocess stopped: {e}")),
                }
                // The statuses changed: look them up again.
                self.start_status_lookup(true);
                true
            }
            Action::UnfinishedRun(info) => {
                self.state.reprocess.unfinished = Some(*info);
                if self.state.popup.is_none() && !self.state.setup.read_only {
                    self.state.popup = Some(Popup::Resume);
                }
                true
            }
            Action::VectorChecked(check) => {
                self.state.vector_running = false;
                if self.state.selected().map(|(_, m)| m.id.as_str())
                    == Some(check.memory_id.as_str())
                {
                    self.state.vector = Some(*check);
                    self.state.popup = Some(Popup::Vector);
                }
                true
            }
            Action::IndexLoaded(report) => {
                self.state.index.loading = false;
                self.state.index.report = Some(*report);
                self.state.index.selected = 0;
                true
            }
            Action::OrphansDeleted(outcome) => {
                self.state.index.deleting = false;
                match outcome {
                    Ok(n) => {
                        self.state
                            .notify(Level::Info, format!("{n} orphan vectors deleted"));
                        self.start_index_view();
                    }
                    Err(e) => self
                        .state
                        .notify(Level::Error, format!("delete refused: {e}")),
                }
                true
            }
            Action::MapLoaded(points) => {
                self.state.map = Some(points);
                true
            }
            Action::DriftPlanned(ids, texts, tokens) => {
                self.state.drift.planned = Some((ids, texts, tokens));
                self.state.popup = Some(Popup::DriftConfirm);
                true
            }
            Action::DriftDone(outcome) => {
                self.state.drift.running = false;
                if let Ok(outcomes) = &outcome {
                    self.apply_drift(outcomes);
                }
                self.state.drift.results = Some(outcome);
                self.state.popup = Some(Popup::DriftResults);
                true
            }
            Action::Notify(level, text) => {
                self.state.notify(level, text);
                true
            }
        }
    }

    /// Fold drift verdicts into the statuses (fresh / stale / missing).
    fn apply_drift(&mut self, outcomes: &[crate::sync::drift::DriftOutcome]) {
        use crate::sync::StatusEntry;
        use crate::sync::drift::DriftOutcome;
        let state = &mut self.state;
        for o in outcomes {
            let Some(i) = state.memories().iter().position(|m| m.id == o.memory_id()) else {
                continue;
            };
            let status = match o {
                DriftOutcome::Report(r) => r.status,
                DriftOutcome::NoVector { .. } => EmbeddingStatus::Missing,
                DriftOutcome::Incomparable { .. } => EmbeddingStatus::Mismatch,
            };
            if let Some(s) = state.statuses.get_mut(i) {
                *s = status;
            }
            let entry = state
                .status_entries
                .entry(o.memory_id().to_string())
                .or_insert_with(|| StatusEntry::bare(status));
            entry.status = status;
            if let DriftOutcome::Report(r) = o {
                entry.reason = Some(r.verdict.clone());
            }
        }
        state.list.invalidate();
        state.refresh_list();
    }

    /// `C`: plan a drift check of the marked memories (or the filtered list).
    fn plan_drift(&mut self) {
        let state = &self.state;
        let rows: Vec<u32> = if state.list.marks.is_empty() {
            state.list.visible.clone()
        } else {
            state.list.marks.iter().copied().collect()
        };
        let memories: Vec<crate::omi::Memory> = rows
            .iter()
            .filter_map(|&i| state.memories().get(i as usize).cloned())
            .filter(|m| !m.discarded)
            .collect();
        if memories.is_empty() {
            self.state.notify(
                Level::Warn,
                "nothing to check (discarded memories have no vector)",
            );
            return;
        }
        let Some(embedder) = self.services.embedder.clone() else {
            self.state.notify(Level::Error, "no embedder is connected");
            return;
        };
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "drift plan", async move {
            let planned = tokio::task::spawn_blocking(move || {
                let mut texts = std::collections::BTreeSet::new();
                let mut tokens = 0usize;
                for m in &memories {
                    for f in crate::omi::text::TextFormat::ALL {
                        let t = crate::omi::text::render(&m.structured, f);
                        if texts.insert(t.clone()) {
                            tokens += embedder.count_tokens(&t);
                        }
                    }
                }
                (
                    memories.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
                    texts.len(),
                    tokens,
                )
            })
            .await;
            if let Ok((ids, texts, tokens)) = planned {
                let _ = tx.send(Action::DriftPlanned(ids, texts, tokens));
            }
        });
    }

    fn run_drift(&mut self) {
        let Some((ids, _, _)) = self.state.drift.planned.take() else {
            return;
        };
        let (Some(embedder), Some(store), Some(uid)) = (
            self.services.embedder.clone(),
            self.services.store.clone(),
            self.state.setup.uid.clone(),
        ) else {
            self.state.notify(
                Level::Error,
                "a drift check needs an embedder, a store and a uid",
            );
            return;
        };
        let wanted: std::collections::HashSet<String> = ids.into_iter().collect();
        let memories: Vec<crate::omi::Memory> = self
            .state
            .memories()
            .iter()
            .filter(|m| wanted.contains(&m.id))
            .cloned()
            .collect();
        let namespace = self.state.setup.namespace.clone();
        let data_dir = self.state.setup.data_dir.clone();
        self.state.drift.running = true;
        self.state.drift.results = None;
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "drift check", async move {
            let outcome = tokio::task::spawn_blocking(move || {
                let refs: Vec<&crate::omi::Memory> = memories.iter().collect();
                let mut cache = crate::sync::drift::DriftCache::load(&data_dir);
                let r = handle.block_on(crate::sync::drift::check_drift(
                    embedder.as_ref(),
                    store.as_ref(),
                    &namespace,
                    &uid,
                    &refs,
                    Some(&mut cache),
                ));
                if let Err(e) = cache.save(&data_dir) {
                    tracing::warn!("cannot save the drift cache: {e}");
                }
                r.map_err(|e| e.to_string())
            })
            .await
            .unwrap_or_else(|e| Err(format!("the drift check crashed: {e}")));
            let _ = tx.send(Action::DriftDone(outcome));
        });
    }

    /// Open the map and compute it: fetch the stored vectors (100 ids per request),
    /// project them with PCA off the UI thread.
    fn start_map(&mut self) {
        self.state.popup = Some(Popup::Map);
        self.state.map = None;
        let (Some(store), Some(uid)) = (self.services.store.clone(), self.state.setup.uid.clone())
        else {
            self.state.map = Some(Err("needs a store and a uid".into()));
            return;
        };
        let namespace = self.state.setup.namespace.clone();
        let ids: Vec<(u32, String)> = self
            .state
            .memories()
            .iter()
            .enumerate()
            .map(|(i, m)| (i as u32, crate::omi::conventions::vector_id(&uid, &m.id)))
            .collect();
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "map", async move {
            let result = tokio::task::spawn_blocking(move || {
                let mut rows: Vec<u32> = Vec::new();
                let mut vectors: Vec<Vec<f32>> = Vec::new();
                for group in ids.chunks(crate::sync::status::FETCH_GROUP) {
                    let wanted: Vec<String> = group.iter().map(|(_, id)| id.clone()).collect();
                    let mut found = handle
                        .block_on(store.fetch(&namespace, &wanted))
                        .map_err(|e| e.to_string())?;
                    for (i, id) in group {
                        if let Some(r) = found.remove(id) {
                            rows.push(*i);
                            vectors.push(r.values);
                        }
                    }
                }
                if vectors.len() < 2 {
                    return Err(
                        "fewer than two stored vectors: nothing to map yet (R reprocesses)"
                            .to_string(),
                    );
                }
                let dim = vectors[0].len();
                let keep: Vec<usize> = (0..vectors.len())
                    .filter(|&k| vectors[k].len() == dim)
                    .collect();
                let kept: Vec<Vec<f32>> = keep
                    .iter()
                    .map(|&k| std::mem::take(&mut vectors[k]))
                    .collect();
                let points = crate::sync::projection::pca_2d(&kept);
                Ok(keep
                    .iter()
                    .zip(points)
                    .map(|(&k, (x, y))| (rows[k], x, y))
                    .collect())
            })
            .await
            .unwrap_or_else(|e| Err(format!("the map crashed: {e}")));
            let _ = tx.send(Action::MapLoaded(result));
        });
    }

    /// Open the index view and load its figures (stats, then the orphan scan).
    fn start_index_view(&mut self) {
        self.state.popup = Some(Popup::Index);
        let Some(store) = self.services.store.clone() else {
            self.state.index.report = Some(Err("no store is connected".into()));
            return;
        };
        let uid = self.state.setup.uid.clone();
        let namespace = self.state.setup.namespace.clone();
        let memories = self.state.memories().to_vec();
        self.state.index.loading = true;
        self.state.index.confirm_delete = false;
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "index view", async move {
            let report = tokio::task::spawn_blocking(move || {
                handle.block_on(async {
                    let stats = store.stats().await.map_err(|e| e.to_string())?;
                    let scan = match uid {
                        None => Err("no uid set: orphans are found per user".to_string()),
                        Some(uid) => crate::sync::orphans::scan_orphans(
                            store.as_ref(),
                            &namespace,
                            &uid,
                            &memories,
                            1000,
                            |_, _| {},
                        )
                        .await
                        .map_err(|e| e.to_string()),
                    };
                    Ok(crate::tui::index::IndexReport { stats, scan })
                })
            })
            .await
            .unwrap_or_else(|e| Err(format!("the index view crashed: {e}")));
            let _ = tx.send(Action::IndexLoaded(Box::new(report)));
        });
    }

    fn on_index_key(&mut self, code: KeyCode) {
        let ui = &mut self.state.index;
        let orphans = ui
            .report
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .and_then(|r| r.scan.as_ref().ok())
            .map(|s| s.orphans.len())
            .unwrap_or(0);
        if ui.confirm_delete {
            ui.confirm_delete = false;
            if code == KeyCode::Char('y') {
                self.delete_orphans();
            } else {
                self.state
                    .notify(Level::Info, "delete cancelled; nothing was deleted");
            }
            return;
        }
        match code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('I') => self.state.popup = None,
            KeyCode::Char('j') | KeyCode::Down => {
                ui.selected = (ui.selected + 1).min(orphans.saturating_sub(1));
            }
            KeyCode::Char('k') | KeyCode::Up => ui.selected = ui.selected.saturating_sub(1),
            KeyCode::Char('d') if orphans > 0 => {
                if self.state.setup.read_only {
                    self.state
                        .notify(Level::Error, "read-only mode: deleting is disabled");
                } else {
                    self.state.index.confirm_delete = true;
                }
            }
            KeyCode::F(5) => self.start_index_view(),
            _ => {}
        }
    }

    fn delete_orphans(&mut self) {
        let Some(Ok(report)) = &self.state.index.report else {
            return;
        };
        let Ok(scan) = &report.scan else {
            return;
        };
        let Some(store) = self.services.store.clone() else {
            return;
        };
        let plan = crate::sync::orphans::DeletePlan::from_scan(scan);
        let read_only = self.state.setup.read_only;
        self.state.index.deleting = true;
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "orphan delete", async move {
            let outcome =
                crate::sync::orphans::delete_orphans(store.as_ref(), &plan, true, read_only)
                    .await
                    .map_err(|e| e.to_string());
            let _ = tx.send(Action::OrphansDeleted(outcome));
        });
    }

    /// Fetch the selected memory's vector and check which text format made it.
    fn start_vector_check(&mut self) {
        let Some((_, memory)) = self.state.selected() else {
            return;
        };
        let memory = memory.clone();
        let Some(uid) = self.state.setup.uid.clone() else {
            self.state
                .notify(Level::Warn, "no uid set: the vector id needs one");
            return;
        };
        let (Some(embedder), Some(store)) =
            (self.services.embedder.clone(), self.services.store.clone())
        else {
            self.state
                .notify(Level::Error, "no embedder or store is connected");
            return;
        };
        let namespace = self.state.setup.namespace.clone();
        let data_dir = self.state.setup.data_dir.clone();
        self.state.vector_running = true;
        self.state
            .notify(Level::Info, "checking the stored vector…");
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "vector check", async move {
            let check = tokio::task::spawn_blocking(move || {
                handle.block_on(async {
                    let vector_id = crate::omi::conventions::vector_id(&uid, &memory.id);
                    let record = store
                        .fetch(&namespace, std::slice::from_ref(&vector_id))
                        .await
                        .ok()
                        .and_then(|mut m| m.remove(&vector_id));
                    let mut cache = crate::sync::drift::DriftCache::load(&data_dir);
                    let drift = crate::sync::drift::check_drift(
                        embedder.as_ref(),
                        store.as_ref(),
                        &namespace,
                        &uid,
                        &[&memory],
                        Some(&mut cache),
                    )
                    .await
                    .map_err(|e| e.to_string())
                    .and_then(|mut v| v.pop().ok_or_else(|| "no result".to_string()));
                    if let Err(e) = cache.save(&data_dir) {
                        tracing::warn!("cannot save the drift cache: {e}");
                    }
                    let stats = record
                        .as_ref()
                        .map(|r| crate::tui::vector::VectorStats::of(&r.values, 48));
                    crate::tui::vector::VectorCheck {
                        memory_id: memory.id.clone(),
                        vector_id,
                        record,
                        stats,
                        drift,
                    }
                })
            })
            .await;
            match check {
                Ok(c) => {
                    let _ = tx.send(Action::VectorChecked(Box::new(c)));
                }
                Err(e) => {
                    let _ = tx.send(Action::Notify(
                        Level::Error,
                        format!("vector check crashed: {e}"),
                    ));
                }
            }
        });
    }

    fn reprocessor(&mut self) -> Result<Arc<Reprocessor>, String> {
        let setup = &self.state.setup;
        if setup.read_only {
            return Err("read-only mode: writes are disabled".into());
        }
        let uid = setup
            .uid
            .clone()
            .ok_or("no uid set: vector ids need one (start with --uid UID or MEMLENS_UID)")?;
        let (Some(embedder), Some(store)) =
            (self.services.embedder.clone(), self.services.store.clone())
        else {
            return Err("no embedder or store is connected (see the log)".into());
        };
        let journal = match &self.journal {
            Some(j) => j.clone(),
            None => {
                let j = Arc::new(Journal::open_in(&setup.data_dir).map_err(|e| e.to_string())?);
                self.journal = Some(j.clone());
                j
            }
        };
        let config = ReprocessConfig {
            uid: Some(uid),
            namespace: setup.namespace.clone(),
            format: self.state.text_format,
            created_at_policy: setup.created_at_policy,
            read_only: setup.read_only,
            ..ReprocessConfig::default()
        };
        Ok(Arc::new(Reprocessor::new(embedder, store, journal, config)))
    }

    /// Look for an unfinished reprocess run in the journal (start-up).
    pub fn check_unfinished_run(&mut self) {
        let Ok(rp) = self.reprocessor() else {
            return;
        };
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "journal check", async move {
            let found = tokio::task::spawn_blocking(move || rp.unfinished_run()).await;
            if let Ok(Ok(Some(info))) = found {
                let _ = tx.send(Action::UnfinishedRun(Box::new(info)));
            }
        });
    }

    /// Plan a reprocess of `selection` in the background; the plan then waits for a yes.
    fn start_plan(&mut self, selection: Selection, single: bool) {
        if self.state.reprocess.busy() {
            self.state.notify(
                Level::Warn,
                "a reprocess is already planned or running (J shows it)",
            );
            return;
        }
        let rp = match self.reprocessor() {
            Ok(rp) => rp,
            Err(e) => {
                self.state.notify(Level::Error, e);
                return;
            }
        };
        let memories = self.state.memories().to_vec();
        let known = self.state.status_entries.clone();
        let ui = &mut self.state.reprocess;
        ui.generation += 1;
        let generation = ui.generation;
        ui.planning = Some(generation);
        ui.single = single;
        let tx = self.tx.clone();
        // The planner's future is not `Send` (its fetches borrow across awaits), so it
        // runs on a blocking thread that drives it with the runtime's handle.
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "reprocess plan", async move {
            let planned = tokio::task::spawn_blocking(move || {
                handle.block_on(rp.plan(&memories, &selection, Some(&known)))
            })
            .await;
            let outcome = match planned {
                Ok(r) => r.map(Box::new).map_err(|e| e.to_string()),
                Err(e) => Err(format!("the planner crashed: {e}")),
            };
            let _ = tx.send(Action::PlanReady {
                generation,
                outcome,
            });
        });
        self.state.notify(Level::Info, "planning…");
    }

    fn batch_selection(&self, scope: BatchScope) -> Selection {
        let state = &self.state;
        let ids = |rows: &mut dyn Iterator<Item = u32>| -> Selection {
            Selection::Ids(
                rows.filter_map(|i| state.memories().get(i as usize).map(|m| m.id.clone()))
                    .collect(),
            )
        };
        match scope {
            BatchScope::Marked => ids(&mut state.list.marks.iter().copied()),
            BatchScope::Filtered => ids(&mut state.list.visible.iter().copied()),
            BatchScope::Missing => Selection::Missing,
            BatchScope::Stale => Selection::Stale,
        }
    }

    /// Run the confirmed plan as a background job.
    fn start_job(&mut self, plan: Plan) {
        let total = plan.items.len();
        self.launch_job(total, JobWork::Run(Box::new(plan)));
    }

    /// Resume the unfinished run found at start-up.
    fn resume_job(&mut self) {
        let Some(info) = self.state.reprocess.unfinished.take() else {
            return;
        };
        let memories = self.state.memories().to_vec();
        self.launch_job(
            info.total(),
            JobWork::Resume(info.header.run_id.clone(), memories),
        );
    }

    /// Start a reprocess job in the background; progress and the end come back as
    /// Actions, `x` in the job popup raises its cancel flag.
    fn launch_job(&mut self, total: usize, work: JobWork) {
        let rp = match self.reprocessor() {
            Ok(rp) => rp,
            Err(e) => {
                self.state.notify(Level::Error, e);
                return;
            }
        };
        let cancel = CancelFlag::new();
        self.state.reprocess.job = Some(RunningJob {
            progress: None,
            total,
            cancel: cancel.clone(),
            cancelling: false,
        });
        self.state.reprocess.summary = None;
        self.state.popup = Some(Popup::Job);
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "reprocess job", async move {
            let progress_tx = tx.clone();
            let progress = move |p: &crate::sync::reprocess::Progress| {
                let _ = progress_tx.send(Action::JobProgress(Box::new(p.clone())));
            };
            let outcome = match work {
                JobWork::Run(plan) => rp.run(&plan, progress, &cancel).await,
                JobWork::Resume(run_id, memories) => {
                    rp.resume(&run_id, &memories, progress, &cancel).await
                }
            };
            let _ = tx.send(Action::JobDone(
                outcome.map(Box::new).map_err(|e| e.to_string()),
            ));
        });
    }

    /// Keys while a reprocess popup is open. Returns true when handled.
    fn on_reprocess_popup_key(&mut self, popup: Popup, code: KeyCode) {
        match (popup, code) {
            (Popup::BatchChoice, c) => {
                self.state.popup = None;
                let scope = match c {
                    KeyCode::Char('m') => BatchScope::Marked,
                    KeyCode::Char('f') => BatchScope::Filtered,
                    KeyCode::Char('a') => BatchScope::Missing,
                    KeyCode::Char('s') => BatchScope::Stale,
                    _ => return,
                };
                if scope == BatchScope::Marked && self.state.list.marks.is_empty() {
                    self.state
                        .notify(Level::Warn, "nothing is marked (Space marks a memory)");
                    return;
                }
                let selection = self.batch_selection(scope);
                self.start_plan(selection, false);
            }
            (Popup::ConfirmPlan, c) => {
                let single = self.state.reprocess.single;
                // For a batch, only `y` runs it (cancel is the default); for one memory,
                // Enter does too.
                let yes = c == KeyCode::Char('y') || (single && c == KeyCode::Enter);
                if matches!(
                    c,
                    KeyCode::Char('y')
                        | KeyCode::Char('n')
                        | KeyCode::Esc
                        | KeyCode::Enter
                        | KeyCode::Char('q')
                ) {
                    self.state.popup = None;
                    let plan = self.state.reprocess.plan.take();
                    match (yes, plan) {
                        (true, Some(plan)) if !plan.items.is_empty() => self.start_job(plan),
                        (true, Some(_)) => self.state.notify(Level::Info, "nothing to write"),
                        _ => self
                            .state
                            .notify(Level::Info, "reprocess cancelled; nothing was written"),
                    }
                }
            }
            (Popup::Job, KeyCode::Char('x')) => {
                if let Some(job) = &mut self.state.reprocess.job {
                    job.cancel.cancel();
                    job.cancelling = true;
                }
            }
            (Popup::Job, KeyCode::Char('t')) => {
                let failed: Vec<String> = self
                    .state
                    .reprocess
                    .summary
                    .as_ref()
                    .map(|s| s.failed.iter().map(|f| f.memory_id.clone()).collect())
                    .unwrap_or_default();
                if self.state.reprocess.job.is_none() && !failed.is_empty() {
                    self.state.popup = None;
                    self.start_plan(Selection::Ids(failed), false);
                }
            }
            (
                Popup::Job,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('J'),
            ) => {
                self.state.popup = None;
            }
            (Popup::Resume, KeyCode::Char('y')) => {
                self.state.popup = None;
                self.resume_job();
            }
            (Popup::Resume, KeyCode::Char('n') | KeyCode::Esc) => {
                self.state.popup = None;
                self.state.notify(
                    Level::Info,
                    "the unfinished run stays in the journal (memlens reprocess resumes it)",
                );
            }
            _ => {}
        }
    }

    /// Run a search in the background; a newer one supersedes it (its results are
    /// dropped, its task aborted).
    pub fn start_search(&mut self, target: SearchTarget) {
        let pane = &mut self.state.search;
        let Some(uid) = self.state.setup.uid.clone() else {
            pane.error = Some(
                "no uid set: every search is scoped to one user. Start memlens with --uid UID (or MEMLENS_UID)."
                    .into(),
            );
            return;
        };
        let range = match &pane.range_check {
            Ok(r) => *r,
            Err(e) => {
                pane.error = Some(format!("fix the date range first: {e}"));
                return;
            }
        };
        let (Some(embedder), Some(store)) =
            (self.services.embedder.clone(), self.services.store.clone())
        else {
            pane.error = Some("no embedder or store is connected (see the log)".into());
            return;
        };
        if let SearchTarget::Text(q) = &target {
            if q.trim().is_empty() {
                pane.error = Some("type a query first".into());
                return;
            }
            pane.remember(q);
        }
        if let Some(h) = self.search_task.take() {
            h.abort();
        }
        pane.generation += 1;
        let generation = pane.generation;
        pane.running = Some(match &target {
            SearchTarget::Text(q) => format!("searching for {q:?}"),
            SearchTarget::LikeMemory(id) => format!("finding memories like {id}"),
        });
        pane.error = None;
        let request = SearchRequest {
            uid,
            namespace: self.state.setup.namespace.clone(),
            target,
            top_k: pane.top_k,
            range,
        };
        let tx = self.tx.clone();
        self.search_task = Some(spawn_reporting(&self.tx, "search", async move {
            let outcome = search_engine::search(embedder.as_ref(), store.as_ref(), &request)
                .await
                .map(Box::new)
                .map_err(|e| e.to_string());
            let _ = tx.send(Action::SearchDone {
                generation,
                outcome,
            });
        }));
    }

    fn export_search_results(&mut self) {
        let Some(results) = self.state.search.results.clone() else {
            self.state.notify(Level::Warn, "no results to export yet");
            return;
        };
        let joined = self.state.search.joined.clone();
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "results export", async move {
            let written = tokio::task::spawn_blocking(move || {
                let dir = std::env::current_dir()?;
                search_engine::export_results(&results, Some(&joined), &dir)
            })
            .await;
            let action = match written {
                Ok(Ok(paths)) => Action::Notify(
                    Level::Info,
                    format!(
                        "results written to {} and {}",
                        paths.json.display(),
                        paths.csv.display()
                    ),
                ),
                Ok(Err(e)) => Action::Notify(Level::Error, format!("export failed: {e}")),
                Err(e) => Action::Notify(Level::Error, format!("export failed: {e}")),
            };
            let _ = tx.send(action);
        });
    }

    fn open_selected_hit(&mut self) {
        let state = &mut self.state;
        let Some(hit) = state
            .search
            .results
            .as_ref()
            .and_then(|r| r.hits.get(state.search.selected))
        else {
            return;
        };
        let memory_id = hit.memory_id.clone();
        let Some(index) = state.memories().iter().position(|m| m.id == memory_id) else {
            state.notify(
                Level::Warn,
                format!("{memory_id} is not in the loaded export (an orphan vector?)"),
            );
            return;
        };
        if !state.list.select_memory(index) {
            // Hidden by a filter: clear the filters so it can be shown.
            state.list.query.clear();
            state.list.status_filter = None;
            state.list.category_filter = None;
            state.refresh_list();
            state.list.select_memory(index);
        }
        state.details_scroll = 0;
        state.right = RightPane::Details;
        state.focus = Focus::Details;
    }

    fn apply_statuses(&mut self, cache: StatusCache, from_cache: bool, took_ms: u128) {
        let state = &mut self.state;
        state.lookup.running = None;
        state.lookup.checked_at = Some(cache.checked_at);
        state.lookup.from_cache = from_cache;
        state.lookup.took_ms = Some(took_ms);
        let memories = state
            .export
            .as_ref()
            .map(|e| &e.memories[..])
            .unwrap_or(&[]);
        state.statuses = memories
            .iter()
            .map(|m| {
                cache
                    .entries
                    .get(&m.id)
                    .map(|e| e.status)
                    .unwrap_or(EmbeddingStatus::Unknown)
            })
            .collect();
        state.status_entries = cache.entries;
        state.list.invalidate();
        state.refresh_list();
        if state.looks_like_first_run() {
            let batch = state
                .keymap
                .keys_for(Command::ReprocessBatch, crate::tui::keymap::Scope::List);
            state.notify(
                Level::Info,
                format!(
                    "The store has no vectors for these memories yet: press {batch} then a to embed every missing memory (a plan comes first), then s to search."
                ),
            );
        }
    }

    /// Look statuses up: from the cache when allowed and present, else from the store.
    pub fn start_status_lookup(&mut self, force: bool) {
        let Some(uid) = self.state.setup.uid.clone() else {
            self.state.notify(
                Level::Warn,
                "no uid set: statuses unknown (set one with --uid, MEMLENS_UID or the config file)",
            );
            return;
        };
        let Some(store) = self.services.store.clone() else {
            return;
        };
        let Some(export) = &self.state.export else {
            return;
        };
        self.state.lookup.generation += 1;
        let generation = self.state.lookup.generation;
        let namespace = self.state.setup.namespace.clone();
        let key = StatusCache::key_for(&self.state.setup.store_target, &namespace, &uid);
        let data_dir = self.state.setup.data_dir.clone();
        if !force && let Some(cache) = StatusCache::load(&data_dir, &key) {
            let _ = self.tx.send(Action::StatusLoaded {
                generation,
                cache: Box::new(cache),
                from_cache: true,
                took: std::time::Duration::ZERO,
            });
            return;
        }
        let memories = export.memories.clone();
        let dimension = Some(self.state.setup.embedder_dimension).filter(|d| *d > 0);
        let total = memories.len();
        self.state.lookup.running = Some((0, total));
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "status lookup", async move {
            let started = Instant::now();
            let progress_tx = tx.clone();
            let result = status::lookup(
                store.as_ref(),
                &namespace,
                &uid,
                &memories,
                dimension,
                |done, total| {
                    let _ = progress_tx.send(Action::StatusProgress {
                        generation,
                        done,
                        total,
                    });
                },
            )
            .await;
            let action = match result {
                Ok(entries) => {
                    let cache = StatusCache {
                        key,
                        checked_at: chrono::Utc::now().timestamp(),
                        entries,
                    };
                    if let Err(e) = cache.save(&data_dir) {
                        tracing::warn!("cannot save the status cache: {e}");
                    }
                    Action::StatusLoaded {
                        generation,
                        cache: Box::new(cache),
                        from_cache: false,
                        took: started.elapsed(),
                    }
                }
                Err(e) => Action::StatusFailed {
                    generation,
                    error: e.to_string(),
                },
            };
            let _ = tx.send(action);
        });
    }

    fn on_key(&mut self, key: KeyEvent) -> bool {
        if key.kind == KeyEventKind::Release {
            return false;
        }
        let ctrl_c = key.code == KeyCode::Char('c')
            && key
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL);
        if ctrl_c {
            self.state.should_quit = true;
            return true;
        }
        match self.state.popup {
            Some(Popup::Help) => {
                let max = view::help_line_count(&self.state).saturating_sub(3) as u16;
                let scroll = &mut self.state.help_scroll;
                match key.code {
                    KeyCode::Esc
                    | KeyCode::Char('q')
                    | KeyCode::Char('?')
                    | KeyCode::F(1)
                    | KeyCode::Enter => {
                        self.state.popup = None;
                    }
                    KeyCode::Char('j') | KeyCode::Down => *scroll = (*scroll + 1).min(max),
                    KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::PageDown | KeyCode::Char(' ') => *scroll = (*scroll + 10).min(max),
                    KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                    _ => {}
                }
                return true;
            }
            Some(Popup::BatchChoice | Popup::ConfirmPlan | Popup::Job | Popup::Resume) => {
                if let Some(p) = self.state.popup.clone() {
                    self.on_reprocess_popup_key(p, key.code);
                }
                return true;
            }
            Some(Popup::DriftConfirm) => {
                self.state.popup = None;
                if key.code == KeyCode::Char('y') {
                    self.run_drift();
                } else {
                    self.state.drift.planned = None;
                    self.state.notify(Level::Info, "drift check cancelled");
                }
                return true;
            }
            Some(Popup::DriftResults) => {
                if matches!(key.code, KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q')) {
                    self.state.popup = None;
                }
                return true;
            }
            Some(Popup::Map) => {
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('M') => {
                        self.state.popup = None
                    }
                    // Move the selection without leaving the map: the highlight follows.
                    KeyCode::Char('j') | KeyCode::Down => self.state.list.move_by(1),
                    KeyCode::Char('k') | KeyCode::Up => self.state.list.move_by(-1),
                    _ => {}
                }
                return true;
            }
            Some(Popup::Index) => {
                self.on_index_key(key.code);
                return true;
            }
            Some(Popup::Vector) => {
                if matches!(
                    key.code,
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('v')
                ) {
                    self.state.popup = None;
                }
                return true;
            }
            Some(Popup::ConfirmQuit) => {
                match key.code {
                    KeyCode::Char('y') | KeyCode::Char('Y') => self.state.should_quit = true,
                    _ => self.state.popup = None,
                }
                return true;
            }
            None => {}
        }
        if let Some(field) = self.state.search.editing {
            self.on_search_key(key, field);
            return true;
        }
        if let Some(input) = &mut self.state.filter_input {
            match key.code {
                KeyCode::Esc => {
                    self.state.filter_input = None;
                    self.state.list.query.clear();
                    self.state.refresh_list();
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up | KeyCode::Tab => {
                    self.state.filter_input = None;
                }
                _ => {
                    if input.handle_event(&Event::Key(key)).is_some()
                        && input.value() != self.state.list.query
                    {
                        self.state.list.query = input.value().to_string();
                        self.state.refresh_list();
                        // A new query shows its best match first.
                        self.state.list.select(0);
                        self.state.details_scroll = 0;
                    }
                }
            }
            return true;
        }
        let scope = self.state.focus.scope();
        match self.state.keymap.feed(&key, scope) {
            KeyOutcome::Command(c) => {
                self.on_command(c);
                true
            }
            KeyOutcome::Pending => false,
            KeyOutcome::Unbound => false,
        }
    }

    fn on_search_key(&mut self, key: KeyEvent, field: SearchField) {
        let pane = &mut self.state.search;
        match key.code {
            KeyCode::Esc => pane.editing = None,
            KeyCode::Enter => {
                pane.editing = None;
                let q = pane.query.value().to_string();
                self.start_search(SearchTarget::Text(q));
            }
            KeyCode::Tab | KeyCode::BackTab => {
                pane.editing = Some(match field {
                    SearchField::Query => SearchField::Range,
                    SearchField::Range => SearchField::Query,
                });
            }
            KeyCode::Up if field == SearchField::Query => pane.recall(true),
            KeyCode::Down if field == SearchField::Query => pane.recall(false),
            _ => {
                let input = match field {
                    SearchField::Query => &mut pane.query,
                    SearchField::Range => &mut pane.range,
                };
                if input.handle_event(&Event::Key(key)).is_some() && field == SearchField::Range {
                    pane.check_range(chrono::Utc::now());
                }
            }
        }
    }

    fn page(&self) -> usize {
        view::list_rows(self.state.size).max(1) as usize
    }

    fn on_command(&mut self, c: Command) {
        // Commands that start work need the whole app.
        match c {
            Command::OpenHit => return self.open_selected_hit(),
            Command::ExportResults => return self.export_search_results(),
            Command::Refresh => return self.start_status_lookup(true),
            Command::Reprocess => {
                if let Some((_, m)) = self.state.selected() {
                    let id = m.id.clone();
                    self.start_plan(Selection::Ids(vec![id]), true);
                }
                return;
            }
            Command::ReprocessBatch => {
                if self.state.setup.read_only {
                    self.state
                        .notify(Level::Error, "read-only mode: writes are disabled");
                } else {
                    self.state.popup = Some(Popup::BatchChoice);
                }
                return;
            }
            Command::VectorCheck => return self.start_vector_check(),
            Command::IndexView => return self.start_index_view(),
            Command::MapView => return self.start_map(),
            Command::DriftBatch => return self.plan_drift(),
            Command::Jobs => {
                if self.state.reprocess.job.is_some() || self.state.reprocess.summary.is_some() {
                    self.state.popup = Some(Popup::Job);
                } else {
                    self.state
                        .notify(Level::Info, "no reprocess job yet (r or R starts one)");
                }
                return;
            }
            Command::MoreLikeThis => {
                if let Some((_, m)) = self.state.selected() {
                    let id = m.id.clone();
                    self.state.right = RightPane::Search;
                    self.state.focus = Focus::Search;
                    self.start_search(SearchTarget::LikeMemory(id));
                }
                return;
            }
            _ => {}
        }
        let page = self.page();
        let details = self.state.focus == Focus::Details;
        let searching = self.state.focus == Focus::Search;
        let state = &mut self.state;
        match c {
            Command::Quit => {
                if state.job_running() {
                    state.popup = Some(Popup::ConfirmQuit);
                } else {
                    state.should_quit = true;
                }
            }
            Command::ForceQuit => state.should_quit = true,
            Command::Help => {
                state.help_scroll = 0;
                state.popup = Some(Popup::Help);
            }
            Command::ClosePopup => {
                if state.popup.is_some() {
                    state.popup = None;
                } else if !state.list.query.is_empty() {
                    state.list.query.clear();
                    state.refresh_list();
                } else {
                    state.message = None;
                }
            }
            Command::FocusNext | Command::FocusPrev => {
                let order = [Focus::List, Focus::Details, Focus::Search];
                let i = order.iter().position(|f| *f == state.focus).unwrap_or(0);
                let step = if c == Command::FocusNext {
                    1
                } else {
                    order.len() - 1
                };
                state.focus = order[(i + step) % order.len()];
                match state.focus {
                    Focus::Details => state.right = RightPane::Details,
                    Focus::Search => state.right = RightPane::Search,
                    Focus::List => {}
                }
            }
            Command::Search => {
                state.right = RightPane::Search;
                state.focus = Focus::Search;
                state.search.editing = Some(SearchField::Query);
            }
            Command::EditRange => {
                state.right = RightPane::Search;
                state.focus = Focus::Search;
                state.search.editing = Some(SearchField::Range);
            }
            Command::TopKUp => state.search.adjust_top_k(1),
            Command::TopKDown => state.search.adjust_top_k(-1),
            Command::OpenHit
            | Command::ExportResults
            | Command::Refresh
            | Command::MoreLikeThis
            | Command::Reprocess
            | Command::ReprocessBatch
            | Command::VectorCheck
            | Command::IndexView
            | Command::MapView
            | Command::DriftBatch
            | Command::Jobs => {}
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::HalfPageUp
            | Command::HalfPageDown
            | Command::Top
            | Command::Bottom => {
                let delta: isize = match c {
                    Command::Up => -1,
                    Command::Down => 1,
                    Command::PageUp => -(page as isize),
                    Command::PageDown => page as isize,
                    Command::HalfPageUp => -((page / 2).max(1) as isize),
                    Command::HalfPageDown => (page / 2).max(1) as isize,
                    Command::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                if searching {
                    state.search.move_by(delta.clamp(-1000, 1000));
                } else if details {
                    let visible =
                        view::layout(state.size).details.height.saturating_sub(2) as usize;
                    let max = view::details_line_count(state).saturating_sub(visible) as isize;
                    let next = (state.details_scroll as isize)
                        .saturating_add(delta)
                        .clamp(0, max.max(0));
                    state.details_scroll = next.min(u16::MAX as isize) as u16;
                } else {
                    let before = state.list.selected;
                    state.list.move_by(delta);
                    if state.list.selected != before {
                        state.details_scroll = 0;
                    }
                }
            }
            Command::Filter => {
                let mut input = Input::new(state.list.query.clone());
                input = input.with_cursor(state.list.query.chars().count());
                state.filter_input = Some(input);
                state.focus = Focus::List;
            }
            Command::ToggleMark => {
                state.list.toggle_mark();
                state.list.move_by(1);
            }
            Command::CycleSort => {
                state.list.sort = state.list.sort.next();
                state.refresh_list();
            }
            Command::CycleStatusFilter => {
                let present: Vec<EmbeddingStatus> =
                    state.status_counts().into_iter().map(|(s, _)| s).collect();
                state.list.status_filter = cycle(&present, state.list.status_filter);
                state.refresh_list();
            }
            Command::CycleCategoryFilter => {
                let mut cats: Vec<_> = state
                    .memories()
                    .iter()
                    .map(|m| m.structured.category.kind)
                    .collect();
                cats.sort();
                cats.dedup();
                state.list.category_filter = cycle(&cats, state.list.category_filter);
                state.refresh_list();
            }
            Command::ClearFilters => {
                state.list.query.clear();
                state.list.status_filter = None;
                state.list.category_filter = None;
                state.refresh_list();
            }
            Command::ToggleTranscript => state.transcript_expanded = !state.transcript_expanded,
            Command::CycleFormat => {
                let all = TextFormat::ALL;
                let i = all
                    .iter()
                    .position(|f| *f == state.text_format)
                    .unwrap_or(0);
                state.text_format = all[(i + 1) % all.len()];
                state.notify(
                    Level::Info,
                    format!("text format: {}", state.text_format.name()),
                );
            }
            Command::Confirm => {}
        }
    }

    fn on_mouse(&mut self, m: MouseEvent) -> bool {
        if self.state.popup.is_some() {
            return false;
        }
        let areas = view::layout_for(self.state.size, self.state.right);
        let in_rect = |r: ratatui::layout::Rect| {
            m.column >= r.x && m.column < r.x + r.width && m.row >= r.y && m.row < r.y + r.height
        };
        let over_list = in_rect(areas.list);
        match m.kind {
            MouseEventKind::ScrollDown | MouseEventKind::ScrollUp => {
                let c = if m.kind == MouseEventKind::ScrollDown {
                    Command::Down
                } else {
                    Command::Up
                };
                let prev = self.state.focus;
                self.state.focus = if over_list {
                    Focus::List
                } else {
                    Focus::Details
                };
                for _ in 0..3 {
                    self.on_command(c);
                }
                self.state.focus = prev;
                true
            }
            MouseEventKind::Down(_) if over_list => {
                self.state.focus = Focus::List;
                let inner_top = areas.list.y + 1;
                if m.row >= inner_top {
                    let row = (m.row - inner_top) as usize + self.state.list.offset;
                    if row < self.state.list.visible.len() {
                        self.state.list.select(row);
                        self.state.details_scroll = 0;
                    }
                }
                true
            }
            MouseEventKind::Down(_) if in_rect(areas.details) => {
                self.state.focus = match self.state.right {
                    RightPane::Details => Focus::Details,
                    RightPane::Search => Focus::Search,
                };
                true
            }
            _ => false,
        }
    }
}

fn cycle<T: Copy + PartialEq>(options: &[T], current: Option<T>) -> Option<T> {
    match current {
        None => options.first().copied(),
        Some(c) => {
            let i = options.iter().position(|o| *o == c)?;
            options.get(i + 1).copied()
        }
    }
}
