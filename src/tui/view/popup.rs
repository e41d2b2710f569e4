//! Popups over the panes: the help overlay (generated from the keymap) and the quit
//! confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::tui::state::{Popup, State};

use super::centered;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    match &state.popup {
        None => {}
        Some(Popup::BatchChoice) => super::reprocess::batch_choice(frame, area, state),
        Some(Popup::ConfirmPlan) => super::reprocess::confirm_plan(frame, area, state),
        Some(Popup::Job) => super::reprocess::job(frame, area, state),
        Some(Popup::Resume) => super::reprocess::resume(frame, area, state),
        Some(Popup::Vector) => super::vector::draw(frame, area, state),
        Some(Popup::Explain) => super::explain::draw(frame, area, state),
        Some(Popup::Index) => super::index::draw(frame, area, state),
        Some(Popup::Map) => super::map::draw(frame, area, state),
        Some(Popup::DriftConfirm) => super::drift::confirm(frame, area, state),
        Some(Popup::DriftResults) => super::drift::results(frame, area, state),
        Some(Popup::Help) => {
            let lines = help_lines(state);
            let height = lines.len() as u16 + 2;
            let rect = centered(area, 84, height);
            let more = height > rect.height;
            let title = if more {
                " Help — j/k scroll · Esc closes "
            } else {
                " Help — Esc closes "
            };
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(lines).scroll((state.help_scroll, 0)).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(title)
                        .border_style(t.border_focused),
                ),
                rect,
            );
        }
        Some(Popup::ConfirmQuit) => {
            let rect = centered(area, 52, 5);
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(vec![
                    Line::from("A background job is still running."),
                    Line::from(vec![
                        Span::raw("Quit anyway? "),
                        Span::styled("y", t.key),
                        Span::raw(" quits, any other key stays"),
                    ]),
                ])
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Quit? ")
                        .border_style(t.warn),
                ),
                rect,
            );
        }
    }
}

/// The help overlay's lines, generated from the keymap.
pub fn help_lines(state: &State) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut lines = Vec::new();
    for (scope, rows) in state.keymap.help_rows() {
        lines.push(Line::styled(scope.title(), t.title));
        for (keys, what) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<22}"), t.key),
                Span::raw(what),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines.push(Line::styled(
        "Mouse: wheel scrolls, click selects. Keys can be changed in the config file's [keys] table.",
        t.dim,
    ));
    lines
}
