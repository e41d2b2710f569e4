//! The vector popup (`v`) on real engines: stats, histogram and the drift verdict.

use crate::support;

use crossterm::event::KeyCode;
use memlens::tui::state::Popup;
use support::tui::{UID, embeddable, harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_stats_and_drift_of_a_stored_memory() {
    let mut h = harness(true, Some(UID)).await;
    while !embeddable(h.app.state.selected().unwrap().1) {
        h.key(KeyCode::Char('j'));
    }
    h.key(KeyCode::Char('c'));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_view_lists_orphans_and_deletes_only_after_yes() {
    use memlens::store::{MetaValue, Record};
    let mut h = harness(true, Some(UID)).await;
    let store = h.app.services.store.clone().unwrap();
    let mut values = vec![0.0f32; 128];
    values[0] = 1.0;
    let orphan = Record {
        id: format!("{UID}-1234"),
        values: values.clone(),
        metadata: [("uid".to_string(), MetaValue::String(UID.into()))].into(),
    };
    let foreign = Record {
        id: "someone-else-abc".into(),
        values,
        metadata: Default::default(),
    };
    store.upsert("ns1", vec![orphan, foreign]).await.unwrap();

    h.key(KeyCode::Char('I'));
    assert_eq!(h.app.state.popup, Some(Popup::Index));
    h.wait_until(|app| !app.state.index.loading).await;
    let screen = h.screen();
    for needle in [
        "dimension 128",
        "fits the index ✓",
        "orphans 1",
        &format!("{UID}-1234"),
    ] {
        assert!(screen.contains(needle), "{needle:?}:\n{screen}");
    }
    // d shows what would go; anything but y cancels.
    h.key(KeyCode::Char('d'));
    assert!(
        h.screen().contains("Delete these 1 vector from"),
        "{}",
        h.screen()
    );
    assert!(h.screen().contains("Enter = Cancel"), "{}", h.screen());
    h.key(KeyCode::Char('n'));
    assert!(!h.app.state.index.confirm_delete);
    let before = store.stats().await.unwrap().total;
    // Read-only refuses.
    h.app.state.setup.read_only = true;
    h.key(KeyCode::Char('d'));
    assert!(!h.app.state.index.confirm_delete);
    h.app.state.setup.read_only = false;
    // y deletes the orphan only.
    h.key(KeyCode::Char('d'));
    h.key(KeyCode::Char('y'));
    h.wait_until(|app| !app.state.index.deleting && !app.state.index.loading)
        .await;
    assert_eq!(store.stats().await.unwrap().total, before - 1);
    let left = store
        .fetch("ns1", &["someone-else-abc".to_string()])
        .await
        .unwrap();
    assert_eq!(
        left.len(),
        1,
        "ids without the uid prefix are never deleted"
    );
    assert!(h.screen().contains("orphans 0"));
}

/// `d` in the index view trusts no export that says it is incomplete (issue 25): its
/// missing conversations would read as orphans. It refuses, says why and how to delete
/// anyway, and deletes nothing; the same store against a complete export deletes the
/// orphan once confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_view_refuses_orphan_deletes_from_an_incomplete_export() {
    use memlens::store::{MetaValue, Record};
    use support::tui::harness_on;
    let dir = tempfile::tempdir().unwrap();
    // m000 and m001 are in the export; m002's vector is "not in the export".
    let export_file = |complete: bool| {
        let conversations: Vec<serde_json::Value> = (0..2)
            .map(|i| {
                serde_json::json!({
                    "id": format!("m{i:03}"),
                    "created_at": format!("2025-03-0{}T10:00:00+00:00", i + 1),
                    "status": "completed",
                    "discarded": false,
                    "structured": {"title": format!("Walk {i}"), "overview": "A walk.",
                                   "category": "personal", "action_items": [], "events": []}
                })
            })
            .collect();
        let export = serde_json::json!({
            "profile": {"uid": UID},
            "conversations": conversations,
            "export_complete": complete
        });
        serde_json::to_vec(&export).unwrap()
    };
    let seed = || -> Vec<Record> {
        (0..3)
            .map(|i| {
                let mut values = vec![0.0f32; 128];
                values[i] = 1.0;
                Record {
                    id: format!("{UID}-m{i:03}"),
                    values,
                    metadata: [("uid".to_string(), MetaValue::String(UID.into()))].into(),
                }
            })
            .collect()
    };
    let open_index = |h: &mut support::tui::Harness| {
        h.key(KeyCode::Char('I'));
        assert_eq!(h.app.state.popup, Some(Popup::Index));
    };

    // Incomplete: refused, the way to override named, nothing deleted.
    let path = dir.path().join("incomplete.json");
    std::fs::write(&path, export_file(false)).unwrap();
    let mut h = harness_on(&path, false, Some(UID), seed()).await;
    let store = h.app.services.store.clone().unwrap();
    assert!(h.screen().contains("INCOMPLETE EXPORT"), "{}", h.screen());
    open_index(&mut h);
    h.wait_until(|app| !app.state.index.loading).await;
    let screen = h.screen();
    assert!(screen.contains("orphans 1"), "{screen}");
    assert!(screen.contains(&format!("{UID}-m002")), "{screen}");
    // The view says so before d is pressed (no "d deletes" hint).
    assert!(
        screen.contains("Not deleted here: the export says"),
        "{screen}"
    );
    assert!(!screen.contains("d deletes the orphans"), "{screen}");
    h.key(KeyCode::Char('d'));
    assert!(!h.app.state.index.confirm_delete);
    assert!(!h.app.state.index.deleting);
    let (_, message) = h.app.state.message.clone().unwrap();
    assert!(
        message.starts_with("not deleting: the export says it is incomplete")
            && message.contains("--allow-incomplete-export"),
        "{message}"
    );
    assert!(!h.screen().contains("Delete these"), "{}", h.screen());
    // A y after the refusal confirms nothing.
    h.key(KeyCode::Char('y'));
    h.settle().await;
    assert_eq!(store.stats().await.unwrap().total, 3);

    // Complete: the same orphan goes once confirmed, and only it.
    let path = dir.path().join("complete.json");
    std::fs::write(&path, export_file(true)).unwrap();
    let mut h = harness_on(&path, false, Some(UID), seed()).await;
    let store = h.app.services.store.clone().unwrap();
    assert!(!h.screen().contains("INCOMPLETE EXPORT"), "{}", h.screen());
    open_index(&mut h);
    h.wait_until(|app| !app.state.index.loading).await;
    assert!(h.screen().contains("orphans 1"), "{}", h.screen());
    assert!(
        h.screen().contains("d deletes the orphans"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('d'));
    assert!(h.app.state.index.confirm_delete);
    assert!(
        h.screen().contains("Delete these 1 vector from"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Char('y'));
    h.wait_until(|app| !app.state.index.deleting && !app.state.index.loading)
        .await;
    let left = store
        .fetch(
            "ns1",
            &(0..3).map(|i| format!("{UID}-m{i:03}")).collect::<Vec<_>>(),
        )
        .await
        .unwrap();
    let mut left: Vec<_> = left.into_keys().collect();
    left.sort();
    assert_eq!(left, [format!("{UID}-m000"), format!("{UID}-m001")]);
    assert!(h.screen().contains("orphans 0"), "{}", h.screen());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_view_shows_mixed_dimensions_per_namespace() {
    use memlens::store::Record;
    let mut h = harness(true, Some(UID)).await;
    let store = h.app.services.store.clone().unwrap();
    // Another namespace of the same local store holds 3-dimensional vectors.
    let other = Record {
        id: format!("{UID}-other"),
        values: vec![1.0, 0.0, 0.0],
        metadata: Default::default(),
    };
    store.upsert("small", vec![other]).await.unwrap();
    h.key(KeyCode::Char('I'));
    h.wait_until(|app| !app.state.index.loading).await;
    let screen = h.screen();
    for needle in [
        "index: dimension mixed",
        "(128 d)",
        "small: 1 (3 d)",
        // The memlens namespace's own dimension decides whether the embedder fits.
        "fits the index ✓",
    ] {
        assert!(screen.contains(needle), "{needle:?}:\n{screen}");
    }
}

fn redacted(h: &support::tui::Harness) -> String {
    let mut screen = h
        .screen()
        .replace(&h.dir.path().display().to_string(), "[tmp]");
    if let Some(at) = h.app.state.lookup.checked_at {
        let when = chrono::DateTime::from_timestamp(at, 0).unwrap();
        screen = screen.replace(&when.format("%Y-%m-%d %H:%M UTC").to_string(), "[time]");
    }
    screen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn map_of_the_demo_vectors() {
    let mut h = harness(true, Some(UID)).await;
    let live = h
        .app
        .state
        .memories()
        .iter()
        .filter(|m| embeddable(m))
        .count();
    h.key(KeyCode::Char('M'));
    assert_eq!(h.app.state.popup, Some(Popup::Map));
    h.wait_until(|app| app.state.map.is_some()).await;
    let points = h.app.state.map.clone().unwrap().unwrap();
    assert_eq!(points.len(), live);
    let screen = h.screen();
    assert!(screen.contains(&format!("{live} vectors")), "{screen}");
    assert!(screen.contains('◉'), "the selection is marked:\n{screen}");
    insta::assert_snapshot!("map_view", redacted(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_index_view_with_an_orphan() {
    use memlens::store::{MetaValue, Record};
    let mut h = harness(true, Some(UID)).await;
    let store = h.app.services.store.clone().unwrap();
    let mut values = vec![0.0f32; 128];
    values[3] = 1.0;
    store
        .upsert(
            "ns1",
            vec![Record {
                id: format!("{UID}-77"),
                values,
                metadata: [
                    ("uid".to_string(), MetaValue::String(UID.into())),
                    ("created_at".to_string(), MetaValue::Number(1_722_400.0)),
                ]
                .into(),
            }],
        )
        .await
        .unwrap();
    h.key(KeyCode::Char('I'));
    h.wait_until(|app| !app.state.index.loading).await;
    insta::assert_snapshot!("index_view", redacted(&h));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_drift_names_the_old_format_and_marks_stale() {
    use memlens::omi::text::{TextFormat, render};
    use memlens::store::Record;
    use memlens::sync::EmbeddingStatus;
    use memlens::sync::drift::DriftOutcome;
    let mut h = harness(true, Some(UID)).await;
    // Overwrite two memories' vectors with embeddings of their 2024-08-26 text, as an
    // old backend would have left them; mark them.
    let embedder = h.app.services.embedder.clone().unwrap();
    let store = h.app.services.store.clone().unwrap();
    let mut marked = Vec::new();
    while marked.len() < 2 {
        let (i, m) = h.app.state.selected().map(|(i, m)| (i, m.clone())).unwrap();
        let old = render(&m.structured, TextFormat::Omi20240826);
        if embeddable(&m) && old != render(&m.structured, TextFormat::CURRENT) {
            let v = embedder.embed(&[old]).await.unwrap().remove(0);
            let id = memlens::omi::conventions::vector_id(UID, &m.id);
            let meta = store.fetch("ns1", std::slice::from_ref(&id)).await.unwrap()[&id]
                .metadata
                .clone();
            store
                .upsert(
                    "ns1",
                    vec![Record {
                        id,
                        values: v,
                        metadata: meta,
                    }],
                )
                .await
                .unwrap();
            h.key(KeyCode::Char(' '));
            marked.push((i, m.id.clone()));
        } else {
            h.key(KeyCode::Char('j'));
        }
    }
    h.key(KeyCode::Char('C'));
    h.wait_until(|app| app.state.popup == Some(Popup::DriftConfirm))
        .await;
    assert!(h.screen().contains("Check 2 memories"), "{}", h.screen());
    h.key(KeyCode::Char('y'));
    h.wait_until(|app| app.state.popup == Some(Popup::DriftResults) && !app.state.drift.running)
        .await;
    let outcomes = h.app.state.drift.results.clone().unwrap().unwrap();
    assert_eq!(outcomes.len(), 2);
    for o in &outcomes {
        let DriftOutcome::Report(r) = o else {
            panic!("{o:?}")
        };
        assert!(r.best.contains(&TextFormat::Omi20240826), "{r:?}");
        assert!(r.identified);
    }
    for (i, _) in &marked {
        assert_eq!(h.app.state.statuses[*i], EmbeddingStatus::Stale);
    }
    assert!(h.screen().contains("2 stale"), "{}", h.screen());
}
