//! The terminal guard: raw mode, alternate screen, mouse capture and bracketed paste on;
//! restored on drop, on every exit path (quit, error, a terminating signal, suspend), and
//! by the panic hook when the UI thread panics. Panics in other threads (spawned tasks)
//! are logged and become error Actions instead.

use std::io::{self, Stdout};
use std::sync::OnceLock;
use std::thread::ThreadId;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

static UI_THREAD: OnceLock<ThreadId> = OnceLock::new();

/// Put the terminal back as it was: cooked mode, main screen, cursor shown, no mouse
/// reporting, no bracketed paste. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(
        io::stdout(),
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

/// Raw mode, the alternate screen, mouse capture and bracketed paste (pasted text then
/// arrives as one `Event::Paste`, never as keys). Undone by [`restore`] on failure.
fn take_over() -> io::Result<()> {
    enable_raw_mode()?;
    if let Err(e) = execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste
    ) {
        restore();
        return Err(e);
    }
    Ok(())
}

/// Owns the terminal while the TUI runs.
pub struct TerminalGuard {
    pub terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Enter raw mode and the alternate screen, and install the panic hook.
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        take_over()?;
        match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    /// Ctrl-Z / SIGTSTP: give the terminal back to the shell and stop the process (with
    /// SIGSTOP, which cannot be caught: the SIGTSTP handler stays installed). Returns
    /// after `fg` (SIGCONT) with the terminal taken over again and the screen cleared, so
    /// the next draw repaints everything.
    pub fn suspend(&mut self) -> io::Result<()> {
        restore();
        // SAFETY: raise only sends a signal to this process.
        unsafe {
            libc::raise(libc::SIGSTOP);
        }
        self.resume()
    }

    /// Take the terminal over again (after SIGCONT) and clear it so the next draw
    /// repaints every cell.
    pub fn resume(&mut self) -> io::Result<()> {
        take_over()?;
        // A new terminal has empty buffers, and the screen is cleared to match: the next
        // draw writes every cell. (`Terminal::clear` would ask the terminal for the
        // cursor position, an answer the event reader's thread may swallow.)
        execute!(
            io::stdout(),
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        self.terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

fn install_panic_hook() {
    if UI_THREAD.set(std::thread::current().id()).is_err() {
        return;
    }
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let on_ui_thread = UI_THREAD.get() == Some(&std::thread::current().id());
        tracing::error!("panic: {info}");
        if on_ui_thread {
            restore();
            default(info);
        }
        // Elsewhere: the task's JoinHandle reports it as an error Action; printing here
        // would scribble over the screen.
    }));
}
