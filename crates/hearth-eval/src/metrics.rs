//! Ranking metrics for leave-out evaluation: the 0-based rank of a held-out item among the
//! candidates, and HR@K / NDCG@K computed from it.
//!
//! Tie rule (part of the protocol): candidates are ordered by score descending, and equal scores
//! by item index ascending — the order a stable sort over item ids gives. With that rule an item
//! nobody scored (score 0) ranks after every scored item and before higher-indexed zero items.

/// The cutoff every report uses.
pub const K: usize = 10;

/// 0-based position of `target` when the candidates (every item index of `scores` except those in
/// `excluded` and the target itself) are sorted by score descending, ties by index ascending.
///
/// `excluded` must not contain `target`; duplicates in it are not allowed. Scores must not be NaN
/// (a NaN would compare as neither better nor equal and silently improve the target's rank).
pub fn rank_of_target(scores: &[f64], target: usize, excluded: &[u32]) -> usize {
    debug_assert!(scores.iter().all(|s| !s.is_nan()), "NaN score");
    let t = scores[target];
    let beats = |i: usize, s: f64| s > t || (s == t && i < target);
    let mut rank = scores
        .iter()
        .enumerate()
        .filter(|&(i, &s)| beats(i, s))
        .count();
    for &e in excluded {
        let e = e as usize;
        debug_assert_ne!(e, target, "the target is excluded from its own candidates");
        if beats(e, scores[e]) {
            rank -= 1;
        }
    }
    rank
}

/// Hit rate contribution of one user: 1 when the held-out item is in the top `k`.
pub fn hit_at_k(rank: usize, k: usize) -> f64 {
    if rank < k {
        1.0
    } else {
        0.0
    }
}

/// NDCG@K contribution of one user with a single relevant item: `1 / log2(rank + 2)` inside the top
/// `k` (the ideal DCG is 1), else 0.
pub fn ndcg_at_k(rank: usize, k: usize) -> f64 {
    if rank < k {
        1.0 / ((rank + 2) as f64).log2()
    } else {
        0.0
    }
}

/// Mean HR@K and NDCG@K over a set of per-user ranks.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
    pub hr: f64,
    pub ndcg: f64,
    pub users: usize,
}

