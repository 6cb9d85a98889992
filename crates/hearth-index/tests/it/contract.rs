//! The behavioural contract of `VectorIndex`, shared by every implementation. `pg.rs` runs the
//! same functions against PostgreSQL.

use std::collections::HashSet;
use std::sync::Arc;

use hearth_index::synth::Clustered;
use hearth_index::{
    ExactIndex, ExactStorage, Hit, HnswIndex, HnswParams, IndexError, IndexKey, SearchOptions,
    VectorIndex,
};

/// Makes an empty index for a key. `exact` says whether results must equal brute force exactly.
pub struct Subject {
    pub make: Box<dyn Fn(IndexKey) -> Arc<dyn VectorIndex>>,
    pub exact: bool,
}

pub fn in_process_subjects() -> Vec<(&'static str, Subject)> {
    vec![
        (
            "exact",
            Subject {
                make: Box::new(|k| Arc::new(ExactIndex::new(k, ExactStorage::F32).unwrap())),
                exact: true,
            },
        ),
        (
            "exact-int8",
            Subject {
                make: Box::new(|k| Arc::new(ExactIndex::new(k, ExactStorage::Int8).unwrap())),
                exact: true,
            },
        ),
        (
            "hnsw",
            Subject {
                make: Box::new(|k| Arc::new(HnswIndex::new(k, HnswParams::default()).unwrap())),
                exact: false,
            },
        ),
    ]
}

fn key(dim: usize) -> IndexKey {
    IndexKey::new("dsp", 1, dim).unwrap()
}

/// Brute-force reference over (id, unit vector) pairs.
pub fn reference(
    data: &[(i64, Vec<f32>)],
    q: &[f32],
    k: usize,
    allow: impl Fn(i64) -> bool,
) -> Vec<Hit> {
    let qn = hearth_index::normalized(q, q.len(), "q").unwrap();
    let mut all: Vec<Hit> = data
        .iter()
        .filter(|(id, _)| allow(*id))
        .map(|(id, v)| Hit {
            id: *id,
            score: hearth_index::dot(&qn, &hearth_index::normalized(v, v.len(), "v").unwrap()),
        })
        .collect();
    all.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    all.truncate(k);
    all
}

fn dataset(n: usize, dim: usize, seed: u64) -> Vec<(i64, Vec<f32>)> {
    let flat = Clustered::new(dim, 8, seed).generator().points(n, 0);
    flat.chunks_exact(dim)
        .enumerate()
        .map(|(i, v)| (1000 + i as i64 * 3, v.to_vec()))
        .collect()
}

fn load(index: &dyn VectorIndex, data: &[(i64, Vec<f32>)]) {
    let ids: Vec<i64> = data.iter().map(|(id, _)| *id).collect();
    let flat: Vec<f32> = data.iter().flat_map(|(_, v)| v.iter().copied()).collect();
    index.upsert_batch(&ids, &flat).unwrap();
}

/// Results are sorted, unique, allowed, with true cosine scores; and match the reference
/// exactly (exact subjects) or at recall ≥ 0.9 (approximate ones).
fn check_results(
    subject: &Subject,
    got: &[Hit],
    want: &[Hit],
    data: &[(i64, Vec<f32>)],
    q: &[f32],
    allow: impl Fn(i64) -> bool,
) {
    assert_eq!(got.len(), want.len(), "result count");
    let ids: HashSet<i64> = got.iter().map(|h| h.id).collect();
    assert_eq!(ids.len(), got.len(), "duplicate ids");
    for w in got.windows(2) {
        assert!(w[0].score >= w[1].score - 1e-6, "not sorted: {w:?}");
    }
    let qn = hearth_index::normalized(q, q.len(), "q").unwrap();
    for h in got {
        assert!(allow(h.id), "disallowed id {} returned", h.id);
        let v = &data
            .iter()
            .find(|(id, _)| *id == h.id)
            .expect("unknown id")
            .1;
        let true_score =
            hearth_index::dot(&qn, &hearth_index::normalized(v, v.len(), "v").unwrap());
        assert!(
            (h.score - true_score).abs() < 1e-4,
            "score {} vs {}",
            h.score,
            true_score
        );
    }
    let want_ids: HashSet<i64> = want.iter().map(|h| h.id).collect();
    let overlap = ids.intersection(&want_ids).count();
    if subject.exact {
        // Ties at the k-th score may legitimately swap; compare scores in that case.
        for (g, w) in got.iter().zip(want) {
            assert!((g.score - w.score).abs() < 1e-5, "got {g:?} want {w:?}");
        }
    } else {
        assert!(
            overlap as f64 >= 0.9 * want.len() as f64,
            "recall {overlap}/{}",
            want.len()
        );
    }
}

