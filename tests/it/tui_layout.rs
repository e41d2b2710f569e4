//! Titles first, columns that never move, colours that show: the list and the search pane
//! at 120×40 and 80×24 with skipped memories in view (their long reasons once widened the
//! status column until titles had 9 characters), column positions compared before and
//! after scrolling, and the selected row drawn in colours that differ from its background.

use crate::support;

use crossterm::event::KeyCode;
use memlens::sync::EmbeddingStatus;
use memlens::tui::action::Action;
use memlens::tui::theme::{Theme, contrast};
use memlens::tui::{sanitize, view};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use support::tui::{Harness, UID, harness};

/// The buffer drawn at `w`×`rows` (the app told of the size first, as a resize would).
fn buffer_at(h: &mut Harness, w: u16, rows: u16) -> Buffer {
    h.app.update(Action::Resize(w, rows));
    let mut terminal = Terminal::new(TestBackend::new(w, rows)).unwrap();
    terminal.draw(|f| view::draw(f, &h.app.state)).unwrap();
    terminal.backend().buffer().clone()
}

/// Text of row `y` (a wide glyph's hidden cell left out, so columns are display columns
/// when counted by cell).
fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

/// The screen as text, the temp dir and lookup time redacted.
fn screen(h: &mut Harness, w: u16, rows: u16) -> String {
    let buf = buffer_at(h, w, rows);
    let mut out: String = (0..rows)
        .map(|y| row_text(&buf, y).trim_end().to_string() + "\n")
        .collect();
    out = out.replace(&h.dir.path().display().to_string(), "[tmp]");
    if let Some(at) = h.app.state.lookup.checked_at {
        let when = chrono::DateTime::from_timestamp(at, 0).unwrap();
        out = out.replace(&when.format("%Y-%m-%d %H:%M UTC").to_string(), "[time]");
    }
    // A cut lookup time (`looked up 2026-12-05 06…` at 80 columns) too.
    out.lines()
        .map(|l| match l.find("looked up ") {
            Some(i) => format!("{}looked up [time]\n", &l[..i]),
            None => format!("{l}\n"),
        })
        .collect()
}

