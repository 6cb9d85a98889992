use super::*;
use crate::model::FeedbackKind;
use crate::taste::{TasteEvent, TasteParams};
use crate::vibe::{parse_vibe, TempoClass};
use proptest::prelude::*;
use std::collections::BTreeMap;

const NOW: UnixMs = 1_700_000_000_000;
const DAY: i64 = 86_400_000;

fn axis(i: usize, dim: usize) -> Vec<f32> {
    (0..dim).map(|j| if j == i { 1.0 } else { 0.0 }).collect()
}

fn around(i: usize, dim: usize, noise: f64, rng: &mut SeededRng) -> Vec<f32> {
    (0..dim)
        .map(|j| (if j == i { 1.0 } else { 0.0 } + noise * rng.normal()) as f32)
        .collect()
}

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 1e-5
}

/// A profile from `(track id, vector, events)` listens/feedback at NOW.
fn profile(items: &[(i64, Vec<f32>, Option<FeedbackKind>)], params: &TasteParams) -> TasteProfile {
    let mut events = Vec::new();
    let mut vectors = HashMap::new();
    for (id, v, fb) in items {
        vectors.insert(TrackId(*id), v.clone());
        events.push(match fb {
            None => TasteEvent::listen(TrackId(*id), NOW, None, None, false),
            Some(k) => TasteEvent::feedback(TrackId(*id), NOW, *k),
        });
    }
    TasteProfile::build(&events, &vectors, NOW, params).unwrap()
}

fn cands<'a>(vs: &'a [(i64, Vec<f32>)]) -> Vec<Candidate<'a>> {
    vs.iter()
        .map(|(id, v)| Candidate {
            track_id: TrackId(*id),
            vector: Some(v),
            ..Candidate::new(TrackId(0))
        })
        .collect()
}

#[test]
fn dot_and_cosine() {
    let a: Vec<f32> = (0..19).map(|i| i as f32).collect();
    let b: Vec<f32> = (0..19).map(|i| (i % 3) as f32).collect();
    let want: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
    assert!(close(dot(&a, &b), want));
    assert!(close(
        cosine(&[1.0, 0.0], &[1.0, 1.0]).unwrap(),
        0.5f32.sqrt()
    ));
    assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), None);
    assert_eq!(cosine(&[1.0], &[1.0, 0.0]), None);
}

#[test]
fn slots_follow_shares_by_largest_remainder() {
    assert_eq!(allocate_slots(&[0.5, 0.3, 0.2], 10), vec![5, 3, 2]);
    assert_eq!(allocate_slots(&[2.0, 1.0], 10), vec![7, 3]);
    assert_eq!(allocate_slots(&[0.0, 0.0, 0.0], 4), vec![2, 1, 1]);
    assert_eq!(allocate_slots(&[1.0, f64::NAN], 3), vec![3, 0]);
    assert_eq!(allocate_slots(&[0.6, 0.4], 0), vec![0, 0]);
    assert!(allocate_slots(&[], 5).is_empty());
}

#[test]
fn merged_hits_are_proportional_deduplicated_and_refilled() {
    let a: Vec<TrackId> = (1..=10).map(TrackId).collect();
    let b: Vec<TrackId> = vec![TrackId(1), TrackId(20), TrackId(21)];
    let m = merge_centroid_hits(&[a.clone(), b.clone()], &[0.5, 0.5], 6);
    assert_eq!(m.len(), 6);
    let mut d = m.clone();
    d.sort();
    d.dedup();
    assert_eq!(d.len(), 6, "no duplicates");
    assert!(m.contains(&TrackId(20)) && m.contains(&TrackId(21)));
    // b ran dry (its 1 was taken by a): its unused slot went to a.
    assert_eq!(m.iter().filter(|id| id.0 < 20).count(), 4);
    assert_eq!(
        merge_centroid_hits(&[a], &[1.0], 3),
        vec![TrackId(1), TrackId(2), TrackId(3)]
    );
    assert!(merge_centroid_hits(&[vec![], vec![]], &[0.5, 0.5], 3).is_empty());
}

