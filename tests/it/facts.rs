//! Omi's facts (`ns2`): the sample export `e3-facts.json` (omi-facts.md §F8) loaded,
//! and the real binary's `status`, `reprocess`, `search`, `text`, `orphans` with
//! `--kind facts` against the Pinecone emulator preloaded as §F8 describes.

use crate::support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use memlens::embed::Embedder;
use memlens::embed::builtin::{BuiltinEmbedder, DIMENSION};
use memlens::omi::conventions::memory_metadata;
use memlens::omi::export::load_path;
use memlens::omi::fact_conventions::fact_metadata;
use memlens::store::MetaValue;
use serde_json::Value;
use support::pinecone_emulator::{PineconeEmulator, StoredVector};

pub(crate) const UID: &str = "Xq3kP9vT2mWbR7nLcA5sD8fGh1J2";
pub(crate) const F1: &str = "93716633-d258-4ae2-b710-9ccee07b13f0";
const F2: &str = "ec1e4394-c9bd-4996-8825-1167b29ec5e8";
pub(crate) const F3: &str = "20e08207-1119-40e2-9daa-d4ccabd96481";
const F4: &str = "d661f2f9-a981-427a-b7d7-5170c1f98253";
const F5: &str = "1932fc72-ca5b-4419-832c-7c36afa19b6e";
const F6: &str = "ebb61570-956e-4ca3-8bd1-1d9e9d668b20";
const ORPHAN: &str = "0b7e3c55-1111-4a2b-9c3d-5e6f7a8b9c0d";
const CONVERSATION: &str = "3f9c2a71-8d4e-4b6a-9a1f-52c7e0d4b813";

pub(crate) fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/samples/e3-facts.json")
}

fn vid(id: &str) -> String {
    format!("{UID}-{id}")
}

#[test]
fn the_sample_loads_three_conversations_and_six_facts() {
    let e = load_path(&sample()).unwrap();
    assert_eq!(e.memories.len(), 3);
    assert_eq!(e.fact_section.facts.len(), 6);
    assert!(e.fact_section.bad_records.is_empty());
    let ids: Vec<&str> = e.fact_section.facts.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids, [F5, F3, F1, F4, F2, F6]);
    let f6 = e.fact_section.get(F6).unwrap();
    assert_eq!(
        (f6.category.raw(), f6.category.api_value()),
        ("habits", "system")
    );
    assert_eq!(f6.visibility.as_deref(), Some("public"));
    assert!(
        f6.rest
            .iter()
            .any(|(k, v)| k == "memory_category" && v == "\"health\"")
    );
    assert!(f6.predates_ns2());
    let f4 = e.fact_section.get(F4).unwrap();
    assert!(f4.edited);
    assert_eq!(
        f4.conversation_id.as_deref(),
        Some("b62e0f4c-1a7d-4e39-8c55-0d9e3a71f2c6")
    );
    let f3 = e.fact_section.get(F3).unwrap();
    assert!(f3.manually_added && f3.conversation_id.is_none() && f3.headline.is_none());
}

/// The emulator preloaded per §F8: F1–F5 present (F4 with the vector of its pre-edit
/// text, F5 with category `auto`), F6 missing, one orphan fact vector, one ns1 vector.
pub(crate) async fn preloaded() -> (PineconeEmulator, BuiltinEmbedder) {
    let emu = PineconeEmulator::start(DIMENSION).await;
    let e = BuiltinEmbedder::new().unwrap();
    let export = load_path(&sample()).unwrap();
    let text_of = |id: &str| export.fact_section.get(id).unwrap().content.clone();
    let mut texts: Vec<(String, String, &str, i64)> = vec![
        (F5.into(), text_of(F5), "auto", 1_768_074_451),
        (F3.into(), text_of(F3), "manual", 1_771_621_435),
        (F1.into(), text_of(F1), "system", 1_773_512_529),
        (
            F4.into(),
            "Leads the design system team at work".into(),
            "system",
            1_768_927_277,
        ),
        (F2.into(), text_of(F2), "interesting", 1_773_512_529),
    ];
    texts.push((
        ORPHAN.into(),
        "Owns a red bicycle".into(),
        "system",
        1_772_000_000,
    ));
    let inputs: Vec<String> = texts.iter().map(|t| t.1.clone()).collect();
    let vectors = e.embed(&inputs).await.unwrap();
    emu.seed(
        "ns2",
        texts.iter().zip(vectors).map(|((id, _, cat, at), values)| {
            (
                vid(id),
                StoredVector {
                    values,
                    metadata: fact_metadata(UID, id, cat, *at),
                },
            )
        }),
    );
    let conv = e.embed(&["Planning a 50K".to_string()]).await.unwrap();
    emu.seed(
        "ns1",
        [(
            vid(CONVERSATION),
            StoredVector {
                values: conv[0].clone(),
                metadata: memory_metadata(UID, CONVERSATION, 1_773_512_521),
            },
        )],
    );
    (emu, e)
}

