//! Secrets sweep: with canary API keys in the environment, run every command (text and
//! `--json`) against the fake OpenAI server and the Pinecone emulator on 127.0.0.1 —
//! working servers, servers answering 401 (and echoing the key back, like a careless
//! server), servers that are down (a closed port) — and assert that no canary appears in
//! stdout, stderr or any file of the data dir. Also: a config file holding a key gets a
//! warning when others can read it, and only then.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use memlens::store::{MetaValue, Metadata};
use support::fake_openai::{FakeOpenAi, Options, ServerKind, vector_for_text};
use support::pinecone_emulator::{self as emu, PineconeEmulator, StoredVector};

const OPENAI_CANARY: &str = "sk-test-CANARY-openai-0123456789abcdef";
const PINECONE_CANARY: &str = "pcsk_CANARY_pinecone_0123456789";
/// The part of both canaries that no legitimate output contains: catches partial
/// echoes (`sk-test-CANARY-…`) as well as whole keys.
const CANARY_CORE: &str = "CANARY";

const UID: &str = "demo-sam-rivera";

/// Environment variables memlens (or its HTTP stack) reads, cleared before each run.
const CLEARED: &[&str] = &[
    "MEMLENS_UID",
    "OMI_UID",
    "MEMLENS_NAMESPACE",
    "MEMLENS_TEXT_FORMAT",
    "MEMLENS_EMBEDDER",
    "MEMLENS_STORE",
    "MEMLENS_DATA_DIR",
    "MEMLENS_READ_ONLY",
    "MEMLENS_CREATED_AT",
    "MEMLENS_OPENAI_MODEL",
    "MEMLENS_OPENAI_DIMENSIONS",
    "MEMLENS_AZURE_DEPLOYMENT",
    "MEMLENS_PINECONE_API_VERSION",
    "MEMLENS_CONFIG",
    "MEMLENS_LOG",
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_API_VERSION",
    "PINECONE_API_KEY",
    "PINECONE_INDEX_NAME",
    "PINECONE_INDEX_HOST",
    "PINECONE_CONTROLLER_HOST",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// Remove every variable memlens or its HTTP stack reads: the list above plus anything
/// named `MEMLENS_*`, `OPENAI_*` or `PINECONE_*` in the test's own environment.
fn clear_env(c: &mut Command) {
    for var in CLEARED {
        c.env_remove(var);
    }
    for (k, _) in std::env::vars() {
        if ["MEMLENS_", "OPENAI_", "PINECONE_", "OMI_"]
            .iter()
            .any(|p| k.starts_with(p))
        {
            c.env_remove(k);
        }
    }
}

/// A small export (the demo's profile and first three conversations) and one memory id.
fn small_export(dir: &Path) -> (PathBuf, String) {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(demo).unwrap()).unwrap();
    let convs = v["conversations"].as_array_mut().unwrap();
    convs.truncate(3);
    let id = convs[0]["id"].as_str().unwrap().to_string();
    let path = dir.join("export.json");
    std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
    (path, id)
}

/// Where the backends are, as environment variables.
struct Backends {
    openai_base: String,
    pinecone: Vec<(&'static str, String)>,
}

/// Every command, each to be run with and without `--json`.
fn commands(export: &Path, id: &str) -> Vec<Vec<String>> {
    let e = export.display().to_string();
    let vid = format!("{UID}-{id}");
    let prefix = format!("{UID}-");
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    vec![
        s(&["config"]),
        s(&["check", &e]),
        s(&["text", &e, "--id", id]),
        s(&["embed", "--text", "teeth cleaning at the dentist"]),
        s(&["embed", &e, "--id", id]),
        s(&["index", "stats"]),
        s(&["index", "fetch", &vid, "nope"]),
        s(&["index", "list", "--prefix", &prefix]),
        s(&["search", "guitar lesson", "--uid", UID, "--export", &e]),
        s(&["search", "--like", id, "--uid", UID]),
        s(&["status", &e]),
        s(&["status", &e, "--verify"]),
        s(&["drift", &e, "--id", id]),
        s(&["orphans", &e]),
        s(&["reprocess", &e, "--id", id, "--dry-run"]),
        s(&["reprocess", &e, "--missing", "--yes"]),
        s(&["doctor"]),
    ]
}

/// Run one command with a fixed environment; returns its output.
fn run_one(data_dir: &Path, config: &Path, b: &Backends, args: &[String]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    clear_env(&mut c);
    c.env("OPENAI_API_KEY", OPENAI_CANARY)
        .env("PINECONE_API_KEY", PINECONE_CANARY)
        .env("OPENAI_BASE_URL", &b.openai_base)
        .env("MEMLENS_DATA_DIR", data_dir)
        .env("MEMLENS_UID", UID)
        .env("MEMLENS_LOG", "debug")
        .env("RUST_BACKTRACE", "1")
        .env("NO_COLOR", "1");
    for (k, v) in &b.pinecone {
        c.env(k, v);
    }
    c.arg("--config").arg(config).args(args);
    c.output().unwrap()
}

/// Every file under `dir`, with its bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if let Ok(bytes) = std::fs::read(&p) {
            out.push((p, bytes));
        }
    }
    out
}

