//! Keys are data: one table of default bindings, each with a description. The dispatcher,
//! the help overlay and the footer hints all read it; the config file's `[keys]` table
//! overrides entries by command name (`quit = ["q", "ctrl-q"]`).

use std::collections::BTreeMap;
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::tui::action::Command;

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scope {
    /// Everywhere (unless an input or popup takes the key first).
    Global,
    /// The memory list is focused.
    List,
    /// The details pane is focused.
    Details,
    /// The search pane is focused (not typing in its inputs).
    Search,
}

impl Scope {
    /// Heading in the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Memory list",
            Scope::Details => "Details",
            Scope::Search => "Search pane",
        }
    }
}

/// One key press: a code and modifiers (shift is folded into characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Chord {
    /// Normalise a crossterm key event.
    pub fn from_event(ev: &KeyEvent) -> Self {
        let mut mods =
            ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match ev.code {
            // Shift is already in the character ('G'); BackTab always means shift-tab.
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::Char(c)
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, mods }
    }

    /// Parse `q`, `G`, `ctrl-d`, `alt-x`, `shift-tab`, `f5`, `pgdown`, `space`, `?`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut mods = KeyModifiers::NONE;
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                mods |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                mods |= KeyModifiers::ALT;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower.strip_prefix("shift-") {
                mods |= KeyModifiers::SHIFT;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "space" => KeyCode::Char(' '),
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdown" | "pagedown" | "pgdn" => KeyCode::PageDown,
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            f if f.len() >= 2 && f.starts_with('f') && f[1..].parse::<u8>().is_ok() => {
                KeyCode::F(f[1..].parse().map_err(|_| format!("bad key {s:?}"))?)
            }
            _ => {
                let mut chars = rest.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => KeyCode::Char(c),
                    _ => return Err(format!("unknown key {s:?}")),
                }
            }
        };
        if let KeyCode::Char(c) = code
            && mods.contains(KeyModifiers::SHIFT)
        {
            mods.remove(KeyModifiers::SHIFT);
            return Ok(Self {
                code: KeyCode::Char(c.to_ascii_uppercase()),
                mods,
            });
        }
        Ok(Self { code, mods })
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// A sequence of chords (`g g`) bound to a command in a scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub scope: Scope,
    pub keys: Vec<Chord>,
    pub command: Command,
    pub description: &'static str,
    /// Short label in the footer for its scope (empty: not shown there).
    pub hint: &'static str,
}

