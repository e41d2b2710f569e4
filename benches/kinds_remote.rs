//! Remote scale of the record kinds (issue 24): a heavy account — 5,000 conversations
//! (~80,000 transcript chunk ids: 16 per conversation), 10,000 action items — against the
//! Pinecone emulator on 127.0.0.1 with 50 ms injected latency on every request. For each
//! kind, `sync::kinds::status::kind_status` lists the user's prefix (`{uid}-` or
//! `{uid}-ai-`, pages of 100) and fetches the orphans' metadata in batches of 100, as
//! `memlens status --kind …` does.
//!
//! Stored: every conversation's `ns1` vector; chunks of 4,500 conversations (the rest
//! missing) plus 500 tail orphans (two per shortened transcript of 250 conversations);
//! 9,500 action items plus 200 orphans. Prints a table of request counts and wall time;
//! performance is reported, not asserted. Vectors are 4-dimensional (listing and fetching
//! ids is what is measured). Ids are shaped like Omi's: UUID4 conversations, 20-character
//! Firestore ids for action items.

#[path = "../tests/it/support/pinecone_emulator.rs"]
mod pinecone_emulator;

use std::time::{Duration, Instant};

use memlens::omi::action_items::{action_item_metadata, action_item_vector_id};
use memlens::omi::chunks::{chunk_metadata, chunk_vector_id};
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::load_bytes;
use memlens::omi::record_kind::Kind;
use memlens::omi::text::TextFormat;
use memlens::store::pinecone::PineconeStore;
use memlens::sync::kinds::record_kind;
use memlens::sync::kinds::status::kind_status;
use pinecone_emulator::{Fault, PineconeEmulator, StoredVector};

const UID: &str = "BenchUid0000000000000000001";
const CONVERSATIONS: usize = 5_000;
/// 98 transcript lines make 16 chunks (⌈(98 − 8) / 6⌉ + 1).
const LINES: usize = 98;
const ITEMS: usize = 10_000;
const LATENCY: Duration = Duration::from_millis(50);
const DIM: usize = 4;

/// A UUID-shaped conversation id (Omi's are UUID4s), the same for the same `i`.
fn cid(i: usize) -> String {
    let mut r = fastrand::Rng::with_seed(i as u64);
    let h = |n: usize, r: &mut fastrand::Rng| -> String {
        (0..n)
            .map(|_| char::from_digit(r.u32(0..16), 16).unwrap())
            .collect()
    };
    format!(
        "{}-{}-4{}-8{}-{}",
        h(8, &mut r),
        h(4, &mut r),
        h(3, &mut r),
        h(3, &mut r),
        h(12, &mut r)
    )
}

/// A Firestore-shaped action item id (20 base-62 characters), the same for the same `i`.
fn item_id(i: usize) -> String {
    const ABC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut r = fastrand::Rng::with_seed(1_000_000 + i as u64);
    (0..20).map(|_| ABC[r.usize(0..62)] as char).collect()
}

fn export_json() -> String {
    let mut convs = Vec::with_capacity(CONVERSATIONS);
    for i in 0..CONVERSATIONS {
        let segs: Vec<String> = (0..LINES)
            .map(|n| {
                format!(
                    r#"{{"text":"line {n} of conversation {i}","is_user":{},"speaker_id":1,"start":{n}.0,"end":{n}.5}}"#,
                    n % 2 == 0
                )
            })
            .collect();
        convs.push(format!(
            r#"{{"id":"{}","created_at":"2026-10-14T09:12:40+00:00","started_at":"2026-10-14T09:02:05+00:00","status":"completed","discarded":false,"deleted":false,"structured":{{"title":"Conversation {i}","overview":"About {i}","category":"work"}},"transcript_segments":[{}]}}"#,
            cid(i),
            segs.join(",")
        ));
    }
    let items: Vec<String> = (0..ITEMS)
        .map(|i| {
            format!(
                r#"{{"id":"{}","description":"Task {i}","completed":false,"created_at":"2026-10-14T09:12:41+00:00"}}"#,
                item_id(i)
            )
        })
        .collect();
    format!(
        r#"{{"profile":{{"uid":"{UID}"}},"conversations":[{}],"memories":[],"action_items":[{}],"export_complete":true}}"#,
        convs.join(","),
        items.join(",")
    )
}

