//! Headless tests of the kind tabs (`3` action items `ns4`, `4` transcript chunks
//! `ns_tchunks`) on real engines (built-in embedder, local SQLite store): the tabs, their
//! list / filter / details, candidates and exports without an `action_items` section, a
//! conversation's chunks and action items in its details (`Enter` picks, `Enter` opens),
//! and a write of one conversation's chunk set after its confirmation (Omi's ids and
//! metadata, the orphan tail cleared, `ns1` untouched, read-only refused). Snapshots at
//! 120×40 and 80×24. Fixtures: the demo export and `e3-2026.json` (action items, a
//! candidate, a 16-line transcript).

use std::path::{Path, PathBuf};

use crate::support;

use crossterm::event::KeyCode;
use memlens::omi::chunks::{chunk_vector_id, transcript_chunks};
use memlens::omi::record_kind::Kind;
use memlens::store::{MetaValue, Record};
use memlens::sync::kinds::status::RecordStatus;
use memlens::tui::kinds::{RowStatus, Tab};
use memlens::tui::state::{Focus, Popup};
use support::tui::{Harness, UID, harness, harness_on, redacted};

/// The uid of `e3-2026.json`'s profile.
pub(crate) const E3_UID: &str = "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A";
/// Its conversation with a 16-line transcript, two action items and a candidate.
pub(crate) const OFFSITE: &str = "c3a1f0e2-6b7d-4c11-9a2e-0f5d8b7c6a01";

pub(crate) fn e3_2026() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-2026.json")
}

pub(crate) async fn e3() -> Harness {
    harness_on(&e3_2026(), false, Some(E3_UID), Vec::new()).await
}

/// Assert that `screen` shows every one of `parts`.
pub(crate) fn shows(screen: &str, parts: &[&str]) {
    for part in parts {
        assert!(screen.contains(part), "{part:?} not in\n{screen}");
    }
}

/// The export's conversation `id`.
fn memory(h: &Harness, id: &str) -> memlens::omi::Memory {
    let m = h.app.state.memories().iter().find(|m| m.id == id);
    m.expect("the conversation is in the export").clone()
}

