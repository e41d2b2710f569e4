//! Settings and where each came from: flags > `--env-file` > environment > config file
//! (TOML) > defaults. Secrets are wrapped in [`Secret`], which never prints its value.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// An API key. `Debug` and `Display` print a mask, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    /// The value, for an HTTP header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
    /// What to show instead of the value.
    pub fn masked(&self) -> String {
        format!("set ({} chars, hidden)", self.0.chars().count())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum Source {
    /// A command-line flag.
    Flag(String),
    /// A `--env-file` file (path, variable).
    EnvFile(String),
    /// A process environment variable.
    Env(String),
    /// The TOML config file (path).
    ConfigFile(String),
    /// Built-in default.
    Default,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(s) => write!(f, "flag {s}"),
            Source::EnvFile(s) => write!(f, "env file {s}"),
            Source::Env(s) => write!(f, "environment {s}"),
            Source::ConfigFile(s) => write!(f, "config file {s}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// The definition of one setting: its key, the environment variables that set it, and
/// whether it is secret.
#[derive(Debug)]
pub struct KeyDef {
    /// Key in the config file and in `memlens config`.
    pub key: &'static str,
    /// Environment variables, first found wins.
    pub env: &'static [&'static str],
    /// Secrets never print.
    pub secret: bool,
    /// One-line description.
    pub help: &'static str,
}

/// Every setting memlens reads.
pub const KEYS: &[KeyDef] = &[
    KeyDef {
        key: "uid",
        env: &["MEMLENS_UID", "OMI_UID"],
        secret: false,
        help: "Omi user id: scopes every query, write and delete",
    },
    KeyDef {
        key: "namespace",
        env: &["MEMLENS_NAMESPACE"],
        secret: false,
        help: "Pinecone namespace of memory vectors (Omi: ns1)",
    },
    KeyDef {
        key: "text_format",
        env: &["MEMLENS_TEXT_FORMAT"],
        secret: false,
        help: "embedding text format: omi-2024-07-30 … omi-2025-10-17 or current",
    },
    KeyDef {
        key: "embedder",
        env: &["MEMLENS_EMBEDDER"],
        secret: false,
        help: "auto | minilm | static | openai (auto: openai when a key or base URL is set, else minilm; builtin = static)",
    },
    KeyDef {
        key: "store",
        env: &["MEMLENS_STORE"],
        secret: false,
        help: "auto | local | pinecone (auto: pinecone when its key and index are set)",
    },
    KeyDef {
        key: "data_dir",
        env: &["MEMLENS_DATA_DIR"],
        secret: false,
        help: "where the local store, caches, journal and log live",
    },
    KeyDef {
        key: "read_only",
        env: &["MEMLENS_READ_ONLY"],
        secret: false,
        help: "true: no write of any kind",
    },
    KeyDef {
        key: "created_at_policy",
        env: &["MEMLENS_CREATED_AT"],
        secret: false,
        help: "metadata created_at on reprocess: memory | now",
    },
    KeyDef {
        key: "openai_api_key",
        env: &["OPENAI_API_KEY"],
        secret: true,
        help: "OpenAI (or compatible server) key",
    },
    KeyDef {
        key: "openai_base_url",
        env: &["OPENAI_BASE_URL"],
        secret: false,
        help: "OpenAI-compatible base URL",
    },
    KeyDef {
        key: "openai_model",
        env: &["MEMLENS_OPENAI_MODEL"],
        secret: false,
        help: "embedding model (Omi: text-embedding-3-large)",
    },
    KeyDef {
        key: "openai_dimensions",
        env: &["MEMLENS_OPENAI_DIMENSIONS"],
        secret: false,
        help: "optional `dimensions` request parameter",
    },
    KeyDef {
        key: "azure_deployment",
        env: &["MEMLENS_AZURE_DEPLOYMENT"],
        secret: false,
        help: "Azure OpenAI deployment (switches to Azure mode)",
    },
    KeyDef {
        key: "azure_api_version",
        env: &["OPENAI_API_VERSION"],
        secret: false,
        help: "Azure OpenAI api-version",
    },
    KeyDef {
        key: "pinecone_api_key",
        env: &["PINECONE_API_KEY"],
        secret: true,
        help: "Pinecone key",
    },
    KeyDef {
        key: "pinecone_index_name",
        env: &["PINECONE_INDEX_NAME"],
        secret: false,
        help: "Pinecone index name (host resolved via the control plane)",
    },
    KeyDef {
        key: "pinecone_index_host",
        env: &["PINECONE_INDEX_HOST"],
        secret: false,
        help: "Pinecone index host (bare host = https; or a full URL)",
    },
    KeyDef {
        key: "pinecone_controller_host",
        env: &["PINECONE_CONTROLLER_HOST"],
        secret: false,
        help: "Pinecone control-plane base URL",
    },
    KeyDef {
        key: "pinecone_api_version",
        env: &["MEMLENS_PINECONE_API_VERSION"],
        secret: false,
        help: "X-Pinecone-Api-Version header",
    },
];

fn default_for(key: &str) -> Option<String> {
    let v = match key {
        "namespace" => "ns1",
        "text_format" => "current",
        "embedder" => "auto",
        "store" => "auto",
        "read_only" => "false",
        "created_at_policy" => "memory",
        "openai_base_url" => "https://api.openai.com/v1",
        "openai_model" => "text-embedding-3-large",
        "pinecone_controller_host" => "https://api.pinecone.io",
        "pinecone_api_version" => "2025-10",
        "azure_api_version" => "2024-10-21",
        "data_dir" => return default_data_dir().map(|p| p.display().to_string()),
        _ => return None,
    };
    Some(v.to_string())
}

/// The platform data dir (`~/.local/share/memlens` on Linux).
pub fn default_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "memlens").map(|d| d.data_dir().to_path_buf())
}

