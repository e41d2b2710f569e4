//! Headless tests of the facts tab on real engines (demo export with its 11 facts,
//! built-in embedder, local SQLite store): switch with `1`/`2`, filter, details, jump to
//! the fact's conversation, reprocess one fact with its confirmation (Omi's `ns2` id and
//! metadata), the `ns2` search, a conversation's facts; snapshots at 120×40 and 80×24.

use crate::support;

use crossterm::event::KeyCode;
use memlens::omi::fact_conventions::fact_vector_id;
use memlens::store::MetaValue;
use memlens::sync::EmbeddingStatus;
use memlens::tui::action::Level;
use memlens::tui::facts::Tab;
use memlens::tui::state::{Focus, Popup};
use support::tui::{Harness, UID, harness, redacted};

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
    assert_eq!(h.app.state.facts.list.visible.len(), 1);
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
    assert_eq!(h.app.state.facts.list.visible.len(), 1);
    h.key(KeyCode::Char('/'));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.facts.list.visible.len(), 11);
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
    // The plan cites what a user can open (Omi's source and PR), not a dev workspace file.
    let plan = h.app.state.reprocess.plan.as_ref().expect("a plan");
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("backend/database/vector_db.py") && w.contains("PR #4139")),
        "{:?}",
        plan.warnings
    );
    assert!(!screen.contains("omi-facts.md"), "{screen}");
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
async fn an_empty_ns2_search_says_what_ns2_holds_and_how_to_fill_it() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('2'));
    h.key(KeyCode::Char('s'));
    h.type_text("marathon");
    h.key(KeyCode::Enter);
    h.settle().await;
    let search = h.app.state.facts.search.as_ref().unwrap();
    assert!(
        search.hits.is_empty() && search.error.is_none(),
        "{search:?}"
    );
    let screen = h.screen_at(200, 40);
    assert!(screen.contains("no hits"), "{screen}");
    assert!(
        screen
            .contains("ns2 holds 0 of this export's 11 facts: Esc, then R indexes the 11 missing"),
        "{screen}"
    );
    // R does what the note says: it plans the missing facts for ns2.
    h.key(KeyCode::Esc);
    h.key(KeyCode::Char('R'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    let plan = h.app.state.reprocess.plan.as_ref().expect("a plan");
    assert_eq!(plan.items.len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_footer_offers_the_focused_tabs_keys_only() {
    let mut h = harness(false, Some(UID)).await;
    let footer = |h: &Harness| {
        let screen = h.screen_at(200, 40);
        screen.lines().rev().nth(1).unwrap().to_string()
    };
    let conversations = footer(&h);
    assert!(conversations.contains("Space mark"), "{conversations}");
    h.key(KeyCode::Char('2'));
    let facts = footer(&h);
    assert!(
        facts.contains("/ filter") && facts.contains("s search"),
        "{facts}"
    );
    assert!(facts.contains("R batch") || facts.contains("R "), "{facts}");
    for only in [
        "Space mark",
        "o sort",
        "S status",
        "m like",
        "t transcript",
        "V vector",
    ] {
        assert!(!facts.contains(only), "{only} in {facts}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_values_end_in_an_ellipsis_and_facts_are_news_not_a_warning() {
    let mut h = harness(false, Some(UID)).await;
    // Loading an export with facts: an info line pointing at the tab, no warning.
    let loaded: Vec<_> = h
        .app
        .state
        .messages
        .iter()
        .filter(|m| m.text.contains("memories loaded"))
        .collect();
    assert_eq!(loaded.len(), 1, "{:?}", h.app.state.messages.len());
    assert_eq!(loaded[0].level, Level::Info);
    assert!(
        loaded[0]
            .text
            .contains("11 Omi facts in the facts tab (2 shows them)"),
        "{}",
        loaded[0].text
    );
    assert!(!loaded[0].text.contains("set aside"), "{}", loaded[0].text);
    h.key(KeyCode::Char('2'));
    let screen = h.screen_at(80, 24);
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("○ missing  Sam"))
        .collect();
    assert_eq!(rows.len(), 11, "{screen}");
    for row in rows {
        let cell = row.split('│').nth(1).unwrap().trim_end();
        assert!(cell.ends_with('…'), "cut without …: {row}");
    }
    // A long filter in the list's title is cut with … too.
    h.key(KeyCode::Char('/'));
    h.type_text("Sam Sam Sam Sam Sam Sam Sam Sam Sam Sam Sam Sam Sam Sam");
    h.key(KeyCode::Enter);
    let screen = h.screen_at(80, 24);
    let title = screen.lines().find(|l| l.contains("Facts 11/11")).unwrap();
    assert!(title.contains("…"), "{screen}");
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
