use super::*;
use proptest::prelude::*;
use rstest::rstest;

const DAY: i64 = 86_400_000;
const NOW: UnixMs = 1_700_000_000_000;

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

fn cos(a: &[f32], b: &[f32]) -> f64 {
    let d = dot64(a, b);
    let na = dot64(a, a).sqrt();
    let nb = dot64(b, b).sqrt();
    d / (na * nb)
}

/// A unit axis vector plus Gaussian noise of scale `noise`.
fn around(axis: usize, dim: usize, noise: f64, rng: &mut SeededRng) -> Vec<f32> {
    (0..dim)
        .map(|i| (if i == axis { 1.0 } else { 0.0 } + noise * rng.normal()) as f32)
        .collect()
}

fn axis(i: usize, dim: usize) -> Vec<f32> {
    (0..dim).map(|j| if j == i { 1.0 } else { 0.0 }).collect()
}

#[test]
fn recency_halves_every_half_life() {
    assert_eq!(recency(0, 30.0), 1.0);
    assert!(close(recency(30 * DAY, 30.0), 0.5, 1e-12));
    assert!(close(recency(60 * DAY, 30.0), 0.25, 1e-12));
    assert!(close(recency(15 * DAY, 30.0), 0.5f64.sqrt(), 1e-12));
    assert!(close(decay_factor(NOW, NOW - 30 * DAY, 30.0), 2.0, 1e-12));
}

#[rstest]
#[case(None, false, 1.0)]
#[case(Some(1.0), false, 1.0)]
#[case(Some(0.4), false, 0.4)]
#[case(Some(1.7), false, 1.0)]
#[case(Some(0.9), true, -0.5)]
#[case(None, true, -0.5)]
fn listen_signals(#[case] fraction: Option<f64>, #[case] skipped: bool, #[case] want: f64) {
    assert_eq!(listen_signal(fraction, skipped), want);
}

#[rstest]
#[case(FeedbackKind::Love, 2.0)]
#[case(FeedbackKind::Favorite, 2.0)]
#[case(FeedbackKind::Like, 1.0)]
#[case(FeedbackKind::Dislike, -1.0)]
#[case(FeedbackKind::Hate, -3.0)]
#[case(FeedbackKind::BadRecommendation, -1.0)]
#[case(FeedbackKind::Play, 1.0)]
#[case(FeedbackKind::Skip, -0.5)]
fn feedback_signals(#[case] kind: FeedbackKind, #[case] want: f64) {
    assert_eq!(feedback_signal(kind), want);
}

#[test]
fn listen_event_computes_played_fraction() {
    let e = TasteEvent::listen(TrackId(1), NOW, Some(60_000), Some(240_000), false);
    assert_eq!(e.signal(), 0.25);
    let e = TasteEvent::listen(TrackId(1), NOW, Some(60_000), None, false);
    assert_eq!(e.signal(), 1.0);
    let e = TasteEvent::listen(TrackId(1), NOW, Some(600_000), Some(240_000), false);
    assert_eq!(e.signal(), 1.0);
}