#[test]
fn score_formula_hand_computed() {
    let dim = 4;
    let p = profile(&[(1, axis(0, dim), None)], &TasteParams::default());
    let vs = vec![
        (10, axis(0, dim)),
        (11, axis(1, dim)),
        (12, vec![-1.0, 0.0, 0.0, 0.0]),
    ];
    let mut cs = cands(&vs);
    cs[1].recent_plays = 10;
    let mut input = RecommendInput::new(&cs, NOW);
    input.profile = Some(&p);
    input.exploration = ExplorationMode::Off;
    let out = recommend(&input).unwrap();
    let by_id: HashMap<i64, &ScoredTrack> = out.iter().map(|s| (s.track_id.0, s)).collect();
    // Same direction: taste 1, mood neutral 0.5, fresh 1 → 0.4 + 0.2 + 0.2.
    assert!(close(by_id[&10].score, 0.8));
    // Orthogonal: taste 0.5; 10 plays → staleness 1 − e^(−0.5).
    let fresh = (-0.5f32).exp();
    assert!(close(by_id[&11].score, 0.4 * 0.5 + 0.2 + 0.2 * fresh));
    // Opposite: taste 0.
    assert!(close(by_id[&12].score, 0.2 + 0.2));
    assert_eq!(out[0].track_id, TrackId(10));
    assert!(matches!(
        out[0].reasons[0],
        Reason::TasteCluster { cluster: 0, .. }
    ));
    assert!(by_id[&11]
        .reasons
        .contains(&Reason::PlayedOften { recent_plays: 10 }));
}

#[test]
fn mood_and_meta_terms() {
    let dim = 3;
    let vs = vec![(1, axis(0, dim)), (2, axis(1, dim))];
    let jazz = QfzzTrack {
        track_id: "1".into(),
        artist: "A".into(),
        genres: vec!["jazz".into()],
        energy: Some(0.5),
        tempo: Some(TempoClass::Medium),
        ..QfzzTrack::default()
    };
    let mut cs = cands(&vs);
    cs[0].meta = Some(&jazz);
    let prefs = Preferences {
        genres: BTreeMap::from([("jazz".to_string(), 1.0)]),
        ..Preferences::default()
    };
    let mood = axis(1, dim);
    let mut input = RecommendInput::new(&cs, NOW);
    input.mood = Some(&mood);
    input.preferences = Some(&prefs);
    input.exploration = ExplorationMode::Off;
    let out = recommend(&input).unwrap();
    let by_id: HashMap<i64, &ScoredTrack> = out.iter().map(|s| (s.track_id.0, s)).collect();
    // No taste: neutral 0.5. Track 1: mood orthogonal 0.5, meta 0.3 + 0.2 + 0.15 = 0.65.
    assert!(close(by_id[&1].score, 0.2 + 0.2 + 0.2 + 0.1 * 0.65));
    // Track 2: mood 1.0, no meta.
    assert!(close(by_id[&2].score, 0.2 + 0.4 + 0.2));
    assert!(by_id[&2]
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::Mood { .. })));
    assert!(by_id[&1].reasons.iter().any(|r| matches!(
        r,
        Reason::GenrePreference { genre, similar_to: None, .. } if genre == "jazz"
    )));
}

#[test]
fn alpha_blends_taste_and_vibe() {
    let dim = 3;
    let p = profile(&[(1, axis(0, dim), None)], &TasteParams::default());
    let vs = vec![(10, axis(0, dim)), (11, axis(1, dim))];
    let cs = cands(&vs);
    let score = |alpha: f32| {
        let vibe = VibeInput {
            text: "test".into(),
            target: None,
            vector: Some(axis(1, dim)),
            alpha,
        };
        let mut input = RecommendInput::new(&cs, NOW);
        input.profile = Some(&p);
        input.vibe = Some(&vibe);
        input.exploration = ExplorationMode::Off;
        input.weights = ScoreWeights {
            mood: 0.0,
            freshness: 0.0,
            ..ScoreWeights::default()
        };
        recommend(&input).unwrap()
    };
    // alpha 1: pure taste → track 10 first with 0.4 · 1.
    let out = score(1.0);
    assert_eq!(out[0].track_id, TrackId(10));
    assert!(close(out[0].score, 0.4));
    // alpha 0: pure vibe → track 11 first.
    let out = score(0.0);
    assert_eq!(out[0].track_id, TrackId(11));
    assert!(close(out[0].score, 0.4));
    // alpha 0.5: both 0.4 · (0.5 · 1 + 0.5 · 0.5) = 0.3.
    let out = score(0.5);
    assert!(close(out[0].score, 0.3) && close(out[1].score, 0.3));
    let bad = VibeInput {
        alpha: 1.5,
        ..VibeInput::from_text("chill", 0.5)
    };
    let mut input = RecommendInput::new(&cs, NOW);
    input.vibe = Some(&bad);
    assert!(matches!(
        recommend(&input),
        Err(CoreError::InvalidInput { .. })
    ));
}