/// For each list row in view: (memory index, display column where its title starts, and
/// how many of the title's characters are on screen before the cut, and the width of
/// the title column).
fn title_cells(h: &mut Harness, w: u16, rows: u16) -> Vec<(u32, usize, usize, usize)> {
    let buf = buffer_at(h, w, rows);
    let state = &h.app.state;
    let list = view::layout_for((w, rows), state.right).list;
    let height = list.height.saturating_sub(2) as usize;
    let mut out = Vec::new();
    for (row, &i) in state
        .list
        .visible
        .iter()
        .skip(state.list.offset)
        .take(height)
        .enumerate()
    {
        let title = &state.memories()[i as usize].structured.title;
        if title.is_empty() {
            continue;
        }
        // The list's cells only (the details pane shows the selected title in full),
        // with the cell each byte of the text is drawn in.
        let y = list.y + 1 + row as u16;
        let mut line = String::new();
        let mut cell_of = Vec::new();
        for x in list.x + 1..list.right() - 1 {
            let symbol = buf[(x, y)].symbol();
            cell_of.extend(std::iter::repeat_n(x, symbol.len()));
            line.push_str(symbol);
        }
        let clean = sanitize::line(title).into_owned();
        // The longest prefix of the title on this row (whole, or cut with `…`).
        let chars: Vec<char> = clean.chars().collect();
        let (at, shown) = (1..=chars.len())
            .rev()
            .find_map(|n| {
                let prefix: String = chars[..n].iter().collect();
                line.find(&prefix).map(|at| (at, n))
            })
            .unwrap_or_else(|| panic!("{clean:?} not on its row: {line}"));
        // The title column ends where the date starts, or at the list's border.
        let date = state.memories()[i as usize]
            .created_at
            .as_ref()
            .map(|d| d.naive.format("%Y-%m-%d").to_string());
        let end = date
            .and_then(|d| line[at..].find(&d).map(|j| cell_of[at + j] - 1))
            .unwrap_or(list.right() - 1);
        out.push((
            i,
            cell_of[at] as usize,
            shown,
            end as usize - cell_of[at] as usize,
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn titles_come_first_with_skipped_memories_in_view() {
    let mut h = harness(true, Some(UID)).await;
    for (w, rows, min) in [(120u16, 40u16, 40usize), (80, 24, 22)] {
        let text = screen(&mut h, w, rows);
        // A skipped memory is in view, its status a glyph and one word.
        assert!(text.contains("- skipped "), "{text}");
        assert!(!text.contains("(unfinished"), "{text}");
        let cells = title_cells(&mut h, w, rows);
        let mut cut = 0;
        for (i, _, shown, width) in &cells {
            let len = h.app.state.memories()[*i as usize]
                .structured
                .title
                .chars()
                .count();
            // The title column (with the space before the next column) is `min` wide...
            assert!(
                *width >= min,
                "memory {i}: a {width}-column title at {w}\n{text}"
            );
            // ...and a cut title fills it (the mark, and a space before it dropped).
            assert!(
                *shown >= len.min(min - 2),
                "memory {i}: {shown} of {len} at {w}\n{text}"
            );
            cut += usize::from(*shown < len);
        }
        if w < 120 {
            assert!(cut > 0, "no title long enough to be cut at {w}");
        }
        if w >= 120 {
            // The date still fits beside a 40-column title.
            assert!(text.contains("2026-10-27"), "{text}");
        }
        insta::assert_snapshot!(format!("list_{w}x{rows}"), text);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn columns_stay_put_while_scrolling() {
    let mut h = harness(true, Some(UID)).await;
    for (w, rows) in [(120u16, 40u16), (80, 24)] {
        h.key(KeyCode::Home);
        let mut seen = std::collections::BTreeSet::new();
        let mut statuses = std::collections::BTreeSet::new();
        for _ in 0..12 {
            for (i, x, _, _) in title_cells(&mut h, w, rows) {
                seen.insert(x);
                statuses.insert(format!("{:?}", h.app.state.status_of(i as usize)));
            }
            h.key(KeyCode::PageDown);
        }
        assert!(h.app.state.list.offset > 0, "the list scrolled");
        assert!(
            statuses.contains("Skipped") && statuses.contains("Present"),
            "{statuses:?}"
        );
        assert_eq!(seen.len(), 1, "titles start at {seen:?} at {w} columns");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_pane_titles_and_mode_at_120_and_80() {
    let mut h = harness(true, Some(UID)).await;
    h.key(KeyCode::Char('s'));
    h.type_text("refinancing the mortgage");
    h.key(KeyCode::Enter);
    h.settle().await;
    let hits = h.app.state.search.results.as_ref().unwrap().hits.len();
    assert!(hits > 0);
    for (w, rows) in [(120u16, 40u16), (80, 24)] {
        let text = screen(&mut h, w, rows);
        let title_row = text.lines().nth(2).unwrap();
        assert!(title_row.contains("hybrid"), "{title_row}");
        assert!(text.contains("- skipped"), "{text}");
        // Every hit's memory shows at least 22 columns of its title (or all of it).
        for hit in h.app.state.search.joined.iter().take(rows as usize - 12) {
            if let memlens::sync::search::HitMemory::Found { title, .. } = hit {
                let clean = sanitize::line(title).into_owned();
                let want: String = clean.chars().take(21).collect();
                assert!(text.contains(want.trim_end()), "{want:?} at {w}:\n{text}");
            }
        }
        let redacted: String = text
            .lines()
            .map(|l| match l.find(" · semantic ") {
                Some(i) => format!("{}[timings]\n", &l[..i]),
                None => format!("{}\n", redact_ms(l)),
            })
            .collect();
        insta::assert_snapshot!(format!("search_{w}x{rows}"), redacted);
    }
}

/// Every cell of the selected row is drawn in a colour that differs from its background,
/// with enough contrast where both are named colours, for every status — coloured and
/// under `NO_COLOR`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_selected_row_is_never_drawn_in_its_own_background() {
    let mut h = harness(true, Some(UID)).await;
    // One memory of each status at the top of the list.
    for (i, s) in EmbeddingStatus::ALL.iter().enumerate() {
        h.app.state.statuses[h.app.state.list.visible[i] as usize] = *s;
    }
    for theme in [Theme::colored(), Theme::monochrome()] {
        h.app.state.theme = theme;
        h.key(KeyCode::Home);
        for (n, s) in EmbeddingStatus::ALL.iter().enumerate() {
            let buf = buffer_at(&mut h, 120, 40);
            let list = view::layout(h.app.state.size).list;
            let y = list.y + 1 + n as u16;
            assert!(row_text(&buf, y).contains(s.word()), "{s:?}");
            for x in list.x + 1..list.right() - 1 {
                let cell = &buf[(x, y)];
                if cell.symbol().trim().is_empty() {
                    continue;
                }
                if cell.fg == cell.bg {
                    // Only the terminal's own two colours, swapped (`NO_COLOR`).
                    assert_eq!(cell.fg, ratatui::style::Color::Reset, "{s:?} at column {x}");
                    assert!(
                        cell.modifier.contains(ratatui::style::Modifier::REVERSED),
                        "{s:?} at column {x}: {:?} on its own colour",
                        cell.symbol()
                    );
                    continue;
                }
                if let Some(c) = contrast(cell.fg, cell.bg) {
                    assert!(c >= 3.0, "{s:?} at column {x}: contrast {c:.2}");
                }
            }
            h.key(KeyCode::Char('j'));
        }
    }
}

/// `(indexed in 12 ms) │` → `(indexed in N ms…`: timings vary run to run.
fn redact_ms(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(at) = rest.find(" ms") {
        let head = &rest[..at];
        let start = head
            .rfind(|c: char| !(c.is_ascii_digit() || c == '.'))
            .map_or(0, |i| i + 1);
        out.push_str(&head[..start]);
        if start < at {
            // The rest of the line shifts with the number's width: left out.
            out.push_str("N ms…");
            return out;
        }
        out.push_str(" ms");
        rest = &rest[at + 3..];
    }
    out.push_str(rest);
    out
}