#[test]
fn track_weight_is_sum_of_decayed_signals() {
    // Full play now (1.0) + skip 30 days ago (−0.5 × 0.5) + like 60 days ago (+1 × 0.25)
    // + hate 90 days ago (−3 × 0.125) = 1.0 − 0.25 + 0.25 − 0.375 = 0.625.
    let t = TrackId(7);
    let events = vec![
        TasteEvent::listen(t, NOW, None, None, false),
        TasteEvent::listen(t, NOW - 30 * DAY, None, None, true),
        TasteEvent::feedback(t, NOW - 60 * DAY, FeedbackKind::Like),
        TasteEvent::feedback(t, NOW - 90 * DAY, FeedbackKind::Hate),
    ];
    let vectors = HashMap::from([(t, vec![3.0, 4.0])]);
    let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    assert!(close(p.track_weight_at(t, NOW).unwrap(), 0.625, 1e-12));
    // 30 days later the same weight has halved.
    assert!(close(
        p.track_weight_at(t, NOW + 30 * DAY).unwrap(),
        0.3125,
        1e-12
    ));
    let c = p.centroids_at(NOW);
    assert_eq!(c.len(), 1);
    assert!(close(c[0].mass, 0.625, 1e-12));
    assert!(close(c[0].share, 1.0, 1e-12));
    // Normalised [3, 4] = [0.6, 0.8].
    assert!(close(c[0].vector[0] as f64, 0.6, 1e-6));
    assert!(close(c[0].vector[1] as f64, 0.8, 1e-6));
    assert_eq!(p.n_events(), 4);
    assert_eq!(p.built_at(), NOW);
    assert_eq!(c[0].plays, 1.0);
    assert_eq!(c[0].skips, 1.0);
}

#[test]
fn negative_weights_form_avoid_directions() {
    let events = vec![
        TasteEvent::listen(TrackId(1), NOW, None, None, false),
        TasteEvent::feedback(TrackId(2), NOW, FeedbackKind::Hate),
        TasteEvent::feedback(TrackId(3), NOW, FeedbackKind::Dislike),
    ];
    let vectors = HashMap::from([
        (TrackId(1), axis(0, 4)),
        (TrackId(2), axis(1, 4)),
        (TrackId(3), vec![0.0, 1.0, 0.1, 0.0]),
    ]);
    let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    let avoid = p.avoid_at(NOW);
    assert_eq!(
        avoid.len(),
        1,
        "two close dislikes make one avoid direction"
    );
    assert!(close(avoid[0].mass, 4.0, 1e-9));
    assert!(cos(&avoid[0].vector, &axis(1, 4)) > 0.99);
    assert_eq!(p.centroids_at(NOW).len(), 1);
    assert_eq!(p.tracks()[&TrackId(2)].slot, Some(Slot::Avoid(0)));
    assert_eq!(p.exemplars(Slot::Avoid(0), 5), vec![TrackId(2), TrackId(3)]);
    let s = p.summary(NOW, 1);
    assert_eq!(s.clusters.len(), 1);
    assert_eq!(s.clusters[0].exemplars, vec![TrackId(1)]);
    assert_eq!(s.avoid[0].exemplars, vec![TrackId(2)]);
    assert_eq!((s.known_tracks, s.n_events), (3, 3));
}

/// Events over 90 days for `tracks` (each with a vector), mixing plays, skips and feedback.
fn history(n: usize, tracks: &[TrackId], seed: u64) -> Vec<TasteEvent> {
    let mut rng = SeededRng::new(seed);
    let kinds = [
        FeedbackKind::Like,
        FeedbackKind::Love,
        FeedbackKind::Dislike,
        FeedbackKind::Hate,
        FeedbackKind::BadRecommendation,
    ];
    let mut ts = NOW - 90 * DAY;
    (0..n)
        .map(|_| {
            ts += (rng.next_f64() * 2.0 * 90.0 * DAY as f64 / n as f64) as i64;
            let t = tracks[rng.below(tracks.len() as u64) as usize];
            let r = rng.next_f64();
            if r < 0.7 {
                TasteEvent::listen(
                    t,
                    ts,
                    Some((rng.next_f64() * 300_000.0) as i64),
                    Some(200_000),
                    false,
                )
            } else if r < 0.85 {
                TasteEvent::listen(t, ts, None, None, true)
            } else {
                TasteEvent::feedback(t, ts, kinds[rng.below(5) as usize])
            }
        })
        .collect()
}

fn assert_accumulators_agree(a: &[Accumulator], b: &[Accumulator], tol: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!(close(x.mass, y.mass, tol), "mass {} vs {}", x.mass, y.mass);
        for (s, t) in x.sum.iter().zip(&y.sum) {
            assert!(close(*s, *t, tol), "sum {s} vs {t}");
        }
    }
}

