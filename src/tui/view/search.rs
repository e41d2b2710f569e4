//! The search pane: query and date-range inputs, top-k, timings, and the hits table with
//! the export's emoji/title/category beside each memory id.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use crate::store::MetaValue;
use crate::sync::fulltext::{Field, FieldMatch};
use crate::sync::hybrid::SearchMode;
use crate::sync::search::HitMemory;
use crate::tui::sanitize;
use crate::tui::search::SearchField;
use crate::tui::state::{Focus, FullTextState, State};

fn extra_metadata(meta: &crate::store::Metadata) -> String {
    meta.iter()
        .filter(|(k, _)| !matches!(k.as_str(), "uid" | "memory_id" | "created_at"))
        .map(|(k, v)| {
            let v = match v {
                MetaValue::String(s) => s.clone(),
                MetaValue::Number(n) => n.to_string(),
                MetaValue::Bool(b) => b.to_string(),
                MetaValue::List(l) => l.join("|"),
            };
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let pane = &state.search;
    let focused = state.focus == Focus::Search && state.popup.is_none();
    let uid = state.setup.uid.as_deref().unwrap_or("NOT SET");
    let block = Block::default()
        .borders(Borders::ALL)
        .title(super::title(
            &format!(
                " Search {} · uid {} · top {} · {} ",
                state.setup.namespace,
                sanitize::line(uid),
                pane.top_k,
                match pane.mode {
                    SearchMode::Hybrid => "hybrid (RRF k=60)",
                    m => m.name(),
                }
            ),
            area.width,
        ))
        .border_style(if focused { t.border_focused } else { t.border });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 {
        return;
    }

    let input_line = |label: &str, value: &str, field: SearchField| {
        let editing = pane.editing == Some(field);
        Line::from(vec![
            Span::styled(format!("{label:<6}"), if editing { t.key } else { t.label }),
            Span::raw(sanitize::line(value).into_owned()),
        ])
    };
    let mut head = vec![input_line("query", pane.query.value(), SearchField::Query)];
    let mut range_line = input_line("range", pane.range.value(), SearchField::Range);
    match &pane.range_check {
        Ok(r) if r.is_unbounded() => range_line.spans.push(Span::styled("  (all dates)", t.dim)),
        Ok(r) => range_line
            .spans
            .push(Span::styled(format!("  ✓ {r}"), t.info)),
        Err(e) => range_line
            .spans
            .push(Span::styled(format!("  ✗ {e}"), t.error)),
    }
    head.push(range_line);
    let status = if let Some(what) = &pane.running {
        Line::styled(
            format!("{} {}", super::spinner(state.tick), sanitize::line(what)),
            t.info,
        )
    } else if let Some(e) = &pane.error {
        Line::styled(sanitize::line(e).into_owned(), t.error)
    } else if let Some(r) = &pane.results {
        let what = match &pane.results_query {
            Some(q) => format!("{:?}", sanitize::line(q)),
            None => "like this memory".into(),
        };
        let mut parts = vec![format!("{} hits for {what}", r.hits.len())];
        if let Some(s) = &r.semantic {
            parts.push(format!("semantic {:.1} ms", s.timings.query_ms));
        }
        if let Some(x) = &r.text {
            parts.push(format!(
                "text {:.1} ms{}",
                x.query_ms,
                if x.relaxed { " (any word)" } else { "" }
            ));
        }
        parts.extend(r.notes.iter().cloned());
        Line::styled(parts.join(" · "), t.dim)
    } else if let Some(g) = &state.golden_last {
        Line::styled(
            format!(
                "golden: last run {} · {} queries · recall@{} {:.3} · MRR {:.3} ({})",
                chrono::DateTime::<chrono::Utc>::from_timestamp(g.ran_at, 0)
                    .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_default(),
                g.queries.len(),
                g.top_k,
                g.recall_at_k,
                g.mrr,
                g.mode
            ),
            t.dim,
        )
    } else if let Some(coverage) = state.indexing.coverage(&state.setup.namespace) {
        Line::styled(sanitize::line(&coverage).into_owned(), t.info)
    } else {
        Line::styled(
            "s types a query, r a date range (2024-08-01..2024-09-01, 7d), Enter runs, t the mode",
            t.dim,
        )
    };
    head.push(Line::styled(fulltext_line(&state.fulltext), t.dim));
    head.push(status);
    // While the export is being indexed, results cover only part of it: say how much.
    if pane.results.is_some()
        && let Some(coverage) = state.indexing.coverage(&state.setup.namespace)
    {
        head.push(Line::styled(sanitize::line(&coverage).into_owned(), t.warn));
    }
    let head: Vec<Line<'static>> = head
        .into_iter()
        .map(|l| crate::tui::fit::line(l, inner.width as usize))
        .collect();
    let head_height = head.len() as u16;
    frame.render_widget(
        Paragraph::new(head),
        Rect::new(inner.x, inner.y, inner.width, head_height),
    );
    if let Some(field) = pane.editing
        && focused
    {
        let input = match field {
            SearchField::Query => &pane.query,
            SearchField::Range => &pane.range,
        };
        let row = inner.y + if field == SearchField::Query { 0 } else { 1 };
        let col = inner.x + 6 + input.visual_cursor() as u16;
        frame.set_cursor_position((col.min(inner.right().saturating_sub(1)), row));
    }

    let mut table_area = Rect::new(
        inner.x,
        inner.y + head_height,
        inner.width,
        inner.height.saturating_sub(head_height),
    );
    let Some(results) = &pane.results else {
        return;
    };
    // The selected hit's moment under the table: its time range and the lines around the
    // answer, the query's words marked.
    if let Some(m) = pane.selected_moment()
        && table_area.height >= 8
    {
        let lines = moment_preview(m, t, inner.width as usize);
        let h = lines.len() as u16;
        table_area.height -= h;
        frame.render_widget(
            Paragraph::new(lines),
            Rect::new(inner.x, table_area.bottom(), inner.width, h),
        );
    }
    if results.hits.is_empty() {
        frame.render_widget(
            Paragraph::new("No match for this uid and range.").style(t.dim),
            table_area,
        );
        return;
    }
    let height = table_area.height.saturating_sub(1) as usize;
    let offset = pane.selected.saturating_sub(height.saturating_sub(1));
    let widths = [
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Fill(2),
        Constraint::Fill(3),
    ];
    // Cells are cut with … to their column (the table itself would cut silently).
    let columns = ratatui::layout::Layout::horizontal(widths)
        .spacing(1)
        .split(table_area);
    let room = |col: usize| columns[col].width as usize;
    let rows: Vec<Row<'_>> = results
        .hits
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, hit)| {
            let memory = match pane.joined.get(i) {
                Some(HitMemory::Found { emoji, title, .. }) => {
                    format!("{} {}", sanitize::line(emoji), sanitize::line(title))
                }
                _ => format!("not in export: {}", sanitize::line(&hit.memory_id)),
            };
            let semantic = hit
                .semantic
                .as_ref()
                .map(|s| {
                    let legacy = if s.created_at.as_ref().is_some_and(|c| c.legacy) {
                        " L"
                    } else {
                        ""
                    };
                    format!("#{:<3}{:.4}{legacy}", s.rank, s.score)
                })
                .unwrap_or_else(|| "—".into());
            let text = hit
                .text
                .as_ref()
                .map(|x| format!("#{}", x.rank))
                .unwrap_or_else(|| "—".into());
            let moment = pane.moments.get(i).and_then(Option::as_ref);
            let snippet = moment.and_then(|m| {
                // The answering line's time and words; the preview below shows the
                // chunk's range and speaker.
                let answer = m.answer()?;
                let clock = crate::sync::fulltext::clock(answer.start_seconds);
                let mut l = moment_line(answer, t, room(5).saturating_sub(9), false);
                l.spans.insert(0, Span::styled(format!("{clock} "), t.dim));
                Some(l)
            });
            let snippet = snippet
                .or_else(|| {
                    hit.text
                        .as_ref()
                        .and_then(|x| {
                            // The title is in the memory column already: show another field's
                            // match when there is one.
                            x.matches
                                .iter()
                                .find(|m| m.field != Field::Title)
                                .or(x.matches.first())
                        })
                        .map(|m| snippet_line(m, t))
                })
                .unwrap_or_else(|| {
                    Line::styled(
                        hit.semantic
                            .as_ref()
                            .map(|s| sanitize::line(&extra_metadata(&s.metadata)).into_owned())
                            .unwrap_or_default(),
                        t.dim,
                    )
                });
            let row = Row::new(vec![
                Cell::from(if i == pane.selected { "›" } else { " " }),
                Cell::from(format!("{:>2}", hit.rank)),
                Cell::from(semantic),
                Cell::from(text),
                Cell::from(crate::tui::fit::fit(&memory, room(4)).into_owned()),
                Cell::from(crate::tui::fit::line(snippet, room(5))),
            ]);
            if i == pane.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(vec!["", " #", "semantic", "text", "memory", "match"]).style(t.label);
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, table_area);
}

/// Characters of a moment's line kept before its first marked word.
const MOMENT_BEFORE: usize = 24;

/// `Speaker 1: …the deposit is due Friday…` with the query's words marked, cut so the
/// first marked word shows within `room` columns; export text sanitised piece by piece.
pub(super) fn moment_line(
    l: &crate::sync::moment::MomentLine,
    t: &crate::tui::theme::Theme,
    room: usize,
    speaker: bool,
) -> Line<'static> {
    let text = &l.text;
    let lead = if speaker {
        format!("{}: ", l.speaker)
    } else {
        String::new()
    };
    // Start a little before the first marked word when it would be out of sight.
    let mut start = 0;
    if let Some((first, _)) = l.highlights.first()
        && text[..*first].chars().count() + lead.chars().count() + 8 > room
    {
        let before: Vec<(usize, char)> = text[..*first].char_indices().collect();
        let from = before.len().saturating_sub(MOMENT_BEFORE.min(room / 3));
        start = before[from..]
            .iter()
            .find(|(_, c)| c.is_whitespace())
            .map_or(before[from].0, |(i, c)| i + c.len_utf8());
    }
    let mut spans = if lead.is_empty() {
        vec![]
    } else {
        vec![Span::styled(lead, t.label)]
    };
    if start > 0 {
        spans.push(Span::raw("…"));
    }
    let mut at = start;
    for (s, e) in &l.highlights {
        let (Some(before), Some(hit)) = (text.get(at..*s), text.get(*s..*e)) else {
            continue;
        };
        spans.push(Span::raw(sanitize::line(before).into_owned()));
        spans.push(Span::styled(sanitize::line(hit).into_owned(), t.key));
        at = *e;
    }
    spans.push(Span::raw(
        sanitize::line(text.get(at..).unwrap_or("")).into_owned(),
    ));
    Line::from(spans)
}

