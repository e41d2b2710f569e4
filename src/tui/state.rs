//! Everything the screen is drawn from. Drawing is a pure function of [`State`].

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use tui_input::Input;

use crate::config::CreatedAtPolicy;
use crate::omi::Memory;
use crate::omi::policy::{self, Overrides, SkipReason};
use crate::omi::text::TextFormat;
use crate::sync::{EmbeddingStatus, StatusEntry};
use crate::tui::action::Level;
use crate::tui::index::IndexUi;
use crate::tui::jobs::{IndexingUi, ReprocessUi};
use crate::tui::keymap::{Keymap, Scope};
use crate::tui::list::{ListSource, MemoryList};
use crate::tui::loader::LoadedExport;
use crate::tui::search::SearchPane;
use crate::tui::theme::Theme;
use crate::tui::vector::VectorCheck;

/// The [`State::message_tag`] of the configuration warnings' own messages (the footer
/// shows them pinned, so it does not repeat them).
pub const CONFIG_WARNINGS: &str = "config warnings";

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
    /// Index the export into the local store on open (the offline default: the built-in
    /// all-MiniLM-L6-v2 and the local store; see `crate::sync::autoindex`).
    pub auto_index: bool,
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
    /// The message log (`L`): every message of the session, in full.
    Messages,
    /// `y`: copy the id, vector id or text.
    Copy,
    /// A write of an action item or a conversation's transcript chunks, waiting for a yes.
    ConfirmKindWrite,
}

impl Popup {
    /// A dialog waiting for an answer (`y`/`n`, a choice): nothing may replace it.
    pub fn awaits_answer(&self) -> bool {
        matches!(
            self,
            Popup::ConfirmQuit
                | Popup::ConfirmPlan
                | Popup::BatchChoice
                | Popup::DriftConfirm
                | Popup::Resume
                | Popup::Copy
                | Popup::ConfirmKindWrite
        )
    }
}

/// One message of the session, kept for the message log.
#[derive(Debug, Clone, PartialEq)]
pub struct LoggedMessage {
    /// Unix seconds.
    pub at: i64,
    pub level: Level,
    pub text: String,
}

/// The moment a transcript is drawn around: (answering segment, chunk's first segment,
/// chunk's last segment).
pub type MomentMark = (usize, usize, usize);

/// A wrapped transcript keyed by (memory id, width, segment count, moment marked), with
/// the first line of each segment.
pub type TranscriptCache = (
    (String, usize, usize, Option<MomentMark>),
    std::sync::Arc<Vec<ratatui::text::Line<'static>>>,
    std::sync::Arc<Vec<usize>>,
);

