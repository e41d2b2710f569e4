//! `memlens explain "QUERY" --id ID --kind facts|action-items|chunks [--export E]
//! [--range R] [--top-k N]`: thin printing over the engine's
//! [`crate::sync::kinds::explain`] — where the fact, action item or conversation's best
//! chunk stands in Omi's search of its kind, each chunk's rank and score, every check
//! (pass/fail) and the fix. `--json` prints one object. (`--kind conversations`, the
//! default, is [`super::explain`].)

use std::fmt::Write as _;

use anyhow::bail;

use super::Context;
use super::explain::ExplainArgs;
use super::kinds::one_line;
use super::search::{open_embedder, open_store, resolve_uid};
use crate::omi::record_kind::Kind;
use crate::sync::explain::ordinal;
use crate::sync::kinds::explain::{KindExplainRequest, KindExplanation, RecordPlace, explain_kind};

/// Explain one record of `kind` and return what it prints.
pub async fn execute(ctx: &Context, args: &ExplainArgs, kind: Kind) -> anyhow::Result<String> {
    if args.mode.is_some() {
        bail!(
            "--mode is for conversations: Omi searches {} one way (semantic, its filter, top_k {})",
            kind.spec().noun,
            kind.spec().search.top_k
        );
    }
    let (range, export) = super::explain::range_and_export(args, kind)?;
    let uid = resolve_uid(&ctx.settings, export.as_ref())?;
    let store = open_store(&ctx.settings).await?;
    let embedder = open_embedder(&ctx.settings)?;
    let request = KindExplainRequest {
        kind,
        uid,
        namespace: super::namespace_for(&ctx.settings, kind),
        query: args.query.clone(),
        id: args.id.trim().to_string(),
        range,
        top_k: args.top_k,
    };
    let e = explain_kind(embedder.as_ref(), store.as_ref(), &request, export.as_ref()).await?;
    if ctx.json {
        return Ok(format!("{}\n", serde_json::to_string(&e)?));
    }
    Ok(render_text(&e))
}

/// `s` on one line, cut to `n` characters with `…`.
fn short(s: &str, n: usize) -> String {
    let line = one_line(s);
    if line.chars().count() <= n {
        return line;
    }
    let mut cut: String = line.chars().take(n.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Why the record is not in Omi's results, in a few words.
fn verdict(e: &KindExplanation, p: &RecordPlace) -> String {
    if p.found {
        return "found by Omi's search".into();
    }
    let why = if !p.stored {
        "not stored".to_string()
    } else if let Some(d) = &p.dropped {
        d.split(':').next().unwrap_or(d).to_string()
    } else if p.rank.is_none() {
        "Omi's filter keeps it out".to_string()
    } else if let (Some(t), Some(s)) = (e.search.threshold, p.score)
        && s < t
    {
        format!("score below Omi's {t}")
    } else {
        format!("outside Omi's top_k {}", e.top_k)
    };
    format!("not found: {why}")
}

/// Rank and score of one record: `#3 of 7`, `filtered`, `—`.
fn rank_cell(e: &KindExplanation, p: &RecordPlace) -> String {
    match (p.stored, p.rank) {
        (false, _) => "—".into(),
        (true, Some(r)) => format!("#{r} of {}", e.candidates),
        (true, None) => "filtered".into(),
    }
}

/// The explanation for people: the record's place, each chunk as a row, the checks, the
/// fix.
pub fn render_text(e: &KindExplanation) -> String {
    let r = &e.request;
    let mut out = String::new();
    let title = e
        .title
        .as_deref()
        .map(|t| format!(" ({})", short(t, 60)))
        .unwrap_or_default();
    let what = match r.kind {
        Kind::Facts => format!("fact {}", r.id),
        Kind::ActionItems => format!("action item {}", r.id),
        _ => format!("the chunks of conversation {}", r.id),
    };
    let threshold = e
        .search
        .threshold
        .map_or("no threshold".to_string(), |t| format!("scores ≥ {t}"));
    // Facts: Omi's other thresholds, drawn as lines.
    let lines: Vec<String> = e
        .threshold_lines
        .iter()
        .map(|l| format!("{} ({})", l.score, l.what))
        .collect();
    let threshold = if lines.is_empty() {
        threshold
    } else {
        format!("{threshold}; lines {}", lines.join(", "))
    };
    let _ = writeln!(
        out,
        "explain {:?} for {what}{title} · uid {} · namespace {} · Omi's top_k {} · {threshold} · {} · {}",
        r.query, r.uid, r.namespace, e.top_k, r.range, e.model
    );
    let place = match e.record() {
        Some(p) => {
            let rank = match (p.rank, p.rank_if_passed) {
                (Some(n), _) => format!("rank {n} of {}", e.candidates),
                (None, Some(n)) => format!("filtered out (would rank {})", ordinal(n)),
                (None, None) if p.stored => "filtered out".into(),
                (None, None) => "no vector".into(),
            };
            let score = p
                .score
                .map(|s| format!(" · score {s:.4}"))
                .unwrap_or_default();
            let which = if r.kind == Kind::Chunks {
                format!("best chunk {}: ", p.key)
            } else {
                String::new()
            };
            format!("{which}{rank}{score} · {}", verdict(e, p))
        }
        None => "no chunk stored or expected · not found".into(),
    };
    let _ = writeln!(out, "{}: {place}", e.noun);
    if r.kind == Kind::Chunks {
        for (i, p) in e.records.iter().enumerate() {
            let fresh = match p.similarity {
                Some(s) if s >= crate::sync::status::FRESH_THRESHOLD => format!("fresh {s:.5}"),
                Some(s) => format!("stale {s:.5}"),
                None if p.stored => "stored".into(),
                None => "not stored".into(),
            };
            let mut notes = vec![fresh];
            if let Some(n) = p.rank_if_passed {
                notes.push(format!("would rank {}", ordinal(n)));
            }
            if let Some(d) = &p.dropped {
                notes.push(d.clone());
            }
            let _ = writeln!(
                out,
                "  {:<4} {:<11} {:<7} {}{}",
                p.key,
                rank_cell(e, p),
                p.score.map(|s| format!("{s:.4}")).unwrap_or_default(),
                one_line(&notes.join(" · ")),
                if e.explained == Some(i) { "  ◀" } else { "" }
            );
        }
    }
    super::explain::write_checks(&mut out, &e.checks, &e.fix);
    out
}
