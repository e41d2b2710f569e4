//! The memory list: only the rows in the window are built, so it stays fast at 100k.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::sync::EmbeddingStatus;
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
    let cols = Columns::for_width(area.width.saturating_sub(2));
    let title_width = cols.title as usize;
    let (status_width, date_width, category_width, reason_width) =
        (cols.status, cols.date, cols.category, cols.reason);
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
            let status_text = format!("{} {}", status.glyph(), status.word());
            let marked = list.marks.contains(&i);
            let selected = pos == list.selected;
            // On the selected row every colour must show on the selection's background.
            let style = |s: ratatui::style::Style| if selected { t.on_selection(s) } else { s };
            let date = m
                .created_at
                .as_ref()
                .map(|d| d.naive.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "—".into());
            let title = if m.structured.title.is_empty() {
                crate::tui::fit::fit("(untitled)", title_width).into_owned()
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
                    style(t.marked),
                )),
                Cell::from(Span::styled(
                    fit(&status_text, status_width),
                    style(t.status(status)),
                )),
                Cell::from(sanitize::line(&m.structured.emoji).into_owned()),
                Cell::from(title),
            ];
            if date_width > 0 {
                cells.push(Cell::from(Span::styled(date, style(t.dim))));
            }
            if category_width > 0 {
                cells.push(Cell::from(Span::styled(
                    fit(
                        &sanitize::line(m.structured.category.display()),
                        category_width,
                    ),
                    style(t.dim),
                )));
            }
            if reason_width > 0 {
                let reason = match status {
                    EmbeddingStatus::Skipped | EmbeddingStatus::Orphan => state
                        .skip_of(i as usize)
                        .map(|r| r.label())
                        .unwrap_or_default(),
                    _ => String::new(),
                };
                cells.push(Cell::from(Span::styled(
                    fit(&sanitize::line(&reason), reason_width),
                    style(t.dim),
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
        Constraint::Length(cols.title),
    ];
    if date_width > 0 {
        widths.push(Constraint::Length(date_width));
    }
    if category_width > 0 {
        widths.push(Constraint::Length(category_width));
    }
    if reason_width > 0 {
        widths.push(Constraint::Length(reason_width));
    }
    let table = Table::new(rows, widths).column_spacing(1).block(block);
    frame.render_widget(table, area);
}

/// The list's column widths in terminal columns, a function of the list's inner width
/// only (never of the rows in view, so nothing moves while scrolling). The status cell is
/// a glyph and one word; the title comes first: date, category and skip reason are shown
/// only while the title keeps [`TITLE_MIN`] columns (the reason is in the details pane
/// either way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub status: u16,
    pub title: u16,
    pub date: u16,
    pub category: u16,
    pub reason: u16,
}

/// Title columns kept before any optional column is shown.
pub const TITLE_MIN: u16 = 40;

impl Columns {
    /// Widths for a list `inner` columns wide (inside its border).
    pub fn for_width(inner: u16) -> Self {
        // `✗ mismatch`: the widest glyph and word.
        let status = EmbeddingStatus::ALL
            .iter()
            .map(|s| 2 + s.word().len() as u16)
            .max()
            .unwrap_or(10);
        // Marker, status, emoji, title: one space apart.
        let mut title = inner.saturating_sub(1 + status + 2 + 3);
        let mut optional = [0u16; 3];
        // Date, category, then the skip reason (`invalid: events[0].start` is 24 wide).
        for (slot, want) in optional.iter_mut().zip([10u16, 12, 24]) {
            if title > TITLE_MIN + want {
                *slot = want;
                title -= want + 1;
            } else {
                break;
            }
        }
        let [date, category, reason] = optional;
        Self {
            status,
            title,
            date,
            category,
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_come_first_at_every_width() {
        // 120 columns: the list is 72 wide (70 inside).
        let wide = Columns::for_width(70);
        assert!(wide.title >= TITLE_MIN, "{wide:?}");
        assert_eq!(wide.date, 10);
        assert_eq!(wide.category, 0);
        // 80 columns: 40 wide; nothing but the title beside the status.
        let narrow = Columns::for_width(38);
        assert_eq!(narrow.title, 22, "{narrow:?}");
        assert_eq!((narrow.date, narrow.category, narrow.reason), (0, 0, 0));
        // Very wide: every column, the title still first.
        let all = Columns::for_width(200);
        assert!(all.reason > 0 && all.category > 0 && all.title >= TITLE_MIN);
        for w in 0..300 {
            let c = Columns::for_width(w);
            let used = 1 + c.status + 2 + c.title + 3;
            let extra: u16 = [c.date, c.category, c.reason]
                .iter()
                .filter(|x| **x > 0)
                .map(|x| x + 1)
                .sum();
            assert!(w < 16 || used + extra == w, "{w}: {c:?}");
        }
    }
}