use support::{memlens_on_emulator as memlens, ok};

fn states(v: &Value) -> BTreeMap<String, String> {
    v["facts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["fact_id"].as_str().unwrap().to_string(),
                f["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_gives_each_fact_its_expected_ns2_state() {
    let (emu, _) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    // No --uid: the facts' own uid field names the user.
    let o = memlens(
        &emu,
        dir.path(),
        &["status", &e, "--kind", "facts", "--json"],
    )
    .await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["namespace"], "ns2");
    assert_eq!(v["uid"], UID);
    let expected: BTreeMap<String, String> = [
        (F1, "present"),
        (F2, "present"),
        (F3, "present"),
        (F4, "present"),
        (F5, "present"),
        (F6, "missing"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(states(&v), expected);
    let row = |id: &str| {
        v["facts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["fact_id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(row(F4)["stale_text_candidate"], true);
    assert_eq!(row(F1)["stale_text_candidate"], false);
    assert_eq!(row(F5)["stored_category"], "auto");
    assert_eq!(row(F5)["category_drift"], false);
    assert_eq!(row(F6)["predates_ns2"], true);
    assert!(row(F6)["reason"].as_str().unwrap().contains("2026-01-10"));

    // --verify embeds each content: F4's vector is of its pre-edit text.
    let o = memlens(
        &emu,
        dir.path(),
        &["status", &e, "--kind", "facts", "--verify", "--json"],
    )
    .await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    let s = states(&v);
    assert_eq!(s[F4], "stale");
    for id in [F1, F2, F3, F5] {
        assert_eq!(s[id], "fresh", "{id}");
    }
    assert_eq!(s[F6], "missing");
    // Conversations are untouched by the flag's default.
    let o = memlens(&emu, dir.path(), &["status", &e, "--uid", UID, "--json"]).await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["namespace"], "ns1");
    assert_eq!(v["memories"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_missing_writes_exactly_the_missing_fact_as_omi_and_leaves_ns1_alone() {
    let (emu, embedder) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    let ns1_before = emu.records("ns1");
    let ns2_before = emu.records("ns2");
    emu.clear_requests();
    let started = chrono::Utc::now().timestamp();
    let o = memlens(
        &emu,
        dir.path(),
        &[
            "reprocess",
            &e,
            "--kind",
            "facts",
            "--missing",
            "--yes",
            "--uid",
            UID,
        ],
    )
    .await;
    let out = ok(&o);
    assert!(out.contains("namespace  ns2"), "{out}");
    assert!(out.contains("1 of 1 done"), "{out}");
    let ended = chrono::Utc::now().timestamp();
    assert_eq!(emu.records("ns1"), ns1_before);
    let after = emu.records("ns2");
    assert_eq!(after.len(), ns2_before.len() + 1);
    for (id, r) in &ns2_before {
        assert_eq!(&after[id], r, "{id} was rewritten");
    }
    let written = &after[&vid(F6)];
    let m = &written.metadata;
    assert_eq!(m.len(), 4, "{m:?}");
    assert_eq!(m["uid"], MetaValue::String(UID.into()));
    assert_eq!(m["memory_id"], MetaValue::String(F6.into()));
    assert_eq!(m["category"], MetaValue::String("habits".into()));
    let MetaValue::Number(at) = m["created_at"] else {
        panic!("created_at {:?}", m["created_at"]);
    };
    assert!((started as f64..=ended as f64).contains(&at), "{at}");
    let want = embedder
        .embed(&["Drinks green tea every morning".to_string()])
        .await
        .unwrap();
    assert!(memlens::sync::reprocess::cosine(&written.values, &want[0]) > 0.9999);
    for r in emu.requests_to("/vectors/upsert") {
        assert_eq!(r.json()["namespace"], "ns2");
    }
    // Nothing is missing any more: a second run plans no write.
    let o = memlens(
        &emu,
        dir.path(),
        &[
            "reprocess",
            &e,
            "--kind",
            "facts",
            "--missing",
            "--yes",
            "--uid",
            UID,
        ],
    )
    .await;
    assert!(ok(&o).contains("nothing to write"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reprocess_carries_extra_keys_and_never_overwrites_canonical_vectors() {
    let (emu, _) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    let mut records = emu.records("ns2");
    let mut f1 = records.remove(&vid(F1)).unwrap();
    f1.metadata
        .insert("projection_version".into(), MetaValue::Number(1.0));
    let mut f2 = records.remove(&vid(F2)).unwrap();
    f2.metadata
        .insert("memory_schema_version".into(), MetaValue::Number(1.0));
    emu.seed("ns2", [(vid(F1), f1), (vid(F2), f2.clone())]);
    let o = memlens(
        &emu,
        dir.path(),
        &[
            "reprocess",
            &e,
            "--kind",
            "facts",
            "--id",
            F1,
            F2,
            "--yes",
            "--uid",
            UID,
        ],
    )
    .await;
    let out = ok(&o);
    assert!(out.contains("1 foreign"), "{out}");
    let after = emu.records("ns2");
    assert_eq!(after[&vid(F2)], f2, "a canonical vector was overwritten");
    assert_eq!(
        after[&vid(F1)].metadata["projection_version"],
        MetaValue::Number(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ns2_search_sends_omis_filter_and_shows_content_and_category() {
    let (emu, _) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    emu.clear_requests();
    let o = memlens(
        &emu,
        dir.path(),
        &[
            "search",
            "oat milk in coffee",
            "--kind",
            "facts",
            "--export",
            &e,
            "--uid",
            UID,
            "--top-k",
            "3",
        ],
    )
    .await;
    let out = ok(&o);
    let queries = emu.requests_to("/query");
    assert_eq!(queries.len(), 1);
    let q = queries[0].json();
    assert_eq!(q["namespace"], "ns2");
    assert_eq!(q["filter"], serde_json::json!({"uid": UID}));
    assert_eq!(q["topK"], 3);
    assert_eq!(q["includeMetadata"], true);
    let first = out
        .lines()
        .find(|l| l.trim_start().starts_with("1 "))
        .unwrap();
    assert!(
        first.contains("[auto]") && first.contains("Prefers oat milk in coffee"),
        "{out}"
    );
    assert!(out.contains("0.85 find_similar_memories default"), "{out}");
    assert!(out.contains("0.70 extraction dedup"), "{out}");

    let o = memlens(
        &emu,
        dir.path(),
        &[
            "search", "tea", "--kind", "facts", "--export", &e, "--uid", UID, "--json",
        ],
    )
    .await;
    let hits: Vec<Value> = ok(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!hits.is_empty());
    for h in &hits {
        assert!(h["category"].is_string(), "{h}");
        if h["fact_id"] == ORPHAN {
            assert_eq!(h["in_export"], false);
        } else {
            assert!(h["content"].is_string(), "{h}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orphans_and_text_for_facts() {
    let (emu, _) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    let o = memlens(
        &emu,
        dir.path(),
        &["orphans", &e, "--kind", "facts", "--uid", UID, "--json"],
    )
    .await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    let orphans: Vec<&str> = v["orphans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["vector_id"].as_str().unwrap())
        .collect();
    assert_eq!(orphans, [vid(ORPHAN).as_str()]);
    assert_eq!(v["missing"], 1);
    let o = memlens(
        &emu,
        dir.path(),
        &["text", &e, "--kind", "facts", "--id", F4],
    )
    .await;
    assert_eq!(ok(&o), "Leads the design systems team at Northwind\n");
    let o = memlens(&emu, dir.path(), &["check", &e, "--json"]).await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["memories"], 3);
    assert_eq!(v["facts"], 6);
    assert_eq!(v["facts_by_category"]["habits"], 1);
    assert_eq!(v["facts_by_api_category"]["system"], 4);
    let o = memlens(&emu, dir.path(), &["index", "stats"]).await;
    let out = ok(&o);
    assert!(out.contains("Omi facts"), "{out}");
    assert!(out.contains("Omi conversations"), "{out}");
}

/// `ns3` (screen activity) is a namespace memlens does not model: listed as read-only,
/// readable, never written. `ns4` (action items) is modelled (`--kind action-items`
/// writes it), yet the conversation paths still refuse to write into it: it holds another
/// kind (issue 24).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn namespaces_memlens_does_not_model_are_listed_and_never_written() {
    let (emu, _) = preloaded().await;
    let dir = tempfile::tempdir().unwrap();
    let e = sample().display().to_string();
    for ns in ["ns3", "ns4"] {
        emu.seed(
            ns,
            [(
                format!("{UID}-ai-0001"),
                StoredVector {
                    values: vec![0.1; DIMENSION],
                    metadata: Default::default(),
                },
            )],
        );
    }
    let o = memlens(&emu, dir.path(), &["index", "stats", "--json"]).await;
    let v: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(v["namespace_info"]["ns3"]["holds"], "screen activity");
    assert_eq!(v["namespace_info"]["ns3"]["modelled"], false);
    assert_eq!(v["namespace_info"]["ns4"]["holds"], "action items");
    assert_eq!(v["namespace_info"]["ns4"]["modelled"], true);
    assert_eq!(v["namespace_info"]["ns4"]["dimension"], DIMENSION);
    assert_eq!(v["namespace_info"]["ns2"]["vectors"], 6);
    let o = memlens(&emu, dir.path(), &["index", "stats"]).await;
    let out = ok(&o);
    assert!(out.contains("Omi screen activity (read-only)"), "{out}");
    assert!(out.contains("Omi action items\n"), "{out}");
    let prefix = format!("{UID}-");
    for ns in ["ns3", "ns4"] {
        let o = memlens(
            &emu,
            dir.path(),
            &["index", "list", "--namespace", ns, "--prefix", &prefix],
        )
        .await;
        assert_eq!(ok(&o), format!("{UID}-ai-0001\n"));
        let id = format!("{UID}-ai-0001");
        let o = memlens(
            &emu,
            dir.path(),
            &["index", "fetch", "--namespace", ns, &id],
        )
        .await;
        assert!(ok(&o).starts_with(&id));
    }
    // Orphans there are listed, but deleting is refused, and so is a reprocess: ns3 is
    // read-only, ns4 holds another kind.
    const OTHER_KIND: &str = "conversations are never written to or deleted from it";
    for (ns, deleting, writing) in [
        ("ns3", "read-only", "does not model"),
        ("ns4", OTHER_KIND, OTHER_KIND),
    ] {
        for (command, tail, why) in [
            ("orphans", "--delete", deleting),
            ("reprocess", "--all", writing),
        ] {
            let args = [command, &e, "--namespace", ns, "--uid", UID, tail, "--yes"];
            let o = memlens(&emu, dir.path(), &args).await;
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(!o.status.success() && err.contains(why), "{args:?}: {err}");
            assert_eq!(emu.records(ns).len(), 1);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_facts_run_is_journalled_resumed_and_then_unchanged() {
    use memlens::embed::fake::FakeEmbedder;
    use memlens::omi::fact_conventions::Kind;
    use memlens::store::VectorStore;
    use memlens::store::local::LocalStore;
    use memlens::sync::journal::Journal;
    use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor, Selection};
    use std::sync::Arc;

    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalStore::open(&LocalStore::default_path(dir.path())).unwrap());
    let journal = Arc::new(Journal::open_in(dir.path()).unwrap());
    let config = ReprocessConfig {
        uid: Some(UID.into()),
        kind: Kind::Facts,
        namespace: "ns2".into(),
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(
        Arc::new(FakeEmbedder::new(32)),
        store.clone(),
        journal,
        config,
    );
    let facts = load_path(&sample()).unwrap().fact_section.facts;
    let plan = rp.plan_facts(&facts, &Selection::All, None).await.unwrap();
    assert_eq!(plan.counts.new, 6);
    assert_eq!(plan.target.format, "fact-content");
    // Cancelled before the first batch: every item stays pending in the journal.
    let cancel = CancelFlag::new();
    cancel.cancel();
    let summary = rp.run(&plan, |_| {}, &cancel).await.unwrap();
    assert_eq!((summary.done, summary.pending), (0, 6));
    let info = rp.unfinished_run().unwrap().expect("an unfinished run");
    let summary = rp
        .resume_facts(&info.header.run_id, &facts, |_| {}, &CancelFlag::new())
        .await
        .unwrap();
    assert_eq!(summary.done, 6, "{summary:?}");
    let ids: Vec<String> = facts.iter().map(|f| vid(&f.id)).collect();
    let stored = store.fetch("ns2", &ids).await.unwrap();
    assert_eq!(stored.len(), 6);
    assert_eq!(
        stored[&vid(F5)].metadata["category"],
        MetaValue::String("auto".into())
    );
    assert!(store.fetch("ns1", &ids).await.unwrap().is_empty());
    // The journal knows every fact was written with this text and model.
    let again = rp.plan_facts(&facts, &Selection::All, None).await.unwrap();
    assert_eq!((again.counts.unchanged, again.counts.writes()), (6, 0));
}
