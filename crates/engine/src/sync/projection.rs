//! A 2-D map of stored vectors: principal component analysis by power iteration on the
//! centred data (`v ← Xᵀ(X v)`), never forming the D×D covariance, so 10k × 3072 vectors
//! take a fraction of a second. Deterministic (fixed start vectors).

/// Project `vectors` (all of one dimension) onto their first two principal components.
/// Returns one (x, y) per vector, in input order; fewer than 2 vectors give zeros.
pub fn pca_2d(vectors: &[Vec<f32>]) -> Vec<(f64, f64)> {
    let n = vectors.len();
    let Some(dim) = vectors.first().map(Vec::len) else {
        return Vec::new();
    };
    if n < 2 || dim == 0 || vectors.iter().any(|v| v.len() != dim) {
        return vec![(0.0, 0.0); n];
    }
    let mut mean = vec![0f64; dim];
    for v in vectors {
        for (m, x) in mean.iter_mut().zip(v) {
            *m += *x as f64;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let centred: Vec<Vec<f64>> = vectors
        .iter()
        .map(|v| v.iter().zip(&mean).map(|(x, m)| *x as f64 - m).collect())
        .collect();
    let first = component(&centred, dim, None);
    let second = component(&centred, dim, Some(&first));
    centred
        .iter()
        .map(|row| (dot(row, &first), dot(row, &second)))
        .collect()
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn normalise(v: &mut [f64]) -> bool {
    let n = dot(v, v).sqrt();
    if n <= f64::EPSILON {
        return false;
    }
    v.iter_mut().for_each(|x| *x /= n);
    true
}

/// The leading eigenvector of XᵀX, orthogonal to `deflate` when given.
fn component(rows: &[Vec<f64>], dim: usize, deflate: Option<&[f64]>) -> Vec<f64> {
    // A fixed, non-degenerate start.
    let mut v: Vec<f64> = (0..dim)
        .map(|i| 1.0 + ((i * 7919) % 13) as f64 / 13.0)
        .collect();
    let orthogonalise = |v: &mut Vec<f64>| {
        if let Some(d) = deflate {
            let p = dot(v, d);
            v.iter_mut().zip(d).for_each(|(x, y)| *x -= p * y);
        }
    };
    orthogonalise(&mut v);
    if !normalise(&mut v) {
        return vec![0.0; dim];
    }
    for _ in 0..60 {
        let mut next = vec![0f64; dim];
        for row in rows {
            let s = dot(row, &v);
            next.iter_mut().zip(row).for_each(|(a, x)| *a += s * x);
        }
        orthogonalise(&mut next);
        if !normalise(&mut next) {
            return vec![0.0; dim];
        }
        let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
        v = next;
        if change < 1e-9 {
            break;
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_plane() {
        // Points spread along axis 0 (wide) and axis 2 (narrower) of a 5-d space.
        let vectors: Vec<Vec<f32>> = (0..40)
            .map(|i| {
                let a = (i as f32 - 20.0) * 1.0;
                let b = ((i * 7) % 11) as f32 - 5.0;
                vec![a, 0.0, b * 0.3, 0.0, 0.0]
            })
            .collect();
        let p = pca_2d(&vectors);
        assert_eq!(p.len(), 40);
        // The first axis carries the wide spread, the second the narrow one.
        let spread = |f: fn(&(f64, f64)) -> f64| {
            let xs: Vec<f64> = p.iter().map(f).collect();
            xs.iter().cloned().fold(f64::MIN, f64::max)
                - xs.iter().cloned().fold(f64::MAX, f64::min)
        };
        assert!(spread(|q| q.0) > 30.0);
        assert!(spread(|q| q.1) > 2.0 && spread(|q| q.1) < 4.0);
        // Distances along the first component are (nearly) preserved.
        assert!(((p[30].0 - p[10].0).abs() - 20.0).abs() < 0.4);
    }

    #[test]
    fn degenerate_inputs() {
        assert!(pca_2d(&[]).is_empty());
        assert_eq!(pca_2d(&[vec![1.0, 2.0]]), vec![(0.0, 0.0)]);
        assert_eq!(pca_2d(&[vec![1.0], vec![1.0, 2.0]]), vec![(0.0, 0.0); 2]);
        let same = vec![vec![0.5f32; 4]; 3];
        assert!(
            pca_2d(&same)
                .iter()
                .all(|p| p.0.abs() < 1e-9 && p.1.abs() < 1e-9)
        );
    }
}
