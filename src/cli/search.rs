//! `memlens search "query"`: Omi's retrieval made visible — the query embedded, the
//! namespace queried with Omi's filter (uid, optional `created_at` range), the `{uid}-`
//! prefix stripped; `--like ID` searches with a stored vector instead. With an export,
//! the default `--mode hybrid` also runs the local full-text search (same uid and range)
//! and fuses both lists by reciprocal rank fusion (k = 60); `--mode semantic` is exactly
//! Omi's `query_vectors`. Hits can be joined with an export and saved as JSON + CSV.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use serde_json::json;

use super::Context;
use crate::config::Settings;
use crate::embed::Embedder;
use crate::omi::export::{Export, load_path};
use crate::omi::record_kind::Kind;
use crate::store::{VectorStore, open_from_settings};
use crate::sync::daterange::DateRange;
use crate::sync::fulltext::FullText;
use crate::sync::hybrid::{FUSION, HybridHit, HybridResults, SearchMode, search_all};
use crate::sync::moment::{Moment, moment};
use crate::sync::search::{
    DEFAULT_TOP_K, HitMemory, SearchRequest, SearchResults, SearchTarget, export_results,
    join_hits, join_ids,
};

/// Arguments of `memlens search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// What to search for (not needed with --like).
    #[arg(required_unless_present = "like")]
    pub query: Option<String>,
    /// Number of hits.
    #[arg(long, default_value_t = DEFAULT_TOP_K, value_name = "N")]
    pub top_k: usize,
    /// Only memories created on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", conflicts_with = "range")]
    pub from: Option<String>,
    /// Only memories created on or before this day (inclusive, UTC).
    #[arg(long, value_name = "DATE", conflicts_with = "range")]
    pub to: Option<String>,
    /// A date range: 2024-08-01..2024-09-01, 2024-08-01.., ..2024-09-01, 2024-08-01, 7d.
    #[arg(long, value_name = "R")]
    pub range: Option<String>,
    /// More like this memory: search with its stored vector (no embedding call).
    #[arg(long, value_name = "ID", conflicts_with = "query")]
    pub like: Option<String>,
    /// Join hits with this export (emoji, title, category; `not in export` for orphans).
    #[arg(long, value_name = "EXPORT")]
    pub export: Option<PathBuf>,
    /// Also save the results to this directory as JSON and CSV (semantic hits).
    #[arg(long, value_name = "DIR")]
    pub save: Option<PathBuf>,
    #[command(flatten)]
    pub kind: super::KindArg,
    /// semantic (exactly Omi's query_vectors), text (local full-text over everything a
    /// memory holds; needs --export) or hybrid (both, fused by reciprocal rank fusion,
    /// k = 60; the full-text side needs --export).
    #[arg(long, value_name = "MODE", default_value = "hybrid")]
    pub mode: SearchMode,
    /// Do not index the export first. By default, on the offline default (all-MiniLM-L6-v2
    /// and the local store) a search with --export first embeds the memories the local
    /// store lacks or holds stale, newest first, with progress on stderr.
    #[arg(long)]
    pub no_index: bool,
}

/// Run `memlens search`.
pub fn run(ctx: &Context, args: SearchArgs) -> anyhow::Result<ExitCode> {
    let text = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// A single-threaded runtime for one command.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Load an export for a command on `kind` (`None`: `--kind all`), warning about skipped
/// records on stderr. The facts note ("11 Omi facts set aside: facts are not
/// conversations…") is about the conversations the facts were set aside from, so only a
/// command on conversations prints it: for facts it would deny what the command does, for
/// action items and chunks it is beside the point, and `--kind all` shows the facts in
/// their own row.
pub(crate) fn load_export(path: &Path, kind: Option<Kind>) -> anyhow::Result<Export> {
    let export = load_path(path)?;
    if !export.bad_records.is_empty() || !export.duplicates.is_empty() {
        eprintln!(
            "warning: {}: {} bad and {} duplicate records skipped (see memlens check)",
            export.name,
            export.bad_records.len(),
            export.duplicates.len()
        );
    }
    if kind == Some(Kind::Conversations)
        && let Some(note) = export.facts_note()
    {
        eprintln!("note: {}: {note}", export.name);
    }
    Ok(export)
}

/// The uid: the settings (`--uid`, `MEMLENS_UID`, config), else the export's profile.
pub(crate) fn resolve_uid(settings: &Settings, export: Option<&Export>) -> anyhow::Result<String> {
    if let Some(uid) = settings
        .uid
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return Ok(uid.to_string());
    }
    if let Some(uid) = export
        .and_then(|e| e.profile_uid.as_deref())
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        return Ok(uid.to_string());
    }
    // Facts carry their uid (omi-facts.md §F3.1): one uid shared by all of them names
    // the user.
    if let Some(e) = export {
        let mut uids = e.fact_section.facts.iter().filter_map(|f| f.uid.as_deref());
        if let Some(first) = uids.next().map(str::trim).filter(|u| !u.is_empty())
            && uids.all(|u| u.trim() == first)
        {
            return Ok(first.to_string());
        }
    }
    bail!(
        "no Omi uid: pass --uid, set MEMLENS_UID (or uid in the config file), or use an export \
         whose profile names the user"
    )
}

