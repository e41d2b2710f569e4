//! The record tabs (`1`–`4`: conversations, facts, action items, transcript chunks) and
//! the one generic kind tab the two 2026 kinds are instances of. Pure state: the app
//! fills a [`KindTab`] from the engine's record-kind machinery (`sync::kinds`:
//! [`RecordKind::expected`] for the rows, [`kind_status`] for their status, both off the
//! draw loop) and the view draws it.
//!
//! What every record tab shares — the filtered rows, the selection and the details
//! scroll — is [`RowList`]; the facts tab uses it too.
//!
//! [`RecordKind::expected`]: crate::sync::kinds::RecordKind::expected
//! [`kind_status`]: crate::sync::kinds::status::kind_status

use std::collections::HashMap;

use crate::omi::export::Export;
use crate::omi::record_kind::Kind;
use crate::sync::EmbeddingStatus;
use crate::sync::kinds::status::{KindReport, RecordStatus};
use crate::sync::kinds::write::WritePlan;
use crate::tui::action::Command;

/// Which tab the list and details show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    /// `1`: conversations (`ns1`).
    #[default]
    Conversations,
    /// `2`: facts (`ns2`).
    Facts,
    /// `3`: standalone action items (`ns4`).
    ActionItems,
    /// `4`: transcript chunks (`ns_tchunks`).
    Chunks,
}

impl Tab {
    /// The record kind the tab shows.
    pub fn kind(self) -> Kind {
        match self {
            Tab::Conversations => Kind::Conversations,
            Tab::Facts => Kind::Facts,
            Tab::ActionItems => Kind::ActionItems,
            Tab::Chunks => Kind::Chunks,
        }
    }

    /// The key that shows it and its short name: `3:items`.
    pub fn label(self) -> &'static str {
        match self {
            Tab::Conversations => "1:conversations",
            Tab::Facts => "2:facts",
            Tab::ActionItems => "3:items",
            Tab::Chunks => "4:chunks",
        }
    }
}

/// A verify's progress (`v` on a record tab: every stored record's vector compared with
/// a fresh embedding of Omi's text), for the footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyProgress {
    /// `start`, then the engine's stages: `list`, `fetch`, `verify`.
    pub stage: &'static str,
    pub done: usize,
    /// Records to embed, when known (the stored ones of the last lookup).
    pub total: Option<usize>,
}

impl VerifyProgress {
    /// What the footer says: `verifying ns4: embedding 2/3`.
    pub fn text(&self, namespace: &str) -> String {
        let how = match (self.stage, self.total) {
            ("list", _) => format!("listing ids ({})", self.done),
            ("fetch", _) => format!("fetching orphans ({})", self.done),
            ("verify", Some(total)) => format!("embedding {}/{total}", self.done),
            ("verify", None) => format!("embedding {}", self.done),
            _ => "starting".to_string(),
        };
        format!("verifying {namespace}: {how}")
    }
}

/// The key that verifies a record tab (the vector check's `v`; its first key when the
/// user bound others).
pub fn verify_key(keymap: &crate::tui::keymap::Keymap) -> String {
    let keys = keymap.keys_for(Command::VectorCheck, crate::tui::keymap::Scope::List);
    let mut all = keys.split('/');
    let first = all.clone().next().unwrap_or("v");
    all.find(|k| *k == "v").unwrap_or(first).to_string()
}

/// Commands that act on conversations only: the other tabs answer them with a note, and
/// their footers do not offer them.
pub fn conversation_only(c: Command) -> bool {
    matches!(
        c,
        Command::MoreLikeThis
            | Command::MapView
            | Command::DriftBatch
            | Command::ToggleMark
            | Command::CycleSort
            | Command::CycleStatusFilter
            | Command::CycleCategoryFilter
            | Command::ToggleTranscript
            | Command::CycleFormat
            | Command::EditRange
            | Command::TopKUp
            | Command::TopKDown
            | Command::ExportResults
            | Command::Explain
    )
}

/// True when `tab` answers `command` with its own work (the footer offers only these):
/// the record tabs leave out the conversation-only commands, and the kind tabs also the
/// search (`s` there only says how to search their namespace from the command line).
pub fn offers(tab: Tab, command: Command) -> bool {
    match tab {
        Tab::Conversations => true,
        Tab::Facts => !conversation_only(command),
        Tab::ActionItems | Tab::Chunks => !conversation_only(command) && command != Command::Search,
    }
}

