//! Headless tests of the kind tabs' fixes of issue #24 (on real engines: the built-in
//! embedder, a local SQLite store, `e3-2026.json` with two action items and a
//! `task_data` candidate in one conversation): candidates counted apart from a
//! conversation's action items; the footer's keys and messages follow the tab; records
//! written from the TUI are fresh; the write confirmation wraps under its values; `v`
//! verifies tabs 2–4 off the draw loop; the header says the export shape in words; the
//! help covers the kind tabs, the details pick, every search mode and `candidate`.

use crate::support;
use crate::tui_kinds::{E3_UID, OFFSITE, e3, open_conversation, screen_after, shows};

use crossterm::event::KeyCode;
use memlens::omi::fact_conventions::{fact_metadata, fact_vector_id};
use memlens::store::{Metadata, Record};
use memlens::sync::EmbeddingStatus;
use memlens::sync::kinds::status::RecordStatus;
use memlens::tui::kinds::RowStatus;
use memlens::tui::state::Popup;
use support::tui::{Harness, UID};

/// A `task_data` candidate has no vector: a conversation's details and the action items
/// tab count it apart from the conversation's action items.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn candidates_are_counted_apart_from_action_items() {
    let mut h = e3().await;
    open_conversation(&mut h, OFFSITE);
    // Listed among the conversation's vectors, counted apart (it was "action items (3").
    let details = h.screen_at(200, 60);
    assert!(!details.contains("action items (3"), "{details}");
    shows(
        &details,
        &[
            "2 action items, 1 candidate (ns4, tab 3)",
            "- candidate Book",
        ],
    );
    // The tab: 3 action items of the export, the candidate apart.
    h.key(KeyCode::Char('3'));
    let screen = h.screen_at(200, 40);
    shows(&screen, &["Action items 3/3 · candidates 1/1"]);
    h.key(KeyCode::Char('/'));
    h.type_text("shuttle");
    h.key(KeyCode::Enter);
    shows(
        &h.screen_at(200, 40),
        &["Action items 0/3 · candidates 1/1"],
    );
}

/// The footer's two lines of the screen.
fn footer(h: &Harness, w: u16, rows: u16) -> String {
    let screen = h.screen_at(w, rows);
    let lines: Vec<&str> = screen.lines().collect();
    lines[lines.len() - 2..].join("\n")
}

/// Switching tabs (`1`–`4`) switches the footer: its hints are the shown tab's keys, and
/// a message naming another tab's keys (the first run's "press R then a … then s to
/// search", meant for the conversations) is not shown beside them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_footer_follows_the_tab() {
    let mut h = e3().await;
    let first_run = "press R then a to embed every missing memory";
    shows(&footer(&h, 200, 40), &["s search", "o sort", first_run]);
    // The message waits for its tab (the message log keeps it).
    h.key(KeyCode::Char('4'));
    assert!(!footer(&h, 200, 40).contains(first_run));
    h.key(KeyCode::Char('1'));
    shows(&footer(&h, 200, 40), &[first_run]);
    for (tab, label) in [('3', "action items"), ('4', "chunks")] {
        h.key(KeyCode::Char(tab));
        for focus in ["list", "details"] {
            let f = footer(&h, 200, 40);
            assert!(!f.contains(first_run), "{label} {focus}:\n{f}");
            // Keys the tab does not answer (the conversations' search, sort, marks).
            for other in ["s search", "o sort", "Space mark", "m like", "t transcript"] {
                assert!(!f.contains(other), "{other:?} on {label} {focus}:\n{f}");
            }
            shows(&f, &["? help", "r reprocess", "F5 refresh"]);
            // y copies the shown row's values, never the hidden conversation's.
            h.key(KeyCode::Char('y'));
            let screen = h.screen_at(200, 40);
            let (_, row) = h.app.state.shown_kind_tab().unwrap().selected().unwrap();
            let vector_id = row.vector_id.clone().unwrap();
            // The popup is narrower than a chunk's id: its start is shown, the whole is copied.
            let shown = format!("v  vector id      {E3_UID}-");
            shows(&screen, &["Copy (OSC 52)", &shown]);
            h.key(KeyCode::Char('v'));
            assert_eq!(h.app.state.clipboard.take(), Some(vector_id));
            h.key(KeyCode::Tab);
        }
    }
    // Back on the conversations, their keys again.
    h.key(KeyCode::Char('1'));
    shows(&footer(&h, 200, 40), &["s search", "o sort"]);
}

