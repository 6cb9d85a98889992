//! `hearth bench recommend`: the recommendation path at household-plus scale — a synthetic
//! clustered catalogue (default 200,000 tracks × 64 dims), a profile with 10,000 listened
//! tracks, and per request `centroid_queries → index top-k (known excluded) →
//! merge_centroid_hits → scoring::recommend`. The baseline, measured in the same run, scores
//! every catalogue track with the same ranker (exact brute force). Also times one incremental
//! taste update (`TasteProfile::apply`).

use hearth_core::explore::ExplorationMode;
use hearth_core::ids::TrackId;
use hearth_core::scoring::{self, Candidate, CentroidMode, RecommendInput};
use hearth_core::taste::{TasteEvent, TasteParams, TasteProfile};
use hearth_index::synth::Clustered;
use hearth_index::{IndexKey, IndexPolicy, SearchOptions};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct RecommendArgs {
    #[arg(long, default_value_t = 200_000)]
    pub tracks: usize,
    #[arg(long, default_value_t = 64)]
    pub dim: usize,
    /// Tracks the profile has listened to.
    #[arg(long, default_value_t = 10_000)]
    pub listened: usize,
    #[arg(long, default_value_t = 50)]
    pub requests: usize,
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn run(a: RecommendArgs) -> anyhow::Result<()> {
    anyhow::ensure!(a.listened < a.tracks, "--listened must be below --tracks");
    let t = Instant::now();
    let flat = Clustered::new(a.dim, 24, 42)
        .generator()
        .points(a.tracks, 1);
    let vectors: Vec<&[f32]> = flat.chunks_exact(a.dim).collect();
    let key = IndexKey::new("dsp", 1, a.dim)?;
    let policy = IndexPolicy::default();
    let index = policy.empty_for(&key, a.tracks)?;
    let ids: Vec<i64> = (1..=a.tracks as i64).collect();
    index.upsert_batch(&ids, &flat)?;
    println!(
        "catalogue: {} tracks × {} dims, {} index built in {:.1} s",
        a.tracks,
        a.dim,
        index.kind_name(),
        t.elapsed().as_secs_f64()
    );

    // A profile with three distinct tastes, so the multi-centroid path is what gets measured:
    // three anchor tracks far apart (pairwise cosine < 0.2), and the `listened` tracks nearest
    // to them, a third each.
    let now = 1_700_000_000_000i64;
    let cos = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
    let mut anchors: Vec<usize> = vec![0];
    for i in 1..a.tracks {
        if anchors.len() == 3 {
            break;
        }
        if anchors.iter().all(|&j| cos(vectors[i], vectors[j]) < 0.2) {
            anchors.push(i);
        }
    }
    anyhow::ensure!(
        anchors.len() == 3,
        "no three distinct regions in the catalogue"
    );
    let listened: Vec<usize> = {
        let mut chosen = HashSet::new();
        let mut out = Vec::with_capacity(a.listened);
        for (n, &anchor) in anchors.iter().enumerate() {
            let want = a.listened / 3 + usize::from(n < a.listened % 3);
            let mut by_sim: Vec<(f32, usize)> = (0..a.tracks)
                .map(|i| (cos(vectors[i], vectors[anchor]), i))
                .collect();
            by_sim.sort_unstable_by(|x, y| y.0.total_cmp(&x.0));
            out.extend(
                by_sim
                    .into_iter()
                    .map(|(_, i)| i)
                    .filter(|i| chosen.insert(*i))
                    .take(want),
            );
        }
        // Interleave the three tastes in time, as a person alternating between them would.
        let third = out.len().div_ceil(3);
        let mut mixed = Vec::with_capacity(out.len());
        for k in 0..third {
            for part in out.chunks(third) {
                if let Some(&i) = part.get(k) {
                    mixed.push(i);
                }
            }
        }
        mixed
    };
    let events: Vec<TasteEvent> = listened
        .iter()
        .enumerate()
        .map(|(n, i)| {
            TasteEvent::listen(
                TrackId(*i as i64 + 1),
                now - (n as i64) * 60_000,
                None,
                None,
                n % 11 == 0,
            )
        })
        .collect();
    let vec_of = |id: TrackId| vectors[(id.0 - 1) as usize];
    let vmap: HashMap<TrackId, Vec<f32>> = events
        .iter()
        .map(|e| (e.track_id, vec_of(e.track_id).to_vec()))
        .collect();
    let t = Instant::now();
    let mut profile = TasteProfile::build(&events, &vmap, now, &TasteParams::default())?;
    println!(
        "taste profile: {} events, {} centroids, built in {:.2} s",
        events.len(),
        profile.centroids_at(now).len(),
        t.elapsed().as_secs_f64()
    );
    anyhow::ensure!(
        profile.centroids_at(now).len() >= 2,
        "the three-taste profile formed a single centroid: the multi-centroid path is not measured"
    );
    let known: HashSet<i64> = profile.tracks().keys().map(|id| id.0).collect();

    let shortlist = (a.limit * 4).max(200);
    let mut fast = Vec::with_capacity(a.requests);
    let mut base = Vec::with_capacity(a.requests);
    for r in 0..a.requests {
        let t = Instant::now();
        let queries = scoring::centroid_queries(&profile, now, shortlist, CentroidMode::Multi);
        let opts = SearchOptions::excluding(&known);
        let mut hits = Vec::new();
        let mut shares = Vec::new();
        for (_, q, k) in &queries {
            hits.push(
                index
                    .search(q, *k, &opts)?
                    .into_iter()
                    .map(|h| TrackId(h.id))
                    .collect::<Vec<_>>(),
            );
            shares.push(*k as f64);
        }
        let cand_ids = scoring::merge_centroid_hits(&hits, &shares, shortlist);
        let cands: Vec<Candidate<'_>> = cand_ids
            .iter()
            .map(|id| Candidate {
                vector: Some(vec_of(*id)),
                ..Candidate::new(*id)
            })
            .collect();
        let mut input = RecommendInput::new(&cands, now);
        input.profile = Some(&profile);
        input.exploration = ExplorationMode::Thompson;
        input.limit = a.limit;
        input.seed = r as u64;
        let out = scoring::recommend(&input)?;
        fast.push(t.elapsed().as_secs_f64() * 1e3);
        std::hint::black_box(out);

        if r < 5.min(a.requests) {
            let t = Instant::now();
            let all: Vec<Candidate<'_>> = (1..=a.tracks as i64)
                .map(|id| Candidate {
                    vector: Some(vec_of(TrackId(id))),
                    ..Candidate::new(TrackId(id))
                })
                .collect();
            let mut input = RecommendInput::new(&all, now);
            input.profile = Some(&profile);
            input.exploration = ExplorationMode::Thompson;
            input.limit = a.limit;
            input.seed = r as u64;
            std::hint::black_box(scoring::recommend(&input)?);
            base.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    fast.sort_by(f64::total_cmp);
    base.sort_by(f64::total_cmp);
    let (p50, p99, b50) = (pct(&fast, 0.5), pct(&fast, 0.99), pct(&base, 0.5));
    println!(
        "recommend (index shortlist + scoring): p50 {p50:.2} ms  p99 {p99:.2} ms  ({} requests)",
        fast.len()
    );
    println!("baseline (score all {} tracks exactly): p50 {b50:.2} ms  → shortlist path is {:.1}× faster", a.tracks, b50 / p50);

    // Incremental taste updates: listens of known and new tracks.
    let n = 2_000usize;
    let upd: Vec<TasteEvent> = (0..n)
        .map(|i| {
            TasteEvent::listen(
                TrackId(((i * 13) % a.tracks) as i64 + 1),
                now + 1_000 * i as i64,
                None,
                None,
                false,
            )
        })
        .collect();
    let t = Instant::now();
    for e in &upd {
        profile.apply(e, Some(vec_of(e.track_id)))?;
    }
    let per_us = t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let t = Instant::now();
    let rebuilt = TasteProfile::build(&events, &vmap, now, &TasteParams::default())?;
    let rebuild_us = t.elapsed().as_secs_f64() * 1e6;
    std::hint::black_box(rebuilt);
    println!(
        "incremental taste update: {per_us:.1} µs/event  (full rebuild {:.0} ms → {:.0}× slower)",
        rebuild_us / 1e3,
        rebuild_us / per_us
    );
    Ok(())
}
