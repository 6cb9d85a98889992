//! Bounded top-k selection by score, with a deterministic tie-break (lower id first).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::Hit;

/// A candidate ordered so that the *worst* one is the heap's maximum: lower score is worse,
/// and on equal scores the higher id is worse.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Worst {
    pub score: f32,
    pub id: i64,
    pub slot: u32,
}

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.id.cmp(&other.id))
    }
}

/// Keeps the best `k` candidates seen.
pub(crate) struct TopK {
    k: usize,
    heap: BinaryHeap<Worst>,
}

impl TopK {
    pub fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k + 1),
        }
    }

    /// Would a candidate with this score enter? Cheap pre-check so the caller can skip the
    /// exclusion-set lookup for the vast majority of candidates.
    #[inline]
    pub fn admits(&self, score: f32) -> bool {
        self.k > 0
            && (self.heap.len() < self.k || self.heap.peek().is_some_and(|w| score >= w.score))
    }

    #[inline]
    pub fn push(&mut self, c: Worst) {
        if self.k == 0 {
            return;
        }
        if self.heap.len() < self.k {
            self.heap.push(c);
        } else if let Some(mut top) = self.heap.peek_mut() {
            if c < *top {
                *top = c;
            }
        }
    }

    pub fn merge(mut self, other: TopK) -> TopK {
        for c in other.heap {
            self.push(c);
        }
        self
    }

    /// Best first.
    pub fn into_sorted(self) -> Vec<Worst> {
        let mut v = self.heap.into_vec();
        v.sort();
        v
    }

    pub fn into_hits(self) -> Vec<Hit> {
        self.into_sorted()
            .into_iter()
            .map(|w| Hit {
                id: w.id,
                score: w.score,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_best_with_id_tiebreak() {
        let mut t = TopK::new(3);
        for (id, score) in [(5, 0.1), (4, 0.9), (3, 0.5), (2, 0.5), (1, 0.2), (0, 0.5)] {
            if t.admits(score) {
                t.push(Worst { score, id, slot: 0 });
            }
        }
        let ids: Vec<i64> = t.into_hits().iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![4, 0, 2]);
    }
}
