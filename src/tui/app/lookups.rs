//! Embedding status lookups (with the on-disk cache) and applying their results.

use super::*;

impl App {
    pub(super) fn apply_statuses(&mut self, cache: StatusCache, from_cache: bool, took_ms: u128) {
        let state = &mut self.state;
        state.lookup.running = None;
        state.lookup.checked_at = Some(cache.checked_at);
        state.lookup.from_cache = from_cache;
        state.lookup.took_ms = Some(took_ms);
        state.statuses = state.policy_statuses(|_, m| {
            cache
                .entries
                .get(&m.id)
                .map(|e| e.status)
                .unwrap_or(EmbeddingStatus::Unknown)
        });
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
            let result = crate::sync::status::lookup(
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
}