/// The store and embedder the settings choose.
pub(crate) async fn open_store(settings: &Settings) -> anyhow::Result<Arc<dyn VectorStore>> {
    open_from_settings(settings)
        .await
        .context("cannot open the vector store")
}

/// The embedder the settings choose.
pub(crate) fn open_embedder(settings: &Settings) -> anyhow::Result<Arc<dyn Embedder>> {
    crate::embed::from_settings(settings).context("cannot set up the embedder")
}

/// Run the search and return what it prints.
pub async fn execute(ctx: &Context, args: &SearchArgs) -> anyhow::Result<String> {
    let kind = args.kind.one("search")?;
    if args.kind.generic() {
        let Some(query) = args.query.as_deref() else {
            bail!("--like is for conversations and facts; give a query");
        };
        let range = match &args.range {
            Some(r) => DateRange::parse(r, chrono::Utc::now()),
            None => DateRange::from_bounds(args.from.as_deref(), args.to.as_deref()),
        }
        .context("bad date range")?;
        // Omi's own top_k unless --top-k was given on the command line.
        let top_k = (args.top_k != DEFAULT_TOP_K).then_some(args.top_k);
        return super::kinds::search(ctx, kind, query, range, top_k, args.export.as_deref()).await;
    }
    if args.kind.facts() {
        if args.range.is_some() || args.from.is_some() || args.to.is_some() {
            bail!(
                "Omi's ns2 search has no date filter (find_similar_memories in its backend/database/vector_db.py): drop --range/--from/--to with --kind facts"
            );
        }
        if args.save.is_some() {
            bail!("--save is for conversation searches; use --json with --kind facts");
        }
        return super::facts::search_facts(
            ctx,
            args.query.as_deref(),
            args.like.as_deref(),
            args.top_k,
            args.export.as_deref(),
        )
        .await;
    }
    let range = match &args.range {
        Some(r) => DateRange::parse(r, chrono::Utc::now()),
        None => DateRange::from_bounds(args.from.as_deref(), args.to.as_deref()),
    }
    .context("bad date range")?;
    let export = args
        .export
        .as_deref()
        .map(|p| load_export(p, Some(Kind::Conversations)))
        .transpose()?;
    let uid = resolve_uid(&ctx.settings, export.as_ref())?;
    let target = match (&args.like, &args.query) {
        (Some(id), _) => SearchTarget::LikeMemory(id.clone()),
        (None, Some(q)) => SearchTarget::Text(q.clone()),
        (None, None) => bail!("give a query, or --like ID"),
    };
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    if let Some(export) = &export
        && matches!(target, SearchTarget::Text(_))
    {
        super::indexing::ensure_searchable(
            &ctx.settings,
            &embedder,
            &store,
            &uid,
            export,
            args.mode,
            args.no_index,
        )
        .await?;
    }
    let request = SearchRequest {
        uid,
        namespace: ctx.settings.namespace.clone(),
        target,
        top_k: args.top_k,
        range,
    };
    let like = matches!(request.target, SearchTarget::LikeMemory(_));
    let fulltext = match (&export, args.mode, like) {
        (Some(e), SearchMode::Text | SearchMode::Hybrid, false) => {
            Some(open_fulltext(&ctx.settings.data_dir, &e.memories).await?)
        }
        _ => None,
    };
    let outcome = search_all(
        embedder.as_ref(),
        store.as_ref(),
        fulltext,
        export.as_ref().map(|e| &e.memories[..]),
        &request,
        args.mode,
    )
    .await?;
    for note in &outcome.notes {
        if export.is_none() {
            eprintln!("note: {note}; give --export FILE for hybrid search");
        } else {
            eprintln!("note: {note}");
        }
    }
    let query = match &request.target {
        SearchTarget::Text(q) => q.as_str(),
        SearchTarget::LikeMemory(_) => "",
    };
    let moments: Vec<Option<Moment>> = outcome
        .hits
        .iter()
        .map(|h| {
            let memory = export.as_ref().and_then(|e| e.get(&h.memory_id))?;
            moment(memory, h, query)
        })
        .collect();
    if outcome.mode != SearchMode::Semantic {
        let joined = export.as_ref().map(|e| {
            join_ids(
                outcome.hits.iter().map(|h| h.memory_id.as_str()),
                &e.memories,
            )
        });
        let mut out = if ctx.json {
            render_hybrid_json(&outcome, joined.as_deref(), &moments)?
        } else {
            render_hybrid_text(&request, &outcome, joined.as_deref(), &moments)
        };
        if let (Some(dir), Some(sem)) = (&args.save, &outcome.semantic) {
            let joined = export.as_ref().map(|e| join_hits(&sem.hits, &e.memories));
            let paths = export_results(sem, joined.as_deref(), dir)
                .with_context(|| format!("cannot save the results to {}", dir.display()))?;
            eprintln!("saved {} and {}", paths.json.display(), paths.csv.display());
            if !ctx.json {
                writeln!(
                    out,
                    "saved: {}, {}",
                    paths.json.display(),
                    paths.csv.display()
                )?;
            }
        }
        return Ok(out);
    }
    let Some(results) = outcome.semantic else {
        bail!("the semantic search returned nothing to show");
    };
    let joined = export
        .as_ref()
        .map(|e| join_hits(&results.hits, &e.memories));
    let mut out = if ctx.json {
        render_json(&results, joined.as_deref())?
    } else {
        render_text(&results, joined.as_deref())
    };
    if let Some(dir) = &args.save {
        let paths = export_results(&results, joined.as_deref(), dir)
            .with_context(|| format!("cannot save the results to {}", dir.display()))?;
        eprintln!("saved {} and {}", paths.json.display(), paths.csv.display());
        if !ctx.json {
            writeln!(
                out,
                "saved: {}, {}",
                paths.json.display(),
                paths.csv.display()
            )?;
        }
    }
    Ok(out)
}

