//! Deterministic synthetic vectors for tests and benchmarks: gaussian clusters on the sphere.
//!
//! Real audio embeddings are clustered (genres, artists) and have a low intrinsic dimension.
//! Isotropic noise in 512 dimensions would instead make every point almost equidistant from its
//! cluster-mates — a pathological case no real catalogue has. So each cluster is a unit centre
//! plus gaussian spread along a few random directions of its own (`latent_dim`), plus a little
//! isotropic noise, normalised back onto the sphere.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Parameters of a synthetic clustered data set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Clustered {
    pub dim: usize,
    pub clusters: usize,
    /// Number of random directions each cluster spreads along.
    pub latent_dim: usize,
    /// Standard deviation of the spread along each latent direction (centres have length 1).
    pub spread: f32,
    /// Standard deviation of the isotropic noise, per vector (spread over all components).
    pub noise: f32,
    pub seed: u64,
}

impl Clustered {
    /// Defaults used by the benchmark and the recall tests.
    pub fn new(dim: usize, clusters: usize, seed: u64) -> Self {
        Clustered {
            dim,
            clusters: clusters.max(1),
            latent_dim: 12.min(dim),
            spread: 0.35,
            noise: 0.1,
            seed,
        }
    }

    /// A generator; `points(n, stream)` of the same generator and stream are identical, and
    /// different streams draw different points from the same clusters (data vs queries).
    pub fn generator(&self) -> ClusterSet {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let mut centres = Vec::with_capacity(self.clusters * self.dim);
        let mut bases = Vec::with_capacity(self.clusters * self.latent_dim * self.dim);
        let scale = 1.0 / (self.dim as f32).sqrt();
        for _ in 0..self.clusters {
            let mut c: Vec<f32> = (0..self.dim).map(|_| gaussian(&mut rng)).collect();
            let norm = c.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            c.iter_mut().for_each(|x| *x /= norm);
            centres.extend(c);
            // Random directions of length ≈ 1 (entries N(0, 1/dim)).
            bases.extend((0..self.latent_dim * self.dim).map(|_| gaussian(&mut rng) * scale));
        }
        ClusterSet {
            params: *self,
            centres,
            bases,
        }
    }
}

/// Cluster centres and bases drawn from [`Clustered`].
#[derive(Debug, Clone)]
pub struct ClusterSet {
    params: Clustered,
    centres: Vec<f32>,
    bases: Vec<f32>,
}

impl ClusterSet {
    /// `n` unit vectors, row-major (`n × dim`). Point `i` of `stream` is the same whatever `n`.
    pub fn points(&self, n: usize, stream: u64) -> Vec<f32> {
        let p = &self.params;
        let mut out = vec![0.0f32; n * p.dim];
        let noise_scale = p.noise / (p.dim as f32).sqrt();
        use rayon::prelude::*;
        out.par_chunks_exact_mut(p.dim)
            .enumerate()
            .for_each(|(i, row)| {
                let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x9E37_79B9_7F4A_7C15);
                rng.set_stream(stream.wrapping_mul(0x1_0000_0000).wrapping_add(i as u64));
                let c = rng.gen_range(0..p.clusters);
                row.copy_from_slice(&self.centres[c * p.dim..(c + 1) * p.dim]);
                let basis = &self.bases[c * p.latent_dim * p.dim..(c + 1) * p.latent_dim * p.dim];
                for dir in basis.chunks_exact(p.dim) {
                    let z = gaussian(&mut rng) * p.spread;
                    row.iter_mut().zip(dir).for_each(|(x, d)| *x += z * d);
                }
                for x in row.iter_mut() {
                    *x += gaussian(&mut rng) * noise_scale;
                }
                let norm = row.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
                row.iter_mut().for_each(|x| *x /= norm);
            });
        out
    }
}

/// A standard normal sample (Box–Muller); avoids a dependency for one function.
pub fn gaussian(rng: &mut impl Rng) -> f32 {
    let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
    let u2: f64 = rng.gen();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_deterministic_unit_vectors() {
        let g = Clustered::new(16, 4, 7).generator();
        let a = g.points(10, 0);
        let b = g.points(20, 0);
        assert_eq!(a[..], b[..160]);
        assert_ne!(g.points(10, 1), a);
        for row in a.chunks_exact(16) {
            let n: f32 = row.iter().map(|x| x * x).sum();
            assert!((n - 1.0).abs() < 1e-4);
        }
    }
}
