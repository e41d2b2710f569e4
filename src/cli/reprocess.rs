//! `memlens reprocess EXPORT (--id ID… | --missing | --stale | --all)`: re-embed memories
//! and upsert them the way Omi does, with a plan first, progress, a journal and resume.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::ArgGroup;
use serde_json::json;

use super::Context;
use crate::config::CreatedAtPolicy;
use crate::omi::export::load_path;
use crate::store::open_from_settings;
use crate::sync::journal::{Journal, RunInfo};
use crate::sync::lock::{DataDirLock, Role};
use crate::sync::reprocess::{
    CancelFlag, Plan, Progress, ReprocessConfig, Reprocessor, Selection, Summary,
};

/// Exit status when a write was refused for want of `--yes`.
const NEEDS_CONFIRMATION: u8 = 2;

/// Arguments of `memlens reprocess`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("selection").required(true).multiple(true).args(["ids", "missing", "stale", "all", "resume", "limit"])))]
#[command(group(ArgGroup::new("new_selection").args(["ids", "missing", "stale", "all"])))]
#[command(after_long_help = "\
Pipeline per memory (Omi's, by hand): text in the chosen --format, embed, upsert as \
{uid}-{memory_id} with metadata uid, memory_id, created_at and every extra key the stored \
record already has (people, topics, …), then fetch back and verify.

Plan: without --dry-run the plan is printed first. Writes to a remote store (Pinecone) \
need --yes; without it memlens prints the plan and exits with status 2.

Journal and resume: every outcome is committed to journal.db in the data dir. When an \
earlier run for the same store, namespace and uid was cancelled, interrupted or killed, \
reprocess says so and leaves it alone: a run only ever writes what its own plan says. \
--resume finishes the old run (its done items are not redone), then plans the selection, \
if one is given (items the journal shows written with the same text, model and format \
count as unchanged and are skipped; --force rewrites them). --discard-unfinished abandons \
the old run instead.

One writer per data dir: a run holds memlens.lock in the data dir for its life (an OS \
lock, released when the process ends, even when killed). A second reprocess (or one \
started while a terminal UI has the data dir open) says which pid holds it and exits \
without writing; --dry-run still plans.

Exit status: 0 when every planned item was written and verified, 1 when anything failed \
(or an id is not in the export), 2 when --yes was needed.")]
pub struct ReprocessArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
    /// Reprocess these memory ids.
    #[arg(long = "id", value_name = "ID", num_args = 1..)]
    pub ids: Vec<String>,
    /// Memories with no vector in the store.
    #[arg(long)]
    pub missing: bool,
    /// Memories whose vector is not known to match the current text, model and format
    /// (legacy or mismatched metadata, or no matching write in the journal).
    #[arg(long)]
    pub stale: bool,
    /// Every memory of the export.
    #[arg(long)]
    pub all: bool,
    /// Print the plan and stop (writes nothing).
    #[arg(long)]
    pub dry_run: bool,
    /// Confirm writes to a remote store.
    #[arg(long)]
    pub yes: bool,
    /// Reprocess discarded memories too (Omi never embeds them).
    #[arg(long)]
    pub include_discarded: bool,
    /// Reprocess memories whose status is not `completed` too (in_progress, processing,
    /// failed, …: Omi embeds only after processing). Deleted, locked, empty and invalid
    /// memories are never written.
    #[arg(long)]
    pub include_unfinished: bool,
    /// Rewrite memories the journal says are unchanged.
    #[arg(long)]
    pub force: bool,
    /// created_at metadata: `memory` (the memory's own, Omi since 2024-10) or `now`
    /// (default: the created_at_policy setting).
    #[arg(long, value_name = "POLICY", value_parser = ["memory", "now"])]
    pub created_at: Option<String>,
    /// Texts per embedding batch.
    #[arg(long, value_name = "N", default_value_t = 256)]
    pub batch_size: usize,
    /// Batches in flight at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub concurrency: usize,
    /// Abandon an unfinished earlier run instead of finishing it.
    #[arg(long, conflicts_with = "resume")]
    pub discard_unfinished: bool,
    /// Finish an unfinished earlier run (cancelled, interrupted or killed) before the
    /// selection, if any. Without it an unfinished run is only reported, never run.
    #[arg(long)]
    pub resume: bool,
    #[command(flatten)]
    pub kind: super::KindArg,
    /// Action items and chunks: only the newest N (conversations for chunks, as Omi's
    /// backfill `--limit N`).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Action items and chunks: also delete the selected owners' orphan ids (a shortened
    /// transcript's old chunk tail, which Omi's backfill leaves).
    #[arg(long)]
    pub clear_orphans: bool,
    /// With --clear-orphans: delete even though the export is incomplete
    /// (`"export_complete": false`, cut short, or records that could not be read).
    #[arg(long, requires = "clear_orphans")]
    pub allow_incomplete_export: bool,
}

