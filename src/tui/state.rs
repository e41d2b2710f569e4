//! Everything the screen is drawn from. Drawing is a pure function of [`State`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tui_input::Input;

use crate::config::CreatedAtPolicy;
use crate::omi::Memory;
use crate::omi::text::TextFormat;
use crate::sync::{EmbeddingStatus, StatusEntry};
use crate::tui::action::Level;
use crate::tui::index::IndexUi;
use crate::tui::jobs::ReprocessUi;
use crate::tui::keymap::{Keymap, Scope};
use crate::tui::list::{ListSource, MemoryList};
use crate::tui::loader::LoadedExport;
use crate::tui::search::SearchPane;
use crate::tui::theme::Theme;
use crate::tui::vector::VectorCheck;

/// What the header says about the set-up (fixed for the session).
#[derive(Debug, Clone)]
pub struct Setup {
    pub uid: Option<String>,
    /// Where the uid came from (`flag --uid`, `export profile`, …).
    pub uid_source: String,
    pub namespace: String,
    /// `pinecone idx/ns1` or `local /path/store.db`.
    pub store_target: String,
    pub store_is_remote: bool,
    /// Honest label of the embedder.
    pub embedder_label: String,
    pub embedder_model: String,
    pub embedder_dimension: usize,
    pub read_only: bool,
    pub data_dir: PathBuf,
    /// How reprocess writes `created_at`.
    pub created_at_policy: CreatedAtPolicy,
}

/// Which pane has the keyboard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Details,
    Search,
}

impl Focus {
    /// Keymap scope of the pane.
    pub fn scope(self) -> Scope {
        match self {
            Focus::List => Scope::List,
            Focus::Details => Scope::Details,
            Focus::Search => Scope::Search,
        }
    }
}

/// A memory on the map: (index in the export, x, y).
pub type MapPoint = (u32, f64, f64);

/// What the right-hand side shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightPane {
    Details,
    Search,
}

/// A window over the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Popup {
    Help,
    /// `q` while a job runs.
    ConfirmQuit,
    /// `R`: which memories to reprocess.
    BatchChoice,
    /// A reprocess plan waiting for a yes.
    ConfirmPlan,
    /// The reprocess job: progress, then its summary.
    Job,
    /// An unfinished run was found: resume it?
    Resume,
    /// The selected memory's vector: stats, histogram, drift per format.
    Vector,
    /// The index view (stats, compatibility, counts, orphans).
    Index,
    /// The 2-D map of stored vectors.
    Map,
    /// A batch drift check waiting for a yes.
    DriftConfirm,
    /// Why a memory is (not) found for the active query (`w`).
    Explain,
    /// The batch drift check's results.
    DriftResults,
}

/// The batch drift check (`C`).
#[derive(Debug, Default)]
pub struct DriftUi {
    /// Memory ids, texts to embed and estimated tokens of the planned check.
    pub planned: Option<(Vec<String>, usize, usize)>,
    pub running: bool,
    pub results: Option<Result<Vec<crate::sync::drift::DriftOutcome>, String>>,
}

/// Where the export is.
#[derive(Debug, Clone, PartialEq)]
pub enum LoadState {
    /// No export given.
    NoExport,
    Loading {
        done: u64,
        total: u64,
    },
    Loaded,
    Failed(String),
}

/// The full-text index of the loaded export.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum FullTextState {
    /// No export (yet).
    #[default]
    Idle,
    /// Being built in the background: memories done of total.
    Building {
        done: usize,
        total: usize,
    },
    /// Open: `built` when it was built now (else reused), in `ms`.
    Ready {
        memories: usize,
        built: bool,
        ms: f64,
    },
    Failed(String),
}

/// The explanation popup (`w`).
#[derive(Debug, Default)]
pub struct ExplainUi {
    /// Generation of the newest request; older results are dropped.
    pub generation: u64,
    /// What is being explained, while it runs.
    pub running: Option<String>,
    pub result: Option<Result<crate::sync::explain::Explanation, String>>,
    pub scroll: u16,
}

/// The background status lookup.
#[derive(Debug, Clone, Default)]
pub struct StatusLookup {
    /// Generation of the newest request; older results are dropped.
    pub generation: u64,
    /// (done, total) while running.
    pub running: Option<(usize, usize)>,
    /// Unix seconds of the shown statuses' lookup.
    pub checked_at: Option<i64>,
    pub from_cache: bool,
    pub took_ms: Option<u128>,
}

