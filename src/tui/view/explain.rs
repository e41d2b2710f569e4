//! The `w` popup: why a memory is (not) found for the active query — semantic rank and
//! score against the k-th hit and Omi's top_k=5, full-text rank and matching lines, each
//! check pass/fail, and the fix to try.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::sync::explain::{Explanation, OMI_DEFAULT_TOP_K, Outcome, ordinal};
use crate::tui::sanitize;
use crate::tui::state::State;

use super::centered;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let ui = &state.explain;
    let lines: Vec<Line<'static>> = match (&ui.running, &ui.result) {
        (Some(what), _) => vec![Line::styled(
            format!("{} {}", super::spinner(state.tick), sanitize::line(what)),
            t.info,
        )],
        (None, Some(Err(e))) => vec![Line::styled(sanitize::line(e).into_owned(), t.error)],
        (None, Some(Ok(e))) => lines(e, state),
        (None, None) => vec![],
    };
    let rect = centered(area, 110, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((ui.scroll, 0))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Why (not) found — j/k scroll · Esc closes ")
                    .border_style(t.border_focused),
            ),
        rect,
    );
}

fn lines(e: &Explanation, state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let r = &e.request;
    let mut out = vec![Line::styled(
        format!(
            "{:?} · memory {}{} · top {} · {}",
            sanitize::line(&r.query),
            sanitize::line(&r.memory_id),
            e.title
                .as_deref()
                .map(|x| match crate::omi::model::shown_title(x) {
                    crate::omi::model::UNTITLED => " (untitled)".to_string(),
                    x => format!(" ({})", sanitize::line(x)),
                })
                .unwrap_or_default(),
            r.top_k,
            r.range
        ),
        t.title,
    )];
    // The answer first: the popup may be taller than the screen.
    out.push(Line::from(vec![
        Span::styled("fix: ", t.key),
        Span::raw(sanitize::line(&e.fix).into_owned()),
    ]));
    // The rank in the mode searched, then one row per side.
    let p = &e.searched;
    out.push(Line::from(vec![
        Span::styled(format!("{}: ", p.mode.name()), t.label),
        Span::styled(
            match p.rank {
                Some(n) if p.shown => format!("rank {n} · shown"),
                Some(n) => format!("ranked {} · not shown (top {})", ordinal(n), r.top_k),
                None => format!("not in the first {} · not shown", p.depth.max(r.top_k)),
            },
            if p.shown { t.info } else { t.error },
        ),
        Span::styled(
            p.notes
                .iter()
                .map(|n| format!(" · {}", sanitize::line(n)))
                .collect::<String>(),
            t.dim,
        ),
    ]));
    for row in &e.sides {
        out.push(Line::from(vec![
            Span::styled(format!("  {:<9}", row.side.name()), t.label),
            Span::raw(format!(
                "{:<10} {:<7} ",
                match (row.ran, row.rank, row.of) {
                    (false, _, _) => "—".to_string(),
                    (true, Some(n), Some(of)) => format!("#{n} of {of}"),
                    (true, Some(n), None) => format!("#{n}"),
                    (true, None, _) => "not found".to_string(),
                },
                row.score.map(|v| format!("{v:.4}")).unwrap_or_default()
            )),
            Span::styled(sanitize::line(&row.detail).into_owned(), t.dim),
        ]));
    }
    let s = &e.semantic;
    let rank = match (s.rank, s.rank_if_passed) {
        (Some(n), _) => format!("ranked {} of {}", ordinal(n), s.candidates),
        (None, Some(n)) => format!("filtered out (would rank {})", ordinal(n)),
        (None, None) => "not ranked".into(),
    };
    let bar = |k: usize, v: Option<f32>| {
        v.map_or(format!("{} —", ordinal(k)), |v| {
            format!("{} {v:.4}", ordinal(k))
        })
    };
    out.push(Line::from(format!(
        "semantic: {rank} · score {} · bar: {} · Omi's top_k={OMI_DEFAULT_TOP_K}: {}",
        s.score.map_or("—".into(), |v| format!("{v:.4}")),
        bar(r.top_k, s.kth_score),
        bar(OMI_DEFAULT_TOP_K, s.omi_kth_score)
    )));
    match &e.text {
        Some(x) => {
            out.push(Line::from(format!(
                "full text: {}{}",
                match x.rank {
                    Some(n) => format!("ranked {} of {}", ordinal(n), x.total),
                    None if x.outside_range => "outside the date range".into(),
                    None => "no match".into(),
                },
                x.score
                    .map(|v| format!(" · BM25 {v:.2}"))
                    .unwrap_or_default()
            )));
            for m in x.matches.iter().take(3) {
                let mut l = super::search::snippet_line(m, t);
                l.spans.insert(0, Span::raw("  "));
                out.push(l);
            }
        }
        None => out.push(Line::styled("full text: no export", t.dim)),
    }
    for c in &e.checks {
        let style = match c.outcome {
            Outcome::Pass => t.info,
            Outcome::Fail => t.error,
            Outcome::NotApplicable => t.dim,
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:<4} ", c.outcome.word()), style),
            Span::styled(format!("{:<19} ", c.name), t.label),
            Span::raw(sanitize::line(&c.detail).into_owned()),
        ]));
    }
    out
}
