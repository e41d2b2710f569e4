//! The command line: clap commands over the engine. With no subcommand, `memlens [EXPORT]`
//! opens the terminal UI.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::{Inputs, Settings};

pub mod check;
pub mod config_cmd;
pub mod doctor;
pub mod drift;
pub mod embed;
pub mod explain;
pub mod facts;
pub mod golden;
pub mod index;
pub mod indexing;
pub mod kind_explain;
pub mod kinds;
pub mod list;
pub mod orphans;
pub mod reprocess;
pub mod search;
pub mod status;
pub mod style;
pub mod text;

/// memlens: look inside Omi's memory embeddings.
#[derive(Debug, Parser)]
#[command(name = "memlens", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Export file to open in the terminal UI (default: none).
    pub export: Option<PathBuf>,
    #[command(flatten)]
    pub global: GlobalArgs,
}

/// Options every command accepts. Keys are never flags (they would show in `ps`): set
/// them in the environment, an env file or the config file.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalArgs {
    /// Config file (TOML); default: the platform config dir's memlens/config.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// A backend `.env` file to read settings from (OPENAI_API_KEY, PINECONE_*, …).
    #[arg(long, global = true, value_name = "PATH")]
    pub env_file: Option<PathBuf>,
    /// Omi user id (scopes queries, writes and deletes).
    #[arg(long, global = true)]
    pub uid: Option<String>,
    /// Namespace of memory vectors (default ns1).
    #[arg(long, global = true)]
    pub namespace: Option<String>,
    /// Embedding text format (omi-2024-07-30, omi-2024-07-31, omi-2024-08-26,
    /// omi-2025-04-30, omi-2025-10-17 or current).
    #[arg(long, global = true, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Embedder: auto, minilm (built-in all-MiniLM-L6-v2), static (built-in 128-d table,
    /// fast) or openai.
    #[arg(long, global = true)]
    pub embedder: Option<String>,
    /// Vector store: auto, local or pinecone.
    #[arg(long, global = true)]
    pub store: Option<String>,
    /// Data dir (local store, caches, journal, log).
    #[arg(long, global = true, value_name = "PATH")]
    pub data_dir: Option<PathBuf>,
    /// Refuse every write.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// OpenAI-compatible base URL.
    #[arg(long, global = true, value_name = "URL")]
    pub openai_base_url: Option<String>,
    /// Embedding model.
    #[arg(long, global = true)]
    pub openai_model: Option<String>,
    /// Pinecone index name.
    #[arg(long, global = true)]
    pub pinecone_index: Option<String>,
    /// Pinecone index host (bare host or full URL).
    #[arg(long, global = true)]
    pub pinecone_host: Option<String>,
    /// Machine-readable output.
    #[arg(long, global = true)]
    pub json: bool,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the effective settings, where each came from (secrets masked).
    Config,
    /// Check an export: shape, counts, date range, ambiguous dates, duplicates, bad records.
    Check(check::CheckArgs),
    /// List the memories of an export: id, date, title.
    List(list::ListArgs),
    /// Print the embedding text of memories.
    Text(text::TextArgs),
    /// Embed a text (or a memory of an export) and show the vector.
    Embed(embed::EmbedArgs),
    /// Look at the vector index: stats, fetch, list.
    Index(index::IndexArgs),
    /// Search as Omi does (semantic), by full text, or both fused (hybrid, the default).
    Search(search::SearchArgs),
    /// Why a memory (or with --kind a fact, action item or conversation's chunks) is or is
    /// not found for a query: exact ranks, scores, checks, the fix.
    Explain(explain::ExplainArgs),
    /// Golden queries: add (query → expected memory id) and run (ranks, recall@k, MRR).
    Golden(golden::GoldenArgs),
    /// The embedding status of every memory of an export (--verify: fresh or stale).
    Status(status::StatusArgs),
    /// Which Omi text format made a memory's stored vector.
    Drift(drift::DriftArgs),
    /// Vectors of the user whose memory is not in the export (--delete --yes removes them).
    Orphans(orphans::OrphansArgs),
    /// Re-embed memories and upsert them as Omi does (plan, progress, journal, resume).
    Reprocess(reprocess::ReprocessArgs),
    /// Check the configuration end to end: settings, keys, embedder, store, uid, data dir.
    Doctor(doctor::DoctorArgs),
}

