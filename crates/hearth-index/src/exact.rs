//! `ExactIndex`: brute-force cosine search over contiguous storage.
//!
//! Rows live in one `Vec<f32>` (row-major, L2-normalised) so a scan streams memory linearly;
//! large scans are split across rayon workers, each keeping its own top-k, merged at the end.
//! With [`ExactStorage::Int8`] a second copy of every row is kept as int8 with a per-row scale;
//! the scan reads that quarter-size copy to pick a shortlist, which is re-ranked with the exact
//! f32 rows, so returned scores are exact cosines.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use rayon::prelude::*;

use crate::kernel::{dot, dot_i8, normalized, quantize_into};
use crate::port::{check_batch, check_k};
use crate::topk::{TopK, Worst};
use crate::{Hit, IndexError, IndexKey, SearchOptions, VectorIndex};

/// How [`ExactIndex`] stores rows for scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactStorage {
    /// Scan the f32 rows directly.
    F32,
    /// Scan an int8 copy, then re-rank a shortlist of `SHORTLIST_FACTOR × k` rows in f32.
    Int8,
}

/// Shortlist size of the int8 path, as a multiple of k (at least [`SHORTLIST_MIN`] rows).
const SHORTLIST_FACTOR: usize = 4;
const SHORTLIST_MIN: usize = 64;
/// Scans touching fewer floats than this run on the calling thread: below it rayon's fork/join
/// cost is comparable to the scan itself.
const PARALLEL_MIN_VALUES: usize = 1 << 18;
/// Rows per parallel work item.
const BLOCK_ROWS: usize = 2048;

#[derive(Default)]
struct Rows {
    ids: Vec<i64>,
    data: Vec<f32>,
    pos: HashMap<i64, u32>,
    quant: Vec<i8>,
    scales: Vec<f32>,
}

/// Exact cosine nearest-neighbour search. See the module docs.
pub struct ExactIndex {
    key: IndexKey,
    storage: ExactStorage,
    rows: RwLock<Rows>,
}

impl ExactIndex {
    pub fn new(key: IndexKey, storage: ExactStorage) -> Result<Self, IndexError> {
        key.validate()?;
        Ok(ExactIndex {
            key,
            storage,
            rows: RwLock::new(Rows::default()),
        })
    }

    pub fn storage(&self) -> ExactStorage {
        self.storage
    }

    // A poisoned lock means a panic happened while holding it; the row arrays are only ever
    // mutated by whole-row pushes/swaps that cannot panic midway, so the data is still coherent.
    fn read(&self) -> RwLockReadGuard<'_, Rows> {
        self.rows.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, Rows> {
        self.rows.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored (normalised) vector of `id`.
    pub fn get(&self, id: i64) -> Option<Vec<f32>> {
        let rows = self.read();
        let dim = self.key.dim;
        rows.pos
            .get(&id)
            .map(|&p| rows.data[p as usize * dim..(p as usize + 1) * dim].to_vec())
    }

    /// Calls `f` with every (id, normalised vector), in storage order.
    pub fn for_each(&self, mut f: impl FnMut(i64, &[f32])) {
        let rows = self.read();
        for (id, v) in rows.ids.iter().zip(rows.data.chunks_exact(self.key.dim)) {
            f(*id, v);
        }
    }

    fn put(&self, rows: &mut Rows, id: i64, unit: &[f32]) {
        let dim = self.key.dim;
        let slot = match rows.pos.get(&id) {
            Some(&p) => p as usize,
            None => {
                let p = rows.ids.len();
                rows.ids.push(id);
                rows.data.resize((p + 1) * dim, 0.0);
                if self.storage == ExactStorage::Int8 {
                    rows.quant.resize((p + 1) * dim, 0);
                    rows.scales.push(0.0);
                }
                rows.pos.insert(id, p as u32);
                p
            }
        };
        rows.data[slot * dim..(slot + 1) * dim].copy_from_slice(unit);
        if self.storage == ExactStorage::Int8 {
            rows.scales[slot] = quantize_into(unit, &mut rows.quant[slot * dim..(slot + 1) * dim]);
        }
    }

    /// Scans rows `[start, end)` in f32 into `top`.
    fn scan_f32(
        &self,
        rows: &Rows,
        q: &[f32],
        range: std::ops::Range<usize>,
        opts: &SearchOptions<'_>,
        top: &mut TopK,
    ) {
        let dim = self.key.dim;
        let data = &rows.data[range.start * dim..range.end * dim];
        for (i, v) in data.chunks_exact(dim).enumerate() {
            let s = dot(q, v);
            if top.admits(s) {
                let slot = range.start + i;
                let id = rows.ids[slot];
                if opts.allows(id) {
                    top.push(Worst {
                        score: s,
                        id,
                        slot: slot as u32,
                    });
                }
            }
        }
    }

    /// Scans rows in int8 into `top`, scoring by the approximate cosine (up to the query scale).
    fn scan_i8(
        &self,
        rows: &Rows,
        q: &[i8],
        range: std::ops::Range<usize>,
        opts: &SearchOptions<'_>,
        top: &mut TopK,
    ) {
        let dim = self.key.dim;
        let data = &rows.quant[range.start * dim..range.end * dim];
        for (i, v) in data.chunks_exact(dim).enumerate() {
            let slot = range.start + i;
            let s = dot_i8(q, v) as f32 * rows.scales[slot];
            if top.admits(s) {
                let id = rows.ids[slot];
                if opts.allows(id) {
                    top.push(Worst {
                        score: s,
                        id,
                        slot: slot as u32,
                    });
                }
            }
        }
    }

    /// Runs `scan` over all rows, in parallel blocks when the table is large.
    fn scan_all(
        &self,
        n: usize,
        keep: usize,
        scan: impl Fn(std::ops::Range<usize>, &mut TopK) + Sync,
    ) -> TopK {
        if n * self.key.dim < PARALLEL_MIN_VALUES || rayon::current_num_threads() < 2 {
            let mut top = TopK::new(keep);
            scan(0..n, &mut top);
            return top;
        }
        let blocks = n.div_ceil(BLOCK_ROWS);
        (0..blocks)
            .into_par_iter()
            .fold(
                || TopK::new(keep),
                |mut top, b| {
                    scan(b * BLOCK_ROWS..((b + 1) * BLOCK_ROWS).min(n), &mut top);
                    top
                },
            )
            .reduce(|| TopK::new(keep), TopK::merge)
    }
}

impl VectorIndex for ExactIndex {
    fn key(&self) -> &IndexKey {
        &self.key
    }

