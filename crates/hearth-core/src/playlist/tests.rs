use super::*;
use proptest::prelude::*;
use rstest::rstest;

const NOW: UnixMs = 1_750_000_000_000;
const DAY: i64 = 86_400_000;

fn traits(id: i64, artist: &str, duration_s: i64, energy: f32) -> TrackTraits {
    TrackTraits {
        track_id: TrackId(id),
        artist_key: artist.into(),
        recording_key: format!("{artist}|song {id}"),
        duration_ms: Some(duration_s * 1000),
        energy: Some(energy),
        tempo_bpm: Some(80.0 + 100.0 * energy),
    }
}

fn known(id: i64, artist: &str) -> KnownTrack {
    KnownTrack {
        traits: traits(id, artist, 200, 0.5),
        liked: false,
        play_count: 3,
        last_played_ms: Some(NOW - DAY),
        recent_skips: 0,
        hated: false,
    }
}

fn disc(id: i64, artist: &str, score: f32) -> Discovery {
    Discovery {
        traits: traits(id, artist, 200, 0.5),
        score,
        reasons: vec![format!("sounds like your taste ({id})")],
        recent_skips: 0,
        hated: false,
    }
}

fn params(total: usize, known_pct: u32) -> PlaylistParams {
    PlaylistParams {
        total_tracks: total,
        known_pct,
        duration_min: None,
        max_per_artist: 2,
        min_artist_spacing: 4,
        arc: EnergyArc::None,
        seed: 7,
    }
}

fn ids(p: &Playlist) -> Vec<i64> {
    p.items.iter().map(|i| i.track_id.0).collect()
}

fn artist_keys(p: &Playlist) -> Vec<&str> {
    p.items.iter().map(|i| i.artist_key.as_str()).collect()
}

fn max_per_artist(p: &Playlist) -> usize {
    let mut c: BTreeMap<&str, usize> = BTreeMap::new();
    for a in artist_keys(p) {
        *c.entry(a).or_default() += 1;
    }
    c.values().copied().max().unwrap_or(0)
}

/// `n` distinct artists, one known and one discovery track each.
fn wide(n: i64) -> (Vec<KnownTrack>, Vec<Discovery>) {
    let k = (0..n).map(|i| known(i, &format!("k{i}"))).collect();
    let d = (0..n)
        .map(|i| disc(1000 + i, &format!("d{i}"), 1.0 - i as f32 / 1000.0))
        .collect();
    (k, d)
}

#[rstest]
#[case(20, 30, 6)]
#[case(20, 0, 0)]
#[case(20, 100, 20)]
#[case(15, 30, 5)] // 4.5 rounds half up
#[case(7, 50, 4)]
fn known_share_follows_known_pct(#[case] total: usize, #[case] pct: u32, #[case] want: usize) {
    let (k, d) = wide(40);
    let p = assemble(&k, &d, &params(total, pct), NOW).unwrap();
    assert_eq!(p.items.len(), total);
    assert_eq!(p.known_count(), want);
    assert!(p.unmet.is_empty(), "{:?}", p.unmet);
}

#[test]
fn known_and_discoveries_are_interleaved() {
    let (k, d) = wide(40);
    let p = assemble(&k, &d, &params(20, 30), NOW).unwrap();
    let kinds: Vec<ItemKind> = p.items.iter().map(|i| i.kind).collect();
    // Six known tracks spread over twenty: never more than one known in a row, and none of the
    // discovery runs is longer than three.
    let mut run = 0;
    for w in kinds.windows(2) {
        assert!(!(w[0] == ItemKind::Known && w[1] == ItemKind::Known));
    }
    for k in &kinds {
        run = if *k == ItemKind::Discovery {
            run + 1
        } else {
            0
        };
        assert!(run <= 3, "{kinds:?}");
    }
}

#[test]
fn per_artist_cap_holds() {
    // Three artists with many tracks each plus plenty of others.
    let mut d: Vec<Discovery> = (0..30)
        .map(|i| disc(i, ["a", "b", "c"][i as usize % 3], 1.0 - i as f32 / 100.0))
        .collect();
    d.extend((0..30).map(|i| disc(100 + i, &format!("x{i}"), 0.1)));
    let p = assemble(&[], &d, &params(20, 0), NOW).unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(max_per_artist(&p), 2);
    assert!(p.unmet_rule("max_per_artist").is_none());
}

