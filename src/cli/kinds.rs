//! `--kind facts` (`ns2`), `--kind action-items` (`ns4`) and `--kind chunks`
//! (`ns_tchunks`) for `text`, `status` and `orphans`, the last two also for `reprocess`
//! and `search`, and `status --kind all`: thin printing over the engine's record-kind
//! machinery (`sync::kinds`), which does the same work for every kind. (Facts' search,
//! drift and journaled reprocess are in [`super::facts`] and [`super::reprocess`].)

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::json;

use super::Context;
use super::search::{load_export, open_embedder, open_store, resolve_uid};
use crate::omi::chunks::transcript_chunks;
use crate::omi::export::Export;
use crate::omi::record_kind::Kind;
use crate::omi::text::TextFormat;
use crate::sync::daterange::DateRange;
use crate::sync::kinds::status::{
    KindReport, RecordStatus, explain_action_item_orphans, kind_status, kind_status_in,
};
use crate::sync::kinds::write::{self, Selection};
use crate::sync::kinds::{CHUNKS_MISSING, chunk_skip, record_kind};
use crate::sync::lock::{DataDirLock, Role};
use crate::sync::search::hit_date;
use crate::words::counted;

/// One line for a terminal: control characters as spaces (export text is untrusted).
pub(super) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn format(ctx: &Context) -> anyhow::Result<TextFormat> {
    ctx.settings.text_format.parse().context(
        "bad text format (--format, MEMLENS_TEXT_FORMAT or text_format in the config file)",
    )
}

/// The export's note for a kind it cannot hold (`None` when it can).
pub(super) fn absent(export: &Export, kind: Kind) -> Option<String> {
    match kind {
        Kind::ActionItems => export
            .action_items
            .absent_note()
            .map(|n| format!("{}: {n}", export.name)),
        _ => None,
    }
}

/// The error of a facts command on an export without facts.
pub(super) fn no_facts(export: &Export) -> anyhow::Error {
    anyhow::anyhow!(
        "{}: no facts (an omi-export.json `memories` section, or a /v3/memories or developer API list of facts)",
        export.name
    )
}

/// What a row shows after its id: `  cos 0.99912` when verified, `  (reason)` when there
/// is one.
pub(super) fn sim_reason(similarity: Option<f32>, reason: Option<&str>) -> String {
    let sim = similarity
        .map(|s| format!("  cos {s:.5}"))
        .unwrap_or_default();
    let reason = reason.map(|r| format!("  ({r})")).unwrap_or_default();
    format!("{sim}{reason}")
}

/// `2 present, 1 missing` from counts per status word, non-zero only (`nothing` when
/// all are zero).
pub(super) fn counts_line<'a>(counts: impl IntoIterator<Item = (&'a str, usize)>) -> String {
    let parts: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

/// Write `text` to stdout; a closed pipe is not an error.
pub(super) fn emit(text: &str) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}

/// `memlens text --kind facts|action-items|chunks EXPORT [--id ID]…`: Omi's exact texts
/// (facts: the content, omi-facts.md §F5.1; chunks: §1.1; action items: the description,
/// §2.1). `--id` names conversations for chunks, facts and items for the others.
pub fn text(
    ctx: &Context,
    export: &Export,
    kind: Kind,
    ids: &[String],
) -> anyhow::Result<ExitCode> {
    if let Some(note) = absent(export, kind) {
        bail!("{note}");
    }
    let out = match kind {
        Kind::Chunks => records_text(ctx, export, kind, ids)?,
        Kind::ActionItems => {
            let section = &export.action_items;
            if let Some(note) = section.empty_note() {
                eprintln!("note: {}: {note}", export.name);
            }
            let mut out = records_text(ctx, export, kind, ids)?;
            if ids.is_empty() {
                for c in &section.candidates {
                    let line = format!(
                        "candidate: Omi writes no vector: {}",
                        one_line(&c.description)
                    );
                    if ctx.json {
                        eprintln!("note: {line}");
                    } else {
                        writeln!(out, "\n{line}")?;
                    }
                }
            }
            out
        }
        Kind::Facts => facts_text(ctx, export, ids)?,
        other => bail!("memlens text --kind {} is printed elsewhere", other.word()),
    };
    emit(&out)
}

/// True when the export holds the owner `id` names: a conversation for chunks, an item
/// for action items (`--id` of `text`).
fn owner_in_export(export: &Export, kind: Kind, id: &str) -> bool {
    match kind {
        Kind::ActionItems => export.action_items.get(id).is_some(),
        Kind::Facts => export.fact_section.get(id).is_some(),
        Kind::Conversations | Kind::Chunks => export.get(id).is_some(),
    }
}

