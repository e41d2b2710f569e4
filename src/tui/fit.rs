//! Width-aware text for the screen: cut to a number of terminal columns with an ellipsis,
//! and lay out pieces of a line by priority (the least important shortens first).
//!
//! Widths are terminal columns as `unicode-width` counts them (an emoji or a CJK ideograph
//! is 2 columns, a combining mark 0). Nothing here ever returns text wider than asked, and
//! a cut is always shown with `…` (one column), never silently.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// The mark drawn where text was cut.
pub const ELLIPSIS: char = '…';

/// Display width of `s` in terminal columns.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max` columns, ending in `…` when anything was cut. A wide glyph
/// that would straddle the limit is dropped whole (never half drawn).
pub fn fit(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    // By grapheme: an emoji with its variation selector or joiners is one glyph whose
    // width only the whole cluster tells (🗣️ is 2 columns, 🗣 alone 1).
    let mut out = String::new();
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        used += w;
        out.push_str(g);
    }
    // Do not leave a dangling space before the mark.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// `s` cut from the left to at most `max` columns (`…/store.db`): for paths and ids
/// whose end matters most.
pub fn fit_start(s: &str, max: usize) -> Cow<'_, str> {
    if width(s) <= max {
        return Cow::Borrowed(s);
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let mut tail: Vec<&str> = Vec::new();
    let mut used = 0;
    for g in s.graphemes(true).rev() {
        let w = width(g);
        if used + w > max - 1 {
            break;
        }
        used += w;
        tail.push(g);
    }
    let mut out = String::from(ELLIPSIS);
    out.extend(tail.into_iter().rev());
    Cow::Owned(out)
}

/// A styled line cut to `max` columns, its last visible span ending in `…` when cut.
pub fn line(line: ratatui::text::Line<'_>, max: usize) -> ratatui::text::Line<'static> {
    use ratatui::text::{Line, Span};
    let total: usize = line.spans.iter().map(|s| width(&s.content)).sum();
    let style = line.style;
    let alignment = line.alignment;
    let owned = |spans: Vec<Span<'static>>| {
        let mut l = Line::from(spans).style(style);
        l.alignment = alignment;
        l
    };
    if total <= max {
        return owned(
            line.spans
                .into_iter()
                .map(|s| Span::styled(s.content.into_owned(), s.style))
                .collect(),
        );
    }
    let mut out = Vec::new();
    let mut used = 0;
    for s in line.spans {
        let w = width(&s.content);
        if used + w < max {
            used += w;
            out.push(Span::styled(s.content.into_owned(), s.style));
            continue;
        }
        let room = max - used;
        let mut cut = fit(&s.content, room).into_owned();
        if !cut.ends_with(ELLIPSIS) {
            // The span fits exactly but more follows: make room for the mark.
            cut = fit(&format!("{cut}{ELLIPSIS}{ELLIPSIS}"), room).into_owned();
        }
        out.push(Span::styled(cut, s.style));
        break;
    }
    owned(out)
}

/// One piece of a line laid out by [`by_priority`].
#[derive(Debug, Clone)]
pub struct Piece {
    /// The full text.
    pub text: String,
    /// Shorter forms, best first (e.g. a path reduced to its file name).
    pub shorter: Vec<String>,
    /// Lower numbers are more important; the highest number shortens first.
    pub priority: u8,
    /// May be cut with `…` (after its shorter forms) instead of only being dropped.
    pub cuttable: bool,
    /// Never dropped nor cut (the embedder model, `READ-ONLY`).
    pub keep: bool,
}

impl Piece {
    /// A piece with no shorter forms.
    pub fn new(text: impl Into<String>, priority: u8) -> Self {
        Self {
            text: text.into(),
            shorter: Vec::new(),
            priority,
            cuttable: true,
            keep: false,
        }
    }

    /// Add a shorter form, tried before cutting.
    pub fn or(mut self, shorter: impl Into<String>) -> Self {
        self.shorter.push(shorter.into());
        self
    }

    /// Never dropped nor cut.
    pub fn keep(mut self) -> Self {
        self.keep = true;
        self.cuttable = false;
        self
    }
}

