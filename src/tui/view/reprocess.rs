//! The reprocess popups: which memories (`R`), the plan to confirm (with, for one memory,
//! everything that will happen), the job's progress and summary, and the offer to resume
//! an unfinished run.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};

use crate::config::CreatedAtPolicy;
use crate::omi::conventions;
use crate::store::MetaValue;
use crate::sync::reprocess::{Change, Plan};
use crate::tui::sanitize;
use crate::tui::state::State;
use crate::tui::theme::Theme;

fn boxed(frame: &mut Frame<'_>, rect: Rect, title: &str, lines: Vec<Line<'_>>, t: &Theme) {
    super::popup_box(frame, rect, title, lines, t.border_focused);
}

use super::centered;

fn kv<'a>(t: &Theme, k: &str, v: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{k:<14}"), t.label),
        Span::raw(v),
    ])
}

/// `R`: choose the memories.
pub(super) fn batch_choice(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let key = |k: &'static str| Span::styled(k, t.key);
    let lines = vec![
        Line::from("Reprocess (re-embed and upsert) which memories?"),
        Line::from(""),
        Line::from(vec![
            key("m"),
            Span::raw(format!("  the marked ones ({})", state.list.marks.len())),
        ]),
        Line::from(vec![
            key("f"),
            Span::raw(format!(
                "  the list as filtered ({})",
                state.list.visible.len()
            )),
        ]),
        Line::from(vec![key("a"), Span::raw("  all missing (no vector yet)")]),
        Line::from(vec![
            key("s"),
            Span::raw("  all stale (vector not known to match the current text)"),
        ]),
        Line::from(""),
        Line::styled(
            "A plan comes first; nothing is written before you confirm. Esc cancels.",
            t.dim,
        ),
    ];
    boxed(frame, centered(area, 72, 10), " Reprocess ", lines, t);
}

fn meta_text(v: &MetaValue) -> String {
    match v {
        MetaValue::String(s) => format!("{:?}", sanitize::line(s)),
        MetaValue::Number(n) => format!("{n}"),
        MetaValue::Bool(b) => b.to_string(),
        MetaValue::List(l) => format!("{l:?}"),
    }
}

/// The plan waiting for a yes.
pub(super) fn confirm_plan(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(plan) = &state.reprocess.plan else {
        return;
    };
    let target = &plan.target;
    let mut lines = vec![
        kv(
            t,
            "store",
            format!(
                "{}{}",
                target.store,
                if target.remote { "  (REMOTE)" } else { "" }
            ),
        ),
        kv(t, "namespace", target.namespace.clone()),
        kv(t, "uid", sanitize::line(&target.uid).into_owned()),
        kv(
            t,
            "model",
            format!("{} ({} d)", target.model, plan.dimension),
        ),
        kv(t, "text format", target.format.clone()),
    ];
    if state.reprocess.single && plan.items.len() == 1 {
        single_details(&mut lines, plan, state);
    } else {
        let c = &plan.counts;
        lines.push(Line::from(""));
        lines.push(kv(
            t,
            "memories",
            format!(
                "{} selected: {} new, {} overwritten; {}",
                c.selected,
                c.new,
                c.overwritten,
                c.describe_skips()
            ),
        ));
        // What the CLI could force is left out here without naming its flags: the TUI
        // has no key for them.
        for (n, what, why) in [
            (c.discarded, "discarded", "Omi never embeds them"),
            (c.unfinished, "unfinished", "Omi embeds them once processed"),
        ] {
            if n > 0 {
                lines.push(kv(t, "left out", format!("the {n} {what}: {why}")));
            }
        }
        lines.push(kv(
            t,
            "estimate",
            format!(
                "{} tokens · {} embedding calls, {} upserts, {} fetches",
                plan.estimated_tokens,
                plan.requests.embed,
                plan.requests.upsert,
                plan.requests.fetch
            ),
        ));
        let created = match plan.created_at_policy {
            CreatedAtPolicy::Memory => "each memory's own created_at (int seconds)",
            CreatedAtPolicy::Now => "the time of writing",
        };
        lines.push(kv(t, "created_at", created.into()));
        lines.push(kv(
            t,
            "metadata",
            "uid, memory_id, created_at + every extra key already stored".into(),
        ));
    }
    for w in &plan.warnings {
        lines.push(Line::styled(format!("⚠ {}", sanitize::line(w)), t.warn));
    }
    lines.push(Line::from(""));
    let writes = plan.counts.writes();
    if writes == 0 {
        lines.push(Line::styled("Nothing to write. Esc closes.", t.dim));
    } else {
        let verb = if state.reprocess.single {
            "Write it".to_string()
        } else {
            format!("Write {}", crate::words::counted(writes, "vector"))
        };
        lines.push(crate::tui::confirm::buttons(
            t,
            &verb,
            crate::tui::confirm::Default::for_write(target.remote),
        ));
    }
    let height = (lines.len() as u16 + 4).min(area.height);
    boxed(
        frame,
        centered(area, 100, height.max(12)),
        " Confirm reprocess ",
        lines,
        t,
    );
}

