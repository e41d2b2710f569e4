//! The facts tab: the list (status glyph and word, category, content), the selected
//! fact's details with its `ns2` block, and the `ns2` search with Omi's thresholds.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::details::{date_field, field, meta_value, wrapped};
use crate::omi::fact_conventions::{FACTS_NAMESPACE, fact_skip, fact_vector_id};
use crate::sync::fact_search::thresholds_before;
use crate::sync::fact_status::{category_drift, stale_text_candidate};
use crate::tui::action::Command;
use crate::tui::keymap::Scope;
use crate::tui::sanitize;
use crate::tui::state::{Focus, State};

/// The facts list.
pub(super) fn draw_list(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let tab = &state.facts;
    let facts = state.fact_list();
    let title = format!(" Facts {}/{}", tab.list.visible.len(), facts.len());
    let empty = if facts.is_empty() {
        "The export holds no facts."
    } else {
        "No fact matches the filter (Esc clears it)."
    };
    super::kinds::draw_rows(
        frame,
        area,
        state,
        (title, &tab.list, empty),
        super::kinds::Columns {
            status: 10,
            tag: 11,
        },
        &|i| {
            let f = &facts[i];
            let status = tab.status_of(i);
            super::kinds::RowCells {
                status,
                status_text: format!("{} {}", status.glyph(), status.word()),
                text: f.content.clone(),
                tag: f.category.raw().to_string(),
            }
        },
    );
}

/// The lines of the selected fact's details at a given inner width.
pub fn fact_details_lines<'a>(state: &State, width: u16) -> Vec<Line<'a>> {
    let t = &state.theme;
    let width = width as usize;
    let Some((index, f)) = state.selected_fact() else {
        return vec![Line::styled("Nothing selected.", t.dim)];
    };
    let mut out: Vec<Line<'a>> = Vec::new();
    out.extend(wrapped(&f.content, width, "", t.title));
    out.push(field(t, "id", sanitize::line(&f.id).into_owned()));
    let api = f.category.api_value();
    let category = if api == f.category.raw() {
        sanitize::line(f.category.raw()).into_owned()
    } else {
        format!("{} (the API shows {api})", sanitize::line(f.category.raw()))
    };
    out.push(field(t, "category", category));
    out.push(date_field(t, "created", &f.created_at));
    out.push(date_field(t, "updated", &f.updated_at));
    match &f.conversation_id {
        None => out.push(field(t, "conversation ", "— (manual or API fact)".into())),
        Some(cid) => {
            let found = state.memories().iter().find(|m| &m.id == cid);
            let cid = sanitize::line(cid).into_owned();
            let shown = match found {
                Some(m) => format!(
                    "{} {} (Enter opens it)",
                    cid,
                    sanitize::line(crate::omi::model::shown_title(&m.structured.title))
                ),
                None => format!("{cid} (not in this export)"),
            };
            out.push(field(t, "conversation ", shown));
        }
    }
    let yes = |b: bool| if b { "yes" } else { "no" };
    out.push(field(
        t,
        "flags",
        format!(
            "manual {} · edited {} · reviewed {} · user_review {} · locked {}",
            yes(f.manually_added),
            yes(f.edited),
            yes(f.reviewed),
            f.user_review
                .map_or_else(|| "—".to_string(), |b| b.to_string()),
            yes(f.is_locked)
        ),
    ));
    out.push(field(
        t,
        "visibility",
        f.visibility.as_deref().map_or_else(
            || "— (reads public)".into(),
            |v| sanitize::line(v).into_owned(),
        ),
    ));
    if !f.tags.is_empty() {
        out.push(field(
            t,
            "tags",
            sanitize::line(&f.tags.join(", ")).into_owned(),
        ));
    }
    if let Some(h) = &f.headline {
        out.push(field(t, "headline", sanitize::line(h).into_owned()));
    }
    if let Some(s) = &f.scoring {
        out.push(field(t, "scoring", sanitize::line(s).into_owned()));
    }
    for (k, v) in &f.rest {
        out.extend(wrapped(&format!("{k} = {v}"), width, "  ", t.dim));
    }
    out.push(Line::from(""));
    out.push(Line::styled("Embedding (ns2)", t.label));
    let uid = state.setup.uid.as_deref();
    out.push(field(
        t,
        "  vector id",
        uid.map_or_else(
            || "(set a uid to know the vector id)".into(),
            |u| sanitize::line(&fact_vector_id(u, &f.id)).into_owned(),
        ),
    ));
    out.push(field(t, "  namespace", FACTS_NAMESPACE.into()));
    let status = state.facts.status_of(index);
    let entry = state.facts.entries.get(&f.id);
    let mut spans = vec![
        Span::styled(format!("{:<12}", "  status"), t.label),
        Span::styled(
            format!("{} {}", status.glyph(), status.word()),
            t.status(status),
        ),
    ];
    if let Some(reason) = entry.and_then(|e| e.reason.clone()) {
        spans.push(Span::styled(
            format!(" — {}", sanitize::line(&reason)),
            t.dim,
        ));
    }
    out.push(Line::from(spans));
    if let Some(s) = entry.and_then(|e| e.similarity) {
        out.push(field(
            t,
            "  cosine",
            format!("{s:.5} with the fact's current content"),
        ));
    }
    if let Some(why) = uid.and_then(|u| fact_skip(f, u)) {
        out.push(field(t, "  not embedded", why.describe()));
    }
    if let Some(meta) = entry.and_then(|e| e.metadata.as_ref()) {
        if let Some(stored) = category_drift(f, meta) {
            out.push(field(
                t,
                "  drift",
                format!("stored category {:?}", sanitize::line(&stored)),
            ));
        }
        if stale_text_candidate(f, meta) {
            out.push(field(
                t,
                "  edited",
                "after the vector was written (stale-text candidate)".into(),
            ));
        }
        out.push(Line::styled("  stored metadata", t.label));
        for (k, v) in meta {
            out.extend(wrapped(
                &format!("{k} = {}", meta_value(v)),
                width,
                "    ",
                t.base,
            ));
        }
    }
    out.push(Line::styled(
        format!("  text that would be embedded ({} bytes)", f.content.len()),
        t.label,
    ));
    out.extend(wrapped(&f.content, width, "  │ ", t.base));
    out
}

