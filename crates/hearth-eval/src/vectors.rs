//! Item vectors built from the evaluation data itself, for the taste rankers.
//!
//! * **Tag vectors** — TF-IDF over the tags users attached to an artist (`tf = ln(1 + count)`,
//!   `idf = ln(n_artists / artists_with_tag)`), L2-normalised, then reduced to `dim` dimensions by a
//!   seeded sparse random projection (Achlioptas: entries ±1 with probability 1/6 each, else 0),
//!   and normalised again. Untagged artists get the zero vector (the ranker treats them as "no
//!   vector": neutral taste similarity).
//! * **Co-occurrence vectors** — the item factors of implicit ALS fitted on the training split
//!   (see [`crate::baselines::als`]), L2-normalised.
//!
//! Row-major `f32`, one row per item index.

use crate::mt19937::PyRandom;
use std::collections::HashMap;

/// Dense item vectors, one row of `dim` floats per item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemVectors {
    pub dim: usize,
    pub data: Vec<f32>,
}

impl ItemVectors {
    pub fn n_items(&self) -> usize {
        self.data.len().checked_div(self.dim).unwrap_or(0)
    }

    pub fn row(&self, item: usize) -> &[f32] {
        &self.data[item * self.dim..(item + 1) * self.dim]
    }

    /// `true` when the item's vector is all zeros (no information).
    pub fn is_zero(&self, item: usize) -> bool {
        self.row(item).iter().all(|&x| x == 0.0)
    }

    /// L2-normalises every non-zero row in place.
    pub fn normalize(&mut self) {
        for row in self.data.chunks_exact_mut(self.dim) {
            let n = row.iter().map(|x| x * x).sum::<f32>().sqrt();
            if n > 0.0 && n.is_finite() {
                row.iter_mut().for_each(|x| *x /= n);
            }
        }
    }

    /// Row-wise concatenation of two normalised vector sets, each half scaled by `1/√2` so a row
    /// with both parts stays unit-length.
    pub fn concat(a: &ItemVectors, b: &ItemVectors) -> ItemVectors {
        assert_eq!(a.n_items(), b.n_items(), "item counts differ");
        let dim = a.dim + b.dim;
        let mut data = Vec::with_capacity(a.n_items() * dim);
        for i in 0..a.n_items() {
            data.extend(
                a.row(i)
                    .iter()
                    .chain(b.row(i))
                    .map(|x| x * std::f32::consts::FRAC_1_SQRT_2),
            );
        }
        let mut v = ItemVectors { dim, data };
        v.normalize();
        v
    }
}

/// TF-IDF tag vectors reduced by a seeded sparse random projection (see the module docs).
/// `assignments` are `(item, tag)` pairs, one per tagging act (repeats count).
pub fn tag_vectors(
    n_items: usize,
    assignments: &[(u32, u32)],
    dim: usize,
    seed: u64,
) -> ItemVectors {
    // Per item: tag -> count.
    let mut per_item: Vec<HashMap<u32, u32>> = vec![HashMap::new(); n_items];
    for &(i, t) in assignments {
        *per_item[i as usize].entry(t).or_insert(0) += 1;
    }
    let mut df: HashMap<u32, u32> = HashMap::new();
    for m in &per_item {
        for &t in m.keys() {
            *df.entry(t).or_insert(0) += 1;
        }
    }
    // One projection row per tag, drawn in ascending tag order so the result is seed-stable.
    let mut tags: Vec<u32> = df.keys().copied().collect();
    tags.sort_unstable();
    let mut rng = PyRandom::new(seed);
    let scale = (3.0 / dim as f32).sqrt();
    let projection: HashMap<u32, Vec<f32>> = tags
        .iter()
        .map(|&t| {
            let row = (0..dim)
                .map(|_| match rng.below(6) {
                    0 => scale,
                    1 => -scale,
                    _ => 0.0,
                })
                .collect();
            (t, row)
        })
        .collect();
    let n = n_items as f32;
    let mut data = vec![0.0f32; n_items * dim];
    for (i, m) in per_item.iter().enumerate() {
        let mut entries: Vec<(u32, f32)> = m
            .iter()
            .map(|(&t, &c)| (t, (1.0 + c as f32).ln() * (n / df[&t] as f32).ln()))
            .collect();
        entries.sort_unstable_by_key(|&(t, _)| t);
        let norm = entries.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
        if norm <= 0.0 {
            continue;
        }
        let out = &mut data[i * dim..(i + 1) * dim];
        for (t, w) in entries {
            let w = w / norm;
            for (o, p) in out.iter_mut().zip(&projection[&t]) {
                *o += w * p;
            }
        }
    }
    let mut v = ItemVectors { dim, data };
    v.normalize();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cos(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn shared_tags_are_closer_than_disjoint_tags() {
        // items 0 and 1 share tags 10 and 11; item 2 has tag 12 only; item 3 is untagged.
        let a = [(0, 10), (0, 11), (1, 10), (1, 11), (1, 11), (2, 12)];
        let v = tag_vectors(4, &a, 256, 7);
        assert!(cos(v.row(0), v.row(1)) > 0.8);
        assert!(cos(v.row(0), v.row(2)).abs() < 0.4);
        assert!(v.is_zero(3));
        assert!((cos(v.row(2), v.row(2)) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = [(0, 1), (1, 2), (1, 1)];
        assert_eq!(tag_vectors(2, &a, 16, 3), tag_vectors(2, &a, 16, 3));
    }

    #[test]
    fn concat_stays_unit_length() {
        let a = ItemVectors {
            dim: 2,
            data: vec![1.0, 0.0, 0.0, 0.0],
        };
        let b = ItemVectors {
            dim: 1,
            data: vec![1.0, 1.0],
        };
        let c = ItemVectors::concat(&a, &b);
        assert!((cos(c.row(0), c.row(0)) - 1.0).abs() < 1e-6);
        assert!((cos(c.row(1), c.row(1)) - 1.0).abs() < 1e-6);
    }
}