pub fn contract_rejects_bad_input(s: &Subject) {
    let index = (s.make)(key(8));
    let err = index.upsert(1, &[1.0; 7]).unwrap_err();
    assert!(
        matches!(err, IndexError::InvalidInput { ref field, .. } if field == "vector"),
        "{err}"
    );
    assert!(err.to_string().contains("7 components"), "{err}");
    assert!(matches!(
        index.upsert(1, &[0.0; 8]),
        Err(IndexError::InvalidInput { .. })
    ));
    assert!(matches!(
        index.upsert(1, &[f32::NAN; 8]),
        Err(IndexError::InvalidInput { .. })
    ));
    index.upsert(1, &[1.0; 8]).unwrap();
    assert!(matches!(
        index.search(&[1.0; 9], 5, &SearchOptions::default()),
        Err(IndexError::InvalidInput { ref field, .. }) if field == "query"
    ));
    assert!(matches!(
        index.search(&[1.0; 8], 0, &SearchOptions::default()),
        Err(IndexError::InvalidInput { ref field, .. }) if field == "k"
    ));
    assert!(matches!(
        index.upsert_batch(&[1, 2], &[1.0; 8]),
        Err(IndexError::InvalidInput { ref field, .. }) if field == "vectors"
    ));
    assert_eq!(index.len().unwrap(), 1, "rejected inputs changed the index");
}

pub fn contract_empty_and_small(s: &Subject) {
    let index = (s.make)(key(4));
    assert!(index.is_empty().unwrap());
    assert!(index
        .search(&[1.0, 0.0, 0.0, 0.0], 3, &SearchOptions::default())
        .unwrap()
        .is_empty());
    index.upsert(7, &[1.0, 0.0, 0.0, 0.0]).unwrap();
    index.upsert(8, &[0.0, 2.0, 0.0, 0.0]).unwrap();
    let hits = index
        .search(&[3.0, 0.1, 0.0, 0.0], 10, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![7, 8]);
    assert!(hits[0].score > 0.99 && hits[0].score <= 1.0001);
}

pub fn contract_search_matches_reference(s: &Subject) {
    let data = dataset(600, 24, 11);
    let index = (s.make)(key(24));
    load(index.as_ref(), &data);
    assert_eq!(index.len().unwrap(), data.len());
    let queries = Clustered::new(24, 8, 11).generator().points(10, 1);
    for q in queries.chunks_exact(24) {
        let got = index.search(q, 10, &SearchOptions::default()).unwrap();
        let want = reference(&data, q, 10, |_| true);
        check_results(s, &got, &want, &data, q, |_| true);
    }
}

pub fn contract_upsert_replaces(s: &Subject) {
    let data = dataset(300, 16, 12);
    let index = (s.make)(key(16));
    load(index.as_ref(), &data);
    let target = data[5].0;
    let new_vec: Vec<f32> = (0..16).map(|i| if i == 3 { 1.0 } else { 0.0 }).collect();
    index.upsert(target, &new_vec).unwrap();
    assert_eq!(
        index.len().unwrap(),
        data.len(),
        "upsert of an existing id grew the index"
    );
    let hits = index
        .search(&new_vec, 1, &SearchOptions::default())
        .unwrap();
    assert_eq!(hits[0].id, target);
    assert!((hits[0].score - 1.0).abs() < 1e-5);
    // Batch with a repeated id: the last row wins.
    let a: Vec<f32> = (0..16).map(|i| if i == 0 { 1.0 } else { 0.0 }).collect();
    let b: Vec<f32> = (0..16).map(|i| if i == 1 { 1.0 } else { 0.0 }).collect();
    let flat: Vec<f32> = a.iter().chain(&b).copied().collect();
    index.upsert_batch(&[-1, -1], &flat).unwrap();
    assert_eq!(index.len().unwrap(), data.len() + 1);
    let top = index.search(&b, 1, &SearchOptions::default()).unwrap();
    assert_eq!(top[0].id, -1);
    assert!((top[0].score - 1.0).abs() < 1e-5);
}

