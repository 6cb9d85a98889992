//! `HnswIndex`: our own hierarchical navigable small-world graph (Malkov & Yashunin 2016).
//!
//! Layout, chosen for memory (≤ 1.3 × the raw f32 vectors at 512-d) and lock-free reads:
//! * nodes are *slots* `u32`; `ids[slot]` is the track id, `vectors` holds rows contiguously;
//! * layer-0 neighbour lists are one flat `Vec<AtomicU32>` with a fixed stride of `1 + 2M`
//!   (count, then ids) — no per-node allocation;
//! * the ~1/M nodes that reach upper layers keep `level × (1 + M)` atomics in a map.
//!
//! Concurrency: structural changes (new slots, deletes, loading) take the write lock briefly;
//! linking new nodes into the graph runs under the *read* lock, in parallel, writing neighbour
//! lists through atomics and serialising writers of one list by a striped mutex. Searches take
//! the read lock too, so they run while a batch is being linked; a concurrent reader may see a
//! list mid-update, but every entry it can see is a valid, fully written slot.
//!
//! Deletes are tombstones: a deleted node still routes searches but is never returned. An upsert
//! of an existing id tombstones the old slot and inserts a new one. [`HnswIndex::compact`]
//! rebuilds without tombstones.
//!
//! Filtered search (exclusion sets, filters, tombstones) walks through disallowed nodes without
//! counting them as results (so the search does not stop early when the query's neighbourhood is
//! all excluded), widens `ef` in proportion to the excluded share, and falls back to an exact
//! scan when the allowed set is small.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering as AtomicOrdering};
use std::sync::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use crate::kernel::{dot, normalized};
use crate::persist::{IndexReader, IndexWriter, TYPE_HNSW};
use crate::port::{check_batch, check_k};
use crate::topk::{TopK, Worst};
use crate::{Hit, IndexError, IndexKey, SearchOptions, VectorIndex};

/// Tuning of an [`HnswIndex`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HnswParams {
    /// Neighbours per node on upper layers; layer 0 keeps up to `2 M`. 4..=64.
    pub m: usize,
    /// Candidate list size while inserting. Larger builds slower and searches better.
    pub ef_construction: usize,
    /// Default candidate list size while searching (raised to k when smaller).
    pub ef_search: usize,
    /// Seed of the level draws.
    pub seed: u64,
}

impl Default for HnswParams {
    fn default() -> Self {
        HnswParams {
            m: 16,
            ef_construction: 100,
            ef_search: 64,
            seed: 0x4845_4152_5448,
        }
    }
}

impl HnswParams {
    pub fn validate(&self) -> Result<(), IndexError> {
        if !(4..=64).contains(&self.m) {
            return Err(IndexError::invalid(
                "m",
                format!("{} is outside 4..=64", self.m),
            ));
        }
        if !(1..=4096).contains(&self.ef_construction) {
            return Err(IndexError::invalid(
                "ef_construction",
                format!("{} is outside 1..=4096", self.ef_construction),
            ));
        }
        if !(1..=100_000).contains(&self.ef_search) {
            return Err(IndexError::invalid(
                "ef_search",
                format!("{} is outside 1..=100000", self.ef_search),
            ));
        }
        Ok(())
    }
}

/// Below this many allowed nodes a filtered search scans them exactly instead of walking.
const EXACT_FALLBACK_MAX: usize = 2048;
/// When fewer than 1 in this many nodes is allowed, scan exactly: the walk would visit most of
/// the graph anyway.
const EXACT_FALLBACK_RATIO: usize = 20;
/// Upper bound on the adaptive widening of ef under exclusions.
const EF_WIDEN_MAX: usize = 8;
const LOCK_STRIPES: usize = 1024;
/// Batches at least this large reserve memory exactly.
const BIG_BATCH: usize = 1024;
const NO_ENTRY: u64 = u64::MAX;