#[test]
fn cap_is_relaxed_and_reported_when_too_few_artists() {
    let d: Vec<Discovery> = (0..20)
        .map(|i| disc(i, ["a", "b", "c"][i as usize % 3], 0.5))
        .collect();
    let p = assemble(&[], &d, &params(12, 0), NOW).unwrap();
    assert_eq!(p.items.len(), 12);
    assert_eq!(max_per_artist(&p), 4);
    let u = p.unmet_rule("max_per_artist").expect("reported");
    assert!(u.detail.contains("only 3 artists"), "{}", u.detail);
    assert!(u.detail.contains("relaxed from 2 to 4"), "{}", u.detail);
}

#[test]
fn artist_spacing_holds() {
    // Ten artists with two tracks each: the spacing of 4 is satisfiable in 20 slots.
    let d: Vec<Discovery> = (0..20)
        .map(|i| disc(i, &format!("a{}", i % 10), 1.0 - i as f32 / 100.0))
        .collect();
    let p = assemble(&[], &d, &params(20, 0), NOW).unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(
        spacing_violation(&artist_keys(&p), 4),
        None,
        "{:?}",
        artist_keys(&p)
    );
    assert!(p.unmet.is_empty(), "{:?}", p.unmet);
}

#[test]
fn spacing_is_relaxed_and_reported_when_impossible() {
    // Two artists, four tracks: a gap of four other tracks cannot exist.
    let d: Vec<Discovery> = (0..4)
        .map(|i| disc(i, ["a", "b"][i as usize % 2], 0.5))
        .collect();
    let p = assemble(&[], &d, &params(4, 0), NOW).unwrap();
    assert_eq!(p.items.len(), 4);
    assert_eq!(spacing_violation(&artist_keys(&p), 1), None);
    let u = p.unmet_rule("min_artist_spacing").expect("reported");
    assert!(u.detail.contains("relaxed from 4 to 1"), "{}", u.detail);
}

#[test]
fn one_version_per_recording() {
    let mut a = disc(1, "x", 0.9);
    let mut b = disc(2, "x", 0.8);
    a.traits.recording_key = "x|song".into();
    b.traits.recording_key = "x|song".into();
    let mut k = known(3, "x");
    k.traits.recording_key = "x|song".into();
    let others: Vec<Discovery> = (10..20).map(|i| disc(i, &format!("o{i}"), 0.5)).collect();
    let mut all = vec![a, b];
    all.extend(others);
    let p = assemble(&[k], &all, &params(8, 30), NOW).unwrap();
    let got = ids(&p);
    assert!(got.contains(&3), "the known version wins: {got:?}");
    assert!(!got.contains(&1) && !got.contains(&2));
    assert_eq!(p.duplicate_versions, 2);
}

#[test]
fn hated_and_repeatedly_skipped_tracks_are_left_out() {
    let (mut k, mut d) = wide(10);
    k[0].hated = true;
    k[1].recent_skips = 2;
    k[2].recent_skips = 1; // once is fine
    d[0].hated = true;
    d[1].recent_skips = 3;
    // The ranker proposes the hated known recording again under another id.
    let mut again = disc(5000, "k0", 2.0);
    again.traits.recording_key = k[0].traits.recording_key.clone();
    d.push(again);
    let p = assemble(&k, &d, &params(16, 50), NOW).unwrap();
    let got = ids(&p);
    for banned in [0, 1, 1000, 1001, 5000] {
        assert!(!got.contains(&banned), "{banned} in {got:?}");
    }
    assert!(got.contains(&2));
    assert_eq!(p.excluded_hated, 3);
    assert_eq!(p.excluded_skipped, 2);
}

#[test]
fn dormant_liked_favourites_come_first() {
    let mut k: Vec<KnownTrack> = (0..10).map(|i| known(i, &format!("k{i}"))).collect();
    k[7].liked = true;
    k[7].last_played_ms = Some(NOW - 90 * DAY);
    k[7].play_count = 1;
    k[8].liked = true; // liked but played yesterday: second tier
    k[3].play_count = 50; // most played, not liked: third tier
    let d: Vec<Discovery> = (0..20)
        .map(|i| disc(100 + i, &format!("d{i}"), 0.5))
        .collect();
    let p = assemble(&k, &d, &params(10, 20), NOW).unwrap();
    let known_ids: Vec<i64> = p
        .items
        .iter()
        .filter(|i| i.kind == ItemKind::Known)
        .map(|i| i.track_id.0)
        .collect();
    assert_eq!(known_ids.len(), 2);
    assert!(
        known_ids.contains(&7) && known_ids.contains(&8),
        "{known_ids:?}"
    );
    let seven = p.items.iter().find(|i| i.track_id.0 == 7).unwrap();
    assert!(
        seven.reasons[0].contains("not played for 90 days"),
        "{:?}",
        seven.reasons
    );
}

