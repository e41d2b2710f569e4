//! `explain`: where a memory ranks for a query and what keeps it out, against the local
//! store and the Pinecone emulator — a memory in the top k; one ranked 37th (its score
//! and the 10th score shown); a legacy /1000 `created_at` under a date range; a wrong uid
//! in the metadata; a missing vector; a stale vector with the format named. And the
//! command line: `memlens explain --json` prints one object with the checks.

use crate::support;

use std::path::Path;
use std::process::Command;

use memlens::embed::Embedder;
use memlens::embed::builtin::BuiltinEmbedder;
use memlens::embed::fake::FakeEmbedder;
use memlens::omi::Memory;
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::load_path;
use memlens::omi::model::ActionItem;
use memlens::omi::text::{TextFormat, render};
use memlens::store::local::LocalStore;
use memlens::store::pinecone::PineconeStore;
use memlens::store::{Record, VectorStore};
use memlens::sync::daterange::DateRange;
use memlens::sync::explain::{ExplainRequest, Explanation, ExportSide, Outcome, explain};
use serde_json::Value;
use support::pinecone_emulator::PineconeEmulator;

const DIM: usize = 32;
const UID: &str = "u1";
const NS: &str = "ns1";
const QUERY: &str = "quarterly planning offsite";
/// `created_at` of the ranked memories: 2025-02-19.
const T0: i64 = 1_740_000_000;

fn normalize(v: Vec<f32>) -> Vec<f32> {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / n).collect()
}

/// `a·q + (1−a)·n`, with `n` made orthogonal to `q`: the cosine with `q` is
/// `a / √(a² + (1−a)²)`, strictly decreasing as `a` falls.
fn blend(q: &[f32], noise: &[f32], a: f32) -> Vec<f32> {
    let dot: f32 = q.iter().zip(noise).map(|(x, y)| x * y).sum();
    let n = normalize(noise.iter().zip(q).map(|(y, x)| y - dot * x).collect());
    normalize(
        q.iter()
            .zip(&n)
            .map(|(x, y)| a * x + (1.0 - a) * y)
            .collect(),
    )
}

fn cos_of(a: f32) -> f32 {
    a / (a * a + (1.0 - a) * (1.0 - a)).sqrt()
}

/// Weight of memory `m{i:02}` (rank i+1).
fn weight(i: usize) -> f32 {
    0.95 - i as f32 * 0.01
}

fn stale_memory() -> Memory {
    let mut m = Memory {
        id: "stale".into(),
        ..Memory::default()
    };
    m.structured.title = "Dentist appointment".into();
    m.structured.overview = "Cleaning and a check-up.".into();
    m.structured.action_items = vec![ActionItem {
        description: "Book the next cleaning".into(),
        ..ActionItem::default()
    }];
    m
}

/// 60 ranked memories, a legacy-date one, a wrong-uid one and a stale one.
async fn seed(store: &dyn VectorStore, fake: &FakeEmbedder) {
    let q = fake.vector(QUERY);
    let mut records: Vec<Record> = (0..60)
        .map(|i| {
            let id = format!("m{i:02}");
            Record {
                id: vector_id(UID, &id),
                values: blend(&q, &fake.vector(&format!("noise {i}")), weight(i)),
                metadata: memory_metadata(UID, &id, T0 + i as i64),
            }
        })
        .collect();
    // Would rank first, but its created_at is the 2024 /1000 value.
    records.push(Record {
        id: vector_id(UID, "legacy"),
        values: blend(&q, &fake.vector("noise legacy"), 0.99),
        metadata: memory_metadata(UID, "legacy", T0 / 1000),
    });
    // Under the user's id, but the metadata names another user.
    records.push(Record {
        id: vector_id(UID, "wronguid"),
        values: blend(&q, &fake.vector("noise wrong"), 0.98),
        metadata: memory_metadata("u2", "wronguid", T0),
    });
    // Made from the 2024-08-26 text.
    let stale = stale_memory();
    let old_text = render(&stale.structured, TextFormat::Omi20240826);
    assert_ne!(old_text, render(&stale.structured, TextFormat::CURRENT));
    records.push(Record {
        id: vector_id(UID, "stale"),
        values: fake.vector(&old_text),
        metadata: memory_metadata(UID, "stale", T0),
    });
    store.upsert(NS, records).await.unwrap();
}

fn request(memory_id: &str, range: DateRange) -> ExplainRequest {
    ExplainRequest {
        uid: UID.into(),
        namespace: NS.into(),
        query: QUERY.into(),
        memory_id: memory_id.into(),
        range,
        top_k: 10,
        mode: memlens::sync::hybrid::SearchMode::Semantic,
    }
}

