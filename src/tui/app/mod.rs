//! The update half of the app: applies an [`Action`] to the [`State`] and starts
//! background work. Nothing here awaits: slow work runs in spawned tasks that report back
//! through the action channel.

mod autoindex;
mod copy;
mod facts;
mod filter;
mod inspect;
mod kinds;
mod lookups;
pub(crate) mod paste;
mod reprocess;
mod search;

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
use crate::sync::reprocess::{CancelFlag, Plan, ReprocessConfig, Reprocessor, Selection, Summary};
use crate::sync::search::{self as search_engine, SearchRequest, SearchTarget};
use crate::sync::status::StatusCache;
use crate::tui::action::{Action, Command, Level};
use crate::tui::confirm;
use crate::tui::jobs::{BatchScope, RunningJob};
use crate::tui::keymap::KeyOutcome;
use crate::tui::search::SearchField;
use crate::tui::state::{Focus, FullTextState, LoadState, Popup, RightPane, State};
use crate::tui::view;

/// What a reprocess job does: run a confirmed plan, or resume an unfinished run.
enum JobWork {
    Run(Box<Plan>),
    /// An unfinished run of any kind, rebuilt from the export.
    Resume {
        run_id: String,
        kind: crate::omi::record_kind::Kind,
        export: Box<crate::omi::export::Export>,
    },
}

