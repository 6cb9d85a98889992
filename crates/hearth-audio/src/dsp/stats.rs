//! Running statistics used by the streaming analyser: Welford mean/std and a
//! fixed-bin histogram for percentiles. Both use O(1) memory per feature so
//! that analysing a one-hour file costs the same memory as a one-second one.

/// Welford running mean and (population) standard deviation, accumulated in
/// `f64` so that millions of frames do not lose precision.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Welford {
    count: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    pub(crate) fn push(&mut self, value: f32) {
        if !value.is_finite() {
            // Callers sanitise their inputs; this is the last line of defence so
            // one bad frame can never poison a whole track's statistics.
            return;
        }
        let value = f64::from(value);
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.m2 += delta * (value - self.mean);
    }

    pub(crate) fn count(&self) -> u64 {
        self.count
    }

    /// Mean of the pushed values, 0 when none were pushed.
    pub(crate) fn mean(&self) -> f32 {
        if self.count == 0 {
            0.0
        } else {
            self.mean as f32
        }
    }

    /// Population standard deviation, 0 for fewer than two values.
    pub(crate) fn std(&self) -> f32 {
        if self.count < 2 {
            0.0
        } else {
            (self.m2 / self.count as f64).max(0.0).sqrt() as f32
        }
    }
}

/// Histogram over a fixed range with fixed-width bins; values outside the range
/// are clamped into the end bins. Used for loudness percentiles.
#[derive(Debug, Clone)]
pub(crate) struct Histogram {
    min: f32,
    bin_width: f32,
    bins: Vec<u32>,
    total: u64,
}

impl Histogram {
    pub(crate) fn new(min: f32, max: f32, bin_width: f32) -> Self {
        let n = ((max - min) / bin_width).ceil().max(1.0) as usize;
        Self {
            min,
            bin_width,
            bins: vec![0; n],
            total: 0,
        }
    }

    pub(crate) fn push(&mut self, value: f32) {
        if !value.is_finite() {
            return;
        }
        let last = self.bins.len() - 1;
        let idx = ((value - self.min) / self.bin_width).floor();
        let idx = if idx <= 0.0 {
            0
        } else {
            (idx as usize).min(last)
        };
        self.bins[idx] += 1;
        self.total += 1;
    }

    /// Value below which `q` (0..=1) of the pushed values lie (bin centre);
    /// 0 when the histogram is empty.
    pub(crate) fn quantile(&self, q: f32) -> f32 {
        if self.total == 0 {
            return 0.0;
        }
        let target = (q.clamp(0.0, 1.0) as f64 * self.total as f64)
            .ceil()
            .max(1.0) as u64;
        let mut seen = 0u64;
        for (i, &c) in self.bins.iter().enumerate() {
            seen += u64::from(c);
            if seen >= target {
                return self.min + (i as f32 + 0.5) * self.bin_width;
            }
        }
        self.min + (self.bins.len() as f32 - 0.5) * self.bin_width
    }
}

/// Fast base-2 logarithm (max abs error ≈ 4e-5 for normal positive inputs).
/// The per-bin spectral flatness needs ~45k logarithms per second of audio;
/// `f32::log2` would cost more than the FFT itself. Non-positive or non-finite
/// inputs are mapped to the log of the smallest normal float so the result is
/// always finite.
#[inline]
pub(crate) fn fast_log2(x: f32) -> f32 {
    let x = if x.is_finite() && x >= f32::MIN_POSITIVE {
        x
    } else if x == f32::INFINITY {
        f32::MAX
    } else {
        f32::MIN_POSITIVE
    };
    let bits = x.to_bits();
    let exponent = ((bits >> 23) & 0xff) as i32 - 127;
    // Mantissa in [1, 2).
    let m = f32::from_bits((bits & 0x007f_ffff) | 0x3f80_0000);
    // Degree-5 least-squares fit of log2(m) on [1, 2) (max error 3.2e-5).
    let p = -2.786_813
        + m * (5.046_876
            + m * (-3.492_494 + m * (1.593_901 + m * (-0.404_867_2 + m * 0.043_428_91))));
    exponent as f32 + p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welford_matches_two_pass() {
        let values = [1.0f32, 2.0, 4.0, 8.0, 16.0];
        let mut w = Welford::default();
        values.iter().for_each(|&v| w.push(v));
        let mean = values.iter().sum::<f32>() / 5.0;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / 5.0;
        assert!((w.mean() - mean).abs() < 1e-5);
        assert!((w.std() - var.sqrt()).abs() < 1e-4);
        assert_eq!(w.count(), 5);
    }

    #[test]
    fn histogram_quantiles() {
        let mut h = Histogram::new(-100.0, 0.0, 1.0);
        for i in 0..100 {
            h.push(-100.0 + i as f32);
        }
        assert!((h.quantile(0.5) - -50.5).abs() <= 1.0);
        assert!((h.quantile(0.95) - -5.5).abs() <= 1.0);
        assert_eq!(Histogram::new(0.0, 1.0, 0.1).quantile(0.5), 0.0);
    }

    #[test]
    fn fast_log2_is_accurate_and_total() {
        for &x in &[1e-6f32, 0.001, 0.5, 1.0, 1.5, 3.0, 1000.0, 1e9] {
            assert!((fast_log2(x) - x.log2()).abs() < 1e-3, "x={x}");
        }
        for &x in &[0.0f32, -1.0, f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
            assert!(fast_log2(x).is_finite());
        }
    }
}
