//! Omi's 2026 record kinds, transcript chunks (`ns_tchunks`) and action items (`ns4`),
//! through the real binary against the Pinecone emulator (omi-namespaces-2026.md).
//!
//! The export is the 2026 sample (`e3-2026.json`, made by Omi's own chunker) with two
//! additions: conversation A (`c3a1…`) holds an extracted item "Confirm the vegan dishes"
//! whose standalone item is gone, and a cascade-deleted conversation D (marked `deleted`)
//! held "Call the caterer". The emulator holds:
//! - `ns_tchunks`: A's two chunks (c1 with the vector of an older text: stale), B's one
//!   chunk plus c1, c2 of a longer transcript (a shortened transcript's tail), and two
//!   chunks of a merged-away conversation M that is not in the export;
//! - `ns4`: two of the three items (the third missing), an orphan whose vector is D's item
//!   (cascade delete) and an orphan whose vector is A's gone item;
//! - one `ns1` and one `ns2` record, which nothing may touch.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use memlens::embed::Embedder;
use memlens::embed::builtin::{BuiltinEmbedder, DIMENSION};
use memlens::omi::action_items::action_item_metadata;
use memlens::omi::chunks::{chunk_metadata, transcript_chunks};
use memlens::omi::conventions::memory_metadata;
use memlens::omi::export::load_path;
use memlens::omi::fact_conventions::fact_metadata;
use serde_json::Value;
use support::pinecone_emulator::{PineconeEmulator, StoredVector};

pub(crate) const UID: &str = "Kp7rT2vXw9QmL4sB8nF3hJ6dYc1A";
pub(crate) const A: &str = "c3a1f0e2-6b7d-4c11-9a2e-0f5d8b7c6a01";
pub(crate) const B: &str = "7d2e9b44-1f3a-4e8c-b2d6-5a9c0e1f2b03";
const D: &str = "d0d0d0d0-0000-4000-8000-00000000000d";
pub(crate) const M: &str = "0e0e0e0e-1111-4222-8333-444455556666";
pub(crate) const ITEM1: &str = "0Hq2bN7xT4mK9pL1sD6f";
pub(crate) const ITEM2: &str = "3Rz8cV1wY5nJ2qE7tG0k";
pub(crate) const ITEM3: &str = "9Wm4xA6bC2dE8fH0jK3l";
const GONE_CASCADE: &str = "Zc4sc4d3D3l3t3dXXXX1";
const GONE_SWIPE: &str = "Zsw1p3dXXXXXXXXXXXX2";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-2026.json")
}