impl JobWork {
    /// The kind written: a plan made for facts journals the `fact-content` format.
    fn kind(&self) -> crate::omi::fact_conventions::Kind {
        match self {
            JobWork::Run(p)
                if p.target.format == crate::omi::fact_conventions::FACT_TEXT_FORMAT =>
            {
                crate::omi::fact_conventions::Kind::Facts
            }
            JobWork::Run(_) => crate::omi::fact_conventions::Kind::Conversations,
            JobWork::Resume { kind, .. } => *kind,
        }
    }
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
    /// The full-text index of the loaded export, once open.
    fulltext: Option<Arc<crate::sync::fulltext::FullText>>,
    /// Generation of the newest full-text build (a reloaded export supersedes it).
    fulltext_generation: u64,
    /// The reprocess journal, opened on first use.
    journal: Option<Arc<Journal>>,
    /// The last search started, re-run when top-k changes.
    last_search: Option<SearchTarget>,
    /// The marks a planned batch was made from: cleared once the batch runs.
    marks_in_use: bool,
    /// Runs the list filter's scans (started on first use).
    filter_worker: Option<filter::FilterWorker>,
    /// Cancels the running auto-index (on a terminating signal).
    index_cancel: Option<CancelFlag>,
    /// The namespace changed while a search ran: it runs again when it ends.
    search_stale: bool,
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
            fulltext: None,
            fulltext_generation: 0,
            journal: None,
            last_search: None,
            marks_in_use: false,
            filter_worker: None,
            index_cancel: None,
            search_stale: false,
        }
    }

    /// Open a window a background result asks for. A dialog waiting for an answer (the
    /// quit dialog, a confirmation) is never replaced: the window opens after it closes.
    pub(super) fn show_popup(&mut self, popup: Popup) {
        match &self.state.popup {
            Some(open) if open.awaits_answer() && *open != popup => {
                self.state.popup_after = Some(popup);
            }
            _ => self.state.popup = Some(popup),
        }
    }

    /// Ask every writing job (a reprocess, the auto-index) to stop after the item in
    /// flight: what is written is in the journal, the rest resumes later.
    pub fn stop_jobs(&mut self) {
        if let Some(job) = &mut self.state.reprocess.job {
            job.cancel.cancel();
            job.cancelling = true;
        }
        if let Some(cancel) = &self.index_cancel {
            cancel.cancel();
        }
    }

    /// True while a writing job has not reported its end.
    pub fn jobs_running(&self) -> bool {
        self.state.reprocess.job.is_some() || self.state.indexing.busy()
    }

    /// Read the last golden run of the data dir's golden file (a small JSON file), for
    /// the search pane. Call once at start-up, before the draw loop.
    pub fn load_golden_last(&mut self) {
        let dir = &self.state.setup.data_dir;
        let file = crate::sync::golden::GoldenFile::default_path(dir);
        self.state.golden_last = crate::sync::golden::load_newest_run(dir, &file);
    }

    /// The embedder and the store, or `None` after saying that they are not connected.
    pub(super) fn backends(&mut self) -> Option<(Arc<dyn Embedder>, Arc<dyn VectorStore>)> {
        match (self.services.embedder.clone(), self.services.store.clone()) {
            (Some(e), Some(s)) => Some((e, s)),
            _ => {
                self.state.notify(
                    Level::Error,
                    "no embedder or store is connected (see the log)",
                );
                None
            }
        }
    }

    /// The channel background tasks report to.
    pub fn sender(&self) -> UnboundedSender<Action> {
        self.tx.clone()
    }

    /// Apply one action. Returns true when the screen needs redrawing. Never waits for a
    /// scan: a list refresh that needs one leaves it to the filter's worker.
    pub fn update(&mut self, action: Action) -> bool {
        let mut changed = self.apply(action);
        if self.state.popup.is_none()
            && let Some(p) = self.state.popup_after.take()
        {
            self.state.popup = Some(p);
            changed = true;
        }
        self.dispatch_filter();
        if self.state.linked.is_some()
            && (self.state.focus != Focus::Details || self.state.on_record_tab())
        {
            self.state.linked = None;
        }
        if changed {
            let rows = view::list_rows(self.state.size) as usize;
            self.state.list.scroll_into_view(rows);
            // Every tab's list is as tall as the conversations'.
            if let Some(list) = self.state.rows_mut() {
                list.scroll_into_view(rows);
            }
        }
        changed
    }

    fn apply(&mut self, action: Action) -> bool {
        match action {
            Action::Key(key) => self.on_key(key),
            Action::Paste(text) => self.on_paste(text),
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
                let facts_note = export.facts_note.clone();
                let facts = export.facts.clone();
                self.state.export = Some(Arc::new(*export));
                self.state.statuses = self.state.policy_statuses(|_, _| EmbeddingStatus::Unknown);
                self.state.facts = crate::tui::facts::FactsTab::default();
                self.state.facts.refresh(&facts);
                for tab in [&mut self.state.items, &mut self.state.chunks] {
                    // Generations only grow: a result of the last export is dropped.
                    let generation = tab.generation;
                    *tab = crate::tui::kinds::KindTab::default();
                    tab.generation = generation;
                }
                self.state.linked = None;
                self.state.load = LoadState::Loaded;
                self.start_fulltext();
                self.state.list.invalidate();
                self.state.refresh_list();
                if bad > 0 {
                    self.state.notify(
                        Level::Warn,
                        format!("{n} memories loaded; {bad} bad records skipped (memlens check lists them)"),
                    );
                } else if facts_note.is_some() {
                    // Facts have their own tab: news, not a warning.
                    let f = facts.len();
                    let noun = if f == 1 { "Omi fact" } else { "Omi facts" };
                    self.state.notify(
                        Level::Info,
                        format!("{n} memories loaded; {f} {noun} in the facts tab (2 shows them)"),
                    );
                } else {
                    self.state
                        .notify(Level::Info, format!("{n} memories loaded"));
                }
                self.start_status_lookup(false);
                self.start_fact_lookup();
                self.start_kind_lookup(crate::omi::record_kind::Kind::ActionItems);
                self.start_kind_lookup(crate::omi::record_kind::Kind::Chunks);
                self.check_unfinished_run();
                self.start_auto_index();
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
                        pane.joined = search_engine::join_ids(
                            results.hits.iter().map(|h| h.memory_id.as_str()),
                            memories,
                        );
                        pane.results_query = results
                            .semantic
                            .as_ref()
                            .map(|s| &s.request.target)
                            .and_then(|t| match t {
                                SearchTarget::Text(q) => Some(q.clone()),
                                SearchTarget::LikeMemory(_) => None,
                            })
                            .or_else(|| {
                                (results.text.is_some() || results.chunks.is_some())
                                    .then(|| pane.query.value().to_string())
                            });
                        let mut results = *results;
                        crate::sync::hybrid::fill_chunk_times(&mut results.hits, memories);
                        pane.moments = crate::tui::search::SearchPane::moments_of(
                            &results,
                            memories,
                            pane.results_query.as_deref().unwrap_or(""),
                        );
                        pane.results = Some(results);
                        pane.selected = 0;
                        pane.error = None;
                    }
                    Err(e) => pane.error = Some(e),
                }
                if std::mem::take(&mut self.search_stale) {
                    self.namespace_changed("written while the search ran");
                }
                true
            }
            Action::FullTextProgress {
                generation,
                done,
                total,
            } => {
                if generation != self.fulltext_generation {
                    return false;
                }
                if matches!(self.state.fulltext, FullTextState::Building { .. }) {
                    self.state.fulltext = FullTextState::Building { done, total };
                }
                true
            }
            Action::FullTextReady {
                generation,
                outcome,
            } => {
                if generation != self.fulltext_generation {
                    return false;
                }
                match outcome {
                    Ok((ft, report)) => {
                        if let Some(note) = &report.note {
                            self.state.notify(Level::Warn, note.clone());
                        }
                        self.fulltext = Some(ft);
                        self.state.fulltext = FullTextState::Ready {
                            memories: report.memories,
                            built: report.built,
                            ms: report.elapsed_ms,
                        };
                    }
                    Err(e) => {
                        self.state.fulltext = FullTextState::Failed(e.clone());
                        self.state
                            .notify(Level::Error, format!("full-text index failed: {e}"));
                    }
                }
                true
            }
            Action::Explained {
                generation,
                outcome,
            } => {
                let ui = &mut self.state.explain;
                if generation != ui.generation {
                    return false;
                }
                ui.running = None;
                ui.result = Some(outcome.map(|b| *b));
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
                self.state.finish("plan");
                let ui = &mut self.state.reprocess;
                match outcome {
                    Ok(plan) => {
                        ui.plan = Some(*plan);
                        self.show_popup(Popup::ConfirmPlan);
                    }
                    Err(e) => self.state.notify(Level::Error, format!("cannot plan: {e}")),
                }
                true
            }
            Action::IndexPlanned {
                embeddable,
                indexed,
                total,
                note,
            } => {
                self.on_index_planned(embeddable, indexed, total, note);
                true
            }
            Action::IndexProgress(p) => {
                let ui = &mut self.state.indexing;
                ui.done = p.done;
                ui.rate_per_sec = p.rate_per_sec;
                true
            }
            Action::IndexDone(outcome) => {
                self.on_index_done(outcome);
                true
            }
            Action::ChunkIndexPlanned {
                total,
                indexed,
                todo,
            } => {
                let c = &mut self.state.indexing.chunks;
                c.preparing = false;
                c.total = total;
                c.indexed_before = indexed;
                c.todo = todo;
                c.running = todo > 0;
                true
            }
            Action::ChunkIndexProgress { done, rate_per_sec } => {
                let c = &mut self.state.indexing.chunks;
                c.done = done;
                c.rate_per_sec = rate_per_sec;
                true
            }
            Action::ChunkIndexDone(outcome) => {
                self.on_chunk_index_done(outcome);
                // The chunks tab's statuses changed.
                self.start_kind_lookup(crate::omi::record_kind::Kind::Chunks);
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
                self.state.finish("job");
                let single = self.state.reprocess.single;
                match outcome {
                    Ok(summary) => {
                        self.mark_written_fresh(&summary);
                        if summary.done > 0 && summary.namespace == self.state.setup.namespace {
                            self.namespace_changed(&format!(
                                "reprocess wrote {} memories",
                                summary.done
                            ));
                        }
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
                        let one = single && summary.total == 1;
                        let text = match (one, summary.failed.first()) {
                            (true, None) if summary.done == 1 => {
                                "reprocessed 1 memory: written and verified".to_string()
                            }
                            (true, Some(f)) => format!("reprocess failed: {}", f.error),
                            _ => text,
                        };
                        let level = if one && !summary.failed.is_empty() {
                            Level::Error
                        } else {
                            level
                        };
                        self.state.notify(level, text);
                        self.state.reprocess.summary = Some(*summary);
                        if !one {
                            self.show_popup(Popup::Job);
                        }
                    }
                    Err(e) => {
                        // One message: in the job popup when it is open, else in the
                        // message line.
                        let text = format!("reprocess stopped: {e}");
                        if self.state.popup == Some(Popup::Job) {
                            self.state
                                .notify(Level::Error, "reprocess stopped (see the job window)");
                        } else {
                            self.state.notify(Level::Error, text.clone());
                        }
                        self.state.reprocess.stopped = Some(text);
                    }
                }
                // The statuses changed: look them up again.
                self.start_status_lookup(true);
                self.start_fact_lookup();
                for kind in [
                    crate::omi::record_kind::Kind::ActionItems,
                    crate::omi::record_kind::Kind::Chunks,
                ] {
                    if self
                        .state
                        .kind_tab(kind)
                        .is_some_and(|t| t.report.is_some())
                    {
                        self.start_kind_lookup(kind);
                    }
                }
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
                self.state.finish("vector");
                // The verdict counts at once: the list shows fresh or stale now.
                if let Ok(outcome) = &check.drift {
                    self.apply_drift(std::slice::from_ref(outcome));
                }
                // The window opens for the memory `v` was pressed on, even when the new
                // verdict moves it out of a status filter.
                if self.state.vector_for.as_deref() == Some(check.memory_id.as_str()) {
                    self.state.vector_for = None;
                    self.state.vector = Some(*check);
                    self.show_popup(Popup::Vector);
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
                self.show_popup(Popup::DriftConfirm);
                true
            }
            Action::DriftDone(outcome) => {
                self.state.drift.running = false;
                if let Ok(outcomes) = &outcome {
                    self.apply_drift(outcomes);
                }
                self.state.drift.results = Some(outcome);
                self.show_popup(Popup::DriftResults);
                true
            }
            Action::FactStatusLoaded {
                generation,
                outcome,
            } => {
                if generation != self.state.facts.generation {
                    return false;
                }
                self.state.facts.lookup_running = false;
                self.state.facts.verifying = None;
                match outcome {
                    Ok(entries) => {
                        let facts = self.state.fact_list().to_vec();
                        self.state.facts.apply_entries(&facts, entries);
                    }
                    Err(e) => self
                        .state
                        .notify(Level::Error, format!("fact status lookup failed: {e}")),
                }
                true
            }
            Action::FactSearchDone {
                generation,
                outcome,
            } => {
                let Some(search) = self
                    .state
                    .facts
                    .search
                    .as_mut()
                    .filter(|s| s.generation == generation)
                else {
                    return false;
                };
                search.running = false;
                search.selected = 0;
                match outcome {
                    Ok(hits) => search.hits = hits,
                    Err(e) => search.error = Some(e),
                }
                true
            }
            Action::KindRowsReady {
                kind,
                generation,
                rows,
            } => self.on_kind_rows(kind, generation, *rows),
            Action::KindStatusLoaded {
                kind,
                generation,
                outcome,
            } => self.on_kind_status(kind, generation, outcome),
            Action::KindProgress {
                kind,
                generation,
                stage,
                done,
            } => self.on_kind_progress(kind, generation, stage, done),
            Action::FactProgress {
                generation,
                done,
                total,
            } => {
                let facts = &mut self.state.facts;
                if generation != facts.generation || facts.verifying.is_none() {
                    return false;
                }
                facts.verifying = Some((done, total));
                true
            }
            Action::KindPlanned {
                generation,
                outcome,
            } => self.on_kind_planned(generation, outcome),
            Action::KindWritten { kind, outcome } => self.on_kind_written(kind, outcome),
            Action::FilterDone(ranked) => self.on_filter_done(*ranked),
            Action::Notify(level, text) => {
                self.state.notify(level, text);
                true
            }
        }
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
        // Ctrl-Z suspends like in every terminal program (raw mode turns it into a key).
        if key.code == KeyCode::Char('z')
            && key
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL)
        {
            self.state.suspend_requested = true;
            return false;
        }
        match self.state.popup {
            Some(Popup::Help) => {
                // Scroll no further than the last line at the bottom of the box.
                let visible = self.state.size.1.saturating_sub(2) as usize;
                let max = view::help_line_count(&self.state).saturating_sub(visible) as u16;
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
                match confirm::answer(key.code, confirm::Default::Confirm) {
                    confirm::Answer::Confirm => {
                        self.state.popup = None;
                        self.run_drift();
                    }
                    confirm::Answer::Cancel => {
                        self.state.popup = None;
                        self.state.drift.planned = None;
                        self.state.notify(Level::Info, "drift check cancelled");
                    }
                    confirm::Answer::Ignore => {}
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
            Some(Popup::Explain) => {
                let ui = &mut self.state.explain;
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => ui.scroll = ui.scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => ui.scroll = ui.scroll.saturating_sub(1),
                    KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('w') => {
                        self.state.popup = None;
                    }
                    _ => {}
                }
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
            Some(Popup::Messages) => {
                let max = self.state.messages.len().saturating_sub(1);
                let scroll = &mut self.state.messages_scroll;
                match key.code {
                    KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') | KeyCode::Enter => {
                        self.state.popup = None
                    }
                    KeyCode::Char('j') | KeyCode::Down => *scroll = (*scroll + 1).min(max),
                    KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    KeyCode::Char('G') | KeyCode::End => *scroll = max,
                    KeyCode::Char('g') | KeyCode::Home => *scroll = 0,
                    _ => {}
                }
                return true;
            }
            Some(Popup::Copy) => {
                self.state.popup = None;
                self.copy(key.code);
                return true;
            }
            Some(Popup::ConfirmKindWrite) => {
                self.on_kind_confirm_key(key.code);
                return true;
            }
            Some(Popup::ConfirmQuit) => {
                match confirm::answer(key.code, confirm::Default::Cancel) {
                    confirm::Answer::Confirm => self.state.should_quit = true,
                    confirm::Answer::Cancel => self.state.popup = None,
                    confirm::Answer::Ignore => {}
                }
                return true;
            }
            None => {}
        }
        if let Some(input) = &mut self.state.facts.search_input {
            match key.code {
                KeyCode::Esc => self.state.facts.search_input = None,
                KeyCode::Enter => {
                    let q = input.value().trim().to_string();
                    self.state.facts.search_input = None;
                    if q.is_empty() {
                        self.state.notify(Level::Info, "type a query first");
                    } else {
                        self.start_fact_search(q);
                    }
                }
                _ => {
                    input.handle_event(&Event::Key(key));
                }
            }
            return true;
        }
        if let Some(field) = self.state.search.editing {
            self.on_search_key(key, field);
            return true;
        }
        if self.state.on_record_tab()
            && let Some(input) = &mut self.state.filter_input
        {
            match key.code {
                KeyCode::Esc => {
                    self.state.filter_input = None;
                    self.state.set_rows_query("");
                }
                KeyCode::Enter | KeyCode::Down | KeyCode::Up | KeyCode::Tab => {
                    self.state.filter_input = None;
                }
                _ => {
                    if input.handle_event(&Event::Key(key)).is_some() {
                        let value = input.value().to_string();
                        self.state.set_rows_query(&value);
                    }
                }
            }
            return true;
        }
        if let Some(input) = &mut self.state.filter_input {
            match key.code {
                KeyCode::Esc => {
                    self.state.filter_input = None;
                    self.state.list.query.clear();
                    self.state.refresh_list();
                }
                KeyCode::Enter | KeyCode::Tab => {
                    self.state.filter_input = None;
                }
                // Move through the matches without leaving the filter.
                KeyCode::Down | KeyCode::Up => {
                    let before = self.state.list.selected;
                    self.state
                        .list
                        .move_by(if key.code == KeyCode::Down { 1 } else { -1 });
                    if self.state.list.selected != before {
                        self.state.details_scroll = 0;
                    }
                }
                _ => {
                    if input.handle_event(&Event::Key(key)).is_some()
                        && input.value() != self.state.list.query
                    {
                        // The scan runs on the filter's worker; the result arrives as
                        // an Action and shows its best match first.
                        self.state.list.set_typed_query(input.value());
                        self.state.refresh_list();
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

    fn page(&self) -> usize {
        view::list_rows(self.state.size).max(1) as usize
    }

    fn on_command(&mut self, c: Command) {
        use crate::tui::kinds::Tab;
        match c {
            Command::TabConversations => return self.show_tab(Tab::Conversations),
            Command::TabFacts => return self.show_tab(Tab::Facts),
            Command::TabActionItems => return self.show_tab(Tab::ActionItems),
            Command::TabChunks => return self.show_tab(Tab::Chunks),
            _ => {}
        }
        let tab = self.state.tab;
        match tab {
            Tab::Facts if self.on_facts_command(c) => return,
            Tab::ActionItems | Tab::Chunks if self.on_kind_command(c) => return,
            // A conversation's details: Enter picks one of its chunks and action items,
            // j/k move the pick, Enter opens it, Esc drops the pick.
            Tab::Conversations if self.state.focus == Focus::Details => match c {
                Command::OpenLinked => return self.open_linked_record(),
                Command::Reprocess if self.state.linked.is_some() => {
                    return self.write_linked_record();
                }
                Command::Up | Command::Down if self.state.linked.is_some() => {
                    return self.move_linked(if c == Command::Up { -1 } else { 1 });
                }
                Command::ClosePopup
                    if self.state.linked.is_some() && self.state.popup.is_none() =>
                {
                    self.state.linked = None;
                    return;
                }
                _ => {}
            },
            _ => {}
        }
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
                    let refusal = self.state.write_refusal("writes are disabled");
                    self.state.notify(Level::Error, refusal);
                } else {
                    self.state.popup = Some(Popup::BatchChoice);
                }
                return;
            }
            Command::VectorCheck => return self.start_vector_check(),
            Command::IndexView => return self.start_index_view(),
            Command::MapView => return self.start_map(),
            Command::DriftBatch => return self.plan_drift(),
            Command::TopKUp | Command::TopKDown => {
                self.state
                    .search
                    .adjust_top_k(if c == Command::TopKUp { 1 } else { -1 });
                // A new top-k re-runs the last search (not while a query is typed).
                if let Some(target) = self.last_search.clone() {
                    self.start_search(target);
                }
                return;
            }
            Command::Copy => {
                // The shown tab's selection (a record tab's row, never the hidden
                // conversation's).
                if !crate::tui::clipboard::choices(&self.state).is_empty() {
                    self.state.popup = Some(Popup::Copy);
                }
                return;
            }
            Command::CycleSearchMode => return self.cycle_search_mode(),
            Command::Explain => return self.start_explain(),
            Command::GoldenAdd => return self.golden_add(),
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
                if state.quit_asks_first() {
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
                } else if !state.config_warnings.is_empty() {
                    state.config_warnings.clear();
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
                // An earlier query is selected: typing replaces it (a cursor key edits it).
                state.search.select_all = !state.search.query.value().is_empty();
            }
            Command::EditRange => {
                state.right = RightPane::Search;
                state.focus = Focus::Search;
                state.search.editing = Some(SearchField::Range);
            }
            Command::MessageLog => {
                // Read: the configuration warnings leave the footer.
                state.config_warnings.clear();
                state.messages_scroll = state.messages.len().saturating_sub(1);
                state.popup = Some(Popup::Messages);
            }
            Command::FocusLeft => state.focus = Focus::List,
            Command::FocusRight => {
                state.focus = match state.right {
                    RightPane::Details => Focus::Details,
                    RightPane::Search => Focus::Search,
                }
            }
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
            | Command::TopKUp
            | Command::TopKDown
            | Command::Copy
            | Command::CycleSearchMode
            | Command::Explain
            | Command::GoldenAdd
            | Command::Jobs
            | Command::TabConversations
            | Command::TabFacts
            | Command::TabActionItems
            | Command::TabChunks
            | Command::OpenLinked => {}
            Command::Up
            | Command::Down
            | Command::PageUp
            | Command::PageDown
            | Command::HalfPageUp
            | Command::HalfPageDown
            | Command::Top
            | Command::Bottom => {
                let delta = crate::tui::kinds::movement(c, page).unwrap_or_default();
                if searching {
                    state.search.move_by(delta.clamp(-1000, 1000));
                } else if details {
                    let visible =
                        view::layout(state.size).details.height.saturating_sub(2) as usize;
                    let max = view::details_line_count(state).saturating_sub(visible) as isize;
                    let next = (state.details_scroll as isize)
                        .saturating_add(delta)
                        .clamp(0, max.max(0));
                    state.details_scroll = next as usize;
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
        let areas = view::areas(&self.state);
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
                if let Some(list) = self.state.rows_mut() {
                    // A record tab: its own rows.
                    if m.row >= inner_top {
                        let row = (m.row - inner_top) as usize + list.offset;
                        if row < list.visible.len() {
                            list.selected = row;
                            list.details_scroll = 0;
                        }
                    }
                } else if m.row >= inner_top {
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
