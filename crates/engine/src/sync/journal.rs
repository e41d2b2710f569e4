//! The reprocess journal: a small SQLite file (`journal.db` in the data dir, WAL mode)
//! that survives crashes and `kill -9` (every change is one committed transaction).
//!
//! It holds two things:
//! - **runs and their items**: each reprocess run (id, target, namespace, uid, model,
//!   format, state) and the state of each of its items (`pending`, `done`, `failed`), so an
//!   interrupted run can be found and finished without redoing completed items;
//! - **the write log**, append-only: one row per write attempt outcome (time, vector id,
//!   memory id, text hash, model, format, store target, namespace, outcome, detail). Its
//!   last row per vector id tells a plan whether a memory is *unchanged* (same text hash,
//!   model and format as the last successful write to the same target and namespace).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

/// The journal file inside a data dir.
pub const FILE_NAME: &str = "journal.db";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS runs (
    run_id      TEXT PRIMARY KEY,
    started_ms  INTEGER NOT NULL,
    updated_ms  INTEGER NOT NULL,
    target      TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    uid         TEXT NOT NULL,
    model       TEXT NOT NULL,
    format      TEXT NOT NULL,
    state       TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    run_id      TEXT NOT NULL,
    vector_id   TEXT NOT NULL,
    memory_id   TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    state       TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT,
    updated_ms  INTEGER NOT NULL,
    PRIMARY KEY (run_id, vector_id)
);
CREATE TABLE IF NOT EXISTS writes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    time_ms     INTEGER NOT NULL,
    run_id      TEXT NOT NULL,
    vector_id   TEXT NOT NULL,
    memory_id   TEXT NOT NULL,
    text_hash   TEXT NOT NULL,
    model       TEXT NOT NULL,
    format      TEXT NOT NULL,
    target      TEXT NOT NULL,
    namespace   TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX IF NOT EXISTS writes_by_vector ON writes (target, namespace, vector_id, seq);
";

/// A journal error, with what was being done.
#[derive(Debug, thiserror::Error)]
#[error("reprocess journal {path}: {what}: {reason}")]
pub struct JournalError {
    /// The journal file.
    pub path: String,
    /// What failed.
    pub what: String,
    /// SQLite's message.
    pub reason: String,
}

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Started and not finished (or the process died).
    Running,
    /// Stopped on request; the rest is pending.
    Cancelled,
    /// Stopped by an error that affects every item (key refused, dimension mismatch…).
    Interrupted,
    /// Every item reached `done` or `failed`.
    Finished,
    /// Given up by the user; never resumed.
    Abandoned,
}

impl RunState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Cancelled => "cancelled",
            Self::Interrupted => "interrupted",
            Self::Finished => "finished",
            Self::Abandoned => "abandoned",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "cancelled" => Self::Cancelled,
            "interrupted" => Self::Interrupted,
            "finished" => Self::Finished,
            "abandoned" => Self::Abandoned,
            _ => Self::Running,
        }
    }

    /// True for runs a resume should finish.
    pub fn is_unfinished(self) -> bool {
        matches!(self, Self::Running | Self::Cancelled | Self::Interrupted)
    }
}

/// The state of one item of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Not written yet (or written but not confirmed when the process died).
    Pending,
    /// Upserted and verified.
    Done,
    /// Gave up on it (see the error).
    Failed,
}

impl ItemState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// What identifies a run's destination and recipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunHeader {
    pub run_id: String,
    /// Store target, e.g. `pinecone my-index` or `local /path/store.db`.
    pub target: String,
    pub namespace: String,
    pub uid: String,
    /// Embedding model id.
    pub model: String,
    /// Text format name, e.g. `omi-2025-10-17`.
    pub format: String,
}

impl RunHeader {
    /// Which kind the run writes, from the format it journals
    /// ([`crate::sync::reprocess::Reprocessor::target`]: facts `fact-content`, action
    /// items and chunks their `--kind` word, conversations their text format).
    pub fn kind(&self) -> crate::omi::record_kind::Kind {
        use crate::omi::record_kind::Kind;
        if self.format == crate::omi::fact_conventions::FACT_TEXT_FORMAT {
            return Kind::Facts;
        }
        [Kind::ActionItems, Kind::Chunks]
            .into_iter()
            .find(|k| k.word() == self.format)
            .unwrap_or(Kind::Conversations)
    }
}

