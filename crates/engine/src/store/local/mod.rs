//! The offline vector store: one SQLite file (WAL; every write one transaction, so a crash
//! never leaves half a batch) with Pinecone's semantics, and an exact in-memory search
//! index per namespace loaded on first query and kept in step with every write.
//!
//! Durability: WAL with `synchronous=NORMAL`, so a killed process never loses a committed
//! write and never leaves a partial one; a power cut may lose the last commits but never
//! corrupts the file. Another process's writes are noticed through `PRAGMA data_version`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use async_trait::async_trait;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rusqlite::{Connection, OptionalExtension, params};

use crate::store::{
    IndexStats, ListPage, Match, Metadata, Query, QueryTarget, Record, StoreError, VectorStore,
    dimension_message, limits, validate_metadata, validate_top_k, validate_upsert, validate_values,
};

pub mod index;
pub mod int8;

use index::NsIndex;

/// File name of the store inside the data dir.
pub const FILE_NAME: &str = "store.db";

/// Schema version written to `PRAGMA user_version`. 2 added `namespaces.model`, the
/// embedding model that made the namespace's vectors (NULL in a store written by schema 1,
/// or by a caller that never claimed the namespace).
const SCHEMA_VERSION: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS namespaces (
    name TEXT PRIMARY KEY,
    dimension INTEGER NOT NULL,
    model TEXT
);
CREATE TABLE IF NOT EXISTS vectors (
    namespace TEXT NOT NULL,
    id TEXT NOT NULL,
    vals BLOB NOT NULL,
    metadata TEXT NOT NULL,
    PRIMARY KEY (namespace, id)
) WITHOUT ROWID;
";

/// A local vector store in one SQLite file.
pub struct LocalStore {
    path: PathBuf,
    inner: Arc<Inner>,
}

struct Inner {
    /// Lock order: `conn` before `indexes`, always.
    conn: Mutex<Connection>,
    indexes: RwLock<HashMap<String, NsIndex>>,
    /// `PRAGMA data_version` when the loaded indexes were last known current.
    seen_version: AtomicI64,
    /// Why this store cannot be written (a read-only data dir or file): it was opened
    /// read-only and immutable, and every write is refused with this reason.
    read_only: Option<String>,
}

/// `seen_version` before the first check.
const NO_VERSION: i64 = i64::MIN;

impl std::fmt::Debug for LocalStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn sql_err(what: &str) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| StoreError::Local(format!("{what}: {e}"))
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Local("an earlier operation panicked; reopen the store".into())
}

/// Values as little-endian `f32` bytes.
pub fn encode_values(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Little-endian `f32` bytes back to values.
pub fn decode_values(bytes: &[u8]) -> Result<Vec<f32>, StoreError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(StoreError::Local(format!(
            "a stored vector has {} bytes, not a multiple of 4: the store file is damaged",
            bytes.len()
        )));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn decode_metadata(text: &str) -> Result<Metadata, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Local(format!("stored metadata is not valid: {e}")))
}

fn encode_metadata(meta: &Metadata) -> Result<String, StoreError> {
    serde_json::to_string(meta)
        .map_err(|e| StoreError::Local(format!("cannot encode metadata: {e}")))
}

