//! Full-text search over everything a memory holds — title, overview, action items,
//! events, transcript segments (with their times) and app results — with SQLite's FTS5
//! (rusqlite's bundled SQLite): BM25 ranking, phrases, prefixes, highlighted snippets.
//!
//! The index lives in `fulltext.db` in the data dir, one FTS5 table per export content
//! (keyed by [`content_hash`] of the documents, not the file name): opening the same
//! export again reuses its index without rebuilding; a changed export gets a new index,
//! built in one transaction (a crash leaves no half index) with progress. The three most
//! recently used indexes are kept, older ones dropped.
//!
//! One row per memory, one column per [`Field`]; items of a field (action items, events,
//! transcript segments, app results) are lines of the column, so a match's line gives the
//! item and, for the transcript, the segment's start time. The export is one user's: the
//! full-text side of a search is scoped to the uid by the export it was built from, and
//! to the date range by the memory's `created_at`.
//!
//! Blocking (SQLite): call from a blocking thread (`spawn_blocking`) in async code.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::omi::Memory;
use crate::sync::daterange::DateRange;

mod document;
mod query;
mod terms;

pub use document::{Document, Field, LAYOUT_VERSION, content_hash, document};
pub use query::{Snippet, fts_query, is_cjk, relaxed_query, segment_cjk, skip_text_side, snippet};

/// File name of the full-text database inside the data dir.
pub const FILE_NAME: &str = "fulltext.db";

/// Indexes kept (most recently used first); older ones are dropped after a build.
pub const KEEP_INDEXES: usize = 3;

/// Memories between two progress reports while building.
const PROGRESS_EVERY: usize = 1000;

/// Matching lines reported per field of a hit.
const LINES_PER_FIELD: usize = 3;

/// Why the full-text index failed.
#[derive(Debug, thiserror::Error)]
pub enum FullTextError {
    #[error("full-text index {path}: {message}")]
    Sqlite { path: String, message: String },
    #[error("cannot create the data dir {path}: {message}")]
    Io { path: String, message: String },
    #[error(
        "nothing to search for in {0:?}: type words, \"a phrase\" or a prefix* (letters or digits)"
    )]
    EmptyQuery(String),
    #[error("the full-text query {query:?} is not valid: {message}")]
    BadQuery { query: String, message: String },
}

/// How an index was opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenReport {
    /// The export's content hash (hex SHA-256).
    pub hash: String,
    /// True when the index was built now; false when an existing one was reused.
    pub built: bool,
    pub memories: usize,
    /// Time to build the documents, hash them and (when `built`) index them, in ms.
    pub elapsed_ms: f64,
    /// What the user should know: a damaged file moved aside and rebuilt, or an index
    /// kept in memory because the data dir is read-only.
    pub note: Option<String>,
}

/// A full-text index of one export, open.
pub struct FullText {
    conn: Mutex<Connection>,
    path: PathBuf,
    hash: String,
    fts: String,
    docs: String,
    memories: usize,
}

impl std::fmt::Debug for FullText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FullText")
            .field("path", &self.path)
            .field("hash", &self.hash)
            .field("memories", &self.memories)
            .finish_non_exhaustive()
    }
}

/// One matching line of a field.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldMatch {
    pub field: Field,
    /// The item's position in the field, 0-based (the action item, event, segment).
    pub item: usize,
    /// Transcript lines: the segment's start, seconds from the start of the recording.
    pub time: Option<f64>,
    pub snippet: Snippet,
}

impl FieldMatch {
    /// `transcript 00:12:31` / `action item 2` / `title`.
    pub fn place(&self) -> String {
        match (self.field, self.time) {
            (Field::Transcript, Some(t)) => format!("transcript {}", clock(t)),
            (Field::Title | Field::Overview, _) => self.field.label().to_string(),
            (f, _) => format!("{} {}", f.label(), self.item + 1),
        }
    }
}

