//! `memlens explain "QUERY" --id ID`: why a memory is or is not found for a query — first
//! its rank in the mode searched (`--mode`, default hybrid: the same fused search `search`
//! runs), then one row per side (semantic: exact rank and score against the k-th hit and
//! Omi's default top_k=5; transcript chunks: the best chunk; full text: rank and matching
//! fields), every check that can keep it out (pass/fail), and the fix to try. `--json`
//! prints one object.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use super::search::{load_export, open_embedder, open_fulltext, open_store, resolve_uid, runtime};
use crate::omi::record_kind::Kind;
use crate::sync::daterange::DateRange;
use crate::sync::drift::DriftCache;
use crate::sync::explain::{
    ExplainRequest, Explanation, ExportSide, OMI_DEFAULT_TOP_K, explain, ordinal,
};
use crate::sync::hybrid::SearchMode;
use crate::sync::search::DEFAULT_TOP_K;

/// Arguments of `memlens explain`.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The query the memory should be found by.
    pub query: String,
    /// The memory id; with --kind: the fact id, the action item id, or (chunks) the
    /// conversation id.
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// The export holding the memory (skip reason, format drift, full-text rank; with
    /// --kind: Omi's records, texts, skip reasons).
    #[arg(long, value_name = "EXPORT")]
    pub export: Option<PathBuf>,
    /// The k the memory should be within (default 10; with --kind, Omi's top_k for it).
    #[arg(long, value_name = "N")]
    pub top_k: Option<usize>,
    #[command(flatten)]
    pub kind: super::KindArg,
    /// A date range: 2024-08-01..2024-09-01, 2024-08-01.., ..2024-09-01, 2024-08-01, 7d.
    #[arg(long, value_name = "R")]
    pub range: Option<String>,
    /// The mode the query was searched in (as `search --mode`; default hybrid): the
    /// memory is ranked in it first, then each side. Conversations only.
    #[arg(long, value_name = "MODE")]
    pub mode: Option<SearchMode>,
    /// Do not index what the local store lacks of the export first (say what each
    /// namespace holds instead).
    #[arg(long)]
    pub no_index: bool,
}

