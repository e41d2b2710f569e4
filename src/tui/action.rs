//! The one `Action` enum: every state change in the TUI is an Action — keys become
//! Actions through the keymap, and background tasks report back as Actions.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyEvent, MouseEvent};

use crate::sync::explain::Explanation;
use crate::sync::fulltext::{FullText, OpenReport};
use crate::sync::hybrid::HybridResults;
use crate::sync::journal::RunInfo;
use crate::sync::reprocess::{Plan, Progress, Summary};
use crate::sync::status::StatusCache;
use crate::tui::index::IndexReport;
use crate::tui::list::Ranked;
use crate::tui::loader::LoadedExport;
use crate::tui::vector::VectorCheck;

/// A user intent that a key can be bound to. The keymap, the help overlay and the footer
/// hints are all generated from [`crate::tui::keymap::DEFAULT_BINDINGS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    Quit,
    ForceQuit,
    Help,
    ClosePopup,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    Top,
    Bottom,
    HalfPageDown,
    HalfPageUp,
    PageDown,
    PageUp,
    Filter,
    ToggleMark,
    CycleSort,
    CycleStatusFilter,
    CycleCategoryFilter,
    ClearFilters,
    ToggleTranscript,
    CycleFormat,
    Refresh,
    Confirm,
    /// Open the search pane and edit the query.
    Search,
    /// Edit the search's date range.
    EditRange,
    TopKUp,
    TopKDown,
    /// Search with the selected memory's stored vector.
    MoreLikeThis,
    /// Write the search results as JSON and CSV.
    ExportResults,
    /// Open the selected search hit in the list and details.
    OpenHit,
    /// Re-embed and upsert the selected memory (after a confirmation).
    Reprocess,
    /// Re-embed and upsert many memories: marked, filtered, missing or stale.
    ReprocessBatch,
    /// Show the reprocess job (progress, cancel, retry failed, summary).
    Jobs,
    /// Look at the selected memory's stored vector and which text format made it.
    VectorCheck,
    /// The index view: stats, compatibility, counts, orphans.
    IndexView,
    /// The map: stored vectors projected to 2-D, coloured by category.
    MapView,
    /// Drift check of the marked (or filtered) memories, after a plan.
    DriftBatch,
    /// Show the conversations tab (`1`).
    TabConversations,
    /// Show the facts tab (`2`).
    TabFacts,
    /// Show the action items tab (`3`).
    TabActionItems,
    /// Show the transcript chunks tab (`4`).
    TabChunks,
    /// In a record's details: open what it links to (a fact's or item's conversation,
    /// a conversation's chunk or action item).
    OpenLinked,
    /// The message log: every message of the session in full.
    MessageLog,
    /// Focus the left pane (the memory list).
    FocusLeft,
    /// Focus the right pane (details or search, whichever is shown).
    FocusRight,
    /// Copy the memory id, vector id or embedding text (OSC 52).
    Copy,
    /// Cycle the search mode: hybrid → semantic → text → chunks.
    CycleSearchMode,
    /// Explain the selected hit (or memory) for the active query.
    Explain,
    /// Add the active query → the selected hit to the golden queries.
    GoldenAdd,
}

impl Command {
    /// Every command, for config parsing.
    pub const ALL: [Command; 50] = [
        Self::Quit,
        Self::ForceQuit,
        Self::Help,
        Self::ClosePopup,
        Self::FocusNext,
        Self::FocusPrev,
        Self::Up,
        Self::Down,
        Self::Top,
        Self::Bottom,
        Self::HalfPageDown,
        Self::HalfPageUp,
        Self::PageDown,
        Self::PageUp,
        Self::Filter,
        Self::ToggleMark,
        Self::CycleSort,
        Self::CycleStatusFilter,
        Self::CycleCategoryFilter,
        Self::ClearFilters,
        Self::ToggleTranscript,
        Self::CycleFormat,
        Self::Refresh,
        Self::Confirm,
        Self::Search,
        Self::EditRange,
        Self::TopKUp,
        Self::TopKDown,
        Self::MoreLikeThis,
        Self::ExportResults,
        Self::OpenHit,
        Self::Reprocess,
        Self::ReprocessBatch,
        Self::Jobs,
        Self::VectorCheck,
        Self::IndexView,
        Self::MapView,
        Self::DriftBatch,
        Self::TabConversations,
        Self::TabFacts,
        Self::TabActionItems,
        Self::TabChunks,
        Self::OpenLinked,
        Self::MessageLog,
        Self::FocusLeft,
        Self::FocusRight,
        Self::Copy,
        Self::CycleSearchMode,
        Self::Explain,
        Self::GoldenAdd,
    ];

