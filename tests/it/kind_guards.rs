//! The record kinds' writes (`reprocess --kind action-items|chunks`, `orphans --kind
//! facts|action-items|chunks --delete --yes`) are guarded as the conversations' are
//! (issue 24): they take the data dir's writer lock (`memlens.lock`), so a second writer
//! is refused with the holder's pid and writes nothing, and an orphan delete from an
//! incomplete export is refused unless `--allow-incomplete-export`. The real binary
//! against the Pinecone emulator on 127.0.0.1.

use crate::support;

use std::path::{Path, PathBuf};

use memlens::embed::builtin::DIMENSION;
use memlens::omi::action_items::action_item_metadata;
use memlens::omi::fact_conventions::fact_metadata;
use memlens::sync::lock::{DataDirLock, Role};
use support::pinecone_emulator::{PineconeEmulator, StoredVector};
use support::{memlens_on_emulator as memlens, ok};

/// The uid of `e3-2026.json` (its profile) and of `e3-facts.json` (its facts).
const UID_2026: &str = "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A";
const UID_FACTS: &str = "Xq3kP9vT2mWbR7nLcA5sD8fGh1J2";
/// Ids with no item or fact in the samples: orphans.
const GONE_ITEM: &str = "zz-gone-item";
const GONE_FACT: &str = "0b7e3c55-1111-4a2b-9c3d-5e6f7a8b9c0d";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/samples")
        .join(name)
}

/// A copy of a sample that says it is incomplete (`"export_complete": false`).
fn incomplete(dir: &Path, name: &str) -> PathBuf {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample(name)).unwrap()).unwrap();
    v["export_complete"] = serde_json::Value::Bool(false);
    let p = dir.join(format!("incomplete-{name}"));
    std::fs::write(&p, serde_json::to_string(&v).unwrap()).unwrap();
    p
}

/// The emulator with one orphan `ns4` item vector and one orphan `ns2` fact vector.
async fn with_orphans() -> PineconeEmulator {
    let emu = PineconeEmulator::start(DIMENSION).await;
    let mut values = vec![0.0; DIMENSION];
    values[0] = 1.0;
    emu.seed(
        "ns4",
        [(
            format!("{UID_2026}-ai-{GONE_ITEM}"),
            StoredVector {
                values: values.clone(),
                metadata: action_item_metadata(UID_2026, GONE_ITEM, 1_790_000_000),
            },
        )],
    );
    emu.seed(
        "ns2",
        [(
            format!("{UID_FACTS}-{GONE_FACT}"),
            StoredVector {
                values,
                metadata: fact_metadata(UID_FACTS, GONE_FACT, "system", 1_772_000_000),
            },
        )],
    );
    emu
}

