//! HNSW against the exact index: recall, exclusions, deletes, concurrency-free invariants.

use std::collections::HashSet;

use hearth_index::synth::Clustered;
use hearth_index::{
    ExactIndex, ExactStorage, HnswIndex, HnswParams, IndexKey, SearchOptions, VectorIndex,
};
use proptest::prelude::*;

fn build_pair(
    n: usize,
    dim: usize,
    clusters: usize,
    seed: u64,
) -> (ExactIndex, HnswIndex, Vec<f32>) {
    let key = IndexKey::new("dsp", 1, dim).unwrap();
    let data = Clustered::new(dim, clusters, seed).generator().points(n, 0);
    let ids: Vec<i64> = (0..n as i64).collect();
    let exact = ExactIndex::new(key.clone(), ExactStorage::F32).unwrap();
    exact.upsert_batch(&ids, &data).unwrap();
    let params = HnswParams {
        seed,
        ..HnswParams::default()
    };
    let hnsw = HnswIndex::new(key, params).unwrap();
    hnsw.upsert_batch(&ids, &data).unwrap();
    (exact, hnsw, data)
}

fn recall(
    exact: &ExactIndex,
    hnsw: &HnswIndex,
    queries: &[f32],
    dim: usize,
    k: usize,
    opts: &SearchOptions<'_>,
) -> f64 {
    let (mut hit, mut total) = (0usize, 0usize);
    for q in queries.chunks_exact(dim) {
        let want: HashSet<i64> = exact
            .search(q, k, opts)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        let got = hnsw.search(q, k, opts).unwrap();
        hit += got.iter().filter(|h| want.contains(&h.id)).count();
        total += want.len();
    }
    hit as f64 / total.max(1) as f64
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    /// HNSW recall@10 ≥ 0.95 against exact search on random clustered data, with and without
    /// a large exclusion set; excluded ids never appear.
    #[test]
    fn hnsw_recall_at_10_against_exact(
        seed in any::<u64>(),
        n in 1500usize..4000,
        dim in prop::sample::select(vec![8usize, 16, 32, 64]),
        clusters in 4usize..40,
    ) {
        let (exact, hnsw, _) = build_pair(n, dim, clusters, seed);
        let queries = Clustered::new(dim, clusters, seed).generator().points(40, 1);
        let r = recall(&exact, &hnsw, &queries, dim, 10, &SearchOptions::default());
        prop_assert!(r >= 0.95, "recall@10 = {r}");

        let exclude: HashSet<i64> = (0..n as i64).filter(|i| i % 3 == 0).collect();
        let opts = SearchOptions::excluding(&exclude);
        let r = recall(&exact, &hnsw, &queries, dim, 10, &opts);
        prop_assert!(r >= 0.95, "recall@10 with a third excluded = {r}");
        for q in queries.chunks_exact(dim) {
            let got = hnsw.search(q, 10, &opts).unwrap();
            prop_assert_eq!(got.len(), 10);
            prop_assert!(got.iter().all(|h| !exclude.contains(&h.id)));
        }
    }

    /// A random interleaving of upserts and deletes: deleted ids never come back, and `len` and
    /// `contains` track a model set.
    #[test]
    fn deletes_never_come_back(
        ops in prop::collection::vec((0i64..300, any::<bool>(), any::<u32>()), 50..400),
    ) {
        let dim = 8;
        let key = IndexKey::new("dsp", 1, dim).unwrap();
        let hnsw = HnswIndex::new(key, HnswParams { m: 8, ..HnswParams::default() }).unwrap();
        let mut live = HashSet::new();
        for (id, is_delete, salt) in ops {
            if is_delete {
                prop_assert_eq!(hnsw.delete(id).unwrap(), live.remove(&id));
            } else {
                let v: Vec<f32> = (0..dim).map(|j| (((salt as usize >> j) & 7) as f32) - 3.5).collect();
                hnsw.upsert(id, &v).unwrap();
                live.insert(id);
            }
        }
        prop_assert_eq!(hnsw.len().unwrap(), live.len());
        for id in 0..300 {
            prop_assert_eq!(hnsw.contains(id).unwrap(), live.contains(&id));
        }
        for i in 0..10 {
            let q: Vec<f32> = (0..dim).map(|j| ((i * 3 + j) % 7) as f32 - 3.0).collect();
            let got = hnsw.search(&q, 50, &SearchOptions::default()).unwrap();
            prop_assert!(got.iter().all(|h| live.contains(&h.id)), "a deleted id came back");
            prop_assert_eq!(got.len(), live.len().min(50));
        }
        hnsw.compact().unwrap();
        prop_assert_eq!(hnsw.tombstones(), 0);
        prop_assert_eq!(hnsw.len().unwrap(), live.len());
    }
}

/// A profile's 10,000 known tracks, all clustered around the query, are excluded: HNSW must
/// still find the nearest *unknown* tracks (the case plain post-filtering gets wrong).
#[test]
fn hnsw_keeps_recall_when_10k_nearest_are_excluded() {
    let (dim, n) = (32, 40_000);
    let (exact, hnsw, _) = build_pair(n, dim, 20, 99);
    let queries = Clustered::new(dim, 20, 99).generator().points(10, 1);
    let (mut hit, mut total) = (0usize, 0usize);
    for q in queries.chunks_exact(dim) {
        let known: HashSet<i64> = exact
            .search(q, 10_000, &SearchOptions::default())
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        let opts = SearchOptions::excluding(&known);
        let want: HashSet<i64> = exact
            .search(q, 50, &opts)
            .unwrap()
            .iter()
            .map(|h| h.id)
            .collect();
        let got = hnsw.search(q, 50, &opts).unwrap();
        assert_eq!(got.len(), 50);
        assert!(
            got.iter().all(|h| !known.contains(&h.id)),
            "excluded id returned"
        );
        hit += got.iter().filter(|h| want.contains(&h.id)).count();
        total += 50;
    }
    let r = hit as f64 / total as f64;
    assert!(r >= 0.95, "recall@50 with 10k nearest excluded = {r}");
}

/// Updating a vector moves the id: it is found at its new place, never at the old one.
#[test]
fn hnsw_update_moves_vector() {
    let (_, hnsw, data) = build_pair(2000, 16, 8, 5);
    let old = data[..16].to_vec();
    let new: Vec<f32> = data[16 * 1500..16 * 1501].to_vec();
    hnsw.upsert(0, &new).unwrap();
    let at_old = hnsw.search(&old, 5, &SearchOptions::default()).unwrap();
    assert!(at_old
        .iter()
        .all(|h| h.id != 0 || (h.score - hearth_index::dot(&old, &new)).abs() < 1e-5));
    let at_new = hnsw.search(&new, 2, &SearchOptions::default()).unwrap();
    assert!(at_new.iter().any(|h| h.id == 0));
    assert_eq!(hnsw.len().unwrap(), 2000);
    assert_eq!(hnsw.tombstones(), 1);
}

#[test]
fn hnsw_rejects_bad_params() {
    let key = IndexKey::new("dsp", 1, 8).unwrap();
    for p in [
        HnswParams {
            m: 2,
            ..HnswParams::default()
        },
        HnswParams {
            ef_construction: 0,
            ..HnswParams::default()
        },
        HnswParams {
            ef_search: 0,
            ..HnswParams::default()
        },
    ] {
        assert!(HnswIndex::new(key.clone(), p).is_err(), "{p:?}");
    }
}