impl GlobalArgs {
    /// Settings inputs from these flags plus the process environment.
    pub fn inputs(&self) -> Inputs {
        let mut i = Inputs::from_process_env();
        i.config_file = self.config.clone();
        i.env_file = self.env_file.clone();
        i.flag("uid", "--uid", self.uid.as_ref());
        i.flag("namespace", "--namespace", self.namespace.as_ref());
        i.flag("text_format", "--format", self.format.as_ref());
        i.flag("embedder", "--embedder", self.embedder.as_ref());
        i.flag("store", "--store", self.store.as_ref());
        i.flag(
            "data_dir",
            "--data-dir",
            self.data_dir.as_ref().map(|p| p.display()),
        );
        if self.read_only {
            i.flag("read_only", "--read-only", Some("true"));
        }
        i.flag(
            "openai_base_url",
            "--openai-base-url",
            self.openai_base_url.as_ref(),
        );
        i.flag("openai_model", "--openai-model", self.openai_model.as_ref());
        i.flag(
            "pinecone_index_name",
            "--pinecone-index",
            self.pinecone_index.as_ref(),
        );
        i.flag(
            "pinecone_index_host",
            "--pinecone-host",
            self.pinecone_host.as_ref(),
        );
        i
    }
}

/// `--kind`: which of Omi's four record kinds a command works on (one flag for status,
/// reprocess, search, drift, orphans and text); `all` is for `status` only. Facts live in
/// `ns2` unless `--namespace` is given on the command line (omi-facts.md §F5.1); action
/// items always in `ns4`, chunks in `ns_tchunks` (omi-namespaces-2026.md).
#[derive(Debug, Args, Clone, Copy)]
pub struct KindArg {
    /// What to work on: conversations (Omi's ns1), facts (ns2), action-items (ns4),
    /// chunks (transcript chunks, ns_tchunks), or all (status only).
    #[arg(long = "kind", value_name = "KIND", default_value = "conversations",
          value_parser = clap::builder::TypedValueParser::map(
              clap::builder::PossibleValuesParser::new(
                  ["conversations", "facts", "action-items", "chunks", "all"]),
              |s: String| KindChoice(if s == "all" { None } else { s.parse::<crate::omi::record_kind::Kind>().ok() })))]
    pub choice: KindChoice,
}

/// A `--kind` value: one kind, or `None` for `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindChoice(pub Option<crate::omi::record_kind::Kind>);

impl KindArg {
    /// The kind asked for; `None` for `all`.
    pub fn value(&self) -> Option<crate::omi::record_kind::Kind> {
        self.choice.0
    }

    /// True for `--kind facts`.
    pub fn facts(&self) -> bool {
        self.choice.0 == Some(crate::omi::record_kind::Kind::Facts)
    }

    /// The one kind asked for (`all` counts as conversations for commands that do not
    /// take it: they call [`KindArg::one`] first).
    pub fn kind(&self) -> crate::omi::record_kind::Kind {
        self.choice.0.unwrap_or_default()
    }

    /// True for `--kind all`.
    pub fn all(&self) -> bool {
        self.choice.0.is_none()
    }

    /// The kind, or an error for `--kind all` on a command that works on one kind.
    pub fn one(&self, command: &str) -> anyhow::Result<crate::omi::record_kind::Kind> {
        self.choice.0.ok_or_else(|| {
            anyhow::anyhow!("--kind all works with status only; memlens {command} takes one kind")
        })
    }

    /// True for the kinds written by the record-kind engine (`sync::kinds`): action
    /// items and transcript chunks.
    pub fn generic(&self) -> bool {
        matches!(
            self.choice.0,
            Some(
                crate::omi::record_kind::Kind::ActionItems | crate::omi::record_kind::Kind::Chunks
            )
        )
    }
}

impl Default for KindArg {
    fn default() -> Self {
        Self {
            choice: KindChoice(Some(crate::omi::record_kind::Kind::Conversations)),
        }
    }
}

/// The embedder's dimension for a status lookup, learned with one tiny request when the
/// model is not known by name ([`crate::embed::Embedder::learn_dimension`]); `None` when
/// the embedder cannot be set up or does not answer: then no vector is judged on its
/// length (never "mismatch" against an unknown dimension).
pub async fn learned_dimension(settings: &Settings) -> Option<usize> {
    let embedder = search::open_embedder(settings).ok()?;
    match embedder.learn_dimension().await {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!("the embedder's dimension is not known ({e}): lengths not checked");
            None
        }
    }
}

