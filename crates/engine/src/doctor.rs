//! `memlens doctor`'s engine: check the configuration end to end (settings, embedder,
//! store, uid, data dir) and say, for each check, whether it passed and what to try when
//! it did not. Details never hold a key: only [`Secret::masked`](crate::config::Secret).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use crate::config::{EmbedderChoice, Inputs, Settings, Source, StoreChoice};
use crate::embed::minilm::MiniLmEmbedder;
use crate::embed::openai::{OpenAiConfig, OpenAiEmbedder, known_dimension};
use crate::embed::{EmbedError, Embedder, builtin::BuiltinEmbedder};
use crate::http::RetryPolicy;
use crate::store::local::LocalStore;
use crate::store::pinecone::{PineconeConfig, PineconeStore};
use crate::store::{StoreError, VectorStore};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Works.
    Pass,
    /// Broken: memlens will fail.
    Fail,
    /// Works, but something deserves attention.
    Warn,
    /// Not relevant to this configuration (or an earlier check failed).
    Skip,
}

impl Status {
    /// The word shown in the text report.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
        }
    }
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked (`settings`, `embedder`, `pinecone index`, …).
    pub check: String,
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// What to try, when there is something to try.
    pub fix: Option<String>,
}

impl Check {
    fn new(check: &str, status: Status, detail: impl Into<String>) -> Self {
        Self {
            check: check.to_string(),
            status,
            detail: detail.into(),
            fix: None,
        }
    }
    /// A passed check.
    pub fn pass(check: &str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Pass, detail)
    }
    fn skip(check: &str, detail: impl Into<String>) -> Self {
        Self::new(check, Status::Skip, detail)
    }
    fn fail(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Fail, detail).with_fix(fix)
    }
    /// A warning with the fix to try.
    pub fn warn(check: &str, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self::new(check, Status::Warn, detail).with_fix(fix)
    }
    fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }
}

/// True when any check failed (the command then exits 1).
pub fn any_failed(checks: &[Check]) -> bool {
    checks.iter().any(|c| c.status == Status::Fail)
}

/// Doctor's requests give up sooner than normal commands: a diagnosis should not sit
/// through a minute of retries against a server that is down.
fn quick_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 1,
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(1),
    }
}

const QUICK_TIMEOUT: Duration = Duration::from_secs(20);

/// Resolve the settings from `inputs`, then run every check. A settings error is
/// reported as a failed check (the others are skipped), not returned.
pub async fn run(inputs: &Inputs) -> Vec<Check> {
    match Settings::resolve(inputs) {
        Ok(settings) => run_checks(&settings).await,
        Err(e) => vec![Check::fail(
            "settings",
            format!("cannot load the settings: {e}"),
            "fix the file or value named above (memlens config shows where each setting comes from)",
        )],
    }
}

/// Every check for settings that loaded.
pub async fn run_checks(settings: &Settings) -> Vec<Check> {
    let mut out = vec![settings_loaded(settings)];
    out.extend(settings.warnings.iter().map(|w| {
        let fix = match &settings.config_file {
            Some(p) if w.contains("readable by others") => format!("chmod 600 {}", p.display()),
            _ => "see the warning".to_string(),
        };
        Check::warn("settings warning", w.clone(), fix)
    }));
    out.push(embedder_choice(settings));
    out.push(store_choice(settings));
    out.push(openai_key(settings));
    out.push(pinecone_key(settings));
    out.push(uid(settings));
    out.push(data_dir_writable(&settings.data_dir));
    out.extend(data_dir_files(&settings.data_dir));
    let (check, dim) = embedder_answers(settings).await;
    out.push(check);
    match settings.store {
        StoreChoice::Pinecone => out.extend(pinecone_checks(settings, dim).await),
        StoreChoice::Local => out.extend(local_checks(settings, dim).await),
    }
    out
}

fn source_of(settings: &Settings, key: &str) -> Source {
    settings
        .table
        .get(key)
        .map_or(Source::Default, |r| r.source.clone())
}

fn settings_loaded(settings: &Settings) -> Check {
    let file = match &settings.config_file {
        Some(p) => format!("config file {}", p.display()),
        None => "no config file".to_string(),
    };
    Check::pass("settings", format!("loaded ({file})"))
}