#[test]
fn lexicon_vibe_ranks_by_attributes_and_says_so() {
    let tags_party = vec!["party".to_string()];
    let cs = vec![
        Candidate {
            track_id: TrackId(1),
            attributes: TrackAttributes {
                energy: Some(0.1),
                danceability: Some(0.1),
                ..TrackAttributes::default()
            },
            ..Candidate::new(TrackId(0))
        },
        Candidate {
            track_id: TrackId(2),
            attributes: TrackAttributes {
                energy: Some(0.85),
                danceability: Some(0.85),
                ..TrackAttributes::default()
            },
            tags: &tags_party,
            ..Candidate::new(TrackId(0))
        },
    ];
    let vibe = VibeInput::from_text("upbeat party music", 0.5);
    let mut input = RecommendInput::new(&cs, NOW);
    input.vibe = Some(&vibe);
    input.exploration = ExplorationMode::Off;
    let out = recommend(&input).unwrap();
    assert_eq!(out[0].track_id, TrackId(2));
    let r = out[0]
        .reasons
        .iter()
        .find(|r| matches!(r, Reason::Vibe { .. }))
        .expect("vibe reason");
    assert_eq!(
        r.render(&|_| None),
        "matches the vibe “upbeat party music” (tagged party)"
    );
}

fn two_mode_profile(dim: usize, rng: &mut SeededRng) -> TasteProfile {
    let mut items = Vec::new();
    for i in 0..40 {
        // 25 metal tracks around axis 0, 15 ballads around axis 1.
        items.push((i, around(if i < 25 { 0 } else { 1 }, dim, 0.05, rng), None));
    }
    profile(&items, &TasteParams::default())
}

#[test]
fn multimodal_listener_gets_both_modes_in_proportion() {
    let dim = 24;
    let mut rng = SeededRng::new(77);
    let p = two_mode_profile(dim, &mut rng);
    assert_eq!(p.centroids_at(NOW).len(), 2);
    let mut vs = Vec::new();
    for i in 0..50 {
        vs.push((1000 + i, around(0, dim, 0.1, &mut rng)));
        vs.push((2000 + i, around(1, dim, 0.1, &mut rng)));
    }
    // Blends of both modes: the single average is closest to these.
    for i in 0..10 {
        let mut v = axis(0, dim);
        v[1] = 0.8;
        v[2] = 0.02 * i as f32;
        vs.push((3000 + i, v));
    }
    let cs = cands(&vs);
    let mut input = RecommendInput::new(&cs, NOW);
    input.profile = Some(&p);
    input.exploration = ExplorationMode::Off;
    input.limit = 10;
    let out = recommend(&input).unwrap();
    let metal = out
        .iter()
        .filter(|s| (1000..2000).contains(&s.track_id.0))
        .count();
    let ballads = out
        .iter()
        .filter(|s| (2000..3000).contains(&s.track_id.0))
        .count();
    // Shares 25/40 and 15/40 of 10 slots → 6 and 4.
    assert_eq!((metal, ballads), (6, 4), "{out:?}");
    assert!(out.iter().all(|s| s.centroid.is_some()));

    // The single pooled centroid prefers the in-between blends instead.
    input.centroid_mode = CentroidMode::Single;
    let single = recommend(&input).unwrap();
    let blends = single.iter().filter(|s| s.track_id.0 >= 3000).count();
    assert_eq!(blends, 10, "{single:?}");
    assert!(matches!(single[0].reasons[0], Reason::TasteProfile { .. }));

    // The index helpers split a 100-neighbour budget the same way.
    let q = centroid_queries(&p, NOW, 100, CentroidMode::Multi);
    assert_eq!(q.iter().map(|x| x.2).collect::<Vec<_>>(), vec![63, 37]);
    assert_eq!(
        centroid_queries(&p, NOW, 100, CentroidMode::Single).len(),
        1
    );
}

