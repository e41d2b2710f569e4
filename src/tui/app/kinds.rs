//! The record tabs' shared work: switching tabs, the list / filter / details commands
//! every record tab answers the same way, and the kind tabs (`3` action items, `4`
//! transcript chunks) — their rows and status lookups (off the draw loop, over the
//! engine's `sync::kinds`), opening what a record links to, and their writes (plan,
//! the one confirmation dialog, then Omi's records through `sync::kinds::write`).

use super::*;
use crate::omi::record_kind::Kind;
use crate::sync::kinds::status::kind_status;
use crate::sync::kinds::write::{self as kind_write, Selection as KindSelection};
use crate::tui::kinds::{RowStatus, Tab};

/// The uid vector ids are shown with while no uid is set (`{uid}-ai-…`).
const NO_UID: &str = "{uid}";

impl App {
    /// Switch tabs.
    pub(super) fn show_tab(&mut self, tab: Tab) {
        if tab == Tab::Facts && self.state.fact_list().is_empty() {
            self.state.notify(
                Level::Info,
                "this export holds no facts (2 shows them when it does)",
            );
            return;
        }
        self.state.tab = tab;
        self.state.focus = Focus::List;
        self.state.right = RightPane::Details;
        self.state.filter_input = None;
        self.state.linked = None;
    }

    /// The commands every record tab (facts, action items, chunks) answers alike:
    /// movement in the list or the details, the filter, focus, Esc. Returns false for
    /// commands left to the conversation handlers; conversation-only commands get a note.
    pub(super) fn on_rows_command(&mut self, c: Command) -> bool {
        let details = self.state.focus == Focus::Details;
        let page = self.page();
        if let Some(delta) = crate::tui::kinds::movement(c, page) {
            if let Some(list) = self.state.rows_mut() {
                if details {
                    list.details_scroll =
                        (list.details_scroll as isize + delta).clamp(0, 2000) as u16;
                } else {
                    list.move_by(delta);
                }
            }
            return true;
        }
        match c {
            Command::Filter => {
                let q = self
                    .state
                    .rows()
                    .map(|l| l.query.clone())
                    .unwrap_or_default();
                let n = q.chars().count();
                self.state.filter_input = Some(Input::new(q).with_cursor(n));
                self.state.focus = Focus::List;
            }
            Command::ClearFilters => self.state.set_rows_query(""),
            Command::FocusNext | Command::FocusPrev => {
                self.state.focus = if self.state.focus == Focus::List {
                    Focus::Details
                } else {
                    Focus::List
                };
            }
            Command::ClosePopup => {
                if self.state.rows().is_some_and(|l| !l.query.is_empty()) {
                    self.state.set_rows_query("");
                } else {
                    self.state.message = None;
                }
            }
            c if crate::tui::kinds::conversation_only(c) => {
                let (tab, noun) = (self.state.tab, self.state.tab.kind().spec().noun);
                self.state.notify_on(
                    tab,
                    Level::Info,
                    format!("not on the {noun} tab (1 returns to conversations)"),
                );
            }
            _ => return false,
        }
        true
    }

    /// Commands while a kind tab (`3`, `4`) is shown.
    pub(super) fn on_kind_command(&mut self, c: Command) -> bool {
        let kind = self.state.tab.kind();
        match c {
            Command::Refresh => self.start_kind_lookup(kind),
            Command::VectorCheck => self.start_kind_verify(kind),
            Command::OpenLinked => {
                let cid = self
                    .state
                    .shown_kind_tab()
                    .and_then(|t| t.selected())
                    .map(|(_, r)| r.conversation_id.clone());
                match cid {
                    Some(Some(cid)) => self.open_conversation(&cid),
                    Some(None) => self.state.notify(
                        Level::Info,
                        "no conversation is known for it (a manual, MCP or shared item)",
                    ),
                    None => {}
                }
            }
            Command::Reprocess => {
                if let Some(i) = self.state.shown_kind_tab().and_then(|t| t.list.selected_index()) {
                    self.plan_row_write(kind, i);
                }
            }
            Command::ReprocessBatch => {
                let noun = kind.spec().noun;
                self.start_kind_plan(
                    kind,
                    KindSelection {
                        only_needed: true,
                        ..KindSelection::default()
                    },
                    format!("every missing one of this export's {noun}"),
                );
            }
            Command::Search => self.state.notify_on(
                self.state.tab,
                Level::Info,
                format!(
                    "search {} with memlens search --kind {} (the TUI searches conversations: 1, then s)",
                    kind.default_namespace(),
                    kind.word()
                ),
            ),
            c => return self.on_rows_command(c),
        }
        true
    }

