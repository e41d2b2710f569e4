//! The details pane: every field of the selected memory, then its embedding block with the
//! exact text that would be embedded. Lines are built per draw for one memory only.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use crate::omi::Memory;
use crate::omi::date::OmiDate;
use crate::omi::text::render;
use crate::store::MetaValue;
use crate::tui::sanitize;
use crate::tui::state::{Focus, State};
use crate::tui::theme::Theme;

fn date(d: &Option<OmiDate>) -> (String, bool) {
    match d {
        None => ("—".into(), false),
        Some(d) => match d.offset {
            Some(o) => (
                format!("{} {o}", d.naive.format("%Y-%m-%d %H:%M:%S")),
                false,
            ),
            None => (format!("{}", d.naive.format("%Y-%m-%d %H:%M:%S")), true),
        },
    }
}

pub(super) fn field<'a>(t: &Theme, label: &str, value: String) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{label:<12}"), t.label),
        Span::raw(value),
    ])
}

pub(super) fn date_field<'a>(t: &Theme, label: &str, d: &Option<OmiDate>) -> Line<'a> {
    let (text, ambiguous) = date(d);
    let mut spans = vec![
        Span::styled(format!("{label:<12}"), t.label),
        Span::raw(text),
    ];
    if ambiguous {
        spans.push(Span::styled(
            "  ⚠ no offset: device-local, ambiguous",
            t.warn,
        ));
    }
    Line::from(spans)
}

pub(super) fn wrapped<'a>(text: &str, width: usize, indent: &str, style: Style) -> Vec<Line<'a>> {
    let clean = sanitize::block(text);
    let opts = textwrap::Options::new(width.max(8))
        .initial_indent(indent)
        .subsequent_indent(indent);
    clean
        .split('\n')
        .flat_map(|para| {
            if para.is_empty() {
                vec![Line::from(indent.to_string())]
            } else {
                textwrap::wrap(para, &opts)
                    .into_iter()
                    .map(|l| Line::styled(l.into_owned(), style))
                    .collect()
            }
        })
        .collect()
}

pub(super) fn meta_value(v: &MetaValue) -> String {
    match v {
        MetaValue::Bool(b) => b.to_string(),
        MetaValue::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                format!("{}", *n as i64)
            } else {
                n.to_string()
            }
        }
        MetaValue::String(s) => format!("{:?}", sanitize::line(s)),
        MetaValue::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| format!("{:?}", sanitize::line(s)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The details pane in three parts: the fields above the transcript, the transcript's
/// wrapped lines (shared, cached per memory and width), the embedding block below.
pub struct DetailsParts<'a> {
    pub head: Vec<Line<'a>>,
    pub transcript: std::sync::Arc<Vec<Line<'static>>>,
    pub tail: Vec<Line<'a>>,
    /// The line (in `head`) of each of the conversation's chunks and action items, in
    /// [`State::linked_rows`] order.
    pub linked_at: Vec<usize>,
}

impl DetailsParts<'_> {
    /// Lines in all three parts.
    pub fn len(&self) -> usize {
        self.head.len() + self.transcript.len() + self.tail.len()
    }

    /// True when there is nothing to show.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Lines `from..from + count`, cloned: only what is visible is built.
    pub fn window(&self, from: usize, count: usize) -> Vec<Line<'_>> {
        self.head
            .iter()
            .chain(self.transcript.iter())
            .chain(self.tail.iter())
            .skip(from)
            .take(count)
            .cloned()
            .collect()
    }
}

/// The lines of the details pane for the selected memory at a given inner width (all of
/// them; drawing uses [`details_parts`] and builds only the visible window).
pub fn details_lines<'a>(state: &State, width: u16) -> Vec<Line<'a>> {
    let parts = details_parts(state, width);
    let mut out = parts.head;
    out.extend(parts.transcript.iter().cloned());
    out.extend(parts.tail);
    out
}

