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
use crate::omi::record_kind::Kind;
use crate::omi::text::TextFormat;
use crate::sync::EmbeddingStatus;
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
    if args.kind.all() {
        return super::kinds::status_all(ctx, &args.export, args.verify).await;
    }
    if args.kind.generic() || args.kind.facts() {
        return super::kinds::status(ctx, &args.export, args.kind.kind(), args.verify).await;
    }
    let export = load_export(&args.export, Some(Kind::Conversations))?;
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
        let dimension = super::learned_dimension(&ctx.settings).await;
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
    // Share what was found with the TUI (same cache, same key): verdicts from --verify
    // show as fresh/stale there; a plain lookup keeps earlier verdicts of unchanged vectors.
    let entries = share_with_tui(ctx, store.as_ref(), ns, &uid, entries);
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
                    "label": e.label(),
                    "similarity": e.similarity,
                    "dimension": e.dimension,
                    "reason": e.reason,
                    "skip": e.skip,
                })
            })
            .collect();
        let skipped: serde_json::Map<String, serde_json::Value> = skip_counts(entries.values())
            .into_iter()
            .map(|(k, n)| (k.to_string(), json!(n)))
            .collect();
        let v = json!({
            "skipped_by_reason": skipped,
            "uid": uid,
            "namespace": ns,
            "store": store.target(),
            "verified": args.verify,
            "counts": counts_json(&counts),
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
        // A skip's label already says why; its detail is worth repeating only when it adds
        // something (the id rule broken, the field missing, the orphan to clean up).
        let reason = match &e.skip {
            Some(s) if e.status == EmbeddingStatus::Skipped && s.detail() == s.label() => None,
            _ => e.reason.as_deref(),
        };
        writeln!(
            out,
            "{} {:<8} {}  {}{}",
            e.status.glyph(),
            e.label(),
            m.id,
            m.structured.title,
            super::kinds::sim_reason(e.similarity, reason)
        )?;
    }
    writeln!(out, "counts: {}", counts_text(&counts))?;
    let skips = skip_counts(entries.values());
    if !skips.is_empty() {
        let parts: Vec<String> = skips.iter().map(|(k, n)| format!("{n} {k}")).collect();
        writeln!(
            out,
            "not embedded (Omi would not write these): {}",
            parts.join(", ")
        )?;
    }
    Ok(out)
}

/// Counts per status as JSON (`{"present": 2, …}`).
pub(super) fn counts_json(
    counts: &std::collections::BTreeMap<EmbeddingStatus, usize>,
) -> serde_json::Value {
    counts
        .iter()
        .map(|(s, n)| (s.word().to_string(), json!(n)))
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// Counts per status for people: `2 present, 1 missing` (non-zero only).
pub(super) fn counts_text(counts: &std::collections::BTreeMap<EmbeddingStatus, usize>) -> String {
    super::kinds::counts_line(counts.iter().map(|(s, n)| (s.word(), *n)))
}

/// Memories Omi would not embed, per reason kind (policy order), non-zero only.
fn skip_counts<'a>(
    entries: impl Iterator<Item = &'a crate::sync::StatusEntry>,
) -> Vec<(&'static str, usize)> {
    let mut n = [0usize; crate::omi::policy::REASONS.len()];
    for e in entries {
        if let Some(s) = &e.skip
            && let Some(i) = crate::omi::policy::REASONS
                .iter()
                .position(|(k, _)| *k == s.kind())
        {
            n[i] += 1;
        }
    }
    crate::omi::policy::REASONS
        .iter()
        .zip(n)
        .filter(|(_, n)| *n > 0)
        .map(|((k, _), n)| (*k, n))
        .collect()
}

/// Save the looked-up entries to the status cache the TUI reads (keeping earlier
/// verdicts of unchanged vectors); a cache that cannot be written is only logged.
fn share_with_tui(
    ctx: &Context,
    store: &dyn crate::store::VectorStore,
    namespace: &str,
    uid: &str,
    mut entries: std::collections::BTreeMap<String, crate::sync::StatusEntry>,
) -> std::collections::BTreeMap<String, crate::sync::StatusEntry> {
    use crate::sync::status::{StatusCache, keep_verdicts};
    let data_dir = &ctx.settings.data_dir;
    let key = StatusCache::key_for(&store.target(), namespace, uid);
    let mut cache = StatusCache::load(data_dir, &key).unwrap_or_else(|| StatusCache {
        key: key.clone(),
        ..StatusCache::default()
    });
    keep_verdicts(&mut entries, &cache.entries);
    let now = chrono::Utc::now();
    cache.stamp_unstamped(cache.checked_at.saturating_mul(1000));
    for id in entries.keys() {
        cache.stamps.insert(id.clone(), now.timestamp_millis());
    }
    cache.entries.extend(entries.clone());
    cache.checked_at = now.timestamp();
    if let Err(e) = cache.save(data_dir) {
        tracing::warn!("cannot save the status cache: {e}");
    }
    entries
}
