//! The record kinds' command line on the offline set-up (issue 24's open items): which
//! notes each `--kind` prints, what an empty `action_items` section says, how skipped
//! conversations are counted for chunks, the units of `status --kind all`, and the JSON
//! lines of `reprocess --kind action-items|chunks`. The real binary, local store, the
//! built-in static embedder (fast), a fresh data dir per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json")
}

/// The real binary with a clean environment: local store and the static embedder, data
/// dir, home and config dir in `dir`.
fn memlens(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memlens"))
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("NO_COLOR", "1")
        .args(["--store", "local", "--embedder", "static", "--data-dir"])
        .arg(dir.join("data"))
        .args(args)
        .output()
        .unwrap()
}

/// (stdout, stderr) of a run that must have succeeded.
fn ok(o: &Output) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{out}\nstderr:\n{err}",
        o.status
    );
    (out, err)
}

/// The facts note ("11 Omi facts set aside: facts are not conversations…") concerns the
/// conversations the loader set the facts aside from: it is printed for
/// `--kind conversations` only, never for facts, action items, chunks or `all`.
#[test]
fn the_facts_note_is_printed_only_for_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    const NOTE: &str = "Omi facts set aside";
    let runs: [(&[&str], bool); 9] = [
        (&["status", &e], true),
        (
            &["text", &e, "--id", "8a7ca49d-5693-489c-a8ed-8bde971927eb"],
            true,
        ),
        (&["status", &e, "--kind", "chunks"], false),
        (&["status", &e, "--kind", "action-items"], false),
        (&["status", &e, "--kind", "facts"], false),
        (&["status", &e, "--kind", "all"], false),
        (&["text", &e, "--kind", "chunks"], false),
        (&["orphans", &e, "--kind", "chunks"], false),
        (
            &["reprocess", &e, "--kind", "chunks", "--all", "--dry-run"],
            false,
        ),
    ];
    for (args, noted) in runs {
        let (_, err) = ok(&memlens(dir.path(), args));
        assert_eq!(err.contains(NOTE), noted, "{args:?}\nstderr:\n{err}");
    }
}

/// A copy of the 2026 sample (`e3-2026.json`) with `edit` applied, written into `dir`.
fn sample_with(dir: &Path, name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> PathBuf {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-2026.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(sample).unwrap()).unwrap();
    edit(&mut v);
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path
}

