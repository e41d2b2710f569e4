//! The one embeddability rule end to end (issue 13): a fixture export with one record of
//! each kind (`tests/fixtures/policy/every-reason.json`) through `check`, `status --json`,
//! `reprocess --missing --dry-run --json`, the orphan scan and the TUI list, every reason
//! named; real writes against the local store and the Pinecone emulator write exactly
//! the embeddable ones. Facts-only files, Python-style numbers and webhook wrappers too.
//! The CLI runs as the real binary.

use crate::support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::policy::{self, Overrides, SkipReason};
use memlens::store::local::LocalStore;
use memlens::store::{Record, VectorStore};
use support::pinecone_emulator::{PineconeEmulator, StoredVector};

const UID: &str = "u-policy";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/policy")
        .join(name)
}

/// Run the binary with a clean environment, the data dir `data` and extra variables.
fn memlens(data: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_memlens"));
    cmd.args(args)
        .env("HOME", data)
        .env("XDG_CONFIG_HOME", data)
        .env("MEMLENS_DATA_DIR", data)
        .env("MEMLENS_UID", UID)
        .env("MEMLENS_EMBEDDER", "builtin")
        .env_remove("MEMLENS_TEXT_FORMAT")
        .env_remove("MEMLENS_STORE")
        .env_remove("OPENAI_API_KEY")
        .env_remove("PINECONE_API_KEY")
        .current_dir(data);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The same, off the async runtime (a fake server in this process must keep serving).
async fn memlens_async(data: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
    let (data, env, args) = (
        data.to_path_buf(),
        env.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect::<Vec<_>>(),
        args.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
    );
    tokio::task::spawn_blocking(move || {
        let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        memlens(&data, &env, &args)
    })
    .await
    .unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every memory of the fixture and the label the rule gives it (`None`: embeddable).
const EXPECTED: [(&str, Option<&str>); 12] = [
    ("ok-completed", None),
    ("ok-no-status", None),
    ("ok-bad-plugins", None),
    ("discarded-1", Some("discarded")),
    ("deleted-no-vector", Some("deleted")),
    ("deleted-with-vector", Some("deleted")),
    ("unfinished-in-progress", Some("unfinished: in_progress")),
    ("unfinished-failed", Some("unfinished: failed")),
    ("empty-1", Some("empty")),
    ("locked-1", Some("locked")),
    ("mémo-✓", Some("invalid id")),
    ("event-no-start", Some("invalid: events[0].start")),
];

const EMBEDDABLE: [&str; 3] = ["ok-completed", "ok-no-status", "ok-bad-plugins"];

/// The builtin embedder's vector of some text, stored as a leftover for the deleted memory.
async fn orphan_record() -> Record {
    let e = BuiltinEmbedder::new().unwrap();
    let values = e
        .embed(&["Dentist (Health)\nBooked a check-up".to_string()])
        .await
        .unwrap()
        .remove(0);
    Record {
        id: vector_id(UID, "deleted-with-vector"),
        values,
        metadata: memory_metadata(UID, "deleted-with-vector", 1_749_204_000),
    }
}

async fn local_store_with_orphan(data: &Path) -> LocalStore {
    let store = LocalStore::open(&LocalStore::default_path(data)).unwrap();
    store
        .upsert("ns1", vec![orphan_record().await])
        .await
        .unwrap();
    store
}

#[test]
fn the_rule_names_each_memory_of_the_fixture() {
    let export = memlens::omi::export::load_path(&fixture("every-reason.json")).unwrap();
    assert_eq!(
        export.memories.len(),
        EXPECTED.len(),
        "{:?}",
        export.bad_records
    );
    for (m, (id, want)) in export.memories.iter().zip(EXPECTED) {
        assert_eq!(m.id, id);
        let got = policy::skip_reason(m, Some(UID), Overrides::default());
        assert_eq!(got.as_ref().map(SkipReason::label).as_deref(), want, "{id}");
    }
    // Only discarded and unfinished give way, each to its own flag.
    let forced = Overrides {
        include_discarded: true,
        include_unfinished: true,
    };
    let now: Vec<&str> = export
        .memories
        .iter()
        .filter(|m| policy::check(m, Some(UID), forced).is_embeddable())
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(
        now,
        [
            "ok-completed",
            "ok-no-status",
            "ok-bad-plugins",
            "discarded-1",
            "unfinished-failed"
        ],
        "in_progress stays out: its text is empty"
    );
}

#[test]
fn check_lists_every_reason_and_keeps_the_bad_plugins_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = fixture("every-reason.json").display().to_string();
    let o = memlens(dir.path(), &[], &["check", "--json", &path]);
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(v["memories"], 12);
    assert_eq!(v["bad_records"], 0);
    assert_eq!(v["embeddable"], 3);
    let kinds: BTreeSet<&str> = v["skipped_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    let all: BTreeSet<&str> = policy::REASONS.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, all);
    let notes = v["note_list"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["memory_id"], "ok-bad-plugins");
    assert_eq!(notes[0]["field"], "plugins_results");
    assert!(notes[0]["raw"].as_str().unwrap().contains("summary-bot"));

    let o = memlens(dir.path(), &[], &["check", &path]);
    let text = out(&o);
    for needle in [
        "embeddable      3; not embedded: 2 deleted, 1 invalid id, 1 locked, 1 invalid, 1 discarded, 2 unfinished, 1 empty",
        "\"deleted-no-vector\": skipped (deleted)",
        "\"unfinished-in-progress\": skipped (unfinished: in_progress)",
        "\"mémo-✓\": skipped (invalid id): invalid id: vector id \"mémo-✓\" is not ASCII",
        "\"event-no-start\": skipped (invalid: events[0].start): invalid for Omi's models: structured.events[0].start is required but missing",
        "\"ok-bad-plugins\" plugins_results: an object, not a list; left out (raw: {\"plugin_id\": \"summary-bot\", \"content\"",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_plan_and_orphans_name_every_reason() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    drop(local_store_with_orphan(data).await);
    let path = fixture("every-reason.json").display().to_string();

    let o = memlens_async(data, &[], &["status", "--json", &path]).await;
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let labels: BTreeMap<&str, &str> = v["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["memory_id"].as_str().unwrap(),
                m["label"].as_str().unwrap(),
            )
        })
        .collect();
    for (id, want) in EXPECTED {
        let want = match (id, want) {
            ("deleted-with-vector", _) => "orphan (deleted)".to_string(),
            (_, Some(r)) => format!("skipped ({r})"),
            (_, None) => "missing".to_string(),
        };
        assert_eq!(labels[id], want, "{id}");
    }
    assert_eq!(v["counts"]["missing"], 3, "no skipped memory is missing");
    assert_eq!(v["counts"]["orphan"], 1);
    assert_eq!(v["skipped_by_reason"]["unfinished"], 2);
    let orphan = v["memories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["memory_id"] == "deleted-with-vector")
        .unwrap();
    assert!(
        orphan["reason"]
            .as_str()
            .unwrap()
            .contains("orphan to clean up")
    );
    assert_eq!(orphan["skip"]["kind"], "deleted");

    let o = memlens_async(data, &[], &["status", &path]).await;
    let text = out(&o);
    assert!(
        text.contains("- skipped (unfinished: in_progress) unfinished-in-progress"),
        "{text}"
    );
    assert!(
        text.contains("not embedded (Omi would not write these): 2 deleted, 1 invalid id, 1 locked, 1 invalid, 1 discarded, 2 unfinished, 1 empty"),
        "{text}"
    );

    let o = memlens_async(
        data,
        &[],
        &["reprocess", "--json", &path, "--missing", "--dry-run"],
    )
    .await;
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let plan: serde_json::Value = out(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|e| e["type"] == "plan")
        .unwrap();
    let c = &plan["counts"];
    assert_eq!(c["new"], 3);
    // The deleted memory with a vector is an orphan, not missing: not selected.
    for (k, n) in [
        ("deleted", 1),
        ("invalid_id", 1),
        ("locked", 1),
        ("invalid", 1),
        ("discarded", 1),
        ("unfinished", 2),
        ("empty", 1),
    ] {
        assert_eq!(c[k], n, "{k}: {c}");
    }
    let kinds: BTreeSet<&str> = plan["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    let all: BTreeSet<&str> = policy::REASONS.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, all);
    let can_force = plan["can_force"].as_array().unwrap();
    assert_eq!(can_force.len(), 2, "{can_force:?}");
    assert!(
        can_force[0]
            .as_str()
            .unwrap()
            .starts_with("--include-discarded")
    );
    assert!(
        can_force[1]
            .as_str()
            .unwrap()
            .starts_with("--include-unfinished")
    );

    let o = memlens_async(data, &[], &["reprocess", &path, "--missing", "--dry-run"]).await;
    let text = out(&o);
    for needle in [
        "skip       1 deleted, 1 invalid id, 1 locked, 1 invalid, 1 discarded, 2 unfinished, 1 empty",
        "force      --include-discarded would also write the 1 discarded",
        "force      --include-unfinished would also write the 2 unfinished",
        "skipped    deleted-no-vector: deleted",
        "skipped    unfinished-failed: unfinished: failed",
    ] {
        assert!(text.contains(needle), "{needle}\n{text}");
    }
    // Forcing both: only those two kinds give way, and the plan says what was forced.
    let o = memlens_async(
        data,
        &[],
        &[
            "reprocess",
            &path,
            "--missing",
            "--dry-run",
            "--include-discarded",
            "--include-unfinished",
        ],
    )
    .await;
    let text = out(&o);
    assert!(
        text.contains("write      5 (5 new, 0 overwritten)"),
        "{text}"
    );
    assert!(
        text.contains("forced     discarded (--include-discarded)"),
        "{text}"
    );
    assert!(
        text.contains("forced     unfinished (--include-unfinished)"),
        "{text}"
    );

    // The deleted memory's vector joins the orphan list and its dry-run delete.
    let o = memlens_async(data, &[], &["orphans", "--json", &path]).await;
    assert!(o.status.success(), "{}", err(&o));
    let v: serde_json::Value = serde_json::from_str(&out(&o)).unwrap();
    let orphans = v["scan"]["orphans"].as_array().unwrap();
    assert_eq!(orphans.len(), 1);
    assert_eq!(
        orphans[0]["vector_id"],
        vector_id(UID, "deleted-with-vector")
    );
    assert_eq!(orphans[0]["deleted_in_export"], true);
    assert_eq!(v["scan"]["missing"], 3);
    assert_eq!(v["dry_run"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_writes_exactly_the_embeddable_ones_locally() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    drop(local_store_with_orphan(data).await);
    let path = fixture("every-reason.json").display().to_string();
    let o = memlens_async(data, &[], &["reprocess", &path, "--missing", "--yes"]).await;
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let store = LocalStore::open(&LocalStore::default_path(data)).unwrap();
    let (ids, _) = memlens::sync::orphans::list_user_ids(&store, "ns1", UID, 100, |_| {})
        .await
        .unwrap();
    let mut want: Vec<String> = EMBEDDABLE.iter().map(|m| vector_id(UID, m)).collect();
    want.push(vector_id(UID, "deleted-with-vector"));
    want.sort();
    let mut ids = ids;
    ids.sort();
    assert_eq!(
        ids, want,
        "the three embeddable ones, and the untouched orphan"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_writes_exactly_the_embeddable_ones_on_pinecone() {
    let dir = tempfile::tempdir().unwrap();
    let emu = PineconeEmulator::start(BuiltinEmbedder::new().unwrap().dimension()).await;
    let orphan = orphan_record().await;
    emu.seed(
        "ns1",
        [(
            orphan.id.clone(),
            StoredVector {
                values: orphan.values,
                metadata: orphan.metadata,
            },
        )],
    );
    let env = [
        ("MEMLENS_STORE", "pinecone".to_string()),
        ("PINECONE_API_KEY", emu.api_key().expose().to_string()),
        ("PINECONE_INDEX_HOST", emu.url()),
    ];
    let path = fixture("every-reason.json").display().to_string();
    let o = memlens_async(
        dir.path(),
        &env,
        &["reprocess", &path, "--missing", "--yes"],
    )
    .await;
    assert!(o.status.success(), "{}{}", out(&o), err(&o));
    let stored: BTreeSet<String> = emu.records("ns1").into_keys().collect();
    let mut want: BTreeSet<String> = EMBEDDABLE.iter().map(|m| vector_id(UID, m)).collect();
    want.insert(vector_id(UID, "deleted-with-vector"));
    assert_eq!(stored, want);
    for r in emu.requests_to("/vectors/upsert") {
        for v in r.json()["vectors"].as_array().unwrap() {
            let id = v["id"].as_str().unwrap();
            assert!(
                EMBEDDABLE.iter().any(|m| vector_id(UID, m) == id),
                "upserted {id}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tui_list_and_details_name_every_reason() {
    use crossterm::event::KeyCode;
    let mut h = support::tui::harness_on(
        &fixture("every-reason.json"),
        false,
        Some(UID),
        vec![orphan_record().await],
    )
    .await;
    // The status cell is a glyph and a word; a wide list adds the reason as a column.
    let screen = h.screen_at(220, 40);
    let rows: Vec<&str> = screen.lines().collect();
    for (status, reason) in [
        ("- skipped", "discarded"),
        ("- skipped", "deleted"),
        ("✗ orphan", "deleted"),
        ("- skipped", "unfinished: in_progress"),
        ("- skipped", "unfinished: failed"),
        ("- skipped", "empty"),
        ("- skipped", "locked"),
        ("- skipped", "invalid id"),
        ("- skipped", "invalid: events[0].start"),
    ] {
        assert!(
            rows.iter()
                .any(|r| r.contains(status) && r.contains(&format!(" {reason}"))),
            "{status} {reason}\n{screen}"
        );
    }
    assert!(screen.contains("○ missing"), "{screen}");
    // The details of a skipped memory say why, and whether a flag could force it.
    while h.app.state.selected().unwrap().1.id != "locked-1" {
        h.key(KeyCode::Char('j'));
    }
    let details: Vec<String> = memlens::tui::view::details_lines(&h.app.state, 60)
        .iter()
        .map(|l| l.to_string())
        .collect();
    let text = details.join("\n");
    assert!(text.contains("  skipped   locked"), "{text}");
    assert!(
        text.contains("its text (never embedded: skipped)"),
        "{text}"
    );
    assert!(
        text.contains("returned locked (is_locked): its text is blanked, not what Omi embedded (cannot be forced)"),
        "{text}"
    );
    assert!(text.contains("- skipped (locked)"), "{text}");
    // The help overlay explains each reason in one line.
    let help: Vec<String> = memlens::tui::view::help_lines(&h.app.state)
        .iter()
        .map(|l| l.to_string())
        .collect();
    for (kind, why) in policy::REASONS {
        assert!(
            help.iter().any(|l| l.contains(kind) && l.contains(why)),
            "{kind}"
        );
    }
    // The batch confirm dialog counts the skips per reason.
    h.key(KeyCode::Char('R'));
    h.key(KeyCode::Char('a'));
    h.settle().await;
    let screen = h.screen();
    let flat: String = screen
        .lines()
        .map(|l| l.trim_matches(|c: char| c == '│' || c.is_whitespace()))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains("3 new, 0 overwritten; skip 1 deleted, 1 invalid id, 1 locked, 1"),
        "{screen}"
    );
    // The TUI has no key for the CLI's --include-* flags: it names what is left out
    // without suggesting them.
    assert!(
        screen.contains("left out      the 2 unfinished: Omi embeds them once processed"),
        "{screen}"
    );
    assert!(!screen.contains("--include"), "{screen}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_are_named_and_never_written() {
    let dir = tempfile::tempdir().unwrap();
    let facts = fixture("dev-api-facts.json").display().to_string();
    let o = memlens_async(dir.path(), &[], &["check", &facts]).await;
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        out(&o).contains("this file holds 2 Omi facts, not conversations"),
        "{}",
        out(&o)
    );
    let o = memlens_async(dir.path(), &[], &["reprocess", &facts, "--all", "--yes"]).await;
    assert!(!o.status.success());
    let text = out(&o);
    assert!(
        text.contains("this file holds 2 Omi facts, not conversations")
            && text.contains("nothing to write"),
        "{text}"
    );
    let store = LocalStore::open(&LocalStore::default_path(dir.path())).unwrap();
    assert_eq!(store.stats().await.unwrap().total, 0);

    // Omi's own export with facts (omi-facts.md §F8): 3 conversations, 6 facts set aside.
    let e3 = fixture("e3-facts.json").display().to_string();
    let o = memlens_async(dir.path(), &[], &["check", "--json", &e3]).await;
    let v: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
    assert_eq!(
        (v["memories"].as_u64(), v["facts"].as_u64()),
        (Some(3), Some(6))
    );
    assert!(
        v["facts_note"]
            .as_str()
            .unwrap()
            .starts_with("6 Omi facts set aside")
    );
    let ids: Vec<&str> = v["fact_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids[0], "1932fc72-ca5b-4419-832c-7c36afa19b6e");
    assert_eq!(ids.len(), 6);
}

#[test]
fn python_style_numbers_load_every_record() {
    let e = memlens::omi::export::load_path(&fixture("python-nan.json")).unwrap();
    let ids: Vec<&str> = e.memories.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["nan-segments", "nan-geo-only", "plain"]);
    let m = &e.memories[0];
    assert!(m.transcript[0].start.is_nan());
    assert_eq!(m.transcript[1].end, f64::INFINITY);
    let g = m.geolocation.as_ref().unwrap();
    assert!(g.latitude.unwrap().is_nan());
    assert_eq!(g.address.as_deref(), Some("Ridge trail"));
    assert!(
        m.notes
            .iter()
            .any(|n| n.field == "transcript_segments[0].start" && n.raw == "NaN")
    );
    // A non-finite number where it decides the text: the record is reported, field named.
    assert_eq!(e.bad_records.len(), 1);
    assert_eq!(e.bad_records[0].id.as_deref(), Some("nan-duration"));
    assert!(
        e.bad_records[0]
            .reason
            .starts_with("structured.events[0].duration is NaN"),
        "{}",
        e.bad_records[0].reason
    );
    // Every loaded memory renders (no NaN reaches the text) and is embeddable.
    for m in &e.memories {
        assert!(policy::check(m, Some(UID), Overrides::default()).is_embeddable());
    }
}

#[test]
fn webhook_messages_load_and_name_their_wrapper() {
    let dir = tempfile::tempdir().unwrap();
    for (file, id, wrapper) in [
        (
            "webhook-memory-created.json",
            "wh-1",
            r#"{"type": "memory_created", "memory": {…}}"#,
        ),
        (
            "webhook-conversation.json",
            "wh-2",
            r#"{"type": "conversation_created", "conversation": {…}}"#,
        ),
    ] {
        let path = fixture(file).display().to_string();
        let o = memlens(dir.path(), &[], &["check", "--json", &path]);
        assert!(o.status.success(), "{}", err(&o));
        let v: serde_json::Value = serde_json::from_str(out(&o).trim()).unwrap();
        assert_eq!(v["shape"], "E5");
        assert_eq!(v["memories"], 1);
        assert!(v["wrapper"].as_str().unwrap().contains(wrapper), "{v}");
        let e = memlens::omi::export::load_path(&fixture(file)).unwrap();
        assert_eq!(e.memories[0].id, id);
    }
}