fn embedder_choice(settings: &Settings) -> Check {
    let source = source_of(settings, "embedder");
    let why = if source == Source::Default {
        match settings.embedder {
            EmbedderChoice::OpenAi if settings.openai_api_key.is_some() => {
                "auto: OPENAI_API_KEY is set".to_string()
            }
            EmbedderChoice::OpenAi => "auto: OPENAI_BASE_URL is set".to_string(),
            EmbedderChoice::MiniLm | EmbedderChoice::Static => {
                "auto: neither OPENAI_API_KEY nor OPENAI_BASE_URL is set".to_string()
            }
        }
    } else {
        format!("set by {source}")
    };
    let what = match settings.embedder {
        EmbedderChoice::OpenAi => format!(
            "openai, model {} at {}",
            settings.openai_model, settings.openai_base_url
        ),
        EmbedderChoice::MiniLm => {
            "minilm: built-in all-MiniLM-L6-v2 (offline, 384 dimensions)".to_string()
        }
        EmbedderChoice::Static => "static: built-in table (offline, 128 dimensions)".to_string(),
    };
    Check::pass("embedder", format!("{what} ({why})"))
}

fn store_choice(settings: &Settings) -> Check {
    let source = source_of(settings, "store");
    let why = if source == Source::Default {
        match settings.store {
            StoreChoice::Pinecone => "auto: PINECONE_API_KEY and an index are set".to_string(),
            StoreChoice::Local => {
                "auto: PINECONE_API_KEY and PINECONE_INDEX_NAME/HOST are not both set".to_string()
            }
        }
    } else {
        format!("set by {source}")
    };
    let what = match settings.store {
        StoreChoice::Pinecone => {
            let target = settings
                .pinecone_index_host
                .clone()
                .or_else(|| settings.pinecone_index_name.clone())
                .unwrap_or_else(|| "(no index set)".to_string());
            format!("pinecone {target}")
        }
        StoreChoice::Local => format!(
            "local {}",
            LocalStore::default_path(&settings.data_dir).display()
        ),
    };
    Check::pass(
        "store",
        format!("{what}, namespace {} ({why})", settings.namespace),
    )
}

/// The key the OpenAI embedder needs and the settings lack, as one sentence naming the
/// variable to set: the OpenAI embedder aimed at OpenAI's own API (or an Azure
/// deployment) without `OPENAI_API_KEY`. `None` when nothing is missing. The embedder is
/// refused with it before any network call, so a missing key fails at once instead of
/// after connection retries.
pub fn missing_openai_key(settings: &Settings) -> Option<String> {
    failure_text(openai_key(settings))
}

/// The same for the Pinecone store without `PINECONE_API_KEY`.
pub fn missing_pinecone_key(settings: &Settings) -> Option<String> {
    failure_text(pinecone_key(settings))
}

fn failure_text(c: Check) -> Option<String> {
    (c.status == Status::Fail).then(|| match c.fix {
        Some(fix) => format!("{}: {fix}", c.detail),
        None => c.detail,
    })
}

fn openai_key(settings: &Settings) -> Check {
    const NAME: &str = "openai key";
    if settings.embedder != EmbedderChoice::OpenAi {
        return Check::skip(NAME, "the built-in embedder needs no key");
    }
    match &settings.openai_api_key {
        Some(key) => Check::pass(
            NAME,
            format!(
                "{} ({})",
                key.masked(),
                source_of(settings, "openai_api_key")
            ),
        ),
        None if settings.openai_base_url.contains("api.openai.com")
            || settings.azure_deployment.is_some() =>
        {
            Check::fail(
                NAME,
                format!("no key, and {} needs one", settings.openai_base_url),
                "set OPENAI_API_KEY in the environment, an --env-file or the config file (chmod 600)",
            )
        }
        None => Check::pass(
            NAME,
            format!(
                "none set (fine for a local server that needs none: {})",
                settings.openai_base_url
            ),
        ),
    }
}

fn pinecone_key(settings: &Settings) -> Check {
    const NAME: &str = "pinecone key";
    if settings.store != StoreChoice::Pinecone {
        return Check::skip(NAME, "the local store needs no key");
    }
    match &settings.pinecone_api_key {
        Some(key) => Check::pass(
            NAME,
            format!(
                "{} ({})",
                key.masked(),
                source_of(settings, "pinecone_api_key")
            ),
        ),
        None => Check::fail(
            NAME,
            "the Pinecone store is chosen but PINECONE_API_KEY is not set",
            "set PINECONE_API_KEY in the environment, an --env-file or the config file (chmod 600)",
        ),
    }
}