impl ReprocessArgs {
    /// The new selection; `None` with `--resume` alone.
    fn selection(&self) -> Option<Selection> {
        Some(if !self.ids.is_empty() {
            Selection::Ids(self.ids.clone())
        } else if self.missing {
            Selection::Missing
        } else if self.stale {
            Selection::Stale
        } else if self.all {
            Selection::All
        } else {
            return None;
        })
    }
}

/// Run `memlens reprocess`.
pub fn run(ctx: &Context, args: ReprocessArgs) -> anyhow::Result<ExitCode> {
    let kind = args.kind.one("reprocess")?;
    if args.kind.generic() && args.stale {
        anyhow::bail!(
            "--stale needs a verify: memlens status --kind {} EXPORT --verify lists stale records; reprocess them with --id",
            kind.word()
        );
    }
    if !args.kind.generic() && (args.limit.is_some() || args.clear_orphans) {
        anyhow::bail!("--limit and --clear-orphans are for --kind action-items and --kind chunks");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let cancel = CancelFlag::new();
    let on_signal = cancel.clone();
    rt.spawn(async move {
        // The first Ctrl-C stops the run between batches (what is done stays done, the
        // rest resumes with --resume); a second one stops the process at once (the
        // journal holds every outcome already committed).
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "\ncancelling: no new batch starts; the ones in flight finish (Ctrl-C again stops now)"
            );
            on_signal.cancel();
        }
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("stopped; memlens reprocess --resume finishes the run");
            std::process::exit(130);
        }
    });
    let result = rt.block_on(execute(ctx, &args, &mut std::io::stdout(), &cancel));
    // An embedding of a batch the cancel left behind may still be computing on a
    // blocking thread (the built-in model takes seconds per batch): nothing of it is
    // written any more, so the process does not wait for it.
    rt.shutdown_background();
    result
}

/// Writes lines: JSON to stdout with `--json` (progress events included, in-flight
/// batches too), else text to stdout and progress to stderr: a status line redrawn in
/// place on a terminal, plain lines now and then otherwise.
pub(super) struct Output<'a> {
    out: &'a mut (dyn Write + Send),
    pub(super) json: bool,
    tty: bool,
    /// When a plain (non-terminal) progress line was last written.
    last_plain: Option<std::time::Instant>,
}

/// Plain progress lines on a non-terminal stderr: at most one per this interval.
const PLAIN_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Output<'_> {
    pub(super) fn event(&mut self, kind: &str, body: serde_json::Value) -> anyhow::Result<()> {
        let mut v = json!({ "type": kind });
        if let (Some(o), serde_json::Value::Object(b)) = (v.as_object_mut(), body) {
            o.extend(b);
        }
        writeln!(self.out, "{v}")?;
        self.out.flush()?;
        Ok(())
    }

    pub(super) fn text(&mut self, s: &str) -> anyhow::Result<()> {
        self.out.write_all(s.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }

    pub(super) fn progress(&mut self, p: &Progress) {
        if self.json {
            let body = serde_json::to_value(p).unwrap_or_default();
            let _ = self.event("progress", body);
            return;
        }
        let flight = p
            .in_flight
            .first()
            .map(|f| {
                let more = p.in_flight.len() - 1;
                if more > 0 {
                    format!("{} (+{more} more)", f.describe())
                } else {
                    f.describe()
                }
            })
            .unwrap_or_default();
        if self.tty {
            let eta = p.eta_ms.map_or_else(
                || "?".to_string(),
                |ms| format!("{:.0}s", ms as f64 / 1000.0),
            );
            let retry = if p.retry_round > 0 {
                format!(" (retry round {})", p.retry_round)
            } else {
                String::new()
            };
            let flight = if flight.is_empty() {
                flight
            } else {
                format!(" · {flight}")
            };
            eprint!(
                "\r\x1b[2K{}/{} done, {} failed, {:.1}/s, ETA {eta}{retry}{flight}",
                p.done, p.total, p.failed, p.rate_per_sec
            );
        } else if !flight.is_empty()
            && self
                .last_plain
                .is_none_or(|t| t.elapsed() >= PLAIN_PROGRESS_EVERY)
        {
            self.last_plain = Some(std::time::Instant::now());
            eprintln!("{}/{} done · {flight}", p.done, p.total);
        }
    }

    pub(super) fn end_progress(&self) {
        if !self.json && self.tty {
            eprintln!();
        }
    }
}