/// `text --kind action-items|chunks`, written once over the kind's records
/// ([`crate::sync::kinds::RecordKind::expected`]): each record's exact text, or with
/// `--json` one line per record: `id` (the vector id), the metadata Omi writes that the
/// export determines (the kind's metadata keys but `uid`, and but `created_at` when Omi
/// stamps the upsert time), then `text` — chunks `{"id","conversation_id","chunk_index",
/// "created_at","text"}`, action items `{"id","action_item_id","text"}`. `ids` name
/// owners; a named owner Omi writes no record for (a conversation the chunk backfill
/// skips) is said on stderr.
fn records_text(
    ctx: &Context,
    export: &Export,
    kind: Kind,
    ids: &[String],
) -> anyhow::Result<String> {
    let (noun, _) = owner_unit(kind);
    for id in ids {
        if !owner_in_export(export, kind, id) {
            bail!("{}: no {noun} with id {id:?}", export.name);
        }
    }
    let uid = resolve_uid(&ctx.settings, Some(export)).unwrap_or_default();
    let rk = record_kind(kind, format(ctx)?);
    let spec = kind.spec();
    let keys: Vec<&str> = spec
        .metadata_keys
        .iter()
        .copied()
        .filter(|k| *k != "uid" && !(spec.upsert_time && *k == "created_at"))
        .collect();
    let expected = rk.expected(export, &uid, 0);
    let rows = expected
        .iter()
        .filter(|e| ids.is_empty() || ids.contains(&e.owner))
        .map(|e| Ok((e.vector_id.clone(), json_line(e, &keys)?, e.text.as_str())))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut out = String::new();
    write_texts(&mut out, ctx.json, &rows)?;
    let named_skips: Vec<_> = rk
        .skipped_owners(export)
        .into_iter()
        .filter(|s| ids.contains(&s.owner))
        .collect();
    for s in &named_skips {
        eprintln!("note: {noun} {}: {}: no {}", s.owner, s.reason, unit(kind));
    }
    if rows.is_empty() && named_skips.is_empty() && kind == Kind::Chunks {
        eprintln!("note: no transcript lines, so no chunks (§1.1 step 3)");
    }
    Ok(out)
}

/// One `--json` line of [`records_text`]: `{"id":…,<keys from the metadata>…,"text":…}`,
/// in that order, compact (numbers the metadata holds as integers print as integers).
fn json_line(e: &crate::sync::kinds::Expected, keys: &[&str]) -> anyhow::Result<String> {
    let mut line = format!("{{\"id\":{}", serde_json::to_string(&e.vector_id)?);
    for key in keys {
        let value = e
            .metadata
            .get(*key)
            .map_or(serde_json::Value::Null, crate::store::filter::meta_json);
        write!(line, ",{}:{value}", serde_json::to_string(key)?)?;
    }
    write!(line, ",\"text\":{}}}", serde_json::to_string(&e.text)?)?;
    Ok(line)
}

/// `text --kind facts`: the content alone for one `--id`, else each under `=== id
/// [category]`; `--json`: `{"id","format","text"}` lines.
fn facts_text(ctx: &Context, export: &Export, ids: &[String]) -> anyhow::Result<String> {
    if export.fact_section.source.is_none() {
        return Err(no_facts(export));
    }
    let chosen = super::facts::chosen(export, ids)?;
    let mut out = String::new();
    if ctx.json {
        for f in &chosen {
            let v = json!({"id": f.id, "format": crate::omi::fact_conventions::FACT_TEXT_FORMAT, "text": f.content});
            writeln!(out, "{v}")?;
        }
    } else if chosen.len() == 1 && !ids.is_empty() {
        writeln!(out, "{}", chosen[0].content)?;
    } else {
        for f in &chosen {
            writeln!(out, "=== {} [{}]", f.id, f.category.raw())?;
            writeln!(out, "{}", f.content)?;
        }
    }
    Ok(out)
}

/// Print `(vector id, JSON line, text)` rows: JSON lines, the text alone when there is
/// one, else each text under a `── {id}` header.
fn write_texts(out: &mut String, json: bool, rows: &[(String, String, &str)]) -> std::fmt::Result {
    for (i, (id, line, text)) in rows.iter().enumerate() {
        if json {
            writeln!(out, "{line}")?;
        } else if rows.len() == 1 {
            writeln!(out, "{text}")?;
        } else {
            if i > 0 {
                writeln!(out)?;
            }
            writeln!(out, "── {id}")?;
            writeln!(out, "{text}")?;
        }
    }
    Ok(())
}

/// Look up one kind for an export (with the ns4 orphan causes when an embedder is at hand),
/// in the kind's namespace ([`super::namespace_for`]).
async fn report(
    ctx: &Context,
    export: &Export,
    kind: Kind,
    uid: &str,
    verify: bool,
) -> anyhow::Result<KindReport> {
    let store = open_store(&ctx.settings).await?;
    let rk = record_kind(kind, format(ctx)?);
    let namespace = super::namespace_for(&ctx.settings, kind);
    let embedder = if verify {
        Some(open_embedder(&ctx.settings)?)
    } else {
        open_embedder(&ctx.settings).ok()
    };
    let verify_with = if verify { embedder.as_deref() } else { None };
    let mut report = kind_status_in(
        store.as_ref(),
        rk.as_ref(),
        &namespace,
        export,
        uid,
        verify_with,
        |_, _| {},
    )
    .await
    .with_context(|| format!("cannot look up the {}", kind.spec().noun))?;
    if kind == Kind::ActionItems
        && let Some(e) = embedder.as_deref()
        && let Err(err) = explain_action_item_orphans(store.as_ref(), e, export, &mut report).await
    {
        eprintln!("note: cannot tell the orphans' conversations: {err}");
    }
    Ok(report)
}

