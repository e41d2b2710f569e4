//! The vector popup (`v`): the stored vector's statistics and value histogram, its
//! metadata, and the drift check across Omi's text formats.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Sparkline};

use crate::sync::drift::DriftOutcome;
use crate::tui::sanitize;
use crate::tui::state::State;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(check) = &state.vector else {
        return;
    };
    let rect = super::centered(area, 90, 24);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(" Vector and drift — Esc closes ", rect.width))
        .border_style(t.border_focused);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);

    let mut lines = vec![Line::from(vec![
        Span::styled("vector id  ", t.label),
        Span::raw(sanitize::line(&check.vector_id).into_owned()),
    ])];
    let mut histogram = None;
    match &check.stats {
        None => lines.push(Line::styled(
            "No record under this id in the namespace (missing).",
            t.warn,
        )),
        Some(s) => {
            lines.push(Line::from(format!(
                "dimension {} · norm {:.6} · min {:.5} · max {:.5} · mean {:.6}",
                s.dimension, s.norm, s.min, s.max, s.mean
            )));
            let mut health = Vec::new();
            if s.non_finite > 0 {
                health.push(format!("{} NaN/inf values", s.non_finite));
            }
            if s.zeros == s.dimension {
                health.push("all zero".into());
            } else if s.unexpected_zeros() > 0 {
                health.push(match (&s.model, s.structural_zeros) {
                    (Some(m), 0) => format!("{} zeros ({} has none)", s.zeros, m),
                    (Some(m), n) => format!(
                        "{} zeros ({n} are {m}'s structural zeros, {} are not)",
                        s.zeros,
                        s.unexpected_zeros()
                    ),
                    (None, _) => format!("{} zeros", s.zeros),
                });
            }
            if (s.norm - 1.0).abs() > 1e-3 {
                health.push("not unit length".into());
            }
            if health.is_empty() {
                let zeros = match (&s.model, s.structural_zeros) {
                    (Some(m), n) if n > 0 => {
                        let dims = crate::embed::structural_zero_dims(m, s.dimension)
                            .iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join(", ");
                        format!("; {n} zeros at dims {dims}, as in every {m} vector")
                    }
                    _ => String::new(),
                };
                lines.push(Line::styled(
                    format!("values: finite, not all zero, unit length ✓{zeros}"),
                    t.info,
                ));
            } else {
                lines.push(Line::styled(
                    format!("values: {} ✗", health.join(", ")),
                    t.warn,
                ));
            }
            lines.push(Line::styled(
                format!(
                    "value histogram ({} bins, {:.4} … {:.4}):",
                    s.histogram.len(),
                    s.min,
                    s.max
                ),
                t.label,
            ));
            histogram = Some(s.histogram.clone());
        }
    }
    let head = lines.len() as u16;
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(inner.x, inner.y, inner.width, head),
    );
    let mut y = inner.y + head;
    if let Some(bins) = histogram {
        let spark_h = 3.min(inner.height.saturating_sub(head + 1));
        frame.render_widget(
            Sparkline::default().data(&bins).style(t.info),
            Rect::new(inner.x, y, inner.width.min(bins.len() as u16), spark_h),
        );
        y += spark_h + 1;
    }
    let mut rest = Vec::new();
    match &check.drift {
        Err(e) => rest.push(Line::styled(
            format!("drift check failed: {}", sanitize::line(e)),
            t.error,
        )),
        Ok(DriftOutcome::NoVector { .. }) => {
            rest.push(Line::styled("drift: no vector to compare with", t.dim))
        }
        Ok(DriftOutcome::Skipped { reason, .. }) => rest.push(Line::styled(
            format!("drift: not compared — {}", sanitize::line(reason)),
            t.dim,
        )),
        Ok(DriftOutcome::Incomparable { reason, .. }) => rest.push(Line::styled(
            format!("drift: cannot compare — {}", sanitize::line(reason)),
            t.warn,
        )),
        Ok(DriftOutcome::Report(r)) => {
            rest.push(Line::styled(
                format!("drift against {} (cosine per text format):", r.model),
                t.label,
            ));
            for s in &r.scores {
                let best = r.best.contains(&s.format);
                let same = s
                    .same_text_as
                    .map(|f| format!("  (same text as {})", f.name()))
                    .unwrap_or_default();
                rest.push(Line::styled(
                    format!(
                        "  {} {:<16} {:.5}{same}",
                        if best { "▶" } else { " " },
                        s.format.name(),
                        s.similarity
                    ),
                    if best { t.key } else { t.base },
                ));
            }
            rest.push(Line::from(sanitize::line(&r.verdict).into_owned()));
        }
    }
    let rest_area = Rect::new(inner.x, y, inner.width, inner.bottom().saturating_sub(y));
    frame.render_widget(
        Paragraph::new(rest).wrap(ratatui::widgets::Wrap { trim: false }),
        rest_area,
    );
}