/// A graph node at a distance; ordered by distance, then slot (deterministic).
#[derive(Debug, Clone, Copy)]
struct Near {
    dist: f32,
    slot: u32,
}
impl PartialEq for Near {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Near {}
impl PartialOrd for Near {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Near {
    fn cmp(&self, o: &Self) -> Ordering {
        self.dist.total_cmp(&o.dist).then(self.slot.cmp(&o.slot))
    }
}

/// Visited marks reused across searches (generation counter, no clearing per search).
struct Visited {
    marks: Vec<u32>,
    generation: u32,
}
impl Visited {
    fn prepare(&mut self, n: usize) {
        if self.marks.len() < n {
            self.marks.resize(n, 0);
        }
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.marks.fill(0);
            self.generation = 1;
        }
    }
    /// Marks `s`; returns true when it was not yet visited.
    #[inline]
    fn insert(&mut self, s: u32) -> bool {
        let m = &mut self.marks[s as usize];
        if *m == self.generation {
            false
        } else {
            *m = self.generation;
            true
        }
    }
}

struct Graph {
    dim: usize,
    m: usize,
    vectors: Vec<f32>,
    ids: Vec<i64>,
    levels: Vec<u8>,
    deleted: Vec<bool>,
    /// Layer 0: `slots × (1 + 2M)`: count, then neighbour slots.
    links0: Vec<AtomicU32>,
    /// Layers ≥ 1 of nodes with level > 0: `level × (1 + M)`.
    upper: HashMap<u32, Box<[AtomicU32]>>,
    pos: HashMap<i64, u32>,
    /// Entry point: `level << 32 | slot`, or `NO_ENTRY`.
    entry: AtomicU64,
    tombstones: usize,
}

impl Graph {
    fn new(dim: usize, m: usize) -> Self {
        Graph {
            dim,
            m,
            vectors: Vec::new(),
            ids: Vec::new(),
            levels: Vec::new(),
            deleted: Vec::new(),
            links0: Vec::new(),
            upper: HashMap::new(),
            pos: HashMap::new(),
            entry: AtomicU64::new(NO_ENTRY),
            tombstones: 0,
        }
    }

    fn slots(&self) -> usize {
        self.ids.len()
    }

    #[inline]
    fn vector(&self, s: u32) -> &[f32] {
        let s = s as usize;
        &self.vectors[s * self.dim..(s + 1) * self.dim]
    }

    #[inline]
    fn dist_to(&self, q: &[f32], s: u32) -> f32 {
        1.0 - dot(q, self.vector(s))
    }

    fn stride0(&self) -> usize {
        1 + 2 * self.m
    }

    /// The neighbour list of `s` on `layer` (atomics: count, then slots).
    #[inline]
    fn list(&self, s: u32, layer: usize) -> &[AtomicU32] {
        if layer == 0 {
            let st = self.stride0();
            &self.links0[s as usize * st..(s as usize + 1) * st]
        } else {
            let st = 1 + self.m;
            let all = &self.upper[&s];
            &all[(layer - 1) * st..layer * st]
        }
    }

    fn neighbours(&self, s: u32, layer: usize, out: &mut Vec<u32>) {
        out.clear();
        let l = self.list(s, layer);
        let n = (l[0].load(AtomicOrdering::Acquire) as usize).min(l.len() - 1);
        out.extend(l[1..=n].iter().map(|a| a.load(AtomicOrdering::Relaxed)));
    }

    fn set_list(&self, s: u32, layer: usize, nbrs: &[u32]) {
        let l = self.list(s, layer);
        let n = nbrs.len().min(l.len() - 1);
        for (a, &v) in l[1..=n].iter().zip(nbrs) {
            a.store(v, AtomicOrdering::Relaxed);
        }
        l[0].store(n as u32, AtomicOrdering::Release);
    }

    fn entry(&self) -> Option<(u32, usize)> {
        let e = self.entry.load(AtomicOrdering::Acquire);
        (e != NO_ENTRY).then_some((e as u32, (e >> 32) as usize))
    }

