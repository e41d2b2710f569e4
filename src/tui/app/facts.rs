//! The facts tab's work: the `ns2` status lookup, commands on the facts list and
//! details, jumping to a fact's conversation, reprocessing one fact (plan, confirm,
//! job — the same popups as conversations) and the `ns2` search.

use super::*;
use crate::omi::fact_conventions::{FACTS_NAMESPACE, Kind};
use crate::sync::fact_search::fact_hits;
use crate::tui::facts::FactSearchUi;

impl App {
    /// Look up the facts' `ns2` statuses in the background (facts live in `ns2`:
    /// Omi's `backend/database/vector_db.py`).
    pub fn start_fact_lookup(&mut self) {
        self.start_fact_status(None);
    }

    /// `v` on the facts tab: look the `ns2` statuses up and verify every stored fact
    /// (its vector compared with a fresh embedding of its content: fresh or stale, with
    /// the cosine), in the background with its progress in the footer.
    fn start_fact_verify(&mut self) {
        if self.state.setup.uid.is_none() {
            self.state.notify(
                Level::Error,
                "no uid set: the facts' vector ids need one (--uid UID or MEMLENS_UID)",
            );
            return;
        }
        let Some((embedder, _)) = self.backends() else {
            return;
        };
        self.start_fact_status(Some(embedder));
    }

    /// The lookup of [`App::start_fact_lookup`]; with an embedder, a verify.
    fn start_fact_status(&mut self, embedder: Option<Arc<dyn Embedder>>) {
        let facts = self.state.fact_list().to_vec();
        if facts.is_empty() {
            return;
        }
        let (Some(uid), Some(store)) = (self.state.setup.uid.clone(), self.services.store.clone())
        else {
            return;
        };
        let tab = &mut self.state.facts;
        tab.generation += 1;
        tab.lookup_running = true;
        tab.verifying = embedder.is_some().then_some((0, facts.len()));
        let generation = tab.generation;
        let dimension = Some(self.state.setup.embedder_dimension).filter(|d| *d > 0);
        let tx = self.tx.clone();
        let progress_tx = self.tx.clone();
        let handle = tokio::runtime::Handle::current();
        spawn_reporting(&self.tx, "fact status lookup", async move {
            let found = tokio::task::spawn_blocking(move || match embedder {
                None => handle
                    .block_on(crate::sync::fact_status::lookup_facts_only(
                        store.as_ref(),
                        FACTS_NAMESPACE,
                        &uid,
                        &facts,
                        dimension,
                    ))
                    .map_err(|e| e.to_string()),
                Some(embedder) => handle
                    .block_on(crate::sync::fact_status::lookup_facts(
                        store.as_ref(),
                        Some(embedder.as_ref()),
                        FACTS_NAMESPACE,
                        &uid,
                        &facts,
                        dimension,
                        |done, total| {
                            let _ = progress_tx.send(Action::FactProgress {
                                generation,
                                done,
                                total,
                            });
                        },
                    ))
                    .map_err(|e| e.to_string()),
            })
            .await;
            let outcome = match found {
                Ok(r) => r,
                Err(e) => Err(format!("the lookup crashed: {e}")),
            };
            let _ = tx.send(Action::FactStatusLoaded {
                generation,
                outcome,
            });
        });
    }