/// The default bindings: (scope, keys, command, description, footer label or "").
#[rustfmt::skip]
pub const DEFAULT_BINDINGS: &[(Scope, &str, Command, &str, &str)] = &[
    (Scope::Global, "q", Command::Quit, "quit (asks first if a job is running)", "quit"),
    (Scope::Global, "ctrl-c", Command::ForceQuit, "exit now, always cleanly", ""),
    (Scope::Global, "?", Command::Help, "this help", "help"),
    (Scope::Global, "f1", Command::Help, "this help", ""),
    (Scope::Global, "esc", Command::ClosePopup, "close popup / clear the filter", ""),
    (Scope::Global, "tab", Command::FocusNext, "next pane", "pane"),
    (Scope::Global, "shift-tab", Command::FocusPrev, "previous pane", ""),
    (Scope::Global, "f5", Command::Refresh, "refresh embedding status from the store", "refresh"),
    (Scope::Global, "f", Command::CycleFormat, "cycle the embedding text format", ""),
    (Scope::List, "j", Command::Down, "down", ""),
    (Scope::List, "down", Command::Down, "down", ""),
    (Scope::List, "k", Command::Up, "up", ""),
    (Scope::List, "up", Command::Up, "up", ""),
    (Scope::List, "g g", Command::Top, "first memory", ""),
    (Scope::List, "home", Command::Top, "first memory", ""),
    (Scope::List, "G", Command::Bottom, "last memory", ""),
    (Scope::List, "end", Command::Bottom, "last memory", ""),
    (Scope::List, "ctrl-d", Command::HalfPageDown, "half a page down", ""),
    (Scope::List, "ctrl-u", Command::HalfPageUp, "half a page up", ""),
    (Scope::List, "pgdown", Command::PageDown, "page down", ""),
    (Scope::List, "pgup", Command::PageUp, "page up", ""),
    (Scope::List, "/", Command::Filter, "fuzzy filter (title, overview, id)", "filter"),
    (Scope::List, "space", Command::ToggleMark, "mark / unmark for batch actions", "mark"),
    (Scope::List, "o", Command::CycleSort, "sort: date, title, status", "sort"),
    (Scope::List, "S", Command::CycleStatusFilter, "filter by status (cycle)", "status"),
    (Scope::List, "F", Command::CycleCategoryFilter, "filter by category (cycle)", ""),
    (Scope::List, "X", Command::ClearFilters, "clear all filters", ""),
    (Scope::List, "enter", Command::FocusNext, "open details", ""),
    (Scope::Details, "j", Command::Down, "scroll down", ""),
    (Scope::Details, "down", Command::Down, "scroll down", ""),
    (Scope::Details, "k", Command::Up, "scroll up", ""),
    (Scope::Details, "up", Command::Up, "scroll up", ""),
    (Scope::Details, "g g", Command::Top, "top", ""),
    (Scope::Details, "home", Command::Top, "top", ""),
    (Scope::Details, "G", Command::Bottom, "bottom", ""),
    (Scope::Details, "end", Command::Bottom, "bottom", ""),
    (Scope::Details, "ctrl-d", Command::HalfPageDown, "half a page down", ""),
    (Scope::Details, "ctrl-u", Command::HalfPageUp, "half a page up", ""),
    (Scope::Details, "pgdown", Command::PageDown, "page down", "page"),
    (Scope::Details, "pgup", Command::PageUp, "page up", ""),
    (Scope::Details, "t", Command::ToggleTranscript, "expand / collapse the transcript", "transcript"),
    (Scope::List, "s", Command::Search, "search (hybrid: semantic + full text)", "search"),
    (Scope::Details, "s", Command::Search, "search (hybrid: semantic + full text)", "search"),
    (Scope::List, "m", Command::MoreLikeThis, "more like this (stored vector, no embedding)", "like"),
    (Scope::Details, "m", Command::MoreLikeThis, "more like this (stored vector, no embedding)", ""),
    (Scope::Search, "s", Command::Search, "edit the query (Enter runs, ↑/↓ history)", "query"),
    (Scope::Search, "/", Command::Search, "edit the query (Enter runs, ↑/↓ history)", ""),
    (Scope::Search, "r", Command::EditRange, "edit the date range (2024-08-01..2024-09-01, 7d)", "range"),
    (Scope::Search, "+", Command::TopKUp, "more results (top-k)", "top-k"),
    (Scope::Search, "-", Command::TopKDown, "fewer results (top-k)", ""),
    (Scope::Search, "j", Command::Down, "next hit", ""),
    (Scope::Search, "down", Command::Down, "next hit", ""),
    (Scope::Search, "k", Command::Up, "previous hit", ""),
    (Scope::Search, "up", Command::Up, "previous hit", ""),
    (Scope::Search, "enter", Command::OpenHit, "open the hit in the list and details", "open"),
    (Scope::List, "r", Command::Reprocess, "reprocess this memory (confirm first)", "reprocess"),
    (Scope::Details, "r", Command::Reprocess, "reprocess this memory (confirm first)", "reprocess"),
    (Scope::List, "R", Command::ReprocessBatch, "reprocess many: marked, filtered, missing, stale", "batch"),
    (Scope::List, "c", Command::VectorCheck, "vector stats and drift (which format made it)", "drift"),
    (Scope::List, "v", Command::VectorCheck, "vector stats and drift (which format made it)", ""),
    (Scope::Details, "c", Command::VectorCheck, "vector stats and drift (which format made it)", "drift"),
    (Scope::Details, "v", Command::VectorCheck, "vector stats and drift (which format made it)", ""),
    (Scope::Global, "I", Command::IndexView, "index: stats, compatibility, counts, orphans", "index"),
    (Scope::Global, "M", Command::MapView, "map of the stored vectors (2-D PCA, by category)", "map"),
    (Scope::List, "C", Command::DriftBatch, "drift check of marked (or filtered) memories", ""),
    (Scope::Global, "J", Command::Jobs, "reprocess job: progress, x cancel, t retry failed", ""),
    (Scope::Search, "e", Command::ExportResults, "export results as JSON and CSV (current dir)", "export"),
    (Scope::Global, "1", Command::TabConversations, "conversations tab (ns1)", ""),
    (Scope::Global, "2", Command::TabFacts, "facts tab (ns2)", ""),
    (Scope::Global, "3", Command::TabActionItems, "action items tab (ns4)", ""),
    (Scope::Global, "4", Command::TabChunks, "transcript chunks tab (ns_tchunks)", ""),
    (Scope::Details, "enter", Command::OpenLinked, "open the linked conversation, chunk or item", ""),
    (Scope::Global, "L", Command::MessageLog, "message log: every message and error in full", "log"),
    (Scope::Global, "h", Command::FocusLeft, "focus the left pane (list)", ""),
    (Scope::Global, "left", Command::FocusLeft, "focus the left pane (list)", ""),
    (Scope::Global, "l", Command::FocusRight, "focus the right pane (details or search)", ""),
    (Scope::Global, "right", Command::FocusRight, "focus the right pane (details or search)", ""),
    (Scope::List, "y", Command::Copy, "copy the id, vector id or text (OSC 52)", "copy"),
    (Scope::Details, "y", Command::Copy, "copy the id, vector id or text (OSC 52)", "copy"),
    (Scope::Search, "y", Command::Copy, "copy the hit's id, vector id or text (OSC 52)", ""),
    (Scope::Search, "t", Command::CycleSearchMode, "search mode: hybrid, semantic (Omi's), text, chunks", "mode"),
    (Scope::Search, "w", Command::Explain, "why (not) found: ranks, scores, checks, the fix", "why"),
    (Scope::List, "w", Command::Explain, "why is it (not) found for the active query", ""),
    (Scope::Details, "w", Command::Explain, "why is it (not) found for the active query", ""),
    (Scope::Search, "a", Command::GoldenAdd, "add query → this hit to the golden queries", "golden"),
];