    /// Greedy walk on one upper layer towards `q`.
    fn greedy(&self, q: &[f32], mut cur: Near, layer: usize, buf: &mut Vec<u32>) -> Near {
        loop {
            let mut improved = false;
            self.neighbours(cur.slot, layer, buf);
            for &nb in buf.iter() {
                let d = self.dist_to(q, nb);
                if d < cur.dist {
                    cur = Near { dist: d, slot: nb };
                    improved = true;
                }
            }
            if !improved {
                return cur;
            }
        }
    }

    /// Beam search on `layer`. Returns up to `ef` nodes accepted by `allow`, nearest first.
    /// Disallowed nodes are expanded like any other (they route) but never fill the result
    /// list, so the stopping bound stays open until `ef` allowed nodes were found.
    fn search_layer(
        &self,
        q: &[f32],
        entries: &[Near],
        ef: usize,
        layer: usize,
        allow: &dyn Fn(u32) -> bool,
        visited: &mut Visited,
    ) -> Vec<Near> {
        let mut candidates: BinaryHeap<Reverse<Near>> = BinaryHeap::new();
        let mut results: BinaryHeap<Near> = BinaryHeap::with_capacity(ef + 1);
        for &e in entries {
            if visited.insert(e.slot) {
                candidates.push(Reverse(e));
                if allow(e.slot) {
                    results.push(e);
                    if results.len() > ef {
                        results.pop();
                    }
                }
            }
        }
        let mut buf = Vec::with_capacity(2 * self.m);
        while let Some(Reverse(c)) = candidates.pop() {
            if results.len() >= ef && results.peek().is_some_and(|w| c.dist > w.dist) {
                break;
            }
            self.neighbours(c.slot, layer, &mut buf);
            for &nb in &buf {
                if !visited.insert(nb) {
                    continue;
                }
                let d = self.dist_to(q, nb);
                let bound_open = results.len() < ef || results.peek().is_some_and(|w| d < w.dist);
                if bound_open {
                    let n = Near { dist: d, slot: nb };
                    candidates.push(Reverse(n));
                    if allow(nb) {
                        results.push(n);
                        if results.len() > ef {
                            results.pop();
                        }
                    }
                }
            }
        }
        let mut v = results.into_vec();
        v.sort();
        v
    }

    /// The neighbour-selection heuristic: keep a candidate only if it is closer to the base node
    /// than to every neighbour kept so far. Spreads links across directions, which keeps
    /// clustered data navigable. `sorted` is nearest first.
    fn select(&self, sorted: &[Near], max: usize) -> Vec<u32> {
        let mut kept: Vec<Near> = Vec::with_capacity(max);
        for &c in sorted {
            if kept.len() >= max {
                break;
            }
            let cv = self.vector(c.slot);
            let diverse = kept
                .iter()
                .all(|k| 1.0 - dot(cv, self.vector(k.slot)) > c.dist);
            if diverse {
                kept.push(c);
            }
        }
        kept.into_iter().map(|n| n.slot).collect()
    }
}

/// An HNSW approximate nearest-neighbour index. See the module docs.
pub struct HnswIndex {
    key: IndexKey,
    params: HnswParams,
    graph: RwLock<Graph>,
    stripes: Vec<Mutex<()>>,
    /// Held for a whole insert that raises the top level, so two nodes never race to become
    /// the entry point.
    top: Mutex<()>,
    pool: Mutex<Vec<Visited>>,
}

impl HnswIndex {
    pub fn new(key: IndexKey, params: HnswParams) -> Result<Self, IndexError> {
        key.validate()?;
        params.validate()?;
        Ok(HnswIndex {
            graph: RwLock::new(Graph::new(key.dim, params.m)),
            key,
            params,
            stripes: (0..LOCK_STRIPES).map(|_| Mutex::new(())).collect(),
            top: Mutex::new(()),
            pool: Mutex::new(Vec::new()),
        })
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    // Poisoning means a panic while a guard was held. Slot arrays only grow by whole pushes and
    // neighbour lists are atomics, so the graph is still a valid (if less connected) graph.
    fn read(&self) -> RwLockReadGuard<'_, Graph> {
        self.graph.read().unwrap_or_else(|e| e.into_inner())
    }
    fn write(&self) -> RwLockWriteGuard<'_, Graph> {
        self.graph.write().unwrap_or_else(|e| e.into_inner())
    }
    fn stripe(&self, s: u32) -> std::sync::MutexGuard<'_, ()> {
        self.stripes[s as usize % LOCK_STRIPES]
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
    fn visited(&self, n: usize) -> Visited {
        let mut v = self
            .pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or(Visited {
                marks: Vec::new(),
                generation: 0,
            });
        v.prepare(n);
        v
    }
    fn give_back(&self, v: Visited) {
        self.pool.lock().unwrap_or_else(|e| e.into_inner()).push(v);
    }

