//! A compact int8 copy of an index's unit vectors (one scale per vector, ¼ of the f32
//! bytes) and a proven bound on how far its scores can be from the exact f32 ones, so a
//! scan of the copy can choose a candidate set that is certain to hold the exact top-k.
//!
//! Per row `x` (the stored f32 unit vector) the copy keeps codes `c ∈ [-127, 127]^dim`, a
//! scale `s = max|xᵢ| / 127` (so `x̂ = s·c`), `err ≥ ‖x − x̂‖` and `norm ≥ ‖x‖`, all
//! rounded up. A query `q` (f32) is coded the same way in i16 (`q̂ = t·d`, with
//! `‖q − q̂‖` measured). The approximate score `A = s·t·(c·d)` uses an exact integer dot
//! product, and for the score the exact scan computes, `D = fl(q·x)` ([`super::index::dot`]):
//!
//! ```text
//! |D − A| ≤ |q·x − q̂·x̂| + |D − q·x| + |A − q̂·x̂|
//!         ≤ ‖q‖·‖x − x̂‖ + ‖q − q̂‖·‖x̂‖ + γ·‖q‖·‖x‖ + tiny
//!         ≤ (‖q‖ + ‖q − q̂‖)·err + (‖q − q̂‖ + γ·‖q‖)·norm + tiny
//! ```
//!
//! (Cauchy–Schwarz twice; `‖x̂‖ ≤ norm + err`; `γ = m·u/(1 − m·u)` is the standard
//! rounding bound of a sum of products whose longest addition chain is `m` with
//! `u = 2⁻²⁴`: [`super::index::dot`] adds `dim/16` products per lane, then a 4-level tree,
//! a tail of at most 15 and one final add, so `m ≤ dim/16 + 21`, and we use
//! `dim/16 + 32`; `tiny` = 1e-9 covers the f64 arithmetic of `A` and of the bound itself
//! and f32 underflow.) A search then keeps every row whose upper bound `A + e` reaches
//! the k-th best lower bound `A − e`: every exact top-k row is among them, and re-scoring
//! them exactly gives the exact f32 ranking, scores and ties included.

use super::index::LANES;

/// Largest code magnitude of a stored vector.
const CODE_MAX: f32 = 127.0;

/// Largest i16 code of a query (the integer dot product must never overflow i32: with
/// `dim · QUERY_MAX · 127 ≤ i32::MAX` no partial sum can, in any order).
const QUERY_MAX: i64 = i16::MAX as i64;

/// Absolute slack for f64 rounding in the bound and f32 underflow (scores are ~±1).
const TINY: f64 = 1e-9;

/// Bound data of one stored row.
#[derive(Debug, Clone, Copy, Default)]
struct RowCode {
    /// `x̂ = scale · codes`.
    scale: f32,
    /// `≥ ‖x − x̂‖` (infinite for a row with a non-finite value: always a candidate).
    err: f32,
    /// `≥ ‖x‖`.
    norm: f32,
}

/// The int8 copy of every row of one index, in the same row order.
#[derive(Debug, Clone, Default)]
pub struct Int8Rows {
    dim: usize,
    /// `rows × dim` codes, row-major.
    codes: Vec<i8>,
    rows: Vec<RowCode>,
}

/// A query coded for [`Int8Rows`]: i16 codes and the terms of the bound.
#[derive(Debug, Clone)]
pub struct QueryCode {
    codes: Vec<i16>,
    /// `q̂ = scale · codes`.
    scale: f64,
    /// Multiplies a row's `err`: `‖q‖ + ‖q − q̂‖`.
    err_factor: f64,
    /// Multiplies a row's `norm`: `‖q − q̂‖ + γ·‖q‖`.
    norm_factor: f64,
}

/// A row's approximate score and the half-width of the interval holding its exact score.
#[derive(Debug, Clone, Copy)]
pub struct Approx {
    pub score: f64,
    pub bound: f64,
}

impl Approx {
    /// No exact score is above this.
    pub fn upper(self) -> f64 {
        self.score + self.bound
    }

    /// No exact score is below this.
    pub fn lower(self) -> f64 {
        self.score - self.bound
    }
}

/// The f32 value at or above `v` (so a stored bound never shrinks by rounding).
fn round_up(v: f64) -> f32 {
    let f = v as f32;
    if f64::from(f) < v { f.next_up() } else { f }
}

/// `‖v‖` and `‖v − scale·codes‖` in f64, and whether every value is finite.
fn norms<C: Copy + Into<f64>>(v: &[f32], scale: f64, codes: &[C]) -> (f64, f64) {
    let mut norm = 0f64;
    let mut err = 0f64;
    for (&x, &c) in v.iter().zip(codes) {
        let x = f64::from(x);
        norm += x * x;
        let d = x - scale * c.into();
        err += d * d;
    }
    (norm.sqrt(), err.sqrt())
}