    /// `r` on a record of a kind tab (or picked in a conversation's details): plan Omi's
    /// write of its conversation's whole chunk set (clearing the conversation's orphan
    /// tail), or of the action item.
    pub(super) fn plan_row_write(&mut self, kind: Kind, index: usize) {
        let Some(row) = self.state.kind_tab(kind).and_then(|t| t.rows.get(index)) else {
            return;
        };
        let (owner, subject) = match (kind, row.status) {
            (_, RowStatus::Candidate) => {
                self.state.notify(Level::Info, crate::tui::kinds::CANDIDATE);
                return;
            }
            (Kind::Chunks, _) => {
                let cid = row.owner.clone();
                let title = self
                    .state
                    .memories()
                    .iter()
                    .find(|m| m.id == cid)
                    .map_or("(not in the export)", |m| {
                        crate::omi::model::shown_title(&m.structured.title)
                    });
                let subject = format!("the transcript chunks of {title} ({cid})");
                (cid, subject)
            }
            (_, RowStatus::Orphan) => {
                self.state.notify(
                    Level::Info,
                    "an orphan has no record in the export to write (memlens orphans --kind action-items deletes it)",
                );
                return;
            }
            _ => (row.owner.clone(), format!("the action item {}", row.label)),
        };
        self.start_kind_plan(
            kind,
            KindSelection {
                owners: vec![owner],
                clear_orphans: kind == Kind::Chunks,
                ..KindSelection::default()
            },
            subject,
        );
    }

    /// Select conversation `cid` in the conversations tab and show its details.
    pub(super) fn open_conversation(&mut self, cid: &str) {
        let Some(index) = self.state.memories().iter().position(|m| m.id == cid) else {
            self.state.notify(
                Level::Warn,
                format!(
                    "conversation {} is not in this export (deleted without cascade?)",
                    crate::tui::sanitize::line(cid)
                ),
            );
            return;
        };
        self.state.tab = Tab::Conversations;
        self.state.linked = None;
        if !self.state.list.visible.contains(&(index as u32)) {
            self.state.list.query.clear();
            self.state.list.status_filter = None;
            self.state.list.category_filter = None;
            self.state.refresh_list();
        }
        if let Some(row) = self
            .state
            .list
            .visible
            .iter()
            .position(|i| *i as usize == index)
        {
            self.state.list.select(row);
        }
        self.state.details_scroll = 0;
        self.state.focus = Focus::Details;
        self.state.right = RightPane::Details;
    }

    /// `Enter` in a conversation's details: the first press picks its first chunk or
    /// action item, the next opens the picked one in its tab.
    pub(super) fn open_linked_record(&mut self) {
        let Some((_, m)) = self.state.selected() else {
            return;
        };
        let linked = self.state.linked_rows(&m.id);
        if linked.is_empty() {
            return;
        }
        let Some(i) = self.state.linked else {
            self.state.linked = Some(0);
            self.scroll_to_linked();
            return;
        };
        let Some(&(kind, row)) = linked.get(i) else {
            self.state.linked = None;
            return;
        };
        self.state.linked = None;
        if let Some(tab) = self.state.kind_tab_mut(kind) {
            tab.select_row(row);
        }
        self.state.tab = if kind == Kind::Chunks {
            Tab::Chunks
        } else {
            Tab::ActionItems
        };
        self.state.focus = Focus::Details;
        self.state.right = RightPane::Details;
        self.state.filter_input = None;
    }

    /// `r` with a chunk or action item picked in a conversation's details: write it (a
    /// chunk: the conversation's whole chunk set).
    pub(super) fn write_linked_record(&mut self) {
        let Some((_, m)) = self.state.selected() else {
            return;
        };
        let linked = self.state.linked_rows(&m.id);
        if let Some(&(kind, row)) = self.state.linked.and_then(|i| linked.get(i)) {
            self.plan_row_write(kind, row);
        }
    }