/// How far a movement command moves, for a page of `page` rows (`None`: not a movement).
pub fn movement(c: Command, page: usize) -> Option<isize> {
    let page = page.max(1) as isize;
    Some(match c {
        Command::Up => -1,
        Command::Down => 1,
        Command::PageUp => -page,
        Command::PageDown => page,
        Command::HalfPageUp => -(page / 2).max(1),
        Command::HalfPageDown => (page / 2).max(1),
        Command::Top => -1_000_000_000,
        Command::Bottom => 1_000_000_000,
        _ => return None,
    })
}

/// The list half of a record tab: which rows pass the filter, the selection, the scroll.
#[derive(Debug, Clone, Default)]
pub struct RowList {
    /// Indices of the rows shown, in order, after the filter.
    pub visible: Vec<usize>,
    /// Row of `visible` selected.
    pub selected: usize,
    /// First row shown.
    pub offset: usize,
    /// The filter: case-insensitive words, all of which a row must hold.
    pub query: String,
    pub details_scroll: u16,
}

impl RowList {
    /// Recompute the visible rows of `n` rows; `haystack(i)` is row `i`'s lower-case text.
    pub fn refresh<'a>(&mut self, n: usize, haystack: impl Fn(usize) -> std::borrow::Cow<'a, str>) {
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        self.visible = (0..n)
            .filter(|&i| {
                words.is_empty() || {
                    let hay = haystack(i);
                    words.iter().all(|w| hay.contains(w.as_str()))
                }
            })
            .collect();
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// Index of the selected row.
    pub fn selected_index(&self) -> Option<usize> {
        self.visible.get(self.selected).copied()
    }

    /// Move the selection by `delta` rows (clamped).
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() as isize - 1;
        let next = (self.selected as isize).saturating_add(delta).clamp(0, max);
        if next as usize != self.selected {
            self.details_scroll = 0;
        }
        self.selected = next as usize;
    }

    /// The rows in a window of `height` rows from the first shown: (selected, row index).
    pub fn window(&self, height: usize) -> impl Iterator<Item = (bool, usize)> + '_ {
        let selected = self.selected;
        self.visible
            .iter()
            .enumerate()
            .skip(self.offset)
            .take(height)
            .map(move |(pos, &i)| (pos == selected, i))
    }

    /// Keep the selected row inside a window of `rows` rows.
    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + rows {
            self.offset = self.selected + 1 - rows;
        }
    }

    /// Select row `index`; `false` when the filter hides it (the caller clears the
    /// filter, refreshes and asks again).
    pub fn select(&mut self, index: usize) -> bool {
        match self.visible.iter().position(|i| *i == index) {
            Some(row) => {
                self.selected = row;
                self.details_scroll = 0;
                true
            }
            None => false,
        }
    }
}

/// A record's state as a tab shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowStatus {
    /// Not looked up yet (or no store / uid to look it up in).
    Unknown,
    /// One of the engine's states.
    Record(RecordStatus),
    /// Stored, and Omi's rules say it should not be.
    Orphan,
    /// A `task_data` candidate: Omi writes no vector.
    Candidate,
}

impl RowStatus {
    /// The conversation status whose glyph and colour it borrows.
    pub fn embedding(self) -> EmbeddingStatus {
        match self {
            RowStatus::Unknown => EmbeddingStatus::Unknown,
            RowStatus::Record(RecordStatus::Present) => EmbeddingStatus::Present,
            RowStatus::Record(RecordStatus::Fresh) => EmbeddingStatus::Fresh,
            RowStatus::Record(RecordStatus::Stale) => EmbeddingStatus::Stale,
            RowStatus::Record(RecordStatus::Missing) => EmbeddingStatus::Missing,
            RowStatus::Record(RecordStatus::Skipped) | RowStatus::Candidate => {
                EmbeddingStatus::Skipped
            }
            RowStatus::Orphan => EmbeddingStatus::Orphan,
        }
    }

    /// One word: `present`, `missing`, …, `orphan`, `candidate`, `unknown`.
    pub fn word(self) -> &'static str {
        match self {
            RowStatus::Unknown => "unknown",
            RowStatus::Record(s) => s.word(),
            RowStatus::Orphan => "orphan",
            RowStatus::Candidate => "candidate",
        }
    }

    /// Glyph and word: `● present`.
    pub fn text(self) -> String {
        format!("{} {}", self.embedding().glyph(), self.word())
    }
}

/// Why a record this session wrote is fresh.
pub const WRITTEN: &str = "written by this session from Omi's current text";