/// Lines of a moment shown on each side of the answer in the preview.
const PREVIEW_CONTEXT: usize = 1;

/// The selected hit's moment: a heading with its time range and chunk, then the answer
/// (`›`) with a line before and after.
fn moment_preview(
    m: &crate::sync::moment::Moment,
    t: &crate::tui::theme::Theme,
    width: usize,
) -> Vec<Line<'static>> {
    let via = match (m.source, m.chunk_index) {
        (crate::sync::moment::MomentSource::Chunk, Some(c)) => format!("chunk c{c}"),
        (_, Some(c)) => format!("transcript match, chunk c{c}"),
        (_, None) => "transcript match".into(),
    };
    let mut out = vec![Line::from(vec![
        Span::styled(format!("[{}] ", m.range()), t.label),
        Span::styled(format!("{via} · Enter opens the transcript here"), t.dim),
    ])];
    let at = m
        .lines
        .iter()
        .position(|l| l.segment == m.segment)
        .unwrap_or(0);
    let from = at.saturating_sub(PREVIEW_CONTEXT);
    let to = (at + PREVIEW_CONTEXT + 1).min(m.lines.len());
    for (k, l) in m.lines[from..to].iter().enumerate() {
        let mut line = moment_line(l, t, width.saturating_sub(11), true);
        line.spans.insert(
            0,
            Span::styled(
                format!(
                    "{} {} ",
                    if from + k == at { "›" } else { " " },
                    crate::sync::fulltext::clock(l.start_seconds)
                ),
                t.dim,
            ),
        );
        out.push(crate::tui::fit::line(line, width));
    }
    out.into_iter()
        .map(|l| crate::tui::fit::line(l, width))
        .collect()
}