#[test]
fn incremental_equals_rebuild_for_single_centroid() {
    let params = TasteParams {
        max_centroids: 1,
        max_avoid_centroids: 1,
        ..TasteParams::default()
    };
    let mut rng = SeededRng::new(3);
    let tracks: Vec<TrackId> = (0..40).map(TrackId).collect();
    let vectors: HashMap<TrackId, Vec<f32>> = tracks
        .iter()
        .map(|&t| (t, (0..24).map(|_| rng.normal() as f32).collect()))
        .collect();
    let events = history(400, &tracks, 17);
    let half = events.len() / 2;
    let mut inc =
        TasteProfile::build(&events[..half], &vectors, events[half - 1].ts, &params).unwrap();
    for e in &events[half..] {
        inc.apply(e, Some(&vectors[&e.track_id])).unwrap();
    }
    let now = events.last().unwrap().ts;
    let full = TasteProfile::build(&events, &vectors, now, &params).unwrap();
    assert_eq!(inc.reference_ms(), full.reference_ms());
    assert_eq!(inc.n_events(), full.n_events());
    let (ic, ia) = inc.accumulators();
    let (fc, fa) = full.accumulators();
    assert_accumulators_agree(ic, fc, 1e-6);
    assert_accumulators_agree(ia, fa, 1e-6);
    for (id, t) in full.tracks() {
        let w = inc.track_weight_at(*id, now).unwrap();
        assert!(close(w, t.weight, 1e-9), "{id}: {w} vs {}", t.weight);
    }
    let (a, b) = (inc.mean_vector().unwrap(), full.mean_vector().unwrap());
    assert!(cos(&a, &b) > 0.999_999);
}

/// Matches each centroid of `a` to the most similar centroid of `b`.
fn matched(a: &[CentroidView], b: &[CentroidView]) -> Vec<(usize, usize)> {
    a.iter()
        .enumerate()
        .map(|(i, x)| {
            let j = (0..b.len())
                .max_by(|&p, &q| {
                    cos(&x.vector, &b[p].vector).total_cmp(&cos(&x.vector, &b[q].vector))
                })
                .unwrap();
            (i, j)
        })
        .collect()
}

#[test]
fn incremental_agrees_with_rebuild_for_two_clusters() {
    let dim = 16;
    let mut rng = SeededRng::new(5);
    let tracks: Vec<TrackId> = (0..60).map(TrackId).collect();
    // Tracks 0..30 around axis 0, 30..60 around axis 5: assignment cannot be ambiguous.
    let vectors: HashMap<TrackId, Vec<f32>> = tracks
        .iter()
        .map(|&t| (t, around(if t.0 < 30 { 0 } else { 5 }, dim, 0.1, &mut rng)))
        .collect();
    // Positive-only history so every track keeps its cluster.
    let mut events: Vec<TasteEvent> = Vec::new();
    let mut ts = NOW - 60 * DAY;
    for i in 0..300 {
        ts += DAY / 5;
        let t = tracks[rng.below(60) as usize];
        if i % 10 == 3 {
            events.push(TasteEvent::feedback(t, ts, FeedbackKind::Like));
        } else {
            events.push(TasteEvent::listen(t, ts, None, None, false));
        }
    }
    let params = TasteParams::default();
    let first = 150;
    let mut inc =
        TasteProfile::build(&events[..first], &vectors, events[first - 1].ts, &params).unwrap();
    assert_eq!(inc.centroids_at(inc.reference_ms()).len(), 2);
    for e in &events[first..] {
        inc.apply(e, Some(&vectors[&e.track_id])).unwrap();
    }
    let now = events.last().unwrap().ts;
    let full = TasteProfile::build(&events, &vectors, now, &params).unwrap();
    let ic = inc.centroids_at(now);
    let fc = full.centroids_at(now);
    assert_eq!(ic.len(), 2);
    assert_eq!(fc.len(), 2);
    let m = matched(&ic, &fc);
    assert_ne!(m[0].1, m[1].1);
    for (i, j) in m {
        assert!(
            close(ic[i].mass, fc[j].mass, 1e-6),
            "{} vs {}",
            ic[i].mass,
            fc[j].mass
        );
        assert!(cos(&ic[i].vector, &fc[j].vector) > 0.999);
    }
}

