//! The record tabs' drawing: the list every record tab shares (facts, action items,
//! transcript chunks: status, text, a short column), a kind tab's details (what `ns4` or
//! `ns_tchunks` holds and how to fill it, the record, the exact text Omi embeds), the
//! kind write's confirmation, and a conversation's chunks and action items in its
//! details. Export text is untrusted: everything drawn goes through `sanitize`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::details::{field, wrapped};
use crate::omi::record_kind::Kind;
use crate::sync::EmbeddingStatus;
use crate::tui::action::Command;
use crate::tui::fit;
use crate::tui::keymap::Scope;
use crate::tui::kinds::{KindRow, KindTab, RowList, RowStatus};
use crate::tui::sanitize;
use crate::tui::state::{Focus, State};

/// What one list row shows.
pub(super) struct RowCells {
    pub status: EmbeddingStatus,
    /// Glyph and word.
    pub status_text: String,
    pub text: String,
    /// The short column on the right (dimmed).
    pub tag: String,
}

/// Column widths of a record list: the status column and the short column (dropped
/// below 50 columns).
pub(super) struct Columns {
    pub status: u16,
    pub tag: u16,
}

/// Draw a record list: marker, status, text (the rest), the short column.
pub(super) fn draw_rows(
    frame: &mut Frame<'_>,
    area: Rect,
    state: &State,
    (title, list, empty): (String, &RowList, &str),
    columns: Columns,
    row: &dyn Fn(usize) -> RowCells,
) {
    let t = &state.theme;
    let mut title = title;
    if !list.query.is_empty() {
        title.push_str(&format!(" · /{}", sanitize::line(&list.query)));
    }
    title.push(' ');
    // A long filter is cut with `…`, never silently by the border.
    let title = fit::fit(&title, area.width.saturating_sub(2) as usize).into_owned();
    let focused = state.focus == Focus::List && state.popup.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if focused { t.border_focused } else { t.border });
    if list.visible.is_empty() {
        frame.render_widget(
            Paragraph::new(sanitize::line(empty).into_owned())
                .style(t.dim)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let height = area.height.saturating_sub(2) as usize;
    // One column of spacing between each; cut values end in `…`.
    let inner = area.width.saturating_sub(2);
    let tag_w: u16 = if inner >= 50 { columns.tag } else { 0 };
    let text_w = inner.saturating_sub(1 + 1 + columns.status + 1 + 1 + tag_w) as usize;
    let rows: Vec<Row<'_>> = list
        .window(height)
        .map(|(selected, i)| {
            let c = row(i);
            let row = Row::new(vec![
                Cell::from(Span::styled(if selected { "›" } else { " " }, t.marked)),
                Cell::from(Span::styled(c.status_text, t.status(c.status))),
                Cell::from(fit::fit(&sanitize::line(&c.text), text_w).into_owned()),
                Cell::from(Span::styled(
                    fit::fit(&sanitize::line(&c.tag), tag_w as usize).into_owned(),
                    t.dim,
                )),
            ]);
            if selected { row.style(t.selected) } else { row }
        })
        .collect();
    let widths = [
        Constraint::Length(1),
        Constraint::Length(columns.status),
        Constraint::Fill(1),
        Constraint::Length(tag_w),
    ];
    frame.render_widget(
        Table::new(rows, widths).column_spacing(1).block(block),
        area,
    );
}

/// The kind tab's name in titles: `Action items`, `Chunks`.
fn title_noun(kind: Kind) -> &'static str {
    match kind {
        Kind::ActionItems => "Action items",
        Kind::Chunks => "Chunks",
        Kind::Facts => "Facts",
        Kind::Conversations => "Conversations",
    }
}

/// A kind tab's list.
pub(super) fn draw_list(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let kind = state.tab.kind();
    let Some(tab) = state.kind_tab(kind) else {
        return;
    };
    let noun = kind.spec().noun;
    let empty = if !tab.prepared {
        format!("Reading the export's {noun}…")
    } else if let Some(note) = &tab.absent {
        format!("This export has no {noun}: {note}.")
    } else if tab.rows.is_empty() {
        match kind {
            Kind::Chunks => {
                "The export's conversations hold no transcript lines: no chunks.".into()
            }
            _ => format!("The export holds no {noun}."),
        }
    } else {
        "No row matches the filter (Esc clears it).".into()
    };
    // Candidates are not records Omi holds: counted apart (`· candidates 1/1`).
    let candidate = |i: &usize| tab.rows[*i].status == RowStatus::Candidate;
    let shown_candidates = tab.list.visible.iter().filter(|i| candidate(i)).count();
    let candidates = (0..tab.rows.len()).filter(candidate).count();
    let mut title = format!(
        " {} {}/{}",
        title_noun(kind),
        tab.list.visible.len() - shown_candidates,
        tab.rows.len() - candidates
    );
    if candidates > 0 {
        title.push_str(&format!(" · candidates {shown_candidates}/{candidates}"));
    }
    draw_rows(
        frame,
        area,
        state,
        (title, &tab.list, &empty),
        Columns {
            status: 11,
            tag: 10,
        },
        &|i| {
            let r = &tab.rows[i];
            RowCells {
                status: r.status.embedding(),
                status_text: r.status.text(),
                text: r.label.clone(),
                tag: r.tag.clone(),
            }
        },
    );
}

