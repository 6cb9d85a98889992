//! Co-listening: item-based collaborative filtering over listening baskets (SPEC §7.4, the
//! collaborative term of the hybrid; SPEC §14, the ItemKNN baseline).
//!
//! A *basket* is a set of tracks that were listened to together — in serving one profile's
//! listening day, in the HetRec evaluation one user's artists. Two tracks are similar when the
//! same baskets hold them: cosine on the binarised basket × track matrix,
//! `sim(i, j) = c_ij / sqrt(n_i · n_j)` (`c_ij` baskets holding both, `n_i` baskets holding `i`).
//! A track's co-listening score for a listener is the sum of its similarities to the listener's
//! tracks, with every neighbour kept (no top-k truncation).
//!
//! [`CoListening::score`] never materialises the track × track matrix: it walks query tracks →
//! the baskets holding them → those baskets' tracks, using the factorisation
//! `score(j) = n_j^-½ · Σ_b [j ∈ b] · Σ_{i ∈ q ∩ b} n_i^-½`. The cost is the number of
//! (basket, track) pairs reachable from the query, a few hundred thousand for a HetRec user.
//!
//! The evaluation's ItemKNN baseline and the hybrid ranker's collaborative term are this code;
//! `/api/recommendations` feeds it the household's listening days.

use crate::ids::TrackId;
use std::collections::HashMap;

/// A fitted co-listening model: the baskets in compressed form and their transpose.
#[derive(Debug, Clone, Default)]
pub struct CoListening {
    /// Dense index → track.
    tracks: Vec<TrackId>,
    index: HashMap<TrackId, u32>,
    /// Baskets as rows of dense track indices (ascending, no repeats).
    basket_ptr: Vec<usize>,
    basket_items: Vec<u32>,
    /// Per dense track, the baskets holding it.
    track_ptr: Vec<usize>,
    track_baskets: Vec<u32>,
    /// `n_i^-½` per dense track.
    inv_sqrt_degree: Vec<f64>,
}

impl CoListening {
    /// Fits the model. Repeats inside a basket count once; empty baskets are ignored. Dense
    /// indices follow first appearance, so the fit is deterministic for a given input order.
    pub fn fit<I, B>(baskets: I) -> Self
    where
        I: IntoIterator<Item = B>,
        B: AsRef<[TrackId]>,
    {
        let mut m = CoListening {
            basket_ptr: vec![0],
            ..CoListening::default()
        };
        let mut row: Vec<u32> = Vec::new();
        for b in baskets {
            row.clear();
            for &t in b.as_ref() {
                let next = m.tracks.len() as u32;
                let i = *m.index.entry(t).or_insert_with(|| {
                    m.tracks.push(t);
                    next
                });
                row.push(i);
            }
            row.sort_unstable();
            row.dedup();
            if row.is_empty() {
                continue;
            }
            m.basket_items.extend_from_slice(&row);
            m.basket_ptr.push(m.basket_items.len());
        }
        // Transpose by counting.
        let n = m.tracks.len();
        let mut degree = vec![0usize; n];
        for &i in &m.basket_items {
            degree[i as usize] += 1;
        }
        m.track_ptr = Vec::with_capacity(n + 1);
        m.track_ptr.push(0);
        for d in &degree {
            m.track_ptr
                .push(m.track_ptr.last().copied().unwrap_or(0) + d);
        }
        let mut fill = m.track_ptr[..n].to_vec();
        m.track_baskets = vec![0; m.basket_items.len()];
        for b in 0..m.n_baskets() {
            for &i in &m.basket_items[m.basket_ptr[b]..m.basket_ptr[b + 1]] {
                m.track_baskets[fill[i as usize]] = b as u32;
                fill[i as usize] += 1;
            }
        }
        m.inv_sqrt_degree = degree
            .iter()
            .map(|&d| if d == 0 { 0.0 } else { 1.0 / (d as f64).sqrt() })
            .collect();
        m
    }

    /// Number of non-empty baskets.
    pub fn n_baskets(&self) -> usize {
        self.basket_ptr.len().saturating_sub(1)
    }

