//! `memlens explain "QUERY" --id ID --kind facts|action-items|chunks` through the real
//! binary against the Pinecone emulator (127.0.0.1) with the built-in embedder: the
//! stores of `record_kinds` (ns4, ns_tchunks: a stale chunk, an orphan tail, a missing
//! item) and of `facts` (ns2, the §F8 sample), so each case is a record whose state is
//! known. Every case checks the rank and score Omi's own query gives, the checks and the
//! fix, and that explaining wrote nothing.

use std::path::Path;

use serde_json::Value;

use crate::facts;
use crate::record_kinds::{self, A, B, ITEM1, ITEM2, ITEM3, M, UID, aid, cid};
use crate::support::pinecone_emulator::PineconeEmulator;
use crate::support::{memlens_on_emulator as memlens, ok};

/// `memlens explain QUERY --id ID --kind KIND --export EXPORT [more…] --json`: one object.
async fn explain(
    emu: &PineconeEmulator,
    dir: &Path,
    (kind, export): (&str, &str),
    query: &str,
    id: &str,
    more: &[&str],
) -> Value {
    let mut all = vec![
        "explain", query, "--id", id, "--kind", kind, "--export", export,
    ];
    all.extend_from_slice(more);
    all.push("--json");
    let out = ok(&memlens(emu, dir, &all).await);
    assert_eq!(out.lines().count(), 1, "one JSON object: {out}");
    serde_json::from_str(&out).unwrap()
}

/// name → (outcome, detail) of every check.
fn check<'v>(v: &'v Value, name: &str) -> (&'v str, &'v str) {
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {v}"));
    (
        c["outcome"].as_str().unwrap(),
        c["detail"].as_str().unwrap(),
    )
}

