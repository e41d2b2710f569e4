//! Hybrid search and golden queries from the command line (the real binary, the local
//! store, the built-in embedder): the "lender" case — the word only in an action item and
//! the transcript — found first by `--mode text` and `--mode hybrid` with the snippet and
//! time, not first by semantic search alone; the full-text index built once, reused,
//! rebuilt after the export changes; `golden run` over the committed golden file for the
//! demo export with exact ranks; a reprocessed memory's rank change reported.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::explain::{index_lender_fixture, lender_fixture, memlens};

fn run(dir: &Path, args: &[&str]) -> Output {
    let out = memlens(dir).args(args).output().unwrap();
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

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn lender_is_found_first_by_text_and_hybrid_not_by_semantic() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let f = lender_fixture().display().to_string();
    let d = dir.path();

    let text = json_lines(&run(
        d,
        &[
            "search", "lender", "--export", &f, "--mode", "text", "--json",
        ],
    ));
    assert_eq!(text.len(), 1, "only one memory holds the word");
    assert_eq!(text[0]["memory_id"], "lender-errands");
    let matches = text[0]["text"]["matches"].as_array().unwrap();
    let transcript = matches.iter().find(|m| m["field"] == "transcript").unwrap();
    assert_eq!(transcript["place"], "transcript 00:12:31");
    assert_eq!(transcript["time"], 751.4);
    let snippet = transcript["snippet"].as_str().unwrap();
    let (s, e) = (
        transcript["highlights"][0][0].as_u64().unwrap() as usize,
        transcript["highlights"][0][1].as_u64().unwrap() as usize,
    );
    assert_eq!(&snippet[s..e], "lender");
    assert!(matches.iter().any(|m| m["place"] == "action item 2"));
    assert!(text[0]["semantic"].is_null());

    let hybrid = json_lines(&run(d, &["search", "lender", "--export", &f, "--json"]));
    assert_eq!(hybrid[0]["memory_id"], "lender-errands");
    assert_eq!(hybrid[0]["mode"], "hybrid");
    assert_eq!(hybrid[0]["text"]["rank"], 1);
    let sem_rank = hybrid[0]["semantic"]["rank"].as_u64().unwrap();
    assert!(sem_rank > 1);
    // Fused: its cosine plus the full weight of the lexical evidence (it alone holds the
    // query's one word).
    let score = hybrid[0]["score"].as_f64().unwrap();
    let cosine = hybrid[0]["semantic"]["score"].as_f64().unwrap();
    assert!(
        (score - (cosine + memlens::sync::hybrid::LEXICAL_WEIGHT)).abs() < 1e-6,
        "{score} {cosine}"
    );

    let semantic = json_lines(&run(
        d,
        &[
            "search", "lender", "--export", &f, "--mode", "semantic", "--json",
        ],
    ));
    assert_ne!(semantic[0]["memory_id"], "lender-errands");
    let found = semantic
        .iter()
        .find(|h| h["memory_id"] == "lender-errands")
        .unwrap();
    assert_eq!(found["rank"].as_u64(), Some(sem_rank));
    // Semantic mode prints exactly today's lines (Omi's query_vectors): no text part.
    assert!(semantic[0].get("text").is_none());
    assert!(semantic[0]["score"].is_number());

    // The text form: the snippet with the match marked, and its time.
    let out = run(d, &["search", "lender", "--export", &f]);
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        printed.contains("transcript 00:12:31  Oh, and then refinancing with the *lender* came up"),
        "{printed}"
    );
    assert!(printed.contains(memlens::sync::hybrid::FUSION), "{printed}");
}

#[tokio::test]
async fn the_index_is_built_once_reused_and_rebuilt_after_a_change() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let d = dir.path();
    let copy = d.join("export.json");
    std::fs::copy(lender_fixture(), &copy).unwrap();
    let f = copy.display().to_string();
    let first = run(d, &["search", "lender", "--export", &f, "--mode", "text"]);
    assert!(
        stderr(&first).contains("full-text index built: 8 memories"),
        "{}",
        stderr(&first)
    );
    let again = run(d, &["search", "lender", "--export", &f, "--mode", "text"]);
    assert!(
        !stderr(&again).contains("built"),
        "reopened, not rebuilt: {}",
        stderr(&again)
    );
    // The same content under another name is the same index.
    let renamed = d.join("renamed.json");
    std::fs::copy(&copy, &renamed).unwrap();
    let other = run(
        d,
        &[
            "search",
            "lender",
            "--export",
            renamed.to_str().unwrap(),
            "--mode",
            "text",
        ],
    );
    assert!(!stderr(&other).contains("built"), "{}", stderr(&other));
    // Changing the export rebuilds, and the new text is searchable.
    let text = std::fs::read_to_string(&copy).unwrap();
    std::fs::write(
        &copy,
        text.replace("Caught up with Priya", "Caught up with the lender Priya"),
    )
    .unwrap();
    let changed = run(
        d,
        &[
            "search", "lender", "--export", &f, "--mode", "text", "--json",
        ],
    );
    assert!(
        stderr(&changed).contains("full-text index built"),
        "{}",
        stderr(&changed)
    );
    assert_eq!(json_lines(&changed).len(), 2);
}

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json")
}

fn golden_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden/demo-golden.toml")
}

const BOARD_GAMES: &str = "092fbcdc-77c2-4d52-9b67-b186eb6b41c6";

