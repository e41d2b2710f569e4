//! The terminal UI (in progress).

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::Context;

/// Open the terminal UI on an export.
pub fn run(_ctx: &Context, _export: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the terminal UI is not built yet")
}