/// The first key bound to `command` (for notes that name a key).
fn key(state: &State, command: Command, scope: Scope, default: &str) -> String {
    let keys = state.keymap.keys_for(command, scope);
    keys.split('/').next().unwrap_or(default).to_string()
}

/// What the kind's namespace holds of this export and, when it lacks some, how to fill
/// it (the CLI command, and the key here).
pub fn holding_note(state: &State, kind: Kind) -> Vec<String> {
    let Some(tab) = state.kind_tab(kind) else {
        return Vec::new();
    };
    let ns = kind.default_namespace();
    let noun = kind.spec().noun;
    if tab.absent.is_some() || !tab.prepared {
        return Vec::new();
    }
    if tab.lookup_running {
        return vec![format!("checking {ns}…")];
    }
    if let Some(e) = &tab.error {
        return vec![format!("{ns} could not be looked up: {e}")];
    }
    if tab.report.is_none() {
        let why = if state.setup.uid.is_none() {
            "no uid set (--uid UID or MEMLENS_UID)"
        } else {
            "no vector store is connected"
        };
        return vec![format!("{ns} not looked up: {why}")];
    }
    let (stored, writable) = (tab.stored(), tab.writable());
    let mut out = vec![format!(
        "{ns} holds {stored} of this export's {writable} {noun}"
    )];
    let verified = tab.report.as_ref().is_some_and(|r| r.verified);
    if stored > 0 && !verified {
        let verify = crate::tui::kinds::verify_key(&state.keymap);
        out.push(format!(
            "{verify} verifies them: embeds Omi's texts and compares each with its stored vector (fresh or stale)"
        ));
    }
    if stored < writable {
        let export = state
            .export
            .as_ref()
            .map(|e| {
                e.path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_else(|| "EXPORT".into());
        let export = if export.contains(' ') {
            format!("'{export}'")
        } else {
            export
        };
        let batch = key(state, Command::ReprocessBatch, Scope::List, "R");
        if kind == Kind::Chunks {
            out.push(
                "Omi writes chunks only by an operator's backfill: an account without any is normal."
                    .into(),
            );
        }
        out.push(format!(
            "Fill it: memlens reprocess {} --kind {} --missing --yes (or {batch} here: a plan and a yes first)",
            sanitize::line(&export),
            kind.word()
        ));
    }
    out
}

/// The details of a kind tab's selected row.
pub(super) fn draw_details(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let kind = state.tab.kind();
    let Some(tab) = state.kind_tab(kind) else {
        return;
    };
    let focused = state.focus == Focus::Details && state.popup.is_none();
    let block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} ", title_noun(kind).trim_end_matches('s')))
        .border_style(if focused { t.border_focused } else { t.border });
    let width = area.width.saturating_sub(2) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for note in holding_note(state, kind) {
        lines.extend(wrapped(&note, width, "", t.info));
    }
    if !lines.is_empty() {
        lines.push(Line::from(""));
    }
    match tab.selected() {
        Some((_, row)) => lines.extend(super::details::wrap_long(
            row_lines(state, kind, tab, row, width),
            width,
        )),
        None => lines.push(Line::styled("Nothing selected.", t.dim)),
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((tab.list.details_scroll, 0)),
        area,
    );
}

/// The lines of one record of a kind tab.
fn row_lines(
    state: &State,
    kind: Kind,
    tab: &KindTab,
    row: &KindRow,
    width: usize,
) -> Vec<Line<'static>> {
    let t = &state.theme;
    let mut out: Vec<Line<'static>> = Vec::new();
    out.extend(wrapped(&row.label, width, "", t.title));
    let what = match (kind, row.status) {
        (Kind::Chunks, RowStatus::Orphan) => "transcript chunk id (orphan)".to_string(),
        (Kind::Chunks, _) => {
            let of = row
                .conversation_id
                .as_ref()
                .and_then(|c| tab.by_conversation.get(c))
                .map_or(0, |rows| {
                    rows.iter()
                        .filter(|&&i| tab.rows[i].status != RowStatus::Orphan)
                        .count()
                });
            format!(
                "transcript chunk c{} of {of}",
                row.chunk_index.unwrap_or_default()
            )
        }
        (_, RowStatus::Candidate) => "task_data candidate".to_string(),
        (_, RowStatus::Orphan) => "action item id (orphan)".to_string(),
        _ => "standalone action item".to_string(),
    };
    out.push(field(
        t,
        "kind",
        format!("{what} · {}", kind.default_namespace()),
    ));
    if kind == Kind::ActionItems && !row.owner.is_empty() {
        out.push(field(t, "id", sanitize::line(&row.owner).into_owned()));
    }
    out.push(field(
        t,
        "vector id",
        match &row.vector_id {
            Some(v) if v.starts_with("{uid}") => {
                format!("{} (set a uid to know it)", sanitize::line(v))
            }
            Some(v) => sanitize::line(v).into_owned(),
            None => "— (Omi writes no vector for a candidate)".into(),
        },
    ));
    let conversation = match &row.conversation_id {
        None => "— (a manual, MCP or shared item)".to_string(),
        Some(cid) => {
            let found = state.memories().iter().find(|m| &m.id == cid);
            let cid = sanitize::line(cid).into_owned();
            match found {
                Some(m) => format!(
                    "{cid} {} (Enter opens it)",
                    sanitize::line(crate::omi::model::shown_title(&m.structured.title))
                ),
                None => format!("{cid} (not in this export)"),
            }
        }
    };
    out.push(field(t, "conversation ", conversation));
    let mut status = vec![
        Span::styled(format!("{:<12}", "status"), t.label),
        Span::styled(row.status.text(), t.status(row.status.embedding())),
    ];
    if let Some(reason) = &row.reason
        && row.status != RowStatus::Candidate
    {
        status.push(Span::styled(
            format!(" — {}", sanitize::line(reason)),
            t.dim,
        ));
    } else if row.status == RowStatus::Candidate {
        status.push(Span::styled(
            format!(" — {}", crate::tui::kinds::CANDIDATE),
            t.dim,
        ));
    }
    out.push(Line::from(status));
    if let Some(s) = row.similarity {
        out.push(field(
            t,
            "cosine",
            format!("{s:.5} with Omi's current text"),
        ));
    }
    if let Some(c) = row.stored_created_at {
        out.push(field(t, "stored at", format!("created_at {c}")));
    }
    if row.status == RowStatus::Orphan {
        return out;
    }
    out.push(Line::from(""));
    let heading = if row.status == RowStatus::Candidate {
        "its description (never embedded)".to_string()
    } else {
        format!("text Omi embeds ({} bytes)", row.text.len())
    };
    out.push(Line::styled(heading, t.label));
    out.extend(wrapped(&row.text, width, "  │ ", t.base));
    out
}

