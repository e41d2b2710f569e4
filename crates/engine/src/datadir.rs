//! The data dir in every state: writable or not, its SQLite files whole or damaged.
//!
//! - [`writable`]: whether memlens may write there (the mode bits say so *and* a probe
//!   file can be made — the bits catch a `chmod a-w` dir even for root, whom the kernel
//!   lets write anyway; the probe catches another owner, a read-only mount).
//! - [`open_sqlite`]: a SQLite file opened read-write, or — in a dir memlens may not
//!   write, or a file it may not write — read-only and `immutable=1`: SQLite then makes
//!   no `-wal`/`-shm` file and takes no lock, so a read never writes.
//! - [`is_damaged`] and [`move_aside`]: a file SQLite says is not a database (or is
//!   malformed) is renamed `NAME.damaged-YYYYMMDDTHHMMSS` with its `-wal`/`-shm`, kept
//!   for inspection, and the caller starts a fresh one.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, ErrorCode, OpenFlags};

/// True when memlens may write in `dir`. A dir that does not exist yet counts as
/// writable when its nearest existing parent is (it will be created).
pub fn writable(dir: &Path) -> bool {
    let mut probe_dir = dir;
    while !probe_dir.exists() {
        match probe_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => probe_dir = p,
            _ => return true,
        }
    }
    let Ok(meta) = std::fs::metadata(probe_dir) else {
        return false;
    };
    if mode_read_only(&meta) {
        return false;
    }
    let probe = probe_dir.join(format!(".memlens-write-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::AlreadyExists,
    }
}

/// True when no one may write the file or dir by its mode bits (`chmod a-w`).
fn mode_read_only(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o222 == 0
    }
    #[cfg(not(unix))]
    {
        meta.permissions().readonly()
    }
}

/// Why a write in `dir` is impossible, or `None` when it is possible: `the data dir
/// /x is read-only (chmod u+w /x, or use another --data-dir)`.
pub fn read_only_reason(dir: &Path) -> Option<String> {
    (!writable(dir)).then(|| {
        format!(
            "the data dir {} is read-only (make it writable, e.g. chmod u+w, or use another --data-dir)",
            dir.display()
        )
    })
}

/// `Ok` when memlens may write in `dir`, else a `PermissionDenied` error saying why
/// (for the caches, whose save is then skipped with a warning).
pub fn ensure_writable(dir: &Path) -> std::io::Result<()> {
    match read_only_reason(dir) {
        Some(why) => Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            why,
        )),
        None => Ok(()),
    }
}

/// How [`open_sqlite`] opened a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadWrite,
    /// Read-only and immutable: nothing is written, not even a lock or a WAL index.
    ReadOnly,
}

/// Open a SQLite file: read-write when its dir and the file may be written, else
/// read-only with `immutable=1` (no `-wal`/`-shm`, no lock). A read-only open of a
/// file that does not exist fails (`SQLITE_CANTOPEN`).
pub fn open_sqlite(path: &Path) -> rusqlite::Result<(Connection, Access)> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_ro = std::fs::metadata(path).is_ok_and(|m| mode_read_only(&m));
    if !file_ro && writable(dir) {
        return Ok((Connection::open(path)?, Access::ReadWrite));
    }
    Ok((open_immutable(path)?, Access::ReadOnly))
}

/// Open a SQLite file read-only and immutable.
pub fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let uri = format!("file:{}?mode=ro&immutable=1", uri_path(path));
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// A path as a SQLite URI path: `%`, `?` and `#` escaped.
fn uri_path(path: &Path) -> String {
    let mut out = String::new();
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

/// True when SQLite's error says the file is damaged: not a database, or malformed.
pub fn is_damaged(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    )
}

/// Rename a damaged file (and its `-wal` and `-shm`) to `NAME.damaged-YYYYMMDDTHHMMSS`
/// beside it, for inspection; returns the new path of the file.
pub fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S");
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut aside = path.with_file_name(format!("{name}.damaged-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        n += 1;
        aside = path.with_file_name(format!("{name}.damaged-{stamp}-{n}"));
    }
    std::fs::rename(path, &aside)?;
    for suffix in ["-wal", "-shm"] {
        let side = path.with_file_name(format!("{name}{suffix}"));
        if side.exists() {
            let _ = std::fs::rename(
                &side,
                aside.with_file_name(format!(
                    "{}{suffix}",
                    aside.file_name().unwrap_or_default().to_string_lossy()
                )),
            );
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmp(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "memlens-datadir-{name}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_file_that_is_not_a_database_is_damaged_and_moved_aside_with_its_wal() {
        let d = tmp("damaged");
        let db = d.join("x.db");
        std::fs::write(
            &db,
            b"this is not a SQLite file, it is text long enough to be read",
        )
        .unwrap();
        std::fs::write(d.join("x.db-wal"), b"wal").unwrap();
        let conn = Connection::open(&db).unwrap();
        let err = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap_err();
        assert!(is_damaged(&err), "{err}");
        let aside = move_aside(&db).unwrap();
        assert!(!db.exists() && aside.exists());
        assert!(aside.to_string_lossy().contains("x.db.damaged-"));
        assert!(!d.join("x.db-wal").exists());
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_dir_without_write_bits_is_read_only_even_for_root() {
        use std::os::unix::fs::PermissionsExt;
        let d = tmp("ro");
        assert!(writable(&d));
        assert!(writable(&d.join("not/yet/made")));
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o555)).unwrap();
        assert!(!writable(&d));
        assert!(read_only_reason(&d).unwrap().contains("read-only"));
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).unwrap();
        let _ = std::fs::remove_dir_all(&d);
    }
}
