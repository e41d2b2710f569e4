//! The index view's state (`I`): the store's statistics, whether the embedder fits the
//! index, memory/vector/orphan/missing counts, and the orphans with a guarded delete
//! (a dry-run list, then an explicit `y`; only `{uid}-` ids; never in read-only mode).

use crate::store::IndexStats;
use crate::sync::orphans::OrphanScan;

/// What the index view shows.
#[derive(Debug, Clone)]
pub struct IndexReport {
    pub stats: IndexStats,
    /// The orphan scan, or why it could not run (e.g. a pod-based index cannot list).
    pub scan: Result<OrphanScan, String>,
}

/// The index view's state.
#[derive(Debug, Default)]
pub struct IndexUi {
    pub loading: bool,
    pub report: Option<Result<IndexReport, String>>,
    /// Selected orphan row.
    pub selected: usize,
    /// The delete dry-run is shown and waits for `y`.
    pub confirm_delete: bool,
    pub deleting: bool,
}
