//! The export loader on the sample exports (one per shape) and on broken inputs.

use std::path::{Path, PathBuf};

use memlens::omi::CategoryKind;
use memlens::omi::export::{ExportError, Shape, load_bytes, load_path, load_path_with_progress};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

const UUIDS: [&str; 6] = [
    "8759f153-b778-5728-f265-5b19153d3a3f",
    "210f4d0c-5b86-c0ef-0d23-29d9fa09ca46",
    "618d3f43-0173-745f-9e0d-54254f4f81b0",
    "c543e396-51b0-f618-8f9b-7341e163e7ce",
    "88cc5593-5ef8-52e5-d04d-e5aa6a002d65",
    "41972530-e85c-3b23-f6bc-08476bcdcf54",
];

fn ids(e: &memlens::omi::export::Export) -> Vec<&str> {
    e.memories.iter().map(|m| m.id.as_str()).collect()
}

#[test]
fn e0_mobile_app() {
    let e = load_path(&fixture("samples/e0.json")).unwrap();
    assert_eq!(e.shape, Shape::E0);
    assert_eq!(ids(&e), ["1", "2", "3", "4", "5", "6"]);
    let m = &e.memories[0];
    assert!(m.created_at.as_ref().unwrap().is_ambiguous());
    assert_eq!(
        m.structured.action_items[0].description,
        "Send the deck to Ana"
    );
    assert!(!m.structured.action_items[0].completed);
    assert!(m.structured.events[0].start.is_some(), "startsAt is start");
    assert!(
        m.transcript_text
            .as_deref()
            .unwrap()
            .starts_with("Sounds good (0)")
    );
    assert!(m.geolocation.is_none(), "{{}} is no geolocation");
    assert_eq!(
        e.memories[3].structured.category.kind,
        CategoryKind::Romance
    );
    assert!(e.bad_records.is_empty() && e.duplicates.is_empty());
}

#[test]
fn e1_and_e2_app_arrays() {
    for (file, shape, source) in [
        ("samples/e1.json", Shape::E1, "MemorySource.friend"),
        ("samples/e2.json", Shape::E2, "ConversationSource.omi"),
    ] {
        let e = load_path(&fixture(file)).unwrap();
        assert_eq!(e.shape, shape, "{file}");
        assert_eq!(ids(&e), UUIDS, "{file}");
        let m = &e.memories[0];
        assert_eq!(m.source.as_deref(), Some(source));
        assert_eq!(m.transcript.len(), 11);
        assert_eq!(m.transcript[1].speaker_id, Some(1));
        assert_eq!(m.app_results.len(), 1);
        assert_eq!(m.structured.events[0].duration, 30);
        assert_eq!(e.memories[3].structured.action_items.len(), 3);
    }
    // E1: created_at without offset before 2024-09-06.
    let e1 = load_path(&fixture("samples/e1.json")).unwrap();
    assert!(e1.memories[0].created_at.as_ref().unwrap().is_ambiguous());
    assert!(!e1.memories[1].created_at.as_ref().unwrap().is_ambiguous());
}

#[test]
fn e3_server_export() {
    let e = load_path(&fixture("samples/e3.json")).unwrap();
    assert_eq!(e.shape, Shape::E3);
    assert_eq!(ids(&e), UUIDS);
    assert_eq!(e.profile_name.as_deref(), Some("Test User"));
    let a = &e.memories[0].structured.action_items[0];
    assert!(a.completed);
    assert!(a.created_at.is_some());
    assert_eq!(e.memories[0].language.as_deref(), Some("en"));
}

#[test]
fn e4_api_list_and_e5_webhook() {
    let e4 = load_path(&fixture("samples/e4.json")).unwrap();
    assert_eq!(e4.shape, Shape::E4);
    assert_eq!(ids(&e4), UUIDS);
    let e5 = load_path(&fixture("samples/e5.json")).unwrap();
    assert_eq!(e5.shape, Shape::E5);
    assert_eq!(ids(&e5), [UUIDS[0]]);
    assert_eq!(e5.memories[0].structured.title, "Guitar lesson");
}

#[test]
fn e4_object_holding_a_list() {
    let body = std::fs::read(fixture("samples/e4.json")).unwrap();
    let wrapped = [b"{\"conversations\": ".as_slice(), &body, b"}"].concat();
    let e = load_bytes("api.json", &wrapped).unwrap();
    assert_eq!((e.shape, e.memories.len()), (Shape::E4, 6));
}