/// The namespace a command of `kind` uses: the resolved `namespace` setting for
/// conversations; for facts `ns2`, unless `--namespace` was given as a flag; for action
/// items and chunks always their own namespace.
pub fn namespace_for(settings: &Settings, kind: crate::omi::record_kind::Kind) -> String {
    use crate::omi::record_kind::Kind;
    match kind {
        Kind::Conversations => settings.namespace.clone(),
        Kind::Facts => match settings.table.get("namespace").map(|e| &e.source) {
            Some(crate::config::Source::Flag(_)) => settings.namespace.clone(),
            _ => crate::omi::fact_conventions::FACTS_NAMESPACE.to_string(),
        },
        other => other.default_namespace().to_string(),
    }
}

/// What every command gets.
#[derive(Debug)]
pub struct Context {
    pub settings: Settings,
    pub json: bool,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    restore_default_sigpipe();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("{}", style::error(&error_message(&e)));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, `outer: cause: …`, leaving out a cause whose
/// text the line already holds (many engine errors embed their source in their own
/// message, and `{:#}` would print it twice).
pub fn error_message(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if text.is_empty() || line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(Command::Doctor(a)) = &cli.command {
        return doctor::run(&cli.global, a);
    }
    let settings = Settings::resolve(&cli.global.inputs())?;
    for w in &settings.warnings {
        eprintln!("{}", style::warning(w));
    }
    let ctx = Context {
        settings,
        json: cli.global.json,
    };
    match cli.command {
        Some(Command::Config) => config_cmd::run(&ctx),
        Some(Command::Check(a)) => check::run(&ctx, a),
        Some(Command::List(a)) => list::run(&ctx, a),
        Some(Command::Text(a)) => text::run(&ctx, a),
        Some(Command::Embed(a)) => embed::run(&ctx, a),
        Some(Command::Index(a)) => index::run(&ctx, a),
        Some(Command::Search(a)) => search::run(&ctx, a),
        Some(Command::Explain(a)) => explain::run(&ctx, a),
        Some(Command::Golden(a)) => golden::run(&ctx, a),
        Some(Command::Status(a)) => status::run(&ctx, a),
        Some(Command::Drift(a)) => drift::run(&ctx, a),
        Some(Command::Orphans(a)) => orphans::run(&ctx, a),
        Some(Command::Reprocess(a)) => reprocess::run(&ctx, a),
        // Normally dispatched above, before the settings are resolved.
        Some(Command::Doctor(a)) => doctor::run(&cli.global, &a),
        None => {
            use std::io::IsTerminal;
            if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
                anyhow::bail!("{}", NO_TERMINAL);
            }
            crate::tui::run(&ctx.settings, cli.export)
        }
    }
}

/// What `memlens [EXPORT]` says when stdin or stdout is not a terminal.
pub const NO_TERMINAL: &str = "the terminal UI needs a terminal (stdin or stdout is not one). \
Without a terminal, use the commands: memlens list EXPORT (ids and titles), memlens check EXPORT, \
memlens status EXPORT, memlens search \"QUERY\", memlens text EXPORT --id ID, memlens --help for all";

/// Die quietly on a closed pipe (`memlens text … | head`), like other Unix tools, instead
/// of panicking in `println!`.
fn restore_default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists; SIG_DFL is always valid.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_flags_before_or_after_the_subcommand() {
        let cli = Cli::try_parse_from(["memlens", "--uid", "u1", "config"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Config)));
        assert_eq!(cli.global.uid.as_deref(), Some("u1"));
        let cli = Cli::try_parse_from(["memlens", "check", "x.json", "--json"]).unwrap();
        assert!(matches!(cli.command, Some(Command::Check(_))));
        assert!(cli.global.json);
    }

    #[test]
    fn a_bare_path_opens_the_tui() {
        let cli = Cli::try_parse_from(["memlens", "--read-only", "export.json"]).unwrap();
        assert!(cli.command.is_none());
        assert_eq!(cli.export, Some(PathBuf::from("export.json")));
        assert!(cli.global.read_only);
    }

    #[test]
    fn error_message_prints_each_cause_once() {
        use crate::store::StoreError;
        use crate::sync::search::SearchError;
        let store = StoreError::Unavailable("connection refused at 127.0.0.1:9".into());
        let error = anyhow::Error::new(SearchError::from(store)).context("search failed");
        assert_eq!(
            error_message(&error),
            "search failed: querying the vector store failed: \
             vector store unavailable: connection refused at 127.0.0.1:9"
        );
        let plain = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_message(&plain), "outer: inner");
    }
}