/// Seconds as `HH:MM:SS`.
pub fn clock(seconds: f64) -> String {
    let s = if seconds.is_finite() && seconds > 0.0 {
        seconds.floor() as u64
    } else {
        0
    };
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// One full-text hit, best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextHit {
    /// 1-based.
    pub rank: usize,
    pub memory_id: String,
    /// BM25 relevance (FTS5's `bm25()` negated: higher is better), column weights of
    /// [`Field::weight`].
    pub score: f64,
    pub created_at: Option<i64>,
    /// The matching lines, in field order (at most three per field).
    pub matches: Vec<FieldMatch>,
}

impl TextHit {
    /// The fields that matched, in order, once each.
    pub fn fields(&self) -> Vec<Field> {
        let mut f: Vec<Field> = self.matches.iter().map(|m| m.field).collect();
        f.dedup();
        f
    }
}

/// The outcome of a full-text search.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextResults {
    /// The FTS5 query that ran.
    pub fts_query: String,
    /// True when every term together matched nothing and the terms were OR-ed.
    pub relaxed: bool,
    pub hits: Vec<TextHit>,
    pub query_ms: f64,
}

/// Where a memory stands in a full-text search (for `explain`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextRank {
    pub fts_query: String,
    pub relaxed: bool,
    /// 1-based rank among the matches inside the range; `None` when it does not match.
    pub rank: Option<usize>,
    /// Memories matching inside the range.
    pub total: usize,
    pub score: Option<f64>,
    /// The memory is in the index but outside the date range.
    pub outside_range: bool,
    pub matches: Vec<FieldMatch>,
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> FullTextError + '_ {
    move |e| FullTextError::Sqlite {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

const CATALOG: &str = "
CREATE TABLE IF NOT EXISTS indexes (
    hash TEXT PRIMARY KEY,
    memories INTEGER NOT NULL,
    built_at INTEGER NOT NULL,
    build_ms REAL NOT NULL,
    last_used INTEGER NOT NULL
);";

/// Open the database read-write (WAL) with its catalog; whether an index of `hash`
/// exists. SQLite's own error, so a damaged file can be told apart.
fn open_catalog(path: &Path, hash: &str) -> rusqlite::Result<(Connection, bool)> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    conn.query_row("PRAGMA journal_mode=WAL", [], |_| Ok(()))?;
    conn.execute_batch(CATALOG)?;
    let exists = conn
        .query_row("SELECT 1 FROM indexes WHERE hash = ?1", [hash], |_| Ok(()))
        .optional()?
        .is_some();
    Ok((conn, exists))
}

fn table_names(hash: &str) -> (String, String) {
    let short = &hash[..16.min(hash.len())];
    (format!("fts_{short}"), format!("docs_{short}"))
}

