//! The in-memory search index of one namespace: unit-normalised vectors in one contiguous
//! `f32` matrix, plus an int8 copy ([`super::int8`]) that a search scans first (¼ of the
//! bytes: at 100k × 3072 it reads 0.3 GB instead of 1.2 GB per query). Every row whose
//! proven score interval reaches the k-th best lower bound is then re-scored exactly in
//! f32, so results are identical to the plain exact scan ([`NsIndex::search_exact`]):
//! same rows, same scores, same order of ties.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use super::int8::{Int8Rows, QueryCode};
use crate::store::filter::Condition;
use crate::store::{Filter, MetaValue, Metadata};

/// Lanes of the dot-product accumulators: enough independent sums for the compiler to
/// use full-width SIMD registers and hide add latency.
pub(super) const LANES: usize = 16;

/// Below this many floats a query runs on one thread (spawning costs more than it saves).
const PARALLEL_MIN_FLOATS: usize = 1 << 20;

/// One namespace, searchable.
#[derive(Debug, Clone)]
pub struct NsIndex {
    dim: usize,
    ids: Vec<String>,
    rows: HashMap<String, usize>,
    /// `ids.len() × dim` unit-length values, row-major.
    matrix: Vec<f32>,
    /// The same rows in int8, scanned first by [`NsIndex::search`].
    int8: Int8Rows,
    metas: Vec<Metadata>,
    /// Per row: the interned `uid` string, or [`NO_UID`] / [`OTHER_UID`]. Lets a query
    /// for one user skip other users' rows without touching their metadata or vectors.
    uid_codes: Vec<u32>,
    uid_dict: HashMap<String, u32>,
}

/// The metadata key the uid column is built from.
const UID_KEY: &str = "uid";
/// No `uid` key, or one that is a number or boolean: never equal to a uid string.
const NO_UID: u32 = u32::MAX;
/// A `uid` that is a list: evaluate the filter in full.
const OTHER_UID: u32 = u32::MAX - 1;

/// A row and its score.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub row: usize,
    pub score: f32,
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Hit {}
impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Hit {
    /// Better = higher score; on a tie the earlier row.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.row.cmp(&self.row))
    }
}

