//! The auto-index on open (offline default): prepare in the background, write without a
//! confirmation (the local store only; remote writes always need one), report progress
//! as Actions for the header gauge, refresh statuses when done.

use super::*;
use crate::sync::autoindex::{BATCH, prepare};

impl App {
    /// Start indexing the loaded export into the local store, if the set-up asks for it.
    pub(super) fn start_auto_index(&mut self) {
        if !self.state.setup.auto_index
            || self.state.setup.store_is_remote
            || self.state.indexing.busy()
            || self.state.reprocess.busy()
        {
            return;
        }
        let (Some(embedder), Some(store)) =
            (self.services.embedder.clone(), self.services.store.clone())
        else {
            return;
        };
        if store.is_remote() {
            return;
        }
        let rp = match self.reprocessor_with(
            crate::omi::fact_conventions::Kind::Conversations,
            BATCH,
            1,
        ) {
            Ok(rp) => rp,
            Err(e) => {
                self.state.indexing.error = Some(e.clone());
                self.state
                    .notify(Level::Warn, format!("not indexing the export: {e}"));
                return;
            }
        };
        let memories = self.state.memories().to_vec();
        let uid = self.state.setup.uid.clone();
        self.state.indexing = crate::tui::jobs::IndexingUi {
            preparing: true,
            chunks: crate::tui::jobs::ChunkIndexingUi {
                preparing: uid.is_some(),
                ..Default::default()
            },
            ..Default::default()
        };
        let cancel = CancelFlag::new();
        self.index_cancel = Some(cancel.clone());
        // The chunk run stops with the same flag (a terminating signal, a quit).
        let chunk_cancel = cancel.clone();
        let chunk_embedder = Arc::clone(&embedder);
        let chunk_store = Arc::clone(&store);
        let chunk_memories = memories.clone();
        let chunk_rp = Arc::clone(&rp);
        let tx = self.tx.clone();
        // The planner's future is not `Send`: it runs on a blocking thread driven by the
        // runtime's handle, then the run goes on there too (its embedding calls hop to
        // further blocking threads, so the draw loop never waits).
        let handle = tokio::runtime::Handle::current();
        let chunk_handle = handle.clone();
        spawn_reporting(&self.tx, "auto-index", async move {
            let work_tx = tx.clone();
            let worked = tokio::task::spawn_blocking(move || {
                handle.block_on(async move {
                    let prepared = prepare(&rp, embedder.as_ref(), &store, &memories)
                        .await
                        .map_err(|e| e.to_string())?;
                    let _ = work_tx.send(Action::IndexPlanned {
                        embeddable: prepared.embeddable,
                        indexed: prepared.indexed,
                        total: prepared.plan.items.len(),
                        note: prepared.note.clone(),
                    });
                    if prepared.plan.items.is_empty() {
                        return Ok(None);
                    }
                    let progress_tx = work_tx.clone();
                    let progress = move |p: &crate::sync::reprocess::Progress| {
                        let _ = progress_tx.send(Action::IndexProgress(Box::new(p.clone())));
                    };
                    rp.run(&prepared.plan, progress, &cancel)
                        .await
                        .map(|s| Some(Box::new(s)))
                        .map_err(|e| e.to_string())
                })
            })
            .await;
            let outcome = match worked {
                Ok(Ok(Some(summary))) => Some(Ok(summary)),
                Ok(Ok(None)) => None,
                Ok(Err(e)) => Some(Err(e)),
                Err(e) => Some(Err(format!("the indexing task crashed: {e}"))),
            };
            if let Some(outcome) = outcome {
                let _ = tx.send(Action::IndexDone(outcome));
            }
            // Then the transcript chunks (ns_tchunks), newest first, on the same gauge.
            let Some(uid) = uid else {
                return;
            };
            let chunk_tx = tx.clone();
            let chunked = tokio::task::spawn_blocking(move || {
                chunk_handle.block_on(async move {
                    let plan = crate::sync::tchunks::plan(
                        chunk_embedder.as_ref(),
                        chunk_store.as_ref(),
                        chunk_rp.journal(),
                        &uid,
                        &chunk_memories,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                    let _ = chunk_tx.send(Action::ChunkIndexPlanned {
                        total: plan.total,
                        indexed: plan.indexed,
                        todo: plan.items.len(),
                    });
                    let progress_tx = chunk_tx.clone();
                    crate::sync::tchunks::run(
                        chunk_embedder.as_ref(),
                        chunk_store.as_ref(),
                        chunk_rp.journal(),
                        &uid,
                        &plan,
                        move |p| {
                            let secs = (p.elapsed_ms.max(1) as f64) / 1000.0;
                            let _ = progress_tx.send(Action::ChunkIndexProgress {
                                done: p.done,
                                rate_per_sec: p.done as f64 / secs,
                            });
                        },
                        &chunk_cancel,
                    )
                    .await
                    .map_err(|e| e.to_string())
                })
            })
            .await
            .unwrap_or_else(|e| Err(format!("the chunk indexing task crashed: {e}")));
            let _ = tx.send(Action::ChunkIndexDone(chunked));
        });
    }

    pub(super) fn on_chunk_index_done(&mut self, outcome: Result<usize, String>) {
        let c = &mut self.state.indexing.chunks;
        c.preparing = false;
        c.running = false;
        match outcome {
            Ok(written) => {
                c.done = written;
                if written > 0 {
                    let text = format!(
                        "indexed: {} holds all {} transcript chunks of this export",
                        crate::sync::tchunks::NAMESPACE,
                        c.indexed()
                    );
                    self.state.notify(Level::Info, text);
                }
            }
            Err(e) => {
                c.error = Some(e.clone());
                self.state.notify(
                    Level::Error,
                    format!("indexing the transcript chunks failed: {e}"),
                );
            }
        }
    }

    pub(super) fn on_index_planned(
        &mut self,
        embeddable: usize,
        indexed: usize,
        total: usize,
        note: Option<String>,
    ) {
        let ui = &mut self.state.indexing;
        ui.preparing = false;
        ui.embeddable = embeddable;
        ui.indexed_before = indexed;
        ui.total = total;
        ui.running = total > 0;
        ui.finished = total == 0;
        if let Some(note) = note {
            self.state.notify(Level::Warn, note);
        } else if total > 0 {
            self.state.notify(
                Level::Info,
                format!(
                    "indexing {total} memories into the local store with {} (newest first)",
                    self.state.setup.embedder_model
                ),
            );
        }
    }

    pub(super) fn on_index_done(&mut self, outcome: Result<Box<Summary>, String>) {
        let ui = &mut self.state.indexing;
        ui.preparing = false;
        ui.running = false;
        ui.finished = true;
        match outcome {
            Ok(summary) => {
                ui.done = summary.done;
                let failed = summary.failed.len();
                let (level, text) = if failed == 0 {
                    (
                        Level::Info,
                        format!(
                            "indexed: {} holds all {} memories of this export",
                            self.state.setup.namespace,
                            ui.indexed()
                        ),
                    )
                } else {
                    (
                        Level::Warn,
                        format!(
                            "indexed {} of {}; {failed} failed (R → a retries them)",
                            summary.done, summary.total
                        ),
                    )
                };
                self.state.notify(level, text);
                if summary.done > 0 {
                    self.namespace_changed("indexing finished");
                }
            }
            Err(e) => {
                ui.error = Some(e.clone());
                self.state
                    .notify(Level::Error, format!("indexing the export failed: {e}"));
            }
        }
        self.start_status_lookup(true);
    }
}
