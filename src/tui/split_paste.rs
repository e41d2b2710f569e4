//! Reassembly of a bracketed paste whose start marker crossterm split into keys.
//!
//! crossterm's unix event source reads an `ESC` that ends a read as the Esc key. When a
//! paste's opening `ESC [ 2 0 0 ~` is split right after the `ESC` (or follows another
//! `ESC`, which swallows it), the rest arrives as the keys `[`, `2`, `0`, `0`, `~`, the
//! pasted text as keys (Enter for each line break), and the closing `ESC [ 2 0 1 ~` is
//! dropped or comes as Esc + `[201~`. Run as keys, one pasted `q` would quit memlens.
//!
//! [`PasteReassembler`] sits between crossterm and the app: an Esc (plain or Alt), or an
//! Alt+`[`, is held until the next event shows whether a split start marker follows; once
//! `[200~` is complete, the following keys are collected as text until the closing
//! marker, crossterm's own paste, or [`QUIET`] without any event, and are delivered as one
//! [`Event::Paste`]. Any other stream passes through unchanged and in order (a held Esc
//! or `[` is released by the next key, or after [`QUIET`]). Pure: no clock, no I/O.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::tui::app::paste::MAX_PASTE_CHARS;

/// Quiet time after which held keys are released, or a collected paste whose closing
/// marker crossterm dropped is delivered. No human types `Esc [ 2 0 0 ~` this fast.
pub const QUIET: Duration = Duration::from_millis(20);

/// Quiet periods a start marker waits for its first text before it is given up (an
/// empty paste whose closing marker crossterm dropped): 25 × 20 ms = half a second.
const EMPTY_WAITS: u32 = 25;

const START: &[char] = &['[', '2', '0', '0', '~'];
const END: &[char] = &['[', '2', '0', '1', '~'];

#[derive(Debug, Default)]
enum Phase {
    /// Events pass through.
    #[default]
    Idle,
    /// An Esc is held: it may be the first byte of a split start marker.
    HeldEsc(Event),
    /// An Esc was just released as a key (quiet): a start marker whose `ESC` crossterm
    /// already turned into that key may still follow.
    AfterEsc,
    /// `matched` chars of `[200~` seen; `held` are their events (released on mismatch).
    /// `close`: it is a stray `[201~` instead (the end of a paste delivered on quiet),
    /// dropped when complete.
    Start {
        matched: usize,
        held: Vec<Event>,
        close: bool,
    },
    /// Inside a reassembled paste; `end` chars of `[201~` seen (after an optional Esc);
    /// `waits`: quiet periods passed with no text yet.
    Collecting {
        text: String,
        end: usize,
        waits: u32,
    },
}

/// A state machine turning a key stream with a split paste back into one paste.
#[derive(Debug, Default)]
pub struct PasteReassembler {
    phase: Phase,
}

/// The plain char of a key press (no Ctrl/Alt), if any.
fn plain_char(ev: &Event) -> Option<char> {
    match ev {
        Event::Key(KeyEvent {
            code: KeyCode::Char(c),
            modifiers,
            kind: KeyEventKind::Press | KeyEventKind::Repeat,
            ..
        }) if (*modifiers - KeyModifiers::SHIFT).is_empty() => Some(*c),
        _ => None,
    }
}

fn is_esc(ev: &Event) -> bool {
    matches!(ev, Event::Key(KeyEvent {
        code: KeyCode::Esc,
        modifiers,
        kind: KeyEventKind::Press,
        ..
    }) if (*modifiers - KeyModifiers::ALT).is_empty())
}

fn is_alt_bracket(ev: &Event) -> bool {
    matches!(ev, Event::Key(KeyEvent {
        code: KeyCode::Char('['),
        modifiers,
        kind: KeyEventKind::Press,
        ..
    }) if *modifiers == KeyModifiers::ALT)
}