    /// Number of deleted-but-not-compacted nodes.
    pub fn tombstones(&self) -> usize {
        self.read().tombstones
    }

    /// The stored (normalised) vector of `id`.
    pub fn get(&self, id: i64) -> Option<Vec<f32>> {
        let g = self.read();
        g.pos.get(&id).map(|&s| g.vector(s).to_vec())
    }

    fn draw_level(&self, slot: usize) -> u8 {
        // Per-slot stream: the level of a slot does not depend on thread scheduling.
        let mut rng = ChaCha8Rng::seed_from_u64(self.params.seed);
        rng.set_stream(slot as u64);
        let u: f64 = rng.gen_range(f64::EPSILON..1.0);
        let ml = 1.0 / (self.params.m as f64).ln();
        ((-u.ln() * ml).floor() as usize).min(30) as u8
    }

    /// Phase 1 (write lock): appends the rows as unlinked slots, tombstoning replaced ids.
    /// Returns the new slot range.
    fn reserve(&self, ids: &[i64], units: &[Vec<f32>]) -> std::ops::Range<usize> {
        let mut g = self.write();
        let start = g.slots();
        let st0 = g.stride0();
        let m = g.m;
        // Exact reservations for big batches: doubling growth would leave up to 2× the vectors'
        // memory unused. Small batches keep amortised growth (exact would copy on every call).
        let (dim, extra) = (g.dim, ids.len());
        if extra >= BIG_BATCH {
            g.vectors.reserve_exact(extra * dim);
            g.links0.reserve_exact(extra * st0);
            g.ids.reserve_exact(extra);
            g.levels.reserve_exact(extra);
            g.deleted.reserve_exact(extra);
        }
        for (i, (&id, unit)) in ids.iter().zip(units).enumerate() {
            if let Some(old) = g.pos.remove(&id) {
                g.deleted[old as usize] = true;
                g.tombstones += 1;
            }
            let slot = start + i;
            let level = self.draw_level(slot);
            g.vectors.extend_from_slice(unit);
            g.ids.push(id);
            g.levels.push(level);
            g.deleted.push(false);
            g.links0.extend((0..st0).map(|_| AtomicU32::new(0)));
            if level > 0 {
                let upper: Box<[AtomicU32]> = (0..level as usize * (1 + m))
                    .map(|_| AtomicU32::new(0))
                    .collect();
                g.upper.insert(slot as u32, upper);
            }
            g.pos.insert(id, slot as u32);
        }
        start..g.slots()
    }

