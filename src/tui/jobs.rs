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
    /// Memory ids the running job writes (empty for a resumed run).
    pub writing: Vec<String>,
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

/// The auto-index on the offline default (built-in embedder, local store): the export's
/// memories the store lacks or holds stale, embedded in the background, newest first.
/// Drawn as a gauge in the header; search results say how much is indexed meanwhile.
#[derive(Debug, Default)]
pub struct IndexingUi {
    /// Preparing (model check, plan).
    pub preparing: bool,
    /// Embeddable memories of the export, and how many were indexed before this run.
    pub embeddable: usize,
    pub indexed_before: usize,
    /// Written by this run so far, of `total`.
    pub done: usize,
    pub total: usize,
    pub rate_per_sec: f64,
    /// The run is writing.
    pub running: bool,
    /// The run ended (or there was nothing to do).
    pub finished: bool,
    pub error: Option<String>,
    /// The transcript chunks (`ns_tchunks`), indexed after the memories.
    pub chunks: ChunkIndexingUi,
}

/// Chunk indexing on open: the second phase of the same gauge.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChunkIndexingUi {
    pub preparing: bool,
    /// The export's chunks, and how many were held before this run.
    pub total: usize,
    pub indexed_before: usize,
    /// Written by this run so far, of `todo`.
    pub done: usize,
    pub todo: usize,
    pub rate_per_sec: f64,
    pub running: bool,
    pub error: Option<String>,
}

impl ChunkIndexingUi {
    /// True while preparing or writing.
    pub fn busy(&self) -> bool {
        self.preparing || self.running
    }

    /// Chunks indexed now.
    pub fn indexed(&self) -> usize {
        (self.indexed_before + self.done).min(self.total)
    }
}

impl IndexingUi {
    /// True while preparing or writing.
    pub fn busy(&self) -> bool {
        self.preparing || self.running || self.chunks.busy()
    }

    /// Memories indexed now.
    pub fn indexed(&self) -> usize {
        (self.indexed_before + self.done).min(self.embeddable)
    }

    /// The header gauge while it runs: `indexing ▕██████░░░░▏ 120/323 · 41/s`.
    pub fn gauge(&self) -> Option<String> {
        if self.preparing {
            return Some("indexing: planning…".into());
        }
        const CELLS: usize = 10;
        if !self.running && !self.preparing && self.chunks.running {
            let c = &self.chunks;
            let have = c.indexed();
            let filled = (have * CELLS).checked_div(c.total).unwrap_or(0);
            let mut s = format!(
                "indexing chunks ▕{}{}▏ {have}/{}",
                "█".repeat(filled),
                "░".repeat(CELLS - filled),
                c.total
            );
            if c.rate_per_sec > 0.0 {
                s.push_str(&format!(" · {:.0}/s", c.rate_per_sec));
            }
            return Some(s);
        }
        if !self.running {
            return None;
        }
        let have = self.indexed();
        let filled = (have * CELLS).checked_div(self.embeddable).unwrap_or(0);
        let mut s = format!(
            "indexing ▕{}{}▏ {have}/{}",
            "█".repeat(filled),
            "░".repeat(CELLS - filled),
            self.embeddable
        );
        if self.rate_per_sec > 0.0 {
            s.push_str(&format!(" · {:.0}/s", self.rate_per_sec));
        }
        Some(s)
    }

    /// For search results while indexing is not complete: `ns1 holds 120 of this
    /// export's 323 memories (indexing newest first)`.
    pub fn coverage(&self, namespace: &str) -> Option<String> {
        if !self.busy() {
            return None;
        }
        if self.preparing {
            return Some(format!(
                "{namespace} is being indexed: results cover only what it holds so far"
            ));
        }
        if !self.running {
            let c = &self.chunks;
            return Some(if c.preparing {
                format!(
                    "{} is being indexed: results cover only what it holds so far",
                    crate::sync::tchunks::NAMESPACE
                )
            } else {
                format!(
                    "{} holds {} of this export's {} chunks (indexing newest first)",
                    crate::sync::tchunks::NAMESPACE,
                    c.indexed(),
                    c.total
                )
            });
        }
        Some(format!(
            "{namespace} holds {} of this export's {} memories (indexing newest first)",
            self.indexed(),
            self.embeddable
        ))
    }
}