#[test]
fn every_item_has_kind_and_reasons() {
    let (k, mut d) = wide(20);
    d[3].reasons.clear();
    let p = assemble(&k, &d, &params(20, 30), NOW).unwrap();
    for i in &p.items {
        assert!(!i.reasons.is_empty(), "{i:?}");
    }
}

#[test]
fn too_few_known_tracks_is_reported() {
    let (k, d) = wide(20);
    let p = assemble(&k[..2], &d, &params(20, 50), NOW).unwrap();
    assert_eq!(p.items.len(), 20);
    assert_eq!(p.known_count(), 2);
    let u = p.unmet_rule("known_pct").expect("reported");
    assert!(u.detail.contains("2 known favourites"), "{}", u.detail);
}

#[test]
fn too_few_candidates_is_reported() {
    let (k, d) = wide(3);
    let p = assemble(&k, &d, &params(20, 30), NOW).unwrap();
    assert_eq!(p.items.len(), 6);
    let u = p.unmet_rule("total_tracks").expect("reported");
    assert!(u.detail.starts_with("only 6 of 20"), "{}", u.detail);
}

#[test]
fn duration_is_honoured() {
    // Tracks of 2 to 7 minutes; one hour asked.
    let d: Vec<Discovery> = (0..60)
        .map(|i| {
            let mut x = disc(i, &format!("a{i}"), 1.0 - i as f32 / 100.0);
            x.traits.duration_ms = Some((120 + (i * 37) % 300) * 1000);
            x
        })
        .collect();
    let mut p = params(20, 0);
    p.duration_min = Some(60.0);
    let pl = assemble(&[], &d, &p, NOW).unwrap();
    let total = pl.duration_ms();
    assert!(
        (total - 3_600_000).abs() <= 180_000,
        "{total} ms is not within 5 % of an hour"
    );
    assert!(pl.unmet.is_empty(), "{:?}", pl.unmet);
}

#[test]
fn unreachable_duration_is_reported() {
    let (k, d) = wide(3);
    let mut p = params(20, 30);
    p.duration_min = Some(120.0);
    let pl = assemble(&k, &d, &p, NOW).unwrap();
    let u = pl.unmet_rule("duration_min").expect("reported");
    assert!(u.detail.contains("of the 120:00 asked"), "{}", u.detail);
}

#[test]
fn neighbours_are_smoothed() {
    // Energies scattered in preference order; the chain should move in small steps.
    let d: Vec<Discovery> = (0..12)
        .map(|i| {
            let mut x = disc(i, &format!("a{i}"), 1.0 - i as f32 / 100.0);
            let e = [
                0.9, 0.1, 0.5, 0.8, 0.2, 0.6, 0.3, 0.7, 0.4, 0.95, 0.05, 0.55,
            ][i as usize];
            x.traits.energy = Some(e);
            x.traits.tempo_bpm = Some(70.0 + 100.0 * e);
            x
        })
        .collect();
    let p = assemble(&[], &d, &params(12, 0), NOW).unwrap();
    let jumps: f32 = p
        .items
        .windows(2)
        .map(|w| (w[0].energy.unwrap() - w[1].energy.unwrap()).abs())
        .sum();
    let unordered: f32 = d
        .windows(2)
        .map(|w| (w[0].traits.energy.unwrap() - w[1].traits.energy.unwrap()).abs())
        .sum();
    assert!(jumps < unordered / 2.0, "{jumps} vs {unordered}");
}

#[rstest]
#[case(EnergyArc::BuildUp)]
#[case(EnergyArc::WindDown)]
fn energy_arc_shapes_the_order(#[case] arc: EnergyArc) {
    let d: Vec<Discovery> = (0..10)
        .map(|i| {
            let mut x = disc(i, &format!("a{i}"), 0.5);
            x.traits.energy = Some(((i * 7) % 10) as f32 / 10.0);
            x
        })
        .collect();
    let mut p = params(10, 0);
    p.arc = arc;
    let pl = assemble(&[], &d, &p, NOW).unwrap();
    let e: Vec<f32> = pl.items.iter().map(|i| i.energy.unwrap()).collect();
    let first: f32 = e[..3].iter().sum();
    let last: f32 = e[7..].iter().sum();
    match arc {
        EnergyArc::BuildUp => assert!(first < last, "{e:?}"),
        _ => assert!(first > last, "{e:?}"),
    }
}