    /// Phase 2 (read lock): links one reserved slot into the graph.
    fn link(&self, g: &Graph, s: u32, visited: &mut Visited) {
        let level = g.levels[s as usize] as usize;
        let _top_guard;
        let (ep, max_level) = match g.entry() {
            Some(e) if level <= e.1 => e,
            _ => {
                _top_guard = self.top.lock().unwrap_or_else(|e| e.into_inner());
                match g.entry() {
                    None => {
                        g.entry
                            .store((level as u64) << 32 | u64::from(s), AtomicOrdering::Release);
                        return;
                    }
                    Some(e) => e,
                }
            }
        };
        let q = g.vector(s);
        let mut buf = Vec::new();
        let mut cur = Near {
            dist: g.dist_to(q, ep),
            slot: ep,
        };
        for layer in (level + 1..=max_level).rev() {
            cur = g.greedy(q, cur, layer, &mut buf);
        }
        let mut entries = vec![cur];
        let all = |_: u32| true;
        for layer in (0..=level.min(max_level)).rev() {
            visited.prepare(g.slots());
            let mut found = g.search_layer(
                q,
                &entries,
                self.params.ef_construction,
                layer,
                &all,
                visited,
            );
            found.retain(|n| n.slot != s);
            let chosen = g.select(&found, g.m);
            {
                let _l = self.stripe(s);
                g.set_list(s, layer, &chosen);
            }
            let cap = if layer == 0 { 2 * g.m } else { g.m };
            for &nb in &chosen {
                let _l = self.stripe(nb);
                g.neighbours(nb, layer, &mut buf);
                if buf.contains(&s) {
                    continue;
                }
                if buf.len() < cap {
                    buf.push(s);
                    g.set_list(nb, layer, &buf);
                } else {
                    let base = g.vector(nb);
                    let mut cands: Vec<Near> = buf
                        .iter()
                        .chain(std::iter::once(&s))
                        .map(|&x| Near {
                            dist: 1.0 - dot(base, g.vector(x)),
                            slot: x,
                        })
                        .collect();
                    cands.sort();
                    let pruned = g.select(&cands, cap);
                    g.set_list(nb, layer, &pruned);
                }
            }
            if !found.is_empty() {
                entries = found;
            }
        }
        if level > max_level {
            g.entry
                .store((level as u64) << 32 | u64::from(s), AtomicOrdering::Release);
        }
    }

    fn insert_units(&self, ids: &[i64], units: &[Vec<f32>]) {
        if ids.is_empty() {
            return;
        }
        let range = self.reserve(ids, units);
        let g = self.read();
        let n = g.slots();
        let link_range = |r: std::ops::Range<usize>| {
            let mut visited = self.visited(n);
            for s in r {
                self.link(&g, s as u32, &mut visited);
            }
            self.give_back(visited);
        };
        // The first few nodes are linked serially so parallel workers start from a graph with
        // a real entry point and neighbourhood, not from one isolated node each.
        let serial_end = range.end.min(range.start.max(64));
        link_range(range.start..serial_end);
        const CHUNK: usize = 256;
        let rest: Vec<std::ops::Range<usize>> = (serial_end..range.end)
            .step_by(CHUNK)
            .map(|a| a..(a + CHUNK).min(range.end))
            .collect();
        rest.into_par_iter().for_each(link_range);
    }

    /// Rebuilds the graph from the live nodes, dropping tombstones. Searches keep running on the
    /// old graph until the new one is swapped in; writes wait.
    pub fn compact(&self) -> Result<(), IndexError> {
        let (ids, units) = {
            let g = self.read();
            let mut ids = Vec::with_capacity(g.pos.len());
            let mut units = Vec::with_capacity(g.pos.len());
            for s in 0..g.slots() {
                if !g.deleted[s] {
                    ids.push(g.ids[s]);
                    units.push(g.vector(s as u32).to_vec());
                }
            }
            (ids, units)
        };
        let fresh = HnswIndex::new(self.key.clone(), self.params)?;
        fresh.insert_units(&ids, &units);
        let new_graph = fresh.graph.into_inner().unwrap_or_else(|e| e.into_inner());
        *self.write() = new_graph;
        Ok(())
    }