/// What a candidate's status says (omi-namespaces-2026.md §2.2).
pub const CANDIDATE: &str = "candidate: Omi writes no vector";

/// One row of a kind tab: a record Omi would hold (or skip), a candidate, or an orphan.
#[derive(Debug, Clone, PartialEq)]
pub struct KindRow {
    /// The conversation (chunks) or item the record belongs to; for an orphan, the owner
    /// its id names (or the id).
    pub owner: String,
    /// What the list shows: a chunk's `c{n}` and conversation title, an item's
    /// description, an orphan's id.
    pub label: String,
    /// The short column: the date of the item or of the chunk's conversation, `orphan`,
    /// `candidate`.
    pub tag: String,
    /// A chunk's index.
    pub chunk_index: Option<usize>,
    /// Omi's vector id (`None` for a candidate).
    pub vector_id: Option<String>,
    /// The exact text Omi embeds (for an orphan, nothing: the export has no text for it).
    pub text: String,
    /// The conversation it came from, when known.
    pub conversation_id: Option<String>,
    pub status: RowStatus,
    /// Why (skip reason, why a missing one may be normal, an orphan's cause).
    pub reason: Option<String>,
    /// Cosine with a fresh embedding (after a verify).
    pub similarity: Option<f32>,
    /// Stored `created_at` of an orphan.
    pub stored_created_at: Option<f64>,
}

/// What a kind tab holds once prepared: its rows (in export order) and what to say
/// about an export that cannot hold the kind.
#[derive(Debug, Clone, Default)]
pub struct KindRows {
    pub rows: Vec<KindRow>,
    /// Records of the export (candidates and orphans not counted).
    pub records: usize,
    /// `Some` when the export has no section for the kind (older exports: no
    /// `action_items`).
    pub absent: Option<String>,
}

/// The rows of `kind` for `export`: [`crate::sync::kinds::RecordKind::expected`] plus what
/// the export says that no vector stands for (action items' `task_data` candidates).
/// Pure and possibly slow (every transcript is chunked): run it off the draw loop.
pub fn kind_rows(
    export: &Export,
    kind: Kind,
    uid: &str,
    format: crate::omi::text::TextFormat,
) -> KindRows {
    if kind == Kind::ActionItems
        && let Some(note) = export.action_items.absent_note()
    {
        return KindRows {
            absent: Some(note.to_string()),
            ..KindRows::default()
        };
    }
    let rk = crate::sync::kinds::record_kind(kind, format);
    let expected = rk.expected(export, uid, chrono::Utc::now().timestamp());
    let records = expected.len();
    let titles: HashMap<&str, &str> = export
        .memories
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                crate::omi::model::shown_title(&m.structured.title),
            )
        })
        .collect();
    let day = |secs: i64| {
        chrono::DateTime::from_timestamp(secs, 0)
            .filter(|_| secs > 0)
            .map_or_else(|| "—".to_string(), |d| d.format("%Y-%m-%d").to_string())
    };
    let mut rows: Vec<KindRow> = expected
        .into_iter()
        .map(|e| {
            let (label, tag, conversation_id) = match kind {
                Kind::Chunks => {
                    let n = e.key.rsplit(' ').next().unwrap_or_default();
                    let title = titles.get(e.owner.as_str()).copied().unwrap_or("");
                    (format!("{n} {title}"), day(e.date), Some(e.owner.clone()))
                }
                Kind::ActionItems => (
                    e.text.clone(),
                    day(e.date),
                    export
                        .action_items
                        .get(&e.owner)
                        .and_then(|i| i.conversation_id.clone()),
                ),
                _ => (e.text.clone(), day(e.date), Some(e.owner.clone())),
            };
            KindRow {
                chunk_index: (kind == Kind::Chunks)
                    .then(|| crate::omi::chunks::parse_chunk_vector_id(uid, &e.vector_id))
                    .flatten()
                    .map(|(_, i)| i),
                owner: e.owner,
                label,
                tag,
                vector_id: Some(e.vector_id),
                text: e.text,
                conversation_id,
                status: RowStatus::Unknown,
                reason: e.skip.map(|s| format!("Omi would not write it: {s}")),
                similarity: None,
                stored_created_at: None,
            }
        })
        .collect();
    if kind == Kind::ActionItems {
        rows.extend(export.action_items.candidates.iter().map(|c| KindRow {
            chunk_index: None,
            owner: c.id.clone().unwrap_or_default(),
            label: c.description.clone(),
            tag: "candidate".into(),
            vector_id: None,
            text: c.description.clone(),
            conversation_id: c.conversation_id.clone(),
            status: RowStatus::Candidate,
            reason: Some(CANDIDATE.into()),
            similarity: None,
            stored_created_at: None,
        }));
    }
    KindRows {
        rows,
        records,
        absent: None,
    }
}