fn counts_json(report: &KindReport) -> serde_json::Value {
    json!(report.counts())
}

/// The JSON of a kind's status: what every kind's has (`kind`, `uid`, `namespace`,
/// `store`, `verified`, `listed`, `requests`, `counts`, `orphans`), then `rows` (the
/// kind's own keys, in order).
fn status_json(r: &KindReport, store: &str, rows: serde_json::Value) -> anyhow::Result<String> {
    let mut v = json!({
        "kind": r.kind.word(),
        "uid": r.uid,
        "namespace": r.namespace,
        "store": store,
        "verified": r.verified,
        "listed": r.listed,
        "requests": r.requests,
        "counts": counts_json(r),
        "unit": unit(r.kind),
        "skipped_owners": r.skipped_owners.len(),
        "owner_unit": owner_unit(r.kind).1,
    });
    if let (Some(o), serde_json::Value::Object(rows)) = (v.as_object_mut(), rows) {
        o.extend(rows);
        o.insert("orphans".into(), json!(orphans_json(r)));
    }
    Ok(format!("{}\n", serde_json::to_string_pretty(&v)?))
}

/// `memlens status --kind facts|action-items|chunks EXPORT [--verify]`.
pub async fn status(
    ctx: &Context,
    path: &Path,
    kind: Kind,
    verify: bool,
) -> anyhow::Result<String> {
    let export = load_export(path, Some(kind))?;
    if kind == Kind::Facts {
        return super::facts::status(ctx, &export, verify).await;
    }
    if let Some(note) = absent(&export, kind) {
        bail!("{note}");
    }
    if kind == Kind::ActionItems
        && let Some(note) = export.action_items.empty_note()
    {
        eprintln!("note: {}: {note}", export.name);
    }
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let r = report(ctx, &export, kind, &uid, verify).await?;
    let store = open_store(&ctx.settings).await?.target();
    let mut out = String::new();
    match kind {
        Kind::ActionItems => action_items_status(ctx, &export, &r, &store, &mut out)?,
        _ => chunks_status(ctx, &export, &r, &store, &mut out)?,
    }
    Ok(out)
}

fn orphans_json(r: &KindReport) -> Vec<serde_json::Value> {
    r.orphans
        .iter()
        .map(|o| {
            json!({
                "vector_id": o.vector_id,
                "status": "orphan",
                "owner": o.owner,
                "conversation_id": o.conversation_id,
                "cause": o.cause,
                "created_at": o.created_at,
                "kept": o.kept,
            })
        })
        .collect()
}

fn action_items_status(
    ctx: &Context,
    export: &Export,
    r: &KindReport,
    store: &str,
    out: &mut String,
) -> anyhow::Result<()> {
    let section = &export.action_items;
    if ctx.json {
        let rows: Vec<_> = r
            .records
            .iter()
            .map(|s| {
                let item = section.get(&s.owner);
                json!({
                    "action_item_id": s.owner,
                    "vector_id": s.vector_id,
                    "description": item.map(|i| i.description.as_str()),
                    "conversation_id": item.and_then(|i| i.conversation_id.as_deref()),
                    "completed": item.map(|i| i.completed),
                    "status": s.status.word(),
                    "reason": s.reason,
                    "similarity": s.similarity,
                })
            })
            .collect();
        let candidates: Vec<_> = section
            .candidates
            .iter()
            .map(|c| json!({"id": c.id, "description": c.description, "conversation_id": c.conversation_id, "status": "candidate", "reason": "candidate: Omi writes no vector"}))
            .collect();
        let own = json!({"action_items": rows, "candidates": candidates});
        out.push_str(&status_json(r, store, own)?);
        return Ok(());
    }
    writeln!(
        out,
        "{} · uid {} · namespace {} · {store}{}",
        counted(section.items.len(), "action item"),
        r.uid,
        r.namespace,
        if r.verified { " · verified" } else { "" }
    )?;
    for s in &r.records {
        let desc = section
            .get(&s.owner)
            .map(|i| one_line(&i.description))
            .unwrap_or_default();
        writeln!(
            out,
            "  {:<8} {}  {desc}{}",
            s.status.word(),
            s.owner,
            sim_reason(s.similarity, s.reason.as_deref())
        )?;
    }
    for c in &section.candidates {
        writeln!(
            out,
            "  {:<8} {}  {}  (candidate: Omi writes no vector)",
            "none",
            c.id.as_deref().unwrap_or("-"),
            one_line(&c.description)
        )?;
    }
    for o in &r.orphans {
        let via = o
            .conversation_id
            .as_deref()
            .map(|c| format!(" [conversation {c}]"))
            .unwrap_or_default();
        writeln!(out, "  {:<8} {}  {}{via}", "orphan", o.vector_id, o.cause)?;
    }
    writeln!(out, "{}", summary(r))?;
    Ok(())
}