/// An `action_items` section that is present but empty is an answer, not silence: one
/// line on stderr and exit 0 (text and `--json`, nothing on stdout). A missing section
/// stays an error.
#[test]
fn text_of_an_empty_action_items_section_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let empty = sample_with(dir.path(), "empty.json", |v| {
        v["action_items"] = serde_json::json!([]);
        v.as_object_mut().unwrap().remove("task_data");
    });
    let e = empty.display().to_string();
    for json in [false, true] {
        let mut args = vec!["text", e.as_str(), "--kind", "action-items"];
        if json {
            args.push("--json");
        }
        let (out, err) = ok(&memlens(dir.path(), &args));
        assert_eq!(out, "", "{args:?}");
        assert!(
            err.contains(
                "the export's action_items section is empty: Omi holds no ns4 vectors for it"
            ),
            "{args:?}: {err}"
        );
    }
    // `status` says it too.
    let (_, err) = ok(&memlens(
        dir.path(),
        &["status", e.as_str(), "--kind", "action-items"],
    ));
    assert!(err.contains("action_items section is empty"), "{err}");
    let missing = sample_with(dir.path(), "missing.json", |v| {
        v.as_object_mut().unwrap().remove("action_items");
    });
    let o = memlens(
        dir.path(),
        &[
            "text",
            &missing.display().to_string(),
            "--kind",
            "action-items",
        ],
    );
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("has no action_items section"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

const DISCARDED: &str = "28497272-dd48-44b1-8f8d-c4412356e078";

/// A conversation Omi's chunk backfill skips (discarded, deleted, not completed) has no
/// chunks: not a `c0` row counted as "skipped" beside the chunks Omi writes. The demo
/// export: 1,470 chunks of 323 conversations, 10 conversations skipped; the TUI's chunks
/// tab shows the same 1,470 rows, and a plan for a skipped conversation names it.
#[test]
fn a_skipped_conversation_has_no_chunk_rows() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    let (out, _) = ok(&memlens(
        dir.path(),
        &["status", &e, "--kind", "chunks", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let chunks = v["chunks"].as_array().unwrap();
    assert_eq!(chunks.len(), 1470);
    assert!(chunks.iter().all(|c| c["status"] == "missing"));
    assert_eq!(v["counts"]["missing"], 1470);
    assert_eq!(v["counts"].get("skipped"), None, "{}", v["counts"]);
    let conversations = v["conversations"].as_array().unwrap();
    let skipped: Vec<_> = conversations
        .iter()
        .filter(|c| !c["skip"].is_null())
        .collect();
    assert_eq!(skipped.len(), 10);
    assert!(
        skipped
            .iter()
            .all(|c| c["would_write"] == 0 && c["counts"] == serde_json::json!({}))
    );
    let d = conversations
        .iter()
        .find(|c| c["conversation_id"] == DISCARDED)
        .unwrap();
    assert!(d["skip"].as_str().unwrap().starts_with("discarded"));

    let export = memlens::omi::export::load_path(&demo()).unwrap();
    let rows = memlens::tui::kinds::kind_rows(
        &export,
        memlens::omi::record_kind::Kind::Chunks,
        "demo-sam-rivera",
        memlens::omi::text::TextFormat::default(),
    );
    assert_eq!((rows.rows.len(), rows.records), (1470, 1470));
    assert!(rows.rows.iter().all(|r| r.owner != DISCARDED));

    let plan = [
        "reprocess",
        &e,
        "--kind",
        "chunks",
        "--id",
        DISCARDED,
        "--dry-run",
    ];
    let (out, _) = ok(&memlens(dir.path(), &plan));
    assert!(
        out.contains(&format!(
            "skip  {DISCARDED}  (discarded: Omi's backfill skips it)"
        )),
        "{out}"
    );
    assert!(out.contains("upsert 0 records"), "{out}");
}

/// `status --kind all` (the account view) states the unit of every count: each row's
/// counts are records of its own namespace, and the conversations the chunk backfill skips
/// are counted as conversations, not mixed into the chunk counts. `--json` keeps its keys
/// and adds `unit`, `skipped_owners` and `owner_unit`.
#[test]
fn the_account_view_states_the_unit_of_every_count() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    let (out, _) = ok(&memlens(dir.path(), &["status", &e, "--kind", "all"]));
    let row = |ns: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(&format!("{ns} ")))
            .unwrap_or_else(|| panic!("no {ns} row:\n{out}"))
            .to_string()
    };
    assert!(
        row("ns1").ends_with("conversations: 323 missing, 10 skipped"),
        "{out}"
    );
    assert!(row("ns2").ends_with("facts: 11 missing"), "{out}");
    assert!(row("ns4").ends_with("action items: 54 missing"), "{out}");
    assert!(
        row("ns_tchunks").ends_with("chunks: 1470 missing; 10 conversations skipped (no chunks)"),
        "{out}"
    );
    // The single kind's status ends with the same words.
    let (out, _) = ok(&memlens(dir.path(), &["status", &e, "--kind", "chunks"]));
    assert_eq!(
        out.lines().last(),
        Some("chunks: 1470 missing; 10 conversations skipped (no chunks)"),
        "{out}"
    );

    let (out, _) = ok(&memlens(
        dir.path(),
        &["status", &e, "--kind", "all", "--json"],
    ));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let chunks = &v["kinds"][3];
    assert_eq!(chunks["kind"], "chunks");
    // The keys of before, unchanged…
    assert_eq!(chunks["omi_would_hold"], 1470);
    assert_eq!(chunks["stored"], 0);
    assert_eq!(chunks["counts"]["missing"], 1470);
    assert_eq!(chunks["namespace"], "ns_tchunks");
    // …and the units beside them.
    assert_eq!(chunks["unit"], "chunks");
    assert_eq!(chunks["skipped_owners"], 10);
    assert_eq!(chunks["owner_unit"], "conversations");
    let conversations = &v["kinds"][0];
    assert_eq!(conversations["unit"], "conversations");
    assert_eq!(conversations["counts"]["skipped"], 10);
    assert_eq!(conversations["skipped_owners"], 0);
}

