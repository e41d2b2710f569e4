//! `memlens embed` as a user runs it: offline with the built-in embedder, and against a
//! fake OpenAI-compatible server on 127.0.0.1.

use crate::support;

use std::path::Path;
use std::process::Command;

use support::fake_openai::{FakeOpenAi, Options, ServerKind};

fn memlens(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    for var in [
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "PINECONE_API_KEY",
        "PINECONE_INDEX_NAME",
        "PINECONE_INDEX_HOST",
        "MEMLENS_EMBEDDER",
        "MEMLENS_CONFIG",
    ] {
        c.env_remove(var);
    }
    c.env("MEMLENS_DATA_DIR", data_dir);
    let empty = data_dir.join("empty.toml");
    std::fs::write(&empty, "").unwrap();
    c.arg("--config").arg(empty);
    c
}

fn json_of(out: &std::process::Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("one JSON object")
}

#[test]
fn offline_text_and_memory() {
    let dir = tempfile::tempdir().unwrap();
    let out = memlens(dir.path())
        .args(["embed", "--json", "--text", "teeth cleaning at the dentist"])
        .output()
        .unwrap();
    let v = json_of(&out);
    // The offline default is the real model.
    assert_eq!(v["model"], "all-MiniLM-L6-v2");
    assert_eq!(v["dimension"], 384);
    assert_eq!(v["vector"].as_array().unwrap().len(), 384);
    assert!((v["norm"].as_f64().unwrap() - 1.0).abs() < 1e-4);
    assert!(v.get("windows").is_none());
    // The static table is the explicit fast choice.
    let out = memlens(dir.path())
        .args([
            "embed",
            "--json",
            "--embedder",
            "static",
            "--text",
            "teeth cleaning",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["model"], "memlens-minilm-static-128");
    assert_eq!(v["dimension"], 128);
    // A text longer than the model's 256-token window is reported as windows.
    let long = "we walked the dog along the river and talked ".repeat(40);
    let out = memlens(dir.path())
        .args(["embed", "--text", &long])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("windows    2 (the text is longer than the model's 256-token window"),
        "{text}"
    );

    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let export: serde_json::Value = serde_json::from_slice(&std::fs::read(&demo).unwrap()).unwrap();
    let id = export["conversations"][0]["id"].as_str().unwrap();
    let out = memlens(dir.path())
        .args(["embed", "--json", "--format", "omi-2024-07-30", "--id", id])
        .arg(&demo)
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["memory_id"], id);
    assert_eq!(v["format"], "omi-2024-07-30");
    assert!(v["text"].as_str().unwrap().contains("(CategoryEnum."));

    let out = memlens(dir.path())
        .args(["embed", "--id", "no-such-id"])
        .arg(&demo)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-id"));
}

#[test]
fn empty_stdin_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = memlens(dir.path())
        .arg("embed")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_a_compatible_server_and_the_key_never_shows() {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.api_key = Some("sk-test-CANARY-0123456789".into());
    let server = FakeOpenAi::start(opts).await;
    let dir = tempfile::tempdir().unwrap();
    let base = server.base_url();
    let mut cmd = memlens(dir.path());
    cmd.env("OPENAI_API_KEY", "sk-test-CANARY-0123456789")
        .env("OPENAI_BASE_URL", &base)
        .env("MEMLENS_OPENAI_MODEL", "tiny-embed")
        .args(["embed", "--json", "--text", "hello there"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["model"], "tiny-embed");
    assert_eq!(v["dimension"], 16);
    assert_eq!(server.request_count(), 1);

    // A wrong key: a clear message, and neither key is echoed.
    let mut cmd = memlens(dir.path());
    cmd.env("OPENAI_API_KEY", "sk-test-WRONG-9876543210")
        .env("OPENAI_BASE_URL", &base)
        .env("MEMLENS_OPENAI_MODEL", "tiny-embed")
        .args(["embed", "--text", "hello"]);
    let out = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("API key"), "{all}");
    assert!(
        !all.contains("WRONG-9876543210") && !all.contains("CANARY"),
        "{all}"
    );
}
