//! `memlens doctor` against a fake OpenAI server and the Pinecone emulator on 127.0.0.1:
//! an index of another dimension or metric fails its check, an unknown index name
//! fails host resolution, a model the server lacks fails with the fix to try.

use crate::support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use support::fake_openai::{FakeOpenAi, Options, ServerKind};
use support::pinecone_emulator::{API_KEY, INDEX_NAME, PineconeEmulator};

fn doctor(dir: &Path, env: &[(&str, String)]) -> (Output, Vec<Value>) {
    let config = dir.join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    for (k, _) in std::env::vars() {
        if k.starts_with("MEMLENS_") || k.starts_with("OPENAI_") || k.starts_with("PINECONE_") {
            c.env_remove(k);
        }
    }
    c.env("MEMLENS_DATA_DIR", dir.join("data"))
        .env("MEMLENS_UID", "u1");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c
        .arg("--config")
        .arg(&config)
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    let checks = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    (out, checks)
}

fn status<'a>(checks: &'a [Value], name: &str) -> &'a str {
    checks
        .iter()
        .find(|c| c["check"] == name)
        .and_then(|c| c["status"].as_str())
        .unwrap_or_else(|| panic!("no check {name} in {checks:#?}"))
}

async fn backends(dim: usize, metric: &str) -> (FakeOpenAi, PineconeEmulator) {
    let openai = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start_with_metric(dim, metric).await;
    (openai, emu)
}

fn env_for(
    openai: &FakeOpenAi,
    emu: &PineconeEmulator,
    index: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("OPENAI_BASE_URL", openai.base_url()),
        ("PINECONE_API_KEY", API_KEY.to_string()),
        ("PINECONE_INDEX_NAME", index.to_string()),
        ("PINECONE_CONTROLLER_HOST", emu.url()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matching_index_passes_and_an_empty_namespace_warns() {
    let (openai, emu) = backends(3072, "cosine").await;
    let dir = tempfile::tempdir().unwrap();
    let (out, checks) = doctor(dir.path(), &env_for(&openai, &emu, INDEX_NAME));
    assert!(out.status.success(), "{checks:#?}");
    assert_eq!(status(&checks, "embedder answers"), "pass");
    assert_eq!(status(&checks, "pinecone index"), "pass");
    assert_eq!(status(&checks, "index dimension"), "pass");
    assert_eq!(status(&checks, "index metric"), "pass");
    assert_eq!(status(&checks, "namespaces"), "warn");
    assert_eq!(status(&checks, "openai key"), "pass");
    assert!(
        checks
            .iter()
            .all(|c| c["fix"].is_null() || c["fix"].is_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_dimension_or_metric_fails() {
    let (openai, emu) = backends(1536, "dotproduct").await;
    let dir = tempfile::tempdir().unwrap();
    let (out, checks) = doctor(dir.path(), &env_for(&openai, &emu, INDEX_NAME));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(status(&checks, "index dimension"), "fail");
    assert_eq!(status(&checks, "index metric"), "fail");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_index_or_model_fails_with_a_fix() {
    let (openai, emu) = backends(3072, "cosine").await;
    let dir = tempfile::tempdir().unwrap();
    let mut env = env_for(&openai, &emu, "no-such-index");
    env.push(("MEMLENS_OPENAI_MODEL", "no-such-model".into()));
    let (out, checks) = doctor(dir.path(), &env);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(status(&checks, "pinecone index"), "fail");
    assert_eq!(status(&checks, "index dimension"), "skip");
    assert_eq!(status(&checks, "embedder answers"), "fail");
    let fix = checks
        .iter()
        .find(|c| c["check"] == "embedder answers")
        .and_then(|c| c["fix"].as_str())
        .unwrap();
    assert!(fix.contains("MEMLENS_OPENAI_MODEL"), "{fix}");
}