fn uid(settings: &Settings) -> Check {
    match settings.uid.as_deref().filter(|u| !u.trim().is_empty()) {
        Some(u) => Check::pass("uid", format!("{u} ({})", source_of(settings, "uid"))),
        None => Check::warn(
            "uid",
            "no uid set: search, orphans and reprocess need one (unless the export's profile has one)",
            "set MEMLENS_UID, uid in the config file, or pass --uid",
        ),
    }
}

/// Create the data dir if needed, then create, write and remove a temp file in it.
pub fn data_dir_writable(dir: &Path) -> Check {
    const NAME: &str = "data dir";
    let fix = "choose a writable dir with --data-dir or MEMLENS_DATA_DIR";
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Check::fail(NAME, format!("cannot create {}: {e}", dir.display()), fix);
    }
    let probe = dir.join(format!(".memlens-doctor-{}", std::process::id()));
    if let Err(e) = std::fs::write(&probe, b"memlens doctor\n") {
        return Check::fail(NAME, format!("cannot write in {}: {e}", dir.display()), fix);
    }
    match std::fs::remove_file(&probe) {
        Ok(()) => Check::pass(NAME, format!("{} is writable", dir.display())),
        Err(e) => Check::fail(NAME, format!("cannot remove {}: {e}", probe.display()), fix),
    }
}

/// The SQLite files memlens keeps in a data dir, each with what it holds and whether it
/// is a cache memlens rebuilds by itself.
const DATA_FILES: [(&str, &str, bool); 3] = [
    ("store.db", "the local vector store", false),
    (
        "fulltext.db",
        "the full-text index (a cache: rebuilt when moved aside)",
        true,
    ),
    ("journal.db", "the reprocess journal", false),
];

/// One check per SQLite file of the data dir: opened read-only and immutable (nothing
/// written), `PRAGMA quick_check`, its schema version (`user_version`), and the lock
/// owner when a process holds the data dir. A damaged file fails with the fix (move it
/// aside; memlens rebuilds a cache and starts a fresh journal by itself).
pub fn data_dir_files(dir: &Path) -> Vec<Check> {
    let holder = crate::sync::lock::DataDirLock::holder(dir)
        .map(|h| format!("; the data dir is in use: {}", h.message()))
        .unwrap_or_default();
    DATA_FILES
        .iter()
        .filter(|(name, _, _)| dir.join(name).exists())
        .map(|(name, what, cache)| {
            let path = dir.join(name);
            let label = format!("data file {name}");
            let checked = crate::datadir::open_immutable(&path).and_then(|c| {
                let ok: String = c.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
                let version: i64 = c.query_row("PRAGMA user_version", [], |r| r.get(0))?;
                Ok((ok, version))
            });
            match checked {
                Ok((ok, version)) if ok == "ok" => Check::pass(
                    &label,
                    format!("{what}: integrity ok, schema version {version}{holder}"),
                ),
                Ok((problem, _)) => Check::fail(
                    &label,
                    format!("{what} is damaged: {problem}"),
                    damaged_fix(&path, *cache),
                ),
                Err(e) => Check::fail(
                    &label,
                    format!("{what} cannot be read: {e}"),
                    damaged_fix(&path, *cache),
                ),
            }
        })
        .collect()
}

fn damaged_fix(path: &Path, cache: bool) -> String {
    if cache {
        format!(
            "nothing to do: memlens moves {} aside and rebuilds it on the next search",
            path.display()
        )
    } else {
        format!(
            "move {} aside (keep it for inspection); memlens starts a fresh one",
            path.display()
        )
    }
}