fn single_details<'a>(lines: &mut Vec<Line<'a>>, plan: &Plan, state: &State) {
    let t = &state.theme;
    let item = &plan.items[0];
    lines.push(kv(
        t,
        "vector id",
        sanitize::line(&item.vector_id).into_owned(),
    ));
    lines.push(kv(
        t,
        "record",
        match item.change {
            Change::New => "new (no record yet)".into(),
            Change::Overwrite => "OVERWRITES the stored record".into(),
        },
    ));
    let created = match (plan.created_at_policy, item.memory_created_at) {
        (CreatedAtPolicy::Memory, Some(s)) => s,
        _ => chrono::Utc::now().timestamp(),
    };
    let (existing, meta) = match &item.category {
        // A fact: Omi's ns2 metadata, created_at = now (omi-facts.md §F5.1).
        Some(category) => {
            let existing = state
                .facts
                .entries
                .get(&item.memory_id)
                .and_then(|e| e.metadata.clone())
                .unwrap_or_default();
            let fresh = crate::omi::fact_conventions::fact_metadata(
                &plan.target.uid,
                &item.memory_id,
                category,
                chrono::Utc::now().timestamp(),
            );
            let meta =
                crate::omi::fact_conventions::carry_over_fact_metadata(Some(&existing), fresh);
            (existing, meta)
        }
        None => {
            let fresh = conventions::memory_metadata(&plan.target.uid, &item.memory_id, created);
            let existing = state
                .status_entries
                .get(&item.memory_id)
                .and_then(|e| e.metadata.clone())
                .unwrap_or_default();
            let meta = conventions::carry_over_metadata(&existing, fresh);
            (existing, meta)
        }
    };
    lines.push(Line::styled("metadata that will be written", t.label));
    for (k, v) in &meta {
        let mut shown = meta_text(v);
        if k == "created_at" && plan.created_at_policy == CreatedAtPolicy::Now {
            shown.push_str(" (now; set at write time)");
        }
        let carried = if existing.contains_key(k)
            && !["uid", "memory_id", "created_at", "category"].contains(&k.as_str())
        {
            "  (carried over)"
        } else {
            ""
        };
        lines.push(Line::from(format!("  {k} = {shown}{carried}")));
    }
    lines.push(Line::styled(
        format!("text ({} tokens)", item.tokens),
        t.label,
    ));
    for l in sanitize::block(&item.text).lines() {
        lines.push(Line::from(format!("  │ {l}")));
    }
}