impl NsIndex {
    /// An empty index of this dimension.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ids: Vec::new(),
            rows: HashMap::new(),
            matrix: Vec::new(),
            int8: Int8Rows::new(dim),
            metas: Vec::new(),
            uid_codes: Vec::new(),
            uid_dict: HashMap::new(),
        }
    }

    fn uid_code(&mut self, meta: &Metadata) -> u32 {
        match meta.get(UID_KEY) {
            Some(MetaValue::String(uid)) => {
                if let Some(&c) = self.uid_dict.get(uid) {
                    return c;
                }
                let c = (self.uid_dict.len() as u32).min(OTHER_UID - 1);
                self.uid_dict.insert(uid.clone(), c);
                c
            }
            Some(MetaValue::List(_)) => OTHER_UID,
            _ => NO_UID,
        }
    }

    /// An index built from rows of raw values (normalised here), for loading and benches.
    pub fn with_capacity(dim: usize, rows: usize) -> Self {
        let mut s = Self::new(dim);
        s.ids.reserve(rows);
        s.rows.reserve(rows);
        s.matrix.reserve(rows.saturating_mul(dim));
        s.int8.reserve(rows);
        s.metas.reserve(rows);
        s.uid_codes.reserve(rows);
        s
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Id of a row.
    pub fn id(&self, row: usize) -> &str {
        &self.ids[row]
    }

    /// Metadata of a row.
    pub fn metadata(&self, row: usize) -> &Metadata {
        &self.metas[row]
    }

    /// The row of an id.
    pub fn row_of(&self, id: &str) -> Option<usize> {
        self.rows.get(id).copied()
    }

    /// The unit-length vector of a row.
    pub fn unit_vector(&self, row: usize) -> &[f32] {
        &self.matrix[row * self.dim..(row + 1) * self.dim]
    }

    /// Insert or replace a record. `values` must have this index's dimension and a
    /// non-zero norm (callers validate).
    pub fn upsert(&mut self, id: &str, values: &[f32], meta: Metadata) {
        debug_assert_eq!(values.len(), self.dim);
        let unit = normalised(values);
        let code = self.uid_code(&meta);
        match self.rows.get(id) {
            Some(&row) => {
                self.matrix[row * self.dim..(row + 1) * self.dim].copy_from_slice(&unit);
                self.int8.set(row, &unit);
                self.metas[row] = meta;
                self.uid_codes[row] = code;
            }
            None => {
                self.rows.insert(id.to_string(), self.ids.len());
                self.ids.push(id.to_string());
                self.matrix.extend_from_slice(&unit);
                self.int8.push(&unit);
                self.metas.push(meta);
                self.uid_codes.push(code);
            }
        }
    }

    /// Remove a record (the last row moves into its place).
    pub fn remove(&mut self, id: &str) {
        let Some(row) = self.rows.remove(id) else {
            return;
        };
        let last = self.ids.len() - 1;
        if row != last {
            let (head, tail) = self.matrix.split_at_mut(last * self.dim);
            head[row * self.dim..(row + 1) * self.dim].copy_from_slice(&tail[..self.dim]);
            self.ids.swap(row, last);
            self.metas.swap(row, last);
            self.uid_codes.swap(row, last);
            self.rows.insert(self.ids[row].clone(), row);
        }
        self.ids.pop();
        self.metas.pop();
        self.uid_codes.pop();
        self.matrix.truncate(last * self.dim);
        self.int8.swap_remove(row);
    }

    /// Replace a record's metadata.
    pub fn set_metadata(&mut self, id: &str, meta: Metadata) {
        if let Some(&row) = self.rows.get(id) {
            self.uid_codes[row] = self.uid_code(&meta);
            self.metas[row] = meta;
        }
    }

    /// Memory the index adds per row for its int8 copy, in bytes.
    pub fn int8_bytes_per_row(&self) -> usize {
        self.int8.bytes_per_row()
    }

    /// The `k` best rows for a unit-length query, best first, among rows passing `filter`
    /// (higher score first, on a tie the earlier row). Scans the int8 copy, then re-scores
    /// the rows that may belong to the top k exactly: the same hits and scores as
    /// [`NsIndex::search_exact`]. A query the int8 bound cannot cover (a non-finite value)
    /// is searched exactly.
    pub fn search(&self, unit_query: &[f32], k: usize, filter: Option<&Filter>) -> Vec<Hit> {
        if k == 0 || self.is_empty() || unit_query.len() != self.dim {
            return Vec::new();
        }
        let uid = self.uid_filter(filter);
        let Some(code) = self.int8.code_query(unit_query) else {
            return self.exact(unit_query, k, filter, uid);
        };
        let parts = self.in_parallel(|lo, hi| self.scan_int8(&code, k, filter, uid, lo, hi));
        // The k-th best lower bound over all rows passing the filter: the exact k-th
        // best score is at least this, so a row whose upper bound is below it cannot be
        // in the top k.
        let mut lowers: Vec<f64> = parts
            .iter()
            .flat_map(|p| p.lowers.iter().copied())
            .collect();
        let threshold = if lowers.len() >= k {
            let (_, kth, _) = lowers.select_nth_unstable_by(k - 1, |a, b| b.total_cmp(a));
            *kth
        } else {
            f64::NEG_INFINITY
        };
        let hits = parts
            .into_iter()
            .flat_map(|p| p.candidates)
            .filter(|&(_, upper)| upper >= threshold)
            .map(|(row, _)| Hit {
                row,
                score: dot(unit_query, self.unit_vector(row)),
            });
        top_k(hits, k)
    }

    /// The plain exact scan: every row passing the filter scored in f32 (the reference
    /// [`NsIndex::search`] is proven against, and the benchmark's baseline).
    pub fn search_exact(&self, unit_query: &[f32], k: usize, filter: Option<&Filter>) -> Vec<Hit> {
        if k == 0 || self.is_empty() || unit_query.len() != self.dim {
            return Vec::new();
        }
        let uid = self.uid_filter(filter);
        self.exact(unit_query, k, filter, uid)
    }

    /// The uid code a filter requires, if it requires one.
    fn uid_filter(&self, filter: Option<&Filter>) -> Option<u32> {
        filter
            .and_then(required_uid)
            .map(|uid| match self.uid_dict.get(uid) {
                Some(&code) => code,
                // No row has this uid as a string: only list-valued uids may match.
                None => NO_UID,
            })
    }

    /// `work` over row ranges covering all rows, on up to 4 threads when the index is
    /// large enough to gain from them.
    fn in_parallel<T: Send>(&self, work: impl Fn(usize, usize) -> T + Sync) -> Vec<T> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4);
        let n = self.len();
        if threads < 2 || n * self.dim < PARALLEL_MIN_FLOATS {
            return vec![work(0, n)];
        }
        let per = n.div_ceil(threads);
        let work = &work;
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (lo, hi) = ((t * per).min(n), ((t + 1) * per).min(n));
                    s.spawn(move || work(lo, hi))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    fn exact(&self, q: &[f32], k: usize, filter: Option<&Filter>, uid: Option<u32>) -> Vec<Hit> {
        let parts = self.in_parallel(|lo, hi| self.scan(q, k, filter, uid, lo, hi));
        top_k(parts.into_iter().flatten(), k)
    }

    /// True when row `row` may pass a filter requiring uid code `uid` (by the uid column
    /// alone; the full filter is evaluated later, and only for promising rows).
    #[inline]
    fn uid_may_match(&self, uid: Option<u32>, row: usize) -> bool {
        match uid {
            Some(code) => {
                let have = self.uid_codes[row];
                have == code || have == OTHER_UID
            }
            None => true,
        }
    }

    /// Rows `lo..hi` by their int8 codes: the k best lower bounds among rows passing the
    /// filter, and every row passing it whose upper bound reached the running k-th lower
    /// bound (the filter is evaluated only for those).
    fn scan_int8(
        &self,
        code: &QueryCode,
        k: usize,
        filter: Option<&Filter>,
        uid: Option<u32>,
        lo: usize,
        hi: usize,
    ) -> Candidates {
        let mut heap: BinaryHeap<std::cmp::Reverse<Bound>> = BinaryHeap::with_capacity(k + 1);
        let mut threshold = f64::NEG_INFINITY;
        let mut candidates = Vec::new();
        let mut prune_at = 2 * k + 1024;
        for row in lo..hi {
            if !self.uid_may_match(uid, row) {
                continue;
            }
            let approx = self.int8.approx(code, row);
            let upper = approx.upper();
            if upper < threshold {
                continue;
            }
            if let Some(f) = filter
                && !f.matches(&self.metas[row])
            {
                continue;
            }
            candidates.push((row, upper));
            let lower = approx.lower();
            if heap.len() < k {
                heap.push(std::cmp::Reverse(Bound(lower)));
            } else if lower > threshold {
                heap.pop();
                heap.push(std::cmp::Reverse(Bound(lower)));
            }
            if heap.len() == k {
                threshold = heap.peek().map_or(threshold, |b| b.0.0);
            }
            if candidates.len() >= prune_at {
                candidates.retain(|&(_, up)| up >= threshold);
                prune_at = (2 * candidates.len()).max(2 * k + 1024);
            }
        }
        Candidates {
            lowers: heap.into_iter().map(|b| b.0.0).collect(),
            candidates,
        }
    }

    /// Rows `lo..hi`: skip rows of other uids by the uid column, score the rest, and
    /// evaluate the full filter only for rows good enough to enter the heap (the same
    /// result as filtering first, without touching most rows' metadata).
    fn scan(
        &self,
        q: &[f32],
        k: usize,
        filter: Option<&Filter>,
        uid: Option<u32>,
        lo: usize,
        hi: usize,
    ) -> Vec<Hit> {
        let mut heap: BinaryHeap<std::cmp::Reverse<Hit>> = BinaryHeap::with_capacity(k + 1);
        for row in lo..hi {
            if !self.uid_may_match(uid, row) {
                continue;
            }
            let score = dot(q, &self.matrix[row * self.dim..(row + 1) * self.dim]);
            let hit = Hit { row, score };
            let full = heap.len() >= k;
            if full && heap.peek().is_some_and(|worst| hit <= worst.0) {
                continue;
            }
            if let Some(f) = filter
                && !f.matches(&self.metas[row])
            {
                continue;
            }
            if full {
                heap.pop();
            }
            heap.push(std::cmp::Reverse(hit));
        }
        heap.into_iter().map(|r| r.0).collect()
    }
}