/// A record the TUI just embedded from Omi's text and upserted is known fresh: `r` and a
/// yes on an action item (and on a conversation's chunk set) leave its rows `fresh`, not
/// the `present` a re-list would guess, and a later lookup (`F5`) keeps that.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_written_from_the_tui_are_fresh() {
    let mut h = e3().await;
    h.key(KeyCode::Char('3'));
    h.key(KeyCode::F(5));
    h.settle().await;
    let (index, item) = h
        .app
        .state
        .items
        .selected()
        .map(|(i, r)| (i, r.clone()))
        .unwrap();
    assert_eq!(item.status, RowStatus::Record(RecordStatus::Missing));
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmKindWrite));
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let fresh = RowStatus::Record(RecordStatus::Fresh);
    assert_eq!(h.app.state.items.rows[index].status, fresh);
    // The others were not written: still missing.
    let missing = RowStatus::Record(RecordStatus::Missing);
    assert_eq!(
        h.app
            .state
            .items
            .rows
            .iter()
            .filter(|r| r.status == missing)
            .count(),
        2
    );
    shows(
        &h.screen_at(200, 40),
        &["✓ fresh 1", "✓ fresh     Send the deposit invoice"],
    );
    h.key(KeyCode::F(5));
    h.settle().await;
    assert_eq!(h.app.state.items.rows[index].status, fresh);

    // A conversation's chunk set, written from its details' pick.
    open_conversation(&mut h, OFFSITE);
    h.key(KeyCode::Enter);
    h.key(KeyCode::Char('r'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let chunks = &h.app.state.chunks;
    let of = chunks.by_conversation[OFFSITE].clone();
    assert_eq!(of.len(), 2);
    for i in of {
        assert_eq!(chunks.rows[i].status, fresh, "{:?}", chunks.rows[i]);
    }
    shows(&h.screen_at(200, 60), &["› ✓ fresh     c0 "]);
}

/// The kind write's confirmation at 80 columns: a value too long for one row wraps under
/// the value column (a hanging indent as wide as the labels), never back to the dialog's
/// first column.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_kind_write_confirm_80x24() {
    let keys = [KeyCode::Char('4'), KeyCode::Char('r')];
    let screen = screen_after(false, &keys, 80, 24).await;
    assert!(screen.contains("Confirm write"), "{screen}");
    // Inside the dialog (between its top and bottom borders), every row is a label, a
    // blank, the buttons, or a continuation under the value column (14 columns in).
    let rows: Vec<&str> = screen
        .lines()
        .skip_while(|l| !l.contains("┌ Confirm write"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .map(|l| l.trim_start_matches('│'))
        .collect();
    let labels = [
        "for",
        "store",
        "namespace",
        "uid",
        "model",
        "upsert",
        "delete",
        "skip",
        "rule",
    ];
    let mut continued = 0;
    for row in &rows {
        let label = row.split_whitespace().next().unwrap_or("");
        if row.trim().is_empty() || labels.contains(&label) || row.starts_with("▸[ ") {
            continue;
        }
        assert!(
            row.starts_with(&" ".repeat(14)),
            "not under the values: {row:?}\n{screen}"
        );
        continued += 1;
    }
    assert!(continued > 0, "no value wrapped at 80 columns:\n{screen}");
    insta::assert_snapshot!(screen);
}

/// Press `v` and apply the background results one at a time until the verify ends
/// (bounded); the footer after each step. Every step is an Action the app applies in
/// order, so the progress seen is the same every run.
async fn verify_watching_the_footer(h: &mut Harness) -> Vec<String> {
    h.key(KeyCode::Char('v'));
    let mut footers = vec![footer(h, 200, 40)];
    let running = |h: &Harness| {
        let s = &h.app.state;
        s.items.lookup_running || s.chunks.lookup_running || s.facts.lookup_running
    };
    for _ in 0..1000 {
        if !running(h) {
            return footers;
        }
        let next = tokio::time::timeout(std::time::Duration::from_secs(60), h.rx.recv()).await;
        let action = next
            .expect("the verify reports")
            .expect("the channel is open");
        h.app.update(action);
        footers.push(footer(h, 200, 40));
    }
    panic!("the verify did not end");
}

/// Upsert `vectors` of `texts` under `ids` into `namespace`, with `metadata`.
async fn seed(h: &Harness, namespace: &str, rows: Vec<(String, String, Metadata)>) {
    let embedder = h.app.services.embedder.clone().unwrap();
    let texts: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    let vectors = embedder.embed(&texts).await.unwrap();
    let records = rows
        .into_iter()
        .zip(vectors)
        .map(|((id, _, metadata), values)| Record {
            id,
            values,
            metadata,
        })
        .collect();
    let store = h.app.services.store.clone().unwrap();
    store.upsert(namespace, records).await.unwrap();
}

/// `v` on the action items and chunks tabs verifies the tab's kind off the draw loop:
/// the footer shows its progress, then each stored record is fresh or stale with its
/// cosine in the details.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_verifies_the_kind_tabs() {
    let mut h = e3().await;
    for (tab, ns) in [('3', "ns4"), ('4', "ns_tchunks")] {
        h.key(KeyCode::Char(tab));
        let rows = h.app.state.shown_kind_tab().unwrap().rows.clone();
        let (a, b) = (&rows[0], &rows[1]);
        // a: its own text's vector (fresh); b: another text's (stale).
        let other = "Penguins waddle across the frozen bay at dawn".to_string();
        seed(
            &h,
            ns,
            vec![
                (
                    a.vector_id.clone().unwrap(),
                    a.text.clone(),
                    Metadata::new(),
                ),
                (b.vector_id.clone().unwrap(), other, Metadata::new()),
            ],
        )
        .await;
        h.key(KeyCode::F(5));
        h.settle().await;
        let present = RowStatus::Record(RecordStatus::Present);
        let tab_rows = &h.app.state.shown_kind_tab().unwrap().rows;
        assert_eq!((tab_rows[0].status, tab_rows[1].status), (present, present));
        let f = footer(&h, 200, 40);
        shows(&f, &["v verify"]);
        shows(
            &h.screen_at(200, 40),
            &["v verifies them: embeds Omi's texts and compares each with its stored vector"],
        );

        let footers = verify_watching_the_footer(&mut h).await;
        shows(&footers[0], &[&format!("verifying {ns}: starting")]);
        assert!(
            footers
                .iter()
                .any(|f| f.contains(&format!("verifying {ns}: embedding 2/2"))),
            "{footers:#?}"
        );
        assert!(
            !footers.last().unwrap().contains("verifying"),
            "{footers:#?}"
        );
        let tab = h.app.state.shown_kind_tab().unwrap();
        assert!(tab.report.as_ref().unwrap().verified);
        let (fresh, stale) = (tab.rows[0].clone(), tab.rows[1].clone());
        assert_eq!(
            fresh.status,
            RowStatus::Record(RecordStatus::Fresh),
            "{fresh:?}"
        );
        assert_eq!(
            stale.status,
            RowStatus::Record(RecordStatus::Stale),
            "{stale:?}"
        );
        assert!(fresh.similarity.unwrap() > 0.999, "{fresh:?}");
        assert!(stale.similarity.unwrap() < 0.9, "{stale:?}");
        // The details say so, with the cosine.
        let screen = h.screen_at(200, 40);
        shows(
            &screen,
            &["✓ fresh", "cosine      1.00000 with Omi's current text"],
        );
        h.key(KeyCode::Char('j'));
        let cosine = format!(
            "cosine      {:.5} with Omi's current text",
            stale.similarity.unwrap()
        );
        shows(&h.screen_at(200, 40), &["stale", &cosine]);
    }
}

/// `v` on the facts tab verifies `ns2` the same way (the demo export's facts).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v_verifies_the_facts_tab() {
    let mut h = support::tui::harness(false, Some(UID)).await;
    h.key(KeyCode::Char('2'));
    let facts = h.app.state.fact_list().to_vec();
    let (a, b) = (&facts[0], &facts[1]);
    let meta = |id: &str| fact_metadata(UID, id, "other", 1_767_225_600);
    seed(
        &h,
        "ns2",
        vec![
            (fact_vector_id(UID, &a.id), a.content.clone(), meta(&a.id)),
            (
                fact_vector_id(UID, &b.id),
                "Penguins waddle across the frozen bay at dawn".into(),
                meta(&b.id),
            ),
        ],
    )
    .await;
    h.key(KeyCode::F(5));
    h.settle().await;
    shows(&footer(&h, 200, 40), &["v verify"]);
    let footers = verify_watching_the_footer(&mut h).await;
    shows(&footers[0], &["verifying ns2: 0/11"]);
    assert!(
        !footers.last().unwrap().contains("verifying"),
        "{footers:#?}"
    );
    let tab = &h.app.state.facts;
    assert_eq!(tab.status_of(0), EmbeddingStatus::Fresh);
    assert_eq!(tab.status_of(1), EmbeddingStatus::Stale);
    assert_eq!(tab.status_of(2), EmbeddingStatus::Missing);
    h.app.state.facts.select_fact(&facts, 1);
    shows(&h.screen_at(200, 60), &["with the fact's current content"]);
}

