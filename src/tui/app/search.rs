//! The search pane's work: running searches (newest wins), exporting results, opening a hit.

use super::*;
use crate::sync::daterange::DateRange;
use crate::sync::drift::DriftCache;
use crate::sync::explain::{ExplainRequest, ExportSide, explain};
use crate::sync::fulltext::FullText;
use crate::sync::golden::{GoldenFile, add_to_file};
use crate::sync::hybrid::{SearchMode, hybrid_search};
use crate::tui::state::FullTextState;

impl App {
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
        let mode = pane.mode;
        let fulltext = self.fulltext.clone();
        if mode == SearchMode::Text && fulltext.is_none() && matches!(target, SearchTarget::Text(_))
        {
            pane.error = Some(match &self.state.fulltext {
                FullTextState::Building { done, total } => format!(
                    "the full-text index is still being built ({done}/{total}); t switches to semantic"
                ),
                FullTextState::Failed(e) => format!("no full-text index: {e}"),
                _ => "text mode needs an export (memlens EXPORT)".into(),
            });
            return;
        }
        self.last_search = Some(target.clone());
        if let Some(h) = self.search_task.take() {
            h.abort();
        }
        pane.generation += 1;
        let generation = pane.generation;
        pane.running = Some(match &target {
            SearchTarget::Text(q) => format!("searching for {q:?} ({})", mode.name()),
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
            let outcome = search_or_text_hits(
                embedder.as_ref(),
                store.as_ref(),
                fulltext,
                &request,
                mode,
                &tx,
            )
            .await
            .map(Box::new);
            let _ = tx.send(Action::SearchDone {
                generation,
                outcome,
            });
        }));
    }

    /// The namespace searched changed (the auto-index or a reprocess wrote to it): the
    /// shown results may lack what was just written (semantic "—"), so the search they
    /// came from runs again — unless a query is being typed.
    pub(super) fn namespace_changed(&mut self, why: &str) {
        let pane = &self.state.search;
        if pane.running.is_some() {
            // The search in flight may have read the namespace before the write.
            self.search_stale = true;
            return;
        }
        if pane.results.is_none() || pane.editing.is_some() {
            return;
        }
        let Some(target) = self.last_search.clone() else {
            return;
        };
        self.state.notify(
            Level::Info,
            format!(
                "{} changed ({why}): the search runs again",
                self.state.setup.namespace
            ),
        );
        self.start_search(target);
    }

    /// `t`: the next search mode; reruns the shown query in it.
    pub(super) fn cycle_search_mode(&mut self) {
        let pane = &mut self.state.search;
        pane.mode = pane.mode.next();
        let mode = pane.mode;
        self.state
            .notify(Level::Info, format!("search mode: {}", mode.name()));
        if let Some(q) = self.state.search.results_query.clone() {
            self.start_search(SearchTarget::Text(q));
        }
    }

    /// The memory `w` and `a` act on: the selected hit in the search pane, else the
    /// selected memory.
    fn target_memory(&self) -> Option<String> {
        if self.state.focus == Focus::Search {
            let pane = &self.state.search;
            return pane
                .results
                .as_ref()
                .and_then(|r| r.hits.get(pane.selected))
                .map(|h| h.memory_id.clone());
        }
        self.state.selected().map(|(_, m)| m.id.clone())
    }

    /// The active query: the shown results' query, else the typed one.
    fn active_query(&self) -> Option<String> {
        let pane = &self.state.search;
        pane.results_query
            .clone()
            .or_else(|| Some(pane.query.value().to_string()))
            .filter(|q| !q.trim().is_empty())
    }

    /// `w`: explain the selected hit (or memory) for the active query, in a popup.
    pub(super) fn start_explain(&mut self) {
        let Some(query) = self.active_query() else {
            self.state.notify(
                Level::Warn,
                "no active query: search first (s), then w explains a memory",
            );
            return;
        };
        let Some(memory_id) = self.target_memory() else {
            self.state
                .notify(Level::Warn, "select a hit or a memory first");
            return;
        };
        let Some(uid) = self.state.setup.uid.clone() else {
            self.state
                .notify(Level::Error, "no uid set: start memlens with --uid UID");
            return;
        };
        let Some((embedder, store)) = self.backends() else {
            return;
        };
        let range = self
            .state
            .search
            .range_check
            .clone()
            .unwrap_or(DateRange::ALL);
        let request = ExplainRequest {
            uid,
            namespace: self.state.setup.namespace.clone(),
            query: query.clone(),
            memory_id: memory_id.clone(),
            range,
            top_k: self.state.search.top_k,
            mode: self.state.search.mode,
        };
        let export = self.state.export.clone();
        let fulltext = self.fulltext.clone();
        let data_dir = self.state.setup.data_dir.clone();
        let ui = &mut self.state.explain;
        ui.generation += 1;
        let generation = ui.generation;
        ui.running = Some(format!("explaining {memory_id} for {query:?}"));
        ui.result = None;
        ui.scroll = 0;
        self.state.popup = Some(Popup::Explain);
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "explain", async move {
            let dir = data_dir.clone();
            let mut cache = tokio::task::spawn_blocking(move || DriftCache::load(&dir))
                .await
                .unwrap_or_default();
            let outcome = explain(
                embedder.as_ref(),
                store.as_ref(),
                &request,
                export
                    .as_deref()
                    .map(|e| ExportSide {
                        memories: Some(&e.memories),
                        uid: e.profile_uid.as_deref(),
                    })
                    .unwrap_or_default(),
                fulltext,
                Some(&mut cache),
            )
            .await
            .map(Box::new)
            .map_err(|e| e.to_string());
            let _ = tokio::task::spawn_blocking(move || cache.save(&data_dir)).await;
            let _ = tx.send(Action::Explained {
                generation,
                outcome,
            });
        });
    }

    /// `a`: add the active query → the selected hit to the data dir's golden file.
    pub(super) fn golden_add(&mut self) {
        let (Some(query), Some(memory_id)) = (self.active_query(), self.target_memory()) else {
            self.state.notify(
                Level::Warn,
                "search first, then select the hit the query should find",
            );
            return;
        };
        let path = GoldenFile::default_path(&self.state.setup.data_dir);
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "golden add", async move {
            let p = path.clone();
            let (q, id) = (query.clone(), memory_id.clone());
            let added = tokio::task::spawn_blocking(move || add_to_file(&p, &q, &id)).await;
            let action = match added {
                Ok(Ok(true)) => Action::Notify(
                    Level::Info,
                    format!(
                        "golden: {query:?} → {memory_id} added to {} (memlens golden run)",
                        path.display()
                    ),
                ),
                Ok(Ok(false)) => Action::Notify(
                    Level::Info,
                    format!("golden: {query:?} already expects {memory_id}"),
                ),
                Ok(Err(e)) => Action::Notify(Level::Error, format!("golden: {e}")),
                Err(e) => Action::Notify(Level::Error, format!("golden: {e}")),
            };
            let _ = tx.send(action);
        });
    }

    /// Build (or reopen) the full-text index of the loaded export off the UI thread,
    /// reporting progress. Only when a store and an embedder are connected: the index
    /// serves the search pane, which needs them.
    pub(super) fn start_fulltext(&mut self) {
        let Some(export) = self.state.export.clone() else {
            return;
        };
        if self.services.store.is_none() || self.services.embedder.is_none() {
            return;
        }
        self.fulltext = None;
        self.fulltext_generation += 1;
        let generation = self.fulltext_generation;
        let total = export.memories.len();
        self.state.fulltext = FullTextState::Building { done: 0, total };
        let data_dir = self.state.setup.data_dir.clone();
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "full-text index", async move {
            let progress_tx = tx.clone();
            let opened = tokio::task::spawn_blocking(move || {
                FullText::open_or_build(&data_dir, &export.memories, &mut |done, total| {
                    let _ = progress_tx.send(Action::FullTextProgress {
                        generation,
                        done,
                        total,
                    });
                })
            })
            .await;
            let outcome = match opened {
                Ok(Ok((ft, report))) => Ok((Arc::new(ft), report)),
                Ok(Err(e)) => Err(e.to_string()),
                Err(e) => Err(format!("the indexer crashed: {e}")),
            };
            let _ = tx.send(Action::FullTextReady {
                generation,
                outcome,
            });
        });
    }

    pub(super) fn export_search_results(&mut self) {
        let Some(results) = self
            .state
            .search
            .results
            .as_ref()
            .and_then(|r| r.semantic.clone())
        else {
            self.state
                .notify(Level::Warn, "no semantic results to export yet");
            return;
        };
        let memories = self.state.memories();
        let joined = search_engine::join_hits(&results.hits, memories);
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

    pub(super) fn open_selected_hit(&mut self) {
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
        let moment = state.search.selected_moment().cloned();
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
        // Found in the transcript: open it there, the answering segment marked.
        if let Some(moment) = moment {
            state.transcript_expanded = true;
            state.details_moment = Some(moment);
            state.details_scroll = crate::tui::view::moment_scroll(state).unwrap_or(0);
        }
    }

    pub(super) fn on_search_key(&mut self, key: KeyEvent, field: SearchField) {
        let pane = &mut self.state.search;
        if std::mem::take(&mut pane.select_all) && field == SearchField::Query {
            let ctrl = key
                .modifiers
                .contains(crossterm::event::KeyModifiers::CONTROL);
            match key.code {
                // Typing replaces the selected query; Backspace/Delete clear it.
                KeyCode::Char(_) if !ctrl => pane.query = Input::default(),
                KeyCode::Backspace | KeyCode::Delete => {
                    pane.query = Input::default();
                    return;
                }
                _ => {}
            }
        }
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
}

/// Run a search. In hybrid mode, when the query cannot be embedded (or the store cannot
/// be queried) but the full-text index is there, the text hits are shown with a note
/// that the semantic side failed; the full error goes to the message log and the log file.
async fn search_or_text_hits(
    embedder: &dyn Embedder,
    store: &dyn VectorStore,
    fulltext: Option<Arc<FullText>>,
    request: &SearchRequest,
    mode: SearchMode,
    tx: &UnboundedSender<Action>,
) -> Result<crate::sync::hybrid::HybridResults, String> {
    use crate::sync::hybrid::HybridError;
    use crate::sync::search::SearchError;
    let text_side = fulltext.clone();
    match hybrid_search(embedder, store, fulltext, request, mode).await {
        Err(HybridError::Semantic(e @ (SearchError::Embed(_) | SearchError::Store(_))))
            if mode == SearchMode::Hybrid
                && text_side.is_some()
                && matches!(request.target, SearchTarget::Text(_)) =>
        {
            let full = e.to_string();
            let _ = tx.send(Action::Notify(
                Level::Error,
                format!("the semantic side of the search failed (text hits shown): {full}"),
            ));
            let mut results = hybrid_search(embedder, store, text_side, request, SearchMode::Text)
                .await
                .map_err(|e| e.to_string())?;
            results
                .notes
                .push(format!("semantic side failed: {full} (L shows it in full)"));
            Ok(results)
        }
        Err(e) => {
            let full = e.to_string();
            let _ = tx.send(Action::Notify(
                Level::Error,
                format!("search failed: {full}"),
            ));
            Err(full)
        }
        Ok(r) => Ok(r),
    }
}