    fn kind_name(&self) -> &'static str {
        match self.storage {
            ExactStorage::F32 => "exact",
            ExactStorage::Int8 => "exact-int8",
        }
    }

    fn upsert(&self, id: i64, vector: &[f32]) -> Result<(), IndexError> {
        let unit = normalized(vector, self.key.dim, "vector")?;
        let mut rows = self.write();
        self.put(&mut rows, id, &unit);
        Ok(())
    }

    fn upsert_batch(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        check_batch(&self.key, ids, vectors)?;
        let dim = self.key.dim;
        // Validate and normalise everything before touching the table: a bad row rejects the
        // whole batch instead of leaving half of it applied.
        let units: Vec<Vec<f32>> = vectors
            .par_chunks_exact(dim)
            .enumerate()
            .map(|(i, v)| normalized(v, dim, &format!("vectors[{i}]")))
            .collect::<Result<_, _>>()?;
        let mut rows = self.write();
        // Exact reservations for big batches: doubling growth would leave up to 2× the rows'
        // memory unused. Small batches keep amortised growth (exact would copy on every call).
        if ids.len() >= 1024 {
            rows.ids.reserve_exact(ids.len());
            rows.data.reserve_exact(ids.len() * dim);
            if self.storage == ExactStorage::Int8 {
                rows.quant.reserve_exact(ids.len() * dim);
                rows.scales.reserve_exact(ids.len());
            }
        }
        for (id, unit) in ids.iter().zip(&units) {
            self.put(&mut rows, *id, unit);
        }
        Ok(())
    }

    fn delete(&self, id: i64) -> Result<bool, IndexError> {
        let dim = self.key.dim;
        let mut rows = self.write();
        let Some(p) = rows.pos.remove(&id) else {
            return Ok(false);
        };
        let p = p as usize;
        let last = rows.ids.len() - 1;
        if p != last {
            // Move the last row into the hole so storage stays contiguous.
            let moved = rows.ids[last];
            rows.ids[p] = moved;
            rows.data.copy_within(last * dim..(last + 1) * dim, p * dim);
            if self.storage == ExactStorage::Int8 {
                rows.quant
                    .copy_within(last * dim..(last + 1) * dim, p * dim);
                rows.scales[p] = rows.scales[last];
            }
            rows.pos.insert(moved, p as u32);
        }
        rows.ids.truncate(last);
        rows.data.truncate(last * dim);
        if self.storage == ExactStorage::Int8 {
            rows.quant.truncate(last * dim);
            rows.scales.truncate(last);
        }
        Ok(true)
    }

    fn contains(&self, id: i64) -> Result<bool, IndexError> {
        Ok(self.read().pos.contains_key(&id))
    }

    fn search(
        &self,
        query: &[f32],
        k: usize,
        opts: &SearchOptions<'_>,
    ) -> Result<Vec<Hit>, IndexError> {
        check_k(k)?;
        let q = normalized(query, self.key.dim, "query")?;
        let rows = self.read();
        let n = rows.ids.len();
        let dim = self.key.dim;
        match self.storage {
            ExactStorage::F32 => {
                let top = self.scan_all(n, k, |r, top| self.scan_f32(&rows, &q, r, opts, top));
                Ok(top.into_hits())
            }
            ExactStorage::Int8 => {
                let mut qq = vec![0i8; dim];
                quantize_into(&q, &mut qq);
                let keep = (k * SHORTLIST_FACTOR).max(SHORTLIST_MIN);
                let shortlist =
                    self.scan_all(n, keep, |r, top| self.scan_i8(&rows, &qq, r, opts, top));
                let mut top = TopK::new(k);
                for c in shortlist.into_sorted() {
                    let slot = c.slot as usize;
                    let s = dot(&q, &rows.data[slot * dim..(slot + 1) * dim]);
                    top.push(Worst { score: s, ..c });
                }
                Ok(top.into_hits())
            }
        }
    }

    fn len(&self) -> Result<usize, IndexError> {
        Ok(self.read().ids.len())
    }

    fn mem_bytes(&self) -> usize {
        let rows = self.read();
        // hashbrown stores (key, value) pairs plus one control byte per bucket, at ≤ 7/8 load.
        let map = rows.pos.capacity() * (std::mem::size_of::<(i64, u32)>() + 1) * 8 / 7;
        rows.ids.capacity() * 8
            + rows.data.capacity() * 4
            + rows.quant.capacity()
            + rows.scales.capacity() * 4
            + map
    }
}