/// What one thread's int8 scan found: its k best lower bounds and its candidate rows
/// with their upper bounds.
struct Candidates {
    lowers: Vec<f64>,
    candidates: Vec<(usize, f64)>,
}

/// A lower bound, ordered by `total_cmp` (never NaN: scores and bounds are finite or ±∞).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Bound(f64);
impl Eq for Bound {}
impl PartialOrd for Bound {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Bound {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// The uid a filter requires (`{"uid": X}` alone or inside a top-level `$and`).
fn required_uid(filter: &Filter) -> Option<&str> {
    match filter {
        Filter::Field { key, conds } if key == UID_KEY => conds.iter().find_map(|c| match c {
            Condition::Eq(MetaValue::String(u)) => Some(u.as_str()),
            _ => None,
        }),
        Filter::And(parts) => parts.iter().find_map(required_uid),
        _ => None,
    }
}

fn top_k(hits: impl Iterator<Item = Hit>, k: usize) -> Vec<Hit> {
    let mut all: Vec<Hit> = hits.collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    all.truncate(k);
    all
}

/// Dot product with `LANES` independent accumulators over fixed-size chunks (vectorises
/// with no bounds checks; a plain `zip().map().sum()` does not, because float addition
/// is not reassociated). Uses AVX2 when the CPU has it (same lanes, same result).
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dot_avx2(a, b) };
    }
    dot_lanes(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_lanes(a, b)
}

