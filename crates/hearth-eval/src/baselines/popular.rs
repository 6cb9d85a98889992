//! MostPopular: every user gets the same ranking, by the number of training users per item
//! (not by plays).

use crate::evaluate::Scorer;
use crate::interactions::Interactions;

/// Scores an item by its number of distinct training users.
pub struct MostPopular {
    degree: Vec<f64>,
}

impl MostPopular {
    pub fn fit(train: &Interactions) -> Self {
        MostPopular {
            degree: train.item_degrees().into_iter().map(f64::from).collect(),
        }
    }
}

impl Scorer for MostPopular {
    fn score(&self, _user: usize, out: &mut [f64]) {
        out.copy_from_slice(&self.degree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_users_not_plays() {
        let train = Interactions::from_rows(
            3,
            vec![vec![(0, 1000.0)], vec![(1, 1.0)], vec![(1, 1.0), (2, 5.0)]],
        );
        let mut out = vec![0.0; 3];
        MostPopular::fit(&train).score(0, &mut out);
        assert_eq!(out, vec![1.0, 2.0, 1.0]);
    }
}