    /// Exact top-k over allowed live nodes (the fallback of very selective filters).
    fn scan(&self, g: &Graph, q: &[f32], k: usize, opts: &SearchOptions<'_>) -> Vec<Hit> {
        let n = g.slots();
        let scan_range = |r: std::ops::Range<usize>, top: &mut TopK| {
            for s in r {
                if g.deleted[s] {
                    continue;
                }
                let score = dot(q, g.vector(s as u32));
                if top.admits(score) && opts.allows(g.ids[s]) {
                    top.push(Worst {
                        score,
                        id: g.ids[s],
                        slot: s as u32,
                    });
                }
            }
        };
        const BLOCK: usize = 4096;
        (0..n.div_ceil(BLOCK))
            .into_par_iter()
            .fold(
                || TopK::new(k),
                |mut top, b| {
                    scan_range(b * BLOCK..((b + 1) * BLOCK).min(n), &mut top);
                    top
                },
            )
            .reduce(|| TopK::new(k), TopK::merge)
            .into_hits()
    }

    /// Estimated number of live nodes `opts` allows.
    fn allowed_estimate(&self, g: &Graph, opts: &SearchOptions<'_>) -> usize {
        let live = g.pos.len();
        let mut allowed = live.saturating_sub(opts.exclude.map_or(0, |e| e.len()));
        if let Some(f) = opts.filter {
            // Sample evenly spread live slots to estimate the filter's selectivity.
            let n = g.slots();
            let step = (n / 256).max(1);
            let (mut seen, mut pass) = (0usize, 0usize);
            for s in (0..n).step_by(step) {
                if !g.deleted[s] {
                    seen += 1;
                    pass += usize::from(f(g.ids[s]));
                }
            }
            if let Some(a) = (allowed * pass).checked_div(seen) {
                allowed = a;
            }
        }
        allowed
    }

    /// Saves the index to `path` (atomically: temp file + rename). `fingerprint` summarises the
    /// store contents the index was built from; [`HnswIndex::load`] refuses a different one.
    pub fn save(&self, path: &Path, fingerprint: u64) -> Result<(), IndexError> {
        // The write lock keeps inserts out while the graph is written (a consistent snapshot).
        let g = self.write();
        let mut w = IndexWriter::create(path)?;
        w.header(TYPE_HNSW, &self.key, fingerprint)?;
        w.u32(self.params.m as u32)?;
        w.u32(self.params.ef_construction as u32)?;
        w.u32(self.params.ef_search as u32)?;
        w.u64(self.params.seed)?;
        w.u64(g.slots() as u64)?;
        w.u64(g.entry.load(AtomicOrdering::Acquire))?;
        for s in 0..g.slots() {
            w.i64(g.ids[s])?;
            w.u8(g.levels[s])?;
            w.u8(u8::from(g.deleted[s]))?;
        }
        w.f32s(&g.vectors)?;
        w.u32s(g.links0.iter().map(|a| a.load(AtomicOrdering::Relaxed)))?;
        for s in 0..g.slots() {
            if g.levels[s] > 0 {
                w.u32s(
                    g.upper[&(s as u32)]
                        .iter()
                        .map(|a| a.load(AtomicOrdering::Relaxed)),
                )?;
            }
        }
        w.finish()
    }