/// A run as the journal knows it, with item counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunInfo {
    pub header: RunHeader,
    pub state: RunState,
    /// Unix milliseconds.
    pub started_ms: i64,
    pub updated_ms: i64,
    pub pending: usize,
    pub done: usize,
    pub failed: usize,
}

impl RunInfo {
    /// Items in the run.
    pub fn total(&self) -> usize {
        self.pending + self.done + self.failed
    }
}

/// One item of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalItem {
    pub vector_id: String,
    pub memory_id: String,
    pub text_hash: String,
    pub state: ItemState,
    pub attempts: u32,
    pub error: Option<String>,
}

/// The outcome of one write, to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub vector_id: String,
    pub memory_id: String,
    pub text_hash: String,
    /// `Ok(())` = upserted and verified; `Err(why)` = failed.
    pub result: Result<(), String>,
}

/// One row of the write log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WriteEntry {
    pub time_ms: i64,
    pub run_id: String,
    pub vector_id: String,
    pub memory_id: String,
    pub text_hash: String,
    pub model: String,
    pub format: String,
    pub target: String,
    pub namespace: String,
    /// `done` or `failed`.
    pub outcome: String,
    pub detail: Option<String>,
}

impl WriteEntry {
    /// True when this write succeeded with this text hash, model and format.
    pub fn matches(&self, text_hash: &str, model: &str, format: &str) -> bool {
        self.outcome == "done"
            && self.text_hash == text_hash
            && self.model == model
            && self.format == format
    }
}

/// The journal. Cheap to share behind an `Arc`; calls are short and serialized.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Set when the file was damaged: kept aside, and a fresh journal started.
    recovered: Option<String>,
}