/// The text a key inside a split paste stands for (`None`: nothing, e.g. an arrow key
/// decoded from an escape sequence in the text, which would be stripped anyway).
fn paste_text(ev: &Event) -> Option<char> {
    let Event::Key(k) = ev else { return None };
    if k.kind == KeyEventKind::Release {
        return None;
    }
    match k.code {
        KeyCode::Enter => Some('\n'),
        KeyCode::Tab => Some('\t'),
        // A line feed in raw mode is Ctrl+J.
        KeyCode::Char('j') if k.modifiers == KeyModifiers::CONTROL => Some('\n'),
        // An `ESC x` in the text comes as Alt+x: keep the x.
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

impl PasteReassembler {
    /// True while events are held or a paste is being collected: call
    /// [`Self::flush_on_quiet`] once [`QUIET`] passes with no new event.
    pub fn is_pending(&self) -> bool {
        !matches!(self.phase, Phase::Idle)
    }

    /// Feed one event from crossterm; returns the events to apply now, in order.
    pub fn push(&mut self, ev: Event) -> Vec<Event> {
        let mut out = Vec::new();
        self.step(ev, &mut out);
        out
    }

    /// No event came for [`QUIET`]: release what is held (as keys) or deliver the
    /// collected paste.
    pub fn flush_on_quiet(&mut self) -> Vec<Event> {
        match std::mem::take(&mut self.phase) {
            Phase::Idle | Phase::AfterEsc => Vec::new(),
            Phase::HeldEsc(esc) => {
                self.phase = Phase::AfterEsc;
                vec![esc]
            }
            Phase::Start { held, .. } => held,
            // The marker came, its text not yet (a slow writer): keep waiting a while,
            // so the text is never read as keys.
            Phase::Collecting { text, end, waits } if text.is_empty() && waits < EMPTY_WAITS => {
                self.phase = Phase::Collecting {
                    text,
                    end,
                    waits: waits + 1,
                };
                Vec::new()
            }
            Phase::Collecting { text, .. } => vec![Event::Paste(text)],
        }
    }

    fn step(&mut self, ev: Event, out: &mut Vec<Event>) {
        match std::mem::take(&mut self.phase) {
            Phase::AfterEsc if plain_char(&ev) == Some('[') => {
                self.phase = Phase::Start {
                    matched: 1,
                    held: vec![ev],
                    close: false,
                };
            }
            Phase::Idle | Phase::AfterEsc => {
                if is_esc(&ev) {
                    self.phase = Phase::HeldEsc(ev);
                } else if is_alt_bracket(&ev) {
                    self.phase = Phase::Start {
                        matched: 1,
                        held: vec![ev],
                        close: false,
                    };
                } else {
                    out.push(ev);
                }
            }
            Phase::HeldEsc(esc) => {
                if plain_char(&ev) == Some('[') {
                    self.phase = Phase::Start {
                        matched: 1,
                        held: vec![esc, ev],
                        close: false,
                    };
                } else {
                    out.push(esc);
                    // A second Esc is held in turn; anything else passes.
                    self.step(ev, out);
                }
            }
            Phase::Start {
                matched,
                mut held,
                close,
            } => {
                let c = plain_char(&ev);
                let close = close || (matched == 3 && c == Some(END[3]));
                let marker = if close { END } else { START };
                if c == Some(marker[matched]) {
                    if matched + 1 < START.len() {
                        held.push(ev);
                        self.phase = Phase::Start {
                            matched: matched + 1,
                            held,
                            close,
                        };
                    } else if !close {
                        self.phase = Phase::Collecting {
                            text: String::new(),
                            end: 0,
                            waits: 0,
                        };
                    }
                    // A complete stray close marker is dropped.
                } else {
                    out.extend(held);
                    self.step(ev, out);
                }
            }
            Phase::Collecting {
                mut text,
                end,
                waits,
            } => match ev {
                Event::Paste(own) => {
                    // crossterm parsed a whole paste itself: ours ended before it.
                    out.push(Event::Paste(text));
                    out.push(Event::Paste(own));
                }
                Event::Key(_) => {
                    if is_esc(&ev) {
                        // Maybe the closing marker's ESC; a lone Esc is not text.
                        push_capped(&mut text, &END[..end]);
                        self.phase = Phase::Collecting {
                            text,
                            end: 0,
                            waits,
                        };
                    } else if plain_char(&ev) == Some(END[end]) {
                        if end + 1 == END.len() {
                            out.push(Event::Paste(text));
                        } else {
                            self.phase = Phase::Collecting {
                                text,
                                end: end + 1,
                                waits,
                            };
                        }
                    } else {
                        push_capped(&mut text, &END[..end]);
                        let end = usize::from(plain_char(&ev) == Some(END[0]));
                        if end == 0
                            && let Some(c) = paste_text(&ev)
                        {
                            push_capped(&mut text, &[c]);
                        }
                        self.phase = Phase::Collecting { text, end, waits };
                    }
                }
                // Mouse, resize, focus: not part of the text; applied now.
                other => {
                    out.push(other);
                    self.phase = Phase::Collecting { text, end, waits };
                }
            },
        }
    }
}

/// Append `chars` while the text is within 4 bytes a character of the paste limit (the
/// app cuts it to the limit and says so), however long the stream is.
fn push_capped(text: &mut String, chars: &[char]) {
    for &c in chars {
        if text.len() <= 4 * MAX_PASTE_CHARS {
            text.push(c);
        }
    }
}

#[cfg(test)]
mod tests;