#[test]
fn disliked_items_neighbours_are_pushed_down() {
    let dim = 6;
    let liked = (1, axis(0, dim), None);
    let hated = (2, axis(1, dim), Some(FeedbackKind::Hate));
    let with_dislike = profile(&[liked.clone(), hated], &TasteParams::default());
    let without = profile(&[liked], &TasteParams::default());
    // Both candidates are orthogonal to the taste; 10 is a neighbour of the hated track.
    let mut near = axis(1, dim);
    near[2] = 0.2;
    let vs = vec![(10, near), (11, axis(2, dim))];
    let cs = cands(&vs);
    let run = |p: &TasteProfile| {
        let mut input = RecommendInput::new(&cs, NOW);
        input.profile = Some(p);
        input.exploration = ExplorationMode::Off;
        recommend(&input).unwrap()
    };
    let base = run(&without);
    assert!(
        close(base[0].score, base[1].score),
        "equal without the dislike"
    );
    let out = run(&with_dislike);
    assert_eq!(out[0].track_id, TrackId(11));
    assert_eq!(out[1].track_id, TrackId(10));
    assert!(out[1].score < base[0].score - 0.25);
    assert!(out[1]
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::NearDisliked { .. })));
}

#[test]
fn known_and_excluded_tracks_are_left_out_unless_asked() {
    let dim = 3;
    let p = profile(&[(1, axis(0, dim), None)], &TasteParams::default());
    let vs = vec![(1, axis(0, dim)), (2, axis(1, dim)), (3, axis(2, dim))];
    let cs = cands(&vs);
    let ex = HashSet::from([TrackId(3)]);
    let mut input = RecommendInput::new(&cs, NOW);
    input.profile = Some(&p);
    input.exclude = Some(&ex);
    let ids = |input: &RecommendInput| -> Vec<i64> {
        recommend(input)
            .unwrap()
            .iter()
            .map(|s| s.track_id.0)
            .collect()
    };
    assert_eq!(ids(&input), vec![2]);
    input.include_known = true;
    input.exploration = ExplorationMode::Off;
    assert_eq!(ids(&input), vec![1, 2]);
}

#[test]
fn exploration_is_seeded_and_bounded() {
    let dim = 8;
    let mut rng = SeededRng::new(1);
    let vs: Vec<(i64, Vec<f32>)> = (0..200)
        .map(|i| (i, around(0, dim, 0.5, &mut rng)))
        .collect();
    let cs = cands(&vs);
    let mut input = RecommendInput::new(&cs, NOW);
    input.limit = 20;
    input.exploration = ExplorationMode::Off;
    let off_a = recommend(&input).unwrap();
    let off_b = recommend(&input).unwrap();
    assert_eq!(off_a, off_b);
    input.exploration = ExplorationMode::Noise;
    input.seed = 1;
    let n1 = recommend(&input).unwrap();
    assert_eq!(n1, recommend(&input).unwrap(), "same seed, same list");
    input.seed = 2;
    let n2 = recommend(&input).unwrap();
    assert_ne!(n1, n2);
    for s in n1.iter().chain(&n2) {
        assert!((0.0..0.1).contains(&s.components.noise));
    }
    // Items the noiseless ranking would not have chosen say so; the others do not.
    let quiet: HashSet<TrackId> = off_a.iter().map(|s| s.track_id).collect();
    for s in &n1 {
        let explored = s
            .reasons
            .iter()
            .any(|r| matches!(r, Reason::ExplorationPick { .. }));
        assert_eq!(explored, !quiet.contains(&s.track_id), "{s:?}");
    }
    assert!(n1.iter().any(|s| !quiet.contains(&s.track_id)));
}

