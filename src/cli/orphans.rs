//! `memlens orphans EXPORT [--delete --yes]`: the user's vectors (`{uid}-…`) whose memory
//! is not in the export, with their metadata; a dry run unless `--delete --yes`.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::Context;
use super::search::{load_export, open_store, resolve_uid, runtime};
use crate::omi::record_kind::Kind;
use crate::sync::orphans::{DEFAULT_PAGE_SIZE, DeletePlan, delete_orphans, scan_orphans};
use crate::sync::search::hit_date;
use crate::words::{count, counted};

/// Arguments of `memlens orphans`.
#[derive(Debug, clap::Args)]
pub struct OrphansArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
    /// Delete the orphan vectors (needs --yes; without it, only lists them).
    #[arg(long)]
    pub delete: bool,
    /// Confirm --delete.
    #[arg(long, requires = "delete")]
    pub yes: bool,
    /// Delete even though the export is incomplete (`"export_complete": false`, cut
    /// short, or records that could not be read): a vector whose item is missing from
    /// such an export may belong to an item that still exists.
    #[arg(long, requires = "delete")]
    pub allow_incomplete_export: bool,
    #[command(flatten)]
    pub kind: super::KindArg,
}

/// Run `memlens orphans`.
pub fn run(ctx: &Context, args: OrphansArgs) -> anyhow::Result<ExitCode> {
    let (text, code) = runtime()?.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(code)
}

/// Scan (and delete) and return what the command prints.
pub async fn execute(ctx: &Context, args: &OrphansArgs) -> anyhow::Result<(String, ExitCode)> {
    let kind = args.kind.one("orphans")?;
    if args.kind.generic() || args.kind.facts() {
        return super::kinds::orphans(
            ctx,
            &args.export,
            kind,
            args.delete,
            args.yes,
            args.allow_incomplete_export,
        )
        .await;
    }
    // A delete holds the writer lock from the scan to the last delete, as every kind's
    // does: no reprocess or TUI indexing writes beside it.
    let _lock = if args.delete && args.yes {
        Some(super::kinds::writer_lock(ctx)?)
    } else {
        None
    };
    let export = load_export(&args.export, Some(Kind::Conversations))?;
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let store = open_store(&ctx.settings).await?;
    let ns = ctx.settings.namespace.as_str();
    let scan = scan_orphans(
        store.as_ref(),
        ns,
        &uid,
        &export,
        DEFAULT_PAGE_SIZE,
        |_, _| {},
    )
    .await?;
    let mut plan = DeletePlan::from_scan(&scan);
    plan.allow_incomplete = args.allow_incomplete_export;
    let mut out = String::new();
    let code = ExitCode::SUCCESS;
    let deleted = if args.delete && !plan.ids.is_empty() {
        if args.yes {
            Some(delete_orphans(store.as_ref(), &plan, true, ctx.settings.read_only).await?)
        } else {
            // A dry run did what was asked: list what would go. It exits 0.
            None
        }
    } else {
        None
    };
    if ctx.json {
        let v =
            json!({"scan": scan, "deleted": deleted.unwrap_or(0), "dry_run": deleted.is_none()});
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok((out, code));
    }
    writeln!(
        out,
        "{} under {uid}- in namespace {ns} ({}) · {} in the export · {} · {} without a vector",
        counted(scan.listed, "vector"),
        counted(scan.pages, "page"),
        scan.in_export,
        counted(scan.orphans.len(), "orphan"),
        count(scan.missing, "memory", "memories")
    )?;
    if let Some(why) = &scan.export_incomplete {
        writeln!(
            out,
            "warning: {why}: these vectors are not in this export, which does not make them orphans"
        )?;
    }
    if !scan.unreadable.is_empty() {
        writeln!(
            out,
            "{} of records the export could not read: not orphans, never deleted",
            counted(scan.unreadable.len(), "vector")
        )?;
    }
    for o in &scan.orphans {
        let date = o
            .created_at
            .and_then(|c| hit_date(c).date)
            .unwrap_or_else(|| "no created_at".into());
        let notes = if o.notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", o.notes.join("; "))
        };
        writeln!(out, "  {}  {date}{notes}", o.vector_id)?;
    }
    match deleted {
        Some(n) => writeln!(
            out,
            "deleted {}",
            count(n, "orphan vector", "orphan vectors")
        )?,
        None if args.delete && !plan.ids.is_empty() => writeln!(
            out,
            "dry run: add --yes to delete {}",
            if plan.ids.len() == 1 {
                "this vector".to_string()
            } else {
                format!("these {} vectors", plan.ids.len())
            }
        )?,
        None if !plan.ids.is_empty() => writeln!(
            out,
            "dry run: nothing deleted (memlens orphans EXPORT --delete --yes deletes them)"
        )?,
        None => {}
    }
    Ok((out, code))
}
