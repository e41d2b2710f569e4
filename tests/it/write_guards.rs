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
