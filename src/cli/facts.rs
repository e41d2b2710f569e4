//! What is the facts' own under `--kind facts` (omi-facts.md §F5, §F7): the rows of
//! `status` (fact classes and hints from the facts kind's by-id status,
//! `sync::kinds::facts`), Omi's `ns2` search and `drift`. `text` and `orphans` are the
//! record kinds' ([`super::kinds`]); `reprocess --kind facts` is the journaled job
//! ([`super::reprocess`]) with the shared planner.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use serde_json::json;

use super::kinds::{no_facts, one_line, sim_reason};
use super::search::{load_export, open_embedder, open_store, resolve_uid};
use super::{Context, namespace_for};
use crate::omi::export::Export;
use crate::omi::fact::Fact;
use crate::omi::fact_conventions::{Kind, fact_skip, fact_vector_id};
use crate::store::MetaValue;
use crate::sync::fact_search::{fact_hits, threshold_counts, thresholds_before};
use crate::sync::kinds::facts::{category_drift, lookup_facts, stale_text_candidate};
use crate::sync::search::{SearchRequest, SearchTarget, search};
use crate::sync::status::counts;

fn ns(ctx: &Context) -> String {
    namespace_for(&ctx.settings, Kind::Facts)
}

/// The facts of `export` with these ids (all when `ids` is empty); unknown ids are an
/// error.
pub(super) fn chosen<'a>(export: &'a Export, ids: &[String]) -> anyhow::Result<Vec<&'a Fact>> {
    if ids.is_empty() {
        return Ok(export.fact_section.facts.iter().collect());
    }
    let mut out: Vec<&Fact> = Vec::new();
    let mut unknown = Vec::new();
    for id in ids {
        match export.fact_section.get(id) {
            Some(f) if !out.iter().any(|c| c.id == f.id) => out.push(f),
            Some(_) => {}
            None => unknown.push(format!("{id:?}")),
        }
    }
    if !unknown.is_empty() {
        bail!("no such fact in {}: {}", export.name, unknown.join(", "));
    }
    Ok(out)
}

