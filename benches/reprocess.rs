//! Reprocess benchmark: 2,000 memories through the fake OpenAI server and the Pinecone
//! emulator (both on 127.0.0.1, 50 ms injected latency on every request, 3072 dims).
//!
//! - memlens: `Reprocessor::plan` (status lookup) then `run` (embedding batches of 256,
//!   4 batches in flight, batched upserts, fetch of existing metadata and verification).
//! - Omi's loop: per memory, one embedding request then one upsert request, one memory
//!   after the other (no metadata fetch, no verification). Measured by default on the
//!   first 100 memories and scaled ×20 (the full loop takes minutes); pass `--full`
//!   (`cargo bench --bench reprocess -- --full`) to measure all 2,000.
//!
//! Prints a table; performance is reported, not asserted.

#[path = "../tests/it/support/fake_openai.rs"]
mod fake_openai;
#[path = "../tests/it/support/pinecone_emulator.rs"]
mod pinecone_emulator;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_openai::{FakeOpenAi, Options, ServerKind};
use memlens::embed::openai::{OpenAiConfig, OpenAiEmbedder};
use memlens::embed::{EmbedError, Embedder};
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::date::OmiDate;
use memlens::omi::text::{TextFormat, render};
use memlens::omi::{ActionItem, Memory, Structured};
use memlens::store::pinecone::PineconeStore;
use memlens::store::{Record, VectorStore};
use memlens::sync::journal::Journal;
use memlens::sync::reprocess::{CancelFlag, ReprocessConfig, Reprocessor, Selection};
use pinecone_emulator::{Fault, PineconeEmulator};

const MEMORIES: usize = 2000;
const BASELINE_SUBSET: usize = 100;
const LATENCY: Duration = Duration::from_millis(50);
const MODEL: &str = "text-embedding-3-large";
const DIM: usize = 3072;
const UID: &str = "bench-user";

fn memories(n: usize) -> Vec<Memory> {
    const TOPICS: &[&str] = &[
        "garden project",
        "quarterly budget",
        "hiking trip",
        "doctor appointment",
        "band rehearsal",
        "product launch",
    ];
    const PEOPLE: &[&str] = &["Dana", "Luis", "Mei", "Tomasz", "Aisha", "Jon"];
    let mut rng = fastrand::Rng::with_seed(11);
    (0..n)
        .map(|i| {
            let topic = TOPICS[rng.usize(..TOPICS.len())];
            let person = PEOPLE[rng.usize(..PEOPLE.len())];
            let mut overview = format!(
                "Discussed the {topic} with {person}: timelines, open questions and who does \
                 what next. Memory {i}."
            );
            for _ in 0..rng.usize(0..6) {
                overview.push_str(&format!(
                    " They also covered item {} and agreed to revisit it on day {}.",
                    rng.u32(1..500),
                    rng.u32(1..28)
                ));
            }
            let created = format!("2025-06-{:02}T09:{:02}:00Z", 1 + i % 28, i % 60);
            Memory {
                id: format!("{:08x}-bench-{i:05}", rng.u32(..)),
                created_at: OmiDate::parse(&created).ok(),
                structured: Structured {
                    title: format!("Talk with {person} about the {topic}"),
                    overview,
                    emoji: "🧠".into(),
                    action_items: (0..rng.usize(0..4))
                        .map(|k| ActionItem {
                            description: format!("Follow up with {person} on step {k}"),
                            ..ActionItem::default()
                        })
                        .collect(),
                    ..Structured::default()
                },
                ..Memory::default()
            }
        })
        .collect()
}