#[test]
fn thompson_favours_the_cluster_that_gets_played() {
    // 100 identical candidates in two library clusters; cluster 1 is played, 2 is skipped.
    let v = vec![1.0f32, 0.0];
    let cs: Vec<Candidate> = (0..100)
        .map(|i| Candidate {
            track_id: TrackId(i),
            vector: Some(&v),
            cluster: Some(if i % 2 == 0 { 1 } else { 2 }),
            ..Candidate::new(TrackId(0))
        })
        .collect();
    let stats = HashMap::from([
        (
            1,
            ArmStats {
                plays: 30.0,
                skips: 2.0,
            },
        ),
        (
            2,
            ArmStats {
                plays: 2.0,
                skips: 30.0,
            },
        ),
    ]);
    let mut input = RecommendInput::new(&cs, NOW);
    input.cluster_stats = Some(&stats);
    input.exploration = ExplorationMode::Thompson;
    input.limit = 20;
    let mut from_played = 0;
    for seed in 0..10 {
        input.seed = seed;
        from_played += recommend(&input)
            .unwrap()
            .iter()
            .filter(|s| s.track_id.0 % 2 == 0)
            .count();
    }
    assert!(from_played > 180, "{from_played}");
}

#[test]
fn reasons_render_with_names() {
    let names = |id: TrackId| (id.0 == 5).then(|| "Artist X – Song".to_string());
    let r = Reason::TasteCluster {
        cluster: 1,
        similarity: 0.9,
        exemplars: vec![TrackId(5), TrackId(6)],
    };
    assert_eq!(
        r.render(&names),
        "close to your taste cluster #2 (Artist X – Song, track 6)"
    );
    let r = Reason::SimilarToKnown {
        track_id: TrackId(5),
        similarity: 0.9,
    };
    assert_eq!(
        r.render(&names),
        "sounds like Artist X – Song, which you liked"
    );
    let r = Reason::GenrePreference {
        genre: "blues".into(),
        similar_to: Some("jazz".into()),
        weight: 0.5,
    };
    assert_eq!(
        r.render(&names),
        "genre blues is close to jazz, one of your preferences"
    );
    assert_eq!(
        Reason::ExplorationPick { cluster: None }.render(&names),
        "exploration pick: something a little different"
    );
    let json = serde_json::to_value(Reason::Mood { similarity: 0.5 }).unwrap();
    assert_eq!(json["kind"], "mood");
}

#[test]
fn anchors_give_you_liked_reasons() {
    let dim = 3;
    let p = profile(
        &[(1, axis(0, dim), Some(FeedbackKind::Like))],
        &TasteParams::default(),
    );
    let mut near = axis(0, dim);
    near[1] = 0.1;
    let vs = vec![(10, near)];
    let cs = cands(&vs);
    let a = axis(0, dim);
    let anchors = [Anchor {
        track_id: TrackId(1),
        vector: &a,
        weight: 1.0,
    }];
    let mut input = RecommendInput::new(&cs, NOW);
    input.profile = Some(&p);
    input.anchors = &anchors;
    let out = recommend(&input).unwrap();
    assert!(out[0].reasons.contains(&Reason::SimilarToKnown {
        track_id: TrackId(1),
        similarity: cosine(&a, &vs[0].1).unwrap()
    }));
    assert!(
        matches!(&out[0].reasons[0], Reason::TasteCluster { exemplars, .. } if exemplars == &vec![TrackId(1)])
    );
}

#[test]
fn empty_inputs_give_empty_outputs() {
    let input = RecommendInput::new(&[], NOW);
    assert!(recommend(&input).unwrap().is_empty());
    let vs = vec![(1, axis(0, 2))];
    let cs = cands(&vs);
    let mut input = RecommendInput::new(&cs, NOW);
    input.limit = 0;
    assert!(recommend(&input).unwrap().is_empty());
    let _ = parse_vibe("");
    let _ = DAY;
}