/// The kind write waiting for a yes: what, where, how many, then the buttons.
pub(super) fn confirm_write(frame: &mut Frame<'_>, area: Rect, state: &State) {
    let t = &state.theme;
    let Some(plan) = &state.kind_write.plan else {
        return;
    };
    let kv = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:<14}"), t.label),
            Span::raw(v),
        ])
    };
    let remote = state.setup.store_is_remote;
    let mut lines = vec![
        kv(
            "for",
            sanitize::line(&state.kind_write.subject).into_owned(),
        ),
        kv(
            "store",
            format!(
                "{}{}",
                sanitize::line(&state.setup.store_target),
                if remote { "  (REMOTE)" } else { "" }
            ),
        ),
        kv("namespace", plan.namespace.clone()),
        kv("uid", sanitize::line(&plan.uid).into_owned()),
        kv(
            "model",
            format!(
                "{} ({} d)",
                state.setup.embedder_model, state.setup.embedder_dimension
            ),
        ),
        kv(
            "upsert",
            format!(
                "{} with Omi's ids and metadata ({}), in batches of {}",
                crate::words::counted(plan.upserts.len(), "record"),
                plan.kind.spec().metadata_keys.join(", "),
                crate::sync::kinds::write::BATCH
            ),
        ),
    ];
    for id in plan.upsert_ids.iter().take(3) {
        lines.push(kv("", sanitize::line(id).into_owned()));
    }
    if plan.upsert_ids.len() > 3 {
        lines.push(kv("", format!("… and {} more", plan.upsert_ids.len() - 3)));
    }
    if !plan.deletes.is_empty() {
        lines.push(kv(
            "delete",
            format!(
                "{}: the conversation's orphan tail (Omi's backfill leaves it)",
                crate::words::counted(plan.deletes.len(), "orphan id")
            ),
        ));
    }
    for (key, why) in plan.skipped.iter().take(3) {
        lines.push(kv(
            "skip",
            format!("{}: {}", sanitize::line(key), sanitize::line(why)),
        ));
    }
    lines.push(kv("rule", plan.kind.spec().spec.to_string()));
    lines.push(Line::from(""));
    let writes = plan.upserts.len() + plan.deletes.len();
    if writes == 0 {
        lines.push(Line::styled("Nothing to write. Esc closes.", t.dim));
    } else {
        lines.push(crate::tui::confirm::buttons(
            t,
            &format!("Write {}", crate::words::counted(writes, "record")),
            crate::tui::confirm::Default::for_write(remote),
        ));
    }
    // A value too long for a row wraps under the value column (a hanging indent as
    // wide as the labels), not back at the dialog's edge.
    let rect = super::centered(area, 100, 12);
    let lines = super::details::wrap_long(lines, rect.width.saturating_sub(2) as usize);
    // Each line is one row now: the box holds them and its borders exactly.
    let height = (lines.len() as u16 + 2).min(area.height);
    super::popup_box(
        frame,
        super::centered(area, 100, height.max(12)),
        " Confirm write ",
        lines,
        t.border_focused,
    );
}

