//! The terminal UI: `memlens [EXPORT]`.
//!
//! Shaped like ratatui's component template: one [`action::Action`] enum; keys become
//! Actions through the [`keymap`]; [`app::App::update`] applies them; [`view::draw`] is a
//! pure function of [`state::State`]; slow work runs in spawned tasks that report back as
//! Actions; the screen is redrawn only when something changed.

pub mod action;
pub mod app;
pub mod clipboard;
pub mod confirm;
pub mod facts;
pub mod fit;
pub mod index;
pub mod jobs;
pub mod keymap;
pub mod list;
pub mod loader;
pub mod matching;
pub mod sanitize;
pub mod search;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod vector;
pub mod view;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::cli::Context;
use crate::tui::action::{Action, Level};
use crate::tui::app::{App, Services, spawn_reporting};
use crate::tui::state::{LoadState, State};

/// Open the terminal UI on an export.
pub fn run(ctx: &Context, export: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let settings = &ctx.settings;
    std::fs::create_dir_all(&settings.data_dir).ok();
    let _log = init_logging(&settings.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let (mut setup, services, mut warnings) = startup::build(settings).await;
        // One writer per data dir: a second TUI (or one opened beside a running
        // reprocess) is read-only for writes, and says why.
        let _lock = startup::take_writer_lock(settings, &mut setup, &mut warnings);
        let (keymap, key_warnings) =
            keymap::Keymap::from_config_file(settings.config_file.as_deref());
        let format = settings
            .text_format
            .parse()
            .unwrap_or(crate::omi::text::TextFormat::CURRENT);
        let mut state = State::new(setup, keymap, theme::Theme::from_env(), format);
        let all: Vec<String> = warnings.into_iter().chain(key_warnings).collect();
        report_warnings(&mut state, &all);
        run_app(state, services, export).await
    })?;
    Ok(ExitCode::SUCCESS)
}

mod startup;

/// Configuration warnings at start: every one in the message log (and the log file); the
/// status line shows the one, or how many and where to read them.
pub fn report_warnings(state: &mut State, warnings: &[String]) {
    for w in warnings {
        state.notify(Level::Warn, w.clone());
    }
    if warnings.len() > 1 {
        let log = state
            .keymap
            .keys_for(action::Command::MessageLog, keymap::Scope::Global);
        let log = log.split('/').next().unwrap_or("L").to_string();
        state.notify(
            Level::Warn,
            format!(
                "{} configuration warnings: {log} shows them (also memlens config / memlens doctor)",
                warnings.len()
            ),
        );
    }
}

fn init_logging(data_dir: &std::path::Path) -> Option<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join("memlens.log"))
        .ok()?;
    let subscriber = tracing_subscriber::fmt()
        .with_writer(std::sync::Mutex::new(file))
        .with_ansi(false)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MEMLENS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()
}

/// Start loading an export in the background.
pub fn start_load(tx: &mpsc::UnboundedSender<Action>, path: PathBuf) {
    let task_tx = tx.clone();
    spawn_reporting(tx, "export loader", async move {
        let progress_tx = task_tx.clone();
        let result = tokio::task::spawn_blocking(move || {
            let mut last = 0u64;
            loader::load_blocking(&path, &mut |done, total| {
                // Report about every 1% so the channel is not flooded.
                if done == total || done.saturating_sub(last) >= (total / 100).max(1) {
                    last = done;
                    let _ = progress_tx.send(Action::LoadProgress { done, total });
                }
            })
        })
        .await;
        let action = match result {
            Ok(Ok(export)) => Action::ExportLoaded(Box::new(export)),
            Ok(Err(e)) => Action::LoadFailed(e),
            Err(e) => Action::LoadFailed(format!("the loader crashed: {e}")),
        };
        let _ = task_tx.send(action);
    });
}

async fn run_app(
    mut state: State,
    services: Services,
    export: Option<PathBuf>,
) -> anyhow::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(path) = export {
        state.export_path = Some(path.clone());
        state.load = LoadState::Loading { done: 0, total: 0 };
        start_load(&tx, path);
    }
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    state.size = (size.width, size.height);
    let mut app = App::new(state, services, tx.clone());
    app.load_golden_last();
    let mut events = EventStream::new();
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    loop {
        if dirty {
            guard.terminal.draw(|f| view::draw(f, &app.state))?;
            dirty = false;
        }
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(Event::Key(k))) => Action::Key(k),
                Some(Ok(Event::Mouse(m))) => Action::Mouse(m),
                Some(Ok(Event::Resize(w, h))) => Action::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(a) = rx.recv() => a,
            _ = ticker.tick() => Action::Tick,
        };
        dirty |= app.update(action);
        // Coalesce bursts (progress reports, fast typing) into one redraw.
        while let Ok(a) = rx.try_recv() {
            dirty |= app.update(a);
        }
        if let Some(text) = app.state.clipboard.take() {
            use std::io::Write;
            let mut out = std::io::stdout();
            if let Err(e) = out
                .write_all(clipboard::osc52(&text).as_bytes())
                .and_then(|_| out.flush())
            {
                app.state
                    .notify(Level::Warn, format!("cannot write to the terminal: {e}"));
            }
        }
        if app.state.should_quit {
            break;
        }
    }
    drop(guard);
    Ok(())
}
