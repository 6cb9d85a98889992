//! The scoring loop shared by every ranker: score all items for each evaluated user, rank the
//! held-out item among the items the user has not played, and average HR@10 / NDCG@10.

use crate::interactions::Interactions;
use crate::metrics::{rank_of_target, Summary, K};
use rayon::prelude::*;

/// Something that scores every item for one user from that user's training history.
///
/// Implementations fill `out` (length = number of items) with a score per item; higher is better.
/// Scores of the user's own training items are ignored by the protocol, so they may be anything
/// finite. Implementations must be deterministic.
pub trait Scorer: Sync {
    fn score(&self, user: usize, out: &mut [f64]);
}

/// Runs the protocol for one scorer over the test pairs, in parallel over users.
pub fn evaluate(scorer: &dyn Scorer, train: &Interactions, test: &[(u32, u32)]) -> Summary {
    let ranks: Vec<usize> = test
        .par_iter()
        .map_init(
            || vec![0.0f64; train.n_items()],
            |buf, &(u, target)| {
                buf.iter_mut().for_each(|s| *s = 0.0);
                scorer.score(u as usize, buf);
                rank_of_target(buf, target as usize, train.items(u as usize))
            },
        )
        .collect();
    Summary::from_ranks(&ranks, K)
}
