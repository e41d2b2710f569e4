//! `memlens config`: the effective settings and their sources.

use std::process::ExitCode;

use super::Context;

/// Print every setting (secrets masked) with its source.
pub fn run(ctx: &Context) -> anyhow::Result<ExitCode> {
    let rows = ctx.settings.rows();
    let (_, key_warnings) =
        crate::tui::keymap::Keymap::from_config_file(ctx.settings.config_file.as_deref());
    // The settings' own warnings are printed (to stderr) before every command.
    let warnings = key_warnings;
    if ctx.json {
        // A list: one JSON object per line; warnings go to stderr.
        for (k, v, s) in &rows {
            println!(
                "{}",
                serde_json::json!({"key": k, "value": v, "source": s.to_string()})
            );
        }
    } else {
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        for (k, v, s) in rows {
            println!("{k:width$}  {v}  [{s}]");
        }
        match &ctx.settings.config_file {
            Some(p) => println!("\nconfig file: {}", p.display()),
            None => println!(
                "\nconfig file: none (would be read from {})",
                crate::config::default_config_file()
                    .map(|p| p.display().to_string())
                    .unwrap_or_else(|| "(no home dir)".into())
            ),
        }
    }
    for w in &warnings {
        eprintln!("{}", super::style::warning(w));
    }
    Ok(ExitCode::SUCCESS)
}
