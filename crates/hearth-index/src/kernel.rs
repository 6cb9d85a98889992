//! Numeric kernels: dot products written so LLVM auto-vectorises them (fixed-width chunks with
//! independent accumulators, no bounds checks in the hot loop), L2 normalisation and per-vector
//! int8 quantisation.

use crate::IndexError;

/// Lanes per chunk. 16 f32 = four SSE registers or two AVX ones; independent accumulators break
/// the add dependency chain so the loop is throughput-bound, not latency-bound.
const LANES: usize = 16;

/// Dot product of two equally long f32 slices.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0.0f32;
    for (x, y) in ra.iter().zip(rb) {
        tail += x * y;
    }
    // Pairwise reduction keeps the summation order fixed (results are reproducible).
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            acc[i] += acc[i + width];
        }
        width /= 2;
    }
    acc[0] + tail
}

/// Dot product of two int8 vectors accumulated in i32 (exact: 127² × 16,384 < 2³¹).
#[inline]
pub fn dot_i8(a: &[i8], b: &[i8]) -> i32 {
    debug_assert_eq!(a.len(), b.len());
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    const W: usize = 32;
    let mut acc = [0i32; W];
    let ca = a.chunks_exact(W);
    let cb = b.chunks_exact(W);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for i in 0..W {
            acc[i] += i32::from(x[i]) * i32::from(y[i]);
        }
    }
    let mut total: i32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        total += i32::from(*x) * i32::from(*y);
    }
    total
}

/// Checks `v` (dimension, finiteness, non-zero norm) and returns its L2-normalised copy.
pub fn normalized(v: &[f32], dim: usize, field: &str) -> Result<Vec<f32>, IndexError> {
    if v.len() != dim {
        return Err(IndexError::invalid(
            field,
            format!("vector has {} components, the index holds {dim}", v.len()),
        ));
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(IndexError::invalid(
            field,
            format!("component {i} is not finite ({})", v[i]),
        ));
    }
    // Accumulate in f64: a 16k-component vector of large values must not overflow or lose the
    // small components.
    let norm = v
        .iter()
        .map(|&x| f64::from(x) * f64::from(x))
        .sum::<f64>()
        .sqrt();
    if norm == 0.0 || !norm.is_finite() {
        return Err(IndexError::invalid(
            field,
            "vector has zero (or overflowing) length and no direction",
        ));
    }
    Ok(v.iter().map(|&x| (f64::from(x) / norm) as f32).collect())
}

/// Quantises a unit vector to int8 with its own scale: `v[i] ≈ q[i] * scale`. Returns the scale.
pub fn quantize_into(v: &[f32], out: &mut [i8]) -> f32 {
    let max_abs = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    if max_abs == 0.0 {
        out.fill(0);
        return 0.0;
    }
    let inv = 127.0 / max_abs;
    for (o, &x) in out.iter_mut().zip(v) {
        *o = (x * inv).round().clamp(-127.0, 127.0) as i8;
    }
    max_abs / 127.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }

    proptest! {
        #[test]
        fn dot_matches_naive(v in proptest::collection::vec((-10.0f32..10.0, -10.0f32..10.0), 0..100)) {
            let (a, b): (Vec<f32>, Vec<f32>) = v.into_iter().unzip();
            let got = f64::from(dot(&a, &b));
            let want = naive(&a, &b);
            prop_assert!((got - want).abs() <= 1e-3 * (1.0 + want.abs()), "{got} vs {want}");
        }

        #[test]
        fn dot_i8_matches_naive(v in proptest::collection::vec((any::<i8>(), any::<i8>()), 0..200)) {
            let (a, b): (Vec<i8>, Vec<i8>) = v.into_iter().unzip();
            let want: i64 = a.iter().zip(&b).map(|(x, y)| i64::from(*x) * i64::from(*y)).sum();
            prop_assert_eq!(i64::from(dot_i8(&a, &b)), want);
        }

        #[test]
        fn quantised_dot_approximates_cosine(v in proptest::collection::vec((-1.0f32..1.0, -1.0f32..1.0), 8..64)) {
            let (a, b): (Vec<f32>, Vec<f32>) = v.into_iter().unzip();
            prop_assume!(a.iter().any(|x| x.abs() > 1e-3) && b.iter().any(|x| x.abs() > 1e-3));
            let a = normalized(&a, a.len(), "a").unwrap();
            let b = normalized(&b, b.len(), "b").unwrap();
            let (mut qa, mut qb) = (vec![0i8; a.len()], vec![0i8; b.len()]);
            let sa = quantize_into(&a, &mut qa);
            let sb = quantize_into(&b, &mut qb);
            let approx = dot_i8(&qa, &qb) as f32 * sa * sb;
            prop_assert!((approx - dot(&a, &b)).abs() < 0.05, "{approx} vs {}", dot(&a, &b));
        }
    }

    #[test]
    fn normalized_rejects_bad_vectors() {
        assert!(normalized(&[1.0, 2.0], 3, "v").is_err());
        assert!(normalized(&[0.0, 0.0], 2, "v").is_err());
        assert!(normalized(&[f32::NAN, 1.0], 2, "v").is_err());
        let n = normalized(&[3.0, 4.0], 2, "v").unwrap();
        assert!((n[0] - 0.6).abs() < 1e-6 && (n[1] - 0.8).abs() < 1e-6);
    }
}
