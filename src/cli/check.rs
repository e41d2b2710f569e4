//! `memlens check EXPORT`: what an export holds and what is wrong with it: shape, counts,
//! categories, date range, dates without an offset, duplicate ids, every bad record.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::json;

use super::Context;
use crate::omi::export::{Export, Summary, load_path};
use crate::omi::policy::{self, SkipReason};

/// Arguments of `memlens check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The export file (any shape E0–E5: memories.json, conversations.json,
    /// omi-export.json, an API response or a webhook body).
    pub export: PathBuf,
}

/// Run `memlens check`. Exit status: 0 when the file loads (bad records are reported),
/// 1 when the file cannot be read as an export or none of its records loads.
pub fn run(ctx: &Context, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let export = match load_path(&args.export) {
        Ok(e) => e,
        Err(err) if ctx.json => {
            let out = json!({"file": args.export.display().to_string(), "ok": false, "error": err.to_string()});
            println!("{out}");
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    let summary = export.summary();
    let report = if ctx.json {
        format!("{}\n", json_report(&args, &export, &summary))
    } else {
        human_report(&export, &summary)
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(report.as_bytes()).and_then(|()| out.flush()) {
        // The reader went away (`| head`): not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        r => r?,
    }
    if export.all_bad() {
        if !ctx.json {
            eprintln!(
                "error: {}: none of the {} records loaded",
                export.name, export.total_records
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}

fn json_report(args: &CheckArgs, export: &Export, summary: &Summary) -> serde_json::Value {
    let mut v = serde_json::to_value(summary).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert("file".into(), json!(args.export.display().to_string()));
        o.insert("ok".into(), json!(!export.all_bad()));
        o.insert("bytes".into(), json!(export.bytes));
        o.insert("completeness".into(), json!(export.completeness));
        o.insert("incomplete".into(), json!(export.incomplete_reason()));
        o.insert("profile_name".into(), json!(export.profile_name));
        o.insert("bad_record_list".into(), json!(export.bad_records));
        o.insert("duplicate_list".into(), json!(export.duplicates));
        o.insert(
            "fact_bad_record_list".into(),
            json!(export.fact_section.bad_records),
        );
        o.insert(
            "fact_duplicate_list".into(),
            json!(export.fact_section.duplicates),
        );
        let skipped: Vec<_> = skipped(export)
            .into_iter()
            .map(|(id, r)| {
                json!({"memory_id": id, "kind": r.kind(), "label": r.label(), "reason": r.detail(), "skip": r})
            })
            .collect();
        o.insert("skipped_list".into(), json!(skipped));
        let notes: Vec<_> = export
            .memories
            .iter()
            .flat_map(|m| {
                m.notes.iter().map(|n| {
                    json!({"memory_id": m.id, "field": n.field, "problem": n.problem, "raw": n.raw})
                })
            })
            .collect();
        o.insert("note_list".into(), json!(notes));
        o.insert("fact_list".into(), json!(export.facts));
    }
    v
}

/// Memories Omi would not embed, with the reason (the id checked without the uid).
fn skipped(export: &Export) -> Vec<(&str, SkipReason)> {
    export
        .memories
        .iter()
        .filter_map(|m| {
            policy::skip_reason(m, None, policy::Overrides::default()).map(|r| (m.id.as_str(), r))
        })
        .collect()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The report for people.
pub fn human_report(export: &Export, s: &Summary) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<16}{v}\n"));
    line("file", format!("{} ({} bytes)", export.name, export.bytes));
    line("shape", format!("{} {}", s.shape, s.shape_description));
    if let Some(p) = &export.profile_name {
        line("profile", p.clone());
    }
    line(
        "records",
        format!(
            "{} ({} loaded, {}, {})",
            s.records,
            s.memories,
            plural(s.bad_records, "bad", "bad"),
            plural(s.duplicates, "duplicate", "duplicates")
        ),
    );
    if let Some(w) = &s.wrapper {
        line("wrapper", w.clone());
    }
    line(
        "complete",
        match (export.completeness, export.incomplete_reason()) {
            (_, Some(why)) => format!(
                "NO: {why}; orphan deletes are refused (--allow-incomplete-export overrides)"
            ),
            (crate::omi::export::Completeness::Complete, None) => {
                "yes (\"export_complete\": true)".to_string()
            }
            (_, None) => {
                "assumed (this kind of export has no \"export_complete\" marker)".to_string()
            }
        },
    );
    if let Some(f) = &s.facts_note {
        line("facts", f.clone());
    }
    line(
        "memories",
        format!(
            "{} (discarded {}, deleted {})",
            s.memories, s.discarded, s.deleted
        ),
    );
    let skips: Vec<String> = policy::REASONS
        .iter()
        .filter_map(|(k, _)| s.skipped_by_reason.get(*k).map(|n| format!("{n} {k}")))
        .collect();
    line(
        "embeddable",
        if skips.is_empty() {
            format!("{} (all)", s.embeddable)
        } else {
            format!("{}; not embedded: {}", s.embeddable, skips.join(", "))
        },
    );
    match (&s.first_created, &s.last_created) {
        (Some(a), Some(b)) => line("created", format!("{a} … {b}")),
        _ => line("created", "no dates".into()),
    }
    if s.missing_created_at > 0 {
        line(
            "no created_at",
            plural(s.missing_created_at, "memory", "memories"),
        );
    }
    line(
        "ambiguous dates",
        if s.ambiguous_dates == 0 {
            "none".into()
        } else {
            format!(
                "{} in {} (written without an offset: device-local time)",
                plural(s.ambiguous_dates, "date", "dates"),
                plural(s.memories_with_ambiguous_dates, "memory", "memories")
            )
        },
    );
    let mut cats: Vec<(&String, &usize)> = s.by_category.iter().collect();
    cats.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let cats: Vec<String> = cats.iter().map(|(k, n)| format!("{k} {n}")).collect();
    line(
        "categories",
        if cats.is_empty() {
            "none".into()
        } else {
            cats.join(", ")
        },
    );
    if !s.unknown_categories.is_empty() {
        let u: Vec<String> = s
            .unknown_categories
            .iter()
            .map(|(k, n)| format!("{k:?} {n}"))
            .collect();
        line("unknown", format!("{} (counted as other)", u.join(", ")));
    }
    if let Some(source) = s.facts_source {
        let cats: Vec<String> = s
            .facts_by_category
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        line(
            "facts",
            format!(
                "{} from the {source} ({}, {})",
                s.facts_loaded,
                plural(s.fact_bad_records, "bad", "bad"),
                plural(s.fact_duplicates, "duplicate", "duplicates")
            ),
        );
        line(
            "fact categories",
            if cats.is_empty() {
                "none".into()
            } else {
                cats.join(", ")
            },
        );
        let api: Vec<String> = s
            .facts_by_api_category
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        if s.facts_by_api_category
            .keys()
            .ne(s.facts_by_category.keys())
        {
            line("  as the API", api.join(", "));
        }
    }
    if !export.fact_section.duplicates.is_empty() {
        out.push_str("\nduplicate fact ids (later records skipped):\n");
        for d in &export.fact_section.duplicates {
            out.push_str(&format!(
                "  fact {}: id {:?} already at fact {}\n",
                d.index, d.id, d.first_index
            ));
        }
    }
    if !export.fact_section.bad_records.is_empty() {
        out.push_str("\nbad fact records (skipped):\n");
        for b in &export.fact_section.bad_records {
            let id =
                b.id.as_ref()
                    .map(|i| format!(" id {i:?}"))
                    .unwrap_or_default();
            out.push_str(&format!(
                "  fact {}{id} (line {}): {}\n",
                b.index, b.line, b.reason
            ));
        }
    }
    let skipped = skipped(export);
    if !skipped.is_empty() {
        const SHOWN: usize = 50;
        out.push_str("\nnot embedded (Omi would not write these):\n");
        for (id, r) in skipped.iter().take(SHOWN) {
            let detail = r.detail();
            let more = if detail == r.label() {
                String::new()
            } else {
                format!(": {detail}")
            };
            out.push_str(&format!("  {id:?}: skipped ({}){more}\n", r.label()));
        }
        if skipped.len() > SHOWN {
            out.push_str(&format!(
                "  … and {} more (--json lists them all)\n",
                skipped.len() - SHOWN
            ));
        }
    }
    let noted: Vec<_> = export
        .memories
        .iter()
        .filter(|m| !m.notes.is_empty())
        .collect();
    if !noted.is_empty() {
        out.push_str("\ndisplay-only fields with problems (records kept):\n");
        for m in noted {
            for n in &m.notes {
                out.push_str(&format!(
                    "  {:?} {}: {} (raw: {})\n",
                    m.id, n.field, n.problem, n.raw
                ));
            }
        }
    }
    if !export.duplicates.is_empty() {
        out.push_str("\nduplicate ids (later records skipped):\n");
        for d in &export.duplicates {
            out.push_str(&format!(
                "  record {}: id {:?} already at record {}\n",
                d.index, d.id, d.first_index
            ));
        }
    }
    if !export.bad_records.is_empty() {
        out.push_str("\nbad records (skipped):\n");
        for b in &export.bad_records {
            let id =
                b.id.as_ref()
                    .map(|i| format!(" id {i:?}"))
                    .unwrap_or_default();
            out.push_str(&format!(
                "  record {}{id} (line {}): {}\n",
                b.index, b.line, b.reason
            ));
        }
    }
    out
}
