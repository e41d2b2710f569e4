//! End to end: the real binary in a real pseudo-terminal (tmux), on the demo export,
//! driven by keys, pastes and signals; after it the terminal must be back in cooked
//! mode on the normal screen with the cursor shown.
//!
//! Without tmux these tests skip with one line on stderr (and fail under `CI`, where
//! `.ci/run` installs tmux); nothing here can panic outside a test body.

use std::io::Write;
use std::path::Path;
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

    /// Wait until the screen satisfies `pred`, returning it. The bound only turns a hang
    /// into a failure; it is no timing assertion, so it is generous: screens that wait on
    /// the model (indexing's first batch, a search's query embedding, an exit waiting for
    /// the batch being embedded) took over 60 s in a debug build beside the whole suite
    /// on 2 loaded cores.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(600);
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

    /// Wait until a pane variable has `want` (bounded, generously: see `wait_for`).
    fn wait_var(&self, var: &str, want: &str) {
        let deadline = Instant::now() + Duration::from_secs(600);
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

/// The memlens binary under test (`MEMLENS_E2E_BIN` runs another build: a copy looped
/// while the tree is rebuilt).
fn memlens_bin() -> String {
    std::env::var("MEMLENS_E2E_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_memlens").to_string())
}

/// The memlens command line for the demo export with a fresh data dir, as a shell
/// word list; it writes its pid to `dir/pid` first (`exec` keeps the pid).
fn memlens_command(dir: &Path) -> String {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    memlens_command_on(dir, &dir.join("pid"), "", &demo)
}

/// The memlens command line on `export` with the data dir `data`, writing its pid to
/// `pid` first; `args` go before the export.
fn memlens_command_on(data: &Path, pid: &Path, args: &str, export: &Path) -> String {
    let config = data.join("config.toml");
    std::fs::create_dir_all(data).unwrap();
    std::fs::write(&config, "").unwrap();
    format!(
        "sh -c 'echo $$ > {pid}; exec env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u PINECONE_API_KEY \
         -u PINECONE_INDEX_NAME -u PINECONE_INDEX_HOST -u MEMLENS_UID -u NO_COLOR \
         MEMLENS_DATA_DIR={data} {bin} --config {config} {args} {export}'",
        pid = pid.display(),
        data = data.display(),
        bin = memlens_bin(),
        config = config.display(),
        export = export.display(),
    )
}

/// memlens in a non-interactive shell that prints its exit status and the terminal
/// mode when it ends.
fn start_memlens(dir: &Path) -> Option<Tmux> {
    let tmux = start_command(120, &memlens_command(dir))?;
    tmux.wait_for("the demo export", |s| s.contains("333 memories"));
    Some(tmux)
}

/// `command` (a memlens command line) in a `w` × 40 terminal, in a shell that prints its
/// exit status and the terminal mode when it ends.
fn start_command(w: u16, command: &str) -> Option<Tmux> {
    let script = format!("{command}; echo \"EXITED:$?\"; stty -a; sleep 120");
    Tmux::start(w, 40, &script)
}

fn pid_of(dir: &Path) -> i32 {
    read_pid(&dir.join("pid"))
}

/// The pid a [`memlens_command_on`] wrote to `file` (waits, bounded, for it).
fn read_pid(file: &Path) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        if let Some(pid) = std::fs::read_to_string(file)
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

/// An export of completed walks `m{i:03}` for `ids`, under the uid `u-lock`.
fn walks_export(path: &Path, ids: &[u32]) {
    let records: Vec<serde_json::Value> = ids
        .iter()
        .map(|i| {
            serde_json::json!({
                "id": format!("m{i:03}"),
                "created_at": format!("2025-03-{:02}T10:00:00+00:00", 1 + i),
                "status": "completed",
                "discarded": false,
                "structured": {
                    "title": format!("Walk number {i}"),
                    "overview": format!("A walk along the river, number {i}."),
                    "emoji": "🚶",
                    "category": "personal",
                    "action_items": [],
                    "events": []
                }
            })
        })
        .collect();
    let export = serde_json::json!({
        "profile": {"name": "Lock", "uid": "u-lock"},
        "conversations": records,
        "export_complete": true
    });
    std::fs::write(path, serde_json::to_vec_pretty(&export).unwrap()).unwrap();
}