fn assert_no_canary(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for needle in [OPENAI_CANARY, PINECONE_CANARY, CANARY_CORE] {
        assert!(
            !text.contains(needle),
            "{what} leaks a key ({needle}):\n{text}"
        );
    }
}

/// Run every command (text and `--json`) in parallel; check outputs and the data dir.
/// Returns the outputs for scenario-specific assertions.
async fn sweep(scenario: &str, b: Backends) -> Vec<(String, Output)> {
    let dir = tempfile::tempdir().unwrap();
    let (export, id) = small_export(dir.path());
    let config = dir.path().join("empty.toml");
    std::fs::write(&config, "").unwrap();
    let data_dir = dir.path().join("data");
    let b = Arc::new(b);
    let mut jobs = Vec::new();
    for args in commands(&export, &id) {
        for json in [false, true] {
            let mut args = args.clone();
            if json {
                args.push("--json".into());
            }
            let (d, c, b) = (data_dir.clone(), config.clone(), Arc::clone(&b));
            jobs.push(tokio::task::spawn_blocking(move || {
                let out = run_one(&d, &c, &b, &args);
                (args.join(" "), out)
            }));
        }
    }
    let mut outputs = Vec::new();
    for j in jobs {
        outputs.push(j.await.unwrap());
    }
    for (cmd, out) in &outputs {
        assert!(
            out.status.code().is_some(),
            "[{scenario}] `memlens {cmd}` died of a signal"
        );
        assert_no_canary(
            &format!("[{scenario}] stdout of `memlens {cmd}`"),
            &out.stdout,
        );
        assert_no_canary(
            &format!("[{scenario}] stderr of `memlens {cmd}`"),
            &out.stderr,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked"),
            "[{scenario}] `memlens {cmd}` panicked:\n{stderr}"
        );
    }
    for (path, bytes) in files_under(&data_dir) {
        assert_no_canary(&format!("[{scenario}] {}", path.display()), &bytes);
    }
    outputs
}

fn find<'a>(outputs: &'a [(String, Output)], cmd: &str) -> &'a Output {
    &outputs
        .iter()
        .find(|(c, _)| c == cmd)
        .unwrap_or_else(|| panic!("no run of {cmd}"))
        .1
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---- a Pinecone front: checks the canary key, forwards to the emulator ----

/// How the front answers.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Accept the canary and forward with the emulator's key.
    Forward,
    /// Refuse every key with a 401 that echoes the key it was given.
    Refuse,
    /// A 400 whose long message ends with the key, across the point where memlens cuts
    /// messages, and whose `code` is the key.
    LongEcho,
    /// A 200 that is not JSON and echoes the key (a debugging proxy, a captive portal).
    GarbageEcho,
}

struct Front {
    upstream: String,
    upstream_host: String,
    own_host: String,
    mode: Mode,
    http: reqwest::Client,
}

async fn start_front(emu: &PineconeEmulator, mode: Mode) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new(Front {
        upstream: emu.url(),
        upstream_host: emu.host(),
        own_host: addr.to_string(),
        mode,
        http: memlens::http::client(Duration::from_secs(30)),
    });
    let app = axum::Router::new().fallback(front).with_state(state);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn front(
    State(f): State<Arc<Front>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let given = headers
        .get("api-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    match f.mode {
        Mode::Forward => {}
        Mode::LongEcho => {
            let body = serde_json::json!({
                "error": {"code": given, "message": format!("{} key: {given}", "x".repeat(380))},
                "status": 400
            });
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
        Mode::GarbageEcho => {
            return (
                StatusCode::OK,
                format!("<html>debug echo: api-key={given}</html>"),
            )
                .into_response();
        }
        Mode::Refuse => {}
    }
    if f.mode == Mode::Refuse || given != PINECONE_CANARY {
        let body = serde_json::json!({
            "error": {"code": "UNAUTHENTICATED", "message": format!("Invalid API Key: {given}")},
            "status": 401
        });
        return (StatusCode::UNAUTHORIZED, axum::Json(body)).into_response();
    }
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let Ok(m) = reqwest::Method::from_bytes(method.as_str().as_bytes()) else {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    };
    let mut req = f.http.request(m, format!("{}{path}", f.upstream));
    for (k, v) in &headers {
        let name = k.as_str();
        if !matches!(name, "host" | "content-length" | "api-key") {
            req = req.header(name, v.as_bytes());
        }
    }
    let resp = match req.header("api-key", emu::API_KEY).body(body).send().await {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    };
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let text = resp.text().await.unwrap_or_default();
    // The control plane names the data-plane host: keep the client coming through here.
    let text = text.replace(&f.upstream_host, &f.own_host);
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        text,
    )
        .into_response()
}