/// `text --kind chunks|action-items` is one printer over the kind's records: the `--json`
/// lines keep the issue's shapes byte for byte (chunks
/// `{"id","conversation_id","chunk_index","created_at","text"}`, action items
/// `{"id","action_item_id","text"}`), and a conversation the chunk backfill skips has no
/// chunk to print: `--id` of one says why on stderr.
#[test]
fn text_prints_each_kinds_records_in_its_fixed_shape() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    let raw: serde_json::Value = serde_json::from_slice(&std::fs::read(demo()).unwrap()).unwrap();
    let uid = raw["profile"]["uid"].as_str().unwrap();

    let (out, _) = ok(&memlens(
        dir.path(),
        &["text", &e, "--kind", "action-items", "--json"],
    ));
    let lines: Vec<&str> = out.lines().collect();
    let items = raw["action_items"].as_array().unwrap();
    assert_eq!(lines.len(), items.len());
    for (line, item) in lines.iter().zip(items) {
        let id = item["id"].as_str().unwrap();
        let want = format!(
            r#"{{"id":"{uid}-ai-{id}","action_item_id":"{id}","text":{}}}"#,
            serde_json::to_string(&item["description"]).unwrap()
        );
        assert_eq!(*line, want);
    }

    let (out, _) = ok(&memlens(
        dir.path(),
        &["text", &e, "--kind", "chunks", "--json"],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1470);
    for line in lines {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let want = format!(
            r#"{{"id":{},"conversation_id":{},"chunk_index":{},"created_at":{},"text":{}}}"#,
            v["id"], v["conversation_id"], v["chunk_index"], v["created_at"], v["text"]
        );
        assert_eq!(line, want);
        assert!(
            v["chunk_index"].is_u64() && v["created_at"].is_i64(),
            "{line}"
        );
        assert!(!line.contains(DISCARDED), "{line}");
    }

    let o = memlens(
        dir.path(),
        &["text", &e, "--kind", "chunks", "--id", DISCARDED],
    );
    let (out, err) = ok(&o);
    assert_eq!(out, "");
    assert!(
        err.contains(&format!(
            "conversation {DISCARDED}: discarded: Omi's backfill skips it: no chunks"
        )),
        "{err}"
    );
    // An id the export lacks is still an error, named in the kind's words.
    let o = memlens(
        dir.path(),
        &["text", &e, "--kind", "action-items", "--id", "nope"],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no action item with id \"nope\""));
}

