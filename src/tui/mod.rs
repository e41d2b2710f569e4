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
pub mod kinds;
pub mod list;
pub mod loader;
pub mod matching;
pub mod sanitize;
pub mod search;
pub mod split_paste;
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

use crate::tui::action::{Action, Level};
use crate::tui::app::{App, Services, spawn_reporting};
use crate::tui::state::{LoadState, State};

/// Open the terminal UI on an export.
pub fn run(
    settings: &crate::config::Settings,
    export: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    std::fs::create_dir_all(&settings.data_dir).ok();
    let _log = init_logging(&settings.data_dir);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let outcome = runtime.block_on(async {
        let (mut setup, services, mut warnings) = startup::build(settings).await;
        // One writer per data dir: a second TUI (or one opened beside a running
        // reprocess) is read-only for writes, and says why.
        let (_lock, read_only_why) = startup::take_writer_lock(settings, &mut setup, &mut warnings);
        let (keymap, key_warnings) =
            keymap::Keymap::from_config_file(settings.config_file.as_deref());
        let format = settings
            .text_format
            .parse()
            .unwrap_or(crate::omi::text::TextFormat::CURRENT);
        let mut state = State::new(setup, keymap, theme::Theme::from_env(), format);
        state.read_only_why = read_only_why;
        let all: Vec<String> = warnings.into_iter().chain(key_warnings).collect();
        report_warnings(&mut state, &all);
        run_app(state, services, export).await
    });
    // Background tasks (a job recording its state) get a moment to finish, then stop.
    runtime.shutdown_timeout(Duration::from_secs(2));
    match outcome? {
        Ended::Quit => Ok(ExitCode::SUCCESS),
        Ended::Signal(signal) => Ok(signals::exit_as(signal)),
    }
}

mod signals;

/// How the terminal loop ended.
enum Ended {
    /// The user quit.
    Quit,
    /// A terminating signal (SIGTERM, SIGHUP, SIGQUIT) arrived: the terminal is restored,
    /// jobs were asked to stop and given time to record their state.
    Signal(i32),
}

mod startup;

/// Configuration warnings at start: every one in the message log (and the log file); the
/// footer keeps the one, or how many and where to read them, until the user opens the
/// log or dismisses them.
pub fn report_warnings(state: &mut State, warnings: &[String]) {
    // They stay in the footer until acted on (`L` reads them, `Esc` dismisses them).
    state.config_warnings = warnings.to_vec();
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
    if !warnings.is_empty() {
        // The footer shows them pinned; a later message replaces this tag.
        state.message_tag = Some(crate::tui::state::CONFIG_WARNINGS);
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
) -> anyhow::Result<Ended> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(path) = export {
        state.export_path = Some(path.clone());
        state.load = LoadState::Loading { done: 0, total: 0 };
        start_load(&tx, path);
    }
    // Signals are caught before the terminal is taken over: from here on none of them
    // can leave it raw.
    let mut signals = signals::Signals::new()?;
    let mut guard = terminal::TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    state.size = (size.width, size.height);
    let mut app = App::new(state, services, tx.clone());
    app.load_golden_last();
    let mut events = EventStream::new();
    // A paste whose start marker crossterm split into keys is put back together here, so
    // its text never runs as keys (see `split_paste`).
    let mut pastes = split_paste::PasteReassembler::default();
    let mut last_event = tokio::time::Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_millis(100));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut dirty = true;
    let ended = loop {
        if dirty {
            guard.terminal.draw(|f| view::draw(f, &app.state))?;
            dirty = false;
        }
        let quiet_at = last_event + split_paste::QUIET;
        let action = tokio::select! {
            ev = events.next() => match ev {
                Some(Ok(ev)) => {
                    last_event = tokio::time::Instant::now();
                    dirty |= apply_events(&mut app, pastes.push(ev));
                    None
                }
                Some(Err(e)) => return Err(e.into()),
                None => break Ended::Quit,
            },
            _ = tokio::time::sleep_until(quiet_at), if pastes.is_pending() => {
                // Bytes already waiting continue the stream (a busy machine, not a pause).
                match ready_event(&mut events).await {
                    Some(Ok(ev)) => {
                        last_event = tokio::time::Instant::now();
                        dirty |= apply_events(&mut app, pastes.push(ev));
                    }
                    Some(Err(e)) => return Err(e.into()),
                    None => dirty |= apply_events(&mut app, pastes.flush_on_quiet()),
                }
                None
            }
            Some(a) = rx.recv() => Some(a),
            signal = signals.next() => match signal {
                signals::Caught::Suspend => {
                    guard.suspend()?;
                    dirty = true;
                    continue;
                }
                signals::Caught::Continued => {
                    // Stopped from outside (SIGSTOP) and continued: take the terminal back.
                    guard.resume()?;
                    dirty = true;
                    continue;
                }
                signals::Caught::Terminate(n) => break Ended::Signal(n),
            },
            _ = ticker.tick() => Some(Action::Tick),
        };
        if let Some(action) = action {
            dirty |= app.update(action);
        }
        // Every terminal event already waiting is applied before the next draw: a long
        // paste or a burst of keys never leaves a key (the Enter after it) unhandled.
        for _ in 0..MAX_EVENTS_PER_FRAME {
            let Some(ev) = ready_event(&mut events).await else {
                break;
            };
            match ev {
                Ok(ev) => {
                    last_event = tokio::time::Instant::now();
                    dirty |= apply_events(&mut app, pastes.push(ev));
                }
                Err(e) => return Err(e.into()),
            }
        }
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
        if std::mem::take(&mut app.state.suspend_requested) {
            guard.suspend()?;
            dirty = true;
        }
        if app.state.should_quit {
            break Ended::Quit;
        }
    };
    drop(guard);
    if let Ended::Signal(n) = ended {
        tracing::warn!("signal {n}: the terminal is restored; stopping running jobs");
        app.stop_jobs();
        // Let the jobs record where they stopped (the journal keeps every finished item;
        // cancelled ones resume later), bounded so a hung request cannot keep us alive.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while app.jobs_running() {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(a)) => {
                    app.update(a);
                }
                _ => break,
            }
        }
    }
    Ok(ended)
}

/// Terminal events applied in one turn at most before the screen is drawn again.
const MAX_EVENTS_PER_FRAME: usize = 4096;

/// The Action of a terminal event (`None`: nothing to do).
fn event_action(ev: Event) -> Option<Action> {
    match ev {
        Event::Key(k) => Some(Action::Key(k)),
        Event::Mouse(m) => Some(Action::Mouse(m)),
        Event::Resize(w, h) => Some(Action::Resize(w, h)),
        Event::Paste(text) => Some(Action::Paste(text)),
        _ => None,
    }
}

/// Apply terminal events in order; true if the screen changed.
fn apply_events(app: &mut App, events: Vec<Event>) -> bool {
    let mut dirty = false;
    for a in events.into_iter().filter_map(event_action) {
        dirty |= app.update(a);
    }
    dirty
}

/// The next terminal event if one is ready now, without waiting. Polled with this task's
/// own waker, so a wake-up the stream arranges is never lost.
async fn ready_event(events: &mut EventStream) -> Option<std::io::Result<Event>> {
    use std::task::Poll;
    std::future::poll_fn(|cx| match events.poll_next_unpin(cx) {
        Poll::Ready(Some(ev)) => Poll::Ready(Some(ev)),
        Poll::Ready(None) | Poll::Pending => Poll::Ready(None),
    })
    .await
}
