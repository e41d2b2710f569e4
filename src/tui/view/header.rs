//! The two header lines: the set-up, then status counts, the lookup's progress and the
//! auto-index gauge.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::fit::{self, Piece};
use crate::tui::sanitize;
use crate::tui::state::{LoadState, State};

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let setup = &state.setup;
    let room = area.width as usize;
    // Line 1, by priority: the embedder model and READ-ONLY always stay; the store path
    // shortens first, then the export name, then the uid.
    let export = match (&state.export, &state.export_path) {
        (Some(e), _) => {
            let name = file_name(&e.path);
            Piece::new(format!("memlens {name} · {} memories", e.memories.len()), 2)
                .or(format!("{name} · {}", e.memories.len()))
                .or(name)
        }
        (None, Some(p)) => Piece::new(format!("memlens {}", file_name(p)), 2),
        (None, None) => Piece::new("memlens · no export", 2),
    };
    let uid = match &setup.uid {
        Some(uid) => Piece::new(format!("uid {}", sanitize::line(uid)), 1)
            .or(sanitize::line(uid).into_owned()),
        None => Piece::new("uid not set", 1),
    };
    let target = sanitize::line(&setup.store_target).into_owned();
    let namespace = if state.on_record_tab() {
        state.tab.kind().default_namespace().to_string()
    } else {
        setup.namespace.clone()
    };
    let store = Piece::new(format!("{target}/{namespace}"), 3)
        .or(format!("{}/{namespace}", short_target(&target)))
        .or(namespace);
    let model = Piece::new(
        format!("{} {}d", setup.embedder_model, setup.embedder_dimension),
        0,
    )
    .keep();
    let mut pieces = vec![export, uid, store, model];
    if setup.read_only {
        pieces.push(Piece::new("READ-ONLY", 0).keep());
    }
    if state
        .export
        .as_ref()
        .is_some_and(|e| e.incomplete.is_some())
    {
        pieces.push(Piece::new("INCOMPLETE EXPORT", 0).keep());
    }
    let shown = fit::by_priority(&pieces, " │ ", room);
    let mut first: Vec<Span<'_>> = Vec::new();
    for (i, text) in shown.into_iter().enumerate() {
        let Some(text) = text else { continue };
        if !first.is_empty() {
            first.push(Span::styled(" │ ", t.dim));
        }
        let style = match i {
            0 => t.title,
            1 if setup.uid.is_none() => t.warn,
            4 => t.warn,
            _ => t.base,
        };
        first.push(Span::styled(text, style));
    }

    let second = second_line(state, room);
    let p = Paragraph::new(vec![Line::from(first), Line::from(second)]).style(t.header);
    frame.render_widget(p, area);
}

fn file_name(p: &std::path::Path) -> String {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    sanitize::line(&name).into_owned()
}

