//! Headless tests of the facts tab on real engines (demo export with its 11 facts,
//! built-in embedder, local SQLite store): switch with `1`/`2`, filter, details, jump to
//! the fact's conversation, reprocess one fact with its confirmation (Omi's `ns2` id and
//! metadata), the `ns2` search, a conversation's facts; snapshots at 120×40 and 80×24.

use crate::support;

use crossterm::event::KeyCode;
use memlens::omi::fact_conventions::fact_vector_id;
use memlens::store::MetaValue;
use memlens::sync::EmbeddingStatus;
use memlens::tui::facts::Tab;
use memlens::tui::state::{Focus, Popup};
use support::tui::{Harness, UID, harness};

/// The screen with the temp dir (store path) redacted, at `w` × `h`.
fn redacted(h: &Harness, w: u16, rows: u16) -> String {
    let dir = h.dir.path().display().to_string();
    let base = h
        .dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_string();
    h.screen_at(w, rows)
        .replace(&dir, "[tmp]")
        .replace(&base, "[tmp]")
        .lines()
        .map(|l| match l.find("│ local ") {
            // At 80 columns the store path is cut anywhere: keep only its start.
            Some(i) if !l.contains("[tmp]") => format!("{}│ local [tmp]…", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn select_fact(h: &mut Harness, words: &str) -> String {
    h.key(KeyCode::Char('/'));
    h.type_text(words);
    h.key(KeyCode::Enter);
    let (_, f) = h.app.state.selected_fact().expect("a fact matches");
    f.id.clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switch_filter_details_and_jump_to_the_conversation() {
    let mut h = harness(false, Some(UID)).await;
    assert_eq!(h.app.state.tab, Tab::Conversations);
    let screen = h.screen();
    // The tab labels: the key, the kind and how many the export holds.
    assert!(
        screen.contains("[1:conversations (333)]  2:facts (11)"),
        "{screen}"
    );
    h.key(KeyCode::Char('2'));
    assert_eq!(h.app.state.tab, Tab::Facts);
    let screen = h.screen();
    assert!(screen.contains("Facts 11/11"), "{screen}");
    assert!(screen.contains("Sam is engaged to Jordan"), "{screen}");
    // The store is empty: every fact is missing from ns2.
    assert!(
        h.app
            .state
            .facts
            .statuses
            .iter()
            .all(|s| *s == EmbeddingStatus::Missing),
        "{:?}",
        h.app.state.facts.statuses
    );

    let id = select_fact(&mut h, "marathon");
    assert_eq!(h.app.state.facts.visible.len(), 1);
    let screen = h.screen();
    assert!(screen.contains("Facts 1/11 · /marathon"), "{screen}");
    assert!(screen.contains("Portland Marathon"), "{screen}");
    assert!(screen.contains(&fact_vector_id(UID, &id)), "{screen}");
    assert!(screen.contains("Embedding (ns2)"), "{screen}");

    // Enter opens the details, Enter there jumps to the fact's conversation.
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.focus, Focus::Details);
    let cid = h
        .app
        .state
        .selected_fact()
        .unwrap()
        .1
        .conversation_id
        .clone()
        .unwrap();
    h.key(KeyCode::Enter);
    assert_eq!(h.app.state.tab, Tab::Conversations);
    let (_, m) = h.app.state.selected().unwrap();
    assert_eq!(m.id, cid);
    // The conversation's details list its facts (wide enough for the fact on one line).
    let screen = h.screen_at(140, 40);
    assert!(screen.contains("Facts (1, 2 shows them)"), "{screen}");
    assert!(
        screen.contains("[interesting] Sam ran the Portland Marathon"),
        "{screen}"
    );

    // Back to the facts: the filter is kept; Esc in the list clears it.
    h.key(KeyCode::Char('2'));
    assert_eq!(h.app.state.facts.visible.len(), 1);
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.facts.visible.len(), 11);
    h.key(KeyCode::Char('1'));
    assert_eq!(h.app.state.tab, Tab::Conversations);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_one_fact_after_its_confirmation_then_search_ns2() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('2'));
    let id = select_fact(&mut h, "marathon");
    let store = h.app.services.store.clone().unwrap();

    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    let screen = h.screen();
    assert!(screen.contains("ns2"), "{screen}");
    assert!(screen.contains("fact-content"), "{screen}");
    assert!(screen.contains("category = \"interesting\""), "{screen}");
    assert!(
        screen.contains(&format!("memory_id = \"{id}\"")),
        "{screen}"
    );
    // n cancels: nothing written.
    h.key(KeyCode::Char('n'));
    assert_eq!(h.app.state.popup, None);
    assert_eq!(store.stats().await.unwrap().total, 0);

    h.key(KeyCode::Char('r'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let summary = h.app.state.reprocess.summary.as_ref().expect("summary");
    assert_eq!((summary.done, summary.total), (1, 1));
    assert_eq!(summary.namespace, "ns2");
    // One item: the result is a message, no job window to close (Esc would clear the
    // filter that selected the fact).
    assert_eq!(h.app.state.popup, None);
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.namespaces.get("ns2"), Some(&1));
    assert_eq!(stats.namespaces.get("ns1"), None);
    let vid = fact_vector_id(UID, &id);
    let r = store
        .fetch("ns2", std::slice::from_ref(&vid))
        .await
        .unwrap();
    let meta = &r[&vid].metadata;
    assert_eq!(meta["memory_id"], MetaValue::String(id.clone()));
    assert_eq!(meta["category"], MetaValue::String("interesting".into()));
    assert_eq!(meta["uid"], MetaValue::String(UID.into()));
    assert_eq!(meta.len(), 4);
    // The statuses were looked up again.
    let (i, _) = h.app.state.selected_fact().unwrap();
    assert_eq!(h.app.state.facts.status_of(i), EmbeddingStatus::Present);

    // s searches ns2: the hit shows its content and category, and Omi's thresholds.
    h.key(KeyCode::Char('s'));
    h.type_text("Portland Marathon");
    h.key(KeyCode::Enter);
    h.settle().await;
    let search = h.app.state.facts.search.as_ref().unwrap();
    assert_eq!(search.hits.len(), 1, "{search:?}");
    let screen = h.screen();
    assert!(
        screen.contains("[interesting] Sam ran the Portland Marathon"),
        "{screen}"
    );
    assert!(
        screen.contains("0.85 find_similar_memories default"),
        "{screen}"
    );
    // Enter on the hit selects its fact.
    h.key(KeyCode::Enter);
    assert!(h.app.state.facts.search.is_none());
    assert_eq!(h.app.state.selected_fact().unwrap().1.id, id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_facts_tab_120x40() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('2'));
    h.key(KeyCode::Char('j'));
    insta::assert_snapshot!(redacted(&h, 120, 40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_facts_tab_80x24() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('2'));
    insta::assert_snapshot!(redacted(&h, 80, 24));
}
