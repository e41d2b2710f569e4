//! `memlens drift EXPORT --id ID…`: which Omi text format made each memory's stored
//! vector (the cosine of every format's text with it), and whether the current text
//! still matches.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;

use super::Context;
use super::search::{load_export, open_embedder, open_store, resolve_uid, runtime};
use crate::omi::Memory;
use crate::omi::record_kind::Kind;
use crate::sync::drift::{DriftCache, DriftOutcome, check_drift};

/// Arguments of `memlens drift`.
#[derive(Debug, clap::Args)]
pub struct DriftArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
    /// The memory to check (repeatable).
    #[arg(long = "id", value_name = "ID", required = true)]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub kind: super::KindArg,
}

/// Run `memlens drift`.
pub fn run(ctx: &Context, args: DriftArgs) -> anyhow::Result<ExitCode> {
    let (text, code) = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(code)
}

/// Check and return what the command prints; exit 1 when a memory has no vector.
pub async fn execute(ctx: &Context, args: &DriftArgs) -> anyhow::Result<(String, ExitCode)> {
    if args.kind.generic() || args.kind.all() {
        anyhow::bail!(
            "drift compares Omi's text formats of conversations and facts; action items and chunks have one text each: use memlens status --verify --kind {}",
            args.kind.value().map_or("all", |k| k.word())
        );
    }
    if args.kind.facts() {
        return super::facts::drift(ctx, &args.export, &args.ids).await;
    }
    let export = load_export(&args.export, Some(Kind::Conversations))?;
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let mut chosen: Vec<&Memory> = Vec::new();
    let mut unknown = Vec::new();
    for id in &args.ids {
        match export.get(id) {
            Some(m) if !chosen.iter().any(|c| c.id == m.id) => chosen.push(m),
            Some(_) => {}
            None => unknown.push(format!("{id:?}")),
        }
    }
    if !unknown.is_empty() {
        bail!("not in {}: {}", export.name, unknown.join(", "));
    }
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let data_dir = ctx.settings.data_dir.clone();
    let mut cache = DriftCache::load(&data_dir);
    let outcomes = check_drift(
        embedder.as_ref(),
        store.as_ref(),
        &ctx.settings.namespace,
        &uid,
        &chosen,
        Some(&mut cache),
    )
    .await?;
    if let Err(e) = cache.save(&data_dir) {
        eprintln!(
            "warning: cannot save the drift cache in {}: {e}",
            data_dir.display()
        );
    }
    let code = if outcomes
        .iter()
        .all(|o| matches!(o, DriftOutcome::Report(_)))
    {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    let mut out = String::new();
    if ctx.json {
        for o in &outcomes {
            writeln!(out, "{}", serde_json::to_string(o)?)?;
        }
        return Ok((out, code));
    }
    for o in &outcomes {
        match o {
            DriftOutcome::Report(r) => {
                writeln!(out, "{} ({}, {})", r.memory_id, r.vector_id, r.model)?;
                for s in &r.scores {
                    let best = if r.best.contains(&s.format) {
                        "  ← best"
                    } else {
                        ""
                    };
                    let same = s
                        .same_text_as
                        .map(|f| format!("  (same text as {f})"))
                        .unwrap_or_default();
                    writeln!(
                        out,
                        "  {:<15} {:.5}{same}{best}",
                        s.format.name(),
                        s.similarity
                    )?;
                }
                writeln!(out, "  {}", r.verdict)?;
            }
            DriftOutcome::NoVector {
                memory_id,
                vector_id,
            } => writeln!(
                out,
                "{memory_id}: no vector {vector_id} in namespace {}",
                ctx.settings.namespace
            )?,
            DriftOutcome::Incomparable { memory_id, reason } => {
                writeln!(out, "{memory_id}: {reason}")?;
            }
            DriftOutcome::Skipped {
                memory_id, reason, ..
            } => writeln!(out, "{memory_id}: {reason}")?,
        }
    }
    Ok((out, code))
}
