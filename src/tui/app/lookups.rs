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
        state.status_stamps = cache
            .entries
            .keys()
            .map(|id| (id.clone(), cache.stamp_of(id)))
            .collect();
        state.status_entries = cache.entries;
        state.list.invalidate();
        state.refresh_list();
        if state.looks_like_first_run() {
            let batch = state
                .keymap
                .keys_for(Command::ReprocessBatch, crate::tui::keymap::Scope::List);
            // Conversation keys (R then a, s): shown on the conversations tab only.
            state.notify_on(
                crate::tui::kinds::Tab::Conversations,
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
        let cached = if force {
            None
        } else {
            StatusCache::load(&data_dir, &key)
        };
        let mut memories = export.memories.clone();
        let mut base: Option<StatusCache> = None;
        if let Some(cache) = cached {
            // Show the cache now; look up only the memories it does not know.
            memories.retain(|m| !cache.entries.contains_key(&m.id));
            // Applied now (not through the channel) so that the lookup of the missing
            // ids below stays marked as running until it reports.
            self.apply_statuses(cache.clone(), true, 0);
            if memories.is_empty() {
                return;
            }
            base = Some(cache);
        }
        let earlier = self.state.status_entries.clone();
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
                Ok(mut entries) => {
                    crate::sync::status::keep_verdicts(&mut entries, &earlier);
                    let from_cache = base.is_some();
                    let now = chrono::Utc::now();
                    let stamps = entries
                        .keys()
                        .map(|id| (id.clone(), now.timestamp_millis()))
                        .collect::<Vec<_>>();
                    let mut cache = match base {
                        // The cache plus the memories it lacked.
                        Some(mut cache) => {
                            cache.entries.extend(entries);
                            cache
                        }
                        None => StatusCache {
                            key,
                            checked_at: now.timestamp(),
                            entries,
                            stamps: Default::default(),
                        },
                    };
                    cache.stamps.extend(stamps);
                    // What another process wrote since is kept when newer.
                    match cache.save(&data_dir) {
                        Ok(saved) => cache = saved,
                        Err(e) => tracing::warn!("cannot save the status cache: {e}"),
                    }
                    Action::StatusLoaded {
                        generation,
                        cache: Box::new(cache),
                        from_cache,
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

    /// A write finished: the memories it wrote and verified are fresh now (their vectors
    /// are the embeddings of the current text), before any lookup says so.
    pub(super) fn mark_written_fresh(&mut self, summary: &crate::sync::reprocess::Summary) {
        let written = std::mem::take(&mut self.state.reprocess.writing);
        if summary.cancelled || summary.pending > 0 || written.is_empty() {
            return;
        }
        // A text in another format than the current one is not "the current text".
        if self.state.text_format != crate::omi::text::TextFormat::CURRENT {
            return;
        }
        let failed: std::collections::HashSet<&str> = summary
            .failed
            .iter()
            .map(|f| f.memory_id.as_str())
            .collect();
        let state = &mut self.state;
        for id in written.iter().filter(|id| !failed.contains(id.as_str())) {
            let Some(i) = state.memories().iter().position(|m| &m.id == id) else {
                continue;
            };
            state.statuses[i] = EmbeddingStatus::Fresh;
            let entry = state
                .status_entries
                .entry(id.clone())
                .or_insert_with(|| crate::sync::StatusEntry::bare(EmbeddingStatus::Fresh));
            entry.status = EmbeddingStatus::Fresh;
            entry.norm = None;
            entry.reason = Some("written and verified in this session".into());
            state
                .status_stamps
                .insert(id.clone(), chrono::Utc::now().timestamp_millis());
        }
        state.list.invalidate();
        state.refresh_list();
        self.save_status_cache();
    }

    /// Save the statuses shown (with their verdicts) to the status cache, off the UI
    /// thread, so the next start and `memlens status` see them.
    pub(super) fn save_status_cache(&mut self) {
        let Some(uid) = self.state.setup.uid.clone() else {
            return;
        };
        let key = StatusCache::key_for(
            &self.state.setup.store_target,
            &self.state.setup.namespace,
            &uid,
        );
        let cache = StatusCache {
            key,
            checked_at: self
                .state
                .lookup
                .checked_at
                .unwrap_or_else(|| chrono::Utc::now().timestamp()),
            entries: self.state.status_entries.clone(),
            stamps: self.state.status_stamps.clone(),
        };
        let data_dir = self.state.setup.data_dir.clone();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn_blocking(move || {
            if let Err(e) = cache.save(&data_dir) {
                tracing::warn!("cannot save the status cache: {e}");
            }
        });
    }
}
