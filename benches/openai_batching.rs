//! Batching benchmark: 2,000 memory-like texts embedded through the fake OpenAI server
//! (127.0.0.1) with 50 ms of injected latency per request.
//!
//! - memlens: one `embed` call (batches of 256 inputs, 4 requests in flight, base64).
//! - Omi's way: one request per memory, sequentially, float arrays. By default measured
//!   on the first 200 texts and scaled ×10 (the full run takes 100 s+); pass `--full`
//!   (`cargo bench --bench openai_batching -- --full`) to measure all 2,000.
//!
//! Prints a table; no assertion (performance is reported, not asserted).

#[path = "../tests/it/support/fake_openai.rs"]
mod fake_openai;

use std::time::{Duration, Instant};

use fake_openai::{FakeOpenAi, Options, ServerKind};
use memlens::embed::Embedder;
use memlens::embed::openai::{OpenAiConfig, OpenAiEmbedder};

const TEXTS: usize = 2000;
const BASELINE_SUBSET: usize = 200;
const LATENCY: Duration = Duration::from_millis(50);

/// Texts shaped like Omi's `str(structured)` (format omi-2025-10-17), 60–250 tokens.
fn memory_texts(n: usize) -> Vec<String> {
    const TOPICS: &[&str] = &[
        "garden project",
        "quarterly budget",
        "hiking trip",
        "doctor appointment",
        "band rehearsal",
        "product launch",
        "moving apartments",
        "birthday dinner",
    ];
    const PEOPLE: &[&str] = &["Dana", "Luis", "Mei", "Tomasz", "Aisha", "Jon"];
    const CATEGORIES: &[&str] = &["Personal", "Work", "Health", "Family", "Travel", "Finance"];
    let mut rng = fastrand::Rng::with_seed(7);
    (0..n)
        .map(|i| {
            let topic = TOPICS[rng.usize(..TOPICS.len())];
            let person = PEOPLE[rng.usize(..PEOPLE.len())];
            let mut t = format!(
                "Talk with {person} about the {topic} ({})\nDiscussed the {topic} with {person}: \
                 timelines, open questions and who does what next. Memory {i}.",
                CATEGORIES[rng.usize(..CATEGORIES.len())]
            );
            for _ in 0..rng.usize(0..6) {
                t.push_str(&format!(
                    " They also covered item {} and agreed to revisit it on day {}.",
                    rng.u32(1..500),
                    rng.u32(1..28)
                ));
            }
            let items = rng.usize(0..4);
            if items > 0 {
                t.push_str("\nAction Items:\n");
                let lines: Vec<String> = (0..items)
                    .map(|k| format!("- Follow up with {person} on step {k} (pending)"))
                    .collect();
                t.push_str(&lines.join("\n"));
            }
            t
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
    rt.block_on(run(full));
}

async fn run(full: bool) {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.latency = LATENCY;
    let server = FakeOpenAi::start(opts).await;
    let texts = memory_texts(TEXTS);
    let model = "text-embedding-3-large";

    // memlens: everything in one call.
    let ours =
        OpenAiEmbedder::new(OpenAiConfig::new(server.base_url(), model)).expect("client config");
    let tokens: usize = texts.iter().map(|t| ours.count_tokens(t)).sum();
    let start = Instant::now();
    let vectors = ours.embed(&texts).await.expect("batched embed");
    let ours_time = start.elapsed();
    let ours_requests = server.request_count();
    assert_eq!(vectors.len(), TEXTS);

    // Omi's way: one request per text, one after the other.
    server.reset_log();
    let mut cfg = OpenAiConfig::new(server.base_url(), model);
    cfg.max_inputs_per_request = 1;
    cfg.concurrency = 1;
    cfg.prefer_base64 = false;
    let one_by_one = OpenAiEmbedder::new(cfg).expect("client config");
    let measured = if full { TEXTS } else { BASELINE_SUBSET };
    let start = Instant::now();
    for (i, text) in texts[..measured].iter().enumerate() {
        let v = one_by_one
            .embed(std::slice::from_ref(text))
            .await
            .expect("single embed");
        // Same vectors either way (checked, not timed).
        assert_eq!(v[0].len(), vectors[i].len());
        let cos: f32 = v[0].iter().zip(&vectors[i]).map(|(a, b)| a * b).sum();
        assert!(cos > 0.9999, "text {i}: cosine {cos}");
    }
    let base_measured_time = start.elapsed();
    let base_measured_requests = server.request_count();
    let scale = TEXTS as f64 / measured as f64;
    let base_time = base_measured_time.mul_f64(scale);
    let base_requests = (base_measured_requests as f64 * scale).round() as usize;

    println!();
    println!(
        "openai_batching: {TEXTS} memory-like texts ({tokens} cl100k tokens), {model} \
         (3072 dims), fake server on 127.0.0.1 with {} ms latency per request",
        LATENCY.as_millis()
    );
    if !full {
        println!(
            "one-per-text baseline measured on the first {measured} texts \
             ({base_measured_requests} requests, {:.2} s) and scaled x{scale:.0}; \
             run with -- --full to measure all {TEXTS}",
            base_measured_time.as_secs_f64()
        );
    }
    println!();
    println!("| approach                                 | requests | wall time | per text  |");
    println!("|------------------------------------------|---------:|----------:|----------:|");
    let row = |name: &str, req: usize, t: Duration| {
        println!(
            "| {name:<40} | {req:>8} | {:>7.2} s | {:>6.2} ms |",
            t.as_secs_f64(),
            t.as_secs_f64() * 1000.0 / TEXTS as f64
        );
    };
    row(
        "memlens (256/request, 4 in flight)",
        ours_requests,
        ours_time,
    );
    row(
        if full {
            "one request per text, sequential"
        } else {
            "one request per text, sequential (est.)"
        },
        base_requests,
        base_time,
    );
    println!();
    println!(
        "requests: {:.0}x fewer (target >= 30x); wall time: {:.0}x less (target >= 20x)",
        base_requests as f64 / ours_requests.max(1) as f64,
        base_time.as_secs_f64() / ours_time.as_secs_f64().max(1e-9)
    );
}
