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
    /// Values exactly 0.0.
    pub zeros: usize,
    /// Of those, at the model's structural zero dimensions (see [`VectorStats::judge`]).
    pub structural_zeros: usize,
    /// The model the zeros were judged against, when known.
    pub model: Option<String>,
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
            structural_zeros: 0,
            model: None,
            histogram,
        }
    }

    /// Judge the zeros against the model that made the vector: all-MiniLM-L6-v2 has
    /// exact zeros at two fixed dimensions in every healthy vector
    /// ([`crate::embed::structural_zero_dims`]); only other zeros are a fault.
    pub fn judge(mut self, values: &[f32], model: &str) -> Self {
        let dims = crate::embed::structural_zero_dims(model, values.len());
        self.structural_zeros = dims
            .iter()
            .filter(|d| values.get(**d) == Some(&0.0))
            .count();
        self.model = Some(model.to_string());
        self
    }

    /// Zeros the model does not explain.
    pub fn unexpected_zeros(&self) -> usize {
        self.zeros - self.structural_zeros
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
    fn zeros_are_judged_against_the_model() {
        let mut v = vec![0.05f32; 384];
        v[127] = 0.0;
        v[223] = 0.0;
        let s = VectorStats::of(&v, 8).judge(&v, "all-MiniLM-L6-v2");
        assert_eq!(
            (s.zeros, s.structural_zeros, s.unexpected_zeros()),
            (2, 2, 0)
        );
        // The same zeros from a model without structural zeros are a fault.
        let s = VectorStats::of(&v, 8).judge(&v, "text-embedding-3-small");
        assert_eq!(s.unexpected_zeros(), 2);
        // sentence-transformers' vectors are zero at 319 too; a zero elsewhere is a fault.
        v[319] = 0.0;
        v[5] = 0.0;
        let s = VectorStats::of(&v, 8).judge(&v, "all-MiniLM-L6-v2");
        assert_eq!((s.structural_zeros, s.unexpected_zeros()), (3, 1));
    }

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