/// The sample with conversation A's gone item and the cascade-deleted conversation D.
pub(crate) fn fixture(dir: &Path) -> PathBuf {
    let mut v: Value = serde_json::from_slice(&std::fs::read(sample()).unwrap()).unwrap();
    let convs = v["conversations"].as_array_mut().unwrap();
    let a = convs.iter_mut().find(|c| c["id"] == A).unwrap();
    a["structured"]["action_items"] =
        serde_json::json!([{"description": "Confirm the vegan dishes", "completed": false}]);
    let mut d = convs[1].clone();
    d["id"] = D.into();
    d["deleted"] = true.into();
    d["structured"]["title"] = "Caterer call".into();
    d["structured"]["action_items"] =
        serde_json::json!([{"description": "Call the caterer", "completed": false}]);
    convs.push(d);
    let path = dir.join("omi-export.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    path
}

pub(crate) fn cid(c: &str, n: usize) -> String {
    format!("{UID}-{c}-c{n}")
}

pub(crate) fn aid(a: &str) -> String {
    format!("{UID}-ai-{a}")
}

async fn embed(e: &BuiltinEmbedder, text: &str) -> Vec<f32> {
    e.embed(&[text.to_string()]).await.unwrap().remove(0)
}

pub(crate) async fn preloaded(export: &Path) -> PineconeEmulator {
    let emu = PineconeEmulator::start(DIMENSION).await;
    let e = BuiltinEmbedder::new().unwrap();
    let x = load_path(export).unwrap();
    let a = transcript_chunks(x.get(A).unwrap());
    let b = transcript_chunks(x.get(B).unwrap());
    assert_eq!((a.len(), b.len()), (2, 1));
    let mut chunks = vec![
        (
            cid(A, 0),
            embed(&e, &a[0].text).await,
            A,
            0,
            a[0].created_at,
        ),
        // Stale: embedded before a segment was edited.
        (
            cid(A, 1),
            embed(
                &e,
                "[Conversation on 14 Oct 2026, 09:02]\nUser: Bye!\nSpeaker 1: See you.",
            )
            .await,
            A,
            1,
            a[1].created_at,
        ),
        (
            cid(B, 0),
            embed(&e, &b[0].text).await,
            B,
            0,
            b[0].created_at,
        ),
    ];
    // A transcript that was longer when the backfill ran: its tail stays.
    for n in [1, 2] {
        chunks.push((
            cid(B, n),
            embed(&e, &format!("old tail {n}")).await,
            B,
            n,
            b[0].created_at,
        ));
    }
    // A conversation merged into another: its chunks stay.
    for n in [0, 1] {
        chunks.push((
            cid(M, n),
            embed(&e, &format!("merged {n}")).await,
            M,
            n,
            1_790_000_000,
        ));
    }
    emu.seed(
        "ns_tchunks",
        chunks.into_iter().map(|(id, values, c, n, at)| {
            (
                id,
                StoredVector {
                    values,
                    metadata: chunk_metadata(UID, c, n, at),
                },
            )
        }),
    );
    let items = [
        (ITEM1, "Send the deposit invoice to finance"),
        (ITEM3, "Buy a birthday card for Mum "),
        (GONE_CASCADE, "Call the caterer"),
        (GONE_SWIPE, "Confirm the vegan dishes"),
    ];
    let mut ns4 = Vec::new();
    for (id, text) in items {
        ns4.push((
            aid(id),
            StoredVector {
                values: embed(&e, text).await,
                metadata: action_item_metadata(UID, id, 1_792_000_000),
            },
        ));
    }
    emu.seed("ns4", ns4);
    emu.seed(
        "ns1",
        [(
            format!("{UID}-{A}"),
            StoredVector {
                values: embed(&e, "Offsite venue and catering").await,
                metadata: memory_metadata(UID, A, 1_791_968_525),
            },
        )],
    );
    emu.seed(
        "ns2",
        [(
            format!("{UID}-f1"),
            StoredVector {
                values: embed(&e, "Works on the offsite").await,
                metadata: fact_metadata(UID, "f1", "system", 1_791_968_525),
            },
        )],
    );
    emu
}

use support::{memlens_on_emulator as memlens, ok};

fn json(o: &Output) -> Value {
    serde_json::from_str(&ok(o)).unwrap()
}

/// vector id → status, and orphan id → cause.
fn states(v: &Value, rows: &str) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let s = v[rows]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["vector_id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let o = v["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["vector_id"].as_str().unwrap().to_string(),
                r["cause"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (s, o)
}

type Snapshot = BTreeMap<String, BTreeMap<String, StoredVector>>;

fn snapshot(emu: &PineconeEmulator) -> Snapshot {
    ["ns1", "ns2", "ns4", "ns_tchunks"]
        .iter()
        .map(|ns| (ns.to_string(), emu.records(ns)))
        .collect()
}

#[test]
fn text_kind_chunks_is_byte_exact_against_omis_own_output() {
    let out = Command::new(env!("CARGO_BIN_EXE_memlens"))
        .env("NO_COLOR", "1")
        .args([
            "text",
            &sample().display().to_string(),
            "--kind",
            "chunks",
            "--json",
        ])
        .output()
        .unwrap();
    let out = ok(&out);
    let expected: Value = serde_json::from_slice(
        &std::fs::read(sample().with_file_name("e3-2026-expected.json")).unwrap(),
    )
    .unwrap();
    let want = expected["ns_tchunks"].as_array().unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), want.len());
    for (line, w) in lines.iter().zip(want) {
        // Field order as documented.
        assert!(line.starts_with(r#"{"id":"#), "{line}");
        let got: Value = serde_json::from_str(line).unwrap();
        assert_eq!(got["id"], w["id"]);
        assert_eq!(got["text"], w["text"]);
        assert_eq!(got["chunk_index"], w["metadata"]["chunk_index"]);
        assert_eq!(got["created_at"], w["metadata"]["created_at"]);
        assert_eq!(got["conversation_id"], w["metadata"]["conversation_id"]);
    }
    // Plain text of one chunk is the text alone.
    let o = Command::new(env!("CARGO_BIN_EXE_memlens"))
        .args([
            "text",
            &sample().display().to_string(),
            "--kind",
            "chunks",
            "--id",
            B,
        ])
        .output()
        .unwrap();
    assert_eq!(ok(&o), format!("{}\n", want[2]["text"].as_str().unwrap()));
    // Action items: the description exactly, candidates named.
    let o = Command::new(env!("CARGO_BIN_EXE_memlens"))
        .args([
            "text",
            &sample().display().to_string(),
            "--kind",
            "action-items",
            "--json",
        ])
        .output()
        .unwrap();
    let out = ok(&o);
    let first: Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(first["id"], expected["ns4"][0]["id"]);
    assert_eq!(first["text"], expected["ns4"][0]["text"]);
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("candidate: Omi writes no vector: Book the shuttle bus")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_orphans_give_every_chunk_and_item_its_state() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture(dir.path());
    let emu = preloaded(&export).await;
    let before = snapshot(&emu);
    let e = export.display().to_string();

    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &["status", &e, "--kind", "chunks", "--verify", "--json"],
        )
        .await,
    );
    assert_eq!(v["namespace"], "ns_tchunks");
    assert_eq!(v["uid"], UID);
    // The text header says it in words ("3 chunk Omi's backfill would writes" before).
    let text = ok(&memlens(&emu, dir.path(), &["status", &e, "--kind", "chunks"]).await);
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains(" chunks Omi's backfill would write · uid ")),
        "{text}"
    );
    let (states_, orphans) = states(&v, "chunks");
    let want: BTreeMap<String, String> = [
        (cid(A, 0), "fresh"),
        (cid(A, 1), "stale"),
        (cid(B, 0), "fresh"),
        // D is deleted: Omi's backfill skips it, so it has no chunk rows (its
        // conversation row says why, below).
    ]
    .into_iter()
    .map(|(a, b)| (a, b.to_string()))
    .collect();
    assert_eq!(states_, want);
    assert_eq!(orphans.len(), 4, "{orphans:?}");
    assert!(orphans[&cid(B, 1)].starts_with("beyond the conversation's 1 chunk"));
    assert!(orphans[&cid(B, 2)].starts_with("beyond"));
    assert!(orphans[&cid(M, 0)].contains("not in the export (merged away or deleted)"));
    assert!(orphans[&cid(M, 1)].contains("merged away"));
    let b_row = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversation_id"] == B)
        .unwrap();
    assert_eq!(
        (b_row["would_write"].as_u64(), b_row["stored"].as_u64()),
        (Some(1), Some(3))
    );
    let d_row = v["conversations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["conversation_id"] == D)
        .unwrap();
    assert!(d_row["skip"].as_str().unwrap().starts_with("deleted"));

    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &["status", &e, "--kind", "action-items", "--json"],
        )
        .await,
    );
    assert_eq!(v["namespace"], "ns4");
    let (states_, orphans) = states(&v, "action_items");
    let want: BTreeMap<String, String> = [
        (aid(ITEM1), "present"),
        (aid(ITEM2), "missing"),
        (aid(ITEM3), "present"),
    ]
    .into_iter()
    .map(|(a, b)| (a, b.to_string()))
    .collect();
    assert_eq!(states_, want);
    let missing = v["action_items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["action_item_id"] == ITEM2)
        .unwrap();
    assert!(
        missing["reason"]
            .as_str()
            .unwrap()
            .contains("swallows a failed upsert")
    );
    assert_eq!(orphans.len(), 2);
    assert!(
        orphans[&aid(GONE_CASCADE)].contains("cascade delete"),
        "{orphans:?}"
    );
    assert!(orphans[&aid(GONE_SWIPE)].contains("in the export but the item is gone"));
    let conv_of = |id: &str| {
        v["orphans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["vector_id"] == id)
            .unwrap()["conversation_id"]
            .clone()
    };
    assert_eq!(conv_of(&aid(GONE_CASCADE)), D);
    assert_eq!(conv_of(&aid(GONE_SWIPE)), A);
    assert_eq!(
        v["candidates"][0]["reason"],
        "candidate: Omi writes no vector"
    );

    // `orphans` lists the same, a dry run by default.
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &["orphans", &e, "--kind", "chunks", "--json"],
        )
        .await,
    );
    assert_eq!(v["orphans"].as_array().unwrap().len(), 4);
    assert_eq!(v["dry_run"], true);
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &["orphans", &e, "--kind", "action-items", "--json"],
        )
        .await,
    );
    assert_eq!(v["orphans"].as_array().unwrap().len(), 2);

    // The account view.
    let v = json(&memlens(&emu, dir.path(), &["status", &e, "--kind", "all", "--json"]).await);
    let kinds = v["kinds"].as_array().unwrap();
    let words: Vec<&str> = kinds.iter().map(|k| k["kind"].as_str().unwrap()).collect();
    assert_eq!(words, ["conversations", "facts", "action-items", "chunks"]);
    assert_eq!(kinds[3]["omi_would_hold"], 3);
    assert_eq!(kinds[3]["stored"], 7);
    assert_eq!(kinds[3]["counts"]["orphan"], 4);
    assert_eq!(kinds[2]["counts"]["missing"], 1);

    // Reading wrote nothing anywhere.
    assert_eq!(snapshot(&emu), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_chunks_of_one_conversation_writes_exactly_omis_records() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture(dir.path());
    let emu = preloaded(&export).await;
    let before = snapshot(&emu);
    let e = export.display().to_string();
    // Without --yes a remote write stops after the plan.
    let o = memlens(
        &emu,
        dir.path(),
        &["reprocess", &e, "--kind", "chunks", "--id", A],
    )
    .await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("plan: upsert 2 records"));
    assert_eq!(snapshot(&emu), before);

    ok(&memlens(
        &emu,
        dir.path(),
        &["reprocess", &e, "--kind", "chunks", "--id", A, "--yes"],
    )
    .await);
    let after = snapshot(&emu);
    for ns in ["ns1", "ns2", "ns4"] {
        assert_eq!(after[ns], before[ns], "{ns} touched");
    }
    let x = load_path(&export).unwrap();
    let emb = BuiltinEmbedder::new().unwrap();
    let chunks = transcript_chunks(x.get(A).unwrap());
    let mut want = before["ns_tchunks"].clone();
    for c in &chunks {
        want.insert(
            cid(A, c.chunk_index),
            StoredVector {
                values: embed(&emb, &c.text).await,
                metadata: chunk_metadata(UID, A, c.chunk_index, c.created_at),
            },
        );
    }
    assert_eq!(after["ns_tchunks"], want);
    // Upserted in one request of Omi's batch size or less.
    assert_eq!(emu.count_to("/vectors/upsert"), 1);

    // Clearing B's orphan tail deletes c1 and c2 and rewrites c0.
    ok(&memlens(
        &emu,
        dir.path(),
        &[
            "reprocess",
            &e,
            "--kind",
            "chunks",
            "--id",
            B,
            "--clear-orphans",
            "--yes",
        ],
    )
    .await);
    let now = emu.records("ns_tchunks");
    assert!(now.contains_key(&cid(B, 0)));
    assert!(!now.contains_key(&cid(B, 1)) && !now.contains_key(&cid(B, 2)));
    assert!(
        now.contains_key(&cid(M, 0)),
        "other conversations' orphans stay"
    );

    // Orphans of the whole kind go with --delete --yes; ns1/ns2 stay.
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &[
                "orphans", &e, "--kind", "chunks", "--delete", "--yes", "--json",
            ],
        )
        .await,
    );
    assert_eq!(v["deleted"], 2);
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &[
                "orphans",
                &e,
                "--kind",
                "action-items",
                "--delete",
                "--yes",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(v["deleted"], 2);
    let end = snapshot(&emu);
    assert_eq!(end["ns1"], before["ns1"]);
    assert_eq!(end["ns2"], before["ns2"]);
    assert_eq!(end["ns4"].len(), 2);
    assert_eq!(end["ns_tchunks"].len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_action_items_writes_the_missing_one_with_the_upsert_time() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture(dir.path());
    let emu = preloaded(&export).await;
    let e = export.display().to_string();
    let start = chrono::Utc::now().timestamp();
    let out = ok(&memlens(
        &emu,
        dir.path(),
        &[
            "reprocess",
            &e,
            "--kind",
            "action-items",
            "--missing",
            "--yes",
        ],
    )
    .await);
    assert!(out.starts_with("plan: upsert 1 record"), "{out}");
    let rec = &emu.records("ns4")[&aid(ITEM2)];
    let at = match rec.metadata["created_at"] {
        memlens::store::MetaValue::Number(n) => n as i64,
        ref other => panic!("{other:?}"),
    };
    assert!(at >= start && at <= chrono::Utc::now().timestamp());
    assert_eq!(rec.metadata, action_item_metadata(UID, ITEM2, at));
    let emb = BuiltinEmbedder::new().unwrap();
    assert_eq!(rec.values, embed(&emb, "Draft the offsite agenda").await);
    // Search keeps Omi's 0.3 threshold and names the item.
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &[
                "search",
                "--kind",
                "action-items",
                "Draft the offsite agenda",
                "--export",
                &e,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(v["threshold"].as_f64(), Some(0.3f32 as f64));
    assert_eq!(v["hits"][0]["owner"], ITEM2);
    assert_eq!(v["hits"][0]["text"], "Draft the offsite agenda");
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["score"].as_f64().unwrap() >= 0.3 - 1e-6)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_chunks_as_omis_chat_groups_by_conversation_with_rebuilt_text() {
    let dir = tempfile::tempdir().unwrap();
    let export = fixture(dir.path());
    let emu = preloaded(&export).await;
    let e = export.display().to_string();
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &[
                "search",
                "--kind",
                "chunks",
                "Lakeview hall parking",
                "--export",
                &e,
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(v["top_k"], 60);
    assert!(v["threshold"].is_null());
    // Every stored chunk of the user comes back (no threshold, 7 < 60).
    assert_eq!(v["hits"].as_array().unwrap().len(), 7);
    let a0 = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["vector_id"] == cid(A, 0))
        .unwrap();
    assert!(
        a0["text"]
            .as_str()
            .unwrap()
            .starts_with("[Conversation on 14 Oct 2026, 09:02]\nUser: Morning!")
    );
    // The query sent Omi's filter: uid plus the created_at range.
    let v = json(
        &memlens(
            &emu,
            dir.path(),
            &[
                "search",
                "--kind",
                "chunks",
                "parking",
                "--range",
                "2026-10-01..2026-10-31",
                "--uid",
                UID,
                "--json",
            ],
        )
        .await,
    );
    let q = emu.requests_to("/query");
    let body = q.last().unwrap().json();
    assert_eq!(body["namespace"], "ns_tchunks");
    assert_eq!(body["topK"], 60);
    assert!(
        body["filter"].to_string().contains("\"uid\""),
        "{}",
        body["filter"]
    );
    assert!(
        body["filter"].to_string().contains("$gte"),
        "{}",
        body["filter"]
    );
    // Only A's chunks (14 Oct) are in the range: B's (30 Sep) and M's (21 Sep) are not.
    let owners: Vec<&str> = v["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["owner"].as_str().unwrap())
        .collect();
    assert_eq!(owners, [A, A]);
    // Plain output groups hits under their conversation.
    let out = ok(&memlens(
        &emu,
        dir.path(),
        &["search", "--kind", "chunks", "parking", "--export", &e],
    )
    .await);
    assert!(
        out.contains(&format!("{A}  Offsite venue and catering")),
        "{out}"
    );
    assert!(out.contains("not in the export"), "{out}");
}

/// The ids of the listing test: more than a page under `u-`, beginning with every kind of
/// character Pinecone accepts after the prefix — the id that is the prefix itself, control
/// characters (130 of them, so that they fill more than the first page), printable ones,
/// and DEL — beside ids under other prefixes that must not be listed.
fn listing_ids() -> (Vec<String>, Vec<String>) {
    let mut under: Vec<String> = (0..150)
        .map(|i| match i % 3 {
            0 => format!("u-{:08x}-4abc-8def-0123456789ab-c{}", i * 7919, i % 5),
            1 => format!("u-ai-{i:020}"),
            _ => format!("u-Zz{i}~"),
        })
        .collect();
    under.extend((0..130).map(|i| format!("u-\u{2}{i:03}")));
    under.extend(
        [
            "u-",
            "u-\u{0}nul",
            "u-\u{1f}unit",
            "u-\t",
            "u- space",
            "u-~tilde",
        ]
        .map(String::from),
    );
    under.extend((0..3).map(|i| format!("u-\u{7f}del{i}")));
    let other = ["u", "t-\u{7f}", "v-\u{1}", "u_x", "u\u{7f}"].map(String::from);
    (under, other.to_vec())
}

/// `list_prefix` (every kind's status lists the user's prefix with it) is complete: on
/// Pinecone, whose ids are ASCII, the shards cover every printable character and DEL, and
/// the ids that sort before them (control characters, the prefix itself) come from the
/// head of the plain listing, followed only while it holds them. A store whose ids may be
/// any UTF-8 (`u-é…`) is listed without shards. (It sharded by printable ASCII alone, and
/// missed DEL, control characters, the bare prefix and non-ASCII ids.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_prefix_finds_every_id_whatever_follows_the_prefix() {
    use memlens::store::pinecone::PineconeStore;
    use memlens::store::{Record, VectorStore};
    use memlens::sync::kinds::status::list_prefix;

    let (under, other) = listing_ids();
    let mut want = under.clone();
    want.sort();
    let emu = PineconeEmulator::start(4).await;
    let vector = |id: &String| {
        (
            id.clone(),
            StoredVector {
                values: vec![0.5; 4],
                metadata: Default::default(),
            },
        )
    };
    emu.seed("ns_tchunks", under.iter().chain(&other).map(vector));
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    emu.clear_requests();
    let (ids, pages) = list_prefix(&store, "ns_tchunks", "u-", 100, |_| {})
        .await
        .unwrap();
    assert_eq!(ids, want);
    assert_eq!(pages, emu.count_to("/vectors/list"));
    // The first page and the one after it (the 130 control-character ids fill the
    // first), then the 96 shards, none over a page: no plain listing walked to the end.
    assert_eq!(pages, 2 + 96);
    // The premise of the shard set: an id that is not ASCII is refused (by memlens's
    // client before Pinecone, which answers 400 "ID must be ASCII"; so does the emulator).
    let refused = store
        .upsert(
            "ns_tchunks",
            vec![Record {
                id: "u-éclair".into(),
                values: vec![0.5; 4],
                metadata: Default::default(),
            }],
        )
        .await;
    assert!(refused.is_err(), "{refused:?}");

    // A store that can hold any UTF-8 id (the same emulator, seeded past Pinecone's
    // rule, behind a store that says so): listed whole, without shards.
    let mut all = under.clone();
    all.extend(["u-éclair", "u-\u{80}", "u-\u{10ffff}", "u-日本"].map(String::from));
    emu.seed("ns_tchunks", all.iter().map(vector));
    let any = AnyUtf8(store);
    emu.clear_requests();
    let (ids, pages) = list_prefix(&any, "ns_tchunks", "u-", 100, |_| {})
        .await
        .unwrap();
    all.sort();
    assert_eq!(ids, all);
    assert_eq!(pages, all.len().div_ceil(100));
    assert_eq!(pages, emu.count_to("/vectors/list"));
}

/// A Pinecone store that claims it may hold ids that are not ASCII (as a store that does
/// not check them would). Only `list` is used: it is forwarded; the rest is refused.
struct AnyUtf8(memlens::store::pinecone::PineconeStore);

type StoreResult<T> = Result<T, memlens::store::StoreError>;

fn unused<T>() -> StoreResult<T> {
    Err(memlens::store::StoreError::Unsupported(
        "this test store only lists".into(),
    ))
}

#[async_trait::async_trait]
impl memlens::store::VectorStore for AnyUtf8 {
    fn target(&self) -> String {
        "any-utf8".into()
    }
    fn is_remote(&self) -> bool {
        true
    }
    fn ascii_ids(&self) -> bool {
        false
    }
    async fn list(
        &self,
        ns: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        token: Option<String>,
    ) -> StoreResult<memlens::store::ListPage> {
        self.0.list(ns, prefix, limit, token).await
    }
    async fn upsert(&self, _: &str, _: Vec<memlens::store::Record>) -> StoreResult<usize> {
        unused()
    }
    async fn fetch(
        &self,
        _: &str,
        _: &[String],
    ) -> StoreResult<BTreeMap<String, memlens::store::Record>> {
        unused()
    }
    async fn query(&self, _: memlens::store::Query) -> StoreResult<Vec<memlens::store::Match>> {
        unused()
    }
    async fn delete(&self, _: &str, _: &[String]) -> StoreResult<()> {
        unused()
    }
    async fn update_metadata(
        &self,
        _: &str,
        _: &str,
        _: memlens::store::Metadata,
    ) -> StoreResult<()> {
        unused()
    }
    async fn stats(&self) -> StoreResult<memlens::store::IndexStats> {
        unused()
    }
    async fn check_compatible(&self, _: &str, _: usize) -> StoreResult<()> {
        unused()
    }
}