fn outcome(e: &Explanation, name: &str) -> Outcome {
    e.check(name)
        .unwrap_or_else(|| panic!("no check {name}"))
        .outcome
}

async fn run(
    store: &dyn VectorStore,
    fake: &FakeEmbedder,
    id: &str,
    range: DateRange,
    memory: Option<&Memory>,
) -> Explanation {
    let export = ExportSide {
        memories: memory.map(std::slice::from_ref),
        uid: None,
    };
    explain(fake, store, &request(id, range), export, None, None)
        .await
        .unwrap()
}

/// Every case against one store.
async fn every_case(store: &dyn VectorStore, remote: bool) {
    let fake = FakeEmbedder::new(DIM);
    seed(store, &fake).await;
    let all = DateRange::ALL;

    // In the top k (the legacy and wrong-uid vectors are filtered out, so m00 is 1st).
    let e = run(store, &fake, "m00", all, None).await;
    assert_eq!(
        e.semantic.rank,
        Some(2),
        "the legacy vector still passes a rangeless filter"
    );
    assert_eq!(outcome(&e, "in_top_k"), Outcome::Pass);
    assert_eq!(outcome(&e, "vector_present"), Outcome::Pass);
    assert_eq!(outcome(&e, "uid_metadata"), Outcome::Pass);
    assert!(
        e.fix.starts_with("nothing to fix: it is found at rank 2"),
        "{}",
        e.fix
    );

    // Ranked 37th: its score, and the 10th hit's.
    let e = run(store, &fake, "m35", all, None).await;
    // m35 is the 36th of the m-series; the legacy vector is ahead of all of them.
    assert_eq!(e.semantic.rank, Some(37));
    let score = e.semantic.score.unwrap();
    assert!((score - cos_of(weight(35))).abs() < 1e-4, "{score}");
    let tenth = e.semantic.kth_score.unwrap();
    assert!((tenth - cos_of(weight(8))).abs() < 1e-4, "{tenth}");
    let fifth = e.semantic.omi_kth_score.unwrap();
    assert!((fifth - cos_of(weight(3))).abs() < 1e-4, "{fifth}");
    assert_eq!(e.semantic.candidates, 62);
    let c = e.check("in_top_k").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.detail.contains("ranked 37th"), "{}", c.detail);
    assert!(c.detail.contains(&format!("{score:.4}")), "{}", c.detail);
    assert!(
        c.detail
            .contains(&format!("the 10th hit scores {tenth:.4}")),
        "{}",
        c.detail
    );
    assert!(c.detail.contains("top_k=5"), "{}", c.detail);

    // A legacy /1000 created_at under a date range: never inside it.
    let feb = DateRange::parse("2025-02-01..2025-02-28", chrono::Utc::now()).unwrap();
    let e = run(store, &fake, "legacy", feb, None).await;
    let c = e.check("created_at_in_range").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.detail.contains("legacy /1000"), "{}", c.detail);
    assert!(
        c.detail.contains("never match a date filter"),
        "{}",
        c.detail
    );
    assert_eq!(e.semantic.rank, None, "Omi's filter drops it");
    assert_eq!(e.semantic.rank_if_passed, Some(1));
    let source = e.semantic.score_source.clone().unwrap();
    if remote {
        assert!(source.contains("uid and memory_id"), "{source}");
    } else {
        assert!(source.contains("stored vector"), "{source}");
    }
    assert!(e.fix.contains("created_at"), "{}", e.fix);
    // The same vector without a range is found (first).
    let e = run(store, &fake, "legacy", all, None).await;
    assert_eq!(e.semantic.rank, Some(1));
    assert_eq!(outcome(&e, "created_at_in_range"), Outcome::Pass);

    // A wrong uid in the metadata.
    let e = run(store, &fake, "wronguid", all, None).await;
    let c = e.check("uid_metadata").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.detail.contains("\"u2\""), "{}", c.detail);
    assert_eq!(e.semantic.rank, None);
    assert_eq!(e.semantic.rank_if_passed, Some(2));
    // Every query stays scoped to the uid: a vector with another uid is scored from
    // its stored values.
    let source = e.semantic.score_source.clone().unwrap();
    assert!(source.contains("stored vector"), "{source}");
    assert!(e.fix.starts_with("reprocess it"), "{}", e.fix);

    // A missing vector.
    let e = run(store, &fake, "ghost", all, None).await;
    let c = e.check("vector_present").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.detail.contains("u1-ghost"), "{}", c.detail);
    assert!(c.detail.contains("legacy bare id ghost"), "{}", c.detail);
    assert_eq!(outcome(&e, "namespace"), Outcome::NotApplicable);
    assert!(e.fix.contains("it has no vector"), "{}", e.fix);

    // A stale vector: the format that made it is named, and the fix says so.
    let stale = stale_memory();
    let e = run(store, &fake, "stale", all, Some(&stale)).await;
    let c = e.check("fresh").unwrap();
    assert_eq!(c.outcome, Outcome::Fail);
    assert!(c.detail.contains("omi-2024-08-26"), "{}", c.detail);
    assert!(
        e.fix
            .contains("the vector was made from the 2024-08-26 text"),
        "{}",
        e.fix
    );
    assert_eq!(outcome(&e, "skip_reason"), Outcome::Pass);
    // A discarded memory is meant to be absent.
    let mut discarded = stale_memory();
    discarded.id = "ghost".into();
    discarded.discarded = true;
    let e = run(store, &fake, "ghost", all, Some(&discarded)).await;
    assert_eq!(outcome(&e, "skip_reason"), Outcome::Fail);
    assert!(
        e.fix.starts_with("nothing to fix in the index"),
        "{}",
        e.fix
    );
}

