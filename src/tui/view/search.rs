//! The search pane: query and date-range inputs, top-k, timings, and the hits table with
//! the export's emoji/title/category beside each memory id.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::store::MetaValue;
use crate::sync::search::{HitMemory, SearchTarget};
use crate::tui::sanitize;
use crate::tui::search::SearchField;
use crate::tui::state::{Focus, State};

fn extra_metadata(meta: &crate::store::Metadata) -> String {
    meta.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "uid" | "memory_id" | "created_at"))
        .map(|(k, v)| {
            let v = match v {
                MetaValue::String(s) => s.clone(),
                MetaValue::Number(n) => n.to_string(),
                MetaValue::Bool(b) => b.to_string(),
                MetaValue::List(l) => l.join("|"),
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let pane = &state.search;
    let focused = state.focus == Focus::Search && state.popup.is_none();
    let uid = state.setup.uid.as_deref().unwrap_or("NOT SET");
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(
            &format!(
                " Search {} · uid {} · top {} ",
                state.setup.namespace,
                sanitize::line(uid),
                pane.top_k
            ),
            area.width,
        ))
        .border_style(if focused { t.border_focused } else { t.border });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 {
        return;
    }

    let input_line = |label: &str, value: &str, field: SearchField| {
        let editing = pane.editing == Some(field);
        Line::from(vec![
            Span::styled(format!("{label:<6}"), if editing { t.key } else { t.label }),
            Span::raw(sanitize::line(value).into_owned()),
        ])
    };
    let mut head = vec![input_line("query", pane.query.value(), SearchField::Query)];
    let mut range_line = input_line("range", pane.range.value(), SearchField::Range);
    match &pane.range_check {
        Ok(r) if r.is_unbounded() => range_line.spans.push(Span::styled("  (all dates)", t.dim)),
        Ok(r) => range_line
            .spans
            .push(Span::styled(format!("  ✓ {r}"), t.info)),
        Err(e) => range_line
            .spans
            .push(Span::styled(format!("  ✗ {e}"), t.error)),
    }
    head.push(range_line);
    let status = if let Some(what) = &pane.running {
        Line::styled(
            format!("{} {}", super::spinner(state.tick), sanitize::line(what)),
            t.info,
        )
    } else if let Some(e) = &pane.error {
        Line::styled(sanitize::line(e).into_owned(), t.error)
    } else if let Some(r) = &pane.results {
        let what = match &r.request.target {
            SearchTarget::Text(q) => format!("{:?}", sanitize::line(q)),
            SearchTarget::LikeMemory(id) => format!("like {}", sanitize::line(id)),
        };
        let embed = r
            .timings
            .embed_ms
            .map(|ms| format!("embed {ms:.1} ms · "))
            .unwrap_or_default();
        Line::styled(
            format!(
                "{} hits for {what} · {embed}query {:.1} ms",
                r.hits.len(),
                r.timings.query_ms
            ),
            t.dim,
        )
    } else {
        Line::styled(
            "s types a query, r a date range (2024-08-01..2024-09-01, 7d), Enter runs",
            t.dim,
        )
    };
    head.push(status);
    let head: Vec<Line<'static>> = head
        .into_iter()
        .map(|l| crate::tui::fit::line(l, inner.width as usize))
        .collect();
    let head_height = head.len() as u16;
    frame.render_widget(
        Paragraph::new(head),
        Rect::new(inner.x, inner.y, inner.width, head_height),
    );
    if let Some(field) = pane.editing
        && focused
    {
        let input = match field {
            SearchField::Query => &pane.query,
            SearchField::Range => &pane.range,
        };
        let row = inner.y + if field == SearchField::Query { 0 } else { 1 };
        let col = inner.x + 6 + input.visual_cursor() as u16;
        frame.set_cursor_position((col.min(inner.right().saturating_sub(1)), row));
    }

    let table_area = Rect::new(
        inner.x,
        inner.y + head_height,
        inner.width,
        inner.height.saturating_sub(head_height),
    );
    let Some(results) = &pane.results else {
        return;
    };
    if results.hits.is_empty() {
        frame.render_widget(
            Paragraph::new("No match for this uid and range.").style(t.dim),
            table_area,
        );
        return;
    }
    let height = table_area.height.saturating_sub(1) as usize;
    let offset = pane.selected.saturating_sub(height.saturating_sub(1));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(6),
        Constraint::Fill(3),
        Constraint::Length(10),
        Constraint::Fill(1),
    ];
    // Cells are cut with … to their column (the table itself would cut silently).
    let columns = ratatui::layout::Layout::horizontal(widths)
        .spacing(1)
        .split(table_area);
    let fit = |text: &str, col: usize| {
        crate::tui::fit::fit(text, columns[col].width as usize).into_owned()
    };
    let rows: Vec<Row<'_>> = results
        .hits
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, hit)| {
            let memory = match pane.joined.get(i) {
                Some(HitMemory::Found { emoji, title, .. }) => {
                    format!("{} {}", sanitize::line(emoji), sanitize::line(title))
                }
                _ => format!("not in export: {}", sanitize::line(&hit.memory_id)),
            };
            let created = hit
                .created_at
                .as_ref()
                .map(|d| {
                    let date = d
                        .date
                        .as_deref()
                        .map(|s| s.get(..10).unwrap_or(s))
                        .unwrap_or("?");
                    if d.legacy {
                        format!("{date} (legacy)")
                    } else {
                        date.to_string()
                    }
                })
                .unwrap_or_else(|| "—".into());
            let row = Row::new(vec![
                Cell::from(if i == pane.selected { "›" } else { " " }),
                Cell::from(format!("{:>2}", hit.rank)),
                Cell::from(format!("{:.4}", hit.score)),
                Cell::from(fit(&memory, 3)),
                Cell::from(Span::styled(fit(&created, 4), t.dim)),
                Cell::from(Span::styled(
                    fit(&sanitize::line(&extra_metadata(&hit.metadata)), 5),
                    t.dim,
                )),
            ]);
            if i == pane.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(
        ["", " #", "score", "memory", "created", "metadata"]
            .iter()
            .enumerate()
            .map(|(i, h)| fit(h, i))
            .collect::<Vec<_>>(),
    )
    .style(t.label);
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, table_area);
}