/// What the data dir holds: the local store's vector ids, and the journal's runs and
/// writes (read-only connections: both TUIs may have the files open).
fn data_dir_contents(data: &Path) -> (Vec<String>, i64, i64) {
    use rusqlite::{Connection, OpenFlags};
    let ro = |name: &str| {
        Connection::open_with_flags(data.join(name), OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
    };
    let store = ro("store.db");
    let mut stmt = store
        .prepare("SELECT id FROM vectors WHERE namespace = 'ns1' ORDER BY id")
        .unwrap();
    let ids = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap();
    let journal = ro("journal.db");
    let count = |table: &str| -> i64 {
        journal
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    };
    (ids, count("runs"), count("writes"))
}

/// Two TUIs on one data dir (issue 25): the first holds the writer lock; the second
/// opens READ-ONLY and names the first's pid, and its write keys — `R` (reprocess) and
/// `d` (orphan delete) — refuse with that reason and write nothing; the first still
/// reprocesses and deletes.
#[test]
fn e2e_a_second_tui_on_one_data_dir_is_read_only_for_writes() {
    if !tmux_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // The store holds m000…m003; the TUIs open m000…m002 and m004: m003's vector is an
    // orphan, m004 has none yet. The static embedder: no auto-index writes on open.
    let (seed, export) = (dir.path().join("seed.json"), dir.path().join("walks.json"));
    walks_export(&seed, &[0, 1, 2, 3]);
    walks_export(&export, &[0, 1, 2, 4]);
    let first_cmd = memlens_command_on(
        &data,
        &dir.path().join("pid1"),
        "--embedder static",
        &export,
    );
    let out = Command::new(memlens_bin())
        .env("MEMLENS_DATA_DIR", &data)
        .env_remove("MEMLENS_UID")
        .env_remove("MEMLENS_EMBEDDER")
        .env_remove("MEMLENS_STORE")
        .env_remove("MEMLENS_READ_ONLY")
        .arg("--config")
        .arg(data.join("config.toml"))
        .args(["--embedder", "static", "reprocess", "--all", "--yes"])
        .arg(&seed)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seeding the store: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vid = |n: u32| format!("u-lock-m{n:03}");
    let seeded = data_dir_contents(&data);
    assert_eq!(seeded.0, [vid(0), vid(1), vid(2), vid(3)]);

    // The first TUI takes the writer lock (before it draws anything).
    let Some(first) = start_command(160, &first_cmd) else {
        return;
    };
    first.wait_for("the first TUI's statuses", |s| {
        s.contains("4 memories") && s.contains("missing 1")
    });
    let first_pid = read_pid(&dir.path().join("pid1"));
    assert!(!first.screen().contains("READ-ONLY"));

    // The second says it is read-only for writes and who holds the lock.
    let holder =
        format!("a memlens terminal UI has this data dir open for writes (pid {first_pid})");
    let second_cmd = memlens_command_on(
        &data,
        &dir.path().join("pid2"),
        "--embedder static",
        &export,
    );
    let second = start_command(160, &second_cmd).expect("tmux ran a moment ago");
    let screen = second.wait_for("the second TUI, read-only", |s| {
        s.contains("4 memories") && s.contains("missing 1")
    });
    assert!(
        screen.lines().next().unwrap().contains("READ-ONLY"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("read-only for writes: {holder}")),
        "{screen}"
    );

    // R (reprocess many) refuses with that reason: no choice of memories, no plan.
    second.keys(&["R"]);
    let screen = second.wait_for("R refused", |s| {
        s.contains(&format!("writes are disabled: {holder}"))
    });
    assert!(!screen.contains("which memories?"), "{screen}");
    // d (delete the orphans) in the index view refuses with that reason: no confirm.
    second.keys(&["I"]);
    let screen = second.wait_for("the index view", |s| s.contains("orphans 1"));
    assert!(screen.contains(&vid(3)), "{screen}");
    second.keys(&["d"]);
    let screen = second.wait_for("d refused", |s| {
        s.contains(&format!("deleting is disabled: {holder}"))
    });
    assert!(!screen.contains("Delete these"), "{screen}");
    // Both keys have been handled (their refusals are on screen): nothing was written.
    assert_eq!(data_dir_contents(&data), seeded);
    second.keys(&["Escape"]);
    second.wait_for("the index view closed", |s| !s.contains("orphans 1"));
    let screen = second.quit();
    assert!(screen.contains("EXITED:0"), "{screen}");
    assert_eq!(data_dir_contents(&data), seeded);

    // The first keeps working: r reprocesses the selected memory (m004, the newest) …
    first.keys(&["r"]);
    first.wait_for("the plan", |s| {
        s.contains("Confirm reprocess")
            && s.contains("vector id     u-lock-m004")
            && s.contains("y Write it")
    });
    first.keys(&["y"]);
    first.wait_for("the reprocess", |s| {
        s.contains("reprocessed 1 memory: written and verified")
    });
    // … and d deletes the orphan once confirmed.
    first.keys(&["I"]);
    first.wait_for("the index view", |s| s.contains("orphans 1"));
    first.keys(&["d"]);
    first.wait_for("the delete confirm", |s| {
        s.contains("Delete these 1 vector")
    });
    first.keys(&["y"]);
    first.wait_for("the orphan deleted", |s| s.contains("orphans 0"));
    let (ids, runs, writes) = data_dir_contents(&data);
    assert_eq!(ids, [vid(0), vid(1), vid(2), vid(4)]);
    assert_eq!((runs, writes), (seeded.1 + 1, seeded.2 + 1));
    first.keys(&["Escape"]);
    first.wait_for("the index view closed", |s| !s.contains("orphans 0"));
    let screen = first.quit();
    assert!(screen.contains("EXITED:0"), "{screen}");
}