#[tokio::test]
async fn explain_against_the_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("store.db")).unwrap();
    every_case(&store, false).await;
}

#[tokio::test]
async fn explain_against_the_pinecone_emulator() {
    let emu = PineconeEmulator::start(DIM).await;
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    every_case(&store, true).await;
    // The score of a filtered-out memory came from a query filtered to its memory_id,
    // and every query carried the uid.
    let queries = emu.requests_to("/query");
    assert!(
        queries
            .iter()
            .any(|r| r.json()["filter"].to_string().contains("\"memory_id\""))
    );
    assert!(
        queries
            .iter()
            .all(|r| r.json()["filter"].to_string().contains("\"uid\":\"u1\""))
    );
}

#[tokio::test]
async fn a_vector_in_another_namespace_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("store.db")).unwrap();
    let fake = FakeEmbedder::new(DIM);
    store
        .upsert(
            "memlens",
            vec![Record {
                id: vector_id(UID, "elsewhere"),
                values: fake.vector("anything"),
                metadata: memory_metadata(UID, "elsewhere", T0),
            }],
        )
        .await
        .unwrap();
    let e = run(&store, &fake, "elsewhere", DateRange::ALL, None).await;
    assert_eq!(outcome(&e, "namespace"), Outcome::Fail);
    assert!(e.check("namespace").unwrap().detail.contains("\"memlens\""));
    // Reading it where it is comes first; the write is offered into ns1, the namespace
    // Omi searches for conversations.
    assert!(
        e.fix.contains("query memlens (--namespace memlens)"),
        "{}",
        e.fix
    );
    assert!(e.fix.contains("reprocess it into ns1"), "{}", e.fix);
}

/// An explanation of `id` against `store`, with an export side.
async fn run_with(
    store: &dyn VectorStore,
    fake: &FakeEmbedder,
    req: ExplainRequest,
    export: ExportSide<'_>,
) -> Explanation {
    explain(fake, store, &req, export, None, None)
        .await
        .unwrap()
}

fn dated(id: &str, created: i64) -> Memory {
    let mut m = stale_memory();
    m.id = id.into();
    m.created_at = memlens::omi::date::OmiDate::parse(
        &chrono::DateTime::from_timestamp(created, 0)
            .unwrap()
            .to_rfc3339(),
    )
    .ok();
    m
}

/// An empty local store (and the directory that holds it).
fn empty_store() -> (tempfile::TempDir, LocalStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalStore::open(&dir.path().join("store.db")).unwrap();
    (dir, store)
}

/// A store holding `{UID}-{id}` in `ns` with `created_at` = `created`.
async fn one_vector(
    fake: &FakeEmbedder,
    ns: &str,
    id: &str,
    created: i64,
) -> (tempfile::TempDir, LocalStore) {
    let (dir, store) = empty_store();
    store
        .upsert(
            ns,
            vec![Record {
                id: vector_id(UID, id),
                values: fake.vector(QUERY),
                metadata: memory_metadata(UID, id, created),
            }],
        )
        .await
        .unwrap();
    (dir, store)
}