    /// The name used in the config file's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::ForceQuit => "force_quit",
            Self::Help => "help",
            Self::ClosePopup => "close",
            Self::FocusNext => "focus_next",
            Self::FocusPrev => "focus_prev",
            Self::Up => "up",
            Self::Down => "down",
            Self::Top => "top",
            Self::Bottom => "bottom",
            Self::HalfPageDown => "half_page_down",
            Self::HalfPageUp => "half_page_up",
            Self::PageDown => "page_down",
            Self::PageUp => "page_up",
            Self::Filter => "filter",
            Self::ToggleMark => "mark",
            Self::CycleSort => "sort",
            Self::CycleStatusFilter => "status_filter",
            Self::CycleCategoryFilter => "category_filter",
            Self::ClearFilters => "clear_filters",
            Self::ToggleTranscript => "transcript",
            Self::CycleFormat => "text_format",
            Self::Refresh => "refresh",
            Self::Confirm => "confirm",
            Self::Search => "search",
            Self::EditRange => "search_range",
            Self::TopKUp => "top_k_up",
            Self::TopKDown => "top_k_down",
            Self::MoreLikeThis => "more_like_this",
            Self::ExportResults => "export_results",
            Self::OpenHit => "open_hit",
            Self::Reprocess => "reprocess",
            Self::ReprocessBatch => "reprocess_batch",
            Self::Jobs => "jobs",
            Self::VectorCheck => "vector_check",
            Self::IndexView => "index",
            Self::MapView => "map",
            Self::DriftBatch => "drift_batch",
            Self::TabConversations => "tab_conversations",
            Self::TabFacts => "tab_facts",
            Self::TabActionItems => "tab_action_items",
            Self::TabChunks => "tab_chunks",
            Self::OpenLinked => "open_conversation",
            Self::MessageLog => "messages",
            Self::FocusLeft => "focus_left",
            Self::FocusRight => "focus_right",
            Self::Copy => "copy",
            Self::CycleSearchMode => "search_mode",
            Self::Explain => "explain",
            Self::GoldenAdd => "golden_add",
        }
    }

    /// The command with this config name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

