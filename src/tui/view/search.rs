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
    let block = Block::default()
        .borders(Borders::ALL)
        .title(pane_title(state, area.width))
        .border_style(if focused { t.border_focused } else { t.border });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < 4 {
        return;
    }

    // Each input scrolls within the pane so its cursor shows (the end of a long query).
    let room = (inner.width as usize).saturating_sub(6);
    let input_line = |label: &str, input: &tui_input::Input, field: SearchField| {
        let editing = pane.editing == Some(field);
        let (shown, cursor) = super::input::visible(input, room);
        // `s` on an earlier query selects it: typing replaces it.
        let style = if editing && field == SearchField::Query && pane.select_all {
            t.selected
        } else {
            ratatui::style::Style::default()
        };
        let line = Line::from(vec![
            Span::styled(format!("{label:<6}"), if editing { t.key } else { t.label }),
            Span::styled(shown, style),
        ]);
        (line, cursor)
    };
    let (query_line, query_cursor) = input_line("query", &pane.query, SearchField::Query);
    let mut head = vec![query_line];
    let (mut range_line, range_cursor) = input_line("range", &pane.range, SearchField::Range);
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
        let cursor = match field {
            SearchField::Query => query_cursor,
            SearchField::Range => range_cursor,
        };
        let row = inner.y + if field == SearchField::Query { 0 } else { 1 };
        let col = inner.x + 6 + cursor;
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
    // Only while the table still shows every hit (at most 10 of them).
    if let Some(m) = pane.selected_moment() {
        let lines = moment_preview(m, t, inner.width as usize);
        let h = lines.len() as u16;
        let rows = results.hits.len().min(10) as u16 + 1;
        if table_area.height >= h + rows {
            table_area.height -= h;
            frame.render_widget(
                Paragraph::new(lines),
                Rect::new(inner.x, table_area.bottom(), inner.width, h),
            );
        }
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
    let snippets = pane.moments.iter().any(Option::is_some)
        || results.hits.iter().any(|h| {
            h.text.as_ref().is_some_and(|x| !x.matches.is_empty())
                || h.semantic
                    .as_ref()
                    .is_some_and(|s| !extra_metadata(&s.metadata).is_empty())
        });
    let cols = HitColumns::for_width(
        table_area.width,
        results.semantic.is_some(),
        results.text.is_some(),
        snippets,
    );
    let widths = cols.constraints();
    let rows: Vec<Row<'_>> = results
        .hits
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, hit)| {
            let memory = match pane.joined.get(i) {
                Some(HitMemory::Found { emoji, title, .. }) => {
                    format!(
                        "{} {}",
                        sanitize::line(emoji),
                        sanitize::line(crate::omi::model::shown_title(title))
                    )
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
                    if cols.semantic >= 12 {
                        format!("#{:<3}{:.4}{legacy}", s.rank, s.score)
                    } else {
                        format!("{:.4}", s.score)
                    }
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
                let mut l =
                    moment_line(answer, t, (cols.snippet as usize).saturating_sub(9), false);
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
            let mut cells = vec![
                Cell::from(if i == pane.selected { "›" } else { " " }),
                Cell::from(format!("{:>2}", hit.rank)),
            ];
            if cols.semantic > 0 {
                cells.push(Cell::from(semantic));
            }
            if cols.text > 0 {
                cells.push(Cell::from(text));
            }
            cells.push(Cell::from(
                crate::tui::fit::fit(&memory, cols.memory as usize).into_owned(),
            ));
            if cols.snippet > 0 {
                let snippet = if i == pane.selected {
                    on_selection(snippet, t)
                } else {
                    snippet
                };
                cells.push(Cell::from(crate::tui::fit::line(
                    snippet,
                    cols.snippet as usize,
                )));
            }
            let row = Row::new(cells);
            if i == pane.selected {
                row.style(t.selected)
            } else {
                row
            }
        })
        .collect();
    let mut header = vec!["", " #"];
    if cols.semantic > 0 {
        header.push(if cols.semantic >= 12 {
            "semantic"
        } else {
            "sem"
        });
    }
    if cols.text > 0 {
        header.push("text");
    }
    header.push("memory");
    if cols.snippet > 0 {
        header.push("match");
    }
    let header = Row::new(header).style(t.label);
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
        // (A word boundary in the kept part, else where it starts; `first` when no
        // room is left before the word.)
        start = match before.get(from..) {
            Some(kept) if !kept.is_empty() => kept
                .iter()
                .find(|(_, c)| c.is_whitespace())
                .map_or(kept[0].0, |(i, c)| i + c.len_utf8()),
            _ => *first,
        };
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

/// The pane's title: the search mode and namespace stay at any width, the uid and top-k
/// give way first (`Search ns1 · hybrid · top 10` at 80 columns).
fn pane_title(state: &State, width: u16) -> String {
    use crate::tui::fit::{Piece, by_priority};
    let pane = &state.search;
    let uid = state.setup.uid.as_deref().unwrap_or("NOT SET");
    let mode = match pane.mode {
        SearchMode::Hybrid => Piece::new("hybrid (3 sides fused)", 0).or("hybrid"),
        m => Piece::new(m.name(), 0),
    };
    let pieces = [
        Piece::new(format!("Search {}", state.setup.namespace), 0).keep(),
        Piece::new(format!("uid {}", sanitize::line(uid)), 2),
        Piece::new(format!("top {}", pane.top_k), 1),
        Piece {
            cuttable: false,
            ..mode
        },
    ];
    let shown = by_priority(&pieces, " · ", width.saturating_sub(4) as usize);
    let text: Vec<String> = shown.into_iter().flatten().collect();
    super::title(&format!(" {} ", text.join(" · ")), width)
}

/// A match snippet drawn on the selected row: each part in a colour that shows on the
/// selection (grey on the blue selection has too little contrast).
fn on_selection(line: Line<'static>, t: &crate::tui::theme::Theme) -> Line<'static> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| Span::styled(s.content, t.on_selection(s.style)))
        .collect::<Vec<_>>();
    Line::from(spans)
}