/// `full text: ready (120 memories, reused)` / `building 45%`.
fn fulltext_line(s: &FullTextState) -> String {
    match s {
        FullTextState::Idle => "full text: no export".into(),
        FullTextState::Building { done, total } => format!(
            "full text: indexing {done}/{total} memories ({}%)",
            (done * 100).checked_div(*total).unwrap_or(0)
        ),
        FullTextState::Ready {
            memories,
            built,
            ms,
        } => format!(
            "full text: {memories} memories ({} in {ms:.0} ms)",
            if *built { "indexed" } else { "index reused" }
        ),
        FullTextState::Failed(e) => format!("full text: failed ({})", sanitize::line(e)),
    }
}

/// `transcript 00:12:31 …refinancing with the lender…` with the match highlighted; export
/// text sanitised piece by piece.
pub(super) fn snippet_line(m: &FieldMatch, t: &crate::tui::theme::Theme) -> Line<'static> {
    let text = &m.snippet.text;
    let mut spans = vec![Span::styled(format!("{} ", m.place()), t.dim)];
    let mut at = 0;
    for (s, e) in &m.snippet.highlights {
        let (Some(before), Some(hit)) = (text.get(at..*s), text.get(*s..*e)) else {
            break;
        };
        spans.push(Span::raw(sanitize::line(before).into_owned()));
        spans.push(Span::styled(sanitize::line(hit).into_owned(), t.key));
        at = *e;
    }
    spans.push(Span::raw(
        sanitize::line(text.get(at..).unwrap_or("")).into_owned(),
    ));
    Line::from(spans)
}
