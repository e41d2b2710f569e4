//! The batch drift check popups (`C`): the plan to confirm, then the verdicts.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use crate::sync::drift::DriftOutcome;
use crate::tui::sanitize;
use crate::tui::state::State;

fn boxed(
    frame: &mut Frame<'_>,
    area: Rect,
    height: u16,
    title: &str,
    lines: Vec<Line<'_>>,
    state: &State,
) {
    super::popup_box(
        frame,
        super::centered(area, 96, height),
        title,
        lines,
        state.theme.border_focused,
    );
}

/// The planned check, waiting for `y`.
pub(super) fn confirm(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some((ids, texts, tokens)) = &state.drift.planned else {
        return;
    };
    let lines = vec![
        Line::from(format!(
            "Check {} against their stored vectors in every Omi text format.",
            crate::words::count(ids.len(), "memory", "memories")
        )),
        Line::from(format!(
            "{} to embed with {} · about {tokens} tokens · fetch {}",
            crate::words::count(*texts, "distinct text", "distinct texts"),
            state.setup.embedder_model,
            crate::words::counted(ids.len(), "vector")
        )),
        Line::styled(
            "Scores already in the drift cache are not embedded again.",
            t.dim,
        ),
        Line::from(""),
        crate::tui::confirm::buttons(t, "Check", crate::tui::confirm::Default::Confirm),
    ];
    boxed(frame, area, 9, " Drift check ", lines, state);
}

/// The verdicts: counts, the formats that made the vectors, the first memories.
pub(super) fn results(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let mut lines = Vec::new();
    match &state.drift.results {
        None => lines.push(Line::styled(
            format!("{} checking…", super::spinner(state.tick)),
            t.info,
        )),
        Some(Err(e)) => lines.push(Line::styled(sanitize::line(e).into_owned(), t.error)),
        Some(Ok(outcomes)) => {
            let mut fresh = 0;
            let mut stale = 0;
            let mut none = 0;
            let mut other = 0;
            let mut skipped = 0;
            let mut by_format: BTreeMap<String, usize> = BTreeMap::new();
            for o in outcomes {
                match o {
                    DriftOutcome::Report(r) => {
                        if r.status == crate::sync::EmbeddingStatus::Fresh {
                            fresh += 1;
                        } else {
                            stale += 1;
                        }
                        let key = if r.identified {
                            r.best
                                .iter()
                                .map(|f| f.name())
                                .collect::<Vec<_>>()
                                .join(" = ")
                        } else {
                            "no format matches (another model or an edited text)".into()
                        };
                        *by_format.entry(key).or_default() += 1;
                    }
                    DriftOutcome::NoVector { .. } => none += 1,
                    DriftOutcome::Incomparable { .. } => other += 1,
                    DriftOutcome::Skipped { .. } => skipped += 1,
                }
            }
            lines.push(Line::from(format!(
                "{} checked: {fresh} fresh · {stale} stale · {none} without a vector · {other} not comparable · {skipped} skipped (Omi would not embed them)",
                outcomes.len()
            )));
            lines.push(Line::styled("made by:", t.label));
            for (f, n) in &by_format {
                lines.push(Line::from(format!("  {n:>5}  {f}")));
            }
            lines.push(Line::styled("first verdicts:", t.label));
            for o in outcomes.iter().take(8) {
                let text = match o {
                    DriftOutcome::Report(r) => format!("{}: {}", r.memory_id, r.verdict),
                    DriftOutcome::NoVector { memory_id, .. } => format!("{memory_id}: no vector"),
                    DriftOutcome::Incomparable { memory_id, reason }
                    | DriftOutcome::Skipped {
                        memory_id, reason, ..
                    } => {
                        format!("{memory_id}: {reason}")
                    }
                };
                lines.push(Line::from(format!("  {}", sanitize::line(&text))));
            }
            lines.push(Line::styled(
                "The list's statuses now show fresh / stale for these. Esc closes.",
                t.dim,
            ));
        }
    }
    let height = (lines.len() as u16 + 4).max(8);
    boxed(frame, area, height, " Drift check results ", lines, state);
}
