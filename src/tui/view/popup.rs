//! Popups over the panes: the help overlay (generated from the keymap) and the quit
//! confirmation.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::sync::EmbeddingStatus;
use crate::tui::action::Level;
use crate::tui::fit;
use crate::tui::sanitize;
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
        Some(Popup::Messages) => messages(frame, area, state),
        Some(Popup::Copy) => copy(frame, area, state),
        Some(Popup::ConfirmKindWrite) => super::kinds::confirm_write(frame, area, state),
        Some(Popup::Help) => {
            let lines = help_lines(state);
            let height = lines.len() as u16 + 2;
            let rect = centered(area, 96, height);
            let inner = rect.width.saturating_sub(2) as usize;
            let lines: Vec<Line<'static>> =
                lines.into_iter().map(|l| fit::line(l, inner)).collect();
            let more = height > rect.height;
            let title = if more {
                " Help — j/k scroll · Esc closes "
            } else {
                " Help — Esc closes "
            };
            let title = fit::fit(title, inner).into_owned();
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
            let rect = centered(area, 60, 5);
            frame.render_widget(Clear, rect);
            frame.render_widget(
                Paragraph::new(vec![
                    Line::from("A background job is still running."),
                    Line::from("Quit anyway?"),
                    crate::tui::confirm::buttons(t, "Quit", crate::tui::confirm::Default::Cancel),
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
    lines.extend(kind_help(state));
    lines.push(Line::styled(
        "Skipped: memories Omi would not embed (never written)",
        t.title,
    ));
    for (kind, why) in crate::omi::policy::REASONS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {kind:<12}"), t.key),
            Span::raw(why),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<12}", "orphan"), t.key),
        Span::raw("a deleted memory's vector still stored: the orphan list deletes it"),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Statuses (glyph and word in the list)",
        t.title,
    ));
    for status in EmbeddingStatus::ALL {
        lines.push(Line::from(vec![
            Span::styled(
                format!("  {} {:<20}", status.glyph(), status.word()),
                t.status(status),
            ),
            Span::raw(status_meaning(status)),
        ]));
    }
    let candidate = crate::tui::kinds::RowStatus::Candidate;
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                "  {} {:<20}",
                candidate.embedding().glyph(),
                candidate.word()
            ),
            t.status(candidate.embedding()),
        ),
        Span::raw("a task_data candidate: Omi writes no vector (tab 3)"),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::styled("Dialogs", t.title));
    lines.push(Line::from(format!("  {}", crate::tui::confirm::RULE)));
    lines.push(Line::styled(
        "  (Enter is Cancel for remote writes, deletes and quitting with a job)",
        t.dim,
    ));
    lines.push(Line::from(""));
    lines.push(Line::styled("Mouse: wheel scrolls, click selects.", t.dim));
    lines.push(Line::styled(
        "Keys can be changed in the config file's [keys] table.",
        t.dim,
    ));
    lines
}

/// The help's sections for the kind tabs (`3`, `4`) and for the pick in a conversation's
/// details, with the keys as bound.
fn kind_help(state: &State) -> Vec<Line<'static>> {
    use crate::tui::action::Command as C;
    use crate::tui::keymap::Scope;
    let t = &state.theme;
    let keys = |c: C, scope: Scope| state.keymap.keys_for(c, scope);
    // The first key bound (not from `keys`: `/` is a key as well as its separator).
    let first = |c: C, scope: Scope| {
        state
            .keymap
            .bindings
            .iter()
            .find(|b| b.command == c && (b.scope == scope || b.scope == Scope::Global))
            .map(|b| {
                let chords: Vec<String> = b.keys.iter().map(|k| k.to_string()).collect();
                chords.join(" ")
            })
            .unwrap_or_default()
    };
    let open = first(C::OpenLinked, Scope::Details);
    let moves = |scope: Scope| format!("{} {}", keys(C::Down, scope), keys(C::Up, scope));
    let tabs: Vec<(String, String)> = vec![
        (
            moves(Scope::List),
            format!(
                "move; {} filters the rows ({} clears)",
                first(C::Filter, Scope::List),
                first(C::ClosePopup, Scope::Global)
            ),
        ),
        (
            open.clone(),
            "in the details: open the record's conversation".into(),
        ),
        (
            first(C::Reprocess, Scope::List),
            "write this record (a chunk: its conversation's whole chunk set; confirm first)".into(),
        ),
        (
            first(C::ReprocessBatch, Scope::List),
            "write every missing one (a plan, then confirm)".into(),
        ),
        (
            crate::tui::kinds::verify_key(&state.keymap),
            "verify: embed Omi's texts, compare with the stored vectors (fresh, stale)".into(),
        ),
        (
            first(C::Refresh, Scope::Global),
            "look up what the namespace holds (present, missing, orphans)".into(),
        ),
        (
            first(C::Copy, Scope::List),
            "copy the record's id, vector id or text (OSC 52)".into(),
        ),
    ];
    let pick: Vec<(String, String)> = vec![
        (
            open.clone(),
            format!("pick its first chunk or action item; {open} again opens it in its tab"),
        ),
        (moves(Scope::Details), "move the pick".into()),
        (
            first(C::Reprocess, Scope::Details),
            "write the picked one (a chunk: the conversation's chunk set)".into(),
        ),
        (first(C::ClosePopup, Scope::Global), "drop the pick".into()),
    ];
    let rows = |rows: Vec<(String, String)>| {
        rows.into_iter().map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!("  {k:<22}"), t.key),
                Span::raw(what),
            ])
        })
    };
    let mut out = vec![Line::styled(
        "Action items (3) and transcript chunks (4) tabs",
        t.title,
    )];
    out.extend(rows(tabs));
    out.push(Line::styled(
        "  (the facts tab, 2, alike; its s searches ns2)",
        t.dim,
    ));
    out.push(Line::from(""));
    out.push(Line::styled(
        "Conversation details: its chunks and action items",
        t.title,
    ));
    out.extend(rows(pick));
    out.push(Line::from(""));
    out
}