/// Embed one tiny text; returns the check and the dimension the embedder produces.
async fn embedder_answers(settings: &Settings) -> (Check, Option<usize>) {
    const NAME: &str = "embedder answers";
    match settings.embedder {
        EmbedderChoice::Static | EmbedderChoice::MiniLm => {
            let (name, want, result) = if settings.embedder == EmbedderChoice::Static {
                let r = BuiltinEmbedder::new().and_then(|e| e.embed_one("memlens doctor"));
                ("built-in table", 128, r)
            } else {
                let r = MiniLmEmbedder::new()
                    .and_then(|e| e.embed_blocking(&["memlens doctor".to_string()]))
                    .map(|mut v| v.remove(0));
                ("built-in all-MiniLM-L6-v2", 384, r)
            };
            match result {
                Ok(v) if v.len() == want => (
                    Check::pass(NAME, format!("{name} loads; {want}-dimensional vectors")),
                    Some(want),
                ),
                Ok(v) => (
                    Check::fail(
                        NAME,
                        format!("{name} gave {} values, expected {want}", v.len()),
                        "the shipped assets are damaged: reinstall memlens",
                    ),
                    None,
                ),
                Err(e) => (
                    Check::fail(
                        NAME,
                        format!("{name}: {e}"),
                        "the shipped assets are missing or damaged: reinstall memlens",
                    ),
                    None,
                ),
            }
        }
        EmbedderChoice::OpenAi => {
            let mut cfg = OpenAiConfig::from_settings(settings);
            cfg.retry = quick_retry();
            cfg.request_timeout = QUICK_TIMEOUT;
            let expected = cfg.dimensions.or_else(|| known_dimension(&cfg.model));
            let model = cfg.model.clone();
            let embedder = match OpenAiEmbedder::new(cfg) {
                Ok(e) => Arc::new(e),
                Err(e) => return (embed_failure(settings, &e), None),
            };
            match embedder.embed(&["memlens doctor".to_string()]).await {
                Ok(v) => {
                    let got = v.first().map_or(0, Vec::len);
                    match expected {
                        Some(want) if want != got => (
                            Check::fail(
                                NAME,
                                format!("{model} answered with {got} dimensions, expected {want}"),
                                "check MEMLENS_OPENAI_MODEL and MEMLENS_OPENAI_DIMENSIONS; the server may ignore `dimensions`",
                            ),
                            Some(got),
                        ),
                        _ => (
                            Check::pass(
                                NAME,
                                format!(
                                    "{model} at {} answered: {got} dimensions",
                                    embedder.endpoint()
                                ),
                            ),
                            Some(got),
                        ),
                    }
                }
                Err(e) => (embed_failure(settings, &e), None),
            }
        }
    }
}

fn embed_failure(settings: &Settings, e: &EmbedError) -> Check {
    let fix = match e {
        EmbedError::Unauthorized(_) => {
            "check OPENAI_API_KEY (a key of this server, not expired or revoked)".to_string()
        }
        EmbedError::ModelNotFound(_) => format!(
            "set MEMLENS_OPENAI_MODEL (or --openai-model) to a model {} serves",
            settings.openai_base_url
        ),
        EmbedError::Unavailable(_) => format!(
            "is the server at {} running and reachable? check OPENAI_BASE_URL",
            settings.openai_base_url
        ),
        EmbedError::RateLimited(_) => "wait a minute and run memlens doctor again".to_string(),
        EmbedError::Local(_) => "fix the setting named above (memlens config)".to_string(),
        _ => "check OPENAI_BASE_URL, the model and the server's logs".to_string(),
    };
    Check::fail("embedder answers", e.to_string(), fix)
}

fn store_fix(e: &StoreError) -> &'static str {
    match e {
        StoreError::Unauthorized(_) => {
            "check PINECONE_API_KEY (a key of the project holding the index)"
        }
        StoreError::NotFound(_) => {
            "check PINECONE_INDEX_NAME (pc index list) or set PINECONE_INDEX_HOST"
        }
        StoreError::Unavailable(_) => {
            "is the host reachable? check PINECONE_INDEX_HOST / PINECONE_CONTROLLER_HOST"
        }
        StoreError::Invalid(_) => "fix the setting named above (memlens config)",
        _ => "check the Pinecone settings (memlens config) and the index in the console",
    }
}

