//! `memlens index`: look at the vector index the settings choose (local store or
//! Pinecone): `stats`, `fetch ID…`, `list [--prefix P] [--limit N]`. Read-only.

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Subcommand;
use serde_json::json;

use super::Context;
use crate::omi::fact_conventions::known_namespace;
use crate::store::filter::meta_json;
use crate::store::{IndexStats, Metadata, Record, VectorStore, limits, open_from_settings};

/// Arguments of `memlens index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    #[command(subcommand)]
    pub command: IndexCommand,
}

/// What to look at.
#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Dimension, metric and vector count per namespace.
    Stats,
    /// Show stored records (values summary and metadata) by id; exits 1 when an id is absent.
    Fetch {
        /// Vector ids (Omi: `{uid}-{memory_id}`).
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
    /// List vector ids in the namespace, in id order.
    List {
        /// Only ids starting with this (Omi: `{uid}-` for one user's vectors).
        #[arg(long, value_name = "P")]
        prefix: Option<String>,
        /// Print at most N ids (default: all).
        #[arg(long, value_name = "N")]
        limit: Option<usize>,
    },
}

/// Run `memlens index`.
pub fn run(ctx: &Context, args: IndexArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let (text, code) = rt.block_on(execute(ctx, &args))?;
    print!("{text}");
    Ok(code)
}

/// Run the command and return what it prints and its exit code.
pub async fn execute(ctx: &Context, args: &IndexArgs) -> anyhow::Result<(String, ExitCode)> {
    let store = open_from_settings(&ctx.settings)
        .await
        .context("cannot open the vector store")?;
    let ns = ctx.settings.namespace.as_str();
    match &args.command {
        IndexCommand::Stats => {
            let stats = store.stats().await.context("cannot read index stats")?;
            Ok((
                render_stats(store.as_ref(), ns, &stats, ctx.json)?,
                ExitCode::SUCCESS,
            ))
        }
        IndexCommand::Fetch { ids } => {
            let found = store.fetch(ns, ids).await.context("cannot fetch vectors")?;
            let missing: Vec<&String> = ids.iter().filter(|id| !found.contains_key(*id)).collect();
            let text = if ctx.json {
                let records: Vec<_> = ids
                    .iter()
                    .filter_map(|id| found.get(id))
                    .map(record_json)
                    .collect();
                let v = json!({"namespace": ns, "records": records, "missing": missing});
                format!("{}\n", serde_json::to_string_pretty(&v)?)
            } else {
                let mut out = String::new();
                for id in ids {
                    match found.get(id) {
                        Some(r) => out.push_str(&render_record(r)),
                        None => writeln!(out, "{id}: not in namespace {ns}")?,
                    }
                }
                out
            };
            let code = if missing.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
            Ok((text, code))
        }
        IndexCommand::List { prefix, limit } => {
            let ids = list_ids(store.as_ref(), ns, prefix.as_deref(), *limit).await?;
            let text = if ctx.json {
                let v = json!({"namespace": ns, "prefix": prefix, "ids": ids.0, "more": ids.1});
                format!("{}\n", serde_json::to_string_pretty(&v)?)
            } else {
                let mut out = String::new();
                for id in &ids.0 {
                    writeln!(out, "{id}")?;
                }
                if ids.1 {
                    writeln!(out, "(more ids: raise --limit)")?;
                }
                out
            };
            Ok((text, ExitCode::SUCCESS))
        }
    }
}

/// Ids in order, following pages until `limit`; also whether more remain.
async fn list_ids(
    store: &dyn VectorStore,
    ns: &str,
    prefix: Option<&str>,
    limit: Option<usize>,
) -> anyhow::Result<(Vec<String>, bool)> {
    let mut ids = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let want = limit.map_or(limits::DEFAULT_LIST_LIMIT, |l| {
            l.saturating_sub(ids.len()).min(limits::DEFAULT_LIST_LIMIT)
        });
        if want == 0 {
            return Ok((ids, token.is_some()));
        }
        let page = store
            .list(ns, prefix, Some(want), token.clone())
            .await
            .context("cannot list vector ids")?;
        ids.extend(page.ids);
        match page.next {
            Some(next) if token.as_deref() != Some(next.as_str()) => token = Some(next),
            Some(_) => anyhow::bail!("the store returned the same page token twice"),
            None => return Ok((ids, false)),
        }
    }
}