/// Line 2: status counts (kept longest), the lookup's progress or age, the shape label
/// (shortened first).
fn second_line(state: &State, room: usize) -> Vec<Span<'static>> {
    let t = &state.theme;
    let mut pieces: Vec<(Piece, ratatui::style::Style)> = Vec::new();
    let facts_tab = state.on_facts_tab();
    let record_tab = state.on_record_tab();
    match &state.load {
        LoadState::Loading { done, total } => {
            let pct = if *total > 0 { done * 100 / total } else { 0 };
            pieces.push((
                Piece::new(
                    format!(
                        "{} loading export {pct}% ({:.1} / {:.1} MB)",
                        super::spinner(state.tick),
                        *done as f64 / 1e6,
                        *total as f64 / 1e6
                    ),
                    0,
                )
                .or(format!("{} loading {pct}%", super::spinner(state.tick))),
                t.info,
            ));
        }
        LoadState::Failed(_) => {
            pieces.push((Piece::new("export failed to load", 0), t.error));
        }
        _ if facts_tab => {
            pieces.push((Piece::new("ns2", 1), t.dim));
            for (status, n) in state.facts.status_counts() {
                pieces.push((
                    count_piece(status.glyph(), status.word(), n),
                    t.status(status),
                ));
            }
            if state.facts.lookup_running {
                pieces.push((
                    Piece::new(format!("{} checking ns2", super::spinner(state.tick)), 2),
                    t.info,
                ));
            }
        }
        _ if record_tab => {
            let kind = state.tab.kind();
            let ns = kind.default_namespace();
            pieces.push((Piece::new(ns, 1), t.dim));
            if let Some(tab) = state.kind_tab(kind) {
                for (status, n) in tab.status_counts() {
                    let e = status.embedding();
                    pieces.push((count_piece(e.glyph(), status.word(), n), t.status(e)));
                }
                if tab.lookup_running || !tab.prepared {
                    pieces.push((
                        Piece::new(format!("{} checking {ns}", super::spinner(state.tick)), 2),
                        t.info,
                    ));
                }
            }
        }
        _ => {
            // The auto-index gauge first: it is what the user waits for.
            if let Some(gauge) = state.indexing.gauge() {
                // Whole or not at all: a cut gauge loses its count.
                let mut p = Piece::new(format!("{} {gauge}", super::spinner(state.tick)), 0);
                p.cuttable = false;
                pieces.push((p, t.info));
            }
            for (status, n) in state.status_counts() {
                pieces.push((
                    count_piece(status.glyph(), status.word(), n),
                    t.status(status),
                ));
            }
            if let Some((done, total)) = state.lookup.running {
                pieces.push((
                    Piece::new(
                        format!(
                            "{} checking store {done}/{total}",
                            super::spinner(state.tick)
                        ),
                        2,
                    )
                    .or(format!("{} {done}/{total}", super::spinner(state.tick))),
                    t.info,
                ));
            } else if let Some(at) = state.lookup.checked_at {
                let when = chrono::DateTime::from_timestamp(at, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default();
                let how = if state.lookup.from_cache {
                    "cached"
                } else {
                    "looked up"
                };
                pieces.push((
                    {
                        // A time cut short says nothing (`2026-12-0…`): dropped whole.
                        let mut p = Piece::new(format!("status {how} {when}"), 3)
                            .or(format!("{how} {when}"));
                        p.cuttable = false;
                        p
                    },
                    t.dim,
                ));
            }
        }
    }
    // The export's shape takes only the room the rest leaves (below).
    let shape = state
        .export
        .as_ref()
        .filter(|_| !record_tab)
        .and_then(|e| shape_piece(&e.shape));
    if let Some(e) = &state.export {
        // The tabs; the shown one in brackets (not by colour alone). `key:name (count)`,
        // as tmux lists windows: the digit is the key that shows the tab, never read as
        // a count (`1 conversations` was). A tab not shown gives way to its bare name.
        use crate::tui::kinds::Tab;
        let count = |tab: Tab| -> Option<usize> {
            match tab {
                Tab::Conversations => Some(e.memories.len()),
                Tab::Facts => Some(e.facts.len()),
                Tab::ActionItems => e
                    .action_items()
                    .present
                    .then(|| e.action_items().items.len()),
                Tab::Chunks => state.chunks.prepared.then_some(state.chunks.records),
            }
        };
        let tabs = [
            Tab::Conversations,
            Tab::Facts,
            Tab::ActionItems,
            Tab::Chunks,
        ];
        for (i, tab) in tabs.into_iter().enumerate() {
            let text = match count(tab) {
                Some(n) => format!("{} ({n})", tab.label()),
                None => tab.label().to_string(),
            };
            let piece = if tab == state.tab {
                (Piece::new(format!("[{text}]"), 0).keep(), t.selected)
            } else {
                // Below the gauge (0), beside the status counts (1), which give way
                // first; a tab's count goes before its name.
                let mut p = Piece::new(text, 1).or(tab.label());
                p.cuttable = false;
                (p, t.dim)
            };
            pieces.insert(i, piece);
        }
    }
    let only: Vec<Piece> = pieces.iter().map(|(p, _)| p.clone()).collect();
    let mut shown = fit::by_priority(&only, "  ", room);
    // The shape, after the tabs, only where every other piece is shown whole: its
    // longest form that fits the room left, or nothing.
    let whole = shown
        .iter()
        .zip(&only)
        .all(|(s, p)| s.as_deref() == Some(p.text.as_str()));
    if let (Some(shape), true) = (shape, whole) {
        let used: usize = shown.iter().flatten().map(|s| fit::width(s) + 2).sum();
        let left = room.saturating_sub(used);
        let form = std::iter::once(&shape.text)
            .chain(&shape.shorter)
            .find(|f| fit::width(f) <= left)
            .cloned();
        if let Some(form) = form {
            let at = if state.export.is_some() { 4 } else { 0 }.min(shown.len());
            shown.insert(at, Some(form));
            pieces.insert(at, (shape, t.dim));
        }
    }
    let mut out = Vec::new();
    for (text, (_, style)) in shown.into_iter().zip(pieces) {
        let Some(text) = text else { continue };
        if !out.is_empty() {
            out.push(Span::raw("  "));
        }
        out.push(Span::styled(text, style));
    }
    out
}

/// The export's shape, said in words: `E3: server export omi-export.json (2026-02..)`,
/// shorter `E3: server export`; left out when neither fits in the room the rest of the
/// line leaves (its code alone, `E3`, said nothing to whoever had not read omi.md).
fn shape_piece(shape: &str) -> Option<Piece> {
    let code = shape.split_whitespace().next()?;
    let known = crate::omi::export::Shape::from_code(code)?;
    let mut p = Piece::new(format!("{code}: {}", known.description()), 4)
        .or(format!("{code}: {}", known.short_name()));
    p.cuttable = false;
    Some(p)
}

/// A status count (`● present 323`, shorter `● 323`): dropped rather than cut, since a
/// cut count (`● 3…`) would read as another number.
fn count_piece(glyph: char, word: &str, n: usize) -> Piece {
    let mut p = Piece::new(format!("{glyph} {word} {n}"), 1).or(format!("{glyph} {n}"));
    p.cuttable = false;
    p
}

/// The store target with its path cut to the file name (`local …/store.db`).
fn short_target(target: &str) -> String {
    match target.split_once(' ') {
        Some((kind, path)) if path.contains('/') => {
            let name = path.rsplit('/').next().unwrap_or(path);
            format!("{kind} …/{}", sanitize::line(name))
        }
        _ => sanitize::line(target).into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_target;

    #[test]
    fn long_paths_keep_their_file_name() {
        assert_eq!(
            short_target("local /home/someone/.local/share/memlens/store.db"),
            "local …/store.db"
        );
        assert_eq!(short_target("local /tmp/s.db"), "local …/s.db");
        assert_eq!(short_target("local store.db"), "local store.db");
        assert_eq!(short_target("pinecone memories"), "pinecone memories");
    }
}
