//! Reduction kernels written with eight independent accumulators.
//!
//! Rust (like C) may not reorder floating-point additions, so a plain
//! `iter().sum()` is one serial dependency chain (≈ 4 cycles per element).
//! Spelling out eight lanes lets LLVM keep them in one SIMD register; this
//! made the per-frame DSP several times faster. Results differ from a serial
//! sum only by rounding.

const LANES: usize = 8;

#[inline]
fn fold(acc: [f32; LANES]) -> f32 {
    (acc[0] + acc[4]) + (acc[1] + acc[5]) + ((acc[2] + acc[6]) + (acc[3] + acc[7]))
}

/// Σ x.
#[inline]
pub(crate) fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks.remainder().iter().sum();
    for c in chunks {
        for i in 0..LANES {
            acc[i] += c[i];
        }
    }
    fold(acc) + tail
}

/// Σ a·b over the common length.
#[inline]
pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0.0f32; LANES];
    let ca = a.chunks_exact(LANES);
    let cb = b.chunks_exact(LANES);
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    fold(acc) + tail
}

/// (Σ m, Σ m·f, Σ m·f²): the moments behind centroid and bandwidth.
#[inline]
pub(crate) fn moments(m: &[f32], f: &[f32]) -> (f32, f32, f32) {
    let n = m.len().min(f.len());
    let (m, f) = (&m[..n], &f[..n]);
    let (mut s0, mut s1, mut s2) = ([0.0f32; LANES], [0.0f32; LANES], [0.0f32; LANES]);
    let cm = m.chunks_exact(LANES);
    let cf = f.chunks_exact(LANES);
    let (mut t0, mut t1, mut t2) = (0.0f32, 0.0f32, 0.0f32);
    for (x, y) in cm.remainder().iter().zip(cf.remainder()) {
        t0 += x;
        t1 += x * y;
        t2 += x * y * y;
    }
    for (x, y) in cm.zip(cf) {
        for i in 0..LANES {
            let xy = x[i] * y[i];
            s0[i] += x[i];
            s1[i] += xy;
            s2[i] += xy * y[i];
        }
    }
    (fold(s0) + t0, fold(s1) + t1, fold(s2) + t2)
}

/// Branch-free log2 for finite inputs ≥ `f32::MIN_POSITIVE` (callers add a
/// positive epsilon to non-negative values); same polynomial as
/// [`super::stats::fast_log2`].
#[inline]
fn log2_positive(x: f32) -> f32 {
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    let p = -2.786_813
        + m * (5.046_876
            + m * (-3.492_494 + m * (1.593_901 + m * (-0.404_867_2 + m * 0.043_428_91))));
    exponent as f32 + p
}

/// Σ log2(x + eps) for non-negative finite `x` and `eps` ≥ 1e-30.
#[inline]
pub(crate) fn sum_log2(x: &[f32], eps: f32) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail: f32 = chunks
        .remainder()
        .iter()
        .map(|&v| log2_positive(v + eps))
        .sum();
    for c in chunks {
        for i in 0..LANES {
            acc[i] += log2_positive(c[i] + eps);
        }
    }
    fold(acc) + tail
}

/// Number of sign changes between consecutive samples.
#[inline]
pub(crate) fn sign_changes(x: &[f32]) -> u32 {
    if x.len() < 2 {
        return 0;
    }
    x.windows(2)
        .map(|w| (w[0].to_bits() ^ w[1].to_bits()) >> 31)
        .sum()
}

/// Σ max(0, a − b)², writing `a` into `b` (spectral flux update).
#[inline]
pub(crate) fn positive_diff_sq_and_store(a: &[f32], b: &mut [f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let n = a.len().min(b.len());
    let split = n - n % LANES;
    for (x, y) in a[..split]
        .chunks_exact(LANES)
        .zip(b[..split].chunks_exact_mut(LANES))
    {
        for i in 0..LANES {
            let d = (x[i] - y[i]).max(0.0);
            acc[i] += d * d;
        }
        y.copy_from_slice(x);
    }
    let mut tail = 0.0;
    for i in split..n {
        let d = (a[i] - b[i]).max(0.0);
        tail += d * d;
        b[i] = a[i];
    }
    fold(acc) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernels_match_naive() {
        let x: Vec<f32> = (0..1027)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 7.0)
            .collect();
        let y: Vec<f32> = (0..1027).map(|i| (i % 13) as f32 * 0.5).collect();
        let close = |a: f32, b: f32| (a - b).abs() <= 1e-3 * b.abs().max(1.0);
        assert!(close(sum(&x), x.iter().sum()));
        assert!(close(
            dot(&x, &y),
            x.iter().zip(&y).map(|(a, b)| a * b).sum()
        ));
        let (m0, m1, m2) = moments(&y, &x);
        assert!(close(m0, y.iter().sum()));
        assert!(close(m1, y.iter().zip(&x).map(|(a, b)| a * b).sum()));
        assert!(close(m2, y.iter().zip(&x).map(|(a, b)| a * b * b).sum()));
        let pos: Vec<f32> = y.iter().map(|v| v * v).collect();
        assert!(close(
            sum_log2(&pos, 1e-6),
            pos.iter().map(|v| (v + 1e-6).log2()).sum()
        ));
        let naive = x
            .windows(2)
            .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
            .count() as u32;
        assert_eq!(sign_changes(&x), naive);
        let mut prev = y.clone();
        let expected: f32 = x
            .iter()
            .zip(&y)
            .map(|(a, b)| (a - b).max(0.0).powi(2))
            .sum();
        assert!(close(positive_diff_sq_and_store(&x, &mut prev), expected));
        assert_eq!(prev, x);
    }
}