/// (query, memory id) → rank, from a golden run's JSON.
fn ranks(v: &Value) -> Vec<(String, String, Option<u64>)> {
    v["run"]["queries"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|q| {
            q["expected"].as_array().unwrap().iter().map(move |e| {
                (
                    q["query"].as_str().unwrap().to_string(),
                    e["memory_id"].as_str().unwrap().to_string(),
                    e["rank"].as_u64(),
                )
            })
        })
        .collect()
}

#[test]
fn golden_run_over_the_demo_export_gives_exact_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let demo = demo().display().to_string();
    let golden = golden_file().display().to_string();
    run(d, &["reprocess", &demo, "--all", "--yes"]);

    // Full text ranks do not depend on the embedder: exact numbers.
    let out = run(
        d,
        &[
            "golden", "run", "--file", &golden, "--export", &demo, "--mode", "text", "--json",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ranks(&v),
        [
            (
                "lender quotes",
                "099b40ab-1035-4050-98c2-0aa031c108c5",
                Some(1)
            ),
            (
                "knee surgery",
                "ce44cfac-b501-4e39-8f3d-1542671714de",
                Some(1)
            ),
            (
                "tax extension",
                "562e8227-4eaf-4911-a393-6478d00ce114",
                Some(1)
            ),
            ("board games with friends", BOARD_GAMES, Some(1)),
            (
                "spanish subjunctive",
                "ad3ad983-543e-44e1-a24c-aea268e59cd2",
                Some(1)
            ),
            ("spanish subjunctive", BOARD_GAMES, None),
        ]
        .map(|(q, id, r)| (q.to_string(), id.to_string(), r))
    );
    assert_eq!(v["run"]["top_k"], 10);
    assert!((v["run"]["recall_at_k"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    assert!((v["run"]["mrr"].as_f64().unwrap() - 1.0).abs() < 1e-12);
    assert!(v["change"].is_null(), "first run of the file in this mode");

    // Semantic ranks: exactly where `memlens search --mode semantic` puts each id.
    let out = run(
        d,
        &[
            "golden", "run", "--file", &golden, "--export", &demo, "--mode", "semantic", "--json",
        ],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    for (query, id, rank) in ranks(&v) {
        let hits = json_lines(&run(
            d,
            &[
                "search",
                &query,
                "--mode",
                "semantic",
                "--top-k",
                "100",
                "--json",
                "--uid",
                "demo-sam-rivera",
            ],
        ));
        let want = hits
            .iter()
            .find(|h| h["memory_id"] == id.as_str())
            .map(|h| h["rank"].as_u64().unwrap());
        assert_eq!(rank, want, "{query:?} {id}");
    }
    // A second run of the same mode reports no change.
    let out = run(
        d,
        &[
            "golden", "run", "--file", &golden, "--export", &demo, "--mode", "semantic", "--json",
        ],
    );
    let again: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["change"]["ranks"].as_array().unwrap().len(), 0);
    assert_eq!(again["change"]["mrr_delta"], 0.0);
}

#[test]
fn a_reprocessed_memory_moves_and_the_change_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let export = d.join("export.json");
    std::fs::copy(demo(), &export).unwrap();
    let e = export.display().to_string();
    run(d, &["reprocess", &e, "--all", "--yes"]);
    let golden = d.join("golden.toml").display().to_string();
    run(
        d,
        &[
            "golden",
            "add",
            "board games with friends",
            "--id",
            BOARD_GAMES,
            "--file",
            &golden,
        ],
    );
    let before: Value = serde_json::from_slice(
        &run(
            d,
            &[
                "golden", "run", "--file", &golden, "--export", &e, "--mode", "semantic", "--json",
            ],
        )
        .stdout,
    )
    .unwrap();
    let rank_before = ranks(&before)[0].2;
    assert!(rank_before.is_some_and(|r| r <= 3), "{rank_before:?}");

    // The memory is edited into something else and reprocessed.
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    let memory = doc["conversations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == BOARD_GAMES)
        .unwrap();
    memory["structured"]["title"] = "Car insurance renewal".into();
    memory["structured"]["overview"] = "Filled in the renewal forms and compared premiums.".into();
    memory["structured"]["action_items"] = Value::Array(vec![]);
    memory["structured"]["events"] = Value::Array(vec![]);
    std::fs::write(&export, serde_json::to_vec(&doc).unwrap()).unwrap();
    run(d, &["reprocess", &e, "--id", BOARD_GAMES, "--yes"]);

    let out = run(
        d,
        &[
            "golden", "run", "--file", &golden, "--export", &e, "--mode", "semantic", "--json",
        ],
    );
    let after: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rank_after = ranks(&after)[0].2;
    assert!(
        rank_after.is_none_or(|a| a > rank_before.unwrap()),
        "{rank_before:?} → {rank_after:?}"
    );
    let moved = after["change"]["ranks"].as_array().unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0]["memory_id"], BOARD_GAMES);
    assert_eq!(moved[0]["before"].as_u64(), rank_before);
    assert_eq!(moved[0]["after"].as_u64(), rank_after);
    assert!(after["change"]["mrr_delta"].as_f64().unwrap() < 0.0);
    // And the text form says so.
    let out = run(
        d,
        &[
            "golden", "run", "--file", &golden, "--export", &e, "--mode", "semantic",
        ],
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(printed.contains("since the last run"), "{printed}");
}