/// A kind tab (`3` action items, `4` transcript chunks): the same list, filter, details
/// and confirm flows for every kind, over the engine's record kinds.
#[derive(Debug, Default)]
pub struct KindTab {
    pub list: RowList,
    /// The rows: the export's records, then candidates, then the orphans the last lookup
    /// found.
    pub rows: Vec<KindRow>,
    /// Lower-case filter text of each row.
    pub haystacks: Vec<String>,
    /// Records of the export among `rows` (the rest are candidates and orphans).
    pub records: usize,
    /// The export has no section for this kind (said instead of rows).
    pub absent: Option<String>,
    /// False until the rows are computed (in the background).
    pub prepared: bool,
    /// The last status lookup (what is stored, orphans): the write plan reads it.
    pub report: Option<KindReport>,
    /// Generation of the newest lookup; older results are dropped.
    pub generation: u64,
    pub lookup_running: bool,
    /// The running lookup verifies (`v`): its progress.
    pub verifying: Option<VerifyProgress>,
    pub error: Option<String>,
    /// Row indices by conversation id (for a conversation's details).
    pub by_conversation: HashMap<String, Vec<usize>>,
    /// Records this session wrote (`r`, `R`): vector id → the text its vector was embedded
    /// from. A lookup that does not verify says only `present`; such a record is known
    /// fresh while its row's text is still that text. Kept across lookups (a new export
    /// starts a new tab).
    pub written: HashMap<String, String>,
}

impl KindTab {
    /// Take freshly computed rows (statuses unknown until the lookup reports).
    pub fn set_rows(&mut self, rows: KindRows) {
        self.records = rows.records;
        self.absent = rows.absent;
        self.rows = rows.rows;
        self.prepared = true;
        self.report = None;
        self.reindex();
    }