/// Relative allowance for f64 rounding in a sum of `n` squares and its square root.
fn f64_slack(n: usize) -> f64 {
    1.0 + (n as f64 + 2.0) * f64::EPSILON
}

impl Int8Rows {
    /// An empty copy for vectors of `dim` values.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// Room for `rows` more rows.
    pub fn reserve(&mut self, rows: usize) {
        self.codes.reserve(rows.saturating_mul(self.dim));
        self.rows.reserve(rows);
    }

    /// Extra memory per row: `dim` code bytes and 12 bytes of bound data.
    pub fn bytes_per_row(&self) -> usize {
        self.dim + std::mem::size_of::<RowCode>()
    }

    /// Append the code of a unit vector of `dim` values.
    pub fn push(&mut self, unit: &[f32]) {
        let start = self.codes.len();
        self.codes.resize(start + self.dim, 0);
        let code = encode(unit, &mut self.codes[start..]);
        self.rows.push(code);
    }

    /// Replace row `row`'s code.
    pub fn set(&mut self, row: usize, unit: &[f32]) {
        let dim = self.dim;
        self.rows[row] = encode(unit, &mut self.codes[row * dim..(row + 1) * dim]);
    }

    /// Remove row `row`, moving the last row into its place (as the index does).
    pub fn swap_remove(&mut self, row: usize) {
        let dim = self.dim;
        let last = self.rows.len() - 1;
        if row != last {
            let (head, tail) = self.codes.split_at_mut(last * dim);
            head[row * dim..(row + 1) * dim].copy_from_slice(&tail[..dim]);
        }
        self.codes.truncate(last * dim);
        self.rows.swap_remove(row);
    }

    /// Code a query (a unit f32 vector of `dim` values); `None` when the bound cannot be
    /// made (a non-finite value, or a dimension too large for an i32 dot product):
    /// search exactly then.
    pub fn code_query(&self, q: &[f32]) -> Option<QueryCode> {
        if q.len() != self.dim || q.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let dim = self.dim.max(1) as i64;
        let qmax = (i64::from(i32::MAX) / (dim * i64::from(CODE_MAX as i8))).min(QUERY_MAX);
        // A chain of m = dim/16 + 32 additions; γ needs m·u well below 1.
        let m = (self.dim / LANES + 32) as f64;
        let u = f64::from(f32::EPSILON) / 2.0;
        if qmax < 1 || m * u > 0.01 {
            return None;
        }
        let peak = q.iter().fold(0f32, |a, x| a.max(x.abs()));
        let scale = if peak > 0.0 {
            f64::from(peak) / qmax as f64
        } else {
            0.0
        };
        let codes: Vec<i16> = q
            .iter()
            .map(|&x| {
                if scale > 0.0 {
                    (f64::from(x) / scale)
                        .round()
                        .clamp(-(qmax as f64), qmax as f64) as i16
                } else {
                    0
                }
            })
            .collect();
        let (qnorm, qerr) = norms(q, scale, &codes);
        let slack = f64_slack(self.dim);
        let (qnorm, qerr) = (qnorm * slack, qerr * slack);
        let gamma = m * u / (1.0 - m * u);
        Some(QueryCode {
            codes,
            scale,
            err_factor: (qnorm + qerr) * slack,
            norm_factor: (qerr + gamma * qnorm) * slack,
        })
    }

    /// The approximate score of row `row` for a coded query, with its bound.
    #[inline]
    pub fn approx(&self, q: &QueryCode, row: usize) -> Approx {
        let codes = &self.codes[row * self.dim..(row + 1) * self.dim];
        let rc = self.rows[row];
        let dot = dot_codes(&q.codes, codes);
        Approx {
            score: f64::from(rc.scale) * q.scale * f64::from(dot),
            bound: q.err_factor * f64::from(rc.err) + q.norm_factor * f64::from(rc.norm) + TINY,
        }
    }
}

/// Code `unit` into `out` and return its bound data.
fn encode(unit: &[f32], out: &mut [i8]) -> RowCode {
    if unit.iter().any(|x| !x.is_finite()) {
        out.fill(0);
        return RowCode {
            scale: 0.0,
            err: f32::INFINITY,
            norm: f32::INFINITY,
        };
    }
    let peak = unit.iter().fold(0f32, |a, x| a.max(x.abs()));
    let scale = peak / CODE_MAX;
    let scale = if scale.is_normal() { scale } else { 0.0 };
    for (c, &x) in out.iter_mut().zip(unit) {
        *c = if scale > 0.0 {
            (x / scale).round().clamp(-CODE_MAX, CODE_MAX) as i8
        } else {
            0
        };
    }
    let (norm, err) = norms(unit, f64::from(scale), out);
    let slack = f64_slack(unit.len());
    RowCode {
        scale,
        err: round_up(err * slack),
        norm: round_up(norm * slack),
    }
}