/// Severity of a status-line message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// Everything that can change the app's state.
#[derive(Debug)]
pub enum Action {
    /// A key press (goes to the focused input first, then the keymap).
    Key(KeyEvent),
    /// Mouse scroll or click.
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste): inserted into the input being
    /// typed, never read as keys.
    Paste(String),
    /// The terminal was resized.
    Resize(u16, u16),
    /// Animation tick (spinners); redraws only while something is running.
    Tick,
    /// A bound command.
    Command(Command),
    /// Export loading progress: bytes done of total.
    LoadProgress { done: u64, total: u64 },
    /// The export finished loading.
    ExportLoaded(Box<LoadedExport>),
    /// The export could not be loaded.
    LoadFailed(String),
    /// Status lookup progress for request `generation`.
    StatusProgress {
        generation: u64,
        done: usize,
        total: usize,
    },
    /// Status lookup finished (`from_cache` when read from the data dir).
    StatusLoaded {
        generation: u64,
        cache: Box<StatusCache>,
        from_cache: bool,
        took: Duration,
    },
    /// Status lookup failed.
    StatusFailed { generation: u64, error: String },
    /// A search finished (results are dropped unless `generation` is the newest).
    SearchDone {
        generation: u64,
        outcome: Result<Box<HybridResults>, String>,
    },
    /// Full-text indexing progress (memories done of total) for export `generation`.
    FullTextProgress {
        generation: u64,
        done: usize,
        total: usize,
    },
    /// The full-text index of export `generation` is open (or failed).
    FullTextReady {
        generation: u64,
        outcome: Result<(Arc<FullText>, OpenReport), String>,
    },
    /// An explanation finished (dropped unless `generation` is the newest).
    Explained {
        generation: u64,
        outcome: Result<Box<Explanation>, String>,
    },
    /// A reprocess plan is ready (dropped unless `generation` is the newest).
    PlanReady {
        generation: u64,
        outcome: Result<Box<Plan>, String>,
    },
    /// Progress of the reprocess job.
    JobProgress(Box<Progress>),
    /// The auto-index is planned: (embeddable, indexed before, to write, a note).
    IndexPlanned {
        embeddable: usize,
        indexed: usize,
        total: usize,
        note: Option<String>,
    },
    /// Auto-index progress.
    IndexProgress(Box<Progress>),
    /// The auto-index ended (its summary, or why it could not run).
    IndexDone(Result<Box<Summary>, String>),
    /// Transcript chunks are planned: the export's chunks, held before, to write.
    ChunkIndexPlanned {
        total: usize,
        indexed: usize,
        todo: usize,
    },
    /// Transcript chunks written so far by this run, and the rate.
    ChunkIndexProgress { done: usize, rate_per_sec: f64 },
    /// Chunk indexing ended (chunks written, or why it failed).
    ChunkIndexDone(Result<usize, String>),
    /// The reprocess job ended.
    JobDone(Result<Box<Summary>, String>),
    /// The journal holds an unfinished run (found at start-up).
    UnfinishedRun(Box<RunInfo>),
    /// The stored vector of a memory and its drift check.
    VectorChecked(Box<VectorCheck>),
    /// Index statistics and the orphan scan finished.
    IndexLoaded(Box<Result<IndexReport, String>>),
    /// Orphans were deleted (count) or the delete was refused.
    OrphansDeleted(Result<usize, String>),
    /// The map's points are computed: (memory index, x, y), or why not.
    MapLoaded(Result<Vec<crate::tui::state::MapPoint>, String>),
    /// A batch drift check is planned: (memory ids, texts to embed, estimated tokens).
    DriftPlanned(Vec<String>, usize, usize),
    /// The batch drift check finished.
    DriftDone(Result<Vec<crate::sync::drift::DriftOutcome>, String>),
    /// The facts' `ns2` statuses for lookup `generation` (entries by fact id), or why not.
    FactStatusLoaded {
        generation: u64,
        outcome: Result<std::collections::BTreeMap<String, crate::sync::StatusEntry>, String>,
    },
    /// An `ns2` search of the facts tab finished.
    FactSearchDone {
        generation: u64,
        outcome: Result<Vec<crate::sync::fact_search::FactHit>, String>,
    },
    /// A kind tab's rows are computed (dropped unless `generation` is its newest).
    KindRowsReady {
        kind: crate::omi::record_kind::Kind,
        generation: u64,
        rows: Box<crate::tui::kinds::KindRows>,
    },
    /// A kind tab's status lookup finished (dropped unless `generation` is its newest).
    KindStatusLoaded {
        kind: crate::omi::record_kind::Kind,
        generation: u64,
        outcome: Result<Box<crate::sync::kinds::status::KindReport>, String>,
    },
    /// A kind tab's verify (`v`) made progress: `stage` is `list`, `fetch` or `verify`,
    /// `done` how far it is in it (dropped unless `generation` is the tab's newest).
    KindProgress {
        kind: crate::omi::record_kind::Kind,
        generation: u64,
        stage: &'static str,
        done: usize,
    },
    /// The facts tab's verify (`v`) made progress: facts done of total.
    FactProgress {
        generation: u64,
        done: usize,
        total: usize,
    },
    /// A kind write is planned (dropped unless `generation` is the newest).
    KindPlanned {
        generation: u64,
        outcome: Result<Box<crate::sync::kinds::write::WritePlan>, String>,
    },
    /// A kind write ended: what it wrote, or why it stopped.
    KindWritten {
        kind: crate::omi::record_kind::Kind,
        outcome: Result<crate::sync::kinds::write::Applied, String>,
    },
    /// The list filter's scan finished (dropped unless its generation is the newest).
    FilterDone(Box<Ranked>),
    /// A message for the status line.
    Notify(Level, String),
}
