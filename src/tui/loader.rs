//! Loading the export off the draw loop: the file is read and parsed in a blocking task
//! that reports progress, then prepared for the list (search haystacks).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::omi::Memory;
use crate::tui::list::Haystacks;

/// An export ready for the UI.
#[derive(Debug)]
pub struct LoadedExport {
    pub path: PathBuf,
    /// Shape name as detected (`E3 omi-export.json`, …).
    pub shape: String,
    pub memories: Vec<Memory>,
    /// Fuzzy-filter haystacks, one per memory (shared with the filter's worker).
    pub haystacks: Arc<Haystacks>,
    /// One line per skipped record.
    pub bad_records: Vec<String>,
    /// Ids that appear more than once.
    pub duplicates: Vec<String>,
    /// The uid named by the export itself (E3 profile), if any.
    pub profile_uid: Option<String>,
    /// Omi's facts (E3 `memories`, or a list of facts), in file order.
    pub facts: Vec<crate::omi::Fact>,
    /// What the file says about Omi facts it holds (set aside, never listed as memories).
    pub facts_note: Option<String>,
    /// Whether the file is all of the user's conversations (the `export_complete`
    /// marker, unreadable records): orphan deletes are refused while it is not.
    pub incomplete: Option<String>,
    /// The rest of the engine's export (its `action_items` section, completeness, …)
    /// with the memories and facts moved out to the fields above: what the record
    /// kinds read, joined again by [`LoadedExport::kinds_export`].
    pub base: Arc<crate::omi::export::Export>,
}

impl LoadedExport {
    /// Prepare memories for the UI.
    pub fn new(path: &Path, shape: impl Into<String>, memories: Vec<Memory>) -> Self {
        let haystacks = Arc::new(Haystacks::build(&memories));
        Self {
            path: path.to_path_buf(),
            shape: shape.into(),
            memories,
            haystacks,
            bad_records: Vec::new(),
            duplicates: Vec::new(),
            profile_uid: None,
            facts: Vec::new(),
            facts_note: None,
            incomplete: None,
            base: Arc::new(crate::omi::export::Export::of_memories(
                path.display().to_string(),
                Vec::new(),
            )),
        }
    }

    /// The whole engine export again (memories and facts cloned in), for the record
    /// kinds' machinery. Clones every memory: call it off the draw loop.
    pub fn kinds_export(&self) -> crate::omi::export::Export {
        let mut export = (*self.base).clone();
        export.memories = self.memories.clone();
        export.fact_section.facts = self.facts.clone();
        export
    }

    /// Whether the export has an `action_items` section, and its items and candidates.
    pub fn action_items(&self) -> &crate::omi::action_items::ActionItemSection {
        &self.base.action_items
    }
}

/// Read and parse an export (blocking; run it on a blocking thread), reporting
/// (bytes done, total bytes).
pub fn load_blocking(
    path: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<LoadedExport, String> {
    let mut export = crate::omi::export::load_path_with_progress(path, &mut |done, total| {
        progress(done as u64, total as u64)
    })
    .map_err(|e| e.to_string())?;
    let facts_note = export.facts_note();
    let incomplete = export.incomplete_reason();
    let mut loaded = LoadedExport::new(
        path,
        format!("{} {}", export.shape.code(), export.shape.description()),
        std::mem::take(&mut export.memories),
    );
    loaded.bad_records = export
        .bad_records
        .iter()
        .map(|b| {
            format!(
                "record {} (line {}){}: {}",
                b.index,
                b.line,
                b.id.as_deref()
                    .map(|i| format!(" id {i}"))
                    .unwrap_or_default(),
                b.reason
            )
        })
        .collect();
    loaded.duplicates = export.duplicates.iter().map(|d| d.id.clone()).collect();
    loaded.incomplete = incomplete;
    loaded.facts_note = facts_note;
    loaded.profile_uid = export.profile_uid.clone().or_else(|| {
        // Facts carry their uid: one shared by all of them names the user.
        let mut uids = export
            .fact_section
            .facts
            .iter()
            .filter_map(|f| f.uid.clone());
        let first = uids.next()?;
        uids.all(|u| u == first).then_some(first)
    });
    loaded.facts = std::mem::take(&mut export.fact_section.facts);
    loaded.base = Arc::new(export);
    Ok(loaded)
}
