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
    let title = crate::tui::fit::fit(&title, area.width.saturating_sub(2) as usize).into_owned();
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
    let inner = area.width.saturating_sub(2);
    let date_width: u16 = if inner >= 50 { 10 } else { 0 };
    // Wide enough for `- skipped (unfinished: in_progress)` when such rows are in view,
    // never more than 3/5 of the list; the category column gives way to a wide one.
    let status_width = list
        .visible
        .iter()
        .skip(list.offset)
        .take(height)
        .map(|&i| state.status_text(i as usize).chars().count())
        .max()
        .unwrap_or(10)
        .clamp(10, (inner * 3 / 5).max(10) as usize) as u16;
    let category_width: u16 = if inner >= 64 && status_width <= 20 {
        12
    } else {
        0
    };
    // Marker, status, emoji, title, then date and category when they fit; one space apart.
    let fixed = [1u16, status_width, 2, date_width, category_width];
    let gaps = fixed.iter().filter(|w| **w > 0).count() as u16;
    let title_width = inner.saturating_sub(fixed.iter().sum::<u16>() + gaps) as usize;
    let fit = |s: &str, w: u16| crate::tui::fit::fit(s, w as usize).into_owned();
    let rows: Vec<Row<'_>> = list
        .visible
        .iter()
        .enumerate()
        .skip(list.offset)
        .take(height)
        .map(|(pos, &i)| {
            let m = &memories[i as usize];
            let status = state.status_of(i as usize);
            let status_text = state.status_text(i as usize);
            let marked = list.marks.contains(&i);
            let date = m
                .created_at
                .as_ref()
                .map(|d| d.naive.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "—".into());
            let title = if m.structured.title.is_empty() {
                "(untitled)".to_string()
            } else {
                let clean = sanitize::line(&m.structured.title);
                crate::tui::fit::fit(&clean, title_width).into_owned()
            };
            let mut cells = vec![
                Cell::from(Span::styled(
                    match (pos == list.selected, marked) {
                        (true, true) => "»",
                        (true, false) => "›",
                        (false, true) => "*",
                        (false, false) => " ",
                    },
                    t.marked,
                )),
                Cell::from(Span::styled(status_text, t.status(status))),
                Cell::from(sanitize::line(&m.structured.emoji).into_owned()),
                Cell::from(title),
            ];
            if date_width > 0 {
                cells.push(Cell::from(Span::styled(date, t.dim)));
            }
            if category_width > 0 {
                cells.push(Cell::from(Span::styled(
                    fit(
                        &sanitize::line(m.structured.category.display()),
                        category_width,
                    ),
                    t.dim,
                )));
            }
            let row = Row::new(cells);
            if pos == list.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let mut widths = vec![
        Constraint::Length(1),
        Constraint::Length(status_width),
        Constraint::Length(2),
        Constraint::Fill(1),
    ];
    if date_width > 0 {
        widths.push(Constraint::Length(date_width));
    }
    if category_width > 0 {
        widths.push(Constraint::Length(category_width));
    }
    let table = Table::new(rows, widths).column_spacing(1).block(block);
    frame.render_widget(table, area);
}
