//! Colours and styles in one place. `NO_COLOR` (any non-empty value) turns colour off;
//! meaning never rests on colour alone (statuses have a glyph and a word).

use ratatui::style::{Color, Modifier, Style};

use crate::sync::EmbeddingStatus;
use crate::tui::action::Level;

/// Every style the UI uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub base: Style,
    pub dim: Style,
    pub title: Style,
    pub header: Style,
    pub border: Style,
    pub border_focused: Style,
    pub selected: Style,
    pub marked: Style,
    pub key: Style,
    pub label: Style,
    pub warn: Style,
    pub error: Style,
    pub info: Style,
    pub gauge: Style,
    colored: bool,
}

impl Theme {
    /// The default dark-friendly theme.
    pub fn colored() -> Self {
        Self {
            base: Style::default(),
            dim: Style::default().fg(Color::DarkGray),
            title: Style::default().add_modifier(Modifier::BOLD),
            header: Style::default().fg(Color::Cyan),
            border: Style::default().fg(Color::DarkGray),
            border_focused: Style::default().fg(Color::Cyan),
            selected: Style::default()
                .bg(Color::Blue)
                .fg(Color::White)
                .add_modifier(Modifier::BOLD),
            marked: Style::default()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD),
            key: Style::default()
                .fg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
            label: Style::default()
                .fg(Color::Gray)
                .add_modifier(Modifier::BOLD),
            warn: Style::default().fg(Color::Yellow),
            error: Style::default().fg(Color::Red).add_modifier(Modifier::BOLD),
            info: Style::default().fg(Color::Green),
            gauge: Style::default().fg(Color::Cyan).bg(Color::Black),
            colored: true,
        }
    }

    /// No colours: only bold, reverse and underline.
    pub fn monochrome() -> Self {
        let plain = Style::default();
        Self {
            base: plain,
            dim: plain,
            title: plain.add_modifier(Modifier::BOLD),
            header: plain,
            border: plain,
            border_focused: plain.add_modifier(Modifier::BOLD),
            selected: plain.add_modifier(Modifier::REVERSED),
            marked: plain.add_modifier(Modifier::BOLD),
            key: plain.add_modifier(Modifier::BOLD),
            label: plain.add_modifier(Modifier::BOLD),
            warn: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            info: plain,
            gauge: plain.add_modifier(Modifier::REVERSED),
            colored: false,
        }
    }

    /// The theme the environment asks for (`NO_COLOR` set and non-empty: monochrome).
    pub fn from_env() -> Self {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Self::monochrome(),
            _ => Self::colored(),
        }
    }

    /// True unless `NO_COLOR` asked for monochrome.
    pub fn is_colored(&self) -> bool {
        self.colored
    }

    /// Style of a status (the glyph and word carry the meaning).
    pub fn status(&self, status: EmbeddingStatus) -> Style {
        if !self.colored {
            return match status {
                EmbeddingStatus::Mismatch | EmbeddingStatus::Stale => self.warn,
                _ => self.base,
            };
        }
        let c = match status {
            EmbeddingStatus::Unknown => Color::DarkGray,
            EmbeddingStatus::Missing => Color::Red,
            // Most rows are present: the terminal's own colour, calm beside the others
            // (and never blue on the blue selection).
            EmbeddingStatus::Present => return self.base,
            EmbeddingStatus::Fresh => Color::Green,
            EmbeddingStatus::Stale => Color::Yellow,
            EmbeddingStatus::Skipped => Color::DarkGray,
            EmbeddingStatus::Orphan => Color::Magenta,
            EmbeddingStatus::Mismatch => Color::Magenta,
            EmbeddingStatus::Legacy => Color::Yellow,
            EmbeddingStatus::Foreign => Color::Cyan,
        };
        Style::default().fg(c)
    }

    /// Style of a status on the selected row ([`Theme::on_selection`] of its colour).
    pub fn status_selected(&self, status: EmbeddingStatus) -> Style {
        self.on_selection(self.status(status))
    }

    /// `style` as drawn on the selected row: its colour when that stands out from the
    /// selection's background (contrast ≥ [`MIN_CONTRAST`] in xterm's palette), else the
    /// selection's own text colour (a status's glyph and word still say which it is).
    pub fn on_selection(&self, style: Style) -> Style {
        match (style.fg, self.selected.bg) {
            (Some(fg), Some(bg)) if contrast(fg, bg).is_none_or(|c| c < MIN_CONTRAST) => Style {
                fg: self.selected.fg,
                ..style
            },
            _ => style,
        }
    }

    /// Style of a status-line message.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => self.info,
            Level::Warn => self.warn,
            Level::Error => self.error,
        }
    }
}

