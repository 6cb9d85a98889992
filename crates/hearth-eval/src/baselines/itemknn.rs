//! ItemKNN: cosine similarity between items on the binarised user × item training matrix, all
//! neighbours kept; an item's score for a user is the sum of its similarities to the user's
//! training items.
//!
//! This is [`hearth_core::collab::CoListening`] — the co-listening model that also feeds the
//! collaborative term of `/api/recommendations` — with one basket per training user (item `i`
//! is `TrackId(i)`).

use crate::evaluate::Scorer;
use crate::interactions::Interactions;
use hearth_core::collab::CoListening;
use hearth_core::ids::TrackId;

/// Item-based kNN with cosine similarity on binarised interactions.
pub struct ItemKnn<'a> {
    train: &'a Interactions,
    model: CoListening,
}

impl<'a> ItemKnn<'a> {
    pub fn fit(train: &'a Interactions) -> Self {
        let model = CoListening::fit((0..train.n_users()).map(|u| as_tracks(train.items(u))));
        ItemKnn { train, model }
    }

    /// The fitted co-listening model.
    pub fn model(&self) -> &CoListening {
        &self.model
    }
}

/// Item indices as track ids.
pub fn as_tracks(items: &[u32]) -> Vec<TrackId> {
    items.iter().map(|&i| TrackId(i64::from(i))).collect()
}

impl Scorer for ItemKnn<'_> {
    fn score(&self, user: usize, out: &mut [f64]) {
        for (t, s) in self.model.score(&as_tracks(self.train.items(user))) {
            out[t.0 as usize] += s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equals_sum_of_cosines_by_hand() {
        // users: u0 {0,1}, u1 {0,1,2}, u2 {1,3}, u3 {0}
        // n = [3, 3, 1, 1]; c01 = 2, c02 = 1, c12 = 1, c13 = 1.
        // For u3 (has item 0): score(1) = 2/sqrt(9) = 0.6667, score(2) = 1/sqrt(3) = 0.5774,
        // score(3) = c03/... = 0.
        let train = Interactions::from_rows(
            4,
            vec![
                vec![(0, 1.0), (1, 1.0)],
                vec![(0, 1.0), (1, 1.0), (2, 1.0)],
                vec![(1, 1.0), (3, 1.0)],
                vec![(0, 1.0)],
            ],
        );
        let knn = ItemKnn::fit(&train);
        let mut out = vec![0.0; 4];
        knn.score(3, &mut out);
        assert!((out[1] - 2.0 / 3.0).abs() < 1e-12);
        assert!((out[2] - 1.0 / 3f64.sqrt()).abs() < 1e-12);
        assert_eq!(out[3], 0.0);
    }
}