/// `memlens status --kind facts EXPORT [--verify]` (from [`super::kinds::status`]).
pub async fn status(ctx: &Context, export: &Export, verify: bool) -> anyhow::Result<String> {
    if export.fact_section.source.is_none() {
        return Err(no_facts(export));
    }
    let uid = resolve_uid(&ctx.settings, Some(export))?;
    let ns = ns(ctx);
    let store = open_store(&ctx.settings).await?;
    let facts = &export.fact_section.facts;
    let entries = if verify {
        let embedder = open_embedder(&ctx.settings)?;
        lookup_facts(
            store.as_ref(),
            Some(embedder.as_ref()),
            &ns,
            &uid,
            facts,
            None,
            |_, _| {},
        )
        .await?
    } else {
        let dimension = super::learned_dimension(&ctx.settings).await;
        lookup_facts(store.as_ref(), None, &ns, &uid, facts, dimension, |_, _| {})
            .await
            .context("cannot look up the vectors")?
    };
    let counts = counts(entries.values());
    let mut out = String::new();
    if ctx.json {
        let rows: Vec<_> = facts
            .iter()
            .filter_map(|f| entries.get(&f.id).map(|e| (f, e)))
            .map(|(f, e)| {
                let meta = e.metadata.as_ref();
                json!({
                    "fact_id": f.id,
                    "vector_id": fact_vector_id(&uid, &f.id),
                    "content": f.content,
                    "category": f.category.raw(),
                    "api_category": f.category.api_value(),
                    "conversation_id": f.conversation_id,
                    "status": e.status.word(),
                    "reason": e.reason,
                    "skip": fact_skip(f, &uid).map(|s| s.describe()),
                    "stored_category": meta.and_then(|m| match m.get("category") {
                        Some(MetaValue::String(s)) => Some(s.clone()),
                        _ => None,
                    }),
                    "category_drift": meta.and_then(|m| category_drift(f, m)).is_some(),
                    "stale_text_candidate": meta.is_some_and(|m| stale_text_candidate(f, m)),
                    "predates_ns2": f.predates_ns2(),
                    "similarity": e.similarity,
                    "dimension": e.dimension,
                })
            })
            .collect();
        let v = json!({
            "kind": "facts",
            "uid": uid,
            "namespace": ns,
            "store": store.target(),
            "verified": verify,
            "counts": super::status::counts_json(&counts),
            "facts": rows,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(out);
    }
    writeln!(
        out,
        "{} facts · uid {uid} · namespace {ns} · {}{}",
        facts.len(),
        store.target(),
        if verify { " · verified" } else { "" }
    )?;
    for f in facts {
        let Some(e) = entries.get(&f.id) else {
            continue;
        };
        writeln!(
            out,
            "{} {:<8} {}  [{}] {}{}",
            e.status.glyph(),
            e.status.word(),
            f.id,
            f.category.raw(),
            one_line(&f.short(60)),
            sim_reason(e.similarity, e.reason.as_deref())
        )?;
    }
    writeln!(out, "counts: {}", super::status::counts_text(&counts))?;
    Ok(out)
}

/// `memlens search --kind facts "query" [--export E]`: Omi's `ns2` search.
pub async fn search_facts(
    ctx: &Context,
    query: Option<&str>,
    like: Option<&str>,
    top_k: usize,
    export_path: Option<&std::path::Path>,
) -> anyhow::Result<String> {
    let export = export_path
        .map(|p| load_export(p, Some(Kind::Facts)))
        .transpose()?;
    let uid = resolve_uid(&ctx.settings, export.as_ref())?;
    let target = match (like, query) {
        (Some(id), _) => SearchTarget::LikeMemory(id.to_string()),
        (None, Some(q)) => SearchTarget::Text(q.to_string()),
        (None, None) => bail!("give a query, or --like FACT_ID"),
    };
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let request = SearchRequest {
        uid: uid.clone(),
        namespace: ns(ctx),
        target,
        top_k,
        range: crate::sync::daterange::DateRange::ALL,
    };
    let results = search(embedder.as_ref(), store.as_ref(), &request).await?;
    let facts: &[Fact] = export.as_ref().map_or(&[], |e| &e.fact_section.facts);
    let hits = fact_hits(&results.hits, facts);
    let mut out = String::new();
    if ctx.json {
        for h in &hits {
            let mut v = serde_json::to_value(h)?;
            v["above_default_threshold"] = json!(h.score >= 0.85);
            v["above_dedup_threshold"] = json!(h.score >= 0.7);
            writeln!(out, "{}", serde_json::to_string(&v)?)?;
        }
        return Ok(out);
    }
    let what = match &request.target {
        SearchTarget::Text(q) => format!("{q:?}"),
        SearchTarget::LikeMemory(id) => format!("like fact {id}"),
    };
    writeln!(
        out,
        "search facts {what} · uid {uid} · namespace {} · top {}",
        request.namespace, request.top_k
    )?;
    let tc: Vec<String> = threshold_counts(&results)
        .iter()
        .map(|(t, what, n)| format!("{n} ≥ {t:.2} ({what})"))
        .collect();
    writeln!(
        out,
        "filter {} · {} · {}",
        results.filter,
        match (&results.model, results.timings.embed_ms) {
            (Some(m), Some(ms)) => format!("embed {ms:.1} ms ({m})"),
            _ => "stored vector".into(),
        },
        tc.join(" · ")
    )?;
    if hits.is_empty() {
        out.push_str("no hits (nothing in the namespace matches this uid)\n");
        return Ok(out);
    }
    let scores: Vec<f32> = hits.iter().map(|h| h.score).collect();
    for i in 0..=hits.len() {
        for (t, what) in thresholds_before(&scores, i) {
            writeln!(out, "     ── {t:.2} {what} ──")?;
        }
        let Some(h) = hits.get(i) else { break };
        let content = match (&h.content, export.is_some()) {
            (Some(c), _) => one_line(c),
            (None, true) => "(not in the export: Omi drops this hit)".into(),
            (None, false) => "(content not stored in ns2: pass --export)".into(),
        };
        let locked = if h.locked {
            "  (locked: Omi drops this hit)"
        } else {
            ""
        };
        writeln!(
            out,
            "{:>3}  {:.4}  [{}]  {}  {content}{locked}",
            h.rank,
            h.score,
            h.category.as_deref().unwrap_or("no category"),
            h.fact_id
        )?;
    }
    Ok(out)
}

/// `memlens drift --kind facts EXPORT --id ID…`: whether each fact's stored vector is
/// the embedding of its current content (one text format: `content`), and whether its
/// stored category still matches.
pub async fn drift(
    ctx: &Context,
    export_path: &std::path::Path,
    ids: &[String],
) -> anyhow::Result<(String, ExitCode)> {
    let export = load_export(export_path, Some(Kind::Facts))?;
    if export.fact_section.source.is_none() {
        return Err(no_facts(&export));
    }
    let uid = resolve_uid(&ctx.settings, Some(&export))?;
    let chosen: Vec<Fact> = chosen(&export, ids)?.into_iter().cloned().collect();
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let ns = ns(ctx);
    let entries = lookup_facts(
        store.as_ref(),
        Some(embedder.as_ref()),
        &ns,
        &uid,
        &chosen,
        None,
        |_, _| {},
    )
    .await?;
    let mut out = String::new();
    let mut code = ExitCode::SUCCESS;
    let mut rows = Vec::new();
    for f in &chosen {
        let Some(e) = entries.get(&f.id) else {
            continue;
        };
        let drift = e.metadata.as_ref().and_then(|m| category_drift(f, m));
        if e.dimension.is_none() {
            code = ExitCode::FAILURE;
        }
        if ctx.json {
            rows.push(json!({
                "fact_id": f.id,
                "status": e.status.word(),
                "similarity": e.similarity,
                "category": f.category.raw(),
                "stored_category": drift,
                "reason": e.reason,
            }));
            continue;
        }
        let sim = e
            .similarity
            .map_or_else(|| "no comparison".to_string(), |s| format!("cos {s:.5}"));
        writeln!(
            out,
            "{}  {}  {}  text: {}  category: {}",
            f.id,
            e.status.word(),
            sim,
            match e.status.word() {
                "fresh" => "content matches",
                "stale" => "the vector is of another text (edited?)",
                _ => "-",
            },
            match &drift {
                Some(stored) => format!("stored {stored:?}, the fact says {:?}", f.category.raw()),
                None => "matches".into(),
            }
        )?;
    }
    if ctx.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
    }
    Ok((out, code))
}