/// What a kind's counts count: `conversations`, `facts`, `action items`, `chunks` (each
/// a record of the kind's namespace).
fn unit(kind: Kind) -> &'static str {
    match kind {
        Kind::Chunks => "chunks",
        other => other.spec().noun,
    }
}

/// What the kind's owners are: a chunk's is a conversation, the others own themselves.
fn owner_unit(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Chunks | Kind::Conversations => ("conversation", "conversations"),
        Kind::Facts => ("fact", "facts"),
        Kind::ActionItems => ("action item", "action items"),
    }
}

/// The counts of a report with their units, the same in the account view and in a kind's
/// own status: `chunks: 1470 missing, 2 orphan; 10 conversations skipped (no chunks)` —
/// the records of the kind's namespace per status, then the owners Omi writes no record
/// for, counted as what they are.
fn summary(r: &KindReport) -> String {
    let mut out = format!("{}: {}", unit(r.kind), counts_line(r.counts()));
    if !r.skipped_owners.is_empty() {
        let (one, many) = owner_unit(r.kind);
        write!(
            out,
            "; {} skipped (no {})",
            crate::words::count(r.skipped_owners.len(), one, many),
            unit(r.kind)
        )
        .expect("writing to a String");
    }
    out
}

/// Per conversation: Omi's chunk count, stored, and the counts per status.
#[derive(Default, serde::Serialize)]
struct ConversationChunks {
    conversation_id: String,
    title: String,
    would_write: usize,
    stored: usize,
    skip: Option<String>,
    counts: BTreeMap<&'static str, usize>,
    orphans: Vec<String>,
}

fn chunks_status(
    ctx: &Context,
    export: &Export,
    r: &KindReport,
    store: &str,
    out: &mut String,
) -> anyhow::Result<()> {
    let mut per: BTreeMap<&str, ConversationChunks> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for m in &export.memories {
        order.push(&m.id);
        per.insert(
            &m.id,
            ConversationChunks {
                conversation_id: m.id.clone(),
                title: m.structured.title.clone(),
                skip: chunk_skip(m),
                ..Default::default()
            },
        );
    }
    for s in &r.records {
        if let Some(c) = per.get_mut(s.owner.as_str()) {
            if s.status != RecordStatus::Skipped {
                c.would_write += 1;
            }
            if matches!(
                s.status,
                RecordStatus::Present | RecordStatus::Fresh | RecordStatus::Stale
            ) {
                c.stored += 1;
            }
            *c.counts.entry(s.status.word()).or_default() += 1;
        }
    }
    // A conversation Omi's backfill takes but whose transcript makes no chunk says so.
    for (id, c) in per.iter_mut() {
        if c.skip.is_none() && c.would_write == 0 {
            c.skip = crate::sync::kinds::RecordKind::empty_owner(
                &crate::sync::kinds::Chunks,
                export,
                id,
            );
        }
    }
    let mut elsewhere: Vec<&crate::sync::kinds::status::KindOrphan> = Vec::new();
    for o in &r.orphans {
        match o.owner.as_deref().and_then(|c| per.get_mut(c)) {
            Some(c) => {
                c.stored += 1;
                c.orphans.push(o.vector_id.clone());
                *c.counts.entry("orphan").or_default() += 1;
            }
            None => elsewhere.push(o),
        }
    }
    let none_stored = r.listed == 0;
    if ctx.json {
        let records: Vec<_> = r
            .records
            .iter()
            .map(|s| {
                json!({
                    "vector_id": s.vector_id,
                    "conversation_id": s.owner,
                    "chunk": s.key,
                    "status": s.status.word(),
                    "reason": s.reason,
                    "similarity": s.similarity,
                })
            })
            .collect();
        let conversations: Vec<_> = order.iter().filter_map(|id| per.get(id)).collect();
        let own = json!({
            "note": none_stored.then_some(NO_CHUNKS),
            "conversations": conversations,
            "chunks": records,
        });
        out.push_str(&status_json(r, store, own)?);
        return Ok(());
    }
    writeln!(
        out,
        "{} · {} Omi's backfill would write · uid {} · namespace {} · {store}{}",
        counted(export.memories.len(), "conversation"),
        counted(r.omi_would_hold(), "chunk"),
        r.uid,
        r.namespace,
        if r.verified { " · verified" } else { "" }
    )?;
    if none_stored {
        writeln!(out, "{NO_CHUNKS}")?;
    }
    for id in &order {
        let c = &per[id];
        let counts: Vec<String> = c.counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let skip = c
            .skip
            .as_deref()
            .map(|s| format!("  ({s})"))
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  {} · {} stored{}{skip}",
            c.conversation_id,
            if c.title.trim().is_empty() {
                "(untitled)".to_string()
            } else {
                one_line(&c.title)
            },
            counted(c.would_write, "chunk"),
            c.stored,
            if counts.is_empty() {
                String::new()
            } else {
                format!(" · {}", counts.join(", "))
            }
        )?;
        for s in r.records.iter().filter(|s| s.owner == **id) {
            if matches!(s.status, RecordStatus::Stale) {
                writeln!(
                    out,
                    "      stale    {}  {}",
                    s.vector_id,
                    s.reason.as_deref().unwrap_or("")
                )?;
            }
        }
        for o in r.orphans.iter().filter(|o| o.owner.as_deref() == Some(*id)) {
            writeln!(out, "      orphan   {}  {}", o.vector_id, o.cause)?;
        }
    }
    for o in &elsewhere {
        writeln!(out, "  orphan   {}  {}", o.vector_id, o.cause)?;
    }
    if !none_stored && r.counts().get("missing").copied().unwrap_or(0) > 0 {
        writeln!(
            out,
            "missing: {CHUNKS_MISSING}, so a missing chunk is normal"
        )?;
    }
    writeln!(out, "{}", summary(r))?;
    Ok(())
}