/// The details pane's parts for the selected memory at a given inner width.
pub fn details_parts<'a>(state: &State, width: u16) -> DetailsParts<'a> {
    let t = &state.theme;
    let width = width as usize;
    let Some((index, m)) = state.selected() else {
        return DetailsParts {
            head: vec![Line::styled("Nothing selected.", t.dim)],
            transcript: Default::default(),
            tail: Vec::new(),
            linked_at: Vec::new(),
        };
    };
    let s = &m.structured;
    let mut out: Vec<Line<'a>> = Vec::new();
    let title = if s.title.is_empty() {
        "(untitled)"
    } else {
        &s.title
    };
    out.push(Line::from(vec![
        Span::raw(format!("{} ", sanitize::line(&s.emoji))),
        Span::styled(sanitize::line(title).into_owned(), t.title),
    ]));
    out.push(field(t, "id", sanitize::line(&m.id).into_owned()));
    out.push(date_field(t, "created", &m.created_at));
    out.push(date_field(t, "started", &m.started_at));
    out.push(date_field(t, "finished", &m.finished_at));
    let opt = |o: &Option<String>| {
        o.as_deref()
            .map(|v| sanitize::line(v).into_owned())
            .unwrap_or_else(|| "—".into())
    };
    out.push(field(t, "source", opt(&m.source)));
    out.push(field(t, "language", opt(&m.language)));
    out.push(field(t, "status", opt(&m.status)));
    let mut flags = vec![format!(
        "discarded: {}",
        if m.discarded { "yes" } else { "no" }
    )];
    if m.deleted {
        flags.push("deleted: yes".into());
    }
    if m.locked {
        flags.push("locked: yes".into());
    }
    out.push(field(t, "flags", flags.join(" · ")));
    for n in &m.notes {
        out.push(field(
            t,
            "note",
            sanitize::line(&format!("{}: {} (raw: {})", n.field, n.problem, n.raw)).into_owned(),
        ));
    }
    let mut cat = s.category.kind.value().to_string();
    if let Some(raw) = &s.category.unknown_raw {
        cat = format!("other (export says {:?})", sanitize::line(raw));
    }
    out.push(field(t, "category", cat));
    if let Some(g) = &m.geolocation {
        let mut place = g
            .address
            .clone()
            .map(|a| sanitize::line(&a).into_owned())
            .unwrap_or_default();
        if let (Some(la), Some(lo)) = (g.latitude, g.longitude) {
            place.push_str(&format!(" ({la:.4}, {lo:.4})"));
        }
        out.push(field(t, "location", place));
    }
    out.push(Line::from(""));
    out.push(Line::styled("Overview", t.label));
    out.extend(wrapped(&s.overview, width, "  ", t.base));

    out.push(Line::from(""));
    out.push(Line::styled(
        format!("Action items ({})", s.action_items.len()),
        t.label,
    ));
    for a in &s.action_items {
        let mark = if a.completed { "[x]" } else { "[ ]" };
        out.extend(wrapped(
            &format!("{mark} {}", a.description),
            width,
            "  ",
            t.base,
        ));
        let times: Vec<String> = [
            ("created", &a.created_at),
            ("due", &a.due_at),
            ("completed", &a.completed_at),
        ]
        .into_iter()
        .filter(|(_, d)| d.is_some())
        .map(|(l, d)| format!("{l} {}", date(d).0))
        .collect();
        if !times.is_empty() {
            out.push(Line::styled(format!("      {}", times.join(" · ")), t.dim));
        }
    }
    out.push(Line::from(""));
    out.push(Line::styled(
        format!("Events ({})", s.events.len()),
        t.label,
    ));
    for e in &s.events {
        out.extend(wrapped(
            &format!("• {} — {} · {} min", e.title, date(&e.start).0, e.duration),
            width,
            "  ",
            t.base,
        ));
    }
    let facts: Vec<&crate::omi::Fact> = state
        .fact_list()
        .iter()
        .filter(|f| f.conversation_id.as_deref() == Some(m.id.as_str()))
        .collect();
    if !facts.is_empty() {
        out.push(Line::from(""));
        out.push(Line::styled(
            format!("Facts ({}, 2 shows them)", facts.len()),
            t.label,
        ));
        for f in facts {
            out.extend(wrapped(
                &format!("• [{}] {}", f.category.raw(), f.content),
                width,
                "  ",
                t.base,
            ));
        }
    }
    // Its chunks and action items with their vector status, one line each.
    let mut head = wrap_long(out, width);
    let (linked, at) = super::kinds::linked_lines(state, &m.id, width);
    let linked_at = at.into_iter().map(|a| a + head.len()).collect();
    head.extend(linked);
    let mut out = vec![Line::from("")];
    transcript_heading(&mut out, state, m);
    let transcript = if state.transcript_expanded {
        transcript_lines(state, index, m, width).0
    } else {
        Default::default()
    };
    let mut tail = vec![Line::from("")];
    embedding(&mut tail, state, index, m, width);
    head.extend(wrap_long(out, width));
    DetailsParts {
        head,
        transcript,
        tail: wrap_long(tail, width),
        linked_at,
    }
}

