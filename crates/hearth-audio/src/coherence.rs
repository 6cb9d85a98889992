//! Album coherence: how often a track's nearest neighbours in descriptor
//! space come from its own album — a label-free sanity metric for the
//! descriptor (albums are usually sonically consistent).
//!
//! For each evaluated track, coherence@k is the share of its `k` nearest
//! neighbours (cosine similarity, the track itself excluded, ties broken by
//! index) that carry the same album label. Only tracks whose album has at
//! least two tracks are evaluated (a singleton cannot score), but neighbours
//! are searched among all tracks. The *shuffled floor* is the same mean after
//! randomly permuting the album labels (album sizes preserved), averaged over
//! [`SHUFFLES`] permutations from a fixed seed: what chance alone gives.

use std::collections::HashMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::AudioError;

/// Neighbours considered.
pub const COHERENCE_K: usize = 5;
/// Label permutations averaged for the floor.
pub const SHUFFLES: usize = 20;
/// Default seed of the permutations.
pub const DEFAULT_SEED: u64 = 2011;

/// `{"tracks": n, "albums": m, "coherence_at_5": x, "shuffled_floor": y}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoherenceReport {
    /// Tracks evaluated (those whose album has ≥ 2 tracks).
    pub tracks: usize,
    /// Albums with ≥ 2 tracks.
    pub albums: usize,
    pub coherence_at_5: f64,
    pub shuffled_floor: f64,
}

impl std::fmt::Display for CoherenceReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "album coherence@{COHERENCE_K}: {:.3} over {} tracks in {} albums (shuffled-album floor {:.3})",
            self.coherence_at_5, self.tracks, self.albums, self.shuffled_floor
        )
    }
}

/// Indices of the `k` most cosine-similar other vectors, for every vector.
fn nearest_neighbours(vectors: &[Vec<f32>], k: usize) -> Vec<Vec<usize>> {
    let unit: Vec<Vec<f32>> = vectors
        .iter()
        .map(|v| {
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            if norm > 1e-12 && norm.is_finite() {
                v.iter().map(|x| x / norm).collect()
            } else {
                vec![0.0; v.len()]
            }
        })
        .collect();
    (0..unit.len())
        .map(|i| {
            let mut scored: Vec<(f32, usize)> = (0..unit.len())
                .filter(|&j| j != i)
                .map(|j| {
                    let s: f32 = unit[i].iter().zip(&unit[j]).map(|(a, b)| a * b).sum();
                    (if s.is_finite() { s } else { -1.0 }, j)
                })
                .collect();
            scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            scored.into_iter().take(k).map(|(_, j)| j).collect()
        })
        .collect()
}

fn mean_coherence(neighbours: &[Vec<usize>], labels: &[usize], evaluated: &[usize]) -> f64 {
    if evaluated.is_empty() {
        return 0.0;
    }
    let total: f64 = evaluated
        .iter()
        .map(|&i| {
            let nn = &neighbours[i];
            if nn.is_empty() {
                return 0.0;
            }
            nn.iter().filter(|&&j| labels[j] == labels[i]).count() as f64 / nn.len() as f64
        })
        .sum();
    total / evaluated.len() as f64
}

/// Computes album coherence@5 and its shuffled floor. `vectors` and `albums`
/// are parallel; vectors must all have the same dimension.
pub fn album_coherence(
    vectors: &[Vec<f32>],
    albums: &[String],
    seed: u64,
) -> Result<CoherenceReport, AudioError> {
    if vectors.len() != albums.len() {
        return Err(AudioError::InvalidInput {
            field: "albums",
            reason: format!("{} labels for {} vectors", albums.len(), vectors.len()),
        });
    }
    if let Some(first) = vectors.first() {
        if let Some(bad) = vectors.iter().position(|v| v.len() != first.len()) {
            return Err(AudioError::InvalidInput {
                field: "vectors",
                reason: format!(
                    "vector {bad} has dimension {}, expected {}",
                    vectors[bad].len(),
                    first.len()
                ),
            });
        }
    }
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let labels: Vec<usize> = albums
        .iter()
        .map(|a| {
            let next = ids.len();
            *ids.entry(a.as_str()).or_insert(next)
        })
        .collect();
    let mut sizes = vec![0usize; ids.len()];
    labels.iter().for_each(|&l| sizes[l] += 1);
    let evaluated: Vec<usize> = (0..labels.len())
        .filter(|&i| sizes[labels[i]] >= 2)
        .collect();
    let albums_evaluated = sizes.iter().filter(|&&s| s >= 2).count();

    let neighbours = nearest_neighbours(vectors, COHERENCE_K);
    let coherence = mean_coherence(&neighbours, &labels, &evaluated);

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut shuffled = labels.clone();
    let mut floor = 0.0;
    for _ in 0..SHUFFLES {
        shuffled.shuffle(&mut rng);
        // Evaluate the tracks that the shuffled labelling puts in albums of
        // ≥ 2, exactly as for the real labels.
        let evaluated_shuffled: Vec<usize> = (0..shuffled.len())
            .filter(|&i| sizes[shuffled[i]] >= 2)
            .collect();
        floor += mean_coherence(&neighbours, &shuffled, &evaluated_shuffled);
    }
    Ok(CoherenceReport {
        tracks: evaluated.len(),
        albums: albums_evaluated,
        coherence_at_5: coherence,
        shuffled_floor: floor / SHUFFLES as f64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clustered() -> (Vec<Vec<f32>>, Vec<String>) {
        // Three albums of 8 tracks around three orthogonal directions.
        let mut vectors = Vec::new();
        let mut albums = Vec::new();
        for album in 0..3 {
            for t in 0..8 {
                let mut v = vec![0.05 * t as f32; 6];
                v[album * 2] += 1.0;
                v[album * 2 + 1] += 0.5;
                vectors.push(v);
                albums.push(format!("album {album}"));
            }
        }
        (vectors, albums)
    }

    #[test]
    fn separated_albums_are_fully_coherent_and_beat_the_floor() {
        let (v, a) = clustered();
        let r = album_coherence(&v, &a, DEFAULT_SEED).unwrap();
        assert_eq!((r.tracks, r.albums), (24, 3));
        assert!((r.coherence_at_5 - 1.0).abs() < 1e-9);
        // Chance: 7 same-album tracks among 23 others ≈ 0.30.
        assert!(
            (r.shuffled_floor - 7.0 / 23.0).abs() < 0.1,
            "{}",
            r.shuffled_floor
        );
    }

    #[test]
    fn deterministic_for_a_seed() {
        let (v, a) = clustered();
        assert_eq!(
            album_coherence(&v, &a, 7).unwrap(),
            album_coherence(&v, &a, 7).unwrap()
        );
    }

    #[test]
    fn singletons_are_not_evaluated_and_mismatch_is_rejected() {
        let v = vec![vec![1.0, 0.0], vec![0.0, 1.0]];
        let r = album_coherence(&v, &["a".into(), "b".into()], 1).unwrap();
        assert_eq!((r.tracks, r.albums, r.coherence_at_5), (0, 0, 0.0));
        let err = album_coherence(&v, &["a".into()], 1).unwrap_err();
        assert!(matches!(
            err,
            AudioError::InvalidInput {
                field: "albums",
                ..
            }
        ));
    }
}