/// Every stdout line of a `--json` run: one compact JSON object each (JSON lines).
fn json_lines(out: &str) -> Vec<serde_json::Value> {
    out.lines()
        .map(|l| {
            assert!(
                l.starts_with('{') && l.ends_with('}'),
                "not a JSON line: {l:?}"
            );
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .collect()
}

/// `reprocess --kind action-items|chunks --json` prints JSON lines shaped like the
/// conversations' reprocess: a `plan` line, a `progress` line per batch written, a
/// `summary` line last; `dry_run` says whether anything was written (a dry run also says
/// so in words without `--json`).
#[test]
fn kind_reprocess_json_is_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();

    let mut dry = vec![
        "reprocess",
        &e,
        "--kind",
        "action-items",
        "--all",
        "--dry-run",
    ];
    let (out, _) = ok(&memlens(dir.path(), &dry));
    assert!(
        out.lines().any(|l| l == "dry run: nothing written"),
        "{out}"
    );
    dry.push("--json");
    let (out, _) = ok(&memlens(dir.path(), &dry));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["type"], "plan");
    assert_eq!(lines[0]["dry_run"], true);
    assert_eq!(lines[0]["kind"], "action-items");
    assert_eq!(lines[0]["namespace"], "ns4");
    assert_eq!(lines[0]["upsert_ids"].as_array().unwrap().len(), 54);
    assert_eq!(lines[1]["type"], "summary");
    assert_eq!(lines[1]["dry_run"], true);
    assert_eq!(lines[1]["upserted"], 0);

    // A real run on the local store (no confirmation needed): 1,470 chunks in 15 batches.
    let run = ["reprocess", &e, "--kind", "chunks", "--all", "--json"];
    let (out, _) = ok(&memlens(dir.path(), &run));
    let lines = json_lines(&out);
    let types: Vec<&str> = lines.iter().map(|l| l["type"].as_str().unwrap()).collect();
    assert_eq!(types.first(), Some(&"plan"), "{out}");
    assert_eq!(types.last(), Some(&"summary"), "{out}");
    // The job's progress: one line per finished batch (plus lines of what is in flight
    // while a batch is slow, as for conversations).
    let finished: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["type"] == "progress" && l["batch_finished"] == true)
        .collect();
    assert_eq!(finished.len(), 15, "{out}");
    assert_eq!(lines[0]["dry_run"], false);
    assert_eq!(lines[0]["upsert_ids"].as_array().unwrap().len(), 1470);
    let done: Vec<u64> = finished
        .iter()
        .map(|l| l["done"].as_u64().unwrap())
        .collect();
    assert!(done.windows(2).all(|w| w[0] < w[1]), "{done:?}");
    assert_eq!(done.last(), Some(&1470));
    assert!(finished.iter().all(|l| l["total"] == 1470));
    let summary = lines.last().unwrap();
    assert_eq!(summary["done"], 1470);
    assert_eq!(summary["failed"], serde_json::json!([]));
    assert_eq!(
        (
            &summary["upserted"],
            &summary["batches"],
            &summary["deleted"],
            &summary["dry_run"]
        ),
        (&1470.into(), &15.into(), &0.into(), &false.into())
    );
    // Nothing left to write: the plan, then a summary of nothing.
    let again = ["reprocess", &e, "--kind", "chunks", "--missing", "--json"];
    let (out, _) = ok(&memlens(dir.path(), &again));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(lines[0]["upsert_ids"], serde_json::json!([]));
    assert_eq!(
        (&lines[1]["type"], &lines[1]["upserted"]),
        (&"summary".into(), &0.into())
    );
    assert_eq!(lines[1]["dry_run"], false);
}

/// When records match but none reaches Omi's threshold, the advice is to reword the
/// query, not to fill the namespace (found by a new-user trial).
#[test]
fn a_search_under_the_threshold_says_to_reword_not_to_reprocess() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    ok(&memlens(
        dir.path(),
        &["reprocess", &e, "--kind", "action-items", "--all"],
    ));
    let (out, _) = ok(&memlens(
        dir.path(),
        &[
            "search",
            "--kind",
            "action-items",
            "zzqx unrelated quantum flux",
            "--export",
            &e,
        ],
    ));
    assert!(
        out.contains("scored below Omi's threshold 0.30; reword the query"),
        "{out}"
    );
    assert!(!out.contains("reprocess"), "{out}");
}

/// A conversation Omi's backfill takes whose transcript makes no chunk says why it has
/// none, and an untitled conversation is named "(untitled)" (new-user trial).
#[test]
fn a_conversation_without_transcript_lines_says_why_it_has_no_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let e3 = sample_with(dir.path(), "e3.json", |_| {});
    let (out, _) = ok(&memlens(
        dir.path(),
        &["status", &e3.display().to_string(), "--kind", "chunks"],
    ));
    assert!(
        out.contains("Silent recording  0 chunks · 0 stored  (no transcript lines"),
        "{out}"
    );
    let (out, _) = ok(&memlens(
        dir.path(),
        &["status", &demo().display().to_string(), "--kind", "chunks"],
    ));
    assert!(out.contains("  (untitled)  0 chunks"), "{out}");
}