#[test]
fn multimodal_listener_gets_two_centroids_and_single_lands_between() {
    let dim = 32;
    let mut rng = SeededRng::new(8);
    let mut vectors = HashMap::new();
    let mut events = Vec::new();
    for i in 0..40 {
        let id = TrackId(i);
        // Metal around axis 0 (heavier), ballads around axis 1.
        vectors.insert(id, around(if i < 25 { 0 } else { 1 }, dim, 0.08, &mut rng));
        events.push(TasteEvent::listen(id, NOW - i * DAY, None, None, false));
    }
    let multi = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    let c = multi.centroids_at(NOW);
    assert_eq!(c.len(), 2);
    assert!(cos(&c[0].vector, &axis(0, dim)) > 0.95 || cos(&c[0].vector, &axis(1, dim)) > 0.95);
    assert!(c[0].mass >= c[1].mass, "numbered by mass");
    assert!(close(c[0].share + c[1].share, 1.0, 1e-12));
    let single = TasteProfile::build(
        &events,
        &vectors,
        NOW,
        &TasteParams {
            max_centroids: 1,
            ..TasteParams::default()
        },
    )
    .unwrap();
    let s = single.centroids_at(NOW);
    assert_eq!(s.len(), 1);
    let (c0, c1) = (
        cos(&s[0].vector, &axis(0, dim)),
        cos(&s[0].vector, &axis(1, dim)),
    );
    assert!(
        c0 > 0.3 && c1 > 0.3 && c0 < 0.95 && c1 < 0.95,
        "between: {c0} {c1}"
    );
    // The pooled mean of the multi-centroid profile is that same single direction.
    assert!(cos(&multi.mean_vector().unwrap(), &s[0].vector) > 0.9999);
}

#[test]
fn one_tight_blob_stays_one_centroid() {
    let dim = 32;
    let mut rng = SeededRng::new(13);
    let mut vectors = HashMap::new();
    let mut events = Vec::new();
    for i in 0..80 {
        vectors.insert(TrackId(i), around(3, dim, 0.1, &mut rng));
        events.push(TasteEvent::listen(TrackId(i), NOW, None, None, false));
    }
    let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    assert_eq!(p.centroids_at(NOW).len(), 1);
}

#[test]
fn light_cluster_below_min_mass_is_dissolved() {
    let dim = 8;
    let mut vectors = HashMap::new();
    let mut events = Vec::new();
    for i in 0..40 {
        vectors.insert(TrackId(i), axis(0, dim));
        events.push(TasteEvent::listen(TrackId(i), NOW, None, None, false));
    }
    // Three far tracks: 3/43 ≈ 7 % of the mass, above the default 5 % minimum.
    for i in 100..103 {
        vectors.insert(TrackId(i), axis(4, dim));
        events.push(TasteEvent::listen(TrackId(i), NOW, None, None, false));
    }
    let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    assert_eq!(p.centroids_at(NOW).len(), 2);
    // With a 10 % minimum that cluster is too light and is merged away.
    let p = TasteProfile::build(
        &events,
        &vectors,
        NOW,
        &TasteParams {
            min_cluster_mass: 0.10,
            ..TasteParams::default()
        },
    )
    .unwrap();
    assert_eq!(p.centroids_at(NOW).len(), 1);
    assert!(p.tracks().values().all(|t| t.slot == Some(Slot::Taste(0))));
}