#[inline(always)]
fn dot_lanes(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (ca, ra) = a[..n].as_chunks::<LANES>();
    let (cb, rb) = b[..n].as_chunks::<LANES>();
    let mut acc = [0f32; LANES];
    for (x, y) in ca.iter().zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    lanes_sum(acc) + tail
}

/// Sum of `f32`s with the same accumulator layout and dispatch as [`dot`] (the
/// bandwidth probe).
#[inline]
pub fn sum(a: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { sum_avx2(a) };
    }
    sum_lanes(a)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sum_avx2(a: &[f32]) -> f32 {
    sum_lanes(a)
}

#[inline(always)]
fn sum_lanes(a: &[f32]) -> f32 {
    let (chunks, rest) = a.as_chunks::<LANES>();
    let mut acc = [0f32; LANES];
    for x in chunks {
        for i in 0..LANES {
            acc[i] += x[i];
        }
    }
    lanes_sum(acc) + rest.iter().sum::<f32>()
}

#[inline(always)]
fn lanes_sum(acc: [f32; LANES]) -> f32 {
    let mut half = acc;
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            half[i] += half[i + width];
        }
        width /= 2;
    }
    half[0]
}

/// The L2 norm in f64 (exact enough for any f32 vector).
pub fn norm(v: &[f32]) -> f64 {
    v.iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt()
}

