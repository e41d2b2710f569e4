//! One writer per data dir: an OS file lock on `memlens.lock`, held for the writer's
//! life and released by the OS when the process ends (even on `kill -9`), with the
//! owner's pid and role written in the file for whoever finds it taken.
//!
//! `memlens reprocess` holds it for its run, the terminal UI for its session; a second
//! process that finds it held neither resumes the owner's run nor writes (the CLI says
//! who holds it and exits, the TUI opens read-only for writes and says why). Std's
//! `File::try_lock` (flock on Unix, `LockFileEx` on Windows; stable since Rust 1.89).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The lock file's name in the data dir.
pub const LOCK_FILE: &str = "memlens.lock";

/// What the process holding the lock does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// `memlens reprocess`.
    Reprocess,
    /// The terminal UI.
    Tui,
}

impl Role {
    fn word(self) -> &'static str {
        match self {
            Role::Reprocess => "reprocess",
            Role::Tui => "tui",
        }
    }
}

/// The lock, held until dropped.
#[derive(Debug)]
pub struct DataDirLock {
    _file: File,
    path: PathBuf,
}

/// Who holds the lock, as its file says (`None` fields: not written yet, or unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: Option<u32>,
    /// `reprocess`, `tui`, or what another version wrote.
    pub role: Option<String>,
}

impl Holder {
    /// For people: "a reprocess of this data dir is running (pid 4242); wait, or use
    /// another --data-dir".
    pub fn message(&self) -> String {
        let pid = match self.pid {
            Some(p) => format!("pid {p}"),
            None => "pid not known".to_string(),
        };
        match self.role.as_deref() {
            Some("tui") => format!(
                "a memlens terminal UI has this data dir open for writes ({pid}); close it, or use another --data-dir"
            ),
            _ => format!(
                "a reprocess of this data dir is running ({pid}); wait, or use another --data-dir"
            ),
        }
    }
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds it.
    #[error("{}", .0.message())]
    Held(Holder),
    /// The lock file cannot be created or locked (a read-only data dir, say).
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl DataDirLock {
    /// Take the lock of `data_dir` (created if needed) for `role`, without waiting.
    /// [`LockError::Held`] names the holder when another process has it.
    pub fn acquire(data_dir: &Path, role: Role) -> Result<Self, LockError> {
        let path = data_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        if let Some(why) = crate::datadir::read_only_reason(data_dir) {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                why,
            )));
        }
        std::fs::create_dir_all(data_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(LockError::Held(read_holder(&mut file))),
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        writeln!(file, "{} {}", std::process::id(), role.word()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(Self { _file: file, path })
    }

    /// Who holds the lock of `data_dir` now, if anyone (the lock is probed and released
    /// at once; `None` when it is free or the file cannot be opened).
    pub fn holder(data_dir: &Path) -> Option<Holder> {
        let mut file = File::open(data_dir.join(LOCK_FILE)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => None,
            Err(TryLockError::WouldBlock) => Some(read_holder(&mut file)),
            Err(TryLockError::Error(_)) => None,
        }
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn read_holder(file: &mut File) -> Holder {
    let mut text = String::new();
    let _ = file.seek(SeekFrom::Start(0));
    let _ = file.take(256).read_to_string(&mut text);
    let mut words = text.split_whitespace();
    Holder {
        pid: words.next().and_then(|w| w.parse().ok()),
        role: words.next().map(str::to_string),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_taker_is_refused_with_the_holders_pid_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let first = DataDirLock::acquire(dir.path(), Role::Reprocess).unwrap();
        let err = DataDirLock::acquire(dir.path(), Role::Tui).unwrap_err();
        let LockError::Held(h) = &err else {
            panic!("{err}")
        };
        assert_eq!(h.pid, Some(std::process::id()));
        assert_eq!(
            err.to_string(),
            format!(
                "a reprocess of this data dir is running (pid {}); wait, or use another --data-dir",
                std::process::id()
            )
        );
        assert_eq!(DataDirLock::holder(dir.path()).unwrap().pid, h.pid);
        drop(first);
        assert!(DataDirLock::holder(dir.path()).is_none());
        let tui = DataDirLock::acquire(dir.path(), Role::Tui).unwrap();
        let err = DataDirLock::acquire(dir.path(), Role::Reprocess).unwrap_err();
        assert!(err.to_string().contains("terminal UI"), "{err}");
        drop(tui);
    }
}