fn seed(emu: &PineconeEmulator, id: &str) {
    let meta = |mid: &str| {
        let mut m = Metadata::new();
        m.insert("uid".into(), MetaValue::String(UID.into()));
        m.insert("memory_id".into(), MetaValue::String(mid.into()));
        m.insert("created_at".into(), MetaValue::Number(1_722_500_000.0));
        m
    };
    emu.seed(
        "ns1",
        [
            (
                format!("{UID}-{id}"),
                StoredVector {
                    values: vector_for_text("guitar lesson", 3072),
                    metadata: meta(id),
                },
            ),
            (
                format!("{UID}-orphan-memory"),
                StoredVector {
                    values: vector_for_text("an orphan", 3072),
                    metadata: meta("orphan-memory"),
                },
            ),
        ],
    );
}

fn openai_opts(key: &str) -> Options {
    let mut o = Options::of(ServerKind::OpenAi);
    o.api_key = Some(key.to_string());
    o
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn working_servers_never_see_a_key_printed() {
    let openai = FakeOpenAi::start(openai_opts(OPENAI_CANARY)).await;
    let emu = PineconeEmulator::start(3072).await;
    let dir = tempfile::tempdir().unwrap();
    let (_, id) = small_export(dir.path());
    seed(&emu, &id);
    let front = start_front(&emu, Mode::Forward).await;
    // The index resolved by name through the control plane.
    let outputs = sweep(
        "working, by name",
        Backends {
            openai_base: openai.base_url(),
            pinecone: vec![
                ("PINECONE_INDEX_NAME", emu::INDEX_NAME.into()),
                ("PINECONE_CONTROLLER_HOST", front.clone()),
            ],
        },
    )
    .await;
    // The set-up really worked: the key was accepted and the checks passed.
    let doctor = find(&outputs, "doctor --json");
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.status.success(), "doctor failed:\n{text}");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_ne!(v["status"], "fail", "{line}");
    }
    assert!(text.contains(r#""check":"index dimension","status":"pass""#));
    assert!(find(&outputs, "index stats").status.success());
    assert!(
        find(&outputs, "embed --text teeth cleaning at the dentist")
            .status
            .success()
    );
    assert!(openai.request_count() > 0);
    assert!(!emu.requests().is_empty());

    // The same by data-plane host.
    sweep(
        "working, by host",
        Backends {
            openai_base: openai.base_url(),
            pinecone: vec![("PINECONE_INDEX_HOST", front)],
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_refusing_the_key_and_echoing_it_never_get_it_printed() {
    // Both servers answer 401 and put the key they were given in the message.
    let openai = FakeOpenAi::start(openai_opts("sk-the-right-key-is-another")).await;
    let emu = PineconeEmulator::start(3072).await;
    let front = start_front(&emu, Mode::Refuse).await;
    let outputs = sweep(
        "401 echoing the key",
        Backends {
            openai_base: openai.base_url(),
            pinecone: vec![
                ("PINECONE_INDEX_NAME", emu::INDEX_NAME.into()),
                ("PINECONE_CONTROLLER_HOST", front.clone()),
            ],
        },
    )
    .await;
    let doctor = find(&outputs, "doctor");
    assert_eq!(doctor.status.code(), Some(1));
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains("[fail] embedder answers"), "{text}");
    assert!(text.contains("[fail] pinecone index"), "{text}");
    assert!(!find(&outputs, "index stats").status.success());

    // The emulator itself (401 without an echo), by host.
    sweep(
        "401 from the emulator",
        Backends {
            openai_base: openai.base_url(),
            pinecone: vec![("PINECONE_INDEX_HOST", emu.url())],
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_that_are_down_never_get_a_key_printed() {
    let port = closed_port();
    let outputs = sweep(
        "down",
        Backends {
            openai_base: format!("http://127.0.0.1:{port}/v1"),
            pinecone: vec![
                ("PINECONE_INDEX_NAME", "memories".into()),
                (
                    "PINECONE_CONTROLLER_HOST",
                    format!("http://127.0.0.1:{port}"),
                ),
            ],
        },
    )
    .await;
    let doctor = find(&outputs, "doctor");
    assert_eq!(doctor.status.code(), Some(1));
    let text = String::from_utf8_lossy(&doctor.stdout);
    assert!(text.contains("[fail] embedder answers"), "{text}");
    assert!(text.contains("[fail] pinecone index"), "{text}");
    // Keys are present, and said to be, without their value.
    assert!(text.contains("[pass] openai key"), "{text}");
    assert!(text.contains("chars, hidden"), "{text}");
}

// ---- the config file's permissions ----

#[cfg(unix)]
fn config_run(mode: u32, args: &[&str]) -> Output {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("openai_api_key = \"{OPENAI_CANARY}\"\nembedder = \"builtin\"\n"),
    )
    .unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(mode)).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlens"));
    clear_env(&mut c);
    c.env("MEMLENS_DATA_DIR", dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .args(args);
    let out = c.output().unwrap();
    assert_no_canary("stdout", &out.stdout);
    assert_no_canary("stderr", &out.stderr);
    out
}

#[cfg(unix)]
#[test]
fn a_key_in_a_config_file_others_can_read_is_warned_about() {
    let out = config_run(0o644, &["config"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("readable by others") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    let out = config_run(0o644, &["doctor", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let warned = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .any(|v| {
            v["check"] == "settings warning"
                && v["status"] == "warn"
                && v["fix"]
                    .as_str()
                    .is_some_and(|f| f.starts_with("chmod 600"))
        });
    assert!(warned, "{stdout}");
}

#[cfg(unix)]
#[test]
fn a_key_in_a_private_config_file_is_not_warned_about() {
    let out = config_run(0o600, &["config"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("readable by others"), "{stderr}");
    let out = config_run(0o600, &["doctor", "--json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("settings warning"), "{stdout}");
    assert!(
        stdout.contains(r#""check":"openai key","status":"skip""#),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_echoed_in_long_messages_codes_or_garbage_answers_are_scrubbed() {
    let openai = FakeOpenAi::start(openai_opts(OPENAI_CANARY)).await;
    let emu = PineconeEmulator::start(3072).await;
    for (name, mode) in [
        (
            "400 with the key across the cut and in the code",
            Mode::LongEcho,
        ),
        ("200 that is not JSON and echoes the key", Mode::GarbageEcho),
    ] {
        let front = start_front(&emu, mode).await;
        for pinecone in [
            vec![
                ("PINECONE_INDEX_NAME", emu::INDEX_NAME.to_string()),
                ("PINECONE_CONTROLLER_HOST", front.clone()),
            ],
            vec![("PINECONE_INDEX_HOST", front.clone())],
        ] {
            let outputs = sweep(
                name,
                Backends {
                    openai_base: openai.base_url(),
                    pinecone,
                },
            )
            .await;
            assert!(!find(&outputs, "index stats").status.success());
        }
    }
}

// ---- a careless server for both protocols: echoes every credential header ----

async fn start_echo(status: StatusCode, json: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().fallback(move |headers: HeaderMap| async move {
        let creds: Vec<String> = ["authorization", "api-key"]
            .iter()
            .filter_map(|h| headers.get(*h).and_then(|v| v.to_str().ok()))
            .map(str::to_string)
            .collect();
        let creds = creds.join(" ");
        if json {
            let body = serde_json::json!({
                "error": {"message": format!("bad credentials {creds}"), "type": creds, "code": creds},
                "message": creds,
                "status": status.as_u16()
            });
            (status, axum::Json(body)).into_response()
        } else {
            (status, format!("<html>you sent {creds}</html>")).into_response()
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_echoing_every_credential_never_gets_one_printed() {
    for (status, json) in [
        (StatusCode::OK, false),
        (StatusCode::BAD_REQUEST, true),
        (StatusCode::NOT_FOUND, false),
        (StatusCode::FORBIDDEN, true),
    ] {
        let url = start_echo(status, json).await;
        for pinecone in [
            vec![
                ("PINECONE_INDEX_NAME", "memories".to_string()),
                ("PINECONE_CONTROLLER_HOST", url.clone()),
            ],
            vec![("PINECONE_INDEX_HOST", url.clone())],
        ] {
            let outputs = sweep(
                &format!("echo server {status} json={json}"),
                Backends {
                    openai_base: format!("{url}/v1"),
                    pinecone,
                },
            )
            .await;
            // The echoes did reach memlens's messages, scrubbed.
            let stderr = String::from_utf8_lossy(
                &find(&outputs, "embed --text teeth cleaning at the dentist").stderr,
            )
            .into_owned();
            assert!(stderr.contains("hidden"), "{stderr}");
        }
    }
}
