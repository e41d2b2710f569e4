//! The memory list: only the rows in the window are built, so it stays fast at 100k.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::tui::sanitize;
use crate::tui::state::{Focus, LoadState, State};

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let list = &state.list;
    let total = state.memories().len();
    let mut title = format!(
        " Memories {}/{} · sort {}",
        list.visible.len(),
        total,
        list.sort.name()
    );
    if !list.query.is_empty() {
        title.push_str(&format!(" · /{}", sanitize::line(&list.query)));
    }
    if list.is_filtering() {
        title.push_str(" · filtering…");
    }
    if let Some(s) = list.status_filter {
        title.push_str(&format!(" · {}", s.word()));
    }
    if let Some(c) = list.category_filter {
        title.push_str(&format!(" · {}", c.value()));
    }
    if !list.marks.is_empty() {
        title.push_str(&format!(" · {} marked", list.marks.len()));
    }
    title.push(' ');
    let focused = state.focus == Focus::List && state.popup.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { t.border_focused } else { t.border });

    match &state.load {
        LoadState::NoExport => {
            let p = Paragraph::new(vec![
                Line::from("No export loaded."),
                Line::from(""),
                Line::from("Run: memlens path/to/export.json"),
                Line::from("Try: memlens assets/demo-export.json"),
            ])
            .block(block);
            frame.render_widget(p, area);
            return;
        }
        LoadState::Failed(e) => {
            let p = Paragraph::new(vec![
                Line::styled("The export could not be loaded:", t.error),
                Line::from(sanitize::line(e).into_owned()),
            ])
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(block);
            frame.render_widget(p, area);
            return;
        }
        LoadState::Loading { .. } => {
            frame.render_widget(Paragraph::new("Loading…").block(block), area);
            return;
        }
        LoadState::Loaded => {}
    }
    if list.visible.is_empty() {
        let msg = if total == 0 {
            "The export holds no memories."
        } else {
            "No memory matches the filters (X clears them)."
        };
        frame.render_widget(Paragraph::new(msg).style(t.dim).block(block), area);
        return;
    }

    let height = area.height.saturating_sub(2) as usize;
    let memories = state.memories();
    let rows: Vec<Row<'_>> = list
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(height)
        .map(|(pos, &i)| {
            let m = &memories[i as usize];
            let status = state.status_of(i as usize);
            let marked = list.marks.contains(&i);
            let date = m
                .created_at
                .as_ref()
                .map(|d| d.naive.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "—".into());
            let title = if m.structured.title.is_empty() {
                "(untitled)".to_string()
            } else {
                sanitize::line(&m.structured.title).into_owned()
            };
            let row = Row::new(vec![
                Cell::from(Span::styled(
                    match (pos == list.selected, marked) {
                        (true, true) => "»",
                        (true, false) => "›",
                        (false, true) => "*",
                        (false, false) => " ",
                    },
                    t.marked,
                )),
                Cell::from(Span::styled(
                    format!("{} {}", status.glyph(), status.word()),
                    t.status(status),
                )),
                Cell::from(sanitize::line(&m.structured.emoji).into_owned()),
                Cell::from(title),
                Cell::from(Span::styled(date, t.dim)),
                Cell::from(Span::styled(
                    sanitize::line(m.structured.category.display()).into_owned(),
                    t.dim,
                )),
            ]);
            if pos == list.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let inner = area.width.saturating_sub(2);
    let date_width = if inner >= 50 { 10 } else { 0 };
    let category_width = if inner >= 64 { 12 } else { 0 };
    let widths = [
        Constraint::Length(1),
        Constraint::Length(10),
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(date_width),
        Constraint::Length(category_width),
    ];
    let table = Table::new(rows, widths).column_spacing(1).block(block);
    frame.render_widget(table, area);
}