async fn pinecone_checks(settings: &Settings, dim: Option<usize>) -> Vec<Check> {
    let skip_rest = |why: &str| {
        vec![
            Check::skip("index dimension", why),
            Check::skip("index metric", why),
            Check::skip("namespaces", why),
        ]
    };
    let mut out = Vec::new();
    let mut config = match PineconeConfig::from_settings(settings) {
        Ok(c) => c,
        Err(e) => {
            out.push(Check::fail("pinecone index", e.to_string(), store_fix(&e)));
            out.extend(skip_rest("the index was not reached"));
            return out;
        }
    };
    config.retry = quick_retry();
    config.timeout = QUICK_TIMEOUT;
    let how = match (&config.index_host, &config.index_name) {
        (Some(host), _) => format!("host {host}"),
        (None, Some(name)) => format!("index {name} resolved through {}", config.controller),
        (None, None) => String::new(),
    };
    let store = match PineconeStore::connect(config).await {
        Ok(s) => s,
        Err(e) => {
            out.push(Check::fail(
                "pinecone index",
                format!("{how}: {e}"),
                store_fix(&e),
            ));
            out.extend(skip_rest("the index was not reached"));
            return out;
        }
    };
    let info = match store.index_info().await {
        Ok(i) => i,
        Err(e) => {
            out.push(Check::fail(
                "pinecone index",
                format!("{how}: {e}"),
                store_fix(&e),
            ));
            out.extend(skip_rest("the index did not answer"));
            return out;
        }
    };
    out.push(Check::pass(
        "pinecone index",
        format!("found: {how} → {}", store.base_url()),
    ));
    out.push(match (info.dimension, dim) {
        (Some(have), Some(want)) if have == want => Check::pass(
            "index dimension",
            format!("{have}, as the embedder produces"),
        ),
        (Some(have), Some(want)) => Check::fail(
            "index dimension",
            format!("the index holds {have}-dimensional vectors, the embedder makes {want}"),
            "use the embedding model the index was built with (Omi: text-embedding-3-large, 3072), or another index",
        ),
        (Some(have), None) => Check::skip(
            "index dimension",
            format!("index {have}; the embedder's dimension is unknown (it failed above)"),
        ),
        (None, _) => Check::warn(
            "index dimension",
            "the index did not report its dimension",
            "check the index in the Pinecone console",
        ),
    });
    out.push(match info.metric.as_deref() {
        Some(m) if m.eq_ignore_ascii_case("cosine") => Check::pass("index metric", "cosine"),
        Some(m) => Check::fail(
            "index metric",
            format!("{m}; memlens (and Omi) compare by cosine"),
            "use an index created with metric cosine",
        ),
        None => Check::warn(
            "index metric",
            "the index did not report its metric",
            "check the index in the Pinecone console",
        ),
    });
    out.push(namespaces(&store, settings).await);
    out
}

