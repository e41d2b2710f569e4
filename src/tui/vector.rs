//! The vector check of one memory (`v`): its stored vector's statistics and value
//! histogram, and the drift check — which Omi text format most likely produced it.

use crate::store::Record;
use crate::sync::drift::DriftOutcome;

/// Statistics of a stored vector.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorStats {
    pub dimension: usize,
    pub norm: f64,
    pub min: f32,
    pub max: f32,
    pub mean: f64,
    /// NaN or infinite values.
    pub non_finite: usize,
    pub zeros: usize,
    /// Counts of values in equal-width bins from `min` to `max`.
    pub histogram: Vec<u64>,
}

impl VectorStats {
    /// Statistics of `values`, with `bins` histogram bins.
    pub fn of(values: &[f32], bins: usize) -> Self {
        let finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let min = finite.iter().copied().fold(f32::INFINITY, f32::min);
        let max = finite.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let norm = finite
            .iter()
            .map(|v| (*v as f64).powi(2))
            .sum::<f64>()
            .sqrt();
        let mean = if finite.is_empty() {
            0.0
        } else {
            finite.iter().map(|v| *v as f64).sum::<f64>() / finite.len() as f64
        };
        let mut histogram = vec![0u64; bins.max(1)];
        let span = (max - min) as f64;
        for v in &finite {
            let pos = if span > 0.0 {
                ((*v - min) as f64 / span * histogram.len() as f64) as usize
            } else {
                0
            };
            let last = histogram.len() - 1;
            histogram[pos.min(last)] += 1;
        }
        Self {
            dimension: values.len(),
            norm,
            min: if finite.is_empty() { 0.0 } else { min },
            max: if finite.is_empty() { 0.0 } else { max },
            mean,
            non_finite: values.len() - finite.len(),
            zeros: values.iter().filter(|v| **v == 0.0).count(),
            histogram,
        }
    }
}

/// What `v` found.
#[derive(Debug, Clone)]
pub struct VectorCheck {
    pub memory_id: String,
    pub vector_id: String,
    /// The stored record, if any.
    pub record: Option<Record>,
    pub stats: Option<VectorStats>,
    /// The drift check, or why it could not run.
    pub drift: Result<DriftOutcome, String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_and_histogram() {
        let s = VectorStats::of(&[-1.0, 0.0, 0.0, 1.0, f32::NAN], 4);
        assert_eq!(s.dimension, 5);
        assert_eq!(s.non_finite, 1);
        assert_eq!(s.zeros, 2);
        assert_eq!((s.min, s.max), (-1.0, 1.0));
        assert!((s.norm - 2f64.sqrt()).abs() < 1e-9);
        assert_eq!(s.histogram.iter().sum::<u64>(), 4);
        assert_eq!(s.histogram, vec![1, 0, 2, 1]);
    }
}