    /// Loads an index saved by [`HnswIndex::save`], verifying checksum, key and fingerprint.
    /// Fails with [`IndexError::Corrupt`] / [`IndexError::Stale`] rather than trusting a file.
    pub fn load(path: &Path, key: &IndexKey, fingerprint: u64) -> Result<Self, IndexError> {
        let mut r = IndexReader::open(path)?;
        r.expect_header(TYPE_HNSW, key, fingerprint)?;
        let params = HnswParams {
            m: r.u32()? as usize,
            ef_construction: r.u32()? as usize,
            ef_search: r.u32()? as usize,
            seed: r.u64()?,
        };
        params.validate().map_err(|e| r.corrupt(e.to_string()))?;
        let slots = r.u64()? as usize;
        let entry = r.u64()?;
        if slots > u32::MAX as usize {
            return Err(r.corrupt("slot count exceeds u32"));
        }
        let index = HnswIndex::new(key.clone(), params)?;
        let mut g = Graph::new(key.dim, params.m);
        g.ids.reserve(slots);
        for _ in 0..slots {
            g.ids.push(r.i64()?);
            g.levels.push(r.u8()?);
            g.deleted.push(r.u8()? != 0);
        }
        g.vectors = r.f32s(slots * key.dim)?;
        let st0 = 1 + 2 * params.m;
        let check = |v: u32, cap: usize, r: &IndexReader| -> Result<(), IndexError> {
            if v as usize > cap {
                Err(r.corrupt("neighbour count above capacity"))
            } else {
                Ok(())
            }
        };
        let links0 = r.u32s(slots * st0)?;
        for (i, chunk) in links0.chunks_exact(st0).enumerate() {
            check(chunk[0], 2 * params.m, &r)?;
            if chunk[1..=chunk[0] as usize]
                .iter()
                .any(|&x| x as usize >= slots)
            {
                return Err(r.corrupt(format!("slot {i}: neighbour out of range")));
            }
        }
        g.links0 = links0.into_iter().map(AtomicU32::new).collect();
        for s in 0..slots {
            let level = g.levels[s] as usize;
            if level > 0 {
                let raw = r.u32s(level * (1 + params.m))?;
                for chunk in raw.chunks_exact(1 + params.m) {
                    check(chunk[0], params.m, &r)?;
                    if chunk[1..=chunk[0] as usize]
                        .iter()
                        .any(|&x| x as usize >= slots)
                    {
                        return Err(r.corrupt(format!("slot {s}: upper neighbour invalid")));
                    }
                }
                g.upper
                    .insert(s as u32, raw.into_iter().map(AtomicU32::new).collect());
            }
        }
        r.finish()?;
        for s in 0..slots {
            if g.deleted[s] {
                g.tombstones += 1;
            } else if g.pos.insert(g.ids[s], s as u32).is_some() {
                return Err(r.corrupt(format!("id {} is live twice", g.ids[s])));
            }
        }
        if entry != NO_ENTRY {
            let (es, el) = (entry as u32 as usize, (entry >> 32) as usize);
            if es >= slots || g.levels[es] as usize != el {
                return Err(r.corrupt("entry point invalid"));
            }
        } else if slots > 0 {
            return Err(r.corrupt("entry point missing"));
        }
        // Upper-layer neighbours must themselves reach that layer, or a walk would index a
        // missing list; check per layer now that all levels are known.
        for (&s, lists) in &g.upper {
            let st = 1 + params.m;
            for (layer0, chunk) in lists.chunks_exact(st).enumerate() {
                let layer = layer0 + 1;
                let n = chunk[0].load(AtomicOrdering::Relaxed) as usize;
                if chunk[1..=n]
                    .iter()
                    .any(|x| (g.levels[x.load(AtomicOrdering::Relaxed) as usize] as usize) < layer)
                {
                    return Err(r.corrupt(format!("slot {s}: layer-{layer} neighbour too low")));
                }
            }
        }
        g.entry = AtomicU64::new(entry);
        *index.write() = g;
        Ok(index)
    }
}

impl VectorIndex for HnswIndex {
    fn key(&self) -> &IndexKey {
        &self.key
    }