/// The header's export shape is said in words (`E3: server export …`, shorter where
/// that fits) in the room the rest of the line leaves, or left out; never a bare `E3`,
/// and never at the cost of the tabs' counts or the status words.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_header_explains_the_export_shape() {
    let bare = |line: &str| line.split_whitespace().any(|w| w == "E3");
    let h = e3().await;
    let second = |w: u16, rows: u16| h.screen_at(w, rows).lines().nth(1).unwrap().to_string();
    shows(
        &second(200, 40),
        &["4:chunks (3)  E3: server export omi-export.json (2026-02..)  ○ missing 3"],
    );
    shows(
        &second(150, 40),
        &["4:chunks (3)  E3: server export  ○ missing 3"],
    );
    // At 120 columns the rest of the line fills it: left out, the rest whole.
    let line = second(120, 40);
    assert!(!bare(&line) && !line.contains("E3:"), "{line}");
    shows(
        &line,
        &[
            "[1:conversations (3)]  2:facts (0)  3:items (3)  4:chunks (3)  ○ missing 3  status looked up",
        ],
    );
    let narrow = h.screen_at(80, 24);
    let line = narrow.lines().nth(1).unwrap();
    assert!(!bare(line) && !line.contains("E3:"), "{line}");
    assert!(line.starts_with("[1:conversations (3)]"), "{line}");
    // The list keeps its titles at 80 columns.
    shows(&narrow, &["Offsite venue and cat", "Quick call with the d"]);
    // The demo export (more tabs' counts): the same rule.
    let h = support::tui::harness(false, Some(UID)).await;
    for (w, rows) in [(120, 40), (80, 24)] {
        let screen = h.screen_at(w, rows);
        let line = screen.lines().nth(1).unwrap();
        assert!(!bare(line), "{w}: {line}");
        assert!(line.starts_with("[1:conversations (333)]"), "{w}: {line}");
    }
}