/// Lines wider than the pane (a long id, vector id, address, status reason) wrap under
/// their value instead of being cut: the first span (the label) stays, the rest wraps
/// with a hanging indent as wide as the label.
pub(super) fn wrap_long(lines: Vec<Line<'_>>, width: usize) -> Vec<Line<'_>> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.width() <= width || line.spans.len() < 2 || width < 20 {
            out.push(line);
            continue;
        }
        let mut spans = line.spans.into_iter();
        let label = spans.next().unwrap_or_default();
        let indent = crate::tui::fit::width(&label.content).min(width / 2);
        let rest: Vec<Span<'_>> = spans.collect();
        let style = rest.last().map(|s| s.style).unwrap_or_default();
        let text: String = rest.iter().map(|s| s.content.as_ref()).collect();
        let opts = textwrap::Options::new(width.saturating_sub(indent).max(8));
        for (k, part) in textwrap::wrap(&text, &opts).into_iter().enumerate() {
            let head = if k == 0 {
                label.clone()
            } else {
                Span::raw(" ".repeat(indent))
            };
            out.push(Line::from(vec![
                head,
                Span::styled(part.into_owned(), style),
            ]));
        }
    }
    out
}

fn transcript_heading(out: &mut Vec<Line<'_>>, state: &State, m: &Memory) {
    let t = &state.theme;
    let n = m.transcript.len();
    let key = state.keymap.keys_for(
        crate::tui::action::Command::ToggleTranscript,
        crate::tui::keymap::Scope::Details,
    );
    let (mark, verb) = if state.transcript_expanded {
        ("▾", "collapses")
    } else {
        ("▸", "expands")
    };
    let mut line = Line::from(vec![
        Span::styled(format!("Transcript ({n} segments) "), t.label),
        Span::styled(format!("{mark} {key} {verb}"), t.dim),
    ]);
    if let Some(moment) = moment_of(state, m) {
        line.spans.push(Span::styled(
            format!(
                " · ▶ the moment found: [{}]{}",
                moment.range(),
                moment
                    .chunk_index
                    .map(|c| format!(" chunk c{c}"))
                    .unwrap_or_default()
            ),
            t.info,
        ));
    }
    out.push(line);
}

/// The moment marked in `m`'s transcript, when the details pane was opened on it.
fn moment_of<'s>(state: &'s State, m: &Memory) -> Option<&'s crate::sync::moment::Moment> {
    state
        .details_moment
        .as_ref()
        .filter(|x| x.conversation_id == m.id)
}

/// The mark of a moment: (answering segment, chunk's first segment, last segment).
fn moment_mark(state: &State, m: &Memory) -> Option<crate::tui::state::MomentMark> {
    let x = moment_of(state, m)?;
    let first = x.lines.first().map_or(x.segment, |l| l.segment);
    let last = x.lines.last().map_or(x.segment, |l| l.segment);
    Some((x.segment, first, last))
}

