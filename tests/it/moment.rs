//! Where the answer is, from the command line (the real binary, the local store, the
//! built-in embedder) over `tests/fixtures/search/moment-export.json`: a question whose
//! words only the transcript holds shows the chunk's time range and lines with the words
//! marked, and `--json` carries each side's rank and score and the best chunk; `explain`
//! ranks the memory in the mode searched (the fused rank `search` shows) with one row per
//! side; `🎂` and `OR` search the other sides with a note; `東京` finds `東京出張の会議`
//! and explain agrees.

use std::path::{Path, PathBuf};
use std::process::Output;

use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::load_path;
use memlens::omi::text::{TextFormat, render};
use memlens::store::local::LocalStore;
use memlens::store::{Record, VectorStore};
use serde_json::Value;

use crate::explain::memlens;

pub(crate) fn moment_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search/moment-export.json")
}

/// Index the fixture in a local store in `dir` as Omi would (built-in embedder).
async fn index_fixture(dir: &Path) {
    let export = load_path(&moment_fixture()).unwrap();
    let uid = export.profile_uid.clone().unwrap();
    let embedder = BuiltinEmbedder::new().unwrap();
    let store = LocalStore::open(&dir.join("store.db")).unwrap();
    let texts: Vec<String> = export
        .memories
        .iter()
        .map(|m| render(&m.structured, TextFormat::CURRENT))
        .collect();
    let vectors = embedder.embed(&texts).await.unwrap();
    let records = export
        .memories
        .iter()
        .zip(vectors)
        .map(|(m, values)| Record {
            id: vector_id(&uid, &m.id),
            values,
            metadata: memory_metadata(&uid, &m.id, m.created_at.as_ref().unwrap().timestamp()),
        })
        .collect();
    store.upsert("ns1", records).await.unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = memlens(dir)
        .args(args)
        .arg("--export")
        .arg(moment_fixture())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const QUESTION: &str = "when is the caterer deposit due";

#[tokio::test]
async fn a_transcript_answer_shows_its_moment_and_json_carries_every_side() {
    let dir = tempfile::tempdir().unwrap();
    index_fixture(dir.path()).await;
    let d = dir.path();

    let hits = json_lines(&run(d, &["search", QUESTION, "--json"]));
    let hit = hits
        .iter()
        .find(|h| h["memory_id"] == "caterer-call")
        .expect("the call is found");
    assert_eq!(hit["mode"], "hybrid");
    // Each side: rank and score, or null when it did not find it.
    assert!(hit["text"]["rank"].as_u64().unwrap() >= 1);
    assert!(hit["text"]["score"].as_f64().unwrap() > 0.0);
    assert!(hit["semantic"]["rank"].as_u64().unwrap() >= 1);
    assert!(hit["semantic"]["score"].as_f64().is_some());
    assert!(hit.get("chunk").is_some(), "the chunk side's key: {hit}");
    // The best chunk: segment 10 is in chunks 0 (segments 0–7)? no; 1 (6–13) and not 2
    // (12–15): chunk 1, from segment 6 (739 s) to the end of segment 13 (789.5 s).
    let best = &hit["best_chunk"];
    assert_eq!(best["conversation_id"], "caterer-call");
    assert_eq!(best["chunk_index"], 1);
    assert_eq!(best["start"], 739.0);
    assert_eq!(best["end"], 789.5);
    assert_eq!(best["via"], "transcript");
    assert_eq!(best["segment"], 10);
    let lines = best["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 8);
    let answer = lines.iter().find(|l| l["segment"] == 10).unwrap();
    assert_eq!(answer["speaker"], "Speaker 1");
    let text = answer["text"].as_str().unwrap();
    let marked: Vec<&str> = answer["highlights"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &text[r[0].as_u64().unwrap() as usize..r[1].as_u64().unwrap() as usize])
        .collect();
    assert_eq!(marked, ["caterer", "deposit", "due"]);

    // For people: the range, the chunk, the answering line with the words marked.
    let out = String::from_utf8(run(d, &["search", QUESTION]).stdout).unwrap();
    assert!(
        out.contains("[00:12:19–00:13:09] chunk c1 via the transcript match"),
        "{out}"
    );
    assert!(
        out.contains(
            "› 00:12:45 Speaker 1: The *caterer* said the *deposit* is *due* Friday, twelve hundred dollars."
        ),
        "{out}"
    );

    // explain ranks it where the hybrid search put it, then each side.
    let rank = hit["rank"].as_u64().unwrap();
    let e: Value = serde_json::from_slice(
        &run(d, &["explain", QUESTION, "--id", "caterer-call", "--json"]).stdout,
    )
    .unwrap();
    assert_eq!(e["searched"]["mode"], "hybrid");
    assert_eq!(e["searched"]["rank"].as_u64(), Some(rank));
    assert_eq!(e["checks"][0]["name"], "shown_in_mode");
    let sides: Vec<&str> = e["sides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["side"].as_str().unwrap())
        .collect();
    assert_eq!(sides, ["semantic", "chunks", "text"]);
    assert_eq!(e["sides"][2]["rank"], hit["text"]["rank"]);
    assert_eq!(e["sides"][0]["rank"], hit["semantic"]["rank"]);
    assert!(
        e["fix"].as_str().unwrap().starts_with(&format!(
            "nothing to fix: the hybrid search shows it at rank {rank}"
        )),
        "{}",
        e["fix"]
    );
    let out =
        String::from_utf8(run(d, &["explain", QUESTION, "--id", "caterer-call"]).stdout).unwrap();
    let second = out.lines().nth(1).unwrap();
    assert!(
        second.starts_with(&format!("hybrid: rank {rank} · shown (top 10)")),
        "the fused rank first:\n{out}"
    );
}

#[tokio::test]
async fn queries_with_no_word_search_the_other_sides_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    index_fixture(dir.path()).await;
    for q in ["🎂", "OR", "?!", "what was it"] {
        let out = run(dir.path(), &["search", q, "--json"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("note: text side skipped"), "{q}: {err}");
        let hits = json_lines(&out);
        assert!(!hits.is_empty(), "{q}: the semantic side answers");
        assert!(hits.iter().all(|h| h["text"].is_null()));
        // explain agrees: the text side is a row that did not run.
        let e: Value = serde_json::from_slice(
            &run(dir.path(), &["explain", q, "--id", "birthday", "--json"]).stdout,
        )
        .unwrap();
        assert_eq!(e["sides"][2]["ran"], false, "{q}");
        assert!(
            e["sides"][2]["detail"]
                .as_str()
                .unwrap()
                .starts_with("text side skipped"),
            "{q}: {}",
            e["sides"][2]
        );
    }
    // Text mode has no other side: a clear error, not a crash.
    let out = memlens(dir.path())
        .args(["search", "🎂", "--mode", "text", "--export"])
        .arg(moment_fixture())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("nothing to search for"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn cjk_substrings_are_found_and_explained() {
    let dir = tempfile::tempdir().unwrap();
    index_fixture(dir.path()).await;
    let d = dir.path();
    let hits = json_lines(&run(d, &["search", "東京", "--mode", "text", "--json"]));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["memory_id"], "tokyo");
    let title = &hits[0]["text"]["matches"][0];
    assert_eq!(title["field"], "title");
    assert_eq!(title["snippet"], "東京出張の会議");
    // A substring of a run in the middle of the title, and in a transcript line.
    let hits = json_lines(&run(d, &["search", "田中", "--mode", "text", "--json"]));
    assert_eq!(hits[0]["memory_id"], "tokyo");
    assert_eq!(hits[0]["best_chunk"]["segment"], 1);

    let e: Value =
        serde_json::from_slice(&run(d, &["explain", "東京", "--id", "tokyo", "--json"]).stdout)
            .unwrap();
    assert_eq!(e["text"]["rank"], 1);
    assert_eq!(e["sides"][2]["rank"], 1);
    let full_text = e["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "full_text")
        .unwrap();
    assert_eq!(full_text["outcome"], "pass", "{full_text}");
}