#[test]
fn bad_records_are_skipped_and_reported() {
    let e = load_path(&fixture("bad/bad-records.json")).unwrap();
    assert_eq!(ids(&e), ["good-1", "good-2"]);
    assert_eq!(e.total_records, 8);
    let bad: Vec<(usize, Option<&str>)> = e
        .bad_records
        .iter()
        .map(|b| (b.index, b.id.as_deref()))
        .collect();
    assert_eq!(
        bad,
        [
            (1, None),
            (2, Some("wrong-type")),
            (3, Some("bad-date")),
            (4, None),
            (6, Some("17"))
        ]
    );
    let reasons: Vec<&str> = e.bad_records.iter().map(|b| b.reason.as_str()).collect();
    assert!(reasons[0].contains("missing field `id`"), "{reasons:?}");
    assert!(reasons[1].contains("invalid type"), "{reasons:?}");
    assert!(reasons[2].contains("yesterday at noon"), "{reasons:?}");
    assert!(reasons[3].contains("a memory object"), "{reasons:?}");
    assert!(reasons[4].contains("no such calendar day"), "{reasons:?}");
    assert_eq!(e.bad_records[0].line, 3);
    assert_eq!(e.duplicates.len(), 1);
    assert_eq!((e.duplicates[0].first_index, e.duplicates[0].index), (0, 5));
    let g2 = &e.memories[1].structured.category;
    assert_eq!(
        (g2.kind, g2.unknown_raw.as_deref()),
        (CategoryKind::Other, Some("mystery"))
    );
    let s = e.summary();
    assert_eq!((s.memories, s.bad_records, s.duplicates), (2, 5, 1));
    assert_eq!(s.unknown_categories.get("mystery"), Some(&1));
    assert_eq!(s.memories_with_ambiguous_dates, 1);
}

#[test]
fn records_that_are_not_objects_say_what_they_are() {
    let e = memlens::omi::export::load_bytes(
        "conversations.json",
        br#"[{"id": "ok"}, ["mem-1", "title"], 17, "text", null, true]"#,
    )
    .unwrap();
    assert_eq!(ids(&e), ["ok"]);
    let reasons: Vec<&str> = e.bad_records.iter().map(|b| b.reason.as_str()).collect();
    assert_eq!(
        reasons,
        [
            "the record is a list, not a memory object",
            "the record is a number, not a memory object",
            "the record is a string, not a memory object",
            "the record is null, not a memory object",
            "the record is a boolean, not a memory object",
        ]
    );
}

#[test]
fn every_record_bad() {
    let e = load_path(&fixture("bad/all-bad.json")).unwrap();
    assert!(e.all_bad());
    assert_eq!(e.bad_records.len(), 3);
    let e = load_path(&fixture("bad/action-items-not-list.json")).unwrap();
    assert_eq!(ids(&e), ["b"]);
}

fn whole_file_error(rel: &str) -> ExportError {
    match load_path(&fixture(rel)) {
        Ok(e) => panic!("{rel} loaded: {} memories", e.memories.len()),
        Err(err) => {
            let msg = err.to_string();
            let name = Path::new(rel).file_name().unwrap().to_str().unwrap();
            assert!(
                msg.contains(name),
                "{rel}: message does not name the file: {msg}"
            );
            err
        }
    }
}

#[test]
fn whole_file_errors_name_the_file_and_place() {
    assert!(matches!(
        whole_file_error("bad/empty.json"),
        ExportError::EmptyFile { .. }
    ));
    assert!(matches!(
        whole_file_error("bad/empty-array.json"),
        ExportError::EmptyList {
            line: 1,
            column: 1,
            ..
        }
    ));
    assert!(matches!(
        whole_file_error("bad/not-json.json"),
        ExportError::Json {
            what: "not valid JSON",
            line: 1,
            ..
        }
    ));
    match whole_file_error("bad/truncated.json") {
        ExportError::Json { what, line, .. } => {
            assert!(what.contains("truncated"));
            assert!(line > 100);
        }
        other => panic!("{other}"),
    }
    assert!(matches!(
        whole_file_error("bad/unknown-object.json"),
        ExportError::UnknownShape { .. }
    ));
    assert!(matches!(
        whole_file_error("bad/scalar.json"),
        ExportError::UnknownShape { .. }
    ));
    assert!(matches!(
        whole_file_error("bad/trailing-garbage.json"),
        ExportError::Json { .. }
    ));
    assert!(matches!(
        load_path(Path::new("/nonexistent/memlens/x.json")),
        Err(ExportError::Io { .. })
    ));
}

