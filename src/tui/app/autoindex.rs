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
        self.state.indexing = crate::tui::jobs::IndexingUi {
            preparing: true,
            ..Default::default()
        };
        let cancel = CancelFlag::new();
        self.index_cancel = Some(cancel.clone());
        let tx = self.tx.clone();
        // The planner's future is not `Send`: it runs on a blocking thread driven by the
        // runtime's handle, then the run goes on there too (its embedding calls hop to
        // further blocking threads, so the draw loop never waits).
        let handle = tokio::runtime::Handle::current();
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
                Ok(Ok(Some(summary))) => Ok(summary),
                Ok(Ok(None)) => return,
                Ok(Err(e)) => Err(e),
                Err(e) => Err(format!("the indexing task crashed: {e}")),
            };
            let _ = tx.send(Action::IndexDone(outcome));
        });
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
