//! `memlens embed` (in progress).

use std::process::ExitCode;

use super::Context;

/// Arguments of `memlens embed`.
#[derive(Debug, clap::Args)]
pub struct EmbedArgs {}

/// Run `memlens embed`.
pub fn run(_ctx: &Context, _args: EmbedArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("memlens embed is not built yet")
}
