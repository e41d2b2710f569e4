//! Nothing written or deleted that the user did not mean (issue 25): an incomplete export
//! never feeds an orphan delete, a second process never takes over a live reprocess, and
//! an embedder of unknown dimension never makes stored vectors "mismatch". The real binary
//! against the fake OpenAI server and the Pinecone emulator on 127.0.0.1.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use memlens::omi::conventions::memory_metadata;
use serde_json::{Value, json};
use support::fake_openai::{self, FakeOpenAi, Options, ServerKind};
use support::pinecone_emulator::{API_KEY, INDEX_NAME, PineconeEmulator, StoredVector};

const UID: &str = "u-guard";
const NS: &str = "ns1";
const DIM: usize = 16;

/// `n` completed memories `m000`…, as an E3 export; `tail` is appended to the top-level
/// object (e.g. `"export_complete": false`), `bad` adds records that cannot be read.
fn export_json(n: usize, bad: &[Value], tail: &str) -> String {
    let mut records: Vec<Value> = (0..n)
        .map(|i| {
            json!({
                "id": format!("m{i:03}"),
                "created_at": format!("2025-03-{:02}T10:00:00+00:00", 1 + i % 28),
                "status": "completed",
                "discarded": false,
                "structured": {
                    "title": format!("Walk number {i}"),
                    "overview": format!("A walk along the river, the {i}th."),
                    "emoji": "🚶",
                    "category": "personal",
                    "action_items": [],
                    "events": []
                }
            })
        })
        .collect();
    records.extend(bad.iter().cloned());
    let body = json!({"profile": {"name": "Guard", "uid": UID}, "conversations": records});
    let mut text = serde_json::to_string_pretty(&body).unwrap();
    if !tail.is_empty() {
        text.truncate(text.rfind('}').unwrap());
        text.push_str(",\n  ");
        text.push_str(tail);
        text.push_str("\n}\n");
    }
    text
}

fn write_export(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The real binary with an empty config, the data dir in `dir/data`, the OpenAI-compatible
/// embedder `model` at `openai` and the emulator's index.
fn memlens(dir: &Path, openai: &FakeOpenAi, model: &str, emu: &PineconeEmulator) -> Command {
    let config = dir.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MEMLENS_") || k.starts_with("OPENAI_") || k.starts_with("PINECONE_") {
            c.env_remove(k);
        }
    }
    c.env("MEMLENS_DATA_DIR", dir.join("data"))
        .env("MEMLENS_UID", UID)
        .env("MEMLENS_EMBEDDER", "openai")
        .env("MEMLENS_STORE", "pinecone")
        .env("OPENAI_BASE_URL", openai.base_url())
        .env("MEMLENS_OPENAI_MODEL", model)
        .env("PINECONE_API_KEY", API_KEY)
        .env("PINECONE_INDEX_NAME", INDEX_NAME)
        .env("PINECONE_CONTROLLER_HOST", emu.url())
        .arg("--config")
        .arg(&config);
    c
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}\n--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Store a vector for each of `ids` under the user's prefix.
fn seed(emu: &PineconeEmulator, ids: &[&str], dim: usize) {
    emu.seed(
        NS,
        ids.iter().map(|id| {
            (
                format!("{UID}-{id}"),
                StoredVector {
                    values: fake_openai::vector_for_text(id, dim),
                    metadata: memory_metadata(UID, id, 1_740_823_200),
                },
            )
        }),
    );
}

async fn backends(models: &[&str]) -> (FakeOpenAi, PineconeEmulator) {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.default_dim = DIM;
    opts.extra_models = models.iter().map(|m| m.to_string()).collect();
    (
        FakeOpenAi::start(opts).await,
        PineconeEmulator::start(DIM).await,
    )
}