/// The job: progress while it runs, then its summary.
pub(super) fn job(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let rect = centered(area, 84, 14);
    let ui = &state.reprocess;
    let mut lines = Vec::new();
    let mut ratio = None;
    if let Some(job) = &ui.job {
        match &job.progress {
            Some(p) => {
                ratio = Some(if p.total > 0 {
                    p.done as f64 / p.total as f64
                } else {
                    0.0
                });
                lines.push(Line::from(format!(
                    "{} reprocessing: {}/{} done · {} failed{}",
                    super::spinner(state.tick),
                    p.done,
                    p.total,
                    p.failed,
                    if p.retry_round > 0 {
                        format!(" · retry round {}", p.retry_round)
                    } else {
                        String::new()
                    }
                )));
                let eta = p
                    .eta_ms
                    .map(|ms| format!(" · ETA {}s", ms.div_ceil(1000)))
                    .unwrap_or_default();
                lines.push(Line::from(format!("{:.1} memories/s{eta}", p.rate_per_sec)));
                for f in p.in_flight.iter().take(2) {
                    lines.push(Line::styled(f.describe(), t.dim));
                }
                if let Some(e) = &p.last_error {
                    lines.push(Line::styled(
                        format!("last error: {}", sanitize::line(e)),
                        t.warn,
                    ));
                }
            }
            None => lines.push(Line::from(format!(
                "{} starting ({} memories)…",
                super::spinner(state.tick),
                job.total
            ))),
        }
        lines.push(Line::from(""));
        if job.cancelling {
            lines.push(Line::styled(
                "cancelling: batches already writing finish, the rest stay pending",
                t.warn,
            ));
        } else {
            lines.push(Line::from(vec![
                Span::styled("x", t.key),
                Span::raw(" cancels (finished items stay done) · "),
                Span::styled("Esc", t.key),
                Span::raw(" hides (it keeps running; J shows it)"),
            ]));
        }
    } else if let Some(s) = &ui.summary {
        ratio = Some(if s.total > 0 {
            s.done as f64 / s.total as f64
        } else {
            1.0
        });
        lines.push(Line::from(format!(
            "{} of {} done ({} earlier), {} failed, {} pending{} · {:.1} s",
            s.done,
            s.total,
            s.done_before,
            s.failed.len(),
            s.pending,
            if s.cancelled { " · cancelled" } else { "" },
            s.elapsed_ms as f64 / 1000.0
        )));
        // One line per cause (what and the fix), then the first items.
        for g in &s.failed_by_cause {
            lines.push(Line::styled(format!("✗ {}", g.line()), t.error));
        }
        for f in s.failed.iter().take(5) {
            lines.push(Line::styled(
                format!(
                    "  {}: {}",
                    sanitize::line(&f.memory_id),
                    sanitize::line(&f.error)
                ),
                t.error,
            ));
        }
        if s.failed.len() > 5 {
            lines.push(Line::styled(
                format!("… and {} more (memlens.log)", s.failed.len() - 5),
                t.dim,
            ));
        }
        lines.push(Line::from(""));
        let mut keys = vec![Span::styled("Esc", t.key), Span::raw(" closes")];
        if !s.failed.is_empty() {
            keys.push(Span::raw(" · "));
            keys.push(Span::styled("t", t.key));
            keys.push(Span::raw(" retries the failed ones"));
        }
        lines.push(Line::from(keys));
    } else if let Some(e) = &ui.stopped {
        lines.push(Line::styled(sanitize::line(e), t.error));
        lines.push(Line::from(
            "items already written stay done; the journal resumes the rest (restart, or memlens reprocess)",
        ));
        lines.push(Line::from(""));
        lines.push(Line::from(vec![
            Span::styled("Esc", t.key),
            Span::raw(" closes"),
        ]));
    }
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Reprocess job ")
        .border_style(t.border_focused);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if let Some(r) = ratio
        && inner.height > 2
    {
        let gauge = Gauge::default()
            .gauge_style(t.gauge)
            .ratio(r.clamp(0.0, 1.0))
            .label(format!("{:.0}%", r * 100.0));
        frame.render_widget(gauge, Rect::new(inner.x, inner.y, inner.width, 1));
        let rest = Rect::new(
            inner.x,
            inner.y + 2,
            inner.width,
            inner.height.saturating_sub(2),
        );
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
    } else {
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    }
}

/// The offer to resume an unfinished run.
pub(super) fn resume(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(info) = &state.reprocess.unfinished else {
        return;
    };
    let lines = vec![
        Line::from(format!(
            "A reprocess run of {} ({}) did not finish: {} of {} done, {} failed, {} pending.",
            info.header.kind().spec().noun,
            crate::tui::sanitize::line(&info.header.namespace),
            info.done,
            info.total(),
            info.failed,
            info.pending
        )),
        Line::styled("Resuming writes only what is not done yet.", t.dim),
        Line::from(""),
        Line::styled("Cancel leaves it in the journal for later.", t.dim),
        crate::tui::confirm::buttons(
            t,
            "Resume",
            crate::tui::confirm::Default::for_write(state.setup.store_is_remote),
        ),
    ];
    boxed(
        frame,
        centered(area, 76, 9),
        " Unfinished reprocess ",
        lines,
        t,
    );
}
