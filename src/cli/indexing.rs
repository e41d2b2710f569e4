//! Nothing silently empty: before a search (`search`, `explain`, `golden run`) over an
//! export, the offline default indexes what the local store lacks of it — `ns1`
//! (memories) and `ns_tchunks` (transcript chunks) — with progress on stderr; where
//! memlens cannot index (a remote store, another embedder, `--no-index`, read-only), it
//! says how much of the export each searched namespace holds before the results
//! (`ns_tchunks holds 0 of this export's 354 chunks`).

use std::sync::Arc;

use anyhow::Context as _;

use crate::config::{EmbedderChoice, Settings};
use crate::embed::Embedder;
use crate::omi::export::Export;
use crate::store::{VectorStore, list_all_ids};
use crate::sync::hybrid::SearchMode;
use crate::sync::tchunks;

/// What the namespaces searched hold of the export, after any indexing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// `(held, embeddable)` memories in `ns1` (the configured namespace).
    pub memories: (usize, usize),
    /// `(held, total)` chunks in `ns_tchunks`.
    pub chunks: (usize, usize),
    /// The lines said on stderr (also for `--json` callers that keep them).
    pub lines: Vec<String>,
}

impl Coverage {
    /// True when a namespace `mode` searches holds nothing of a non-empty export.
    pub fn empty_side(&self, mode: SearchMode) -> Option<String> {
        let mem = self.memories.0 == 0 && self.memories.1 > 0;
        let chunks = self.chunks.0 == 0 && self.chunks.1 > 0;
        match mode {
            SearchMode::Semantic if mem => Some("ns1".into()),
            SearchMode::Chunks if chunks => Some(tchunks::NAMESPACE.into()),
            SearchMode::Hybrid if mem => Some("ns1".into()),
            SearchMode::Hybrid if chunks => Some(tchunks::NAMESPACE.into()),
            _ => None,
        }
    }
}

/// True when memlens indexes the export itself: the built-in all-MiniLM-L6-v2, the local
/// store, not read-only (by setting, or a data dir memlens may not write: it then says
/// what the store holds instead).
pub fn indexes_itself(settings: &Settings, store: &dyn VectorStore) -> bool {
    settings.embedder == EmbedderChoice::MiniLm
        && !store.is_remote()
        && !settings.read_only
        && crate::datadir::writable(&settings.data_dir)
}

/// Index what is missing (when memlens indexes itself and `no_index` is false), then
/// measure and say on stderr what each namespace `mode` searches holds of the export.
pub async fn ensure_searchable(
    settings: &Settings,
    embedder: &Arc<dyn Embedder>,
    store: &Arc<dyn VectorStore>,
    uid: &str,
    export: &Export,
    mode: SearchMode,
    no_index: bool,
) -> anyhow::Result<Coverage> {
    let indexing = indexes_itself(settings, store.as_ref()) && !no_index;
    let wants_ns1 = matches!(mode, SearchMode::Semantic | SearchMode::Hybrid);
    let wants_chunks = matches!(mode, SearchMode::Chunks | SearchMode::Hybrid);
    if indexing && wants_ns1 {
        super::search::auto_index(settings, embedder, store, uid, export).await?;
    }
    if indexing && wants_chunks {
        let journal = crate::sync::journal::Journal::open_in(&settings.data_dir)?;
        index_chunks(embedder, store, &journal, uid, export).await?;
    }
    let mut cov = Coverage::default();
    // Counting needs the store's id listing (Pinecone pod indexes have none): a failed
    // count is said, never fatal to the search.
    if wants_ns1 {
        cov.memories = match memory_coverage(settings, store.as_ref(), uid, export).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!(
                    "note: cannot count what {} holds: {e:#}",
                    settings.namespace
                );
                return Ok(Coverage::default());
            }
        };
        let (held, all) = cov.memories;
        cov.lines.push(if all > 0 && held >= all {
            format!(
                "{} holds all {all} of this export's memories",
                settings.namespace
            )
        } else {
            format!(
                "{} holds {held} of this export's {all} memories",
                settings.namespace
            )
        });
    }
    if wants_chunks {
        cov.chunks = match tchunks::coverage(store.as_ref(), uid, &export.memories).await {
            Ok(c) => c,
            Err(e) => {
                eprintln!("note: cannot count what {} holds: {e}", tchunks::NAMESPACE);
                cov.lines.clear();
                return Ok(Coverage::default());
            }
        };
        let mut line = tchunks::coverage_line(cov.chunks.0, cov.chunks.1);
        if cov.chunks.0 == 0 && store.is_remote() {
            line.push_str(" (Omi writes transcript chunks only by backfill)");
        }
        cov.lines.push(line);
    }
    // Said when something is missing, or always when memlens did not index.
    let complete = cov.memories.0 >= cov.memories.1 && cov.chunks.0 >= cov.chunks.1;
    if !indexing || !complete {
        for l in &cov.lines {
            eprintln!("note: {l}");
        }
    }
    Ok(cov)
}

/// `(held, embeddable)`: the export's embeddable memories with a vector in the namespace.
async fn memory_coverage(
    settings: &Settings,
    store: &dyn VectorStore,
    uid: &str,
    export: &Export,
) -> anyhow::Result<(usize, usize)> {
    use crate::omi::policy::{Overrides, skip_reason};
    let ids: std::collections::HashSet<String> =
        list_all_ids(store, &settings.namespace, Some(&format!("{uid}-")))
            .await
            .context("cannot list the namespace's vectors")?
            .into_iter()
            .collect();
    let embeddable: Vec<&crate::omi::Memory> = export
        .memories
        .iter()
        .filter(|m| skip_reason(m, Some(uid), Overrides::default()).is_none())
        .collect();
    let held = embeddable
        .iter()
        .filter(|m| ids.contains(&crate::omi::conventions::vector_id(uid, &m.id)))
        .count();
    Ok((held, embeddable.len()))
}

/// Embed the export's missing or stale transcript chunks into the local store, progress
/// on stderr.
pub async fn index_chunks(
    embedder: &Arc<dyn Embedder>,
    store: &Arc<dyn VectorStore>,
    journal: &crate::sync::journal::Journal,
    uid: &str,
    export: &Export,
) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;
    let plan = tchunks::plan(
        embedder.as_ref(),
        store.as_ref(),
        journal,
        uid,
        &export.memories,
    )
    .await
    .context("cannot index transcript chunks into the local store (--no-index skips this)")?;
    if let Some(note) = &plan.note {
        eprintln!("note: {note}");
    }
    if plan.items.is_empty() && plan.stale_ids.is_empty() {
        return Ok(());
    }
    eprintln!(
        "indexing {} transcript chunks into {} with {} ({} of {} already indexed; newest first)",
        plan.items.len(),
        tchunks::NAMESPACE,
        embedder.model_id(),
        plan.indexed,
        plan.total
    );
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let done = tchunks::run(
        embedder.as_ref(),
        store.as_ref(),
        journal,
        uid,
        &plan,
        |p| {
            if tty {
                let rate = p.done as f64 / (p.elapsed_ms.max(1) as f64 / 1000.0);
                eprint!("\rindexing chunks {}/{} · {rate:.0}/s   ", p.done, p.total);
            }
        },
        &crate::sync::reprocess::CancelFlag::new(),
    )
    .await?;
    if tty {
        eprintln!();
    }
    eprintln!(
        "indexed {done} transcript chunks in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
