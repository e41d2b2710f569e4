//! `memlens status EXPORT [--verify]`: the embedding status of every memory of an export
//! (lookup = fetch by ids, 100 per request) and the count per status; `--verify` also
//! embeds each current text and compares (fresh / stale).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;

use super::Context;
use super::search::{load_export, open_embedder, open_store, resolve_uid, runtime};
use crate::omi::text::TextFormat;
use crate::sync::status::{counts, lookup, verify};

/// Arguments of `memlens status`.
#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
    /// Also embed each memory's current text (global --format) and compare with the
    /// stored vector: fresh (cosine ≥ 0.999) or stale.
    #[arg(long)]
    pub verify: bool,
    #[command(flatten)]
    pub kind: super::KindArg,
}

/// Run `memlens status`.
pub fn run(ctx: &Context, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let text = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(ExitCode::SUCCESS)
}

/// Look up (and verify) and return what the command prints.
pub async fn execute(ctx: &Context, args: &StatusArgs) -> anyhow::Result<String> {
    if args.kind.facts() {
        return super::facts::status(ctx, &args.export, args.verify).await;
    }
    let export = load_export(&args.export)?;
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let ns = ctx.settings.namespace.as_str();
    let store = open_store(&ctx.settings).await?;
    let entries = if args.verify {
        let format: TextFormat = ctx.settings.text_format.parse().context(
            "bad text format (--format, MEMLENS_TEXT_FORMAT or text_format in the config file)",
        )?;
        let embedder = open_embedder(&ctx.settings)?;
        verify(
            store.as_ref(),
            embedder.as_ref(),
            ns,
            &uid,
            &export.memories,
            format,
            |_, _| {},
        )
        .await?
    } else {
        let dimension = open_embedder(&ctx.settings).ok().map(|e| e.dimension());
        lookup(
            store.as_ref(),
            ns,
            &uid,
            &export.memories,
            dimension,
            |_, _| {},
        )
        .await
        .context("cannot look up the vectors")?
    };
    let counts = counts(entries.values());
    let mut out = String::new();
    if ctx.json {
        let memories: Vec<_> = export
            .memories
            .iter()
            .filter_map(|m| entries.get(&m.id).map(|e| (m, e)))
            .map(|(m, e)| {
                json!({
                    "memory_id": m.id,
                    "title": m.structured.title,
                    "status": e.status.word(),
                    "similarity": e.similarity,
                    "dimension": e.dimension,
                    "reason": e.reason,
                })
            })
            .collect();
        let counts: serde_json::Map<String, serde_json::Value> = counts
            .iter()
            .map(|(s, n)| (s.word().to_string(), json!(n)))
            .collect();
        let v = json!({
            "uid": uid,
            "namespace": ns,
            "store": store.target(),
            "verified": args.verify,
            "counts": counts,
            "memories": memories,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(out);
    }
    writeln!(
        out,
        "{} memories · uid {uid} · namespace {ns} · {}{}",
        export.memories.len(),
        store.target(),
        if args.verify { " · verified" } else { "" }
    )?;
    for m in &export.memories {
        let Some(e) = entries.get(&m.id) else {
            continue;
        };
        let sim = e
            .similarity
            .map(|s| format!("  cos {s:.5}"))
            .unwrap_or_default();
        let reason = e
            .reason
            .as_deref()
            .map(|r| format!("  ({r})"))
            .unwrap_or_default();
        writeln!(
            out,
            "{} {:<8} {}  {}{sim}{reason}",
            e.status.glyph(),
            e.status.word(),
            m.id,
            m.structured.title
        )?;
    }
    let summary: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| format!("{n} {}", s.word()))
        .collect();
    writeln!(out, "counts: {}", summary.join(", "))?;
    Ok(out)
}