    /// Move the pick among the selected conversation's chunks and items.
    pub(super) fn move_linked(&mut self, delta: isize) {
        let Some((_, m)) = self.state.selected() else {
            return;
        };
        let n = self.state.linked_rows(&m.id).len();
        if let Some(i) = self.state.linked.as_mut() {
            *i = (*i as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
        }
        self.scroll_to_linked();
    }

    /// Scroll the details so the picked chunk or item is in view.
    fn scroll_to_linked(&mut self) {
        let Some(line) = view::linked_line(&self.state) else {
            return;
        };
        let visible = view::layout(self.state.size)
            .details
            .height
            .saturating_sub(2) as usize;
        let top = self.state.details_scroll;
        if line < top || line >= top + visible {
            self.state.details_scroll = line.saturating_sub(visible / 2);
        }
    }

    /// Compute a kind tab's rows, then look up their status, in the background. The
    /// rows come first (Omi's records of the export); the status follows when a store
    /// and a uid are set.
    pub fn start_kind_lookup(&mut self, kind: Kind) {
        self.start_kind_status(kind, None);
    }

    /// `v` on a kind tab: look the status up and verify every stored record (its vector
    /// compared with a fresh embedding of Omi's text: fresh or stale, with the cosine),
    /// in the background with its progress in the footer.
    pub(super) fn start_kind_verify(&mut self, kind: Kind) {
        let noun = kind.spec().noun;
        if self.state.setup.uid.is_none() {
            self.state.notify(
                Level::Error,
                format!("no uid set: the {noun}' vector ids need one (--uid UID or MEMLENS_UID)"),
            );
            return;
        }
        if self
            .state
            .kind_tab(kind)
            .is_some_and(|t| t.absent.is_some())
        {
            self.state
                .notify(Level::Info, format!("this export has no {noun} to verify"));
            return;
        }
        let Some((embedder, _)) = self.backends() else {
            return;
        };
        self.start_kind_status(kind, Some(embedder));
    }

    /// The lookup of [`App::start_kind_lookup`]; with an embedder, a verify (the rows,
    /// already prepared, are not computed again).
    fn start_kind_status(&mut self, kind: Kind, embedder: Option<Arc<dyn Embedder>>) {
        let Some(export) = self.state.export.clone() else {
            return;
        };
        // Off the draw loop only: without a runtime (a bare unit test) nothing runs.
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let uid = self.state.setup.uid.clone();
        let store = self.services.store.clone();
        let format = self.state.text_format;
        let Some(tab) = self.state.kind_tab_mut(kind) else {
            return;
        };
        tab.generation += 1;
        let generation = tab.generation;
        let lookup = uid.is_some() && store.is_some();
        tab.lookup_running = lookup;
        let verify = embedder.is_some() && lookup;
        tab.verifying = verify.then(|| crate::tui::kinds::VerifyProgress {
            stage: "start",
            done: 0,
            total: tab.report.as_ref().map(|_| tab.stored()),
        });
        let rows_known = verify && tab.prepared;
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "record status lookup", async move {
            let found = tokio::task::spawn_blocking(move || {
                let export = export.kinds_export();
                if !rows_known {
                    let rows = crate::tui::kinds::kind_rows(
                        &export,
                        kind,
                        uid.as_deref().unwrap_or(NO_UID),
                        format,
                    );
                    let absent = rows.absent.is_some();
                    let _ = tx.send(Action::KindRowsReady {
                        kind,
                        generation,
                        rows: Box::new(rows),
                    });
                    if absent {
                        return None;
                    }
                }
                let (Some(uid), Some(store)) = (uid, store) else {
                    return None;
                };
                let rk = crate::sync::kinds::record_kind(kind, format);
                let progress_tx = tx.clone();
                let outcome = handle
                    .block_on(kind_status(
                        store.as_ref(),
                        rk.as_ref(),
                        &export,
                        &uid,
                        embedder.as_deref(),
                        |stage, done| {
                            if verify {
                                let _ = progress_tx.send(Action::KindProgress {
                                    kind,
                                    generation,
                                    stage,
                                    done,
                                });
                            }
                        },
                    ))
                    .map(Box::new)
                    .map_err(|e| e.to_string());
                Some((tx, outcome))
            })
            .await;
            match found {
                Ok(Some((tx, outcome))) => {
                    let _ = tx.send(Action::KindStatusLoaded {
                        kind,
                        generation,
                        outcome,
                    });
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::error!("record status lookup failed: {e}");
                }
            }
        });
    }