/// Select conversation `id` in the conversations tab and focus its details.
pub(crate) fn open_conversation(h: &mut Harness, id: &str) {
    h.key(KeyCode::Char('1'));
    let memories = h.app.state.memories();
    let index = memories.iter().position(|m| m.id == id).unwrap();
    let row = h
        .app
        .state
        .list
        .visible
        .iter()
        .position(|i| *i as usize == index)
        .unwrap();
    h.app.state.list.select(row);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.focus, Focus::Details);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_tabs_with_list_filter_and_details_on_the_demo() {
    let mut h = harness(false, Some(UID)).await;
    let screen = h.screen_at(80, 24);
    // Four short tabs on the header's second line, at 80 columns too.
    let tabs = screen.lines().nth(1).unwrap();
    for label in ["[1:conversations (333)]", "2:facts", "3:items", "4:chunks"] {
        assert!(tabs.contains(label), "{label} in {tabs}");
    }

    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.state.tab, Tab::ActionItems);
    let items = &h.app.state.items;
    assert_eq!(items.records, 54);
    // The store is empty: every item is missing from ns4.
    assert!(
        items
            .rows
            .iter()
            .all(|r| r.status == RowStatus::Record(RecordStatus::Missing)),
        "{:?}",
        items.rows.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let screen = h.screen_at(200, 40);
    shows(
        &screen,
        &[
            "Action items 54/54",
            "ns4 holds 0 of this export's 54 action items",
            "memlens reprocess demo-export.json --kind action-items --missing",
        ],
    );

    // The filter, then the details with Omi's vector id and text.
    h.key(KeyCode::Char('/'));
    h.type_text("job post");
    // While typing, the footer counts this tab's rows (it counted the conversations).
    shows(&h.screen_at(200, 40), &["/job post", "1 match "]);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.items.list.visible.len(), 1);
    let screen = h.screen_at(200, 40);
    shows(
        &screen,
        &[
            "Action items 1/54 · /job post",
            &format!("{UID}-ai-fca36db8-33b6-4968-b997-144e988cf0dd"),
            "│ Write the backend engineer job post",
        ],
    );
    // Enter opens the details, Enter there opens the item's conversation.
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.focus, Focus::Details);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::Conversations);
    assert_eq!(
        h.app.state.selected().unwrap().1.id,
        "509ff883-9920-41f5-b01a-e1faea3e31ad"
    );

    // Back to 3: the filter is kept; Esc clears it.
    h.key(KeyCode::Char('3'));
    assert_eq!(h.app.state.items.list.visible.len(), 1);
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.items.list.visible.len(), 54);

    // 4: the chunks of every conversation Omi's backfill takes, all missing, and why that
    // is normal. A conversation it skips (discarded, not completed) has no chunk rows: the
    // rows are exactly the chunks Omi would write (1,470 of the demo, not 1,480).
    h.key(KeyCode::Char('4'));
    assert_eq!(h.app.state.tab, Tab::Chunks);
    let expected: usize = h
        .app
        .state
        .memories()
        .iter()
        .filter(|m| memlens::sync::kinds::chunk_skip(m).is_none())
        .map(|m| transcript_chunks(m).len())
        .sum();
    assert_eq!(expected, 1470);
    assert_eq!(h.app.state.chunks.records, expected);
    assert_eq!(h.app.state.chunks.rows.len(), expected);
    let screen = h.screen_at(200, 40);
    shows(
        &screen,
        &[
            &format!(
                "ns_tchunks holds 0 of this export's {} transcript chunks",
                h.app.state.chunks.writable()
            ),
            "Omi writes chunks only by an operator's backfill",
            "memlens reprocess demo-export.json --kind chunks --missing --yes",
        ],
    );
    // Conversation-only keys say so.
    h.key(KeyCode::Char('o'));
    let (_, text) = h.app.state.message.clone().unwrap();
    assert!(text.contains("not on the transcript chunks tab"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_and_an_export_without_action_items() {
    let mut h = e3().await;
    h.key(KeyCode::Char('3'));
    let items = &h.app.state.items;
    assert_eq!(items.records, 3);
    assert_eq!(items.rows.len(), 4);
    let candidate = items
        .rows
        .iter()
        .position(|r| r.status == RowStatus::Candidate)
        .expect("the task_data candidate is listed");
    assert_eq!(items.rows[candidate].label, "Book the shuttle bus");
    h.app.state.items.select_row(candidate);
    let screen = h.screen_at(200, 40);
    shows(
        &screen,
        &[
            "- candidate",
            "candidate: Omi writes no vector",
            "— (Omi writes no vector for a candidate)",
        ],
    );
    // r on a candidate writes nothing and says why.
    h.key(KeyCode::Char('r'));
    assert_eq!(h.app.state.popup, None);
    let (_, text) = h.app.state.message.clone().unwrap();
    assert_eq!(text, "candidate: Omi writes no vector");

    // An export with no action_items section says so.
    let e3_old = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e2.json");
    let mut h = harness_on(&e3_old, false, Some(UID), Vec::new()).await;
    assert!(!h.app.state.export.as_ref().unwrap().action_items().present);
    h.key(KeyCode::Char('3'));
    let screen = h.screen_at(200, 40);
    shows(
        &screen,
        &[
            "This export has no action items: this export has no",
            "action_items section",
            "3:items]",
        ],
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversations_details_list_its_chunks_and_items_and_enter_opens_one() {
    let mut h = e3().await;
    open_conversation(&mut h, OFFSITE);
    let screen = h.screen_at(200, 60);
    shows(
        &screen,
        &[
            "Vectors of this conversation",
            "2 transcript chunks (ns_tchunks, tab 4)",
            "2 action items, 1 candidate (ns4, tab 3)",
            "○ missing   c0 ",
            "○ missing   Send the deposit invoice to finance",
            "- candidate Book the shuttle bus",
        ],
    );

    // Enter picks the first chunk, j moves to the second, Enter opens it in tab 4.
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.linked, Some(0));
    h.key(KeyCode::Char('j'));
    assert_eq!(h.app.state.linked, Some(1));
    assert!(h.screen_at(200, 60).contains("› ○ missing   c1 "));
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::Chunks);
    assert_eq!(h.app.state.focus, Focus::Details);
    let (_, row) = h.app.state.chunks.selected().unwrap();
    assert_eq!(row.owner, OFFSITE);
    assert_eq!(row.chunk_index, Some(1));
    // The chunk's lines, exactly as Omi embeds them.
    let m = memory(&h, OFFSITE);
    let chunk = &transcript_chunks(&m)[1];
    let screen = h.screen_at(160, 60);
    for line in chunk.lines() {
        assert!(screen.contains(&format!("│ {line}")), "{line} in {screen}");
    }
    assert!(screen.contains("transcript chunk c1 of 2"), "{screen}");

    // Back in the conversation, the last pick (an action item) opens in tab 3.
    open_conversation(&mut h, OFFSITE);
    h.key(KeyCode::Enter);
    let n = h.app.state.linked_rows(OFFSITE).len();
    assert_eq!(n, 5);
    for _ in 0..n + 2 {
        h.key(KeyCode::Char('j'));
    }
    // The pick stops at the last one.
    assert_eq!(h.app.state.linked, Some(n - 1));
    // Esc drops the pick, Enter picks again from the first.
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.linked, None);
    h.key(KeyCode::Enter);
    for _ in 0..n {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::ActionItems);
    let (_, row) = h.app.state.items.selected().unwrap();
    assert_eq!(row.label, "Book the shuttle bus");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_one_conversations_chunk_set_after_its_confirmation() {
    let mut h = e3().await;
    let store = h.app.services.store.clone().unwrap();
    // A shortened transcript's old tail: c7 is beyond the conversation's 2 chunks.
    let tail = chunk_vector_id(E3_UID, OFFSITE, 7);
    let dim = h.app.state.setup.embedder_dimension;
    store
        .upsert(
            "ns_tchunks",
            vec![Record {
                id: tail.clone(),
                values: vec![0.5; dim],
                metadata: Default::default(),
            }],
        )
        .await
        .unwrap();
    h.key(KeyCode::Char('4'));
    h.key(KeyCode::F(5));
    h.settle().await;
    let chunks = &h.app.state.chunks;
    let orphan = chunks
        .rows
        .iter()
        .position(|r| r.status == RowStatus::Orphan)
        .expect("the tail chunk is an orphan");
    assert!(
        chunks.rows[orphan]
            .reason
            .as_deref()
            .unwrap()
            .contains("beyond the conversation's 2 chunk(s)"),
        "{:?}",
        chunks.rows[orphan]
    );
    let first = chunks.rows.iter().position(|r| r.owner == OFFSITE).unwrap();
    h.app.state.chunks.select_row(first);

    // r plans the conversation's chunk set; the dialog says what and where.
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmKindWrite));
    let screen = h.screen();
    shows(
        &screen,
        &[
            "Confirm write",
            "the transcript chunks of Offsite venue and catering",
            "namespace     ns_tchunks",
            "2 records with Omi's ids and metadata",
            "1 orphan id: the conversation's orphan tail",
            "[ y Write 3 records ]",
        ],
    );
    // n cancels: nothing written.
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.state.popup, None);
    assert_eq!(
        store.stats().await.unwrap().namespaces.get("ns_tchunks"),
        Some(&1)
    );

    h.key(KeyCode::Char('r'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let (_, text) = h.app.state.message.clone().unwrap();
    assert_eq!(text, "wrote 2 records to ns_tchunks, deleted 1 orphan id");
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.namespaces.get("ns_tchunks"), Some(&2));
    assert_eq!(stats.namespaces.get("ns1"), None);
    assert_eq!(stats.namespaces.get("ns4"), None);
    // Omi's ids and metadata, exactly.
    let m = memory(&h, OFFSITE);
    for c in transcript_chunks(&m) {
        let id = chunk_vector_id(E3_UID, OFFSITE, c.chunk_index);
        let got = store
            .fetch("ns_tchunks", std::slice::from_ref(&id))
            .await
            .unwrap();
        let meta = &got[&id].metadata;
        assert_eq!(meta.len(), 4, "{meta:?}");
        assert_eq!(meta["uid"], MetaValue::String(E3_UID.into()));
        assert_eq!(meta["conversation_id"], MetaValue::String(OFFSITE.into()));
        assert_eq!(meta["chunk_index"], MetaValue::Number(c.chunk_index as f64));
        assert_eq!(meta["created_at"], MetaValue::Number(c.created_at as f64));
    }
    // The statuses were looked up again: the written chunks fresh (known from the write),
    // and the orphan gone.
    let chunks = &h.app.state.chunks;
    assert!(chunks.rows.iter().all(|r| r.status != RowStatus::Orphan));
    assert!(
        chunks
            .rows
            .iter()
            .filter(|r| r.owner == OFFSITE)
            .all(|r| r.status == RowStatus::Record(RecordStatus::Fresh))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_a_kind_write() {
    let mut h = e3().await;
    h.app.state.setup.read_only = true;
    h.key(KeyCode::Char('4'));
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, None);
    let (_, text) = h.app.state.message.clone().unwrap();
    assert_eq!(text, "read-only mode: writes are disabled");
    h.key(KeyCode::Char('R'));
    h.settle().await;
    assert_eq!(h.app.state.popup, None);
    let store = h.app.services.store.clone().unwrap();
    assert_eq!(store.stats().await.unwrap().total, 0);
    assert_eq!(
        h.app.state.chunks.report.as_ref().unwrap().kind,
        Kind::Chunks
    );
}

/// `e3-2026.json` after `keys` (a conversation's details first when `details`), at
/// `w` × `rows` (the app's own size too, so scrolling follows the screen).
pub(crate) async fn screen_after(details: bool, keys: &[KeyCode], w: u16, rows: u16) -> String {
    let mut h = e3().await;
    h.app.state.size = (w, rows);
    if details {
        open_conversation(&mut h, OFFSITE);
    }
    for k in keys {
        h.key(*k);
    }
    h.settle().await;
    redacted(&h, w, rows)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_action_items_tab_120x40() {
    insta::assert_snapshot!(screen_after(false, &[KeyCode::Char('3')], 120, 40).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_action_items_tab_80x24() {
    let keys = [KeyCode::Char('3'), KeyCode::Char('G')];
    insta::assert_snapshot!(screen_after(false, &keys, 80, 24).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_chunks_tab_120x40() {
    let keys = [KeyCode::Char('4'), KeyCode::Char('j')];
    insta::assert_snapshot!(screen_after(false, &keys, 120, 40).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_chunks_tab_80x24() {
    insta::assert_snapshot!(screen_after(false, &[KeyCode::Char('4')], 80, 24).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_details_with_chunks_and_items_120x40() {
    let keys = [KeyCode::Enter, KeyCode::Char('j')];
    insta::assert_snapshot!(screen_after(true, &keys, 120, 40).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_details_with_chunks_and_items_80x24() {
    insta::assert_snapshot!(screen_after(true, &[KeyCode::Enter], 80, 24).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_chunk_write_confirm_120x40() {
    let keys = [KeyCode::Char('4'), KeyCode::Char('r')];
    let screen = screen_after(false, &keys, 120, 40).await;
    assert!(screen.contains("Confirm write"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn r_on_a_picked_chunk_writes_the_conversations_chunk_set() {
    let mut h = e3().await;
    open_conversation(&mut h, OFFSITE);
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.linked, Some(0));
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmKindWrite));
    shows(
        &h.screen(),
        &[
            "the transcript chunks of Offsite venue and catering",
            "[ y Write 2 records ]",
        ],
    );
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let store = h.app.services.store.clone().unwrap();
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.namespaces.get("ns_tchunks"), Some(&2));
    assert_eq!(stats.namespaces.get("ns1"), None);
    // Esc drops the pick; without one, r is the conversation's own reprocess (ns1).
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.linked, None);
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_text_is_drawn_inert_in_the_kind_tabs() {
    let hostile = "evil \u{1b}]52;c;cGF5bG9hZA==\u{7} \u{1b}[2J\u{1b}[31mred";
    let segment = |i: usize| {
        serde_json::json!({"text": format!("{hostile} line {i}"), "speaker": "SPEAKER_00",
            "is_user": true, "start": i as f64, "end": i as f64 + 1.0})
    };
    let export = serde_json::json!({
        "profile": {"uid": E3_UID},
        "conversations": [{
            "id": "hostile", "created_at": "2026-10-01T10:00:00+00:00", "status": "completed",
            "structured": {"title": format!("title {hostile}"), "overview": "o", "category": "work"},
            "transcript_segments": (0..3).map(segment).collect::<Vec<_>>(),
        }],
        "action_items": [{"id": "a1", "description": format!("item {hostile}"),
            "created_at": "2026-10-01T10:00:00+00:00", "conversation_id": "hostile"}],
        "task_data": {"candidates": [{"id": "c1", "description": format!("cand {hostile}"),
            "conversation_id": "hostile"}]},
    });
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, export.to_string()).unwrap();
    let mut h = harness_on(&path, false, Some(E3_UID), Vec::new()).await;
    let mut screens = Vec::new();
    for key in ['3', 'G', '4'] {
        h.key(KeyCode::Char(key));
        screens.push(h.screen());
    }
    open_conversation(&mut h, "hostile");
    screens.push(h.screen());
    for screen in &screens {
        assert!(
            !screen.contains('\u{1b}'),
            "an escape reached the screen:\n{screen}"
        );
        assert!(
            !screen.contains('\u{7}'),
            "a BEL reached the screen:\n{screen}"
        );
        assert!(screen.contains('␛'), "{screen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_gauge_stays_whole_beside_the_four_tabs() {
    let mut h = harness(false, Some(UID)).await;
    let ui = &mut h.app.state.indexing;
    (ui.running, ui.embeddable, ui.done, ui.rate_per_sec) = (true, 323, 12, 41.0);
    for (w, rows) in [(120, 40), (80, 24)] {
        let screen = h.screen_at(w, rows);
        let line = screen.lines().nth(1).unwrap();
        assert!(
            line.contains("indexing ▕░░░░░░░░░░▏ 12/323 · 41/s"),
            "{w}: {line}"
        );
        assert!(line.contains("[1:conversations (333)]"), "{w}: {line}");
    }
}

/// A chunk write killed mid-run leaves its run in the journal (state `running`, items
/// pending): at start-up the app offers it like a conversation run, and `y` finishes it
/// through the same job, with Omi's records (the kind's write is journalled as every
/// kind's is).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_chunk_run_is_offered_and_resumed() {
    use memlens::sync::journal::{Journal, RunHeader};
    let mut h = e3().await;
    let store = h.app.services.store.clone().unwrap();
    let embedder = h.app.services.embedder.clone().unwrap();
    let m = memory(&h, OFFSITE);
    let chunks = transcript_chunks(&m);
    let journal = Journal::open_in(&h.app.state.setup.data_dir).unwrap();
    let header = RunHeader {
        run_id: "20261205T000000.000-dead".into(),
        target: store.target(),
        namespace: "ns_tchunks".into(),
        uid: E3_UID.into(),
        model: embedder.model_id().into(),
        format: Kind::Chunks.word().into(),
    };
    let items: Vec<(String, String, String)> = chunks
        .iter()
        .map(|c| {
            (
                chunk_vector_id(E3_UID, OFFSITE, c.chunk_index),
                format!("{OFFSITE} c{}", c.chunk_index),
                memlens::sync::reprocess::text_hash(&c.text),
            )
        })
        .collect();
    journal.start_run(&header, &items).unwrap();
    drop(journal);

    h.app.check_unfinished_run();
    h.wait_until(|app| app.state.popup == Some(Popup::Resume))
        .await;
    assert_eq!(
        h.app
            .state
            .reprocess
            .unfinished
            .as_ref()
            .unwrap()
            .header
            .kind(),
        Kind::Chunks
    );
    let screen = h.screen();
    shows(
        &screen,
        &["A reprocess run of transcript chunks (ns_tchunks) did not"],
    );
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let s = h.app.state.reprocess.summary.clone().unwrap();
    assert_eq!(
        (s.done, s.total, s.namespace.as_str()),
        (2, 2, "ns_tchunks"),
        "{s:?}"
    );
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.namespaces.get("ns_tchunks"), Some(&2));
    assert_eq!(stats.namespaces.get("ns1"), None);
    for c in &chunks {
        let id = chunk_vector_id(E3_UID, OFFSITE, c.chunk_index);
        let got = store
            .fetch("ns_tchunks", std::slice::from_ref(&id))
            .await
            .unwrap();
        assert_eq!(
            got[&id].metadata,
            memlens::omi::chunks::chunk_metadata(E3_UID, OFFSITE, c.chunk_index, c.created_at)
        );
    }
    // Nothing is left to offer.
    h.app.state.reprocess.unfinished = None;
    h.app.state.popup = None;
    h.app.check_unfinished_run();
    h.settle().await;
    assert_eq!(h.app.state.popup, None);
}
