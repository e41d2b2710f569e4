//! `memlens check` (in progress).

use std::process::ExitCode;

use super::Context;

/// Arguments of `memlens check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {}

/// Run `memlens check`.
pub fn run(_ctx: &Context, _args: CheckArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("memlens check is not built yet")
}