    /// Commands while the facts tab is shown. Returns false for commands it leaves to
    /// the conversation handlers (quit, help, popups, tab switches, index, jobs).
    pub(super) fn on_facts_command(&mut self, c: Command) -> bool {
        let details = self.state.focus == Focus::Details;
        // The search's hits take the movement keys while the search is shown.
        if let Some(delta) = crate::tui::kinds::movement(c, self.page())
            && let Some(search) = self.state.facts.search.as_mut().filter(|_| details)
        {
            let max = search.hits.len().saturating_sub(1) as isize;
            search.selected = (search.selected as isize + delta).clamp(0, max) as usize;
            return true;
        }
        match c {
            Command::ClosePopup if self.state.facts.search.is_some() => {
                // Back to the list, where the search's note sends the user (R).
                self.state.facts.search = None;
                self.state.focus = Focus::List;
            }
            Command::Refresh => self.start_fact_lookup(),
            Command::VectorCheck => self.start_fact_verify(),
            Command::OpenLinked if self.state.facts.search.is_some() => self.open_fact_hit(),
            Command::OpenLinked => self.open_linked_conversation(),
            Command::OpenHit => self.open_fact_hit(),
            Command::Reprocess => {
                if let Some((_, f)) = self.state.selected_fact() {
                    let id = f.id.clone();
                    self.start_fact_plan(Selection::Ids(vec![id]), true);
                }
            }
            Command::ReprocessBatch => self.start_fact_plan(Selection::Missing, false),
            Command::Search => {
                self.state.facts.search_input = Some(Input::default());
                self.state.focus = Focus::Details;
            }
            c => return self.on_rows_command(c),
        }
        true
    }

    /// Enter on a fact's details: select its conversation in the conversations tab.
    fn open_linked_conversation(&mut self) {
        let Some((_, fact)) = self.state.selected_fact() else {
            return;
        };
        let Some(cid) = fact.conversation_id.clone() else {
            self.state.notify(
                Level::Info,
                "this fact has no conversation (manual or API fact)",
            );
            return;
        };
        self.open_conversation(&cid);
    }

    /// Enter on an `ns2` search hit: select its fact.
    fn open_fact_hit(&mut self) {
        let Some(hit) = self
            .state
            .facts
            .search
            .as_ref()
            .and_then(|s| s.hits.get(s.selected))
            .map(|h| h.fact_id.clone())
        else {
            return;
        };
        let facts = self.state.fact_list().to_vec();
        match facts.iter().position(|f| f.id == hit) {
            Some(i) => {
                self.state.facts.select_fact(&facts, i);
                self.state.facts.search = None;
                self.state.focus = Focus::List;
            }
            None => self.state.notify(
                Level::Warn,
                "that fact is not in this export (an orphan vector)",
            ),
        }
    }

    /// Plan a facts reprocess (Omi's `ns2` upsert) in the background; the plan waits for
    /// a yes in the same popup as conversations.
    pub(super) fn start_fact_plan(&mut self, selection: Selection, single: bool) {
        self.start_plan_of(Kind::Facts, selection, single);
    }

    /// Run Omi's `ns2` search for `query` (filter `{uid}`, top-k 10).
    pub(super) fn start_fact_search(&mut self, query: String) {
        let prev = self.state.facts.search.take().map_or(0, |s| s.generation);
        let mut ui = FactSearchUi {
            query: query.clone(),
            generation: prev + 1,
            running: true,
            ..FactSearchUi::default()
        };
        let Some(uid) = self.state.setup.uid.clone() else {
            ui.running = false;
            ui.error = Some("no uid set: every search is scoped to one user".into());
            self.state.facts.search = Some(ui);
            return;
        };
        let (Some(embedder), Some(store)) =
            (self.services.embedder.clone(), self.services.store.clone())
        else {
            ui.running = false;
            ui.error = Some("no embedder or store is connected (see the log)".into());
            self.state.facts.search = Some(ui);
            return;
        };
        let generation = ui.generation;
        self.state.facts.search = Some(ui);
        let request = SearchRequest {
            uid,
            namespace: FACTS_NAMESPACE.into(),
            target: SearchTarget::Text(query),
            top_k: search_engine::DEFAULT_TOP_K,
            range: crate::sync::daterange::DateRange::ALL,
        };
        let facts = self.state.fact_list().to_vec();
        let tx = self.tx.clone();
        spawn_reporting(&self.tx, "fact search", async move {
            let outcome = search_engine::search(embedder.as_ref(), store.as_ref(), &request)
                .await
                .map(|r| fact_hits(&r.hits, &facts))
                .map_err(|e| e.to_string());
            let _ = tx.send(Action::FactSearchDone {
                generation,
                outcome,
            });
        });
    }
}
