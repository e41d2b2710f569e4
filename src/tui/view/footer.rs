//! The footer: key hints for the focused pane (from the keymap; `? help` always first),
//! or editing hints while a query or filter is typed; then jobs and the last message,
//! cut with `…` and a pointer to the message log when it does not fit.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::omi::record_kind::Kind;
use crate::tui::action::Command;
use crate::tui::fit;
use crate::tui::keymap::Scope;
use crate::tui::sanitize;
use crate::tui::search::SearchField;
use crate::tui::state::State;

/// Key hints as (keys, what), laid out left to right while they fit.
fn hint_spans(state: &State, hints: &[(String, String)], room: usize) -> Vec<Span<'static>> {
    let t = &state.theme;
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (keys, what) in hints {
        let width = fit::width(keys) + fit::width(what) + 3;
        if used + width > room {
            break;
        }
        used += width;
        spans.push(Span::styled(keys.clone(), t.key));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    spans
}

/// What the keys do while a text input has the keyboard.
fn editing_hints(state: &State) -> Option<(String, Vec<(String, String)>)> {
    let h = |k: &str, w: &str| (k.to_string(), w.to_string());
    if state.filter_input.is_some() {
        return Some((
            if state.list.is_filtering() {
                "filtering…".to_string()
            } else {
                // The rows of the tab being filtered, not the conversations.
                let shown = if state.on_facts_tab() {
                    state.facts.list.visible.len()
                } else if let Some(tab) = state.shown_kind_tab() {
                    tab.list.visible.len()
                } else {
                    state.list.visible.len()
                };
                crate::words::count(shown, "match", "matches")
            },
            vec![h("Enter", "keep"), h("↑/↓", "move"), h("Esc", "clear")],
        ));
    }
    match state.search.editing {
        Some(SearchField::Query) => Some((
            if state.search.select_all {
                "typing replaces the query (← → edit it)".into()
            } else {
                "typing the query".into()
            },
            vec![
                h("Enter", "search"),
                h("↑/↓", "history"),
                h("Tab", "date range"),
                h("Esc", "stop typing"),
            ],
        )),
        Some(SearchField::Range) => Some((
            "typing the date range".into(),
            vec![
                h("Enter", "search"),
                h("Tab", "query"),
                h("Esc", "stop typing"),
                h("e.g.", "2024-08-01..2024-09-01, 7d"),
            ],
        )),
        None => None,
    }
}

/// Commands whose hints come right after `? help`, most useful first; the rest follow
/// in the keymap's order.
const FIRST: [Command; 7] = [
    Command::Filter,
    Command::Search,
    Command::OpenHit,
    Command::ToggleTranscript,
    Command::Reprocess,
    Command::Quit,
    Command::MessageLog,
];