#[test]
fn same_seed_same_playlist_other_seed_may_differ() {
    let mut k: Vec<KnownTrack> = (0..30).map(|i| known(i, &format!("k{i}"))).collect();
    for (i, x) in k.iter_mut().enumerate() {
        x.play_count = 5 + (i as u32 % 3);
    }
    let d: Vec<Discovery> = (0..30)
        .map(|i| disc(100 + i, &format!("d{i}"), 0.5))
        .collect();
    let a = assemble(&k, &d, &params(20, 50), NOW).unwrap();
    let b = assemble(&k, &d, &params(20, 50), NOW).unwrap();
    assert_eq!(a, b);
    let differs = (1..20).any(|s| {
        let mut p = params(20, 50);
        p.seed = s;
        ids(&assemble(&k, &d, &p, NOW).unwrap()) != ids(&a)
    });
    assert!(differs, "the seed never changes the known picks");
}

#[rstest]
#[case("total_tracks", PlaylistParams { total_tracks: 0, ..params(1, 0) })]
#[case("known_pct", PlaylistParams { known_pct: 101, ..params(1, 0) })]
#[case("duration_min", PlaylistParams { duration_min: Some(-3.0), ..params(1, 0) })]
#[case("max_per_artist", PlaylistParams { max_per_artist: 0, ..params(1, 0) })]
fn bad_params_name_the_field(#[case] field: &str, #[case] p: PlaylistParams) {
    match assemble(&[], &[], &p, NOW) {
        Err(CoreError::InvalidInput { field: f, .. }) => assert_eq!(f, field),
        other => panic!("{other:?}"),
    }
}

#[test]
fn arc_names_round_trip() {
    for a in [EnergyArc::None, EnergyArc::BuildUp, EnergyArc::WindDown] {
        assert_eq!(EnergyArc::parse(a.as_str()), Some(a));
    }
    assert_eq!(EnergyArc::parse("sideways"), None);
}