/// Embed what the local store lacks of `export` (see [`crate::sync::autoindex`]),
/// progress on stderr.
pub(crate) async fn auto_index(
    settings: &Settings,
    embedder: &Arc<dyn Embedder>,
    store: &Arc<dyn VectorStore>,
    uid: &str,
    export: &Export,
) -> anyhow::Result<()> {
    use std::io::IsTerminal as _;

    use crate::sync::autoindex::{BATCH, prepare};
    use crate::sync::journal::Journal;
    use crate::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor};

    let mut config = ReprocessConfig::from_settings(settings, Some(uid.to_string()))?;
    config.batch_size = BATCH;
    config.concurrency = 1;
    let journal = Arc::new(Journal::open_in(&settings.data_dir)?);
    let rp = Reprocessor::new(Arc::clone(embedder), Arc::clone(store), journal, config);
    let prepared = prepare(&rp, embedder.as_ref(), store, &export.memories)
        .await
        .context("cannot index the export into the local store (--no-index skips this)")?;
    if let Some(note) = &prepared.note {
        eprintln!("note: {note}");
    }
    let todo = prepared.plan.items.len();
    if todo == 0 {
        return Ok(());
    }
    eprintln!(
        "indexing {todo} memories into {} with {} ({} of {} already indexed; newest first)",
        settings.namespace,
        embedder.model_id(),
        prepared.indexed,
        prepared.embeddable
    );
    let tty = std::io::stderr().is_terminal();
    let summary = rp
        .run(
            &prepared.plan,
            |p| {
                if tty {
                    eprint!(
                        "\rindexing {}/{} · {:.0}/s   ",
                        p.done, p.total, p.rate_per_sec
                    );
                }
            },
            &CancelFlag::new(),
        )
        .await?;
    if tty {
        eprintln!();
    }
    eprintln!(
        "indexed {} of {} in {:.1} s{}",
        summary.done,
        summary.total,
        summary.elapsed_ms as f64 / 1000.0,
        if summary.failed.is_empty() {
            String::new()
        } else {
            format!(
                ", {} failed (memlens reprocess retries them)",
                summary.failed.len()
            )
        }
    );
    Ok(())
}