/// The record the checks are about.
fn explained(v: &Value) -> &Value {
    &v["records"][v["explained"].as_u64().unwrap() as usize]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn action_items_found_below_the_threshold_and_missing() {
    let dir = tempfile::tempdir().unwrap();
    let export = record_kinds::fixture(dir.path());
    let emu = record_kinds::preloaded(&export).await;
    let before = emu.records("ns4");
    let e = export.display().to_string();

    // Found: its own words rank it first, over Omi's 0.3.
    let v = explain(
        &emu,
        dir.path(),
        ("action-items", &e),
        "Send the deposit invoice to finance",
        ITEM1,
        &[],
    )
    .await;
    assert_eq!(v["request"]["kind"], "action-items");
    assert_eq!(v["search"]["threshold"].as_f64(), Some(0.3));
    assert_eq!(v["top_k"], 10, "Omi's top_k for ns4 from the kind's table");
    let r = explained(&v);
    assert_eq!(
        (r["rank"].as_u64(), r["found"].as_bool()),
        (Some(1), Some(true))
    );
    assert!(r["score"].as_f64().unwrap() > 0.99, "{r}");
    assert_eq!(v["found"], true);
    for name in [
        "in_export",
        "omi_writes",
        "stored",
        "uid_metadata",
        "metadata",
        "fresh",
        "threshold",
        "in_top_k",
        "hydration",
    ] {
        assert_eq!(check(&v, name).0, "pass", "{name}: {v}");
    }
    assert_eq!(check(&v, "created_at_in_range").0, "not_applicable");
    assert_eq!(v["fix"], "nothing to fix: Omi's search finds it at rank 1");
    // Sent as Omi sends it: ns4, the uid filter, no date range; read deep for the rank.
    let q = emu.requests_to("/query");
    let body = q.last().unwrap().json();
    assert_eq!(body["namespace"], "ns4");
    assert_eq!(body["filter"].to_string(), format!(r#"{{"uid":"{UID}"}}"#));
    assert_eq!(body["topK"], 10_000);

    // Below the threshold: stored, fresh, ranked, but under 0.3.
    let v = explain(
        &emu,
        dir.path(),
        ("action-items", &e),
        "quarterly tax filing for the offshore subsidiary",
        ITEM3,
        &[],
    )
    .await;
    let r = explained(&v);
    let score = r["score"].as_f64().unwrap();
    assert!(score < 0.3, "the case needs a score under 0.3: {score}");
    assert!(r["rank"].as_u64().is_some());
    assert_eq!(r["found"], false);
    assert_eq!(check(&v, "fresh").0, "pass");
    let (outcome, detail) = check(&v, "threshold");
    assert_eq!(outcome, "fail");
    assert!(detail.contains("< 0.3: Omi's search drops it"), "{detail}");
    assert!(
        v["fix"].as_str().unwrap().contains("reword the query"),
        "{}",
        v["fix"]
    );

    // Missing: the export says Omi writes it, nothing is stored: the fix writes it.
    let v = explain(
        &emu,
        dir.path(),
        ("action-items", &e),
        "Draft the offsite agenda",
        ITEM2,
        &[],
    )
    .await;
    assert_eq!(explained(&v)["stored"], false);
    assert_eq!(v["found"], false);
    assert_eq!(check(&v, "omi_writes").0, "pass");
    let (outcome, detail) = check(&v, "stored");
    assert_eq!(outcome, "fail");
    assert!(detail.contains(&aid(ITEM2)), "{detail}");
    assert!(detail.contains("swallows a failed upsert"), "{detail}");
    assert_eq!(
        v["fix"],
        format!(
            "write it (memlens reprocess EXPORT --kind action-items --id {ITEM2} --yes): it has no vector"
        )
    );

    // A candidate: Omi writes none, on purpose.
    let v = explain(
        &emu,
        dir.path(),
        ("action-items", &e),
        "shuttle bus",
        "cand-1",
        &[],
    )
    .await;
    assert_eq!(check(&v, "omi_writes").0, "fail");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .starts_with("nothing to fix in the index: cand-1 is a task_data candidate"),
        "{}",
        v["fix"]
    );
    assert_eq!(emu.records("ns4"), before, "explaining writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_a_stale_one_and_one_outside_the_range() {
    let dir = tempfile::tempdir().unwrap();
    let export = record_kinds::fixture(dir.path());
    let emu = record_kinds::preloaded(&export).await;
    let before = emu.records("ns_tchunks");
    let e = export.display().to_string();

    // A's c1 holds the vector of an older text: the query is that text, so c1 is the best
    // chunk, found (rank 1, no threshold for chunks) but stale.
    let old = "[Conversation on 14 Oct 2026, 09:02]\nUser: Bye!\nSpeaker 1: See you.";
    let v = explain(&emu, dir.path(), ("chunks", &e), old, A, &[]).await;
    assert_eq!(v["top_k"], 60);
    assert!(v["search"]["threshold"].is_null());
    let keys: Vec<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["c0", "c1"], "each chunk of the conversation");
    let r = explained(&v);
    assert_eq!(r["vector_id"], cid(A, 1));
    assert_eq!(r["rank"], 1);
    assert!(r["similarity"].as_f64().unwrap() < 0.999, "{r}");
    assert!(v["records"][0]["similarity"].as_f64().unwrap() >= 0.999);
    let (outcome, detail) = check(&v, "fresh");
    assert_eq!(outcome, "fail");
    assert!(detail.contains("the text changed"), "{detail}");
    assert_eq!(check(&v, "threshold").0, "pass");
    assert_eq!(
        v["fix"],
        format!(
            "reprocess it (memlens reprocess EXPORT --kind chunks --id {A} --yes): the stored vector is of an older text"
        )
    );

    // B's chunk was made on 30 Sep: a range of October filters it out. B also holds an
    // orphan tail (c1, c2), ranked too but dropped by Omi's hydration.
    let v = explain(
        &emu,
        dir.path(),
        ("chunks", &e),
        "dentist appointment",
        B,
        &["--range", "2026-10-01..2026-10-31"],
    )
    .await;
    let r = explained(&v);
    assert_eq!(r["vector_id"], cid(B, 0));
    assert!(r["rank"].is_null(), "Omi's filter keeps it out: {r}");
    assert_eq!(r["score_source"], "cosine of the stored vector");
    assert!(r["rank_if_passed"].as_u64().is_some());
    let (outcome, detail) = check(&v, "created_at_in_range");
    assert_eq!(outcome, "fail");
    assert!(detail.contains("2026-09-30"), "{detail}");
    assert!(detail.contains("outside the range"), "{detail}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .starts_with("widen the range (e.g. --range 2026-09-30..2026-10-31)"),
        "{}",
        v["fix"]
    );
    let tail = &v["records"][2];
    assert_eq!(tail["vector_id"], cid(B, 2));
    assert!(
        tail["dropped"]
            .as_str()
            .unwrap()
            .contains("beyond the conversation's 1 chunk"),
        "{tail}"
    );
    // The query carried Omi's range.
    let q = emu.requests_to("/query");
    let body = q.last().unwrap().json();
    assert_eq!(body["namespace"], "ns_tchunks");
    assert!(
        body["filter"].to_string().contains("$gte"),
        "{}",
        body["filter"]
    );

    // The same in words.
    let out = ok(&memlens(
        &emu,
        dir.path(),
        &[
            "explain",
            "dentist appointment",
            "--id",
            B,
            "--kind",
            "chunks",
            "--export",
            &e,
            "--range",
            "2026-10-01..2026-10-31",
        ],
    )
    .await);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!(
            "explain \"dentist appointment\" for the chunks of conversation {B} (Quick call with the dentist)"
        )),
        "{out}"
    );
    assert!(lines[0].contains("Omi's top_k 60 · no threshold"), "{out}");
    assert!(
        lines[1].starts_with("transcript chunks: best chunk c0: filtered out (would rank"),
        "{out}"
    );
    assert!(lines[2].starts_with("  c0   filtered"), "{out}");
    assert!(lines[2].ends_with("◀"), "{out}");
    assert!(out.contains("  FAIL  created_at_in_range "), "{out}");
    assert!(out.contains("\nfix: widen the range"), "{out}");

    // A merged-away conversation: not in the export, its chunks still stored (found by
    // listing its prefix), ranked, and dropped: a left-over, not a typo.
    let v = explain(&emu, dir.path(), ("chunks", &e), "merged 0", M, &[]).await;
    assert_eq!(v["records"].as_array().unwrap().len(), 2);
    assert_eq!(explained(&v)["vector_id"], cid(M, 0));
    assert_eq!(explained(&v)["rank"], 1);
    assert_eq!(v["found"], false);
    assert_eq!(check(&v, "in_export").0, "fail");
    let fix = v["fix"].as_str().unwrap();
    assert!(fix.contains("is stored but no conversation"), "{fix}");
    assert!(fix.contains("merged away"), "{fix}");
    assert_eq!(
        emu.records("ns_tchunks"),
        before,
        "explaining writes nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facts_found_and_locked() {
    let dir = tempfile::tempdir().unwrap();
    let (emu, _) = facts::preloaded().await;
    // The §F8 sample with F3 locked (its vector stays, as Omi keeps it).
    let mut x: Value = serde_json::from_slice(&std::fs::read(facts::sample()).unwrap()).unwrap();
    for f in x["memories"].as_array_mut().unwrap() {
        if f["id"] == facts::F3 {
            f["is_locked"] = true.into();
        }
    }
    let export = dir.path().join("omi-export.json");
    std::fs::write(&export, serde_json::to_vec_pretty(&x).unwrap()).unwrap();
    let e = export.display().to_string();

    let v = explain(
        &emu,
        dir.path(),
        ("facts", &e),
        "Is training for the Ridgeline 50K trail race in June",
        facts::F1,
        &[],
    )
    .await;
    assert_eq!(v["request"]["namespace"], "ns2");
    let r = explained(&v);
    assert_eq!(
        (r["rank"].as_u64(), r["found"].as_bool()),
        (Some(1), Some(true))
    );
    // Omi's 0.85 and 0.7 lines, both cleared by its own words.
    let lines: Vec<(f64, bool)> = v["threshold_lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["score"].as_f64().unwrap(), l["passes"].as_bool().unwrap()))
        .collect();
    assert_eq!(lines, [(0.85, true), (0.7, true)]);
    let (outcome, detail) = check(&v, "threshold");
    assert_eq!(outcome, "pass");
    assert!(detail.contains("the 0.85 line"), "{detail}");
    assert_eq!(check(&v, "hydration").0, "pass");
    assert_eq!(v["fix"], "nothing to fix: Omi's search finds it at rank 1");
    let q = emu.requests_to("/query");
    let body = q.last().unwrap().json();
    assert_eq!(body["namespace"], "ns2");
    assert_eq!(
        body["filter"].to_string(),
        format!(r#"{{"uid":"{}"}}"#, facts::UID)
    );

    // Locked: stored, ranked first, but Omi's hydration drops it.
    let v = explain(
        &emu,
        dir.path(),
        ("facts", &e),
        "Allergic to penicillin",
        facts::F3,
        &[],
    )
    .await;
    let r = explained(&v);
    assert_eq!(r["rank"], 1);
    assert_eq!(r["found"], false);
    assert_eq!(v["found"], false);
    assert_eq!(check(&v, "stored").0, "pass");
    let (outcome, detail) = check(&v, "hydration");
    assert_eq!(outcome, "fail");
    assert!(detail.contains("locked"), "{detail}");
    assert!(
        v["fix"]
            .as_str()
            .unwrap()
            .starts_with("nothing memlens can fix: the fact is locked"),
        "{}",
        v["fix"]
    );

    // A date range is refused: Omi's ns2 search has none.
    let o = memlens(
        &emu,
        dir.path(),
        &[
            "explain",
            "x",
            "--id",
            facts::F1,
            "--kind",
            "facts",
            "--export",
            &e,
            "--range",
            "7d",
        ],
    )
    .await;
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no date filter"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// An action item the export holds but cannot read is neither "not in the export" nor
/// a left-over vector: explain says the record is unreadable and the fix is to repair the
/// export (its stored vector is never an orphan, as `orphans` says too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_action_item_is_said_to_be_unreadable() {
    let dir = tempfile::tempdir().unwrap();
    let export = record_kinds::fixture(dir.path());
    let emu = record_kinds::preloaded(&export).await;
    let mut x: Value = serde_json::from_slice(&std::fs::read(&export).unwrap()).unwrap();
    let item = x["action_items"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|i| i["id"] == ITEM1)
        .unwrap();
    item["description"] = serde_json::json!(["not", "a", "string"]);
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, serde_json::to_vec(&x).unwrap()).unwrap();
    let v = explain(
        &emu,
        dir.path(),
        ("action-items", broken.to_str().unwrap()),
        "Send the deposit invoice to finance",
        ITEM1,
        &[],
    )
    .await;
    let (outcome, detail) = check(&v, "in_export");
    assert_eq!(outcome, "fail");
    assert!(detail.contains("could not read it"), "{detail}");
    let fix = v["fix"].as_str().unwrap();
    assert!(fix.starts_with("repair the export"), "{fix}");
    assert!(!fix.contains("orphans"), "{fix}");
}