#[test]
fn no_more_centroids_than_distinct_vectors() {
    let mut vectors = HashMap::new();
    let mut events = Vec::new();
    for i in 0..10 {
        vectors.insert(TrackId(i), axis((i % 2) as usize, 4));
        events.push(TasteEvent::listen(TrackId(i), NOW, None, None, false));
    }
    let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    assert_eq!(p.centroids_at(NOW).len(), 2);
}

#[test]
fn degenerate_inputs_never_produce_nan() {
    let params = TasteParams::default();
    // Empty history.
    let p = TasteProfile::build(&[], &HashMap::new(), NOW, &params).unwrap();
    assert!(p.centroids_at(NOW).is_empty());
    assert!(p.mean_vector().is_none());
    // Single item; zero vector; missing vector.
    let events = vec![
        TasteEvent::listen(TrackId(1), NOW, None, None, false),
        TasteEvent::listen(TrackId(2), NOW, None, None, false),
        TasteEvent::listen(TrackId(3), NOW, None, None, false),
    ];
    let vectors = HashMap::from([(TrackId(1), vec![1.0, 2.0]), (TrackId(2), vec![0.0, 0.0])]);
    let p = TasteProfile::build(&events, &vectors, NOW, &params).unwrap();
    assert_eq!(p.centroids_at(NOW).len(), 1);
    assert!(p.knows(TrackId(2)) && p.knows(TrackId(3)));
    assert_eq!(p.tracks()[&TrackId(3)].slot, None);
    // Two antipodal items of equal weight.
    let vectors = HashMap::from([(TrackId(1), vec![1.0, 0.0]), (TrackId(2), vec![-1.0, 0.0])]);
    let p = TasteProfile::build(&events[..2], &vectors, NOW, &params).unwrap();
    for c in p.centroids_at(NOW) {
        assert!(c.vector.iter().all(|x| x.is_finite()));
    }
}