#[test]
fn deep_nesting_is_an_error_or_skipped_never_a_crash() {
    let deep = 100_000;
    // A list holding only deep brackets: one bad record, nothing loaded.
    let only = "[".repeat(deep) + &"]".repeat(deep);
    let e = load_bytes("deep.json", only.as_bytes()).unwrap();
    assert!(e.all_bad());
    // Deep nesting inside a record's known field: that record is bad, the rest load.
    let nested = format!(
        "[{{\"id\":\"a\",\"structured\":{{\"events\":{}{}}}}},{{\"id\":\"b\"}}]",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    let e = load_bytes("deep.json", nested.as_bytes()).unwrap();
    assert_eq!(ids(&e), ["b"]);
    assert_eq!(e.bad_records[0].id.as_deref(), Some("a"));
    // Deep nesting under an unknown key is skipped without recursion.
    let ignored = format!(
        "[{{\"id\":\"a\",\"x\":{}{}}}]",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    assert_eq!(
        ids(&load_bytes("deep.json", ignored.as_bytes()).unwrap()),
        ["a"]
    );
    // Unclosed nesting: a whole-file error.
    let err = load_bytes("deep.json", "[".repeat(deep).as_bytes()).unwrap_err();
    assert!(matches!(err, ExportError::Json { .. }), "{err}");
    // The same under E3's `conversations`.
    let top = format!(
        "{{\"conversations\":[{}{}]}}",
        "[".repeat(deep),
        "]".repeat(deep)
    );
    assert!(load_bytes("deep.json", top.as_bytes()).unwrap().all_bad());
}

#[test]
fn garbage_never_panics() {
    let samples: Vec<Vec<u8>> = ["e0", "e1", "e2", "e3", "e4", "e5"]
        .iter()
        .map(|s| std::fs::read(fixture(&format!("samples/{s}.json"))).unwrap())
        .collect();
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 0..600 {
        let mut b = samples[round % samples.len()].clone();
        match round % 3 {
            0 => b.truncate(rng.usize(0..b.len())),
            1 => {
                for _ in 0..rng.usize(1..8) {
                    let i = rng.usize(0..b.len());
                    b[i] = rng.u8(..);
                }
            }
            _ => {
                let i = rng.usize(0..b.len());
                let j = rng.usize(i..b.len());
                b.drain(i..j);
            }
        }
        let _ = load_bytes("fuzz.json", &b);
    }
}

#[test]
fn progress_is_monotonic_and_complete() {
    let path = fixture("samples/e2.json");
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    let mut seen = Vec::new();
    load_path_with_progress(&path, &mut |done, total| seen.push((done, total))).unwrap();
    assert_eq!(seen.last(), Some(&(size, size)));
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
}

#[test]
fn progress_on_a_larger_file() {
    let record = r#"{"id": "ID", "created_at": "2025-01-01T00:00:00+00:00", "structured": {"title": "t", "overview": "PAD"}}"#
        .replace("PAD", &"x".repeat(300));
    let body: Vec<String> = (0..4000)
        .map(|i| record.replace("ID", &format!("m{i}")))
        .collect();
    let json = format!(
        "{{\"profile\": null, \"conversations\": [\n{}\n]}}",
        body.join(",\n")
    );
    let mut seen = Vec::new();
    let e =
        memlens::omi::export::load_bytes_with_progress("big.json", json.as_bytes(), &mut |d, t| {
            seen.push((d, t))
        })
        .unwrap();
    assert_eq!((e.shape, e.memories.len()), (Shape::E3, 4000));
    assert!(seen.len() >= 4, "only {} progress reports", seen.len());
    assert!(seen.windows(2).all(|w| w[0].0 <= w[1].0));
    assert!(seen.iter().all(|&(d, t)| d <= t && t == json.len()));
    assert_eq!(seen.last().unwrap().0, json.len());
}

#[test]
fn api_records_with_both_app_result_keys() {
    // Omi's Conversation model dumps `apps_results` and a copy as `plugins_results`.
    let json = br#"[{"id": "a", "structured": {}, "apps_results": [{"app_id": "x", "content": "from apps"}],
                    "plugins_results": [{"plugin_id": "x", "content": "from apps"}]}]"#;
    let e = load_bytes("api.json", json).unwrap();
    assert!(e.bad_records.is_empty(), "{:?}", e.bad_records);
    assert_eq!(e.memories[0].app_results.len(), 1);
    assert_eq!(e.memories[0].app_results[0].app_id.as_deref(), Some("x"));
}

#[test]
fn summary_counts_flags_categories_and_range() {
    let json = br#"{"profile": {"name": "P"}, "conversations": [
        {"id": "a", "created_at": "2025-01-02T00:00:00+00:00", "discarded": true, "structured": {"category": "romantic"}},
        {"id": "b", "created_at": "2024-12-31T23:00:00-02:00", "deleted": true, "structured": {"category": "romantic"}},
        {"id": "c", "structured": {"events": [{"title": "e", "start": "2025-01-01T10:00:00"}]}}
    ], "chat_messages": [{"text": "skipped"}]}"#;
    let e = load_bytes("omi-export.json", json).unwrap();
    let s = e.summary();
    assert_eq!(s.shape, "E3");
    assert_eq!((s.memories, s.discarded, s.deleted), (3, 1, 1));
    assert_eq!(s.by_category.get("romantic"), Some(&2));
    assert_eq!(s.by_category.get("other"), Some(&1));
    // 2024-12-31T23:00-02:00 is 2025-01-01T01:00Z: earlier than a, as an instant.
    assert_eq!(
        s.first_created.as_deref(),
        Some("2024-12-31 23:00:00-02:00")
    );
    assert_eq!(s.last_created.as_deref(), Some("2025-01-02 00:00:00+00:00"));
    assert_eq!(
        (
            s.missing_created_at,
            s.ambiguous_dates,
            s.memories_with_ambiguous_dates
        ),
        (1, 1, 1)
    );
}
