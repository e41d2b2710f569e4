//! `memlens text EXPORT [--id ID]...`: the embedding text of memories, byte for byte as
//! Omi's backend built it, in the format chosen with the global `--format`.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use crate::omi::Memory;
use crate::omi::export::load_path;
use crate::omi::text::{TextFormat, render};

/// Arguments of `memlens text`.
#[derive(Debug, clap::Args)]
pub struct TextArgs {
    /// The export file (any shape E0–E5).
    pub export: PathBuf,
    /// Only this memory (repeatable). With exactly one memory to print, the text is
    /// printed alone (no header), ready to pipe.
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub kind: super::KindArg,
}

/// One `--json` output line (fields in this order).
#[derive(serde::Serialize)]
struct TextLine<'a> {
    id: &'a str,
    format: &'a str,
    text: &'a str,
}

/// Run `memlens text`.
pub fn run(ctx: &Context, args: TextArgs) -> anyhow::Result<ExitCode> {
    let format: TextFormat = ctx.settings.text_format.parse().context(
        "bad text format (--format, MEMLENS_TEXT_FORMAT or text_format in the config file)",
    )?;
    let export = load_path(&args.export)?;
    if !export.bad_records.is_empty() || !export.duplicates.is_empty() {
        eprintln!(
            "warning: {}: {} bad and {} duplicate records skipped (see memlens check)",
            export.name,
            export.bad_records.len(),
            export.duplicates.len()
        );
    }
    let kind = args.kind.one("text")?;
    if args.kind.generic() || args.kind.facts() {
        return super::kinds::text(ctx, &export, kind, &args.ids);
    }
    if let Some(note) = export.facts_note() {
        eprintln!("note: {}: {note}", export.name);
    }
    let chosen: Vec<&Memory> = if args.ids.is_empty() {
        export.memories.iter().collect()
    } else {
        let mut seen = HashSet::new();
        let mut unknown = Vec::new();
        let mut chosen = Vec::new();
        for id in &args.ids {
            match export.get(id) {
                Some(m) if seen.insert(id.as_str()) => chosen.push(m),
                Some(_) => {}
                None => unknown.push(format!("{id:?}")),
            }
        }
        if !unknown.is_empty() {
            anyhow::bail!(
                "{}: no memory with id {} (it has {} memories; list them with memlens text {} --json)",
                export.name,
                unknown.join(", "),
                export.memories.len(),
                args.export.display()
            );
        }
        chosen
    };
    match write_texts(ctx, format, &chosen) {
        // The reader went away (`| head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// Print the texts (plain, with headers when several, or JSON lines).
fn write_texts(ctx: &Context, format: TextFormat, chosen: &[&Memory]) -> std::io::Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    for (i, m) in chosen.iter().enumerate() {
        let text = render(&m.structured, format);
        if ctx.json {
            let line = TextLine {
                id: &m.id,
                format: format.name(),
                text: &text,
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
        } else if chosen.len() == 1 {
            writeln!(out, "{text}")?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            let flags = match (m.discarded, m.deleted) {
                (true, true) => " [discarded, deleted]",
                (true, false) => " [discarded]",
                (false, true) => " [deleted]",
                _ => "",
            };
            writeln!(out, "── {} ({format}){flags}", m.id)?;
            writeln!(out, "{text}")?;
        }
    }
    out.flush()
}