/// The help overlay (`?`) covers the kind tabs (3, 4), the pick in a conversation's
/// details (Enter picks a chunk or action item, Enter again opens it), every search mode
/// (chunks too) and the `candidate` status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_help_covers_the_kind_tabs_the_pick_and_candidates() {
    let mut h = e3().await;
    h.key(KeyCode::Char('?'));
    assert_eq!(h.app.state.popup, Some(Popup::Help));
    let help: Vec<String> = memlens::tui::view::help_lines(&h.app.state)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let text = help.join("\n");
    let has = |line: &str| help.iter().any(|l| l.trim_end() == line);
    for line in [
        "Action items (3) and transcript chunks (4) tabs",
        "  j/↓ k/↑               move; / filters the rows (Esc clears)",
        "  v                     verify: embed Omi's texts, compare with the stored vectors (fresh, stale)",
        "  r                     write this record (a chunk: its conversation's whole chunk set; confirm first)",
        "  R                     write every missing one (a plan, then confirm)",
        "  Enter                 in the details: open the record's conversation",
        "Conversation details: its chunks and action items",
        "  Enter                 pick its first chunk or action item; Enter again opens it in its tab",
        "  j/↓ k/↑               move the pick",
        "  r                     write the picked one (a chunk: the conversation's chunk set)",
        "  Esc                   drop the pick",
        "  t                     search mode: hybrid, semantic (Omi's), text, chunks",
    ] {
        assert!(has(line), "{line:?} not in the help:\n{text}");
    }
    let candidate = help
        .iter()
        .find(|l| l.trim_start().starts_with("- candidate"))
        .unwrap_or_else(|| panic!("no candidate in the legend:\n{text}"));
    assert!(
        candidate.contains("task_data candidate: Omi writes no vector"),
        "{candidate}"
    );
}