async fn namespaces(store: &dyn VectorStore, settings: &Settings) -> Check {
    const NAME: &str = "namespaces";
    match store.stats().await {
        Ok(stats) => {
            let list = if stats.namespaces.is_empty() {
                "none".to_string()
            } else {
                stats
                    .namespaces
                    .iter()
                    .map(|(ns, n)| format!("{ns}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let ns = &settings.namespace;
            let here = stats.namespaces.get(ns).copied().unwrap_or(0);
            let detail = format!("{list} (total {})", stats.total);
            if here == 0 {
                Check::warn(
                    NAME,
                    format!("namespace {ns} holds no vectors; {detail}"),
                    "check --namespace / MEMLENS_NAMESPACE (Omi uses ns1), or reprocess an export",
                )
            } else {
                Check::pass(NAME, format!("{ns} holds {here} vectors; {detail}"))
            }
        }
        Err(e) => Check::fail(NAME, e.to_string(), store_fix(&e)),
    }
}

async fn local_checks(settings: &Settings, dim: Option<usize>) -> Vec<Check> {
    let path = LocalStore::default_path(&settings.data_dir);
    let opened = {
        let path = path.clone();
        tokio::task::spawn_blocking(move || LocalStore::open(&path)).await
    };
    let store = match opened {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return vec![
                Check::fail(
                    "local store",
                    e.to_string(),
                    "check the data dir (--data-dir); move a damaged store file away",
                ),
                Check::skip("namespace dimension", "the store did not open"),
                Check::skip("namespaces", "the store did not open"),
            ];
        }
        Err(e) => {
            return vec![
                Check::fail(
                    "local store",
                    format!("opening {} failed: {e}", path.display()),
                    "run memlens doctor again; report it if it persists",
                ),
                Check::skip("namespace dimension", "the store did not open"),
                Check::skip("namespaces", "the store did not open"),
            ];
        }
    };
    let mut out = vec![Check::pass(
        "local store",
        format!("opens: {}", path.display()),
    )];
    let ns = &settings.namespace;
    out.push(match dim {
        None => Check::skip(
            "namespace dimension",
            "the embedder's dimension is unknown (it failed above)",
        ),
        Some(d) => match store.check_compatible(ns, d).await {
            Ok(()) => Check::pass(
                "namespace dimension",
                format!("namespace {ns} takes {d}-dimensional vectors (or is empty)"),
            ),
            Err(e @ StoreError::DimensionMismatch(_)) => Check::fail(
                "namespace dimension",
                format!("namespace {ns}: {e}"),
                "use the embedder that filled it (--embedder), or another --namespace",
            ),
            Err(e) => Check::fail(
                "namespace dimension",
                e.to_string(),
                "check the data dir (--data-dir); move a damaged store file away",
            ),
        },
    });
    out.push(namespaces(&store, settings).await);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(dir: &Path, env: &[(&str, &str)]) -> Settings {
        let mut inputs = Inputs {
            skip_default_config: true,
            ..Inputs::default()
        };
        inputs
            .env
            .insert("MEMLENS_DATA_DIR".into(), dir.display().to_string());
        for (k, v) in env {
            inputs.env.insert((*k).into(), (*v).into());
        }
        Settings::resolve(&inputs).unwrap()
    }

    fn find<'a>(checks: &'a [Check], name: &str) -> &'a Check {
        checks
            .iter()
            .find(|c| c.check == name)
            .unwrap_or_else(|| panic!("no check {name} in {checks:#?}"))
    }

    #[tokio::test]
    async fn offline_defaults_pass_and_warn_about_the_uid() {
        let dir = tempfile::tempdir().unwrap();
        let checks = run_checks(&settings(dir.path(), &[])).await;
        assert_eq!(find(&checks, "embedder answers").status, Status::Pass);
        assert!(find(&checks, "embedder").detail.contains("auto"));
        assert_eq!(find(&checks, "openai key").status, Status::Skip);
        assert_eq!(find(&checks, "local store").status, Status::Pass);
        assert_eq!(find(&checks, "namespace dimension").status, Status::Pass);
        assert_eq!(find(&checks, "uid").status, Status::Warn);
        assert_eq!(find(&checks, "data dir").status, Status::Pass);
        assert!(!any_failed(&checks));
        // The probe file is gone.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("doctor"))
            .collect();
        assert!(left.is_empty());
    }

    #[tokio::test]
    async fn a_local_namespace_of_another_dimension_fails() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path(), &[("MEMLENS_UID", "u1")]);
        let store = LocalStore::open(&LocalStore::default_path(dir.path())).unwrap();
        let rec = crate::store::Record {
            id: "u1-m1".into(),
            values: vec![0.5; 4],
            metadata: Default::default(),
        };
        store.upsert("ns1", vec![rec]).await.unwrap();
        drop(store);
        let checks = run_checks(&s).await;
        assert_eq!(find(&checks, "namespace dimension").status, Status::Fail);
        assert!(find(&checks, "namespaces").detail.contains("ns1 holds 1"));
        assert_eq!(find(&checks, "uid").status, Status::Pass);
        assert!(any_failed(&checks));
    }

    #[tokio::test]
    async fn openai_without_a_key_fails_without_a_request() {
        let dir = tempfile::tempdir().unwrap();
        let s = settings(dir.path(), &[("MEMLENS_EMBEDDER", "openai")]);
        assert_eq!(openai_key(&s).status, Status::Fail);
        let s = settings(dir.path(), &[("OPENAI_API_KEY", "sk-unit-secret-value-42")]);
        let c = openai_key(&s);
        assert_eq!(c.status, Status::Pass);
        assert!(!c.detail.contains("sk-unit-secret-value-42"));
    }

    #[test]
    fn an_unwritable_data_dir_fails() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let c = data_dir_writable(&file.join("sub"));
        assert_eq!(c.status, Status::Fail);
        assert!(c.fix.is_some());
    }

    #[tokio::test]
    async fn a_bad_setting_is_a_failed_check() {
        let mut inputs = Inputs {
            skip_default_config: true,
            ..Inputs::default()
        };
        inputs.env.insert("MEMLENS_EMBEDDER".into(), "nope".into());
        let checks = run(&inputs).await;
        assert_eq!(checks.len(), 1);
        assert_eq!(checks[0].status, Status::Fail);
        assert!(checks[0].detail.contains("embedder"));
    }
}