    fn reindex(&mut self) {
        self.haystacks = self
            .rows
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {}",
                    r.label,
                    r.owner,
                    r.vector_id.as_deref().unwrap_or(""),
                    r.status.word()
                )
                .to_lowercase()
            })
            .collect();
        self.by_conversation.clear();
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(c) = &r.conversation_id {
                self.by_conversation.entry(c.clone()).or_default().push(i);
            }
        }
        self.refresh();
    }

    /// Recompute the visible rows after a filter change.
    pub fn refresh(&mut self) {
        let hays = &self.haystacks;
        self.list
            .refresh(hays.len(), |i| std::borrow::Cow::Borrowed(hays[i].as_str()));
    }

    /// The selected row and its index.
    pub fn selected(&self) -> Option<(usize, &KindRow)> {
        let i = self.list.selected_index()?;
        self.rows.get(i).map(|r| (i, r))
    }

    /// Select row `index`, clearing a filter that hides it.
    pub fn select_row(&mut self, index: usize) {
        if !self.list.select(index) {
            self.list.query.clear();
            self.refresh();
            self.list.select(index);
        }
    }

    /// Apply a status report: each record's state, then one row per orphan.
    pub fn apply_report(&mut self, report: KindReport) {
        let keep = self.records + self.candidates();
        self.rows.truncate(keep);
        let states: HashMap<&str, usize> = report
            .records
            .iter()
            .enumerate()
            .map(|(i, r)| (r.vector_id.as_str(), i))
            .collect();
        for row in &mut self.rows {
            let Some(id) = row.vector_id.as_deref() else {
                continue;
            };
            if let Some(&i) = states.get(id) {
                let s = &report.records[i];
                row.status = RowStatus::Record(s.status);
                row.reason = s.reason.clone();
                row.similarity = s.similarity;
            }
        }
        self.mark_written();
        let uid = report.uid.clone();
        let kind = report.kind;
        self.rows.extend(report.orphans.iter().map(|o| {
            let owner = o.owner.clone().unwrap_or_else(|| o.vector_id.clone());
            let label = o
                .vector_id
                .strip_prefix(&format!("{uid}-"))
                .unwrap_or(&o.vector_id)
                .to_string();
            KindRow {
                chunk_index: None,
                owner,
                label,
                tag: "orphan".into(),
                vector_id: Some(o.vector_id.clone()),
                text: String::new(),
                conversation_id: o
                    .conversation_id
                    .clone()
                    .or_else(|| (kind == Kind::Chunks).then(|| o.owner.clone()).flatten()),
                status: RowStatus::Orphan,
                reason: Some(o.cause.clone()),
                similarity: None,
                stored_created_at: o.created_at,
            }
        }));
        self.report = Some(report);
        self.error = None;
        self.reindex();
    }

    /// Rows whose record this session wrote (`written`) and that a lookup found stored
    /// without verifying: fresh, since their vector was embedded from their text.
    fn mark_written(&mut self) {
        for row in &mut self.rows {
            let Some(id) = row.vector_id.as_deref() else {
                continue;
            };
            if row.status == RowStatus::Record(RecordStatus::Present)
                && self.written.get(id) == Some(&row.text)
            {
                row.status = RowStatus::Record(RecordStatus::Fresh);
                row.reason = Some(WRITTEN.into());
            }
        }
    }

    /// A write of this tab's kind ended: `written` (vector id, text embedded) are stored
    /// now, each vector made from that text — fresh at once, before any lookup.
    pub fn apply_written(&mut self, written: &[(String, String)]) {
        for (id, text) in written {
            self.written.insert(id.clone(), text.clone());
        }
        for row in &mut self.rows {
            let Some(id) = row.vector_id.as_deref() else {
                continue;
            };
            if self.written.get(id) == Some(&row.text) {
                row.status = RowStatus::Record(RecordStatus::Fresh);
                row.reason = Some(WRITTEN.into());
                row.similarity = None;
            }
        }
        self.reindex();
    }

    /// Candidate rows (they follow the records).
    fn candidates(&self) -> usize {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Candidate)
            .count()
    }

    /// Counts per status word (non-zero), in display order, for the header.
    pub fn status_counts(&self) -> Vec<(RowStatus, usize)> {
        let mut out: Vec<(RowStatus, usize)> = Vec::new();
        for r in &self.rows {
            match out.iter_mut().find(|(s, _)| *s == r.status) {
                Some((_, n)) => *n += 1,
                None => out.push((r.status, 1)),
            }
        }
        let rank = |s: &RowStatus| {
            let e = s.embedding();
            EmbeddingStatus::ALL.iter().position(|x| *x == e)
        };
        out.sort_by_key(|(s, _)| (rank(s), *s == RowStatus::Candidate));
        out
    }

    /// Records of the export the store holds (any stored state).
    pub fn stored(&self) -> usize {
        self.rows[..self.records.min(self.rows.len())]
            .iter()
            .filter(|r| {
                matches!(
                    r.status,
                    RowStatus::Record(
                        RecordStatus::Present | RecordStatus::Fresh | RecordStatus::Stale
                    )
                )
            })
            .count()
    }

    /// Records Omi would write (not skipped).
    pub fn writable(&self) -> usize {
        self.rows[..self.records.min(self.rows.len())]
            .iter()
            .filter(|r| r.status != RowStatus::Record(RecordStatus::Skipped))
            .count()
    }
}

/// A write of a kind from the TUI (one conversation's chunk set, one item, or every
/// missing record): its plan waiting for a yes, then the job.
#[derive(Debug, Default)]
pub struct KindWriteUi {
    /// Generation of the plan being computed.
    pub planning: Option<u64>,
    pub generation: u64,
    /// The plan shown in the confirmation dialog, and what it was made for (a
    /// conversation's title, an item's description).
    pub plan: Option<WritePlan>,
    pub subject: String,
    /// The write runs.
    pub running: bool,
}

impl KindWriteUi {
    /// True while a plan is computed or a write runs.
    pub fn busy(&self) -> bool {
        self.planning.is_some() || self.running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_filter_select_and_move() {
        let mut l = RowList::default();
        let hays = ["likes tea", "runs trails", "allergic"];
        l.refresh(3, |i| hays[i].into());
        assert_eq!(l.visible, [0, 1, 2]);
        l.query = "TRAIL".into();
        l.refresh(3, |i| hays[i].into());
        assert_eq!(l.visible, [1]);
        assert!(!l.select(2));
        l.query.clear();
        l.refresh(3, |i| hays[i].into());
        assert!(l.select(2));
        l.move_by(-5);
        assert_eq!(l.selected_index(), Some(0));
        assert_eq!(movement(Command::PageDown, 10), Some(10));
        assert_eq!(movement(Command::Quit, 10), None);
    }
}
