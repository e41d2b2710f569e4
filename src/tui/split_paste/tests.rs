use super::*;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ch(c: char) -> Event {
    key(KeyCode::Char(c))
}

fn esc() -> Event {
    key(KeyCode::Esc)
}

/// The events crossterm yields for `text` typed (or pasted) as keys in raw mode.
fn keys(text: &str) -> Vec<Event> {
    text.chars()
        .map(|c| match c {
            '\r' | '\n' => key(KeyCode::Enter),
            '\t' => key(KeyCode::Tab),
            c => ch(c),
        })
        .collect()
}

/// Feed all events, then let the stream go quiet until nothing is pending.
fn run(events: Vec<Event>) -> Vec<Event> {
    let mut r = PasteReassembler::default();
    let mut out = Vec::new();
    for ev in events {
        out.extend(r.push(ev));
    }
    while r.is_pending() {
        out.extend(r.flush_on_quiet());
    }
    out
}

#[test]
fn a_normal_key_stream_passes_unchanged() {
    let mut events = keys("q/dentist\ty\r");
    events.extend([
        key(KeyCode::Up),
        Event::Resize(80, 24),
        ch('['),
        ch('2'),
        Event::Paste("x".into()),
    ]);
    assert_eq!(run(events.clone()), events);
}

#[test]
fn a_lone_esc_is_released_on_quiet_and_by_the_next_key() {
    let mut r = PasteReassembler::default();
    assert_eq!(r.push(esc()), vec![]);
    assert!(r.is_pending());
    assert_eq!(r.flush_on_quiet(), vec![esc()]);
    // Esc then q in one burst: both, in order, at once.
    let mut r = PasteReassembler::default();
    assert_eq!(r.push(esc()), vec![]);
    assert_eq!(r.push(ch('q')), vec![esc(), ch('q')]);
    assert!(!r.is_pending());
    // Two Escs: two keys.
    assert_eq!(
        run(vec![esc(), esc(), ch('j')]),
        vec![esc(), esc(), ch('j')]
    );
}

#[test]
fn esc_then_a_human_bracket_later_is_keys() {
    let mut r = PasteReassembler::default();
    r.push(esc());
    assert_eq!(r.flush_on_quiet(), vec![esc()]);
    // The `[` comes after the quiet: held a moment, then released as typed.
    assert_eq!(r.push(ch('[')), vec![]);
    assert_eq!(r.flush_on_quiet(), vec![ch('[')]);
    assert!(!r.is_pending());
    // Much later (a second quiet passed): passes straight through.
    let mut r = PasteReassembler::default();
    r.push(esc());
    r.flush_on_quiet();
    r.flush_on_quiet();
    assert_eq!(r.push(ch('[')), vec![ch('[')]);
    // Esc [ 2 x typed fast: all keys, in order.
    assert_eq!(
        run(vec![esc(), ch('['), ch('2'), ch('x')]),
        vec![esc(), ch('['), ch('2'), ch('x')]
    );
    assert_eq!(
        run(vec![esc(), ch('['), ch('2'), ch('0'), ch('0'), esc()]),
        vec![esc(), ch('['), ch('2'), ch('0'), ch('0'), esc()]
    );
}

#[test]
fn a_split_start_after_esc_becomes_one_paste_at_every_split() {
    let text = "q\ny\nR\na\ny\n";
    // crossterm's view: Esc, then `[200~`, the text as keys, then the close dropped
    // (quiet) or split as Esc + `[201~`.
    for close in ["", "\u{1b}[201~"] {
        let mut events = vec![esc()];
        events.extend(keys("[200~"));
        events.extend(keys(text));
        if !close.is_empty() {
            events.push(esc());
            events.extend(keys("[201~"));
        }
        // Every point where a quiet gap could fall before the marker completes is
        // not a gap at all here (the stream is one burst), so the paste is whole.
        assert_eq!(run(events), vec![Event::Paste(text.into())], "{close:?}");
    }
}

#[test]
fn the_start_after_a_released_esc_still_reassembles() {
    // The Esc came in its own read and was released on quiet; `[200~` follows.
    for gap in 0..=5 {
        let mut r = PasteReassembler::default();
        let mut out = r.push(esc());
        let mut rest = keys("[200~hello\r");
        rest.push(esc());
        rest.extend(keys("[201~"));
        for (i, ev) in rest.into_iter().enumerate() {
            if i == gap {
                out.extend(r.flush_on_quiet());
            }
            out.extend(r.push(ev));
        }
        let expect = if gap == 0 {
            // The Esc was already released (a key); the marker still starts a paste.
            vec![esc(), Event::Paste("hello\n".into())]
        } else if gap == 5 {
            // The marker complete, its text slow: still one paste.
            vec![Event::Paste("hello\n".into())]
        } else {
            // A quiet gap inside the marker: nobody typed this fast, it is keys.
            let mut e = vec![esc()];
            e.extend(keys("[200~".get(..gap).unwrap()));
            e
        };
        assert_eq!(out[..expect.len()], expect[..], "gap {gap}");
    }
}

