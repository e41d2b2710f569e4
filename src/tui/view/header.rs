//! The two header lines: the set-up, then status counts and the lookup's progress.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::sanitize;
use crate::tui::state::{LoadState, State};

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let setup = &state.setup;
    let mut first = vec![Span::styled("memlens ", t.title)];
    match (&state.export, &state.export_path) {
        (Some(e), _) => {
            let name = e
                .path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            first.push(Span::raw(format!(
                "{} · {} memories",
                sanitize::line(&name),
                e.memories.len()
            )));
        }
        (None, Some(p)) => {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            first.push(Span::raw(sanitize::line(&name).into_owned()));
        }
        (None, None) => first.push(Span::styled("no export", t.dim)),
    }
    first.push(Span::styled(" │ uid ", t.dim));
    match &setup.uid {
        Some(uid) => first.push(Span::raw(sanitize::line(uid).into_owned())),
        None => first.push(Span::styled("not set", t.warn)),
    }
    first.push(Span::styled(" │ ", t.dim));
    first.push(Span::raw(format!(
        "{}/{}",
        short_target(&setup.store_target),
        if state.on_facts_tab() {
            crate::omi::fact_conventions::FACTS_NAMESPACE
        } else {
            setup.namespace.as_str()
        }
    )));
    first.push(Span::styled(" │ ", t.dim));
    first.push(Span::raw(format!(
        "{} {}d",
        setup.embedder_model, setup.embedder_dimension
    )));
    if setup.read_only {
        first.push(Span::styled(" READ-ONLY", t.warn));
    }

    let mut second: Vec<Span<'_>> = Vec::new();
    let facts_tab = state.on_facts_tab();
    if let Some(e) = &state.export
        && !e.facts.is_empty()
    {
        // The tabs, when there is a second one to show; the shown one in brackets (not
        // by colour alone).
        let tab = |active: bool, text: String| {
            if active {
                Span::styled(format!("[{text}]"), t.selected)
            } else {
                Span::styled(format!(" {text} "), t.dim)
            }
        };
        second.push(tab(!facts_tab, "1 conversations".into()));
        second.push(tab(facts_tab, format!("2 facts ({})", e.facts.len())));
        second.push(Span::styled(" │ ", t.dim));
    }
    if let Some(e) = &state.export
        && !facts_tab
    {
        // Beside the tabs only the shape's code (`E3`) fits.
        let shape = if e.facts.is_empty() {
            e.shape.as_str()
        } else {
            e.shape.split(' ').next().unwrap_or_default()
        };
        second.push(Span::styled(format!("{shape} · "), t.dim));
    }
    match &state.load {
        LoadState::Loading { done, total } => {
            let pct = if *total > 0 { done * 100 / total } else { 0 };
            second.push(Span::styled(
                format!(
                    "{} loading export {pct}% ({:.1} / {:.1} MB)",
                    super::spinner(state.tick),
                    *done as f64 / 1e6,
                    *total as f64 / 1e6
                ),
                t.info,
            ));
        }
        LoadState::Failed(_) => second.push(Span::styled("export failed to load", t.error)),
        _ if facts_tab => {
            second.push(Span::styled("ns2 ", t.dim));
            for (status, n) in state.facts.status_counts() {
                second.push(Span::styled(
                    format!("{} {} {n}", status.glyph(), status.word()),
                    t.status(status),
                ));
                second.push(Span::raw("  "));
            }
            if state.facts.lookup_running {
                second.push(Span::styled(
                    format!("{} checking ns2", super::spinner(state.tick)),
                    t.info,
                ));
            }
        }
        _ => {
            for (status, n) in state.status_counts() {
                second.push(Span::styled(
                    format!("{} {} {n}", status.glyph(), status.word()),
                    t.status(status),
                ));
                second.push(Span::raw("  "));
            }
            if let Some((done, total)) = state.lookup.running {
                second.push(Span::styled(
                    format!(
                        "{} checking store {done}/{total}",
                        super::spinner(state.tick)
                    ),
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
                second.push(Span::styled(format!("status {how} {when}"), t.dim));
            }
        }
    }
    let p = Paragraph::new(vec![Line::from(first), Line::from(second)]).style(t.header);
    frame.render_widget(p, area);
}

/// The store target with a long path cut to its file name (`local …/store.db`).
fn short_target(target: &str) -> String {
    match target.split_once(' ') {
        Some((kind, path)) if path.len() > 32 => {
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
        assert_eq!(short_target("local /tmp/s.db"), "local /tmp/s.db");
        assert_eq!(short_target("pinecone memories"), "pinecone memories");
    }
}
