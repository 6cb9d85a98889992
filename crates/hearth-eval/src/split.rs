//! The leave-one-out split of SPEC §14.
//!
//! For each user with at least two items, in ascending user order, one item is drawn with
//! CPython's `random.Random(seed).choice(items)` over the user's items in ascending item order
//! (one generator for the whole pass). That item is held out; the rest is the training matrix.
//! Users with a single item stay in training (their item still counts for popularity and
//! co-occurrence) but are not evaluated. The play weight of the held-out item plays no role.

use crate::interactions::Interactions;
use crate::mt19937::PyRandom;

/// Result of [`leave_one_out`].
#[derive(Debug, Clone, PartialEq)]
pub struct LeaveOneOut {
    /// Training interactions (all users, the held-out items removed).
    pub train: Interactions,
    /// `(user, held-out item)` for every evaluated user, users ascending.
    pub test: Vec<(u32, u32)>,
}

/// Holds out one random item per user with ≥ 2 items (see the module docs for the exact draw).
pub fn leave_one_out(all: &Interactions, seed: u64) -> LeaveOneOut {
    let mut rng = PyRandom::new(seed);
    let mut rows = Vec::with_capacity(all.n_users());
    let mut test = Vec::new();
    for u in 0..all.n_users() {
        let items = all.items(u);
        let weights = all.weights(u);
        let held = if items.len() >= 2 {
            let &h = rng.choice(items).expect("non-empty");
            test.push((u as u32, h));
            Some(h)
        } else {
            None
        };
        rows.push(
            items
                .iter()
                .zip(weights)
                .filter(|(&i, _)| Some(i) != held)
                .map(|(&i, &w)| (i, w))
                .collect(),
        );
    }
    LeaveOneOut {
        train: Interactions::from_rows(all.n_items(), rows),
        test,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> Interactions {
        let rows = (0..30u32)
            .map(|u| (0..(u % 7 + 1)).map(|k| ((u + 3 * k) % 40, 1.0)).collect())
            .collect();
        Interactions::from_rows(40, rows)
    }

    #[test]
    fn same_seed_same_split() {
        let m = toy();
        assert_eq!(leave_one_out(&m, 2011), leave_one_out(&m, 2011));
    }

    #[test]
    fn different_seed_changes_held_out_items() {
        let m = toy();
        assert_ne!(leave_one_out(&m, 2011).test, leave_one_out(&m, 7).test);
    }

    #[test]
    fn holds_out_exactly_one_played_item_per_multi_item_user() {
        let m = toy();
        let s = leave_one_out(&m, 2011);
        let multi: Vec<u32> = (0..30)
            .filter(|&u| m.items(u as usize).len() >= 2)
            .collect();
        assert_eq!(s.test.iter().map(|&(u, _)| u).collect::<Vec<_>>(), multi);
        for &(u, h) in &s.test {
            let u = u as usize;
            assert!(m.items(u).contains(&h));
            assert!(!s.train.items(u).contains(&h));
            assert_eq!(s.train.items(u).len() + 1, m.items(u).len());
        }
        assert_eq!(s.train.nnz() + s.test.len(), m.nnz());
    }

    #[test]
    fn draw_matches_cpython_choice() {
        // Two users with 2 and 50 items: CPython `r = random.Random(2011)` gives
        // `r.choice(range(2)) == 0`, then `r.choice(range(3))`... here the second user has 3 items.
        let m = Interactions::from_rows(
            60,
            vec![
                vec![(10, 1.0), (11, 1.0)],
                vec![(20, 1.0)],
                vec![(30, 1.0), (31, 1.0), (32, 1.0)],
            ],
        );
        let s = leave_one_out(&m, 2011);
        assert_eq!(s.test, vec![(0, 10), (2, 31)]);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        // Any seed: the split is a pure function of (data, seed) and partitions the data.
        #[test]
        fn deterministic_partition_for_any_seed(seed in any::<u64>(), sizes in proptest::collection::vec(1usize..8, 1..20)) {
            let rows: Vec<Vec<(u32, f32)>> = sizes
                .iter()
                .enumerate()
                .map(|(u, &n)| (0..n as u32).map(|k| ((u as u32 * 7 + k * 3) % 30, 1.0)).collect::<std::collections::BTreeMap<_, _>>().into_iter().collect())
                .collect();
            let m = Interactions::from_rows(30, rows);
            let a = leave_one_out(&m, seed);
            prop_assert_eq!(&a, &leave_one_out(&m, seed));
            prop_assert_eq!(a.train.nnz() + a.test.len(), m.nnz());
        }
    }
}