/// Run the command, printing to `out`; returns the exit status.
pub async fn execute(
    ctx: &Context,
    args: &ReprocessArgs,
    out: &mut (dyn Write + Send),
    cancel: &CancelFlag,
) -> anyhow::Result<ExitCode> {
    let mut o = Output {
        out,
        json: ctx.json,
        tty: std::io::stderr().is_terminal(),
        last_plain: None,
    };
    let s = &ctx.settings;
    let export = load_path(&args.export)?;
    // Conversations from a file of facts: say so (with --kind facts they are the input).
    let kind = args.kind.kind();
    if let Some(absent) = super::kinds::absent(&export, kind) {
        anyhow::bail!("{absent}");
    }
    if let Some(note) = export
        .facts_note()
        .filter(|_| kind == crate::omi::record_kind::Kind::Conversations)
    {
        if o.json {
            o.event(
                "facts",
                json!({"facts": export.facts.len(), "conversations": export.memories.len(), "note": note}),
            )?;
        } else {
            o.text(&format!("note: {}: {note}\n", export.name))?;
        }
        if export.facts_only() {
            if !o.json {
                o.text(
                    "nothing to write: reprocess embeds conversations into the conversation \
                     namespace, and this file has none\n",
                )?;
            }
            return Ok(ExitCode::FAILURE);
        }
    }
    // Settings, else the export's profile, else the uid its facts share.
    let uid = super::search::resolve_uid(s, Some(&export)).ok();
    let mut config = ReprocessConfig::from_settings(s, uid)?;
    config.include_discarded = args.include_discarded;
    config.include_unfinished = args.include_unfinished;
    config.force = args.force;
    config.batch_size = args.batch_size;
    config.concurrency = args.concurrency;
    if let Some(p) = &args.created_at {
        config.created_at_policy = if p == "now" {
            CreatedAtPolicy::Now
        } else {
            CreatedAtPolicy::Memory
        };
    }
    if config.uid.is_none() {
        return Err(crate::sync::reprocess::ReprocessError::NoUid.into());
    }
    let facts = args.kind.facts();
    if kind != crate::omi::record_kind::Kind::Conversations {
        config.kind = kind;
        config.namespace = super::namespace_for(s, kind);
    }
    if args.kind.generic() {
        // Omi's chunk backfill and ns4 writes send at most 100 records per upsert.
        config.batch_size = config.batch_size.min(crate::sync::kinds::write::BATCH);
    }
    let embedder = crate::embed::from_settings(s).context("cannot set up the embedder")?;
    let store = open_from_settings(s)
        .await
        .context("cannot open the vector store")?;
    // One writer per data dir, for the run's life: a live run is never taken for an
    // interrupted one, and never run twice at once.
    let _lock = if args.dry_run {
        if let Some(holder) = DataDirLock::holder(&s.data_dir) {
            let note = format!("note: {}\n", holder.message());
            if o.json {
                o.event(
                    "locked",
                    json!({"pid": holder.pid, "note": holder.message()}),
                )?;
            } else {
                o.text(&note)?;
            }
        }
        None
    } else {
        Some(DataDirLock::acquire(&s.data_dir, Role::Reprocess)?)
    };
    let journal = Arc::new(Journal::open_in(&s.data_dir)?);
    if let Some(note) = journal.recovery_note() {
        eprintln!("warning: {note}");
    }
    let remote = store.is_remote();
    let rp = Reprocessor::new(embedder, store, journal, config);
    let mut failed = false;

    let unfinished = rp.unfinished_run()?;
    if args.resume && unfinished.is_none() && !o.json {
        o.text("nothing to resume: no unfinished run for this store, namespace and uid\n")?;
    }
    if let Some(info) = unfinished {
        if args.dry_run || (!args.resume && !args.discard_unfinished) {
            let what = if args.dry_run && args.resume {
                "a run with --resume and without --dry-run finishes it first"
            } else if args.dry_run {
                "it is left alone: only --resume finishes it"
            } else {
                "it is left alone: --resume finishes it, --discard-unfinished abandons it"
            };
            let note = format!(
                "note: unfinished run {} ({} of {} done); {what}\n",
                info.header.run_id,
                info.done,
                info.total()
            );
            if o.json {
                o.event("unfinished_run", serde_json::to_value(&info)?)?;
            } else {
                o.text(&note)?;
            }
        } else if args.discard_unfinished {
            rp.abandon(&info.header.run_id)?;
            if o.json {
                o.event("abandoned_run", json!({"run_id": info.header.run_id}))?;
            } else {
                o.text(&format!(
                    "abandoned unfinished run {}\n",
                    info.header.run_id
                ))?;
            }
        } else {
            if let Some(code) = refuse(&rp, &mut o, remote, args.yes, &resume_text(&info))? {
                return Ok(code);
            }
            if o.json {
                o.event("resume", serde_json::to_value(&info)?)?;
            } else {
                o.text(&resume_text(&info))?;
            }
            let summary = if args.kind.generic() {
                let rk = super::kinds::record_kind_of(ctx, kind)?;
                crate::sync::kinds::write::resume(
                    &rp,
                    rk.as_ref(),
                    &export,
                    &info.header.run_id,
                    |p| o.progress(p),
                    cancel,
                )
                .await
                .map_err(anyhow::Error::from)
            } else if facts {
                rp.resume_facts(
                    &info.header.run_id,
                    &export.fact_section.facts,
                    |p| o.progress(p),
                    cancel,
                )
                .await
                .map_err(anyhow::Error::from)
            } else {
                rp.resume(
                    &info.header.run_id,
                    &export.memories,
                    |p| o.progress(p),
                    cancel,
                )
                .await
                .map_err(anyhow::Error::from)
            };
            o.end_progress();
            let summary = summary?;
            failed |= !summary.is_complete();
            print_summary(&mut o, &summary)?;
            if summary.cancelled {
                return Ok(ExitCode::FAILURE);
            }
        }
    }

    // Action items and chunks: `--limit N` alone is Omi's backfill `--limit N`.
    if args.kind.generic() && (args.selection().is_some() || args.limit.is_some()) {
        let ask = super::kinds::ReprocessAsk {
            kind,
            ids: &args.ids,
            missing: args.missing,
            limit: args.limit,
            clear_orphans: args.clear_orphans,
            dry_run: args.dry_run,
            yes: args.yes,
            force: args.force,
            allow_incomplete_export: args.allow_incomplete_export,
        };
        let code = super::kinds::reprocess(ctx, &mut o, &rp, &export, &ask, cancel).await?;
        return Ok(if failed { ExitCode::FAILURE } else { code });
    }
    let Some(selection) = args.selection() else {
        return Ok(if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        });
    };
    let mut plan = if facts {
        rp.plan_facts(&export.fact_section.facts, &selection, None)
            .await?
    } else {
        rp.plan(&export.memories, &selection, None).await?
    };
    if let Some(why) = export.incomplete_reason() {
        plan.warnings
            .push(format!("{why}: only the memories it holds are planned"));
    }
    if o.json {
        o.event("plan", serde_json::to_value(&plan)?)?;
    } else {
        o.text(&render_plan(&plan, args.dry_run))?;
    }
    failed |= plan.counts.not_in_export > 0;
    let exit = |failed: bool| {
        if failed {
            ExitCode::FAILURE
        } else {
            ExitCode::SUCCESS
        }
    };
    if args.dry_run {
        return Ok(exit(failed));
    }
    if plan.items.is_empty() {
        if !o.json {
            o.text("nothing to write\n")?;
        }
        return Ok(exit(failed));
    }
    if let Some(code) = refuse(&rp, &mut o, remote, args.yes, "")? {
        return Ok(code);
    }
    let summary = rp.run(&plan, |p| o.progress(p), cancel).await;
    o.end_progress();
    let summary = summary?;
    failed |= !summary.is_complete();
    print_summary(&mut o, &summary)?;
    Ok(exit(failed))
}