/// The platform config file (`~/.config/memlens/config.toml` on Linux).
pub fn default_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "memlens").map(|d| d.config_dir().join("config.toml"))
}

/// Where settings come from, before resolution.
#[derive(Debug, Default, Clone)]
pub struct Inputs {
    /// Values given as flags, by key (flag name for the source line).
    pub flags: BTreeMap<String, (String, String)>,
    /// Path of a backend `.env` file to read.
    pub env_file: Option<PathBuf>,
    /// Config file path; `None` means the default location (if it exists).
    pub config_file: Option<PathBuf>,
    /// Environment variables (the process's, or a test's).
    pub env: BTreeMap<String, String>,
    /// Do not look for the config file in its default place (tests).
    pub skip_default_config: bool,
}

impl Inputs {
    /// Inputs with the process environment.
    pub fn from_process_env() -> Self {
        Self {
            env: std::env::vars().collect(),
            ..Self::default()
        }
    }

    /// Set a flag value for `key` (no-op for `None`).
    pub fn flag(&mut self, key: &str, flag: &str, value: Option<impl ToString>) {
        if let Some(v) = value {
            self.flags
                .insert(key.to_string(), (flag.to_string(), v.to_string()));
        }
    }
}

/// One resolved setting.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub value: Option<String>,
    pub source: Source,
}

/// Errors reading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {reason}")]
    ConfigFile { path: String, reason: String },
    #[error("cannot read env file {path}: {reason}")]
    EnvFile { path: String, reason: String },
    #[error("setting {key}: {reason}")]
    Invalid { key: String, reason: String },
}

/// Which embedder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbedderChoice {
    /// The real all-MiniLM-L6-v2 on the CPU (384 d): the offline default.
    MiniLm,
    /// The static table distilled from it (128 d, microseconds per text): the explicit
    /// fast choice (`--embedder static`; `builtin`, its name before the model shipped,
    /// still selects it).
    Static,
    /// An OpenAI-compatible server.
    OpenAi,
}

impl EmbedderChoice {
    /// True for the embedders that run inside memlens (no key, no network).
    pub fn is_offline(self) -> bool {
        matches!(self, Self::MiniLm | Self::Static)
    }
}