fn writes(emu: &PineconeEmulator) -> usize {
    emu.requests_to("/vectors/upsert").len() + emu.requests_to("/vectors/delete").len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kind_writes_take_the_writer_lock_and_a_second_writer_is_refused() {
    let emu = with_orphans().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let items = sample("e3-2026.json").display().to_string();
    let facts = sample("e3-facts.json").display().to_string();
    let writers: [Vec<&str>; 5] = [
        vec![
            "reprocess",
            &items,
            "--kind",
            "action-items",
            "--all",
            "--yes",
        ],
        vec!["reprocess", &items, "--kind", "chunks", "--all", "--yes"],
        vec![
            "orphans",
            &items,
            "--kind",
            "action-items",
            "--delete",
            "--yes",
        ],
        vec![
            "orphans", &facts, "--kind", "facts", "--uid", UID_FACTS, "--delete", "--yes",
        ],
        // Conversations (`ns1`, no --kind) too.
        vec!["orphans", &items, "--delete", "--yes"],
    ];
    let before = (emu.records("ns2"), emu.records("ns4"));

    // Another writer (this test process) holds the data dir.
    let lock = DataDirLock::acquire(&data, Role::Reprocess).unwrap();
    emu.clear_requests();
    let holder = format!(
        "a reprocess of this data dir is running (pid {}); wait, or use another --data-dir",
        std::process::id()
    );
    for args in &writers {
        let o = memlens(&emu, &data, args).await;
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(&holder), "{args:?}: {stderr}");
    }
    assert_eq!(writes(&emu), 0, "a refused writer wrote");
    assert_eq!((emu.records("ns2"), emu.records("ns4")), before);
    // Reading and dry runs need no lock.
    ok(&memlens(&emu, &data, &["orphans", &items, "--kind", "action-items"]).await);
    ok(&memlens(
        &emu,
        &data,
        &[
            "reprocess",
            &items,
            "--kind",
            "action-items",
            "--all",
            "--dry-run",
        ],
    )
    .await);
    assert_eq!(writes(&emu), 0);

    // Once it is free, the same commands write.
    drop(lock);
    for args in &writers {
        ok(&memlens(&emu, &data, args).await);
    }
    let ns4 = emu.records("ns4");
    assert!(!ns4.contains_key(&format!("{UID_2026}-ai-{GONE_ITEM}")));
    assert!(!ns4.is_empty(), "the action items were not written");
    assert!(
        !emu.records("ns2")
            .contains_key(&format!("{UID_FACTS}-{GONE_FACT}"))
    );
    // The lock is free again after each run.
    drop(DataDirLock::acquire(&data, Role::Reprocess).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kind_orphan_deletes_refuse_an_incomplete_export_unless_allowed() {
    let emu = with_orphans().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let items = incomplete(dir.path(), "e3-2026.json").display().to_string();
    let facts = incomplete(dir.path(), "e3-facts.json")
        .display()
        .to_string();
    let cases: [(Vec<&str>, &str, String); 2] = [
        (
            vec!["orphans", &items, "--kind", "action-items"],
            "ns4",
            format!("{UID_2026}-ai-{GONE_ITEM}"),
        ),
        (
            vec!["orphans", &facts, "--kind", "facts", "--uid", UID_FACTS],
            "ns2",
            format!("{UID_FACTS}-{GONE_FACT}"),
        ),
    ];
    for (base, ns, orphan) in &cases {
        emu.clear_requests();
        let with = |extra: &[&'static str]| {
            let mut a = base.clone();
            a.extend_from_slice(extra);
            a
        };
        let o = memlens(&emu, &data, &with(&["--delete", "--yes"])).await;
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{base:?}: {stderr}");
        assert!(
            stderr.contains("refusing to delete") && stderr.contains("--allow-incomplete-export"),
            "{base:?}: {stderr}"
        );
        assert!(emu.requests_to("/vectors/delete").is_empty(), "{base:?}");
        assert!(emu.records(ns).contains_key(orphan), "{base:?}");

        // The dry run lists the orphan and says why it may not be one.
        let out = ok(&memlens(&emu, &data, base).await);
        assert!(
            out.contains(orphan.as_str()) && out.contains("warning: "),
            "{base:?}: {out}"
        );

        // Naming the risk deletes it.
        ok(&memlens(
            &emu,
            &data,
            &with(&["--delete", "--yes", "--allow-incomplete-export"]),
        )
        .await);
        assert!(!emu.records(ns).contains_key(orphan), "{base:?}");
    }
}

/// An action item record the export holds but cannot read (its `description` is not a
/// string): its `ns4` vector is not an orphan. Without `--allow-incomplete-export` the
/// delete of the real orphan is refused (the section is not fully read); with it, the
/// real orphan goes and the unreadable item's vector stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_action_item_keeps_its_vector_and_blocks_a_plain_delete() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sample("e3-2026.json")).unwrap()).unwrap();
    let items = v["action_items"].as_array_mut().unwrap();
    let broken = items[0]["id"].as_str().unwrap().to_string();
    items[0]["description"] = serde_json::json!(42);
    let export = dir.path().join("unreadable-item.json");
    std::fs::write(&export, serde_json::to_string(&v).unwrap()).unwrap();
    let e = export.display().to_string();
    let emu = with_orphans().await;
    let mut values = vec![0.0; DIMENSION];
    values[1] = 1.0;
    let kept = format!("{UID_2026}-ai-{broken}");
    emu.seed(
        "ns4",
        [(
            kept.clone(),
            StoredVector {
                values,
                metadata: action_item_metadata(UID_2026, &broken, 1_790_000_000),
            },
        )],
    );

    let listed = ok(&memlens(
        &emu,
        dir.path(),
        &["orphans", &e, "--kind", "action-items", "--json"],
    )
    .await);
    let j: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(j["unreadable"], serde_json::json!([kept]), "{listed}");
    let orphans: Vec<&str> = j["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["vector_id"].as_str().unwrap())
        .collect();
    assert_eq!(orphans, [format!("{UID_2026}-ai-{GONE_ITEM}")]);
    assert!(
        j["export_incomplete"]
            .as_str()
            .unwrap()
            .contains("1 action item record of the export could not be read"),
        "{listed}"
    );

    let refused = memlens(
        &emu,
        dir.path(),
        &["orphans", &e, "--kind", "action-items", "--delete", "--yes"],
    )
    .await;
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to delete"));
    assert_eq!(emu.records("ns4").len(), 2, "nothing deleted");

    ok(&memlens(
        &emu,
        dir.path(),
        &[
            "orphans",
            &e,
            "--kind",
            "action-items",
            "--delete",
            "--yes",
            "--allow-incomplete-export",
        ],
    )
    .await);
    let left: Vec<String> = emu.records("ns4").into_keys().collect();
    assert_eq!(left, [kept], "only the real orphan is deleted");
}