/// Widths of the hits table in terminal columns, from the pane's width and what the
/// results hold (never from the rows in view). The memory column comes first: the
/// semantic column narrows to the score alone below 60 columns, a side the mode did not
/// run has no column, and the match column is shown only when some hit has one and it
/// gets [`SNIPPET_MIN`] columns after the memory's [`MEMORY_MIN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HitColumns {
    pub semantic: u16,
    pub text: u16,
    pub memory: u16,
    pub snippet: u16,
}

/// Columns the memory (emoji and title) keeps before a match column is shown: the
/// emoji, a space and 22 columns of title.
pub const MEMORY_MIN: u16 = 25;
/// The narrowest match column worth showing.
pub const SNIPPET_MIN: u16 = 16;

impl HitColumns {
    /// Widths for a table `width` columns wide.
    pub fn for_width(width: u16, semantic: bool, text: bool, snippets: bool) -> Self {
        let semantic = match (semantic, width >= 60) {
            (false, _) => 0,
            (true, true) => 12,
            (true, false) => 6,
        };
        let text = if text { 4 } else { 0 };
        // Marker and fused rank, then each column one space apart.
        let fixed: u16 = [1u16, 2, semantic, text]
            .iter()
            .filter(|w| **w > 0)
            .map(|w| w + 1)
            .sum();
        let room = width.saturating_sub(fixed);
        // The match column takes a third of what is left, and only when the memory
        // keeps its minimum beside it.
        let snippet = SNIPPET_MIN.max(room.saturating_sub(1) / 3);
        let (memory, snippet) = if snippets && room >= MEMORY_MIN + 1 + snippet {
            (room - 1 - snippet, snippet)
        } else {
            (room, 0)
        };
        Self {
            semantic,
            text,
            memory,
            snippet,
        }
    }

    fn constraints(&self) -> Vec<Constraint> {
        let mut c = vec![Constraint::Length(1), Constraint::Length(2)];
        for w in [self.semantic, self.text] {
            if w > 0 {
                c.push(Constraint::Length(w));
            }
        }
        c.push(Constraint::Length(self.memory));
        if self.snippet > 0 {
            c.push(Constraint::Length(self.snippet));
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_memory_column_comes_first() {
        // 80 columns: the pane is 48 wide (46 inside): no room for a match column.
        let narrow = HitColumns::for_width(46, true, true, true);
        assert_eq!(narrow.snippet, 0, "{narrow:?}");
        assert!(narrow.memory >= MEMORY_MIN, "{narrow:?}");
        // 120 columns: 72 wide (70 inside): memory and match share the room.
        let wide = HitColumns::for_width(70, true, true, true);
        assert!(
            wide.memory >= MEMORY_MIN && wide.snippet >= SNIPPET_MIN,
            "{wide:?}"
        );
        // No snippet in any hit: the memory takes the match column's room.
        let bare = HitColumns::for_width(70, true, true, false);
        assert_eq!(bare.snippet, 0);
        assert_eq!(bare.memory, wide.memory + wide.snippet + 1);
        // A semantic-only search has no text column.
        assert_eq!(HitColumns::for_width(70, true, false, false).text, 0);
    }
}
