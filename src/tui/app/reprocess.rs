//! Reprocess-and-upsert from the TUI: plans, confirmation popups, the job and resume.

use super::*;

impl App {
    /// An engine for the default batch size and concurrency, for conversations or facts.
    pub(super) fn reprocessor_for(
        &mut self,
        kind: crate::omi::fact_conventions::Kind,
    ) -> Result<Arc<Reprocessor>, String> {
        let defaults = ReprocessConfig::default();
        self.reprocessor_with(kind, defaults.batch_size, defaults.concurrency)
    }

    /// An engine for conversations (`ns1`, the setup's namespace and format) or facts
    /// (`ns2`, text = content, omi-facts.md §F5.1), with these texts per embedding call
    /// and batches in flight.
    pub(super) fn reprocessor_with(
        &mut self,
        kind: crate::omi::fact_conventions::Kind,
        batch_size: usize,
        concurrency: usize,
    ) -> Result<Arc<Reprocessor>, String> {
        let setup = &self.state.setup;
        if setup.read_only {
            return Err(self.state.write_refusal("writes are disabled"));
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
            kind,
            // Conversations in the namespace chosen at start; every other kind in Omi's.
            namespace: match kind {
                crate::omi::fact_conventions::Kind::Conversations => setup.namespace.clone(),
                other => other.default_namespace().to_string(),
            },
            format: self.state.text_format,
            created_at_policy: setup.created_at_policy,
            read_only: setup.read_only,
            batch_size,
            concurrency,
            ..ReprocessConfig::default()
        };
        Ok(Arc::new(Reprocessor::new(embedder, store, journal, config)))
    }

