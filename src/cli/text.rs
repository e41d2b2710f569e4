//! `memlens text` (in progress).

use std::process::ExitCode;

use super::Context;

/// Arguments of `memlens text`.
#[derive(Debug, clap::Args)]
pub struct TextArgs {}

/// Run `memlens text`.
pub fn run(_ctx: &Context, _args: TextArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("memlens text is not built yet")
}
