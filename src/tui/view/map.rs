//! The map (`M`): stored vectors projected to 2-D with PCA on a canvas. Each point is
//! its category's letter (`a`, `b`, … for the biggest categories, `+` for the long tail
//! grouped as "others"), coloured too unless `NO_COLOR`; a legend gives each letter's
//! category and count; the selected memory is labelled.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::canvas::Canvas;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::omi::CategoryKind;
use crate::tui::sanitize;
use crate::tui::state::State;

const PALETTE: [Color; 12] = [
    Color::Cyan,
    Color::Yellow,
    Color::Green,
    Color::Magenta,
    Color::Red,
    Color::Blue,
    Color::LightCyan,
    Color::LightYellow,
    Color::LightGreen,
    Color::LightMagenta,
    Color::LightRed,
    Color::White,
];

/// Marks of the biggest categories, in order; the rest are "others".
const MARKS: [char; 10] = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
/// The mark of every category in the long tail.
const OTHERS_MARK: char = '+';

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let rect = Rect::new(
        area.x + 1,
        area.y + 1,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(
            " Map of stored vectors (PCA) — j/k move the selection · Esc closes ",
            rect.width,
        ))
        .border_style(t.border_focused);
    let points = match &state.map {
        None => {
            frame.render_widget(
                Paragraph::new(format!(
                    "{} fetching vectors and projecting…",
                    super::spinner(state.tick)
                ))
                .block(block),
                rect,
            );
            return;
        }
        Some(Err(e)) => {
            frame.render_widget(
                Paragraph::new(sanitize::line(e).into_owned())
                    .style(t.warn)
                    .block(block),
                rect,
            );
            return;
        }
        Some(Ok(p)) => p,
    };
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    if inner.width < 20 || inner.height < 6 {
        return;
    }
    let memories = state.memories();
    let mut by_cat: BTreeMap<CategoryKind, Vec<(f64, f64)>> = BTreeMap::new();
    for (i, x, y) in points {
        if let Some(m) = memories.get(*i as usize) {
            by_cat
                .entry(m.structured.category.kind)
                .or_default()
                .push((*x, *y));
        }
    }
    // The biggest categories get a letter (and a colour when colour is on); the long
    // tail shares one mark as "others". The letter carries the meaning, never colour alone.
    let mut order: Vec<(CategoryKind, usize)> = by_cat.iter().map(|(k, v)| (*k, v.len())).collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let named = if order.len() > MARKS.len() {
        MARKS.len() - 1
    } else {
        order.len()
    };
    let rank = |k: CategoryKind| -> usize {
        order
            .iter()
            .position(|(c, _)| *c == k)
            .unwrap_or(usize::MAX)
            .min(named)
    };
    let style_of = |k: CategoryKind| -> Style {
        if t.is_colored() {
            Style::default().fg(PALETTE[rank(k).min(PALETTE.len() - 1)])
        } else {
            Style::default()
        }
    };
    let mark_of = |k: CategoryKind| -> char {
        let r = rank(k);
        if r < named { MARKS[r] } else { OTHERS_MARK }
    };
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (_, x, y) in points {
        x0 = x0.min(*x);
        x1 = x1.max(*x);
        y0 = y0.min(*y);
        y1 = y1.max(*y);
    }
    let pad_x = ((x1 - x0) * 0.05).max(1e-6);
    let pad_y = ((y1 - y0) * 0.05).max(1e-6);
    let legend_w = 24.min(inner.width / 3);
    let canvas_area = Rect::new(inner.x, inner.y, inner.width - legend_w, inner.height);
    let selected = state.list.selected_index();
    let selected_point = selected.and_then(|s| points.iter().find(|(i, _, _)| *i as usize == s));
    let selected_title = selected
        .and_then(|s| memories.get(s))
        .map(|m| sanitize::line(&m.structured.title).into_owned())
        .unwrap_or_default();
    let canvas = Canvas::default()
        .marker(Marker::Braille)
        .x_bounds([x0 - pad_x, x1 + pad_x])
        .y_bounds([y0 - pad_y, y1 + pad_y])
        .paint(|ctx| {
            for (cat, pts) in &by_cat {
                let mark = mark_of(*cat).to_string();
                for (x, y) in pts {
                    ctx.print(*x, *y, Span::styled(mark.clone(), style_of(*cat)));
                }
            }
            if let Some((_, x, y)) = selected_point {
                // The label is cut with … where the canvas ends.
                let span = (x1 + pad_x) - (x0 - pad_x);
                let col = ((x - (x0 - pad_x)) / span * canvas_area.width as f64) as usize;
                let room = (canvas_area.width as usize).saturating_sub(col + 1);
                let label = crate::tui::fit::fit(&format!("◉ {selected_title}"), room).into_owned();
                ctx.print(
                    *x,
                    *y,
                    Line::styled(label, Style::default().fg(Color::White)),
                );
            }
        });
    frame.render_widget(canvas, canvas_area);
    let mut legend = vec![Line::styled(
        crate::words::counted(points.len(), "vector"),
        t.label,
    )];
    let rows = inner.height.saturating_sub(3) as usize;
    for (k, n) in order.iter().take(named.min(rows)) {
        let line = Line::from(vec![
            Span::styled(format!("{} ", mark_of(*k)), style_of(*k)),
            Span::raw(format!("{} {n}", k.value())),
        ]);
        legend.push(crate::tui::fit::line(line, legend_w as usize));
    }
    if order.len() > named {
        let rest = &order[named..];
        let n: usize = rest.iter().map(|(_, n)| n).sum();
        let line = Line::from(vec![
            Span::styled(format!("{OTHERS_MARK} "), style_of(rest[0].0)),
            Span::raw(format!(
                "others {n} ({})",
                crate::words::count(rest.len(), "category", "categories")
            )),
        ]);
        legend.push(crate::tui::fit::line(line, legend_w as usize));
    }
    if selected_point.is_none() {
        legend.push(Line::styled("selection has no vector", t.dim));
    }
    frame.render_widget(
        Paragraph::new(legend),
        Rect::new(
            inner.x + inner.width - legend_w,
            inner.y,
            legend_w,
            inner.height,
        ),
    );
}