fn v() -> Vec<f32> {
    vec![0.5; DIM]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run()) {
        eprintln!("bench failed: {e}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let export = load_bytes("omi-export.json", export_json().as_bytes())?;
    let load = t.elapsed();
    let emu = PineconeEmulator::start(DIM).await;
    emu.seed(
        "ns1",
        (0..CONVERSATIONS).map(|i| {
            (
                vector_id(UID, &cid(i)),
                StoredVector {
                    values: v(),
                    metadata: memory_metadata(UID, &cid(i), 1_791_968_525),
                },
            )
        }),
    );
    let mut chunks = Vec::new();
    for i in 0..CONVERSATIONS {
        let stored = if i < 4_500 { 16 } else { 0 };
        let tail = if i < 250 { 2 } else { 0 };
        for n in 0..stored + tail {
            chunks.push((
                chunk_vector_id(UID, &cid(i), n),
                StoredVector {
                    values: v(),
                    metadata: chunk_metadata(UID, &cid(i), n, 1_791_968_525),
                },
            ));
        }
    }
    let chunk_ids = chunks.len();
    emu.seed("ns_tchunks", chunks);
    emu.seed(
        "ns4",
        (0..9_500)
            .map(item_id)
            .chain((ITEMS..ITEMS + 200).map(item_id))
            .map(|id| {
                (
                    action_item_vector_id(UID, &id),
                    StoredVector {
                        values: v(),
                        metadata: action_item_metadata(UID, &id, 1_792_000_000),
                    },
                )
            }),
    );
    emu.inject(Fault::delay(LATENCY).times(usize::MAX));
    let store = PineconeStore::connect(emu.config()).await?;
    println!(
        "heavy account: {CONVERSATIONS} conversations, {chunk_ids} chunk ids stored, {ITEMS} action items \
         (export loaded in {:.2} s); Pinecone emulator on 127.0.0.1, {} ms latency on every request",
        load.as_secs_f64(),
        LATENCY.as_millis()
    );
    println!(
        "| kind | namespace | listed | list pages | fetches | orphans | wall time |\n| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for kind in [Kind::Conversations, Kind::ActionItems, Kind::Chunks] {
        emu.clear_requests();
        let rk = record_kind(kind, TextFormat::default());
        let t = Instant::now();
        let r = kind_status(&store, rk.as_ref(), &export, UID, None, |_, _| {}).await?;
        let wall = t.elapsed();
        let lists = emu.count_to("/vectors/list");
        let fetches = emu.count_to("/vectors/fetch");
        assert_eq!(
            (lists, fetches),
            (r.requests.list_pages, r.requests.fetches)
        );
        println!(
            "| {} | {} | {} | {} | {} | {} | {:.1} s |",
            kind.word(),
            r.namespace,
            r.listed,
            lists,
            fetches,
            r.orphans.len(),
            wall.as_secs_f64()
        );
    }
    write_missing_chunks(&emu, store, &export).await
}

/// The write of missing chunks through the journalled job (`memlens reprocess --kind
/// chunks --id …`): the 500 conversations without chunks, split in two halves of 250
/// (4,000 chunks each). Baseline in the same run: one batch of 100 at a time, the shape
/// of Omi's backfill loop; then memlens's default of 4 batches in flight. Each batch
/// embeds (a 4-d fake embedder: the store's side is measured), fetches the existing
/// metadata, upserts, and fetches back to verify.
async fn write_missing_chunks(
    emu: &PineconeEmulator,
    store: PineconeStore,
    export: &memlens::omi::export::Export,
) -> Result<(), Box<dyn std::error::Error>> {
    use memlens::embed::fake::FakeEmbedder;
    use memlens::sync::journal::Journal;
    use memlens::sync::kinds::write::{self, Selection};
    use memlens::sync::reprocess::{CancelFlag, Reprocessor};
    use std::sync::Arc;
    let dir = tempfile::tempdir()?;
    let journal = Arc::new(Journal::open_in(dir.path())?);
    let store: Arc<dyn memlens::store::VectorStore> = Arc::new(store);
    let rk = record_kind(Kind::Chunks, TextFormat::default());
    println!(
        "\n| chunk write (8,000 missing, 2 × 4,000) | batches in flight | upsert | fetch | embed calls | wall time |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    for (half, concurrency) in [(0, 1), (1, 4)] {
        let owners: Vec<String> = (4_500 + half * 250..4_750 + half * 250).map(cid).collect();
        let plan = write::plan(
            rk.as_ref(),
            export,
            UID,
            None,
            &Selection {
                owners,
                ..Selection::default()
            },
        )?;
        let mut config = write::engine_config(Kind::Chunks, UID, false);
        config.concurrency = concurrency;
        let embedder = Arc::new(FakeEmbedder::new(DIM));
        let rp = Reprocessor::new(
            embedder.clone(),
            Arc::clone(&store),
            Arc::clone(&journal),
            config,
        );
        emu.clear_requests();
        let t = Instant::now();
        let done = write::apply(&rp, &plan, true, |_| {}, &CancelFlag::new()).await?;
        let wall = t.elapsed();
        assert!(done.summary.is_complete(), "{:?}", done.summary);
        assert_eq!(done.upserted, 4_000);
        println!(
            "| {} | {concurrency} | {} | {} | {} | {:.1} s |",
            if concurrency == 1 {
                "one batch at a time (Omi's backfill loop's shape)"
            } else {
                "memlens default"
            },
            emu.count_to("/vectors/upsert"),
            emu.count_to("/vectors/fetch"),
            embedder.calls(),
            wall.as_secs_f64()
        );
    }
    Ok(())
}
