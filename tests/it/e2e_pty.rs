//! End to end: the real binary in a real pseudo-terminal (tmux), on the demo export,
//! driven by keys, pastes and signals; after it the terminal must be back in cooked
//! mode on the normal screen with the cursor shown.
//!
//! Without tmux these tests skip with one line on stderr (and fail under `CI`, where
//! `.ci/run` installs tmux); nothing here can panic outside a test body.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// A tmux server of its own (one socket per test) with one session `e2e`.
struct Tmux {
    socket: String,
}

/// True when tmux runs here; otherwise says once that the end-to-end tests skip (or
/// panics under CI, which must run them).
fn tmux_available() -> bool {
    static SAID: std::sync::Once = std::sync::Once::new();
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "tmux is required for the end-to-end tests under CI (apt-get install tmux)"
        );
        SAID.call_once(|| {
            // Straight to stderr: libtest's capture would hide it for a passing test.
            let _ = writeln!(
                std::io::stderr(),
                "e2e_pty: skipped (tmux not found; apt-get install tmux or brew install tmux to run them)"
            );
        });
    }
    ok
}

impl Tmux {
    /// A session of `w` × `h` running `sh -c script`; `None` when tmux is missing.
    fn start(w: u16, h: u16, script: &str) -> Option<Tmux> {
        if !tmux_available() {
            return None;
        }
        static N: AtomicU32 = AtomicU32::new(0);
        let tmux = Tmux {
            socket: format!(
                "memlens-e2e-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let (w, h) = (w.to_string(), h.to_string());
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "e2e",
            "-x",
            &w,
            "-y",
            &h,
            "sh",
            "-c",
            script,
        ]);
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("tmux {args:?}: {e}"))
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A pane format variable (`alternate_on`, `cursor_flag`).
    fn pane_var(&self, var: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "e2e", &format!("#{{{var}}}")]);
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Paste `text` as a terminal does with bracketed paste on (`paste-buffer -p` wraps
    /// it in ESC[200~ … ESC[201~ when the application asked for it).
    fn paste(&self, text: &str, dir: &Path) {
        let file = dir.join("paste.txt");
        std::fs::write(&file, text).unwrap();
        let out = self.run(&["load-buffer", "-b", "p", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = self.run(&["paste-buffer", "-p", "-d", "-b", "p", "-t", "e2e"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Wait until the screen satisfies `pred` (bounded), returning it.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Wait until a pane variable has `want` (bounded).
    fn wait_var(&self, var: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.pane_var(var) != want {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for #{{{var}}} = {want}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// After memlens ended: normal screen, cursor shown, cooked mode with echo (the
    /// script ran `stty -a` after it).
    fn assert_terminal_restored(&self, screen: &str) {
        assert_eq!(
            self.pane_var("alternate_on"),
            "0",
            "alternate screen left on"
        );
        assert_eq!(self.pane_var("cursor_flag"), "1", "cursor left hidden");
        assert!(
            !screen.contains("Memories 333"),
            "still on the alternate screen:\n{screen}"
        );
        assert!(
            screen.contains(" icanon") && !screen.contains("-icanon"),
            "raw mode left on:\n{screen}"
        );
        assert!(
            screen.contains(" echo ") && !screen.contains("-echo "),
            "echo left off:\n{screen}"
        );
    }
}

impl Tmux {
    /// `q`, and `y` if memlens asks first (a lookup or a search may still run).
    fn quit(&self) -> String {
        self.keys(&["q"]);
        let screen = self.wait_for("exit or the quit dialog", |s| {
            (s.contains("EXITED:") && s.contains("icanon")) || s.contains("Quit anyway?")
        });
        if !screen.contains("Quit anyway?") {
            return screen;
        }
        self.keys(&["y"]);
        self.wait_for("exit", |s| s.contains("EXITED:") && s.contains("icanon"))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // Never panics: a missing tmux or a dead server is fine here.
        let _ = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// The memlens command line for the demo export with a fresh data dir, as a shell
/// word list; it writes its pid to `dir/pid` first (`exec` keeps the pid).
fn memlens_command(dir: &Path) -> String {
    // MEMLENS_E2E_BIN runs another build (a copy looped while the tree is rebuilt).
    let bin = std::env::var("MEMLENS_E2E_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_memlens").to_string());
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let config = dir.join("config.toml");
    std::fs::write(&config, "").unwrap();
    format!(
        "sh -c 'echo $$ > {pid}; exec env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u PINECONE_API_KEY \
         -u PINECONE_INDEX_NAME -u PINECONE_INDEX_HOST -u MEMLENS_UID -u NO_COLOR \
         MEMLENS_DATA_DIR={data} {bin} --config {config} {demo}'",
        pid = dir.join("pid").display(),
        data = dir.display(),
        config = config.display(),
        demo = demo.display(),
    )
}

/// memlens in a non-interactive shell that prints its exit status and the terminal
/// mode when it ends.
fn start_memlens(dir: &Path) -> Option<Tmux> {
    let script = format!(
        "{}; echo \"EXITED:$?\"; stty -a; sleep 120",
        memlens_command(dir)
    );
    let tmux = Tmux::start(120, 40, &script)?;
    tmux.wait_for("the demo export", |s| s.contains("333 memories"));
    Some(tmux)
}

fn pid_of(dir: &Path) -> i32 {
    let file: PathBuf = dir.join("pid");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(pid) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.trim().parse().ok())
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "no pid file");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn e2e_tui_in_a_real_terminal_on_the_demo_export() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = start_memlens(dir.path()) else {
        return;
    };
    let screen = tmux.screen();
    assert!(screen.contains("Memories 333/333"), "{screen}");
    tmux.wait_for("the status lookup", |s| s.contains("missing"));
    assert_eq!(tmux.pane_var("alternate_on"), "1");

    // Move down and filter.
    tmux.keys(&["j", "j"]);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "dentist"]);
    tmux.wait_for("the filter", |s| {
        s.contains("/dentist") && s.contains("matches")
    });
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("filtered list", |s| !s.contains("Memories 333/333"));
    assert!(screen.to_lowercase().contains("dentist"), "{screen}");

    // Help overlay, then close it.
    tmux.keys(&["?"]);
    tmux.wait_for("help", |s| s.contains("Help"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("help closed", |s| !s.contains("Help —"));

    // Quit: the shell prints the exit code and the terminal mode.
    let screen = tmux.quit();
    assert!(screen.contains("EXITED:0"), "{screen}");
    tmux.assert_terminal_restored(&screen);
}

/// A multi-line paste is text in the `/` filter and in the search query: none of its
/// lines runs as a command (`q`, `y`, `R`, `a` would quit, confirm, reprocess), and
/// outside an input it is ignored.
#[test]
fn e2e_paste_is_text_never_keys() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = start_memlens(dir.path()) else {
        return;
    };
    tmux.wait_for("the status lookup", |s| s.contains("missing"));
    let commands = "\nq\ny\nR\na\ny\n";

    // Into the filter: the lines become spaces.
    tmux.keys(&["/"]);
    tmux.wait_for("the filter input", |s| s.contains("Enter keep"));
    tmux.paste(&format!("dentist{commands}"), dir.path());
    let screen = tmux.wait_for("the pasted filter", |s| s.contains("/dentist q y R a y"));
    assert!(!screen.contains("Quit"), "{screen}");
    assert!(!screen.contains("Reprocess"), "{screen}");
    tmux.keys(&["Escape"]);
    // The filter is applied in the background, so 333/333 alone may still be the count
    // from before the paste: wait until the input is closed and its text gone (an Escape
    // sent together with the next paste's ESC[200~ reaches memlens as one Esc plus
    // `[200~`, which is read as a split paste start, not as Escape + paste).
    tmux.wait_for("the filter cleared", |s| {
        s.contains("Memories 333/333") && !s.contains("Enter keep") && !s.contains("/dentist")
    });

    // Outside an input: ignored, said so (read in the message log: a later message may
    // already have taken the footer).
    tmux.paste(&format!("q{commands}"), dir.path());
    tmux.keys(&["L"]);
    tmux.wait_for("the paste refused", |s| {
        s.contains("Messages —") && s.contains("paste ignored")
    });
    tmux.keys(&["Escape"]);
    let screen = tmux.wait_for("the log closed", |s| !s.contains("Messages —"));
    assert!(screen.contains("Memories 333/333"), "{screen}");
    assert!(!screen.contains("Quit anyway?"), "{screen}");

    // Into the search query: the text lands, nothing runs until Enter.
    tmux.keys(&["s"]);
    tmux.wait_for("the query input", |s| s.contains("typing the query"));
    tmux.paste(&format!("dentist appointment{commands}"), dir.path());
    let screen = tmux.wait_for("the pasted query", |s| {
        s.contains("query dentist appointment q y R a y")
    });
    assert!(!screen.contains("hits for"), "a search ran:\n{screen}");
    assert!(!screen.contains("Confirm"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the search", |s| s.contains("hits for"));

    let screen = tmux.quit();
    assert!(screen.contains("EXITED:0"), "{screen}");
    tmux.assert_terminal_restored(&screen);
}

/// A 10,000-character paste into the query, then one Enter: the search runs (no key is
/// left waiting), and the input shows the end of the query.
#[test]
fn e2e_long_paste_then_one_enter_runs_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = start_memlens(dir.path()) else {
        return;
    };
    tmux.keys(&["s"]);
    tmux.wait_for("the query input", |s| s.contains("typing the query"));
    let mut text = String::new();
    let words = ["dentist", "lender", "marathon", "garden", "spanish"];
    while text.len() < 9_980 {
        text.push_str(words[text.len() % words.len()]);
        text.push(if text.len().is_multiple_of(7) {
            '\n'
        } else {
            ' '
        });
    }
    text.push_str("tailmarker");
    assert!(text.chars().count() >= 9_990 && text.chars().count() <= 10_010);
    tmux.paste(&text, dir.path());
    tmux.wait_for("the end of the pasted query", |s| s.contains("tailmarker"));
    tmux.keys(&["Enter"]);
    tmux.wait_for("the search", |s| s.contains("hits for"));
    tmux.keys(&["C-c"]);
    let screen = tmux.wait_for("exit", |s| s.contains("EXITED:") && s.contains("icanon"));
    assert!(screen.contains("EXITED:0"), "{screen}");
    tmux.assert_terminal_restored(&screen);
}

/// Ctrl-Z gives the terminal back to an interactive shell (cooked mode, normal screen,
/// cursor shown); `fg` brings memlens back, redrawn; so does an external SIGTSTP.
#[test]
fn e2e_ctrl_z_and_fg() {
    let dir = tempfile::tempdir().unwrap();
    let Some(tmux) = Tmux::start(120, 40, "PS1='PROMPT$ ' exec bash --norc --noprofile -i") else {
        return;
    };
    tmux.wait_for("the shell", |s| s.contains("PROMPT$"));
    tmux.keys(&["-l", &memlens_command(dir.path())]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the demo export", |s| s.contains("333 memories"));
    tmux.wait_var("alternate_on", "1");

    for how in ["C-z", "SIGTSTP"] {
        if how == "C-z" {
            tmux.keys(&["C-z"]);
        } else {
            // SAFETY: a signal to the child this test started.
            unsafe {
                libc::kill(pid_of(dir.path()), libc::SIGTSTP);
            }
        }
        tmux.wait_for("the shell after a stop", |s| s.contains("Stopped"));
        tmux.wait_var("alternate_on", "0");
        assert_eq!(tmux.pane_var("cursor_flag"), "1", "{how}: cursor hidden");
        // The marker is computed, so the typed command line cannot match it.
        tmux.keys(&["clear; stty -a; echo STTY-$((40+2))", "Enter"]);
        let screen = tmux.wait_for("stty", |s| s.contains("STTY-42"));
        assert!(
            screen.contains(" icanon") && !screen.contains("-icanon"),
            "{how}: raw mode left on:\n{screen}"
        );
        assert!(
            screen.contains(" echo ") && !screen.contains("-echo "),
            "{how}: echo left off:\n{screen}"
        );
        tmux.keys(&["clear; fg", "Enter"]);
        tmux.wait_var("alternate_on", "1");
        let screen = tmux.wait_for("memlens redrawn", |s| s.contains("Memories 333/333"));
        assert!(!screen.contains("STTY-42"), "{screen}");
        // Raw mode is back: a key acts at once (the help opens without Enter).
        tmux.keys(&["?"]);
        tmux.wait_for("help", |s| s.contains("Help"));
        tmux.keys(&["Escape"]);
        tmux.wait_for("help closed", |s| !s.contains("Help —"));
    }
    tmux.keys(&["C-c"]);
    tmux.wait_var("alternate_on", "0");
    tmux.wait_for("the shell", |s| s.contains("PROMPT$"));
    tmux.keys(&["echo EXITED:$?", "Enter"]);
    tmux.wait_for("exit status", |s| s.contains("EXITED:0"));
}

/// SIGTERM and SIGHUP while the auto-index writes: the terminal is restored, the exit
/// status is the signal's (128+n), and the journal records the run as cancelled with
/// its written items done (a later open indexes the rest).
#[test]
fn e2e_sigterm_and_sighup_restore_the_terminal() {
    for (signal, status) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let dir = tempfile::tempdir().unwrap();
        let Some(tmux) = start_memlens(dir.path()) else {
            return;
        };
        // The auto-index has written something (the gauge shows a count above 0).
        tmux.wait_for("the auto-index writing", |s| {
            s.lines().any(|l| {
                l.split("indexing ▕").nth(1).is_some_and(|rest| {
                    rest.split('▏')
                        .nth(1)
                        .and_then(|n| n.trim().split('/').next())
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .is_some_and(|n| n > 0)
                })
            })
        });
        // SAFETY: a signal to the child this test started.
        unsafe {
            libc::kill(pid_of(dir.path()), signal);
        }
        let screen = tmux.wait_for("exit", |s| s.contains("EXITED:") && s.contains("icanon"));
        assert!(
            screen.contains(&format!("EXITED:{status}")),
            "signal {signal}:\n{screen}"
        );
        tmux.assert_terminal_restored(&screen);

        let journal = rusqlite::Connection::open(dir.path().join("journal.db")).unwrap();
        let check: String = journal
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        let (state, run_id): (String, String) = journal
            .query_row(
                "SELECT state, run_id FROM runs ORDER BY started_ms DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            state, "cancelled",
            "signal {signal}: the run was not stopped cleanly"
        );
        let done: i64 = journal
            .query_row(
                "SELECT count(*) FROM items WHERE run_id = ?1 AND state = 'done'",
                [&run_id],
                |r| r.get(0),
            )
            .unwrap();
        assert!(done > 0, "signal {signal}: nothing recorded as done");
    }
}