/// The normal hints: `? help` first, then the most useful keys of the focused pane.
fn pane_hints(state: &State) -> Vec<(String, String)> {
    let scope = state.focus.scope();
    let help = state.keymap.keys_for(Command::Help, Scope::Global);
    let help = help.split('/').next().unwrap_or("?").to_string();
    let mut out = vec![(help, "help".to_string())];
    let hints = state.keymap.hint_commands(scope);
    let rank = |c: &Command| FIRST.iter().position(|f| f == c).unwrap_or(FIRST.len());
    let mut ordered: Vec<(Command, String, &'static str)> = hints;
    // Stable: keymap order within the same rank.
    ordered.sort_by_key(|(c, _, _)| rank(c));
    for (command, keys, what) in ordered {
        if command == Command::Help {
            continue;
        }
        // Each tab offers its own keys only.
        if !crate::tui::kinds::offers(state.tab, command) {
            continue;
        }
        // On a record tab the vector check verifies the tab's kind: offered as `v`.
        if command == Command::VectorCheck && state.on_record_tab() {
            out.push((
                crate::tui::kinds::verify_key(&state.keymap),
                "verify".into(),
            ));
            continue;
        }
        out.push((keys, what.to_string()));
    }
    out
}

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let room = area.width as usize;
    let first = if let Some((what, hints)) = editing_hints(state) {
        let mut spans = Vec::new();
        if let Some(input) = &state.filter_input {
            let (shown, cursor) = super::input::visible(input, room / 2);
            let cursor = 1 + cursor;
            spans.push(Span::styled("/", t.key));
            spans.push(Span::raw(shown));
            frame.set_cursor_position((area.x + cursor.min(area.width.saturating_sub(1)), area.y));
        }
        spans.push(Span::styled(format!("  {what} · "), t.dim));
        let used: usize = spans.iter().map(|s| fit::width(&s.content)).sum();
        spans.extend(hint_spans(state, &hints, room.saturating_sub(used)));
        Line::from(spans)
    } else {
        // As many hints as fit; the help overlay (`?`) has them all.
        Line::from(hint_spans(state, &pane_hints(state), room))
    };
    let mut second = Vec::new();
    let mut used = 0usize;
    if let Some((done, total)) = state.lookup.running {
        let s = format!("{} status {done}/{total}  ", super::spinner(state.tick));
        used += fit::width(&s);
        second.push(Span::styled(s, t.info));
    }
    // A record tab's verify (`v`), wherever it runs.
    let mut verifying: Vec<String> = Vec::new();
    if let Some((done, total)) = state.facts.verifying {
        verifying.push(format!("verifying ns2: {done}/{total}"));
    }
    for kind in [Kind::ActionItems, Kind::Chunks] {
        if let Some(p) = state.kind_tab(kind).and_then(|t| t.verifying) {
            verifying.push(p.text(kind.default_namespace()));
        }
    }
    for v in verifying {
        let s = format!("{} {v}  ", super::spinner(state.tick));
        used += fit::width(&s);
        second.push(Span::styled(s, t.info));
    }
    if let Some(job) = state.reprocess.footer() {
        let s = format!("{} {job}  ", super::spinner(state.tick));
        used += fit::width(&s);
        second.push(Span::styled(s, t.info));
    }
    // Configuration warnings stay until acted on; a later warning or error comes first
    // (a refusal cut off behind a long pinned warning would look like no answer at all).
    let pinned = pinned_warning(state);
    // A message about another tab's keys waits for that tab.
    let message = match (&pinned, state.shown_message()) {
        (Some(p), Some((level, text)))
            if *level != crate::tui::action::Level::Info
                && state.message_tag != Some(crate::tui::state::CONFIG_WARNINGS) =>
        {
            Some((*level, format!("{text} · {p}")))
        }
        (Some(p), _) => Some((crate::tui::action::Level::Warn, p.clone())),
        (None, m) => m.cloned(),
    };
    if let Some((level, text)) = &message {
        let clean = sanitize::line(text).into_owned();
        let left = room.saturating_sub(used);
        if fit::width(&clean) <= left {
            second.push(Span::styled(clean, t.level(*level)));
        } else {
            let log = state.keymap.keys_for(Command::MessageLog, Scope::Global);
            let log = log.split('/').next().unwrap_or("L").to_string();
            let tail = format!(" ({log} shows all)");
            let cut = fit::fit(&clean, left.saturating_sub(fit::width(&tail)));
            second.push(Span::styled(cut.into_owned(), t.level(*level)));
            second.push(Span::styled(tail, t.dim));
        }
    }
    frame.render_widget(Paragraph::new(vec![first, Line::from(second)]), area);
}

/// The configuration warnings the user has not acted on: `⚠ the warning (L shows it, Esc
/// dismisses)`, or how many there are.
fn pinned_warning(state: &State) -> Option<String> {
    let log = state.keymap.keys_for(Command::MessageLog, Scope::Global);
    let log = log.split('/').next().unwrap_or("L").to_string();
    match state.config_warnings.as_slice() {
        [] => None,
        [one] => Some(format!("⚠ {one} ({log} shows it, Esc dismisses)")),
        many => Some(format!(
            "⚠ {} configuration warnings ({log} shows them, Esc dismisses)",
            many.len()
        )),
    }
}