/// Which store to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StoreChoice {
    Local,
    Pinecone,
}

/// How reprocess writes the `created_at` metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CreatedAtPolicy {
    /// The memory's own `created_at`, int seconds (Omi since 2024-10-26).
    Memory,
    /// Embedding time (the original design doc).
    Now,
}

/// The effective settings, typed, with the raw table kept for `memlens config`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub uid: Option<String>,
    pub namespace: String,
    pub text_format: String,
    pub embedder: EmbedderChoice,
    pub store: StoreChoice,
    pub data_dir: PathBuf,
    pub read_only: bool,
    pub created_at_policy: CreatedAtPolicy,
    pub openai_api_key: Option<Secret>,
    pub openai_base_url: String,
    pub openai_model: String,
    pub openai_dimensions: Option<usize>,
    pub azure_deployment: Option<String>,
    pub azure_api_version: String,
    pub pinecone_api_key: Option<Secret>,
    pub pinecone_index_name: Option<String>,
    pub pinecone_index_host: Option<String>,
    pub pinecone_controller_host: String,
    pub pinecone_api_version: String,
    /// Every key with its shown value (secrets masked) and source.
    pub table: BTreeMap<&'static str, Resolved>,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    /// Warnings met while reading (e.g. a key in a world-readable file).
    pub warnings: Vec<String>,
}

fn read_config_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let err = |reason: String| ConfigError::ConfigFile {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(e.to_string()))?;
    let mut out = BTreeMap::new();
    for (k, v) in table {
        let s = match v {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            // Tables (`[keys]`) belong to the TUI; unknown ones are reported.
            toml::Value::Table(_) => {
                out.insert(format!("[{k}]"), String::new());
                continue;
            }
            _ => continue,
        };
        out.insert(k, s);
    }
    Ok(out)
}

/// Tables the config file may hold besides the settings (read by the TUI).
pub const CONFIG_TABLES: &[&str] = &["keys"];

/// The config file's keys that memlens does not know, each with a "did you mean" when a
/// known key is close (at most 2 edits, or one is a prefix of the other).
pub fn unknown_config_keys(values: &BTreeMap<String, String>) -> Vec<String> {
    let mut out = Vec::new();
    for key in values.keys() {
        if let Some(table) = key.strip_prefix('[').and_then(|k| k.strip_suffix(']')) {
            if !CONFIG_TABLES.contains(&table) {
                let hint = closest(table, CONFIG_TABLES.iter().copied())
                    .map(|c| format!(" (did you mean [{c}]?)"))
                    .unwrap_or_default();
                out.push(format!("config file: unknown table [{table}]{hint}"));
            }
            continue;
        }
        if KEYS.iter().any(|d| d.key == key) {
            continue;
        }
        let hint = closest(key, KEYS.iter().map(|d| d.key))
            .map(|c| format!(" (did you mean {c:?}?)"))
            .unwrap_or_default();
        out.push(format!(
            "config file: unknown key {key:?}{hint}; it is ignored"
        ));
    }
    out
}

/// The known name closest to `word`, if it is close enough to be a typo.
pub fn closest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    known
        .map(|k| (edit_distance(&word, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 4) || k.starts_with(&word) || word.starts_with(k))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance (insert, delete, substitute each cost 1).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

fn read_env_file(path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let err = |reason: String| ConfigError::EnvFile {
        path: path.display().to_string(),
        reason,
    };
    let iter = dotenvy::from_path_iter(path).map_err(|e| err(e.to_string()))?;
    let mut out = BTreeMap::new();
    for item in iter {
        let (k, v) = item.map_err(|e| err(e.to_string()))?;
        out.insert(k, v);
    }
    Ok(out)
}

#[cfg(unix)]
fn world_readable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o077 != 0)
        .unwrap_or(false)
}

#[cfg(not(unix))]
fn world_readable(_path: &Path) -> bool {
    false
}

