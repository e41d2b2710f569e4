//! Bracketed paste: pasted text is inserted into the input being typed (the search query
//! or date range, the `/` filter, the facts search), as one line of plain text. It never
//! runs as keys: a paste with no input open, or while a dialog is open, is ignored with a
//! short message — so no pasted byte can answer a confirmation or start a command.

use super::*;
use crate::tui::sanitize;

/// Longest paste kept (characters); the rest is dropped with a message.
pub const MAX_PASTE_CHARS: usize = 100_000;

/// `input` with `text` inserted at its cursor, the cursor after it. One string built
/// once (inserting a 10,000-character paste key by key would copy the value each time).
pub fn insert_str(input: &Input, text: &str) -> Input {
    let value = input.value();
    let at = value
        .char_indices()
        .nth(input.cursor())
        .map_or(value.len(), |(i, _)| i);
    let mut next = String::with_capacity(value.len() + text.len());
    next.push_str(&value[..at]);
    next.push_str(text);
    next.push_str(&value[at..]);
    Input::new(next).with_cursor(input.cursor() + text.chars().count())
}

impl App {
    /// Apply a paste. Returns true (the screen changes: the text or a message).
    pub(super) fn on_paste(&mut self, raw: String) -> bool {
        let mut text = sanitize::pasted(&raw);
        if let Some((cut, _)) = text.char_indices().nth(MAX_PASTE_CHARS) {
            text.truncate(cut);
            self.state.notify(
                Level::Warn,
                format!("paste cut to its first {MAX_PASTE_CHARS} characters"),
            );
        }
        if self.state.popup.is_some() {
            self.state.notify(
                Level::Warn,
                "paste ignored: a dialog is open (pasted text never answers one)",
            );
            return true;
        }
        if let Some(input) = &mut self.state.facts.search_input {
            *input = insert_str(input, &text);
            return true;
        }
        if let Some(field) = self.state.search.editing {
            let pane = &mut self.state.search;
            match field {
                SearchField::Query => {
                    // A selected earlier query (`s` selects it) is replaced, as typing does.
                    if std::mem::take(&mut pane.select_all) {
                        pane.query = Input::default();
                    }
                    pane.query = insert_str(&pane.query, &text);
                }
                SearchField::Range => {
                    pane.range = insert_str(&pane.range, &text);
                    pane.check_range(chrono::Utc::now());
                }
            }
            return true;
        }
        if let Some(input) = &mut self.state.filter_input {
            *input = insert_str(input, &text);
            let value = input.value().to_string();
            if self.state.on_record_tab() {
                self.state.set_rows_query(&value);
            } else if value != self.state.list.query {
                self.state.list.set_typed_query(&value);
                self.state.refresh_list();
                self.state.details_scroll = 0;
            }
            return true;
        }
        let search = self
            .state
            .keymap
            .keys_for(Command::Search, crate::tui::keymap::Scope::List);
        let filter = self
            .state
            .keymap
            .keys_for(Command::Filter, crate::tui::keymap::Scope::List);
        self.state.notify(
            Level::Info,
            format!(
                "paste ignored: press {} to search or {} to filter, then paste",
                first_key(&search).unwrap_or("s"),
                first_key(&filter).unwrap_or("/")
            ),
        );
        true
    }
}

/// The first of keys shown as `a/b` (a lone `/` is a key, not a separator).
fn first_key(keys: &str) -> Option<&str> {
    if keys.starts_with('/') {
        return Some("/");
    }
    keys.split('/').next().filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_key_of_a_key_list() {
        assert_eq!(first_key("/"), Some("/"));
        assert_eq!(first_key("//ctrl-f"), Some("/"));
        assert_eq!(first_key("s/F3"), Some("s"));
        assert_eq!(first_key(""), None);
    }

    #[test]
    fn inserts_at_the_cursor_and_moves_it_past_the_text() {
        let input = Input::new("héllo world".into()).with_cursor(6);
        let next = insert_str(&input, "big ");
        assert_eq!(next.value(), "héllo big world");
        assert_eq!(next.cursor(), 10);
        let end = insert_str(&Input::default(), "é".repeat(3).as_str());
        assert_eq!((end.value(), end.cursor()), ("ééé", 3));
    }
}
