//! Looking inside the index from the TUI: the vector check (`c`/`v`), the batch drift
//! check (`C`), the index view with orphans (`I`) and the map (`M`).

use super::*;

impl App {
    /// Fold drift verdicts into the statuses (fresh / stale / missing).
    pub(super) fn apply_drift(&mut self, outcomes: &[crate::sync::drift::DriftOutcome]) {
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
                DriftOutcome::Skipped {
                    skip: crate::omi::SkipReason::Deleted,
                    has_vector: true,
                    ..
                } => EmbeddingStatus::Orphan,
                DriftOutcome::Skipped {
                    has_vector: false, ..
                } => EmbeddingStatus::Skipped,
                // A skipped memory with a vector keeps the class its record gave it.
                DriftOutcome::Skipped { .. } => continue,
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
            state.status_stamps.insert(
                o.memory_id().to_string(),
                chrono::Utc::now().timestamp_millis(),
            );
        }
        state.list.invalidate();
        state.refresh_list();
        self.save_status_cache();
    }

    /// `C`: plan a drift check of the marked memories (or the filtered list).
    pub(super) fn plan_drift(&mut self) {
        if self.state.list.marks.is_empty() && self.state.list.is_filtering() {
            self.state.notify(
                Level::Warn,
                "the filter is still running: try again when the list shows its matches",
            );
            return;
        }
        let state = &self.state;
        let rows: Vec<u32> = if state.list.marks.is_empty() {
            state.list.visible.clone()
        } else {
            state.list.marks.iter().copied().collect()
        };
        let memories: Vec<crate::omi::Memory> = rows
            .iter()
            .filter_map(|&i| state.memories().get(i as usize).cloned())
            .filter(|m| {
                crate::omi::policy::skip_reason(m, None, crate::omi::Overrides::default()).is_none()
            })
            .collect();
        if memories.is_empty() {
            self.state.notify(
                Level::Warn,
                "nothing to check (skipped memories: Omi would not embed them)",
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

    pub(super) fn run_drift(&mut self) {
        let Some((ids, _, _)) = self.state.drift.planned.take() else {
            return;
        };
        // A check made from the marks uses them up.
        if !self.state.list.marks.is_empty() {
            self.state.list.marks.clear();
        }
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
    pub(super) fn start_map(&mut self) {
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
    pub(super) fn start_index_view(&mut self) {
        self.state.popup = Some(Popup::Index);
        let Some(store) = self.services.store.clone() else {
            self.state.index.report = Some(Err("no store is connected".into()));
            return;
        };
        let uid = self.state.setup.uid.clone();
        let namespace = self.state.setup.namespace.clone();
        let export = match &self.state.export {
            Some(e) => e.kinds_export(),
            None => crate::omi::export::Export::of_memories("", self.state.memories().to_vec()),
        };
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
                            &export,
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

    pub(super) fn on_index_key(&mut self, code: KeyCode) {
        let ui = &mut self.state.index;
        let orphans = ui
            .report
            .as_ref()
            .and_then(|r| r.as_ref().ok())
            .and_then(|r| r.scan.as_ref().ok())
            .map(|s| s.orphans.len())
            .unwrap_or(0);
        if ui.confirm_delete {
            match confirm::answer(code, confirm::Default::Cancel) {
                confirm::Answer::Confirm => {
                    ui.confirm_delete = false;
                    self.delete_orphans();
                }
                confirm::Answer::Cancel => {
                    ui.confirm_delete = false;
                    self.state
                        .notify(Level::Info, "delete cancelled; nothing was deleted");
                }
                confirm::Answer::Ignore => {}
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
                let incomplete = self
                    .state
                    .export
                    .as_ref()
                    .and_then(|e| e.incomplete.clone());
                if self.state.setup.read_only {
                    let refusal = self.state.write_refusal("deleting is disabled");
                    self.state.notify(Level::Error, refusal);
                } else if let Some(why) = incomplete {
                    self.state.notify(
                        Level::Error,
                        format!(
                            "not deleting: {why}, so these vectors may belong to conversations that still exist (memlens orphans EXPORT --delete --yes --allow-incomplete-export deletes anyway)"
                        ),
                    );
                } else {
                    self.state.index.confirm_delete = true;
                }
            }
            KeyCode::F(5) => self.start_index_view(),
            _ => {}
        }
    }

    pub(super) fn delete_orphans(&mut self) {
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
    pub(super) fn start_vector_check(&mut self) {
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
        self.state.vector_for = Some(memory.id.clone());
        self.state
            .notify_while("vector", "checking the stored vector…");
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
                    // Zeros are judged against the model that made the vector: the one
                    // the store records for the namespace, else the configured embedder
                    // when the dimension fits.
                    let recorded = store.namespace_model(&namespace).await.ok().flatten();
                    let stats = record.as_ref().map(|r| {
                        let stats = crate::tui::vector::VectorStats::of(&r.values, 48);
                        let model = recorded.clone().or_else(|| {
                            (embedder.dimension() == r.values.len())
                                .then(|| embedder.model_id().to_string())
                        });
                        match model {
                            Some(m) => stats.judge(&r.values, &m),
                            None => stats,
                        }
                    });
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
}