fn parse_bool(key: &str, v: &str) -> Result<bool, ConfigError> {
    match v.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(ConfigError::Invalid {
            key: key.into(),
            reason: format!("expected true or false, got {other:?}"),
        }),
    }
}

impl Settings {
    /// Resolve every setting from its inputs.
    pub fn resolve(inputs: &Inputs) -> Result<Self, ConfigError> {
        let mut warnings = Vec::new();
        let config_path = inputs
            .config_file
            .clone()
            .or_else(|| inputs.env.get("MEMLENS_CONFIG").map(PathBuf::from))
            .or_else(|| {
                if inputs.skip_default_config {
                    None
                } else {
                    default_config_file().filter(|p| p.exists())
                }
            });
        let file_values = match &config_path {
            Some(p) => read_config_file(p)?,
            None => BTreeMap::new(),
        };
        warnings.extend(unknown_config_keys(&file_values));
        let env_file_values = match &inputs.env_file {
            Some(p) => read_env_file(p)?,
            None => BTreeMap::new(),
        };
        let mut table = BTreeMap::new();
        for def in KEYS {
            let from_flag = inputs
                .flags
                .get(def.key)
                .map(|(flag, v)| (v.clone(), Source::Flag(flag.clone())));
            let from_env_file = || {
                def.env.iter().find_map(|name| {
                    env_file_values
                        .get(*name)
                        .filter(|v| !v.is_empty())
                        .map(|v| {
                            let path = inputs.env_file.as_ref().map(|p| p.display().to_string());
                            (
                                v.clone(),
                                Source::EnvFile(format!("{} ({name})", path.unwrap_or_default())),
                            )
                        })
                })
            };
            let from_env = || {
                def.env.iter().find_map(|name| {
                    inputs
                        .env
                        .get(*name)
                        .filter(|v| !v.is_empty())
                        .map(|v| (v.clone(), Source::Env((*name).to_string())))
                })
            };
            let from_file = || {
                file_values.get(def.key).map(|v| {
                    let path = config_path.as_ref().map(|p| p.display().to_string());
                    (v.clone(), Source::ConfigFile(path.unwrap_or_default()))
                })
            };
            let found = from_flag
                .or_else(from_env_file)
                .or_else(from_env)
                .or_else(from_file);
            if def.secret
                && matches!(found, Some((_, Source::ConfigFile(_))))
                && config_path.as_deref().is_some_and(world_readable)
            {
                warnings.push(format!(
                    "{} holds {} but is readable by others: chmod 600 it",
                    config_path
                        .as_ref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    def.key
                ));
            }
            let resolved = match found {
                Some((v, source)) => Resolved {
                    value: Some(v),
                    source,
                },
                None => Resolved {
                    value: default_for(def.key),
                    source: Source::Default,
                },
            };
            table.insert(def.key, resolved);
        }
        let get = |k: &str| table.get(k).and_then(|r| r.value.clone());
        let secret = |k: &str| get(k).map(Secret::new);

        let openai_api_key = secret("openai_api_key");
        let openai_base_url = get("openai_base_url").unwrap_or_default();
        let openai_base_explicit = table
            .get("openai_base_url")
            .is_some_and(|r| r.source != Source::Default);
        let embedder = match get("embedder").unwrap_or_default().as_str() {
            "minilm" => EmbedderChoice::MiniLm,
            "static" | "builtin" => EmbedderChoice::Static,
            "openai" => EmbedderChoice::OpenAi,
            "auto" | "" => {
                if openai_api_key.is_some() || openai_base_explicit {
                    EmbedderChoice::OpenAi
                } else {
                    EmbedderChoice::MiniLm
                }
            }
            other => {
                return Err(ConfigError::Invalid {
                    key: "embedder".into(),
                    reason: format!("expected auto, minilm, static or openai, got {other:?}"),
                });
            }
        };
        let pinecone_api_key = secret("pinecone_api_key");
        let pinecone_index_name = get("pinecone_index_name");
        let pinecone_index_host = get("pinecone_index_host");
        let store = match get("store").unwrap_or_default().as_str() {
            "local" => StoreChoice::Local,
            "pinecone" => StoreChoice::Pinecone,
            "auto" | "" => {
                if pinecone_api_key.is_some()
                    && (pinecone_index_name.is_some() || pinecone_index_host.is_some())
                {
                    StoreChoice::Pinecone
                } else {
                    StoreChoice::Local
                }
            }
            other => {
                return Err(ConfigError::Invalid {
                    key: "store".into(),
                    reason: format!("expected auto, local or pinecone, got {other:?}"),
                });
            }
        };
        let created_at_policy = match get("created_at_policy").unwrap_or_default().as_str() {
            "memory" | "" => CreatedAtPolicy::Memory,
            "now" => CreatedAtPolicy::Now,
            other => {
                return Err(ConfigError::Invalid {
                    key: "created_at_policy".into(),
                    reason: format!("expected memory or now, got {other:?}"),
                });
            }
        };
        let openai_dimensions = match get("openai_dimensions") {
            Some(v) => Some(
                v.trim()
                    .parse::<usize>()
                    .map_err(|_| ConfigError::Invalid {
                        key: "openai_dimensions".into(),
                        reason: format!("expected a positive integer, got {v:?}"),
                    })?,
            ),
            None => None,
        };
        let data_dir = get("data_dir")
            .map(PathBuf::from)
            .ok_or_else(|| ConfigError::Invalid {
                key: "data_dir".into(),
                reason: "no home directory: set MEMLENS_DATA_DIR".into(),
            })?;
        let read_only = parse_bool("read_only", &get("read_only").unwrap_or_default())?;
        let namespace = get("namespace").unwrap_or_else(|| "ns1".into());
        if namespace.is_empty() {
            return Err(ConfigError::Invalid {
                key: "namespace".into(),
                reason: "must not be empty".into(),
            });
        }
        let mut settings = Settings {
            uid: get("uid").filter(|u| !u.trim().is_empty()),
            namespace,
            text_format: get("text_format").unwrap_or_else(|| "current".into()),
            embedder,
            store,
            data_dir,
            read_only,
            created_at_policy,
            openai_api_key,
            openai_base_url,
            openai_model: get("openai_model").unwrap_or_default(),
            openai_dimensions,
            azure_deployment: get("azure_deployment"),
            azure_api_version: get("azure_api_version").unwrap_or_default(),
            pinecone_api_key,
            pinecone_index_name,
            pinecone_index_host,
            pinecone_controller_host: get("pinecone_controller_host").unwrap_or_default(),
            pinecone_api_version: get("pinecone_api_version").unwrap_or_default(),
            table,
            config_file: config_path,
            warnings,
        };
        // From here on the table is for display: secrets are masked in it.
        for def in KEYS.iter().filter(|d| d.secret) {
            if let Some(r) = settings.table.get_mut(def.key) {
                r.value = r.value.take().map(|v| Secret::new(v).masked());
            }
        }
        Ok(settings)
    }

