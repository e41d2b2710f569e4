//! End to end: the real binary in a real pseudo-terminal (tmux), on the demo export,
//! driven by keys; then the terminal must be back in cooked mode on the normal screen.

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is required for the end-to-end test (apt-get install tmux)")
    }

    fn screen(&self) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", "e2e"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "e2e"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Wait until the screen satisfies `pred` (bounded), returning it.
    fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

#[test]
fn tui_in_a_real_terminal_on_the_demo_export() {
    let bin = env!("CARGO_BIN_EXE_memlens");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json");
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "").unwrap();
    let script = format!(
        "env -u OPENAI_API_KEY -u OPENAI_BASE_URL -u PINECONE_API_KEY -u PINECONE_INDEX_NAME \
         -u PINECONE_INDEX_HOST -u MEMLENS_UID -u NO_COLOR MEMLENS_DATA_DIR='{data}' \
         '{bin}' --config '{config}' '{demo}'; echo \"EXITED:$?\"; stty -a; sleep 60",
        data = dir.path().display(),
        config = config.display(),
        demo = demo.display(),
    );
    let tmux = Tmux {
        socket: format!("memlens-e2e-{}", std::process::id()),
    };
    let out = tmux.run(&[
        "new-session",
        "-d",
        "-s",
        "e2e",
        "-x",
        "120",
        "-y",
        "40",
        "sh",
        "-c",
        &script,
    ]);
    assert!(
        out.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The demo loads, statuses are looked up in the local store (empty: all missing).
    let screen = tmux.wait_for("the demo export", |s| s.contains("333 memories"));
    assert!(screen.contains("Memories 333/333"), "{screen}");
    tmux.wait_for("the status lookup", |s| s.contains("missing"));

    // Move down and filter.
    tmux.keys(&["j", "j"]);
    tmux.keys(&["/"]);
    tmux.keys(&["-l", "dentist"]);
    // The filter runs in the background ("filtering…" first, then "N matches").
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
    tmux.keys(&["q"]);
    // Wait for `stty -a` too: it prints just after EXITED, and a capture between the two
    // lines failed this test under load.
    let screen = tmux.wait_for("exit", |s| s.contains("EXITED:") && s.contains("icanon"));
    assert!(screen.contains("EXITED:0"), "{screen}");
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