/// The first details line to show so the selected memory's marked moment is in view:
/// the chunk's first line near the top, or (a chunk taller than the pane) the answering
/// line near the top. `None` without a moment for the selected memory.
pub fn moment_scroll(state: &State) -> Option<usize> {
    let (index, m) = state.selected()?;
    let (answer, first, _) = moment_mark(state, m)?;
    let area = super::layout(state.size).details;
    let width = area.width.saturating_sub(2);
    let visible = area.height.saturating_sub(2) as usize;
    let parts = details_parts(state, width);
    let (_, starts) = transcript_lines(state, index, m, width as usize);
    let head = parts.head.len();
    let first_line = head + starts.get(first).copied()?;
    let answer_line = head + starts.get(answer).copied()?;
    let top = if answer_line + 2 < first_line + visible {
        first_line.saturating_sub(1)
    } else {
        answer_line.saturating_sub(2)
    };
    Some(top.min(parts.len().saturating_sub(visible)))
}

/// The transcript wrapped at `width`, from the cache when the same memory was wrapped at
/// the same width before (wrapping 30,000 segments on every key is what made long
/// memories slow).
///
/// When the details pane was opened on a moment of this memory, every segment gets a
/// two-column gutter: `▶` on the answering segment (highlighted), `┊` on the rest of its
/// chunk. Returns the lines and the first line of each segment.
fn transcript_lines(
    state: &State,
    index: usize,
    m: &Memory,
    width: usize,
) -> (
    std::sync::Arc<Vec<Line<'static>>>,
    std::sync::Arc<Vec<usize>>,
) {
    let _ = index;
    let mark = moment_mark(state, m);
    if let Some(((id, w, n, k), lines, starts)) = state.transcript_cache.borrow().as_ref()
        && *id == m.id
        && *w == width
        && *n == m.transcript.len()
        && *k == mark
    {
        return (lines.clone(), starts.clone());
    }
    let t = &state.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut starts = Vec::with_capacity(m.transcript.len());
    for (i, seg) in m.transcript.iter().enumerate() {
        starts.push(out.len());
        let who = seg
            .speaker
            .clone()
            .or_else(|| seg.speaker_id.map(|i| format!("SPEAKER_{i:02}")))
            .unwrap_or_else(|| "?".into());
        let who = if seg.is_user {
            format!("{who} (user)")
        } else {
            who
        };
        let text = format!("[{:>6.1}s] {who}: {}", seg.start, seg.text);
        match mark {
            None => out.extend(wrapped(&text, width, "  ", t.base)),
            Some((answer, first, last)) => {
                let (gutter, style) = if i == answer {
                    ("▶ ", t.selected)
                } else if (first..=last).contains(&i) {
                    ("┊ ", t.info)
                } else {
                    ("  ", t.base)
                };
                // The gutter takes the place of the indent: the lines wrap as unmarked.
                out.extend(wrapped(&text, width, "  ", style).into_iter().map(|mut l| {
                    if let Some(first) = l.spans.first_mut()
                        && let Some(rest) = first.content.strip_prefix("  ")
                    {
                        first.content = rest.to_string().into();
                    }
                    l.spans.insert(0, Span::styled(gutter, t.info));
                    l
                }));
            }
        }
    }
    if let Some(text) = &m.transcript_text
        && m.transcript.is_empty()
    {
        out.extend(wrapped(text, width, "  ", t.base));
    }
    let lines = std::sync::Arc::new(out);
    let starts = std::sync::Arc::new(starts);
    *state.transcript_cache.borrow_mut() = Some((
        (m.id.clone(), width, m.transcript.len(), mark),
        lines.clone(),
        starts.clone(),
    ));
    (lines, starts)
}

