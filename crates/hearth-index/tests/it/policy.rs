//! Start-up policy: exact below the threshold, HNSW loaded when its file is trustworthy and
//! rebuilt otherwise; one index per key.

use std::cell::Cell;

use hearth_index::policy::store_fingerprint;
use hearth_index::synth::Clustered;
use hearth_index::{
    IndexError, IndexKey, IndexPolicy, IndexSet, Provenance, StoreSnapshot, VectorIndex,
};

fn fill_from(data: &[f32], dim: usize) -> impl Fn(&dyn VectorIndex) -> Result<(), IndexError> + '_ {
    move |index: &dyn VectorIndex| {
        let ids: Vec<i64> = (0..(data.len() / dim) as i64).collect();
        index.upsert_batch(&ids, data)
    }
}

#[test]
fn small_catalogues_get_exact_large_ones_hnsw_then_load() {
    let dim = 16;
    let key = IndexKey::new("dsp", 1, dim).unwrap();
    let data = Clustered::new(dim, 6, 1).generator().points(600, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = IndexPolicy::index_path(dir.path(), &key);
    let policy = IndexPolicy {
        exact_below: 500,
        ..IndexPolicy::default()
    };

    let small = policy
        .load_or_rebuild(
            &path,
            &key,
            StoreSnapshot {
                count: 400,
                fingerprint: 1,
            },
            fill_from(&data[..400 * dim], dim),
        )
        .unwrap();
    assert_eq!(small.provenance, Provenance::BuiltExact);
    assert_eq!(small.index.kind_name(), "exact");
    assert_eq!(small.index.len().unwrap(), 400);
    assert!(!path.exists(), "exact indexes are not persisted");

    let snap = StoreSnapshot {
        count: 600,
        fingerprint: store_fingerprint(&[600, 12345]),
    };
    let built = policy
        .load_or_rebuild(&path, &key, snap, fill_from(&data, dim))
        .unwrap();
    assert!(
        matches!(
            built.provenance,
            Provenance::Rebuilt {
                save_error: None,
                ..
            }
        ),
        "{:?}",
        built.provenance
    );
    assert_eq!(built.index.kind_name(), "hnsw");
    assert!(path.exists());

    let calls = Cell::new(0);
    let loaded = policy
        .load_or_rebuild(&path, &key, snap, |_| {
            calls.set(calls.get() + 1);
            Ok(())
        })
        .unwrap();
    assert_eq!(loaded.provenance, Provenance::Loaded);
    assert_eq!(calls.get(), 0, "a valid file must not trigger a rebuild");
    assert_eq!(loaded.index.len().unwrap(), 600);

    // The store changed: the file is stale and rebuilt, never trusted.
    let changed = StoreSnapshot {
        count: 600,
        fingerprint: store_fingerprint(&[600, 12346]),
    };
    let rebuilt = policy
        .load_or_rebuild(&path, &key, changed, fill_from(&data, dim))
        .unwrap();
    match rebuilt.provenance {
        Provenance::Rebuilt { reason, .. } => assert!(reason.contains("stale"), "{reason}"),
        other => panic!("expected a rebuild, got {other:?}"),
    }

    // Corrupt file: rebuilt.
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xFF;
    std::fs::write(&path, bytes).unwrap();
    let again = policy
        .load_or_rebuild(&path, &key, changed, fill_from(&data, dim))
        .unwrap();
    match again.provenance {
        Provenance::Rebuilt { reason, .. } => assert!(reason.contains("corrupt"), "{reason}"),
        other => panic!("expected a rebuild, got {other:?}"),
    }

    // A file of another version is stale for this key.
    let v2 = IndexKey::new("dsp", 2, dim).unwrap();
    let other = policy
        .load_or_rebuild(&path, &v2, changed, fill_from(&data, dim))
        .unwrap();
    assert!(matches!(other.provenance, Provenance::Rebuilt { .. }));
}

#[test]
fn index_set_never_mixes_versions() {
    let policy = IndexPolicy::default();
    let v1 = IndexKey::new("dsp", 1, 8).unwrap();
    let v2 = IndexKey::new("dsp", 2, 8).unwrap();
    let mut set = IndexSet::new();
    set.insert(policy.empty_for(&v1, 10).unwrap());
    assert!(matches!(set.get(&v2), Err(IndexError::NotFound(_))));
    set.insert(policy.empty_for(&v2, 10).unwrap());
    assert_eq!(set.get(&v2).unwrap().key(), &v2);
    assert_eq!(set.latest("dsp").unwrap().key(), &v2);
    assert!(set.latest("clap").is_none());
}