/// What `status --kind chunks` says of an account without chunks (§1.3).
const NO_CHUNKS: &str = "this account has no transcript chunks: Omi writes them only by backfill (normal for most accounts)";

/// `memlens status --kind all EXPORT`: per namespace, what Omi would hold for the export,
/// what the store holds, and the counts per status (the same machinery for every kind).
pub async fn status_all(ctx: &Context, path: &Path, verify: bool) -> anyhow::Result<String> {
    let export = load_export(path, None)?;
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let mut rows = Vec::new();
    for kind in Kind::ALL {
        if let Some(note) = absent(&export, kind) {
            rows.push((kind, Err(note)));
            continue;
        }
        rows.push((kind, Ok(report(ctx, &export, kind, &uid, verify).await?)));
    }
    let mut out = String::new();
    if ctx.json {
        let kinds: Vec<_> = rows
            .iter()
            .map(|(k, r)| match r {
                Ok(r) => json!({
                    "kind": k.word(),
                    "namespace": r.namespace,
                    "omi_would_hold": r.omi_would_hold(),
                    "stored": r.listed,
                    "counts": counts_json(r),
                    "requests": r.requests,
                    "unit": unit(*k),
                    "skipped_owners": r.skipped_owners.len(),
                    "owner_unit": owner_unit(*k).1,
                }),
                Err(note) => {
                    json!({"kind": k.word(), "namespace": k.default_namespace(), "note": note})
                }
            })
            .collect();
        let v = json!({"uid": uid, "verified": verify, "kinds": kinds});
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(out);
    }
    writeln!(out, "uid {uid} · {}", export.name)?;
    writeln!(
        out,
        "  {:<12} {:<18} {:>10} {:>8}  counts",
        "namespace", "kind", "Omi holds", "stored"
    )?;
    for (k, r) in &rows {
        match r {
            Ok(r) => writeln!(
                out,
                "  {:<12} {:<18} {:>10} {:>8}  {}",
                r.namespace,
                k.spec().noun,
                r.omi_would_hold(),
                r.listed,
                summary(r)
            )?,
            Err(note) => writeln!(
                out,
                "  {:<12} {:<18} {:>10} {:>8}  {note}",
                k.default_namespace(),
                k.spec().noun,
                "-",
                "-"
            )?,
        }
    }
    writeln!(
        out,
        "Omi holds and stored count each row's own records (conversations, facts, action items, chunks)"
    )?;
    Ok(out)
}

/// The writer lock of the data dir, as the conversations' reprocess takes it: a second
/// writer is refused with the holder's pid ("a reprocess of this data dir is running
/// (pid N)…").
pub(crate) fn writer_lock(ctx: &Context) -> anyhow::Result<DataDirLock> {
    Ok(DataDirLock::acquire(
        &ctx.settings.data_dir,
        Role::Reprocess,
    )?)
}

