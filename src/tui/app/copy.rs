//! `y` then `i`/`v`/`t`: copy a value (see [`crate::tui::clipboard`]).

use super::*;

impl App {
    /// Copy the choice for `code` (from the copy popup).
    pub(super) fn copy(&mut self, code: KeyCode) {
        let KeyCode::Char(c) = code else {
            return;
        };
        let Some((_, what, value)) = crate::tui::clipboard::choices(&self.state)
            .into_iter()
            .find(|(k, _, _)| *k == c)
        else {
            return;
        };
        let log = self
            .state
            .keymap
            .keys_for(Command::MessageLog, crate::tui::keymap::Scope::Global);
        let log = log.split('/').next().unwrap_or("L").to_string();
        // The full value goes to the message log first, so it can be read there.
        self.state.notify(Level::Info, format!("{what}: {value}"));
        self.state.notify(
            Level::Info,
            format!(
                "copied the {what} with OSC 52 ({} bytes); if your terminal blocks OSC 52, {log} shows it",
                value.len()
            ),
        );
        self.state.clipboard = Some(value);
    }
}