    /// Number of distinct tracks.
    pub fn n_tracks(&self) -> usize {
        self.tracks.len()
    }

    /// Baskets holding `track` (0 when unknown).
    pub fn listeners(&self, track: TrackId) -> usize {
        self.index.get(&track).map_or(0, |&i| {
            self.track_ptr[i as usize + 1] - self.track_ptr[i as usize]
        })
    }

    /// Co-listening scores of every track sharing a basket with a query track (the query tracks
    /// themselves included; callers exclude known tracks). Unknown query tracks contribute
    /// nothing; repeats in the query count once. Order: dense index (first appearance in the
    /// fit), scores > 0 only.
    pub fn score(&self, query: &[TrackId]) -> Vec<(TrackId, f64)> {
        let mut q: Vec<u32> = query
            .iter()
            .filter_map(|t| self.index.get(t).copied())
            .collect();
        q.sort_unstable();
        q.dedup();
        if q.is_empty() {
            return Vec::new();
        }
        let mut basket_weight = vec![0.0f64; self.n_baskets()];
        for &i in &q {
            let w = self.inv_sqrt_degree[i as usize];
            for &b in
                &self.track_baskets[self.track_ptr[i as usize]..self.track_ptr[i as usize + 1]]
            {
                basket_weight[b as usize] += w;
            }
        }
        let mut acc = vec![0.0f64; self.n_tracks()];
        for (b, &w) in basket_weight.iter().enumerate() {
            if w != 0.0 {
                for &j in &self.basket_items[self.basket_ptr[b]..self.basket_ptr[b + 1]] {
                    acc[j as usize] += w;
                }
            }
        }
        acc.iter()
            .zip(&self.inv_sqrt_degree)
            .enumerate()
            .filter(|(_, (s, _))| **s > 0.0)
            .map(|(j, (s, d))| (self.tracks[j], s * d))
            .collect()
    }

    /// [`Self::score`] as a map.
    pub fn score_map(&self, query: &[TrackId]) -> HashMap<TrackId, f64> {
        self.score(query).into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[i64]) -> Vec<TrackId> {
        v.iter().map(|&i| TrackId(i)).collect()
    }

    #[test]
    fn equals_sum_of_cosines_by_hand() {
        // baskets: {0,1}, {0,1,2}, {1,3}, {0}
        // n = [3, 3, 1, 1]; c01 = 2, c02 = 1, c12 = 1, c13 = 1.
        // Query {0}: score(1) = 2/sqrt(9), score(2) = 1/sqrt(3), score(3) = 0 (never with 0),
        // score(0) = 3/3 = 1 (itself).
        let m = CoListening::fit([ids(&[0, 1]), ids(&[0, 1, 2]), ids(&[1, 3]), ids(&[0])]);
        let s = m.score_map(&ids(&[0]));
        assert!((s[&TrackId(1)] - 2.0 / 3.0).abs() < 1e-12);
        assert!((s[&TrackId(2)] - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        assert!((s[&TrackId(0)] - 1.0).abs() < 1e-12);
        assert!(!s.contains_key(&TrackId(3)));
        // Query {0, 3}: track 1 gains c13/sqrt(3·1) = 1/sqrt(3).
        let s = m.score_map(&ids(&[3, 0, 3]));
        assert!((s[&TrackId(1)] - (2.0 / 3.0 + 1.0 / 3f64.sqrt())).abs() < 1e-12);
        assert_eq!(m.listeners(TrackId(1)), 3);
        assert_eq!(m.listeners(TrackId(9)), 0);
    }

    #[test]
    fn repeats_and_empty_baskets_do_not_count() {
        let a = CoListening::fit([ids(&[5, 6, 5]), ids(&[]), ids(&[6])]);
        let b = CoListening::fit([ids(&[5, 6]), ids(&[6])]);
        assert_eq!(a.n_baskets(), 2);
        assert_eq!(a.score(&ids(&[5])), b.score(&ids(&[5])));
        assert!(a.score(&ids(&[42])).is_empty());
        assert!(CoListening::default().score(&ids(&[1])).is_empty());
    }
}
