//! `memlens doctor`: check the configuration end to end and print one line per check
//! (pass / fail / warn / skip) with the fix to try. `--json`: one object per line,
//! `{check, status, detail, fix}`. Exit 1 when any check failed.

use std::process::ExitCode;

use anyhow::Context as _;

use super::GlobalArgs;
use crate::doctor::{self, Check};

/// Arguments of `memlens doctor` (only the global options).
#[derive(Debug, clap::Args)]
pub struct DoctorArgs {}

/// Run `memlens doctor`. Takes the flags rather than resolved settings, so that settings
/// that fail to load are reported as a failed check instead of ending the command.
pub fn run(global: &GlobalArgs, _args: &DoctorArgs) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let inputs = global.inputs();
    let mut checks = rt.block_on(doctor::run(&inputs));
    if let Ok(settings) = crate::config::Settings::resolve(&inputs) {
        checks.extend(key_checks(settings.config_file.as_deref()));
    }
    print!("{}", render(&checks, global.json)?);
    Ok(if doctor::any_failed(&checks) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The report: aligned text lines, or one JSON object per line.
pub fn render(checks: &[Check], json: bool) -> anyhow::Result<String> {
    let mut out = String::new();
    if json {
        for c in checks {
            out.push_str(&serde_json::to_string(c)?);
            out.push('\n');
        }
        return Ok(out);
    }
    let width = checks.iter().map(|c| c.check.len()).max().unwrap_or(0);
    for c in checks {
        out.push_str(&format!(
            "[{}] {:width$}  {}\n",
            c.status.word(),
            c.check,
            c.detail
        ));
        if let Some(fix) = &c.fix {
            out.push_str(&format!("       {:width$}  fix: {fix}\n", ""));
        }
    }
    let count = |s: doctor::Status| checks.iter().filter(|c| c.status == s).count();
    out.push_str(&format!(
        "\n{} passed, {} failed, {} warnings, {} skipped\n",
        count(doctor::Status::Pass),
        count(doctor::Status::Fail),
        count(doctor::Status::Warn),
        count(doctor::Status::Skip)
    ));
    Ok(out)
}

/// The TUI's `[keys]` table: bad key specs, unknown actions, actions left without a key.
pub fn key_checks(config_file: Option<&std::path::Path>) -> Vec<Check> {
    let (map, warnings) = crate::tui::keymap::Keymap::from_config_file(config_file);
    if warnings.is_empty() {
        return vec![Check::pass(
            "keys",
            format!(
                "{} key bindings; every action has a key",
                map.bindings.len()
            ),
        )];
    }
    warnings
        .into_iter()
        .map(|w| {
            Check::warn(
                "keys",
                w,
                "fix the [keys] table of the config file (names as in the help, `?`)",
            )
        })
        .collect()
}
