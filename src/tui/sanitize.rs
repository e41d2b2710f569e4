//! Export text is untrusted: before it is drawn, every escape sequence and control
//! character becomes inert. Escape sequences (CSI, OSC — including OSC 52 clipboard
//! writes —, DCS, SOS/PM/APC, and two-byte ESC forms) are replaced by one visible `␛`;
//! other C0 controls by their Unicode control pictures (`␇`); C1 controls by `�`;
//! bidi overrides/isolates and invisible zero-width characters are dropped. The zero-width
//! joiner stays (emoji sequences need it). Regional indicator symbols (the halves of flag
//! emoji, U+1F1E6–U+1F1FF) become their capital letters, so 🇪🇸 is drawn as `ES`:
//! terminals disagree on a flag's width (tmux draws each half on its own), and a cell the
//! terminal and the layout count differently is never cleared — it left a stray `🇸` on
//! screen after the filter that showed it was closed.

use std::borrow::Cow;

/// Marker drawn where an escape sequence was.
pub const ESCAPE_MARKER: char = '␛';

fn is_dropped_format_char(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{200C}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
        | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{180E}')
}

/// A regional indicator symbol (U+1F1E6 `A` … U+1F1FF `Z`): half of a flag emoji.
fn regional_indicator_letter(c: char) -> Option<char> {
    let n = (c as u32).checked_sub(0x1F1E6)?;
    (n < 26).then(|| char::from(b'A' + n as u8))
}

fn needs_work(c: char) -> bool {
    (c as u32) < 0x20
        || ('\u{7F}'..='\u{9F}').contains(&c)
        || is_dropped_format_char(c)
        || regional_indicator_letter(c).is_some()
}

/// Make `s` safe to draw on one line: newlines and tabs become spaces.
pub fn line(s: &str) -> Cow<'_, str> {
    clean(s, false)
}

/// Make `s` safe to draw, keeping `\n` (for multi-line blocks); tabs become spaces.
pub fn block(s: &str) -> Cow<'_, str> {
    clean(s, true)
}

fn clean(s: &str, keep_newlines: bool) -> Cow<'_, str> {
    if !s.chars().any(needs_work) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' | '\t' | '\r' => out.push(' '),
            '\u{1B}' => {
                skip_escape(&mut chars);
                out.push(ESCAPE_MARKER);
            }
            // C1 CSI / OSC / DCS / SOS / PM / APC introduce a sequence like ESC does.
            '\u{9B}' => {
                skip_csi(&mut chars);
                out.push(ESCAPE_MARKER);
            }
            '\u{9D}' | '\u{90}' | '\u{98}' | '\u{9E}' | '\u{9F}' => {
                skip_string(&mut chars);
                out.push(ESCAPE_MARKER);
            }
            c if (c as u32) < 0x20 => {
                out.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{FFFD}'))
            }
            '\u{7F}' => out.push('␡'),
            '\u{80}'..='\u{9F}' => out.push('\u{FFFD}'),
            c if is_dropped_format_char(c) => {}
            c => out.push(regional_indicator_letter(c).unwrap_or(c)),
        }
    }
    Cow::Owned(out)
}

/// Pasted text for a one-line input: every line break (`\r\n`, `\n`, `\r`) and tab
/// becomes one space (a trailing line break is dropped), escape sequences and other
/// control characters are removed, invisible format characters dropped. What is left is
/// only ever text to insert, never a key.
pub fn pasted(s: &str) -> String {
    let s = s.trim_end_matches(['\r', '\n']);
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' | '\n' => {
                while chars.peek().is_some_and(|c| matches!(c, '\r' | '\n')) {
                    chars.next();
                }
                out.push(' ');
            }
            '\t' => out.push(' '),
            '\u{1B}' => skip_escape(&mut chars),
            '\u{9B}' => skip_csi(&mut chars),
            '\u{9D}' | '\u{90}' | '\u{98}' | '\u{9E}' | '\u{9F}' => skip_string(&mut chars),
            c if (c as u32) < 0x20 || ('\u{7F}'..='\u{9F}').contains(&c) => {}
            c if is_dropped_format_char(c) => {}
            c => out.push(c),
        }
    }
    out
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: consume the rest of the sequence.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        // Intermediate bytes then one final byte (e.g. `ESC ( B`, `ESC 7`).
        Some(c) if (' '..='/').contains(&c) => {
            while chars.peek().is_some_and(|c| (' '..='/').contains(c)) {
                chars.next();
            }
            if chars.peek().is_some_and(|c| ('0'..='~').contains(c)) {
                chars.next();
            }
        }
        Some(c) if ('0'..='~').contains(&c) => {
            chars.next();
        }
        _ => {}
    }
}

