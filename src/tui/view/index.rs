//! The index view (`I`): stats, embedder/index compatibility, counts, and the orphans.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use crate::sync::EmbeddingStatus;
use crate::tui::sanitize;
use crate::tui::state::State;

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let ui = &state.index;
    let rect = super::centered(area, 100, area.height.saturating_sub(4).max(10));
    frame.render_widget(Clear, rect);
    let mut lines: Vec<Line<'_>> = Vec::new();
    let setup = &state.setup;
    lines.push(Line::from(format!(
        "store {} · namespace {} · uid {}",
        setup.store_target,
        setup.namespace,
        setup
            .uid
            .as_deref()
            .map(sanitize::line)
            .unwrap_or_else(|| "NOT SET".into())
    )));
    match &ui.report {
        None => lines.push(Line::styled(
            format!("{} loading…", super::spinner(state.tick)),
            t.info,
        )),
        Some(Err(e)) => lines.push(Line::styled(sanitize::line(e).into_owned(), t.error)),
        Some(Ok(report)) => {
            let s = &report.stats;
            lines.push(Line::from(format!(
                "index: dimension {} · metric {} · {} vectors in all",
                match s.dimension {
                    Some(d) => d.to_string(),
                    None if !s.namespace_dimensions.is_empty() => "mixed".into(),
                    None => "?".into(),
                },
                s.metric.as_deref().unwrap_or("?"),
                s.total
            )));
            let per_ns: Vec<String> = s
                .namespaces
                .iter()
                .map(|(ns, n)| {
                    let shown = sanitize::line(ns);
                    let holds = match crate::omi::fact_conventions::known_namespace(ns) {
                        Some(k) if k.modelled => format!(" Omi {}", k.holds),
                        Some(k) => format!(" Omi {}, read-only", k.holds),
                        None => String::new(),
                    };
                    match s.dimension_of(ns) {
                        Some(d) => format!("{shown}: {n} ({d} d){holds}"),
                        None => format!("{shown}: {n}{holds}"),
                    }
                })
                .collect();
            lines.push(Line::from(format!(
                "namespaces: {}",
                if per_ns.is_empty() {
                    "none".into()
                } else {
                    per_ns.join(" · ")
                }
            )));
            let fits = match s.dimension_of(&setup.namespace) {
                Some(d) if d == setup.embedder_dimension => Line::styled(
                    format!(
                        "embedder {} makes {d} d: fits the index ✓",
                        setup.embedder_model
                    ),
                    t.info,
                ),
                Some(d) => Line::styled(
                    format!(
                        "embedder {} makes {} d but the index holds {d} d ✗ — writes are refused, searches cannot match",
                        setup.embedder_model, setup.embedder_dimension
                    ),
                    t.error,
                ),
                None => Line::styled("dimension unknown (no vectors here yet?)", t.dim),
            };
            lines.push(fits);
            let missing = state
                .statuses
                .iter()
                .filter(|x| **x == EmbeddingStatus::Missing)
                .count();
            match &report.scan {
                Err(e) => {
                    lines.push(Line::from(format!(
                        "memories {} · missing vectors {missing}",
                        state.memories().len()
                    )));
                    lines.push(Line::styled(
                        format!("orphans: {}", sanitize::line(e)),
                        t.warn,
                    ));
                }
                Ok(scan) => {
                    lines.push(Line::from(format!(
                        "memories {} · vectors of this uid {} ({}) · in export {} · missing {} · orphans {}",
                        state.memories().len(),
                        scan.listed,
                        crate::words::counted(scan.pages, "page"),
                        scan.in_export,
                        scan.missing,
                        scan.orphans.len()
                    )));
                    lines.push(Line::from(""));
                    if scan.orphans.is_empty() {
                        lines.push(Line::styled("No orphan vectors: every vector of this uid has its memory in the export.", t.dim));
                    } else {
                        lines.push(Line::styled(
                            "Orphans (vectors whose memory is not in the export):",
                            t.label,
                        ));
                        let room = rect.height.saturating_sub(lines.len() as u16 + 5) as usize;
                        let start = ui.selected.saturating_sub(room.saturating_sub(1));
                        for (i, o) in scan.orphans.iter().enumerate().skip(start).take(room) {
                            let created = o
                                .created_at
                                .and_then(|c| chrono::DateTime::from_timestamp(c as i64, 0))
                                .map(|d| d.format("%Y-%m-%d").to_string())
                                .unwrap_or_else(|| "—".into());
                            let mark = if i == ui.selected { "›" } else { " " };
                            let notes = if o.notes.is_empty() {
                                String::new()
                            } else {
                                format!("  {}", o.notes.join("; "))
                            };
                            let line = format!(
                                "{mark} {}  {created}{}",
                                sanitize::line(&o.vector_id),
                                sanitize::line(&notes)
                            );
                            lines.push(if i == ui.selected {
                                Line::styled(line, t.selected)
                            } else {
                                Line::from(line)
                            });
                        }
                    }
                    lines.push(Line::from(""));
                    if ui.deleting {
                        lines.push(Line::styled("deleting…", t.info));
                    } else if ui.confirm_delete {
                        lines.push(Line::styled(
                            format!(
                                "Delete these {} from {} / {}? (only ids starting with \"{}-\")",
                                crate::words::counted(scan.orphans.len(), "vector"),
                                sanitize::line(&setup.store_target),
                                scan.namespace,
                                sanitize::line(&scan.uid)
                            ),
                            t.warn,
                        ));
                        lines.push(crate::tui::confirm::buttons(
                            t,
                            &format!("Delete {}", scan.orphans.len()),
                            crate::tui::confirm::Default::Cancel,
                        ));
                    } else if let (false, Some(why)) =
                        (scan.orphans.is_empty(), &scan.export_incomplete)
                    {
                        // `d` refuses these: say so before it is pressed.
                        lines.push(Line::styled(
                            format!(
                                "Not deleted here: {}; these may be conversations it lacks (memlens orphans EXPORT --delete --yes --allow-incomplete-export deletes anyway)",
                                sanitize::line(why)
                            ),
                            t.warn,
                        ));
                    } else if !scan.orphans.is_empty() && !setup.read_only {
                        lines.push(Line::from(vec![
                            Span::styled("d", t.key),
                            Span::raw(" deletes the orphans (a dry-run list first) · "),
                            Span::styled("F5", t.key),
                            Span::raw(" rescans · "),
                            Span::styled("Esc", t.key),
                            Span::raw(" closes"),
                        ]));
                    }
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(" Index ")
                    .border_style(t.border_focused),
            ),
        rect,
    );
}
