//! The draw half of the app: pure functions of `&State` that paint a frame. No I/O, no
//! panics, nothing slow — only the visible rows of the list are built.

mod details;
mod drift;
mod explain;
mod facts;
mod footer;
mod header;
mod index;
mod input;
mod kinds;
mod list;
mod map;
mod popup;
mod reprocess;
mod search;
mod vector;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

use crate::tui::state::{RightPane, State};

pub use details::{
    DetailsParts, details_line_count, details_lines, details_parts, linked_line, moment_scroll,
};
pub use kinds::holding_note;
pub use popup::help_lines;

/// Lines in the help overlay.
pub fn help_line_count(state: &State) -> usize {
    help_lines(state).len()
}

/// Where each part of the screen goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub header: Rect,
    pub list: Rect,
    pub details: Rect,
    pub footer: Rect,
}

/// Split a screen of `size` (columns, rows) into the app's areas, with the details pane
/// on the right.
pub fn layout(size: (u16, u16)) -> Areas {
    layout_for(size, RightPane::Details)
}

/// The areas when the right-hand side shows `right` (the search pane gets more room).
pub fn layout_for(size: (u16, u16), right: RightPane) -> Areas {
    split(size, right, size.0 >= 120)
}

/// The areas of the screen `state` shows (its size, tab and right-hand pane).
pub fn areas(state: &State) -> Areas {
    if state.on_record_tab() {
        layout_facts(state.size, state.right)
    } else {
        layout_for(state.size, state.right)
    }
}

/// A record tab's areas (facts, action items, chunks): its rows are one short sentence
/// and a short column, so the details beside them keep the wider share at 120 columns
/// (a vector id on one line).
fn layout_facts(size: (u16, u16), right: RightPane) -> Areas {
    split(size, right, false)
}

fn split(size: (u16, u16), right: RightPane, wide_list: bool) -> Areas {
    let full = Rect::new(0, 0, size.0, size.1);
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .split(full);
    let list_share = match (right, wide_list, size.0 >= 120) {
        (RightPane::Search, _, _) => 40,
        // Titles first: at 120 columns the list holds 40-column titles and the date.
        (RightPane::Details, true, _) => 60,
        (RightPane::Details, false, true) => 55,
        (RightPane::Details, false, false) => 50,
    };
    let cols = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([
            Constraint::Percentage(list_share),
            Constraint::Percentage(100 - list_share),
        ])
        .split(rows[1]);
    Areas {
        header: rows[0],
        list: cols[0],
        details: cols[1],
        footer: rows[2],
    }
}

/// Rows of memories the list shows at this screen size (inside its border).
pub fn list_rows(size: (u16, u16)) -> u16 {
    layout(size).list.height.saturating_sub(2)
}

/// Paint the whole screen.
pub fn draw(frame: &mut Frame<'_>, state: &State) {
    let size = (frame.area().width, frame.area().height);
    let areas = layout_for(size, state.right);
    header::draw(frame, areas.header, state);
    if state.on_record_tab() {
        let areas = layout_facts(size, state.right);
        if state.on_facts_tab() {
            facts::draw_list(frame, areas.list, state);
            facts::draw_details(frame, areas.details, state);
        } else {
            kinds::draw_list(frame, areas.list, state);
            kinds::draw_details(frame, areas.details, state);
        }
        footer::draw(frame, areas.footer, state);
        popup::draw(frame, frame.area(), state);
        clear_straddling(frame.buffer_mut());
        return;
    }
    list::draw(frame, areas.list, state);
    match state.right {
        RightPane::Details => details::draw(frame, areas.details, state),
        RightPane::Search => search::draw(frame, areas.details, state),
    }
    footer::draw(frame, areas.footer, state);
    popup::draw(frame, frame.area(), state);
    clear_straddling(frame.buffer_mut());
}

/// A wide glyph (emoji, CJK) whose right half was painted over — by a popup's border or
/// anything drawn later — would hide that cell on a real terminal (the terminal draws the
/// whole glyph, and the diff skips the covered cell). Such glyphs become a space so the
/// border shows.
pub fn clear_straddling(buf: &mut ratatui::buffer::Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right().saturating_sub(1) {
            let w = crate::tui::fit::width(buf[(x, y)].symbol());
            if w < 2 {
                continue;
            }
            let next = buf[(x + 1, y)].symbol();
            if !(next.is_empty() || next == " ") {
                buf[(x, y)].set_symbol(" ");
            }
        }
    }
}

/// A `width` × `height` rectangle centred in `area` (clipped to it).
pub(super) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// `line` wrapped at `width` columns into one line per row, at words (a word longer
/// than a row is broken), each piece keeping its spans' styles. Drawn row by row, a box
/// knows exactly how many rows its text takes, so its border and its `…` cut mark are
/// never lost to a wrap computed differently.
fn wrap_line(line: &ratatui::text::Line<'_>, width: usize) -> Vec<ratatui::text::Line<'static>> {
    use ratatui::text::{Line, Span};
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if text.is_empty() || width == 0 || crate::tui::fit::width(&text) <= width {
        let spans = line
            .spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style))
            .collect::<Vec<_>>();
        return vec![Line::from(spans).style(line.style)];
    }
    // The byte range of each span in `text`.
    let mut ranges = Vec::new();
    let mut at = 0;
    for s in &line.spans {
        ranges.push((at, at + s.content.len(), s.style));
        at += s.content.len();
    }
    let opts = textwrap::Options::new(width)
        .break_words(true)
        .word_separator(textwrap::WordSeparator::AsciiSpace);
    let mut rows = Vec::new();
    let mut from = 0;
    for piece in textwrap::wrap(&text, opts) {
        // Find the piece in the text (textwrap drops the spaces at the break).
        let Some(start) = text[from..].find(piece.as_ref()).map(|i| i + from) else {
            rows.push(Line::from(piece.into_owned()).style(line.style));
            continue;
        };
        let end = start + piece.len();
        from = end;
        let spans = ranges
            .iter()
            .filter(|(a, b, _)| *a < end && *b > start)
            .map(|(a, b, style)| {
                Span::styled(text[*a.max(&start)..*b.min(&end)].to_string(), *style)
            })
            .collect::<Vec<_>>();
        rows.push(Line::from(spans).style(line.style));
    }
    if rows.is_empty() {
        rows.push(Line::from(""));
    }
    rows
}

