//! The vector popup (`v`) on real engines: stats, histogram and the drift verdict.

mod support;

use crossterm::event::KeyCode;
use memlens::tui::state::Popup;
use support::tui::{UID, harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_stats_and_drift_of_a_stored_memory() {
    let mut h = harness(true, Some(UID)).await;
    while h.app.state.selected().unwrap().1.discarded {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char('v'));
    h.wait_until(|app| app.state.popup == Some(Popup::Vector))
        .await;
    let screen = h.screen();
    for needle in [
        "dimension 128",
        "unit length ✓",
        "value histogram",
        "drift against memlens-minilm-static-128",
        "omi-2025-10-17",
    ] {
        assert!(screen.contains(needle), "{needle:?}:\n{screen}");
    }
    // The store was filled from the current format's text: it is identified and fresh.
    let check = h.app.state.vector.as_ref().unwrap();
    match &check.drift {
        Ok(memlens::sync::drift::DriftOutcome::Report(r)) => {
            assert!(r.identified, "{r:?}");
            assert!(r.best.contains(&memlens::omi::text::TextFormat::CURRENT));
            assert_eq!(r.status, memlens::sync::EmbeddingStatus::Fresh);
        }
        other => panic!("{other:?}"),
    }
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_popup_says_missing_when_there_is_no_record() {
    let mut h = harness(false, Some(UID)).await;
    h.key(KeyCode::Char('v'));
    h.wait_until(|app| app.state.popup == Some(Popup::Vector))
        .await;
    let screen = h.screen();
    assert!(screen.contains("No record under this id"), "{screen}");
}
