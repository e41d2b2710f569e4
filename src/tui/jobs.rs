//! The reprocess flow's state in the TUI: a plan waiting for confirmation, the running
//! job (progress, cancel), its summary, and an unfinished run found in the journal.

use crate::sync::journal::RunInfo;
use crate::sync::reprocess::{CancelFlag, Plan, Progress, Summary};

/// Which memories a batch reprocess covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchScope {
    /// The marked memories.
    Marked,
    /// The list as filtered now.
    Filtered,
    /// Every memory without a vector.
    Missing,
    /// Every memory whose vector is not known to match its current text.
    Stale,
}

/// What the reprocess flow is doing.
#[derive(Debug, Default)]
pub struct ReprocessUi {
    /// A plan is being computed (its generation).
    pub planning: Option<u64>,
    pub generation: u64,
    /// The plan shown in the confirmation popup; `single` when it is for one memory.
    pub plan: Option<Plan>,
    pub single: bool,
    /// The running job.
    pub job: Option<RunningJob>,
    /// The last job's summary.
    pub summary: Option<Summary>,
    /// Why the last job stopped before its end (a permanent error: one message).
    pub stopped: Option<String>,
    /// An unfinished run found in the journal at start-up.
    pub unfinished: Option<RunInfo>,
}

/// A job in flight.
#[derive(Debug)]
pub struct RunningJob {
    pub progress: Option<Progress>,
    pub total: usize,
    pub cancel: CancelFlag,
    /// True once cancel was asked.
    pub cancelling: bool,
}

impl ReprocessUi {
    /// True while a plan is computed or a job runs.
    pub fn busy(&self) -> bool {
        self.planning.is_some() || self.job.is_some()
    }

    /// One line for the footer: `reprocess 120/325 · 2 failed · embedding batch 3/4, 256
    /// texts, 1.2 s… · 40/s · ETA 5s`.
    pub fn footer(&self) -> Option<String> {
        let job = self.job.as_ref()?;
        let Some(p) = &job.progress else {
            return Some(format!("reprocess starting ({} memories)", job.total));
        };
        let mut s = format!("reprocess {}/{}", p.done, p.total);
        if p.failed > 0 {
            s.push_str(&format!(" · {} failed", p.failed));
        }
        // What is in flight, from the first request on (before any batch returns).
        if let Some(f) = p.in_flight.first() {
            s.push_str(&format!(" · {}", f.describe()));
        }
        if p.rate_per_sec > 0.0 {
            s.push_str(&format!(" · {:.0}/s", p.rate_per_sec));
        }
        if let Some(eta) = p.eta_ms {
            s.push_str(&format!(" · ETA {}s", eta.div_ceil(1000)));
        }
        if job.cancelling {
            s.push_str(" · cancelling");
        }
        Some(s)
    }
}