/// Messages kept for the log (the oldest are dropped first).
pub const MESSAGE_LOG_CAP: usize = 500;

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
    /// When each of `status_entries` was learned (Unix ms), so that saving the status
    /// cache never overwrites a newer entry another process wrote.
    pub status_stamps: BTreeMap<String, i64>,
    pub lookup: StatusLookup,
    pub focus: Focus,
    /// What the right-hand side shows (details, or the search pane).
    pub right: RightPane,
    pub search: SearchPane,
    pub reprocess: ReprocessUi,
    /// The auto-index of the export into the local store.
    pub indexing: IndexingUi,
    /// The last vector check (`v`), or `None` while it runs.
    pub vector: Option<VectorCheck>,
    pub vector_running: bool,
    pub index: IndexUi,
    /// The map's points (memory index, x, y); `None` until computed.
    pub map: Option<Result<Vec<MapPoint>, String>>,
    pub drift: DriftUi,
    pub popup: Option<Popup>,
    /// A window a background result asked for while a dialog waited for its answer:
    /// shown when that dialog closes (it never replaces a dialog, nor takes its keys).
    pub popup_after: Option<Popup>,
    /// Configuration warnings found at start: shown in the footer until acted on (the
    /// message log `L` opened, or `Esc` dismissing them).
    pub config_warnings: Vec<String>,
    /// Why this session is read-only for writes when it is not by `--read-only`: the
    /// data dir's writer lock was not taken (another process holds it, named with its
    /// pid; or the data dir cannot be written). Every refused write says it.
    pub read_only_why: Option<String>,
    /// The memory a vector check (`v`) was asked for: its window opens even when a
    /// filter hides the memory once its verdict (fresh, stale) is known.
    pub vector_for: Option<String>,
    /// The fuzzy filter being typed (`/`), if any.
    pub filter_input: Option<Input>,
    /// First details line shown (lines, not 16-bit: long transcripts scroll to the end).
    pub details_scroll: usize,
    /// Scroll of the help overlay.
    pub help_scroll: u16,
    pub transcript_expanded: bool,
    /// The moment the details pane marks in its conversation's transcript (set when a
    /// search hit is opened with Enter; applies to that conversation only).
    pub details_moment: Option<crate::sync::moment::Moment>,
    pub text_format: TextFormat,
    pub message: Option<(Level, String)>,
    /// The work the shown message is about (`"plan"`, `"vector"`): it clears when that
    /// work ends.
    pub message_tag: Option<&'static str>,
    /// The tab the shown message is about (it names that tab's keys): the footer shows
    /// it on that tab only. `None`: any tab.
    pub message_tab: Option<crate::tui::kinds::Tab>,
    /// Every message of the session (newest last), for `L`.
    pub messages: Vec<LoggedMessage>,
    /// Scroll of the message log.
    pub messages_scroll: usize,
    /// The selected memory's wrapped transcript: ((memory id, width, segments), lines).
    pub transcript_cache: std::cell::RefCell<Option<TranscriptCache>>,
    /// Text the app asked to put on the clipboard (OSC 52), drained by the terminal loop.
    pub clipboard: Option<String>,
    pub should_quit: bool,
    /// Ctrl-Z was pressed: the terminal loop suspends the process (like SIGTSTP).
    pub suspend_requested: bool,
    /// Frame counter for spinners.
    pub tick: u64,
    /// Terminal size (columns, rows).
    pub size: (u16, u16),
    /// Which tab the list and details show (`1` conversations, `2` facts, `3` action
    /// items, `4` transcript chunks).
    pub tab: crate::tui::kinds::Tab,
    /// The facts tab.
    pub facts: crate::tui::facts::FactsTab,
    /// The action items tab (`ns4`).
    pub items: crate::tui::kinds::KindTab,
    /// The transcript chunks tab (`ns_tchunks`).
    pub chunks: crate::tui::kinds::KindTab,
    /// A write of a kind (one conversation's chunks, one item, the missing ones).
    pub kind_write: crate::tui::kinds::KindWriteUi,
    /// The record of the selected conversation's chunks and action items that `Enter`
    /// opens (an index into [`State::linked_rows`]); `None` until `Enter` in the details.
    pub linked: Option<usize>,
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
            status_stamps: BTreeMap::new(),
            lookup: StatusLookup::default(),
            focus: Focus::List,
            right: RightPane::Details,
            search: SearchPane::new(),
            reprocess: ReprocessUi::default(),
            indexing: IndexingUi::default(),
            vector: None,
            vector_running: false,
            index: IndexUi::default(),
            map: None,
            drift: DriftUi::default(),
            popup: None,
            popup_after: None,
            config_warnings: Vec::new(),
            read_only_why: None,
            vector_for: None,
            filter_input: None,
            details_scroll: 0,
            help_scroll: 0,
            transcript_expanded: false,
            details_moment: None,
            text_format,
            message: None,
            message_tag: None,
            message_tab: None,
            messages: Vec::new(),
            messages_scroll: 0,
            transcript_cache: Default::default(),
            clipboard: None,
            should_quit: false,
            suspend_requested: false,
            tick: 0,
            size: (80, 24),
            tab: crate::tui::kinds::Tab::default(),
            facts: crate::tui::facts::FactsTab::default(),
            items: Default::default(),
            chunks: Default::default(),
            kind_write: Default::default(),
            linked: None,
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
        self.tab == crate::tui::kinds::Tab::Facts
    }

    /// The kind tab of `kind` (action items, chunks); `None` for the other kinds.
    pub fn kind_tab(
        &self,
        kind: crate::omi::record_kind::Kind,
    ) -> Option<&crate::tui::kinds::KindTab> {
        use crate::omi::record_kind::Kind;
        match kind {
            Kind::ActionItems => Some(&self.items),
            Kind::Chunks => Some(&self.chunks),
            _ => None,
        }
    }

    /// The kind tab of `kind`, to change.
    pub fn kind_tab_mut(
        &mut self,
        kind: crate::omi::record_kind::Kind,
    ) -> Option<&mut crate::tui::kinds::KindTab> {
        use crate::omi::record_kind::Kind;
        match kind {
            Kind::ActionItems => Some(&mut self.items),
            Kind::Chunks => Some(&mut self.chunks),
            _ => None,
        }
    }

    /// The kind tab shown (`3` or `4`), if one is.
    pub fn shown_kind_tab(&self) -> Option<&crate::tui::kinds::KindTab> {
        self.kind_tab(self.tab.kind())
    }

    /// True when a tab other than conversations is shown (facts or a kind tab): its own
    /// list and details, the narrower list.
    pub fn on_record_tab(&self) -> bool {
        self.tab != crate::tui::kinds::Tab::Conversations
    }

    /// The row list of the record tab shown (facts or a kind tab); `None` on the
    /// conversations tab.
    pub fn rows_mut(&mut self) -> Option<&mut crate::tui::kinds::RowList> {
        use crate::tui::kinds::Tab;
        match self.tab {
            Tab::Conversations => None,
            Tab::Facts => Some(&mut self.facts.list),
            Tab::ActionItems => Some(&mut self.items.list),
            Tab::Chunks => Some(&mut self.chunks.list),
        }
    }

    /// The row list of the record tab shown, to read.
    pub fn rows(&self) -> Option<&crate::tui::kinds::RowList> {
        use crate::tui::kinds::Tab;
        match self.tab {
            Tab::Conversations => None,
            Tab::Facts => Some(&self.facts.list),
            Tab::ActionItems => Some(&self.items.list),
            Tab::Chunks => Some(&self.chunks.list),
        }
    }

    /// Set the shown record tab's filter and recompute its rows (first row selected).
    pub fn set_rows_query(&mut self, query: &str) {
        if let Some(list) = self.rows_mut() {
            list.query = query.to_string();
            list.selected = 0;
        }
        self.refresh_rows();
    }

    /// Recompute the shown record tab's rows after its filter changed.
    pub fn refresh_rows(&mut self) {
        use crate::tui::kinds::Tab;
        match self.tab {
            Tab::Conversations => {}
            Tab::Facts => {
                let facts = self.export.as_ref().map_or(&[][..], |e| &e.facts[..]);
                self.facts.refresh(facts);
            }
            Tab::ActionItems => self.items.refresh(),
            Tab::Chunks => self.chunks.refresh(),
        }
    }

    /// The transcript chunks, then the action items, of conversation `id`: (kind, row).
    pub fn linked_rows(&self, id: &str) -> Vec<(crate::omi::record_kind::Kind, usize)> {
        use crate::omi::record_kind::Kind;
        let mut out = Vec::new();
        for kind in [Kind::Chunks, Kind::ActionItems] {
            if let Some(rows) = self.kind_tab(kind).and_then(|t| t.by_conversation.get(id)) {
                out.extend(rows.iter().map(|r| (kind, *r)));
            }
        }
        out
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

    /// Why Omi would not embed memory `i` ([`policy::skip_reason`]; `None`: it would).
    pub fn skip_of(&self, i: usize) -> Option<SkipReason> {
        let m = self.memories().get(i)?;
        policy::skip_reason(m, self.setup.uid.as_deref(), Overrides::default())
    }

    /// Glyph and label of memory `i`'s status: `- skipped (unfinished: in_progress)`,
    /// `✗ orphan (deleted)`, `● present`.
    pub fn status_text(&self, i: usize) -> String {
        let status = self.status_of(i);
        match (status, self.skip_of(i)) {
            (EmbeddingStatus::Skipped | EmbeddingStatus::Orphan, Some(r)) => {
                format!("{} {} ({})", status.glyph(), status.word(), r.label())
            }
            _ => format!("{} {}", status.glyph(), status.word()),
        }
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

    /// True while a background job runs (the screen redraws on ticks).
    pub fn job_running(&self) -> bool {
        self.indexing.busy() || self.quit_asks_first()
    }

    /// True while a job runs whose interruption the user should confirm. The auto-index
    /// is not one: its finished batches are committed and the next open indexes the rest.
    pub fn quit_asks_first(&self) -> bool {
        self.lookup.running.is_some()
            || self.search.running.is_some()
            || self.reprocess.busy()
            || self.drift.running
            || self.facts.lookup_running
            || self.items.lookup_running
            || self.chunks.lookup_running
            || self.kind_write.busy()
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

    /// The status of each memory after the policy: a memory Omi would not embed is
    /// `skipped`, never `missing` or `unknown`, and a deleted one with a stored vector is
    /// an `orphan`. `looked_up` gives the store's class per memory.
    pub fn policy_statuses(
        &self,
        looked_up: impl Fn(usize, &Memory) -> EmbeddingStatus,
    ) -> Vec<EmbeddingStatus> {
        let uid = self.setup.uid.as_deref();
        self.memories()
            .iter()
            .enumerate()
            .map(|(i, m)| {
                let status = looked_up(i, m);
                match policy::skip_reason(m, uid, Overrides::default()) {
                    None => status,
                    Some(_)
                        if matches!(
                            status,
                            EmbeddingStatus::Unknown
                                | EmbeddingStatus::Missing
                                | EmbeddingStatus::Skipped
                        ) =>
                    {
                        EmbeddingStatus::Skipped
                    }
                    Some(SkipReason::Deleted) => EmbeddingStatus::Orphan,
                    Some(_) => status,
                }
            })
            .collect()
    }

    /// What a refused write says in a read-only session: `refused` ("writes are
    /// disabled") and why — the writer lock's holder when another process has the data
    /// dir, else read-only mode (`--read-only`).
    pub fn write_refusal(&self, refused: &str) -> String {
        match &self.read_only_why {
            Some(why) => format!("{refused}: {why}"),
            None => format!("read-only mode: {refused}"),
        }
    }

    /// Show a message in the status line, keep it in the message log and write it to the
    /// log file (errors at `error`, warnings at `warn`: both pass the default filter).
    pub fn notify(&mut self, level: Level, text: impl Into<String>) {
        let text = text.into();
        match level {
            Level::Error => tracing::error!(target: "memlens::tui", "{text}"),
            Level::Warn => tracing::warn!(target: "memlens::tui", "{text}"),
            Level::Info => tracing::info!(target: "memlens::tui", "{text}"),
        }
        if self.messages.len() >= MESSAGE_LOG_CAP {
            self.messages.remove(0);
        }
        self.messages.push(LoggedMessage {
            at: chrono::Utc::now().timestamp(),
            level,
            text: text.clone(),
        });
        self.message = Some((level, text));
        self.message_tag = None;
        self.message_tab = None;
    }

    /// [`State::notify`] a message about `tab` (one naming its keys): the footer shows it
    /// while that tab is shown, and the message log keeps it.
    pub fn notify_on(
        &mut self,
        tab: crate::tui::kinds::Tab,
        level: Level,
        text: impl Into<String>,
    ) {
        self.notify(level, text);
        self.message_tab = Some(tab);
    }

    /// The message the footer shows on the current tab.
    pub fn shown_message(&self) -> Option<&(Level, String)> {
        self.message
            .as_ref()
            .filter(|_| self.message_tab.is_none_or(|t| t == self.tab))
    }

    /// Show a progress message about `work`; [`State::finish`] clears it.
    pub fn notify_while(&mut self, work: &'static str, text: impl Into<String>) {
        self.notify(Level::Info, text);
        self.message_tag = Some(work);
    }

    /// `work` ended: clear its progress message if it is still the one shown.
    pub fn finish(&mut self, work: &'static str) {
        if self.message_tag == Some(work) {
            self.message = None;
            self.message_tag = None;
        }
    }
}