/// The result of feeding one key to the keymap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOutcome {
    /// A binding matched.
    Command(Command),
    /// The key starts a longer sequence (`g` of `g g`): wait for the next key.
    Pending,
    /// Nothing bound.
    Unbound,
}

/// The active bindings plus the pending prefix of a multi-key sequence.
#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
    pending: Vec<Chord>,
}

fn parse_sequence(s: &str) -> Result<Vec<Chord>, String> {
    let keys: Result<Vec<Chord>, String> = s.split_whitespace().map(Chord::parse).collect();
    let keys = keys?;
    if keys.is_empty() {
        return Err("empty key".into());
    }
    Ok(keys)
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = DEFAULT_BINDINGS
            .iter()
            .filter_map(|(scope, keys, command, description, hint)| {
                Some(Binding {
                    scope: *scope,
                    keys: parse_sequence(keys).ok()?,
                    command: *command,
                    description,
                    hint,
                })
            })
            .collect();
        Self {
            bindings,
            pending: Vec::new(),
        }
    }
}

impl Keymap {
    /// Defaults with user overrides merged over them: each named command's keys are
    /// replaced (in every scope it had) by the given ones. Returns the warnings.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> (Self, Vec<String>) {
        let mut map = Self::default();
        let mut warnings = Vec::new();
        for (name, keys) in overrides {
            let Some(command) = Command::from_name(name) else {
                warnings.push(format!("[keys] unknown command {name:?}"));
                continue;
            };
            let parsed: Vec<Vec<Chord>> = keys
                .iter()
                .filter_map(|k| match parse_sequence(k) {
                    Ok(seq) => Some(seq),
                    Err(e) => {
                        warnings.push(format!("[keys] {name}: {e}"));
                        None
                    }
                })
                .collect();
            if parsed.is_empty() {
                warnings.push(format!(
                    "[keys] {name}: no usable key given; its default keys stay"
                ));
                continue;
            }
            let template: Vec<Binding> = map
                .bindings
                .iter()
                .filter(|b| b.command == command)
                .cloned()
                .collect();
            let mut scopes: Vec<(Scope, &'static str, &'static str)> = template
                .iter()
                .map(|b| (b.scope, b.description, b.hint))
                .collect();
            scopes.dedup_by_key(|s| s.0);
            map.bindings.retain(|b| b.command != command);
            for (scope, description, hint) in scopes {
                for keys in &parsed {
                    map.bindings.push(Binding {
                        scope,
                        keys: keys.clone(),
                        command,
                        description,
                        hint,
                    });
                }
            }
        }
        (map, warnings)
    }

    /// Read the `[keys]` table of a config file (missing file: defaults).
    pub fn from_config_file(path: Option<&std::path::Path>) -> (Self, Vec<String>) {
        let Some(path) = path else {
            return (Self::default(), Vec::new());
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return (Self::default(), Vec::new());
        };
        let table: toml::Table = match text.parse() {
            Ok(t) => t,
            Err(e) => return (Self::default(), vec![format!("config file: {e}")]),
        };
        let mut overrides = BTreeMap::new();
        let mut warnings = Vec::new();
        if let Some(toml::Value::Table(keys)) = table.get("keys") {
            for (name, v) in keys {
                let list = match v {
                    toml::Value::String(s) => vec![s.clone()],
                    toml::Value::Array(a) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect(),
                    other => {
                        warnings.push(format!(
                            "[keys] {name}: expected a key or a list of keys, got {}",
                            other.type_str()
                        ));
                        continue;
                    }
                };
                overrides.insert(name.clone(), list);
            }
        }
        let (map, more) = Self::with_overrides(&overrides);
        warnings.extend(more);
        warnings.extend(map.problems());
        (map, warnings)
    }

    /// What is wrong with the bindings: an action that had keys by default and has none
    /// now, and a key bound to two actions in one scope (only one of them can run).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let defaults = Self::default();
        for command in Command::ALL {
            let had = defaults.bindings.iter().any(|b| b.command == command);
            let has = self.bindings.iter().any(|b| b.command == command);
            if had && !has {
                out.push(format!("[keys] {}: no key runs it", command.name()));
            }
        }
        let mut seen: Vec<(Scope, &Vec<Chord>, Command)> = Vec::new();
        for b in &self.bindings {
            // A scoped binding shadows a global one on purpose only in the defaults.
            let clash = seen
                .iter()
                .find(|(scope, keys, command)| {
                    *keys == &b.keys
                        && *command != b.command
                        && (*scope == b.scope
                            || (*scope == Scope::Global) != (b.scope == Scope::Global))
                })
                .copied();
            if let Some((_, keys, other)) = clash {
                let default_clash = defaults
                    .bindings
                    .iter()
                    .any(|d| d.keys == *keys && d.command == b.command)
                    && defaults
                        .bindings
                        .iter()
                        .any(|d| d.keys == *keys && d.command == other);
                if !default_clash {
                    let shown: Vec<String> = keys.iter().map(|c| c.to_string()).collect();
                    out.push(format!(
                        "[keys] {} is bound to both {} and {}: only one of them runs",
                        shown.join(" "),
                        other.name(),
                        b.command.name()
                    ));
                }
            }
            seen.push((b.scope, &b.keys, b.command));
        }
        out.sort();
        out.dedup();
        out
    }

    /// Feed one key in the given scope (its own bindings first, then global ones).
    pub fn feed(&mut self, key: &KeyEvent, scope: Scope) -> KeyOutcome {
        self.pending.push(Chord::from_event(key));
        let in_scope = |b: &&Binding| b.scope == scope || b.scope == Scope::Global;
        let mut exact = None;
        let mut longer = false;
        for b in self.bindings.iter().filter(in_scope) {
            if b.keys == self.pending {
                // A scoped binding wins over a global one.
                if exact.is_none() || b.scope != Scope::Global {
                    exact = Some(b.command);
                }
            } else if b.keys.starts_with(&self.pending) {
                longer = true;
            }
        }
        if longer && exact.is_none() {
            return KeyOutcome::Pending;
        }
        let had_prefix = self.pending.len() > 1;
        self.pending.clear();
        match exact {
            Some(c) => KeyOutcome::Command(c),
            // `g x`: drop the stale prefix and try `x` alone.
            None if had_prefix => self.feed(key, scope),
            None => KeyOutcome::Unbound,
        }
    }

    /// True while a multi-key sequence is half typed.
    pub fn is_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// Forget a half-typed sequence.
    pub fn reset(&mut self) {
        self.pending.clear();
    }

    /// Keys of a command in a scope, as shown to the user (`j/↓`).
    pub fn keys_for(&self, command: Command, scope: Scope) -> String {
        let keys: Vec<String> = self
            .bindings
            .iter()
            .filter(|b| b.command == command && (b.scope == scope || b.scope == Scope::Global))
            .map(|b| {
                b.keys
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        keys.join("/")
    }

    /// Help rows per scope: (keys, description), one row per distinct description.
    pub fn help_rows(&self) -> Vec<(Scope, Vec<(String, &'static str)>)> {
        let mut out: Vec<(Scope, Vec<(String, &'static str)>)> = Vec::new();
        for scope in [Scope::Global, Scope::List, Scope::Details, Scope::Search] {
            let mut rows: Vec<(String, &'static str)> = Vec::new();
            for b in self.bindings.iter().filter(|b| b.scope == scope) {
                let keys = b
                    .keys
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                match rows.iter_mut().find(|r| r.1 == b.description) {
                    Some(row) => {
                        row.0.push('/');
                        row.0.push_str(&keys);
                    }
                    None => rows.push((keys, b.description)),
                }
            }
            out.push((scope, rows));
        }
        out
    }

    /// Footer hints for a scope: (keys, short description).
    pub fn hints(&self, scope: Scope) -> Vec<(String, &'static str)> {
        self.hint_commands(scope)
            .into_iter()
            .map(|(_, keys, what)| (keys, what))
            .collect()
    }

    /// Footer hints for a scope with their commands: (command, keys, short description).
    pub fn hint_commands(&self, scope: Scope) -> Vec<(Command, String, &'static str)> {
        let mut seen = Vec::new();
        let mut out = Vec::new();
        for b in self
            .bindings
            .iter()
            .filter(|b| !b.hint.is_empty() && (b.scope == scope || b.scope == Scope::Global))
        {
            if seen.contains(&b.command) {
                continue;
            }
            seen.push(b.command);
            let keys = b
                .keys
                .iter()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            out.push((b.command, keys, b.hint));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn every_default_binding_parses() {
        let map = Keymap::default();
        assert_eq!(map.bindings.len(), DEFAULT_BINDINGS.len());
    }

    #[test]
    fn sequences_and_scopes() {
        let mut map = Keymap::default();
        assert_eq!(
            map.feed(&key(KeyCode::Char('g')), Scope::List),
            KeyOutcome::Pending
        );
        assert_eq!(
            map.feed(&key(KeyCode::Char('g')), Scope::List),
            KeyOutcome::Command(Command::Top)
        );
        // `g` then `j`: the stale prefix is dropped and `j` still works.
        map.feed(&key(KeyCode::Char('g')), Scope::List);
        assert_eq!(
            map.feed(&key(KeyCode::Char('j')), Scope::List),
            KeyOutcome::Command(Command::Down)
        );
        assert_eq!(
            map.feed(
                &KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
                Scope::List
            ),
            KeyOutcome::Command(Command::Bottom)
        );
        assert_eq!(
            map.feed(
                &KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
                Scope::Details
            ),
            KeyOutcome::Command(Command::ForceQuit)
        );
        assert_eq!(
            map.feed(&key(KeyCode::Char('t')), Scope::List),
            KeyOutcome::Unbound
        );
        assert_eq!(
            map.feed(
                &KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
                Scope::List
            ),
            KeyOutcome::Command(Command::FocusPrev)
        );
    }

    #[test]
    fn overrides_replace_keys_and_report_mistakes() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["ctrl-q".to_string()]);
        o.insert("nope".to_string(), vec!["x".to_string()]);
        o.insert(
            "down".to_string(),
            vec!["n".to_string(), "ctrl-???".to_string()],
        );
        let (mut map, warnings) = Keymap::with_overrides(&o);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(
            map.feed(&key(KeyCode::Char('q')), Scope::List),
            KeyOutcome::Unbound
        );
        assert_eq!(
            map.feed(
                &KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL),
                Scope::List
            ),
            KeyOutcome::Command(Command::Quit)
        );
        assert_eq!(
            map.feed(&key(KeyCode::Char('n')), Scope::Details),
            KeyOutcome::Command(Command::Down)
        );
        assert!(
            map.help_rows()
                .iter()
                .any(|(_, rows)| rows.iter().any(|r| r.0 == "Ctrl-q"))
        );
    }

    #[test]
    fn the_defaults_have_no_problems_and_mistakes_are_named() {
        assert_eq!(Keymap::default().problems(), Vec::<String>::new());
        let mut o = BTreeMap::new();
        // `j` for quit clashes with `j` for down in the list.
        o.insert("quit".to_string(), vec!["j".to_string()]);
        let (map, warnings) = Keymap::with_overrides(&o);
        assert!(warnings.is_empty(), "{warnings:?}");
        let problems = map.problems();
        assert!(
            problems.iter().any(|p| p.contains("j is bound to both")),
            "{problems:?}"
        );
        // An empty list is reported, and the defaults stay.
        let mut o = BTreeMap::new();
        o.insert("help".to_string(), vec![]);
        let (map, warnings) = Keymap::with_overrides(&o);
        assert!(warnings[0].contains("help: no usable key"), "{warnings:?}");
        assert!(map.problems().is_empty());
    }

    #[test]
    fn unbound_actions_are_reported() {
        let mut map = Keymap::default();
        map.bindings.retain(|b| b.command != Command::MapView);
        assert_eq!(
            map.problems(),
            vec!["[keys] map: no key runs it".to_string()]
        );
    }

    #[test]
    fn chord_parsing() {
        assert_eq!(Chord::parse("shift-g").unwrap().code, KeyCode::Char('G'));
        assert_eq!(Chord::parse("F5").unwrap().code, KeyCode::F(5));
        assert_eq!(Chord::parse("shift-tab").unwrap().code, KeyCode::BackTab);
        assert!(Chord::parse("hyper-x").is_err());
        assert_eq!(Chord::parse("ctrl-d").unwrap().to_string(), "Ctrl-d");
    }
}