/// Unix milliseconds now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Open the file read-write (WAL) with its tables; SQLite's own error, so a damaged
/// file can be told apart.
fn open_schema(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous=NORMAL;")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

impl Journal {
    /// The journal file of a data dir.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Open (or create) the journal in a data dir.
    pub fn open_in(data_dir: &Path) -> Result<Self, JournalError> {
        Self::open(&Self::default_path(data_dir))
    }

    /// Open (or create) a journal file.
    pub fn open(path: &Path) -> Result<Self, JournalError> {
        let fail = |what: &str, reason: String| JournalError {
            path: path.display().to_string(),
            what: what.to_string(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| fail("cannot create its directory", e.to_string()))?;
        }
        if let Some(why) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .and_then(crate::datadir::read_only_reason)
        {
            return Err(fail("cannot write", why));
        }
        let (conn, recovered) = match open_schema(path) {
            Ok(conn) => (conn, None),
            // A damaged journal is kept for inspection and a fresh one started: the runs
            // it held cannot be resumed (their finished items are in the store; a new
            // run's plan finds them there).
            Err(e) if crate::datadir::is_damaged(&e) => {
                let aside = crate::datadir::move_aside(path).map_err(|io| {
                    fail("is damaged and cannot be moved aside", format!("{e}; {io}"))
                })?;
                let conn = open_schema(path).map_err(|e| fail("cannot open", e.to_string()))?;
                let note = format!(
                    "the reprocess journal {} was damaged ({e}): kept as {} and a fresh one started; \
                     the runs it held cannot be resumed or listed (what they wrote is in the store, \
                     and a new plan sees it)",
                    path.display(),
                    aside.display()
                );
                tracing::warn!("{note}");
                (conn, Some(note))
            }
            Err(e) => return Err(fail("cannot open", e.to_string())),
        };
        Ok(Self {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
            recovered,
        })
    }

    /// When the journal file was damaged: what happened and what was lost (the file
    /// was kept aside and a fresh journal started). Tell the user.
    pub fn recovery_note(&self) -> Option<&str> {
        self.recovered.as_deref()
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err(&self, what: &str) -> impl Fn(rusqlite::Error) -> JournalError + '_ {
        let what = what.to_string();
        move |e| JournalError {
            path: self.path.display().to_string(),
            what: what.clone(),
            reason: e.to_string(),
        }
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions),
        // so a poisoned lock is still usable.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record a new run and its items (all `pending`), in one transaction.
    pub fn start_run(
        &self,
        header: &RunHeader,
        items: &[(String, String, String)],
    ) -> Result<(), JournalError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err("starting a run"))?;
        let now = now_ms();
        tx.execute(
            "INSERT INTO runs (run_id, started_ms, updated_ms, target, namespace, uid, model, format, state)
             VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, 'running')",
            params![
                header.run_id,
                now,
                header.target,
                header.namespace,
                header.uid,
                header.model,
                header.format
            ],
        )
        .map_err(self.err("starting a run"))?;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT OR REPLACE INTO items (run_id, vector_id, memory_id, text_hash, state, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, 'pending', ?5)",
                )
                .map_err(self.err("recording run items"))?;
            for (vector_id, memory_id, hash) in items {
                stmt.execute(params![header.run_id, vector_id, memory_id, hash, now])
                    .map_err(self.err("recording run items"))?;
            }
        }
        tx.commit().map_err(self.err("starting a run"))
    }

    /// Record the outcomes of a batch: item states and the write log, in one transaction.
    pub fn record(&self, header: &RunHeader, outcomes: &[Outcome]) -> Result<(), JournalError> {
        if outcomes.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err("recording outcomes"))?;
        let now = now_ms();
        {
            let mut item = tx
                .prepare(
                    "UPDATE items SET state = ?3, attempts = attempts + 1, error = ?4,
                            text_hash = ?5, updated_ms = ?6
                     WHERE run_id = ?1 AND vector_id = ?2",
                )
                .map_err(self.err("recording outcomes"))?;
            let mut write = tx
                .prepare(
                    "INSERT INTO writes (time_ms, run_id, vector_id, memory_id, text_hash, model,
                                         format, target, namespace, outcome, detail)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )
                .map_err(self.err("recording outcomes"))?;
            for o in outcomes {
                let (state, detail) = match &o.result {
                    Ok(()) => (ItemState::Done, None),
                    Err(why) => (ItemState::Failed, Some(why.as_str())),
                };
                item.execute(params![
                    header.run_id,
                    o.vector_id,
                    state.as_str(),
                    detail,
                    o.text_hash,
                    now
                ])
                .map_err(self.err("recording outcomes"))?;
                write
                    .execute(params![
                        now,
                        header.run_id,
                        o.vector_id,
                        o.memory_id,
                        o.text_hash,
                        header.model,
                        header.format,
                        header.target,
                        header.namespace,
                        state.as_str(),
                        detail
                    ])
                    .map_err(self.err("recording outcomes"))?;
            }
        }
        tx.execute(
            "UPDATE runs SET updated_ms = ?2 WHERE run_id = ?1",
            params![header.run_id, now],
        )
        .map_err(self.err("recording outcomes"))?;
        tx.commit().map_err(self.err("recording outcomes"))
    }

    /// Mark items of `run_id` done because another run wrote them since (same text, model
    /// and format): `written_by` names that run. The write log is not touched (this run
    /// wrote nothing); the item keeps the note in its `error` column.
    pub fn settle(&self, run_id: &str, items: &[(String, String)]) -> Result<(), JournalError> {
        if items.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(self.err("settling items"))?;
        {
            let mut stmt = tx
                .prepare(
                    "UPDATE items SET state = 'done', error = ?3, updated_ms = ?4
                     WHERE run_id = ?1 AND vector_id = ?2",
                )
                .map_err(self.err("settling items"))?;
            let now = now_ms();
            for (vector_id, written_by) in items {
                stmt.execute(params![
                    run_id,
                    vector_id,
                    format!("written by run {written_by} since"),
                    now
                ])
                .map_err(self.err("settling items"))?;
            }
        }
        tx.commit().map_err(self.err("settling items"))
    }

    /// Set a run's state.
    pub fn set_state(&self, run_id: &str, state: RunState) -> Result<(), JournalError> {
        self.conn()
            .execute(
                "UPDATE runs SET state = ?2, updated_ms = ?3 WHERE run_id = ?1",
                params![run_id, state.as_str(), now_ms()],
            )
            .map_err(self.err("updating a run"))
            .map(|_| ())
    }

    /// A run with its item counts.
    pub fn run(&self, run_id: &str) -> Result<Option<RunInfo>, JournalError> {
        let conn = self.conn();
        let header = conn
            .query_row(
                "SELECT run_id, target, namespace, uid, model, format, state, started_ms, updated_ms
                 FROM runs WHERE run_id = ?1",
                [run_id],
                |r| {
                    Ok((
                        RunHeader {
                            run_id: r.get(0)?,
                            target: r.get(1)?,
                            namespace: r.get(2)?,
                            uid: r.get(3)?,
                            model: r.get(4)?,
                            format: r.get(5)?,
                        },
                        RunState::parse(&r.get::<_, String>(6)?),
                        r.get::<_, i64>(7)?,
                        r.get::<_, i64>(8)?,
                    ))
                },
            )
            .optional()
            .map_err(self.err("reading a run"))?;
        let Some((header, state, started_ms, updated_ms)) = header else {
            return Ok(None);
        };
        let mut counts = [0usize; 3];
        let mut stmt = conn
            .prepare("SELECT state, COUNT(*) FROM items WHERE run_id = ?1 GROUP BY state")
            .map_err(self.err("reading a run"))?;
        let rows = stmt
            .query_map([run_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(self.err("reading a run"))?;
        for row in rows {
            let (s, n) = row.map_err(self.err("reading a run"))?;
            let slot = match ItemState::parse(&s) {
                ItemState::Pending => 0,
                ItemState::Done => 1,
                ItemState::Failed => 2,
            };
            counts[slot] += n.max(0) as usize;
        }
        Ok(Some(RunInfo {
            header,
            state,
            started_ms,
            updated_ms,
            pending: counts[0],
            done: counts[1],
            failed: counts[2],
        }))
    }

    /// Unfinished runs (running, cancelled or interrupted) for a target, namespace and
    /// uid, newest first.
    pub fn unfinished_runs(
        &self,
        target: &str,
        namespace: &str,
        uid: &str,
    ) -> Result<Vec<RunInfo>, JournalError> {
        let ids: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT run_id FROM runs
                     WHERE target = ?1 AND namespace = ?2 AND uid = ?3
                       AND state IN ('running', 'cancelled', 'interrupted')
                     ORDER BY started_ms DESC, run_id DESC",
                )
                .map_err(self.err("listing unfinished runs"))?;
            let rows = stmt
                .query_map(params![target, namespace, uid], |r| r.get(0))
                .map_err(self.err("listing unfinished runs"))?;
            rows.collect::<Result<_, _>>()
                .map_err(self.err("listing unfinished runs"))?
        };
        let mut out = Vec::new();
        for id in ids {
            if let Some(info) = self.run(&id)? {
                out.push(info);
            }
        }
        Ok(out)
    }

    /// The items of a run, in vector id order.
    pub fn items(&self, run_id: &str) -> Result<Vec<JournalItem>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT vector_id, memory_id, text_hash, state, attempts, error
                 FROM items WHERE run_id = ?1 ORDER BY vector_id",
            )
            .map_err(self.err("reading run items"))?;
        let rows = stmt
            .query_map([run_id], |r| {
                Ok(JournalItem {
                    vector_id: r.get(0)?,
                    memory_id: r.get(1)?,
                    text_hash: r.get(2)?,
                    state: ItemState::parse(&r.get::<_, String>(3)?),
                    attempts: r.get::<_, i64>(4)?.max(0) as u32,
                    error: r.get(5)?,
                })
            })
            .map_err(self.err("reading run items"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("reading run items"))
    }

    /// The last write-log row of each vector id (for one target and namespace).
    pub fn last_writes(
        &self,
        target: &str,
        namespace: &str,
        vector_ids: &[String],
    ) -> Result<BTreeMap<String, WriteEntry>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT time_ms, run_id, vector_id, memory_id, text_hash, model, format, target,
                        namespace, outcome, detail
                 FROM writes WHERE target = ?1 AND namespace = ?2 AND vector_id = ?3
                 ORDER BY seq DESC LIMIT 1",
            )
            .map_err(self.err("reading the write log"))?;
        let mut out = BTreeMap::new();
        for id in vector_ids {
            let row = stmt
                .query_row(params![target, namespace, id], write_entry)
                .optional()
                .map_err(self.err("reading the write log"))?;
            if let Some(entry) = row {
                out.insert(id.clone(), entry);
            }
        }
        Ok(out)
    }

    /// Every write-log row of a vector id, oldest first (for audits and tests).
    pub fn writes_of(&self, vector_id: &str) -> Result<Vec<WriteEntry>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT time_ms, run_id, vector_id, memory_id, text_hash, model, format, target,
                        namespace, outcome, detail
                 FROM writes WHERE vector_id = ?1 ORDER BY seq",
            )
            .map_err(self.err("reading the write log"))?;
        let rows = stmt
            .query_map([vector_id], write_entry)
            .map_err(self.err("reading the write log"))?;
        rows.collect::<Result<_, _>>()
            .map_err(self.err("reading the write log"))
    }
}