proptest! {
    #[test]
    fn scores_are_always_finite(
        raw in proptest::collection::vec(proptest::collection::vec(-3.0f32..3.0, 4), 1..30),
        prof in proptest::collection::vec((proptest::collection::vec(-1.0f32..1.0, 4), 0u8..3), 0..12),
        zero_at in 0usize..30,
        seed: u64,
        mode in 0u8..3,
        alpha in 0.0f32..=1.0,
    ) {
        let items: Vec<(i64, Vec<f32>, Option<FeedbackKind>)> = prof
            .iter()
            .enumerate()
            .map(|(i, (v, k))| (1000 + i as i64, v.clone(), match k { 0 => None, 1 => Some(FeedbackKind::Hate), _ => Some(FeedbackKind::Love) }))
            .collect();
        let p = profile(&items, &TasteParams::default());
        let mut vs: Vec<(i64, Vec<f32>)> = raw.iter().cloned().enumerate().map(|(i, v)| (i as i64, v)).collect();
        if zero_at < vs.len() { vs[zero_at].1 = vec![0.0; 4]; }
        let cs = cands(&vs);
        let vibe = VibeInput::from_text("dark chill techno", alpha);
        let mut input = RecommendInput::new(&cs, NOW);
        input.profile = Some(&p);
        input.vibe = Some(&vibe);
        input.seed = seed;
        input.limit = 7;
        input.exploration = [ExplorationMode::Off, ExplorationMode::Noise, ExplorationMode::Thompson][mode as usize];
        let out = recommend(&input).unwrap();
        prop_assert!(out.len() <= 7);
        for s in &out {
            prop_assert!(s.score.is_finite());
        }
        prop_assert!(out.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

/// Throughput benchmark (not a test of speed: it asserts nothing about time). Run with
/// `cargo test -p hearth-core --release --lib bench_recommend -- --ignored --nocapture`.
/// Prints `recommend` time against a baseline measured in the same run: one plain dot product
/// per candidate against one query vector (the least work any vector ranker must do).
#[test]
#[ignore]
fn bench_recommend() {
    use std::time::Instant;
    for (n, dim) in [
        (200_000usize, 64usize),
        (200_000, 256),
        (200_000, 512),
        (20_000, 512),
    ] {
        let mut rng = SeededRng::new(n as u64 + dim as u64);
        let data: Vec<f32> = (0..n * dim).map(|_| rng.normal() as f32).collect();
        let mut items = Vec::new();
        for i in 0..200 {
            items.push((
                1_000_000 + i as i64,
                around(i % 4, dim, 0.5 / (dim as f64).sqrt(), &mut rng),
                if i % 17 == 0 {
                    Some(FeedbackKind::Hate)
                } else {
                    None
                },
            ));
        }
        let p = profile(&items, &TasteParams::default());
        let mood = around(0, dim, 0.3, &mut rng);
        let cs: Vec<Candidate> = (0..n)
            .map(|i| Candidate {
                track_id: TrackId(i as i64),
                vector: Some(&data[i * dim..(i + 1) * dim]),
                recent_plays: (i % 7) as u32,
                ..Candidate::new(TrackId(0))
            })
            .collect();
        let q = p.mean_vector().unwrap();
        let reps = 5;
        let t = Instant::now();
        let mut sink = 0.0f32;
        for _ in 0..reps {
            for c in &cs {
                sink += dot(&q, c.vector.unwrap());
            }
        }
        let base = t.elapsed().as_secs_f64() / reps as f64;
        for (label, mode) in [
            ("off", ExplorationMode::Off),
            ("noise", ExplorationMode::Noise),
            ("thompson", ExplorationMode::Thompson),
        ] {
            let mut input = RecommendInput::new(&cs, NOW);
            input.profile = Some(&p);
            input.mood = Some(&mood);
            input.exploration = mode;
            input.limit = 50;
            let t = Instant::now();
            for s in 0..reps {
                input.seed = s as u64;
                sink += recommend(&input).unwrap()[0].score;
            }
            let took = t.elapsed().as_secs_f64() / reps as f64;
            println!(
                "n={n} dim={dim} centroids={} avoid={} exploration={label}: recommend {:.1} ms, \
                 baseline single dot scan {:.1} ms, ratio {:.2}",
                p.centroids_at(NOW).len(),
                p.avoid_at(NOW).len(),
                took * 1e3,
                base * 1e3,
                took / base
            );
        }
        assert!(sink.is_finite());
    }
}

#[test]
fn similar_tracks_rank_by_cosine_to_the_seed() {
    let seed = vec![1.0f32, 0.0, 0.0];
    let vs = vec![
        (1, seed.clone()),
        (2, vec![1.0, 1.0, 0.0]),
        (3, vec![1.0, 0.1, 0.0]),
        (4, vec![-1.0, 0.0, 0.0]),
        (5, vec![0.0, 0.0, 0.0]),
        (6, vec![1.0, 0.0]),
    ];
    let cs = cands(&vs);
    let ex = HashSet::from([TrackId(2)]);
    let out = similar_tracks(TrackId(1), &seed, &cs, Some(&ex), 10);
    let ids: Vec<i64> = out.iter().map(|s| s.track_id.0).collect();
    assert_eq!(ids, vec![3, 4]);
    assert!(close(out[1].score, 0.0));
    assert_eq!(
        out[0].reasons[0].render(&|_| Some("A – B".into())),
        "sounds like A – B"
    );
    assert_eq!(similar_tracks(TrackId(1), &seed, &cs, None, 1).len(), 1);
    assert!(similar_tracks(TrackId(1), &[0.0, 0.0, 0.0], &cs, None, 5).is_empty());
}

#[test]
fn evidence_is_standardised_per_request_and_weighted() {
    // No taste, no mood: only evidence separates the candidates. Collaborative 3, 2, 1 and one
    // candidate without any: mean 2, population sd sqrt(2/3); the missing one scores as the mean.
    let ev = |c: Option<f32>, p: Option<f32>| Evidence {
        collaborative: c,
        popularity: p,
        ..Evidence::default()
    };
    let evidence = [
        ev(Some(3.0), Some(5.0)),
        ev(Some(2.0), Some(1.0)),
        ev(Some(1.0), Some(0.0)),
        ev(None, None),
    ];
    let cands: Vec<Candidate<'_>> = evidence
        .iter()
        .enumerate()
        .map(|(i, e)| Candidate {
            evidence: *e,
            ..Candidate::new(TrackId(i as i64 + 1))
        })
        .collect();
    let run = |w: ScoreWeights| {
        let mut input = RecommendInput::new(&cands, NOW);
        input.weights = w;
        input.exploration = ExplorationMode::Off;
        recommend(&input).unwrap()
    };
    let quiet = ScoreWeights::zero();
    let out = run(ScoreWeights {
        collaborative: 1.0,
        ..quiet.clone()
    });
    let order: Vec<i64> = out.iter().map(|s| s.track_id.0).collect();
    // Track 2 is at the mean, track 4 has none: both z = 0, tied, ids break the tie.
    assert_eq!(order, vec![1, 2, 4, 3], "missing evidence sits at the mean");
    let sd = (2.0f32 / 3.0).sqrt();
    let z1 = out[0].components.evidence.collaborative.unwrap();
    assert!(close(z1, 1.0 / sd) && close(out[0].score, 1.0 / sd));
    assert_eq!(out[2].components.evidence.collaborative, None);
    assert!(close(out[1].score, 0.0) && close(out[2].score, 0.0));
    // Popularity is z-scored too; a negative weight favours the long tail and outweighs a
    // co-listening weight of half its size.
    let out = run(ScoreWeights {
        collaborative: 0.5,
        popularity: -1.0,
        ..quiet.clone()
    });
    let order: Vec<i64> = out.iter().map(|s| s.track_id.0).collect();
    assert_eq!(order, vec![2, 3, 4, 1], "{out:?}");
    // Unweighted evidence is neither computed nor reported.
    let out = run(quiet.clone());
    assert!(out
        .iter()
        .all(|s| s.components.evidence == Evidence::default()));
    // A negative popularity weight is valid, negative co-listening is not.
    assert!(ScoreWeights {
        collaborative: -0.1,
        ..quiet
    }
    .validate()
    .is_err());
}

#[test]
fn co_listened_reason_is_given_for_outliers_only() {
    let cands: Vec<Candidate<'_>> = (1..=10)
        .map(|i| Candidate {
            evidence: Evidence {
                collaborative: Some(if i == 7 { 9.0 } else { 0.0 }),
                ..Evidence::default()
            },
            ..Candidate::new(TrackId(i))
        })
        .collect();
    let mut input = RecommendInput::new(&cands, NOW);
    input.exploration = ExplorationMode::Off;
    let out = recommend(&input).unwrap();
    assert_eq!(out[0].track_id, TrackId(7));
    assert!(out[0].reasons.contains(&Reason::CoListened { z: 3.0 }));
    assert!(out[1..].iter().all(|s| !s
        .reasons
        .iter()
        .any(|r| matches!(r, Reason::CoListened { .. }))));
    let text = Reason::CoListened { z: 3.0 }.render(&|_| None);
    assert_eq!(text, "often played alongside the music you play");
}