/// A random catalogue: `artists` artists, known and discovery tracks spread over them.
fn catalogue(
    n_known: usize,
    n_disc: usize,
    artists: usize,
    salt: u64,
) -> (Vec<KnownTrack>, Vec<Discovery>) {
    let mut rng = SeededRng::new(salt);
    let mut k = Vec::new();
    for i in 0..n_known {
        let a = format!("a{}", rng.below(artists as u64));
        let mut x = known(i as i64, &a);
        x.traits.duration_ms = Some(120_000 + rng.below(240_000) as i64);
        x.traits.energy = Some(rng.next_f64() as f32);
        x.liked = rng.below(2) == 0;
        x.play_count = rng.below(20) as u32;
        x.last_played_ms = Some(NOW - rng.below(200) as i64 * DAY);
        k.push(x);
    }
    let mut d = Vec::new();
    for i in 0..n_disc {
        let a = format!("a{}", rng.below(artists as u64));
        let mut x = disc(10_000 + i as i64, &a, rng.next_f64() as f32);
        x.traits.duration_ms = Some(120_000 + rng.below(240_000) as i64);
        x.traits.energy = Some(rng.next_f64() as f32);
        d.push(x);
    }
    (k, d)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// With at least as many artists per kind as tracks asked, the cap and the spacing are
    /// satisfiable: they hold and nothing is reported unmet.
    #[test]
    fn cap_and_spacing_hold_when_satisfiable(
        total in 1usize..40, pct in 0u32..=100, cap in 1usize..4, spacing in 0usize..6,
        salt in any::<u64>(), seed in any::<u64>(),
    ) {
        let artists = 3 * total + 12;
        let (k, d) = catalogue(3 * total, 3 * total, artists, salt);
        let p = PlaylistParams { total_tracks: total, known_pct: pct, duration_min: None,
            max_per_artist: cap, min_artist_spacing: spacing, arc: EnergyArc::None, seed };
        let pl = assemble(&k, &d, &p, NOW).unwrap();
        prop_assert_eq!(pl.items.len(), total);
        prop_assert!(max_per_artist(&pl) <= cap);
        prop_assert_eq!(spacing_violation(&artist_keys(&pl), spacing), None);
        prop_assert!(pl.unmet_rule("max_per_artist").is_none(), "{:?}", pl.unmet);
        prop_assert!(pl.unmet_rule("min_artist_spacing").is_none(), "{:?}", pl.unmet);
    }

    /// For any catalogue, a rule is either met or reported; versions and exclusions always hold.
    #[test]
    fn rules_are_met_or_reported(
        total in 1usize..40, pct in 0u32..=100, cap in 1usize..4, spacing in 0usize..6,
        n_known in 0usize..40, n_disc in 0usize..60, artists in 1usize..15,
        salt in any::<u64>(), seed in any::<u64>(), arc in 0u8..3,
    ) {
        let (mut k, d) = catalogue(n_known, n_disc, artists, salt);
        for (i, x) in k.iter_mut().enumerate() {
            x.hated = i % 7 == 3;
            x.recent_skips = (i % 5) as u32;
        }
        let arc = [EnergyArc::None, EnergyArc::BuildUp, EnergyArc::WindDown][arc as usize];
        let p = PlaylistParams { total_tracks: total, known_pct: pct, duration_min: None,
            max_per_artist: cap, min_artist_spacing: spacing, arc, seed };
        let pl = assemble(&k, &d, &p, NOW).unwrap();
        if pl.unmet_rule("max_per_artist").is_none() {
            prop_assert!(max_per_artist(&pl) <= cap);
        }
        if pl.unmet_rule("min_artist_spacing").is_none() {
            prop_assert_eq!(spacing_violation(&artist_keys(&pl), spacing), None);
        }
        if pl.unmet_rule("total_tracks").is_none() {
            prop_assert_eq!(pl.items.len(), total);
        }
        let mut seen = HashSet::new();
        for i in &pl.items {
            prop_assert!(seen.insert(i.track_id));
            if let Some(x) = k.iter().find(|x| x.traits.track_id == i.track_id) {
                prop_assert!(!x.hated && x.recent_skips < SKIPS_TO_EXCLUDE);
            }
        }
        prop_assert_eq!(&assemble(&k, &d, &p, NOW).unwrap(), &pl);
    }

    /// With enough of both kinds, the known share is within one track of `known_pct`.
    #[test]
    fn known_pct_within_one_track(
        total in 1usize..60, pct in 0u32..=100, salt in any::<u64>(), seed in any::<u64>(),
        duration in proptest::option::of(10.0f64..120.0),
    ) {
        let n = total.max(duration.map_or(0, |d| (d / 2.0) as usize + 2));
        let (k, d) = catalogue(2 * n, 2 * n, 6 * n, salt);
        let p = PlaylistParams { total_tracks: total, known_pct: pct, duration_min: duration,
            max_per_artist: 2, min_artist_spacing: 4, arc: EnergyArc::None, seed };
        let pl = assemble(&k, &d, &p, NOW).unwrap();
        let wanted = pl.items.len() as f64 * f64::from(pct) / 100.0;
        prop_assert!((pl.known_count() as f64 - wanted).abs() <= 1.0,
            "{} known of {} at {}%", pl.known_count(), pl.items.len(), pct);
        prop_assert!(pl.unmet_rule("known_pct").is_none());
    }

    /// With enough tracks of 2–6 minutes, the total is within ±5 % of `duration_min`.
    #[test]
    fn duration_within_five_percent(
        minutes in 10.0f64..180.0, pct in 0u32..=100, salt in any::<u64>(), seed in any::<u64>(),
    ) {
        let n = (minutes / 2.0) as usize + 4;
        let (k, d) = catalogue(n, n, 4 * n, salt);
        let p = PlaylistParams { total_tracks: 20, known_pct: pct, duration_min: Some(minutes),
            max_per_artist: 2, min_artist_spacing: 4, arc: EnergyArc::BuildUp, seed };
        let pl = assemble(&k, &d, &p, NOW).unwrap();
        let target = minutes * 60_000.0;
        let total = pl.duration_ms() as f64;
        prop_assert!((total - target).abs() <= 0.05 * target, "{total} vs {target}");
        prop_assert!(pl.unmet_rule("duration_min").is_none(), "{:?}", pl.unmet);
    }
}