/// `memlens orphans --kind facts|action-items|chunks EXPORT [--delete --yes]`: the kind's
/// stored ids Omi's rules say should not be there, with the likely cause; a dry run
/// unless `--delete --yes`, which holds the writer lock and refuses an incomplete export
/// (unless `--allow-incomplete-export`). Orphans the kind never deletes (a foreign fact
/// record) are listed and kept.
pub async fn orphans(
    ctx: &Context,
    path: &Path,
    kind: Kind,
    delete: bool,
    yes: bool,
    allow_incomplete_export: bool,
) -> anyhow::Result<(String, ExitCode)> {
    let export = load_export(path, Some(kind))?;
    if let Some(note) = absent(&export, kind) {
        bail!("{note}");
    }
    if kind == Kind::Facts && export.fact_section.source.is_none() {
        return Err(no_facts(&export));
    }
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let r = report(ctx, &export, kind, &uid, false).await?;
    let ids: Vec<String> = r
        .orphans
        .iter()
        .filter(|o| o.kept.is_none())
        .map(|o| o.vector_id.clone())
        .collect();
    let missing = r.counts().get("missing").copied().unwrap_or(0);
    let incomplete = r.export_incomplete.clone();
    let deleting = delete && yes && !ids.is_empty();
    if deleting
        && !allow_incomplete_export
        && let Some(why) = &incomplete
    {
        return Err(crate::sync::orphans::OrphanError::IncompleteExport(why.clone()).into());
    }
    let deleted = if deleting {
        let _lock = writer_lock(ctx)?;
        let store = open_store(&ctx.settings).await?;
        Some(
            write::delete_ids_in(
                store.as_ref(),
                kind,
                &r.namespace,
                &uid,
                &ids,
                true,
                ctx.settings.read_only,
            )
            .await?,
        )
    } else {
        None
    };
    let mut out = String::new();
    if ctx.json {
        let v = json!({
            "kind": kind.word(),
            "namespace": r.namespace,
            "uid": uid,
            "listed": r.listed,
            "requests": r.requests,
            "missing": missing,
            "orphans": orphans_json(&r),
            "unreadable": r.unreadable,
            "export_incomplete": r.export_incomplete,
            "deleted": deleted.unwrap_or(0),
            "dry_run": deleted.is_none(),
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok((out, ExitCode::SUCCESS));
    }
    writeln!(
        out,
        "{} under {} in namespace {} · {} · {missing} {} without a vector",
        counted(r.listed, "vector"),
        record_kind(kind, format(ctx)?).list_prefix(&uid),
        r.namespace,
        counted(r.orphans.len(), "orphan"),
        kind.spec().noun
    )?;
    if let Some(why) = &incomplete {
        writeln!(
            out,
            "warning: {why}: these vectors are not in this export, which does not make them orphans"
        )?;
    }
    for id in &r.unreadable {
        writeln!(
            out,
            "  kept  {}  (its record is in the export but could not be read: never an orphan)",
            one_line(id)
        )?;
    }
    for o in &r.orphans {
        let date = o
            .created_at
            .and_then(|c| hit_date(c).date)
            .unwrap_or_else(|| "no created_at".into());
        let kept = o
            .kept
            .as_deref()
            .map(|k| format!("  [{k}]"))
            .unwrap_or_default();
        writeln!(out, "  {}  {date}  {}{kept}", o.vector_id, o.cause)?;
    }
    match deleted {
        Some(n) => writeln!(out, "deleted {}", counted(n, "orphan vector"))?,
        None if delete && !ids.is_empty() => writeln!(
            out,
            "dry run: add --yes to delete {}",
            counted(ids.len(), "vector")
        )?,
        None if !ids.is_empty() => writeln!(
            out,
            "dry run: nothing deleted (memlens orphans EXPORT --kind {} --delete --yes deletes them)",
            kind.word()
        )?,
        None => {}
    }
    Ok((out, ExitCode::SUCCESS))
}

/// What `reprocess --kind action-items|chunks` was asked.
pub struct ReprocessAsk<'a> {
    pub kind: Kind,
    pub ids: &'a [String],
    pub missing: bool,
    pub limit: Option<usize>,
    pub clear_orphans: bool,
    pub dry_run: bool,
    pub yes: bool,
    /// `--force`: rewrite records the journal says are unchanged.
    pub force: bool,
    /// `--allow-incomplete-export`: clear orphans even from an incomplete export.
    pub allow_incomplete_export: bool,
}

/// The record kind a command works on, conversations rendered in the settings' format.
pub(super) fn record_kind_of(
    ctx: &Context,
    kind: Kind,
) -> anyhow::Result<Box<dyn crate::sync::kinds::RecordKind>> {
    Ok(record_kind(kind, format(ctx)?))
}

/// `memlens reprocess --kind action-items|chunks EXPORT (--id ID… | --missing | --all)
/// [--limit N] [--clear-orphans]`, inside `reprocess`'s flow (lock, journal, unfinished
/// runs, progress, summary — [`super::reprocess::execute`]): the plan first, then Omi's
/// exact records through the journalled job `rp` (batches of 100; chunks: Omi's backfill
/// rules, §1.3; action items: `created_at` = upsert time, §2.1), then the orphan ids
/// deleted. `--json`: JSON lines (`plan`, `progress`…, `summary`, `deleted`).
pub(super) async fn reprocess(
    ctx: &Context,
    o: &mut super::reprocess::Output<'_>,
    rp: &crate::sync::reprocess::Reprocessor,
    export: &Export,
    ask: &ReprocessAsk<'_>,
    cancel: &crate::sync::reprocess::CancelFlag,
) -> anyhow::Result<ExitCode> {
    let uid = rp.uid()?.to_string();
    let rk = record_kind_of(ctx, ask.kind)?;
    let report = if ask.missing || ask.clear_orphans {
        Some(
            kind_status(rp.store(), rk.as_ref(), export, &uid, None, |_, _| {})
                .await
                .context("cannot look up what is stored")?,
        )
    } else {
        None
    };
    let selection = Selection {
        owners: ask.ids.to_vec(),
        limit: ask.limit,
        only_needed: ask.missing,
        clear_orphans: ask.clear_orphans,
    };
    let mut plan = write::plan(rk.as_ref(), export, &uid, report.as_ref(), &selection)?;
    if !ask.force {
        write::skip_unchanged(rp, &mut plan).await?;
    }
    let incomplete = crate::sync::kinds::incomplete_reason(ask.kind, export);
    if o.json {
        // The plan's own fields, as the conversations' `plan` line carries its plan's.
        let mut body = serde_json::to_value(&plan)?;
        body["store"] = rp.store().target().into();
        body["warnings"] = json!(incomplete.iter().collect::<Vec<_>>());
        body["dry_run"] = ask.dry_run.into();
        o.event("plan", body)?;
    } else {
        o.text(&render_write_plan(
            &plan,
            rp.store().target(),
            ask,
            incomplete.as_deref(),
        ))?;
    }
    if !ask.dry_run
        && !plan.deletes.is_empty()
        && !ask.allow_incomplete_export
        && let Some(why) = incomplete
    {
        return Err(crate::sync::orphans::OrphanError::IncompleteExport(why).into());
    }
    // The last line says what was written: nothing for a dry run or an empty plan.
    let nothing = json!({"upserted": 0, "deleted": 0, "batches": 0, "dry_run": ask.dry_run});
    if ask.dry_run || (plan.upserts.is_empty() && plan.deletes.is_empty()) {
        if o.json {
            o.event("summary", nothing)?;
        } else if !ask.dry_run {
            o.text("nothing to write\n")?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(code) = super::reprocess::refuse(rp, o, rp.store().is_remote(), ask.yes, "")? {
        return Ok(code);
    }
    let done = write::apply(rp, &plan, true, |p| o.progress(p), cancel).await;
    o.end_progress();
    let done = done?;
    if o.json {
        // The job's summary (as the conversations' last line), with what this kind's
        // write adds: records upserted, orphan ids deleted, batches planned.
        let mut body = serde_json::to_value(&done.summary)?;
        body["upserted"] = done.upserted.into();
        body["deleted"] = done.deleted.into();
        body["batches"] = plan.upserts.len().div_ceil(rp.config().batch_size).into();
        body["dry_run"] = false.into();
        o.event("summary", body)?;
    } else {
        super::reprocess::print_summary(o, &done.summary)?;
        if !plan.deletes.is_empty() {
            o.text(&format!("deleted {}\n", counted(done.deleted, "orphan id")))?;
        }
    }
    Ok(if done.summary.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// A kind's write plan, for people; a dry run says that nothing was written.
fn render_write_plan(
    plan: &write::WritePlan,
    target: String,
    ask: &ReprocessAsk<'_>,
    incomplete: Option<&str>,
) -> String {
    let batches = plan.upserts.len().div_ceil(write::BATCH);
    let mut out = format!(
        "plan: upsert {} and delete {} in {} for uid {} ({target}) · {} ({}) · {}\n",
        counted(plan.upserts.len(), "record"),
        counted(plan.deletes.len(), "orphan id"),
        plan.namespace,
        plan.uid,
        counted(
            plan.owners,
            if ask.kind == Kind::Chunks {
                "conversation"
            } else {
                "item"
            }
        ),
        ask.kind.spec().spec,
        if batches == 1 {
            "1 batch".to_string()
        } else {
            format!("{batches} batches of up to {}", write::BATCH)
        }
    );
    // Skipped records by reason: the first few of each, then how many more.
    const SHOWN: usize = 10;
    let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
    for (key, why) in &plan.skipped {
        match by_reason.iter_mut().find(|(w, _)| *w == why.as_str()) {
            Some((_, keys)) => keys.push(key),
            None => by_reason.push((why, vec![key])),
        }
    }
    for (why, keys) in &by_reason {
        for key in keys.iter().take(SHOWN) {
            let _ = writeln!(out, "  skip  {}  ({})", one_line(key), one_line(why));
        }
        if keys.len() > SHOWN {
            let _ = writeln!(
                out,
                "  … and {} more skipped ({}; --json lists them all)",
                keys.len() - SHOWN,
                one_line(why)
            );
        }
    }
    for id in &plan.deletes {
        let _ = writeln!(out, "  delete  {}", one_line(id));
    }
    if let Some(why) = incomplete {
        let _ = writeln!(out, "warning: {why}");
    }
    if ask.dry_run {
        out.push_str("dry run: nothing written\n");
    }
    out
}

/// `memlens search --kind action-items|chunks QUERY`: Omi's search of the namespace
/// (action items: ≥ 0.3; chunks: as Omi's chat, uid + date range, no threshold, up to 60,
/// grouped by conversation with the chunk text rebuilt from `--export`).
pub async fn search(
    ctx: &Context,
    kind: Kind,
    query: &str,
    range: DateRange,
    top_k: Option<usize>,
    export_path: Option<&Path>,
) -> anyhow::Result<String> {
    let export = export_path
        .map(|p| load_export(p, Some(kind)))
        .transpose()?;
    let uid = resolve_uid(&ctx.settings, export.as_ref())?;
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let hits = crate::sync::kinds::search::kind_search(
        store.as_ref(),
        embedder.as_ref(),
        kind,
        &uid,
        query,
        range,
        top_k,
    )
    .await?;
    let mut out = String::new();
    let chunk_text = |cid: &str, index: usize| -> Option<String> {
        let m = export.as_ref()?.get(cid)?;
        transcript_chunks(m)
            .into_iter()
            .find(|c| c.chunk_index == index)
            .map(|c| c.text)
    };
    if ctx.json {
        let rows: Vec<_> = hits
            .hits
            .iter()
            .map(|h| {
                let text = match (kind, &h.owner, h.chunk_index) {
                    (Kind::Chunks, Some(c), Some(i)) => chunk_text(c, i),
                    (Kind::ActionItems, Some(a), _) => export
                        .as_ref()
                        .and_then(|e| e.action_items.get(a))
                        .map(|i| i.description.clone()),
                    _ => None,
                };
                json!({"vector_id": h.vector_id, "owner": h.owner, "chunk_index": h.chunk_index,
                       "created_at": h.created_at, "score": h.score, "text": text})
            })
            .collect();
        let v = json!({"kind": kind.word(), "namespace": hits.namespace, "top_k": hits.top_k,
                       "threshold": hits.search.threshold, "below_threshold": hits.below_threshold,
                       "hits": rows});
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(out);
    }
    let threshold = hits
        .search
        .threshold
        .map_or("no threshold".to_string(), |t| format!("scores ≥ {t}"));
    writeln!(
        out,
        "{} in {} (Omi's search: top_k {}, {threshold}; {} below)",
        counted(hits.hits.len(), "hit"),
        hits.namespace,
        hits.top_k,
        hits.below_threshold
    )?;
    if hits.hits.is_empty() && hits.below_threshold > 0 {
        // Records matched, none closely enough: the index is not the problem.
        writeln!(
            out,
            "nothing close enough: {} scored below Omi's threshold {:.2}; reword the query",
            counted(hits.below_threshold, "record"),
            hits.search.threshold.unwrap_or_default()
        )?;
    } else if hits.hits.is_empty() {
        writeln!(
            out,
            "nothing found: memlens status --kind {} EXPORT says what {} holds; memlens reprocess --kind {} EXPORT --all fills it",
            kind.word(),
            hits.namespace,
            kind.word()
        )?;
    }
    match kind {
        Kind::Chunks => {
            // Grouped by conversation, in the order of each one's best chunk.
            let mut groups: Vec<(String, Vec<&crate::sync::kinds::search::KindHit>)> = Vec::new();
            for h in &hits.hits {
                let key = h.owner.clone().unwrap_or_else(|| h.vector_id.clone());
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => g.1.push(h),
                    None => groups.push((key, vec![h])),
                }
            }
            for (cid, group) in groups {
                let title = export
                    .as_ref()
                    .and_then(|e| e.get(&cid))
                    .map(|m| one_line(&m.structured.title))
                    .unwrap_or_else(|| "not in the export".into());
                writeln!(out, "{cid}  {title}")?;
                for h in group {
                    writeln!(
                        out,
                        "  c{}  {:.4}",
                        h.chunk_index.map_or("?".into(), |i| i.to_string()),
                        h.score
                    )?;
                    match h.chunk_index.and_then(|i| chunk_text(&cid, i)) {
                        Some(t) => {
                            for line in t.lines() {
                                writeln!(out, "    {}", one_line(line))?;
                            }
                        }
                        None if export.is_some() => writeln!(
                            out,
                            "    (no such chunk in the export: Omi's hydration drops it)"
                        )?,
                        None => {}
                    }
                }
            }
        }
        _ => {
            for h in &hits.hits {
                let text = h
                    .owner
                    .as_deref()
                    .and_then(|a| export.as_ref()?.action_items.get(a))
                    .map(|i| one_line(&i.description))
                    .unwrap_or_else(|| {
                        if export.is_some() {
                            "not in the export (orphan)".into()
                        } else {
                            String::new()
                        }
                    });
                writeln!(out, "  {:.4}  {}  {text}", h.score, h.vector_id)?;
            }
        }
    }
    Ok(out)
}