/// The instant a stored `created_at` stands for, in RFC 3339 UTC (a legacy value, < 1e9
/// from Omi's 2024 divide-by-1000 bug, is read × 1000).
fn rfc3339(c: &crate::sync::search::HitDate) -> Option<String> {
    let secs = if c.legacy { c.raw * 1000.0 } else { c.raw };
    chrono::DateTime::from_timestamp(secs as i64, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// One JSON object per hit per line.
fn render_json(results: &SearchResults, joined: Option<&[HitMemory]>) -> anyhow::Result<String> {
    let mut out = String::new();
    for (i, h) in results.hits.iter().enumerate() {
        let mut v = json!({
            "rank": h.rank,
            "score": h.score,
            "vector_id": h.vector_id,
            "memory_id": h.memory_id,
            "created_at": h.created_at.as_ref().and_then(rfc3339),
            "created_at_raw": h
                .created_at
                .as_ref()
                .map(|c| crate::store::filter::meta_json(&crate::store::MetaValue::Number(c.raw))),
            "legacy_id": h.legacy_id,
            "metadata": h.metadata,
        });
        if let Some(m) = joined.and_then(|j| j.get(i)) {
            match m {
                HitMemory::Found {
                    emoji,
                    title,
                    category,
                    discarded,
                } => {
                    v["in_export"] = json!(true);
                    v["emoji"] = json!(emoji);
                    v["title"] = json!(title);
                    v["category"] = json!(category);
                    v["discarded"] = json!(discarded);
                }
                HitMemory::NotInExport => v["in_export"] = json!(false),
            }
        }
        writeln!(out, "{}", serde_json::to_string(&v)?)?;
    }
    Ok(out)
}

/// A header (what was asked, the filter, timings), then one line per hit.
fn render_text(results: &SearchResults, joined: Option<&[HitMemory]>) -> String {
    let r = &results.request;
    let mut out = String::new();
    let what = match &r.target {
        SearchTarget::Text(q) => format!("{q:?}"),
        SearchTarget::LikeMemory(id) => format!("like memory {id}"),
    };
    let _ = writeln!(
        out,
        "search {what} · uid {} · namespace {} · top {} · {}",
        r.uid, r.namespace, r.top_k, r.range
    );
    let _ = writeln!(
        out,
        "filter {} · {}",
        results.filter,
        match (&results.model, results.timings.embed_ms) {
            (Some(m), Some(ms)) => format!(
                "embed {ms:.1} ms ({m}) · query {:.1} ms",
                results.timings.query_ms
            ),
            _ => format!("query {:.1} ms (stored vector)", results.timings.query_ms),
        }
    );
    if results.hits.is_empty() {
        out.push_str("no hits (nothing in the namespace matches this uid and date range)\n");
        return out;
    }
    for (i, h) in results.hits.iter().enumerate() {
        let date = h
            .created_at
            .as_ref()
            .and_then(|c| c.date.as_deref().map(|d| d.get(..10).unwrap_or(d)))
            .unwrap_or("no date");
        let legacy = if h.created_at.as_ref().is_some_and(|c| c.legacy) {
            " (legacy created_at)"
        } else {
            ""
        };
        let label = joined
            .and_then(|j| j.get(i))
            .map(|m| format!("  {}", m.label()))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>3}  {:.4}  {date}{legacy}  {}{label}",
            h.rank, h.score, h.memory_id
        );
    }
    out
}

/// Open (or build, printing progress on stderr) the full-text index of an export.
pub(crate) async fn open_fulltext(
    data_dir: &Path,
    memories: &[crate::omi::Memory],
) -> anyhow::Result<Arc<FullText>> {
    let data_dir = data_dir.to_path_buf();
    let memories = memories.to_vec();
    let (ft, report) = tokio::task::spawn_blocking(move || {
        let mut last = 0;
        FullText::open_or_build(&data_dir, &memories, &mut |done, total| {
            // A line per tenth.
            if total >= 10_000 && done * 10 / total > last {
                last = done * 10 / total;
                eprintln!("full-text index: {done}/{total} memories");
            }
        })
    })
    .await
    .context("the full-text index task failed")?
    .context("cannot open the full-text index")?;
    if let Some(note) = &report.note {
        eprintln!("note: {note}");
    }
    if report.built {
        eprintln!(
            "full-text index built: {} memories in {:.0} ms",
            report.memories, report.elapsed_ms
        );
    }
    Ok(Arc::new(ft))
}

