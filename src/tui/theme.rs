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
            EmbeddingStatus::Present => Color::Blue,
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

    /// Style of a status-line message.
    pub fn level(&self, level: Level) -> Style {
        match level {
            Level::Info => self.info,
            Level::Warn => self.warn,
            Level::Error => self.error,
        }
    }
}