#[test]
fn dimension_mismatch_is_refused_with_the_track() {
    let events = vec![
        TasteEvent::listen(TrackId(1), NOW, None, None, false),
        TasteEvent::listen(TrackId(2), NOW, None, None, false),
    ];
    let vectors = HashMap::from([
        (TrackId(1), vec![1.0, 2.0]),
        (TrackId(2), vec![1.0, 2.0, 3.0]),
    ]);
    match TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()) {
        Err(CoreError::InvalidInput { field, reason }) => {
            assert_eq!(field, "vector");
            assert!(reason.contains("track 2"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn apply_needs_the_vector_of_a_placed_track() {
    let mut p = TasteProfile::empty(TasteParams::default(), NOW).unwrap();
    let e = TasteEvent::listen(TrackId(1), NOW, None, None, false);
    p.apply(&e, Some(&[1.0, 0.0])).unwrap();
    assert!(matches!(
        p.apply(&e, None),
        Err(CoreError::InvalidInput { .. })
    ));
    // An unplaced track (no vector yet) is still tracked.
    p.apply(
        &TasteEvent::listen(TrackId(2), NOW, None, None, false),
        None,
    )
    .unwrap();
    assert!(p.knows(TrackId(2)));
    assert_eq!(p.n_events(), 2);
}

#[test]
fn a_track_that_turns_negative_moves_to_avoid() {
    let mut p = TasteProfile::empty(TasteParams::default(), NOW).unwrap();
    let v = [0.0f32, 1.0, 0.0];
    p.apply(
        &TasteEvent::listen(TrackId(1), NOW, None, None, false),
        Some(&v),
    )
    .unwrap();
    assert_eq!(p.tracks()[&TrackId(1)].slot, Some(Slot::Taste(0)));
    p.apply(
        &TasteEvent::feedback(TrackId(1), NOW, FeedbackKind::Hate),
        Some(&v),
    )
    .unwrap();
    assert_eq!(p.tracks()[&TrackId(1)].slot, Some(Slot::Avoid(0)));
    assert!(p.centroids_at(NOW).is_empty());
    let a = p.avoid_at(NOW);
    assert!(close(a[0].mass, 2.0, 1e-12));
}

#[test]
fn profile_round_trips_through_json() {
    let mut rng = SeededRng::new(2);
    let tracks: Vec<TrackId> = (0..10).map(TrackId).collect();
    let vectors: HashMap<TrackId, Vec<f32>> = tracks
        .iter()
        .map(|&t| (t, (0..8).map(|_| rng.normal() as f32).collect()))
        .collect();
    let p = TasteProfile::build(
        &history(50, &tracks, 1),
        &vectors,
        NOW,
        &TasteParams::default(),
    )
    .unwrap();
    let json = serde_json::to_string(&p).unwrap();
    let back: TasteProfile = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
}

#[test]
fn rebuild_is_deterministic() {
    let mut rng = SeededRng::new(21);
    let tracks: Vec<TrackId> = (0..50).map(TrackId).collect();
    let vectors: HashMap<TrackId, Vec<f32>> = tracks
        .iter()
        .map(|&t| (t, (0..12).map(|_| rng.normal() as f32).collect()))
        .collect();
    let events = history(300, &tracks, 4);
    let a = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    let b = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
    assert_eq!(a, b);
}

#[test]
fn needs_rebuild_after_many_events() {
    let mut p = TasteProfile::empty(TasteParams::default(), NOW).unwrap();
    assert!(!p.needs_rebuild());
    for i in 0..60 {
        p.apply(
            &TasteEvent::listen(TrackId(i % 3), NOW + i, None, None, false),
            Some(&[1.0, (i % 3) as f32 * 0.1]),
        )
        .unwrap();
    }
    assert!(p.needs_rebuild());
}

#[test]
fn params_are_validated() {
    let bad = [
        TasteParams {
            half_life_days: 0.0,
            ..TasteParams::default()
        },
        TasteParams {
            max_centroids: 0,
            ..TasteParams::default()
        },
        TasteParams {
            min_cluster_mass: 1.0,
            ..TasteParams::default()
        },
    ];
    for p in bad {
        assert!(p.validate().is_err(), "{p:?}");
    }
}

#[test]
fn mood_vector_weights_recent_listens_highest() {
    let a = [1.0f32, 0.0];
    let b = [0.0f32, 1.0];
    // Newest is `a` (weight 1), then `b` (0.85), then a listen without vector (0.85², skipped),
    // then `b` again at 0.85³ = 0.614125 — but the window is 3, so it is ignored.
    let recent = vec![
        (NOW - 2, None),
        (NOW, Some(&a[..])),
        (NOW - 1, Some(&b[..])),
        (NOW - 3, Some(&b[..])),
    ];
    let m = mood_vector(
        &recent,
        &MoodParams {
            window_size: 3,
            decay_rate: 0.85,
        },
    )
    .unwrap()
    .unwrap();
    assert!(close(m[0] as f64, 1.0 / 1.85, 1e-6));
    assert!(close(m[1] as f64, 0.85 / 1.85, 1e-6));
    assert_eq!(mood_vector(&[], &MoodParams::default()).unwrap(), None);
    let bad = vec![
        (NOW, Some(&a[..])),
        (NOW - 1, Some(&[1.0f32, 2.0, 3.0][..])),
    ];
    assert!(mood_vector(&bad, &MoodParams::default()).is_err());
}

#[rstest]
#[case(0, 0.0)]
#[case(4, 0.0)]
#[case(5, 1.0 - (-0.25f64).exp())]
#[case(10, 1.0 - (-0.5f64).exp())]
fn staleness_formula(#[case] plays: u32, #[case] want: f64) {
    assert!(close(
        staleness(plays, &StalenessParams::default()),
        want,
        1e-12
    ));
}

#[test]
fn recent_plays_counts_the_window() {
    let ts = [
        NOW,
        NOW - DAY,
        NOW - 29 * DAY,
        NOW - 30 * DAY,
        NOW - 31 * DAY,
        NOW + DAY,
    ];
    assert_eq!(recent_plays(&ts, NOW, 30.0), 3);
}

proptest! {
    #[test]
    fn build_never_yields_non_finite_numbers(
        raw in proptest::collection::vec(
            (0i64..12, proptest::collection::vec(-2.0f32..2.0, 3), 0u8..4, 0i64..100), 0..40),
        seed: u64,
    ) {
        let mut vectors = HashMap::new();
        let mut events = Vec::new();
        for (id, v, kind, age) in &raw {
            // Some vectors are exactly zero or duplicated through the small id space.
            let v = if *kind == 3 { vec![0.0; 3] } else { v.clone() };
            vectors.entry(TrackId(*id)).or_insert(v);
            let e = match kind {
                0 => TasteEvent::listen(TrackId(*id), NOW - age * DAY, None, None, false),
                1 => TasteEvent::listen(TrackId(*id), NOW - age * DAY, None, None, true),
                _ => TasteEvent::feedback(TrackId(*id), NOW - age * DAY, FeedbackKind::Hate),
            };
            events.push(e);
        }
        let params = TasteParams { seed, ..TasteParams::default() };
        let p = TasteProfile::build(&events, &vectors, NOW, &params).unwrap();
        let views = p.centroids_at(NOW);
        prop_assert!(views.len() <= params.max_centroids);
        for c in views.iter().chain(p.avoid_at(NOW).iter()) {
            prop_assert!(c.mass.is_finite() && c.share.is_finite());
            prop_assert!(c.vector.iter().all(|x| x.is_finite()));
            let n: f64 = c.vector.iter().map(|x| (*x as f64).powi(2)).sum();
            prop_assert!((n - 1.0).abs() < 1e-4);
        }
        // Incremental replay from empty never fails or produces NaN either.
        let mut inc = TasteProfile::empty(params, NOW - 200 * DAY).unwrap();
        let mut sorted = events.clone();
        sorted.sort_by_key(|e| e.ts);
        for e in &sorted {
            inc.apply(e, vectors.get(&e.track_id).map(|v| &v[..])).unwrap();
        }
        for c in inc.centroids_at(NOW).iter().chain(inc.avoid_at(NOW).iter()) {
            prop_assert!(c.vector.iter().all(|x| x.is_finite()) && c.mass.is_finite());
        }
    }
}

#[test]
fn from_weights_matches_build_and_top_tracks_orders_by_weight() {
    let vectors = HashMap::from([
        (TrackId(1), axis(0, 4)),
        (TrackId(2), axis(1, 4)),
        (TrackId(3), axis(2, 4)),
    ]);
    let p = TasteProfile::from_weights(
        &[
            (TrackId(1), 5.0),
            (TrackId(2), 2.0),
            (TrackId(3), -1.0),
            (TrackId(1), 1.0),
        ],
        &vectors,
        NOW,
        &TasteParams::default(),
    )
    .unwrap();
    assert_eq!(
        p.top_tracks(5, NOW),
        vec![(TrackId(1), 6.0), (TrackId(2), 2.0)]
    );
    assert!(close(
        p.track_weight_at(TrackId(3), NOW).unwrap(),
        -1.0,
        1e-12
    ));
    assert_eq!(p.n_events(), 3);
    let c = p.centroids_at(NOW);
    assert!(close(c.iter().map(|c| c.mass).sum::<f64>(), 8.0, 1e-12));
    assert!(TasteProfile::from_weights(
        &[(TrackId(1), f64::NAN)],
        &vectors,
        NOW,
        &TasteParams::default()
    )
    .is_err());
}

/// Rebuild throughput (asserts nothing about time). Run with
/// `cargo test -p hearth-core --release --lib bench_taste_build -- --ignored --nocapture`.
/// Baseline measured in the same run: the haunt-fm single weighted average over the same events.
#[test]
#[ignore]
fn bench_taste_build() {
    use std::time::Instant;
    for (n_tracks, dim) in [(2_000usize, 64usize), (10_000, 256), (10_000, 512)] {
        let mut rng = SeededRng::new(n_tracks as u64);
        let tracks: Vec<TrackId> = (0..n_tracks as i64).map(TrackId).collect();
        let vectors: HashMap<TrackId, Vec<f32>> = tracks
            .iter()
            .map(|&t| {
                (
                    t,
                    around((t.0 % 3) as usize, dim, 1.0 / (dim as f64).sqrt(), &mut rng),
                )
            })
            .collect();
        let events = history(n_tracks * 5, &tracks, 1);
        let t = Instant::now();
        let mut mean = vec![0.0f64; dim];
        for e in &events {
            let w = e.signal() * decay_factor(e.ts, NOW, 30.0);
            for (m, x) in mean.iter_mut().zip(&vectors[&e.track_id]) {
                *m += w * *x as f64;
            }
        }
        let base = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let p = TasteProfile::build(&events, &vectors, NOW, &TasteParams::default()).unwrap();
        let took = t.elapsed().as_secs_f64();
        let mut inc = p.clone();
        let t = Instant::now();
        for e in events.iter().take(1000) {
            inc.apply(e, Some(&vectors[&e.track_id])).unwrap();
        }
        let per_event = t.elapsed().as_secs_f64() / 1000.0;
        println!(
            "tracks={n_tracks} dim={dim} events={} centroids={}: build {:.1} ms, baseline weighted \
             mean {:.1} ms, ratio {:.1}; incremental apply {:.1} µs/event",
            events.len(),
            p.centroids_at(NOW).len(),
            took * 1e3,
            base * 1e3,
            took / base,
            per_event * 1e6
        );
        assert!(mean.iter().all(|m| m.is_finite()));
    }
}

#[test]
fn incremental_agrees_with_rebuild_when_events_arrive_out_of_order() {
    // Late imports deliver old events after newer ones; the decay reference stays the newest.
    let params = TasteParams {
        max_centroids: 1,
        max_avoid_centroids: 1,
        ..TasteParams::default()
    };
    let mut rng = SeededRng::new(31);
    let tracks: Vec<TrackId> = (0..15).map(TrackId).collect();
    let vectors: HashMap<TrackId, Vec<f32>> = tracks
        .iter()
        .map(|&t| (t, (0..8).map(|_| rng.normal() as f32).collect()))
        .collect();
    let mut events = history(120, &tracks, 8);
    let mut shuffled = events.clone();
    for i in (1..shuffled.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        shuffled.swap(i, j);
    }
    let start = shuffled.iter().map(|e| e.ts).min().unwrap();
    let mut inc = TasteProfile::empty(params.clone(), start).unwrap();
    for e in &shuffled {
        inc.apply(e, Some(&vectors[&e.track_id])).unwrap();
    }
    events.sort_by_key(|e| e.ts);
    let now = events.last().unwrap().ts;
    let full = TasteProfile::build(&events, &vectors, now, &params).unwrap();
    assert_eq!(inc.reference_ms(), full.reference_ms());
    for (id, t) in full.tracks() {
        assert!(close(
            inc.track_weight_at(*id, now).unwrap(),
            t.weight,
            1e-9
        ));
    }
    // Positive and negative totals agree; the pooled direction too.
    let mass = |p: &TasteProfile| -> (f64, f64) {
        let (c, a) = p.accumulators();
        (
            c.iter().map(|x| x.mass).sum(),
            a.iter().map(|x| x.mass).sum(),
        )
    };
    let (mi, mf) = (mass(&inc), mass(&full));
    assert!(
        close(mi.0, mf.0, 1e-6) && close(mi.1, mf.1, 1e-6),
        "{mi:?} {mf:?}"
    );
    assert!(cos(&inc.mean_vector().unwrap(), &full.mean_vector().unwrap()) > 0.999_999);
}
