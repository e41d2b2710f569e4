//! Fault matrix: a reprocess of 2,000 memories through the OpenAI-compatible client and
//! the Pinecone client, against the fake OpenAI server and the Pinecone emulator (both on
//! 127.0.0.1), with about 10 % of requests answered by a fault of every kind: 429 with and
//! without Retry-After, 500/502/503, timeouts, connections cut mid-body, malformed bodies,
//! and plain-text 401s. The batch must end with every memory upserted exactly once under
//! its id with the right values and metadata, and the summary must account for every item.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use memlens::embed::openai::{OpenAiConfig, OpenAiEmbedder};
use memlens::http::RetryPolicy;
use memlens::omi::conventions::vector_id;
use memlens::omi::date::OmiDate;
use memlens::omi::text::{TextFormat, render};
use memlens::omi::{Memory, Structured};
use memlens::store::MetaValue;
use memlens::store::pinecone::PineconeStore;
use memlens::sync::journal::Journal;
use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor, Selection, cosine};
use support::fake_openai::{self, FakeOpenAi, Options, ServerKind};
use support::pinecone_emulator::{Fault, PineconeEmulator};

const UID: &str = "u-fault";
const NS: &str = "ns1";
const N: usize = 2000;

fn memory(i: usize) -> Memory {
    Memory {
        id: format!("fm{i:04}"),
        created_at: OmiDate::parse(&format!(
            "2025-06-{:02}T08:{:02}:00+00:00",
            1 + i % 28,
            i % 60
        ))
        .ok(),
        structured: Structured {
            title: format!("Memory {i} about errands"),
            overview: format!("Talked about item {i} and the weekly plan."),
            emoji: "🧠".into(),
            ..Structured::default()
        },
        ..Memory::default()
    }
}

/// A fault for the fake OpenAI server, ~10 % of the time (a pass-through otherwise).
fn openai_slot(rng: &mut fastrand::Rng) -> (fake_openai::Fault, bool) {
    use fake_openai::Fault as F;
    if rng.u32(..100) >= 10 {
        return (F::Delay(Duration::ZERO), false);
    }
    let f = match rng.u32(..8) {
        0 => F::RateLimit {
            retry_after: Some("0"),
        },
        1 => F::RateLimit { retry_after: None },
        2 => F::Status(500),
        3 => F::Status(502),
        4 => F::Status(503),
        5 => F::Delay(Duration::from_millis(700)), // over the client's timeout
        6 => F::Truncated,
        _ => F::MalformedJson,
    };
    (f, true)
}