fn write_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<WriteEntry> {
    Ok(WriteEntry {
        time_ms: r.get(0)?,
        run_id: r.get(1)?,
        vector_id: r.get(2)?,
        memory_id: r.get(3)?,
        text_hash: r.get(4)?,
        model: r.get(5)?,
        format: r.get(6)?,
        target: r.get(7)?,
        namespace: r.get(8)?,
        outcome: r.get(9)?,
        detail: r.get(10)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(id: &str) -> RunHeader {
        RunHeader {
            run_id: id.into(),
            target: "local x".into(),
            namespace: "ns1".into(),
            uid: "u".into(),
            model: "m".into(),
            format: "omi-2025-10-17".into(),
        }
    }

    fn item(v: &str) -> (String, String, String) {
        (format!("u-{v}"), v.to_string(), format!("h{v}"))
    }

    #[test]
    fn runs_items_and_writes() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open_in(dir.path()).unwrap();
        let h = header("r1");
        j.start_run(&h, &[item("a"), item("b"), item("c")]).unwrap();
        let info = j.run("r1").unwrap().unwrap();
        assert_eq!((info.pending, info.done, info.failed), (3, 0, 0));
        assert_eq!(info.state, RunState::Running);
        j.record(
            &h,
            &[
                Outcome {
                    vector_id: "u-a".into(),
                    memory_id: "a".into(),
                    text_hash: "ha".into(),
                    result: Ok(()),
                },
                Outcome {
                    vector_id: "u-b".into(),
                    memory_id: "b".into(),
                    text_hash: "hb".into(),
                    result: Err("boom".into()),
                },
            ],
        )
        .unwrap();
        drop(j);
        // Reopen: everything committed survives.
        let j = Journal::open_in(dir.path()).unwrap();
        let info = j.run("r1").unwrap().unwrap();
        assert_eq!((info.pending, info.done, info.failed), (1, 1, 1));
        assert_eq!(
            j.unfinished_runs("local x", "ns1", "u").unwrap().len(),
            1,
            "a running run is unfinished"
        );
        assert!(j.unfinished_runs("local y", "ns1", "u").unwrap().is_empty());
        let items = j.items("r1").unwrap();
        assert_eq!(items[1].error.as_deref(), Some("boom"));
        assert_eq!(items[1].attempts, 1);
        let last = j
            .last_writes(
                "local x",
                "ns1",
                &["u-a".into(), "u-b".into(), "u-c".into()],
            )
            .unwrap();
        assert!(last["u-a"].matches("ha", "m", "omi-2025-10-17"));
        assert!(!last["u-a"].matches("ha", "other-model", "omi-2025-10-17"));
        assert!(!last["u-b"].matches("hb", "m", "omi-2025-10-17"));
        assert!(!last.contains_key("u-c"));
        j.set_state("r1", RunState::Finished).unwrap();
        assert!(j.unfinished_runs("local x", "ns1", "u").unwrap().is_empty());
        assert_eq!(j.writes_of("u-a").unwrap().len(), 1);
    }
}