/// `v / |v|` (callers refuse zero vectors first).
pub fn normalised(v: &[f32]) -> Vec<f32> {
    let n = norm(v);
    if n == 0.0 || !n.is_finite() {
        return v.to_vec();
    }
    v.iter().map(|&x| (f64::from(x) / n) as f32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_matches_naive() {
        for n in [0usize, 1, 15, 16, 17, 100, 3072] {
            let a: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).cos()).collect();
            let naive: f64 = a
                .iter()
                .zip(&b)
                .map(|(x, y)| f64::from(*x) * f64::from(*y))
                .sum();
            assert!((f64::from(dot(&a, &b)) - naive).abs() < 1e-3, "{n}");
            let s: f64 = a.iter().map(|&x| f64::from(x)).sum();
            assert!((f64::from(sum(&a)) - s).abs() < 1e-3, "{n}");
        }
    }

    fn meta(uid: &str) -> Metadata {
        Metadata::from([("uid".to_string(), MetaValue::String(uid.into()))])
    }

    #[test]
    fn search_upsert_remove() {
        let mut ix = NsIndex::new(2);
        ix.upsert("a", &[1.0, 0.0], meta("u1"));
        ix.upsert("b", &[0.0, 2.0], meta("u2"));
        ix.upsert("c", &[1.0, 1.0], meta("u1"));
        let q = normalised(&[1.0, 0.1]);
        let hits = ix.search(&q, 2, None);
        let ids: Vec<&str> = hits.iter().map(|h| ix.id(h.row)).collect();
        assert_eq!(ids, ["a", "c"]);
        let f = Filter::eq("uid", "u2");
        let hits = ix.search(&q, 5, Some(&f));
        assert_eq!(hits.len(), 1);
        assert_eq!(ix.id(hits[0].row), "b");
        ix.remove("a");
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.row_of("c"), Some(0));
        let hits = ix.search(&q, 1, None);
        assert_eq!(ix.id(hits[0].row), "c");
        assert!((hits[0].score - 0.77395).abs() < 1e-4);
        ix.upsert("c", &[0.0, -1.0], meta("u1"));
        assert_eq!(ix.len(), 2);
        assert_eq!(ix.search(&q, 1, None)[0].row, ix.row_of("b").unwrap());
    }

    #[test]
    fn parallel_scan_equals_serial() {
        let dim = 64;
        let n = (PARALLEL_MIN_FLOATS / dim) + 37;
        let mut ix = NsIndex::with_capacity(dim, n);
        let mut rng = fastrand::Rng::with_seed(7);
        for i in 0..n {
            let v: Vec<f32> = (0..dim).map(|_| rng.f32() - 0.5).collect();
            ix.upsert(
                &format!("id{i}"),
                &v,
                meta(if i % 2 == 0 { "a" } else { "b" }),
            );
        }
        let q = normalised(&(0..dim).map(|_| rng.f32() - 0.5).collect::<Vec<_>>());
        let f = Filter::eq("uid", "a");
        let par = ix.search(&q, 10, Some(&f));
        let mut serial = ix.scan(&q, 10, Some(&f), None, 0, n);
        serial.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(par.len(), 10);
        assert_eq!(
            par.iter().map(|h| h.row).collect::<Vec<_>>(),
            serial.iter().map(|h| h.row).collect::<Vec<_>>()
        );
        assert!(par.iter().all(|h| h.row % 2 == 0));
    }

    /// The uid column and lazy filtering give exactly the filter-first answer.
    #[test]
    fn uid_column_and_lazy_filter_match_brute_force() {
        let dim = 8;
        let mut rng = fastrand::Rng::with_seed(11);
        let mut ix = NsIndex::new(dim);
        let uid_of = |i: usize| -> Option<MetaValue> {
            match i % 6 {
                0 | 1 => Some(MetaValue::String("a".into())),
                2 => Some(MetaValue::String("b".into())),
                3 => Some(MetaValue::List(vec!["x".into(), "a".into()])),
                4 => Some(MetaValue::Number(1.0)),
                _ => None,
            }
        };
        for i in 0..600 {
            let v: Vec<f32> = (0..dim).map(|_| rng.f32() - 0.5).collect();
            let mut m = Metadata::new();
            if let Some(u) = uid_of(i) {
                m.insert("uid".into(), u);
            }
            m.insert("n".into(), MetaValue::Number((i % 10) as f64));
            ix.upsert(&format!("r{i}"), &v, m);
        }
        // Edits: a uid changes, rows are removed (rows move).
        ix.set_metadata(
            "r2",
            Metadata::from([("uid".into(), MetaValue::String("a".into()))]),
        );
        for i in (0..600).step_by(7) {
            ix.remove(&format!("r{i}"));
        }
        let filters = [
            Filter::eq("uid", "a"),
            Filter::eq("uid", "b"),
            Filter::eq("uid", "x"),
            Filter::eq("uid", "nobody"),
            Filter::parse(r#"{"uid": "a", "n": {"$gte": 5}}"#).unwrap(),
            Filter::parse(r#"{"$or": [{"uid": "b"}, {"n": 3}]}"#).unwrap(),
            Filter::parse(r#"{"n": {"$lt": 2}}"#).unwrap(),
        ];
        for f in &filters {
            for k in [1, 5, 50, 1000] {
                let q = normalised(&(0..dim).map(|_| rng.f32() - 0.5).collect::<Vec<_>>());
                let got: Vec<usize> = ix.search(&q, k, Some(f)).iter().map(|h| h.row).collect();
                let mut want: Vec<Hit> = (0..ix.len())
                    .filter(|&r| f.matches(ix.metadata(r)))
                    .map(|row| Hit {
                        row,
                        score: dot(&q, ix.unit_vector(row)),
                    })
                    .collect();
                want.sort_unstable_by(|a, b| b.cmp(a));
                want.truncate(k);
                let want: Vec<usize> = want.iter().map(|h| h.row).collect();
                assert_eq!(got, want, "{f:?} k={k}");
            }
        }
    }
}
