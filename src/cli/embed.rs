//! `memlens embed`: embed a text (from `--text` or standard input) or one memory of an
//! export, with the configured embedder, and show the vector.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Context;
use crate::omi::export::load_path;
use crate::omi::text::{TextFormat, render};

/// Arguments of `memlens embed`.
#[derive(Debug, clap::Args)]
pub struct EmbedArgs {
    /// An export: embed the memory given with `--id` (text in the global `--format`).
    pub export: Option<PathBuf>,
    /// The memory to embed (with EXPORT).
    #[arg(long, value_name = "ID", requires = "export")]
    pub id: Option<String>,
    /// The text to embed (default: read standard input).
    #[arg(long, conflicts_with = "export")]
    pub text: Option<String>,
    /// How many leading values to print (without --json).
    #[arg(long, default_value_t = 8)]
    pub head: usize,
}

#[derive(serde::Serialize)]
struct EmbedOutput<'a> {
    model: &'a str,
    embedder: String,
    dimension: usize,
    tokens: usize,
    /// Windows the text was embedded in, when more than one (all-MiniLM-L6-v2: 256 tokens).
    #[serde(skip_serializing_if = "Option::is_none")]
    windows: Option<usize>,
    norm: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a str>,
    text: &'a str,
    vector: &'a [f32],
}

/// What `memlens embed` prints when given nothing to embed on a terminal.
pub const EMBED_USAGE: &str = "memlens embed: nothing to embed. Give a text in one of three ways:
  memlens embed --text \"what to embed\"
  echo \"what to embed\" | memlens embed
  memlens embed EXPORT --id MEMORY_ID      (the memory's embedding text)
(--json prints the whole vector; memlens embed --help for every option)";

/// Build the runtime a one-shot command runs its async engine calls on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Run `memlens embed`.
pub fn run(ctx: &Context, args: EmbedArgs) -> anyhow::Result<ExitCode> {
    let (text, memory_id, format) = match (&args.export, &args.text) {
        (Some(path), _) => {
            let id = args
                .id
                .as_deref()
                .context("with an export, say which memory: --id ID")?;
            let format: TextFormat = ctx.settings.text_format.parse().context(
                "bad text format (--format, MEMLENS_TEXT_FORMAT or text_format in the config file)",
            )?;
            let export = load_path(path)?;
            let memory = export
                .get(id)
                .with_context(|| format!("no memory with id {id:?} in {}", path.display()))?;
            (
                render(&memory.structured, format),
                Some(id.to_string()),
                Some(format),
            )
        }
        (None, Some(t)) => (t.clone(), None, None),
        (None, None) => {
            use std::io::IsTerminal;
            // Nothing piped in: waiting on a terminal for input nobody knows to type would
            // look like a hang. Say how to use the command instead.
            if std::io::stdin().is_terminal() {
                eprintln!("{EMBED_USAGE}");
                return Ok(ExitCode::from(2));
            }
            let mut s = String::new();
            std::io::stdin()
                .read_to_string(&mut s)
                .context("reading the text from standard input")?;
            (s.trim_end_matches(['\n', '\r']).to_string(), None, None)
        }
    };
    if text.trim().is_empty() {
        anyhow::bail!("nothing to embed: the text is empty");
    }
    let embedder = crate::embed::from_settings(&ctx.settings)?;
    let vector = runtime()?
        .block_on(embedder.embed(std::slice::from_ref(&text)))?
        .into_iter()
        .next()
        .context("the embedder returned no vector")?;
    let norm = vector
        .iter()
        .map(|v| (*v as f64) * (*v as f64))
        .sum::<f64>()
        .sqrt();
    let tokens = embedder.count_tokens(&text);
    // A text longer than the model's window is embedded window by window (token-weighted
    // mean): say so, with the count.
    let windows = embedder
        .window_tokens()
        .map(|w| tokens.div_ceil(w.saturating_sub(2).max(1)))
        .filter(|n| *n > 1);
    let out = EmbedOutput {
        windows,
        model: embedder.model_id(),
        embedder: embedder.label(),
        dimension: vector.len(),
        tokens,
        norm,
        memory_id: memory_id.as_deref(),
        format: format.map(|f| f.name()),
        text: &text,
        vector: &vector,
    };
    if ctx.json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!("model      {} ({})", out.model, out.embedder);
        if let (Some(id), Some(f)) = (out.memory_id, out.format) {
            println!("memory     {id} (text format {f})");
        }
        println!("dimension  {}", out.dimension);
        println!("tokens     {}", out.tokens);
        if let (Some(n), Some(w)) = (out.windows, embedder.window_tokens()) {
            println!(
                "windows    {n} (the text is longer than the model's {w}-token window: \
                 token-weighted mean of {n} windows)"
            );
        }
        println!("norm       {:.6}", out.norm);
        let head: Vec<String> = vector
            .iter()
            .take(args.head)
            .map(|v| format!("{v:.6}"))
            .collect();
        let more = if vector.len() > args.head {
            ", …"
        } else {
            ""
        };
        println!("values     [{}{more}]", head.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}