    /// Rows for `memlens config`: key, shown value (secrets masked), source.
    pub fn rows(&self) -> Vec<(&'static str, String, &Source)> {
        KEYS.iter()
            .filter_map(|def| {
                let r = self.table.get(def.key)?;
                let shown = r.value.clone().unwrap_or_else(|| "(not set)".to_string());
                Some((def.key, shown, &r.source))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(env: &[(&str, &str)]) -> Inputs {
        Inputs {
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            skip_default_config: true,
            ..Inputs::default()
        }
    }

    #[test]
    fn unknown_keys_are_named_with_a_suggestion() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "namspace = \"ns2\"\nfrobnicate = 1\nuid = \"u\"\n[key]\nquit = \"x\"\n[keys]\nhelp = \"?\"\n",
        )
        .unwrap();
        let mut i = inputs(&[]);
        i.config_file = Some(file);
        let s = Settings::resolve(&i).unwrap();
        let w = s.warnings.join("\n");
        assert!(
            w.contains("unknown key \"namspace\" (did you mean \"namespace\"?)"),
            "{w}"
        );
        assert!(
            w.contains("unknown key \"frobnicate\"; it is ignored"),
            "{w}"
        );
        assert!(
            w.contains("unknown table [key] (did you mean [keys]?)"),
            "{w}"
        );
        assert!(!w.contains("uid"), "{w}");
        assert_eq!(s.warnings.len(), 3, "{w}");
    }

    #[test]
    fn defaults_are_offline() {
        let mut i = inputs(&[("MEMLENS_DATA_DIR", "/tmp/x")]);
        i.config_file = None;
        let s = Settings::resolve(&i).unwrap();
        assert_eq!(s.embedder, EmbedderChoice::MiniLm);
        assert_eq!(s.store, StoreChoice::Local);
        for (value, choice) in [
            ("static", EmbedderChoice::Static),
            ("builtin", EmbedderChoice::Static),
            ("minilm", EmbedderChoice::MiniLm),
        ] {
            let i = inputs(&[("MEMLENS_DATA_DIR", "/tmp/x"), ("MEMLENS_EMBEDDER", value)]);
            assert_eq!(Settings::resolve(&i).unwrap().embedder, choice, "{value}");
        }
        assert_eq!(s.namespace, "ns1");
        assert_eq!(s.pinecone_api_version, "2025-10");
    }

    #[test]
    fn flag_beats_env_beats_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("c.toml");
        std::fs::write(
            &file,
            "uid = \"from-file\"\nnamespace = \"nsfile\"\n[keys]\nquit = \"q\"\n",
        )
        .unwrap();
        let mut i = inputs(&[("MEMLENS_UID", "from-env"), ("MEMLENS_DATA_DIR", "/tmp/x")]);
        i.config_file = Some(file.clone());
        let s = Settings::resolve(&i).unwrap();
        assert_eq!(s.uid.as_deref(), Some("from-env"));
        assert_eq!(s.namespace, "nsfile");
        assert!(matches!(s.table["namespace"].source, Source::ConfigFile(_)));
        i.flag("uid", "--uid", Some("from-flag"));
        let s = Settings::resolve(&i).unwrap();
        assert_eq!(s.uid.as_deref(), Some("from-flag"));
        assert_eq!(s.table["uid"].source, Source::Flag("--uid".into()));
    }