/// `Σ qᵢ·cᵢ` in exact integer arithmetic (callers keep `len · max|q| · 127 ≤ i32::MAX`).
/// Uses AVX2 when the CPU has it (same lanes, same result).
#[inline]
pub fn dot_codes(q: &[i16], c: &[i8]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, checked just above.
        return unsafe { dot_codes_avx2(q, c) };
    }
    dot_codes_lanes(q, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn dot_codes_avx2(q: &[i16], c: &[i8]) -> i32 {
    dot_codes_lanes(q, c)
}

/// A plain sum: integer addition is associative, so LLVM vectorises it freely (checked
/// in the assembly: `vpmovsxbw` + `vpmaddwd`, 8 products per instruction, 4 independent
/// sums; explicit lanes made it fall back to `vpmulld`).
#[inline(always)]
fn dot_codes_lanes(q: &[i16], c: &[i8]) -> i32 {
    q.iter()
        .zip(c)
        .map(|(&a, &b)| i32::from(a) * i32::from(b))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::local::index::{dot, normalised};

    #[test]
    fn integer_dot_matches_naive() {
        let mut rng = fastrand::Rng::with_seed(5);
        for n in [0usize, 1, 15, 16, 17, 100, 3072] {
            let q: Vec<i16> = (0..n).map(|_| rng.i16(-5000..=5000)).collect();
            let c: Vec<i8> = (0..n).map(|_| rng.i8(-127..=127)).collect();
            let naive: i64 = q
                .iter()
                .zip(&c)
                .map(|(&a, &b)| i64::from(a) * i64::from(b))
                .sum();
            assert_eq!(i64::from(dot_codes(&q, &c)), naive, "{n}");
        }
    }

    #[test]
    fn codes_reproduce_the_vector_within_err() {
        let mut rng = fastrand::Rng::with_seed(9);
        let v = normalised(&(0..384).map(|_| rng.f32() - 0.5).collect::<Vec<_>>());
        let mut rows = Int8Rows::new(384);
        rows.push(&v);
        let rc = rows.rows[0];
        let back: f64 = v
            .iter()
            .zip(&rows.codes)
            .map(|(&x, &c)| (f64::from(x) - f64::from(rc.scale) * f64::from(c)).powi(2))
            .sum::<f64>()
            .sqrt();
        assert!(back <= f64::from(rc.err) && back > 0.0);
        assert!(f64::from(rc.err) < 0.02, "{}", rc.err);
        assert!((f64::from(rc.norm) - 1.0).abs() < 1e-6);
    }

    /// The interval always holds the exact f32 score, also for the worst vectors: one
    /// large value and many tiny ones, a zero vector, a query equal to the row.
    #[test]
    fn bound_holds_the_exact_score() {
        let mut rng = fastrand::Rng::with_seed(13);
        for dim in [1usize, 2, 16, 17, 300, 3072] {
            let mut rows = Int8Rows::new(dim);
            let mut vecs = Vec::new();
            for kind in 0..40 {
                let v: Vec<f32> = match kind % 4 {
                    0 => (0..dim).map(|_| rng.f32() - 0.5).collect(),
                    1 => (0..dim)
                        .map(|i| if i == 0 { 50.0 } else { rng.f32() * 1e-3 })
                        .collect(),
                    2 => vec![0.0; dim],
                    _ => (0..dim)
                        .map(|i| ((i * 7 + kind) % 5) as f32 - 2.0)
                        .collect(),
                };
                let v = normalised(&v);
                rows.push(&v);
                vecs.push(v);
            }
            for qi in 0..vecs.len() {
                let q = if qi % 3 == 0 {
                    vecs[qi].clone()
                } else {
                    normalised(&(0..dim).map(|_| rng.f32() - 0.5).collect::<Vec<_>>())
                };
                let qc = rows.code_query(&q).unwrap();
                for (r, v) in vecs.iter().enumerate() {
                    let a = rows.approx(&qc, r);
                    let exact = f64::from(dot(&q, v));
                    assert!(
                        a.lower() <= exact && exact <= a.upper(),
                        "dim {dim} row {r}: {exact} outside {a:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn rows_follow_swap_remove_and_set() {
        let mut rows = Int8Rows::new(2);
        rows.push(&[1.0, 0.0]);
        rows.push(&[0.0, 1.0]);
        rows.push(&[0.6, 0.8]);
        rows.swap_remove(0);
        assert_eq!(rows.codes, [95, 127, 0, 127]);
        rows.set(1, &[-1.0, 0.0]);
        assert_eq!(rows.codes, [95, 127, -127, 0]);
        rows.swap_remove(1);
        assert_eq!(rows.codes, [95, 127]);
        assert!(rows.code_query(&[f32::NAN, 0.0]).is_none());
        let mut inf = Int8Rows::new(1);
        inf.push(&[f32::INFINITY]);
        assert!(inf.rows[0].err.is_infinite());
    }
}
