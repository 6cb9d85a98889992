//! Save/load of HNSW: identical results after a round trip; corrupt or stale files refused.

use std::collections::HashSet;

use hearth_index::synth::Clustered;
use hearth_index::{HnswIndex, HnswParams, IndexError, IndexKey, SearchOptions, VectorIndex};
use proptest::prelude::*;

fn build(n: usize, dim: usize, seed: u64) -> (IndexKey, HnswIndex) {
    let key = IndexKey::new("dsp", 1, dim).unwrap();
    let data = Clustered::new(dim, 10, seed).generator().points(n, 0);
    let ids: Vec<i64> = (0..n as i64).map(|i| i * 7 - 50).collect();
    let index = HnswIndex::new(
        key.clone(),
        HnswParams {
            seed,
            ..HnswParams::default()
        },
    )
    .unwrap();
    index.upsert_batch(&ids, &data).unwrap();
    (key, index)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5, ..ProptestConfig::default() })]

    /// Saving and loading gives bit-identical search results, including tombstones and
    /// exclusions, and the loaded index keeps accepting inserts.
    #[test]
    fn results_identical_after_save_load(seed in any::<u64>(), n in 200usize..1500, dim in 4usize..40) {
        let (key, index) = build(n, dim, seed);
        for id in (0..n as i64).step_by(5).map(|i| i * 7 - 50) {
            index.delete(id).unwrap();
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dsp_v1.hnsw");
        index.save(&path, 42).unwrap();
        let loaded = HnswIndex::load(&path, &key, 42).unwrap();
        prop_assert_eq!(loaded.len().unwrap(), index.len().unwrap());
        prop_assert_eq!(loaded.params(), index.params());
        let queries = Clustered::new(dim, 10, seed).generator().points(20, 1);
        let exclude: HashSet<i64> = (0..n as i64).step_by(3).map(|i| i * 7 - 50).collect();
        for q in queries.chunks_exact(dim) {
            for opts in [SearchOptions::default(), SearchOptions::excluding(&exclude)] {
                let a = index.search(q, 10, &opts).unwrap();
                let b = loaded.search(q, 10, &opts).unwrap();
                prop_assert_eq!(a, b);
            }
        }
        loaded.upsert(1_000_000, &queries[..dim]).unwrap();
        prop_assert_eq!(loaded.search(&queries[..dim], 1, &SearchOptions::default()).unwrap()[0].id, 1_000_000);
    }
}

#[test]
fn corrupt_truncated_and_stale_files_are_refused() {
    let (key, index) = build(500, 16, 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.hnsw");
    index.save(&path, 7).unwrap();
    let good = std::fs::read(&path).unwrap();

    // Any flipped byte: payload, header or checksum.
    for at in [9, 40, good.len() / 2, good.len() - 1] {
        let mut bad = good.clone();
        bad[at] ^= 0x10;
        std::fs::write(&path, &bad).unwrap();
        let err = HnswIndex::load(&path, &key, 7)
            .err()
            .expect("corrupt file accepted");
        assert!(
            matches!(err, IndexError::Corrupt { .. }),
            "byte {at}: {err}"
        );
        assert!(err.means_rebuild());
    }
    std::fs::write(&path, &good[..good.len() - 100]).unwrap();
    assert!(matches!(
        HnswIndex::load(&path, &key, 7),
        Err(IndexError::Corrupt { .. })
    ));
    std::fs::write(&path, b"not an index").unwrap();
    assert!(matches!(
        HnswIndex::load(&path, &key, 7),
        Err(IndexError::Corrupt { .. })
    ));

    std::fs::write(&path, &good).unwrap();
    let other_version = IndexKey::new("dsp", 2, 16).unwrap();
    let other_kind = IndexKey::new("clap", 1, 16).unwrap();
    for (k, fp) in [(&other_version, 7), (&other_kind, 7), (&key, 8)] {
        let err = HnswIndex::load(&path, k, fp)
            .err()
            .expect("stale file accepted");
        assert!(matches!(err, IndexError::Stale { .. }), "{err}");
        assert!(err.means_rebuild());
    }
    assert!(HnswIndex::load(&path, &key, 7).is_ok());

    let missing = HnswIndex::load(&dir.path().join("none"), &key, 7)
        .err()
        .unwrap();
    assert!(matches!(missing, IndexError::Io { .. }) && missing.means_rebuild());
}