    /// A kind tab's rows arrived.
    pub(super) fn on_kind_rows(
        &mut self,
        kind: Kind,
        generation: u64,
        rows: crate::tui::kinds::KindRows,
    ) -> bool {
        let Some(tab) = self.state.kind_tab_mut(kind) else {
            return false;
        };
        if tab.generation != generation {
            return false;
        }
        if rows.absent.is_some() {
            tab.lookup_running = false;
        }
        tab.set_rows(rows);
        true
    }

    /// A kind tab's verify made progress.
    pub(super) fn on_kind_progress(
        &mut self,
        kind: Kind,
        generation: u64,
        stage: &'static str,
        done: usize,
    ) -> bool {
        let Some(tab) = self.state.kind_tab_mut(kind) else {
            return false;
        };
        match tab.verifying.as_mut() {
            Some(p) if tab.generation == generation => {
                p.stage = stage;
                p.done = done;
                true
            }
            _ => false,
        }
    }

    /// A kind tab's status arrived.
    pub(super) fn on_kind_status(
        &mut self,
        kind: Kind,
        generation: u64,
        outcome: Result<Box<crate::sync::kinds::status::KindReport>, String>,
    ) -> bool {
        let Some(tab) = self.state.kind_tab_mut(kind) else {
            return false;
        };
        if tab.generation != generation {
            return false;
        }
        tab.lookup_running = false;
        tab.verifying = None;
        match outcome {
            Ok(report) => tab.apply_report(*report),
            Err(e) => {
                tab.error = Some(e.clone());
                let noun = kind.spec().noun;
                self.state
                    .notify(Level::Error, format!("{noun} status lookup failed: {e}"));
            }
        }
        true
    }

