//! The footer: key hints for the focused pane (from the keymap), jobs, and the last
//! message — or the filter input while it is being typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::sanitize;
use crate::tui::state::State;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let first = if let Some(input) = &state.filter_input {
        let value = sanitize::line(input.value()).into_owned();
        let line = Line::from(vec![
            Span::styled("/", t.key),
            Span::raw(value),
            Span::styled(
                if state.list.is_filtering() {
                    "   filtering… · Enter keeps · Esc clears".to_string()
                } else {
                    format!(
                        "   {} matches · Enter keeps · Esc clears",
                        state.list.visible.len()
                    )
                },
                t.dim,
            ),
        ]);
        let cursor = 1 + input.visual_cursor() as u16;
        frame.set_cursor_position((area.x + cursor.min(area.width.saturating_sub(1)), area.y));
        line
    } else {
        // As many hints as fit; the help overlay (`?`) has them all.
        let mut spans = Vec::new();
        let mut used = 0usize;
        let room = area.width as usize;
        for (keys, what) in state.keymap.hints(state.focus.scope()) {
            let width = keys.chars().count() + what.chars().count() + 3;
            if used + width > room {
                break;
            }
            used += width;
            spans.push(Span::styled(keys, t.key));
            spans.push(Span::raw(format!(" {what}  ")));
        }
        Line::from(spans)
    };
    let mut second = Vec::new();
    if let Some((done, total)) = state.lookup.running {
        second.push(Span::styled(
            format!("{} status {done}/{total}  ", super::spinner(state.tick)),
            t.info,
        ));
    }
    if let Some(job) = state.reprocess.footer() {
        second.push(Span::styled(
            format!("{} {job}  ", super::spinner(state.tick)),
            t.info,
        ));
    }
    if let Some((level, text)) = &state.message {
        second.push(Span::styled(
            sanitize::line(text).into_owned(),
            t.level(*level),
        ));
    }
    frame.render_widget(Paragraph::new(vec![first, Line::from(second)]), area);
}