// ---- 3. an embedder of unknown dimension ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_models_dimension_is_learned_and_nothing_is_a_mismatch() {
    let (openai, emu) = backends(&["nomic-embed-text"]).await;
    let dir = tempfile::tempdir().unwrap();
    let export = write_export(dir.path(), "e.json", &export_json(3, &[], ""));
    seed(&emu, &["m000", "m001", "m002"], DIM);
    let out = memlens(dir.path(), &openai, "nomic-embed-text", &emu)
        .args(["status", "--json"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let labels: Vec<&str> = v["memories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["present"; 3], "{}", text(&out));
    assert_eq!(v["counts"]["mismatch"].as_u64().unwrap_or(0), 0);
    // The dimension was learned with one tiny request.
    assert_eq!(openai.request_count(), 1);

    // --verify has embedded them: fresh or stale, never a mismatch.
    let out = memlens(dir.path(), &openai, "nomic-embed-text", &emu)
        .args(["status", "--verify", "--json"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for m in v["memories"].as_array().unwrap() {
        assert!(
            ["fresh", "stale"].contains(&m["status"].as_str().unwrap()),
            "{m:#}"
        );
    }

    // A plan knows the dimension (its request estimate is built on it).
    let out = memlens(dir.path(), &openai, "nomic-embed-text", &emu)
        .args(["reprocess", "--stale", "--dry-run", "--json"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let plan: Value = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["type"] == "plan")
        .unwrap_or_else(|| panic!("no plan in {}", text(&out)));
    assert_eq!(plan["dimension"], DIM, "{plan:#}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plan_is_built_on_a_dimension_that_cannot_be_learned() {
    let (openai, emu) = backends(&["nomic-embed-text"]).await;
    let dir = tempfile::tempdir().unwrap();
    let export = write_export(dir.path(), "e.json", &export_json(2, &[], ""));
    // The server does not know the model: the dimension cannot be learned.
    let out = memlens(dir.path(), &openai, "bge-m3", &emu)
        .args(["reprocess", "--all", "--dry-run"])
        .arg(&export)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("plan"));
    assert!(emu.requests_to("/vectors/upsert").is_empty());
}

// ---- 2. a second process on the same data dir ----

/// Vector ids upserted by the recorded `/vectors/upsert` requests.
fn upserted_ids(emu: &PineconeEmulator) -> Vec<String> {
    emu.requests_to("/vectors/upsert")
        .iter()
        .flat_map(|r| {
            r.json()["vectors"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|v| v["id"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

/// Start `reprocess --all --yes` of a 60-memory export in the background, slowed by the
/// fake's latency, and wait (bounded) until it has written something.
async fn start_slow_run(
    dir: &Path,
    openai: &FakeOpenAi,
    emu: &PineconeEmulator,
    export: &Path,
) -> std::process::Child {
    let child = memlens(dir, openai, "tiny-embed", emu)
        .args([
            "reprocess",
            "--all",
            "--yes",
            "--batch-size",
            "4",
            "--concurrency",
            "1",
        ])
        .arg(export)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while emu.records(NS).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "the first run wrote nothing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    child
}

async fn slow_backends() -> (FakeOpenAi, PineconeEmulator) {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.default_dim = DIM;
    opts.latency = std::time::Duration::from_millis(150);
    (
        FakeOpenAi::start(opts).await,
        PineconeEmulator::start(DIM).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_reprocess_neither_resumes_nor_writes_and_names_the_holder() {
    let (openai, emu) = slow_backends().await;
    let dir = tempfile::tempdir().unwrap();
    let export = write_export(dir.path(), "e.json", &export_json(60, &[], ""));
    let mut first = start_slow_run(dir.path(), &openai, &emu, &export).await;
    let before = upserted_ids(&emu).len();

    let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
        .args(["reprocess", "--id", "m059", "--yes"])
        .arg(&export)
        .output()
        .unwrap();
    let still_running = first.try_wait().unwrap().is_none();
    let _ = first.kill();
    let _ = first.wait();
    assert!(
        still_running,
        "the first run ended before the second started"
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "a reprocess of this data dir is running (pid {}); wait, or use another --data-dir",
            first.id()
        )),
        "{}",
        text(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("plan"));
    // The second process wrote nothing: m059 is the last of the first run's plan, and
    // the first run was killed long before it.
    assert!(!upserted_ids(&emu).contains(&format!("{UID}-m059")));
    assert!(upserted_ids(&emu).len() >= before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_does_only_its_own_plan_unless_resume_is_asked() {
    let (openai, emu) = slow_backends().await;
    let dir = tempfile::tempdir().unwrap();
    let export = write_export(dir.path(), "e.json", &export_json(60, &[], ""));
    // A first run, killed mid-way: its journal says unfinished.
    let mut first = start_slow_run(dir.path(), &openai, &emu, &export).await;
    first.kill().unwrap();
    first.wait().unwrap();
    let written_before = emu.records(NS).len();
    assert!(
        written_before < 60,
        "the first run finished before the kill"
    );
    emu.clear_requests();

    // `--id ONE --yes` writes that one memory and nothing of the old run.
    let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
        .args(["reprocess", "--id", "m059", "--yes"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        upserted_ids(&emu),
        [format!("{UID}-m059")],
        "{}",
        text(&out)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("--resume finishes it"), "{}", text(&out));

    // --resume finishes the old run.
    let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
        .args(["reprocess", "--resume", "--yes"])
        .arg(&export)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(emu.records(NS).len(), 60, "{}", text(&out));
}

// ---- 1. an incomplete export ----

/// 10 memories stored, the export holds the first 8 (and what `tail`/`bad` add): m008
/// and m009 are "not in the export".
async fn orphans_of(tail: &str, bad: &[Value], extra: &[&str]) -> (Output, PineconeEmulator) {
    let (openai, emu) = backends(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..10).map(|i| format!("m{i:03}")).collect();
    seed(
        &emu,
        &ids.iter().map(String::as_str).collect::<Vec<_>>(),
        DIM,
    );
    let export = write_export(dir.path(), "e.json", &export_json(8, bad, tail));
    let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
        .arg("orphans")
        .arg(&export)
        .args(extra)
        .output()
        .unwrap();
    (out, emu)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_says_it_is_incomplete_is_refused_for_orphan_deletes() {
    for tail in [
        r#""export_complete": false"#,
        // A late-2026 (streamed) export whose marker never came: cut short.
        r#""task_data": {"candidates": []}"#,
    ] {
        let (out, emu) = orphans_of(tail, &[], &["--delete", "--yes"]).await;
        assert_eq!(out.status.code(), Some(1), "{tail}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("refusing to delete") && stderr.contains("--allow-incomplete-export"),
            "{tail}: {}",
            text(&out)
        );
        assert!(emu.requests_to("/vectors/delete").is_empty(), "{tail}");
        assert_eq!(emu.records(NS).len(), 10, "{tail}");

        // The dry run lists them, saying the export is incomplete.
        let (out, _) = orphans_of(tail, &[], &[]).await;
        assert!(out.status.success(), "{}", text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("2 orphans") && stdout.contains("warning: the export"),
            "{stdout}"
        );

        // Naming the risk deletes them.
        let (out, emu) = orphans_of(
            tail,
            &[],
            &["--delete", "--yes", "--allow-incomplete-export"],
        )
        .await;
        assert!(out.status.success(), "{}", text(&out));
        assert_eq!(emu.records(NS).len(), 8, "{tail}");
    }
    // A complete export, and one from before the marker existed, delete as before.
    for tail in [r#""export_complete": true"#, ""] {
        let (out, emu) = orphans_of(tail, &[], &["--delete", "--yes"]).await;
        assert!(out.status.success(), "{tail}: {}", text(&out));
        assert_eq!(emu.records(NS).len(), 8, "{tail}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_that_could_not_be_read_is_not_an_orphan() {
    // m008's record is there but unreadable (its title is a number).
    let bad = [json!({
        "id": "m008",
        "created_at": "2025-03-09T10:00:00+00:00",
        "structured": {"title": 42, "overview": "x", "category": "personal"}
    })];
    let (out, emu) = orphans_of(r#""export_complete": true"#, &bad, &["--delete", "--yes"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be read"),
        "{}",
        text(&out)
    );
    assert_eq!(emu.records(NS).len(), 10);
    // Even when the risk is named, m008's vector is kept: only m009 goes.
    let (out, emu) = orphans_of(
        r#""export_complete": true"#,
        &bad,
        &["--delete", "--yes", "--allow-incomplete-export", "--json"],
    )
    .await;
    assert!(out.status.success(), "{}", text(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["scan"]["unreadable"], json!([format!("{UID}-m008")]));
    let left: Vec<String> = emu.records(NS).into_keys().collect();
    assert!(left.contains(&format!("{UID}-m008")) && !left.contains(&format!("{UID}-m009")));
}

#[test]
fn check_says_whether_the_export_is_complete() {
    let dir = tempfile::tempdir().unwrap();
    let run = |tail: &str| {
        let p = write_export(dir.path(), "c.json", &export_json(2, &[], tail));
        let out = Command::new(env!("CARGO_BIN_EXE_memlens"))
            .env_clear()
            .arg("check")
            .arg(&p)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.starts_with("complete"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(run(r#""export_complete": false"#).contains("NO: the export says it is incomplete"));
    assert!(run(r#""frame_requests": []"#).contains("NO: the export looks cut short"));
    assert!(run(r#""export_complete": true"#).contains("yes"));
    assert!(run("").contains("assumed"));
}

// ---- 4. never into a namespace of another kind ----

/// A conversation is never written into, nor its orphans deleted from, the namespace Omi
/// keeps another kind in: `--namespace ns2` (Omi's facts) refuses both, naming the reason,
/// and the emulator sees no upsert and no delete. Before the guard the reprocess wrote a
/// conversation vector into `ns2`, and the orphan scan called every fact an orphan.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conversations_never_go_into_another_kinds_namespace() {
    let (openai, emu) = backends(&["tiny-embed"]).await;
    let dir = tempfile::tempdir().unwrap();
    emu.seed(
        "ns2",
        (0..3).map(|i| {
            (
                format!("{UID}-fact{i}"),
                StoredVector {
                    values: fake_openai::vector_for_text("a fact", DIM),
                    metadata: memlens::omi::fact_conventions::fact_metadata(
                        UID,
                        &format!("fact{i}"),
                        "interests",
                        1_740_823_200,
                    ),
                },
            )
        }),
    );
    let export = write_export(dir.path(), "e.json", &export_json(4, &[], ""));
    let runs: [&[&str]; 2] = [
        &["reprocess", "--id", "m000", "--yes"],
        &["orphans", "--delete", "--yes"],
    ];
    for args in runs {
        let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
            .args(["--namespace", "ns2"])
            .arg(args[0])
            .arg(&export)
            .args(&args[1..])
            .output()
            .unwrap();
        assert!(!out.status.success(), "{args:?}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("namespace ns2 holds Omi's facts"),
            "{args:?}: {}",
            text(&out)
        );
        assert!(emu.requests_to("/vectors/upsert").is_empty(), "{args:?}");
        assert!(emu.requests_to("/vectors/delete").is_empty(), "{args:?}");
        assert_eq!(emu.records("ns2").len(), 3, "{args:?}");
    }
    // Its own namespace works as before.
    let out = memlens(dir.path(), &openai, "tiny-embed", &emu)
        .arg("reprocess")
        .arg(&export)
        .args(["--id", "m000", "--yes"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(emu.records(NS).len(), 1);
}