/// One JSON object per fused hit per line.
fn render_hybrid_json(
    results: &HybridResults,
    joined: Option<&[HitMemory]>,
    moments: &[Option<Moment>],
) -> anyhow::Result<String> {
    let mut out = String::new();
    for (i, h) in results.hits.iter().enumerate() {
        let mut v = hybrid_hit_json(results.mode, h);
        if let Some(best) = best_chunk_json(h, moments.get(i).and_then(Option::as_ref)) {
            v["best_chunk"] = best;
        }
        if let Some(m) = joined.and_then(|j| j.get(i)) {
            add_memory_json(&mut v, m);
        }
        writeln!(out, "{}", serde_json::to_string(&v)?)?;
    }
    Ok(out)
}

/// Where the answer is, in JSON, when known: `conversation_id`, `chunk_index`, `start`
/// and `end` (seconds from the start of the recording), `via` (`chunk`: the chunk side's
/// best chunk; `transcript`: the chunk holding the full-text match), and with the export
/// the answering `segment` and the chunk's `lines` (`segment`, `start`, `speaker`, `text`,
/// `highlights` as byte ranges).
pub(crate) fn best_chunk_json(h: &HybridHit, m: Option<&Moment>) -> Option<serde_json::Value> {
    match (m, &h.chunk) {
        (Some(m), _) => Some(json!({
            "conversation_id": m.conversation_id,
            "chunk_index": m.chunk_index,
            "start": m.start_seconds,
            "end": m.end_seconds,
            "via": m.source,
            "segment": m.segment,
            "lines": m.lines.iter().map(|l| json!({
                "segment": l.segment,
                "start": l.start_seconds,
                "speaker": l.speaker,
                "text": l.text,
                "highlights": l.highlights,
            })).collect::<Vec<_>>(),
        })),
        (None, Some(c)) => Some(json!({
            "conversation_id": h.memory_id,
            "chunk_index": c.chunk_index,
            "start": c.start_seconds,
            "end": c.end_seconds,
            "via": "chunk",
        })),
        (None, None) => None,
    }
}

/// The JSON of one fused hit: `rank`, `memory_id`, `mode`, `score` (hybrid), `semantic`
/// (`rank`, `score`, `vector_id`, `created_at`, …), `chunk` (`rank`, `score`,
/// `chunk_index`, `start_seconds`, `end_seconds`: the conversation's best chunk on the
/// chunk side) and `text` (`rank`, `score`, `fields`, `matches` with `place`, `time` in seconds,
/// `snippet` and `highlights`); a side that did not find it is `null`.
pub(crate) fn hybrid_hit_json(mode: SearchMode, h: &HybridHit) -> serde_json::Value {
    let semantic = h.semantic.as_ref().map(|s| {
        json!({
            "rank": s.rank,
            "score": s.score,
            "vector_id": s.vector_id,
            "legacy_id": s.legacy_id,
            "created_at": s.created_at.as_ref().and_then(rfc3339),
            "created_at_raw": s
                .created_at
                .as_ref()
                .map(|c| crate::store::filter::meta_json(&crate::store::MetaValue::Number(c.raw))),
        })
    });
    let text = h.text.as_ref().map(|t| {
        json!({
            "rank": t.rank,
            "score": t.score,
            "fields": t.fields(),
            "matches": t.matches.iter().map(|m| json!({
                "field": m.field,
                "item": m.item,
                "time": m.time,
                "place": m.place(),
                "snippet": m.snippet.text,
                "highlights": m.snippet.highlights,
            })).collect::<Vec<_>>(),
        })
    });
    let mut v = json!({
        "rank": h.rank,
        "memory_id": h.memory_id,
        "mode": mode.name(),
        "semantic": semantic,
        "text": text,
    });
    v["chunk"] = json!(h.chunk);
    if mode == SearchMode::Hybrid {
        v["score"] = json!(h.score);
    }
    v
}

fn add_memory_json(v: &mut serde_json::Value, m: &HitMemory) {
    match m {
        HitMemory::Found {
            emoji,
            title,
            category,
            discarded,
        } => {
            v["in_export"] = json!(true);
            v["emoji"] = json!(emoji);
            v["title"] = json!(title);
            v["category"] = json!(category);
            v["discarded"] = json!(discarded);
        }
        HitMemory::NotInExport => v["in_export"] = json!(false),
    }
}

/// Snippet lines shown per hit.
const SNIPPETS_SHOWN: usize = 2;