    /// Look for an unfinished reprocess run of any kind in the journal (start-up):
    /// conversations in the setup's namespace, facts, action items and chunks in Omi's;
    /// the first found is offered.
    pub fn check_unfinished_run(&mut self) {
        let engines: Vec<Arc<Reprocessor>> = crate::omi::record_kind::Kind::ALL
            .into_iter()
            .filter_map(|k| self.reprocessor_for(k).ok())
            .collect();
        if engines.is_empty() {
            return;
        }
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "journal check", async move {
            let found = tokio::task::spawn_blocking(move || {
                engines
                    .iter()
                    .find_map(|rp| rp.unfinished_run().ok().flatten())
            })
            .await;
            if let Ok(Some(info)) = found {
                let _ = tx.send(Action::UnfinishedRun(Box::new(info)));
            }
        });
    }

    /// Plan a reprocess of `selection` in the background; the plan then waits for a yes.
    pub(super) fn start_plan(&mut self, selection: Selection, single: bool) {
        self.start_plan_of(
            crate::omi::fact_conventions::Kind::Conversations,
            selection,
            single,
        );
    }

    /// Plan a reprocess of conversations (`ns1`) or facts (`ns2`) in the background, from
    /// what the last lookup knows; the plan then waits for a yes in the one popup.
    pub(super) fn start_plan_of(
        &mut self,
        kind: crate::omi::fact_conventions::Kind,
        selection: Selection,
        single: bool,
    ) {
        let facts = kind == crate::omi::fact_conventions::Kind::Facts;
        // The auto-index writes ns1: a conversation plan waits for it.
        if !facts && self.state.indexing.busy() {
            self.state.notify(
                Level::Warn,
                "the export is being indexed into the local store; reprocess when it is done",
            );
            return;
        }
        if self.state.reprocess.busy() {
            self.state.notify(
                Level::Warn,
                "a reprocess is already planned or running (J shows it)",
            );
            return;
        }
        let rp = match self.reprocessor_for(kind) {
            Ok(rp) => rp,
            Err(e) => {
                self.state.notify(Level::Error, e);
                return;
            }
        };
        let memories = if facts {
            Vec::new()
        } else {
            self.state.memories().to_vec()
        };
        let fact_list = if facts {
            self.state.fact_list().to_vec()
        } else {
            Vec::new()
        };
        let known = if facts {
            self.state.facts.entries.clone()
        } else {
            self.state.status_entries.clone()
        };
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
                handle.block_on(async {
                    if facts {
                        rp.plan_facts(&fact_list, &selection, Some(&known)).await
                    } else {
                        rp.plan(&memories, &selection, Some(&known)).await
                    }
                })
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
        self.state.notify_while("plan", "planning…");
    }

    pub(super) fn batch_selection(&self, scope: BatchScope) -> Selection {
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
    pub(super) fn start_job(&mut self, plan: Plan) {
        let total = plan.items.len();
        self.launch_job(total, JobWork::Run(Box::new(plan)));
    }

    /// Resume the unfinished run found at start-up.
    pub(super) fn resume_job(&mut self) {
        let Some(info) = self.state.reprocess.unfinished.take() else {
            return;
        };
        let export = match &self.state.export {
            Some(e) => e.kinds_export(),
            None => crate::omi::export::Export::of_memories("", self.state.memories().to_vec()),
        };
        self.launch_job(
            info.total(),
            JobWork::Resume {
                run_id: info.header.run_id.clone(),
                kind: info.header.kind(),
                export: Box::new(export),
            },
        );
    }

    /// Start a reprocess job in the background; progress and the end come back as
    /// Actions, `x` in the job popup raises its cancel flag.
    pub(super) fn launch_job(&mut self, total: usize, work: JobWork) {
        let rp = match self.reprocessor_for(work.kind()) {
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
        self.state.reprocess.stopped = None;
        written_ids_into(&mut self.state.reprocess, &work);
        // One memory: a message says how it went; a batch gets the job window.
        if self.state.reprocess.single && total == 1 {
            self.state.notify_while("job", "reprocessing 1 memory…");
        } else {
            self.state.popup = Some(Popup::Job);
        }
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "reprocess job", async move {
            let progress_tx = tx.clone();
            let progress = move |p: &crate::sync::reprocess::Progress| {
                let _ = progress_tx.send(Action::JobProgress(Box::new(p.clone())));
            };
            use crate::omi::record_kind::Kind;
            let outcome = match work {
                JobWork::Run(plan) => rp
                    .run(&plan, progress, &cancel)
                    .await
                    .map_err(|e| e.to_string()),
                JobWork::Resume {
                    run_id,
                    kind: Kind::Conversations,
                    export,
                } => rp
                    .resume(&run_id, &export.memories, progress, &cancel)
                    .await
                    .map_err(|e| e.to_string()),
                JobWork::Resume {
                    run_id,
                    kind: Kind::Facts,
                    export,
                } => rp
                    .resume_facts(&run_id, &export.fact_section.facts, progress, &cancel)
                    .await
                    .map_err(|e| e.to_string()),
                JobWork::Resume {
                    run_id,
                    kind,
                    export,
                } => {
                    let rk = crate::sync::kinds::record_kind(kind, rp.config().format);
                    crate::sync::kinds::write::resume(
                        &rp,
                        rk.as_ref(),
                        &export,
                        &run_id,
                        progress,
                        &cancel,
                    )
                    .await
                    .map_err(|e| e.to_string())
                }
            };
            let _ = tx.send(Action::JobDone(outcome.map(Box::new)));
        });
    }

    /// Keys while a reprocess popup is open. Returns true when handled.
    pub(super) fn on_reprocess_popup_key(&mut self, popup: Popup, code: KeyCode) {
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
                if scope == BatchScope::Filtered && self.state.list.is_filtering() {
                    self.state.notify(
                        Level::Warn,
                        "the filter is still running: try again when the list shows its matches",
                    );
                    return;
                }
                self.marks_in_use = scope == BatchScope::Marked;
                let selection = self.batch_selection(scope);
                self.start_plan(selection, false);
            }
            (Popup::ConfirmPlan, c) => {
                let remote = self
                    .state
                    .reprocess
                    .plan
                    .as_ref()
                    .is_some_and(|p| p.target.remote);
                let answer = confirm::answer(c, confirm::Default::for_write(remote));
                if answer == confirm::Answer::Ignore {
                    return;
                }
                self.state.popup = None;
                let plan = self.state.reprocess.plan.take();
                match (answer, plan) {
                    (confirm::Answer::Confirm, Some(plan)) if !plan.items.is_empty() => {
                        // The marks did their job: a batch made from them clears them.
                        if std::mem::take(&mut self.marks_in_use) {
                            self.state.list.marks.clear();
                        }
                        self.start_job(plan)
                    }
                    (confirm::Answer::Confirm, Some(_)) => {
                        self.state.notify(Level::Info, "nothing to write")
                    }
                    _ => self
                        .state
                        .notify(Level::Info, "reprocess cancelled; nothing was written"),
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
                let facts =
                    self.state.reprocess.summary.as_ref().is_some_and(|s| {
                        s.namespace == crate::omi::fact_conventions::FACTS_NAMESPACE
                    });
                if self.state.reprocess.job.is_none() && !failed.is_empty() {
                    self.state.popup = None;
                    if facts {
                        self.start_fact_plan(Selection::Ids(failed), false);
                    } else {
                        self.start_plan(Selection::Ids(failed), false);
                    }
                }
            }
            (
                Popup::Job,
                KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('J'),
            ) => {
                self.state.popup = None;
            }
            (Popup::Resume, c) => {
                let remote = self.state.setup.store_is_remote;
                match confirm::answer(c, confirm::Default::for_write(remote)) {
                    confirm::Answer::Confirm => {
                        self.state.popup = None;
                        self.resume_job();
                    }
                    confirm::Answer::Cancel => {
                        self.state.popup = None;
                        self.state.notify(
                            Level::Info,
                            "the unfinished run stays in the journal (memlens reprocess resumes it)",
                        );
                    }
                    confirm::Answer::Ignore => {}
                }
            }
            _ => {}
        }
    }
}

/// Remember which memories the job writes, so their statuses can turn fresh at once.
fn written_ids_into(ui: &mut crate::tui::jobs::ReprocessUi, work: &JobWork) {
    ui.writing = match work {
        JobWork::Run(plan) => plan.items.iter().map(|i| i.memory_id.clone()).collect(),
        JobWork::Resume { .. } => Vec::new(),
    };
}
