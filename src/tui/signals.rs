//! Job-control and terminating signals while the TUI owns the terminal.
//!
//! - SIGTSTP (`kill -TSTP`, or Ctrl-Z, which raw mode turns into a key): the terminal is
//!   restored and the process stops; after `fg` (SIGCONT) the terminal is taken over
//!   again and everything is redrawn ([`crate::tui::terminal::TerminalGuard::suspend`]).
//! - SIGCONT after a stop from outside (SIGSTOP cannot be caught): the same take-over and
//!   redraw.
//! - SIGTERM, SIGHUP, SIGQUIT: the terminal is restored, running jobs are cancelled and
//!   given a moment to record their state in the journal, then the process ends as the
//!   signal would have ended it ([`exit_as`]).

use std::process::ExitCode;

use tokio::signal::unix::{Signal, SignalKind, signal};

/// A signal the terminal loop acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caught {
    /// SIGTSTP: suspend.
    Suspend,
    /// SIGCONT: continued after a stop we did not arrange.
    Continued,
    /// SIGTERM, SIGHUP or SIGQUIT (the signal number).
    Terminate(i32),
}

/// The signals the TUI catches, as streams.
pub struct Signals {
    tstp: Signal,
    cont: Signal,
    term: Signal,
    hup: Signal,
    quit: Signal,
}

impl Signals {
    /// Catch them (from now on they no longer have their default effect).
    pub fn new() -> std::io::Result<Self> {
        Ok(Self {
            tstp: signal(SignalKind::from_raw(libc::SIGTSTP))?,
            cont: signal(SignalKind::from_raw(libc::SIGCONT))?,
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            quit: signal(SignalKind::quit())?,
        })
    }

    /// The next signal caught.
    pub async fn next(&mut self) -> Caught {
        tokio::select! {
            Some(()) = self.tstp.recv() => Caught::Suspend,
            Some(()) = self.cont.recv() => Caught::Continued,
            Some(()) = self.term.recv() => Caught::Terminate(libc::SIGTERM),
            Some(()) = self.hup.recv() => Caught::Terminate(libc::SIGHUP),
            Some(()) = self.quit.recv() => Caught::Terminate(libc::SIGQUIT),
            else => std::future::pending().await,
        }
    }
}

/// End the process as `signal` would have: SIGTERM and SIGHUP are raised again with
/// their default action (the parent sees "killed by signal", the shell `$?` 128+n);
/// SIGQUIT, whose default also dumps core, exits with status 128+3 instead. The
/// returned code is only used if the signal did not end the process.
pub fn exit_as(signal: i32) -> ExitCode {
    if signal != libc::SIGQUIT {
        // SAFETY: resetting a disposition to the default and raising a signal at this
        // process; nothing else runs (the runtime is shut down).
        unsafe {
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
    ExitCode::from((128 + signal) as u8)
}
