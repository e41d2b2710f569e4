//! Terminal injection: titles, overviews, transcripts and metadata holding ESC, CSI, OSC
//! (OSC 52 clipboard writes included), DCS, C1 controls, bidi overrides and zero-width
//! characters are drawn inert. The test renders through the real crossterm backend into a
//! byte buffer and scans every byte written: the only escape sequences are the CSI
//! cursor and colour sequences memlens itself emits.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use memlens::omi::model::TranscriptSegment;
use memlens::omi::text::TextFormat;
use memlens::omi::{ActionItem, Memory, Structured};
use memlens::store::MetaValue;
use memlens::sync::{EmbeddingStatus, StatusEntry};
use memlens::tui::action::Action;
use memlens::tui::app::{App, Services};
use memlens::tui::keymap::Keymap;
use memlens::tui::loader::LoadedExport;
use memlens::tui::state::{Setup, State};
use memlens::tui::theme::Theme;
use memlens::tui::view;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const PAYLOADS: &[&str] = &[
    "\u{1b}]52;c;ZXZpbC1jbGlwYm9hcmQ=\u{7}",
    "\u{1b}]0;owned title\u{1b}\\",
    "\u{1b}]8;;https://evil.example/\u{1b}\\link\u{1b}]8;;\u{1b}\\",
    "\u{1b}[2J\u{1b}[H",
    "\u{1b}[31;1mred\u{1b}[0m",
    "\u{1b}P+q544e\u{1b}\\",
    "\u{1b}_apc payload\u{1b}\\",
    "\u{9b}6n",
    "\u{9d}0;c1 osc\u{9c}",
    "\u{7}\u{8}\u{0}\u{7f}",
    "abc\u{202e}gnp.exe",
    "zero\u{200b}width\u{feff}\u{2066}iso\u{2069}",
];

fn hostile_memory(i: usize) -> Memory {
    let p = PAYLOADS[i % PAYLOADS.len()];
    Memory {
        id: format!("m{i}\u{1b}[5m"),
        structured: Structured {
            title: format!("title {p} end"),
            overview: format!("overview {p} end"),
            emoji: format!("{p}🧠"),
            action_items: vec![ActionItem {
                description: format!("do {p}"),
                ..ActionItem::default()
            }],
            ..Structured::default()
        },
        transcript: vec![TranscriptSegment {
            text: format!("said {p}"),
            speaker: Some(format!("SPEAKER{p}")),
            ..TranscriptSegment::default()
        }],
        source: Some(p.to_string()),
        ..Memory::default()
    }
}

/// Scan the bytes written to the terminal: only memlens's own CSI sequences may appear.
fn check_stream(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(text.contains("title "), "nothing was drawn");
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            0x1b => {
                // memlens (crossterm) only ever writes CSI sequences: ESC [ params final.
                assert_eq!(
                    bytes.get(i + 1),
                    Some(&b'['),
                    "non-CSI escape at byte {i}: {:?}",
                    &text[i.min(text.len())..]
                );
                let mut j = i + 2;
                while j < bytes.len() && (0x30..=0x3f).contains(&bytes[j]) {
                    j += 1;
                }
                let fin = bytes.get(j).copied().unwrap_or(0);
                assert!(
                    matches!(
                        fin,
                        b'H' | b'm' | b'J' | b'K' | b'h' | b'l' | b'A' | b'B' | b'C' | b'D' | b'G'
                    ),
                    "unexpected CSI final {:?} at {i}",
                    fin as char
                );
                i = j + 1;
            }
            b'\r' | b'\n' => i += 1,
            0x00..=0x1f | 0x7f => panic!("raw control byte {b:#04x} at {i}"),
            _ => i += 1,
        }
    }
    // C1 controls as UTF-8 (U+0080..U+009F) and bidi overrides never reach the terminal.
    for c in text.chars() {
        assert!(
            !('\u{80}'..='\u{9f}').contains(&c),
            "C1 control {c:?} written"
        );
        assert!(
            !matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200b}' | '\u{feff}'),
            "{c:?} written"
        );
    }
}

#[test]
fn hostile_export_text_is_inert_on_the_wire() {
    let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
    let setup = Setup {
        uid: Some("u\u{1b}]52;c;eA==\u{7}".into()),
        uid_source: "test".into(),
        namespace: "ns1".into(),
        store_target: "local x".into(),
        store_is_remote: false,
        embedder_label: "test".into(),
        embedder_model: "m".into(),
        embedder_dimension: 4,
        read_only: false,
        data_dir: std::env::temp_dir(),
        created_at_policy: memlens::config::CreatedAtPolicy::Memory,
        auto_index: false,
    };
    let mut state = State::new(
        setup,
        Keymap::default(),
        Theme::colored(),
        TextFormat::CURRENT,
    );
    state.size = (120, 40);
    let mut app = App::new(state, Services::default(), tx);
    let memories: Vec<Memory> = (0..PAYLOADS.len() * 2).map(hostile_memory).collect();
    let n = memories.len();
    app.update(Action::ExportLoaded(Box::new(LoadedExport::new(
        std::path::Path::new("evil\u{1b}]0;x\u{7}.json"),
        "E4",
        memories,
    ))));
    // Hostile stored metadata too.
    for m in app.state.memories().to_vec() {
        let mut meta = memlens::store::Metadata::new();
        meta.insert(
            "topics".into(),
            MetaValue::List(vec![PAYLOADS[0].into(), PAYLOADS[5].into()]),
        );
        meta.insert("uid".into(), MetaValue::String(PAYLOADS[1].into()));
        let mut e = StatusEntry::bare(EmbeddingStatus::Present);
        e.metadata = Some(meta);
        e.reason = Some(PAYLOADS[2].into());
        app.state.status_entries.insert(m.id.clone(), e);
    }
    app.state.statuses = vec![EmbeddingStatus::Present; n];
    let key = |app: &mut App, c: KeyCode| {
        app.update(Action::Key(KeyEvent::new(c, KeyModifiers::NONE)));
    };
    let mut screens = 0;
    for step in 0..n {
        // List + details, transcript expanded, and the filter input with a payload.
        for keys in [
            vec![],
            vec![KeyCode::Tab, KeyCode::Char('t')],
            vec![KeyCode::Tab],
        ] {
            for k in keys {
                key(&mut app, k);
            }
            let mut out: Vec<u8> = Vec::new();
            {
                // A fixed viewport: no terminal is queried (CI has none).
                let mut terminal = Terminal::with_options(
                    CrosstermBackend::new(&mut out),
                    TerminalOptions {
                        viewport: Viewport::Fixed(Rect::new(0, 0, 120, 40)),
                    },
                )
                .unwrap();
                terminal.draw(|f| view::draw(f, &app.state)).unwrap();
            }
            check_stream(&out);
            screens += 1;
        }
        key(&mut app, KeyCode::Char('j'));
        if step == 0 {
            app.update(Action::Notify(
                memlens::tui::action::Level::Error,
                PAYLOADS[3].into(),
            ));
        }
    }
    assert!(screens >= PAYLOADS.len() * 3);
}
