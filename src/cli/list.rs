//! `memlens list EXPORT`: one line per memory — id, created date, title — to find the id
//! the other commands take. `--json`: one `{"id","created_at","created_at_ambiguous",
//! "title","discarded"}` per line (`created_at` in RFC 3339, UTC, or null; ambiguous when
//! the export gave no offset and UTC was assumed).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::omi::export::load_path;

/// Arguments of `memlens list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
}

/// Run `memlens list`.
pub fn run(ctx: &Context, args: ListArgs) -> anyhow::Result<ExitCode> {
    let export = load_path(&args.export)?;
    if !export.bad_records.is_empty() {
        eprintln!(
            "{}",
            super::style::warning(&format!(
                "{}: {} skipped (memlens check lists them)",
                export.name,
                crate::words::count(export.bad_records.len(), "bad record", "bad records")
            ))
        );
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for m in &export.memories {
        // RFC 3339 in UTC; an export date without an offset is read as UTC and flagged.
        let created = m.created_at.as_ref().and_then(|d| {
            chrono::DateTime::from_timestamp(d.timestamp(), 0)
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        });
        let ambiguous = m.created_at.as_ref().is_some_and(|d| d.is_ambiguous());
        if ctx.json {
            let line = serde_json::json!({
                "id": m.id,
                "created_at": created,
                "created_at_ambiguous": ambiguous,
                "title": m.structured.title,
                "discarded": m.discarded,
            });
            writeln!(out, "{line}")?;
        } else {
            let day = m
                .created_at
                .as_ref()
                .map(|d| d.naive.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "—".repeat(10));
            let title = if m.structured.title.is_empty() {
                "(untitled)"
            } else {
                m.structured.title.as_str()
            };
            let flag = if m.discarded { "  (discarded)" } else { "" };
            writeln!(out, "{}  {day}  {title}{flag}", m.id)?;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