/// A fault for the Pinecone emulator on `path`, ~10 % of the time.
fn pinecone_slot(rng: &mut fastrand::Rng, path: &str) -> (Fault, bool) {
    if rng.u32(..100) >= 10 {
        return (Fault::delay(Duration::ZERO).on(path), false);
    }
    let f = match rng.u32(..7) {
        0 => Fault::status(429).retry_after("0"),
        1 => Fault::status(429),
        2 => Fault::status(500),
        3 => Fault::status(502),
        4 => Fault::status(503),
        5 => Fault::delay(Duration::from_millis(700)),
        _ => Fault::status(200).body("{\"upsertedCount\": tru"),
    };
    (f.on(path), true)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_memories_through_ten_percent_faults() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(16).await;
    let mut rng = fastrand::Rng::with_seed(2026);

    let mut injected = 0usize;
    let mut openai_faults = Vec::new();
    for _ in 0..400 {
        let (f, hit) = openai_slot(&mut rng);
        injected += usize::from(hit);
        openai_faults.push(f);
    }
    // Two plain-text 401s: not retryable, so those batches fail a round and are retried.
    openai_faults[7] = fake_openai::Fault::Unauthorized { json: false };
    openai_faults[31] = fake_openai::Fault::Unauthorized { json: false };
    fake.push_faults(openai_faults);
    // And the first upsert answers Pinecone's plain-text 401.
    emu.inject(
        Fault::status(401)
            .body("Invalid API Key")
            .on("/vectors/upsert"),
    );
    for path in ["/vectors/upsert", "/vectors/fetch"] {
        for _ in 0..600 {
            let (f, hit) = pinecone_slot(&mut rng, path);
            injected += usize::from(hit);
            emu.inject(f);
        }
    }

    let mut ocfg = OpenAiConfig::new(fake.base_url(), "tiny-embed");
    ocfg.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    };
    ocfg.request_timeout = Duration::from_millis(400);
    ocfg.max_inputs_per_request = 50;
    let embedder = Arc::new(OpenAiEmbedder::new(ocfg).unwrap());
    let mut pcfg = emu.config();
    pcfg.timeout = Duration::from_millis(400);
    pcfg.retry = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    };
    let store = Arc::new(PineconeStore::connect(pcfg).await.unwrap());
    let journal = Arc::new(Journal::open_in(dir.path()).unwrap());
    let config = ReprocessConfig {
        uid: Some(UID.into()),
        batch_size: 50,
        concurrency: 4,
        retry_rounds: 3,
        retry_delay: Duration::from_millis(5),
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(embedder, store, journal.clone(), config);
    let memories: Vec<Memory> = (0..N).map(memory).collect();
    let plan = rp.plan(&memories, &Selection::All, None).await.unwrap();
    assert_eq!(plan.counts.new, N);
    // A 401 means the key was refused: the job stops with a clear error (retrying a bad
    // key would only hammer the server) and stays resumable in the journal.
    let mut stops = Vec::new();
    let mut outcome = rp.run(&plan, |_| {}, &CancelFlag::new()).await;
    let summary = loop {
        match outcome {
            Ok(summary) => break summary,
            Err(e) => {
                let text = e.to_string();
                assert!(
                    text.contains("401") || text.to_lowercase().contains("key"),
                    "{text}"
                );
                stops.push(text);
                assert!(stops.len() <= 3, "more stops than 401s injected: {stops:?}");
                let run = rp
                    .unfinished_run()
                    .unwrap()
                    .expect("the stopped run is resumable");
                outcome = rp
                    .resume(&run.header.run_id, &memories, |_| {}, &CancelFlag::new())
                    .await;
            }
        }
    };
    eprintln!(
        "fault matrix: {N} memories, {injected} faults queued over ~1,600 request slots (~10 %) + 3 plain-text 401s ({} stopped the job and were resumed); final summary: {} done ({} before the last resume), {} failed, {} pending",
        stops.len(),
        summary.done,
        summary.done_before,
        summary.failed.len(),
        summary.pending,
    );
    assert_eq!(stops.len(), 3, "each 401 stopped the job once: {stops:?}");

    // The summary accounts for every item.
    assert_eq!(
        summary.done + summary.failed.len() + summary.pending,
        N,
        "{summary:?}"
    );
    assert!(
        summary.is_complete(),
        "every memory written despite the faults: {summary:?}"
    );

    // Every memory exactly once, under its id, with its own vector and metadata.
    let stored = emu.records(NS);
    assert_eq!(stored.len(), N, "nothing lost, nothing extra");
    for (i, m) in memories.iter().enumerate() {
        let id = vector_id(UID, &m.id);
        let rec = stored.get(&id).unwrap_or_else(|| panic!("{id} missing"));
        let want = fake_openai::vector_for_text(&render(&m.structured, TextFormat::CURRENT), 16);
        assert!(
            cosine(&rec.values, &want) > 0.99999,
            "{id} holds another memory's vector"
        );
        assert_eq!(rec.metadata["memory_id"], MetaValue::String(m.id.clone()));
        assert_eq!(rec.metadata["uid"], MetaValue::String(UID.into()));
        let created = memory(i).created_at.unwrap().timestamp() as f64;
        assert_eq!(rec.metadata["created_at"], MetaValue::Number(created));
        let confirmed = journal
            .writes_of(&id)
            .unwrap()
            .iter()
            .filter(|w| w.outcome == "done")
            .count();
        assert_eq!(confirmed, 1, "{id}: written and confirmed once");
    }
    assert!(injected >= 100, "the matrix injected {injected} faults");
}