impl LocalStore {
    /// The store file inside a data dir.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join(FILE_NAME)
    }

    /// Open (or create) the store file. Blocking: call from a blocking context. In a
    /// data dir memlens may not write (or a read-only file), the file is opened
    /// read-only and immutable (no `-wal`, no lock; a missing file reads as an empty
    /// store) and every write is refused saying why.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let file_ro = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
        if file_ro || !crate::datadir::writable(dir) {
            return Self::open_read_only(path, dir);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                StoreError::Local(format!("cannot create data dir {}: {e}", dir.display()))
            })?;
        }
        let what = format!("cannot open {}", path.display());
        let conn = Connection::open(path).map_err(sql_err(&what))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(sql_err(&what))?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(sql_err(&what))?;
        if !mode.eq_ignore_ascii_case("wal") {
            tracing::warn!(mode, "SQLite refused WAL mode; using {mode}");
        }
        conn.execute_batch("PRAGMA synchronous=NORMAL;")
            .map_err(sql_err(&what))?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(sql_err(&what))?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Local(format!(
                "{} was written by a newer memlens (schema {version}); upgrade memlens",
                path.display()
            )));
        }
        conn.execute_batch(SCHEMA).map_err(sql_err(&what))?;
        if version == 1 {
            // A schema-1 store: namespaces gain the model column, unknown (NULL) until claimed.
            conn.execute_batch("ALTER TABLE namespaces ADD COLUMN model TEXT")
                .map_err(sql_err(&what))?;
        }
        conn.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))
            .map_err(sql_err(&what))?;
        Ok(Self {
            path: path.to_path_buf(),
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                indexes: RwLock::new(HashMap::new()),
                seen_version: AtomicI64::new(NO_VERSION),
                read_only: None,
            }),
        })
    }

    fn open_read_only(path: &Path, dir: &Path) -> Result<Self, StoreError> {
        let what = format!("cannot open {} read-only", path.display());
        let reason = if crate::datadir::writable(dir) {
            format!(
                "{} is read-only (make it writable, e.g. chmod u+w)",
                path.display()
            )
        } else {
            crate::datadir::read_only_reason(dir).unwrap_or_default()
        };
        let conn = if path.exists() {
            let conn = crate::datadir::open_immutable(path).map_err(sql_err(&what))?;
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(sql_err(&what))?;
            if version != SCHEMA_VERSION {
                return Err(StoreError::Local(format!(
                    "{} has schema {version}, this memlens reads {SCHEMA_VERSION}, and {reason}: \
                     it cannot be upgraded in place",
                    path.display()
                )));
            }
            conn
        } else {
            // Nothing stored yet: an empty store in memory, never written to disk.
            let conn = Connection::open_in_memory().map_err(sql_err(&what))?;
            conn.execute_batch(SCHEMA).map_err(sql_err(&what))?;
            conn
        };
        tracing::info!("{} opened read-only: {reason}", path.display());
        Ok(Self {
            path: path.to_path_buf(),
            inner: Arc::new(Inner {
                conn: Mutex::new(conn),
                indexes: RwLock::new(HashMap::new()),
                seen_version: AtomicI64::new(NO_VERSION),
                read_only: Some(reason),
            }),
        })
    }

    /// Why this store cannot be written, when it was opened read-only.
    pub fn read_only_reason(&self) -> Option<&str> {
        self.inner.read_only.as_deref()
    }

    /// Refuse a write on a store opened read-only.
    fn writable(&self) -> Result<(), StoreError> {
        match &self.inner.read_only {
            Some(why) => Err(StoreError::Local(format!(
                "cannot write the local store: {why}"
            ))),
            None => Ok(()),
        }
    }

    /// Where the file is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Put a ready-made search index in memory for `namespace`, bypassing SQLite
    /// (benchmarks only: queries then run the real path over this index).
    #[doc(hidden)]
    pub fn preload_index_for_bench(&self, namespace: &str, index: NsIndex) {
        if let Ok(mut map) = self.inner.indexes.write() {
            map.insert(namespace.to_string(), index);
        }
    }

    /// Run `f` over the in-memory index of `namespace`, if loaded (benchmarks only: to
    /// time the plain exact scan beside the real query path on the same index).
    #[doc(hidden)]
    pub fn with_index_for_bench<R>(
        &self,
        namespace: &str,
        f: impl FnOnce(&NsIndex) -> R,
    ) -> Option<R> {
        let map = self.inner.indexes.read().ok()?;
        map.get(namespace).map(f)
    }

    async fn blocking<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Inner) -> Result<T, StoreError> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || f(&inner))
            .await
            .map_err(|e| StoreError::Local(format!("store task failed: {e}")))?
    }
}

impl Inner {
    fn conn(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn.lock().map_err(poisoned)
    }

    fn namespace_dim(conn: &Connection, ns: &str) -> Result<Option<usize>, StoreError> {
        conn.query_row(
            "SELECT dimension FROM namespaces WHERE name = ?1",
            [ns],
            |r| r.get::<_, i64>(0),
        )
        .optional()
        .map(|d| d.map(|d| d as usize))
        .map_err(sql_err("reading the namespace"))
    }