pub fn contract_delete(s: &Subject) {
    let data = dataset(400, 16, 13);
    let index = (s.make)(key(16));
    load(index.as_ref(), &data);
    let gone: HashSet<i64> = data.iter().step_by(3).map(|(id, _)| *id).collect();
    for id in &gone {
        assert!(index.delete(*id).unwrap());
        assert!(
            !index.delete(*id).unwrap(),
            "second delete reported presence"
        );
        assert!(!index.contains(*id).unwrap());
    }
    assert!(!index.delete(-999).unwrap());
    assert_eq!(index.len().unwrap(), data.len() - gone.len());
    let live: Vec<(i64, Vec<f32>)> = data
        .iter()
        .filter(|(id, _)| !gone.contains(id))
        .cloned()
        .collect();
    for (id, v) in data.iter().step_by(3).take(10) {
        let hits = index.search(v, 20, &SearchOptions::default()).unwrap();
        assert!(
            hits.iter().all(|h| !gone.contains(&h.id)),
            "deleted id came back"
        );
        assert!(!hits.iter().any(|h| h.id == *id));
        let want = reference(&live, v, 20, |_| true);
        check_results(s, &hits, &want, &live, v, |_| true);
    }
}

pub fn contract_exclusion_and_filter(s: &Subject) {
    let data = dataset(800, 16, 14);
    let index = (s.make)(key(16));
    load(index.as_ref(), &data);
    let q = &data[0].1;
    // Exclude the 300 nearest: the allowed answer lies beyond an all-excluded neighbourhood.
    let nearest = reference(&data, q, 300, |_| true);
    let exclude: HashSet<i64> = nearest.iter().map(|h| h.id).collect();
    let got = index
        .search(q, 10, &SearchOptions::excluding(&exclude))
        .unwrap();
    let want = reference(&data, q, 10, |id| !exclude.contains(&id));
    check_results(s, &got, &want, &data, q, |id| !exclude.contains(&id));

    let odd = |id: i64| id % 2 == 1;
    let opts = SearchOptions {
        filter: Some(&odd),
        ..Default::default()
    };
    let got = index.search(q, 15, &opts).unwrap();
    let want = reference(&data, q, 15, odd);
    check_results(s, &got, &want, &data, q, odd);

    // Everything excluded but three ids: exactly those three come back.
    let keep: HashSet<i64> = [data[10].0, data[500].0, data[700].0].into();
    let all_but: HashSet<i64> = data
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !keep.contains(id))
        .collect();
    let got = index
        .search(q, 10, &SearchOptions::excluding(&all_but))
        .unwrap();
    assert_eq!(got.iter().map(|h| h.id).collect::<HashSet<_>>(), keep);
}

pub fn contract_concurrent_search_during_inserts(s: &Subject) {
    let data = dataset(1200, 16, 15);
    let index = (s.make)(key(16));
    load(index.as_ref(), &data[..400]);
    let all: HashSet<i64> = data.iter().map(|(id, _)| *id).collect();
    std::thread::scope(|scope| {
        let idx = index.clone();
        let writer = scope.spawn(move || {
            for chunk in data[400..].chunks(50) {
                load(idx.as_ref(), chunk);
            }
        });
        for _ in 0..2 {
            let idx = index.clone();
            let all = &all;
            scope.spawn(move || {
                for i in 0..40 {
                    let q: Vec<f32> = (0..16).map(|j| ((i * 7 + j) % 5) as f32 - 2.0).collect();
                    if q.iter().all(|x| *x == 0.0) {
                        continue;
                    }
                    let hits = idx.search(&q, 10, &SearchOptions::default()).unwrap();
                    assert_eq!(hits.len(), 10);
                    assert!(hits.iter().all(|h| all.contains(&h.id)));
                }
            });
        }
        writer.join().unwrap();
    });
    assert_eq!(index.len().unwrap(), 1200);
}

/// Runs the whole contract against one subject.
pub fn run_contract(s: &Subject) {
    contract_rejects_bad_input(s);
    contract_empty_and_small(s);
    contract_search_matches_reference(s);
    contract_upsert_replaces(s);
    contract_delete(s);
    contract_exclusion_and_filter(s);
    contract_concurrent_search_during_inserts(s);
}

#[test]
fn contract_exact() {
    run_contract(&in_process_subjects().remove(0).1);
}

#[test]
fn contract_exact_int8() {
    run_contract(&in_process_subjects().remove(1).1);
}

#[test]
fn contract_hnsw() {
    run_contract(&in_process_subjects().remove(2).1);
}