/// Refuse a write in read-only mode (an error) or to a remote store without `--yes`
/// (exit status 2).
pub(super) fn refuse(
    rp: &Reprocessor,
    o: &mut Output<'_>,
    remote: bool,
    yes: bool,
    what: &str,
) -> anyhow::Result<Option<ExitCode>> {
    if rp.config().read_only {
        return Err(crate::sync::reprocess::ReprocessError::ReadOnly(rp.target()?.store).into());
    }
    if remote && !yes {
        let msg = format!(
            "{what}refusing to write to the remote store {} without --yes (run again with --yes, or --dry-run to only plan)",
            rp.target()?.store
        );
        if o.json {
            o.event("refused", json!({"reason": msg}))?;
        } else {
            eprintln!("{msg}");
        }
        return Ok(Some(ExitCode::from(NEEDS_CONFIRMATION)));
    }
    Ok(None)
}

fn resume_text(info: &RunInfo) -> String {
    let started = chrono::DateTime::from_timestamp_millis(info.started_ms)
        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default();
    format!(
        "unfinished run {} (started {started}, {:?}): {} of {} done, {} failed, {} pending; continuing it\n",
        info.header.run_id,
        info.state,
        info.done,
        info.total(),
        info.failed,
        info.pending
    )
}

/// The plan, for people.
pub fn render_plan(plan: &Plan, dry_run: bool) -> String {
    use std::fmt::Write as _;
    let t = &plan.target;
    let c = &plan.counts;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "reprocess plan{}",
        if dry_run {
            " (dry run: nothing is written)"
        } else {
            ""
        }
    );
    let _ = writeln!(
        s,
        "  store      {}{}",
        t.store,
        if t.remote { " (remote)" } else { "" }
    );
    let _ = writeln!(s, "  namespace  {}   uid {}", t.namespace, t.uid);
    let dim = if plan.dimension > 0 {
        plan.dimension.to_string()
    } else {
        "?".into()
    };
    let policy = match plan.created_at_policy {
        CreatedAtPolicy::Memory => "memory",
        CreatedAtPolicy::Now => "now",
    };
    let _ = writeln!(
        s,
        "  embedder   {} ({dim} dims)   format {}   created_at {policy}",
        t.model, t.format
    );
    let _ = writeln!(
        s,
        "  selection  {}: {} selected",
        plan.selection.describe(),
        c.selected
    );
    let _ = writeln!(
        s,
        "  write      {} ({} new, {} overwritten)",
        c.writes(),
        c.new,
        c.overwritten
    );
    let skips = c.describe_skips();
    let _ = writeln!(s, "  skip       {}", skips.trim_start_matches("skip "));
    for f in &plan.forced {
        let _ = writeln!(s, "  forced     {f} (--include-{f})");
    }
    for f in &plan.can_force {
        let _ = writeln!(s, "  force      {f}");
    }
    let r = &plan.requests;
    let _ = writeln!(
        s,
        "  cost       ~{} tokens; ~{} embedding batches, ~{} upserts, ~{} fetches",
        plan.estimated_tokens, r.embed, r.upsert, r.fetch
    );
    // Every skip but the routine ones (unchanged, discarded) is listed with its reason.
    let notable: Vec<_> = plan
        .skipped
        .iter()
        .filter(|i| !matches!(i.reason.kind(), "unchanged" | "discarded"))
        .collect();
    const SHOWN: usize = 20;
    for item in notable.iter().take(SHOWN) {
        let why = item.reason.detail();
        let _ = writeln!(s, "  skipped    {}: {why}", item.memory_id);
    }
    if notable.len() > SHOWN {
        let _ = writeln!(
            s,
            "  skipped    … and {} more (--json lists them all)",
            notable.len() - SHOWN
        );
    }
    for w in &plan.warnings {
        let _ = writeln!(s, "  warning    {w}");
    }
    s
}

