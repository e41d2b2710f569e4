//! Headless TUI tests of reprocess-and-upsert on real engines (demo export, built-in
//! embedder, local SQLite store): confirm → progress → summary, cancel as the default,
//! the single-memory confirmation, read-only and resume.

use crate::support;

use crossterm::event::KeyCode;
use memlens::sync::EmbeddingStatus;
use memlens::tui::state::Popup;
use support::tui::{UID, embeddable, harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_of_missing_confirm_progress_summary() {
    let mut h = harness(false, Some(UID)).await;
    let live = h
        .app
        .state
        .memories()
        .iter()
        .filter(|m| embeddable(m))
        .count();
    assert!(
        h.app
            .state
            .statuses
            .iter()
            .all(|s| matches!(s, EmbeddingStatus::Missing | EmbeddingStatus::Skipped))
    );

    h.key(KeyCode::Char('R'));
    assert_eq!(h.app.state.popup, Some(Popup::BatchChoice));
    assert!(h.screen().contains("all missing"));
    h.key(KeyCode::Char('a'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    let plan = h.app.state.reprocess.plan.as_ref().unwrap();
    assert_eq!(plan.counts.new, live);
    let screen = h.screen();
    assert!(screen.contains(&format!("{live} new")), "{screen}");
    // One confirmation rule: on the local store the highlighted button is the write.
    assert!(
        screen.contains(&format!("[ y Write {live} vectors ]")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("Enter = Write {live} vectors")),
        "{screen}"
    );

    // An unrelated key leaves the dialog open; Esc cancels: nothing is written.
    h.key(KeyCode::Char('x'));
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);
    let store = h.app.services.store.clone().unwrap();
    assert_eq!(store.stats().await.unwrap().total, 0);

    // Again, and confirm with y: the job runs, shows its summary, statuses refresh.
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('a'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    assert_eq!(h.app.state.popup, Some(Popup::Job));
    assert!(h.app.state.reprocess.job.is_some());
    assert!(h.screen().contains("Reprocess job"));
    h.settle().await;
    let summary = h.app.state.reprocess.summary.as_ref().expect("summary");
    assert_eq!(summary.done, live);
    assert!(summary.failed.is_empty());
    assert!(h.screen().contains(&format!("{live} of {live} done")));
    assert_eq!(store.stats().await.unwrap().total as usize, live);
    let present = h
        .app
        .state
        .statuses
        .iter()
        .filter(|s| **s == EmbeddingStatus::Present || **s == EmbeddingStatus::Fresh)
        .count();
    assert_eq!(present, live, "statuses were looked up again");
    h.key(KeyCode::Esc);
    assert_eq!(h.app.state.popup, None);

    // A second plan of the same memories finds them unchanged (journal).
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('f'));
    h.settle().await;
    let plan = h.app.state.reprocess.plan.as_ref().unwrap();
    assert_eq!(plan.counts.unchanged, live);
    assert_eq!(plan.counts.writes(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_memory_shows_everything_then_writes() {
    let mut h = harness(false, Some(UID)).await;
    // Pick the first live memory.
    while !embeddable(h.app.state.selected().unwrap().1) {
        h.key(KeyCode::Char('j'));
    }
    let memory = h.app.state.selected().unwrap().1.clone();
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    let screen = h.screen();
    for needle in [
        "vector id",
        "new (no record yet)",
        "metadata that will be written",
        "memory_id",
        "created_at",
        "memlens-minilm-static-128",
        "omi-2025-10-17",
    ] {
        assert!(screen.contains(needle), "{needle:?} missing:\n{screen}");
    }
    let title_start: String = memory.structured.title.chars().take(12).collect();
    assert!(
        screen.contains(&title_start),
        "the exact text is shown:\n{screen}"
    );
    h.key(KeyCode::Enter);
    h.settle().await;
    let summary = h.app.state.reprocess.summary.as_ref().unwrap();
    assert_eq!((summary.done, summary.total), (1, 1));
    let store = h.app.services.store.clone().unwrap();
    let id = memlens::omi::conventions::vector_id(UID, &memory.id);
    let got = store.fetch("ns1", std::slice::from_ref(&id)).await.unwrap();
    assert!(got.contains_key(&id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_blocks_every_write() {
    let mut h = harness(false, Some(UID)).await;
    h.app.state.setup.read_only = true;
    h.key(KeyCode::Char('R'));
    assert_eq!(h.app.state.popup, None);
    h.key(KeyCode::Char('r'));
    h.settle().await;
    assert_eq!(h.app.state.popup, None);
    let msg = h.app.state.message.clone().unwrap().1;
    assert!(msg.contains("read-only"), "{msg}");
    let store = h.app.services.store.clone().unwrap();
    assert_eq!(store.stats().await.unwrap().total, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_mid_batch_then_resume_from_the_journal() {
    use memlens::embed::fake::FakeEmbedder;
    use std::sync::Arc;
    use std::time::Duration;
    let mut h = harness(false, Some(UID)).await;
    // A slow embedder so the job is still running when we cancel.
    h.app.services.embedder = Some(Arc::new(
        FakeEmbedder::new(128)
            .with_model("memlens-minilm-static-128")
            .with_latency(Duration::from_millis(150)),
    ));
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('a'));
    h.settle().await;
    h.key(KeyCode::Char('y'));
    h.key(KeyCode::Char('x'));
    assert!(h.app.state.reprocess.job.as_ref().unwrap().cancelling);
    h.settle().await;
    let summary = h.app.state.reprocess.summary.clone().unwrap();
    assert!(summary.cancelled);
    assert!(summary.done < summary.total, "{summary:?}");
    // The journal holds the unfinished run: the app offers to resume it.
    h.key(KeyCode::Esc);
    h.app.check_unfinished_run();
    h.wait_until(|app| app.state.popup == Some(Popup::Resume))
        .await;
    assert_eq!(h.app.state.popup, Some(Popup::Resume));
    h.key(KeyCode::Char('y'));
    h.settle().await;
    let resumed = h.app.state.reprocess.summary.clone().unwrap();
    assert_eq!(resumed.done, resumed.total, "{resumed:?}");
    assert_eq!(resumed.done_before, summary.done);
    let store = h.app.services.store.clone().unwrap();
    assert_eq!(store.stats().await.unwrap().total as usize, resumed.total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vectors_of_another_dimension_show_one_error() {
    use crate::support::fake_openai::{FakeOpenAi, Options, ServerKind};
    use memlens::embed::openai::{OpenAiConfig, OpenAiEmbedder};
    use std::sync::Arc;

    // The store holds the built-in embedder's 384-d vectors; the server answers 1024-d.
    let mut h = harness(true, Some(UID)).await;
    let mut opts = Options::of(ServerKind::Ollama);
    opts.default_dim = 1024;
    let fake = FakeOpenAi::start(opts).await;
    let cfg = OpenAiConfig::new(fake.base_url(), "mxbai-embed-large");
    h.app.services.embedder = Some(Arc::new(OpenAiEmbedder::new(cfg).unwrap()));

    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('f'));
    h.settle().await;
    assert_eq!(h.app.state.popup, Some(Popup::ConfirmPlan));
    h.key(KeyCode::Char('y'));
    h.settle().await;
    assert!(h.app.state.reprocess.job.is_none(), "the job stopped");
    let screen = h.screen();
    assert_eq!(
        screen.matches("refusing to write").count(),
        1,
        "one error on screen:\n{screen}"
    );
    assert!(screen.contains("1024"), "{screen}");
    assert!(
        fake.request_count() <= 4,
        "no retries: {}",
        fake.request_count()
    );
}