impl Summary {
    /// Averages the per-user contributions of `ranks` at cutoff `k`. An empty input gives zeros.
    pub fn from_ranks(ranks: &[usize], k: usize) -> Self {
        if ranks.is_empty() {
            return Summary::default();
        }
        let n = ranks.len() as f64;
        Summary {
            hr: ranks.iter().map(|&r| hit_at_k(r, k)).sum::<f64>() / n,
            ndcg: ranks.iter().map(|&r| ndcg_at_k(r, k)).sum::<f64>() / n,
            users: ranks.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    // Hand-computed: 1/log2(2) = 1, 1/log2(3) = 0.63093, 1/log2(11) = 0.28906.
    #[rstest]
    #[case(0, 1.0, 1.0)]
    #[case(1, 1.0, 0.630_929_753_571_457_4)]
    #[case(9, 1.0, 0.289_064_826_317_888)]
    #[case(10, 0.0, 0.0)]
    #[case(500, 0.0, 0.0)]
    fn per_user_metrics(#[case] rank: usize, #[case] hit: f64, #[case] ndcg: f64) {
        assert_eq!(hit_at_k(rank, 10), hit);
        assert!((ndcg_at_k(rank, 10) - ndcg).abs() < 1e-12);
    }

    #[test]
    fn summary_averages_by_hand() {
        // Ranks 0, 2, 12: HR = 2/3; NDCG = (1 + 1/log2(4) + 0)/3 = 1.5/3 = 0.5.
        let s = Summary::from_ranks(&[0, 2, 12], 10);
        assert!((s.hr - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.ndcg - 0.5).abs() < 1e-12);
        assert_eq!(s.users, 3);
    }

    #[test]
    fn rank_skips_excluded_and_breaks_ties_by_index() {
        // scores:   0    1    2    3    4    5
        let scores = [0.9, 0.5, 0.5, 0.7, 0.5, 0.0];
        // Target 2 (0.5): better = item 0 (0.9) and 3 (0.7); tie with lower index = item 1.
        assert_eq!(rank_of_target(&scores, 2, &[]), 3);
        // Excluding items 0 and 1 (e.g. already played) leaves only item 3 ahead.
        assert_eq!(rank_of_target(&scores, 2, &[0, 1]), 1);
        // Item 4 ties with 1 and 2 but has the higher index, so it ranks after both.
        assert_eq!(rank_of_target(&scores, 4, &[]), 4);
        assert_eq!(rank_of_target(&scores, 0, &[]), 0);
        assert_eq!(rank_of_target(&scores, 5, &[3]), 4);
    }

    proptest::proptest! {
        // The rank equals the position found by an explicit stable sort of the candidates.
        #[test]
        fn rank_matches_sorting(scores in proptest::collection::vec(0u8..5, 1..40), t in 0usize..40, ex_mask in proptest::collection::vec(proptest::bool::ANY, 40)) {
            let scores: Vec<f64> = scores.into_iter().map(f64::from).collect();
            let t = t % scores.len();
            let excluded: Vec<u32> = (0..scores.len()).filter(|&i| i != t && ex_mask[i]).map(|i| i as u32).collect();
            let mut cands: Vec<usize> = (0..scores.len()).filter(|i| !excluded.contains(&(*i as u32))).collect();
            cands.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap().then(a.cmp(&b)));
            let pos = cands.iter().position(|&i| i == t).unwrap();
            proptest::prop_assert_eq!(rank_of_target(&scores, t, &excluded), pos);
        }
    }
}

/// HR@K and NDCG@K of one ranked list against several relevant items (binary relevance):
/// HR is 1 when any relevant item is in the top `k`; NDCG is `DCG / IDCG` with
/// `DCG = Σ_{relevant at rank r < k} 1/log2(r + 2)` and the ideal DCG of `min(k, |relevant|)` hits.
pub fn multi_relevant_at_k(ranked: &[u32], relevant: &[u32], k: usize) -> (f64, f64) {
    if relevant.is_empty() {
        return (0.0, 0.0);
    }
    let mut dcg = 0.0;
    let mut hit = 0.0;
    for (r, item) in ranked.iter().take(k).enumerate() {
        if relevant.contains(item) {
            dcg += 1.0 / ((r + 2) as f64).log2();
            hit = 1.0;
        }
    }
    let idcg: f64 = (0..k.min(relevant.len()))
        .map(|r| 1.0 / ((r + 2) as f64).log2())
        .sum();
    (hit, dcg / idcg)
}

#[cfg(test)]
mod multi_tests {
    use super::*;

    #[test]
    fn multi_relevant_by_hand() {
        // Relevant {5, 9}; ranked [5, 1, 9]: DCG = 1 + 1/log2(4) = 1.5; IDCG = 1 + 1/log2(3)
        // = 1.63093; NDCG = 0.91972.
        let (hr, ndcg) = multi_relevant_at_k(&[5, 1, 9], &[9, 5], 10);
        assert_eq!(hr, 1.0);
        assert!((ndcg - 1.5 / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-12);
        // Only the second relevant item is in the top 2: DCG = 1/log2(3), IDCG as above.
        let (hr, ndcg) = multi_relevant_at_k(&[1, 9, 5], &[9, 5], 2);
        assert_eq!(hr, 1.0);
        assert!((ndcg - (1.0 / 3f64.log2()) / (1.0 + 1.0 / 3f64.log2())).abs() < 1e-12);
        assert_eq!(multi_relevant_at_k(&[1, 2], &[3], 10), (0.0, 0.0));
        // A single relevant item reduces to the leave-one-out metrics.
        assert!((multi_relevant_at_k(&[4, 3], &[3], 10).1 - ndcg_at_k(1, 10)).abs() < 1e-12);
    }
}