#[test]
fn a_start_marker_waits_for_its_text_then_gives_up() {
    let mut start = vec![esc()];
    start.extend(keys("[200~"));
    // Slow text: quiet periods pass, the text still comes as one paste.
    let mut r = PasteReassembler::default();
    for ev in start.clone() {
        assert!(r.push(ev).is_empty());
    }
    for _ in 0..10 {
        assert!(r.flush_on_quiet().is_empty());
    }
    for ev in keys("q\r") {
        assert!(r.push(ev).is_empty());
    }
    assert_eq!(r.flush_on_quiet(), vec![Event::Paste("q\n".into())]);
    // No text ever: an empty paste after the bound, then keys are keys again.
    let mut r = PasteReassembler::default();
    for ev in start {
        r.push(ev);
    }
    let mut out = Vec::new();
    while r.is_pending() {
        out.extend(r.flush_on_quiet());
    }
    assert_eq!(out, vec![Event::Paste(String::new())]);
    assert_eq!(r.push(ch('q')), vec![ch('q')]);
}

#[test]
fn alt_esc_and_alt_bracket_start_a_paste() {
    let alt = |code| Event::Key(KeyEvent::new(code, KeyModifiers::ALT));
    let mut events = vec![alt(KeyCode::Esc)];
    events.extend(keys("[200~ab"));
    assert_eq!(run(events), vec![Event::Paste("ab".into())]);
    let mut events = vec![alt(KeyCode::Char('['))];
    events.extend(keys("200~ab[201~"));
    assert_eq!(run(events), vec![Event::Paste("ab".into())]);
    // Alt+[ then other keys: passed on unchanged.
    let events = vec![alt(KeyCode::Char('[')), ch('2'), ch('q')];
    assert_eq!(run(events.clone()), events);
}

#[test]
fn the_close_is_never_leaked_as_keys_and_keys_after_it_are_keys() {
    let mut events = vec![esc()];
    events.extend(keys("[200~a[b[20x\r"));
    events.push(esc());
    events.extend(keys("[201~"));
    events.extend(keys("q"));
    assert_eq!(run(events), vec![Event::Paste("a[b[20x\n".into()), ch('q')]);
    // Close as chars only (its ESC swallowed).
    let mut events = vec![esc()];
    events.extend(keys("[200~one\r\ttwo[201~j"));
    assert_eq!(
        run(events),
        vec![Event::Paste("one\n\ttwo".into()), ch('j')]
    );
}

#[test]
fn crossterm_own_paste_ends_a_collected_one() {
    let mut events = vec![esc()];
    events.extend(keys("[200~ab"));
    events.push(Event::Paste("cd".into()));
    assert_eq!(
        run(events),
        vec![Event::Paste("ab".into()), Event::Paste("cd".into())]
    );
}

#[test]
fn a_resize_inside_a_paste_is_applied_and_the_text_stays_whole() {
    let mut events = vec![esc()];
    events.extend(keys("[200~ab"));
    events.push(Event::Resize(100, 30));
    events.extend(keys("cd"));
    assert_eq!(
        run(events),
        vec![Event::Resize(100, 30), Event::Paste("abcd".into())]
    );
}

#[test]
fn a_huge_split_paste_stays_bounded() {
    let mut r = PasteReassembler::default();
    r.push(esc());
    for ev in keys("[200~") {
        r.push(ev);
    }
    for _ in 0..(5 * MAX_PASTE_CHARS) {
        assert!(r.push(ch('x')).is_empty());
    }
    let [Event::Paste(text)] = &r.flush_on_quiet()[..] else {
        panic!("one paste");
    };
    assert!(text.chars().count() > MAX_PASTE_CHARS);
    assert!(text.len() <= 4 * MAX_PASTE_CHARS + 4);
}

#[test]
fn a_close_marker_after_a_paste_delivered_on_quiet_is_dropped() {
    let mut r = PasteReassembler::default();
    let mut events = vec![esc()];
    events.extend(keys("[200~abc"));
    for ev in events {
        assert!(r.push(ev).is_empty());
    }
    assert_eq!(r.flush_on_quiet(), vec![Event::Paste("abc".into())]);
    // The close arrives late, split after its ESC: never keys.
    let mut out = r.push(esc());
    for ev in keys("[201~") {
        out.extend(r.push(ev));
    }
    out.extend(r.push(ch('q')));
    assert_eq!(out, vec![ch('q')]);
    // Esc [ 2 0 1 x typed fast is still keys.
    let events: Vec<Event> = std::iter::once(esc()).chain(keys("[201x")).collect();
    assert_eq!(run(events.clone()), events);
}