/// A header (mode, each side's query and timing), then per hit a line with where each
/// side put it and up to two snippet lines (`transcript 00:12:31  …the *lender*…`).
fn render_hybrid_text(
    request: &SearchRequest,
    results: &HybridResults,
    joined: Option<&[HitMemory]>,
    moments: &[Option<Moment>],
) -> String {
    let mut out = String::new();
    let query = match &request.target {
        SearchTarget::Text(q) => format!("{q:?}"),
        SearchTarget::LikeMemory(id) => format!("like memory {id}"),
    };
    let mode = match results.mode {
        SearchMode::Hybrid => format!("hybrid ({FUSION})"),
        m => m.name().to_string(),
    };
    let _ = writeln!(
        out,
        "search {query} · {mode} · uid {} · namespace {} · top {} · {}",
        request.uid, request.namespace, request.top_k, request.range
    );
    let mut sides = Vec::new();
    if let Some(s) = &results.semantic {
        sides.push(format!(
            "semantic: filter {} · {} hits · query {:.1} ms",
            s.filter,
            s.hits.len(),
            s.timings.query_ms
        ));
    }
    if let Some(t) = &results.text {
        sides.push(format!(
            "text: {}{} · {} hits · {:.1} ms",
            t.fts_query,
            if t.relaxed {
                " (no memory has every word: any word)"
            } else {
                ""
            },
            t.hits.len(),
            t.query_ms
        ));
    }
    let _ = writeln!(out, "{}", sides.join(" | "));
    if results.hits.is_empty() {
        out.push_str("no hits\n");
        return out;
    }
    for (i, h) in results.hits.iter().enumerate() {
        let sem = h
            .semantic
            .as_ref()
            .map_or("sem  —           ".to_string(), |s| {
                format!("sem #{:<3} {:.4}", s.rank, s.score)
            });
        let text = h.text.as_ref().map_or("text —          ".to_string(), |t| {
            format!("text #{:<3} {:>6.2}", t.rank, t.score)
        });
        let chunk = h.chunk.as_ref().map_or(String::new(), |c| {
            format!("chunk #{:<3} {:.4}  ", c.rank, c.score)
        });
        let label = joined
            .and_then(|j| j.get(i))
            .map(|m| format!("  {}", m.label()))
            .unwrap_or_default();
        let rrf = if results.mode == SearchMode::Hybrid {
            format!("fused {:.4}  ", h.score)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{:>3}  {rrf}{sem}  {text}  {chunk}{}{label}",
            h.rank, h.memory_id
        );
        let moment = moments.get(i).and_then(Option::as_ref);
        if let Some(t) = &h.text {
            // The transcript match is shown as its moment below.
            let shown = t
                .matches
                .iter()
                .filter(|m| moment.is_none() || m.field != crate::sync::fulltext::Field::Transcript)
                .take(SNIPPETS_SHOWN);
            for m in shown {
                let _ = writeln!(out, "       {}  {}", m.place(), m.snippet.marked("*", "*"));
            }
        }
        if let Some(m) = moment {
            out.push_str(&moment_text(m));
        }
    }
    out
}

/// Lines of a moment shown around the answering one.
const MOMENT_CONTEXT: usize = 1;

/// `[00:12:31–00:13:40] Speaker 1: …the *deposit* is due Friday…` and the line before and
/// after it, indented under the hit.
fn moment_text(m: &Moment) -> String {
    let mut out = String::new();
    let at = m
        .lines
        .iter()
        .position(|l| l.segment == m.segment)
        .unwrap_or(0);
    let from = at.saturating_sub(MOMENT_CONTEXT);
    let to = (at + MOMENT_CONTEXT + 1).min(m.lines.len());
    let _ = writeln!(
        out,
        "       [{}] {}",
        m.range(),
        match m.chunk_index {
            Some(c) => format!(
                "chunk c{c} via {}",
                if m.source == crate::sync::moment::MomentSource::Chunk {
                    "the chunk side"
                } else {
                    "the transcript match"
                }
            ),
            None => "the matched segment".into(),
        }
    );
    for (k, l) in m.lines[from..to].iter().enumerate() {
        let mark = if from + k == at { "›" } else { " " };
        let snippet = crate::sync::fulltext::Snippet {
            text: l.text.clone(),
            highlights: l.highlights.clone(),
        };
        let _ = writeln!(
            out,
            "       {mark} {} {}: {}",
            crate::sync::fulltext::clock(l.start_seconds),
            l.speaker,
            crate::tui::sanitize::line(&snippet.marked("*", "*"))
        );
    }
    out
}