    /// Plan a write of `kind` in the background (Omi's ids and metadata, from the last
    /// status lookup); the plan then waits for a yes.
    pub(super) fn start_kind_plan(
        &mut self,
        kind: Kind,
        selection: KindSelection,
        subject: String,
    ) {
        if self.state.setup.read_only {
            self.state
                .notify(Level::Error, "read-only mode: writes are disabled");
            return;
        }
        if self.state.indexing.busy() {
            self.state.notify(
                Level::Warn,
                "the export is being indexed into the local store; write when it is done",
            );
            return;
        }
        if self.state.kind_write.busy() || self.state.reprocess.busy() {
            self.state.notify(
                Level::Warn,
                "a write is already planned or running: wait for it to end",
            );
            return;
        }
        let Some(uid) = self.state.setup.uid.clone() else {
            self.state.notify(
                Level::Error,
                "no uid set: vector ids need one (start with --uid UID or MEMLENS_UID)",
            );
            return;
        };
        let Some(export) = self.state.export.clone() else {
            return;
        };
        let Some(tab) = self.state.kind_tab(kind) else {
            return;
        };
        let Some(report) = tab.report.clone() else {
            self.state.notify(
                Level::Warn,
                "the status is not looked up yet (F5 looks it up): a plan needs to know what is stored",
            );
            return;
        };
        let format = self.state.text_format;
        let ui = &mut self.state.kind_write;
        ui.generation += 1;
        let generation = ui.generation;
        ui.planning = Some(generation);
        ui.subject = subject;
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "record write plan", async move {
            let planned = tokio::task::spawn_blocking(move || {
                let export = export.kinds_export();
                let rk = crate::sync::kinds::record_kind(kind, format);
                kind_write::plan(rk.as_ref(), &export, &uid, Some(&report), &selection)
                    .map(Box::new)
                    .map_err(|e| e.to_string())
            })
            .await;
            let outcome = planned.unwrap_or_else(|e| Err(format!("the planner crashed: {e}")));
            let _ = tx.send(Action::KindPlanned {
                generation,
                outcome,
            });
        });
        self.state.notify_while("plan", "planning…");
    }

    /// A kind write's plan arrived: show it for a yes.
    pub(super) fn on_kind_planned(
        &mut self,
        generation: u64,
        outcome: Result<Box<kind_write::WritePlan>, String>,
    ) -> bool {
        if self.state.kind_write.planning != Some(generation) {
            return false;
        }
        self.state.kind_write.planning = None;
        self.state.finish("plan");
        match outcome {
            Ok(plan) => {
                self.state.kind_write.plan = Some(*plan);
                self.show_popup(Popup::ConfirmKindWrite);
            }
            Err(e) => self.state.notify(Level::Error, format!("cannot plan: {e}")),
        }
        true
    }

    /// A key in the kind write's confirmation dialog (the one rule of `confirm`).
    pub(super) fn on_kind_confirm_key(&mut self, code: KeyCode) {
        let remote = self.state.setup.store_is_remote;
        let answer = confirm::answer(code, confirm::Default::for_write(remote));
        if answer == confirm::Answer::Ignore {
            return;
        }
        self.state.popup = None;
        let plan = self.state.kind_write.plan.take();
        match (answer, plan) {
            (confirm::Answer::Confirm, Some(plan))
                if !plan.upserts.is_empty() || !plan.deletes.is_empty() =>
            {
                self.start_kind_write(plan)
            }
            (confirm::Answer::Confirm, Some(_)) => {
                self.state.notify(Level::Info, "nothing to write")
            }
            _ => self
                .state
                .notify(Level::Info, "write cancelled; nothing was written"),
        }
    }

    /// Run a confirmed plan: embed Omi's texts and upsert Omi's records (and delete the
    /// conversation's orphan chunk ids), in the background.
    fn start_kind_write(&mut self, plan: kind_write::WritePlan) {
        let kind = plan.kind;
        let rp = match self.reprocessor_with(
            kind,
            kind_write::BATCH,
            crate::sync::reprocess::ReprocessConfig::default().concurrency,
        ) {
            Ok(rp) => rp,
            Err(e) => return self.state.notify(Level::Error, e),
        };
        self.state.kind_write.running = true;
        self.state.notify_while(
            "kind-write",
            format!(
                "writing {} to {}…",
                crate::words::counted(plan.upserts.len(), "record"),
                plan.namespace
            ),
        );
        let tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "record write", async move {
            let done = tokio::task::spawn_blocking(move || {
                let cancel = crate::sync::reprocess::CancelFlag::new();
                handle.block_on(kind_write::apply(&rp, &plan, true, |_| {}, &cancel))
            })
            .await;
            let outcome = match done {
                Ok(r) => r.map_err(|e| e.to_string()),
                Err(e) => Err(format!("the write crashed: {e}")),
            };
            let _ = tx.send(Action::KindWritten { kind, outcome });
        });
    }

    /// A kind write ended: say what it did and look the kind up again.
    pub(super) fn on_kind_written(
        &mut self,
        kind: Kind,
        outcome: Result<kind_write::Applied, String>,
    ) -> bool {
        self.state.kind_write.running = false;
        self.state.finish("kind-write");
        let ns = kind.default_namespace();
        // What was written is fresh, from the write itself (a re-list says only present).
        if let (Ok(a), Some(tab)) = (&outcome, self.state.kind_tab_mut(kind)) {
            tab.apply_written(&a.written);
        }
        match outcome {
            Ok(a) if !a.summary.is_complete() => self.state.notify(
                Level::Error,
                format!(
                    "wrote {} of {} to {ns}; {} failed ({}), {} pending: run {} resumes with \
                     memlens reprocess --kind {} --resume",
                    a.upserted,
                    crate::words::counted(a.summary.total, "record"),
                    a.summary.failed.len(),
                    a.summary
                        .failed_by_cause
                        .first()
                        .map_or_else(String::new, |g| g.line()),
                    a.summary.pending,
                    a.summary.run_id,
                    kind.word()
                ),
            ),
            Ok(a) => self.state.notify(
                Level::Info,
                format!(
                    "wrote {} to {ns}{}",
                    crate::words::counted(a.upserted, "record"),
                    if a.deleted > 0 {
                        format!(
                            ", deleted {}",
                            crate::words::counted(a.deleted, "orphan id")
                        )
                    } else {
                        String::new()
                    }
                ),
            ),
            Err(e) => self
                .state
                .notify(Level::Error, format!("write to {ns} stopped: {e}")),
        }
        self.start_kind_lookup(kind);
        true
    }
}