/// Out of the date range: widen the range (a re-upsert would write the same date) —
/// unless the memory's own date is inside it and the stored one differs.
#[tokio::test]
async fn out_of_the_range_the_fix_is_to_widen_it() {
    let fake = FakeEmbedder::new(DIM);
    let (_dir, store) = one_vector(&fake, NS, "feb", T0).await; // 2025-02-19
    let march = DateRange::parse("2025-03-01..2025-03-31", chrono::Utc::now()).unwrap();
    let memory = dated("feb", T0);
    let e = run_with(
        &store,
        &fake,
        request("feb", march),
        ExportSide {
            memories: Some(std::slice::from_ref(&memory)),
            uid: Some(UID),
        },
    )
    .await;
    assert_eq!(outcome(&e, "created_at_in_range"), Outcome::Fail);
    assert!(
        e.fix
            .starts_with("widen the range (e.g. --range 2025-02-19..2025-03-31)"),
        "{}",
        e.fix
    );
    assert!(!e.fix.contains("memlens reprocess"), "{}", e.fix);

    // The export says 2025-03-10, the store 2025-02-19: a re-upsert is the cure.
    let moved = dated("feb", 1_741_600_000);
    let e = run_with(
        &store,
        &fake,
        request("feb", march),
        ExportSide {
            memories: Some(std::slice::from_ref(&moved)),
            uid: Some(UID),
        },
    )
    .await;
    assert!(e.fix.starts_with("reprocess it"), "{}", e.fix);
    assert!(e.fix.contains("2025-03-10"), "{}", e.fix);
}

/// Asked in a namespace of another kind (ns2 holds Omi's facts): query ns1, never
/// "reprocess it into ns2" (that would write a conversation among the facts).
#[tokio::test]
async fn in_the_wrong_namespace_the_fix_is_to_query_ns1() {
    let fake = FakeEmbedder::new(DIM);
    let (_dir, store) = one_vector(&fake, "ns1", "conv", T0).await;
    let memory = dated("conv", T0);
    let mut req = request("conv", DateRange::ALL);
    req.namespace = "ns2".into();
    let export = ExportSide {
        memories: Some(std::slice::from_ref(&memory)),
        uid: Some(UID),
    };
    let e = run_with(&store, &fake, req.clone(), export).await;
    assert_eq!(outcome(&e, "namespace"), Outcome::Fail);
    assert!(
        e.fix.starts_with("query ns1 (--namespace ns1)"),
        "{}",
        e.fix
    );
    assert!(e.fix.contains("ns2 holds Omi's facts"), "{}", e.fix);
    assert!(!e.fix.contains("reprocess"), "{}", e.fix);

    // No vector anywhere: still no write into ns2.
    let (_empty_dir, empty) = empty_store();
    let e = run_with(&empty, &fake, req, export).await;
    assert_eq!(outcome(&e, "vector_present"), Outcome::Fail);
    assert!(
        e.fix.starts_with("query ns1 (--namespace ns1)"),
        "{}",
        e.fix
    );
    assert!(!e.fix.contains("reprocess"), "{}", e.fix);
}

/// Asked under another uid than the export's, where the export's uid holds the vector:
/// check --uid (a reprocess would write a copy under the wrong user).
#[tokio::test]
async fn under_the_wrong_uid_the_fix_is_to_check_the_uid() {
    let fake = FakeEmbedder::new(DIM);
    let (_dir, store) = one_vector(&fake, NS, "mine", T0).await;
    let memory = dated("mine", T0);
    let mut req = request("mine", DateRange::ALL);
    req.uid = "u-typed-by-hand".into();
    let e = run_with(
        &store,
        &fake,
        req,
        ExportSide {
            memories: Some(std::slice::from_ref(&memory)),
            uid: Some(UID),
        },
    )
    .await;
    assert_eq!(outcome(&e, "vector_present"), Outcome::Fail);
    assert!(
        e.check("vector_present")
            .unwrap()
            .detail
            .contains("u1-mine is stored"),
        "{:?}",
        e.checks
    );
    assert!(
        e.fix
            .starts_with("a vector exists under uid u1 (the export's uid): check --uid"),
        "{}",
        e.fix
    );
    assert!(!e.fix.contains("reprocess"), "{}", e.fix);
}

/// An id the export does not hold: a typo, with the nearest id named; no write offered.
#[tokio::test]
async fn an_id_not_in_the_export_is_called_a_typo() {
    let fake = FakeEmbedder::new(DIM);
    let (_dir, store) = one_vector(&fake, NS, "lender-errands", T0).await;
    let memories = vec![dated("lender-errands", T0), dated("mortgage", T0)];
    let e = run_with(
        &store,
        &fake,
        request("lender-errand", DateRange::ALL),
        ExportSide {
            memories: Some(&memories),
            uid: Some(UID),
        },
    )
    .await;
    assert_eq!(outcome(&e, "in_export"), Outcome::Fail);
    assert!(
        e.fix
            .starts_with("not in the export (typo? the nearest id is lender-errands)"),
        "{}",
        e.fix
    );
    assert!(!e.fix.contains("reprocess"), "{}", e.fix);
    // Without an export the check does not apply.
    let e = run(&store, &fake, "lender-errand", DateRange::ALL, None).await;
    assert_eq!(outcome(&e, "in_export"), Outcome::NotApplicable);
}

