//! A user × item interaction matrix in compressed-row form, with its transpose on demand.
//!
//! Users and items are dense indices `0..n`; the dataset loaders keep the mapping to raw ids and
//! guarantee that index order equals ascending raw-id order (the protocol's tie rule and the
//! split's draw order both depend on it).

/// Sparse rows of (item, weight), items ascending within each row.
#[derive(Debug, Clone, PartialEq)]
pub struct Interactions {
    n_items: usize,
    row_ptr: Vec<usize>,
    items: Vec<u32>,
    weights: Vec<f32>,
}

impl Interactions {
    /// Builds the matrix from per-user rows. Each row is sorted by item and must not repeat an
    /// item; `n_items` bounds the item indices.
    pub fn from_rows(n_items: usize, rows: Vec<Vec<(u32, f32)>>) -> Self {
        let mut row_ptr = Vec::with_capacity(rows.len() + 1);
        row_ptr.push(0);
        let total = rows.iter().map(Vec::len).sum();
        let mut items = Vec::with_capacity(total);
        let mut weights = Vec::with_capacity(total);
        for mut row in rows {
            row.sort_by_key(|&(i, _)| i);
            debug_assert!(row.windows(2).all(|w| w[0].0 != w[1].0), "duplicate item");
            for (i, w) in row {
                debug_assert!((i as usize) < n_items);
                items.push(i);
                weights.push(w);
            }
            row_ptr.push(items.len());
        }
        Interactions {
            n_items,
            row_ptr,
            items,
            weights,
        }
    }

    pub fn n_users(&self) -> usize {
        self.row_ptr.len() - 1
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn nnz(&self) -> usize {
        self.items.len()
    }

    /// The items of user `u`, ascending.
    pub fn items(&self, u: usize) -> &[u32] {
        &self.items[self.row_ptr[u]..self.row_ptr[u + 1]]
    }

    /// The weights (e.g. play counts) aligned with [`Self::items`].
    pub fn weights(&self, u: usize) -> &[f32] {
        &self.weights[self.row_ptr[u]..self.row_ptr[u + 1]]
    }

    /// The transpose: item × user, users ascending within each row.
    pub fn transpose(&self) -> Interactions {
        let mut rows: Vec<Vec<(u32, f32)>> = vec![Vec::new(); self.n_items];
        for u in 0..self.n_users() {
            for (&i, &w) in self.items(u).iter().zip(self.weights(u)) {
                rows[i as usize].push((u as u32, w));
            }
        }
        Interactions::from_rows(self.n_users(), rows)
    }

    /// Number of users per item (binarised popularity).
    pub fn item_degrees(&self) -> Vec<u32> {
        let mut deg = vec![0u32; self.n_items];
        for &i in &self.items {
            deg[i as usize] += 1;
        }
        deg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transpose_round_trips() {
        let m = Interactions::from_rows(
            3,
            vec![vec![(2, 1.0), (0, 5.0)], vec![], vec![(1, 2.0), (2, 3.0)]],
        );
        assert_eq!(m.items(0), &[0, 2]);
        assert_eq!(m.weights(0), &[5.0, 1.0]);
        let t = m.transpose();
        assert_eq!(t.items(2), &[0, 2]);
        assert_eq!(t.weights(2), &[1.0, 3.0]);
        assert_eq!(t.transpose(), m);
        assert_eq!(m.item_degrees(), vec![1, 1, 2]);
    }
}