    fn kind_name(&self) -> &'static str {
        "hnsw"
    }

    fn upsert(&self, id: i64, vector: &[f32]) -> Result<(), IndexError> {
        let unit = normalized(vector, self.key.dim, "vector")?;
        self.insert_units(&[id], &[unit]);
        Ok(())
    }

    fn upsert_batch(&self, ids: &[i64], vectors: &[f32]) -> Result<(), IndexError> {
        check_batch(&self.key, ids, vectors)?;
        let dim = self.key.dim;
        let units: Vec<Vec<f32>> = vectors
            .par_chunks_exact(dim)
            .enumerate()
            .map(|(i, v)| normalized(v, dim, &format!("vectors[{i}]")))
            .collect::<Result<_, _>>()?;
        // Last occurrence of a repeated id wins; earlier ones are never inserted.
        let mut last: HashMap<i64, usize> = HashMap::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            last.insert(id, i);
        }
        if last.len() == ids.len() {
            self.insert_units(ids, &units);
        } else {
            let keep: Vec<usize> = (0..ids.len()).filter(|&i| last[&ids[i]] == i).collect();
            let ids2: Vec<i64> = keep.iter().map(|&i| ids[i]).collect();
            let units2: Vec<Vec<f32>> = keep.iter().map(|&i| units[i].clone()).collect();
            self.insert_units(&ids2, &units2);
        }
        Ok(())
    }

    fn delete(&self, id: i64) -> Result<bool, IndexError> {
        let mut g = self.write();
        match g.pos.remove(&id) {
            Some(s) => {
                g.deleted[s as usize] = true;
                g.tombstones += 1;
                Ok(true)
            }
            None => Ok(false),
        }
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
        let g = self.read();
        let Some((ep, max_level)) = g.entry() else {
            return Ok(Vec::new());
        };
        let live = g.pos.len();
        if live == 0 {
            return Ok(Vec::new());
        }
        let ef = opts.ef_search.unwrap_or(self.params.ef_search).max(k);
        let restricted = !opts.is_unrestricted();
        let allowed = if restricted {
            self.allowed_estimate(&g, opts)
        } else {
            live
        };
        if restricted
            && (allowed <= EXACT_FALLBACK_MAX.max(4 * ef) || allowed * EXACT_FALLBACK_RATIO < live)
        {
            return Ok(self.scan(&g, &q, k, opts));
        }
        // Widen the beam in proportion to the share of nodes that cannot be results.
        let ef = if allowed < live {
            (ef * live / allowed.max(1)).min(ef * EF_WIDEN_MAX)
        } else {
            ef
        };
        let mut buf = Vec::new();
        let mut cur = Near {
            dist: g.dist_to(&q, ep),
            slot: ep,
        };
        for layer in (1..=max_level).rev() {
            cur = g.greedy(&q, cur, layer, &mut buf);
        }
        let mut visited = self.visited(g.slots());
        let allow = |s: u32| !g.deleted[s as usize] && opts.allows(g.ids[s as usize]);
        let found = g.search_layer(&q, &[cur], ef, 0, &allow, &mut visited);
        self.give_back(visited);
        let mut top = TopK::new(k);
        for n in found {
            top.push(Worst {
                // Recomputed rather than 1 − dist so scores are bit-identical to a dot product.
                score: dot(&q, g.vector(n.slot)),
                id: g.ids[n.slot as usize],
                slot: n.slot,
            });
        }
        let hits = top.into_hits();
        // Deletions can cut the region around the entry point off from the rest of the graph
        // (the tombstoned nodes still route, but a re-linked upsert may not). A short answer
        // while enough nodes are allowed means the walk was stranded: answer exactly instead,
        // so a search never silently returns fewer than min(k, allowed) hits. `compact()`
        // rebuilds the links and makes this path rare again.
        if hits.len() < k.min(allowed) {
            return Ok(self.scan(&g, &q, k, opts));
        }
        Ok(hits)
    }

    fn len(&self) -> Result<usize, IndexError> {
        Ok(self.read().pos.len())
    }

    fn mem_bytes(&self) -> usize {
        let g = self.read();
        let upper: usize = g.upper.values().map(|b| b.len() * 4 + 16).sum::<usize>()
            + g.upper.capacity() * (4 + 16 + 1) * 8 / 7;
        let map = g.pos.capacity() * (12 + 1) * 8 / 7;
        g.vectors.capacity() * 4
            + g.ids.capacity() * 8
            + g.levels.capacity()
            + g.deleted.capacity()
            + g.links0.capacity() * 4
            + upper
            + map
            + self
                .pool
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .map(|v| v.marks.capacity() * 4)
                .sum::<usize>()
    }
}