/// The least contrast (WCAG ratio, 1–21) a coloured status keeps on the selected row.
pub const MIN_CONTRAST: f64 = 3.0;

/// xterm's default RGB for a named colour (terminals differ; xterm's is the reference).
/// `None` for colours with no fixed value (`Reset`, indexed, RGB are not used here).
pub fn xterm_rgb(c: Color) -> Option<(u8, u8, u8)> {
    Some(match c {
        Color::Black => (0, 0, 0),
        Color::Red => (205, 0, 0),
        Color::Green => (0, 205, 0),
        Color::Yellow => (205, 205, 0),
        Color::Blue => (0, 0, 238),
        Color::Magenta => (205, 0, 205),
        Color::Cyan => (0, 205, 205),
        Color::Gray => (229, 229, 229),
        Color::DarkGray => (127, 127, 127),
        Color::LightRed => (255, 0, 0),
        Color::LightGreen => (0, 255, 0),
        Color::LightYellow => (255, 255, 0),
        Color::LightBlue => (92, 92, 255),
        Color::LightMagenta => (255, 0, 255),
        Color::LightCyan => (0, 255, 255),
        Color::White => (255, 255, 255),
        Color::Rgb(r, g, b) => (r, g, b),
        _ => return None,
    })
}

/// WCAG contrast ratio of two colours in xterm's palette (1 = same, 21 = black on white).
pub fn contrast(a: Color, b: Color) -> Option<f64> {
    fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
        let lin = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.03928 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
    }
    let (la, lb) = (luminance(xterm_rgb(a)?), luminance(xterm_rgb(b)?));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_colour_shows_on_the_selection() {
        let t = Theme::colored();
        let bg = t.selected.bg.expect("the selection has a background");
        for s in EmbeddingStatus::ALL {
            // Never the selection's own background (blue on blue was `● present`).
            assert_ne!(t.status(s).fg, Some(bg), "{s:?}");
            let fg = t.status_selected(s).fg.or(t.selected.fg).expect("a colour");
            assert_ne!(fg, bg, "{s:?}");
            let c = contrast(fg, bg).expect("a named colour");
            assert!(c >= MIN_CONTRAST, "{s:?}: {fg:?} on {bg:?} is {c:.2}");
        }
        // The selection's own text too.
        let fg = t.selected.fg.expect("the selection has a text colour");
        assert!(contrast(fg, bg).unwrap() >= 4.5);
    }

    #[test]
    fn no_color_keeps_every_status_readable_on_the_selection() {
        let t = Theme::monochrome();
        assert!(t.selected.add_modifier.contains(Modifier::REVERSED));
        for s in EmbeddingStatus::ALL {
            for style in [t.status(s), t.status_selected(s)] {
                assert_eq!((style.fg, style.bg), (None, None), "{s:?}");
            }
        }
    }

    #[test]
    fn contrast_matches_known_pairs() {
        let bw = contrast(Color::Black, Color::White).unwrap();
        assert!((bw - 21.0).abs() < 0.01);
        assert!((contrast(Color::Blue, Color::Blue).unwrap() - 1.0).abs() < 1e-9);
    }
}