impl FullText {
    /// The database file inside a data dir.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Open the index of these memories in `data_dir`, building it when no index of this
    /// content exists. `progress` gets (memories indexed, total) while building.
    pub fn open_or_build(
        data_dir: &Path,
        memories: &[Memory],
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(Self, OpenReport), FullTextError> {
        let started = Instant::now();
        let docs: Vec<Document> = memories.iter().map(document).collect();
        let hash = content_hash(&docs);
        let path = Self::default_path(data_dir);
        let mut note = None;
        let (mut conn, exists, read_only) = if crate::datadir::writable(data_dir) {
            std::fs::create_dir_all(data_dir).map_err(|e| FullTextError::Io {
                path: data_dir.display().to_string(),
                message: e.to_string(),
            })?;
            match open_catalog(&path, &hash) {
                Ok((conn, exists)) => (conn, exists, false),
                // A damaged file is a cache: kept aside for inspection, rebuilt.
                Err(e) if crate::datadir::is_damaged(&e) => {
                    let aside =
                        crate::datadir::move_aside(&path).map_err(|io| FullTextError::Io {
                            path: path.display().to_string(),
                            message: format!("it is damaged ({e}) and cannot be moved aside: {io}"),
                        })?;
                    note = Some(format!(
                        "the full-text index {} was damaged ({e}): moved aside to {} and rebuilt",
                        path.display(),
                        aside.display()
                    ));
                    let (conn, exists) = open_catalog(&path, &hash).map_err(sql(&path))?;
                    (conn, exists, false)
                }
                Err(e) => return Err(sql(&path)(e)),
            }
        } else {
            // A read-only data dir: the stored index when it holds this content (opened
            // immutable: nothing written), else one built in memory for this run.
            let stored = path
                .exists()
                .then(|| crate::datadir::open_immutable(&path).ok())
                .flatten()
                .and_then(|c| {
                    let found = c
                        .query_row("SELECT 1 FROM indexes WHERE hash = ?1", [&hash], |_| Ok(()))
                        .optional()
                        .ok()
                        .flatten()
                        .is_some();
                    found.then_some(c)
                });
            match stored {
                Some(c) => (c, true, true),
                None => {
                    note = Some(format!(
                        "the data dir {} is read-only: the full-text index is built in memory for this run and not kept",
                        data_dir.display()
                    ));
                    let c = Connection::open_in_memory().map_err(sql(&path))?;
                    c.execute_batch(CATALOG).map_err(sql(&path))?;
                    (c, false, false)
                }
            }
        };
        let (fts, docs_table) = table_names(&hash);
        let now = chrono::Utc::now().timestamp();
        let built = if exists {
            false
        } else {
            build(&mut conn, &path, &hash, &docs, progress)?
        };
        if !read_only {
            conn.execute(
                "UPDATE indexes SET last_used = ?2 WHERE hash = ?1",
                params![hash, now],
            )
            .map_err(sql(&path))?;
            if built {
                prune(&conn, &path)?;
            }
        }
        let report = OpenReport {
            hash: hash.clone(),
            built,
            memories: docs.len(),
            elapsed_ms: started.elapsed().as_secs_f64() * 1000.0,
            note,
        };
        Ok((
            Self {
                conn: Mutex::new(conn),
                path,
                hash,
                fts,
                docs: docs_table,
                memories: docs.len(),
            },
            report,
        ))
    }

    /// The content hash this index belongs to.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// Memories in the index.
    pub fn memories(&self) -> usize {
        self.memories
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (every write is a
        // transaction): keep using the connection.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn bm25(&self) -> String {
        let w: Vec<String> = Field::ALL.iter().map(|f| f.weight().to_string()).collect();
        format!("bm25({}, {})", self.fts, w.join(", "))
    }

    /// The query to run: all terms, or OR-ed terms when all together match nothing in
    /// the range. Returns (query, relaxed).
    fn choose_query(
        &self,
        conn: &Connection,
        input: &str,
        range: DateRange,
    ) -> Result<(String, bool), FullTextError> {
        let strict =
            fts_query(input).ok_or_else(|| FullTextError::EmptyQuery(input.to_string()))?;
        let any = conn
            .query_row(
                &format!(
                    "SELECT 1 FROM {f} JOIN {d} ON {d}.rowid = {f}.rowid WHERE {f} MATCH ?1 \
                     AND (?2 IS NULL OR {d}.created_at >= ?2) AND (?3 IS NULL OR {d}.created_at <= ?3) LIMIT 1",
                    f = self.fts,
                    d = self.docs
                ),
                params![strict, range.start, range.end],
                |_| Ok(()),
            )
            .optional()
            .map_err(|e| bad_query(&strict, e))?
            .is_some();
        match relaxed_query(input) {
            Some(relaxed) if !any => Ok((relaxed, true)),
            _ => Ok((strict, false)),
        }
    }

    /// Search: the best `limit` memories inside `range` (by `created_at`), BM25 order
    /// (ties by memory id), each with its matching lines and snippets.
    pub fn search(
        &self,
        input: &str,
        range: DateRange,
        limit: usize,
    ) -> Result<TextResults, FullTextError> {
        let started = Instant::now();
        let conn = self.conn();
        let (fts_query, relaxed) = self.choose_query(&conn, input, range)?;
        let sql_text = format!(
            "SELECT {f}.rowid, {d}.memory_id, {d}.created_at, {bm} AS s FROM {f} \
             JOIN {d} ON {d}.rowid = {f}.rowid WHERE {f} MATCH ?1 \
             AND (?2 IS NULL OR {d}.created_at >= ?2) AND (?3 IS NULL OR {d}.created_at <= ?3) \
             ORDER BY s, {d}.memory_id LIMIT ?4",
            f = self.fts,
            d = self.docs,
            bm = self.bm25()
        );
        let rows: Vec<(i64, String, Option<i64>, f64)> = {
            let mut stmt = conn
                .prepare_cached(&sql_text)
                .map_err(|e| bad_query(&fts_query, e))?;
            let rows = stmt
                .query_map(
                    params![fts_query, range.start, range.end, limit as i64],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .map_err(|e| bad_query(&fts_query, e))?;
            rows.collect::<Result<_, _>>()
                .map_err(|e| bad_query(&fts_query, e))?
        };
        let mut hits = Vec::with_capacity(rows.len());
        for (i, (rowid, memory_id, created_at, s)) in rows.into_iter().enumerate() {
            hits.push(TextHit {
                rank: i + 1,
                memory_id,
                score: -s,
                created_at,
                matches: self.matches(&conn, &fts_query, rowid)?,
            });
        }
        Ok(TextResults {
            fts_query,
            relaxed,
            hits,
            query_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    /// The exact full-text rank of one memory for `input` inside `range`: 1 + the number
    /// of matching memories scoring better (ties broken by memory id, as in
    /// [`search`](Self::search)).
    pub fn rank_of(
        &self,
        input: &str,
        range: DateRange,
        memory_id: &str,
    ) -> Result<TextRank, FullTextError> {
        let conn = self.conn();
        let (fts_query, relaxed) = self.choose_query(&conn, input, range)?;
        let (f, d, bm) = (&self.fts, &self.docs, self.bm25());
        let total: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {f} JOIN {d} ON {d}.rowid = {f}.rowid WHERE {f} MATCH ?1 \
                     AND (?2 IS NULL OR {d}.created_at >= ?2) AND (?3 IS NULL OR {d}.created_at <= ?3)"
                ),
                params![fts_query, range.start, range.end],
                |r| r.get(0),
            )
            .map_err(|e| bad_query(&fts_query, e))?;
        let row: Option<(i64, Option<i64>)> = conn
            .query_row(
                &format!("SELECT rowid, created_at FROM {d} WHERE memory_id = ?1"),
                [memory_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql(&self.path))?;
        let mut out = TextRank {
            fts_query: fts_query.clone(),
            relaxed,
            rank: None,
            total: total as usize,
            score: None,
            outside_range: false,
            matches: Vec::new(),
        };
        let Some((rowid, created_at)) = row else {
            return Ok(out);
        };
        let score: Option<f64> = conn
            .query_row(
                &format!("SELECT {bm} FROM {f} WHERE {f} MATCH ?1 AND rowid = ?2"),
                params![fts_query, rowid],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| bad_query(&fts_query, e))?;
        let Some(score) = score else {
            return Ok(out);
        };
        out.score = Some(-score);
        out.matches = self.matches(&conn, &fts_query, rowid)?;
        let in_range = match created_at {
            Some(t) => range.start.is_none_or(|s| t >= s) && range.end.is_none_or(|e| t <= e),
            None => range.is_unbounded(),
        };
        if !in_range {
            out.outside_range = true;
            return Ok(out);
        }
        let better: i64 = conn
            .query_row(
                &format!(
                    "SELECT count(*) FROM {f} JOIN {d} ON {d}.rowid = {f}.rowid WHERE {f} MATCH ?1 \
                     AND (?2 IS NULL OR {d}.created_at >= ?2) AND (?3 IS NULL OR {d}.created_at <= ?3) \
                     AND ({bm} < ?4 OR ({bm} = ?4 AND {d}.memory_id < ?5))"
                ),
                params![fts_query, range.start, range.end, score, memory_id],
                |r| r.get(0),
            )
            .map_err(|e| bad_query(&fts_query, e))?;
        out.rank = Some(better as usize + 1);
        Ok(out)
    }

    /// The matching lines of one row, with snippets and transcript times.
    fn matches(
        &self,
        conn: &Connection,
        fts_query: &str,
        rowid: i64,
    ) -> Result<Vec<FieldMatch>, FullTextError> {
        let (f, d) = (&self.fts, &self.docs);
        let cols: Vec<String> = (0..Field::ALL.len())
            .map(|i| format!("highlight({f}, {i}, char(2), char(3))"))
            .collect();
        let sql_text = format!(
            "SELECT {}, {d}.starts FROM {f} JOIN {d} ON {d}.rowid = {f}.rowid \
             WHERE {f} MATCH ?1 AND {f}.rowid = ?2",
            cols.join(", ")
        );
        let row: Option<(Vec<String>, String)> = conn
            .query_row(&sql_text, params![fts_query, rowid], |r| {
                let mut texts = Vec::with_capacity(Field::ALL.len());
                for i in 0..Field::ALL.len() {
                    texts.push(r.get::<_, Option<String>>(i)?.unwrap_or_default());
                }
                Ok((texts, r.get(Field::ALL.len())?))
            })
            .optional()
            .map_err(|e| bad_query(fts_query, e))?;
        let Some((texts, starts)) = row else {
            return Ok(Vec::new());
        };
        let starts: Vec<f64> = serde_json::from_str(&starts).unwrap_or_default();
        let mut out = Vec::new();
        for (field, text) in Field::ALL.iter().zip(&texts) {
            let lines = text
                .split('\n')
                .enumerate()
                .filter_map(|(item, line)| snippet(line).map(|s| (item, s)))
                .take(LINES_PER_FIELD);
            for (item, snippet) in lines {
                let time = (*field == Field::Transcript)
                    .then(|| starts.get(item).copied())
                    .flatten();
                out.push(FieldMatch {
                    field: *field,
                    item,
                    time,
                    snippet,
                });
            }
        }
        Ok(out)
    }
}

fn bad_query(query: &str, e: rusqlite::Error) -> FullTextError {
    FullTextError::BadQuery {
        query: query.to_string(),
        message: e.to_string(),
    }
}

/// Build the index of `docs` in one transaction. Returns false when another process
/// built it meanwhile.
fn build(
    conn: &mut Connection,
    path: &Path,
    hash: &str,
    docs: &[Document],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<bool, FullTextError> {
    let started = Instant::now();
    let (fts, docs_table) = table_names(hash);
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(sql(path))?;
    let exists = tx
        .query_row("SELECT 1 FROM indexes WHERE hash = ?1", [hash], |_| Ok(()))
        .optional()
        .map_err(sql(path))?
        .is_some();
    if exists {
        return Ok(false);
    }
    let columns: Vec<&str> = Field::ALL.iter().map(|f| f.column()).collect();
    tx.execute_batch(&format!(
        "DROP TABLE IF EXISTS {fts}; DROP TABLE IF EXISTS {docs_table};
         CREATE VIRTUAL TABLE {fts} USING fts5({cols},
             tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3');
         CREATE TABLE {docs_table} (
             rowid INTEGER PRIMARY KEY,
             memory_id TEXT NOT NULL,
             created_at INTEGER,
             starts TEXT NOT NULL
         );",
        cols = columns.join(", ")
    ))
    .map_err(sql(path))?;
    {
        let placeholders = vec!["?"; Field::ALL.len() + 1].join(", ");
        let mut ins_fts = tx
            .prepare(&format!(
                "INSERT INTO {fts} (rowid, {}) VALUES ({placeholders})",
                columns.join(", ")
            ))
            .map_err(sql(path))?;
        let mut ins_doc = tx
            .prepare(&format!(
                "INSERT INTO {docs_table} (rowid, memory_id, created_at, starts) VALUES (?1, ?2, ?3, ?4)"
            ))
            .map_err(sql(path))?;
        let total = docs.len();
        for (i, d) in docs.iter().enumerate() {
            let rowid = i as i64 + 1;
            let f = &d.fields;
            ins_fts
                .execute(params![
                    rowid,
                    query::index_text(&f[0]),
                    query::index_text(&f[1]),
                    query::index_text(&f[2]),
                    query::index_text(&f[3]),
                    query::index_text(&f[4]),
                    query::index_text(&f[5]),
                ])
                .map_err(sql(path))?;
            let starts = serde_json::to_string(&d.segment_starts).unwrap_or_else(|_| "[]".into());
            ins_doc
                .execute(params![rowid, d.memory_id, d.created_at, starts])
                .map_err(sql(path))?;
            if (i + 1) % PROGRESS_EVERY == 0 {
                progress(i + 1, total);
            }
        }
        progress(total, total);
    }
    tx.execute_batch(&format!(
        "CREATE INDEX {docs_table}_memory ON {docs_table} (memory_id);
         CREATE INDEX {docs_table}_created ON {docs_table} (created_at);"
    ))
    .map_err(sql(path))?;
    let now = chrono::Utc::now().timestamp();
    tx.execute(
        "INSERT INTO indexes (hash, memories, built_at, build_ms, last_used) VALUES (?1, ?2, ?3, ?4, ?3)",
        params![
            hash,
            docs.len() as i64,
            now,
            started.elapsed().as_secs_f64() * 1000.0
        ],
    )
    .map_err(sql(path))?;
    tx.commit().map_err(sql(path))?;
    Ok(true)
}

/// Drop all but the [`KEEP_INDEXES`] most recently used indexes.
fn prune(conn: &Connection, path: &Path) -> Result<(), FullTextError> {
    let old: Vec<String> = {
        let mut stmt = conn
            .prepare("SELECT hash FROM indexes ORDER BY last_used DESC, built_at DESC LIMIT -1 OFFSET ?1")
            .map_err(sql(path))?;
        stmt.query_map([KEEP_INDEXES as i64], |r| r.get(0))
            .map_err(sql(path))?
            .collect::<Result<_, _>>()
            .map_err(sql(path))?
    };
    for hash in old {
        let (fts, docs) = table_names(&hash);
        conn.execute_batch(&format!(
            "BEGIN; DROP TABLE IF EXISTS {fts}; DROP TABLE IF EXISTS {docs}; \
             DELETE FROM indexes WHERE hash = '{hash}'; COMMIT;"
        ))
        .map_err(sql(path))?;
    }
    Ok(())
}

/// The indexes in a data dir: (hash, memories, built_at unix seconds), most recently used
/// first. Empty when there is no database.
pub fn list_indexes(data_dir: &Path) -> Result<Vec<(String, usize, i64)>, FullTextError> {
    let path = FullText::default_path(data_dir);
    if !path.exists() {
        return Ok(Vec::new());
    }
    let conn = Connection::open(&path).map_err(sql(&path))?;
    conn.execute_batch(CATALOG).map_err(sql(&path))?;
    let mut stmt = conn
        .prepare("SELECT hash, memories, built_at FROM indexes ORDER BY last_used DESC")
        .map_err(sql(&path))?;
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get::<_, i64>(1)? as usize, r.get(2)?))
    })
    .map_err(sql(&path))?
    .collect::<Result<_, _>>()
    .map_err(sql(&path))
}

#[cfg(test)]
mod tests;