fn main() {
    let full = std::env::args().any(|a| a == "--full");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(full)) {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

async fn run(full: bool) -> Result<(), Box<dyn std::error::Error>> {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.latency = LATENCY;
    let openai = FakeOpenAi::start(opts).await;
    let emu = PineconeEmulator::start(DIM).await;
    emu.inject(Fault::delay(LATENCY).times(usize::MAX));
    let ms = memories(MEMORIES);
    let data = tempfile::tempdir()?;

    // memlens.
    let embedder = Arc::new(OpenAiEmbedder::new(OpenAiConfig::new(
        openai.base_url(),
        MODEL,
    ))?);
    let store = Arc::new(PineconeStore::connect(emu.config()).await?);
    let config = ReprocessConfig {
        uid: Some(UID.into()),
        ..ReprocessConfig::default()
    };
    let rp = Reprocessor::new(
        embedder,
        store.clone(),
        Arc::new(Journal::open_in(data.path())?),
        config,
    );
    let start = Instant::now();
    let plan = rp.plan(&ms, &Selection::All, None).await?;
    let plan_time = start.elapsed();
    let plan_fetches = emu.requests_to("/vectors/fetch").len();
    let start = Instant::now();
    let summary = rp.run(&plan, |_| {}, &CancelFlag::new()).await?;
    let run_time = start.elapsed();
    if !summary.is_complete() {
        return Err(format!("memlens run incomplete: {summary:?}").into());
    }
    let ours_total = plan_time + run_time;
    let count = |path: &str| emu.requests_to(path).len();
    let (ours_fetch, ours_upsert) = (count("/vectors/fetch"), count("/vectors/upsert"));
    let ours_embed = openai.request_count();

    // Omi's loop, into another namespace.
    emu.clear_requests();
    openai.reset_log();
    let mut cfg = OpenAiConfig::new(openai.base_url(), MODEL);
    cfg.max_inputs_per_request = 1;
    cfg.concurrency = 1;
    cfg.prefer_base64 = false;
    let one_by_one = OpenAiEmbedder::new(cfg)?;
    let measured = if full { MEMORIES } else { BASELINE_SUBSET };
    let start = Instant::now();
    for m in &ms[..measured] {
        let text = render(&m.structured, TextFormat::CURRENT);
        let v = one_by_one
            .embed(std::slice::from_ref(&text))
            .await?
            .pop()
            .ok_or_else(|| EmbedError::BadResponse("no vector".into()))?;
        let created = m.created_at.as_ref().map_or(0, OmiDate::timestamp);
        store
            .upsert(
                "ns-omi-loop",
                vec![Record {
                    id: vector_id(UID, &m.id),
                    values: v,
                    metadata: memory_metadata(UID, &m.id, created),
                }],
            )
            .await?;
    }
    let base_measured = start.elapsed();
    let base_requests = openai.request_count() + emu.requests_to("/vectors/upsert").len();
    let scale = MEMORIES as f64 / measured as f64;
    let base_total = base_measured.mul_f64(scale);

    let tokens = plan.estimated_tokens;
    println!();
    println!(
        "reprocess: {MEMORIES} memories ({tokens} cl100k tokens), {MODEL} ({DIM} dims), fake \
         OpenAI + Pinecone emulator on 127.0.0.1, {} ms latency on every request",
        LATENCY.as_millis()
    );
    if !full {
        println!(
            "Omi loop measured on the first {measured} memories ({:.2} s, {base_requests} \
             requests) and scaled x{scale:.0}; run with -- --full to measure all {MEMORIES}",
            base_measured.as_secs_f64()
        );
    }
    println!();
    println!(
        "| approach                                   | requests                       | wall time |"
    );
    println!(
        "|--------------------------------------------|--------------------------------|----------:|"
    );
    println!(
        "| memlens plan (status lookup)               | {:<30} | {:>7.2} s |",
        format!("{plan_fetches} fetch"),
        plan_time.as_secs_f64()
    );
    println!(
        "| memlens run (embed, upsert, verify)        | {:<30} | {:>7.2} s |",
        format!(
            "{ours_embed} embed, {ours_upsert} upsert, {} fetch",
            ours_fetch - plan_fetches
        ),
        run_time.as_secs_f64()
    );
    println!(
        "| memlens plan + run                         | {:<30} | {:>7.2} s |",
        "",
        ours_total.as_secs_f64()
    );
    println!(
        "| Omi loop (1 embed + 1 upsert per memory)   | {:<30} | {:>7.2} s |",
        format!("{} embed + {} upsert", MEMORIES, MEMORIES),
        base_total.as_secs_f64()
    );
    println!();
    println!(
        "speed-up: {:.1}x (plan + run), {:.1}x (run only)",
        base_total.as_secs_f64() / ours_total.as_secs_f64(),
        base_total.as_secs_f64() / run_time.as_secs_f64()
    );
    Ok(())
}
