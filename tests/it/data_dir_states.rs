//! The data dir in every state, through the real binary: read-only (every read command
//! works, SQLite opened immutable so nothing is written, writes say why they cannot), a
//! damaged `fulltext.db` (moved aside and rebuilt with a note, the search answers), a
//! damaged journal (kept for inspection, a fresh one started, the user told what was
//! lost).

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use crate::explain::{index_lender_fixture, lender_fixture, memlens};

fn run(mut c: Command) -> Output {
    c.output().expect("run memlens")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Every file of `dir` (recursively) with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, SystemTime)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else {
                out.insert(e.path(), (m.len(), m.modified().unwrap()));
            }
        }
    }
    out
}

/// `chmod` every file of `dir` to `file_mode` and every dir to `dir_mode`.
fn chmod_tree(dir: &Path, file_mode: u32, dir_mode: u32) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.metadata().unwrap().is_dir() {
            chmod_tree(&e.path(), file_mode, dir_mode);
        } else {
            std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(file_mode)).unwrap();
        }
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(dir_mode)).unwrap();
}

/// The read commands, each of which must succeed on a read-only data dir, and a write
/// that must fail saying why.
fn read_only_commands(data: &Path, wrap: &dyn Fn(Command) -> Command) {
    let fixture = lender_fixture();
    let reads: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["check"],
        vec!["status"],
        vec!["search", "lender", "--export"],
        vec!["search", "lender", "--mode", "text", "--export"],
        vec!["explain", "lender", "--id", "lender-errands", "--export"],
        vec!["index", "stats"],
    ];
    for args in reads {
        let mut c = memlens(data);
        let (cmd, rest) = args.split_first().unwrap();
        c.arg(cmd);
        // The export goes where each command takes it.
        match *cmd {
            "list" | "check" | "status" => {
                c.arg(&fixture);
            }
            "index" => {
                c.args(rest);
            }
            _ => {
                c.args(rest).arg(&fixture);
            }
        }
        let out = run(wrap(c));
        let (stdout, stderr) = text(&out);
        assert!(
            out.status.success(),
            "memlens {args:?} on a read-only data dir failed:\n{stdout}\n{stderr}"
        );
        if *cmd == "search" {
            assert!(stdout.contains("lender-errands"), "{args:?}: {stdout}");
        }
    }
    // A write says why it cannot.
    let mut c = memlens(data);
    c.args(["reprocess"])
        .arg(&fixture)
        .args(["--id", "mortgage", "--yes"]);
    let out = run(wrap(c));
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}\n{stderr}");
    assert!(stderr.contains("read-only"), "{stderr}");
    assert!(stderr.contains(&data.display().to_string()), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_data_dir_serves_every_read_and_writes_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    index_lender_fixture(&data).await;
    // Build the full-text index while the dir is writable.
    let mut c = memlens(&data);
    c.args(["search", "lender", "--mode", "text", "--export"])
        .arg(lender_fixture());
    assert!(run(c).status.success());
    // No -wal/-shm left when memlens closes cleanly.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    chmod_tree(&data, 0o444, 0o555);
    let before = snapshot(&data);

    // As this user: root writes anywhere, so memlens must read the mode bits.
    read_only_commands(&data, &|c| c);
    // As a user the kernel refuses (when this runs as root and setpriv exists).
    let root = std::fs::metadata("/proc/self")
        .map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0)
        .unwrap_or(false);
    let setpriv = Path::new("/usr/bin/setpriv").exists();
    if root && setpriv {
        read_only_commands(&data, &|c| {
            let mut s = Command::new("/usr/bin/setpriv");
            s.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
                .arg(c.get_program())
                .args(c.get_args());
            s.env_clear();
            for (k, v) in c.get_envs() {
                if let Some(v) = v {
                    s.env(k, v);
                }
            }
            s
        });
    } else {
        eprintln!("skipped the run as another user: needs root and /usr/bin/setpriv");
    }
    let after = snapshot(&data);
    chmod_tree(&data, 0o644, 0o755);
    assert_eq!(before, after, "nothing in the data dir was written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_fulltext_index_is_moved_aside_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let damaged = b"not a database: a disk error wrote this over the index".repeat(100);
    std::fs::write(dir.path().join("fulltext.db"), &damaged).unwrap();
    let mut c = memlens(dir.path());
    c.args(["search", "lender", "--mode", "text", "--export"])
        .arg(lender_fixture());
    let out = run(c);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("lender-errands"), "{stdout}");
    assert!(
        stderr.contains("was damaged")
            && stderr.contains("moved aside")
            && stderr.contains("rebuilt"),
        "{stderr}"
    );
    let aside: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("fulltext.db.damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(std::fs::read(&aside[0]).unwrap(), damaged, "kept as it was");
    // The next search reuses the rebuilt index, with no note.
    let mut c = memlens(dir.path());
    c.args(["search", "lender", "--mode", "text", "--export"])
        .arg(lender_fixture());
    let (_, stderr) = text(&run(c));
    assert!(!stderr.contains("damaged"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_is_kept_and_a_fresh_one_started() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let damaged = b"SQLite format 3\0 but the rest of this page is garbage".repeat(200);
    std::fs::write(dir.path().join("journal.db"), &damaged).unwrap();
    let mut c = memlens(dir.path());
    c.arg("reprocess")
        .arg(lender_fixture())
        .args(["--id", "mortgage", "--yes"]);
    let out = run(c);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("journal") && stderr.contains("was damaged"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot be resumed"),
        "what was lost: {stderr}"
    );
    let aside: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("journal.db.damaged-"))
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read(&aside[0]).unwrap(),
        damaged,
        "kept for inspection"
    );
    // The fresh journal works: the run is recorded there.
    let j = memlens::sync::journal::Journal::open_in(dir.path()).unwrap();
    assert!(j.recovery_note().is_none());
}

/// `doctor` checks each SQLite file of the data dir (integrity, schema version) and
/// reports a damaged one with the fix, writing nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_each_file_and_reports_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    index_lender_fixture(dir.path()).await;
    let damaged = b"not a database at all, just bytes over the journal".repeat(100);
    std::fs::write(dir.path().join("journal.db"), &damaged).unwrap();
    let mut c = memlens(dir.path());
    c.args(["doctor", "--json"]);
    let out = run(c);
    let (stdout, stderr) = text(&out);
    let checks: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let by = |name: &str| {
        checks
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no {name}: {stdout}\n{stderr}"))
            .clone()
    };
    let store = by("data file store.db");
    assert_eq!(store["status"], "pass", "{store}");
    assert!(
        store["detail"].as_str().unwrap().contains("schema version"),
        "{store}"
    );
    let journal = by("data file journal.db");
    assert_eq!(journal["status"], "fail", "{journal}");
    assert!(
        journal["fix"].as_str().unwrap().contains("move"),
        "{journal}"
    );
    assert!(!out.status.success());
    assert_eq!(
        std::fs::read(dir.path().join("journal.db")).unwrap(),
        damaged,
        "doctor writes nothing"
    );
}
