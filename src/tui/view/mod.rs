//! The draw half of the app: pure functions of `&State` that paint a frame. No I/O, no
//! panics, nothing slow — only the visible rows of the list are built.

mod details;
mod drift;
mod explain;
mod facts;
mod footer;
mod header;
mod index;
mod list;
mod map;
mod popup;
mod reprocess;
mod search;
mod vector;

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};

use crate::tui::state::{RightPane, State};

pub use details::{details_line_count, details_lines};
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
    let full = Rect::new(0, 0, size.0, size.1);
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(2),
            Constraint::Min(3),
            Constraint::Length(2),
        ])
        .split(full);
    let list_share = match (right, size.0 >= 120) {
        (RightPane::Search, _) => 40,
        (RightPane::Details, true) => 55,
        (RightPane::Details, false) => 50,
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
    let areas = layout_for((frame.area().width, frame.area().height), state.right);
    header::draw(frame, areas.header, state);
    if state.on_facts_tab() {
        facts::draw_list(frame, areas.list, state);
        facts::draw_details(frame, areas.details, state);
        footer::draw(frame, areas.footer, state);
        popup::draw(frame, frame.area(), state);
        return;
    }
    list::draw(frame, areas.list, state);
    match state.right {
        RightPane::Details => details::draw(frame, areas.details, state),
        RightPane::Search => search::draw(frame, areas.details, state),
    }
    footer::draw(frame, areas.footer, state);
    popup::draw(frame, frame.area(), state);
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

/// Clear `rect` and draw `lines` there in a bordered, wrapping box titled `title`.
pub(super) fn popup_box(
    frame: &mut Frame<'_>,
    rect: Rect,
    title: &str,
    lines: Vec<ratatui::text::Line<'_>>,
    border: ratatui::style::Style,
) {
    use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title.to_string())
                .border_style(border),
        ),
        rect,
    );
}

/// A spinner frame for `tick`.
pub fn spinner(tick: u64) -> char {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
    FRAMES[(tick % FRAMES.len() as u64) as usize]
}
