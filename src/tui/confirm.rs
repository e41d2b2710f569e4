//! The one confirmation flow, shared by every dialog that asks before acting (reprocess
//! one or many, resume a run, the batch drift check, deleting orphans, quitting while a
//! job runs).
//!
//! One rule everywhere: `y` confirms, `n` or `Esc` cancels, `Enter` takes the highlighted
//! default button; any other key leaves the dialog open. The default is *cancel* for
//! remote writes and deletes (Pinecone), and for quitting with a job running.

use crossterm::event::KeyCode;
use ratatui::text::{Line, Span};

use crate::tui::theme::Theme;

/// The rule, in the words the help overlay and every dialog use.
pub const RULE: &str = "y confirms · n/Esc cancels · Enter takes the highlighted button";

/// Which button `Enter` presses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Default {
    Confirm,
    Cancel,
}

impl Default {
    /// Cancel for remote writes and deletes, confirm for local ones.
    pub fn for_write(remote: bool) -> Self {
        if remote { Self::Cancel } else { Self::Confirm }
    }
}

/// What a key does in a confirmation dialog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Confirm,
    Cancel,
    /// Not an answer: the dialog stays open.
    Ignore,
}

/// Apply the rule to one key.
pub fn answer(code: KeyCode, default: Default) -> Answer {
    match code {
        KeyCode::Char('y') | KeyCode::Char('Y') => Answer::Confirm,
        KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => Answer::Cancel,
        KeyCode::Enter => match default {
            Default::Confirm => Answer::Confirm,
            Default::Cancel => Answer::Cancel,
        },
        _ => Answer::Ignore,
    }
}

/// The dialog's button row: `[ y Write 3 vectors ]  [ n Cancel ]`, the default one
/// highlighted (`▸`), then what `Enter` does (`Enter = Cancel`).
pub fn buttons(t: &Theme, confirm: &str, default: Default) -> Line<'static> {
    let (yes_style, no_style) = match default {
        Default::Confirm => (t.selected, t.base),
        Default::Cancel => (t.base, t.selected),
    };
    let mark = |on: bool| if on { "▸" } else { " " };
    Line::from(vec![
        Span::styled(
            format!("{}[ y {confirm} ]", mark(default == Default::Confirm)),
            yes_style,
        ),
        Span::raw("  "),
        Span::styled(
            format!("{}[ n Cancel ]", mark(default == Default::Cancel)),
            no_style,
        ),
        Span::styled(
            format!(
                "  Enter = {}",
                match default {
                    Default::Confirm => confirm,
                    Default::Cancel => "Cancel",
                }
            ),
            t.dim,
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_for_every_dialog() {
        for d in [Default::Confirm, Default::Cancel] {
            assert_eq!(answer(KeyCode::Char('y'), d), Answer::Confirm);
            assert_eq!(answer(KeyCode::Char('n'), d), Answer::Cancel);
            assert_eq!(answer(KeyCode::Esc, d), Answer::Cancel);
            assert_eq!(answer(KeyCode::Char('x'), d), Answer::Ignore);
            assert_eq!(answer(KeyCode::Char('q'), d), Answer::Ignore);
        }
        assert_eq!(answer(KeyCode::Enter, Default::Confirm), Answer::Confirm);
        assert_eq!(answer(KeyCode::Enter, Default::Cancel), Answer::Cancel);
        assert_eq!(Default::for_write(true), Default::Cancel);
        assert_eq!(Default::for_write(false), Default::Confirm);
    }
}
