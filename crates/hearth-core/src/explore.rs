//! Exploration: the seeded random source every ranker uses, and the samplers behind the two
//! exploration strategies of SPEC §7.4 — epsilon-greedy noise (`uniform(0, exploration_noise)`,
//! the Spotify-AI plan's `score_song`) and Thompson sampling over per-cluster Beta posteriors
//! (`Beta(1 + plays, 1 + skips)`).
//!
//! Why a hand-written generator instead of `rand`: the sequence must be a stable, documented
//! function of the seed so that a recommendation request with `seed = 42` and the offline
//! evaluation give the same ranking across dependency upgrades (`rand` changes its algorithms
//! between major versions). [`SeededRng`] is xoshiro256** seeded through SplitMix64, both public
//! domain reference algorithms (Blackman & Vigna), which pass BigCrush and are ample for sampling.

use serde::{Deserialize, Serialize};

/// A deterministic pseudo-random generator (xoshiro256**). Same seed, same sequence, forever.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeededRng {
    s: [u64; 4],
}

impl SeededRng {
    /// Seeds the four state words from SplitMix64 so that nearby seeds (0, 1, 2…) give unrelated
    /// streams and the all-zero state (which xoshiro cannot leave) is impossible.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let mut next = || {
            sm = sm.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = sm;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        };
        SeededRng {
            s: [next(), next(), next(), next()],
        }
    }

    /// A derived generator for a sub-task (e.g. one per k-means restart) that does not disturb
    /// this one's sequence more than one draw.
    pub fn fork(&mut self, salt: u64) -> SeededRng {
        SeededRng::new(self.next_u64() ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1]` — safe to take the logarithm of.
    fn next_f64_open0(&mut self) -> f64 {
        1.0 - self.next_f64()
    }

    /// Uniform integer in `[0, n)`; `n` must be > 0. Uses Lemire's multiply-shift with rejection,
    /// so there is no modulo bias.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "SeededRng::below(0)");
        loop {
            let x = self.next_u64();
            let m = (x as u128) * (n as u128);
            let low = m as u64;
            if low >= n || low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Standard normal via the Marsaglia polar method.
    pub fn normal(&mut self) -> f64 {
        loop {
            let u = 2.0 * self.next_f64() - 1.0;
            let v = 2.0 * self.next_f64() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                return u * (-2.0 * s.ln() / s).sqrt();
            }
        }
    }

    /// `Gamma(shape, 1)` by Marsaglia & Tsang (2000). For `shape < 1` the boost
    /// `Gamma(a) = Gamma(a + 1) · U^(1/a)` is used. Non-finite or non-positive shapes give 0.
    pub fn gamma(&mut self, shape: f64) -> f64 {
        if !(shape.is_finite() && shape > 0.0) {
            return 0.0;
        }
        if shape < 1.0 {
            let u = self.next_f64_open0();
            return self.gamma(shape + 1.0) * u.powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let x = self.normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.next_f64_open0();
            // The cheap squeeze accepts ~98 % of draws without a logarithm.
            if u < 1.0 - 0.0331 * x * x * x * x || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
                return d * v;
            }
        }
    }

    /// `Beta(a, b)` as `X / (X + Y)` with `X ~ Gamma(a)`, `Y ~ Gamma(b)`. Always in `[0, 1]`.
    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        if a == 1.0 && b == 1.0 {
            // Beta(1, 1) is exactly uniform; skip two Gamma draws (the common no-data arm).
            return self.next_f64();
        }
        let x = self.gamma(a);
        let y = self.gamma(b);
        if x + y > 0.0 {
            (x / (x + y)).clamp(0.0, 1.0)
        } else {
            // Both draws underflowed (tiny shapes): fall back to the mean.
            let m = a / (a + b);
            if m.is_finite() {
                m
            } else {
                0.5
            }
        }
    }

    /// `k` distinct indices from `0..n`, in draw order (partial Fisher–Yates). `k` is capped at `n`.
    pub fn sample_indices(&mut self, n: usize, k: usize) -> Vec<usize> {
        let k = k.min(n);
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..k {
            let j = i + self.below((n - i) as u64) as usize;
            idx.swap(i, j);
        }
        idx.truncate(k);
        idx
    }
}

/// Outcomes observed for one exploration arm (a library cluster, or a taste centroid): the Beta
/// posterior is `Beta(1 + plays, 1 + skips)`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ArmStats {
    pub plays: f64,
    pub skips: f64,
}

impl ArmStats {
    pub fn alpha(&self) -> f64 {
        1.0 + self.plays.max(0.0)
    }
    pub fn beta(&self) -> f64 {
        1.0 + self.skips.max(0.0)
    }
    /// Posterior mean play rate.
    pub fn mean(&self) -> f64 {
        self.alpha() / (self.alpha() + self.beta())
    }
    /// One Thompson draw from the posterior.
    pub fn sample(&self, rng: &mut SeededRng) -> f64 {
        rng.beta(self.alpha(), self.beta())
    }
}

/// How a ranking explores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExplorationMode {
    /// Deterministic ranking (the evaluation harness uses this).
    Off,
    /// Epsilon-greedy noise: every candidate gets `uniform(0, exploration_noise)`.
    Noise,
    /// Thompson sampling: every candidate gets `exploration_noise · θ` with `θ` drawn from its
    /// arm's `Beta(1 + plays, 1 + skips)`. An arm without observations is `Beta(1, 1)` — uniform —
    /// so with no data this is exactly [`ExplorationMode::Noise`].
    #[default]
    Thompson,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn same_seed_same_sequence_and_different_seeds_differ() {
        let mut a = SeededRng::new(7);
        let mut b = SeededRng::new(7);
        let mut c = SeededRng::new(8);
        let xa: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let xb: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        let xc: Vec<u64> = (0..5).map(|_| c.next_u64()).collect();
        assert_eq!(xa, xb);
        assert_ne!(xa, xc);
    }

    #[test]
    fn uniform_mean_and_range() {
        let mut r = SeededRng::new(1);
        let n = 100_000;
        let mut sum = 0.0;
        for _ in 0..n {
            let x = r.next_f64();
            assert!((0.0..1.0).contains(&x));
            sum += x;
        }
        assert!((sum / n as f64 - 0.5).abs() < 0.01);
    }

    #[test]
    fn below_is_unbiased_over_small_range() {
        let mut r = SeededRng::new(3);
        let mut counts = [0u32; 3];
        for _ in 0..30_000 {
            counts[r.below(3) as usize] += 1;
        }
        for c in counts {
            assert!((9_400..10_600).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn gamma_and_beta_have_the_right_moments() {
        let mut r = SeededRng::new(11);
        let n = 50_000;
        for shape in [0.5, 1.0, 3.0, 20.0] {
            let xs: Vec<f64> = (0..n).map(|_| r.gamma(shape)).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            // Gamma(k, 1): mean k, variance k.
            assert!(
                (mean - shape).abs() < 0.05 * shape.max(1.0),
                "{shape}: {mean}"
            );
            assert!((var - shape).abs() < 0.1 * shape.max(1.0), "{shape}: {var}");
        }
        // Beta(3, 7): mean 0.3, variance 21 / (100 · 11) = 0.01909.
        let xs: Vec<f64> = (0..n).map(|_| r.beta(3.0, 7.0)).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!((mean - 0.3).abs() < 0.005, "{mean}");
        assert!((var - 0.01909).abs() < 0.001, "{var}");
    }

    #[test]
    fn arm_posterior_follows_plays_and_skips() {
        let good = ArmStats {
            plays: 40.0,
            skips: 2.0,
        };
        let bad = ArmStats {
            plays: 2.0,
            skips: 40.0,
        };
        assert!((good.mean() - 41.0 / 44.0).abs() < 1e-12);
        let mut r = SeededRng::new(5);
        let wins = (0..1000)
            .filter(|_| good.sample(&mut r) > bad.sample(&mut r))
            .count();
        assert!(wins > 990, "{wins}");
        assert_eq!(ArmStats::default().mean(), 0.5);
    }

    #[test]
    fn sample_indices_are_distinct_and_capped() {
        let mut r = SeededRng::new(9);
        let s = r.sample_indices(10, 4);
        assert_eq!(s.len(), 4);
        let mut d = s.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 4);
        assert!(s.iter().all(|&i| i < 10));
        assert_eq!(r.sample_indices(3, 10).len(), 3);
        assert!(r.sample_indices(0, 2).is_empty());
    }

    proptest! {
        #[test]
        fn beta_is_always_in_unit_interval(a in 0.0f64..50.0, b in 0.0f64..50.0, seed: u64) {
            let mut r = SeededRng::new(seed);
            let x = r.beta(a, b);
            prop_assert!(x.is_finite() && (0.0..=1.0).contains(&x));
        }
    }
}