/// A conversation's transcript chunks and action items with their vector status, one
/// line each (so a pick is one line): the heading lines and the rows, and the index of
/// each row's line within the returned lines.
pub(super) fn linked_lines(
    state: &State,
    memory_id: &str,
    width: usize,
) -> (Vec<Line<'static>>, Vec<usize>) {
    let t = &state.theme;
    let linked = state.linked_rows(memory_id);
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut at = Vec::new();
    if linked.is_empty() {
        return (out, at);
    }
    let open = key(state, Command::OpenLinked, Scope::Details, "Enter");
    out.push(Line::from(""));
    out.push(Line::styled(
        fit::fit(
            &format!("Vectors of this conversation ({open} picks one, {open} again opens it)"),
            width,
        )
        .into_owned(),
        t.label,
    ));
    let mut last: Option<Kind> = None;
    for (n, &(kind, row)) in linked.iter().enumerate() {
        let Some(tab) = state.kind_tab(kind) else {
            continue;
        };
        if last != Some(kind) {
            let digit = if kind == Kind::Chunks { 4 } else { 3 };
            out.push(Line::styled(
                fit::fit(
                    &format!(
                        "  {} ({}, tab {digit})",
                        linked_count(tab, kind, &linked),
                        kind.default_namespace()
                    ),
                    width,
                )
                .into_owned(),
                t.dim,
            ));
            last = Some(kind);
        }
        let r = &tab.rows[row];
        let picked = state.linked == Some(n);
        let text = match kind {
            Kind::Chunks => format!(
                "c{} {}",
                r.chunk_index.unwrap_or_default(),
                first_line(&r.text)
            ),
            _ => r.label.clone(),
        };
        let head = format!(
            "{}{:<11} ",
            if picked { "› " } else { "  " },
            r.status.text()
        );
        let room = width.saturating_sub(fit::width(&head));
        let line = Line::from(vec![
            Span::styled(head, t.status(r.status.embedding())),
            Span::raw(fit::fit(&sanitize::line(&text), room).into_owned()),
        ]);
        at.push(out.len());
        out.push(if picked { line.style(t.selected) } else { line });
    }
    (out, at)
}

/// How many of a conversation's linked rows of `kind` are its records, candidates and
/// orphans: `2 action items, 1 candidate`. A `task_data` candidate has no vector and an
/// orphan no record in the export: neither is counted as one of the conversation's
/// records.
fn linked_count(tab: &KindTab, kind: Kind, linked: &[(Kind, usize)]) -> String {
    let rows = linked
        .iter()
        .filter(|(k, _)| *k == kind)
        .map(|(_, i)| tab.rows[*i].status);
    let (mut records, mut candidates, mut orphans) = (0, 0, 0);
    for status in rows {
        match status {
            RowStatus::Candidate => candidates += 1,
            RowStatus::Orphan => orphans += 1,
            _ => records += 1,
        }
    }
    let noun = match kind {
        Kind::Chunks => "transcript chunk",
        _ => "action item",
    };
    let mut out = crate::words::counted(records, noun);
    for (n, what) in [(candidates, "candidate"), (orphans, "orphan")] {
        if n > 0 {
            out.push_str(&format!(", {}", crate::words::counted(n, what)));
        }
    }
    out
}

/// A chunk's first transcript line (its text starts with the date header).
fn first_line(text: &str) -> &str {
    let mut lines = text.lines();
    match lines.next() {
        Some(head) if head.starts_with("[Conversation on ") => lines.next().unwrap_or(""),
        Some(first) => first,
        None => "",
    }
}