fn render_stats(
    store: &dyn VectorStore,
    ns: &str,
    stats: &IndexStats,
    as_json: bool,
) -> anyhow::Result<String> {
    if as_json {
        let v = json!({
            "target": store.target(),
            "remote": store.is_remote(),
            "namespace": ns,
            "dimension": stats.dimension,
            "namespace_dimensions": stats.namespace_dimensions,
            "metric": stats.metric,
            "total": stats.total,
            "namespaces": stats.namespaces,
            "namespace_info": namespace_info(stats),
        });
        return Ok(format!("{}\n", serde_json::to_string_pretty(&v)?));
    }
    let mut out = String::new();
    writeln!(out, "store      {}", store.target())?;
    writeln!(
        out,
        "dimension  {}",
        match stats.dimension {
            Some(d) => d.to_string(),
            None if stats.total == 0 => "none yet (empty)".to_string(),
            None if !stats.namespace_dimensions.is_empty() =>
                "mixed (per namespace below)".to_string(),
            None => "unknown".to_string(),
        }
    )?;
    writeln!(
        out,
        "metric     {}",
        stats.metric.as_deref().unwrap_or("unknown")
    )?;
    writeln!(out, "vectors    {}", stats.total)?;
    if stats.namespaces.is_empty() {
        writeln!(out, "namespaces none")?;
    }
    let width = stats
        .namespaces
        .keys()
        .map(|k| k.len().max(9))
        .max()
        .unwrap_or(9);
    for (name, count) in &stats.namespaces {
        let shown = if name.is_empty() { "(default)" } else { name };
        let mark = if name == ns {
            "  <- memlens namespace"
        } else {
            ""
        };
        let dim = match stats.dimension_of(name) {
            Some(d) => format!("  {d} d"),
            None => String::new(),
        };
        let holds = match known_namespace(name) {
            Some(k) if k.modelled => format!("  Omi {}", k.holds),
            Some(k) => format!("  Omi {} (read-only)", k.holds),
            None => String::new(),
        };
        writeln!(out, "  {shown:width$}  {count:>9}{dim}{holds}{mark}")?;
    }
    if !stats.namespaces.contains_key(ns) {
        writeln!(out, "namespace {ns} (from settings) holds no vectors")?;
    }
    Ok(out)
}

/// Per namespace: count, dimension, and what Omi keeps there (omi-facts.md §F6).
fn namespace_info(stats: &IndexStats) -> serde_json::Value {
    serde_json::Value::Object(
        stats
            .namespaces
            .iter()
            .map(|(name, count)| {
                let known = known_namespace(name);
                (
                    name.clone(),
                    json!({
                        "vectors": count,
                        "dimension": stats.dimension_of(name),
                        "holds": known.as_ref().map(|k| k.holds.clone()),
                        "modelled": known.is_some_and(|k| k.modelled),
                    }),
                )
            })
            .collect(),
    )
}

fn metadata_json(m: &Metadata) -> serde_json::Value {
    serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), meta_json(v))).collect())
}

fn record_json(r: &Record) -> serde_json::Value {
    json!({"id": r.id, "dimension": r.values.len(), "values": r.values, "metadata": metadata_json(&r.metadata)})
}

fn render_record(r: &Record) -> String {
    let norm = r
        .values
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    let head: Vec<String> = r.values.iter().take(4).map(|v| format!("{v:.5}")).collect();
    let mut out = format!(
        "{}\n  dimension {}  norm {norm:.4}  values [{}{}]\n",
        r.id,
        r.values.len(),
        head.join(", "),
        if r.values.len() > 4 { ", …" } else { "" }
    );
    for (k, v) in &r.metadata {
        out.push_str(&format!("  {k}: {}\n", meta_json(v)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Inputs, Settings};
    use crate::omi::conventions::memory_metadata;
    use crate::store::local::LocalStore;

    fn ctx(dir: &std::path::Path, json: bool) -> Context {
        let inputs = Inputs {
            env: [("MEMLENS_DATA_DIR".to_string(), dir.display().to_string())].into(),
            skip_default_config: true,
            ..Inputs::default()
        };
        Context {
            settings: Settings::resolve(&inputs).unwrap(),
            json,
        }
    }

    #[tokio::test]
    async fn stats_fetch_list() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(&LocalStore::default_path(dir.path())).unwrap();
        let records: Vec<Record> = (0..5)
            .map(|i| Record {
                id: format!("u1-m{i}"),
                values: vec![1.0, i as f32, 0.5],
                metadata: memory_metadata("u1", &format!("m{i}"), 1_700_000_000 + i),
            })
            .collect();
        store.upsert("ns1", records).await.unwrap();
        drop(store);

        let run = |json: bool, command: IndexCommand| {
            let c = ctx(dir.path(), json);
            async move { execute(&c, &IndexArgs { command }).await.unwrap() }
        };
        let (text, _) = run(false, IndexCommand::Stats).await;
        assert!(
            text.contains("dimension  3") && text.contains("ns1"),
            "{text}"
        );
        let (text, _) = run(true, IndexCommand::Stats).await;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["namespaces"]["ns1"], 5);
        assert_eq!(v["metric"], "cosine");

        let (text, code) = run(
            false,
            IndexCommand::Fetch {
                ids: vec!["u1-m2".into(), "u1-zz".into()],
            },
        )
        .await;
        assert!(text.contains("created_at: 1700000002"), "{text}");
        assert!(text.contains("u1-zz: not in namespace ns1"), "{text}");
        assert_eq!(code, ExitCode::FAILURE);
        let (text, code) = run(
            true,
            IndexCommand::Fetch {
                ids: vec!["u1-m2".into()],
            },
        )
        .await;
        assert_eq!(code, ExitCode::SUCCESS);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["records"][0]["values"], json!([1.0, 2.0, 0.5]));

        let (text, _) = run(
            false,
            IndexCommand::List {
                prefix: Some("u1-".into()),
                limit: Some(3),
            },
        )
        .await;
        assert_eq!(text, "u1-m0\nu1-m1\nu1-m2\n(more ids: raise --limit)\n");
        let (text, _) = run(
            true,
            IndexCommand::List {
                prefix: None,
                limit: None,
            },
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["ids"].as_array().unwrap().len(), 5);
        assert_eq!(v["more"], false);
    }
}