    #[test]
    fn env_file_and_auto_backends() {
        let dir = tempfile::tempdir().unwrap();
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            "OPENAI_API_KEY=sk-test-abcdef\nPINECONE_API_KEY=pc-test\nPINECONE_INDEX_NAME=memories\n",
        )
        .unwrap();
        let mut i = inputs(&[("MEMLENS_DATA_DIR", "/tmp/x")]);
        i.env_file = Some(env);
        let s = Settings::resolve(&i).unwrap();
        assert_eq!(s.embedder, EmbedderChoice::OpenAi);
        assert_eq!(s.store, StoreChoice::Pinecone);
        assert_eq!(
            s.openai_api_key.as_ref().unwrap().expose(),
            "sk-test-abcdef"
        );
    }

    #[test]
    fn secrets_never_print() {
        let mut i = inputs(&[
            ("OPENAI_API_KEY", "sk-SECRET-VALUE-123"),
            ("MEMLENS_DATA_DIR", "/tmp/x"),
        ]);
        i.config_file = None;
        let s = Settings::resolve(&i).unwrap();
        let debug = format!("{:?} {s:?}", s.openai_api_key);
        assert!(!debug.contains("SECRET"), "{debug}");
        let rows = format!("{:?}", s.rows());
        assert!(!rows.contains("SECRET"), "{rows}");
        assert!(rows.contains("hidden"));
    }

    #[test]
    fn bad_values_are_named() {
        let i = inputs(&[("MEMLENS_EMBEDDER", "bert"), ("MEMLENS_DATA_DIR", "/tmp/x")]);
        let e = Settings::resolve(&i).unwrap_err().to_string();
        assert!(e.contains("embedder") && e.contains("bert"), "{e}");
    }
}
