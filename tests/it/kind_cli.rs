//! The record kinds' command line on the offline set-up (issue 24's open items): which
//! notes each `--kind` prints, what an empty `action_items` section says, how skipped
//! conversations are counted for chunks, the units of `status --kind all`, and the JSON
//! lines of `reprocess --kind action-items|chunks`. The real binary, local store, the
//! built-in static embedder (fast), a fresh data dir per test.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn demo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo-export.json")
}

/// The real binary with a clean environment: local store and the static embedder, data
/// dir, home and config dir in `dir`.
fn memlens(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_memlens"))
        .env_clear()
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .env("NO_COLOR", "1")
        .args(["--store", "local", "--embedder", "static", "--data-dir"])
        .arg(dir.join("data"))
        .args(args)
        .output()
        .unwrap()
}

/// (stdout, stderr) of a run that must have succeeded.
fn ok(o: &Output) -> (String, String) {
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{out}\nstderr:\n{err}",
        o.status
    );
    (out, err)
}

/// The facts note ("11 Omi facts set aside: facts are not conversations…") concerns the
/// conversations the loader set the facts aside from: it is printed for
/// `--kind conversations` only, never for facts, action items, chunks or `all`.
#[test]
fn the_facts_note_is_printed_only_for_conversations() {
    let dir = tempfile::tempdir().unwrap();
    let e = demo().display().to_string();
    const NOTE: &str = "Omi facts set aside";
    let runs: [(&[&str], bool); 9] = [
        (&["status", &e], true),
        (
            &["text", &e, "--id", "8a7ca49d-5693-489c-a8ed-8bde971927eb"],
            true,
        ),
        (&["status", &e, "--kind", "chunks"], false),
        (&["status", &e, "--kind", "action-items"], false),
        (&["status", &e, "--kind", "facts"], false),
        (&["status", &e, "--kind", "all"], false),
        (&["text", &e, "--kind", "chunks"], false),
        (&["orphans", &e, "--kind", "chunks"], false),
        (
            &[
                "reprocess",
                &e,
                "--kind",
                "action-items",
                "--all",
                "--dry-run",
            ],
            false,
        ),
    ];
    for (args, noted) in runs {
        let (_, err) = ok(&memlens(dir.path(), args));
        assert_eq!(err.contains(NOTE), noted, "{args:?}\nstderr:\n{err}");
    }
}
