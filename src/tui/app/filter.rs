//! Running the list filter off the UI thread: one worker thread takes the newest
//! [`RankJob`] (older queued ones are skipped, a running one stops when superseded) and
//! reports [`Action::FilterDone`]; the app shows the result only if its generation is
//! still the newest. A keystroke in the filter therefore costs the key handling and a
//! copy of at most the row list, never a scan.

use std::sync::mpsc::{Receiver, Sender, channel};

use super::*;
use crate::tui::list::RankJob;

/// The filter's worker thread (ends when the app drops it or the action channel closes).
pub(super) struct FilterWorker {
    jobs: Sender<RankJob>,
}

impl FilterWorker {
    fn start(tx: UnboundedSender<Action>) -> std::io::Result<Self> {
        let (jobs, rx) = channel();
        std::thread::Builder::new()
            .name("memlens-list-filter".into())
            .spawn(move || work(&rx, &tx))?;
        Ok(Self { jobs })
    }
}

fn work(jobs: &Receiver<RankJob>, tx: &UnboundedSender<Action>) {
    while let Ok(mut job) = jobs.recv() {
        // Newest wins: skip every job already superseded in the queue.
        while let Ok(newer) = jobs.try_recv() {
            job = newer;
        }
        if job.is_stale() {
            continue;
        }
        let generation = job.generation();
        let action = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run())) {
            Ok(Some(ranked)) => Action::FilterDone(Box::new(ranked)),
            Ok(None) => continue,
            Err(_) => {
                tracing::error!(generation, "the list filter panicked");
                Action::Notify(
                    Level::Error,
                    "internal error in the list filter (details in the log)".into(),
                )
            }
        };
        if tx.send(action).is_err() {
            return;
        }
    }
}

impl App {
    /// Hand the list's pending scan, if any, to the worker (started on first use). If no
    /// thread can be started the scan runs here, so the filter still works.
    pub(super) fn dispatch_filter(&mut self) {
        let Some(job) = self.state.list.take_job() else {
            return;
        };
        if self.filter_worker.is_none() {
            match FilterWorker::start(self.tx.clone()) {
                Ok(w) => self.filter_worker = Some(w),
                Err(e) => tracing::warn!("cannot start the list filter's thread: {e}"),
            }
        }
        let job = match &self.filter_worker {
            Some(w) => match w.jobs.send(job) {
                Ok(()) => return,
                Err(returned) => {
                    self.filter_worker = None;
                    returned.0
                }
            },
            None => job,
        };
        if let Some(ranked) = job.run() {
            self.on_filter_done(ranked);
        }
    }

    /// Show a finished scan unless a newer refresh superseded it; true when shown.
    pub(super) fn on_filter_done(&mut self, ranked: crate::tui::list::Ranked) -> bool {
        let before = self.state.list.selected_index();
        if !self.state.list.apply(ranked) {
            return false;
        }
        if self.state.list.selected_index() != before {
            self.state.details_scroll = 0;
        }
        true
    }
}