/// Clear a box and draw `lines` in it, bordered, wrapping, titled `title`. The box grows
/// (centred on the screen) to hold the wrapped lines; when the screen is too short, the
/// last line (a dialog's buttons, by convention) stays pinned at the bottom and the cut
/// is marked with `…`.
pub(super) fn popup_box(
    frame: &mut Frame<'_>,
    rect: Rect,
    title: &str,
    lines: Vec<ratatui::text::Line<'_>>,
    border: ratatui::style::Style,
) {
    use ratatui::text::Line;
    use ratatui::widgets::{Block, Borders, Clear, Paragraph};
    let inner_w = rect.width.saturating_sub(2) as usize;
    let wrapped: Vec<Vec<Line<'static>>> = lines.iter().map(|l| wrap_line(l, inner_w)).collect();
    let needed: usize = wrapped.iter().map(Vec::len).sum();
    let screen = frame.area();
    let rect = if needed + 2 > rect.height as usize {
        centered(
            screen,
            rect.width,
            (needed + 2).min(u16::MAX as usize) as u16,
        )
    } else {
        rect
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(self::title(title, rect.width))
        .border_style(border);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let rows = inner.height as usize;
    let fit = |l: Line<'static>| crate::tui::fit::line(l, inner_w);
    if needed <= rows || wrapped.len() < 2 {
        let all: Vec<Line<'static>> = wrapped.into_iter().flatten().map(fit).collect();
        frame.render_widget(Paragraph::new(all), inner);
        return;
    }
    let mut body = wrapped;
    let last = body.pop().unwrap_or_default();
    let last_rows = last.len().min(rows);
    let body_rows = rows.saturating_sub(last_rows + 1);
    let body: Vec<Line<'static>> = body
        .into_iter()
        .flatten()
        .take(body_rows)
        .map(fit)
        .collect();
    let body_area = Rect::new(inner.x, inner.y, inner.width, body_rows as u16);
    frame.render_widget(Paragraph::new(body), body_area);
    let mark = Rect::new(inner.x, inner.y + body_rows as u16, inner.width, 1);
    frame.render_widget(
        Paragraph::new(fit(Line::from(
            "… (more than fits: a taller terminal shows it all)",
        ))),
        mark,
    );
    let tail = Rect::new(
        inner.x,
        inner.y + (body_rows + 1) as u16,
        inner.width,
        last_rows as u16,
    );
    let last: Vec<Line<'static>> = last.into_iter().take(last_rows).map(fit).collect();
    frame.render_widget(Paragraph::new(last), tail);
}

/// A block title cut (with `…`) to fit a box `width` columns wide.
pub(super) fn title(text: &str, width: u16) -> String {
    crate::tui::fit::fit(text, width.saturating_sub(2) as usize).into_owned()
}

/// A spinner frame for `tick`.
pub fn spinner(tick: u64) -> char {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    FRAMES[(tick % FRAMES.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::{Line, Span};

    /// A dialog with long lines, drawn in a box too short for them: every row keeps its
    /// `│` on both sides, the cut is marked with `…`, the buttons stay.
    #[test]
    fn a_wrapped_dialog_keeps_its_border_and_marks_its_cut() {
        let lines = || {
            let mut v = vec![Line::from(vec![
                Span::raw("store         "),
                Span::raw("a very long value that must wrap across several rows of the box"),
            ])];
            for i in 0..12 {
                v.push(Line::from(format!(
                    "line {i} of the notice, long enough to wrap once"
                )));
            }
            v.push(Line::from("[ y Write ]  [ n Cancel ]"));
            v
        };
        for (w, h) in [(40u16, 30u16), (40, 12)] {
            let mut terminal =
                ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| {
                    popup_box(
                        f,
                        Rect::new(5, 2, 30, 8),
                        " Confirm ",
                        lines(),
                        Default::default(),
                    )
                })
                .unwrap();
            let buf = terminal.backend().buffer().clone();
            let rows: Vec<String> = (0..h)
                .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
                .collect();
            let boxed: Vec<&String> = rows.iter().filter(|r| r.contains('│')).collect();
            assert!(boxed.len() > 4, "{rows:#?}");
            for r in &boxed {
                assert_eq!(r.matches('│').count(), 2, "a row lost its border: {r:?}");
            }
            let text = rows.join("\n");
            assert!(text.contains("[ y Write ]"), "{text}");
            if h == 12 {
                assert!(text.contains("… (more than fits"), "{text}");
            } else {
                assert!(text.contains("line 11 of the"), "{text}");
            }
        }
    }
}
