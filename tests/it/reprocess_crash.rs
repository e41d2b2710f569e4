//! Kill -9 in the middle of `memlens reprocess`, several times at random points, then let
//! a last run finish: every memory must end written exactly as planned, and no item the
//! journal had confirmed may be written again (one `done` row per vector id overall).
//!
//! The child process is this test binary re-run on the ignored test `child_run`, which
//! calls the `memlens reprocess` command in-process with settings from its environment
//! (the fake OpenAI server and, for one test, the Pinecone emulator live in the parent,
//! so their state survives the kills).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Duration;

use memlens::cli::Context;
use memlens::cli::reprocess::{ReprocessArgs, execute};
use memlens::config::{Inputs, Settings};
use memlens::omi::chunks::{chunk_metadata, chunk_vector_id, transcript_chunks};
use memlens::omi::conventions::{memory_metadata, vector_id};
use memlens::omi::export::load_path;
use memlens::omi::text::{TextFormat, render};
use memlens::store::VectorStore;
use memlens::store::local::LocalStore;
use memlens::store::pinecone::PineconeStore;
use memlens::sync::journal::Journal;
use memlens::sync::reprocess::{CancelFlag, cosine};
use support::fake_openai::{self, FakeOpenAi, Options, ServerKind};
use support::pinecone_emulator::{Fault, PineconeEmulator};

const UID: &str = "u1";

/// What a crash test writes: conversations (`ns1`, the default) or, with
/// `REPROCESS_CRASH_KIND=chunks`, their transcript chunks (`ns_tchunks`) through the same
/// journalled job.
#[derive(Clone, Copy, PartialEq)]
enum Written {
    Conversations,
    Chunks,
}

