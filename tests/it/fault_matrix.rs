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

/// The transient fault (an index into a fault table of `kinds` entries) that the `n`th
/// arrival of a request with this content meets: about 10 % of first and second
/// arrivals, chosen by a hash of the content (FNV-1a, seeded), none from the third on.
/// Tied to what a request carries rather than to when it arrives, so which request
/// meets which fault is the same under any interleaving of the concurrent requests;
/// and as no request meets more than 2 faults, each succeeds within the clients' 3
/// retries — a clean item can never fail.
fn transient(seed: u64, content: &str, n: usize, kinds: u64) -> Option<u64> {
    if n >= 2 {
        return None;
    }
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in content.bytes().chain(std::iter::once(n as u8)) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let h = h ^ (h >> 29);
    (h % 100 < 10).then_some((h / 100) % kinds)
}

/// A transient fault of every kind for the fake OpenAI server.
fn openai_fault(kind: u64) -> fake_openai::Fault {
    use fake_openai::Fault as F;
    match kind {
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
    }
}

/// A transient fault of every kind for the Pinecone emulator.
fn pinecone_fault(kind: u64) -> Fault {
    match kind {
        0 => Fault::status(429).retry_after("0"),
        1 => Fault::status(429),
        2 => Fault::status(500),
        3 => Fault::status(502),
        4 => Fault::status(503),
        5 => Fault::delay(Duration::from_millis(700)),
        _ => Fault::status(200).body("{\"upsertedCount\": tru"),
    }
}

/// Transient faults on ~10 % of the embedding requests, by content.
fn openai_faults(fake: &FakeOpenAi, seed: u64) {
    fake.fault_by_content(move |body, n| {
        transient(seed, &body.to_string(), n, 8).map(openai_fault)
    });
}

/// Transient faults on ~10 % of the upsert and fetch requests, by content.
fn pinecone_faults(emu: &PineconeEmulator, seed: u64) {
    emu.fault_by_content(move |a| {
        if !matches!(a.path, "/vectors/upsert" | "/vectors/fetch") {
            return None;
        }
        transient(seed, a.content, a.n, 7).map(pinecone_fault)
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_memories_through_ten_percent_faults() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeOpenAi::start(Options::of(ServerKind::OpenAi)).await;
    let emu = PineconeEmulator::start(16).await;
    let memories: Vec<Memory> = (0..N).map(memory).collect();

    // Two plain-text 401s from the embedding server (not retryable: each stops the job,
    // which is resumed), each on the first request carrying one memory — fm0007 in the
    // first batch, fm1507 in the 31st — and one Pinecone 401 on the first upsert
    // carrying fm1000's record. Tied to items, they stop the job three times in any
    // interleaving; a queue ("the 8th request") would let two land in one run.
    let refused: Vec<String> = [7, 1507]
        .iter()
        .map(|&i| render(&memories[i].structured, TextFormat::CURRENT))
        .collect();
    let mut refused_left = refused.clone();
    fake.fault_by_content(move |body, n| {
        if let Some(i) = refused_left
            .iter()
            .position(|t| fake_openai::body_carries(body, t))
        {
            refused_left.remove(i);
            return Some(fake_openai::Fault::Unauthorized { json: false });
        }
        transient(2026, &body.to_string(), n, 8).map(openai_fault)
    });
    let refused_record = format!("\"{}\"", vector_id(UID, &memories[1000].id));
    let mut record_refused = false;
    emu.fault_by_content(move |a| {
        if a.path == "/vectors/upsert" && !record_refused && a.content.contains(&refused_record) {
            record_refused = true;
            return Some(Fault::status(401).body("Invalid API Key"));
        }
        if !matches!(a.path, "/vectors/upsert" | "/vectors/fetch") {
            return None;
        }
        transient(2026, a.content, a.n, 7).map(pinecone_fault)
    });

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
    let injected = fake.faults_served()
        + emu.faults_served("/vectors/upsert")
        + emu.faults_served("/vectors/fetch");
    eprintln!(
        "fault matrix: {N} memories, {injected} faults met (~10 % of requests, by content; 3 of them plain-text 401s: {} stopped the job and were resumed); final summary: {} done ({} before the last resume), {} failed, {} pending",
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
    // About one request in ten met a fault (the hash picks them, so the share is the
    // same on every run).
    let requests =
        fake.request_count() + emu.count_to("/vectors/upsert") + emu.count_to("/vectors/fetch");
    assert!(
        injected * 20 >= requests && injected >= 15,
        "the matrix injected {injected} faults over {requests} requests"
    );
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

    // Plus ~10 % transient faults on both sides, by content.
    openai_faults(&fake, 1414);
    pinecone_faults(&emu, 1414);

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
    let openai_hit = fake.faults_served();
    let embed_bound = batches + 10 * per_500 + openai_hit * 3;
    let upserts = emu.count_to("/vectors/upsert");
    let hits = |path: &str| emu.faults_served(path);
    let upsert_bound =
        batches + 20 * 2 * log2n + hits("/vectors/upsert") * 3 + hits("/vectors/fetch");
    eprintln!(
        "poisoned fault matrix: {N} memories, 40 poisoned (10 embed 500, 10 NaN vector, 20 \
         store 400), {openai_hit} + {} + {} transient faults met (embedding, upsert, \
         fetch); \
         {} done, {} failed; {embeds} embedding requests (bound {embed_bound}, \
         {batches} without faults), {upserts} upserts (bound {upsert_bound}), {:.1} s",
        hits("/vectors/upsert"),
        hits("/vectors/fetch"),
        summary.done,
        summary.failed.len(),
        summary.elapsed_ms as f64 / 1000.0
    );
    assert!(embeds <= embed_bound, "{embeds} > {embed_bound}");
    assert!(upserts <= upsert_bound, "{upserts} > {upsert_bound}");
}