/// The whole UI state.
#[derive(Debug)]
pub struct State {
    pub setup: Setup,
    pub theme: Theme,
    pub keymap: Keymap,
    pub export_path: Option<PathBuf>,
    /// Shared with background tasks (the full-text indexer reads it off the UI thread).
    pub export: Option<Arc<LoadedExport>>,
    /// The full-text index of the export.
    pub fulltext: FullTextState,
    pub explain: ExplainUi,
    /// The last `memlens golden run` of the data dir's golden file, if any.
    pub golden_last: Option<crate::sync::golden::GoldenRun>,
    pub load: LoadState,
    pub list: MemoryList,
    /// Status per memory, aligned with `export.memories`.
    pub statuses: Vec<EmbeddingStatus>,
    /// Details of looked-up statuses, by memory id.
    pub status_entries: BTreeMap<String, StatusEntry>,
    pub lookup: StatusLookup,
    pub focus: Focus,
    /// What the right-hand side shows (details, or the search pane).
    pub right: RightPane,
    pub search: SearchPane,
    pub reprocess: ReprocessUi,
    /// The last vector check (`v`), or `None` while it runs.
    pub vector: Option<VectorCheck>,
    pub vector_running: bool,
    pub index: IndexUi,
    /// The map's points (memory index, x, y); `None` until computed.
    pub map: Option<Result<Vec<MapPoint>, String>>,
    pub drift: DriftUi,
    pub popup: Option<Popup>,
    /// The fuzzy filter being typed (`/`), if any.
    pub filter_input: Option<Input>,
    pub details_scroll: u16,
    /// Scroll of the help overlay.
    pub help_scroll: u16,
    pub transcript_expanded: bool,
    pub text_format: TextFormat,
    pub message: Option<(Level, String)>,
    pub should_quit: bool,
    /// Frame counter for spinners.
    pub tick: u64,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Which tab the list and details show (`1` conversations, `2` facts).
    pub tab: crate::tui::facts::Tab,
    /// The facts tab.
    pub facts: crate::tui::facts::FactsTab,
}

impl State {
    /// A fresh state for a set-up.
    pub fn new(setup: Setup, keymap: Keymap, theme: Theme, text_format: TextFormat) -> Self {
        Self {
            setup,
            theme,
            keymap,
            export_path: None,
            export: None,
            fulltext: FullTextState::Idle,
            explain: ExplainUi::default(),
            golden_last: None,
            load: LoadState::NoExport,
            list: MemoryList::default(),
            statuses: Vec::new(),
            status_entries: BTreeMap::new(),
            lookup: StatusLookup::default(),
            focus: Focus::List,
            right: RightPane::Details,
            search: SearchPane::new(),
            reprocess: ReprocessUi::default(),
            vector: None,
            vector_running: false,
            index: IndexUi::default(),
            map: None,
            drift: DriftUi::default(),
            popup: None,
            filter_input: None,
            details_scroll: 0,
            help_scroll: 0,
            transcript_expanded: false,
            text_format,
            message: None,
            should_quit: false,
            tick: 0,
            size: (80, 24),
            tab: crate::tui::facts::Tab::default(),
            facts: crate::tui::facts::FactsTab::default(),
        }
    }

    /// The memories (empty before the export loads).
    pub fn memories(&self) -> &[Memory] {
        self.export
            .as_ref()
            .map(|e| e.memories.as_slice())
            .unwrap_or(&[])
    }

    /// The export's facts (empty before it loads, or when it has none).
    pub fn fact_list(&self) -> &[crate::omi::Fact] {
        self.export
            .as_ref()
            .map(|e| e.facts.as_slice())
            .unwrap_or(&[])
    }

    /// The selected fact of the facts tab and its index.
    pub fn selected_fact(&self) -> Option<(usize, &crate::omi::Fact)> {
        let i = self.facts.selected_index()?;
        self.fact_list().get(i).map(|f| (i, f))
    }

    /// True when the facts tab is shown.
    pub fn on_facts_tab(&self) -> bool {
        self.tab == crate::tui::facts::Tab::Facts
    }

    /// The selected memory and its index.
    pub fn selected(&self) -> Option<(usize, &Memory)> {
        let i = self.list.selected_index()?;
        self.memories().get(i).map(|m| (i, m))
    }

    /// Status of memory `i`.
    pub fn status_of(&self, i: usize) -> EmbeddingStatus {
        self.statuses
            .get(i)
            .copied()
            .unwrap_or(EmbeddingStatus::Unknown)
    }

    /// Recompute the visible list.
    pub fn refresh_list(&mut self) {
        let Some(export) = &self.export else {
            return;
        };
        let src = ListSource {
            memories: &export.memories,
            haystacks: &export.haystacks,
            statuses: &self.statuses,
        };
        self.list.refresh(&src);
    }

    /// Counts per status, for the header.
    pub fn status_counts(&self) -> Vec<(EmbeddingStatus, usize)> {
        let mut counts = [0usize; EmbeddingStatus::ALL.len()];
        for s in &self.statuses {
            if let Some(p) = EmbeddingStatus::ALL.iter().position(|x| x == s) {
                counts[p] += 1;
            }
        }
        EmbeddingStatus::ALL
            .iter()
            .zip(counts)
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| (*s, n))
            .collect()
    }

    /// True while a background job runs (quit asks first).
    pub fn job_running(&self) -> bool {
        self.lookup.running.is_some()
            || self.search.running.is_some()
            || self.reprocess.busy()
            || self.drift.running
            || self.facts.lookup_running
            || self.facts.search.as_ref().is_some_and(|s| s.running)
            || self.explain.running.is_some()
            || matches!(self.load, LoadState::Loading { .. })
    }

    /// True when the store holds nothing for this export (first run on the local store).
    pub fn looks_like_first_run(&self) -> bool {
        !self.statuses.is_empty()
            && self.lookup.running.is_none()
            && self.lookup.checked_at.is_some()
            && self
                .statuses
                .iter()
                .all(|s| matches!(s, EmbeddingStatus::Missing | EmbeddingStatus::Skipped))
    }

    /// Show a message in the status line.
    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        self.message = Some((level, text.into()));
    }
}
