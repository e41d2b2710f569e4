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
use memlens::sync::reprocess::{
    CancelFlag, Cause, FailedItem, ReprocessConfig, Reprocessor, Selection, cosine,
};
use std::collections::BTreeMap;
use support::fake_openai::{self, FakeOpenAi, Options, Poison, ServerKind};
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

/// Requests to the fake OpenAI server that a queue of faults answers with a fault.
fn is_fault(f: &fake_openai::Fault) -> bool {
    !matches!(f, fake_openai::Fault::Delay(d) if d.is_zero())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poisoned_items_fail_alone_among_ten_percent_faults() {
    const BATCH: usize = 50;
    const RETRIES: u32 = 3;
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(16).await;
    let mut rng = fastrand::Rng::with_seed(1414);
    let memories: Vec<Memory> = (0..N).map(memory).collect();
    let text = |m: &Memory| render(&m.structured, TextFormat::CURRENT);

    // About 1 % of the memories poisoned: 10 the embedding server fails on (HTTP 500),
    // 10 it returns a NaN vector for, 20 the store refuses (HTTP 400).
    let mut picks: Vec<usize> = (0..N).collect();
    rng.shuffle(&mut picks);
    let (embed_500, rest) = picks.split_at(10);
    let (embed_nan, rest) = rest.split_at(10);
    let store_400 = &rest[..20];
    for &i in embed_500 {
        fake.poison(&text(&memories[i]), Poison::Status500);
    }
    for &i in embed_nan {
        fake.poison(&text(&memories[i]), Poison::NanVector);
    }
    emu.poison(store_400.iter().map(|&i| vector_id(UID, &memories[i].id)));

    // Plus ~10 % transient faults on both sides.
    let mut openai_faults = Vec::new();
    for _ in 0..600 {
        openai_faults.push(openai_slot(&mut rng).0);
    }
    let openai_injected = openai_faults.iter().filter(|f| is_fault(f)).count();
    let queued = openai_faults.clone();
    fake.push_faults(openai_faults);
    let mut pinecone_injected = 0;
    let mut slots: BTreeMap<&str, Vec<bool>> = BTreeMap::new();
    for path in ["/vectors/upsert", "/vectors/fetch"] {
        for _ in 0..600 {
            let (f, hit) = pinecone_slot(&mut rng, path);
            pinecone_injected += usize::from(hit);
            slots.entry(path).or_default().push(hit);
            emu.inject(f);
        }
    }

    let retry = RetryPolicy {
        max_retries: RETRIES,
        base_delay: Duration::from_millis(1),
        max_delay: Duration::from_millis(20),
    };
    let mut ocfg = OpenAiConfig::new(fake.base_url(), "tiny-embed");
    ocfg.retry = retry;
    ocfg.request_timeout = Duration::from_millis(400);
    ocfg.max_inputs_per_request = BATCH;
    let embedder = Arc::new(OpenAiEmbedder::new(ocfg).unwrap());
    let mut pcfg = emu.config();
    pcfg.timeout = Duration::from_millis(400);
    pcfg.retry = retry;
    let store = Arc::new(PineconeStore::connect(pcfg).await.unwrap());
    let journal = Arc::new(Journal::open_in(dir.path()).unwrap());
    let config = ReprocessConfig {
        uid: Some(UID.into()),
        batch_size: BATCH,
        concurrency: 4,
        retry_rounds: 3,
        retry_delay: Duration::from_millis(5),
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(embedder, store, journal.clone(), config);
    let plan = rp.plan(&memories, &Selection::All, None).await.unwrap();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await.unwrap();

    // Exactly the poisoned memories failed, each named with its cause.
    let cause_of: BTreeMap<&str, (Cause, &str)> = embed_500
        .iter()
        .map(|&i| (i, (Cause::EmbedRejected, "unsupported value: NaN")))
        .chain(
            embed_nan
                .iter()
                .map(|&i| (i, (Cause::BadVector, "NaN or infinity"))),
        )
        .chain(
            store_400
                .iter()
                .map(|&i| (i, (Cause::StoreRejected, "could not be processed"))),
        )
        .map(|(i, c)| (memories[i].id.as_str(), c))
        .collect();
    let failed: BTreeMap<&str, &FailedItem> = summary
        .failed
        .iter()
        .map(|f| (f.memory_id.as_str(), f))
        .collect();
    assert_eq!(
        failed.keys().collect::<Vec<_>>(),
        cause_of.keys().collect::<Vec<_>>(),
        "exactly the poisoned memories fail: {:?}",
        summary.failed
    );
    for (id, (cause, words)) in &cause_of {
        let f = failed[id];
        assert_eq!(f.cause, *cause, "{f:?}");
        assert!(f.error.contains(words), "{id}: {}", f.error);
    }
    let groups: Vec<(Cause, usize)> = summary
        .failed_by_cause
        .iter()
        .map(|g| (g.cause, g.count))
        .collect();
    assert_eq!(
        groups,
        vec![
            (Cause::EmbedRejected, 10),
            (Cause::BadVector, 10),
            (Cause::StoreRejected, 20)
        ]
    );
    assert_eq!(summary.done, N - 40, "{summary:?}");
    assert_eq!(summary.pending, 0);

    // Every other memory written once, under its id, with its own vector and metadata.
    let stored = emu.records(NS);
    assert_eq!(
        stored.len(),
        N - 40,
        "all but the 10+10 unembeddable and 20 refused"
    );
    for (i, m) in memories.iter().enumerate() {
        let id = vector_id(UID, &m.id);
        let confirmed = journal
            .writes_of(&id)
            .unwrap()
            .iter()
            .filter(|w| w.outcome == "done")
            .count();
        if cause_of.contains_key(m.id.as_str()) {
            assert_eq!(confirmed, 0, "{id}");
            continue;
        }
        let rec = stored.get(&id).unwrap_or_else(|| panic!("{id} missing"));
        let want = fake_openai::vector_for_text(&text(m), 16);
        assert!(
            cosine(&rec.values, &want) > 0.99999,
            "{id} holds another vector"
        );
        assert_eq!(rec.metadata["memory_id"], MetaValue::String(m.id.clone()));
        assert_eq!(rec.metadata["uid"], MetaValue::String(UID.into()));
        let created = memory(i).created_at.unwrap().timestamp() as f64;
        assert_eq!(rec.metadata["created_at"], MetaValue::Number(created));
        assert_eq!(confirmed, 1, "{id}: written and confirmed once");
    }

    // The requests stay within the bound. Per bad item: at most 2·⌈log2 n⌉ bisection
    // requests, plus for a 500 the retries of the first attempt and of the one-item
    // confirmation. A NaN vector costs nothing extra (the answer names its index).
    // Each transient fault costs at most a retry or a split of the piece it hit (2), or
    // a confirmation with retries when it hits a lone item; the retry rounds resend the
    // batches a fault beat outright.
    let log2n = BATCH.next_power_of_two().trailing_zeros() as usize;
    let batches = N.div_ceil(BATCH);
    let per_500 = 2 * log2n + 2 * RETRIES as usize + 1;
    let embeds = fake.request_count();
    // Faults apply one per request, in order: those of the slots the run used.
    let openai_hit = queued[..embeds.min(queued.len())]
        .iter()
        .filter(|f| is_fault(f))
        .count();
    let embed_bound = batches + 10 * per_500 + openai_hit * 3;
    let upserts = emu.count_to("/vectors/upsert");
    let hits = |path: &str| {
        let used = emu.count_to(path).min(600);
        slots[path][..used].iter().filter(|h| **h).count()
    };
    // A fetch that a fault beat outright sends its batch to a retry round: one more
    // upsert at most.
    let upsert_bound =
        batches + 20 * 2 * log2n + hits("/vectors/upsert") * 3 + hits("/vectors/fetch");
    eprintln!(
        "poisoned fault matrix: {N} memories, 40 poisoned (10 embed 500, 10 NaN vector, 20 \
         store 400), {openai_injected} + {pinecone_injected} transient faults queued \
         ({openai_hit} met by embedding requests); \
         {} done, {} failed; {embeds} embedding requests (bound {embed_bound}, \
         {batches} without faults), {upserts} upserts (bound {upsert_bound}), {:.1} s",
        summary.done,
        summary.failed.len(),
        summary.elapsed_ms as f64 / 1000.0
    );
    assert!(embeds <= embed_bound, "{embeds} > {embed_bound}");
    assert!(upserts <= upsert_bound, "{upserts} > {upsert_bound}");
}
