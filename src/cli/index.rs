//! `memlens index` (in progress).

use std::process::ExitCode;

use super::Context;

/// Arguments of `memlens index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {}

/// Run `memlens index`.
pub fn run(_ctx: &Context, _args: IndexArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("memlens index is not built yet")
}