/// Run `memlens explain`.
pub fn run(ctx: &Context, args: ExplainArgs) -> anyhow::Result<ExitCode> {
    let kind = args.kind.one("explain")?;
    if kind != crate::omi::record_kind::Kind::Conversations {
        let text = runtime()?.block_on(super::kind_explain::execute(ctx, &args, kind))?;
        return super::kinds::emit(&text);
    }
    let text = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// The `--range` and the `--export` (loaded for `kind`) of an explain.
pub(super) fn range_and_export(
    args: &ExplainArgs,
    kind: Kind,
) -> anyhow::Result<(DateRange, Option<crate::omi::export::Export>)> {
    let range = match &args.range {
        Some(r) => DateRange::parse(r, chrono::Utc::now()).context("bad date range")?,
        None => DateRange::ALL,
    };
    let export = args
        .export
        .as_deref()
        .map(|p| load_export(p, Some(kind)))
        .transpose()?;
    Ok((range, export))
}

/// Explain and return what it prints.
pub async fn execute(ctx: &Context, args: &ExplainArgs) -> anyhow::Result<String> {
    let (range, export) = range_and_export(args, Kind::Conversations)?;
    let uid = resolve_uid(&ctx.settings, export.as_ref())?;
    let fulltext = match &export {
        Some(e) => Some(open_fulltext(&ctx.settings.data_dir, &e.memories).await?),
        None => None,
    };
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    if let Some(e) = &export {
        super::indexing::ensure_searchable(
            &ctx.settings,
            &embedder,
            &store,
            &uid,
            e,
            crate::sync::hybrid::SearchMode::Hybrid,
            args.no_index,
        )
        .await?;
    }
    let request = ExplainRequest {
        uid,
        namespace: ctx.settings.namespace.clone(),
        query: args.query.clone(),
        memory_id: args.id.trim().to_string(),
        range,
        top_k: args.top_k.unwrap_or(DEFAULT_TOP_K),
        mode: args.mode.unwrap_or(SearchMode::Hybrid),
    };
    let mut cache = DriftCache::load(&ctx.settings.data_dir);
    let explanation = explain(
        embedder.as_ref(),
        store.as_ref(),
        &request,
        export.as_ref().map(ExportSide::of).unwrap_or_default(),
        fulltext,
        Some(&mut cache),
    )
    .await?;
    if let Err(e) = cache.save(&ctx.settings.data_dir) {
        tracing::warn!("cannot save the drift cache: {e}");
    }
    if ctx.json {
        return Ok(format!("{}\n", serde_json::to_string(&explanation)?));
    }
    Ok(render_text(&explanation))
}

fn r_top(e: &Explanation) -> usize {
    e.request.top_k
}

/// The explanation for people: the rank in the mode searched, one row per side, the
/// semantic and full-text details, the checks, the fix.
pub fn render_text(e: &Explanation) -> String {
    let r = &e.request;
    let mut out = String::new();
    let title = e
        .title
        .as_deref()
        .map(|t| match crate::omi::model::shown_title(t) {
            // `memory abc (untitled)`, not `memory abc ()`.
            crate::omi::model::UNTITLED => " (untitled)".to_string(),
            t => format!(" ({t})"),
        })
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "explain {:?} for memory {}{title} · uid {} · namespace {} · top {} · {} · {}",
        r.query, r.memory_id, r.uid, r.namespace, r.top_k, r.range, e.model
    );
    let p = &e.searched;
    let _ = writeln!(
        out,
        "{}: {}{}",
        p.mode.name(),
        match p.rank {
            Some(r) if p.shown => format!("rank {r} · shown (top {})", r_top(e)),
            Some(r) => format!("ranked {} · not shown (top {})", ordinal(r), r_top(e)),
            None => format!("not in the first {} · not shown", p.depth.max(r_top(e))),
        },
        if p.notes.is_empty() {
            String::new()
        } else {
            format!(" · {}", p.notes.join("; "))
        }
    );
    for row in &e.sides {
        let _ = writeln!(
            out,
            "  {:<8}  {:<10} {:<8} {}",
            row.side.name(),
            match (row.ran, row.rank, row.of) {
                (false, _, _) => "—".to_string(),
                (true, Some(r), Some(of)) => format!("#{r} of {of}"),
                (true, Some(r), None) => format!("#{r}"),
                (true, None, _) => "not found".to_string(),
            },
            row.score.map(|s| format!("{s:.4}")).unwrap_or_default(),
            row.detail
        );
    }
    let s = &e.semantic;
    let score = s.score.map_or("no score".into(), |v| {
        format!(
            "score {v:.4} ({})",
            s.score_source.as_deref().unwrap_or("?")
        )
    });
    let rank = match (s.rank, s.rank_if_passed) {
        (Some(r), _) => format!("ranked {} of {}", ordinal(r), s.candidates),
        (None, Some(r)) => format!("filtered out (would rank {})", ordinal(r)),
        (None, None) => "not ranked".into(),
    };
    let bar = |k: usize, v: Option<f32>| {
        v.map_or(format!("{}: fewer hits", ordinal(k)), |v| {
            format!("{} hit {v:.4}", ordinal(k))
        })
    };
    let _ = writeln!(
        out,
        "semantic: {rank} · {score} · {} · Omi's top_k={OMI_DEFAULT_TOP_K}: {}",
        bar(r.top_k, s.kth_score),
        bar(OMI_DEFAULT_TOP_K, s.omi_kth_score)
    );
    match &e.text {
        Some(t) => {
            let rank = match t.rank {
                Some(r) => format!("ranked {} of {}", ordinal(r), t.total),
                None if t.outside_range => "outside the date range".into(),
                None if t.total == 1 => "no match (1 memory matches)".into(),
                None => format!("no match ({} memories match)", t.total),
            };
            let _ = writeln!(
                out,
                "full text: {rank}{} · query {}{}",
                t.score
                    .map(|s| format!(" · BM25 {s:.2}"))
                    .unwrap_or_default(),
                t.fts_query,
                if t.relaxed { " (any word)" } else { "" }
            );
            for m in t.matches.iter().take(4) {
                let _ = writeln!(out, "  {}  {}", m.place(), m.snippet.marked("*", "*"));
            }
        }
        None => {
            let _ = writeln!(out, "full text: no export given (--export FILE)");
        }
    }
    write_checks(&mut out, &e.checks, &e.fix);
    out
}

/// The `checks:` block (one `pass`/`FAIL`/`n/a` line each) and the `fix:` line, as every
/// explain prints them. Ids, metadata and titles come from the export and the store:
/// shown inert, on one line each.
pub(super) fn write_checks(out: &mut String, checks: &[crate::sync::explain::Check], fix: &str) {
    let _ = writeln!(out, "checks:");
    for c in checks {
        let _ = writeln!(
            out,
            "  {:<4}  {:<20} {}",
            c.outcome.word(),
            c.name,
            super::kinds::one_line(&c.detail)
        );
    }
    let _ = writeln!(out, "fix: {}", super::kinds::one_line(fix));
}