pub(super) fn print_summary(o: &mut Output<'_>, summary: &Summary) -> anyhow::Result<()> {
    if o.json {
        return o.event("summary", serde_json::to_value(summary)?);
    }
    let mut s = format!(
        "run {}: {} of {} done{}, {} failed, {} pending, {:.1}s{}\n",
        summary.run_id,
        summary.done,
        summary.total,
        if summary.done_before > 0 {
            format!(" ({} before this session)", summary.done_before)
        } else {
            String::new()
        },
        summary.failed.len(),
        summary.pending,
        summary.elapsed_ms as f64 / 1000.0,
        if summary.cancelled {
            " (cancelled: memlens reprocess --resume finishes it)"
        } else {
            ""
        }
    );
    // Failures grouped by cause: one line naming cause and fix, then the items.
    const SHOWN: usize = 20;
    for g in &summary.failed_by_cause {
        s.push_str(&format!("  {}\n", g.line()));
        let items: Vec<_> = summary
            .failed
            .iter()
            .filter(|f| f.cause == g.cause)
            .collect();
        for f in items.iter().take(SHOWN) {
            s.push_str(&format!("    {}: {}\n", f.memory_id, f.error));
        }
        if items.len() > SHOWN {
            s.push_str(&format!(
                "    … and {} more (--json lists them all)\n",
                items.len() - SHOWN
            ));
        }
    }
    o.text(&s)
}