/// CSI: parameter and intermediate bytes, then a final byte in `@`..`~`.
fn skip_csi(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        if ('0'..='?').contains(&c) || (' '..='/').contains(&c) {
            chars.next();
        } else {
            if ('@'..='~').contains(&c) {
                chars.next();
            }
            return;
        }
    }
}

/// OSC/DCS/SOS/PM/APC: until BEL, ST (`ESC \`) or C1 ST, or the end.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{07}' | '\u{9C}' => return,
            '\u{1B}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_text_is_one_line_of_plain_text() {
        assert_eq!(pasted("lender\nrate lock\r\n"), "lender rate lock");
        assert_eq!(pasted("a\r\n\r\nb\tc"), "a b c");
        assert_eq!(pasted("q\u{1b}[31mred\u{1b}[0m\u{7}y"), "qredy");
        assert_eq!(pasted("x\u{1b}]52;c;aGk=\u{7}z"), "xz");
        assert_eq!(pasted("caf\u{e9} \u{1F3B8}"), "caf\u{e9} \u{1F3B8}");
    }

    #[test]
    fn flags_are_drawn_as_their_two_letters() {
        assert_eq!(line("🇪🇸 Spanish lessons"), "ES Spanish lessons");
        assert_eq!(line("a lone \u{1F1FF}"), "a lone Z");
        assert_eq!(block("🇺🇸\n🇯🇵"), "US\nJP");
        // Width agreed by the layout and any terminal: two columns, as the flag was meant.
        assert_eq!(
            unicode_width::UnicodeWidthStr::width(line("🇪🇸").as_ref()),
            2
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(line("Guitar lesson 🎸 café"), Cow::Borrowed(_)));
        assert!(matches!(line("family 👨‍👩‍👧"), Cow::Borrowed(_)));
    }

    #[test]
    fn sequences_become_one_marker() {
        assert_eq!(line("a\u{1b}[31mred\u{1b}[0m b"), "a␛red␛ b");
        assert_eq!(
            line("x\u{1b}]52;c;ZXZpbA==\u{07}y"),
            "x␛y",
            "OSC 52 clipboard write"
        );
        assert_eq!(
            line("x\u{1b}]8;;http://e\u{1b}\\link\u{1b}]8;;\u{1b}\\"),
            "x␛link␛"
        );
        assert_eq!(line("x\u{1b}Pq#0;2;0;0;0\u{1b}\\y"), "x␛y", "DCS sixel");
        assert_eq!(line("x\u{9b}2Jy"), "x␛y", "C1 CSI");
        assert_eq!(line("x\u{1b}(By"), "x␛y");
        assert_eq!(line("trailing\u{1b}"), "trailing␛");
        assert_eq!(line("open osc \u{1b}]0;title"), "open osc ␛");
    }

    #[test]
    fn controls_are_visible_and_inert() {
        assert_eq!(line("bell\u{07}nul\u{0}"), "bell␇nul␀");
        assert_eq!(line("a\nb\tc\rd"), "a b c d");
        assert_eq!(block("a\nb\tc"), "a\nb c");
        assert_eq!(line("c1\u{85}x"), "c1\u{FFFD}x");
        assert_eq!(line("del\u{7f}"), "del␡");
    }

    #[test]
    fn bidi_and_zero_width_are_dropped() {
        assert_eq!(line("abc\u{202E}fed\u{202C}"), "abcfed");
        assert_eq!(line("a\u{2066}b\u{2069}c\u{200B}d\u{FEFF}"), "abcd");
    }

    #[test]
    fn output_never_contains_controls() {
        let nasty: String = (0u32..0x100)
            .filter_map(char::from_u32)
            .chain("\u{202E}\u{2067}\u{200B}".chars())
            .collect();
        for s in [line(&nasty), block(&nasty)] {
            assert!(
                !s.chars()
                    .any(|c| c != '\n' && ((c as u32) < 0x20 || ('\u{7f}'..='\u{9f}').contains(&c))),
                "{s:?}"
            );
        }
    }
}