fn embedding<'a>(out: &mut Vec<Line<'a>>, state: &State, index: usize, m: &Memory, width: usize) {
    let t = &state.theme;
    let setup = &state.setup;
    out.push(Line::styled("Embedding", t.label));
    let vid = match &setup.uid {
        Some(uid) => crate::omi::conventions::vector_id(uid, &m.id),
        None => "(set a uid to know the vector id)".into(),
    };
    out.push(field(t, "  vector id", sanitize::line(&vid).into_owned()));
    out.push(field(t, "  namespace", setup.namespace.clone()));
    let status = state.status_of(index);
    let entry = state.status_entries.get(&m.id);
    let mut status_spans = vec![
        Span::styled(format!("{:<12}", "  status"), t.label),
        Span::styled(state.status_text(index), t.status(status)),
    ];
    // A skipped memory's reason gets its own line below.
    let reason = entry
        .filter(|e| e.status != crate::sync::EmbeddingStatus::Skipped)
        .and_then(|e| e.reason.clone());
    if let Some(reason) = reason {
        status_spans.push(Span::styled(
            format!(" — {}", sanitize::line(&reason)),
            t.dim,
        ));
    }
    out.push(Line::from(status_spans));
    if let Some(r) = state.skip_of(index) {
        out.push(field(
            t,
            "  skipped",
            sanitize::line(&r.detail()).into_owned(),
        ));
        let why = match r.force_flag() {
            Some(_) => r.explain().to_string(),
            None => format!("{} (cannot be forced)", r.explain()),
        };
        out.push(Line::styled(format!("{:<12}{why}", ""), t.dim));
    }
    if let Some(e) = entry {
        if let Some(d) = e.dimension {
            out.push(field(
                t,
                "  dimension",
                format!("{d} (embedder: {})", setup.embedder_dimension),
            ));
        }
        if let Some(n) = e.norm {
            out.push(field(t, "  norm", format!("{n:.6}")));
        }
        if let Some(meta) = &e.metadata {
            out.push(Line::styled("  stored metadata", t.label));
            for (k, v) in meta {
                let mut shown = meta_value(v);
                if k == "created_at"
                    && let MetaValue::Number(n) = v
                {
                    let secs = *n as i64;
                    let when = chrono::DateTime::from_timestamp(secs, 0)
                        .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
                        .unwrap_or_else(|| "out of range".into());
                    shown = if *n < 1e9 {
                        format!("{shown} (< 1e9: Omi's 2024 divide-by-1000 bug)")
                    } else {
                        format!("{when} ({shown})")
                    };
                }
                out.extend(wrapped(&format!("{k} = {shown}"), width, "    ", t.base));
            }
        }
    }
    let key = state.keymap.keys_for(
        crate::tui::action::Command::CycleFormat,
        crate::tui::keymap::Scope::Global,
    );
    out.push(field(
        t,
        "  format",
        format!("{} ({key} cycles)", state.text_format.name()),
    ));
    let text = render(&m.structured, state.text_format);
    let what = if state.skip_of(index).is_some() {
        "its text (never embedded: skipped)"
    } else {
        "text that would be embedded"
    };
    out.push(Line::styled(
        format!("  {what} ({} bytes)", text.len()),
        t.label,
    ));
    out.extend(wrapped(&text, width, "  │ ", t.base));
}

/// The details line of the picked chunk or action item (`State::linked`), if any.
pub fn linked_line(state: &State) -> Option<usize> {
    let i = state.linked?;
    let width = super::layout(state.size).details.width.saturating_sub(2);
    details_parts(state, width).linked_at.get(i).copied()
}

/// How many lines the details pane has for the selection (for scroll limits).
pub fn details_line_count(state: &State) -> usize {
    let width = super::layout(state.size).details.width.saturating_sub(2);
    details_parts(state, width).len()
}

pub(super) fn draw(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let focused = state.focus == Focus::Details && state.popup.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Details ")
        .border_style(if focused { t.border_focused } else { t.border });
    let parts = details_parts(state, area.width.saturating_sub(2));
    let rows = area.height.saturating_sub(2) as usize;
    // Only the visible window is handed to the widget: frame time does not grow with
    // the memory's size, and offsets past 65,535 lines still work.
    let from = state.details_scroll.min(parts.len().saturating_sub(1));
    let p = Paragraph::new(parts.window(from, rows)).block(block);
    frame.render_widget(p, area);
}