/// What a status means, for the legend in the help.
fn status_meaning(status: EmbeddingStatus) -> &'static str {
    match status {
        EmbeddingStatus::Unknown => "not looked up yet (F5 looks up)",
        EmbeddingStatus::Missing => "no vector in the store (r or R writes one)",
        EmbeddingStatus::Present => "a vector is stored, not yet checked against the text",
        EmbeddingStatus::Fresh => "checked: the vector matches the current text",
        EmbeddingStatus::Stale => "checked: made from another text (c shows which)",
        EmbeddingStatus::Skipped => "not embedded on purpose (details say why)",
        EmbeddingStatus::Orphan => "a deleted memory's vector still stored (orphans deletes it)",
        EmbeddingStatus::Mismatch => "stored uid, memory id or dimension disagree",
        EmbeddingStatus::Legacy => "created_at < 1e9 (Omi's 2024 bug) or keys missing",
        EmbeddingStatus::Foreign => "a fact vector of a newer shape: shown, never overwritten",
    }
}

/// `L`: every message of the session, newest last, wrapped in full.
fn messages(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let rect = centered(area, 110, area.height.saturating_sub(2));
    let inner_w = rect.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if state.messages.is_empty() {
        lines.push(Line::styled("No messages yet.", t.dim));
    }
    // Newest at the bottom; the scroll position is the message shown last.
    let upto = state
        .messages_scroll
        .min(state.messages.len().saturating_sub(1));
    for m in state.messages.iter().take(upto + 1) {
        let when = chrono::DateTime::from_timestamp(m.at, 0)
            .map(|d| d.format("%H:%M:%S").to_string())
            .unwrap_or_default();
        let level = match m.level {
            Level::Info => "info ",
            Level::Warn => "warn ",
            Level::Error => "ERROR",
        };
        let text = sanitize::line(&m.text).into_owned();
        let opts = textwrap::Options::new(inner_w.saturating_sub(16).max(8));
        for (k, part) in textwrap::wrap(&text, &opts).into_iter().enumerate() {
            let head = if k == 0 {
                format!("{when} {level} ")
            } else {
                " ".repeat(15)
            };
            lines.push(Line::from(vec![
                Span::styled(head, t.dim),
                Span::styled(part.into_owned(), t.level(m.level)),
            ]));
        }
    }
    let rows = rect.height.saturating_sub(2) as usize;
    let skip = lines.len().saturating_sub(rows);
    let lines: Vec<Line<'static>> = lines.into_iter().skip(skip).collect();
    let title = fit::fit(
        " Messages — j/k scroll · Esc closes (also in memlens.log) ",
        inner_w,
    )
    .into_owned();
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(title)
                .border_style(t.border_focused),
        ),
        rect,
    );
}

/// `y`: which value to copy.
fn copy(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let rect = centered(area, 72, 7);
    let inner_w = rect.width.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    for (key, what, value) in crate::tui::clipboard::choices(state) {
        let value = sanitize::line(&value).into_owned();
        let line = Line::from(vec![
            Span::styled(key.to_string(), t.key),
            Span::raw(format!("  {what:<15}")),
            Span::styled(value, t.dim),
        ]);
        lines.push(fit::line(line, inner_w));
    }
    lines.push(Line::styled("Esc or any other key cancels.", t.dim));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .title(" Copy (OSC 52) ")
                .border_style(t.border_focused),
        ),
        rect,
    );
}
