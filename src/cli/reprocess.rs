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
use crate::sync::reprocess::{
    CancelFlag, Plan, Progress, ReprocessConfig, Reprocessor, Selection, Summary,
};

/// Exit status when a write was refused for want of `--yes`.
const NEEDS_CONFIRMATION: u8 = 2;

/// Arguments of `memlens reprocess`.
#[derive(Debug, clap::Args)]
#[command(group(ArgGroup::new("selection").required(true).args(["ids", "missing", "stale", "all"])))]
#[command(after_long_help = "\
Pipeline per memory (Omi's, by hand): text in the chosen --format, embed, upsert as \
{uid}-{memory_id} with metadata uid, memory_id, created_at and every extra key the stored \
record already has (people, topics, …), then fetch back and verify.

Plan: without --dry-run the plan is printed first. Writes to a remote store (Pinecone) \
need --yes; without it memlens prints the plan and exits with status 2.

Journal and resume: every outcome is committed to journal.db in the data dir. When an \
earlier run for the same store, namespace and uid was cancelled, interrupted or killed, \
reprocess says so and finishes it first (its done items are not redone), then plans the \
selection (items the journal shows written with the same text, model and format count as \
unchanged and are skipped; --force rewrites them). --discard-unfinished abandons the old \
run instead.

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
    #[arg(long)]
    pub discard_unfinished: bool,
    #[command(flatten)]
    pub kind: super::KindArg,
}

impl ReprocessArgs {
    fn selection(&self) -> Selection {
        if !self.ids.is_empty() {
            Selection::Ids(self.ids.clone())
        } else if self.missing {
            Selection::Missing
        } else if self.stale {
            Selection::Stale
        } else {
            Selection::All
        }
    }
}

/// Run `memlens reprocess`.
pub fn run(ctx: &Context, args: ReprocessArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let cancel = CancelFlag::new();
    let on_signal = cancel.clone();
    rt.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
        }
    });
    rt.block_on(execute(ctx, &args, &mut std::io::stdout(), &cancel))
}

/// Writes lines: JSON to stdout with `--json` (progress events included, in-flight
/// batches too), else text to stdout and progress to stderr: a status line redrawn in
/// place on a terminal, plain lines now and then otherwise.
struct Output<'a> {
    out: &'a mut (dyn Write + Send),
    json: bool,
    tty: bool,
    /// When a plain (non-terminal) progress line was last written.
    last_plain: Option<std::time::Instant>,
}

/// Plain progress lines on a non-terminal stderr: at most one per this interval.
const PLAIN_PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

impl Output<'_> {
    fn event(&mut self, kind: &str, body: serde_json::Value) -> anyhow::Result<()> {
        let mut v = json!({ "type": kind });
        if let (Some(o), serde_json::Value::Object(b)) = (v.as_object_mut(), body) {
            o.extend(b);
        }
        writeln!(self.out, "{v}")?;
        self.out.flush()?;
        Ok(())
    }

    fn text(&mut self, s: &str) -> anyhow::Result<()> {
        self.out.write_all(s.as_bytes())?;
        self.out.flush()?;
        Ok(())
    }

    fn progress(&mut self, p: &Progress) {
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

    fn end_progress(&self) {
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
    if let Some(note) = export.facts_note().filter(|_| !args.kind.facts()) {
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
    if facts {
        config.kind = args.kind.kind;
        config.namespace = super::namespace_for(s, args.kind.kind);
    }
    let embedder = crate::embed::from_settings(s).context("cannot set up the embedder")?;
    let store = open_from_settings(s)
        .await
        .context("cannot open the vector store")?;
    let journal = Arc::new(Journal::open_in(&s.data_dir)?);
    if let Some(note) = journal.recovery_note() {
        eprintln!("warning: {note}");
    }
    let remote = store.is_remote();
    let rp = Reprocessor::new(embedder, store, journal, config);
    let mut failed = false;

    if let Some(info) = rp.unfinished_run()? {
        if args.dry_run {
            let note = format!(
                "note: unfinished run {} ({} of {} done); a run without --dry-run finishes it first\n",
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
            let summary = if facts {
                rp.resume_facts(
                    &info.header.run_id,
                    &export.fact_section.facts,
                    |p| o.progress(p),
                    cancel,
                )
                .await
            } else {
                rp.resume(
                    &info.header.run_id,
                    &export.memories,
                    |p| o.progress(p),
                    cancel,
                )
                .await
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

    let plan = if facts {
        rp.plan_facts(&export.fact_section.facts, &args.selection(), None)
            .await?
    } else {
        rp.plan(&export.memories, &args.selection(), None).await?
    };
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
fn refuse(
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

fn print_summary(o: &mut Output<'_>, summary: &Summary) -> anyhow::Result<()> {
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
            " (cancelled: run again to finish)"
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