/// The real binary on the local store and the built-in embedder in `data_dir`, with an
/// empty environment (no user config, no MEMLENS_* variables).
pub(crate) fn memlens(data_dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    c.env_clear()
        .env("HOME", data_dir)
        .env("XDG_CONFIG_HOME", data_dir)
        .args(["--store", "local", "--embedder", "builtin", "--data-dir"])
        .arg(data_dir);
    c
}

pub(crate) fn lender_fixture() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search/lender-export.json")
}

/// Index the lender fixture in a local store in `dir` as Omi would (built-in embedder).
pub(crate) async fn index_lender_fixture(dir: &Path) {
    let export = load_path(&lender_fixture()).unwrap();
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
    store.upsert(NS, records).await.unwrap();
}

#[tokio::test]
async fn the_command_prints_one_json_object_with_the_checks() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let fixture = lender_fixture();
    let out = memlens(dir.path())
        .args(["explain", "lender", "--id", "lender-errands", "--export"])
        .arg(&fixture)
        .args(["--top-k", "3", "--json", "--mode", "semantic"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one object: {text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["request"]["memory_id"], "lender-errands");
    let semantic_rank = v["semantic"]["rank"].as_u64().unwrap();
    assert!(semantic_rank > 1, "semantic alone does not find it first");
    assert_eq!(v["text"]["rank"], 1);
    let places: Vec<&str> = v["text"]["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["field"].as_str().unwrap())
        .collect();
    assert_eq!(places, ["action_items", "transcript"]);
    let checks = v["checks"].as_array().unwrap();
    let names: Vec<&str> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "shown_in_mode",
            "in_export",
            "vector_present",
            "namespace",
            "uid_metadata",
            "memory_id_metadata",
            "created_at_in_range",
            "skip_reason",
            "fresh",
            "in_top_k",
            "full_text"
        ]
    );
    let by = |n: &str| checks.iter().find(|c| c["name"] == n).unwrap()["outcome"].clone();
    assert_eq!(by("fresh"), "pass");
    assert_eq!(by("in_top_k"), "fail");
    assert_eq!(by("full_text"), "pass");
    assert!(
        v["fix"].as_str().unwrap().contains("--mode hybrid"),
        "{}",
        v["fix"]
    );

    // The text form names the rank and the 3rd hit's score.
    let out = memlens(dir.path())
        .args(["explain", "lender", "--id", "lender-errands", "--export"])
        .arg(&fixture)
        .args(["--top-k", "3"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "ranked {}",
            memlens::sync::explain::ordinal(semantic_rank as usize)
        )),
        "{text}"
    );
    assert!(text.contains("3rd hit"), "{text}");
    assert!(text.contains("transcript 00:12:31"), "{text}");
}

/// The real binary's fix line, one case per fix: an id not in the export, a wrong
/// --uid, a namespace of another kind, a range that leaves the memory out.
#[tokio::test]
async fn the_command_prints_the_fix_that_fits_the_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let fixture = lender_fixture();
    let fix_of = |extra: &[&str], id: &str| {
        let out = memlens(dir.path())
            .args(["explain", "lender", "--id", id, "--export"])
            .arg(&fixture)
            .args(extra)
            .arg("--json")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["fix"].as_str().unwrap().to_string()
    };
    let fix = fix_of(&[], "lender-errand");
    assert!(
        fix.starts_with("not in the export (typo? the nearest id is lender-errands)"),
        "{fix}"
    );
    let fix = fix_of(&["--uid", "u-someone-else"], "mortgage");
    assert!(
        fix.starts_with("a vector exists under uid u-lender (the export's uid): check --uid"),
        "{fix}"
    );
    let fix = fix_of(&["--namespace", "ns2"], "mortgage");
    assert!(fix.starts_with("query ns1 (--namespace ns1)"), "{fix}");
    assert!(!fix.contains("reprocess"), "{fix}");
    let fix = fix_of(&["--range", "2025-04-01..2025-04-30"], "mortgage");
    assert!(
        fix.starts_with("widen the range (e.g. --range 2025-03-10..2025-04-30)"),
        "{fix}"
    );
    assert!(!fix.contains("memlens reprocess"), "{fix}");
}
