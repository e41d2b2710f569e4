//! The search pane's work: running searches (newest wins), exporting results, opening a hit.

use super::*;

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
        self.last_search = Some(target.clone());
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

    pub(super) fn export_search_results(&mut self) {
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

    pub(super) fn on_search_key(&mut self, key: KeyEvent, field: SearchField) {
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
}
