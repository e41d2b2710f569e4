//! One-line text inputs drawn in a fixed width: scrolled so the cursor is always in view
//! (a long pasted query shows its end with the cursor after it), `…` first when the start
//! is scrolled away.

use tui_input::Input;
use unicode_width::UnicodeWidthChar;

use crate::tui::sanitize;

/// The part of `input` shown in `width` columns and the cursor's column in it.
pub fn visible(input: &Input, width: usize) -> (String, u16) {
    if width < 2 {
        return (String::new(), 0);
    }
    // One column stays free for the cursor after the last character.
    let scroll = input.visual_scroll(width - 1);
    let mut skipped = 0usize;
    let mut used = 0usize;
    let mut shown = String::new();
    for c in input.value().chars() {
        let w = c.width().unwrap_or(0);
        if skipped < scroll {
            skipped += w;
            continue;
        }
        if used + w > width {
            break;
        }
        used += w;
        shown.push(c);
    }
    let mut cursor = input.visual_cursor().saturating_sub(skipped);
    if skipped > 0 {
        // Mark the cut: `…` over the first shown column(s).
        let first = shown.chars().next();
        let w = first.and_then(|c| c.width()).unwrap_or(0);
        let rest: String = shown.chars().skip(1).collect();
        shown = format!("…{}{rest}", " ".repeat(w.saturating_sub(1)));
        cursor = cursor.max(1);
    }
    (
        sanitize::line(&shown).into_owned(),
        cursor.min(width - 1) as u16,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_shows_its_end_and_the_cursor() {
        let value: String = ('a'..='z').cycle().take(10_000).collect();
        let input = Input::new(value.clone()).with_cursor(10_000);
        let (shown, cursor) = visible(&input, 40);
        assert!(shown.starts_with('…'), "{shown}");
        assert_eq!(unicode_width::UnicodeWidthStr::width(shown.as_str()), 39);
        assert!(value.ends_with(&shown[3..]), "{shown}");
        assert_eq!(cursor, 39);
    }

    #[test]
    fn a_short_value_is_shown_whole() {
        let input = Input::new("lender".into()).with_cursor(2);
        assert_eq!(visible(&input, 40), ("lender".to_string(), 2));
        let start = Input::new("x".repeat(100)).with_cursor(0);
        let (shown, cursor) = visible(&start, 10);
        assert_eq!((shown.as_str(), cursor), ("xxxxxxxxxx", 0));
    }
}