impl Written {
    fn namespace(self) -> &'static str {
        match self {
            Written::Conversations => "ns1",
            Written::Chunks => "ns_tchunks",
        }
    }

    /// Every record Omi would hold for the export: (vector id, text, metadata).
    fn expected(self, export: &Path) -> Vec<(String, String, memlens::store::Metadata)> {
        let memories = load_path(export).unwrap().memories;
        match self {
            Written::Conversations => memories
                .iter()
                .map(|m| {
                    (
                        vector_id(UID, &m.id),
                        render(&m.structured, TextFormat::CURRENT),
                        memory_metadata(UID, &m.id, m.created_at.as_ref().unwrap().timestamp()),
                    )
                })
                .collect(),
            Written::Chunks => memories
                .iter()
                .flat_map(|m| {
                    transcript_chunks(m).into_iter().map(|c| {
                        (
                            chunk_vector_id(UID, &m.id, c.chunk_index),
                            c.text.clone(),
                            chunk_metadata(UID, &m.id, c.chunk_index, c.created_at),
                        )
                    })
                })
                .collect(),
        }
    }
}
/// Kills per store: 5 in CI; `MEMLENS_CRASH_ROUNDS=50` for the long run in RELIABILITY.md.
fn kills() -> usize {
    std::env::var("MEMLENS_CRASH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

/// Enough memories that every kill can land mid-run (batches of 5, two in flight).
fn memory_count() -> usize {
    300.max(kills() * 30)
}
const DIM: usize = 16;

/// The child: runs `memlens reprocess EXPORT --all --yes` when the parent set
/// `REPROCESS_CRASH_EXPORT`; on its own it returns at once.
#[test]
#[ignore = "child process of the kill tests in this file"]
fn child_run() {
    let Ok(export) = std::env::var("REPROCESS_CRASH_EXPORT") else {
        return;
    };
    let settings = Settings::resolve(&Inputs {
        skip_default_config: true,
        ..Inputs::from_process_env()
    })
    .unwrap();
    use clap::Parser;
    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        a: ReprocessArgs,
    }
    let mut argv = vec![
        "memlens",
        &export,
        "--all",
        "--resume",
        "--yes",
        "--batch-size",
        "5",
        "--concurrency",
        "2",
    ];
    let kind = std::env::var("REPROCESS_CRASH_KIND").unwrap_or_default();
    if !kind.is_empty() {
        argv.extend(["--kind", kind.as_str()]);
    }
    let args = Wrap::try_parse_from(argv).unwrap().a;
    let ctx = Context {
        settings,
        json: true,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let code = rt
        .block_on(execute(
            &ctx,
            &args,
            &mut std::io::stdout(),
            &CancelFlag::new(),
        ))
        .unwrap();
    std::process::exit(if code == ExitCode::SUCCESS { 0 } else { 1 });
}

fn write_export(dir: &Path) -> PathBuf {
    let list: Vec<serde_json::Value> = (0..memory_count())
        .map(|i| {
            // 14 transcript lines: two chunks per conversation (windows of 8, step 6).
            let segments: Vec<serde_json::Value> = (0..14)
                .map(|n| {
                    serde_json::json!({"text": format!("line {n} of talk {i} about seeds"),
                        "is_user": n % 2 == 0, "speaker_id": 1, "start": n as f64, "end": n as f64 + 0.5})
                })
                .collect();
            serde_json::json!({
                "id": format!("mem-{i:04}"),
                "status": "completed",
                "transcript_segments": segments,
                "created_at": format!("2025-05-{:02}T08:{:02}:00Z", 1 + i % 28, i % 60),
                "structured": {
                    "title": format!("Conversation {i}"),
                    "overview": format!("Planning item {i} of the garden project with Sam"),
                    "category": "work",
                    "action_items": [{"description": format!("Buy seeds batch {i}"), "completed": i % 2 == 0}],
                },
                "discarded": false,
            })
        })
        .collect();
    let path = dir.join("conversations.json");
    std::fs::write(&path, serde_json::to_string(&list).unwrap()).unwrap();
    path
}

fn spawn(env: &[(String, String)], export: &Path, capture: bool) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--ignored",
        "--exact",
        &child_test_name("child_run"),
        "--nocapture",
        "--test-threads=1",
    ])
    .env_clear()
    .env("REPROCESS_CRASH_EXPORT", export)
    .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    .stdin(Stdio::null())
    .stderr(Stdio::null());
    cmd.stdout(if capture {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    cmd.spawn().expect("spawn the child test binary")
}

async fn wait(child: &mut Child) -> std::process::ExitStatus {
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Kill children at random points, then finish; check the store and the journal.
async fn kill_and_resume(
    written: Written,
    mut env: Vec<(String, String)>,
    data: &Path,
    store: &dyn VectorStore,
) {
    let ns = written.namespace();
    if written == Written::Chunks {
        env.push(("REPROCESS_CRASH_KIND".into(), "chunks".into()));
    }
    let dir = data.parent().unwrap();
    let export = write_export(dir);
    let seed = fastrand::u64(..);
    println!("seed {seed}");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut mid_run = 0;
    let mut done_before = 0;
    let kills = kills();
    for _ in 0..kills {
        let mut child = spawn(&env, &export, false);
        // Wait for the child to confirm some items (however slow the machine is), then
        // kill it at a random point after that.
        let journal = Journal::open_in(data).unwrap();
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            let runs = journal.unfinished_runs(&store.target(), ns, UID).unwrap();
            if runs.first().is_some_and(|r| r.done > done_before) {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(rng.u64(0..150))).await;
        child.kill().expect("kill -9");
        wait(&mut child).await;
        // Mid-run: the child had confirmed more items and left the run unfinished.
        let journal = Journal::open_in(data).unwrap();
        let unfinished = journal.unfinished_runs(&store.target(), ns, UID).unwrap();
        if let Some(run) = unfinished.first() {
            if run.done > done_before {
                mid_run += 1;
            }
            done_before = run.done;
        }
    }
    // Read the last run's output while it runs: its JSON lines can outgrow a pipe's
    // buffer (a child blocked on a full pipe never exits).
    let child = spawn(&env, &export, true);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let status = output.status;
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(status.success(), "the last run failed: {out}");
    assert!(
        mid_run >= kills / 2,
        "no kill landed mid-run (seed {seed}); the test proved nothing"
    );

    // Nothing lost: every record written with the vector of its text and Omi's metadata.
    let expected = written.expected(&export);
    let ids: Vec<String> = expected.iter().map(|(id, _, _)| id.clone()).collect();
    let stored = store.fetch(ns, &ids).await.unwrap();
    assert_eq!(stored.len(), expected.len());
    let journal = Journal::open_in(data).unwrap();
    for (id, text, metadata) in &expected {
        let rec = &stored[id];
        let want = fake_openai::vector_for_text(text, DIM);
        assert!(cosine(&rec.values, &want) > 0.99999, "{id}");
        assert_eq!(&rec.metadata, metadata, "{id}");
        // Nothing redone: exactly one confirmed write per vector over all the runs.
        let done = journal
            .writes_of(id)
            .unwrap()
            .iter()
            .filter(|w| w.outcome == "done")
            .count();
        assert_eq!(done, 1, "{id} confirmed {done} times (seed {seed})");
    }
    assert!(
        journal
            .unfinished_runs(&store.target(), ns, UID)
            .unwrap()
            .is_empty()
    );
    println!("{mid_run} of {kills} kills landed mid-run");
}

fn openai_env(fake: &FakeOpenAi, data: &Path) -> Vec<(String, String)> {
    vec![
        ("MEMLENS_DATA_DIR".into(), data.display().to_string()),
        ("MEMLENS_UID".into(), UID.into()),
        ("MEMLENS_EMBEDDER".into(), "openai".into()),
        ("OPENAI_BASE_URL".into(), fake.base_url()),
        ("MEMLENS_OPENAI_MODEL".into(), "tiny-embed".into()),
    ]
}

fn slow_openai() -> Options {
    let mut opts = Options::of(ServerKind::OpenAi);
    opts.default_dim = DIM;
    opts.latency = Duration::from_millis(30);
    opts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_mid_run_then_resume_local_store() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fake = FakeOpenAi::start(slow_openai()).await;
    let env = openai_env(&fake, &data);
    std::fs::create_dir_all(&data).unwrap();
    let store = LocalStore::open(&LocalStore::default_path(&data)).unwrap();
    kill_and_resume(Written::Conversations, env, &data, &store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_mid_run_then_resume_pinecone() {
    kill_pinecone(Written::Conversations).await;
}

/// Action items and chunks are written by the same journalled job: a chunk write killed
/// at random points resumes without losing or redoing a chunk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_a_chunk_write_mid_run_then_resume_pinecone() {
    kill_pinecone(Written::Chunks).await;
}

async fn kill_pinecone(written: Written) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fake = FakeOpenAi::start(slow_openai()).await;
    let emu = PineconeEmulator::start(DIM).await;
    emu.inject(Fault::delay(Duration::from_millis(5)).times(usize::MAX));
    let mut env = openai_env(&fake, &data);
    env.extend([
        ("MEMLENS_STORE".to_string(), "pinecone".to_string()),
        (
            "PINECONE_API_KEY".to_string(),
            emu.api_key().expose().to_string(),
        ),
        ("PINECONE_INDEX_HOST".to_string(), emu.url()),
    ]);
    let store = PineconeStore::connect(emu.config()).await.unwrap();
    kill_and_resume(written, env, &data, &store).await;
}

/// The full name of a test of this module inside the one `it` test binary
/// (`module::test`), for re-running it as a child process with `--exact`.
fn child_test_name(test: &str) -> String {
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, m)| m);
    format!("{module}::{test}")
}