/// Lay `pieces` out in `max` columns joined by `sep`. While the line is too wide, pieces
/// give way least important first (highest priority number; the later one on ties), in
/// three rounds: each takes its shorter forms; then each is cut with `…` (not below 4
/// columns); then each is dropped. Pieces marked `keep` are never touched. Returns the
/// text of each piece that stays (in order, `None` for dropped ones) so the caller can
/// style them.
pub fn by_priority(pieces: &[Piece], sep: &str, max: usize) -> Vec<Option<String>> {
    let mut shown: Vec<Option<String>> = pieces.iter().map(|p| Some(p.text.clone())).collect();
    let total = |shown: &[Option<String>]| -> usize {
        let parts: Vec<&String> = shown.iter().flatten().collect();
        parts.iter().map(|s| width(s)).sum::<usize>() + width(sep) * parts.len().saturating_sub(1)
    };
    // Order of giving way: least important first.
    let mut order: Vec<usize> = (0..pieces.len()).filter(|&i| !pieces[i].keep).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(pieces[i].priority), std::cmp::Reverse(i)));
    'shorter: for &i in &order {
        for form in &pieces[i].shorter {
            if total(&shown) <= max {
                break 'shorter;
            }
            shown[i] = Some(form.clone());
        }
    }
    for &i in &order {
        let over = total(&shown).saturating_sub(max);
        if over == 0 {
            break;
        }
        let current = shown[i].clone().unwrap_or_default();
        let w = width(&current);
        if pieces[i].cuttable && w > 4 {
            shown[i] = Some(fit(&current, w.saturating_sub(over).max(4)).into_owned());
        }
    }
    for &i in &order {
        if total(&shown) <= max {
            break;
        }
        shown[i] = None;
    }
    // Still too wide with only kept pieces: cut the last one so nothing spills.
    let over = total(&shown).saturating_sub(max);
    if over > 0
        && let Some(last) = shown.iter_mut().rev().find(|s| s.is_some())
    {
        let text = last.take().unwrap_or_default();
        let room = width(&text).saturating_sub(over);
        *last = Some(fit(&text, room).into_owned());
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_marks_every_cut() {
        assert_eq!(fit("Kitchen renovation quotes", 10), "Kitchen r…");
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly10!", 10), "exactly10!");
        // The space before the cut is not kept.
        assert_eq!(fit("ab cdef", 4), "ab…");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn wide_glyphs_are_never_half_drawn() {
        // Each ideograph is 2 columns: 5 columns hold two and the mark.
        let cut = fit("日本語のテキスト", 6);
        assert_eq!(cut, "日本…");
        assert!(width(&cut) <= 6);
        assert_eq!(fit("🔨🔨🔨", 4), "🔨…");
        // An emoji made wide by its variation selector counts as 2 columns.
        let cut = fit("🗣\u{fe0f} Lección de español: viajes", 16);
        assert_eq!(cut, "🗣\u{fe0f} Lección de e…");
        assert_eq!(width(&cut), 16);
    }

    #[test]
    fn styled_lines_are_cut_with_the_mark() {
        use ratatui::text::{Line, Span};
        let l = Line::from(vec![Span::raw("  j/↓  "), Span::raw("move down the list")]);
        let cut = line(l, 12);
        let text: String = cut.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "  j/↓  move…");
        let l = Line::from(vec![Span::raw("abcd"), Span::raw("efgh")]);
        let text: String = line(l, 4)
            .spans
            .iter()
            .map(|s| s.content.as_ref())
            .collect();
        assert_eq!(text, "abc…");
    }

    #[test]
    fn fit_start_keeps_the_end() {
        assert_eq!(fit_start("/home/someone/store.db", 10), "…/store.db");
        assert_eq!(fit_start("ok", 10), "ok");
    }

    #[test]
    fn priority_layout_shortens_the_least_important_first() {
        let pieces = vec![
            Piece::new("memlens demo-export.json · 333 memories", 2),
            Piece::new("uid demo-sam-rivera", 1),
            Piece::new("local /home/someone/.local/share/memlens/store.db/ns1", 3)
                .or("local …/store.db/ns1"),
            Piece::new("memlens-minilm-static-128 128d", 0).keep(),
            Piece::new("READ-ONLY", 0).keep(),
        ];
        let wide = by_priority(&pieces, " │ ", 200);
        assert!(wide.iter().all(Option::is_some));
        let narrow = by_priority(&pieces, " │ ", 130);
        assert_eq!(narrow[2].as_deref(), Some("local …/store.db/ns1"));
        assert_eq!(
            narrow[0].as_deref(),
            Some("memlens demo-export.json · 333 memories")
        );
        let narrow = by_priority(&pieces, " │ ", 80);
        let joined: Vec<String> = narrow.iter().flatten().cloned().collect();
        let line = joined.join(" │ ");
        assert!(width(&line) <= 80, "{line}");
        assert!(line.contains("memlens-minilm-static-128 128d"));
        assert!(line.contains("READ-ONLY"));
        let tiny = by_priority(&pieces, " │ ", 50);
        let line: Vec<String> = tiny.iter().flatten().cloned().collect();
        let line = line.join(" │ ");
        assert!(width(&line) <= 50, "{line}");
        assert!(line.contains("memlens-minilm-static-128 128d"), "{line}");
        assert!(line.contains("READ-ONLY"), "{line}");
    }
}
