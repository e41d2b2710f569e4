//! `memlens golden add "QUERY" --id ID` and `memlens golden run [--json]`: golden queries
//! (a TOML file of queries → expected memory ids), run as a retrieval test with each
//! expected id's rank, recall@k and MRR, and the change since the last run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use serde_json::json;

use super::Context;
use super::indexing::ensure_searchable;
use super::search::{load_export, open_embedder, open_fulltext, open_store, resolve_uid, runtime};
use crate::omi::record_kind::Kind;
use crate::sync::golden::{
    GoldenFile, GoldenRun, RunChange, RunOptions, add_to_file, compare, load_last_run,
    run as run_golden, save_last_run,
};
use crate::sync::hybrid::SearchMode;

/// Arguments of `memlens golden`.
#[derive(Debug, clap::Args)]
pub struct GoldenArgs {
    #[command(subcommand)]
    pub command: GoldenCommand,
}

/// `golden add` / `golden run`.
#[derive(Debug, clap::Subcommand)]
pub enum GoldenCommand {
    /// Add a query and the memory id it should find.
    Add {
        query: String,
        #[arg(long, value_name = "ID")]
        id: String,
        /// The golden file (default: golden.toml in the data dir).
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
    /// Measure labelled query sets in every mode: top-1, recall@5, recall@10 and MRR@10
    /// per mode per set (a Markdown table), and whether the default mode meets the bar
    /// (top-1 ≥ 0.9 × the best single side's, recall@10 ≥ the best side's). Indexes first
    /// like `run`; keeps no baseline. Exit 1 when the bar is not met.
    Table {
        /// The labelled sets (`tests/fixtures/*-queries.json`, or golden TOML files).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// The export the sets are about.
        #[arg(long, value_name = "EXPORT")]
        export: PathBuf,
        /// Do not index what the local store lacks of the export first.
        #[arg(long)]
        no_index: bool,
    },
    /// Run every golden query: expected ranks, recall@k, MRR, change since the last run.
    Run {
        /// The golden file (default: golden.toml in the data dir).
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// The export (needed for the text and hybrid modes).
        #[arg(long, value_name = "EXPORT")]
        export: Option<PathBuf>,
        /// hybrid, semantic, text or chunks (default: the file's mode, else hybrid).
        #[arg(long, value_name = "MODE")]
        mode: Option<SearchMode>,
        /// Do not index what the local store lacks of the export first (say what each
        /// namespace holds instead).
        #[arg(long)]
        no_index: bool,
        /// With --json: each side's candidates and scores per query (for studying the
        /// fusion).
        #[arg(long)]
        detail: bool,
    },
}

/// Run `memlens golden`.
pub fn run(ctx: &Context, args: GoldenArgs) -> anyhow::Result<ExitCode> {
    if let GoldenCommand::Table {
        files,
        export,
        no_index,
    } = &args.command
    {
        let (text, met) = runtime()?.block_on(table(ctx, files, export, *no_index))?;
        print!("{text}");
        return Ok(if met {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
    let text = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// `golden table`: every set in every mode. Returns the table and whether the default
/// mode met the bar on every set.
pub async fn table(
    ctx: &Context,
    files: &[PathBuf],
    export: &Path,
    no_index: bool,
) -> anyhow::Result<(String, bool)> {
    let export = load_export(export, Some(Kind::Conversations))?;
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let coverage = ensure_searchable(
        &ctx.settings,
        &embedder,
        &store,
        &uid,
        &export,
        SearchMode::Hybrid,
        no_index,
    )
    .await?;
    if let Some(ns) = coverage.empty_side(SearchMode::Hybrid) {
        anyhow::bail!("{ns} holds nothing of this export: nothing to measure");
    }
    let fulltext = open_fulltext(&ctx.settings.data_dir, &export.memories).await?;
    let mut out = String::new();
    let mut json_rows = Vec::new();
    let _ = writeln!(
        out,
        "| set | queries | mode | top-1 | recall@5 | recall@10 | MRR@10 |\n| --- | ---: | --- | ---: | ---: | ---: | ---: |"
    );
    let mut verdicts = Vec::new();
    for path in files {
        let golden = GoldenFile::load(path, false)?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let mut runs = Vec::new();
        for mode in SearchMode::ALL {
            let r = run_golden(
                embedder.as_ref(),
                store.as_ref(),
                Some(Arc::clone(&fulltext)),
                &uid,
                &ctx.settings.namespace,
                &golden,
                &path.display().to_string(),
                mode,
                RunOptions {
                    memories: Some(&export.memories),
                    detail: false,
                },
            )
            .await?;
            let counted = r.queries.len() - r.skipped;
            let _ = writeln!(
                out,
                "| {name} | {counted} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
                mode.name(),
                r.top1,
                r.recall_at_5,
                r.recall_at_k,
                r.mrr
            );
            json_rows.push(json!({
                "set": name, "queries": counted, "mode": mode.name(), "top1": r.top1,
                "recall_at_5": r.recall_at_5, "recall_at_10": r.recall_at_k, "mrr_at_10": r.mrr,
            }));
            runs.push((mode, r));
        }
        let fused = &runs[0].1;
        let sides = &runs[1..];
        let best_top1 = sides.iter().map(|(_, r)| r.top1).fold(0.0, f64::max);
        let best_recall = sides.iter().map(|(_, r)| r.recall_at_k).fold(0.0, f64::max);
        let ok = fused.top1 >= 0.9 * best_top1 - 1e-9 && fused.recall_at_k >= best_recall - 1e-9;
        verdicts.push((
            name,
            ok,
            fused.top1,
            best_top1,
            fused.recall_at_k,
            best_recall,
        ));
    }
    if ctx.json {
        let met = verdicts.iter().all(|v| v.1);
        let rows: Vec<String> = json_rows.iter().map(|r| r.to_string()).collect();
        return Ok((format!("{}\n", rows.join("\n")), met));
    }
    out.push('\n');
    for (name, ok, t, bt, r, br) in &verdicts {
        let _ = writeln!(
            out,
            "{} {name}: hybrid top-1 {t:.3} vs 0.9 × best side {:.3}; recall@10 {r:.3} vs best side {br:.3}",
            if *ok { "✓" } else { "✗" },
            0.9 * bt
        );
    }
    Ok((out, verdicts.iter().all(|v| v.1)))
}

fn file_path(ctx: &Context, file: &Option<PathBuf>) -> PathBuf {
    file.clone()
        .unwrap_or_else(|| GoldenFile::default_path(&ctx.settings.data_dir))
}

/// Run the subcommand and return what it prints.
pub async fn execute(ctx: &Context, args: &GoldenArgs) -> anyhow::Result<String> {
    match &args.command {
        GoldenCommand::Table {
            files,
            export,
            no_index,
        } => Ok(table(ctx, files, export, *no_index).await?.0),
        GoldenCommand::Add { query, id, file } => {
            let path = file_path(ctx, file);
            let added = add_to_file(&path, query, id)?;
            Ok(if ctx.json {
                format!(
                    "{}\n",
                    json!({"file": path.display().to_string(), "query": query, "id": id, "added": added})
                )
            } else if added {
                format!("added {id} to {query:?} in {}\n", path.display())
            } else {
                format!("{query:?} already expects {id} ({})\n", path.display())
            })
        }
        GoldenCommand::Run {
            file,
            export,
            mode,
            no_index,
            detail,
        } => {
            let path = file_path(ctx, file);
            let golden = GoldenFile::load(&path, false)?;
            let mode = match (mode, &golden.mode) {
                (Some(m), _) => *m,
                (None, Some(m)) => m
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("{}: {e}", path.display()))?,
                (None, None) => SearchMode::Hybrid,
            };
            let export = export
                .as_deref()
                .map(|p| load_export(p, Some(Kind::Conversations)))
                .transpose()?;
            let uid = resolve_uid(&ctx.settings, export.as_ref())?;
            let fulltext = match (&export, mode, *detail) {
                (Some(e), SearchMode::Text | SearchMode::Hybrid, _) | (Some(e), _, true) => {
                    Some(open_fulltext(&ctx.settings.data_dir, &e.memories).await?)
                }
                _ => None,
            };
            let store = open_store(&ctx.settings).await?;
            let embedder = open_embedder(&ctx.settings)?;
            let coverage = match &export {
                Some(e) => Some(
                    ensure_searchable(
                        &ctx.settings,
                        &embedder,
                        &store,
                        &uid,
                        e,
                        if *detail { SearchMode::Hybrid } else { mode },
                        *no_index,
                    )
                    .await?,
                ),
                None => None,
            };
            let outcome = run_golden(
                embedder.as_ref(),
                store.as_ref(),
                fulltext,
                &uid,
                &ctx.settings.namespace,
                &golden,
                &path.display().to_string(),
                mode,
                RunOptions {
                    memories: export.as_ref().map(|e| &e.memories[..]),
                    detail: *detail,
                },
            )
            .await?;
            let data_dir = &ctx.settings.data_dir;
            let change = load_last_run(data_dir, &path, mode).map(|last| compare(&last, &outcome));
            // A run against an empty namespace measures nothing: never the baseline.
            let empty = coverage.as_ref().and_then(|c| c.empty_side(mode));
            if empty.is_none() {
                save_last_run(data_dir, &path, mode, &outcome)
                    .with_context(|| format!("cannot keep the run in {}", data_dir.display()))?;
            }
            if ctx.json {
                return Ok(format!(
                    "{}\n",
                    json!({"run": outcome, "change": change, "empty_namespace": empty})
                ));
            }
            let mut out = String::new();
            if let Some(c) = &coverage {
                for l in &c.lines {
                    let _ = writeln!(out, "{l}");
                }
            }
            out.push_str(&render_text(&outcome, change.as_ref(), &path));
            if let Some(ns) = empty {
                let _ = writeln!(
                    out,
                    "{ns} holds nothing of this export: this run is not kept as the baseline"
                );
            }
            Ok(out)
        }
    }
}

fn rank(r: Option<usize>) -> String {
    r.map_or(">100".into(), |r| r.to_string())
}

/// The run for people: one line per query and expected id, the metrics and the change.
pub fn render_text(run: &GoldenRun, change: Option<&RunChange>, path: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "golden {} · {} queries · {} · top {} · {} · {}",
        path.display(),
        run.queries.len(),
        run.mode,
        run.top_k,
        run.namespace,
        run.model
    );
    for q in &run.queries {
        for e in &q.expected {
            if e.not_in_export {
                let _ = writeln!(
                    out,
                    "  ?       {:<40}  {}  not in the export (typo?): not counted",
                    format!("{:?}", q.query),
                    e.memory_id
                );
                continue;
            }
            let mark = if e.rank.is_some_and(|r| r <= run.top_k) {
                "✓"
            } else {
                "✗"
            };
            // A side the mode did not run shows "—", a side that ran without finding
            // the memory ">100".
            let side = |ran: bool, r: Option<usize>| if ran { rank(r) } else { "—".into() };
            let _ = writeln!(
                out,
                "  {mark} {:>4}  {:<40}  {}  (semantic {}, text {}, chunks {})",
                rank(e.rank),
                format!("{:?}", q.query),
                e.memory_id,
                side(
                    matches!(run.mode.as_str(), "semantic" | "hybrid"),
                    e.semantic_rank
                ),
                side(matches!(run.mode.as_str(), "text" | "hybrid"), e.text_rank),
                side(
                    matches!(run.mode.as_str(), "chunks" | "hybrid"),
                    e.chunk_rank
                )
            );
        }
    }
    let _ = writeln!(
        out,
        "top-1 {:.3} · recall@5 {:.3} · recall@{} {:.3} · MRR@{} {:.3}{}",
        run.top1,
        run.recall_at_5,
        run.top_k,
        run.recall_at_k,
        run.top_k,
        run.mrr,
        if run.skipped > 0 {
            format!(
                " · {} queries not counted (no expected id in the export)",
                run.skipped
            )
        } else {
            String::new()
        }
    );
    match change {
        None => {
            let _ = writeln!(out, "first run of this file: kept for the next comparison");
        }
        Some(c) => {
            let _ = writeln!(
                out,
                "since the last run: recall@{} {:+.3} · MRR {:+.3} · {} ranks moved",
                run.top_k,
                c.recall_delta,
                c.mrr_delta,
                c.ranks.len()
            );
            for r in &c.ranks {
                let _ = writeln!(
                    out,
                    "  {:?} {}: {} → {}",
                    r.query,
                    r.memory_id,
                    rank(r.before),
                    rank(r.after)
                );
            }
        }
    }
    out
}
