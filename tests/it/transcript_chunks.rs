//! Nothing silently empty (issue 23, item 5), from the command line: `golden run` on a
//! fresh data dir indexes `ns1` and `ns_tchunks` first on the offline default (the real
//! all-MiniLM-L6-v2), and a second run indexes nothing; with `--no-index` it says what each
//! namespace holds and keeps no baseline; an expected id the export lacks is reported as
//! a typo, not a miss; against a remote store whose `ns_tchunks` is empty, search says
//! "holds 0 of N" before the results.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::explain::lender_fixture;
use crate::support::pinecone_emulator::{API_KEY, PineconeEmulator};

/// The real binary, offline default (all-MiniLM-L6-v2, local store) in `data_dir`.
fn memlens_minilm(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    c.env_clear()
        .env("HOME", data_dir)
        .env("XDG_CONFIG_HOME", data_dir)
        .env("NO_COLOR", "1")
        .args(["--store", "local", "--embedder", "minilm", "--data-dir"])
        .arg(data_dir);
    c
}

fn ok(out: &Output) -> (String, String) {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}

/// A labelled set in the committed JSON shape: one real query, one with a typo'd id.
fn golden(dir: &Path) -> String {
    let path = dir.join("labelled.json");
    std::fs::write(
        &path,
        r#"[
  {"query": "refinancing with the lender", "memory_id": "lender-errands"},
  {"query": "guitar practice", "memory_id": "guitr"}
]"#,
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn golden_run_on_a_fresh_data_dir_indexes_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = golden(d);
    let f = lender_fixture().display().to_string();
    let (out, err) = ok(&memlens_minilm(d)
        .args(["golden", "run", "--file", &g, "--export", &f, "--json"])
        .output()
        .unwrap());
    assert!(err.contains("indexing 8 memories into ns1"), "{err}");
    assert!(
        err.contains("transcript chunks into ns_tchunks with all-MiniLM-L6-v2"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    let run = &v["run"];
    let lender = &run["queries"][0]["expected"][0];
    assert_eq!(lender["rank"], 1, "{run}");
    assert_eq!(lender["chunk_rank"], 1, "its transcript says it: {run}");
    let typo = &run["queries"][1]["expected"][0];
    assert_eq!(typo["not_in_export"], true);
    assert_eq!(run["skipped"], 1, "the typo query is not counted");
    assert_eq!(run["recall_at_k"], 1.0);
    assert!(v["empty_namespace"].is_null());
    // The second run finds everything indexed and says the typo plainly.
    let (out, err) = ok(&memlens_minilm(d)
        .args(["golden", "run", "--file", &g, "--export", &f])
        .output()
        .unwrap());
    assert!(!err.contains("indexing"), "{err}");
    assert!(out.contains("not in the export (typo?)"), "{out}");
    assert!(out.contains("top-1 1.000"), "{out}");
}

#[test]
fn without_indexing_it_says_what_each_namespace_holds_and_keeps_no_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let g = golden(d);
    let f = lender_fixture().display().to_string();
    let (out, err) = ok(&memlens_minilm(d)
        .args(["golden", "run", "--file", &g, "--export", &f, "--no-index"])
        .output()
        .unwrap());
    assert!(
        err.contains("ns1 holds 0 of this export's 8 memories"),
        "{err}"
    );
    assert!(
        err.contains("ns_tchunks holds 0 of this export's 8 chunks"),
        "{err}"
    );
    assert!(out.contains("not kept as the baseline"), "{out}");
    assert!(!d.join("golden-runs").exists());
}

#[tokio::test]
async fn a_remote_store_with_no_chunks_says_so_before_the_results() {
    let emu = PineconeEmulator::start(memlens::embed::builtin::DIMENSION).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_path_buf();
    let f = lender_fixture().display().to_string();
    let url = emu.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_memlens"))
            .env_clear()
            .env("HOME", &d)
            .env("XDG_CONFIG_HOME", &d)
            .env("MEMLENS_DATA_DIR", &d)
            .env("MEMLENS_STORE", "pinecone")
            .env("MEMLENS_EMBEDDER", "builtin")
            .env("PINECONE_INDEX_HOST", url)
            .env("PINECONE_API_KEY", API_KEY)
            .env("NO_COLOR", "1")
            .args(["search", "lender", "--export", &f, "--mode", "chunks"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let (_, err) = ok(&out);
    assert!(
        err.contains(
            "ns_tchunks holds 0 of this export's 8 chunks (Omi writes transcript chunks only by backfill)"
        ),
        "{err}"
    );
    assert!(
        emu.requests_to("/vectors/upsert").is_empty(),
        "nothing written"
    );
}

/// A kind's search goes through the search every namespace shares: action items written
/// by the static model are not ranked against a query embedded by all-MiniLM-L6-v2 (the
/// local store records which model made a namespace), and the error names both.
#[test]
fn a_kind_search_refuses_a_namespace_made_by_another_model() {
    let dir = tempfile::tempdir().unwrap();
    let export = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-2026.json");
    let e = export.to_str().unwrap();
    let mut write = Command::new(env!("CARGO_BIN_EXE_memlens"));
    write
        .env_clear()
        .env("HOME", dir.path())
        .env("XDG_CONFIG_HOME", dir.path())
        .args(["--store", "local", "--embedder", "static", "--data-dir"])
        .arg(dir.path())
        .args(["reprocess", e, "--kind", "action-items", "--all"]);
    ok(&write.output().unwrap());
    let out = memlens_minilm(dir.path())
        .args([
            "search",
            "--kind",
            "action-items",
            "deposit invoice",
            "--export",
            e,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("namespace ns4 holds vectors made by"), "{err}");
}