    /// Make sure the namespace's index is in memory and current; false when the namespace
    /// is empty. Another process's commits (seen through `PRAGMA data_version`, which
    /// changes only for other connections' writes) drop every loaded index.
    fn ensure_loaded(&self, ns: &str) -> Result<bool, StoreError> {
        let conn = self.conn()?;
        let version: i64 = conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .map_err(sql_err("checking for other writers"))?;
        let seen = self.seen_version.swap(version, Ordering::SeqCst);
        if seen != version && seen != NO_VERSION {
            self.indexes.write().map_err(poisoned)?.clear();
        }
        if self.indexes.read().map_err(poisoned)?.contains_key(ns) {
            return Ok(true);
        }
        let Some(dim) = Self::namespace_dim(&conn, ns)? else {
            return Ok(false);
        };
        let count: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM vectors WHERE namespace = ?1",
                [ns],
                |r| r.get(0),
            )
            .map_err(sql_err("counting vectors"))?;
        let mut ix = NsIndex::with_capacity(dim, count.max(0) as usize);
        let mut stmt = conn
            .prepare("SELECT id, vals, metadata FROM vectors WHERE namespace = ?1")
            .map_err(sql_err("loading vectors"))?;
        let mut rows = stmt.query([ns]).map_err(sql_err("loading vectors"))?;
        while let Some(row) = rows.next().map_err(sql_err("loading vectors"))? {
            let id: String = row.get(0).map_err(sql_err("loading vectors"))?;
            let blob: Vec<u8> = row.get(1).map_err(sql_err("loading vectors"))?;
            let meta: String = row.get(2).map_err(sql_err("loading vectors"))?;
            let values = decode_values(&blob)?;
            if values.len() != dim {
                return Err(StoreError::Local(format!(
                    "vector {id} in namespace {ns} has {} values, the namespace {dim}",
                    values.len()
                )));
            }
            ix.upsert(&id, &values, decode_metadata(&meta)?);
        }
        self.indexes
            .write()
            .map_err(poisoned)?
            .insert(ns.to_string(), ix);
        Ok(true)
    }

    fn upsert(&self, ns: &str, records: Vec<Record>) -> Result<usize, StoreError> {
        let Some(dim) = validate_upsert(&records)? else {
            return Ok(0);
        };
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(sql_err("starting a write"))?;
        match Self::namespace_dim(&tx, ns)? {
            Some(have) if have != dim => {
                return Err(StoreError::DimensionMismatch(format!(
                    "{} (namespace {ns} of the local store holds {have}-dimensional vectors; \
                     use another namespace or data dir)",
                    dimension_message(dim, have)
                )));
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO namespaces (name, dimension) VALUES (?1, ?2)",
                    params![ns, dim as i64],
                )
                .map_err(sql_err("creating the namespace"))?;
            }
        }
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO vectors (namespace, id, vals, metadata) \
                     VALUES (?1, ?2, ?3, ?4)",
                )
                .map_err(sql_err("writing vectors"))?;
            for r in &records {
                stmt.execute(params![
                    ns,
                    r.id,
                    encode_values(&r.values),
                    encode_metadata(&r.metadata)?
                ])
                .map_err(sql_err("writing vectors"))?;
            }
        }
        tx.commit().map_err(sql_err("committing vectors"))?;
        let mut map = self.indexes.write().map_err(poisoned)?;
        if let Some(ix) = map.get_mut(ns) {
            for r in &records {
                ix.upsert(&r.id, &r.values, r.metadata.clone());
            }
        }
        Ok(records.len())
    }

    fn fetch(&self, ns: &str, ids: &[String]) -> Result<BTreeMap<String, Record>, StoreError> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached("SELECT vals, metadata FROM vectors WHERE namespace = ?1 AND id = ?2")
            .map_err(sql_err("fetching vectors"))?;
        let mut out = BTreeMap::new();
        for id in ids {
            let row = stmt
                .query_row(params![ns, id], |r| {
                    Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
                })
                .optional()
                .map_err(sql_err("fetching vectors"))?;
            if let Some((blob, meta)) = row {
                out.insert(
                    id.clone(),
                    Record {
                        id: id.clone(),
                        values: decode_values(&blob)?,
                        metadata: decode_metadata(&meta)?,
                    },
                );
            }
        }
        Ok(out)
    }

    fn query(&self, q: Query) -> Result<Vec<Match>, StoreError> {
        validate_top_k(q.top_k)?;
        if let QueryTarget::Vector(v) = &q.target {
            validate_values("query", v)?;
        }
        if !self.ensure_loaded(&q.namespace)? {
            return Ok(Vec::new());
        }
        let mut matches = {
            let map = self.indexes.read().map_err(poisoned)?;
            let Some(ix) = map.get(&q.namespace) else {
                return Ok(Vec::new());
            };
            let unit = match &q.target {
                QueryTarget::Vector(v) => {
                    if v.len() != ix.dim() {
                        return Err(StoreError::DimensionMismatch(dimension_message(
                            v.len(),
                            ix.dim(),
                        )));
                    }
                    index::normalised(v)
                }
                QueryTarget::Id(id) => match ix.row_of(id) {
                    Some(row) => ix.unit_vector(row).to_vec(),
                    None => return Ok(Vec::new()),
                },
            };
            ix.search(&unit, q.top_k, q.filter.as_ref())
                .into_iter()
                .map(|h| Match {
                    id: ix.id(h.row).to_string(),
                    score: h.score,
                    values: None,
                    metadata: q.include_metadata.then(|| ix.metadata(h.row).clone()),
                })
                .collect::<Vec<_>>()
        };
        if q.include_values {
            // Exact stored values (the index holds normalised copies).
            let ids: Vec<String> = matches.iter().map(|m| m.id.clone()).collect();
            let mut records = self.fetch(&q.namespace, &ids)?;
            for m in &mut matches {
                m.values = Some(records.remove(&m.id).map(|r| r.values).unwrap_or_default());
            }
        }
        Ok(matches)
    }

    fn list(
        &self,
        ns: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        token: Option<String>,
    ) -> Result<ListPage, StoreError> {
        let limit = limit.unwrap_or(limits::DEFAULT_LIST_LIMIT);
        if limit == 0 {
            return Err(StoreError::Invalid("list limit must be at least 1".into()));
        }
        let after = match token {
            Some(t) => Some(
                URL_SAFE_NO_PAD
                    .decode(t.as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        StoreError::Invalid(format!("pagination token {t:?} is not valid"))
                    })?,
            ),
            None => None,
        };
        let prefix = prefix.unwrap_or("");
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "SELECT id FROM vectors WHERE namespace = ?1 AND id >= ?2 \
                 AND (?3 IS NULL OR id > ?3) ORDER BY id",
            )
            .map_err(sql_err("listing ids"))?;
        let mut rows = stmt
            .query(params![ns, prefix, after])
            .map_err(sql_err("listing ids"))?;
        let mut ids = Vec::new();
        let mut more = false;
        while let Some(row) = rows.next().map_err(sql_err("listing ids"))? {
            let id: String = row.get(0).map_err(sql_err("listing ids"))?;
            if !id.starts_with(prefix) {
                break;
            }
            if ids.len() == limit {
                more = true;
                break;
            }
            ids.push(id);
        }
        let next = more
            .then(|| {
                ids.last()
                    .map(|last| URL_SAFE_NO_PAD.encode(last.as_bytes()))
            })
            .flatten();
        Ok(ListPage { ids, next })
    }

    fn delete(&self, ns: &str, ids: &[String]) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(sql_err("starting a delete"))?;
        {
            let mut stmt = tx
                .prepare_cached("DELETE FROM vectors WHERE namespace = ?1 AND id = ?2")
                .map_err(sql_err("deleting vectors"))?;
            for id in ids {
                stmt.execute(params![ns, id])
                    .map_err(sql_err("deleting vectors"))?;
            }
        }
        // An empty namespace disappears, as in Pinecone.
        let emptied = tx
            .execute(
                "DELETE FROM namespaces WHERE name = ?1 AND NOT EXISTS \
                 (SELECT 1 FROM vectors WHERE namespace = ?1)",
                [ns],
            )
            .map_err(sql_err("deleting vectors"))?
            > 0;
        tx.commit().map_err(sql_err("committing the delete"))?;
        let mut map = self.indexes.write().map_err(poisoned)?;
        if emptied {
            map.remove(ns);
        } else if let Some(ix) = map.get_mut(ns) {
            for id in ids {
                ix.remove(id);
            }
        }
        Ok(())
    }

    fn update_metadata(&self, ns: &str, id: &str, set: Metadata) -> Result<(), StoreError> {
        validate_metadata(id, &set)?;
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(sql_err("starting an update"))?;
        let current: Option<String> = tx
            .query_row(
                "SELECT metadata FROM vectors WHERE namespace = ?1 AND id = ?2",
                params![ns, id],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err("reading metadata"))?;
        // Like Pinecone, updating an absent id changes nothing.
        let Some(current) = current else {
            return Ok(());
        };
        let mut meta = decode_metadata(&current)?;
        meta.extend(set);
        validate_metadata(id, &meta)?;
        tx.execute(
            "UPDATE vectors SET metadata = ?3 WHERE namespace = ?1 AND id = ?2",
            params![ns, id, encode_metadata(&meta)?],
        )
        .map_err(sql_err("writing metadata"))?;
        tx.commit().map_err(sql_err("committing metadata"))?;
        if let Some(ix) = self.indexes.write().map_err(poisoned)?.get_mut(ns) {
            ix.set_metadata(id, meta);
        }
        Ok(())
    }

    fn stats(&self) -> Result<IndexStats, StoreError> {
        let conn = self.conn()?;
        let mut counts = BTreeMap::new();
        let mut stmt = conn
            .prepare("SELECT namespace, COUNT(*) FROM vectors GROUP BY namespace")
            .map_err(sql_err("counting vectors"))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
            .map_err(sql_err("counting vectors"))?;
        for row in rows {
            let (ns, n) = row.map_err(sql_err("counting vectors"))?;
            counts.insert(ns, n.max(0) as u64);
        }
        let namespace_dimensions: BTreeMap<String, usize> = conn
            .prepare("SELECT name, dimension FROM namespaces")
            .and_then(|mut s| {
                s.query_map([], |r| {
                    Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?.max(0) as usize))
                })?
                .collect()
            })
            .map_err(sql_err("reading dimensions"))?;
        let mut dims: Vec<usize> = namespace_dimensions.values().copied().collect();
        dims.sort_unstable();
        dims.dedup();
        Ok(IndexStats {
            dimension: match dims.as_slice() {
                [d] => Some(*d),
                _ => None,
            },
            metric: Some("cosine".into()),
            total: counts.values().sum(),
            namespaces: counts,
            namespace_dimensions,
        })
    }

    fn namespace_model(&self, ns: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn()?;
        conn.query_row("SELECT model FROM namespaces WHERE name = ?1", [ns], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()
        .map(Option::flatten)
        .map_err(sql_err("reading the namespace's model"))
    }

    fn claim_namespace(&self, ns: &str, model: &str, dim: usize) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        let tx = conn.transaction().map_err(sql_err("starting a write"))?;
        let row: Option<(i64, Option<String>)> = tx
            .query_row(
                "SELECT dimension, model FROM namespaces WHERE name = ?1",
                [ns],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(sql_err("reading the namespace"))?;
        match row {
            Some((_, Some(have))) if have != model => {
                return Err(StoreError::ModelMismatch(format!(
                    "namespace {ns} of the local store holds vectors made by {have}, not \
                     {model}; vectors of different models are not comparable (use that \
                     embedder, or another namespace or data dir)"
                )));
            }
            Some((have, _)) if have as usize != dim => {
                return Err(StoreError::DimensionMismatch(format!(
                    "namespace {ns} of the local store holds {have}-dimensional vectors, \
                     {model} makes {dim}: use another namespace or data dir"
                )));
            }
            Some((_, Some(_))) => {}
            Some((_, None)) => {
                tx.execute(
                    "UPDATE namespaces SET model = ?2 WHERE name = ?1",
                    params![ns, model],
                )
                .map_err(sql_err("recording the namespace's model"))?;
            }
            None => {
                tx.execute(
                    "INSERT INTO namespaces (name, dimension, model) VALUES (?1, ?2, ?3)",
                    params![ns, dim as i64, model],
                )
                .map_err(sql_err("creating the namespace"))?;
            }
        }
        tx.commit().map_err(sql_err("committing the namespace"))
    }

    fn check_compatible(&self, ns: &str, dim: usize) -> Result<(), StoreError> {
        let conn = self.conn()?;
        match Self::namespace_dim(&conn, ns)? {
            Some(have) if have != dim => Err(StoreError::DimensionMismatch(format!(
                "namespace {ns} of the local store holds {have}-dimensional vectors, \
                 the embedder makes {dim}: use another namespace or data dir"
            ))),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl VectorStore for LocalStore {
    fn target(&self) -> String {
        format!("local {}", self.path.display())
    }

    fn is_remote(&self) -> bool {
        false
    }

    async fn upsert(&self, namespace: &str, records: Vec<Record>) -> Result<usize, StoreError> {
        self.writable()?;
        let ns = namespace.to_string();
        self.blocking(move |i| i.upsert(&ns, records)).await
    }

    async fn fetch(
        &self,
        namespace: &str,
        ids: &[String],
    ) -> Result<BTreeMap<String, Record>, StoreError> {
        let (ns, ids) = (namespace.to_string(), ids.to_vec());
        self.blocking(move |i| i.fetch(&ns, &ids)).await
    }

    async fn query(&self, query: Query) -> Result<Vec<Match>, StoreError> {
        self.blocking(move |i| i.query(query)).await
    }

    async fn list(
        &self,
        namespace: &str,
        prefix: Option<&str>,
        limit: Option<usize>,
        page_token: Option<String>,
    ) -> Result<ListPage, StoreError> {
        let (ns, prefix) = (namespace.to_string(), prefix.map(str::to_string));
        self.blocking(move |i| i.list(&ns, prefix.as_deref(), limit, page_token))
            .await
    }

    async fn delete(&self, namespace: &str, ids: &[String]) -> Result<(), StoreError> {
        self.writable()?;
        let (ns, ids) = (namespace.to_string(), ids.to_vec());
        self.blocking(move |i| i.delete(&ns, &ids)).await
    }

    async fn update_metadata(
        &self,
        namespace: &str,
        id: &str,
        set: Metadata,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let (ns, id) = (namespace.to_string(), id.to_string());
        self.blocking(move |i| i.update_metadata(&ns, &id, set))
            .await
    }

    async fn stats(&self) -> Result<IndexStats, StoreError> {
        self.blocking(|i| i.stats()).await
    }

    async fn check_compatible(&self, namespace: &str, dimension: usize) -> Result<(), StoreError> {
        let ns = namespace.to_string();
        self.blocking(move |i| i.check_compatible(&ns, dimension))
            .await
    }

    async fn namespace_model(&self, namespace: &str) -> Result<Option<String>, StoreError> {
        let ns = namespace.to_string();
        self.blocking(move |i| i.namespace_model(&ns)).await
    }

    async fn claim_namespace(
        &self,
        namespace: &str,
        model: &str,
        dimension: usize,
    ) -> Result<(), StoreError> {
        self.writable()?;
        let (ns, model) = (namespace.to_string(), model.to_string());
        self.blocking(move |i| i.claim_namespace(&ns, &model, dimension))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_bit_exact() {
        let v = vec![
            0.1f32,
            -0.0,
            f32::MIN_POSITIVE,
            f32::MAX,
            1.0e-40,
            -3.25,
            f32::EPSILON,
        ];
        let back = decode_values(&encode_values(&v)).unwrap();
        assert_eq!(
            v.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            back.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        assert!(decode_values(&[1, 2, 3]).is_err());
    }
}