/// Why an `ns2` search found nothing: how much of this export's facts `ns2` holds and
/// how to fill it (facts are not indexed automatically; `R` plans the missing ones).
pub fn empty_search_note(state: &State) -> String {
    let h = state.facts.ns2_holding();
    let batch = state.keymap.keys_for(Command::ReprocessBatch, Scope::List);
    let batch = batch.split('/').next().unwrap_or("R").to_string();
    let refresh = state.keymap.keys_for(Command::Refresh, Scope::Global);
    let refresh = refresh.split('/').next().unwrap_or("F5").to_string();
    if h.unknown == h.total {
        return format!(
            "{FACTS_NAMESPACE} not looked up yet for this export's {} facts ({refresh} looks it up)",
            h.total
        );
    }
    let mut note = format!(
        "{FACTS_NAMESPACE} holds {} of this export's {} facts",
        h.stored, h.total
    );
    if h.missing > 0 {
        note.push_str(&format!(
            ": Esc, then {batch} indexes the {} missing (facts are not indexed automatically; a plan \
             and a yes first)",
            h.missing
        ));
    } else if h.stored == 0 {
        note.push_str(": none of them is one Omi would embed (the details say why)");
    }
    note
}

/// The right-hand side of the facts tab: the search when one is shown, else the details.
pub(super) fn draw_details(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let focused = state.focus == Focus::Details && state.popup.is_none();
    let border = if focused { t.border_focused } else { t.border };
    let tab = &state.facts;
    if tab.search_input.is_some() || tab.search.is_some() {
        let mut lines = Vec::new();
        match &tab.search_input {
            Some(input) => lines.push(Line::from(vec![
                Span::styled("query ", t.label),
                Span::raw(sanitize::line(input.value()).into_owned()),
                Span::styled("▏ Enter searches ns2, Esc cancels", t.dim),
            ])),
            None => lines.push(Line::from(vec![
                Span::styled("query ", t.label),
                Span::raw(
                    tab.search
                        .as_ref()
                        .map(|s| sanitize::line(&s.query).into_owned())
                        .unwrap_or_default(),
                ),
            ])),
        }
        lines.push(Line::styled(
            "filter {\"uid\": uid} · top-k 10 · ns2 (Omi's find_similar_memories)",
            t.dim,
        ));
        if let Some(s) = &tab.search {
            if s.running {
                lines.push(Line::styled("searching…", t.info));
            }
            if let Some(e) = &s.error {
                lines.push(Line::styled(sanitize::line(e).into_owned(), t.error));
            }
            if !s.running && s.error.is_none() && s.hits.is_empty() {
                lines.push(Line::styled("no hits", t.dim));
                lines.push(Line::styled(empty_search_note(state), t.info));
            }
            let scores: Vec<f32> = s.hits.iter().map(|h| h.score).collect();
            for i in 0..=s.hits.len() {
                for (th, what) in thresholds_before(&scores, i) {
                    lines.push(Line::styled(format!("── {th:.2} {what} ──"), t.warn));
                }
                let Some(h) = s.hits.get(i) else { break };
                let content = match &h.content {
                    Some(c) => sanitize::line(c).into_owned(),
                    None => "(not in the export: Omi drops it)".into(),
                };
                let line = format!(
                    "{}{:.4} [{}] {content}{}",
                    if i == s.selected { "› " } else { "  " },
                    h.score,
                    sanitize::line(h.category.as_deref().unwrap_or("?")),
                    if h.locked { " (locked)" } else { "" }
                );
                lines.push(if i == s.selected {
                    Line::styled(line, t.selected)
                } else {
                    Line::from(line)
                });
            }
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .title(" Search facts (ns2) ")
            .border_style(border);
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(ratatui::widgets::Wrap { trim: false }),
            area,
        );
        return;
    }
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Fact ")
        .border_style(border);
    let lines = fact_details_lines(state, area.width.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(ratatui::widgets::Wrap { trim: false })
            .scroll((tab.list.details_scroll, 0)),
        area,
    );
}
